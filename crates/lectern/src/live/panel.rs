//! What the lesson player shows about a live lesson, per viewer: the host's Start button
//! and errors; a student's countdown, Join button, "ended" note, recording and own
//! attendance; and "Live sessions are unavailable right now" when Zoom is not usable.

use super::display::Display;
use super::errors::LiveError;
use super::{State, attendance};
use crate::courses::{Course, Lesson};
use crate::db::{CourseId, LessonId, SchoolId, now_ms};
use crate::i18n::Arg;
use crate::web::Ctx;
use crate::zoom_connection;
use crate::zoom_connection::ZoomDeps;

pub struct RecordingLink {
    pub label: String,
    pub url: String,
    /// Our download route, which streams the file from Zoom (its own link needs a token).
    pub download: Option<String>,
}

pub struct Panel {
    pub lesson_id: LessonId,
    pub course_slug: String,
    /// The one state this page shows (see [`super::display`]).
    pub display: Display,
    pub manager: bool,
    pub enrolled: bool,
    /// Zoom is not configured or the connection is not usable.
    pub unavailable: bool,
    pub can_start: bool,
    /// The host may cancel a session that is still scheduled.
    pub can_cancel: bool,
    pub start_opens_iso: String,
    pub starts_iso: String,
    /// The countdowns' text when the page is made, so they are not blank before the
    /// script's first tick.
    pub start_opens_countdown: String,
    pub starts_countdown: String,
    /// The start in the viewer's time zone.
    pub starts_local: String,
    pub duration_min: i64,
    /// The wall time and zone the instructor chose, when the viewer is in another zone
    /// ("" when it would only repeat `starts_local`).
    pub wall_time: String,
    /// When the clock alone changes the display (the page asks again then); "" if never.
    pub next_change_iso: String,
    pub error: String,
    pub reconnect_hint: bool,
    pub deleted_in_zoom: bool,
    pub host_present: bool,
    /// The Meeting SDK's scripts in load order, as a JSON array (see `ZoomSettings`).
    pub sdk_scripts: String,
    pub sdk_web_endpoint: String,
    pub sdk_asset_path: String,
    /// The viewer's language as one of the SDK's codes.
    pub sdk_language: &'static str,
    pub recordings: Vec<RecordingLink>,
    /// The student's own attendance ("" when none).
    pub my_attendance: String,
    pub attendance_url: String,
    pub edit_url: String,
    /// "Open in Zoom app" (enrolled students of a live session only).
    pub join_url: String,
    /// The https link the session is held at instead of Zoom ("" for a Zoom session):
    /// Join opens it; no meeting is created and Start is not offered.
    pub external_url: String,
}

impl Panel {
    pub fn is(&self, s: &str) -> bool {
        self.display.as_str() == s
    }
    /// Before the session: the host may still cancel, nobody can join yet.
    pub fn pending(&self) -> bool {
        matches!(
            self.display,
            Display::Upcoming | Display::OpeningSoon | Display::StartingNow
        )
    }
}

async fn zoom_usable(
    state: &ZoomDeps,
    school_id: SchoolId,
    course_id: CourseId,
    // Whether the connection a live session runs on is connected (read with the session).
    linked_connected: Option<bool>,
) -> anyhow::Result<bool> {
    if state.zoom.is_none() {
        return Ok(false);
    }
    if let Some(connected) = linked_connected {
        return Ok(connected);
    }
    for i in crate::courses::instructors(&state.db, school_id, course_id).await? {
        if zoom_connection::for_host(&state.db, school_id.0, i.id)
            .await?
            .is_some_and(|c| c.is_connected())
        {
            return Ok(true);
        }
    }
    Ok(
        zoom_connection::find(&state.db, school_id.0, zoom_connection::Owner::School)
            .await?
            .is_some_and(|c| c.is_connected()),
    )
}

/// The Web Meeting SDK's code for a page language (`de` → `de-DE`); the SDK ignores
/// anything not in its list and stays English.
pub(crate) fn sdk_language(lang: &str) -> &'static str {
    match lang.split(['-', '_']).next().unwrap_or("") {
        "de" => "de-DE",
        "es" => "es-ES",
        "fr" => "fr-FR",
        "it" => "it-IT",
        "pt" => "pt-PT",
        "nl" => "nl-NL",
        "pl" => "pl-PL",
        // 6.x's codes; jp-JP and ko-KO are deprecated since 4.0 (docs/zoom-web-sdk.md).
        "ja" | "jp" => "ja-JP",
        "ko" => "ko-KR",
        "zh" => "zh-CN",
        "ru" => "ru-RU",
        "tr" => "tr-TR",
        "sv" => "sv-SE",
        "vi" => "vi-VN",
        "id" => "id-ID",
        _ => "en-US",
    }
}

