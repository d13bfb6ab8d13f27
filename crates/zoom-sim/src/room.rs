//! Meeting room: the Web Meeting SDK stand-in (JS + join checks) and a page per meeting.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use hmac::{KeyInit as _, Mac as _};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Shared;
use crate::model::{MeetingStatus, WebInfoRequest};
use crate::ops::{self, JoinAs};

const SDK_JS: &str = include_str!("sdk.js");

pub fn routes() -> Router<Arc<Shared>> {
    let sdk = Router::new()
        .route("/_sim/sdk/{file}", get(sdk_script))
        .route("/_sim/sdk/{version}/lib/vendor/{file}", get(vendor_script))
        .route(
            "/api/v1/wc/info",
            post(web_info).options(|| async { StatusCode::NO_CONTENT }),
        )
        .route(
            "/_sim/sdk/join",
            post(join).options(|| async { StatusCode::NO_CONTENT }),
        )
        .route(
            "/_sim/sdk/leave",
            post(leave).options(|| async { StatusCode::NO_CONTENT }),
        )
        .route(
            "/_sim/sdk/end",
            post(end).options(|| async { StatusCode::NO_CONTENT }),
        )
        .route("/_sim/sdk/status", get(status))
        .layer(axum::middleware::from_fn(cors));
    Router::new()
        .merge(sdk)
        .route("/wc/{meeting_id}", get(room_page))
        .route("/j/{meeting_id}", get(join_link))
        .route("/s/{meeting_id}", get(start_link))
        .route("/rec/play/{file_id}", get(play_recording))
        .route("/rec/download/{file_id}", get(download_recording))
        .route("/rec/file/{file_id}", get(recording_file))
        .route("/_sim/room/{meeting_id}/start", post(room_start))
        .route("/_sim/room/{meeting_id}/end", post(room_end))
}

/// Which build of the SDK a script URL names (Zoom's CDN file names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum View {
    /// `zoom-meeting-embedded-{v}.min.js`: `ZoomMtgEmbedded`, needs React and ReactDOM first.
    Component,
    /// `zoom-meeting-{v}.min.js`: `ZoomMtg`.
    Client,
    /// `zoom-meeting-sdk.js`: the simulator's original one-file, lenient stand-in.
    Legacy,
}

/// `6.2.0`-style versions only, so a URL cannot inject anything into the script.
fn valid_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
}

fn parse_script(file: &str) -> Option<(View, String)> {
    if file == "zoom-meeting-sdk.js" {
        return Some((View::Legacy, "6.2.0".into()));
    }
    let (view, rest) = if let Some(r) = file.strip_prefix("zoom-meeting-embedded-") {
        (View::Component, r)
    } else {
        (View::Client, file.strip_prefix("zoom-meeting-")?)
    };
    let v = rest.strip_suffix(".min.js")?;
    valid_version(v).then(|| (view, v.to_string()))
}

fn render_sdk(view: View, version: &str) -> String {
    let name = match view {
        View::Component => "component",
        View::Client => "client",
        View::Legacy => "legacy",
    };
    let cfg = json!({"version": version, "view": name});
    let marker = "/*ZOOM_SIM_CONFIG*/ { version: \"6.2.0\", view: \"legacy\" }";
    debug_assert!(SDK_JS.contains(marker));
    SDK_JS.replace(marker, &cfg.to_string())
}

fn javascript(body: String) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "application/javascript; charset=utf-8",
            ),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        body,
    )
        .into_response()
}

