//! A database-backed job queue. Jobs are enqueued in the same transaction as the change
//! that needs them; workers claim them with a lease (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL; SQLite's single writer makes the same UPDATE atomic), retry failures with
//! exponential backoff, and keep jobs that ran out of attempts as `failed` for admins.
//!
//! A job kind is a type implementing [`Job`] (its kind string, a serde payload and
//! `run`), owned by its capability and registered in `app.rs`'s [`Registry`]; the worker
//! runs what the registry knows and names no capability.

pub mod routes;
pub mod worker;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use crate::db::{Backend, Db, now_ms};

/// A kind of background job. The payload is the type itself, stored as JSON in
/// `jobs.payload` (ids, never secrets); `KIND` is stored beside it and must never change
/// once jobs of it may be queued (rename a field with `#[serde(alias)]`, add one with
/// `#[serde(default)]`). `run` is idempotent: it runs at least once (see
/// docs/ARCHITECTURE.md, "Add a job kind").
pub trait Job: Serialize + DeserializeOwned + Send + 'static {
    const KIND: &'static str;
    /// What `run` needs, given to the registry once at start-up.
    type Deps: Send + Sync + 'static;
    fn run(self, deps: &Self::Deps) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Runs once after the job failed its last attempt (`error` is the last one), so that
    /// its capability can record the give-up where people look (a mail `failed`, a
    /// campaign's recipient counted failed) instead of leaving it pending for ever. Best
    /// effort: its own failure is logged. Default: nothing.
    fn gave_up(
        self,
        deps: &Self::Deps,
        error: &str,
    ) -> impl Future<Output = anyhow::Result<()>> + Send {
        let _ = (self, deps, error);
        async { Ok(()) }
    }

    /// Whether the worker hands several claimed jobs of this kind to [`Job::run_batch`]
    /// at once. Default: no.
    const BATCHES: bool = false;

    /// Runs `jobs` (with their ids) together, where one transaction for all is cheaper
    /// than one each (a class's burst of webhook events); returns the ids of those it
    /// finished. Each job it leaves out, and every job if it fails, runs alone through
    /// [`Job::run`] as usual, so it may decline what it does not batch. As idempotent as
    /// `run`. Only called when [`Job::BATCHES`].
    fn run_batch(
        jobs: Vec<(i64, Self)>,
        deps: &Self::Deps,
    ) -> impl Future<Output = anyhow::Result<Vec<i64>>> + Send {
        let _ = (jobs, deps);
        async { Ok(Vec::new()) }
    }
}

type Runner = Arc<dyn Fn(&str) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;
type GiveUp = Arc<dyn Fn(&str, &str) -> BoxFuture<'static, anyhow::Result<()>> + Send + Sync>;
type Periodic = Box<dyn Fn(i64) -> NewJob + Send + Sync>;
type BatchRunner =
    Arc<dyn Fn(Vec<(i64, String)>) -> BoxFuture<'static, anyhow::Result<Vec<i64>>> + Send + Sync>;

const HOUR_MS: i64 = 3_600_000;

/// Every job kind this process runs, and the jobs due every hour.
#[derive(Default)]
pub struct Registry {
    kinds: HashMap<&'static str, Runner>,
    give_ups: HashMap<&'static str, GiveUp>,
    batches: HashMap<&'static str, BatchRunner>,
    hourly: Vec<Periodic>,
}

