-- Every instance keeps a cache of "session -> user" (accounts/session_cache.rs) that it
-- trusts only while told of every change: any update or delete of a session or a user,
-- by any instance, job or shell, notifies the user's id at commit.
CREATE FUNCTION lectern_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('lectern_auth', OLD.id::text);
    ELSE
        PERFORM pg_notify('lectern_auth', OLD.user_id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_auth_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION lectern_auth_changed();
CREATE TRIGGER sessions_auth_changed AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION lectern_auth_changed();
