//! The integration-test harness: a real Lectern (router, middleware, worker) on
//! 127.0.0.1:0 against a fresh database, HTTP clients with cookie jars, an SMTP sink and a
//! headless browser.
//!
//! Every test runs twice through [`db_test!`]: on a fresh SQLite file and on a fresh
//! PostgreSQL schema (when `LECTERN_TEST_DATABASE_URL` is set; skipped loudly otherwise).

#![allow(dead_code)]

pub mod api;
pub mod bin;
pub mod browser;
pub mod catalog;
pub mod client;
pub mod cluster;
pub mod courses;
pub mod live;
pub mod mail;
pub mod npm;
pub mod private_pg;
pub mod raw;
pub mod reminders;
pub mod s3;
pub mod smtp;
pub mod tcp_proxy;
pub mod zoom;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use lectern::accounts::{self, NewUser, Role};
use lectern::app::AppState;
use lectern::config::{Config, generate_secret_key};
use lectern::db::{Backend, Db};
use lectern::schools::{self, NewSchool, School};
use lectern::server::{self, Running};

#[allow(unused_imports)]
pub use client::{Resp, TestClient};
pub use smtp::SmtpSink;

/// The password of every seeded test user.
pub const PASSWORD: &str = "correct horse battery staple";

pub const PG_ENV: &str = "LECTERN_TEST_DATABASE_URL";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server URL for tests, if configured.
pub fn pg_base_url() -> Option<String> {
    std::env::var(PG_ENV).ok().filter(|s| !s.trim().is_empty())
}

/// Prints a loud skip line when PostgreSQL is not configured; `true` when it is.
pub fn pg_available(test: &str) -> bool {
    if pg_base_url().is_some() {
        return true;
    }
    eprintln!("\n*** SKIPPED {test} on PostgreSQL: {PG_ENV} is not set (CI sets it) ***\n");
    false
}

/// Registers the async fn of the same name as a test on each database:
/// `mod name { fn sqlite(); fn postgres(); }`, each calling the fn with a fresh database.
///
/// ```ignore
/// db_test!(student_sees_profile);
/// async fn student_sees_profile(app: TestApp) { ... }
///
/// db_test!(reset_mail_arrives);
/// async fn reset_mail_arrives(b: TestAppBuilder) { ... }
/// ```
///
/// The fn takes a started default [`TestApp`], or a [`TestAppBuilder`] to configure
/// (`.with_smtp()`, `.with_worker()`, ...) and `.start().await` itself ([`TestArg`]).
/// The test is a plain fn beside the macro, not inside it, so rustfmt formats it as any
/// other fn: rustfmt formats a macro call's arguments as a function call's, and a test
/// passed as an argument would be indented twice, its header split over lines.
macro_rules! db_test {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                crate::support::run_test(crate::support::DbKind::Sqlite, super::$name).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if !crate::support::pg_available(concat!(module_path!(), "::postgres")) {
                    return;
                }
                crate::support::run_test(crate::support::DbKind::Postgres, super::$name).await
            }
        }
    };
}

/// [`db_test!`] for what only PostgreSQL does: several instances sharing one database.
macro_rules! pg_test {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if !crate::support::pg_available(concat!(module_path!(), "::postgres")) {
                    return;
                }
                crate::support::run_test(crate::support::DbKind::Postgres, super::$name).await
            }
        }
    };
}

/// What a [`db_test!`] fn takes: a started [`TestApp`] or a [`TestAppBuilder`].
pub trait TestArg: Sized {
    fn for_test(kind: DbKind) -> impl std::future::Future<Output = Self>;
}

impl TestArg for TestApp {
    async fn for_test(kind: DbKind) -> TestApp {
        TestApp::builder(kind).start().await
    }
}

impl TestArg for TestAppBuilder {
    async fn for_test(kind: DbKind) -> TestAppBuilder {
        TestApp::builder(kind)
    }
}

