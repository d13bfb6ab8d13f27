//! Private 1-on-1 sessions: a coach (an instructor of the course, or an admin) publishes
//! bookable hours in a course (`booking_programs`, `booking_windows`,
//! `booking_exceptions`); slots are computed from them (`slots.rs`); an enrolled student
//! books one (`bookings`), which becomes a live lesson private to that student and hosted
//! by the coach (`courses::private`), so its Zoom meeting, invitation, reminders and
//! cancellation follow the live lifecycle as any live lesson's. See `docs/bookings.md`.
//!
//! Rules: one booked row per (coach, start) across every course and instance (a unique
//! index decides a race); with "one booking per student" (the default) a student holds at
//! most one upcoming booking with a coach in a course; a student cancels or reschedules up
//! to the coach's cutoff before the start, the coach (and the course's managers) until
//! the session starts.

pub mod hooks;
pub mod routes;
pub mod slots;

use std::sync::Arc;

use jiff::tz::TimeZone;

use crate::courses::{CourseHooks, LessonContent, LessonRecord, Schedule};
use crate::db::{CourseId, Db, LessonId, SchoolId, UserId, flag, now_ms};
use slots::{Exception, Rules, Slot, Span, Window};

/// What the booking pages work with.
#[derive(Clone)]
pub struct BookingsState {
    pub db: Db,
    /// What a written lesson sets off (`live`'s session and invitations).
    pub hooks: Arc<dyn CourseHooks>,
}

const MINUTE: i64 = 60_000;

/// A coach's bookable hours in one course.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Program {
    pub id: i64,
    pub school_id: SchoolId,
    pub course_id: CourseId,
    pub coach_id: i64,
    pub timezone: String,
    pub slot_min: i64,
    pub buffer_min: i64,
    pub horizon_days: i64,
    pub notice_min: i64,
    pub cutoff_min: i64,
    pub one_per_student: i64,
}

impl Program {
    pub fn one_per_student(&self) -> bool {
        flag(self.one_per_student)
    }
}

/// What a coach sets; checked by [`Settings::check`].
#[derive(Clone, Debug)]
pub struct Settings {
    pub timezone: String,
    pub slot_min: i64,
    pub buffer_min: i64,
    pub horizon_days: i64,
    pub notice_min: i64,
    pub cutoff_min: i64,
    pub one_per_student: bool,
    pub windows: Vec<Window>,
    pub exceptions: Vec<Exception>,
}

const PROGRAM_COLUMNS: &str = "id, school_id, course_id, coach_id, timezone, slot_min, buffer_min, horizon_days, notice_min, cutoff_min, one_per_student";

pub async fn program(db: &Db, school_id: SchoolId, id: i64) -> sqlx::Result<Option<Program>> {
    sqlx::query_as::<_, Program>(sqlx::AssertSqlSafe(format!(
        "SELECT {PROGRAM_COLUMNS} FROM booking_programs WHERE school_id = $1 AND id = $2"
    )))
    .bind(school_id)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn program_of_coach(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    coach: UserId,
) -> sqlx::Result<Option<Program>> {
    sqlx::query_as::<_, Program>(sqlx::AssertSqlSafe(format!(
        "SELECT {PROGRAM_COLUMNS} FROM booking_programs WHERE school_id = $1 AND course_id = $2 AND coach_id = $3"
    )))
    .bind(school_id)
    .bind(course_id)
    .bind(coach)
    .fetch_optional(&db.pool)
    .await
}

/// SQL: program `p`'s coach may still coach its course: they teach it or are an admin of
/// its school. A coach taken off a course (or an admin no longer one) offers nothing there;
/// their hours are kept, and offered again if they are allowed again.
const COACH_TEACHES: &str = "(EXISTS (SELECT 1 FROM course_instructors ci
     WHERE ci.course_id = p.course_id AND ci.user_id = p.coach_id)
  OR EXISTS (SELECT 1 FROM users cu
     WHERE cu.id = p.coach_id AND cu.school_id = p.school_id AND cu.role = 'admin'))";

