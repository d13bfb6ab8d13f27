//! Course and school analytics: a course's figures kept in `analytics_buckets`, read by the
//! analytics pages (`routes.rs`) and drawn as SVG (`chart.rs`).
//!
//! The figures are never counted per page view. [`rollup`] recomputes all of one course's
//! buckets from the raw rows (enrolments, lesson completions, quiz attempts, live
//! attendance, recordings opened, orders, meetings created), read in one snapshot, then
//! replaces them in one short write transaction that claims the course's
//! `analytics_rollups` row only if no roll-up of a later snapshot wrote already: exact,
//! idempotent, and safe to retry or run twice at once. What makes it run: an enrolment and a lesson written or deleted
//! (`AnalyticsSide`, through `courses`' hooks, in their transaction) mark the course
//! stale and queue the `analytics_rollup` job for the next minute; the hourly
//! `analytics_sweep` rolls up every course with a fact newer than its last roll-up; a
//! manager's "Refresh now" rolls up at once. See docs/analytics.md.

pub mod chart;
pub mod routes;

use std::collections::HashMap;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

use crate::db::{Backend, CourseId, Db, LessonId, SchoolId, UserId};
use crate::jobs::{Job, NewJob, enqueue};

pub const DAY_MS: i64 = 86_400_000;

/// What a bucket counts. Stored as its name; the bucket's meaning is the metric's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// Enrolments by UTC day of enrolment.
    Enrolled,
    /// Course completions by UTC day.
    Completed,
    /// Enrolled students with any activity (a lesson completed or opened, a quiz attempt,
    /// a live join) by week (its Monday, as a UTC day).
    Active,
    /// Enrolled students who completed a lesson: bucket = position, label = lesson id.
    LessonDone,
    /// Each student's best score per quiz, by decile (0 = 0–9 %, …, 9 = 90–100 %).
    Quiz,
    /// Enrolled students who joined a live session: bucket = its start day, label = session.
    Attended,
    /// Students enrolled by the session's end (or now while live): same keys as `Attended`.
    EnrolledThen,
    /// Milliseconds a session ran (started → ended): bucket = start day, label = session.
    LiveMs,
    /// Students who opened a live lesson's recording through Lectern, by day first opened.
    Recording,
    /// Net revenue (paid − refunded, minor units) by month of payment, label = currency.
    Revenue,
    /// Zoom meetings created (sessions linked to a meeting) by UTC day, label = host user id.
    Meetings,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::Enrolled => "enrolled",
            Metric::Completed => "completed",
            Metric::Active => "active",
            Metric::LessonDone => "lesson_done",
            Metric::Quiz => "quiz",
            Metric::Attended => "attended",
            Metric::EnrolledThen => "enrolled_then",
            Metric::LiveMs => "live_ms",
            Metric::Recording => "recording",
            Metric::Revenue => "revenue",
            Metric::Meetings => "meetings",
        }
    }

    pub const ALL: [Metric; 11] = [
        Metric::Enrolled,
        Metric::Completed,
        Metric::Active,
        Metric::LessonDone,
        Metric::Quiz,
        Metric::Attended,
        Metric::EnrolledThen,
        Metric::LiveMs,
        Metric::Recording,
        Metric::Revenue,
        Metric::Meetings,
    ];

    pub fn parse(s: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == s)
    }
}

/// One stored bucket.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bucket {
    pub course_id: i64,
    pub metric: &'static str,
    pub bucket: i64,
    pub label: String,
    pub value: i64,
}

/// The Monday (as a UTC day number) of the week holding `day` (1970-01-01 was a Thursday).
pub fn week_of(day: i64) -> i64 {
    day - (day + 3).rem_euclid(7)
}

/// A month's bucket: `year * 12 + month - 1` of the UTC instant `ms`.
pub fn month_of(ms: i64) -> i64 {
    let date = jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
        .unwrap_or_default();
    i64::from(date.year()) * 12 + i64::from(date.month()) - 1
}

