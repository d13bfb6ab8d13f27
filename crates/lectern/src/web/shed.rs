//! Load shedding: at most `LECTERN_MAX_IN_FLIGHT` requests are being handled at once; one
//! more waits briefly (`LECTERN_QUEUE_WAIT_MS`) for a place and is otherwise answered 503
//! with `Retry-After`. Without it an overloaded server accepts everything, every answer gets slower
//! together and memory grows with the queue; with it the requests it accepts keep their
//! latency and the others learn at once to come back.
//!
//! The queue tells a burst from a flood by how long it has stood: a class arriving queues
//! for a few milliseconds and drains, and may queue seven a place; a queue that has not
//! emptied for 100 ms is a flood, and three a place is all it keeps.
//!
//! A place is held only until the handler returns its response, not while a body streams
//! (a download, an open live-push stream). Liveness, readiness, metrics, static assets and
//! the webhook receivers (Zoom's and the payment providers': a refused delivery is retried
//! by its sender, but their acknowledgements must stay fast) bypass it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Waiters allowed per place under a flood. Few places run fastest (on the 2-core machine
/// of `lectern-bench overload`, 16 places served 4,400 course pages a second at p99 15 ms
/// where 64 served 2,950 at p99 108 ms: the rest queued inside the database pool, which
/// costs more than this queue), and a short queue is what keeps the latency of the
/// requests a flood leaves admitted: three waiters a place admit 64 with 16 running.
const WAITERS_PER_PLACE: usize = 3;

/// Waiters allowed per place in a burst: a class arriving at 1,666 a second meets a stall
/// of some 40 ms (a checkpoint, a slow statement) and queues more than 64 at once, which
/// a flood's cap refused (43 joins of a 50,000-student class on PostgreSQL); a place
/// frees every few milliseconds, so they are served well inside the queue wait.
const BURST_WAITERS_PER_PLACE: usize = 7;

/// A queue that has not once been empty for this long is a flood, not a burst (CoDel's
/// interval: a standing queue, unlike a burst's, does not drain within it); from then on
/// only [`WAITERS_PER_PLACE`] may wait, until a request finds a place free again.
const FLOOD_AFTER: Duration = Duration::from_millis(100);

