//! `/users/...` endpoints.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::errors::{ApiError, ApiResult};
use super::{Caller, authenticate, query_map, resolve_user};
use crate::Shared;
use crate::clock::zoom_time;
use crate::model::{Account, Category, User, UserToken, random_token};

pub fn user_json(u: &User, a: &Account) -> Value {
    json!({
        "id": u.id,
        "account_id": u.account_id,
        "account_number": a.number,
        "email": u.email,
        "first_name": u.first_name,
        "last_name": u.last_name,
        "display_name": format!("{} {}", u.first_name, u.last_name).trim(),
        "type": u.kind.code(),
        "timezone": u.timezone,
        "pmi": u.pmi,
        "use_pmi": false,
        "personal_meeting_url": format!("https://zoom.us/j/{}", u.pmi),
        "status": "active",
        "verified": 1,
        "role_name": "Member",
        "role_id": "2",
        "dept": "",
        "language": "en-US",
        "created_at": zoom_time(u.created_at),
        "user_created_at": zoom_time(u.created_at),
        "last_login_time": zoom_time(u.created_at),
        "last_client_version": "6.2.0.1234(mac)",
        "pic_url": "",
        "login_types": [100],
        "group_ids": [],
        "im_group_ids": [],
        "jid": format!("{}@xmpp.zoom.us", u.id.to_lowercase()),
        "cluster": "us06",
        "phone_number": "",
    })
}

pub async fn get_user(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let caller = authenticate(&shared, &headers, Category::Light)?;
    let user = resolve_user(&shared, &caller, &user_id, &super::USER_READ)?;
    let w = shared.world.lock();
    let acct = w
        .accounts
        .get(&user.account_id)
        .ok_or_else(|| ApiError::user_not_found(&user_id))?;
    Ok(Json(user_json(&user, acct)))
}

pub async fn list_users(
    State(shared): State<Arc<Shared>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let caller = authenticate(&shared, &headers, Category::Medium)?;
    caller.require(&super::USER_LIST, true)?;
    let q = query_map(q.as_deref());
    let page_size = q
        .get("page_size")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 2000);
    let start = q
        .get("next_page_token")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(0);
    let w = shared.world.lock();
    let mut users: Vec<&User> = w
        .users
        .values()
        .filter(|u| u.account_id == caller.account.id)
        .collect();
    users.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
    let total = users.len();
    let page: Vec<Value> = users
        .iter()
        .skip(start)
        .take(page_size)
        .map(|u| {
            let mut v = user_json(u, &caller.account);
            if let Some(o) = v.as_object_mut() {
                o.retain(|k, _| {
                    matches!(
                        k.as_str(),
                        "id" | "email"
                            | "first_name"
                            | "last_name"
                            | "display_name"
                            | "type"
                            | "pmi"
                            | "timezone"
                            | "verified"
                            | "dept"
                            | "created_at"
                            | "last_login_time"
                            | "last_client_version"
                            | "language"
                            | "status"
                            | "role_id"
                            | "user_created_at"
                    )
                });
            }
            v
        })
        .collect();
    let next = if start + page_size < total {
        (start + page_size).to_string()
    } else {
        String::new()
    };
    Ok(Json(json!({
        "next_page_token": next,
        "page_count": total.div_ceil(page_size),
        "page_number": 1,
        "page_size": page_size,
        "total_records": total,
        "users": page,
    })))
}

fn issue_zak(shared: &Shared, user_id: &str, ttl_secs: i64) -> String {
    let token = random_token("eyJzaW1aYWsiOi", 48);
    let exp = shared
        .clock
        .now()
        .checked_add(jiff::SignedDuration::from_secs(ttl_secs))
        .unwrap_or(jiff::Timestamp::MAX);
    shared.world.lock().zaks.insert(
        token.clone(),
        UserToken {
            user_id: user_id.to_string(),
            meeting_id: None,
            expires_at: exp,
        },
    );
    token
}

/// `GET /users/{userId}/token?type=zak|token|onbehalf[&meeting_id=..][&ttl=..]`
pub async fn user_token(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let caller: Caller = authenticate(&shared, &headers, Category::Light)?;
    let user = resolve_user(&shared, &caller, &user_id, &super::USER_TOKEN)?;
    let q = query_map(q.as_deref());
    let ttl = match q.get("ttl") {
        None => 7200,
        Some(s) => match s.parse::<i64>() {
            Ok(t) if (1..=31_536_000).contains(&t) => t,
            _ => {
                return Err(ApiError::validation(vec![(
                    "ttl".into(),
                    "Invalid field.".into(),
                )]));
            }
        },
    };
    match q.get("type").map(String::as_str).unwrap_or("token") {
        "zak" => Ok(Json(json!({"token": issue_zak(&shared, &user.id, ttl)}))),
        "token" => Err(ApiError::new(
            400,
            300,
            "Token is no longer supported. Please use ZAK token instead.",
        )),
        "onbehalf" => {
            let mid = q
                .get("meeting_id")
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or_else(|| ApiError::invalid_param("Invalid parameter: meeting_id."))?;
            let now = shared.clock.now();
            let mut w = shared.world.lock();
            let Some(m) = w.meetings.get(&mid) else {
                return Err(ApiError::meeting_not_found(&mid.to_string()));
            };
            let present = m
                .live
                .iter()
                .any(|p| p.zoom_user_id.as_deref() == Some(user.id.as_str()));
            if !present {
                return Err(ApiError::new(
                    400,
                    3000,
                    "The user must be in the meeting to get an onbehalf token.",
                ));
            }
            let token = random_token("eyJzaW1PYmYiOi", 48);
            w.obfs.insert(
                token.clone(),
                UserToken {
                    user_id: user.id.clone(),
                    meeting_id: Some(mid),
                    expires_at: now
                        .checked_add(jiff::SignedDuration::from_secs(ttl))
                        .unwrap_or(jiff::Timestamp::MAX),
                },
            );
            Ok(Json(json!({"token": token})))
        }
        other => Err(ApiError::validation(vec![(
            "type".into(),
            format!("Invalid field: {other}."),
        )])),
    }
}

/// `GET /users/me/zak` — a ZAK valid for 5 minutes.
pub async fn user_zak(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let caller = authenticate(&shared, &headers, Category::Light)?;
    if user_id != "me" {
        return Err(super::errors::ApiError::new(404, 404, "Not Found"));
    }
    caller.require(&super::USER_ZAK, false)?;
    Ok(Json(
        json!({"token": issue_zak(&shared, &caller.user.id, 300)}),
    ))
}
