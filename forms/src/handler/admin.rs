//! The admin API: forms with counts, paged submissions and their CSV
//! export, deleting one submission, creating users. Every route here first
//! checks for an admin token ([`require_admin`]): 401 without or with a bad
//! token, 403 for a valid token of a non-admin, 503 when auth is off.

use std::borrow::Cow;

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use http::{HeaderValue, Request, Response, StatusCode};
use serde_json::{Value, json};

use super::auth::{
    hash, is_valid_username, password_problem, require_admin, require_user_manager, stored_role,
};
use super::{Context, log_store_error, read_form_data};
use crate::auth::Role;
use crate::error::{ApiError, json_response};
use crate::schema::Form;
use crate::store::{MAX_PAGE, Store, Submission, User, clamp_limit, is_valid_id};
use crate::validate::FieldError;

/// Page size when `?limit=` is not given.
pub const DEFAULT_PAGE: u32 = 50;
/// How multi-values (checkboxes, multiple selects) are joined in a CSV cell.
pub const CSV_MULTI_SEPARATOR: &str = "; ";

fn form_of<'m, S>(ctx: &Context<'m, S>, name: &str) -> Result<&'m Form, ApiError> {
    ctx.manifest.forms.get(name).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no form named `{}`",
            name.chars().take(100).collect::<String>()
        ))
    })
}

