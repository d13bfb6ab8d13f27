//! Start: the first click wins `scheduled → starting` (a conditional UPDATE) and is the only
//! caller of Zoom's create; every other click, tab or instance waits for `live` and reuses
//! the meeting (or webinar). A reconciliation job, enqueued in the same transaction as the
//! claim, repairs a `starting` row whose winner died or whose answer from Zoom was lost: it
//! lists the host's meetings or webinars, finds ours by the agenda marker and links it, or
//! returns the row to `scheduled`, and deletes orphaned duplicates. Meetings and webinars
//! take the same path; only the Zoom calls differ.

use std::sync::Arc;
use std::time::Duration;

use zoom::api::{
    BreakoutRoom, BreakoutRooms, CreateMeeting, Meeting, MeetingListType, MeetingSettings,
    Panelist, QuestionAndAnswer, WebinarListType,
};
use zoom::ratelimit::{BudgetError, Category, PlanTier, RateBudget};

use super::errors::LiveError;
use super::{Session, State, aad, marker, marker_attempt};
use crate::accounts::User;
use crate::courses::{Lesson, LessonContent, Schedule, live_options};
use crate::db::{LessonId, SchoolId, now_ms};
use crate::jobs::{self, NewJob};
use crate::zoom_connection::ZoomDeps;
use crate::zoom_connection::{self, Connection, hosts, tokens, usage::DbCounters};

/// How long a losing click waits for the winner.
const WAIT_FOR_LIVE: Duration = Duration::from_secs(20);

pub enum Outcome {
    /// Send the host here (a start URL fetched just now).
    Launch(String),
    /// Show this on the lesson page.
    Failed(LiveError),
}

fn budget(state: &ZoomDeps) -> RateBudget {
    RateBudget::new(Arc::new(DbCounters::new(state.db.clone())))
}

/// Waits for a slot of the account's per-second budget (queue, don't fail). Store errors
/// let the call through: Zoom's own 429 is the backstop.
pub(crate) async fn pace(state: &ZoomDeps, account_id: &str, category: Category) {
    let b = budget(state);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match b.acquire(account_id, PlanTier::Pro, category).await {
            Ok(()) | Err(BudgetError::Store(_)) => return,
            Err(BudgetError::Throttled { retry_at, .. }) => {
                if tokio::time::Instant::now() > deadline {
                    return;
                }
                let wait = (retry_at.as_millisecond() - now_ms()).clamp(5, 1000);
                // Spread the waiters over the next window instead of a thundering herd.
                let jitter = rand::random::<u64>() % 50;
                tokio::time::sleep(Duration::from_millis(wait as u64 + jitter)).await;
            }
        }
    }
}

/// A read call within the account's per-second budget; a per-second 429 (our budget and
/// Zoom's window never align exactly) waits and tries again instead of failing.
pub(crate) async fn paced_call<T, F, Fut>(
    state: &ZoomDeps,
    conn: &Connection,
    category: Category,
    call: F,
) -> Result<T, tokens::AccessError>
where
    F: Fn(zoom::Api) -> Fut,
    Fut: std::future::Future<Output = Result<T, zoom::ZoomError>>,
{
    let account = conn.zoom_account_id.clone().unwrap_or_default();
    let mut tries = 0;
    loop {
        pace(state, &account, category).await;
        match tokens::with_api(state, conn, &call).await {
            Err(tokens::AccessError::Zoom(z))
                if tries < 8
                    && matches!(
                        z.kind(),
                        zoom::ErrorKind::RateLimited {
                            scope: zoom::RateLimitScope::PerSecond,
                            ..
                        }
                    ) =>
            {
                tries += 1;
                let _ = budget(state)
                    .record_error(&z, &account, category, None)
                    .await;
                let jitter = rand::random::<u64>() % 400;
                tokio::time::sleep(Duration::from_millis(600 + jitter)).await;
            }
            other => return other,
        }
    }
}

