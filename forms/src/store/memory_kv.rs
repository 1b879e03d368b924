//! [`MemoryKv`]: a [`KvBackend`] in memory, for tests and benchmarks.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::base::StoreError;
use super::kv::KvBackend;

/// An in-memory [`KvBackend`] that counts its round trips.
#[derive(Debug, Default)]
pub struct MemoryKv {
    map: Mutex<BTreeMap<String, Vec<u8>>>,
    ops: AtomicU64,
    scans: AtomicU64,
}

impl MemoryKv {
    pub fn new() -> Self {
        Self::default()
    }

    /// Round trips made so far.
    pub fn ops(&self) -> u64 {
        self.ops.load(Ordering::Relaxed)
    }

    /// `get_keys` calls made so far.
    pub fn scans(&self) -> u64 {
        self.scans.load(Ordering::Relaxed)
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

    async fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError> {
        self.with(|m| {
            let current = m
                .get(key)
                .and_then(|v| std::str::from_utf8(v).ok()?.parse::<i64>().ok())
                .unwrap_or(0);
            let next = current.saturating_add(delta);
            m.insert(key.to_owned(), next.to_string().into_bytes());
            next
        })
    }

    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        self.with(|m| keys.iter().map(|k| m.get(k).cloned()).collect())
    }

    async fn get_keys(&self) -> Result<Vec<String>, StoreError> {
        self.scans.fetch_add(1, Ordering::Relaxed);
        self.with(|m| m.keys().cloned().collect())
    }
}
