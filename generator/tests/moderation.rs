//! Moderated forms published back into the site: the `letterbox/comments.html`
//! partial renders `data/<form>.json`, and `letterbox pull` writes that file
//! from the API's approved entries (here the in-process API of `serve`:
//! submit → pending → approve → pull → build shows it; reject and erasure
//! leave it out).
#![cfg(all(feature = "pull", feature = "serve"))]
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;

use letterbox::pull::{PullOptions, pull};
use letterbox::serve::{AdminUser, ServeOptions, start};
use letterbox::{BuildOptions, build};
use serde_json::{Value, json};

mod common;
use common::GUESTBOOK_PAGE;

const SITE_TOML: &str = r#"title = "Guests"
base_url = "https://example.org/"
date_format = "%B %-d, %Y"

[forms.guestbook]
publish = ["name", "message"]
"#;

const OTHER_PAGE: &str = r#"+++
title = "Other"
[extra]
comments = "guestbook"
+++
Another page with the same form's thread.
"#;

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "site.toml", SITE_TOML);
    write(dir.path(), "content/guestbook.md", GUESTBOOK_PAGE);
    write(dir.path(), "content/other.md", OTHER_PAGE);
    dir
}

fn built_page(root: &Path, rel: &str) -> String {
    build(&BuildOptions::new(root)).unwrap();
    fs::read_to_string(root.join("dist").join(rel)).unwrap()
}

#[test]
fn the_comments_partial_shows_each_pages_approved_entries_oldest_first() {
    let dir = site();
    // Before any pull there is no data file: the page builds without a thread.
    let page = built_page(dir.path(), "guestbook/index.html");
    assert!(!page.contains("class=\"comments\""), "{page}");

    let entries = json!({ "form": "guestbook", "entries": [
        { "id": "c3", "received_at": "2026-11-30T09:00:00Z", "page": "/other/", "fields": { "name": "Other", "message": "Elsewhere" } },
        { "id": "c2", "received_at": "2026-11-29T12:00:00Z", "page": "/guestbook/", "fields": { "name": "<b>Bob</b>", "message": "Line one\nLine <script>two</script>" } },
        { "id": "c1", "received_at": "2026-11-28T08:30:00Z", "page": "/guestbook/", "fields": { "name": "Ada", "message": "First!" } },
        { "id": "c0", "received_at": "2026-11-27T08:30:00Z", "page": null, "fields": { "name": "Nowhere", "message": "No page" } },
    ]});
    write(dir.path(), "data/guestbook.json", &entries.to_string());
    let page = built_page(dir.path(), "guestbook/index.html");
    assert!(
        page.contains("Comments <span class=\"comment-count\">(2)</span>"),
        "{page}"
    );
    let ada = page.find("id=\"comment-c1\"").unwrap();
    let bob = page.find("id=\"comment-c2\"").unwrap();
    assert!(ada < bob, "oldest first: {page}");
    assert!(
        page.contains("<time datetime=\"2026-11-28T08:30:00Z\">November 28, 2026</time>"),
        "{page}"
    );
    assert!(
        page.contains("&lt;b&gt;Bob&lt;&#x2F;b&gt;") || page.contains("&lt;b&gt;Bob&lt;/b&gt;"),
        "{page}"
    );
    assert!(page.contains("Line one<br>"), "line breaks kept: {page}");
    assert!(!page.contains("<script>two"), "values are text: {page}");
    assert!(
        !page.contains("Elsewhere") && !page.contains("No page"),
        "{page}"
    );

    let other = fs::read_to_string(dir.path().join("dist/other/index.html")).unwrap();
    assert!(
        other.contains("Elsewhere") && !other.contains("First!"),
        "{other}"
    );
}

