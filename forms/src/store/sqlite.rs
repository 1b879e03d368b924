//! [`SqliteStore`]: the [`Store`] over a SQLite file with rusqlite, running
//! exactly the statements of [`super::sql`] that the Spin SQLite store runs.
//! For tests and `letterbox serve` (feature `native`).

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::base::{
    OutboxEntry, Page, Store, StoreError, Submission, User, clamp_limit, id_time_bound, into_page,
};
use super::sql;

#[derive(Debug)]
pub struct SqliteStore {
    conn: Mutex<Connection>,
    /// The window of the last pruning of `rate_limits`.
    rate_pruned: AtomicU64,
}

fn err(e: rusqlite::Error) -> StoreError {
    StoreError::new(format!("sqlite: {e}"))
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and its tables.
    /// Several stores (threads, processes) may open the same file: it uses
    /// WAL and waits up to 5 s for a lock.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(err)?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        Self::from_connection(conn)
    }

    /// A private in-memory database.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::from_connection(Connection::open_in_memory().map_err(err)?)
    }

    fn from_connection(conn: Connection) -> Result<Self, StoreError> {
        for statement in sql::MIGRATIONS {
            conn.execute(statement, []).map_err(err)?;
        }
        Ok(Self {
            conn: Mutex::new(conn),
            rate_pruned: AtomicU64::new(0),
        })
    }

    /// How many rows `rate_limits` has (for tests).
    pub fn rate_rows(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn()?
            .query_row("SELECT COUNT(*) FROM rate_limits", [], |r| r.get(0))
            .map_err(err)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The outbox entries a one-column `statement` returns.
    fn entries(
        &self,
        statement: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(statement).map_err(err)?;
        let json: Vec<String> = stmt
            .query_map(params, |r| r.get(0))
            .map_err(err)?
            .collect::<Result<_, _>>()
            .map_err(err)?;
        json.iter().map(|j| sql::decode_entry(j)).collect()
    }

    fn conn(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.conn
            .lock()
            .map_err(|_| StoreError::new("sqlite connection poisoned"))
    }
}

fn submission_from_row(row: &Row<'_>) -> rusqlite::Result<(Submission, String)> {
    Ok((
        Submission {
            id: row.get(0)?,
            form: row.get(1)?,
            received_at: row.get(2)?,
            user: row.get(3)?,
            values: Default::default(),
            read: row.get::<_, i64>(5)? != 0,
        },
        row.get(4)?,
    ))
}

impl Store for SqliteStore {
    async fn insert(&self, s: &Submission) -> Result<String, StoreError> {
        let data = sql::encode_values(&s.values)?;
        self.conn()?
            .execute(
                sql::INSERT_SUBMISSION,
                params![s.id, s.form, s.received_at, s.user, data],
            )
            .map_err(err)?;
        Ok(s.id.clone())
    }

