//! Authentication core: JWTs, passwords and the session cookie.
//!
//! Pure library code, no routing. The request handler is expected to:
//!
//! 1. build one [`Authenticator`] at startup from the Spin variables
//!    (`jwt_secret`, `jwt_ttl_seconds`, `jwt_issuer`, `jwt_audience`, `jwks`);
//!    an [`AuthConfigError`] there means "refuse to serve auth" (503 plus a log
//!    line with the error's `Display`, which never contains the secret);
//! 2. on login, call [`verify_login`] with the stored PHC string (or `None` for
//!    an unknown user), then [`Authenticator::issue_token`] and
//!    [`session_cookie`];
//! 3. on every authenticated request, call [`token_from_request`] and
//!    [`Authenticator::verify_token`]. A [`TokenError`] becomes a 401 whose body
//!    carries only [`TokenError::PUBLIC_MESSAGE`]; its `Display` is the detailed
//!    reason for the log. Requests whose token came from the cookie
//!    ([`TokenSource::Cookie`]) must additionally pass the Origin check.
//!
//! Everything here builds for `wasm32-wasip2`: jwt-simple's `pure-rust`
//! backend (no `js-sys`), argon2 with `getrandom` for salts.

mod claims;
mod cookie;
mod error;
mod external;
mod jwks;
mod password;
mod token;

pub use claims::{ClaimsInput, Provider, Role, VerifiedClaims};
pub use cookie::{
    COOKIE_NAME, COOKIE_PATH, TokenSource, clear_cookie, session_cookie, token_from_request,
};
pub use error::{
    AuthConfigError, DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEFAULT_LEEWAY_SECS, DEFAULT_TTL_SECS,
    MAX_LEEWAY_SECS, MAX_TOKEN_BYTES, MAX_TTL_SECS, MIN_SECRET_BYTES, TokenError,
};
pub use external::ExternalProvider;
pub use jwks::{Jwks, MAX_JWKS_BYTES};
pub use password::{
    ARGON2_M_COST_KIB, ARGON2_P_COST, ARGON2_T_COST, PasswordError, hash_password,
    hash_password_from_reader, read_password_line, verify_login, verify_password,
};
pub use token::Authenticator;
