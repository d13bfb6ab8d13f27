//! A fixed-window throttle kept in the database, so that every instance counts together.

use crate::db::{Db, now_ms};

pub struct Limit {
    pub max: i64,
    pub window_secs: i64,
}

// Generous per IP: a whole classroom often shares one address behind NAT.
pub const SIGN_IN_PER_IP: Limit = Limit {
    max: 300,
    window_secs: 300,
};
pub const SIGN_IN_PER_ACCOUNT: Limit = Limit {
    max: 5,
    window_secs: 300,
};
pub const RESET_PER_IP: Limit = Limit {
    max: 10,
    window_secs: 900,
};
pub const RESET_PER_ACCOUNT: Limit = Limit {
    max: 3,
    window_secs: 900,
};

/// Counts one hit on `bucket`; `Err(seconds)` says how long to wait when over the limit.
pub async fn hit(db: &Db, bucket: &str, limit: &Limit) -> sqlx::Result<Result<(), u64>> {
    let now = now_ms();
    let window_ms = limit.window_secs * 1000;
    let window_start = now - now.rem_euclid(window_ms);
    let hits: i64 = sqlx::query_scalar(
        "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1)
         ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + 1
         RETURNING hits",
    )
    .bind(bucket)
    .bind(window_start)
    .fetch_one(&db.pool)
    .await?;
    if hits > limit.max {
        let retry = (window_start + window_ms - now).max(1000) / 1000;
        return Ok(Err(retry as u64));
    }
    Ok(Ok(()))
}
