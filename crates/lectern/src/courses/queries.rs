//! What capabilities above this one (`live`) read and write of courses' tables — lessons,
//! enrolments, instructors — so that the SQL over those tables stays here. Queries that
//! also name `users` join it (as [`super::instructors`] does) rather than asking
//! `accounts` in a second round trip.

use sqlx::AnyConnection;

use crate::db::{CourseId, Db, LessonId, SchoolId};

/// The course a lesson of this school belongs to.
pub async fn lesson_course_id(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<Option<CourseId>> {
    sqlx::query_scalar("SELECT course_id FROM lessons WHERE school_id = $1 AND id = $2")
        .bind(school_id)
        .bind(lesson_id)
        .fetch_optional(&db.pool)
        .await
}

/// A lesson's school and, for a live lesson, its schedule (`None` for another kind).
pub async fn lesson_schedule(
    db: &Db,
    lesson_id: LessonId,
) -> anyhow::Result<Option<(SchoolId, Option<super::Schedule>)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        school_id: SchoolId,
        kind: String,
        #[sqlx(flatten)]
        content: super::ContentColumns,
    }
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT l.school_id, l.kind, {} FROM lessons l WHERE l.id = $1",
        super::CONTENT_SQL
    )))
    .bind(lesson_id)
    .fetch_optional(&db.pool)
    .await?;
    row.map(|r| {
        Ok((
            r.school_id,
            super::schedule_of(lesson_id, &r.kind, r.content)?,
        ))
    })
    .transpose()
}

/// The host recorded on a lesson when it was saved: host_user_id, zoom_connection_id,
/// zoom_host_id, zoom_host_email.
pub(crate) type RecordedHost = (Option<i64>, Option<i64>, Option<String>, Option<String>);

pub async fn recorded_host(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<Option<RecordedHost>> {
    sqlx::query_as(
        "SELECT host_user_id, zoom_connection_id, zoom_host_id, zoom_host_email FROM lessons WHERE school_id = $1 AND id = $2",
    )
    .bind(school_id)
    .bind(lesson_id)
    .fetch_optional(&db.pool)
    .await
}

/// Bumps the lesson's iCalendar SEQUENCE (its time changed, or it was cancelled) and
/// returns the new one; in the caller's transaction.
pub async fn bump_ics_sequence(conn: &mut AnyConnection, lesson_id: LessonId) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "UPDATE lessons SET ics_sequence = ics_sequence + 1 WHERE id = $1 RETURNING ics_sequence",
    )
    .bind(lesson_id)
    .fetch_one(&mut *conn)
    .await
}

/// "Delete all Zoom data": forgets the Zoom hosts recorded on the school's lessons; in the
/// caller's transaction.
pub async fn forget_zoom_hosts(conn: &mut AnyConnection, school_id: SchoolId) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE lessons SET zoom_connection_id = NULL, zoom_host_id = NULL, zoom_host_email = NULL
         WHERE school_id = $1 AND (zoom_connection_id IS NOT NULL OR zoom_host_id IS NOT NULL OR zoom_host_email IS NOT NULL)",
    )
    .bind(school_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Which of `user_ids` are students or instructors of the course (one statement per
/// 500 ids; none for none).
pub async fn members_among(
    db: &Db,
    school_id: i64,
    course_id: i64,
    user_ids: &[i64],
) -> sqlx::Result<std::collections::HashSet<i64>> {
    let mut found = std::collections::HashSet::new();
    for chunk in user_ids.chunks(500) {
        let sql = format!(
            "SELECT u.id FROM users u WHERE u.school_id = $1 AND u.id IN ({}) AND (
               EXISTS (SELECT 1 FROM enrollments e WHERE e.user_id = u.id AND e.course_id = $2)
               OR EXISTS (SELECT 1 FROM course_instructors i WHERE i.user_id = u.id AND i.course_id = $2))",
            crate::db::values_from(3, chunk.len(), "$")
        );
        let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
            .bind(school_id)
            .bind(course_id);
        for id in chunk {
            q = q.bind(*id);
        }
        found.extend(q.fetch_all(&db.pool).await?);
    }
    Ok(found)
}

/// The student or instructor of the course with this normalised e-mail, if any.
pub async fn member_by_email(
    db: &Db,
    school_id: i64,
    course_id: i64,
    email_norm: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT u.id FROM users u WHERE u.school_id = $1 AND u.email_norm = $2 AND (
           EXISTS (SELECT 1 FROM enrollments e WHERE e.user_id = u.id AND e.course_id = $3)
           OR EXISTS (SELECT 1 FROM course_instructors i WHERE i.user_id = u.id AND i.course_id = $3))",
    )
    .bind(school_id)
    .bind(email_norm)
    .bind(course_id)
    .fetch_optional(&db.pool)
    .await
}

/// The course's students (id, display name, e-mail), by name.
pub async fn students(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
) -> sqlx::Result<Vec<(i64, String, String)>> {
    sqlx::query_as(
        "SELECT u.id, u.display_name, u.email FROM enrollments e JOIN users u ON u.id = e.user_id
         WHERE e.school_id = $1 AND e.course_id = $2 ORDER BY u.display_name, u.id",
    )
    .bind(school_id)
    .bind(course_id)
    .fetch_all(&db.pool)
    .await
}

/// An enrolled student with what a message to them needs.
#[derive(sqlx::FromRow)]
pub struct EnrolledStudent {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub timezone: String,
    pub language: Option<String>,
    pub enrolled_at: i64,
}

/// The course's students, by id.
pub async fn enrolled_students(
    db: &Db,
    school_id: i64,
    course_id: i64,
) -> sqlx::Result<Vec<EnrolledStudent>> {
    sqlx::query_as::<_, EnrolledStudent>(
        "SELECT u.id, u.email, u.display_name, u.timezone, u.language, e.enrolled_at
         FROM enrollments e JOIN users u ON u.id = e.user_id
         WHERE e.school_id = $1 AND e.course_id = $2 ORDER BY u.id",
    )
    .bind(school_id)
    .bind(course_id)
    .fetch_all(&db.pool)
    .await
}
