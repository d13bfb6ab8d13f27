-- The course's shared copy (courses/shared.rs) now also holds its lessons' files and the
-- ids of their board threads (a live lesson's Q&A), so the player reads neither: every
-- lesson file of a course (not only its cover) and every thread tied to a lesson moves
-- the course's version. Files change state at most twice after upload (ready, deleting).
-- What the board does leaves the copy alone: a post's attachments are files of the
-- course but of no lesson, and a thread's own updates (posts, pins) touch neither its
-- lesson nor its course.
DROP TRIGGER course_version_cover_insert;
DROP TRIGGER course_version_cover_update;
DROP TRIGGER course_version_cover_delete;

CREATE TRIGGER course_version_file_insert AFTER INSERT ON files
WHEN new.course_id IS NOT NULL AND (new.lesson_id IS NOT NULL OR new.purpose = 'cover') BEGIN
    INSERT INTO course_versions (course_id, version) VALUES (new.course_id, 1)
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER course_version_file_update AFTER UPDATE ON files
WHEN (old.course_id IS NOT NULL AND (old.lesson_id IS NOT NULL OR old.purpose = 'cover'))
    OR (new.course_id IS NOT NULL AND (new.lesson_id IS NOT NULL OR new.purpose = 'cover')) BEGIN
    INSERT INTO course_versions (course_id, version)
        SELECT course_id, 1 FROM (SELECT old.course_id AS course_id UNION SELECT new.course_id)
        WHERE course_id IS NOT NULL
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER course_version_file_delete AFTER DELETE ON files
WHEN old.course_id IS NOT NULL AND (old.lesson_id IS NOT NULL OR old.purpose = 'cover') BEGIN
    INSERT INTO course_versions (course_id, version) VALUES (old.course_id, 1)
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;

CREATE TRIGGER course_version_thread_insert AFTER INSERT ON discussion_threads
WHEN new.lesson_id IS NOT NULL BEGIN
    INSERT INTO course_versions (course_id, version) VALUES (new.course_id, 1)
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER course_version_thread_update AFTER UPDATE OF lesson_id, course_id ON discussion_threads
WHEN new.lesson_id IS NOT old.lesson_id OR new.course_id IS NOT old.course_id BEGIN
    INSERT INTO course_versions (course_id, version)
        SELECT course_id, 1 FROM (SELECT old.course_id AS course_id UNION SELECT new.course_id)
        WHERE true
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER course_version_thread_delete AFTER DELETE ON discussion_threads
WHEN old.lesson_id IS NOT NULL BEGIN
    INSERT INTO course_versions (course_id, version) VALUES (old.course_id, 1)
    ON CONFLICT (course_id) DO UPDATE SET version = version + 1;
END;
