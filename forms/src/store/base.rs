//! The [`Store`] trait and what it stores: submissions, users, pages, ids.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::auth::Role;
use crate::schema::FormData;

/// A store operation failed; answered with 503, and nothing of the request
/// was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("store unavailable: {0}")]
pub struct StoreError(pub String);

impl StoreError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// One stored submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    /// A UUIDv7 in its hyphenated lowercase form: time-ordered, so ids
    /// compare (as strings) in arrival order.
    pub id: String,
    pub form: String,
    /// The values as sent, in order, multi-values kept, exact UTF-8.
    pub values: FormData,
    /// RFC 3339 UTC with milliseconds, e.g. `2026-11-28T09:15:02.123Z`.
    pub received_at: String,
    /// The JWT `sub` of the submitting user, for forms that need login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Whether an admin has read it (opened it, or marked it read); new
    /// submissions are unread.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub read: bool,
}

impl Submission {
    /// A submission back from its stored JSON, `None` if it is not one.
    /// Read through a plain value, as [`OutboxEntry::from_json`] is.
    pub fn from_json(value: &serde_json::Value) -> Option<Self> {
        let text = |key: &str| value.get(key)?.as_str().map(str::to_owned);
        let values = (value.get("values")?.as_array()?.iter())
            .map(|pair| match pair.as_array()?.as_slice() {
                [name, value] => Some((name.as_str()?.to_owned(), value.as_str()?.to_owned())),
                _ => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            id: text("id")?,
            form: text("form")?,
            values: FormData(values),
            received_at: text("received_at")?,
            user: text("user"),
            read: value.get("read").and_then(|r| r.as_bool()).unwrap_or(false),
        })
    }
}

/// A user who can log in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub username: String,
    /// Argon2id PHC string; never the password.
    pub password_hash: String,
    /// The role as stored: `admin` or `member` ([`Role::as_str`]); read it
    /// with [`User::role`], which takes any other text for `member`.
    pub role: String,
}

impl User {
    /// The role the stored `role` text gives: `admin` is an admin, anything
    /// else a member.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Member)
    }
}

/// What an outbox entry delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryKind {
    Webhook,
    /// The owner's notice.
    Email,
    /// The submitter's confirmation.
    Autoreply,
}

/// A notification that has not been delivered yet: the prepared request
/// without its secrets (added at each attempt). Stored as JSON; read back
/// with [`OutboxEntry::from_json`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutboxEntry {
    /// A UUIDv7, also the `X-Letterbox-Delivery` header of every attempt.
    pub id: String,
    pub form: String,
    pub submission_id: String,
    pub kind: DeliveryKind,
    pub url: String,
    /// The JSON body.
    pub body: String,
    /// A JSON webhook, signed at each attempt.
    pub signed: bool,
    pub attempts: u32,
    pub last_error: String,
    /// RFC 3339 UTC with milliseconds.
    pub created_at: String,
    /// Unix milliseconds of the next automatic attempt; `None` once the
    /// retries are used up (the inbox can still retry it).
    pub next_attempt_at: Option<u64>,
}

impl DeliveryKind {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "webhook" => Some(Self::Webhook),
            "email" => Some(Self::Email),
            "autoreply" => Some(Self::Autoreply),
            _ => None,
        }
    }
}

impl OutboxEntry {
    /// An entry back from its JSON, `None` if it is not one. Read through
    /// a plain value rather than a derived deserializer: the component is
    /// size-bound, and each typed deserializer costs kilobytes there.
    pub fn from_json(value: &serde_json::Value) -> Option<Self> {
        let text = |key: &str| value.get(key)?.as_str().map(str::to_owned);
        Some(Self {
            id: text("id")?,
            form: text("form")?,
            submission_id: text("submission_id")?,
            kind: DeliveryKind::parse(value.get("kind")?.as_str()?)?,
            url: text("url")?,
            body: text("body")?,
            signed: value
                .get("signed")
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
            attempts: u32::try_from(value.get("attempts")?.as_u64()?).ok()?,
            last_error: text("last_error")?,
            created_at: text("created_at")?,
            next_attempt_at: value.get("next_attempt_at").and_then(|v| v.as_u64()),
        })
    }
}

/// One page of a form's submissions, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    pub items: Vec<Submission>,
    /// Pass as `before` to get the next (older) page; `None` on the last.
    pub next_cursor: Option<String>,
}

/// Upper bound for one page, whatever a client asks.
pub const MAX_PAGE: u32 = 500;

/// Storage for the whole API. Every method is one logical operation; the
/// docs say how many round trips each implementation makes.
#[allow(async_fn_in_trait)]
pub trait Store {
    /// Stores a new submission (its id is new and unique) and returns the id
    /// it is stored under: `submission.id`, except in the key-value store,
    /// whose ids also carry the form's sequence number.
    async fn insert(&self, submission: &Submission) -> Result<String, StoreError>;

    /// Submissions of `form` with `id < before` (all when `None`), newest
    /// first, at most `limit` (clamped to 1..=[`MAX_PAGE`]). Because ids are
    /// unique and time-ordered, following `next_cursor` visits every record
    /// that existed when the walk started exactly once, while new ones arrive.
    async fn list(&self, form: &str, before: Option<&str>, limit: u32) -> Result<Page, StoreError>;