#[derive(Debug, thiserror::Error)]
#[error("the job kind {0:?} is registered twice")]
pub struct DuplicateKind(pub &'static str);

impl Registry {
    /// Registers `J` with what its `run` needs; a kind registered twice is an error (two
    /// capabilities would fight over one kind's rows).
    pub fn register<J: Job>(&mut self, deps: J::Deps) -> Result<&mut Self, DuplicateKind> {
        if self.kinds.contains_key(J::KIND) {
            return Err(DuplicateKind(J::KIND));
        }
        let deps = Arc::new(deps);
        let run_deps = deps.clone();
        let batch_deps = deps.clone();
        let runner: Runner = Arc::new(move |payload: &str| {
            let job = serde_json::from_str::<J>(payload);
            let deps = run_deps.clone();
            Box::pin(async move {
                let job =
                    job.map_err(|e| anyhow::anyhow!("unreadable {} payload: {e}", J::KIND))?;
                job.run(&deps).await
            })
        });
        let give_up: GiveUp = Arc::new(move |payload: &str, error: &str| {
            let job = serde_json::from_str::<J>(payload);
            let (deps, error) = (deps.clone(), error.to_string());
            Box::pin(async move {
                let job =
                    job.map_err(|e| anyhow::anyhow!("unreadable {} payload: {e}", J::KIND))?;
                job.gave_up(&deps, &error).await
            })
        });
        if J::BATCHES {
            let deps = batch_deps;
            let batch: BatchRunner = Arc::new(move |rows: Vec<(i64, String)>| {
                // An unreadable payload is left out: it fails alone, with its error.
                let jobs: Vec<(i64, J)> = rows
                    .into_iter()
                    .filter_map(|(id, p)| Some((id, serde_json::from_str::<J>(&p).ok()?)))
                    .collect();
                let deps = deps.clone();
                Box::pin(async move { J::run_batch(jobs, &deps).await })
            });
            self.batches.insert(J::KIND, batch);
        }
        self.kinds.insert(J::KIND, runner);
        self.give_ups.insert(J::KIND, give_up);
        Ok(self)
    }

    /// A registered `J` is also due every hour: `make(hour)` (hours since the epoch) is
    /// the hour's job, keyed `KIND:hour`, so that however many workers ask, there is one.
    pub fn hourly<J: Job>(&mut self, make: fn(i64) -> J) -> &mut Self {
        self.hourly.push(Box::new(move |hour| {
            NewJob::of(&make(hour))
                .at(hour * HOUR_MS)
                .dedupe(format!("{}:{hour}", J::KIND))
        }));
        self
    }

    /// The registered kinds, sorted.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut k: Vec<_> = self.kinds.keys().copied().collect();
        k.sort_unstable();
        k
    }

    /// Enqueues the hourly jobs of the hour containing `now_ms` unless they exist (a
    /// worker that was down catches up when it starts).
    pub async fn schedule_hourly(&self, db: &Db, now_ms: i64) -> sqlx::Result<()> {
        if self.hourly.is_empty() {
            return Ok(());
        }
        let hour = now_ms.div_euclid(HOUR_MS);
        let mut conn = db.pool.acquire().await?;
        for make in &self.hourly {
            enqueue(&mut conn, make(hour)).await?;
        }
        Ok(())
    }

    /// Runs together the claimed jobs whose kinds batch ([`Job::BATCHES`]), two or more of
    /// a kind; returns the ids of those finished. A batch that fails is logged, and its
    /// jobs are left to run alone.
    pub(crate) async fn run_batches(&self, jobs: &[JobRow]) -> Vec<i64> {
        let mut done = Vec::new();
        for (kind, run) in &self.batches {
            let rows: Vec<(i64, String)> = jobs
                .iter()
                .filter(|j| j.kind == *kind)
                .map(|j| (j.id, j.payload.clone()))
                .collect();
            if rows.len() < 2 {
                continue;
            }
            match run(rows).await {
                Ok(ids) => done.extend(ids),
                Err(e) => {
                    tracing::warn!(kind = %kind, error = %format!("{e:#}"), "a batch of jobs failed; running them one by one")
                }
            }
        }
        done
    }

    async fn run(&self, kind: &str, payload: &str) -> anyhow::Result<()> {
        match self.kinds.get(kind) {
            Some(run) => run(payload).await,
            None => anyhow::bail!("unknown job kind {kind:?}"),
        }
    }

    /// [`Job::gave_up`] of a job that failed for good; its own failure is logged.
    pub(crate) async fn gave_up(&self, job: &JobRow, error: &str) {
        let Some(give_up) = self.give_ups.get(job.kind.as_str()) else {
            return;
        };
        if let Err(e) = give_up(&job.payload, error).await {
            tracing::warn!(job = job.id, kind = %job.kind, error = %format!("{e:#}"), "recording a job's give-up failed");
        }
    }
}

pub struct NewJob {
    pub kind: &'static str,
    pub payload: serde_json::Value,
    pub school_id: Option<i64>,
    /// When set, a second job with the same key is not created (idempotent scheduling).
    pub dedupe_key: Option<String>,
    pub run_at: i64,
    pub max_attempts: i64,
}

