//! One error type for every Zoom call, plus a classification the app can act on.
//!
//! Zoom reuses codes across endpoints (200 means both "No permission." and "Webinar plan
//! is missing"; 3001 is "meeting" or "webinar does not exist"), so [`ZoomError`] keeps the
//! raw facts (HTTP status, Zoom code, message, field errors, rate-limit headers) and
//! [`ZoomError::kind`] derives the decision-relevant class from them. Keeping the raw facts
//! lets callers refine the decision per endpoint without this crate guessing for them.
//!
//! `Display` shows status, code and Zoom's message only; Zoom's messages never echo
//! credentials and we never put request bodies or headers into an error.

use jiff::{Timestamp, tz::TimeZone};
use serde::Deserialize;
use std::fmt;

/// A per-field validation error from a Zoom error body (`errors: [{field, message}]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FieldError {
    /// Dotted field path, e.g. `user_info.email`.
    #[serde(default)]
    pub field: String,
    /// Zoom's description, e.g. `Invalid field.`.
    #[serde(default)]
    pub message: String,
}

/// Where an error came from; decides how status and code are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A REST v2 call answered with a non-2xx status.
    Api,
    /// `/oauth/token` or `/oauth/revoke` answered with a non-2xx status.
    TokenEndpoint,
    /// The request timed out (connect or whole-request timeout).
    Timeout,
    /// The connection could not be established or broke.
    Connect,
    /// Another transport-level failure (reading the body, protocol error).
    Transport,
    /// A 2xx response whose body did not have the expected shape.
    Decode,
    /// Invalid input detected before sending anything.
    Local,
    /// Nothing was sent: this connection's circuit is open after repeated failures
    /// (`crate::circuit`).
    CircuitOpen,
}

/// Which rate limit was hit; the per-second limits clear in a second, the daily ones at
/// 00:00 UTC, so the app reacts very differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitScope {
    /// Per-account, per-category per-second limit (Light/Medium/Heavy).
    PerSecond,
    /// The per-host limit of 100 meeting/webinar create+update requests per UTC day.
    DailyHost,
    /// An account-wide daily limit (Free plans, Heavy/Resource-intensive caps).
    DailyAccount,
}

/// What the app should do about an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// Access token expired or invalid (code 124, or a bare 401): refresh, then retry once.
    TokenInvalid,
    /// The grant lacks scopes (4700/4711); the user must re-authorize after the app is fixed.
    MissingScopes {
        /// Scope names parsed from Zoom's message; may be empty if the message had none.
        scopes: Vec<String>,
    },
    /// Code 200 "Webinar plan is missing…": the host needs the webinar add-on.
    WebinarPlanMissing,
    /// Code 200 "No permission." (or "Only available for paid account"), or HTTP 403.
    NoPermission,
    /// Code 3161: the user is not allowed to host or schedule meetings.
    NotEnabled,
    /// 1001 user / 3001 meeting or webinar / 3301 recording does not exist, or HTTP 404.
    NotFound,
    /// HTTP 429. Do not retry before `retry_at`.
    RateLimited {
        /// Which limit was hit.
        scope: RateLimitScope,
        /// Earliest sensible retry instant (Retry-After, or next 00:00 UTC for daily limits).
        retry_at: Timestamp,
    },
    /// 5xx, timeout or connection error: safe to retry idempotent calls later.
    Transient,
    /// Zoom failed repeatedly, so the call was refused without being sent; nothing
    /// happened in Zoom. Try again after `retry_at`.
    CircuitOpen {
        /// When the circuit lets a trial call through.
        retry_at: Timestamp,
    },
    /// Code 300, validation errors, or another 4xx the request itself caused.
    InvalidRequest,
    /// Token endpoint `invalid_grant` ("Invalid Token!", expired or used code): terminal for
    /// that grant; send the user through authorization again.
    InvalidGrant,
    /// Token endpoint `invalid_client`: our client id/secret are wrong (configuration).
    InvalidClient,
    /// Anything else (unexpected body, unknown code).
    Other,
}

/// Error from any Zoom call. Boxed so `Result<T, ZoomError>` stays one pointer wide.
#[derive(Debug, Clone)]
pub struct ZoomError(Box<Repr>);

#[derive(Debug, Clone)]
struct Repr {
    origin: Origin,
    status: Option<u16>,
    code: Option<i64>,
    message: String,
    field_errors: Vec<FieldError>,
    oauth_error: Option<String>,
    retry_after: Option<Timestamp>,
    rate_limit_type: Option<String>,
    received_at: Timestamp,
}