/// The course's programs on offer ([`COACH_TEACHES`]) with their coaches' names.
pub async fn programs(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
) -> sqlx::Result<Vec<(Program, String)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        p: Program,
        coach_name: String,
    }
    let rows = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(format!(
        "SELECT p.id, p.school_id, p.course_id, p.coach_id, p.timezone, p.slot_min, p.buffer_min,
                p.horizon_days, p.notice_min, p.cutoff_min, p.one_per_student, u.display_name AS coach_name
         FROM booking_programs p JOIN users u ON u.id = p.coach_id
         WHERE p.school_id = $1 AND p.course_id = $2 AND {COACH_TEACHES}
         ORDER BY u.display_name, p.id"
    )))
    .bind(school_id)
    .bind(course_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|r| (r.p, r.coach_name)).collect())
}

/// Whether any coach offers 1-on-1 sessions in the course (the course page's link): a
/// probe of the `(course_id, coach_id)` index.
pub async fn offered(db: &Db, school_id: SchoolId, course_id: CourseId) -> sqlx::Result<bool> {
    let any: Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT p.id FROM booking_programs p
         WHERE p.course_id = $1 AND p.school_id = $2 AND {COACH_TEACHES} LIMIT 1"
    )))
    .bind(course_id)
    .bind(school_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(any.is_some())
}

/// A program's weekly windows and exceptions.
pub async fn hours(db: &Db, program_id: i64) -> sqlx::Result<(Vec<Window>, Vec<Exception>)> {
    let windows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT weekday, start_min, end_min FROM booking_windows WHERE program_id = $1 ORDER BY weekday, start_min",
    )
    .bind(program_id)
    .fetch_all(&db.pool)
    .await?;
    let exceptions: Vec<(String, String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT day, kind, start_min, end_min FROM booking_exceptions WHERE program_id = $1 ORDER BY day, start_min",
    )
    .bind(program_id)
    .fetch_all(&db.pool)
    .await?;
    let windows = windows
        .into_iter()
        .map(|(weekday, start, end)| Window {
            weekday,
            span: Span { start, end },
        })
        .collect();
    let exceptions = exceptions
        .into_iter()
        .filter_map(|(day, kind, start, end)| {
            let date = day.parse().ok()?;
            Some(match (kind.as_str(), start, end) {
                ("extra", Some(start), Some(end)) => Exception::Extra(date, Span { start, end }),
                _ => Exception::Off(date),
            })
        })
        .collect();
    Ok((windows, exceptions))
}

/// Writes the coach's program for the course (creating it the first time), replacing its
/// windows and exceptions, in one transaction.
pub async fn save(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    coach: UserId,
    s: &Settings,
) -> sqlx::Result<i64> {
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO booking_programs (school_id, course_id, coach_id, timezone, slot_min, buffer_min,
             horizon_days, notice_min, cutoff_min, one_per_student, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
         ON CONFLICT (course_id, coach_id) DO UPDATE SET timezone = excluded.timezone,
             slot_min = excluded.slot_min, buffer_min = excluded.buffer_min,
             horizon_days = excluded.horizon_days, notice_min = excluded.notice_min,
             cutoff_min = excluded.cutoff_min, one_per_student = excluded.one_per_student,
             updated_at = excluded.updated_at
         RETURNING id",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(coach)
    .bind(&s.timezone)
    .bind(s.slot_min)
    .bind(s.buffer_min)
    .bind(s.horizon_days)
    .bind(s.notice_min)
    .bind(s.cutoff_min)
    .bind(i64::from(s.one_per_student))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    for table in ["booking_windows", "booking_exceptions"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE program_id = $1"
        )))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    }
    for w in &s.windows {
        sqlx::query(
            "INSERT INTO booking_windows (school_id, program_id, weekday, start_min, end_min) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(school_id)
        .bind(id)
        .bind(w.weekday)
        .bind(w.span.start)
        .bind(w.span.end)
        .execute(&mut *tx)
        .await?;
    }
    for e in &s.exceptions {
        let (kind, span) = match e {
            Exception::Off(_) => ("off", None),
            Exception::Extra(_, s) => ("extra", Some(*s)),
        };
        sqlx::query(
            "INSERT INTO booking_exceptions (school_id, program_id, day, kind, start_min, end_min) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(school_id)
        .bind(id)
        .bind(e.date().to_string())
        .bind(kind)
        .bind(span.map(|s| s.start))
        .bind(span.map(|s| s.end))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    // The course page offers 1-on-1 sessions from now on.
    crate::courses::viewers::course_changed(db, course_id);
    Ok(id)
}

/// The rules slots of `p` are computed from.
pub async fn rules(db: &Db, p: &Program) -> sqlx::Result<Rules> {
    let (windows, exceptions) = hours(db, p.id).await?;
    Ok(Rules {
        tz: TimeZone::get(&p.timezone).unwrap_or(TimeZone::UTC),
        windows,
        exceptions,
        slot_min: p.slot_min,
        buffer_min: p.buffer_min,
        horizon_days: p.horizon_days,
        notice_min: p.notice_min,
    })
}

/// The coach's booked spans from `from` on, in every course.
async fn busy(db: &Db, coach_id: i64, from: i64) -> sqlx::Result<Vec<Slot>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT starts_at, ends_at FROM bookings WHERE coach_id = $1 AND state = 'booked' AND ends_at > $2",
    )
    .bind(coach_id)
    .bind(from)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(start, end)| Slot { start, end })
        .collect())
}

