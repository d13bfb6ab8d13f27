//! The analytics pages: `/teach/courses/{id}/analytics` (the course's managers) and
//! `/admin/analytics` (the school's admins), each chart's CSV beside it
//! (`…/analytics/{chart}.csv`, the same access check), and a manager's "Refresh now".
//! Everything shown is read from `analytics_buckets` (see `mod.rs`); a page never counts
//! raw rows.

use std::collections::{BTreeMap, HashMap};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::chart::{Chart, Kind};
use super::{Bucket, DAY_MS, Metric, week_of};
use crate::db::{CourseId, Db, SchoolId};
use crate::web::error::{AppError, AppResult};
use crate::web::form::FieldErrors;
use crate::web::page::{Page, render};
use crate::web::{CoreState, Ctx};

pub fn routes() -> Router<CoreState> {
    Router::new()
        .route("/teach/courses/{id}/analytics", get(course_page))
        .route("/teach/courses/{id}/analytics/refresh", post(refresh))
        .route("/teach/courses/{id}/analytics/{file}", get(course_csv))
        .route("/admin/analytics", get(admin_page))
        .route("/admin/analytics/{file}", get(admin_csv))
}

/// The longest range a page shows: ten years.
pub const MAX_RANGE_DAYS: i64 = 3660;
/// The default range: the last year.
const DEFAULT_DAYS: i64 = 364;
/// Daily charts (Zoom usage) show at most this many days, the range's last.
const MAX_DAILY_POINTS: i64 = 92;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RangeQuery {
    pub from: String,
    pub to: String,
}

/// A range of UTC days, both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Range {
    pub from: i64,
    pub to: i64,
}

fn day_of_date(d: jiff::civil::Date) -> i64 {
    d.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_millisecond().div_euclid(DAY_MS))
        .unwrap_or(0)
}

/// A UTC day as `YYYY-MM-DD`.
pub fn date_of_day(day: i64) -> String {
    jiff::Timestamp::from_millisecond(day * DAY_MS)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date().to_string())
        .unwrap_or_default()
}

fn parse_date(s: &str) -> Option<i64> {
    let d: jiff::civil::Date = s.trim().parse().ok()?;
    // Before the epoch or far ahead: not a date anyone means here.
    if d.year() < 1970 || d.year() > 2200 {
        return None;
    }
    Some(day_of_date(d))
}

/// The range asked for, with a field error for a date that isn't one, a reversed range or
/// one longer than ten years; empty fields mean the last year up to `today`.
pub fn parse_range(q: &RangeQuery, today: i64, ctx: &Ctx) -> Result<Range, FieldErrors> {
    let mut errors = FieldErrors::default();
    let to = if q.to.trim().is_empty() {
        Some(today)
    } else {
        parse_date(&q.to)
    };
    if to.is_none() {
        errors.add("to", ctx.t("analytics-error-date"));
    }
    let from = if q.from.trim().is_empty() {
        to.map(|t| t - DEFAULT_DAYS)
    } else {
        parse_date(&q.from)
    };
    if from.is_none() {
        errors.add("from", ctx.t("analytics-error-date"));
    }
    let (Some(from), Some(to)) = (from, to) else {
        return Err(errors);
    };
    if from > to {
        errors.add("to", ctx.t("analytics-error-reversed"));
    } else if to - from >= MAX_RANGE_DAYS {
        errors.add("to", ctx.t("analytics-error-too-long"));
    }
    if errors.is_empty() {
        Ok(Range { from, to })
    } else {
        Err(errors)
    }
}

fn today(db: &Db) -> i64 {
    db.now_ms().div_euclid(DAY_MS)
}

/// Sums day buckets of `metric` into the range's weeks (each labelled by its Monday).
fn weekly(buckets: &[Bucket], metric: Metric, range: Range, scale: f64) -> Vec<(String, f64)> {
    let mut sums: BTreeMap<i64, f64> = BTreeMap::new();
    let mut w = week_of(range.from);
    while w <= range.to {
        sums.insert(w, 0.0);
        w += 7;
    }
    for b in buckets.iter().filter(|b| b.metric == metric.name()) {
        let day = if metric == Metric::Active {
            b.bucket
        } else {
            if b.bucket < range.from || b.bucket > range.to {
                continue;
            }
            week_of(b.bucket)
        };
        if let Some(s) = sums.get_mut(&day) {
            *s += b.value as f64 / scale;
        }
    }
    sums.into_iter().map(|(w, v)| (date_of_day(w), v)).collect()
}