fn http(method: &str, url: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = match (method, body) {
        ("GET", _) => {
            let mut req = agent.get(url).header("Accept", "application/json");
            if let Some(token) = token {
                req = req.header("Authorization", &format!("Bearer {token}"));
            }
            req.call().unwrap()
        }
        (_, body) => {
            let mut req = agent
                .post(url)
                .header("Accept", "application/json")
                .header("Content-Type", "application/json");
            if let Some(token) = token {
                req = req.header("Authorization", &format!("Bearer {token}"));
            }
            req.send(body.unwrap_or(json!({})).to_string()).unwrap()
        }
    };
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approved_entries_reach_the_page_through_pull_and_erasure_takes_them_out() {
    let dir = site();
    let root = dir.path().to_owned();
    let mut options = ServeOptions::new(&root);
    options.port = 0;
    options.quiet = true;
    options.watch = false;
    options.admin = Some(AdminUser {
        username: "admin".into(),
        password_hash: letterbox_forms::auth::hash_password("correct horse battery").unwrap(),
    });
    let server = start(options).await.unwrap();
    let api = server.url.clone();

    tokio::task::spawn_blocking(move || {
        let post = |name: &str, email: &str, message: &str| {
            let (status, body) = http(
                "POST",
                &format!("{api}/api/forms/guestbook"),
                None,
                Some(json!({ "name": name, "email": email, "message": message, "_page": "/guestbook/" })),
            );
            assert_eq!(status, 201, "{body}");
            body["id"].as_str().unwrap().to_owned()
        };
        let kept = post("Grace", "grace@example.org", "Lovely site.");
        let refused = post("Mallory", "mallory@example.org", "Buy now!");

        // Pending entries are not public yet.
        let (_, published) = http("GET", &format!("{api}/api/forms/guestbook/published"), None, None);
        assert_eq!(published["entries"], json!([]), "{published}");
        let mut pull_options = PullOptions::new(&root);
        pull_options.api_url = Some(api.clone());
        let pulled = pull(&pull_options).unwrap();
        assert_eq!((pulled[0].entries, pulled[0].changed), (0, true));

        let (status, login) = http(
            "POST",
            &format!("{api}/api/auth/login"),
            None,
            Some(json!({ "username": "admin", "password": "correct horse battery" })),
        );
        assert_eq!(status, 200, "{login}");
        let token = login["token"].as_str().unwrap().to_owned();
        let act = |id: &str, action: &str| {
            let url = format!("{api}/api/forms/guestbook/submissions/{id}/{action}?folder=pending");
            let (status, body) = http("POST", &url, Some(&token), None);
            assert_eq!(status, 200, "{action}: {body}");
        };
        act(&kept, "approve");
        act(&refused, "reject");

        let pulled = pull(&pull_options).unwrap();
        assert_eq!(pulled[0].entries, 1, "{pulled:?}");
        let file: Value =
            serde_json::from_str(&fs::read_to_string(root.join("data/guestbook.json")).unwrap())
                .unwrap();
        assert_eq!(file["entries"][0]["fields"], json!({ "name": "Grace", "message": "Lovely site." }));
        assert!(!file.to_string().contains("grace@example.org"), "not a published field: {file}");
        let page = built_page(&root, "guestbook/index.html");
        assert!(page.contains("Lovely site.") && page.contains("Grace"), "{page}");
        assert!(!page.contains("Buy now!"), "rejected: {page}");
        // Nothing new: the file is left alone.
        assert!(!pull(&pull_options).unwrap()[0].changed);

        // Erasure removes the person everywhere, and the next pull and
        // build take the entry off the page.
        let (status, erased) = http(
            "POST",
            &format!("{api}/api/admin/erase"),
            Some(&token),
            Some(json!({ "email": "GRACE@example.org" })),
        );
        assert_eq!((status, &erased["deleted"]), (200, &json!(1)), "{erased}");
        assert_eq!(pull(&pull_options).unwrap()[0].entries, 0);
        let page = built_page(&root, "guestbook/index.html");
        assert!(!page.contains("Lovely site."), "{page}");

        // A wrong API answers with an error naming the URL; the file stays.
        let mut wrong = PullOptions::new(&root);
        wrong.api_url = Some(format!("{api}/nowhere"));
        let err = format!("{:#}", pull(&wrong).unwrap_err());
        assert!(err.contains("/nowhere/api/forms/guestbook/published") && err.contains("404"), "{err}");
        assert!(root.join("data/guestbook.json").exists());
    })
    .await
    .unwrap();
    server.shutdown().await;
}