/// The SQL of each counted metric: `(metric, bucket, label, value)` rows counted over the
/// raw rows, `$1` the school,
/// `$2` the course, `$3` now (a live session's end while it runs). The same text serves
/// both databases (integer division, `CAST … AS TEXT`).
const ROLLUP_SQL: &[&str] = &[
    "SELECT 'enrolled', enrolled_at / 86400000, '', COUNT(*)
     FROM enrollments WHERE school_id = $1 AND course_id = $2
     GROUP BY enrolled_at / 86400000",
    "SELECT 'completed', completed_at / 86400000, '', COUNT(*)
     FROM enrollments WHERE school_id = $1 AND course_id = $2 AND completed_at IS NOT NULL
     GROUP BY completed_at / 86400000",
    "SELECT 'active', x.d - ((x.d + 3) % 7), '', COUNT(DISTINCT x.user_id)
     FROM (
        SELECT p.user_id AS user_id, p.completed_at / 86400000 AS d
        FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id
        WHERE l.school_id = $1 AND l.course_id = $2
        UNION ALL
        SELECT q.user_id, q.created_at / 86400000
        FROM quiz_attempts q JOIN lessons l ON l.id = q.lesson_id
        WHERE l.school_id = $1 AND l.course_id = $2
        UNION ALL
        SELECT e.user_id, e.opened_at / 86400000
        FROM lesson_evidence e JOIN lessons l ON l.id = e.lesson_id
        WHERE l.school_id = $1 AND l.course_id = $2 AND e.opened_at IS NOT NULL
        UNION ALL
        SELECT a.user_id, a.at / 86400000
        FROM live_attendance_events a JOIN live_sessions s ON s.id = a.session_id
        WHERE s.school_id = $1 AND s.course_id = $2 AND a.kind = 'join'
          AND a.is_host = 0 AND a.user_id IS NOT NULL
     ) x
     JOIN enrollments en ON en.school_id = $1 AND en.course_id = $2 AND en.user_id = x.user_id
     GROUP BY x.d - ((x.d + 3) % 7)",
    "SELECT 'lesson_done', l.position, CAST(l.id AS TEXT), COUNT(en.user_id)
     FROM lessons l
     LEFT JOIN lesson_progress p ON p.lesson_id = l.id
     LEFT JOIN enrollments en ON en.school_id = $1 AND en.course_id = $2 AND en.user_id = p.user_id
     WHERE l.school_id = $1 AND l.course_id = $2 AND l.private_user_id IS NULL
     GROUP BY l.id, l.position",
    "SELECT 'quiz', CASE WHEN b.best >= 100 THEN 9 WHEN b.best < 0 THEN 0 ELSE b.best / 10 END,
            '', COUNT(*)
     FROM (
        SELECT q.lesson_id, q.user_id, MAX(q.score) AS best
        FROM quiz_attempts q JOIN lessons l ON l.id = q.lesson_id
        JOIN enrollments en ON en.school_id = $1 AND en.course_id = $2 AND en.user_id = q.user_id
        WHERE l.school_id = $1 AND l.course_id = $2
        GROUP BY q.lesson_id, q.user_id
     ) b
     GROUP BY CASE WHEN b.best >= 100 THEN 9 WHEN b.best < 0 THEN 0 ELSE b.best / 10 END",
    "SELECT 'enrolled_then', s.started_at / 86400000, CAST(s.id AS TEXT),
            (SELECT COUNT(*) FROM enrollments en
             WHERE en.school_id = $1 AND en.course_id = $2
               AND en.enrolled_at <= COALESCE(s.ended_at, $3))
     FROM live_sessions s JOIN lessons l ON l.id = s.lesson_id
     WHERE s.school_id = $1 AND s.course_id = $2 AND s.started_at IS NOT NULL
       AND l.private_user_id IS NULL",
    "SELECT 'attended', s.started_at / 86400000, CAST(s.id AS TEXT),
            (SELECT COUNT(DISTINCT a.user_id) FROM live_attendance_events a
             JOIN enrollments en ON en.school_id = $1 AND en.course_id = $2
                 AND en.user_id = a.user_id AND en.enrolled_at <= COALESCE(s.ended_at, $3)
             WHERE a.session_id = s.id AND a.kind = 'join' AND a.is_host = 0)
     FROM live_sessions s JOIN lessons l ON l.id = s.lesson_id
     WHERE s.school_id = $1 AND s.course_id = $2 AND s.started_at IS NOT NULL
       AND l.private_user_id IS NULL",
    "SELECT 'live_ms', started_at / 86400000, CAST(id AS TEXT), ended_at - started_at
     FROM live_sessions
     WHERE school_id = $1 AND course_id = $2 AND started_at IS NOT NULL
       AND ended_at IS NOT NULL AND ended_at >= started_at",
    "SELECT 'recording', e.recording_at / 86400000, '', COUNT(*)
     FROM lesson_evidence e JOIN lessons l ON l.id = e.lesson_id
     WHERE l.school_id = $1 AND l.course_id = $2 AND e.recording_at IS NOT NULL
     GROUP BY e.recording_at / 86400000",
    "SELECT 'meetings', linked_at / 86400000,
            COALESCE(CAST(host_user_id AS TEXT), ''), COUNT(*)
     FROM live_sessions
     WHERE school_id = $1 AND course_id = $2 AND linked_at IS NOT NULL
     GROUP BY linked_at / 86400000, host_user_id",
];

