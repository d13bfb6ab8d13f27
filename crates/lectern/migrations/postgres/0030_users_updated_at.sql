-- When what the API shows of a user last changed (name, e-mail, role, zone, language), so
-- that the JSON API's users list can be filtered by updated_since. Kept in lockstep with
-- the other backend's 0030_users_updated_at.sql.
ALTER TABLE users ADD COLUMN updated_at BIGINT;
UPDATE users SET updated_at = created_at;
CREATE INDEX users_updated ON users (school_id, updated_at);
