//! Shared fixtures for the handler tests: a manifest, configs, request
//! builders, and a macro that runs a test against every store.
// A test crate has no public API: `pub` here marks what the tests use.
#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::OnceLock;

use bytes::Bytes;
use http::{Request, Response};
use letterbox_forms::handler::{Context, FixedClock, handle};
use letterbox_forms::outbound::{NoOutbound, Outbound};
use letterbox_forms::store::{KvStore, MemoryKv, MemoryStore, SqliteStore, Store, Submission};
use letterbox_forms::{AuthRequirement, Config, Field, FieldKind, Form, Manifest};

pub const SECRET: &str = "0123456789abcdef0123456789abcdef";
pub const SITE: &str = "https://site.example";
/// 2026-11-28T10:00:00Z.
pub const NOW: u64 = 1_795_860_000_000;
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// The argon2 hash of [`ADMIN_PASSWORD`], computed once per test binary
/// (hashing is slow on purpose).
pub fn admin_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| letterbox_forms::auth::hash_password(ADMIN_PASSWORD).unwrap())
}

pub fn manifest() -> Manifest {
    let mut email = Field::new("email", FieldKind::Email);
    email.required = true;
    email.maxlength = Some(200);
    let mut message = Field::new("message", FieldKind::Textarea);
    message.required = true;
    message.minlength = Some(10);
    message.maxlength = Some(5000);
    let mut topics = Field::new("topics", FieldKind::Checkbox);
    topics.options = vec!["a".into(), "b".into(), "c".into()];
    topics.multiple = true;
    let contact = Form {
        redirect: Some("/contact/thanks/".into()),
        ..Form::new(
            "contact",
            "content/contact.md",
            vec![email, message, topics],
        )
    };
    let free = Form {
        honeypot: "_hp".into(),
        ..Form::new(
            "free",
            "content/free.md",
            vec![Field::new("text", FieldKind::Text)],
        )
    };
    let evil = Form {
        redirect: Some("//evil.example/x".into()),
        honeypot: "_hp".into(),
        ..Form::new(
            "evil",
            "content/evil.md",
            vec![Field::new("text", FieldKind::Text)],
        )
    };
    let members = Form {
        auth: AuthRequirement::Required,
        honeypot: "_hp".into(),
        ..Form::new(
            "members",
            "content/members.md",
            vec![Field::new("text", FieldKind::Text)],
        )
    };
    let mut m = Manifest::default();
    for f in [contact, free, evil, members] {
        m.forms.insert(f.name.clone(), f);
    }
    m
}

/// A config with rate limiting off, plus `extra` variables.
pub fn config(extra: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("jwt_secret".into(), SECRET.into()),
        ("site_url".into(), SITE.into()),
        ("rate_limit_per_minute".into(), "0".into()),
        (
            "allowed_origins".into(),
            "https://site.example, http://localhost:3000".into(),
        ),
    ]);
    for (k, v) in extra {
        vars.insert(k.to_string(), v.to_string());
    }
    Config::from_lookup(|name| vars.get(name).cloned()).unwrap()
}

/// Runs one request through the handler.
pub fn call<S: Store>(
    store: &S,
    config: &Config,
    now: u64,
    req: Request<Bytes>,
) -> Response<Vec<u8>> {
    call_with(store, config, &manifest(), &NoOutbound, now, req)
}

/// Runs one request through the handler with this manifest and outbound.
pub fn call_with<S: Store>(
    store: &S,
    config: &Config,
    manifest: &Manifest,
    outbound: &dyn Outbound,
    now: u64,
    req: Request<Bytes>,
) -> Response<Vec<u8>> {
    let clock = FixedClock(now);
    let ctx = Context {
        config,
        manifest,
        store,
        clock: &clock,
        outbound,
    };
    futures::executor::block_on(handle(req, &ctx))
}

pub fn form_post(path: &str, body: &str) -> Request<Bytes> {
    Request::post(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("spin-client-addr", "203.0.113.7:5555")
        .body(Bytes::from(body.to_owned()))
        .unwrap()
}

pub fn json_post(path: &str, body: &str) -> Request<Bytes> {
    Request::post(path)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("spin-client-addr", "203.0.113.7:5555")
        .body(Bytes::from(body.to_owned()))
        .unwrap()
}

pub fn raw_post(
    path: &str,
    content_type: Option<&str>,
    accept_json: bool,
    body: Vec<u8>,
) -> Request<Bytes> {
    let mut b = Request::post(path).header("spin-client-addr", "203.0.113.7:5555");
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    if accept_json {
        b = b.header("accept", "application/json");
    }
    b.body(Bytes::from(body)).unwrap()
}

/// Every stored submission of `form`, newest first, walking all pages.
pub fn stored<S: Store>(store: &S, form: &str) -> Vec<Submission> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = futures::executor::block_on(store.list(form, cursor.as_deref(), 7)).unwrap();
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

pub fn total<S: Store>(store: &S) -> usize {
    ["contact", "free", "evil", "members"]
        .iter()
        .map(|f| stored(store, f).len())
        .sum()
}

pub fn body_json(resp: &Response<Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(resp.body()).unwrap_or(serde_json::Value::Null)
}

pub fn memory() -> MemoryStore {
    MemoryStore::new()
}
pub fn sqlite() -> SqliteStore {
    SqliteStore::open_in_memory().unwrap()
}
pub fn kv() -> KvStore<MemoryKv> {
    KvStore::new(MemoryKv::new())
}

/// `store_tests!(a, b)` runs the generic tests `a::<S>(store)` and `b` once
/// per store: memory, rusqlite, key-value.
#[macro_export]
macro_rules! store_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[test]
                fn memory() { super::$name(super::common::memory()) }
                #[test]
                fn sqlite() { super::$name(super::common::sqlite()) }
                #[test]
                fn kv() { super::$name(super::common::kv()) }
            }
        )*
    };
}