/// Runs `test` on a fresh database of `kind` (the body of each fn [`db_test!`] generates).
pub async fn run_test<A, F, Fut>(kind: DbKind, test: F)
where
    A: TestArg,
    F: FnOnce(A) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    test(A::for_test(kind).await).await
}

/// A fresh, empty database: a SQLite file in a temporary folder, or a PostgreSQL schema
/// `t_<uuid>` reached through `options=-c search_path=...`. Removed on drop.
pub struct TestDb {
    pub kind: DbKind,
    pub url: String,
    dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn new(kind: DbKind) -> TestDb {
        TestDb::on(kind, None).await
    }

    /// Like [`TestDb::new`], on the PostgreSQL server at `server` instead of
    /// `LECTERN_TEST_DATABASE_URL`'s (a [`private_pg::PrivatePg`]).
    pub async fn on(kind: DbKind, server: Option<String>) -> TestDb {
        match kind {
            DbKind::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/lectern.db", dir.path().display());
                TestDb {
                    kind,
                    url,
                    dir: Some(dir),
                    pg: None,
                }
            }
            DbKind::Postgres => {
                let base = server
                    .or_else(pg_base_url)
                    .expect("LECTERN_TEST_DATABASE_URL");
                let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&base)
                    .await
                    .unwrap_or_else(|e| panic!("cannot connect to {PG_ENV}={base}: {e}"));
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(&mut conn)
                    .await
                    .expect("create schema");
                let _ = sqlx::Connection::close(conn).await;
                let sep = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
                TestDb {
                    kind,
                    url,
                    dir: None,
                    pg: Some((base, schema)),
                }
            }
        }
    }

    /// A pool of the app's default size, so tests run with what production runs.
    pub async fn connect(&self) -> Db {
        Db::connect(&self.url, lectern::config::default_pool_size())
            .await
            .expect("connect to the test database")
    }

    /// The SQLite file's folder (for binaries that want a place to write).
    pub fn dir(&self) -> Option<&std::path::Path> {
        self.dir.as_ref().map(|d| d.path())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((base, schema)) = self.pg.take() else {
            return;
        };
        // Drop runs inside the test's runtime; use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(&base).await
                else {
                    return;
                };
                let sql =
                    format!("SET lock_timeout = '5s'; DROP SCHEMA IF EXISTS {schema} CASCADE");
                if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                    .execute(&mut conn)
                    .await
                {
                    eprintln!("warning: could not drop test schema {schema}: {e}");
                }
                let _ = sqlx::Connection::close(conn).await;
            });
        })
        .join();
    }
}

#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: i64,
    pub school_id: i64,
    pub email: String,
    pub name: String,
    pub password: String,
    pub role: Role,
}

pub struct TestAppBuilder {
    kind: DbKind,
    worker: bool,
    smtp: bool,
    s3: bool,
    poll: Duration,
    env: HashMap<&'static str, String>,
    db_proxy: bool,
    pg_server: Option<String>,
}

impl TestAppBuilder {
    pub fn kind(&self) -> DbKind {
        self.kind
    }
    /// Runs the job worker in the background (default: off; use `app.drain_jobs()`).
    pub fn with_worker(mut self) -> Self {
        self.worker = true;
        self
    }
    /// Starts an [`SmtpSink`] and points `SMTP_URL` at it.
    pub fn with_smtp(mut self) -> Self {
        self.smtp = true;
        self
    }
    /// Keeps uploaded files in a bucket of a real S3-protocol server ([`s3::S3Server`])
    /// instead of a temporary folder.
    pub fn with_s3(mut self) -> Self {
        self.s3 = true;
        self
    }
    /// PostgreSQL only: the app reaches its database through a [`tcp_proxy::TcpProxy`]
    /// (`app.db_proxy`) that the test can cut and restore.
    pub fn with_db_proxy(mut self) -> Self {
        self.db_proxy = true;
        self
    }
    /// PostgreSQL only: the test's schema on the server at `url` (a
    /// [`private_pg::PrivatePg`] the test may restart) instead of the shared one.
    pub fn pg_server(mut self, url: String) -> Self {
        self.pg_server = Some(url);
        self
    }
    /// Worker poll interval (default 100 ms).
    pub fn poll(mut self, d: Duration) -> Self {
        self.poll = d;
        self
    }
    /// Any extra configuration variable.
    pub fn env(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.env.insert(key, value.into());
        self
    }

