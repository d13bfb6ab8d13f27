//! Live sessions and webinars: one row per live lesson moving through
//! `scheduled → starting → live → ended` (+ `cancelled`), every transition a conditional
//! UPDATE so that it holds across app instances.
//!
//! - [`start`]: the host's Start (exactly one Zoom create per attempt), reconciliation of
//!   stuck `starting` rows by the agenda marker, Zoom errors → messages saying what
//!   happened and what to do ([`errors`]), and the host launch with a start URL fetched
//!   at click time (never stored).
//! - [`join`]: the role-0 SDK signature for enrolled students of a live session (+ OBF).
//! - [`events`]: webhook processing (started/ended/deleted, participants, recordings).
//! - [`attendance`]: segments from join/leave events, report reconciliation, CSV.
//! - [`jobs`]: the job kinds of this capability.
//! - [`panel`], [`routes`]: what the lesson player shows and the HTTP edge.
//! - [`dashboard`]: the room dashboard of a running session and its report afterwards.
//!
//! `live` calls `zoom_connection` for API access; `zoom_connection` never calls `live`.

pub mod attendance;
mod calendar;
pub mod dashboard;
pub mod display;
pub mod download;
pub mod errors;
pub mod events;
pub mod feeds;
pub mod hooks;
pub mod ics;
pub mod jobs;
pub mod join;
pub mod listing;
pub mod panel;
pub mod preferences;
pub mod reminders;
pub mod routes;
pub mod start;
pub mod watch;

use sqlx::AnyConnection;

