//! The booking pages: a course's 1-on-1 slots for its students (`/courses/{slug}/book`),
//! cancelling one's booking, and the coach's hours and bookings
//! (`/teach/courses/{id}/bookings`). Handlers only: the rules live in `mod.rs`.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{BookError, Booking, BookingsState, Program, slots};
use crate::courses::Course;
use crate::db::{CourseId, SchoolId, UserId, now_ms};
use crate::web::{AppError, AppResult, Ctx, FieldErrors, Form, render};

pub fn routes() -> Router<BookingsState> {
    Router::new()
        .route("/courses/{slug}/book", get(book_page).post(book))
        .route("/courses/{slug}/bookings/{id}/cancel", post(cancel))
        .route(
            "/teach/courses/{id}/bookings",
            get(teach_page).post(save_hours),
        )
        .route(
            "/teach/courses/{id}/bookings/{bid}/cancel",
            post(teach_cancel),
        )
}

/// How many free slots a coach's list shows.
const SHOWN_SLOTS: usize = 40;

/// A day of slots or bookings in the viewer's zone.
pub struct Day<T> {
    pub label: String,
    pub items: Vec<T>,
}

pub struct SlotView {
    pub start: i64,
    pub time: String,
}

pub struct BookingView {
    pub id: i64,
    pub time: String,
    pub with: String,
    pub lesson_url: String,
}

fn day_and_time(ms: i64, ctx: &Ctx) -> (String, String) {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => {
            let z = t.to_zoned(ctx.tz.clone());
            (
                ctx.tr.day_long(z.date()),
                z.strftime("%H:%M %Z").to_string(),
            )
        }
        Err(_) => (String::new(), String::new()),
    }
}

fn by_day<T>(items: impl IntoIterator<Item = (i64, T)>, ctx: &Ctx) -> Vec<Day<T>> {
    let mut days: Vec<Day<T>> = Vec::new();
    for (ms, item) in items {
        let (label, _) = day_and_time(ms, ctx);
        match days.last_mut() {
            Some(d) if d.label == label => d.items.push(item),
            _ => days.push(Day {
                label,
                items: vec![item],
            }),
        }
    }
    days
}

fn booking_views(
    bookings: &[Booking],
    course: &Course,
    ctx: &Ctx,
    coach_view: bool,
) -> Vec<Day<BookingView>> {
    by_day(
        bookings.iter().map(|b| {
            let (_, time) = day_and_time(b.starts_at, ctx);
            (
                b.starts_at,
                BookingView {
                    id: b.id,
                    time,
                    with: if coach_view {
                        b.student_name.clone()
                    } else {
                        b.coach_name.clone()
                    },
                    lesson_url: b
                        .lesson_id
                        .map(|l| format!("/courses/{}/lessons/{l}", course.slug))
                        .unwrap_or_default(),
                },
            )
        }),
        ctx,
    )
}

/// One coach's free slots as the student page shows them.
pub struct CoachSlots {
    pub program_id: i64,
    pub coach: String,
    pub slot_min: i64,
    pub days: Vec<Day<SlotView>>,
    /// Why the slots can't be booked now (the viewer holds a booking with this coach
    /// and may hold only one); they are listed, not offered.
    pub held: Option<String>,
    /// The held booking the viewer may still move (within the coach's cutoff).
    pub reschedule: Option<i64>,
}

#[derive(askama::Template)]
#[template(path = "bookings/book.html")]
struct BookPage {
    ctx: Ctx,
    course: Course,
    coaches: Vec<CoachSlots>,
    mine: Vec<Day<BookingView>>,
    error: Option<String>,
    notice: Option<String>,
    reschedule: Option<i64>,
}