/// `GET /api/forms`: `{"forms": [{"name", "page", "count", "auth"}]}`, one
/// entry per form of the manifest, by name.
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
        forms.push(json!({
            "name": form.name,
            "page": form.page,
            "count": count,
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

/// What `?limit=&cursor=&format=` asked for.
#[derive(Debug, PartialEq, Eq)]
struct ListQuery {
    limit: u32,
    cursor: Option<String>,
    csv: bool,
}

fn parse_list_query(query: Option<&str>, accept_csv: bool) -> Result<ListQuery, ApiError> {
    let mut limit = DEFAULT_PAGE;
    let mut cursor = None;
    let mut format: Option<String> = None;
    for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match key.as_ref() {
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
    Ok(ListQuery { limit, cursor, csv })
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

/// The field names of `form` in manifest order, each once.
fn field_names(form: &Form) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::with_capacity(form.fields.len());
    for field in &form.fields {
        if !names.contains(&field.name.as_str()) {
            names.push(&field.name);
        }
    }
    names
}

fn submission_json(s: &Submission) -> Value {
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
    if query.csv {
        return export_csv(ctx, form).await;
    }
    let page = ctx
        .store
        .list(&form.name, query.cursor.as_deref(), query.limit)
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

/// What a spreadsheet may take for the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];
/// What a spreadsheet may split one cell at (`;` in many locales, `,`,
/// tab), when it guesses the separator itself.
const SEGMENT_SEPARATORS: [char; 3] = [';', ',', '\t'];

/// OWASP's CSV injection defence, for every part a spreadsheet may make a
/// cell of: the cell itself and each segment after a `;`, `,` or tab. A
/// part whose first character after spaces is `=`, `+`, `-`, `@`, tab or
/// CR gets a `'` before it, so it stays text (`x;=cmd` → `x;'=cmd`).
pub fn neutralise_cell(cell: &str) -> Cow<'_, str> {
    let mut out = String::new();
    let mut at_start = true;
    let mut changed = false;
    for c in cell.chars() {
        if at_start && c != ' ' {
            if FORMULA_STARTS.contains(&c) {
                out.push('\'');
                changed = true;
            }
            at_start = false;
        }
        out.push(c);
        if SEGMENT_SEPARATORS.contains(&c) {
            at_start = true;
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(cell)
    }
}

/// The CSV of `submissions` of `form`: a header `id, received_at, user`,
/// then the form's fields in manifest order; multi-values joined with
/// [`CSV_MULTI_SEPARATOR`]; every cell quoted (RFC 4180) and neutralised.
pub fn submissions_csv(form: &Form, submissions: &[Submission]) -> Result<Vec<u8>, csv::Error> {
    let fields = field_names(form);
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Always)
        .from_writer(Vec::new());
    let mut header: Vec<Cow<'_, str>> = vec!["id".into(), "received_at".into(), "user".into()];
    header.extend(fields.iter().map(|f| neutralise_cell(f)));
    writer.write_record(header.iter().map(|c| c.as_bytes()))?;
    for s in submissions {
        let mut row: Vec<String> = vec![
            neutralise_cell(&s.id).into_owned(),
            neutralise_cell(&s.received_at).into_owned(),
            neutralise_cell(s.user.as_deref().unwrap_or("")).into_owned(),
        ];
        for name in &fields {
            let joined = s
                .values
                .values(name)
                .collect::<Vec<_>>()
                .join(CSV_MULTI_SEPARATOR);
            row.push(neutralise_cell(&joined).into_owned());
        }
        writer.write_record(&row)?;
    }
    writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// A file name for `Content-Disposition`: the form name with anything but
/// ASCII letters, digits, `-`, `_` and `.` replaced by `_`.
fn csv_filename(form: &str) -> String {
    let safe: String = form
        .chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{}.csv", safe.trim_start_matches('.'))
}

async fn export_csv<S: Store>(
    ctx: &Context<'_, S>,
    form: &Form,
) -> Result<Response<Vec<u8>>, ApiError> {
    // Walk every page; the cursor keeps new arrivals from being seen twice.
    let mut all = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = ctx
            .store
            .list(&form.name, cursor.as_deref(), MAX_PAGE)
            .await
            .inspect_err(log_store_error)?;
        all.extend(page.items);
        match page.next_cursor {
            Some(next) if Some(&next) != cursor.as_ref() => cursor = Some(next),
            _ => break,
        }
    }
    let body = submissions_csv(form, &all).map_err(|e| {
        eprintln!("letterbox: CSV export of `{}` failed: {e}", form.name);
        ApiError::Misconfigured(format!("csv: {e}"))
    })?;
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::OK;
    let h = resp.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        csv_filename(&form.name)
    )) {
        h.insert(CONTENT_DISPOSITION, value);
    }
    Ok(resp)
}

/// `DELETE /api/forms/{form}/submissions/{id}`: 204, or 404 when the form
/// or the submission does not exist (or the id cannot be one).
pub(super) async fn delete_submission<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    form_name: &str,
    id: &str,
) -> Result<Response<Vec<u8>>, ApiError> {
    let admin = require_admin(req, ctx).await?;
    let form = form_of(ctx, form_name)?;
    if !is_valid_id(id) {
        return Err(ApiError::NotFound("no such submission".into()));
    }
    let deleted = ctx
        .store
        .delete(&form.name, id)
        .await
        .inspect_err(log_store_error)?;
    if !deleted {
        return Err(ApiError::NotFound("no such submission".into()));
    }
    eprintln!(
        "letterbox: {} deleted submission {id} of `{}`",
        admin.sub, form.name
    );
    let mut resp = Response::new(Vec::new());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    Ok(resp)
}

/// `POST /api/users`: `{"username", "password", "role"}` (role `admin` or
/// `member`, default `member`) → `201 {"username", "role"}`. The password is
/// stored as an argon2id hash only. 422 for a bad name, password or role;
/// 409 when the user exists (or is the `admin_username` of the config):
/// users are never replaced through this route.
pub(super) async fn create_user<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    let admin = require_user_manager(req, ctx).await?;
    let data = read_form_data(req).await?;
    let username = data.values("username").next().unwrap_or("");
    let password = data.values("password").next().unwrap_or("");
    let role_text = data.values("role").next().unwrap_or("member");

    let mut errors = Vec::new();
    if !is_valid_username(username) {
        errors.push(FieldError::new(
            "username",
            "pattern",
            "Use 1 to 64 letters, digits, `.`, `_`, `@` or `-`, starting with a letter or digit.",
        ));
    }
    errors.extend(password_problem("password", password));
    let role = Role::parse(role_text);
    if role.is_none() {
        errors.push(FieldError::new(
            "role",
            "option",
            "The role must be `admin` or `member`.",
        ));
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        return Err(ApiError::Validation(errors));
    };

    let exists = || ApiError::Conflict(format!("a user named `{username}` exists already"));
    // A cheap look first, so a taken name costs no password hash; the
    // conditional write below settles simultaneous creates.
    let taken = (ctx.store.get_user(username).await).inspect_err(log_store_error)?;
    if ctx.config.admin_username.as_deref() == Some(username) || taken.is_some() {
        return Err(exists());
    }
    let password_hash = hash(password)?;
    let user = User {
        username: username.to_owned(),
        password_hash,
        role: role.as_str().to_owned(),
    };
    // One conditional write: of two simultaneous creates, one gets 409.
    let created = (ctx.store.create_user(&user).await).inspect_err(log_store_error)?;
    if !created {
        return Err(exists());
    }
    eprintln!(
        "letterbox: {} created user `{}` ({})",
        admin.sub, user.username, user.role
    );
    Ok(json_response(
        StatusCode::CREATED,
        &json!({ "username": user.username, "role": user.role }),
    ))
}

/// 409 for the configured first admin, who lives in the variables.
fn not_the_configured_admin<S>(ctx: &Context<'_, S>, name: &str) -> Result<(), ApiError> {
    if ctx.config.admin_username.as_deref() == Some(name) {
        return Err(ApiError::Conflict(format!(
            "`{name}` is the admin of the admin_username variable; change the variables instead"
        )));
    }
    Ok(())
}

/// `GET /api/users`: `{"users": [{"username", "role"}]}` by name; the
/// configured first admin comes first, with `"configured": true`.
pub(super) async fn list_users<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    require_user_manager(req, ctx).await?;
    let mut users = Vec::new();
    if let (Some(name), Some(_)) = (&ctx.config.admin_username, &ctx.config.admin_password_hash) {
        users.push(json!({"username": name, "role": "admin", "configured": true}));
    }
    for user in (ctx.store.list_users().await).inspect_err(log_store_error)? {
        users.push(json!({
            "username": user.username,
            "role": stored_role(&user.role).as_str(),
        }));
    }
    Ok(json_response(StatusCode::OK, &json!({ "users": users })))
}

