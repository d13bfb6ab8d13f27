//! Deleting is a job, retried until storage has let go: the owner (a lesson, a course, a
//! school) is gone at once, its objects follow. The hourly sweep finds what a crash left:
//! uploads that never finished, and objects no row names.

use futures_util::StreamExt;
use object_store::ObjectStoreExt;
use serde::{Deserialize, Serialize};

use super::{Files, store};
use crate::jobs::{DuplicateKind, Job, Registry};

/// An upload unfinished for this long was abandoned (a 2 GiB video over a slow line takes
/// hours, not a day).
const STALE_MS: i64 = 24 * 3_600_000;

/// Removes one file's objects, then its row. A school's deletion takes its rows with it,
/// so its jobs carry the objects' key and widths and need no row.
#[derive(Debug, Serialize, Deserialize)]
pub struct DeleteFile {
    pub file_id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_key: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub widths: Vec<u32>,
}

impl Job for DeleteFile {
    const KIND: &'static str = "files.delete";
    type Deps = Files;
    async fn run(self, files: &Files) -> anyhow::Result<()> {
        let Some((file, state)) = store::any_state(&files.db, self.file_id).await? else {
            if let Some(key) = &self.storage_key {
                files.remove_objects(key, &self.widths).await?;
            }
            return Ok(());
        };
        if state != "deleting" {
            // Restored or never marked: not ours to delete.
            return Ok(());
        }
        files
            .remove_objects(&file.storage_key, &file.widths)
            .await?;
        store::remove_deleted(&files.db, file.id).await?;
        Ok(())
    }
}

/// The hourly sweep.
#[derive(Debug, Serialize, Deserialize)]
pub struct SweepFiles {
    pub hour: i64,
}

/// What one sweep removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub abandoned_uploads: usize,
    pub orphaned_objects: usize,
    /// Discussion attachments uploaded but never posted.
    pub unattached: usize,
}

impl Job for SweepFiles {
    const KIND: &'static str = "files.sweep";
    type Deps = Files;
    async fn run(self, files: &Files) -> anyhow::Result<()> {
        let swept = sweep(files).await?;
        if swept != Swept::default() {
            tracing::info!(?swept, "files swept");
        }
        Ok(())
    }
}

/// Deletes uploads abandoned before [`STALE_MS`] ago and objects no row names that are as
/// old (younger ones may belong to an upload whose row is being written).
pub async fn sweep(files: &Files) -> anyhow::Result<Swept> {
    let before = files.db.now_ms() - STALE_MS;
    let mut swept = Swept::default();
    let stale = store::stale_uploads(&files.db, before).await?;
    for (school, id) in &stale {
        let mut tx = files.db.pool.begin().await?;
        store::mark_deleting(&mut tx, *school, &[*id]).await?;
        tx.commit().await?;
    }
    swept.abandoned_uploads = stale.len();
    let unattached = store::unattached_discussion_files(&files.db, before).await?;
    for (school, id) in &unattached {
        let mut tx = files.db.pool.begin().await?;
        store::mark_deleting(&mut tx, *school, &[*id]).await?;
        tx.commit().await?;
    }
    swept.unattached = unattached.len();
    let store = files.storage.store().clone();
    let mut listing = store.list(None);
    while let Some(meta) = listing.next().await {
        let meta = meta?;
        if meta.last_modified.timestamp_millis() >= before {
            continue;
        }
        let key = meta.location.to_string();
        if key.starts_with(super::EXPORTS_PREFIX) {
            continue;
        }
        // A cover's extra width `<key>.w<N>` belongs to `<key>`.
        let base = match key.rsplit_once(".w") {
            Some((b, w)) if w.bytes().all(|c| c.is_ascii_digit()) && !w.is_empty() => b,
            _ => key.as_str(),
        };
        if !store::key_known(&files.db, base).await? {
            match store.delete(&meta.location).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {
                    swept.orphaned_objects += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(swept)
}

pub fn register(r: &mut Registry, files: &Files) -> Result<(), DuplicateKind> {
    r.register::<DeleteFile>(files.clone())?
        .register::<SweepFiles>(files.clone())?
        .hourly(|hour| SweepFiles { hour });
    Ok(())
}
