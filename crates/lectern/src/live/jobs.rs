//! Job kinds of live sessions. Each is idempotent and keyed so that scheduling it twice
//! creates one job. The kind strings and payload fields are stored in queued rows: never
//! rename them.

use crate::courses::schedule::DEFAULT_DURATION_MIN;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::{Session, State};
use crate::db::{LessonId, now_ms};
use crate::jobs::{self, Job, NewJob, Registry};
use crate::zoom_connection::{self, ZoomDeps, tokens};

/// Delay between the end and the participants report (Zoom needs a moment to process).
const REPORT_DELAY_MS: i64 = 2 * 60_000;
/// After a recording is collected the meeting may go, once the report had its chance.
const DELETE_AFTER_RECORDING_MS: i64 = 10 * 60_000;

/// Registers every job kind of this capability.
pub fn register(registry: &mut Registry, deps: &ZoomDeps) -> Result<(), jobs::DuplicateKind> {
    registry
        .register::<Reconcile>(deps.clone())?
        .register::<DeleteMeeting>(deps.clone())?
        .register::<EndOverdue>(deps.clone())?
        .register::<AttendanceReport>(deps.clone())?
        .register::<CreditAttendance>(deps.clone())?
        .register::<super::reminders::Reminder>(deps.clone())?
        .register::<ExpireUnstarted>(deps.clone())?;
    Ok(())
}

/// A `starting` session whose Start never reported back: find its meeting or start over.
#[derive(Serialize, Deserialize)]
pub(crate) struct Reconcile {
    pub session_id: i64,
    pub attempt: i64,
}

impl Job for Reconcile {
    const KIND: &'static str = "live_reconcile";
    type Deps = ZoomDeps;
    async fn run(self, deps: &ZoomDeps) -> anyhow::Result<()> {
        super::start::reconcile(deps, self.session_id, self.attempt).await
    }
}

/// Delete a meeting (or webinar) in Zoom once it is no longer needed.
#[derive(Serialize, Deserialize)]
pub(crate) struct DeleteMeeting {
    /// `None` for a meeting no session holds any more.
    #[serde(default)]
    pub session_id: Option<i64>,
    pub meeting_id: i64,
    #[serde(default)]
    pub webinar: bool,
    pub connection_id: i64,
}

impl Job for DeleteMeeting {
    const KIND: &'static str = "live_delete_meeting";
    type Deps = ZoomDeps;
    async fn run(self, deps: &ZoomDeps) -> anyhow::Result<()> {
        delete_meeting(deps, self).await
    }
}

/// A live session Zoom never said was over ends at its scheduled end + grace.
#[derive(Serialize, Deserialize)]
pub(crate) struct EndOverdue {
    pub session_id: i64,
    pub attempt: i64,
}

impl Job for EndOverdue {
    const KIND: &'static str = "live_end_overdue";
    type Deps = ZoomDeps;
    async fn run(self, deps: &ZoomDeps) -> anyhow::Result<()> {
        end_overdue(deps, self.session_id, self.attempt).await
    }
}

/// Reconcile attendance with Zoom's participants report after the end.
#[derive(Serialize, Deserialize)]
pub(crate) struct AttendanceReport {
    pub session_id: i64,
}

impl Job for AttendanceReport {
    const KIND: &'static str = "live_attendance_report";
    type Deps = ZoomDeps;
    async fn run(self, deps: &ZoomDeps) -> anyhow::Result<()> {
        super::attendance::reconcile_report(deps, self.session_id).await
    }
}

/// Turns an ended session's attendance into the students' live minutes, which the
/// lesson's completion rule counts (see `courses::completion`).
#[derive(Serialize, Deserialize)]
pub(crate) struct CreditAttendance {
    pub session_id: i64,
}

impl Job for CreditAttendance {
    const KIND: &'static str = "live_credit_attendance";
    type Deps = ZoomDeps;
    async fn run(self, deps: &ZoomDeps) -> anyhow::Result<()> {
        if let Some(s) = super::by_id(&deps.db, self.session_id).await? {
            super::attendance::credit(&deps.db, &s).await?;
        }
        Ok(())
    }
}

/// How long late attendance events are gathered before one credit counts them all: the
/// `participant_left` of a whole class arrive within seconds of the end, and each credit
/// evaluates every student of the lesson.
const CREDIT_BATCH_MS: i64 = 10_000;

/// Queues a credit of `session`'s attendance (one per batch window however many ask).
pub(crate) async fn enqueue_credit(
    conn: &mut AnyConnection,
    session: &Session,
    now: i64,
) -> sqlx::Result<()> {
    let window = now.div_euclid(CREDIT_BATCH_MS) + 1;
    jobs::enqueue(
        conn,
        NewJob::of(&CreditAttendance {
            session_id: session.id,
        })
        .school(session.school_id)
        .at(window * CREDIT_BATCH_MS)
        .dedupe(format!("live_credit:{}:{window}", session.id)),
    )
    .await?;
    Ok(())
}

