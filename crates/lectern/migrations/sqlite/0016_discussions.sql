-- Discussions (sqlite). Kept in lockstep with the postgres backend's 0016_discussions.sql;
-- the one deliberate difference is the full-text index (an FTS5 table here, a generated
-- tsvector column there), see docs/discussions.md.

-- A thread of a course's board. `lesson_id`: the Q&A thread of a live session or webinar
-- (one per lesson, made with it; kept when the lesson goes). `answer_post_id`: the reply a
-- moderator marked as the answer. `last_post_at` orders the board and drives unread marks.
CREATE TABLE discussion_threads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    lesson_id INTEGER UNIQUE REFERENCES lessons(id) ON DELETE SET NULL,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    pinned INTEGER NOT NULL DEFAULT 0,
    locked INTEGER NOT NULL DEFAULT 0,
    answer_post_id INTEGER,
    post_count INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    last_post_at INTEGER NOT NULL
);
CREATE INDEX discussion_threads_board ON discussion_threads (course_id, pinned, last_post_at);
-- The live sessions and webinars that exist already get their Q&A thread, as new ones do.
INSERT INTO discussion_threads (school_id, course_id, lesson_id, title, created_at, last_post_at)
SELECT school_id, course_id, id, 'Q&A: ' || title, created_at, created_at
FROM lessons WHERE kind IN ('live_session', 'webinar');

-- A post: `body` is the Markdown as written, `body_html` its sanitised rendering. The
-- opening post of a thread carries the thread's title in `title` (for search); replies ''.
-- `state`: visible, deleted (by its author), hidden (by a moderator, `moderated_by`).
-- Rows are never deleted by the app: a removed post stays for the audit.
CREATE TABLE discussion_posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    thread_id INTEGER NOT NULL REFERENCES discussion_threads(id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    title TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL,
    body_html TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'visible' CHECK (state IN ('visible', 'deleted', 'hidden')),
    moderated_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    edited_at INTEGER,
    notified_at INTEGER
);
CREATE INDEX discussion_posts_thread ON discussion_posts (thread_id, created_at);

-- Until when a member has read a thread (the thread's `last_post_at` they saw).
CREATE TABLE discussion_reads (
    thread_id INTEGER NOT NULL REFERENCES discussion_threads(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    read_at INTEGER NOT NULL,
    PRIMARY KEY (thread_id, user_id)
);

-- Who hears of new posts: in one thread (automatic on posting), or on a whole board.
CREATE TABLE discussion_thread_subscriptions (
    thread_id INTEGER NOT NULL REFERENCES discussion_threads(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (thread_id, user_id)
);
CREATE TABLE discussion_board_subscriptions (
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (course_id, user_id)
);

-- How a member wants to hear of new posts: 'post' (one e-mail each) or 'digest' (daily).
-- No row: per post. `digest_through`: the posts up to this instant are in a digest sent
-- (or were before the member chose the digest); the next one is due a day after it.
CREATE TABLE discussion_preferences (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    delivery TEXT NOT NULL CHECK (delivery IN ('post', 'digest')),
    digest_through INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- A member's report of a post; open until a moderator resolves it.
CREATE TABLE discussion_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    school_id INTEGER NOT NULL REFERENCES schools(id) ON DELETE CASCADE,
    course_id INTEGER NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    post_id INTEGER NOT NULL REFERENCES discussion_posts(id) ON DELETE CASCADE,
    reporter_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
    reason TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    resolved_at INTEGER,
    resolved_by INTEGER REFERENCES users(id) ON DELETE SET NULL
);
CREATE INDEX discussion_reports_open ON discussion_reports (course_id, resolved_at);

-- Full-text search (SQLite only; PostgreSQL uses discussion_posts.search_vector). The
-- rowid is the post's id; triggers keep it in step with the posts.
CREATE VIRTUAL TABLE discussion_search USING fts5 (
    post_id UNINDEXED,
    title,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER discussion_search_insert AFTER INSERT ON discussion_posts BEGIN
    INSERT INTO discussion_search (rowid, post_id, title, body) VALUES (new.id, new.id, new.title, new.body);
END;
CREATE TRIGGER discussion_search_update AFTER UPDATE OF title, body ON discussion_posts BEGIN
    DELETE FROM discussion_search WHERE rowid = old.id;
    INSERT INTO discussion_search (rowid, post_id, title, body) VALUES (new.id, new.id, new.title, new.body);
END;
CREATE TRIGGER discussion_search_delete AFTER DELETE ON discussion_posts BEGIN
    DELETE FROM discussion_search WHERE rowid = old.id;
END;
