//! The worker loop: claims due jobs, runs their handler, records the outcome. Runs inside
//! `lectern serve` (unless `--no-worker`) or alone as `lectern worker`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinSet;

use super::{JobRow, Registry};
use crate::db::Db;

/// The default claim (`LECTERN_JOB_LEASE_SECS`): short, because a running worker renews
/// it every third of it (one `UPDATE` for all its jobs), so a killed worker's claimed jobs,
/// started or not, are claimed again within it rather than after minutes.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
/// Jobs claimed at once: a burst of webhook events is processed together (`Job::run_batch`).
const BATCH: i64 = 64;
/// Jobs one worker runs at once. Handlers are already safe to run concurrently (several
/// workers may run), and most of a job's time is waiting on the database or on Zoom: run
/// one at a time, a class's 20,000 webhook events took 40 s to process on PostgreSQL.
pub const CONCURRENCY: usize = 4;
/// How often a worker makes sure the current hour's hourly jobs exist.
const HOURLY_CHECK: Duration = Duration::from_secs(60);

/// Runs until `shutdown` flips to true; the job in hand is finished first, claimed but
/// unstarted jobs are released.
pub async fn run(
    db: Db,
    registry: Arc<Registry>,
    mut shutdown: watch::Receiver<bool>,
    poll: Duration,
    lease: Duration,
) {
    let worker_id = format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
    tracing::info!(worker = %worker_id, "job worker started");
    let mut hourly_checked: Option<std::time::Instant> = None;
    loop {
        if *shutdown.borrow() {
            break;
        }
        if hourly_checked.is_none_or(|t| t.elapsed() >= HOURLY_CHECK) {
            match registry.schedule_hourly(&db, crate::db::now_ms()).await {
                Ok(()) => hourly_checked = Some(std::time::Instant::now()),
                Err(e) => tracing::warn!(error = %e, "scheduling hourly jobs failed"),
            }
        }
        let ran = run_once(&db, &registry, &worker_id, &shutdown, lease).await;
        if ran == 0 {
            tokio::select! {
                _ = tokio::time::sleep(poll) => {}
                _ = db.jobs_due.notified() => {}
                _ = shutdown.changed() => {}
            }
        }
    }
    tracing::info!(worker = %worker_id, "job worker stopped");
}

/// Claims and runs one batch, up to [`CONCURRENCY`] jobs at a time; returns how many
/// jobs ran. Once `shutdown` flips, the jobs in hand finish and the unstarted rest of the
/// batch is released.
pub(crate) async fn run_once(
    db: &Db,
    registry: &Arc<Registry>,
    worker_id: &str,
    shutdown: &watch::Receiver<bool>,
    lease: Duration,
) -> usize {
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
    let mut pending = jobs
        .into_iter()
        .filter(|j| !batched.contains(&j.id))
        .collect::<Vec<_>>()
        .into_iter();
    let mut running = JoinSet::new();
    let mut in_hand = HashMap::new();
    loop {
        while running.len() < CONCURRENCY && !*shutdown.borrow() {
            let Some(job) = pending.next() else { break };
            ran += 1;
            let (db, registry, worker, task_job) = (
                db.clone(),
                registry.clone(),
                worker_id.to_string(),
                job.clone(),
            );
            let task =
                running.spawn(async move { run_job(&db, &registry, &worker, task_job).await });
            in_hand.insert(task.id(), job);
        }
        let next = tokio::select! {
            next = running.join_next_with_id() => next,
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

/// Drains every due job (tests and the demo use this to run the queue deterministically).
pub async fn drain(db: &Db, registry: &Arc<Registry>) -> usize {
    let (_tx, rx) = watch::channel(false);
    let id = format!("drain-{}", uuid::Uuid::new_v4().simple());
    let mut total = 0;
    loop {
        let n = run_once(db, registry, &id, &rx, DEFAULT_LEASE).await;
        if n == 0 {
            return total;
        }
        total += n;
    }
}