async fn sdk_script(Path(file): Path<String>) -> Response {
    match parse_script(&file) {
        Some((view, v)) => javascript(render_sdk(view, &v)),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Stand-ins for the libraries Zoom's CDN sample loads before the component view: they
/// define the same globals (and react-dom, like the real UMD build, needs React first).
const VENDOR: &[(&str, &str)] = &[
    (
        "react.min.js",
        "window.React={version:\"18.2.0\",zoomSim:true,createElement:function(){return null;}};",
    ),
    (
        "react-dom.min.js",
        "void React.version;window.ReactDOM={version:\"18.2.0\",zoomSim:true,createRoot:function(){return{render:function(){},unmount:function(){}};}};",
    ),
    (
        "redux.min.js",
        "window.Redux={zoomSim:true,createStore:function(){return{};},applyMiddleware:function(){},compose:function(){}};",
    ),
    (
        "redux-thunk.min.js",
        "window.ReduxThunk={zoomSim:true,default:function(){}};",
    ),
    (
        "react-redux.min.js",
        "void React.version;window.ReactRedux={zoomSim:true};",
    ),
    (
        "lodash.min.js",
        "window._={VERSION:\"4.17.21\",zoomSim:true};",
    ),
];

async fn vendor_script(Path((version, file)): Path<(String, String)>) -> Response {
    match VENDOR.iter().find(|(name, _)| *name == file) {
        Some((_, src)) if valid_version(&version) => javascript((*src).to_string()),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Join parameters as the SDK's `join()` receives them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JoinRequest {
    pub signature: Option<String>,
    pub sdk_key: Option<String>,
    pub meeting_number: Option<Value>,
    pub password: Option<String>,
    pub pass_word: Option<String>,
    pub user_name: Option<String>,
    pub user_email: Option<String>,
    pub tk: Option<String>,
    pub zak: Option<String>,
    pub obf_token: Option<String>,
    pub customer_key: Option<String>,
}

/// A rejected join, shaped like the real SDK's promise rejection.
#[derive(Debug, Clone)]
pub struct JoinError {
    pub code: i64,
    pub reason: String,
}

fn jerr(code: i64, reason: impl Into<String>) -> JoinError {
    JoinError {
        code,
        reason: reason.into(),
    }
}

impl IntoResponse for JoinError {
    fn into_response(self) -> Response {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({"type": "JOIN_MEETING_FAILED", "reason": self.reason, "errorCode": self.code})),
        )
            .into_response()
    }
}

fn value_str(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Verify the Meeting SDK JWT; returns (client_id of the app, role, mn).
pub fn verify_signature(
    shared: &Shared,
    jwt: &str,
    now: i64,
) -> Result<(String, i64, String), JoinError> {
    let invalid = || jerr(3712, "Signature is invalid.");
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 {
        return Err(invalid());
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header: Value = b64
        .decode(parts[0].trim_end_matches('='))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(invalid)?;
    if header["alg"] != "HS256" {
        return Err(invalid());
    }
    let claims: Value = b64
        .decode(parts[1].trim_end_matches('='))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(invalid)?;
    let key = claims
        .get("sdkKey")
        .or_else(|| claims.get("appKey"))
        .and_then(Value::as_str)
        .ok_or_else(|| jerr(3712, "Invalid SDK App Keys."))?;
    let (client_id, secret) = {
        let w = shared.world.lock();
        let app = w
            .apps
            .values()
            .find(|a| a.sdk_key == key)
            .ok_or_else(|| jerr(3712, "Invalid SDK App Keys."))?;
        (app.client_id.clone(), app.sdk_secret.clone())
    };
    if let (Some(a), Some(s)) = (claims.get("appKey"), claims.get("sdkKey"))
        && a != s
    {
        return Err(jerr(3712, "Invalid SDK App Keys."));
    }
    let sig = b64
        .decode(parts[2].trim_end_matches('='))
        .map_err(|_| invalid())?;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(format!("{}.{}", parts[0], parts[1]).as_bytes());
    mac.verify_slice(&sig).map_err(|_| invalid())?;
    // iat/exp must be integers (not strings), exp − iat within [30 min, 48 h].
    let iat = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or_else(invalid)?;
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(invalid)?;
    if !(1800..=172_800).contains(&(exp - iat)) {
        return Err(invalid());
    }
    if iat > now + 5 {
        return Err(jerr(3712, "Signature is invalid: iat is in the future."));
    }
    if exp <= now {
        return Err(jerr(3712, "Signature has expired."));
    }
    if let Some(t) = claims.get("tokenExp") {
        let t = t.as_i64().ok_or_else(invalid)?;
        if t <= now {
            return Err(jerr(3712, "Signature has expired."));
        }
    }
    let role = claims
        .get("role")
        .and_then(Value::as_i64)
        .ok_or_else(invalid)?;
    if role != 0 && role != 1 {
        return Err(invalid());
    }
    let mn = claims.get("mn").and_then(value_str).ok_or_else(invalid)?;
    Ok((client_id, role, mn))
}

/// Everything Zoom checks when the SDK joins; on success the participant is in the meeting.
pub fn check_and_join(shared: &Shared, r: JoinRequest) -> Result<Value, JoinError> {
    let now = shared.clock.now();
    let sig = r
        .signature
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| jerr(3712, "Signature is invalid."))?;
    let (client_id, role, mn) = verify_signature(shared, sig, now.as_second())?;
    let number = r
        .meeting_number
        .as_ref()
        .and_then(value_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| jerr(3706, "The meeting number is wrong."))?;
    if number != mn {
        return Err(jerr(3706, "The meeting number is wrong."));
    }
    let meeting_id: i64 = number
        .parse()
        .map_err(|_| jerr(3706, "The meeting number is wrong."))?;
    let user_name = r
        .user_name
        .clone()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| jerr(3000, "Invalid parameter: userName."))?;
    let w = shared.world.lock();
    let app = w
        .apps
        .get(&client_id)
        .cloned()
        .ok_or_else(|| jerr(3712, "Invalid SDK App Keys."))?;
    if let Some(k) = r.sdk_key.as_deref().filter(|k| !k.is_empty())
        && k != app.sdk_key
    {
        return Err(jerr(3712, "Invalid SDK App Keys."));
    }
    let m = w
        .meetings
        .get(&meeting_id)
        .cloned()
        .ok_or_else(|| jerr(3001, "Meeting does not exist."))?;
    let password = r
        .password
        .clone()
        .or(r.pass_word.clone())
        .unwrap_or_default();
    if password != m.password {
        return Err(jerr(3004, "Wrong meeting passcode."));
    }
    if m.is_webinar && r.user_email.as_deref().unwrap_or("").is_empty() {
        return Err(jerr(3000, "userEmail is required for webinars."));
    }
    let zak_user = match r.zak.as_deref().filter(|z| !z.is_empty()) {
        None => None,
        Some(z) => {
            let t = w
                .zaks
                .get(z)
                .filter(|t| t.expires_at > now)
                .ok_or_else(|| jerr(3000, "Invalid ZAK token."))?;
            Some(t.user_id.clone())
        }
    };
    let mut obf_user = None;
    if role == 1 {
        if zak_user.as_deref() != Some(m.host_id.as_str()) {
            return Err(jerr(
                3000,
                "Starting a meeting (role 1) requires the host's ZAK.",
            ));
        }
    } else if zak_user.is_none() && m.account_id != app.owner_account_id {
        let tok = r
            .obf_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                jerr(
                    3000,
                    "This meeting is outside the app's account: an OBF token or ZAK is required.",
                )
            })?;
        let t = w
            .obfs
            .get(tok)
            .filter(|t| t.expires_at > now && t.meeting_id == Some(meeting_id))
            .ok_or_else(|| jerr(3000, "Invalid OBF token."))?;
        if !m
            .live
            .iter()
            .any(|p| p.zoom_user_id.as_deref() == Some(t.user_id.as_str()))
        {
            return Err(jerr(
                3000,
                "The user who authorized the OBF token is not in the meeting.",
            ));
        }
        obf_user = Some(t.user_id.clone());
    }
    let jbh = m.settings["join_before_host"].as_bool().unwrap_or(false);
    if role == 0 && m.status != MeetingStatus::Started && !jbh {
        return Err(jerr(3008, "Meeting has not started."));
    }
    let is_host = role == 1;
    let (email, zoom_user) = match &zak_user {
        Some(u) => (
            r.user_email
                .clone()
                .filter(|e| !e.is_empty())
                .or_else(|| w.users.get(u).map(|u| u.email.clone()))
                .unwrap_or_default(),
            Some(u.clone()),
        ),
        None => (r.user_email.clone().unwrap_or_default(), None),
    };
    let topic = m.topic.clone();
    drop(w);
    let already = shared.world.lock().meetings.get(&meeting_id).and_then(|m| {
        zoom_user.as_ref().and_then(|u| {
            m.live
                .iter()
                .find(|p| p.zoom_user_id.as_ref() == Some(u))
                .cloned()
        })
    });
    let p = match already {
        Some(p) => p,
        None => ops::participant_join(
            shared,
            meeting_id,
            JoinAs {
                name: user_name.clone(),
                email,
                customer_key: r.customer_key.clone().unwrap_or_default(),
                zoom_user_id: zoom_user,
                is_host,
                obf_user_id: obf_user,
            },
        )
        .map_err(|e| jerr(3001, e))?,
    };
    Ok(json!({
        "participantId": p.participant_id,
        "meetingNumber": meeting_id.to_string(),
        "topic": topic,
        "userName": p.name,
        "customerKey": p.customer_key,
        "isHost": p.is_host,
    }))
}

