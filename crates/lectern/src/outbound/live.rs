//! The endpoint page's delivery log while it is open: `GET /admin/webhooks/{id}/state`
//! answers the log's version (a digest of what the log shows) and how soon to ask again;
//! `static/refresh.js` fetches the page again and swaps the log in when the version
//! changes, so an admin watching a delivery fail and be retried sees both without a
//! reload. Another school's endpoint is a 404, as on every route here.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::Delivery;
use crate::web::context::Ctx;
use crate::web::{AppError, AppResult, CoreState};

/// How soon the page asks again while a delivery is pending, and while none is (an event
/// may come at any moment).
pub const POLL_PENDING_MS: u64 = 2_000;
pub const POLL_IDLE_MS: u64 = 5_000;

/// What the log shows, in a few characters: changes when a delivery is added or moves.
pub fn version(deliveries: &[Delivery]) -> String {
    let mut h = Sha256::new();
    for d in deliveries {
        h.update(
            format!(
                "{}:{}:{}:{:?}:{:?}:{:?};",
                d.id, d.state, d.attempts, d.last_attempt_at, d.next_attempt_at, d.last_status
            )
            .as_bytes(),
        );
    }
    hex::encode(&h.finalize()[..8])
}

/// Milliseconds before the page asks again.
pub fn poll_ms(deliveries: &[Delivery]) -> u64 {
    if deliveries.iter().any(|d| d.state == "pending") {
        POLL_PENDING_MS
    } else {
        POLL_IDLE_MS
    }
}

#[derive(serde::Serialize)]
struct LogState {
    version: String,
    poll_ms: u64,
}

pub async fn state(
    State(state): State<CoreState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let school_id = ctx.require_admin()?.school_id;
    super::by_id(&state.db, school_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let deliveries = super::deliveries(&state.db, school_id, id, super::routes::LOG_LINES).await?;
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        Json(LogState {
            version: version(&deliveries),
            poll_ms: poll_ms(&deliveries),
        }),
    )
        .into_response())
}
