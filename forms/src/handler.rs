//! The API's request handler over plain `http` types: routing, CORS, body
//! limits, and the submission flow. Adapters (the Spin component, `letterbox
//! serve`) read the body with [`collect_limited`], build a [`Context`] and
//! call [`handle`]:
//!
//! ```ignore
//! let body = match collect_limited(req.headers(), body, config.max_body_bytes).await {
//!     Ok(bytes) => bytes,
//!     Err(e) => return error_response(&e, &config, origin),
//! };
//! let ctx = Context { config: &config, manifest: &manifest, store: &store, clock: &SystemClock };
//! let response = handle(http::Request::from_parts(parts, body), &ctx).await;
//! ```
//!
//! Adding a route: a line in [`route`] (path and methods) and an arm in
//! [`dispatch`]. Login and the token checks live in [`auth`], the admin
//! routes in [`admin`].

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::{Buf, Bytes};
use http::header::{
    ACCEPT, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
    ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS,
    ACCESS_CONTROL_MAX_AGE, CACHE_CONTROL, CONTENT_LENGTH,
    CONTENT_SECURITY_POLICY as CONTENT_SECURITY_POLICY_HEADER, CONTENT_TYPE, LOCATION, ORIGIN,
    REFERER, REFERRER_POLICY, VARY, X_CONTENT_TYPE_OPTIONS,
};
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;
use url::Url;

use crate::body::{BodyError, parse_body};
use crate::config::Config;
use crate::error::{ApiError, json_response};
use crate::schema::{AuthRequirement, Form, FormData, Manifest};
use crate::store::{Store, Submission, new_id};
use crate::text::{percent_decode, rfc3339_millis};
use crate::validate::validate;

pub mod admin;
pub mod auth;

/// Kept at its old path for the generator: [`crate::text::escape_html`].
pub use crate::text::escape_html;
pub use auth::authenticator;

/// The header Spin sets to the client's `ip:port`.
pub const CLIENT_ADDR_HEADER: &str = "spin-client-addr";

/// Methods and headers a preflight allows (for every `/api` route).
const PREFLIGHT_METHODS: &str = "GET, POST, PATCH, DELETE, OPTIONS";
const PREFLIGHT_HEADERS: &str = "Accept, Authorization, Content-Type";
const PREFLIGHT_MAX_AGE: &str = "600";
/// Response headers scripts of an allowed origin may read.
const EXPOSE_HEADERS: &str = "Content-Disposition, Retry-After, WWW-Authenticate";

/// What time it is, in unix milliseconds.
pub trait Clock {
    fn now_millis(&self) -> u64;

    /// Waits this long (the slow-down of failed logins for a user name
    /// under attack). The default blocks the thread, which suits `letterbox
    /// serve` (it runs the handler on a blocking thread); the Spin component
    /// waits asynchronously, since one instance serves up to 16 requests at
    /// once.
    fn sleep_millis(&self, millis: u64) -> Pin<Box<dyn Future<Output = ()> + '_>> {
        std::thread::sleep(std::time::Duration::from_millis(millis));
        Box::pin(std::future::ready(()))
    }
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// A clock that stands still (tests).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now_millis(&self) -> u64 {
        self.0
    }

    /// Does not wait.
    fn sleep_millis(&self, _millis: u64) -> Pin<Box<dyn Future<Output = ()> + '_>> {
        Box::pin(std::future::ready(()))
    }
}

/// Everything a request is handled with.
pub struct Context<'a, S> {
    pub config: &'a Config,
    pub manifest: &'a Manifest,
    pub store: &'a S,
    pub clock: &'a dyn Clock,
}