fn month_label(m: i64) -> String {
    format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
}

fn month_of_day(day: i64) -> i64 {
    super::month_of(day * DAY_MS)
}

/// Net revenue per month of the range in the currency with the most of it (a chart
/// mixes no currencies), in major units; `None` without any.
fn revenue(buckets: &[Bucket], range: Range, ctx: &Ctx) -> Option<Chart> {
    let (first, last) = (month_of_day(range.from), month_of_day(range.to));
    let mut per_currency: HashMap<&str, i64> = HashMap::new();
    for b in buckets
        .iter()
        .filter(|b| b.metric == "revenue" && b.bucket >= first && b.bucket <= last)
    {
        *per_currency.entry(b.label.as_str()).or_default() += b.value;
    }
    let currency = per_currency
        .iter()
        .max_by_key(|(c, v)| (**v, std::cmp::Reverse(**c)))
        .map(|(c, _)| c.to_string())?;
    let exp = payments::money::exponent(&currency);
    let scale = 10f64.powi(exp as i32);
    let mut months: BTreeMap<i64, f64> = (first..=last).map(|m| (m, 0.0)).collect();
    for b in buckets
        .iter()
        .filter(|b| b.metric == "revenue" && b.label == currency)
    {
        if let Some(v) = months.get_mut(&b.bucket) {
            *v += b.value as f64 / scale;
        }
    }
    Some(Chart {
        id: "revenue",
        title: ctx.t1("analytics-revenue", "currency", currency.clone()),
        desc: ctx.t("analytics-revenue-desc"),
        kind: Kind::Bar,
        label_header: ctx.t("analytics-month"),
        value_header: ctx.t1("analytics-revenue", "currency", currency),
        points: months
            .into_iter()
            .map(|(m, v)| (month_label(m), v))
            .collect(),
        decimals: exp as usize,
        limit: None,
    })
}

