-- Completion rules (postgres). Kept in lockstep with the sqlite backend's 0013_completion.sql.

-- A lesson's rule: NULL = its kind's default (see courses/completion.rs). `completion_value`
-- is the rule's number (percent watched, minutes or percent attended); `recording_counts`
-- lets a live lesson complete by watching its recording through Lectern; `max_attempts`
-- bounds a quiz's attempts (NULL = unlimited).
ALTER TABLE lessons ADD COLUMN completion_rule TEXT;
ALTER TABLE lessons ADD COLUMN completion_value BIGINT;
ALTER TABLE lessons ADD COLUMN recording_counts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE lessons ADD COLUMN max_attempts BIGINT;

-- What a student did that a rule may count, one row per lesson and student: first opened,
-- marked done, live minutes attended (merged segments inside the session's window, in
-- ms), recording opened through Lectern; and an instructor's decision (`manual` 1/0,
-- NULL = the rule decides). The video's share and quiz results stay in their own tables.
CREATE TABLE lesson_evidence (
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    lesson_id BIGINT NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    opened_at BIGINT,
    marked_at BIGINT,
    attended_ms BIGINT,
    recording_at BIGINT,
    manual BIGINT,
    manual_reason TEXT,
    manual_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (lesson_id, user_id)
);

-- Every change of a student's completion, automatic or manual: lesson (or NULL for the
-- course itself), completed or not, the cause (`rule`, `manual`, `course`), who (manual),
-- and the evidence or reason as JSON.
CREATE TABLE completion_audit (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    course_id BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    lesson_id BIGINT REFERENCES lessons(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    completed BIGINT NOT NULL,
    cause TEXT NOT NULL,
    actor_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    detail TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX completion_audit_user ON completion_audit (course_id, user_id, at);

-- Completions the "Mark complete" button made so far stay countable under the rules.
INSERT INTO lesson_evidence (school_id, lesson_id, user_id, marked_at, updated_at)
SELECT p.school_id, p.lesson_id, p.user_id, p.completed_at, p.completed_at
FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id
WHERE l.kind IN ('video', 'document', 'external_link');
