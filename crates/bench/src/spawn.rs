//! The real `lectern serve` as a separate process, so that its memory is its own: a fresh
//! database (SQLite file or PostgreSQL schema) migrated and seeded by the bench in this
//! process, then the release binary beside `lectern-bench` started on it with the same
//! secret key (so sessions the bench wrote are valid), and its `VmRSS` sampled from
//! `/proc/<pid>/status`. Shared by `overload`, `soak` and `memory`; any scenario that must
//! watch the server from outside (restarts, memory) can use it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lectern::config::Config;
use lectern::db::Db;

use crate::setup::{Target, TempDir};

/// A fresh database and the `lectern serve` process started on it (once [`Server::spawn`]
/// was called).
pub struct Server {
    /// The bench's own connection to the server's database, for seeding and checks.
    pub db: Db,
    /// The configuration the child reads from the same variables (its secret key).
    pub config: Config,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// `127.0.0.1:<port>`.
    pub authority: String,
    /// The database, and for PostgreSQL whether its connections use TLS.
    pub label: String,
    env: HashMap<&'static str, String>,
    child: Option<std::process::Child>,
    /// The child's stderr (its log), kept out of the bench's output.
    log: TempDir,
    _dir: Option<TempDir>,
    pg_cleanup: Option<(String, String)>,
}

/// The `lectern` binary beside this one (`target/release/lectern` for a release bench).
pub fn binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let bin = exe
        .parent()
        .ok_or_else(|| anyhow::anyhow!("{} has no folder", exe.display()))?
        .join("lectern");
    anyhow::ensure!(
        bin.is_file(),
        "{} is missing: this scenario runs the real server as its own process; build it \
         beside the bench with `cargo build --release -p lectern` (without --release for a \
         debug bench)",
        bin.display()
    );
    Ok(bin)
}

