-- PostgreSQL's 0007 adds triggers that notify other instances of session and user
-- changes. SQLite has no notifications, so its instance never caches sessions and
-- there is nothing to add; this file keeps the two version lists in lockstep.
SELECT 1;
