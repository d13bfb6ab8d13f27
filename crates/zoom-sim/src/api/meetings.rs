//! `/users/{userId}/meetings` and `/meetings/{meetingId}`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use super::errors::{ApiError, ApiResult};
use super::{
    authenticate, check_meeting_access, count_daily, decode_meeting_key, query_map, resolve_user,
};
use crate::Shared;
use crate::clock::zoom_time;
use crate::meeting::{self, MeetingInput, encrypted_password, merge_settings};
use crate::model::{Category, Meeting, MeetingStatus, UserType};

fn field_err(errs: &mut Vec<(String, String)>, f: &str) {
    errs.push((f.to_string(), "Invalid field.".to_string()));
}

/// Parse a request body like Zoom's validator does (types, lengths, enums).
pub fn parse_input(body: &[u8], allowed_types: &[i64]) -> ApiResult<MeetingInput> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(MeetingInput::default());
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|_| ApiError::invalid_param("Request Body should be a valid JSON object."))?;
    let Value::Object(o) = v else {
        return Err(ApiError::invalid_param(
            "Request Body should be a valid JSON object.",
        ));
    };
    let mut errs = vec![];
    let mut inp = MeetingInput::default();
    let str_field = |o: &Map<String, Value>,
                     k: &str,
                     max: usize,
                     errs: &mut Vec<(String, String)>| match o.get(k) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.chars().count() <= max => Some(s.clone()),
        Some(_) => {
            field_err(errs, k);
            None
        }
    };
    inp.topic = str_field(&o, "topic", 200, &mut errs);
    inp.agenda = str_field(&o, "agenda", 2000, &mut errs);
    inp.timezone = str_field(&o, "timezone", 64, &mut errs);
    if let Some(tz) = &inp.timezone
        && !tz.is_empty()
        && jiff::tz::TimeZone::get(tz).is_err()
    {
        field_err(&mut errs, "timezone");
    }
    inp.password = str_field(&o, "password", 10, &mut errs);
    if let Some(p) = &inp.password
        && !p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "@-_*".contains(c))
    {
        field_err(&mut errs, "password");
    }
    match o.get("type") {
        None | Some(Value::Null) => {}
        Some(v) => match v.as_i64() {
            Some(t) if allowed_types.contains(&t) => inp.kind = Some(t),
            _ => field_err(&mut errs, "type"),
        },
    }
    match o.get("duration") {
        None | Some(Value::Null) => {}
        Some(v) => match v.as_i64() {
            Some(d) if d >= 0 => inp.duration = Some(d),
            _ => field_err(&mut errs, "duration"),
        },
    }
    if let Some(s) = str_field(&o, "start_time", 64, &mut errs)
        && !s.is_empty()
    {
        match parse_start(&s, inp.timezone.as_deref()) {
            Some(t) => inp.start_time = Some(t),
            None => field_err(&mut errs, "start_time"),
        }
    }
    match o.get("settings") {
        None | Some(Value::Null) => {}
        Some(Value::Object(s)) => {
            check_settings(s, &mut errs);
            inp.settings = Some(s.clone());
        }
        Some(_) => field_err(&mut errs, "settings"),
    }
    if errs.is_empty() {
        Ok(inp)
    } else {
        Err(ApiError::validation(errs))
    }
}

fn check_settings(s: &Map<String, Value>, errs: &mut Vec<(String, String)>) {
    let bools = [
        "join_before_host",
        "waiting_room",
        "mute_upon_entry",
        "host_video",
        "participant_video",
        "meeting_authentication",
        "use_pmi",
        "private_meeting",
        "email_notification",
        "alternative_hosts_email_notification",
        "continuous_meeting_chat",
        "focus_mode",
    ];
    for b in bools {
        if let Some(v) = s.get(b)
            && !v.is_boolean()
        {
            field_err(errs, &format!("settings.{b}"));
        }
    }
    let enums: [(&str, &[&str]); 3] = [
        ("auto_recording", &["local", "cloud", "none"]),
        ("audio", &["both", "telephony", "voip", "thirdParty"]),
        ("encryption_type", &["enhanced_encryption", "e2ee"]),
    ];
    for (k, allowed) in enums {
        if let Some(v) = s.get(k)
            && !v.as_str().is_some_and(|x| allowed.contains(&x))
        {
            field_err(errs, &format!("settings.{k}"));
        }
    }
    if let Some(v) = s.get("approval_type")
        && !v.as_i64().is_some_and(|x| (0..=2).contains(&x))
    {
        field_err(errs, "settings.approval_type");
    }
    if let Some(v) = s.get("jbh_time")
        && !v.as_i64().is_some_and(|x| [0, 5, 10, 15].contains(&x))
    {
        field_err(errs, "settings.jbh_time");
    }
    if let Some(v) = s.get("alternative_hosts")
        && !v.is_string()
    {
        field_err(errs, "settings.alternative_hosts");
    }
    if let Some(v) = s.get("practice_session")
        && !v.is_boolean()
    {
        field_err(errs, "settings.practice_session");
    }
    if let Some(v) = s.get("question_and_answer")
        && !v
            .as_object()
            .is_some_and(|o| o.get("enable").is_none_or(Value::is_boolean))
    {
        field_err(errs, "settings.question_and_answer");
    }
    if let Some(v) = s.get("breakout_room")
        && !valid_breakout_room(v)
    {
        field_err(errs, "settings.breakout_room");
    }
}

