//! The form API as users run it: a site made by `letterbox init`, its
//! `spin build` (which runs `letterbox build`), then Letterbox's component
//! under real `spin up` on a loopback port with a fresh `--state-dir`,
//! driven over HTTP — on Spin SQLite, Spin key-value, and key-value on a real
//! Redis through `runtime-config.toml`.
//!
//! Needs the `spin` CLI (`../shared/tools/spin/install`), the `wasm32-wasip2`
//! target and, for the Redis test, `redis-server`. Where one is missing the
//! tests print a notice and pass; with `LETTERBOX_REQUIRE_SPIN=1` (set by
//! `.ci/run`) they fail instead.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use ct_codecs::{Base64UrlSafeNoPadding, Encoder as _};
use jwt_simple::prelude::{Claims, ECDSAP256KeyPairLike, ECDSAP256PublicKeyLike, ES256KeyPair};
use letterbox::init::{InitOptions, init};
use letterbox_forms::Manifest;
use letterbox_forms::notify::webhook;
use receiver::{Answer, Receiver, siteverify};
use serde_json::{Value, json};

mod receiver;

const JWT_SECRET: &str = "e2e-secret-0123456789abcdef0123456789";
const ADMIN: &str = "root";
const ADMIN_PASSWORD: &str = "correct horse battery staple";
const SITE_URL: &str = "http://127.0.0.1:1111";
const EXT_ISSUER: &str = "https://idp.example/";
const EXT_AUDIENCE: &str = "https://api.example/";

// ---------------------------------------------------------------- tools

fn required() -> bool {
    std::env::var("LETTERBOX_REQUIRE_SPIN").is_ok_and(|v| v == "1")
}

/// Whether `program --version` runs; if not, a notice (or a failure where
/// the tool is required).
fn have(program: &str, what: &str) -> bool {
    let found = Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            !required(),
            "{program} is required (LETTERBOX_REQUIRE_SPIN=1) but cannot be run"
        );
        eprintln!("note: skipping {what}: `{program}` is not installed");
    }
    found
}

/// Spin and the component's target: what every test here needs.
fn spin_ready() -> bool {
    if !have("spin", "the Spin end-to-end tests") {
        return false;
    }
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let target = Path::new(&sysroot).join("lib/rustlib/wasm32-wasip2");
    if !target.is_dir() {
        assert!(
            !required(),
            "the wasm32-wasip2 target is required (rustup target add wasm32-wasip2)"
        );
        eprintln!("note: skipping the Spin end-to-end tests: no wasm32-wasip2 target");
        return false;
    }
    true
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// Letterbox's component, built once per test run as the README builds it.
fn component() -> &'static Path {
    static WASM: OnceLock<PathBuf> = OnceLock::new();
    WASM.get_or_init(|| {
        let output = Command::new(env!("CARGO"))
            .current_dir(workspace())
            .args([
                "build",
                "-p",
                "letterbox-api",
                "--target",
                "wasm32-wasip2",
                "--profile",
                "component",
                "--message-format",
                "json",
            ])
            .stderr(Stdio::inherit())
            .output()
            .unwrap();
        assert!(output.status.success(), "building the component failed");
        // Cargo names the artifact it wrote, wherever its target folder is.
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|msg| msg["target"]["name"] == "letterbox_api")
            .flat_map(|msg| msg["filenames"].as_array().cloned().unwrap_or_default())
            .filter_map(|f| f.as_str().map(PathBuf::from))
            .find(|f| f.extension().is_some_and(|e| e == "wasm"))
            .expect("cargo reports letterbox_api.wasm")
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A new site as a user makes one: `letterbox init --component`, a
/// member-only form added, then `spin build` (which runs `letterbox build`
/// from the PATH).
fn new_site(dir: &Path) -> PathBuf {
    new_site_with(dir, |_| {})
}

/// [`new_site`] with more done to the site by `setup` before `spin build`.
fn new_site_with(dir: &Path, setup: impl FnOnce(&Path)) -> PathBuf {
    let site = dir.join("site");
    init(&InitOptions {
        dir: site.clone(),
        title: "E2E".into(),
        base_url: SITE_URL.into(),
        date: "2026-11-30".into(),
        component: Some(component().to_owned()),
        api_only: false,
        languages: Vec::new(),
    })
    .unwrap();
    std::fs::write(
        site.join("content/members.md"),
        "+++\ntitle = \"Members\"\n+++\n\
         <form data-form=\"members\" data-auth=\"required\">\n\
         <input name=\"idea\" required maxlength=\"100\" pattern=\"(?:\\w|\\d|\\s)+\">\n<button>Send</button>\n</form>\n",
    )
    .unwrap();
    setup(&site);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_letterbox")).parent().unwrap();
    let path = std::env::join_paths(
        std::iter::once(bin_dir.to_owned())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let status = Command::new("spin")
        .arg("build")
        .current_dir(&site)
        .env("PATH", path)
        .status()
        .unwrap();
    assert!(status.success(), "spin build in the new site");
    site
}

/// `spin up` of a site, stopped when dropped.
struct Spin {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Spin {
    fn up(site: &Path, state: &Path, vars: &[(&str, &str)], runtime_config: Option<&Path>) -> Self {
        let port = free_port();
        let log = state.with_extension("log");
        let mut cmd = Command::new("spin");
        cmd.arg("up")
            .arg("--from")
            .arg(site.join("spin.toml"))
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--state-dir")
            .arg(state);
        if let Some(file) = runtime_config {
            cmd.arg("--runtime-config-file").arg(file);
        }
        // Secrets through the environment, as the README advises.
        cmd.env("SPIN_VARIABLE_JWT_SECRET", JWT_SECRET)
            .env("SPIN_VARIABLE_SITE_URL", SITE_URL)
            .env("SPIN_VARIABLE_ADMIN_USERNAME", ADMIN)
            .env("SPIN_VARIABLE_ADMIN_PASSWORD_HASH", admin_hash().as_str());
        for (name, value) in vars {
            cmd.env(format!("SPIN_VARIABLE_{}", name.to_uppercase()), value);
        }
        let out = std::fs::File::create(&log).unwrap();
        // A group of its own: `spin up` runs the app in a `spin trigger`
        // child, which outlives a killed `spin up` unless the group goes.
        let child = cmd
            .process_group(0)
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        let mut spin = Spin { child, port, log };
        spin.wait_ready();
        spin
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("spin up exited with {status}:\n{}", self.log_text());
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("spin up did not listen within 120 s:\n{}", self.log_text());
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn call(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
        request(self.port, method, path, headers, body)
    }
}

impl Drop for Spin {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn admin_hash() -> &'static String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| letterbox_forms::auth::hash_password(ADMIN_PASSWORD).unwrap())
}

// ---------------------------------------------------------------- HTTP

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {} {}", self.status, self.body))
    }
}

/// One HTTP/1.1 request on a fresh connection.
fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();

    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let status = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':').unwrap();
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    let mut raw = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            let size = usize::from_str_radix(line.trim(), 16).unwrap();
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).unwrap();
            if size == 0 {
                break;
            }
            raw.extend_from_slice(&chunk[..size]);
        }
    } else {
        reader.read_to_end(&mut raw).unwrap();
    }
    Reply {
        status,
        headers,
        body: String::from_utf8(raw).unwrap(),
    }
}

