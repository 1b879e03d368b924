//! The submission flow: `POST /api/forms/{form}`, from the body to the
//! store, answered with JSON or (for a plain browser post) a redirect or an
//! HTML error page.

use bytes::Bytes;
use http::header::{LOCATION, ORIGIN, REFERER};
use http::{HeaderValue, Request, Response, StatusCode};
use serde_json::json;

use super::context::Context;
use super::guard::require_user;
use super::request::{client_ip, client_key, header_str, read_form_data, truncate, wants_json};
use super::response::{error_page, log_store_error, success_location};
use crate::error::{ApiError, json_response};
use crate::folder::Folder;
use crate::notify;
use crate::schema::{AuthRequirement, Form, FormData, PAGE_FIELD, SpamCheck};
use crate::spam::{Client, akismet, captcha};
use crate::store::{Store, Submission, new_id};
use crate::text::rfc3339_millis;
use crate::validate::{FieldError, validate};

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
    // The CAPTCHA's token is no field of the form: taken out before
    // validation, verified after it, never stored.
    let captcha_token = form.captcha.as_ref().map(|c| {
        let field = c.provider.response_field();
        let token = data.values(field).next().map(str::to_owned);
        data.0.retain(|(name, _)| name != field);
        token
    });
    let posted_from = form.is_moderated().then(|| {
        let page = data.values(PAGE_FIELD).next().map(str::to_owned);
        data.0.retain(|(name, _)| name != PAGE_FIELD);
        page.filter(|p| p.starts_with('/') && !p.starts_with("//") && p.chars().count() <= 300)
    });
    validate(form, &data).map_err(ApiError::Validation)?;
    if let Some(Some(page)) = posted_from {
        data.0.push((PAGE_FIELD.to_owned(), page));
    }
    data.0.retain(|(name, _)| name != &form.honeypot);

    check_rate_limit(req, ctx, form, now).await?;

    let ip = client_ip(req.headers()).map(|ip| ip.to_string());
    let client = Client {
        ip: ip.as_deref(),
        user_agent: header_str(req.headers(), http::header::USER_AGENT),
        referrer: header_str(req.headers(), REFERER),
    };
    if let (Some(spec), Some(token)) = (&form.captcha, captcha_token) {
        check_captcha(ctx, spec, token.as_deref(), &client).await?;
    }
    let spam = is_spam(ctx, form, &data, &client).await;

    let mut submission = Submission {
        id: id.clone(),
        // Spam is filed in the form's spam folder: stored, never counted
        // or announced.
        form: if spam {
            Folder::Spam
        } else if form.is_moderated() {
            Folder::Pending
        } else {
            Folder::Inbox
        }
        .store_name(&form.name),
        values: data,
        received_at: rfc3339_millis(now),
        user,
        read: false,
    };
    submission.id = ctx
        .store
        .insert(&submission)
        .await
        .inspect_err(log_store_error)?;
    if !spam {
        let services = &ctx.config.services;
        notify::after_store(ctx.store, ctx.outbound, services, now, form, &submission).await;
    }
    super::retention::sweep(ctx, form).await;
    Ok(submission.id)
}

/// Counts the submission against its client's limit for the minute
/// (when rate limiting is on); over it, a 429 until the minute ends.
async fn check_rate_limit<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    form: &Form,
    now: u64,
) -> Result<(), ApiError> {
    let config = ctx.config;
    if config.rate_limit_per_minute == 0 {
        return Ok(());
    }
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
    Ok(())
}

/// Verifies the CAPTCHA token: a refusal is a 422 on the field `captcha`,
/// no verdict a 503.
async fn check_captcha<S: Store>(
    ctx: &Context<'_, S>,
    spec: &crate::schema::Captcha,
    token: Option<&str>,
    client: &Client<'_>,
) -> Result<(), ApiError> {
    let services = &ctx.config.services;
    if services.dry_run {
        return Ok(());
    }
    match captcha::verify(ctx.outbound, services, spec, token, client).await {
        captcha::Verdict::Pass => Ok(()),
        captcha::Verdict::Fail { message } => Err(ApiError::Validation(vec![FieldError::new(
            "captcha", "captcha", message,
        )])),
        captcha::Verdict::Unavailable { reason } => {
            eprintln!("letterbox: captcha: {reason}");
            Err(ApiError::CaptchaUnavailable(reason))
        }
    }
}

/// The form's content check; no verdict keeps the submission as not spam.
async fn is_spam<S: Store>(
    ctx: &Context<'_, S>,
    form: &Form,
    data: &FormData,
    client: &Client<'_>,
) -> bool {
    let services = &ctx.config.services;
    match form.spam_check {
        Some(SpamCheck::Akismet) if !services.dry_run => {
            let site = ctx.config.site_url.as_str();
            match akismet::check(ctx.outbound, services, site, form, data, client).await {
                akismet::Verdict::Spam => true,
                akismet::Verdict::Ham => false,
                akismet::Verdict::Unknown { reason } => {
                    eprintln!("letterbox: spam check: {reason}");
                    false
                }
            }
        }
        _ => false,
    }
}
