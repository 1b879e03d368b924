//! Webhook payloads and their signature.
//!
//! A JSON webhook carries the stored record and is signed like Stripe's:
//! `X-Letterbox-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`
//! keyed with the `webhook_secret` variable. A receiver recomputes the HMAC
//! over the raw body, compares in constant time, and refuses a `t` more than
//! [`REPLAY_WINDOW_SECONDS`] away from its clock; `X-Letterbox-Delivery`
//! (the same on every retry of one delivery) lets it drop duplicates.

use serde_json::json;

use crate::schema::{Form, WebhookFormat};
use crate::store::Submission;

pub const SIGNATURE_HEADER: &str = "x-letterbox-signature";
pub const DELIVERY_HEADER: &str = "x-letterbox-delivery";
/// How far a signature's `t` may be from the receiver's clock (documented
/// for receivers; retries are signed afresh, so they stay inside it).
pub const REPLAY_WINDOW_SECONDS: u64 = 300;
/// Discord refuses longer messages.
const DISCORD_LIMIT: usize = 2000;

/// The body of a webhook for `submission` in `format`.
pub fn payload(format: WebhookFormat, form: &Form, submission: &Submission) -> Vec<u8> {
    let value = match format {
        WebhookFormat::Json => json!({
            "event": "submission.created",
            "form": form.name,
            "page": form.page,
            "submission": submission,
        }),
        WebhookFormat::Slack => json!({ "text": chat_text(form, submission, slack_escape) }),
        WebhookFormat::Discord => {
            let text = chat_text(form, submission, str::to_owned);
            let text: String = if text.chars().count() > DISCORD_LIMIT {
                let mut cut: String = text.chars().take(DISCORD_LIMIT - 1).collect();
                cut.push('…');
                cut
            } else {
                text
            };
            // No @everyone or role pings from a visitor's text.
            json!({ "content": text, "allowed_mentions": { "parse": [] } })
        }
    };
    serde_json::to_vec(&value).unwrap_or_default()
}

/// `t=<unix>,v1=<hex>` for `body` sent at `unix_seconds`.
pub fn signature(secret: &[u8], unix_seconds: u64, body: &[u8]) -> String {
    let mut signed = Vec::with_capacity(body.len() + 12);
    signed.extend_from_slice(unix_seconds.to_string().as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(body);
    let mac = hmac_sha256::HMAC::mac(&signed, secret);
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={unix_seconds},v1={hex}")
}

/// Checks a signature header as a receiver should (used by tests and
/// documented as the reference): the HMAC matches and `t` is within the
/// replay window of `now_seconds`.
pub fn verify(secret: &[u8], header: &str, body: &[u8], now_seconds: u64) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = value.parse::<u64>().ok(),
            Some(("v1", value)) => v1 = Some(value),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    if t.abs_diff(now_seconds) > REPLAY_WINDOW_SECONDS {
        return false;
    }
    let expected = signature(secret, t, body);
    let expected_v1 = expected.rsplit("v1=").next().unwrap_or_default();
    constant_time_eq(expected_v1.as_bytes(), v1.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// "New submission to contact" and one `name: value` line per field.
fn chat_text(form: &Form, submission: &Submission, escape: fn(&str) -> String) -> String {
    let mut out = format!("New submission to {}", escape(&form.name));
    for field in &form.fields {
        let values: Vec<&str> = submission.values.values(&field.name).collect();
        if values.is_empty() {
            continue;
        }
        out.push('\n');
        out.push_str(&escape(&field.name));
        out.push_str(": ");
        out.push_str(&escape(&values.join(", ")));
    }
    out
}

/// Slack's three control characters in message text.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::schema::{Field, FieldKind, FormData};

    fn form() -> Form {
        Form::new(
            "contact",
            "content/contact.md",
            vec![
                Field::new("name", FieldKind::Text),
                Field::new("message", FieldKind::Textarea),
            ],
        )
    }

    fn submission() -> Submission {
        Submission {
            id: "019a0000-0000-7000-8000-000000000000".into(),
            form: "contact".into(),
            values: FormData(vec![
                ("name".into(), "<@U123> & co".into()),
                ("message".into(), "@everyone hi".into()),
            ]),
            received_at: "2026-11-30T10:00:00.000Z".into(),
            user: None,
            read: false,
        }
    }

    #[test]
    fn json_carries_the_record_as_stored() {
        let body: serde_json::Value =
            serde_json::from_slice(&payload(WebhookFormat::Json, &form(), &submission())).unwrap();
        assert_eq!(body["event"], "submission.created");
        assert_eq!(
            body["submission"]["id"],
            "019a0000-0000-7000-8000-000000000000"
        );
        assert_eq!(body["submission"]["values"][0][1], "<@U123> & co");
    }

    #[test]
    fn chat_formats_escape_and_mute_mentions() {
        let slack: serde_json::Value =
            serde_json::from_slice(&payload(WebhookFormat::Slack, &form(), &submission())).unwrap();
        assert_eq!(
            slack["text"],
            "New submission to contact\nname: &lt;@U123&gt; &amp; co\nmessage: @everyone hi"
        );
        let discord: serde_json::Value =
            serde_json::from_slice(&payload(WebhookFormat::Discord, &form(), &submission()))
                .unwrap();
        assert_eq!(discord["allowed_mentions"]["parse"], serde_json::json!([]));
        assert!(
            discord["content"]
                .as_str()
                .unwrap()
                .contains("@everyone hi")
        );
    }

    #[test]
    fn signatures_verify_and_expire() {
        let body = br#"{"a":1}"#;
        let header = signature(b"secret", 1_800_000_000, body);
        assert!(header.starts_with("t=1800000000,v1="), "{header}");
        assert_eq!(header.len(), "t=1800000000,v1=".len() + 64);
        assert!(verify(b"secret", &header, body, 1_800_000_100));
        assert!(!verify(
            b"secret",
            &header,
            body,
            1_800_000_000 + REPLAY_WINDOW_SECONDS + 1
        ));
        assert!(!verify(b"other", &header, body, 1_800_000_000));
        assert!(!verify(b"secret", &header, br#"{"a":2}"#, 1_800_000_000));
        assert!(!verify(b"secret", "t=x,v1=00", body, 1_800_000_000));
        // Known answer, computed independently with Python's hmac module.
        assert_eq!(
            signature(b"whsec_test", 1_800_000_000, body),
            "t=1800000000,v1=7de5e6bbc99c65ef0ddccacd4308ba03a5a12eb8859a0db070c5ca731c4fdc19"
        );
    }
}
