//! Stripe: Checkout Sessions (form-encoded, `Idempotency-Key` on every POST), refunds,
//! and the `Stripe-Signature` check of webhooks.

use crate::http::{TIMEOUT, kind_for_status, path_id, scrub, transport, unexpected};
use crate::{PaymentError, Secret};
use hmac::{KeyInit as _, Mac as _};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

const VENDOR: &str = "Stripe";

pub const LIVE_API_BASE: &str = "https://api.stripe.com/v1";

#[derive(Debug, Clone)]
pub struct StripeClient {
    http: reqwest::Client,
    api_base: String,
    secret_key: Secret,
}

/// What a Checkout Session (mode `payment`, one line item) is created with.
#[derive(Debug, Clone)]
pub struct CheckoutRequest<'a> {
    pub amount_minor: i64,
    /// ISO code, any case (sent lowercase).
    pub currency: &'a str,
    pub product_name: &'a str,
    /// May contain `{CHECKOUT_SESSION_ID}`, which Stripe fills in.
    pub success_url: &'a str,
    pub cancel_url: &'a str,
    pub client_reference_id: &'a str,
    pub metadata: &'a [(&'a str, &'a str)],
    pub customer_email: Option<&'a str>,
    /// Unix seconds, 30 min to 24 h ahead; `None` = Stripe's default (24 h).
    pub expires_at: Option<i64>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct CheckoutSession {
    pub id: String,
    /// The hosted page; present while the session is open.
    pub url: Option<String>,
    /// `open`, `complete`, `expired`
    pub status: Option<String>,
    /// `paid`, `unpaid`, `no_payment_required`
    pub payment_status: String,
    pub amount_total: Option<i64>,
    pub currency: Option<String>,
    pub payment_intent: Option<String>,
    pub client_reference_id: Option<String>,
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Refund {
    pub id: String,
    /// `pending`, `succeeded`, `failed`, `canceled`
    pub status: Option<String>,
    pub amount: i64,
    pub currency: String,
}

impl StripeClient {
    /// `api_base` is `LIVE_API_BASE` or a simulator's `…/v1`.
    pub fn new(http: reqwest::Client, api_base: &str, secret_key: Secret) -> StripeClient {
        StripeClient {
            http,
            api_base: api_base.trim_end_matches('/').to_string(),
            secret_key,
        }
    }

    /// `GET /balance`: the cheapest call that proves the key works.
    pub async fn check_credentials(&self) -> Result<(), PaymentError> {
        let _: serde_json::Value = self.send(self.http.get(self.url("/balance"))).await?;
        Ok(())
    }

    pub async fn create_checkout_session(
        &self,
        req: &CheckoutRequest<'_>,
        idempotency_key: &str,
    ) -> Result<CheckoutSession, PaymentError> {
        let mut form: Vec<(String, String)> = vec![
            ("mode".into(), "payment".into()),
            (
                "line_items[0][price_data][currency]".into(),
                req.currency.to_ascii_lowercase(),
            ),
            (
                "line_items[0][price_data][unit_amount]".into(),
                req.amount_minor.to_string(),
            ),
            (
                "line_items[0][price_data][product_data][name]".into(),
                req.product_name.into(),
            ),
            ("line_items[0][quantity]".into(), "1".into()),
            ("success_url".into(), req.success_url.into()),
            ("cancel_url".into(), req.cancel_url.into()),
            ("client_reference_id".into(), req.client_reference_id.into()),
        ];
        for (k, v) in req.metadata {
            form.push((format!("metadata[{k}]"), (*v).into()));
        }
        if let Some(email) = req.customer_email {
            form.push(("customer_email".into(), email.into()));
        }
        if let Some(at) = req.expires_at {
            form.push(("expires_at".into(), at.to_string()));
        }
        self.post("/checkout/sessions", &form, idempotency_key)
            .await
    }

    pub async fn retrieve_checkout_session(
        &self,
        id: &str,
    ) -> Result<CheckoutSession, PaymentError> {
        let id = path_id("checkout session", id)?;
        self.send(self.http.get(self.url(&format!("/checkout/sessions/{id}"))))
            .await
    }

    pub async fn expire_checkout_session(&self, id: &str) -> Result<CheckoutSession, PaymentError> {
        let id = path_id("checkout session", id)?;
        // Derived from the id, so a retried expiry replays the first answer instead of
        // failing on a session the first attempt already expired.
        let key = format!("expire-{id}");
        self.post(&format!("/checkout/sessions/{id}/expire"), &[], &key)
            .await
    }

    /// A refund of `amount` (all of it when `None`) of a payment intent.
    pub async fn refund(
        &self,
        payment_intent: &str,
        amount: Option<i64>,
        idempotency_key: &str,
    ) -> Result<Refund, PaymentError> {
        let mut form = vec![("payment_intent".to_string(), payment_intent.to_string())];
        if let Some(a) = amount {
            form.push(("amount".into(), a.to_string()));
        }
        self.post("/refunds", &form, idempotency_key).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api_base)
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &[(String, String)],
        idempotency_key: &str,
    ) -> Result<T, PaymentError> {
        let rb = self
            .http
            .post(self.url(path))
            .header("Idempotency-Key", idempotency_key)
            .form(form);
        self.send(rb).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        rb: reqwest::RequestBuilder,
    ) -> Result<T, PaymentError> {
        let resp = rb
            .bearer_auth(self.secret_key.expose())
            .timeout(TIMEOUT)
            .send()
            .await
            .map_err(|e| transport(VENDOR, e))?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| transport(VENDOR, e))?;
        if !(200..300).contains(&status) {
            return Err(self.error(status, &body));
        }
        serde_json::from_slice(&body).map_err(|e| unexpected(VENDOR, status, e))
    }

    /// `{"error": {"type", "message", "code"?, "decline_code"?, "param"?}}`
    fn error(&self, status: u16, body: &[u8]) -> PaymentError {
        #[derive(serde::Deserialize)]
        struct Body {
            error: Detail,
        }
        #[derive(serde::Deserialize)]
        struct Detail {
            message: Option<String>,
            #[serde(rename = "type")]
            kind: Option<String>,
            code: Option<String>,
            decline_code: Option<String>,
        }
        let message = match serde_json::from_slice::<Body>(body) {
            Ok(Body { error: d }) => {
                let mut m = d
                    .message
                    .unwrap_or_else(|| format!("Stripe answered {status}"));
                let tags: Vec<String> = [d.kind, d.code, d.decline_code]
                    .into_iter()
                    .flatten()
                    .collect();
                if !tags.is_empty() {
                    m = format!("{m} ({})", tags.join(", "));
                }
                m
            }
            Err(_) => format!("Stripe answered {status}"),
        };
        PaymentError {
            kind: kind_for_status(status),
            status: Some(status),
            message: scrub(message, self.secret_key.expose()),
        }
    }
}