impl NewJob {
    /// `job`, due now; `.school()`, `.at()` and `.dedupe()` say more.
    pub fn of<J: Job>(job: &J) -> NewJob {
        // A payload type that can't become JSON is a bug caught by any test that runs it.
        let payload = serde_json::to_value(job).expect("job payloads serialize");
        NewJob::raw(J::KIND, payload)
    }

    /// A row of any kind and payload: for tests of the queue itself (an unknown kind, an
    /// unreadable payload). Code enqueues typed jobs with [`NewJob::of`].
    pub fn raw(kind: &'static str, payload: serde_json::Value) -> NewJob {
        NewJob {
            kind,
            payload,
            school_id: None,
            dedupe_key: None,
            run_at: now_ms(),
            max_attempts: 8,
        }
    }
    pub fn school(mut self, school_id: i64) -> Self {
        self.school_id = Some(school_id);
        self
    }
    pub fn at(mut self, run_at_ms: i64) -> Self {
        self.run_at = run_at_ms;
        self
    }
    pub fn dedupe(mut self, key: impl Into<String>) -> Self {
        self.dedupe_key = Some(key.into());
        self
    }
}

/// Enqueues on the caller's connection or transaction; returns `None` when deduplicated.
pub async fn enqueue(conn: &mut AnyConnection, job: NewJob) -> sqlx::Result<Option<i64>> {
    let now = now_ms();
    sqlx::query_scalar(
        "INSERT INTO jobs (school_id, kind, dedupe_key, payload, state, run_at, attempts, max_attempts, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'queued', $5, 0, $6, $7, $7)
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
    )
    .bind(job.school_id)
    .bind(job.kind)
    .bind(job.dedupe_key)
    .bind(job.payload.to_string())
    .bind(job.run_at)
    .bind(job.max_attempts)
    .bind(now)
    .fetch_optional(conn)
    .await
}

