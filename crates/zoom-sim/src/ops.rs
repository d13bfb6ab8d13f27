//! Meeting lifecycle operations shared by the Rust API, the control API and the SDK stand-in.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::events::{self, Outgoing};
use crate::meeting;
use crate::model::{Instance, Meeting, MeetingStatus, Participant, Plan, Recording};
use crate::{Shared, SimMeeting, SimParticipant};

/// Basic-plan meetings end after 40 minutes.
pub const BASIC_MEETING_LIMIT: Duration = Duration::from_secs(40 * 60);

pub fn snapshot(m: &Meeting) -> SimMeeting {
    SimMeeting {
        id: m.id,
        uuid: m.uuid.clone(),
        host_id: m.host_id.clone(),
        account_id: m.account_id.clone(),
        topic: m.topic.clone(),
        agenda: m.agenda.clone(),
        kind: m.kind,
        is_webinar: m.is_webinar,
        status: match m.status {
            MeetingStatus::Waiting => "waiting".into(),
            MeetingStatus::Started => "started".into(),
        },
        password: m.password.clone(),
        start_time: m.start_time,
        duration: m.duration,
        participants: m
            .live
            .iter()
            .map(|p| SimParticipant {
                participant_id: p.participant_id.clone(),
                name: p.name.clone(),
                email: p.email.clone(),
                customer_key: p.customer_key.clone(),
                user_id: p.zoom_user_id.clone(),
                is_host: p.is_host,
                obf_user_id: p.obf_user_id.clone(),
                join_time: p.join_time,
            })
            .collect(),
        past_uuids: m.past.iter().map(|i| i.uuid.clone()).collect(),
        settings: m.settings.clone(),
        panelists: m.panelists.clone(),
    }
}

/// A meeting (or webinar) created without REST, limits or plan checks.
pub fn create_meeting_direct(
    shared: &Shared,
    host_id: &str,
    topic: &str,
    agenda: &str,
    is_webinar: bool,
) -> i64 {
    let host = shared
        .world
        .lock()
        .users
        .get(host_id)
        .cloned()
        .expect("zoom-sim: unknown host user");
    let inp = meeting::MeetingInput {
        topic: Some(topic.to_string()),
        agenda: Some(agenda.to_string()),
        ..Default::default()
    };
    meeting::insert(shared, &host, inp, is_webinar).id
}

/// Who is joining.
#[derive(Debug, Clone, Default)]
pub struct JoinAs {
    pub name: String,
    pub email: String,
    pub customer_key: String,
    pub zoom_user_id: Option<String>,
    pub is_host: bool,
    pub obf_user_id: Option<String>,
}

/// Add a participant; starts the meeting (meeting.started) if it is not running.
pub fn participant_join(
    shared: &Shared,
    meeting_id: i64,
    who: JoinAs,
) -> Result<Participant, String> {
    let now = shared.clock.now();
    let ts = now.as_millisecond();
    let mut out: Vec<Outgoing> = vec![];
    let p = {
        let mut w = shared.world.lock();
        let pid = w.new_participant_id();
        let Some(m) = w.meetings.get_mut(&meeting_id) else {
            return Err(format!("Meeting does not exist: {meeting_id}."));
        };
        let mut started = false;
        if m.status == MeetingStatus::Waiting {
            m.status = MeetingStatus::Started;
            m.started_at = Some(now);
            started = true;
        }
        let p = Participant {
            participant_id: pid,
            participant_uuid: crate::model::zoom_id(),
            name: who.name,
            email: who.email,
            customer_key: who.customer_key,
            zoom_user_id: who.zoom_user_id,
            is_host: who.is_host,
            obf_user_id: who.obf_user_id,
            join_time: now,
            leave_time: None,
            leave_reason: None,
        };
        m.live.push(p.clone());
        m.records.push(p.clone());
        let m = m.head();
        if started {
            out.extend(events::started(&w, &m, ts));
        }
        out.extend(events::participant(&w, &m, &p, false, ts));
        p
    };
    shared.send(out);
    Ok(p)
}

