//! Login, logout, `me`, and the token checks every protected route uses.
//!
//! The [`Authenticator`] is built from the [`Config`] for each request that
//! needs it ([`authenticator`]); a missing or short `jwt_secret`, or an
//! unusable `jwks`, makes those requests answer 503 and logs why, while
//! public form posts never look at it.
//!
//! A token is taken from `Authorization: Bearer` (always accepted) or from the
//! session cookie. A state-changing request (POST, PUT, PATCH, DELETE)
//! authenticated only by the cookie must carry an `Origin` that is allowed
//! (or is the site's own), else 403: that is the CSRF defence on top of
//! `SameSite=Strict`.

use bytes::Bytes;
use http::header::{AUTHORIZATION, COOKIE, ORIGIN, SET_COOKIE};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use serde_json::json;

use super::{Context, client_addr, header_str, log_store_error, read_form_data};
use crate::auth::{
    AuthConfigError, Authenticator, ClaimsInput, ExternalProvider, Role, TokenSource,
    VerifiedClaims, clear_cookie, session_cookie, token_from_request, verify_login,
};
use crate::config::Config;
use crate::error::{ApiError, json_response};
use crate::store::Store;

/// Longest user name, in bytes.
pub const MAX_USERNAME_BYTES: usize = 64;

/// Rate-limit "form" names of the login counters (see [`Store::rate_hit`]):
/// one counter per client address, one per user name (across addresses).
pub const LOGIN_ADDR_BUCKET: &str = "login:addr";
/// Prefix of the per-user-name login counter; the user name follows.
pub const LOGIN_USER_BUCKET_PREFIX: &str = "login:user:";
/// The "address" the per-user-name counter is kept under.
const ANY_ADDR: &str = "*";

/// The authenticator `config` describes: HS256 with `jwt_secret`
/// (`jwt_ttl_seconds`, `jwt_issuer`, `jwt_audience`), plus RS256/ES256 tokens
/// of an external identity provider when `jwks` is set, whose `iss` must be
/// `jwks_issuer` and whose `aud` must be `jwks_audience` — or, for AWS
/// Cognito access tokens, whose `client_id` must be `jwks_client_id` (one of
/// the two, and the issuer, are required with `jwks`).
pub fn authenticator(config: &Config) -> Result<Authenticator, AuthConfigError> {
    let auth = Authenticator::new(config.jwt_secret.as_deref().map(str::as_bytes))?
        .with_ttl(config.jwt_ttl_seconds)?
        .with_issuer(config.jwt_issuer.clone())?
        .with_audience(Some(config.jwt_audience.clone()))?;
    let Some(jwks) = &config.jwks else {
        return Ok(auth);
    };
    let issuer = config
        .jwks_issuer
        .clone()
        .ok_or(AuthConfigError::MissingVariable("jwks_issuer", "jwks"))?;
    let provider = match (&config.jwks_audience, &config.jwks_client_id) {
        (Some(audience), None) => ExternalProvider::new(jwks, issuer, audience.clone())?,
        (None, Some(client_id)) => {
            ExternalProvider::with_client_id(jwks, issuer, client_id.clone())?
        }
        (Some(_), Some(_)) => {
            return Err(AuthConfigError::Exclusive(
                "jwks_audience",
                "jwks_client_id",
            ));
        }
        (None, None) => {
            return Err(AuthConfigError::MissingVariable("jwks_audience", "jwks"));
        }
    };
    Ok(auth.with_external(provider))
}

/// [`authenticator`], or the 503 every auth-needing route answers (with a
/// log line saying why; the secret itself is never printed).
pub(super) fn require_authenticator(config: &Config) -> Result<Authenticator, ApiError> {
    authenticator(config).map_err(|e| {
        eprintln!("letterbox: login and admin routes are off: {e}");
        ApiError::Misconfigured(format!("auth: {e}"))
    })
}

/// Whether `name` can be a user name: 1 to 64 bytes of ASCII letters,
/// digits and `.`, `_`, `@`, `-`, starting with a letter or digit.
pub fn is_valid_username(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_USERNAME_BYTES
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'-'))
}

