//! JWKS documents of an external identity provider (Auth0, Cognito, Keycloak).

use ct_codecs::{Base64UrlSafeNoPadding, Decoder as _};
use jwt_simple::prelude::{ES256PublicKey, RS256PublicKey};
use serde::Deserialize;
use serde_json::Value;

use super::error::AuthConfigError;

/// Largest JWKS document accepted, in bytes.
pub const MAX_JWKS_BYTES: usize = 64 * 1024;

/// A verification key taken from a JWKS, usable for exactly one algorithm.
#[derive(Clone)]
pub(crate) enum JwkKey {
    /// `kty: RSA`, `alg` absent or `RS256`.
    Rs256(Box<RS256PublicKey>),
    /// `kty: EC`, `crv: P-256`, `alg` absent or `ES256`.
    Es256(ES256PublicKey),
}

/// The signature keys of a JWKS document, by `kid`.
///
/// Keys this verifier cannot use are skipped: `use` other than `sig`, no
/// `kid`, other key types, curves or algorithms (RS512, EdDSA, ...). A key of
/// a supported kind with broken material (bad base64, wrong length, weak RSA
/// modulus, point not on the curve) makes the whole document an error, as does
/// a `kid` used twice or a document with no usable key.
#[derive(Clone)]
pub struct Jwks {
    keys: Vec<KeyEntry>,
    skipped: usize,
}

impl std::fmt::Debug for Jwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwks")
            .field("kids", &self.kids().collect::<Vec<_>>())
            .field("skipped", &self.skipped)
            .finish()
    }
}

/// One usable key and its `kid`.
#[derive(Clone)]
struct KeyEntry {
    kid: String,
    key: JwkKey,
}

#[derive(Deserialize)]
struct Document {
    keys: Vec<Value>,
}

#[derive(Deserialize)]
struct RawJwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    key_use: Option<String>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

fn jwks_error(reason: impl Into<String>) -> AuthConfigError {
    AuthConfigError::Jwks(reason.into())
}

fn b64(kid: &str, member: &str, value: Option<&String>) -> Result<Vec<u8>, AuthConfigError> {
    let value =
        value.ok_or_else(|| jwks_error(format!("key {kid:?}: member {member:?} is missing")))?;
    if value.is_empty() || value.len() > 2048 {
        return Err(jwks_error(format!(
            "key {kid:?}: member {member:?} has a bad length"
        )));
    }
    Base64UrlSafeNoPadding::decode_to_vec(value, None)
        .map_err(|_| jwks_error(format!("key {kid:?}: member {member:?} is not base64url")))
}

impl Jwks {
    /// Parse a JWKS JSON document (`{"keys": [...]}`).
    pub fn parse(json: &str) -> Result<Self, AuthConfigError> {
        if json.len() > MAX_JWKS_BYTES {
            return Err(jwks_error(format!(
                "document is {} bytes, more than {MAX_JWKS_BYTES}",
                json.len()
            )));
        }
        let doc: Document = serde_json::from_slice(json.as_bytes())
            .map_err(|e| jwks_error(format!("not a JWKS document: {e}")))?;
        let mut keys: Vec<KeyEntry> = Vec::new();
        let mut skipped = 0;
        for (i, value) in doc.keys.into_iter().enumerate() {
            let raw: RawJwk =
                serde_json::from_value(value).map_err(|e| jwks_error(format!("key #{i}: {e}")))?;
            if raw.key_use.as_deref().is_some_and(|u| u != "sig") {
                skipped += 1;
                continue;
            }
            let Some(kid) = raw.kid.clone() else {
                skipped += 1;
                continue;
            };
            let key = match (raw.kty.as_str(), raw.alg.as_deref()) {
                ("RSA", None | Some("RS256")) => {
                    let n = b64(&kid, "n", raw.n.as_ref())?;
                    let e = b64(&kid, "e", raw.e.as_ref())?;
                    let key = RS256PublicKey::from_components(&n, &e)
                        .map_err(|e| jwks_error(format!("key {kid:?}: unusable RSA key: {e}")))?;
                    JwkKey::Rs256(Box::new(key))
                }
                ("EC", None | Some("ES256")) if raw.crv.as_deref() == Some("P-256") => {
                    let x = b64(&kid, "x", raw.x.as_ref())?;
                    let y = b64(&kid, "y", raw.y.as_ref())?;
                    if x.len() != 32 || y.len() != 32 {
                        return Err(jwks_error(format!(
                            "key {kid:?}: P-256 coordinates must be 32 bytes each"
                        )));
                    }
                    let mut point = Vec::with_capacity(65);
                    point.push(0x04);
                    point.extend_from_slice(&x);
                    point.extend_from_slice(&y);
                    let key = ES256PublicKey::from_bytes(&point)
                        .map_err(|e| jwks_error(format!("key {kid:?}: unusable P-256 key: {e}")))?;
                    JwkKey::Es256(key)
                }
                _ => {
                    skipped += 1;
                    continue;
                }
            };
            if keys.iter().any(|entry| entry.kid == kid) {
                return Err(jwks_error(format!("kid {kid:?} appears twice")));
            }
            keys.push(KeyEntry { kid, key });
        }
        if keys.is_empty() {
            return Err(jwks_error(format!(
                "no usable RS256/ES256 signature key ({skipped} skipped)"
            )));
        }
        Ok(Jwks { keys, skipped })
    }

