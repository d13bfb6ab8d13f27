//! The hourly maintenance job: removes rows that only ever expire (rate-limit windows,
//! sign-in throttles, expired sessions, password-reset links and OAuth states), so those tables stop growing,
//! and the sealed links of day-old mails (see `email`).
//! Every worker asks for the current hour's job; the dedupe key makes it one job per hour
//! however many workers run, and a worker that was down catches up when it starts.

use crate::db::{Db, now_ms};

use super::NewJob;

pub const KIND: &str = "maintenance";

const HOUR_MS: i64 = 3_600_000;
/// Rows past their expiry are kept this long, so that an admin looking into a sign-in or
/// reset problem still finds them.
const KEEP_EXPIRED_MS: i64 = 24 * HOUR_MS;

/// Enqueues the maintenance job of the hour containing `now_ms` unless it exists.
pub async fn ensure_scheduled(db: &Db, now_ms: i64) -> sqlx::Result<()> {
    let hour = now_ms.div_euclid(HOUR_MS);
    let mut conn = db.pool.acquire().await?;
    super::enqueue(
        &mut conn,
        NewJob::now(KIND, serde_json::json!({ "hour": hour }))
            .at(hour * HOUR_MS)
            .dedupe(format!("{KIND}:{hour}")),
    )
    .await?;
    Ok(())
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub rate_limits: u64,
    pub throttles: u64,
    pub sessions: u64,
    pub password_resets: u64,
    pub oauth_states: u64,
    pub email_secrets: u64,
}

/// Deletes what expired more than a day before `now_ms`.
pub async fn run(db: &Db, now_ms: i64) -> sqlx::Result<Pruned> {
    let before = now_ms - KEEP_EXPIRED_MS;
    let delete = |sql: &'static str| async move {
        sqlx::query(sql)
            .bind(before)
            .execute(&db.pool)
            .await
            .map(|r| r.rows_affected())
    };
    let pruned = Pruned {
        rate_limits: delete("DELETE FROM rate_limits WHERE window_start < $1").await?,
        // A day without failures has forgotten them all (`Policy::forget_one_ms`); an
        // address an account signed in from is trusted for a day after that sign-in.
        throttles: delete("DELETE FROM throttles WHERE last_at < $1").await?,
        sessions: delete("DELETE FROM sessions WHERE expires_at < $1").await?,
        password_resets: delete("DELETE FROM password_resets WHERE expires_at < $1").await?,
        oauth_states: delete("DELETE FROM zoom_oauth_states WHERE expires_at < $1").await?,
        email_secrets: crate::email::wipe_old_secrets(db, before).await?,
    };
    tracing::info!(?pruned, "maintenance done");
    Ok(pruned)
}

/// The job handler.
pub async fn job(db: &Db) -> anyhow::Result<()> {
    run(db, now_ms()).await?;
    Ok(())
}
