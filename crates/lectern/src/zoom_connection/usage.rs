//! Zoom's per-host daily limit (100 meeting/webinar create+update requests per UTC day),
//! counted in the database so that every instance shares one count.

use std::pin::Pin;

use jiff::Timestamp;
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
