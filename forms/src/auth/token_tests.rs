#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;

use ct_codecs::Encoder as _;
use jwt_simple::prelude::{ECDSAP256KeyPairLike, ES256KeyPair, RS256KeyPair, RSAKeyPairLike};
use serde_json::json;

use super::*;

/// The table of tokens `verify_token` accepts or refuses, one row each.
#[path = "token_cases.rs"]
mod cases;

const SECRET: &[u8] = b"test-secret-0123456789-abcdefghijklmnop";
const NOW: u64 = 1_800_000_000;
const EXT_ISS: &str = "https://idp.example/";
const EXT_AUD: &str = "letterbox-external";

fn rsa() -> &'static RS256KeyPair {
    static KEY: OnceLock<RS256KeyPair> = OnceLock::new();
    KEY.get_or_init(|| RS256KeyPair::generate(2048).unwrap().with_key_id("rsa-1"))
}

fn ec() -> &'static ES256KeyPair {
    static KEY: OnceLock<ES256KeyPair> = OnceLock::new();
    KEY.get_or_init(|| ES256KeyPair::generate().with_key_id("ec-1"))
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlSafeNoPadding::encode_to_string(bytes).unwrap()
}

/// A JWKS with the test RSA key under `rsa_kid` and the EC key under `ec-1`.
fn jwks_json(rsa_kid: &str) -> String {
    let rsa = rsa().public_key().to_components();
    let point = ec().public_key().public_key().to_bytes_uncompressed();
    json!({"keys": [
        {"kty": "RSA", "kid": rsa_kid, "alg": "RS256", "use": "sig", "n": b64(&rsa.n), "e": b64(&rsa.e)},
        {"kty": "EC", "crv": "P-256", "kid": "ec-1", "x": b64(&point[1..33]), "y": b64(&point[33..65])},
    ]})
    .to_string()
}

fn authenticator() -> Authenticator {
    Authenticator::new(Some(SECRET))
        .unwrap()
        .with_external(ExternalProvider::new(&jwks_json("rsa-1"), EXT_ISS, EXT_AUD).unwrap())
}

fn ts(secs: u64) -> Option<UnixTimeStamp> {
    Some(UnixTimeStamp::from_secs(secs))
}

/// Valid claims for a self-issued token at `NOW`.
fn local_claims() -> JWTClaims<Map<String, Value>> {
    let mut custom = Map::new();
    custom.insert("role".into(), json!("member"));
    JWTClaims {
        issued_at: ts(NOW),
        expires_at: ts(NOW + 600),
        invalid_before: ts(NOW),
        issuer: Some(DEFAULT_ISSUER.into()),
        subject: Some("alice".into()),
        audiences: Some(Audiences::AsString(DEFAULT_AUDIENCE.into())),
        jwt_id: None,
        nonce: None,
        custom,
    }
}

/// Valid claims for an external token at `NOW` (no role claim).
fn ext_claims() -> JWTClaims<Map<String, Value>> {
    let mut c = local_claims();
    c.custom.clear();
    c.issuer = Some(EXT_ISS.into());
    c.audiences = Some(Audiences::AsString(EXT_AUD.into()));
    c.subject = Some("auth0|12345".into());
    c
}

fn hs(claims: JWTClaims<Map<String, Value>>) -> String {
    HS256Key::from_bytes(SECRET).authenticate(claims).unwrap()
}

fn local(edit: impl FnOnce(&mut JWTClaims<Map<String, Value>>)) -> String {
    let mut c = local_claims();
    edit(&mut c);
    hs(c)
}

fn rs(edit: impl FnOnce(&mut JWTClaims<Map<String, Value>>)) -> String {
    let mut c = ext_claims();
    edit(&mut c);
    rsa().sign(c).unwrap()
}

fn es(edit: impl FnOnce(&mut JWTClaims<Map<String, Value>>)) -> String {
    let mut c = ext_claims();
    edit(&mut c);
    ec().sign(c).unwrap()
}

