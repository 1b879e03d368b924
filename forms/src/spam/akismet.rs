//! Akismet's `comment-check` (<https://akismet.com/developers/detailed-docs/comment-check/>):
//! a form POST answered with the body `true` (spam) or `false`. Any other
//! answer, a timeout or a missing key is no verdict, and the submission is
//! kept as not spam: a content check that is down must not lose mail.

use super::client::Client;
use crate::config::Services;
use crate::outbound::{Outbound, OutboundRequest};
use crate::schema::{FieldKind, Form, FormData};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Ham,
    Spam,
    Unknown { reason: String },
}

/// Asks Akismet about one submission of `form` on the site `site_url`.
pub async fn check(
    outbound: &dyn Outbound,
    services: &Services,
    site_url: &str,
    form: &Form,
    values: &FormData,
    client: &Client<'_>,
) -> Verdict {
    let Some(key) = services.akismet_key.as_deref() else {
        return Verdict::Unknown {
            reason: "the variable akismet_key is not set".into(),
        };
    };
    let first_of = |wanted: &dyn Fn(&crate::schema::Field) -> bool| {
        form.fields
            .iter()
            .filter(|f| wanted(f))
            .find_map(|f| values.values(&f.name).next())
            .unwrap_or("")
    };
    let author = first_of(&|f| f.name.to_ascii_lowercase().contains("name"));
    let email = first_of(&|f| f.kind == FieldKind::Email);
    let content: Vec<&str> = form
        .fields
        .iter()
        .filter(|f| matches!(f.kind, FieldKind::Textarea | FieldKind::Text))
        .flat_map(|f| values.values(&f.name))
        .collect();

    let mut body = form_urlencoded::Serializer::new(String::new());
    body.append_pair("api_key", key)
        .append_pair("blog", site_url)
        .append_pair("user_ip", client.ip.unwrap_or(""))
        .append_pair("user_agent", client.user_agent.unwrap_or(""))
        .append_pair("referrer", client.referrer.unwrap_or(""))
        .append_pair("comment_type", "contact-form")
        .append_pair("comment_author", author)
        .append_pair("comment_author_email", email)
        .append_pair("comment_content", &content.join("\n\n"));
    let request = OutboundRequest::post(
        services.akismet_url.clone(),
        "application/x-www-form-urlencoded",
        body.finish().into_bytes(),
        services.timeout,
    );
    match outbound.send(request).await {
        Ok(response) if response.is_success() => match response.body.trim_ascii() {
            b"true" => Verdict::Spam,
            b"false" => Verdict::Ham,
            other => Verdict::Unknown {
                reason: format!(
                    "akismet answered {:?}",
                    String::from_utf8_lossy(other)
                        .chars()
                        .take(100)
                        .collect::<String>()
                ),
            },
        },
        Ok(response) => Verdict::Unknown {
            reason: format!("akismet answered {}", response.status),
        },
        Err(e) => Verdict::Unknown {
            reason: format!("akismet: {e}"),
        },
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::outbound::RecordingOutbound;
    use crate::schema::Field;

    const URL: &str = "http://127.0.0.1:9/1.1/comment-check";

    fn form() -> Form {
        Form::new(
            "contact",
            "content/contact.md",
            vec![
                Field::new("your-name", FieldKind::Text),
                Field::new("email", FieldKind::Email),
                Field::new("message", FieldKind::Textarea),
            ],
        )
    }

    fn run(fake: &RecordingOutbound, key: Option<&str>) -> Verdict {
        let services = Services {
            akismet_key: key.map(Into::into),
            akismet_url: URL.into(),
            ..Services::default()
        };
        let values = FormData(vec![
            ("your-name".into(), "viagra-test-123".into()),
            ("email".into(), "akismet-guaranteed-spam@example.com".into()),
            ("message".into(), "Buy now".into()),
        ]);
        let client = Client {
            ip: Some("203.0.113.9"),
            user_agent: Some("Mozilla/5.0"),
            referrer: None,
        };
        futures::executor::block_on(check(
            fake,
            &services,
            "https://example.org/",
            &form(),
            &values,
            &client,
        ))
    }

    #[test]
    fn verdicts() {
        let fake = RecordingOutbound::new();
        fake.answer_with(URL, 200, "true");
        assert_eq!(run(&fake, Some("k")), Verdict::Spam);
        let body = String::from_utf8(fake.sent()[0].body.clone()).unwrap();
        assert!(
            body.starts_with("api_key=k&blog=https%3A%2F%2Fexample.org%2F&user_ip=203.0.113.9"),
            "{body}"
        );
        assert!(body.contains("comment_author=viagra-test-123"), "{body}");
        assert!(
            body.contains("comment_author_email=akismet-guaranteed-spam%40example.com"),
            "{body}"
        );
        assert!(
            body.contains("comment_content=viagra-test-123%0A%0ABuy+now"),
            "{body}"
        );

        fake.answer_with(URL, 200, "false\n");
        assert_eq!(run(&fake, Some("k")), Verdict::Ham);
        fake.answer_with(URL, 200, "invalid");
        assert!(matches!(run(&fake, Some("k")), Verdict::Unknown { .. }));
        fake.answer_with(URL, 500, "");
        assert!(matches!(run(&fake, Some("k")), Verdict::Unknown { .. }));
        let before = fake.sent().len();
        assert!(matches!(run(&fake, None), Verdict::Unknown { .. }));
        assert_eq!(fake.sent().len(), before, "no key, no request");
    }
}
