-- The room dashboard of a live lesson (live/dashboard.rs): after how many minutes past
-- the start a student who arrives counts as late, as the instructor set it. A lesson
-- without a row uses the default (5 minutes). The "we started, join here" mail to
-- absentees is remembered in live_notifications_sent (kind 'started', once per student
-- and scheduled start).
CREATE TABLE live_dashboard_settings (
    lesson_id BIGINT PRIMARY KEY REFERENCES lessons(id) ON DELETE CASCADE,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    late_grace_min BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
