//! The simulator's state: Stripe sessions, payment intents and charges, PayPal orders and
//! captures, refunds of both, idempotency records, tokens; ids and money helpers.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use rand::Rng as _;
use serde::{Deserialize, Serialize};

/// Stripe test card numbers the hosted page knows.
pub struct Card;

impl Card {
    /// Succeeds at once.
    pub const VISA: &'static str = "4242424242424242";
    /// Succeeds at once.
    pub const MASTERCARD: &'static str = "5555555555554444";
    /// Declined: "Your card was declined."
    pub const DECLINED: &'static str = "4000000000000002";
    /// Declined: "Your card has insufficient funds."
    pub const INSUFFICIENT_FUNDS: &'static str = "4000000000009995";
    /// Simulator's stand-in for a delayed payment method (as SEPA Debit or ACH are in
    /// Checkout): the session completes with `payment_status=unpaid`; settle it with
    /// `complete_async_payment` / `fail_async_payment`.
    pub const ASYNC: &'static str = "4000000000000077";
}

/// A Stripe Checkout Session as the simulator holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimSession {
    pub id: String,
    /// "open" | "complete" | "expired"
    pub status: String,
    /// "unpaid" | "paid"
    pub payment_status: String,
    pub amount_total: i64,
    pub currency: String,
    pub line_items: Vec<LineItem>,
    pub success_url: String,
    pub cancel_url: Option<String>,
    pub client_reference_id: Option<String>,
    pub customer_email: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub payment_intent: Option<String>,
    pub charge: Option<String>,
    pub created: i64,
    pub expires_at: i64,
    pub url: String,
    /// Amount refunded so far (minor units).
    pub amount_refunded: i64,
    /// Paid with the delayed-payment card, not settled yet.
    pub async_pending: bool,
    pub card_last4: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LineItem {
    pub name: String,
    pub unit_amount: i64,
    pub quantity: i64,
}

/// A PayPal order as the simulator holds it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimOrder {
    pub id: String,
    /// "CREATED" | "PAYER_ACTION_REQUIRED" | "APPROVED" | "COMPLETED"
    pub status: String,
    pub intent: String,
    pub currency_code: String,
    /// Decimal string as sent.
    pub value: String,
    pub minor: i64,
    pub reference_id: String,
    pub custom_id: Option<String>,
    pub invoice_id: Option<String>,
    pub description: Option<String>,
    pub return_url: Option<String>,
    pub cancel_url: Option<String>,
    /// The request used `payment_source.paypal.experience_context` (else `application_context`).
    pub experience_context: bool,
    pub payer_id: Option<String>,
    pub capture_id: Option<String>,
    /// "COMPLETED" | "PARTIALLY_REFUNDED" | "REFUNDED"
    pub capture_status: Option<String>,
    pub refunded_minor: i64,
    pub create_time: String,
    pub update_time: String,
    pub capture_time: Option<String>,
}

/// A refund of either vendor.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimRefund {
    pub vendor: crate::Vendor,
    pub id: String,
    /// Stripe: the payment intent; PayPal: the capture id.
    pub payment: String,
    /// Stripe: the session; PayPal: the order.
    pub parent: String,
    pub amount_minor: i64,
    pub currency: String,
    pub status: String,
    pub created: i64,
}

#[derive(Debug, Clone)]
pub struct StripeEndpoint {
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
}

/// A stored result for an idempotent request.
#[derive(Debug, Clone)]
pub struct Stored {
    pub route: String,
    pub params: String,
    pub status: u16,
    pub body: serde_json::Value,
}

pub struct World {
    pub stripe_key: String,
    pub sessions: Vec<SimSession>,
    pub refunds: Vec<SimRefund>,
    pub stripe_events: Vec<serde_json::Value>,
    pub stripe_idempotency: HashMap<String, Stored>,
    pub stripe_webhook: Option<StripeEndpoint>,
    pub paypal_client_id: String,
    pub paypal_client_secret: String,
    /// access token → expiry
    pub paypal_tokens: HashMap<String, Instant>,
    pub orders: Vec<SimOrder>,
    pub paypal_request_ids: HashMap<String, Stored>,
    pub paypal_webhook: Option<(String, String)>,
    pub paypal_events: Vec<serde_json::Value>,
}

impl World {
    pub fn new(stripe_key: &str, client_id: &str, client_secret: &str) -> Self {
        World {
            stripe_key: stripe_key.to_string(),
            sessions: vec![],
            refunds: vec![],
            stripe_events: vec![],
            stripe_idempotency: HashMap::new(),
            stripe_webhook: None,
            paypal_client_id: client_id.to_string(),
            paypal_client_secret: client_secret.to_string(),
            paypal_tokens: HashMap::new(),
            orders: vec![],
            paypal_request_ids: HashMap::new(),
            paypal_webhook: None,
            paypal_events: vec![],
        }
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

fn random_from(set: &[u8], n: usize) -> String {
    let mut r = rand::rng();
    (0..n)
        .map(|_| set[r.random_range(0..set.len())] as char)
        .collect()
}

/// A Stripe-looking id: `prefix` + 24 alphanumerics (`cs_test_` ids are longer).
pub fn stripe_id(prefix: &str) -> String {
    let n = if prefix.starts_with("cs_") { 58 } else { 24 };
    format!("{prefix}{}", random_from(ALNUM, n))
}

/// A PayPal-looking id: `prefix` + `n` upper-case alphanumerics.
pub fn paypal_id(prefix: &str, n: usize) -> String {
    format!("{prefix}{}", random_from(UPPER, n))
}

pub fn random_hex(n: usize) -> String {
    random_from(b"0123456789abcdef", n)
}

pub fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// RFC 3339 UTC, whole seconds, as PayPal writes times.
pub fn rfc3339(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

pub fn now_rfc3339() -> String {
    rfc3339(jiff::Timestamp::now())
}

/// Currencies whose smallest unit is the whole unit (Stripe's zero-decimal list, the part
/// of it PayPal also supports).
pub fn zero_decimal(currency: &str) -> bool {
    matches!(
        currency.to_ascii_lowercase().as_str(),
        "jpy"
            | "huf"
            | "twd"
            | "krw"
            | "clp"
            | "vnd"
            | "xof"
            | "xaf"
            | "bif"
            | "djf"
            | "gnf"
            | "kmf"
            | "mga"
            | "pyg"
            | "rwf"
            | "ugx"
            | "vuv"
            | "xpf"
    )
}

/// Minor units → decimal string for the currency ("10.00", "1000" for JPY).
pub fn minor_to_decimal(minor: i64, currency: &str) -> String {
    if zero_decimal(currency) {
        minor.to_string()
    } else {
        format!("{}.{:02}", minor / 100, minor % 100)
    }
}
