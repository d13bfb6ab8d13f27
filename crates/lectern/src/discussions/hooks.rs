//! How discussions hang off lessons without `courses` naming them: each live session and
//! webinar gets its Q&A thread in the transaction that writes the lesson (`app.rs` chains
//! this after `live`'s hooks), and the player links to it.

use futures_util::future::BoxFuture;
use sqlx::AnyConnection;

use crate::courses::CourseHooks;
use crate::db::{LessonId, now_ms};

/// The title of a lesson's Q&A thread.
pub fn qa_title(lesson_title: &str) -> String {
    format!("Q&A: {lesson_title}")
}

/// Makes the Q&A thread of a scheduled lesson (once; a renamed lesson renames it).
pub async fn on_lesson_written(conn: &mut AnyConnection, lesson_id: LessonId) -> sqlx::Result<()> {
    let lesson: Option<(i64, i64, String, String)> =
        // A private 1-on-1 (`bookings`) has no thread on the course's board.
        sqlx::query_as("SELECT school_id, course_id, kind, title FROM lessons WHERE id = $1 AND private_user_id IS NULL")
            .bind(lesson_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((school_id, course_id, kind, title)) = lesson else {
        return Ok(());
    };
    if !crate::courses::LessonKind::parse(&kind).is_some_and(|k| k.is_scheduled()) {
        return Ok(());
    }
    let now = now_ms();
    sqlx::query(
        "INSERT INTO discussion_threads (school_id, course_id, lesson_id, title, created_at, last_post_at)
         VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (lesson_id) DO UPDATE SET title = excluded.title",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(lesson_id)
    .bind(qa_title(&title))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Discussions' side of lessons: the Q&A thread. A deleted lesson's thread stays (its
/// `lesson_id` is cleared by the foreign key), and enrolment changes nothing here.
pub struct DiscussionSide;

impl CourseHooks for DiscussionSide {
    fn lesson_written<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        lesson_id: LessonId,
        _previous_start: Option<i64>,
    ) -> BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(on_lesson_written(tx, lesson_id))
    }
}

#[derive(askama::Template)]
#[template(path = "discussions/qa_link.html")]
struct QaLink<'a> {
    ctx: &'a crate::web::Ctx,
    href: String,
}

/// The player's link to a lesson's Q&A thread, for its members, as HTML. The thread's id
/// comes with the view, from the course's shared copy (`PlayerHooks::lesson_threads`).
pub fn player_link(view: &crate::courses::PanelView<'_>) -> anyhow::Result<Option<String>> {
    // Only live lessons get a Q&A thread.
    if !(view.enrolled || view.manager) || !view.lesson.kind().is_scheduled() {
        return Ok(None);
    }
    let Some(id) = view.thread else {
        return Ok(None);
    };
    let html = askama::Template::render(&QaLink {
        ctx: view.ctx,
        href: format!("/courses/{}/discussions/{id}", view.course.slug),
    })?;
    Ok(Some(html))
}
