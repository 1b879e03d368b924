//! Login, tokens, the cookie's Origin rule, member-only forms and the admin
//! API, through the HTTP handler, against every store (memory, rusqlite,
//! key-value).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use ct_codecs::{Base64UrlSafeNoPadding, Encoder as _};
use http::{Method, Request, Response, StatusCode};
use jwt_simple::prelude::{
    Audiences, HS256Key, JWTClaims, MACLike, RS256KeyPair, RSAKeyPairLike, UnixTimeStamp,
};
use letterbox_forms::auth::{MAX_TOKEN_BYTES, Role, TokenError, hash_password};
use letterbox_forms::handler::{Clock, Context, FixedClock, credential_version, handle};
use letterbox_forms::store::{Store, Submission, User, new_id};
use letterbox_forms::text::rfc3339_millis;
use letterbox_forms::{Config, Field, FieldKind, Form, FormData, Manifest};
use serde_json::{Map, Value, json};

const ADMIN: &str = "root";
/// A stored member (see [`add_member`]).
const MEMBER: &str = "mia";
const MEMBER_PASSWORD: &str = "mia's long password";
const NOW_SECS: u64 = NOW / 1000;
const EXT_ISS: &str = "https://idp.example/";
const EXT_AUD: &str = "letterbox-ext";

store_tests!(
    token_table_through_routes,
    non_admin_tokens_get_403_on_admin_routes,
    login_issues_a_working_token_and_cookie,
    unknown_user_and_wrong_password_look_the_same,
    login_lockout_spares_the_real_user,
    logout_clears_the_cookie,
    auth_routes_answer_503_without_a_usable_secret,
    cookie_needs_an_allowed_origin_for_state_changes,
    member_only_forms_record_the_user,
    users_are_created_hashed_and_validated,
    forms_are_listed_with_counts,
    submissions_are_paged_newest_first_with_concurrent_inserts,
    delete_removes_from_listing_count_and_export,
    csv_round_trip,
    csv_export_walks_every_page,
    preflight_allows_admin_requests,
    external_admins_need_the_configured_role_and_may_not_mint_users,
    password_role_changes_and_deletion_revoke_tokens,
);

// ---------------------------------------------------------------- fixtures

fn member_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(MEMBER_PASSWORD).unwrap())
}

/// Stores the member [`MEMBER`].
fn add_member<S: Store>(store: &S) {
    futures::executor::block_on(store.put_user(&User {
        username: MEMBER.into(),
        password_hash: member_hash().into(),
        role: "member".into(),
    }))
    .unwrap();
}

/// The credential version a token of the fixtures' users carries.
fn ver_of(sub: &str) -> Option<String> {
    match sub {
        ADMIN => Some(credential_version(
            SECRET.as_bytes(),
            admin_hash(),
            Role::Admin,
        )),
        MEMBER => Some(credential_version(
            SECRET.as_bytes(),
            member_hash(),
            Role::Member,
        )),
        _ => None,
    }
}

fn rsa() -> &'static RS256KeyPair {
    static KEY: OnceLock<RS256KeyPair> = OnceLock::new();
    KEY.get_or_init(|| RS256KeyPair::generate(2048).unwrap().with_key_id("rsa-1"))
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlSafeNoPadding::encode_to_string(bytes).unwrap()
}

fn jwks() -> String {
    let c = rsa().public_key().to_components();
    json!({"keys": [{"kty": "RSA", "kid": "rsa-1", "alg": "RS256", "use": "sig", "n": b64(&c.n), "e": b64(&c.e)}]})
        .to_string()
}

/// The test config with the first admin and an external provider.
fn auth_config(extra: &[(&str, &str)]) -> Config {
    let jwks = jwks();
    let mut vars: Vec<(&str, &str)> = vec![
        ("admin_username", ADMIN),
        ("admin_password_hash", admin_hash()),
        ("jwks", &jwks),
        ("jwks_issuer", EXT_ISS),
        ("jwks_audience", EXT_AUD),
        ("jwks_admin_role", "admin"),
    ];
    vars.extend_from_slice(extra);
    config(&vars)
}

/// The common manifest plus `survey`, a form with several fields for the
/// CSV tests.
fn manifest_with_survey() -> Manifest {
    let mut m = manifest();
    let mut colours = Field::new("colours", FieldKind::Checkbox);
    colours.options = vec!["red".into(), "green, blue".into(), "=cmd".into()];
    colours.multiple = true;
    let survey = Form {
        auth: letterbox_forms::AuthRequirement::None,
        honeypot: "_hp".into(),
        ..Form::new(
            "survey",
            "content/survey.md",
            vec![
                Field::new("name", FieldKind::Text),
                Field::new("comment", FieldKind::Textarea),
                colours,
            ],
        )
    };
    m.forms.insert("survey".into(), survey);
    m
}

fn run<S: Store>(store: &S, config: &Config, req: Request<Bytes>) -> Response<Vec<u8>> {
    run_at(store, config, NOW, req)
}

fn run_at<S: Store>(
    store: &S,
    config: &Config,
    now: u64,
    req: Request<Bytes>,
) -> Response<Vec<u8>> {
    let manifest = manifest_with_survey();
    let clock = FixedClock(now);
    let ctx = Context {
        config,
        manifest: &manifest,
        store,
        clock: &clock,
        outbound: &letterbox_forms::outbound::NoOutbound,
    };
    futures::executor::block_on(handle(req, &ctx))
}

fn text(resp: &Response<Vec<u8>>) -> String {
    String::from_utf8_lossy(resp.body()).into_owned()
}

fn login_req(username: &str, password: &str, addr: &str) -> Request<Bytes> {
    Request::post("/api/auth/login")
        .header("content-type", "application/json")
        .header("spin-client-addr", addr)
        .body(Bytes::from(
            json!({"username": username, "password": password}).to_string(),
        ))
        .unwrap()
}

/// Logs in as the config's admin and returns the token.
fn admin_token<S: Store>(store: &S, c: &Config) -> String {
    let resp = run(store, c, login_req(ADMIN, ADMIN_PASSWORD, "198.51.100.1:1"));
    assert_eq!(resp.status(), StatusCode::OK, "{}", text(&resp));
    body_json(&resp)["token"].as_str().unwrap().to_owned()
}

/// A request with an optional bearer token and optional JSON body.
fn req(method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> Request<Bytes> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header("spin-client-addr", "203.0.113.9:1");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    match body {
        Some(v) => b
            .header("content-type", "application/json")
            .header("accept", "application/json")
            .body(Bytes::from(v.to_string()))
            .unwrap(),
        None => b.body(Bytes::new()).unwrap(),
    }
}

fn ts(secs: u64) -> Option<UnixTimeStamp> {
    Some(UnixTimeStamp::from_secs(secs))
}

/// Claims as Letterbox issues them, at `NOW`.
fn claims(sub: &str, role: &str) -> JWTClaims<Map<String, Value>> {
    let mut custom = Map::new();
    custom.insert("role".into(), json!(role));
    if let Some(ver) = ver_of(sub) {
        custom.insert("ver".into(), json!(ver));
    }
    JWTClaims {
        issued_at: ts(NOW_SECS),
        expires_at: ts(NOW_SECS + 600),
        invalid_before: ts(NOW_SECS),
        issuer: Some("letterbox".into()),
        subject: Some(sub.into()),
        audiences: Some(Audiences::AsString("letterbox".into())),
        jwt_id: None,
        nonce: None,
        custom,
    }
}

