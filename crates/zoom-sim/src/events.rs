//! Webhook event payloads (shapes per meetings-webhooks.json / marketplace-webhooks.json)
//! and the choice of receiving apps.

use serde_json::{Value, json};

use crate::clock::zoom_time;
use crate::model::{Meeting, Participant, World};

/// One event to deliver to one app.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub client_id: String,
    pub url: String,
    pub secret: String,
    pub event: String,
    /// Compact JSON, exactly the bytes that are signed and sent.
    pub body: String,
}

/// Apps that receive events about the account's meetings: apps owned by the account and
/// apps authorized by a user of the account.
pub fn targets(w: &World, account_id: &str) -> Vec<(String, String, String)> {
    let mut out = vec![];
    for app in w.apps.values() {
        let Some(url) = &app.webhook_url else {
            continue;
        };
        let authorized = w.grants.keys().any(|(cid, uid)| {
            cid == &app.client_id && w.users.get(uid).is_some_and(|u| u.account_id == account_id)
        });
        if authorized || app.owner_account_id == account_id {
            out.push((
                app.client_id.clone(),
                url.clone(),
                app.webhook_secret.clone(),
            ));
        }
    }
    out.sort();
    out
}

fn fan_out(w: &World, account_id: &str, event: &str, body: &Value) -> Vec<Outgoing> {
    let s = body.to_string();
    targets(w, account_id)
        .into_iter()
        .map(|(client_id, url, secret)| Outgoing {
            client_id,
            url,
            secret,
            event: event.to_string(),
            body: s.clone(),
        })
        .collect()
}

fn prefix(m: &Meeting) -> &'static str {
    if m.is_webinar { "webinar" } else { "meeting" }
}

fn base_object(m: &Meeting) -> Value {
    json!({
        "id": m.id.to_string(),
        "uuid": m.uuid,
        "host_id": m.host_id,
        "topic": m.topic,
        "type": m.kind,
        "start_time": zoom_time(m.started_at.unwrap_or(m.start_time)),
        "timezone": m.timezone,
        "duration": m.duration,
    })
}

fn envelope(event: &str, ts_ms: i64, account_id: &str, object: Value) -> Value {
    json!({
        "event": event,
        "event_ts": ts_ms,
        "payload": {"account_id": account_id, "object": object},
    })
}

pub fn started(w: &World, m: &Meeting, ts_ms: i64) -> Vec<Outgoing> {
    let ev = format!("{}.started", prefix(m));
    fan_out(
        w,
        &m.account_id,
        &ev,
        &envelope(&ev, ts_ms, &m.account_id, base_object(m)),
    )
}

pub fn ended(w: &World, m: &Meeting, end: jiff::Timestamp, ts_ms: i64) -> Vec<Outgoing> {
    let ev = format!("{}.ended", prefix(m));
    let mut o = base_object(m);
    o["end_time"] = json!(zoom_time(end));
    fan_out(
        w,
        &m.account_id,
        &ev,
        &envelope(&ev, ts_ms, &m.account_id, o),
    )
}

fn participant_obj(p: &Participant, left: bool) -> Value {
    let mut v = json!({
        "user_id": p.participant_id,
        "user_name": p.name,
        "id": p.zoom_user_id.clone().unwrap_or_default(),
        "participant_uuid": p.participant_uuid,
        "email": p.email,
        "registrant_id": "",
        "participant_user_id": p.zoom_user_id.clone().unwrap_or_default(),
        "customer_key": p.customer_key,
        "phone_number": "",
    });
    if left {
        v["leave_time"] = json!(zoom_time(p.leave_time.unwrap_or(p.join_time)));
        v["leave_reason"] = json!(p.leave_reason.clone().unwrap_or_default());
    } else {
        v["join_time"] = json!(zoom_time(p.join_time));
    }
    v
}

pub fn participant(
    w: &World,
    m: &Meeting,
    p: &Participant,
    left: bool,
    ts_ms: i64,
) -> Vec<Outgoing> {
    let ev = format!(
        "{}.participant_{}",
        prefix(m),
        if left { "left" } else { "joined" }
    );
    let mut o = base_object(m);
    o["participant"] = participant_obj(p, left);
    fan_out(
        w,
        &m.account_id,
        &ev,
        &envelope(&ev, ts_ms, &m.account_id, o),
    )
}