/// `{enable: bool, rooms: [{name: string, participants: [string]}]}`, every part optional.
fn valid_breakout_room(v: &Value) -> bool {
    let Some(o) = v.as_object() else {
        return false;
    };
    let enable_ok = o.get("enable").is_none_or(Value::is_boolean);
    let rooms_ok = o.get("rooms").is_none_or(|r| {
        r.as_array().is_some_and(|rooms| {
            rooms.iter().all(|room| {
                room.as_object().is_some_and(|room| {
                    room.get("name").is_none_or(Value::is_string)
                        && room.get("participants").is_none_or(|p| {
                            p.as_array().is_some_and(|p| p.iter().all(Value::is_string))
                        })
                })
            })
        })
    });
    enable_ok && rooms_ok
}

/// What the host's plan or account does not allow, refused as Zoom refuses it: cloud
/// recording needs a licensed host on a paid account (400, code 200 "Only available for
/// paid account."); every alternative host must be a user of the host's account (400, code
/// 1010 "User does not belong to this account"). See docs/zoom.md.
pub fn check_allowed(
    shared: &Shared,
    host: &crate::model::User,
    settings: Option<&Map<String, Value>>,
) -> ApiResult<()> {
    let Some(s) = settings else {
        return Ok(());
    };
    let w = shared.world.lock();
    if s.get("auto_recording").and_then(Value::as_str) == Some("cloud") {
        let paid = w
            .accounts
            .get(&host.account_id)
            .is_some_and(|a| a.plan != crate::model::Plan::Basic);
        if !paid || host.kind != UserType::Licensed {
            return Err(ApiError::paid_only());
        }
    }
    if let Some(alt) = s.get("alternative_hosts").and_then(Value::as_str) {
        for key in alt
            .split([';', ','])
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            let member = w
                .user_by_id_or_email(key)
                .is_some_and(|u| u.account_id == host.account_id);
            if !member {
                return Err(ApiError::not_in_account(key));
            }
        }
    }
    Ok(())
}

/// `...Z` = UTC; `yyyy-MM-ddTHH:mm:ss` = local time in `timezone` (UTC when absent).
pub fn parse_start(s: &str, tz: Option<&str>) -> Option<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    let dt: jiff::civil::DateTime = s.parse().ok()?;
    let zone = tz
        .filter(|z| !z.is_empty())
        .and_then(|z| jiff::tz::TimeZone::get(z).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    dt.to_zoned(zone).ok().map(|z| z.timestamp())
}

/// The meeting/webinar object as Zoom returns it from create and GET.
pub fn meeting_json(shared: &Shared, m: &Meeting, host_email: &str, zak: &str) -> Value {
    let base = &shared.base_url;
    let enc = encrypted_password(&m.password);
    let mut v = json!({
        "uuid": m.uuid,
        "id": m.id,
        "host_id": m.host_id,
        "host_email": host_email,
        "assistant_id": "",
        "topic": m.topic,
        "type": m.kind,
        "status": match m.status { MeetingStatus::Waiting => "waiting", MeetingStatus::Started => "started" },
        "start_time": zoom_time(m.start_time),
        "duration": m.duration,
        "timezone": m.timezone,
        "agenda": m.agenda,
        "created_at": zoom_time(m.created_at),
        "start_url": format!("{base}/s/{}?zak={zak}", m.id),
        "join_url": format!("{base}/j/{}?pwd={enc}", m.id),
        "registration_url": "",
        "pre_schedule": false,
        "settings": m.settings,
        "creation_source": "open_api",
    });
    if let Value::Object(o) = &mut v {
        if m.is_webinar {
            o.insert("password".into(), json!(m.password));
            o.insert("h323_passcode".into(), json!(digits(&m.password)));
            o.insert("encrypted_passcode".into(), json!(enc));
            o.remove("pre_schedule");
        } else {
            o.insert("password".into(), json!(m.password));
            o.insert("h323_password".into(), json!(digits(&m.password)));
            o.insert("pstn_password".into(), json!(digits(&m.password)));
            o.insert("encrypted_password".into(), json!(enc));
        }
    }
    v
}

