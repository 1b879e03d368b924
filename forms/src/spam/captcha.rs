//! CAPTCHA tokens, verified with the provider's `siteverify` (Turnstile,
//! hCaptcha and reCAPTCHA v2 share its shape: a form POST of `secret`,
//! `response` and `remoteip`, answered with `{"success": bool,
//! "error-codes": [...]}`). The token is never stored.

use super::client::Client;
use crate::config::Services;
use crate::outbound::{Outbound, OutboundRequest};
use crate::schema::{Captcha, CaptchaProvider};

/// The provider's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// The visitor's token was refused: 422 on the `captcha` field.
    Fail {
        message: String,
    },
    /// No verdict (provider down or slow, secret missing or wrong): 503 and
    /// nothing stored.
    Unavailable {
        reason: String,
    },
}

/// Error codes that mean the site's own setup is wrong, not the visitor.
const SETUP_ERRORS: &[&str] = &[
    "missing-input-secret",
    "invalid-input-secret",
    "sitekey-secret-mismatch",
    "invalid-or-already-seen-response-secret",
    "internal-error",
];

pub const MESSAGE_MISSING: &str = "Please complete the CAPTCHA.";
pub const MESSAGE_EXPIRED: &str =
    "The CAPTCHA has expired or was already used; please solve it again.";
pub const MESSAGE_FAILED: &str = "The CAPTCHA could not be verified; please try again.";