    /// The submission `id` of `form`, if there is one.
    async fn get(&self, form: &str, id: &str) -> Result<Option<Submission>, StoreError>;

    /// Files submission `id` of `from` under `to` instead (the spam folder
    /// and back) and returns the id it has there, `None` when there was no
    /// such submission. One statement in the SQL store (the id stays); this
    /// default (key-value, whose ids carry the folder's sequence number)
    /// stores the copy first and then deletes the original, so a failure in
    /// between leaves two copies rather than none.
    async fn refile(&self, from: &str, id: &str, to: &str) -> Result<Option<String>, StoreError> {
        let Some(mut submission) = self.get(from, id).await? else {
            return Ok(None);
        };
        submission.form = to.to_owned();
        let new_id = self.insert(&submission).await?;
        self.delete(from, id).await?;
        Ok(Some(new_id))
    }

    /// Marks submission `id` of `form` read or unread; `false` when there
    /// is no such submission. One statement in the SQL store (an upsert of
    /// its mark); a `get` and a `set` of the record in the key-value store.
    async fn mark_read(&self, form: &str, id: &str, read: bool) -> Result<bool, StoreError>;

    /// Deletes the submissions of `form` received before `before_millis`
    /// (unix milliseconds; an id says when its submission was received),
    /// oldest first, at most `max` of them, and returns how many it deleted:
    /// the retention sweep, a bounded piece of work per request. One
    /// statement in the SQL store; the key-value store walks up from a
    /// per-form mark and sweeps each form at most once a minute per
    /// instance.
    async fn expire(&self, form: &str, before_millis: u64, max: u32) -> Result<u32, StoreError>;

    /// How many submissions `form` has.
    async fn count(&self, form: &str) -> Result<u64, StoreError>;

    /// Deletes one submission; `false` when there was none with that id.
    async fn delete(&self, form: &str, id: &str) -> Result<bool, StoreError>;

