//! The SQL of the SQLite stores, shared by [`super::SqliteStore`] (rusqlite,
//! native) and the Spin component's store over Spin SQLite, so the tests of
//! one run the exact statements of the other. Parameters are numbered
//! (`?1`), which both accept.
//!
//! Tables:
//! - `submissions(id, form, received_at, user, data)`: `id` is the UUIDv7
//!   text (time-ordered), `data` the JSON array of `[name, value]` pairs.
//!   `(form, id)` is indexed, so listing a page and counting are index scans.
//! - `read_marks(id, read)`: whether an admin read submission `id` (a row
//!   once it was marked read or unread; none: unread). A table of its own
//!   rather than a column, so databases made before it need no `ALTER`:
//!   every migration stays an idempotent `CREATE … IF NOT EXISTS`. A
//!   trigger deletes the mark with its submission.
//! - `rate_limits(addr, form, win, hits)`: one row per client address and
//!   form, holding only its latest window; rows of windows that are over are
//!   deleted ([`PRUNE_RATE`], by the indexed `win`) once per window by each
//!   store instance, so the table stays as small as the set of recent
//!   clients, whatever names a flood of logins makes up.
//! - `users(username, password_hash, role)`.
//! - `quotas(key, day, uses)`: the autoreply quotas; rows of earlier days
//!   are deleted by every hit (an index range on `day`).
//! - `outbox(id, due, entry)`: undelivered notifications, `entry` the JSON
//!   of an [`OutboxEntry`], `due` its next attempt in
//!   unix milliseconds (NULL once the retries are used up), indexed.

use super::base::{OutboxEntry, StoreError};
use crate::schema::FormData;

/// The index pruning finished rate-limit windows uses (also run on its own
/// by the Spin component, for databases made before it existed).
pub const RATE_WINDOW_INDEX: &str =
    "CREATE INDEX IF NOT EXISTS rate_limits_win ON rate_limits (win)";

/// The schema, one statement per entry (Spin's `execute` and rusqlite's
/// `execute` take one statement each). Every statement is idempotent.
/// `api/migrations.sql` holds the same statements, for
/// `spin up --sqlite @api/migrations.sql` (a test keeps them equal).
pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS submissions (id TEXT NOT NULL PRIMARY KEY, form TEXT NOT NULL, received_at TEXT NOT NULL, user TEXT, data TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS submissions_form_id ON submissions (form, id)",
    "CREATE TABLE IF NOT EXISTS rate_limits (addr TEXT NOT NULL, form TEXT NOT NULL, win INTEGER NOT NULL, hits INTEGER NOT NULL, PRIMARY KEY (addr, form))",
    RATE_WINDOW_INDEX,
    "CREATE TABLE IF NOT EXISTS users (username TEXT NOT NULL PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS quotas (key TEXT NOT NULL PRIMARY KEY, day INTEGER NOT NULL, uses INTEGER NOT NULL)",
    "CREATE INDEX IF NOT EXISTS quotas_day ON quotas (day)",
    "CREATE TABLE IF NOT EXISTS outbox (id TEXT NOT NULL PRIMARY KEY, due INTEGER, entry TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (due)",
    "CREATE TABLE IF NOT EXISTS read_marks (id TEXT NOT NULL PRIMARY KEY, read INTEGER NOT NULL)",
    "CREATE TRIGGER IF NOT EXISTS submissions_forget_read AFTER DELETE ON submissions BEGIN DELETE FROM read_marks WHERE id = old.id; END",
];

/// `?1` id, `?2` form, `?3` received_at, `?4` user (NULL or text), `?5` data.
pub const INSERT_SUBMISSION: &str =
    "INSERT INTO submissions (id, form, received_at, user, data) VALUES (?1, ?2, ?3, ?4, ?5)";

