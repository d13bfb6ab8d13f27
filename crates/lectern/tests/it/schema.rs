//! The SQLite and PostgreSQL migrations must produce the same schema: tables, columns
//! with their type class and nullability, indexes (name, columns, uniqueness), unique and
//! primary keys, and foreign keys with their `ON DELETE` rule.

use std::collections::{BTreeMap, BTreeSet};

use lectern::db::{Backend, Db};
use sqlx::Row;

use crate::support::{DbKind, TestAppBuilder, TestDb};

/// One table's shape: column → "integer not null"; and its keys, indexes and references
/// as comparable lines ("index jobs_due (state, run_at)", "unique (host)", …).
#[derive(Debug, Default, PartialEq)]
struct Table {
    columns: BTreeMap<String, String>,
    keys: BTreeSet<String>,
}

type Schema = BTreeMap<String, Table>;

/// The type class both backends agree on (`INTEGER` on SQLite is `bigint` on PostgreSQL).
fn class(declared: &str) -> &'static str {
    let t = declared.to_ascii_lowercase();
    if t.contains("int") {
        "integer"
    } else if t.contains("char") || t.contains("text") {
        "text"
    } else if t.contains("real") || t.contains("double") || t.contains("float") {
        "real"
    } else if t.contains("blob") || t.contains("bytea") {
        "blob"
    } else {
        "other"
    }
}

fn on_delete(rule: &str) -> &'static str {
    match rule.to_ascii_lowercase().as_str() {
        "cascade" | "c" => "cascade",
        "set null" | "n" => "set null",
        "restrict" | "r" => "restrict",
        "set default" | "d" => "set default",
        _ => "no action",
    }
}

async fn rows(db: &Db, sql: &str) -> Vec<sqlx::any::AnyRow> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_all(&db.pool)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"))
}

