//! Throttles kept in the database, so that every instance counts together.
//!
//! Password checks (sign-in, the profile's e-mail change) go through [`sign_in`]. It
//! counts *failures* under three keys and slows a key down (a growing wait before its
//! next attempt) instead of locking anything; successful sign-ins count for nothing, and
//! an attempt a key refuses counts on none of them.
//!
//! - **One account from one client** ([`SIGN_IN_PER_ACCOUNT_AND_CLIENT`]): the guesser at
//!   one keyboard. The attempt is claimed (counted) before the password is checked and
//!   cleared by a success, so parallel guesses get no more tries than sequential ones.
//!   A stranger's wrong passwords never keep the owner out from their own device.
//! - **One account from anywhere** ([`SIGN_IN_PER_ACCOUNT`]): many addresses (a botnet)
//!   would otherwise each spend the free tries of the key above on the same account.
//!   Claimed as well, so a parallel burst from many addresses gets no more than its free
//!   count through; a success takes back only its own claim, since the strangers'
//!   failures must still count. The owner shares this key with the strangers, so it is
//!   generous and its waits short, and it does not hold back an address the account has
//!   signed in from (remembered a day, until the maintenance job deletes the row): there
//!   the owner signs in at once, however busy strangers keep the key. From anywhere else
//!   the owner waits at most a minute a try, and if strangers keep the key busy around
//!   the clock, the reset link still signs them in.
//! - **One client, whatever the account** ([`SIGN_IN_PER_CLIENT`]): one address trying a
//!   password on every account. A classroom behind NAT is one address, so only real
//!   failures count here: the wait is checked before the password and a failure counted
//!   once the password proved wrong, and a class signing in at the same moment never
//!   waits for itself. The price is that a burst of parallel requests may pass before its
//!   failures are counted; each account in it is still guarded by the two keys above.
//!   The wait is capped at a minute: one troublemaker must not keep a class out for long.
//!
//! Reset requests, which send mail whatever the outcome, count every request in fixed
//! windows ([`hit`]).

use crate::db::Db;

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

    /// How much longer than `now` a key with this row must wait; 0 when it need not.
    fn wait_left_ms(&self, (failures, last_at): (i64, i64), now: i64) -> i64 {
        let wait = self.wait_ms(self.remembered(failures, now - last_at));
        if wait > 0 && now < last_at + wait {
            last_at + wait - now
        } else {
            0
        }
    }
}

/// Whole seconds to wait, at least one.
fn secs(ms: i64) -> u64 {
    ((ms + 999) / 1000).max(1) as u64
}

/// One account from one client: a person who mistypes five times waits 15 s, then 30 s,
/// and so on up to 15 minutes; a guesser gets about one try per 5 minutes.
pub(crate) const SIGN_IN_PER_ACCOUNT_AND_CLIENT: Policy = Policy {
    free: 5,
    forget_one_ms: 5 * 60_000,
    first_wait_ms: 15_000,
    max_wait_ms: 15 * 60_000,
};

/// One account from any client: enough free failures for an owner mistyping on several
/// devices, then 5 s doubling to a minute; strangers together get about a try a minute.
pub(crate) const SIGN_IN_PER_ACCOUNT: Policy = Policy {
    free: 20,
    forget_one_ms: 60_000,
    first_wait_ms: 5_000,
    max_wait_ms: 60_000,
};

/// One client, whatever the account: generous, because a classroom behind NAT is one
/// address, and never more than a minute's wait.
pub(crate) const SIGN_IN_PER_CLIENT: Policy = Policy {
    free: 50,
    forget_one_ms: 30_000,
    first_wait_ms: 15_000,
    max_wait_ms: 60_000,
};

/// When a key counts an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Counting {
    /// Before the password is checked; a success then does the given thing.
    Claimed(OnSuccess),
    /// Only once the password proved wrong.
    FailuresOnly,
}

/// What a success does to a claimed key's count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OnSuccess {
    /// Forget every failure (the account's owner proved themselves from this client).
    Clear,
    /// Take back only this attempt (strangers may have failed on the same key).
    TakeBack,
}

struct Key {
    bucket: String,
    policy: &'static Policy,
    counting: Counting,
}

/// One claimed row: (failures, last_at) before and after our claim.
struct Claim {
    bucket: String,
    on_success: OnSuccess,
    before: Option<(i64, i64)>,
    after: (i64, i64),
}

