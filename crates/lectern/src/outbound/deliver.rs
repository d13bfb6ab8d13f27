//! Delivering a webhook: the `outbound_deliver` job POSTs a delivery's body to its
//! endpoint, signed (`Lectern-Webhook-Signature: v1=<hex HMAC-SHA256(secret,
//! "{timestamp}.{body}")>`, see docs/api.md), to the addresses `guard` checked just now,
//! with a 10 s limit and no redirect followed. Each attempt is a job of its own, queued by
//! the one before on our schedule ([`RETRY_DELAYS_MS`]: eight attempts over about a day,
//! much longer than the queue's own backoff), and records its outcome on the delivery.
//! A delivery whose attempts are all used counts against its endpoint; [`DISABLE_AFTER`]
//! of them in a row disable it and tell the school's admins, once.

use std::time::{Duration, Instant};

use hmac::{KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use sqlx::AnyConnection;

use super::guard;
use crate::email::{self, Email};
use crate::i18n::Tr;
use crate::jobs::{self, Job, NewJob};
use crate::web::CoreState;

/// Attempts per round (the first and seven retries).
pub const ATTEMPTS: i64 = 8;
/// The wait after failed attempt n (1-based) before attempt n + 1: 1 min, 5 min, 30 min,
/// 2 h, 5 h, 10 h, 10 h — about 28 hours from the first attempt to the last.
pub const RETRY_DELAYS_MS: [i64; (ATTEMPTS - 1) as usize] = [
    60_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
];
/// Deliveries given up in a row after which the endpoint is disabled.
pub const DISABLE_AFTER: i64 = 5;
/// For the whole exchange: connect, send, and the first KiB of the answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How much of the receiver's answer the log keeps.
pub const RESPONSE_KEEP: usize = 1024;
/// An attempt claimed this long ago without an outcome lost its worker: it may run again.
const IN_FLIGHT_MS: i64 = 60_000;

/// One attempt of one round of one delivery.
#[derive(Debug, Serialize, Deserialize)]
pub struct Deliver {
    pub delivery_id: i64,
    pub round: i64,
    pub attempt: i64,
}

impl Job for Deliver {
    const KIND: &'static str = "outbound_deliver";
    type Deps = CoreState;
    async fn run(self, deps: &CoreState) -> anyhow::Result<()> {
        attempt(deps, self).await
    }

    /// Our own failure (the database, not the receiver) outlasted the queue's retries:
    /// the log says so instead of showing the delivery pending for ever. Not counted
    /// against the endpoint.
    async fn gave_up(self, deps: &CoreState, error: &str) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE outbound_deliveries SET state = 'failed', last_error = $1, next_attempt_at = NULL
             WHERE id = $2 AND round = $3 AND state = 'pending'",
        )
        .bind(format!("not sent: {}", error.chars().take(500).collect::<String>()))
        .bind(self.delivery_id)
        .bind(self.round)
        .execute(&deps.db.pool)
        .await?;
        Ok(())
    }
}

/// Queues `attempt` of `round` at `at`, keyed so that it exists once.
pub(crate) async fn enqueue(
    conn: &mut AnyConnection,
    school_id: i64,
    delivery_id: i64,
    round: i64,
    attempt: i64,
    at: i64,
) -> sqlx::Result<()> {
    let job = NewJob::of(&Deliver {
        delivery_id,
        round,
        attempt,
    })
    .school(school_id)
    .at(at)
    .dedupe(format!("outbound:{delivery_id}:{round}:{attempt}"));
    // A database hiccup is retried by the queue; the receiver's failures are ours.
    let job = NewJob {
        max_attempts: 3,
        ..job
    };
    jobs::enqueue(conn, job).await.map(|_| ())
}

#[derive(sqlx::FromRow)]
struct Claimed {
    school_id: i64,
    endpoint_id: i64,
    event_id: String,
    body: String,
}

#[derive(sqlx::FromRow)]
struct Target {
    url: String,
    allow_private: i64,
    secret_sealed: String,
    disabled_at: Option<i64>,
}

