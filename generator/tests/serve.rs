//! `letterbox serve` over plain HTTP (no browser): clean URLs, the 404 page,
//! content types, path traversal, the in-process API's answers to browsers
//! without JavaScript, `--api-url`, a busy port, and rebuilds that fail.
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use letterbox::serve::{ServeOptions, ServerHandle, start};

fn fixture_site(dir: &Path) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let site = dir.join("site");
    for name in ["content", "templates", "static"] {
        for entry in walkdir::WalkDir::new(repo.join(name)) {
            let entry = entry.unwrap();
            let to = site.join(entry.path().strip_prefix(&repo).unwrap());
            if entry.file_type().is_dir() {
                std::fs::create_dir_all(&to).unwrap();
            } else {
                std::fs::copy(entry.path(), &to).unwrap();
            }
        }
    }
    std::fs::copy(repo.join("site.toml"), site.join("site.toml")).unwrap();
    site
}

struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

/// One HTTP/1.1 request, sent as written (so `..` reaches the server).
async fn http(addr: SocketAddr, method: &str, target: &str, headers: &str, body: &str) -> Answer {
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n{headers}\r\n{body}",
        body.len()
    );
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Answer {
            status,
            head: head.to_owned(),
            body: body.to_owned(),
        }
    })
    .await
    .unwrap()
}

async fn get(addr: SocketAddr, target: &str) -> Answer {
    http(addr, "GET", target, "", "").await
}

