//! A per-instance cache of "session token → signed-in user", so that a page costs one
//! query fewer. It is only trusted while the database tells this instance about every
//! change: on PostgreSQL a trigger (migration 0007) sends
//! `NOTIFY lectern_auth, '<schema>:<user id>'` whenever a user row or a live session row is
//! updated or deleted, by any instance, job or shell, and [`follow_changes`] evicts that
//! user's entries. While that subscription is not established (at start, after a lost
//! connection) the cache is off and every lookup goes to the database, as it would
//! without a cache.
//!
//! SQLite cannot notify: there the same triggers (migration 0034) append the same payloads
//! to the `change_log` table, in the writing transaction of whichever process writes, and
//! [`poll_changes`] reads what is new every [`POLL`]; the cache is live while those reads
//! succeed. A change made by another process (`lectern admin`, the sqlite3 shell) reaches
//! the cache within [`POLL`], as a notification reaches another PostgreSQL instance a
//! moment after its commit.
//!
//! A subscription can also die without a word (a network partition no side has noticed,
//! or a pooler that drops notifications), so every instance also sends a heartbeat
//! notification every [`HEARTBEAT`]; a subscription that hears nothing for [`SILENCE`] is
//! dropped and the cache is off until a new one hears its first heartbeat.
//!
//! Writes made by this instance also evict synchronously, so a request that follows a
//! sign-out or a profile change on the same instance never waits for the notification.
//!
//! Other caches kept the same way ([`ChangeFollower`]: the certificates' verification
//! page) share the subscription: they are live exactly while it is, and hear their own
//! channel on it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use prometheus::{IntCounter, IntCounterVec, IntGauge};
use tokio::sync::watch;

use super::User;
use crate::db::Db;

/// The channel of the trigger in `migrations/postgres/0007_session_cache.sql`.
pub const CHANNEL: &str = "lectern_auth";

/// How often each instance notifies the channel to show subscriptions are alive.
pub(crate) const HEARTBEAT: Duration = Duration::from_secs(2);
/// A subscription that receives nothing for this long is considered dead.
pub(crate) const SILENCE: Duration = Duration::from_secs(5);
const HEARTBEAT_PAYLOAD: &str = "hb";

/// How often [`poll_changes`] reads SQLite's change log.
pub(crate) const POLL: Duration = Duration::from_millis(50);
/// The "schema" SQLite's triggers name in their payloads.
const SQLITE_SCHEMA: &str = "main";
/// Change-log rows older than this are deleted: a reader that far behind is not live.
const CHANGE_LOG_KEPT_MS: i64 = 10 * 60 * 1000;

/// A last bound on how long an entry is trusted even while subscribed.
const MAX_AGE: Duration = Duration::from_secs(30);

/// Entries kept at most; past it the cache starts over. A class of 50,000 signed in at
/// once fits (as in the viewer cache); the sweep (`server::sweep_caches`) empties it again
/// once they are gone.
const CAPACITY: usize = 60_000;

