-- Certificates (postgres). Kept in lockstep with the sqlite backend's 0014_certificates.sql.

-- A course's certificate, when enabled (a row here): its wording, signer and validity.
CREATE TABLE certificate_settings (
    course_id BIGINT PRIMARY KEY REFERENCES courses(id) ON DELETE CASCADE,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    signer_name TEXT NOT NULL,
    signer_title TEXT NOT NULL,
    validity_months BIGINT,
    updated_at BIGINT NOT NULL
);

-- One row per certificate. What it says is copied at issue time (the learner's name as
-- it was, the course and school names, the wording and signer), so later edits change
-- nothing already issued.
-- `state`: pending (its PDF could not be made yet: retried; `last_error` says why),
-- issued. `revoked_at`/`revoked_reason` and `replaced_by` (a re-issue's serial) end it.
-- One current (not replaced) certificate per course and learner.
CREATE TABLE certificates (
    id BIGSERIAL PRIMARY KEY,
    school_id BIGINT NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    course_id BIGINT NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    serial TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('pending', 'issued')),
    learner_name TEXT NOT NULL,
    course_title TEXT NOT NULL,
    school_name TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    signer_name TEXT NOT NULL,
    signer_title TEXT NOT NULL,
    completed_at BIGINT NOT NULL,
    live_minutes BIGINT NOT NULL,
    locale TEXT NOT NULL,
    timezone TEXT NOT NULL,
    expires_at BIGINT,
    issued_at BIGINT,
    revoked_at BIGINT,
    revoked_reason TEXT,
    replaced_by TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX certificates_current ON certificates (course_id, user_id) WHERE replaced_by IS NULL;
CREATE INDEX certificates_user ON certificates (school_id, user_id);

-- Paper for the school's certificates: a4 or letter.
ALTER TABLE schools ADD COLUMN certificate_paper TEXT NOT NULL DEFAULT 'a4';

-- A file attached to a stored e-mail (a certificate's PDF), base64.
ALTER TABLE emails ADD COLUMN attachment_name TEXT;
ALTER TABLE emails ADD COLUMN attachment_type TEXT;
ALTER TABLE emails ADD COLUMN attachment_data TEXT;