    /// The key whose `kid` is exactly `kid`.
    pub(crate) fn find(&self, kid: &str) -> Option<&JwkKey> {
        self.keys
            .iter()
            .find(|entry| entry.kid == kid)
            .map(|entry| &entry.key)
    }

    /// The `kid`s of the usable keys, in document order.
    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|entry| entry.kid.as_str())
    }

    /// How many keys of the document were skipped as not usable here.
    pub fn skipped(&self) -> usize {
        self.skipped
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use ct_codecs::Encoder as _;
    use jwt_simple::prelude::{ECDSAP256PublicKeyLike, ES256KeyPair};

    fn enc(b: &[u8]) -> String {
        Base64UrlSafeNoPadding::encode_to_string(b).unwrap()
    }

    fn ec_jwk(kid: &str) -> String {
        let kp = ES256KeyPair::generate();
        let point = kp.public_key().public_key().to_bytes_uncompressed();
        format!(
            r#"{{"kty":"EC","crv":"P-256","kid":"{kid}","alg":"ES256","use":"sig","x":"{}","y":"{}"}}"#,
            enc(&point[1..33]),
            enc(&point[33..65])
        )
    }

    #[test]
    fn skips_unusable_and_keeps_usable() {
        let doc = format!(
            r#"{{"keys":[{},
              {{"kty":"OKP","crv":"Ed25519","kid":"ed","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}},
              {{"kty":"RSA","kid":"enc","use":"enc","n":"AQAB","e":"AQAB"}},
              {{"kty":"RSA","kid":"rs512","alg":"RS512","n":"AQAB","e":"AQAB"}},
              {{"kty":"EC","crv":"P-384","kid":"p384","x":"AA","y":"AA"}},
              {{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}}]}}"#,
            ec_jwk("good")
        );
        let jwks = Jwks::parse(&doc).unwrap();
        assert_eq!(jwks.kids().collect::<Vec<_>>(), vec!["good"]);
        assert_eq!(jwks.skipped(), 5);
        assert!(jwks.find("good").is_some());
        assert!(jwks.find("ed").is_none());
        assert!(jwks.find("goo").is_none());
    }

    #[test]
    fn rejects_broken_documents() {
        let cases = [
            "",
            "not json",
            "{}",
            r#"{"keys":{}}"#,
            r#"{"keys":[]}"#,
            r#"{"keys":[{"kid":"no-kty"}]}"#,
            r#"{"keys":[{"kty":"RSA","kid":"weak","n":"AQAB","e":"AQAB"}]}"#,
            r#"{"keys":[{"kty":"RSA","kid":"nob64","n":"!!!","e":"AQAB"}]}"#,
            r#"{"keys":[{"kty":"RSA","kid":"missing-e","n":"AQAB"}]}"#,
            r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"short","x":"AAAA","y":"AAAA"}]}"#,
            // 32 zero bytes each: not a point on the curve.
            r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"off","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}"#,
        ];
        for doc in cases {
            assert!(
                matches!(Jwks::parse(doc), Err(AuthConfigError::Jwks(_))),
                "accepted: {doc}"
            );
        }
        let dup = format!(r#"{{"keys":[{},{}]}}"#, ec_jwk("same"), ec_jwk("same"));
        assert!(matches!(Jwks::parse(&dup), Err(AuthConfigError::Jwks(m)) if m.contains("twice")));
        let huge = format!(r#"{{"keys":[],"pad":"{}"}}"#, "a".repeat(MAX_JWKS_BYTES));
        assert!(Jwks::parse(&huge).is_err());
    }
}
