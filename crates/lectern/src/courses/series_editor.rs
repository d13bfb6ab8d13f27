//! The course editor's recurring series: a form that previews every occurrence (in the
//! series' zone, with what the DST rule did) before "Create" writes them all in one
//! transaction; the series page; one occurrence's page, to edit "this occurrence" or "this
//! and all following" (date (this one only), time, duration, host) and to cancel one or
//! the rest. Managers of the course only (403 otherwise; another school's: 404).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;
use serde::Deserialize;

use super::editor::{check_host, live_host, managed_course};
use super::routes::parse_id;
use super::schedule::{self, DEFAULT_DURATION_MIN, MAX_DURATION_MIN};
use super::series::{
    self, Adjusted, End, ExpandError, Freq, MAX_INTERVAL, MAX_OCCURRENCES, Occurrence, Rule,
};
use super::series_store::{self, Change, EditError, Member, Scope, SeriesRow};
use super::{Course, CoursesState, Instructor, LessonHost, LessonKind};
use crate::db::{LessonId, UserId, now_ms};
use crate::web::{
    AppError, AppResult, Ctx, FieldCheckedForm, FieldErrors, Form, Page, check_text, limits, render,
};

pub fn routes() -> Router<CoursesState> {
    Router::new()
        .route(
            "/teach/courses/{id}/series/new",
            get(new_series_page).post(create_series),
        )
        .route("/teach/courses/{id}/series/{series}", get(series_page))
        .route(
            "/teach/courses/{id}/series/{series}/{lesson}",
            get(occurrence_page).post(edit_occurrence),
        )
        .route(
            "/teach/courses/{id}/series/{series}/{lesson}/cancel",
            post(cancel_occurrence),
        )
}

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// What the series form posts: strings, so any body parses. Weekdays are `wd1` (Monday)
/// … `wd7` (Sunday).
#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct SeriesForm {
    pub title: String,
    pub body: String,
    pub required: String,
    pub first_date: String,
    pub time: String,
    pub timezone: String,
    pub duration: String,
    pub freq: String,
    pub interval: String,
    pub wd1: String,
    pub wd2: String,
    pub wd3: String,
    pub wd4: String,
    pub wd5: String,
    pub wd6: String,
    pub wd7: String,
    /// `count` or `until`.
    pub end: String,
    pub count: String,
    pub until: String,
    /// The signature of the previewed input: "Create" only writes what was previewed.
    pub confirm: String,
}

impl SeriesForm {
    fn blank(timezone: &str) -> SeriesForm {
        SeriesForm {
            // Optional unless ticked: a weekly office hour must not block completion.
            timezone: timezone.to_string(),
            duration: DEFAULT_DURATION_MIN.to_string(),
            freq: "weekly".into(),
            interval: "1".into(),
            end: "count".into(),
            count: "10".into(),
            ..Default::default()
        }
    }

    fn weekday_checked(&self, n: &usize) -> bool {
        let v = match n {
            1 => &self.wd1,
            2 => &self.wd2,
            3 => &self.wd3,
            4 => &self.wd4,
            5 => &self.wd5,
            6 => &self.wd6,
            _ => &self.wd7,
        };
        !v.is_empty()
    }

    /// The input that decides the occurrences, normalised: a preview is confirmed only for
    /// exactly this.
    fn signature(&self) -> String {
        let days: String = (1..=7)
            .map(|n| if self.weekday_checked(&n) { '1' } else { '0' })
            .collect();
        [
            self.first_date.trim(),
            self.time.trim(),
            self.timezone.trim(),
            self.duration.trim(),
            self.freq.trim(),
            self.interval.trim(),
            &days,
            self.end.trim(),
            self.count.trim(),
            self.until.trim(),
        ]
        .join("|")
    }
}

/// A validated series form.
struct Parsed {
    rule: Rule,
    timezone: String,
    duration_min: i64,
    occurrences: Vec<Occurrence>,
}

fn parse_date(s: &str) -> Option<Date> {
    s.trim().parse().ok()
}

fn parse_time(s: &str) -> Option<Time> {
    let t: Time = s.trim().parse().ok()?;
    t.with().second(0).subsec_nanosecond(0).build().ok()
}