/// Reads a whole body of at most `limit` bytes. A `Content-Length` above the
/// limit is refused before anything is read; without one, reading stops as
/// soon as the limit is passed.
pub async fn collect_limited<B>(
    headers: &HeaderMap,
    body: B,
    limit: usize,
) -> Result<Bytes, ApiError>
where
    B: http_body::Body,
{
    let mut expected = None;
    if let Some(value) = headers.get(CONTENT_LENGTH) {
        let length: u64 = value
            .to_str()
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| ApiError::Malformed("invalid Content-Length".into()))?;
        if length > limit as u64 {
            return Err(ApiError::TooLarge { limit });
        }
        expected = usize::try_from(length).ok();
    }
    let mut body = std::pin::pin!(body);
    let mut buf: Vec<u8> = Vec::with_capacity(expected.unwrap_or(0));
    // Once Content-Length bytes are in, the body is complete: not waiting
    // for the end of the stream saves a round trip to the host (Spin).
    while expected.is_none_or(|n| buf.len() < n)
        && let Some(frame) = body.frame().await
    {
        let frame = frame.map_err(|_| ApiError::Malformed("the body could not be read".into()))?;
        if let Ok(mut data) = frame.into_data() {
            if buf.len().saturating_add(data.remaining()) > limit {
                return Err(ApiError::TooLarge { limit });
            }
            while data.has_remaining() {
                let chunk = data.chunk();
                let n = chunk.len();
                buf.extend_from_slice(chunk);
                data.advance(n);
            }
        }
    }
    Ok(Bytes::from(buf))
}

/// Handles one request whose body was read with [`collect_limited`].
/// Never panics; every failure is an answer with its status.
pub async fn handle<S: Store>(req: Request<Bytes>, ctx: &Context<'_, S>) -> Response<Vec<u8>> {
    let origin = header_str(req.headers(), ORIGIN).map(str::to_owned);
    let resp = if req.method() == Method::OPTIONS && is_api_path(req.uri().path()) {
        preflight(ctx.config, origin.as_deref())
    } else {
        match route(req.method(), req.uri().path()) {
            Ok(route) => match dispatch(route, &req, ctx).await {
                Ok(resp) => resp,
                Err(e) => e.to_response(),
            },
            Err(e) => e.to_response(),
        }
    };
    finish(resp, ctx.config, origin.as_deref())
}

/// An error answer with the CORS headers [`handle`] would add, for adapters
/// that fail before calling it (body too large, misconfiguration).
pub fn error_response(
    error: &ApiError,
    config: Option<&Config>,
    origin: Option<&str>,
) -> Response<Vec<u8>> {
    let resp = error.to_response();
    match config {
        Some(config) => finish(resp, config, origin),
        None => with_security_headers(resp),
    }
}

/// A matched route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    Health,
    Submit { form: String },
    Login,
    Logout,
    Me,
    ChangePassword,
    CreateUser,
    ListUsers,
    UpdateUser { name: String },
    DeleteUser { name: String },
    ListForms,
    UpgradeStore,
    ListSubmissions { form: String },
    DeleteSubmission { form: String, id: String },
}

/// Matches a path and method to a route: 404 for an unknown path, 405 (with
/// `Allow`) for a known path and another method.
pub fn route(method: &Method, path: &str) -> Result<Route, ApiError> {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    let segments: Vec<&str> = trimmed.split('/').skip(1).collect();
    let only = |allowed: &[Method], allow: &'static str, route: Route| {
        if allowed.contains(method) {
            Ok(route)
        } else {
            Err(ApiError::MethodNotAllowed { allow })
        }
    };
    match segments.as_slice() {
        ["api", "health"] => only(&[Method::GET], "GET, OPTIONS", Route::Health),
        ["api", "auth", "login"] => only(&[Method::POST], "POST, OPTIONS", Route::Login),
        ["api", "auth", "logout"] => only(&[Method::POST], "POST, OPTIONS", Route::Logout),
        ["api", "auth", "me"] => only(&[Method::GET], "GET, OPTIONS", Route::Me),
        ["api", "auth", "password"] => {
            only(&[Method::POST], "POST, OPTIONS", Route::ChangePassword)
        }
        ["api", "users"] => match *method {
            Method::POST => Ok(Route::CreateUser),
            Method::GET => Ok(Route::ListUsers),
            _ => Err(ApiError::MethodNotAllowed {
                allow: "GET, POST, OPTIONS",
            }),
        },
        ["api", "users", name] => {
            let name = percent_decode(name)
                .ok()
                .filter(|n| !n.is_empty())
                .ok_or_else(|| ApiError::NotFound("no such user".into()))?;
            match *method {
                Method::PATCH => Ok(Route::UpdateUser { name }),
                Method::DELETE => Ok(Route::DeleteUser { name }),
                _ => Err(ApiError::MethodNotAllowed {
                    allow: "PATCH, DELETE, OPTIONS",
                }),
            }
        }
        ["api", "forms"] => only(&[Method::GET], "GET, OPTIONS", Route::ListForms),
        ["api", "admin", "upgrade-store"] => {
            only(&[Method::POST], "POST, OPTIONS", Route::UpgradeStore)
        }
        ["api", "forms", form] => {
            let form = form_segment(form)?;
            only(&[Method::POST], "POST, OPTIONS", Route::Submit { form })
        }
        ["api", "forms", form, "submissions"] => {
            let form = form_segment(form)?;
            only(
                &[Method::GET],
                "GET, OPTIONS",
                Route::ListSubmissions { form },
            )
        }
        ["api", "forms", form, "submissions", id] => {
            let form = form_segment(form)?;
            let id = percent_decode(id)
                .ok()
                .filter(|i| !i.is_empty())
                .ok_or_else(|| ApiError::NotFound("no such submission".into()))?;
            only(
                &[Method::DELETE],
                "DELETE, OPTIONS",
                Route::DeleteSubmission { form, id },
            )
        }
        _ => Err(ApiError::NotFound(format!(
            "no route for {}",
            truncate(path, 200)
        ))),
    }
}

