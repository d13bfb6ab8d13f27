//! Paid courses: a school's Stripe and PayPal accounts (`providers.rs`), orders and the
//! one place a verified payment becomes an enrolment (`orders.rs`), the checkout and the
//! buyer's return (`checkout.rs`), the providers' webhooks, stored before they are
//! acknowledged and processed by a job (`events.rs`), refunds (`refunds.rs`) and the
//! pages (`routes.rs`).
//!
//! Nothing is enrolled on the buyer's word: only a payment read from the provider (our
//! own call with the school's secret key, or a webhook whose signature checks out) whose
//! amount and currency equal the order's.

pub mod checkout;
pub mod coupons;
pub mod events;
pub mod orders;
pub mod providers;
pub mod refunds;
pub mod routes;

use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::courses::CourseHooks;
use crate::db::Db;

pub use events::ProcessPaymentEvent;

/// What the payment pages and jobs work with.
#[derive(Clone)]
pub struct PaymentsState {
    pub db: Db,
    pub config: Arc<Config>,
    /// A new enrolment's consequences (reminders of the course's live sessions).
    pub hooks: Arc<dyn CourseHooks>,
    pub http: reqwest::Client,
    /// PayPal's signing certificates, fetched once per URL.
    pub paypal_verifier: payments::paypal::WebhookVerifier,
}

impl PaymentsState {
    pub fn new(db: Db, config: Arc<Config>, hooks: Arc<dyn CourseHooks>) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .build()?;
        let paypal_verifier = payments::paypal::WebhookVerifier::new(
            http.clone(),
            config.payments.paypal_cert_prefixes.clone(),
        );
        Ok(PaymentsState {
            db,
            config,
            hooks,
            http,
            paypal_verifier,
        })
    }
}

/// A payment provider a school may connect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Stripe,
    PayPal,
}

impl Provider {
    pub const ALL: [Provider; 2] = [Provider::Stripe, Provider::PayPal];

    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Stripe => "stripe",
            Provider::PayPal => "paypal",
        }
    }

    pub fn parse(s: &str) -> Option<Provider> {
        match s {
            "stripe" => Some(Provider::Stripe),
            "paypal" => Some(Provider::PayPal),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Provider::Stripe => "Stripe",
            Provider::PayPal => "PayPal",
        }
    }
}

/// A provider's failure as the admin or buyer reads it (a catalogue key and the
/// provider's own words), never with a secret in it.
pub fn provider_message(
    tr: &crate::i18n::Tr,
    provider: Provider,
    e: &payments::PaymentError,
) -> String {
    let key = match e.kind {
        payments::ErrorKind::Auth => "payment-provider-auth",
        payments::ErrorKind::RateLimited | payments::ErrorKind::Unavailable => {
            "payment-provider-unavailable"
        }
        payments::ErrorKind::Invalid | payments::ErrorKind::Unexpected => {
            "payment-provider-refused"
        }
    };
    tr.ta(
        key,
        &[
            ("provider", provider.label().to_string()),
            ("message", e.message.clone()),
        ],
    )
}
