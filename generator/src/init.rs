//! `letterbox init [DIR]`: a new site that builds as it is — home, a blog
//! with a first post, a contact page whose form is the API's schema, its
//! thank-you page — on the built-in templates (copy them into `templates/`
//! to change them). `--languages en,fr` writes them in each language, with
//! templates whose words come from `trans()` and a language switcher.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

mod languages;

/// What to write.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The new site's folder: created, or empty.
    pub dir: PathBuf,
    pub title: String,
    pub base_url: String,
    /// The first post's date (`YYYY-MM-DD`).
    pub date: String,
    /// Letterbox's API component (`letterbox_api.wasm`), copied into the
    /// site beside the `spin.toml` that runs it; `None` leaves that to the
    /// user (the CLI says how).
    pub component: Option<PathBuf>,
    /// Only add the API (`spin.toml` and the component) to an existing site.
    pub api_only: bool,
    /// `--languages en,fr`: a multilingual site, the first code its default
    /// language; empty: one language, as before.
    pub languages: Vec<String>,
}

/// Where the site's `spin.toml` expects the component.
pub const COMPONENT_FILE: &str = "letterbox_api.wasm";

/// Writes the new site; returns the files written (relative to the folder).
/// A folder that exists and is not empty is refused, and nothing is written.
pub fn init(options: &InitOptions) -> anyhow::Result<Vec<String>> {
    let dir = &options.dir;
    languages::check_codes(&options.languages)?;
    if options.api_only && !options.languages.is_empty() {
        bail!("--languages starts a new site; it cannot be combined with --api-only");
    }
    if options.api_only {
        if !dir.join("site.toml").is_file() {
            bail!(
                "{} has no site.toml; `--api-only` adds the API to an existing site",
                dir.display()
            );
        }
        if dir.join("spin.toml").exists() {
            bail!(
                "{} exists; it is left as it is",
                dir.join("spin.toml").display()
            );
        }
    } else if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "{} is not empty; choose a new folder (letterbox init my-site), or add only \
                 the API to an existing site with --api-only",
                dir.display()
            );
        }
    }
    // The component is read before anything is written, so a wrong path
    // leaves the folder as it was.
    let component = match &options.component {
        Some(path) => {
            Some(std::fs::read(path).with_context(|| format!("reading {}", path.display()))?)
        }
        None => None,
    };
    let mut files = if options.api_only {
        Vec::new()
    } else {
        site_files(options)
    };
    files.push(("spin.toml".to_owned(), spin_toml(&app_name(&options.title))));
    for (rel, text) in &files {
        write(dir, rel, text.as_bytes())?;
    }
    let mut written: Vec<String> = files.into_iter().map(|(rel, _)| rel).collect();
    if let Some(bytes) = component {
        write(dir, COMPONENT_FILE, &bytes)?;
        written.push(COMPONENT_FILE.to_owned());
    }
    Ok(written)
}

/// A Spin application name: lowercase ASCII letters, digits and dashes.
fn app_name(title: &str) -> String {
    let slug = crate::text::slugify(title);
    if slug.is_empty() {
        "letterbox-site".to_owned()
    } else {
        slug
    }
}

