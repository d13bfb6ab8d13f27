//! `/users/{userId}/webinars` and `/webinars/{webinarId}`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::errors::{ApiError, ApiResult};
use super::meetings::{list_item, list_type, meeting_json, paginated, parse_input, raw_segment};
use super::{
    authenticate, check_meeting_access, count_daily, decode_meeting_key, query_map, resolve_user,
};
use crate::Shared;
use crate::meeting;
use crate::model::{Category, Meeting, MeetingStatus, Plan, UserType};

/// Webinars need a paid plan with the Webinar add-on, and a licensed host.
fn check_webinar_plan(shared: &Shared, host: &crate::model::User) -> ApiResult<()> {
    let w = shared.world.lock();
    let acct = w
        .accounts
        .get(&host.account_id)
        .ok_or_else(|| ApiError::user_not_found(&host.id))?;
    if acct.plan == Plan::Basic || !acct.webinar_addon {
        return Err(ApiError::webinar_plan_missing());
    }
    if host.kind != UserType::Licensed {
        return Err(ApiError::no_permission());
    }
    Ok(())
}

pub async fn create_webinar(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let caller = authenticate(&shared, &headers, Category::Light)?;
    let host = resolve_user(&shared, &caller, &user_id, &super::WEBINAR_WRITE)?;
    check_webinar_plan(&shared, &host)?;
    let inp = parse_input(&body, &[5, 6, 9])?;
    super::meetings::check_allowed(&shared, &host, inp.settings.as_ref())?;
    count_daily(&shared, &host.id)?;
    let m = meeting::insert(&shared, &host, inp, true);
    let zak = crate::model::random_token("eyJzaW1aYWsiOi", 48);
    Ok((
        StatusCode::CREATED,
        Json(meeting_json(&shared, &m, &host.email, &zak)),
    )
        .into_response())
}

/// `GET /users/{userId}/webinars`: the host's webinars (MEDIUM), paged like meetings; the
/// items carry what Zoom's list does (agenda cut to 250 characters, no passcode).
pub async fn list_webinars(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let caller = authenticate(&shared, &headers, Category::Medium)?;
    let host = resolve_user(&shared, &caller, &user_id, &super::WEBINAR_LIST)?;
    check_webinar_plan(&shared, &host)?;
    let q = query_map(q.as_deref());
    let kind = list_type(&q, &["scheduled", "upcoming"])?;
    let now = shared.clock.now();
    let w = shared.world.lock();
    let all: Vec<&Meeting> = w
        .meetings
        .values()
        .filter(|m| m.is_webinar && m.host_id == host.id)
        .filter(|m| kind != "upcoming" || m.start_time >= now || m.status == MeetingStatus::Started)
        .collect();
    paginated(&q, &all, "webinars", |m| {
        let mut item = list_item(&shared, m);
        item.insert("is_simulive".into(), Value::Bool(false));
        item
    })
}

fn find_webinar(shared: &Shared, raw: &str) -> ApiResult<Meeting> {
    let key = decode_meeting_key(raw);
    let w = shared.world.lock();
    match w.meeting_by_id_or_uuid(&key) {
        Some((m, _)) if m.is_webinar => Ok(m.clone()),
        _ => Err(ApiError::webinar_not_found(&key)),
    }
}

pub async fn get_webinar(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let caller = authenticate(&shared, &headers, Category::Light)?;
    let raw = raw_segment(&uri);
    let m = find_webinar(&shared, &raw)?;
    check_meeting_access(
        &caller,
        &m.host_id,
        &m.account_id,
        &super::WEBINAR_READ,
        &raw,
        true,
    )?;
    let host = shared.world.lock().users.get(&m.host_id).cloned();
    if let Some(h) = &host {
        check_webinar_plan(&shared, h)?;
    }
    let email = host.map(|h| h.email).unwrap_or_default();
    let zak = crate::model::random_token("eyJzaW1aYWsiOi", 48);
    Ok(Json(meeting_json(&shared, &m, &email, &zak)))
}