/// The free slots of a program from `now` on.
pub async fn free_slots(db: &Db, p: &Program, now: i64) -> sqlx::Result<Vec<Slot>> {
    let rules = rules(db, p).await?;
    let busy = busy(db, p.coach_id, now).await?;
    Ok(slots::free_slots(&rules, now, &busy))
}

/// A booking as the pages list it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Booking {
    pub id: i64,
    pub program_id: i64,
    pub course_id: CourseId,
    pub coach_id: i64,
    pub student_id: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub lesson_id: Option<LessonId>,
    pub state: String,
    pub coach_name: String,
    pub student_name: String,
}

const BOOKING_SELECT: &str =
    "SELECT b.id, b.program_id, b.course_id, b.coach_id, b.student_id, b.starts_at, b.ends_at,
        b.lesson_id, b.state, cu.display_name AS coach_name, su.display_name AS student_name
     FROM bookings b JOIN users cu ON cu.id = b.coach_id JOIN users su ON su.id = b.student_id";

pub async fn booking(db: &Db, school_id: SchoolId, id: i64) -> sqlx::Result<Option<Booking>> {
    sqlx::query_as::<_, Booking>(sqlx::AssertSqlSafe(format!(
        "{BOOKING_SELECT} WHERE b.school_id = $1 AND b.id = $2"
    )))
    .bind(school_id)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// The course's booked sessions not yet over, by start; one student's when `student` is
/// given.
pub async fn upcoming(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    student: Option<UserId>,
    now: i64,
) -> sqlx::Result<Vec<Booking>> {
    sqlx::query_as::<_, Booking>(sqlx::AssertSqlSafe(format!(
        "{BOOKING_SELECT} WHERE b.school_id = $1 AND b.course_id = $2 AND b.state = 'booked' AND b.ends_at > $3
           AND ($4 = 0 OR b.student_id = $4)
         ORDER BY b.starts_at, b.id"
    )))
    .bind(school_id)
    .bind(course_id)
    .bind(now)
    .bind(student.map_or(0, |u| u.0))
    .fetch_all(&db.pool)
    .await
}

/// Why a booking was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum BookError {
    InPast,
    TooSoon,
    BeyondHorizon,
    /// Not a slot of the coach's hours.
    OutsideWindow,
    /// Someone else holds it (or won the race for it).
    Taken,
    /// The student already holds an upcoming booking with this coach (one per student).
    AlreadyBooked,
    /// Rescheduling a booking that can't be moved any more.
    Cancel(CancelError),
    Db(String),
}

impl From<sqlx::Error> for BookError {
    fn from(e: sqlx::Error) -> Self {
        BookError::Db(e.to_string())
    }
}

