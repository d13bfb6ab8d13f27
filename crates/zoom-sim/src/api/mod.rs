//! REST v2 (`/v2/...`): bearer authentication, scopes, rate limits and the handlers.

pub mod errors;
pub mod meetings;
pub mod reports;
pub mod users;
pub mod webinars;

use std::sync::Arc;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;

use crate::Shared;
use crate::clock;
use crate::model::{Account, Category, User, World};
use errors::{ApiError, ApiResult};

pub fn routes(_shared: Arc<Shared>) -> Router<Arc<Shared>> {
    Router::new()
        .route("/users", get(users::list_users))
        .route("/users/{user_id}", get(users::get_user))
        .route("/users/{user_id}/token", get(users::user_token))
        .route("/users/{user_id}/zak", get(users::user_zak))
        .route(
            "/users/{user_id}/meetings",
            get(meetings::list_meetings).post(meetings::create_meeting),
        )
        .route(
            "/meetings/{meeting_id}",
            get(meetings::get_meeting)
                .patch(meetings::update_meeting)
                .delete(meetings::delete_meeting),
        )
        .route(
            "/meetings/{meeting_id}/recordings",
            get(reports::recordings),
        )
        .route(
            "/users/{user_id}/webinars",
            get(webinars::list_webinars).post(webinars::create_webinar),
        )
        .route(
            "/webinars/{webinar_id}",
            get(webinars::get_webinar).delete(webinars::delete_webinar),
        )
        .route(
            "/webinars/{webinar_id}/panelists",
            get(webinars::list_panelists).post(webinars::add_panelists),
        )
        .route(
            "/past_meetings/{meeting_id}/participants",
            get(reports::past_participants),
        )
        .route(
            "/report/meetings/{meeting_id}/participants",
            get(reports::report_participants),
        )
}

/// The authenticated caller of a REST request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub account: Account,
    pub scopes: Vec<String>,
    pub client_id: String,
}

/// Scope rule of an endpoint: user-level alternatives and admin-level alternatives.
/// The first granular entry is the one named in 4711 messages for granular apps, the first
/// classic entry for classic apps.
pub struct ScopeRule {
    pub classic: &'static [&'static str],
    pub granular: &'static [&'static str],
    pub classic_admin: &'static [&'static str],
    pub granular_admin: &'static [&'static str],
}