/// Every field checked; the rule expanded. `now` (epoch ms) refuses dates in the past.
fn parse_form(ctx: &Ctx, form: &SeriesForm, now: i64) -> Result<Parsed, FieldErrors> {
    let tr = &ctx.tr;
    let mut errors = FieldErrors::default();
    let title = form.title.trim();
    if check_text(&mut errors, tr, "title", title, limits::TITLE) && title.is_empty() {
        errors.add("title", tr.t("form-required"));
    }
    check_text(&mut errors, tr, "body", &form.body, limits::BODY);
    let tz_name = form.timezone.trim();
    let zone = TimeZone::get(tz_name).ok().filter(|_| !tz_name.is_empty());
    if zone.is_none() {
        errors.add("timezone", tr.t("form-timezone-invalid"));
    }
    let first = parse_date(&form.first_date);
    if first.is_none() {
        errors.add("first_date", tr.t("series-error-date"));
    }
    let time = parse_time(&form.time);
    if time.is_none() {
        errors.add("time", tr.t("series-error-time"));
    }
    let duration_min = match schedule::parse_duration(&form.duration) {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(
                "duration",
                tr.t1("schedule-bad-duration", "max", MAX_DURATION_MIN),
            );
            None
        }
    };
    let freq = Freq::parse(form.freq.trim());
    if freq.is_none() {
        errors.add("freq", tr.t("form-invalid-choice"));
    }
    let interval = match form.interval.trim().parse::<u32>() {
        Ok(n) if (1..=MAX_INTERVAL).contains(&n) => Some(n),
        _ => {
            errors.add(
                "interval",
                tr.t1("series-error-interval", "max", MAX_INTERVAL as i64),
            );
            None
        }
    };
    let weekdays: Vec<Weekday> = (1..=7)
        .filter(|n| form.weekday_checked(n))
        .map(|n| WEEKDAYS[n - 1])
        .collect();
    if freq == Some(Freq::Weekly) && weekdays.is_empty() {
        errors.add("weekdays", tr.t("series-error-weekday"));
    }
    let today = jiff::Timestamp::from_millisecond(now)
        .ok()
        .zip(zone.clone())
        .map(|(ts, z)| ts.to_zoned(z).date());
    let end = match form.end.trim() {
        "count" => match form.count.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_OCCURRENCES).contains(&n) => Some(End::Count(n)),
            _ => {
                errors.add(
                    "count",
                    tr.t1("series-error-count", "max", MAX_OCCURRENCES as i64),
                );
                None
            }
        },
        "until" => match parse_date(&form.until) {
            None => {
                errors.add("until", tr.t("series-error-date"));
                None
            }
            Some(u) if today.is_some_and(|t| u < t) => {
                errors.add("until", tr.t("series-error-until-past"));
                None
            }
            Some(u) if first.is_some_and(|f| u < f) => {
                errors.add("until", tr.t("series-error-end-before-start"));
                None
            }
            Some(u) => Some(End::Until(u)),
        },
        _ => {
            errors.add("end", tr.t("form-invalid-choice"));
            None
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let (
        Some(zone),
        Some(first),
        Some(time),
        Some(duration_min),
        Some(freq),
        Some(interval),
        Some(end),
    ) = (zone, first, time, duration_min, freq, interval, end)
    else {
        return Err(errors);
    };
    let rule = Rule {
        freq,
        interval,
        weekdays,
        first_date: first,
        time,
        zone,
        end,
    };
    let occurrences = match rule.expand() {
        Ok(o) => o,
        Err(e) => {
            let (field, msg) = match e {
                ExpandError::NoWeekday => ("weekdays", tr.t("series-error-weekday")),
                ExpandError::BadInterval => (
                    "interval",
                    tr.t1("series-error-interval", "max", MAX_INTERVAL as i64),
                ),
                ExpandError::BadCount => (
                    "count",
                    tr.t1("series-error-count", "max", MAX_OCCURRENCES as i64),
                ),
                ExpandError::EndBeforeStart => ("until", tr.t("series-error-end-before-start")),
                ExpandError::TooMany => (
                    "until",
                    tr.t1("series-error-too-many", "max", MAX_OCCURRENCES as i64),
                ),
                ExpandError::Empty => ("weekdays", tr.t("series-error-empty")),
                ExpandError::OutOfRange => ("first_date", tr.t("series-error-date")),
            };
            errors.add(field, msg);
            return Err(errors);
        }
    };
    if occurrences
        .first()
        .is_some_and(|o| o.starts_at.as_millisecond() <= now)
    {
        errors.add("first_date", tr.t("series-error-first-past"));
        return Err(errors);
    }
    Ok(Parsed {
        rule,
        timezone: tz_name.to_string(),
        duration_min,
        occurrences,
    })
}