fn digits(p: &str) -> String {
    p.bytes().map(|b| char::from(b'0' + b % 10)).collect()
}

fn zak_for(shared: &Shared, user_id: &str) -> String {
    let tok = crate::model::random_token("eyJzaW1aYWsiOi", 48);
    let exp = shared
        .clock
        .now()
        .checked_add(jiff::SignedDuration::from_hours(2))
        .unwrap_or(Timestamp::MAX);
    shared.world.lock().zaks.insert(
        tok.clone(),
        crate::model::UserToken {
            user_id: user_id.to_string(),
            meeting_id: None,
            expires_at: exp,
        },
    );
    tok
}

pub async fn create_meeting(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let caller = authenticate(&shared, &headers, Category::Light)?;
    let host = resolve_user(&shared, &caller, &user_id, &super::MEETING_WRITE)?;
    if host.kind == UserType::Unassigned {
        return Err(ApiError::cannot_host());
    }
    let inp = parse_input(&body, &[1, 2, 3, 8, 10])?;
    check_allowed(&shared, &host, inp.settings.as_ref())?;
    count_daily(&shared, &host.id)?;
    let m = meeting::insert(&shared, &host, inp, false);
    let out = {
        let w = shared.world.lock();
        crate::events::meeting_created(&w, &m, &caller.user.id)
    };
    shared.send(out);
    let zak = zak_for(&shared, &host.id);
    Ok((
        StatusCode::CREATED,
        Json(meeting_json(&shared, &m, &host.email, &zak)),
    )
        .into_response())
}

pub async fn list_meetings(
    State(shared): State<Arc<Shared>>,
    Path(user_id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let caller = authenticate(&shared, &headers, Category::Medium)?;
    let host = resolve_user(&shared, &caller, &user_id, &super::MEETING_LIST)?;
    let q = query_map(q.as_deref());
    let kind = list_type(
        &q,
        &[
            "scheduled",
            "live",
            "upcoming",
            "upcoming_meetings",
            "previous_meetings",
        ],
    )?;
    let now = shared.clock.now();
    let w = shared.world.lock();
    let all: Vec<&Meeting> = w
        .meetings
        .values()
        .filter(|m| !m.is_webinar && m.host_id == host.id)
        .filter(|m| match kind.as_str() {
            "live" => m.status == MeetingStatus::Started,
            "upcoming" | "upcoming_meetings" => m.start_time >= now,
            "previous_meetings" => !m.past.is_empty(),
            _ => true,
        })
        .collect();
    paginated(&q, &all, "meetings", |m| {
        let mut item = list_item(&shared, m);
        item.insert("pmi".into(), json!(""));
        item
    })
}

/// Zoom cuts each agenda to this many characters in a user's meeting or webinar list (the
/// whole agenda is only on the single GET).
const LISTED_AGENDA_CHARS: usize = 250;

/// The list's `type` (default `scheduled`), one of `allowed`.
pub fn list_type(
    q: &std::collections::HashMap<String, String>,
    allowed: &[&str],
) -> ApiResult<String> {
    let kind = q.get("type").map(String::as_str).unwrap_or("scheduled");
    if !allowed.contains(&kind) {
        return Err(ApiError::validation(vec![(
            "type".into(),
            "Invalid field.".into(),
        )]));
    }
    Ok(kind.to_string())
}

/// What an item of `GET /users/{userId}/meetings` or `/webinars` carries: no passcode, no
/// start URL, no settings, and the agenda cut to 250 characters.
pub fn list_item(shared: &Shared, m: &Meeting) -> Map<String, Value> {
    let agenda: String = m.agenda.chars().take(LISTED_AGENDA_CHARS).collect();
    let item = json!({
        "uuid": m.uuid, "id": m.id, "host_id": m.host_id, "topic": m.topic,
        "type": m.kind, "start_time": zoom_time(m.start_time), "duration": m.duration,
        "timezone": m.timezone, "agenda": agenda, "created_at": zoom_time(m.created_at),
        "join_url": format!("{}/j/{}?pwd={}", shared.base_url, m.id, encrypted_password(&m.password)),
    });
    match item {
        Value::Object(o) => o,
        _ => Map::new(),
    }
}

/// One page of `all` (`page_size` ≤ 300, default 30; `next_page_token` from the previous
/// page) in Zoom's list envelope, the items under `key`.
pub fn paginated<T>(
    q: &std::collections::HashMap<String, String>,
    all: &[T],
    key: &str,
    item: impl Fn(&T) -> Map<String, Value>,
) -> ApiResult<Json<Value>> {
    let page_size = q
        .get("page_size")
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(30)
        .clamp(1, 300);
    let start = match q.get("next_page_token").filter(|s| !s.is_empty()) {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| ApiError::invalid_param("The next page token is invalid or expired."))?,
    };
    let total = all.len();
    let items: Vec<Value> = all
        .iter()
        .skip(start)
        .take(page_size)
        .map(|x| Value::Object(item(x)))
        .collect();
    let next = if start + page_size < total {
        (start + page_size).to_string()
    } else {
        String::new()
    };
    let mut v = json!({
        "next_page_token": next,
        "page_count": total.div_ceil(page_size),
        "page_number": 1,
        "page_size": page_size,
        "total_records": total,
    });
    v[key] = Value::Array(items);
    Ok(Json(v))
}

