-- The JSON API (api/): personal access tokens and remembered idempotent creates. Kept in
-- lockstep with the sqlite backend's 0027_api.sql.

-- A user's personal access token for /api/v1, valid on their own school only. The token
-- itself is shown once and never stored: only its keyed hash (crypto::token_hash).
CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    -- The token's first characters, so its owner can tell tokens apart.
    prefix TEXT NOT NULL,
    -- Space-separated scopes, e.g. "courses:read enrolments:write".
    scopes TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    -- Written at most once a minute per token.
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens (school_id, user_id);

-- A create sent with an Idempotency-Key: claimed (status NULL) in the transaction that
-- creates, then filled with the response, which a replay of the same key gets again.
CREATE TABLE api_idempotency (
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    idem_key TEXT NOT NULL,
    -- Method, path and a hash of the body: the same key with another request is refused.
    fingerprint TEXT NOT NULL,
    status BIGINT,
    body TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (school_id, user_id, idem_key)
);
