//! The `pg-restart` scenario (issue 20, "Outages"): PostgreSQL restarted with
//! `pg_ctl restart -m fast` (what `pg_ctlcluster … restart -m fast` runs) while two app
//! instances on it, in this process, answer a signed-in student's course page and player
//! at a steady offered rate (open loop, alternating instances). Prints the requests and
//! failures before, during (from the restart until 5 s after the server is back) and after
//! it, when the first request succeeded again, how long `/readyz` reported the outage,
//! and how long the job worker (instance one's) and each instance's `LISTEN` connection
//! (the session cache) took to recover, beside the targets: ≤ 1 % failed during, none
//! after.
//!
//! The server is a private one — `initdb` in a temporary folder, a free 127.0.0.1 port,
//! trust authentication, run as the `postgres` user when the bench runs as root — so the
//! machine's shared server is never restarted. `LECTERN_BENCH_PG_BIN` names the folder of
//! `initdb` and `pg_ctl` (default: the newest `/usr/lib/postgresql/<version>/bin`).

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lectern::accounts::{self, NewUser, Role};
use lectern::app::AppState;
use lectern::db::Db;

use crate::setup::{self, TempDir};

const PASSWORD: &str = "bench-password-123";
/// Requests issued this long after the server is back must all succeed.
const SETTLED: Duration = Duration::from_secs(5);

