//! The in-process form API: its store and admin, and the `/api/...` route.

use super::options::{AdminUser, ServeOptions};
use super::shared::{Api, AppState};
use crate::site::manifest_path;
use anyhow::{Context as _, anyhow};
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::HeaderValue;
use http::header::ORIGIN;
use letterbox_forms::config::Url;
use letterbox_forms::handler::{CLIENT_ADDR_HEADER, error_response};
use letterbox_forms::outbound::{NativeOutbound, NoOutbound, Outbound};
use letterbox_forms::store::SqliteStore;
use letterbox_forms::{Config, Context, Manifest, StoreKind, SystemClock, collect_limited, handle};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// The SQLite file `serve` keeps submissions in.
pub fn api_database(root: &Path) -> PathBuf {
    root.join(".letterbox").join("serve.sqlite")
}

pub(super) async fn in_process_api(
    options: &ServeOptions,
    addr: SocketAddr,
) -> anyhow::Result<(Api, Option<(String, String)>)> {
    let site_url = format!("http://{addr}");
    let own = [
        site_url.clone(),
        format!("http://localhost:{}", addr.port()),
    ];
    let origins = own.iter().chain(&options.allowed_origins);
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
    let site_url = Url::parse(&site_url).context("the API's site URL")?;
    let config = (Config::builder(site_url).and_then(|c| c.allowed_origins(origins)))
        .and_then(|c| c.admin(admin.username, admin.password_hash))
        .map_err(|e| anyhow!("API configuration: {e}"))?
        .jwt_secret(Some(jwt_secret))
        .store(StoreKind::Sqlite)
        .services(options.services.clone())
        .build();
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
pub(super) fn random_text(len: usize, alphabet: &[u8]) -> anyhow::Result<String> {
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

/// `/api/...`: the `letterbox-forms` handler, run on a blocking thread
/// (the store's futures are not `Send`).
pub(super) async fn api_route(
    State((shared, _)): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: Request,
) -> Response {
    let Some(api) = &shared.api else {
        return super::files::not_found(&shared).await;
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
        let outbound: &dyn Outbound = if config.services.dry_run {
            &NoOutbound
        } else {
            &NativeOutbound
        };
        let ctx = Context {
            config: &config,
            manifest: &manifest,
            store: &*store,
            clock: &SystemClock,
            outbound,
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

pub(super) fn into_axum(resp: http::Response<Vec<u8>>) -> Response {
    resp.map(Body::from)
}
