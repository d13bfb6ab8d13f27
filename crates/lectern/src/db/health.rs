//! What this instance knows of its database's health, so that an outage costs a visitor a
//! fast, clear 503 instead of a 10 s wait (the pool's acquire timeout) and a 500.
//!
//! - A statement that fails because its connection is gone (the server restarted, the
//!   network dropped, the pool could not connect) is a *connection loss*
//!   ([`is_connection_loss`]). The request that met it records an outage: every pooled
//!   connection opened before that moment is discarded when next acquired (after a
//!   restart they are all dead; without this each would fail one more request), and one
//!   probe with a fresh connection, bounded by [`PROBE_TIMEOUT`], tells whether the
//!   database is back (then a safe request is retried once) or down.
//! - While down, `/readyz` says so at once, and one background probe (every
//!   [`RIDE_THROUGH_PROBE_EVERY`] during the first [`RIDE_THROUGH`] of the outage, then
//!   every [`PROBE_EVERY`]) clears the state when the database answers again. A request
//!   meeting the outage in its first [`RIDE_THROUGH`] waits for that instead of failing
//!   (`web::db_guard`; a GET that lost its connection is then run again): a fast restart
//!   (`pg_ctl restart -m fast`, half a second) costs latency, not failed requests. Later
//!   requests are answered 503 at once.
//! - A write that fails because the database cannot be written at all — SQLite's disk
//!   full or read-only file, PostgreSQL's `disk_full` or a read-only server
//!   ([`is_unwritable`]) — is answered 503 with what the operator must do, and `/readyz`
//!   is false until a write succeeds again (`Db::writable`): reads keep working, and the
//!   process keeps running instead of failing into a restart loop.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a probe (or `/readyz`) waits for the database.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(900);
/// How often the background probe tries while the database is down.
pub const PROBE_EVERY: Duration = Duration::from_millis(250);
/// How long from the start of an outage requests wait for the database to return before
/// they are answered 503: longer than a fast restart, short enough that a proxy's health
/// check or a visitor still gets a clear answer in seconds, not the pool's 10 s.
pub const RIDE_THROUGH: Duration = Duration::from_secs(2);
/// How often the background probe tries while requests wait ([`RIDE_THROUGH`]).
pub const RIDE_THROUGH_PROBE_EVERY: Duration = Duration::from_millis(50);
/// How long a request may be in its handler before the guard asks whether the database
/// still answers (PostgreSQL): a request that must open a connection while the server is
/// gone would otherwise wait out the pool's 10 s acquire timeout, because the pool retries
/// a refused connect until then.
pub const SLOW: Duration = Duration::from_secs(1);
/// How long one probe's answer serves every slow request that asks ([`SLOW`]): a crowd
/// of them costs the server one connection, not one each.
pub const PROBE_SHARED_FOR: Duration = Duration::from_secs(1);

#[derive(Debug)]
pub struct Health {
    /// Process-local time origin for the millisecond fields below.
    origin: Instant,
    /// When the last connection loss was seen (ms since `origin`, +1 so 0 means never).
    outage_at: AtomicU64,
    down: AtomicBool,
    /// When the database was last marked down (as `outage_at`).
    down_since: AtomicU64,
    /// Woken when the database is marked up again.
    back: tokio::sync::Notify,
    probing: AtomicBool,
    /// When a write last failed for want of space or permission (as `outage_at`).
    unwritable_at: AtomicU64,
    /// The last shared probe's time and answer; held while one runs, so that the slow
    /// requests asking meanwhile wait for its answer instead of probing too.
    pub(crate) last_probe: tokio::sync::Mutex<Option<(Instant, bool)>>,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            origin: Instant::now(),
            outage_at: AtomicU64::new(0),
            down: AtomicBool::new(false),
            down_since: AtomicU64::new(0),
            back: tokio::sync::Notify::new(),
            probing: AtomicBool::new(false),
            unwritable_at: AtomicU64::new(0),
            last_probe: tokio::sync::Mutex::new(None),
        }
    }
}

impl Health {
    fn now(&self) -> u64 {
        self.origin.elapsed().as_millis() as u64 + 1
    }

    /// True while the database is known to be unreachable.
    pub fn is_down(&self) -> bool {
        self.down.load(Ordering::Acquire)
    }

    pub(crate) fn set_down(&self, down: bool) {
        if down {
            if !self.down.load(Ordering::Acquire) {
                self.down_since.store(self.now(), Ordering::Release);
            }
            self.down.store(true, Ordering::Release);
        } else {
            self.down.store(false, Ordering::Release);
            self.back.notify_waiters();
        }
    }

    /// How long the database has been down (zero while it is up).
    fn down_for(&self) -> Duration {
        if !self.is_down() {
            return Duration::ZERO;
        }
        let since = self.down_since.load(Ordering::Acquire);
        Duration::from_millis(self.now().saturating_sub(since))
    }

    /// Whether the outage is young enough that requests wait for its end ([`RIDE_THROUGH`]).
    pub fn riding_through(&self) -> bool {
        self.is_down() && self.down_for() < RIDE_THROUGH
    }

    /// Waits, while the outage is younger than [`RIDE_THROUGH`], for the database to be
    /// back; returns whether it is (at once if it was never down).
    pub async fn ride_through(&self) -> bool {
        loop {
            // Registered before the state is read, so a return in between is not missed.
            let back = self.back.notified();
            tokio::pin!(back);
            back.as_mut().enable();
            if !self.is_down() {
                return true;
            }
            let left = RIDE_THROUGH.saturating_sub(self.down_for());
            if left.is_zero() {
                return false;
            }
            if tokio::time::timeout(left, back).await.is_err() {
                return !self.is_down();
            }
        }
    }

