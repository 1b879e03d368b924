//! The inbox's actions (admins only), besides listing and deleting:
//!
//! - `POST /api/forms/{form}/submissions/{id}/{action}[?folder=]`, action
//!   one of [`Action`]: files a submission in another folder; `{"id"}` (its
//!   id there), plus `{"sent", "queued"}` for `not-spam` (announced then).
//! - `POST /api/forms/{form}/bulk` `{"action", "ids", "folder"}`: the same
//!   (or `delete`) for up to 500 submissions; `{"done", "missing"}`.
//!   The actions `read` and `unread` mark submissions instead of moving
//!   them (the id stays).
//! - `GET /api/outbox`, `POST /api/outbox/retry`, `DELETE /api/outbox/{id}`:
//!   the notifications that wait for delivery.
//! - `POST /api/admin/erase` / `POST /api/admin/person` `{"email"}`: every
//!   submission holding that address, in every form and folder, deleted /
//!   returned (access and erasure requests).

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde::Serialize;
use serde_json::json;

use super::admin::{folder_of, form_of, submission_json};
use super::context::Context;
use super::guard::require_admin;
use super::response::log_store_error;
use crate::error::{ApiError, json_response};
use crate::folder::Folder;
use crate::notify;
use crate::schema::Form;
use crate::store::{DeliveryKind, MAX_PAGE, OutboxEntry, Store, Submission, is_valid_id};

/// The most outbox entries listed or retried by one request.
const OUTBOX_PAGE: u32 = 200;
/// The most entries one "retry all" sends (each may take the whole
/// outbound timeout).
const RETRY_BATCH: usize = 10;
/// The most submissions one bulk request acts on.
const BULK_LIMIT: usize = 500;

/// What the inbox does to a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    Spam,
    NotSpam,
    Approve,
    Reject,
    Archive,
    Restore,
    Delete,
    /// Marks it read (the inbox does when it is opened) or unread.
    Read,
    Unread,
}

/// What an [`Action`] does to a submission.
enum Effect {
    File(Folder),
    Delete,
    MarkRead(bool),
}

impl Action {
    pub(super) fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "spam" => Self::Spam,
            "not-spam" => Self::NotSpam,
            "approve" => Self::Approve,
            "reject" => Self::Reject,
            "archive" => Self::Archive,
            "restore" => Self::Restore,
            "delete" => Self::Delete,
            "read" => Self::Read,
            "unread" => Self::Unread,
            _ => return None,
        })
    }

    /// The folder a submission is taken from when the request names none.
    fn default_source(self) -> Folder {
        match self {
            Self::NotSpam => Folder::Spam,
            Self::Approve | Self::Reject => Folder::Pending,
            Self::Restore => Folder::Archived,
            Self::Spam | Self::Archive | Self::Delete | Self::Read | Self::Unread => Folder::Inbox,
        }
    }

    fn effect(self, form: &Form) -> Effect {
        Effect::File(match self {
            Self::Spam => Folder::Spam,
            // Moderation still applies to what was wrongly called spam.
            Self::NotSpam if form.is_moderated() => Folder::Pending,
            Self::NotSpam | Self::Approve | Self::Restore => Folder::Inbox,
            Self::Reject => Folder::Rejected,
            Self::Archive => Folder::Archived,
            Self::Delete => return Effect::Delete,
            Self::Read => return Effect::MarkRead(true),
            Self::Unread => return Effect::MarkRead(false),
        })
    }
}

/// Where an action takes submissions from: `?folder=`, else its default.
fn source_of(req: &Request<Bytes>, action: Action) -> Result<Folder, ApiError> {
    let named = req
        .uri()
        .query()
        .is_some_and(|q| form_urlencoded::parse(q.as_bytes()).any(|(k, _)| k == "folder"));
    if named {
        folder_of(req)
    } else {
        Ok(action.default_source())
    }
}

/// `POST /api/forms/{form}/submissions/{id}/{action}`.
pub(super) async fn act<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    form_name: &str,
    id: &str,
    action: Action,
) -> Result<Response<Vec<u8>>, ApiError> {
    let admin = require_admin(req, ctx).await?;
    let form = form_of(ctx, form_name)?;
    let from = source_of(req, action)?;
    let not_found = || ApiError::NotFound("no such submission".into());
    if !is_valid_id(id) {
        return Err(not_found());
    }
    let Some(outcome) = apply(ctx, form, from, id, action).await? else {
        return Err(not_found());
    };
    eprintln!(
        "letterbox: {} {:?} submission {id} of `{}`",
        admin.sub, action, form.name
    );
    if action == Action::Approve
        && let Some(new_id) = &outcome.id
    {
        call_build_hook(ctx, form, std::slice::from_ref(new_id)).await?;
    }
    let mut body = json!({ "id": outcome.id });
    if let Some(report) = outcome.announced {
        body["sent"] = json!(report.sent);
        body["queued"] = json!(report.queued);
    }
    Ok(json_response(StatusCode::OK, &body))
}

struct Outcome {
    /// Its id where it went (`None` once deleted).
    id: Option<String>,
    announced: Option<notify::Report>,
}

