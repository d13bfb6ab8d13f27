-- SQLite's 0034 adds a change log its triggers append to, because SQLite cannot notify the
-- session cache. PostgreSQL notifies (0007): nothing to add; this file keeps the two
-- version lists in lockstep.
SELECT 1;
