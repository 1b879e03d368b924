//! The hosts and secrets a site's forms need from `spin.toml`: every
//! webhook, e-mail API, CAPTCHA `siteverify` and Akismet host in the API
//! component's `allowed_outbound_hosts`, every secret variable declared.

use letterbox_forms::config::{
    DEFAULT_AKISMET_URL, DEFAULT_EMAIL_API_URL, DEFAULT_HCAPTCHA_VERIFY_URL,
    DEFAULT_RECAPTCHA_VERIFY_URL, DEFAULT_TURNSTILE_VERIFY_URL, Url,
};
use letterbox_forms::{CaptchaProvider, Manifest, WebhookFormat};

/// One thing a form needs that `component` does not allow or declare.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct OutboundProblem {
    pub(super) form: String,
    pub(super) component: String,
    pub(super) message: String,
}

/// What `spin.toml` gives the API component `component`.
struct Grants<'a> {
    allowed: Vec<&'a str>,
    /// `[variables]` names with their defaults.
    variables: &'a toml::Table,
    /// Names in `[component.<name>.variables]`.
    component_variables: Vec<&'a str>,
}

/// Checks `manifest`'s forms against every component of `spin` (the parsed
/// `spin.toml`) named in `components`.
pub(super) fn outbound_problems(
    spin: &toml::Table,
    components: &[&str],
    manifest: &Manifest,
) -> Vec<OutboundProblem> {
    let empty = toml::Table::new();
    let variables = spin
        .get("variables")
        .and_then(|v| v.as_table())
        .unwrap_or(&empty);
    let mut problems = Vec::new();
    for &name in components {
        let component = spin.get("component").and_then(|c| c.get(name));
        let grants = Grants {
            allowed: component
                .and_then(|c| c.get("allowed_outbound_hosts"))
                .and_then(|a| a.as_array())
                .into_iter()
                .flatten()
                .filter_map(|h| h.as_str())
                .collect(),
            variables,
            component_variables: component
                .and_then(|c| c.get("variables"))
                .and_then(|v| v.as_table())
                .map(|t| t.keys().map(String::as_str).collect())
                .unwrap_or_default(),
        };
        for form in manifest.forms.values() {
            for message in form_needs(form, &grants) {
                problems.push(OutboundProblem {
                    form: form.name.clone(),
                    component: name.to_owned(),
                    message,
                });
            }
        }
    }
    problems
}

/// What `form` needs that `grants` lacks, one message each.
fn form_needs(form: &letterbox_forms::Form, grants: &Grants<'_>) -> Vec<String> {
    let mut urls: Vec<(String, String)> = Vec::new();
    let mut secrets: Vec<&str> = Vec::new();
    for hook in &form.notify.webhooks {
        urls.push(("its webhook".into(), hook.url.clone()));
        if hook.format == WebhookFormat::Json {
            secrets.push("webhook_secret");
        }
    }
    if form.notify.email.is_some() || form.notify.autoreply.is_some() {
        urls.push((
            "its e-mail API".into(),
            grants.url_variable("email_api_url", DEFAULT_EMAIL_API_URL),
        ));
        secrets.push("email_api_key");
    }
    if let Some(captcha) = &form.captcha {
        let default = match captcha.provider {
            CaptchaProvider::Turnstile => DEFAULT_TURNSTILE_VERIFY_URL,
            CaptchaProvider::Hcaptcha => DEFAULT_HCAPTCHA_VERIFY_URL,
            CaptchaProvider::Recaptcha => DEFAULT_RECAPTCHA_VERIFY_URL,
        };
        urls.push((
            format!("its CAPTCHA ({})", captcha.provider.name()),
            grants.url_variable("captcha_verify_url", default),
        ));
        secrets.push("captcha_secret");
    }
    if form.is_moderated() {
        // Only when spin.toml gives the hook a default: otherwise it is set
        // when the app runs, and Spin's own error names a missing host.
        urls.push((
            "the build hook (build_hook_url)".into(),
            grants.url_variable("build_hook_url", ""),
        ));
    }
    if form.spam_check.is_some() {
        urls.push((
            "its spam check (Akismet)".into(),
            grants.url_variable("akismet_url", DEFAULT_AKISMET_URL),
        ));
        secrets.push("akismet_key");
    }
    let mut problems = Vec::new();
    for (what, url) in urls {
        let Ok(parsed) = Url::parse(&url) else {
            continue; // the build checked the site's URLs; a bad variable is Spin's to report
        };
        let origin = parsed.origin().ascii_serialization();
        if !grants
            .allowed
            .iter()
            .any(|entry| host_allowed(entry, &parsed))
        {
            problems.push(format!(
                "{what} is at {origin}, which is not in allowed_outbound_hosts: add \"{origin}\""
            ));
        }
    }
    secrets.dedup();
    for secret in secrets {
        if !grants.variables.contains_key(secret) || !grants.component_variables.contains(&secret) {
            problems.push(format!(
                "needs the variable `{secret}`: declare it in [variables] (`{secret} = {{ required = true, secret = true }}`) and pass it in the component's variables"
            ));
        }
    }
    problems
}