async fn schema_of(db: &Db) -> Schema {
    let mut out = Schema::new();
    let (columns, indexes, foreign) = match db.backend {
        Backend::Sqlite => (
            "SELECT m.name, p.name, p.type, CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 1 ELSE 0 END
             FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
            // origin: c = CREATE INDEX, u = UNIQUE, pk = PRIMARY KEY.
            // An `INTEGER PRIMARY KEY` is the rowid and has no index: the primary key
            // comes from the columns' `pk` order instead.
            "SELECT m.name, l.name, l.\"unique\", l.origin,
                    (SELECT group_concat(name, ', ') FROM (SELECT i.name FROM pragma_index_info(l.name) i ORDER BY i.seqno))
             FROM sqlite_master m JOIN pragma_index_list(m.name) l
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND l.origin <> 'pk'
             UNION ALL
             SELECT m.name, '', 1, 'pk',
                    (SELECT group_concat(name, ', ') FROM (SELECT p.name FROM pragma_table_info(m.name) p WHERE p.pk > 0 ORDER BY p.pk))
             FROM sqlite_master m
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
               AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) p WHERE p.pk > 0)",
            "SELECT m.name, f.\"from\", f.\"table\", f.\"to\", f.on_delete
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        ),
        Backend::Postgres => (
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT), CAST(data_type AS TEXT),
                    CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END
             FROM information_schema.columns WHERE table_schema = current_schema()",
            "SELECT CAST(t.relname AS TEXT), CAST(i.relname AS TEXT),
                    CASE WHEN ix.indisunique THEN 1 ELSE 0 END,
                    CASE WHEN ix.indisprimary THEN 'pk'
                         WHEN EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid) THEN 'u'
                         ELSE 'c' END,
                    (SELECT string_agg(CAST(a.attname AS TEXT), ', ' ORDER BY k.ord)
                     FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum)
             FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_class i ON i.oid = ix.indexrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema()",
            "SELECT CAST(cl.relname AS TEXT), CAST(a.attname AS TEXT), CAST(ft.relname AS TEXT),
                    CAST(fa.attname AS TEXT), CAST(c.confdeltype AS TEXT)
             FROM pg_constraint c JOIN pg_class cl ON cl.oid = c.conrelid
             JOIN pg_namespace n ON n.oid = cl.relnamespace JOIN pg_class ft ON ft.oid = c.confrelid
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
             JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
             WHERE c.contype = 'f' AND n.nspname = current_schema()",
        ),
    };
    for r in rows(db, columns).await {
        let not_null = if r.get::<i64, _>(3) == 1 {
            " not null"
        } else {
            ""
        };
        out.entry(r.get::<String, _>(0))
            .or_default()
            .columns
            .insert(
                r.get::<String, _>(1),
                format!("{}{not_null}", class(&r.get::<String, _>(2))),
            );
    }
    for r in rows(db, indexes).await {
        let cols: String = r.get::<Option<String>, _>(4).unwrap_or_default();
        let line = match r.get::<String, _>(3).as_str() {
            "pk" => format!("primary key ({cols})"),
            // Constraint-made indexes are named by each backend its own way.
            "u" => format!("unique ({cols})"),
            _ => {
                let unique = if r.get::<i64, _>(2) == 1 {
                    "unique "
                } else {
                    ""
                };
                format!("{unique}index {} ({cols})", r.get::<String, _>(1))
            }
        };
        out.entry(r.get::<String, _>(0))
            .or_default()
            .keys
            .insert(line);
    }
    for r in rows(db, foreign).await {
        let line = format!(
            "{} references {}({}) on delete {}",
            r.get::<String, _>(1),
            r.get::<String, _>(2),
            r.get::<Option<String>, _>(3).unwrap_or_default(),
            on_delete(&r.get::<String, _>(4))
        );
        out.entry(r.get::<String, _>(0))
            .or_default()
            .keys
            .insert(line);
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
                for (c, ty) in &a.columns {
                    match b.columns.get(c) {
                        None => out.push(format!("column {t}.{c} only on SQLite")),
                        Some(other) if other != ty => out.push(format!(
                            "column {t}.{c} is {ty} on SQLite but {other} on PostgreSQL"
                        )),
                        Some(_) => {}
                    }
                }
                for c in b.columns.keys().filter(|c| !a.columns.contains_key(*c)) {
                    out.push(format!("column {t}.{c} only on PostgreSQL"));
                }
                for k in a.keys.difference(&b.keys) {
                    out.push(format!("{t}: {k} only on SQLite"));
                }
                for k in b.keys.difference(&a.keys) {
                    out.push(format!("{t}: {k} only on PostgreSQL"));
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

/// What `diff` reports for the deliberate differences, in its order: SQLite's change log
/// (migration 0034: SQLite cannot notify the session cache) and the full-text search split
/// of migration 0016.
const DELIBERATE: &[&str] = &[
    "table change_log only on SQLite",
    "column discussion_posts.search_vector only on PostgreSQL",
    "discussion_posts: index discussion_posts_search (search_vector) only on PostgreSQL",
    "table discussion_search only on SQLite",
    "table discussion_search_config only on SQLite",
    "table discussion_search_content only on SQLite",
    "table discussion_search_data only on SQLite",
    "table discussion_search_docsize only on SQLite",
    "table discussion_search_idx only on SQLite",
];

#[tokio::test]
async fn sqlite_and_postgres_schemas_match() {
    let (_a, sqlite) = migrated(DbKind::Sqlite).await;
    let lite = schema_of(&sqlite).await;
    assert!(
        lite.contains_key("users") && lite["users"].columns.contains_key("email_norm"),
        "{lite:?}"
    );
    // What the comparison sees, so that a reader of a failure knows what it compares.
    let domains = &lite["school_domains"];
    for k in [
        "unique (host)",
        "school_id references schools(id) on delete cascade",
    ] {
        assert!(domains.keys.contains(k), "{k}: {domains:?}");
    }
    assert_eq!(domains.columns["host"], "text not null");
    assert!(lite["jobs"].keys.contains("index jobs_due (state, run_at)"));
    if !crate::support::pg_available("schema::sqlite_and_postgres_schemas_match") {
        return;
    }
    let (_b, pg) = migrated(DbKind::Postgres).await;
    let pgs = schema_of(&pg).await;
    assert!(pgs.len() >= 10, "{pgs:?}");
    let d = diff(&lite, &pgs);
    // The deliberate differences, exactly: SQLite's change log, which its triggers write
    // because it has no NOTIFY (docs/ARCHITECTURE.md, the session cache); and discussions'
    // full-text index, an FTS5 table (with the shadow tables FTS5 makes) on SQLite and a
    // generated tsvector column with its GIN index on PostgreSQL (docs/discussions.md).
    // Anything else, or any of these missing, fails.
    let expected: Vec<String> = DELIBERATE.iter().map(|l| l.to_string()).collect();
    assert!(d == expected, "the migrations differ:\n{}", d.join("\n"));
}

#[tokio::test]
async fn the_comparison_notices_a_difference() {
    let (_a, one) = migrated(DbKind::Sqlite).await;
    let (_b, two) = migrated(DbKind::Sqlite).await;
    sqlx::raw_sql(
        "ALTER TABLE users ADD COLUMN nickname TEXT; CREATE TABLE stray (id INTEGER);
         CREATE INDEX users_nickname ON users (nickname);
         ALTER TABLE courses ADD COLUMN owner_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
         ALTER TABLE courses ADD COLUMN size TEXT;",
    )
    .execute(&two.pool)
    .await
    .unwrap();
    sqlx::raw_sql("ALTER TABLE courses ADD COLUMN size INTEGER NOT NULL DEFAULT 0")
        .execute(&one.pool)
        .await
        .unwrap();
    let d = diff(&schema_of(&one).await, &schema_of(&two).await);
    assert_eq!(
        d,
        vec![
            "column courses.size is integer not null on SQLite but text on PostgreSQL".to_string(),
            "column courses.owner_id only on PostgreSQL".to_string(),
            "courses: owner_id references users(id) on delete set null only on PostgreSQL"
                .to_string(),
            "table stray only on PostgreSQL".to_string(),
            "column users.nickname only on PostgreSQL".to_string(),
            "users: index users_nickname (nickname) only on PostgreSQL".to_string(),
        ]
    );
    assert!(diff(&schema_of(&one).await, &schema_of(&one).await).is_empty());
}

db_test!(a_migration_edited_after_it_was_applied_stops_the_start);
async fn a_migration_edited_after_it_was_applied_stops_the_start(b: TestAppBuilder) {
    let (_t, db) = migrated(b.kind()).await;
    let unsummed = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM lectern_migrations WHERE checksum IS NULL",
        )
        .fetch_one(&db.pool)
        .await
        .unwrap()
    };
    assert_eq!(unsummed().await, 0);
    // A database migrated before checksums existed: the column appears, the
    // applied migrations are trusted as they are.
    sqlx::raw_sql("ALTER TABLE lectern_migrations DROP COLUMN checksum")
        .execute(&db.pool)
        .await
        .unwrap();
    db.verify_migrations().await.unwrap();
    assert_eq!(db.migrate().await.unwrap(), 0);
    assert_eq!(unsummed().await, 0);
    db.verify_migrations().await.unwrap();

    // Someone edited migration 3 after it ran here.
    sqlx::query("UPDATE lectern_migrations SET checksum = 'before-the-edit' WHERE version = 3")
        .execute(&db.pool)
        .await
        .unwrap();
    for err in [
        db.migrate().await.unwrap_err().to_string(),
        db.verify_migrations().await.unwrap_err().to_string(),
    ] {
        assert!(
            err.contains("migration 3 (lesson_host) was edited after it was applied"),
            "{err}"
        );
    }
}