/// The role a stored user's `role` text gives: `admin`, else member.
pub fn stored_role(role: &str) -> Role {
    Role::parse(role).unwrap_or(Role::Member)
}

fn now_secs<S>(ctx: &Context<'_, S>) -> u64 {
    ctx.clock.now_millis() / 1000
}

fn is_state_changing(method: &Method) -> bool {
    matches!(
        *method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// Whether `origin` may act with the session cookie: an allowed origin or
/// the site's own.
fn cookie_origin_ok(config: &Config, origin: Option<&str>) -> bool {
    origin.is_some_and(|o| config.origin_allowed(o) || o == config.site_origin)
}

/// Whether the cookie may be `Secure`: always, except for a site on
/// localhost over plain HTTP during development.
pub fn cookie_secure(config: &Config) -> bool {
    !matches!(
        config.site_url.host_str(),
        Some("localhost" | "127.0.0.1" | "[::1]")
    )
}

/// Every `Cookie` header of the request, joined (HTTP/2 may split them).
fn cookie_header(req: &Request<Bytes>) -> Option<String> {
    let parts: Vec<&str> = req
        .headers()
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The verified user of `req`, `None` when it carries no token. A token
/// that does not verify is a 401 (`invalid_token`, the detail logged); a
/// cookie-only state-changing request without an allowed `Origin` is a 403.
pub(super) fn identify<S>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    auth: &Authenticator,
) -> Result<Option<VerifiedClaims>, ApiError> {
    let cookies = cookie_header(req);
    let Some((token, source)) =
        token_from_request(header_str(req.headers(), AUTHORIZATION), cookies.as_deref())
    else {
        return Ok(None);
    };
    if source == TokenSource::Cookie
        && is_state_changing(req.method())
        && !cookie_origin_ok(ctx.config, header_str(req.headers(), ORIGIN))
    {
        return Err(ApiError::Forbidden(
            "a request authenticated by the session cookie must come from an allowed origin".into(),
        ));
    }
    match auth.verify_token(&token, now_secs(ctx)) {
        Ok(claims) => Ok(Some(claims)),
        Err(e) => {
            let via = match source {
                TokenSource::Bearer => "bearer",
                TokenSource::Cookie => "cookie",
            };
            eprintln!("letterbox: {via} token rejected: {e}");
            Err(ApiError::InvalidToken(e))
        }
    }
}

/// The logged-in user, or 401 (503 when auth is not configured).
pub(super) fn require_user<S>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<VerifiedClaims, ApiError> {
    let auth = require_authenticator(ctx.config)?;
    identify(req, ctx, &auth)?
        .ok_or_else(|| ApiError::Unauthorized("log in first (no token was sent)".into()))
}

/// A logged-in admin, else 401 (no or bad token) or 403 (not an admin).
pub(super) fn require_admin<S>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<VerifiedClaims, ApiError> {
    let claims = require_user(req, ctx)?;
    if !claims.is_admin() {
        return Err(ApiError::Forbidden("only admins may do this".into()));
    }
    Ok(claims)
}

/// Counts a login attempt against the address and the user name; 429 when
/// either is over `rate_limit_per_minute` (0 turns this off too).
async fn login_rate_limit<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    username: &str,
) -> Result<(), ApiError> {
    let limit = u64::from(ctx.config.rate_limit_per_minute);
    if limit == 0 {
        return Ok(());
    }
    let secs = now_secs(ctx);
    let window = secs / 60;
    let addr = client_addr(req.headers());
    let by_addr = ctx
        .store
        .rate_hit(&addr, LOGIN_ADDR_BUCKET, window)
        .await
        .inspect_err(log_store_error)?;
    // Only well-formed names get a counter: nobody can have another one,
    // and the name becomes part of a store key.
    let by_user = if is_valid_username(username) {
        ctx.store
            .rate_hit(
                ANY_ADDR,
                &format!("{LOGIN_USER_BUCKET_PREFIX}{username}"),
                window,
            )
            .await
            .inspect_err(log_store_error)?
    } else {
        0
    };
    if by_addr > limit || by_user > limit {
        return Err(ApiError::RateLimited {
            retry_after: 60 - secs % 60,
        });
    }
    Ok(())
}

/// `POST /api/auth/login`: `{"username", "password"}` (JSON, urlencoded or
/// multipart) → `200 {"token", "token_type": "Bearer", "expires_in", "sub",
/// "role"}` and the session cookie. An unknown user and a wrong password get
/// the same 401, body and (about) time.
pub(super) async fn login<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    let config = ctx.config;
    let auth = require_authenticator(config)?;
    if let Some(origin) = header_str(req.headers(), ORIGIN)
        && !cookie_origin_ok(config, Some(origin))
    {
        return Err(ApiError::Forbidden("this origin may not log in".into()));
    }
    let data = read_form_data(req).await?;
    let username = data.values("username").next().unwrap_or("");
    let password = data.values("password").next().unwrap_or("");
    if username.is_empty() || password.is_empty() {
        return Err(ApiError::Malformed("send a username and a password".into()));
    }
    login_rate_limit(req, ctx, username).await?;

    let (stored, role) = match (&config.admin_username, &config.admin_password_hash) {
        (Some(admin), Some(hash)) if admin == username => (Some(hash.clone()), Role::Admin),
        _ if is_valid_username(username) => {
            match ctx
                .store
                .get_user(username)
                .await
                .inspect_err(log_store_error)?
            {
                Some(user) => (Some(user.password_hash), stored_role(&user.role)),
                None => (None, Role::Member),
            }
        }
        _ => (None, Role::Member),
    };
    if !verify_login(stored.as_deref(), password) {
        return Err(ApiError::Unauthorized("wrong username or password".into()));
    }

    let input = ClaimsInput {
        sub: username.to_owned(),
        role,
    };
    let token = auth.issue_token(&input, now_secs(ctx)).map_err(|e| {
        eprintln!("letterbox: could not issue a token: {e}");
        ApiError::Misconfigured(format!("token: {e}"))
    })?;
    let mut resp = json_response(
        StatusCode::OK,
        &json!({
            "token": token,
            "token_type": "Bearer",
            "expires_in": auth.ttl_secs(),
            "sub": input.sub,
            "role": role.as_str(),
        }),
    );
    let cookie = session_cookie(&token, auth.ttl_secs(), cookie_secure(config));
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(SET_COOKIE, value);
    }
    Ok(resp)
}

