-- PostgreSQL's 0031 adds triggers that notify other instances of certificate changes, for
-- their verification caches. SQLite has one process, whose writes evict its cache
-- directly (certificates/cache.rs): nothing to add; this file keeps the two version lists
-- in lockstep.
SELECT 1;
