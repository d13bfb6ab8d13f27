//! Zoom's per-host daily limit (100 meeting/webinar create+update requests per UTC day),
//! counted in the database so that every instance shares one count.

use std::pin::Pin;

use jiff::Timestamp;
use sqlx::AnyConnection;
use zoom::ratelimit::{CounterStore, StoreError};

use crate::db::Db;

pub struct DbCounters {
    db: Db,
}

impl DbCounters {
    pub fn new(db: Db) -> DbCounters {
        DbCounters { db }
    }
}

type BoxFut<'a, T> = Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

fn store_err(e: sqlx::Error) -> StoreError {
    StoreError(e.to_string())
}

impl CounterStore for DbCounters {
    fn try_increment<'a>(
        &'a self,
        key: &'a str,
        limit: u32,
        expires_at: Timestamp,
    ) -> BoxFut<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let now = Timestamp::now().as_millisecond();
            // Forget an expired window, then count atomically within the limit.
            sqlx::query(
                "DELETE FROM zoom_rate_counters WHERE counter_key = $1 AND expires_at <= $2",
            )
            .bind(key)
            .bind(now)
            .execute(&self.db.pool)
            .await
            .map_err(store_err)?;
            let admitted: Option<i64> = sqlx::query_scalar(
                "INSERT INTO zoom_rate_counters (counter_key, hits, expires_at) VALUES ($1, 1, $2)
                 ON CONFLICT (counter_key) DO UPDATE SET hits = zoom_rate_counters.hits + 1
                 WHERE zoom_rate_counters.hits < $3
                 RETURNING hits",
            )
            .bind(key)
            .bind(expires_at.as_millisecond())
            .bind(i64::from(limit))
            .fetch_optional(&self.db.pool)
            .await
            .map_err(store_err)?;
            Ok(admitted.is_some())
        })
    }

    fn exhaust<'a>(
        &'a self,
        key: &'a str,
        expires_at: Timestamp,
    ) -> BoxFut<'a, Result<(), StoreError>> {
        Box::pin(async move {
            sqlx::query(
                "INSERT INTO zoom_rate_counters (counter_key, hits, expires_at) VALUES ($1, 1000000, $2)
                 ON CONFLICT (counter_key) DO UPDATE SET hits = 1000000, expires_at = excluded.expires_at",
            )
            .bind(key)
            .bind(expires_at.as_millisecond())
            .execute(&self.db.pool)
            .await
            .map_err(store_err)?;
            Ok(())
        })
    }

    fn get<'a>(
        &'a self,
        key: &'a str,
        now: Timestamp,
    ) -> BoxFut<'a, Result<Option<(u32, Timestamp)>, StoreError>> {
        Box::pin(async move {
            let row: Option<(i64, i64)> =
                sqlx::query_as("SELECT hits, expires_at FROM zoom_rate_counters WHERE counter_key = $1 AND expires_at > $2")
                    .bind(key)
                    .bind(now.as_millisecond())
                    .fetch_optional(&self.db.pool)
                    .await
                    .map_err(store_err)?;
            Ok(row.and_then(|(hits, exp)| {
                Some((
                    u32::try_from(hits).unwrap_or(u32::MAX),
                    Timestamp::from_millisecond(exp).ok()?,
                ))
            }))
        })
    }
}

/// Zoom accounts a school's rows name (its connections, its sessions' meetings) that no
/// other school's rows name.
const ACCOUNTS_OF_SCHOOL: &str = "SELECT a.id FROM (
        SELECT zoom_account_id AS id FROM zoom_connections WHERE school_id = $1
        UNION SELECT zoom_account_id FROM live_sessions WHERE school_id = $1) a
    WHERE a.id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM zoom_connections c WHERE c.school_id <> $1 AND c.zoom_account_id = a.id)
      AND NOT EXISTS (SELECT 1 FROM live_sessions s WHERE s.school_id <> $1 AND s.zoom_account_id = a.id)";

/// Zoom users a school's rows name (its connections, its lessons' and sessions' hosts)
/// that no other school's rows name.
const USERS_OF_SCHOOL: &str = "SELECT u.id FROM (
        SELECT zoom_user_id AS id FROM zoom_connections WHERE school_id = $1
        UNION SELECT zoom_host_id FROM lessons WHERE school_id = $1
        UNION SELECT zoom_host_id FROM live_sessions WHERE school_id = $1) u
    WHERE u.id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM zoom_connections c WHERE c.school_id <> $1 AND c.zoom_user_id = u.id)
      AND NOT EXISTS (SELECT 1 FROM lessons l WHERE l.school_id <> $1 AND l.zoom_host_id = u.id)
      AND NOT EXISTS (SELECT 1 FROM live_sessions s WHERE s.school_id <> $1 AND s.zoom_host_id = u.id)";

/// The unexpired per-host counters (`zoom:host:…`), as (key, hits), by key.
pub(crate) async fn host_counters(db: &Db) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "SELECT counter_key, hits FROM zoom_rate_counters WHERE counter_key LIKE 'zoom:host:%' AND expires_at > $1 ORDER BY counter_key",
    )
    .bind(crate::db::now_ms())
    .fetch_all(&db.pool)
    .await
}

/// The Zoom accounts and users that only this school's rows name, as `(accounts, users)`
/// (one another school also names stays that school's).
pub(crate) async fn zoom_ids_of_school(
    conn: &mut AnyConnection,
    school_id: i64,
) -> sqlx::Result<(Vec<String>, Vec<String>)> {
    let accounts = sqlx::query_scalar(ACCOUNTS_OF_SCHOOL)
        .bind(school_id)
        .fetch_all(&mut *conn)
        .await?;
    let users = sqlx::query_scalar(USERS_OF_SCHOOL)
        .bind(school_id)
        .fetch_all(&mut *conn)
        .await?;
    Ok((accounts, users))
}

/// Deletes the counters of these Zoom accounts and users: their keys name them.
pub(crate) async fn forget(
    conn: &mut AnyConnection,
    accounts: &[String],
    users: &[String],
) -> sqlx::Result<()> {
    let prefixes = accounts
        .iter()
        .map(|a| zoom::ratelimit::account_key_prefix(a))
        .chain(users.iter().map(|u| zoom::ratelimit::host_key_prefix(u)));
    for prefix in prefixes {
        // A prefix comparison, not LIKE: ids may hold `_` and SQLite's LIKE ignores case.
        sqlx::query("DELETE FROM zoom_rate_counters WHERE substr(counter_key, 1, length($1)) = $1")
            .bind(prefix)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