async fn join(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let r: JoinRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(_) => return jerr(3000, "Invalid parameters.").into_response(),
    };
    match check_and_join(&shared, r) {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// The checks Zoom can make on the SDK's info request, which carries no ZAK or OBF token
/// (those travel later): signature, meeting number, passcode, webinar e-mail, host present.
fn web_info_checks(shared: &Shared, f: &BTreeMap<String, String>) -> Result<(), JoinError> {
    let now = shared.clock.now();
    let sig = f
        .get("signature")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| jerr(3712, "Signature is invalid."))?;
    let (_, role, mn) = verify_signature(shared, sig, now.as_second())?;
    let number = f
        .get("meetingNumber")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty() && *s == mn)
        .ok_or_else(|| jerr(3706, "The meeting number is wrong."))?;
    let meeting_id: i64 = number
        .parse()
        .map_err(|_| jerr(3706, "The meeting number is wrong."))?;
    if f.get("userName").is_none_or(|n| n.trim().is_empty()) {
        return Err(jerr(3000, "Invalid parameter: userName."));
    }
    let w = shared.world.lock();
    let m = w
        .meetings
        .get(&meeting_id)
        .ok_or_else(|| jerr(3001, "Meeting does not exist."))?;
    if f.get("passWord").map(String::as_str).unwrap_or("") != m.password {
        return Err(jerr(3004, "Wrong meeting passcode."));
    }
    if m.is_webinar && f.get("userEmail").is_none_or(|e| e.is_empty()) {
        return Err(jerr(3000, "userEmail is required for webinars."));
    }
    let jbh = m.settings["join_before_host"].as_bool().unwrap_or(false);
    if role == 0 && m.status != MeetingStatus::Started && !jbh {
        return Err(jerr(3008, "Meeting has not started."));
    }
    Ok(())
}

