//! What the lesson player shows about a live lesson, per viewer: the host's Start button
//! and errors; a student's countdown, Join button, "ended" note, recording and own
//! attendance; and "Live sessions are unavailable right now" when Zoom is not usable.

use super::errors::LiveError;
use super::{State, attendance};
use crate::app::AppState;
use crate::courses::{Course, Lesson};
use crate::db::now_ms;
use crate::web::Ctx;
use crate::zoom_connection;

pub struct RecordingLink {
    pub label: String,
    pub url: String,
    /// Our download route, which streams the file from Zoom (its own link needs a token).
    pub download: Option<String>,
}

pub struct Panel {
    pub lesson_id: i64,
    pub state: &'static str,
    pub manager: bool,
    pub enrolled: bool,
    /// Zoom is not configured or the connection is not usable.
    pub unavailable: bool,
    pub can_start: bool,
    /// The host may cancel a session that is still scheduled.
    pub can_cancel: bool,
    pub start_opens_iso: String,
    pub starts_iso: String,
    pub error: String,
    pub reconnect_hint: bool,
    pub deleted_in_zoom: bool,
    pub host_present: bool,
    pub sdk_url: String,
    pub recordings: Vec<RecordingLink>,
    /// The student's own attendance ("" when none).
    pub my_attendance: String,
    pub attendance_url: String,
    pub edit_url: String,
    /// "Open in Zoom app" (enrolled students of a live session only).
    pub join_url: String,
}

impl Panel {
    pub fn is(&self, s: &str) -> bool {
        self.state == s
    }
    pub fn waiting(&self) -> bool {
        matches!(self.state, "scheduled" | "starting")
    }
}

async fn zoom_usable(
    state: &AppState,
    school_id: i64,
    course_id: i64,
    linked: Option<i64>,
) -> anyhow::Result<bool> {
    if state.zoom.is_none() {
        return Ok(false);
    }
    if let Some(conn_id) = linked {
        return Ok(zoom_connection::by_id(&state.db, conn_id)
            .await?
            .is_some_and(|c| c.is_connected()));
    }
    for i in crate::courses::instructors(&state.db, school_id, course_id).await? {
        if zoom_connection::for_host(&state.db, school_id, i.id)
            .await?
            .is_some_and(|c| c.is_connected())
        {
            return Ok(true);
        }
    }
    Ok(
        zoom_connection::find(&state.db, school_id, zoom_connection::Owner::School)
            .await?
            .is_some_and(|c| c.is_connected()),
    )
}

