//! Stripe: Checkout Sessions (form-encoded, `Idempotency-Key` on every POST), refunds,
//! and the `Stripe-Signature` check of webhooks.

use crate::{PaymentError, Secret};
use std::collections::BTreeMap;

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
        todo!()
    }

    pub async fn create_checkout_session(
        &self,
        req: &CheckoutRequest<'_>,
        idempotency_key: &str,
    ) -> Result<CheckoutSession, PaymentError> {
        todo!("{req:?}{idempotency_key}")
    }

    pub async fn retrieve_checkout_session(
        &self,
        id: &str,
    ) -> Result<CheckoutSession, PaymentError> {
        todo!("{id}")
    }

    pub async fn expire_checkout_session(&self, id: &str) -> Result<CheckoutSession, PaymentError> {
        todo!("{id}")
    }

    /// A refund of `amount` (all of it when `None`) of a payment intent.
    pub async fn refund(
        &self,
        payment_intent: &str,
        amount: Option<i64>,
        idempotency_key: &str,
    ) -> Result<Refund, PaymentError> {
        todo!("{payment_intent}{amount:?}{idempotency_key}")
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
    todo!("{header}{body:?}{secret}{now_unix}{tolerance_secs}")
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
        todo!()
    }
}
