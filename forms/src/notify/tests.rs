#![allow(clippy::unwrap_used)]

use futures::executor::block_on;

use super::*;
use crate::outbound::{OutboundError, RecordingOutbound};
use crate::schema::{Autoreply, EmailNotice, Field, FieldKind, FormData, Notify, Webhook};
use crate::store::MemoryStore;

const NOW: u64 = 1_800_000_000_000;
const HOOK: &str = "http://127.0.0.1:9/hook";
const SLACK: &str = "http://127.0.0.1:9/slack";
const MAIL: &str = "http://127.0.0.1:9/emails";

fn form() -> Form {
    Form {
        notify: Notify {
            webhooks: vec![
                Webhook {
                    url: HOOK.into(),
                    format: WebhookFormat::Json,
                },
                Webhook {
                    url: SLACK.into(),
                    format: WebhookFormat::Slack,
                },
            ],
            email: Some(EmailNotice {
                to: vec!["owner@example.org".into()],
                from: "forms@example.org".into(),
                subject: "New message from {name}".into(),
                body: None,
                reply_to_field: Some("email".into()),
            }),
            autoreply: Some(Autoreply {
                field: "email".into(),
                from: "forms@example.org".into(),
                subject: "Thanks".into(),
                body: "Got it.".into(),
            }),
        },
        ..Form::new(
            "contact",
            "content/contact.md",
            vec![
                Field::new("name", FieldKind::Text),
                Field::new("email", FieldKind::Email),
            ],
        )
    }
}

fn submission() -> Submission {
    Submission {
        id: new_id(NOW),
        form: "contact".into(),
        values: FormData(vec![
            ("name".into(), "Ada".into()),
            ("email".into(), "ada@example.org".into()),
        ]),
        received_at: rfc3339_millis(NOW),
        user: None,
        read: false,
    }
}

fn services() -> Services {
    Services {
        webhook_secret: Some("whsec".into()),
        email_api_url: MAIL.into(),
        email_api_key: Some("re_key".into()),
        ..Services::default()
    }
}

#[test]
fn every_delivery_is_sent_with_its_secrets() {
    let (store, fake) = (MemoryStore::new(), RecordingOutbound::new());
    let s = submission();
    let list = deliveries(&form(), &s, &services(), Some("ada@example.org"));
    assert_eq!(list.len(), 4);
    let report = block_on(notify(&store, &fake, &services(), NOW, &s, list)).unwrap();
    assert_eq!(report, Report { sent: 4, queued: 0 });

    let hook = &fake.sent_to(HOOK)[0];
    let signature = hook.header(webhook::SIGNATURE_HEADER).unwrap();
    assert!(webhook::verify(b"whsec", signature, &hook.body, NOW / 1000));
    assert!(hook.header(webhook::DELIVERY_HEADER).is_some());
    let slack = &fake.sent_to(SLACK)[0];
    assert_eq!(
        slack.header(webhook::SIGNATURE_HEADER),
        None,
        "Slack checks its own URL"
    );

    let mails = fake.sent_to(MAIL);
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[0].header("authorization"), Some("Bearer re_key"));
    assert!(mails[0].header("idempotency-key").is_some());
    let owner: serde_json::Value = serde_json::from_slice(&mails[0].body).unwrap();
    assert_eq!(owner["subject"], "New message from Ada");
    let reply: serde_json::Value = serde_json::from_slice(&mails[1].body).unwrap();
    assert_eq!(reply["to"], serde_json::json!(["ada@example.org"]));
    assert!(block_on(store.outbox_list(10)).unwrap().is_empty());
}

#[test]
fn no_autoreply_without_an_address() {
    let list = deliveries(&form(), &submission(), &services(), None);
    assert!(list.iter().all(|d| d.kind != DeliveryKind::Autoreply));
}

