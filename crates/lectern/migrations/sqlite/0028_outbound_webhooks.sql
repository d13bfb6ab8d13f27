-- Outgoing webhooks (outbound/): the endpoints a school's admin registers and one
-- delivery per event and endpoint. Kept in lockstep with the postgres backend's
-- 0028_outbound_webhooks.sql.

-- An endpoint: where a school's events are POSTed, signed with its own secret (sealed
-- with the server key, row id bound; shown to the admin once, when made or rotated).
CREATE TABLE outbound_endpoints (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    -- Space-separated event types, e.g. "enrolment.created order.paid".
    events TEXT NOT NULL,
    -- 1: the admin explicitly allowed loopback and private addresses (and plain http).
    allow_private INTEGER NOT NULL DEFAULT 0,
    secret_sealed TEXT NOT NULL,
    key_id TEXT NOT NULL,
    -- Set while disabled: by an admin ('admin') or after repeated failure ('failures').
    disabled_at INTEGER,
    disabled_reason TEXT,
    -- Deliveries given up in a row; reset by any success.
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX outbound_endpoints_school ON outbound_endpoints (school_id);

-- One event for one endpoint, written in the event's transaction (outbox). The body is
-- what is POSTed, byte for byte, every attempt and every resend.
CREATE TABLE outbound_deliveries (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    endpoint_id INTEGER NOT NULL REFERENCES outbound_endpoints(id) ON DELETE CASCADE,
    -- What happened, once: e.g. "enrolment.created:3:7:1700000000000".
    event_key TEXT NOT NULL,
    -- The event's id in the body and the Lectern-Webhook-Id header (same for all endpoints).
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    body TEXT NOT NULL,
    -- 'pending', 'delivered' or 'failed' (every attempt of the round used).
    state TEXT NOT NULL,
    -- A resend starts a new round; jobs of an older round find it moved on.
    round INTEGER NOT NULL DEFAULT 1,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status INTEGER,
    -- The first 1 KiB of the receiver's answer.
    last_response TEXT,
    last_error TEXT,
    last_duration_ms INTEGER,
    last_attempt_at INTEGER,
    next_attempt_at INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (endpoint_id, event_key)
);
CREATE INDEX outbound_deliveries_endpoint ON outbound_deliveries (endpoint_id, id);
