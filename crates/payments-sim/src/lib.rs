//! payments-sim: strict local simulators of Stripe (Checkout Sessions, refunds, events,
//! signed webhooks, the hosted payment page) and PayPal (OAuth client credentials, Orders
//! v2, captures, refunds, the approval page, RSA-signed webhooks and the verification
//! postback), served in-process on 127.0.0.1.
//!
//! Start it with [`PaymentsSim::start`]; see `CONTRACT.md` and `README.md`.
//!
//! Modules, from the bottom: `model` (the state: sessions, orders, refunds, ids, money),
//! `hooks` (the delivery queue, its controls and the signatures), `stripe` and `paypal`
//! (the vendors' HTTP APIs and hosted pages), `server` (the router). The crate root holds
//! [`Shared`] and the [`PaymentsSim`] handle.

#![recursion_limit = "256"]

pub mod hooks;
pub mod model;
pub mod paypal;
pub mod server;
pub mod stripe;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

pub use hooks::{Delivery, Vendor};
pub use model::{Card, SimOrder, SimRefund, SimSession};

/// Shared state of one simulator instance.
pub struct Shared {
    pub world: Mutex<model::World>,
    pub hooks: hooks::Hub,
    pub base_url: String,
    pub paypal_key: paypal::SigningKey,
}

impl Shared {
    pub fn stripe_api_base(&self) -> String {
        format!("{}/stripe/v1", self.base_url)
    }
    pub fn paypal_api_base(&self) -> String {
        format!("{}/paypal", self.base_url)
    }
}

struct Handle {
    shared: Arc<Shared>,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// A running simulator. Cheap to clone; dropping the last handle (or calling
/// [`PaymentsSim::shutdown`]) stops it.
#[derive(Clone)]
pub struct PaymentsSim {
    h: Arc<Handle>,
}

impl std::fmt::Debug for PaymentsSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PaymentsSim")
            .field("base_url", &self.h.shared.base_url)
            .finish()
    }
}

/// Default Stripe secret key the simulator accepts.
pub const STRIPE_SECRET_KEY: &str = "sk_test_payments_sim_0000000000000000";
/// Default PayPal REST app credentials the simulator accepts.
pub const PAYPAL_CLIENT_ID: &str = "sim-paypal-client-id";
pub const PAYPAL_CLIENT_SECRET: &str = "sim-paypal-client-secret";

