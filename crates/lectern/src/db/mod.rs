//! The database: one `AnyPool` over SQLite (embedded default) or PostgreSQL (shared by
//! several instances), chosen by the URL.
//!
//! Every query is written once in portable SQL (`$1` placeholders, `RETURNING`,
//! `ON CONFLICT`); the rare backend-specific statement asks [`Db::backend`]. To stay within
//! what the `Any` driver carries, columns hold only integers and text: instants are epoch
//! milliseconds, booleans are 0/1.

pub mod health;
pub mod ids;
mod migrate;
pub mod viewers;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

pub use ids::{CourseId, LessonId, SchoolId, UserId};
pub use migrate::{MIGRATIONS_POSTGRES, MIGRATIONS_SQLITE, Migration};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database: cloned into every request's state by every layer and handler, so a clone
/// is one reference count, not one per part (a page's clones and drops of the parts were
/// about 1.5 % of its CPU in `perf`).
#[derive(Clone, Debug)]
pub struct Db(std::sync::Arc<DbParts>);

impl std::ops::Deref for Db {
    type Target = DbParts;
    fn deref(&self) -> &DbParts {
        &self.0
    }
}

#[derive(Debug)]
pub struct DbParts {
    pub pool: AnyPool,
    pub backend: Backend,
    /// Where open pages hear of changes (see [`crate::push`]).
    pub changes: std::sync::Arc<crate::push::Hub>,
    /// What a view of a course reads on every request, kept while every change is heard
    /// (see [`viewers`]); writers through this `Db` evict from it after their commit.
    pub viewers: viewers::ViewerCache,
    /// Woken when this instance queued a job that should run now (a webhook to process),
    /// so its worker need not wait for its next poll.
    pub jobs_due: std::sync::Arc<tokio::sync::Notify>,
    /// What time it is for the queue and the throttles; tests move it forward instead of
    /// editing stored timestamps.
    pub clock: Clock,
    /// Whether the database is reachable, as this instance last saw it (see [`health`]).
    pub health: std::sync::Arc<health::Health>,
    /// Where a probe opens its own connection (PostgreSQL; never logged: it may hold a
    /// password), so that a pool full of waiting requests cannot make a live database
    /// look dead.
    probe_url: Option<ProbeUrl>,
}

/// The database URL a probe connects to; its `Debug` hides it (it may carry a password).
#[derive(Clone)]
struct ProbeUrl(std::sync::Arc<str>);

/// What a probe found.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Probe {
    Answered,
    /// Nothing listens: the connect itself failed (refused, reset, no route).
    Unreachable,
    /// Neither: no answer in time, or a server that refused the login or the query.
    Unsure,
}

impl std::fmt::Debug for ProbeUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProbeUrl(..)")
    }
}

