//! HTTP control API under `/_sim/` (JSON in, JSON out), mirroring the Rust API.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::model::{Account, Plan, User, UserType};
use crate::{AppSpec, Fault, Shared, ops};

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/_sim/accounts", post(create_account))
        .route("/_sim/accounts/{id}/plan", post(set_plan))
        .route("/_sim/users", post(create_user))
        .route("/_sim/apps", post(create_app))
        .route("/_sim/apps/{client_id}/scopes", post(set_scopes))
        .route("/_sim/auto_approve", post(auto_approve))
        .route("/_sim/login_user", post(login_user))
        .route("/_sim/rate_limits", post(rate_limits))
        .route("/_sim/webhook_compression", post(webhook_compression))
        .route("/_sim/time", get(time))
        .route("/_sim/time/advance", post(advance))
        .route("/_sim/codes", post(issue_code))
        .route(
            "/_sim/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_sim/requests", get(requests).delete(clear_requests))
        .route("/_sim/requests/count", get(count_requests))
        .route("/_sim/webhooks", get(webhooks))
        .route("/_sim/meetings", get(meetings).post(create_meeting))
        .route("/_sim/meetings/{id}/host_join", post(host_join))
        .route("/_sim/meetings/{id}/end", post(end))
        .route("/_sim/meetings/{id}/recording_completed", post(recording))
        .route("/_sim/meetings/{id}/participants", post(participant_join))
        .route(
            "/_sim/meetings/{id}/participants/{customer_key}/leave",
            post(participant_leave),
        )
        .route("/_sim/deauthorize", post(deauthorize))
}

fn err(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, Json(json!({"error": msg.into()}))).into_response()
}

#[derive(Deserialize)]
struct AccountReq {
    plan: Plan,
    #[serde(default)]
    webinar_addon: bool,
}

async fn create_account(State(s): State<Arc<Shared>>, Json(r): Json<AccountReq>) -> Json<Value> {
    let mut w = s.world.lock();
    let id = crate::model::zoom_id();
    w.next_account_number += 1;
    let number = w.next_account_number;
    w.accounts.insert(
        id.clone(),
        Account {
            id: id.clone(),
            number,
            plan: r.plan,
            webinar_addon: r.webinar_addon,
        },
    );
    Json(json!({"id": id}))
}

async fn set_plan(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Json(r): Json<AccountReq>,
) -> Response {
    let mut w = s.world.lock();
    match w.accounts.get_mut(&id) {
        Some(a) => {
            a.plan = r.plan;
            a.webinar_addon = r.webinar_addon;
            Json(json!({})).into_response()
        }
        None => err(StatusCode::NOT_FOUND, "no such account"),
    }
}

#[derive(Deserialize)]
struct UserReq {
    account_id: String,
    email: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    last_name: String,
    #[serde(default = "licensed")]
    r#type: UserType,
    #[serde(default)]
    timezone: Option<String>,
}

fn licensed() -> UserType {
    UserType::Licensed
}

async fn create_user(State(s): State<Arc<Shared>>, Json(r): Json<UserReq>) -> Response {
    let now = s.clock.now();
    let mut w = s.world.lock();
    if !w.accounts.contains_key(&r.account_id) {
        return err(StatusCode::NOT_FOUND, "no such account");
    }
    let id = crate::model::zoom_id();
    let pmi = 5_000_000_000 + (w.users.len() as i64 + 1) * 7_919;
    w.users.insert(
        id.clone(),
        User {
            id: id.clone(),
            account_id: r.account_id,
            email: r.email,
            first_name: r.first_name,
            last_name: r.last_name,
            kind: r.r#type,
            timezone: r.timezone.unwrap_or_else(|| "UTC".into()),
            pmi,
            created_at: now,
        },
    );
    Json(json!({"id": id})).into_response()
}

async fn create_app(State(s): State<Arc<Shared>>, Json(r): Json<AppSpec>) -> Json<Value> {
    let app = crate::model::App {
        sdk_key: r.sdk_key.unwrap_or_else(|| r.client_id.clone()),
        sdk_secret: r.sdk_secret.unwrap_or_else(|| r.client_secret.clone()),
        client_id: r.client_id.clone(),
        client_secret: r.client_secret,
        redirect_uris: r.redirect_uris,
        scopes: r.scopes,
        owner_account_id: r.owner_account_id,
        webhook_url: r.webhook_url.clone(),
        webhook_secret: r.webhook_secret.clone(),
        webhook_validated: None,
    };
    s.world.lock().apps.insert(r.client_id.clone(), app);
    if let Some(url) = r.webhook_url {
        crate::webhooks::spawn_url_validation(
            s.clone(),
            r.client_id.clone(),
            url,
            r.webhook_secret,
        );
    }
    Json(json!({"client_id": r.client_id}))
}

#[derive(Deserialize)]
struct ScopesReq {
    scopes: Vec<String>,
}

async fn set_scopes(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    Json(r): Json<ScopesReq>,
) -> Response {
    match s.world.lock().apps.get_mut(&id) {
        Some(a) => {
            a.scopes = r.scopes;
            Json(json!({})).into_response()
        }
        None => err(StatusCode::NOT_FOUND, "no such app"),
    }
}

#[derive(Deserialize)]
struct OnReq {
    on: bool,
}

async fn auto_approve(State(s): State<Arc<Shared>>, Json(r): Json<OnReq>) -> Json<Value> {
    s.world.lock().auto_approve = r.on;
    Json(json!({}))
}