fn hs(c: JWTClaims<Map<String, Value>>) -> String {
    HS256Key::from_bytes(SECRET.as_bytes())
        .authenticate(c)
        .unwrap()
}

fn local(edit: impl FnOnce(&mut JWTClaims<Map<String, Value>>)) -> String {
    let mut c = claims(ADMIN, "admin");
    edit(&mut c);
    hs(c)
}

fn external(kid: &str, edit: impl FnOnce(&mut JWTClaims<Map<String, Value>>)) -> String {
    let mut c = claims("idp|alice", "admin");
    c.issuer = Some(EXT_ISS.into());
    c.audiences = Some(Audiences::AsString(EXT_AUD.into()));
    edit(&mut c);
    let key = RS256KeyPair::from_der(&rsa().to_der().unwrap())
        .unwrap()
        .with_key_id(kid);
    key.sign(c).unwrap()
}

fn raw_token(header: &str, claims: &str, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64(header.as_bytes()),
        b64(claims.as_bytes())
    )
}

/// Asserts the uniform 401 for a rejected token.
fn assert_invalid_token(resp: &Response<Vec<u8>>, what: &str) {
    assert_eq!(
        resp.status(),
        StatusCode::UNAUTHORIZED,
        "{what}: {}",
        text(resp)
    );
    assert_eq!(
        resp.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\"",
        "{what}"
    );
    assert_eq!(
        body_json(resp),
        json!({"error": "invalid_token", "message": TokenError::PUBLIC_MESSAGE}),
        "{what}"
    );
}

// ---------------------------------------------------------------- tokens