    /// Records that a write failed because the database cannot be written.
    pub fn unwritable(&self) {
        self.unwritable_at.store(self.now(), Ordering::Release);
    }

    /// Whether a write failed for want of space or permission since the last successful
    /// write probe (`Db::writable`).
    pub fn seems_unwritable(&self) -> bool {
        self.unwritable_at.load(Ordering::Acquire) != 0
    }

    pub(crate) fn writable_again(&self) {
        self.unwritable_at.store(0, Ordering::Release);
    }

    /// Records a connection loss now: connections opened before it are not reused.
    pub fn outage(&self) {
        self.outage_at.store(self.now(), Ordering::Release);
    }

    /// Whether a pooled connection of age `age` was opened before the last outage (the
    /// pool's `before_acquire` then discards it and opens a fresh one).
    pub fn predates_outage(&self, age: Duration) -> bool {
        let at = self.outage_at.load(Ordering::Acquire);
        if at == 0 {
            return false;
        }
        let opened = self.now().saturating_sub(age.as_millis() as u64);
        opened <= at
    }

    /// Claims the background probe (one per instance at a time).
    pub(crate) fn start_probing(self: &Arc<Self>) -> bool {
        !self.probing.swap(true, Ordering::AcqRel)
    }

    pub(crate) fn stop_probing(&self) {
        self.probing.store(false, Ordering::Release);
    }
}

/// Whether `e` means the connection (or the way to the server) is gone, rather than this
/// statement being wrong: I/O and TLS errors, a pool that could not connect in time, and
/// PostgreSQL's "connection exception" class (08) and shutdown codes (57P01–57P03).
pub fn is_connection_loss(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        // A protocol error is what a connection cut mid-message looks like to sqlx.
        sqlx::Error::Protocol(m) => {
            let m = m.to_ascii_lowercase();
            m.contains("connection") || m.contains("eof")
        }
        _ => false,
    }
}

/// Whether `e` means the database cannot be written at all, whatever the statement:
/// SQLite's `SQLITE_FULL` (13) and `SQLITE_READONLY` (8, with its extended codes, e.g. a
/// file made read-only or moved), PostgreSQL's `disk_full` (53100) and
/// `read_only_sql_transaction` (25006, a standby or `default_transaction_read_only`).
pub fn is_unwritable(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = e else {
        return false;
    };
    let Some(code) = db.code() else {
        return false;
    };
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // Extended result codes keep the primary code in the low byte.
        return code
            .parse::<i32>()
            .is_ok_and(|c| matches!(c & 0xff, 8 | 13));
    }
    matches!(&*code, "53100" | "25006")
}

/// Whether `e` means a lock was not had in time, whatever the statement: SQLite's
/// `SQLITE_BUSY` (5) and `SQLITE_LOCKED` (6) after the busy timeout, PostgreSQL's
/// `lock_not_available` (55P03) and `query_canceled` (57014: a statement or lock timeout).
pub fn is_busy(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(db) = e else {
        return false;
    };
    let Some(code) = db.code() else {
        return false;
    };
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        return code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6));
    }
    matches!(&*code, "55P03" | "57014")
}

/// Whether `e` is PostgreSQL refusing the text it was given (`character_not_in_repertoire`,
/// 22021: a NUL byte, which SQLite stores and PostgreSQL never does): the input's fault,
/// a 400, wherever an unchecked value reaches a query.
pub fn is_unstorable_text(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("22021"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_opened_before_an_outage_are_not_reused() {
        let h = Health::default();
        std::thread::sleep(Duration::from_millis(30));
        // No outage yet: every connection is fine.
        assert!(!h.predates_outage(Duration::from_millis(20)));
        h.outage();
        // Opened 20 ms ago (before the outage just now): discarded.
        assert!(h.predates_outage(Duration::from_millis(20)));
        std::thread::sleep(Duration::from_millis(30));
        // Opened 5 ms ago (after it): kept.
        assert!(!h.predates_outage(Duration::from_millis(5)));
    }

    #[tokio::test]
    async fn requests_wait_out_a_young_outage() {
        let h = Arc::new(Health::default());
        assert!(h.ride_through().await, "up: at once");
        h.set_down(true);
        assert!(h.riding_through());
        let waiting = tokio::spawn({
            let h = h.clone();
            async move { h.ride_through().await }
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!waiting.is_finished(), "waits while the outage is young");
        h.set_down(false);
        assert!(waiting.await.unwrap(), "the database came back");
    }

    #[test]
    fn an_outage_older_than_the_ride_through_is_answered_at_once() {
        let h = Health::default();
        h.set_down(true);
        std::thread::sleep(RIDE_THROUGH + Duration::from_millis(20));
        assert!(!h.riding_through());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let t = Instant::now();
        assert!(!rt.block_on(h.ride_through()));
        assert!(
            t.elapsed() < Duration::from_millis(100),
            "{:?}",
            t.elapsed()
        );
        // Marked down again while already down: the outage keeps its start.
        h.set_down(true);
        assert!(!h.riding_through());
    }

    #[test]
    fn what_counts_as_a_lost_connection() {
        assert!(is_connection_loss(&sqlx::Error::PoolTimedOut));
        assert!(is_connection_loss(&sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset"
        ))));
        assert!(!is_connection_loss(&sqlx::Error::RowNotFound));
        assert!(!is_connection_loss(&sqlx::Error::ColumnNotFound(
            "x".into()
        )));
    }
}
