//! Throttles kept in the database, so that every instance counts together.
//!
//! Passwords are guarded by [`attempt`]: it counts *failures*, per account from one
//! client and per client, and slows a key down (a growing wait before its next attempt)
//! instead of locking anything. A stranger's wrong passwords therefore never keep the
//! owner out from their own device, and successful sign-ins count for nothing.
//! Reset requests, which send mail whatever the outcome, count every request in fixed
//! windows ([`hit`]).

use crate::db::{Db, now_ms};

/// How failures on one key slow its next attempts.
pub struct Policy {
    /// Failures allowed before any wait.
    pub free: i64,
    /// One remembered failure is forgotten per this much quiet time.
    pub forget_one_ms: i64,
    /// The wait after `free` failures; it doubles with each further failure…
    pub first_wait_ms: i64,
    /// …up to this.
    pub max_wait_ms: i64,
}

impl Policy {
    /// Failures still remembered `elapsed_ms` after the last one.
    fn remembered(&self, failures: i64, elapsed_ms: i64) -> i64 {
        (failures - elapsed_ms.max(0) / self.forget_one_ms).max(0)
    }

    /// How long after the last failure the next attempt may come.
    fn wait_ms(&self, remembered: i64) -> i64 {
        if remembered < self.free {
            return 0;
        }
        let doublings = (remembered - self.free).min(32) as u32;
        self.first_wait_ms
            .saturating_mul(1_i64 << doublings)
            .min(self.max_wait_ms)
    }
}

/// One account from one client: a person who mistypes five times waits 15 s, then 30 s,
/// and so on up to 15 minutes; a guesser gets about one try per 5 minutes.
pub(crate) const SIGN_IN_PER_ACCOUNT_AND_CLIENT: Policy = Policy {
    free: 5,
    forget_one_ms: 5 * 60_000,
    first_wait_ms: 15_000,
    max_wait_ms: 15 * 60_000,
};

/// One client, whatever the account: stops one address from trying a password on every
/// account. Generous, because a classroom behind NAT is one address.
pub(crate) const SIGN_IN_PER_CLIENT: Policy = Policy {
    free: 50,
    forget_one_ms: 30_000,
    first_wait_ms: 15_000,
    max_wait_ms: 15 * 60_000,
};

/// What a success does to a key's count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnSuccess {
    /// Forget every failure (the account's owner proved themselves from this client).
    Clear,
    /// Take back only this attempt (other people behind the same address may have failed).
    TakeBack,
}

pub struct Key {
    pub bucket: String,
    pub policy: &'static Policy,
    pub on_success: OnSuccess,
}

/// The keys a password check for `account` (school and normalized e-mail) from `client`
/// counts under.
pub(crate) fn sign_in_keys(school_id: i64, email_norm: &str, client: &str) -> [Key; 2] {
    [
        Key {
            bucket: format!("signin:{school_id}:{email_norm}:{client}"),
            policy: &SIGN_IN_PER_ACCOUNT_AND_CLIENT,
            on_success: OnSuccess::Clear,
        },
        Key {
            bucket: format!("signin-client:{client}"),
            policy: &SIGN_IN_PER_CLIENT,
            on_success: OnSuccess::TakeBack,
        },
    ]
}

/// One counted row: (failures, last_at) before and after our claim.
struct Claim {
    bucket: String,
    on_success: OnSuccess,
    before: Option<(i64, i64)>,
    after: (i64, i64),
}

/// An attempt that every key allowed. It is already counted as a failure, so that a
/// burst of parallel requests cannot all slip through before the first failure is
/// written; [`Attempt::succeeded`] takes it back.
#[must_use = "call succeeded() when the password was right"]
pub struct Attempt {
    claims: Vec<Claim>,
}

impl Attempt {
    pub async fn succeeded(self, db: &Db) -> sqlx::Result<()> {
        for c in &self.claims {
            match c.on_success {
                OnSuccess::Clear => {
                    sqlx::query("DELETE FROM throttles WHERE bucket = $1")
                        .bind(&c.bucket)
                        .execute(&db.pool)
                        .await?;
                }
                OnSuccess::TakeBack => take_back(db, c).await?,
            }
        }
        Ok(())
    }
}

/// Claims an attempt on every key, or says how many seconds to wait; a refused attempt
/// counts on none of them.
pub async fn attempt(db: &Db, keys: &[Key]) -> sqlx::Result<Result<Attempt, u64>> {
    let mut claims = Vec::with_capacity(keys.len());
    for key in keys {
        match claim(db, key).await? {
            Ok(c) => claims.push(c),
            Err(wait) => {
                for c in &claims {
                    take_back(db, c).await?;
                }
                return Ok(Err(wait));
            }
        }
    }
    Ok(Ok(Attempt { claims }))
}

