-- The viewer cache (db/viewers.rs; PostgreSQL's 0036 notifies) also keeps what the join and
-- the live player read about one lesson's live session (live::ensure_view), told of every
-- change through change_log (0034): 'main:l<lesson id>' when a session, a lesson's external
-- link or a recording changes, 'main:z<connection id>' when a Zoom connection's state
-- changes or it goes (every cached view is forgotten: rare).

CREATE TRIGGER live_sessions_view_inserted AFTER INSERT ON live_sessions
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:l' || NEW.lesson_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER live_sessions_view_updated AFTER UPDATE ON live_sessions
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:l' || NEW.lesson_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER live_sessions_view_moved AFTER UPDATE ON live_sessions
WHEN NEW.lesson_id IS NOT OLD.lesson_id
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:l' || OLD.lesson_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER live_sessions_view_deleted AFTER DELETE ON live_sessions
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:l' || OLD.lesson_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER lesson_live_options_view_inserted AFTER INSERT ON lesson_live_options
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:l' || NEW.lesson_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER lesson_live_options_view_updated AFTER UPDATE ON lesson_live_options
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:l' || NEW.lesson_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER lesson_live_options_view_moved AFTER UPDATE ON lesson_live_options
WHEN NEW.lesson_id IS NOT OLD.lesson_id
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:l' || OLD.lesson_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER lesson_live_options_view_deleted AFTER DELETE ON lesson_live_options
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:l' || OLD.lesson_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
-- A recording deleted with its session finds no session: the session's own trigger told.
CREATE TRIGGER live_recordings_view_inserted AFTER INSERT ON live_recordings
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    SELECT 'lectern_viewer', 'main:l' || s.lesson_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000
    FROM live_sessions s WHERE s.id = NEW.session_id;
END;
CREATE TRIGGER live_recordings_view_deleted AFTER DELETE ON live_recordings
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    SELECT 'lectern_viewer', 'main:l' || s.lesson_id, CAST(strftime('%s', 'now') AS INTEGER) * 1000
    FROM live_sessions s WHERE s.id = OLD.session_id;
END;
CREATE TRIGGER zoom_connections_view_updated AFTER UPDATE ON zoom_connections
WHEN NEW.state IS NOT OLD.state
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:z' || OLD.id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
CREATE TRIGGER zoom_connections_view_deleted AFTER DELETE ON zoom_connections
BEGIN
    INSERT INTO change_log (channel, payload, created_at)
    VALUES ('lectern_viewer', 'main:z' || OLD.id, CAST(strftime('%s', 'now') AS INTEGER) * 1000);
END;
