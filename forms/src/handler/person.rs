//! Requests about one person (admins only), for access and erasure
//! requests: `POST /api/admin/person` / `POST /api/admin/erase`
//! `{"email"}` return / delete every submission holding that address, in
//! every form and folder.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde_json::json;

use super::admin::submission_json;
use super::context::Context;
use super::guard::require_admin;
use super::request::json_body;
use super::response::log_store_error;
use crate::error::{ApiError, json_response};
use crate::folder::Folder;
use crate::store::{MAX_PAGE, Store, Submission};

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
