//! A per-instance cache of "session token → signed-in user", so that a page costs one
//! query fewer. It is only trusted while the database tells this instance about every
//! change: on PostgreSQL a trigger (migration 0007) sends `NOTIFY lectern_auth, '<user id>'`
//! whenever a session or a user row is updated or deleted, by any instance, job or shell,
//! and [`follow_changes`] evicts that user's entries. While that subscription is not
//! established (at start, after a lost connection, on SQLite) the cache is off and every
//! lookup goes to the database, as it would without a cache.
//!
//! Writes made by this instance also evict synchronously, so a request that follows a
//! sign-out or a profile change on the same instance never waits for the notification.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use prometheus::{IntCounterVec, IntGauge};
use tokio::sync::watch;

use super::User;

/// The channel of the trigger in `migrations/postgres/0007_session_cache.sql`.
pub const CHANNEL: &str = "lectern_auth";

/// A bound on how long an entry is trusted even while subscribed, for a subscription
/// that died silently (a network partition that neither side has noticed yet).
const MAX_AGE: Duration = Duration::from_secs(30);

/// Entries kept at most; past it the cache starts over (sessions are cheap to look up).
const CAPACITY: usize = 20_000;

pub struct SessionCache {
    inner: Mutex<Inner>,
    lookups: IntCounterVec,
    live_gauge: IntGauge,
}

#[derive(Default)]
struct Inner {
    live: bool,
    /// The PostgreSQL backend process of the subscription, for `pg_stat_activity`.
    subscription_pid: Option<i32>,
    /// Bumped by every eviction, so that a lookup which read the database before an
    /// eviction cannot store what it read after it.
    generation: u64,
    entries: HashMap<String, Entry>,
}

struct Entry {
    user: User,
    expires_at: i64,
    cached_at: Instant,
}

/// What a miss must hand back to [`SessionCache::put`]: the generation it started in, or
/// nothing when the cache is off.
#[derive(Debug)]
pub struct Ticket(Option<u64>);

impl SessionCache {
    /// `lookups` is labelled by result (`hit`, `miss`, `off`).
    pub fn new(lookups: IntCounterVec, live_gauge: IntGauge) -> SessionCache {
        SessionCache {
            inner: Mutex::default(),
            lookups,
            live_gauge,
        }
    }

    /// The cached user of a session (hashed token) of `school_id` that has not expired
    /// at `now_ms`, or a ticket to store the database's answer with.
    pub fn get(&self, token_hash: &str, school_id: i64, now_ms: i64) -> Result<User, Ticket> {
        let mut inner = self.lock();
        if !inner.live {
            self.lookups.with_label_values(&["off"]).inc();
            return Err(Ticket(None));
        }
        let fresh = inner.entries.get(token_hash).filter(|e| {
            e.user.school_id == school_id
                && e.expires_at > now_ms
                && e.cached_at.elapsed() < MAX_AGE
        });
        if let Some(e) = fresh {
            self.lookups.with_label_values(&["hit"]).inc();
            return Ok(e.user.clone());
        }
        inner.entries.remove(token_hash);
        self.lookups.with_label_values(&["miss"]).inc();
        Err(Ticket(Some(inner.generation)))
    }

    /// Stores what the database said for a miss, unless something was evicted meanwhile.
    pub fn put(&self, ticket: Ticket, token_hash: String, user: User, expires_at: i64) {
        let mut inner = self.lock();
        if !inner.live || ticket.0 != Some(inner.generation) {
            return;
        }
        if inner.entries.len() >= CAPACITY {
            inner.entries.clear();
        }
        inner.entries.insert(
            token_hash,
            Entry {
                user,
                expires_at,
                cached_at: Instant::now(),
            },
        );
    }

    pub fn forget_session(&self, token_hash: &str) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.remove(token_hash);
    }

    /// Forgets every session of a user (their sessions ended or their account changed).
    pub fn forget_user(&self, user_id: i64) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.retain(|_, e| e.user.id != user_id);
    }

    /// Turns the cache on (subscribed) or off; either way it starts empty, because changes
    /// made while not subscribed were not seen.
    pub fn set_live(&self, live: bool) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
        inner.live = live;
        self.live_gauge.set(i64::from(live));
    }

    pub fn is_live(&self) -> bool {
        self.lock().live
    }

    /// The backend pid of the live subscription (`pg_stat_activity.pid`), if any.
    pub fn subscription_pid(&self) -> Option<i32> {
        let inner = self.lock();
        inner.subscription_pid.filter(|_| inner.live)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies one notification: a user id, or anything else (which forgets everything).
    fn apply(&self, payload: &str) {
        match payload.parse::<i64>() {
            Ok(user_id) => self.forget_user(user_id),
            Err(_) => self.set_live(true),
        }
    }
}

