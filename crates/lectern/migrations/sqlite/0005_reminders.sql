-- Reminders, updates, cancellations and calendar feeds of live lessons (sqlite). Kept in
-- lockstep with the other backend's 0005_reminders.sql.

-- The unused per-session marker of 0004 is replaced by a per-student one below.
DROP TABLE live_reminders_sent;

-- An optional iCalendar attachment of a queued e-mail (text/calendar; method=...).
ALTER TABLE emails ADD COLUMN ics TEXT;
ALTER TABLE emails ADD COLUMN ics_method TEXT;

-- The SEQUENCE of the lesson's VEVENT: grows on every reschedule and on cancellation.
ALTER TABLE lessons ADD COLUMN ics_sequence INTEGER NOT NULL DEFAULT 0;

-- One row per notification e-mail queued for a student: written in the same transaction
-- as the e-mail row, so a job that runs again (after a crash) queues nothing twice and a
-- job that never committed queues it on its next run. kind: 24h, 1h, update, cancel;
-- sequence is 0 for reminders and the lesson's ics_sequence for updates/cancellations.
CREATE TABLE live_notifications_sent (
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    lesson_id INTEGER NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    starts_at INTEGER NOT NULL,
    sequence INTEGER NOT NULL,
    email_id INTEGER,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (lesson_id, user_id, kind, starts_at, sequence)
);

-- A user's secret calendar-feed token: looked up by its keyed hash; sealed for showing.
CREATE TABLE calendar_feeds (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    token_sealed TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
