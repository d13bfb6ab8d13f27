-- Per-session Zoom options, a course's default for them, course groups (breakout rooms
-- pre-assigned from them) and the external-link switch of a live lesson (sqlite). Kept in
-- lockstep with the postgres backend's 0019_live_options.sql.

-- Groups of a course's students, defined by its instructors.
CREATE TABLE course_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX course_groups_course ON course_groups (course_id, id);

-- A group's students (one group per student and course is not enforced: Zoom puts a
-- participant in the first room that names them).
CREATE TABLE course_group_members (
    group_id INTEGER NOT NULL REFERENCES course_groups(id) ON DELETE CASCADE,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);

-- A course's default Zoom options (JSON, courses::live_options::ZoomOptions): the form of
-- a new live session or webinar starts from them.
CREATE TABLE course_live_options (
    course_id INTEGER PRIMARY KEY REFERENCES courses(id) ON DELETE CASCADE,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    options TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- One live lesson's Zoom options (JSON, as above), sent in the meeting's settings at
-- Start, and its external link: when set, the session is held on that https URL (any
-- video tool) instead of Zoom, keeping its time, reminders and invitations.
CREATE TABLE lesson_live_options (
    lesson_id INTEGER PRIMARY KEY REFERENCES lessons(id) ON DELETE CASCADE,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    options TEXT NOT NULL,
    external_url TEXT,
    updated_at INTEGER NOT NULL
);