/// One line of the preview or of the series page.
pub struct Line {
    pub index: usize,
    /// In the series' zone and the viewer's language, e.g. "Mon, 30 Mar 2026, 09:00 CEST".
    pub local: String,
    /// In the viewer's zone.
    pub viewer: String,
    /// What the DST rule did, if anything.
    pub note: String,
}

fn in_zone(ms: i64, tz: &TimeZone, tr: &crate::i18n::Tr) -> String {
    crate::web::time::format_in(ms, tz, tr)
}

fn preview_lines(ctx: &Ctx, p: &Parsed) -> Vec<Line> {
    p.occurrences
        .iter()
        .map(|o| {
            let ms = o.starts_at.as_millisecond();
            let note = match o.adjusted {
                None => String::new(),
                Some(Adjusted::Gap { to }) => ctx.tr.ta(
                    "series-note-gap",
                    &[
                        ("wanted", p.rule.time.strftime("%H:%M").to_string()),
                        ("time", to.strftime("%H:%M").to_string()),
                    ],
                ),
                Some(Adjusted::Fold { .. }) => ctx.t1(
                    "series-note-fold",
                    "time",
                    p.rule.time.strftime("%H:%M").to_string(),
                ),
            };
            Line {
                index: o.index,
                local: in_zone(ms, &p.rule.zone, &ctx.tr),
                viewer: ctx.local_time(&ms),
                note,
            }
        })
        .collect()
}

#[derive(askama::Template)]
#[template(path = "teach/series_new.html")]
struct NewSeriesPage {
    ctx: Ctx,
    course: Course,
    kind: LessonKind,
    form: SeriesForm,
    errors: FieldErrors,
    timezones: &'static [String],
    /// The occurrences of the input, before "Create".
    preview: Vec<Line>,
    signature: String,
}

