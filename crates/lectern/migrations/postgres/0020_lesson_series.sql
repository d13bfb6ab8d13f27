-- Recurring series of live sessions or webinars (postgres). Kept in lockstep with the
-- sqlite backend's 0020_lesson_series.sql.

-- A series: the rule it was created with (weekly on `weekdays`, 1 = Monday … 7 = Sunday,
-- every `interval_n` weeks, or daily every `interval_n` days; from `first_date` at the
-- wall time `local_time` in `timezone`; `count_n` occurrences or until `until_date`,
-- inclusive). Each occurrence is a lesson of its own (`lesson_series_members`).
CREATE TABLE lesson_series (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    course_id BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('live_session', 'webinar')),
    freq TEXT NOT NULL CHECK (freq IN ('weekly', 'daily')),
    interval_n BIGINT NOT NULL,
    weekdays TEXT NOT NULL,
    first_date TEXT NOT NULL,
    local_time TEXT NOT NULL,
    timezone TEXT NOT NULL,
    count_n BIGINT,
    until_date TEXT,
    duration_min BIGINT NOT NULL,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    -- Bumped by every edit and cancellation: their transactions' first write.
    updated_at BIGINT NOT NULL
);
CREATE INDEX lesson_series_course ON lesson_series (school_id, course_id);

-- Which lessons a series made, and their place in it (1-based). A deleted lesson leaves
-- its series; the others keep their numbers.
CREATE TABLE lesson_series_members (
    lesson_id BIGINT PRIMARY KEY REFERENCES lessons(id) ON DELETE CASCADE,
    series_id BIGINT NOT NULL REFERENCES lesson_series(id) ON DELETE CASCADE,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    idx BIGINT NOT NULL,
    UNIQUE (series_id, idx)
);
