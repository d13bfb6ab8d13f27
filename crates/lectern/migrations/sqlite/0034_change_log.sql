-- The session cache (accounts/session_cache.rs) is trusted only while it is told of every
-- change to a user or a live session, by any writer. PostgreSQL's 0007 notifies; SQLite
-- has no notifications, so these triggers append the same payloads ('main:<user id>') to
-- change_log in the writer's own transaction, whichever process it is (the server, its
-- jobs, `lectern admin`, the sqlite3 shell), and the server reads what is new every 50 ms
-- (session_cache::poll_changes). AUTOINCREMENT: one writer at a time, so sequence numbers
-- are handed out in commit order and never reused, and "everything after the last one
-- read" misses nothing. Rows older than ten minutes are pruned by the reader.
CREATE TABLE change_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX change_log_created_at ON change_log (created_at);

CREATE TRIGGER users_auth_changed_update AFTER UPDATE ON users
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_auth', 'main:' || OLD.id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER users_auth_changed_delete AFTER DELETE ON users
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_auth', 'main:' || OLD.id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
-- A session that expired over an hour ago is never served from a cache, so pruning old
-- sessions writes nothing here. (A DELETE without WHERE still fires these: SQLite skips
-- its truncate optimisation on a table with triggers.)
CREATE TRIGGER sessions_auth_changed_update AFTER UPDATE ON sessions
WHEN OLD.expires_at > CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 3600000
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_auth', 'main:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER sessions_auth_changed_delete AFTER DELETE ON sessions
WHEN OLD.expires_at > CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 3600000
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_auth', 'main:' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