impl BookError {
    /// The catalogue key of the message shown beside the slots.
    pub fn key(&self) -> &'static str {
        match self {
            BookError::InPast => "booking-error-past",
            BookError::TooSoon => "booking-error-too-soon",
            BookError::BeyondHorizon => "booking-error-horizon",
            BookError::OutsideWindow => "booking-error-outside",
            BookError::Taken => "booking-error-taken",
            BookError::AlreadyBooked => "booking-error-one-per-student",
            BookError::Cancel(e) => e.key(),
            BookError::Db(_) => "booking-error-taken",
        }
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Books the slot starting at `start` of program `p` for `student` (enrolled: checked by
/// the caller), or moves their booking `replacing` there. The slot is checked against the
/// rules; the booking row, the private live lesson and its invitation are written in one
/// transaction whose first statement is the insert that the unique (coach, start) index
/// lets only one of several racing students make.
pub async fn book(
    state: &BookingsState,
    p: &Program,
    student: UserId,
    title: &str,
    start: i64,
    replacing: Option<&Booking>,
    now: i64,
) -> Result<i64, BookError> {
    let db = &state.db;
    if start < now {
        return Err(BookError::InPast);
    }
    if start < now + p.notice_min * MINUTE {
        return Err(BookError::TooSoon);
    }
    if start > now + p.horizon_days * 24 * 60 * MINUTE {
        return Err(BookError::BeyondHorizon);
    }
    let rules = rules(db, p).await?;
    let Some(slot) = slots::all_slots(&rules, now)
        .into_iter()
        .find(|s| s.start == start)
    else {
        return Err(BookError::OutsideWindow);
    };
    if let Some(old) = replacing {
        check_cancel(p, old, student, false, now).map_err(BookError::Cancel)?;
    }
    let mut tx = db.pool.begin().await?;
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO bookings (school_id, program_id, course_id, coach_id, student_id, starts_at, ends_at, state, created_at)
         SELECT $1, $2, $3, $4, $5, $6, $7, 'booked', $8
         WHERE $9 = 0 OR NOT EXISTS (SELECT 1 FROM bookings o WHERE o.program_id = $2 AND o.student_id = $5
             AND o.state = 'booked' AND o.ends_at > $8 AND o.id <> $10)
         RETURNING id",
    )
    .bind(p.school_id)
    .bind(p.id)
    .bind(p.course_id)
    .bind(p.coach_id)
    .bind(student)
    .bind(slot.start)
    .bind(slot.end)
    .bind(now)
    .bind(p.one_per_student)
    .bind(replacing.map_or(0, |b| b.id))
    .fetch_optional(&mut *tx)
    .await;
    let id = match inserted {
        Ok(Some(id)) => id,
        Ok(None) => return Err(BookError::AlreadyBooked),
        Err(e) if is_unique_violation(&e) => return Err(BookError::Taken),
        Err(e) => return Err(e.into()),
    };
    let local_start = jiff::Timestamp::from_millisecond(slot.start)
        .map(|t| {
            t.to_zoned(rules.tz.clone())
                .strftime("%Y-%m-%dT%H:%M")
                .to_string()
        })
        .unwrap_or_default();
    let record = LessonRecord {
        title: title.to_string(),
        required: false,
        body: String::new(),
        content: LessonContent::Live {
            webinar: false,
            schedule: Schedule {
                starts_at: slot.start,
                timezone: p.timezone.clone(),
                local_start,
                duration_min: p.slot_min,
            },
        },
    };
    let lesson_id = crate::courses::private::insert_private_live_lesson(
        &mut tx,
        state.hooks.as_ref(),
        p.school_id,
        p.course_id,
        student,
        UserId(p.coach_id),
        &record,
    )
    .await?;
    sqlx::query("UPDATE bookings SET lesson_id = $1 WHERE id = $2")
        .bind(lesson_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    // The new time is held; the old one is let go in the same transaction (its
    // cancellation goes out), or neither happens.
    let old_lesson = match replacing {
        Some(old) => cancel_in(&mut tx, p, old, student, now)
            .await
            .map_err(|e| match e {
                CancelError::Db(d) => BookError::Db(d),
                e => BookError::Cancel(e),
            })?,
        None => None,
    };
    tx.commit().await?;
    told(db, p, old_lesson).await;
    Ok(id)
}

/// Why a cancellation (or a reschedule) was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum CancelError {
    /// Cancelled already.
    NotBooked,
    /// The student's cutoff before the start has passed.
    PastCutoff,
    /// The session has started (or ended).
    Started,
    Db(String),
}

impl From<sqlx::Error> for CancelError {
    fn from(e: sqlx::Error) -> Self {
        CancelError::Db(e.to_string())
    }
}

impl CancelError {
    pub fn key(&self) -> &'static str {
        match self {
            CancelError::NotBooked => "booking-error-not-booked",
            CancelError::PastCutoff => "booking-error-cutoff",
            CancelError::Started | CancelError::Db(_) => "booking-error-started",
        }
    }
}