impl NewSeriesPage {
    fn is_zone(&self, tz: &str) -> bool {
        self.form.timezone == tz
    }
    /// The form's zone is one the list doesn't offer (saved before, or typed): shown
    /// first so that saving doesn't quietly change it.
    fn unlisted_zone(&self) -> bool {
        !self.form.timezone.is_empty() && !self.timezones.contains(&self.form.timezone)
    }
    fn weekday_label(&self, n: &usize) -> String {
        self.ctx.t(&format!("series-weekday-{n}"))
    }
    fn action(&self) -> String {
        format!(
            "/teach/courses/{}/series/new?kind={}",
            self.course.id,
            self.kind.as_str()
        )
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct KindQuery {
    kind: String,
}

fn series_kind(q: &KindQuery) -> AppResult<LessonKind> {
    LessonKind::parse(&q.kind)
        .filter(|k| k.is_scheduled())
        .ok_or(AppError::NotFound)
}

async fn new_series_page(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<KindQuery>,
) -> AppResult<Page> {
    let course = managed_course(&state, &ctx, &id).await?;
    let kind = series_kind(&q)?;
    let tz = ctx
        .user
        .as_ref()
        .map(|u| u.timezone.clone())
        .unwrap_or_else(|| ctx.tz_name.clone());
    render(&NewSeriesPage {
        form: SeriesForm::blank(&tz),
        ctx,
        course,
        kind,
        errors: FieldErrors::default(),
        timezones: super::editor::timezones(),
        preview: Vec::new(),
        signature: String::new(),
    })
}

fn unprocessable(page: Page) -> Response {
    page.status(StatusCode::UNPROCESSABLE_ENTITY)
        .into_response()
}

async fn create_series(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<KindQuery>,
    FieldCheckedForm(form): FieldCheckedForm<SeriesForm>,
) -> AppResult<Response> {
    let course = managed_course(&state, &ctx, &id).await?;
    let kind = series_kind(&q)?;
    let page = |ctx: Ctx, course: Course, form: SeriesForm| NewSeriesPage {
        ctx,
        course,
        kind,
        form,
        errors: FieldErrors::default(),
        timezones: super::editor::timezones(),
        preview: Vec::new(),
        signature: String::new(),
    };
    let parsed = match parse_form(&ctx, &form, now_ms()) {
        Ok(p) => p,
        Err(errors) => {
            let mut p = page(ctx, course, form);
            p.errors = errors;
            return Ok(unprocessable(render(&p)?));
        }
    };
    let signature = form.signature();
    if form.confirm != signature {
        // Every date first, in the series' zone; "Create" confirms exactly these.
        let mut p = page(ctx, course, form);
        p.preview = preview_lines(&p.ctx, &parsed);
        p.signature = signature;
        return Ok(render(&p)?.into_response());
    }
    let host = match live_host(&state, &ctx, kind).await {
        Ok(h) => h,
        Err(r) => {
            let mut p = page(ctx, course, form);
            p.errors = r.errors;
            return Ok(unprocessable(render(&p)?));
        }
    };
    let series_id = series_store::create(
        &state.db,
        &*state.hooks,
        course.school_id,
        course.id,
        ctx.user.as_ref().map(|u| UserId(u.id)),
        &series_store::NewSeries {
            title: form.title.trim(),
            body: form.body.trim_end(),
            required: !form.required.is_empty(),
            webinar: kind == LessonKind::Webinar,
            rule: &parsed.rule,
            timezone: &parsed.timezone,
            duration_min: parsed.duration_min,
        },
        &parsed.occurrences,
        host.as_ref(),
    )
    .await?;
    Ok(Redirect::to(&format!("/teach/courses/{}/series/{series_id}", course.id)).into_response())
}

// ---- the series and its occurrences ----

async fn managed_series(
    state: &CoursesState,
    ctx: &Ctx,
    id: &str,
    series_id: &str,
) -> AppResult<(Course, SeriesRow)> {
    let course = managed_course(state, ctx, id).await?;
    let series = series_store::by_id(&state.db, course.school_id, course.id, parse_id(series_id)?)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((course, series))
}

/// One occurrence as listed.
pub struct MemberLine {
    pub lesson_id: LessonId,
    pub idx: i64,
    pub local: String,
    pub viewer: String,
    pub duration_min: i64,
    pub open: bool,
    /// Its session was cancelled: the page says "Cancelled".
    pub cancelled: bool,
}

fn member_lines(
    ctx: &Ctx,
    series: &SeriesRow,
    members: &[Member],
    cancelled: &std::collections::HashSet<LessonId>,
) -> Vec<MemberLine> {
    let tz = TimeZone::get(&series.timezone).unwrap_or(TimeZone::UTC);
    members
        .iter()
        .filter_map(|m| {
            let s = m.lesson.schedule()?;
            Some(MemberLine {
                lesson_id: m.lesson.id,
                idx: m.idx,
                local: in_zone(s.starts_at, &tz, &ctx.tr),
                viewer: ctx.local_time(&s.starts_at),
                duration_min: s.duration_min,
                open: m.open,
                cancelled: cancelled.contains(&m.lesson.id),
            })
        })
        .collect()
}

#[derive(askama::Template)]
#[template(path = "teach/series.html")]
struct SeriesPage {
    ctx: Ctx,
    course: Course,
    series: SeriesRow,
    lines: Vec<MemberLine>,
}

impl SeriesPage {
    fn n_of(&self, n: &i64) -> String {
        n_of_total(&self.ctx, *n, self.lines.len())
    }
}

fn n_of_total(ctx: &Ctx, n: i64, total: usize) -> String {
    ctx.tr
        .ta("series-n-of-total", &[("n", n), ("total", total as i64)])
}

async fn series_page(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, series_id)): Path<(String, String)>,
) -> AppResult<Page> {
    let (course, series) = managed_series(&state, &ctx, &id, &series_id).await?;
    let members =
        series_store::members(&state.db, &*state.hooks, course.school_id, series.id).await?;
    let cancelled = super::editor::cancelled_sessions(&state, &course).await?;
    render(&SeriesPage {
        lines: member_lines(&ctx, &series, &members, &cancelled),
        ctx,
        course,
        series,
    })
}

