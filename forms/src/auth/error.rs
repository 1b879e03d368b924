//! Limits and defaults of tokens, and the two ways auth can fail: a
//! configuration that cannot be used ([`AuthConfigError`]) and a token that
//! is not accepted ([`TokenError`]). Every other auth file imports these;
//! this one imports none of them.

/// Shortest accepted `jwt_secret`, in bytes.
pub const MIN_SECRET_BYTES: usize = 32;
/// Tokens longer than this are rejected before any decoding.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// Largest configurable clock leeway.
pub const MAX_LEEWAY_SECS: u64 = 60;
/// Default clock leeway.
pub const DEFAULT_LEEWAY_SECS: u64 = 30;
/// Default lifetime of a self-issued token: one hour.
pub const DEFAULT_TTL_SECS: u64 = 3600;
/// Longest configurable token lifetime: one week.
pub const MAX_TTL_SECS: u64 = 7 * 24 * 3600;
/// Default `iss` of self-issued tokens.
pub const DEFAULT_ISSUER: &str = "letterbox";
/// Default `aud` of self-issued tokens.
pub const DEFAULT_AUDIENCE: &str = "letterbox-api";

/// The auth configuration cannot be used; the handler answers 503 and logs
/// this error's `Display` (which never includes secret material).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthConfigError {
    /// No `jwt_secret` was configured.
    #[error("jwt_secret is not set")]
    MissingSecret,
    /// `jwt_secret` is shorter than [`MIN_SECRET_BYTES`].
    #[error("jwt_secret is {len} bytes, at least {MIN_SECRET_BYTES} are required")]
    SecretTooShort {
        /// Length of the configured secret in bytes.
        len: usize,
    },
    /// Token lifetime of zero or above [`MAX_TTL_SECS`].
    #[error("jwt_ttl_seconds must be between 1 and {MAX_TTL_SECS}, got {0}")]
    InvalidTtl(u64),
    /// Clock leeway above [`MAX_LEEWAY_SECS`].
    #[error("clock leeway must be at most {MAX_LEEWAY_SECS} s, got {0}")]
    LeewayTooLarge(u64),
    /// Empty issuer or audience.
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// A variable that another one needs is not set (e.g. `jwks_issuer`
    /// when `jwks` is).
    #[error("{0} is not set, but {1} needs it")]
    MissingVariable(&'static str, &'static str),
    /// Two variables that exclude each other are both set.
    #[error("set either {0} or {1}, not both")]
    Exclusive(&'static str, &'static str),
    /// The `jwks` document is unusable.
    #[error("jwks: {0}")]
    Jwks(String),
}

/// A token was not accepted.
///
/// `Display` is the detailed reason, for logs only; clients get
/// [`TokenError::PUBLIC_MESSAGE`] whatever the variant, so a caller learns
/// nothing about which check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Longer than [`MAX_TOKEN_BYTES`]; nothing was decoded.
    #[error("token is {0} bytes, more than {MAX_TOKEN_BYTES}")]
    TooLong(usize),
    /// Not three dot-separated segments.
    #[error("token has {0} segments instead of 3")]
    WrongSegmentCount(usize),
    /// A segment is empty or not base64url.
    #[error("token {0} segment is not base64url")]
    MalformedBase64(&'static str),
    /// The header or the claims are not the JSON expected.
    #[error("token {0} is not valid JSON of the expected shape")]
    MalformedJson(&'static str),
    /// `alg` is `none` or anything not accepted (the value, truncated and escaped).
    #[error("token algorithm {0} is not accepted")]
    UnsupportedAlgorithm(String),
    /// RS256/ES256 token but no external provider is configured.
    #[error("{0} token but no external identity provider (jwks) is configured")]
    NoExternalProvider(&'static str),
    /// RS256/ES256 token without `kid`.
    #[error("external token has no kid")]
    MissingKeyId,
    /// No JWKS key has this `kid` (truncated and escaped).
    #[error("no JWKS key with kid {0}")]
    UnknownKeyId(String),
    /// The JWKS key with this `kid` is of another type or algorithm than `alg`.
    #[error("JWKS key {kid} does not fit algorithm {alg}")]
    KeyAlgorithmMismatch {
        /// The key id (truncated and escaped).
        kid: String,
        /// The token's algorithm.
        alg: &'static str,
    },
    /// Signature or MAC does not verify.
    #[error("bad signature")]
    BadSignature,
    /// `exp` (plus leeway) is in the past.
    #[error("token has expired")]
    Expired,
    /// `nbf` (minus leeway) is in the future.
    #[error("token is not valid yet (nbf)")]
    NotYetValid,
    /// `iat` (minus leeway) is in the future.
    #[error("token issued in the future (iat)")]
    IssuedInFuture,
    /// `iss` missing or not the expected issuer.
    #[error("wrong or missing issuer")]
    WrongIssuer,
    /// `aud` missing or not the expected audience.
    #[error("wrong or missing audience")]
    WrongAudience,
    /// A claim Letterbox needs is absent or empty.
    #[error("token has no {0} claim")]
    MissingClaim(&'static str),
    /// A self-issued token carries a role Letterbox does not issue.
    #[error("self-issued token has an unknown role")]
    InvalidRole,
    /// The token's header is acceptable JWT-wise but refused (e.g. `crit`, `typ`).
    #[error("token header refused: {0}")]
    HeaderRefused(&'static str),
    /// A self-issued token of a user who was deleted, changed password or
    /// role since (its `ver` is not the user's current one), or with no `ver`.
    #[error("token revoked: the user's credentials changed or the user is gone")]
    Revoked,
    /// Anything else (clock out of range, signing failure).
    #[error("internal token error: {0}")]
    Internal(&'static str),
}

impl TokenError {
    /// The only message a client ever sees, whatever went wrong.
    pub const PUBLIC_MESSAGE: &'static str = "Not logged in, or the session has expired.";

    /// Same as [`TokenError::PUBLIC_MESSAGE`].
    pub fn public_message(&self) -> &'static str {
        Self::PUBLIC_MESSAGE
    }
}