/// `?1` form, `?2` limit. Columns: id, form, received_at, user, data, read
/// (0 or 1).
pub const LIST_FIRST: &str = "SELECT s.id, s.form, s.received_at, s.user, s.data, coalesce(r.read, 0) \
FROM submissions s LEFT JOIN read_marks r ON r.id = s.id WHERE s.form = ?1 ORDER BY s.id DESC LIMIT ?2";

/// `?1` form, `?2` cursor (ids strictly below it), `?3` limit.
pub const LIST_BEFORE: &str = "SELECT s.id, s.form, s.received_at, s.user, s.data, coalesce(r.read, 0) \
FROM submissions s LEFT JOIN read_marks r ON r.id = s.id WHERE s.form = ?1 AND s.id < ?2 ORDER BY s.id DESC LIMIT ?3";

/// `?1` form, `?2` id. Columns as [`LIST_FIRST`].
pub const GET_SUBMISSION: &str = "SELECT s.id, s.form, s.received_at, s.user, s.data, coalesce(r.read, 0) \
FROM submissions s LEFT JOIN read_marks r ON r.id = s.id WHERE s.form = ?1 AND s.id = ?2";

/// `?1` form, `?2` id, `?3` read (0 or 1); a row back when the submission
/// exists (marked then).
pub const MARK_READ: &str = "INSERT INTO read_marks (id, read) \
SELECT id, ?3 FROM submissions WHERE form = ?1 AND id = ?2 \
ON CONFLICT (id) DO UPDATE SET read = excluded.read RETURNING id";

/// `?1` from, `?2` id, `?3` to; a row back when it was there.
pub const REFILE: &str =
    "UPDATE submissions SET form = ?3 WHERE form = ?1 AND id = ?2 RETURNING id";

/// `?1` form. One column: the count.
pub const COUNT: &str = "SELECT COUNT(*) FROM submissions WHERE form = ?1";

/// Retention: `?1` form, `?2` the id bound of the cutoff
/// ([`super::base::id_time_bound`]), `?3` the most to delete. An index
/// range on `(form, id)`, oldest first; one row back per deleted record.
pub const EXPIRE: &str = "DELETE FROM submissions WHERE id IN \
(SELECT id FROM submissions WHERE form = ?1 AND id < ?2 ORDER BY id LIMIT ?3) RETURNING id";

/// `?1` form, `?2` id. Returns one row per deleted record.
pub const DELETE: &str = "DELETE FROM submissions WHERE form = ?1 AND id = ?2 RETURNING id";

/// Increment-and-get in one statement: `?1` addr, `?2` form, `?3` window.
/// Returns one row: the hits in that window, this one included.
pub const RATE_HIT: &str = "INSERT INTO rate_limits (addr, form, win, hits) VALUES (?1, ?2, ?3, 1) \
ON CONFLICT (addr, form) DO UPDATE SET \
hits = CASE WHEN rate_limits.win = excluded.win THEN rate_limits.hits + 1 ELSE 1 END, \
win = excluded.win \
RETURNING hits";

/// `?1` addr, `?2` form, `?3` window. One row (the hits) when that window
/// has any.
pub const RATE_COUNT: &str =
    "SELECT hits FROM rate_limits WHERE addr = ?1 AND form = ?2 AND win = ?3";

/// `?1` the oldest window to keep: every older counter is deleted (an index
/// range on `win`).
pub const PRUNE_RATE: &str = "DELETE FROM rate_limits WHERE win < ?1";

/// `?1` key, `?2` day. Returns one row: the uses that day, this one
/// included.
pub const QUOTA_HIT: &str = "INSERT INTO quotas (key, day, uses) VALUES (?1, ?2, 1) \
ON CONFLICT (key) DO UPDATE SET \
uses = CASE WHEN quotas.day = excluded.day THEN quotas.uses + 1 ELSE 1 END, \
day = excluded.day \
RETURNING uses";

/// `?1` today: the counters of earlier days are deleted.
pub const PRUNE_QUOTAS: &str = "DELETE FROM quotas WHERE day < ?1";

