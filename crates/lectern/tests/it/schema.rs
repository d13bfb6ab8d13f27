//! The SQLite and PostgreSQL migrations must produce the same tables and columns.

use std::collections::{BTreeMap, BTreeSet};

use lectern::db::{Backend, Db};
use sqlx::Row;

use crate::support::{DbKind, TestDb};

type Schema = BTreeMap<String, BTreeSet<String>>;

async fn schema_of(db: &Db) -> Schema {
    let sql = match db.backend {
        Backend::Sqlite => {
            "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'"
        }
        Backend::Postgres => {
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns
             WHERE table_schema = current_schema()"
        }
    };
    let mut out = Schema::new();
    for row in sqlx::query(sql).fetch_all(&db.pool).await.unwrap() {
        out.entry(row.get::<String, _>(0))
            .or_default()
            .insert(row.get::<String, _>(1));
    }
    out
}

/// Human-readable differences; empty when the two match.
fn diff(sqlite: &Schema, pg: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let tables: BTreeSet<&String> = sqlite.keys().chain(pg.keys()).collect();
    for t in tables {
        match (sqlite.get(t), pg.get(t)) {
            (Some(_), None) => out.push(format!("table {t} only on SQLite")),
            (None, Some(_)) => out.push(format!("table {t} only on PostgreSQL")),
            (Some(a), Some(b)) => {
                for c in a.difference(b) {
                    out.push(format!("column {t}.{c} only on SQLite"));
                }
                for c in b.difference(a) {
                    out.push(format!("column {t}.{c} only on PostgreSQL"));
                }
            }
            (None, None) => unreachable!(),
        }
    }
    out
}

async fn migrated(kind: DbKind) -> (TestDb, Db) {
    let t = TestDb::new(kind).await;
    let db = t.connect().await;
    db.migrate().await.unwrap();
    (t, db)
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_match() {
    let (_a, sqlite) = migrated(DbKind::Sqlite).await;
    let lite = schema_of(&sqlite).await;
    assert!(
        lite.contains_key("users") && lite["users"].contains("email_norm"),
        "{lite:?}"
    );
    if !crate::support::pg_available("schema::sqlite_and_postgres_schemas_match") {
        return;
    }
    let (_b, pg) = migrated(DbKind::Postgres).await;
    let pgs = schema_of(&pg).await;
    assert!(pgs.len() >= 10, "{pgs:?}");
    let d = diff(&lite, &pgs);
    assert!(d.is_empty(), "the migrations differ:\n{}", d.join("\n"));
}

#[tokio::test]
async fn the_comparison_notices_a_difference() {
    let (_a, one) = migrated(DbKind::Sqlite).await;
    let (_b, two) = migrated(DbKind::Sqlite).await;
    sqlx::raw_sql("ALTER TABLE users ADD COLUMN nickname TEXT; CREATE TABLE stray (id INTEGER)")
        .execute(&two.pool)
        .await
        .unwrap();
    let d = diff(&schema_of(&one).await, &schema_of(&two).await);
    assert_eq!(
        d,
        vec![
            "table stray only on PostgreSQL".to_string(),
            "column users.nickname only on PostgreSQL".to_string()
        ]
    );
    assert!(diff(&schema_of(&one).await, &schema_of(&one).await).is_empty());
}
