//! Stores under stress: hostile strings, failures, concurrency, body limits,
//! round trips and key layout.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use common::*;
use futures::executor::block_on;
use http::{HeaderMap, Request, StatusCode};
use letterbox_forms::ApiError;
use letterbox_forms::handler::collect_limited;
use letterbox_forms::store::{
    KvBackend as _, KvStore, MemoryKv, MemoryStore, OutboxEntry, Page, SqliteStore, Store,
    StoreError, Submission, User, kv, sql,
};

store_tests!(
    naughty_strings_never_5xx_and_store_exactly,
    failing_store_is_503_and_writes_nothing,
    creating_an_existing_user_changes_nothing,
    users_are_listed_updated_and_deleted,
    get_finds_exactly_one_submission,
    outbox_entries_are_kept_scheduled_and_deleted,
    quotas_count_per_key_and_day,
    retention_deletes_the_oldest_first_and_no_more_than_asked,
    submissions_are_marked_read_and_unread,
);

fn submissions_are_marked_read_and_unread<S: Store>(store: S) {
    let read_of = |form: &str, id: &str| block_on(store.get(form, id)).unwrap().unwrap().read;
    let older = block_on(store.insert(&submission("contact", "older"))).unwrap();
    let newer = block_on(store.insert(&submission("contact", "newer"))).unwrap();
    assert!(!read_of("contact", &newer), "new submissions are unread");
    assert!(block_on(store.mark_read("contact", &newer, true)).unwrap());
    // Twice is fine, and reports the submission as there.
    assert!(block_on(store.mark_read("contact", &newer, true)).unwrap());
    assert!(read_of("contact", &newer));
    assert!(!read_of("contact", &older), "only the one marked");
    let listed = block_on(store.list("contact", None, 10)).unwrap().items;
    let flags: Vec<bool> = listed.iter().map(|s| s.read).collect();
    assert_eq!(flags, [true, false]);
    assert_eq!(listed[0].values, submission("contact", "newer").values);
    // Not there: nothing marked, `false`.
    assert!(!block_on(store.mark_read("other", &newer, true)).unwrap());
    let unknown = letterbox_forms::store::new_id(NOW + 5);
    assert!(!block_on(store.mark_read("contact", &unknown, true)).unwrap());
    assert_eq!(block_on(store.get("other", &newer)).unwrap(), None);
    // The mark moves with the submission to another folder, and back.
    let moved = block_on(store.refile("contact", &newer, "contact.archived"))
        .unwrap()
        .unwrap();
    assert!(read_of("contact.archived", &moved));
    assert!(block_on(store.mark_read("contact.archived", &moved, false)).unwrap());
    assert!(!read_of("contact.archived", &moved));
    // Deleted, a marked submission leaves no mark behind to mark.
    assert!(block_on(store.mark_read("contact", &older, true)).unwrap());
    assert!(block_on(store.delete("contact", &older)).unwrap());
    assert!(!block_on(store.mark_read("contact", &older, true)).unwrap());
}

fn get_finds_exactly_one_submission<S: Store>(store: S) {
    let first = submission("contact", "one");
    let id = block_on(store.insert(&first)).unwrap();
    let found = block_on(store.get("contact", &id)).unwrap().unwrap();
    assert_eq!(found.values, first.values);
    assert_eq!(block_on(store.get("other", &id)).unwrap(), None);
    let unknown = letterbox_forms::store::new_id(NOW + 5);
    assert_eq!(block_on(store.get("contact", &unknown)).unwrap(), None);
    assert_eq!(block_on(store.get("contact", "not-an-id")).unwrap(), None);
}

fn retention_deletes_the_oldest_first_and_no_more_than_asked<S: Store>(store: S) {
    const DAY: u64 = 86_400_000;
    let at = |millis: u64, text: &str| Submission {
        id: letterbox_forms::store::id_received_at(millis),
        ..submission("guestbook", text)
    };
    // Five old ones (40 to 36 days ago), then two recent ones.
    let mut ids = Vec::new();
    for (i, age) in [40, 39, 38, 37, 36, 2, 1].into_iter().enumerate() {
        ids.push(block_on(store.insert(&at(NOW - age * DAY, &format!("#{i}")))).unwrap());
    }
    let other = Submission {
        form: "other".into(),
        ..at(NOW - 40 * DAY, "another form's")
    };
    block_on(store.insert(&other)).unwrap();
    let cutoff = NOW - 30 * DAY;
    assert_eq!(block_on(store.expire("guestbook", cutoff, 3)).unwrap(), 3);
    let left: Vec<String> = block_on(store.list("guestbook", None, 50))
        .unwrap()
        .items
        .into_iter()
        .map(|s| s.id)
        .collect();
    let expected: Vec<String> = ids[3..].iter().rev().cloned().collect();
    assert_eq!(left, expected, "the three oldest are gone");
    // The key-value store sweeps a form at most once a minute per instance
    // once it found nothing more: a minute later the rest go.
    let later = cutoff + 60_000;
    let mut deleted = block_on(store.expire("guestbook", cutoff, 25)).unwrap();
    deleted += block_on(store.expire("guestbook", later, 25)).unwrap();
    assert_eq!(deleted, 2);
    assert_eq!(block_on(store.count("guestbook")).unwrap(), 2);
    assert_eq!(
        block_on(store.expire("guestbook", later + 60_000, 25)).unwrap(),
        0
    );
    assert_eq!(
        block_on(store.count("guestbook")).unwrap(),
        2,
        "recent ones stay"
    );
    // A deleted record in the middle is stepped over.
    block_on(store.delete("guestbook", &ids[5])).unwrap();
    assert_eq!(block_on(store.expire("guestbook", NOW, 25)).unwrap(), 1);
    assert_eq!(block_on(store.count("guestbook")).unwrap(), 0);
    assert_eq!(
        block_on(store.count("other")).unwrap(),
        1,
        "only the form asked"
    );
}

