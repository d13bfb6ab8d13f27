-- Private 1-on-1 bookings (issue 17, L15). Kept in lockstep with the sqlite backend's
-- 0021_bookings.sql.

-- A lesson visible to one student only (and to the course's managers): a booked 1-on-1.
-- NULL: every enrolled student sees it, as before.
ALTER TABLE lessons ADD COLUMN private_user_id BIGINT REFERENCES users(id) ON DELETE CASCADE;

-- A coach's bookable hours in one course: the rules slots are computed from (slots are
-- never stored one by one). Times are local wall times in `timezone` (the coach's zone).
CREATE TABLE booking_programs (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    course_id BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    coach_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    timezone TEXT NOT NULL,
    slot_min BIGINT NOT NULL,
    buffer_min BIGINT NOT NULL DEFAULT 0,
    horizon_days BIGINT NOT NULL,
    notice_min BIGINT NOT NULL,
    cutoff_min BIGINT NOT NULL,
    one_per_student BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (course_id, coach_id)
);

-- Weekly availability: weekday 1 (Monday) … 7 (Sunday), minutes after local midnight.
CREATE TABLE booking_windows (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    program_id BIGINT NOT NULL REFERENCES booking_programs(id) ON DELETE CASCADE,
    weekday BIGINT NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    start_min BIGINT NOT NULL,
    end_min BIGINT NOT NULL
);
CREATE INDEX booking_windows_program ON booking_windows (program_id);

-- A date's exception: 'off' (no slots that day) or 'extra' hours on that date.
CREATE TABLE booking_exceptions (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    program_id BIGINT NOT NULL REFERENCES booking_programs(id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('off', 'extra')),
    start_min BIGINT,
    end_min BIGINT
);
CREATE INDEX booking_exceptions_program ON booking_exceptions (program_id, day);

-- A booked slot and the private live lesson it became. One booked row per (coach, start)
-- across every program and instance: the unique index decides a race.
CREATE TABLE bookings (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    program_id BIGINT NOT NULL REFERENCES booking_programs(id) ON DELETE CASCADE,
    course_id BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    coach_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    student_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    lesson_id BIGINT REFERENCES lessons(id) ON DELETE SET NULL,
    state TEXT NOT NULL DEFAULT 'booked' CHECK (state IN ('booked', 'cancelled')),
    created_at BIGINT NOT NULL,
    cancelled_at BIGINT,
    cancelled_by BIGINT REFERENCES users(id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX bookings_slot ON bookings (coach_id, starts_at) WHERE state = 'booked';
CREATE INDEX bookings_program ON bookings (program_id, starts_at);
CREATE INDEX bookings_student ON bookings (student_id, starts_at);