/// A session nobody started ends at its scheduled end (+ grace); see [`schedule_expiry`].
#[derive(Serialize, Deserialize)]
pub(crate) struct ExpireUnstarted {
    pub lesson_id: LessonId,
    pub end: i64,
    #[serde(default)]
    pub after_grace: bool,
}

impl Job for ExpireUnstarted {
    const KIND: &'static str = "live_expire_unstarted";
    type Deps = ZoomDeps;
    async fn run(self, deps: &ZoomDeps) -> anyhow::Result<()> {
        expire_unstarted(deps, self.lesson_id, self.end, self.after_grace).await
    }
}

pub(crate) async fn enqueue_delete_meeting(
    conn: &mut AnyConnection,
    school_id: i64,
    session_id: i64,
    meeting_id: i64,
    webinar: bool,
    connection_id: i64,
    at: i64,
) -> sqlx::Result<()> {
    jobs::enqueue(
        conn,
        NewJob::of(&DeleteMeeting {
            session_id: Some(session_id),
            meeting_id,
            webinar,
            connection_id,
        })
        .school(school_id)
        .at(at)
        .dedupe(format!("live_delete:{meeting_id}:{at}")),
    )
    .await?;
    Ok(())
}

/// After `starting → live`: the session ends at scheduled end + grace if Zoom never says so.
pub(crate) async fn after_link(
    tx: &mut AnyConnection,
    state: &ZoomDeps,
    session: &Session,
) -> sqlx::Result<()> {
    #[derive(sqlx::FromRow)]
    struct Row {
        lesson_id: LessonId,
        kind: String,
        #[sqlx(flatten)]
        content: crate::courses::ContentColumns,
        attempt: i64,
    }
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT l.id AS lesson_id, l.kind, {}, s.attempt FROM lessons l JOIN live_sessions s ON s.lesson_id = l.id WHERE s.id = $1",
        crate::courses::CONTENT_SQL
    )))
    .bind(session.id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Ok(());
    };
    let attempt = row.attempt;
    // A session is only ever linked for a live lesson, which has a schedule.
    let end = crate::courses::schedule_of(row.lesson_id, &row.kind, row.content)?
        .ok_or_else(|| {
            sqlx::Error::Decode(
                format!(
                    "lesson {} of session {} is not live",
                    row.lesson_id, session.id
                )
                .into(),
            )
        })?
        .ends_at();
    jobs::enqueue(
        tx,
        NewJob::of(&EndOverdue {
            session_id: session.id,
            attempt,
        })
        .school(session.school_id)
        .at(end.max(now_ms()) + state.config.live.end_grace_ms)
        .dedupe(format!("live_end:{}:{attempt}", session.id)),
    )
    .await?;
    Ok(())
}

/// After `live → ended`: reconcile attendance with Zoom's report, then delete the meeting
/// after a delay (sooner once the recording is in).
pub(crate) async fn after_end(
    tx: &mut AnyConnection,
    state: &ZoomDeps,
    session: &Session,
) -> sqlx::Result<()> {
    let now = now_ms();
    enqueue_credit(tx, session, now).await?;
    if let Some(meeting_id) = session.meeting_id {
        jobs::enqueue(
            tx,
            NewJob::of(&AttendanceReport {
                session_id: session.id,
            })
            .school(session.school_id)
            .at(now + REPORT_DELAY_MS)
            .dedupe(format!("live_report:{}:{meeting_id}", session.id)),
        )
        .await?;
        if let Some(conn_id) = session.connection_id {
            enqueue_delete_meeting(
                tx,
                session.school_id,
                session.id,
                meeting_id,
                session.webinar(),
                conn_id,
                now + state.config.live.delete_delay_ms,
            )
            .await?;
        }
    }
    Ok(())
}

/// The recording is collected: the meeting may be deleted soon.
pub(crate) async fn after_recording(tx: &mut AnyConnection, session: &Session) -> sqlx::Result<()> {
    if let (Some(meeting_id), Some(conn_id), State::Ended) =
        (session.meeting_id, session.connection_id, session.state())
    {
        jobs::enqueue(
            tx,
            NewJob::of(&DeleteMeeting {
                session_id: Some(session.id),
                meeting_id,
                webinar: session.webinar(),
                connection_id: conn_id,
            })
            .school(session.school_id)
            .at(now_ms() + DELETE_AFTER_RECORDING_MS)
            .dedupe(format!("live_delete:{meeting_id}:recording")),
        )
        .await?;
    }
    Ok(())
}

