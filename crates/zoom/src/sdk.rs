//! Meeting SDK signature: the HS256 JWT the Web Meeting SDK's `join()` takes.
//!
//! Built by hand rather than with `jsonwebtoken` because Zoom's reference signer
//! (meetingsdk-auth-endpoint-sample) emits header `{"alg":"HS256","typ":"JWT"}` and the
//! claims in the order appKey, sdkKey, mn, role, iat, exp, tokenExp[, video_webrtc_mode]
//! as compact JSON; a generic JWT library orders the header differently. Reproducing the
//! exact bytes lets us cross-check against Zoom's sample (`docs/zoom.md`, "Cross-check
//! vectors").

use crate::secret::Secret;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use jiff::Timestamp;

/// Zoom's lower bound for `exp − iat`.
pub const MIN_LIFETIME_SECS: i64 = 1800;
/// Zoom's upper bound for `exp − iat` (48 h).
pub const MAX_LIFETIME_SECS: i64 = 172_800;
/// How far `iat` is backdated to survive clock skew between us and Zoom (our choice): an
/// `iat` in Zoom's future is refused, while Zoom documents no lower bound for it (only
/// `exp − iat` within [30 min, 48 h], and `exp` not passed). Five minutes keeps a server
/// clock up to five minutes fast working, the webhook window's tolerance; the signature
/// then lives `lifetime − 5 min` from now.
pub const IAT_BACKDATE_SECS: i64 = 300;

/// Role in the meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Join as attendee (0).
    Attendee = 0,
    /// Start as host (1); needs the host's ZAK in `join()`.
    Host = 1,
}

/// Claims of a Meeting SDK signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdkClaims {
    /// Meeting number as a string (Zoom's sample passes it through as given).
    pub meeting_number: String,
    /// Role.
    pub role: Role,
    /// Issued-at, epoch seconds.
    pub iat: i64,
    /// Expiry, epoch seconds; `tokenExp` gets the same value.
    pub exp: i64,
    /// `video_webrtc_mode` (web only, 0/1); omitted when `None`.
    pub video_webrtc_mode: Option<u8>,
}

/// Refused claims.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdkError {
    /// `exp − iat` outside [30 min, 48 h]: Zoom would reject the signature.
    #[error("exp - iat = {0} s; Zoom requires 1800..=172800")]
    Lifetime(i64),
    /// Meeting number must be digits.
    #[error("meeting number must be non-empty digits")]
    MeetingNumber,
    /// `video_webrtc_mode` must be 0 or 1.
    #[error("video_webrtc_mode must be 0 or 1")]
    WebRtcMode,
}

impl SdkClaims {
    /// Claims for a signature valid for `lifetime_secs` from (now − 5 min).
    pub fn new(meeting_number: i64, role: Role, now: Timestamp, lifetime_secs: i64) -> Self {
        let iat = now.as_second() - IAT_BACKDATE_SECS;
        Self {
            meeting_number: meeting_number.to_string(),
            role,
            iat,
            exp: iat + lifetime_secs,
            video_webrtc_mode: None,
        }
    }
}

