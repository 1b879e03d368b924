//! `letterbox serve`: builds the site, serves the output folder on
//! 127.0.0.1 with the clean URLs a CDN gives, rebuilds on changes and
//! reloads open pages over a websocket, and answers `/api/...` in-process
//! with the `letterbox-forms` handler over a SQLite file.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let mut options = letterbox::serve::ServeOptions::new("site");
//! options.port = 0; // any free port
//! let server = letterbox::serve::start(options).await?;
//! println!("serving on http://{}", server.addr);
//! server.shutdown().await;
//! # Ok(()) }
//! ```

pub mod cli;
mod files;
pub mod incremental;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow};
use axum::Router;
use axum::body::Body;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use bytes::Bytes;
use http::HeaderValue;
use http::header::ORIGIN;
use letterbox_forms::handler::{CLIENT_ADDR_HEADER, error_response};
use letterbox_forms::store::SqliteStore;
use letterbox_forms::{Config, Context, Manifest, SystemClock, collect_limited, handle};
use notify::{EventKind, RecursiveMode, Watcher as _};
use tokio::sync::{broadcast, watch};

use crate::site::{BuildOptions, Site, manifest_path};
use incremental::Incremental;

/// The path of the live-reload websocket.
pub const LIVERELOAD_PATH: &str = "/__letterbox/livereload";
/// The port `letterbox serve` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 1111;
const LIVERELOAD_JS: &str = include_str!("livereload.js");

/// What to serve and how.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site folder (holding `site.toml`).
    pub root: PathBuf,
    /// Output folder; a relative path is taken from `root`.
    pub output: PathBuf,
    pub drafts: bool,
    /// Port on 127.0.0.1; 0 picks a free one (see [`ServerHandle::addr`]).
    pub port: u16,
    /// Pages post to this API (a running `spin up`) instead of the
    /// in-process one, which is then disabled.
    pub api_url: Option<String>,
    /// Signing key for the in-process API; a random one when `None`.
    pub jwt_secret: Option<String>,
    /// The admin user; when `None` a dev admin `admin` with a random
    /// password is created (see [`ServerHandle::dev_admin`]).
    pub admin: Option<AdminUser>,
    /// Further origins (`scheme://host:port`) the in-process API accepts
    /// (CORS and posts), besides its own — for a site served elsewhere.
    pub allowed_origins: Vec<String>,
    /// Rebuild and reload on changes to `content/`, `templates/`, `static/`
    /// and `site.toml`.
    pub watch: bool,
    /// Print nothing but errors.
    pub quiet: bool,
}

/// An admin given as username and argon2 PHC hash.
#[derive(Debug, Clone)]
pub struct AdminUser {
    pub username: String,
    pub password_hash: String,
}

impl ServeOptions {
    /// Serve `root` into `root/dist` on the default port, watching.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            output: PathBuf::from("dist"),
            drafts: false,
            port: DEFAULT_PORT,
            api_url: None,
            jwt_secret: None,
            admin: None,
            allowed_origins: Vec::new(),
            watch: true,
            quiet: false,
        }
    }
}

/// A running server.
#[derive(Debug)]
pub struct ServerHandle {
    /// Where it listens.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// The generated one-time admin login `(username, password)` when no
    /// admin was given and the in-process API runs.
    pub dev_admin: Option<(String, String)>,
    /// The SQLite file of the in-process API.
    pub database: Option<PathBuf>,
    shared: Arc<Shared>,
    stop_tx: watch::Sender<bool>,
    server: tokio::task::JoinHandle<()>,
    watcher: Option<std::thread::JoinHandle<()>>,
}

impl ServerHandle {
    /// The error text of the last build, while it is failing.
    pub fn build_error(&self) -> Option<String> {
        self.shared.build.read().ok().and_then(|b| b.error.clone())
    }

    /// How many builds have finished (good or bad), the first included.
    pub fn builds(&self) -> u64 {
        self.shared.build.read().map(|b| b.count).unwrap_or(0)
    }

    /// How many pages listen for live reload right now.
    pub fn live_clients(&self) -> usize {
        self.shared.notices.receiver_count()
    }

    /// Stops accepting, closes live-reload sockets, waits for open requests
    /// and the watcher to finish.
    pub async fn shutdown(mut self) {
        self.stop();
        let _ = (&mut self.server).await;
        if let Some(w) = self.watcher.take() {
            let _ = tokio::task::spawn_blocking(move || w.join()).await;
        }
    }

