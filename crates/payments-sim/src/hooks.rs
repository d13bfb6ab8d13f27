//! Webhook delivery for both vendors: one ordered queue, signatures made at each attempt
//! (Stripe: HMAC-SHA256 `Stripe-Signature`; PayPal: RSA-SHA256 transmission signature),
//! retries with backoff, and the test controls (pause/resume, duplicate, reorder, sign with
//! another secret, deliver late).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hmac::{KeyInit as _, Mac as _};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

use crate::Shared;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Vendor {
    Stripe,
    PayPal,
}

/// An event to deliver (the body is fixed; headers are made per attempt).
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub vendor: Vendor,
    pub event_id: String,
    pub event_type: String,
    pub body: String,
}

/// One delivery attempt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delivery {
    pub vendor: Vendor,
    pub event_id: String,
    pub event_type: String,
    pub url: String,
    /// 0 = first attempt, then retries.
    pub attempt: u32,
    /// HTTP status of the answer; None on timeout or connection error.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub body: String,
    /// Request headers sent (lower-case names).
    pub headers: BTreeMap<String, String>,
    pub at: jiff::Timestamp,
}

impl Delivery {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

#[derive(Debug, Clone)]
struct Job {
    out: Outgoing,
    attempt: u32,
}

struct State {
    paused: bool,
    held: Vec<Job>,
    duplicate_next: u32,
    reorder: bool,
    /// Resume by itself once this many jobs are held (reorder without pause).
    auto_release: Option<usize>,
    sign_with: Option<String>,
    late_by: Duration,
    retry_delays: Vec<Duration>,
    timeout: Duration,
    log: Vec<Delivery>,
}

pub struct Hub {
    tx: mpsc::UnboundedSender<Job>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<Job>>>,
    state: Mutex<State>,
    client: reqwest::Client,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Hub {
            tx,
            rx: Mutex::new(Some(rx)),
            state: Mutex::new(State {
                paused: false,
                held: vec![],
                duplicate_next: 0,
                reorder: false,
                auto_release: None,
                sign_with: None,
                late_by: Duration::ZERO,
                retry_delays: vec![
                    Duration::from_secs(1),
                    Duration::from_secs(2),
                    Duration::from_secs(4),
                ],
                timeout: Duration::from_secs(10),
                log: vec![],
            }),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("reqwest client"),
        }
    }

    /// Queue an event for delivery (applies pause, duplicate and reorder controls).
    pub fn enqueue(&self, out: Outgoing) {
        let mut s = self.state.lock();
        let copies = if s.duplicate_next > 0 {
            s.duplicate_next -= 1;
            2
        } else {
            1
        };
        for _ in 0..copies {
            let job = Job {
                out: out.clone(),
                attempt: 0,
            };
            if s.paused {
                s.held.push(job);
            } else {
                let _ = self.tx.send(job);
            }
        }
        if s.auto_release.is_some_and(|n| s.held.len() >= n) {
            s.auto_release = None;
            self.release(&mut s);
        }
    }

    fn release(&self, s: &mut State) {
        s.paused = false;
        let mut held = std::mem::take(&mut s.held);
        if std::mem::take(&mut s.reorder) {
            held.reverse();
        }
        for j in held {
            let _ = self.tx.send(j);
        }
    }

    pub fn pause(&self) {
        self.state.lock().paused = true;
    }

    pub fn resume(&self) {
        let mut s = self.state.lock();
        s.auto_release = None;
        self.release(&mut s);
    }

    pub fn duplicate_next(&self) {
        self.state.lock().duplicate_next += 1;
    }

    pub fn reorder(&self) {
        let mut s = self.state.lock();
        s.reorder = true;
        if !s.paused {
            s.paused = true;
            s.auto_release = Some(2);
        }
    }

    pub fn set_sign_with(&self, secret: Option<String>) {
        self.state.lock().sign_with = secret;
    }

    pub fn set_late_by(&self, by: Duration) {
        self.state.lock().late_by = by;
    }

    pub fn set_retry_delays(&self, d: Vec<Duration>) {
        self.state.lock().retry_delays = d;
    }

    pub fn set_timeout(&self, t: Duration) {
        self.state.lock().timeout = t;
    }

    pub fn deliveries(&self) -> Vec<Delivery> {
        self.state.lock().log.clone()
    }
}

