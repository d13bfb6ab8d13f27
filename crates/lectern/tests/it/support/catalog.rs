//! The database's own catalogue: every table and column the migrations made
//! (`sqlite_master` + `pragma_table_info`, `information_schema` on PostgreSQL) and every
//! value in them as text. For tests that must hold for the whole schema — no Zoom data
//! left, no secret in clear — including columns added after the test was written.

use std::collections::BTreeMap;

use lectern::db::{Backend, Db};
use sqlx::Row;

/// Table → its columns.
pub async fn columns(db: &Db) -> BTreeMap<String, Vec<String>> {
    let sql = match db.backend {
        Backend::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns
             WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position"
        }
    };
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in sqlx::query(sql).fetch_all(&db.pool).await.unwrap() {
        out.entry(row.get::<String, _>(0))
            .or_default()
            .push(row.get::<String, _>(1));
    }
    assert!(out.len() >= 10, "the catalogue lists the schema: {out:?}");
    out
}

/// One stored value.
#[derive(Debug, Clone)]
pub struct Value {
    pub table: String,
    pub column: String,
    pub text: String,
}

/// Every non-NULL value of every column of every table, as text.
pub async fn values(db: &Db) -> Vec<Value> {
    let mut out = Vec::new();
    for (table, cols) in columns(db).await {
        for column in cols {
            let sql = format!(
                "SELECT CAST(\"{column}\" AS TEXT) FROM \"{table}\" WHERE \"{column}\" IS NOT NULL"
            );
            let texts: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_all(&db.pool)
                .await
                .unwrap_or_else(|e| panic!("reading {table}.{column}: {e}"));
            out.extend(texts.into_iter().map(|text| Value {
                table: table.clone(),
                column: column.clone(),
                text,
            }));
        }
    }
    out
}

/// The values that contain `needle`. A number counts only as a whole number, so that a
/// meeting id is not "found" inside an unrelated instant.
pub fn containing<'a>(values: &'a [Value], needle: &str) -> Vec<&'a Value> {
    assert!(!needle.is_empty());
    let numeric = needle.bytes().all(|b| b.is_ascii_digit());
    values
        .iter()
        .filter(|v| {
            if !numeric {
                return v.text.contains(needle);
            }
            v.text.match_indices(needle).any(|(at, _)| {
                let before = v.text[..at].bytes().next_back();
                let after = v.text[at + needle.len()..].bytes().next();
                !before.is_some_and(|b| b.is_ascii_digit())
                    && !after.is_some_and(|b| b.is_ascii_digit())
            })
        })
        .collect()
}
