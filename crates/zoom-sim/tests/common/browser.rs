//! Headless Chromium through chromedriver (Debian's `chromium` + `chromium-driver`), for
//! the stand-in SDK's tests. Missing → the test FAILS, unless `LECTERN_SKIP_BROWSER=1`.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

pub struct Browser {
    pub c: Client,
    driver: Child,
    _profile: TempProfile,
}

struct TempProfile(std::path::PathBuf);

impl Drop for TempProfile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn available(test: &str) -> bool {
    if std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists() {
        return true;
    }
    if std::env::var("LECTERN_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!(
            "\n*** SKIPPED browser test {test}: {CHROMEDRIVER} missing and LECTERN_SKIP_BROWSER=1 ***\n"
        );
        return false;
    }
    panic!(
        "{CHROMEDRIVER} or {CHROMIUM} is missing: install Debian's chromium and chromium-driver, or set LECTERN_SKIP_BROWSER=1"
    );
}

impl Browser {
    pub async fn start() -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // A group of its own, which the Chromium it starts joins: killed together
            // (`stop_driver`), none is left running after the test, even one that panicked.
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        let profile = std::env::temp_dir().join(format!("zoom-sim-chromium-{port}"));
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            // Only loopback: the stand-in must never need anything else.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "chrome".into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": CHROMIUM, "args": args }),
        );
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if let Ok(c) = ClientBuilder::rustls()
                .expect("rustls")
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                return Browser {
                    c,
                    driver,
                    _profile: TempProfile(profile),
                };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        stop_driver(&mut driver);
        panic!("no WebDriver session");
    }

    /// Runs `js` as an async script (`done` is its last argument) and returns its value.
    pub async fn run(&self, js: &str, args: Vec<serde_json::Value>) -> serde_json::Value {
        self.c
            .execute_async(js, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{js}"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        stop_driver(&mut self.driver);
    }
}

/// Kills chromedriver and every Chromium process it started (its process group), then
/// reaps it. Killing chromedriver alone leaves its browser running, orphaned.
fn stop_driver(driver: &mut std::process::Child) {
    // Once reaped, its id may be another process's: only a running driver's group.
    if matches!(driver.try_wait(), Ok(None)) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", driver.id())])
            .stderr(Stdio::null())
            .status();
    }
    let _ = driver.kill();
    let _ = driver.wait();
}
