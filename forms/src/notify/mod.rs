//! Telling people about a stored submission: signed webhooks, an e-mail to
//! the owner, an autoreply to the submitter.
//!
//! The store write always comes first; a notification that fails or times
//! out becomes an [`OutboxEntry`] retried later with backoff (Spin has no
//! scheduler: [`retry_due`] runs a bounded number on later submissions and
//! on the inbox's "retry" button). Delivery is at least once: a receiver
//! drops duplicates by the `X-Letterbox-Delivery` header.

use std::time::Duration;

use crate::config::Services;
use crate::outbound::{Outbound, OutboundRequest};
use crate::schema::{Form, WebhookFormat};
use crate::store::{DeliveryKind, OutboxEntry, Store, StoreError, Submission, new_id};
use crate::text::rfc3339_millis;

mod email;
pub mod template;
pub mod webhook;

/// Waits before the 1st, 2nd... retry; after the last, an entry waits for
/// someone to press "retry" in the inbox.
const BACKOFF_SECONDS: &[u64] = &[60, 300, 1800, 7200, 43_200];
/// Entries [`retry_due`] sends per submission request (bounds the latency
/// a failing receiver can add to a visitor's post).
pub const RETRIES_PER_REQUEST: u32 = 2;

/// What one request's notifications came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub sent: u32,
    /// Failed and put in the outbox.
    pub queued: u32,
}

/// The deliveries a stored, non-spam `submission` of `form` causes; the
/// autoreply goes to `autoreply_to` (the caller checked the quotas).
pub fn deliveries(
    form: &Form,
    submission: &Submission,
    services: &Services,
    autoreply_to: Option<&str>,
) -> Vec<Delivery> {
    let mut out = Vec::new();
    for hook in &form.notify.webhooks {
        out.push(Delivery {
            kind: DeliveryKind::Webhook,
            url: hook.url.clone(),
            body: webhook::payload(hook.format, form, submission),
            signed: hook.format == WebhookFormat::Json,
        });
    }
    if let Some(notice) = &form.notify.email {
        out.push(Delivery {
            kind: DeliveryKind::Email,
            url: services.email_api_url.clone(),
            body: email::notice(notice, form, submission),
            signed: false,
        });
    }
    if let (Some(spec), Some(to)) = (&form.notify.autoreply, autoreply_to) {
        out.push(Delivery {
            kind: DeliveryKind::Autoreply,
            url: services.email_api_url.clone(),
            body: email::autoreply(spec, to, form, submission),
            signed: false,
        });
    }
    out
}

/// One prepared request, without its secrets (added at each attempt, so
/// they are never stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub kind: DeliveryKind,
    pub url: String,
    pub body: Vec<u8>,
    /// A JSON webhook, signed at each attempt.
    pub signed: bool,
}

/// Sends every delivery of a stored submission once; failures go to the
/// outbox. Only a failing outbox write is an error (the submission itself
/// is stored either way; the caller logs it).
pub async fn notify<S: Store>(
    store: &S,
    outbound: &dyn Outbound,
    services: &Services,
    now_millis: u64,
    submission: &Submission,
    deliveries: Vec<Delivery>,
) -> Result<Report, StoreError> {
    let mut report = Report::default();
    for delivery in deliveries {
        let delivery_id = new_id(now_millis);
        match send(outbound, services, &delivery, &delivery_id, now_millis).await {
            Ok(()) => report.sent += 1,
            Err(error) => {
                report.queued += 1;
                let entry = OutboxEntry {
                    id: delivery_id,
                    form: submission.form.clone(),
                    submission_id: submission.id.clone(),
                    kind: delivery.kind,
                    url: delivery.url,
                    body: String::from_utf8_lossy(&delivery.body).into_owned(),
                    signed: delivery.signed,
                    attempts: 1,
                    last_error: error,
                    created_at: rfc3339_millis(now_millis),
                    next_attempt_at: next_attempt(now_millis, 1),
                };
                store.outbox_put(&entry).await?;
            }
        }
    }
    Ok(report)
}

/// Everything a stored, non-spam submission of a form with notifications
/// causes, as the submit route runs it after the store write: its
/// notifications (an autoreply only within today's quotas), then up to
/// [`RETRIES_PER_REQUEST`] due outbox entries. Never fails the request: problems are logged, and a
/// notification that could not be sent waits in the outbox.
pub async fn after_store<S: Store>(
    store: &S,
    outbound: &dyn Outbound,
    services: &Services,
    now_millis: u64,
    form: &Form,
    submission: &Submission,
) {
    // A form that notifies nobody costs nothing more (not even the read of
    // the outbox: the forms that do notify retry it).
    if form.notify.is_empty() {
        return;
    }
    let autoreply_to =
        match autoreply_recipient(store, services, form, submission, now_millis).await {
            Ok(to) => to,
            Err(e) => {
                eprintln!("letterbox: autoreply quota: {e}");
                None
            }
        };
    let list = deliveries(form, submission, services, autoreply_to);
    if !list.is_empty()
        && let Err(e) = notify(store, outbound, services, now_millis, submission, list).await
    {
        eprintln!("letterbox: outbox: {e}");
    }
    if !services.dry_run
        && let Err(e) = retry_due(store, outbound, services, now_millis, RETRIES_PER_REQUEST).await
    {
        eprintln!("letterbox: outbox retry: {e}");
    }
}