    fn stop(&self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        let _ = self.stop_tx.send(true);
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What the live-reload socket says to pages.
#[derive(Debug, Clone)]
enum Notice {
    Reload,
    Error(String),
}

impl Notice {
    fn json(&self) -> String {
        match self {
            Notice::Reload => r#"{"type":"reload"}"#.to_owned(),
            Notice::Error(text) => serde_json::json!({ "type": "error", "text": text }).to_string(),
        }
    }
}

#[derive(Debug, Default)]
struct BuildState {
    /// The failing build's errors, until a build succeeds.
    error: Option<String>,
    count: u64,
}

struct Shared {
    output: PathBuf,
    build: RwLock<BuildState>,
    notices: broadcast::Sender<Notice>,
    api: Option<Api>,
    stopping: AtomicBool,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("output", &self.output)
            .finish_non_exhaustive()
    }
}

/// The in-process API.
struct Api {
    config: Arc<Config>,
    store: Arc<SqliteStore>,
    manifest: RwLock<Arc<Manifest>>,
    manifest_file: PathBuf,
}

impl Api {
    /// Re-reads the manifest the last build wrote; a missing one is empty.
    fn reload_manifest(&self) -> anyhow::Result<()> {
        let manifest = match std::fs::read_to_string(&self.manifest_file) {
            Ok(text) => Manifest::from_json(&text)
                .with_context(|| format!("reading {}", self.manifest_file.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::default(),
            Err(e) => return Err(anyhow!("reading {}: {e}", self.manifest_file.display())),
        };
        if let Ok(mut m) = self.manifest.write() {
            *m = Arc::new(manifest);
        }
        Ok(())
    }
}

/// Builds the site, binds 127.0.0.1:`port` and serves until
/// [`ServerHandle::shutdown`]. A failing first build still starts the
/// server (showing the error in pages) so that fixing it reloads them.
pub async fn start(options: ServeOptions) -> anyhow::Result<ServerHandle> {
    // Without `site.toml` the folder is no site: there will never be a
    // good build to serve, so stop as `build` does, before the API's
    // database is created in it.
    if !options.root.join(crate::config::CONFIG_FILE).is_file() {
        crate::config::Config::load(&options.root)?;
    }
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, options.port))
        .await
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AddrInUse {
                anyhow!(
                    "port {} is in use; try --port {}",
                    options.port,
                    options.port.wrapping_add(1).max(1)
                )
            } else {
                anyhow!("cannot listen on 127.0.0.1:{}: {e}", options.port)
            }
        })?;
    let addr = listener.local_addr()?;
    let url = format!("http://{addr}");
    let output = if options.output.is_absolute() {
        options.output.clone()
    } else {
        options.root.join(&options.output)
    };

    let mut dev_admin = None;
    let mut database = None;
    let api = match &options.api_url {
        Some(_) => None,
        None => {
            let (api, login) = in_process_api(&options, addr).await?;
            dev_admin = login;
            database = Some(api_database(&options.root));
            Some(api)
        }
    };
    let (notices, _) = broadcast::channel(16);
    let shared = Arc::new(Shared {
        output,
        build: RwLock::default(),
        notices,
        api,
        stopping: AtomicBool::new(false),
    });
    let builder = Builder {
        options: options.clone(),
        base_url: format!("{url}/"),
        shared: Arc::clone(&shared),
        last: Mutex::new(None),
    };
    let builder = tokio::task::spawn_blocking(move || {
        builder.rebuild(&[]);
        builder
    })
    .await?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let watcher = if options.watch {
        Some(builder.watch()?)
    } else {
        None
    };
    let app = Router::new()
        .route(LIVERELOAD_PATH, get(livereload))
        .route("/api", any(api_route))
        .route("/api/{*rest}", any(api_route))
        .fallback(files::serve_file)
        .with_state((Arc::clone(&shared), stop_rx.clone()));
    let shutdown_rx = stop_rx;
    let server = tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        let result = axum::serve(listener, service)
            .with_graceful_shutdown(stopped(shutdown_rx))
            .await;
        if let Err(e) = result {
            eprintln!("letterbox serve: {e}");
        }
    });
    Ok(ServerHandle {
        addr,
        url,
        dev_admin,
        database,
        shared,
        stop_tx,
        server,
        watcher,
    })
}

/// The SQLite file `serve` keeps submissions in.
pub fn api_database(root: &Path) -> PathBuf {
    root.join(".letterbox").join("serve.sqlite")
}

