//! Keyset pages of a course's live sessions for the JSON API (`api/`): every live lesson
//! or webinar with its session's state (`scheduled` while no session row exists yet).

use crate::db::{CourseId, Db, SchoolId};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionListed {
    pub lesson_id: i64,
    pub title: String,
    pub kind: String,
    pub starts_at: Option<i64>,
    pub duration_min: Option<i64>,
    pub state: Option<String>,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
}

/// The live lessons of a course that `viewer` may see (not another student's private
/// 1-on-1), lesson id above `after`, starting within `[from, to)`, by lesson id.
#[allow(clippy::too_many_arguments)]
pub async fn sessions_page(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    viewer: i64,
    after: i64,
    from: Option<i64>,
    to: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<SessionListed>> {
    sqlx::query_as::<_, SessionListed>(sqlx::AssertSqlSafe(format!(
        "SELECT l.id AS lesson_id, l.title, l.kind, l.starts_at, l.duration_min, s.state, s.started_at, s.ended_at
         FROM lessons l LEFT JOIN live_sessions s ON s.lesson_id = l.id AND s.school_id = l.school_id
         WHERE l.school_id = $1 AND l.course_id = $2 AND l.kind IN ('live_session', 'webinar')
           AND l.id > $3 AND COALESCE(l.starts_at, 0) >= $4 AND COALESCE(l.starts_at, 0) < $5
           AND {visible}
         ORDER BY l.id LIMIT $6",
        visible = crate::courses::private::visible_sql("$7")
    )))
    .bind(school_id)
    .bind(course_id)
    .bind(after)
    .bind(from.unwrap_or(i64::MIN))
    .bind(to.unwrap_or(i64::MAX))
    .bind(limit)
    .bind(viewer)
    .fetch_all(&db.pool)
    .await
}
