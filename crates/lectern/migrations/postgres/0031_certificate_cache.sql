-- Every instance keeps a cache of what the public verification page reads: a certificate
-- row by (school, serial) (certificates/cache.rs), trusted only while told of every
-- change. Any update or delete of a certificate row — issued, revoked, replaced, or gone
-- with its course, school or learner (cascades fire row triggers too) — by any instance,
-- job or shell, notifies '<schema>:<school id>:<serial>' at commit; a TRUNCATE notifies
-- '<schema>:*' (forget everything). Heard on the session cache's LISTEN connection
-- (migration 0007). Inserts say nothing: a serial that did not exist was never cached.
CREATE FUNCTION lectern_certificate_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('lectern_certificates', TG_TABLE_SCHEMA || ':*');
    ELSE
        PERFORM pg_notify('lectern_certificates',
            TG_TABLE_SCHEMA || ':' || OLD.school_id::text || ':' || OLD.serial);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER certificates_changed AFTER UPDATE OR DELETE ON certificates
    FOR EACH ROW EXECUTE FUNCTION lectern_certificate_changed();
CREATE TRIGGER certificates_truncated AFTER TRUNCATE ON certificates
    FOR EACH STATEMENT EXECUTE FUNCTION lectern_certificate_changed();