/// Longest Zoom message kept; bodies from proxies can be whole HTML pages.
const MAX_MESSAGE: usize = 500;

#[derive(Deserialize)]
struct ApiErrorBody {
    #[serde(default, deserialize_with = "crate::de::opt_i64_lenient")]
    code: Option<i64>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Vec<FieldError>,
}

#[derive(Deserialize)]
struct OAuthErrorBody {
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

impl ZoomError {
    fn bare(origin: Origin, message: impl Into<String>, received_at: Timestamp) -> Self {
        Self(Box::new(Repr {
            origin,
            status: None,
            code: None,
            message: truncate(message.into()),
            field_errors: Vec::new(),
            oauth_error: None,
            retry_after: None,
            rate_limit_type: None,
            received_at,
        }))
    }

    /// Build from a non-2xx REST response.
    pub(crate) fn from_api_response(
        status: u16,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
        received_at: Timestamp,
    ) -> Self {
        let mut err = Self::bare(Origin::Api, String::new(), received_at);
        err.0.status = Some(status);
        match serde_json::from_slice::<ApiErrorBody>(body) {
            Ok(b) => {
                err.0.code = b.code;
                err.0.message = truncate(b.message.unwrap_or_default());
                err.0.field_errors = b.errors;
            }
            Err(_) => err.0.message = truncate(String::from_utf8_lossy(body).into_owned()),
        }
        err.read_rate_limit_headers(headers);
        err
    }

    /// Build from a non-2xx `/oauth/token` or `/oauth/revoke` response.
    ///
    /// Zoom answers `{"reason": "...", "error": "invalid_grant"}`; some endpoints and older
    /// deployments answer the REST shape `{"code", "message"}`, which is accepted too.
    pub(crate) fn from_token_response(
        status: u16,
        headers: &reqwest::header::HeaderMap,
        body: &[u8],
        received_at: Timestamp,
    ) -> Self {
        let mut err = Self::bare(Origin::TokenEndpoint, String::new(), received_at);
        err.0.status = Some(status);
        if let Ok(b) = serde_json::from_slice::<OAuthErrorBody>(body) {
            err.0.oauth_error = b.error;
            err.0.message = truncate(b.reason.or(b.error_description).unwrap_or_default());
        }
        if err.0.message.is_empty()
            && let Ok(b) = serde_json::from_slice::<ApiErrorBody>(body)
        {
            err.0.code = b.code;
            err.0.message = truncate(b.message.unwrap_or_default());
        }
        if err.0.message.is_empty() && err.0.oauth_error.is_none() {
            err.0.message = truncate(String::from_utf8_lossy(body).into_owned());
        }
        err.read_rate_limit_headers(headers);
        err
    }

    /// Build from a reqwest transport error. The URL is dropped: it is ours and adds
    /// nothing, and keeping errors free of URLs means no query string can leak.
    pub(crate) fn from_transport(e: reqwest::Error, received_at: Timestamp) -> Self {
        let origin = if e.is_timeout() {
            Origin::Timeout
        } else if e.is_connect() {
            Origin::Connect
        } else if e.is_decode() {
            Origin::Decode
        } else {
            Origin::Transport
        };
        Self::bare(origin, e.without_url().to_string(), received_at)
    }

    /// A 2xx response whose body we could not read as the documented shape.
    pub(crate) fn decode(status: u16, what: impl fmt::Display, received_at: Timestamp) -> Self {
        let mut err = Self::bare(Origin::Decode, what.to_string(), received_at);
        err.0.status = Some(status);
        err
    }

    /// The circuit refused the call; it lets a trial through after `retry_in`.
    pub(crate) fn circuit_open(retry_in: std::time::Duration, now: Timestamp) -> Self {
        let mut err = Self::bare(
            Origin::CircuitOpen,
            "Zoom failed repeatedly; calls are paused for a moment",
            now,
        );
        let retry_in = jiff::SignedDuration::try_from(retry_in).unwrap_or_default();
        err.0.retry_after = Some(now.checked_add(retry_in).unwrap_or(now));
        err
    }

    /// Invalid input found before any request was sent.
    pub(crate) fn local(message: impl Into<String>) -> Self {
        Self::bare(Origin::Local, message, Timestamp::now())
    }

    fn read_rate_limit_headers(&mut self, headers: &reqwest::header::HeaderMap) {
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        self.0.retry_after =
            get("retry-after").and_then(|v| parse_retry_after(&v, self.0.received_at));
        self.0.rate_limit_type = get("x-ratelimit-type");
    }