/// Verifies `token` (the value of the provider's response field).
pub async fn verify(
    outbound: &dyn Outbound,
    services: &Services,
    captcha: &Captcha,
    token: Option<&str>,
    client: &Client<'_>,
) -> Verdict {
    let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        return Verdict::Fail {
            message: MESSAGE_MISSING.into(),
        };
    };
    // Providers refuse tokens longer than this anyway.
    if token.len() > 4096 {
        return Verdict::Fail {
            message: MESSAGE_FAILED.into(),
        };
    }
    let Some(secret) = services.captcha_secret.as_deref() else {
        return Verdict::Unavailable {
            reason: "the variable captcha_secret is not set".into(),
        };
    };
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("secret", secret)
        .append_pair("response", token);
    if let Some(ip) = client.ip {
        form.append_pair("remoteip", ip);
    }
    if captcha.provider == CaptchaProvider::Hcaptcha {
        form.append_pair("sitekey", &captcha.sitekey);
    }
    let request = OutboundRequest::post(
        services.captcha_verify_url(captcha.provider),
        "application/x-www-form-urlencoded",
        form.finish().into_bytes(),
        services.timeout,
    );
    let response = match outbound.send(request).await {
        Ok(response) => response,
        Err(e) => {
            return Verdict::Unavailable {
                reason: format!("{} siteverify: {e}", captcha.provider.name()),
            };
        }
    };
    if !response.is_success() {
        return Verdict::Unavailable {
            reason: format!(
                "{} siteverify answered {}",
                captcha.provider.name(),
                response.status
            ),
        };
    }
    // A plain value, not a typed answer: one deserializer less in the
    // component.
    let answer: serde_json::Value = serde_json::from_slice(&response.body).unwrap_or_default();
    let Some(success) = answer["success"].as_bool() else {
        return Verdict::Unavailable {
            reason: format!("{} siteverify answered no verdict", captcha.provider.name()),
        };
    };
    if success {
        return Verdict::Pass;
    }
    let codes: Vec<&str> = (answer["error-codes"].as_array().map(Vec::as_slice))
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    if let Some(code) = codes.iter().find(|c| SETUP_ERRORS.contains(c)) {
        return Verdict::Unavailable {
            reason: format!("{} siteverify: {code}", captcha.provider.name()),
        };
    }
    let expired = codes
        .iter()
        .any(|c| *c == "timeout-or-duplicate" || *c == "already-seen-response");
    Verdict::Fail {
        message: if expired {
            MESSAGE_EXPIRED
        } else {
            MESSAGE_FAILED
        }
        .into(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::outbound::{OutboundError, RecordingOutbound};
    use std::time::Duration;

    const URL: &str = "http://127.0.0.1:9/siteverify";

    fn services() -> Services {
        Services {
            captcha_secret: Some("0x-secret".into()),
            captcha_verify_url: Some(URL.into()),
            ..Services::default()
        }
    }

    fn captcha(provider: CaptchaProvider) -> Captcha {
        Captcha {
            provider,
            sitekey: "site-key".into(),
        }
    }

    fn run(fake: &RecordingOutbound, provider: CaptchaProvider, token: Option<&str>) -> Verdict {
        let client = Client {
            ip: Some("203.0.113.9"),
            ..Client::default()
        };
        futures::executor::block_on(verify(
            fake,
            &services(),
            &captcha(provider),
            token,
            &client,
        ))
    }

    #[test]
    fn pass_fail_duplicate_and_outage() {
        let fake = RecordingOutbound::new();
        fake.answer_with(URL, 200, r#"{"success":true,"error-codes":[]}"#);
        assert_eq!(
            run(&fake, CaptchaProvider::Turnstile, Some("tok")),
            Verdict::Pass
        );
        let sent = &fake.sent()[0];
        let body = String::from_utf8(sent.body.clone()).unwrap();
        assert_eq!(body, "secret=0x-secret&response=tok&remoteip=203.0.113.9");

        fake.answer_with(
            URL,
            200,
            r#"{"success":false,"error-codes":["invalid-input-response"]}"#,
        );
        assert_eq!(
            run(&fake, CaptchaProvider::Turnstile, Some("bad")),
            Verdict::Fail {
                message: MESSAGE_FAILED.into()
            }
        );
        fake.answer_with(
            URL,
            200,
            r#"{"success":false,"error-codes":["timeout-or-duplicate"]}"#,
        );
        assert_eq!(
            run(&fake, CaptchaProvider::Turnstile, Some("used")),
            Verdict::Fail {
                message: MESSAGE_EXPIRED.into()
            }
        );
        fake.answer_with(
            URL,
            200,
            r#"{"success":false,"error-codes":["invalid-input-secret"]}"#,
        );
        assert!(matches!(
            run(&fake, CaptchaProvider::Turnstile, Some("x")),
            Verdict::Unavailable { .. }
        ));
        fake.answer(URL, Err(OutboundError::Timeout(Duration::from_secs(3))));
        let Verdict::Unavailable { reason } = run(&fake, CaptchaProvider::Turnstile, Some("x"))
        else {
            panic!("a timeout is no verdict");
        };
        assert!(reason.contains("no answer within"), "{reason}");
        fake.answer_with(URL, 502, "bad gateway");
        assert!(matches!(
            run(&fake, CaptchaProvider::Turnstile, Some("x")),
            Verdict::Unavailable { .. }
        ));
    }

    #[test]
    fn a_missing_token_fails_without_asking() {
        let fake = RecordingOutbound::new();
        assert_eq!(
            run(&fake, CaptchaProvider::Recaptcha, Some("  ")),
            Verdict::Fail {
                message: MESSAGE_MISSING.into()
            }
        );
        assert_eq!(
            run(&fake, CaptchaProvider::Recaptcha, None),
            Verdict::Fail {
                message: MESSAGE_MISSING.into()
            }
        );
        assert!(fake.sent().is_empty());
    }

    #[test]
    fn hcaptcha_gets_the_sitekey_too() {
        let fake = RecordingOutbound::new();
        fake.answer_with(URL, 200, r#"{"success":true}"#);
        assert_eq!(
            run(&fake, CaptchaProvider::Hcaptcha, Some("t")),
            Verdict::Pass
        );
        let body = String::from_utf8(fake.sent()[0].body.clone()).unwrap();
        assert!(body.ends_with("&sitekey=site-key"), "{body}");
    }

    #[test]
    fn no_secret_is_no_verdict() {
        let fake = RecordingOutbound::new();
        let verdict = futures::executor::block_on(verify(
            &fake,
            &Services::default(),
            &captcha(CaptchaProvider::Turnstile),
            Some("t"),
            &Client::default(),
        ));
        assert!(matches!(verdict, Verdict::Unavailable { .. }));
        assert!(fake.sent().is_empty());
    }
}