/// Keeps `cache` subscribed to the change notifications of the PostgreSQL database at
/// `url` until `shutdown` turns true; the cache is live exactly while subscribed.
pub async fn follow_changes(
    cache: Arc<SessionCache>,
    url: String,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        cache.set_live(false);
        match subscribe(&url).await {
            Ok((mut listener, pid)) => {
                // Subscribed from here on: what changed before is cleared by going live.
                cache.set_live(true);
                cache.lock().subscription_pid = Some(pid);
                tracing::debug!(pid, "subscribed to session changes");
                backoff = Duration::from_millis(100);
                loop {
                    tokio::select! {
                        _ = shutdown.wait_for(|stop| *stop) => {
                            cache.set_live(false);
                            return;
                        }
                        next = listener.try_recv() => match next {
                            Ok(Some(n)) => cache.apply(n.payload()),
                            Ok(None) => {
                                tracing::warn!("lost the session-change subscription; session cache off until it is back");
                                break;
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "session-change subscription failed; session cache off until it is back");
                                break;
                            }
                        },
                    }
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot subscribe to session changes; session cache off");
            }
        }
        cache.set_live(false);
        tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

async fn subscribe(url: &str) -> sqlx::Result<(sqlx::postgres::PgListener, i32)> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    // A lost connection is reported at once (`Ok(None)`) instead of being re-established
    // silently, so that the cache is off for the whole gap.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut listener)
        .await?;
    Ok((listener, pid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::Role;

    fn cache() -> SessionCache {
        let lookups = IntCounterVec::new(prometheus::Opts::new("l", "l"), &["result"]).unwrap();
        let live = IntGauge::new("g", "g").unwrap();
        SessionCache::new(lookups, live)
    }

    fn user(id: i64) -> User {
        User {
            id,
            school_id: 1,
            email: format!("u{id}@example.test"),
            display_name: format!("User {id}"),
            role: Role::Student,
            timezone: "UTC".into(),
            language: None,
        }
    }

    fn miss(c: &SessionCache, hash: &str) -> Ticket {
        c.get(hash, 1, 0).expect_err("a miss")
    }

    #[test]
    fn off_until_live_and_stores_nothing_while_off() {
        let c = cache();
        let t = miss(&c, "h");
        assert!(t.0.is_none());
        c.put(t, "h".into(), user(1), 10);
        c.set_live(true);
        let t = miss(&c, "h");
        c.put(t, "h".into(), user(1), 10);
        assert_eq!(c.get("h", 1, 0).unwrap().id, 1);
        c.set_live(false);
        assert!(c.get("h", 1, 0).is_err(), "going off forgets everything");
    }

    #[test]
    fn an_eviction_during_a_lookup_wins_over_its_result() {
        let c = cache();
        c.set_live(true);
        let t = miss(&c, "h");
        // The database was read, then the user signed out elsewhere, then the read returns.
        c.forget_user(1);
        c.put(t, "h".into(), user(1), 10);
        assert!(c.get("h", 1, 0).is_err());
    }

    #[test]
    fn forgets_by_user_and_by_session_and_respects_school_and_expiry() {
        let c = cache();
        c.set_live(true);
        for (hash, id) in [("a", 1), ("b", 1), ("c", 2)] {
            let t = miss(&c, hash);
            c.put(t, hash.into(), user(id), 100);
        }
        assert!(c.get("a", 2, 0).is_err(), "another school's session");
        assert!(c.get("c", 1, 100).is_err(), "expired at 100");
        let t = miss(&c, "c");
        c.put(t, "c".into(), user(2), 100);
        c.apply("1");
        assert!(c.get("a", 1, 0).is_err() && c.get("b", 1, 0).is_err());
        assert_eq!(c.get("c", 1, 0).unwrap().id, 2);
        c.forget_session("c");
        assert!(c.get("c", 1, 0).is_err());
    }

    #[test]
    fn an_unreadable_notification_forgets_everything() {
        let c = cache();
        c.set_live(true);
        let t = miss(&c, "a");
        c.put(t, "a".into(), user(1), 100);
        c.apply("not a user id");
        assert!(c.is_live());
        assert!(c.get("a", 1, 0).is_err());
    }
}