/// Stripe's signature: hex HMAC-SHA256 keyed with the whole `whsec_…` string over
/// `"{t}.{raw body}"`.
pub fn stripe_signature(secret: &str, t: i64, body: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(format!("{t}.{body}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Headers of one attempt, or None when the vendor has no endpoint registered.
fn prepare(shared: &Shared, out: &Outgoing) -> Option<(String, Vec<(String, String)>)> {
    let (sign_with, late_by) = {
        let s = shared.hooks.state.lock();
        (s.sign_with.clone(), s.late_by)
    };
    let now = jiff::Timestamp::now();
    let at = now
        .checked_sub(jiff::SignedDuration::try_from(late_by).unwrap_or_default())
        .unwrap_or(now);
    let w = shared.world.lock();
    match out.vendor {
        Vendor::Stripe => {
            let ep = w.stripe_webhook.clone()?;
            let t = at.as_second();
            let mut sig = format!(
                "t={t},v1={}",
                stripe_signature(sign_with.as_deref().unwrap_or(&ep.secret), t, &out.body)
            );
            if let Some(old) = ep.previous_secret.as_deref() {
                sig.push_str(&format!(",v1={}", stripe_signature(old, t, &out.body)));
            }
            // Test mode adds a v0 scheme signed with a fake secret; verifiers must ignore it.
            sig.push_str(&format!(
                ",v0={}",
                stripe_signature("whsec_test_v0_scheme", t, &out.body)
            ));
            Some((
                ep.url,
                vec![
                    (
                        "content-type".into(),
                        "application/json; charset=utf-8".into(),
                    ),
                    (
                        "user-agent".into(),
                        "Stripe/1.0 (+https://stripe.com/docs/webhooks)".into(),
                    ),
                    ("stripe-signature".into(), sig),
                ],
            ))
        }
        Vendor::PayPal => {
            let (webhook_id, url) = w.paypal_webhook.clone()?;
            drop(w);
            let transmission_id = crate::paypal::transmission_id();
            let time = crate::model::rfc3339(at);
            let sig = shared.paypal_key.sign_transmission(
                &transmission_id,
                &time,
                &webhook_id,
                &out.body,
            );
            Some((
                url,
                vec![
                    ("content-type".into(), "application/json".into()),
                    ("user-agent".into(), "PayPal/AUHD-214.0-58434486".into()),
                    ("paypal-transmission-id".into(), transmission_id),
                    ("paypal-transmission-time".into(), time),
                    ("paypal-transmission-sig".into(), sig),
                    ("paypal-cert-url".into(), crate::paypal::cert_url(shared)),
                    ("paypal-auth-algo".into(), "SHA256withRSA".into()),
                    ("paypal-auth-version".into(), "v2".into()),
                ],
            ))
        }
    }
}

async fn deliver(shared: &Arc<Shared>, job: Job) {
    let Some((url, headers)) = prepare(shared, &job.out) else {
        return;
    };
    let timeout = shared.hooks.state.lock().timeout;
    let mut req = shared
        .hooks
        .client
        .post(&url)
        .timeout(timeout)
        .body(job.out.body.clone());
    for (k, v) in &headers {
        req = req.header(k, v);
    }
    let (status, error) = match req.send().await {
        Ok(r) => {
            let s = r.status().as_u16();
            let _ = tokio::time::timeout(timeout, r.bytes()).await;
            (Some(s), None)
        }
        Err(e) => (
            None,
            Some(if e.is_timeout() {
                "timeout".to_string()
            } else {
                format!("transport error: {e}")
            }),
        ),
    };
    let ok = status.is_some_and(|s| (200..300).contains(&s));
    let delay = {
        let mut s = shared.hooks.state.lock();
        s.log.push(Delivery {
            vendor: job.out.vendor,
            event_id: job.out.event_id.clone(),
            event_type: job.out.event_type.clone(),
            url,
            attempt: job.attempt,
            status,
            error,
            body: job.out.body.clone(),
            headers: headers.into_iter().collect(),
            at: jiff::Timestamp::now(),
        });
        if ok {
            None
        } else {
            s.retry_delays.get(job.attempt as usize).copied()
        }
    };
    if let Some(d) = delay {
        let tx = shared.hooks.tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(d).await;
            let _ = tx.send(Job {
                out: job.out,
                attempt: job.attempt + 1,
            });
        });
    }
}

/// The delivery worker: one attempt at a time, in queue order.
pub fn spawn_worker(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let Some(mut rx) = shared.hooks.rx.lock().take() else {
        return;
    };
    tokio::spawn(async move {
        loop {
            let job = tokio::select! {
                j = rx.recv() => match j { Some(j) => j, None => return },
                _ = stop.changed() => return,
            };
            deliver(&shared, job).await;
        }
    });
}