use crate::courses::{Lesson, LessonKind};
use crate::crypto::SecretKey;
use crate::db::{CourseId, Db, LessonId, SchoolId, flag, now_ms};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Scheduled,
    Starting,
    Live,
    Ended,
    Cancelled,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Scheduled => "scheduled",
            State::Starting => "starting",
            State::Live => "live",
            State::Ended => "ended",
            State::Cancelled => "cancelled",
        }
    }
    /// Strict: a state this build does not know (a typo in SQL, a newer build's state) is
    /// an error, never quietly `Scheduled`, which would offer Start on a session in any
    /// state.
    pub fn parse(s: &str) -> Result<State, UnknownState> {
        Ok(match s {
            "scheduled" => State::Scheduled,
            "starting" => State::Starting,
            "live" => State::Live,
            "ended" => State::Ended,
            "cancelled" => State::Cancelled,
            other => return Err(UnknownState(other.to_string())),
        })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown live session state {0:?}")]
pub struct UnknownState(String);

impl TryFrom<String> for State {
    type Error = UnknownState;
    fn try_from(s: String) -> Result<State, UnknownState> {
        State::parse(&s)
    }
}

impl PartialEq<&str> for State {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Session {
    pub id: i64,
    pub school_id: i64,
    pub course_id: i64,
    pub lesson_id: i64,
    pub is_webinar: i64,
    #[sqlx(try_from = "String")]
    pub state: State,
    pub attempt: i64,
    pub starting_since: Option<i64>,
    pub host_user_id: Option<i64>,
    pub connection_id: Option<i64>,
    pub zoom_host_id: Option<String>,
    pub zoom_account_id: Option<String>,
    pub meeting_id: Option<i64>,
    pub meeting_uuid: Option<String>,
    pub join_url_sealed: Option<String>,
    pub passcode_sealed: Option<String>,
    pub host_present: i64,
    pub linked_at: Option<i64>,
    pub started_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub zoom_deleted_at: Option<i64>,
    pub cleaned_up_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_args: Option<String>,
    pub last_error_at: Option<i64>,
    pub expired_at: Option<i64>,
}

pub const COLUMNS: &str = "id, school_id, course_id, lesson_id, is_webinar, state, attempt, starting_since, host_user_id, \
    connection_id, zoom_host_id, zoom_account_id, meeting_id, meeting_uuid, join_url_sealed, passcode_sealed, host_present, \
    linked_at, started_at, ended_at, zoom_deleted_at, cleaned_up_at, last_error, last_error_args, last_error_at, expired_at";

impl Session {
    pub fn state(&self) -> State {
        self.state
    }
    pub fn webinar(&self) -> bool {
        flag(self.is_webinar)
    }
    pub fn host_present(&self) -> bool {
        flag(self.host_present)
    }
    /// Which lesson open pages should look at again after this session changed.
    pub fn change(&self) -> crate::push::LessonChange {
        crate::push::LessonChange {
            school_id: SchoolId(self.school_id),
            course_id: CourseId(self.course_id),
            lesson_id: LessonId(self.lesson_id),
        }
    }
    /// The participants' join link (sealed at rest, bound to this row).
    pub fn join_url(&self, key: &SecretKey) -> Option<String> {
        open(
            key,
            self.join_url_sealed.as_deref()?,
            &aad(self.id, "join_url"),
        )
    }
    pub fn passcode(&self, key: &SecretKey) -> Option<String> {
        open(
            key,
            self.passcode_sealed.as_deref()?,
            &aad(self.id, "passcode"),
        )
    }
}

/// What [`display::display`] needs of a lesson and its session (none yet: scheduled).
pub(crate) fn facts(lesson: &Lesson, session: Option<&Session>) -> Option<display::Facts> {
    let schedule = lesson.schedule()?;
    Some(display::Facts {
        state: session.map_or(State::Scheduled, Session::state),
        expired: session.is_some_and(|s| s.expired_at.is_some()),
        starts_at: schedule.starts_at,
        ends_at: schedule.ends_at(),
    })
}

pub fn windows(config: &crate::config::Config) -> display::Windows {
    display::Windows {
        start_lead_ms: config.live.start_lead_ms,
        end_grace_ms: config.live.end_grace_ms,
    }
}

/// The facts of every scheduled lesson of a course that `viewer` (0: nobody signed in)
/// may see, in one query (the outline's badges): another student's private 1-on-1 is
/// not among them.
pub(crate) async fn course_facts(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    viewer: i64,
) -> sqlx::Result<Vec<(LessonId, display::Facts)>> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: LessonId,
        kind: String,
        #[sqlx(flatten)]
        content: crate::courses::ContentColumns,
        state: Option<String>,
        expired_at: Option<i64>,
    }
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT l.id, l.kind, {}, s.state, s.expired_at
         FROM lessons l LEFT JOIN live_sessions s ON s.lesson_id = l.id AND s.school_id = l.school_id
         WHERE l.school_id = $1 AND l.course_id = $2 AND l.kind IN ('live_session', 'webinar')
           AND l.starts_at IS NOT NULL AND {}
         ORDER BY l.position",
        crate::courses::CONTENT_SQL,
        crate::courses::private::visible_sql("$3")
    )))
    .bind(school_id)
    .bind(course_id)
    .bind(viewer)
    .fetch_all(&db.pool)
    .await?;
    let mut facts = Vec::with_capacity(rows.len());
    for r in rows {
        let Some(schedule) = crate::courses::schedule_of(r.id, &r.kind, r.content)? else {
            continue;
        };
        let state = match r.state.as_deref() {
            None => State::Scheduled,
            Some(s) => State::parse(s).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        };
        facts.push((
            r.id,
            display::Facts {
                state,
                expired: r.expired_at.is_some(),
                starts_at: schedule.starts_at,
                ends_at: schedule.ends_at(),
            },
        ));
    }
    Ok(facts)
}

pub fn aad(session_id: i64, which: &str) -> String {
    format!("live_sessions:{session_id}:{which}")
}

/// Associated data of a recording file's sealed play passcode.
pub(crate) fn recording_aad(session_id: i64, file_id: &str) -> String {
    format!("live_recordings:{session_id}:{file_id}:play_passcode")
}

/// A recording's play link with its passcode spliced in as `?pwd=`, as Zoom documents
/// for `recording_play_passcode`.
pub(crate) fn play_link(url: &str, passcode: Option<&str>) -> String {
    match passcode {
        Some(p) if !p.is_empty() => {
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}pwd={}", urlencode(p))
        }
        _ => url.to_string(),
    }
}

/// `s` percent-encoded for a query value or a path segment.
pub(crate) fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A sealed column's plain text, or None when it does not open (other key, other row).
pub(crate) fn open(key: &SecretKey, sealed: &str, aad: &str) -> Option<String> {
    key.open(sealed, aad)
        .ok()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
}

/// The marker put into the Zoom agenda: identifies school, lesson and start attempt.
pub fn marker(school_id: SchoolId, lesson_id: LessonId, attempt: i64) -> String {
    format!("[lectern:{school_id}:{lesson_id}:{attempt}]")
}