/// The real SDK's first request. zoom-sim records it and answers in the shape the SDK reads
/// (`{status, errorCode, errorMessage}`). A request that passes every check still gets a
/// refusal with errorCode 1: the simulator cannot host the SDK's media session, and saying
/// so beats pretending with a made-up success body.
async fn web_info(
    State(shared): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let fields: BTreeMap<String, String> =
        url::form_urlencoded::parse(&body).into_owned().collect();
    let header = |h: header::HeaderName| {
        headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let verdict = web_info_checks(&shared, &fields);
    shared.world.lock().web_info_requests.push(WebInfoRequest {
        host: header(header::HOST),
        origin: header(header::ORIGIN),
        fields,
    });
    let (code, reason) = match verdict {
        Err(e) => (e.code, e.reason),
        Ok(()) => (
            1,
            "zoom-sim: the join passed every check, but the simulator hosts no real SDK sessions."
                .to_string(),
        ),
    };
    Json(json!({"status": false, "errorCode": code, "errorMessage": reason})).into_response()
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeaveRequest {
    meeting_number: Value,
    participant_id: String,
}

fn parse_leave(body: &[u8]) -> Option<(i64, String)> {
    let r: LeaveRequest = serde_json::from_slice(body).ok()?;
    let id = value_str(&r.meeting_number)?.parse().ok()?;
    Some((id, r.participant_id))
}

async fn leave(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Some((id, pid)) = parse_leave(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "bad request"})),
        )
            .into_response();
    };
    let n = ops::participant_leave_by_id(&shared, id, &pid);
    Json(json!({"left": n})).into_response()
}

async fn end(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let Some((id, pid)) = parse_leave(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "bad request"})),
        )
            .into_response();
    };
    let is_host = shared
        .world
        .lock()
        .meetings
        .get(&id)
        .is_some_and(|m| m.live.iter().any(|p| p.participant_id == pid && p.is_host));
    if !is_host {
        return jerr(3000, "Only the host can end the meeting.").into_response();
    }
    let _ = ops::end_meeting(&shared, id, "Host ended the meeting.");
    Json(json!({"ended": true})).into_response()
}

/// Why a participant is no longer in the meeting, in the words of the real SDK's
/// `connection-change` `Closed` event (`reason`).
fn closed_reason(m: Option<&crate::model::Meeting>, pid: &str) -> &'static str {
    let Some(m) = m else {
        return "ended by host";
    };
    let left = m
        .records
        .iter()
        .chain(m.past.iter().rev().flat_map(|i| i.records.iter()))
        .find(|p| p.participant_id == pid)
        .and_then(|p| p.leave_reason.as_deref())
        .unwrap_or("");
    if left.contains("free meeting minutes") {
        "free meeting ended"
    } else if left.contains("authorized this app left") {
        "bot user kicked due to master leaving"
    } else if left.contains("Reason:") {
        "ended by host"
    } else {
        "kicked by host"
    }
}