    pub async fn start(self) -> TestApp {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let mut test_db = TestDb::on(self.kind, self.pg_server.clone()).await;
        let db_proxy = if self.db_proxy && self.kind == DbKind::Postgres {
            let mut url = url::Url::parse(&test_db.url).expect("database URL");
            let target = url.socket_addrs(|| Some(5432)).expect("database address")[0];
            let proxy = tcp_proxy::TcpProxy::start(target).await;
            url.set_host(Some("127.0.0.1")).expect("host");
            url.set_port(Some(proxy.addr.port())).expect("port");
            test_db.url = url.to_string();
            Some(proxy)
        } else {
            None
        };
        let db = test_db.connect().await;
        db.migrate().await.expect("migrate");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let base_url = format!("http://{addr}");
        let smtp = if self.smtp {
            Some(SmtpSink::start().await)
        } else {
            None
        };
        let mut env = self.env;
        let s3 = if self.s3 {
            Some(s3::S3Server::start().await)
        } else {
            None
        };
        let storage_dir = tempfile::tempdir().expect("storage dir");
        if let Some(s) = &s3 {
            env.insert("LECTERN_STORAGE_URL", s.storage_url());
            env.insert("AWS_ACCESS_KEY_ID", s.access_key.clone());
            env.insert("AWS_SECRET_ACCESS_KEY", s.secret_key.clone());
        } else {
            env.entry("LECTERN_STORAGE_URL")
                .or_insert_with(|| format!("file://{}", storage_dir.path().display()));
        }
        env.entry("LECTERN_SECRET_KEY")
            .or_insert_with(generate_secret_key);
        env.insert("DATABASE_URL", test_db.url.clone());
        env.insert("LECTERN_BIND", addr.to_string());
        env.entry("LECTERN_BASE_URL")
            .or_insert_with(|| base_url.clone());
        if let Some(s) = &smtp {
            env.insert("SMTP_URL", s.url());
        }
        let config = Config::from_source(&env).expect("test config");
        let config_env = env.clone();
        let state = AppState::new(config, db.clone()).expect("state");

        let school_id = schools::create(
            &db,
            NewSchool {
                slug: "test",
                name: "Test School",
                is_default: true,
            },
        )
        .await
        .expect("school");
        let school = schools::by_slug(&db, "test")
            .await
            .expect("school")
            .expect("school");
        let (admin, instructor, student) = tokio::join!(
            create_user(
                &db,
                school_id,
                "admin@test.example",
                "Ada Admin",
                Role::Admin
            ),
            create_user(
                &db,
                school_id,
                "instructor@test.example",
                "Ines Instructor",
                Role::Instructor
            ),
            create_user(
                &db,
                school_id,
                "student@test.example",
                "Sam Student",
                Role::Student
            ),
        );
        let running = server::start(state.clone(), listener, self.worker, self.poll)
            .await
            .expect("server start");
        TestApp {
            kind: self.kind,
            addr,
            base_url,
            state,
            db,
            school,
            admin,
            instructor,
            student,
            smtp,
            running: Some(running),
            s3,
            storage_dir,
            test_db,
            db_proxy,
            env: config_env,
        }
    }
}

