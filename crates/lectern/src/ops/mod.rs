//! Operations endpoints: liveness, readiness and Prometheus metrics.

pub mod maintenance;
pub mod metrics;
pub mod usage;

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::config::Config;
use crate::db::Db;
use metrics::Metrics;

/// What the operations endpoints read.
#[derive(Clone)]
pub struct OpsState {
    pub db: Db,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    pub draining: Draining,
    /// The Zoom client, for its circuit breakers' figures (`None` without Zoom).
    pub zoom: Option<zoom::ZoomClient>,
}

/// Set once this instance is shutting down: `/readyz` answers 503 from then on while
/// requests are still served, so a load balancer stops sending new ones before the
/// listener closes (see `server::Running::drain_and_stop`).
#[derive(Clone, Debug, Default)]
pub struct Draining(Arc<std::sync::atomic::AtomicBool>);

impl Draining {
    pub fn start(&self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    pub fn is_on(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// Process alive; touches nothing else.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Database reachable, answered within a second: at once while the database is known to
/// be down, else after a ping bounded by `PROBE_TIMEOUT` (a proxy's health check with a
/// short timeout sees a clean 503, not a time-out).
pub async fn readyz(State(state): State<OpsState>) -> (StatusCode, &'static str) {
    if state.draining.is_on() {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down");
    }
    if state.db.health.seems_unwritable()
        && !tokio::time::timeout(crate::db::health::PROBE_TIMEOUT, state.db.writable())
            .await
            .unwrap_or(false)
    {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "database cannot be written (disk full or read-only)",
        );
    }
    // First a connection of its own (PostgreSQL): the pool's acquire retries its connects
    // while a restarting server refuses them, so a readiness check made during a fast
    // restart waited it out and said "ready" (seen by the pg_restart test); a fresh
    // connection is refused at once. Then the pool itself, which must be able to serve.
    let ready = async { state.db.probe().await && state.db.ping().await };
    if !state.db.health.is_down()
        && tokio::time::timeout(crate::db::health::PROBE_TIMEOUT, ready)
            .await
            .unwrap_or(false)
    {
        return (StatusCode::OK, "ready");
    }
    if !state.db.health.is_down() {
        // Find out in the background (a fresh connection's probe), so that pages answer
        // 503 at once if it is really down.
        let db = state.db.clone();
        tokio::spawn(async move { db.connection_lost().await });
    }
    (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
}

/// `GET /metrics`: the job counts and open push streams read now, with every counter.
pub async fn metrics_page(State(state): State<OpsState>, req: Request) -> Response {
    if let Some(refused) = metrics::refusal(&state.config, &req) {
        return refused;
    }
    // Unreadable counts keep the last ones (the page still answers).
    let jobs = if state.db.health.is_down() {
        None
    } else {
        tokio::time::timeout(
            crate::db::health::PROBE_TIMEOUT,
            crate::jobs::counts_by_state(&state.db),
        )
        .await
        .ok()
        .and_then(Result::ok)
    };
    match state.metrics.encode(
        jobs.as_deref(),
        state.db.changes.open_streams(),
        state.zoom.as_ref().map(|z| metrics::ZoomCircuits {
            open: z.circuits().open_count(),
            short_circuited: z.circuits().short_circuited_total(),
        }),
        metrics::ViewerCacheStats {
            live: state.db.viewers.is_live(),
            people: state.db.viewers.people(),
            views: state.db.viewers.counts(),
            lessons: state.db.viewers.lesson_counts(),
        },
    ) {
        Some(body) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response(),
        None => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