fn outbox_entry(id: &str, due: Option<u64>) -> OutboxEntry {
    OutboxEntry {
        id: id.into(),
        form: "contact".into(),
        submission_id: "s".into(),
        kind: letterbox_forms::store::DeliveryKind::Webhook,
        url: "http://127.0.0.1:9/hook".into(),
        body: "{}".into(),
        signed: true,
        attempts: 1,
        last_error: "answered 500".into(),
        created_at: "2026-11-30T10:00:00.000Z".into(),
        next_attempt_at: due,
    }
}

fn outbox_entries_are_kept_scheduled_and_deleted<S: Store>(store: S) {
    assert!(block_on(store.outbox_list(10)).unwrap().is_empty());
    block_on(store.outbox_put(&outbox_entry("a", Some(300)))).unwrap();
    block_on(store.outbox_put(&outbox_entry("b", Some(100)))).unwrap();
    block_on(store.outbox_put(&outbox_entry("c", None))).unwrap();
    let ids = |entries: Vec<OutboxEntry>| entries.into_iter().map(|e| e.id).collect::<Vec<_>>();
    assert_eq!(
        ids(block_on(store.outbox_list(10)).unwrap()),
        ["c", "b", "a"]
    );
    assert_eq!(ids(block_on(store.outbox_list(2)).unwrap()), ["c", "b"]);
    // Due ones only, the longest waiting first; a given-up one never.
    assert_eq!(
        ids(block_on(store.outbox_due(99, 10)).unwrap()),
        Vec::<String>::new()
    );
    assert_eq!(
        ids(block_on(store.outbox_due(300, 10)).unwrap()),
        ["b", "a"]
    );
    assert_eq!(ids(block_on(store.outbox_due(u64::MAX, 1)).unwrap()), ["b"]);
    // Replaced by id.
    let mut later = outbox_entry("b", Some(500));
    later.attempts = 2;
    block_on(store.outbox_put(&later)).unwrap();
    assert_eq!(block_on(store.outbox_get("b")).unwrap(), Some(later));
    assert_eq!(ids(block_on(store.outbox_due(300, 10)).unwrap()), ["a"]);
    assert!(block_on(store.outbox_delete("a")).unwrap());
    assert!(!block_on(store.outbox_delete("a")).unwrap());
    assert_eq!(block_on(store.outbox_get("a")).unwrap(), None);
    assert_eq!(ids(block_on(store.outbox_list(10)).unwrap()), ["c", "b"]);
}

fn quotas_count_per_key_and_day<S: Store>(store: S) {
    assert_eq!(block_on(store.quota_hit("to:x", 20_000)).unwrap(), 1);
    assert_eq!(block_on(store.quota_hit("to:x", 20_000)).unwrap(), 2);
    assert_eq!(block_on(store.quota_hit("to:y", 20_000)).unwrap(), 1);
    assert_eq!(block_on(store.quota_hit("to:x", 20_001)).unwrap(), 1);
    assert_eq!(block_on(store.quota_hit("to:y", 20_001)).unwrap(), 1);
}

