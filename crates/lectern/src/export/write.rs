//! Writing a school's archive: its rows read in one transaction (one consistent picture),
//! each table streamed as JSON Lines, then the files' bytes streamed from storage, then the
//! manifest with every entry's size and SHA-256. The zip is written on a blocking thread
//! fed through a small channel, so neither rows nor files are held whole in memory.

use std::path::Path;

use futures_util::{StreamExt, TryStreamExt};
use object_store::ObjectStoreExt;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::Row;
use tokio::sync::mpsc;

use super::catalog::{self, Kind};
use super::tables::TABLES;
use super::{Entry, FORMAT, FORMAT_VERSION, MANIFEST, Manifest, ManifestSchool};
use crate::db::{Backend, Db, SchoolId};
use crate::files::storage::Storage;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("there is no school {0}")]
    NoSuchSchool(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("file storage: {0}")]
    Storage(#[from] object_store::Error),
    #[error("writing the archive: {0}")]
    Write(String),
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct Exported {
    pub manifest: Manifest,
    pub bytes: u64,
}

enum Piece {
    Start(String),
    Data(Vec<u8>),
}

/// Rows are sent to the zip in pieces of about this size.
const PIECE: usize = 256 * 1024;

/// Writes the archive of `school` to `out` (created or truncated).
pub async fn export(
    db: &Db,
    storage: &Storage,
    school: SchoolId,
    out: &Path,
) -> Result<Exported, ExportError> {
    let file = std::fs::File::create(out)
        .map_err(|e| ExportError::Write(format!("{}: {e}", out.display())))?;
    let (tx, rx) = mpsc::channel::<Piece>(8);
    let at = zip_time(db.now_ms());
    let writer = tokio::task::spawn_blocking(move || write_zip(file, rx, at));
    let result = produce(db, storage, school, &tx).await;
    drop(tx);
    let written = writer
        .await
        .map_err(|e| ExportError::Write(e.to_string()))?;
    let manifest = result?;
    let bytes = written?;
    Ok(Exported { manifest, bytes })
}

fn write_zip(
    file: std::fs::File,
    mut rx: mpsc::Receiver<Piece>,
    at: zip::DateTime,
) -> Result<u64, ExportError> {
    use std::io::Write;
    let err = |e: &dyn std::fmt::Display| ExportError::Write(e.to_string());
    let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true)
        .last_modified_time(at);
    while let Some(piece) = rx.blocking_recv() {
        match piece {
            Piece::Start(name) => zip.start_file(name, options).map_err(|e| err(&e))?,
            Piece::Data(d) => zip.write_all(&d).map_err(|e| err(&e))?,
        }
    }
    let mut inner = zip.finish().map_err(|e| err(&e))?;
    inner.flush().map_err(|e| err(&e))?;
    let file = inner.into_inner().map_err(|e| err(&e))?;
    file.sync_all().map_err(|e| err(&e))?;
    Ok(file.metadata().map_err(|e| err(&e))?.len())
}

/// The export's moment (UTC) as a zip entry's modification time: without it every entry
/// says 1980-01-01. Zip keeps local time to two seconds with no zone; UTC is what we
/// write. A moment outside zip's years (1980–2107) keeps the default.
fn zip_time(at_ms: i64) -> zip::DateTime {
    let Ok(at) = jiff::Timestamp::from_millisecond(at_ms) else {
        return zip::DateTime::default();
    };
    let t = at.to_zoned(jiff::tz::TimeZone::UTC);
    u16::try_from(t.year())
        .ok()
        .and_then(|year| {
            zip::DateTime::from_date_and_time(
                year,
                t.month() as u8,
                t.day() as u8,
                t.hour() as u8,
                t.minute() as u8,
                t.second() as u8,
            )
            .ok()
        })
        .unwrap_or_default()
}

/// One entry being sent: counts and hashes what goes through.
struct Sending<'a> {
    tx: &'a mpsc::Sender<Piece>,
    path: String,
    hash: Sha256,
    bytes: u64,
}

impl<'a> Sending<'a> {
    async fn start(tx: &'a mpsc::Sender<Piece>, path: String) -> Result<Self, ExportError> {
        send(tx, Piece::Start(path.clone())).await?;
        Ok(Sending {
            tx,
            path,
            hash: Sha256::new(),
            bytes: 0,
        })
    }

    async fn data(&mut self, d: Vec<u8>) -> Result<(), ExportError> {
        self.hash.update(&d);
        self.bytes += d.len() as u64;
        send(self.tx, Piece::Data(d)).await
    }

    fn done(self, table: Option<&str>, rows: Option<u64>) -> Entry {
        Entry {
            path: self.path,
            table: table.map(str::to_string),
            rows,
            bytes: self.bytes,
            sha256: hex::encode(self.hash.finalize()),
        }
    }
}