fn token_table_through_routes<S: Store>(store: S) {
    let c = auth_config(&[]);
    let valid = local(|_| {});
    let sig_start = valid.rfind('.').unwrap() + 1;
    let mut bad_sig = valid.clone().into_bytes();
    bad_sig[sig_start] = if bad_sig[sig_start] == b'A' {
        b'B'
    } else {
        b'A'
    };
    let bad_sig = String::from_utf8(bad_sig).unwrap();
    let claims_json = serde_json::to_string(&json!({
        "sub": "alice", "role": "admin", "iss": "letterbox", "aud": "letterbox",
        "iat": NOW_SECS, "nbf": NOW_SECS, "exp": NOW_SECS + 600
    }))
    .unwrap();
    let pem = rsa().public_key().to_pem().unwrap();
    let der = rsa().public_key().to_der().unwrap();
    let confused = |secret: &[u8]| {
        let mut c = claims("alice", "admin");
        c.issuer = Some(EXT_ISS.into());
        c.audiences = Some(Audiences::AsString(EXT_AUD.into()));
        HS256Key::from_bytes(secret)
            .with_key_id("rsa-1")
            .authenticate(c)
            .unwrap()
    };
    let long = local(|c| c.subject = Some("a".repeat(MAX_TOKEN_BYTES)));
    assert!(long.len() > MAX_TOKEN_BYTES);

    let rows: Vec<(&str, String, bool)> = vec![
        ("valid HS256", valid.clone(), true),
        (
            "valid RS256 of the external provider",
            external("rsa-1", |_| {}),
            true,
        ),
        (
            "expired",
            local(|c| {
                c.issued_at = ts(NOW_SECS - 7200);
                c.invalid_before = ts(NOW_SECS - 7200);
                c.expires_at = ts(NOW_SECS - 3600);
            }),
            false,
        ),
        (
            "nbf in the future",
            local(|c| c.invalid_before = ts(NOW_SECS + 3600)),
            false,
        ),
        (
            "wrong iss",
            local(|c| c.issuer = Some("someone-else".into())),
            false,
        ),
        (
            "wrong aud",
            local(|c| c.audiences = Some(Audiences::AsString("other-api".into()))),
            false,
        ),
        (
            "external token with the wrong aud",
            external("rsa-1", |c| {
                c.audiences = Some(Audiences::AsString("letterbox".into()))
            }),
            false,
        ),
        ("bad signature", bad_sig, false),
        (
            "signed with another secret",
            HS256Key::from_bytes(b"another-secret-0123456789abcdefghij")
                .authenticate(claims("alice", "admin"))
                .unwrap(),
            false,
        ),
        (
            "alg none",
            raw_token(r#"{"alg":"none","typ":"JWT"}"#, &claims_json, ""),
            false,
        ),
        (
            "alg none with a signature",
            raw_token(r#"{"alg":"none"}"#, &claims_json, "c2ln"),
            false,
        ),
        (
            "HS256 keyed with the RSA public key (PEM)",
            confused(pem.as_bytes()),
            false,
        ),
        (
            "HS256 keyed with the RSA public key (DER)",
            confused(&der),
            false,
        ),
        ("unknown kid", external("rsa-2", |_| {}), false),
        ("malformed base64", "ab!c.de$f.gh*i".into(), false),
        (
            "malformed base64 in the signature",
            format!("{}.%%%", &valid[..sig_start - 1]),
            false,
        ),
        ("two segments", valid[..sig_start - 1].to_owned(), false),
        ("four segments", format!("{valid}.xyz"), false),
        ("one segment", "garbage".into(), false),
        ("over 8 KiB", long, false),
    ];
    for (what, token, ok) in rows {
        for path in ["/api/auth/me", "/api/forms"] {
            // The bearer header, and (for these safe GETs) the cookie.
            let by_bearer = run(&store, &c, req(Method::GET, path, Some(&token), None));
            let by_cookie = run(
                &store,
                &c,
                Request::get(path)
                    .header("cookie", format!("letterbox_token={token}"))
                    .body(Bytes::new())
                    .unwrap(),
            );
            for resp in [by_bearer, by_cookie] {
                if ok {
                    assert_eq!(
                        resp.status(),
                        StatusCode::OK,
                        "{what} {path}: {}",
                        text(&resp)
                    );
                } else {
                    assert_invalid_token(&resp, &format!("{what} {path}"));
                }
            }
        }
    }

    // `me` shows the verified claims.
    let me = run(
        &store,
        &c,
        req(Method::GET, "/api/auth/me", Some(&valid), None),
    );
    assert_eq!(
        body_json(&me),
        json!({"sub": ADMIN, "role": "admin", "iss": "letterbox", "iat": NOW_SECS,
               "exp": NOW_SECS + 600, "provider": "local"})
    );
    let me = run(
        &store,
        &c,
        req(
            Method::GET,
            "/api/auth/me",
            Some(&external("rsa-1", |_| {})),
            None,
        ),
    );
    assert_eq!(body_json(&me)["sub"], "idp|alice");
    assert_eq!(body_json(&me)["provider"], "external");

    // No token at all: 401 with a plain Bearer challenge.
    let resp = run(&store, &c, req(Method::GET, "/api/auth/me", None, None));
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    assert_eq!(body_json(&resp)["error"], "unauthorized");
    // A non-Bearer Authorization is no token.
    let resp = run(
        &store,
        &c,
        Request::get("/api/auth/me")
            .header("authorization", "Basic cm9vdDpyb290")
            .body(Bytes::new())
            .unwrap(),
    );
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
}

fn non_admin_tokens_get_403_on_admin_routes<S: Store>(store: S) {
    let c = auth_config(&[]);
    let id = new_id(NOW);
    add_member(&store);
    let member = hs(claims(MEMBER, "member"));
    // External tokens without a role claim are members.
    let ext_member = external("rsa-1", |c| {
        c.custom.remove("role");
    });
    for token in [member, ext_member] {
        let me = run(
            &store,
            &c,
            req(Method::GET, "/api/auth/me", Some(&token), None),
        );
        assert_eq!(me.status(), StatusCode::OK);
        assert_eq!(body_json(&me)["role"], "member");
        for (method, path, body) in [
            (Method::GET, "/api/forms".to_owned(), None),
            (
                Method::GET,
                "/api/forms/contact/submissions".to_owned(),
                None,
            ),
            (
                Method::GET,
                "/api/forms/contact/submissions?format=csv".to_owned(),
                None,
            ),
            (Method::GET, "/api/forms/nope/submissions".to_owned(), None),
            (
                Method::DELETE,
                format!("/api/forms/contact/submissions/{id}"),
                None,
            ),
            (
                Method::POST,
                "/api/users".to_owned(),
                Some(json!({"username": "eve", "password": "long enough pw", "role": "admin"})),
            ),
        ] {
            let resp = run(&store, &c, req(method.clone(), &path, Some(&token), body));
            assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{method} {path}");
            assert_eq!(body_json(&resp)["error"], "forbidden");
        }
    }
    assert_eq!(
        futures::executor::block_on(store.get_user("eve")).unwrap(),
        None
    );
}

// ---------------------------------------------------------------- login

fn login_issues_a_working_token_and_cookie<S: Store>(store: S) {
    let c = auth_config(&[("jwt_ttl_seconds", "900")]);
    let resp = run(
        &store,
        &c,
        login_req(ADMIN, ADMIN_PASSWORD, "198.51.100.1:1"),
    );
    assert_eq!(resp.status(), StatusCode::OK, "{}", text(&resp));
    let body = body_json(&resp);
    let token = body["token"].as_str().unwrap().to_owned();
    assert_eq!(
        body,
        json!({"token": token, "token_type": "Bearer", "expires_in": 900, "sub": ADMIN, "role": "admin"})
    );
    let cookie = resp.headers()["set-cookie"].to_str().unwrap();
    assert_eq!(
        cookie,
        format!(
            "letterbox_token={token}; Max-Age=900; Path=/api; HttpOnly; SameSite=Strict; Secure"
        )
    );
    let me = run(
        &store,
        &c,
        req(Method::GET, "/api/auth/me", Some(&token), None),
    );
    assert_eq!(body_json(&me)["sub"], ADMIN);
    assert_eq!(body_json(&me)["exp"], NOW_SECS + 900);
    // The token expires after the ttl (plus the leeway).
    let later = run_at(
        &store,
        &c,
        NOW + 1000 * 1000,
        req(Method::GET, "/api/auth/me", Some(&token), None),
    );
    assert_invalid_token(&later, "expired login token");

    // Urlencoded works too, and a stored user gets its own role.
    let hash = hash_password("member password").unwrap();
    futures::executor::block_on(store.put_user(&letterbox_forms::User {
        username: "mia".into(),
        password_hash: hash,
        role: "member".into(),
    }))
    .unwrap();
    let resp = run(
        &store,
        &c,
        Request::post("/api/auth/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Bytes::from("username=mia&password=member+password"))
            .unwrap(),
    );
    assert_eq!(resp.status(), StatusCode::OK, "{}", text(&resp));
    assert_eq!(body_json(&resp)["role"], "member");
    assert_eq!(body_json(&resp)["sub"], "mia");

    // A site on localhost gets a cookie without `Secure`.
    let local_c = auth_config(&[("site_url", "http://localhost:8080")]);
    let resp = run(
        &store,
        &local_c,
        login_req(ADMIN, ADMIN_PASSWORD, "127.0.0.1:2"),
    );
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        !resp.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Secure")
    );

    // Missing fields are a 400; a foreign Origin a 403.
    let resp = run(&store, &c, login_req(ADMIN, "", "198.51.100.1:1"));
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let mut foreign = login_req(ADMIN, ADMIN_PASSWORD, "198.51.100.1:1");
    foreign
        .headers_mut()
        .insert("origin", "https://evil.example".parse().unwrap());
    let resp = run(&store, &c, foreign);
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.headers().get("set-cookie").is_none());
}

fn unknown_user_and_wrong_password_look_the_same<S: Store>(store: S) {
    let c = auth_config(&[]);
    let hash = hash_password("the real password").unwrap();
    futures::executor::block_on(store.put_user(&letterbox_forms::User {
        username: "bob".into(),
        password_hash: hash,
        role: "member".into(),
    }))
    .unwrap();
    let attempt = |user: &str, pw: &str| {
        let t = Instant::now();
        let resp = run(&store, &c, login_req(user, pw, "198.51.100.2:1"));
        (resp, t.elapsed())
    };
    let mut wrong_times = Vec::new();
    let mut unknown_times = Vec::new();
    for _ in 0..3 {
        for (user, pw, unknown) in [
            ("bob", "not the password", false),
            ("nobody", "not the password", true),
            (ADMIN, "not the password", false),
        ] {
            let (resp, took) = attempt(user, pw);
            if unknown {
                unknown_times.push(took);
            } else {
                wrong_times.push(took);
            }
            assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "{user}");
            assert_eq!(resp.headers()["www-authenticate"], "Bearer");
            assert!(resp.headers().get("set-cookie").is_none());
            assert_eq!(
                text(&resp),
                r#"{"error":"unauthorized","message":"not logged in: wrong username or password"}"#,
                "{user}"
            );
        }
    }
    // An invalid user name (which cannot exist) looks the same as well.
    let (resp, _) = attempt("no such user!", "x");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        text(&resp),
        r#"{"error":"unauthorized","message":"not logged in: wrong username or password"}"#
    );
    // About the same time: both do one full argon2id verification.
    let fastest = |v: &[Duration]| v.iter().min().copied().unwrap_or_default();
    let ratio =
        fastest(&unknown_times).as_secs_f64() / fastest(&wrong_times).as_secs_f64().max(1e-9);
    assert!(
        (0.25..4.0).contains(&ratio),
        "unknown {unknown_times:?} vs wrong {wrong_times:?}"
    );
    let (ok, _) = attempt("bob", "the real password");
    assert_eq!(ok.status(), StatusCode::OK);
}

/// A clock standing at `now` that records the waits asked of it.
struct RecordingClock {
    now: u64,
    slept: std::cell::RefCell<Vec<u64>>,
}

