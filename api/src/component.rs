//! The Spin side: entry point, variables, and the two Spin stores.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;
use std::sync::OnceLock;

use bytes::Bytes;
use http::header::ORIGIN;
use letterbox_forms::config::VARIABLES;
use letterbox_forms::handler::{
    Clock, Context, SystemClock, collect_limited, error_response, handle,
};
use letterbox_forms::store::{
    KvBackend, KvStore, Page, StoreError, Submission, User, clamp_limit, sql,
};
use letterbox_forms::{ApiError, Config, Manifest, Store, StoreKind};
use spin_sdk::http::{FullBody, IntoResponse, Request};
use spin_sdk::http_service;
use spin_sdk::sqlite::{Connection, RowResult, Value};

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

/// The store the `store` variable chose. One type for both keeps a single
/// copy of the (generic) handler in the component (20 KB less than two).
enum SpinStore {
    Sqlite(SpinSqlite),
    Kv(KvStore<SpinKv>),
}

impl Store for SpinStore {
    async fn insert(&self, submission: &Submission) -> Result<String, StoreError> {
        match self {
            Self::Sqlite(s) => s.insert(submission).await,
            Self::Kv(s) => s.insert(submission).await,
        }
    }

    async fn list(&self, form: &str, before: Option<&str>, limit: u32) -> Result<Page, StoreError> {
        match self {
            Self::Sqlite(s) => s.list(form, before, limit).await,
            Self::Kv(s) => s.list(form, before, limit).await,
        }
    }

    async fn count(&self, form: &str) -> Result<u64, StoreError> {
        match self {
            Self::Sqlite(s) => s.count(form).await,
            Self::Kv(s) => s.count(form).await,
        }
    }

    async fn delete(&self, form: &str, id: &str) -> Result<bool, StoreError> {
        match self {
            Self::Sqlite(s) => s.delete(form, id).await,
            Self::Kv(s) => s.delete(form, id).await,
        }
    }

    async fn rate_hit(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        match self {
            Self::Sqlite(s) => s.rate_hit(addr, form, window).await,
            Self::Kv(s) => s.rate_hit(addr, form, window).await,
        }
    }

    async fn get_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        match self {
            Self::Sqlite(s) => s.get_user(username).await,
            Self::Kv(s) => s.get_user(username).await,
        }
    }

    async fn put_user(&self, user: &User) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(s) => s.put_user(user).await,
            Self::Kv(s) => s.put_user(user).await,
        }
    }

    async fn create_user(&self, user: &User) -> Result<bool, StoreError> {
        match self {
            Self::Sqlite(s) => s.create_user(user).await,
            Self::Kv(s) => s.create_user(user).await,
        }
    }

    async fn rate_count(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        match self {
            Self::Sqlite(s) => s.rate_count(addr, form, window).await,
            Self::Kv(s) => s.rate_count(addr, form, window).await,
        }
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        match self {
            Self::Sqlite(s) => s.list_users().await,
            Self::Kv(s) => s.list_users().await,
        }
    }

    async fn update_user(&self, user: &User) -> Result<bool, StoreError> {
        match self {
            Self::Sqlite(s) => s.update_user(user).await,
            Self::Kv(s) => s.update_user(user).await,
        }
    }

    async fn delete_user(&self, username: &str) -> Result<bool, StoreError> {
        match self {
            Self::Sqlite(s) => s.delete_user(username).await,
            Self::Kv(s) => s.delete_user(username).await,
        }
    }

    async fn upgrade(&self) -> Result<u64, StoreError> {
        match self {
            Self::Sqlite(s) => s.upgrade().await,
            Self::Kv(s) => s.upgrade().await,
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(s) => s.ping().await,
            Self::Kv(s) => s.ping().await,
        }
    }
}

// Spin 4 reuses an instance for up to 128 requests: what does not change
// while the application runs is read on the first request and kept. Only
// successes are kept, so a misconfiguration answers 503 on every request
// (and is read again) instead of being remembered as something else.