#[derive(Clone)]
pub struct Shedder {
    /// Requests being handled.
    places: Arc<Semaphore>,
    /// Requests admitted: handled or waiting for a place, [`BURST_WAITERS_PER_PLACE`]
    /// waiting per place at most (and [`WAITERS_PER_PLACE`] under a flood). Under a
    /// flood (`lectern-bench overload` at 4× capacity) an unbounded queue held thousands
    /// of connections for the whole wait, and the server's memory and CPU went to
    /// requests it was going to refuse anyway; beyond the cap one is refused at once. A
    /// ticket, not a count of waiters: it is given back with the place when the handler
    /// returns, so the next request of the same client finds it free (a count of waiters
    /// lagged behind the hand-over of a place and refused requests it had room for), and
    /// a request dropped mid-wait (its client gone) gives its ticket back by being dropped.
    admitted: Arc<Semaphore>,
    /// Tickets in all ([`BURST_WAITERS_PER_PLACE`]), and what a flood may hold of them.
    burst_cap: usize,
    flood_cap: usize,
    /// When a request last found a place free at once (the queue was empty), in
    /// milliseconds since `epoch`.
    last_empty_ms: Arc<AtomicU64>,
    epoch: Instant,
    /// [`FLOOD_AFTER`]; the tests shorten it.
    flood_after: Duration,
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
        let (burst_cap, flood_cap) = if queue_wait.is_zero() {
            (max_in_flight, max_in_flight)
        } else {
            (
                (1 + BURST_WAITERS_PER_PLACE) * max_in_flight,
                (1 + WAITERS_PER_PLACE) * max_in_flight,
            )
        };
        Shedder {
            places: Arc::new(Semaphore::new(max_in_flight)),
            admitted: Arc::new(Semaphore::new(burst_cap)),
            burst_cap,
            flood_cap,
            last_empty_ms: Arc::new(AtomicU64::new(0)),
            epoch: Instant::now(),
            flood_after: FLOOD_AFTER,
            queue_wait,
            metrics,
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The queue has stood, never empty, for [`FLOOD_AFTER`] or longer.
    fn flooded(&self) -> bool {
        let since = self.last_empty_ms.load(Ordering::Relaxed);
        u128::from(self.now_ms().saturating_sub(since)) >= self.flood_after.as_millis()
    }

    /// A place at once, or after waiting up to the queue wait; `None` (refused) at once
    /// when the queue is full: at the burst's length, or at the flood's once the queue
    /// has stood for [`FLOOD_AFTER`].
    async fn admit(&self) -> Option<Admission> {
        let ticket = self.admitted.clone().try_acquire_owned().ok()?;
        let place = match self.places.clone().try_acquire_owned() {
            Ok(p) => {
                // Written at most once a millisecond: every request of every core comes
                // through here, and a store each time would bounce the line between cores.
                let now = self.now_ms();
                if self.last_empty_ms.load(Ordering::Relaxed) != now {
                    self.last_empty_ms.store(now, Ordering::Relaxed);
                }
                p
            }
            Err(_) => {
                let held = self.burst_cap - self.admitted.available_permits();
                if held > self.flood_cap && self.flooded() {
                    return None;
                }
                tokio::time::timeout(self.queue_wait, self.places.clone().acquire_owned())
                    .await
                    .ok()?
                    .ok()?
            }
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

    /// With every place taken just now (a burst), seven a place may wait; the next is
    /// refused on its first poll (at once, without a timer), and a waiter gets the place
    /// freed.
    #[tokio::test]
    async fn waiters_are_capped_and_one_freed_place_is_taken() {
        let mut shed = shedder(1, WAIT);
        shed.flood_after = Duration::from_secs(3600);
        let running = shed.admit().now_or_never().flatten().expect("a free place");
        let mut waiters: Vec<_> = (0..BURST_WAITERS_PER_PLACE)
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

    /// A queue that has stood for the flood's interval keeps only three a place: those
    /// already waiting stay, one more is refused; once a request finds a place free
    /// again, the queue may grow to the burst's length again.
    #[tokio::test]
    async fn a_standing_queue_is_a_flood_and_keeps_three_a_place() {
        let mut shed = shedder(1, Duration::from_secs(60));
        shed.flood_after = Duration::from_millis(200);
        let running = shed.admit().now_or_never().flatten().expect("a free place");
        let mut waiters: Vec<_> = (0..WAITERS_PER_PLACE)
            .map(|_| Box::pin(shed.admit()))
            .collect();
        for w in &mut waiters {
            assert!(w.as_mut().now_or_never().is_none(), "a waiter waits");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(
            matches!(shed.admit().now_or_never(), Some(None)),
            "the queue stood for the interval: a fourth waiter is refused"
        );
        for w in &mut waiters {
            assert!(
                w.as_mut().now_or_never().is_none(),
                "the three waiting still wait"
            );
        }
        // The queue drains: the place passes down the waiters, then is free at once.
        drop(running);
        for w in waiters {
            drop(w.await.expect("each waiter gets the place in turn"));
        }
        let running = shed.admit().now_or_never().flatten().expect("free at once");
        let mut burst: Vec<_> = (0..BURST_WAITERS_PER_PLACE)
            .map(|_| Box::pin(shed.admit()))
            .collect();
        for w in &mut burst {
            assert!(
                w.as_mut().now_or_never().is_none(),
                "after the flood, a burst may queue seven again"
            );
        }
        assert!(matches!(shed.admit().now_or_never(), Some(None)));
        drop(running);
    }

    /// A request whose client goes away while it waits is dropped mid-wait; it must give
    /// its ticket back, or the queue would shrink with every such client.
    #[tokio::test]
    async fn a_waiter_dropped_mid_wait_leaves_the_queue_as_it_was() {
        let shed = shedder(1, WAIT);
        let running = shed.admit().now_or_never().flatten().expect("a free place");
        let tickets = shed.admitted.available_permits();
        assert_eq!(tickets, BURST_WAITERS_PER_PLACE);
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
        assert_eq!(shed.admitted.available_permits(), BURST_WAITERS_PER_PLACE);
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
