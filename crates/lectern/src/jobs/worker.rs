//! The worker loop: claims due jobs, runs their handler, records the outcome. Runs inside
//! `lectern serve` (unless `--no-worker`) or alone as `lectern worker`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use super::{JobRow, Registry};
use crate::db::Db;

/// The default claim (`LECTERN_JOB_LEASE_SECS`): short, because a running worker renews
/// it every third of it (one `UPDATE` for all its jobs), so a killed worker's claimed jobs,
/// started or not, are claimed again within it rather than after minutes.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
/// Jobs claimed at once: a burst of webhook events is processed together (`Job::run_batch`).
const BATCH: i64 = 64;
/// Jobs one worker runs alone at once, over all its lanes. Handlers are already safe to
/// run concurrently (several workers may run), and most of a job's time is waiting on the
/// database or on Zoom: run one at a time, a class's 20,000 webhook events took 40 s to
/// process on PostgreSQL.
pub const CONCURRENCY: usize = 4;
/// How often a worker makes sure the current hour's hourly jobs exist.
const HOURLY_CHECK: Duration = Duration::from_secs(60);

/// Batches one worker has in hand at once, each claimed and run by a lane of its own: a
/// class's burst of webhook events is bound by round trips to the database, not by its
/// CPU, so while one batch waits on PostgreSQL the next is processed. The jobs that run
/// alone share the worker's [`CONCURRENCY`] across its lanes.
pub const LANES: usize = 2;

/// Runs until `shutdown` flips to true; the jobs in hand are finished first, claimed but
/// unstarted jobs are released.
pub async fn run(
    db: Db,
    registry: Arc<Registry>,
    shutdown: watch::Receiver<bool>,
    poll: Duration,
    lease: Duration,
) {
    let worker_id = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    tracing::info!(worker = %worker_id, "job worker started");
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    let lanes = (0..LANES).map(|lane| {
        Lane {
            db: &db,
            registry: &registry,
            // Each lane claims, renews and records under its own name: a lane's lapsed
            // claim taken again by the other is then not the first one's to record.
            id: format!("{worker_id}-{lane}"),
            slots: &slots,
            lease,
        }
        // One lane is enough to make sure the hourly jobs exist.
        .run(shutdown.clone(), poll, lane == 0)
    });
    futures_util::future::join_all(lanes).await;
    tracing::info!(worker = %worker_id, "job worker stopped");
}

/// One of a worker's [`LANES`]: claims a batch, runs it, and again.
struct Lane<'a> {
    db: &'a Db,
    registry: &'a Arc<Registry>,
    id: String,
    slots: &'a Arc<Semaphore>,
    lease: Duration,
}