/// The whole Start click of `user` (who manages the course) on `lesson`.
pub async fn start(state: &ZoomDeps, lesson: &Lesson, user: &User) -> anyhow::Result<Outcome> {
    let session = super::ensure(&state.db, SchoolId(user.school_id), lesson).await?;
    let now = now_ms();
    let LessonContent::Live { webinar, schedule } = &lesson.content else {
        return Ok(Outcome::Failed(LiveError::NotNow));
    };
    let (starts_at, end) = (schedule.starts_at, schedule.ends_at());
    match session.state() {
        State::Ended | State::Cancelled => return Ok(Outcome::Failed(LiveError::NotNow)),
        State::Live => return launch(state, &session).await,
        State::Starting => return wait_for_live(state, session.id, now).await,
        State::Scheduled => {}
    }
    if now < starts_at - state.config.live.start_lead_ms
        || now > end + state.config.live.end_grace_ms
    {
        return Ok(Outcome::Failed(LiveError::NotNow));
    }
    let held = live_options::effective(&state.db, SchoolId(user.school_id), lesson.id).await?;
    if held.external_url.is_some() {
        // Held at an external link: no Zoom meeting, ever.
        return Ok(Outcome::Failed(LiveError::NotNow));
    }
    let Some(attempt) = claim(state, &session).await? else {
        return wait_for_live(state, session.id, now).await;
    };
    let meeting = LiveLesson {
        lesson,
        webinar: *webinar,
        schedule,
    };
    create_as_winner(state, &meeting, user, &session, attempt).await
}