    async fn list(&self, form: &str, before: Option<&str>, limit: u32) -> Result<Page, StoreError> {
        let limit = clamp_limit(limit);
        let fetch = i64::from(limit) + 1;
        let conn = self.conn()?;
        let raw: Vec<(Submission, String)> = match before {
            None => {
                let mut stmt = conn.prepare_cached(sql::LIST_FIRST).map_err(err)?;
                stmt.query_map(params![form, fetch], submission_from_row)
                    .map_err(err)?
                    .collect::<Result<_, _>>()
                    .map_err(err)?
            }
            Some(cursor) => {
                let mut stmt = conn.prepare_cached(sql::LIST_BEFORE).map_err(err)?;
                stmt.query_map(params![form, cursor, fetch], submission_from_row)
                    .map_err(err)?
                    .collect::<Result<_, _>>()
                    .map_err(err)?
            }
        };
        let rows = raw
            .into_iter()
            .map(|(mut s, data)| {
                s.values = sql::decode_values(&data)?;
                Ok(s)
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(into_page(rows, limit))
    }

    async fn get(&self, form: &str, id: &str) -> Result<Option<Submission>, StoreError> {
        let row = self
            .conn()?
            .query_row(sql::GET_SUBMISSION, params![form, id], submission_from_row)
            .optional()
            .map_err(err)?;
        row.map(|(mut s, data)| {
            s.values = sql::decode_values(&data)?;
            Ok(s)
        })
        .transpose()
    }

    async fn refile(&self, from: &str, id: &str, to: &str) -> Result<Option<String>, StoreError> {
        self.conn()?
            .query_row(sql::REFILE, params![from, id, to], |r| r.get(0))
            .optional()
            .map_err(err)
    }

    async fn quota_hit(&self, key: &str, day: u64) -> Result<u64, StoreError> {
        let day = i64::try_from(day).map_err(|_| StoreError::new("day out of range"))?;
        let conn = self.conn()?;
        conn.execute(sql::PRUNE_QUOTAS, params![day]).map_err(err)?;
        let uses: i64 = conn
            .query_row(sql::QUOTA_HIT, params![key, day], |r| r.get(0))
            .map_err(err)?;
        Ok(u64::try_from(uses).unwrap_or(0))
    }

    async fn outbox_put(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
        self.conn()?
            .execute(
                sql::OUTBOX_PUT,
                params![entry.id, sql::entry_due(entry), sql::encode_entry(entry)?],
            )
            .map_err(err)?;
        Ok(())
    }

    async fn outbox_due(
        &self,
        now_millis: u64,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let now = i64::try_from(now_millis).unwrap_or(i64::MAX);
        self.entries(sql::OUTBOX_DUE, params![now, i64::from(limit)])
    }

    async fn outbox_list(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        self.entries(sql::OUTBOX_LIST, params![i64::from(limit)])
    }

    async fn outbox_get(&self, id: &str) -> Result<Option<OutboxEntry>, StoreError> {
        Ok(self.entries(sql::OUTBOX_GET, params![id])?.pop())
    }

    async fn outbox_delete(&self, id: &str) -> Result<bool, StoreError> {
        let deleted: Option<String> = self
            .conn()?
            .query_row(sql::OUTBOX_DELETE, params![id], |r| r.get(0))
            .optional()
            .map_err(err)?;
        Ok(deleted.is_some())
    }

    async fn count(&self, form: &str) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn()?
            .query_row(sql::COUNT, params![form], |r| r.get(0))
            .map_err(err)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn expire(&self, form: &str, before_millis: u64, max: u32) -> Result<u32, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(sql::EXPIRE).map_err(err)?;
        let bound = id_time_bound(before_millis);
        let deleted = stmt
            .query_map(params![form, bound, i64::from(max)], |r| {
                r.get::<_, String>(0)
            })
            .map_err(err)?
            .count();
        Ok(u32::try_from(deleted).unwrap_or(u32::MAX))
    }

    async fn mark_read(&self, form: &str, id: &str, read: bool) -> Result<bool, StoreError> {
        let marked: Option<String> = self
            .conn()?
            .query_row(sql::MARK_READ, params![form, id, i64::from(read)], |r| {
                r.get(0)
            })
            .optional()
            .map_err(err)?;
        Ok(marked.is_some())
    }

    async fn delete(&self, form: &str, id: &str) -> Result<bool, StoreError> {
        let deleted: Option<String> = self
            .conn()?
            .query_row(sql::DELETE, params![form, id], |r| r.get(0))
            .optional()
            .map_err(err)?;
        Ok(deleted.is_some())
    }

    async fn rate_hit(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        let conn = self.conn()?;
        if self.rate_pruned.fetch_max(window, Ordering::Relaxed) < window {
            let keep = i64::try_from(window.saturating_sub(1)).unwrap_or(i64::MAX);
            conn.execute(sql::PRUNE_RATE, params![keep]).map_err(err)?;
        }
        let window = i64::try_from(window).map_err(|_| StoreError::new("window out of range"))?;
        let hits: i64 = conn
            .query_row(sql::RATE_HIT, params![addr, form, window], |r| r.get(0))
            .map_err(err)?;
        Ok(u64::try_from(hits).unwrap_or(0))
    }

    async fn rate_count(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        let window = i64::try_from(window).map_err(|_| StoreError::new("window out of range"))?;
        let hits: Option<i64> = self
            .conn()?
            .query_row(sql::RATE_COUNT, params![addr, form, window], |r| r.get(0))
            .optional()
            .map_err(err)?;
        Ok(hits.and_then(|h| u64::try_from(h).ok()).unwrap_or(0))
    }

    async fn get_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        self.conn()?
            .query_row(sql::GET_USER, params![username], |r| {
                Ok(User {
                    username: r.get(0)?,
                    password_hash: r.get(1)?,
                    role: r.get(2)?,
                })
            })
            .optional()
            .map_err(err)
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(sql::LIST_USERS).map_err(err)?;
        stmt.query_map([], |r| {
            Ok(User {
                username: r.get(0)?,
                password_hash: r.get(1)?,
                role: r.get(2)?,
            })
        })
        .map_err(err)?
        .collect::<Result<_, _>>()
        .map_err(err)
    }