/// Recomputes every bucket of `course` from the raw rows: read in one snapshot (a
/// repeatable-read transaction), written in one transaction (see the module's comment). A course of another school or none: nothing written.
pub async fn rollup(db: &Db, school: SchoolId, course: CourseId) -> sqlx::Result<()> {
    // Every fact committed before this instant is in what the reads below see (the wall
    // clock: it orders roll-ups, whatever clock the queue reads).
    rollup_as_of(db, school, course, crate::db::now_ms()).await
}

/// [`rollup`] with its snapshot's instant given: `as_of` must precede the reads (tests
/// pass an older one to stand for a roll-up that read before another).
pub async fn rollup_as_of(
    db: &Db,
    school: SchoolId,
    course: CourseId,
    as_of: i64,
) -> sqlx::Result<()> {
    let now = db.now_ms();
    let mut rows: Vec<(String, i64, String, i64)> = Vec::new();
    // The counts, read in one snapshot outside the write lock (on a large course they
    // take seconds; SQLite's one writer must not wait for them).
    let mut read = db.pool.begin().await?;
    if db.backend == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *read)
            .await?;
    }
    for sql in ROLLUP_SQL {
        let q = sqlx::query_as::<_, (String, i64, String, i64)>(*sql)
            .bind(school.0)
            .bind(course.0);
        // PostgreSQL refuses a parameter the statement does not name.
        let q = if sql.contains("$3") { q.bind(now) } else { q };
        rows.extend(q.fetch_all(&mut *read).await?);
    }
    // Revenue by calendar month: months are not a fixed number of milliseconds, so the
    // course's paid orders (few) are summed here.
    let orders = sqlx::query(
        "SELECT paid_at, COALESCE(paid_minor, amount_minor) AS paid,
                COALESCE(paid_currency, currency) AS currency, refunded_minor
         FROM orders WHERE school_id = $1 AND course_id = $2
           AND status IN ('paid', 'refunded') AND paid_at IS NOT NULL",
    )
    .bind(school.0)
    .bind(course.0)
    .fetch_all(&mut *read)
    .await?;
    read.rollback().await?;
    let mut revenue = std::collections::BTreeMap::<(i64, String), i64>::new();
    for row in orders {
        let paid_at: i64 = row.try_get("paid_at")?;
        let paid: i64 = row.try_get("paid")?;
        let refunded: i64 = row.try_get("refunded_minor")?;
        let currency: String = row.try_get("currency")?;
        *revenue
            .entry((month_of(paid_at), currency.to_uppercase()))
            .or_default() += paid - refunded;
    }
    for ((month, currency), value) in revenue {
        rows.push(("revenue".to_string(), month, currency, value));
    }

    // The claim first (SQLite's write lock; PostgreSQL's row lock). A roll-up whose
    // snapshot is older than the stored one's writes nothing: the newer one saw more.
    // Only a course of this school gets a row.
    let mut tx = db.pool.begin().await?;
    let claimed = sqlx::query(
        "INSERT INTO analytics_rollups (course_id, school_id, rolled_at, stale_since)
         SELECT id, school_id, $3, NULL FROM courses WHERE id = $2 AND school_id = $1
         ON CONFLICT (course_id) DO UPDATE SET rolled_at = excluded.rolled_at,
             stale_since = CASE WHEN analytics_rollups.stale_since <= excluded.rolled_at
                                THEN NULL ELSE analytics_rollups.stale_since END
         WHERE analytics_rollups.rolled_at <= excluded.rolled_at",
    )
    .bind(school.0)
    .bind(course.0)
    .bind(as_of)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(());
    }
    sqlx::query("DELETE FROM analytics_buckets WHERE school_id = $1 AND course_id = $2")
        .bind(school.0)
        .bind(course.0)
        .execute(&mut *tx)
        .await?;
    for (metric, bucket, label, value) in rows {
        sqlx::query(
            "INSERT INTO analytics_buckets (school_id, course_id, metric, bucket, label, value)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(school.0)
        .bind(course.0)
        .bind(metric)
        .bind(bucket)
        .bind(label)
        .bind(value)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// When the course's figures were last recomputed, and whether a fact changed since.
pub async fn rolled(
    db: &Db,
    school: SchoolId,
    course: CourseId,
) -> sqlx::Result<Option<(i64, bool)>> {
    let row: Option<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT rolled_at, stale_since FROM analytics_rollups WHERE school_id = $1 AND course_id = $2",
    )
    .bind(school.0)
    .bind(course.0)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(at, stale)| (at, stale.is_some())))
}