/// `?1` id, `?2` due (NULL: no automatic attempt), `?3` entry JSON.
pub const OUTBOX_PUT: &str = "INSERT INTO outbox (id, due, entry) VALUES (?1, ?2, ?3) \
ON CONFLICT (id) DO UPDATE SET due = excluded.due, entry = excluded.entry";

/// `?1` now, `?2` limit. One column: the entry.
pub const OUTBOX_DUE: &str = "SELECT entry FROM outbox WHERE due <= ?1 ORDER BY due LIMIT ?2";

/// `?1` limit. One column: the entry, newest first.
pub const OUTBOX_LIST: &str = "SELECT entry FROM outbox ORDER BY id DESC LIMIT ?1";

/// `?1` id. One column: the entry.
pub const OUTBOX_GET: &str = "SELECT entry FROM outbox WHERE id = ?1";

/// `?1` id; a row back when there was one.
pub const OUTBOX_DELETE: &str = "DELETE FROM outbox WHERE id = ?1 RETURNING id";

/// The `entry` column for `entry`.
pub fn encode_entry(entry: &OutboxEntry) -> Result<String, StoreError> {
    serde_json::to_string(entry).map_err(|e| StoreError::new(format!("encode outbox entry: {e}")))
}

/// An entry back from the `entry` column.
pub fn decode_entry(json: &str) -> Result<OutboxEntry, StoreError> {
    let value: serde_json::Value = serde_json::from_slice(json.as_bytes())
        .map_err(|e| StoreError::new(format!("corrupt outbox entry: {e}")))?;
    OutboxEntry::from_json(&value).ok_or_else(|| StoreError::new("corrupt outbox entry"))
}

/// The `due` column for `entry`.
pub fn entry_due(entry: &OutboxEntry) -> Option<i64> {
    entry
        .next_attempt_at
        .map(|t| i64::try_from(t).unwrap_or(i64::MAX))
}

/// `?1` username. Columns: username, password_hash, role.
pub const GET_USER: &str = "SELECT username, password_hash, role FROM users WHERE username = ?1";

/// `?1` username, `?2` password_hash, `?3` role.
pub const PUT_USER: &str = "INSERT INTO users (username, password_hash, role) VALUES (?1, ?2, ?3) \
ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role";

/// `?1` username, `?2` password_hash, `?3` role; a row back when created.
pub const CREATE_USER: &str = "INSERT INTO users (username, password_hash, role) VALUES (?1, ?2, ?3) \
ON CONFLICT (username) DO NOTHING RETURNING username";

/// Every user, by name. Columns: username, password_hash, role.
pub const LIST_USERS: &str = "SELECT username, password_hash, role FROM users ORDER BY username";

/// `?1` username, `?2` password_hash, `?3` role; a row back when the user
/// existed (and was changed).
pub const UPDATE_USER: &str =
    "UPDATE users SET password_hash = ?2, role = ?3 WHERE username = ?1 RETURNING username";

/// `?1` username; a row back when the user existed.
pub const DELETE_USER: &str = "DELETE FROM users WHERE username = ?1 RETURNING username";

pub const PING: &str = "SELECT 1";

/// Whether a SQLite error message means the schema has not been created
/// yet (the Spin store then runs [`MIGRATIONS`] and retries once).
pub fn is_missing_table(message: &str) -> bool {
    message.contains("no such table")
}

/// The `data` column for `values`.
pub fn encode_values(values: &FormData) -> Result<String, StoreError> {
    serde_json::to_string(&values.0).map_err(|e| StoreError::new(format!("encode values: {e}")))
}

/// `values` back from the `data` column.
pub fn decode_values(data: &str) -> Result<FormData, StoreError> {
    serde_json::from_slice::<Vec<(String, String)>>(data.as_bytes())
        .map(FormData)
        .map_err(|e| StoreError::new(format!("corrupt data column: {e}")))
}
