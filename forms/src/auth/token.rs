//! Self-issued HS256 tokens and RS256/ES256 tokens of an external provider.

use std::collections::HashSet;
use std::fmt;

use ct_codecs::{Base64UrlSafeNoPadding, Decoder as _};
use jwt_simple::JWTError;
use jwt_simple::prelude::{
    Audiences, Duration, ECDSAP256PublicKeyLike, HS256Key, JWTClaims, MACLike, RSAPublicKeyLike,
    UnixTimeStamp, VerificationOptions,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::claims::{ClaimsInput, Provider, Role, VerifiedClaims};
use super::error::{
    AuthConfigError, DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEFAULT_LEEWAY_SECS, DEFAULT_TTL_SECS,
    MAX_LEEWAY_SECS, MAX_TOKEN_BYTES, MAX_TTL_SECS, MIN_SECRET_BYTES, TokenError,
};
use super::external::{ExternalAudience, ExternalProvider};
use super::jwks::JwkKey;

/// `now` must stay well inside what jwt-simple's 32.32 fixed-point timestamps
/// can add to without overflowing (year 2106).
const MAX_NOW: u64 = (u32::MAX as u64) - MAX_TTL_SECS - 2 * MAX_LEEWAY_SECS;

/// Issues and verifies tokens. Build once at startup; cheap to share.
#[derive(Clone)]
pub struct Authenticator {
    key: HS256Key,
    issuer: String,
    audience: Option<String>,
    ttl_secs: u64,
    leeway_secs: u64,
    external: Option<ExternalProvider>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("key", &"<redacted>")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("ttl_secs", &self.ttl_secs)
            .field("leeway_secs", &self.leeway_secs)
            .field("external", &self.external)
            .finish()
    }
}

/// Custom claims of a self-issued token.
#[derive(Serialize)]
struct LocalClaims {
    role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    ver: Option<String>,
}

/// The JOSE header members looked at before choosing a key.
#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

/// Attacker-controlled text for a log line: short and escaped.
fn loggable(s: &str) -> String {
    let short: String = s.chars().take(40).collect();
    format!("{short:?}")
}