    /// Where the error came from.
    pub fn origin(&self) -> Origin {
        self.0.origin
    }
    /// HTTP status, if a response was received.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }
    /// Zoom's numeric error code from the body, if any.
    pub fn code(&self) -> Option<i64> {
        self.0.code
    }
    /// Zoom's message (or the OAuth `reason`), truncated to 500 bytes.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// Per-field validation errors.
    pub fn field_errors(&self) -> &[FieldError] {
        &self.0.field_errors
    }
    /// The OAuth `error` member of a token-endpoint error (`invalid_grant`, …).
    pub fn oauth_error(&self) -> Option<&str> {
        self.0.oauth_error.as_deref()
    }
    /// `Retry-After` as an absolute instant, when Zoom sent one.
    pub fn retry_after(&self) -> Option<Timestamp> {
        self.0.retry_after
    }

    /// Classify the error; see [`ErrorKind`].
    pub fn kind(&self) -> ErrorKind {
        match self.0.origin {
            Origin::Timeout | Origin::Connect | Origin::Transport => return ErrorKind::Transient,
            Origin::Decode | Origin::Local => return ErrorKind::Other,
            Origin::CircuitOpen => {
                return ErrorKind::CircuitOpen {
                    retry_at: self.0.retry_after.unwrap_or(self.0.received_at),
                };
            }
            Origin::Api | Origin::TokenEndpoint => {}
        }
        let status = self.0.status.unwrap_or(0);
        let msg_lc = self.0.message.to_ascii_lowercase();
        if status == 429 || self.0.code == Some(429) {
            return self.rate_limited(&msg_lc);
        }
        if status >= 500 {
            return ErrorKind::Transient;
        }
        if self.0.origin == Origin::TokenEndpoint {
            return match self.0.oauth_error.as_deref() {
                Some("invalid_grant") => ErrorKind::InvalidGrant,
                Some("invalid_client") => ErrorKind::InvalidClient,
                // Older deployments said invalid_request for a dead refresh token.
                _ if msg_lc.contains("invalid token") => ErrorKind::InvalidGrant,
                _ if msg_lc.contains("invalid authorization code") => ErrorKind::InvalidGrant,
                _ if status == 401 => ErrorKind::InvalidClient,
                _ => ErrorKind::InvalidRequest,
            };
        }
        match self.0.code {
            Some(124) => return ErrorKind::TokenInvalid,
            Some(4700 | 4711) => {
                return if msg_lc.contains("scope") {
                    ErrorKind::MissingScopes {
                        scopes: parse_scopes(&self.0.message),
                    }
                } else {
                    ErrorKind::TokenInvalid
                };
            }
            Some(200) => {
                return if msg_lc.contains("webinar plan is missing") {
                    ErrorKind::WebinarPlanMissing
                } else {
                    ErrorKind::NoPermission
                };
            }
            Some(3161) => return ErrorKind::NotEnabled,
            Some(1001 | 3001 | 3301) => return ErrorKind::NotFound,
            Some(300) => return ErrorKind::InvalidRequest,
            _ => {}
        }
        match status {
            401 => ErrorKind::TokenInvalid,
            403 => ErrorKind::NoPermission,
            404 => ErrorKind::NotFound,
            400..=499 => ErrorKind::InvalidRequest,
            _ => ErrorKind::Other,
        }
    }

    fn rate_limited(&self, msg_lc: &str) -> ErrorKind {
        let type_lc = self
            .0
            .rate_limit_type
            .as_deref()
            .unwrap_or("")
            .to_ascii_lowercase();
        let daily = msg_lc.contains("daily") || type_lc.contains("daily");
        let scope = if !daily {
            RateLimitScope::PerSecond
        } else if msg_lc.contains("create/update")
            || msg_lc.contains("particular user")
            || msg_lc.contains("(100)")
        {
            RateLimitScope::DailyHost
        } else {
            RateLimitScope::DailyAccount
        };
        let retry_at = self.0.retry_after.unwrap_or_else(|| match scope {
            RateLimitScope::PerSecond => self
                .0
                .received_at
                .checked_add(jiff::SignedDuration::from_secs(1))
                .unwrap_or(self.0.received_at),
            RateLimitScope::DailyHost | RateLimitScope::DailyAccount => {
                next_utc_midnight(self.0.received_at)
            }
        });
        ErrorKind::RateLimited { scope, retry_at }
    }