pub struct SessionCache {
    inner: Mutex<Inner>,
    // Resolved once: a lookup is on every page, labels are hashed only here.
    hits: IntCounter,
    misses: IntCounter,
    offs: IntCounter,
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
            hits: lookups.with_label_values(&["hit"]),
            misses: lookups.with_label_values(&["miss"]),
            offs: lookups.with_label_values(&["off"]),
            live_gauge,
        }
    }

    /// The cached user of a session (hashed token) of `school_id` that has not expired
    /// at `now_ms`, or a ticket to store the database's answer with.
    pub fn get(&self, token_hash: &str, school_id: i64, now_ms: i64) -> Result<User, Ticket> {
        let mut inner = self.lock();
        if !inner.live {
            self.offs.inc();
            return Err(Ticket(None));
        }
        let fresh = inner.entries.get(token_hash).filter(|e| {
            e.user.school_id == school_id
                && e.expires_at > now_ms
                && e.cached_at.elapsed() < MAX_AGE
        });
        if let Some(e) = fresh {
            self.hits.inc();
            return Ok(e.user.clone());
        }
        inner.entries.remove(token_hash);
        self.misses.inc();
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

    /// Drops the entries no lookup would serve any more (past [`MAX_AGE`] or expired), so
    /// that a class gone home leaves nothing behind, and gives back the map's room.
    pub fn sweep(&self, now_ms: i64) {
        let mut inner = self.lock();
        inner
            .entries
            .retain(|_, e| e.expires_at > now_ms && e.cached_at.elapsed() < MAX_AGE);
        crate::db::viewers::shrink(&mut inner.entries);
    }

    pub(crate) fn forget_session(&self, token_hash: &str) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.remove(token_hash);
    }

    /// Forgets every session of a user (their sessions ended or their account changed).
    pub(crate) fn forget_user(&self, user_id: i64) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.retain(|_, e| e.user.id != user_id);
    }

    /// Turns the cache on or off; either way it starts empty, because changes made while
    /// not subscribed were not seen. [`follow_changes`] goes live with its subscription's
    /// backend pid; tests turn a cache on without one.
    pub fn set_live(&self, live: bool) {
        self.reset(live, None);
    }

    fn reset(&self, live: bool, subscription_pid: Option<i32>) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
        inner.live = live;
        inner.subscription_pid = subscription_pid;
        self.live_gauge.set(i64::from(live));
    }

    fn clear(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
    }

    pub fn is_live(&self) -> bool {
        self.lock().live
    }

    /// The backend pid of the live subscription (`pg_stat_activity.pid`), if any.
    pub fn subscription_pid(&self) -> Option<i32> {
        self.lock().subscription_pid
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies one notification of the channel for `schema`: a heartbeat, another
    /// schema's change (ignored), a user id, or anything else (which forgets everything).
    fn apply(&self, schema: &str, payload: &str) {
        if payload == HEARTBEAT_PAYLOAD {
            return;
        }
        let Some((of, what)) = payload.rsplit_once(':') else {
            return self.clear();
        };
        if of != schema {
            return;
        }
        match what.parse::<i64>() {
            Ok(user_id) => self.forget_user(user_id),
            Err(_) => self.clear(),
        }
    }
}

/// Another per-instance cache fed by the same subscription: live exactly while the
/// session cache is (see the module's comment), told of each notification of its own
/// channel. Defined here so that a capability above `accounts` can plug one in.
pub trait ChangeFollower: Send + Sync {
    /// The channel its trigger notifies.
    fn channel(&self) -> &'static str;
    /// Turns it on or off; either way it must start empty.
    fn set_live(&self, live: bool);
    /// One notification of [`ChangeFollower::channel`], heard on a connection whose
    /// schema is `schema`.
    fn apply(&self, schema: &str, payload: &str);
}

/// Keeps `cache` (and `followers`) subscribed to the change notifications of the
/// PostgreSQL database at `url` until `shutdown` turns true; the caches are live exactly
/// while subscribed and hearing heartbeats, which this task also sends through `db` every
/// [`HEARTBEAT`].
pub async fn follow_changes(
    cache: Arc<SessionCache>,
    followers: Vec<Arc<dyn ChangeFollower>>,
    db: Db,
    url: String,
    mut shutdown: watch::Receiver<bool>,
) {
    let heartbeat = tokio::spawn(send_heartbeats(db.clone(), shutdown.clone()));
    let mut backoff = Duration::from_millis(100);
    let mut failures_logged = 0u32;
    loop {
        let subscribed = tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => break,
            s = subscribe(&url, &db, &followers) => s,
        };
        match subscribed {
            Ok((listener, pid, schema)) => {
                failures_logged = 0;
                let since = tokio::time::Instant::now();
                let ended = listen(
                    &cache,
                    &followers,
                    &db,
                    listener,
                    pid,
                    &schema,
                    &mut shutdown,
                )
                .await;
                cache.set_live(false);
                followers.iter().for_each(|f| f.set_live(false));
                db.changes.set_relayed(false);
                match ended {
                    Ended::Shutdown => break,
                    Ended::Lost(why) => {
                        tracing::warn!("{why}; session cache off until the subscription is back")
                    }
                }
                if since.elapsed() > Duration::from_secs(30) {
                    backoff = Duration::from_millis(100);
                }
            }
            Err(e) => {
                // Once per failure streak at warn, so a database that stays away does not
                // fill the log.
                if failures_logged == 0 {
                    tracing::warn!(error = %e, "cannot subscribe to session changes; session cache off");
                } else {
                    tracing::debug!(error = %e, "cannot subscribe to session changes");
                }
                failures_logged += 1;
            }
        }
        tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => break,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
    cache.set_live(false);
    followers.iter().for_each(|f| f.set_live(false));
    db.changes.set_relayed(false);
    heartbeat.abort();
}

