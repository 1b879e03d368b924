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

use super::{Context, client_key, header_str, log_store_error, read_form_data};
use crate::auth::{
    AuthConfigError, Authenticator, ClaimsInput, ExternalProvider, Provider, Role, TokenError,
    TokenSource, VerifiedClaims, clear_cookie, hash_password, session_cookie, token_from_request,
    verify_login,
};
use crate::config::Config;
use crate::error::{ApiError, json_response};
use crate::store::{Store, User};
use crate::validate::FieldError;

/// Longest user name, in bytes.
pub const MAX_USERNAME_BYTES: usize = 64;

/// Rate-limit "form" names of the failed-login counters (see
/// [`Store::rate_hit`]): one per client address…
pub const LOGIN_ADDR_BUCKET: &str = "login:addr";
/// …one per client address and user name (the name follows)…
pub const LOGIN_PAIR_BUCKET_PREFIX: &str = "login:pair:";
/// …and one per user name, across addresses (the name follows).
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
    Ok(auth.with_external(provider.with_admin_role(config.jwks_admin_role.clone())))
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

/// The credential version of a self-issued token (its `ver` claim): a
/// keyed hash (with `jwt_secret`) of the user's password hash and role, so
/// that a new password (a new salt too), a role change, or deleting and
/// recreating the user gives a new one and ends every token issued before,
/// with no version counter in the store.
pub fn credential_version(jwt_secret: &[u8], password_hash: &str, role: Role) -> String {
    let mut input = Vec::with_capacity(password_hash.len() + 16);
    input.extend_from_slice(b"letterbox-ver\0");
    input.extend_from_slice(password_hash.as_bytes());
    input.push(0);
    input.extend_from_slice(role.as_str().as_bytes());
    let mac = hmac_sha256::HMAC::mac(&input, jwt_secret);
    mac[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// The password hash and role `username` logs in with: the configured first
/// admin, or a stored user (`None` for neither, or a malformed name).
async fn credentials<S: Store>(
    ctx: &Context<'_, S>,
    username: &str,
) -> Result<Option<(String, Role)>, ApiError> {
    let config = ctx.config;
    if let (Some(admin), Some(hash)) = (&config.admin_username, &config.admin_password_hash)
        && admin == username
    {
        return Ok(Some((hash.clone(), Role::Admin)));
    }
    if !is_valid_username(username) {
        return Ok(None);
    }
    Ok(ctx
        .store
        .get_user(username)
        .await
        .inspect_err(log_store_error)?
        .map(|user| {
            let role = stored_role(&user.role);
            (user.password_hash, role)
        }))
}

/// The logged-in user, or 401 (503 when auth is not configured). A
/// self-issued token must still be current: its user exists with the
/// credential version and role it was issued for (one store read; the
/// configured first admin needs none), else 401 `invalid_token`.
pub(super) async fn require_user<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<VerifiedClaims, ApiError> {
    let auth = require_authenticator(ctx.config)?;
    let claims = identify(req, ctx, &auth)?
        .ok_or_else(|| ApiError::Unauthorized("log in first (no token was sent)".into()))?;
    if claims.provider == Provider::Local {
        let secret = ctx.config.jwt_secret.as_deref().unwrap_or("").as_bytes();
        let current = credentials(ctx, &claims.sub)
            .await?
            .is_some_and(|(hash, role)| {
                role == claims.role
                    && claims.ver.as_deref() == Some(&*credential_version(secret, &hash, role))
            });
        if !current {
            eprintln!(
                "letterbox: bearer or cookie token rejected: {}",
                TokenError::Revoked
            );
            return Err(ApiError::InvalidToken(TokenError::Revoked));
        }
    }
    Ok(claims)
}

/// A logged-in admin, else 401 (no or bad token) or 403 (not an admin).
pub(super) async fn require_admin<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<VerifiedClaims, ApiError> {
    let claims = require_user(req, ctx).await?;
    if !claims.is_admin() {
        return Err(ApiError::Forbidden("only admins may do this".into()));
    }
    Ok(claims)
}

/// An admin who may manage local users: a local admin, or an external one
/// when `jwks_admins_manage_users` is on (else 403: an identity provider's
/// admins see and delete submissions, but cannot mint local accounts).
pub(super) async fn require_user_manager<S: Store>(
    req: &Request<Bytes>,
    ctx: &Context<'_, S>,
) -> Result<VerifiedClaims, ApiError> {
    let claims = require_admin(req, ctx).await?;
    if claims.provider == Provider::External && !ctx.config.jwks_admins_manage_users {
        return Err(ApiError::Forbidden(
            "admins of the external identity provider may not manage users here".into(),
        ));
    }
    Ok(claims)
}

/// Failed logins per address count up to this many times
/// `rate_limit_per_minute` (other user names behind one NAT keep working).
pub const LOGIN_ADDR_FACTOR: u64 = 3;
/// Once a user name has more failed logins in a window than
/// `rate_limit_per_minute`, every further failure for it is answered this
/// much later per failure over the limit…
pub const LOGIN_DELAY_STEP_MS: u64 = 250;
/// …up to this long.
pub const LOGIN_DELAY_MAX_MS: u64 = 2000;

/// How long the answer to a failed login waits, with `failures` for its
/// user name in the window (this one included) and the limit.
pub fn login_delay_ms(failures: u64, limit: u64) -> u64 {
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
) -> Result<(String, Role), ApiError> {
    let counters = LoginCounters::new(req, ctx, username);
    if let Some(counters) = &counters {
        counters.check(ctx.store).await?;
    }
    let found = credentials(ctx, username).await?;
    if !verify_login(found.as_ref().map(|(hash, _)| hash.as_str()), password) {
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
    let (hash, role) = check_password(req, ctx, username, password).await?;
    token_response(ctx, &auth, username, &hash, role)
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
    let (_, role) = check_password(req, ctx, &claims.sub, current).await?;
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

/// Shortest password a user may be given, in characters.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password a user may be given, in characters.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// What is wrong with a new password (`field` names it), if anything.
pub(super) fn password_problem(field: &str, password: &str) -> Option<FieldError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Some(FieldError::new(
            field,
            "minlength",
            format!("Use at least {MIN_PASSWORD_CHARS} characters."),
        ))
    } else if chars > MAX_PASSWORD_CHARS {
        Some(FieldError::new(
            field,
            "maxlength",
            format!("Use at most {MAX_PASSWORD_CHARS} characters."),
        ))
    } else {
        None
    }
}

/// The argon2id hash of a new password (503 if hashing fails).
pub(super) fn hash(password: &str) -> Result<String, ApiError> {
    hash_password(password).map_err(|e| {
        eprintln!("letterbox: hashing a password failed: {e}");
        ApiError::Misconfigured(format!("password hashing: {e}"))
    })
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
