-- One student's own attendance (postgres). Kept in lockstep with the sqlite backend's
-- 0008_attendance_by_user.sql. The player shows a student their own minutes on every
-- refresh; with the whole class in the session, reading everyone's rows to find one
-- student's made 2,000 refreshes cost 2,000² rows (lectern-bench live-push).
CREATE INDEX live_attendance_user ON live_attendance_events (session_id, user_id);
