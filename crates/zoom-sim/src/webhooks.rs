//! Webhook delivery: Zoom's signing, asynchronous delivery, retries (+5, +20, +60 min of
//! simulated time, divided by a compression factor) and endpoint URL validation.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use hmac::{KeyInit as _, Mac as _};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::{Semaphore, mpsc, watch};

use crate::Shared;
use crate::events::Outgoing;

/// Zoom's retry delays after a failed attempt (5xx, timeout, transport error).
pub const RETRY_DELAYS: [Duration; 3] = [
    Duration::from_secs(5 * 60),
    Duration::from_secs(20 * 60),
    Duration::from_secs(60 * 60),
];

/// One delivery attempt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub client_id: String,
    pub url: String,
    pub event: String,
    /// 0 = first attempt, 1..=3 = retries.
    pub attempt: u32,
    /// HTTP status, None on timeout/transport error.
    pub status: Option<u16>,
    pub error: Option<String>,
    /// Simulated time of the attempt.
    pub at: jiff::Timestamp,
    pub body: String,
    pub timestamp: String,
    pub signature: String,
}

#[derive(Debug)]
struct Job {
    out: Outgoing,
    attempt: u32,
    due: jiff::Timestamp,
}

pub struct Hub {
    tx: mpsc::UnboundedSender<Job>,
    rx: Mutex<Option<mpsc::UnboundedReceiver<Job>>>,
    pending: Mutex<Vec<Job>>,
    log: Mutex<Vec<WebhookDelivery>>,
    compression: AtomicU32,
    timeout_ms: AtomicU64,
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
            pending: Mutex::new(vec![]),
            log: Mutex::new(vec![]),
            compression: AtomicU32::new(1),
            timeout_ms: AtomicU64::new(3000),
            client: reqwest::Client::builder()
                .user_agent("Zoom Marketplace/1.0a")
                .pool_max_idle_per_host(128)
                .build()
                .expect("reqwest client"),
        }
    }

    pub fn enqueue(&self, out: Outgoing, now: jiff::Timestamp) {
        let _ = self.tx.send(Job {
            out,
            attempt: 0,
            due: now,
        });
    }

    pub fn set_compression(&self, f: u32) {
        self.compression.store(f, Ordering::Relaxed);
    }

    pub fn set_timeout(&self, t: Duration) {
        self.timeout_ms.store(
            u64::try_from(t.as_millis()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }

    fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms.load(Ordering::Relaxed))
    }

    pub fn deliveries(&self) -> Vec<WebhookDelivery> {
        self.log.lock().clone()
    }

    pub fn clear_log(&self) {
        self.log.lock().clear();
    }

    /// Retries that are due at simulated time `now`.
    fn take_due(&self, now: jiff::Timestamp) -> Vec<Job> {
        let mut p = self.pending.lock();
        let (due, rest): (Vec<Job>, Vec<Job>) = p.drain(..).partition(|j| j.due <= now);
        *p = rest;
        due
    }

    /// Number of retries waiting.
    pub fn pending_retries(&self) -> usize {
        self.pending.lock().len()
    }
}

/// `v0=` + hex HMAC-SHA256(secret, "v0:{ts}:{body}").
pub fn sign(secret: &str, ts: &str, body: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(format!("v0:{ts}:{body}").as_bytes());
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// hex HMAC-SHA256(secret, plainToken) — the CRC answer.
pub fn encrypt_token(secret: &str, plain: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(plain.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

async fn post_signed(
    shared: &Shared,
    url: &str,
    secret: &str,
    body: &str,
) -> (String, String, Result<reqwest::Response, String>) {
    let ts = shared.clock.now_secs().to_string();
    let sig = sign(secret, &ts, body);
    let res = shared
        .hooks
        .client
        .post(url)
        .timeout(shared.hooks.timeout())
        .header("content-type", "application/json; charset=utf-8")
        .header("x-zm-request-timestamp", &ts)
        .header("x-zm-signature", &sig)
        .header("x-zm-request-id", crate::model::zoom_id())
        .header("x-zm-trackingid", "v=2.0;clid=sim;rid=WEBHOOK")
        .body(body.to_string())
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                "timeout".to_string()
            } else {
                format!("transport error: {e}")
            }
        });
    (ts, sig, res)
}

