//! Webhook events for live sessions, processed in jobs after they were stored. Every
//! handler is a conditional update or an insert with a unique key, so duplicates and
//! out-of-order delivery change nothing twice.

use zoom::webhook::{EventKind, MeetingObject, ParticipantInfo, WebhookEvent};

use super::{State, attendance};
use crate::db::now_ms;
use crate::zoom_connection::ZoomDeps;

pub async fn handle(state: &ZoomDeps, event: &WebhookEvent) -> anyhow::Result<()> {
    let ts = event.event_ts_ms.unwrap_or_else(now_ms);
    let account = event.account_id.as_deref().unwrap_or("");
    match &event.kind {
        EventKind::MeetingStarted(m) | EventKind::WebinarStarted(m) => {
            started(state, account, m, ts).await
        }
        EventKind::MeetingEnded(m) | EventKind::WebinarEnded(m) => {
            ended(state, account, m, ts).await
        }
        EventKind::MeetingDeleted(m) | EventKind::WebinarDeleted(m) => {
            deleted(state, account, m).await
        }
        // One event is a batch of one: a join or leave is recorded one way only.
        EventKind::ParticipantJoined { .. } | EventKind::ParticipantLeft { .. } => {
            participants(state, &[event]).await
        }
        EventKind::RecordingCompleted {
            meeting,
            files,
            play_passcode,
            ..
        } => recording(state, account, meeting, files, play_passcode.as_ref()).await,
        _ => Ok(()),
    }
}

/// The sessions an event of Zoom account `account` about meeting `m` concerns: meeting ids
/// are only unique within Zoom, so an event from another account than the one the
/// session's meeting was created in (a forged or misrouted event) concerns none.
async fn sessions_of(
    state: &ZoomDeps,
    account: &str,
    m: &MeetingObject,
) -> anyhow::Result<Vec<super::Session>> {
    let Some(id) = m.id else {
        return Ok(Vec::new());
    };
    let mut sessions = super::by_meeting(&state.db, id).await?;
    sessions.retain(|s| {
        let ours = !account.is_empty() && s.zoom_account_id.as_deref() == Some(account);
        if !ours {
            tracing::warn!(
                session = s.id,
                meeting = id,
                "ignoring a webhook event from another Zoom account than the session's"
            );
        }
        ours
    });
    Ok(sessions)
}