/// The site's Spin manifest: Letterbox's component, the same for every site,
/// with this site's forms mounted from `.letterbox/` (written by `letterbox
/// build`, which `spin build` runs).
// Long: one template string, the whole file as it is written; split, it
// could no longer be read as the file it makes.
fn spin_toml(app_name: &str) -> String {
    format!(
        r#"# The form API of this site, run by Spin:
#   spin build && spin up      (see "The form API" in Letterbox's README)
# Secrets (jwt_secret, admin_password_hash) are best given as
# SPIN_VARIABLE_JWT_SECRET=... in the environment, not on the command line.
spin_manifest_version = 2

[application]
name = "{app_name}"
version = "0.1.0"

[variables]
jwt_secret = {{ required = true, secret = true }}
store = {{ default = "sqlite" }}
site_url = {{ default = "http://127.0.0.1:1111" }}
allowed_origins = {{ default = "" }}
max_body_bytes = {{ default = "65536" }}
rate_limit_per_minute = {{ default = "10" }}
ipv6_prefix_len = {{ default = "64" }}
jwt_ttl_seconds = {{ default = "3600" }}
jwt_issuer = {{ default = "letterbox" }}
jwt_audience = {{ default = "letterbox" }}
jwks = {{ default = "" }}
jwks_issuer = {{ default = "" }}
jwks_audience = {{ default = "" }}
jwks_client_id = {{ default = "" }}
jwks_admin_role = {{ default = "" }}
jwks_admins_manage_users = {{ default = "false" }}
admin_username = {{ default = "" }}
admin_password_hash = {{ default = "", secret = true }}
# Notifications, CAPTCHA and spam checks (Letterbox README: Notifications, Spam).
webhook_secret = {{ default = "", secret = true }}
email_api_url = {{ default = "https://api.resend.com/emails" }}
email_api_key = {{ default = "", secret = true }}
captcha_secret = {{ default = "", secret = true }}
captcha_verify_url = {{ default = "" }}
akismet_key = {{ default = "", secret = true }}
akismet_url = {{ default = "https://rest.akismet.com/1.1/comment-check" }}
outbound_timeout_ms = {{ default = "3000" }}
autoreply_per_address_per_day = {{ default = "2" }}
autoreply_per_form_per_day = {{ default = "200" }}
# POSTed when entries of a moderated form are approved, e.g. a CI job that
# runs `letterbox pull && letterbox build` (README: Moderation).
build_hook_url = {{ default = "" }}

[[trigger.http]]
route = "/api/..."
component = "letterbox-api"

[component.letterbox-api]
# Letterbox's API component: the same file serves every site.
source = "{COMPONENT_FILE}"
# This site's forms: `letterbox build` writes .letterbox/forms.json.
files = [{{ source = ".letterbox", destination = "/letterbox" }}]
# Every host a form notifies or asks (webhooks, https://api.resend.com, the
# CAPTCHA provider, https://rest.akismet.com, the build hook); `letterbox
# check` names the missing ones.
allowed_outbound_hosts = []
sqlite_databases = ["default"]
key_value_stores = ["default"]

[component.letterbox-api.variables]
jwt_secret = "{{{{ jwt_secret }}}}"
store = "{{{{ store }}}}"
site_url = "{{{{ site_url }}}}"
allowed_origins = "{{{{ allowed_origins }}}}"
max_body_bytes = "{{{{ max_body_bytes }}}}"
rate_limit_per_minute = "{{{{ rate_limit_per_minute }}}}"
ipv6_prefix_len = "{{{{ ipv6_prefix_len }}}}"
jwt_ttl_seconds = "{{{{ jwt_ttl_seconds }}}}"
jwt_issuer = "{{{{ jwt_issuer }}}}"
jwt_audience = "{{{{ jwt_audience }}}}"
jwks = "{{{{ jwks }}}}"
jwks_issuer = "{{{{ jwks_issuer }}}}"
jwks_audience = "{{{{ jwks_audience }}}}"
jwks_client_id = "{{{{ jwks_client_id }}}}"
jwks_admin_role = "{{{{ jwks_admin_role }}}}"
jwks_admins_manage_users = "{{{{ jwks_admins_manage_users }}}}"
admin_username = "{{{{ admin_username }}}}"
admin_password_hash = "{{{{ admin_password_hash }}}}"
webhook_secret = "{{{{ webhook_secret }}}}"
email_api_url = "{{{{ email_api_url }}}}"
email_api_key = "{{{{ email_api_key }}}}"
captcha_secret = "{{{{ captcha_secret }}}}"
captcha_verify_url = "{{{{ captcha_verify_url }}}}"
akismet_key = "{{{{ akismet_key }}}}"
akismet_url = "{{{{ akismet_url }}}}"
outbound_timeout_ms = "{{{{ outbound_timeout_ms }}}}"
autoreply_per_address_per_day = "{{{{ autoreply_per_address_per_day }}}}"
autoreply_per_form_per_day = "{{{{ autoreply_per_form_per_day }}}}"
build_hook_url = "{{{{ build_hook_url }}}}"

[component.letterbox-api.build]
# Builds the site, which writes the form manifest the component reads.
command = "letterbox build"
watch = ["content/**/*", "templates/**/*", "static/**/*", "sass/**/*", "data/**/*", "site.toml"]
"#
    )
}

