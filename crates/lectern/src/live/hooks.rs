//! How `live` plugs into the capabilities below it without them naming it: the lesson
//! and enrolment hooks of `courses` (sessions, reminders, the player's panel, the
//! calendar feed) and "Delete all Zoom data" of `zoom_connection`. `app.rs` wires them.

use futures_util::future::BoxFuture;
use sqlx::AnyConnection;

use crate::courses::{AttendanceLine, Course, CourseHooks, LessonPanel, PanelView, PlayerHooks};
use crate::db::{CourseId, LessonId, SchoolId, UserId};
use crate::zoom_connection::{ZoomDataHooks, ZoomDeps};

/// `live`'s side of lessons and enrolments: sessions, reminders, meetings to delete. It
/// needs nothing but the transaction.
pub struct LessonSide;

impl CourseHooks for LessonSide {
    fn lesson_written<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        lesson_id: LessonId,
        previous_start: Option<i64>,
    ) -> BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(super::reminders::on_lesson_written(
            tx,
            lesson_id,
            previous_start,
        ))
    }

    fn lesson_deleted<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        school_id: SchoolId,
        lesson_id: LessonId,
    ) -> BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(super::on_lesson_deleted(tx, school_id, lesson_id))
    }

    fn enrolled<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        course_id: CourseId,
        user_id: UserId,
    ) -> BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(super::reminders::on_enrolled(tx, course_id, user_id))
    }

    fn published<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        course_id: CourseId,
    ) -> BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(super::reminders::on_published(tx, course_id))
    }

    fn cancel_session<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        school_id: SchoolId,
        lesson_id: LessonId,
    ) -> BoxFuture<'a, sqlx::Result<bool>> {
        Box::pin(super::reminders::cancel_in(tx, school_id, lesson_id))
    }

    fn session_open<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        lesson_id: LessonId,
    ) -> BoxFuture<'a, sqlx::Result<bool>> {
        Box::pin(super::session_open(tx, lesson_id))
    }

    fn cancelled_sessions<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        school_id: SchoolId,
        course_id: CourseId,
    ) -> BoxFuture<'a, sqlx::Result<Vec<LessonId>>> {
        Box::pin(
            sqlx::query_scalar(
                "SELECT lesson_id FROM live_sessions
                 WHERE school_id = $1 AND course_id = $2 AND state = 'cancelled'",
            )
            .bind(school_id)
            .bind(course_id)
            .fetch_all(conn),
        )
    }
}

/// `live`'s part of the learner's pages: the player's panel, the calendar feed.
pub struct PlayerSide {
    pub deps: ZoomDeps,
}

impl PlayerHooks for PlayerSide {
    fn player_panel<'a>(
        &'a self,
        v: PanelView<'a>,
    ) -> BoxFuture<'a, anyhow::Result<Option<LessonPanel>>> {
        Box::pin(async move {
            let p = super::panel::build(
                &self.deps, v.ctx, v.course, v.lesson, v.enrolled, v.manager, v.error,
            )
            .await?;
            // Only an enrolled student's panel holds the meeting's root.
            let embeds_meeting = p.enrolled && !p.manager;
            let html = askama::Template::render(&super::watch::PanelFragment {
                ctx: v.ctx.clone(),
                live: Some(p),
            })?;
            Ok(Some(LessonPanel {
                html,
                embeds_meeting,
            }))
        })
    }

    fn calendar_feed_url(&self, user_id: UserId) -> BoxFuture<'_, sqlx::Result<Option<String>>> {
        Box::pin(super::feeds::url_for(&self.deps, user_id))
    }

    fn student_attendance<'a>(
        &'a self,
        course: &'a Course,
        user_id: UserId,
    ) -> BoxFuture<'a, anyhow::Result<Vec<AttendanceLine>>> {
        Box::pin(async move {
            Ok(super::dashboard::student_sessions(&self.deps.db, course, user_id).await?)
        })
    }
}

/// `live`'s side of `zoom_connection`'s "Delete all Zoom data".
pub struct ZoomDataSide;

impl ZoomDataHooks for ZoomDataSide {
    fn wipe_zoom_data<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        school_id: SchoolId,
    ) -> BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(super::wipe_zoom_data(tx, school_id))
    }
}
