//! Zoom webhooks (`/webhooks/zoom` and the aliases `/zoom/end_meeting`, `/zoom/end` that
//! older Zoom app set-ups point at):
//! verify the signature over the raw bytes, answer URL validation, persist the event
//! (deduplicated), acknowledge, and process it in a job.

mod process;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::post;
use zoom::webhook::{Handled, WebhookError};

use crate::db::now_ms;
use crate::jobs::{self, NewJob};
use crate::zoom_connection::ZoomDeps;

pub use process::ProcessZoomEvent;

pub fn routes() -> Router<ZoomDeps> {
    Router::new()
        .route("/webhooks/zoom", post(receive))
        .route("/zoom/end_meeting", post(receive))
        .route("/zoom/end", post(receive))
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

async fn receive(State(state): State<ZoomDeps>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(verifier) = state.zoom.as_ref().and_then(|z| z.verifier.as_ref()) else {
        // Without the secret token nothing can be verified, so nothing is accepted.
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "webhooks are not configured",
        )
            .into_response();
    };
    let handled = verifier.handle(
        header(&headers, "x-zm-request-timestamp"),
        header(&headers, "x-zm-signature"),
        &body,
    );
    match handled {
        Ok(Handled::Respond(answer)) => Json(answer).into_response(),
        Ok(Handled::Event(event)) => match persist(&state, &event, &body).await {
            Ok(()) => {
                // A meeting that started or ended should reach open pages now, not at
                // the worker's next poll.
                state.db.jobs_due.notify_one();
                StatusCode::OK.into_response()
            }
            Err(e) => {
                tracing::error!(error = %e, "storing a Zoom webhook failed");
                // 5xx makes Zoom retry later, which is what we want if we could not store it.
                StatusCode::SERVICE_UNAVAILABLE.into_response()
            }
        },
        Err(e) => {
            let status = match e {
                WebhookError::BadSignature
                | WebhookError::MissingHeader(_)
                | WebhookError::BadTimestamp
                | WebhookError::Stale { .. } => StatusCode::UNAUTHORIZED,
                _ => StatusCode::BAD_REQUEST,
            };
            tracing::warn!(error = %e, status = status.as_u16(), "rejected a Zoom webhook");
            status.into_response()
        }
    }
}

/// Stores the event once (Zoom retries deliver the same body) and enqueues its processing
/// in the same transaction.
async fn persist(
    state: &ZoomDeps,
    event: &zoom::webhook::WebhookEvent,
    body: &[u8],
) -> sqlx::Result<()> {
    let mut tx = state.db.pool.begin().await?;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO zoom_events (dedupe_key, event, zoom_account_id, payload, event_ts, received_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
    )
    .bind(event.dedupe_key())
    .bind(&event.event)
    .bind(event.account_id.as_deref())
    .bind(String::from_utf8_lossy(body).into_owned())
    .bind(event.event_ts_ms)
    .bind(now_ms())
    .fetch_optional(&mut *tx)
    .await?;
    // Only a freshly stored event gets its job, so the job needs no dedupe key; one made of
    // the id would be wrong: SQLite gives a new event the id of a deleted one ("Delete all
    // Zoom data"), and its job would be taken for the old event's and never run.
    if let Some(id) = id {
        jobs::enqueue(
            &mut tx,
            NewJob::of(&process::ProcessZoomEvent { event_id: id }),
        )
        .await?;
    }
    tx.commit().await
}