pub async fn create_user(db: &Db, school_id: i64, email: &str, name: &str, role: Role) -> TestUser {
    let id = accounts::create_user(
        db,
        NewUser {
            school_id,
            email,
            display_name: name,
            password: PASSWORD,
            role,
            timezone: "Europe/Berlin",
            language: None,
        },
    )
    .await
    .unwrap_or_else(|e| panic!("create user {email}: {e}"));
    TestUser {
        id,
        school_id,
        email: email.to_string(),
        name: name.to_string(),
        password: PASSWORD.to_string(),
        role,
    }
}

/// A second school on the same app, reached through its own domain (see
/// [`TestApp::other_school`]).
pub struct OtherSchool {
    pub school: School,
    pub host: String,
    addr: SocketAddr,
    pub admin: TestUser,
    pub instructor: TestUser,
    pub student: TestUser,
}

impl OtherSchool {
    /// `http://other.test:<port>`: where this school's links point.
    pub fn base_url(&self) -> String {
        format!("http://{}:{}", self.host, self.addr.port())
    }

    /// An anonymous browser on this school's domain.
    pub fn client(&self) -> TestClient {
        TestClient::on_host(self.addr, &self.host)
    }

    /// A browser on this school's domain, signed in as `user`.
    pub async fn signed_in(&self, user: &TestUser) -> TestClient {
        let c = self.client();
        c.signin(&user.email, &user.password).await;
        c
    }
}

/// A running app. Fields drop in order, so the database goes last.
pub struct TestApp {
    pub kind: DbKind,
    pub addr: SocketAddr,
    /// `http://127.0.0.1:<port>`, also the configured public base URL.
    pub base_url: String,
    pub state: AppState,
    pub db: Db,
    /// The default school ("test"), with the three users below.
    pub school: School,
    pub admin: TestUser,
    pub instructor: TestUser,
    pub student: TestUser,
    pub smtp: Option<SmtpSink>,
    running: Option<Running>,
    /// The S3 server of [`TestAppBuilder::with_s3`].
    pub s3: Option<s3::S3Server>,
    /// The folder uploads go to without S3.
    pub storage_dir: tempfile::TempDir,
    pub test_db: TestDb,
    /// The cuttable way to the database of [`TestAppBuilder::with_db_proxy`].
    pub db_proxy: Option<tcp_proxy::TcpProxy>,
    /// The configuration it was started with, for the real binary to share
    /// ([`cluster::Cluster`]).
    pub env: HashMap<&'static str, String>,
}

impl TestApp {
    pub fn builder(kind: DbKind) -> TestAppBuilder {
        TestAppBuilder {
            kind,
            worker: false,
            smtp: false,
            s3: false,
            poll: Duration::from_millis(100),
            env: HashMap::new(),
            db_proxy: false,
            pg_server: None,
        }
    }

    pub fn backend(&self) -> Backend {
        self.db.backend
    }

    /// An anonymous browser-like client (cookie jar, no redirects followed).
    pub fn client(&self) -> TestClient {
        TestClient::new(&self.base_url)
    }

    /// A client already signed in as `user`.
    pub async fn signed_in(&self, user: &TestUser) -> TestClient {
        let c = self.client();
        c.signin(&user.email, &user.password).await;
        c
    }

    /// Runs every due job now, in this task; returns how many ran.
    pub async fn drain_jobs(&self) -> usize {
        lectern::jobs::worker::drain(&self.state.db, &self.state.jobs).await
    }

    /// The second school every cross-school test needs, in one line: "Other School" at
    /// its own approved domain `other.test`, with its own admin, instructor and student.
    pub async fn other_school(&self) -> OtherSchool {
        let host = "other.test";
        let school = self.create_school("other", "Other School", host).await;
        let mut users = Vec::new();
        for (role, name) in [
            (Role::Admin, "Olga Admin"),
            (Role::Instructor, "Otto Instructor"),
            (Role::Student, "Oskar Student"),
        ] {
            let email = format!("{}@other.test", role.as_str());
            users.push(self.create_user(school.id, &email, name, role).await);
        }
        let [admin, instructor, student] = <[TestUser; 3]>::try_from(users).expect("three");
        OtherSchool {
            school,
            host: host.to_string(),
            addr: self.addr,
            admin,
            instructor,
            student,
        }
    }

