//! Restoring an archive: every entry's size and SHA-256 checked against the manifest before
//! anything is written, then every row inserted in ONE transaction with new ids (foreign
//! keys rewritten through per-table id maps), the files' bytes stored under new keys as
//! their rows go in. A failure rolls the transaction back and removes the objects already
//! stored, so the target is as it was.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};

use object_store::{ObjectStoreExt, PutMultipartOptions, WriteMultipart};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};
use tokio::sync::mpsc;

use super::catalog::{self, Column, Kind};
use super::tables::{TABLES, Table};
use super::{FORMAT, FORMAT_VERSION, MANIFEST, MANIFEST_MAX, Manifest};
use crate::db::Db;
use crate::files::storage::Storage;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read the archive: {0}")]
    Unreadable(String),
    #[error("the archive is damaged or was changed after export: {0}; nothing was imported")]
    Tampered(String),
    #[error("this archive cannot be imported here: {0}")]
    Incompatible(String),
    #[error("{0}; nothing was imported")]
    Conflict(String),
    #[error("the import failed and nothing was changed: {0}")]
    Db(#[from] sqlx::Error),
    #[error("the import failed and nothing was changed: file storage: {0}")]
    Storage(#[from] object_store::Error),
}

/// What an import made.
#[derive(Debug, Clone)]
pub struct Imported {
    pub school_id: i64,
    pub slug: String,
    pub rows: u64,
    pub files: u64,
}

type Rows = Vec<Map<String, Value>>;

/// Imports the archive at `path`, as `slug` when given (else the archive's).
pub async fn import(
    db: &Db,
    storage: &Storage,
    path: &Path,
    slug: Option<&str>,
) -> Result<Imported, ImportError> {
    let p = path.to_path_buf();
    let (manifest, tables) = tokio::task::spawn_blocking(move || verify_and_read(&p))
        .await
        .map_err(|e| ImportError::Unreadable(e.to_string()))??;
    let slug = slug.unwrap_or(&manifest.school.slug).to_string();
    if !valid_slug(&slug) {
        return Err(ImportError::Incompatible(format!(
            "{slug:?} is not a school slug (lowercase letters, digits and '-', at most 63)"
        )));
    }
    if crate::schools::by_slug(db, &slug).await?.is_some() {
        return Err(ImportError::Conflict(format!(
            "a school with the slug {slug:?} exists on this instance (import with --slug another-slug)"
        )));
    }
    if let Some(domains) = tables.get("school_domains") {
        for row in domains {
            let Some(host) = row.get("host").and_then(Value::as_str) else {
                continue;
            };
            let taken: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM school_domains WHERE host = $1")
                    .bind(host)
                    .fetch_one(&db.pool)
                    .await?;
            if taken > 0 {
                return Err(ImportError::Conflict(format!(
                    "the domain {host} belongs to a school of this instance"
                )));
            }
        }
    }
    let mut written: Vec<String> = Vec::new();
    let result = restore(db, storage, path, &slug, &tables, &mut written).await;
    if result.is_err() {
        for key in &written {
            let _ = storage
                .store()
                .delete(&object_store::path::Path::from(key.as_str()))
                .await;
        }
    }
    result
}

/// A school's slug as `create-school` makes them.
pub fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn tampered(s: impl Into<String>) -> ImportError {
    ImportError::Tampered(s.into())
}

/// Checks the manifest and every entry's checksum, then parses the tables.
fn verify_and_read(path: &Path) -> Result<(Manifest, HashMap<String, Rows>), ImportError> {
    let file = std::fs::File::open(path)
        .map_err(|e| ImportError::Unreadable(format!("{}: {e}", path.display())))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| ImportError::Unreadable(format!("not a zip archive ({e})")))?;
    let manifest: Manifest = {
        let entry = zip
            .by_name(MANIFEST)
            .map_err(|_| ImportError::Unreadable("it has no manifest.json".into()))?;
        let mut buf = Vec::new();
        entry
            .take(MANIFEST_MAX)
            .read_to_end(&mut buf)
            .map_err(|e| tampered(format!("manifest.json: {e}")))?;
        serde_json::from_slice(&buf).map_err(|e| tampered(format!("manifest.json: {e}")))?
    };
    if manifest.format != FORMAT {
        return Err(ImportError::Incompatible(format!(
            "it is not a Lectern school export (format {:?})",
            manifest.format
        )));
    }
    if manifest.format_version != FORMAT_VERSION {
        return Err(ImportError::Incompatible(format!(
            "archive format {} (this Lectern reads format {FORMAT_VERSION})",
            manifest.format_version
        )));
    }
    if manifest.schema_version > super::schema_version() {
        return Err(ImportError::Incompatible(format!(
            "it was written at schema version {} by Lectern {}; this Lectern knows {} — upgrade it first",
            manifest.schema_version,
            manifest.lectern_version,
            super::schema_version()
        )));
    }
    let listed: BTreeSet<&str> = manifest.entries.iter().map(|e| e.path.as_str()).collect();
    if listed.len() != manifest.entries.len() {
        return Err(tampered("the manifest lists an entry twice"));
    }
    for name in zip.file_names() {
        let name = name.map_err(|e| tampered(format!("an entry's name: {e}")))?;
        if name != MANIFEST && !listed.contains(name.as_ref()) {
            return Err(tampered(format!("{name} is not in the manifest")));
        }
    }
    for e in &manifest.entries {
        let entry = zip
            .by_name(&e.path)
            .map_err(|_| tampered(format!("{} is missing", e.path)))?;
        let mut hash = Sha256::new();
        let mut n = 0u64;
        let mut r = entry;
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let k = r
                .read(&mut buf)
                .map_err(|err| tampered(format!("{}: {err}", e.path)))?;
            if k == 0 {
                break;
            }
            n += k as u64;
            hash.update(&buf[..k]);
        }
        if n != e.bytes || hex::encode(hash.finalize()) != e.sha256.to_ascii_lowercase() {
            return Err(tampered(format!("{} does not match its checksum", e.path)));
        }
    }
    let mut tables = HashMap::new();
    for e in &manifest.entries {
        let Some(table) = &e.table else {
            if !e.path.starts_with("files/") {
                return Err(tampered(format!(
                    "{} is neither a table nor a file",
                    e.path
                )));
            }
            continue;
        };
        if super::tables::table(table).is_none() || e.path != super::table_path(table) {
            return Err(ImportError::Incompatible(format!(
                "it holds a table this Lectern does not import: {table}"
            )));
        }
        let mut text = String::new();
        zip.by_name(&e.path)
            .map_err(|_| tampered(format!("{} is missing", e.path)))?
            .read_to_string(&mut text)
            .map_err(|err| tampered(format!("{}: {err}", e.path)))?;
        let mut rows = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let row: Map<String, Value> = serde_json::from_str(line)
                .map_err(|err| tampered(format!("{} line {}: {err}", e.path, i + 1)))?;
            rows.push(row);
        }
        if Some(rows.len() as u64) != e.rows {
            return Err(tampered(format!("{} has not the rows it lists", e.path)));
        }
        tables.insert(table.clone(), rows);
    }
    match tables.get("schools").map(Vec::len) {
        Some(1) => {}
        _ => return Err(tampered("it must hold exactly one school")),
    }
    Ok((manifest, tables))
}

