//! One store type for both Spin stores.

use letterbox_forms::Store;
use letterbox_forms::store::{KvStore, OutboxEntry, Page, StoreError, Submission, User};

use super::kv::SpinKv;
use super::sqlite::SpinSqlite;

/// The store the `store` variable chose. One type for both keeps a single
/// copy of the (generic) handler in the component (20 KB less than two).
pub(super) enum SpinStore {
    Sqlite(SpinSqlite),
    Kv(KvStore<SpinKv>),
}

impl Store for SpinStore {
    async fn expire(&self, form: &str, before_millis: u64, max: u32) -> Result<u32, StoreError> {
        match self {
            Self::Sqlite(s) => s.expire(form, before_millis, max).await,
            Self::Kv(s) => s.expire(form, before_millis, max).await,
        }
    }

    async fn refile(&self, from: &str, id: &str, to: &str) -> Result<Option<String>, StoreError> {
        match self {
            Self::Sqlite(s) => s.refile(from, id, to).await,
            Self::Kv(s) => s.refile(from, id, to).await,
        }
    }

    async fn mark_read(&self, form: &str, id: &str, read: bool) -> Result<bool, StoreError> {
        match self {
            Self::Sqlite(s) => s.mark_read(form, id, read).await,
            Self::Kv(s) => s.mark_read(form, id, read).await,
        }
    }

    async fn get(&self, form: &str, id: &str) -> Result<Option<Submission>, StoreError> {
        match self {
            Self::Sqlite(s) => s.get(form, id).await,
            Self::Kv(s) => s.get(form, id).await,
        }
    }

    async fn quota_hit(&self, key: &str, day: u64) -> Result<u64, StoreError> {
        match self {
            Self::Sqlite(s) => s.quota_hit(key, day).await,
            Self::Kv(s) => s.quota_hit(key, day).await,
        }
    }

    async fn outbox_put(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
        match self {
            Self::Sqlite(s) => s.outbox_put(entry).await,
            Self::Kv(s) => s.outbox_put(entry).await,
        }
    }

    async fn outbox_due(
        &self,
        now_millis: u64,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        match self {
            Self::Sqlite(s) => s.outbox_due(now_millis, limit).await,
            Self::Kv(s) => s.outbox_due(now_millis, limit).await,
        }
    }

    async fn outbox_list(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        match self {
            Self::Sqlite(s) => s.outbox_list(limit).await,
            Self::Kv(s) => s.outbox_list(limit).await,
        }
    }

    async fn outbox_get(&self, id: &str) -> Result<Option<OutboxEntry>, StoreError> {
        match self {
            Self::Sqlite(s) => s.outbox_get(id).await,
            Self::Kv(s) => s.outbox_get(id).await,
        }
    }

    async fn outbox_delete(&self, id: &str) -> Result<bool, StoreError> {
        match self {
            Self::Sqlite(s) => s.outbox_delete(id).await,
            Self::Kv(s) => s.outbox_delete(id).await,
        }
    }

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
