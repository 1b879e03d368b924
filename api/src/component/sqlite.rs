//! The store over Spin SQLite.

use std::cell::RefCell;
use std::rc::Rc;

use letterbox_forms::Store;
use letterbox_forms::store::{
    OutboxEntry, Page, StoreError, Submission, User, clamp_limit, id_time_bound, sql,
};
use spin_sdk::sqlite::{Connection, RowResult, Value};

/// The store over Spin SQLite (`default` database), running the statements
/// of `letterbox_forms::store::sql`. Tables are created on first use: a
/// statement failing with "no such table" runs the migrations and is retried
/// once, so a normal request costs no extra round trip.
pub(super) struct SpinSqlite;

thread_local! {
    // Opened on first use and kept for the instance's later requests; a
    // request that needs no store (a 404, a 422) makes no host call for it.
    // Wasm components are single-threaded, so a thread-local is the instance.
    static SQLITE: RefCell<Option<Rc<Connection>>> = const { RefCell::new(None) };
    // The rate-limit window this instance last pruned `rate_limits` in.
    static RATE_PRUNED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

impl SpinSqlite {
    async fn connection() -> Result<Rc<Connection>, String> {
        if let Some(conn) = SQLITE.with_borrow(Clone::clone) {
            return Ok(conn);
        }
        let conn = Rc::new(
            Connection::open_default()
                .await
                .map_err(|e| format!("open sqlite: {e:?}"))?,
        );
        SQLITE.set(Some(Rc::clone(&conn)));
        Ok(conn)
    }

    async fn try_exec(
        &self,
        statement: &str,
        params: Vec<Value>,
    ) -> Result<Vec<RowResult>, String> {
        let conn = Self::connection().await?;
        let result = conn
            .execute(statement, params)
            .await
            .map_err(|e| format!("{e:?}"))?;
        result.collect().await.map_err(|e| format!("{e:?}"))
    }

    /// A rate-limit counter statement (`RATE_HIT`, `RATE_COUNT`) for one
    /// client, bucket and window; `missing` when it returns no row.
    async fn rate_counter(
        &self,
        statement: &str,
        addr: &str,
        form: &str,
        window: u64,
        missing: i64,
    ) -> Result<u64, StoreError> {
        let window = i64::try_from(window).map_err(|_| StoreError::new("window out of range"))?;
        let params = vec![
            Value::Text(addr.into()),
            Value::Text(form.into()),
            Value::Integer(window),
        ];
        let rows = self.exec(statement, params).await?;
        let value = rows
            .first()
            .map(|r| integer(r, 0))
            .transpose()?
            .unwrap_or(missing);
        Ok(u64::try_from(value).unwrap_or(0))
    }

    async fn exec(
        &self,
        statement: &str,
        params: Vec<Value>,
    ) -> Result<Vec<RowResult>, StoreError> {
        match self.try_exec(statement, params.clone()).await {
            Err(e) if sql::is_missing_table(&e) => {
                for migration in sql::MIGRATIONS {
                    self.try_exec(migration, Vec::new())
                        .await
                        .map_err(|e| StoreError::new(format!("sqlite migration: {e}")))?;
                }
                self.try_exec(statement, params)
                    .await
                    .map_err(|e| StoreError::new(format!("sqlite: {e}")))
            }
            other => other.map_err(|e| StoreError::new(format!("sqlite: {e}"))),
        }
    }
}

fn text(row: &RowResult, i: usize) -> Result<String, StoreError> {
    row.get::<&str>(i)
        .map(str::to_owned)
        .ok_or_else(|| StoreError::new(format!("sqlite: column {i} is not text")))
}

fn integer(row: &RowResult, i: usize) -> Result<i64, StoreError> {
    row.get::<i64>(i)
        .ok_or_else(|| StoreError::new(format!("sqlite: column {i} is not an integer")))
}

/// `(username, password_hash, role)`, as the user statements take them.
fn user_params(user: &User) -> Vec<Value> {
    vec![
        Value::Text(user.username.clone()),
        Value::Text(user.password_hash.clone()),
        Value::Text(user.role.clone()),
    ]
}

/// The outbox entries of one-column rows.
fn entries(rows: &[RowResult]) -> Result<Vec<OutboxEntry>, StoreError> {
    rows.iter()
        .map(|r| sql::decode_entry(&text(r, 0)?))
        .collect()
}

fn submission(row: &RowResult) -> Result<Submission, StoreError> {
    Ok(Submission {
        id: text(row, 0)?,
        form: text(row, 1)?,
        received_at: text(row, 2)?,
        user: row.get::<&str>(3).map(str::to_owned),
        values: sql::decode_values(&text(row, 4)?)?,
        read: integer(row, 5)? != 0,
    })
}

impl Store for SpinSqlite {
    async fn expire(&self, form: &str, before_millis: u64, max: u32) -> Result<u32, StoreError> {
        let params = vec![
            Value::Text(form.into()),
            Value::Text(id_time_bound(before_millis)),
            Value::Integer(i64::from(max)),
        ];
        let rows = self.exec(sql::EXPIRE, params).await?;
        Ok(u32::try_from(rows.len()).unwrap_or(u32::MAX))
    }

    async fn get(&self, form: &str, id: &str) -> Result<Option<Submission>, StoreError> {
        let params = vec![Value::Text(form.into()), Value::Text(id.into())];
        let rows = self.exec(sql::GET_SUBMISSION, params).await?;
        rows.first().map(submission).transpose()
    }

    async fn mark_read(&self, form: &str, id: &str, read: bool) -> Result<bool, StoreError> {
        let params = vec![
            Value::Text(form.into()),
            Value::Text(id.into()),
            Value::Integer(i64::from(read)),
        ];
        Ok(!self.exec(sql::MARK_READ, params).await?.is_empty())
    }

    async fn refile(&self, from: &str, id: &str, to: &str) -> Result<Option<String>, StoreError> {
        let params = vec![
            Value::Text(from.into()),
            Value::Text(id.into()),
            Value::Text(to.into()),
        ];
        let rows = self.exec(sql::REFILE, params).await?;
        rows.first().map(|r| text(r, 0)).transpose()
    }

    async fn quota_hit(&self, key: &str, day: u64) -> Result<u64, StoreError> {
        let day = i64::try_from(day).map_err(|_| StoreError::new("day out of range"))?;
        self.exec(sql::PRUNE_QUOTAS, vec![Value::Integer(day)])
            .await?;
        let params = vec![Value::Text(key.into()), Value::Integer(day)];
        let rows = self.exec(sql::QUOTA_HIT, params).await?;
        let uses = rows
            .first()
            .map(|r| integer(r, 0))
            .transpose()?
            .unwrap_or(1);
        Ok(u64::try_from(uses).unwrap_or(0))
    }

    async fn outbox_put(&self, entry: &OutboxEntry) -> Result<(), StoreError> {
        let params = vec![
            Value::Text(entry.id.clone()),
            sql::entry_due(entry).map_or(Value::Null, Value::Integer),
            Value::Text(sql::encode_entry(entry)?),
        ];
        self.exec(sql::OUTBOX_PUT, params).await.map(|_| ())
    }

    async fn outbox_due(
        &self,
        now_millis: u64,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let now = i64::try_from(now_millis).unwrap_or(i64::MAX);
        let params = vec![Value::Integer(now), Value::Integer(i64::from(limit))];
        entries(&self.exec(sql::OUTBOX_DUE, params).await?)
    }

    async fn outbox_list(&self, limit: u32) -> Result<Vec<OutboxEntry>, StoreError> {
        let params = vec![Value::Integer(i64::from(limit))];
        entries(&self.exec(sql::OUTBOX_LIST, params).await?)
    }

    async fn outbox_get(&self, id: &str) -> Result<Option<OutboxEntry>, StoreError> {
        let rows = self
            .exec(sql::OUTBOX_GET, vec![Value::Text(id.into())])
            .await?;
        Ok(entries(&rows)?.pop())
    }

    async fn outbox_delete(&self, id: &str) -> Result<bool, StoreError> {
        let rows = self
            .exec(sql::OUTBOX_DELETE, vec![Value::Text(id.into())])
            .await?;
        Ok(!rows.is_empty())
    }

    async fn insert(&self, s: &Submission) -> Result<String, StoreError> {
        let params = vec![
            Value::Text(s.id.clone()),
            Value::Text(s.form.clone()),
            Value::Text(s.received_at.clone()),
            s.user.clone().map_or(Value::Null, Value::Text),
            Value::Text(sql::encode_values(&s.values)?),
        ];
        self.exec(sql::INSERT_SUBMISSION, params).await?;
        Ok(s.id.clone())
    }

    async fn list(&self, form: &str, before: Option<&str>, limit: u32) -> Result<Page, StoreError> {
        let limit = clamp_limit(limit);
        let fetch = Value::Integer(i64::from(limit) + 1);
        let rows = match before {
            None => {
                self.exec(sql::LIST_FIRST, vec![Value::Text(form.into()), fetch])
                    .await?
            }
            Some(cursor) => {
                self.exec(
                    sql::LIST_BEFORE,
                    vec![Value::Text(form.into()), Value::Text(cursor.into()), fetch],
                )
                .await?
            }
        };
        let mut items = rows.iter().map(submission).collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|s| s.id.clone())
        } else {
            None
        };
        Ok(Page { items, next_cursor })
    }

    async fn count(&self, form: &str) -> Result<u64, StoreError> {
        let rows = self
            .exec(sql::COUNT, vec![Value::Text(form.into())])
            .await?;
        let n = rows
            .first()
            .map(|r| integer(r, 0))
            .transpose()?
            .unwrap_or(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn delete(&self, form: &str, id: &str) -> Result<bool, StoreError> {
        let rows = self
            .exec(
                sql::DELETE,
                vec![Value::Text(form.into()), Value::Text(id.into())],
            )
            .await?;
        Ok(!rows.is_empty())
    }

    async fn rate_hit(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        // Once per window and instance: drop the counters of windows that
        // are over (an index range; one more statement a minute).
        if RATE_PRUNED.get() < window {
            if RATE_PRUNED.get() == 0 {
                // A database made before the index existed gets it here,
                // once per instance, so pruning stays an index range.
                self.exec(sql::RATE_WINDOW_INDEX, Vec::new()).await?;
            }
            let keep = i64::try_from(window.saturating_sub(1)).unwrap_or(i64::MAX);
            self.exec(sql::PRUNE_RATE, vec![Value::Integer(keep)])
                .await?;
            RATE_PRUNED.set(window);
        }
        self.rate_counter(sql::RATE_HIT, addr, form, window, 1)
            .await
    }

    async fn get_user(&self, username: &str) -> Result<Option<User>, StoreError> {
        let rows = self
            .exec(sql::GET_USER, vec![Value::Text(username.into())])
            .await?;
        rows.first()
            .map(|r| {
                Ok(User {
                    username: text(r, 0)?,
                    password_hash: text(r, 1)?,
                    role: text(r, 2)?,
                })
            })
            .transpose()
    }

    async fn put_user(&self, user: &User) -> Result<(), StoreError> {
        self.exec(sql::PUT_USER, user_params(user))
            .await
            .map(|_| ())
    }

    async fn create_user(&self, user: &User) -> Result<bool, StoreError> {
        let rows = self.exec(sql::CREATE_USER, user_params(user)).await?;
        Ok(!rows.is_empty())
    }

    async fn rate_count(&self, addr: &str, form: &str, window: u64) -> Result<u64, StoreError> {
        self.rate_counter(sql::RATE_COUNT, addr, form, window, 0)
            .await
    }

    async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows = self.exec(sql::LIST_USERS, Vec::new()).await?;
        rows.iter()
            .map(|r| {
                Ok(User {
                    username: text(r, 0)?,
                    password_hash: text(r, 1)?,
                    role: text(r, 2)?,
                })
            })
            .collect()
    }

    async fn update_user(&self, user: &User) -> Result<bool, StoreError> {
        let rows = self.exec(sql::UPDATE_USER, user_params(user)).await?;
        Ok(!rows.is_empty())
    }

    async fn delete_user(&self, username: &str) -> Result<bool, StoreError> {
        let rows = self
            .exec(sql::DELETE_USER, vec![Value::Text(username.into())])
            .await?;
        Ok(!rows.is_empty())
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.exec(sql::PING, Vec::new()).await.map(|_| ())
    }
}
