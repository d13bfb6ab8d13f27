-- Custom domains are claims until proven (sqlite). Kept in lockstep with the postgres
-- backend's 0009_domain_claims.sql. A school's admin could add any host, even the
-- platform's own, and it routed at once; now a host routes only once `verified_at` is
-- set (by an operator's `lectern admin approve-domain`). Domains that routed before this
-- migration were accepted by the old rules and keep routing; `serve` takes reserved hosts
-- (IP literals, localhost, the base URL's host) back from any school at start.
ALTER TABLE school_domains ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE school_domains ADD COLUMN verified_at INTEGER;
UPDATE school_domains SET verified_at = 0;
