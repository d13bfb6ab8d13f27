//! `POST /webhooks/stripe/{school}` and `POST /webhooks/paypal/{school}`: verified with the
//! school's own secrets, stored (deduplicated by the provider's event id) with their
//! processing job in one transaction, then acknowledged; the `payments_event` job reads
//! the payment and settles the order.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde::{Deserialize, Serialize};

use super::{PaymentsState, Provider, checkout, orders, providers};
use crate::db::{SchoolId, now_ms};
use crate::jobs::{self, Job, NewJob};

pub fn routes() -> Router<PaymentsState> {
    Router::new()
        .route("/webhooks/stripe/{school}", post(stripe))
        .route("/webhooks/paypal/{school}", post(paypal))
}

fn header<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn school_of(raw: &str) -> Option<SchoolId> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).map(SchoolId)
}

async fn stripe(
    State(state): State<PaymentsState>,
    Path(school): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let Some(school) = school_of(&school) else {
        return StatusCode::NOT_FOUND;
    };
    let secret = match providers::stripe(&state, school).await {
        Ok(Some(a)) => a.webhook_secret,
        Ok(None) => None,
        Err(e) => {
            tracing::error!(error = %e, "reading a school's Stripe account failed");
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    };
    let Some(secret) = secret else {
        tracing::warn!(
            school = school.0,
            "a Stripe webhook for a school without a signing secret"
        );
        return StatusCode::NOT_FOUND;
    };
    let now = now_ms() / 1000;
    if let Err(e) = payments::stripe::verify_signature(
        header(&headers, "stripe-signature"),
        &body,
        secret.expose(),
        now,
        payments::stripe::TOLERANCE_SECS,
    ) {
        tracing::warn!(school = school.0, error = %e, "rejected a Stripe webhook");
        return StatusCode::BAD_REQUEST;
    }
    let Ok(event) = serde_json::from_slice::<payments::stripe::Event>(&body) else {
        tracing::warn!(
            school = school.0,
            "a signed Stripe webhook that is not an event"
        );
        return StatusCode::BAD_REQUEST;
    };
    store(
        &state,
        school,
        Provider::Stripe,
        &event.id,
        &event.kind,
        &body,
    )
    .await
}

async fn paypal(
    State(state): State<PaymentsState>,
    Path(school): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let Some(school) = school_of(&school) else {
        return StatusCode::NOT_FOUND;
    };
    let account = match providers::paypal(&state, school).await {
        Ok(Some(a)) if !a.webhook_id.is_empty() => a,
        Ok(_) => {
            tracing::warn!(
                school = school.0,
                "a PayPal webhook for a school without a webhook id"
            );
            return StatusCode::NOT_FOUND;
        }
        Err(e) => {
            tracing::error!(error = %e, "reading a school's PayPal account failed");
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    };
    let t = payments::paypal::Transmission {
        id: header(&headers, "paypal-transmission-id"),
        time: header(&headers, "paypal-transmission-time"),
        sig: header(&headers, "paypal-transmission-sig"),
        cert_url: header(&headers, "paypal-cert-url"),
        auth_algo: header(&headers, "paypal-auth-algo"),
    };
    if let Err(e) = state
        .paypal_verifier
        .verify(&t, &account.webhook_id, &body)
        .await
    {
        tracing::warn!(school = school.0, error = %e, "rejected a PayPal webhook");
        return match e {
            // PayPal's certificate host failing is not the sender's fault: ask for a retry.
            payments::paypal::VerifyError::Cert(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        };
    }
    let Ok(event) = serde_json::from_slice::<payments::paypal::Event>(&body) else {
        tracing::warn!(
            school = school.0,
            "a signed PayPal webhook that is not an event"
        );
        return StatusCode::BAD_REQUEST;
    };
    store(
        &state,
        school,
        Provider::PayPal,
        &event.id,
        &event.event_type,
        &body,
    )
    .await
}

async fn store(
    state: &PaymentsState,
    school: SchoolId,
    provider: Provider,
    event_id: &str,
    kind: &str,
    body: &[u8],
) -> StatusCode {
    let stored = async {
        let mut tx = state.db.pool.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO payment_events (school_id, provider, event_id, event_type, body, received_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (school_id, provider, event_id) DO NOTHING RETURNING id",
        )
        .bind(school)
        .bind(provider.as_str())
        .bind(event_id)
        .bind(kind)
        .bind(String::from_utf8_lossy(body).into_owned())
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = id {
            jobs::enqueue(
                &mut tx,
                NewJob::of(&ProcessPaymentEvent { event_id: id }).school(school.0),
            )
            .await?;
        }
        tx.commit().await
    }
    .await;
    match stored {
        Ok(()) => {
            state.db.jobs_due.notify_one();
            StatusCode::OK
        }
        Err(e) => {
            tracing::error!(error = %e, "storing a payment webhook failed");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// Processes one stored payment event.
#[derive(Serialize, Deserialize)]
pub struct ProcessPaymentEvent {
    pub event_id: i64,
}

#[derive(sqlx::FromRow)]
struct Stored {
    school_id: i64,
    provider: String,
    body: String,
    processed_at: Option<i64>,
}

impl Job for ProcessPaymentEvent {
    const KIND: &'static str = "payments_event";
    type Deps = PaymentsState;

    async fn run(self, state: &PaymentsState) -> anyhow::Result<()> {
        let Some(ev) = sqlx::query_as::<_, Stored>(
            "SELECT school_id, provider, body, processed_at FROM payment_events WHERE id = $1",
        )
        .bind(self.event_id)
        .fetch_optional(&state.db.pool)
        .await?
        else {
            return Ok(());
        };
        if ev.processed_at.is_some() {
            return Ok(());
        }
        let school = SchoolId(ev.school_id);
        match Provider::parse(&ev.provider) {
            Some(Provider::Stripe) => stripe_event(state, school, &ev.body).await?,
            Some(Provider::PayPal) => paypal_event(state, school, &ev.body).await?,
            None => {}
        }
        sqlx::query("UPDATE payment_events SET processed_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(self.event_id)
            .execute(&state.db.pool)
            .await?;
        Ok(())
    }
}

async fn stripe_event(state: &PaymentsState, school: SchoolId, body: &str) -> anyhow::Result<()> {
    let event: payments::stripe::Event = serde_json::from_str(body)?;
    let Some(session) = event.checkout_session() else {
        return Ok(());
    };
    let order = match orders::by_provider_ref(&state.db, school, Provider::Stripe, &session.id)
        .await?
    {
        Some(o) => o,
        None => {
            // Not a session this school's Lectern made (another app on the same account).
            tracing::info!(school = school.0, event = %event.kind, "a Stripe event for no order of ours");
            return Ok(());
        }
    };
    match event.kind.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            checkout::stripe_session(state, &order, &session).await?;
        }
        "checkout.session.async_payment_failed" => {
            orders::close_unpaid(&state.db, order.id, "failed", Some("the payment failed")).await?;
        }
        "checkout.session.expired" => {
            orders::close_unpaid(&state.db, order.id, "cancelled", None).await?;
        }
        _ => {}
    }
    Ok(())
}

async fn paypal_event(state: &PaymentsState, school: SchoolId, body: &str) -> anyhow::Result<()> {
    let event: payments::paypal::Event = serde_json::from_str(body)?;
    let Some(order_id) = event.order_id() else {
        return Ok(());
    };
    let Some(order) =
        orders::by_provider_ref(&state.db, school, Provider::PayPal, &order_id).await?
    else {
        tracing::info!(school = school.0, event = %event.event_type, "a PayPal event for no order of ours");
        return Ok(());
    };
    // PayPal's signatures carry no timestamp, so a replayed event proves nothing by itself:
    // the order is read back from PayPal (and captured if approved) before anything is
    // granted.
    checkout::confirm(state, &order).await?;
    Ok(())
}