/// The attempt of this lesson's marker leading an agenda, if any. Only the leading marker
/// counts: the lesson's description follows it, and a marker-like text there (another
/// lesson's instructor can write one) must not make that meeting ours.
pub(crate) fn marker_attempt(agenda: &str, school_id: i64, lesson_id: i64) -> Option<i64> {
    let rest = agenda.strip_prefix(&format!("[lectern:{school_id}:{lesson_id}:"))?;
    let end = rest.find(']')?;
    rest[..end].parse().ok()
}

pub async fn by_lesson(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<Option<Session>> {
    sqlx::query_as::<_, Session>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM live_sessions WHERE school_id = $1 AND lesson_id = $2"
    )))
    .bind(school_id)
    .bind(lesson_id)
    .fetch_optional(&db.pool)
    .await
}

/// Tells open pages that session `id` changed (after the change was committed).
pub async fn changed(db: &Db, id: i64) -> sqlx::Result<()> {
    if let Some(s) = by_id(db, id).await? {
        db.lesson_changed(s.change()).await;
    }
    Ok(())
}

pub async fn by_id(db: &Db, id: i64) -> sqlx::Result<Option<Session>> {
    sqlx::query_as::<_, Session>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM live_sessions WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Sessions linked to a Zoom meeting or webinar id (webhooks look them up this way).
pub async fn by_meeting(db: &Db, meeting_id: i64) -> sqlx::Result<Vec<Session>> {
    sqlx::query_as::<_, Session>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM live_sessions WHERE meeting_id = $1"
    )))
    .bind(meeting_id)
    .fetch_all(&db.pool)
    .await
}

/// The session row of a live lesson, created on first use. Read first: every join
/// signature passes here, and a whole class arriving at once must not turn into a burst
/// of (conflicting) inserts, which serialize on SQLite and write WAL on PostgreSQL.
pub async fn ensure(db: &Db, school_id: SchoolId, lesson: &Lesson) -> sqlx::Result<Session> {
    if let Some(s) = by_lesson(db, school_id, lesson.id).await? {
        return Ok(s);
    }
    let now = now_ms();
    sqlx::query(
        "INSERT INTO live_sessions (school_id, course_id, lesson_id, is_webinar, state, attempt, host_present, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'scheduled', 0, 0, $5, $5) ON CONFLICT (lesson_id) DO NOTHING",
    )
    .bind(school_id)
    .bind(lesson.course_id)
    .bind(lesson.id)
    .bind(i64::from(lesson.kind() == LessonKind::Webinar))
    .bind(now)
    .execute(&db.pool)
    .await?;
    by_lesson(db, school_id, lesson.id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// A lesson's session with what its panel and the join read beside it, in one statement:
/// the lesson's external link (`lesson_live_options`), whether the Zoom connection the
/// session's meeting runs on is connected, and whether it has recordings (so that a player
/// during the class, when there are none yet, does not ask for them).
#[derive(Clone)]
pub(crate) struct SessionView {
    pub session: Session,
    pub external_url: Option<String>,
    /// False without a connection (none linked, or deleted).
    pub connection_connected: bool,
    pub has_recordings: bool,
}

#[derive(sqlx::FromRow)]
struct SessionViewRow {
    #[sqlx(flatten)]
    session: Session,
    external_url: Option<String>,
    connection_state: Option<String>,
    recordings: i64,
}

async fn view_by_lesson(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<Option<SessionView>> {
    let row = sqlx::query_as::<_, SessionViewRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS},
                (SELECT o.external_url FROM lesson_live_options o
                  WHERE o.school_id = s.school_id AND o.lesson_id = s.lesson_id) AS external_url,
                (SELECT zc.state FROM zoom_connections zc WHERE zc.id = s.connection_id)
                  AS connection_state,
                (SELECT COUNT(*) FROM live_recordings r WHERE r.session_id = s.id) AS recordings
         FROM live_sessions s WHERE s.school_id = $1 AND s.lesson_id = $2"
    )))
    .bind(school_id)
    .bind(lesson_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| SessionView {
        session: r.session,
        external_url: r.external_url,
        connection_connected: r.connection_state.as_deref()
            == Some(crate::zoom_connection::ConnState::Connected.as_str()),
        has_recordings: r.recordings > 0,
    }))
}