/// An attempt that every key allowed. Its claims already count as failures, so that a
/// burst of parallel requests cannot all slip through before the first failure is
/// written; [`Attempt::succeeded`] clears or takes them back, [`Attempt::failed`] counts
/// the failure on the keys that count only failures.
#[must_use = "call succeeded() or failed() once the password is checked"]
pub struct Attempt {
    claims: Vec<Claim>,
    failures_only: Vec<Key>,
    /// The row that remembers this client as one the account signed in from.
    known_client: String,
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
        sqlx::query(
            "INSERT INTO throttles (bucket, failures, last_at) VALUES ($1, 0, $2)
             ON CONFLICT (bucket) DO UPDATE SET last_at = excluded.last_at",
        )
        .bind(&self.known_client)
        .bind(db.now_ms())
        .execute(&db.pool)
        .await?;
        Ok(())
    }

    pub async fn failed(self, db: &Db) -> sqlx::Result<()> {
        for key in &self.failures_only {
            count_failure(db, key).await?;
        }
        Ok(())
    }
}

/// Starts a password check for an account (school and normalized e-mail) from `client`,
/// or says how many seconds to wait.
pub async fn sign_in(
    db: &Db,
    school_id: i64,
    email_norm: &str,
    client: &str,
) -> sqlx::Result<Result<Attempt, u64>> {
    let account = format!("signin-account:{school_id}:{email_norm}");
    let known_client = format!("signin-known:{school_id}:{email_norm}:{client}");
    let keys = [
        Key {
            bucket: format!("signin:{school_id}:{email_norm}:{client}"),
            policy: &SIGN_IN_PER_ACCOUNT_AND_CLIENT,
            counting: Counting::Claimed(OnSuccess::Clear),
        },
        Key {
            bucket: account.clone(),
            policy: &SIGN_IN_PER_ACCOUNT,
            counting: Counting::Claimed(OnSuccess::TakeBack),
        },
        Key {
            bucket: format!("signin-client:{client}"),
            policy: &SIGN_IN_PER_CLIENT,
            counting: Counting::FailuresOnly,
        },
    ];
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT bucket, failures, last_at FROM throttles WHERE bucket IN ($1, $2, $3, $4)",
    )
    .bind(&keys[0].bucket)
    .bind(&keys[1].bucket)
    .bind(&keys[2].bucket)
    .bind(&known_client)
    .fetch_all(&db.pool)
    .await?;
    let row = |bucket: &str| {
        rows.iter()
            .find(|(b, ..)| b == bucket)
            .map(|&(_, failures, last_at)| (failures, last_at))
    };
    let from_known_client = row(&known_client).is_some();
    let keys: Vec<Key> = keys
        .into_iter()
        .filter(|k| !(from_known_client && k.bucket == account))
        .collect();
    // Every wait first, without writing: a refused attempt counts nowhere, and the
    // client learns the longest wait rather than one after another.
    let now = db.now_ms();
    let wait = keys
        .iter()
        .filter_map(|k| row(&k.bucket).map(|r| k.policy.wait_left_ms(r, now)))
        .max()
        .unwrap_or(0);
    if wait > 0 {
        return Ok(Err(secs(wait)));
    }
    let mut claims = Vec::new();
    let mut failures_only = Vec::new();
    for key in keys {
        let Counting::Claimed(on_success) = key.counting else {
            failures_only.push(key);
            continue;
        };
        match claim(db, &key, on_success).await? {
            Ok(c) => claims.push(c),
            Err(wait) => {
                for c in &claims {
                    take_back(db, c).await?;
                }
                return Ok(Err(wait));
            }
        }
    }
    Ok(Ok(Attempt {
        claims,
        failures_only,
        known_client,
    }))
}

/// Counts one failure on `key` unless it must still wait. A compare-and-swap on the row,
/// so two instances never both count from the same state.
async fn claim(db: &Db, key: &Key, on_success: OnSuccess) -> sqlx::Result<Result<Claim, u64>> {
    for _ in 0..50 {
        let now = db.now_ms();
        let before: Option<(i64, i64)> =
            sqlx::query_as("SELECT failures, last_at FROM throttles WHERE bucket = $1")
                .bind(&key.bucket)
                .fetch_optional(&db.pool)
                .await?;
        if let Some(row) = before {
            let wait = key.policy.wait_left_ms(row, now);
            if wait > 0 {
                return Ok(Err(secs(wait)));
            }
        }
        let remembered = before.map_or(0, |(f, at)| key.policy.remembered(f, now - at));
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
                on_success,
                before,
                after,
            }));
        }
    }
    // Fifty lost races in a row: this key is under a flood; the caller tries again later.
    Ok(Err(1))
}

