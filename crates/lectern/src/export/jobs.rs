//! The `exports` table and its jobs: an admin's export written by the `school_export` job
//! into file storage, and the hourly sweep that removes archives once they expire.

use futures_util::StreamExt;
use object_store::path::Path;
use object_store::{ObjectStoreExt, WriteMultipart};
use serde::{Deserialize, Serialize};

use crate::db::{Db, SchoolId};
use crate::files::Files;
use crate::jobs::{DuplicateKind, Job, NewJob, Registry};

/// How long an archive stays downloadable.
pub const KEEP_MS: i64 = 7 * 24 * 3_600_000;
/// An object under the exports prefix that no row names is removed once this old (younger
/// ones may belong to a job that has not recorded its key yet).
const ORPHAN_MS: i64 = 24 * 3_600_000;

/// One row of `exports`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    pub id: i64,
    pub state: String,
    pub bytes: Option<i64>,
    pub error: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    pub expires_at: i64,
}

/// Queues an export of `school` unless one is queued or running; its id either way.
pub async fn start(db: &Db, school: SchoolId, by: i64) -> sqlx::Result<i64> {
    let mut tx = db.pool.begin().await?;
    let now = db.now_ms();
    // The insert first (SQLite's write lock), guarded so two clicks make one export.
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO exports (school_id, requested_by, state, created_at, expires_at)
         SELECT $1, $2, 'queued', $3, $4
         WHERE NOT EXISTS (SELECT 1 FROM exports WHERE school_id = $1 AND state IN ('queued', 'running'))
         RETURNING id",
    )
    .bind(school.0)
    .bind(by)
    .bind(now)
    .bind(now + KEEP_MS)
    .fetch_optional(&mut *tx)
    .await?;
    let id = match id {
        Some(id) => {
            crate::jobs::enqueue(
                &mut tx,
                NewJob::of(&SchoolExport { export_id: id }).school(school.0),
            )
            .await?;
            id
        }
        None => {
            sqlx::query_scalar(
                "SELECT id FROM exports WHERE school_id = $1 AND state IN ('queued', 'running')
                 ORDER BY id DESC LIMIT 1",
            )
            .bind(school.0)
            .fetch_one(&mut *tx)
            .await?
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// The school's archives, newest first.
pub async fn list(db: &Db, school: SchoolId) -> sqlx::Result<Vec<ExportRow>> {
    sqlx::query_as(
        "SELECT id, state, bytes, error, created_at, finished_at, expires_at FROM exports
         WHERE school_id = $1 ORDER BY id DESC LIMIT 20",
    )
    .bind(school.0)
    .fetch_all(&db.pool)
    .await
}

/// The storage key of the school's finished, unexpired archive `id`.
pub async fn ready_key(db: &Db, school: SchoolId, id: i64) -> sqlx::Result<Option<String>> {
    let key: Option<Option<String>> = sqlx::query_scalar(
        "SELECT storage_key FROM exports
         WHERE id = $1 AND school_id = $2 AND state = 'done' AND expires_at > $3",
    )
    .bind(id)
    .bind(school.0)
    .bind(db.now_ms())
    .fetch_optional(&db.pool)
    .await?;
    Ok(key.flatten())
}

/// Writes one admin-started archive into file storage.
#[derive(Debug, Serialize, Deserialize)]
pub struct SchoolExport {
    pub export_id: i64,
}

impl Job for SchoolExport {
    const KIND: &'static str = "school_export";
    type Deps = Files;

    async fn run(self, files: &Files) -> anyhow::Result<()> {
        let db = &files.db;
        let school: Option<i64> = sqlx::query_scalar(
            "UPDATE exports SET state = 'running' WHERE id = $1 AND state IN ('queued', 'running')
             RETURNING school_id",
        )
        .bind(self.export_id)
        .fetch_optional(&db.pool)
        .await?;
        let Some(school) = school else {
            return Ok(()); // done already, or the school is gone
        };
        let tmp = std::env::temp_dir().join(format!(
            "lectern-export-{}.zip",
            uuid::Uuid::new_v4().simple()
        ));
        let outcome = write_and_store(files, SchoolId(school), &tmp).await;
        let _ = tokio::fs::remove_file(&tmp).await;
        let (key, bytes) = outcome?;
        let done = sqlx::query(
            "UPDATE exports SET state = 'done', storage_key = $1, bytes = $2, finished_at = $3
             WHERE id = $4 AND state = 'running'",
        )
        .bind(&key)
        .bind(bytes as i64)
        .bind(db.now_ms())
        .bind(self.export_id)
        .execute(&db.pool)
        .await?;
        if done.rows_affected() == 0 {
            // The row went (the school was deleted meanwhile): nothing names the object.
            let _ = files.storage.store().delete(&Path::from(key)).await;
        }
        Ok(())
    }

    async fn gave_up(self, files: &Files, error: &str) -> anyhow::Result<()> {
        tracing::warn!(export = self.export_id, error, "school export failed");
        // The admin sees that it failed; the operator finds why in the log and the jobs page.
        sqlx::query(
            "UPDATE exports SET state = 'failed', error = 'failed', finished_at = $1
             WHERE id = $2 AND state IN ('queued', 'running')",
        )
        .bind(files.db.now_ms())
        .bind(self.export_id)
        .execute(&files.db.pool)
        .await?;
        Ok(())
    }
}

async fn write_and_store(
    files: &Files,
    school: SchoolId,
    tmp: &std::path::Path,
) -> anyhow::Result<(String, u64)> {
    let exported = super::export(&files.db, &files.storage, school, tmp).await?;
    let key = format!(
        "{}{}/{}.zip",
        crate::files::EXPORTS_PREFIX,
        school.0,
        uuid::Uuid::new_v4().simple()
    );
    let upload = files
        .storage
        .store()
        .put_multipart(&Path::from(key.as_str()))
        .await?;
    let mut w = WriteMultipart::new(upload);
    let file = tokio::fs::File::open(tmp).await?;
    let mut chunks = std::pin::pin!(file_chunks(file));
    while let Some(chunk) = chunks.next().await {
        w.write(&chunk?);
    }
    w.finish().await?;
    Ok((key, exported.bytes))
}

/// The file's bytes in 1 MiB pieces.
fn file_chunks(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<Vec<u8>>> {
    futures_util::stream::unfold(Some(file), |file| async move {
        use tokio::io::AsyncReadExt;
        let mut file = file?;
        let mut buf = vec![0u8; 1 << 20];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok(buf), Some(file)))
            }
            Err(e) => Some((Err(e), None)),
        }
    })
}