/// The course for a student who may book: enrolled in the published course (a manager
/// sees the page too, without booking). Another school's course is 404.
async fn course_for(state: &BookingsState, ctx: &Ctx, slug: &str) -> AppResult<(Course, bool)> {
    let user = ctx.require_user()?;
    let v = crate::courses::for_viewer(
        &state.db,
        ctx.school.id,
        slug,
        Some(user),
        crate::courses::ViewerExtras::None,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if !v.manager && !v.course.is_published() {
        return Err(AppError::NotFound);
    }
    if v.enrollment.is_none() && !v.manager {
        return Err(AppError::Forbidden);
    }
    Ok((v.course, v.enrollment.is_some()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BookQuery {
    reschedule: Option<i64>,
    done: Option<String>,
    /// Where a rescheduled booking went (its start), for the notice.
    at: Option<i64>,
}

/// A message without Fluent's invisible isolation marks around its arguments.
fn plain(s: String) -> String {
    s.replace(['\u{2068}', '\u{2069}'], "")
}

/// "Tue 8 Dec, 10:00–10:30" in the viewer's zone and language (just the start without an end).
fn span_text(start: i64, end: Option<i64>, ctx: &Ctx) -> String {
    let at = |ms: i64| jiff::Timestamp::from_millisecond(ms).map(|t| t.to_zoned(ctx.tz.clone()));
    match (at(start), end.map(at)) {
        (Ok(s), Some(Ok(e))) => format!("{}\u{2013}{}", ctx.tr.slot(&s), e.strftime("%H:%M")),
        (Ok(s), _) => ctx.tr.slot(&s),
        _ => String::new(),
    }
}

async fn book_page(
    State(state): State<BookingsState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<BookQuery>,
) -> AppResult<Response> {
    let (course, _) = course_for(&state, &ctx, &slug).await?;
    let notice = match q.done.as_deref() {
        Some("booked") => Some(ctx.t("booking-booked")),
        Some("rescheduled") => Some(match q.at {
            Some(at) => plain(ctx.t1("booking-rescheduled-to", "when", span_text(at, None, &ctx))),
            None => ctx.t("booking-rescheduled"),
        }),
        Some("cancelled") => Some(ctx.t("booking-cancelled")),
        _ => None,
    };
    page(&state, ctx, course, None, notice, q.reschedule).await
}

async fn page(
    state: &BookingsState,
    ctx: Ctx,
    course: Course,
    error: Option<String>,
    notice: Option<String>,
    reschedule: Option<i64>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    let now = now_ms();
    let held_all = super::upcoming(
        &state.db,
        course.school_id,
        course.id,
        Some(UserId(user.id)),
        now,
    )
    .await?;
    let mut coaches = Vec::new();
    for (p, coach) in super::programs(&state.db, course.school_id, course.id).await? {
        let free = super::free_slots(&state.db, &p, now).await?;
        // Holding one with this coach (one per student) and not moving it: the slots are
        // listed, not offered; the way on is to reschedule it (while the cutoff allows).
        let held = held_all
            .iter()
            .find(|b| p.one_per_student() && b.program_id == p.id)
            .filter(|b| reschedule != Some(b.id));
        let (held, move_id) = match held {
            Some(b) => {
                let when = span_text(b.starts_at, Some(b.ends_at), &ctx);
                if super::may_move(&p, b, UserId(user.id), now) {
                    (
                        Some(plain(ctx.t1("booking-held", "when", when))),
                        Some(b.id),
                    )
                } else {
                    (
                        Some(plain(ctx.t1("booking-held-fixed", "when", when))),
                        None,
                    )
                }
            }
            None => (None, None),
        };
        let days = by_day(
            free.into_iter().take(SHOWN_SLOTS).map(|s| {
                let (_, time) = day_and_time(s.start, &ctx);
                (
                    s.start,
                    SlotView {
                        start: s.start,
                        time,
                    },
                )
            }),
            &ctx,
        );
        coaches.push(CoachSlots {
            program_id: p.id,
            coach,
            slot_min: p.slot_min,
            days,
            held,
            reschedule: move_id,
        });
    }
    let mine = booking_views(&held_all, &course, &ctx, false);
    let status = if error.is_some() {
        axum::http::StatusCode::CONFLICT
    } else {
        axum::http::StatusCode::OK
    };
    let page = BookPage {
        ctx,
        course,
        coaches,
        mine,
        error,
        notice,
        reschedule,
    };
    Ok(render(&page)?.status(status).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BookForm {
    program: String,
    start: String,
    reschedule: String,
    /// Set by the confirmation page's button: without it the page asks first.
    confirm: String,
}

/// The page that asks before booking, moving or cancelling (a plain form: no script
/// needed). `fields` are posted again with `confirm=1`.
#[derive(askama::Template)]
#[template(path = "bookings/confirm.html")]
struct ConfirmPage {
    ctx: Ctx,
    course: Course,
    question: String,
    action: String,
    fields: Vec<(&'static str, String)>,
    confirm_label: String,
    back: String,
}

async fn book(
    State(state): State<BookingsState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<BookForm>,
) -> AppResult<Response> {
    let (course, enrolled) = course_for(&state, &ctx, &slug).await?;
    let user = ctx.require_user()?.clone();
    if !enrolled {
        return Err(AppError::Forbidden);
    }
    let program = match form.program.trim().parse::<i64>() {
        Ok(id) => super::program(&state.db, course.school_id, id).await?,
        Err(_) => None,
    }
    .filter(|p| p.course_id == course.id)
    .ok_or(AppError::NotFound)?;
    let reschedule = form.reschedule.trim().parse::<i64>().ok();
    let Ok(start) = form.start.trim().parse::<i64>() else {
        let e = ctx.t("booking-error-outside");
        return page(&state, ctx, course, Some(e), None, reschedule).await;
    };
    let replacing = match reschedule {
        Some(id) => Some(
            super::booking(&state.db, course.school_id, id)
                .await?
                .filter(|b| b.student_id == user.id && b.program_id == program.id)
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    // Only a program on offer: its coach still teaches the course.
    let coach_name = super::programs(&state.db, course.school_id, course.id)
        .await?
        .into_iter()
        .find(|(p, _)| p.id == program.id)
        .map(|(_, n)| n)
        .ok_or(AppError::NotFound)?;
    if form.confirm.trim() != "1" {
        // Ask first: "Book Tue 8 Dec, 10:00–10:30 (your time) with Ada?"
        let when = span_text(start, Some(start + program.slot_min * 60_000), &ctx);
        let question = match &replacing {
            Some(old) => plain(ctx.tr.ta(
                "booking-confirm-move",
                &[
                    ("from", span_text(old.starts_at, Some(old.ends_at), &ctx)),
                    ("when", when),
                    ("coach", coach_name.clone()),
                ],
            )),
            None => plain(ctx.tr.ta(
                "booking-confirm-book",
                &[("when", when), ("coach", coach_name.clone())],
            )),
        };
        let mut fields = vec![
            ("program", program.id.to_string()),
            ("start", start.to_string()),
        ];
        if let Some(old) = &replacing {
            fields.push(("reschedule", old.id.to_string()));
        }
        let back = match &replacing {
            Some(old) => format!("/courses/{}/book?reschedule={}", course.slug, old.id),
            None => format!("/courses/{}/book", course.slug),
        };
        let page = ConfirmPage {
            confirm_label: ctx.t(if replacing.is_some() {
                "booking-confirm-move-button"
            } else {
                "booking-confirm-book-button"
            }),
            ctx,
            question,
            action: format!("/courses/{}/book", course.slug),
            fields,
            back,
            course,
        };
        return Ok(render(&page)?.into_response());
    }
    let title = ctx
        .tr
        .ta(
            "booking-lesson-title",
            &[
                ("coach", coach_name),
                ("student", user.display_name.clone()),
            ],
        )
        .replace(['\u{2068}', '\u{2069}'], "");
    match super::book(
        &state,
        &program,
        UserId(user.id),
        &title,
        start,
        replacing.as_ref(),
        now_ms(),
    )
    .await
    {
        Ok(_) if replacing.is_some() => Ok(Redirect::to(&format!(
            "/courses/{}/book?done=rescheduled&at={start}",
            course.slug
        ))
        .into_response()),
        Ok(_) => {
            Ok(Redirect::to(&format!("/courses/{}/book?done=booked", course.slug)).into_response())
        }
        Err(BookError::Db(e)) => Err(AppError::Internal(anyhow::anyhow!(e))),
        Err(e) => {
            let msg = ctx.t(e.key());
            page(&state, ctx, course, Some(msg), None, reschedule).await
        }
    }
}

/// The booking `id` of this course with its program, for its student, its coach or a
/// manager of the course; anyone else gets 404.
async fn booking_for(
    state: &BookingsState,
    course: &Course,
    user: &crate::accounts::User,
    id: &str,
) -> AppResult<(Program, Booking, bool)> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let b = super::booking(&state.db, course.school_id, id)
        .await?
        .filter(|b| b.course_id == course.id)
        .ok_or(AppError::NotFound)?;
    let p = super::program(&state.db, course.school_id, b.program_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let manager = crate::courses::can_manage(&state.db, user, course).await?;
    if !(manager || b.student_id == user.id || b.coach_id == user.id) {
        return Err(AppError::NotFound);
    }
    Ok((p, b, manager))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfirmForm {
    confirm: String,
}

async fn cancel(
    State(state): State<BookingsState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    let (course, _) = course_for(&state, &ctx, &slug).await?;
    let user = ctx.require_user()?.clone();
    let (p, b, manager) = booking_for(&state, &course, &user, &id).await?;
    if form.confirm.trim() != "1" {
        let question = plain(ctx.tr.ta(
            "booking-confirm-cancel",
            &[
                ("when", span_text(b.starts_at, Some(b.ends_at), &ctx)),
                ("coach", b.coach_name.clone()),
            ],
        ));
        let page = ConfirmPage {
            confirm_label: ctx.t("booking-confirm-cancel-button"),
            ctx,
            question,
            action: format!("/courses/{}/bookings/{}/cancel", course.slug, b.id),
            fields: Vec::new(),
            back: format!("/courses/{}/book", course.slug),
            course,
        };
        return Ok(render(&page)?.into_response());
    }
    match super::cancel(&state.db, &p, &b, UserId(user.id), manager, now_ms()).await {
        Ok(()) => Ok(
            Redirect::to(&format!("/courses/{}/book?done=cancelled", course.slug)).into_response(),
        ),
        Err(super::CancelError::Db(e)) => Err(AppError::Internal(anyhow::anyhow!(e))),
        Err(e) => {
            let msg = ctx.t(e.key());
            page(&state, ctx, course, Some(msg), None, None).await
        }
    }
}

// ---- the coach's side ----

/// The hours form as typed, kept on a refused save.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct HoursForm {
    pub timezone: String,
    pub slot_min: String,
    pub buffer_min: String,
    pub horizon_days: String,
    pub notice_hours: String,
    pub cutoff_hours: String,
    pub one_per_student: Option<String>,
    pub windows: String,
    pub exceptions: String,
}

impl HoursForm {
    fn of(p: &Program, windows: &[slots::Window], exceptions: &[slots::Exception]) -> HoursForm {
        HoursForm {
            timezone: p.timezone.clone(),
            slot_min: p.slot_min.to_string(),
            buffer_min: p.buffer_min.to_string(),
            horizon_days: p.horizon_days.to_string(),
            notice_hours: (p.notice_min / 60).to_string(),
            cutoff_hours: (p.cutoff_min / 60).to_string(),
            one_per_student: p.one_per_student().then(|| "on".to_string()),
            windows: slots::windows_text(windows),
            exceptions: slots::exceptions_text(exceptions),
        }
    }

    fn default_for(ctx: &Ctx) -> HoursForm {
        HoursForm {
            timezone: ctx.tz_name.clone(),
            slot_min: "30".into(),
            buffer_min: "0".into(),
            horizon_days: "30".into(),
            notice_hours: "12".into(),
            cutoff_hours: "24".into(),
            one_per_student: Some("on".into()),
            windows: String::new(),
            exceptions: String::new(),
        }
    }

    pub fn one(&self) -> bool {
        self.one_per_student.is_some()
    }

    /// The settings, or the field errors (in the viewer's language).
    fn check(&self, ctx: &Ctx) -> Result<super::Settings, FieldErrors> {
        let mut errors = FieldErrors::default();
        let timezone = self.timezone.trim().to_string();
        if !crate::web::time::valid_timezone(&timezone) {
            errors.add("timezone", ctx.t("booking-bad-timezone"));
        }
        let mut number =
            |field: &'static str, v: &str, range: std::ops::RangeInclusive<i64>| match v
                .trim()
                .parse::<i64>()
            {
                Ok(n) if range.contains(&n) => n,
                _ => {
                    errors.add(
                        field,
                        ctx.tr.ta(
                            "booking-bad-number",
                            &[
                                ("min", range.start().to_string()),
                                ("max", range.end().to_string()),
                            ],
                        ),
                    );
                    0
                }
            };
        let slot_min = number("slot_min", &self.slot_min, slots::SLOT_MIN);
        let buffer_min = number("buffer_min", &self.buffer_min, slots::BUFFER_MIN);
        let horizon_days = number("horizon_days", &self.horizon_days, slots::HORIZON_DAYS);
        let notice_h = number("notice_hours", &self.notice_hours, slots::NOTICE_HOURS);
        let cutoff_h = number("cutoff_hours", &self.cutoff_hours, slots::NOTICE_HOURS);
        let line_error = |e: slots::LineError| ctx.t1(e.key, "line", e.line);
        let windows = slots::parse_windows(&self.windows, slot_min.max(1))
            .map_err(|e| errors.add("windows", line_error(e)))
            .unwrap_or_default();
        let exceptions = slots::parse_exceptions(&self.exceptions, slot_min.max(1))
            .map_err(|e| errors.add("exceptions", line_error(e)))
            .unwrap_or_default();
        if windows.is_empty()
            && !exceptions
                .iter()
                .any(|e| matches!(e, slots::Exception::Extra(..)))
            && !errors.has("windows")
        {
            errors.add("windows", ctx.t("booking-no-windows"));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(super::Settings {
            timezone,
            slot_min,
            buffer_min,
            horizon_days,
            notice_min: notice_h * 60,
            cutoff_min: cutoff_h * 60,
            one_per_student: self.one(),
            windows,
            exceptions,
        })
    }
}

#[derive(askama::Template)]
#[template(path = "bookings/teach.html")]
struct TeachPage {
    ctx: Ctx,
    course: Course,
    form: HoursForm,
    errors: FieldErrors,
    saved: bool,
    bookings: Vec<Day<BookingView>>,
    error: Option<String>,
    timezones: &'static [String],
}

impl TeachPage {
    /// The form's zone is not one the list offers (typed, or saved before): kept as the
    /// first choice so that the page shows what was sent.
    fn unlisted_zone(&self) -> bool {
        !self.timezones.contains(&self.form.timezone)
    }
}

/// The course for one who manages it (its instructors, the school's admins): a coach.
async fn managed(state: &BookingsState, ctx: &Ctx, id: &str) -> AppResult<Course> {
    let user = ctx.require_user()?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let course = crate::courses::by_id(&state.db, SchoolId(ctx.school.id), CourseId(id))
        .await?
        .ok_or(AppError::NotFound)?;
    if !crate::courses::can_manage(&state.db, user, &course).await? {
        return Err(AppError::NotFound);
    }
    Ok(course)
}

async fn teach_render(
    state: &BookingsState,
    ctx: Ctx,
    course: Course,
    form: HoursForm,
    errors: FieldErrors,
    saved: bool,
    error: Option<String>,
) -> AppResult<Response> {
    let bookings = super::upcoming(&state.db, course.school_id, course.id, None, now_ms()).await?;
    let bookings = booking_views(&bookings, &course, &ctx, true);
    let status = if errors.is_empty() && error.is_none() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = TeachPage {
        ctx,
        course,
        form,
        errors,
        saved,
        bookings,
        error,
        timezones: crate::web::time::selectable_timezones(),
    };
    Ok(render(&page)?.status(status).into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TeachQuery {
    saved: Option<String>,
}

async fn teach_page(
    State(state): State<BookingsState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<TeachQuery>,
) -> AppResult<Response> {
    let course = managed(&state, &ctx, &id).await?;
    let form = current_form(&state, &ctx, &course).await?;
    teach_render(
        &state,
        ctx,
        course,
        form,
        FieldErrors::default(),
        q.saved.is_some(),
        None,
    )
    .await
}

/// The viewer's saved hours for the course, or the defaults.
async fn current_form(state: &BookingsState, ctx: &Ctx, course: &Course) -> AppResult<HoursForm> {
    let user = ctx.require_user()?;
    Ok(
        match super::program_of_coach(&state.db, course.school_id, course.id, UserId(user.id))
            .await?
        {
            Some(p) => {
                let (w, e) = super::hours(&state.db, p.id).await?;
                HoursForm::of(&p, &w, &e)
            }
            None => HoursForm::default_for(ctx),
        },
    )
}

async fn save_hours(
    State(state): State<BookingsState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<HoursForm>,
) -> AppResult<Response> {
    let course = managed(&state, &ctx, &id).await?;
    let user = ctx.require_user()?.clone();
    match form.check(&ctx) {
        Ok(settings) => {
            super::save(
                &state.db,
                course.school_id,
                course.id,
                UserId(user.id),
                &settings,
            )
            .await?;
            Ok(
                Redirect::to(&format!("/teach/courses/{}/bookings?saved=1", course.id))
                    .into_response(),
            )
        }
        Err(errors) => teach_render(&state, ctx, course, form, errors, false, None).await,
    }
}

async fn teach_cancel(
    State(state): State<BookingsState>,
    ctx: Ctx,
    Path((id, bid)): Path<(String, String)>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    let course = managed(&state, &ctx, &id).await?;
    let user = ctx.require_user()?.clone();
    let (p, b, manager) = booking_for(&state, &course, &user, &bid).await?;
    if form.confirm.trim() != "1" {
        // As the student's: asked first, naming the student.
        let question = plain(ctx.tr.ta(
            "booking-confirm-cancel",
            &[
                ("when", span_text(b.starts_at, Some(b.ends_at), &ctx)),
                ("coach", b.student_name.clone()),
            ],
        ));
        let page = ConfirmPage {
            confirm_label: ctx.t("booking-confirm-cancel-button"),
            ctx,
            question,
            action: format!("/teach/courses/{}/bookings/{}/cancel", course.id, b.id),
            fields: Vec::new(),
            back: format!("/teach/courses/{}/bookings", course.id),
            course,
        };
        return Ok(render(&page)?.into_response());
    }
    match super::cancel(&state.db, &p, &b, UserId(user.id), manager, now_ms()).await {
        Ok(()) => {
            Ok(Redirect::to(&format!("/teach/courses/{}/bookings", course.id)).into_response())
        }
        Err(super::CancelError::Db(e)) => Err(AppError::Internal(anyhow::anyhow!(e))),
        Err(e) => {
            let msg = ctx.t(e.key());
            let form = current_form(&state, &ctx, &course).await?;
            teach_render(
                &state,
                ctx,
                course,
                form,
                FieldErrors::default(),
                false,
                Some(msg),
            )
            .await
        }
    }
}
