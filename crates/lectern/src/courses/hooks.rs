//! What `courses` lets a capability above it add, without naming it: `live` keeps a
//! session, reminders and a calendar feed per live lesson, and the player shows its
//! panel; `bookings` frees a booked private lesson's slot when it is deleted, and the
//! course page links to booking; `discussions` links a live lesson to its Q&A thread. `app.rs` wires the implementation in; `courses` calls it inside its own
//! transaction, so a lesson and what hangs off it change together or not at all.

use std::collections::HashMap;

use futures_util::future::BoxFuture;
use sqlx::AnyConnection;

use super::{Course, Lesson};
use crate::db::{CourseId, LessonId, SchoolId, UserId};
use crate::web::Ctx;

/// A lesson's part of the player rendered by the capability that owns it (`live`'s panel,
/// escaped by its own template).
pub struct LessonPanel {
    pub html: String,
    /// The panel holds the embedded Zoom meeting: the page needs the Meeting SDK's
    /// Content-Security-Policy.
    pub embeds_meeting: bool,
}

/// What happens to lessons and enrolments, told inside their transactions.
pub trait CourseHooks: Send + Sync {
    /// A lesson was inserted (`previous_start` = `None`) or updated; in its transaction.
    /// Default: nothing.
    fn lesson_written<'a>(
        &'a self,
        _tx: &'a mut AnyConnection,
        _lesson_id: LessonId,
        _previous_start: Option<i64>,
    ) -> BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(async { Ok(()) })
    }

    /// A lesson is about to be deleted; in its transaction. Default: nothing.
    fn lesson_deleted<'a>(
        &'a self,
        _tx: &'a mut AnyConnection,
        _school_id: SchoolId,
        _lesson_id: LessonId,
    ) -> BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(async { Ok(()) })
    }

    /// Cancels the scheduled session of a live lesson (an occurrence of a series) in the
    /// caller's transaction, with its notices: `true` when it was scheduled and now is
    /// cancelled, `false` when it had started, ended or was cancelled already.
    fn cancel_session<'a>(
        &'a self,
        _tx: &'a mut AnyConnection,
        _school_id: SchoolId,
        _lesson_id: LessonId,
    ) -> BoxFuture<'a, sqlx::Result<bool>> {
        Box::pin(async { Ok(false) })
    }

    /// Whether a live lesson's session may still be changed: not live, ended or cancelled
    /// (a series' "this and following" edit leaves the others as they are).
    fn session_open<'a>(
        &'a self,
        _tx: &'a mut AnyConnection,
        _lesson_id: LessonId,
    ) -> BoxFuture<'a, sqlx::Result<bool>> {
        Box::pin(async { Ok(true) })
    }

    /// The live lessons of a course whose session was cancelled (the series page and the
    /// course editor say "Cancelled" beside them). Default: none.
    fn cancelled_sessions<'a>(
        &'a self,
        _conn: &'a mut AnyConnection,
        _school_id: SchoolId,
        _course_id: CourseId,
    ) -> BoxFuture<'a, sqlx::Result<Vec<LessonId>>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// A student was enrolled in the course; in the enrolment's transaction. Default: nothing.
    fn enrolled<'a>(
        &'a self,
        _tx: &'a mut AnyConnection,
        _course_id: CourseId,
        _user_id: UserId,
    ) -> BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(async { Ok(()) })
    }

    /// A draft course was published; in the transaction that published it (its students,
    /// enrolled before or while it was a draft, learn of its sessions then). Default:
    /// nothing.
    fn published<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        course_id: CourseId,
    ) -> BoxFuture<'a, sqlx::Result<()>> {
        let _ = (tx, course_id);
        Box::pin(async { Ok(()) })
    }

    /// A course was deleted with everything in it, told after its transaction committed
    /// (so that what a cache drops here cannot be read back from before the delete; the
    /// certificates' verification cache). Default: nothing.
    fn course_deleted(&self, school_id: SchoolId, course_id: CourseId) {
        let _ = (school_id, course_id);
    }
}

/// What the learner's pages show of a capability above.
pub trait PlayerHooks: Send + Sync {
    /// The player's panel for a scheduled lesson (live session or webinar), if any.
    fn player_panel<'a>(
        &'a self,
        view: PanelView<'a>,
    ) -> BoxFuture<'a, anyhow::Result<Option<LessonPanel>>>;

    /// The viewer's secret calendar-feed URL, once created.
    fn calendar_feed_url(&self, user_id: UserId) -> BoxFuture<'_, sqlx::Result<Option<String>>>;

    /// Whether the course page links to booking a 1-on-1 (`/courses/{slug}/book`): some
    /// coach offers hours in the course. Asked on the course page only, and only for an
    /// enrolled student or a manager. Default: no.
    fn offers_booking<'a>(&'a self, course: &'a Course) -> BoxFuture<'a, sqlx::Result<bool>> {
        let _ = course;
        Box::pin(async { Ok(false) })
    }

    /// The course's lessons that have a thread on its board (a live lesson's Q&A), with the
    /// thread's id, read into the course's [`super::shared`] copy: the player then links
    /// to it without a query. Default: none.
    fn lesson_threads<'a>(
        &'a self,
        course: &'a Course,
    ) -> BoxFuture<'a, sqlx::Result<HashMap<LessonId, i64>>> {
        let _ = course;
        Box::pin(async { Ok(HashMap::new()) })
    }

    /// One student's attendance at each of the course's live sessions that ran (live or
    /// ended), earliest first, for the managers' page of that student. Default: none.
    fn student_attendance<'a>(
        &'a self,
        course: &'a Course,
        user_id: UserId,
    ) -> BoxFuture<'a, anyhow::Result<Vec<AttendanceLine>>> {
        let _ = (course, user_id);
        Box::pin(async { Ok(Vec::new()) })
    }
}

/// A student at one live session (the per-student page's attendance table).
#[derive(Clone, Debug)]
pub struct AttendanceLine {
    pub lesson_id: LessonId,
    pub title: String,
    /// The scheduled start.
    pub starts_at: i64,
    /// The session still runs.
    pub live: bool,
    pub came: bool,
    pub minutes: i64,
    pub late: bool,
    pub left_early: bool,
    pub first_join: Option<i64>,
    pub last_leave: Option<i64>,
}

/// Who looks at which lesson in the player.
pub struct PanelView<'a> {
    pub ctx: &'a Ctx,
    pub course: &'a Course,
    pub lesson: &'a Lesson,
    pub enrolled: bool,
    pub manager: bool,
    /// A message the previous request left for the panel (`?live_error=`).
    pub error: Option<&'a str>,
    /// The lesson's thread on the course's board ([`PlayerHooks::lesson_threads`]).
    pub thread: Option<i64>,
}
