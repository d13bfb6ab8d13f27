-- Sign-in throttles that count failures (postgres). Kept in lockstep with the sqlite backend's
-- 0010_throttles.sql. One row per key (an account from one client, or one client): the
-- failures still remembered and when the last one happened. A key with enough failures
-- waits a growing time before its next attempt; a success clears the account's row.
-- The maintenance job deletes rows a day after their last failure.
CREATE TABLE throttles (
    bucket TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_at BIGINT NOT NULL
);
