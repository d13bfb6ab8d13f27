//! How bookings follow the lessons they became without `courses` naming them: a booked
//! private lesson deleted in the course editor, or whose session is cancelled from the
//! live panel, frees its slot and tells its student, in the deleting (cancelling)
//! transaction (`app.rs` chains this before `live`'s hooks).

use futures_util::future::BoxFuture;
use sqlx::AnyConnection;

use crate::courses::CourseHooks;
use crate::db::{LessonId, SchoolId, now_ms};

/// Bookings' side of lessons: a deleted booked lesson cancels its booking.
pub struct BookingSide;

/// In the transaction that deletes the lesson, before its row goes: a booking not yet
/// started whose lesson this is is cancelled (freeing the slot), and its session with the
/// cancellation `.ics` to the student and the coach, as a coach's cancel does. The first
/// statement is the write (SQLite's lock is taken at once); it finds the booking through
/// the lesson's student (`bookings_student`), so deleting any other lesson costs one
/// indexed probe.
pub(crate) async fn on_lesson_deleted(
    conn: &mut AnyConnection,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<()> {
    let now = now_ms();
    let freed: Option<i64> = sqlx::query_scalar(
        "UPDATE bookings SET state = 'cancelled', cancelled_at = $1
         WHERE student_id = (SELECT private_user_id FROM lessons WHERE school_id = $2 AND id = $3)
           AND school_id = $2 AND lesson_id = $3 AND state = 'booked' AND starts_at > $1
         RETURNING id",
    )
    .bind(now)
    .bind(school_id)
    .bind(lesson_id)
    .fetch_optional(&mut *conn)
    .await?;
    if freed.is_some() {
        crate::live::reminders::cancel_deleted_in(conn, school_id, lesson_id).await?;
    }
    Ok(())
}

/// In the transaction that cancels a live lesson's session (the live panel's "Cancel
/// session"), before `live` claims it: the booking the lesson was made for is cancelled
/// (freeing the slot) and the lesson leaves the student's outline. The cancellation mail
/// is `live`'s, sent once, to the student and the coach. If the session can't be
/// cancelled (started), the caller writes nothing. The first statement is the write.
/// `false`: this side cancels no session itself.
pub(crate) async fn on_cancel_session(
    conn: &mut AnyConnection,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<bool> {
    let now = now_ms();
    let freed: Option<i64> = sqlx::query_scalar(
        "UPDATE bookings SET state = 'cancelled', cancelled_at = $1
         WHERE student_id = (SELECT private_user_id FROM lessons WHERE school_id = $2 AND id = $3)
           AND school_id = $2 AND lesson_id = $3 AND state = 'booked'
         RETURNING id",
    )
    .bind(now)
    .bind(school_id)
    .bind(lesson_id)
    .fetch_optional(&mut *conn)
    .await?;
    if freed.is_some() {
        crate::courses::private::mark_cancelled(conn, school_id, lesson_id, now).await?;
    }
    Ok(false)
}

impl CourseHooks for BookingSide {
    fn cancel_session<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        school_id: SchoolId,
        lesson_id: LessonId,
    ) -> BoxFuture<'a, sqlx::Result<bool>> {
        Box::pin(on_cancel_session(tx, school_id, lesson_id))
    }

    fn lesson_deleted<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        school_id: SchoolId,
        lesson_id: LessonId,
    ) -> BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(on_lesson_deleted(tx, school_id, lesson_id))
    }
}
