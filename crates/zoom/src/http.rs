//! Sending requests: timeouts come from the reqwest client; this adds bounded retries for
//! idempotent calls and turns non-2xx answers into [`ZoomError`].

use crate::client::ZoomClient;
use crate::error::{Origin, ZoomError};
use reqwest::header::HeaderMap;
use std::time::Duration;

/// Whether a request may be sent again after a transient failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// GET/DELETE: repeating has the same effect as sending once.
    Idempotent,
    /// POST: never repeated automatically.
    Never,
}

/// A successful (2xx) response, fully read.
pub(crate) struct Response {
    pub(crate) status: u16,
    #[allow(dead_code)]
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl ZoomClient {
    /// Send the request built by `make` (called once per try), retrying transient failures
    /// when `retry` allows. `label` names the call in logs; it must not contain secrets.
    pub(crate) async fn execute(
        &self,
        label: &str,
        origin: Origin,
        retry: Retry,
        make: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Response, ZoomError> {
        let policy = &self.inner.config.retry;
        let max = match retry {
            Retry::Idempotent => policy.max_attempts.max(1),
            Retry::Never => 1,
        };
        let mut attempt = 1;
        loop {
            let result = self.send_once(origin, make()).await;
            match result {
                Ok(resp) => {
                    tracing::debug!(call = label, status = resp.status, attempt, "zoom call ok");
                    return Ok(resp);
                }
                Err(err) => {
                    let transient = err.is_transient();
                    tracing::debug!(
                        call = label,
                        status = err.status(),
                        code = err.code(),
                        attempt,
                        transient,
                        "zoom call failed"
                    );
                    if !transient || attempt >= max {
                        return Err(err);
                    }
                    tokio::time::sleep(backoff(policy, attempt)).await;
                    attempt += 1;
                }
            }
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