fn write(dir: &Path, rel: &str, text: &[u8]) -> anyhow::Result<()> {
    let path = dir.join(rel);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating {}", parent.display()))?;
    }
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))
}

/// TOML basic string: quotes and backslashes escaped.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn site_files(options: &InitOptions) -> Vec<(String, String)> {
    let title = toml_string(&options.title);
    let base_url = toml_string(&options.base_url);
    let default = options.languages.first();
    let language_line = match default {
        Some(code) => format!(
            "# The language of the pages at the root; the others' are under /<code>/\n\
             # (see Multilingual in Letterbox's README).\n\
             default_language = {}\n\
             # Dates as 2026-11-30 in every language (month names are English).\n\
             date_format = \"%Y-%m-%d\"\n",
            toml_string(code)
        ),
        None => String::new(),
    };
    let mut site_toml = format!(
        "# See the `site.toml` reference in Letterbox's README.\n\
         title = {title}\n\
         base_url = {base_url}\n\
         description = \"\"\n\
         {language_line}\
         # Atom and RSS feeds of the newest pages.\n\
         generate_feeds = true\n\
         # Where forms post; empty: the same origin (`letterbox serve`, or a\n\
         # CDN routing /api to the Spin app). Else e.g. \"https://forms.example.org\".\n\
         api_url = \"\"\n\
         \n\
         [markdown]\n\
         highlight_code = true\n"
    );
    for (i, code) in options.languages.iter().enumerate() {
        let (texts, own) = languages::texts(code);
        site_toml.push('\n');
        if i > 0 {
            // Everything else (feeds, taxonomies…) is the top-level value.
            site_toml.push_str(&format!(
                "[languages.{code}]\ntitle = {title}\ndescription = \"\"\n\n"
            ));
        }
        site_toml.push_str(&format!("[languages.{code}.translations]\n"));
        if !own {
            site_toml.push_str("# In English for now: translate these.\n");
        }
        for (key, text) in texts.strings {
            let text = if key == "language_name" && !own {
                code.as_str()
            } else {
                text
            };
            site_toml.push_str(&format!("{key} = {}\n", toml_string(text)));
        }
    }
    let mut files = vec![
        ("site.toml".to_owned(), site_toml),
        (
            ".gitignore".to_owned(),
            "/dist\n/.letterbox\n/.spin\n".to_owned(),
        ),
    ];
    if options.languages.is_empty() {
        files.extend(content_files(options, None));
    } else {
        for (i, code) in options.languages.iter().enumerate() {
            files.extend(content_files(options, (i > 0).then_some(code.as_str())));
        }
        // The built-in look, with translated words and a language switcher.
        for (rel, text) in [
            ("templates/base.html", languages::BASE_HTML),
            (
                "templates/letterbox/post-card.html",
                languages::POST_CARD_HTML,
            ),
            (
                "templates/letterbox/post-meta.html",
                languages::POST_META_HTML,
            ),
        ] {
            files.push((rel.to_owned(), text.to_owned()));
        }
    }
    files
}

