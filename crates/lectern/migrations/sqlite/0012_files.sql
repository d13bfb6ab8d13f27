-- Uploaded files (sqlite). Kept in lockstep with the postgres backend's 0012_files.sql.
-- The bytes live in object storage under `storage_key`; a row says whose they are. A row
-- is `uploading` before the first byte is stored, `ready` once the object is whole and
-- `deleting` until the delete job has removed the objects. No foreign keys to lessons or
-- courses: a file's row outlives its lesson until its objects are gone.
-- AUTOINCREMENT: ids are never reused, so a delete job keyed by an id names one file.
CREATE TABLE files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    course_id INTEGER,
    lesson_id INTEGER,
    purpose TEXT NOT NULL,
    name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    widths TEXT NOT NULL,
    storage_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    created_by INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX files_lesson ON files (school_id, lesson_id);
CREATE INDEX files_course ON files (school_id, course_id);
CREATE INDEX files_state ON files (state, updated_at);

-- A school's storage quota in bytes (no row: no limit); set by the operator.
CREATE TABLE storage_quotas (
    school_id INTEGER PRIMARY KEY REFERENCES schools(id) ON DELETE CASCADE,
    max_bytes INTEGER NOT NULL
);

-- How much of a lesson's video a student watched: merged second ranges as JSON, their
-- total and the video's duration, from the player's throttled reports.
CREATE TABLE video_watch (
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    lesson_id INTEGER NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    duration_ms INTEGER NOT NULL,
    watched_ms INTEGER NOT NULL,
    ranges TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (lesson_id, user_id)
);

-- The school's favicon (a path of its own uploaded file); the logo keeps `logo_url`,
-- which now also holds such a path.
ALTER TABLE schools ADD COLUMN favicon_url TEXT;