fn users_are_listed_updated_and_deleted<S: Store>(store: S) {
    assert_eq!(block_on(store.list_users()).unwrap(), vec![]);
    for name in ["cid", "ann", "bob"] {
        assert!(block_on(store.create_user(&user(name, name))).unwrap());
    }
    let names = |store: &S| -> Vec<String> {
        block_on(store.list_users())
            .unwrap()
            .into_iter()
            .map(|u| u.username)
            .collect()
    };
    assert_eq!(names(&store), ["ann", "bob", "cid"]);
    let mut bob = user("bob", "new hash");
    bob.role = "admin".into();
    assert!(block_on(store.update_user(&bob)).unwrap());
    assert_eq!(block_on(store.get_user("bob")).unwrap(), Some(bob));
    assert!(!block_on(store.update_user(&user("dan", "x"))).unwrap());
    assert_eq!(block_on(store.get_user("dan")).unwrap(), None);
    assert!(block_on(store.delete_user("ann")).unwrap());
    assert!(!block_on(store.delete_user("ann")).unwrap());
    assert_eq!(block_on(store.get_user("ann")).unwrap(), None);
    assert_eq!(names(&store), ["bob", "cid"]);
}

fn user(name: &str, hash: &str) -> User {
    User {
        username: name.to_owned(),
        password_hash: hash.to_owned(),
        role: "member".to_owned(),
    }
}

fn creating_an_existing_user_changes_nothing<S: Store>(store: S) {
    assert!(block_on(store.create_user(&user("ann", "first"))).unwrap());
    assert!(!block_on(store.create_user(&user("ann", "second"))).unwrap());
    let stored = block_on(store.get_user("ann")).unwrap().unwrap();
    assert_eq!(stored.password_hash, "first");
    assert!(block_on(store.create_user(&user("bob", "b"))).unwrap());
}

#[test]
fn simultaneous_creates_of_one_user_on_sqlite_succeed_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letterbox.db");
    SqliteStore::open(&path).unwrap();
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let store = SqliteStore::open(&path).unwrap();
                let hash = format!("hash-{t}");
                let created = block_on(store.create_user(&user("ann", &hash))).unwrap();
                created.then_some(hash)
            })
        })
        .collect();
    let winners: Vec<String> = handles
        .into_iter()
        .filter_map(|h| h.join().unwrap())
        .collect();
    assert_eq!(winners.len(), 1, "{winners:?}");
    let store = SqliteStore::open(&path).unwrap();
    let stored = block_on(store.get_user("ann")).unwrap().unwrap();
    assert_eq!(stored.password_hash, winners[0]);
}

fn naughty_strings_never_5xx_and_store_exactly<S: Store>(store: S) {
    let c = config(&[]);
    let mut accepted = 0;
    for (i, s) in naughty_strings::BLNS.iter().enumerate() {
        // As JSON (any string is valid UTF-8 there).
        let body = serde_json::json!({ "text": s }).to_string();
        let resp = call(
            &store,
            &c,
            NOW + i as u64,
            json_post("/api/forms/free", &body),
        );
        assert!(
            resp.status().is_client_error() || resp.status() == StatusCode::CREATED,
            "{s:?}: {}",
            resp.status()
        );
        if resp.status() == StatusCode::CREATED {
            accepted += 1;
            let id = body_json(&resp)["id"].as_str().unwrap().to_owned();
            // Ids increase, so the newest record is this one.
            let row = block_on(store.list("free", None, 1))
                .unwrap()
                .items
                .remove(0);
            assert_eq!(row.id, id);
            assert_eq!(
                row.values.0,
                vec![("text".to_string(), s.to_string())],
                "{s:?}"
            );
        }
        // As a browser form post, percent-encoded.
        let encoded: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("text", s)
            .finish();
        let resp = call(
            &store,
            &c,
            NOW + i as u64,
            form_post("/api/forms/free", &encoded),
        );
        assert!(
            resp.status().is_client_error() || resp.status() == StatusCode::SEE_OTHER,
            "{s:?}: {}",
            resp.status()
        );
        // As a field *name* too: unknown field, 4xx.
        let body = serde_json::json!({ *s: "x" }).to_string();
        let resp = call(&store, &c, NOW, json_post("/api/forms/free", &body));
        assert!(
            resp.status().as_u16() < 500,
            "{s:?} as a name: {}",
            resp.status()
        );
        // And as a form name in the path.
        let path = format!(
            "/api/forms/{}",
            s.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        );
        let resp = call(&store, &c, NOW, json_post(&path, "{}"));
        assert!(resp.status().as_u16() < 500);
    }
    assert!(accepted > 400, "only {accepted} naughty strings accepted");
}

/// A store whose writes (or everything) fail.
struct Failing<S> {
    inner: S,
    fail_rate: bool,
    fail_all: AtomicBool,
}