/// The content files in one language: `lang` is `None` for the default
/// language (`contact.md`, `/thanks/`), else its code (`contact.fr.md`,
/// form `contact-fr`, `/fr/thanks/`).
fn content_files(options: &InitOptions, lang: Option<&str>) -> Vec<(String, String)> {
    let code = lang.or(options.languages.first().map(String::as_str));
    let (texts, _) = languages::texts(code.unwrap_or("en"));
    let title = toml_string(&options.title);
    let date = &options.date;
    let suffix = lang.map(|l| format!(".{l}")).unwrap_or_default();
    let prefix = lang.map(|l| format!("/{l}")).unwrap_or_default();
    let form = match lang {
        Some(l) => format!("contact-{l}"),
        None => "contact".to_owned(),
    };
    let home = format!("content/_index{suffix}.md");
    let welcome = texts.welcome.replace("{file}", &home);
    let body = (texts.first_post_body).replace("{contact}", &format!("@/contact{suffix}.md"));
    let blog = toml_string(texts.blog);
    let first_post = toml_string(texts.first_post);
    let tag = toml_string(texts.tag);
    let contact = toml_string(texts.contact);
    let intro = texts.contact_intro;
    let (email, message, send) = (texts.your_email, texts.message, texts.send);
    let thanks = toml_string(texts.thanks);
    let thanks_body = texts.thanks_body;
    vec![
        (home, format!("+++\ntitle = {title}\n+++\n{welcome}\n")),
        (
            format!("content/blog/_index{suffix}.md"),
            format!("+++\ntitle = {blog}\nsort_by = \"date\"\npaginate_by = 10\n+++\n"),
        ),
        (
            format!("content/blog/first-post{suffix}.md"),
            format!(
                "+++\ntitle = {first_post}\ndate = {date}\ntags = [{tag}]\n+++\n\
                 {body}\n\n\
                 <!-- more -->\n\n\
                 ```rust\nfn main() {{\n    println!(\"Hello from Letterbox\");\n}}\n```\n"
            ),
        ),
        (
            format!("content/contact{suffix}.md"),
            format!(
                "+++\ntitle = {contact}\n+++\n\
                 {intro}\n\n\
                 <form data-form=\"{form}\" data-redirect=\"{prefix}/thanks/\">\n\
                 \x20 <label>{email} <input name=\"email\" type=\"email\" required maxlength=\"200\"></label>\n\
                 \x20 <label>{message} <textarea name=\"message\" required minlength=\"10\" maxlength=\"5000\"></textarea></label>\n\
                 \x20 <button>{send}</button>\n\
                 </form>\n"
            ),
        ),
        (
            format!("content/thanks{suffix}.md"),
            format!("+++\ntitle = {thanks}\n+++\n{thanks_body}\n"),
        ),
    ]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_spin_manifest_declares_and_maps_every_variable() {
        let text = spin_toml("ada-s-notes");
        let manifest: toml::Table = toml::from_str(&text).unwrap();
        let declared = manifest["variables"].as_table().unwrap();
        let mapped = manifest["component"]["letterbox-api"]["variables"]
            .as_table()
            .unwrap();
        for name in letterbox_forms::config::VARIABLES {
            assert!(declared.contains_key(*name), "{name} declared");
            assert_eq!(
                mapped[*name].as_str(),
                Some(format!("{{{{ {name} }}}}").as_str()),
                "{name} mapped"
            );
        }
        assert_eq!(declared.len(), letterbox_forms::config::VARIABLES.len());
        assert_eq!(
            manifest["application"]["name"].as_str(),
            Some("ada-s-notes")
        );
    }

    #[test]
    fn app_names_are_slugs() {
        assert_eq!(app_name("Ada's \"notes\""), "ada-s-notes");
        assert_eq!(app_name("!!!"), "letterbox-site");
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_string(r#"A "b" \ c"#), r#""A \"b\" \\ c""#);
        assert_eq!(toml_string("x\ny"), "\"x\\u000Ay\"");
    }
}
