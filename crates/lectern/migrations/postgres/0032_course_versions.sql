-- What every viewer of a course reads alike (its lessons, instructors, cover, whether a
-- coach offers 1-on-1 sessions) is cached per instance (courses/shared.rs) under the
-- course's version: a request reads the version with the course row and trusts its cached
-- copy only while the two are equal. Every change to what the copy holds bumps the
-- version here, whoever makes it (any instance, a job, a shell).
--
-- The triggers are deferred to the commit: a transaction that changes several lessons
-- takes the version's row lock last, when it holds every other lock it will need, so two
-- transactions editing one course's lessons cannot deadlock on it. No foreign key: a
-- cascade deleting a course's lessons bumps the version of a course that is gone.
CREATE TABLE course_versions (
    course_id BIGINT PRIMARY KEY,
    version BIGINT NOT NULL
);

CREATE FUNCTION lectern_course_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        INSERT INTO course_versions (course_id, version)
            SELECT course_id, 1 FROM (
                SELECT course_id FROM course_instructors WHERE user_id = NEW.id
                UNION SELECT course_id FROM booking_programs WHERE coach_id = NEW.id
            ) mine ORDER BY course_id
        ON CONFLICT (course_id) DO UPDATE SET version = course_versions.version + 1;
        RETURN NULL;
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.course_id IS NOT NULL THEN
        INSERT INTO course_versions (course_id, version) VALUES (OLD.course_id, 1)
        ON CONFLICT (course_id) DO UPDATE SET version = course_versions.version + 1;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.course_id IS DISTINCT FROM OLD.course_id) THEN
        IF NEW.course_id IS NOT NULL THEN
            INSERT INTO course_versions (course_id, version) VALUES (NEW.course_id, 1)
            ON CONFLICT (course_id) DO UPDATE SET version = course_versions.version + 1;
        END IF;
    END IF;
    RETURN NULL;
END
$$ SET search_path FROM CURRENT;

-- A TRUNCATE fires no row triggers: every course's version moves. Courses without a row
-- (and all of them after a TRUNCATE of course_versions itself) start from the clock in
-- milliseconds, above any count a copy can have been kept under.
CREATE FUNCTION lectern_courses_all_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO course_versions (course_id, version)
        SELECT id, (extract(epoch FROM clock_timestamp()) * 1000)::bigint FROM courses ORDER BY id
    ON CONFLICT (course_id) DO UPDATE SET version = course_versions.version + 1;
    RETURN NULL;
END
$$ SET search_path FROM CURRENT;

CREATE CONSTRAINT TRIGGER course_version_lessons AFTER INSERT OR UPDATE OR DELETE ON lessons
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lectern_course_changed();
CREATE CONSTRAINT TRIGGER course_version_instructors
    AFTER INSERT OR UPDATE OR DELETE ON course_instructors
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lectern_course_changed();
-- An instructor's name and address are on the course page; whether a coach may offer
-- 1-on-1 sessions follows their role (an admin coaches any course of the school).
CREATE CONSTRAINT TRIGGER course_version_person_changed AFTER UPDATE ON users
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.display_name IS DISTINCT FROM OLD.display_name OR NEW.email IS DISTINCT FROM OLD.email
          OR NEW.role IS DISTINCT FROM OLD.role OR NEW.school_id IS DISTINCT FROM OLD.school_id)
    EXECUTE FUNCTION lectern_course_changed();
CREATE CONSTRAINT TRIGGER course_version_cover_inserted AFTER INSERT ON files
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.purpose = 'cover')
    EXECUTE FUNCTION lectern_course_changed();
CREATE CONSTRAINT TRIGGER course_version_cover_updated AFTER UPDATE ON files
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.purpose = 'cover' OR NEW.purpose = 'cover')
    EXECUTE FUNCTION lectern_course_changed();
CREATE CONSTRAINT TRIGGER course_version_cover_deleted AFTER DELETE ON files
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.purpose = 'cover')
    EXECUTE FUNCTION lectern_course_changed();
CREATE CONSTRAINT TRIGGER course_version_bookings
    AFTER INSERT OR DELETE OR UPDATE ON booking_programs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lectern_course_changed();
CREATE TRIGGER course_version_lessons_truncated AFTER TRUNCATE ON lessons
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_courses_all_changed();
CREATE TRIGGER course_version_instructors_truncated AFTER TRUNCATE ON course_instructors
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_courses_all_changed();
CREATE TRIGGER course_version_files_truncated AFTER TRUNCATE ON files
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_courses_all_changed();
CREATE TRIGGER course_version_bookings_truncated AFTER TRUNCATE ON booking_programs
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_courses_all_changed();
CREATE TRIGGER course_version_versions_truncated AFTER TRUNCATE ON course_versions
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_courses_all_changed();
