//! `[forms.<name>]` in `site.toml`.

use letterbox_forms::{AuthRequirement, SpamCheck, WebhookFormat};
use serde::Deserialize;

/// `[forms.<name>]` in `site.toml`: per-form settings that override the
/// form's `data-*` attributes, and what the API does with its submissions.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FormConfig {
    /// Thank-you page (a site path such as `/contact/thanks/`).
    pub redirect: Option<String>,
    pub auth: Option<AuthRequirement>,
    /// The fields that may be shown publicly: the form is moderated (its
    /// submissions wait for approval) and its approved entries are served
    /// by `/api/forms/<name>/published` with these fields only.
    #[serde(default)]
    pub publish: Vec<String>,
    /// Delete submissions older than this many days (1 to 36,500).
    pub retention_days: Option<u32>,
    /// `akismet`: a content check that files spam in the spam folder.
    pub spam_check: Option<SpamCheck>,
    /// Another URL for the CAPTCHA provider's widget script (tests use a
    /// local fake).
    pub captcha_script: Option<String>,
    #[serde(default)]
    pub notify: NotifyConfig,
    /// The line of the form's first `[forms.<name>…]` table in `site.toml`,
    /// where problems found later (against the form's fields) point.
    #[serde(skip)]
    pub line: Option<usize>,
}

/// Sets each form's [`FormConfig::line`] from the text of `site.toml`.
pub(crate) fn locate_tables(
    forms: &mut std::collections::BTreeMap<String, FormConfig>,
    text: &str,
) {
    for (name, config) in forms.iter_mut() {
        let plain = format!("[forms.{name}");
        let array = format!("[[forms.{name}.");
        config.line = text
            .lines()
            .position(|l| {
                let l = l.trim_start();
                (l.starts_with(&plain) && l[plain.len()..].starts_with([']', '.']))
                    || l.starts_with(&array)
            })
            .map(|i| i + 1);
    }
}

/// `[forms.<name>.notify]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NotifyConfig {
    /// `[[forms.<name>.notify.webhook]]`
    #[serde(default)]
    pub webhook: Vec<WebhookConfig>,
    pub email: Option<EmailConfig>,
    pub autoreply: Option<AutoreplyConfig>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WebhookConfig {
    pub url: String,
    #[serde(default)]
    pub format: WebhookFormat,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmailConfig {
    pub to: Vec<String>,
    pub from: String,
    pub subject: String,
    pub body: Option<String>,
    /// A `type=email` field whose value becomes the Reply-To.
    pub reply_to: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AutoreplyConfig {
    /// A required `type=email` field: where the autoreply goes.
    pub field: String,
    pub from: String,
    pub subject: String,
    pub body: String,
}
