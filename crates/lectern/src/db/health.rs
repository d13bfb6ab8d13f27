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
//! - While down, requests are answered 503 at once (`web::db_guard`), `/readyz` says so,
//!   and one background probe every [`PROBE_EVERY`] clears the state when the database
//!   answers again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How long a probe (or `/readyz`) waits for the database.
pub const PROBE_TIMEOUT: Duration = Duration::from_millis(900);
/// How often the background probe tries while the database is down.
pub const PROBE_EVERY: Duration = Duration::from_millis(250);

#[derive(Debug)]
pub struct Health {
    /// Process-local time origin for the millisecond fields below.
    origin: Instant,
    /// When the last connection loss was seen (ms since `origin`, +1 so 0 means never).
    outage_at: AtomicU64,
    down: AtomicBool,
    probing: AtomicBool,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            origin: Instant::now(),
            outage_at: AtomicU64::new(0),
            down: AtomicBool::new(false),
            probing: AtomicBool::new(false),
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
        self.down.store(down, Ordering::Release);
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