    /// True for "does not exist" (404, 1001, 3001, 3301).
    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }

    /// True when a DELETE failing this way means the resource is already gone, so the
    /// delete has in effect succeeded (Zoom answers a second DELETE with 404/3001).
    pub fn is_already_gone(&self) -> bool {
        self.0.origin == Origin::Api && (self.0.status == Some(404) || self.0.code == Some(3001))
    }

    /// True if retrying the same idempotent request later may succeed.
    pub fn is_transient(&self) -> bool {
        self.kind() == ErrorKind::Transient
    }
}

impl fmt::Display for ZoomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.0.origin {
            Origin::Api => "zoom api error",
            Origin::TokenEndpoint => "zoom oauth error",
            Origin::Timeout => "zoom request timed out",
            Origin::Connect => "zoom connection failed",
            Origin::Transport => "zoom transport error",
            Origin::Decode => "unexpected zoom response",
            Origin::Local => "invalid zoom request",
            Origin::CircuitOpen => "zoom calls paused",
        };
        f.write_str(what)?;
        if let Some(s) = self.0.status {
            write!(f, " (HTTP {s}")?;
            if let Some(c) = self.0.code {
                write!(f, ", code {c}")?;
            }
            if let Some(e) = &self.0.oauth_error {
                write!(f, ", {e}")?;
            }
            f.write_str(")")?;
        }
        if !self.0.message.is_empty() {
            write!(f, ": {}", self.0.message)?;
        }
        for fe in &self.0.field_errors {
            write!(f, "; {}: {}", fe.field, fe.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for ZoomError {}

fn truncate(mut s: String) -> String {
    if s.len() > MAX_MESSAGE {
        let mut cut = MAX_MESSAGE;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// Parse `Retry-After`: delta-seconds, an RFC 3339 instant (what Zoom documented), or an
/// HTTP date (RFC 9110 IMF-fixdate, which RFC 2822 parsing accepts).
pub(crate) fn parse_retry_after(value: &str, now: Timestamp) -> Option<Timestamp> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = v.parse().ok()?;
        return now
            .checked_add(jiff::SignedDuration::from_secs(secs.min(86_400 * 7)))
            .ok();
    }
    if let Ok(ts) = v.parse::<Timestamp>() {
        return Some(ts);
    }
    jiff::fmt::rfc2822::parse(v).ok().map(|z| z.timestamp())
}

/// The next 00:00:00 UTC strictly after `now`; Zoom's daily counters reset then.
pub fn next_utc_midnight(now: Timestamp) -> Timestamp {
    let date = now.to_zoned(TimeZone::UTC).date();
    date.tomorrow()
        .ok()
        .and_then(|d| d.to_zoned(TimeZone::UTC).ok())
        .map(|z| z.timestamp())
        .unwrap_or(now)
}

/// Extract scope names from "Invalid access token, does not contain scopes:[a, b]."
fn parse_scopes(message: &str) -> Vec<String> {
    let Some(open) = message.find('[') else {
        return Vec::new();
    };
    let rest = &message[open + 1..];
    let inner = rest.find(']').map_or(rest, |close| &rest[..close]);
    inner
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|s| s.trim_matches(|c: char| c == '"' || c == '\''))
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn api(status: u16, body: &str) -> ZoomError {
        ZoomError::from_api_response(
            status,
            &HeaderMap::new(),
            body.as_bytes(),
            ts("2025-02-19T10:00:00Z"),
        )
    }

    #[test]
    fn classifies_zoom_codes() {
        assert_eq!(
            api(401, r#"{"code":124,"message":"Access token is expired."}"#).kind(),
            ErrorKind::TokenInvalid
        );
        assert_eq!(
            api(
                400,
                r#"{"code":4711,"message":"Invalid access token, does not contain scopes:[user:read:list_users:admin, meeting:write:meeting]."}"#
            )
            .kind(),
            ErrorKind::MissingScopes {
                scopes: vec![
                    "user:read:list_users:admin".into(),
                    "meeting:write:meeting".into()
                ]
            }
        );
        assert_eq!(
            api(400, r#"{"code":200,"message":"Webinar plan is missing. You must subscribe to the webinar plan and enable webinars for user x."}"#).kind(),
            ErrorKind::WebinarPlanMissing
        );
        assert_eq!(
            api(400, r#"{"code":200,"message":"No permission."}"#).kind(),
            ErrorKind::NoPermission
        );
        assert_eq!(
            api(400, r#"{"code":3161,"message":"not allowed"}"#).kind(),
            ErrorKind::NotEnabled
        );
        for body in [
            r#"{"code":3001,"message":"Meeting does not exist: 1."}"#,
            r#"{"code":1001,"message":"User does not exist: x"}"#,
        ] {
            assert_eq!(api(404, body).kind(), ErrorKind::NotFound);
        }
        let v = api(
            400,
            r#"{"code":300,"message":"Validation Failed.","errors":[{"field":"user_info.email","message":"Invalid field."}]}"#,
        );
        assert_eq!(v.kind(), ErrorKind::InvalidRequest);
        assert_eq!(v.field_errors().len(), 1);
        assert!(v.to_string().contains("user_info.email"));
        assert_eq!(api(503, "<html>oops</html>").kind(), ErrorKind::Transient);
        assert_eq!(api(418, "").kind(), ErrorKind::InvalidRequest);
    }

    #[test]
    fn already_gone_on_delete() {
        assert!(
            api(
                404,
                r#"{"code":3001,"message":"Meeting does not exist: 1."}"#
            )
            .is_already_gone()
        );
        assert!(!api(400, r#"{"code":300,"message":"x"}"#).is_already_gone());
    }

    #[test]
    fn rate_limits() {
        let e = api(
            429,
            r#"{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}"#,
        );
        assert_eq!(
            e.kind(),
            ErrorKind::RateLimited {
                scope: RateLimitScope::PerSecond,
                retry_at: ts("2025-02-19T10:00:01Z")
            }
        );
        let e = api(
            429,
            r#"{"code":429,"message":"You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."}"#,
        );
        assert_eq!(
            e.kind(),
            ErrorKind::RateLimited {
                scope: RateLimitScope::DailyHost,
                retry_at: ts("2025-02-20T00:00:00Z")
            }
        );
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        let e = ZoomError::from_api_response(429, &h, b"{}", ts("2025-02-19T10:00:00Z"));
        assert_eq!(
            e.kind(),
            ErrorKind::RateLimited {
                scope: RateLimitScope::PerSecond,
                retry_at: ts("2025-02-19T10:00:07Z")
            }
        );
    }

    #[test]
    fn retry_after_formats() {
        let now = ts("2025-02-19T10:00:00Z");
        assert_eq!(
            parse_retry_after("120", now),
            Some(ts("2025-02-19T10:02:00Z"))
        );
        assert_eq!(
            parse_retry_after("2020-05-31T00:00:00Z", now),
            Some(ts("2020-05-31T00:00:00Z"))
        );
        assert_eq!(
            parse_retry_after("Wed, 19 Feb 2025 10:05:00 GMT", now),
            Some(ts("2025-02-19T10:05:00Z"))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn token_endpoint_errors() {
        let t = |status: u16, body: &str| {
            ZoomError::from_token_response(
                status,
                &HeaderMap::new(),
                body.as_bytes(),
                Timestamp::UNIX_EPOCH,
            )
        };
        assert_eq!(
            t(
                400,
                r#"{"reason":"Invalid Token!","error":"invalid_grant"}"#
            )
            .kind(),
            ErrorKind::InvalidGrant
        );
        assert_eq!(
            t(
                400,
                r#"{"reason":"Invalid Token!","error":"invalid_request"}"#
            )
            .kind(),
            ErrorKind::InvalidGrant
        );
        assert_eq!(
            t(
                400,
                r#"{"reason":"Invalid client_id or client_secret","error":"invalid_client"}"#
            )
            .kind(),
            ErrorKind::InvalidClient
        );
        assert_eq!(t(502, "bad gateway").kind(), ErrorKind::Transient);
        let e = t(
            400,
            r#"{"reason":"Invalid Token!","error":"invalid_grant"}"#,
        );
        assert_eq!(
            e.to_string(),
            "zoom oauth error (HTTP 400, invalid_grant): Invalid Token!"
        );
    }

    #[test]
    fn midnight() {
        assert_eq!(
            next_utc_midnight(ts("2025-02-19T23:59:59Z")),
            ts("2025-02-20T00:00:00Z")
        );
        assert_eq!(
            next_utc_midnight(ts("2025-02-20T00:00:00Z")),
            ts("2025-02-21T00:00:00Z")
        );
    }

    #[test]
    fn long_messages_are_truncated() {
        let e = api(500, &"é".repeat(1000));
        assert!(e.message().len() <= MAX_MESSAGE + 3);
    }
}