async fn send(tx: &mpsc::Sender<Piece>, p: Piece) -> Result<(), ExportError> {
    tx.send(p)
        .await
        .map_err(|_| ExportError::Write("the archive writer stopped".into()))
}

async fn produce(
    db: &Db,
    storage: &Storage,
    school: SchoolId,
    tx: &mpsc::Sender<Piece>,
) -> Result<Manifest, ExportError> {
    let mut conn = db.pool.begin().await?;
    if db.backend == Backend::Postgres {
        // One picture of the school across all tables, however long the export takes.
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .execute(&mut *conn)
            .await?;
    }
    let (slug, name): (String, String) =
        sqlx::query_as("SELECT slug, display_name FROM schools WHERE id = $1")
            .bind(school.0)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| ExportError::NoSuchSchool(school.0.to_string()))?;
    let mut entries = Vec::new();
    // (old id, storage key, widths) of each exported file.
    let mut files: Vec<(i64, String, Vec<u32>)> = Vec::new();
    for table in TABLES {
        let cols = catalog::columns(&mut conn, db.backend, table.name).await?;
        let list = cols
            .iter()
            .map(|c| format!("\"{}\"", c.name))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {list} FROM {} WHERE {} ORDER BY {}",
            table.name, table.scope, table.order
        );
        let mut out = Sending::start(tx, super::table_path(table.name)).await?;
        let mut buf = Vec::with_capacity(PIECE);
        let mut rows = 0u64;
        {
            let mut stream = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(school.0)
                .fetch(&mut *conn);
            while let Some(row) = stream.try_next().await? {
                let mut obj = Map::new();
                for (i, c) in cols.iter().enumerate() {
                    let v = match c.kind {
                        Kind::Int => row.try_get::<Option<i64>, _>(i)?.map(Value::from),
                        Kind::Text => row.try_get::<Option<String>, _>(i)?.map(Value::from),
                    };
                    obj.insert(c.name.clone(), v.unwrap_or(Value::Null));
                }
                if table.name == "files" {
                    let id = obj.get("id").and_then(Value::as_i64).unwrap_or(0);
                    let key = obj.get("storage_key").and_then(Value::as_str);
                    let w = obj.get("widths").and_then(Value::as_str).unwrap_or("");
                    files.push((id, key.unwrap_or("").to_string(), super::widths(w)));
                }
                for (c, _) in table.left_out {
                    obj.remove(*c);
                }
                serde_json::to_writer(&mut buf, &obj)
                    .map_err(|e| ExportError::Write(e.to_string()))?;
                buf.push(b'\n');
                rows += 1;
                if buf.len() >= PIECE {
                    out.data(std::mem::replace(&mut buf, Vec::with_capacity(PIECE)))
                        .await?;
                }
            }
        }
        if !buf.is_empty() {
            out.data(buf).await?;
        }
        entries.push(out.done(Some(table.name), Some(rows)));
    }
    conn.commit().await?;
    for (id, key, widths) in files {
        for width in std::iter::once(None).chain(widths.into_iter().map(Some)) {
            let object = match width {
                Some(w) => format!("{key}.w{w}"),
                None => key.clone(),
            };
            let mut out = Sending::start(tx, super::file_path(id, width)).await?;
            let got = storage
                .store()
                .get(&object_store::path::Path::from(object))
                .await?;
            let mut stream = got.into_stream();
            while let Some(chunk) = stream.next().await {
                out.data(chunk?.to_vec()).await?;
            }
            entries.push(out.done(None, None));
        }
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        schema_version: super::schema_version(),
        lectern_version: env!("CARGO_PKG_VERSION").into(),
        created_at: db.now_ms(),
        school: ManifestSchool { slug, name },
        entries,
        left_out: super::left_out(),
        reconnect: super::tables::RECONNECT
            .iter()
            .map(|s| s.to_string())
            .collect(),
    };
    let json =
        serde_json::to_vec_pretty(&manifest).map_err(|e| ExportError::Write(e.to_string()))?;
    send(tx, Piece::Start(MANIFEST.into())).await?;
    send(tx, Piece::Data(json)).await?;
    Ok(manifest)
}

#[cfg(test)]
mod tests {
    #[test]
    fn entries_are_dated_with_the_exports_moment_in_utc() {
        // 2026-12-06 01:23:45.678 UTC.
        let at = jiff::Timestamp::from_second(1_796_520_225).unwrap();
        let z = at.to_zoned(jiff::tz::TimeZone::UTC);
        let d = super::zip_time(at.as_millisecond() + 678);
        assert_eq!(
            (d.year(), d.month(), d.day(), d.hour(), d.minute()),
            (
                z.year() as u16,
                z.month() as u8,
                z.day() as u8,
                z.hour() as u8,
                z.minute() as u8
            )
        );
        assert_ne!(d.year(), 1980);
        // Before zip's first year: the default rather than a panic.
        assert_eq!(super::zip_time(0), zip::DateTime::default());
    }
}
