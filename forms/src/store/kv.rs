//! [`KvStore`]: the [`Store`] over a plain key-value API, with the key
//! layout the Spin key-value store uses. The Spin component implements
//! [`KvBackend`] over `spin_sdk::key_value::Store`; tests use [`MemoryKv`].
//!
//! Key layout (values are JSON):
//!
//! | key | value |
//! | --- | --- |
//! | `sub:<form>:<id>` | a [`Submission`]; `<id>` is a UUIDv7, so keys of one form sort by arrival |
//! | `rl:<addr>:<form>` | `{"win": <unix minute>, "hits": <n>}`: only the current window per client and form, so counters never pile up |
//! | `user:<username>` | a [`User`] |
//!
//! Counts are derived from the keys (no counter is written per submission).
//! Round trips: a submission is 1 `set`, plus a `get` and a `set` for the
//! rate-limit counter when rate limiting is on (3 in all). Listing is 1
//! `get_keys` plus one `get` per record returned; counting is 1 `get_keys`.
//! Spin's key-value API has no prefix scan, so both walk every key of the
//! store: fine for an admin screen, the reason SQLite is the default.
//! The key-value API has no atomic increment either: two hits racing in the
//! same instant may count once (the limit is approximate under bursts).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::{Page, Store, StoreError, Submission, User, clamp_limit, into_page, is_valid_id};

/// The minimal key-value API the [`KvStore`] needs (Spin's, and Redis').
#[allow(async_fn_in_trait)]
pub trait KvBackend {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    async fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError>;
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    async fn get_keys(&self) -> Result<Vec<String>, StoreError>;
}

pub fn submission_key(form: &str, id: &str) -> String {
    format!("sub:{form}:{id}")
}

pub fn rate_key(addr: &str, form: &str) -> String {
    format!("rl:{addr}:{form}")
}

pub fn user_key(username: &str) -> String {
    format!("user:{username}")
}

/// Key read by `ping`; it need not exist.
pub const PING_KEY: &str = "meta:ping";

#[derive(Debug, Serialize, Deserialize)]
struct RateValue {
    win: u64,
    hits: u64,
}

#[derive(Debug)]
pub struct KvStore<B> {
    backend: B,
}

impl<B: KvBackend> KvStore<B> {
    pub fn new(backend: B) -> Self {
        Self { backend }
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// The ids of `form`'s submissions, newest first.
    async fn ids(&self, form: &str) -> Result<Vec<String>, StoreError> {
        let prefix = format!("sub:{form}:");
        let mut ids: Vec<String> = self
            .backend
            .get_keys()
            .await?
            .into_iter()
            .filter_map(|k| k.strip_prefix(&prefix).map(str::to_owned))
            // `sub:a:` is also a prefix of form `a:b`'s keys; an id has no `:`.
            .filter(|id| is_valid_id(id))
            .collect();
        ids.sort_unstable_by(|a, b| b.cmp(a));
        Ok(ids)
    }
}

fn decode<T: for<'de> Deserialize<'de>>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::new(format!("corrupt value at {key}: {e}")))
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value).map_err(|e| StoreError::new(format!("encode: {e}")))
}

impl<B: KvBackend> Store for KvStore<B> {
    async fn insert(&self, submission: &Submission) -> Result<(), StoreError> {
        let key = submission_key(&submission.form, &submission.id);
        self.backend.set(&key, &encode(submission)?).await
    }

    async fn list(&self, form: &str, before: Option<&str>, limit: u32) -> Result<Page, StoreError> {
        let limit = clamp_limit(limit);
        let ids = self.ids(form).await?;
        let mut rows = Vec::new();
        for id in ids
            .iter()
            .filter(|id| before.is_none_or(|b| id.as_str() < b))
            .take(limit as usize + 1)
        {
            let key = submission_key(form, id);
            // A record deleted between get_keys and get is skipped.
            if let Some(bytes) = self.backend.get(&key).await? {
                rows.push(decode::<Submission>(&key, &bytes)?);
            }
        }
        Ok(into_page(rows, limit))
    }

    async fn count(&self, form: &str) -> Result<u64, StoreError> {
        Ok(self.ids(form).await?.len() as u64)
    }

    async fn delete(&self, form: &str, id: &str) -> Result<bool, StoreError> {
        let key = submission_key(form, id);
        if self.backend.get(&key).await?.is_none() {
            return Ok(false);
        }
        self.backend.delete(&key).await?;
        Ok(true)
    }

    async fn rate_hit(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        let key = rate_key(addr, form);
        let hits = match self.backend.get(&key).await? {
            Some(bytes) => match serde_json::from_slice::<RateValue>(&bytes) {
                Ok(v) if v.win == window => v.hits.saturating_add(1),
                // An older window, or a value we cannot read: start again.
                _ => 1,
            },
            None => 1,
        };
        self.backend
            .set(&key, &encode(&RateValue { win: window, hits })?)
            .await?;
        Ok(hits)
    }

    async fn rate_count(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        Ok(match self.backend.get(&rate_key(addr, form)).await? {
            Some(bytes) => match serde_json::from_slice::<RateValue>(&bytes) {
                Ok(v) if v.win == window => v.hits,
                _ => 0,
            },
            None => 0,
        })
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let mut keys: Vec<String> = self
            .backend
            .get_keys()
            .await?
            .into_iter()
            .filter(|k| k.starts_with("user:"))
            .collect();
        keys.sort_unstable();
        let mut users = Vec::with_capacity(keys.len());
        for key in keys {
            // A user deleted between get_keys and get is skipped.
            if let Some(bytes) = self.backend.get(&key).await? {
                users.push(decode::<User>(&key, &bytes)?);
            }
        }
        Ok(users)
    }

    async fn delete_user(&self, username: &str) -> Result<bool, StoreError> {
        let key = user_key(username);
        if self.backend.get(&key).await?.is_none() {
            return Ok(false);
        }
        self.backend.delete(&key).await?;
        Ok(true)
    }

    async fn get_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        let key = user_key(username);
        match self.backend.get(&key).await? {
            Some(bytes) => decode(&key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    async fn put_user(&self, user: &User) -> Result<(), StoreError> {
        self.backend
            .set(&user_key(&user.username), &encode(user)?)
            .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.backend.get(PING_KEY).await.map(|_| ())
    }
}

/// An in-memory [`KvBackend`] that counts its round trips.
#[derive(Debug, Default)]
pub struct MemoryKv {
    map: Mutex<BTreeMap<String, Vec<u8>>>,
    ops: AtomicU64,
}

impl MemoryKv {
    pub fn new() -> Self {
        Self::default()
    }

    /// Round trips made so far.
    pub fn ops(&self) -> u64 {
        self.ops.load(Ordering::Relaxed)
    }

    /// A copy of every key and value (for tests).
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        self.map.lock().map(|m| m.clone()).unwrap_or_default()
    }

    fn with<T>(
        &self,
        f: impl FnOnce(&mut BTreeMap<String, Vec<u8>>) -> T,
    ) -> Result<T, StoreError> {
        self.ops.fetch_add(1, Ordering::Relaxed);
        let mut map = self
            .map
            .lock()
            .map_err(|_| StoreError::new("memory kv poisoned"))?;
        Ok(f(&mut map))
    }
}

impl KvBackend for MemoryKv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.with(|m| m.get(key).cloned())
    }

    async fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.with(|m| {
            m.insert(key.to_owned(), value.to_vec());
        })
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.with(|m| {
            m.remove(key);
        })
    }

    async fn get_keys(&self) -> Result<Vec<String>, StoreError> {
        self.with(|m| m.keys().cloned().collect())
    }
}
