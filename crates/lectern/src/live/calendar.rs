//! The model of the calendar feeds (`feeds.rs` serves them): the live lessons a feed
//! lists, and the per-user secret token, looked up by its keyed hash and kept sealed so
//! My courses can show the URL.

use crate::crypto::{SecretKey, random_token};
use crate::db::{CourseId, Db, LessonId, UserId, now_ms};
use crate::zoom_connection::ZoomDeps;

/// One live lesson of a feed.
#[derive(sqlx::FromRow)]
pub(super) struct FeedRow {
    pub id: LessonId,
    pub title: String,
    pub kind: String,
    #[sqlx(flatten)]
    pub content: crate::courses::ContentColumns,
    pub ics_sequence: i64,
    pub course_title: String,
    pub slug: String,
    pub state: Option<String>,
}

// Joins courses' lessons and courses to the sessions: one query per feed fetch.
fn feed_select() -> String {
    format!(
        "SELECT l.id, l.title, l.kind, {}, l.ics_sequence, c.title AS course_title, c.slug, s.state
     FROM lessons l JOIN courses c ON c.id = l.course_id LEFT JOIN live_sessions s ON s.lesson_id = l.id
     WHERE l.school_id = $1 AND l.kind IN ('live_session', 'webinar') AND l.starts_at IS NOT NULL",
        crate::courses::CONTENT_SQL
    )
}

/// The course's live lessons `viewer` may see (not another student's private 1-on-1), by
/// start.
pub(super) async fn course_rows(
    db: &Db,
    school_id: i64,
    course_id: CourseId,
    viewer: i64,
) -> sqlx::Result<Vec<FeedRow>> {
    sqlx::query_as::<_, FeedRow>(sqlx::AssertSqlSafe(format!(
        "{} AND l.course_id = $2 AND {} ORDER BY l.starts_at, l.id",
        feed_select(),
        crate::courses::private::visible_sql("$3")
    )))
    .bind(school_id)
    .bind(course_id)
    .bind(viewer)
    .fetch_all(&db.pool)
    .await
}

/// The live lessons of every course the user is enrolled in or teaches (not another
/// student's private 1-on-1), by start.
pub(super) async fn user_rows(db: &Db, school_id: i64, user_id: i64) -> sqlx::Result<Vec<FeedRow>> {
    sqlx::query_as::<_, FeedRow>(sqlx::AssertSqlSafe(format!(
        "{} AND (l.course_id IN (SELECT course_id FROM enrollments WHERE user_id = $2)
            OR l.course_id IN (SELECT course_id FROM course_instructors WHERE user_id = $2))
           AND {}
         ORDER BY l.starts_at, l.id",
        feed_select(),
        crate::courses::private::visible_sql("$2")
    )))
    .bind(school_id)
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// The user of this school whose secret feed token this is.
pub(super) async fn user_of_token(
    db: &Db,
    key: &SecretKey,
    school_id: i64,
    token: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT user_id FROM calendar_feeds WHERE token_hash = $1 AND school_id = $2",
    )
    .bind(key.token_hash(token))
    .bind(school_id)
    .fetch_optional(&db.pool)
    .await
}

fn aad(user_id: i64) -> String {
    format!("calendar_feeds:{user_id}")
}

/// The user's secret feed URL, if they created one.
pub async fn url_for(state: &ZoomDeps, user_id: UserId) -> sqlx::Result<Option<String>> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT token_sealed, school_id FROM calendar_feeds WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&state.db.pool)
            .await?;
    let Some((sealed, school_id)) = row else {
        return Ok(None);
    };
    let Ok(token) = state.config.secret_key.open(&sealed, &aad(user_id.0)) else {
        return Ok(None);
    };
    let path = format!("/calendar/{}.ics", String::from_utf8_lossy(&token));
    Ok(Some(state.school_url(school_id, &path).await?))
}

/// Creates the user's secret feed token, or replaces it (the old URL stops working).
pub(super) async fn reset_token(
    db: &Db,
    key: &SecretKey,
    school_id: i64,
    user_id: i64,
) -> sqlx::Result<String> {
    let token = random_token();
    sqlx::query(
        "INSERT INTO calendar_feeds (user_id, school_id, token_hash, token_sealed, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, token_sealed = excluded.token_sealed,
           created_at = excluded.created_at",
    )
    .bind(user_id)
    .bind(school_id)
    .bind(key.token_hash(&token))
    .bind(key.seal(token.as_bytes(), &aad(user_id)))
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(token)
}
