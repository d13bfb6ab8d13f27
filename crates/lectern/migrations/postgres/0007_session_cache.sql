-- Every instance keeps a cache of "session -> user" (accounts/session_cache.rs) that it
-- trusts only while told of every change: any update or delete of a user, or of a
-- session that has not expired, by any instance, job or shell, notifies
-- '<schema>:<user id>' at commit; a TRUNCATE notifies '<schema>:*' (forget everything).
-- The schema lets deployments (and test runs) that share a database ignore each other.
CREATE FUNCTION lectern_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('lectern_auth', TG_TABLE_SCHEMA || ':*');
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('lectern_auth', TG_TABLE_SCHEMA || ':' || OLD.id::text);
    ELSE
        PERFORM pg_notify('lectern_auth', TG_TABLE_SCHEMA || ':' || OLD.user_id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_auth_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION lectern_auth_changed();
-- A session that expired over an hour ago (the margin covers clocks that disagree) is
-- never served from a cache, so pruning old sessions sends nothing.
CREATE TRIGGER sessions_auth_changed AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW
    WHEN (OLD.expires_at > (extract(epoch FROM now()) * 1000)::bigint - 3600000)
    EXECUTE FUNCTION lectern_auth_changed();
CREATE TRIGGER users_auth_truncated AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_auth_changed();
CREATE TRIGGER sessions_auth_truncated AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_auth_changed();
