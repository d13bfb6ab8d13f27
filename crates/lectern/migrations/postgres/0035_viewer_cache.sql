-- Every instance keeps a cache of what a view of a course asks on every request (db/viewers.rs):
-- the course row with its shared copy's version, and each viewer's enrolment, teaching role,
-- completed and opened lessons. It is trusted only while told of every change to those, by
-- any instance, job or shell: '<schema>:c<course id>' when a course row or its version
-- changes (the version moves with its lessons, instructors, cover and booking offer, 0032),
-- '<schema>:u<user id>' when one person's enrolment, completion, opened lesson or teaching
-- role changes, '<schema>:*' on a TRUNCATE (forget everything). Sent at commit, like 0007's.
CREATE FUNCTION lectern_viewer_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('lectern_viewer', TG_TABLE_SCHEMA || ':*');
    ELSIF TG_TABLE_NAME = 'courses' THEN
        PERFORM pg_notify('lectern_viewer', TG_TABLE_SCHEMA || ':c' || OLD.id::text);
    ELSIF TG_TABLE_NAME = 'course_versions' THEN
        PERFORM pg_notify('lectern_viewer', TG_TABLE_SCHEMA || ':c' || NEW.course_id::text);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('lectern_viewer', TG_TABLE_SCHEMA || ':u' || OLD.user_id::text);
    ELSE
        PERFORM pg_notify('lectern_viewer', TG_TABLE_SCHEMA || ':u' || NEW.user_id::text);
        IF TG_OP = 'UPDATE' AND NEW.user_id IS DISTINCT FROM OLD.user_id THEN
            PERFORM pg_notify('lectern_viewer', TG_TABLE_SCHEMA || ':u' || OLD.user_id::text);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER courses_viewer_changed AFTER UPDATE OR DELETE ON courses
    FOR EACH ROW EXECUTE FUNCTION lectern_viewer_changed();
CREATE TRIGGER course_versions_viewer_changed AFTER INSERT OR UPDATE ON course_versions
    FOR EACH ROW EXECUTE FUNCTION lectern_viewer_changed();
CREATE TRIGGER enrollments_viewer_changed AFTER INSERT OR UPDATE OR DELETE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION lectern_viewer_changed();
CREATE TRIGGER lesson_progress_viewer_changed AFTER INSERT OR UPDATE OR DELETE ON lesson_progress
    FOR EACH ROW EXECUTE FUNCTION lectern_viewer_changed();
CREATE TRIGGER course_instructors_viewer_changed
    AFTER INSERT OR UPDATE OR DELETE ON course_instructors
    FOR EACH ROW EXECUTE FUNCTION lectern_viewer_changed();
-- Of a lesson's evidence only whether it was opened is read by a view; the attendance and
-- the marks written while a class runs send nothing.
CREATE TRIGGER lesson_evidence_viewer_opened AFTER INSERT ON lesson_evidence
    FOR EACH ROW WHEN (NEW.opened_at IS NOT NULL) EXECUTE FUNCTION lectern_viewer_changed();
CREATE TRIGGER lesson_evidence_viewer_reopened AFTER UPDATE ON lesson_evidence
    FOR EACH ROW
    WHEN (NEW.opened_at IS DISTINCT FROM OLD.opened_at OR NEW.user_id IS DISTINCT FROM OLD.user_id)
    EXECUTE FUNCTION lectern_viewer_changed();
CREATE TRIGGER lesson_evidence_viewer_unopened AFTER DELETE ON lesson_evidence
    FOR EACH ROW WHEN (OLD.opened_at IS NOT NULL) EXECUTE FUNCTION lectern_viewer_changed();

CREATE TRIGGER courses_viewer_truncated AFTER TRUNCATE ON courses
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_viewer_changed();
CREATE TRIGGER course_versions_viewer_truncated AFTER TRUNCATE ON course_versions
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_viewer_changed();
CREATE TRIGGER enrollments_viewer_truncated AFTER TRUNCATE ON enrollments
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_viewer_changed();
CREATE TRIGGER lesson_progress_viewer_truncated AFTER TRUNCATE ON lesson_progress
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_viewer_changed();
CREATE TRIGGER course_instructors_viewer_truncated AFTER TRUNCATE ON course_instructors
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_viewer_changed();
CREATE TRIGGER lesson_evidence_viewer_truncated AFTER TRUNCATE ON lesson_evidence
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_viewer_changed();