const JSON: (&str, &str) = ("Accept", "application/json");
const FORM: (&str, &str) = ("Content-Type", "application/x-www-form-urlencoded");

fn bearer(token: &str) -> (&'static str, String) {
    ("Authorization", format!("Bearer {token}"))
}

fn login(app: &Spin, user: &str, password: &str) -> String {
    let reply = app.call(
        "POST",
        "/api/auth/login",
        &[("Content-Type", "application/json")],
        &json!({ "username": user, "password": password }).to_string(),
    );
    assert_eq!(reply.status, 200, "login {user}: {}", reply.body);
    reply.json()["token"].as_str().unwrap().to_owned()
}

fn submissions(app: &Spin, token: &str, form: &str) -> Vec<Value> {
    let auth = bearer(token);
    let reply = app.call(
        "GET",
        &format!("/api/forms/{form}/submissions"),
        &[(auth.0, &auth.1)],
        "",
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["submissions"].as_array().unwrap().clone()
}

// ---------------------------------------------------------------- journeys

/// What every store must do, through the component under Spin.
fn journey(app: &Spin, site: &Path, external_key: &ES256KeyPair) {
    // The API serves this site's forms, and says so.
    let manifest =
        Manifest::from_json(&std::fs::read_to_string(site.join(".letterbox/forms.json")).unwrap())
            .unwrap();
    let health = app.call("GET", "/api/health", &[], "");
    assert_eq!(health.status, 200, "{}", health.body);
    let health = health.json();
    assert_eq!(health["manifest"]["sha256"], manifest.digest());
    assert_eq!(health["manifest"]["forms"], json!(["contact", "members"]));

    // A browser's form post: 303 to the thank-you page on the site.
    let browser = app.call(
        "POST",
        "/api/forms/contact",
        &[FORM, ("Origin", SITE_URL)],
        "email=ada%40example.org&message=Hello+from+a+browser",
    );
    assert_eq!(browser.status, 303, "{}", browser.body);
    assert_eq!(
        browser.header("location"),
        Some("http://127.0.0.1:1111/thanks/")
    );

    // A script's post: 201 with the id.
    let fetch = app.call(
        "POST",
        "/api/forms/contact",
        &[FORM, JSON],
        "email=grace%40example.org&message=Hello+from+fetch%21",
    );
    assert_eq!(fetch.status, 201, "{}", fetch.body);
    let fetched_id = fetch.json()["id"].as_str().unwrap().to_owned();

    // A rejected post names the field and rule, and stores nothing.
    let rejected = app.call(
        "POST",
        "/api/forms/contact",
        &[FORM, JSON],
        "email=nope&message=hi",
    );
    assert_eq!(rejected.status, 422, "{}", rejected.body);
    let rules: Vec<(String, String)> = rejected.json()["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["field"].as_str().unwrap().to_owned(),
                v["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        rules.contains(&("email".into(), "type".into())),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("message".into(), "minlength".into())),
        "{rules:?}"
    );

    // An unknown form, an unknown route.
    assert_eq!(
        app.call("POST", "/api/forms/nope", &[FORM, JSON], "a=b")
            .status,
        404
    );
    assert_eq!(app.call("GET", "/api/nothing", &[], "").status, 404);

    // The admin logs in and sees exactly the two accepted submissions.
    let admin = login(app, ADMIN, ADMIN_PASSWORD);
    let auth = bearer(&admin);
    let forms = app.call("GET", "/api/forms", &[(auth.0, &auth.1)], "");
    assert_eq!(forms.status, 200, "{}", forms.body);
    let counts: Vec<(String, u64)> = forms.json()["forms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(counts, [("contact".into(), 2), ("members".into(), 0)]);
    let listed = submissions(app, &admin, "contact");
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["id"], fetched_id.as_str(), "newest first");

    let csv = app.call(
        "GET",
        "/api/forms/contact/submissions?format=csv",
        &[(auth.0, &auth.1)],
        "",
    );
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 3, "{}", csv.body);
    assert!(lines[0].contains("email") && lines[0].contains("message"));
    assert!(csv.body.contains("grace@example.org") && csv.body.contains("ada@example.org"));

    let delete = app.call(
        "DELETE",
        &format!("/api/forms/contact/submissions/{fetched_id}"),
        &[(auth.0, &auth.1)],
        "",
    );
    assert_eq!(delete.status, 204, "{}", delete.body);
    let left = submissions(app, &admin, "contact");
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["values"][0][1], "ada@example.org");

    // A member-only form: 401 without a token; a member the admin creates
    // logs in and posts, and the record keeps who.
    let anonymous = app.call("POST", "/api/forms/members", &[FORM, JSON], "idea=more");
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    let created = app.call(
        "POST",
        "/api/users",
        &[(auth.0, &auth.1), ("Content-Type", "application/json")],
        &json!({"username": "mia", "password": "member password", "role": "member"}).to_string(),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let member = login(app, "mia", "member password");
    let member_auth = bearer(&member);
    let posted = app.call(
        "POST",
        "/api/forms/members",
        &[FORM, JSON, (member_auth.0, &member_auth.1)],
        "idea=more+tests",
    );
    assert_eq!(posted.status, 201, "{}", posted.body);
    // Its pattern is one a backtracking matcher takes minutes on for this
    // value (each extra `1` doubles it); the API answers at once.
    let crafted = format!("idea={}%21", "1".repeat(40));
    let refused = app.call(
        "POST",
        "/api/forms/members",
        &[FORM, JSON, (member_auth.0, &member_auth.1)],
        &crafted,
    );
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert_eq!(refused.json()["violations"][0]["rule"], "pattern");
    let ideas = submissions(app, &admin, "members");
    assert_eq!(ideas[0]["user"], "mia");
    // ... and a member is no admin.
    let forbidden = app.call("GET", "/api/forms", &[(member_auth.0, &member_auth.1)], "");
    assert_eq!(forbidden.status, 403);
    // A role change (a PATCH with a body, through Spin) revokes the tokens
    // issued before it.
    let promoted = app.call(
        "PATCH",
        "/api/users/mia",
        &[(auth.0, &auth.1), ("Content-Type", "application/json")],
        r#"{"role":"admin"}"#,
    );
    assert_eq!(promoted.status, 200, "{}", promoted.body);
    assert_eq!(promoted.json()["role"], "admin");
    let stale = app.call(
        "GET",
        "/api/auth/me",
        &[(member_auth.0, &member_auth.1)],
        "",
    );
    assert_eq!(stale.status, 401, "{}", stale.body);

    // A token of the external identity provider (JWKS variable) is accepted;
    // a forged one is not.
    let claims = Claims::create(jwt_simple::prelude::Duration::from_mins(5))
        .with_issuer(EXT_ISSUER)
        .with_audience(EXT_AUDIENCE)
        .with_subject("ext-user");
    let external = external_key.sign(claims).unwrap();
    let ext_auth = bearer(&external);
    let me = app.call("GET", "/api/auth/me", &[(ext_auth.0, &ext_auth.1)], "");
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["sub"], "ext-user");
    let mut forged = external.clone();
    forged.replace_range(forged.len() - 4.., "AAAA");
    let forged_auth = bearer(&forged);
    let refused = app.call(
        "GET",
        "/api/auth/me",
        &[(forged_auth.0, &forged_auth.1)],
        "",
    );
    assert_eq!(refused.status, 401);
}