/// The course page's charts, from its buckets.
async fn course_charts(
    db: &Db,
    ctx: &Ctx,
    course: &crate::courses::Course,
    range: Range,
) -> AppResult<(Vec<Chart>, Summary)> {
    let buckets = super::course_buckets(db, course.school_id, course.id).await?;
    let mut charts = Vec::new();
    let week = ctx.t("analytics-week");
    charts.push(Chart {
        id: "enrolments",
        title: ctx.t("analytics-enrolments"),
        desc: ctx.t("analytics-enrolments-desc"),
        kind: Kind::Bar,
        label_header: week.clone(),
        value_header: ctx.t("analytics-enrolments"),
        points: weekly(&buckets, Metric::Enrolled, range, 1.0),
        decimals: 0,
        limit: None,
    });
    charts.push(Chart {
        id: "active",
        title: ctx.t("analytics-active"),
        desc: ctx.t("analytics-active-desc"),
        kind: Kind::Line,
        label_header: week.clone(),
        value_header: ctx.t("analytics-active"),
        points: weekly(&buckets, Metric::Active, range, 1.0),
        decimals: 0,
        limit: None,
    });
    // The funnel: lessons in course order with their current titles.
    let titles = super::lesson_titles(db, course.school_id, course.id).await?;
    let mut funnel: Vec<(i64, i64, i64)> = buckets
        .iter()
        .filter(|b| b.metric == "lesson_done")
        .filter_map(|b| Some((b.bucket, b.label.parse::<i64>().ok()?, b.value)))
        .filter(|(_, id, _)| titles.contains_key(id))
        .collect();
    funnel.sort();
    charts.push(Chart {
        id: "funnel",
        title: ctx.t("analytics-funnel"),
        desc: ctx.t("analytics-funnel-desc"),
        kind: Kind::Bar,
        label_header: ctx.t("analytics-lesson"),
        value_header: ctx.t("analytics-funnel-value"),
        points: funnel
            .iter()
            .enumerate()
            .map(|(i, (_, id, v))| (format!("{}. {}", i + 1, titles[id]), *v as f64))
            .collect(),
        decimals: 0,
        limit: None,
    });
    let mut deciles = [0f64; 10];
    for b in buckets.iter().filter(|b| b.metric == "quiz") {
        if let Some(slot) = usize::try_from(b.bucket)
            .ok()
            .and_then(|i| deciles.get_mut(i))
        {
            *slot += b.value as f64;
        }
    }
    charts.push(Chart {
        id: "quiz",
        title: ctx.t("analytics-quiz"),
        desc: ctx.t("analytics-quiz-desc"),
        kind: Kind::Bar,
        label_header: ctx.t("analytics-score"),
        value_header: ctx.t("analytics-quiz-value"),
        points: deciles
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let hi = if i == 9 { 100 } else { i * 10 + 9 };
                (format!("{}–{hi} %", i * 10), *v)
            })
            .collect(),
        decimals: 0,
        limit: None,
    });
    // Attendance per session in the range, as a share of the students enrolled by then.
    let mut sessions: BTreeMap<(i64, i64), (i64, i64)> = BTreeMap::new();
    for b in buckets
        .iter()
        .filter(|b| b.bucket >= range.from && b.bucket <= range.to)
    {
        let Ok(id) = b.label.parse::<i64>() else {
            continue;
        };
        match b.metric {
            "attended" => sessions.entry((b.bucket, id)).or_default().0 = b.value,
            "enrolled_then" => sessions.entry((b.bucket, id)).or_default().1 = b.value,
            _ => {}
        }
    }
    let session_titles = super::session_titles(db, course.school_id, course.id).await?;
    let attendance: Vec<(String, f64)> = sessions
        .iter()
        .map(|((day, id), (came, enrolled))| {
            let share = if *enrolled > 0 {
                100.0 * *came as f64 / *enrolled as f64
            } else {
                0.0
            };
            let title = session_titles.get(id).cloned().unwrap_or_default();
            (format!("{} {title}", date_of_day(*day)), share)
        })
        .collect();
    let summary = Summary {
        enrolled_total: buckets
            .iter()
            .filter(|b| b.metric == "enrolled")
            .map(|b| b.value)
            .sum(),
        enrolled_in_range: sum_days(&buckets, Metric::Enrolled, range),
        completed_in_range: sum_days(&buckets, Metric::Completed, range),
        sessions_in_range: sessions.len() as i64,
        attendance_pct: if sessions.is_empty() {
            String::new()
        } else {
            let (came, of): (i64, i64) = sessions
                .values()
                .fold((0, 0), |(a, b), (c, e)| (a + c, b + e));
            if of == 0 {
                String::new()
            } else {
                ctx.tr.decimal(100.0 * came as f64 / of as f64, 1)
            }
        },
    };
    charts.push(Chart {
        id: "attendance",
        title: ctx.t("analytics-attendance"),
        desc: ctx.t("analytics-attendance-desc"),
        kind: Kind::Line,
        label_header: ctx.t("analytics-session"),
        value_header: ctx.t("analytics-attendance-value"),
        points: attendance,
        decimals: 1,
        limit: None,
    });
    charts.push(Chart {
        id: "recordings",
        title: ctx.t("analytics-recordings"),
        desc: ctx.t("analytics-recordings-desc"),
        kind: Kind::Bar,
        label_header: week,
        value_header: ctx.t("analytics-recordings"),
        points: weekly(&buckets, Metric::Recording, range, 1.0),
        decimals: 0,
        limit: None,
    });
    if let Some(c) = revenue(&buckets, range, ctx) {
        charts.push(c);
    }
    Ok((charts, summary))
}

fn sum_days(buckets: &[Bucket], metric: Metric, range: Range) -> i64 {
    buckets
        .iter()
        .filter(|b| b.metric == metric.name() && b.bucket >= range.from && b.bucket <= range.to)
        .map(|b| b.value)
        .sum()
}