/// What one attempt came to.
#[derive(Debug, Default)]
pub struct Outcome {
    pub status: Option<i64>,
    pub response: Option<String>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

impl Outcome {
    fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
    fn failed(error: impl Into<String>) -> Outcome {
        Outcome {
            error: Some(error.into()),
            ..Outcome::default()
        }
    }
}

async fn attempt(deps: &CoreState, job: Deliver) -> anyhow::Result<()> {
    let db = &deps.db;
    let now = db.now_ms();
    // The claim first, alone: one attempt is made once however many workers hold the job
    // (an attempt that lost its worker mid-way may be made again after a minute).
    let claimed: Option<Claimed> = sqlx::query_as(
        "UPDATE outbound_deliveries SET attempts = $1, last_attempt_at = $2, next_attempt_at = NULL
         WHERE id = $3 AND round = $4 AND state = 'pending'
           AND (attempts = $5 OR (attempts = $1 AND next_attempt_at IS NULL AND last_attempt_at < $6))
         RETURNING school_id, endpoint_id, event_id, body",
    )
    .bind(job.attempt)
    .bind(now)
    .bind(job.delivery_id)
    .bind(job.round)
    .bind(job.attempt - 1)
    .bind(now - IN_FLIGHT_MS)
    .fetch_optional(&db.pool)
    .await?;
    let Some(c) = claimed else {
        return Ok(());
    };
    let target: Option<Target> = sqlx::query_as(
        "SELECT url, allow_private, secret_sealed, disabled_at FROM outbound_endpoints WHERE id = $1 AND school_id = $2",
    )
    .bind(c.endpoint_id)
    .bind(c.school_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(target) = target else {
        return Ok(()); // deleted with its log
    };
    if target.disabled_at.is_some() {
        // Not the receiver's failure: the endpoint was switched off. Recorded, not counted.
        sqlx::query(
            "UPDATE outbound_deliveries SET state = 'failed', last_error = 'endpoint disabled'
             WHERE id = $1 AND round = $2 AND attempts = $3",
        )
        .bind(job.delivery_id)
        .bind(job.round)
        .bind(job.attempt)
        .execute(&db.pool)
        .await?;
        return Ok(());
    }
    let outcome = match deps.config.secret_key.open(
        &target.secret_sealed,
        &format!("outbound_endpoints:{}:secret", c.endpoint_id),
    ) {
        Ok(secret) => {
            let secret = String::from_utf8_lossy(&secret).into_owned();
            let timestamp = db.now_ms().div_euclid(1000);
            send(
                &target.url,
                target.allow_private != 0,
                &secret,
                &c.event_id,
                timestamp,
                &c.body,
            )
            .await
        }
        // The server key changed since the secret was sealed: rotating it fixes this.
        Err(_) => Outcome::failed("the signing secret cannot be read; rotate it"),
    };
    record(deps, &job, &c, &target.url, outcome).await
}

/// `v1=` and the hex HMAC-SHA256 of `"{timestamp}.{body}"` under the endpoint's secret.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = <hmac::Hmac<Sha256>>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// One POST: the URL checked and resolved again now, the connection made to exactly those
/// addresses, no redirect followed, no proxy, [`TIMEOUT`] in all.
pub async fn send(
    url: &str,
    allow_private: bool,
    secret: &str,
    event_id: &str,
    timestamp: i64,
    body: &str,
) -> Outcome {
    let started = Instant::now();
    let target = match guard::parse(url, allow_private) {
        Ok(t) => t,
        Err(e) => return Outcome::failed(e.to_string()),
    };
    let addrs = match guard::resolve(&target, allow_private).await {
        Ok(a) => a,
        Err(e) => return Outcome::failed(e.to_string()),
    };
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .no_proxy()
        .user_agent(concat!("Lectern-Webhooks/", env!("CARGO_PKG_VERSION")))
        .resolve_to_addrs(&target.host, &addrs)
        .build()
    {
        Ok(c) => c,
        Err(e) => return Outcome::failed(format!("client: {e}")),
    };
    let sent = client
        .post(target.url.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Lectern-Webhook-Id", event_id)
        .header("Lectern-Webhook-Timestamp", timestamp.to_string())
        .header(
            "Lectern-Webhook-Signature",
            signature(secret, timestamp, body),
        )
        .body(body.to_string())
        .send()
        .await;
    let mut outcome = match sent {
        Ok(mut resp) => {
            let status = i64::from(resp.status().as_u16());
            let mut kept = Vec::new();
            let mut error = None;
            while kept.len() < RESPONSE_KEEP {
                match resp.chunk().await {
                    Ok(Some(bytes)) => kept.extend_from_slice(&bytes),
                    Ok(None) => break,
                    Err(e) => {
                        error = Some(describe(&e));
                        break;
                    }
                }
            }
            kept.truncate(RESPONSE_KEEP);
            let mut text = String::from_utf8_lossy(&kept).into_owned();
            // A multi-byte character cut at the limit became U+FFFD: fine for a log.
            text.truncate(text.len().min(RESPONSE_KEEP + 3));
            Outcome {
                status: Some(status),
                response: Some(text),
                error: if (200..300).contains(&status) {
                    None
                } else {
                    error.or_else(|| Some(format!("HTTP {status}")))
                },
                duration_ms: 0,
            }
        }
        Err(e) => Outcome::failed(describe(&e)),
    };
    outcome.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    outcome
}

/// A transport error in a line, without the URL (its query may hold the receiver's own
/// token, which the log need not repeat).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_redirect() {
        "redirect not followed"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(e);
    let mut detail = String::new();
    while let Some(s) = source {
        detail = s.to_string();
        source = s.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}

/// Writes the attempt's outcome and what follows from it in one transaction: the next
/// attempt queued, or the delivery given up and counted against its endpoint, which after
/// [`DISABLE_AFTER`] in a row is disabled with a mail to the school's admins.
async fn record(
    deps: &CoreState,
    job: &Deliver,
    c: &Claimed,
    url: &str,
    outcome: Outcome,
) -> anyhow::Result<()> {
    let db = &deps.db;
    let now = db.now_ms();
    let ok = outcome.ok();
    let last = job.attempt >= ATTEMPTS;
    // Read before the transaction (never through the pool while one is open): who is told
    // if this gives up the endpoint's fifth delivery in a row.
    let notice = if !ok && last {
        let admins = crate::accounts::admins(db, c.school_id).await?;
        let link = crate::schools::domains::school_url(
            db,
            &deps.config.base_url,
            c.school_id,
            &format!("/admin/webhooks/{}", c.endpoint_id),
        )
        .await?;
        Some((admins, link))
    } else {
        None
    };
    let next_at = (!ok && !last).then(|| now + RETRY_DELAYS_MS[(job.attempt - 1) as usize]);
    let state = if ok {
        "delivered"
    } else if last {
        "failed"
    } else {
        "pending"
    };
    let mut tx = db.pool.begin().await?;
    let n = sqlx::query(
        "UPDATE outbound_deliveries SET state = $1, last_status = $2, last_response = $3, last_error = $4,
           last_duration_ms = $5, next_attempt_at = $6
         WHERE id = $7 AND round = $8 AND attempts = $9 AND state = 'pending'",
    )
    .bind(state)
    .bind(outcome.status)
    .bind(outcome.response.as_deref())
    .bind(outcome.error.as_deref())
    .bind(outcome.duration_ms)
    .bind(next_at)
    .bind(job.delivery_id)
    .bind(job.round)
    .bind(job.attempt)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        // A resend started a new round meanwhile; this attempt's outcome is history.
        return Ok(());
    }
    if ok {
        sqlx::query("UPDATE outbound_endpoints SET consecutive_failures = 0 WHERE id = $1")
            .bind(c.endpoint_id)
            .execute(&mut *tx)
            .await?;
    } else if let Some(at) = next_at {
        enqueue(
            &mut tx,
            c.school_id,
            job.delivery_id,
            job.round,
            job.attempt + 1,
            at,
        )
        .await?;
    } else {
        sqlx::query(
            "UPDATE outbound_endpoints SET consecutive_failures = consecutive_failures + 1 WHERE id = $1",
        )
        .bind(c.endpoint_id)
        .execute(&mut *tx)
        .await?;
        // One conditional UPDATE decides: the endpoint is disabled, and its admins told,
        // once, however many deliveries give up at the same time.
        let disabled = sqlx::query(
            "UPDATE outbound_endpoints SET disabled_at = $1, disabled_reason = 'failures', updated_at = $1
             WHERE id = $2 AND disabled_at IS NULL AND consecutive_failures >= $3",
        )
        .bind(now)
        .bind(c.endpoint_id)
        .bind(DISABLE_AFTER)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if disabled && let Some((admins, link)) = &notice {
            for admin in admins {
                let tr = Tr::new(admin.language.as_deref().unwrap_or("en-US"));
                let args = [
                    ("url", url.to_string()),
                    ("count", DISABLE_AFTER.to_string()),
                    ("link", link.clone()),
                ];
                let text = tr.ta("outbound-disabled-email-text", &args);
                let html = format!(
                    "<p>{}</p><p><a href=\"{}\">{}</a></p>",
                    email::html_escape(&text),
                    email::html_escape(link),
                    email::html_escape(link)
                );
                email::queue(
                    &mut tx,
                    c.school_id,
                    Email {
                        to: admin.email.clone(),
                        subject: tr.ta("outbound-disabled-email-subject", &args),
                        tr: tr.clone(),
                        text: format!("{text}\n\n{link}"),
                        html,
                        calendar: None,
                    },
                )
                .await?;
            }
            tracing::warn!(
                endpoint = c.endpoint_id,
                school = c.school_id,
                "webhook endpoint disabled after repeated failure"
            );
        }
    }
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_over_timestamp_dot_body() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, r#"{"a":1}"#),
            "v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }

    #[test]
    fn the_schedule_spans_about_a_day() {
        let total: i64 = RETRY_DELAYS_MS.iter().sum();
        assert!((20 * 3_600_000..36 * 3_600_000).contains(&total), "{total}");
    }
}