/// The submitter's address when the form autoreplies and today's quotas
/// (per address, then per form) allow one more.
async fn autoreply_recipient<'a, S: Store>(
    store: &S,
    services: &Services,
    form: &'a Form,
    submission: &'a Submission,
    now_millis: u64,
) -> Result<Option<&'a str>, StoreError> {
    let Some(spec) = &form.notify.autoreply else {
        return Ok(None);
    };
    let Some(address) = email::autoreply_address(spec, submission) else {
        return Ok(None);
    };
    let day = now_millis / 86_400_000;
    // The quota keys never hold the address itself.
    let digest = hmac_sha256::Hash::hash(address.to_ascii_lowercase().as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    let to_address = store.quota_hit(&format!("to:{hex}"), day).await?;
    if to_address > u64::from(services.autoreply_per_address_per_day) {
        return Ok(None);
    }
    let from_form = store.quota_hit(&format!("form:{}", form.name), day).await?;
    if from_form > u64::from(services.autoreply_per_form_per_day) {
        return Ok(None);
    }
    Ok(Some(address))
}

/// What a retry round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RetryReport {
    pub attempted: u32,
    pub delivered: u32,
}

/// Sends up to `limit` outbox entries that are due at `now_millis`:
/// delivered ones leave the outbox, failed ones wait longer (or for a
/// person, after the last backoff step).
pub async fn retry_due<S: Store>(
    store: &S,
    outbound: &dyn Outbound,
    services: &Services,
    now_millis: u64,
    limit: u32,
) -> Result<RetryReport, StoreError> {
    let due = store.outbox_due(now_millis, limit).await?;
    retry(store, outbound, services, now_millis, due).await
}

/// Sends the given entries now, whatever their schedule (the inbox's
/// "retry").
pub async fn retry<S: Store>(
    store: &S,
    outbound: &dyn Outbound,
    services: &Services,
    now_millis: u64,
    entries: Vec<OutboxEntry>,
) -> Result<RetryReport, StoreError> {
    let mut report = RetryReport::default();
    for mut entry in entries {
        // Claimed first: another instance looking at the outbox meanwhile
        // leaves it alone until this attempt is surely over.
        let lease = now_millis + 2 * duration_millis(services.timeout);
        entry.next_attempt_at = Some(lease);
        store.outbox_put(&entry).await?;

        report.attempted += 1;
        let delivery = Delivery {
            kind: entry.kind,
            url: entry.url.clone(),
            body: entry.body.clone().into_bytes(),
            signed: entry.signed,
        };
        match send(outbound, services, &delivery, &entry.id, now_millis).await {
            Ok(()) => {
                report.delivered += 1;
                store.outbox_delete(&entry.id).await?;
            }
            Err(error) => {
                entry.attempts = entry.attempts.saturating_add(1);
                entry.last_error = error;
                entry.next_attempt_at = next_attempt(now_millis, entry.attempts);
                store.outbox_put(&entry).await?;
            }
        }
    }
    Ok(report)
}

/// When attempt number `attempts + 1` is due; `None` once the backoff
/// steps are used up.
fn next_attempt(now_millis: u64, attempts: u32) -> Option<u64> {
    let step = usize::try_from(attempts).ok()?.checked_sub(1)?;
    BACKOFF_SECONDS
        .get(step)
        .map(|seconds| now_millis + seconds * 1000)
}

fn duration_millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// What `letterbox serve` (without `--send`) records instead of sending.
pub const NOT_SENT: &str = "not sent (letterbox serve; start it with --send to deliver)";

/// One attempt at `delivery`; the error is what the outbox shows.
async fn send(
    outbound: &dyn Outbound,
    services: &Services,
    delivery: &Delivery,
    delivery_id: &str,
    now_millis: u64,
) -> Result<(), String> {
    if services.dry_run {
        return Err(NOT_SENT.into());
    }
    let mut request = OutboundRequest::post(
        delivery.url.clone(),
        "application/json",
        delivery.body.clone(),
        services.timeout,
    )
    .with_header(webhook::DELIVERY_HEADER, delivery_id)
    .with_header("user-agent", "Letterbox");
    match delivery.kind {
        DeliveryKind::Webhook => {
            if delivery.signed
                && let Some(secret) = &services.webhook_secret
            {
                let signature =
                    webhook::signature(secret.as_bytes(), now_millis / 1000, &delivery.body);
                request = request.with_header(webhook::SIGNATURE_HEADER, signature);
            }
        }
        DeliveryKind::Email | DeliveryKind::Autoreply => {
            let key = services
                .email_api_key
                .as_deref()
                .ok_or("the variable email_api_key is not set")?;
            request = request
                .with_header("authorization", format!("Bearer {key}"))
                // Resend drops a repeated send of one key within 24 h, so a
                // retry after a lost answer does not mail twice.
                .with_header("idempotency-key", delivery_id);
        }
    }
    let response = outbound.send(request).await.map_err(|e| e.to_string())?;
    if response.is_success() {
        Ok(())
    } else {
        let text = String::from_utf8_lossy(&response.body);
        let text: String = text.chars().take(200).collect();
        Err(format!("answered {}: {}", response.status, text.trim()))
    }
}

#[cfg(test)]
mod tests;