async fn rate_limits(State(s): State<Arc<Shared>>, Json(r): Json<OnReq>) -> Json<Value> {
    s.world.lock().rate_limits = r.on;
    Json(json!({}))
}

#[derive(Deserialize)]
struct FactorReq {
    factor: u32,
}

async fn webhook_compression(
    State(s): State<Arc<Shared>>,
    Json(r): Json<FactorReq>,
) -> Json<Value> {
    s.hooks.set_compression(r.factor.max(1));
    Json(json!({}))
}

#[derive(Deserialize)]
struct LoginReq {
    user_id: String,
}

async fn login_user(State(s): State<Arc<Shared>>, Json(r): Json<LoginReq>) -> Json<Value> {
    s.world.lock().login_user = Some(r.user_id);
    Json(json!({}))
}

async fn time(State(s): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({"now": s.clock.now()}))
}

#[derive(Deserialize)]
struct AdvanceReq {
    seconds: u64,
}

async fn advance(State(s): State<Arc<Shared>>, Json(r): Json<AdvanceReq>) -> Json<Value> {
    s.clock.advance(Duration::from_secs(r.seconds));
    ops::tick(&s);
    Json(json!({"now": s.clock.now()}))
}

#[derive(Deserialize)]
struct CodeReq {
    client_id: String,
    user_id: String,
    redirect_uri: String,
    #[serde(default)]
    code_challenge: Option<String>,
}

async fn issue_code(State(s): State<Arc<Shared>>, Json(r): Json<CodeReq>) -> Json<Value> {
    let code = crate::oauth::issue_code(
        &s,
        &r.client_id,
        &r.user_id,
        &r.redirect_uri,
        r.code_challenge.map(|c| (c, "S256".to_string())),
    );
    Json(json!({"code": code}))
}

async fn list_faults(State(s): State<Arc<Shared>>) -> Json<Value> {
    Json(json!(s.faults.list()))
}

async fn add_fault(State(s): State<Arc<Shared>>, Json(f): Json<Fault>) -> Json<Value> {
    s.faults.add(f);
    Json(json!({}))
}

async fn clear_faults(State(s): State<Arc<Shared>>) -> Json<Value> {
    s.faults.clear();
    Json(json!({}))
}

async fn requests(State(s): State<Arc<Shared>>) -> Json<Value> {
    Json(json!(s.log.all()))
}

async fn clear_requests(State(s): State<Arc<Shared>>) -> Json<Value> {
    s.log.clear();
    Json(json!({}))
}

async fn count_requests(State(s): State<Arc<Shared>>, RawQuery(q): RawQuery) -> Json<Value> {
    let q = crate::api::query_map(q.as_deref());
    let n = s.log.count(
        q.get("method").map(String::as_str).unwrap_or("GET"),
        q.get("path_prefix").map(String::as_str).unwrap_or("/"),
    );
    Json(json!({"count": n}))
}

async fn webhooks(State(s): State<Arc<Shared>>) -> Json<Value> {
    Json(json!(s.hooks.deliveries()))
}

async fn meetings(State(s): State<Arc<Shared>>) -> Json<Value> {
    let w = s.world.lock();
    let all: Vec<crate::SimMeeting> = w.meetings.values().map(ops::snapshot).collect();
    Json(json!(all))
}

#[derive(Deserialize)]
struct MeetingReq {
    host_id: String,
    topic: String,
    #[serde(default)]
    agenda: String,
    #[serde(default)]
    webinar: bool,
}

async fn create_meeting(State(s): State<Arc<Shared>>, Json(r): Json<MeetingReq>) -> Response {
    if !s.world.lock().users.contains_key(&r.host_id) {
        return err(StatusCode::NOT_FOUND, "no such user");
    }
    let id = ops::create_meeting_direct(&s, &r.host_id, &r.topic, &r.agenda, r.webinar);
    Json(json!({"id": id})).into_response()
}

fn result(r: Result<impl serde::Serialize, String>) -> Response {
    match r {
        Ok(v) => Json(json!({"ok": true, "result": v})).into_response(),
        Err(e) => err(StatusCode::BAD_REQUEST, e),
    }
}

async fn host_join(State(s): State<Arc<Shared>>, Path(id): Path<i64>) -> Response {
    result(ops::host_join(&s, id))
}

async fn end(State(s): State<Arc<Shared>>, Path(id): Path<i64>) -> Response {
    result(ops::end_meeting(&s, id, "Host ended the meeting."))
}

async fn recording(State(s): State<Arc<Shared>>, Path(id): Path<i64>) -> Response {
    result(ops::complete_recording(&s, id))
}

#[derive(Deserialize)]
struct JoinReq {
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    customer_key: String,
}

async fn participant_join(
    State(s): State<Arc<Shared>>,
    Path(id): Path<i64>,
    Json(r): Json<JoinReq>,
) -> Response {
    result(ops::participant_join(
        &s,
        id,
        ops::JoinAs {
            name: r.name,
            email: r.email,
            customer_key: r.customer_key,
            ..Default::default()
        },
    ))
}

async fn participant_leave(
    State(s): State<Arc<Shared>>,
    Path((id, key)): Path<(i64, String)>,
) -> Response {
    let n = ops::participant_leave_by_key(&s, id, &key);
    Json(json!({"left": n})).into_response()
}

#[derive(Deserialize)]
struct DeauthReq {
    client_id: String,
    user_id: String,
}

async fn deauthorize(State(s): State<Arc<Shared>>, Json(r): Json<DeauthReq>) -> Json<Value> {
    ops::deauthorize(&s, &r.client_id, &r.user_id);
    Json(json!({}))
}