fn external_provider() -> (ES256KeyPair, String) {
    let key = ES256KeyPair::generate().with_key_id("ec-1");
    let point = key.public_key().public_key().to_bytes_uncompressed();
    let b64 = |b: &[u8]| Base64UrlSafeNoPadding::encode_to_string(b).unwrap();
    let jwks = json!({"keys": [{
        "kty": "EC", "crv": "P-256", "kid": "ec-1", "alg": "ES256", "use": "sig",
        "x": b64(&point[1..33]), "y": b64(&point[33..65]),
    }]})
    .to_string();
    (key, jwks)
}

fn run_journey(
    store: &str,
    runtime_config: Option<&Path>,
    tmp: &Path,
    extra: &[(&str, &str)],
) -> Spin {
    let site = new_site(tmp);
    let (key, jwks) = external_provider();
    let mut vars = vec![
        ("store", store),
        ("jwks", jwks.as_str()),
        ("jwks_issuer", EXT_ISSUER),
        ("jwks_audience", EXT_AUDIENCE),
    ];
    vars.extend_from_slice(extra);
    let app = Spin::up(&site, &tmp.join("state"), &vars, runtime_config);
    journey(&app, &site, &key);
    app
}

#[test]
fn sqlite_store_under_spin() {
    if !spin_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let _app = run_journey("sqlite", None, tmp.path(), &[]);
    // The rows are where the README says.
    assert!(tmp.path().join("state/sqlite_db.db").is_file());
}

