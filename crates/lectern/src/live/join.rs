//! The embedded join: a role-0 Meeting SDK signature for this meeting only, for an enrolled
//! student of a live session only. The answer never holds a start URL, a ZAK, the SDK
//! secret or an OAuth token. When the meeting belongs to another Zoom account than our
//! app's owner, Zoom requires an on-behalf-of token of the host, who must be in the
//! meeting: it is fetched here, paced within the account's rate budget, and until the host
//! is in the student is told to wait.

use serde::Serialize;

use crate::crypto::SecretKey;
use zoom::sdk::Role;

use super::{Session, State};
use crate::accounts::User;
use crate::zoom_connection::ZoomDeps;
use crate::zoom_connection::{self, tokens};

/// SDK signatures live two hours (Zoom's sample; must be 30 min..48 h).
const SIGNATURE_LIFETIME_SECS: i64 = 7200;

#[derive(Serialize, Debug)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum JoinAnswer {
    /// Not live yet, or the host is not in (OBF meetings).
    Waiting,
    Ended,
    /// Zoom is not usable (disconnected, not configured, refused the host's token).
    Unavailable,
    /// Zoom is failing (5xx, time-out, per-second limit) or its circuit is open: the
    /// student is told at once to try again in a minute.
    TryAgain,
    Ready(Box<JoinParams>),
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct JoinParams {
    pub signature: String,
    pub sdk_key: String,
    pub meeting_number: String,
    pub password: String,
    pub user_name: String,
    pub user_email: String,
    pub customer_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub obf_token: Option<String>,
    /// The "Open in Zoom app" fallback.
    pub join_url: String,
}

/// How long one OBF token serves a class (the host must still be in, which the session
/// state checks before the token is used).
const OBF_REUSE: std::time::Duration = std::time::Duration::from_secs(60);
/// The OBF token goes to students' browsers (the Web SDK joins with it), so it is asked
/// to live ten minutes rather than Zoom's default two hours: enough for the last student
/// served from the cache to load the SDK and join, and no more.
const OBF_TTL_SECS: u32 = 600;

/// The `customerKey` a student joins with: their id and a MAC of (session, id) under the
/// server key, so a student who edits it in the browser cannot make anyone else attend
/// (Zoom allows 36 characters; this is at most 31).
pub fn customer_key(key: &SecretKey, session_id: i64, user_id: i64) -> String {
    format!("{user_id}.{}", customer_key_mac(key, session_id, user_id))
}

fn customer_key_mac(key: &SecretKey, session_id: i64, user_id: i64) -> String {
    let mut mac = key.token_hash(&format!("zoom-customer-key:{session_id}:{user_id}"));
    mac.truncate(20);
    mac
}

/// The user a `customerKey` was issued to for this session, if it is one of ours.
pub(crate) fn customer_key_user(
    key: &SecretKey,
    session_id: i64,
    customer_key: &str,
) -> Option<i64> {
    let (id, mac) = customer_key.split_once('.')?;
    let user_id: i64 = id.parse().ok()?;
    crate::crypto::ct_eq(mac, &customer_key_mac(key, session_id, user_id)).then_some(user_id)
}

/// Whether an OBF failure is Zoom's passing trouble rather than something to fix.
fn passing(e: &zoom::ZoomError) -> bool {
    matches!(
        e.kind(),
        zoom::ErrorKind::Transient
            | zoom::ErrorKind::CircuitOpen { .. }
            | zoom::ErrorKind::RateLimited {
                scope: zoom::RateLimitScope::PerSecond,
                ..
            }
    )
}

/// Whether joins to this session's meeting need an OBF token.
pub(crate) fn needs_obf(state: &ZoomDeps, s: &Session) -> bool {
    match (&state.config.live.app_account_id, &s.zoom_account_id) {
        (Some(app), Some(meeting)) => app != meeting,
        _ => true,
    }
}

/// The answer for `user`, who the caller checked is an enrolled student of the course.
pub async fn answer(state: &ZoomDeps, s: &Session, user: &User) -> anyhow::Result<JoinAnswer> {
    answer_with(state, s, None, user).await
}