/// Why a webhook's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no Stripe-Signature header, or one without t= and v1=")]
    Malformed,
    #[error("no v1 signature matches")]
    Mismatch,
    #[error("the timestamp is outside the tolerance")]
    Stale,
}

/// Default tolerance between the signed timestamp and now, as Stripe's libraries use.
pub const TOLERANCE_SECS: i64 = 300;

/// Checks `Stripe-Signature: t=…,v1=…[,v1=…]` against HMAC-SHA256(secret, "{t}.{body}"),
/// any v1 matching in constant time, `|now - t| <= tolerance`.
pub fn verify_signature(
    header: &str,
    body: &[u8],
    secret: &str,
    now_unix: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    // Kept as sent: the signed payload holds the header's digits, not a re-formatted number.
    let mut t: Option<(i64, &str)> = None;
    let mut v1: Vec<&str> = vec![];
    for item in header.split(',') {
        let Some((k, v)) = item.trim().split_once('=') else {
            continue;
        };
        match k {
            "t" => {
                let parsed = v.parse::<i64>().map_err(|_| SignatureError::Malformed)?;
                // Two different timestamps: which one was signed is anyone's guess.
                if t.is_some_and(|(old, _)| old != parsed) {
                    return Err(SignatureError::Malformed);
                }
                t = Some((parsed, v));
            }
            "v1" => v1.push(v),
            // v0 and future schemes: Stripe's own libraries ignore them too.
            _ => {}
        }
    }
    let (Some((t, t_raw)), false) = (t, v1.is_empty()) else {
        return Err(SignatureError::Malformed);
    };
    // The signature first, so a forged header says Mismatch however old it claims to be.
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| SignatureError::Mismatch)?;
    mac.update(t_raw.as_bytes());
    mac.update(b".");
    mac.update(body);
    let matched = v1
        .iter()
        .any(|sig| hex::decode(sig).is_ok_and(|bytes| mac.clone().verify_slice(&bytes).is_ok()));
    if !matched {
        return Err(SignatureError::Mismatch);
    }
    let tolerance = u64::try_from(tolerance_secs).unwrap_or(0);
    if now_unix.abs_diff(t) > tolerance {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

/// The envelope of a Stripe event.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created: i64,
    pub data: EventData,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct EventData {
    pub object: serde_json::Value,
}

impl Event {
    /// The checkout session an event `checkout.session.*` is about.
    pub fn checkout_session(&self) -> Option<CheckoutSession> {
        if !self.kind.starts_with("checkout.session.") {
            return None;
        }
        serde_json::from_value(self.data.object.clone()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret_0123456789";
    const BODY: &[u8] = b"{\n  \"id\": \"evt_1\",\n  \"type\": \"checkout.session.completed\"\n}";
    const NOW: i64 = 1_800_000_000;

    /// Written independently of `verify_signature`: hex(HMAC-SHA256(secret, "{t}.{body}")).
    fn sign(secret: &str, t: i64, body: &[u8]) -> String {
        let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        m.update(format!("{t}.").as_bytes());
        m.update(body);
        hex::encode(m.finalize().into_bytes())
    }

    fn check(header: &str, body: &[u8]) -> Result<(), SignatureError> {
        verify_signature(header, body, SECRET, NOW, TOLERANCE_SECS)
    }

    #[test]
    fn valid() {
        let h = format!("t={NOW},v1={}", sign(SECRET, NOW, BODY));
        assert_eq!(check(&h, BODY), Ok(()));
        // As Stripe sends it, with a v0 decoy, and a few seconds of clock skew either way.
        let h = format!(
            "t={},v1={},v0=deadbeef",
            NOW - 10,
            sign(SECRET, NOW - 10, BODY)
        );
        assert_eq!(check(&h, BODY), Ok(()));
        let h = format!("t={},v1={}", NOW + 10, sign(SECRET, NOW + 10, BODY));
        assert_eq!(check(&h, BODY), Ok(()));
    }

    #[test]
    fn rotation_either_v1() {
        let new = sign(SECRET, NOW, BODY);
        let old = sign("whsec_old", NOW, BODY);
        assert_eq!(check(&format!("t={NOW},v1={old},v1={new}"), BODY), Ok(()));
        assert_eq!(check(&format!("t={NOW},v1={new},v1={old}"), BODY), Ok(()));
        assert_eq!(
            check(&format!("t={NOW},v1={old},v1={old}"), BODY),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn wrong_secret_and_tampering() {
        let h = format!("t={NOW},v1={}", sign("whsec_other", NOW, BODY));
        assert_eq!(check(&h, BODY), Err(SignatureError::Mismatch));
        // The key is the whole string, prefix included.
        let h = format!(
            "t={NOW},v1={}",
            sign(SECRET.trim_start_matches("whsec_"), NOW, BODY)
        );
        assert_eq!(check(&h, BODY), Err(SignatureError::Mismatch));
        let h = format!("t={NOW},v1={}", sign(SECRET, NOW, BODY));
        let mut tampered = BODY.to_vec();
        tampered[10] ^= 1;
        assert_eq!(check(&h, &tampered), Err(SignatureError::Mismatch));
        // Re-serialised JSON (whitespace gone) is another body.
        assert_eq!(
            check(&h, br#"{"id":"evt_1","type":"checkout.session.completed"}"#),
            Err(SignatureError::Mismatch)
        );
        // The timestamp is signed: moving it breaks the signature.
        let h2 = format!("t={},v1={}", NOW + 1, sign(SECRET, NOW, BODY));
        assert_eq!(check(&h2, BODY), Err(SignatureError::Mismatch));
        // Only v1 counts: a right signature under v0 is no signature.
        let h3 = format!("t={NOW},v0={}", sign(SECRET, NOW, BODY));
        assert_eq!(check(&h3, BODY), Err(SignatureError::Malformed));
        // Truncated or non-hex v1.
        let full = sign(SECRET, NOW, BODY);
        for v in [&full[..62], "zz", ""] {
            assert_eq!(
                check(&format!("t={NOW},v1={v}"), BODY),
                Err(SignatureError::Mismatch),
                "{v}"
            );
        }
    }

    #[test]
    fn stale_and_future() {
        let old = NOW - TOLERANCE_SECS - 1;
        let h = format!("t={old},v1={}", sign(SECRET, old, BODY));
        assert_eq!(check(&h, BODY), Err(SignatureError::Stale));
        let edge = NOW - TOLERANCE_SECS;
        let h = format!("t={edge},v1={}", sign(SECRET, edge, BODY));
        assert_eq!(check(&h, BODY), Ok(()));
        let future = NOW + TOLERANCE_SECS + 1;
        let h = format!("t={future},v1={}", sign(SECRET, future, BODY));
        assert_eq!(check(&h, BODY), Err(SignatureError::Stale));
        // Forged and stale: never Ok.
        let h = format!("t={old},v1={}", sign("whsec_other", old, BODY));
        assert!(check(&h, BODY).is_err());
        // Extreme timestamps do not overflow.
        for t in [i64::MIN, i64::MAX] {
            let h = format!("t={t},v1={}", sign(SECRET, t, BODY));
            assert_eq!(check(&h, BODY), Err(SignatureError::Stale));
        }
    }

    #[test]
    fn malformed() {
        let sig = sign(SECRET, NOW, BODY);
        for h in [
            String::new(),
            "garbage".into(),
            ",,,".into(),
            format!("v1={sig}"),
            format!("t=,v1={sig}"),
            format!("t=abc,v1={sig}"),
            format!("t=1.5,v1={sig}"),
            format!("t={NOW}"),
            format!("t={NOW},v0={sig}"),
            format!("t={NOW},t={},v1={sig}", NOW + 1),
            "t=99999999999999999999999,v1=00".into(),
        ] {
            assert_eq!(check(&h, BODY), Err(SignatureError::Malformed), "{h:?}");
        }
    }

    #[test]
    fn never_panics() {
        let sig = sign(SECRET, NOW, BODY);
        let pieces = [
            "t=", "v1=", "=", ",", " ", "t=1", "v1=ff", "\u{0}", "é", "t=-1", &sig, "==", "v0=",
        ];
        let mut x: u32 = 12345;
        for _ in 0..5_000 {
            let mut h = String::new();
            for _ in 0..(x % 7) {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                h.push_str(pieces[(x >> 8) as usize % pieces.len()]);
            }
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let _ = verify_signature(&h, BODY, SECRET, NOW, TOLERANCE_SECS);
            let _ = verify_signature(&h, &[], "", i64::MIN, i64::MIN);
        }
    }

    #[test]
    fn event_checkout_session() {
        let ev: Event = serde_json::from_value(serde_json::json!({
            "id": "evt_1", "type": "checkout.session.completed", "created": 1,
            "data": {"object": {"id": "cs_1", "object": "checkout.session", "payment_status": "paid",
                                 "status": "complete", "amount_total": 4900, "currency": "eur",
                                 "payment_intent": "pi_1", "client_reference_id": "o-1",
                                 "metadata": {"k": "v"}, "url": null}}
        }))
        .unwrap();
        let s = ev.checkout_session().unwrap();
        assert_eq!(s.id, "cs_1");
        assert_eq!(s.payment_status, "paid");
        assert_eq!(s.metadata["k"], "v");
        let other: Event = serde_json::from_value(serde_json::json!({
            "id": "evt_2", "type": "charge.refunded", "created": 1,
            "data": {"object": {"id": "ch_1", "object": "charge"}}
        }))
        .unwrap();
        assert!(other.checkout_session().is_none());
    }
}