/// The wall clock in epoch milliseconds, plus an offset that only tests set, or a fixed
/// instant once a test froze it (shared by every clone of the `Db`, so the app, its worker
/// and the test see the same time).
#[derive(Clone, Default, Debug)]
pub struct Clock {
    offset_ms: std::sync::Arc<std::sync::atomic::AtomicI64>,
    /// 0 while the clock runs.
    frozen_at: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl Clock {
    pub fn now_ms(&self) -> i64 {
        use std::sync::atomic::Ordering::SeqCst;
        match self.frozen_at.load(SeqCst) {
            0 => now_ms() + self.offset_ms.load(SeqCst),
            at => at,
        }
    }

    /// Moves this clock `ms` forward, as if that much time went by.
    pub fn advance(&self, ms: i64) {
        use std::sync::atomic::Ordering::SeqCst;
        if self.frozen_at.load(SeqCst) != 0 {
            self.frozen_at.fetch_add(ms, SeqCst);
        } else {
            self.offset_ms.fetch_add(ms, SeqCst);
        }
    }

    /// Stops this clock where it is: from now on only [`Clock::advance`] moves it, so a
    /// test's waits don't depend on how fast the machine is.
    pub fn freeze(&self) {
        let now = self.now_ms();
        self.frozen_at
            .store(now, std::sync::atomic::Ordering::SeqCst);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbUrlError {
    #[error("DATABASE_URL must start with sqlite:// or postgres:// (got scheme {0:?})")]
    Scheme(String),
}

impl FromStr for Backend {
    type Err = DbUrlError;
    fn from_str(url: &str) -> Result<Self, Self::Err> {
        let scheme = url.split(':').next().unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            other => Err(DbUrlError::Scheme(other.to_string())),
        }
    }
}

/// How long a pooled SQLite connection lives (see [`Db::connect`]).
pub const SQLITE_CONNECTION_LIFETIME: Duration = Duration::from_secs(30);

impl Db {
    /// The time on this database's [`Clock`].
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Connects to `url`. For SQLite the file (and its folder) is created when missing.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        install_default_drivers();
        let backend: Backend = url.parse()?;
        let health = std::sync::Arc::new(health::Health::default());
        // A connection opened before the last connection loss is dead after a restart:
        // discarded when next acquired instead of failing one more request.
        let h = health.clone();
        let pool = match backend {
            Backend::Sqlite => {
                ensure_sqlite_parent(url)?;
                let url = if url.contains("mode=") {
                    url.to_string()
                } else if url.contains('?') {
                    format!("{url}&mode=rwc")
                } else {
                    format!("{url}?mode=rwc")
                };
                // In memory (or SQLite's private temporary database, an empty path), the
                // database lives only as long as its connections.
                let path = sqlite_path(&url);
                let in_memory =
                    path.is_empty() || path == ":memory:" || url.contains("mode=memory");
                AnyPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    // A ping before every query doubles the round trips of a page; a
                    // broken connection fails its query instead and is replaced.
                    .test_before_acquire(false)
                    // What a burst built up in a connection (its page cache, its
                    // prepared statements, its schema's copy, its thread) is given back
                    // with the connection: replaced every half minute, a busy pool costs
                    // one open (about a millisecond) per connection and half minute, and
                    // a quiet one shrinks to what it uses. `idle_timeout` alone would not
                    // do: the change log's reader takes a connection every 50 ms, and the
                    // pool hands out its longest idle, so none is ever idle for long.
                    .max_lifetime((!in_memory).then_some(SQLITE_CONNECTION_LIFETIME))
                    .before_acquire(move |_conn, meta| {
                        let stale = h.predates_outage(meta.age);
                        Box::pin(async move { Ok(!stale) })
                    })
                    .after_connect(|conn, _meta| {
                        Box::pin(async move {
                            // WAL lets readers run beside the single writer; the busy timeout
                            // makes concurrent writers wait instead of failing at once.
                            // A page cache of 512 KiB per connection instead of 2 MiB:
                            // the file's pages stay in the system's cache anyway, and what
                            // a class reads over and over is in the viewer and session
                            // caches (crates/bench/README.md: memory after a class).
                            conn.execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                                 PRAGMA cache_size = -512;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect(&url)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(Duration::from_secs(10))
                    .test_before_acquire(false)
                    .before_acquire(move |_conn, meta| {
                        let stale = h.predates_outage(meta.age);
                        Box::pin(async move { Ok(!stale) })
                    })
                    .connect(url)
                    .await?
            }
        };
        Ok(Db(std::sync::Arc::new(DbParts {
            pool,
            backend,
            changes: Default::default(),
            viewers: Default::default(),
            jobs_due: Default::default(),
            clock: Clock::default(),
            health,
            probe_url: (backend == Backend::Postgres).then(|| ProbeUrl(std::sync::Arc::from(url))),
        })))
    }

    /// Whether the database answers within [`health::PROBE_TIMEOUT`], on a connection of
    /// the probe's own (PostgreSQL) or the pool's (SQLite: a file, always "reachable").
    pub async fn probe(&self) -> bool {
        self.probe_outcome().await == Probe::Answered
    }

    async fn probe_outcome(&self) -> Probe {
        let attempt = async {
            match &self.probe_url {
                Some(ProbeUrl(url)) => {
                    let mut conn =
                        match <sqlx::AnyConnection as sqlx::Connection>::connect(url).await {
                            Ok(conn) => conn,
                            // Refused, reset, no route: nothing listens there now.
                            Err(sqlx::Error::Io(_)) => return Probe::Unreachable,
                            // The server answered, with a refusal (too many connections, a
                            // login it will not take yet): it is there.
                            Err(_) => return Probe::Unsure,
                        };
                    let ok = sqlx::query("SELECT 1").execute(&mut conn).await.is_ok();
                    let _ = sqlx::Connection::close(conn).await;
                    if ok { Probe::Answered } else { Probe::Unsure }
                }
                None if self.ping().await => Probe::Answered,
                None => Probe::Unsure,
            }
        };
        tokio::time::timeout(health::PROBE_TIMEOUT, attempt)
            .await
            .unwrap_or(Probe::Unsure)
    }

    /// A request met a lost connection: records the outage, probes once, and returns
    /// whether the database answers again. If not, it is marked down and a background
    /// probe watches for its return (see [`health::Health::ride_through`] for the requests
    /// that wait for it).
    pub async fn connection_lost(&self) -> bool {
        self.health.outage();
        if self.probe().await {
            self.health.set_down(false);
            return true;
        }
        self.went_down();
        false
    }

    /// Whether [`Db::still_answers`] has a server to ask (PostgreSQL).
    pub fn watches_slow_requests(&self) -> bool {
        self.probe_url.is_some()
    }

    /// Whether the database may still answer, asked for a request that has been in its
    /// handler for [`health::SLOW`]: on PostgreSQL one probe at a time, a yes shared for
    /// [`health::PROBE_SHARED_FOR`]. Only a probe that finds nothing listening (a refused
    /// connect: the server is down or restarting) says no, and is an outage as a lost
    /// connection is; a slow or refused login (a loaded server, `too many connections`)
    /// is not, and the request goes on waiting as it would have. `None` where there is
    /// nothing to ask apart from the pool (SQLite: a file, whose slow requests wait on a
    /// writer, not on a server).
    pub async fn still_answers(&self) -> Option<bool> {
        self.probe_url.as_ref()?;
        if self.health.is_down() {
            return Some(false);
        }
        let mut last = self.health.last_probe.lock().await;
        // The probe another request ran while this one waited may have found it gone.
        if self.health.is_down() {
            return Some(false);
        }
        // Only a yes is shared: a no while the database is not marked down is outdated
        // (the background probe saw it return).
        if let Some((at, true)) = *last
            && at.elapsed() < health::PROBE_SHARED_FOR
        {
            return Some(true);
        }
        let answers = self.probe_outcome().await != Probe::Unreachable;
        *last = Some((std::time::Instant::now(), answers));
        if !answers {
            // Before the lock is released, so that the requests waiting for it see it.
            self.health.outage();
            self.went_down();
        }
        Some(answers)
    }

    /// Marks the database down after a failed probe, and starts the background probe that
    /// watches for its return.
    fn went_down(&self) {
        self.health.set_down(true);
        tracing::warn!("the database is unreachable; answering 503 until it is back");
        if self.health.start_probing() {
            let db = self.clone();
            tokio::spawn(async move {
                loop {
                    // Often while requests wait for it (a restart is over in a moment).
                    let every = if db.health.riding_through() {
                        health::RIDE_THROUGH_PROBE_EVERY
                    } else {
                        health::PROBE_EVERY
                    };
                    tokio::time::sleep(every).await;
                    if db.probe().await {
                        // Connections opened while it was down are suspect too.
                        // Released before the state flips: a request that finds it down
                        // again in between starts a prober of its own instead of leaving
                        // it down with none.
                        db.health.outage();
                        db.health.stop_probing();
                        db.health.set_down(false);
                        tracing::warn!("the database answers again");
                        return;
                    }
                }
            });
        }
    }

    /// Tells open pages that lesson `c.lesson_id` changed (its live session started,
    /// ended, was cancelled or moved). Call it after the change is committed. A failure
    /// to notify is logged, not returned: the change itself stands, and pages also poll.
    /// This instance's viewer cache forgets the course at once (a cancelled or moved
    /// lesson is in its shared copy); other instances hear it from the triggers.
    pub async fn lesson_changed(&self, c: crate::push::LessonChange) {
        // A whole school's change is its Zoom connection's: every live view may show it.
        self.viewers.forget(if c.course_id.0 == 0 {
            viewers::Scope::All
        } else {
            viewers::Scope::Course(c.course_id.0)
        });
        if self.backend == Backend::Postgres {
            let sent = sqlx::query("SELECT pg_notify($1, current_schema()::text || ':' || $2)")
                .bind(crate::push::CHANNEL)
                .bind(crate::push::payload(c))
                .execute(&self.pool)
                .await;
            if let Err(e) = &sent {
                tracing::warn!(error = %e, lesson = c.lesson_id.0, "could not notify the change");
            }
            // Our own notification comes back through our subscription; without one,
            // this instance's pages hear it directly.
            if sent.is_ok() && self.changes.is_relayed() {
                return;
            }
        }
        self.changes.deliver(c);
    }

    /// Who is in the room of the session of lesson `c` changed (a participant joined or
    /// left): heard only by the room dashboards, like [`Db::lesson_changed`] otherwise.
    pub async fn room_changed(&self, c: crate::push::LessonChange) {
        if self.backend == Backend::Postgres {
            let payload = format!("{}{}", crate::push::payload(c), crate::push::ROOM_SUFFIX);
            let sent = sqlx::query("SELECT pg_notify($1, current_schema()::text || ':' || $2)")
                .bind(crate::push::CHANNEL)
                .bind(payload)
                .execute(&self.pool)
                .await;
            if let Err(e) = &sent {
                tracing::warn!(error = %e, lesson = c.lesson_id.0, "could not notify the room change");
            }
            if sent.is_ok() && self.changes.is_relayed() {
                return;
            }
        }
        self.changes.deliver_room(c);
    }

    /// Applies pending migrations of this backend. Safe to call from several instances at
    /// once on PostgreSQL (an advisory lock serialises them).
    pub async fn migrate(&self) -> anyhow::Result<usize> {
        migrate::run(self).await
    }

    /// Refuses a database whose applied migrations differ from this build's (edited since).
    pub async fn verify_migrations(&self) -> anyhow::Result<()> {
        migrate::verify(self).await
    }

    /// The highest applied migration; `None` on a fresh database (no migrations table yet).
    pub async fn schema_version(&self) -> sqlx::Result<Option<i64>> {
        migrate::version(self).await
    }

    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// After a write failed for want of space or permission (`health.seems_unwritable`),
    /// whether the database takes a write again; clears the state when it does. On SQLite
    /// a real write: the WAL checkpointed and truncated, then `user_version` (which
    /// Lectern does not use) set to itself — a page appended to the emptied WAL and
    /// committed, so a full disk or a read-only file fails it.
    /// PostgreSQL: `txid_current()` takes a transaction id, which a read-only server
    /// refuses; a full disk there is seen by the next failing write instead.
    pub async fn writable(&self) -> bool {
        if !self.health.seems_unwritable() {
            return true;
        }
        let ok = match self.backend {
            Backend::Sqlite => async {
                let mut conn = self.pool.acquire().await?;
                // An emptied WAL first: otherwise the write below may reuse room the WAL
                // already has on a disk that has none, and pass while real writes fail.
                let (busy, _, _): (i64, i64, i64) =
                    sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                        .fetch_one(&mut *conn)
                        .await?;
                if busy != 0 {
                    return Err(sqlx::Error::Protocol("checkpoint busy".into()));
                }
                let v: i64 = sqlx::query_scalar("PRAGMA user_version")
                    .fetch_one(&mut *conn)
                    .await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("PRAGMA user_version = {v}")))
                    .execute(&mut *conn)
                    .await
                    .map(|_| ())
            }
            .await
            .is_ok(),
            Backend::Postgres => sqlx::query("SELECT txid_current()")
                .execute(&self.pool)
                .await
                .is_ok(),
        };
        if ok {
            self.health.writable_again();
            tracing::warn!("the database takes writes again");
        }
        ok
    }
}

/// The file a SQLite URL names (empty or `:memory:` for none).
fn sqlite_path(url: &str) -> &str {
    url.trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or_default()
}

fn ensure_sqlite_parent(url: &str) -> std::io::Result<()> {
    let path = sqlite_path(url);
    if path.is_empty() || path == ":memory:" {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    Ok(())
}

/// The current instant as epoch milliseconds, the unit of every time column.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Reads a 0/1 column as a bool (the `Any` driver carries no portable boolean).
pub fn flag(v: i64) -> bool {
    v != 0
}

/// The rows of a multi-row `VALUES`: `n` copies of `row`, comma-separated, each `$` in
/// them numbered in turn (`$1`, `$2`, …), the placeholders both databases read (sqlx's
/// `QueryBuilder` writes `?` for the `Any` driver, which PostgreSQL does not). Keep
/// `n × placeholders per row` under 32,766, SQLite's limit of bound values.
pub fn values(n: usize, row: &str) -> String {
    values_from(1, n, row)
}

/// [`values`] numbered from `$first`, after the statement's own placeholders; with `row`
/// `"$"` it is the list of an `IN (…)`.
pub fn values_from(first: usize, n: usize, row: &str) -> String {
    let mut k = first - 1;
    let mut out = String::with_capacity(n * (row.len() + 16));
    for r in 0..n {
        if r > 0 {
            out.push_str(", ");
        }
        for c in row.chars() {
            out.push(c);
            if c == '$' {
                k += 1;
                out.push_str(&k.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod values_tests {
    #[test]
    fn every_placeholder_is_numbered_in_turn() {
        assert_eq!(super::values(1, "($, 'x', $)"), "($1, 'x', $2)");
        assert_eq!(super::values(3, "($, $)"), "($1, $2), ($3, $4), ($5, $6)");
        assert_eq!(super::values(0, "($)"), "");
        assert_eq!(super::values_from(3, 3, "$"), "$3, $4, $5");
    }
}

#[cfg(test)]
mod lifetime_tests {
    use super::*;

    /// Whether the connection the pool hands out next is the one `marked` (a TEMP table
    /// lives and dies with its connection).
    async fn next_is_marked(db: &Db) -> bool {
        let mut conn = db.pool.acquire().await.unwrap();
        sqlx::query("SELECT 1 FROM temp.marker")
            .fetch_optional(&mut *conn)
            .await
            .is_ok()
    }

    /// A connection past its lifetime is closed when it goes back to the pool, taking
    /// what it built up with it, and the next one is new; in memory (where closing every
    /// connection would lose the database) connections are kept.
    #[tokio::test]
    async fn sqlite_connections_are_replaced_after_their_lifetime() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url, 1).await.unwrap();
        {
            let mut conn = db.pool.acquire().await.unwrap();
            sqlx::query("CREATE TEMP TABLE marker (x INTEGER)")
                .execute(&mut *conn)
                .await
                .unwrap();
        }
        assert!(next_is_marked(&db).await, "a young connection is kept");
        tokio::time::sleep(SQLITE_CONNECTION_LIFETIME + Duration::from_secs(1)).await;
        // Closed by the pool's reaper, or on its way back from one more use: by the second
        // acquire at the latest the connection is a new one.
        let once_more = next_is_marked(&db).await;
        assert!(
            !next_is_marked(&db).await,
            "not replaced after its lifetime (handed out once more: {once_more})"
        );
        assert_eq!(
            db.pool.options().get_max_lifetime(),
            Some(SQLITE_CONNECTION_LIFETIME)
        );

        let memory = Db::connect("sqlite::memory:", 1).await.unwrap();
        assert_eq!(memory.pool.options().get_max_lifetime(), None);
    }
}