async fn deliver(shared: Arc<Shared>, job: Job) {
    let (ts, sig, res) = post_signed(&shared, &job.out.url, &job.out.secret, &job.out.body).await;
    let (status, error) = match res {
        Ok(r) => {
            let s = r.status().as_u16();
            // Drain the body (bounded by the timeout) so the connection can be reused.
            let _ = tokio::time::timeout(shared.hooks.timeout(), r.bytes()).await;
            (Some(s), None)
        }
        Err(e) => (None, Some(e)),
    };
    let retry = match status {
        Some(s) => s >= 500,
        None => true,
    };
    let now = shared.clock.now();
    shared.hooks.log.lock().push(WebhookDelivery {
        client_id: job.out.client_id.clone(),
        url: job.out.url.clone(),
        event: job.out.event.clone(),
        attempt: job.attempt,
        status,
        error,
        at: now,
        body: job.out.body.clone(),
        timestamp: ts,
        signature: sig,
    });
    if retry && (job.attempt as usize) < RETRY_DELAYS.len() {
        let f = shared.hooks.compression.load(Ordering::Relaxed).max(1);
        let delay = RETRY_DELAYS[job.attempt as usize] / f;
        let due = now
            .checked_add(jiff::SignedDuration::try_from(delay).unwrap_or_default())
            .unwrap_or(jiff::Timestamp::MAX);
        shared.hooks.pending.lock().push(Job {
            out: job.out,
            attempt: job.attempt + 1,
            due,
        });
    }
}

/// The delivery worker: first attempts at once, retries when due (checked every 10 ms).
pub fn spawn_worker(shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let Some(mut rx) = shared.hooks.rx.lock().take() else {
        return;
    };
    let sem = Arc::new(Semaphore::new(128));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            let jobs = tokio::select! {
                j = rx.recv() => match j { Some(j) => vec![j], None => return },
                _ = tick.tick() => shared.hooks.take_due(shared.clock.now()),
                _ = stop.changed() => return,
            };
            for job in jobs {
                let Ok(permit) = sem.clone().acquire_owned().await else {
                    return;
                };
                let s = shared.clone();
                tokio::spawn(async move {
                    deliver(s, job).await;
                    drop(permit);
                });
            }
        }
    });
}

/// Send `endpoint.url_validation` and record whether the endpoint answered correctly.
pub fn spawn_url_validation(shared: Arc<Shared>, client_id: String, url: String, secret: String) {
    tokio::spawn(async move {
        let plain = crate::model::random_token("", 16);
        let body = serde_json::json!({
            "event": "endpoint.url_validation",
            "event_ts": shared.clock.now_ms(),
            "payload": {"plainToken": plain},
        })
        .to_string();
        let (ts, sig, res) = post_signed(&shared, &url, &secret, &body).await;
        let expected = encrypt_token(&secret, &plain);
        let (ok, status, error) = match res {
            Ok(r) => {
                let s = r.status().as_u16();
                let v: serde_json::Value = r.json().await.unwrap_or_default();
                let ok = (s == 200 || s == 204)
                    && v["plainToken"] == plain.as_str()
                    && v["encryptedToken"] == expected.as_str();
                (ok, Some(s), None)
            }
            Err(e) => (false, None, Some(e)),
        };
        if let Some(app) = shared.world.lock().apps.get_mut(&client_id) {
            app.webhook_validated = Some(ok);
        }
        shared.hooks.log.lock().push(WebhookDelivery {
            client_id,
            url,
            event: "endpoint.url_validation".to_string(),
            attempt: 0,
            status,
            error,
            at: shared.clock.now(),
            body,
            timestamp: ts,
            signature: sig,
        });
    });
}
