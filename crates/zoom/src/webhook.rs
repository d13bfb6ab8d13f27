//! Zoom webhooks: signature verification, the `endpoint.url_validation` answer, and
//! parsing into typed events.
//!
//! Verification hashes the RAW request bytes (`v0:{timestamp}:{body}`) — never a
//! re-serialisation — and compares in constant time (`verify_slice`). A timestamp outside
//! ±5 minutes is refused, which bounds replay of a captured request. Zoom's own samples
//! skip both checks; we don't.
//!
//! Parsing goes through `serde_json::Value` and reads fields by hand: Zoom sends
//! `object.id` as a string in some events and as an int64 in others, leaves optional
//! fields out or empty, and puts `event_ts` at the top level or inside `payload`. The
//! parser never panics and returns `Err` only for bodies that are not a JSON object with
//! an `event` string.

use crate::api::RecordingFile;
use crate::clock::{SharedClock, SystemClock};
use crate::de::{value_to_i64, value_to_string, value_to_timestamp};
use crate::secret::Secret;
use hmac::{KeyInit, Mac};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Header carrying the request timestamp (epoch seconds).
pub const TIMESTAMP_HEADER: &str = "x-zm-request-timestamp";
/// Header carrying `v0=<hex hmac>`.
pub const SIGNATURE_HEADER: &str = "x-zm-signature";

/// Why a webhook request was refused or could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// A required header is absent.
    #[error("missing header {0}")]
    MissingHeader(&'static str),
    /// The timestamp header is not an integer.
    #[error("malformed x-zm-request-timestamp")]
    BadTimestamp,
    /// The timestamp is too far from our clock.
    #[error("webhook timestamp outside the allowed window ({skew_secs} s off)")]
    Stale {
        /// Absolute difference from our clock, seconds.
        skew_secs: i64,
    },
    /// The signature does not match the body.
    #[error("webhook signature mismatch")]
    BadSignature,
    /// The body is not a JSON object with an `event` string.
    #[error("malformed webhook body: {0}")]
    Malformed(String),
}

/// Compute `v0=<hex>` for a timestamp and body; what Zoom puts in `x-zm-signature`.
pub fn sign(secret: &Secret, timestamp: &str, body: &[u8]) -> String {
    format!(
        "v0={}",
        hex::encode(mac(secret, timestamp, body).finalize().into_bytes())
    )
}

fn mac(secret: &Secret, timestamp: &str, body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    m.update(b"v0:");
    m.update(timestamp.as_bytes());
    m.update(b":");
    m.update(body);
    m
}

/// The JSON answer to `endpoint.url_validation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UrlValidationResponse {
    /// Echo of the token Zoom sent.
    #[serde(rename = "plainToken")]
    pub plain_token: String,
    /// `hex(HMAC-SHA256(secret, plainToken))`.
    #[serde(rename = "encryptedToken")]
    pub encrypted_token: String,
}

/// Build the `endpoint.url_validation` answer.
pub fn url_validation_response(secret: &Secret, plain_token: &str) -> UrlValidationResponse {
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    m.update(plain_token.as_bytes());
    UrlValidationResponse {
        plain_token: plain_token.to_owned(),
        encrypted_token: hex::encode(m.finalize().into_bytes()),
    }
}

/// What a verified webhook request calls for.
#[derive(Debug, Clone)]
pub enum Handled {
    /// Reply 200 with this JSON (URL validation / CRC).
    Respond(UrlValidationResponse),
    /// Reply 2xx at once, then process the event asynchronously.
    Event(Box<WebhookEvent>),
}

/// Verifies webhook requests for one secret token.
#[derive(Clone)]
pub struct WebhookVerifier {
    secret: Secret,
    window: SignedDuration,
    clock: SharedClock,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("window", &self.window)
            .finish_non_exhaustive()
    }
}

impl WebhookVerifier {
    /// Verifier with a ±5 minute window and the system clock.
    pub fn new(secret: impl Into<Secret>) -> Self {
        Self {
            secret: secret.into(),
            window: SignedDuration::from_mins(5),
            clock: Arc::new(SystemClock),
        }
    }