async fn in_process_api(
    options: &ServeOptions,
    addr: SocketAddr,
) -> anyhow::Result<(Api, Option<(String, String)>)> {
    let site_url = format!("http://{addr}");
    let mut origins = format!("{site_url}, http://localhost:{}", addr.port());
    for origin in &options.allowed_origins {
        origins.push_str(", ");
        origins.push_str(origin);
    }
    let jwt_secret = match &options.jwt_secret {
        Some(secret) => secret.clone(),
        None => random_text(
            48,
            b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        )?,
    };
    let (admin, login) = match &options.admin {
        Some(admin) => (admin.clone(), None),
        None => {
            let password = random_text(16, b"abcdefghijkmnpqrstuvwxyz23456789")?;
            let hash = {
                let password = password.clone();
                tokio::task::spawn_blocking(move || {
                    letterbox_forms::auth::hash_password(&password)
                        .map_err(|e| anyhow!("hashing the dev admin password: {e}"))
                })
                .await??
            };
            let admin = AdminUser {
                username: "admin".to_owned(),
                password_hash: hash,
            };
            (admin, Some(("admin".to_owned(), password)))
        }
    };
    let config = Config::from_lookup(|name| match name {
        "jwt_secret" => Some(jwt_secret.clone()),
        "site_url" => Some(site_url.clone()),
        "allowed_origins" => Some(origins.clone()),
        "admin_username" => Some(admin.username.clone()),
        "admin_password_hash" => Some(admin.password_hash.clone()),
        "store" => Some("sqlite".to_owned()),
        _ => None,
    })
    .map_err(|e| anyhow!("API configuration: {e}"))?;
    let db = api_database(&options.root);
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let store = SqliteStore::open(&db).map_err(|e| anyhow!("opening {}: {e}", db.display()))?;
    Ok((
        Api {
            config: Arc::new(config),
            store: Arc::new(store),
            manifest: RwLock::new(Arc::new(Manifest::default())),
            manifest_file: manifest_path(&options.root),
        },
        login,
    ))
}

/// `len` characters drawn uniformly from `alphabet` (at most 256 long).
fn random_text(len: usize, alphabet: &[u8]) -> anyhow::Result<String> {
    let n = alphabet.len();
    // Rejection sampling keeps the draw uniform.
    let limit = 256 - 256 % n;
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buf).map_err(|e| anyhow!("no randomness: {e}"))?;
        for &b in &buf {
            if usize::from(b) < limit && out.len() < len {
                out.push(char::from(alphabet[usize::from(b) % n]));
            }
        }
    }
    Ok(out)
}

/// Builds and rebuilds the site.
struct Builder {
    options: ServeOptions,
    base_url: String,
    shared: Arc<Shared>,
    /// The last good build, for [`Incremental::update`].
    last: Mutex<Option<Incremental>>,
}

impl Builder {
    /// One build: on success the manifest is reloaded and pages reload; on
    /// failure the last good output stays and pages show the error.
    fn rebuild(&self, changed: &[PathBuf]) {
        if !changed.is_empty() && self.rebuild_fast(changed) {
            return;
        }
        let start = Instant::now();
        let result = self.build_once();
        let elapsed = start.elapsed();
        let notice = match result {
            Ok(summary) => {
                let manifest = match &self.shared.api {
                    Some(api) => api.reload_manifest(),
                    None => Ok(()),
                };
                match manifest {
                    Ok(()) => {
                        if !self.options.quiet {
                            println!(
                                "{} {} pages, {} forms in {} ms",
                                describe_changes(&self.options.root, changed),
                                summary.pages,
                                summary.forms,
                                elapsed.as_millis()
                            );
                        }
                        None
                    }
                    Err(e) => Some(format!("error: {e:#}")),
                }
            }
            Err(text) => Some(text),
        };
        if let Some(text) = &notice {
            eprintln!("{text}\n(serving the last good build; fix the error to reload)");
        }
        if let Ok(mut state) = self.shared.build.write() {
            state.error = notice.clone();
            state.count += 1;
        }
        let _ = self.shared.notices.send(match notice {
            Some(text) => Notice::Error(text),
            None => Notice::Reload,
        });
    }

