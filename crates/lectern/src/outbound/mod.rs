//! Outgoing webhooks: the endpoints a school's admin registers (`outbound_endpoints`),
//! and one delivery per event and endpoint (`outbound_deliveries`), written by [`emit`] in
//! the transaction of the event itself (an outbox: an event that rolls back sends
//! nothing, one that commits is sent) with the job that POSTs it (`deliver.rs`). Where a
//! webhook may go is `guard.rs`; the admin pages are `routes.rs`.
//!
//! This module sits low (it names `accounts`, `schools`, `email` and `jobs` only) so that
//! every capability with an event — `courses`, `live`, `certificates`, `payments` — can
//! call [`emit`] in its own transaction without a hook.

pub mod deliver;
pub mod guard;
pub mod live;
pub mod routes;

use serde::Serialize;
use sqlx::AnyConnection;

use crate::crypto::SecretKey;
use crate::db::{Db, now_ms};

pub use deliver::Deliver;

/// The events a school can subscribe to. The wire names never change once published.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    EnrolmentCreated,
    LessonCompleted,
    CourseCompleted,
    CertificateIssued,
    LiveSessionStarted,
    LiveSessionEnded,
    OrderPaid,
}

impl Event {
    pub const ALL: [Event; 7] = [
        Event::EnrolmentCreated,
        Event::LessonCompleted,
        Event::CourseCompleted,
        Event::CertificateIssued,
        Event::LiveSessionStarted,
        Event::LiveSessionEnded,
        Event::OrderPaid,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::EnrolmentCreated => "enrolment.created",
            Event::LessonCompleted => "lesson.completed",
            Event::CourseCompleted => "course.completed",
            Event::CertificateIssued => "certificate.issued",
            Event::LiveSessionStarted => "live_session.started",
            Event::LiveSessionEnded => "live_session.ended",
            Event::OrderPaid => "order.paid",
        }
    }

    pub fn parse(s: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// The wire names of [`Event::ALL`], for the forms.
pub fn event_names() -> Vec<&'static str> {
    Event::ALL.iter().map(|e| e.as_str()).collect()
}

/// An instant as RFC 3339 (UTC, milliseconds), as every event's data carries them.
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| format!("{t:.3}"))
        .unwrap_or_default()
}

/// Records `event` for every enabled endpoint of the school that subscribed to it, each
/// with its first delivery attempt queued, in the caller's transaction. `key` names what
/// happened, once (e.g. `enrolment.created:{course}:{user}:{enrolled_at}`): the same key
/// again (a retried job, a race) adds nothing.
pub async fn emit(
    conn: &mut AnyConnection,
    school_id: i64,
    event: Event,
    key: &str,
    data: serde_json::Value,
) -> sqlx::Result<()> {
    let endpoints: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, events FROM outbound_endpoints WHERE school_id = $1 AND disabled_at IS NULL",
    )
    .bind(school_id)
    .fetch_all(&mut *conn)
    .await?;
    let wanted: Vec<i64> = endpoints
        .into_iter()
        .filter(|(_, events)| events.split_whitespace().any(|e| e == event.as_str()))
        .map(|(id, _)| id)
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let event_id = format!("evt_{}", hex::encode(rand::random::<[u8; 16]>()));
    let body = serde_json::json!({
        "id": event_id,
        "type": event.as_str(),
        "created_at": rfc3339(now),
        "school_id": school_id,
        "data": data,
    })
    .to_string();
    for endpoint_id in wanted {
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO outbound_deliveries (school_id, endpoint_id, event_key, event_id, event_type, body, state, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7)
             ON CONFLICT (endpoint_id, event_key) DO NOTHING RETURNING id",
        )
        .bind(school_id)
        .bind(endpoint_id)
        .bind(key)
        .bind(&event_id)
        .bind(event.as_str())
        .bind(&body)
        .bind(now)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(id) = id {
            deliver::enqueue(conn, school_id, id, 1, 1, now).await?;
        }
    }
    Ok(())
}

/// An endpoint as its admin sees it (never its secret).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Endpoint {
    pub id: i64,
    pub school_id: i64,
    pub url: String,
    pub events: String,
    pub allow_private: i64,
    pub disabled_at: Option<i64>,
    pub disabled_reason: Option<String>,
    pub consecutive_failures: i64,
    pub created_at: i64,
}

impl Endpoint {
    pub fn event_list(&self) -> Vec<&str> {
        self.events.split_whitespace().collect()
    }
    pub fn wants(&self, event: &str) -> bool {
        self.event_list().contains(&event)
    }
    pub fn enabled(&self) -> bool {
        self.disabled_at.is_none()
    }
    pub fn allows_private(&self) -> bool {
        self.allow_private != 0
    }
}

