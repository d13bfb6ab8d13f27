//! The room dashboard of a live session (its host and the course's managers only): who
//! of the enrolled students is in the room now, who joined late, who left early, who
//! never came, each one's minutes (the merged segments of [`super::attendance`]) and the
//! count against enrolment; after the end the same page is the session report, with the
//! room's size over time as a server-rendered SVG chart (its numbers in a table one click
//! away) and each student's segments on a time axis.
//!
//! - `GET /live/{lesson}/dashboard`: the page; `…/dashboard/view`: the part that changes
//!   (`#dash-view`), freshly rendered.
//! - `GET /live/{lesson}/dashboard/events`: server-sent events, `change` when the session
//!   changed ([`crate::push`]'s lesson changes) or someone joined or left (its room
//!   changes, which players never hear). Changes are coalesced: at most one event per
//!   [`COALESCE`] per stream, so a class of 2,000 joining costs each open dashboard a few
//!   fetches a second, not 2,000. A reconnect gets `ready`, and the page fetches afresh
//!   (`static/dashboard.js`).
//! - `POST …/dashboard/grace`: after how many minutes past the start an arrival is late.
//! - `POST …/dashboard/absentees`: "we started — join here" to every enrolled student not
//!   in the session yet, once per student and scheduled start (a `live_notifications_sent`
//!   row of kind `started`, written with the mail in one transaction; a second click or
//!   tab sends nobody a second one).

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use futures_util::stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::attendance::{self, Attendee};
use super::{Session, State as SessionState};
use crate::courses::{Course, Lesson};
use crate::db::{Db, LessonId, SchoolId, now_ms};
use crate::email::{self, Email};
use crate::i18n::Tr;
use crate::push::{LessonChange, StreamGuard};
use crate::web::{AppError, AppResult, Ctx, Form, Page, render};
use crate::zoom_connection::ZoomDeps;

pub fn routes() -> Router<ZoomDeps> {
    Router::new()
        .route("/live/{lesson}/dashboard", get(page))
        .route("/live/{lesson}/dashboard/view", get(view))
        .route("/live/{lesson}/dashboard/events", get(events))
        .route("/live/{lesson}/dashboard/grace", post(set_grace))
        .route(
            "/live/{lesson}/dashboard/absentees",
            post(message_absentees),
        )
}

/// Late after the start plus this, unless the instructor set another grace.
pub const DEFAULT_LATE_GRACE_MIN: i64 = 5;
/// The longest grace the form accepts.
pub const MAX_LATE_GRACE_MIN: i64 = 120;
/// At most one `change` per stream this often (the first of a quiet spell goes at once).
pub const COALESCE: Duration = Duration::from_millis(500);
const RECONNECT: Duration = Duration::from_secs(2);
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// The `kind` of the absentee notice in `live_notifications_sent`.
const NOTICE_KIND: &str = "started";

/// What the classification needs of the session.
#[derive(Clone, Copy, Debug)]
pub struct Facts {
    pub state: SessionState,
    pub scheduled_start: i64,
    /// When the meeting started (`started_at`, else when it was linked).
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub now: i64,
    pub grace_ms: i64,
}

/// One enrolled student's place in the room.
#[derive(Clone, Debug)]
pub struct Student {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub came: bool,
    /// In the room now (only while the session runs).
    pub in_room: bool,
    /// First joined after [`Room::late_after`].
    pub late: bool,
    /// While live: came and is not in the room; after the end: last left more than the
    /// grace before the end.
    pub left_early: bool,
    pub minutes: i64,
    pub segments: Vec<(i64, i64)>,
}

/// The room: every category counted over the enrolled students, and its size over time.
#[derive(Clone, Debug)]
pub struct Room {
    pub live: bool,
    pub ended: bool,
    /// The axis: from the start (or the first join, if earlier) to the end or now.
    pub from: i64,
    pub to: i64,
    pub late_after: i64,
    pub students: Vec<Student>,
    pub enrolled: usize,
    pub attended: usize,
    pub in_room: usize,
    pub late: usize,
    pub left_early: usize,
    pub never_came: usize,
    /// People seen who are none of the enrolled students (guests, unmatched) and not
    /// the host.
    pub others: usize,
    /// The room's size after each change: the students and the others (guests), as the
    /// cards count them; the host is not counted.
    pub timeline: Vec<(i64, i64)>,
    pub peak: i64,
}