/// `live → ended` (a conditional UPDATE; the first of webhook and timer wins).
pub(crate) async fn end_session(
    state: &ZoomDeps,
    session: &Session,
    at: i64,
) -> anyhow::Result<bool> {
    let mut tx = state.db.pool.begin().await?;
    let n = sqlx::query(
        "UPDATE live_sessions SET state = 'ended', ended_at = $1, host_present = 0, updated_at = $2
         WHERE id = $3 AND state = 'live'",
    )
    .bind(at)
    .bind(now_ms())
    .bind(session.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 1 {
        after_end(&mut tx, state, session).await?;
        crate::outbound::emit(
            &mut tx,
            session.school_id,
            crate::outbound::Event::LiveSessionEnded,
            &format!("live_session.ended:{}:{at}", session.id),
            serde_json::json!({
                "session_id": session.id,
                "lesson_id": session.lesson_id,
                "course_id": session.course_id,
                "started_at": session.started_at.map(crate::outbound::rfc3339),
                "ended_at": crate::outbound::rfc3339(at),
                "state": "ended",
            }),
        )
        .await?;
    }
    tx.commit().await?;
    if n == 1 {
        state.db.lesson_changed(session.change()).await;
        tracing::info!(session = session.id, "live session ended");
    }
    Ok(n == 1)
}

/// Enqueues the expiry of a live lesson ending at `end` that nobody starts: it runs at the
/// scheduled end (`at` = None) and again at `at` once the grace period is over (the grace
/// is configuration, which the lesson's transaction doesn't carry). Keyed by the end, so a
/// moved lesson gets a new job and the old one finds the lesson moved.
pub(crate) async fn schedule_expiry(
    conn: &mut AnyConnection,
    school_id: i64,
    lesson_id: LessonId,
    end: i64,
    at: Option<i64>,
) -> sqlx::Result<()> {
    let key = match at {
        None => format!("live_expire:{lesson_id}:{end}"),
        Some(at) => format!("live_expire:{lesson_id}:{end}:{at}"),
    };
    jobs::enqueue(
        conn,
        NewJob::of(&ExpireUnstarted {
            lesson_id,
            end,
            after_grace: at.is_some(),
        })
        .school(school_id)
        .at(at.unwrap_or(end))
        .dedupe(key),
    )
    .await?;
    Ok(())
}

/// The lesson still ends at `$3` (epoch ms; `Schedule::ends_at` in SQL, with the default
/// duration bound as `$4`, as a lesson without one is read): guards every expiry write, so
/// a lesson moved while this job runs is left alone.
const STILL_ENDS_AT: &str = "EXISTS (SELECT 1 FROM lessons l WHERE l.id = $2
       AND l.starts_at + COALESCE(l.duration_min, $4) * 60000 = $3)";

/// `scheduled → ended` for a session nobody started by its end + grace, so that the row,
/// not only the page, says it is over (attendance lists everyone as absent, Start is gone).
async fn expire_unstarted(
    state: &ZoomDeps,
    lesson_id: LessonId,
    end: i64,
    after_grace: bool,
) -> anyhow::Result<()> {
    let Some((school_id, current)) =
        crate::courses::queries::lesson_schedule(&state.db, lesson_id).await?
    else {
        return Ok(());
    };
    // A lesson changed to another kind no longer ends.
    if current.map(|s| s.ends_at()) != Some(end) {
        return Ok(());
    }
    let deadline = end + state.config.live.end_grace_ms;
    let now = now_ms();
    let later = |at: i64| async move {
        let mut conn = state.db.pool.acquire().await?;
        schedule_expiry(&mut conn, school_id.0, lesson_id, end, Some(at)).await?;
        anyhow::Ok(())
    };
    if !after_grace || now < deadline {
        return later(deadline).await;
    }
    let Some(s) = super::by_lesson(&state.db, school_id, lesson_id).await? else {
        // Never viewed: the row is created ended, with its event in the same transaction
        // (the INSERT is the transaction's first statement: SQLite's write lock first).
        let mut tx = state.db.pool.begin().await?;
        let made: Option<(i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "INSERT INTO live_sessions (school_id, course_id, lesson_id, is_webinar, state, attempt, host_present,
                 ended_at, expired_at, created_at, updated_at)
             SELECT school_id, course_id, id, CASE WHEN kind = 'webinar' THEN 1 ELSE 0 END, 'ended', 0, 0,
                 $1, $1, $1, $1
             FROM lessons WHERE id = $2 AND {STILL_ENDS_AT}
             ON CONFLICT (lesson_id) DO NOTHING
             RETURNING id, course_id"
        )))
        .bind(now)
        .bind(lesson_id)
        .bind(end)
        .bind(DEFAULT_DURATION_MIN)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((session_id, course_id)) = made {
            emit_expired(
                &mut tx,
                school_id.0,
                session_id,
                lesson_id.0,
                course_id,
                now,
            )
            .await?;
        }
        tx.commit().await?;
        if let Some(s) = super::by_lesson(&state.db, school_id, lesson_id).await? {
            state.db.lesson_changed(s.change()).await;
        }
        return Ok(());
    };
    match s.state() {
        State::Scheduled => {
            let mut tx = state.db.pool.begin().await?;
            let n = sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE live_sessions SET state = 'ended', ended_at = $1, expired_at = $1, updated_at = $1
                 WHERE lesson_id = $2 AND state = 'scheduled' AND {STILL_ENDS_AT}"
            )))
            .bind(now)
            .bind(lesson_id)
            .bind(end)
            .bind(DEFAULT_DURATION_MIN)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if n == 1 {
                emit_expired(&mut tx, s.school_id, s.id, s.lesson_id, s.course_id, now).await?;
            }
            tx.commit().await?;
            if n == 1 {
                state.db.lesson_changed(s.change()).await;
                tracing::info!(session = s.id, "live session ended without being started");
            }
            Ok(())
        }
        // Reconciliation decides first (it links a meeting or goes back to scheduled);
        // look again after it had its chance.
        State::Starting => later(now + state.config.live.reconcile_after_ms + 60_000).await,
        State::Live | State::Ended | State::Cancelled => Ok(()),
    }
}

