//! The auth routes: login (under the failed-login counters), logout, `me`
//! and the password change. The token checks are `guard`'s.
//!
//! The [`Authenticator`] is built from the configuration for each request
//! that needs it; a missing or short `jwt_secret`, or an unusable `jwks`,
//! makes those requests answer 503 and logs why, while public form posts
//! never look at it.

use bytes::Bytes;
use http::header::{AUTHORIZATION, ORIGIN, SET_COOKIE};
use http::{HeaderValue, Request, Response, StatusCode};
use serde_json::json;

use super::context::Context;
use super::guard::{
    Credentials, cookie_origin_ok, cookie_secure, credential_version, credentials, hash,
    is_valid_username, now_secs, password_problem, require_authenticator, require_user,
};
use super::request::{client_key, cookie_header, header_str, read_form_data};
use super::response::log_store_error;
use crate::auth::{
    Authenticator, ClaimsInput, Provider, Role, TokenError, TokenSource, clear_cookie,
    session_cookie, token_from_request, verify_login,
};
use crate::error::{ApiError, json_response};
use crate::store::{Store, User};

/// Rate-limit "form" names of the failed-login counters (see
/// [`Store::rate_hit`]): one per client address…
pub(crate) const LOGIN_ADDR_BUCKET: &str = "login:addr";
/// …one per client address and user name (the name follows)…
pub(crate) const LOGIN_PAIR_BUCKET_PREFIX: &str = "login:pair:";
/// …and one per user name, across addresses (the name follows).
pub(crate) const LOGIN_USER_BUCKET_PREFIX: &str = "login:user:";
/// The "address" the per-user-name counter is kept under.
const ANY_ADDR: &str = "*";

/// Failed logins per address count up to this many times
/// `rate_limit_per_minute` (other user names behind one NAT keep working).
pub(crate) const LOGIN_ADDR_FACTOR: u64 = 3;
/// Once a user name has more failed logins in a window than
/// `rate_limit_per_minute`, every further failure for it is answered this
/// much later per failure over the limit…
pub(crate) const LOGIN_DELAY_STEP_MS: u64 = 250;
/// …up to this long.
pub(crate) const LOGIN_DELAY_MAX_MS: u64 = 2000;

/// How long the answer to a failed login waits, with `failures` for its
/// user name in the window (this one included) and the limit.
pub(crate) fn login_delay_ms(failures: u64, limit: u64) -> u64 {
    failures
        .saturating_sub(limit)
        .saturating_mul(LOGIN_DELAY_STEP_MS)
        .min(LOGIN_DELAY_MAX_MS)
}

/// The login counters of one attempt: failures per (address, user name),
/// per address, and per user name across addresses.
struct LoginCounters {
    addr: String,
    pair_bucket: Option<String>,
    user_bucket: Option<String>,
    window: u64,
    retry_after: u64,
    limit: u64,
}

impl LoginCounters {
    fn new<S>(req: &Request<Bytes>, ctx: &Context<'_, S>, username: &str) -> Option<Self> {
        let limit = u64::from(ctx.config.rate_limit_per_minute);
        if limit == 0 {
            return None;
        }
        let secs = now_secs(ctx);
        // Only well-formed names get counters of their own: nobody can have
        // another one, and the name becomes part of a store key.
        let valid = is_valid_username(username);
        Some(Self {
            addr: client_key(req.headers(), ctx.config.ipv6_prefix_len),
            pair_bucket: valid.then(|| format!("{LOGIN_PAIR_BUCKET_PREFIX}{username}")),
            user_bucket: valid.then(|| format!("{LOGIN_USER_BUCKET_PREFIX}{username}")),
            window: secs / 60,
            retry_after: 60 - secs % 60,
            limit,
        })
    }

    /// 429 when this address has used up its failures, for this user name
    /// or altogether. The name's own count (across addresses) never refuses:
    /// a right password from an address without failures always gets in.
    async fn check<S: Store>(&self, store: &S) -> Result<(), ApiError> {
        let by_addr = store
            .rate_count(&self.addr, LOGIN_ADDR_BUCKET, self.window)
            .await
            .inspect_err(log_store_error)?;
        let by_pair = match &self.pair_bucket {
            Some(bucket) => store
                .rate_count(&self.addr, bucket, self.window)
                .await
                .inspect_err(log_store_error)?,
            None => 0,
        };
        if by_pair >= self.limit || by_addr >= self.limit.saturating_mul(LOGIN_ADDR_FACTOR) {
            return Err(ApiError::RateLimited {
                retry_after: self.retry_after,
            });
        }
        Ok(())
    }

    /// Counts a failure; returns how long to hold the answer back.
    async fn failed<S: Store>(&self, store: &S) -> Result<u64, ApiError> {
        store
            .rate_hit(&self.addr, LOGIN_ADDR_BUCKET, self.window)
            .await
            .inspect_err(log_store_error)?;
        if let Some(bucket) = &self.pair_bucket {
            store
                .rate_hit(&self.addr, bucket, self.window)
                .await
                .inspect_err(log_store_error)?;
        }
        let by_user = match &self.user_bucket {
            Some(bucket) => store
                .rate_hit(ANY_ADDR, bucket, self.window)
                .await
                .inspect_err(log_store_error)?,
            None => 0,
        };
        Ok(login_delay_ms(by_user, self.limit))
    }
}

