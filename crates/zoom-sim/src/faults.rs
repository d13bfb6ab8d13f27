//! Fault injection per route and the log of received requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::Shared;

/// What to do to a matching request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Wait this long, then handle normally.
    Latency(Duration),
    /// Answer with this status (no action performed).
    Status(u16),
    /// Never answer (no action performed); the client must time out.
    Timeout,
    /// Answer 429 like Zoom's per-second limit (no action performed).
    RateLimited,
    /// Answer 429 like Zoom's per-second limit with `Retry-After: <seconds>` (no action
    /// performed).
    RetryAfter(u64),
    /// Answer 429 like the per-host daily create limit (until 00:00 UTC; no action
    /// performed).
    DailyLimited,
    /// Perform the action, then drop the connection without any response.
    CommitThenDrop,
}

/// A fault rule: applies to requests whose method matches (None = any) and whose path
/// starts with `path_prefix`, `times` times (None = until cleared).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    #[serde(default)]
    pub method: Option<String>,
    pub path_prefix: String,
    pub kind: FaultKind,
    #[serde(default)]
    pub times: Option<u32>,
}

#[derive(Debug, Default)]
pub struct FaultTable {
    rules: Mutex<Vec<Fault>>,
}

impl FaultTable {
    pub fn add(&self, f: Fault) {
        self.rules.lock().push(f);
    }

    pub fn clear(&self) {
        self.rules.lock().clear();
    }

    pub fn list(&self) -> Vec<Fault> {
        self.rules.lock().clone()
    }

    /// Take the first matching fault (consuming one use).
    pub fn take(&self, method: &str, path: &str) -> Option<FaultKind> {
        let mut rules = self.rules.lock();
        let idx = rules.iter().position(|f| {
            f.method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
                && path.starts_with(&f.path_prefix)
        })?;
        let kind = rules[idx].kind.clone();
        if let Some(t) = rules[idx].times.as_mut() {
            *t = t.saturating_sub(1);
            if *t == 0 {
                rules.remove(idx);
            }
        }
        Some(kind)
    }
}

/// One request the simulator received (control-API calls under `/_sim/` are not logged,
/// except the SDK stand-in's calls under `/_sim/sdk/`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Status answered; 0 when the connection was dropped or never answered.
    pub status: u16,
    pub at: jiff::Timestamp,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    entries: Mutex<Vec<RecordedRequest>>,
    /// Requests being handled now: (id, method, path).
    in_flight: Mutex<Vec<(u64, String, String)>>,
    next_id: AtomicU64,
}

/// A request being handled; it leaves the in-flight list when its handling ends, also
/// when it is dropped because the client went away.
struct InFlight<'a> {
    log: &'a RequestLog,
    id: u64,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.log
            .in_flight
            .lock()
            .retain(|(id, _, _)| *id != self.id);
    }
}

impl RequestLog {
    pub fn push(&self, r: RecordedRequest) {
        self.entries.lock().push(r);
    }

    pub fn all(&self) -> Vec<RecordedRequest> {
        self.entries.lock().clone()
    }

    pub fn count(&self, method: &str, path_prefix: &str) -> usize {
        self.entries
            .lock()
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.path.starts_with(path_prefix))
            .count()
    }

    pub fn clear(&self) {
        self.entries.lock().clear();
    }

    /// How many matching requests are being handled now (received, not yet answered, and
    /// not dropped with their connection).
    pub fn in_flight(&self, method: &str, path_prefix: &str) -> usize {
        self.in_flight
            .lock()
            .iter()
            .filter(|(_, m, p)| m.eq_ignore_ascii_case(method) && p.starts_with(path_prefix))
            .count()
    }

    fn begin(&self, method: &str, path: &str) -> InFlight<'_> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.in_flight
            .lock()
            .push((id, method.to_string(), path.to_string()));
        InFlight { log: self, id }
    }
}

/// Inserted into each request's extensions; firing it closes the connection at once.
#[derive(Clone, Debug, Default)]
pub struct KillSwitch(Arc<Notify>);

impl KillSwitch {
    pub fn fire(&self) {
        self.0.notify_one();
    }

    /// Resolves once the switch has been fired.
    pub async fn fired(&self) {
        self.0.notified().await;
    }
}

fn is_control(path: &str) -> bool {
    path.starts_with("/_sim/")
        && !path.starts_with("/_sim/sdk/join")
        && !path.starts_with("/_sim/sdk/leave")
}

/// Middleware: apply faults and record requests.
pub async fn layer(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = req.uri().query().map(str::to_string);
    let control = is_control(&path);
    let kill = req.extensions().get::<KillSwitch>().cloned();
    let at = shared.clock.now();
    let fault = if control {
        None
    } else {
        shared.faults.take(&method, &path)
    };
    let _in_flight = (!control).then(|| shared.log.begin(&method, &path));
    let record = |status: u16| {
        if !control {
            shared.log.push(RecordedRequest {
                method: method.clone(),
                path: path.clone(),
                query: query.clone(),
                status,
                at,
            });
        }
    };
    match fault {
        None => {
            let resp = next.run(req).await;
            record(resp.status().as_u16());
            resp
        }
        Some(FaultKind::Latency(d)) => {
            tokio::time::sleep(d).await;
            let resp = next.run(req).await;
            record(resp.status().as_u16());
            resp
        }
        Some(FaultKind::Status(code)) => {
            record(code);
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = serde_json::json!({"code": code, "message": "Simulated failure."});
            (status, axum::Json(body)).into_response()
        }
        Some(FaultKind::RateLimited) => {
            record(429);
            crate::api::errors::qps_limited("Light", 80)
        }
        Some(FaultKind::RetryAfter(secs)) => {
            record(429);
            let mut e = crate::api::errors::qps_error("Light", 80);
            for (name, value) in &mut e.headers {
                if *name == "retry-after" {
                    *value = secs.to_string();
                }
            }
            e.into_response()
        }
        Some(FaultKind::DailyLimited) => {
            record(429);
            let reset = crate::clock::next_utc_midnight(at);
            crate::api::errors::daily_error(100, reset).into_response()
        }
        Some(FaultKind::Timeout) => {
            record(0);
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Response::new(Body::empty())
        }
        Some(FaultKind::CommitThenDrop) => {
            let _resp = next.run(req).await;
            record(0);
            if let Some(k) = kill {
                k.fire();
            }
            // The connection task drops the socket; never answer.
            std::future::pending::<()>().await;
            Response::new(Body::empty())
        }
    }
}
