//! Reminders (24 h and 1 h before), reschedule updates and cancellation notices of live
//! lessons, each e-mailed to every enrolled student in their own time zone and language
//! with an `.ics` attachment.
//!
//! Scheduling is idempotent: one job per (lesson, start instant, kind), keyed so that
//! scheduling twice creates one job; a job whose lesson moved or was cancelled does
//! nothing. Sending writes a `live_notifications_sent` row and the e-mail (an outbox row
//! with its own delivery job) in one transaction per student, so a job that runs again
//! after a crash queues nothing twice and none is lost. The cancellation of a private
//! 1-on-1 whose lesson is deleted ([`cancel_deleted_in`]) is one job per recipient
//! (keyed by them) whose mail goes with a `live_gone_notices_sent` row (no foreign key
//! to the deleted lesson): once per recipient as well.

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::ics;
use crate::db::{CourseId, Db, LessonId, SchoolId, UserId, now_ms};
use crate::email::{self, Calendar, Email};
use crate::i18n::Tr;
use crate::jobs::{self, NewJob};
use crate::zoom_connection::ZoomDeps;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Notice {
    /// The first of the sequence: sent when a session is scheduled, and to each student
    /// who enrols while it is ahead.
    Invite,
    Day,
    Hour,
    Update,
    Cancel,
}

impl Notice {
    pub fn as_str(self) -> &'static str {
        match self {
            Notice::Invite => "invite",
            Notice::Day => "24h",
            Notice::Hour => "1h",
            Notice::Update => "update",
            Notice::Cancel => "cancel",
        }
    }
    pub fn parse(s: &str) -> Option<Notice> {
        match s {
            "invite" => Some(Notice::Invite),
            "24h" => Some(Notice::Day),
            "1h" => Some(Notice::Hour),
            "update" => Some(Notice::Update),
            "cancel" => Some(Notice::Cancel),
            _ => None,
        }
    }
    /// How long before the start a reminder goes out.
    pub(crate) fn lead_ms(self) -> Option<i64> {
        match self {
            Notice::Day => Some(24 * 3_600_000),
            Notice::Hour => Some(3_600_000),
            _ => None,
        }
    }
}

pub(crate) const REMINDERS: [Notice; 2] = [Notice::Day, Notice::Hour];

/// The dedupe key of a reminder job: includes the start instant, so a moved lesson gets
/// new jobs and the old ones find the lesson moved.
pub(crate) fn reminder_key(lesson_id: LessonId, starts_at: i64, notice: Notice) -> String {
    format!("reminder:{lesson_id}:{starts_at}:{}", notice.as_str())
}