/// Sorts the course's students into the categories (pure: the tests feed it directly).
pub fn classify(students: &[(i64, String, String)], people: &[Attendee], f: Facts) -> Room {
    let live = f.state == SessionState::Live;
    let ended = f.state == SessionState::Ended;
    let start = f.started_at.unwrap_or(f.scheduled_start);
    // Late counts from the later of the scheduled and the actual start: a host who opens
    // the room early makes nobody late who comes on time, one who starts late makes
    // nobody late who waited.
    let late_after = start.max(f.scheduled_start) + f.grace_ms;
    let end = if ended {
        f.ended_at.unwrap_or(f.now)
    } else {
        f.now
    };
    // Each student's attendee by id (the first, as a scan would find it): one pass, not
    // one scan of everyone per student.
    let mut by_user: std::collections::HashMap<i64, &Attendee> =
        std::collections::HashMap::with_capacity(people.len());
    for a in people.iter().filter(|a| !a.segments.is_empty()) {
        if let Some(u) = a.user_id {
            by_user.entry(u).or_insert(a);
        }
    }
    let enrolled: std::collections::HashSet<i64> = students.iter().map(|s| s.0).collect();
    let mut out = Vec::with_capacity(students.len());
    for (id, name, email) in students {
        let a = by_user.get(id).copied();
        let came = a.is_some();
        let in_room = live && a.is_some_and(|a| a.present);
        let late = a
            .and_then(Attendee::first_join)
            .is_some_and(|j| j > late_after);
        let left_early = match a {
            None => false,
            Some(_) if live => !in_room,
            Some(a) if ended => !a.present && a.last_leave().is_some_and(|l| l < end - f.grace_ms),
            Some(_) => false,
        };
        out.push(Student {
            user_id: *id,
            name: name.clone(),
            email: email.clone(),
            came,
            in_room,
            late,
            left_early,
            minutes: a.map_or(0, Attendee::minutes),
            segments: a.map(|a| a.segments.clone()).unwrap_or_default(),
        });
    }
    let others = people
        .iter()
        .filter(|a| {
            !a.is_host
                && !a.segments.is_empty()
                && !a.user_id.is_some_and(|u| enrolled.contains(&u))
        })
        .count();
    // The chart counts whom the cards count: students and others, never the host.
    let timeline = room_size(
        people
            .iter()
            .filter(|a| !a.is_host)
            .flat_map(|a| a.segments.iter().copied()),
    );
    let peak = timeline.iter().map(|p| p.1).max().unwrap_or(0);
    let first = people
        .iter()
        .filter_map(Attendee::first_join)
        .min()
        .unwrap_or(start);
    let count = |p: fn(&Student) -> bool| out.iter().filter(|s| p(s)).count();
    Room {
        live,
        ended,
        from: first.min(start),
        to: end.max(start + 1),
        late_after,
        enrolled: out.len(),
        attended: count(|s| s.came),
        in_room: count(|s| s.in_room),
        late: count(|s| s.late),
        left_early: count(|s| s.left_early),
        never_came: count(|s| !s.came),
        students: out,
        others,
        timeline,
        peak,
    }
}

/// The number of people in the room after each instant it changed, from everyone's
/// (merged) segments.
pub fn room_size(segments: impl Iterator<Item = (i64, i64)>) -> Vec<(i64, i64)> {
    let mut steps: Vec<(i64, i64)> = Vec::new();
    for (a, b) in segments {
        if b > a {
            steps.push((a, 1));
            steps.push((b, -1));
        }
    }
    steps.sort();
    let mut out: Vec<(i64, i64)> = Vec::new();
    let mut n = 0;
    for (t, d) in steps {
        n += d;
        match out.last_mut() {
            Some(last) if last.0 == t => last.1 = n,
            _ => out.push((t, n)),
        }
    }
    out
}

/// The room's size at instant `t`.
pub fn size_at(timeline: &[(i64, i64)], t: i64) -> i64 {
    timeline
        .iter()
        .take_while(|p| p.0 <= t)
        .last()
        .map_or(0, |p| p.1)
}