impl Lane<'_> {
    async fn run(
        self,
        mut shutdown: watch::Receiver<bool>,
        poll: Duration,
        schedules_hourly: bool,
    ) {
        let mut hourly_checked: Option<std::time::Instant> = None;
        loop {
            if *shutdown.borrow() {
                break;
            }
            if schedules_hourly && hourly_checked.is_none_or(|t| t.elapsed() >= HOURLY_CHECK) {
                match self
                    .registry
                    .schedule_hourly(self.db, crate::db::now_ms())
                    .await
                {
                    Ok(()) => hourly_checked = Some(std::time::Instant::now()),
                    Err(e) => tracing::warn!(error = %e, "scheduling hourly jobs failed"),
                }
            }
            if self.run_once(&shutdown).await == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(poll) => {}
                    _ = self.db.jobs_due.notified() => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }

    /// Runs batches until one finds no job; returns how many jobs ran.
    async fn drain(self, shutdown: &watch::Receiver<bool>) -> usize {
        let mut total = 0;
        loop {
            let n = self.run_once(shutdown).await;
            if n == 0 {
                return total;
            }
            total += n;
        }
    }

    /// Claims and runs one batch, the jobs that run alone as the worker's slots allow;
    /// returns how many jobs ran. Once `shutdown` flips, the jobs in hand finish and the
    /// unstarted rest of the batch is released.
    async fn run_once(&self, shutdown: &watch::Receiver<bool>) -> usize {
        let (db, registry, worker_id, lease) =
            (self.db, self.registry, self.id.as_str(), self.lease);
        let lease_ms = lease.as_millis() as i64;
        let jobs = match super::claim_and_abandon(db, worker_id, BATCH, lease_ms).await {
            Ok((abandoned, j)) => {
                for job in abandoned {
                    registry.gave_up(&job, super::NO_OUTCOME).await;
                }
                j
            }
            Err(e) => {
                tracing::warn!(error = %e, "claiming jobs failed");
                return 0;
            }
        };
        // The first tick is a third of the lease away: the claim itself just set it.
        let every = lease / 3;
        let mut heartbeat = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // Kinds that batch run first, together; what they finished is recorded at once, the
        // rest runs alone below. Every claim of the batch is renewed meanwhile, as below.
        let batched = {
            let batches = registry.run_batches(&jobs);
            tokio::pin!(batches);
            loop {
                tokio::select! {
                    done = &mut batches => break done,
                    _ = heartbeat.tick() => renew(db, worker_id, lease_ms).await,
                }
            }
        };
        let mut ran = batched.len();
        if !batched.is_empty()
            && let Err(e) = super::complete_all(db, &batched, worker_id).await
        {
            // Run again once their leases end, as after a crash: they are idempotent.
            tracing::warn!(error = %e, "recording a batch of finished jobs failed");
        }
        let finished: std::collections::HashSet<i64> = batched.iter().copied().collect();
        let mut pending = jobs
            .into_iter()
            .filter(|j| !finished.contains(&j.id))
            .collect::<Vec<_>>()
            .into_iter()
            .peekable();
        let mut running = JoinSet::new();
        let mut in_hand = HashMap::new();
        loop {
            while !*shutdown.borrow() && pending.peek().is_some() {
                let Ok(slot) = self.slots.clone().try_acquire_owned() else {
                    break;
                };
                let job = pending.next().expect("peeked");
                ran += 1;
                self.start(&mut running, &mut in_hand, slot, job);
            }
            // Jobs left to start: a slot another lane frees is taken as soon as it is free,
            // not only once this lane's own running jobs end (CI saw a batch's fifth e-mail
            // wait out its first four while a short job of the other lane had come and gone).
            let waiting = !*shutdown.borrow() && pending.peek().is_some();
            if running.is_empty() && !waiting {
                break;
            }
            let next = tokio::select! {
                next = running.join_next_with_id(), if !running.is_empty() => next,
                // The slot handed over is used at once: dropped and tried for again, it
                // would go to the other lane's waiter, which would do the same, and the two
                // lanes would pass it back and forth with one slot unused.
                slot = self.slots.clone().acquire_owned(), if waiting => {
                    if let (Ok(slot), false) = (slot, *shutdown.borrow())
                        && let Some(job) = pending.next()
                    {
                        ran += 1;
                        self.start(&mut running, &mut in_hand, slot, job);
                    }
                    continue;
                }
                _ = heartbeat.tick() => {
                    renew(db, worker_id, lease_ms).await;
                    continue;
                }
            };
            match next {
                None => break,
                Some(Ok((id, ()))) => {
                    in_hand.remove(&id);
                }
                // A panic is this job's failure like any other: retried with backoff, then
                // shown as failed.
                Some(Err(e)) => {
                    if let Some(job) = in_hand.remove(&e.id()) {
                        tracing::error!(job = job.id, kind = %job.kind, "job panicked");
                        match super::fail(db, &job, worker_id, "the job panicked").await {
                            Ok(true) => registry.gave_up(&job, "the job panicked").await,
                            Ok(false) => {}
                            Err(e) => {
                                tracing::warn!(job = job.id, error = %e, "recording job outcome failed")
                            }
                        }
                    }
                }
            }
        }
        for job in pending {
            if let Err(e) = super::release(db, job.id, worker_id).await {
                tracing::warn!(job = job.id, error = %e, "releasing job failed");
            }
        }
        ran
    }

    /// Runs `job` in its own task, holding `slot` until it is recorded.
    fn start(
        &self,
        running: &mut JoinSet<()>,
        in_hand: &mut HashMap<tokio::task::Id, JobRow>,
        slot: tokio::sync::OwnedSemaphorePermit,
        job: JobRow,
    ) {
        let (db, registry, worker, task_job) = (
            self.db.clone(),
            self.registry.clone(),
            self.id.clone(),
            job.clone(),
        );
        let task = running.spawn(async move {
            run_job(&db, &registry, &worker, task_job).await;
            drop(slot);
        });
        in_hand.insert(task.id(), job);
    }
}

/// Renews every claim of this worker's batch, started or not: while this process lives,
/// nobody else takes them; once it dies, they fall free within a lease.
async fn renew(db: &Db, worker_id: &str, lease_ms: i64) {
    if let Err(e) = super::renew(db, worker_id, lease_ms).await {
        tracing::warn!(error = %e, "renewing job leases failed");
    }
}

async fn run_job(db: &Db, registry: &Registry, worker_id: &str, job: JobRow) {
    let outcome = registry.run(&job.kind, &job.payload).await;
    let recorded = match outcome {
        Ok(()) => super::complete(db, job.id, worker_id).await,
        Err(e) => {
            let error = format!("{e:#}");
            tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %error, "job failed");
            match super::fail(db, &job, worker_id, &error).await {
                Ok(true) => {
                    registry.gave_up(&job, &error).await;
                    Ok(())
                }
                other => other.map(|_| ()),
            }
        }
    };
    if let Err(e) = recorded {
        tracing::warn!(job = job.id, error = %e, "recording job outcome failed");
    }
}

/// Drains every due job (tests and the demo use this to run the queue deterministically),
/// in one lane: every batch is claimed after the one before it finished.
pub async fn drain(db: &Db, registry: &Arc<Registry>) -> usize {
    drain_in_lanes(db, registry, 1).await
}

/// [`drain`] in `lanes` lanes, as the worker runs ([`LANES`]), sharing its
/// [`CONCURRENCY`]: what a worker would drain, and how fast (`lectern-bench`). It returns
/// once every lane found no job after its last batch.
pub async fn drain_in_lanes(db: &Db, registry: &Arc<Registry>, lanes: usize) -> usize {
    let (_tx, rx) = watch::channel(false);
    let id = format!("drain-{}", uuid::Uuid::new_v4().simple());
    let slots = Arc::new(Semaphore::new(CONCURRENCY));
    let lanes = (0..lanes.max(1)).map(|lane| {
        Lane {
            db,
            registry,
            id: format!("{id}-{lane}"),
            slots: &slots,
            lease: DEFAULT_LEASE,
        }
        .drain(&rx)
    });
    futures_util::future::join_all(lanes)
        .await
        .into_iter()
        .sum()
}
