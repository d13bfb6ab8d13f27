//! Sending requests: timeouts come from the reqwest client; this adds the circuit breaker
//! and bounded retries (which failures, for which calls: [`crate::RetryPolicy`]) and turns
//! non-2xx answers into [`ZoomError`].

use crate::circuit::Outcome;
use crate::client::ZoomClient;
use crate::error::{ErrorKind, Origin, RateLimitScope, ZoomError};
use reqwest::header::HeaderMap;
use std::time::Duration;

/// Whether a request may be sent again after a failure that may have reached Zoom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// GET/DELETE: repeating has the same effect as sending once.
    Idempotent,
    /// POST: repeated only when Zoom surely did nothing (a refused connection, a 429).
    UnsentOnly,
}

/// A retry shorter than this is not worth starting at the end of the budget.
const MIN_TRY: Duration = Duration::from_millis(100);

/// A successful (2xx) response, fully read.
pub(crate) struct Response {
    pub(crate) status: u16,
    #[allow(dead_code)]
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl ZoomClient {
    /// Send the request built by `make` (called once per try) through this handle's
    /// circuit, retrying as [`crate::RetryPolicy`] allows. `label` names the call in logs;
    /// it must not contain secrets.
    pub(crate) async fn execute(
        &self,
        label: &str,
        origin: Origin,
        retry: Retry,
        make: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Response, ZoomError> {
        let policy = &self.inner.config.retry;
        let max = policy.max_attempts.max(1);
        let deadline = tokio::time::Instant::now() + policy.max_elapsed;
        let mut attempt = 1;
        loop {
            let permit = match &self.circuit {
                None => None,
                Some(c) => match c.try_acquire() {
                    Ok(p) => Some(p),
                    Err(refused) => {
                        tracing::debug!(call = label, attempt, "zoom call refused: circuit open");
                        return Err(ZoomError::circuit_open(refused.retry_in, self.now()));
                    }
                },
            };
            let mut req = make();
            if attempt > 1 {
                // A retry gets only what is left of the budget.
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                req = req.timeout(left.min(self.inner.config.request_timeout).max(MIN_TRY));
            }
            let result = self.send_once(origin, req).await;
            if let Some(p) = permit {
                p.record(match &result {
                    Err(e) if e.is_transient() => Outcome::Failed,
                    _ => Outcome::Answered,
                });
            }
            let err = match result {
                Ok(resp) => {
                    tracing::debug!(call = label, status = resp.status, attempt, "zoom call ok");
                    return Ok(resp);
                }
                Err(err) => err,
            };
            let wait = self.retry_delay(&err, retry, attempt);
            tracing::debug!(
                call = label,
                status = err.status(),
                code = err.code(),
                attempt,
                retry_in_ms = wait.map(|w| w.as_millis() as u64),
                "zoom call failed"
            );
            let Some(wait) = wait else { return Err(err) };
            let fits = tokio::time::Instant::now() + wait + MIN_TRY <= deadline;
            if attempt >= max || !fits {
                return Err(err);
            }
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// How long to wait before trying `err`'s call again, or `None` when it must not be.
    fn retry_delay(&self, err: &ZoomError, retry: Retry, attempt: u32) -> Option<Duration> {
        let policy = &self.inner.config.retry;
        let until = |at: jiff::Timestamp| {
            Duration::try_from(at.duration_since(self.now())).unwrap_or(Duration::ZERO)
        };
        match err.kind() {
            // Nothing reached Zoom: any call may be sent again.
            ErrorKind::Transient if err.origin() == Origin::Connect => {
                Some(backoff(policy, attempt))
            }
            ErrorKind::Transient if retry == Retry::Idempotent => {
                // A 503 may say when to come back; never sooner than our own backoff.
                let hinted = err.retry_after().map(until).unwrap_or_default();
                Some(backoff(policy, attempt).max(hinted))
            }
            // Zoom refused without acting; `Retry-After` (default one second) is honoured.
            ErrorKind::RateLimited {
                scope: RateLimitScope::PerSecond,
                retry_at,
            } if policy.retry_rate_limited => {
                let jitter = Duration::from_millis(rand::random_range(0..100));
                Some(until(retry_at) + jitter)
            }
            _ => None,
        }
    }

    async fn send_once(
        &self,
        origin: Origin,
        req: reqwest::RequestBuilder,
    ) -> Result<Response, ZoomError> {
        let resp = req
            .send()
            .await
            .map_err(|e| ZoomError::from_transport(e, self.now()))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .bytes()
            .await
            .map_err(|e| ZoomError::from_transport(e, self.now()))?
            .to_vec();
        if (200..300).contains(&status) {
            return Ok(Response {
                status,
                headers,
                body,
            });
        }
        let now = self.now();
        Err(match origin {
            Origin::TokenEndpoint => ZoomError::from_token_response(status, &headers, &body, now),
            _ => ZoomError::from_api_response(status, &headers, &body, now),
        })
    }

    /// Decode a JSON body, mapping failure to a `Decode` error.
    pub(crate) fn decode<T: serde::de::DeserializeOwned>(
        &self,
        resp: &Response,
    ) -> Result<T, ZoomError> {
        serde_json::from_slice(&resp.body)
            .map_err(|e| ZoomError::decode(resp.status, e, self.now()))
    }
}

/// Exponential backoff with jitter: initial · 2^(attempt−1), ±25 %, capped.
fn backoff(policy: &crate::client::RetryPolicy, attempt: u32) -> Duration {
    let exp = policy
        .initial_backoff
        .saturating_mul(1u32 << (attempt - 1).min(16));
    let capped = exp.min(policy.max_backoff);
    let jitter: f64 = rand::random_range(0.75..1.25);
    capped.mul_f64(jitter)
}