impl Grants<'_> {
    /// A URL variable's default in `[variables]`, else the provider's.
    fn url_variable(&self, name: &str, default: &str) -> String {
        self.variables
            .get(name)
            .and_then(|v| v.get("default"))
            .and_then(|d| d.as_str())
            .filter(|d| !d.trim().is_empty())
            .unwrap_or(default)
            .to_owned()
    }
}

/// Whether an `allowed_outbound_hosts` entry (`scheme://host[:port]`, each
/// part possibly `*`, hosts also `*.domain`) lets the component reach `url`.
/// An entry made of variables (`{{ … }}`) is taken as allowing anything: its
/// value is only known when the app runs.
fn host_allowed(entry: &str, url: &Url) -> bool {
    if entry.contains("{{") {
        return true;
    }
    let Some((scheme, rest)) = entry.split_once("://") else {
        return false;
    };
    let (host, port) = match rest.trim_end_matches('/').rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, Some(port)),
        _ => (rest.trim_end_matches('/'), None),
    };
    let scheme_ok = scheme == "*" || scheme == url.scheme();
    let url_host = url.host_str().unwrap_or_default();
    let host_ok = host == "*"
        || host.eq_ignore_ascii_case(url_host)
        || host.strip_prefix("*.").is_some_and(|domain| {
            url_host
                .to_ascii_lowercase()
                .ends_with(&format!(".{}", domain.to_ascii_lowercase()))
        });
    let url_port = url.port_or_known_default();
    let port_ok = match port {
        Some("*") => true,
        Some(p) => p.parse::<u16>().ok() == url_port,
        None => url_port == default_port(scheme).or(url_port),
    };
    scheme_ok && host_ok && port_ok
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use letterbox_forms::{
        Captcha, EmailNotice, Field, FieldKind, Form, Notify, SpamCheck, Webhook,
    };

    #[test]
    fn allowed_hosts_match_as_spin_reads_them() {
        let url = |u: &str| Url::parse(u).unwrap();
        assert!(host_allowed(
            "https://api.resend.com",
            &url("https://api.resend.com/emails")
        ));
        assert!(host_allowed(
            "https://api.resend.com:443",
            &url("https://api.resend.com/emails")
        ));
        assert!(!host_allowed(
            "http://api.resend.com",
            &url("https://api.resend.com/emails")
        ));
        assert!(host_allowed(
            "https://*.example.org",
            &url("https://hooks.example.org/x")
        ));
        assert!(!host_allowed(
            "https://*.example.org",
            &url("https://example.org.evil/x")
        ));
        assert!(host_allowed(
            "http://127.0.0.1:*",
            &url("http://127.0.0.1:4567/hook")
        ));
        assert!(!host_allowed(
            "http://127.0.0.1:80",
            &url("http://127.0.0.1:4567/hook")
        ));
        assert!(host_allowed("*://*:*", &url("http://a.test:1/")));
        assert!(host_allowed("{{ hook_host }}", &url("https://x.test/")));
    }

    fn form() -> Form {
        let mut email = Field::new("email", FieldKind::Email);
        email.required = true;
        Form {
            honeypot: "homepage".into(),
            notify: Notify {
                webhooks: vec![Webhook {
                    url: "https://hooks.example.org/letterbox".into(),
                    format: WebhookFormat::Json,
                }],
                email: Some(EmailNotice {
                    to: vec!["o@example.org".into()],
                    from: "f@example.org".into(),
                    subject: "s".into(),
                    body: None,
                    reply_to_field: None,
                }),
                autoreply: None,
            },
            captcha: Some(Captcha {
                provider: CaptchaProvider::Turnstile,
                sitekey: "k".into(),
            }),
            spam_check: Some(SpamCheck::Akismet),
            ..Form::new("contact", "content/contact.md", vec![email])
        }
    }

    #[test]
    fn missing_hosts_and_secrets_are_named() {
        let mut manifest = Manifest::default();
        manifest.forms.insert("contact".into(), form());
        let spin: toml::Table = toml::from_str(
            r#"
[variables]
email_api_url = { default = "http://127.0.0.1:9999/emails" }
email_api_key = { required = true, secret = true }
captcha_secret = { required = true, secret = true }
[component.api]
allowed_outbound_hosts = ["https://hooks.example.org", "http://127.0.0.1:*"]
[component.api.variables]
email_api_key = "{{ email_api_key }}"
"#,
        )
        .unwrap();
        let problems = outbound_problems(&spin, &["api"], &manifest);
        let text: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            text,
            [
                "its CAPTCHA (turnstile) is at https://challenges.cloudflare.com, which is not in allowed_outbound_hosts: add \"https://challenges.cloudflare.com\"",
                "its spam check (Akismet) is at https://rest.akismet.com, which is not in allowed_outbound_hosts: add \"https://rest.akismet.com\"",
                "needs the variable `webhook_secret`: declare it in [variables] (`webhook_secret = { required = true, secret = true }`) and pass it in the component's variables",
                "needs the variable `captcha_secret`: declare it in [variables] (`captcha_secret = { required = true, secret = true }`) and pass it in the component's variables",
                "needs the variable `akismet_key`: declare it in [variables] (`akismet_key = { required = true, secret = true }`) and pass it in the component's variables",
            ]
        );
        assert!(
            problems
                .iter()
                .all(|p| p.form == "contact" && p.component == "api")
        );
    }
}