/// Does `action` to submission `id` in folder `from`; `None` when there is
/// no such submission there.
async fn apply<S: Store>(
    ctx: &Context<'_, S>,
    form: &Form,
    from: Folder,
    id: &str,
    action: Action,
) -> Result<Option<Outcome>, ApiError> {
    let from_name = from.store_name(&form.name);
    let to = match action.effect(form) {
        Effect::File(to) => to,
        Effect::Delete => {
            let deleted = ctx
                .store
                .delete(&from_name, id)
                .await
                .inspect_err(log_store_error)?;
            return Ok(deleted.then_some(Outcome {
                id: None,
                announced: None,
            }));
        }
        Effect::MarkRead(read) => {
            let marked = ctx
                .store
                .mark_read(&from_name, id, read)
                .await
                .inspect_err(log_store_error)?;
            return Ok(marked.then(|| Outcome {
                id: Some(id.to_owned()),
                announced: None,
            }));
        }
    };
    // A rejected entry was never approved: restored, it waits again rather
    // than being published.
    let to = match (action, from) {
        (Action::Restore, Folder::Rejected) if form.is_moderated() => Folder::Pending,
        _ => to,
    };
    let to_name = to.store_name(&form.name);
    let Some(new_id) = ctx
        .store
        .refile(&from_name, id, &to_name)
        .await
        .inspect_err(log_store_error)?
    else {
        return Ok(None);
    };
    let mut outcome = Outcome {
        id: Some(new_id.clone()),
        announced: None,
    };
    if action == Action::NotSpam {
        // Not spam after all: announced now, as it would have been.
        let stored = ctx
            .store
            .get(&to_name, &new_id)
            .await
            .inspect_err(log_store_error)?;
        if let Some(submission) = stored {
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
            outcome.announced = Some(report);
        }
    }
    Ok(Some(outcome))
}

/// `POST /api/forms/{form}/bulk`.
pub(super) async fn bulk<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    form_name: &str,
) -> Result<Response<Vec<u8>>, ApiError> {
    let admin = require_admin(req, ctx).await?;
    let form = form_of(ctx, form_name)?;
    let bad = || {
        ApiError::Malformed(
            "expected {\"action\": \"archive\", \"ids\": [...], \"folder\": \"inbox\"}".into(),
        )
    };
    let value = json_body(req.body()).map_err(|_| bad())?;
    let action = (value["action"].as_str())
        .and_then(Action::parse)
        .ok_or_else(bad)?;
    let ids = strings(&value["ids"]).ok_or_else(bad)?;
    if ids.len() > BULK_LIMIT {
        return Err(ApiError::Malformed(format!(
            "at most {BULK_LIMIT} ids at once"
        )));
    }
    let from = match value.get("folder").and_then(|f| f.as_str()) {
        None => action.default_source(),
        Some(name) => Folder::parse(name).ok_or_else(|| {
            ApiError::Malformed("folder must be inbox, pending, spam, archived or rejected".into())
        })?,
    };
    let (mut done, mut missing) = (0u32, 0u32);
    let mut moved = Vec::new();
    for id in &ids {
        let outcome = match is_valid_id(id) {
            true => apply(ctx, form, from, id, action).await?,
            false => None,
        };
        match outcome {
            Some(outcome) => {
                done += 1;
                moved.extend(outcome.id);
            }
            None => missing += 1,
        }
    }
    eprintln!(
        "letterbox: {} {:?} {done} submission(s) of `{}`",
        admin.sub, action, form.name
    );
    if action == Action::Approve && !moved.is_empty() {
        call_build_hook(ctx, form, &moved).await?;
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({ "done": done, "missing": missing }),
    ))
}

/// Tells the build hook (Spin variable `build_hook_url`), if there is one,
/// that entries of `form` were approved: one JSON POST per request,
/// `{"event": "approved", "form", "ids"}`, signed like JSON webhooks. A
/// failure waits in the outbox and is retried like any notification.
async fn call_build_hook<S: Store>(
    ctx: &Context<'_, S>,
    form: &Form,
    ids: &[String],
) -> Result<(), ApiError> {
    let services = &ctx.config.services;
    let (Some(url), Some(last)) = (&services.build_hook_url, ids.last()) else {
        return Ok(());
    };
    let now = ctx.clock.now_millis();
    let body = json!({
        "event": "approved",
        "form": form.name,
        "ids": serde_json::Value::from(ids.to_vec()),
    });
    let delivery = notify::Delivery {
        kind: DeliveryKind::Webhook,
        url: url.clone(),
        // (to_vec, not to_string: the component has that serializer already.)
        body: serde_json::to_vec(&body).unwrap_or_default(),
        signed: true,
    };
    // The outbox files a delivery under a submission: the last approved.
    let about = Submission {
        id: last.clone(),
        form: form.name.clone(),
        values: crate::schema::FormData::default(),
        received_at: crate::text::rfc3339_millis(now),
        user: None,
        read: false,
    };
    let report = notify::notify(
        ctx.store,
        ctx.outbound,
        services,
        now,
        &about,
        vec![delivery],
    )
    .await
    .inspect_err(log_store_error)?;
    if report.queued > 0 {
        eprintln!("letterbox: build hook failed; it waits in the outbox");
    }
    Ok(())
}