/// The late grace set for `lesson`, in minutes.
pub async fn grace_min(db: &Db, school_id: SchoolId, lesson_id: LessonId) -> sqlx::Result<i64> {
    let g: Option<i64> = sqlx::query_scalar(
        "SELECT late_grace_min FROM live_dashboard_settings WHERE school_id = $1 AND lesson_id = $2",
    )
    .bind(school_id)
    .bind(lesson_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(g.unwrap_or(DEFAULT_LATE_GRACE_MIN))
}

async fn store_grace(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
    minutes: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO live_dashboard_settings (lesson_id, school_id, late_grace_min, updated_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (lesson_id) DO UPDATE SET late_grace_min = excluded.late_grace_min, updated_at = excluded.updated_at",
    )
    .bind(lesson_id)
    .bind(school_id)
    .bind(minutes)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// A live lesson of this school whose dashboard this viewer may open: the course's
/// managers (its instructors, the school's admins) and the session's host. Anyone else,
/// and any other school's lesson, gets 404.
async fn allowed(state: &ZoomDeps, ctx: &Ctx, id: &str) -> AppResult<(Course, Lesson, Session)> {
    let user = ctx.require_user()?;
    let id = LessonId(id.parse().map_err(|_| AppError::NotFound)?);
    let (course, lesson) = super::lesson_in_school(&state.db, SchoolId(ctx.school.id), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !lesson.kind().is_scheduled() {
        return Err(AppError::NotFound);
    }
    let session = super::ensure(&state.db, course.school_id, &lesson).await?;
    let host = session.host_user_id == Some(user.id) && user.school_id == ctx.school.id;
    if !host && !crate::courses::can_manage(&state.db, user, &course).await? {
        return Err(AppError::NotFound);
    }
    Ok((course, lesson, session))
}

/// The room of `session` now.
async fn room(state: &ZoomDeps, course: &Course, lesson: &Lesson, s: &Session) -> AppResult<Room> {
    let people = attendance::attendees(&state.db, s).await?;
    let students =
        crate::courses::queries::students(&state.db, course.school_id, course.id).await?;
    let grace = grace_min(&state.db, course.school_id, lesson.id).await?;
    let scheduled_start = lesson.schedule().map_or(0, |sc| sc.starts_at);
    Ok(classify(
        &students,
        &people,
        Facts {
            state: s.state(),
            scheduled_start,
            started_at: s.started_at.or(s.linked_at),
            ended_at: s.ended_at,
            now: now_ms(),
            grace_ms: grace * 60_000,
        },
    ))
}

/// One student at each of the course's sessions that ran (live or ended), earliest
/// first: the same classification as the dashboard's, from their own rows only.
pub async fn student_sessions(
    db: &Db,
    course: &Course,
    user_id: crate::db::UserId,
) -> sqlx::Result<Vec<crate::courses::AttendanceLine>> {
    let sessions = sqlx::query_as::<_, Session>(sqlx::AssertSqlSafe(format!(
        "SELECT {} FROM live_sessions WHERE school_id = $1 AND course_id = $2 AND state IN ('live', 'ended')",
        super::COLUMNS
    )))
    .bind(course.school_id)
    .bind(course.id)
    .fetch_all(&db.pool)
    .await?;
    let mut out = Vec::with_capacity(sessions.len());
    for s in sessions {
        let lesson_id = LessonId(s.lesson_id);
        let Some(lesson) =
            crate::courses::lesson(db, course.school_id, course.id, lesson_id).await?
        else {
            continue;
        };
        let people: Vec<Attendee> = attendance::attendance_of(db, &s, user_id.0)
            .await?
            .into_iter()
            .collect();
        let grace = grace_min(db, course.school_id, lesson_id).await?;
        let scheduled_start = lesson.schedule().map_or(0, |sc| sc.starts_at);
        let r = classify(
            &[(user_id.0, String::new(), String::new())],
            &people,
            Facts {
                state: s.state(),
                scheduled_start,
                started_at: s.started_at.or(s.linked_at),
                ended_at: s.ended_at,
                now: now_ms(),
                grace_ms: grace * 60_000,
            },
        );
        let Some(st) = r.students.into_iter().next() else {
            continue;
        };
        out.push(crate::courses::AttendanceLine {
            lesson_id,
            title: lesson.title.clone(),
            starts_at: scheduled_start,
            live: r.live,
            came: st.came,
            minutes: st.minutes,
            late: st.late,
            left_early: st.left_early,
            first_join: st.segments.first().map(|x| x.0),
            last_leave: st.segments.last().map(|x| x.1),
        });
    }
    out.sort_by_key(|l| (l.starts_at, l.lesson_id));
    Ok(out)
}

/// How many absentees were already messaged for this start.
async fn messaged(db: &Db, school_id: SchoolId, lesson: &Lesson) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM live_notifications_sent
         WHERE school_id = $1 AND lesson_id = $2 AND kind = $3 AND starts_at = $4",
    )
    .bind(school_id)
    .bind(lesson.id)
    .bind(NOTICE_KIND)
    .bind(lesson.schedule().map_or(0, |s| s.starts_at))
    .fetch_one(&db.pool)
    .await
}

// ---- what the templates show ----

/// The chart's drawing box (the SVG scales to the page's width; labels are HTML).
const W: f64 = 1000.0;
const H: f64 = 200.0;

pub struct Row {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    /// `in-room`, `left`, `never-came`, or after the end `came`.
    pub status: &'static str,
    pub status_label: String,
    pub late: bool,
    pub left_early: bool,
    pub minutes: i64,
    /// The segments as `x,width` in the bar's 0..1000 box.
    pub bars: Vec<(String, String)>,
    /// The segments in words (the bar's accessible name).
    pub spans: String,
}

pub struct Sample {
    pub when: String,
    pub size: i64,
}

pub struct View {
    pub lesson_id: LessonId,
    pub state: &'static str,
    pub live: bool,
    pub ended: bool,
    pub enrolled: usize,
    pub attended: usize,
    pub in_room: usize,
    pub late: usize,
    pub left_early: usize,
    pub never_came: usize,
    pub others: usize,
    pub percent: usize,
    pub grace_min: i64,
    pub messaged: i64,
    pub rows: Vec<Row>,
    pub from_label: String,
    pub to_label: String,
    pub peak: i64,
    /// The chart's step line (SVG path data) and the area under it.
    pub line: String,
    pub area: String,
    /// Where the late threshold falls on the chart's axis (0..1000), if on it.
    pub late_x: Option<String>,
    /// The chart in words (its `<desc>`).
    pub chart_desc: String,
    pub samples: Vec<Sample>,
}

fn hhmm(ms: i64, tz: &jiff::tz::TimeZone) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(tz.clone()).strftime("%H:%M").to_string())
        .unwrap_or_default()
}