    /// The fast path: when only page bodies changed, re-renders them and
    /// writes the files that changed. False when a full build is needed.
    fn rebuild_fast(&self, changed: &[PathBuf]) -> bool {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        let Some(state) = last.take() else {
            return false;
        };
        let (state, update) = match state.update(changed) {
            Ok(done) => done,
            Err(why) => {
                if std::env::var_os("LETTERBOX_DEBUG_WATCH").is_some() {
                    eprintln!("watch: full rebuild: {why}");
                }
                return false;
            }
        };
        *last = Some(state);
        drop(last);
        if let Some(api) = &self.shared.api
            && api.reload_manifest().is_err()
        {
            return false;
        }
        if !self.options.quiet {
            let what = describe_changes(&self.options.root, changed);
            let what = what.strip_suffix(", rebuilt").unwrap_or(&what);
            println!(
                "{what}, rendered {} file{} again, wrote {} file{}, {} forms in {} ms",
                update.rendered.len(),
                if update.rendered.len() == 1 { "" } else { "s" },
                update.written,
                if update.written == 1 { "" } else { "s" },
                update.forms,
                update.elapsed.as_millis()
            );
        }
        if let Ok(mut state) = self.shared.build.write() {
            state.error = None;
            state.count += 1;
        }
        let _ = self.shared.notices.send(Notice::Reload);
        true
    }

    fn build_once(&self) -> Result<crate::BuildSummary, String> {
        let build = BuildOptions {
            root: self.options.root.clone(),
            output: self.options.output.clone(),
            drafts: self.options.drafts,
            base_url: Some(self.base_url.clone()),
        };
        let mut site = Site::load(&build).map_err(|e| e.to_string())?;
        // The in-process API answers on this origin; `--api-url` points the
        // pages elsewhere.
        site.config.api_url = self.options.api_url.clone().unwrap_or_default();
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        *last = None;
        let (state, summary) = Incremental::build(site).map_err(|e| e.to_string())?;
        *last = Some(state);
        Ok(summary)
    }

    /// Watches the sources on a thread of its own. Changes are debounced:
    /// a rebuild starts once 100 ms passed without another change.
    fn watch(self) -> anyhow::Result<std::thread::JoinHandle<()>> {
        let (tx, rx) = std::sync::mpsc::channel::<notify::Result<notify::Event>>();
        let mut watcher = notify::recommended_watcher(tx).context("starting the file watcher")?;
        let root = &self.options.root;
        for dir in [
            "content",
            "templates",
            "static",
            crate::output::sass::DIR,
            "data",
        ] {
            let path = root.join(dir);
            if path.is_dir() {
                watcher
                    .watch(&path, RecursiveMode::Recursive)
                    .with_context(|| format!("watching {}", path.display()))?;
            }
        }
        // site.toml: watch the folder (editors replace files by renaming).
        watcher
            .watch(root, RecursiveMode::NonRecursive)
            .with_context(|| format!("watching {}", root.display()))?;
        let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_owned());
        let site_toml = canon(&root.join("site.toml"));
        let sources: Vec<PathBuf> = [
            "content",
            "templates",
            "static",
            crate::output::sass::DIR,
            "data",
        ]
        .iter()
        .map(|d| canon(&root.join(d)))
        .collect();
        // The changed source files of an event.
        let relevant = move |event: &notify::Event| -> Vec<PathBuf> {
            if matches!(event.kind, EventKind::Access(_)) {
                return Vec::new();
            }
            event
                .paths
                .iter()
                .filter(|path| {
                    // Removed files cannot be canonicalized: use the parent.
                    let p = match (path.parent(), path.file_name()) {
                        (Some(dir), Some(name)) => canon(dir).join(name),
                        _ => (*path).clone(),
                    };
                    p == site_toml || sources.iter().any(|s| p.starts_with(s))
                })
                .cloned()
                .collect()
        };
        let debug = std::env::var_os("LETTERBOX_DEBUG_WATCH").is_some();
        let handle = std::thread::Builder::new()
            .name("letterbox-watch".into())
            .spawn(move || {
                let _watcher = watcher;
                let tick = Duration::from_millis(200);
                let quiet = Duration::from_millis(100);
                let mut pending: Option<Instant> = None;
                let mut changed: Vec<PathBuf> = Vec::new();
                loop {
                    if self.shared.stopping.load(Ordering::SeqCst) {
                        return;
                    }
                    let wait = match pending {
                        Some(last) => quiet.saturating_sub(last.elapsed()),
                        None => tick,
                    };
                    match rx.recv_timeout(wait) {
                        Ok(Ok(event)) => {
                            if debug {
                                eprintln!("watch: {:?} {:?}", event.kind, event.paths);
                            }
                            let paths = relevant(&event);
                            if !paths.is_empty() {
                                pending = Some(Instant::now());
                                for p in paths {
                                    if !changed.contains(&p) {
                                        changed.push(p);
                                    }
                                }
                            }
                        }
                        Ok(Err(e)) => eprintln!("letterbox serve: file watcher: {e}"),
                        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                    if pending.is_some_and(|last| last.elapsed() >= quiet) {
                        pending = None;
                        self.rebuild(&changed);
                        changed.clear();
                    }
                }
            })
            .context("starting the watcher thread")?;
        Ok(handle)
    }
}

