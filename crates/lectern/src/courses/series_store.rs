//! A series' rows (`lesson_series`, `lesson_series_members`) and the three things done to
//! a series, each in one transaction through the same paths as a single live lesson
//! (`insert_lesson_in`, `update_lesson_in`, the hooks' `cancel_session`), so that every
//! occurrence gets its own session, reminders, invitation, update and cancellation mails
//! (same UID, rising SEQUENCE), completion rule and Q&A thread:
//!
//! - [`create`]: the series and all its lessons, or nothing;
//! - [`edit`]: "this occurrence" or "this and all following" — a [`Change`] (a set of
//!   fields: date (this one only), time, duration, host) copied onto each; occurrences
//!   already live, ended or cancelled are left as they are;
//! - [`cancel`]: one occurrence, or it and the rest of the series.
//!
//! Each begins with a write (the series row), so SQLite takes its lock at once; any
//! failure rolls every occurrence back.

use std::collections::HashMap;

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::TimeZone;
use sqlx::AnyConnection;

use super::lessons::LessonRecord;
use super::schedule::Schedule;
use super::series::{self, Occurrence, Rule};
use super::{CourseHooks, LESSON_COLUMNS, Lesson, LessonContent, LessonHost};
use crate::db::{CourseId, Db, LessonId, SchoolId, UserId, now_ms};

/// What a new series is made of, beside its occurrences.
pub struct NewSeries<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub required: bool,
    pub webinar: bool,
    pub rule: &'a Rule,
    pub timezone: &'a str,
    pub duration_min: i64,
}

/// Writes the series and one live lesson per occurrence (with `host`, if any) in one
/// transaction; returns the series' id.
#[allow(clippy::too_many_arguments)]
pub async fn create(
    db: &Db,
    hooks: &dyn CourseHooks,
    school_id: SchoolId,
    course_id: CourseId,
    created_by: Option<UserId>,
    s: &NewSeries<'_>,
    occurrences: &[Occurrence],
    host: Option<&LessonHost>,
) -> sqlx::Result<i64> {
    let now = now_ms();
    let (count, until) = match s.rule.end {
        series::End::Count(n) => (Some(n as i64), None),
        series::End::Until(d) => (None, Some(d.to_string())),
    };
    let weekdays = s
        .rule
        .weekdays
        .iter()
        .map(|w| series::weekday_number(*w).to_string())
        .collect::<Vec<_>>()
        .join(",");
    let mut tx = db.pool.begin().await?;
    let series_id: i64 = sqlx::query_scalar(
        "INSERT INTO lesson_series (school_id, course_id, title, kind, freq, interval_n, weekdays, first_date,
             local_time, timezone, count_n, until_date, duration_min, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(s.title)
    .bind(if s.webinar { "webinar" } else { "live_session" })
    .bind(s.rule.freq.as_str())
    .bind(i64::from(s.rule.interval))
    .bind(weekdays)
    .bind(s.rule.first_date.to_string())
    .bind(s.rule.time.strftime("%H:%M").to_string())
    .bind(s.timezone)
    .bind(count)
    .bind(until)
    .bind(s.duration_min)
    .bind(created_by.map(|u| u.0))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for o in occurrences {
        let record = LessonRecord {
            title: s.title.to_string(),
            required: s.required,
            body: s.body.to_string(),
            content: LessonContent::Live {
                webinar: s.webinar,
                schedule: Schedule {
                    starts_at: o.starts_at.as_millisecond(),
                    timezone: s.timezone.to_string(),
                    local_start: o.local.strftime("%Y-%m-%dT%H:%M").to_string(),
                    duration_min: s.duration_min,
                },
            },
        };
        let id = super::insert_lesson_in(&mut tx, hooks, school_id, course_id, &record).await?;
        if host.is_some() {
            super::set_lesson_host_in(&mut tx, school_id, id, host).await?;
        }
        sqlx::query(
            "INSERT INTO lesson_series_members (lesson_id, series_id, school_id, idx) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(series_id)
        .bind(school_id)
        .bind(o.index as i64)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(series_id)
}

/// A series as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SeriesRow {
    pub id: i64,
    pub course_id: CourseId,
    pub title: String,
    pub kind: String,
    pub freq: String,
    pub interval_n: i64,
    pub weekdays: String,
    pub first_date: String,
    pub local_time: String,
    pub timezone: String,
    pub count_n: Option<i64>,
    pub until_date: Option<String>,
    pub duration_min: i64,
}

const SERIES_COLUMNS: &str = "s.id, s.course_id, s.title, s.kind, s.freq, s.interval_n, s.weekdays, s.first_date, \
     s.local_time, s.timezone, s.count_n, s.until_date, s.duration_min";

/// The series `id` of this school's course (another school's or course's: `None`).
pub async fn by_id(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    id: i64,
) -> sqlx::Result<Option<SeriesRow>> {
    sqlx::query_as::<_, SeriesRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {SERIES_COLUMNS} FROM lesson_series s WHERE s.school_id = $1 AND s.course_id = $2 AND s.id = $3"
    )))
    .bind(school_id)
    .bind(course_id)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// One occurrence as the series page lists it.