fn x_of(t: i64, from: i64, to: i64) -> f64 {
    let span = (to - from).max(1) as f64;
    ((t - from) as f64 / span * W).clamp(0.0, W)
}

fn build_view(ctx: &Ctx, lesson: &Lesson, r: &Room, grace_min: i64, messaged: i64) -> View {
    let tz = &ctx.tz;
    let (from, to) = (r.from, r.to);
    let rows = r
        .students
        .iter()
        .map(|s| {
            let status = if !s.came && !r.live && !r.ended {
                // Before the start nobody has missed anything yet.
                "not-yet"
            } else if !s.came {
                "never-came"
            } else if r.live && s.in_room {
                "in-room"
            } else if r.live {
                "left"
            } else {
                "came"
            };
            let bars = s
                .segments
                .iter()
                .map(|&(a, b)| {
                    let x = x_of(a, from, to);
                    let w = (x_of(b, from, to) - x).max(2.0);
                    (format!("{x:.1}"), format!("{w:.1}"))
                })
                .collect();
            let spans = s
                .segments
                .iter()
                .map(|&(a, b)| {
                    let b = if r.live && s.in_room && b >= r.to {
                        ctx.t("dash-now")
                    } else {
                        hhmm(b, tz)
                    };
                    format!("{}–{}", hhmm(a, tz), b)
                })
                .collect::<Vec<_>>()
                .join(", ");
            Row {
                user_id: s.user_id,
                name: s.name.clone(),
                email: s.email.clone(),
                status,
                status_label: ctx.t(&format!("dash-status-{status}")),
                late: s.late,
                left_early: s.left_early,
                minutes: s.minutes,
                bars,
                spans,
            }
        })
        .collect();
    // The step line: flat until each change, then up or down.
    let y = |n: i64| H - (n as f64 / r.peak.max(1) as f64) * (H - 10.0);
    let mut line = format!("M0,{H:.1}");
    let mut last = 0;
    for &(t, n) in &r.timeline {
        let x = x_of(t, from, to);
        line.push_str(&format!(" L{x:.1},{:.1} L{x:.1},{:.1}", y(last), y(n)));
        last = n;
    }
    line.push_str(&format!(" L{W:.1},{:.1}", y(last)));
    let area = format!("{line} L{W:.1},{H:.1} Z");
    // The table: the size each minute (every five over two hours), and the peak.
    let step = if to - from > 2 * 3_600_000 {
        5 * 60_000
    } else {
        60_000
    };
    let mut samples = Vec::new();
    let mut t = from - from.rem_euclid(60_000);
    while t <= to && samples.len() < 600 {
        if t >= from {
            samples.push(Sample {
                when: hhmm(t, tz),
                size: size_at(&r.timeline, t),
            });
        }
        t += step;
    }
    let late_x = (r.late_after > from && r.late_after < to)
        .then(|| format!("{:.1}", x_of(r.late_after, from, to)));
    let from_label = hhmm(from, tz);
    let to_label = if r.live {
        ctx.t("dash-now")
    } else {
        hhmm(to, tz)
    };
    let chart_desc = ctx.tr.ta(
        "dash-chart-desc",
        &[
            ("peak", r.peak.to_string()),
            ("from", from_label.clone()),
            ("to", to_label.clone()),
        ],
    );
    View {
        lesson_id: lesson.id,
        state: if r.live {
            "live"
        } else if r.ended {
            "ended"
        } else {
            "waiting"
        },
        live: r.live,
        ended: r.ended,
        enrolled: r.enrolled,
        attended: r.attended,
        in_room: r.in_room,
        late: r.late,
        left_early: r.left_early,
        never_came: r.never_came,
        others: r.others,
        percent: (r.attended * 100).checked_div(r.enrolled).unwrap_or(0),
        grace_min,
        messaged,
        rows,
        from_label,
        to_label,
        peak: r.peak,
        line,
        area,
        late_x,
        chart_desc,
        samples,
    }
}