/// `PATCH /api/users/{name}`: `{"role"}` and/or `{"password"}` →
/// `200 {"username", "role"}`. Either ends every token the user had (their
/// credential version changes). 404 for no such user, 409 for the
/// configured first admin, 422 for a bad role or password.
pub(super) async fn update_user<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    name: &str,
) -> Result<Response<Vec<u8>>, ApiError> {
    let admin = require_user_manager(req, ctx).await?;
    not_the_configured_admin(ctx, name)?;
    let data = read_form_data(req).await?;
    let role_text = data.values("role").next();
    let password = data.values("password").next();
    let mut errors = Vec::new();
    let role = match role_text {
        None => None,
        Some(text) => {
            let role = Role::parse(text);
            if role.is_none() {
                errors.push(FieldError::new(
                    "role",
                    "option",
                    "The role must be `admin` or `member`.",
                ));
            }
            role
        }
    };
    if let Some(password) = password {
        errors.extend(password_problem("password", password));
    }
    if role_text.is_none() && password.is_none() {
        return Err(ApiError::Malformed(
            "send a `role`, a `password` or both".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let no_user = || ApiError::NotFound("no such user".into());
    let found = if is_valid_username(name) {
        (ctx.store.get_user(name).await).inspect_err(log_store_error)?
    } else {
        None
    };
    let Some(mut user) = found else {
        return Err(no_user());
    };
    if let Some(role) = role {
        user.role = role.as_str().to_owned();
    }
    if let Some(password) = password {
        user.password_hash = hash(password)?;
    }
    if !(ctx.store.update_user(&user).await).inspect_err(log_store_error)? {
        return Err(no_user());
    }
    eprintln!(
        "letterbox: {} changed user `{}` ({}{})",
        admin.sub,
        user.username,
        user.role,
        if password.is_some() {
            ", new password"
        } else {
            ""
        }
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({ "username": user.username, "role": user.role }),
    ))
}

/// `DELETE /api/users/{name}`: 204; the user's tokens stop working at once.
/// 404 for no such user, 409 for the configured first admin.
pub(super) async fn delete_user<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    name: &str,
) -> Result<Response<Vec<u8>>, ApiError> {
    let admin = require_user_manager(req, ctx).await?;
    not_the_configured_admin(ctx, name)?;
    let deleted = is_valid_username(name)
        && (ctx.store.delete_user(name).await).inspect_err(log_store_error)?;
    if !deleted {
        return Err(ApiError::NotFound("no such user".into()));
    }
    eprintln!("letterbox: {} deleted user `{name}`", admin.sub);
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
                csv: false
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
                csv: false
            }
        );
    }

    #[test]
    fn cells_are_neutralised() {
        for bad in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralise_cell(bad), format!("'{bad}"));
        }
        for fine in ["", "a=1", "1-2", "'=x", "été", "a; b, c", "x;'=y"] {
            assert_eq!(neutralise_cell(fine), fine);
        }
        // Issue 12, item 7: every segment a `;`-, `,`- or tab-separating
        // spreadsheet may split off, and after leading spaces.
        for (cell, want) in [
            ("x;=cmd|' /C calc'!A0", "x;'=cmd|' /C calc'!A0"),
            ("a,+1", "a,'+1"),
            ("a\t@x", "a\t'@x"),
            ("a\t\tx", "a\t'\tx"),
            ("red; =cmd", "red; '=cmd"),
            (" =x", " '=x"),
            ("=a;-b, @c", "'=a;'-b, '@c"),
            ("a;\r=x", "a;'\r=x"),
        ] {
            assert_eq!(neutralise_cell(cell), want, "{cell:?}");
        }
    }

    #[test]
    fn every_csv_cell_is_quoted() {
        let form = Form {
            name: "f".into(),
            page: "p.md".into(),
            redirect: None,
            auth: crate::schema::AuthRequirement::None,
            honeypot: "_hp".into(),
            fields: vec![crate::schema::Field::new(
                "a",
                crate::schema::FieldKind::Text,
            )],
        };
        let s = Submission {
            id: "id1".into(),
            form: "f".into(),
            values: crate::schema::FormData(vec![("a".into(), "x;=cmd|' /C calc'!A0".into())]),
            received_at: "2026-11-28T10:00:00.000Z".into(),
            user: None,
        };
        let csv = String::from_utf8(submissions_csv(&form, &[s]).unwrap()).unwrap();
        assert_eq!(
            csv,
            "\"id\",\"received_at\",\"user\",\"a\"\r\n\
             \"id1\",\"2026-11-28T10:00:00.000Z\",\"\",\"x;'=cmd|' /C calc'!A0\"\r\n"
        );
    }

    #[test]
    fn filenames() {
        assert_eq!(csv_filename("contact"), "contact.csv");
        assert_eq!(csv_filename("a\"b;c/d é"), "a_b_c_d__.csv");
        assert_eq!(csv_filename("..x"), "x.csv");
    }
}
