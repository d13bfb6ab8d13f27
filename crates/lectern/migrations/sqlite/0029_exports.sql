-- A school's export archives started by its admins (export/). Kept in lockstep with the
-- other backend's 0029_exports.sql.

-- One archive: queued by an admin, written by the school_export job into file storage
-- under `exports/<school>/<random>.zip` (storage_key), downloadable by the school's admins
-- until expires_at, then removed by the hourly export sweep with its row.
CREATE TABLE exports (
    id INTEGER PRIMARY KEY,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    requested_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
    storage_key TEXT,
    bytes INTEGER,
    error TEXT,
    created_at INTEGER NOT NULL,
    finished_at INTEGER,
    expires_at INTEGER NOT NULL
);
CREATE INDEX exports_school ON exports (school_id, created_at);
CREATE INDEX exports_expiry ON exports (expires_at);