/// The hourly sweep.
#[derive(Debug, Serialize, Deserialize)]
pub struct SweepExports {
    pub hour: i64,
}

impl Job for SweepExports {
    const KIND: &'static str = "export_sweep";
    type Deps = Files;
    async fn run(self, files: &Files) -> anyhow::Result<()> {
        let removed = sweep(files).await?;
        if removed > 0 {
            tracing::info!(removed, "expired export archives removed");
        }
        Ok(())
    }
}

/// Removes expired archives (object, then row) and objects under the exports prefix that no
/// row names (their school was deleted); how many objects went.
pub async fn sweep(files: &Files) -> anyhow::Result<usize> {
    let db = &files.db;
    let now = db.now_ms();
    let store = files.storage.store();
    let mut removed = 0;
    let expired: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT id, storage_key FROM exports WHERE expires_at <= $1")
            .bind(now)
            .fetch_all(&db.pool)
            .await?;
    for (id, key) in expired {
        if let Some(key) = key {
            match store.delete(&Path::from(key)).await {
                Ok(()) => removed += 1,
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        sqlx::query("DELETE FROM exports WHERE id = $1")
            .bind(id)
            .execute(&db.pool)
            .await?;
    }
    let prefix = Path::from(crate::files::EXPORTS_PREFIX.trim_end_matches('/'));
    let mut listing = store.list(Some(&prefix));
    while let Some(meta) = listing.next().await {
        let meta = meta?;
        if meta.last_modified.timestamp_millis() >= now - ORPHAN_MS {
            continue;
        }
        let key = meta.location.to_string();
        let named: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM exports WHERE storage_key = $1")
            .bind(&key)
            .fetch_one(&db.pool)
            .await?;
        if named == 0 {
            match store.delete(&meta.location).await {
                Ok(()) => removed += 1,
                Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(removed)
}

pub fn register(r: &mut Registry, files: &Files) -> Result<(), DuplicateKind> {
    r.register::<SchoolExport>(files.clone())?
        .register::<SweepExports>(files.clone())?
        .hourly(|hour| SweepExports { hour });
    Ok(())
}
