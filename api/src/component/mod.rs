//! The Spin side: the entry point and the clock; the configuration and
//! manifest in `variables`, the two Spin stores in `sqlite` and `kv`, and
//! the one store type the handler is built for in `store`.

mod kv;
mod outbound;
mod sqlite;
mod store;
mod variables;

use bytes::Bytes;
use http::header::ORIGIN;
use letterbox_forms::handler::{
    Clock, Context, SystemClock, collect_limited, error_response, handle,
};
use letterbox_forms::store::KvStore;
use letterbox_forms::{ApiError, StoreKind};
use spin_sdk::http::{FullBody, IntoResponse, Request};
use spin_sdk::http_service;

use kv::SpinKv;
use sqlite::SpinSqlite;
use store::SpinStore;
use variables::{config, manifest};

#[http_service]
async fn handle_request(req: Request) -> impl IntoResponse {
    let (mut parts, body) = serve(req).await.into_parts();
    // A known length lets the host send the body without chunk framing
    // (none on 204/304, which have no body).
    if !matches!(parts.status.as_u16(), 204 | 304) {
        parts
            .headers
            .insert(http::header::CONTENT_LENGTH, body.len().into());
    }
    http::Response::from_parts(parts, FullBody::new(Bytes::from(body)))
}

async fn serve(req: Request) -> http::Response<Vec<u8>> {
    let origin = req
        .headers()
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let config = match config().await {
        Ok(config) => config,
        Err(e) => {
            eprintln!("letterbox: {e}");
            return error_response(&ApiError::Misconfigured(e), None, None);
        }
    };
    let manifest = match manifest() {
        Ok(manifest) => manifest,
        Err(e) => {
            eprintln!("letterbox: {e}");
            return error_response(
                &ApiError::ManifestUnavailable(e),
                Some(config),
                origin.as_deref(),
            );
        }
    };
    let (parts, body) = req.into_parts();
    // GET, DELETE and OPTIONS routes read no body; not waiting for one
    // saves a host round trip. POST and PATCH (user updates) do.
    let reads_body = !matches!(
        parts.method,
        http::Method::GET | http::Method::HEAD | http::Method::DELETE | http::Method::OPTIONS
    );
    let body = if reads_body {
        collect_limited(&parts.headers, body, config.max_body_bytes).await
    } else {
        Ok(Bytes::new())
    };
    let body = match body {
        Ok(body) => body,
        Err(e) => return error_response(&e, Some(config), origin.as_deref()),
    };
    let req = http::Request::from_parts(parts, body);
    let store = match config.store {
        StoreKind::Sqlite => SpinStore::Sqlite(SpinSqlite),
        StoreKind::Kv => SpinStore::Kv(KvStore::with_slot_secret(
            SpinKv,
            config.jwt_secret.as_deref().unwrap_or_default().as_bytes(),
        )),
    };
    let ctx = Context {
        config,
        manifest,
        store: &store,
        clock: &SpinClock,
        outbound: &outbound::SpinOutbound,
    };
    handle(req, &ctx).await
}

/// The system clock, waiting without blocking the instance (which serves
/// other requests meanwhile).
struct SpinClock;

impl Clock for SpinClock {
    fn now_millis(&self) -> u64 {
        SystemClock.now_millis()
    }

    fn sleep_millis(
        &self,
        millis: u64,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>> {
        Box::pin(spin_sdk::time::sleep(std::time::Duration::from_millis(
            millis,
        )))
    }
}
