//! Calendar feeds of live lessons: per course for its enrolled students and instructors
//! (`/courses/{slug}/calendar.ics`, by session), and per user by a secret URL
//! (`/calendar/{token}.ics`, all the user's courses) for calendar apps to subscribe to.
//! The secret is looked up by its keyed hash and kept sealed so My courses can show it.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::ics;
use crate::crypto::random_token;
use crate::db::{Db, now_ms};
use crate::web::{AppError, AppResult, Ctx};
use crate::zoom_connection::ZoomDeps;

pub fn routes() -> Router<ZoomDeps> {
    Router::new()
        .route("/courses/{slug}/calendar.ics", get(course_feed))
        .route("/calendar/{file}", get(secret_feed))
        .route("/my/calendar/reset", post(reset))
}

#[derive(sqlx::FromRow)]
struct FeedRow {
    id: i64,
    title: String,
    kind: String,
    #[sqlx(flatten)]
    content: crate::courses::ContentColumns,
    ics_sequence: i64,
    course_title: String,
    slug: String,
    state: Option<String>,
}

fn feed_select() -> String {
    format!(
        "SELECT l.id, l.title, l.kind, {}, l.ics_sequence, c.title AS course_title, c.slug, s.state
     FROM lessons l JOIN courses c ON c.id = l.course_id LEFT JOIN live_sessions s ON s.lesson_id = l.id
     WHERE l.school_id = $1 AND l.kind IN ('live_session', 'webinar') AND l.starts_at IS NOT NULL",
        crate::courses::CONTENT_SQL
    )
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
    let enrolled =
        crate::courses::progress::enrollment(&state.db, ctx.school.id, course.id, user.id)
            .await?
            .is_some();
    if !enrolled && !manager {
        return Err(AppError::Forbidden);
    }
    let rows = sqlx::query_as::<_, FeedRow>(sqlx::AssertSqlSafe(format!(
        "{} AND l.course_id = $2 ORDER BY l.starts_at, l.id",
        feed_select()
    )))
    .bind(ctx.school.id)
    .bind(course.id)
    .fetch_all(&state.db.pool)
    .await?;
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
    let hash = state.config.secret_key.token_hash(token);
    let user_id: Option<i64> = sqlx::query_scalar(
        "SELECT user_id FROM calendar_feeds WHERE token_hash = $1 AND school_id = $2",
    )
    .bind(&hash)
    .bind(ctx.school.id)
    .fetch_optional(&state.db.pool)
    .await?;
    let user_id = user_id.ok_or(AppError::NotFound)?;
    let rows = sqlx::query_as::<_, FeedRow>(sqlx::AssertSqlSafe(format!(
        "{} AND (l.course_id IN (SELECT course_id FROM enrollments WHERE user_id = $2)
            OR l.course_id IN (SELECT course_id FROM course_instructors WHERE user_id = $2))
         ORDER BY l.starts_at, l.id",
        feed_select()
    )))
    .bind(ctx.school.id)
    .bind(user_id)
    .fetch_all(&state.db.pool)
    .await?;
    let name = ctx.t("calendar-feed-title");
    let body = ics::calendar(
        None,
        Some(&name),
        &events(&state, ctx.school.id, rows).await?,
        now_ms(),
    );
    Ok(ics_response(body))
}

fn aad(user_id: i64) -> String {
    format!("calendar_feeds:{user_id}")
}

/// The user's secret feed URL, if they created one.
pub async fn url_for(state: &ZoomDeps, user_id: i64) -> sqlx::Result<Option<String>> {
    let row: Option<(String, i64)> =
        sqlx::query_as("SELECT token_sealed, school_id FROM calendar_feeds WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(&state.db.pool)
            .await?;
    let Some((sealed, school_id)) = row else {
        return Ok(None);
    };
    let Ok(token) = state.config.secret_key.open(&sealed, &aad(user_id)) else {
        return Ok(None);
    };
    let path = format!("/calendar/{}.ics", String::from_utf8_lossy(&token));
    Ok(Some(state.school_url(school_id, &path).await?))
}

/// Creates the user's secret feed token, or replaces it (the old URL stops working).
pub async fn reset_token(
    state: &ZoomDeps,
    db: &Db,
    school_id: i64,
    user_id: i64,
) -> sqlx::Result<String> {
    let token = random_token();
    let key = &state.config.secret_key;
    sqlx::query(
        "INSERT INTO calendar_feeds (user_id, school_id, token_hash, token_sealed, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, token_sealed = excluded.token_sealed,
           created_at = excluded.created_at",
    )
    .bind(user_id)
    .bind(school_id)
    .bind(key.token_hash(&token))
    .bind(key.seal(token.as_bytes(), &aad(user_id)))
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(token)
}

async fn reset(State(state): State<ZoomDeps>, ctx: Ctx) -> AppResult<Redirect> {
    let user = ctx.require_user()?;
    reset_token(&state, &state.db, ctx.school.id, user.id).await?;
    Ok(Redirect::to("/my/courses#calendar-feed"))
}