/// The student may cancel up to the cutoff before the start; the coach and the course's
/// managers (`manager`) until it starts.
fn check_cancel(
    p: &Program,
    b: &Booking,
    by: UserId,
    manager: bool,
    now: i64,
) -> Result<(), CancelError> {
    if b.state != "booked" {
        return Err(CancelError::NotBooked);
    }
    if now >= b.starts_at {
        return Err(CancelError::Started);
    }
    let coach = by.0 == p.coach_id;
    if !(manager || coach) && now > b.starts_at - p.cutoff_min * MINUTE {
        return Err(CancelError::PastCutoff);
    }
    Ok(())
}

/// Whether `by` may still cancel or move booking `b` (the page offers Reschedule only
/// then).
pub fn may_move(p: &Program, b: &Booking, by: UserId, now: i64) -> bool {
    check_cancel(p, b, by, false, now).is_ok()
}

/// Cancels a booking in one transaction: the booking first (the claim: of two racing
/// cancels one proceeds), freeing the slot, then its live session (the `scheduled →
/// cancelled` claim, which queues the cancellation `.ics` to the student and the coach,
/// once) and the lesson leaves the student's outline. A session already started is not
/// cancelled and nothing is written.
pub async fn cancel(
    db: &Db,
    p: &Program,
    b: &Booking,
    by: UserId,
    manager: bool,
    now: i64,
) -> Result<(), CancelError> {
    check_cancel(p, b, by, manager, now)?;
    let mut tx = db.pool.begin().await?;
    let lesson = cancel_in(&mut tx, p, b, by, now).await?;
    tx.commit().await?;
    told(db, p, lesson).await;
    Ok(())
}

/// Open pages of the course look at the cancelled session again.
async fn told(db: &Db, p: &Program, lesson: Option<LessonId>) {
    // The student's outline gains or loses their private lesson.
    crate::courses::viewers::course_changed(db, p.course_id);
    if let Some(lesson_id) = lesson {
        db.lesson_changed(crate::push::LessonChange {
            school_id: p.school_id,
            course_id: p.course_id,
            lesson_id,
        })
        .await;
    }
}

/// [`cancel`] in the caller's transaction (checked by the caller): the booking's lesson,
/// if it still has one. The first statement is the write.
async fn cancel_in(
    conn: &mut sqlx::AnyConnection,
    p: &Program,
    b: &Booking,
    by: UserId,
    now: i64,
) -> Result<Option<LessonId>, CancelError> {
    let r = sqlx::query(
        "UPDATE bookings SET state = 'cancelled', cancelled_at = $1, cancelled_by = $2
         WHERE school_id = $3 AND id = $4 AND state = 'booked'",
    )
    .bind(now)
    .bind(by)
    .bind(p.school_id)
    .bind(b.id)
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() != 1 {
        return Err(CancelError::NotBooked);
    }
    let Some(lesson_id) = b.lesson_id else {
        return Ok(None);
    };
    if !crate::live::reminders::cancel_in(conn, p.school_id, lesson_id).await? {
        // Not scheduled any more: cancelled already (then the booking goes too), or
        // started (then nothing changes).
        let state = crate::live::reminders::state_in(conn, p.school_id, lesson_id).await?;
        if state.as_deref() != Some("cancelled") {
            return Err(CancelError::Started);
        }
    }
    crate::courses::private::mark_cancelled(conn, p.school_id, lesson_id, now).await?;
    Ok(Some(lesson_id))
}
