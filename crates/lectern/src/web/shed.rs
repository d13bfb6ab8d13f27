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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::Semaphore;

/// Waiters allowed per place. Few places run fastest (on the 2-core machine of
/// `lectern-bench overload`, 16 places served 4,400 course pages a second at p99 15 ms where
/// 64 served 2,950 at p99 108 ms: the rest queued inside the database pool, which costs
/// more than this queue), but a burst of 64 at once, such as a class arriving, must still
/// wait its turn rather than be refused: three waiters a place admit 64 with 16 running,
/// and a place frees every few milliseconds, well inside the queue wait.
const WAITERS_PER_PLACE: usize = 3;

#[derive(Clone)]
pub struct Shedder {
    places: Arc<Semaphore>,
    /// Requests waiting for a place, at most [`WAITERS_PER_PLACE`] per place: under a
    /// flood (measured with `lectern-bench overload` at 4× capacity) an unbounded queue
    /// held thousands of connections for the whole wait, and the server's memory and CPU
    /// went to requests it was going to refuse anyway; beyond the cap one is refused at
    /// once.
    waiting: Arc<AtomicUsize>,
    max_waiting: usize,
    /// How long one may wait (`LECTERN_QUEUE_WAIT_MS`).
    queue_wait: Duration,
    metrics: Arc<crate::ops::metrics::Metrics>,
}

impl Shedder {
    pub fn new(
        max_in_flight: usize,
        queue_wait: Duration,
        metrics: Arc<crate::ops::metrics::Metrics>,
    ) -> Shedder {
        Shedder {
            places: Arc::new(Semaphore::new(max_in_flight)),
            waiting: Arc::new(AtomicUsize::new(0)),
            max_waiting: WAITERS_PER_PLACE * max_in_flight,
            queue_wait,
            metrics,
        }
    }

    /// Waits up to the queue wait for a place, unless the queue is already full.
    async fn wait_for_place(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        if self.queue_wait.is_zero() {
            return None;
        }
        // Counted out on drop: a waiter whose client goes away is dropped mid-wait, and a
        // count left behind would shrink the queue for good.
        let (_counted, ahead) = Waiting::enter(&self.waiting);
        if ahead >= self.max_waiting {
            return None;
        }
        let got = tokio::time::timeout(self.queue_wait, self.places.clone().acquire_owned()).await;
        got.ok().and_then(Result::ok)
    }
}

/// One request counted among the waiters for as long as it lives.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    /// Counts one more; also returns how many were counted before it.
    fn enter(count: &'a AtomicUsize) -> (Waiting<'a>, usize) {
        let ahead = count.fetch_add(1, Ordering::AcqRel);
        (Waiting(count), ahead)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
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
        Err(_) => match shed.wait_for_place().await {
            Some(p) => p,
            None => {
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

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    const WAIT: Duration = Duration::from_millis(100);

    fn shedder(places: usize) -> Shedder {
        Shedder::new(
            places,
            WAIT,
            Arc::new(crate::ops::metrics::Metrics::new().expect("metrics")),
        )
    }

    /// With every place taken, as many requests may wait as may run; the next is refused
    /// on its first poll (at once, without a timer), and a waiter gets the place freed.
    #[tokio::test]
    async fn waiters_are_capped_at_the_places_and_one_freed_is_taken() {
        let shed = shedder(1);
        let held = shed.places.clone().try_acquire_owned().expect("free place");
        let mut waiters: Vec<_> = (0..WAITERS_PER_PLACE)
            .map(|_| Box::pin(shed.wait_for_place()))
            .collect();
        for w in &mut waiters {
            assert!(w.as_mut().now_or_never().is_none(), "a waiter waits");
        }
        assert_eq!(shed.waiting.load(Ordering::Acquire), WAITERS_PER_PLACE);
        let one_more = shed.wait_for_place().now_or_never();
        assert!(
            matches!(one_more, Some(None)),
            "one more than the cap is refused on its first poll"
        );
        assert_eq!(
            shed.waiting.load(Ordering::Acquire),
            WAITERS_PER_PLACE,
            "the refused one left no count behind"
        );
        drop(held);
        let first = waiters.remove(0);
        assert!(
            first.await.is_some(),
            "the first waiter took the freed place"
        );
        drop(waiters);
        assert_eq!(shed.waiting.load(Ordering::Acquire), 0);
    }

    /// A request whose client goes away while it waits is dropped mid-wait; it must
    /// leave no count behind, or the queue would shrink with every such client.
    #[tokio::test]
    async fn a_waiter_dropped_mid_wait_leaves_the_queue_as_it_was() {
        let shed = shedder(1);
        let _held = shed.places.clone().try_acquire_owned().expect("free place");
        for _ in 0..10 * WAITERS_PER_PLACE {
            let mut w = Box::pin(shed.wait_for_place());
            assert!(w.as_mut().now_or_never().is_none(), "it waits");
            drop(w);
        }
        assert_eq!(shed.waiting.load(Ordering::Acquire), 0);
    }

    /// A waiter whose place never frees gives up after the queue wait and leaves the
    /// queue open for the next one.
    #[tokio::test]
    async fn a_waiter_gives_up_after_the_queue_wait() {
        let shed = shedder(1);
        let _held = shed.places.clone().try_acquire_owned().expect("free place");
        let t = std::time::Instant::now();
        assert!(shed.wait_for_place().await.is_none());
        assert!(t.elapsed() >= WAIT, "gave up early: {:?}", t.elapsed());
        assert_eq!(shed.waiting.load(Ordering::Acquire), 0);
        let mut next = std::pin::pin!(shed.wait_for_place());
        assert!(
            (&mut next).now_or_never().is_none(),
            "the queue has room again"
        );
    }

    /// With no queue wait configured, nobody waits: a request without a place is
    /// refused on its first poll.
    #[tokio::test]
    async fn no_queue_wait_refuses_at_once() {
        let shed = Shedder::new(
            1,
            Duration::ZERO,
            Arc::new(crate::ops::metrics::Metrics::new().expect("metrics")),
        );
        let _held = shed.places.clone().try_acquire_owned().expect("free place");
        assert!(matches!(shed.wait_for_place().now_or_never(), Some(None)));
        assert_eq!(shed.waiting.load(Ordering::Acquire), 0);
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