#[derive(Default)]
pub struct Summary {
    pub enrolled_total: i64,
    pub enrolled_in_range: i64,
    pub completed_in_range: i64,
    pub sessions_in_range: i64,
    /// Attendance over the range's sessions, percent with one decimal; empty without any.
    pub attendance_pct: String,
}

#[derive(askama::Template)]
#[template(path = "analytics/course.html")]
struct CoursePage {
    ctx: Ctx,
    course: crate::courses::Course,
    form: RangeQuery,
    errors: FieldErrors,
    charts: Vec<Chart>,
    summary: Summary,
    /// When the figures were computed, in the viewer's zone; empty if never.
    as_of: String,
    stale: bool,
    csv_base: String,
    query: String,
}

fn query_of(range: Range) -> String {
    format!(
        "?from={}&to={}",
        date_of_day(range.from),
        date_of_day(range.to)
    )
}

/// Figures never computed are computed now (once per course: the only time a page view
/// counts raw rows); stale ones were queued by whatever made them stale.
async fn fresh_enough(db: &Db, school: SchoolId, course: CourseId) -> AppResult<(bool, i64)> {
    let mut state = super::rolled(db, school, course).await?;
    if state.is_none_or(|(at, _)| at == 0) {
        super::rollup(db, school, course).await?;
        state = super::rolled(db, school, course).await?;
    }
    let (at, stale) = state.unwrap_or((0, false));
    Ok((stale, at))
}

async fn course_page(
    State(state): State<CoreState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Page> {
    let course = crate::courses::routes::managed_course(&state.db, &ctx, &id).await?;
    let (stale, at) = fresh_enough(&state.db, course.school_id, course.id).await?;
    let as_of = if at > 0 {
        ctx.local_time(&at)
    } else {
        String::new()
    };
    let csv_base = format!("/teach/courses/{}/analytics", course.id);
    match parse_range(&q, today(&state.db), &ctx) {
        Ok(range) => {
            let (charts, summary) = course_charts(&state.db, &ctx, &course, range).await?;
            let charts = for_reader(charts, &ctx);
            let form = RangeQuery {
                from: date_of_day(range.from),
                to: date_of_day(range.to),
            };
            render(&CoursePage {
                ctx,
                course,
                form,
                errors: FieldErrors::default(),
                charts,
                summary,
                as_of,
                stale,
                csv_base,
                query: query_of(range),
            })
        }
        Err(errors) => Ok(render(&CoursePage {
            ctx,
            course,
            form: q,
            errors,
            charts: Vec::new(),
            summary: Summary::default(),
            as_of,
            stale,
            csv_base,
            query: String::new(),
        })?
        .status(StatusCode::UNPROCESSABLE_ENTITY)),
    }
}

/// "Refresh now": the course's figures recomputed at once.
async fn refresh(
    State(state): State<CoreState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> AppResult<Redirect> {
    let course = crate::courses::routes::managed_course(&state.db, &ctx, &id).await?;
    super::rollup(&state.db, course.school_id, course.id).await?;
    // Back to the range the manager was looking at (only a plain `from=…&to=…` is
    // carried over; the page checks the dates themselves).
    let back = query
        .filter(|q| {
            q.len() <= 64
                && q.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'&' | b'-'))
        })
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    Ok(Redirect::to(&format!(
        "/teach/courses/{}/analytics{back}",
        course.id
    )))
}

/// `{chart}.csv` → the chart's id; anything else is no page.
/// The page's charts with dates in the reader's language ([`Chart::for_reader`]); the top
/// courses are named by their titles, which stay as written. The CSV is made from the
/// charts as they were and keeps ISO 8601.
fn for_reader(charts: Vec<Chart>, ctx: &Ctx) -> Vec<Chart> {
    charts
        .into_iter()
        .map(|c| match c.id {
            "top-courses" | "funnel" => c,
            _ => c.for_reader(&ctx.tr),
        })
        .collect()
}

fn chart_of(file: &str) -> AppResult<&str> {
    file.strip_suffix(".csv").ok_or(AppError::NotFound)
}

fn csv_response(chart: &Chart, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}-{}.csv\"", chart.id),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        chart.csv(),
    )
        .into_response()
}

