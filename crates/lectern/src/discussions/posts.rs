//! Threads, posts, reads, subscriptions and reports: the queries. Every one is scoped by
//! the school and the course; the pages check who may call them (`Board`).

use sqlx::AnyConnection;

use super::{Board, render};
use crate::db::{Db, flag, now_ms};
use crate::jobs::{self, NewJob};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ThreadRow {
    pub id: i64,
    pub course_id: i64,
    pub lesson_id: Option<i64>,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub title: String,
    pub pinned: i64,
    pub locked: i64,
    pub answer_post_id: Option<i64>,
    pub post_count: i64,
    pub created_at: i64,
    pub last_post_at: i64,
    /// The viewer's last read (`last_post_at` they saw), if ever.
    pub read_at: Option<i64>,
    /// 1 when the viewer follows the thread.
    pub followed: i64,
}

impl ThreadRow {
    pub fn is_pinned(&self) -> bool {
        flag(self.pinned)
    }
    pub fn is_locked(&self) -> bool {
        flag(self.locked)
    }
    /// Posts newer than the viewer's last visit.
    pub fn unread(&self) -> bool {
        self.post_count > 0 && self.read_at.is_none_or(|r| self.last_post_at > r)
    }
    pub fn author(&self) -> &str {
        self.author_name.as_deref().unwrap_or_default()
    }
    pub fn follows(&self) -> bool {
        flag(self.followed)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostRow {
    pub id: i64,
    pub thread_id: i64,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub body: String,
    pub body_html: String,
    pub state: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    /// The attached file (a `files` row of purpose `discussion`), if any.
    pub attachment_file_id: Option<i64>,
}

impl PostRow {
    pub fn visible(&self) -> bool {
        self.state == "visible"
    }
    pub fn hidden(&self) -> bool {
        self.state == "hidden"
    }
    pub fn deleted(&self) -> bool {
        self.state == "deleted"
    }
    pub fn author(&self) -> &str {
        self.author_name.as_deref().unwrap_or_default()
    }
    pub fn by(&self, user_id: impl std::borrow::Borrow<i64>) -> bool {
        self.author_id == Some(*user_id.borrow())
    }
    /// Its author may still edit it.
    pub fn editable_by(&self, user_id: i64, now: i64) -> bool {
        self.visible() && self.by(user_id) && now - self.created_at <= super::EDIT_WINDOW_MS
    }
}

const THREAD_COLUMNS: &str = "t.id, t.course_id, t.lesson_id, t.author_id, u.display_name AS author_name, t.title, \
     t.pinned, t.locked, t.answer_post_id, t.post_count, t.created_at, t.last_post_at, r.read_at, \
     CASE WHEN EXISTS (SELECT 1 FROM discussion_thread_subscriptions s WHERE s.thread_id = t.id AND s.user_id = $3) \
          THEN 1 ELSE 0 END AS followed";

const POST_COLUMNS: &str = "p.id, p.thread_id, p.author_id, u.display_name AS author_name, p.body, p.body_html, \
     p.state, p.created_at, p.edited_at, p.attachment_file_id";

/// The board's threads: pinned first, then by last activity.
pub async fn threads(db: &Db, b: &Board) -> sqlx::Result<Vec<ThreadRow>> {
    sqlx::query_as::<_, ThreadRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {THREAD_COLUMNS} FROM discussion_threads t
         LEFT JOIN users u ON u.id = t.author_id
         LEFT JOIN discussion_reads r ON r.thread_id = t.id AND r.user_id = $3
         WHERE t.school_id = $1 AND t.course_id = $2
         ORDER BY t.pinned DESC, t.last_post_at DESC, t.id DESC LIMIT 500"
    )))
    .bind(b.course.school_id)
    .bind(b.course.id)
    .bind(b.viewer.id)
    .fetch_all(&db.pool)
    .await
}