pub async fn delete_webinar(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let caller = authenticate(&shared, &headers, Category::Light)?;
    let raw = raw_segment(&uri);
    let key = decode_meeting_key(&raw);
    if key.parse::<i64>().is_err() {
        return Err(ApiError::invalid_param("Invalid webinar ID."));
    }
    let m = find_webinar(&shared, &raw)?;
    check_meeting_access(
        &caller,
        &m.host_id,
        &m.account_id,
        &super::WEBINAR_DELETE,
        &key,
        true,
    )?;
    let out = meeting::delete(&shared, m.id, &caller.user.id);
    shared.send(out);
    Ok(StatusCode::NO_CONTENT)
}

/// Panellists a webinar may have in one request (Zoom's `maximum: 30`).
const MAX_PANELISTS: usize = 30;

/// `POST /webinars/{webinarId}/panelists`: adds panellists (`{panelists: [{email, name}]}`,
/// at most 30); an e-mail already on the list is updated. 201 `{id, updated_at}`.
pub async fn add_panelists(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let caller = authenticate(&shared, &headers, Category::Medium)?;
    let raw = raw_segment(&uri);
    let m = find_webinar(&shared, &raw)?;
    check_meeting_access(
        &caller,
        &m.host_id,
        &m.account_id,
        &super::WEBINAR_WRITE,
        &raw,
        true,
    )?;
    let host = shared.world.lock().users.get(&m.host_id).cloned();
    if let Some(h) = &host {
        check_webinar_plan(&shared, h)?;
    }
    let v: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::invalid_param("Request Body should be a valid JSON object."))?;
    let Some(list) = v.get("panelists").and_then(Value::as_array) else {
        return Err(ApiError::validation(vec![(
            "panelists".into(),
            "Invalid field.".into(),
        )]));
    };
    let mut errs = vec![];
    let mut add = vec![];
    for (i, p) in list.iter().enumerate() {
        let email = p.get("email").and_then(Value::as_str).unwrap_or_default();
        let name = p.get("name").and_then(Value::as_str).unwrap_or_default();
        if !email.contains('@') || email.trim() != email {
            errs.push((format!("panelists[{i}].email"), "Invalid field.".into()));
        }
        add.push((email.to_string(), name.to_string()));
    }
    if !errs.is_empty() {
        return Err(ApiError::validation(errs));
    }
    let mut w = shared.world.lock();
    let Some(stored) = w.meetings.get_mut(&m.id) else {
        return Err(ApiError::webinar_not_found(&raw));
    };
    for (email, name) in add {
        match stored
            .panelists
            .iter_mut()
            .find(|(e, _)| e.eq_ignore_ascii_case(&email))
        {
            Some(p) => p.1 = name,
            None => stored.panelists.push((email, name)),
        }
    }
    if stored.panelists.len() > MAX_PANELISTS {
        stored.panelists.truncate(MAX_PANELISTS);
        return Err(ApiError::new(
            400,
            3000,
            "You have reached the limit for the number of panelists you can add. Contact Zoom Support for more information.",
        ));
    }
    let body = serde_json::json!({
        "id": m.id.to_string(),
        "updated_at": crate::clock::zoom_time(shared.clock.now()),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /webinars/{webinarId}/panelists`: `{total_records, panelists: [{id, email, name, join_url}]}`.
pub async fn list_panelists(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let caller = authenticate(&shared, &headers, Category::Medium)?;
    let raw = raw_segment(&uri);
    let m = find_webinar(&shared, &raw)?;
    check_meeting_access(
        &caller,
        &m.host_id,
        &m.account_id,
        &super::WEBINAR_READ,
        &raw,
        true,
    )?;
    let list: Vec<Value> = m
        .panelists
        .iter()
        .enumerate()
        .map(|(i, (email, name))| {
            serde_json::json!({
                "id": format!("panelist{}x{i}", m.id),
                "email": email,
                "name": name,
                "join_url": format!("{}/w/{}?tk=panelist{i}", shared.base_url, m.id),
            })
        })
        .collect();
    Ok(Json(serde_json::json!({
        "total_records": list.len(),
        "panelists": list,
    })))
}
