-- Outgoing webhooks (outbound/): the endpoints a school's admin registers and one
-- delivery per event and endpoint. Kept in lockstep with the sqlite backend's
-- 0028_outbound_webhooks.sql.

-- An endpoint: where a school's events are POSTed, signed with its own secret (sealed
-- with the server key, row id bound; shown to the admin once, when made or rotated).
CREATE TABLE outbound_endpoints (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    -- Space-separated event types, e.g. "enrolment.created order.paid".
    events TEXT NOT NULL,
    -- 1: the admin explicitly allowed loopback and private addresses (and plain http).
    allow_private BIGINT NOT NULL DEFAULT 0,
    secret_sealed TEXT NOT NULL,
    key_id TEXT NOT NULL,
    -- Set while disabled: by an admin ('admin') or after repeated failure ('failures').
    disabled_at BIGINT,
    disabled_reason TEXT,
    -- Deliveries given up in a row; reset by any success.
    consecutive_failures BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX outbound_endpoints_school ON outbound_endpoints (school_id);

-- One event for one endpoint, written in the event's transaction (outbox). The body is
-- what is POSTed, byte for byte, every attempt and every resend.
CREATE TABLE outbound_deliveries (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    endpoint_id BIGINT NOT NULL REFERENCES outbound_endpoints(id) ON DELETE CASCADE,
    -- What happened, once: e.g. "enrolment.created:3:7:1700000000000".
    event_key TEXT NOT NULL,
    -- The event's id in the body and the Lectern-Webhook-Id header (same for all endpoints).
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    body TEXT NOT NULL,
    -- 'pending', 'delivered' or 'failed' (every attempt of the round used).
    state TEXT NOT NULL,
    -- A resend starts a new round; jobs of an older round find it moved on.
    round BIGINT NOT NULL DEFAULT 1,
    attempts BIGINT NOT NULL DEFAULT 0,
    last_status BIGINT,
    -- The first 1 KiB of the receiver's answer.
    last_response TEXT,
    last_error TEXT,
    last_duration_ms BIGINT,
    last_attempt_at BIGINT,
    next_attempt_at BIGINT,
    created_at BIGINT NOT NULL,
    UNIQUE (endpoint_id, event_key)
);
CREATE INDEX outbound_deliveries_endpoint ON outbound_deliveries (endpoint_id, id);