/// The start of the terminal's build line: `Built` for the first build,
/// `content/about.md changed, rebuilt` or `3 files changed, rebuilt`.
fn describe_changes(root: &Path, changed: &[PathBuf]) -> String {
    let canon_root = root.canonicalize().unwrap_or_else(|_| root.to_owned());
    match changed {
        [] => "Built".to_owned(),
        [one] => {
            let rel = one
                .strip_prefix(&canon_root)
                .or_else(|_| one.strip_prefix(root))
                .unwrap_or(one);
            format!("{} changed, rebuilt", rel.display())
        }
        many => format!("{} files changed, rebuilt", many.len()),
    }
}

type AppState = (Arc<Shared>, watch::Receiver<bool>);

async fn livereload(State((shared, stop)): State<AppState>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| live_socket(socket, shared, stop))
}

async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}

async fn live_socket(mut socket: WebSocket, shared: Arc<Shared>, stop: watch::Receiver<bool>) {
    let stop = stopped(stop);
    tokio::pin!(stop);
    let mut notices = shared.notices.subscribe();
    let current = shared.build.read().ok().and_then(|b| b.error.clone());
    if let Some(text) = current {
        let msg = Notice::Error(text).json();
        if socket.send(Message::Text(msg.into())).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            () = &mut stop => break,
            notice = notices.recv() => match notice {
                Ok(n) => {
                    if socket.send(Message::Text(n.json().into())).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if socket.send(Message::Text(Notice::Reload.json().into())).await.is_err() {
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
    let _ = socket.send(Message::Close(None)).await;
}

/// `/api/...`: the `letterbox-forms` handler, run on a blocking thread
/// (the store's futures are not `Send`).
async fn api_route(
    State((shared, _)): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let Some(api) = &shared.api else {
        return files::not_found(&shared).await;
    };
    let config = Arc::clone(&api.config);
    let (mut parts, body) = req.into_parts();
    let origin = parts
        .headers
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: Bytes = match collect_limited(&parts.headers, body, config.max_body_bytes).await {
        Ok(b) => b,
        Err(e) => return into_axum(error_response(&e, Some(&config), origin.as_deref())),
    };
    // The client address for rate limiting comes from the socket, never
    // from the request.
    parts.headers.remove(CLIENT_ADDR_HEADER);
    if let Ok(v) = HeaderValue::from_str(&peer.to_string()) {
        parts.headers.insert(CLIENT_ADDR_HEADER, v);
    }
    let req = http::Request::from_parts(parts, body);
    let manifest = api
        .manifest
        .read()
        .map(|m| Arc::clone(&m))
        .unwrap_or_default();
    let store = Arc::clone(&api.store);
    let answer = tokio::task::spawn_blocking(move || {
        let ctx = Context {
            config: &config,
            manifest: &manifest,
            store: &*store,
            clock: &SystemClock,
        };
        futures::executor::block_on(handle(req, &ctx))
    })
    .await;
    match answer {
        Ok(resp) => into_axum(resp),
        Err(e) => {
            eprintln!("letterbox serve: API handler failed: {e}");
            (http::StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

fn into_axum(resp: http::Response<Vec<u8>>) -> Response {
    resp.map(Body::from)
}

/// Opens `url` in the default browser; failures are only reported.
pub(crate) fn open_browser(url: &str) {
    let result = if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else if cfg!(windows) {
        std::process::Command::new("cmd")
            .args(["/C", "start", "", url])
            .spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    if let Err(e) = result {
        eprintln!("could not open a browser ({e}); open {url} yourself");
    }
}

/// Injects the live-reload script before the last `</body>` of a page.
pub(crate) fn inject_livereload(html: &str) -> String {
    let script = format!("<script>{LIVERELOAD_JS}</script>\n");
    let at = html
        .to_ascii_lowercase()
        .rfind("</body>")
        .unwrap_or(html.len());
    let mut out = String::with_capacity(html.len() + script.len());
    out.push_str(&html[..at]);
    out.push_str(&script);
    out.push_str(&html[at..]);
    out
}