fn operator_fields(w: &World, operator_id: &str) -> (String, String) {
    let email = w
        .users
        .get(operator_id)
        .map(|u| u.email.clone())
        .unwrap_or_default();
    (email, operator_id.to_string())
}

pub fn meeting_created(w: &World, m: &Meeting, operator_id: &str) -> Vec<Outgoing> {
    let ev = format!("{}.created", prefix(m));
    let (op, op_id) = operator_fields(w, operator_id);
    let settings = json!({
        "use_pmi": m.settings.get("use_pmi").cloned().unwrap_or(json!(false)),
        "alternative_hosts": m.settings.get("alternative_hosts").cloned().unwrap_or(json!("")),
        "join_before_host": m.settings.get("join_before_host").cloned().unwrap_or(json!(false)),
        "jbh_time": m.settings.get("jbh_time").cloned().unwrap_or(json!(0)),
    });
    let body = json!({
        "event": ev,
        "event_ts": m.created_at.as_millisecond(),
        "payload": {
            "account_id": m.account_id,
            "operator": op,
            "operator_id": op_id,
            "object": {
                "uuid": m.uuid, "id": m.id, "host_id": m.host_id, "topic": m.topic,
                "type": m.kind, "start_time": zoom_time(m.start_time), "duration": m.duration,
                "timezone": m.timezone, "join_url": format!("https://zoom.us/j/{}", m.id),
                "password": m.password, "settings": settings,
            }
        }
    });
    fan_out(w, &m.account_id, &ev, &body)
}

pub fn deleted(w: &World, m: &Meeting, operator_id: &str, ts_ms: i64) -> Vec<Outgoing> {
    let ev = format!("{}.deleted", prefix(m));
    let (op, op_id) = operator_fields(w, operator_id);
    let body = json!({
        "event": ev,
        "event_ts": ts_ms,
        "payload": {
            "account_id": m.account_id,
            "operator": op,
            "operator_id": op_id,
            "operation": "all",
            "object": {
                "uuid": m.uuid, "id": m.id, "host_id": m.host_id, "topic": m.topic,
                "type": m.kind, "start_time": zoom_time(m.start_time), "duration": m.duration,
                "timezone": m.timezone,
            }
        }
    });
    fan_out(w, &m.account_id, &ev, &body)
}

pub fn recording_completed(w: &World, m: &Meeting, object: Value, ts_ms: i64) -> Vec<Outgoing> {
    let ev = "recording.completed";
    let body = json!({
        "event": ev,
        "event_ts": ts_ms,
        "download_token": crate::model::random_token("eyJzaW1Eb3dubG9hZCI6", 48),
        "payload": {"account_id": m.account_id, "object": object},
    });
    fan_out(w, &m.account_id, ev, &body)
}

pub fn app_deauthorized(
    w: &World,
    client_id: &str,
    user_id: &str,
    now: jiff::Timestamp,
) -> Vec<Outgoing> {
    let Some(app) = w.apps.get(client_id) else {
        return vec![];
    };
    let Some(url) = &app.webhook_url else {
        return vec![];
    };
    let account_id = w
        .users
        .get(user_id)
        .map(|u| u.account_id.clone())
        .unwrap_or_default();
    let sig = {
        use hmac::{KeyInit as _, Mac as _};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(app.webhook_secret.as_bytes())
            .expect("hmac accepts any key");
        mac.update(format!("{client_id}:{user_id}:{}", now.as_millisecond()).as_bytes());
        hex::encode(mac.finalize().into_bytes())
    };
    let body = json!({
        "event": "app_deauthorized",
        "payload": {
            "account_id": account_id,
            "user_id": user_id,
            "client_id": client_id,
            "deauthorization_time": now.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            "signature": sig,
            "event_ts": now.as_millisecond(),
        }
    });
    vec![Outgoing {
        client_id: client_id.to_string(),
        url: url.clone(),
        secret: app.webhook_secret.clone(),
        event: "app_deauthorized".to_string(),
        body: body.to_string(),
    }]
}