#[test]
fn a_failure_goes_to_the_outbox_and_a_later_retry_delivers_it() {
    let (store, fake) = (MemoryStore::new(), RecordingOutbound::new());
    fake.answer_with(HOOK, 500, "receiver down");
    fake.answer(
        SLACK,
        Err(OutboundError::Timeout(std::time::Duration::from_secs(3))),
    );
    let s = submission();
    let list = deliveries(&form(), &s, &services(), None);
    let report = block_on(notify(&store, &fake, &services(), NOW, &s, list)).unwrap();
    assert_eq!(report, Report { sent: 1, queued: 2 });

    let outbox = block_on(store.outbox_list(10)).unwrap();
    assert_eq!(outbox.len(), 2);
    let hook_entry = outbox.iter().find(|e| e.url == HOOK).unwrap();
    assert_eq!(hook_entry.attempts, 1);
    assert_eq!(hook_entry.last_error, "answered 500: receiver down");
    assert_eq!(hook_entry.next_attempt_at, Some(NOW + 60_000));
    assert!(!hook_entry.body.contains("whsec"), "no secret is stored");
    let slack_entry = outbox.iter().find(|e| e.url == SLACK).unwrap();
    assert!(
        slack_entry.last_error.contains("no answer within"),
        "{}",
        slack_entry.last_error
    );

    // Not due yet: nothing is sent.
    fake.clear();
    let early = block_on(retry_due(&store, &fake, &services(), NOW + 59_000, 10)).unwrap();
    assert_eq!(early, RetryReport::default());
    assert!(fake.sent().is_empty());

    // Due, the receiver is back: delivered with the same delivery id,
    // signed afresh, and gone from the outbox.
    fake.answer_with(HOOK, 204, "");
    fake.answer_with(SLACK, 200, "ok");
    let later = NOW + 61_000;
    let report = block_on(retry_due(&store, &fake, &services(), later, 1)).unwrap();
    assert_eq!(
        report,
        RetryReport {
            attempted: 1,
            delivered: 1
        }
    );
    let report = block_on(retry_due(&store, &fake, &services(), later, 10)).unwrap();
    assert_eq!(
        report,
        RetryReport {
            attempted: 1,
            delivered: 1
        }
    );
    let resent = &fake.sent_to(HOOK)[0];
    assert_eq!(
        resent.header(webhook::DELIVERY_HEADER),
        Some(hook_entry.id.as_str())
    );
    let signature = resent.header(webhook::SIGNATURE_HEADER).unwrap();
    assert!(webhook::verify(
        b"whsec",
        signature,
        &resent.body,
        later / 1000
    ));
    assert!(block_on(store.outbox_list(10)).unwrap().is_empty());
}

#[test]
fn retries_back_off_then_wait_for_a_person() {
    let (store, fake) = (MemoryStore::new(), RecordingOutbound::new());
    fake.answer_with(HOOK, 503, "");
    let mut only_hook = form();
    only_hook.notify.webhooks.truncate(1);
    only_hook.notify.email = None;
    let s = submission();
    let list = deliveries(&only_hook, &s, &services(), None);
    block_on(notify(&store, &fake, &services(), NOW, &s, list)).unwrap();
    let mut now = NOW;
    let mut waits = Vec::new();
    loop {
        let entry = block_on(store.outbox_list(1)).unwrap().remove(0);
        let Some(next) = entry.next_attempt_at else {
            assert_eq!(entry.attempts, 6);
            break;
        };
        waits.push((next - now) / 1000);
        now = next;
        block_on(retry_due(&store, &fake, &services(), now, 10)).unwrap();
    }
    assert_eq!(waits, BACKOFF_SECONDS);
    // Given up: never due again, but a person can still retry it.
    let due = block_on(store.outbox_due(u64::MAX, 10)).unwrap();
    assert!(due.is_empty());
    fake.answer_with(HOOK, 200, "");
    let entries = block_on(store.outbox_list(10)).unwrap();
    let report = block_on(retry(&store, &fake, &services(), now, entries)).unwrap();
    assert_eq!(
        report,
        RetryReport {
            attempted: 1,
            delivered: 1
        }
    );
}

#[test]
fn mail_without_a_key_waits_in_the_outbox_with_the_reason() {
    let (store, fake) = (MemoryStore::new(), RecordingOutbound::new());
    let no_key = Services {
        email_api_key: None,
        ..services()
    };
    let s = submission();
    let mut only_mail = form();
    only_mail.notify.webhooks.clear();
    let list = deliveries(&only_mail, &s, &no_key, None);
    block_on(notify(&store, &fake, &no_key, NOW, &s, list)).unwrap();
    assert!(fake.sent().is_empty());
    let entry = block_on(store.outbox_list(1)).unwrap().remove(0);
    assert_eq!(entry.last_error, "the variable email_api_key is not set");
}