/// The host is in: the session is live (it already is once linked) and students may join.
async fn started(
    state: &ZoomDeps,
    account: &str,
    m: &MeetingObject,
    ts: i64,
) -> anyhow::Result<()> {
    let at = m.start_time.map(|t| t.as_millisecond()).unwrap_or(ts);
    for s in sessions_of(state, account, m).await? {
        let mut tx = state.db.pool.begin().await?;
        // The first start only (the host may leave and come back): that one is the event.
        let first = sqlx::query(
            "UPDATE live_sessions SET started_at = $1 WHERE id = $2 AND state = 'live' AND started_at IS NULL",
        )
        .bind(at)
        .bind(s.id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        sqlx::query(
            "UPDATE live_sessions SET host_present = 1, started_at = COALESCE(started_at, $1),
               meeting_uuid = COALESCE($2, meeting_uuid), updated_at = $3
             WHERE id = $4 AND state = 'live'",
        )
        .bind(at)
        .bind(m.uuid.as_deref().filter(|u| !u.is_empty()))
        .bind(now_ms())
        .bind(s.id)
        .execute(&mut *tx)
        .await?;
        if first {
            crate::outbound::emit(
                &mut tx,
                s.school_id,
                crate::outbound::Event::LiveSessionStarted,
                &format!("live_session.started:{}:{at}", s.id),
                serde_json::json!({
                    "session_id": s.id,
                    "lesson_id": s.lesson_id,
                    "course_id": s.course_id,
                    "started_at": crate::outbound::rfc3339(at),
                }),
            )
            .await?;
        }
        tx.commit().await?;
        state.db.lesson_changed(s.change()).await;
    }
    Ok(())
}

async fn ended(state: &ZoomDeps, account: &str, m: &MeetingObject, ts: i64) -> anyhow::Result<()> {
    let at = m.end_time.map(|t| t.as_millisecond()).unwrap_or(ts);
    for s in sessions_of(state, account, m).await? {
        if let Some(uuid) = m.uuid.as_deref().filter(|u| !u.is_empty()) {
            sqlx::query(
                "UPDATE live_sessions SET meeting_uuid = $1 WHERE id = $2 AND state = 'live'",
            )
            .bind(uuid)
            .bind(s.id)
            .execute(&state.db.pool)
            .await?;
        }
        let s = super::by_id(&state.db, s.id).await?.unwrap_or(s);
        super::jobs::end_session(state, &s, at).await?;
    }
    Ok(())
}

/// Deleted in Zoom before the session took place: the lesson says so and Start creates a
/// new meeting. Our own deletion after the end arrives here too and changes nothing.
async fn deleted(state: &ZoomDeps, account: &str, m: &MeetingObject) -> anyhow::Result<()> {
    let Some(id) = m.id else { return Ok(()) };
    for s in sessions_of(state, account, m).await? {
        if s.state() == State::Live {
            super::start::mark_deleted_in_zoom(state, s.id, id).await?;
        }
    }
    Ok(())
}

/// Whether [`participants`] takes `event`.
pub fn is_participant_event(event: &WebhookEvent) -> bool {
    matches!(
        event.kind,
        EventKind::ParticipantJoined { .. } | EventKind::ParticipantLeft { .. }
    )
}

/// [`handle`] for many participants' joins and leaves at once (a class's burst): the
/// sessions of each meeting are looked up once, each session's participants are
/// identified together ([`attendance::identify_many`]: one query for the keys we issued),
/// its events are recorded in one transaction ([`attendance::record_many`]), and its open
/// dashboards are told once.
/// Other events are skipped (see [`is_participant_event`]). On an error nothing is
/// partly done that a retry would not finish: every step is idempotent.
pub async fn participants(state: &ZoomDeps, events: &[&WebhookEvent]) -> anyhow::Result<()> {
    let mut sessions = std::collections::HashMap::new();
    // Per session: the session, then who was seen, doing what, when.
    type Seen<'a> = (attendance::Seen<'a>, attendance::Kind, i64);
    let mut of_session: std::collections::BTreeMap<i64, (super::Session, Vec<Seen<'_>>)> =
        Default::default();
    for event in events {
        let (m, p, kind) = match &event.kind {
            EventKind::ParticipantJoined {
                meeting,
                participant,
                ..
            } => (meeting, participant, attendance::Kind::Join),
            EventKind::ParticipantLeft {
                meeting,
                participant,
                ..
            } => (meeting, participant, attendance::Kind::Leave),
            _ => continue,
        };
        let ts = event.event_ts_ms.unwrap_or_else(now_ms);
        let account = event.account_id.as_deref().unwrap_or("");
        let at = instant(p, kind, ts);
        let key = (account.to_string(), m.id);
        if !sessions.contains_key(&key) {
            let found = sessions_of(state, account, m).await?;
            sessions.insert(key.clone(), found);
        }
        for s in &sessions[&key] {
            of_session
                .entry(s.id)
                .or_insert_with(|| (s.clone(), Vec::new()))
                .1
                .push((seen(p), kind, at));
        }
    }
    for (s, events) in of_session.into_values() {
        let seen: Vec<_> = events.iter().map(|e| e.0).collect();
        let people =
            attendance::identify_many(&state.db, &state.config.secret_key, &s, &seen).await?;
        let sightings: Vec<_> = people
            .into_iter()
            .zip(&events)
            .map(|(who, &(_, kind, at))| attendance::Sighting { who, kind, at })
            .collect();
        attendance::record_many(&state.db, &s, &sightings, "webhook").await?;
        // Read again: the session may have ended while the batch was read and recorded,
        // and then these events change the credited minutes.
        let s = super::by_id(&state.db, s.id).await?.unwrap_or(s);
        recorded(state, &s).await?;
    }
    Ok(())
}

/// When a participant event says it happened: Zoom's join or leave time, else the
/// event's own.
fn instant(p: &ParticipantInfo, kind: attendance::Kind, ts: i64) -> i64 {
    match kind {
        attendance::Kind::Join => p.join_time,
        attendance::Kind::Leave => p.leave_time,
    }
    .map(|t| t.as_millisecond())
    .unwrap_or(ts)
}

fn seen(p: &ParticipantInfo) -> attendance::Seen<'_> {
    attendance::Seen {
        customer_key: p.customer_key.as_deref(),
        email: p.email.as_deref(),
        name: p.user_name.as_deref(),
        participant_uuid: p.participant_uuid.as_deref(),
        participant_id: p.user_id.as_deref(),
        zoom_user_id: p.participant_user_id.as_deref().or(p.id.as_deref()),
    }
}

/// After a session's attendance changed: open room dashboards look again (players do
/// not: see `push::Hub::room_tx`), and a late event (a `participant_left` after the end)
/// has the minutes credited again.
async fn recorded(state: &ZoomDeps, s: &super::Session) -> anyhow::Result<()> {
    state.db.room_changed(s.change()).await;
    if s.state() == super::State::Ended {
        let mut conn = state.db.pool.acquire().await?;
        super::jobs::enqueue_credit(&mut conn, s, now_ms()).await?;
    }
    Ok(())
}

async fn recording(
    state: &ZoomDeps,
    account: &str,
    m: &MeetingObject,
    files: &[zoom::api::RecordingFile],
    play_passcode: Option<&zoom::Secret>,
) -> anyhow::Result<()> {
    let now = now_ms();
    let key = &state.config.secret_key;
    for s in sessions_of(state, account, m).await? {
        let mut tx = state.db.pool.begin().await?;
        for f in files {
            if f.id.is_empty() {
                continue;
            }
            // Sealed like the join passcode; bound to this session and file.
            let passcode = play_passcode
                .map(|p| key.seal(p.expose().as_bytes(), &super::recording_aad(s.id, &f.id)));
            sqlx::query(
                "INSERT INTO live_recordings (school_id, session_id, file_id, file_type, play_url, download_url,
                   recording_start, recording_end, file_size, created_at, play_passcode_sealed)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (session_id, file_id) DO NOTHING",
            )
            .bind(s.school_id)
            .bind(s.id)
            .bind(&f.id)
            .bind(&f.file_type)
            .bind(f.play_url.as_deref())
            .bind(f.download_url.as_deref())
            .bind(f.recording_start.map(|t| t.as_millisecond()))
            .bind(f.recording_end.map(|t| t.as_millisecond()))
            .bind(f.file_size)
            .bind(now)
            .bind(passcode)
            .execute(&mut *tx)
            .await?;
        }
        super::jobs::after_recording(&mut tx, &s).await?;
        tx.commit().await?;
        // The recording appears on the players of the ended session.
        state.db.lesson_changed(s.change()).await;
    }
    Ok(())
}
