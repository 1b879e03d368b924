//! The running server: the first build, the router (files, live reload,
//! the in-process API), the watcher, and shutdown.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use anyhow::anyhow;
use axum::Router;
use axum::routing::{any, get};
use tokio::sync::{broadcast, watch};

use super::api::{api_database, api_route, in_process_api};
use super::builder::Builder;
use super::files;
use super::livereload::{LIVERELOAD_PATH, livereload, stopped};
use super::options::ServeOptions;
use super::shared::Shared;

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