    /// Use another clock (tests).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Use another freshness window.
    pub fn with_window(mut self, window: SignedDuration) -> Self {
        self.window = window;
        self
    }

    /// Check timestamp freshness and the signature over the raw body.
    pub fn verify(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<(), WebhookError> {
        let ts_str = timestamp
            .ok_or(WebhookError::MissingHeader(TIMESTAMP_HEADER))?
            .trim();
        let sig = signature
            .ok_or(WebhookError::MissingHeader(SIGNATURE_HEADER))?
            .trim();
        let ts: i64 = ts_str.parse().map_err(|_| WebhookError::BadTimestamp)?;
        let now = self.clock.now().as_second();
        let skew = now.saturating_sub(ts).saturating_abs();
        if skew > self.window.as_secs() {
            return Err(WebhookError::Stale { skew_secs: skew });
        }
        let hex_sig = sig.strip_prefix("v0=").ok_or(WebhookError::BadSignature)?;
        let given = hex::decode(hex_sig).map_err(|_| WebhookError::BadSignature)?;
        mac(&self.secret, ts_str, body)
            .verify_slice(&given)
            .map_err(|_| WebhookError::BadSignature)
    }

    /// Verify, then parse; answers URL validation itself.
    pub fn handle(
        &self,
        timestamp: Option<&str>,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<Handled, WebhookError> {
        self.verify(timestamp, signature, body)?;
        let event = parse_event(body)?;
        Ok(match &event.kind {
            EventKind::UrlValidation { plain_token } => {
                Handled::Respond(url_validation_response(&self.secret, plain_token))
            }
            _ => Handled::Event(Box::new(event)),
        })
    }
}

/// A parsed webhook notification.
#[derive(Debug, Clone)]
pub struct WebhookEvent {
    /// Event name as sent (`meeting.started`, …).
    pub event: String,
    /// `event_ts` in epoch milliseconds, from the top level or from `payload`.
    pub event_ts_ms: Option<i64>,
    /// `payload.account_id`.
    pub account_id: Option<String>,
    /// Typed content.
    pub kind: EventKind,
}

impl WebhookEvent {
    /// `event_ts` as an instant.
    pub fn event_ts(&self) -> Option<Timestamp> {
        self.event_ts_ms
            .and_then(|ms| Timestamp::from_millisecond(ms).ok())
    }

    /// Key for de-duplicating Zoom's retries (same body on each retry):
    /// event, event_ts, meeting uuid or id, and participant identity; for event kinds not
    /// modelled here, a hash of the payload.
    pub fn dedupe_key(&self) -> String {
        let ts = self.event_ts_ms.map(|t| t.to_string()).unwrap_or_default();
        let (obj, part) = match &self.kind {
            EventKind::MeetingStarted(m)
            | EventKind::MeetingEnded(m)
            | EventKind::MeetingDeleted(m)
            | EventKind::WebinarStarted(m)
            | EventKind::WebinarEnded(m)
            | EventKind::WebinarDeleted(m) => (m.key(), String::new()),
            EventKind::ParticipantJoined {
                meeting,
                participant,
                ..
            }
            | EventKind::ParticipantLeft {
                meeting,
                participant,
                ..
            } => (meeting.key(), participant.key()),
            EventKind::RecordingCompleted { meeting, .. } => (meeting.key(), String::new()),
            EventKind::AppDeauthorized {
                user_id, signature, ..
            } => (
                user_id.clone().unwrap_or_default(),
                signature.clone().unwrap_or_default(),
            ),
            EventKind::UrlValidation { plain_token } => (plain_token.clone(), String::new()),
            // Two different events of a kind we don't model may share event and event_ts
            // (Zoom batches): the body tells them apart, while a retry's body is the same.
            EventKind::Other { payload } => {
                use sha2::Digest;
                let digest = sha2::Sha256::digest(payload.to_string().as_bytes());
                (hex::encode(digest), String::new())
            }
        };
        format!("{}|{}|{}|{}", self.event, ts, obj, part)
    }
}

/// Typed event content. Meeting and webinar events share [`MeetingObject`].
#[derive(Debug, Clone)]
pub enum EventKind {
    /// `endpoint.url_validation`: answer with [`url_validation_response`].
    UrlValidation {
        /// Token to echo and sign.
        plain_token: String,
    },
    /// `meeting.started`.
    MeetingStarted(MeetingObject),
    /// `meeting.ended`.
    MeetingEnded(MeetingObject),
    /// `meeting.deleted`.
    MeetingDeleted(MeetingObject),
    /// `webinar.started`.
    WebinarStarted(MeetingObject),
    /// `webinar.ended`.
    WebinarEnded(MeetingObject),
    /// `webinar.deleted`.
    WebinarDeleted(MeetingObject),
    /// `meeting.participant_joined` / `webinar.participant_joined`.
    ParticipantJoined {
        /// True for the webinar variant.
        webinar: bool,
        /// The meeting.
        meeting: MeetingObject,
        /// Who joined.
        participant: ParticipantInfo,
    },
    /// `meeting.participant_left` / `webinar.participant_left`.
    ParticipantLeft {
        /// True for the webinar variant.
        webinar: bool,
        /// The meeting.
        meeting: MeetingObject,
        /// Who left.
        participant: ParticipantInfo,
    },
    /// `recording.completed`.
    RecordingCompleted {
        /// The recorded meeting.
        meeting: MeetingObject,
        /// Files (unreadable entries are skipped).
        files: Vec<RecordingFile>,
        /// Top-level `download_token` (24 h bearer for `download_url`).
        download_token: Option<Secret>,
        /// `share_url`: the page where approved users view the recording.
        share_url: Option<String>,
        /// `recording_play_passcode`: spliced into `play_url` or `share_url` as `?pwd=`.
        play_passcode: Option<Secret>,
    },
    /// `app_deauthorized`: delete the user's tokens and data.
    AppDeauthorized {
        /// Zoom user id.
        user_id: Option<String>,
        /// Account id.
        account_id: Option<String>,
        /// OAuth client id.
        client_id: Option<String>,
        /// When it happened.
        deauthorization_time: Option<Timestamp>,
        /// Id of this deauthorization.
        signature: Option<String>,
    },
    /// Any other event; the raw name is in [`WebhookEvent::event`].
    Other {
        /// The raw payload, for logging or future use.
        payload: Value,
    },
}

/// `payload.object` of meeting/webinar events (all optional: Zoom omits and empties).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeetingObject {
    /// Numeric id (string or number on the wire).
    pub id: Option<i64>,
    /// Instance UUID.
    pub uuid: Option<String>,
    /// Host user id.
    pub host_id: Option<String>,
    /// Topic.
    pub topic: Option<String>,
    /// Meeting type.
    pub kind: Option<i64>,
    /// Start instant.
    pub start_time: Option<Timestamp>,
    /// End instant (ended events).
    pub end_time: Option<Timestamp>,
    /// Scheduled minutes.
    pub duration: Option<i64>,
    /// Time zone.
    pub timezone: Option<String>,
}

impl MeetingObject {
    fn key(&self) -> String {
        self.uuid
            .clone()
            .or_else(|| self.id.map(|i| i.to_string()))
            .unwrap_or_default()
    }
}

/// `payload.object.participant`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParticipantInfo {
    /// Per-meeting participant id.
    pub user_id: Option<String>,
    /// Display name.
    pub user_name: Option<String>,
    /// Zoom user id if signed in (slated for removal; see `participant_user_id`).
    pub id: Option<String>,
    /// Per-meeting participant UUID.
    pub participant_uuid: Option<String>,
    /// Zoom user id if signed in.
    pub participant_user_id: Option<String>,
    /// E-mail (often empty for guests).
    pub email: Option<String>,
    /// `customerKey` given to the Meeting SDK join — how Lectern recognises its users.
    pub customer_key: Option<String>,
    /// Registrant id.
    pub registrant_id: Option<String>,
    /// Join instant (`join_time`, or `date_time` in some examples).
    pub join_time: Option<Timestamp>,
    /// Leave instant.
    pub leave_time: Option<Timestamp>,
    /// Leave reason text.
    pub leave_reason: Option<String>,
}