fn form_segment(segment: &str) -> Result<String, ApiError> {
    percent_decode(segment)
        .ok()
        .filter(|f| !f.is_empty())
        .ok_or_else(|| ApiError::NotFound("no such form".into()))
}

async fn dispatch<S: Store>(
    route: Route,
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    match route {
        Route::Health => {
            ctx.store.ping().await.inspect_err(log_store_error)?;
            let forms: Vec<&str> = ctx.manifest.forms.keys().map(String::as_str).collect();
            Ok(json_response(
                StatusCode::OK,
                &json!({
                    "status": "ok",
                    "store": "ok",
                    "manifest": {
                        "version": ctx.manifest.version,
                        "sha256": ctx.manifest.digest(),
                        "forms": forms,
                    },
                }),
            ))
        }
        Route::Submit { form } => Ok(submit(req, ctx, &form).await),
        Route::Login => auth::login(req, ctx).await,
        Route::Logout => auth::logout(req, ctx),
        Route::Me => auth::me(req, ctx).await,
        Route::ChangePassword => auth::change_password(req, ctx).await,
        Route::ListUsers => admin::list_users(req, ctx).await,
        Route::UpdateUser { name } => admin::update_user(req, ctx, &name).await,
        Route::DeleteUser { name } => admin::delete_user(req, ctx, &name).await,
        Route::CreateUser => admin::create_user(req, ctx).await,
        Route::ListForms => admin::list_forms(req, ctx).await,
        Route::UpgradeStore => admin::upgrade_store(req, ctx).await,
        Route::ListSubmissions { form } => admin::list_submissions(req, ctx, &form).await,
        Route::DeleteSubmission { form, id } => {
            admin::delete_submission(req, ctx, &form, &id).await
        }
    }
}

fn is_api_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

fn log_store_error(e: &crate::store::StoreError) {
    eprintln!("letterbox: {e}");
}

// ---------------------------------------------------------------- submit

/// Whether the client wants JSON rather than a redirect: it asks for
/// `application/json`, or it sent JSON (no browser form can).
fn wants_json(headers: &HeaderMap) -> bool {
    let is_json = |v: &str| {
        v.split(',').any(|item| {
            item.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .eq_ignore_ascii_case("application/json")
        })
    };
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(is_json)
        || header_str(headers, CONTENT_TYPE).is_some_and(is_json)
}

async fn submit<S: Store>(
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
        Ok((id, _stored)) if json => json_response(StatusCode::CREATED, &json!({ "id": id })),
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

/// Decodes, checks and stores one submission. Returns its id and whether it
/// was stored (a filled honeypot is answered the same but dropped).
async fn accept_submission<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    form: &Form,
) -> Result<(String, bool), ApiError> {
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
        AuthRequirement::Required => Some(auth::require_user(req, ctx).await?.sub),
        AuthRequirement::None => None,
    };

    let mut data = read_form_data(req).await?;

    let now = ctx.clock.now_millis();
    let id = new_id(now);
    if data.values(&form.honeypot).any(|v| !v.is_empty()) {
        return Ok((id, false));
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
    Ok((id, true))
}

/// Decodes a urlencoded, multipart or JSON body into name/value pairs.
pub(crate) async fn read_form_data(req: &Request<Bytes>) -> Result<FormData, ApiError> {
    let content_type = match req.headers().get(CONTENT_TYPE) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .map_err(|_| ApiError::UnsupportedType("unreadable Content-Type".into()))?,
        ),
    };
    parse_body(content_type, req.body())
        .await
        .map_err(|e| match e {
            BodyError::Malformed(m) => ApiError::Malformed(m),
            BodyError::UnsupportedType(m) => ApiError::UnsupportedType(m),
        })
}