    /// A second school reachable by `host` (a custom domain).
    pub async fn create_school(&self, slug: &str, name: &str, host: &str) -> School {
        let id = schools::create(
            &self.db,
            NewSchool {
                slug,
                name,
                is_default: false,
            },
        )
        .await
        .expect("school");
        schools::domains::add_verified(&self.db, id, host)
            .await
            .expect("domain");
        schools::by_slug(&self.db, slug)
            .await
            .expect("school")
            .expect("school")
    }

    pub async fn create_user(
        &self,
        school_id: i64,
        email: &str,
        name: &str,
        role: Role,
    ) -> TestUser {
        create_user(&self.db, school_id, email, name, role).await
    }

    /// Graceful shutdown: stops accepting, lets the worker finish the job in hand.
    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop().await;
        }
    }

    /// Another instance of the app on the same database, as a second server behind a load
    /// balancer would be: its own pool, caches, Zoom client and in-process locks.
    pub async fn second_instance(&self) -> Instance {
        let db = self.test_db.connect().await;
        let state = AppState::new((*self.state.config).clone(), db).expect("second state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let running = server::start(state.clone(), listener, false, Duration::from_secs(5))
            .await
            .expect("second server start");
        Instance {
            base_url,
            state,
            running,
        }
    }

    /// Every object in the app's file storage (its folder or its S3 bucket), by key.
    pub async fn stored_objects(&self) -> Vec<String> {
        use futures_util::StreamExt;
        let store = self.state.files.storage.store().clone();
        let mut out = Vec::new();
        let mut list = store.list(None);
        while let Some(m) = list.next().await {
            out.push(m.expect("list the storage").location.to_string());
        }
        out
    }

    /// Waits until this instance heard every change committed before the call, by anyone
    /// (another instance, a shell, the test's own SQL): from then on they are in its next
    /// view of a course (`db::viewers`). A change made through the app's own functions is
    /// in the next view without it.
    pub async fn heard_every_change(&self) {
        heard_every_change(&self.db).await;
    }

    /// One integer from the database (`SELECT COUNT(*) ...` and the like).
    pub async fn scalar(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&self.db.pool)
            .await
            .expect(sql)
    }
}

/// A second app instance from [`TestApp::second_instance`].
pub struct Instance {
    pub base_url: String,
    pub state: AppState,
    running: Running,
}

impl Instance {
    pub async fn stop(self) {
        self.running.stop().await;
    }
}

/// [`TestApp::heard_every_change`] for any instance's `Db`: a fence sent after the changes
/// (notifications and the change log are read in commit order) and waited for.
pub async fn heard_every_change(db: &Db) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    if !db.viewers.is_live() {
        // Off, it serves nothing it kept: every view reads the database.
        return;
    }
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let channel = lectern::db::viewers::CHANNEL;
    let sent = match db.backend {
        Backend::Postgres => {
            sqlx::query("SELECT pg_notify($1, current_schema()::text || ':f' || $2)")
                .bind(channel)
                .bind(n.to_string())
                .execute(&db.pool)
                .await
        }
        Backend::Sqlite => {
            sqlx::query("INSERT INTO change_log (channel, payload, created_at) VALUES ($1, $2, $3)")
                .bind(channel)
                .bind(format!("main:f{n}"))
                .bind(lectern::db::now_ms())
                .execute(&db.pool)
                .await
        }
    };
    sent.expect("send a fence");
    eventually("the fence to be heard", Duration::from_secs(10), || async {
        (db.viewers.fence_heard() >= n || !db.viewers.is_live()).then_some(())
    })
    .await;
}

/// Polls `f` every 20 ms until it returns `Some`, or panics after `timeout`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
