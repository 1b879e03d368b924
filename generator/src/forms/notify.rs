//! `[forms.<name>]`'s notifications, spam and publishing settings, checked
//! against the form they belong to and compiled into its manifest entry.

use letterbox_forms::config::Url;
use letterbox_forms::notify::template;
use letterbox_forms::{Autoreply, EmailNotice, FieldKind, Form, Notify, Webhook};

use crate::config::FormConfig;
use crate::config::forms::{AutoreplyConfig, EmailConfig};

/// The longest `retention_days`.
const MAX_RETENTION_DAYS: u32 = 36_500;

/// Applies `config` to `form`: its spam check and notifications. Returns
/// every problem, each naming the table and key of `site.toml`.
pub(super) fn apply(form: &mut Form, config: &FormConfig) -> Vec<String> {
    let mut problems = Vec::new();
    form.spam_check = config.spam_check;
    for name in &config.publish {
        if form.field(name).is_none() {
            let fields: Vec<&str> = form.fields.iter().map(|f| f.name.as_str()).collect();
            problems.push(format!(
                "[forms.{}] publish: \"{name}\" is no field of the form (fields: {})",
                form.name,
                fields.join(", ")
            ));
        }
    }
    form.publish = config.publish.clone();
    match config.retention_days {
        Some(days @ 1..=MAX_RETENTION_DAYS) => form.retention_days = Some(days),
        Some(days) => problems.push(format!(
            "[forms.{}] retention_days: {days} must be from 1 to {MAX_RETENTION_DAYS} (a hundred years)",
            form.name
        )),
        None => {}
    }
    let table = |sub: &str| format!("[forms.{}.notify{sub}]", form.name);

    let mut notify = Notify::default();
    for (i, hook) in config.notify.webhook.iter().enumerate() {
        if let Err(why) = http_url(&hook.url) {
            problems.push(format!("{} #{}: url {why}", table(".webhook"), i + 1));
        }
        notify.webhooks.push(Webhook {
            url: hook.url.clone(),
            format: hook.format,
        });
    }
    if let Some(email) = &config.notify.email {
        problems.extend(
            email_problems(form, email)
                .into_iter()
                .map(|p| format!("{} {p}", table(".email"))),
        );
        notify.email = Some(EmailNotice {
            to: email.to.clone(),
            from: email.from.clone(),
            subject: email.subject.clone(),
            body: email.body.clone(),
            reply_to_field: email.reply_to.clone(),
        });
    }
    if let Some(reply) = &config.notify.autoreply {
        problems.extend(
            autoreply_problems(form, reply)
                .into_iter()
                .map(|p| format!("{} {p}", table(".autoreply"))),
        );
        notify.autoreply = Some(Autoreply {
            field: reply.field.clone(),
            from: reply.from.clone(),
            subject: reply.subject.clone(),
            body: reply.body.clone(),
        });
    }
    form.notify = notify;
    problems
}

fn email_problems(form: &Form, email: &EmailConfig) -> Vec<String> {
    let mut problems = Vec::new();
    if email.to.is_empty() {
        problems.push("to: name at least one address".to_owned());
    }
    for address in &email.to {
        if !plausible_address(address) {
            problems.push(format!("to: `{address}` is not an e-mail address"));
        }
    }
    if !plausible_sender(&email.from) {
        problems.push(format!(
            "from: `{}` is not an e-mail address (or `Name <address>`)",
            email.from
        ));
    }
    check_template(form, "subject", &email.subject, &mut problems);
    if let Some(body) = &email.body {
        check_template(form, "body", body, &mut problems);
    }
    if let Some(field) = &email.reply_to
        && !form
            .field(field)
            .is_some_and(|f| f.kind == FieldKind::Email)
    {
        problems.push(format!(
            "reply_to: \"{field}\" is not a type=email field of the form"
        ));
    }
    problems
}

fn autoreply_problems(form: &Form, reply: &AutoreplyConfig) -> Vec<String> {
    let mut problems = Vec::new();
    // Only an address the browser and the API both checked as one, and
    // always present: otherwise the form would mail whatever it is sent.
    match form.field(&reply.field) {
        Some(f) if f.kind == FieldKind::Email && f.required && !f.multiple => {}
        _ => problems.push(format!(
            "field: \"{}\" must be a required type=email field (without multiple) of the form",
            reply.field
        )),
    }
    if !plausible_sender(&reply.from) {
        problems.push(format!(
            "from: `{}` is not an e-mail address (or `Name <address>`)",
            reply.from
        ));
    }
    check_template(form, "subject", &reply.subject, &mut problems);
    check_template(form, "body", &reply.body, &mut problems);
    problems
}

fn check_template(form: &Form, key: &str, text: &str, problems: &mut Vec<String>) {
    if let Err(e) = template::check(text, form) {
        problems.push(format!("{key}: {e}"));
    }
}

/// An absolute http(s) URL with a host.
pub(super) fn http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("`{text}` is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(format!("`{text}` must be an http(s) URL with a host"));
    }
    Ok(url)
}

