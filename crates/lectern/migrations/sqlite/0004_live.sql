-- Live sessions and webinars (SQLite). Kept in lockstep with migrations/postgres/0004_live.sql.

-- One row per live-session or webinar lesson. Lifecycle scheduled -> starting -> live ->
-- ended (+ cancelled); every transition is a conditional UPDATE. `attempt` grows with
-- every scheduled -> starting transition and is part of the marker put into the Zoom
-- agenda, so reconciliation can find exactly the meeting of one attempt.
CREATE TABLE live_sessions (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    lesson_id INTEGER NOT NULL UNIQUE REFERENCES lessons(id) ON DELETE CASCADE,
    is_webinar INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL CHECK (state IN ('scheduled', 'starting', 'live', 'ended', 'cancelled')),
    attempt INTEGER NOT NULL DEFAULT 0,
    starting_since INTEGER,
    host_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    connection_id INTEGER REFERENCES zoom_connections(id) ON DELETE SET NULL,
    zoom_host_id TEXT,
    zoom_account_id TEXT,
    meeting_id INTEGER,
    meeting_uuid TEXT,
    join_url_sealed TEXT,
    passcode_sealed TEXT,
    key_id TEXT,
    host_present INTEGER NOT NULL DEFAULT 0,
    linked_at INTEGER,
    started_at INTEGER,
    ended_at INTEGER,
    zoom_deleted_at INTEGER,
    cleaned_up_at INTEGER,
    last_error TEXT,
    last_error_args TEXT,
    last_error_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX live_sessions_meeting ON live_sessions (meeting_id);
CREATE INDEX live_sessions_course ON live_sessions (course_id);

-- Participant join/leave instants, one row per event; segments are computed by pairing
-- joins and leaves in event-time order, so duplicates and out-of-order delivery are
-- harmless. `user_id` is resolved from the SDK customerKey, else the e-mail, else NULL
-- ("unmatched", assignable by the instructor). Names and e-mails can be wiped
-- ("Delete all Zoom data") while instants stay for anonymous counts and durations.
CREATE TABLE live_attendance_events (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    session_id INTEGER NOT NULL REFERENCES live_sessions(id) ON DELETE CASCADE,
    participant_key TEXT NOT NULL,
    user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    name TEXT,
    email TEXT,
    is_host INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL CHECK (kind IN ('join', 'leave')),
    at INTEGER NOT NULL,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (session_id, participant_key, kind, at)
);
CREATE INDEX live_attendance_session ON live_attendance_events (session_id, participant_key);

-- Recording files of a session (recording.completed), shown to enrolled students only.
CREATE TABLE live_recordings (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    session_id INTEGER NOT NULL REFERENCES live_sessions(id) ON DELETE CASCADE,
    file_id TEXT NOT NULL,
    file_type TEXT NOT NULL,
    play_url TEXT,
    download_url TEXT,
    recording_start INTEGER,
    recording_end INTEGER,
    file_size INTEGER,
    created_at INTEGER NOT NULL,
    UNIQUE (session_id, file_id)
);

-- Reminders sent (24 h / 1 h before), one row per session, kind and start instant: the
-- e-mails are queued in the same transaction as this row, so none is missed and none is
-- queued twice.
CREATE TABLE live_reminders_sent (
    session_id INTEGER NOT NULL REFERENCES live_sessions(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (session_id, kind, starts_at)
);