impl<S: Store> Store for Failing<S> {
    async fn insert(&self, _s: &Submission) -> Result<String, StoreError> {
        Err(StoreError::new("disk full"))
    }
    async fn list(&self, form: &str, before: Option<&str>, limit: u32) -> Result<Page, StoreError> {
        self.inner.list(form, before, limit).await
    }
    async fn get(&self, form: &str, id: &str) -> Result<Option<Submission>, StoreError> {
        self.inner.get(form, id).await
    }
    async fn count(&self, form: &str) -> Result<u64, StoreError> {
        self.inner.count(form).await
    }
    async fn quota_hit(&self, key: &str, day: u64) -> Result<u64, StoreError> {
        self.inner.quota_hit(key, day).await
    }
    async fn outbox_put(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
        self.inner.outbox_put(entry).await
    }
    async fn outbox_due(&self, now: u64, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        self.inner.outbox_due(now, limit).await
    }
    async fn outbox_list(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        self.inner.outbox_list(limit).await
    }
    async fn outbox_get(&self, id: &str) -> Result<Option<OutboxEntry>, StoreError> {
        self.inner.outbox_get(id).await
    }
    async fn outbox_delete(&self, id: &str) -> Result<bool, StoreError> {
        self.inner.outbox_delete(id).await
    }
    async fn delete(&self, form: &str, id: &str) -> Result<bool, StoreError> {
        self.inner.delete(form, id).await
    }
    async fn mark_read(&self, form: &str, id: &str, read: bool) -> Result<bool, StoreError> {
        self.inner.mark_read(form, id, read).await
    }
    async fn expire(&self, form: &str, before: u64, max: u32) -> Result<u32, StoreError> {
        self.inner.expire(form, before, max).await
    }
    async fn rate_hit(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        if self.fail_rate {
            return Err(StoreError::new("timeout"));
        }
        self.inner.rate_hit(addr, form, window).await
    }
    async fn get_user(&self, u: &str) -> Result<Option<User>, StoreError> {
        self.inner.get_user(u).await
    }
    async fn put_user(&self, u: &User) -> Result<(), StoreError> {
        self.inner.put_user(u).await
    }
    async fn rate_count(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        if self.fail_rate {
            return Err(StoreError::new("timeout"));
        }
        self.inner.rate_count(addr, form, window).await
    }
    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        self.inner.list_users().await
    }
    async fn delete_user(&self, u: &str) -> Result<bool, StoreError> {
        self.inner.delete_user(u).await
    }
    async fn ping(&self) -> Result<(), StoreError> {
        if self.fail_all.load(Ordering::Relaxed) {
            return Err(StoreError::new("unreachable"));
        }
        self.inner.ping().await
    }
}

fn failing_store_is_503_and_writes_nothing<S: Store>(inner: S) {
    // The insert fails (after the rate-limit hit), then the rate-limit hit.
    let store = Failing {
        inner,
        fail_rate: false,
        fail_all: AtomicBool::new(true),
    };
    check_failing(&store);
    let store = Failing {
        inner: store.inner,
        fail_rate: true,
        fail_all: AtomicBool::new(true),
    };
    check_failing(&store);
    assert_eq!(total(&store.inner), 0);
    store.fail_all.store(false, Ordering::Relaxed);
    let c = config(&[]);
    let resp = call(
        &store,
        &c,
        NOW,
        Request::get("/api/health").body(Bytes::new()).unwrap(),
    );
    assert_eq!(resp.status(), StatusCode::OK);
}

fn check_failing<S: Store>(store: &Failing<S>) {
    let c = config(&[("rate_limit_per_minute", "5")]);
    let resp = call(
        store,
        &c,
        NOW,
        json_post("/api/forms/free", r#"{"text":"x"}"#),
    );
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(body_json(&resp)["error"], "store_unavailable");
    let resp = call(store, &c, NOW, form_post("/api/forms/free", "text=x"));
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(!String::from_utf8_lossy(resp.body()).contains("disk full"));
    let resp = call(
        store,
        &c,
        NOW,
        Request::get("/api/health").body(Bytes::new()).unwrap(),
    );
    assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(total(&store.inner), 0);
}

#[test]
fn parallel_submissions_on_sqlite_are_neither_lost_nor_duplicated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letterbox.db");
    SqliteStore::open(&path).unwrap();
    const THREADS: usize = 8;
    const EACH: usize = 25;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let store = SqliteStore::open(&path).unwrap();
                let c = config(&[("rate_limit_per_minute", "1000")]);
                let mut ids = Vec::new();
                for i in 0..EACH {
                    let mut req = json_post("/api/forms/free", &format!(r#"{{"text":"{t}-{i}"}}"#));
                    req.headers_mut()
                        .insert("spin-client-addr", format!("10.0.0.{t}:1").parse().unwrap());
                    let resp = call(&store, &c, NOW, req);
                    assert_eq!(
                        resp.status(),
                        StatusCode::CREATED,
                        "{}",
                        String::from_utf8_lossy(resp.body())
                    );
                    ids.push(body_json(&resp)["id"].as_str().unwrap().to_owned());
                }
                ids
            })
        })
        .collect();
    let ids: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let store = SqliteStore::open(&path).unwrap();
    let rows = stored(&store, "free");
    assert_eq!(rows.len(), THREADS * EACH);
    assert_eq!(
        block_on(store.count("free")).unwrap(),
        (THREADS * EACH) as u64
    );
    let stored_ids: HashSet<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(stored_ids.len(), THREADS * EACH);
    assert_eq!(stored_ids, ids.iter().map(String::as_str).collect());
    let texts: HashSet<&str> = rows.iter().map(|r| r.values.0[0].1.as_str()).collect();
    assert_eq!(texts.len(), THREADS * EACH);
}

