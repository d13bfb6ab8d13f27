//! A PostgreSQL server of the test's own, so that a test may restart it: `initdb` in a
//! temporary folder, `pg_ctl start` on a free 127.0.0.1 port with trust authentication,
//! `pg_ctl restart -m fast` (what `pg_ctlcluster … restart -m fast` runs), stopped and
//! removed on drop. The machine's shared server (`LECTERN_TEST_DATABASE_URL`), which other
//! tests use at the same time, is never touched.
//!
//! The binaries are looked for in `LECTERN_TEST_PG_BIN`, then in the newest
//! `/usr/lib/postgresql/<version>/bin`. As root (CI), the server runs as the `postgres`
//! user (`initdb` refuses root), through `runuser`.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use super::bin::free_port;

pub struct PrivatePg {
    bin: PathBuf,
    dir: tempfile::TempDir,
    pub port: u16,
    as_postgres: bool,
}

/// The folder holding `initdb` and `pg_ctl`, if there is one.
pub fn bin_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("LECTERN_TEST_PG_BIN") {
        let dir = PathBuf::from(dir);
        return dir.join("initdb").exists().then_some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, b)| b)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

impl PrivatePg {
    /// Starts a fresh server, or prints why it cannot and returns `None` (the caller skips).
    pub async fn start(test: &str) -> Option<PrivatePg> {
        let Some(bin) = bin_dir() else {
            eprintln!(
                "\n*** SKIPPED {test}: no PostgreSQL server binaries (initdb, pg_ctl) in \
                 /usr/lib/postgresql/*/bin or LECTERN_TEST_PG_BIN ***\n"
            );
            return None;
        };
        let as_postgres = is_root();
        let dir = tempfile::Builder::new()
            .prefix("lectern-pg-")
            .tempdir()
            .expect("temp dir");
        if as_postgres {
            let st = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(st.success(), "chown the server's folder to postgres");
        }
        let pg = PrivatePg {
            bin,
            dir,
            port: free_port(),
            as_postgres,
        };
        let data = pg.data();
        let out = pg
            .run(
                "initdb",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ],
            )
            .await;
        assert!(out.0, "initdb failed:\n{}", out.1);
        let opts = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=200",
            pg.port,
            pg.dir.path().display()
        );
        let log = pg.log_path();
        let out = pg
            .run(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-l",
                    log.to_str().unwrap(),
                    "-o",
                    &opts,
                    "-w",
                    "start",
                ],
            )
            .await;
        assert!(out.0, "pg_ctl start failed:\n{}\n{}", out.1, pg.log());
        Some(pg)
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// `postgres://postgres@127.0.0.1:<port>/postgres`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_ctl restart -m fast`: every connection is terminated, the server shuts down
    /// (a checkpoint) and starts again; returns once it accepts connections.
    pub async fn restart_fast(&self) -> Duration {
        let data = self.data();
        let log = self.log_path();
        let t = Instant::now();
        let out = self
            .run(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-l",
                    log.to_str().unwrap(),
                    "-m",
                    "fast",
                    "-w",
                    "restart",
                ],
            )
            .await;
        assert!(out.0, "pg_ctl restart failed:\n{}\n{}", out.1, self.log());
        t.elapsed()
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
        c.args(args).current_dir(self.dir.path());
        c
    }

    /// Runs a server binary to completion: whether it succeeded, and what it printed.
    async fn run(&self, program: &str, args: &[&str]) -> (bool, String) {
        let mut c = self.command(program, args);
        tokio::task::spawn_blocking(move || {
            let out = c
                .stdin(std::process::Stdio::null())
                .output()
                .expect("run a PostgreSQL binary");
            (
                out.status.success(),
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ),
            )
        })
        .await
        .expect("join")
    }
}

impl Drop for PrivatePg {
    fn drop(&mut self) {
        let data = self.data();
        let _ = self
            .command(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
            )
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}
