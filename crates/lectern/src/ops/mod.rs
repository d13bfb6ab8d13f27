//! Operations endpoints: liveness, readiness and Prometheus metrics.

pub mod metrics;

use axum::extract::State;
use axum::http::StatusCode;

use crate::app::AppState;

/// Process alive; touches nothing else.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Database reachable.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    if state.db.ping().await {
        (StatusCode::OK, "ready")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
    }
}
