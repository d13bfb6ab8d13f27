-- The viewer cache (db/viewers.rs) also keeps what the join and the live player read about
-- one lesson's live session on every request: the session row, the lesson's external link,
-- whether the session has recordings and whether its Zoom connection is connected
-- (live::ensure_view). It is trusted only while told of every change to those by any
-- writer: '<schema>:l<lesson id>' when a session, an external link or a recording changes,
-- '<schema>:z<connection id>' when a connection's state changes or it goes (every cached
-- view is forgotten: rare), '<schema>:*' on a TRUNCATE. Sent at commit, like 0035's.
CREATE FUNCTION lectern_live_view_changed() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    lesson BIGINT;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('lectern_viewer', TG_TABLE_SCHEMA || ':*');
    ELSIF TG_TABLE_NAME = 'zoom_connections' THEN
        PERFORM pg_notify('lectern_viewer', TG_TABLE_SCHEMA || ':z' || OLD.id::text);
    ELSIF TG_TABLE_NAME = 'live_recordings' THEN
        -- A recording deleted with its session finds no session: the session's own
        -- trigger told of it.
        SELECT s.lesson_id INTO lesson FROM live_sessions s
         WHERE s.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.session_id ELSE NEW.session_id END;
        IF lesson IS NOT NULL THEN
            PERFORM pg_notify('lectern_viewer', TG_TABLE_SCHEMA || ':l' || lesson::text);
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('lectern_viewer', TG_TABLE_SCHEMA || ':l' || OLD.lesson_id::text);
    ELSE
        PERFORM pg_notify('lectern_viewer', TG_TABLE_SCHEMA || ':l' || NEW.lesson_id::text);
        IF TG_OP = 'UPDATE' AND NEW.lesson_id IS DISTINCT FROM OLD.lesson_id THEN
            PERFORM pg_notify('lectern_viewer', TG_TABLE_SCHEMA || ':l' || OLD.lesson_id::text);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER live_sessions_view_changed AFTER INSERT OR UPDATE OR DELETE ON live_sessions
    FOR EACH ROW EXECUTE FUNCTION lectern_live_view_changed();
CREATE TRIGGER lesson_live_options_view_changed
    AFTER INSERT OR UPDATE OR DELETE ON lesson_live_options
    FOR EACH ROW EXECUTE FUNCTION lectern_live_view_changed();
CREATE TRIGGER live_recordings_view_changed AFTER INSERT OR DELETE ON live_recordings
    FOR EACH ROW EXECUTE FUNCTION lectern_live_view_changed();
CREATE TRIGGER zoom_connections_view_changed AFTER UPDATE ON zoom_connections
    FOR EACH ROW WHEN (NEW.state IS DISTINCT FROM OLD.state)
    EXECUTE FUNCTION lectern_live_view_changed();
CREATE TRIGGER zoom_connections_view_deleted AFTER DELETE ON zoom_connections
    FOR EACH ROW EXECUTE FUNCTION lectern_live_view_changed();

CREATE TRIGGER live_sessions_view_truncated AFTER TRUNCATE ON live_sessions
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_live_view_changed();
CREATE TRIGGER lesson_live_options_view_truncated AFTER TRUNCATE ON lesson_live_options
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_live_view_changed();
CREATE TRIGGER live_recordings_view_truncated AFTER TRUNCATE ON live_recordings
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_live_view_changed();
CREATE TRIGGER zoom_connections_view_truncated AFTER TRUNCATE ON zoom_connections
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_live_view_changed();