/// Look up a non-webinar meeting by the numeric id in the path.
fn find_meeting(shared: &Shared, raw: &str, webinar: bool) -> ApiResult<Meeting> {
    let key = decode_meeting_key(raw);
    let nf = || {
        if webinar {
            ApiError::webinar_not_found(&key)
        } else {
            ApiError::meeting_not_found(&key)
        }
    };
    let w = shared.world.lock();
    let (m, _) = w.meeting_by_id_or_uuid(&key).ok_or_else(nf)?;
    if m.is_webinar != webinar {
        return Err(if webinar {
            nf()
        } else {
            ApiError::new(400, 3000, "Cannot access webinar info.")
        });
    }
    Ok(m.clone())
}

/// The still percent-encoded `{meetingId}` segment of the original request path
/// (axum's extractors decode once; Zoom's double-encoding rule needs the raw bytes).
pub fn raw_segment(uri: &axum::http::Uri) -> String {
    let segs: Vec<&str> = uri.path().split('/').collect();
    // /v2/meetings/{id}..., /v2/webinars/{id}, /v2/past_meetings/{id}/..., /v2/report/meetings/{id}/...
    let idx = if segs.get(2) == Some(&"report") { 4 } else { 3 };
    segs.get(idx).map(|s| s.to_string()).unwrap_or_default()
}

pub async fn get_meeting(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Json<Value>> {
    let caller = authenticate(&shared, &headers, Category::Light)?;
    let raw = raw_segment(&uri);
    let m = find_meeting(&shared, &raw, false)?;
    check_meeting_access(
        &caller,
        &m.host_id,
        &m.account_id,
        &super::MEETING_READ,
        &decode_meeting_key(&raw),
        false,
    )?;
    let email = shared
        .world
        .lock()
        .users
        .get(&m.host_id)
        .map(|u| u.email.clone())
        .unwrap_or_default();
    let zak = zak_for(&shared, &m.host_id);
    Ok(Json(meeting_json(&shared, &m, &email, &zak)))
}

pub async fn update_meeting(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<StatusCode> {
    let caller = authenticate(&shared, &headers, Category::Light)?;
    let raw = raw_segment(&uri);
    let m = find_meeting(&shared, &raw, false)?;
    check_meeting_access(
        &caller,
        &m.host_id,
        &m.account_id,
        &super::MEETING_UPDATE,
        &raw,
        false,
    )?;
    let inp = parse_input(&body, &[1, 2, 3, 8, 10])?;
    let host = shared.world.lock().users.get(&m.host_id).cloned();
    if let Some(h) = &host {
        check_allowed(&shared, h, inp.settings.as_ref())?;
    }
    count_daily(&shared, &m.host_id)?;
    let now = shared.clock.now();
    let mut w = shared.world.lock();
    let Some(m) = w.meetings.get_mut(&m.id) else {
        return Err(ApiError::meeting_not_found(&raw));
    };
    if let Some(t) = inp.topic {
        m.topic = t;
    }
    if let Some(a) = inp.agenda {
        m.agenda = a;
    }
    if let Some(k) = inp.kind {
        m.kind = k;
    }
    if let Some(d) = inp.duration {
        m.duration = d;
    }
    if let Some(tz) = inp.timezone.filter(|t| !t.is_empty()) {
        m.timezone = tz;
    }
    if let Some(p) = inp.password.filter(|p| !p.is_empty()) {
        m.password = p;
    }
    if let Some(t) = inp.start_time.filter(|t| *t > now) {
        m.start_time = t;
    }
    if let Some(s) = &inp.settings {
        merge_settings(&mut m.settings, s);
    }
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_meeting(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let caller = authenticate(&shared, &headers, Category::Light)?;
    let raw = raw_segment(&uri);
    let key = decode_meeting_key(&raw);
    let id: i64 = key.parse().map_err(|_| ApiError::meeting_not_found(&key))?;
    let m = find_meeting(&shared, &raw, false)?;
    check_meeting_access(
        &caller,
        &m.host_id,
        &m.account_id,
        &super::MEETING_DELETE,
        &key,
        false,
    )?;
    let out = meeting::delete(&shared, id, &caller.user.id);
    shared.send(out);
    Ok(StatusCode::NO_CONTENT)
}
