//! `GET /api/forms/{form}/published`: the public face of a moderated form.

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use serde_json::json;

use super::admin::form_of;
use super::context::Context;
use super::response::log_store_error;
use super::retention;
use crate::error::{ApiError, json_response};
use crate::schema::Form;
use crate::store::{MAX_PAGE, Store, Submission, is_valid_id};

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
    retention::sweep(ctx, form).await;
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