const ENDPOINT_COLUMNS: &str = "id, school_id, url, events, allow_private, disabled_at, disabled_reason, consecutive_failures, created_at";

/// What the admin's form says, checked: a URL that passes [`guard`] and at least one
/// known event.
#[derive(Debug, Clone)]
pub struct EndpointInput {
    pub url: String,
    pub events: Vec<Event>,
    pub allow_private: bool,
}

/// A form's problems, one per field (Fluent keys).
#[derive(Debug, Default, Clone)]
pub struct InputErrors {
    pub url: Option<&'static str>,
    pub events: Option<&'static str>,
}

impl InputErrors {
    pub fn is_empty(&self) -> bool {
        self.url.is_none() && self.events.is_none()
    }
}

/// Parses the form (`url`, `event` repeated, `allow_private`) and checks the URL's host
/// now, so that a refused address is the admin's form error rather than a delivery's.
pub async fn check_input(
    url: &str,
    events: &[String],
    allow_private: bool,
) -> Result<EndpointInput, InputErrors> {
    let mut errors = InputErrors::default();
    let mut parsed = Vec::new();
    for e in events {
        match Event::parse(e.trim()) {
            Some(ev) if !parsed.contains(&ev) => parsed.push(ev),
            Some(_) => {}
            None => errors.events = Some("outbound-error-event-unknown"),
        }
    }
    if parsed.is_empty() && errors.events.is_none() {
        errors.events = Some("outbound-error-events");
    }
    match guard::parse(url, allow_private) {
        Ok(target) => {
            if let Err(e) = guard::resolve(&target, allow_private).await {
                errors.url = Some(e.key());
            }
        }
        Err(e) => errors.url = Some(e.key()),
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(EndpointInput {
        url: url.trim().to_string(),
        events: parsed,
        allow_private,
    })
}

fn events_text(events: &[Event]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The associated data that binds a sealed secret to its endpoint.
fn aad(endpoint_id: i64) -> String {
    format!("outbound_endpoints:{endpoint_id}:secret")
}

/// A new signing secret: 32 random bytes, with a prefix that says what it is.
fn new_secret() -> String {
    format!("whsec_{}", crate::crypto::random_token())
}

/// Registers an endpoint; returns its id and its secret, which is never shown again.
pub async fn create(
    db: &Db,
    key: &SecretKey,
    school_id: i64,
    input: &EndpointInput,
) -> sqlx::Result<(i64, String)> {
    let now = now_ms();
    let secret = new_secret();
    let mut tx = db.pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO outbound_endpoints (school_id, url, events, allow_private, secret_sealed, key_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, '', $5, $6, $6) RETURNING id",
    )
    .bind(school_id)
    .bind(&input.url)
    .bind(events_text(&input.events))
    .bind(i64::from(input.allow_private))
    .bind(key.key_id())
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    // The row's id is bound into the sealed value, so it is sealed once the id exists.
    sqlx::query("UPDATE outbound_endpoints SET secret_sealed = $1 WHERE id = $2")
        .bind(key.seal(secret.as_bytes(), &aad(id)))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok((id, secret))
}

/// The school's endpoints, oldest first.
pub async fn list(db: &Db, school_id: i64) -> sqlx::Result<Vec<Endpoint>> {
    sqlx::query_as::<_, Endpoint>(sqlx::AssertSqlSafe(format!(
        "SELECT {ENDPOINT_COLUMNS} FROM outbound_endpoints WHERE school_id = $1 ORDER BY id"
    )))
    .bind(school_id)
    .fetch_all(&db.pool)
    .await
}

/// One endpoint of the school; another school's is `None`.
pub async fn by_id(db: &Db, school_id: i64, id: i64) -> sqlx::Result<Option<Endpoint>> {
    sqlx::query_as::<_, Endpoint>(sqlx::AssertSqlSafe(format!(
        "SELECT {ENDPOINT_COLUMNS} FROM outbound_endpoints WHERE school_id = $1 AND id = $2"
    )))
    .bind(school_id)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Changes URL, events and the private-address choice; `false` when not the school's.
pub async fn update(db: &Db, school_id: i64, id: i64, input: &EndpointInput) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE outbound_endpoints SET url = $1, events = $2, allow_private = $3, updated_at = $4
         WHERE school_id = $5 AND id = $6",
    )
    .bind(&input.url)
    .bind(events_text(&input.events))
    .bind(i64::from(input.allow_private))
    .bind(now_ms())
    .bind(school_id)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Disables (by an admin) or enables an endpoint; enabling forgets past failures.
pub async fn set_enabled(db: &Db, school_id: i64, id: i64, enabled: bool) -> sqlx::Result<bool> {
    let now = now_ms();
    let r = if enabled {
        sqlx::query(
            "UPDATE outbound_endpoints SET disabled_at = NULL, disabled_reason = NULL, consecutive_failures = 0, updated_at = $1
             WHERE school_id = $2 AND id = $3",
        )
    } else {
        sqlx::query(
            "UPDATE outbound_endpoints SET disabled_at = COALESCE(disabled_at, $1), disabled_reason = COALESCE(disabled_reason, 'admin'), updated_at = $1
             WHERE school_id = $2 AND id = $3",
        )
    }
    .bind(now)
    .bind(school_id)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A new secret replaces the old one at once; returned to be shown this once.
pub async fn rotate_secret(
    db: &Db,
    key: &SecretKey,
    school_id: i64,
    id: i64,
) -> sqlx::Result<Option<String>> {
    let secret = new_secret();
    let r = sqlx::query(
        "UPDATE outbound_endpoints SET secret_sealed = $1, key_id = $2, updated_at = $3 WHERE school_id = $4 AND id = $5",
    )
    .bind(key.seal(secret.as_bytes(), &aad(id)))
    .bind(key.key_id())
    .bind(now_ms())
    .bind(school_id)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok((r.rows_affected() == 1).then_some(secret))
}

/// Deletes an endpoint with its delivery log; queued attempts find it gone.
pub async fn delete(db: &Db, school_id: i64, id: i64) -> sqlx::Result<bool> {
    let mut tx = db.pool.begin().await?;
    let r = sqlx::query("DELETE FROM outbound_endpoints WHERE school_id = $1 AND id = $2")
        .bind(school_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    // SQLite enforces the cascade only with foreign keys on; say it for both.
    sqlx::query("DELETE FROM outbound_deliveries WHERE school_id = $1 AND endpoint_id = $2")
        .bind(school_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(r.rows_affected() == 1)
}

/// A line of an endpoint's delivery log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub event_id: String,
    pub event_type: String,
    pub state: String,
    pub attempts: i64,
    pub last_status: Option<i64>,
    pub last_response: Option<String>,
    pub last_error: Option<String>,
    pub last_duration_ms: Option<i64>,
    pub last_attempt_at: Option<i64>,
    pub next_attempt_at: Option<i64>,
    pub created_at: i64,
}

/// The endpoint's latest deliveries, newest first.
pub async fn deliveries(
    db: &Db,
    school_id: i64,
    endpoint_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<Delivery>> {
    sqlx::query_as::<_, Delivery>(
        "SELECT id, event_id, event_type, state, attempts, last_status, last_response, last_error, last_duration_ms,
                last_attempt_at, next_attempt_at, created_at
         FROM outbound_deliveries WHERE school_id = $1 AND endpoint_id = $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(school_id)
    .bind(endpoint_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// What became of a resend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resent {
    /// Queued now, with a fresh round of attempts.
    Queued,
    /// Refused: its endpoint is disabled, so it would only be marked failed again.
    EndpointDisabled,
    /// Not a delivery of this endpoint of the school.
    NotFound,
}

/// Sends a delivery again, now, with a fresh round of attempts (the same event id and
/// body: a receiver that already has it can tell), while its endpoint is enabled.
pub async fn resend(
    db: &Db,
    school_id: i64,
    endpoint_id: i64,
    delivery_id: i64,
) -> sqlx::Result<Resent> {
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    // The endpoint's state is checked in the claiming UPDATE itself: one disabled a
    // moment before cannot slip a resend in between a check and the write.
    let round: Option<i64> = sqlx::query_scalar(
        "UPDATE outbound_deliveries SET round = round + 1, attempts = 0, state = 'pending', next_attempt_at = $1
         WHERE school_id = $2 AND endpoint_id = $3 AND id = $4
           AND EXISTS (SELECT 1 FROM outbound_endpoints e
                       WHERE e.id = $3 AND e.school_id = $2 AND e.disabled_at IS NULL)
         RETURNING round",
    )
    .bind(now)
    .bind(school_id)
    .bind(endpoint_id)
    .bind(delivery_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(round) = round else {
        // Nothing changed: say why, read in the same transaction.
        let exists: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM outbound_deliveries WHERE school_id = $1 AND endpoint_id = $2 AND id = $3",
        )
        .bind(school_id)
        .bind(endpoint_id)
        .bind(delivery_id)
        .fetch_optional(&mut *tx)
        .await?;
        tx.rollback().await?;
        return Ok(if exists.is_some() {
            Resent::EndpointDisabled
        } else {
            Resent::NotFound
        });
    };
    deliver::enqueue(&mut tx, school_id, delivery_id, round, 1, now).await?;
    tx.commit().await?;
    Ok(Resent::Queued)
}
