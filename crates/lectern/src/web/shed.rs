//! Load shedding: at most `LECTERN_MAX_IN_FLIGHT` requests are being handled at once; one
//! more waits briefly for a place and is otherwise answered 503 with `Retry-After` at
//! once. Without it an overloaded server accepts everything, every answer gets slower
//! together and memory grows with the queue; with it the requests it accepts keep their
//! latency and the others learn at once to come back.
//!
//! A place is held only until the handler returns its response, not while a body streams
//! (a download, an open live-push stream). Liveness, readiness, metrics, static assets and
//! the webhook receivers (Zoom's and the payment providers': a refused delivery is retried
//! by its sender, but their acknowledgements must stay fast) bypass it.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::Semaphore;

/// How long a request may wait for a place before it is shed.
const QUEUE_WAIT: Duration = Duration::from_millis(100);

#[derive(Clone)]
pub struct Shedder {
    places: Arc<Semaphore>,
    metrics: Arc<crate::ops::metrics::Metrics>,
}

impl Shedder {
    pub fn new(max_in_flight: usize, metrics: Arc<crate::ops::metrics::Metrics>) -> Shedder {
        Shedder {
            places: Arc::new(Semaphore::new(max_in_flight)),
            metrics,
        }
    }
}

fn bypasses(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
        || path.starts_with("/static/")
        || path.starts_with("/webhooks/")
}

pub async fn layer(State(shed): State<Shedder>, req: Request, next: Next) -> Response {
    if bypasses(req.uri().path()) {
        return next.run(req).await;
    }
    let place = match shed.places.clone().try_acquire_owned() {
        Ok(p) => p,
        Err(_) => match tokio::time::timeout(QUEUE_WAIT, shed.places.clone().acquire_owned()).await
        {
            Ok(Ok(p)) => p,
            _ => {
                shed.metrics.shed();
                return overloaded(req.uri().path().starts_with("/api/"));
            }
        },
    };
    let resp = next.run(req).await;
    drop(place);
    resp
}

/// Plain: rendering the school's page would itself cost what is short.
fn overloaded(api: bool) -> Response {
    super::db_guard::plain_503(
        api,
        "overloaded",
        "Busy",
        "The server is busy right now. Please try again in a moment.",
        1,
    )
}