pub async fn thread(db: &Db, b: &Board, id: i64) -> sqlx::Result<Option<ThreadRow>> {
    sqlx::query_as::<_, ThreadRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {THREAD_COLUMNS} FROM discussion_threads t
         LEFT JOIN users u ON u.id = t.author_id
         LEFT JOIN discussion_reads r ON r.thread_id = t.id AND r.user_id = $3
         WHERE t.school_id = $1 AND t.course_id = $2 AND t.id = $4"
    )))
    .bind(b.course.school_id)
    .bind(b.course.id)
    .bind(b.viewer.id)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// The threads of a course's lessons, by lesson (the course's shared copy).
pub async fn threads_of_lessons(
    db: &Db,
    school_id: i64,
    course_id: i64,
) -> sqlx::Result<std::collections::HashMap<crate::db::LessonId, i64>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT lesson_id, id FROM discussion_threads
         WHERE school_id = $1 AND course_id = $2 AND lesson_id IS NOT NULL",
    )
    .bind(school_id)
    .bind(course_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(lesson, id)| (crate::db::LessonId(lesson), id))
        .collect())
}

pub async fn posts(db: &Db, b: &Board, thread_id: i64) -> sqlx::Result<Vec<PostRow>> {
    sqlx::query_as::<_, PostRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {POST_COLUMNS} FROM discussion_posts p LEFT JOIN users u ON u.id = p.author_id
         WHERE p.school_id = $1 AND p.course_id = $2 AND p.thread_id = $3
         ORDER BY p.created_at, p.id"
    )))
    .bind(b.course.school_id)
    .bind(b.course.id)
    .bind(thread_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn post(db: &Db, b: &Board, id: i64) -> sqlx::Result<Option<PostRow>> {
    sqlx::query_as::<_, PostRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {POST_COLUMNS} FROM discussion_posts p LEFT JOIN users u ON u.id = p.author_id
         WHERE p.school_id = $1 AND p.course_id = $2 AND p.id = $3"
    )))
    .bind(b.course.school_id)
    .bind(b.course.id)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Starts a thread with its opening post; returns the thread's id.