/// [`enqueue`] for many jobs at once: one statement per 500 (a burst of webhooks is one
/// batch), in the caller's transaction; a job whose dedupe key exists is not created.
pub async fn enqueue_all(conn: &mut AnyConnection, jobs: Vec<NewJob>) -> sqlx::Result<()> {
    let now = now_ms();
    for chunk in jobs.chunks(500) {
        let sql = format!(
            "INSERT INTO jobs (school_id, kind, dedupe_key, payload, state, run_at, attempts, max_attempts, created_at, updated_at)
             VALUES {} ON CONFLICT (dedupe_key) DO NOTHING",
            crate::db::values(chunk.len(), "($, $, $, $, 'queued', $, 0, $, $, $)")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for job in chunk {
            q = q
                .bind(job.school_id)
                .bind(job.kind)
                .bind(job.dedupe_key.clone())
                .bind(job.payload.to_string())
                .bind(job.run_at)
                .bind(job.max_attempts)
                .bind(now)
                .bind(now);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Deletes every job of these kinds of a school, queued or finished (their payloads and
/// keys name what "Delete all Zoom data" wipes); in the caller's transaction.
pub async fn delete_of_school(
    conn: &mut AnyConnection,
    school_id: i64,
    kinds: &[&'static str],
) -> sqlx::Result<u64> {
    let mut deleted = 0;
    for kind in kinds {
        deleted += sqlx::query("DELETE FROM jobs WHERE school_id = $1 AND kind = $2")
            .bind(school_id)
            .bind(*kind)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(deleted)
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize, Deserialize)]
pub struct JobRow {
    pub id: i64,
    pub school_id: Option<i64>,
    pub kind: String,
    pub payload: String,
    pub state: String,
    pub run_at: i64,
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
}

const JOB_COLUMNS: &str =
    "id, school_id, kind, payload, state, run_at, attempts, max_attempts, last_error";

const CLAIM_PG: &str = "UPDATE jobs SET state = 'running', locked_until = $1, locked_by = $2, attempts = attempts + 1, updated_at = $3
    WHERE id IN (
        SELECT id FROM jobs
        WHERE (state = 'queued' AND run_at <= $3) OR (state = 'running' AND locked_until < $3 AND attempts < max_attempts)
        ORDER BY run_at LIMIT $4 FOR UPDATE SKIP LOCKED)
    RETURNING id, school_id, kind, payload, state, run_at, attempts, max_attempts, last_error";

const CLAIM_SQLITE: &str = "UPDATE jobs SET state = 'running', locked_until = $1, locked_by = $2, attempts = attempts + 1, updated_at = $3
    WHERE id IN (
        SELECT id FROM jobs
        WHERE (state = 'queued' AND run_at <= $3) OR (state = 'running' AND locked_until < $3 AND attempts < max_attempts)
        ORDER BY run_at LIMIT $4)
    RETURNING id, school_id, kind, payload, state, run_at, attempts, max_attempts, last_error";

/// Claims up to `limit` due jobs for `worker` with a lease of `lease_ms`. A job whose
/// lease ran out (its worker died) is claimed again.
pub async fn claim(db: &Db, worker: &str, limit: i64, lease_ms: i64) -> sqlx::Result<Vec<JobRow>> {
    Ok(claim_and_abandon(db, worker, limit, lease_ms).await?.1)
}

/// What a job's last error says when its last allowed attempt never reported back.
pub(crate) const NO_OUTCOME: &str = "no outcome reported: the worker stopped or the job panicked";

/// [`claim`], and the jobs it failed for good on the way (see below), whose
/// [`Job::gave_up`] the worker runs.
pub(crate) async fn claim_and_abandon(
    db: &Db,
    worker: &str,
    limit: i64,
    lease_ms: i64,
) -> sqlx::Result<(Vec<JobRow>, Vec<JobRow>)> {
    let now = db.now_ms();
    // A job whose last allowed attempt never reported back (its worker died, or it
    // panicked) is failed for good, where admins see it, instead of running forever.
    let abandoned = sqlx::query_as::<_, JobRow>(sqlx::AssertSqlSafe(format!(
        "UPDATE jobs SET state = 'failed', locked_until = NULL, updated_at = $1, last_error = $2
         WHERE state = 'running' AND locked_until < $1 AND attempts >= max_attempts
         RETURNING {JOB_COLUMNS}"
    )))
    .bind(now)
    .bind(NO_OUTCOME)
    .fetch_all(&db.pool)
    .await?;
    let sql = match db.backend {
        Backend::Postgres => CLAIM_PG,
        Backend::Sqlite => CLAIM_SQLITE,
    };
    let claimed = sqlx::query_as::<_, JobRow>(sql)
        .bind(now + lease_ms)
        .bind(worker)
        .bind(now)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    Ok((abandoned, claimed))
}

pub async fn complete(db: &Db, id: i64, worker: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE jobs SET state = 'done', locked_until = NULL, updated_at = $1 WHERE id = $2 AND locked_by = $3")
        .bind(db.now_ms())
        .bind(id)
        .bind(worker)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// [`complete`] for many jobs of one worker at once (those a batch finished).
pub async fn complete_all(db: &Db, ids: &[i64], worker: &str) -> sqlx::Result<()> {
    for chunk in ids.chunks(500) {
        let sql = format!(
            "UPDATE jobs SET state = 'done', locked_until = NULL, updated_at = $1 WHERE locked_by = $2 AND id IN ({})",
            crate::db::values_from(3, chunk.len(), "$")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(db.now_ms())
            .bind(worker);
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&db.pool).await?;
    }
    Ok(())
}

/// Records a failure: back to `queued` with exponential backoff, or `failed` for good
/// (then `true`: this worker's outcome ended the job).
pub async fn fail(db: &Db, job: &JobRow, worker: &str, error: &str) -> sqlx::Result<bool> {
    let now = db.now_ms();
    let exhausted = job.attempts >= job.max_attempts;
    let delay = backoff_ms(job.attempts);
    let r = sqlx::query(
        "UPDATE jobs SET state = $1, run_at = $2, locked_until = NULL, last_error = $3, updated_at = $4
         WHERE id = $5 AND locked_by = $6",
    )
    .bind(if exhausted { "failed" } else { "queued" })
    .bind(now + delay)
    .bind(truncate(error, 2000))
    .bind(now)
    .bind(job.id)
    .bind(worker)
    .execute(&db.pool)
    .await?;
    Ok(exhausted && r.rows_affected() == 1)
}

/// Extends the lease of every job `worker` holds (its heartbeat).
pub async fn renew(db: &Db, worker: &str, lease_ms: i64) -> sqlx::Result<u64> {
    let r =
        sqlx::query("UPDATE jobs SET locked_until = $1 WHERE locked_by = $2 AND state = 'running'")
            .bind(db.now_ms() + lease_ms)
            .bind(worker)
            .execute(&db.pool)
            .await?;
    Ok(r.rows_affected())
}

/// Gives a claimed job back untouched (graceful shutdown before it started).
pub async fn release(db: &Db, id: i64, worker: &str) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE jobs SET state = 'queued', locked_until = NULL, attempts = attempts - 1, updated_at = $1 WHERE id = $2 AND locked_by = $3 AND state = 'running'",
    )
    .bind(db.now_ms())
    .bind(id)
    .bind(worker)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// 2^attempts seconds, capped at one hour.
pub(crate) fn backoff_ms(attempts: i64) -> i64 {
    let exp = attempts.clamp(0, 12) as u32;
    (1000_i64 << exp).min(3_600_000)
}

fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

pub async fn counts_by_state(db: &Db) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT state, COUNT(*) FROM jobs GROUP BY state")
        .fetch_all(&db.pool)
        .await
}

/// Jobs of one school in a state, newest first, for its admin page. Jobs of no school
/// (webhook processing, maintenance) are the operator's: another school's admin must not
/// read their errors or retry them; they show in `/metrics` and the logs.
pub async fn list(db: &Db, school_id: i64, state: &str, limit: i64) -> sqlx::Result<Vec<JobRow>> {
    sqlx::query_as::<_, JobRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {JOB_COLUMNS} FROM jobs WHERE school_id = $1 AND state = $2 ORDER BY updated_at DESC LIMIT $3"
    )))
    .bind(school_id)
    .bind(state)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// Puts a failed job back in the queue (admin action).
pub async fn retry(db: &Db, school_id: i64, id: i64) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE jobs SET state = 'queued', run_at = $1, attempts = 0, updated_at = $1 WHERE id = $2 AND state = 'failed' AND school_id = $3",
    )
    .bind(db.now_ms())
    .bind(id)
    .bind(school_id)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff_ms(0), 1000);
        assert_eq!(backoff_ms(3), 8000);
        assert_eq!(backoff_ms(40), 3_600_000);
    }

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Ping {
        n: i64,
        #[serde(default)]
        added_later: bool,
    }

    impl Job for Ping {
        const KIND: &'static str = "test_ping";
        type Deps = Arc<std::sync::Mutex<Vec<i64>>>;
        async fn run(self, seen: &Self::Deps) -> anyhow::Result<()> {
            seen.lock().unwrap().push(self.n);
            Ok(())
        }
    }

    #[test]
    fn a_kind_registered_twice_is_refused() {
        let mut r = Registry::default();
        r.register::<Ping>(Default::default()).unwrap();
        let err = r.register::<Ping>(Default::default()).err().unwrap();
        assert_eq!(err.0, "test_ping");
        assert_eq!(r.kinds(), vec!["test_ping"]);
    }

    #[tokio::test]
    async fn the_registry_runs_a_stored_payload_and_refuses_what_it_cannot_read() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut r = Registry::default();
        r.register::<Ping>(seen.clone()).unwrap();
        let job = NewJob::of(&Ping {
            n: 7,
            added_later: true,
        });
        assert_eq!(job.kind, "test_ping");
        r.run(job.kind, &job.payload.to_string()).await.unwrap();
        // A row written before a field was added still reads.
        r.run("test_ping", r#"{"n": 8}"#).await.unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![7, 8]);
        let bad = r.run("test_ping", r#"{"m": 1}"#).await.unwrap_err();
        assert!(
            bad.to_string().contains("unreadable test_ping payload"),
            "{bad}"
        );
        let unknown = r.run("nobody_knows", "{}").await.unwrap_err();
        assert!(
            unknown.to_string().contains("unknown job kind"),
            "{unknown}"
        );
    }

    #[test]
    fn hourly_jobs_are_keyed_by_their_hour() {
        let mut r = Registry::default();
        r.hourly(|hour| Ping {
            n: hour,
            added_later: false,
        });
        let job = (r.hourly[0])(5);
        assert_eq!(job.dedupe_key.as_deref(), Some("test_ping:5"));
        assert_eq!(job.run_at, 5 * HOUR_MS);
    }
}
