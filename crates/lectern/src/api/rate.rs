//! Requests per token: an in-process token bucket (each instance counts its own), which
//! answers with the `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` headers
//! and, once empty, 429 with `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// A bucket of `burst` requests refilled at `per_second`.
pub struct Limiter {
    pub burst: f64,
    pub per_second: f64,
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

/// What one request took from its token's bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    pub limit: u64,
    pub remaining: u64,
    /// Seconds until the bucket is full again.
    pub reset: u64,
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter::new(60, 1.0)
    }
}

impl Limiter {
    pub fn new(burst: u32, per_second: f64) -> Limiter {
        Limiter {
            burst: f64::from(burst),
            per_second,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request for `token` at `now`: the quota left, or the seconds to wait.
    pub fn take(&self, token: i64, now: Instant) -> Result<Quota, u64> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > 100_000 {
            // Full buckets carry no information: forget them.
            let (burst, rate) = (self.burst, self.per_second);
            buckets.retain(|_, (level, at)| {
                *level + now.saturating_duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (level, at) = buckets.entry(token).or_insert((self.burst, now));
        let elapsed = now.saturating_duration_since(*at).as_secs_f64();
        *level = (*level + elapsed * self.per_second).min(self.burst);
        *at = now;
        if *level < 1.0 {
            return Err(((1.0 - *level) / self.per_second).ceil().max(1.0) as u64);
        }
        *level -= 1.0;
        Ok(Quota {
            limit: self.burst as u64,
            remaining: level.floor() as u64,
            reset: ((self.burst - *level) / self.per_second).ceil() as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_bucket_empties_refills_and_says_how_long_to_wait() {
        let l = Limiter::new(3, 0.5);
        let t0 = Instant::now();
        assert_eq!(l.take(1, t0).unwrap().remaining, 2);
        assert_eq!(l.take(1, t0).unwrap().remaining, 1);
        let q = l.take(1, t0).unwrap();
        assert_eq!((q.limit, q.remaining, q.reset), (3, 0, 6));
        assert_eq!(l.take(1, t0), Err(2), "one request comes back after 2 s");
        // Another token has its own bucket.
        assert_eq!(l.take(2, t0).unwrap().remaining, 2);
        assert_eq!(l.take(1, t0 + Duration::from_secs(2)).unwrap().remaining, 0);
        assert_eq!(l.take(1, t0 + Duration::from_secs(2)), Err(2));
    }
}
