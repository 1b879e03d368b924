//! [`KvStore`]: the [`Store`] over a plain key-value API, with a key layout
//! that never enumerates the store — it may be a shared Redis with millions
//! of other keys. The Spin component implements [`KvBackend`] over Spin's
//! key-value store (with the `wasi:keyvalue` atomics and batch interfaces);
//! tests use [`MemoryKv`](super::MemoryKv).
//!
//! The key layout (which key holds what) is in `kv_layout.rs`.
//!
//! Operations (round trips): a submission is an increment and a `set` (2),
//! plus a `get` and a `set` of its rate-limit slot when rate limiting is on;
//! a page of N is one read of the counter and one `get_many` of N+1 keys
//! (more only where deletions left holes: at most 4 `get_many`s, 16 while
//! nothing was found, then the page ends early with a cursor); a count is two counter reads; a deletion
//! is a `get`, a `delete` and an increment; marking one read or unread a
//! `get` and a `set` (with no compare-and-swap, a deletion of the record
//! between the two is undone by the `set`); a retention sweep (at most once
//! a minute per form and instance) is two counter reads, one `get_many` of
//! at most its limit, a `delete` and an increment per expired record and
//! one increment of the mark. Counters are read by adding 0,
//! so their stored form is the backend's business. Concurrent writers cannot collide:
//! each takes its own sequence number. Stores written by layout 1
//! (`sub:<form>:<id>` keys) are converted once by [`KvStore::upgrade`]
//! (`POST /api/admin/upgrade-store`), the one operation that walks the keys.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::base::{
    OutboxEntry, Page, Store, StoreError, Submission, User, clamp_limit, id_time_bound, into_page,
    is_valid_id,
};
use super::kv_layout::{
    LAYOUT_KEY, OUTBOX_CAP, OUTBOX_KEY, RateSlot, RateValue, USERS_KEY, decode, decode_submission,
    decode_user, deleted_key, encode, expired_key, hits_in, rate_slot, seq_key, slot,
};
pub use super::kv_layout::{PING_KEY, id_with_seq, seq_of, submission_key, user_key};

/// The key-value API the [`KvStore`] needs: Spin's (`wasi:keyvalue` store,
/// atomics and batch), and Redis'.
#[allow(async_fn_in_trait)]
pub trait KvBackend {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    async fn set(&self, key: &str, value: &[u8]) -> Result<(), StoreError>;
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Adds `delta` to the integer at `key` (0 when missing), atomically,
    /// and returns the new value.
    async fn increment(&self, key: &str, delta: i64) -> Result<i64, StoreError>;
    /// The values of `keys`, in order, in one round trip.
    async fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, StoreError>;
    /// Every key of the store: only [`KvStore::upgrade`] uses it.
    async fn get_keys(&self) -> Result<Vec<String>, StoreError>;
}

/// How many sequence numbers a page may look at, per row asked for, before
/// it ends early (holes left by deletions).
const SCAN_PER_ROW: u64 = 4;

pub struct KvStore<B> {
    backend: B,
    /// Keys the rate-limit slots (the component passes `jwt_secret`).
    slot_secret: Vec<u8>,
    /// form → the minute (of the cutoff) when its retention sweep last
    /// found nothing more to delete: a form is swept at most once a minute
    /// per instance, since a sweep costs round trips.
    /// (A list: a form or two have retention, and a map type would cost
    /// the size-bound component kilobytes.)
    swept: Mutex<Vec<(String, u64)>>,
}

impl<B: std::fmt::Debug> std::fmt::Debug for KvStore<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KvStore")
            .field("backend", &self.backend)
            .field("slot_secret", &"<redacted>")
            .finish()
    }
}

impl<B: KvBackend> KvStore<B> {
    pub fn new(backend: B) -> Self {
        Self {
            backend,
            slot_secret: Vec::new(),
            swept: Mutex::default(),
        }
    }

    /// A store whose rate-limit slots are keyed with `secret`, which every
    /// instance must share (so their counters meet in the same slots).
    pub fn with_slot_secret(backend: B, secret: &[u8]) -> Self {
        Self {
            backend,
            slot_secret: secret.to_vec(),
            swept: Mutex::default(),
        }
    }

    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// Counts one hit in `slot` for window `win` (minutes for rate limits,
    /// days for quotas) and returns the window's hits. Another owner
    /// sharing the slot in the same window shares its count: stricter for
    /// both, never looser; an older window, or a value that cannot be
    /// read, starts again at 1.
    async fn hit_slot(&self, slot: RateSlot, win: u64) -> Result<u64, StoreError> {
        let RateSlot { key, owner } = slot;
        let hits = match self.backend.get(&key).await? {
            Some(bytes) => hits_in(&bytes, win).map_or(1, |hits| hits.saturating_add(1)),
            None => 1,
        };
        let value = RateValue {
            k: owner,
            win,
            hits,
        };
        self.backend.set(&key, &encode(&value)?).await?;
        Ok(hits)
    }