/// `scheduled → starting`; the reconciliation job is enqueued in the same transaction, so
/// a crash anywhere after this point is repaired.
async fn claim(state: &ZoomDeps, session: &Session) -> anyhow::Result<Option<i64>> {
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    let attempt: Option<i64> = sqlx::query_scalar(
        "UPDATE live_sessions SET state = 'starting', attempt = attempt + 1, starting_since = $1, updated_at = $1,
           last_error = NULL, last_error_args = NULL, last_error_at = NULL
         WHERE id = $2 AND state = 'scheduled' RETURNING attempt",
    )
    .bind(now)
    .bind(session.id)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(a) = attempt {
        jobs::enqueue(
            &mut tx,
            NewJob::of(&super::jobs::Reconcile {
                session_id: session.id,
                attempt: a,
            })
            .school(session.school_id)
            .at(now + state.config.live.reconcile_after_ms)
            .dedupe(format!("live_reconcile:{}:{a}", session.id)),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(attempt)
}

async fn wait_for_live(state: &ZoomDeps, id: i64, clicked_at: i64) -> anyhow::Result<Outcome> {
    let deadline = tokio::time::Instant::now() + WAIT_FOR_LIVE;
    loop {
        let s = super::by_id(&state.db, id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("live session {id} vanished"))?;
        match s.state() {
            State::Live => return launch(state, &s).await,
            State::Starting => {}
            State::Scheduled => {
                // The winner failed: show its reason (it is at least as fresh as our click).
                let err = s
                    .last_error_args
                    .as_deref()
                    .and_then(LiveError::from_json)
                    .filter(|_| s.last_error_at.is_some_and(|t| t >= clicked_at - 60_000))
                    .unwrap_or(LiveError::TryAgain);
                return Ok(Outcome::Failed(err));
            }
            State::Ended | State::Cancelled => return Ok(Outcome::Failed(LiveError::NotNow)),
        }
        if tokio::time::Instant::now() > deadline {
            return Ok(Outcome::Failed(LiveError::TryAgain));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The live lesson a meeting (or webinar) is created for.
struct LiveLesson<'a> {
    lesson: &'a Lesson,
    webinar: bool,
    schedule: &'a Schedule,
}

fn create_request(
    state: &ZoomDeps,
    meeting: &LiveLesson<'_>,
    school_id: i64,
    attempt: i64,
) -> CreateMeeting {
    let LiveLesson {
        lesson,
        webinar,
        schedule,
    } = *meeting;
    let start = jiff::Timestamp::from_millisecond(schedule.starts_at)
        .unwrap_or_else(|_| jiff::Timestamp::now());
    let duration = schedule.duration_min.clamp(1, 1440) as u32;
    let topic: String = lesson.title.chars().take(200).collect();
    let mut req = if webinar {
        CreateMeeting::webinar(topic, start, duration)
    } else {
        CreateMeeting::scheduled(topic, start, duration)
    };
    req.timezone = Some(schedule.timezone.clone());
    // The marker leads: Zoom's lists cut agendas at 250 characters, and reconciliation
    // reads the list.
    let mark = marker(SchoolId(school_id), lesson.id, attempt);
    let room = 2000 - mark.chars().count() - 2;
    let body: String = lesson.body.chars().take(room).collect();
    req.agenda = Some(if body.trim().is_empty() {
        mark
    } else {
        format!("{mark}\n\n{}", body.trim_end())
    });
    let _ = state;
    req
}

/// The meeting's (or webinar's) `settings` from the session's own options (a copy of the
/// course's default taken when it was created; none: nothing is sent and the account's
/// defaults apply), and a
/// webinar's panellists, added after the create.
async fn zoom_settings(
    state: &ZoomDeps,
    session: &Session,
    lesson: &Lesson,
) -> anyhow::Result<(Option<MeetingSettings>, Vec<Panelist>)> {
    let school = SchoolId(session.school_id);
    if !live_options::any_saved(&state.db, school, lesson.id).await? {
        return Ok((None, Vec::new()));
    }
    let o = live_options::effective(&state.db, school, lesson.id)
        .await?
        .options;
    let webinar = session.webinar();
    let mut settings = MeetingSettings {
        waiting_room: (!webinar).then_some(o.waiting_room),
        mute_upon_entry: (!webinar).then_some(o.mute_upon_entry),
        join_before_host: (!webinar).then_some(o.join_before_host),
        auto_recording: Some(o.recording().to_string()),
        alternative_hosts: Some(o.alternative_hosts.join(";")),
        ..Default::default()
    };
    let mut panelists = Vec::new();
    if webinar {
        settings.question_and_answer = Some(QuestionAndAnswer {
            enable: o.question_and_answer,
        });
        settings.practice_session = Some(o.practice_session);
        panelists = o
            .panelists
            .iter()
            .map(|e| Panelist {
                email: e.clone(),
                name: e.split('@').next().unwrap_or(e).to_string(),
            })
            .collect();
    } else if o.breakout_rooms {
        let rooms = live_options::breakout_rooms(&state.db, school, lesson.course_id).await?;
        settings.breakout_room = Some(BreakoutRooms {
            enable: !rooms.is_empty(),
            rooms: rooms
                .into_iter()
                .map(|(name, participants)| BreakoutRoom {
                    name: name.chars().take(100).collect(),
                    participants,
                })
                .collect(),
        });
    }
    Ok((Some(settings), panelists))
}

/// Adds a webinar's panellists once it is linked. Zoom's refusal here does not undo the
/// webinar: it is logged and the host can add them in Zoom.
async fn add_panelists(
    state: &ZoomDeps,
    conn: &Connection,
    session: &Session,
    webinar_id: i64,
    panelists: &[Panelist],
) {
    let added = paced_call(state, conn, Category::Medium, |api| {
        let list = panelists.to_vec();
        async move { api.add_panelists(webinar_id, &list).await }
    })
    .await;
    if let Err(e) = added {
        tracing::warn!(session = session.id, webinar = webinar_id, error = %e, "adding the webinar's panellists failed");
    }
}

/// The host recorded on the lesson when it was saved, while its connection is still
/// connected; otherwise the host is resolved for whoever pressed Start.
async fn recorded_host(
    state: &ZoomDeps,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> anyhow::Result<Option<(hosts::Host, i64)>> {
    let row = crate::courses::queries::recorded_host(&state.db, school_id, lesson_id).await?;
    let Some((Some(user_id), Some(connection_id), Some(zoom_user_id), email)) = row else {
        return Ok(None);
    };
    let connected = zoom_connection::by_id(&state.db, connection_id)
        .await?
        .is_some_and(|c| c.is_connected() && SchoolId(c.school_id) == school_id);
    Ok(connected.then(|| {
        (
            hosts::Host {
                connection_id,
                zoom_user_id,
                zoom_email: email.unwrap_or_default(),
            },
            user_id,
        )
    }))
}

async fn create_as_winner(
    state: &ZoomDeps,
    meeting: &LiveLesson<'_>,
    user: &User,
    session: &Session,
    attempt: i64,
) -> anyhow::Result<Outcome> {
    let lesson = meeting.lesson;
    let (host, host_user_id) =
        match recorded_host(state, SchoolId(user.school_id), lesson.id).await? {
            Some(recorded) => recorded,
            None => match hosts::resolve(state, user.school_id, user.id, &user.email).await {
                Ok(h) => (h, user.id),
                Err(e) => return fail(state, session.id, attempt, LiveError::from(&e)).await,
            },
        };
    let Some(conn) = zoom_connection::by_id(&state.db, host.connection_id).await? else {
        return fail(state, session.id, attempt, LiveError::NotConnected).await;
    };
    let account = conn.zoom_account_id.clone().unwrap_or_default();
    // Remember whom the meeting will belong to, so reconciliation knows where to look.
    sqlx::query(
        "UPDATE live_sessions SET connection_id = $1, zoom_host_id = $2, zoom_account_id = $3, host_user_id = $4
         WHERE id = $5 AND state = 'starting' AND attempt = $6",
    )
    .bind(conn.id)
    .bind(&host.zoom_user_id)
    .bind(&account)
    .bind(host_user_id)
    .bind(session.id)
    .bind(attempt)
    .execute(&state.db.pool)
    .await?;

    // One of the host's 100 daily writes, and a per-second slot; a daily limit is not tried.
    let b = budget(state);
    loop {
        match b
            .acquire_meeting_write(&account, PlanTier::Pro, &host.zoom_user_id)
            .await
        {
            Ok(()) | Err(BudgetError::Store(_)) => break,
            Err(BudgetError::Throttled { scope, retry_at }) => {
                if scope == zoom::RateLimitScope::PerSecond {
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    continue;
                }
                let err = LiveError::DailyLimit(retry_at.as_millisecond());
                return fail(state, session.id, attempt, err).await;
            }
        }
    }

    let mut req = create_request(state, meeting, session.school_id, attempt);
    let (settings, panelists) = zoom_settings(state, session, lesson).await?;
    req.settings = settings;
    let webinar = session.webinar();
    let zoom_host = host.zoom_user_id.clone();
    let created = tokens::with_api(state, &conn, |api| {
        let req = req.clone();
        let zoom_host = zoom_host.clone();
        async move {
            if webinar {
                api.create_webinar(&zoom_host, &req).await
            } else {
                api.create_meeting(&zoom_host, &req).await
            }
        }
    })
    .await;
    match created {
        Ok(m) => {
            if link(state, session, attempt, &m).await? {
                if webinar && !panelists.is_empty() {
                    add_panelists(state, &conn, session, m.id, &panelists).await;
                }
                let fresh = super::by_id(&state.db, session.id).await?;
                return match fresh {
                    Some(s) => launch_with_start_url(state, &s, m.start_url.as_ref()).await,
                    None => Ok(Outcome::Failed(LiveError::TryAgain)),
                };
            }
            // Reconciliation got there first (we were very slow): ours is an orphan.
            delete_orphan(state, session, &conn, m.id).await?;
            wait_for_live(state, session.id, now_ms()).await
        }
        Err(e) => {
            let err = LiveError::from(&e);
            if let tokens::AccessError::Zoom(z) = &e {
                let _ = b
                    .record_error(z, &account, Category::Light, Some(&host.zoom_user_id))
                    .await;
                if LiveError::ambiguous(z) {
                    // The create may have happened (answer lost): look before anything else.
                    return after_lost_answer(
                        state,
                        &conn,
                        session,
                        &host.zoom_user_id,
                        attempt,
                        err,
                    )
                    .await;
                }
            }
            fail(state, session.id, attempt, err).await
        }
    }
}

/// The create's answer was lost: link what Zoom made for this attempt, if anything, or say
/// what Zoom did (5xx, time-out, no connection) when it made nothing.
async fn after_lost_answer(
    state: &ZoomDeps,
    conn: &Connection,
    session: &Session,
    zoom_host: &str,
    attempt: i64,
    err: LiveError,
) -> anyhow::Result<Outcome> {
    let made = match find_marked(state, conn, session, zoom_host).await {
        Ok(found) => made_for(state, conn, session, &found, attempt).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(Some(m)) => {
            if link(state, session, attempt, &m).await? {
                match super::by_id(&state.db, session.id).await? {
                    Some(s) => launch(state, &s).await,
                    None => Ok(Outcome::Failed(LiveError::TryAgain)),
                }
            } else {
                wait_for_live(state, session.id, now_ms()).await
            }
        }
        Ok(None) => fail(state, session.id, attempt, err).await,
        // Can't tell: leave it `starting`; the reconciliation job decides.
        Err(e) => {
            tracing::warn!(session = session.id, error = %e, "reconciling after a lost answer failed");
            Ok(Outcome::Failed(LiveError::TryAgain))
        }
    }
}

/// `starting → scheduled` with the reason, for this attempt only.
async fn fail(state: &ZoomDeps, id: i64, attempt: i64, err: LiveError) -> anyhow::Result<Outcome> {
    let now = now_ms();
    sqlx::query(
        "UPDATE live_sessions SET state = 'scheduled', starting_since = NULL, last_error = $1, last_error_args = $2,
           last_error_at = $3, updated_at = $3
         WHERE id = $4 AND state = 'starting' AND attempt = $5",
    )
    .bind(err.key())
    .bind(err.to_json())
    .bind(now)
    .bind(id)
    .bind(attempt)
    .execute(&state.db.pool)
    .await?;
    super::changed(&state.db, id).await?;
    tracing::info!(
        session = id,
        attempt,
        error = err.key(),
        "live session start failed"
    );
    Ok(Outcome::Failed(err))
}

/// `starting → live` with the meeting, for this attempt only. Join URL and passcode are
/// sealed, bound to the row.
pub async fn link(
    state: &ZoomDeps,
    session: &Session,
    attempt: i64,
    m: &Meeting,
) -> anyhow::Result<bool> {
    let key = &state.config.secret_key;
    let now = now_ms();
    let join = (!m.join_url.is_empty())
        .then(|| key.seal(m.join_url.as_bytes(), &aad(session.id, "join_url")));
    let pass = m
        .password
        .as_deref()
        .map(|p| key.seal(p.as_bytes(), &aad(session.id, "passcode")));
    let mut tx = state.db.pool.begin().await?;
    let changed = sqlx::query(
        "UPDATE live_sessions SET state = 'live', meeting_id = $1, meeting_uuid = $2, join_url_sealed = $3,
           passcode_sealed = $4, key_id = $5, linked_at = $6, starting_since = NULL, zoom_deleted_at = NULL,
           host_present = 0, started_at = NULL, updated_at = $6
         WHERE id = $7 AND state = 'starting' AND attempt = $8",
    )
    .bind(m.id)
    .bind(&m.uuid)
    .bind(join)
    .bind(pass)
    .bind(key.key_id())
    .bind(now)
    .bind(session.id)
    .bind(attempt)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if changed {
        super::jobs::after_link(&mut tx, state, session).await?;
    }
    tx.commit().await?;
    if changed {
        state.db.lesson_changed(session.change()).await;
        tracing::info!(
            session = session.id,
            attempt,
            meeting = m.id,
            webinar = session.webinar(),
            "live session linked to Zoom meeting"
        );
    }
    Ok(changed)
}

/// Launch the host into a linked session: fetch a fresh start URL now.
pub async fn launch(state: &ZoomDeps, session: &Session) -> anyhow::Result<Outcome> {
    launch_with_start_url(state, session, None).await
}

async fn launch_with_start_url(
    state: &ZoomDeps,
    session: &Session,
    just_created: Option<&zoom::Secret>,
) -> anyhow::Result<Outcome> {
    // The create response's start URL is as fresh as a GET's: use it, never store it.
    if let Some(u) = just_created {
        return Ok(Outcome::Launch(u.expose().to_string()));
    }
    let (Some(meeting_id), Some(conn_id)) = (session.meeting_id, session.connection_id) else {
        return Ok(Outcome::Failed(LiveError::TryAgain));
    };
    let Some(conn) = zoom_connection::by_id(&state.db, conn_id).await? else {
        return Ok(Outcome::Failed(LiveError::NotConnected));
    };
    match fetch(state, &conn, session.webinar(), meeting_id).await {
        Ok(m) => match m.start_url {
            Some(u) => Ok(Outcome::Launch(u.expose().to_string())),
            None => Ok(Outcome::Failed(LiveError::TryAgain)),
        },
        Err(tokens::AccessError::Zoom(z)) if z.kind() == zoom::ErrorKind::NotFound => {
            mark_deleted_in_zoom(state, session.id, meeting_id).await?;
            Ok(Outcome::Failed(LiveError::MeetingDeleted))
        }
        Err(e) => Ok(Outcome::Failed(LiveError::from(&e))),
    }
}

/// The meeting was deleted in Zoom before the session took place: forget it, so the next
/// Start creates a new one. Only for sessions that have not started (a 5xx never gets here).
pub(crate) async fn mark_deleted_in_zoom(
    state: &ZoomDeps,
    session_id: i64,
    meeting_id: i64,
) -> sqlx::Result<bool> {
    let now = now_ms();
    let err = LiveError::MeetingDeleted;
    let n = sqlx::query(
        "UPDATE live_sessions SET state = 'scheduled', meeting_id = NULL, meeting_uuid = NULL, join_url_sealed = NULL,
           passcode_sealed = NULL, host_present = 0, zoom_deleted_at = $1, last_error = $2, last_error_args = $3,
           last_error_at = $1, updated_at = $1
         WHERE id = $4 AND meeting_id = $5 AND state = 'live' AND started_at IS NULL",
    )
    .bind(now)
    .bind(err.key())
    .bind(err.to_json())
    .bind(session_id)
    .bind(meeting_id)
    .execute(&state.db.pool)
    .await?
    .rows_affected();
    if n == 1 {
        super::changed(&state.db, session_id).await?;
    }
    Ok(n == 1)
}

/// `GET /meetings/{id}` or `/webinars/{id}`: the whole meeting, with a start URL made now.
async fn fetch(
    state: &ZoomDeps,
    conn: &Connection,
    webinar: bool,
    id: i64,
) -> Result<Meeting, tokens::AccessError> {
    paced_call(state, conn, Category::Light, |api| async move {
        if webinar {
            api.webinar(id).await
        } else {
            api.meeting(id).await
        }
    })
    .await
}

/// The meetings (or, for a webinar lesson, the webinars) of `zoom_host` carrying this
/// lesson's marker, with their attempt. These are list items: no passcode, agenda cut.
async fn find_marked(
    state: &ZoomDeps,
    conn: &Connection,
    session: &Session,
    zoom_host: &str,
) -> Result<Vec<(i64, Meeting)>, tokens::AccessError> {
    let webinar = session.webinar();
    let all = paced_call(state, conn, Category::Medium, |api| {
        let zoom_host = zoom_host.to_string();
        async move {
            if webinar {
                api.list_all_webinars(&zoom_host, WebinarListType::Scheduled)
                    .await
            } else {
                api.list_all_meetings(&zoom_host, MeetingListType::Scheduled)
                    .await
            }
        }
    })
    .await?;
    let mut found: Vec<(i64, Meeting)> = all
        .into_iter()
        .filter_map(|m| {
            let a = marker_attempt(
                m.agenda.as_deref().unwrap_or_default(),
                session.school_id,
                session.lesson_id,
            )?;
            Some((a, m))
        })
        .collect();
    found.sort_by_key(|(a, m)| (*a, m.created_at.map(|t| t.as_millisecond()), m.id));
    Ok(found)
}

/// What Zoom made for `attempt` among `found`, in full: a list item lacks the passcode that
/// students need to join. `None` when there is none (or it was deleted meanwhile).
async fn made_for(
    state: &ZoomDeps,
    conn: &Connection,
    session: &Session,
    found: &[(i64, Meeting)],
    attempt: i64,
) -> Result<Option<Meeting>, tokens::AccessError> {
    let Some((_, listed)) = found.iter().find(|(a, _)| *a == attempt) else {
        return Ok(None);
    };
    match fetch(state, conn, session.webinar(), listed.id).await {
        Ok(m) => Ok(Some(m)),
        Err(tokens::AccessError::Zoom(z)) if z.kind() == zoom::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

async fn delete_orphan(
    state: &ZoomDeps,
    session: &Session,
    conn: &Connection,
    meeting_id: i64,
) -> anyhow::Result<()> {
    let mut tx = state.db.pool.begin().await?;
    super::jobs::enqueue_delete_meeting(
        &mut tx,
        session.school_id,
        session.id,
        meeting_id,
        session.webinar(),
        conn.id,
        now_ms(),
    )
    .await?;
    tx.commit().await?;
    tracing::warn!(
        session = session.id,
        meeting = meeting_id,
        webinar = session.webinar(),
        "orphaned Zoom meeting scheduled for deletion"
    );
    Ok(())
}

/// The reconciliation job for `(session, attempt)`: link the marked meeting of a stuck
/// attempt or return the row to `scheduled`; delete every other marked meeting that no
/// attempt in flight can still claim.
pub async fn reconcile(state: &ZoomDeps, session_id: i64, attempt: i64) -> anyhow::Result<()> {
    let Some(session) = super::by_id(&state.db, session_id).await? else {
        return Ok(());
    };
    let stuck = session.state() == State::Starting && session.attempt == attempt;
    let (Some(conn_id), Some(zoom_host)) = (session.connection_id, session.zoom_host_id.clone())
    else {
        // The winner never got to Zoom: nothing can exist.
        if stuck {
            fail(state, session.id, attempt, LiveError::Interrupted).await?;
        }
        return Ok(());
    };
    let Some(conn) = zoom_connection::by_id(&state.db, conn_id).await? else {
        if stuck {
            fail(state, session.id, attempt, LiveError::NotConnected).await?;
        }
        return Ok(());
    };
    let looked = match find_marked(state, &conn, &session, &zoom_host).await {
        Ok(found) if stuck => made_for(state, &conn, &session, &found, attempt)
            .await
            .map(|made| (found, made)),
        Ok(found) => Ok((found, None)),
        Err(e) => Err(e),
    };
    let (found, made) = match looked {
        Ok(f) => f,
        Err(e) => {
            let err = LiveError::from(&e);
            // Retrying can't heal these (an admin must reconnect, or the plan must change):
            // say so instead of leaving the row `starting` for ever. Whatever this attempt
            // may have made is deleted by the next attempt's reconciliation.
            let hopeless = err.needs_reconnect()
                || matches!(err, LiveError::WebinarPlanMissing | LiveError::NoPermission);
            if hopeless && stuck {
                fail(state, session.id, attempt, err).await?;
                return Ok(());
            }
            anyhow::bail!("looking up the host's Zoom meetings for reconciliation failed: {e}");
        }
    };
    let mut linked = session.meeting_id;
    if stuck {
        match made {
            Some(m) => {
                if link(state, &session, attempt, &m).await? {
                    linked = Some(m.id);
                }
            }
            None => {
                fail(state, session.id, attempt, LiveError::Interrupted).await?;
            }
        }
    }
    let fresh = super::by_id(&state.db, session.id)
        .await?
        .unwrap_or(session);
    let linked = fresh.meeting_id.or(linked);
    let in_flight = (fresh.state() == State::Starting).then_some(fresh.attempt);
    for (a, m) in found {
        if Some(m.id) == linked || in_flight.is_some_and(|f| a >= f) {
            continue;
        }
        delete_orphan(state, &fresh, &conn, m.id).await?;
    }
    Ok(())
}