/// Enqueues the reminders of a lesson starting at `starts_at` whose moment is still ahead.
pub async fn schedule(
    conn: &mut AnyConnection,
    school_id: i64,
    lesson_id: LessonId,
    starts_at: i64,
    now: i64,
) -> sqlx::Result<()> {
    for notice in REMINDERS {
        let at = starts_at - notice.lead_ms().unwrap_or(0);
        if at < now {
            continue;
        }
        jobs::enqueue(
            conn,
            NewJob::of(&Reminder {
                lesson_id,
                starts_at,
                kind: notice.as_str().to_string(),
                sequence: None,
                user_id: None,
                gone: None,
            })
            .school(school_id)
            .at(at)
            .dedupe(reminder_key(lesson_id, starts_at, notice)),
        )
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct LessonRow {
    school_id: i64,
    course_id: i64,
    kind: String,
    title: String,
    #[sqlx(flatten)]
    content: crate::courses::ContentColumns,
    ics_sequence: i64,
    course_title: String,
    slug: String,
    state: Option<String>,
    course_status: String,
}

/// The lesson and, when it is a live one, its schedule.
async fn lesson_row(
    conn: &mut AnyConnection,
    lesson_id: LessonId,
) -> sqlx::Result<Option<(LessonRow, Option<crate::courses::Schedule>)>> {
    let row = sqlx::query_as::<_, LessonRow>(sqlx::AssertSqlSafe(format!(
        "SELECT l.school_id, l.course_id, l.kind, l.title, {}, l.ics_sequence,
           c.title AS course_title, c.slug, s.state, c.status AS course_status
         FROM lessons l JOIN courses c ON c.id = l.course_id LEFT JOIN live_sessions s ON s.lesson_id = l.id
         WHERE l.id = $1",
        crate::courses::CONTENT_SQL
    )))
    .bind(lesson_id)
    .fetch_optional(conn)
    .await?;
    let Some(mut row) = row else { return Ok(None) };
    let content = std::mem::take(&mut row.content);
    let schedule = crate::courses::schedule_of(lesson_id, &row.kind, content)?;
    Ok(Some((row, schedule)))
}

/// Called in the transaction that inserted or updated a lesson. `previous_start` is the
/// start before the change (`None` for a new lesson): a changed time bumps the event's
/// SEQUENCE and sends an update; the reminders of the (new) start are scheduled.
pub(crate) async fn on_lesson_written(
    conn: &mut AnyConnection,
    lesson_id: LessonId,
    previous_start: Option<i64>,
) -> sqlx::Result<()> {
    let Some((l, Some(lesson_schedule))) = lesson_row(conn, lesson_id).await? else {
        return Ok(());
    };
    let starts_at = lesson_schedule.starts_at;
    if l.state.as_deref() == Some("cancelled") {
        return Ok(());
    }
    let now = now_ms();
    // Newly scheduled (a new live lesson, or a lesson that got a start) in a published
    // course: the students already enrolled are invited.
    if previous_start.is_none() && starts_at > now && l.course_status == "published" {
        enqueue_invitation(
            conn,
            l.school_id,
            lesson_id,
            starts_at,
            l.ics_sequence,
            None,
        )
        .await?;
    }
    if previous_start.is_some_and(|p| p != starts_at) {
        let sequence = crate::courses::queries::bump_ics_sequence(conn, lesson_id).await?;
        enqueue_notice(
            conn,
            l.school_id,
            lesson_id,
            starts_at,
            Notice::Update,
            sequence,
        )
        .await?;
    }
    let end = lesson_schedule.ends_at();
    // A session that expired unstarted, moved (or lengthened) to end after the moment it
    // was declared over, is a new occasion: scheduled again.
    sqlx::query(
        "UPDATE live_sessions SET state = 'scheduled', ended_at = NULL, expired_at = NULL, updated_at = $1
         WHERE lesson_id = $2 AND state = 'ended' AND expired_at IS NOT NULL AND expired_at < $3",
    )
    .bind(now)
    .bind(lesson_id)
    .bind(end)
    .execute(&mut *conn)
    .await?;
    super::jobs::schedule_expiry(conn, l.school_id, lesson_id, end, None).await?;
    schedule(conn, l.school_id, lesson_id, starts_at, now).await
}

async fn enqueue_notice(
    conn: &mut AnyConnection,
    school_id: i64,
    lesson_id: LessonId,
    starts_at: i64,
    notice: Notice,
    sequence: i64,
) -> sqlx::Result<()> {
    jobs::enqueue(
        conn,
        NewJob::of(&Reminder {
            lesson_id,
            starts_at,
            kind: notice.as_str().to_string(),
            sequence: Some(sequence),
            user_id: None,
            gone: None,
        })
        .school(school_id)
        .dedupe(format!(
            "reminder:{lesson_id}:{starts_at}:{}:{sequence}",
            notice.as_str()
        )),
    )
    .await?;
    Ok(())
}

/// The invitation of a lesson at its current SEQUENCE: to every enrolled student
/// (`user_id` = `None`) or to one who just enrolled. Keyed per (lesson, sequence[, user]);
/// the per-student `live_notifications_sent` row makes it once per student either way.
async fn enqueue_invitation(
    conn: &mut AnyConnection,
    school_id: i64,
    lesson_id: LessonId,
    starts_at: i64,
    sequence: i64,
    user_id: Option<UserId>,
) -> sqlx::Result<()> {
    let key = match user_id {
        Some(u) => format!("invite:{lesson_id}:{sequence}:{u}"),
        None => format!("invite:{lesson_id}:{sequence}"),
    };
    jobs::enqueue(
        conn,
        NewJob::of(&Reminder {
            lesson_id,
            starts_at,
            kind: Notice::Invite.as_str().to_string(),
            sequence: Some(sequence),
            user_id,
            gone: None,
        })
        .school(school_id)
        .dedupe(key),
    )
    .await?;
    Ok(())
}

/// Called in the transaction that enrolled a student: the reminders still ahead of the
/// course's live lessons are (idempotently) scheduled, and the student is invited to each.
pub(crate) async fn on_enrolled(
    conn: &mut AnyConnection,
    course_id: CourseId,
    user_id: UserId,
) -> sqlx::Result<()> {
    let now = now_ms();
    let rows: Vec<(LessonId, i64, String, i64, i64)> = sqlx::query_as(
        "SELECT l.id, l.school_id, l.kind, l.starts_at, l.ics_sequence FROM lessons l LEFT JOIN live_sessions s ON s.lesson_id = l.id
         WHERE l.course_id = $1 AND l.starts_at > $2 AND (s.state IS NULL OR s.state <> 'cancelled')
           AND l.private_user_id IS NULL",
    )
    .bind(course_id)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    for (lesson_id, school_id, kind, starts_at, sequence) in rows {
        if crate::courses::LessonKind::parse(&kind).is_some_and(|k| k.is_scheduled()) {
            schedule(conn, school_id, lesson_id, starts_at, now).await?;
            enqueue_invitation(
                conn,
                school_id,
                lesson_id,
                starts_at,
                sequence,
                Some(user_id),
            )
            .await?;
        }
    }
    Ok(())
}

/// Called in the transaction that published a draft course: its students enrolled
/// already are invited to each session still ahead, as on scheduling (the same job and
/// key, `invite:{lesson}:{sequence}`, so a session whose invitation went out while the
/// course was published before is not invited again, and `live_notifications_sent` keeps
/// it to one per student either way).
pub(crate) async fn on_published(
    conn: &mut AnyConnection,
    course_id: CourseId,
) -> sqlx::Result<()> {
    let now = now_ms();
    let rows: Vec<(LessonId, i64, String, i64, i64)> = sqlx::query_as(
        "SELECT l.id, l.school_id, l.kind, l.starts_at, l.ics_sequence FROM lessons l LEFT JOIN live_sessions s ON s.lesson_id = l.id
         WHERE l.course_id = $1 AND l.starts_at > $2 AND (s.state IS NULL OR s.state <> 'cancelled')",
    )
    .bind(course_id)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    for (lesson_id, school_id, kind, starts_at, sequence) in rows {
        if crate::courses::LessonKind::parse(&kind).is_some_and(|k| k.is_scheduled()) {
            enqueue_invitation(conn, school_id, lesson_id, starts_at, sequence, None).await?;
        }
    }
    Ok(())
}

/// What cancelling did.
#[derive(Debug, PartialEq, Eq)]
pub enum Cancelled {
    Now,
    /// Not scheduled any more (already cancelled, started or ended).
    NotCancellable,
}

/// Cancels a scheduled live lesson: `scheduled → cancelled` (conditional), the Zoom
/// meeting (if any) deleted by a job, reminders stopped (their jobs find it cancelled),
/// enrolled students notified with a METHOD:CANCEL event.
///
/// It goes through the course hooks (`CourseHooks::cancel_session`, whose `live` part is
/// [`cancel_in`]), so a booked 1-on-1's booking is cancelled in the same transaction and
/// its slot freed; nothing is written when the session can't be cancelled.
pub async fn cancel(
    db: &Db,
    hooks: &dyn crate::courses::CourseHooks,
    school_id: SchoolId,
    lesson: &crate::courses::Lesson,
) -> sqlx::Result<Cancelled> {
    let mut tx = db.pool.begin().await?;
    if !hooks.cancel_session(&mut tx, school_id, lesson.id).await? {
        return Ok(Cancelled::NotCancellable);
    }
    tx.commit().await?;
    db.lesson_changed(crate::push::LessonChange {
        school_id,
        course_id: lesson.course_id,
        lesson_id: lesson.id,
    })
    .await;
    Ok(Cancelled::Now)
}

/// [`cancel`] in the caller's transaction (one occurrence of a series, or the rest of it,
/// in one transaction): `false` when the session was not scheduled any more. The caller
/// tells open pages (`Db::lesson_changed`) after its commit.
pub(crate) async fn cancel_in(
    conn: &mut AnyConnection,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<bool> {
    let now = now_ms();
    // A lesson nobody opened has no session row yet: it is made here, scheduled. (A write
    // first: SQLite's transaction takes its write lock at once.)
    sqlx::query(
        "INSERT INTO live_sessions (school_id, course_id, lesson_id, is_webinar, state, attempt, host_present, created_at, updated_at)
         SELECT l.school_id, l.course_id, l.id, CASE WHEN l.kind = 'webinar' THEN 1 ELSE 0 END, 'scheduled', 0, 0, $1, $1
         FROM lessons l WHERE l.school_id = $2 AND l.id = $3 AND l.kind IN ('live_session', 'webinar')
         ON CONFLICT (lesson_id) DO NOTHING",
    )
    .bind(now)
    .bind(school_id)
    .bind(lesson_id)
    .execute(&mut *conn)
    .await?;
    let cancelled: Option<(i64, Option<i64>, i64, Option<i64>)> = sqlx::query_as(
        "UPDATE live_sessions SET state = 'cancelled', updated_at = $1
         WHERE school_id = $2 AND lesson_id = $3 AND state = 'scheduled'
         RETURNING id, meeting_id, is_webinar, connection_id",
    )
    .bind(now)
    .bind(school_id)
    .bind(lesson_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((session_id, meeting_id, webinar, connection_id)) = cancelled else {
        return Ok(false);
    };
    if let (Some(meeting_id), Some(connection_id)) = (meeting_id, connection_id) {
        super::jobs::enqueue_delete_meeting(
            conn,
            school_id.0,
            session_id,
            meeting_id,
            crate::db::flag(webinar),
            connection_id,
            now,
        )
        .await?;
    }
    let starts_at = match lesson_row(conn, lesson_id).await? {
        Some((_, Some(s))) => s.starts_at,
        _ => 0,
    };
    let sequence = crate::courses::queries::bump_ics_sequence(conn, lesson_id).await?;
    enqueue_notice(
        conn,
        school_id.0,
        lesson_id,
        starts_at,
        Notice::Cancel,
        sequence,
    )
    .await?;
    Ok(true)
}

/// A lesson's session state in the caller's transaction (`None`: no session row yet),
/// for one who must tell "cancelled already" from "started" after [`cancel_in`].
pub(crate) async fn state_in(
    conn: &mut AnyConnection,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT state FROM live_sessions WHERE school_id = $1 AND lesson_id = $2")
        .bind(school_id)
        .bind(lesson_id)
        .fetch_optional(conn)
        .await
}

use crate::courses::queries::EnrolledStudent as Recipient;

/// The job: sends one notice of one lesson to every enrolled student who hasn't had it.
#[derive(Serialize, Deserialize)]
pub(crate) struct Reminder {
    pub lesson_id: LessonId,
    /// The start it reminds of: a moved lesson's old reminders find it moved.
    pub starts_at: i64,
    /// [`Notice::as_str`].
    pub kind: String,
    /// The event's SEQUENCE an update or cancellation was sent for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<i64>,
    /// Only this student (an invitation on enrolment); everyone enrolled when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// The cancellation of a lesson deleted in the transaction that queued it: what the
    /// notice needs, taken before the delete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gone: Option<Gone>,
}

/// What the cancellation of a deleted private session says, and to whom.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Gone {
    school_id: i64,
    course_id: i64,
    title: String,
    course_title: String,
    slug: String,
    duration_min: i64,
    ics_sequence: i64,
    /// The student and the host (the coach).
    recipients: Vec<i64>,
}

impl Gone {
    fn row(&self) -> LessonRow {
        LessonRow {
            school_id: self.school_id,
            course_id: self.course_id,
            kind: "live_session".to_string(),
            title: self.title.clone(),
            content: Default::default(),
            ics_sequence: self.ics_sequence,
            course_title: self.course_title.clone(),
            slug: self.slug.clone(),
            state: Some("cancelled".to_string()),
            course_status: String::new(),
        }
    }
}

/// A private 1-on-1 whose lesson is about to be deleted, in the deleting transaction
/// (`bookings`' side of the lesson's deletion): `scheduled → cancelled` (a lesson nobody
/// opened has no session row and counts as scheduled) and its cancellation, carried by
/// the job since the lesson will be gone. The Zoom meeting is left to the deletion's own
/// hook (`on_lesson_deleted`). `false` when the session had started, ended or was
/// cancelled already: nothing is sent.
pub(crate) async fn cancel_deleted_in(
    conn: &mut AnyConnection,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<bool> {
    let now = now_ms();
    let claimed = sqlx::query(
        "UPDATE live_sessions SET state = 'cancelled', updated_at = $1
         WHERE school_id = $2 AND lesson_id = $3 AND state = 'scheduled'",
    )
    .bind(now)
    .bind(school_id)
    .bind(lesson_id)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if !claimed {
        let session: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM live_sessions WHERE school_id = $1 AND lesson_id = $2",
        )
        .bind(school_id)
        .bind(lesson_id)
        .fetch_optional(&mut *conn)
        .await?;
        if session.is_some() {
            return Ok(false);
        }
    }
    let Some((l, Some(schedule))) = lesson_row(conn, lesson_id).await? else {
        return Ok(false);
    };
    let people: Option<(Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT private_user_id, host_user_id FROM lessons WHERE school_id = $1 AND id = $2",
    )
    .bind(school_id)
    .bind(lesson_id)
    .fetch_optional(&mut *conn)
    .await?;
    let mut recipients: Vec<i64> =
        people.map_or(Vec::new(), |(s, h)| s.into_iter().chain(h).collect());
    recipients.dedup();
    let sequence = crate::courses::queries::bump_ics_sequence(conn, lesson_id).await?;
    let starts_at = schedule.starts_at;
    // One job per recipient, keyed by them as the enrolment invitations are; its mail
    // goes with a `live_gone_notices_sent` row, so each is queued once however often
    // the job runs.
    for user in recipients {
        jobs::enqueue(
            conn,
            NewJob::of(&Reminder {
                lesson_id,
                starts_at,
                kind: Notice::Cancel.as_str().to_string(),
                sequence: Some(sequence),
                user_id: Some(UserId(user)),
                gone: Some(Gone {
                    school_id: l.school_id,
                    course_id: l.course_id,
                    title: l.title.clone(),
                    course_title: l.course_title.clone(),
                    slug: l.slug.clone(),
                    duration_min: schedule.duration_min,
                    ics_sequence: sequence,
                    recipients: vec![user],
                }),
            })
            .school(school_id.0)
            .dedupe(gone_key(lesson_id, starts_at, sequence, user)),
        )
        .await?;
    }
    Ok(true)
}

/// The dedupe key of a deleted private lesson's cancellation to one recipient.
pub(crate) fn gone_key(lesson_id: LessonId, starts_at: i64, sequence: i64, user: i64) -> String {
    format!(
        "reminder:{lesson_id}:{starts_at}:{}:{sequence}:{user}",
        Notice::Cancel.as_str()
    )
}

impl jobs::Job for Reminder {
    const KIND: &'static str = "live_reminder";
    type Deps = ZoomDeps;
    async fn run(self, deps: &ZoomDeps) -> anyhow::Result<()> {
        let notice = Notice::parse(&self.kind)
            .ok_or_else(|| anyhow::anyhow!("unknown reminder kind {:?}", self.kind))?;
        run(deps, &self, notice).await
    }
}

async fn run(state: &ZoomDeps, job: &Reminder, notice: Notice) -> anyhow::Result<()> {
    let (lesson_id, starts_at, sequence) = (job.lesson_id, job.starts_at, job.sequence);
    let mut conn = state.db.pool.acquire().await?;
    let found = lesson_row(&mut conn, lesson_id).await?;
    drop(conn);
    let gone = job
        .gone
        .as_ref()
        .filter(|_| notice == Notice::Cancel && found.is_none());
    let (l, schedule) = match (found, gone) {
        (Some((l, Some(schedule))), _) => (l, schedule),
        // A private session cancelled by its lesson's deletion: told from what the job
        // carries.
        (None, Some(g)) => (
            g.row(),
            crate::courses::Schedule {
                starts_at,
                timezone: "UTC".to_string(),
                local_start: String::new(),
                duration_min: g.duration_min,
            },
        ),
        // Deleted, or not a live lesson: nothing to tell.
        _ => return Ok(()),
    };
    let cancelled = l.state.as_deref() == Some("cancelled");
    let current = schedule.starts_at == starts_at;
    let due = match notice {
        Notice::Day | Notice::Hour => !cancelled && current && now_ms() < starts_at,
        Notice::Update => !cancelled && current && sequence == Some(l.ics_sequence),
        // An invitation of an older sequence is stale: the update of the newer one (or
        // the enrolment's own invitation) carries the current time.
        Notice::Invite => {
            !cancelled && current && sequence == Some(l.ics_sequence) && now_ms() < starts_at
        }
        Notice::Cancel => cancelled,
    };
    if !due {
        return Ok(());
    }
    let mut recipients = match gone {
        Some(g) => crate::courses::private::people(&state.db, l.school_id, &g.recipients).await?,
        None => {
            crate::courses::queries::enrolled_students(&state.db, l.school_id, l.course_id).await?
        }
    };
    // A private 1-on-1 (`bookings`) concerns its student and its host (the coach) only.
    if gone.is_none()
        && let Some((student, host)) =
            crate::courses::private::audience(&state.db, lesson_id).await?
    {
        recipients.retain(|r| r.id == student);
        recipients.extend(host);
    }
    if let Some(only) = job.user_id {
        recipients.retain(|r| r.id == only.0);
    }
    // Students who turned these mails off (for this course or all) get none, except a
    // cancellation: a session they may still have in their calendar must not silently
    // stay there (see docs/email.md).
    if notice != Notice::Cancel {
        let off = super::preferences::opted_out(&state.db, l.school_id, l.course_id).await?;
        recipients.retain(|r| !off.contains(&r.id));
    }
    let moment = notice.lead_ms().map(|lead| starts_at - lead);
    // A deleted lesson has no page: the mail links to its course.
    let path = match gone {
        Some(_) => format!("/courses/{}", l.slug),
        None => format!("/courses/{}/lessons/{lesson_id}", l.slug),
    };
    let lesson_url = state.school_url(l.school_id, &path).await?;
    let host = state
        .config
        .base_url
        .host_str()
        .unwrap_or("lectern")
        .to_string();
    let logo =
        crate::schools::branding::logo_for_email(&state.db, &state.config.base_url, l.school_id)
            .await?;
    let event = ics::Event {
        uid: ics::uid(lesson_id, &host),
        sequence: l.ics_sequence,
        starts_at,
        // The start this notice is about, for the lesson's length.
        ends_at: starts_at + schedule.duration_min * 60_000,
        summary: l.title.clone(),
        description: format!("{}\n{lesson_url}", l.course_title),
        url: lesson_url.clone(),
        cancelled: notice == Notice::Cancel,
        organizer: organizer(state),
    };
    let method = if notice == Notice::Cancel {
        "CANCEL"
    } else {
        "REQUEST"
    };
    let marker_sequence = match notice {
        Notice::Day | Notice::Hour => 0,
        // The enrolment and the scheduling invitation of one sequence share one row.
        _ => l.ics_sequence,
    };
    let marker = match gone {
        // The deleted lesson has no `live_notifications_sent` rows (their foreign key
        // went with it): its own marker per recipient and SEQUENCE.
        Some(_) => Marker::Gone {
            sequence: l.ics_sequence,
        },
        None => Marker::Live {
            kind: notice.as_str(),
            starts_at,
            sequence: marker_sequence,
        },
    };
    for r in recipients {
        // Enrolled after the reminder's moment: that reminder is not theirs.
        if moment.is_some_and(|m| r.enrolled_at > m) {
            continue;
        }
        // The marker is claimed first and carries the mail's id, in the mail's
        // transaction: a job that runs again queues nothing twice.
        let mut tx = state.db.pool.begin().await?;
        if !marker.claim(&mut tx, l.school_id, lesson_id, r.id).await? {
            continue; // queued by an earlier run
        }
        let email = render(&r, notice, &l, starts_at, &lesson_url, logo.clone())?;
        let email = Email {
            calendar: Some(Calendar {
                method: method.to_string(),
                ics: ics::calendar(Some(method), None, std::slice::from_ref(&event), now_ms()),
            }),
            ..email
        };
        let email_id = email::queue(&mut tx, l.school_id, email).await?;
        marker.attach(&mut tx, lesson_id, r.id, email_id).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// The row that records one recipient's mail of one notice, written with the mail.
enum Marker {
    /// A lesson that exists: `live_notifications_sent`, deleted with the lesson.
    Live {
        kind: &'static str,
        starts_at: i64,
        sequence: i64,
    },
    /// A private session cancelled by its lesson's deletion: `live_gone_notices_sent`,
    /// which has no foreign key to the lesson on purpose.
    Gone { sequence: i64 },
}

impl Marker {
    /// Inserts the marker; false when an earlier run already did.
    async fn claim(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        school_id: i64,
        lesson_id: LessonId,
        user_id: i64,
    ) -> anyhow::Result<bool> {
        let q = match self {
            Marker::Live {
                kind,
                starts_at,
                sequence,
            } => sqlx::query(
                "INSERT INTO live_notifications_sent (school_id, lesson_id, user_id, kind, starts_at, sequence, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind(school_id)
            .bind(lesson_id)
            .bind(user_id)
            .bind(*kind)
            .bind(*starts_at)
            .bind(*sequence)
            .bind(now_ms()),
            Marker::Gone { sequence } => sqlx::query(
                "INSERT INTO live_gone_notices_sent (school_id, lesson_id, user_id, sequence, created_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            )
            .bind(school_id)
            .bind(lesson_id)
            .bind(user_id)
            .bind(*sequence)
            .bind(now_ms()),
        };
        Ok(q.execute(&mut **tx).await?.rows_affected() == 1)
    }

    /// Records which mail the claimed marker stands for.
    async fn attach(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        lesson_id: LessonId,
        user_id: i64,
        email_id: i64,
    ) -> anyhow::Result<()> {
        let q = match self {
            Marker::Live {
                kind,
                starts_at,
                sequence,
            } => sqlx::query(
                "UPDATE live_notifications_sent SET email_id = $1
                 WHERE lesson_id = $2 AND user_id = $3 AND kind = $4 AND starts_at = $5 AND sequence = $6",
            )
            .bind(email_id)
            .bind(lesson_id)
            .bind(user_id)
            .bind(*kind)
            .bind(*starts_at)
            .bind(*sequence),
            Marker::Gone { sequence } => sqlx::query(
                "UPDATE live_gone_notices_sent SET email_id = $1
                 WHERE lesson_id = $2 AND user_id = $3 AND sequence = $4",
            )
            .bind(email_id)
            .bind(lesson_id)
            .bind(user_id)
            .bind(*sequence),
        };
        q.execute(&mut **tx).await?;
        Ok(())
    }
}

/// The address invitations come from (the configured sender).
fn organizer(state: &ZoomDeps) -> Option<String> {
    state
        .config
        .mail_from
        .parse::<lettre::message::Mailbox>()
        .ok()
        .map(|m| m.email.to_string())
}

#[derive(askama::Template)]
#[template(path = "email/live_notice.html")]
struct NoticeHtml {
    /// The school's logo, absolute, if it has one.
    logo: Option<String>,
    greeting: String,
    body: String,
    button: String,
    link: String,
    footer: String,
}

fn render(
    r: &Recipient,
    notice: Notice,
    l: &LessonRow,
    starts_at: i64,
    link: &str,
    logo: Option<String>,
) -> anyhow::Result<Email> {
    let tr = Tr::choose(r.language.as_deref(), None);
    let tz = TimeZone::get(&r.timezone).unwrap_or(TimeZone::UTC);
    let when = crate::web::time::format_in(starts_at, &tz, &tr);
    let args = [
        ("title", l.title.clone()),
        ("course", l.course_title.clone()),
        ("when", when),
        ("name", r.display_name.clone()),
    ];
    let key = |k: &str| format!("reminder-{}-{k}", notice.as_str());
    let subject = tr.ta(&key("subject"), &args);
    let body = tr.ta(&key("body"), &args);
    let greeting = tr.ta("reminder-greeting", &args);
    let button = tr.t("reminder-open-lesson");
    let footer = tr.t("reminder-footer");
    notice_mail(
        &r.email, &tr, subject, logo, greeting, body, button, link, footer,
    )
}

/// A live-session notice (a reminder, "we started") as text and HTML: greeting, body, one
/// button to `link`, footer.
#[allow(clippy::too_many_arguments)]
pub(super) fn notice_mail(
    to: &str,
    tr: &Tr,
    subject: String,
    logo: Option<String>,
    greeting: String,
    body: String,
    button: String,
    link: &str,
    footer: String,
) -> anyhow::Result<Email> {
    let text = format!("{greeting}\n\n{body}\n\n{button}: {link}\n\n{footer}\n");
    let html = askama::Template::render(&NoticeHtml {
        logo,
        greeting,
        body,
        button,
        link: link.to_string(),
        footer,
    })?;
    Ok(Email {
        to: to.to_string(),
        subject,
        text,
        html,
        tr: tr.clone(),
        calendar: None,
    })
}
