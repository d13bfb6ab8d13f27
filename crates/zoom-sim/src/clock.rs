//! Simulated clock: real time plus an offset that only grows (`advance_time`).

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// The simulator's clock. All expiries (codes, tokens, ZAKs), daily limits, the
/// Basic plan's 40-minute limit and webhook retry schedules use it.
#[derive(Debug, Default)]
pub struct SimClock {
    offset_ms: AtomicI64,
}

impl SimClock {
    pub fn now(&self) -> Timestamp {
        let off = self.offset_ms.load(Ordering::Relaxed);
        Timestamp::now()
            .checked_add(SignedDuration::from_millis(off))
            .unwrap_or(Timestamp::MAX)
    }

    pub fn now_secs(&self) -> i64 {
        self.now().as_second()
    }

    pub fn now_ms(&self) -> i64 {
        self.now().as_millisecond()
    }

    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX / 4);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

/// Format like Zoom: `2025-02-19T00:05:27Z` (UTC, no fractional seconds).
pub fn zoom_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// The next 00:00 UTC after `t`.
pub fn next_utc_midnight(t: Timestamp) -> Timestamp {
    let day = t.as_second().div_euclid(86_400);
    Timestamp::from_second((day + 1) * 86_400).unwrap_or(Timestamp::MAX)
}

/// UTC day number of `t` (for per-day counters).
pub fn utc_day(t: Timestamp) -> i64 {
    t.as_second().div_euclid(86_400)
}