pub const USER_READ: ScopeRule = ScopeRule {
    classic: &["user:read", "user:write", "user_profile", "user_info:read"],
    granular: &["user:read:user"],
    classic_admin: &["user:read:admin", "user:write:admin"],
    granular_admin: &["user:read:user:admin"],
};
pub const USER_LIST: ScopeRule = ScopeRule {
    classic: &[],
    granular: &[],
    classic_admin: &["user:read:admin", "user:write:admin"],
    granular_admin: &["user:read:list_users:admin"],
};
pub const USER_TOKEN: ScopeRule = ScopeRule {
    classic: &["user:read", "user:write", "user_profile"],
    granular: &["user:read:token"],
    classic_admin: &["user:read:admin", "user:write:admin"],
    granular_admin: &["user:read:token:admin"],
};
pub const USER_ZAK: ScopeRule = ScopeRule {
    classic: &["user_zak:read"],
    granular: &["user:read:zak"],
    classic_admin: &[],
    granular_admin: &["user:read:zak:admin"],
};
pub const MEETING_WRITE: ScopeRule = ScopeRule {
    classic: &["meeting:write"],
    granular: &["meeting:write:meeting"],
    classic_admin: &["meeting:write:admin"],
    granular_admin: &["meeting:write:meeting:admin"],
};
pub const MEETING_READ: ScopeRule = ScopeRule {
    classic: &["meeting:read", "meeting:write"],
    granular: &["meeting:read:meeting"],
    classic_admin: &["meeting:read:admin", "meeting:write:admin"],
    granular_admin: &["meeting:read:meeting:admin"],
};
pub const MEETING_LIST: ScopeRule = ScopeRule {
    classic: &["meeting:read", "meeting:write"],
    granular: &["meeting:read:list_meetings"],
    classic_admin: &["meeting:read:admin", "meeting:write:admin"],
    granular_admin: &["meeting:read:list_meetings:admin"],
};
pub const MEETING_UPDATE: ScopeRule = ScopeRule {
    classic: &["meeting:write"],
    granular: &["meeting:update:meeting"],
    classic_admin: &["meeting:write:admin"],
    granular_admin: &["meeting:update:meeting:admin"],
};
pub const MEETING_DELETE: ScopeRule = ScopeRule {
    classic: &["meeting:write"],
    granular: &["meeting:delete:meeting"],
    classic_admin: &["meeting:write:admin"],
    granular_admin: &["meeting:delete:meeting:admin"],
};
pub const WEBINAR_WRITE: ScopeRule = ScopeRule {
    classic: &["webinar:write"],
    granular: &["webinar:write:webinar"],
    classic_admin: &["webinar:write:admin"],
    granular_admin: &["webinar:write:webinar:admin"],
};
pub const WEBINAR_READ: ScopeRule = ScopeRule {
    classic: &["webinar:read", "webinar:write"],
    granular: &["webinar:read:webinar"],
    classic_admin: &["webinar:read:admin", "webinar:write:admin"],
    granular_admin: &["webinar:read:webinar:admin"],
};
pub const WEBINAR_LIST: ScopeRule = ScopeRule {
    classic: &["webinar:read", "webinar:write"],
    granular: &["webinar:read:list_webinars"],
    classic_admin: &["webinar:read:admin", "webinar:write:admin"],
    granular_admin: &["webinar:read:list_webinars:admin"],
};
pub const WEBINAR_DELETE: ScopeRule = ScopeRule {
    classic: &["webinar:write"],
    granular: &["webinar:delete:webinar"],
    classic_admin: &["webinar:write:admin"],
    granular_admin: &["webinar:delete:webinar:admin"],
};
pub const PAST_PARTICIPANTS: ScopeRule = ScopeRule {
    classic: &["meeting:read"],
    granular: &["meeting:read:list_past_participants"],
    classic_admin: &["meeting:read:admin"],
    granular_admin: &["meeting:read:list_past_participants:admin"],
};
pub const REPORT_PARTICIPANTS: ScopeRule = ScopeRule {
    classic: &[],
    granular: &[],
    classic_admin: &["report:read:admin"],
    granular_admin: &["report:read:list_meeting_participants:admin"],
};
pub const RECORDINGS: ScopeRule = ScopeRule {
    classic: &["recording:read", "recording:write"],
    granular: &["cloud_recording:read:list_recording_files"],
    classic_admin: &["recording:read:admin", "recording:write:admin"],
    granular_admin: &[
        "cloud_recording:read:list_recording_files:admin",
        "cloud_recording:read:list_recording_files:master",
    ],
};

/// Granular scopes look like `service:action:data_claim[:admin|:master]`.
pub fn is_granular(scopes: &[String]) -> bool {
    scopes.iter().any(|s| {
        let parts: Vec<&str> = s.split(':').collect();
        parts.len() >= 4 || (parts.len() == 3 && !matches!(parts[2], "admin" | "master"))
    })
}

impl Caller {
    fn has_any(&self, list: &[&str]) -> bool {
        self.scopes.iter().any(|s| list.contains(&s.as_str()))
    }

    /// Check scopes; `other_user` = acting on another user's resources (needs admin scopes).
    pub fn require(&self, rule: &ScopeRule, other_user: bool) -> ApiResult<()> {
        if self.has_any(rule.classic_admin) || self.has_any(rule.granular_admin) {
            return Ok(());
        }
        if !other_user && (self.has_any(rule.classic) || self.has_any(rule.granular)) {
            return Ok(());
        }
        let granular = is_granular(&self.scopes);
        let name = match (granular, other_user || rule.classic.is_empty()) {
            (true, false) => rule.granular.first(),
            (true, true) => rule.granular_admin.first(),
            (false, false) => rule.classic.first(),
            (false, true) => rule.classic_admin.first(),
        };
        Err(ApiError::missing_scopes(&[name
            .copied()
            .unwrap_or("unknown")]))
    }
}

