-- The Zoom host of a live lesson (SQLite), recorded when the lesson is saved. In lockstep with
-- migrations/postgres/0003_lesson_host.sql.
ALTER TABLE lessons ADD COLUMN host_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE lessons ADD COLUMN zoom_connection_id INTEGER REFERENCES zoom_connections(id) ON DELETE SET NULL;
ALTER TABLE lessons ADD COLUMN zoom_host_id TEXT;
ALTER TABLE lessons ADD COLUMN zoom_host_email TEXT;
