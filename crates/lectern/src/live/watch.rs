//! What an open page uses to follow its live lessons without reloading (static/live.js):
//!
//! - `GET /courses/{slug}/live/events`: server-sent events, one `change` (`{"lesson":id}`)
//!   whenever a lesson of the course changed (see [`crate::push`]), `{"lesson":0}` when all
//!   of them may have (the school's Zoom connection changed); `resync` when this
//!   stream fell behind. No state travels here: the page asks the two routes below, which
//!   answer with the viewer's own rights.
//! - `GET /courses/{slug}/live/states`: the display state of every scheduled lesson of
//!   the course the viewer may see, for the outline's badges, and when the clock alone
//!   changes each.
//! - `GET /live/{lesson}/panel`: the player's live panel, freshly rendered for the viewer.
//!
//! The first two are open to whoever may see the course page (it shows the same times);
//! the panel to whoever may open the player. Another student's private 1-on-1 is in
//! none of them: not in the states, and its changes are not told on the stream.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use futures_util::stream;
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;

use super::display::{self, Display};
use crate::courses::{Course, ViewerExtras};
use crate::db::{CourseId, LessonId, SchoolId, UserId, now_ms};
use crate::push::StreamGuard;
use crate::web::{AppError, AppResult, Ctx, render};
use crate::zoom_connection::ZoomDeps;

pub fn routes() -> Router<ZoomDeps> {
    Router::new()
        .route("/courses/{slug}/live/events", get(events))
        .route("/courses/{slug}/live/states", get(states))
        .route("/live/{lesson}/panel", get(panel))
}

/// How long a browser waits before reconnecting a dropped stream (EventSource's `retry`).
const RECONNECT: Duration = Duration::from_secs(2);
/// A comment this often keeps proxies from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The course as its public page would show it to this viewer (published, or managed).
async fn visible(state: &ZoomDeps, ctx: &Ctx, slug: &str) -> AppResult<Course> {
    let view = crate::courses::for_viewer(
        &state.db,
        ctx.school.id,
        slug,
        ctx.user.as_ref(),
        ViewerExtras::None,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if !view.course.is_published() && !view.manager {
        return Err(AppError::NotFound);
    }
    Ok(view.course)
}

async fn events(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let course = visible(&state, &ctx, &slug).await?;
    let hub = &state.db.changes;
    let changes = Changes {
        rx: hub.subscribe(),
        school_id: course.school_id,
        course_id: course.id,
        _open: hub.open_stream(),
        greeted: false,
        db: state.db.clone(),
        viewer: ctx.user.as_ref().map_or(0, |u| u.id),
        seen: HashMap::new(),
    };
    let until_shutdown = hub.closed();
    let stream = stream::unfold(changes, next_event);
    let stream = futures_util::StreamExt::take_until(stream, until_shutdown);
    let mut resp = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    // Proxies that buffer (nginx) would hold the events back.
    resp.headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

struct Changes {
    rx: tokio::sync::broadcast::Receiver<crate::push::LessonChange>,
    school_id: SchoolId,
    course_id: CourseId,
    _open: StreamGuard,
    greeted: bool,
    db: crate::db::Db,
    /// The viewer (0: nobody signed in): another student's private 1-on-1 is not told.
    viewer: i64,
    /// Whether the viewer may see each lesson met so far (a lesson never changes from
    /// private to public or back), so each costs one probe per stream.
    seen: HashMap<LessonId, bool>,
}

impl Changes {
    /// The lesson id this viewer hears for a change of `lesson`: itself when they may see
    /// it, 0 ("look at everything again", naming nothing) when it is gone, `None` when it
    /// is another student's private session.
    async fn told(&mut self, lesson: LessonId) -> Option<LessonId> {
        if lesson.0 == 0 {
            return Some(lesson);
        }
        if let Some(&v) = self.seen.get(&lesson) {
            return v.then_some(lesson);
        }
        match crate::courses::private::visible_to(&self.db, self.school_id, lesson, self.viewer)
            .await
        {
            Ok(Some(v)) => {
                self.seen.insert(lesson, v);
                v.then_some(lesson)
            }
            Ok(None) | Err(_) => Some(LessonId(0)),
        }
    }
}

/// The next event for this stream: first a `ready` (which sets the reconnect delay and
/// tells the page it is connected), then this course's changes.
async fn next_event(mut c: Changes) -> Option<(Result<Event, Infallible>, Changes)> {
    if !c.greeted {
        c.greeted = true;
        let ev = Event::default().event("ready").retry(RECONNECT).data("{}");
        return Some((Ok(ev), c));
    }
    loop {
        match c.rx.recv().await {
            Ok(ch) if ch.concerns(c.school_id, c.course_id) => {
                let Some(lesson) = c.told(ch.lesson_id).await else {
                    continue;
                };
                let ev = Event::default()
                    .event("change")
                    .data(format!("{{\"lesson\":{lesson}}}"));
                return Some((Ok(ev), c));
            }
            Ok(_) => {}
            // Fell behind: the page reads everything again.
            Err(RecvError::Lagged(_)) => {
                return Some((Ok(Event::default().event("resync").data("{}")), c));
            }
            Err(RecvError::Closed) => return None,
        }
    }
}

#[derive(Serialize)]
struct LessonState {
    lesson: LessonId,
    display: &'static str,
    /// The badge text in the viewer's language.
    label: String,
    /// The scheduled start (it may have moved since the page was rendered).
    starts: String,
    /// The same in the viewer's time zone, as the outline writes it.
    when: String,
    /// Set while a countdown belongs to the badge (upcoming only).
    countdown_to: Option<String>,
    /// When the clock alone changes this lesson's display; ask again then.
    next_change: Option<String>,
}

#[derive(Serialize)]
struct States {
    lessons: Vec<LessonState>,
}

async fn states(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let course = visible(&state, &ctx, &slug).await?;
    let windows = super::windows(&state.config);
    let now = now_ms();
    let viewer = ctx.user.as_ref().map_or(0, |u| u.id);
    let lessons = super::course_facts(&state.db, course.school_id, course.id, viewer)
        .await?
        .into_iter()
        .map(|(lesson, f)| {
            let d = display::display(&f, &windows, now);
            LessonState {
                lesson,
                display: d.as_str(),
                label: ctx.t(d.badge_key()),
                starts: crate::web::time::iso_utc(f.starts_at),
                when: ctx.local_time(&f.starts_at),
                countdown_to: (d == Display::Upcoming)
                    .then(|| crate::web::time::iso_utc(f.starts_at)),
                next_change: display::next_change(&f, &windows, now).map(crate::web::time::iso_utc),
            }
        })
        .collect();
    let mut resp = Json(States { lessons }).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[derive(askama::Template)]
#[template(path = "live/panel_fragment.html")]
pub(super) struct PanelFragment {
    pub(super) ctx: Ctx,
    pub(super) live: Option<super::panel::Panel>,
}

async fn panel(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    let id = LessonId(id.parse().map_err(|_| AppError::NotFound)?);
    let (course, lesson) = super::lesson_in_school(&state.db, SchoolId(ctx.school.id), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !lesson.kind().is_scheduled() {
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
    let manager = crate::courses::can_manage(&state.db, &user, &course).await?;
    // As the player: enrolled students of a published course, or its managers.
    if !(manager || (enrolled && course.is_published()))
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
    let p = super::panel::build(&state, &ctx, &course, &lesson, enrolled, manager, None).await?;
    Ok(render(&PanelFragment { ctx, live: Some(p) })?.into_response())
}