/// [`answer`], told whether the session's connection is connected when the caller read it
/// with the session ([`super::SessionView`]): then the connection is read only to fetch an
/// on-behalf-of token, which needs all of it, and not while the class reuses one. (A view
/// from the viewer cache may say "connected" for as long as a disconnection elsewhere takes
/// to be heard — milliseconds — during which a fresh token is still handed out.)
pub(crate) async fn answer_with(
    state: &ZoomDeps,
    s: &Session,
    connected: Option<bool>,
    user: &User,
) -> anyhow::Result<JoinAnswer> {
    let Some(rt) = state.zoom.as_ref() else {
        return Ok(JoinAnswer::Unavailable);
    };
    match s.state() {
        State::Ended | State::Cancelled => return Ok(JoinAnswer::Ended),
        State::Scheduled | State::Starting => return Ok(JoinAnswer::Waiting),
        State::Live => {}
    }
    let (Some(meeting_id), Some(conn_id)) = (s.meeting_id, s.connection_id) else {
        return Ok(JoinAnswer::Waiting);
    };
    // The connection is read only when the caller did not say whether it is connected,
    // or for an on-behalf-of token's fetch (a class is served from the cached token).
    let mut conn = None;
    match connected {
        Some(false) => return Ok(JoinAnswer::Unavailable),
        Some(true) => {}
        None => match zoom_connection::by_id(&state.db, conn_id).await? {
            Some(c) if c.is_connected() => conn = Some(c),
            _ => return Ok(JoinAnswer::Unavailable),
        },
    }
    let obf_token = if needs_obf(state, s) {
        if !s.host_present() {
            return Ok(JoinAnswer::Waiting);
        }
        let Some(host) = s.zoom_host_id.clone() else {
            return Ok(JoinAnswer::Unavailable);
        };
        // One fetch per (meeting, host) and minute, shared by the whole class: while it is
        // fresh the token is read without waiting; a stale one is fetched by the first to
        // see it, the others wait for that fetch and reuse its token.
        let cell = rt.obf_cell(meeting_id, &host);
        let got = match cell.fresh(OBF_REUSE) {
            Some(t) => Ok(t),
            None => {
                let _single_flight = cell.fetching.lock().await;
                match cell.fresh(OBF_REUSE) {
                    Some(t) => Ok(t),
                    None => {
                        let conn = match conn {
                            Some(c) => c,
                            None => match zoom_connection::by_id(&state.db, conn_id).await? {
                                Some(c) if c.is_connected() => c,
                                _ => return Ok(JoinAnswer::Unavailable),
                            },
                        };
                        let r =
                            super::start::paced_call(
                                state,
                                &conn,
                                zoom::ratelimit::Category::Light,
                                |api| {
                                    let host = host.clone();
                                    async move {
                                        api.onbehalf_token(&host, meeting_id, OBF_TTL_SECS).await
                                    }
                                },
                            )
                            .await;
                        if let Ok(t) = &r {
                            cell.store(t.clone());
                        }
                        r
                    }
                }
            }
        };
        match got {
            Ok(t) => Some(t.expose().to_string()),
            // 3000: the host is not in the meeting (yet, or any more).
            Err(tokens::AccessError::Zoom(e)) if e.code() == Some(3000) => {
                return Ok(JoinAnswer::Waiting);
            }
            Err(tokens::AccessError::Zoom(e)) if passing(&e) => {
                tracing::debug!(session = s.id, error = %e, "on-behalf-of token: Zoom failing");
                return Ok(JoinAnswer::TryAgain);
            }
            Err(e) => {
                tracing::warn!(session = s.id, error = %e, "on-behalf-of token failed");
                return Ok(JoinAnswer::Unavailable);
            }
        }
    } else {
        None
    };
    let signature = rt
        .client
        .sdk_signature(meeting_id, Role::Attendee, SIGNATURE_LIFETIME_SECS)
        .map_err(|e| anyhow::anyhow!("SDK signature: {e}"))?;
    let key = &state.config.secret_key;
    Ok(JoinAnswer::Ready(Box::new(JoinParams {
        signature,
        sdk_key: rt.settings.client_id.clone(),
        meeting_number: meeting_id.to_string(),
        password: s.passcode(key).unwrap_or_default(),
        user_name: user.display_name.clone(),
        user_email: user.email.clone(),
        customer_key: customer_key(key, s.id, user.id),
        obf_token,
        join_url: s.join_url(key).unwrap_or_default(),
    })))
}