/// Undoes one claim in one statement: exactly, when nobody counted on the key since (the
/// row still holds what the claim wrote); else one failure less. A row the claim created
/// stays behind with no failures.
async fn take_back(db: &Db, c: &Claim) -> sqlx::Result<()> {
    let (f, at) = c.after;
    let (before_f, before_at) = c.before.unwrap_or((0, at));
    sqlx::query(
        "UPDATE throttles SET
             failures = CASE WHEN failures = $2 AND last_at = $3 THEN $4 ELSE failures - 1 END,
             last_at = CASE WHEN failures = $2 AND last_at = $3 THEN $5 ELSE last_at END
         WHERE bucket = $1 AND failures > 0",
    )
    .bind(&c.bucket)
    .bind(f)
    .bind(at)
    .bind(before_f)
    .bind(before_at)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Counts one failure on `key` in one statement, forgetting what its quiet time forgot
/// (as [`Policy::remembered`]), so that parallel failures all count.
async fn count_failure(db: &Db, key: &Key) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO throttles (bucket, failures, last_at) VALUES ($1, 1, $2)
         ON CONFLICT (bucket) DO UPDATE SET
             failures = 1 + CASE
                 WHEN throttles.last_at >= $2 THEN throttles.failures
                 WHEN throttles.failures > ($2 - throttles.last_at) / $3
                     THEN throttles.failures - ($2 - throttles.last_at) / $3
                 ELSE 0
             END,
             last_at = $2",
    )
    .bind(&key.bucket)
    .bind(db.now_ms())
    .bind(key.policy.forget_one_ms)
    .execute(&db.pool)
    .await?;
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
    let now = db.now_ms();
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

/// Whether `bucket` is over `limit` now, without counting a hit (`Err(seconds)` to wait).
pub async fn over(db: &Db, bucket: &str, limit: &Limit) -> sqlx::Result<Result<(), u64>> {
    let now = db.now_ms();
    let window_ms = limit.window_secs * 1000;
    let window_start = now - now.rem_euclid(window_ms);
    let hits: Option<i64> =
        sqlx::query_scalar("SELECT hits FROM rate_limits WHERE bucket = $1 AND window_start = $2")
            .bind(bucket)
            .bind(window_start)
            .fetch_optional(&db.pool)
            .await?;
    if hits.unwrap_or(0) >= limit.max {
        let retry = (window_start + window_ms - now).max(1000) / 1000;
        return Ok(Err(retry as u64));
    }
    Ok(Ok(()))
}

/// Deletes rate-limit windows that began before `before` (the longest is an hour) and
/// sign-in throttles whose last failure was before it (a day of quiet forgets them all;
/// an address an account signed in from is trusted for a day after that sign-in); the
/// hourly maintenance. Returns (windows, throttles).
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

    #[test]
    fn the_account_and_client_wide_waits_never_pass_a_minute() {
        let waits = |p: &Policy, from: i64| -> Vec<i64> {
            (from..from + 7).map(|f| p.wait_ms(f) / 1000).collect()
        };
        assert_eq!(waits(&SIGN_IN_PER_ACCOUNT, 19), [0, 5, 10, 20, 40, 60, 60]);
        assert_eq!(waits(&SIGN_IN_PER_CLIENT, 49), [0, 15, 30, 60, 60, 60, 60]);
        for p in [&SIGN_IN_PER_ACCOUNT, &SIGN_IN_PER_CLIENT] {
            assert!((0..10_000).all(|f| p.wait_ms(f) <= 60_000));
        }
    }

    #[test]
    fn the_wait_left_counts_from_the_last_failure() {
        let p = &SIGN_IN_PER_ACCOUNT_AND_CLIENT;
        assert_eq!(p.wait_left_ms((4, 1_000), 1_000), 0, "still free");
        assert_eq!(p.wait_left_ms((5, 1_000), 1_000), 15_000);
        assert_eq!(p.wait_left_ms((5, 1_000), 11_000), 5_000);
        assert_eq!(p.wait_left_ms((5, 1_000), 16_000), 0);
        assert_eq!((secs(1), secs(1_000), secs(1_001)), (1, 1, 2));
    }
}
