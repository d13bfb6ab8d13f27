//! Calendar feeds of live lessons: per course for its enrolled students and instructors
//! (`/courses/{slug}/calendar.ics`, by session), and per user by a secret URL
//! (`/calendar/{token}.ics`, all the user's courses) for calendar apps to subscribe to.
//! The rows and the secret token are `calendar.rs`'s.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub use super::calendar::url_for;
use super::calendar::{self, FeedRow};
use super::ics;
use crate::db::{UserId, now_ms};
use crate::web::{AppError, AppResult, Ctx};
use crate::zoom_connection::ZoomDeps;

pub fn routes() -> Router<ZoomDeps> {
    Router::new()
        .route("/courses/{slug}/calendar.ics", get(course_feed))
        .route("/calendar/{file}", get(secret_feed))
        .route("/my/calendar/reset", post(reset))
}

/// The feed's events; links open on the school's own origin. UIDs keep the base URL's host
/// so that a school's new domain does not duplicate every event in subscribed calendars.
async fn events(
    state: &ZoomDeps,
    school_id: i64,
    rows: Vec<FeedRow>,
) -> sqlx::Result<Vec<ics::Event>> {
    let host = state.config.base_url.host_str().unwrap_or("lectern");
    let origin = state.school_url(school_id, "").await?;
    let mut events = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(schedule) = crate::courses::schedule_of(r.id, &r.kind, r.content)? else {
            continue;
        };
        let url = format!("{origin}/courses/{}/lessons/{}", r.slug, r.id);
        events.push(ics::Event {
            uid: ics::uid(r.id, host),
            sequence: r.ics_sequence,
            starts_at: schedule.starts_at,
            ends_at: schedule.ends_at(),
            summary: r.title,
            description: format!("{}\n{url}", r.course_title),
            url,
            cancelled: r.state.as_deref() == Some("cancelled"),
            organizer: None,
        });
    }
    Ok(events)
}

fn ics_response(body: String) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

/// The course's live lessons, for its enrolled students and those who manage it.
async fn course_feed(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    let course = crate::courses::by_slug(&state.db, ctx.school.id, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let manager = crate::courses::can_manage(&state.db, user, &course).await?;
    if !manager && !course.is_published() {
        return Err(AppError::NotFound);
    }
    let enrolled = crate::courses::progress::enrollment(
        &state.db,
        course.school_id,
        course.id,
        UserId(user.id),
    )
    .await?
    .is_some();
    if !enrolled && !manager {
        return Err(AppError::Forbidden);
    }
    let rows = calendar::course_rows(&state.db, ctx.school.id, course.id, user.id).await?;
    let body = ics::calendar(
        None,
        Some(&course.title),
        &events(&state, ctx.school.id, rows).await?,
        now_ms(),
    );
    Ok(ics_response(body))
}

/// All live lessons of the courses a user is enrolled in or teaches, by secret URL.
async fn secret_feed(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path(file): Path<String>,
) -> AppResult<Response> {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    let user_id =
        calendar::user_of_token(&state.db, &state.config.secret_key, ctx.school.id, token)
            .await?
            .ok_or(AppError::NotFound)?;
    let rows = calendar::user_rows(&state.db, ctx.school.id, user_id).await?;
    let name = ctx.t("calendar-feed-title");
    let body = ics::calendar(
        None,
        Some(&name),
        &events(&state, ctx.school.id, rows).await?,
        now_ms(),
    );
    Ok(ics_response(body))
}

async fn reset(State(state): State<ZoomDeps>, ctx: Ctx) -> AppResult<Redirect> {
    let user = ctx.require_user()?;
    calendar::reset_token(&state.db, &state.config.secret_key, ctx.school.id, user.id).await?;
    Ok(Redirect::to("/my/courses#calendar-feed"))
}