    /// Counts one hit for `(addr, form)` in the fixed window number `window`
    /// (e.g. unix minutes) and returns the hits in that window, this one
    /// included. A hit in a newer window starts the count again at 1.
    ///
    /// Counters of windows before `window - 1` are over: the SQL and memory
    /// stores delete them all once per window and store instance (so a flood
    /// of made-up names leaves nothing behind once its window has passed).
    async fn rate_hit(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError>;

    /// The hits `(addr, form)` has in `window`, without counting one (0 for
    /// none, or when its counter is of another window).
    async fn rate_count(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError>;

    /// Counts one use of `key` on unix day `day` and returns the uses that
    /// day, this one included (the autoreply quotas). Counters of earlier
    /// days are deleted or overwritten.
    async fn quota_hit(&self, key: &str, day: u64) -> Result<u64, StoreError>;

    /// Adds or replaces (by id) an outbox entry.
    async fn outbox_put(&self, entry: &OutboxEntry) -> Result<(), StoreError>;

    /// Entries whose `next_attempt_at` is at or before `now_millis`, the
    /// longest waiting first, at most `limit`.
    async fn outbox_due(&self, now_millis: u64, limit: u32)
    -> Result<Vec<OutboxEntry>, StoreError>;

    /// Every entry, newest first, at most `limit` (the inbox's outbox view).
    async fn outbox_list(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError>;

    async fn outbox_get(&self, id: &str) -> Result<Option<OutboxEntry>, StoreError>;

    /// `false` when there was no entry `id`.
    async fn outbox_delete(&self, id: &str) -> Result<bool, StoreError>;

    async fn get_user(&self, username: &str) -> Result<Option<User>, StoreError>;

    /// Creates or replaces a user.
    async fn put_user(&self, user: &User) -> Result<(), StoreError>;

    /// Creates a user unless one of that name exists: `false` then, and
    /// nothing is written. Atomic in the SQL and memory stores (one
    /// statement); this default (key-value, which has no conditional write)
    /// is a read then a write, so two simultaneous creates of one name can
    /// both succeed there.
    async fn create_user(&self, user: &User) -> Result<bool, StoreError> {
        if self.get_user(&user.username).await?.is_some() {
            return Ok(false);
        }
        self.put_user(user).await?;
        Ok(true)
    }

    /// Every user, by name (for `GET /api/users`).
    async fn list_users(&self) -> Result<Vec<User>, StoreError>;

    /// Replaces the password hash and role of an existing user: `false`
    /// (and nothing written) when there is none of that name. One statement
    /// in the SQL and memory stores; this default (key-value) is a read then
    /// a write, so a user deleted in between comes back.
    async fn update_user(&self, user: &User) -> Result<bool, StoreError> {
        if self.get_user(&user.username).await?.is_none() {
            return Ok(false);
        }
        self.put_user(user).await?;
        Ok(true)
    }

    /// Deletes a user; `false` when there was none of that name.
    async fn delete_user(&self, username: &str) -> Result<bool, StoreError>;

    /// Checks the store answers (for `GET /api/health`).
    async fn ping(&self) -> Result<(), StoreError>;

    /// Brings data written by an older layout of this store up to date
    /// (`POST /api/admin/upgrade-store`); returns the records converted.
    /// Only the key-value store has had another layout.
    async fn upgrade(&self) -> Result<u64, StoreError> {
        Ok(0)
    }
}

/// Clamps a requested page size.
pub fn clamp_limit(limit: u32) -> u32 {
    limit.clamp(1, MAX_PAGE)
}

/// Splits the `limit + 1` rows a store fetched into a page and its cursor.
pub(crate) fn into_page(mut rows: Vec<Submission>, limit: u32) -> Page {
    let limit = limit as usize;
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|s| s.id.clone())
    } else {
        None
    };
    Page {
        items: rows,
        next_cursor,
    }
}

/// A new time-ordered id (UUIDv7) for a submission received at
/// `unix_millis`. Ids made in one process are strictly increasing, even
/// within one millisecond or with a clock that stands still.
pub fn new_id(unix_millis: u64) -> String {
    static CONTEXT: Mutex<uuid::ContextV7> = Mutex::new(uuid::ContextV7::new());
    let ts = uuid::Timestamp::from_unix(
        &CONTEXT,
        unix_millis / 1000,
        ((unix_millis % 1000) * 1_000_000) as u32,
    );
    uuid::Uuid::new_v7(ts).hyphenated().to_string()
}

/// An id for a submission received at `unix_millis`, made without regard
/// to the ids made so far: unlike [`new_id`], which never goes back in
/// time, its time part is exactly `unix_millis`. For records from
/// elsewhere (an import, or tests of retention) whose time is in the past.
pub fn id_received_at(unix_millis: u64) -> String {
    let ts = uuid::Timestamp::from_unix(
        uuid::NoContext,
        unix_millis / 1000,
        ((unix_millis % 1000) * 1_000_000) as u32,
    );
    uuid::Uuid::new_v7(ts).hyphenated().to_string()
}

/// The ids of submissions received before `unix_millis` are exactly those
/// that sort before this string: the hex of the UUIDv7's 48-bit time, as
/// its first 13 characters are written (`0192f3a1-b2c4`).
pub fn id_time_bound(unix_millis: u64) -> String {
    let hex = format!("{:012x}", unix_millis & 0xffff_ffff_ffff);
    format!("{}-{}", &hex[..8], &hex[8..])
}

/// Whether `id` has the shape of an id from [`new_id`] (so it can be a
/// key suffix or a cursor).
pub fn is_valid_id(id: &str) -> bool {
    id.len() == 36
        && uuid::Uuid::try_parse(id).is_ok()
        && !id.bytes().any(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn submissions_come_back_from_their_json() {
        let submission = Submission {
            id: new_id(1_795_860_000_000),
            form: "contact".into(),
            values: FormData(vec![
                ("a".into(), "1".into()),
                ("a".into(), "\u{0}é".into()),
            ]),
            received_at: "2026-11-28T09:15:02.123Z".into(),
            user: Some("ada".into()),
            read: true,
        };
        let json = serde_json::to_value(&submission).unwrap();
        assert_eq!(Submission::from_json(&json), Some(submission.clone()));
        let unread = Submission {
            user: None,
            read: false,
            ..submission
        };
        let json = serde_json::to_value(&unread).unwrap();
        assert_eq!(Submission::from_json(&json), Some(unread));
        let broken =
            serde_json::json!({"id": "x", "form": "f", "received_at": "t", "values": [["a"]]});
        assert_eq!(Submission::from_json(&broken), None);
    }

    #[test]
    fn stored_roles() {
        let user = |role: &str| User {
            username: "u".into(),
            password_hash: String::new(),
            role: role.into(),
        };
        assert_eq!(user("admin").role(), Role::Admin);
        assert_eq!(user("member").role(), Role::Member);
        assert_eq!(user("user").role(), Role::Member);
        assert_eq!(user("Admin").role(), Role::Member);
    }

    #[test]
    fn ids_increase_with_a_standing_clock() {
        let ids: Vec<String> = (0..1000).map(|_| new_id(1_764_320_000_000)).collect();
        for pair in ids.windows(2) {
            assert!(pair[0] < pair[1], "{pair:?}");
        }
        assert!(ids.iter().all(|id| is_valid_id(id)));
        assert!(new_id(1_764_320_000_001) > ids[999]);
        assert!(!is_valid_id("../etc"));
        assert!(!is_valid_id(&ids[0].to_uppercase()));
    }

    #[test]
    fn an_id_sorts_before_the_time_bound_exactly_when_it_is_older() {
        let t = 1_795_860_000_000;
        let bound = id_time_bound(t);
        assert!(id_received_at(t - 1) < bound);
        assert!(id_received_at(t) >= bound);
        assert!(id_received_at(t + 1) > bound);
        // Made after ids of a later time, it still says its own time.
        let _later = new_id(t + 86_400_000);
        assert!(id_received_at(t - 86_400_000) < bound);
        assert!(is_valid_id(&id_received_at(t)));
    }
}