/// Counts one failure on `key` unless it must still wait. A compare-and-swap on the row,
/// so two instances never both count from the same state.
async fn claim(db: &Db, key: &Key) -> sqlx::Result<Result<Claim, u64>> {
    for _ in 0..50 {
        let now = now_ms();
        let before: Option<(i64, i64)> =
            sqlx::query_as("SELECT failures, last_at FROM throttles WHERE bucket = $1")
                .bind(&key.bucket)
                .fetch_optional(&db.pool)
                .await?;
        let remembered = before.map_or(0, |(f, at)| key.policy.remembered(f, now - at));
        if let Some((_, last_at)) = before {
            let wait = key.policy.wait_ms(remembered);
            if wait > 0 && now < last_at + wait {
                let secs = (last_at + wait - now + 999) / 1000;
                return Ok(Err(secs.max(1) as u64));
            }
        }
        let after = (remembered + 1, now);
        let written = match before {
            None => sqlx::query(
                "INSERT INTO throttles (bucket, failures, last_at) VALUES ($1, $2, $3)
                 ON CONFLICT (bucket) DO NOTHING",
            )
            .bind(&key.bucket)
            .bind(after.0)
            .bind(after.1)
            .execute(&db.pool)
            .await?
            .rows_affected(),
            Some((f, at)) => sqlx::query(
                "UPDATE throttles SET failures = $2, last_at = $3
                 WHERE bucket = $1 AND failures = $4 AND last_at = $5",
            )
            .bind(&key.bucket)
            .bind(after.0)
            .bind(after.1)
            .bind(f)
            .bind(at)
            .execute(&db.pool)
            .await?
            .rows_affected(),
        };
        if written == 1 {
            return Ok(Ok(Claim {
                bucket: key.bucket.clone(),
                on_success: key.on_success,
                before,
                after,
            }));
        }
    }
    // Fifty lost races in a row: this key is under a flood; the caller tries again later.
    Ok(Err(1))
}

/// Undoes one claim: exactly, when nobody counted on the key since; else one failure less.
async fn take_back(db: &Db, c: &Claim) -> sqlx::Result<()> {
    let (f, at) = c.after;
    let exact = match c.before {
        None => {
            sqlx::query(
                "DELETE FROM throttles WHERE bucket = $1 AND failures = $2 AND last_at = $3",
            )
            .bind(&c.bucket)
            .bind(f)
            .bind(at)
            .execute(&db.pool)
            .await?
        }
        Some((bf, bat)) => {
            sqlx::query(
                "UPDATE throttles SET failures = $2, last_at = $3
             WHERE bucket = $1 AND failures = $4 AND last_at = $5",
            )
            .bind(&c.bucket)
            .bind(bf)
            .bind(bat)
            .bind(f)
            .bind(at)
            .execute(&db.pool)
            .await?
        }
    };
    if exact.rows_affected() == 0 {
        sqlx::query(
            "UPDATE throttles SET failures = failures - 1 WHERE bucket = $1 AND failures > 0",
        )
        .bind(&c.bucket)
        .execute(&db.pool)
        .await?;
    }
    Ok(())
}

/// A fixed window: at most `max` hits per `window_secs`.
pub struct Limit {
    pub max: i64,
    pub window_secs: i64,
}

/// Reset requests for one account from one client.
pub(crate) const RESET_PER_ACCOUNT_AND_CLIENT: Limit = Limit {
    max: 3,
    window_secs: 900,
};
/// Reset requests from one client, whatever the account.
pub(crate) const RESET_PER_CLIENT: Limit = Limit {
    max: 20,
    window_secs: 900,
};
/// Unused, unexpired reset links one account may hold: a stranger's requests fill the
/// owner's inbox with at most this many, and while they do, the owner already holds a
/// working link, so asking again sends nothing new rather than being refused.
pub(crate) const RESET_LINKS_PER_ACCOUNT: i64 = 3;

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

/// Deletes rate-limit windows that began before `before` (the longest is an hour) and
/// sign-in throttles whose last failure was before it (a day of quiet forgets them all);
/// the hourly maintenance. Returns (windows, throttles).
pub async fn purge(db: &Db, before: i64) -> sqlx::Result<(u64, u64)> {
    let windows = sqlx::query("DELETE FROM rate_limits WHERE window_start < $1")
        .bind(before)
        .execute(&db.pool)
        .await?
        .rows_affected();
    let throttles = sqlx::query("DELETE FROM throttles WHERE last_at < $1")
        .bind(before)
        .execute(&db.pool)
        .await?
        .rows_affected();
    Ok((windows, throttles))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_the_free_failures_and_are_capped() {
        let p = &SIGN_IN_PER_ACCOUNT_AND_CLIENT;
        let waits: Vec<i64> = (0..14).map(|f| p.wait_ms(f) / 1000).collect();
        assert_eq!(
            waits,
            [0, 0, 0, 0, 0, 15, 30, 60, 120, 240, 480, 900, 900, 900]
        );
        assert_eq!(p.wait_ms(10_000), p.max_wait_ms, "no overflow");
    }

    #[test]
    fn quiet_time_forgets_failures_one_by_one() {
        let p = &SIGN_IN_PER_ACCOUNT_AND_CLIENT;
        assert_eq!(p.remembered(7, 0), 7);
        assert_eq!(p.remembered(7, p.forget_one_ms - 1), 7);
        assert_eq!(p.remembered(7, 2 * p.forget_one_ms), 5);
        assert_eq!(p.remembered(7, 24 * 3_600_000), 0);
        assert_eq!(p.remembered(3, -5), 3, "a clock behind the writer's");
    }
}
