//! The admin API: forms with counts, paged submissions (and their CSV
//! export, in `export`), deleting one submission. Every route here first
//! checks for an admin token (`require_admin`): 401 without or with a bad
//! token, 403 for a valid token of a non-admin, 503 when auth is off.

use bytes::Bytes;
use http::header::ACCEPT;
use http::{Request, Response, StatusCode};
use serde_json::{Value, json};

use super::context::Context;
use super::export::{export_csv, field_names};
use super::guard::require_admin;
use super::response::log_store_error;
use crate::error::{ApiError, json_response};
use crate::folder::Folder;
use crate::schema::Form;
use crate::store::{MAX_PAGE, Store, Submission, clamp_limit, is_valid_id};

/// Page size when `?limit=` is not given.
pub(crate) const DEFAULT_PAGE: u32 = 50;

pub(super) fn form_of<'m, S>(ctx: &Context<'m, S>, name: &str) -> Result<&'m Form, ApiError> {
    ctx.manifest.forms.get(name).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no form named `{}`",
            name.chars().take(100).collect::<String>()
        ))
    })
}

/// `GET /api/forms`: `{"forms": [{"name", "page", "count", "spam", "pending",
/// "auth"}]}`,
/// one entry per form of the manifest, by name.
pub(super) async fn list_forms<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    require_admin(req, ctx).await?;
    let mut forms = Vec::with_capacity(ctx.manifest.forms.len());
    for form in ctx.manifest.forms.values() {
        let count = ctx
            .store
            .count(&form.name)
            .await
            .inspect_err(log_store_error)?;
        let spam = ctx
            .store
            .count(&Folder::Spam.store_name(&form.name))
            .await
            .inspect_err(log_store_error)?;
        let pending = if form.is_moderated() {
            ctx.store
                .count(&Folder::Pending.store_name(&form.name))
                .await
                .inspect_err(log_store_error)?
        } else {
            0
        };
        forms.push(json!({
            "name": form.name,
            "page": form.page,
            "count": count,
            "spam": spam,
            "pending": pending,
            "auth": form.auth,
        }));
    }
    Ok(json_response(StatusCode::OK, &json!({ "forms": forms })))
}

/// `POST /api/admin/upgrade-store`: converts data of an older store layout
/// (the key-value store's layout 1) once; `{"upgraded": <records>}`.
pub(super) async fn upgrade_store<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    require_admin(req, ctx).await?;
    let upgraded = ctx.store.upgrade().await.inspect_err(log_store_error)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "upgraded": upgraded }),
    ))
}

/// What `?limit=&cursor=&format=&folder=` asked for.
#[derive(Debug, PartialEq, Eq)]
struct ListQuery {
    limit: u32,
    cursor: Option<String>,
    csv: bool,
    folder: Folder,
}

/// `?folder=` of a request: `inbox` (the default), `pending`, `spam`,
/// `archived` or `rejected`.
pub(super) fn folder_of(req: &Request<Bytes>) -> Result<Folder, ApiError> {
    let mut folder = Folder::Inbox;
    for (key, value) in form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        if key == "folder" {
            folder = parse_folder(&value)?;
        }
    }
    Ok(folder)
}

fn parse_folder(value: &str) -> Result<Folder, ApiError> {
    if value.is_empty() {
        return Ok(Folder::Inbox);
    }
    Folder::parse(value).ok_or_else(|| {
        ApiError::Malformed("folder must be inbox, pending, spam, archived or rejected".into())
    })
}

fn parse_list_query(query: Option<&str>, accept_csv: bool) -> Result<ListQuery, ApiError> {
    let mut limit = DEFAULT_PAGE;
    let mut cursor = None;
    let mut format: Option<String> = None;
    let mut folder = Folder::Inbox;
    for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "folder" => folder = parse_folder(&value)?,
            "limit" => {
                let n: u32 = value.trim().parse().map_err(|_| {
                    ApiError::Malformed(format!("limit must be a number from 1 to {MAX_PAGE}"))
                })?;
                limit = clamp_limit(n);
            }
            "cursor" if value.is_empty() => cursor = None,
            "cursor" => {
                if !is_valid_id(&value) {
                    return Err(ApiError::Malformed("cursor is not a submission id".into()));
                }
                cursor = Some(value.into_owned());
            }
            "format" => format = Some(value.to_ascii_lowercase()),
            _ => {}
        }
    }
    let csv = match format.as_deref() {
        None | Some("") => accept_csv,
        Some("csv") => true,
        Some("json") => false,
        Some(_) => {
            return Err(ApiError::Malformed("format must be `json` or `csv`".into()));
        }
    };
    Ok(ListQuery {
        limit,
        cursor,
        csv,
        folder,
    })
}