/// `header` and `claims` JSON, base64url-encoded, with `signature` appended as is.
fn raw_token(header: &str, claims: &str, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64(header.as_bytes()),
        b64(claims.as_bytes())
    )
}

fn segments(token: &str) -> Vec<String> {
    token.split('.').map(str::to_owned).collect()
}

fn claims_json_of(token: &str) -> Value {
    let part = &segments(token)[1];
    serde_json::from_slice(&Base64UrlSafeNoPadding::decode_to_vec(part, None).unwrap()).unwrap()
}

#[test]
fn external_claims_are_mapped() {
    let auth = authenticator();
    let c = auth.verify_token(&rs(|_| {}), NOW).unwrap();
    assert_eq!(c.sub, "auth0|12345");
    assert_eq!(c.iss, EXT_ISS);
    assert_eq!(c.role, Role::Member);
    assert_eq!(c.exp, NOW + 600);
    assert_eq!(c.iat, Some(NOW));
    assert!(!c.is_admin());
}

/// Issue 12, item 5: an external `role: admin` is an admin only when the
/// site named that value as its admin role (`jwks_admin_role`).
#[test]
fn external_admins_only_by_the_configured_role() {
    let with_role = |role: Option<&str>| {
        Authenticator::new(Some(SECRET)).unwrap().with_external(
            ExternalProvider::new(&jwks_json("rsa-1"), EXT_ISS, EXT_AUD)
                .unwrap()
                .with_admin_role(role.map(str::to_owned)),
        )
    };
    let token = |role: Value| {
        rs(|c| {
            c.custom.insert("role".into(), role);
        })
    };
    let role_of = |auth: &Authenticator, t: &str| auth.verify_token(t, NOW).unwrap().role;
    for auth in [with_role(None), with_role(Some(""))] {
        assert_eq!(role_of(&auth, &token(json!("admin"))), Role::Member);
    }
    let auth = with_role(Some("letterbox-admin"));
    assert_eq!(role_of(&auth, &token(json!("admin"))), Role::Member);
    assert_eq!(
        role_of(&auth, &token(json!("letterbox-admin"))),
        Role::Admin
    );
    assert_eq!(
        role_of(&auth, &token(json!(["staff", "letterbox-admin"]))),
        Role::Admin
    );
    assert_eq!(role_of(&auth, &token(json!(["staff"]))), Role::Member);
    assert_eq!(role_of(&auth, &token(json!({"x": 1}))), Role::Member);
    // Local tokens keep their own role claim.
    let local_admin = local(|c| {
        c.custom.insert("role".into(), json!("admin"));
    });
    assert_eq!(role_of(&auth, &local_admin), Role::Admin);
}

/// Issue 12, item 6: `jwt_ttl_seconds` also caps tokens issued before it
/// was lowered (iat + ttl), whatever their own `exp` says.
#[test]
fn ttl_caps_tokens_already_issued() {
    let auth = Authenticator::new(Some(SECRET))
        .unwrap()
        .with_ttl(3600)
        .unwrap()
        .with_leeway(0)
        .unwrap();
    let week = local(|c| c.expires_at = ts(NOW + 7 * 24 * 3600));
    assert!(auth.verify_token(&week, NOW + 3600).is_ok());
    assert_eq!(
        auth.verify_token(&week, NOW + 3601),
        Err(TokenError::Expired)
    );
    // External tokens keep their provider's lifetime.
    let auth = authenticator();
    let ext = rs(|c| c.expires_at = ts(NOW + 7 * 24 * 3600));
    assert!(auth.verify_token(&ext, NOW + 24 * 3600).is_ok());
}