/// The edit form of one occurrence.
#[derive(Deserialize, Default, Clone, Debug)]
#[serde(default)]
pub struct OccurrenceForm {
    pub date: String,
    pub time: String,
    pub duration: String,
    /// A user id among the course's instructors; empty keeps the host.
    pub host: String,
    /// `this` or `following`.
    pub scope: String,
    /// "Following" only: give the following sessions this session's Zoom options.
    pub copy_options: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "teach/series_occurrence.html")]
struct OccurrencePage {
    ctx: Ctx,
    course: Course,
    series: SeriesRow,
    line: MemberLine,
    total: usize,
    form: OccurrenceForm,
    errors: FieldErrors,
    instructors: Vec<Instructor>,
    cancel_error: String,
}

impl OccurrencePage {
    fn scope_is(&self, s: &str) -> bool {
        self.form.scope == s
    }
    fn n_of(&self, n: &i64) -> String {
        n_of_total(&self.ctx, *n, self.total)
    }
    fn host_is(&self, id: &i64) -> bool {
        self.form.host == id.to_string()
    }
    fn copy_options(&self) -> bool {
        self.form.copy_options.is_some()
    }
}

async fn occurrence(
    state: &CoursesState,
    ctx: &Ctx,
    id: &str,
    series_id: &str,
    lesson_id: &str,
) -> AppResult<(Course, SeriesRow, Vec<Member>, usize)> {
    let (course, series) = managed_series(state, ctx, id, series_id).await?;
    let lesson_id = LessonId(parse_id(lesson_id)?);
    let members =
        series_store::members(&state.db, &*state.hooks, course.school_id, series.id).await?;
    let at = members
        .iter()
        .position(|m| m.lesson.id == lesson_id)
        .ok_or(AppError::NotFound)?;
    Ok((course, series, members, at))
}

async fn occurrence_page_for(
    state: &CoursesState,
    ctx: Ctx,
    (course, series, members, at): (Course, SeriesRow, Vec<Member>, usize),
    form: Option<OccurrenceForm>,
) -> AppResult<OccurrencePage> {
    let cancelled = super::editor::cancelled_sessions(state, &course).await?;
    let lines = member_lines(&ctx, &series, &members, &cancelled);
    let line = lines.into_iter().nth(at).ok_or(AppError::NotFound)?;
    let form = form.unwrap_or_else(|| {
        let (date, time) = members[at]
            .lesson
            .schedule()
            .and_then(|s| s.local_start.split_once('T'))
            .map(|(d, t)| (d.to_string(), t.to_string()))
            .unwrap_or_default();
        OccurrenceForm {
            date,
            time,
            duration: line.duration_min.to_string(),
            host: String::new(),
            scope: "this".into(),
            copy_options: None,
        }
    });
    let instructors = super::instructors(&state.db, course.school_id, course.id).await?;
    Ok(OccurrencePage {
        total: members.len(),
        ctx,
        course,
        series,
        line,
        form,
        errors: FieldErrors::default(),
        instructors,
        cancel_error: String::new(),
    })
}

async fn occurrence_page(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, series_id, lesson_id)): Path<(String, String, String)>,
) -> AppResult<Page> {
    let found = occurrence(&state, &ctx, &id, &series_id, &lesson_id).await?;
    render(&occurrence_page_for(&state, ctx, found, None).await?)
}

/// The host chosen in the form: one of the course's instructors, checked by
/// [`check_host`], the check of a single lesson's host.
async fn chosen_host(
    state: &CoursesState,
    ctx: &Ctx,
    instructors: &[Instructor],
    value: &str,
    errors: &mut FieldErrors,
) -> Option<Option<LessonHost>> {
    if value.trim().is_empty() {
        return None;
    }
    let Some(who) = instructors
        .iter()
        .find(|i| i.id.to_string() == value.trim())
    else {
        errors.add("host", ctx.t("form-invalid-choice"));
        return None;
    };
    check_host(state, ctx, who.id, &who.email, errors).await
}

