//! The checks routes start with: the authenticator the configuration
//! describes, who a request's token is for ([`require_user`],
//! [`require_admin`], [`require_user_manager`]), and the rules for user
//! names and new passwords.
//!
//! A token is taken from `Authorization: Bearer` (always accepted) or from the
//! session cookie. A state-changing request (POST, PUT, PATCH, DELETE)
//! authenticated only by the cookie must carry an `Origin` that is allowed
//! (or is the site's own), else 403: that is the CSRF defence on top of
//! `SameSite=Strict`.

use bytes::Bytes;
use http::header::{AUTHORIZATION, ORIGIN};
use http::{Method, Request};

use super::context::Context;
use super::request::{cookie_header, header_str};
use super::response::log_store_error;
use crate::auth::{
    AuthConfigError, Authenticator, ExternalProvider, Provider, Role, TokenError, TokenSource,
    VerifiedClaims, hash_password, token_from_request,
};
use crate::config::Config;
use crate::error::ApiError;
use crate::store::Store;
use crate::validate::FieldError;

/// Longest user name, in bytes.
pub(crate) const MAX_USERNAME_BYTES: usize = 64;

/// Shortest password a user may be given, in characters.
pub(crate) const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password a user may be given, in characters.
pub(crate) const MAX_PASSWORD_CHARS: usize = 1024;

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
pub(super) fn is_valid_username(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_USERNAME_BYTES
        && bytes[0].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'@' | b'-'))
}

pub(super) fn now_secs<S>(ctx: &Context<'_, S>) -> u64 {
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
pub(super) fn cookie_origin_ok(config: &Config, origin: Option<&str>) -> bool {
    origin.is_some_and(|o| config.origin_allowed(o) || o == config.site_origin)
}

/// Whether the cookie may be `Secure`: always, except for a site on
/// localhost over plain HTTP during development.
pub(super) fn cookie_secure(config: &Config) -> bool {
    !matches!(
        config.site_url.host_str(),
        Some("localhost" | "127.0.0.1" | "[::1]")
    )
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

/// What a user logs in with.
pub(super) struct Credentials {
    /// Argon2id PHC string.
    pub(super) password_hash: String,
    pub(super) role: Role,
}

/// The password hash and role `username` logs in with: the configured first
/// admin, or a stored user (`None` for neither, or a malformed name).
pub(super) async fn credentials<S: Store>(
    ctx: &Context<'_, S>,
    username: &str,
) -> Result<Option<Credentials>, ApiError> {
    let config = ctx.config;
    if let (Some(admin), Some(hash)) = (&config.admin_username, &config.admin_password_hash)
        && admin == username
    {
        return Ok(Some(Credentials {
            password_hash: hash.clone(),
            role: Role::Admin,
        }));
    }
    if !is_valid_username(username) {
        return Ok(None);
    }
    Ok(ctx
        .store
        .get_user(username)
        .await
        .inspect_err(log_store_error)?
        .map(|user| Credentials {
            role: user.role(),
            password_hash: user.password_hash,
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
        let current = credentials(ctx, &claims.sub).await?.is_some_and(|found| {
            found.role == claims.role
                && claims.ver.as_deref()
                    == Some(&*credential_version(
                        secret,
                        &found.password_hash,
                        found.role,
                    ))
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
}
