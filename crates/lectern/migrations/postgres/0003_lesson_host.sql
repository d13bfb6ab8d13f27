-- The Zoom host of a live lesson (PostgreSQL), recorded when the lesson is saved. In lockstep with
-- migrations/sqlite/0003_lesson_host.sql.
ALTER TABLE lessons ADD COLUMN host_user_id BIGINT REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE lessons ADD COLUMN zoom_connection_id BIGINT REFERENCES zoom_connections(id) ON DELETE SET NULL;
ALTER TABLE lessons ADD COLUMN zoom_host_id TEXT;
ALTER TABLE lessons ADD COLUMN zoom_host_email TEXT;
