//! Client-side rate-limit budget, so Lectern stays under Zoom's limits instead of
//! learning about them from 429s (Zoom may disable apps with a high error ratio).
//!
//! Zoom's limits are per ACCOUNT (shared by every app and user on it), per category
//! (Light/Medium/Heavy) per second, sized by plan; plus per HOST 100 meeting/webinar
//! create+update requests per UTC day. Several Lectern instances share one budget, so the
//! counters live behind [`CounterStore`], which the app implements on its database; an
//! in-memory [`InMemoryStore`] serves single-instance setups and tests.

use crate::clock::{SharedClock, SystemClock};
use crate::error::{ErrorKind, RateLimitScope, ZoomError, next_utc_midnight};
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

/// Boxed future used by [`CounterStore`] so the trait stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Zoom's rate-limit label of an endpoint (the REST table in `docs/zoom.md`; Zoom's OpenAPI
/// documents give each operation's label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// e.g. `GET /users/me`, meetings CRUD, tokens, recordings.
    Light,
    /// e.g. `GET /users`, past-meeting participants.
    Medium,
    /// e.g. report participants.
    Heavy,
}

impl Category {
    fn as_str(self) -> &'static str {
        match self {
            Self::Light => "light",
            Self::Medium => "medium",
            Self::Heavy => "heavy",
        }
    }
}

/// Account plan tier as far as rate limits go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanTier {
    /// Free (Basic).
    Free,
    /// Pro.
    Pro,
    /// Business, Education, Enterprise, Partners.
    BusinessPlus,
}

impl PlanTier {
    /// Requests per second Zoom allows for `category` (Zoom's rate-limits page, as of
    /// 2026-02; see `docs/zoom.md`).
    pub fn per_second(self, category: Category) -> u32 {
        match (self, category) {
            (Self::Free, Category::Light) => 4,
            (Self::Free, Category::Medium) => 2,
            (Self::Free, Category::Heavy) => 1,
            (Self::Pro, Category::Light) => 30,
            (Self::Pro, Category::Medium) => 20,
            (Self::Pro, Category::Heavy) => 10,
            (Self::BusinessPlus, Category::Light) => 80,
            (Self::BusinessPlus, Category::Medium) => 60,
            (Self::BusinessPlus, Category::Heavy) => 40,
        }
    }
}

/// Meeting/webinar create+update requests per host per UTC day.
pub const DAILY_HOST_WRITES: u32 = 100;

/// Failure of the backing store.
#[derive(Debug, Clone, thiserror::Error)]
#[error("rate-limit store: {0}")]
pub struct StoreError(pub String);

/// Atomic counters with expiry. Implementations must make `try_increment` atomic across
/// all instances sharing the budget (e.g. one SQL `INSERT … ON CONFLICT DO UPDATE …
/// WHERE count < limit RETURNING`).
pub trait CounterStore: Send + Sync {
    /// Add one to `key` if its count is below `limit`; `Ok(true)` if admitted. The
    /// counter may be forgotten after `expires_at`.
    fn try_increment<'a>(
        &'a self,
        key: &'a str,
        limit: u32,
        expires_at: Timestamp,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Mark `key` exhausted until `expires_at` (Zoom said 429 although our count was
    /// lower: other apps share the account budget).
    fn exhaust<'a>(
        &'a self,
        key: &'a str,
        expires_at: Timestamp,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// Current count and expiry of `key`, if it exists and has not expired at `now`.
    fn get<'a>(
        &'a self,
        key: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<(u32, Timestamp)>, StoreError>>;
}

/// Process-local [`CounterStore`].
#[derive(Default)]
pub struct InMemoryStore {
    map: Mutex<HashMap<String, (u32, Timestamp)>>,
    clock: Option<Arc<dyn crate::clock::Clock>>,
}

impl std::fmt::Debug for InMemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryStore")
            .field("counters", &self.lock().len())
            .finish()
    }
}

impl InMemoryStore {
    /// Empty store using the system clock to expire counters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Empty store with a given clock (must match the budget's clock).
    pub fn with_clock(clock: SharedClock) -> Self {
        Self {
            map: Mutex::default(),
            clock: Some(clock),
        }
    }

    fn now(&self) -> Timestamp {
        self.clock.as_ref().map_or_else(Timestamp::now, |c| c.now())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Timestamp)>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl CounterStore for InMemoryStore {
    fn try_increment<'a>(
        &'a self,
        key: &'a str,
        limit: u32,
        expires_at: Timestamp,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let now = self.now();
        let mut map = self.lock();
        if map.len() > 10_000 {
            map.retain(|_, (_, exp)| *exp > now);
        }
        let entry = map.entry(key.to_owned()).or_insert((0, expires_at));
        if entry.1 <= now {
            *entry = (0, expires_at);
        }
        let admitted = entry.0 < limit;
        if admitted {
            entry.0 += 1;
        }
        Box::pin(std::future::ready(Ok(admitted)))
    }