    /// The outbox entries, oldest first.
    async fn outbox(&self) -> Result<Vec<OutboxEntry>, StoreError> {
        match self.backend.get(OUTBOX_KEY).await? {
            Some(bytes) => {
                let list: Vec<serde_json::Value> = decode(OUTBOX_KEY, &bytes)?;
                list.iter()
                    .map(|v| {
                        OutboxEntry::from_json(v)
                            .ok_or_else(|| StoreError::new("corrupt outbox entry in `outbox`"))
                    })
                    .collect()
            }
            None => Ok(Vec::new()),
        }
    }

    /// A counter's value, read by adding 0: the backend's atomic counters
    /// need not be stored as text.
    async fn counter(&self, key: &str) -> Result<u64, StoreError> {
        let value = self.backend.increment(key, 0).await?;
        Ok(u64::try_from(value).unwrap_or(0))
    }

    /// The user names of the `users` key (written by [`Self::upgrade`] for
    /// stores from before it existed).
    async fn user_names(&self) -> Result<Vec<String>, StoreError> {
        match self.backend.get(USERS_KEY).await? {
            Some(bytes) => decode(USERS_KEY, &bytes),
            None => Ok(Vec::new()),
        }
    }

    async fn set_user_names(&self, edit: impl FnOnce(&mut Vec<String>)) -> Result<(), StoreError> {
        let mut names = self.user_names().await?;
        edit(&mut names);
        names.sort_unstable();
        names.dedup();
        self.backend.set(USERS_KEY, &encode(&names)?).await
    }

    /// Converts a store written by layout 1 (`sub:<form>:<id>` keys, one
    /// `rl:<addr>:<form>` key per client) to layout 2: each form's records
    /// get sequence numbers in arrival order and new ids carrying them (ids
    /// change), old rate-limit keys are dropped. Walks every key once;
    /// running it again finds nothing to do. Returns the records moved.
    pub async fn upgrade(&self) -> Result<u64, StoreError> {
        let mut old: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut stale_rates = Vec::new();
        let mut users = Vec::new();
        for key in self.backend.get_keys().await? {
            if let Some(name) = key.strip_prefix("user:") {
                users.push(name.to_owned());
            }
            if let Some(rest) = key.strip_prefix("sub:")
                && let Some((form, id)) = rest.rsplit_once(':')
                && is_valid_id(id)
            {
                old.entry(form.to_owned()).or_default().push(key);
            } else if let Some(rest) = key.strip_prefix("rl:")
                // Layout 1's `rl:<address>:<form>` only: the store may be
                // shared, and other keys are not ours to delete.
                && let Some((addr, _)) = rest.split_once(':')
                && addr.parse::<std::net::IpAddr>().is_ok()
            {
                stale_rates.push(key);
            }
        }
        // Only names whose record is a user of ours join the index.
        let mut ours = Vec::new();
        for name in users {
            let key = user_key(&name);
            if let Some(bytes) = self.backend.get(&key).await?
                && serde_json::from_slice::<User>(&bytes).is_ok_and(|u| u.username == name)
            {
                ours.push(name);
            }
        }
        let mut moved = 0;
        for (form, mut keys) in old {
            keys.sort_unstable();
            for key in keys {
                // Claimed first, so two upgrades running at once (a retried
                // request) cannot both move one record.
                if self.backend.increment(&format!("mv:{key}"), 1).await? != 1 {
                    continue;
                }
                let Some(bytes) = self.backend.get(&key).await? else {
                    continue;
                };
                let Ok(mut submission) = decode_submission(&key, &bytes) else {
                    continue; // not one of ours
                };
                let seq = u64::try_from(self.backend.increment(&seq_key(&form), 1).await?)
                    .map_err(|_| StoreError::new("negative sequence number"))?;
                submission.id = id_with_seq(&submission.id, seq)
                    .ok_or_else(|| StoreError::new(format!("bad id at {key}")))?;
                self.backend
                    .set(&submission_key(&form, seq), &encode(&submission)?)
                    .await?;
                self.backend.delete(&key).await?;
                self.backend.delete(&format!("mv:{key}")).await?;
                moved += 1;
            }
        }
        for key in stale_rates {
            self.backend.delete(&key).await?;
        }
        self.set_user_names(|names| names.extend(ours)).await?;
        self.backend.set(LAYOUT_KEY, b"2").await?;
        Ok(moved)
    }
}