/// SQLite's stand-in for [`follow_changes`]: keeps `cache` (and `followers`) live while
/// the change log (migration 0034) can be read, handing each new row to the cache or the
/// follower of its channel, every [`POLL`], until `shutdown` turns true. A read that fails or takes longer than [`SILENCE`] turns
/// the cache off; it comes back, empty, with the next read that succeeds.
pub async fn poll_changes(
    cache: Arc<SessionCache>,
    followers: Vec<Arc<dyn ChangeFollower>>,
    db: Db,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut last: Option<i64> = None;
    let mut pruned_at = Instant::now();
    let mut failures_logged = 0u32;
    loop {
        match tokio::time::timeout(SILENCE, read_change_log(&db, last)).await {
            Ok(Ok((seq, rows))) => {
                failures_logged = 0;
                if last.is_none() {
                    // What changed before this read is forgotten by going live empty.
                    cache.reset(true, None);
                    followers.iter().for_each(|f| f.set_live(true));
                } else {
                    for (channel, payload) in &rows {
                        match followers.iter().find(|f| f.channel() == channel) {
                            Some(f) => f.apply(SQLITE_SCHEMA, payload),
                            None if channel == CHANNEL => cache.apply(SQLITE_SCHEMA, payload),
                            None => {}
                        }
                    }
                }
                last = Some(seq);
            }
            outcome => {
                if last.take().is_some() || failures_logged == 0 {
                    let why = match outcome {
                        Ok(Err(e)) => e.to_string(),
                        _ => "it took too long".to_string(),
                    };
                    tracing::warn!(error = %why, "cannot read the change log; session cache off");
                }
                failures_logged += 1;
                cache.set_live(false);
                followers.iter().for_each(|f| f.set_live(false));
            }
        }
        if pruned_at.elapsed() > Duration::from_secs(60) {
            pruned_at = Instant::now();
            let before = crate::db::now_ms() - CHANGE_LOG_KEPT_MS;
            if let Err(e) = sqlx::query("DELETE FROM change_log WHERE created_at < $1")
                .bind(before)
                .execute(&db.pool)
                .await
            {
                tracing::debug!(error = %e, "pruning the change log failed");
            }
        }
        tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => break,
            _ = tokio::time::sleep(POLL) => {}
        }
    }
    cache.set_live(false);
    followers.iter().for_each(|f| f.set_live(false));
}

/// The rows after `after` (all of them but none returned when `None`: the first read only
/// learns where the log stands) and the last sequence number.
async fn read_change_log(
    db: &Db,
    after: Option<i64>,
) -> sqlx::Result<(i64, Vec<(String, String)>)> {
    let Some(after) = after else {
        let seq: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM change_log")
            .fetch_one(&db.pool)
            .await?;
        return Ok((seq, Vec::new()));
    };
    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT seq, channel, payload FROM change_log WHERE seq > $1 ORDER BY seq")
            .bind(after)
            .fetch_all(&db.pool)
            .await?;
    let seq = rows.last().map_or(after, |r| r.0);
    Ok((seq, rows.into_iter().map(|(_, c, p)| (c, p)).collect()))
}

