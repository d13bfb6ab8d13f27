-- Invitations, live-mail preferences, e-mail campaigns and unsubscribes (sqlite). Kept in
-- lockstep with the postgres backend's 0017_campaigns.sql.

-- A student who turned off invitations, reminders and reschedule notices of live
-- sessions: for one course, or (course_id 0) for every course of the school. No foreign
-- key on course_id, so that 0 can stand for "all"; readers join the courses they ask for.
CREATE TABLE live_mail_optouts (
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, course_id)
);

-- Extra headers of a stored message (JSON array of [name, value]), e.g. a campaign's
-- List-Unsubscribe and List-Unsubscribe-Post: sent as stored, shown in the outbox.
ALTER TABLE emails ADD COLUMN headers TEXT;

-- A campaign: written by an admin (any course, or the whole school) or an instructor
-- (their courses). audience: enrolled | incomplete | missed (lesson_id) | school.
-- state: draft → queued (send_at ahead) → sending → done; draft/queued/sending → cancelled.
-- send_at: the instant chosen in the author's time zone (NULL: now).
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    body_md TEXT NOT NULL,
    audience TEXT NOT NULL CHECK (audience IN ('enrolled', 'incomplete', 'missed', 'school')),
    course_id INTEGER REFERENCES courses(id) ON DELETE CASCADE,
    lesson_id INTEGER REFERENCES lessons(id) ON DELETE SET NULL,
    send_at INTEGER,
    state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'queued', 'sending', 'done', 'cancelled')),
    recipients INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX campaigns_school ON campaigns (school_id, id);

-- One row per recipient, written in one statement when the campaign is queued; the
-- row's conditional move out of 'queued' is what makes each recipient's mail once.
-- state: queued → sent | skipped (unsubscribed since) | cancelled | failed.
CREATE TABLE campaign_recipients (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    state TEXT NOT NULL DEFAULT 'queued',
    email_id INTEGER,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, user_id)
);
CREATE INDEX campaign_recipients_state ON campaign_recipients (campaign_id, state);

-- A student who unsubscribed from this school's campaigns (one click or the footer
-- link). Transactional mail is not affected.
CREATE TABLE mail_unsubscribes (
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (school_id, user_id)
);