fn is_b64url(segment: &str) -> bool {
    !segment.is_empty()
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn map_jwt_error(err: &jwt_simple::Error) -> TokenError {
    match err.downcast_ref::<JWTError>() {
        Some(JWTError::InvalidAuthenticationTag | JWTError::InvalidSignature) => {
            TokenError::BadSignature
        }
        Some(JWTError::TokenHasExpired) => TokenError::Expired,
        Some(JWTError::TokenNotValidYet) => TokenError::NotYetValid,
        Some(JWTError::ClockDrift) => TokenError::IssuedInFuture,
        Some(JWTError::RequiredIssuerMismatch | JWTError::RequiredIssuerMissing) => {
            TokenError::WrongIssuer
        }
        Some(JWTError::RequiredAudienceMismatch | JWTError::RequiredAudienceMissing) => {
            TokenError::WrongAudience
        }
        Some(JWTError::TokenTooLong) => TokenError::TooLong(MAX_TOKEN_BYTES + 1),
        Some(JWTError::CompactEncodingError) => TokenError::MalformedBase64("compact"),
        Some(JWTError::AlgorithmMismatch) => TokenError::UnsupportedAlgorithm("(mismatch)".into()),
        Some(JWTError::UnknownCriticalExtension) => TokenError::HeaderRefused("crit"),
        Some(JWTError::NotJWT) => TokenError::HeaderRefused("typ"),
        Some(JWTError::HeaderTooLarge) => TokenError::HeaderRefused("too large"),
        Some(_) => TokenError::HeaderRefused("other"),
        // serde_json or base64 errors from inside jwt-simple.
        None => TokenError::MalformedJson("claims"),
    }
}

impl Authenticator {
    /// An authenticator for self-issued tokens signed with `jwt_secret`
    /// (its raw bytes are the HMAC key), with the default ttl, issuer,
    /// audience and leeway, and no external provider.
    pub fn new(jwt_secret: Option<&[u8]>) -> Result<Self, AuthConfigError> {
        let secret = jwt_secret.ok_or(AuthConfigError::MissingSecret)?;
        if secret.is_empty() {
            return Err(AuthConfigError::MissingSecret);
        }
        if secret.len() < MIN_SECRET_BYTES {
            return Err(AuthConfigError::SecretTooShort { len: secret.len() });
        }
        Ok(Authenticator {
            key: HS256Key::from_bytes(secret),
            issuer: DEFAULT_ISSUER.to_owned(),
            audience: Some(DEFAULT_AUDIENCE.to_owned()),
            ttl_secs: DEFAULT_TTL_SECS,
            leeway_secs: DEFAULT_LEEWAY_SECS,
            external: None,
        })
    }

    /// Lifetime of issued tokens, 1 s to [`MAX_TTL_SECS`].
    pub fn with_ttl(mut self, ttl_secs: u64) -> Result<Self, AuthConfigError> {
        if ttl_secs == 0 || ttl_secs > MAX_TTL_SECS {
            return Err(AuthConfigError::InvalidTtl(ttl_secs));
        }
        self.ttl_secs = ttl_secs;
        Ok(self)
    }

    /// `iss` written into and required from self-issued tokens.
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Result<Self, AuthConfigError> {
        let issuer = issuer.into();
        if issuer.is_empty() {
            return Err(AuthConfigError::Empty("jwt_issuer"));
        }
        self.issuer = issuer;
        Ok(self)
    }

    /// `aud` written into and required from self-issued tokens. `None`
    /// neither writes nor checks `aud` (only for interoperating with tokens
    /// that have none; Letterbox's own default is [`DEFAULT_AUDIENCE`]).
    pub fn with_audience(mut self, audience: Option<String>) -> Result<Self, AuthConfigError> {
        if audience.as_deref() == Some("") {
            return Err(AuthConfigError::Empty("jwt_audience"));
        }
        self.audience = audience;
        Ok(self)
    }

    /// Clock leeway for `exp`, `nbf` and `iat`, at most [`MAX_LEEWAY_SECS`].
    pub fn with_leeway(mut self, leeway_secs: u64) -> Result<Self, AuthConfigError> {
        if leeway_secs > MAX_LEEWAY_SECS {
            return Err(AuthConfigError::LeewayTooLarge(leeway_secs));
        }
        self.leeway_secs = leeway_secs;
        Ok(self)
    }

    /// Also accept RS256/ES256 tokens of this provider.
    pub fn with_external(mut self, external: ExternalProvider) -> Self {
        self.external = Some(external);
        self
    }

    /// Lifetime of issued tokens (use it as the cookie's `Max-Age`).
    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// A fresh HS256 token for `input`, valid from `now` (seconds since the
    /// epoch) for the configured ttl. Claims: `sub`, `role`, `iat`, `nbf`,
    /// `exp`, `iss`, and `aud` unless configured away.
    pub fn issue_token(&self, input: &ClaimsInput, now: u64) -> Result<String, TokenError> {
        if input.sub.is_empty() {
            return Err(TokenError::MissingClaim("sub"));
        }
        if now > MAX_NOW {
            return Err(TokenError::Internal("clock out of range"));
        }
        let claims = JWTClaims {
            issued_at: Some(UnixTimeStamp::from_secs(now)),
            expires_at: Some(UnixTimeStamp::from_secs(now + self.ttl_secs)),
            invalid_before: Some(UnixTimeStamp::from_secs(now)),
            issuer: Some(self.issuer.clone()),
            subject: Some(input.sub.clone()),
            audiences: self.audience.clone().map(Audiences::AsString),
            jwt_id: None,
            nonce: None,
            custom: LocalClaims {
                role: input.role,
                ver: input.ver.clone(),
            },
        };
        self.key
            .authenticate(claims)
            .map_err(|_| TokenError::Internal("signing failed"))
    }

    /// Verify `token` at time `now` (seconds since the epoch).
    ///
    /// The header's `alg` picks the only key that may verify it: `HS256` the
    /// secret; `RS256`/`ES256` the JWKS key with the header's `kid`, if that
    /// key is of the matching type. Everything else, `none` included, is
    /// rejected; so is any token over [`MAX_TOKEN_BYTES`], before decoding.
    /// Then `exp`, `nbf`, `iat` (with the leeway), `iss` and `aud` are
    /// checked, and `sub` and `exp` must be present.
    pub fn verify_token(&self, token: &str, now: u64) -> Result<VerifiedClaims, TokenError> {
        let (provider, claims) = self.verify_jws(token, now)?;
        let sub = claims
            .subject
            .filter(|s| !s.is_empty())
            .ok_or(TokenError::MissingClaim("sub"))?;
        let iss = claims.issuer.ok_or(TokenError::WrongIssuer)?;
        let exp = claims
            .expires_at
            .ok_or(TokenError::MissingClaim("exp"))?
            .as_secs();
        let iat = claims.issued_at.map(|t| t.as_secs());
        // `jwt_ttl_seconds` also caps tokens issued under a longer one.
        if provider == Provider::Local
            && let Some(iat) = iat
            && now > iat.saturating_add(self.ttl_secs + self.leeway_secs)
        {
            return Err(TokenError::Expired);
        }
        let ver = match provider {
            Provider::Local => claims
                .custom
                .get("ver")
                .and_then(Value::as_str)
                .map(str::to_owned),
            Provider::External => None,
        };
        let role_claim = claims.custom.get("role");
        let role = match provider {
            Provider::Local => role_claim
                .and_then(Value::as_str)
                .and_then(Role::parse)
                .ok_or(TokenError::InvalidRole)?,
            Provider::External => {
                let admin_role = self.external.as_ref().and_then(|e| e.admin_role.as_deref());
                let is_admin = admin_role.is_some_and(|admin| match role_claim {
                    Some(Value::String(role)) => role == admin,
                    Some(Value::Array(roles)) => roles.iter().any(|r| r.as_str() == Some(admin)),
                    _ => false,
                });
                if is_admin { Role::Admin } else { Role::Member }
            }
        };
        Ok(VerifiedClaims {
            sub,
            role,
            iss,
            iat,
            exp,
            provider,
            ver,
        })
    }

    /// Signature, algorithm, time, issuer and audience checks; `exp` required.
    /// Claims Letterbox itself needs (`sub`, `role`) are checked by the caller.
    pub(crate) fn verify_jws(
        &self,
        token: &str,
        now: u64,
    ) -> Result<(Provider, JWTClaims<Map<String, Value>>), TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(TokenError::TooLong(token.len()));
        }
        if now > MAX_NOW {
            return Err(TokenError::Internal("clock out of range"));
        }
        let segments: Vec<&str> = token.split('.').collect();
        let [header_b64, claims_b64, signature_b64] = segments[..] else {
            return Err(TokenError::WrongSegmentCount(segments.len()));
        };
        if !is_b64url(header_b64) {
            return Err(TokenError::MalformedBase64("header"));
        }
        if !is_b64url(claims_b64) {
            return Err(TokenError::MalformedBase64("claims"));
        }
        let header_json = Base64UrlSafeNoPadding::decode_to_vec(header_b64, None)
            .map_err(|_| TokenError::MalformedBase64("header"))?;
        let header: Header = serde_json::from_slice(&header_json)
            .map_err(|_| TokenError::MalformedJson("header"))?;
        // The algorithm is checked before the signature segment, so that an
        // unsigned `alg: none` token is reported as what it is.
        let alg: &'static str = match header.alg.as_str() {
            "HS256" => "HS256",
            "RS256" => "RS256",
            "ES256" => "ES256",
            other => return Err(TokenError::UnsupportedAlgorithm(loggable(other))),
        };
        if !is_b64url(signature_b64) {
            return Err(TokenError::MalformedBase64("signature"));
        }
        Base64UrlSafeNoPadding::decode_to_vec(claims_b64, None)
            .map_err(|_| TokenError::MalformedBase64("claims"))?;
        Base64UrlSafeNoPadding::decode_to_vec(signature_b64, None)
            .map_err(|_| TokenError::MalformedBase64("signature"))?;

        let leeway = Duration::from_secs(self.leeway_secs);
        let mut options = VerificationOptions {
            artificial_time: Some(UnixTimeStamp::from_secs(now)),
            time_tolerance: Some(leeway),
            max_token_length: Some(MAX_TOKEN_BYTES),
            ..VerificationOptions::default()
        };
        let result = if alg == "HS256" {
            options.allowed_issuers = Some(HashSet::from([self.issuer.clone()]));
            options.allowed_audiences = self.audience.clone().map(|a| HashSet::from([a]));
            self.key
                .verify_token::<Map<String, Value>>(token, Some(options))
                .map(|c| (Provider::Local, c))
        } else {
            let external = self
                .external
                .as_ref()
                .ok_or(TokenError::NoExternalProvider(alg))?;
            let kid = header.kid.ok_or(TokenError::MissingKeyId)?;
            let key = external
                .jwks
                .find(&kid)
                .ok_or_else(|| TokenError::UnknownKeyId(loggable(&kid)))?;
            options.allowed_issuers = Some(HashSet::from([external.issuer.clone()]));
            options.allowed_audiences = match &external.audience {
                ExternalAudience::Aud(aud) => Some(HashSet::from([aud.clone()])),
                ExternalAudience::ClientId(_) => None,
            };
            match (alg, key) {
                ("RS256", JwkKey::Rs256(k)) => k.verify_token(token, Some(options)),
                ("ES256", JwkKey::Es256(k)) => k.verify_token(token, Some(options)),
                _ => {
                    return Err(TokenError::KeyAlgorithmMismatch {
                        kid: loggable(&kid),
                        alg,
                    });
                }
            }
            .map(|c| (Provider::External, c))
        };
        let (provider, claims) = result.map_err(|e| map_jwt_error(&e))?;
        if provider == Provider::External
            && let Some(ExternalAudience::ClientId(id)) =
                self.external.as_ref().map(|e| &e.audience)
            && claims.custom.get("client_id").and_then(Value::as_str) != Some(id.as_str())
        {
            return Err(TokenError::WrongAudience);
        }
        if claims.expires_at.is_none() {
            return Err(TokenError::MissingClaim("exp"));
        }
        Ok((provider, claims))
    }
}

#[cfg(test)]
#[path = "token_tests.rs"]
mod tests;