fn range_or_400(q: &RangeQuery, db: &Db, ctx: &Ctx) -> AppResult<Range> {
    parse_range(q, today(db), ctx).map_err(|e| {
        let msg = ["from", "to"]
            .iter()
            .filter(|f| e.has(f))
            .map(|f| e.get(f))
            .collect::<Vec<_>>()
            .join(" ");
        AppError::BadRequest(msg)
    })
}

async fn course_csv(
    State(state): State<CoreState>,
    ctx: Ctx,
    Path((id, file)): Path<(String, String)>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    let course = crate::courses::routes::managed_course(&state.db, &ctx, &id).await?;
    let wanted = chart_of(&file)?;
    let range = range_or_400(&q, &state.db, &ctx)?;
    let (charts, _) = course_charts(&state.db, &ctx, &course, range).await?;
    let chart = charts
        .iter()
        .find(|c| c.id == wanted)
        .ok_or(AppError::NotFound)?;
    Ok(csv_response(chart, &format!("course-{}", course.id)))
}

/// The school's charts: the same across courses, the top courses, live hours, Zoom usage.
async fn school_charts(
    db: &Db,
    ctx: &Ctx,
    school: SchoolId,
    range: Range,
) -> AppResult<(Vec<Chart>, SchoolSummary)> {
    let day_metrics = [
        Metric::Enrolled,
        Metric::Completed,
        Metric::LiveMs,
        Metric::Meetings,
        Metric::Recording,
        Metric::Attended,
        Metric::EnrolledThen,
    ];
    let mut buckets = super::school_buckets(db, school, &day_metrics, range.from, range.to).await?;
    buckets.extend(
        super::school_buckets(db, school, &[Metric::Active], week_of(range.from), range.to).await?,
    );
    buckets.extend(
        super::school_buckets(
            db,
            school,
            &[Metric::Revenue],
            month_of_day(range.from),
            month_of_day(range.to),
        )
        .await?,
    );
    let week = ctx.t("analytics-week");
    let mut charts = vec![
        Chart {
            id: "enrolments",
            title: ctx.t("analytics-enrolments"),
            desc: ctx.t("analytics-school-enrolments-desc"),
            kind: Kind::Bar,
            label_header: week.clone(),
            value_header: ctx.t("analytics-enrolments"),
            points: weekly(&buckets, Metric::Enrolled, range, 1.0),
            decimals: 0,
            limit: None,
        },
        Chart {
            id: "active",
            title: ctx.t("analytics-active"),
            desc: ctx.t("analytics-school-active-desc"),
            kind: Kind::Line,
            label_header: week.clone(),
            value_header: ctx.t("analytics-active"),
            points: weekly(&buckets, Metric::Active, range, 1.0),
            decimals: 0,
            limit: None,
        },
    ];
    // Top courses by enrolments in the range.
    let titles = super::course_titles(db, school).await?;
    let mut per_course: HashMap<i64, i64> = HashMap::new();
    for b in buckets.iter().filter(|b| b.metric == "enrolled") {
        *per_course.entry(b.course_id).or_default() += b.value;
    }
    let mut top: Vec<(i64, i64)> = per_course.into_iter().filter(|(_, n)| *n > 0).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top.truncate(10);
    charts.push(Chart {
        id: "top-courses",
        title: ctx.t("analytics-top-courses"),
        desc: ctx.t("analytics-top-courses-desc"),
        kind: Kind::Bar,
        label_header: ctx.t("analytics-course"),
        value_header: ctx.t("analytics-enrolments"),
        points: top
            .iter()
            .map(|(id, n)| (titles.get(id).cloned().unwrap_or_default(), *n as f64))
            .collect(),
        decimals: 0,
        limit: None,
    });
    charts.push(Chart {
        id: "live-hours",
        title: ctx.t("analytics-live-hours"),
        desc: ctx.t("analytics-live-hours-desc"),
        kind: Kind::Bar,
        label_header: week,
        value_header: ctx.t("analytics-live-hours"),
        points: weekly(&buckets, Metric::LiveMs, range, 3_600_000.0),
        decimals: 1,
        limit: None,
    });
    // Zoom: the busiest host's meetings created each day, against the per-host budget.
    let zoom_from = range.from.max(range.to - MAX_DAILY_POINTS + 1);
    let mut per_host_day: HashMap<(i64, &str), i64> = HashMap::new();
    for b in buckets
        .iter()
        .filter(|b| b.metric == "meetings" && b.bucket >= zoom_from)
    {
        *per_host_day
            .entry((b.bucket, b.label.as_str()))
            .or_default() += b.value;
    }
    let mut busiest: BTreeMap<i64, i64> = (zoom_from..=range.to).map(|d| (d, 0)).collect();
    for ((day, _), n) in per_host_day {
        if let Some(v) = busiest.get_mut(&day) {
            *v = (*v).max(n);
        }
    }
    let budget = zoom::ratelimit::DAILY_HOST_WRITES;
    charts.push(Chart {
        id: "zoom",
        title: ctx.t("analytics-zoom"),
        desc: ctx.t1("analytics-zoom-desc", "budget", i64::from(budget)),
        kind: Kind::Bar,
        label_header: ctx.t("analytics-day"),
        value_header: ctx.t("analytics-zoom-value"),
        points: busiest
            .into_iter()
            .map(|(d, n)| (date_of_day(d), n as f64))
            .collect(),
        decimals: 0,
        limit: Some(f64::from(budget)),
    });
    if let Some(c) = revenue(&buckets, range, ctx) {
        charts.push(c);
    }
    let live_ms: i64 = buckets
        .iter()
        .filter(|b| b.metric == "live_ms")
        .map(|b| b.value)
        .sum();
    let summary = SchoolSummary {
        enrolled_in_range: sum_days(&buckets, Metric::Enrolled, range),
        completed_in_range: sum_days(&buckets, Metric::Completed, range),
        live_hours: ctx.tr.decimal(live_ms as f64 / 3_600_000.0, 1),
        meetings: sum_days(&buckets, Metric::Meetings, range),
    };
    Ok((charts, summary))
}