/// Checks `password` for `username` under the login counters: 429 for an
/// address out of failures, 401 (after the user name's slow-down) for a
/// wrong password. Returns the user's password hash and role.
async fn check_password<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
    username: &str,
    password: &str,
) -> Result<Credentials, ApiError> {
    let counters = LoginCounters::new(req, ctx, username);
    if let Some(counters) = &counters {
        counters.check(ctx.store).await?;
    }
    let found = credentials(ctx, username).await?;
    if !verify_login(found.as_ref().map(|c| c.password_hash.as_str()), password) {
        if let Some(counters) = &counters {
            let delay = counters.failed(ctx.store).await?;
            if delay > 0 {
                ctx.clock.sleep_millis(delay).await;
            }
        }
        return Err(ApiError::Unauthorized("wrong username or password".into()));
    }
    found.ok_or_else(|| ApiError::Unauthorized("wrong username or password".into()))
}

/// A `200` with a fresh token for `username` in the body and the cookie.
fn token_response<S>(
    ctx: &Context<'_, S>,
    auth: &Authenticator,
    username: &str,
    hash: &str,
    role: Role,
) -> Result<Response<Vec<u8>>, ApiError> {
    let secret = ctx.config.jwt_secret.as_deref().unwrap_or("").as_bytes();
    let input = ClaimsInput {
        sub: username.to_owned(),
        role,
        ver: Some(credential_version(secret, hash, role)),
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
    let cookie = session_cookie(&token, auth.ttl_secs(), cookie_secure(ctx.config));
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().insert(SET_COOKIE, value);
    }
    Ok(resp)
}

/// `POST /api/auth/login`: `{"username", "password"}` (JSON, urlencoded or
/// multipart) → `200 {"token", "token_type": "Bearer", "expires_in", "sub",
/// "role"}` and the session cookie. An unknown user and a wrong password get
/// the same 401, body and (about) time. Failed attempts are counted per
/// (address, user name), per address and per user name (see README,
/// Authentication).
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
    let found = check_password(req, ctx, username, password).await?;
    token_response(ctx, &auth, username, &found.password_hash, found.role)
}

/// `POST /api/auth/password`: `{"password", "new_password"}` → a new
/// password for the logged-in (local, stored) user, and a fresh token (as
/// login answers): every token issued before, on any device, stops
/// working. The current password is checked under the login counters.
pub(super) async fn change_password<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    let auth = require_authenticator(ctx.config)?;
    let claims = require_user(req, ctx).await?;
    if claims.provider != Provider::Local {
        return Err(ApiError::Forbidden(
            "users of the external identity provider change their password there".into(),
        ));
    }
    if ctx.config.admin_username.as_deref() == Some(claims.sub.as_str()) {
        return Err(ApiError::Conflict(
            "the first admin's password is the admin_password_hash variable; change it there"
                .into(),
        ));
    }
    let data = read_form_data(req).await?;
    let current = data.values("password").next().unwrap_or("");
    let new = data.values("new_password").next().unwrap_or("");
    if current.is_empty() {
        return Err(ApiError::Malformed(
            "send the current `password` and the `new_password`".into(),
        ));
    }
    if let Some(error) = password_problem("new_password", new) {
        return Err(ApiError::Validation(vec![error]));
    }
    let role = check_password(req, ctx, &claims.sub, current).await?.role;
    let password_hash = hash(new)?;
    let user = User {
        username: claims.sub.clone(),
        password_hash,
        role: role.as_str().to_owned(),
    };
    if !(ctx.store.update_user(&user).await).inspect_err(log_store_error)? {
        return Err(ApiError::InvalidToken(TokenError::Revoked));
    }
    eprintln!("letterbox: {} changed their password", user.username);
    token_response(ctx, &auth, &user.username, &user.password_hash, role)
}

/// `POST /api/auth/logout`: 204 and a `Set-Cookie` that drops the session
/// cookie. Like every cookie-carried write, it needs an allowed `Origin`
/// when the request carries the cookie (and a foreign `Origin` is refused
/// in any case), so another site cannot log a visitor out. Logout does not
/// revoke a copied token: changing the password does (see `password`).
pub(super) fn logout<S>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    let config = ctx.config;
    require_authenticator(config)?;
    let origin = header_str(req.headers(), ORIGIN);
    let cookies = cookie_header(req);
    let by_cookie = matches!(
        token_from_request(header_str(req.headers(), AUTHORIZATION), cookies.as_deref()),
        Some((_, TokenSource::Cookie))
    );
    if (origin.is_some() || by_cookie) && !cookie_origin_ok(config, origin) {
        return Err(ApiError::Forbidden("this origin may not log out".into()));
    }
    let mut resp = Response::new(Vec::new());
    *resp.status_mut() = StatusCode::NO_CONTENT;
    if let Ok(value) = HeaderValue::from_str(&clear_cookie(cookie_secure(config))) {
        resp.headers_mut().insert(SET_COOKIE, value);
    }
    Ok(resp)
}

/// `GET /api/auth/me`: the verified claims, `{"sub", "role", "iss", "iat",
/// "exp", "provider"}`.
pub(super) async fn me<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<Response<Vec<u8>>, ApiError> {
    let claims = require_user(req, ctx).await?;
    let body = serde_json::to_value(&claims)
        .map_err(|e| ApiError::Misconfigured(format!("claims: {e}")))?;
    Ok(json_response(StatusCode::OK, &body))
}