impl Server {
    /// A fresh database, migrated, with the configuration the server will get (`extra`
    /// added); nothing listens yet: seed through [`Server::db`], then [`Server::spawn`].
    pub async fn prepare(
        target: &Target,
        extra: &[(&'static str, String)],
    ) -> anyhow::Result<Server> {
        binary()?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        let (url, dir, pg_cleanup) = match target {
            Target::Sqlite => {
                let dir = TempDir::new("lectern-bench-serve")?;
                let url = format!("sqlite://{}/bench.db", dir.path().display());
                (url, Some(dir), None)
            }
            Target::Postgres(base) => {
                let schema = format!("bench_{id}");
                let admin = Db::connect(base, 1).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(&admin.pool)
                    .await?;
                let sep = if base.contains('?') { '&' } else { '?' };
                let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
                (url, None, Some((base.clone(), schema)))
            }
        };
        // A free port: bound, read and let go; the child binds it a moment later.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let authority = format!("127.0.0.1:{port}");
        let mut env: HashMap<&'static str, String> = HashMap::new();
        env.insert("LECTERN_SECRET_KEY", lectern::config::generate_secret_key());
        env.insert("DATABASE_URL", url.clone());
        env.insert("LECTERN_BIND", authority.clone());
        env.insert(
            "LECTERN_LOG",
            std::env::var("LECTERN_BENCH_LOG").unwrap_or_else(|_| "warn".into()),
        );
        for (k, v) in extra {
            env.insert(k, v.clone());
        }
        let config = Config::from_source(&env)?;
        let db = Db::connect(&url, 4).await?;
        db.migrate().await?;
        let label = match target {
            Target::Sqlite => "SQLite".to_string(),
            Target::Postgres(_) => {
                let tls: i64 = sqlx::query_scalar(
                    "SELECT COALESCE((SELECT CASE WHEN ssl THEN 1 ELSE 0 END FROM pg_stat_ssl WHERE pid = pg_backend_pid()), 0)::bigint",
                )
                .fetch_one(&db.pool)
                .await?;
                format!("PostgreSQL (TLS {})", if tls == 1 { "on" } else { "off" })
            }
        };
        Ok(Server {
            db,
            config,
            base: format!("http://{authority}"),
            authority,
            label,
            env,
            child: None,
            log: TempDir::new("lectern-bench-serve-log")?,
            _dir: dir,
            pg_cleanup,
        })
    }

    /// Starts `lectern serve` (with its job worker, as operators run it) and waits until
    /// `/healthz` answers. The child inherits this process's environment (so e.g.
    /// `LECTERN_MAX_IN_FLIGHT` or `LECTERN_DB_MAX_CONNECTIONS` set for the bench reach it)
    /// with the database, address, key and log filter set above; its stderr goes to a file
    /// ([`Server::log_summary`]).
    pub async fn spawn(&mut self) -> anyhow::Result<()> {
        let mut cmd = std::process::Command::new(binary()?);
        cmd.arg("serve")
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(self.log.path().join("serve.log"))?);
        let mut child = cmd.spawn()?;
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut conn = crate::load::Conn::new(&self.authority);
        loop {
            if let Some(status) = child.try_wait()? {
                anyhow::bail!(
                    "lectern serve exited at start: {status}; its log:\n{}",
                    std::fs::read_to_string(self.log.path().join("serve.log")).unwrap_or_default()
                );
            }
            if let Ok((200, _)) = conn.fetch(hyper::Request::get("/healthz")).await {
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                anyhow::bail!("lectern serve did not answer /healthz within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.child = Some(child);
        Ok(())
    }

    /// The child's log so far: its line count, and the first line that is not a shed
    /// request's (tower-http logs each 503 it answers at ERROR level).
    pub fn log_summary(&self) -> String {
        let log = std::fs::read_to_string(self.log.path().join("serve.log")).unwrap_or_default();
        let lines = log.lines().count();
        let shed = log
            .lines()
            .filter(|l| l.contains("503 Service Unavailable"))
            .count();
        match log.lines().find(|l| !l.contains("503 Service Unavailable")) {
            Some(first) => format!(
                "{lines} lines ({shed} about a 503); first other: {}",
                first.chars().take(200).collect::<String>()
            ),
            None => format!("{lines} lines ({shed} about a 503)"),
        }
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, |c| c.id())
    }

    /// The child's resident set size in bytes (0 once it is gone).
    pub fn rss(&self) -> u64 {
        crate::push::rss(&self.pid().to_string())
    }

    /// The child's resident memory split: (anonymous — the heap, stacks —, file-backed —
    /// the binary's code pages it touched).
    pub fn rss_split(&self) -> (u64, u64) {
        let pid = self.pid().to_string();
        (
            crate::push::status_bytes(&pid, "RssAnon:"),
            crate::push::status_bytes(&pid, "RssFile:"),
        )
    }

    /// Stops the child (SIGINT: no drain) and drops the PostgreSQL schema.
    pub async fn stop(mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = rustix::process::Pid::from_child(&child);
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::INT);
            let deadline = Instant::now() + Duration::from_secs(15);
            while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        self.db.pool.close().await;
        if let Some((base, schema)) = self.pg_cleanup.take()
            && let Ok(admin) = Db::connect(&base, 1).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&admin.pool)
                .await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // An early return (an error) must not leave a server running.
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `VmRSS` of a process sampled at a fixed interval by a background task.
pub struct RssSampler {
    start: Instant,
    samples: Arc<Mutex<Vec<(f64, u64)>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RssSampler {
    /// Samples `pid` now and then every `every`.
    pub fn start(pid: u32, every: Duration) -> RssSampler {
        let start = Instant::now();
        let samples = Arc::new(Mutex::new(Vec::new()));
        let s = samples.clone();
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let rss = crate::push::rss(&pid.to_string());
                s.lock().unwrap().push((start.elapsed().as_secs_f64(), rss));
            }
        });
        RssSampler {
            start,
            samples,
            task,
        }
    }

    /// Seconds since the sampler started.
    pub fn now(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// The samples so far: (seconds since start, bytes).
    pub fn samples(&self) -> Vec<(f64, u64)> {
        self.samples.lock().unwrap().clone()
    }

    /// The largest sample taken between `from` and `to` seconds.
    pub fn peak(&self, from: f64, to: f64) -> u64 {
        self.samples()
            .iter()
            .filter(|(t, _)| *t >= from && *t <= to)
            .map(|(_, b)| *b)
            .max()
            .unwrap_or(0)
    }

    pub fn stop(self) -> Vec<(f64, u64)> {
        self.task.abort();
        self.samples()
    }
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// A series as `t:MiB` pairs, thinned to at most `max` entries (the peak always kept).
pub fn compact_series(samples: &[(f64, u64)], max: usize) -> String {
    if samples.is_empty() {
        return "(none)".into();
    }
    let stride = samples.len().div_ceil(max.max(1));
    let peak = samples
        .iter()
        .enumerate()
        .max_by_key(|(_, (_, b))| *b)
        .map_or(0, |(i, _)| i);
    let mut out: Vec<String> = Vec::new();
    let mut last = String::new();
    for (i, (t, b)) in samples.iter().enumerate() {
        let end = i == samples.len() - 1;
        let value = format!("{:.0}", mib(*b));
        // An unchanged value is left out, except at the peak and the end.
        if (i % stride == 0 && value != last) || i == peak || end {
            out.push(format!("{t:.0}s:{value}"));
            last = value;
        }
    }
    out.join(" ")
}

/// ✓ or ✗.
pub fn mark(ok: bool) -> &'static str {
    if ok { "✓" } else { "✗" }
}