/// Whether the `Accept` header asks for CSV.
fn accepts_csv(req: &Request<Bytes>) -> bool {
    req.headers()
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            item.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("text/csv")
        })
}

pub(super) fn submission_json(s: &Submission) -> Value {
    json!({
        "id": s.id,
        "form": s.form,
        "values": s.values.0.iter().map(|(n, v)| [n, v]).collect::<Vec<_>>(),
        "received_at": s.received_at,
        "user": s.user,
    })
}

/// `GET /api/forms/{form}/submissions`: newest first. JSON
/// `{"submissions": [{"id", "form", "values": [[name, value], ...],
/// "received_at", "user"}], "next_cursor": string|null, "fields": [...]}`;
/// with `?format=csv` or `Accept: text/csv`, every submission as CSV.
pub(super) async fn list_submissions<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    form_name: &str,
) -> Result<Response<Vec<u8>>, ApiError> {
    require_admin(req, ctx).await?;
    let form = form_of(ctx, form_name)?;
    let query = parse_list_query(req.uri().query(), accepts_csv(req))?;
    let folder = query.folder.store_name(&form.name);
    if query.csv {
        return export_csv(ctx, form, &folder).await;
    }
    let page = ctx
        .store
        .list(&folder, query.cursor.as_deref(), query.limit)
        .await
        .inspect_err(log_store_error)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "submissions": page.items.iter().map(submission_json).collect::<Vec<_>>(),
            "next_cursor": page.next_cursor,
            "fields": field_names(form),
        }),
    ))
}

/// `DELETE /api/forms/{form}/submissions/{id}[?folder=spam]`: 204, or 404
/// when the form or the submission does not exist (or the id cannot be
/// one).
pub(super) async fn delete_submission<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    form_name: &str,
    id: &str,
) -> Result<Response<Vec<u8>>, ApiError> {
    let admin = require_admin(req, ctx).await?;
    let form = form_of(ctx, form_name)?;
    let folder = folder_of(req)?.store_name(&form.name);
    if !is_valid_id(id) {
        return Err(ApiError::NotFound("no such submission".into()));
    }
    let deleted = ctx
        .store
        .delete(&folder, id)
        .await
        .inspect_err(log_store_error)?;
    if !deleted {
        return Err(ApiError::NotFound("no such submission".into()));
    }
    eprintln!(
        "letterbox: {} deleted submission {id} of `{folder}`",
        admin.sub
    );
    let mut resp = Response::new(Vec::new());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    Ok(resp)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn list_queries() {
        let q = |s: Option<&str>, accept: bool| parse_list_query(s, accept);
        assert_eq!(
            q(None, false).unwrap(),
            ListQuery {
                limit: DEFAULT_PAGE,
                cursor: None,
                csv: false,
                folder: Folder::Inbox,
            }
        );
        assert_eq!(q(Some("limit=0"), false).unwrap().limit, 1);
        assert_eq!(q(Some("limit=100000"), false).unwrap().limit, MAX_PAGE);
        assert!(q(Some("limit=-1"), false).is_err());
        assert!(q(Some("limit=ten"), false).is_err());
        assert!(q(Some("cursor=../x"), false).is_err());
        assert!(q(Some("format=xml"), false).is_err());
        assert!(q(Some("format=csv"), false).unwrap().csv);
        assert!(q(None, true).unwrap().csv);
        assert!(!q(Some("format=json"), true).unwrap().csv);
        let id = crate::store::new_id(1_795_860_000_000);
        assert_eq!(
            q(Some(&format!("cursor={id}&limit=5")), false).unwrap(),
            ListQuery {
                limit: 5,
                cursor: Some(id),
                csv: false,
                folder: Folder::Inbox,
            }
        );
        assert_eq!(q(Some("folder=spam"), false).unwrap().folder, Folder::Spam);
        assert!(q(Some("folder=trash"), false).is_err());
    }
}
