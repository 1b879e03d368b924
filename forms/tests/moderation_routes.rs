//! Moderation, folders, bulk actions, the published entries and a
//! person's data (access and erasure) through the handler.

#![allow(clippy::unwrap_used)]

mod common;

use bytes::Bytes;
use common::*;
use http::{Method, Request, Response, StatusCode};
use letterbox_forms::outbound::RecordingOutbound;
use letterbox_forms::store::Store;
use letterbox_forms::{Config, Field, FieldKind, Manifest};
use serde_json::{Value, json};

store_tests!(
    a_moderated_form_publishes_only_what_an_admin_approved,
    folders_bulk_actions_and_their_limits,
    a_persons_data_is_found_and_erased_everywhere,
    expired_submissions_go_in_bounded_sweeps_as_requests_come,
    search_finds_values_and_pages_through_matches,
    approvals_call_the_build_hook_once_per_request,
    submissions_are_new_until_read_and_filter_by_it,
);

/// The common manifest plus `comments`: name, e-mail and message, of
/// which name and message may be published.
fn site() -> Manifest {
    let mut m = manifest();
    let mut comments = m.forms["free"].clone();
    comments.name = "comments".into();
    let mut email = Field::new("email", FieldKind::Email);
    email.required = true;
    comments.fields = vec![
        Field::new("name", FieldKind::Text),
        email,
        Field::new("message", FieldKind::Textarea),
    ];
    comments.publish = vec!["name".into(), "message".into()];
    m.forms.insert("comments".into(), comments);
    m
}

struct Setup<S> {
    store: S,
    config: Config,
    manifest: Manifest,
    outbound: RecordingOutbound,
}

impl<S: Store> Setup<S> {
    fn new(store: S) -> Self {
        Self {
            store,
            config: config(&[
                ("admin_username", "root"),
                ("admin_password_hash", admin_hash()),
            ]),
            manifest: site(),
            outbound: RecordingOutbound::new(),
        }
    }

    fn call(&self, req: Request<Bytes>) -> Response<Vec<u8>> {
        call_with(
            &self.store,
            &self.config,
            &self.manifest,
            &self.outbound,
            NOW,
            req,
        )
    }

    fn comment(&self, name: &str, email: &str, page: &str) -> String {
        let mut req = form_post(
            "/api/forms/comments",
            &format!("name={name}&email={email}&message=Nice+post&_page={page}"),
        );
        req.headers_mut()
            .insert("accept", "application/json".parse().unwrap());
        let resp = self.call(req);
        assert_eq!(
            resp.status(),
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(resp.body())
        );
        body_json(&resp)["id"].as_str().unwrap().to_owned()
    }

    fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Response<Vec<u8>> {
        let login = Request::post("/api/auth/login")
            .header("content-type", "application/json")
            .header("spin-client-addr", "198.51.100.1:1")
            .body(Bytes::from(
                json!({"username": "root", "password": ADMIN_PASSWORD}).to_string(),
            ))
            .unwrap();
        let token = body_json(&self.call(login))["token"]
            .as_str()
            .unwrap()
            .to_owned();
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Bytes::from(body.map(|b| b.to_string()).unwrap_or_default()))
            .unwrap();
        self.call(req)
    }

    fn published(&self) -> Value {
        let resp = self.call(
            Request::get("/api/forms/comments/published")
                .body(Bytes::new())
                .unwrap(),
        );
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["cache-control"], "public, max-age=60");
        body_json(&resp)
    }

    fn ids(&self, folder: &str) -> Vec<String> {
        let list = body_json(&self.admin(
            Method::GET,
            &format!("/api/forms/comments/submissions?folder={folder}"),
            None,
        ));
        list["submissions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn a_moderated_form_publishes_only_what_an_admin_approved<S: Store>(store: S) {
    let s = Setup::new(store);
    let first = s.comment("Ada", "ada%40example.org", "%2Fblog%2Fhello%2F");
    s.comment("Bob", "bob%40example.org", "https%3A%2F%2Fevil.test%2F");
    assert_eq!(
        s.published()["entries"],
        json!([]),
        "nothing before approval"
    );
    assert_eq!(s.ids("pending").len(), 2);

    let approved = s.admin(
        Method::POST,
        &format!("/api/forms/comments/submissions/{first}/approve"),
        None,
    );
    assert_eq!(approved.status(), StatusCode::OK);
    let published = s.published();
    let entries = published["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0]["fields"],
        json!({"name": "Ada", "message": "Nice post"})
    );
    assert_eq!(entries[0]["page"], "/blog/hello/");
    assert!(
        !published.to_string().contains("example.org"),
        "no e-mail is ever public"
    );

    // Bob's page was no site path: kept without one; rejected, then gone
    // from pending.
    let bob = s.ids("pending").remove(0);
    let rejected = s.admin(
        Method::POST,
        &format!("/api/forms/comments/submissions/{bob}/reject"),
        None,
    );
    assert_eq!(rejected.status(), StatusCode::OK);
    assert!(s.ids("pending").is_empty());
    assert_eq!(s.ids("rejected").len(), 1);
    let again = s.admin(
        Method::POST,
        &format!("/api/forms/comments/submissions/{bob}/reject"),
        None,
    );
    assert_eq!(again.status(), StatusCode::NOT_FOUND);

    // Published entries of a form that publishes nothing: 404.
    let none = s.call(
        Request::get("/api/forms/contact/published")
            .body(Bytes::new())
            .unwrap(),
    );
    assert_eq!(none.status(), StatusCode::NOT_FOUND);
    let unknown = s.admin(
        Method::POST,
        &format!("/api/forms/comments/submissions/{first}/promote"),
        None,
    );
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

fn folders_bulk_actions_and_their_limits<S: Store>(store: S) {
    let s = Setup::new(store);
    let ids: Vec<String> = (0..3)
        .map(|i| s.comment(&format!("N{i}"), "n%40example.org", "%2F"))
        .collect();
    let bulk = |body: Value| s.admin(Method::POST, "/api/forms/comments/bulk", Some(body));
    let approved = bulk(json!({"action": "approve", "ids": ids, "folder": "pending"}));
    assert_eq!(body_json(&approved), json!({"done": 3, "missing": 0}));
    let inbox = s.ids("inbox");
    let archived = bulk(json!({"action": "archive", "ids": [inbox[0], inbox[1], "not-an-id"]}));
    assert_eq!(body_json(&archived), json!({"done": 2, "missing": 1}));
    assert_eq!(s.ids("archived").len(), 2);
    assert_eq!(s.published()["entries"].as_array().unwrap().len(), 1);
    let restored = s.admin(
        Method::POST,
        &format!(
            "/api/forms/comments/submissions/{}/restore",
            s.ids("archived")[0]
        ),
        None,
    );
    assert_eq!(restored.status(), StatusCode::OK);
    assert_eq!(s.ids("inbox").len(), 2);
    let deleted = bulk(json!({"action": "delete", "ids": s.ids("archived"), "folder": "archived"}));
    assert_eq!(body_json(&deleted), json!({"done": 1, "missing": 0}));
    assert!(s.ids("archived").is_empty());
    assert_eq!(
        bulk(json!({"action": "burn", "ids": []})).status(),
        StatusCode::BAD_REQUEST
    );
    let many: Vec<String> = (0..501).map(|_| "x".to_owned()).collect();
    assert_eq!(
        bulk(json!({"action": "archive", "ids": many})).status(),
        StatusCode::BAD_REQUEST
    );
    let bad_folder = s.admin(
        Method::GET,
        "/api/forms/comments/submissions?folder=trash",
        None,
    );
    assert_eq!(bad_folder.status(), StatusCode::BAD_REQUEST);
}

fn a_persons_data_is_found_and_erased_everywhere<S: Store>(store: S) {
    let s = Setup::new(store);
    let first = s.comment("Ada", "ada%40example.org", "%2F");
    s.comment("Ada", "ADA%40example.org", "%2F");
    s.comment("Bob", "bob%40example.org", "%2F");
    s.admin(
        Method::POST,
        &format!("/api/forms/comments/submissions/{first}/approve"),
        None,
    );
    let mut contact = form_post(
        "/api/forms/contact",
        "email=ada%40example.org&message=Hello+there+you&topics=a",
    );
    contact
        .headers_mut()
        .insert("accept", "application/json".parse().unwrap());
    assert_eq!(s.call(contact).status(), StatusCode::CREATED);

    let person = body_json(&s.admin(
        Method::POST,
        "/api/admin/person",
        Some(json!({"email": " ada@example.org "})),
    ));
    assert_eq!(
        person["submissions"].as_array().unwrap().len(),
        3,
        "{person}"
    );
    let erased = s.admin(
        Method::POST,
        "/api/admin/erase",
        Some(json!({"email": "ada@example.org"})),
    );
    assert_eq!(body_json(&erased), json!({"deleted": 3}));
    assert_eq!(s.ids("pending").len(), 1, "Bob's stays");
    assert!(s.published()["entries"].as_array().unwrap().is_empty());
    assert!(stored(&s.store, "contact").is_empty());
    let again = s.admin(
        Method::POST,
        "/api/admin/erase",
        Some(json!({"email": "ada@example.org"})),
    );
    assert_eq!(body_json(&again), json!({"deleted": 0}));
    let bad = s.admin(
        Method::POST,
        "/api/admin/erase",
        Some(json!({"email": "nobody"})),
    );
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let anonymous = s.call(
        Request::post("/api/admin/erase")
            .body(Bytes::from(r#"{"email":"bob@example.org"}"#))
            .unwrap(),
    );
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

/// `retention_days = 30`: old submissions in every folder are deleted as
/// requests list or add submissions, at most 25 per folder each time; the
/// recent ones stay.
fn expired_submissions_go_in_bounded_sweeps_as_requests_come<S: Store>(store: S) {
    const DAY: u64 = 86_400_000;
    let mut setup = Setup::new(store);
    setup
        .manifest
        .forms
        .get_mut("comments")
        .unwrap()
        .retention_days = Some(30);
    let old = |folder: &str, i: u64| letterbox_forms::store::Submission {
        id: letterbox_forms::store::id_received_at(NOW - 60 * DAY + i),
        form: folder.into(),
        values: letterbox_forms::FormData(vec![("name".into(), format!("old {i}"))]),
        received_at: letterbox_forms::text::rfc3339_millis(NOW - 60 * DAY + i),
        user: None,
        read: false,
    };
    for i in 0..30 {
        futures::executor::block_on(setup.store.insert(&old("comments", i))).unwrap();
    }
    futures::executor::block_on(setup.store.insert(&old("comments.spam", 0))).unwrap();
    futures::executor::block_on(setup.store.insert(&old("comments.archived", 0))).unwrap();
    let recent = setup.comment("Ada", "ada%40example.org", "/blog/a/");

    // The post swept 25 of the inbox's 30 and the other folders' one each.
    let count = |folder: &str| futures::executor::block_on(setup.store.count(folder)).unwrap();
    assert_eq!(count("comments"), 5);
    assert_eq!((count("comments.spam"), count("comments.archived")), (0, 0));
    // The next request that lists the form (here the public list) takes
    // the rest; the new one stays.
    assert_eq!(setup.published()["entries"], json!([]));
    assert_eq!(count("comments"), 0);
    assert_eq!(setup.ids("pending"), [recent], "the new one stays");
}

/// `?q=`: case-insensitive substring of any value, newest first, paged by
/// a cursor after the last match.
fn search_finds_values_and_pages_through_matches<S: Store>(store: S) {
    let setup = Setup::new(store);
    let ada = setup.comment("Ada", "ada%40example.org", "/a/");
    setup.comment("Grace", "grace%40example.org", "/a/");
    let lovelace = setup.comment("Lovelace", "ADA.l%40example.org", "/b/");
    let search = |query: &str| {
        let resp = setup.admin(
            Method::GET,
            &format!("/api/forms/comments/submissions?folder=pending&{query}"),
            None,
        );
        assert_eq!(resp.status(), StatusCode::OK, "{query}");
        let body = body_json(&resp);
        let ids: Vec<String> = (body["submissions"].as_array().unwrap().iter())
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect();
        (ids, body["next_cursor"].clone(), body["scanned"].clone())
    };
    let (ids, next, scanned) = search("q=ada");
    assert_eq!(
        ids,
        [lovelace.clone(), ada.clone()],
        "newest first, case ignored"
    );
    assert_eq!((next, scanned), (Value::Null, json!(3)));
    let (ids, next, _) = search("q=ADA&limit=1");
    assert_eq!(ids, [lovelace]);
    let (ids, next, _) = search(&format!("q=ada&limit=1&cursor={}", next.as_str().unwrap()));
    assert_eq!(ids, [ada]);
    // The cursor of the last match may still have more to read.
    let (ids, next, _) = search(&format!("q=ada&limit=1&cursor={}", next.as_str().unwrap()));
    assert!(ids.is_empty() && next.is_null());
    assert!(search("q=nobody").0.is_empty());
    let too_long = setup.admin(
        Method::GET,
        &format!("/api/forms/comments/submissions?q={}", "x".repeat(201)),
        None,
    );
    assert_eq!(too_long.status(), StatusCode::BAD_REQUEST);
}

fn submissions_are_new_until_read_and_filter_by_it<S: Store>(store: S) {
    let s = Setup::new(store);
    let ids: Vec<String> = (0..3)
        .map(|i| s.comment(&format!("N{i}"), "n%40example.org", "%2F"))
        .collect();
    let (oldest, middle, newest) = (&ids[0], &ids[1], &ids[2]);
    let listed = |query: &str| {
        let resp = s.admin(
            Method::GET,
            &format!("/api/forms/comments/submissions?folder=pending&{query}"),
            None,
        );
        assert_eq!(resp.status(), StatusCode::OK, "{query}");
        let body = body_json(&resp);
        (body["submissions"].as_array().unwrap().iter())
            .map(|s| (s["id"].as_str().unwrap().to_owned(), s["read"] == true))
            .collect::<Vec<_>>()
    };
    let unread = |id: &String| (id.clone(), false);
    let read = |id: &String| (id.clone(), true);
    assert_eq!(listed(""), [unread(newest), unread(middle), unread(oldest)]);
    // Opening one marks it read: one action on one submission.
    let open = s.admin(
        Method::POST,
        &format!("/api/forms/comments/submissions/{middle}/read?folder=pending"),
        None,
    );
    assert_eq!(open.status(), StatusCode::OK);
    assert_eq!(body_json(&open)["id"], json!(middle));
    assert_eq!(listed(""), [unread(newest), read(middle), unread(oldest)]);
    assert_eq!(listed("status=new"), [unread(newest), unread(oldest)]);
    assert_eq!(listed("status=read"), [read(middle)]);
    assert_eq!(listed("status=new&q=n0"), [unread(oldest)]);
    // Paging through unread ones, one at a time.
    let first = s.admin(
        Method::GET,
        "/api/forms/comments/submissions?folder=pending&status=new&limit=1",
        None,
    );
    let cursor = body_json(&first)["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        listed(&format!("status=new&limit=1&cursor={cursor}")),
        [unread(oldest)]
    );
    // In bulk, both ways, with a missing id counted as missing.
    let bulk = |body: Value| s.admin(Method::POST, "/api/forms/comments/bulk", Some(body));
    let all_read =
        bulk(json!({"action": "read", "ids": [oldest, newest, "not-an-id"], "folder": "pending"}));
    assert_eq!(body_json(&all_read), json!({"done": 2, "missing": 1}));
    assert!(listed("status=new").is_empty());
    let back = bulk(json!({"action": "unread", "ids": [newest], "folder": "pending"}));
    assert_eq!(body_json(&back), json!({"done": 1, "missing": 0}));
    assert_eq!(listed("status=new"), [unread(newest)]);
    // Marking does not move: still pending, nothing published.
    assert_eq!(s.ids("pending").len(), 3);
    assert!(s.published()["entries"].as_array().unwrap().is_empty());
    // A read entry approved stays read in the inbox.
    let approved = bulk(json!({"action": "approve", "ids": [middle], "folder": "pending"}));
    assert_eq!(body_json(&approved)["done"], json!(1));
    let inbox = body_json(&s.admin(
        Method::GET,
        "/api/forms/comments/submissions?status=read",
        None,
    ));
    assert_eq!(inbox["submissions"].as_array().unwrap().len(), 1);
    let wrong_folder = s.admin(
        Method::POST,
        &format!("/api/forms/comments/submissions/{newest}/read"),
        None,
    );
    assert_eq!(
        wrong_folder.status(),
        StatusCode::NOT_FOUND,
        "not in the inbox"
    );
    let bad = s.admin(
        Method::GET,
        "/api/forms/comments/submissions?status=unread",
        None,
    );
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(
        body_json(&bad)["message"]
            .as_str()
            .unwrap()
            .contains("status")
    );
}

/// `build_hook_url`: an approval (one, or a bulk of several) is one signed
/// POST naming the form and the approved ids; rejections call nothing; a
/// hook that fails waits in the outbox.
fn approvals_call_the_build_hook_once_per_request<S: Store>(store: S) {
    let mut setup = Setup::new(store);
    setup.config = config(&[
        ("admin_username", "root"),
        ("admin_password_hash", admin_hash()),
        ("build_hook_url", "https://ci.example/hooks/rebuild"),
        ("webhook_secret", "hook-secret-0123456789"),
    ]);
    setup
        .outbound
        .answer_with("https://ci.example/", 200, "queued");
    let one = setup.comment("Ada", "ada%40example.org", "/a/");
    let two = setup.comment("Bo", "bo%40example.org", "/a/");
    let three = setup.comment("Cy", "cy%40example.org", "/a/");
    let approve = |id: &str| {
        setup.admin(
            Method::POST,
            &format!("/api/forms/comments/submissions/{id}/approve"),
            None,
        )
    };
    assert_eq!(approve(&one).status(), StatusCode::OK);
    let sent = setup.outbound.sent_to("https://ci.example/hooks/rebuild");
    assert_eq!(sent.len(), 1);
    let body: Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(body["event"], "approved");
    assert_eq!(body["form"], "comments");
    assert_eq!(body["ids"].as_array().unwrap().len(), 1);
    assert!(
        sent[0]
            .header("x-letterbox-signature")
            .is_some_and(|s| s.starts_with("t=")),
        "signed like a webhook"
    );

    let reject = setup.admin(
        Method::POST,
        &format!("/api/forms/comments/submissions/{two}/reject"),
        None,
    );
    assert_eq!(reject.status(), StatusCode::OK);
    // (The key-value store gives a refiled entry a new id.)
    let two = body_json(&reject)["id"].as_str().unwrap().to_owned();
    assert_eq!(
        setup.outbound.sent_to("https://ci.example/").len(),
        1,
        "a rejection builds nothing"
    );

    let restore = setup.admin(
        Method::POST,
        &format!("/api/forms/comments/submissions/{two}/restore?folder=rejected"),
        None,
    );
    assert_eq!(restore.status(), StatusCode::OK);
    assert_eq!(
        setup.ids("pending").len(),
        2,
        "a restored rejection waits again"
    );
    assert_eq!(setup.outbound.sent_to("https://ci.example/").len(), 1);
    setup
        .outbound
        .answer_with("https://ci.example/", 503, "down");
    let bulk = setup.admin(
        Method::POST,
        "/api/forms/comments/bulk",
        Some(json!({ "action": "approve", "ids": [three], "folder": "pending" })),
    );
    assert_eq!(bulk.status(), StatusCode::OK);
    let sent = setup.outbound.sent_to("https://ci.example/");
    assert_eq!(sent.len(), 2, "one call for the bulk approval");
    let outbox = setup.admin(Method::GET, "/api/outbox", None);
    let entries = body_json(&outbox)["entries"].as_array().unwrap().clone();
    assert_eq!(entries.len(), 1, "the failed hook waits: {entries:?}");
    assert_eq!(entries[0]["to"], "ci.example");
}
