-- A live session's Zoom options are its own, copied from the course's default when the
-- session is created; the default no longer applies to sessions later (issue 17, L16).
-- Sessions created before this had no row of their own and were held with the course's
-- default: each gets a copy of it now, so that it keeps what it effectively had. A session
-- whose course never saved a default keeps no row (Zoom's and the account's defaults, as
-- before).
INSERT INTO lesson_live_options (lesson_id, school_id, course_id, options, external_url, updated_at)
SELECT l.id, l.school_id, l.course_id, c.options, NULL, c.updated_at
FROM lessons l
JOIN course_live_options c ON c.course_id = l.course_id AND c.school_id = l.school_id
WHERE l.kind IN ('live_session', 'webinar')
  AND NOT EXISTS (SELECT 1 FROM lesson_live_options o WHERE o.lesson_id = l.id);