impl ParticipantInfo {
    fn key(&self) -> String {
        self.participant_uuid
            .clone()
            .or_else(|| self.user_id.clone())
            .or_else(|| self.customer_key.clone())
            .unwrap_or_default()
    }
}

fn s(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(value_to_string)
}

fn ts_field(v: &Value, key: &str) -> Option<Timestamp> {
    v.get(key).and_then(value_to_timestamp)
}

fn meeting_object(obj: &Value) -> MeetingObject {
    MeetingObject {
        id: obj.get("id").and_then(value_to_i64),
        uuid: s(obj, "uuid"),
        host_id: s(obj, "host_id"),
        topic: s(obj, "topic"),
        kind: obj.get("type").and_then(value_to_i64),
        start_time: ts_field(obj, "start_time"),
        end_time: ts_field(obj, "end_time"),
        duration: obj.get("duration").and_then(value_to_i64),
        timezone: s(obj, "timezone"),
    }
}

fn participant(obj: &Value) -> ParticipantInfo {
    let p = obj.get("participant").unwrap_or(&Value::Null);
    ParticipantInfo {
        user_id: s(p, "user_id"),
        user_name: s(p, "user_name"),
        id: s(p, "id"),
        participant_uuid: s(p, "participant_uuid"),
        participant_user_id: s(p, "participant_user_id"),
        email: s(p, "email"),
        customer_key: s(p, "customer_key"),
        registrant_id: s(p, "registrant_id"),
        join_time: ts_field(p, "join_time").or_else(|| ts_field(p, "date_time")),
        leave_time: ts_field(p, "leave_time"),
        leave_reason: s(p, "leave_reason"),
    }
}