pub async fn create_thread(
    db: &Db,
    b: &Board,
    title: &str,
    body: &str,
    attachment: Option<i64>,
) -> sqlx::Result<i64> {
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO discussion_threads (school_id, course_id, author_id, title, created_at, last_post_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(b.course.school_id)
    .bind(b.course.id)
    .bind(b.viewer.id)
    .bind(title)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    insert_post(&mut tx, b, id, title, body, attachment, now).await?;
    tx.commit().await?;
    Ok(id)
}

/// Adds a reply; returns its id.
pub async fn reply(
    db: &Db,
    b: &Board,
    thread_id: i64,
    body: &str,
    attachment: Option<i64>,
) -> sqlx::Result<i64> {
    let mut tx = db.pool.begin().await?;
    let id = insert_post(&mut tx, b, thread_id, "", body, attachment, now_ms()).await?;
    tx.commit().await?;
    Ok(id)
}

/// One post, the thread's count and activity, the author's subscription, and the job
/// that mails the subscribers (deduplicated by the post, so queued once).
async fn insert_post(
    tx: &mut AnyConnection,
    b: &Board,
    thread_id: i64,
    title: &str,
    body: &str,
    attachment: Option<i64>,
    now: i64,
) -> sqlx::Result<i64> {
    let school_id = b.course.school_id.0;
    let html = render::render_mentioning(body, &member_handles(tx, b, body).await?);
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO discussion_posts (school_id, course_id, thread_id, author_id, title, body, body_html, created_at, attachment_file_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(school_id)
    .bind(b.course.id)
    .bind(thread_id)
    .bind(b.viewer.id)
    .bind(title)
    .bind(body)
    .bind(html)
    .bind(now)
    .bind(attachment)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE discussion_threads SET post_count = post_count + 1, last_post_at = $1
         WHERE school_id = $2 AND id = $3",
    )
    .bind(now)
    .bind(school_id)
    .bind(thread_id)
    .execute(&mut *tx)
    .await?;
    subscribe_thread(tx, school_id, thread_id, b.viewer.id).await?;
    // The author has read what they wrote.
    mark_read(tx, school_id, thread_id, b.viewer.id, now).await?;
    jobs::enqueue(
        tx,
        NewJob::of(&super::NotifyPost { post_id: id })
            .school(school_id)
            .dedupe(format!("discussion-post:{id}")),
    )
    .await?;
    Ok(id)
}

pub async fn edit(db: &Db, b: &Board, post_id: i64, body: &str) -> sqlx::Result<()> {
    let mut conn = db.pool.acquire().await?;
    let html = render::render_mentioning(body, &member_handles(&mut conn, b, body).await?);
    sqlx::query(
        "UPDATE discussion_posts SET body = $1, body_html = $2, edited_at = $3
         WHERE school_id = $4 AND course_id = $5 AND id = $6 AND state = 'visible'",
    )
    .bind(body)
    .bind(html)
    .bind(now_ms())
    .bind(b.course.school_id)
    .bind(b.course.id)
    .bind(post_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes a post from view, keeping its row: `deleted` by its author, `hidden` by a
/// moderator (who is recorded). `visible` shows a hidden post again. A deleted post's
/// attachment goes (by the files' retried job); a hidden one's stays for its return.
pub async fn set_state(db: &Db, b: &Board, post_id: i64, state: &'static str) -> sqlx::Result<()> {
    set_state_and_forget(db, b, post_id, state, state == "deleted").await
}

/// A moderator deletes another's post: it is `hidden` (the row and its text stay for the
/// audit, shown as "removed by a moderator", the moderator recorded) and its attachment
/// goes, as with its author's delete.
pub async fn remove_by_moderator(db: &Db, b: &Board, post_id: i64) -> sqlx::Result<()> {
    set_state_and_forget(db, b, post_id, "hidden", true).await
}

async fn set_state_and_forget(
    db: &Db,
    b: &Board,
    post_id: i64,
    state: &'static str,
    forget_attachment: bool,
) -> sqlx::Result<()> {
    let by = (state != "deleted").then_some(b.viewer.id);
    let mut tx = db.pool.begin().await?;
    // The write first (SQLite: a transaction that reads first cannot write later if
    // another wrote meanwhile).
    sqlx::query(
        "UPDATE discussion_posts SET state = $1, moderated_by = $2
         WHERE school_id = $3 AND course_id = $4 AND id = $5",
    )
    .bind(state)
    .bind(by)
    .bind(b.course.school_id)
    .bind(b.course.id)
    .bind(post_id)
    .execute(&mut *tx)
    .await?;
    if forget_attachment {
        let file: Option<Option<i64>> = sqlx::query_scalar(
            "SELECT attachment_file_id FROM discussion_posts WHERE school_id = $1 AND course_id = $2 AND id = $3",
        )
        .bind(b.course.school_id)
        .bind(b.course.id)
        .bind(post_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(Some(file)) = file {
            crate::files::forget_file(&mut tx, b.course.school_id, file).await?;
        }
    }
    tx.commit().await
}

/// The handles of the course's members (enrolled, teaching it, the school's admins), for
/// marking mentions; none looked up when `body` mentions no one.
async fn member_handles(
    conn: &mut AnyConnection,
    b: &Board,
    body: &str,
) -> sqlx::Result<std::collections::HashSet<String>> {
    if render::mentions(body).is_empty() {
        return Ok(Default::default());
    }
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT u.display_name FROM users u
         WHERE u.school_id = $1
           AND (u.role = 'admin'
                OR EXISTS (SELECT 1 FROM enrollments e WHERE e.course_id = $2 AND e.user_id = u.id)
                OR EXISTS (SELECT 1 FROM course_instructors i WHERE i.course_id = $2 AND i.user_id = u.id))",
    )
    .bind(b.course.school_id)
    .bind(b.course.id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(names.iter().map(|n| render::handle(n)).collect())
}

/// The state of the post of this board that `file_id` is attached to (`None`: no post
/// of this course names it).
pub async fn attachment_post_state(
    db: &Db,
    b: &Board,
    file_id: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT state FROM discussion_posts WHERE school_id = $1 AND course_id = $2 AND attachment_file_id = $3",
    )
    .bind(b.course.school_id)
    .bind(b.course.id)
    .bind(file_id)
    .fetch_optional(&db.pool)
    .await
}

/// Whether some post already names this file (one file, one post).
pub async fn attachment_taken(db: &Db, b: &Board, file_id: i64) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM discussion_posts WHERE school_id = $1 AND attachment_file_id = $2",
    )
    .bind(b.course.school_id)
    .bind(file_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Pin or lock flags, or the answer (`None` clears it).
pub async fn set_flag(
    db: &Db,
    b: &Board,
    thread_id: i64,
    column: Flag,
    on: bool,
) -> sqlx::Result<()> {
    let sql = match column {
        Flag::Pinned => {
            "UPDATE discussion_threads SET pinned = $1 WHERE school_id = $2 AND course_id = $3 AND id = $4"
        }
        Flag::Locked => {
            "UPDATE discussion_threads SET locked = $1 WHERE school_id = $2 AND course_id = $3 AND id = $4"
        }
    };
    sqlx::query(sql)
        .bind(i64::from(on))
        .bind(b.course.school_id)
        .bind(b.course.id)
        .bind(thread_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[derive(Clone, Copy, Debug)]
pub enum Flag {
    Pinned,
    Locked,
}

pub async fn set_answer(
    db: &Db,
    b: &Board,
    thread_id: i64,
    post_id: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE discussion_threads SET answer_post_id = $1 WHERE school_id = $2 AND course_id = $3 AND id = $4",
    )
    .bind(post_id)
    .bind(b.course.school_id)
    .bind(b.course.id)
    .bind(thread_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Remembers that `user_id` saw the thread as of its `last_post_at`.
pub async fn mark_read(
    conn: &mut AnyConnection,
    school_id: i64,
    thread_id: i64,
    user_id: i64,
    seen: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO discussion_reads (thread_id, user_id, school_id, read_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (thread_id, user_id) DO UPDATE SET read_at = excluded.read_at
         WHERE discussion_reads.read_at < excluded.read_at",
    )
    .bind(thread_id)
    .bind(user_id)
    .bind(school_id)
    .bind(seen)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn subscribe_thread(
    conn: &mut AnyConnection,
    school_id: i64,
    thread_id: i64,
    user_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO discussion_thread_subscriptions (thread_id, user_id, school_id, created_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (thread_id, user_id) DO NOTHING",
    )
    .bind(thread_id)
    .bind(user_id)
    .bind(school_id)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Subscribes or unsubscribes the viewer: to the thread, or (`thread_id` = `None`) to
/// the whole board.
pub async fn set_subscribed(
    db: &Db,
    b: &Board,
    thread_id: Option<i64>,
    on: bool,
) -> sqlx::Result<()> {
    let school_id = b.course.school_id.0;
    let mut conn = db.pool.acquire().await?;
    match (thread_id, on) {
        (Some(t), true) => subscribe_thread(&mut conn, school_id, t, b.viewer.id).await?,
        (Some(t), false) => {
            sqlx::query(
                "DELETE FROM discussion_thread_subscriptions WHERE school_id = $1 AND thread_id = $2 AND user_id = $3",
            )
            .bind(school_id)
            .bind(t)
            .bind(b.viewer.id)
            .execute(&mut *conn)
            .await?;
        }
        (None, true) => {
            sqlx::query(
                "INSERT INTO discussion_board_subscriptions (course_id, user_id, school_id, created_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (course_id, user_id) DO NOTHING",
            )
            .bind(b.course.id)
            .bind(b.viewer.id)
            .bind(school_id)
            .bind(now_ms())
            .execute(&mut *conn)
            .await?;
        }
        (None, false) => {
            sqlx::query(
                "DELETE FROM discussion_board_subscriptions WHERE school_id = $1 AND course_id = $2 AND user_id = $3",
            )
            .bind(school_id)
            .bind(b.course.id)
            .bind(b.viewer.id)
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

/// Whether the viewer follows the thread (`Some`) or the board (`None`).
pub async fn subscribed(db: &Db, b: &Board, thread_id: Option<i64>) -> sqlx::Result<bool> {
    let n: Option<i64> = match thread_id {
        Some(t) => {
            sqlx::query_scalar(
                "SELECT user_id FROM discussion_thread_subscriptions WHERE school_id = $1 AND thread_id = $2 AND user_id = $3",
            )
            .bind(b.course.school_id)
            .bind(t)
            .bind(b.viewer.id)
            .fetch_optional(&db.pool)
            .await?
        }
        None => {
            sqlx::query_scalar(
                "SELECT user_id FROM discussion_board_subscriptions WHERE school_id = $1 AND course_id = $2 AND user_id = $3",
            )
            .bind(b.course.school_id)
            .bind(b.course.id)
            .bind(b.viewer.id)
            .fetch_optional(&db.pool)
            .await?
        }
    };
    Ok(n.is_some())
}

/// The viewer's delivery choice: "post" (default) or "digest".
pub async fn delivery(db: &Db, school_id: i64, user_id: i64) -> sqlx::Result<String> {
    let d: Option<String> = sqlx::query_scalar(
        "SELECT delivery FROM discussion_preferences WHERE school_id = $1 AND user_id = $2",
    )
    .bind(school_id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(d.unwrap_or_else(|| "post".to_string()))
}

pub async fn set_delivery(
    db: &Db,
    school_id: i64,
    user_id: i64,
    delivery: &'static str,
) -> sqlx::Result<()> {
    sqlx::query(
        // Choosing the digest starts it now: no digest of what came before.
        "INSERT INTO discussion_preferences (user_id, school_id, delivery, digest_through, updated_at)
         VALUES ($1, $2, $3, $4, $4)
         ON CONFLICT (user_id) DO UPDATE SET delivery = excluded.delivery, updated_at = excluded.updated_at,
             digest_through = CASE WHEN discussion_preferences.delivery = excluded.delivery
                                   THEN discussion_preferences.digest_through ELSE excluded.digest_through END",
    )
    .bind(user_id)
    .bind(school_id)
    .bind(delivery)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(())
}

// ---- reports ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub post_id: i64,
    pub thread_id: i64,
    pub thread_title: String,
    pub reporter_name: Option<String>,
    pub reason: String,
    pub created_at: i64,
    pub post_state: String,
    pub post_body: String,
}

impl ReportRow {
    pub fn reporter(&self) -> &str {
        self.reporter_name.as_deref().unwrap_or_default()
    }
}

pub async fn report(db: &Db, b: &Board, post_id: i64, reason: &str) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO discussion_reports (school_id, course_id, post_id, reporter_id, reason, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(b.course.school_id)
    .bind(b.course.id)
    .bind(post_id)
    .bind(b.viewer.id)
    .bind(reason)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The open reports of the board, oldest first.
pub async fn open_reports(db: &Db, b: &Board) -> sqlx::Result<Vec<ReportRow>> {
    sqlx::query_as::<_, ReportRow>(
        "SELECT r.id, r.post_id, p.thread_id, t.title AS thread_title, u.display_name AS reporter_name,
                r.reason, r.created_at, p.state AS post_state, p.body AS post_body
         FROM discussion_reports r
         JOIN discussion_posts p ON p.id = r.post_id
         JOIN discussion_threads t ON t.id = p.thread_id
         LEFT JOIN users u ON u.id = r.reporter_id
         WHERE r.school_id = $1 AND r.course_id = $2 AND r.resolved_at IS NULL
         ORDER BY r.created_at, r.id",
    )
    .bind(b.course.school_id)
    .bind(b.course.id)
    .fetch_all(&db.pool)
    .await
}

/// Resolves the report; returns its post when it was open.
pub async fn resolve_report(db: &Db, b: &Board, report_id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "UPDATE discussion_reports SET resolved_at = $1, resolved_by = $2
         WHERE school_id = $3 AND course_id = $4 AND id = $5 AND resolved_at IS NULL RETURNING post_id",
    )
    .bind(now_ms())
    .bind(b.viewer.id)
    .bind(b.course.school_id)
    .bind(b.course.id)
    .bind(report_id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn open_report_count(db: &Db, b: &Board) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM discussion_reports WHERE school_id = $1 AND course_id = $2 AND resolved_at IS NULL",
    )
    .bind(b.course.school_id)
    .bind(b.course.id)
    .fetch_one(&db.pool)
    .await
}