/// An id map per table, and the references to fill once their row is in.
#[derive(Default)]
struct Maps {
    ids: HashMap<&'static str, HashMap<i64, i64>>,
    /// (table, new row id, column, referenced table, old id).
    later: Vec<(&'static str, i64, &'static str, &'static str, i64)>,
    /// (table, new row id, column, old value) of `/media/{id}/…` paths.
    media: Vec<(&'static str, i64, &'static str, String)>,
}

async fn restore(
    db: &Db,
    storage: &Storage,
    path: &Path,
    slug: &str,
    tables: &HashMap<String, Rows>,
    written: &mut Vec<String>,
) -> Result<Imported, ImportError> {
    // The catalogue first, through a connection of its own: on SQLite the transaction's
    // first statement is then its first write (it takes the write lock at once).
    let mut cols_of = HashMap::new();
    {
        let mut conn = db.pool.acquire().await?;
        for table in TABLES {
            cols_of.insert(
                table.name,
                catalog::columns(&mut conn, db.backend, table.name).await?,
            );
        }
    }
    let mut tx = db.pool.begin().await?;
    let mut maps = Maps::default();
    let mut rows_in = 0u64;
    let mut files_in = 0u64;
    let mut school_id = 0;
    for table in TABLES {
        let Some(rows) = tables.get(table.name) else {
            continue;
        };
        let cols = &cols_of[table.name];
        for row in rows {
            for k in row.keys() {
                if !cols.iter().any(|c| &c.name == k) || (k == "id" && !table.has_id) {
                    return Err(ImportError::Incompatible(format!(
                        "{}.{k} is not a column here",
                        table.name
                    )));
                }
            }
            let mut row = row.clone();
            let old_id = row.get("id").and_then(Value::as_i64);
            if table.has_id {
                row.remove("id");
            }
            match table.name {
                "schools" => {
                    row.insert("slug".into(), Value::from(slug));
                    // The target's default school stays its default.
                    row.insert("is_default".into(), Value::from(0));
                }
                "files" => {
                    let key = format!("{school_id}/{}", uuid::Uuid::new_v4().simple());
                    let old = old_id.ok_or_else(|| tampered("a file has no id"))?;
                    let widths =
                        super::widths(row.get("widths").and_then(Value::as_str).unwrap_or(""));
                    let ct = row
                        .get("content_type")
                        .and_then(Value::as_str)
                        .unwrap_or("application/octet-stream");
                    let name = row.get("name").and_then(Value::as_str).unwrap_or("file");
                    let disposition = crate::files::serve::content_disposition(
                        crate::files::serve::default_disposition(ct),
                        name,
                    );
                    for width in std::iter::once(None).chain(widths.into_iter().map(Some)) {
                        let object = match width {
                            Some(w) => format!("{key}.w{w}"),
                            None => key.clone(),
                        };
                        written.push(object.clone());
                        copy_in(
                            storage,
                            path,
                            &super::file_path(old, width),
                            &object,
                            storage.attributes(ct, &disposition),
                        )
                        .await?;
                    }
                    row.insert("storage_key".into(), Value::from(key));
                    files_in += 1;
                }
                _ => {}
            }
            let mut later = Vec::new();
            for (col, target) in table.refs {
                let Some(old) = row.get(*col).and_then(Value::as_i64) else {
                    continue;
                };
                if old <= 0 {
                    continue;
                }
                match maps.ids.get(target).and_then(|m| m.get(&old)) {
                    Some(new) => {
                        row.insert((*col).to_string(), Value::from(*new));
                    }
                    None => {
                        // A row later in the order (or not exported): NULL until then.
                        row.insert((*col).to_string(), Value::Null);
                        later.push((*col, *target, old));
                    }
                }
            }
            let mut media = Vec::new();
            for col in table.media {
                if let Some(url) = row.get(*col).and_then(Value::as_str)
                    && url.starts_with("/media/")
                {
                    media.push((*col, url.to_string()));
                }
            }
            let new_id = insert(&mut tx, table, cols, &row).await?;
            rows_in += 1;
            if let (Some(old), Some(new)) = (old_id, new_id) {
                maps.ids.entry(table.name).or_default().insert(old, new);
                if table.name == "schools" {
                    school_id = new;
                }
            }
            if !later.is_empty() || !media.is_empty() {
                let new = new_id.ok_or_else(|| {
                    ImportError::Incompatible(format!("{} rows have no id", table.name))
                })?;
                for (col, target, old) in later {
                    maps.later.push((table.name, new, col, target, old));
                }
                for (col, url) in media {
                    maps.media.push((table.name, new, col, url));
                }
            }
        }
    }
    for (table, id, col, target, old) in &maps.later {
        if let Some(new) = maps.ids.get(target).and_then(|m| m.get(old)) {
            let sql = format!("UPDATE {table} SET {col} = $1 WHERE id = $2");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(*new)
                .bind(*id)
                .execute(&mut *tx)
                .await?;
        }
    }
    for (table, id, col, url) in &maps.media {
        let new_url = remap_media(url, maps.ids.get("files"));
        let sql = format!("UPDATE {table} SET {col} = $1 WHERE id = $2");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(new_url)
            .bind(*id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Imported {
        school_id,
        slug: slug.to_string(),
        rows: rows_in,
        files: files_in,
    })
}

/// `/media/{old id}/rest` → `/media/{new id}/rest`; NULL when the file did not come along.
fn remap_media(url: &str, files: Option<&HashMap<i64, i64>>) -> Option<String> {
    let rest = url.strip_prefix("/media/")?;
    let (id, tail) = rest.split_once('/').unwrap_or((rest, ""));
    let new = files?.get(&id.parse::<i64>().ok()?)?;
    Some(format!("/media/{new}/{tail}"))
}

async fn insert(
    conn: &mut AnyConnection,
    table: &Table,
    cols: &[Column],
    row: &Map<String, Value>,
) -> Result<Option<i64>, ImportError> {
    let used: Vec<&Column> = cols.iter().filter(|c| row.contains_key(&c.name)).collect();
    let names = used
        .iter()
        .map(|c| format!("\"{}\"", c.name))
        .collect::<Vec<_>>()
        .join(", ");
    let params = (1..=used.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let returning = if table.has_id { " RETURNING id" } else { "" };
    let sql = format!(
        "INSERT INTO {} ({names}) VALUES ({params}){returning}",
        table.name
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for c in &used {
        let v = &row[&c.name];
        q = match (c.kind, v) {
            (Kind::Int, Value::Null) => q.bind(None::<i64>),
            (Kind::Text, Value::Null) => q.bind(None::<String>),
            (Kind::Int, Value::Number(n)) if n.is_i64() => q.bind(n.as_i64()),
            (Kind::Text, Value::String(s)) => q.bind(s.clone()),
            _ => {
                return Err(tampered(format!(
                    "{}.{} holds {v} where the column holds {}",
                    table.name,
                    c.name,
                    match c.kind {
                        Kind::Int => "integers",
                        Kind::Text => "text",
                    }
                )));
            }
        };
    }
    if table.has_id {
        let r = q.fetch_one(&mut *conn).await?;
        Ok(Some(r.try_get::<i64, _>(0)?))
    } else {
        q.execute(&mut *conn).await?;
        Ok(None)
    }
}

/// Streams one archive entry into storage as `key`.
async fn copy_in(
    storage: &Storage,
    archive: &Path,
    entry: &str,
    key: &str,
    attributes: object_store::Attributes,
) -> Result<(), ImportError> {
    let (tx, mut rx) = mpsc::channel::<Result<Vec<u8>, String>>(4);
    let archive: PathBuf = archive.to_path_buf();
    let name = entry.to_string();
    let reader = tokio::task::spawn_blocking(move || {
        let run = || -> Result<(), String> {
            let file = std::fs::File::open(&archive).map_err(|e| e.to_string())?;
            let mut zip =
                zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| e.to_string())?;
            let mut r = zip
                .by_name(&name)
                .map_err(|_| format!("{name} is missing"))?;
            loop {
                let mut buf = vec![0u8; 1 << 20];
                let k = r.read(&mut buf).map_err(|e| e.to_string())?;
                if k == 0 {
                    return Ok(());
                }
                buf.truncate(k);
                if tx.blocking_send(Ok(buf)).is_err() {
                    return Ok(());
                }
            }
        };
        if let Err(e) = run() {
            let _ = tx.blocking_send(Err(e));
        }
    });
    let upload = storage
        .store()
        .put_multipart_opts(
            &object_store::path::Path::from(key),
            PutMultipartOptions {
                attributes,
                ..Default::default()
            },
        )
        .await?;
    let mut w = WriteMultipart::new(upload);
    while let Some(chunk) = rx.recv().await {
        match chunk {
            Ok(c) => w.write(&c),
            Err(e) => {
                let _ = w.abort().await;
                return Err(tampered(format!("{entry}: {e}")));
            }
        }
    }
    let _ = reader.await;
    w.finish().await?;
    Ok(())
}