pub async fn build(
    state: &ZoomDeps,
    ctx: &Ctx,
    course: &Course,
    lesson: &Lesson,
    enrolled: bool,
    manager: bool,
    start_error: Option<&str>,
) -> anyhow::Result<Panel> {
    // The session, the lesson's external link, its connection's state and whether it has
    // recordings: one statement.
    let super::SessionView {
        session: s,
        external_url,
        connection_connected,
        has_recordings,
    } = super::ensure_view(&state.db, course.school_id, lesson).await?;
    let now = now_ms();
    let windows = super::windows(&state.config);
    // Only live lessons reach the panel, and a live lesson always has a schedule; a
    // row without one is corrupt, and pretending it starts now would open the room.
    let facts = super::facts(lesson, Some(&s))
        .ok_or_else(|| anyhow::anyhow!("lesson {} has no live schedule", lesson.id))?;
    let mut display = super::display::display(&facts, &windows, now);
    if external_url.is_some() && display == Display::DidNotTakePlace {
        // Nobody starts an external session: once its time is over, it is over.
        display = Display::Ended;
    }
    let next_change = super::display::next_change(&facts, &windows, now);
    let st = s.state();
    let unavailable = !display.is_final()
        && external_url.is_none()
        && !zoom_usable(
            state,
            course.school_id,
            course.id,
            s.connection_id
                .filter(|_| st == State::Live)
                .map(|_| connection_connected),
        )
        .await?;
    let opens = facts.starts_at - windows.start_lead_ms;
    let mut error = String::new();
    let mut reconnect_hint = false;
    if manager {
        let stored = s.last_error_args.as_deref().and_then(LiveError::from_json);
        let from_query = start_error.and_then(simple_error);
        if let Some(e) = stored.or(from_query) {
            reconnect_hint = e.needs_reconnect();
            // Under the heading "Failed to create Zoom meeting/webinar".
            error = e.with_heading(&ctx.tr, &ctx.tz, s.webinar());
        }
    }
    let recordings = if has_recordings && (enrolled || manager) {
        recordings(state, ctx, s.id, lesson.id).await?
    } else {
        Vec::new()
    };
    let my_attendance = match (&ctx.user, enrolled) {
        // Once it is over: during the session the minutes would still be growing.
        (Some(u), true) if display == Display::Ended => {
            let mine = attendance::attendance_of(&state.db, &s, u.id).await?;
            match mine {
                Some(a) => {
                    let at = |t: Option<i64>| {
                        Arg::from(t.map(|t| ctx.local_time(&t)).unwrap_or_default())
                    };
                    ctx.tr.ta(
                        "live-my-attendance",
                        &[
                            // A number, so that the catalogue's plural rules apply.
                            ("minutes", Arg::from(a.minutes())),
                            ("from", at(a.first_join())),
                            ("to", at(a.last_leave())),
                        ],
                    )
                }
                None if display == Display::Ended => ctx.t("live-my-attendance-none"),
                None => String::new(),
            }
        }
        _ => String::new(),
    };
    let zoom = state.zoom.as_ref().map(|z| &z.settings);
    Ok(Panel {
        lesson_id: lesson.id,
        course_slug: course.slug.clone(),
        display,
        manager,
        enrolled,
        unavailable,
        can_start: manager
            && !unavailable
            && external_url.is_none()
            && matches!(
                display,
                Display::OpeningSoon | Display::StartingNow | Display::Live
            ),
        can_cancel: manager && st == State::Scheduled && !display.is_final(),
        start_opens_iso: crate::web::time::iso_utc(opens),
        starts_iso: crate::web::time::iso_utc(facts.starts_at),
        start_opens_countdown: crate::web::time::countdown(opens, now, &ctx.tr),
        starts_countdown: crate::web::time::countdown(facts.starts_at, now, &ctx.tr),
        starts_local: ctx.local_time(&facts.starts_at),
        // The length the session's state is computed with (the lesson's `Schedule`).
        duration_min: (facts.ends_at - facts.starts_at) / 60_000,
        wall_time: match lesson.schedule() {
            Some(s) if s.timezone != ctx.tz_name => {
                format!("{} {}", s.local_start.replace('T', " "), s.timezone)
            }
            _ => String::new(),
        },
        next_change_iso: next_change
            .map(crate::web::time::iso_utc)
            .unwrap_or_default(),
        error,
        reconnect_hint,
        deleted_in_zoom: s.zoom_deleted_at.is_some() && st == State::Scheduled,
        host_present: s.host_present(),
        sdk_scripts: zoom
            .map(|z| serde_json::to_string(&z.sdk_scripts()).unwrap_or_default())
            .unwrap_or_default(),
        sdk_web_endpoint: zoom
            .and_then(|z| z.sdk_web_endpoint.clone())
            .unwrap_or_default(),
        sdk_asset_path: zoom.map(|z| z.sdk_asset_path()).unwrap_or_default(),
        sdk_language: sdk_language(&ctx.tr.lang()),
        recordings,
        my_attendance,
        attendance_url: format!("/live/{}/attendance", lesson.id),
        // Offered after a disconnect: the editor opens with the external-link switch on.
        edit_url: format!(
            "/teach/courses/{}/lessons/{}?venue=external",
            course.id, lesson.id
        ),
        join_url: if enrolled && st == State::Live {
            s.join_url(&state.config.secret_key).unwrap_or_default()
        } else {
            String::new()
        },
        external_url: external_url.unwrap_or_default(),
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
    state: &ZoomDeps,
    ctx: &Ctx,
    session_id: i64,
    lesson_id: LessonId,
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
