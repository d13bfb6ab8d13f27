//! The HTTP edge of live sessions: Start (host), the join signature (students), the
//! instructor's attendance page and CSV, assigning unmatched participants.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::attendance;
use super::start::{self, Outcome};
use crate::courses::{Course, Lesson};
use crate::db::{LessonId, SchoolId, UserId};
use crate::web::{AppError, AppResult, Ctx, Form, Page, render};
use crate::zoom_connection::ZoomDeps;

pub fn routes() -> Router<ZoomDeps> {
    Router::new()
        .route("/live/{lesson}/start", post(start_meeting))
        .route("/api/live/{lesson}/join", post(join_signature))
        .route("/live/{lesson}/attendance", get(attendance_page))
        .route("/live/{lesson}/attendance.csv", get(attendance_csv))
        .route("/live/{lesson}/attendance/assign", post(assign))
        .route("/live/{lesson}/recordings/{file}", get(download_recording))
        .merge(super::feeds::routes())
        .merge(super::preferences::routes())
        .merge(super::watch::routes())
        .merge(super::dashboard::routes())
}

/// What "Cancel session" works with: the lesson hooks, so whatever else hangs off the
/// session (a booked 1-on-1's booking) is cancelled in the same transaction.
#[derive(Clone)]
pub struct CancelState {
    pub zoom: ZoomDeps,
    pub hooks: std::sync::Arc<dyn crate::courses::CourseHooks>,
}

pub fn cancel_routes() -> Router<CancelState> {
    Router::new().route("/live/{lesson}/cancel", post(cancel_session))
}

fn parse_id(s: &str) -> AppResult<i64> {
    s.parse().map_err(|_| AppError::NotFound)
}