/// `POST /api/auth/logout`: 204 and a `Set-Cookie` that drops the session
/// cookie. Tokens are stateless: a bearer token stays valid until it expires.
pub(super) fn logout(config: &Config) -> Result<Response<Vec<u8>>, ApiError> {
    require_authenticator(config)?;
    let mut resp = Response::new(Vec::new());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    if let Ok(value) = HeaderValue::from_str(&clear_cookie(cookie_secure(config))) {
        resp.headers_mut().insert(SET_COOKIE, value);
    }
    Ok(resp)
}

/// `GET /api/auth/me`: the verified claims, `{"sub", "role", "iss", "iat",
/// "exp", "provider"}`.
pub(super) fn me<S>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    let claims = require_user(req, ctx)?;
    let body = serde_json::to_value(&claims)
        .map_err(|e| ApiError::Misconfigured(format!("claims: {e}")))?;
    Ok(json_response(StatusCode::OK, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        for ok in [
            "a",
            "ann",
            "Ann.Lee",
            "a_b-c@d.example",
            "0",
            &"x".repeat(64),
        ] {
            assert!(is_valid_username(ok), "{ok}");
        }
        for bad in [
            "",
            ".ann",
            "-ann",
            "ann lee",
            "ann:x",
            "ann/x",
            "ännchen",
            "a\u{0}",
            &"x".repeat(65),
        ] {
            assert!(!is_valid_username(bad), "{bad:?}");
        }
    }

    #[test]
    fn stored_roles() {
        assert_eq!(stored_role("admin"), Role::Admin);
        assert_eq!(stored_role("member"), Role::Member);
        assert_eq!(stored_role("user"), Role::Member);
        assert_eq!(stored_role("Admin"), Role::Member);
    }
}
