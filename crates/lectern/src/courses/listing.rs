//! Keyset pages of courses, enrolments and students' progress, for the JSON API (`api/`): ordered by id, the
//! page after a given key, optionally only rows changed since an instant. The pages the
//! browser shows read whole lists through the functions in `mod.rs`.

use crate::accounts::User;
use crate::db::{CourseId, Db, SchoolId};

use super::{COURSE_COLUMNS, Course};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CourseListed {
    #[sqlx(flatten)]
    pub course: Course,
    pub updated_at: i64,
}

/// The courses `user` may see in their school — published ones, and the drafts they
/// manage (every course for an admin) — with id above `after`, changed at or after
/// `updated_since`, by id, at most `limit`.
pub async fn visible_page(
    db: &Db,
    user: &User,
    after: i64,
    updated_since: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<CourseListed>> {
    sqlx::query_as::<_, CourseListed>(sqlx::AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS}, c.updated_at FROM courses c
         WHERE c.school_id = $1 AND c.id > $2 AND c.updated_at >= $3
           AND (c.status = 'published' OR $4 = 1
                OR EXISTS (SELECT 1 FROM course_instructors i WHERE i.course_id = c.id AND i.user_id = $5))
         ORDER BY c.id LIMIT $6"
    )))
    .bind(user.school_id)
    .bind(after)
    .bind(updated_since.unwrap_or(i64::MIN))
    .bind(i64::from(user.is_admin()))
    .bind(user.id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// When a course was last changed.
pub async fn updated_at(db: &Db, school_id: SchoolId, id: CourseId) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT updated_at FROM courses WHERE school_id = $1 AND id = $2")
        .bind(school_id)
        .bind(id)
        .fetch_optional(&db.pool)
        .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EnrolmentListed {
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    pub enrolled_at: i64,
    pub completed_at: Option<i64>,
}

/// A course's enrolments with user id above `after`, enrolled at or after `since`, by
/// user id, at most `limit`.
pub async fn enrolments_page(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    after: i64,
    since: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<EnrolmentListed>> {
    sqlx::query_as::<_, EnrolmentListed>(
        "SELECT e.user_id, u.display_name, u.email, e.enrolled_at, e.completed_at
         FROM enrollments e JOIN users u ON u.id = e.user_id
         WHERE e.school_id = $1 AND e.course_id = $2 AND e.user_id > $3 AND e.enrolled_at >= $4
         ORDER BY e.user_id LIMIT $5",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(after)
    .bind(since.unwrap_or(i64::MIN))
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// How many required lessons the course has (a student who did them all completed it,
/// unless a completion rule says more).
pub async fn required_total(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM lessons WHERE school_id = $1 AND course_id = $2 AND required = 1",
    )
    .bind(school_id)
    .bind(course_id)
    .fetch_one(&db.pool)
    .await
}

/// The course's students with their progress (the managers' Students page's rows), user
/// id above `after`, by user id, at most `limit`.
pub(crate) async fn progress_page(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<super::students::StudentRow>> {
    sqlx::query_as::<_, super::students::StudentRow>(sqlx::AssertSqlSafe(format!(
        "{} AND e.user_id > $3 ORDER BY e.user_id LIMIT $4",
        super::students::STUDENTS
    )))
    .bind(school_id)
    .bind(course_id)
    .bind(after)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// The lessons of the course completed by students with ids in `[from, to]`, as
/// `(user id, lesson id)` by user and lesson position: one query for a page of students.
pub async fn completed_lessons(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as(
        "SELECT p.user_id, p.lesson_id FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id
         WHERE l.school_id = $1 AND l.course_id = $2 AND p.user_id >= $3 AND p.user_id <= $4
         ORDER BY p.user_id, l.position, l.id",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(from)
    .bind(to)
    .fetch_all(&db.pool)
    .await
}
