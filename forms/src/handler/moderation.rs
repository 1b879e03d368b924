//! The inbox's actions (admins only), besides listing and deleting:
//!
//! - `POST /api/forms/{form}/submissions/{id}/{action}[?folder=]`, action
//!   one of [`Action`]: files a submission in another folder; `{"id"}` (its
//!   id there), plus `{"sent", "queued"}` for `not-spam` (announced then).
//! - `POST /api/forms/{form}/bulk` `{"action", "ids", "folder"}`: the same
//!   (or `delete`) for up to 500 submissions; `{"done", "missing"}`.
//!   The actions `read` and `unread` mark submissions instead of moving
//!   them (the id stays).
//!
//! Approving calls the build hook, so a site that shows approved entries
//! (`published.rs`) can rebuild.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde_json::json;

use super::admin::{folder_of, form_of};
use super::context::Context;
use super::guard::require_admin;
use super::request::{json_body, strings};
use super::response::log_store_error;
use crate::error::{ApiError, json_response};
use crate::folder::Folder;
use crate::notify;
use crate::schema::Form;
use crate::store::{DeliveryKind, Store, Submission, is_valid_id};

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
