//! A course's live sessions with their state and start, and one session with where to
//! join it (`live:read`; the course's managers and its enrolled students), and one
//! session's attendance (`live:read`; managers only). A session is named by its lesson's
//! id. Sessions are scheduled and moved through the lessons (`api::lessons`).

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page::{self, Page};
use super::{ApiError, ApiQuery, ApiResult, ApiState, Caller, instant, parse_instant, path_id};
use crate::courses::{self, progress};
use crate::db::{LessonId, SchoolId, UserId};

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionOut {
    /// The live lesson's id, which names the session.
    pub id: i64,
    pub course_id: i64,
    pub title: String,
    /// `live_session` or `webinar`.
    pub kind: String,
    /// `scheduled`, `starting`, `live`, `ended` or `cancelled`.
    pub state: String,
    /// The scheduled start (RFC 3339, UTC).
    pub starts_at: Option<String>,
    pub duration_min: Option<i64>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListSessions {
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1–100 (default 50).
    pub limit: Option<i64>,
    /// Only sessions scheduled to start at or after this instant (RFC 3339).
    pub starts_after: Option<String>,
    /// Only sessions scheduled to start before this instant (RFC 3339).
    pub starts_before: Option<String>,
}

/// The course's live sessions, by id.
#[utoipa::path(
    get, path = "/api/v1/courses/{id}/live-sessions", tag = "live",
    params(("id" = i64, Path, description = "The course's id"), ListSessions),
    responses(
        (status = 200, description = "A page of live sessions", body = Page<SessionOut>),
        (status = 403, description = "The token lacks live:read, or the user neither manages nor takes the course", body = super::error::ErrorBody),
        (status = 404, description = "No such course", body = super::error::ErrorBody),
        super::error::Common,
        super::error::BadQuery,
    )
)]
pub async fn list(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListSessions>,
) -> ApiResult<Json<Page<SessionOut>>> {
    caller.need("live:read")?;
    let (course, manager) = super::courses::visible(&state, &caller.user, &id).await?;
    if !manager
        && progress::enrollment(
            &state.db,
            course.school_id,
            course.id,
            UserId(caller.user.id),
        )
        .await?
        .is_none()
    {
        return Err(ApiError::forbidden(
            "only the course's managers and enrolled students see its live sessions",
        ));
    }
    let limit = page::limit(q.limit)?;
    let list = format!("live-sessions/{}", course.id.0);
    let after = page::after(&list, q.cursor.as_deref())?;
    let from = parse_instant("starts_after", q.starts_after.as_deref())?;
    let to = parse_instant("starts_before", q.starts_before.as_deref())?;
    let rows = crate::live::listing::sessions_page(
        &state.db,
        course.school_id,
        course.id,
        caller.user.id,
        after,
        from,
        to,
        limit + 1,
    )
    .await?;
    Ok(Json(page::page(
        &list,
        limit,
        rows,
        |r| r.lesson_id,
        |r| SessionOut {
            id: r.lesson_id,
            course_id: course.id.0,
            title: r.title,
            kind: r.kind,
            state: r.state.unwrap_or_else(|| "scheduled".to_string()),
            starts_at: r.starts_at.map(instant),
            duration_min: r.duration_min,
            started_at: r.started_at.map(instant),
            ended_at: r.ended_at.map(instant),
        },
    )))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Segment {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttendeeOut {
    /// The Lectern user, when the participant was matched to one.
    pub user_id: Option<i64>,
    pub name: String,
    pub email: String,
    pub is_host: bool,
    /// In the room now.
    pub present: bool,
    pub minutes: i64,
    pub segments: Vec<Segment>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttendanceOut {
    pub session_id: i64,
    pub state: String,
    pub attendees: Vec<AttendeeOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDetail {
    #[serde(flatten)]
    pub session: SessionOut,
    /// The IANA zone the start was given in, and the wall time there.
    pub timezone: Option<String>,
    pub local_start: Option<String>,
    /// The scheduled end (RFC 3339, UTC).
    pub ends_at: Option<String>,
    /// `zoom` (joined from Lectern's lesson page) or `external` (a link the lesson page
    /// shows to its students).
    pub venue: String,
    /// The lesson page where a student joins (and a host starts) the session, on the
    /// school's address. Zoom's own join and start links and passcodes are never given
    /// out: they are per-person secrets handed over by that page.
    pub join_page: String,
}

/// The session of a live lesson the user may see: 404 for another school's, an unknown
/// one, or a private 1-on-1 of someone else; 403 for a user who neither manages nor takes
/// the course. Also whether the user manages it.
async fn session_lesson(
    state: &ApiState,
    caller: &Caller,
    raw_id: &str,
) -> ApiResult<(courses::Course, courses::Lesson, bool)> {
    let school = SchoolId(caller.user.school_id);
    let lesson_id = LessonId(path_id(raw_id, "live session")?);
    let course_id = courses::queries::lesson_course_id(&state.db, school, lesson_id)
        .await?
        .ok_or_else(|| ApiError::not_found("live session"))?;
    let course = courses::by_id(&state.db, school, course_id)
        .await?
        .ok_or_else(|| ApiError::not_found("live session"))?;
    let lesson = courses::lesson(&state.db, school, course.id, lesson_id)
        .await?
        .filter(|l| l.kind().is_scheduled())
        .ok_or_else(|| ApiError::not_found("live session"))?;
    let manager = courses::can_manage(&state.db, &caller.user, &course).await?;
    if !manager {
        if !course.is_published()
            || courses::private::visible_to(&state.db, school, lesson.id, caller.user.id).await?
                != Some(true)
        {
            return Err(ApiError::not_found("live session"));
        }
        if progress::enrollment(&state.db, school, course.id, UserId(caller.user.id))
            .await?
            .is_none()
        {
            return Err(ApiError::forbidden(
                "only the course's managers and enrolled students see its live sessions",
            ));
        }
    }
    Ok((course, lesson, manager))
}

/// One live session: its state, schedule and where to join it.
#[utoipa::path(
    get, path = "/api/v1/live-sessions/{id}", tag = "live",
    params(("id" = i64, Path, description = "The session's (live lesson's) id")),
    responses(
        (status = 200, description = "The session", body = SessionDetail),
        (status = 403, description = "The token lacks live:read, or the user neither manages nor takes the course", body = super::error::ErrorBody),
        (status = 404, description = "No such session", body = super::error::ErrorBody),
        super::error::Common,
    )
)]
pub async fn get(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<SessionDetail>> {
    caller.need("live:read")?;
    let (course, lesson, _) = session_lesson(&state, &caller, &id).await?;
    let session = crate::live::by_lesson(&state.db, course.school_id, lesson.id).await?;
    let schedule = lesson.schedule();
    let external = courses::live_options::effective(&state.db, course.school_id, lesson.id)
        .await?
        .external_url
        .is_some();
    let origin =
        crate::schools::domains::origin(&state.db, &state.config.base_url, course.school_id.0)
            .await?;
    Ok(Json(SessionDetail {
        session: SessionOut {
            id: lesson.id.0,
            course_id: course.id.0,
            title: lesson.title.clone(),
            kind: lesson.kind().as_str().to_string(),
            state: session
                .as_ref()
                .map_or("scheduled", |s| s.state().as_str())
                .to_string(),
            starts_at: schedule.map(|s| instant(s.starts_at)),
            duration_min: schedule.map(|s| s.duration_min),
            started_at: session.as_ref().and_then(|s| s.started_at).map(instant),
            ended_at: session.as_ref().and_then(|s| s.ended_at).map(instant),
        },
        timezone: schedule.map(|s| s.timezone.clone()),
        local_start: schedule.map(|s| s.local_start.clone()),
        ends_at: schedule.map(|s| instant(s.ends_at())),
        venue: if external { "external" } else { "zoom" }.to_string(),
        join_page: format!(
            "{}/courses/{}/lessons/{}",
            origin.trim_end_matches('/'),
            course.slug,
            lesson.id.0
        ),
    }))
}

/// Who attended a session, with their time in the room.
#[utoipa::path(
    get, path = "/api/v1/live-sessions/{id}/attendance", tag = "live",
    params(("id" = i64, Path, description = "The session's (live lesson's) id")),
    responses(
        (status = 200, description = "The attendance", body = AttendanceOut),
        (status = 403, description = "The token lacks live:read, or the user does not manage the course", body = super::error::ErrorBody),
        (status = 404, description = "No such session", body = super::error::ErrorBody),
        super::error::Common,
    )
)]
pub async fn attendance(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<AttendanceOut>> {
    caller.need("live:read")?;
    let school = SchoolId(caller.user.school_id);
    let lesson_id = LessonId(path_id(&id, "live session")?);
    let course_id = courses::queries::lesson_course_id(&state.db, school, lesson_id)
        .await?
        .ok_or_else(|| ApiError::not_found("live session"))?;
    let course = courses::by_id(&state.db, school, course_id)
        .await?
        .ok_or_else(|| ApiError::not_found("live session"))?;
    let lesson = courses::lesson(&state.db, school, course.id, lesson_id)
        .await?
        .filter(|l| l.kind().is_scheduled())
        .ok_or_else(|| ApiError::not_found("live session"))?;
    if !courses::can_manage(&state.db, &caller.user, &course).await? {
        return Err(ApiError::forbidden(
            "only the course's instructors and the school's admins see attendance",
        ));
    }
    let session = crate::live::by_lesson(&state.db, school, lesson.id).await?;
    let (state_name, attendees) = match session {
        Some(s) => (
            s.state().as_str().to_string(),
            crate::live::attendance::attendees(&state.db, &s).await?,
        ),
        None => ("scheduled".to_string(), Vec::new()),
    };
    Ok(Json(AttendanceOut {
        session_id: lesson.id.0,
        state: state_name,
        attendees: attendees
            .into_iter()
            .map(|a| AttendeeOut {
                minutes: a.minutes(),
                user_id: a.user_id,
                name: a.name,
                email: a.email,
                is_host: a.is_host,
                present: a.present,
                segments: a
                    .segments
                    .iter()
                    .map(|(f, t)| Segment {
                        from: instant(*f),
                        to: instant(*t),
                    })
                    .collect(),
            })
            .collect(),
    }))
}
