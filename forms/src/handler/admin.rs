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
use crate::store::{MAX_PAGE, Page, Store, Submission, clamp_limit, is_valid_id};

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
    /// `q`: only submissions with a value (or user) containing it.
    search: Option<String>,
    /// `status=new|read`: only unread (`false`) or read (`true`) ones.
    read: Option<bool>,
}

/// The longest search text.
const MAX_SEARCH_CHARS: usize = 200;

/// The most submissions one search request reads (one store page): it
/// then answers with what it found and a cursor to read on from, so a
/// search over a large folder is a series of bounded requests.
const SEARCH_SCAN: u32 = MAX_PAGE;

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
    let mut search = None;
    let mut read = None;
    for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "folder" => folder = parse_folder(&value)?,
            "q" if value.chars().count() > MAX_SEARCH_CHARS => {
                return Err(ApiError::Malformed(format!(
                    "q must be at most {MAX_SEARCH_CHARS} characters"
                )));
            }
            "q" => search = Some(value.trim().to_ascii_lowercase()).filter(|q| !q.is_empty()),
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
            "status" => {
                read = match value.as_ref() {
                    "" | "all" => None,
                    "new" => Some(false),
                    "read" => Some(true),
                    _ => {
                        return Err(ApiError::Malformed(
                            "status must be new, read or all".into(),
                        ));
                    }
                }
            }
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
        search,
        read,
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
        "read": s.read,
    })
}

/// `GET /api/forms/{form}/submissions`: newest first. JSON
/// `{"submissions": [{"id", "form", "values": [[name, value], ...],
/// "received_at", "user", "read"}], "next_cursor": string|null, "fields":
/// [...], "scanned"}`; with `?format=csv` or `Accept: text/csv`, every
/// submission as CSV. `?q=` and `?status=new|read` filter one store page.
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
    super::retention::sweep(ctx, form).await;
    let (page, scanned) = match (&query.search, query.read) {
        (None, None) => {
            let page = ctx
                .store
                .list(&folder, query.cursor.as_deref(), query.limit)
                .await
                .inspect_err(log_store_error)?;
            let scanned = page.items.len();
            (page, scanned)
        }
        (needle, read) => {
            let wanted = |s: &Submission| {
                read.is_none_or(|read| s.read == read)
                    && needle.as_deref().is_none_or(|needle| {
                        (s.values.0.iter().map(|(_, v)| v.as_str()))
                            .chain(s.user.as_deref())
                            .any(|v| contains_ignoring_ascii_case(v, needle))
                    })
            };
            filtered(ctx, &folder, query.cursor, query.limit, wanted).await?
        }
    };
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "submissions": page.items.iter().map(submission_json).collect::<Vec<_>>(),
            "next_cursor": page.next_cursor,
            "fields": field_names(form),
            "scanned": scanned,
        }),
    ))
}

/// Whether `haystack` contains `needle` (ASCII lowercase), ignoring ASCII
/// case. Full Unicode case folding would add its tables to the component,
/// which is size-bound; other letters match as typed.
fn contains_ignoring_ascii_case(haystack: &str, needle: &str) -> bool {
    let needle = needle.as_bytes();
    needle.is_empty()
        || haystack
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// Up to `limit` submissions of `folder` (from `cursor` on, newest first)
/// that are `wanted` (a search, a read status), among the next
/// [`SEARCH_SCAN`] (one store page); `next_cursor` goes on after the last
/// one read when there is more to read. Also returns how many were read.
async fn filtered<S: Store>(
    ctx: &Context<'_, S>,
    folder: &str,
    cursor: Option<String>,
    limit: u32,
    wanted: impl Fn(&Submission) -> bool,
) -> Result<(Page, usize), ApiError> {
    let read = ctx
        .store
        .list(folder, cursor.as_deref(), SEARCH_SCAN)
        .await
        .inspect_err(log_store_error)?;
    let mut scanned = 0;
    let mut found = Vec::new();
    for item in read.items {
        scanned += 1;
        if wanted(&item) {
            found.push(item);
            if found.len() == limit as usize {
                // More may match below the last one found.
                let next_cursor = found.last().map(|s| s.id.clone());
                let page = Page {
                    items: found,
                    next_cursor,
                };
                return Ok((page, scanned));
            }
        }
    }
    let page = Page {
        items: found,
        next_cursor: read.next_cursor,
    };
    Ok((page, scanned))
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
                search: None,
                read: None,
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
                search: None,
                read: None,
            }
        );
        assert_eq!(q(Some("folder=spam"), false).unwrap().folder, Folder::Spam);
        assert!(q(Some("folder=trash"), false).is_err());
        let search = |s| q(Some(s), false).map(|q| q.search);
        assert_eq!(
            search("q=+Ada%40Example+").unwrap().as_deref(),
            Some("ada@example")
        );
        assert_eq!(search("q=++").unwrap(), None);
        let long = format!("q={}", "é".repeat(201));
        assert!(search(&long).is_err());
        assert!(search(&format!("q={}", "é".repeat(200))).is_ok());
        let status = |s| q(Some(s), false).map(|q| q.read);
        assert_eq!(status("status=new").unwrap(), Some(false));
        assert_eq!(status("status=read").unwrap(), Some(true));
        assert_eq!(status("status=all").unwrap(), None);
        assert!(status("status=unread").is_err());
    }
}