fn plausible_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.contains('@')
        && !text.contains(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';'))
}

/// `address` or `Name <address>`.
fn plausible_sender(text: &str) -> bool {
    match text
        .trim()
        .strip_suffix('>')
        .and_then(|t| t.rsplit_once('<'))
    {
        Some((name, address)) => !name.contains(['<', '>']) && plausible_address(address),
        None => plausible_address(text.trim()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::config::forms::{NotifyConfig, WebhookConfig};
    use letterbox_forms::{Field, WebhookFormat};

    fn form() -> Form {
        let mut email = Field::new("email", FieldKind::Email);
        email.required = true;
        Form {
            honeypot: "homepage".into(),
            ..Form::new(
                "contact",
                "content/contact.md",
                vec![Field::new("name", FieldKind::Text), email],
            )
        }
    }

    fn config() -> FormConfig {
        FormConfig {
            notify: NotifyConfig {
                webhook: vec![WebhookConfig {
                    url: "https://hooks.example.org/x".into(),
                    format: WebhookFormat::Slack,
                }],
                email: Some(EmailConfig {
                    to: vec!["owner@example.org".into()],
                    from: "Forms <forms@example.org>".into(),
                    subject: "From {name}".into(),
                    body: None,
                    reply_to: Some("email".into()),
                }),
                autoreply: Some(AutoreplyConfig {
                    field: "email".into(),
                    from: "hello@example.org".into(),
                    subject: "Thanks, {name}".into(),
                    body: "We got it ({id}).".into(),
                }),
            },
            ..FormConfig::default()
        }
    }

    #[test]
    fn a_good_config_is_compiled_into_the_form() {
        let mut f = form();
        assert_eq!(apply(&mut f, &config()), Vec::<String>::new());
        assert_eq!(f.notify.webhooks[0].format, WebhookFormat::Slack);
        assert_eq!(
            f.notify.email.as_ref().unwrap().reply_to_field.as_deref(),
            Some("email")
        );
        assert_eq!(f.notify.autoreply.as_ref().unwrap().field, "email");
    }

    #[test]
    fn every_problem_names_its_table_and_key() {
        let mut bad = config();
        bad.notify.webhook[0].url = "hooks.example.org".into();
        let email = bad.notify.email.as_mut().unwrap();
        email.to = vec!["owner".into()];
        email.subject = "From {nmae}".into();
        email.reply_to = Some("name".into());
        let reply = bad.notify.autoreply.as_mut().unwrap();
        reply.field = "name".into();
        reply.from = "not an address".into();
        let problems = apply(&mut form(), &bad);
        let text = problems.join("\n");
        for want in [
            "[forms.contact.notify.webhook] #1: url `hooks.example.org` is not a URL",
            "[forms.contact.notify.email] to: `owner` is not an e-mail address",
            "[forms.contact.notify.email] subject: `{nmae}` names no field",
            "[forms.contact.notify.email] reply_to: \"name\" is not a type=email field",
            "[forms.contact.notify.autoreply] field: \"name\" must be a required type=email field",
            "[forms.contact.notify.autoreply] from: `not an address` is not an e-mail address",
        ] {
            assert!(text.contains(want), "missing {want:?} in:\n{text}");
        }
        assert_eq!(problems.len(), 6, "{text}");
    }

    #[test]
    fn published_fields_must_be_fields() {
        let mut f = form();
        let config = FormConfig {
            publish: vec!["name".into(), "website".into()],
            ..FormConfig::default()
        };
        let problems = apply(&mut f, &config);
        assert_eq!(
            problems,
            ["[forms.contact] publish: \"website\" is no field of the form (fields: name, email)"]
        );
        assert!(f.is_moderated());
    }

    #[test]
    fn retention_is_a_number_of_days_within_bounds() {
        let with = |days| FormConfig {
            retention_days: Some(days),
            ..FormConfig::default()
        };
        let mut f = form();
        assert!(apply(&mut f, &with(30)).is_empty());
        assert_eq!(f.retention_days, Some(30));
        for bad in [0, 36_501] {
            let mut f = form();
            let problems = apply(&mut f, &with(bad));
            assert_eq!(
                problems,
                [format!(
                    "[forms.contact] retention_days: {bad} must be from 1 to 36500 (a hundred years)"
                )]
            );
            assert_eq!(f.retention_days, None);
        }
    }

    #[test]
    fn an_optional_email_field_cannot_autoreply() {
        let mut f = form();
        f.fields[1].required = false;
        let problems = apply(&mut f, &config());
        assert_eq!(problems.len(), 1, "{problems:?}");
    }

    #[test]
    fn addresses() {
        assert!(plausible_address("a@b.org"));
        assert!(!plausible_address("a@b"));
        assert!(!plausible_address("a b@c.org"));
        assert!(!plausible_address("a@b@c.org"));
        assert!(plausible_sender("Ada <a@b.org>"));
        assert!(!plausible_sender("Ada <a@b.org"));
    }
}
