-- Per-person attendance aggregates of a live session (live/attendance.rs), kept by every
-- join, leave and assignment in its transaction, so that the room dashboard reads one row
-- per person instead of pairing every event: the closed segments, merged ("a-b;c-d", ms),
-- their total, whether the first event was a leave (the first segment then starts at the
-- session's start), the open segment's start (in the room now), first join, last leave.
-- A person is the matched user (`u:<id>`) or the participant key.
CREATE TABLE live_attendance_people (
    session_id BIGINT NOT NULL REFERENCES live_sessions(id) ON DELETE CASCADE,
    person_key TEXT NOT NULL,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    is_host BIGINT NOT NULL,
    lead_orphan BIGINT NOT NULL,
    closed TEXT NOT NULL,
    closed_ms BIGINT NOT NULL,
    open_from BIGINT,
    first_join BIGINT,
    last_leave BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, person_key)
);
CREATE INDEX live_attendance_people_school ON live_attendance_people (school_id);

-- Sessions whose events came before the aggregates get them built on first read.
ALTER TABLE live_sessions ADD COLUMN people_built BIGINT NOT NULL DEFAULT 1;
UPDATE live_sessions SET people_built = 0
 WHERE id IN (SELECT DISTINCT session_id FROM live_attendance_events);

-- Anonymous usage statistics (ops/usage.rs): the instance's one row. Off until the
-- operator opts in; the day last reported makes the hourly job send once per day.
CREATE TABLE usage_stats (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    opted_in BIGINT NOT NULL DEFAULT 0,
    changed_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    changed_at BIGINT,
    last_period TEXT,
    last_sent_at BIGINT
);
INSERT INTO usage_stats (id, opted_in) VALUES (1, 0);
