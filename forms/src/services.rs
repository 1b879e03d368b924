//! Where the API's outbound requests go and the secrets they carry: Spin
//! variables all, never the manifest or `site.toml`. Every provider URL has
//! the provider's address as its default, so tests (and you) can point it
//! at a local fake.

use std::time::Duration;

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

/// The Spin variables of this module, as declared in `spin.toml`.
pub const VARIABLES: &[&str] = &[
    "webhook_secret",
    "email_api_url",
    "email_api_key",
    "captcha_secret",
    "captcha_verify_url",
    "akismet_key",
    "akismet_url",
    "outbound_timeout_ms",
    "autoreply_per_address_per_day",
    "autoreply_per_form_per_day",
];

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
    pub autoreply_per_address_per_day: u32,
    pub autoreply_per_form_per_day: u32,
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
            autoreply_per_address_per_day: DEFAULT_AUTOREPLY_PER_ADDRESS_PER_DAY,
            autoreply_per_form_per_day: DEFAULT_AUTOREPLY_PER_FORM_PER_DAY,
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
            .field(
                "autoreply_per_address_per_day",
                &self.autoreply_per_address_per_day,
            )
            .field(
                "autoreply_per_form_per_day",
                &self.autoreply_per_form_per_day,
            )
            .finish()
    }
}

impl Services {
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
