//! What the reminder and language tests share: a published course made directly (not
//! through the editor), its students enrolled, live lessons, and a reminder job fired.

use lectern::courses::{self, CourseFields, LessonContent, LessonRecord, Schedule};
use lectern::db::{CourseId, SchoolId, UserId, now_ms};

use super::{TestApp, TestUser};

/// A published course "Live course" of the test instructor.
pub async fn live_course(app: &TestApp) -> courses::Course {
    let course = courses::create(
        &app.db,
        app.school.id,
        app.instructor.id,
        CourseFields {
            title: "Live course",
            description: "",
            cover_url: None,
        },
    )
    .await
    .unwrap();
    courses::set_published(&app.db, course.school_id, course.id, true)
        .await
        .unwrap();
    course
}

/// Enrols `user` in `course` through the course hooks (its invitations are queued).
pub async fn enrol(app: &TestApp, course: &courses::Course, user: &TestUser) {
    courses::progress::enroll(
        &app.db,
        &*app.state.course_hooks,
        course.school_id,
        course.id,
        UserId(user.id),
    )
    .await
    .unwrap();
}

/// A required live lesson of `course`, `title`, at `starts_at` for an hour (Berlin wall
/// time); returns its id.
pub async fn live_lesson(app: &TestApp, course: CourseId, title: &str, starts_at: i64) -> i64 {
    courses::insert_lesson(
        &app.db,
        &*app.state.course_hooks,
        SchoolId(app.school.id),
        course,
        &LessonRecord {
            title: title.into(),
            required: true,
            body: String::new(),
            content: LessonContent::Live {
                webinar: false,
                schedule: Schedule::at(starts_at, "Europe/Berlin", 60),
            },
        },
    )
    .await
    .unwrap()
    .0
}

/// Makes the job `key` due now (queued again if it ran) and drains the queue.
pub async fn fire(app: &TestApp, key: &str) {
    let r = sqlx::query(
        "UPDATE jobs SET run_at = $1, state = 'queued', locked_until = NULL WHERE dedupe_key = $2",
    )
    .bind(now_ms())
    .bind(key)
    .execute(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(r.rows_affected(), 1, "job {key} exists");
    app.drain_jobs().await;
}