/// The configuration, from Spin variables (each read costs a host call).
async fn config() -> Result<&'static Config, String> {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    if let Some(config) = CONFIG.get() {
        return Ok(config);
    }
    let config = load_config().await?;
    Ok(CONFIG.get_or_init(|| config))
}

/// The form manifest mounted at [`crate::MANIFEST_PATH`].
fn manifest() -> Result<&'static Manifest, String> {
    static MANIFEST: OnceLock<Manifest> = OnceLock::new();
    if let Some(manifest) = MANIFEST.get() {
        return Ok(manifest);
    }
    let manifest = crate::load_manifest(Path::new(crate::MANIFEST_PATH))?;
    Ok(MANIFEST.get_or_init(|| manifest))
}

/// Reads every variable of the design. One the application does not
/// declare is unset (a site's `spin.toml` may leave optional ones out); one
/// that fails to resolve is an error, never a default.
async fn load_config() -> Result<Config, String> {
    use spin_sdk::variables::Error;
    let mut values = HashMap::new();
    for name in VARIABLES {
        match spin_sdk::variables::get(name).await {
            Ok(value) => {
                values.insert(*name, value);
            }
            Err(Error::Undefined(_) | Error::InvalidName(_)) => {}
            Err(e) => return Err(format!("variable `{name}` cannot be read: {e:?}")),
        }
    }
    Config::from_lookup(|name| values.get(name).cloned()).map_err(|e| e.to_string())
}

// ---------------------------------------------------------------- SQLite

/// The store over Spin SQLite (`default` database), running the statements
/// of `letterbox_forms::store::sql`. Tables are created on first use: a
/// statement failing with "no such table" runs the migrations and is retried
/// once, so a normal request costs no extra round trip.
struct SpinSqlite;

