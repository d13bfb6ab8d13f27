-- Zoom connections (SQLite). Kept in lockstep with migrations/postgres/0002_zoom_connection.sql.

-- One row per connection: the school's (scope_key 'school') or an instructor's own
-- ('user:<id>'). Account details are cleared on disconnect; the row stays for history.
CREATE TABLE zoom_connections (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    scope_key TEXT NOT NULL,
    owner_user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
    state TEXT NOT NULL CHECK (state IN ('connected', 'needs_reconnect', 'disconnected', 'deauthorized')),
    zoom_account_id TEXT,
    zoom_user_id TEXT,
    zoom_email TEXT,
    zoom_display_name TEXT,
    scopes TEXT NOT NULL DEFAULT '',
    api_url TEXT,
    connected_at INTEGER,
    connected_by INTEGER,
    disconnected_at INTEGER,
    deauthorized_at INTEGER,
    last_refresh_at INTEGER,
    last_error TEXT,
    last_error_at INTEGER,
    reconnect_notified_at INTEGER,
    updated_at INTEGER NOT NULL,
    UNIQUE (school_id, scope_key)
);
CREATE INDEX zoom_connections_user ON zoom_connections (zoom_user_id);

-- Sealed tokens, deleted (not flagged) on disconnect. `version` increases with every
-- rotation; refreshers compare-and-swap on it. The refresh lease makes one instance refresh.
CREATE TABLE zoom_tokens (
    connection_id INTEGER PRIMARY KEY REFERENCES zoom_connections(id) ON DELETE CASCADE,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    key_id TEXT NOT NULL,
    access_sealed TEXT NOT NULL,
    refresh_sealed TEXT NOT NULL,
    access_expires_at INTEGER NOT NULL,
    version INTEGER NOT NULL,
    refresh_lease_until INTEGER,
    refresh_lease_by TEXT,
    updated_at INTEGER NOT NULL
);

-- OAuth `state` values: bound to the browser session that started the flow, single use,
-- ten minutes. Only hashes are stored; the PKCE verifier is sealed.
CREATE TABLE zoom_oauth_states (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    session_hash TEXT NOT NULL,
    state_hash TEXT NOT NULL UNIQUE,
    scope_key TEXT NOT NULL,
    verifier_sealed TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);

-- Meeting/webinar create+update requests per Zoom host per UTC day (Zoom allows 100).
CREATE TABLE zoom_rate_counters (
    counter_key TEXT PRIMARY KEY,
    hits INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- Webhook events, persisted before they are acknowledged; processed by jobs.
CREATE TABLE zoom_events (
    id INTEGER PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    zoom_account_id TEXT,
    payload TEXT NOT NULL,
    event_ts INTEGER,
    received_at INTEGER NOT NULL,
    processed_at INTEGER
);