/// Every stored bucket of a course.
pub async fn course_buckets(
    db: &Db,
    school: SchoolId,
    course: CourseId,
) -> sqlx::Result<Vec<Bucket>> {
    let rows: Vec<(i64, String, i64, String, i64)> = sqlx::query_as(
        "SELECT course_id, metric, bucket, label, value FROM analytics_buckets
         WHERE school_id = $1 AND course_id = $2",
    )
    .bind(school.0)
    .bind(course.0)
    .fetch_all(&db.pool)
    .await?;
    Ok(to_buckets(rows))
}

/// The school's buckets of the given metrics whose bucket lies in `from..=to`.
pub async fn school_buckets(
    db: &Db,
    school: SchoolId,
    metrics: &[Metric],
    from: i64,
    to: i64,
) -> sqlx::Result<Vec<Bucket>> {
    let mut out = Vec::new();
    for m in metrics {
        let rows: Vec<(i64, String, i64, String, i64)> = sqlx::query_as(
            "SELECT course_id, metric, bucket, label, value FROM analytics_buckets
             WHERE school_id = $1 AND metric = $2 AND bucket >= $3 AND bucket <= $4",
        )
        .bind(school.0)
        .bind(m.name())
        .bind(from)
        .bind(to)
        .fetch_all(&db.pool)
        .await?;
        out.extend(to_buckets(rows));
    }
    Ok(out)
}

/// A course's lessons' current titles, by id (the funnel's labels).
pub async fn lesson_titles(
    db: &Db,
    school: SchoolId,
    course: CourseId,
) -> sqlx::Result<HashMap<i64, String>> {
    Ok(sqlx::query_as::<_, (i64, String)>(
        "SELECT id, title FROM lessons WHERE school_id = $1 AND course_id = $2",
    )
    .bind(school.0)
    .bind(course.0)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .collect())
}