    fn exhaust<'a>(
        &'a self,
        key: &'a str,
        expires_at: Timestamp,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        self.lock().insert(key.to_owned(), (u32::MAX, expires_at));
        Box::pin(std::future::ready(Ok(())))
    }

    fn get<'a>(
        &'a self,
        key: &'a str,
        now: Timestamp,
    ) -> BoxFuture<'a, Result<Option<(u32, Timestamp)>, StoreError>> {
        let v = self.lock().get(key).copied().filter(|(_, exp)| *exp > now);
        Box::pin(std::future::ready(Ok(v)))
    }
}

/// Why the budget refused a call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BudgetError {
    /// Over budget; do not call Zoom before `retry_at`.
    #[error("zoom rate budget exhausted ({scope:?}); retry at {retry_at}")]
    Throttled {
        /// Which limit.
        scope: RateLimitScope,
        /// When to try again.
        retry_at: Timestamp,
    },
    /// The store failed; the app decides whether to call anyway.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The budget: ask before each Zoom call, report 429s after.
#[derive(Clone)]
pub struct RateBudget {
    store: Arc<dyn CounterStore>,
    clock: SharedClock,
}

impl std::fmt::Debug for RateBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateBudget").finish_non_exhaustive()
    }
}

/// Every counter key of Zoom account `account_id` starts with this, so that a store can
/// forget an account (e.g. when a customer deletes their Zoom data).
pub fn account_key_prefix(account_id: &str) -> String {
    format!("zoom:acct:{account_id}:")
}
/// Every counter key of Zoom user `host_id` starts with this.
pub fn host_key_prefix(host_id: &str) -> String {
    format!("zoom:host:{host_id}:")
}

fn second_key(account_id: &str, category: Category, second: i64) -> String {
    format!(
        "{}{}:{second}",
        account_key_prefix(account_id),
        category.as_str()
    )
}
fn block_key(account_id: &str, category: Category) -> String {
    format!(
        "{}{}:blocked",
        account_key_prefix(account_id),
        category.as_str()
    )
}
fn host_day_key(host_id: &str, now: Timestamp) -> String {
    let day = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    format!("{}writes:{day}", host_key_prefix(host_id))
}

impl RateBudget {
    /// Budget over `store` with the system clock.
    pub fn new(store: Arc<dyn CounterStore>) -> Self {
        Self {
            store,
            clock: Arc::new(SystemClock),
        }
    }

    /// Use another clock (tests).
    pub fn with_clock(mut self, clock: SharedClock) -> Self {
        self.clock = clock;
        self
    }

    /// Take one slot of the account's per-second budget for `category`.
    pub async fn acquire(
        &self,
        account_id: &str,
        plan: PlanTier,
        category: Category,
    ) -> Result<(), BudgetError> {
        let now = self.clock.now();
        if let Some((_, until)) = self
            .store
            .get(&block_key(account_id, category), now)
            .await?
        {
            return Err(BudgetError::Throttled {
                scope: RateLimitScope::PerSecond,
                retry_at: until,
            });
        }
        let second = now.as_second();
        let window_end = Timestamp::from_second(second + 1).unwrap_or(now);
        let key = second_key(account_id, category, second);
        if self
            .store
            .try_increment(&key, plan.per_second(category), window_end)
            .await?
        {
            Ok(())
        } else {
            Err(BudgetError::Throttled {
                scope: RateLimitScope::PerSecond,
                retry_at: window_end,
            })
        }
    }

    /// Budget for a meeting/webinar create or update: a Light slot for the account and
    /// one of the host's 100 daily writes.
    pub async fn acquire_meeting_write(
        &self,
        account_id: &str,
        plan: PlanTier,
        host_id: &str,
    ) -> Result<(), BudgetError> {
        // Per-second first: a wasted per-second slot is harmless, a wasted daily one is not.
        self.acquire(account_id, plan, Category::Light).await?;
        let now = self.clock.now();
        let midnight = next_utc_midnight(now);
        if self
            .store
            .try_increment(&host_day_key(host_id, now), DAILY_HOST_WRITES, midnight)
            .await?
        {
            Ok(())
        } else {
            Err(BudgetError::Throttled {
                scope: RateLimitScope::DailyHost,
                retry_at: midnight,
            })
        }
    }

    /// Writes the host still has today.
    pub async fn remaining_host_writes(&self, host_id: &str) -> Result<u32, StoreError> {
        let now = self.clock.now();
        let used = self
            .store
            .get(&host_day_key(host_id, now), now)
            .await?
            .map_or(0, |(n, _)| n);
        Ok(DAILY_HOST_WRITES.saturating_sub(used))
    }

