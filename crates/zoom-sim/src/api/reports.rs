//! Past-meeting and report participants, and cloud recordings.

use std::sync::Arc;

use axum::Json;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::HeaderMap;
use serde_json::{Value, json};

use super::errors::{ApiError, ApiResult};
use super::meetings::raw_segment;
use super::{ScopeRule, authenticate, check_meeting_access, decode_meeting_key, query_map};
use crate::Shared;
use crate::clock::zoom_time;
use crate::meeting::recording_json;
use crate::model::{Category, Instance, Meeting, Participant, Plan};

/// Find the ended instance meant by `{meetingId}`: a UUID names one instance, a numeric
/// id the latest ended one.
fn find_instance(shared: &Shared, key: &str) -> ApiResult<(Meeting, Instance)> {
    let w = shared.world.lock();
    let nf = || ApiError::meeting_not_found(key);
    let (m, idx) = w.meeting_by_id_or_uuid(key).ok_or_else(nf)?;
    let inst = match idx {
        Some(i) => m.past[i].clone(),
        None => m.past.last().cloned().ok_or_else(nf)?,
    };
    Ok((m.clone(), inst))
}

struct Page {
    size: usize,
    start: usize,
}

fn page(q: &std::collections::HashMap<String, String>) -> ApiResult<Page> {
    let size = match q.get("page_size") {
        None => 30,
        Some(s) => s
            .parse::<usize>()
            .map_err(|_| ApiError::validation(vec![("page_size".into(), "Invalid field.".into())]))?
            .clamp(1, 300),
    };
    let start = match q.get("next_page_token").filter(|s| !s.is_empty()) {
        None => 0,
        Some(t) => t
            .strip_prefix("sim")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| ApiError::invalid_param("The next page token is invalid or expired."))?,
    };
    Ok(Page { size, start })
}

fn paged(rows: Vec<Value>, p: &Page) -> Value {
    let total = rows.len();
    let items: Vec<Value> = rows.into_iter().skip(p.start).take(p.size).collect();
    let next = if p.start + p.size < total {
        format!("sim{}", p.start + p.size)
    } else {
        String::new()
    };
    json!({
        "page_count": total.div_ceil(p.size),
        "page_size": p.size,
        "total_records": total,
        "next_page_token": next,
        "participants": items,
    })
}

fn duration_secs(p: &Participant, end: jiff::Timestamp) -> i64 {
    let leave = p.leave_time.unwrap_or(end);
    (leave.as_second() - p.join_time.as_second()).max(0)
}

async fn participants(
    shared: Arc<Shared>,
    OriginalUri(uri): OriginalUri,
    q: Option<String>,
    headers: HeaderMap,
    category: Category,
    rule: &ScopeRule,
    report: bool,
) -> ApiResult<Json<Value>> {
    let caller = authenticate(&shared, &headers, category)?;
    let key = decode_meeting_key(&raw_segment(&uri));
    let (m, inst) = find_instance(&shared, &key)?;
    check_meeting_access(&caller, &m.host_id, &m.account_id, rule, &key, false)?;
    if report {
        caller.require(rule, true)?;
    }
    if caller.account.plan == Plan::Basic {
        return Err(ApiError::paid_only());
    }
    let q = query_map(q.as_deref());
    let p = page(&q)?;
    let rows: Vec<Value> = inst
        .records
        .iter()
        .map(|r| {
            let mut v = json!({
                "id": r.zoom_user_id.clone().unwrap_or_default(),
                "name": r.name,
                "user_id": r.participant_id,
                "registrant_id": "",
                "user_email": r.email,
                "join_time": zoom_time(r.join_time),
                "leave_time": zoom_time(r.leave_time.unwrap_or(inst.end)),
                "duration": duration_secs(r, inst.end),
                "failover": false,
                "status": "in_meeting",
                "internal_user": r.zoom_user_id.is_some(),
            });
            if report {
                v["customer_key"] = json!(r.customer_key);
                v["participant_user_id"] = json!(r.zoom_user_id.clone().unwrap_or_default());
                v["bo_mtg_id"] = json!("");
                if let Some(o) = v.as_object_mut() {
                    o.remove("internal_user");
                }
            }
            v
        })
        .collect();
    Ok(Json(paged(rows, &p)))
}

pub async fn past_participants(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    participants(
        shared,
        OriginalUri(uri),
        q,
        headers,
        Category::Medium,
        &super::PAST_PARTICIPANTS,
        false,
    )
    .await
}

pub async fn report_participants(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    participants(
        shared,
        OriginalUri(uri),
        q,
        headers,
        Category::Heavy,
        &super::REPORT_PARTICIPANTS,
        true,
    )
    .await
}

pub async fn recordings(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let caller = authenticate(&shared, &headers, Category::Light)?;
    let key = decode_meeting_key(&raw_segment(&uri));
    let (m, idx) = {
        let w = shared.world.lock();
        let (m, idx) = w
            .meeting_by_id_or_uuid(&key)
            .ok_or_else(|| ApiError::meeting_not_found(&key))?;
        (m.clone(), idx)
    };
    check_meeting_access(
        &caller,
        &m.host_id,
        &m.account_id,
        &super::RECORDINGS,
        &key,
        false,
    )?;
    let inst = match idx {
        Some(i) => m.past.get(i),
        None => m.past.iter().rev().find(|i| i.recording.is_some()),
    }
    .ok_or_else(ApiError::no_recording)?;
    let email = shared
        .world
        .lock()
        .users
        .get(&m.host_id)
        .map(|u| u.email.clone())
        .unwrap_or_default();
    recording_json(&shared, &m, inst, &email)
        .map(Json)
        .ok_or_else(ApiError::no_recording)
}