/// `live_session.ended` for a session that ended because nobody started it: `state` is
/// `"expired"` (a session that took place says `"ended"`), `started_at` is null and
/// `ended_at` is when it was closed (its end + the grace, or later), in the transaction
/// that closed it. Receivers learn that it did not take place rather than never hearing
/// of it again.
async fn emit_expired(
    tx: &mut AnyConnection,
    school_id: i64,
    session_id: i64,
    lesson_id: i64,
    course_id: i64,
    at: i64,
) -> sqlx::Result<()> {
    crate::outbound::emit(
        tx,
        school_id,
        crate::outbound::Event::LiveSessionEnded,
        &format!("live_session.ended:{session_id}:{at}"),
        serde_json::json!({
            "session_id": session_id,
            "lesson_id": lesson_id,
            "course_id": course_id,
            "started_at": null,
            "ended_at": crate::outbound::rfc3339(at),
            "state": "expired",
        }),
    )
    .await
}

async fn end_overdue(state: &ZoomDeps, session_id: i64, attempt: i64) -> anyhow::Result<()> {
    let Some(s) = super::by_id(&state.db, session_id).await? else {
        return Ok(());
    };
    if s.state() == State::Live && s.attempt == attempt {
        end_session(state, &s, now_ms()).await?;
    }
    Ok(())
}

/// Deletes a Zoom meeting (or webinar); 404/3001 counts as done. A connection that is gone
/// can't delete anything: that is logged and the job ends.
async fn delete_meeting(state: &ZoomDeps, job: DeleteMeeting) -> anyhow::Result<()> {
    let DeleteMeeting {
        session_id,
        meeting_id,
        webinar,
        connection_id,
    } = job;
    let Some(conn) = zoom_connection::by_id(&state.db, connection_id).await? else {
        return Ok(());
    };
    if !conn.is_connected() {
        tracing::info!(
            meeting = meeting_id,
            "Zoom not connected; meeting left in Zoom"
        );
        return Ok(());
    }
    let r = tokens::with_api(state, &conn, |api| async move {
        if webinar {
            api.delete_webinar(meeting_id).await
        } else {
            api.delete_meeting(meeting_id, None).await
        }
    })
    .await;
    match r {
        Ok(_) => {}
        Err(tokens::AccessError::Zoom(e)) if e.kind() == zoom::ErrorKind::NotFound => {}
        Err(e) => anyhow::bail!("deleting Zoom meeting failed: {e}"),
    }
    if let Some(id) = session_id {
        sqlx::query(
            "UPDATE live_sessions SET cleaned_up_at = $1 WHERE id = $2 AND meeting_id = $3 AND cleaned_up_at IS NULL",
        )
        .bind(now_ms())
        .bind(id)
        .bind(meeting_id)
        .execute(&state.db.pool)
        .await?;
    }
    tracing::info!(meeting = meeting_id, "Zoom meeting deleted");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_sql_end_binds_the_default_duration_a_lesson_is_read_with() {
        assert!(
            super::STILL_ENDS_AT.contains("COALESCE(l.duration_min, $4)"),
            "STILL_ENDS_AT must take the default duration as a parameter"
        );
        let lesson = crate::courses::schedule_of(
            crate::db::LessonId(1),
            "live_session",
            crate::courses::ContentColumns {
                starts_at: Some(0),
                timezone: Some("UTC".into()),
                local_start: Some("1970-01-01T00:00".into()),
                ..Default::default()
            },
        )
        .unwrap()
        .unwrap();
        assert_eq!(lesson.ends_at(), super::DEFAULT_DURATION_MIN * 60_000);
    }
}
