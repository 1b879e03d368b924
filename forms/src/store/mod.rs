//! Where submissions, users and rate-limit counters live.
//!
//! [`Store`] is implemented by the Spin component over Spin SQLite and Spin
//! key-value, and here by [`MemoryStore`] (tests), [`KvStore`] over any
//! [`KvBackend`] (the key-value layout, shared with the Spin store) and,
//! with the `native` feature, [`SqliteStore`] over rusqlite (the SQL of
//! [`sql`], shared with the Spin store).
//!
//! The trait is single-threaded on purpose (`async fn` without a `Send`
//! bound): a Spin component runs one request on one thread; a native server
//! drives it with `futures::executor::block_on`.

mod base;
pub mod kv;
mod kv_layout;
mod memory;
mod memory_kv;
pub mod sql;
#[cfg(feature = "native")]
mod sqlite;

pub use base::{
    DeliveryKind, MAX_PAGE, OutboxEntry, Page, Store, StoreError, Submission, User, clamp_limit,
    id_received_at, id_time_bound, is_valid_id, new_id,
};
pub use kv::{KvBackend, KvStore};
pub use memory::MemoryStore;
pub use memory_kv::MemoryKv;
#[cfg(feature = "native")]
pub use sqlite::SqliteStore;