/// The client's IP from `spin-client-addr` (`ip:port` or `[v6]:port`), or
/// `unknown`. Only a parsed address is ever used as a key.
pub fn client_addr(headers: &HeaderMap) -> String {
    client_ip(headers).map_or_else(|| "unknown".into(), |ip| ip.to_string())
}

fn client_ip(headers: &HeaderMap) -> Option<IpAddr> {
    let raw = header_str(headers, CLIENT_ADDR_HEADER)?.trim();
    if let Ok(sock) = raw.parse::<SocketAddr>() {
        return Some(sock.ip());
    }
    raw.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok()
}

/// The client as rate limits count it: an IPv4 address (IPv4-mapped IPv6
/// included) as itself, an IPv6 address as its network of `ipv6_prefix_len`
/// bits (`2001:db8:1:2::/64`), since one host usually holds a whole /64 and
/// can rotate through it; `unknown` without a parsable address.
pub fn client_key(headers: &HeaderMap, ipv6_prefix_len: u8) -> String {
    match client_ip(headers) {
        None => "unknown".into(),
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let bits = u32::from(ipv6_prefix_len.min(128));
                let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                let net = std::net::Ipv6Addr::from(u128::from(v6) & mask);
                format!("{net}/{bits}")
            }
        },
    }
}

// ---------------------------------------------------------------- redirects

/// `target` as an absolute URL on the site's origin, or `None` when it would
/// leave it (other origins, `//host`, backslashes, control characters,
/// non-http schemes, relative paths).
pub fn same_origin_target(config: &Config, target: &str) -> Option<Url> {
    if target.is_empty()
        || target.contains('\\')
        || target.chars().any(|c| c.is_control() || c.is_whitespace())
    {
        return None;
    }
    let url = if target.starts_with('/') {
        if target.starts_with("//") {
            return None;
        }
        Url::parse(&format!("{}{}", config.site_origin, target)).ok()?
    } else {
        Url::parse(target).ok()?
    };
    (url.origin().ascii_serialization() == config.site_origin
        && url.username().is_empty()
        && url.password().is_none())
    .then_some(url)
}

/// Where a browser goes after a successful post: the form's `redirect` if it
/// stays on the site, else back to the page it came from (the `Referer`, if
/// on the site) with `?sent=1`, else the site's home.
pub fn success_location(config: &Config, form: &Form, referer: Option<&str>) -> String {
    if let Some(url) = form
        .redirect
        .as_deref()
        .and_then(|r| same_origin_target(config, r))
    {
        return url.to_string();
    }
    if let Some(mut url) = referer.and_then(|r| same_origin_target(config, r)) {
        url.set_query(Some("sent=1"));
        url.set_fragment(None);
        return url.to_string();
    }
    home(config)
}

fn home(config: &Config) -> String {
    format!("{}/", config.site_origin)
}

/// The page to go back to from an error page.
fn back_link(config: &Config, referer: Option<&str>) -> String {
    match referer.and_then(|r| same_origin_target(config, r)) {
        Some(mut url) => {
            url.set_query(None);
            url.set_fragment(None);
            url.to_string()
        }
        None => home(config),
    }
}

// ---------------------------------------------------------------- HTML

/// The answer to a browser whose post failed: a small page saying what to
/// fix, with a link back to the form. Same status and headers as the JSON.
fn error_page(
    error: &ApiError,
    config: &Config,
    form: &Form,
    referer: Option<&str>,
) -> Response<Vec<u8>> {
    let title = match error {
        ApiError::Validation(_) => "Please check the form",
        ApiError::RateLimited { .. } => "Too many submissions",
        ApiError::Store(_) | ApiError::Misconfigured(_) => "The form could not be sent",
        _ => "The form could not be sent",
    };
    let mut items = String::new();
    match error {
        ApiError::Validation(errors) => {
            for e in errors {
                let label = form
                    .field(&e.field)
                    .map_or(e.field.as_str(), |f| f.name.as_str());
                items.push_str(&format!(
                    "<li><strong>{}</strong>: {}</li>\n",
                    escape_html(label),
                    escape_html(&e.message)
                ));
            }
        }
        other => items.push_str(&format!(
            "<li>{}</li>\n",
            escape_html(&other.public_message())
        )),
    }
    let back = back_link(config, referer);
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<meta name=\"robots\" content=\"noindex\"><title>{title}</title></head>\n<body>\n<main>\n\
<h1>{title}</h1>\n<ul>\n{items}</ul>\n<p><a href=\"{back}\">Back to the form</a></p>\n</main>\n</body>\n</html>\n",
        title = escape_html(title),
        back = escape_html(&back),
    );
    let mut resp = Response::new(html.into_bytes());
    *resp.status_mut() = error.status();
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    error.add_headers(&mut resp);
    resp
}