impl Clock for RecordingClock {
    fn now_millis(&self) -> u64 {
        self.now
    }
    fn sleep_millis(
        &self,
        millis: u64,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>> {
        self.slept.borrow_mut().push(millis);
        Box::pin(std::future::ready(()))
    }
}

fn run_clock<S: Store>(
    store: &S,
    config: &Config,
    clock: &RecordingClock,
    req: Request<Bytes>,
) -> Response<Vec<u8>> {
    let manifest = manifest_with_survey();
    let ctx = Context {
        config,
        manifest: &manifest,
        store,
        clock,
        outbound: &letterbox_forms::outbound::NoOutbound,
    };
    futures::executor::block_on(handle(req, &ctx))
}

/// Issue 12, item 2: failed logins are counted per (address, user name) and
/// per address, which get 429; per user name they only slow the failures
/// down, so a storm of wrong passwords for `root` from elsewhere never
/// keeps the real admin out.
fn login_lockout_spares_the_real_user<S: Store>(store: S) {
    let c = auth_config(&[("rate_limit_per_minute", "2")]);
    let clock = RecordingClock {
        now: NOW + 15_000,
        slept: Default::default(),
    };
    let attempt = |user: &str, password: &str, addr: &str| {
        run_clock(&store, &c, &clock, login_req(user, password, addr))
    };
    // A storm against `root` from many addresses: all 401, none refused.
    for i in 0..12 {
        let resp = attempt(ADMIN, "guess", &format!("192.0.2.{i}:1"));
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    // Past the limit, the name's failures are answered slower and slower.
    let slept = clock.slept.borrow().clone();
    assert_eq!(slept.len(), 10, "{slept:?}");
    assert!(slept.windows(2).all(|w| w[0] <= w[1]), "{slept:?}");
    assert!(
        slept.iter().all(|&ms| (1..=2000).contains(&ms)),
        "{slept:?}"
    );
    // The real admin, from an address without failures, gets in at once.
    let resp = attempt(ADMIN, ADMIN_PASSWORD, "198.51.100.50:1");
    assert_eq!(resp.status(), StatusCode::OK, "{}", text(&resp));
    assert_eq!(clock.slept.borrow().len(), 10);

    // One address: 2 failures for a name refuse that name there…
    let from = "198.51.100.3:1";
    for _ in 0..2 {
        assert_eq!(attempt("u1", "pw", from).status(), StatusCode::UNAUTHORIZED);
    }
    let limited = attempt("u1", "pw", from);
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body_json(&limited)["error"], "rate_limited");
    assert_eq!(limited.headers()["retry-after"], "45");
    // …even with the right password (for `root` after 2 failures there).
    let from_root = "198.51.100.4:1";
    for _ in 0..2 {
        assert_eq!(
            attempt(ADMIN, "pw", from_root).status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        attempt(ADMIN, ADMIN_PASSWORD, from_root).status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Other names still work from there, up to 3 × 2 failures per address.
    for user in ["u2", "u3", "u4", "u5"] {
        assert_eq!(
            attempt(user, "pw", from).status(),
            StatusCode::UNAUTHORIZED,
            "{user}"
        );
    }
    assert_eq!(
        attempt("u6", "pw", from).status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // A successful login counts nothing: the admin logs in again and again.
    for _ in 0..5 {
        let resp = attempt(ADMIN, ADMIN_PASSWORD, "198.51.100.50:1");
        assert_eq!(resp.status(), StatusCode::OK);
    }
    // The next minute starts over.
    let resp = run_at(
        &store,
        &c,
        NOW + 60_000,
        login_req(ADMIN, ADMIN_PASSWORD, from_root),
    );
    assert_eq!(resp.status(), StatusCode::OK);
}

fn logout_clears_the_cookie<S: Store>(store: S) {
    let c = auth_config(&[]);
    let resp = run(
        &store,
        &c,
        req(Method::POST, "/api/auth/logout", None, None),
    );
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        resp.headers()["set-cookie"],
        "letterbox_token=; Max-Age=0; Path=/api; HttpOnly; SameSite=Strict; Secure"
    );
    // Issue 12, item 9: a foreign page cannot log the visitor out.
    for origin in ["https://evil.example", "null"] {
        let resp = run(
            &store,
            &c,
            Request::post("/api/auth/logout")
                .header("origin", origin)
                .header("cookie", "letterbox_token=abc.def.ghi")
                .body(Bytes::new())
                .unwrap(),
        );
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{origin}");
        assert!(resp.headers().get("set-cookie").is_none());
    }
    // The site itself can.
    let resp = run(
        &store,
        &c,
        Request::post("/api/auth/logout")
            .header("origin", SITE)
            .header("cookie", "letterbox_token=abc.def.ghi")
            .body(Bytes::new())
            .unwrap(),
    );
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let resp = run(&store, &c, req(Method::GET, "/api/auth/logout", None, None));
    assert_eq!(resp.status(), StatusCode::METHOD_NOT_ALLOWED);
}

fn auth_routes_answer_503_without_a_usable_secret<S: Store>(store: S) {
    let jwks = jwks();
    let short_secret = "s".repeat(31);
    let mut base: HashMap<&str, &str> = HashMap::from([
        ("site_url", SITE),
        ("rate_limit_per_minute", "0"),
        ("admin_username", ADMIN),
        ("admin_password_hash", admin_hash()),
    ]);
    let lookup = |vars: &HashMap<&str, &str>| {
        Config::from_lookup(|name| vars.get(name).map(|v| v.to_string())).unwrap()
    };
    let missing = lookup(&base);
    base.insert("jwt_secret", &short_secret);
    assert_eq!(base["jwt_secret"].len(), 31);
    let short = lookup(&base);
    base.insert("jwt_secret", SECRET);
    base.insert("jwks", &jwks);
    let jwks_without_issuer = lookup(&base);
    base.insert("jwks_issuer", EXT_ISS);
    base.insert("jwks_audience", EXT_AUD);
    base.insert("jwks_client_id", "app-client-1");
    let audience_and_client_id = lookup(&base);
    let valid = local(|_| {});
    for (what, c) in [
        ("missing secret", missing),
        ("short secret", short),
        ("jwks without jwks_issuer", jwks_without_issuer),
        ("jwks_audience and jwks_client_id", audience_and_client_id),
    ] {
        for (method, path, body) in [
            (
                Method::POST,
                "/api/auth/login",
                Some(json!({"username": ADMIN, "password": ADMIN_PASSWORD})),
            ),
            (Method::POST, "/api/auth/logout", None),
            (Method::GET, "/api/auth/me", None),
            (Method::GET, "/api/forms", None),
            (Method::GET, "/api/forms/contact/submissions", None),
            (
                Method::POST,
                "/api/users",
                Some(json!({"username": "x", "password": "y"})),
            ),
            (
                Method::POST,
                "/api/forms/members",
                Some(json!({"text": "hi"})),
            ),
        ] {
            let resp = run(&store, &c, req(method.clone(), path, Some(&valid), body));
            assert_eq!(
                resp.status(),
                StatusCode::SERVICE_UNAVAILABLE,
                "{what}: {method} {path}"
            );
            assert_eq!(body_json(&resp)["error"], "misconfigured");
            assert!(!text(&resp).contains("jwt_secret"), "{}", text(&resp));
            assert!(resp.headers().get("set-cookie").is_none());
        }
        // Public forms keep working.
        let resp = run(
            &store,
            &c,
            json_post("/api/forms/free", r#"{"text":"still works"}"#),
        );
        assert_eq!(resp.status(), StatusCode::CREATED, "{what}");
    }
    assert_eq!(stored(&store, "free").len(), 4);
    assert_eq!(stored(&store, "members").len(), 0);
}

// ---------------------------------------------------------------- cookies

fn cookie_req(
    method: Method,
    path: &str,
    cookie: &str,
    origin: Option<&str>,
    body: Option<Value>,
) -> Request<Bytes> {
    let mut r = req(method, path, None, body);
    r.headers_mut().insert(
        "cookie",
        format!("theme=dark; letterbox_token={cookie}")
            .parse()
            .unwrap(),
    );
    if let Some(o) = origin {
        r.headers_mut().insert("origin", o.parse().unwrap());
    }
    r
}

fn cookie_needs_an_allowed_origin_for_state_changes<S: Store>(store: S) {
    let c = auth_config(&[]);
    let resp = run(
        &store,
        &c,
        login_req(ADMIN, ADMIN_PASSWORD, "198.51.100.1:1"),
    );
    let set_cookie = resp.headers()["set-cookie"].to_str().unwrap();
    let token = set_cookie
        .strip_prefix("letterbox_token=")
        .and_then(|rest| rest.split(';').next())
        .unwrap()
        .to_owned();
    let user =
        |name: &str| json!({"username": name, "password": "a long password", "role": "member"});

    // State-changing with the cookie: no Origin, a foreign one, `null`: 403.
    for origin in [
        None,
        Some("https://evil.example"),
        Some("null"),
        Some("https://site.example.evil.example"),
    ] {
        let resp = run(
            &store,
            &c,
            cookie_req(Method::POST, "/api/users", &token, origin, Some(user("c1"))),
        );
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{origin:?}");
        let id = new_id(NOW);
        let resp = run(
            &store,
            &c,
            cookie_req(
                Method::DELETE,
                &format!("/api/forms/contact/submissions/{id}"),
                &token,
                origin,
                None,
            ),
        );
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{origin:?}");
    }
    assert_eq!(
        futures::executor::block_on(store.get_user("c1")).unwrap(),
        None
    );
    // The site's own origin and the other allowed ones: accepted.
    let resp = run(
        &store,
        &c,
        cookie_req(
            Method::POST,
            "/api/users",
            &token,
            Some(SITE),
            Some(user("c1")),
        ),
    );
    assert_eq!(resp.status(), StatusCode::CREATED, "{}", text(&resp));
    let resp = run(
        &store,
        &c,
        cookie_req(
            Method::POST,
            "/api/users",
            &token,
            Some("http://localhost:3000"),
            Some(user("c2")),
        ),
    );
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(
        resp.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    assert_eq!(resp.headers()["access-control-allow-credentials"], "true");
    // Reads with the cookie need no Origin.
    let resp = run(
        &store,
        &c,
        cookie_req(Method::GET, "/api/forms", &token, None, None),
    );
    assert_eq!(resp.status(), StatusCode::OK);
    // The bearer header always works, without an Origin too.
    let resp = run(
        &store,
        &c,
        req(Method::POST, "/api/users", Some(&token), Some(user("c3"))),
    );
    assert_eq!(resp.status(), StatusCode::CREATED);
    // A foreign origin cannot pass a bad cookie off either.
    let resp = run(
        &store,
        &c,
        cookie_req(
            Method::POST,
            "/api/users",
            "x.y.z",
            Some(SITE),
            Some(user("c4")),
        ),
    );
    assert_invalid_token(&resp, "garbage cookie");
}

// ---------------------------------------------------------------- member-only forms

fn member_only_forms_record_the_user<S: Store>(store: S) {
    let c = auth_config(&[]);
    add_member(&store);
    let member = hs(claims(MEMBER, "member"));
    // Anonymous: 401 with the Bearer challenge, for scripts and browsers.
    let resp = run(
        &store,
        &c,
        json_post("/api/forms/members", r#"{"text":"hi"}"#),
    );
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    let resp = run(&store, &c, form_post("/api/forms/members", "text=hi"));
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    assert!(text(&resp).contains("<html"));
    // A bad token: 401 invalid_token.
    let resp = run(
        &store,
        &c,
        req(
            Method::POST,
            "/api/forms/members",
            Some("a.b.c"),
            Some(json!({"text": "hi"})),
        ),
    );
    assert_invalid_token(&resp, "member form with a bad token");
    // Bearer: stored with the user.
    let resp = run(
        &store,
        &c,
        req(
            Method::POST,
            "/api/forms/members",
            Some(&member),
            Some(json!({"text": "by bearer"})),
        ),
    );
    assert_eq!(resp.status(), StatusCode::CREATED, "{}", text(&resp));
    // Cookie without Origin: 403; with the site's Origin: stored.
    let resp = run(
        &store,
        &c,
        cookie_req(
            Method::POST,
            "/api/forms/members",
            &member,
            None,
            Some(json!({"text": "no origin"})),
        ),
    );
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let resp = run(
        &store,
        &c,
        cookie_req(
            Method::POST,
            "/api/forms/members",
            &member,
            Some(SITE),
            Some(json!({"text": "by cookie"})),
        ),
    );
    assert_eq!(resp.status(), StatusCode::CREATED, "{}", text(&resp));
    let rows = stored(&store, "members");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.user.as_deref() == Some("mia")));
    // Public forms record no user, and ignore a bad token.
    let resp = run(
        &store,
        &c,
        req(
            Method::POST,
            "/api/forms/free",
            Some("a.b.c"),
            Some(json!({"text": "public"})),
        ),
    );
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(stored(&store, "free")[0].user, None);
    // The listing shows the user.
    let admin = admin_token(&store, &c);
    let list = run(
        &store,
        &c,
        req(
            Method::GET,
            "/api/forms/members/submissions",
            Some(&admin),
            None,
        ),
    );
    assert_eq!(body_json(&list)["submissions"][0]["user"], "mia");
}

// ---------------------------------------------------------------- admin API

fn users_are_created_hashed_and_validated<S: Store>(store: S) {
    let c = auth_config(&[]);
    let admin = admin_token(&store, &c);
    let create = |body: Value, token: Option<&str>| {
        run(
            &store,
            &c,
            req(Method::POST, "/api/users", token, Some(body)),
        )
    };

    let resp = create(
        json!({"username": "ann", "password": "ann's password"}),
        None,
    );
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");

    let resp = create(
        json!({"username": "ann", "password": "ann's password", "role": "admin"}),
        Some(&admin),
    );
    assert_eq!(resp.status(), StatusCode::CREATED, "{}", text(&resp));
    assert_eq!(
        body_json(&resp),
        json!({"username": "ann", "role": "admin"})
    );
    let stored_user = futures::executor::block_on(store.get_user("ann"))
        .unwrap()
        .unwrap();
    assert!(
        stored_user.password_hash.starts_with("$argon2id$"),
        "{}",
        stored_user.password_hash
    );
    assert!(!stored_user.password_hash.contains("ann's password"));
    assert_eq!(stored_user.role, "admin");
    // Role defaults to member.
    let resp = create(
        json!({"username": "max", "password": "max's password"}),
        Some(&admin),
    );
    assert_eq!(body_json(&resp)["role"], "member");

    // Existing users and the config's admin: 409, nothing replaced.
    for name in ["ann", ADMIN] {
        let resp = create(
            json!({"username": name, "password": "another password"}),
            Some(&admin),
        );
        assert_eq!(resp.status(), StatusCode::CONFLICT, "{name}");
        assert_eq!(body_json(&resp)["error"], "conflict");
    }
    assert_eq!(
        futures::executor::block_on(store.get_user("ann"))
            .unwrap()
            .unwrap(),
        stored_user
    );

    // The new users can log in with their roles.
    let resp = run(
        &store,
        &c,
        login_req("ann", "ann's password", "198.51.100.4:1"),
    );
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(body_json(&resp)["role"], "admin");

    // Validation: 422 naming the field.
    for (body, field) in [
        (
            json!({"username": "", "password": "long enough"}),
            "username",
        ),
        (
            json!({"username": "bad name", "password": "long enough"}),
            "username",
        ),
        (
            json!({"username": "a:b", "password": "long enough"}),
            "username",
        ),
        (
            json!({"username": "x".repeat(65), "password": "long enough"}),
            "username",
        ),
        (
            json!({"username": "short", "password": "1234567"}),
            "password",
        ),
        (json!({"username": "short"}), "password"),
        (
            json!({"username": "huge", "password": "p".repeat(1025)}),
            "password",
        ),
        (
            json!({"username": "rolex", "password": "long enough", "role": "root"}),
            "role",
        ),
    ] {
        let resp = create(body.clone(), Some(&admin));
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body_json(&resp)["fields"][field].is_array(),
            "{body}: {}",
            text(&resp)
        );
    }
    // Not a body we read: 415; broken JSON: 400.
    let resp = run(
        &store,
        &c,
        Request::post("/api/users")
            .header("authorization", format!("Bearer {admin}"))
            .header("content-type", "text/plain")
            .body(Bytes::from("username=x"))
            .unwrap(),
    );
    assert_eq!(resp.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let resp = run(
        &store,
        &c,
        Request::post("/api/users")
            .header("authorization", format!("Bearer {admin}"))
            .header("content-type", "application/json")
            .body(Bytes::from("{\"username\":"))
            .unwrap(),
    );
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

fn submit_free<S: Store>(store: &S, c: &Config, now: u64, text_value: &str) -> String {
    let resp = run_at(
        store,
        c,
        now,
        json_post(
            "/api/forms/free",
            &json!({ "text": text_value }).to_string(),
        ),
    );
    assert_eq!(resp.status(), StatusCode::CREATED, "{}", text(&resp));
    body_json(&resp)["id"].as_str().unwrap().to_owned()
}

fn forms_are_listed_with_counts<S: Store>(store: S) {
    let c = auth_config(&[]);
    let admin = admin_token(&store, &c);
    for i in 0..3 {
        submit_free(&store, &c, NOW + i, "x");
    }
    let resp = run(
        &store,
        &c,
        req(Method::GET, "/api/forms", Some(&admin), None),
    );
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        body_json(&resp),
        json!({"forms": [
            {"name": "contact", "page": "content/contact.md", "count": 0, "spam": 0, "pending": 0, "auth": "none"},
            {"name": "evil", "page": "content/evil.md", "count": 0, "spam": 0, "pending": 0, "auth": "none"},
            {"name": "free", "page": "content/free.md", "count": 3, "spam": 0, "pending": 0, "auth": "none"},
            {"name": "members", "page": "content/members.md", "count": 0, "spam": 0, "pending": 0, "auth": "required"},
            {"name": "survey", "page": "content/survey.md", "count": 0, "spam": 0, "pending": 0, "auth": "none"},
        ]})
    );
    // Unknown forms are 404 on every admin route.
    let id = new_id(NOW);
    for (method, path) in [
        (Method::GET, "/api/forms/nope/submissions".to_owned()),
        (
            Method::GET,
            "/api/forms/nope/submissions?format=csv".to_owned(),
        ),
        (Method::DELETE, format!("/api/forms/nope/submissions/{id}")),
    ] {
        let resp = run(&store, &c, req(method, &path, Some(&admin), None));
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

fn submissions_are_paged_newest_first_with_concurrent_inserts<S: Store>(store: S) {
    let c = auth_config(&[]);
    let admin = admin_token(&store, &c);
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(submit_free(&store, &c, NOW + i, &format!("old {i}")));
    }
    let mut seen: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(cur) => format!("/api/forms/free/submissions?limit=6&cursor={cur}"),
            None => "/api/forms/free/submissions?limit=6".to_owned(),
        };
        let resp = run(&store, &c, req(Method::GET, &path, Some(&admin), None));
        assert_eq!(resp.status(), StatusCode::OK, "{}", text(&resp));
        let body = body_json(&resp);
        assert_eq!(body["fields"], json!(["text"]));
        let items = body["submissions"].as_array().unwrap();
        assert!(items.len() <= 6);
        seen.extend(items.iter().cloned());
        pages += 1;
        // New submissions arrive between page fetches.
        submit_free(&store, &c, NOW + 1000 + pages, "new");
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => {
                assert!(body["next_cursor"].is_null());
                break;
            }
        }
    }
    assert_eq!(pages, 4);
    let seen_ids: Vec<&str> = seen.iter().map(|s| s["id"].as_str().unwrap()).collect();
    let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
    want.reverse();
    assert_eq!(
        seen_ids, want,
        "every old record exactly once, newest first"
    );
    assert_eq!(
        seen[0],
        json!({"id": ids[19], "form": "free", "values": [["text", "old 19"]],
               "received_at": rfc3339_millis(NOW + 19), "user": null, "read": false})
    );
    // The default page size, and bad queries.
    let resp = run(
        &store,
        &c,
        req(
            Method::GET,
            "/api/forms/free/submissions",
            Some(&admin),
            None,
        ),
    );
    assert_eq!(
        body_json(&resp)["submissions"].as_array().unwrap().len(),
        24
    );
    for bad in ["limit=x", "cursor=..%2Fetc", "format=xml"] {
        let resp = run(
            &store,
            &c,
            req(
                Method::GET,
                &format!("/api/forms/free/submissions?{bad}"),
                Some(&admin),
                None,
            ),
        );
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

fn csv_rows(resp: &Response<Vec<u8>>) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(resp.body().as_slice());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn export<S: Store>(store: &S, c: &Config, token: &str, form: &str) -> Response<Vec<u8>> {
    let resp = run(
        store,
        c,
        req(
            Method::GET,
            &format!("/api/forms/{form}/submissions?format=csv"),
            Some(token),
            None,
        ),
    );
    assert_eq!(resp.status(), StatusCode::OK, "{}", text(&resp));
    resp
}

fn delete_removes_from_listing_count_and_export<S: Store>(store: S) {
    let c = auth_config(&[]);
    let admin = admin_token(&store, &c);
    let ids: Vec<String> = (0..3)
        .map(|i| submit_free(&store, &c, NOW + i, &format!("t{i}")))
        .collect();
    let path = format!("/api/forms/free/submissions/{}", ids[1]);
    let resp = run(&store, &c, req(Method::DELETE, &path, Some(&admin), None));
    assert_eq!(resp.status(), StatusCode::NO_CONTENT, "{}", text(&resp));
    assert!(resp.body().is_empty());
    let resp = run(&store, &c, req(Method::DELETE, &path, Some(&admin), None));
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    let list = run(
        &store,
        &c,
        req(
            Method::GET,
            "/api/forms/free/submissions",
            Some(&admin),
            None,
        ),
    );
    let listed: Vec<String> = body_json(&list)["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, vec![ids[2].clone(), ids[0].clone()]);
    let forms = run(
        &store,
        &c,
        req(Method::GET, "/api/forms", Some(&admin), None),
    );
    let free = body_json(&forms)["forms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "free")
        .cloned()
        .unwrap();
    assert_eq!(free["count"], 2);
    let rows = csv_rows(&export(&store, &c, &admin, "free"));
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r[0] != ids[1]));

    // Ids that cannot be ids, or of another form: 404, nothing deleted.
    for bad in ["not-an-id", "..%2F..%2Fx", &ids[0].to_uppercase(), "%FF"] {
        let resp = run(
            &store,
            &c,
            req(
                Method::DELETE,
                &format!("/api/forms/free/submissions/{bad}"),
                Some(&admin),
                None,
            ),
        );
        assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{bad}");
    }
    let resp = run(
        &store,
        &c,
        req(
            Method::DELETE,
            &format!("/api/forms/contact/submissions/{}", ids[0]),
            Some(&admin),
            None,
        ),
    );
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    assert_eq!(stored(&store, "free").len(), 2);
}

fn csv_round_trip<S: Store>(store: S) {
    let c = auth_config(&[]);
    let admin = admin_token(&store, &c);
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        ("plain", "nothing special", vec!["red"]),
        ("Quote \"this\"", "a, b, and c", vec!["red", "green, blue"]),
        (
            "O'Brien; Ünïcødé 😀",
            "line one\nline two\r\nline three",
            vec![],
        ),
        (
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "+SUM(1,2)",
            vec!["=cmd"],
        ),
        ("-2+3", "@SUM(A1:A2)", vec!["green, blue", "=cmd"]),
        ("\tleading tab", "\rcarriage first", vec![]),
        ("日本語の名前", "\"\"\"", vec!["red", "=cmd", "green, blue"]),
    ];
    let mut ids = Vec::new();
    for (i, (name, comment, colours)) in cases.iter().enumerate() {
        let mut pairs = vec![("name", *name), ("comment", *comment)];
        pairs.extend(colours.iter().map(|c| ("colours", *c)));
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let mut r = form_post("/api/forms/survey", &body);
        r.headers_mut()
            .insert("accept", "application/json".parse().unwrap());
        let resp = run_at(&store, &c, NOW + i as u64, r);
        assert_eq!(
            resp.status(),
            StatusCode::CREATED,
            "{name:?}: {}",
            text(&resp)
        );
        ids.push(body_json(&resp)["id"].as_str().unwrap().to_owned());
    }
    // By `Accept: text/csv`, and by `?format=csv`: the same bytes.
    let mut r = req(
        Method::GET,
        "/api/forms/survey/submissions",
        Some(&admin),
        None,
    );
    r.headers_mut()
        .insert("accept", "text/csv".parse().unwrap());
    let by_accept = run(&store, &c, r);
    assert_eq!(by_accept.status(), StatusCode::OK);
    assert_eq!(
        by_accept.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    assert_eq!(
        by_accept.headers()["content-disposition"],
        "attachment; filename=\"survey.csv\""
    );
    let by_query = export(&store, &c, &admin, "survey");
    assert_eq!(by_accept.body(), by_query.body());

    // A `'` before every part a spreadsheet may split off (at `;`, `,`,
    // tab) that starts, after spaces, like a formula.
    let neutral = |s: &str| {
        let mut out = String::new();
        let mut rest = s;
        loop {
            let end = rest.find([';', ',', '\t']).map_or(rest.len(), |i| i + 1);
            let (part, tail) = rest.split_at(end);
            let body = part.trim_start_matches(' ');
            out.push_str(&part[..part.len() - body.len()]);
            if body.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                out.push('\'');
            }
            out.push_str(body);
            if tail.is_empty() {
                return out;
            }
            rest = tail;
        }
    };
    let rows = csv_rows(&by_query);
    assert_eq!(
        rows[0],
        ["id", "received_at", "user", "name", "comment", "colours"]
    );
    assert_eq!(rows.len(), cases.len() + 1);
    for (row, (i, (name, comment, colours))) in rows[1..].iter().zip(cases.iter().enumerate().rev())
    {
        let want = vec![
            ids[i].clone(),
            rfc3339_millis(NOW + i as u64),
            String::new(),
            neutral(name),
            neutral(comment),
            neutral(&colours.join("; ")),
        ];
        assert_eq!(row, &want);
    }
    // Spot checks on the raw text: RFC 4180 quoting.
    let raw = String::from_utf8(by_query.body().clone()).unwrap();
    assert!(raw.contains("\"Quote \"\"this\"\"\""), "{raw}");
    assert!(
        raw.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""),
        "{raw}"
    );
    assert!(
        raw.starts_with("\"id\",\"received_at\",\"user\",\"name\",\"comment\",\"colours\"\r\n")
    );
    // Every cell quoted, every formula-like segment neutralised.
    assert!(raw.contains("\"'=cmd\""), "{raw}");
    assert!(raw.contains("\"green, blue; '=cmd\""), "{raw}");
}

fn csv_export_walks_every_page<S: Store>(store: S) {
    let c = auth_config(&[]);
    let admin = admin_token(&store, &c);
    let n = letterbox_forms::store::MAX_PAGE as u64 + 37;
    for i in 0..n {
        let s = Submission {
            id: new_id(NOW + i),
            form: "free".into(),
            values: FormData(vec![("text".into(), format!("row {i}"))]),
            received_at: rfc3339_millis(NOW + i),
            user: Some("mia".into()),
            read: false,
        };
        futures::executor::block_on(store.insert(&s)).unwrap();
    }
    let rows = csv_rows(&export(&store, &c, &admin, "free"));
    assert_eq!(rows.len() as u64, n + 1);
    assert_eq!(rows[0], ["id", "received_at", "user", "text"]);
    assert_eq!(rows[1][3], format!("row {}", n - 1));
    assert_eq!(rows[n as usize][3], "row 0");
    assert!(rows[1..].iter().all(|r| r[2] == "mia"));
    let mut ids: Vec<&String> = rows[1..].iter().map(|r| &r[0]).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len() as u64, n);
}

fn preflight_allows_admin_requests<S: Store>(store: S) {
    let c = auth_config(&[]);
    let id = new_id(NOW);
    for (path, method) in [
        (format!("/api/forms/contact/submissions/{id}"), "DELETE"),
        ("/api/users".to_owned(), "POST"),
        ("/api/auth/login".to_owned(), "POST"),
        ("/api/forms".to_owned(), "GET"),
    ] {
        let resp = run(
            &store,
            &c,
            Request::options(path.as_str())
                .header("origin", "http://localhost:3000")
                .header("access-control-request-method", method)
                .header(
                    "access-control-request-headers",
                    "authorization, content-type",
                )
                .body(Bytes::new())
                .unwrap(),
        );
        assert_eq!(resp.status(), StatusCode::NO_CONTENT, "{path}");
        let h = resp.headers();
        assert_eq!(h["access-control-allow-origin"], "http://localhost:3000");
        assert_eq!(h["access-control-allow-credentials"], "true");
        assert!(
            h["access-control-allow-methods"]
                .to_str()
                .unwrap()
                .contains(method)
        );
        let allowed = h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_lowercase();
        assert!(allowed.contains("authorization") && allowed.contains("content-type"));
    }
    let resp = run(
        &store,
        &c,
        Request::options("/api/users")
            .header("origin", "https://evil.example")
            .header("access-control-request-method", "POST")
            .body(Bytes::new())
            .unwrap(),
    );
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(resp.headers().get("access-control-allow-origin").is_none());
}

/// Issue 12, item 5: an external `role: admin` means nothing unless the site
/// names its admin role, and external admins create no local users unless
/// `jwks_admins_manage_users` is on.
fn external_admins_need_the_configured_role_and_may_not_mint_users<S: Store>(store: S) {
    let new_user =
        || Some(json!({"username": "mallory", "password": "long enough pw", "role": "admin"}));
    let with_role = |role: &str| {
        external("rsa-1", |c| {
            c.custom.insert("role".into(), json!(role));
        })
    };
    // No jwks_admin_role: `role: admin` is a member.
    let c = auth_config(&[("jwks_admin_role", "")]);
    let t = with_role("admin");
    let resp = run(&store, &c, req(Method::GET, "/api/forms", Some(&t), None));
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{}", text(&resp));
    let resp = run(
        &store,
        &c,
        req(Method::POST, "/api/users", Some(&t), new_user()),
    );
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    // The configured value makes an admin, who sees submissions…
    let c = auth_config(&[("jwks_admin_role", "letterbox-admin")]);
    let resp = run(&store, &c, req(Method::GET, "/api/forms", Some(&t), None));
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    let t = with_role("letterbox-admin");
    let resp = run(&store, &c, req(Method::GET, "/api/forms", Some(&t), None));
    assert_eq!(resp.status(), StatusCode::OK, "{}", text(&resp));
    // …but mints no local users.
    let resp = run(
        &store,
        &c,
        req(Method::POST, "/api/users", Some(&t), new_user()),
    );
    assert_eq!(resp.status(), StatusCode::FORBIDDEN, "{}", text(&resp));
    assert_eq!(
        futures::executor::block_on(store.get_user("mallory")).unwrap(),
        None
    );
    // Unless the site allows it.
    let c = auth_config(&[
        ("jwks_admin_role", "letterbox-admin"),
        ("jwks_admins_manage_users", "true"),
    ]);
    let resp = run(
        &store,
        &c,
        req(Method::POST, "/api/users", Some(&t), new_user()),
    );
    assert_eq!(resp.status(), StatusCode::CREATED, "{}", text(&resp));
}

/// Issue 12, item 6: changing a password (own, with the old one), a role,
/// or deleting a user ends the tokens issued before, on admin and member
/// routes alike; admins list users.
fn password_role_changes_and_deletion_revoke_tokens<S: Store>(store: S) {
    let c = auth_config(&[]);
    let admin = admin_token(&store, &c);
    let call = |method: Method, path: &str, token: &str, body: Option<Value>| {
        run(&store, &c, req(method, path, Some(token), body))
    };
    let resp = call(
        Method::POST,
        "/api/users",
        &admin,
        Some(json!({"username": "ivy", "password": "first password"})),
    );
    assert_eq!(resp.status(), StatusCode::CREATED);
    let login = |password: &str| {
        let resp = run(&store, &c, login_req("ivy", password, "198.51.100.7:1"));
        assert_eq!(resp.status(), StatusCode::OK, "{}", text(&resp));
        body_json(&resp)["token"].as_str().unwrap().to_owned()
    };
    let works = |token: &str| {
        let me = call(Method::GET, "/api/auth/me", token, None);
        let post = call(
            Method::POST,
            "/api/forms/members",
            token,
            Some(json!({"text": "hi"})),
        );
        match (me.status(), post.status()) {
            (StatusCode::OK, StatusCode::CREATED) => true,
            (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED) => {
                assert_invalid_token(&me, "me");
                assert_invalid_token(&post, "member form");
                false
            }
            other => panic!("{other:?}: {}", text(&me)),
        }
    };
    let first = login("first password");
    assert!(works(&first));

    // Own password: the old one is needed; the new one must be long enough.
    let change = |token: &str, old: &str, new: &str| {
        call(
            Method::POST,
            "/api/auth/password",
            token,
            Some(json!({"password": old, "new_password": new})),
        )
    };
    assert_eq!(
        change(&first, "wrong password", "second password").status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        change(&first, "first password", "short").status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert!(works(&first));
    let resp = change(&first, "first password", "second password");
    assert_eq!(resp.status(), StatusCode::OK, "{}", text(&resp));
    let second = body_json(&resp)["token"].as_str().unwrap().to_owned();
    assert!(!works(&first), "the old token outlived the password change");
    assert!(works(&second));
    let resp = run(
        &store,
        &c,
        login_req("ivy", "first password", "198.51.100.8:1"),
    );
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    // The configured admin's password lives in the variables.
    assert_eq!(
        change(&admin, ADMIN_PASSWORD, "another password").status(),
        StatusCode::CONFLICT
    );

    // Admins list users; members may not.
    let list = call(Method::GET, "/api/users", &admin, None);
    assert_eq!(list.status(), StatusCode::OK);
    assert_eq!(
        body_json(&list),
        json!({"users": [
            {"username": ADMIN, "role": "admin", "configured": true},
            {"username": "ivy", "role": "member"},
        ]})
    );
    assert_eq!(
        call(Method::GET, "/api/users", &second, None).status(),
        StatusCode::FORBIDDEN
    );

    // A role change ends the tokens of the old role.
    let resp = call(
        Method::PATCH,
        "/api/users/ivy",
        &admin,
        Some(json!({"role": "admin"})),
    );
    assert_eq!(resp.status(), StatusCode::OK, "{}", text(&resp));
    assert_eq!(
        body_json(&resp),
        json!({"username": "ivy", "role": "admin"})
    );
    assert!(!works(&second));
    let third = login("second password");
    assert_eq!(
        call(Method::GET, "/api/forms", &third, None).status(),
        StatusCode::OK
    );
    // An admin's new password for a user ends its tokens too.
    let resp = call(
        Method::PATCH,
        "/api/users/ivy",
        &admin,
        Some(json!({"password": "third password"})),
    );
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(
        call(Method::GET, "/api/forms", &third, None).status(),
        StatusCode::UNAUTHORIZED
    );
    let fourth = login("third password");
    for (body, want) in [
        (json!({"role": "owner"}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({}), StatusCode::BAD_REQUEST),
    ] {
        let resp = call(Method::PATCH, "/api/users/ivy", &admin, Some(body));
        assert_eq!(resp.status(), want);
    }
    for (method, path, want) in [
        (Method::PATCH, "/api/users/nobody", StatusCode::NOT_FOUND),
        (Method::DELETE, "/api/users/nobody", StatusCode::NOT_FOUND),
        (Method::DELETE, "/api/users/root", StatusCode::CONFLICT),
        (Method::PATCH, "/api/users/root", StatusCode::CONFLICT),
    ] {
        let resp = call(
            method.clone(),
            path,
            &admin,
            Some(json!({"role": "member"})),
        );
        assert_eq!(resp.status(), want, "{method} {path}");
    }

    // Deleting the user ends its tokens; recreating the name does not
    // bring them back.
    let resp = call(Method::DELETE, "/api/users/ivy", &admin, None);
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        call(Method::GET, "/api/forms", &fourth, None).status(),
        StatusCode::UNAUTHORIZED
    );
    let resp = call(
        Method::POST,
        "/api/users",
        &admin,
        Some(json!({"username": "ivy", "password": "third password", "role": "admin"})),
    );
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(
        call(Method::GET, "/api/forms", &fourth, None).status(),
        StatusCode::UNAUTHORIZED
    );
    // A cookie-carried user change needs an allowed Origin.
    let resp = run(
        &store,
        &c,
        cookie_req(
            Method::DELETE,
            "/api/users/ivy",
            &admin,
            Some("https://evil.example"),
            None,
        ),
    );
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(
        futures::executor::block_on(store.get_user("ivy"))
            .unwrap()
            .is_some()
    );
}