thread_local! {
    // Opened on first use and kept for the instance's later requests; a
    // request that needs no store (a 404, a 422) makes no host call for it.
    // Wasm components are single-threaded, so a thread-local is the instance.
    static SQLITE: RefCell<Option<Rc<Connection>>> = const { RefCell::new(None) };
    static KV: RefCell<Option<Rc<spin_sdk::key_value::Store>>> = const { RefCell::new(None) };
    // The rate-limit window this instance last pruned `rate_limits` in.
    static RATE_PRUNED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

impl SpinSqlite {
    async fn connection() -> Result<Rc<Connection>, String> {
        if let Some(conn) = SQLITE.with_borrow(Clone::clone) {
            return Ok(conn);
        }
        let conn = Rc::new(
            Connection::open_default()
                .await
                .map_err(|e| format!("open sqlite: {e:?}"))?,
        );
        SQLITE.set(Some(Rc::clone(&conn)));
        Ok(conn)
    }

    async fn try_exec(
        &self,
        statement: &str,
        params: Vec<Value>,
    ) -> Result<Vec<RowResult>, String> {
        let conn = Self::connection().await?;
        let result = conn
            .execute(statement, params)
            .await
            .map_err(|e| format!("{e:?}"))?;
        result.collect().await.map_err(|e| format!("{e:?}"))
    }

    /// A rate-limit counter statement (`RATE_HIT`, `RATE_COUNT`) for one
    /// client, bucket and window; `missing` when it returns no row.
    async fn rate_counter(
        &self,
        statement: &str,
        addr: &str,
        form: &str,
        window: u64,
        missing: i64,
    ) -> Result<u64, StoreError> {
        let window = i64::try_from(window).map_err(|_| StoreError::new("window out of range"))?;
        let params = vec![
            Value::Text(addr.into()),
            Value::Text(form.into()),
            Value::Integer(window),
        ];
        let rows = self.exec(statement, params).await?;
        let value = rows
            .first()
            .map(|r| integer(r, 0))
            .transpose()?
            .unwrap_or(missing);
        Ok(u64::try_from(value).unwrap_or(0))
    }

    async fn exec(
        &self,
        statement: &str,
        params: Vec<Value>,
    ) -> Result<Vec<RowResult>, StoreError> {
        match self.try_exec(statement, params.clone()).await {
            Err(e) if sql::is_missing_table(&e) => {
                for migration in sql::MIGRATIONS {
                    self.try_exec(migration, Vec::new())
                        .await
                        .map_err(|e| StoreError::new(format!("sqlite migration: {e}")))?;
                }
                self.try_exec(statement, params)
                    .await
                    .map_err(|e| StoreError::new(format!("sqlite: {e}")))
            }
            other => other.map_err(|e| StoreError::new(format!("sqlite: {e}"))),
        }
    }
}

fn text(row: &RowResult, i: usize) -> Result<String, StoreError> {
    row.get::<&str>(i)
        .map(str::to_owned)
        .ok_or_else(|| StoreError::new(format!("sqlite: column {i} is not text")))
}

fn integer(row: &RowResult, i: usize) -> Result<i64, StoreError> {
    row.get::<i64>(i)
        .ok_or_else(|| StoreError::new(format!("sqlite: column {i} is not an integer")))
}

/// `(username, password_hash, role)`, as the user statements take them.
fn user_params(user: &User) -> Vec<Value> {
    vec![
        Value::Text(user.username.clone()),
        Value::Text(user.password_hash.clone()),
        Value::Text(user.role.clone()),
    ]
}

fn submission(row: &RowResult) -> Result<Submission, StoreError> {
    Ok(Submission {
        id: text(row, 0)?,
        form: text(row, 1)?,
        received_at: text(row, 2)?,
        user: row.get::<&str>(3).map(str::to_owned),
        values: sql::decode_values(&text(row, 4)?)?,
    })
}

impl Store for SpinSqlite {
    async fn insert(&self, s: &Submission) -> Result<String, StoreError> {
        let params = vec![
            Value::Text(s.id.clone()),
            Value::Text(s.form.clone()),
            Value::Text(s.received_at.clone()),
            s.user.clone().map_or(Value::Null, Value::Text),
            Value::Text(sql::encode_values(&s.values)?),
        ];
        self.exec(sql::INSERT_SUBMISSION, params).await?;
        Ok(s.id.clone())
    }

    async fn list(&self, form: &str, before: Option<&str>, limit: u32) -> Result<Page, StoreError> {
        let limit = clamp_limit(limit);
        let fetch = Value::Integer(i64::from(limit) + 1);
        let rows = match before {
            None => {
                self.exec(sql::LIST_FIRST, vec![Value::Text(form.into()), fetch])
                    .await?
            }
            Some(cursor) => {
                self.exec(
                    sql::LIST_BEFORE,
                    vec![Value::Text(form.into()), Value::Text(cursor.into()), fetch],
                )
                .await?
            }
        };
        let mut items = rows.iter().map(submission).collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|s| s.id.clone())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    async fn count(&self, form: &str) -> Result<u64, StoreError> {
        let rows = self
            .exec(sql::COUNT, vec![Value::Text(form.into())])
            .await?;
        let n = rows
            .first()
            .map(|r| integer(r, 0))
            .transpose()?
            .unwrap_or(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn delete(&self, form: &str, id: &str) -> Result<bool, StoreError> {
        let rows = self
            .exec(
                sql::DELETE,
                vec![Value::Text(form.into()), Value::Text(id.into())],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn rate_hit(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        // Once per window and instance: drop the counters of windows that
        // are over (an index range; one more statement a minute).
        if RATE_PRUNED.get() < window {
            if RATE_PRUNED.get() == 0 {
                // A database made before the index existed gets it here,
                // once per instance, so pruning stays an index range.
                self.exec(sql::RATE_WINDOW_INDEX, Vec::new()).await?;
            }
            let keep = i64::try_from(window.saturating_sub(1)).unwrap_or(i64::MAX);
            self.exec(sql::PRUNE_RATE, vec![Value::Integer(keep)])
                .await?;
            RATE_PRUNED.set(window);
        }
        self.rate_counter(sql::RATE_HIT, addr, form, window, 1)
            .await
    }

    async fn get_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        let rows = self
            .exec(sql::GET_USER, vec![Value::Text(username.into())])
            .await?;
        rows.first()
            .map(|r| {
                Ok(User {
                    username: text(r, 0)?,
                    password_hash: text(r, 1)?,
                    role: text(r, 2)?,
                })
            })
            .transpose()
    }

    async fn put_user(&self, user: &User) -> Result<(), StoreError> {
        self.exec(sql::PUT_USER, user_params(user))
            .await
            .map(|_| ())
    }

    async fn create_user(&self, user: &User) -> Result<bool, StoreError> {
        let rows = self.exec(sql::CREATE_USER, user_params(user)).await?;
        Ok(!rows.is_empty())
    }

    async fn rate_count(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        self.rate_counter(sql::RATE_COUNT, addr, form, window, 0)
            .await
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows = self.exec(sql::LIST_USERS, Vec::new()).await?;
        rows.iter()
            .map(|r| {
                Ok(User {
                    username: text(r, 0)?,
                    password_hash: text(r, 1)?,
                    role: text(r, 2)?,
                })
            })
            .collect()
    }

    async fn update_user(&self, user: &User) -> Result<bool, StoreError> {
        let rows = self.exec(sql::UPDATE_USER, user_params(user)).await?;
        Ok(!rows.is_empty())
    }

    async fn delete_user(&self, username: &str) -> Result<bool, StoreError> {
        let rows = self
            .exec(sql::DELETE_USER, vec![Value::Text(username.into())])
            .await?;
        Ok(!rows.is_empty())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.exec(sql::PING, Vec::new()).await.map(|_| ())
    }
}

// ---------------------------------------------------------------- key-value

/// [`KvBackend`] over Spin key-value (`default` store); the key layout is
/// `letterbox_forms::store::kv`'s.
struct SpinKv;

impl SpinKv {
    async fn store(&self) -> Result<Rc<spin_sdk::key_value::Store>, StoreError> {
        if let Some(store) = KV.with_borrow(Clone::clone) {
            return Ok(store);
        }
        let store = Rc::new(
            spin_sdk::key_value::Store::open_default()
                .await
                .map_err(|e| StoreError::new(format!("open key-value: {e:?}")))?,
        );
        KV.set(Some(Rc::clone(&store)));
        Ok(store)
    }
}

fn kv_err(e: spin_sdk::key_value::Error) -> StoreError {
    StoreError::new(format!("key-value: {e:?}"))
}

use spin_sdk::experimental::wasi::keyvalue as wasi_kv;

thread_local! {
    // The same `default` store through `wasi:keyvalue`, for what Spin's own
    // key-value API lacks: atomic increments and batched reads.
    static BUCKET: RefCell<Option<Rc<wasi_kv::store::Bucket>>> = const { RefCell::new(None) };
}

fn bucket() -> Result<Rc<wasi_kv::store::Bucket>, StoreError> {
    if let Some(bucket) = BUCKET.with_borrow(Clone::clone) {
        return Ok(bucket);
    }
    let bucket = Rc::new(wasi_kv::store::open("default").map_err(wasi_err)?);
    BUCKET.set(Some(Rc::clone(&bucket)));
    Ok(bucket)
}

fn wasi_err(e: wasi_kv::store::Error) -> StoreError {
    StoreError::new(format!("key-value: {e:?}"))
}

impl KvBackend for SpinKv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.store().await?.get(key).await.map_err(kv_err)
    }

    async fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.store().await?.set(key, value).await.map_err(kv_err)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.store().await?.delete(key).await.map_err(kv_err)
    }

    async fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError> {
        wasi_kv::atomics::increment(&*bucket()?, key, delta).map_err(wasi_err)
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        // Concurrent single gets rather than `wasi:keyvalue/batch`:
        // Spin 4.1's Redis backend panics in `get-many`. One round trip of
        // latency all the same; still bounded by the page size.
        let store = self.store().await?;
        futures::future::join_all(keys.iter().map(|key| store.get(key)))
            .await
            .into_iter()
            .map(|value| value.map_err(kv_err))
            .collect()
    }

    async fn get_keys(&self) -> Result<Vec<String>, StoreError> {
        self.store()
            .await?
            .get_keys()
            .await
            .collect()
            .await
            .map_err(kv_err)
    }
}