#[test]
fn cognito_access_tokens_are_matched_by_client_id() {
    const CLIENT: &str = "app-client-1";
    let provider = ExternalProvider::with_client_id(&jwks_json("rsa-1"), EXT_ISS, CLIENT).unwrap();
    let auth = Authenticator::new(Some(SECRET))
        .unwrap()
        .with_external(provider);
    // An access token: no `aud`, `client_id` and `token_use`.
    fn claims(
        client_id: Option<&'static str>,
        aud: Option<&'static str>,
    ) -> impl FnOnce(&mut JWTClaims<Map<String, Value>>) {
        move |c: &mut JWTClaims<Map<String, Value>>| {
            c.audiences = aud.map(|a| Audiences::AsString(a.into()));
            if let Some(id) = client_id {
                c.custom.insert("client_id".into(), json!(id));
            }
            c.custom.insert("token_use".into(), json!("access"));
        }
    }
    let ok = auth
        .verify_token(&rs(claims(Some(CLIENT), None)), NOW)
        .unwrap();
    assert_eq!(ok.provider, Provider::External);
    assert!(
        auth.verify_token(&es(claims(Some(CLIENT), None)), NOW)
            .is_ok()
    );
    for (client_id, aud) in [
        (Some("other-app"), None),
        (None, None),
        (None, Some(CLIENT)),
    ] {
        assert_eq!(
            auth.verify_token(&rs(claims(client_id, aud)), NOW)
                .unwrap_err(),
            TokenError::WrongAudience,
            "client_id {client_id:?}, aud {aud:?}"
        );
    }
    // Everything else is checked as before: the issuer, for one.
    let wrong_iss = rs(|c| {
        claims(Some(CLIENT), None)(c);
        c.issuer = Some("https://elsewhere.example/".into());
    });
    assert_eq!(
        auth.verify_token(&wrong_iss, NOW).unwrap_err(),
        TokenError::WrongIssuer
    );
    // A provider configured with an audience does not take client_id alone.
    assert_eq!(
        authenticator()
            .verify_token(&rs(claims(Some(CLIENT), None)), NOW)
            .unwrap_err(),
        TokenError::WrongAudience
    );
    assert!(ExternalProvider::with_client_id(&jwks_json("k"), EXT_ISS, "").is_err());
}

#[test]
fn external_tokens_need_a_provider_and_a_known_kid() {
    let no_ext = Authenticator::new(Some(SECRET)).unwrap();
    assert_eq!(
        no_ext.verify_token(&rs(|_| {}), NOW),
        Err(TokenError::NoExternalProvider("RS256"))
    );
    // The same RSA key listed under another kid: the token's kid is unknown.
    let other = Authenticator::new(Some(SECRET))
        .unwrap()
        .with_external(ExternalProvider::new(&jwks_json("rsa-2"), EXT_ISS, EXT_AUD).unwrap());
    assert_eq!(
        other.verify_token(&rs(|_| {}), NOW),
        Err(TokenError::UnknownKeyId("\"rsa-1\"".into()))
    );
    // A JWKS key that declares another alg is not used for RS256.
    let jwks = jwks_json("rsa-1").replace("\"RS256\"", "\"RS512\"");
    let ext = ExternalProvider::new(&jwks, EXT_ISS, EXT_AUD).unwrap();
    assert_eq!(ext.jwks().kids().collect::<Vec<_>>(), vec!["ec-1"]);
    let strict = Authenticator::new(Some(SECRET)).unwrap().with_external(ext);
    assert_eq!(
        strict.verify_token(&rs(|_| {}), NOW),
        Err(TokenError::UnknownKeyId("\"rsa-1\"".into()))
    );
}

