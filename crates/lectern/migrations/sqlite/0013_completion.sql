-- Completion rules (sqlite). Kept in lockstep with the postgres backend's 0013_completion.sql.

-- A lesson's rule: NULL = its kind's default (see courses/completion.rs). `completion_value`
-- is the rule's number (percent watched, minutes or percent attended); `recording_counts`
-- lets a live lesson complete by watching its recording through Lectern; `max_attempts`
-- bounds a quiz's attempts (NULL = unlimited).
ALTER TABLE lessons ADD COLUMN completion_rule TEXT;
ALTER TABLE lessons ADD COLUMN completion_value INTEGER;
ALTER TABLE lessons ADD COLUMN recording_counts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE lessons ADD COLUMN max_attempts INTEGER;

-- What a student did that a rule may count, one row per lesson and student: first opened,
-- marked done, live minutes attended (merged segments inside the session's window, in
-- ms), recording opened through Lectern; and an instructor's decision (`manual` 1/0,
-- NULL = the rule decides). The video's share and quiz results stay in their own tables.
CREATE TABLE lesson_evidence (
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    lesson_id INTEGER NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    opened_at INTEGER,
    marked_at INTEGER,
    attended_ms INTEGER,
    recording_at INTEGER,
    manual INTEGER,
    manual_reason TEXT,
    manual_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (lesson_id, user_id)
);

-- Every change of a student's completion, automatic or manual: lesson (or NULL for the
-- course itself), completed or not, the cause (`rule`, `manual`, `course`), who (manual),
-- and the evidence or reason as JSON.
CREATE TABLE completion_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    lesson_id INTEGER REFERENCES lessons(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    completed INTEGER NOT NULL,
    cause TEXT NOT NULL,
    actor_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    detail TEXT NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX completion_audit_user ON completion_audit (course_id, user_id, at);

-- Completions the "Mark complete" button made so far stay countable under the rules.
INSERT INTO lesson_evidence (school_id, lesson_id, user_id, marked_at, updated_at)
SELECT p.school_id, p.lesson_id, p.user_id, p.completed_at, p.completed_at
FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id
WHERE l.kind IN ('video', 'document', 'external_link');