// ---------------------------------------------------------------- CORS

fn preflight(config: &Config, origin: Option<&str>) -> Response<Vec<u8>> {
    match origin {
        Some(origin) if config.origin_allowed(origin) => {
            let mut resp = Response::new(Vec::new());
            *resp.status_mut() = StatusCode::NO_CONTENT;
            let h = resp.headers_mut();
            h.insert(
                ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(PREFLIGHT_METHODS),
            );
            h.insert(
                ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(PREFLIGHT_HEADERS),
            );
            h.insert(
                ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static(PREFLIGHT_MAX_AGE),
            );
            resp
        }
        _ => ApiError::Forbidden("origin not allowed".into()).to_response(),
    }
}

/// The content security policy of every answer: nothing loads, nothing
/// frames it (the HTML error page has no script, style or image).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` and
/// [`CONTENT_SECURITY_POLICY`], which every answer carries.
fn with_security_headers(mut resp: Response<Vec<u8>>) -> Response<Vec<u8>> {
    let h = resp.headers_mut();
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(
        CONTENT_SECURITY_POLICY_HEADER,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    resp
}

/// Headers every answer gets: `Vary: Origin`, `Cache-Control: no-store`,
/// the security headers, and the CORS grant for an allowed origin.
fn finish(resp: Response<Vec<u8>>, config: &Config, origin: Option<&str>) -> Response<Vec<u8>> {
    let mut resp = with_security_headers(resp);
    let h = resp.headers_mut();
    h.append(VARY, HeaderValue::from_static("Origin"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(origin) = origin
        && config.origin_allowed(origin)
        && let Ok(value) = HeaderValue::from_str(origin)
    {
        h.insert(ACCESS_CONTROL_ALLOW_ORIGIN, value);
        h.insert(
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        h.insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSE_HEADERS),
        );
    }
    resp
}

// ---------------------------------------------------------------- helpers

fn header_str(headers: &HeaderMap, name: impl http::header::AsHeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config::from_lookup(|name| match name {
            "jwt_secret" => Some("0123456789abcdef0123456789abcdef".into()),
            "site_url" => Some("https://site.example".into()),
            _ => None,
        })
        .unwrap()
    }

    #[test]
    fn routes() {
        assert_eq!(route(&Method::GET, "/api/health").unwrap(), Route::Health);
        assert_eq!(
            route(&Method::POST, "/api/forms/contact/").unwrap(),
            Route::Submit {
                form: "contact".into()
            }
        );
        assert_eq!(
            route(&Method::POST, "/api/forms/caf%C3%A9").unwrap(),
            Route::Submit {
                form: "café".into()
            }
        );
        assert!(matches!(
            route(&Method::POST, "/api/forms/%FF"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            route(&Method::POST, "/api/forms/%4"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            route(&Method::GET, "/api/forms/contact"),
            Err(ApiError::MethodNotAllowed {
                allow: "POST, OPTIONS"
            })
        ));
        assert!(matches!(
            route(&Method::POST, "/api/health"),
            Err(ApiError::MethodNotAllowed { .. })
        ));
        assert!(matches!(
            route(&Method::POST, "/api/forms/a/b"),
            Err(ApiError::NotFound(_))
        ));
        assert_eq!(
            route(&Method::POST, "/api/auth/login").unwrap(),
            Route::Login
        );
        assert_eq!(
            route(&Method::POST, "/api/auth/logout").unwrap(),
            Route::Logout
        );
        assert_eq!(route(&Method::GET, "/api/auth/me").unwrap(), Route::Me);
        assert_eq!(
            route(&Method::POST, "/api/users").unwrap(),
            Route::CreateUser
        );
        assert_eq!(route(&Method::GET, "/api/users").unwrap(), Route::ListUsers);
        assert_eq!(
            route(&Method::DELETE, "/api/users/mia").unwrap(),
            Route::DeleteUser { name: "mia".into() }
        );
        assert_eq!(
            route(&Method::PATCH, "/api/users/mia").unwrap(),
            Route::UpdateUser { name: "mia".into() }
        );
        assert_eq!(
            route(&Method::POST, "/api/auth/password").unwrap(),
            Route::ChangePassword
        );
        assert_eq!(route(&Method::GET, "/api/forms").unwrap(), Route::ListForms);
        assert_eq!(
            route(&Method::GET, "/api/forms/contact/submissions").unwrap(),
            Route::ListSubmissions {
                form: "contact".into()
            }
        );
        assert_eq!(
            route(&Method::DELETE, "/api/forms/contact/submissions/x-1").unwrap(),
            Route::DeleteSubmission {
                form: "contact".into(),
                id: "x-1".into()
            }
        );
        for (method, path, allow) in [
            (Method::GET, "/api/auth/login", "POST, OPTIONS"),
            (Method::POST, "/api/auth/me", "GET, OPTIONS"),
            (Method::PUT, "/api/users", "GET, POST, OPTIONS"),
            (Method::GET, "/api/users/mia", "PATCH, DELETE, OPTIONS"),
            (Method::GET, "/api/auth/password", "POST, OPTIONS"),
            (Method::POST, "/api/forms", "GET, OPTIONS"),
            (Method::DELETE, "/api/forms/c/submissions", "GET, OPTIONS"),
            (Method::GET, "/api/forms/c/submissions/x", "DELETE, OPTIONS"),
        ] {
            match route(&method, path) {
                Err(ApiError::MethodNotAllowed { allow: got }) => assert_eq!(got, allow, "{path}"),
                other => panic!("{method} {path}: {other:?}"),
            }
        }
        assert!(matches!(
            route(&Method::GET, "/api/forms/c/submissions/x/y"),
            Err(ApiError::NotFound(_))
        ));
        assert!(matches!(
            route(&Method::GET, "/"),
            Err(ApiError::NotFound(_))
        ));
    }

    #[test]
    fn redirect_targets_stay_on_the_site() {
        let c = config();
        let ok = |t: &str| same_origin_target(&c, t).map(|u| u.to_string());
        assert_eq!(
            ok("/thanks/").as_deref(),
            Some("https://site.example/thanks/")
        );
        assert_eq!(
            ok("https://site.example/a?b=1").as_deref(),
            Some("https://site.example/a?b=1")
        );
        for evil in [
            "//evil.example/",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example/",
            "https://site.example.evil.example/",
            "https://site.example@evil.example/",
            "https://user@site.example/",
            "http://site.example/",
            "javascript:alert(1)",
            "data:text/html,x",
            "/\t/evil.example",
            "/\n/evil.example",
            " //evil.example",
            "thanks",
            "",
        ] {
            assert_eq!(ok(evil), None, "{evil:?}");
        }
    }

    #[test]
    fn client_addresses() {
        let addr = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert(CLIENT_ADDR_HEADER, HeaderValue::from_str(v).unwrap());
            client_addr(&h)
        };
        assert_eq!(addr("203.0.113.7:51234"), "203.0.113.7");
        assert_eq!(addr("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(addr("2001:db8::1"), "2001:db8::1");
        assert_eq!(addr("rl:evil"), "unknown");
        assert_eq!(client_addr(&HeaderMap::new()), "unknown");
        let key = |v: &str, len: u8| {
            let mut h = HeaderMap::new();
            h.insert(CLIENT_ADDR_HEADER, HeaderValue::from_str(v).unwrap());
            client_key(&h, len)
        };
        assert_eq!(key("[2001:db8:1:2:3:4:5:6]:1", 64), "2001:db8:1:2::/64");
        assert_eq!(key("[2001:db8:1:2:3:4:5:6]:1", 48), "2001:db8:1::/48");
        assert_eq!(key("[2001:db8::1]:1", 128), "2001:db8::1/128");
        assert_eq!(key("[2001:db8::1]:1", 0), "::/0");
        assert_eq!(key("[::ffff:192.0.2.1]:1", 64), "192.0.2.1");
        assert_eq!(key("192.0.2.1:1", 64), "192.0.2.1");
        assert_eq!(key("nonsense", 64), "unknown");
    }
}