enum Ended {
    Shutdown,
    Lost(&'static str),
}

/// Applies the notifications of one subscription until it is lost, goes quiet for
/// [`SILENCE`], or `shutdown` turns true. The cache goes live at the first notification
/// heard, which proves they reach us; what changed before is forgotten by going live.
async fn listen(
    cache: &SessionCache,
    followers: &[Arc<dyn ChangeFollower>],
    db: &Db,
    mut listener: sqlx::postgres::PgListener,
    pid: i32,
    schema: &str,
    shutdown: &mut watch::Receiver<bool>,
) -> Ended {
    let mut live = false;
    loop {
        let next = tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return Ended::Shutdown,
            // A timeout drops the listener, so an interrupted read is harmless.
            next = tokio::time::timeout(SILENCE, listener.try_recv()) => next,
        };
        match next {
            Ok(Ok(Some(n))) if n.channel() == crate::push::CHANNEL => {
                db.changes.apply(schema, n.payload())
            }
            Ok(Ok(Some(_))) if !live => {
                cache.reset(true, Some(pid));
                followers.iter().for_each(|f| f.set_live(true));
                db.changes.set_relayed(true);
                live = true;
                tracing::debug!(pid, "session cache live");
            }
            Ok(Ok(Some(n))) => match followers.iter().find(|f| f.channel() == n.channel()) {
                Some(f) => f.apply(schema, n.payload()),
                None => cache.apply(schema, n.payload()),
            },
            Ok(Ok(None)) | Ok(Err(_)) => {
                return Ended::Lost("lost the session-change subscription");
            }
            Err(_) => return Ended::Lost("the session-change subscription went quiet"),
        }
    }
}

async fn send_heartbeats(db: Db, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = notify_heartbeat(&db).await {
            tracing::debug!(error = %e, "session-change heartbeat failed");
        }
        tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return,
            _ = tokio::time::sleep(HEARTBEAT) => {}
        }
    }
}

async fn notify_heartbeat(db: &Db) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(HEARTBEAT_PAYLOAD)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// LISTENs on a connection of its own; returns it with its backend pid and schema (the
/// first of its search path, where the triggers live), after asking for a heartbeat so
/// that the first notification arrives at once.
async fn subscribe(
    url: &str,
    db: &Db,
    followers: &[Arc<dyn ChangeFollower>],
) -> sqlx::Result<(sqlx::postgres::PgListener, i32, String)> {
    let mut listener = sqlx::postgres::PgListener::connect(url).await?;
    // A lost connection is reported at once (`Ok(None)`) instead of being re-established
    // silently, so that the cache is off for the whole gap.
    listener.eager_reconnect(false);
    // The same connection carries the live-lesson changes for open pages (crate::push).
    let channels = [CHANNEL, crate::push::CHANNEL]
        .into_iter()
        .chain(followers.iter().map(|f| f.channel()));
    listener.listen_all(channels).await?;
    let (pid, schema): (i32, String) =
        sqlx::query_as("SELECT pg_backend_pid(), current_schema()::text")
            .fetch_one(&mut listener)
            .await?;
    notify_heartbeat(db).await?;
    Ok((listener, pid, schema))
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
        c.apply("s", "s:1");
        assert!(c.get("a", 1, 0).is_err() && c.get("b", 1, 0).is_err());
        assert_eq!(c.get("c", 1, 0).unwrap().id, 2);
        c.forget_session("c");
        assert!(c.get("c", 1, 0).is_err());
    }

    #[test]
    fn a_sweep_drops_expired_sessions_and_keeps_the_others() {
        let c = cache();
        c.set_live(true);
        for (hash, id, expires) in [("a", 1, 100), ("b", 2, 300)] {
            let t = miss(&c, hash);
            c.put(t, hash.into(), user(id), expires);
        }
        c.sweep(200);
        assert_eq!(c.lock().entries.len(), 1);
        assert_eq!(c.get("b", 1, 200).unwrap().id, 2);
    }

    #[test]
    fn heartbeats_and_other_schemas_are_ignored_and_a_truncate_forgets_everything() {
        let c = cache();
        c.set_live(true);
        let t = miss(&c, "a");
        c.put(t, "a".into(), user(1), 100);
        c.apply("s", "hb");
        c.apply("s", "other:1");
        assert!(
            c.get("a", 1, 0).is_ok(),
            "heartbeats and other schemas change nothing"
        );
        c.apply("s", "s:*");
        assert!(c.is_live());
        assert!(c.get("a", 1, 0).is_err(), "a TRUNCATE forgets everything");
    }
}