/// A course's live sessions' lesson titles, by session id (the attendance chart's labels).
pub async fn session_titles(
    db: &Db,
    school: SchoolId,
    course: CourseId,
) -> sqlx::Result<HashMap<i64, String>> {
    Ok(sqlx::query_as::<_, (i64, String)>(
        "SELECT s.id, l.title FROM live_sessions s JOIN lessons l ON l.id = s.lesson_id
         WHERE s.school_id = $1 AND s.course_id = $2",
    )
    .bind(school.0)
    .bind(course.0)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .collect())
}

/// The school's course titles, by id (the top courses' labels).
pub async fn course_titles(db: &Db, school: SchoolId) -> sqlx::Result<HashMap<i64, String>> {
    Ok(
        sqlx::query_as::<_, (i64, String)>("SELECT id, title FROM courses WHERE school_id = $1")
            .bind(school.0)
            .fetch_all(&db.pool)
            .await?
            .into_iter()
            .collect(),
    )
}

fn to_buckets(rows: Vec<(i64, String, i64, String, i64)>) -> Vec<Bucket> {
    rows.into_iter()
        .filter_map(|(course_id, metric, bucket, label, value)| {
            Some(Bucket {
                course_id,
                metric: Metric::parse(&metric)?.name(),
                bucket,
                label,
                value,
            })
        })
        .collect()
}

/// Marks the course stale and queues its roll-up for the start of the next minute (one
/// job per course and minute), in the caller's transaction.
pub async fn touch(tx: &mut AnyConnection, school: i64, course: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO analytics_rollups (course_id, school_id, rolled_at, stale_since)
         VALUES ($1, $2, 0, $3)
         ON CONFLICT (course_id) DO UPDATE SET
             stale_since = COALESCE(analytics_rollups.stale_since, excluded.stale_since)",
    )
    .bind(course)
    .bind(school)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let minute = now.div_euclid(60_000) + 1;
    enqueue(
        tx,
        NewJob::of(&Rollup { school, course })
            .school(school)
            .at(minute * 60_000)
            .dedupe(format!("{}:{course}:{minute}", Rollup::KIND)),
    )
    .await?;
    Ok(())
}

/// Recomputes one course's buckets ([`rollup`]); idempotent.
#[derive(Serialize, Deserialize)]
pub struct Rollup {
    pub school: i64,
    pub course: i64,
}

impl Job for Rollup {
    const KIND: &'static str = "analytics_rollup";
    type Deps = Db;
    async fn run(self, db: &Db) -> anyhow::Result<()> {
        rollup(db, SchoolId(self.school), CourseId(self.course)).await?;
        Ok(())
    }
}

/// Every hour: rolls up each course that was never rolled up, was marked stale, or has a
/// fact newer than its last roll-up (this job may scan; pages never do).
#[derive(Serialize, Deserialize)]
pub struct Sweep {
    pub hour: i64,
}

impl Job for Sweep {
    const KIND: &'static str = "analytics_sweep";
    type Deps = Db;
    async fn run(self, db: &Db) -> anyhow::Result<()> {
        for (school, course) in changed_courses(db).await? {
            rollup(db, SchoolId(school), CourseId(course)).await?;
        }
        Ok(())
    }
}

