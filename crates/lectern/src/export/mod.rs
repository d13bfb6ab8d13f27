//! Export and import of one school: a portable zip archive (`manifest.json`, one JSON Lines
//! file per table holding only that school's rows, the uploaded files' bytes) written by
//! `lectern export` or by an admin's job (`/admin/export`), and restored by `lectern import`
//! on either database with every id assigned anew. No secret goes into an archive: what is
//! sealed or hashed under this instance's key stays behind and the manifest says what must
//! be reconnected. The format and its choices: `docs/export.md`.
//!
//! Owns the `exports` table (the admins' archives and their state).

pub mod catalog;
pub mod jobs;
pub mod read;
pub mod routes;
pub mod tables;
pub mod write;

use serde::{Deserialize, Serialize};

pub use read::{ImportError, Imported, import};
pub use write::{ExportError, Exported, export};

/// What the archive is; an import refuses anything else.
pub const FORMAT: &str = "lectern-school-export";
/// Bumped when the archive's layout changes (not when the schema gains a column: the
/// manifest's `schema_version` says which migrations the rows were written under).
pub const FORMAT_VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
/// The manifest is read whole; a larger one is not ours.
const MANIFEST_MAX: u64 = 16 << 20;

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The last migration applied to the exporting database.
    pub schema_version: i64,
    pub lectern_version: String,
    /// Epoch milliseconds (UTC).
    pub created_at: i64,
    pub school: ManifestSchool,
    /// Every other entry of the archive, with its size and SHA-256.
    pub entries: Vec<Entry>,
    /// Tables and columns deliberately left behind, with the reason.
    pub left_out: Vec<LeftOut>,
    /// What the school sets up again on the new instance.
    pub reconnect: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestSchool {
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// `tables/<table>.jsonl` or `files/<file id>[.w<width>]`.
    pub path: String,
    /// The table, for a table's entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// Its rows, for a table's entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LeftOut {
    /// `table` or `table.column`.
    pub what: String,
    pub why: String,
}

/// The zip path of a table's rows.
pub fn table_path(table: &str) -> String {
    format!("tables/{table}.jsonl")
}

/// The zip path of a file's bytes (`width`: a kept width of an image).
pub fn file_path(old_id: i64, width: Option<u32>) -> String {
    match width {
        Some(w) => format!("files/{old_id}.w{w}"),
        None => format!("files/{old_id}"),
    }
}

/// The last migration this binary knows: what an archive's rows are written under.
pub fn schema_version() -> i64 {
    crate::db::MIGRATIONS_SQLITE
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

/// Everything the manifest lists as left behind.
pub fn left_out() -> Vec<LeftOut> {
    let mut out: Vec<LeftOut> = tables::EXCLUDED
        .iter()
        .map(|(t, why)| LeftOut {
            what: (*t).to_string(),
            why: (*why).to_string(),
        })
        .collect();
    for t in tables::TABLES {
        for (c, why) in t.left_out {
            out.push(LeftOut {
                what: format!("{}.{c}", t.name),
                why: (*why).to_string(),
            });
        }
    }
    out
}

/// A widths column (`"320,640"`) as numbers.
pub(crate) fn widths(s: &str) -> Vec<u32> {
    s.split(',').filter_map(|w| w.trim().parse().ok()).collect()
}