impl PaymentsSim {
    /// Bind 127.0.0.1:0 and serve in a tokio task.
    pub async fn start() -> std::io::Result<PaymentsSim> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    pub async fn start_on(addr: SocketAddr) -> std::io::Result<PaymentsSim> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let shared = Arc::new(Shared {
            world: Mutex::new(model::World::new(
                STRIPE_SECRET_KEY,
                PAYPAL_CLIENT_ID,
                PAYPAL_CLIENT_SECRET,
            )),
            hooks: hooks::Hub::new(),
            base_url: format!("http://{local}"),
            paypal_key: paypal::SigningKey::load(),
        });
        let (tx, rx) = tokio::sync::watch::channel(false);
        server::spawn(listener, shared.clone(), rx.clone());
        hooks::spawn_worker(shared.clone(), rx);
        Ok(PaymentsSim {
            h: Arc::new(Handle {
                shared,
                shutdown: tx,
            }),
        })
    }

    /// Access to the internals (for the binary and advanced tests).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.h.shared
    }

    /// Stop serving (all clones stop working).
    pub fn shutdown(&self) {
        let _ = self.h.shutdown.send(true);
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        self.h.shared.base_url.clone()
    }

    /// `http://127.0.0.1:PORT/stripe/v1` — what `https://api.stripe.com/v1` is for Stripe.
    pub fn stripe_api_base(&self) -> String {
        self.h.shared.stripe_api_base()
    }

    /// `http://127.0.0.1:PORT/paypal` — what `https://api-m.sandbox.paypal.com` is for PayPal.
    pub fn paypal_api_base(&self) -> String {
        self.h.shared.paypal_api_base()
    }

    /// The secret key (`sk_test_…`) the Stripe API accepts.
    pub fn stripe_secret_key(&self) -> String {
        self.h.shared.world.lock().stripe_key.clone()
    }

    /// Replace the accepted Stripe secret key (the old one stops working).
    pub fn set_stripe_secret_key(&self, key: &str) {
        self.h.shared.world.lock().stripe_key = key.to_string();
    }

    /// `(client_id, client_secret)` the PayPal token endpoint accepts.
    pub fn paypal_credentials(&self) -> (String, String) {
        let w = self.h.shared.world.lock();
        (w.paypal_client_id.clone(), w.paypal_client_secret.clone())
    }

    /// The URL where the PayPal webhook signing certificate is served (PEM).
    pub fn paypal_cert_url(&self) -> String {
        paypal::cert_url(&self.h.shared)
    }

    /// The PEM of the PayPal webhook signing certificate.
    pub fn paypal_cert_pem(&self) -> &'static str {
        paypal::CERT_PEM
    }

    /// Register (or replace) the Stripe webhook endpoint and its signing secret (`whsec_…`).
    pub fn register_stripe_webhook(&self, url: &str, secret: &str) {
        let mut w = self.h.shared.world.lock();
        w.stripe_webhook = Some(model::StripeEndpoint {
            url: url.to_string(),
            secret: secret.to_string(),
            previous_secret: None,
        });
    }

    /// Roll the Stripe signing secret: the endpoint now signs with `new_secret`, and while
    /// `keep_old` is true every delivery carries a second `v1` signature made with the old
    /// secret (what Stripe does while an old secret is still valid after a roll).
    pub fn roll_stripe_webhook_secret(&self, new_secret: &str, keep_old: bool) {
        let mut w = self.h.shared.world.lock();
        if let Some(e) = w.stripe_webhook.as_mut() {
            let old = std::mem::replace(&mut e.secret, new_secret.to_string());
            e.previous_secret = keep_old.then_some(old);
        }
    }

    /// Register (or replace) the PayPal webhook listener; returns its webhook id (`WH-…`),
    /// which is part of the signed message and what `verify-webhook-signature` takes.
    pub fn register_paypal_webhook(&self, url: &str) -> String {
        let id = model::paypal_id("WH-", 17);
        self.h.shared.world.lock().paypal_webhook = Some((id.clone(), url.to_string()));
        id
    }

    // ---- observation ----

    pub fn sessions(&self) -> Vec<SimSession> {
        self.h.shared.world.lock().sessions.clone()
    }

    pub fn session(&self, id: &str) -> Option<SimSession> {
        self.h
            .shared
            .world
            .lock()
            .sessions
            .iter()
            .find(|s| s.id == id)
            .cloned()
    }

    pub fn orders(&self) -> Vec<SimOrder> {
        self.h.shared.world.lock().orders.clone()
    }

    pub fn order(&self, id: &str) -> Option<SimOrder> {
        self.h
            .shared
            .world
            .lock()
            .orders
            .iter()
            .find(|o| o.id == id)
            .cloned()
    }

    /// Refunds of both vendors, oldest first.
    pub fn refunds(&self) -> Vec<SimRefund> {
        self.h.shared.world.lock().refunds.clone()
    }

    /// Every webhook delivery attempt so far, oldest first.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.h.shared.hooks.deliveries()
    }

    /// Stripe events created so far (JSON as `GET /v1/events/{id}` returns them), oldest first.
    pub fn stripe_events(&self) -> Vec<serde_json::Value> {
        self.h.shared.world.lock().stripe_events.clone()
    }

    /// PayPal webhook events created so far, oldest first.
    pub fn paypal_events(&self) -> Vec<serde_json::Value> {
        self.h.shared.world.lock().paypal_events.clone()
    }

    /// Wait (real time) until `pred` holds for the delivery log, or the timeout passes;
    /// returns the log either way.
    pub async fn wait_for_deliveries(
        &self,
        timeout: Duration,
        pred: impl Fn(&[Delivery]) -> bool,
    ) -> Vec<Delivery> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let d = self.deliveries();
            if pred(&d) || tokio::time::Instant::now() >= deadline {
                return d;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    // ---- webhook controls ----

    /// Hold every new delivery (first attempts) until [`PaymentsSim::resume`].
    pub fn pause_webhooks(&self) {
        self.h.shared.hooks.pause();
    }

    /// Deliver what was held (newest first if [`PaymentsSim::reorder`] was asked) and stop holding.
    pub fn resume(&self) {
        self.h.shared.hooks.resume();
    }

    /// The next event is delivered twice (same event id, same body, two transmissions).
    pub fn duplicate_next(&self) {
        self.h.shared.hooks.duplicate_next();
    }

    /// Deliver out of order: when paused, the held events go out newest first on
    /// [`PaymentsSim::resume`]; when not paused, the next two events go out swapped.
    pub fn reorder(&self) {
        self.h.shared.hooks.reorder();
    }

    /// Sign Stripe deliveries with this secret instead of the endpoint's (a wrong or
    /// rotated secret), until [`PaymentsSim::sign_with_registered`].
    pub fn sign_with(&self, secret: &str) {
        self.h.shared.hooks.set_sign_with(Some(secret.to_string()));
    }

    pub fn sign_with_registered(&self) {
        self.h.shared.hooks.set_sign_with(None);
    }

    /// Deliveries from now on carry a timestamp this much in the past (Stripe's `t=`,
    /// PayPal's transmission time), as a late delivery or a replay would. Zero = on time.
    pub fn deliver_late(&self, by: Duration) {
        self.h.shared.hooks.set_late_by(by);
    }

    /// Retry schedule after a failed attempt (non-2xx, timeout, connection error). Default
    /// 1 s, 2 s, 4 s (the real services back off over hours to days).
    pub fn set_retry_delays(&self, delays: Vec<Duration>) {
        self.h.shared.hooks.set_retry_delays(delays);
    }

    /// Delivery timeout (default 10 s).
    pub fn set_webhook_timeout(&self, t: Duration) {
        self.h.shared.hooks.set_timeout(t);
    }

    // ---- shortcuts for tests that skip the browser ----

    /// Pay a Stripe Checkout Session with a test card number, as the hosted page's Pay
    /// button does. Ok(redirect URL) or Err(the message the page shows).
    pub fn pay(&self, session_id: &str, card: &str) -> Result<String, String> {
        stripe::pay(&self.h.shared, session_id, card)
    }

    /// The delayed payment of a session paid with [`Card::ASYNC`] succeeds now
    /// (`checkout.session.async_payment_succeeded`).
    pub fn complete_async_payment(&self, session_id: &str) -> Result<(), String> {
        stripe::settle_async(&self.h.shared, session_id, true)
    }

    /// The delayed payment fails (`checkout.session.async_payment_failed`).
    pub fn fail_async_payment(&self, session_id: &str) -> Result<(), String> {
        stripe::settle_async(&self.h.shared, session_id, false)
    }

    /// Approve a PayPal order as the buyer would on the approval page. Ok(redirect URL to
    /// the return_url with `token` and `PayerID`, or "" without a return_url).
    pub fn approve(&self, order_id: &str) -> Result<String, String> {
        paypal::approve(&self.h.shared, order_id)
    }

    /// Make every PayPal access token issued so far expire now.
    pub fn expire_paypal_tokens(&self) {
        self.h.shared.world.lock().paypal_tokens.clear();
    }
}