/// Courses whose figures may be out of date: (school, course).
pub async fn changed_courses(db: &Db) -> sqlx::Result<Vec<(i64, i64)>> {
    sqlx::query_as(
        "SELECT c.school_id, c.id FROM courses c
         LEFT JOIN analytics_rollups r ON r.course_id = c.id
         WHERE r.course_id IS NULL OR r.stale_since IS NOT NULL
            OR EXISTS (SELECT 1 FROM enrollments e WHERE e.course_id = c.id
                       AND (e.enrolled_at >= r.rolled_at OR e.completed_at >= r.rolled_at))
            OR EXISTS (SELECT 1 FROM lessons l JOIN lesson_progress p ON p.lesson_id = l.id
                       WHERE l.course_id = c.id AND p.completed_at >= r.rolled_at)
            OR EXISTS (SELECT 1 FROM lessons l JOIN quiz_attempts q ON q.lesson_id = l.id
                       WHERE l.course_id = c.id AND q.created_at >= r.rolled_at)
            OR EXISTS (SELECT 1 FROM lessons l JOIN lesson_evidence e ON e.lesson_id = l.id
                       WHERE l.course_id = c.id AND e.updated_at >= r.rolled_at)
            OR EXISTS (SELECT 1 FROM live_sessions s WHERE s.course_id = c.id
                       AND s.updated_at >= r.rolled_at)
            OR EXISTS (SELECT 1 FROM live_sessions s JOIN live_attendance_events a
                       ON a.session_id = s.id
                       WHERE s.course_id = c.id AND a.created_at >= r.rolled_at)
            OR EXISTS (SELECT 1 FROM orders o WHERE o.course_id = c.id
                       AND o.updated_at >= r.rolled_at)
            OR EXISTS (SELECT 1 FROM lessons l WHERE l.course_id = c.id
                       AND l.updated_at >= r.rolled_at)
         ORDER BY c.id",
    )
    .fetch_all(&db.pool)
    .await
}

/// `courses`' hooks: an enrolment or a lesson written or deleted makes the course's
/// figures stale and queues their roll-up, in the same transaction.
pub struct AnalyticsSide;

async fn touch_lesson(tx: &mut AnyConnection, lesson: LessonId) -> sqlx::Result<()> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT school_id, course_id FROM lessons WHERE id = $1")
            .bind(lesson.0)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((school, course)) = row {
        touch(tx, school, course, crate::db::now_ms()).await?;
    }
    Ok(())
}

impl crate::courses::hooks::CourseHooks for AnalyticsSide {
    fn lesson_written<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        lesson_id: LessonId,
        _previous_start: Option<i64>,
    ) -> BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(touch_lesson(tx, lesson_id))
    }

    fn lesson_deleted<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        _school_id: SchoolId,
        lesson_id: LessonId,
    ) -> BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(touch_lesson(tx, lesson_id))
    }

    fn enrolled<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        course_id: CourseId,
        _user_id: UserId,
    ) -> BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(async move {
            let school: Option<i64> =
                sqlx::query_scalar("SELECT school_id FROM courses WHERE id = $1")
                    .bind(course_id.0)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(school) = school {
                touch(tx, school, course_id.0, crate::db::now_ms()).await?;
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        // 1970-01-01 (day 0) was a Thursday; its week began Monday 1969-12-29 (day -3).
        assert_eq!(week_of(0), -3);
        assert_eq!(week_of(3), -3);
        assert_eq!(week_of(4), 4);
        // 2026-12-07 is a Monday: day 20794.
        let monday = jiff::civil::date(2026, 12, 7)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp()
            .as_millisecond()
            / DAY_MS;
        assert_eq!(week_of(monday), monday);
        assert_eq!(week_of(monday + 6), monday);
        assert_eq!(week_of(monday + 7), monday + 7);
    }

    #[test]
    fn months_are_calendar_months() {
        let ms = jiff::civil::date(2026, 3, 31)
            .at(23, 59, 0, 0)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .unwrap()
            .timestamp()
            .as_millisecond();
        assert_eq!(month_of(ms), 2026 * 12 + 2);
        assert_eq!(month_of(ms + 60_000), 2026 * 12 + 3);
    }

    #[test]
    fn metric_names_round_trip() {
        for m in Metric::ALL {
            assert_eq!(Metric::parse(m.name()), Some(m));
        }
        assert_eq!(Metric::parse("nope"), None);
    }
}
