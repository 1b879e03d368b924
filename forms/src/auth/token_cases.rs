//! Every kind of token `verify_token` meets, local and external, valid
//! and broken, in one table: what it is, the token, and the verdict; and
//! every refusal tells the client the same.

#![allow(clippy::unwrap_used)]

use super::*;

type Want = Result<(Role, Provider), TokenError>;

/// Every case: its name, the token, what `verify_token` answers.
// Long: one row per case, read as a table.
fn table() -> Vec<(&'static str, String, Want)> {
    let ok_local = Ok((Role::Member, Provider::Local));
    let ok_ext = Ok((Role::Member, Provider::External));
    let valid = local(|_| {});
    let sig = segments(&valid)[2].clone();
    let valid_claims = claims_json_of(&valid).to_string();

    // Over 8 KiB, otherwise valid and correctly signed.
    let long = local(|c| c.subject = Some("a".repeat(7000)));
    assert!(long.len() > MAX_TOKEN_BYTES);
    // Large but under the limit: accepted.
    let big = local(|c| c.subject = Some("b".repeat(5000)));
    assert!(big.len() < MAX_TOKEN_BYTES && big.len() > 6000);

    // Algorithm confusion: HS256 with the RSA public key as the HMAC secret
    // (PEM text, DER bytes, modulus bytes), with the RSA key's kid.
    let pem = rsa().public_key().to_pem().unwrap();
    let der = rsa().public_key().to_der().unwrap();
    let n = rsa().public_key().to_components().n;
    let confused = |secret: &[u8]| {
        HS256Key::from_bytes(secret)
            .with_key_id("rsa-1")
            .authenticate(ext_claims())
            .unwrap()
    };
    let confused_local = HS256Key::from_bytes(pem.as_bytes())
        .authenticate(local_claims())
        .unwrap();

    // Claims rewritten to admin, signature kept.
    let mut escalated = local_claims().custom;
    escalated.insert("role".into(), json!("admin"));
    let tampered = {
        let mut v = claims_json_of(&valid);
        v["role"] = json!("admin");
        let s = segments(&valid);
        format!("{}.{}.{}", s[0], b64(v.to_string().as_bytes()), s[2])
    };

    let ec_same_kid_other_key = ES256KeyPair::generate()
        .with_key_id("ec-1")
        .sign(ext_claims())
        .unwrap();
    let es_with_rsa_kid = ES256KeyPair::generate()
        .with_key_id("rsa-1")
        .sign(ext_claims())
        .unwrap();
    let es_unknown_kid = ES256KeyPair::generate()
        .with_key_id("nope")
        .sign(ext_claims())
        .unwrap();
    let es_no_kid = ES256KeyPair::generate().sign(ext_claims()).unwrap();

    let mut rows: Vec<(&'static str, String, Want)> = vec![
        ("valid HS256", valid.clone(), ok_local.clone()),
        ("valid HS256, large", big, ok_local.clone()),
        (
            "valid HS256 admin",
            local(|c| c.custom = escalated.clone()),
            Ok((Role::Admin, Provider::Local)),
        ),
        (
            "valid HS256, aud array containing ours",
            local(|c| {
                c.audiences = Some(Audiences::AsSet(HashSet::from([
                    "other".to_owned(),
                    DEFAULT_AUDIENCE.to_owned(),
                ])))
            }),
            ok_local.clone(),
        ),
        (
            "expired within leeway",
            local(|c| c.expires_at = ts(NOW - 20)),
            ok_local.clone(),
        ),
        (
            "expired",
            local(|c| c.expires_at = ts(NOW - DEFAULT_LEEWAY_SECS - 1)),
            Err(TokenError::Expired),
        ),
        (
            "nbf in the future",
            local(|c| c.invalid_before = ts(NOW + 120)),
            Err(TokenError::NotYetValid),
        ),
        (
            "iat in the future",
            local(|c| c.issued_at = ts(NOW + 120)),
            Err(TokenError::IssuedInFuture),
        ),
        (
            "wrong iss",
            local(|c| c.issuer = Some("someone-else".into())),
            Err(TokenError::WrongIssuer),
        ),
        (
            "missing iss",
            local(|c| c.issuer = None),
            Err(TokenError::WrongIssuer),
        ),
        (
            "wrong aud",
            local(|c| c.audiences = Some(Audiences::AsString("other-api".into()))),
            Err(TokenError::WrongAudience),
        ),
        (
            "missing aud",
            local(|c| c.audiences = None),
            Err(TokenError::WrongAudience),
        ),
        (
            "missing exp",
            local(|c| c.expires_at = None),
            Err(TokenError::MissingClaim("exp")),
        ),
        (
            "missing sub",
            local(|c| c.subject = None),
            Err(TokenError::MissingClaim("sub")),
        ),
        (
            "empty sub",
            local(|c| c.subject = Some(String::new())),
            Err(TokenError::MissingClaim("sub")),
        ),
        (
            "local token with unknown role",
            local(|c| {
                c.custom.insert("role".into(), json!("root"));
            }),
            Err(TokenError::InvalidRole),
        ),
        (
            "local token without role",
            local(|c| c.custom.clear()),
            Err(TokenError::InvalidRole),
        ),
        (
            "bad signature (other secret)",
            HS256Key::from_bytes(b"another-secret-0123456789-abcdefghijkl")
                .authenticate(local_claims())
                .unwrap(),
            Err(TokenError::BadSignature),
        ),
        (
            "bad signature (claims tampered)",
            tampered,
            Err(TokenError::BadSignature),
        ),
        (
            "alg none, empty signature",
            raw_token(r#"{"alg":"none","typ":"JWT"}"#, &valid_claims, ""),
            Err(TokenError::UnsupportedAlgorithm("\"none\"".into())),
        ),
        (
            "alg none, with a signature",
            raw_token(r#"{"alg":"none"}"#, &valid_claims, &sig),
            Err(TokenError::UnsupportedAlgorithm("\"none\"".into())),
        ),
        (
            "alg None (case)",
            raw_token(r#"{"alg":"None"}"#, &valid_claims, ""),
            Err(TokenError::UnsupportedAlgorithm("\"None\"".into())),
        ),
        (
            "alg hs256 lowercase",
            raw_token(r#"{"alg":"hs256"}"#, &valid_claims, &sig),
            Err(TokenError::UnsupportedAlgorithm("\"hs256\"".into())),
        ),
        (
            "alg HS512",
            raw_token(r#"{"alg":"HS512"}"#, &valid_claims, &sig),
            Err(TokenError::UnsupportedAlgorithm("\"HS512\"".into())),
        ),
        (
            "alg PS256",
            raw_token(r#"{"alg":"PS256","kid":"rsa-1"}"#, &valid_claims, &sig),
            Err(TokenError::UnsupportedAlgorithm("\"PS256\"".into())),
        ),
        (
            "unknown critical header extension",
            raw_token(
                r#"{"alg":"HS256","crit":["x-custom"],"x-custom":1}"#,
                &valid_claims,
                &sig,
            ),
            Err(TokenError::HeaderRefused("crit")),
        ),
        (
            "typ not a JWT",
            raw_token(r#"{"alg":"HS256","typ":"JOSE+JSON"}"#, &valid_claims, &sig),
            Err(TokenError::HeaderRefused("typ")),
        ),
        (
            "no alg",
            raw_token(r#"{"typ":"JWT"}"#, &valid_claims, &sig),
            Err(TokenError::MalformedJson("header")),
        ),
        (
            "alg confusion: HS256 keyed with RSA public PEM",
            confused(pem.as_bytes()),
            Err(TokenError::BadSignature),
        ),
        (
            "alg confusion: HS256 keyed with RSA public DER",
            confused(&der),
            Err(TokenError::BadSignature),
        ),
        (
            "alg confusion: HS256 keyed with RSA modulus",
            confused(&n),
            Err(TokenError::BadSignature),
        ),
        (
            "alg confusion: local claims, RSA PEM as secret",
            confused_local,
            Err(TokenError::BadSignature),
        ),
        (
            "malformed base64 in header",
            format!("eyJ!{}", &valid[4..]),
            Err(TokenError::MalformedBase64("header")),
        ),
        (
            "malformed base64 in claims",
            {
                let s = segments(&valid);
                format!("{}.{}+.{}", s[0], s[1], s[2])
            },
            Err(TokenError::MalformedBase64("claims")),
        ),
        (
            "padded signature",
            format!("{valid}="),
            Err(TokenError::MalformedBase64("signature")),
        ),
        (
            "impossible base64 length in claims",
            {
                let s = segments(&valid);
                format!(
                    "{}.{}A.{}",
                    s[0],
                    &s[1][..s[1].len() - (s[1].len() % 4)],
                    s[2]
                )
            },
            Err(TokenError::MalformedBase64("claims")),
        ),
        (
            "header not JSON",
            format!(
                "{}.{}",
                b64(b"not json"),
                &valid[valid.find('.').unwrap() + 1..]
            ),
            Err(TokenError::MalformedJson("header")),
        ),
        (
            "empty token",
            String::new(),
            Err(TokenError::WrongSegmentCount(1)),
        ),
        (
            "one segment",
            segments(&valid)[0].clone(),
            Err(TokenError::WrongSegmentCount(1)),
        ),
        (
            "two segments",
            valid[..valid.rfind('.').unwrap()].to_owned(),
            Err(TokenError::WrongSegmentCount(2)),
        ),
        (
            "four segments",
            format!("{valid}.{sig}"),
            Err(TokenError::WrongSegmentCount(4)),
        ),
        (
            "dots only",
            "..".into(),
            Err(TokenError::MalformedBase64("header")),
        ),
        (
            "over 8 KiB",
            long.clone(),
            Err(TokenError::TooLong(long.len())),
        ),
        (
            "over 8 KiB of garbage",
            "x".repeat(MAX_TOKEN_BYTES + 1),
            Err(TokenError::TooLong(MAX_TOKEN_BYTES + 1)),
        ),
        // External provider.
        ("valid RS256", rs(|_| {}), ok_ext.clone()),
        ("valid ES256", es(|_| {}), ok_ext.clone()),
        (
            "valid RS256 with role admin, no admin role configured → member",
            rs(|c| {
                c.custom.insert("role".into(), json!("admin"));
            }),
            ok_ext.clone(),
        ),
        (
            "valid ES256 with unknown role → member",
            es(|c| {
                c.custom.insert("role".into(), json!("superuser"));
            }),
            ok_ext.clone(),
        ),
        (
            "RS256 expired",
            rs(|c| c.expires_at = ts(NOW - 3600)),
            Err(TokenError::Expired),
        ),
        (
            "ES256 nbf in the future",
            es(|c| c.invalid_before = ts(NOW + 3600)),
            Err(TokenError::NotYetValid),
        ),
        (
            "RS256 wrong iss (our own issuer)",
            rs(|c| c.issuer = Some(DEFAULT_ISSUER.into())),
            Err(TokenError::WrongIssuer),
        ),
        (
            "ES256 wrong aud (another app of the same IdP)",
            es(|c| c.audiences = Some(Audiences::AsString("other-app".into()))),
            Err(TokenError::WrongAudience),
        ),
        (
            "RS256 bad signature (claims tampered)",
            {
                let t = rs(|_| {});
                let s = segments(&t);
                let mut v = claims_json_of(&t);
                v["role"] = json!("admin");
                format!("{}.{}.{}", s[0], b64(v.to_string().as_bytes()), s[2])
            },
            Err(TokenError::BadSignature),
        ),
        (
            "ES256 bad signature (other key, same kid)",
            ec_same_kid_other_key,
            Err(TokenError::BadSignature),
        ),
        (
            "ES256 with the kid of an RSA key",
            es_with_rsa_kid,
            Err(TokenError::KeyAlgorithmMismatch {
                kid: "\"rsa-1\"".into(),
                alg: "ES256",
            }),
        ),
        (
            "unknown kid",
            es_unknown_kid,
            Err(TokenError::UnknownKeyId("\"nope\"".into())),
        ),
        (
            "ES256 without kid",
            es_no_kid,
            Err(TokenError::MissingKeyId),
        ),
        (
            "RS256 signed, header says ES256",
            {
                let t = rs(|_| {});
                let s = segments(&t);
                let header = json!({"alg": "ES256", "typ": "JWT", "kid": "ec-1"}).to_string();
                format!("{}.{}.{}", b64(header.as_bytes()), s[1], s[2])
            },
            Err(TokenError::BadSignature),
        ),
        (
            "external claims signed with our HS256 secret",
            hs(ext_claims()),
            Err(TokenError::WrongIssuer),
        ),
    ];
    rows.push((
        "RS256 token with alg header HS256 and the RSA kid",
        {
            let t = rs(|_| {});
            let s = segments(&t);
            let header = json!({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).to_string();
            format!("{}.{}.{}", b64(header.as_bytes()), s[1], s[2])
        },
        Err(TokenError::BadSignature),
    ));
    rows
}

#[test]
fn token_table() {
    let auth = authenticator();
    let rows = table();
    let mut failures = Vec::new();
    for (name, token, want) in &rows {
        let got = auth.verify_token(token, NOW).map(|c| (c.role, c.provider));
        if &got != want {
            failures.push(format!("{name}: want {want:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(rows.len() >= 50, "{} rows", rows.len());
}

#[test]
fn public_message_is_uniform() {
    let auth = authenticator();
    let errors: Vec<TokenError> = table()
        .into_iter()
        .filter_map(|(_, t, _)| auth.verify_token(&t, NOW).err())
        .collect();
    assert!(errors.len() > 30);
    for e in &errors {
        assert_eq!(e.public_message(), TokenError::PUBLIC_MESSAGE);
        // The log reason never echoes a whole token segment.
        assert!(e.to_string().len() < 120, "{e}");
    }
}