/// A live lesson of this school (any other id, or another school's, is 404).
async fn live_lesson(state: &ZoomDeps, ctx: &Ctx, id: &str) -> AppResult<(Course, Lesson)> {
    let id = LessonId(parse_id(id)?);
    let (course, lesson) = super::lesson_in_school(&state.db, SchoolId(ctx.school.id), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !lesson.kind().is_scheduled() {
        return Err(AppError::NotFound);
    }
    Ok((course, lesson))
}

/// The lesson for someone who manages its course (host instructor or admin).
async fn managed(state: &ZoomDeps, ctx: &Ctx, id: &str) -> AppResult<(Course, Lesson)> {
    let user = ctx.require_user()?;
    let (course, lesson) = live_lesson(state, ctx, id).await?;
    if !crate::courses::can_manage(&state.db, user, &course).await? {
        return Err(AppError::NotFound);
    }
    Ok((course, lesson))
}

fn lesson_url(course: &Course, lesson: &Lesson) -> String {
    format!("/courses/{}/lessons/{}", course.slug, lesson.id)
}

/// "Cancel session" (host instructor or admin): the session moves to `cancelled`, the
/// students are notified; a session that already started can't be cancelled (409).
async fn cancel_session(
    State(state): State<CancelState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (course, lesson) = managed(&state.zoom, &ctx, &id).await?;
    match super::reminders::cancel(
        &state.zoom.db,
        state.hooks.as_ref(),
        course.school_id,
        &lesson,
    )
    .await?
    {
        super::reminders::Cancelled::Now => {
            Ok(Redirect::to(&format!("{}#live", lesson_url(&course, &lesson))).into_response())
        }
        super::reminders::Cancelled::NotCancellable => {
            Err(AppError::BadRequest(ctx.t("live-cancel-not-possible")))
        }
    }
}

async fn start_meeting(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (course, lesson) = managed(&state, &ctx, &id).await?;
    let user = ctx.require_user()?;
    let outcome = start::start(&state, &lesson, user).await?;
    let mut resp = match outcome {
        Outcome::Launch(url) => Redirect::to(&url).into_response(),
        Outcome::Failed(e) => Redirect::to(&format!(
            "{}?live_error={}#live",
            lesson_url(&course, &lesson),
            e.key()
        ))
        .into_response(),
    };
    // The start URL carries the host's credentials: keep it out of caches and referrers.
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(resp)
}

/// A recording file, streamed from Zoom to an enrolled student or a manager of the course.
async fn download_recording(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path((id, file)): Path<(String, String)>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    let (course, lesson) = live_lesson(&state, &ctx, &id).await?;
    let enrolled = crate::courses::progress::enrollment(
        &state.db,
        course.school_id,
        course.id,
        UserId(user.id),
    )
    .await?
    .is_some();
    let manager = crate::courses::can_manage(&state.db, &user, &course).await?;
    // As the player: enrolled students of a published course, or its managers.
    let may = manager || (enrolled && course.is_published());
    if !may
        || !crate::courses::private::may_see(
            &state.db,
            course.school_id,
            lesson.id,
            UserId(user.id),
            manager,
        )
        .await?
    {
        return Err(AppError::NotFound);
    }
    let session = super::by_lesson(&state.db, course.school_id, lesson.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = format!("{}-{}", course.slug, lesson.id);
    let dl = match super::download::open(&state, &session, &file, &name).await {
        Ok(dl) => dl,
        Err(super::download::DownloadError::NotFound) => return Err(AppError::NotFound),
        // Managers get the advice for that failure (reconnect, scopes, …); students, who
        // can do nothing about it, a plain "try later".
        Err(super::download::DownloadError::Zoom(e)) => {
            tracing::warn!(
                session = session.id,
                error = e.key(),
                "recording download failed"
            );
            let reason = if manager {
                e.message(&ctx.tr, &ctx.tz)
            } else {
                ctx.t("live-recording-download-later")
            };
            return Err(AppError::Upstream(ctx.t1(
                "live-recording-download-failed",
                "reason",
                reason,
            )));
        }
        Err(super::download::DownloadError::Db(e)) => return Err(e.into()),
    };
    if enrolled {
        // Watching the recording through Lectern is evidence a live lesson's rule may count.
        crate::courses::completion::note(
            &state.db,
            course.school_id,
            lesson.id,
            UserId(user.id),
            crate::courses::completion::Fact::Recording,
        )
        .await?;
    }
    let upstream = dl.response.headers().clone();
    let mut resp = Response::new(axum::body::Body::from_stream(dl.response.bytes_stream()));
    let h = resp.headers_mut();
    for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH] {
        if let Some(v) = upstream.get(&name) {
            h.insert(name, v.clone());
        }
    }
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", dl.file_name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

async fn join_signature(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    // A whole class asks at once: the lesson, its course, the enrolment and the lesson's
    // privacy (what `live_lesson`, `enrollment` and `may_see` would ask), kept per instance
    // for students; then the session, kept per lesson: a join asks the database nothing.
    let crate::courses::LessonForViewer {
        course,
        lesson,
        enrolled,
        private_to,
    } = crate::courses::viewers::lesson_for(
        &state.db,
        SchoolId(ctx.school.id),
        LessonId(parse_id(&id)?),
        &user,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    // An unpublished course has no player for students, so no join either.
    if !lesson.kind().is_scheduled() || !course.is_published() {
        return Err(AppError::NotFound);
    }
    // Another student's private 1-on-1 is refused like another course's lesson.
    if !enrolled || private_to.is_some_and(|owner| owner.0 != user.id) {
        return Err(AppError::Forbidden);
    }
    let view = super::ensure_view(&state.db, course.school_id, &lesson).await?;
    let answer = super::join::answer_with(
        &state,
        &view.session,
        Some(view.connection_connected),
        &user,
    )
    .await?;
    let mut resp = Json(answer).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

pub struct Row {
    pub key: String,
    pub name: String,
    pub email: String,
    pub from: String,
    pub to: String,
    pub segments: usize,
    pub minutes: i64,
    pub attended: bool,
}

#[derive(askama::Template)]
#[template(path = "live/attendance.html")]
struct AttendancePage {
    ctx: Ctx,
    course: Course,
    lesson: Lesson,
    state: String,
    rows: Vec<Row>,
    unmatched: Vec<Row>,
    students: Vec<(i64, String)>,
    attended: usize,
    absent: usize,
}

impl AttendancePage {
    fn summary(&self) -> String {
        self.ctx.tr.ta(
            "live-attendance-summary",
            &[
                ("attended", self.attended.to_string()),
                ("absent", self.absent.to_string()),
            ],
        )
    }
}

async fn rows(
    state: &ZoomDeps,
    ctx: &Ctx,
    course: &Course,
    lesson: &Lesson,
) -> AppResult<(String, Vec<Row>, Vec<Row>, Vec<(i64, String)>)> {
    let s = super::ensure(&state.db, course.school_id, lesson).await?;
    let people = attendance::attendees(&state.db, &s).await?;
    let students =
        crate::courses::queries::students(&state.db, course.school_id, course.id).await?;
    let fmt = |t: Option<i64>| t.map(|t| ctx.local_time(&t)).unwrap_or_default();
    let mut out = Vec::new();
    for (id, name, email) in &students {
        let a = people.iter().find(|a| a.user_id == Some(*id));
        out.push(Row {
            key: format!("u:{id}"),
            name: name.clone(),
            email: email.clone(),
            from: fmt(a.and_then(|a| a.first_join())),
            to: fmt(a.and_then(|a| a.last_leave())),
            segments: a.map_or(0, |a| a.segments.len()),
            minutes: a.map_or(0, |a| a.minutes()),
            attended: a.is_some_and(|a| !a.segments.is_empty()),
        });
    }
    let unmatched = people
        .iter()
        .filter(|a| a.user_id.is_none() && !a.is_host)
        .map(|a| Row {
            key: a.key.clone(),
            name: a.name.clone(),
            email: a.email.clone(),
            from: fmt(a.first_join()),
            to: fmt(a.last_leave()),
            segments: a.segments.len(),
            minutes: a.minutes(),
            attended: true,
        })
        .collect();
    let _ = lesson;
    Ok((
        s.state.as_str().to_string(),
        out,
        unmatched,
        students.into_iter().map(|(id, n, _)| (id, n)).collect(),
    ))
}

async fn attendance_page(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Page> {
    let (course, lesson) = managed(&state, &ctx, &id).await?;
    let (st, rows, unmatched, students) = rows(&state, &ctx, &course, &lesson).await?;
    let attended = rows.iter().filter(|r| r.attended).count();
    let absent = rows.len() - attended;
    render(&AttendancePage {
        ctx,
        course,
        lesson,
        state: st,
        rows,
        unmatched,
        students,
        attended,
        absent,
    })
}

async fn attendance_csv(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (course, lesson) = managed(&state, &ctx, &id).await?;
    let s = super::ensure(&state.db, course.school_id, &lesson).await?;
    let people = attendance::attendees(&state.db, &s).await?;
    let (_, rows, unmatched, _) = rows(&state, &ctx, &course, &lesson).await?;
    let iso = |t: Option<i64>| t.map(crate::web::time::iso_utc).unwrap_or_default();
    let find = |key: &str| {
        people
            .iter()
            .find(|a| a.key == key || a.user_id.map(|u| format!("u:{u}")).as_deref() == Some(key))
    };
    let lines: Vec<(String, String, String, String, i64)> = rows
        .iter()
        .chain(unmatched.iter())
        .map(|r| {
            let a = find(&r.key);
            (
                r.name.clone(),
                r.email.clone(),
                iso(a.and_then(|a| a.first_join())),
                iso(a.and_then(|a| a.last_leave())),
                r.minutes,
            )
        })
        .collect();
    let body = attendance::csv(&lines);
    let name = format!("attendance-lesson-{}.csv", lesson.id);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AssignForm {
    participant: String,
    user_id: String,
}

async fn assign(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> AppResult<Redirect> {
    let (course, lesson) = managed(&state, &ctx, &id).await?;
    let user_id: i64 = form
        .user_id
        .parse()
        .map_err(|_| AppError::BadRequest(ctx.t("live-assign-invalid")))?;
    let s = super::ensure(&state.db, course.school_id, &lesson).await?;
    if !attendance::assign(&state.db, &s, &form.participant, user_id).await? {
        return Err(AppError::BadRequest(ctx.t("live-assign-invalid")));
    }
    // The assigned minutes count for the student's completion.
    attendance::credit(&state.db, &s).await?;
    Ok(Redirect::to(&format!("/live/{}/attendance", lesson.id)))
}
