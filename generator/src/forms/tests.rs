#![allow(clippy::unwrap_used)]

use super::assets::*;
use super::discovery::*;
use super::manifest::build_manifest;
use super::rewrite::*;
use super::settings::*;
use crate::config::FormConfig;
use letterbox_forms::{AuthRequirement, FieldKind, Form};

fn discover(html: &str) -> anyhow::Result<(String, Vec<Form>)> {
    let settings = FormSettings {
        api_url: "https://api.example.org/".into(),
        ..Default::default()
    };
    rewrite_forms(html, "content/contact.md", &settings)
}

const CONTACT: &str = r#"<main><form data-form="contact" data-redirect="/thanks/">
  <label>Name <input name="name" required maxlength="100"></label>
  <input name="email" type="email" required maxlength="200">
  <select name="topic" required>
<option value="">Choose…</option>
<option>General question</option>
<option value="press">Press</option>
  </select>
  <fieldset><input type="radio" name="size" value="s"><input type="radio" name="size" value="m"></fieldset>
  <input type="checkbox" name="consent" value="yes" required>
  <textarea name="message" required minlength="10" maxlength="5000"></textarea>
  <input name="age" type="number" min="18" max="120" step="1">
  <button>Send</button>
</form></main>"#;

#[test]
fn derives_the_schema_from_constraint_attributes() {
    let (_, forms) = discover(CONTACT).unwrap();
    assert_eq!(forms.len(), 1);
    let form = &forms[0];
    assert_eq!(form.name, "contact");
    assert_eq!(form.page, "content/contact.md");
    assert_eq!(form.redirect.as_deref(), Some("/thanks/"));
    assert_eq!(form.honeypot, DEFAULT_HONEYPOT);
    let names: Vec<_> = form.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "name", "email", "topic", "size", "consent", "message", "age"
        ]
    );

    let email = form.field("email").unwrap();
    assert_eq!(
        (email.kind, email.required, email.maxlength),
        (FieldKind::Email, true, Some(200))
    );
    let topic = form.field("topic").unwrap();
    assert_eq!(topic.options, ["General question", "press"]);
    assert!(topic.required && !topic.multiple);
    let size = form.field("size").unwrap();
    assert_eq!(
        (size.kind, size.options.clone(), size.multiple),
        (FieldKind::Radio, vec!["s".into(), "m".into()], false)
    );
    let consent = form.field("consent").unwrap();
    assert_eq!(
        (consent.kind, consent.options.clone()),
        (FieldKind::Checkbox, vec!["yes".to_owned()])
    );
    let message = form.field("message").unwrap();
    assert_eq!(
        (message.minlength, message.maxlength),
        (Some(10), Some(5000))
    );
    let age = form.field("age").unwrap();
    assert_eq!(
        (age.min.as_deref(), age.max.as_deref(), age.step.as_deref()),
        (Some("18"), Some("120"), Some("1"))
    );
}