async fn serve(site: &Path, edit: impl FnOnce(&mut ServeOptions)) -> ServerHandle {
    let mut options = ServeOptions::new(site);
    options.port = 0;
    options.quiet = true;
    options.watch = false;
    edit(&mut options);
    start(options).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clean_urls_content_types_and_no_traversal() {
    let dir = tempfile::tempdir().unwrap();
    let site = fixture_site(dir.path());
    std::fs::write(site.join("secret.txt"), "do not serve").unwrap();
    let server = serve(&site, |_| {}).await;
    let addr = server.addr;

    let home = get(addr, "/").await;
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(home.body.contains("/__letterbox/livereload"), "injected");
    let on_disk = std::fs::read_to_string(site.join("dist/index.html")).unwrap();
    assert!(
        !on_disk.contains("__letterbox"),
        "live reload must not be written into dist/"
    );

    let contact = get(addr, "/contact/").await;
    assert_eq!(contact.status, 200);
    assert!(contact.body.contains(r#"action="/api/forms/contact""#));
    let moved = get(addr, "/contact?x=1").await;
    assert_eq!(moved.status, 301);
    assert_eq!(moved.header("location").as_deref(), Some("/contact/?x=1"));
    assert_eq!(get(addr, "/contact/?x=1").await.status, 200);

    let missing = get(addr, "/no/such/page/").await;
    assert_eq!(missing.status, 404);
    let not_found_page = std::fs::read_to_string(site.join("dist/404.html")).unwrap();
    let title = not_found_page
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap();
    assert!(missing.body.contains(title), "the site's 404.html");

    for (path, ty) in [
        ("/style.css", "text/css; charset=utf-8"),
        ("/favicon.svg", "image/svg+xml"),
        ("/letterbox-forms.js", "text/javascript; charset=utf-8"),
        ("/admin/", "text/html; charset=utf-8"),
    ] {
        let a = get(addr, path).await;
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.header("content-type").as_deref(), Some(ty), "{path}");
    }
    // Served minified, within the budget the build's own test sets.
    assert!(get(addr, "/letterbox-forms.js").await.body.len() <= 6400);

    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/blog/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/../site.toml",
    ] {
        let a = get(addr, path).await;
        assert!(!a.body.contains("do not serve"), "{path}");
        assert!(a.status == 404 || a.status == 400, "{path}: {}", a.status);
    }
    let post = http(addr, "POST", "/contact/", "", "").await;
    assert_eq!(post.status, 405);
    assert_eq!(get(addr, "/api/health").await.status, 200);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_work_without_javascript() {
    let dir = tempfile::tempdir().unwrap();
    let site = fixture_site(dir.path());
    let server = serve(&site, |_| {}).await;
    let addr = server.addr;
    let form = "Content-Type: application/x-www-form-urlencoded\r\n";
    let referer = format!("Referer: {}/contact/\r\n", server.url);

    // A rejected post: a readable page saying what to fix, with a way back.
    let bad = http(
        addr,
        "POST",
        "/api/forms/contact",
        &format!("{form}{referer}"),
        "name=Ada&email=nope&topic=question&message=short&consent=yes",
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.header("content-type").unwrap().starts_with("text/html"));
    assert!(bad.body.contains("email") && bad.body.contains("message"));
    assert!(
        bad.body
            .contains(&format!("href=\"{}/contact/\"", server.url)),
        "{}",
        bad.body
    );

    let good = http(
        addr,
        "POST",
        "/api/forms/contact",
        &format!("{form}{referer}"),
        "name=Ada&email=ada%40example.org&topic=question&message=Hello+there%2C+server.&consent=yes",
    )
    .await;
    assert_eq!(good.status, 303);
    assert_eq!(
        good.header("location"),
        Some(format!("{}/contact/thanks/", server.url))
    );
    let json = http(
        addr,
        "POST",
        "/api/forms/contact",
        "Content-Type: application/json\r\nAccept: application/json\r\n",
        r#"{"name":"Bo","email":"bo@example.org","topic":"other","message":"Hello from a script.","consent":"yes"}"#,
    )
    .await;
    assert_eq!(json.status, 201, "{}", json.body);
    // Another origin may not post.
    let foreign = http(
        addr,
        "POST",
        "/api/forms/contact",
        &format!("{form}Origin: https://evil.example\r\n"),
        "name=Ada&email=ada%40example.org&topic=question&message=Hello+there%2C+server.&consent=yes",
    )
    .await;
    assert_eq!(foreign.status, 403);
    server.shutdown().await;

    // Both accepted submissions are in the SQLite file.
    use letterbox_forms::Store as _;
    let store =
        letterbox_forms::store::SqliteStore::open(letterbox::serve::api_database(&site)).unwrap();
    let count = futures::executor::block_on(store.count("contact")).unwrap();
    assert_eq!(count, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_url_points_the_pages_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let site = fixture_site(dir.path());
    let server = serve(&site, |o| {
        o.api_url = Some("http://127.0.0.1:3000".into());
    })
    .await;
    assert!(server.dev_admin.is_none() && server.database.is_none());
    let contact = get(server.addr, "/contact/").await;
    assert!(
        contact
            .body
            .contains(r#"action="http://127.0.0.1:3000/api/forms/contact""#)
    );
    let admin = get(server.addr, "/admin/").await;
    assert!(admin.body.contains(r#"data-api="http://127.0.0.1:3000""#));
    assert_eq!(get(server.addr, "/api/health").await.status, 404);
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_port_is_explained() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.toml"), "").unwrap();
    let mut options = ServeOptions::new(dir.path());
    options.port = port;
    let err = start(options).await.unwrap_err().to_string();
    assert_eq!(
        err,
        format!("port {port} is in use; try --port {}", port + 1)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_rebuild_keeps_the_last_good_site() {
    let dir = tempfile::tempdir().unwrap();
    let site = fixture_site(dir.path());
    let server = serve(&site, |o| o.watch = true).await;
    let about = site.join("content/about.md");
    let original = std::fs::read_to_string(&about).unwrap();
    let wait = |what: &'static str, done: &dyn Fn() -> bool| {
        let start = Instant::now();
        while !done() {
            assert!(start.elapsed() < Duration::from_secs(10), "{what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    };
    let builds = server.builds();
    std::fs::write(&about, "+++\ntitle = \n+++\n\nBroken.\n").unwrap();
    wait("the broken build", &|| server.build_error().is_some());
    let error = server.build_error().unwrap();
    assert!(error.contains("content/about.md:2"), "{error}");
    assert!(server.builds() > builds);
    let page = get(server.addr, "/about/").await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("Broken."),
        "the last good page is served"
    );

    std::fs::write(&about, format!("{original}\n\nFixed again 5d2e.\n")).unwrap();
    wait("the fixed build", &|| server.build_error().is_none());
    assert!(
        get(server.addr, "/about/")
            .await
            .body
            .contains("Fixed again 5d2e.")
    );
    let started = Instant::now();
    server.shutdown().await;
    assert!(started.elapsed() < Duration::from_secs(5), "slow shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_page_can_be_overridden() {
    let dir = tempfile::tempdir().unwrap();
    let site = fixture_site(dir.path());
    let server = serve(&site, |_| {}).await;
    let builtin = get(server.addr, "/admin/").await;
    assert_eq!(builtin.status, 200);
    assert!(builtin.body.contains("id=\"lb-admin\""));
    assert!(
        builtin
            .body
            .contains("<meta name=\"robots\" content=\"noindex\">")
    );
    let script = get(server.addr, "/letterbox-admin.js").await;
    assert_eq!(script.status, 200);
    server.shutdown().await;

    std::fs::write(
        site.join("templates/admin.html"),
        "<!doctype html><title>My inbox</title><main id=\"lb-admin\" data-api=\"{{ config.api_url }}\"></main>\n",
    )
    .unwrap();
    let server = serve(&site, |_| {}).await;
    let custom = get(server.addr, "/admin/").await;
    assert!(
        custom.body.contains("<title>My inbox</title>"),
        "{}",
        custom.body
    );
    server.shutdown().await;
}
