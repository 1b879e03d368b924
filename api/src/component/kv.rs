//! The store over Spin key-value, in `letterbox_forms::store::kv`'s layout.

use std::cell::RefCell;
use std::rc::Rc;

use letterbox_forms::store::{KvBackend, StoreError};
use spin_sdk::experimental::wasi::keyvalue as wasi_kv;

thread_local! {
    // Opened on first use and kept for the instance's later requests.
    static KV: RefCell<Option<Rc<spin_sdk::key_value::Store>>> = const { RefCell::new(None) };
}

/// [`KvBackend`] over Spin key-value (`default` store); the key layout is
/// `letterbox_forms::store::kv`'s.
pub(super) struct SpinKv;

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