/// Sign with the SDK key (the app's client id) and secret (the client secret).
pub fn sign(sdk_key: &str, sdk_secret: &Secret, claims: &SdkClaims) -> Result<String, SdkError> {
    let life = claims.exp - claims.iat;
    if !(MIN_LIFETIME_SECS..=MAX_LIFETIME_SECS).contains(&life) {
        return Err(SdkError::Lifetime(life));
    }
    if claims.meeting_number.is_empty()
        || !claims.meeting_number.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(SdkError::MeetingNumber);
    }
    if claims.video_webrtc_mode.is_some_and(|m| m > 1) {
        return Err(SdkError::WebRtcMode);
    }
    // serde_json::Value::String gives JSON escaping identical to JSON.stringify for
    // the ASCII keys Zoom issues.
    let key = serde_json::Value::String(sdk_key.to_owned()).to_string();
    let mn = serde_json::Value::String(claims.meeting_number.clone()).to_string();
    let mut payload = format!(
        r#"{{"appKey":{key},"sdkKey":{key},"mn":{mn},"role":{},"iat":{},"exp":{},"tokenExp":{}"#,
        claims.role as u8, claims.iat, claims.exp, claims.exp
    );
    if let Some(m) = claims.video_webrtc_mode {
        payload.push_str(&format!(r#","video_webrtc_mode":{m}"#));
    }
    payload.push('}');
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let signing_input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(payload.as_bytes()));
    let mut mac =
        <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(sdk_secret.expose().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    mac.update(signing_input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    Ok(format!("{signing_input}.{sig}"))
}

impl crate::ZoomClient {
    /// Meeting SDK signature with this app's client id/secret (General apps sign with
    /// them), `iat` = now − 5 min and the given lifetime (Zoom's sample uses 7200 s).
    pub fn sdk_signature(
        &self,
        meeting_number: i64,
        role: Role,
        lifetime_secs: i64,
    ) -> Result<String, SdkError> {
        let c = self.config();
        let claims = SdkClaims::new(meeting_number, role, self.now(), lifetime_secs);
        sign(&c.client_id, &c.client_secret, &claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBLZXkiOiJhYmMxMjMiLCJzZGtLZXkiOiJhYmMxMjMiLCJtbiI6IjEyMzQ1Njc4OSIsInJvbGUiOjAsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDA3MjAwLCJ0b2tlbkV4cCI6MTcwMDAwNzIwMH0.SdrAp8MkgME9uHAXDhiWG7Q41Hd8NsLKVGMvueEoKs8";

    #[test]
    fn zoom_md_vector_is_byte_identical() {
        let claims = SdkClaims {
            meeting_number: "123456789".into(),
            role: Role::Attendee,
            iat: 1_700_000_000,
            exp: 1_700_007_200,
            video_webrtc_mode: None,
        };
        assert_eq!(
            sign("abc123", &"sdk-secret".into(), &claims).unwrap(),
            VECTOR
        );
    }

    #[test]
    fn lifetime_bounds_and_backdating() {
        let now = Timestamp::from_second(1_700_000_000).unwrap();
        let c = SdkClaims::new(85746065432, Role::Host, now, 7200);
        assert_eq!(c.iat, 1_700_000_000 - IAT_BACKDATE_SECS);
        assert_eq!(c.exp - c.iat, 7200);
        let s = sign("k", &"s".into(), &c).unwrap();
        let payload = URL_SAFE_NO_PAD
            .decode(s.split('.').nth(1).unwrap())
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(v["mn"], "85746065432");
        assert_eq!(v["role"], 1);
        assert_eq!(v["tokenExp"], v["exp"]);
        for life in [1799, 172_801, 0, -5] {
            let c = SdkClaims::new(1, Role::Attendee, now, life);
            assert_eq!(sign("k", &"s".into(), &c), Err(SdkError::Lifetime(life)));
        }
        for life in [1800, 172_800] {
            assert!(
                sign(
                    "k",
                    &"s".into(),
                    &SdkClaims::new(1, Role::Attendee, now, life)
                )
                .is_ok()
            );
        }
        let mut c = SdkClaims::new(1, Role::Attendee, now, 3600);
        c.meeting_number = "12a".into();
        assert_eq!(sign("k", &"s".into(), &c), Err(SdkError::MeetingNumber));
        c.meeting_number = "12".into();
        c.video_webrtc_mode = Some(1);
        let s = sign("k", &"s".into(), &c).unwrap();
        let payload = URL_SAFE_NO_PAD
            .decode(s.split('.').nth(1).unwrap())
            .unwrap();
        assert!(
            String::from_utf8(payload)
                .unwrap()
                .ends_with(r#""tokenExp":1700003300,"video_webrtc_mode":1}"#)
        );
    }
}