async fn edit_occurrence(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, series_id, lesson_id)): Path<(String, String, String)>,
    FieldCheckedForm(form): FieldCheckedForm<OccurrenceForm>,
) -> AppResult<Response> {
    let found = occurrence(&state, &ctx, &id, &series_id, &lesson_id).await?;
    let course = found.0.clone();
    let series_id = found.1.id;
    let lesson = found.2[found.3].lesson.id;
    let mut errors = FieldErrors::default();
    let scope = Scope::parse(form.scope.trim());
    if scope.is_none() {
        errors.add("scope", ctx.t("form-invalid-choice"));
    }
    let date = parse_date(&form.date);
    if scope == Some(Scope::This) && date.is_none() {
        errors.add("date", ctx.t("series-error-date"));
    }
    let time = parse_time(&form.time);
    if time.is_none() {
        errors.add("time", ctx.t("series-error-time"));
    }
    let duration = match schedule::parse_duration(&form.duration) {
        Ok(d) => Some(d),
        Err(_) => {
            errors.add(
                "duration",
                ctx.t1("schedule-bad-duration", "max", MAX_DURATION_MIN),
            );
            None
        }
    };
    let instructors = super::instructors(&state.db, course.school_id, course.id).await?;
    let host = chosen_host(&state, &ctx, &instructors, &form.host, &mut errors).await;
    if let (Some(Scope::This), Some(d), Some(t)) = (scope, date, time) {
        let tz = TimeZone::get(&found.1.timezone).unwrap_or(TimeZone::UTC);
        match series::resolve_wall(&tz, d.to_datetime(t)) {
            Ok((ts, _)) if ts.as_millisecond() <= now_ms() => {
                errors.add("date", ctx.t("series-error-first-past"));
            }
            Ok(_) => {}
            Err(_) => errors.add("date", ctx.t("series-error-date")),
        }
    }
    let rejected = |errors: FieldErrors, cancel_error: String| async {
        let mut p = occurrence_page_for(&state, ctx.clone(), found, Some(form.clone())).await?;
        p.errors = errors;
        p.cancel_error = cancel_error;
        Ok::<_, AppError>(unprocessable(render(&p)?))
    };
    let Some(scope) = scope.filter(|_| errors.is_empty()) else {
        return rejected(errors, String::new()).await;
    };
    let change = Change {
        date: if scope == Scope::This { date } else { None },
        time,
        duration_min: duration,
        host,
        copy_options: scope == Scope::Following && form.copy_options.is_some(),
    };
    match series_store::edit(
        &state.db,
        &*state.hooks,
        course.school_id,
        course.id,
        series_id,
        lesson,
        scope,
        &change,
    )
    .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/teach/courses/{}/series/{series_id}", course.id))
                .into_response(),
        ),
        Err(EditError::NotFound) => Err(AppError::NotFound),
        Err(EditError::NotOpen) => {
            let mut errors = FieldErrors::default();
            errors.add("scope", ctx.t("series-error-not-open"));
            rejected(errors, String::new()).await
        }
        Err(EditError::BadTime) => {
            let mut errors = FieldErrors::default();
            errors.add("time", ctx.t("series-error-time"));
            rejected(errors, String::new()).await
        }
        Err(EditError::Db(e)) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CancelForm {
    scope: String,
}

async fn cancel_occurrence(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, series_id, lesson_id)): Path<(String, String, String)>,
    Form(form): Form<CancelForm>,
) -> AppResult<Response> {
    let found = occurrence(&state, &ctx, &id, &series_id, &lesson_id).await?;
    let course = found.0.clone();
    let series_id = found.1.id;
    let lesson = found.2[found.3].lesson.id;
    let scope = Scope::parse(form.scope.trim())
        .ok_or_else(|| AppError::BadRequest(ctx.t("form-invalid-choice")))?;
    match series_store::cancel(
        &state.db,
        &*state.hooks,
        course.school_id,
        course.id,
        series_id,
        lesson,
        scope,
    )
    .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/teach/courses/{}/series/{series_id}", course.id))
                .into_response(),
        ),
        Err(EditError::NotFound) => Err(AppError::NotFound),
        Err(EditError::NotOpen) | Err(EditError::BadTime) => {
            let mut p = occurrence_page_for(&state, ctx.clone(), found, None).await?;
            p.cancel_error = ctx.t("series-error-not-open");
            Ok(unprocessable(render(&p)?))
        }
        Err(EditError::Db(e)) => Err(e.into()),
    }
}