/// The host (a signed-in Zoom user) enters the meeting.
pub fn host_join(shared: &Shared, meeting_id: i64) -> Result<Participant, String> {
    let (host, already) = {
        let w = shared.world.lock();
        let m = w
            .meetings
            .get(&meeting_id)
            .ok_or_else(|| format!("Meeting does not exist: {meeting_id}."))?;
        let host = w.users.get(&m.host_id).cloned().ok_or("host missing")?;
        let already = m
            .live
            .iter()
            .find(|p| p.zoom_user_id.as_deref() == Some(host.id.as_str()))
            .cloned();
        (host, already)
    };
    if let Some(p) = already {
        return Ok(p);
    }
    participant_join(
        shared,
        meeting_id,
        JoinAs {
            name: format!("{} {}", host.first_name, host.last_name)
                .trim()
                .to_string(),
            email: host.email.clone(),
            customer_key: String::new(),
            zoom_user_id: Some(host.id.clone()),
            is_host: true,
            obf_user_id: None,
        },
    )
}

fn leave_locked(
    w: &mut crate::model::World,
    meeting_id: i64,
    pred: &dyn Fn(&Participant) -> bool,
    reason: &dyn Fn(&Participant) -> String,
    now: jiff::Timestamp,
    out: &mut Vec<Outgoing>,
) -> usize {
    let ts = now.as_millisecond();
    let Some(m) = w.meetings.get_mut(&meeting_id) else {
        return 0;
    };
    let (leaving, stay): (Vec<Participant>, Vec<Participant>) =
        m.live.drain(..).partition(|p| pred(p));
    m.live = stay;
    let mut left = vec![];
    for mut p in leaving {
        p.leave_time = Some(now);
        p.leave_reason = Some(reason(&p));
        if let Some(r) = m
            .records
            .iter_mut()
            .find(|r| r.participant_uuid == p.participant_uuid)
        {
            r.leave_time = p.leave_time;
            r.leave_reason = p.leave_reason.clone();
        }
        left.push(p);
    }
    let m = m.head();
    for p in &left {
        out.extend(events::participant(w, &m, p, true, ts));
    }
    // Participants admitted by a leaver's OBF token are removed too.
    let mut n = left.len();
    for p in &left {
        if let Some(uid) = p.zoom_user_id.clone() {
            n += leave_locked(
                w,
                meeting_id,
                &|q: &Participant| q.obf_user_id.as_deref() == Some(uid.as_str()),
                &|q: &Participant| {
                    format!(
                        "{} left the meeting.<br>Reason: The user who authorized this app left the meeting.",
                        q.name
                    )
                },
                now,
                out,
            );
        }
    }
    n
}

/// Remove participants matching `pred`; ends the meeting when nobody is left.
pub fn leave_where(shared: &Shared, meeting_id: i64, pred: &dyn Fn(&Participant) -> bool) -> usize {
    let now = shared.clock.now();
    let mut out = vec![];
    let (n, empty) = {
        let mut w = shared.world.lock();
        let n = leave_locked(
            &mut w,
            meeting_id,
            pred,
            &|p: &Participant| format!("{} left the meeting.", p.name),
            now,
            &mut out,
        );
        let empty = w
            .meetings
            .get(&meeting_id)
            .is_some_and(|m| m.status == MeetingStatus::Started && m.live.is_empty());
        (n, empty)
    };
    shared.send(out);
    if n > 0 && empty {
        let _ = end_meeting(shared, meeting_id, "Host ended the meeting.");
    }
    n
}

pub fn participant_leave_by_key(shared: &Shared, meeting_id: i64, customer_key: &str) -> usize {
    leave_where(shared, meeting_id, &|p| p.customer_key == customer_key)
}

pub fn participant_leave_by_id(shared: &Shared, meeting_id: i64, participant_id: &str) -> usize {
    leave_where(shared, meeting_id, &|p| p.participant_id == participant_id)
}

/// End the running instance: everyone leaves, meeting.ended, the instance is archived and
/// the meeting gets a new UUID for its next instance.
pub fn end_meeting(shared: &Shared, meeting_id: i64, reason: &str) -> Result<(), String> {
    let now = shared.clock.now();
    let mut out = vec![];
    {
        let mut w = shared.world.lock();
        match w.meetings.get(&meeting_id) {
            None => return Err(format!("Meeting does not exist: {meeting_id}.")),
            Some(m) if m.status != MeetingStatus::Started => {
                return Err("Meeting is not started.".into());
            }
            Some(_) => {}
        }
        let r = reason.to_string();
        leave_locked(
            &mut w,
            meeting_id,
            &|_| true,
            &|p: &Participant| format!("{} left the meeting.<br>Reason: {r}", p.name),
            now,
            &mut out,
        );
        let Some(m) = w.meetings.get_mut(&meeting_id) else {
            return Err("gone".into());
        };
        let snapshot = m.head();
        m.past.push(Instance {
            uuid: m.uuid.clone(),
            start: m.started_at.unwrap_or(now),
            end: now,
            records: std::mem::take(&mut m.records),
            recording: None,
        });
        m.uuid_seq += 1;
        m.uuid = crate::model::meeting_uuid(m.uuid_seq * 7 + 1);
        m.status = MeetingStatus::Waiting;
        m.started_at = None;
        out.extend(events::ended(&w, &snapshot, now, now.as_millisecond()));
    }
    shared.send(out);
    Ok(())
}

