//! E-mails through one HTTP API in Resend's shape (<https://resend.com/docs/api-reference/emails/send-email>):
//! `POST <email_api_url>` with `Authorization: Bearer <email_api_key>` and
//! `{"from","to","subject","text","reply_to"}`. Postmark, SendGrid and
//! Mailgun take other shapes; an adapter service in front of them (or
//! Resend itself) is the documented way.

use serde_json::json;

use super::template;
use crate::schema::{Autoreply, EmailNotice, Form};
use crate::store::Submission;

/// The JSON body of the owner's notice for `submission`.
pub(super) fn notice(notice: &EmailNotice, form: &Form, submission: &Submission) -> Vec<u8> {
    let subject = template::one_line(&template::render(&notice.subject, form, submission));
    let text = match &notice.body {
        Some(body) => template::render(body, form, submission),
        None => template::default_body(form, submission),
    };
    let mut message = json!({
        "from": notice.from,
        "to": notice.to,
        "subject": subject,
        "text": text,
    });
    if let Some(field) = &notice.reply_to_field
        && let Some(address) = submission.values.values(field).next()
        && looks_like_address(address)
    {
        message["reply_to"] = json!(address);
    }
    serde_json::to_vec(&message).unwrap_or_default()
}

/// The submitter's address for an autoreply, if the submission has a
/// plausible one (the field was validated as `type=email` already).
pub(super) fn autoreply_address<'a>(
    autoreply: &'a Autoreply,
    submission: &'a Submission,
) -> Option<&'a str> {
    submission
        .values
        .values(&autoreply.field)
        .next()
        .filter(|a| looks_like_address(a))
}

/// The JSON body of the autoreply to `to`.
pub(super) fn autoreply(
    autoreply: &Autoreply,
    to: &str,
    form: &Form,
    submission: &Submission,
) -> Vec<u8> {
    let message = json!({
        "from": autoreply.from,
        "to": [to],
        "subject": template::one_line(&template::render(&autoreply.subject, form, submission)),
        "text": template::render(&autoreply.body, form, submission),
    });
    serde_json::to_vec(&message).unwrap_or_default()
}

/// One address, no display name or list (the validator checked the syntax;
/// this keeps a multi-address value out of the recipients).
fn looks_like_address(value: &str) -> bool {
    value.len() <= 254
        && value.matches('@').count() == 1
        && !value.contains([',', ';', '<', '>', ' ', '\r', '\n'])
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
                Field::new("email", FieldKind::Email),
            ],
        )
    }

    fn submission(email: &str) -> Submission {
        Submission {
            id: "019a0000-0000-7000-8000-000000000000".into(),
            form: "contact".into(),
            values: FormData(vec![
                ("name".into(), "Ada\r\nBcc: x@evil.test".into()),
                ("email".into(), email.into()),
            ]),
            received_at: "2026-11-30T10:00:00.000Z".into(),
            user: None,
            read: false,
        }
    }

    #[test]
    fn the_notice_has_a_clean_subject_and_the_submitter_as_reply_to() {
        let spec = EmailNotice {
            to: vec!["owner@example.org".into()],
            from: "Forms <forms@example.org>".into(),
            subject: "Message from {name}".into(),
            body: None,
            reply_to_field: Some("email".into()),
        };
        let body: serde_json::Value =
            serde_json::from_slice(&notice(&spec, &form(), &submission("ada@example.org")))
                .unwrap();
        assert_eq!(body["subject"], "Message from Ada Bcc: x@evil.test");
        assert_eq!(body["to"], json!(["owner@example.org"]));
        assert_eq!(body["reply_to"], "ada@example.org");
        assert!(
            body["text"]
                .as_str()
                .unwrap()
                .contains("email: ada@example.org")
        );

        let two = notice(&spec, &form(), &submission("a@x.test, b@y.test"));
        let two: serde_json::Value = serde_json::from_slice(&two).unwrap();
        assert!(two.get("reply_to").is_none(), "{two}");
    }

    #[test]
    fn the_autoreply_goes_to_one_address_only() {
        let spec = Autoreply {
            field: "email".into(),
            from: "forms@example.org".into(),
            subject: "Thanks".into(),
            body: "We got your message ({id}).".into(),
        };
        let ok = submission("ada@example.org");
        assert_eq!(autoreply_address(&spec, &ok), Some("ada@example.org"));
        assert_eq!(
            autoreply_address(&spec, &submission("a@x.test,b@y.test")),
            None
        );
        let body: serde_json::Value =
            serde_json::from_slice(&autoreply(&spec, "ada@example.org", &form(), &ok)).unwrap();
        assert_eq!(body["to"], json!(["ada@example.org"]));
        assert_eq!(
            body["text"],
            "We got your message (019a0000-0000-7000-8000-000000000000)."
        );
    }
}