/// `GET /api/forms/{form}/published[?cursor=&limit=]`: a moderated form's
/// approved entries, newest first, with only the fields of its `publish`
/// list, `received_at` and the page they were posted from. Public and
/// cacheable for a minute.
pub(super) async fn published<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    form_name: &str,
) -> Result<Response<Vec<u8>>, ApiError> {
    let form = form_of(ctx, form_name)?;
    if !form.is_moderated() {
        return Err(ApiError::NotFound(format!(
            "form `{}` publishes nothing (no `publish` fields)",
            form.name
        )));
    }
    let mut limit = 50;
    let mut cursor = None;
    for (key, value) in form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "limit" => {
                limit = value.parse::<u32>().map_err(|_| {
                    ApiError::Malformed(format!("limit must be a number from 1 to {MAX_PAGE}"))
                })?;
            }
            "cursor" if is_valid_id(&value) => cursor = Some(value.into_owned()),
            "cursor" if value.is_empty() => {}
            "cursor" => return Err(ApiError::Malformed("cursor is not an entry id".into())),
            _ => {}
        }
    }
    super::retention::sweep(ctx, form).await;
    let page = ctx
        .store
        .list(&form.name, cursor.as_deref(), limit)
        .await
        .inspect_err(log_store_error)?;
    let entries: Vec<serde_json::Value> =
        page.items.iter().map(|s| public_entry(form, s)).collect();
    let mut resp = json_response(
        StatusCode::OK,
        &json!({ "entries": entries, "next_cursor": page.next_cursor }),
    );
    resp.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("public, max-age=60"),
    );
    Ok(resp)
}

/// The public part of an approved entry: its `publish` fields only.
fn public_entry(form: &Form, s: &Submission) -> serde_json::Value {
    let mut fields = serde_json::Map::new();
    for name in &form.publish {
        let values: Vec<&str> = s.values.values(name).collect();
        let value = match values.as_slice() {
            [] => continue,
            [one] => json!(one),
            many => json!(many),
        };
        fields.insert(name.clone(), value);
    }
    json!({
        "id": s.id,
        "received_at": s.received_at,
        "page": s.values.values(crate::schema::PAGE_FIELD).next(),
        "fields": fields,
    })
}

/// Every submission, in every form and folder, with a value equal to the
/// address (trimmed, ASCII case ignored). Walks the whole store: an
/// occasional admin request.
async fn find_person<S: Store>(
    ctx: &Context<'_, S>,
    email: &str,
) -> Result<Vec<Submission>, ApiError> {
    let email = email.trim();
    if !email.contains('@') || email.len() > 254 {
        return Err(ApiError::Malformed(
            "email must be an e-mail address".into(),
        ));
    }
    let mut found = Vec::new();
    for form in ctx.manifest.forms.values() {
        for folder in Folder::ALL {
            let name = folder.store_name(&form.name);
            let mut cursor: Option<String> = None;
            loop {
                let page = ctx
                    .store
                    .list(&name, cursor.as_deref(), MAX_PAGE)
                    .await
                    .inspect_err(log_store_error)?;
                found.extend(page.items.into_iter().filter(|s| {
                    s.values
                        .0
                        .iter()
                        .any(|(_, v)| v.trim().eq_ignore_ascii_case(email))
                }));
                match page.next_cursor {
                    Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
                    _ => break,
                }
            }
        }
    }
    Ok(found)
}

/// The address of a `{"email": "..."}` body.
fn person_request(req: &Request<Bytes>) -> Result<String, ApiError> {
    let bad = || ApiError::Malformed("expected {\"email\": \"...\"}".into());
    let value = json_body(req.body()).map_err(|_| bad())?;
    value["email"].as_str().map(str::to_owned).ok_or_else(bad)
}

/// A JSON body as a plain value (see `EntryView::of` for why not typed).
fn json_body(body: &[u8]) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::from_slice(body)
}

/// A JSON array of strings.
fn strings(value: &serde_json::Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// `POST /api/admin/person`: `{"submissions": [...]}` holding the address.
pub(super) async fn person<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    require_admin(req, ctx).await?;
    let found = find_person(ctx, &person_request(req)?).await?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "submissions": found.iter().map(submission_json).collect::<Vec<_>>() }),
    ))
}

/// `POST /api/admin/erase`: deletes them all; `{"deleted": n}`. The log
/// names the admin and the count, never the address.
pub(super) async fn erase<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    let admin = require_admin(req, ctx).await?;
    let found = find_person(ctx, &person_request(req)?).await?;
    let mut deleted = 0u64;
    for s in &found {
        if ctx
            .store
            .delete(&s.form, &s.id)
            .await
            .inspect_err(log_store_error)?
        {
            deleted += 1;
        }
    }
    eprintln!(
        "letterbox: {} erased {deleted} submission(s) of one person",
        admin.sub
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({ "deleted": deleted }),
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
