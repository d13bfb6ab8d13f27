//! A meeting's (or webinar's) record: creating and deleting it, and what REST and webhooks
//! both show of it (the encrypted passcode, the recording object). The REST handlers and the
//! lifecycle operations (`ops`) both build on this module.

use base64::Engine as _;
use jiff::Timestamp;
use serde_json::{Map, Value, json};
use sha2::Digest as _;

use crate::Shared;
use crate::clock::zoom_time;
use crate::events::{self, Outgoing};
use crate::model::{self, Instance, Meeting, MeetingStatus, User};

/// Parsed and validated create/update body.
#[derive(Debug, Default)]
pub struct MeetingInput {
    pub topic: Option<String>,
    pub kind: Option<i64>,
    pub start_time: Option<Timestamp>,
    pub duration: Option<i64>,
    pub timezone: Option<String>,
    pub agenda: Option<String>,
    pub password: Option<String>,
    pub settings: Option<Map<String, Value>>,
}

/// Zoom's `encrypted_password` (also the `pwd` of join links): a fixed function of the
/// passcode.
pub fn encrypted_password(p: &str) -> String {
    let d = sha2::Sha256::digest(format!("zoom-sim:{p}").as_bytes());
    format!(
        "{}.1",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&d[..24])
    )
}

/// The settings a new meeting or webinar has before the request's own are merged in.
pub fn default_settings(is_webinar: bool) -> Map<String, Value> {
    let v = if is_webinar {
        json!({
            "host_video": false, "panelists_video": false, "practice_session": false,
            "hd_video": false, "approval_type": 2, "audio": "both", "auto_recording": "none",
            "enforce_login": false, "alternative_hosts": "", "close_registration": false,
            "show_share_button": false, "allow_multiple_devices": false, "on_demand": false,
            "meeting_authentication": false, "add_watermark": false,
            "panelists_invitation_email_notification": true
        })
    } else {
        json!({
            "host_video": false, "participant_video": false, "join_before_host": false,
            "jbh_time": 0, "mute_upon_entry": false, "watermark": false, "use_pmi": false,
            "approval_type": 2, "audio": "both", "auto_recording": "none",
            "enforce_login": false, "enforce_login_domains": "", "alternative_hosts": "",
            "alternative_hosts_email_notification": true, "waiting_room": false,
            "meeting_authentication": false, "encryption_type": "enhanced_encryption",
            "private_meeting": false, "email_notification": true,
            "continuous_meeting_chat": {"enable": false}, "focus_mode": false,
            "host_save_video_order": false, "participant_focused_meeting": false,
            "registrants_confirmation_email": true, "registrants_email_notification": true
        })
    };
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Top-level keys of `patch` replace those of `base`.
pub fn merge_settings(base: &mut Value, patch: &Map<String, Value>) {
    if let Value::Object(b) = base {
        for (k, v) in patch {
            b.insert(k.clone(), v.clone());
        }
    }
}

/// Create a meeting or webinar in the world (caller did all checks).
pub fn insert(shared: &Shared, host: &User, inp: MeetingInput, is_webinar: bool) -> Meeting {
    let now = shared.clock.now();
    let mut w = shared.world.lock();
    let id = w.new_meeting_id();
    let seq = w.next_meeting as u64;
    let kind = inp.kind.unwrap_or(if is_webinar { 5 } else { 2 });
    let start = inp
        .start_time
        .filter(|t| *t > now && matches!(kind, 2 | 5 | 8 | 9))
        .unwrap_or(now);
    let mut settings = Value::Object(default_settings(is_webinar));
    if let Some(s) = &inp.settings {
        merge_settings(&mut settings, s);
    }
    let m = Meeting {
        id,
        uuid: model::meeting_uuid(seq),
        host_id: host.id.clone(),
        account_id: host.account_id.clone(),
        topic: inp.topic.unwrap_or_else(|| {
            if is_webinar {
                "Zoom Webinar"
            } else {
                "Zoom Meeting"
            }
            .to_string()
        }),
        agenda: inp.agenda.unwrap_or_default(),
        kind,
        start_time: start,
        duration: inp.duration.unwrap_or(60),
        timezone: inp
            .timezone
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| host.timezone.clone()),
        password: inp
            .password
            .filter(|p| !p.is_empty())
            .unwrap_or_else(model::passcode),
        created_at: now,
        is_webinar,
        settings,
        status: MeetingStatus::Waiting,
        started_at: None,
        live: vec![],
        records: vec![],
        past: vec![],
        uuid_seq: seq,
        panelists: vec![],
    };
    w.meetings.insert(id, m.clone());
    m
}

/// Delete a meeting/webinar (meeting.deleted).
pub fn delete(shared: &Shared, meeting_id: i64, operator_id: &str) -> Vec<Outgoing> {
    let now = shared.clock.now();
    let mut w = shared.world.lock();
    let Some(m) = w.meetings.remove(&meeting_id) else {
        return vec![];
    };
    events::deleted(&w, &m, operator_id, now.as_millisecond())
}

/// The recording object shared by REST and `recording.completed`.
pub fn recording_json(
    shared: &Shared,
    m: &Meeting,
    inst: &Instance,
    host_email: &str,
) -> Option<Value> {
    let rec = inst.recording.as_ref()?;
    let base = &shared.base_url;
    let files: Vec<Value> = rec
        .files
        .iter()
        .map(|(fid, ftype)| {
            let ext = if ftype == "MP4" { "MP4" } else { "M4A" };
            json!({
                "id": fid,
                "meeting_id": inst.uuid,
                "recording_start": zoom_time(rec.start),
                "recording_end": zoom_time(rec.end),
                "file_type": ftype,
                "file_extension": ext,
                "file_size": 1_048_576,
                "play_url": format!("{base}/rec/play/{fid}"),
                "download_url": format!("{base}/rec/download/{fid}"),
                "status": "completed",
                "recording_type": if ftype == "MP4" { "shared_screen_with_speaker_view" } else { "audio_only" },
            })
        })
        .collect();
    Some(json!({
        "uuid": inst.uuid,
        "id": m.id,
        "account_id": m.account_id,
        "host_id": m.host_id,
        "host_email": host_email,
        "topic": m.topic,
        // Zoom's REST schema has the recording's meeting type as a string enum ("1".."99").
        "type": m.kind.to_string(),
        "start_time": zoom_time(inst.start),
        "timezone": m.timezone,
        "duration": (inst.end.as_second() - inst.start.as_second()) / 60,
        "total_size": 1_048_576 * files.len() as i64,
        "recording_count": files.len(),
        "share_url": format!("{base}/rec/share/{}", m.id),
        "password": "",
        "recording_play_passcode": rec.play_passcode,
        "recording_files": files,
    }))
}