async fn status(State(shared): State<Arc<Shared>>, RawQuery(q): RawQuery) -> Response {
    let q = crate::api::query_map(q.as_deref());
    let id: i64 = q
        .get("meetingNumber")
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    let pid = q.get("participantId").cloned().unwrap_or_default();
    let w = shared.world.lock();
    let m = w.meetings.get(&id);
    let in_meeting = m.is_some_and(|m| m.live.iter().any(|p| p.participant_id == pid));
    let status = match m {
        None => "deleted",
        Some(m) if m.status == MeetingStatus::Started => "started",
        Some(_) => "waiting",
    };
    let reason = if in_meeting {
        ""
    } else {
        closed_reason(m, &pid)
    };
    Json(json!({"inMeeting": in_meeting, "status": status, "reason": reason})).into_response()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn room_page(State(shared): State<Arc<Shared>>, Path(id): Path<i64>) -> Response {
    let w = shared.world.lock();
    let Some(m) = w.meetings.get(&id) else {
        return (
            StatusCode::NOT_FOUND,
            Html("<h1>This meeting ID is not valid.</h1>".to_string()),
        )
            .into_response();
    };
    let people: String = m
        .live
        .iter()
        .map(|p| {
            format!(
                "<li class=\"participant\" data-customer-key=\"{}\">{}{}</li>",
                esc(&p.customer_key),
                esc(&p.name),
                if p.is_host { " (Host)" } else { "" }
            )
        })
        .collect();
    let status = if m.status == MeetingStatus::Started {
        "started"
    } else {
        "waiting"
    };
    Html(format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>{topic} - Zoom (simulated)</title><meta http-equiv="refresh" content="3"></head>
<body><div id="zoom-sim-room" data-status="{status}"><h1 id="topic">{topic}</h1>
<p>Meeting ID: <span id="meeting-id">{id}</span> · Status: <span id="status">{status}</span></p>
<ul id="participants">{people}</ul>
<form method="post" action="/_sim/room/{id}/start"><button id="start" type="submit">Join as host</button></form>
<form method="post" action="/_sim/room/{id}/end"><button id="end" type="submit">End meeting</button></form>
</div></body></html>"#,
        topic = esc(&m.topic),
    ))
    .into_response()
}

async fn join_link(Path(id): Path<i64>) -> Redirect {
    Redirect::to(&format!("/wc/{id}"))
}

async fn start_link(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<i64>,
    RawQuery(q): RawQuery,
) -> Response {
    let q = crate::api::query_map(q.as_deref());
    let now = shared.clock.now();
    let ok = {
        let w = shared.world.lock();
        let zak = q
            .get("zak")
            .and_then(|z| w.zaks.get(z))
            .filter(|t| t.expires_at > now);
        matches!((zak, w.meetings.get(&id)), (Some(t), Some(m)) if t.user_id == m.host_id)
    };
    if !ok {
        return (
            StatusCode::UNAUTHORIZED,
            Html("<h1>The start link has expired.</h1>".to_string()),
        )
            .into_response();
    }
    let _ = ops::host_join(&shared, id);
    Redirect::to(&format!("/wc/{id}")).into_response()
}

/// What the simulator knows of one cloud recording file.
struct RecordingFile {
    host_id: String,
    account_id: String,
    topic: String,
    kind: String,
    play_passcode: String,
}

fn find_recording_file(shared: &Shared, file_id: &str) -> Option<RecordingFile> {
    let w = shared.world.lock();
    w.meetings.values().find_map(|m| {
        m.past.iter().find_map(|inst| {
            let rec = inst.recording.as_ref()?;
            let (_, kind) = rec.files.iter().find(|(id, _)| id == file_id)?;
            Some(RecordingFile {
                host_id: m.host_id.clone(),
                account_id: m.account_id.clone(),
                topic: m.topic.clone(),
                kind: kind.clone(),
                play_passcode: rec.play_passcode.clone(),
            })
        })
    })
}