/// Finish the cloud recording of the latest instance (ending a running meeting first).
pub fn complete_recording(shared: &Shared, meeting_id: i64) -> Result<(), String> {
    let running = shared
        .world
        .lock()
        .meetings
        .get(&meeting_id)
        .map(|m| m.status == MeetingStatus::Started)
        .ok_or_else(|| format!("Meeting does not exist: {meeting_id}."))?;
    if running {
        end_meeting(shared, meeting_id, "Host ended the meeting.")?;
    }
    let now = shared.clock.now();
    let out = {
        let mut w = shared.world.lock();
        let Some(m) = w.meetings.get_mut(&meeting_id) else {
            return Err("gone".into());
        };
        if m.past.is_empty() {
            let start = now
                .checked_sub(jiff::SignedDuration::from_mins(m.duration.max(1)))
                .unwrap_or(now);
            m.past.push(Instance {
                uuid: m.uuid.clone(),
                start,
                end: now,
                records: vec![],
                recording: None,
            });
            m.uuid_seq += 1;
            m.uuid = crate::model::meeting_uuid(m.uuid_seq * 7 + 1);
        }
        let Some(inst) = m.past.last_mut() else {
            return Err("no instance".into());
        };
        inst.recording = Some(Recording {
            start: inst.start,
            end: inst.end,
            files: vec![
                (crate::model::zoom_id(), "MP4".to_string()),
                (crate::model::zoom_id(), "M4A".to_string()),
            ],
            play_passcode: crate::model::random_token("", 24),
        });
        let inst = inst.clone();
        let m = m.head();
        let email = w
            .users
            .get(&m.host_id)
            .map(|u| u.email.clone())
            .unwrap_or_default();
        let obj = meeting::recording_json(shared, &m, &inst, &email).unwrap_or_default();
        let mut obj = obj;
        // The webhook schema has `type` as an integer (the REST schema as a string).
        obj["type"] = serde_json::json!(m.kind);
        events::recording_completed(&w, &m, obj, now.as_millisecond())
    };
    shared.send(out);
    Ok(())
}

/// The user removes the app: tokens die, app_deauthorized is sent.
pub fn deauthorize(shared: &Shared, client_id: &str, user_id: &str) {
    let now = shared.clock.now();
    let out = {
        let mut w = shared.world.lock();
        let out = events::app_deauthorized(&w, client_id, user_id, now);
        w.access_tokens
            .retain(|_, t| !(t.client_id == client_id && t.user_id == user_id));
        w.refresh_tokens
            .retain(|_, t| !(t.client_id == client_id && t.user_id == user_id));
        w.grants
            .remove(&(client_id.to_string(), user_id.to_string()));
        out
    };
    shared.send(out);
}

/// Time-driven behaviour: Basic-plan meetings end after 40 minutes.
pub fn tick(shared: &Shared) {
    let now = shared.clock.now();
    let limit = jiff::SignedDuration::try_from(BASIC_MEETING_LIMIT).unwrap_or_default();
    let expired: Vec<i64> = {
        let w = shared.world.lock();
        w.meetings
            .values()
            .filter(|m| m.status == MeetingStatus::Started)
            .filter(|m| {
                w.accounts
                    .get(&m.account_id)
                    .is_some_and(|a| a.plan == Plan::Basic)
            })
            .filter(|m| {
                m.started_at
                    .and_then(|s| s.checked_add(limit).ok())
                    .is_some_and(|e| e <= now)
            })
            .map(|m| m.id)
            .collect()
    };
    for id in expired {
        let _ = end_meeting(shared, id, "Exceeded free meeting minutes limit.");
    }
}

pub fn spawn_ticker(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut iv = tokio::time::interval(Duration::from_millis(250));
        loop {
            tokio::select! {
                _ = iv.tick() => tick(&shared),
                _ = stop.changed() => return,
            }
        }
    });
}
