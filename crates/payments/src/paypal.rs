//! PayPal: OAuth client credentials (token cached until near expiry), Orders v2 (create,
//! get, capture), refunds of captures, and the offline check of a webhook's signature.

use crate::{PaymentError, Secret};

pub const LIVE_API_BASE: &str = "https://api-m.paypal.com";
pub const SANDBOX_API_BASE: &str = "https://api-m.sandbox.paypal.com";

/// Where PayPal's signing certificates may be fetched from. The `PAYPAL-CERT-URL` header
/// is the sender's to choose, so anything else is refused unfetched.
pub const CERT_URL_PREFIXES: &[&str] =
    &["https://api.paypal.com/", "https://api.sandbox.paypal.com/"];

#[derive(Debug, Clone)]
pub struct PayPalClient {
    http: reqwest::Client,
    api_base: String,
    client_id: String,
    secret: Secret,
    token: std::sync::Arc<tokio::sync::Mutex<Option<(Secret, std::time::Instant)>>>,
}

#[derive(Debug, Clone)]
pub struct OrderRequest<'a> {
    pub amount_minor: i64,
    pub currency: &'a str,
    /// Ours (the order id): `purchase_units[0].custom_id` and `reference_id`.
    pub custom_id: &'a str,
    pub description: &'a str,
    pub return_url: &'a str,
    pub cancel_url: &'a str,
}

#[derive(Debug, Clone)]
pub struct Order {
    pub id: String,
    /// `CREATED`, `PAYER_ACTION_REQUIRED`, `APPROVED`, `COMPLETED`, `VOIDED`
    pub status: String,
    /// Where the buyer approves (`payer-action` or `approve` link).
    pub approve_url: Option<String>,
    pub custom_id: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub captures: Vec<Capture>,
}

#[derive(Debug, Clone)]
pub struct Capture {
    pub id: String,
    /// `COMPLETED`, `PENDING`, `DECLINED`, `REFUNDED`, `PARTIALLY_REFUNDED`
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
}

#[derive(Debug, Clone)]
pub struct Refund {
    pub id: String,
    pub status: String,
}

impl PayPalClient {
    pub fn new(
        http: reqwest::Client,
        api_base: &str,
        client_id: &str,
        secret: Secret,
    ) -> PayPalClient {
        PayPalClient {
            http,
            api_base: api_base.trim_end_matches('/').to_string(),
            client_id: client_id.to_string(),
            secret,
            token: Default::default(),
        }
    }

    /// Fetches a token: proves the credentials work.
    pub async fn check_credentials(&self) -> Result<(), PaymentError> {
        todo!()
    }

    /// `POST /v2/checkout/orders` (intent CAPTURE) with `PayPal-Request-Id`.
    pub async fn create_order(
        &self,
        req: &OrderRequest<'_>,
        request_id: &str,
    ) -> Result<Order, PaymentError> {
        todo!("{req:?}{request_id}")
    }

    pub async fn get_order(&self, id: &str) -> Result<Order, PaymentError> {
        todo!("{id}")
    }

    /// Captures an approved order. An order captured already (422 `ORDER_ALREADY_CAPTURED`)
    /// is read back and returned as it is, so a second capture is not an error.
    pub async fn capture_order(&self, id: &str, request_id: &str) -> Result<Order, PaymentError> {
        todo!("{id}{request_id}")
    }

    /// Refunds `amount` (all of it when `None`) of a capture.
    pub async fn refund_capture(
        &self,
        capture_id: &str,
        amount: Option<(i64, &str)>,
        request_id: &str,
    ) -> Result<Refund, PaymentError> {
        todo!("{capture_id}{amount:?}{request_id}")
    }
}

/// The transmission headers of a webhook delivery.
#[derive(Debug, Clone)]
pub struct Transmission<'a> {
    pub id: &'a str,
    pub time: &'a str,
    pub sig: &'a str,
    pub cert_url: &'a str,
    pub auth_algo: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the certificate URL is not one of PayPal's")]
    CertUrlNotAllowed,
    #[error("the certificate could not be fetched or read: {0}")]
    Cert(String),
    #[error("the signature does not match")]
    Mismatch,
    #[error("unsupported algorithm {0}")]
    Algorithm(String),
}

/// Verifies webhook signatures offline: RSA PKCS#1 v1.5 SHA-256 over
/// `"{transmission id}|{time}|{webhook id}|{crc32(body)}"`, with the certificate fetched
/// (once per URL, cached) only from an allowed prefix.
#[derive(Debug, Clone)]
pub struct WebhookVerifier {
    http: reqwest::Client,
    allowed_prefixes: Vec<String>,
    certs: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>>,
}

impl WebhookVerifier {
    /// `allowed_prefixes`: `CERT_URL_PREFIXES`, plus a simulator's base in tests.
    pub fn new(http: reqwest::Client, allowed_prefixes: Vec<String>) -> WebhookVerifier {
        WebhookVerifier {
            http,
            allowed_prefixes,
            certs: Default::default(),
        }
    }

    pub async fn verify(
        &self,
        t: &Transmission<'_>,
        webhook_id: &str,
        body: &[u8],
    ) -> Result<(), VerifyError> {
        todo!("{t:?}{webhook_id}{body:?}")
    }
}

/// The envelope of a PayPal event.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Event {
    pub id: String,
    pub event_type: String,
    pub resource: serde_json::Value,
}

impl Event {
    /// The order an event is about: the resource's `id` for `CHECKOUT.ORDER.*`,
    /// `supplementary_data.related_ids.order_id` for `PAYMENT.CAPTURE.*`.
    pub fn order_id(&self) -> Option<String> {
        todo!()
    }
}