/// [`ensure`] with the [`SessionView`] extras, read in the same statement, or from the
/// per-instance viewer cache (`db::viewers`): a class joining and its players ask for the
/// same lesson's view thousands of times a minute, and every change to what it holds is
/// heard there (migration 0036's triggers, [`Db::lesson_changed`] after this instance's
/// own writes).
pub(crate) async fn ensure_view(
    db: &Db,
    school_id: SchoolId,
    lesson: &Lesson,
) -> sqlx::Result<SessionView> {
    let cache = &db.viewers;
    if let Some(v) = cache.lesson::<SessionView>(school_id.0, lesson.id.0) {
        return Ok(SessionView::clone(&v));
    }
    // Taken before the read: a change heard while it runs keeps its result out.
    let ticket = cache.ticket();
    let v = match view_by_lesson(db, school_id, lesson.id).await? {
        Some(v) => v,
        None => {
            ensure(db, school_id, lesson).await?;
            view_by_lesson(db, school_id, lesson.id)
                .await?
                .ok_or(sqlx::Error::RowNotFound)?
        }
    };
    let kept = std::sync::Arc::new(v.clone());
    cache.put_lesson(ticket, school_id.0, lesson.id.0, lesson.course_id.0, kept);
    Ok(v)
}

/// Whether a live lesson's session may still be changed: none yet, or still scheduled
/// (not starting, live, ended or cancelled); in the caller's transaction.
pub(crate) async fn session_open(
    conn: &mut AnyConnection,
    lesson_id: LessonId,
) -> sqlx::Result<bool> {
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM live_sessions WHERE lesson_id = $1")
            .bind(lesson_id)
            .fetch_optional(conn)
            .await?;
    Ok(state.is_none_or(|s| s == "scheduled"))
}