/// Authenticate the bearer token and apply the account's per-second limit.
pub fn authenticate(shared: &Shared, headers: &HeaderMap, category: Category) -> ApiResult<Caller> {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or_else(ApiError::invalid_token)?;
    let now = shared.clock.now();
    let mut w = shared.world.lock();
    let t = w
        .access_tokens
        .get(token)
        .cloned()
        .ok_or_else(ApiError::invalid_token)?;
    if t.expires_at <= now {
        return Err(ApiError::expired_token());
    }
    let user = w
        .users
        .get(&t.user_id)
        .cloned()
        .ok_or_else(ApiError::invalid_token)?;
    let account = w
        .accounts
        .get(&user.account_id)
        .cloned()
        .ok_or_else(ApiError::invalid_token)?;
    rate_limit(&mut w, &account, category, now)?;
    Ok(Caller {
        user,
        account,
        scopes: t.scopes,
        client_id: t.client_id,
    })
}

fn rate_limit(
    w: &mut World,
    account: &Account,
    cat: Category,
    now: jiff::Timestamp,
) -> ApiResult<()> {
    if !w.rate_limits {
        return Ok(());
    }
    let limit = cat.per_second(account.plan);
    let sec = now.as_second();
    let e = w.qps.entry((account.id.clone(), cat)).or_insert((sec, 0));
    if e.0 != sec {
        *e = (sec, 0);
    }
    if e.1 >= limit {
        return Err(errors::qps_error(cat.label(), limit));
    }
    e.1 += 1;
    Ok(())
}

/// Count one meeting/webinar create or update against the host's daily limit.
pub fn count_daily(shared: &Shared, host_id: &str) -> ApiResult<()> {
    let now = shared.clock.now();
    let day = clock::utc_day(now);
    let mut w = shared.world.lock();
    let limit = w.daily_limit;
    let n = w.daily.entry((host_id.to_string(), day)).or_insert(0);
    if *n >= limit {
        return Err(errors::daily_error(limit, clock::next_utc_midnight(now)));
    }
    *n += 1;
    Ok(())
}

/// Resolve `{userId}` (`me`, an id or an email) and check the caller may act on it.
pub fn resolve_user(
    shared: &Shared,
    caller: &Caller,
    key: &str,
    rule: &ScopeRule,
) -> ApiResult<User> {
    if key == "me" || key == caller.user.id || key.eq_ignore_ascii_case(&caller.user.email) {
        caller.require(rule, false)?;
        return Ok(caller.user.clone());
    }
    caller.require(rule, true)?;
    let w = shared.world.lock();
    match w.user_by_id_or_email(key) {
        Some(u) if u.account_id == caller.account.id => Ok(u.clone()),
        _ => Err(ApiError::user_not_found(key)),
    }
}

/// Decode a meeting id/UUID path segment the way Zoom does: the gateway decodes once and
/// normalises the path (`//` collapses, a leading `/` disappears), then the service decodes
/// again when the value still holds percent escapes. So a UUID that starts with `/` or holds
/// `//` only survives when double-encoded.
pub fn decode_meeting_key(raw: &str) -> String {
    let once = percent_encoding::percent_decode_str(raw)
        .decode_utf8_lossy()
        .into_owned();
    if once.contains('%') {
        return percent_encoding::percent_decode_str(&once)
            .decode_utf8_lossy()
            .into_owned();
    }
    let mut s = once;
    while s.contains("//") {
        s = s.replace("//", "/");
    }
    s.trim_start_matches('/').to_string()
}

/// Query-string helper.
pub fn query_map(q: Option<&str>) -> std::collections::HashMap<String, String> {
    url::form_urlencoded::parse(q.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// Check the caller may see a meeting hosted by `host_id` in `account_id`.
pub fn check_meeting_access(
    caller: &Caller,
    host_id: &str,
    account_id: &str,
    rule: &ScopeRule,
    shown_id: &str,
    webinar: bool,
) -> ApiResult<()> {
    if account_id != caller.account.id {
        return Err(if webinar {
            ApiError::webinar_not_found(shown_id)
        } else {
            ApiError::meeting_not_found(shown_id)
        });
    }
    caller.require(rule, host_id != caller.user.id)
}
