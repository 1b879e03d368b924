#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use super::*;

const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_lookup(|name| map.get(name).cloned())
}

#[test]
fn defaults() {
    let c = config(&[
        ("jwt_secret", SECRET),
        ("site_url", "https://example.com/blog/"),
    ])
    .unwrap();
    assert_eq!(c.store, StoreKind::Sqlite);
    assert_eq!(c.site_origin, "https://example.com");
    assert_eq!(c.allowed_origins, vec!["https://example.com"]);
    assert_eq!(c.max_body_bytes, DEFAULT_MAX_BODY_BYTES);
    assert_eq!(c.rate_limit_per_minute, DEFAULT_RATE_LIMIT_PER_MINUTE);
    assert_eq!(c.jwt_issuer, "letterbox");
    assert!(c.jwks.is_none());
    assert!(!format!("{c:?}").contains(SECRET));
}

#[test]
fn explicit_values() {
    let c = config(&[
        ("jwt_secret", SECRET),
        ("store", "kv"),
        ("site_url", "https://example.com"),
        (
            "allowed_origins",
            "https://example.com, http://localhost:8080 ,",
        ),
        ("max_body_bytes", "1024"),
        ("rate_limit_per_minute", "0"),
        ("jwt_ttl_seconds", "60"),
        ("admin_username", "root"),
        (
            "admin_password_hash",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        ),
    ])
    .unwrap();
    assert_eq!(c.store, StoreKind::Kv);
    assert_eq!(
        c.allowed_origins,
        vec!["https://example.com", "http://localhost:8080"]
    );
    assert!(c.origin_allowed("http://localhost:8080"));
    assert!(!c.origin_allowed("http://localhost:8081"));
    assert_eq!(c.max_body_bytes, 1024);
    assert_eq!(c.rate_limit_per_minute, 0);
    assert_eq!(c.jwt_ttl_seconds, 60);
    assert_eq!(c.jwt_secret.as_deref(), Some(SECRET));
}

#[test]
fn typed_values_build_what_the_variables_do() {
    let typed = Config::builder(Url::parse("http://127.0.0.1:1111").unwrap())
        .unwrap()
        .jwt_secret(Some(SECRET.into()))
        .allowed_origins(["http://127.0.0.1:1111", "http://localhost:1111/"])
        .unwrap()
        .admin(
            "admin".into(),
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        )
        .unwrap()
        .store(StoreKind::Sqlite)
        .build();
    let from_variables = config(&[
        ("jwt_secret", SECRET),
        ("site_url", "http://127.0.0.1:1111"),
        (
            "allowed_origins",
            "http://127.0.0.1:1111, http://localhost:1111/",
        ),
        ("admin_username", "admin"),
        (
            "admin_password_hash",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        ),
        ("store", "sqlite"),
    ])
    .unwrap();
    assert_eq!(typed, from_variables);
    assert_eq!(typed.allowed_origins[1], "http://localhost:1111");
    let bad = Config::builder(Url::parse("http://x.example").unwrap())
        .unwrap()
        .allowed_origins(["*"])
        .unwrap_err();
    assert!(matches!(
        bad,
        ConfigError::Invalid {
            name: "allowed_origins",
            ..
        }
    ));
    assert!(Config::builder(Url::parse("mailto:a@b.c").unwrap()).is_err());
}

#[test]
fn external_provider_variables() {
    let c = config(&[
        ("site_url", "https://example.com"),
        ("jwks", r#"{"keys":[]}"#),
        ("jwks_issuer", " https://idp.example/ "),
        ("jwks_audience", "api"),
    ])
    .unwrap();
    assert_eq!(c.jwks.as_deref(), Some(r#"{"keys":[]}"#));
    assert_eq!(c.jwks_issuer.as_deref(), Some("https://idp.example/"));
    assert_eq!(c.jwks_audience.as_deref(), Some("api"));
    assert!(VARIABLES.contains(&"jwks_issuer") && VARIABLES.contains(&"jwks_audience"));
}

#[test]
fn bad_values_are_named() {
    let base = [("jwt_secret", SECRET), ("site_url", "https://example.com")];
    let with = |extra: (&'static str, &'static str)| {
        let mut pairs = base.to_vec();
        pairs.push(extra);
        config(&pairs).unwrap_err()
    };
    // A missing or short secret is not a config error: auth routes
    // refuse to work (503) while public forms keep working.
    assert_eq!(
        config(&[("site_url", "https://x.y")]).unwrap().jwt_secret,
        None
    );
    assert_eq!(
        config(&[("jwt_secret", ""), ("site_url", "https://x.y")])
            .unwrap()
            .jwt_secret,
        None
    );
    assert_eq!(
        config(&[("jwt_secret", "short"), ("site_url", "https://x.y")])
            .unwrap()
            .jwt_secret
            .as_deref(),
        Some("short")
    );
    assert_eq!(
        config(&[("jwt_secret", SECRET)]).unwrap_err(),
        ConfigError::Missing("site_url")
    );
    for (pair, name) in [
        (("store", "postgres"), "store"),
        (("max_body_bytes", "-1"), "max_body_bytes"),
        (("max_body_bytes", "0"), "max_body_bytes"),
        (("rate_limit_per_minute", "ten"), "rate_limit_per_minute"),
        (("ipv6_prefix_len", "129"), "ipv6_prefix_len"),
        (("ipv6_prefix_len", "-1"), "ipv6_prefix_len"),
        (
            ("jwks_admins_manage_users", "yes"),
            "jwks_admins_manage_users",
        ),
        (("allowed_origins", "*"), "allowed_origins"),
        (
            ("allowed_origins", "https://a.example/path"),
            "allowed_origins",
        ),
        (("allowed_origins", "ftp://a.example"), "allowed_origins"),
        (("admin_username", "root"), "admin_password_hash"),
    ] {
        match with(pair) {
            ConfigError::Invalid { name: got, message } => {
                assert_eq!(got, name, "{pair:?}: {message}")
            }
            other => panic!("{pair:?}: {other:?}"),
        }
    }
    assert!(matches!(
        config(&[("jwt_secret", SECRET), ("site_url", "mailto:x@y.z")]),
        Err(ConfigError::Invalid {
            name: "site_url",
            ..
        })
    ));
}