/// `event_ts`: epoch ms as number or numeric string, or a date-time string
/// (`2024-09-08 15:58:40` in Zoom's deauthorization example, taken as UTC).
fn event_ts(v: &Value) -> Option<i64> {
    if let Some(ms) = value_to_i64(v) {
        return Some(ms);
    }
    let text = v.as_str()?.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Some(t.as_millisecond());
    }
    let civil: jiff::civil::DateTime = text.parse().ok()?;
    civil
        .to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_millisecond())
}

/// Parse a webhook body (after verification) into a typed event.
pub fn parse_event(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
    if !root.is_object() {
        return Err(WebhookError::Malformed("not a JSON object".into()));
    }
    let event = root
        .get("event")
        .and_then(Value::as_str)
        .ok_or_else(|| WebhookError::Malformed("no event name".into()))?
        .to_owned();
    let payload = root.get("payload").unwrap_or(&Value::Null);
    let event_ts_ms = root
        .get("event_ts")
        .and_then(event_ts)
        .or_else(|| payload.get("event_ts").and_then(event_ts));
    let account_id = s(payload, "account_id");
    let obj = payload.get("object").unwrap_or(&Value::Null);
    let kind = match event.as_str() {
        "endpoint.url_validation" => match s(payload, "plainToken") {
            Some(plain_token) => EventKind::UrlValidation { plain_token },
            None => return Err(WebhookError::Malformed("no plainToken".into())),
        },
        "meeting.started" => EventKind::MeetingStarted(meeting_object(obj)),
        "meeting.ended" => EventKind::MeetingEnded(meeting_object(obj)),
        "meeting.deleted" => EventKind::MeetingDeleted(meeting_object(obj)),
        "webinar.started" => EventKind::WebinarStarted(meeting_object(obj)),
        "webinar.ended" => EventKind::WebinarEnded(meeting_object(obj)),
        "webinar.deleted" => EventKind::WebinarDeleted(meeting_object(obj)),
        "meeting.participant_joined" | "webinar.participant_joined" => {
            EventKind::ParticipantJoined {
                webinar: event.starts_with("webinar"),
                meeting: meeting_object(obj),
                participant: participant(obj),
            }
        }
        "meeting.participant_left" | "webinar.participant_left" => EventKind::ParticipantLeft {
            webinar: event.starts_with("webinar"),
            meeting: meeting_object(obj),
            participant: participant(obj),
        },
        "recording.completed" => EventKind::RecordingCompleted {
            meeting: meeting_object(obj),
            files: obj
                .get("recording_files")
                .and_then(Value::as_array)
                .map(|files| {
                    files
                        .iter()
                        .filter_map(|f| serde_json::from_value(f.clone()).ok())
                        .collect()
                })
                .unwrap_or_default(),
            download_token: s(&root, "download_token").map(Secret::new),
            share_url: s(obj, "share_url").filter(|u| !u.is_empty()),
            play_passcode: s(obj, "recording_play_passcode")
                .filter(|p| !p.is_empty())
                .map(Secret::new),
        },
        "app_deauthorized" => EventKind::AppDeauthorized {
            user_id: s(payload, "user_id"),
            account_id: s(payload, "account_id"),
            client_id: s(payload, "client_id"),
            deauthorization_time: ts_field(payload, "deauthorization_time"),
            signature: s(payload, "signature"),
        },
        _ => EventKind::Other {
            payload: payload.clone(),
        },
    };
    Ok(WebhookEvent {
        event,
        event_ts_ms,
        account_id,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    const BODY: &str = r#"{"event":"meeting.started","event_ts":1739923527000,"payload":{"account_id":"AAAAAABBBB","object":{"id":"1234567890","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"x1yCzABCDEfg23HiJKl4mN","topic":"My Meeting","type":2,"start_time":"2025-02-19T00:05:27Z","timezone":"UTC","duration":60}}}"#;
    const SIG: &str = "v0=25131d5df1bb726d62fb971f2af4408a6de7c5c362d6d81f13cba9b794317996";

    fn verifier(now_secs: i64) -> WebhookVerifier {
        WebhookVerifier::new("zoom-sim-secret").with_clock(Arc::new(ManualClock::new(
            Timestamp::from_second(now_secs).unwrap(),
        )))
    }

    #[test]
    fn zoom_md_signature_vector() {
        assert_eq!(
            sign(&"zoom-sim-secret".into(), "1739923528", BODY.as_bytes()),
            SIG
        );
        verifier(1739923528)
            .verify(Some("1739923528"), Some(SIG), BODY.as_bytes())
            .unwrap();
    }

    #[test]
    fn rejects_tampering_and_staleness() {
        let v = verifier(1739923528);
        let mut tampered = BODY.as_bytes().to_vec();
        tampered[10] ^= 1;
        assert_eq!(
            v.verify(Some("1739923528"), Some(SIG), &tampered),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            v.verify(Some("1739923528"), Some("v0=zz"), BODY.as_bytes()),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            v.verify(Some("1739923528"), Some(&SIG[3..]), BODY.as_bytes()),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            v.verify(None, Some(SIG), BODY.as_bytes()),
            Err(WebhookError::MissingHeader(TIMESTAMP_HEADER))
        );
        // 5 minutes is fine, 5 minutes and 1 second is not.
        verifier(1739923528 + 300)
            .verify(Some("1739923528"), Some(SIG), BODY.as_bytes())
            .unwrap();
        assert_eq!(
            verifier(1739923528 - 301).verify(Some("1739923528"), Some(SIG), BODY.as_bytes()),
            Err(WebhookError::Stale { skew_secs: 301 })
        );
    }

    #[test]
    fn zoom_md_url_validation_vector() {
        let r = url_validation_response(&"zoom-sim-secret".into(), "qgg8vlvZRS6UYooatFL8Aw");
        assert_eq!(
            r.encrypted_token,
            "4e5793343d91f4ab6d389334aa3ab3850c4bd2a5c09315db1ce8a008dac9e2fa"
        );
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":"4e5793343d91f4ab6d389334aa3ab3850c4bd2a5c09315db1ce8a008dac9e2fa"}"#
        );
        let body = br#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}"#;
        let secret: Secret = "zoom-sim-secret".into();
        let sig = sign(&secret, "1654503850", body);
        let v = WebhookVerifier::new(secret).with_clock(Arc::new(ManualClock::new(
            Timestamp::from_second(1654503850).unwrap(),
        )));
        match v.handle(Some("1654503850"), Some(&sig), body).unwrap() {
            Handled::Respond(resp) => assert_eq!(resp, r),
            Handled::Event(e) => panic!("unexpected {e:?}"),
        }
    }

    #[test]
    fn parses_started_with_string_id() {
        let e = parse_event(BODY.as_bytes()).unwrap();
        assert_eq!(e.event_ts_ms, Some(1739923527000));
        assert_eq!(e.account_id.as_deref(), Some("AAAAAABBBB"));
        match e.kind {
            EventKind::MeetingStarted(m) => {
                assert_eq!(m.id, Some(1234567890));
                assert_eq!(m.topic.as_deref(), Some("My Meeting"));
                assert!(m.start_time.is_some());
            }
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn parses_participant_events() {
        let joined = r#"{"event":"meeting.participant_joined","event_ts":1739923601555,"payload":{"account_id":"q6","object":{"id":"85746065432","uuid":"aDYlohsHRtCd4ii1uC2+hA==","host_id":"30R","topic":"Weekly sync","type":2,"start_time":"2025-02-19T00:05:27Z","timezone":"America/Los_Angeles","duration":60,"participant":{"user_id":"16778240","user_name":"Jill Chill","id":"","participant_uuid":"55555AAAiAAAAAiAiAiiAii","participant_user_id":"","join_time":"2025-02-19T00:06:41Z","email":"","registrant_id":"","customer_key":"stu-42","phone_number":""}}}}"#;
        let e = parse_event(joined.as_bytes()).unwrap();
        let EventKind::ParticipantJoined {
            webinar,
            meeting,
            participant,
        } = &e.kind
        else {
            panic!("{:?}", e.kind)
        };
        assert!(!webinar);
        assert_eq!(meeting.id, Some(85746065432));
        assert_eq!(participant.customer_key.as_deref(), Some("stu-42"));
        assert_eq!(participant.email, None);
        assert_eq!(participant.id, None);
        assert!(participant.join_time.is_some());
        assert_eq!(
            e.dedupe_key(),
            "meeting.participant_joined|1739923601555|aDYlohsHRtCd4ii1uC2+hA==|55555AAAiAAAAAiAiAiiAii"
        );

        let left = r#"{"event":"webinar.participant_left","payload":{"object":{"id":1,"participant":{"user_name":"J","leave_time":"2025-02-19T01:06:10Z","leave_reason":"J left the meeting.<br>Reason: Host ended the meeting."}}}}"#;
        let e = parse_event(left.as_bytes()).unwrap();
        let EventKind::ParticipantLeft {
            webinar,
            participant,
            ..
        } = e.kind
        else {
            panic!()
        };
        assert!(webinar);
        assert!(participant.leave_time.is_some());
        assert_eq!(e.event_ts_ms, None);
    }

    #[test]
    fn parses_deleted_ended_and_recording() {
        let e = parse_event(br#"{"event":"meeting.deleted","event_ts":1,"payload":{"operator":"a@b","object":{"id":92674392836,"uuid":"u"}}}"#).unwrap();
        assert!(matches!(
            e.kind,
            EventKind::MeetingDeleted(MeetingObject {
                id: Some(92674392836),
                ..
            })
        ));
        let e = parse_event(br#"{"event":"meeting.ended","event_ts":1739927180123,"payload":{"object":{"id":"85746065432","end_time":"2025-02-19T01:06:12Z"}}}"#).unwrap();
        let EventKind::MeetingEnded(m) = e.kind else {
            panic!()
        };
        assert!(m.end_time.is_some());
        let e = parse_event(br#"{"event":"recording.completed","event_ts":2,"download_token":"dl-secret","payload":{"object":{"id":5,"uuid":"u==","share_url":"https://x/s","recording_play_passcode":"pw-1","recording_files":[{"id":"f1","file_type":"MP4","download_url":"https://x/d"},"junk"]}}}"#).unwrap();
        let EventKind::RecordingCompleted {
            meeting,
            files,
            download_token,
            share_url,
            play_passcode,
        } = e.kind
        else {
            panic!()
        };
        assert_eq!(meeting.id, Some(5));
        assert_eq!(files.len(), 1);
        assert_eq!(download_token.unwrap().expose(), "dl-secret");
        assert_eq!(share_url.as_deref(), Some("https://x/s"));
        assert_eq!(play_passcode.unwrap().expose(), "pw-1");
        // An empty passcode (the recording has none) is no passcode.
        let e = parse_event(br#"{"event":"recording.completed","payload":{"object":{"id":5,"recording_play_passcode":""}}}"#).unwrap();
        assert!(matches!(
            e.kind,
            EventKind::RecordingCompleted {
                play_passcode: None,
                ..
            }
        ));
        let e =
            parse_event(br#"{"event":"webinar.started","payload":{"object":{"id":"9"}}}"#).unwrap();
        assert!(matches!(e.kind, EventKind::WebinarStarted(_)));
        let e = parse_event(br#"{"event":"webinar.ended","payload":{"object":{"id":9}}}"#).unwrap();
        assert!(matches!(e.kind, EventKind::WebinarEnded(_)));
        let e =
            parse_event(br#"{"event":"webinar.deleted","payload":{"object":{"id":9}}}"#).unwrap();
        assert!(matches!(e.kind, EventKind::WebinarDeleted(_)));
        let e = parse_event(br#"{"event":"meeting.created","payload":{}}"#).unwrap();
        assert!(matches!(e.kind, EventKind::Other { .. }));
        // Same name and timestamp, different bodies: two events, not a retry.
        let other = parse_event(
            br#"{"event":"user.updated","event_ts":1700000000000,"payload":{"account_id":"a","object":{"id":"u2"}}}"#,
        )
        .unwrap();
        let again = parse_event(
            br#"{"event":"user.updated","event_ts":1700000000000,"payload":{"account_id":"a","object":{"id":"u2"}}}"#,
        )
        .unwrap();
        assert_eq!(
            other.dedupe_key(),
            again.dedupe_key(),
            "a retry is the same event"
        );
        let third = parse_event(
            br#"{"event":"user.updated","event_ts":1700000000000,"payload":{"account_id":"a","object":{"id":"u3"}}}"#,
        )
        .unwrap();
        assert_ne!(other.dedupe_key(), third.dedupe_key());
    }

    #[test]
    fn parses_deauthorized_variants() {
        let current = br#"{"event":"app_deauthorized","payload":{"account_id":"q6","user_id":"30R","client_id":"ABC","deauthorization_time":"2025-02-19T13:52:28.632Z","signature":"827e","event_ts":1739973148632}}"#;
        let e = parse_event(current).unwrap();
        assert_eq!(e.event_ts_ms, Some(1739973148632));
        let EventKind::AppDeauthorized {
            user_id,
            deauthorization_time,
            ..
        } = e.kind
        else {
            panic!()
        };
        assert_eq!(user_id.as_deref(), Some("30R"));
        assert!(deauthorization_time.is_some());
        let spec_example = br#"{"event":"app_deauthorized","payload":{"account_id":"AAAAAABBBB","user_id":"abcD3ojfdbjfg","signature":"827edc34","deauthorization_time":"2020-06-17T13:52:28.632Z","client_id":"ABC","event_ts":"2024-09-08 15:58:40"}}"#;
        let e = parse_event(spec_example).unwrap();
        assert_eq!(e.event_ts(), Some("2024-09-08T15:58:40Z".parse().unwrap()));
        let legacy = br#"{"event":"app_deauthorized","payload":{"user_data_retention":"false","account_id":"a","user_id":"u","signature":"s","deauthorization_time":"2019-06-17T13:52:28.632Z","client_id":"c"}}"#;
        let e = parse_event(legacy).unwrap();
        assert_eq!(e.event_ts_ms, None);
        assert!(matches!(e.kind, EventKind::AppDeauthorized { .. }));
    }

    #[test]
    fn malformed_bodies_are_errors_not_panics() {
        for b in [
            &b""[..],
            b"null",
            b"[]",
            b"{}",
            b"{\"event\":5}",
            b"\xff\xfe",
            b"{\"event\":\"endpoint.url_validation\"}",
        ] {
            assert!(parse_event(b).is_err());
        }
        assert!(parse_event(br#"{"event":"meeting.started","payload":[1]}"#).is_ok());
        assert!(parse_event(br#"{"event":"meeting.started","payload":{"object":"x"}}"#).is_ok());
    }
}