#[test]
fn key_value_store_under_spin() {
    if !spin_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let _app = run_journey("kv", None, tmp.path(), &[]);
    assert!(tmp.path().join("state/sqlite_key_value.db").is_file());
}

/// `redis-server` on a free loopback port, without persistence.
struct Redis {
    child: Child,
    port: u16,
}

impl Redis {
    fn start(dir: &Path) -> Self {
        let port = free_port();
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--dir"])
            .arg(dir)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Redis { child, port }
    }

    /// `SET` of `n` keys foreign to Letterbox, pipelined on one connection.
    fn fill(&self, n: usize) {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut out = String::new();
        for i in 0..n {
            let key = format!("other:app:{i}");
            out.push_str(&format!(
                "*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n$1\r\nx\r\n",
                key.len()
            ));
        }
        stream.write_all(out.as_bytes()).unwrap();
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        for _ in 0..n {
            line.clear();
            reader.read_line(&mut line).unwrap();
            assert_eq!(line.trim_end(), "+OK");
        }
    }

    /// The commands Redis has run so far, by name (`INFO commandstats`).
    fn command_counts(&self) -> Vec<(String, u64)> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        stream
            .write_all(b"*2\r\n$4\r\nINFO\r\n$12\r\ncommandstats\r\n")
            .unwrap();
        let mut reader = BufReader::new(stream);
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        let len: usize = header.trim_end().trim_start_matches('$').parse().unwrap();
        let mut body = vec![0; len];
        reader.read_exact(&mut body).unwrap();
        String::from_utf8(body)
            .unwrap()
            .lines()
            .filter_map(|line| {
                let (name, stats) = line.strip_prefix("cmdstat_")?.split_once(':')?;
                let calls = stats
                    .strip_prefix("calls=")?
                    .split(',')
                    .next()?
                    .parse()
                    .ok()?;
                Some((name.to_owned(), calls))
            })
            .collect()
    }

    /// One command, as RESP; the first line of the answer.
    fn command(&self, args: &[&str]) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut out = format!("*{}\r\n", args.len());
        for arg in args {
            out.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream.write_all(out.as_bytes()).unwrap();
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line).unwrap();
        line.trim_end().to_owned()
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn key_value_store_on_redis_under_spin() {
    if !spin_ready() || !have("redis-server", "the Spin test on Redis") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let redis = Redis::start(tmp.path());
    let runtime_config = tmp.path().join("runtime-config.toml");
    std::fs::write(
        &runtime_config,
        format!(
            "[key_value_store.default]\ntype = \"redis\"\nurl = \"redis://127.0.0.1:{}\"\n",
            redis.port
        ),
    )
    .unwrap();
    // A shared Redis: other applications' keys around Letterbox's.
    redis.fill(20_000);
    // (No rate limit: the concurrent writers below all come from 127.0.0.1.)
    let app = run_journey(
        "kv",
        Some(&runtime_config),
        tmp.path(),
        &[("rate_limit_per_minute", "0")],
    );
    // The records are in Redis, not in the local state folder.
    assert_eq!(redis.command(&["EXISTS", "user:mia"]), ":1");
    assert!(!tmp.path().join("state/sqlite_key_value.db").exists());

    // Concurrent writers: every post gets its own sequence number.
    let writers: Vec<_> = (0..8)
        .map(|t| {
            let port = app.port;
            std::thread::spawn(move || {
                (0..25)
                    .map(|i| {
                        let reply = request(
                            port,
                            "POST",
                            "/api/forms/contact",
                            &[FORM, JSON],
                            &format!("email=w{t}%40example.org&message=concurrent+post+{i}"),
                        );
                        assert_eq!(reply.status, 201, "{}", reply.body);
                        reply.json()["id"].as_str().unwrap().to_owned()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut posted: Vec<String> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    posted.sort();
    posted.dedup();
    assert_eq!(posted.len(), 200);
    let admin = login(&app, ADMIN, ADMIN_PASSWORD);
    let auth = bearer(&admin);
    let mut listed = Vec::new();
    let mut cursor = String::new();
    loop {
        let reply = app.call(
            "GET",
            &format!("/api/forms/contact/submissions?limit=64{cursor}"),
            &[(auth.0, &auth.1)],
            "",
        );
        let page = reply.json();
        listed.extend(
            page["submissions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(
        listed.len(),
        201,
        "200 concurrent posts and the journey's one"
    );
    assert!(posted.iter().all(|id| listed.contains(id)), "none lost");

    // Listing, counting and deleting never walked the shared store.
    let commands = redis.command_counts();
    for walk in ["keys", "scan"] {
        assert!(
            !commands
                .iter()
                .any(|(name, calls)| name == walk && *calls > 0),
            "{walk} was run: {commands:?}"
        );
    }
    assert!(
        commands.iter().any(|(name, _)| name == "incrby"),
        "{commands:?}"
    );
}

#[test]
fn a_missing_or_foreign_manifest_is_a_503_that_says_why() {
    if !spin_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let site = new_site(tmp.path());
    let manifest = site.join(".letterbox/forms.json");
    std::fs::write(&manifest, r#"{"version":99,"forms":{}}"#).unwrap();
    let app = Spin::up(&site, &tmp.path().join("state"), &[], None);
    let reply = app.call(
        "POST",
        "/api/forms/contact",
        &[FORM, JSON],
        "email=a%40b.org",
    );
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(reply.json()["error"], "manifest_unavailable");
    let message = reply.json()["message"].as_str().unwrap().to_owned();
    assert!(message.contains("version 99"), "{message}");
    // Nothing is cached as a success: the next request says the same.
    assert_eq!(app.call("GET", "/api/health", &[], "").status, 503);
    drop(app);

    std::fs::remove_file(&manifest).unwrap();
    let app = Spin::up(&site, &tmp.path().join("state2"), &[], None);
    let reply = app.call("GET", "/api/health", &[], "");
    assert_eq!(reply.status, 503, "{}", reply.body);
    let message = reply.json()["message"].as_str().unwrap().to_owned();
    assert!(
        message.contains("/letterbox/forms.json cannot be read")
            && message.contains("letterbox build"),
        "{message}"
    );
}

#[test]
fn an_unset_jwt_secret_keeps_public_forms_working_and_auth_answers_503() {
    if !spin_ready() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let site = new_site(tmp.path());
    // Too short: public forms work, auth routes say 503 on every request.
    let app = Spin::up(
        &site,
        &tmp.path().join("state"),
        &[("jwt_secret", "short")],
        None,
    );
    let posted = app.call(
        "POST",
        "/api/forms/contact",
        &[FORM, JSON],
        "email=a%40b.org&message=long+enough+message",
    );
    assert_eq!(posted.status, 201, "{}", posted.body);
    for _ in 0..2 {
        let login = app.call(
            "POST",
            "/api/auth/login",
            &[("Content-Type", "application/json")],
            r#"{"username":"root","password":"x"}"#,
        );
        assert_eq!(login.status, 503, "{}", login.body);
    }
}

// ---------------------------------------------------------------- notifications

/// A site whose `feedback` form has a Turnstile CAPTCHA, Akismet, a signed
/// webhook, an e-mail to the owner and an autoreply, all pointed at
/// `receiver`, which `spin.toml` allows.
fn notify_site(dir: &Path, receiver: &Receiver) -> PathBuf {
    let port = receiver.port;
    new_site_with(dir, |site| {
        std::fs::write(
            site.join("content/feedback.md"),
            "+++\ntitle = \"Feedback\"\n+++\n\
             <form data-form=\"feedback\" data-captcha=\"turnstile\" data-sitekey=\"1x00000000000000000000AA\">\n\
             <input name=\"name\" required maxlength=\"100\">\n\
             <input name=\"email\" type=\"email\" required>\n\
             <textarea name=\"message\" required maxlength=\"2000\"></textarea>\n<button>Send</button>\n</form>\n",
        )
        .unwrap();
        let mut config = std::fs::read_to_string(site.join("site.toml")).unwrap();
        config.push_str(&format!(
            "\n[forms.feedback]\nspam_check = \"akismet\"\n\n\
             [[forms.feedback.notify.webhook]]\nurl = \"http://127.0.0.1:{port}/hook\"\n\n\
             [forms.feedback.notify.email]\nto = [\"owner@example.org\"]\nfrom = \"Forms <forms@example.org>\"\n\
             subject = \"Feedback from {{name}}\"\nreply_to = \"email\"\n\n\
             [forms.feedback.notify.autoreply]\nfield = \"email\"\nfrom = \"hello@example.org\"\n\
             subject = \"Thanks, {{name}}\"\nbody = \"We read every message.\"\n"
        ));
        std::fs::write(site.join("site.toml"), config).unwrap();
        let spin = std::fs::read_to_string(site.join("spin.toml")).unwrap();
        let spin = spin.replace(
            "allowed_outbound_hosts = []",
            &format!("allowed_outbound_hosts = [\"http://127.0.0.1:{port}\"]"),
        );
        std::fs::write(site.join("spin.toml"), spin).unwrap();
    })
}

fn notify_vars(receiver: &Receiver) -> Vec<(&'static str, String)> {
    vec![
        ("webhook_secret", "whsec_e2e".into()),
        ("email_api_url", receiver.url("/emails")),
        ("email_api_key", "re_e2e".into()),
        ("captcha_secret", "0x-e2e".into()),
        ("captcha_verify_url", receiver.url("/siteverify")),
        ("akismet_key", "ak_e2e".into()),
        ("akismet_url", receiver.url("/comment-check")),
        ("outbound_timeout_ms", "1500".into()),
    ]
}

/// The receiver's script: the webhook fails while `hook_down`, Akismet
/// calls a message with "viagra" spam, `siteverify` as the test keys.
fn answer_as_services(receiver: &Receiver, hook_down: bool) {
    let verify = siteverify();
    receiver.answer(move |r| match r.path.as_str() {
        "/siteverify" => verify(r),
        "/hook" if hook_down => Answer::Status(500, "receiver down".into()),
        "/comment-check" => {
            let spam = r
                .form_value("comment_content")
                .unwrap_or_default()
                .contains("viagra");
            Answer::Status(200, if spam { "true" } else { "false" }.into())
        }
        _ => Answer::Status(200, "{}".into()),
    });
}

fn feedback(app: &Spin, token: &str, message: &str) -> Reply {
    let body = format!(
        "name=Ada&email=ada%40example.org&message={}&cf-turnstile-response={token}",
        message.replace(' ', "+")
    );
    app.call("POST", "/api/forms/feedback", &[JSON, FORM], &body)
}

fn notify_journey(app: &Spin, receiver: &Receiver) {
    answer_as_services(receiver, false);
    // Stored, then announced: a signed webhook, the owner's e-mail and the
    // autoreply, each as the providers take them.
    let sent = feedback(app, "pass", "Lovely site");
    assert_eq!(sent.status, 201, "{}\n{}", sent.body, app.log_text());
    let hooks = receiver.wait_for("/hook", 1);
    assert_eq!(hooks.len(), 1, "{}", app.log_text());
    let signature = hooks[0].header("x-letterbox-signature").unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(webhook::verify(
        b"whsec_e2e",
        signature,
        &hooks[0].body,
        now
    ));
    assert_eq!(hooks[0].json()["submission"]["id"], sent.json()["id"]);
    let mails = receiver.wait_for("/emails", 2);
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[0].header("authorization"), Some("Bearer re_e2e"));
    assert_eq!(mails[0].json()["subject"], "Feedback from Ada");
    assert_eq!(mails[1].json()["to"], json!(["ada@example.org"]));
    let verify = &receiver.received_at("/siteverify")[0];
    assert_eq!(verify.form_value("secret").as_deref(), Some("0x-e2e"));
    assert_eq!(verify.form_value("response").as_deref(), Some("pass"));

    // CAPTCHA refused, reused, and its provider too slow: nothing stored,
    // nothing sent.
    receiver.clear();
    let refused = feedback(app, "fail", "Lovely site");
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.json()["fields"]["captcha"][0]
            .as_str()
            .unwrap()
            .contains("could not be verified")
    );
    assert_eq!(feedback(app, "once-1", "Lovely site").status, 201);
    let reused = feedback(app, "once-1", "Lovely site");
    assert_eq!(reused.status, 422);
    assert!(
        reused.body.contains("expired or was already used"),
        "{}",
        reused.body
    );
    let started = Instant::now();
    let slow = feedback(app, "slow", "Lovely site");
    assert_eq!(slow.status, 503, "{}", slow.body);
    assert_eq!(slow.json()["error"], "captcha_unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "the 1.5 s timeout holds"
    );
    assert_eq!(
        receiver.received_at("/hook").len(),
        1,
        "only the one stored post"
    );

    let token = login(app, ADMIN, ADMIN_PASSWORD);
    let auth = bearer(&token);
    let count = |app: &Spin| -> (u64, u64) {
        let forms = app
            .call("GET", "/api/forms", &[(auth.0, auth.1.as_str())], "")
            .json();
        let f = forms["forms"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "feedback")
            .unwrap()
            .clone();
        (f["count"].as_u64().unwrap(), f["spam"].as_u64().unwrap())
    };
    assert_eq!(count(app), (2, 0));

    // A failing receiver: the submission is stored all the same, and the
    // delivery waits in the outbox until a later request retries it.
    answer_as_services(receiver, true);
    receiver.clear();
    assert_eq!(feedback(app, "pass", "Second message").status, 201);
    assert_eq!(count(app), (3, 0));
    let outbox = app
        .call("GET", "/api/outbox", &[(auth.0, auth.1.as_str())], "")
        .json();
    let entries = outbox["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{outbox}");
    assert_eq!(entries[0]["kind"], "webhook");
    assert_eq!(entries[0]["last_error"], "answered 500: receiver down");
    let delivery = entries[0]["id"].as_str().unwrap().to_owned();
    answer_as_services(receiver, false);
    let retried = app.call(
        "POST",
        "/api/outbox/retry",
        &[(auth.0, auth.1.as_str())],
        "",
    );
    assert_eq!(
        retried.json(),
        json!({"attempted": 1, "delivered": 1}),
        "{}",
        app.log_text()
    );
    let hooks = receiver.received_at("/hook");
    assert_eq!(
        hooks.last().unwrap().header("x-letterbox-delivery"),
        Some(delivery.as_str())
    );
    let outbox = app
        .call("GET", "/api/outbox", &[(auth.0, auth.1.as_str())], "")
        .json();
    assert_eq!(outbox["entries"], json!([]));

    // Akismet's spam: answered like any post, filed in the spam folder,
    // announced to nobody until an admin says it is not spam.
    receiver.clear();
    assert_eq!(feedback(app, "pass", "cheap viagra here").status, 201);
    assert_eq!(count(app), (3, 1));
    assert!(receiver.received_at("/hook").is_empty());
    let spam = app
        .call(
            "GET",
            "/api/forms/feedback/submissions?folder=spam",
            &[(auth.0, auth.1.as_str())],
            "",
        )
        .json();
    let id = spam["submissions"][0]["id"].as_str().unwrap().to_owned();
    let back = app.call(
        "POST",
        &format!("/api/forms/feedback/submissions/{id}/not-spam"),
        &[(auth.0, auth.1.as_str())],
        "",
    );
    assert_eq!(back.status, 200, "{}", back.body);
    assert_eq!(count(app), (4, 0));
    assert_eq!(receiver.wait_for("/hook", 1).len(), 1);
}

#[test]
fn notifications_captcha_and_spam_under_spin() {
    if !spin_ready() {
        return;
    }
    for store in ["sqlite", "kv"] {
        let tmp = tempfile::tempdir().unwrap();
        let receiver = Receiver::start();
        let site = notify_site(tmp.path(), &receiver);
        let vars = notify_vars(&receiver);
        let mut all: Vec<(&str, &str)> = vars.iter().map(|(n, v)| (*n, v.as_str())).collect();
        all.push(("store", store));
        let app = Spin::up(&site, &tmp.path().join("state"), &all, None);
        notify_journey(&app, &receiver);
    }
}

/// A site with a moderated guestbook (whose page shows its thread) that
/// keeps submissions 30 days, allowed to call the build hook at `hook_port`.
fn guestbook_site(dir: &Path, hook_port: u16) -> PathBuf {
    new_site_with(dir, |site| {
        let spin = std::fs::read_to_string(site.join("spin.toml")).unwrap();
        let spin = spin.replace(
            "allowed_outbound_hosts = []",
            &format!("allowed_outbound_hosts = [\"http://127.0.0.1:{hook_port}\"]"),
        );
        std::fs::write(site.join("spin.toml"), spin).unwrap();
        std::fs::write(
            site.join("content/guestbook.md"),
            "+++\ntitle = \"Guestbook\"\n[extra]\ncomments = \"guestbook\"\n+++\n\
             <form data-form=\"guestbook\">\n\
             <input name=\"name\" required maxlength=\"100\">\n\
             <input name=\"email\" type=\"email\" required>\n\
             <textarea name=\"message\" required maxlength=\"2000\"></textarea>\n<button>Sign</button>\n</form>\n",
        )
        .unwrap();
        let mut config = std::fs::read_to_string(site.join("site.toml")).unwrap();
        config.push_str(
            "\n[forms.guestbook]\npublish = [\"name\", \"message\"]\nretention_days = 30\n",
        );
        std::fs::write(site.join("site.toml"), config).unwrap();
    })
}

/// Submit → pending → approve → `/published` → `letterbox pull` + build
/// shows it on the page; a rejected entry never shows; inbox search;
/// erasure removes the person and the next pull takes the entry off the
/// page; the approval called the build hook once. Every guestbook request
/// also runs the retention sweep, which must not log a store error.
fn moderation_journey(app: &Spin, site: &Path, hook: &Receiver) {
    let sign = |name: &str, email: &str, message: &str| {
        let reply = app.call(
            "POST",
            "/api/forms/guestbook",
            &[JSON, FORM],
            &format!("name={name}&email={email}&message={message}&_page=%2Fguestbook%2F"),
        );
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.json()["id"].as_str().unwrap().to_owned()
    };
    let grace = sign("Grace", "grace%40example.org", "Lovely+site.");
    let mallory = sign("Mallory", "mallory%40example.org", "Buy+now!");
    let published = || {
        let reply = app.call("GET", "/api/forms/guestbook/published", &[], "");
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.header("cache-control"), Some("public, max-age=60"));
        reply.json()["entries"].as_array().unwrap().clone()
    };
    assert!(published().is_empty(), "pending entries are not public");

    let token = login(app, ADMIN, ADMIN_PASSWORD);
    let auth = bearer(&token);
    let admin = |method: &str, path: &str, body: &str| {
        app.call(
            method,
            path,
            &[(auth.0, &auth.1), ("Content-Type", "application/json")],
            body,
        )
    };
    let found = admin(
        "GET",
        "/api/forms/guestbook/submissions?folder=pending&q=GRACE",
        "",
    );
    assert_eq!(found.status, 200, "{}", found.body);
    let hits = found.json()["submissions"].as_array().unwrap().clone();
    assert_eq!(hits.len(), 1, "{}", found.body);
    assert_eq!(hits[0]["id"], grace.as_str());
    assert_eq!(hits[0]["read"], false, "{}", found.body);
    // Opened in the inbox, Grace's entry is read; Mallory's is still new.
    let opened = admin(
        "POST",
        &format!("/api/forms/guestbook/submissions/{grace}/read?folder=pending"),
        "",
    );
    assert_eq!(opened.status, 200, "{}", opened.body);
    let with_status = |status: &str| {
        let reply = admin(
            "GET",
            &format!("/api/forms/guestbook/submissions?folder=pending&status={status}"),
            "",
        );
        assert_eq!(reply.status, 200, "{}", reply.body);
        (reply.json()["submissions"].as_array().unwrap().iter())
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(with_status("new"), std::slice::from_ref(&mallory));
    assert_eq!(with_status("read"), std::slice::from_ref(&grace));
    for (id, action) in [(&grace, "approve"), (&mallory, "reject")] {
        let reply = admin(
            "POST",
            &format!("/api/forms/guestbook/submissions/{id}/{action}?folder=pending"),
            "",
        );
        assert_eq!(reply.status, 200, "{action}: {}", reply.body);
    }
    let calls = hook.wait_for("/rebuild", 1);
    assert_eq!(calls.len(), 1, "one approval, one build hook call");
    assert_eq!(calls[0].json()["form"], "guestbook");
    assert_eq!(calls[0].json()["ids"].as_array().map(Vec::len), Some(1));
    let entries = published();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(
        entries[0]["fields"],
        json!({ "name": "Grace", "message": "Lovely site." })
    );

    // Pull from the component and build: the thread is on the page.
    let mut options = letterbox::pull::PullOptions::new(site);
    options.api_url = Some(format!("http://127.0.0.1:{}", app.port));
    let pulled = letterbox::pull::pull(&options).unwrap();
    assert_eq!(pulled[0].entries, 1, "{pulled:?}");
    let build_page = || {
        letterbox::build(&letterbox::BuildOptions::new(site)).unwrap();
        std::fs::read_to_string(site.join("dist/guestbook/index.html")).unwrap()
    };
    let page = build_page();
    assert!(
        page.contains("Lovely site.") && page.contains("Grace"),
        "{page}"
    );
    assert!(!page.contains("Buy now!"), "rejected: {page}");

    // Erasure: every folder, then the next pull and build drop it.
    let erased = admin(
        "POST",
        "/api/admin/erase",
        r#"{"email": "grace@example.org"}"#,
    );
    assert_eq!(erased.status, 200, "{}", erased.body);
    assert_eq!(erased.json()["deleted"], 1);
    let person = admin(
        "POST",
        "/api/admin/person",
        r#"{"email": "grace@example.org"}"#,
    );
    assert_eq!(person.json()["submissions"], json!([]));
    assert!(published().is_empty());
    assert_eq!(letterbox::pull::pull(&options).unwrap()[0].entries, 0);
    assert!(!build_page().contains("Lovely site."));
    let log = app.log_text();
    assert!(
        !log.contains("letterbox: store") && !log.contains("no such"),
        "{log}"
    );
}

#[test]
fn moderation_pull_and_erasure_under_spin() {
    if !spin_ready() {
        return;
    }
    for store in ["sqlite", "kv"] {
        let tmp = tempfile::tempdir().unwrap();
        let hook = Receiver::start();
        let site = guestbook_site(tmp.path(), hook.port);
        let hook_url = hook.url("/rebuild");
        let vars = [("store", store), ("build_hook_url", hook_url.as_str())];
        let app = Spin::up(&site, &tmp.path().join("state"), &vars, None);
        moderation_journey(&app, &site, &hook);
    }
}
