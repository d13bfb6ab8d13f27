//! Private lessons: a live lesson only one student of the course sees (a booked 1-on-1,
//! written by `bookings`), besides the course's managers (its instructors and the school's
//! admins). `lessons.private_user_id` names the student; NULL is every enrolled student.
//!
//! Every place a learner meets lessons filters with [`visible_sql`] (the calendar feeds,
//! reminders; the outline and the player apply the same rule to the course's shared copy,
//! `shared::Viewer`) or asks [`may_see`] (the join answer, the live panel, recordings). A private lesson is never required, so it changes nobody's
//! completion.

use sqlx::AnyConnection;

use super::{CourseHooks, LessonRecord};
use crate::db::{CourseId, Db, LessonId, SchoolId, UserId, now_ms};

/// SQL: lesson `l` is visible to the user bound at `param` (`$3`): public, theirs, they
/// host it (the coach), or they teach its course or are an admin of its school.
pub fn visible_sql(param: &str) -> String {
    format!(
        "(l.private_user_id IS NULL OR l.private_user_id = {param} OR l.host_user_id = {param}
          OR EXISTS (SELECT 1 FROM course_instructors pvi WHERE pvi.course_id = l.course_id AND pvi.user_id = {param})
          OR EXISTS (SELECT 1 FROM users pvu WHERE pvu.id = {param} AND pvu.school_id = l.school_id AND pvu.role = 'admin'))"
    )
}

/// The student a lesson of this school is private to, if it is private.
pub async fn private_to(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<Option<UserId>> {
    let v: Option<Option<i64>> =
        sqlx::query_scalar("SELECT private_user_id FROM lessons WHERE school_id = $1 AND id = $2")
            .bind(school_id)
            .bind(lesson_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(v.flatten().map(UserId))
}

/// Whether the lesson of this school is visible to `viewer` (0: nobody signed in) as
/// [`visible_sql`] says; `None` when there is no such lesson (deleted). One probe of the
/// primary key, for a live feed that meets a lesson id it has not seen before.
pub async fn visible_to(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
    viewer: i64,
) -> sqlx::Result<Option<bool>> {
    let v: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT CASE WHEN {} THEN 1 ELSE 0 END FROM lessons l WHERE l.school_id = $1 AND l.id = $2",
        visible_sql("$3")
    )))
    .bind(school_id)
    .bind(lesson_id)
    .bind(viewer)
    .fetch_optional(&db.pool)
    .await?;
    Ok(v.map(|v| v == 1))
}

/// SQL: lesson `l` belongs in the course outline of the user bound at `param`: visible
/// to them and not a private session that was cancelled (a cancelled 1-on-1 leaves the
/// outline; its page still says Cancelled).
pub fn listed_sql(param: &str) -> String {
    format!(
        "({} AND l.private_cancelled_at IS NULL)",
        visible_sql(param)
    )
}

/// Whether `user_id` may see the lesson: a manager of its course always, anyone else
/// when it is public or private to them.
pub async fn may_see(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
    user_id: UserId,
    manager: bool,
) -> sqlx::Result<bool> {
    if manager {
        return Ok(true);
    }
    Ok(private_to(db, school_id, lesson_id)
        .await?
        .is_none_or(|owner| owner == user_id))
}

/// Appends a live lesson private to `student` and hosted by `host` (their Zoom host is
/// resolved when they Start), in the caller's transaction; the hooks schedule its session,
/// invitation and reminders as for any live lesson.
pub async fn insert_private_live_lesson(
    conn: &mut AnyConnection,
    hooks: &dyn CourseHooks,
    school_id: SchoolId,
    course_id: CourseId,
    student: UserId,
    host: UserId,
    r: &LessonRecord,
) -> sqlx::Result<LessonId> {
    let now = now_ms();
    let c = r.content.columns();
    let id = sqlx::query_scalar::<_, LessonId>(
        "INSERT INTO lessons (school_id, course_id, position, kind, title, required, body,
             starts_at, timezone, local_start, duration_min, private_user_id, host_user_id,
             created_at, updated_at)
         VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM lessons WHERE course_id = $2),
             $3, $4, 0, $5, $6, $7, $8, $9, $10, $11, $12, $12)
         RETURNING id",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(r.kind().as_str())
    .bind(&r.title)
    .bind(&r.body)
    .bind(c.starts_at)
    .bind(c.timezone)
    .bind(c.local_start)
    .bind(c.duration_min)
    .bind(student)
    .bind(host)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    // Its own copy of the course's default Zoom options, as any new live lesson.
    super::live_options::copy_default_in(conn, school_id, course_id, id).await?;
    hooks.lesson_written(conn, id, None).await?;
    Ok(id)
}

/// Marks the private lesson cancelled in the caller's transaction (its booking was
/// cancelled): it leaves the outline ([`listed_sql`]). A public lesson is left alone.
pub async fn mark_cancelled(
    conn: &mut AnyConnection,
    school_id: SchoolId,
    lesson_id: LessonId,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE lessons SET private_cancelled_at = $1
         WHERE school_id = $2 AND id = $3 AND private_user_id IS NOT NULL AND private_cancelled_at IS NULL",
    )
    .bind(now)
    .bind(school_id)
    .bind(lesson_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// For a private lesson: its student's id and its host, who receives its invitation,
/// reminders and cancellation beside the student. `None` for a public lesson.
pub async fn audience(
    db: &Db,
    lesson_id: LessonId,
) -> sqlx::Result<Option<(i64, Option<super::queries::EnrolledStudent>)>> {
    let student: Option<Option<i64>> =
        sqlx::query_scalar("SELECT private_user_id FROM lessons WHERE id = $1")
            .bind(lesson_id)
            .fetch_optional(&db.pool)
            .await?;
    let Some(student) = student.flatten() else {
        return Ok(None);
    };
    let host = sqlx::query_as::<_, super::queries::EnrolledStudent>(
        "SELECT u.id, u.email, u.display_name, u.timezone, u.language, CAST(0 AS BIGINT) AS enrolled_at
         FROM lessons l JOIN users u ON u.id = l.host_user_id AND u.school_id = l.school_id
         WHERE l.id = $1",
    )
    .bind(lesson_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(Some((student, host)))
}

/// The school's users among `ids`, as notices address them (a deleted private lesson's
/// student and host: its cancellation names them).
pub async fn people(
    db: &Db,
    school_id: i64,
    ids: &[i64],
) -> sqlx::Result<Vec<super::queries::EnrolledStudent>> {
    let mut out = Vec::new();
    for id in ids {
        out.extend(
            sqlx::query_as::<_, super::queries::EnrolledStudent>(
                "SELECT id, email, display_name, timezone, language, CAST(0 AS BIGINT) AS enrolled_at
                 FROM users WHERE school_id = $1 AND id = $2",
            )
            .bind(school_id)
            .bind(id)
            .fetch_optional(&db.pool)
            .await?,
        );
    }
    Ok(out)
}
