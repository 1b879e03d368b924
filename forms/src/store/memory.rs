//! [`MemoryStore`]: everything in maps behind one mutex. For tests and
//! benchmarks; shareable across threads.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use super::base::{
    OutboxEntry, Page, Store, StoreError, Submission, User, clamp_limit, id_time_bound, into_page,
};

#[derive(Debug, Default)]
struct Inner {
    /// form → id → submission (ids sort by arrival).
    submissions: HashMap<String, BTreeMap<String, Submission>>,
    /// (addr, form) → its counter.
    rate: HashMap<(String, String), Counter>,
    /// The window of the last pruning of `rate`.
    rate_pruned: u64,
    users: HashMap<String, User>,
    /// key → (day, uses).
    quotas: HashMap<String, (u64, u64)>,
    /// id → entry (ids sort by creation).
    outbox: BTreeMap<String, OutboxEntry>,
}

/// A rate-limit counter: the hits in its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counter {
    window: u64,
    hits: u64,
}

#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, StoreError> {
        self.inner
            .lock()
            .map_err(|_| StoreError::new("memory store poisoned"))
    }

    /// How many rate-limit counters are kept (for tests).
    pub fn rate_counters(&self) -> usize {
        self.lock().map(|inner| inner.rate.len()).unwrap_or(0)
    }

    /// Every stored submission of every form (for tests).
    pub fn all(&self) -> Vec<Submission> {
        self.lock()
            .map(|inner| {
                inner
                    .submissions
                    .values()
                    .flat_map(|m| m.values().cloned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Store for MemoryStore {
    async fn insert(&self, submission: &Submission) -> Result<String, StoreError> {
        let mut inner = self.lock()?;
        let form = inner
            .submissions
            .entry(submission.form.clone())
            .or_default();
        if form.contains_key(&submission.id) {
            return Err(StoreError::new("duplicate submission id"));
        }
        form.insert(submission.id.clone(), submission.clone());
        Ok(submission.id.clone())
    }

    async fn list(&self, form: &str, before: Option<&str>, limit: u32) -> Result<Page, StoreError> {
        let limit = clamp_limit(limit);
        let inner = self.lock()?;
        let Some(map) = inner.submissions.get(form) else {
            return Ok(Page::default());
        };
        let rows = map
            .iter()
            .rev()
            .filter(|(id, _)| before.is_none_or(|b| id.as_str() < b))
            .take(limit as usize + 1)
            .map(|(_, s)| s.clone())
            .collect();
        Ok(into_page(rows, limit))
    }

    async fn get(&self, form: &str, id: &str) -> Result<Option<Submission>, StoreError> {
        Ok(self
            .lock()?
            .submissions
            .get(form)
            .and_then(|m| m.get(id).cloned()))
    }

    async fn refile(&self, from: &str, id: &str, to: &str) -> Result<Option<String>, StoreError> {
        let mut inner = self.lock()?;
        let Some(mut submission) = inner.submissions.get_mut(from).and_then(|m| m.remove(id))
        else {
            return Ok(None);
        };
        submission.form = to.to_owned();
        let id = submission.id.clone();
        inner
            .submissions
            .entry(to.to_owned())
            .or_default()
            .insert(id.clone(), submission);
        Ok(Some(id))
    }

    async fn mark_read(&self, form: &str, id: &str, read: bool) -> Result<bool, StoreError> {
        let mut inner = self.lock()?;
        let found = inner.submissions.get_mut(form).and_then(|m| m.get_mut(id));
        Ok(found.map(|s| s.read = read).is_some())
    }

    async fn quota_hit(&self, key: &str, day: u64) -> Result<u64, StoreError> {
        let mut inner = self.lock()?;
        inner.quotas.retain(|_, (d, _)| *d >= day);
        let entry = inner.quotas.entry(key.to_owned()).or_insert((day, 0));
        if entry.0 != day {
            *entry = (day, 0);
        }
        entry.1 += 1;
        Ok(entry.1)
    }

    async fn outbox_put(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
        self.lock()?.outbox.insert(entry.id.clone(), entry.clone());
        Ok(())
    }

    async fn outbox_due(
        &self,
        now_millis: u64,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let inner = self.lock()?;
        let mut due: Vec<OutboxEntry> = (inner.outbox.values())
            .filter(|e| e.next_attempt_at.is_some_and(|t| t <= now_millis))
            .cloned()
            .collect();
        due.sort_by_key(|e| e.next_attempt_at);
        due.truncate(limit as usize);
        Ok(due)
    }

    async fn outbox_list(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        let inner = self.lock()?;
        Ok(inner
            .outbox
            .values()
            .rev()
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn outbox_get(&self, id: &str) -> Result<Option<OutboxEntry>, StoreError> {
        Ok(self.lock()?.outbox.get(id).cloned())
    }

    async fn outbox_delete(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.lock()?.outbox.remove(id).is_some())
    }

    async fn count(&self, form: &str) -> Result<u64, StoreError> {
        Ok(self
            .lock()?
            .submissions
            .get(form)
            .map_or(0, |m| m.len() as u64))
    }

    async fn expire(&self, form: &str, before_millis: u64, max: u32) -> Result<u32, StoreError> {
        let bound = id_time_bound(before_millis);
        let mut inner = self.lock()?;
        let Some(submissions) = inner.submissions.get_mut(form) else {
            return Ok(0);
        };
        let expired: Vec<String> = (submissions.keys())
            .filter(|id| **id < bound)
            .take(max as usize)
            .cloned()
            .collect();
        for id in &expired {
            submissions.remove(id);
        }
        Ok(expired.len() as u32)
    }

    async fn delete(&self, form: &str, id: &str) -> Result<bool, StoreError> {
        Ok(self
            .lock()?
            .submissions
            .get_mut(form)
            .is_some_and(|m| m.remove(id).is_some()))
    }

    async fn rate_hit(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        let mut inner = self.lock()?;
        if window > inner.rate_pruned {
            inner.rate_pruned = window;
            inner
                .rate
                .retain(|_, counter| counter.window.saturating_add(1) >= window);
        }
        let entry = inner
            .rate
            .entry((addr.to_owned(), form.to_owned()))
            .or_insert(Counter { window, hits: 0 });
        if entry.window != window {
            *entry = Counter { window, hits: 0 };
        }
        entry.hits += 1;
        Ok(entry.hits)
    }

    async fn rate_count(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        Ok(self
            .lock()?
            .rate
            .get(&(addr.to_owned(), form.to_owned()))
            .filter(|counter| counter.window == window)
            .map_or(0, |counter| counter.hits))
    }

    async fn get_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        Ok(self.lock()?.users.get(username).cloned())
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let mut users: Vec<User> = self.lock()?.users.values().cloned().collect();
        users.sort_by(|a, b| a.username.cmp(&b.username));
        Ok(users)
    }

    async fn update_user(&self, user: &User) -> Result<bool, StoreError> {
        Ok(match self.lock()?.users.get_mut(&user.username) {
            Some(slot) => {
                *slot = user.clone();
                true
            }
            None => false,
        })
    }

    async fn delete_user(&self, username: &str) -> Result<bool, StoreError> {
        Ok(self.lock()?.users.remove(username).is_some())
    }

    async fn put_user(&self, user: &User) -> Result<(), StoreError> {
        self.lock()?
            .users
            .insert(user.username.clone(), user.clone());
        Ok(())
    }

    async fn create_user(&self, user: &User) -> Result<bool, StoreError> {
        let mut state = self.lock()?;
        match state.users.entry(user.username.clone()) {
            std::collections::hash_map::Entry::Occupied(_) => Ok(false),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(user.clone());
                Ok(true)
            }
        }
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.lock().map(|_| ())
    }
}