pub async fn run(rate: u64, seconds: u64) -> anyhow::Result<()> {
    anyhow::ensure!(rate > 0 && seconds >= 3, "--rate > 0 and --seconds >= 3");
    let pg = PrivatePg::start()?;
    let sink = crate::smtp_sink::Sink::start().await?;
    let one = setup::start_with(
        &setup::Target::Postgres(pg.url()),
        &[("SMTP_URL", sink.url())],
        true,
    )
    .await?;
    let two = second_instance(&one.state).await?;
    let db = &one.state.db;
    let school = setup::bench_school(db).await?;
    let teacher = setup::bench_teacher(db, school, PASSWORD).await?;
    let course = setup::published_course(db, school, teacher, "restarts", "Restarts").await?;
    let now = lectern::db::now_ms();
    let lesson: i64 = sqlx::query_scalar(
        "INSERT INTO lessons (school_id, course_id, position, kind, title, required, body, created_at, updated_at) VALUES ($1, $2, 1, 'document', 'Reading', 1, '# Hello', $3, $3) RETURNING id",
    )
    .bind(school)
    .bind(course)
    .bind(now)
    .fetch_one(&db.pool)
    .await?;
    let student = accounts::create_user(
        db,
        NewUser {
            school_id: school,
            email: "student@bench.test",
            display_name: "Student",
            password: PASSWORD,
            role: Role::Student,
            timezone: "Europe/Berlin",
            language: None,
        },
    )
    .await?;
    sqlx::query(
        "INSERT INTO enrollments (school_id, course_id, user_id, enrolled_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(school)
    .bind(course)
    .bind(student)
    .bind(now)
    .execute(&db.pool)
    .await?;
    let (_, cookie) =
        setup::sign_in_with_cookies(&one.base, "student@bench.test", PASSWORD).await?;
    let urls: Vec<String> = [&one.base, &two.base]
        .iter()
        .flat_map(|b| {
            [
                format!("{b}/courses/restarts"),
                format!("{b}/courses/restarts/lessons/{lesson}"),
            ]
        })
        .collect();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()?;
    for u in &urls {
        let r = http.get(u).header("cookie", &cookie).send().await?;
        anyhow::ensure!(r.status() == 200, "{u} answered {}", r.status());
    }
    for s in [&one.state, &two.state] {
        wait_until(Duration::from_secs(10), || s.sessions.is_live()).await;
    }

    let duration = Duration::from_secs(seconds);
    let restart_at = duration / 3;
    println!(
        "\nPostgreSQL (private server, fast restart) — {rate} req/s offered for {seconds} s over \
         two instances (course page and player), restart at {:.1} s",
        restart_at.as_secs_f64()
    );
    let t0 = Instant::now();
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readyz = tokio::spawn(poll_readyz(one.base.clone(), t0, stop.clone()));
    let restart = async {
        tokio::time::sleep(restart_at).await;
        let begun = t0.elapsed();
        let r = pg.restart_fast().await;
        (begun, t0.elapsed(), r)
    };
    let load = async {
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
        let mut inflight = Vec::new();
        for i in 0..rate * seconds {
            tick.tick().await;
            let url = urls[i as usize % urls.len()].clone();
            let (http, cookie, samples) = (http.clone(), cookie.clone(), samples.clone());
            inflight.push(tokio::spawn(async move {
                let issued = t0.elapsed();
                let ok = match http.get(url).header("cookie", cookie).send().await {
                    Ok(r) => r.status() == 200 && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                samples.lock().expect("samples").push(Sample {
                    issued,
                    done: t0.elapsed(),
                    ok,
                });
            }));
        }
        for t in inflight {
            let _ = t.await;
        }
    };
    let ((begun, back, restarted), ()) = tokio::join!(restart, load);
    restarted?;
    // The worker: a mail queued now is delivered by instance one's worker.
    let queued = Instant::now();
    let mail = {
        let mut conn = db.pool.acquire().await?;
        lectern::email::queue(
            &mut conn,
            school,
            lectern::email::Email {
                to: "after-the-restart@bench.test".into(),
                subject: "after the restart".into(),
                text: "t".into(),
                html: "<p>h</p>".into(),
                calendar: None,
                tr: Default::default(),
            },
        )
        .await?
    };
    db.jobs_due.notify_one();
    let delivered = async {
        loop {
            let status: Option<String> =
                sqlx::query_scalar("SELECT status FROM emails WHERE id = $1")
                    .bind(mail)
                    .fetch_optional(&db.pool)
                    .await
                    .ok()
                    .flatten();
            if status.as_deref() == Some("sent") {
                return queued.elapsed();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let worker = tokio::time::timeout(Duration::from_secs(30), delivered)
        .await
        .ok();
    let caches = [&one.state, &two.state].map(|s| s.sessions.is_live());
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let readyz = readyz.await?;

    let samples = std::mem::take(&mut *samples.lock().expect("samples"));
    let settled = back + SETTLED;
    let phase = |name: &str, f: &dyn Fn(&Sample) -> bool| {
        let v: Vec<&Sample> = samples.iter().filter(|s| f(s)).collect();
        let failed = v.iter().filter(|s| !s.ok).count();
        let mut lat: Vec<f64> = v
            .iter()
            .map(|s| (s.done - s.issued).as_secs_f64())
            .collect();
        lat.sort_by(f64::total_cmp);
        let p =
            |q: f64| lat.get(((lat.len() as f64 * q) as usize).min(lat.len().saturating_sub(1)));
        println!(
            "  {name:<34} {:>6} requests {:>5} failed ({:>5.2} %)   p50 {:>7.1} ms   p99 {:>7.1} ms",
            v.len(),
            failed,
            100.0 * failed as f64 / v.len().max(1) as f64,
            p(0.5).map_or(0.0, |s| s * 1000.0),
            p(0.99).map_or(0.0, |s| s * 1000.0),
        );
        (v.len(), failed)
    };
    println!(
        "  restart: pg_ctl restart -m fast took {} ms (from {:.2} s)",
        (back - begun).as_millis(),
        begun.as_secs_f64()
    );
    phase("before the restart", &|s| s.issued < begun);
    let (during, during_failed) = phase("during (until 5 s after it is back)", &|s| {
        s.issued >= begun && s.issued < settled
    });
    let (after, after_failed) = phase("after (≥ 5 s after it is back)", &|s| s.issued >= settled);
    let first_ok = samples
        .iter()
        .filter(|s| s.ok && s.issued >= begun)
        .map(|s| s.done)
        .min();
    let last_failure = samples.iter().filter(|s| !s.ok).map(|s| s.issued).max();
    println!(
        "  first success after the restart began: {}; last failed request issued {}",
        first_ok.map_or("none".into(), |t| format!(
            "{} ms after it began",
            (t - begun).as_millis()
        )),
        last_failure.map_or("never".into(), |t| format!(
            "{:+} ms from the server's return",
            t.as_millis() as i64 - back.as_millis() as i64
        )),
    );
    let unready: Vec<Duration> = readyz
        .iter()
        .filter(|(at, ok)| *at >= begun && !ok)
        .map(|(at, _)| *at)
        .collect();
    match (unready.first(), unready.last()) {
        (Some(a), Some(b)) => println!(
            "  /readyz (instance one, every 50 ms): unready {} times over {} ms (from {:+} ms to \
             {:+} ms of the restart's start)",
            unready.len(),
            (*b - *a).as_millis() + 50,
            a.as_millis() as i64 - begun.as_millis() as i64,
            b.as_millis() as i64 - begun.as_millis() as i64,
        ),
        _ => println!("  /readyz (instance one, every 50 ms): never reported the outage"),
    }
    println!(
        "  worker: a mail queued after the load delivered {}",
        worker.map_or("NOT within 30 s".into(), |d| format!(
            "in {} ms",
            d.as_millis()
        ))
    );
    println!(
        "  session caches (LISTEN) live again at the end: instance one {}, instance two {}",
        caches[0], caches[1]
    );
    let mark = |ok: bool| if ok { "✓" } else { "✗" };
    let during_pct = 100.0 * during_failed as f64 / during.max(1) as f64;
    println!(
        "  target: ≤ 1 % failed during the restart → {during_pct:.2} % {}",
        mark(during_pct <= 1.0)
    );
    println!(
        "  target: none failed ≥ 5 s after it → {after_failed} of {after} {}",
        mark(after_failed == 0 && after > 0)
    );
    println!(
        "  target: /readyz reports the outage → {}",
        mark(!unready.is_empty())
    );
    println!(
        "  target: worker and LISTEN recover by themselves → {}",
        mark(worker.is_some() && caches.iter().all(|c| *c))
    );
    two.running.stop().await;
    one.stop().await;
    drop(pg);
    Ok(())
}

struct Sample {
    issued: Duration,
    done: Duration,
    ok: bool,
}

struct Second {
    state: AppState,
    running: lectern::server::Running,
    base: String,
}

/// Another instance on the same database: its own pool, caches and `LISTEN` connection,
/// no worker.
async fn second_instance(first: &AppState) -> anyhow::Result<Second> {
    let config = (*first.config).clone();
    let db = Db::connect(&config.database_url, config.db_max_connections).await?;
    let state = AppState::new(config, db)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let running =
        lectern::server::start(state.clone(), listener, false, Duration::from_millis(100)).await?;
    Ok(Second {
        state,
        running,
        base,
    })
}

async fn wait_until(timeout: Duration, f: impl Fn() -> bool) {
    let deadline = Instant::now() + timeout;
    while !f() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `/readyz` of `base` every 50 ms until `stop`: when, and whether it answered 200.
async fn poll_readyz(
    base: String,
    t0: Instant,
    stop: Arc<std::sync::atomic::AtomicBool>,
) -> Vec<(Duration, bool)> {
    let probe = reqwest::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .expect("client");
    let mut out = Vec::new();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
        let at = t0.elapsed();
        let ok = probe
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200);
        out.push((at, ok));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    out
}

/// A PostgreSQL server of the bench's own, stopped and removed when dropped.
struct PrivatePg {
    bin: PathBuf,
    dir: TempDir,
    port: u16,
    as_postgres: bool,
}

impl PrivatePg {
    fn start() -> anyhow::Result<PrivatePg> {
        let bin = match std::env::var("LECTERN_BENCH_PG_BIN") {
            Ok(dir) => PathBuf::from(dir),
            Err(_) => {
                let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")?
                    .filter_map(|e| {
                        let e = e.ok()?;
                        let v = e.file_name().to_str()?.parse().ok()?;
                        Some((v, e.path().join("bin")))
                    })
                    .collect();
                found.sort();
                found
                    .pop()
                    .map(|(_, b)| b)
                    .ok_or_else(|| anyhow::anyhow!("no /usr/lib/postgresql/<version>/bin"))?
            }
        };
        anyhow::ensure!(
            bin.join("initdb").exists(),
            "no initdb in {} (set LECTERN_BENCH_PG_BIN)",
            bin.display()
        );
        let as_postgres = rustix::process::getuid().is_root();
        let dir = TempDir::new("lectern-bench-pg")?;
        if as_postgres {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()?
                .success();
            anyhow::ensure!(ok, "chown {} to postgres", dir.path().display());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let pg = PrivatePg {
            bin,
            dir,
            port,
            as_postgres,
        };
        let data = pg.data();
        pg.run(
            "initdb",
            &[
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )?;
        let opts = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c max_connections=200",
            pg.dir.path().display()
        );
        pg.run(
            "pg_ctl",
            &["-D", &data, "-l", &pg.log(), "-o", &opts, "-w", "start"],
        )?;
        Ok(pg)
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn log(&self) -> String {
        self.dir.path().join("server.log").display().to_string()
    }

    async fn restart_fast(&self) -> anyhow::Result<()> {
        let mut c = self.command(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &self.log(),
                "-m",
                "fast",
                "-w",
                "restart",
            ],
        );
        let out = tokio::task::spawn_blocking(move || c.output()).await??;
        anyhow::ensure!(
            out.status.success(),
            "pg_ctl restart: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let path = self.bin.join(program);
        let mut c = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        c.args(args)
            .current_dir(self.dir.path())
            .stdin(std::process::Stdio::null());
        c
    }

    fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<()> {
        let out = self.command(program, args).output()?;
        anyhow::ensure!(
            out.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let _ = self
            .command(
                "pg_ctl",
                &["-D", &self.data(), "-m", "immediate", "-w", "stop"],
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}