    /// Feed a Zoom error back: on a 429 block the matching budget until Zoom's retry
    /// instant, so other instances stop calling too. Other errors are ignored.
    pub async fn record_error(
        &self,
        err: &ZoomError,
        account_id: &str,
        category: Category,
        host_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let ErrorKind::RateLimited { scope, retry_at } = err.kind() else {
            return Ok(());
        };
        let now = self.clock.now();
        match (scope, host_id) {
            (RateLimitScope::DailyHost, Some(host)) => {
                self.store
                    .exhaust(&host_day_key(host, now), next_utc_midnight(now))
                    .await
            }
            _ => {
                // Never block for less than a second nor longer than until midnight.
                let floor = now + SignedDuration::from_secs(1);
                let until = retry_at.max(floor).min(next_utc_midnight(now).max(floor));
                self.store
                    .exhaust(&block_key(account_id, category), until)
                    .await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::{Clock, ManualClock};

    fn budget() -> (RateBudget, ManualClock) {
        budget_at("2025-02-19T23:59:58Z")
    }

    fn budget_at(start: &str) -> (RateBudget, ManualClock) {
        let clock = ManualClock::new(start.parse().unwrap());
        let shared: SharedClock = Arc::new(clock.clone());
        let store = Arc::new(InMemoryStore::with_clock(shared.clone()));
        (RateBudget::new(store).with_clock(shared), clock)
    }

    #[test]
    fn every_counter_key_starts_with_its_account_or_host_prefix() {
        let now: Timestamp = "2025-02-19T23:59:58Z".parse().unwrap();
        let acct = account_key_prefix("AbC-1");
        assert!(second_key("AbC-1", Category::Heavy, 7).starts_with(&acct));
        assert!(block_key("AbC-1", Category::Light).starts_with(&acct));
        assert!(!block_key("AbC-12", Category::Light).starts_with(&acct));
        assert!(host_day_key("u_1", now).starts_with(&host_key_prefix("u_1")));
        assert!(!host_day_key("u_10", now).starts_with(&host_key_prefix("u_1")));
    }

    #[tokio::test]
    async fn per_second_budget_by_plan() {
        let (b, clock) = budget();
        for _ in 0..4 {
            b.acquire("acct", PlanTier::Free, Category::Light)
                .await
                .unwrap();
        }
        let err = b
            .acquire("acct", PlanTier::Free, Category::Light)
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            BudgetError::Throttled { scope: RateLimitScope::PerSecond, retry_at }
                if retry_at == "2025-02-19T23:59:59Z".parse::<Timestamp>().unwrap()
        ));
        // Another category and another account are separate.
        b.acquire("acct", PlanTier::Free, Category::Medium)
            .await
            .unwrap();
        b.acquire("other", PlanTier::Free, Category::Light)
            .await
            .unwrap();
        clock.advance(std::time::Duration::from_secs(1));
        b.acquire("acct", PlanTier::Free, Category::Light)
            .await
            .unwrap();
        assert_eq!(PlanTier::BusinessPlus.per_second(Category::Heavy), 40);
    }

    #[tokio::test]
    async fn daily_host_writes_reset_at_midnight() {
        let (b, clock) = budget_at("2025-02-19T12:00:00Z");
        for _ in 0..DAILY_HOST_WRITES {
            // 50 per second stays under BusinessPlus's 80/s Light limit.
            clock.advance(std::time::Duration::from_millis(20));
            b.acquire_meeting_write("acct", PlanTier::BusinessPlus, "host")
                .await
                .unwrap();
        }
        assert_eq!(b.remaining_host_writes("host").await.unwrap(), 0);
        let err = b
            .acquire_meeting_write("acct", PlanTier::BusinessPlus, "host")
            .await
            .unwrap_err();
        assert!(
            matches!(err, BudgetError::Throttled { scope: RateLimitScope::DailyHost, retry_at }
            if retry_at == "2025-02-20T00:00:00Z".parse::<Timestamp>().unwrap())
        );
        b.acquire_meeting_write("acct", PlanTier::BusinessPlus, "host2")
            .await
            .unwrap();
        clock.set("2025-02-20T00:00:00Z".parse().unwrap());
        b.acquire_meeting_write("acct", PlanTier::BusinessPlus, "host")
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn zoom_429_blocks_budget() {
        let (b, clock) = budget();
        let now = clock.now();
        let err = ZoomError::from_api_response(
            429,
            &reqwest::header::HeaderMap::new(),
            br#"{"code":429,"message":"You have reached the maximum per-second rate limit for this API. Try again later."}"#,
            now,
        );
        b.record_error(&err, "acct", Category::Heavy, None)
            .await
            .unwrap();
        assert!(
            b.acquire("acct", PlanTier::Pro, Category::Heavy)
                .await
                .is_err()
        );
        b.acquire("acct", PlanTier::Pro, Category::Light)
            .await
            .unwrap();
        clock.advance(std::time::Duration::from_secs(1));
        b.acquire("acct", PlanTier::Pro, Category::Heavy)
            .await
            .unwrap();

        let daily = ZoomError::from_api_response(
            429,
            &reqwest::header::HeaderMap::new(),
            br#"{"code":429,"message":"You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."}"#,
            clock.now(),
        );
        b.record_error(&daily, "acct", Category::Light, Some("h"))
            .await
            .unwrap();
        assert_eq!(b.remaining_host_writes("h").await.unwrap(), 0);
    }
}
