//! Zoom webhooks (`/webhooks/zoom` and the aliases `/zoom/end_meeting`, `/zoom/end` that
//! older Zoom app set-ups point at):
//! verify the signature over the raw bytes, answer URL validation, persist the event
//! (deduplicated, with the deliveries arriving beside it in one transaction: [`batch`]),
//! acknowledge, and process it in a job.

mod batch;
mod process;

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::post;
use futures_util::future::BoxFuture;
use zoom::webhook::{Handled, WebhookError};

use crate::db::{Db, health, now_ms};
use crate::jobs::{self, NewJob};
use crate::zoom_connection::ZoomDeps;

pub use process::ProcessZoomEvent;

/// What the webhook routes work with: Zoom's verifier, and the writer that stores
/// deliveries.
#[derive(Clone)]
pub struct WebhooksState {
    pub zoom: ZoomDeps,
    pub ingest: Ingest,
}

/// Stores verified deliveries, those arriving together in one transaction (see
/// [`batch`]); one per [`crate::app::AppState`], its writer lives as long as it.
#[derive(Clone)]
pub struct Ingest(batch::Batcher<ZoomEvents>);

/// Deliveries written in one transaction at most: a burst's share of one commit, while a
/// transaction stays short.
const MAX_BATCH: usize = 256;

impl Ingest {
    /// Starts the writer on the current Tokio runtime; it uses a connection of `db`'s pool
    /// for each batch, and ends when the last clone of this is dropped.
    pub fn start(db: Db) -> Ingest {
        Ingest(batch::Batcher::start(ZoomEvents { db }, MAX_BATCH))
    }
}

pub fn routes() -> Router<WebhooksState> {
    Router::new()
        .route("/webhooks/zoom", post(receive))
        .route("/zoom/end_meeting", post(receive))
        .route("/zoom/end", post(receive))
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> Option<&'a str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

async fn receive(State(state): State<WebhooksState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(verifier) = state.zoom.zoom.as_ref().and_then(|z| z.verifier.as_ref()) else {
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
        // Acknowledged once the transaction that stored it committed.
        Ok(Handled::Event(event)) => match state.ingest.0.submit(Delivery::of(&event, &body)).await
        {
            Ok(_) => StatusCode::OK.into_response(),
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

/// A verified delivery, as it is stored.
struct Delivery {
    dedupe_key: String,
    event: String,
    account_id: Option<String>,
    payload: String,
    event_ts_ms: Option<i64>,
}

impl Delivery {
    fn of(event: &zoom::webhook::WebhookEvent, body: &[u8]) -> Delivery {
        Delivery {
            dedupe_key: event.dedupe_key(),
            event: event.event.clone(),
            account_id: event.account_id.clone(),
            payload: String::from_utf8_lossy(body).into_owned(),
            event_ts_ms: event.event_ts_ms,
        }
    }
}

/// The [`batch::Store`] of Zoom's deliveries: [`persist`].
struct ZoomEvents {
    db: Db,
}

impl batch::Store for ZoomEvents {
    type Item = Delivery;
    /// Whether the delivery was new (not a retry of a stored one).
    type Output = bool;
    type Error = sqlx::Error;

    fn write<'a>(&'a self, items: &'a [Delivery]) -> BoxFuture<'a, sqlx::Result<Vec<bool>>> {
        Box::pin(async move {
            let fresh = persist(&self.db, items).await?;
            if fresh.contains(&true) {
                // A meeting that started or ended should reach open pages now, not at the
                // worker's next poll.
                self.db.jobs_due.notify_one();
            }
            Ok(fresh)
        })
    }

    /// A statement refused (a value the database cannot store, a constraint) may be one
    /// delivery's fault; no connection, a pool timeout, a full or read-only database or a
    /// lock not had in time would fail each delivery alike.
    fn per_item(error: &sqlx::Error) -> bool {
        matches!(error, sqlx::Error::Database(_))
            && !health::is_connection_loss(error)
            && !health::is_unwritable(error)
            && !health::is_busy(error)
    }
}

/// Stores each event once (Zoom retries deliver the same body, also within one batch) and
/// enqueues the processing of each new one, all in one transaction on a connection of the
/// pool's; whether each was new.
async fn persist(db: &Db, deliveries: &[Delivery]) -> sqlx::Result<Vec<bool>> {
    let mut tx = db.pool.begin().await?;
    // One statement for the batch's events and one for their jobs, not two per delivery:
    // on PostgreSQL each statement is a round trip, and the batch's are one after another.
    let now = now_ms();
    let mut stored: HashMap<String, i64> = HashMap::with_capacity(deliveries.len());
    for chunk in deliveries.chunks(1000) {
        let sql = format!(
            "INSERT INTO zoom_events (dedupe_key, event, zoom_account_id, payload, event_ts, received_at)
             VALUES {} ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key",
            crate::db::values(chunk.len(), "($, $, $, $, $, $)")
        );
        let mut q = sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(sql));
        for d in chunk {
            q = q
                .bind(&d.dedupe_key)
                .bind(&d.event)
                .bind(d.account_id.as_deref())
                .bind(&d.payload)
                .bind(d.event_ts_ms)
                .bind(now);
        }
        stored.extend(
            q.fetch_all(&mut *tx)
                .await?
                .into_iter()
                .map(|(id, k)| (k, id)),
        );
    }
    // Only a freshly stored event gets its job, so the job needs no dedupe key; one made of
    // the id would be wrong: SQLite gives a new event the id of a deleted one ("Delete all
    // Zoom data"), and its job would be taken for the old event's and never run. A retry
    // within the batch (the same key again) is the stored one's, not fresh.
    let mut fresh = Vec::with_capacity(deliveries.len());
    let mut jobs = Vec::with_capacity(stored.len());
    for d in deliveries {
        match stored.remove(&d.dedupe_key) {
            Some(id) => {
                jobs.push(NewJob::of(&process::ProcessZoomEvent { event_id: id }));
                fresh.push(true);
            }
            None => fresh.push(false),
        }
    }
    jobs::enqueue_all(&mut tx, jobs).await?;
    tx.commit().await?;
    Ok(fresh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use batch::Store;

    #[tokio::test]
    async fn a_refused_statement_may_be_one_deliverys_fault_a_lock_not_had_is_everyones() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let db = Db::connect(&url, 2).await.unwrap();
        sqlx::raw_sql("CREATE TABLE t (x INTEGER CHECK (x > 0))")
            .execute(&db.pool)
            .await
            .unwrap();
        let refused = sqlx::query("INSERT INTO t VALUES (0)")
            .execute(&db.pool)
            .await
            .unwrap_err();
        assert!(ZoomEvents::per_item(&refused), "{refused}");

        let mut holder = db.pool.acquire().await.unwrap();
        sqlx::raw_sql("BEGIN IMMEDIATE")
            .execute(&mut *holder)
            .await
            .unwrap();
        let mut other = db.pool.acquire().await.unwrap();
        sqlx::raw_sql("PRAGMA busy_timeout = 0")
            .execute(&mut *other)
            .await
            .unwrap();
        let busy = sqlx::query("INSERT INTO t VALUES (1)")
            .execute(&mut *other)
            .await
            .unwrap_err();
        assert!(health::is_busy(&busy), "{busy}");
        assert!(!ZoomEvents::per_item(&busy));
        assert!(!ZoomEvents::per_item(&sqlx::Error::PoolTimedOut));
        sqlx::raw_sql("ROLLBACK")
            .execute(&mut *holder)
            .await
            .unwrap();
    }
}