#[derive(askama::Template)]
#[template(path = "live/dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    course: Course,
    lesson: Lesson,
    v: View,
    grace_input: String,
    grace_error: String,
    notice: String,
}

#[derive(askama::Template)]
#[template(path = "live/dashboard_view.html")]
struct DashboardView {
    ctx: Ctx,
    v: View,
}

fn summary(ctx: &Ctx, v: &View) -> String {
    ctx.tr.ta(
        "dash-summary",
        &[
            ("attended", v.attended.to_string()),
            ("enrolled", v.enrolled.to_string()),
            ("percent", v.percent.to_string()),
        ],
    )
}

impl DashboardView {
    fn summary(&self) -> String {
        summary(&self.ctx, &self.v)
    }
}

impl DashboardPage {
    /// The page includes the view's template, which asks for this.
    fn summary(&self) -> String {
        summary(&self.ctx, &self.v)
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Flash {
    sent: Option<i64>,
}

async fn current_view(
    state: &ZoomDeps,
    ctx: &Ctx,
    course: &Course,
    lesson: &Lesson,
    s: &Session,
) -> AppResult<View> {
    let r = room(state, course, lesson, s).await?;
    let grace = grace_min(&state.db, course.school_id, lesson.id).await?;
    let messaged = messaged(&state.db, course.school_id, lesson).await?;
    Ok(build_view(ctx, lesson, &r, grace, messaged))
}

async fn page(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> AppResult<Page> {
    let (course, lesson, s) = allowed(&state, &ctx, &id).await?;
    let v = current_view(&state, &ctx, &course, &lesson, &s).await?;
    let notice = flash
        .sent
        .map(|n| ctx.t1("dash-absentees-sent", "count", n))
        .unwrap_or_default();
    render(&DashboardPage {
        grace_input: v.grace_min.to_string(),
        ctx,
        course,
        lesson,
        v,
        grace_error: String::new(),
        notice,
    })
}

async fn view(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (course, lesson, s) = allowed(&state, &ctx, &id).await?;
    let v = current_view(&state, &ctx, &course, &lesson, &s).await?;
    let mut resp = render(&DashboardView { ctx, v })?.into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GraceForm {
    late_grace_min: String,
}

async fn set_grace(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<GraceForm>,
) -> AppResult<Response> {
    let (course, lesson, s) = allowed(&state, &ctx, &id).await?;
    let input = form.late_grace_min.trim().to_string();
    match input.parse::<i64>() {
        Ok(m) if (0..=MAX_LATE_GRACE_MIN).contains(&m) => {
            store_grace(&state.db, course.school_id, lesson.id, m).await?;
            state.db.room_changed(s.change()).await;
            Ok(Redirect::to(&format!("/live/{}/dashboard", lesson.id)).into_response())
        }
        _ => {
            // The page again, the field marked, what was typed kept.
            let v = current_view(&state, &ctx, &course, &lesson, &s).await?;
            let grace_error = ctx.t1("dash-grace-invalid", "max", MAX_LATE_GRACE_MIN);
            Ok(render(&DashboardPage {
                ctx,
                course,
                lesson,
                v,
                grace_input: input,
                grace_error,
                notice: String::new(),
            })?
            .status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response())
        }
    }
}

/// The mail to one absentee, in their language.
fn absentee_mail(
    r: &crate::courses::queries::EnrolledStudent,
    course_title: &str,
    lesson_title: &str,
    link: &str,
    logo: Option<String>,
) -> anyhow::Result<Email> {
    let tr = Tr::choose(r.language.as_deref(), None);
    let args = [
        ("title", lesson_title.to_string()),
        ("course", course_title.to_string()),
        ("name", r.display_name.clone()),
    ];
    let subject = tr.ta("dash-absentee-subject", &args);
    let body = tr.ta("dash-absentee-body", &args);
    let greeting = tr.ta("reminder-greeting", &args);
    let button = tr.t("dash-absentee-button");
    let footer = tr.ta("dash-absentee-footer", &args);
    super::reminders::notice_mail(
        &r.email, &tr, subject, logo, greeting, body, button, link, footer,
    )
}

/// Mails every enrolled student who has not come (and has not turned these mails off)
/// once per scheduled start; returns how many were mailed now.
pub async fn mail_absentees(
    state: &ZoomDeps,
    course: &Course,
    lesson: &Lesson,
    s: &Session,
) -> anyhow::Result<i64> {
    let school_id = course.school_id;
    let starts_at = lesson.schedule().map_or(0, |sc| sc.starts_at);
    let people = attendance::attendees(&state.db, s).await?;
    let came: std::collections::HashSet<i64> = people
        .iter()
        .filter(|a| !a.segments.is_empty())
        .filter_map(|a| a.user_id)
        .collect();
    let off = super::preferences::opted_out(&state.db, school_id.0, course.id.0).await?;
    let recipients: Vec<_> =
        crate::courses::queries::enrolled_students(&state.db, school_id.0, course.id.0)
            .await?
            .into_iter()
            .filter(|r| !came.contains(&r.id) && !off.contains(&r.id))
            .collect();
    if recipients.is_empty() {
        return Ok(0);
    }
    let link = state
        .school_url(
            school_id.0,
            &format!("/courses/{}/lessons/{}", course.slug, lesson.id),
        )
        .await?;
    let logo =
        crate::schools::branding::logo_for_email(&state.db, &state.config.base_url, school_id.0)
            .await?;
    let mut sent = 0;
    for r in recipients {
        let mut tx = state.db.pool.begin().await?;
        // The claim first (a write, so SQLite takes its lock at once): the row's key makes
        // a second click, tab or instance send nothing.
        let claimed = sqlx::query(
            "INSERT INTO live_notifications_sent (school_id, lesson_id, user_id, kind, starts_at, sequence, created_at)
             VALUES ($1, $2, $3, $4, $5, 0, $6) ON CONFLICT DO NOTHING",
        )
        .bind(school_id)
        .bind(lesson.id)
        .bind(r.id)
        .bind(NOTICE_KIND)
        .bind(starts_at)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed != 1 {
            continue;
        }
        let mail = absentee_mail(&r, &course.title, &lesson.title, &link, logo.clone())?;
        let email_id = email::queue(&mut tx, school_id.0, mail).await?;
        sqlx::query(
            "UPDATE live_notifications_sent SET email_id = $1
             WHERE lesson_id = $2 AND user_id = $3 AND kind = $4 AND starts_at = $5 AND sequence = 0",
        )
        .bind(email_id)
        .bind(lesson.id)
        .bind(r.id)
        .bind(NOTICE_KIND)
        .bind(starts_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        sent += 1;
    }
    if sent > 0 {
        state.db.room_changed(s.change()).await;
    }
    Ok(sent)
}

async fn message_absentees(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (course, lesson, s) = allowed(&state, &ctx, &id).await?;
    if s.state() != SessionState::Live {
        return Err(AppError::BadRequest(ctx.t("dash-absentees-not-live")));
    }
    let sent = mail_absentees(&state, &course, &lesson, &s)
        .await
        .map_err(AppError::Internal)?;
    Ok(Redirect::to(&format!("/live/{}/dashboard?sent={sent}", lesson.id)).into_response())
}

// ---- the event stream ----

struct Changes {
    lessons: tokio::sync::broadcast::Receiver<LessonChange>,
    rooms: tokio::sync::broadcast::Receiver<LessonChange>,
    school_id: SchoolId,
    course: crate::db::CourseId,
    lesson: LessonId,
    _open: StreamGuard,
    greeted: bool,
    last_sent: Option<tokio::time::Instant>,
}

impl Changes {
    fn concerns(&self, c: &LessonChange) -> bool {
        c.concerns(self.school_id, self.course)
            && (c.lesson_id == self.lesson || c.lesson_id == LessonId(0))
    }

    /// Waits for the next change of this lesson (or a lag, which may have hidden one).
    async fn next_change(&mut self) -> Option<()> {
        loop {
            let got = tokio::select! {
                r = self.lessons.recv() => r,
                r = self.rooms.recv() => r,
            };
            match got {
                Ok(c) if self.concerns(&c) => return Some(()),
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => return Some(()),
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// Drops what is already queued (the coming fetch shows it anyway).
    fn drain(&mut self) {
        while !matches!(
            self.lessons.try_recv(),
            Err(tokio::sync::broadcast::error::TryRecvError::Empty
                | tokio::sync::broadcast::error::TryRecvError::Closed)
        ) {}
        while !matches!(
            self.rooms.try_recv(),
            Err(tokio::sync::broadcast::error::TryRecvError::Empty
                | tokio::sync::broadcast::error::TryRecvError::Closed)
        ) {}
    }
}

async fn next_event(mut c: Changes) -> Option<(Result<Event, Infallible>, Changes)> {
    if !c.greeted {
        c.greeted = true;
        let ev = Event::default().event("ready").retry(RECONNECT).data("{}");
        return Some((Ok(ev), c));
    }
    c.next_change().await?;
    // Coalesce: the first change after a quiet spell goes at once, later ones wait for
    // the window to pass and go as one.
    if let Some(last) = c.last_sent {
        tokio::time::sleep_until(last + COALESCE).await;
    }
    c.drain();
    c.last_sent = Some(tokio::time::Instant::now());
    let ev = Event::default()
        .event("change")
        .data(format!("{{\"lesson\":{}}}", c.lesson));
    Some((Ok(ev), c))
}

async fn events(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (course, lesson, _) = allowed(&state, &ctx, &id).await?;
    let hub = &state.db.changes;
    let changes = Changes {
        lessons: hub.subscribe(),
        rooms: hub.subscribe_rooms(),
        school_id: course.school_id,
        course: course.id,
        lesson: lesson.id,
        _open: hub.open_stream(),
        greeted: false,
        last_sent: None,
    };
    let stream = stream::unfold(changes, next_event);
    let stream = futures_util::StreamExt::take_until(stream, hub.closed());
    let mut resp = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    resp.headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(uid: Option<i64>, segs: &[(i64, i64)], present: bool) -> Attendee {
        Attendee {
            key: uid.map_or("e:guest".into(), |u| format!("u:{u}")),
            user_id: uid,
            name: String::new(),
            email: String::new(),
            is_host: false,
            segments: segs.to_vec(),
            present,
        }
    }

    const MIN: i64 = 60_000;

    #[test]
    fn categories_while_live_and_after_the_end() {
        let students: Vec<(i64, String, String)> = (1..=5)
            .map(|i| (i, format!("S{i}"), format!("s{i}@x")))
            .collect();
        let now = 30 * MIN;
        let people = vec![
            person(Some(1), &[(MIN, now)], true),
            // Left and came back: in the room, not early.
            person(Some(2), &[(2 * MIN, 10 * MIN), (15 * MIN, now)], true),
            // Late (after 0 + 5 min).
            person(Some(3), &[(12 * MIN, now)], true),
            person(Some(4), &[(MIN, 20 * MIN)], false),
            person(None, &[(3 * MIN, 4 * MIN)], false),
        ];
        let f = Facts {
            state: SessionState::Live,
            scheduled_start: 0,
            started_at: Some(0),
            ended_at: None,
            now,
            grace_ms: 5 * MIN,
        };
        let r = classify(&students, &people, f);
        assert_eq!(
            (
                r.enrolled,
                r.attended,
                r.in_room,
                r.late,
                r.left_early,
                r.never_came,
                r.others
            ),
            (5, 4, 3, 1, 1, 1, 1)
        );
        assert!(r.students[2].late && !r.students[1].late);
        assert!(r.students[3].left_early);
        assert_eq!(r.students[1].minutes, 23);
        assert_eq!(r.peak, 4);
        // After the end at 40 min: present ones stayed to the end, 4 left 20 min early.
        let mut after = people.clone();
        for p in &mut after {
            if p.present {
                p.segments.last_mut().unwrap().1 = 40 * MIN;
            }
        }
        let r = classify(
            &students,
            &after,
            Facts {
                state: SessionState::Ended,
                ended_at: Some(40 * MIN),
                now: 50 * MIN,
                ..f
            },
        );
        assert_eq!(
            (r.attended, r.in_room, r.late, r.left_early, r.never_came),
            (4, 0, 1, 1, 1)
        );
    }

    #[test]
    fn late_counts_from_the_later_start() {
        let students = vec![(1, "A".into(), "a@x".into())];
        let people = vec![person(Some(1), &[(14 * MIN, 20 * MIN)], false)];
        let f = |started| Facts {
            state: SessionState::Live,
            scheduled_start: 10 * MIN,
            started_at: Some(started),
            ended_at: None,
            now: 30 * MIN,
            grace_ms: 5 * MIN,
        };
        // Opened early at 0: late after 15, not late at 14.
        assert_eq!(classify(&students, &people, f(0)).late, 0);
        // Started on time with no grace: late.
        let strict = Facts {
            grace_ms: 0,
            ..f(10 * MIN)
        };
        assert_eq!(classify(&students, &people, strict).late, 1);
    }

    #[test]
    fn the_chart_counts_whom_the_cards_count_not_the_host() {
        let students = vec![(1, "A".into(), "a@x".into())];
        let mut host = person(None, &[(0, 30 * MIN)], true);
        host.is_host = true;
        host.key = "e:host".into();
        let people = vec![
            host,
            person(Some(1), &[(MIN, 30 * MIN)], true),
            person(None, &[(2 * MIN, 30 * MIN)], true),
        ];
        let r = classify(
            &students,
            &people,
            Facts {
                state: SessionState::Live,
                scheduled_start: 0,
                started_at: Some(0),
                ended_at: None,
                now: 30 * MIN,
                grace_ms: 5 * MIN,
            },
        );
        assert_eq!((r.in_room, r.others), (1, 1));
        assert_eq!(r.peak, 2, "the student and the guest, not the host");
        assert_eq!(
            size_at(&r.timeline, 29 * MIN),
            (r.in_room + r.others) as i64
        );
        assert_eq!(size_at(&r.timeline, 0), 0, "the host alone is nobody");
    }

    #[test]
    fn room_size_steps() {
        let t = room_size([(0, 10), (5, 15), (10, 20), (30, 30)].into_iter());
        assert_eq!(t, vec![(0, 1), (5, 2), (10, 2), (15, 1), (20, 0)]);
        assert_eq!(size_at(&t, 12), 2);
        assert_eq!(size_at(&t, -1), 0);
        assert_eq!(size_at(&t, 25), 0);
    }
}