#[test]
fn issue_then_verify_round_trip() {
    let auth = authenticator().with_ttl(900).unwrap();
    let input = ClaimsInput {
        sub: "admin".into(),
        role: Role::Admin,
        ver: Some("v1".into()),
    };
    let token = auth.issue_token(&input, NOW).unwrap();
    let claims = claims_json_of(&token);
    assert_eq!(
        claims,
        json!({"sub": "admin", "role": "admin", "ver": "v1", "iat": NOW, "nbf": NOW, "exp": NOW + 900,
               "iss": DEFAULT_ISSUER, "aud": DEFAULT_AUDIENCE})
    );
    let header: Value = serde_json::from_slice(
        &Base64UrlSafeNoPadding::decode_to_vec(&segments(&token)[0], None).unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "HS256");

    let v = auth.verify_token(&token, NOW + 899).unwrap();
    assert_eq!(
        v,
        VerifiedClaims {
            sub: "admin".into(),
            role: Role::Admin,
            iss: DEFAULT_ISSUER.into(),
            iat: Some(NOW),
            exp: NOW + 900,
            provider: Provider::Local,
            ver: Some("v1".into()),
        }
    );
    assert!(v.is_admin());
    // Leeway 30 s past exp still fine, 31 s not.
    assert!(auth.verify_token(&token, NOW + 930).is_ok());
    assert_eq!(
        auth.verify_token(&token, NOW + 931),
        Err(TokenError::Expired)
    );
    // Before nbf/iat beyond the leeway.
    assert!(auth.verify_token(&token, NOW - 31).is_err());
    // Another secret does not accept it.
    let other = Authenticator::new(Some(b"a-completely-different-secret-of-32b!"))
        .unwrap()
        .with_ttl(900)
        .unwrap();
    assert_eq!(
        other.verify_token(&token, NOW),
        Err(TokenError::BadSignature)
    );
    // Another issuer / audience configuration does not accept it.
    let iss = authenticator().with_issuer("elsewhere").unwrap();
    assert_eq!(iss.verify_token(&token, NOW), Err(TokenError::WrongIssuer));
    let aud = authenticator()
        .with_audience(Some("elsewhere".into()))
        .unwrap();
    assert_eq!(
        aud.verify_token(&token, NOW),
        Err(TokenError::WrongAudience)
    );
}

#[test]
fn zero_leeway_is_exact() {
    let auth = authenticator().with_leeway(0).unwrap();
    let token = local(|c| c.expires_at = ts(NOW));
    assert!(auth.verify_token(&token, NOW).is_ok());
    assert_eq!(auth.verify_token(&token, NOW + 1), Err(TokenError::Expired));
}

#[test]
fn issue_refuses_bad_input() {
    let auth = authenticator();
    let empty = ClaimsInput {
        sub: String::new(),
        role: Role::Member,
        ver: None,
    };
    assert_eq!(
        auth.issue_token(&empty, NOW),
        Err(TokenError::MissingClaim("sub"))
    );
    let ok = ClaimsInput {
        sub: "x".into(),
        role: Role::Member,
        ver: None,
    };
    assert_eq!(
        auth.issue_token(&ok, u64::MAX),
        Err(TokenError::Internal("clock out of range"))
    );
    assert!(auth.verify_token("a.b.c", u64::MAX).is_err());
}

#[test]
fn config_errors() {
    assert_eq!(
        Authenticator::new(None).unwrap_err(),
        AuthConfigError::MissingSecret
    );
    assert_eq!(
        Authenticator::new(Some(b"")).unwrap_err(),
        AuthConfigError::MissingSecret
    );
    assert_eq!(
        Authenticator::new(Some(&[7u8; 31])).unwrap_err(),
        AuthConfigError::SecretTooShort { len: 31 }
    );
    assert!(Authenticator::new(Some(&[7u8; 32])).is_ok());
    let a = || Authenticator::new(Some(SECRET)).unwrap();
    assert_eq!(a().with_ttl(0).unwrap_err(), AuthConfigError::InvalidTtl(0));
    assert!(a().with_ttl(MAX_TTL_SECS + 1).is_err());
    assert_eq!(
        a().with_leeway(61).unwrap_err(),
        AuthConfigError::LeewayTooLarge(61)
    );
    assert!(a().with_leeway(60).is_ok());
    assert!(a().with_issuer("").is_err());
    assert!(a().with_audience(Some(String::new())).is_err());
    assert!(matches!(
        ExternalProvider::new("{\"keys\":[]}", EXT_ISS, EXT_AUD),
        Err(AuthConfigError::Jwks(_))
    ));
    assert!(ExternalProvider::new(&jwks_json("k"), "", EXT_AUD).is_err());
    assert!(ExternalProvider::new(&jwks_json("k"), EXT_ISS, "").is_err());
    // The secret never shows up in Debug or in error messages.
    let dbg = format!("{:?}", a());
    assert!(!dbg.contains("test-secret"), "{dbg}");
    let msg = AuthConfigError::SecretTooShort { len: 3 }.to_string();
    assert!(msg.contains("32"));
}

