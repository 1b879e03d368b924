//! The notifications that wait for delivery (admins only):
//! `GET /api/outbox`, `POST /api/outbox/retry`, `DELETE /api/outbox/{id}`.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde::Serialize;
use serde_json::json;

use super::context::Context;
use super::guard::require_admin;
use super::request::{json_body, strings};
use super::response::log_store_error;
use crate::error::{ApiError, json_response};
use crate::notify;
use crate::store::{DeliveryKind, OutboxEntry, Store};

/// The most outbox entries listed or retried by one request.
const OUTBOX_PAGE: u32 = 200;
/// The most entries one "retry all" sends (each may take the whole
/// outbound timeout).
const RETRY_BATCH: usize = 10;

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

impl<'a> EntryView<'a> {
    fn of(e: &'a OutboxEntry) -> Self {
        let to = match e.kind {
            DeliveryKind::Webhook => url::Url::parse(&e.url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default(),
            DeliveryKind::Email | DeliveryKind::Autoreply => {
                // Parsed as a plain value: one deserializer less in the
                // component (each typed one costs kilobytes).
                let body: serde_json::Value =
                    serde_json::from_slice(e.body.as_bytes()).unwrap_or_default();
                let to = body["to"].as_array().map(Vec::as_slice).unwrap_or_default();
                to.iter()
                    .filter_map(|a| a.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
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

/// `POST /api/outbox/retry`: sends the named entries (or the oldest
/// [`RETRY_BATCH`]) now.
pub(super) async fn retry_outbox<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    require_admin(req, ctx).await?;
    let body = req.body();
    let ids = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let bad = || ApiError::Malformed("expected {\"ids\": [\"...\"]} or {}".into());
        let value = json_body(body).map_err(|_| bad())?;
        match value.get("ids") {
            None => None,
            Some(list) => Some(strings(list).ok_or_else(bad)?),
        }
    };
    let mut entries = Vec::new();
    match ids {
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