/// A lesson (with its course) of this school, by id.
pub(crate) async fn lesson_in_school(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<Option<(crate::courses::Course, Lesson)>> {
    // One statement (the lesson joined to its course), not three.
    Ok(
        crate::courses::lesson_for_viewer(db, school_id, lesson_id, None)
            .await?
            .map(|v| (v.course, v.lesson)),
    )
}

/// Called by `courses` in the transaction that deletes a lesson: the Zoom meeting (if any)
/// is deleted later by a job, so deleting never fails because of Zoom.
pub(crate) async fn on_lesson_deleted(
    conn: &mut AnyConnection,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<()> {
    let row: Option<(i64, Option<i64>, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, meeting_id, is_webinar, connection_id FROM live_sessions WHERE school_id = $1 AND lesson_id = $2",
    )
    .bind(school_id)
    .bind(lesson_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((session_id, Some(meeting_id), webinar, Some(connection_id))) = row {
        jobs::enqueue_delete_meeting(
            conn,
            school_id.0,
            session_id,
            meeting_id,
            flag(webinar),
            connection_id,
            now_ms(),
        )
        .await?;
    }
    Ok(())
}

/// "Delete all Zoom data": whatever names a Zoom account, user or meeting goes — meeting
/// ids, URLs, passcodes, hosts, Zoom's error texts, participants' names, e-mails and Zoom
/// ids (also inside attendance keys), recording links and file ids, and the jobs that
/// would still reach those meetings. States, instants and durations stay (anonymous counts
/// for course history). A meeting under way can't be reached any more, so its session
/// ends now; one nobody has opened yet (or a Start in flight) goes back to `scheduled`,
/// so that after reconnecting, Start creates a new meeting.
pub async fn wipe_zoom_data(conn: &mut AnyConnection, school_id: SchoolId) -> sqlx::Result<()> {
    let now = now_ms();
    sqlx::query(
        "UPDATE live_sessions SET state = 'ended', ended_at = $1, host_present = 0, updated_at = $1
         WHERE school_id = $2 AND state = 'live' AND (started_at IS NOT NULL OR host_present = 1)",
    )
    .bind(now)
    .bind(school_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE live_sessions SET state = 'scheduled', starting_since = NULL, host_present = 0, updated_at = $1
         WHERE school_id = $2 AND state IN ('live', 'starting')",
    )
    .bind(now)
    .bind(school_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE live_sessions SET meeting_id = NULL, meeting_uuid = NULL, join_url_sealed = NULL, passcode_sealed = NULL,
           zoom_host_id = NULL, zoom_account_id = NULL, last_error = NULL, last_error_args = NULL, last_error_at = NULL,
           updated_at = $1
         WHERE school_id = $2",
    )
    .bind(now)
    .bind(school_id)
    .execute(&mut *conn)
    .await?;
    // The host recorded when the lesson was saved is found again at the next Start.
    crate::courses::queries::forget_zoom_hosts(conn, school_id).await?;
    anonymise_attendance(conn, school_id).await?;
    sqlx::query(
        "UPDATE live_recordings SET play_url = NULL, download_url = NULL, play_passcode_sealed = NULL,
           file_id = 'wiped:' || CAST(id AS TEXT)
         WHERE school_id = $1",
    )
    .bind(school_id)
    .execute(&mut *conn)
    .await?;
    // Their payloads and keys name meetings, their errors may quote Zoom, and the sessions
    // they would look at have no meeting any more. Reminders and expiry stay.
    use crate::jobs::Job;
    crate::jobs::delete_of_school(
        conn,
        school_id.0,
        &[
            jobs::Reconcile::KIND,
            jobs::DeleteMeeting::KIND,
            jobs::EndOverdue::KIND,
            jobs::AttendanceReport::KIND,
        ],
    )
    .await?;
    Ok(())
}

/// Names and e-mails go, and so do attendance keys built from a guest's e-mail, Zoom ids
/// or name: each becomes `g:<its first row id>`, which keeps one person's join and leave
/// rows together (their minutes still count) and names nobody. Matched users (`u:<id>`)
/// are ours and stay.
async fn anonymise_attendance(conn: &mut AnyConnection, school_id: SchoolId) -> sqlx::Result<()> {
    sqlx::query("UPDATE live_attendance_events SET name = NULL, email = NULL WHERE school_id = $1")
        .bind(school_id)
        .execute(&mut *conn)
        .await?;
    let keys: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT session_id, participant_key, MIN(id) FROM live_attendance_events
         WHERE school_id = $1 AND participant_key NOT LIKE 'u:%' AND participant_key NOT LIKE 'g:%'
         GROUP BY session_id, participant_key",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    for (session_id, key, first_id) in keys {
        sqlx::query(
            "UPDATE live_attendance_events SET participant_key = $1 WHERE session_id = $2 AND participant_key = $3",
        )
        .bind(format!("g:{first_id}"))
        .bind(session_id)
        .bind(key)
        .execute(&mut *conn)
        .await?;
    }
    // The per-person aggregates hold names, e-mails and keys too: built again from the
    // anonymised events.
    attendance::rebuild_school(conn, school_id).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_and_an_unknown_one_is_an_error() {
        for st in [
            State::Scheduled,
            State::Starting,
            State::Live,
            State::Ended,
            State::Cancelled,
        ] {
            assert_eq!(State::parse(st.as_str()).unwrap(), st);
            assert_eq!(st, st.as_str());
        }
        for bad in ["", "Live", "paused", "schedule"] {
            assert!(State::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn marker_round_trips() {
        let marker = marker(SchoolId(3), LessonId(42), 7);
        let agenda = format!("{marker}\n\nAgenda text [lectern:3:4:9] more");
        assert_eq!(marker_attempt(&agenda, 3, 42), Some(7));
        assert_eq!(marker_attempt(&marker, 3, 42), Some(7));
        assert_eq!(
            marker_attempt(&agenda, 3, 4),
            None,
            "a marker-like text in the description is not lesson 4's"
        );
        assert_eq!(marker_attempt("nothing", 3, 42), None);
        assert_eq!(marker_attempt("[lectern:3:42:x]", 3, 42), None);
        assert_eq!(marker_attempt("[lectern:3:420:1]", 3, 42), None);
    }

    #[test]
    fn play_link_splices_the_encoded_passcode() {
        assert_eq!(
            play_link("https://zoom.us/rec/play/abc", Some("a+b/c=")),
            "https://zoom.us/rec/play/abc?pwd=a%2Bb%2Fc%3D"
        );
        assert_eq!(
            play_link("https://zoom.us/rec/play/abc?x=1", Some("p")),
            "https://zoom.us/rec/play/abc?x=1&pwd=p"
        );
        assert_eq!(
            play_link("https://zoom.us/rec/play/abc", Some("")),
            "https://zoom.us/rec/play/abc"
        );
        assert_eq!(
            play_link("https://zoom.us/rec/play/abc", None),
            "https://zoom.us/rec/play/abc"
        );
    }
}
