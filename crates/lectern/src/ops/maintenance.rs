//! The hourly maintenance job: removes rows that only ever expire (rate-limit windows,
//! sign-in throttles, expired sessions, password-reset links and OAuth states, the API's
//! idempotency keys a day after they were used), so those
//! tables stop growing, and the sealed links of day-old mails (see `email`). Each owner
//! deletes its own rows; this job only asks them. Registered as hourly in `app.rs`: every
//! worker asks for the current hour's job, the dedupe key makes it one per hour however
//! many workers run, and a worker that was down catches up when it starts.

use serde::{Deserialize, Serialize};

use crate::db::{Db, now_ms};

const HOUR_MS: i64 = 3_600_000;
/// Rows past their expiry are kept this long, so that an admin looking into a sign-in or
/// reset problem still finds them.
const KEEP_EXPIRED_MS: i64 = 24 * HOUR_MS;

/// The job of one hour (hours since the epoch; only its dedupe key uses it).
#[derive(Serialize, Deserialize)]
pub struct Maintenance {
    #[serde(default)]
    pub hour: i64,
}

impl crate::jobs::Job for Maintenance {
    const KIND: &'static str = "maintenance";
    type Deps = Db;
    async fn run(self, db: &Db) -> anyhow::Result<()> {
        run(db, now_ms()).await?;
        Ok(())
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub rate_limits: u64,
    pub throttles: u64,
    pub sessions: u64,
    pub password_resets: u64,
    pub oauth_states: u64,
    pub email_secrets: u64,
    pub idempotency_keys: u64,
}

/// Deletes what expired more than a day before `now_ms`.
pub async fn run(db: &Db, now_ms: i64) -> sqlx::Result<Pruned> {
    let before = now_ms - KEEP_EXPIRED_MS;
    let (rate_limits, throttles) = crate::accounts::rate_limit::purge(db, before).await?;
    let pruned = Pruned {
        rate_limits,
        throttles,
        sessions: crate::accounts::sessions::purge_expired(db, before).await?,
        password_resets: crate::accounts::purge_expired_resets(db, before).await?,
        oauth_states: crate::zoom_connection::flow::purge_expired_states(db, before).await?,
        email_secrets: crate::email::wipe_old_secrets(db, before).await?,
        idempotency_keys: crate::api::idempotency::purge(db, before).await?,
    };
    tracing::info!(?pruned, "maintenance done");
    Ok(pruned)
}
