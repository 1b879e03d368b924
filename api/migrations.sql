-- Letterbox's SQLite schema, for `spin up --sqlite @api/migrations.sql`.
-- The component also creates these tables itself on first use; every
-- statement is idempotent. Keep in step with forms/src/store/sql.rs
-- (`MIGRATIONS`); a test compares them.

CREATE TABLE IF NOT EXISTS submissions (id TEXT NOT NULL PRIMARY KEY, form TEXT NOT NULL, received_at TEXT NOT NULL, user TEXT, data TEXT NOT NULL);

CREATE INDEX IF NOT EXISTS submissions_form_id ON submissions (form, id);

CREATE TABLE IF NOT EXISTS rate_limits (addr TEXT NOT NULL, form TEXT NOT NULL, win INTEGER NOT NULL, hits INTEGER NOT NULL, PRIMARY KEY (addr, form));

CREATE INDEX IF NOT EXISTS rate_limits_win ON rate_limits (win);

CREATE TABLE IF NOT EXISTS users (username TEXT NOT NULL PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS quotas (key TEXT NOT NULL PRIMARY KEY, day INTEGER NOT NULL, uses INTEGER NOT NULL);

CREATE INDEX IF NOT EXISTS quotas_day ON quotas (day);

CREATE TABLE IF NOT EXISTS outbox (id TEXT NOT NULL PRIMARY KEY, due INTEGER, entry TEXT NOT NULL);

CREATE INDEX IF NOT EXISTS outbox_due ON outbox (due);

CREATE TABLE IF NOT EXISTS read_marks (id TEXT NOT NULL PRIMARY KEY, read INTEGER NOT NULL);

CREATE TRIGGER IF NOT EXISTS submissions_forget_read AFTER DELETE ON submissions BEGIN DELETE FROM read_marks WHERE id = old.id; END;