    async fn update_user(&self, user: &User) -> Result<bool, StoreError> {
        let updated = self
            .conn()?
            .query_row(
                sql::UPDATE_USER,
                params![user.username, user.password_hash, user.role],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(err)?;
        Ok(updated.is_some())
    }

    async fn delete_user(&self, username: &str) -> Result<bool, StoreError> {
        let deleted = self
            .conn()?
            .query_row(sql::DELETE_USER, params![username], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .map_err(err)?;
        Ok(deleted.is_some())
    }

    async fn put_user(&self, user: &User) -> Result<(), StoreError> {
        self.conn()?
            .execute(
                sql::PUT_USER,
                params![user.username, user.password_hash, user.role],
            )
            .map_err(err)?;
        Ok(())
    }

    async fn create_user(&self, user: &User) -> Result<bool, StoreError> {
        let created = self
            .conn()?
            .query_row(
                sql::CREATE_USER,
                params![user.username, user.password_hash, user.role],
                |r| r.get::<_, String>(0),
            )
            .optional()
            .map_err(err)?;
        Ok(created.is_some())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.conn()?
            .query_row(sql::PING, [], |r| r.get::<_, i64>(0))
            .map_err(err)?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The query plan of `statement` with every parameter bound to `x`.
    fn plan(conn: &Connection, statement: &str) -> String {
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {statement}"))
            .unwrap();
        let params: Vec<&dyn rusqlite::ToSql> = (0..stmt.parameter_count())
            .map(|_| &"x" as &dyn rusqlite::ToSql)
            .collect();
        stmt.query_map(params.as_slice(), |row| row.get::<_, String>(3))
            .unwrap()
            .map(Result::unwrap)
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// On a remote libSQL a full scan is a full transfer: every statement
    /// a request runs (all but the admin's list of every user) is an index
    /// search, never a scan.
    #[test]
    fn every_statement_of_a_request_searches_an_index() {
        let store = SqliteStore::open_in_memory().unwrap();
        let conn = store.conn().unwrap();
        for (name, statement) in [
            ("LIST_FIRST", sql::LIST_FIRST),
            ("LIST_BEFORE", sql::LIST_BEFORE),
            ("COUNT", sql::COUNT),
            ("DELETE", sql::DELETE),
            ("RATE_HIT", sql::RATE_HIT),
            ("RATE_COUNT", sql::RATE_COUNT),
            ("PRUNE_RATE", sql::PRUNE_RATE),
            ("GET_USER", sql::GET_USER),
            ("UPDATE_USER", sql::UPDATE_USER),
            ("DELETE_USER", sql::DELETE_USER),
            ("GET_SUBMISSION", sql::GET_SUBMISSION),
            ("REFILE", sql::REFILE),
            ("MARK_READ", sql::MARK_READ),
            ("QUOTA_HIT", sql::QUOTA_HIT),
            ("PRUNE_QUOTAS", sql::PRUNE_QUOTAS),
            ("OUTBOX_DUE", sql::OUTBOX_DUE),
            ("OUTBOX_GET", sql::OUTBOX_GET),
            ("OUTBOX_DELETE", sql::OUTBOX_DELETE),
        ] {
            let plan = plan(&conn, statement);
            assert!(
                !plan.contains("SCAN") && !plan.contains("TEMP B-TREE"),
                "{name}: {plan}"
            );
        }
        assert!(plan(&conn, sql::COUNT).contains("USING COVERING INDEX submissions_form_id"));
        // The exceptions, by design: the admin's lists of every user and of
        // the (small, undelivered) outbox, the latter in index order.
        assert!(plan(&conn, sql::LIST_USERS).contains("users"));
        let outbox = plan(&conn, sql::OUTBOX_LIST);
        assert!(!outbox.contains("TEMP B-TREE"), "{outbox}");
    }
}
