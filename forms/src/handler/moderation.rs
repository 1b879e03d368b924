//! The inbox's spam and outbox actions (admins only):
//!
//! - `POST /api/forms/{form}/submissions/{id}/spam`: files a submission in
//!   the form's spam folder; `{"id"}` (its id there).
//! - `POST /api/forms/{form}/submissions/{id}/not-spam`: files it back and
//!   sends its notifications then; `{"id", "sent", "queued"}`.
//! - `GET /api/outbox`: the undelivered notifications, newest first.
//! - `POST /api/outbox/retry` (`{"ids": [...]}`, or `{}` for every entry):
//!   sends them now; `{"attempted", "delivered"}`.
//! - `DELETE /api/outbox/{id}`: discards one; 204.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::admin::{Folder, form_of};
use super::context::Context;
use super::guard::require_admin;
use super::response::log_store_error;
use crate::error::{ApiError, json_response};
use crate::notify;
use crate::store::{DeliveryKind, OutboxEntry, Store, is_valid_id};

/// The most outbox entries listed or retried by one request.
const OUTBOX_PAGE: u32 = 200;
/// The most entries one "retry all" sends (each may take the whole
/// outbound timeout).
const RETRY_BATCH: usize = 10;

/// Moves submission `id` of `form` into `to` (the inbox or the spam
/// folder), see [`Store::refile`].
pub(super) async fn move_submission<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    form_name: &str,
    id: &str,
    to: Folder,
) -> Result<Response<Vec<u8>>, ApiError> {
    let admin = require_admin(req, ctx).await?;
    let form = form_of(ctx, form_name)?;
    let from = match to {
        Folder::Inbox => Folder::Spam,
        Folder::Spam => Folder::Inbox,
    };
    let (from_name, to_name) = (from.store_name(&form.name), to.store_name(&form.name));
    let not_found = || ApiError::NotFound("no such submission".into());
    if !is_valid_id(id) {
        return Err(not_found());
    }
    let Some(new_id) = ctx
        .store
        .refile(&from_name, id, &to_name)
        .await
        .inspect_err(log_store_error)?
    else {
        return Err(not_found());
    };
    eprintln!(
        "letterbox: {} moved submission {id} of `{}` to `{to_name}`",
        admin.sub, form.name
    );
    if to == Folder::Spam {
        return Ok(json_response(StatusCode::OK, &json!({ "id": new_id })));
    }
    // Not spam after all: it is announced now, as it would have been.
    let Some(submission) = ctx
        .store
        .get(&to_name, &new_id)
        .await
        .inspect_err(log_store_error)?
    else {
        return Err(not_found());
    };
    let services = &ctx.config.services;
    let now = ctx.clock.now_millis();
    let deliveries = notify::deliveries(form, &submission, services, None);
    let report = notify::notify(
        ctx.store,
        ctx.outbound,
        services,
        now,
        &submission,
        deliveries,
    )
    .await
    .inspect_err(log_store_error)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "id": submission.id, "sent": report.sent, "queued": report.queued }),
    ))
}

/// An outbox entry as the inbox shows it: where it goes (a webhook's host,
/// or an e-mail's recipients), not its body.
#[derive(Serialize)]
struct EntryView<'a> {
    id: &'a str,
    form: &'a str,
    submission_id: &'a str,
    kind: DeliveryKind,
    to: String,
    attempts: u32,
    last_error: &'a str,
    created_at: &'a str,
    next_attempt_at: Option<u64>,
}

#[derive(Deserialize)]
struct Recipients {
    #[serde(default)]
    to: Vec<String>,
}

impl<'a> EntryView<'a> {
    fn of(e: &'a OutboxEntry) -> Self {
        let to = match e.kind {
            DeliveryKind::Webhook => url::Url::parse(&e.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default(),
            DeliveryKind::Email | DeliveryKind::Autoreply => {
                serde_json::from_str::<Recipients>(&e.body)
                    .map(|r| r.to.join(", "))
                    .unwrap_or_default()
            }
        };
        Self {
            id: &e.id,
            form: &e.form,
            submission_id: &e.submission_id,
            kind: e.kind,
            to,
            attempts: e.attempts,
            last_error: &e.last_error,
            created_at: &e.created_at,
            next_attempt_at: e.next_attempt_at,
        }
    }
}

/// `GET /api/outbox`: `{"entries": [...]}`, newest first.
pub(super) async fn list_outbox<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    require_admin(req, ctx).await?;
    let entries = ctx
        .store
        .outbox_list(OUTBOX_PAGE)
        .await
        .inspect_err(log_store_error)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "entries": entries.iter().map(EntryView::of).collect::<Vec<_>>() }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RetryRequest {
    #[serde(default)]
    ids: Option<Vec<String>>,
}

/// `POST /api/outbox/retry`: sends the named entries (or the oldest
/// [`RETRY_BATCH`]) now.
pub(super) async fn retry_outbox<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    require_admin(req, ctx).await?;
    let body = req.body();
    let wanted: RetryRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RetryRequest { ids: None }
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::Malformed(format!("expected {{\"ids\": [...]}}: {e}")))?
    };
    let mut entries = Vec::new();
    match wanted.ids {
        Some(ids) => {
            for id in ids.iter().take(RETRY_BATCH) {
                if let Some(entry) = ctx
                    .store
                    .outbox_get(id)
                    .await
                    .inspect_err(log_store_error)?
                {
                    entries.push(entry);
                }
            }
        }
        None => {
            let mut all = ctx
                .store
                .outbox_list(OUTBOX_PAGE)
                .await
                .inspect_err(log_store_error)?;
            // The oldest first.
            all.reverse();
            all.truncate(RETRY_BATCH);
            entries = all;
        }
    }
    let now = ctx.clock.now_millis();
    let report = notify::retry(ctx.store, ctx.outbound, &ctx.config.services, now, entries)
        .await
        .inspect_err(log_store_error)?;
    Ok(json_response(StatusCode::OK, &json!(report)))
}

/// `DELETE /api/outbox/{id}`: 204, or 404.
pub(super) async fn delete_outbox<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    id: &str,
) -> Result<Response<Vec<u8>>, ApiError> {
    let admin = require_admin(req, ctx).await?;
    let deleted = ctx
        .store
        .outbox_delete(id)
        .await
        .inspect_err(log_store_error)?;
    if !deleted {
        return Err(ApiError::NotFound("no such outbox entry".into()));
    }
    eprintln!("letterbox: {} discarded outbox entry {id}", admin.sub);
    let mut resp = Response::new(Vec::new());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    Ok(resp)
}