impl<B: KvBackend> Store for KvStore<B> {
    async fn insert(&self, submission: &Submission) -> Result<String, StoreError> {
        let seq = self
            .backend
            .increment(&seq_key(&submission.form), 1)
            .await?;
        let seq = u64::try_from(seq).map_err(|_| StoreError::new("negative sequence number"))?;
        let id = id_with_seq(&submission.id, seq)
            .ok_or_else(|| StoreError::new("a submission id is not a UUID"))?;
        let stored = Submission {
            id: id.clone(),
            ..submission.clone()
        };
        self.backend
            .set(&submission_key(&submission.form, seq), &encode(&stored)?)
            .await?;
        Ok(id)
    }

    async fn list(&self, form: &str, before: Option<&str>, limit: u32) -> Result<Page, StoreError> {
        let limit = u64::from(clamp_limit(limit));
        let newest = self.counter(&seq_key(form)).await?;
        let mut next = match before {
            // A cursor of another layout or store (whose tail is random)
            // lists nothing, and ends the paging.
            Some(cursor) => match seq_of(cursor) {
                Some(seq) if seq <= newest.saturating_add(1) => seq - 1,
                _ => return Ok(Page::default()),
            },
            None => newest,
        };
        let mut rows = Vec::new();
        let mut budget = (limit + 1) * SCAN_PER_ROW;
        // A page with nothing found yet may look further (a burst of
        // deletions at the top must not show an empty inbox), within a cap.
        let mut reserve = (limit + 1) * SCAN_PER_ROW * 3;
        while next > 0 && (rows.len() as u64) <= limit && (budget > 0 || reserve > 0) {
            if budget == 0 {
                if !rows.is_empty() {
                    break;
                }
                budget = std::mem::take(&mut reserve);
            }
            // Whole batches, so a page makes at most SCAN_PER_ROW of them;
            // rows past the page are dropped by into_page.
            let take = (limit + 1).min(next).min(budget);
            let keys: Vec<String> = (0..take).map(|i| submission_key(form, next - i)).collect();
            for (key, value) in keys.iter().zip(self.backend.get_many(&keys).await?) {
                if let Some(bytes) = value {
                    rows.push(decode_submission(key, &bytes)?);
                }
            }
            next -= take;
            budget -= take;
        }
        let mut page = into_page(rows, limit as u32);
        // Out of budget among deleted records: continue below what was seen.
        if page.next_cursor.is_none() && next > 0 {
            let anchor = (page.items.last().map(|s| s.id.as_str()))
                .or(before)
                .unwrap_or("00000000-0000-7000-8000-000000000000");
            page.next_cursor = id_with_seq(anchor, next + 1);
        }
        Ok(page)
    }

    async fn get(&self, form: &str, id: &str) -> Result<Option<Submission>, StoreError> {
        let Some(seq) = seq_of(id) else {
            return Ok(None);
        };
        let key = submission_key(form, seq);
        let Some(bytes) = self.backend.get(&key).await? else {
            return Ok(None);
        };
        let found = decode_submission(&key, &bytes)?;
        Ok((found.id == id).then_some(found))
    }

    async fn mark_read(&self, form: &str, id: &str, read: bool) -> Result<bool, StoreError> {
        let Some(mut found) = self.get(form, id).await? else {
            return Ok(false);
        };
        if found.read != read {
            found.read = read;
            let key = submission_key(form, seq_of(id).unwrap_or_default());
            self.backend.set(&key, &encode(&found)?).await?;
        }
        Ok(true)
    }

    async fn quota_hit(&self, key: &str, day: u64) -> Result<u64, StoreError> {
        self.hit_slot(slot("q", &self.slot_secret, key.to_owned()), day)
            .await
    }

    async fn outbox_put(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
        let mut entries = self.outbox().await?;
        match entries.iter_mut().find(|e| e.id == entry.id) {
            Some(old) => *old = entry.clone(),
            None => entries.push(entry.clone()),
        }
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        let excess = entries.len().saturating_sub(OUTBOX_CAP);
        entries.drain(..excess);
        self.backend.set(OUTBOX_KEY, &encode(&entries)?).await
    }

    async fn outbox_due(
        &self,
        now_millis: u64,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut due: Vec<OutboxEntry> = (self.outbox().await?.into_iter())
            .filter(|e| e.next_attempt_at.is_some_and(|t| t <= now_millis))
            .collect();
        due.sort_by_key(|e| e.next_attempt_at);
        due.truncate(limit as usize);
        Ok(due)
    }

    async fn outbox_list(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut entries = self.outbox().await?;
        entries.reverse();
        entries.truncate(limit as usize);
        Ok(entries)
    }