pub struct Member {
    pub idx: i64,
    pub lesson: Lesson,
    /// Still scheduled: may be edited or cancelled.
    pub open: bool,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    idx: i64,
    #[sqlx(flatten)]
    lesson: Lesson,
}

/// The series' lessons in order, with whether each may still change.
pub async fn members(
    db: &Db,
    hooks: &dyn CourseHooks,
    school_id: SchoolId,
    series_id: i64,
) -> sqlx::Result<Vec<Member>> {
    let mut conn = db.pool.acquire().await?;
    let rows = member_rows(&mut conn, school_id, series_id, 0).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let open = hooks.session_open(&mut conn, r.lesson.id).await?;
        out.push(Member {
            idx: r.idx,
            lesson: r.lesson,
            open,
        });
    }
    Ok(out)
}

async fn member_rows(
    conn: &mut AnyConnection,
    school_id: SchoolId,
    series_id: i64,
    from_idx: i64,
) -> sqlx::Result<Vec<MemberRow>> {
    sqlx::query_as::<_, MemberRow>(sqlx::AssertSqlSafe(format!(
        "SELECT m.idx, {LESSON_COLUMNS} FROM lesson_series_members m JOIN lessons l ON l.id = m.lesson_id
         WHERE m.school_id = $1 AND m.series_id = $2 AND m.idx >= $3 ORDER BY m.idx"
    )))
    .bind(school_id)
    .bind(series_id)
    .bind(from_idx)
    .fetch_all(conn)
    .await
}

/// A lesson's place in its series, for the curriculum: "Title · 3 of 12".
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Badge {
    pub lesson_id: LessonId,
    pub series_id: i64,
    pub idx: i64,
    pub total: i64,
    pub title: String,
}

/// The series badges of a course's lessons.
pub async fn badges(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
) -> sqlx::Result<HashMap<LessonId, Badge>> {
    let rows = sqlx::query_as::<_, Badge>(
        "SELECT m.lesson_id, m.series_id, m.idx, s.title,
             (SELECT COUNT(*) FROM lesson_series_members n WHERE n.series_id = m.series_id) AS total
         FROM lesson_series_members m JOIN lesson_series s ON s.id = m.series_id
         WHERE s.school_id = $1 AND s.course_id = $2",
    )
    .bind(school_id)
    .bind(course_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|b| (b.lesson_id, b)).collect())
}

/// Which occurrences a change or cancellation reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    This,
    Following,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "this" => Some(Scope::This),
            "following" => Some(Scope::Following),
            _ => None,
        }
    }
}

/// The fields an edit copies onto each occurrence it reaches; `None` keeps that field.
/// (Options a later feature adds to live lessons join here as further fields.)
#[derive(Default)]
pub struct Change {
    /// A new day: "this occurrence" only.
    pub date: Option<Date>,
    /// A new wall time in the series' zone (the DST rule of `series::resolve_wall`).
    pub time: Option<Time>,
    pub duration_min: Option<i64>,
    /// A new host (`Some(None)`: none, resolved at Start).
    pub host: Option<Option<LessonHost>>,
    /// "Following" only: every following session takes this session's Zoom options and
    /// venue (and none of its own if this one has none: Zoom's defaults apply to both); its
    /// completion rule follows the venue (`completion::fit_venue_in`).
    pub copy_options: bool,
}

#[derive(Debug)]
pub enum EditError {
    /// No such series or occurrence in this course.
    NotFound,
    /// "This occurrence" is live, ended or cancelled.
    NotOpen,
    /// The new date and time lie beyond the calendar.
    BadTime,
    Db(sqlx::Error),
}

impl From<sqlx::Error> for EditError {
    fn from(e: sqlx::Error) -> Self {
        EditError::Db(e)
    }
}

