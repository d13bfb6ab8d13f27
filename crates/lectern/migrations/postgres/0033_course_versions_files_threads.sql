-- The course's shared copy (courses/shared.rs) now also holds its lessons' files and the
-- ids of their board threads (a live lesson's Q&A), so the player reads neither: every
-- lesson file of a course (not only its cover) and every thread tied to a lesson moves
-- the course's version. Files change state at most twice after upload (ready, deleting).
-- What the board does leaves the copy alone: a post's attachments are files of the
-- course but of no lesson, and a thread's own updates (posts, pins) touch neither its
-- lesson nor its course.
DROP TRIGGER course_version_cover_inserted ON files;
DROP TRIGGER course_version_cover_updated ON files;
DROP TRIGGER course_version_cover_deleted ON files;

CREATE CONSTRAINT TRIGGER course_version_file_inserted AFTER INSERT ON files
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.course_id IS NOT NULL AND (NEW.lesson_id IS NOT NULL OR NEW.purpose = 'cover'))
    EXECUTE FUNCTION lectern_course_changed();
CREATE CONSTRAINT TRIGGER course_version_file_updated AFTER UPDATE ON files
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN ((OLD.course_id IS NOT NULL AND (OLD.lesson_id IS NOT NULL OR OLD.purpose = 'cover'))
        OR (NEW.course_id IS NOT NULL AND (NEW.lesson_id IS NOT NULL OR NEW.purpose = 'cover')))
    EXECUTE FUNCTION lectern_course_changed();
CREATE CONSTRAINT TRIGGER course_version_file_deleted AFTER DELETE ON files
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.course_id IS NOT NULL AND (OLD.lesson_id IS NOT NULL OR OLD.purpose = 'cover'))
    EXECUTE FUNCTION lectern_course_changed();

-- lectern_course_changed() bumps OLD.course_id on UPDATE and DELETE: a thread moved off
-- its lesson bumps the course it was in.
CREATE CONSTRAINT TRIGGER course_version_thread_inserted AFTER INSERT ON discussion_threads
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.lesson_id IS NOT NULL)
    EXECUTE FUNCTION lectern_course_changed();
CREATE CONSTRAINT TRIGGER course_version_thread_updated AFTER UPDATE OF lesson_id, course_id
    ON discussion_threads DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (NEW.lesson_id IS DISTINCT FROM OLD.lesson_id OR NEW.course_id IS DISTINCT FROM OLD.course_id)
    EXECUTE FUNCTION lectern_course_changed();
CREATE CONSTRAINT TRIGGER course_version_thread_deleted AFTER DELETE ON discussion_threads
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.lesson_id IS NOT NULL)
    EXECUTE FUNCTION lectern_course_changed();
CREATE TRIGGER course_version_threads_truncated AFTER TRUNCATE ON discussion_threads
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_courses_all_changed();
