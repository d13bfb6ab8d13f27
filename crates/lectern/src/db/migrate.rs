//! A small migrator over embedded SQL files, one list per backend. sqlx's own `migrate!`
//! needs its compile-time macros and a single backend; ours picks the list at run time.

use sqlx::Row;

use super::{Backend, Db};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

/// One list of migrations, expanded for both backends, so that the two can't drift apart:
/// a new migration is one line here and one file in each of `migrations/sqlite` and
/// `migrations/postgres` (a test compares the resulting schemas).
macro_rules! migrations {
    ($(($version:literal, $name:literal, $file:literal)),* $(,)?) => {
        pub const MIGRATIONS_SQLITE: &[Migration] = &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../../migrations/sqlite/", $file)),
        }),*];
        pub const MIGRATIONS_POSTGRES: &[Migration] = &[$(Migration {
            version: $version,
            name: $name,
            sql: include_str!(concat!("../../migrations/postgres/", $file)),
        }),*];
    };
}

migrations![
    (1, "foundation", "0001_foundation.sql"),
    (2, "zoom_connection", "0002_zoom_connection.sql"),
    (3, "lesson_host", "0003_lesson_host.sql"),
    (4, "live", "0004_live.sql"),
    (5, "reminders", "0005_reminders.sql"),
    (
        6,
        "live_recordings_expiry",
        "0006_live_recordings_expiry.sql"
    ),
    (7, "session_cache", "0007_session_cache.sql"),
    (8, "attendance_by_user", "0008_attendance_by_user.sql"),
];

/// An arbitrary constant that names our migration lock among PostgreSQL advisory locks.
const PG_MIGRATION_LOCK: i64 = 0x4c45_4354_4552_4e01;

pub(super) async fn run(db: &Db) -> anyhow::Result<usize> {
    let migrations = match db.backend {
        Backend::Sqlite => MIGRATIONS_SQLITE,
        Backend::Postgres => MIGRATIONS_POSTGRES,
    };
    let mut conn = db.pool.acquire().await?;
    if db.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(PG_MIGRATION_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    let result = apply(&mut conn, migrations).await;
    if db.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(PG_MIGRATION_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    result
}

async fn apply(conn: &mut sqlx::AnyConnection, migrations: &[Migration]) -> anyhow::Result<usize> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS lectern_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    let applied: Vec<i64> = sqlx::query("SELECT version FROM lectern_migrations")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|r| r.get::<i64, _>(0))
        .collect();
    let mut count = 0;
    for m in migrations.iter().filter(|m| !applied.contains(&m.version)) {
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::raw_sql(m.sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| anyhow::anyhow!("migration {} ({}) failed: {e}", m.version, m.name))?;
        sqlx::query(
            "INSERT INTO lectern_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(super::now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
        count += 1;
    }
    Ok(count)
}
