//! The submission flow: `POST /api/forms/{form}`, from the body to the
//! store, answered with JSON or (for a plain browser post) a redirect or an
//! HTML error page.

use bytes::Bytes;
use http::header::{LOCATION, ORIGIN, REFERER};
use http::{HeaderValue, Request, Response, StatusCode};
use serde_json::json;

use super::context::Context;
use super::guard::require_user;
use super::request::{client_key, header_str, read_form_data, truncate, wants_json};
use super::response::{error_page, log_store_error, success_location};
use crate::error::{ApiError, json_response};
use crate::schema::{AuthRequirement, Form};
use crate::store::{Store, Submission, new_id};
use crate::text::rfc3339_millis;
use crate::validate::validate;

pub(super) async fn submit<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    form_name: &str,
) -> Response<Vec<u8>> {
    let json = wants_json(req.headers());
    let Some(form) = ctx.manifest.forms.get(form_name) else {
        return ApiError::NotFound(format!("no form named `{}`", truncate(form_name, 100)))
            .to_response();
    };
    match accept_submission(req, ctx, form).await {
        Ok(id) if json => json_response(StatusCode::CREATED, &json!({ "id": id })),
        Ok(_) => {
            let mut resp = Response::new(Vec::new());
            *resp.status_mut() = StatusCode::SEE_OTHER;
            let target = success_location(ctx.config, form, header_str(req.headers(), REFERER));
            if let Ok(value) = HeaderValue::from_str(&target) {
                resp.headers_mut().insert(LOCATION, value);
            }
            resp
        }
        Err(e) if json => e.to_response(),
        Err(e) => error_page(&e, ctx.config, form, header_str(req.headers(), REFERER)),
    }
}

/// Decodes, checks and stores one submission; returns the id it is stored
/// under. A filled honeypot is answered the same, but nothing is stored.
async fn accept_submission<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    form: &Form,
) -> Result<String, ApiError> {
    let config = ctx.config;
    if let Some(origin) = header_str(req.headers(), ORIGIN)
        && origin != "null"
        && !config.origin_allowed(origin)
    {
        return Err(ApiError::Forbidden(
            "this origin may not submit forms".into(),
        ));
    }
    if req.body().len() > config.max_body_bytes {
        return Err(ApiError::TooLarge {
            limit: config.max_body_bytes,
        });
    }
    // Only member-only forms look at tokens (and need auth configured);
    // their records keep the token's `sub`.
    let user = match form.auth {
        AuthRequirement::Required => Some(require_user(req, ctx).await?.sub),
        AuthRequirement::None => None,
    };

    let mut data = read_form_data(req).await?;

    let now = ctx.clock.now_millis();
    let id = new_id(now);
    if data.values(&form.honeypot).any(|v| !v.is_empty()) {
        return Ok(id);
    }
    validate(form, &data).map_err(ApiError::Validation)?;
    data.0.retain(|(name, _)| name != &form.honeypot);

    if config.rate_limit_per_minute > 0 {
        let secs = now / 1000;
        let addr = client_key(req.headers(), config.ipv6_prefix_len);
        let hits = ctx
            .store
            .rate_hit(&addr, &form.name, secs / 60)
            .await
            .inspect_err(log_store_error)?;
        if hits > u64::from(config.rate_limit_per_minute) {
            return Err(ApiError::RateLimited {
                retry_after: 60 - secs % 60,
            });
        }
    }

    let submission = Submission {
        id: id.clone(),
        form: form.name.clone(),
        values: data,
        received_at: rfc3339_millis(now),
        user,
    };
    let id = ctx
        .store
        .insert(&submission)
        .await
        .inspect_err(log_store_error)?;
    Ok(id)
}