/// RFC 7515 appendix A.1: HS256 example with its published 64-byte key.
const RFC7515_A1_JWS: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RFC7515_A1_K: &str =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
const RFC7515_A1_EXP: u64 = 1_300_819_380;

fn rfc_authenticator() -> Authenticator {
    let key = Base64UrlSafeNoPadding::decode_to_vec(RFC7515_A1_K, None).unwrap();
    assert_eq!(key.len(), 64);
    Authenticator::new(Some(&key))
        .unwrap()
        .with_issuer("joe")
        .unwrap()
        .with_audience(None)
        .unwrap()
        .with_leeway(0)
        .unwrap()
}

#[test]
fn rfc7515_a1_verifies_with_published_key() {
    let s = segments(RFC7515_A1_JWS);
    assert_eq!(
        Base64UrlSafeNoPadding::decode_to_vec(&s[0], None).unwrap(),
        b"{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}"
    );
    assert_eq!(
        Base64UrlSafeNoPadding::decode_to_vec(&s[1], None).unwrap(),
        b"{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"
    );

    let auth = rfc_authenticator();
    let (provider, claims) = auth
        .verify_jws(RFC7515_A1_JWS, RFC7515_A1_EXP - 100)
        .unwrap();
    assert_eq!(provider, Provider::Local);
    assert_eq!(claims.issuer.as_deref(), Some("joe"));
    assert_eq!(claims.expires_at.map(|t| t.as_secs()), Some(RFC7515_A1_EXP));
    assert_eq!(
        claims.custom.get("http://example.com/is_root"),
        Some(&json!(true))
    );

    // Not a Letterbox session token: no `sub`.
    assert_eq!(
        auth.verify_token(RFC7515_A1_JWS, RFC7515_A1_EXP - 100),
        Err(TokenError::MissingClaim("sub"))
    );
    // Expired one second after exp (leeway 0).
    assert_eq!(
        auth.verify_jws(RFC7515_A1_JWS, RFC7515_A1_EXP + 1).err(),
        Some(TokenError::Expired)
    );
    // Requires issuer "joe".
    let other_iss = rfc_authenticator().with_issuer("not-joe").unwrap();
    assert_eq!(
        other_iss
            .verify_jws(RFC7515_A1_JWS, RFC7515_A1_EXP - 100)
            .err(),
        Some(TokenError::WrongIssuer)
    );
    // One changed claims byte breaks the MAC.
    let tampered = RFC7515_A1_JWS.replacen("eyJpc3MiOiJqb2Ui", "eyJpc3MiOiJqb2Qi", 1);
    assert_eq!(
        auth.verify_jws(&tampered, RFC7515_A1_EXP - 100).err(),
        Some(TokenError::BadSignature)
    );
    // And another key does not verify it.
    assert_eq!(
        authenticator()
            .with_issuer("joe")
            .unwrap()
            .with_audience(None)
            .unwrap()
            .verify_jws(RFC7515_A1_JWS, RFC7515_A1_EXP - 100)
            .err(),
        Some(TokenError::BadSignature)
    );
}