#[derive(Default)]
pub struct SchoolSummary {
    pub enrolled_in_range: i64,
    pub completed_in_range: i64,
    pub live_hours: String,
    pub meetings: i64,
}

#[derive(askama::Template)]
#[template(path = "analytics/admin.html")]
struct AdminPage {
    ctx: Ctx,
    form: RangeQuery,
    errors: FieldErrors,
    charts: Vec<Chart>,
    summary: SchoolSummary,
    csv_base: String,
    query: String,
}

async fn admin_page(
    State(state): State<CoreState>,
    ctx: Ctx,
    Query(q): Query<RangeQuery>,
) -> AppResult<Page> {
    ctx.require_admin()?;
    let school = SchoolId(ctx.school.id);
    let csv_base = "/admin/analytics".to_string();
    match parse_range(&q, today(&state.db), &ctx) {
        Ok(range) => {
            let (charts, summary) = school_charts(&state.db, &ctx, school, range).await?;
            let charts = for_reader(charts, &ctx);
            let form = RangeQuery {
                from: date_of_day(range.from),
                to: date_of_day(range.to),
            };
            render(&AdminPage {
                ctx,
                form,
                errors: FieldErrors::default(),
                charts,
                summary,
                csv_base,
                query: query_of(range),
            })
        }
        Err(errors) => Ok(render(&AdminPage {
            ctx,
            form: q,
            errors,
            charts: Vec::new(),
            summary: SchoolSummary::default(),
            csv_base,
            query: String::new(),
        })?
        .status(StatusCode::UNPROCESSABLE_ENTITY)),
    }
}

async fn admin_csv(
    State(state): State<CoreState>,
    ctx: Ctx,
    Path(file): Path<String>,
    Query(q): Query<RangeQuery>,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let wanted = chart_of(&file)?;
    let range = range_or_400(&q, &state.db, &ctx)?;
    let (charts, _) = school_charts(&state.db, &ctx, SchoolId(ctx.school.id), range).await?;
    let chart = charts
        .iter()
        .find(|c| c.id == wanted)
        .ok_or(AppError::NotFound)?;
    Ok(csv_response(chart, "school"))
}
