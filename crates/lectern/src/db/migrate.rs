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
    (9, "domain_claims", "0009_domain_claims.sql"),
    (10, "throttles", "0010_throttles.sql"),
    (11, "mail_secrets", "0011_mail_secrets.sql"),
    (12, "files", "0012_files.sql"),
    (13, "completion", "0013_completion.sql"),
    (14, "certificates", "0014_certificates.sql"),
    (15, "payments", "0015_payments.sql"),
    (16, "discussions", "0016_discussions.sql"),
    (17, "campaigns", "0017_campaigns.sql"),
    (
        18,
        "discussion_attachments",
        "0018_discussion_attachments.sql"
    ),
    (19, "live_options", "0019_live_options.sql"),
    (20, "lesson_series", "0020_lesson_series.sql"),
    (21, "bookings", "0021_bookings.sql"),
    (22, "live_dashboard", "0022_live_dashboard.sql"),
    (23, "analytics", "0023_analytics.sql"),
    (24, "booking_followups", "0024_booking_followups.sql"),
    (
        25,
        "session_options_copied",
        "0025_session_options_copied.sql"
    ),
    (
        26,
        "attendance_people_usage",
        "0026_attendance_people_usage.sql"
    ),
    (27, "api", "0027_api.sql"),
    (28, "outbound_webhooks", "0028_outbound_webhooks.sql"),
    (29, "exports", "0029_exports.sql"),
    (30, "users_updated_at", "0030_users_updated_at.sql"),
    (31, "certificate_cache", "0031_certificate_cache.sql"),
    (32, "course_versions", "0032_course_versions.sql"),
    (
        33,
        "course_versions_files_threads",
        "0033_course_versions_files_threads.sql"
    ),
    (34, "change_log", "0034_change_log.sql"),
    (35, "viewer_cache", "0035_viewer_cache.sql"),
    (36, "live_view_cache", "0036_live_view_cache.sql"),
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

impl Migration {
    /// SHA-256 of the SQL as shipped: an applied migration must never change, or databases
    /// migrated before and after the edit would differ without anyone knowing.
    pub fn checksum(&self) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(self.sql.as_bytes()))
    }
}

/// Applied migrations whose SQL differs from what this build carries, as one error naming
/// each; unknown versions (a newer build migrated this database) are left to the caller.
fn edited(applied: &[(i64, Option<String>)], migrations: &[Migration]) -> anyhow::Result<()> {
    let edited: Vec<String> = migrations
        .iter()
        .filter(|m| {
            applied.iter().any(|(v, sum)| {
                *v == m.version && sum.as_deref().is_some_and(|s| s != m.checksum())
            })
        })
        .map(|m| format!("{} ({})", m.version, m.name))
        .collect();
    anyhow::ensure!(
        edited.is_empty(),
        "migration {} was edited after it was applied to this database; restore the file as released and add a new migration instead",
        edited.join(", ")
    );
    Ok(())
}

async fn applied(conn: &mut sqlx::AnyConnection) -> sqlx::Result<Vec<(i64, Option<String>)>> {
    Ok(
        sqlx::query("SELECT version, checksum FROM lectern_migrations")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| (r.get::<i64, _>(0), r.get::<Option<String>, _>(1)))
            .collect(),
    )
}

pub(super) async fn version(db: &Db) -> sqlx::Result<Option<i64>> {
    match sqlx::query_scalar("SELECT MAX(version) FROM lectern_migrations")
        .fetch_one(&db.pool)
        .await
    {
        Ok(v) => Ok(v),
        Err(sqlx::Error::Database(e)) if e.message().contains("does not exist") => Ok(None),
        Err(e) => Err(e),
    }
}

/// Refuses a database whose applied migrations were edited since (for `serve` on
/// PostgreSQL, which does not migrate by itself). A database without the table passes.
pub(super) async fn verify(db: &Db) -> anyhow::Result<()> {
    let migrations = match db.backend {
        Backend::Sqlite => MIGRATIONS_SQLITE,
        Backend::Postgres => MIGRATIONS_POSTGRES,
    };
    let mut conn = db.pool.acquire().await?;
    match applied(&mut conn).await {
        Ok(rows) => edited(&rows, migrations),
        // No table yet, or one from before checksums: `migrate` creates or fills it.
        Err(sqlx::Error::Database(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

async fn apply(conn: &mut sqlx::AnyConnection, migrations: &[Migration]) -> anyhow::Result<usize> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS lectern_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    // Tables from before checksums get the column; their rows are trusted once, as they are.
    if sqlx::query("SELECT checksum FROM lectern_migrations LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .is_err()
    {
        sqlx::raw_sql("ALTER TABLE lectern_migrations ADD COLUMN checksum TEXT")
            .execute(&mut *conn)
            .await?;
    }
    let applied = applied(conn).await?;
    edited(&applied, migrations)?;
    for m in migrations {
        if applied
            .iter()
            .any(|(v, sum)| *v == m.version && sum.is_none())
        {
            sqlx::query("UPDATE lectern_migrations SET checksum = $1 WHERE version = $2")
                .bind(m.checksum())
                .bind(m.version)
                .execute(&mut *conn)
                .await?;
        }
    }
    let mut count = 0;
    for m in migrations
        .iter()
        .filter(|m| !applied.iter().any(|(v, _)| *v == m.version))
    {
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        sqlx::raw_sql(m.sql)
            .execute(&mut *tx)
            .await
            .map_err(|e| anyhow::anyhow!("migration {} ({}) failed: {e}", m.version, m.name))?;
        sqlx::query(
            "INSERT INTO lectern_migrations (version, name, applied_at, checksum) VALUES ($1, $2, $3, $4)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(super::now_ms())
        .bind(m.checksum())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
        count += 1;
    }
    Ok(count)
}