    async fn outbox_get(&self, id: &str) -> Result<Option<OutboxEntry>, StoreError> {
        Ok(self.outbox().await?.into_iter().find(|e| e.id == id))
    }

    async fn outbox_delete(&self, id: &str) -> Result<bool, StoreError> {
        let mut entries = self.outbox().await?;
        let before = entries.len();
        entries.retain(|e| e.id != id);
        if entries.len() == before {
            return Ok(false);
        }
        self.backend.set(OUTBOX_KEY, &encode(&entries)?).await?;
        Ok(true)
    }

    async fn count(&self, form: &str) -> Result<u64, StoreError> {
        let given = self.counter(&seq_key(form)).await?;
        let deleted = self.counter(&deleted_key(form)).await?;
        Ok(given.saturating_sub(deleted))
    }

    async fn delete(&self, form: &str, id: &str) -> Result<bool, StoreError> {
        let Some(seq) = seq_of(id) else {
            return Ok(false);
        };
        let key = submission_key(form, seq);
        let Some(bytes) = self.backend.get(&key).await? else {
            return Ok(false);
        };
        if decode_submission(&key, &bytes)?.id != id {
            return Ok(false);
        }
        self.backend.delete(&key).await?;
        self.backend.increment(&deleted_key(form), 1).await?;
        Ok(true)
    }

    /// Walks up from the form's `exp:` mark: missing records and expired
    /// ones (deleted) move the mark; the first record that is not expired
    /// stops the walk. Two sweeps of one form at the same moment (two
    /// instances) may count a deletion twice in `del:`, as two deletions of
    /// one record may: the key-value API has no conditional delete.
    async fn expire(&self, form: &str, before_millis: u64, max: u32) -> Result<u32, StoreError> {
        let minute = before_millis / 60_000;
        let swept = |s: &[(String, u64)]| s.iter().any(|(f, m)| f == form && *m == minute);
        if self.swept.lock().map(|s| swept(&s)).unwrap_or(false) {
            return Ok(0);
        }
        let bound = id_time_bound(before_millis);
        let mark = self.counter(&expired_key(form)).await?;
        let newest = self.counter(&seq_key(form)).await?;
        let take = u64::from(max).min(newest.saturating_sub(mark));
        let keys: Vec<String> = (mark + 1..=mark + take)
            .map(|seq| submission_key(form, seq))
            .collect();
        let values = if keys.is_empty() {
            Vec::new()
        } else {
            self.backend.get_many(&keys).await?
        };
        let (mut passed, mut deleted, mut blocked) = (0_i64, 0_u32, false);
        for (key, value) in keys.iter().zip(values) {
            if let Some(bytes) = value {
                if decode_submission(key, &bytes)?.id >= bound {
                    blocked = true;
                    break;
                }
                self.backend.delete(key).await?;
                self.backend.increment(&deleted_key(form), 1).await?;
                deleted += 1;
            }
            passed += 1;
        }
        if passed > 0 {
            self.backend.increment(&expired_key(form), passed).await?;
        }
        if (blocked || take < u64::from(max))
            && let Ok(mut s) = self.swept.lock()
        {
            s.retain(|(f, _)| f != form);
            s.push((form.to_owned(), minute));
        }
        Ok(deleted)
    }

    async fn rate_hit(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        self.hit_slot(rate_slot(&self.slot_secret, addr, form), window)
            .await
    }

    async fn rate_count(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        let key = rate_slot(&self.slot_secret, addr, form).key;
        Ok(match self.backend.get(&key).await? {
            Some(bytes) => hits_in(&bytes, window).unwrap_or(0),
            None => 0,
        })
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let keys: Vec<String> = (self.user_names().await?.iter())
            .map(|n| user_key(n))
            .collect();
        let mut users = Vec::with_capacity(keys.len());
        for (key, value) in keys.iter().zip(self.backend.get_many(&keys).await?) {
            // A user deleted since the names were read is skipped.
            if let Some(bytes) = value {
                users.push(decode_user(key, &bytes)?);
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
        self.set_user_names(|names| names.retain(|n| n != username))
            .await?;
        Ok(true)
    }

    async fn get_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        let key = user_key(username);
        match self.backend.get(&key).await? {
            Some(bytes) => decode_user(&key, &bytes).map(Some),
            None => Ok(None),
        }
    }

    async fn put_user(&self, user: &User) -> Result<(), StoreError> {
        self.backend
            .set(&user_key(&user.username), &encode(user)?)
            .await?;
        self.set_user_names(|names| names.push(user.username.clone()))
            .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.backend.get(PING_KEY).await.map(|_| ())
    }

    async fn upgrade(&self) -> Result<u64, StoreError> {
        KvStore::upgrade(self).await
    }
}
