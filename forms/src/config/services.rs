//! Where the API's outbound requests go and the secrets they carry: Spin
//! variables all, never the manifest or `site.toml`. Every provider URL has
//! the provider's address as its default, so tests (and you) can point it
//! at a local fake.

use std::time::Duration;

use url::Url;

use super::error::{ConfigError, invalid};
use crate::schema::CaptchaProvider;

pub const DEFAULT_EMAIL_API_URL: &str = "https://api.resend.com/emails";
pub const DEFAULT_TURNSTILE_VERIFY_URL: &str =
    "https://challenges.cloudflare.com/turnstile/v0/siteverify";
pub const DEFAULT_HCAPTCHA_VERIFY_URL: &str = "https://api.hcaptcha.com/siteverify";
pub const DEFAULT_RECAPTCHA_VERIFY_URL: &str = "https://www.google.com/recaptcha/api/siteverify";
pub const DEFAULT_AKISMET_URL: &str = "https://rest.akismet.com/1.1/comment-check";
pub const DEFAULT_OUTBOUND_TIMEOUT_MS: u64 = 3000;
pub const DEFAULT_AUTOREPLY_PER_ADDRESS_PER_DAY: u32 = 2;
pub const DEFAULT_AUTOREPLY_PER_FORM_PER_DAY: u32 = 200;

#[derive(Clone, PartialEq, Eq)]
pub struct Services {
    /// Signs JSON webhooks (`X-Letterbox-Signature`); without it they go
    /// unsigned and `letterbox check` warns.
    pub webhook_secret: Option<String>,
    /// An API that sends one e-mail per JSON POST, Resend's shape:
    /// `{"from","to","subject","text","reply_to"}` with a Bearer key.
    pub email_api_url: String,
    pub email_api_key: Option<String>,
    pub captcha_secret: Option<String>,
    /// Overrides the provider's `siteverify` URL.
    pub captcha_verify_url: Option<String>,
    pub akismet_key: Option<String>,
    pub akismet_url: String,
    /// Every outbound request is given up after this.
    pub timeout: Duration,
    /// `letterbox serve` without `--send`: nothing leaves the machine.
    /// Notifications wait in the outbox marked as not sent, CAPTCHA tokens
    /// are accepted unverified and the content check is skipped.
    pub dry_run: bool,
    pub autoreply_per_address_per_day: u32,
    pub autoreply_per_form_per_day: u32,
    /// Told (a signed JSON POST) when an admin approves entries of a
    /// moderated form, so a CI rebuild can pull and publish them.
    pub build_hook_url: Option<String>,
}

impl Default for Services {
    fn default() -> Self {
        Self {
            webhook_secret: None,
            email_api_url: DEFAULT_EMAIL_API_URL.into(),
            email_api_key: None,
            captcha_secret: None,
            captcha_verify_url: None,
            akismet_key: None,
            akismet_url: DEFAULT_AKISMET_URL.into(),
            timeout: Duration::from_millis(DEFAULT_OUTBOUND_TIMEOUT_MS),
            dry_run: false,
            autoreply_per_address_per_day: DEFAULT_AUTOREPLY_PER_ADDRESS_PER_DAY,
            autoreply_per_form_per_day: DEFAULT_AUTOREPLY_PER_FORM_PER_DAY,
            build_hook_url: None,
        }
    }
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let set = |s: &Option<String>| s.as_ref().map(|_| "<set>");
        f.debug_struct("Services")
            .field("webhook_secret", &set(&self.webhook_secret))
            .field("email_api_url", &self.email_api_url)
            .field("email_api_key", &set(&self.email_api_key))
            .field("captcha_secret", &set(&self.captcha_secret))
            .field("captcha_verify_url", &self.captcha_verify_url)
            .field("akismet_key", &set(&self.akismet_key))
            .field("akismet_url", &self.akismet_url)
            .field("timeout", &self.timeout)
            .field("dry_run", &self.dry_run)
            .field(
                "autoreply_per_address_per_day",
                &self.autoreply_per_address_per_day,
            )
            .field(
                "autoreply_per_form_per_day",
                &self.autoreply_per_form_per_day,
            )
            .field("build_hook_url", &self.build_hook_url)
            .finish()
    }
}

impl Services {
    /// Reads the service variables through `lookup` (as Spin names them:
    /// `webhook_secret`, `email_api_url`, ...), e.g. from `LETTERBOX_*`
    /// environment variables in `letterbox serve --send`.
    pub fn from_variables(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &'static str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let raw = |name: &'static str| lookup(name);
        Self::from_lookup(&get, &raw)
    }

    /// Reads its variables (in [`super::VARIABLES`]): `get` trims and drops empty
    /// values; `raw` keeps a secret's bytes as they are.
    pub(super) fn from_lookup(
        get: &impl Fn(&'static str) -> Option<String>,
        raw: &impl Fn(&'static str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let secret = |name: &'static str| raw(name).filter(|v| !v.is_empty());
        let url = |name: &'static str| -> Result<Option<String>, ConfigError> {
            match get(name) {
                None => Ok(None),
                Some(text) => {
                    let parsed = Url::parse(&text)
                        .map_err(|e| invalid(name, format!("`{text}` is not a URL: {e}")))?;
                    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
                        return Err(invalid(name, "must be an http(s) URL with a host"));
                    }
                    Ok(Some(text))
                }
            }
        };
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(text) => text
                    .parse()
                    .map_err(|_| invalid(name, format!("`{text}` is not a non-negative integer"))),
            }
        };
        let timeout_ms = number("outbound_timeout_ms", DEFAULT_OUTBOUND_TIMEOUT_MS)?;
        if timeout_ms == 0 || timeout_ms > 60_000 {
            return Err(invalid("outbound_timeout_ms", "must be from 1 to 60000"));
        }
        let quota = |name: &'static str, default: u32| -> Result<u32, ConfigError> {
            u32::try_from(number(name, u64::from(default))?)
                .map_err(|_| invalid(name, "is too large"))
        };
        let defaults = Self::default();
        Ok(Self {
            webhook_secret: secret("webhook_secret"),
            email_api_url: url("email_api_url")?.unwrap_or(defaults.email_api_url),
            email_api_key: secret("email_api_key"),
            captcha_secret: secret("captcha_secret"),
            captcha_verify_url: url("captcha_verify_url")?,
            akismet_key: secret("akismet_key"),
            akismet_url: url("akismet_url")?.unwrap_or(defaults.akismet_url),
            timeout: Duration::from_millis(timeout_ms),
            dry_run: false,
            autoreply_per_address_per_day: quota(
                "autoreply_per_address_per_day",
                DEFAULT_AUTOREPLY_PER_ADDRESS_PER_DAY,
            )?,
            autoreply_per_form_per_day: quota(
                "autoreply_per_form_per_day",
                DEFAULT_AUTOREPLY_PER_FORM_PER_DAY,
            )?,
            build_hook_url: url("build_hook_url")?,
        })
    }

    /// The `siteverify` URL for `provider`.
    pub fn captcha_verify_url(&self, provider: CaptchaProvider) -> &str {
        if let Some(url) = &self.captcha_verify_url {
            return url;
        }
        match provider {
            CaptchaProvider::Turnstile => DEFAULT_TURNSTILE_VERIFY_URL,
            CaptchaProvider::Hcaptcha => DEFAULT_HCAPTCHA_VERIFY_URL,
            CaptchaProvider::Recaptcha => DEFAULT_RECAPTCHA_VERIFY_URL,
        }
    }
}