pub async fn build(
    state: &AppState,
    ctx: &Ctx,
    course: &Course,
    lesson: &Lesson,
    enrolled: bool,
    manager: bool,
    start_error: Option<&str>,
) -> anyhow::Result<Panel> {
    let s = super::ensure(&state.db, ctx.school.id, lesson).await?;
    let now = now_ms();
    let starts_at = lesson.starts_at.unwrap_or(now);
    let end = super::scheduled_end(lesson).unwrap_or(now);
    // A session nobody started is over once its time (plus grace) has passed.
    let mut st = s.state();
    if matches!(st, State::Scheduled | State::Starting)
        && now > end + state.config.live.end_grace_ms
    {
        st = State::Ended;
    }
    let unavailable = !matches!(st, State::Ended | State::Cancelled)
        && !zoom_usable(
            state,
            ctx.school.id,
            course.id,
            s.connection_id.filter(|_| st == State::Live),
        )
        .await?;
    let opens = starts_at - state.config.live.start_lead_ms;
    let mut error = String::new();
    let mut reconnect_hint = false;
    if manager {
        let stored = s.last_error_args.as_deref().and_then(LiveError::from_json);
        let from_query = start_error.and_then(simple_error);
        if let Some(e) = stored.or(from_query) {
            reconnect_hint = e.needs_reconnect();
            error = e.message(&ctx.tr, &ctx.tz);
        }
    }
    let recordings = if enrolled || manager {
        recordings(state, ctx, s.id, lesson.id).await?
    } else {
        Vec::new()
    };
    let my_attendance = match (&ctx.user, enrolled) {
        (Some(u), true) if matches!(st, State::Live | State::Ended) => {
            let mine = attendance::attendees(&state.db, &s)
                .await?
                .into_iter()
                .find(|a| a.user_id == Some(u.id));
            match mine {
                Some(a) => ctx.tr.ta(
                    "live-my-attendance",
                    &[
                        ("minutes", a.minutes().to_string()),
                        (
                            "from",
                            a.first_join()
                                .map(|t| ctx.local_time(&t))
                                .unwrap_or_default(),
                        ),
                        (
                            "to",
                            a.last_leave()
                                .map(|t| ctx.local_time(&t))
                                .unwrap_or_default(),
                        ),
                    ],
                ),
                None if st == State::Ended => ctx.t("live-my-attendance-none"),
                None => String::new(),
            }
        }
        _ => String::new(),
    };
    Ok(Panel {
        lesson_id: lesson.id,
        state: st.as_str(),
        manager,
        enrolled,
        unavailable,
        can_start: manager
            && !unavailable
            && matches!(st, State::Scheduled | State::Starting | State::Live)
            && now >= opens,
        can_cancel: manager && st == State::Scheduled,
        start_opens_iso: crate::web::time::iso_utc(opens),
        starts_iso: crate::web::time::iso_utc(starts_at),
        error,
        reconnect_hint,
        deleted_in_zoom: s.zoom_deleted_at.is_some() && st == State::Scheduled,
        host_present: s.host_present(),
        sdk_url: state
            .zoom
            .as_ref()
            .map(|z| z.settings.sdk_url.clone())
            .unwrap_or_default(),
        recordings,
        my_attendance,
        attendance_url: format!("/live/{}/attendance", lesson.id),
        edit_url: format!("/teach/courses/{}/lessons/{}", course.id, lesson.id),
        join_url: if enrolled && st == State::Live {
            s.join_url(&state.config.secret_key).unwrap_or_default()
        } else {
            String::new()
        },
    })
}

/// Errors passed back in the redirect after Start (only the argument-less ones).
fn simple_error(key: &str) -> Option<LiveError> {
    [
        LiveError::NotConfigured,
        LiveError::NotConnected,
        LiveError::WebinarPlanMissing,
        LiveError::NotEnabled,
        LiveError::NoPermission,
        LiveError::TryAgain,
        LiveError::MeetingDeleted,
        LiveError::Interrupted,
        LiveError::NotNow,
    ]
    .into_iter()
    .find(|e| e.key() == key)
}

#[derive(sqlx::FromRow)]
struct RecordingRow {
    file_id: String,
    file_type: String,
    play_url: Option<String>,
    download_url: Option<String>,
    play_passcode_sealed: Option<String>,
}

async fn recordings(
    state: &AppState,
    ctx: &Ctx,
    session_id: i64,
    lesson_id: i64,
) -> anyhow::Result<Vec<RecordingLink>> {
    let rows: Vec<RecordingRow> = sqlx::query_as(
        "SELECT file_id, file_type, play_url, download_url, play_passcode_sealed FROM live_recordings
         WHERE session_id = $1 ORDER BY id",
    )
    .bind(session_id)
    .fetch_all(&state.db.pool)
    .await?;
    let key = &state.config.secret_key;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let passcode = r
                .play_passcode_sealed
                .as_deref()
                .and_then(|s| super::open(key, s, &super::recording_aad(session_id, &r.file_id)));
            // A play link takes the passcode; Zoom's download link needs our bearer token,
            // so downloads go through our route.
            let download = r.download_url.is_some().then(|| {
                format!(
                    "/live/{lesson_id}/recordings/{}",
                    super::urlencode(&r.file_id)
                )
            });
            let url = match r.play_url {
                Some(p) if p.starts_with("https://") || p.starts_with("http://") => {
                    super::play_link(&p, passcode.as_deref())
                }
                _ => download.clone()?,
            };
            Some(RecordingLink {
                label: ctx.t1("live-recording-file", "kind", r.file_type),
                url,
                download,
            })
        })
        .collect())
}
