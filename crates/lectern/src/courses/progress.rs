//! Enrolment and progress: which lessons a learner has completed, the course percentage
//! (completed required lessons / required lessons), and the course's completion instant,
//! set the first time the percentage reaches 100.

use std::collections::HashSet;

use super::Lesson;
use crate::db::{CourseId, Db, LessonId, SchoolId, UserId, now_ms};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Progress {
    pub done: i64,
    pub total: i64,
}

impl Progress {
    /// Whole percent, rounded down; a course without required lessons is at 0 %.
    pub fn percent(&self) -> i64 {
        if self.total <= 0 {
            0
        } else {
            (self.done.min(self.total) * 100) / self.total
        }
    }
}

/// Progress over `lessons` given the ids a learner completed.
pub(crate) fn compute<'a>(
    lessons: impl IntoIterator<Item = &'a Lesson>,
    completed: &HashSet<LessonId>,
) -> Progress {
    let required = lessons.into_iter().filter(|l| l.is_required());
    let (mut done, mut total) = (0, 0);
    for l in required {
        total += 1;
        if completed.contains(&l.id) {
            done += 1;
        }
    }
    Progress { done, total }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Enrollment {
    pub enrolled_at: i64,
    pub completed_at: Option<i64>,
}

pub async fn enrollment(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: UserId,
) -> sqlx::Result<Option<Enrollment>> {
    let mut conn = db.pool.acquire().await?;
    enrollment_in(&mut conn, school_id, course_id, user_id).await
}

/// [`enrollment`] in the caller's transaction (the API's idempotent enrolment answers
/// with the row it wrote).
pub async fn enrollment_in(
    conn: &mut sqlx::AnyConnection,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: UserId,
) -> sqlx::Result<Option<Enrollment>> {
    sqlx::query_as::<_, Enrollment>(
        "SELECT enrolled_at, completed_at FROM enrollments WHERE school_id = $1 AND course_id = $2 AND user_id = $3",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await
}

/// Enrols a learner; enrolling twice changes nothing.
pub async fn enroll(
    db: &Db,
    hooks: &dyn super::CourseHooks,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: UserId,
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    enroll_in(&mut tx, hooks, school_id, course_id, user_id).await?;
    tx.commit().await?;
    super::viewers::person_changed(db, user_id);
    Ok(())
}

/// Enrols a learner in the caller's transaction (a verified payment's); `false` when they
/// were enrolled already. After its commit the caller tells the viewer cache
/// ([`super::viewers::person_changed`]).
pub async fn enroll_in(
    tx: &mut sqlx::AnyConnection,
    hooks: &dyn super::CourseHooks,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: UserId,
) -> sqlx::Result<bool> {
    let now = now_ms();
    let r = sqlx::query(
        "INSERT INTO enrollments (school_id, course_id, user_id, enrolled_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (course_id, user_id) DO NOTHING",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let new = r.rows_affected() == 1;
    if new {
        // The invitations and reminders of the course's live sessions still ahead reach
        // this student.
        hooks.enrolled(&mut *tx, course_id, user_id).await?;
        // Keyed by the instant: a student enrolled again after a refund is a new event.
        crate::outbound::emit(
            tx,
            school_id.0,
            crate::outbound::Event::EnrolmentCreated,
            &format!("enrolment.created:{course_id}:{user_id}:{now}"),
            serde_json::json!({
                "course_id": course_id.0,
                "user_id": user_id.0,
                "enrolled_at": crate::outbound::rfc3339(now),
            }),
        )
        .await?;
    }
    Ok(new)
}

/// Ends a learner's enrolment (a refunded purchase, when the school says so). Their
/// progress and certificates stay: enrolling again picks up where they were. After its
/// commit the caller tells the viewer cache ([`super::viewers::person_changed`]).
pub async fn unenroll_in(
    tx: &mut sqlx::AnyConnection,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: UserId,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "DELETE FROM enrollments WHERE school_id = $1 AND course_id = $2 AND user_id = $3",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub struct Attempt<'a> {
    pub lesson_id: LessonId,
    pub user_id: UserId,
    pub answers_json: &'a str,
    pub score: i64,
    pub passed: bool,
}

pub(crate) async fn record_attempt(
    db: &Db,
    school_id: SchoolId,
    a: Attempt<'_>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar::<_, i64>(
        "INSERT INTO quiz_attempts (school_id, lesson_id, user_id, answers_json, score, passed, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(school_id)
    .bind(a.lesson_id)
    .bind(a.user_id)
    .bind(a.answers_json)
    .bind(a.score)
    .bind(i64::from(a.passed))
    .bind(now_ms())
    .fetch_one(&db.pool)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttemptSummary {
    pub attempts: i64,
    pub best: Option<i64>,
}

pub async fn attempts(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
    user_id: UserId,
) -> sqlx::Result<AttemptSummary> {
    sqlx::query_as::<_, AttemptSummary>(
        "SELECT COUNT(*) AS attempts, MAX(score) AS best FROM quiz_attempts
         WHERE school_id = $1 AND lesson_id = $2 AND user_id = $3",
    )
    .bind(school_id)
    .bind(lesson_id)
    .bind(user_id)
    .fetch_one(&db.pool)
    .await
}

/// One row of "My courses".
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct MyCourse {
    pub course_id: i64,
    pub slug: String,
    pub title: String,
    pub cover_url: Option<String>,
    pub completed_at: Option<i64>,
    pub total: i64,
    pub done: i64,
}

impl MyCourse {
    pub fn progress(&self) -> Progress {
        Progress {
            done: self.done,
            total: self.total,
        }
    }
    pub fn cover(&self) -> &str {
        self.cover_url.as_deref().unwrap_or_default()
    }
}

pub(crate) async fn my_courses(
    db: &Db,
    school_id: i64,
    user_id: i64,
) -> sqlx::Result<Vec<MyCourse>> {
    sqlx::query_as::<_, MyCourse>(
        "SELECT c.id AS course_id, c.slug, c.title, c.cover_url, e.completed_at,
             (SELECT COUNT(*) FROM lessons l WHERE l.course_id = c.id AND l.required = 1) AS total,
             (SELECT COUNT(*) FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id
                WHERE l.course_id = c.id AND l.required = 1 AND p.user_id = e.user_id) AS done
         FROM enrollments e JOIN courses c ON c.id = e.course_id
         WHERE e.school_id = $1 AND e.user_id = $2 AND c.status = 'published'
         ORDER BY e.enrolled_at DESC, c.id DESC",
    )
    .bind(school_id)
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::courses::LessonContent;

    fn done(ids: &[i64]) -> HashSet<LessonId> {
        ids.iter().copied().map(LessonId).collect()
    }

    fn lesson(id: i64, required: bool) -> Lesson {
        Lesson {
            id: LessonId(id),
            course_id: CourseId(1),
            position: id,
            title: format!("L{id}"),
            required: i64::from(required),
            body: String::new(),
            content: LessonContent::Document,
        }
    }

    #[test]
    fn percentage_counts_required_lessons_only() {
        let lessons = [
            lesson(1, true),
            lesson(2, true),
            lesson(3, false),
            lesson(4, true),
        ];
        let none = compute(&lessons, &HashSet::new());
        assert_eq!((none.done, none.total, none.percent()), (0, 3, 0));
        let optional_only = compute(&lessons, &done(&[3]));
        assert_eq!(optional_only.percent(), 0);
        let one = compute(&lessons, &done(&[1, 3]));
        assert_eq!(one.percent(), 33);
        let all = compute(&lessons, &done(&[1, 2, 4]));
        assert_eq!(all.percent(), 100);
        // Ids of deleted or foreign lessons don't count.
        let stray = compute(&lessons, &done(&[1, 99]));
        assert_eq!(stray.done, 1);
    }

    #[test]
    fn empty_courses_are_never_complete() {
        let p = compute(&[lesson(1, false)], &done(&[1]));
        assert_eq!(p.percent(), 0);
        assert_eq!(Progress { done: 5, total: 3 }.percent(), 100);
    }
}