/// Claims the series row (the transaction's first write); `false` when it is not this
/// course's.
async fn claim(
    tx: &mut AnyConnection,
    school_id: SchoolId,
    course_id: CourseId,
    series_id: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE lesson_series SET updated_at = $1 WHERE school_id = $2 AND course_id = $3 AND id = $4",
    )
    .bind(now_ms())
    .bind(school_id)
    .bind(course_id)
    .bind(series_id)
    .execute(tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// The occurrences from `lesson_id` on (or just it), in the claimed transaction.
async fn targets(
    tx: &mut AnyConnection,
    school_id: SchoolId,
    series_id: i64,
    lesson_id: LessonId,
    scope: Scope,
) -> Result<Vec<MemberRow>, EditError> {
    let idx: Option<i64> = sqlx::query_scalar(
        "SELECT idx FROM lesson_series_members WHERE school_id = $1 AND series_id = $2 AND lesson_id = $3",
    )
    .bind(school_id)
    .bind(series_id)
    .bind(lesson_id)
    .fetch_optional(&mut *tx)
    .await?;
    let idx = idx.ok_or(EditError::NotFound)?;
    let mut rows = member_rows(tx, school_id, series_id, idx).await?;
    if scope == Scope::This {
        rows.truncate(1);
    }
    Ok(rows)
}

/// Applies `change` to the occurrence `lesson_id` (and, for [`Scope::Following`], to every
/// later one still scheduled) in one transaction; returns the lessons changed.
#[allow(clippy::too_many_arguments)]
pub async fn edit(
    db: &Db,
    hooks: &dyn CourseHooks,
    school_id: SchoolId,
    course_id: CourseId,
    series_id: i64,
    lesson_id: LessonId,
    scope: Scope,
    change: &Change,
) -> Result<Vec<LessonId>, EditError> {
    let mut tx = db.pool.begin().await?;
    if !claim(&mut tx, school_id, course_id, series_id).await? {
        return Err(EditError::NotFound);
    }
    let mut changed = Vec::new();
    for m in targets(&mut tx, school_id, series_id, lesson_id, scope).await? {
        if !hooks.session_open(&mut tx, m.lesson.id).await? {
            if m.lesson.id == lesson_id {
                return Err(EditError::NotOpen);
            }
            continue;
        }
        let mut record = LessonRecord::from_lesson(&m.lesson);
        if let LessonContent::Live { schedule, .. } = &mut record.content {
            let tz = TimeZone::get(&schedule.timezone).unwrap_or(TimeZone::UTC);
            let local: DateTime = schedule
                .local_start
                .parse()
                .map_err(|_| EditError::BadTime)?;
            let date = match (scope, change.date) {
                (Scope::This, Some(d)) => d,
                _ => local.date(),
            };
            let time = change.time.unwrap_or(local.time());
            let (ts, _) = series::resolve_wall(&tz, date.to_datetime(time))
                .map_err(|_| EditError::BadTime)?;
            schedule.starts_at = ts.as_millisecond();
            schedule.local_start = ts
                .to_zoned(tz)
                .datetime()
                .strftime("%Y-%m-%dT%H:%M")
                .to_string();
            if let Some(d) = change.duration_min {
                schedule.duration_min = d;
            }
        }
        super::update_lesson_in(&mut tx, hooks, school_id, course_id, m.lesson.id, &record).await?;
        if let Some(host) = &change.host {
            super::set_lesson_host_in(&mut tx, school_id, m.lesson.id, host.as_ref()).await?;
        }
        if change.copy_options && m.lesson.id != lesson_id {
            super::live_options::copy_lesson_in(&mut tx, school_id, lesson_id, m.lesson.id).await?;
        }
        changed.push(m.lesson.id);
    }
    tx.commit().await?;
    for id in &changed {
        db.lesson_changed(crate::push::LessonChange {
            school_id,
            course_id,
            lesson_id: *id,
        })
        .await;
    }
    Ok(changed)
}

/// Cancels the occurrence `lesson_id` (and, for [`Scope::Following`], the rest of the
/// series) in one transaction; returns the lessons cancelled (those already live, ended or
/// cancelled are not among them).
#[allow(clippy::too_many_arguments)]
pub async fn cancel(
    db: &Db,
    hooks: &dyn CourseHooks,
    school_id: SchoolId,
    course_id: CourseId,
    series_id: i64,
    lesson_id: LessonId,
    scope: Scope,
) -> Result<Vec<LessonId>, EditError> {
    let mut tx = db.pool.begin().await?;
    if !claim(&mut tx, school_id, course_id, series_id).await? {
        return Err(EditError::NotFound);
    }
    let mut cancelled = Vec::new();
    for m in targets(&mut tx, school_id, series_id, lesson_id, scope).await? {
        if hooks
            .cancel_session(&mut tx, school_id, m.lesson.id)
            .await?
        {
            cancelled.push(m.lesson.id);
        }
    }
    if scope == Scope::This && cancelled.is_empty() {
        return Err(EditError::NotOpen);
    }
    tx.commit().await?;
    for id in &cancelled {
        db.lesson_changed(crate::push::LessonChange {
            school_id,
            course_id,
            lesson_id: *id,
        })
        .await;
    }
    Ok(cancelled)
}
