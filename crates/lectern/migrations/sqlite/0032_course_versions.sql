-- What every viewer of a course reads alike (its lessons, instructors, cover, whether a
-- coach offers 1-on-1 sessions) is cached per instance (courses/shared.rs) under the
-- course's version: a request reads the version with the course row and trusts its cached
-- copy only while the two are equal. Every change to what the copy holds bumps the
-- version here, whoever makes it (the app, a job, a shell).
CREATE TABLE course_versions (
    course_id INTEGER PRIMARY KEY,
    version INTEGER NOT NULL
);

CREATE TRIGGER course_version_lesson_insert AFTER INSERT ON lessons BEGIN
    INSERT INTO course_versions (course_id, version) VALUES (new.course_id, 1)
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER course_version_lesson_update AFTER UPDATE ON lessons BEGIN
    INSERT INTO course_versions (course_id, version) VALUES (old.course_id, 1)
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
    INSERT INTO course_versions (course_id, version) SELECT new.course_id, 1
        WHERE new.course_id <> old.course_id
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER course_version_lesson_delete AFTER DELETE ON lessons BEGIN
    INSERT INTO course_versions (course_id, version) VALUES (old.course_id, 1)
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER course_version_instructor_insert AFTER INSERT ON course_instructors BEGIN
    INSERT INTO course_versions (course_id, version) VALUES (new.course_id, 1)
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER course_version_instructor_delete AFTER DELETE ON course_instructors BEGIN
    INSERT INTO course_versions (course_id, version) VALUES (old.course_id, 1)
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER course_version_instructor_update AFTER UPDATE ON course_instructors BEGIN
    INSERT INTO course_versions (course_id, version) VALUES (old.course_id, 1)
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
    INSERT INTO course_versions (course_id, version) SELECT new.course_id, 1
        WHERE new.course_id <> old.course_id
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;
-- An instructor's name and address are on the course page; whether a coach may offer
-- 1-on-1 sessions follows their role (an admin coaches any course of the school).
CREATE TRIGGER course_version_person_changed AFTER UPDATE OF display_name, email, role, school_id ON users
WHEN new.display_name IS NOT old.display_name OR new.email IS NOT old.email
    OR new.role IS NOT old.role OR new.school_id IS NOT old.school_id BEGIN
    INSERT INTO course_versions (course_id, version)
        SELECT course_id, 1 FROM course_instructors WHERE user_id = new.id
        UNION SELECT course_id, 1 FROM booking_programs WHERE coach_id = new.id
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER course_version_cover_insert AFTER INSERT ON files
WHEN new.purpose = 'cover' AND new.course_id IS NOT NULL BEGIN
    INSERT INTO course_versions (course_id, version) VALUES (new.course_id, 1)
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER course_version_cover_update AFTER UPDATE ON files
WHEN old.purpose = 'cover' OR new.purpose = 'cover' BEGIN
    INSERT INTO course_versions (course_id, version)
        SELECT course_id, 1 FROM (SELECT old.course_id AS course_id UNION SELECT new.course_id)
        WHERE course_id IS NOT NULL
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER course_version_cover_delete AFTER DELETE ON files
WHEN old.purpose = 'cover' AND old.course_id IS NOT NULL BEGIN
    INSERT INTO course_versions (course_id, version) VALUES (old.course_id, 1)
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER course_version_booking_insert AFTER INSERT ON booking_programs BEGIN
    INSERT INTO course_versions (course_id, version) VALUES (new.course_id, 1)
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER course_version_booking_delete AFTER DELETE ON booking_programs BEGIN
    INSERT INTO course_versions (course_id, version) VALUES (old.course_id, 1)
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER course_version_booking_update AFTER UPDATE ON booking_programs BEGIN
    INSERT INTO course_versions (course_id, version)
        SELECT course_id, 1 FROM (SELECT old.course_id AS course_id UNION SELECT new.course_id)
        WHERE true
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;
-- SQLite has no TRUNCATE: a DELETE without WHERE on these tables fires their row triggers.
-- Rows of course_versions itself are the caches' and are never deleted.