/// A cloud recording's play page: like Zoom's, it opens only with the recording's play
/// passcode in `?pwd=` (else the passcode prompt, here a 401).
async fn play_recording(
    State(shared): State<Arc<Shared>>,
    Path(file_id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let q = crate::api::query_map(q.as_deref());
    let Some(file) = find_recording_file(&shared, &file_id) else {
        return (
            StatusCode::NOT_FOUND,
            Html("<h1>This recording does not exist.</h1>".to_string()),
        )
            .into_response();
    };
    if q.get("pwd") != Some(&file.play_passcode) {
        return (
            StatusCode::UNAUTHORIZED,
            Html(
                "<h1 id=\"zoom-sim-passcode\">Enter the passcode to watch this recording.</h1>"
                    .to_string(),
            ),
        )
            .into_response();
    }
    Html(format!(
        "<h1 id=\"zoom-sim-recording\">{}</h1><p>{} recording</p>",
        esc(&file.topic),
        esc(&file.kind)
    ))
    .into_response()
}

/// The bytes the simulator serves for a recording file: a fixed prefix naming the file, so
/// a test can check it received this file, padded to the advertised 1 MiB.
pub fn recording_bytes(file_id: &str) -> Vec<u8> {
    let mut b = format!("zoom-sim recording {file_id}\n").into_bytes();
    b.resize(1_048_576, b'.');
    b
}

/// `download_url`: like Zoom, it needs `Authorization: Bearer` (an OAuth token of the
/// meeting's account with the recording scope) and answers with a redirect to a
/// short-lived file link that carries no credentials.
async fn download_recording(
    State(shared): State<Arc<Shared>>,
    Path(file_id): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    let caller = match crate::api::authenticate(&shared, &headers, crate::model::Category::Light) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let Some(file) = find_recording_file(&shared, &file_id) else {
        return crate::api::errors::ApiError::no_recording().into_response();
    };
    if let Err(e) = crate::api::check_meeting_access(
        &caller,
        &file.host_id,
        &file.account_id,
        &crate::api::RECORDINGS,
        &file_id,
        false,
    ) {
        return e.into_response();
    }
    let sig = crate::model::random_token("", 16);
    shared
        .world
        .lock()
        .file_links
        .insert(sig.clone(), file_id.clone());
    (
        StatusCode::FOUND,
        [(header::LOCATION, format!("/rec/file/{file_id}?sig={sig}"))],
    )
        .into_response()
}

/// The file link a download redirects to: valid for the file it was issued for.
async fn recording_file(
    State(shared): State<Arc<Shared>>,
    Path(file_id): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let q = crate::api::query_map(q.as_deref());
    let ok = q
        .get("sig")
        .and_then(|s| shared.world.lock().file_links.get(s).cloned())
        .is_some_and(|f| f == file_id);
    let Some(RecordingFile { kind, .. }) = find_recording_file(&shared, &file_id).filter(|_| ok)
    else {
        return (StatusCode::FORBIDDEN, "link expired").into_response();
    };
    let mime = if kind == "MP4" {
        "video/mp4"
    } else {
        "audio/mp4"
    };
    ([(header::CONTENT_TYPE, mime)], recording_bytes(&file_id)).into_response()
}

async fn room_start(State(shared): State<Arc<Shared>>, Path(id): Path<i64>) -> Redirect {
    let _ = ops::host_join(&shared, id);
    Redirect::to(&format!("/wc/{id}"))
}

async fn room_end(State(shared): State<Arc<Shared>>, Path(id): Path<i64>) -> Redirect {
    let _ = ops::end_meeting(&shared, id, "Host ended the meeting.");
    Redirect::to(&format!("/wc/{id}"))
}

/// Add permissive CORS headers (the SDK stand-in runs on another origin).
async fn cors(req: Request, next: Next) -> Response {
    if req.method() == axum::http::Method::OPTIONS {
        let mut r = StatusCode::NO_CONTENT.into_response();
        add_cors(&mut r);
        return r;
    }
    let mut r = next.run(req).await;
    add_cors(&mut r);
    r
}

fn add_cors(r: &mut Response) {
    let h = r.headers_mut();
    h.insert("access-control-allow-origin", HeaderValue::from_static("*"));
    h.insert(
        "access-control-allow-methods",
        HeaderValue::from_static("GET, POST, OPTIONS"),
    );
    h.insert(
        "access-control-allow-headers",
        HeaderValue::from_static("content-type"),
    );
}
