//! Load shedding: at most `LECTERN_MAX_IN_FLIGHT` requests are being handled at once; one
//! more waits briefly (`LECTERN_QUEUE_WAIT_MS`) for a place and is otherwise answered 503
//! with `Retry-After`. Without it an overloaded server accepts everything, every answer gets slower
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
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Waiters allowed per place. Few places run fastest (on the 2-core machine of
/// `lectern-bench overload`, 16 places served 4,400 course pages a second at p99 15 ms where
/// 64 served 2,950 at p99 108 ms: the rest queued inside the database pool, which costs
/// more than this queue), but a burst of 64 at once, such as a class arriving, must still
/// wait its turn rather than be refused: three waiters a place admit 64 with 16 running,
/// and a place frees every few milliseconds, well inside the queue wait.
const WAITERS_PER_PLACE: usize = 3;

#[derive(Clone)]
pub struct Shedder {
    /// Requests being handled.
    places: Arc<Semaphore>,
    /// Requests admitted: handled or waiting for a place, [`WAITERS_PER_PLACE`] waiting
    /// per place at most. Under a flood (`lectern-bench overload` at 4× capacity) an
    /// unbounded queue held thousands of connections for the whole wait, and the
    /// server's memory and CPU went to requests it was going to refuse anyway; beyond
    /// the cap one is refused at once. A ticket, not a count of waiters: it is given back
    /// with the place when the handler returns, so the next request of the same client
    /// finds it free (a count of waiters lagged behind the hand-over of a place and
    /// refused requests it had room for), and a request dropped mid-wait (its client
    /// gone) gives its ticket back by being dropped.
    admitted: Arc<Semaphore>,
    /// How long one may wait (`LECTERN_QUEUE_WAIT_MS`).
    queue_wait: Duration,
    metrics: Arc<crate::ops::metrics::Metrics>,
}

/// What an admitted request holds until its handler returns; counted in
/// `lectern_requests_in_flight` meanwhile.
struct Admission {
    _place: OwnedSemaphorePermit,
    _ticket: OwnedSemaphorePermit,
    counted: prometheus::IntGauge,
}

impl Drop for Admission {
    fn drop(&mut self) {
        self.counted.dec();
    }
}

impl Shedder {
    pub fn new(
        max_in_flight: usize,
        queue_wait: Duration,
        metrics: Arc<crate::ops::metrics::Metrics>,
    ) -> Shedder {
        let admitted = if queue_wait.is_zero() {
            max_in_flight
        } else {
            (1 + WAITERS_PER_PLACE) * max_in_flight
        };
        Shedder {
            places: Arc::new(Semaphore::new(max_in_flight)),
            admitted: Arc::new(Semaphore::new(admitted)),
            queue_wait,
            metrics,
        }
    }

    /// A place at once, or after waiting up to the queue wait; `None` (refused) at once
    /// when the queue is full.
    async fn admit(&self) -> Option<Admission> {
        let ticket = self.admitted.clone().try_acquire_owned().ok()?;
        let place = match self.places.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => tokio::time::timeout(self.queue_wait, self.places.clone().acquire_owned())
                .await
                .ok()?
                .ok()?,
        };
        let counted = self.metrics.in_flight();
        counted.inc();
        Some(Admission {
            _place: place,
            _ticket: ticket,
            counted,
        })
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
    let Some(admission) = shed.admit().await else {
        shed.metrics.shed();
        return overloaded(req.uri().path().starts_with("/api/"));
    };
    let resp = next.run(req).await;
    drop(admission);
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

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    const WAIT: Duration = Duration::from_millis(100);

    fn shedder(places: usize, wait: Duration) -> Shedder {
        Shedder::new(
            places,
            wait,
            Arc::new(crate::ops::metrics::Metrics::new().expect("metrics")),
        )
    }

    /// With every place taken, three a place may wait; the next is refused on its first
    /// poll (at once, without a timer), and a waiter gets the place freed.
    #[tokio::test]
    async fn waiters_are_capped_and_one_freed_place_is_taken() {
        let shed = shedder(1, WAIT);
        let running = shed.admit().now_or_never().flatten().expect("a free place");
        let mut waiters: Vec<_> = (0..WAITERS_PER_PLACE)
            .map(|_| Box::pin(shed.admit()))
            .collect();
        for w in &mut waiters {
            assert!(w.as_mut().now_or_never().is_none(), "a waiter waits");
        }
        assert!(
            matches!(shed.admit().now_or_never(), Some(None)),
            "one more than the cap is refused on its first poll"
        );
        drop(running);
        let first = waiters.remove(0);
        let next = first.await.expect("the first waiter took the freed place");
        // The other waiters' clients leave; once the handler returns, the same client's
        // next request has the place at once: ticket and place went back together.
        drop(waiters);
        drop(next);
        assert!(
            matches!(shed.admit().now_or_never(), Some(Some(_))),
            "admitted at once: the place was free once the handler returned"
        );
    }

    /// A request whose client goes away while it waits is dropped mid-wait; it must give
    /// its ticket back, or the queue would shrink with every such client.
    #[tokio::test]
    async fn a_waiter_dropped_mid_wait_leaves_the_queue_as_it_was() {
        let shed = shedder(1, WAIT);
        let running = shed.admit().now_or_never().flatten().expect("a free place");
        let tickets = shed.admitted.available_permits();
        assert_eq!(tickets, WAITERS_PER_PLACE);
        for _ in 0..10 * WAITERS_PER_PLACE {
            let mut w = Box::pin(shed.admit());
            assert!(w.as_mut().now_or_never().is_none(), "it waits");
            drop(w);
        }
        assert_eq!(shed.admitted.available_permits(), tickets);
        assert_eq!(
            shed.metrics.in_flight().get(),
            1,
            "only the running one is counted in flight"
        );
        drop(running);
        assert_eq!(shed.metrics.in_flight().get(), 0);
    }

    /// A waiter whose place never frees gives up after the queue wait and leaves the
    /// queue open for the next one.
    #[tokio::test]
    async fn a_waiter_gives_up_after_the_queue_wait() {
        let shed = shedder(1, WAIT);
        let _running = shed.admit().now_or_never().flatten().expect("a free place");
        let t = std::time::Instant::now();
        assert!(shed.admit().await.is_none());
        assert!(t.elapsed() >= WAIT, "gave up early: {:?}", t.elapsed());
        assert_eq!(shed.admitted.available_permits(), WAITERS_PER_PLACE);
    }

    /// With no queue wait configured, nobody waits: a request without a place is
    /// refused on its first poll.
    #[tokio::test]
    async fn no_queue_wait_refuses_at_once() {
        let shed = shedder(1, Duration::ZERO);
        let _running = shed.admit().now_or_never().flatten().expect("a free place");
        assert!(matches!(shed.admit().now_or_never(), Some(None)));
    }

    #[test]
    fn health_metrics_assets_and_webhooks_bypass_the_shedder() {
        for p in [
            "/healthz",
            "/readyz",
            "/metrics",
            "/static/app.css",
            "/webhooks/zoom",
        ] {
            assert!(bypasses(p), "{p}");
        }
        for p in [
            "/",
            "/my/courses",
            "/api/v1/courses",
            "/healthz/x",
            "/webhooksx",
        ] {
            assert!(!bypasses(p), "{p}");
        }
    }
}