#[test]
fn rewrites_action_method_and_adds_the_honeypot() {
    let (html, _) =
        discover(r#"<form data-form="news"><input name="email" type="email"></form>"#).unwrap();
    assert!(
        html.contains(r#"action="https://api.example.org/api/forms/news""#),
        "{html}"
    );
    assert!(html.contains(r#"method="post""#), "{html}");
    let honeypot = r#"<input type="text" name="homepage" value="" tabindex="-1" autocomplete="off" aria-hidden="true">"#;
    assert!(html.contains(honeypot), "{html}");
    // The trap sits inside the form, before its end tag.
    assert!(html.find(honeypot).unwrap() < html.find("</form>").unwrap());
}

#[test]
fn pages_without_forms_pass_through_untouched() {
    let html = "<p>No <em>form</em> here</p><form><input name=q></form>";
    let (out, forms) = discover(html).unwrap();
    assert_eq!(out, html);
    assert!(forms.is_empty());
}

#[test]
fn checkbox_groups_are_multi_valued() {
    let (_, forms) = discover(
        r#"<form data-form="f"><input type="checkbox" name="t" value="a"><input type="checkbox" name="t" value="b"></form>"#,
    )
    .unwrap();
    let t = forms[0].field("t").unwrap();
    assert!(t.multiple);
    assert_eq!(t.options, ["a", "b"]);
}

#[test]
fn bad_attributes_are_errors_naming_page_form_and_field() {
    let err = discover(r#"<form data-form="f"><input name="a" maxlength="lots"><input type="file" name="cv"></form>"#)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(r#"content/contact.md: form "f": field "a": maxlength="lots""#),
        "{err}"
    );
    assert!(err.contains(r#"field "cv" is a file input"#), "{err}");
}

#[test]
fn invalid_form_names_and_redirects_are_errors() {
    let err = discover(r#"<form data-form="a b"><input name="x"></form>"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a valid form name"), "{err}");
    let err = discover(
        r#"<form data-form="a" data-redirect="https://evil.example/"><input name="x"></form>"#,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("must be a path of this site"), "{err}");
}

#[test]
fn site_toml_overrides_data_attributes() {
    let mut settings = FormSettings::default();
    settings.overrides.insert(
        "m".into(),
        FormConfig {
            redirect: Some("/welcome/".into()),
            auth: Some(AuthRequirement::Required),
            ..FormConfig::default()
        },
    );
    let (html, forms) = rewrite_forms(
        r#"<form data-form="m"><input name="x"></form>"#,
        "p.md",
        &settings,
    )
    .unwrap();
    assert!(html.contains(r#"action="/api/forms/m""#), "{html}");
    assert_eq!(forms[0].auth, AuthRequirement::Required);
    assert_eq!(forms[0].redirect.as_deref(), Some("/welcome/"));
}

#[test]
fn one_name_two_definitions_names_both_pages() {
    let (_, a) = rewrite_forms(
        r#"<form data-form="c"><input name="x"></form>"#,
        "content/a.md",
        &FormSettings::default(),
    )
    .unwrap();
    let (_, same) = rewrite_forms(
        r#"<form data-form="c"><input name="x"></form>"#,
        "content/b.md",
        &FormSettings::default(),
    )
    .unwrap();
    let (_, other) = rewrite_forms(
        r#"<form data-form="c"><input name="y"></form>"#,
        "content/c.md",
        &FormSettings::default(),
    )
    .unwrap();
    let manifest = build_manifest(a.iter().cloned().chain(same).collect()).unwrap();
    assert_eq!(manifest.forms.len(), 1);
    let errors = build_manifest(a.into_iter().chain(other).collect()).unwrap_err();
    assert_eq!(errors.len(), 1);
    let err = errors[0].to_string();
    assert!(
        err.contains("content/a.md") && err.contains("content/c.md"),
        "{err}"
    );
    assert!(err.contains("fields [x] vs [y]"), "{err}");
}

#[test]
fn one_name_in_two_languages_is_an_error_that_suggests_a_name() {
    let in_lang = |page: &str, lang: &str| {
        let (_, mut forms) = rewrite_forms(
            r#"<form data-form="contact"><input name="x"></form>"#,
            page,
            &FormSettings::default(),
        )
        .unwrap();
        forms[0].lang = Some(lang.into());
        forms
    };
    let errors = build_manifest(
        (in_lang("content/contact.md", "en").into_iter())
            .chain(in_lang("content/contact.fr.md", "fr"))
            .collect(),
    )
    .unwrap_err();
    let err = errors[0].to_string();
    assert!(
        err.contains("content/contact.md")
            && err.contains("content/contact.fr.md")
            && err.contains("different languages (en and fr)")
            && err.contains("\"contact-fr\""),
        "{err}"
    );
    let same = build_manifest(
        (in_lang("content/a.fr.md", "fr").into_iter())
            .chain(in_lang("content/b.fr.md", "fr"))
            .collect(),
    );
    assert!(same.is_ok(), "one language, one form");
}

#[test]
fn honeypot_name_clash_is_an_error() {
    let err = discover(r#"<form data-form="c"><input name="homepage"></form>"#)
        .unwrap_err()
        .to_string();
    assert!(err.contains("data-honeypot"), "{err}");
    let (_, forms) =
        discover(r#"<form data-form="c" data-honeypot="trap"><input name="homepage"></form>"#)
            .unwrap();
    assert_eq!(forms[0].honeypot, "trap");
}

#[test]
fn nested_forms_are_rejected() {
    // HTML parsers drop a nested <form> start tag; the outer one stays.
    let result =
        discover(r#"<form data-form="a"><input name="x"><form data-form="b"></form></form>"#);
    let err = result.unwrap_err().to_string();
    assert!(err.contains("cannot be nested"), "{err}");
}

#[test]
fn script_only_on_pages_with_a_form() {
    let settings = FormSettings {
        script_url: Some("/docs/letterbox-forms.js".into()),
        ..Default::default()
    };
    let page = format!("<html><body>{CONTACT}</BODY></html>");
    let (html, forms) = rewrite_forms(&page, "content/contact.md", &settings).unwrap();
    assert_eq!(forms.len(), 1);
    let tag = "<script src=\"/docs/letterbox-forms.js\" defer></script>";
    assert_eq!(html.matches(tag).count(), 1);
    assert!(html.find(tag).unwrap() < html.find("</BODY>").unwrap());
    let plain = "<html><body><form><input name=q></form></body></html>";
    let (html, forms) = rewrite_forms(plain, "content/x.md", &settings).unwrap();
    assert!(forms.is_empty());
    assert_eq!(html, plain);
    // Without a URL nothing is added.
    let (html, _) = rewrite_forms(&page, "content/contact.md", &Default::default()).unwrap();
    assert!(!html.contains("<script"));
}

#[test]
fn builtin_scripts_are_small() {
    let [(forms_name, forms_js), (admin_name, admin_js)] = builtin_assets();
    assert_eq!((forms_name, admin_name), (FORMS_SCRIPT, ADMIN_SCRIPT));
    // Loaded (deferred) on every page with a form; the member login box
    // took it past 4 KiB, the lines in the page's language past 6 KiB.
    assert!(
        forms_js.len() <= 6400,
        "letterbox-forms.js is {} bytes minified",
        forms_js.len()
    );
    assert!(forms_js.contains("Accept: \"application/json\""));
    assert!(!forms_js.contains("\n//") && !forms_js.contains("\n "));
    assert!(admin_js.len() < ADMIN_JS_SOURCE.len());
    assert_eq!(
        minify_js("  // c\n\n  a = 1; // x\n\tb();\n"),
        "a = 1; // x\nb();\n"
    );
}

#[test]
fn each_form_problem_is_one_error_at_its_line() {
    let body = "Intro\n\n<form data-form=\"c\">\n<input name=\"a\" maxlength=\"lots\">\n<input type=\"file\" name=\"cv\">\n</form>\n";
    let source = FormSource {
        file: "content/contact.md",
        body: Some((body, 4)),
        path: None,
        lang: None,
    };
    let errors = rewrite_forms_in(body, source, &FormSettings::default()).unwrap_err();
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "content/contact.md:7: form \"c\": field \"a\": maxlength=\"lots\" is not a non-negative whole number",
            "content/contact.md:8: form \"c\": field \"cv\" is a file input; file uploads are not supported yet",
        ]
    );
}

#[test]
fn nameless_controls_are_found_by_line() {
    let body = "<form data-form=\"c\">\n<input name=\"a\">\n<input type=\"submit\">\n<input type=\"email\">\n</form>\n";
    let mut discovery = Discovery::new(FormSource {
        file: "content/c.md",
        body: Some((body, 3)),
        path: None,
        lang: None,
    });
    assert_eq!(discovery.nth_line("c", "<input", 3), Some(6));
    assert_eq!(discovery.line("c", Some("name=\"a\"")), Some(4));
    discovery.seen = [0; 3];
    // The schema holds the named field only.
    let (_, forms) = rewrite_forms(body, "content/c.md", &FormSettings::default()).unwrap();
    assert_eq!(forms[0].fields.len(), 1);
}

#[test]
fn a_captcha_gets_its_widget_before_the_submit_button_and_its_script_once() {
    let html = r#"<body><form data-form="c" data-captcha="turnstile" data-sitekey="0x4AAA-b_c">
<input name="email" type="email"><button>Send</button></form>
<form data-form="d" data-captcha="turnstile" data-sitekey="k2"><input name="x"></form></body>"#;
    let (out, forms) = discover(html).unwrap();
    let widget = r#"<div class="cf-turnstile" data-sitekey="0x4AAA-b_c" data-lb-field="captcha"></div><button>Send</button>"#;
    assert!(out.contains(widget), "{out}");
    // Without a submit button, at the end of the form.
    assert!(
        out.contains(
            r#"<div class="cf-turnstile" data-sitekey="k2" data-lb-field="captcha"></div></form>"#
        ),
        "{out}"
    );
    assert_eq!(
        out.matches("challenges.cloudflare.com/turnstile/v0/api.js")
            .count(),
        1,
        "{out}"
    );
    let captcha = forms[0].captcha.as_ref().unwrap();
    assert_eq!(
        captcha.provider,
        letterbox_forms::CaptchaProvider::Turnstile
    );
    assert_eq!(captcha.sitekey, "0x4AAA-b_c");
}

#[test]
fn captcha_attributes_are_checked() {
    for (attrs, want) in [
        (
            r#"data-captcha="friendly""#,
            "must be \"turnstile\", \"hcaptcha\" or \"recaptcha\"",
        ),
        (r#"data-captcha="hcaptcha""#, "needs data-sitekey"),
        (r#"data-sitekey="k""#, "data-sitekey without data-captcha"),
        (
            r#"data-captcha="turnstile" data-sitekey="a&quot;b""#,
            "is not a site key",
        ),
    ] {
        let html = format!(r#"<form data-form="c" {attrs}><input name="x"></form>"#);
        let err = format!("{:#}", discover(&html).unwrap_err());
        assert!(err.contains(want), "{attrs}: {err}");
    }
}

#[test]
fn site_toml_notifications_are_checked_against_the_form() {
    let config = crate::config::Config::parse(
        r#"title = "t"
base_url = "/"

[forms.c]
captcha_script = "/fake-captcha.js"

[forms.c.notify.autoreply]
field = "name"
from = "hello@example.org"
subject = "Thanks"
body = "Hi {name}"
"#,
        "site.toml",
    )
    .unwrap();
    let settings = FormSettings {
        overrides: config.forms.clone(),
        ..Default::default()
    };
    let html = r#"<form data-form="c" data-captcha="hcaptcha" data-sitekey="k"><input name="name"></form>"#;
    let err = format!(
        "{:#}",
        rewrite_forms(html, "content/c.md", &settings).unwrap_err()
    );
    assert!(
        err.contains("site.toml:4: [forms.c.notify.autoreply] field: \"name\" must be a required type=email field"),
        "{err}"
    );
    let fixed = html.replace(
        r#"<input name="name">"#,
        r#"<input name="name" type="email" required>"#,
    );
    let (out, forms) = rewrite_forms(&fixed, "content/c.md", &settings).unwrap();
    assert!(
        out.contains(r#"<script src="/fake-captcha.js" defer></script>"#),
        "{out}"
    );
    assert_eq!(forms[0].notify.autoreply.as_ref().unwrap().field, "name");
}

#[test]
fn a_moderated_form_carries_its_page() {
    let mut settings = FormSettings::default();
    settings.overrides.insert(
        "comments".into(),
        FormConfig {
            publish: vec!["name".into()],
            ..FormConfig::default()
        },
    );
    let source = FormSource {
        file: "content/blog/hello.md",
        body: None,
        path: Some("/blog/hello/"),
        lang: None,
    };
    let html = r#"<form data-form="comments"><input name="name"><textarea name="message"></textarea></form>"#;
    let (out, forms) = rewrite_forms_in(html, source, &settings).unwrap();
    assert!(
        out.contains(r#"<input type="hidden" name="_page" value="/blog/hello/">"#),
        "{out}"
    );
    assert_eq!(forms[0].publish, ["name"]);
    assert!(
        forms[0].field("_page").is_none(),
        "the page is no field of the form"
    );
}

#[test]
fn forms_get_the_script_words_in_their_page_language() {
    let rewrite = |html: &str, lang: &str| {
        let source = FormSource {
            file: "content/contact.fr.md",
            body: None,
            path: None,
            lang: Some(lang),
        };
        rewrite_forms_in(html, source, &FormSettings::default())
            .unwrap()
            .0
    };
    let plain = r#"<form data-form="c"><input name="a"></form>"#;
    let fr = rewrite(plain, "fr");
    assert!(
        fr.contains(r#"data-error="Veuillez corriger les champs signalés.""#),
        "{fr}"
    );
    assert!(
        fr.contains(r#"data-success="Merci ! Votre envoi a bien été reçu.""#),
        "{fr}"
    );
    assert!(
        fr.contains(r#"data-retry="Veuillez réessayer dans {} secondes.""#)
            && fr.contains(r#"data-offline="Le serveur est injoignable."#),
        "{fr}"
    );
    let de = rewrite(plain, "de-CH");
    assert!(
        de.contains(r#"data-error="Bitte korrigieren Sie die markierten Felder.""#),
        "{de}"
    );
    // English is the script's own; other languages keep it too.
    for lang in ["en", "es"] {
        let page = rewrite(plain, lang);
        assert!(
            !page.contains("data-error") && !page.contains("data-retry"),
            "{lang}"
        );
    }
    // A form's own texts win; a redirect needs no success text.
    let own = rewrite(
        r#"<form data-form="c" data-error="Oups." data-redirect="/fr/merci/"><input name="a"></form>"#,
        "fr",
    );
    assert!(own.contains(r#"data-error="Oups.""#), "{own}");
    assert!(
        !own.contains("Veuillez corriger") && !own.contains("data-success"),
        "{own}"
    );
}
