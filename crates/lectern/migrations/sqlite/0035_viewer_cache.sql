-- The viewer cache (db/viewers.rs; PostgreSQL's 0035 notifies) hears of every change to what
-- a view of a course reads, by any writer, through change_log (0034): 'main:c<course id>'
-- when a course row or its shared copy's version changes, 'main:u<user id>' when one
-- person's enrolment, completion, opened lesson or teaching role changes. An upsert that
-- updates (course_versions' bump) fires the UPDATE triggers.

CREATE TRIGGER courses_viewer_updated AFTER UPDATE ON courses
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:c' || OLD.id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER courses_viewer_deleted AFTER DELETE ON courses
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:c' || OLD.id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER course_versions_viewer_inserted AFTER INSERT ON course_versions
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:c' || NEW.course_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER course_versions_viewer_updated AFTER UPDATE ON course_versions
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:c' || NEW.course_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER enrollments_viewer_inserted AFTER INSERT ON enrollments
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER enrollments_viewer_updated AFTER UPDATE ON enrollments
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER enrollments_viewer_moved AFTER UPDATE ON enrollments
WHEN NEW.user_id IS NOT OLD.user_id
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER enrollments_viewer_deleted AFTER DELETE ON enrollments
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER lesson_progress_viewer_inserted AFTER INSERT ON lesson_progress
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER lesson_progress_viewer_updated AFTER UPDATE ON lesson_progress
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER lesson_progress_viewer_moved AFTER UPDATE ON lesson_progress
WHEN NEW.user_id IS NOT OLD.user_id
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER lesson_progress_viewer_deleted AFTER DELETE ON lesson_progress
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER course_instructors_viewer_inserted AFTER INSERT ON course_instructors
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER course_instructors_viewer_updated AFTER UPDATE ON course_instructors
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER course_instructors_viewer_moved AFTER UPDATE ON course_instructors
WHEN NEW.user_id IS NOT OLD.user_id
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER course_instructors_viewer_deleted AFTER DELETE ON course_instructors
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
-- Of a lesson's evidence only whether it was opened is read by a view.
CREATE TRIGGER lesson_evidence_viewer_opened AFTER INSERT ON lesson_evidence
WHEN NEW.opened_at IS NOT NULL
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER lesson_evidence_viewer_reopened AFTER UPDATE ON lesson_evidence
WHEN NEW.opened_at IS NOT OLD.opened_at OR NEW.user_id IS NOT OLD.user_id
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || NEW.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER lesson_evidence_viewer_moved AFTER UPDATE ON lesson_evidence
WHEN NEW.user_id IS NOT OLD.user_id
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER lesson_evidence_viewer_unopened AFTER DELETE ON lesson_evidence
WHEN OLD.opened_at IS NOT NULL
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:u' || OLD.user_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
