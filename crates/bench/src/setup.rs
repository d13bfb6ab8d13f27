//! Starts the app in-process on a fresh database and seeds what a scenario needs.

use std::collections::HashMap;
use std::time::Duration;

use lectern::app::AppState;
use lectern::config::Config;
use lectern::db::Db;
use lectern::server::Running;

pub enum Target {
    Sqlite,
    Postgres(String),
}

pub struct App {
    pub state: AppState,
    pub running: Running,
    pub base: String,
    /// The database, and for PostgreSQL whether its connections use TLS.
    pub label: String,
    _dir: Option<TempDir>,
    pg_cleanup: Option<(String, String)>,
}

pub struct TempDir(std::path::PathBuf);
impl TempDir {
    /// A new empty folder under the system's temporary directory, removed when dropped.
    pub fn new(prefix: &str) -> std::io::Result<TempDir> {
        let dir = std::env::temp_dir().join(format!("{prefix}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}
impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub async fn start(target: &Target) -> anyhow::Result<App> {
    start_with(target, &[], false).await
}

/// Like [`start`], with extra configuration variables and optionally the job worker.
pub async fn start_with(
    target: &Target,
    extra: &[(&'static str, String)],
    with_worker: bool,
) -> anyhow::Result<App> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (url, dir, pg_cleanup, label) = match target {
        Target::Sqlite => {
            let dir = std::env::temp_dir().join(format!("lectern-bench-{id}"));
            std::fs::create_dir_all(&dir)?;
            let url = format!("sqlite://{}/bench.db", dir.display());
            (url, Some(TempDir(dir)), None, "SQLite")
        }
        Target::Postgres(base) => {
            let schema = format!("bench_{id}");
            let admin = Db::connect(base, 1).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&admin.pool)
                .await?;
            let sep = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
            (url, None, Some((base.clone(), schema)), "PostgreSQL")
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut env: HashMap<&'static str, String> = HashMap::new();
    env.insert("LECTERN_SECRET_KEY", lectern::config::generate_secret_key());
    env.insert("DATABASE_URL", url.clone());
    env.insert("LECTERN_BIND", addr.to_string());
    // Warnings only, unless `LECTERN_BENCH_LOG` asks for more (e.g. `warn,sqlx=debug`: every
    // statement with its time, to see where a slow request waits).
    env.insert(
        "LECTERN_LOG",
        std::env::var("LECTERN_BENCH_LOG").unwrap_or_else(|_| "warn".into()),
    );
    // The app's default pool unless `LECTERN_DB_MAX_CONNECTIONS` in the bench's own
    // environment asks for another size, to compare them.
    if let Ok(pool) = std::env::var("LECTERN_DB_MAX_CONNECTIONS") {
        env.insert("LECTERN_DB_MAX_CONNECTIONS", pool);
    }
    for (k, v) in extra {
        env.insert(k, v.clone());
    }
    let config = Config::from_source(&env)?;
    lectern::telemetry::init(&config.log_filter, config.log_format);
    let db = Db::connect(&url, config.db_max_connections).await?;
    db.migrate().await?;
    let label = match target {
        Target::Sqlite => label.to_string(),
        // TLS on a loopback connection costs CPU on both ends; the label says which it was.
        Target::Postgres(_) => {
            let tls: i64 = sqlx::query_scalar(
                "SELECT COALESCE((SELECT CASE WHEN ssl THEN 1 ELSE 0 END FROM pg_stat_ssl WHERE pid = pg_backend_pid()), 0)::bigint",
            )
            .fetch_one(&db.pool)
            .await?;
            format!("{label} (TLS {})", if tls == 1 { "on" } else { "off" })
        }
    };
    let state = AppState::new(config, db)?;
    let running = lectern::server::start(
        state.clone(),
        listener,
        with_worker,
        Duration::from_millis(100),
    )
    .await?;
    Ok(App {
        state,
        running,
        base: format!("http://{addr}"),
        label,
        _dir: dir,
        pg_cleanup,
    })
}

impl App {
    pub async fn stop(self) {
        self.running.stop().await;
        if let Some((base, schema)) = self.pg_cleanup
            && let Ok(admin) = Db::connect(&base, 1).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&admin.pool)
                .await;
        }
    }
}

/// Signs a user in through the real sign-in form and returns a client holding the session.
pub async fn sign_in(base: &str, email: &str, password: &str) -> anyhow::Result<reqwest::Client> {
    Ok(sign_in_with_cookies(base, email, password).await?.0)
}

/// Like [`sign_in`], also returning the `Cookie` header the browser would now send.
pub async fn sign_in_with_cookies(
    base: &str,
    email: &str,
    password: &str,
) -> anyhow::Result<(reqwest::Client, String)> {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let client = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(4)
        .build()?;
    let page = client
        .get(format!("{base}/signin"))
        .send()
        .await?
        .text()
        .await?;
    let csrf =
        hidden_value(&page, "_csrf").ok_or_else(|| anyhow::anyhow!("no CSRF field on /signin"))?;
    let resp = client
        .post(format!("{base}/signin"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
            ("next", "/"),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        resp.status().is_redirection(),
        "sign-in of {email} failed: {}",
        resp.status()
    );
    use reqwest::cookie::CookieStore;
    let cookies = jar
        .cookies(&base.parse()?)
        .and_then(|h| h.to_str().ok().map(str::to_string))
        .ok_or_else(|| anyhow::anyhow!("no cookies after signing in {email}"))?;
    Ok((client, cookies))
}

pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// A published course taught by `instructor`, written with plain SQL so a benchmark depends
/// only on the schema; returns its id. Lessons are the scenario's to add.
pub async fn published_course(
    db: &Db,
    school: i64,
    instructor: i64,
    slug: &str,
    title: &str,
) -> anyhow::Result<i64> {
    let now = lectern::db::now_ms();
    let course: i64 = sqlx::query_scalar(
        "INSERT INTO courses (school_id, slug, title, description, status, created_at, updated_at) VALUES ($1, $2, $3, 'A course for measuring.', 'published', $4, $4) RETURNING id",
    )
    .bind(school)
    .bind(slug)
    .bind(title)
    .bind(now)
    .fetch_one(&db.pool)
    .await?;
    sqlx::query(
        "INSERT INTO course_instructors (school_id, course_id, user_id) VALUES ($1, $2, $3)",
    )
    .bind(school)
    .bind(course)
    .bind(instructor)
    .execute(&db.pool)
    .await?;
    Ok(course)
}

/// The default school every scenario seeds ("Bench School", slug `bench`).
pub async fn bench_school(db: &Db) -> anyhow::Result<i64> {
    Ok(lectern::schools::create(
        db,
        lectern::schools::NewSchool {
            slug: "bench",
            name: "Bench School",
            is_default: true,
        },
    )
    .await?)
}

/// Its instructor, `teacher@bench.test`, who signs in with `password`.
pub async fn bench_teacher(db: &Db, school: i64, password: &str) -> anyhow::Result<i64> {
    Ok(lectern::accounts::create_user(
        db,
        lectern::accounts::NewUser {
            school_id: school,
            email: "teacher@bench.test",
            display_name: "Teacher",
            password,
            role: lectern::accounts::Role::Instructor,
            timezone: "Europe/Berlin",
            language: None,
        },
    )
    .await?)
}

/// Students per `INSERT` (two bound values each: well under SQLite's and PostgreSQL's
/// limits on parameters).
const STUDENT_BATCH: usize = 500;

/// `students` students (`student{i}@bench.test`) by SQL in batches, reusing `instructor`'s
/// password hash (nobody signs in as them), then every student of the school enrolled in
/// `course` in one statement; on PostgreSQL the tables are analysed, as autovacuum would
/// have them in production before the plans are made.
pub async fn enrolled_students(
    db: &Db,
    target: &Target,
    school: i64,
    course: i64,
    instructor: i64,
    students: usize,
) -> anyhow::Result<()> {
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(instructor)
        .fetch_one(&db.pool)
        .await?;
    let now = lectern::db::now_ms();
    let mut tx = db.pool.begin().await?;
    for start in (0..students).step_by(STUDENT_BATCH) {
        let end = (start + STUDENT_BATCH).min(students);
        let rows = (0..end - start)
            .map(|k| {
                let (e, n) = (3 + 2 * k, 4 + 2 * k);
                format!("($1, ${e}, ${e}, ${n}, $2, 'student', 'Europe/Berlin', NULL, {now})")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO users (school_id, email, email_norm, display_name, password_hash, role, timezone, language, created_at) VALUES {rows}"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(school)
            .bind(&hash);
        for i in start..end {
            q = q
                .bind(format!("student{i}@bench.test"))
                .bind(format!("Student {i}"));
        }
        q.execute(&mut *tx).await?;
    }
    sqlx::query(
        "INSERT INTO enrollments (school_id, course_id, user_id, enrolled_at)
         SELECT school_id, $1, id, $2 FROM users WHERE school_id = $3 AND role = 'student'",
    )
    .bind(course)
    .bind(now)
    .bind(school)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    if let Target::Postgres(_) = target {
        sqlx::query("ANALYZE users, enrollments")
            .execute(&db.pool)
            .await?;
    }
    Ok(())
}
