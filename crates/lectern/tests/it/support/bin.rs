//! Running the real `lectern` binary (config errors, migrate/serve, log capture, signals).

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_lectern");

/// A command for the binary with a clean environment (only PATH and HOME kept).
pub fn lectern(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).env_clear();
    for keep in ["PATH", "HOME"] {
        if let Ok(v) = std::env::var(keep) {
            c.env(keep, v);
        }
    }
    c
}

pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs to completion (in a blocking thread) and captures everything.
pub async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || {
        let out = cmd.output().expect("run lectern");
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    })
    .await
    .expect("join")
}

/// A running `lectern serve` (or worker) whose stdout and stderr are collected.
pub struct Proc {
    child: Child,
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
    pumps: Vec<JoinHandle<()>>,
}

impl Proc {
    pub fn spawn(mut cmd: Command) -> Proc {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn lectern");
        let stdout = Arc::new(Mutex::new(String::new()));
        let stderr = Arc::new(Mutex::new(String::new()));
        let pumps = vec![
            pump(child.stdout.take().expect("stdout"), stdout.clone()),
            pump(child.stderr.take().expect("stderr"), stderr.clone()),
        ];
        Proc {
            child,
            stdout,
            stderr,
            pumps,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
    pub fn stdout(&self) -> String {
        self.stdout.lock().expect("lock").clone()
    }
    pub fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    /// Polls `/healthz` on `base` until it answers (or the process exits: panic).
    pub async fn wait_ready(&mut self, base: &str) {
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "lectern exited early ({status}); stderr:\n{}",
                    self.stderr()
                );
            }
            if let Ok(r) = http.get(format!("{base}/healthz")).send().await
                && r.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("lectern did not become ready; stderr:\n{}", self.stderr());
    }

    /// Sends SIGTERM and waits for the exit code.
    pub async fn terminate(mut self) -> (Option<i32>, String, String) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let code = tokio::task::spawn_blocking(move || {
            let status = self.child.wait().expect("wait");
            // The pipes close with the process: the pumps end once they have read everything.
            for p in std::mem::take(&mut self.pumps) {
                p.join().expect("output pump");
            }
            (status.code(), self)
        })
        .await
        .expect("join");
        let (c, p) = code;
        (c, p.stdout(), p.stderr())
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn pump(mut r: impl Read + Send + 'static, into: Arc<Mutex<String>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => into
                    .lock()
                    .expect("lock")
                    .push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
    })
}

/// A free TCP port on 127.0.0.1 (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}