#[test]
fn parallel_submissions_on_one_shared_memory_store() {
    let store = MemoryStore::new();
    let c = config(&[]);
    std::thread::scope(|s| {
        for t in 0..4 {
            let (store, c) = (&store, &c);
            s.spawn(move || {
                for i in 0..50 {
                    let resp = call(
                        store,
                        c,
                        NOW,
                        json_post("/api/forms/free", &format!(r#"{{"text":"{t}-{i}"}}"#)),
                    );
                    assert_eq!(resp.status(), StatusCode::CREATED);
                }
            });
        }
    });
    assert_eq!(store.all().len(), 200);
}

fn stream_body(
    chunks: Vec<Result<&'static [u8], &'static str>>,
) -> impl http_body::Body<Data = Bytes, Error = &'static str> {
    let frames = chunks
        .into_iter()
        .map(|c| c.map(|b| http_body::Frame::data(Bytes::from_static(b))));
    http_body_util::StreamBody::new(futures::stream::iter(frames))
}

#[test]
fn collect_limited_with_and_without_content_length() {
    let mut headers = HeaderMap::new();
    let ok = block_on(collect_limited(
        &headers,
        stream_body(vec![Ok(b"abc"), Ok(b"def")]),
        6,
    ))
    .unwrap();
    assert_eq!(&ok[..], b"abcdef");
    // No Content-Length: stops once past the limit (the failing chunk after
    // it is never read).
    let err = block_on(collect_limited(
        &headers,
        stream_body(vec![Ok(b"abc"), Ok(b"defg"), Err("never read")]),
        6,
    ))
    .unwrap_err();
    assert!(matches!(err, ApiError::TooLarge { limit: 6 }), "{err:?}");
    // A Content-Length over the limit is refused before reading anything.
    headers.insert("content-length", "7".parse().unwrap());
    let err = block_on(collect_limited(
        &headers,
        stream_body(vec![Err("never read")]),
        6,
    ))
    .unwrap_err();
    assert!(matches!(err, ApiError::TooLarge { .. }), "{err:?}");
    // A lying Content-Length does not get past the limit either.
    headers.insert("content-length", "3".parse().unwrap());
    let err = block_on(collect_limited(
        &headers,
        stream_body(vec![Ok(b"abcdefgh")]),
        6,
    ))
    .unwrap_err();
    assert!(matches!(err, ApiError::TooLarge { .. }));
    headers.insert("content-length", "lots".parse().unwrap());
    let err = block_on(collect_limited(&headers, stream_body(vec![]), 6)).unwrap_err();
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    headers.remove("content-length");
    let err = block_on(collect_limited(
        &headers,
        stream_body(vec![Ok(b"a"), Err("reset")]),
        6,
    ))
    .unwrap_err();
    assert_eq!(err.status(), StatusCode::BAD_REQUEST);
}

#[test]
fn kv_round_trips_per_submission_and_key_layout() {
    let store = KvStore::new(MemoryKv::new());
    let c = config(&[("rate_limit_per_minute", "10")]);
    let resp = call(
        &store,
        &c,
        NOW,
        json_post("/api/forms/free", r#"{"text":"a"}"#),
    );
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(
        store.backend().ops(),
        4,
        "rate get + rate set + sequence increment + record set"
    );
    let id = body_json(&resp)["id"].as_str().unwrap().to_owned();
    assert_eq!(
        kv::seq_of(&id),
        Some(1),
        "the id carries its sequence number"
    );
    let snapshot = store.backend().snapshot();
    let keys: Vec<&str> = snapshot.keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(keys.contains(&"s:free:1") && keys.contains(&"seq:free"));
    assert!(keys.iter().any(|k| k.starts_with("rl:") && k.len() == 7));
    let record: serde_json::Value = serde_json::from_slice(&snapshot["s:free:1"]).unwrap();
    assert_eq!(record["id"], id.as_str());
    assert_eq!(record["values"], serde_json::json!([["text", "a"]]));
    assert_eq!(record["received_at"], "2026-11-28T10:00:00.000Z");

    let off = config(&[]);
    let before = store.backend().ops();
    call(
        &store,
        &off,
        NOW,
        json_post("/api/forms/free", r#"{"text":"b"}"#),
    );
    assert_eq!(
        store.backend().ops() - before,
        2,
        "rate limiting off: an increment and a set"
    );
    // A form whose name extends another's is not mixed into it.
    block_on(store.insert(&Submission {
        id: letterbox_forms::store::new_id(NOW),
        form: "free:x".into(),
        values: Default::default(),
        received_at: "2026-11-28T10:00:00.000Z".into(),
        user: None,
        read: false,
    }))
    .unwrap();
    assert_eq!(block_on(store.count("free")).unwrap(), 2);
    assert_eq!(block_on(store.count("free:x")).unwrap(), 1);
}

fn submission(form: &str, text: &str) -> Submission {
    Submission {
        id: letterbox_forms::store::new_id(NOW),
        form: form.into(),
        values: letterbox_forms::FormData(vec![("text".into(), text.into())]),
        received_at: "2026-11-28T10:00:00.000Z".into(),
        user: None,
        read: false,
    }
}

/// On a store shared with a million other keys, listing, paging, counting
/// and deleting cost a number of operations set by the page size, and never
/// walk the keys.
#[test]
fn kv_listing_counting_and_deleting_never_walk_the_store() {
    let store = KvStore::new(MemoryKv::new());
    for i in 0..20_000 {
        block_on(store.backend().set(&format!("other:app:{i}"), b"x")).unwrap();
    }
    let mut ids = Vec::new();
    for i in 0..120 {
        ids.push(block_on(store.insert(&submission("contact", &format!("m{i}")))).unwrap());
    }
    let ops = |f: &dyn Fn()| {
        let before = store.backend().ops();
        f();
        store.backend().ops() - before
    };
    let first = std::cell::RefCell::new(Page::default());
    assert_eq!(
        ops(&|| *first.borrow_mut() = block_on(store.list("contact", None, 50)).unwrap()),
        2,
        "counter + one get_many"
    );
    let first = first.into_inner();
    assert_eq!(first.items.len(), 50);
    assert_eq!(first.items[0].id, ids[119], "newest first");
    let cursor = first.next_cursor.clone().unwrap();
    let second = block_on(store.list("contact", Some(&cursor), 50)).unwrap();
    assert_eq!(second.items[0].id, ids[69]);
    let third = block_on(store.list("contact", second.next_cursor.as_deref(), 50)).unwrap();
    assert_eq!(third.items.len(), 20);
    assert_eq!(third.next_cursor, None);
    assert_eq!(
        ops(&|| assert_eq!(block_on(store.count("contact")).unwrap(), 120)),
        2
    );

    // Deleting: a get, a delete and an increment; a wrong or foreign id
    // deletes nothing.
    assert_eq!(
        ops(&|| assert!(block_on(store.delete("contact", &ids[5])).unwrap())),
        3
    );
    assert!(!block_on(store.delete("contact", &ids[5])).unwrap());
    assert!(!block_on(store.delete("other", &ids[6])).unwrap());
    let forged = kv::id_with_seq(&letterbox_forms::store::new_id(NOW + 1000), 7).unwrap();
    assert!(!block_on(store.delete("contact", &forged)).unwrap());
    assert_eq!(block_on(store.count("contact")).unwrap(), 119);

    // Many deletions leave holes: a page looks at a bounded range and ends
    // early with a cursor that goes on below it.
    for id in &ids[10..110] {
        assert!(block_on(store.delete("contact", id)).unwrap());
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let before = store.backend().ops();
        let page = block_on(store.list("contact", cursor.as_deref(), 5)).unwrap();
        // The counter, then at most 4 batches, or 16 while nothing was found.
        assert!(store.backend().ops() - before <= 1 + 16, "bounded per page");
        seen.extend(page.items.iter().map(|s| s.id.clone()));
        pages += 1;
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut expected: Vec<String> = ids[..10].iter().chain(&ids[110..]).cloned().collect();
    expected.retain(|id| *id != ids[5]);
    expected.reverse();
    assert_eq!(
        seen, expected,
        "every record once, newest first ({pages} pages)"
    );
    assert_eq!(store.backend().scans(), 0, "no key walk");
}

#[test]
fn kv_paging_survives_foreign_cursors_and_deletion_bursts() {
    let store = KvStore::new(MemoryKv::new());
    let ids: Vec<String> = (0..130)
        .map(|i| block_on(store.insert(&submission("c", &format!("m{i}")))).unwrap())
        .collect();
    // A cursor from the SQLite store or layout 1 (a random tail) ends paging.
    let foreign = letterbox_forms::store::new_id(NOW);
    let page = block_on(store.list("c", Some(&foreign), 20)).unwrap();
    assert_eq!(page, Page::default());
    // A spam burst of 100 deleted at the top: the newest page still shows
    // what is left.
    for id in &ids[30..] {
        assert!(block_on(store.delete("c", id)).unwrap());
    }
    let page = block_on(store.list("c", None, 20)).unwrap();
    assert_eq!(page.items.len(), 20);
    assert_eq!(page.items[0].id, ids[29]);
}

#[test]
fn kv_concurrent_writers_lose_nothing() {
    let store = std::sync::Arc::new(KvStore::new(MemoryKv::new()));
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let store = std::sync::Arc::clone(&store);
            std::thread::spawn(move || {
                (0..50)
                    .map(|i| block_on(store.insert(&submission("c", &format!("{t}-{i}")))).unwrap())
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 400);
    assert_eq!(block_on(store.count("c")).unwrap(), 400);
    assert_eq!(
        block_on(store.list("c", None, 500)).unwrap().items.len(),
        400
    );
}

#[test]
fn kv_rate_counters_stay_bounded_under_a_flood_of_names() {
    let store = KvStore::new(MemoryKv::new());
    for i in 0..100_000u64 {
        block_on(store.rate_hit("198.51.100.1", &format!("login:user:u{i}"), 1)).unwrap();
    }
    let slots = store
        .backend()
        .snapshot()
        .keys()
        .filter(|k| k.starts_with("rl:"))
        .count();
    assert!(slots <= 65_536, "{slots}");
    // A client's own counter still counts.
    for n in 1..=3 {
        assert_eq!(
            block_on(store.rate_hit("203.0.113.9", "contact", 2)).unwrap(),
            n
        );
    }
    assert_eq!(
        block_on(store.rate_count("203.0.113.9", "contact", 2)).unwrap(),
        3
    );
    assert_eq!(
        block_on(store.rate_hit("203.0.113.9", "contact", 3)).unwrap(),
        1
    );

    // Keyed with the store's secret, slots differ from the plain hash's: a
    // name chosen offline to collide with a victim's slot no longer does.
    let plain = KvStore::new(MemoryKv::new());
    let keyed = KvStore::with_slot_secret(MemoryKv::new(), b"0123456789abcdef0123456789abcdef");
    let slots = |s: &KvStore<MemoryKv>| -> Vec<String> {
        for i in 0..20 {
            block_on(s.rate_hit("203.0.113.9", &format!("form{i}"), 2)).unwrap();
        }
        s.backend().snapshot().into_keys().collect()
    };
    assert_ne!(slots(&plain), slots(&keyed));
}

#[test]
fn kv_layout_1_is_upgraded_once() {
    let store = KvStore::new(MemoryKv::new());
    let old: Vec<Submission> = (0..3)
        .map(|i| submission("contact", &format!("old{i}")))
        .collect();
    for s in &old {
        let key = format!("sub:contact:{}", s.id);
        block_on(store.backend().set(&key, &serde_json::to_vec(s).unwrap())).unwrap();
    }
    block_on(store.backend().set("rl:203.0.113.7:contact", b"{}")).unwrap();
    let mia = User {
        username: "mia".into(),
        password_hash: "x".into(),
        role: "member".into(),
    };
    block_on(
        store
            .backend()
            .set("user:mia", &serde_json::to_vec(&mia).unwrap()),
    )
    .unwrap();
    assert!(
        block_on(store.list_users()).unwrap().is_empty(),
        "not listed before"
    );
    assert_eq!(block_on(store.upgrade()).unwrap(), 3);
    assert_eq!(block_on(store.list_users()).unwrap(), [mia]);
    let page = block_on(store.list("contact", None, 10)).unwrap();
    let texts: Vec<&str> = page
        .items
        .iter()
        .map(|s| s.values.0[0].1.as_str())
        .collect();
    assert_eq!(texts, ["old2", "old1", "old0"]);
    let keys: Vec<String> = store.backend().snapshot().into_keys().collect();
    assert!(
        !keys
            .iter()
            .any(|k| k.starts_with("sub:") || k.starts_with("rl:203")),
        "{keys:?}"
    );
    assert_eq!(block_on(store.upgrade()).unwrap(), 0);
    assert_eq!(block_on(store.count("contact")).unwrap(), 3);
}

#[test]
fn sqlite_rate_limit_is_one_statement_per_hit_and_resets() {
    let store = SqliteStore::open_in_memory().unwrap();
    assert_eq!(block_on(store.rate_hit("a", "f", 7)).unwrap(), 1);
    assert_eq!(block_on(store.rate_hit("a", "f", 7)).unwrap(), 2);
    assert_eq!(block_on(store.rate_hit("a", "g", 7)).unwrap(), 1);
    assert_eq!(block_on(store.rate_hit("a", "f", 8)).unwrap(), 1);
    assert_eq!(block_on(store.rate_hit("a", "f", 8)).unwrap(), 2);
}

/// Issue 12, item 3: a flood of logins with made-up names (3 counters
/// each) leaves O(1) rate-limit rows once its window has passed.
#[test]
fn rate_counters_are_pruned_after_their_window() {
    let flood = |store: &dyn Fn(&str, &str, u64) -> u64| {
        for i in 0..5000 {
            let name = format!(
                "login:user:{:x}",
                (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            );
            store("*", &name, 100);
            store(&format!("198.51.100.{}", i % 250), &name, 100);
            store(&format!("198.51.100.{}", i % 250), "login:addr", 100);
        }
    };
    let sqlite = SqliteStore::open_in_memory().unwrap();
    flood(&|a, f, w| block_on(sqlite.rate_hit(a, f, w)).unwrap());
    assert!(sqlite.rate_rows().unwrap() >= 10_000);
    // The next window keeps the last one (clock skew between instances)…
    block_on(sqlite.rate_hit("203.0.113.1", "contact", 101)).unwrap();
    assert!(sqlite.rate_rows().unwrap() > 10_000);
    // …and the one after drops it.
    block_on(sqlite.rate_hit("203.0.113.1", "contact", 102)).unwrap();
    assert_eq!(sqlite.rate_rows().unwrap(), 1);
    assert_eq!(
        block_on(sqlite.rate_count("203.0.113.1", "contact", 102)).unwrap(),
        1
    );

    let memory = MemoryStore::new();
    flood(&|a, f, w| block_on(memory.rate_hit(a, f, w)).unwrap());
    assert!(memory.rate_counters() >= 10_000);
    block_on(memory.rate_hit("203.0.113.1", "contact", 102)).unwrap();
    assert_eq!(memory.rate_counters(), 1);
}

#[test]
fn rate_counts_are_read_without_counting() {
    let sqlite = SqliteStore::open_in_memory().unwrap();
    let memory = MemoryStore::new();
    let kv = KvStore::new(MemoryKv::new());
    let check = |hit: &dyn Fn(u64) -> u64, count: &dyn Fn(u64) -> u64| {
        assert_eq!(count(7), 0);
        assert_eq!(hit(7), 1);
        assert_eq!(hit(7), 2);
        assert_eq!(count(7), 2);
        assert_eq!(count(7), 2);
        assert_eq!(count(8), 0);
        assert_eq!(hit(8), 1);
        assert_eq!(count(7), 0);
    };
    check(&|w| block_on(sqlite.rate_hit("a", "f", w)).unwrap(), &|w| {
        block_on(sqlite.rate_count("a", "f", w)).unwrap()
    });
    check(&|w| block_on(memory.rate_hit("a", "f", w)).unwrap(), &|w| {
        block_on(memory.rate_count("a", "f", w)).unwrap()
    });
    check(&|w| block_on(kv.rate_hit("a", "f", w)).unwrap(), &|w| {
        block_on(kv.rate_count("a", "f", w)).unwrap()
    });
}

#[test]
fn migrations_sql_matches_the_shared_statements() {
    let file = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../api/migrations.sql"
    ))
    .unwrap();
    // A statement ends at a line ending in `;` (a trigger's body has
    // semicolons of its own).
    let from_file: Vec<String> = file
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .collect::<Vec<_>>()
        .join("\n")
        .split(";\n")
        .map(|s| s.trim_end_matches(';'))
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|s| !s.is_empty())
        .collect();
    let shared: Vec<String> = sql::MIGRATIONS
        .iter()
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(from_file, shared);
    // They are idempotent: opening a file twice runs them twice.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    SqliteStore::open(&path).unwrap();
    SqliteStore::open(&path).unwrap();
}

#[test]
fn sqlite_read_marks_go_with_their_submissions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.db");
    let store = SqliteStore::open(&path).unwrap();
    let kept = block_on(store.insert(&submission("contact", "kept"))).unwrap();
    let gone = block_on(store.insert(&submission("contact", "gone"))).unwrap();
    for id in [&kept, &gone] {
        assert!(block_on(store.mark_read("contact", id, true)).unwrap());
    }
    assert!(block_on(store.delete("contact", &gone)).unwrap());
    let marks = |conn: &rusqlite::Connection| -> Vec<String> {
        let mut stmt = conn.prepare("SELECT id FROM read_marks").unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let conn = rusqlite::Connection::open(&path).unwrap();
    assert_eq!(
        marks(&conn),
        std::slice::from_ref(&kept),
        "the trigger deleted the other"
    );
    // A database made before read marks: the table and trigger come with
    // the next open, and its submissions list as unread.
    conn.execute_batch("DROP TRIGGER submissions_forget_read; DROP TABLE read_marks")
        .unwrap();
    drop(store);
    let store = SqliteStore::open(&path).unwrap();
    let listed = block_on(store.list("contact", None, 10)).unwrap().items;
    assert_eq!(listed.len(), 1);
    assert!(!listed[0].read);
}
