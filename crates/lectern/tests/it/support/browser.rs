//! Headless Chromium through chromedriver (Debian's `chromium` + `chromium-driver`).
//!
//! A missing chromedriver FAILS the test unless `LECTERN_SKIP_BROWSER=1`.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

pub struct Browser {
    pub c: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

/// `None` (after a loud line) only when the browser is missing and the skip is allowed.
pub fn available(test: &str) -> bool {
    let present =
        std::path::Path::new(CHROMEDRIVER).exists() && std::path::Path::new(CHROMIUM).exists();
    if present {
        return true;
    }
    if std::env::var("LECTERN_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!(
            "\n*** SKIPPED browser test {test}: {CHROMEDRIVER} missing and LECTERN_SKIP_BROWSER=1 ***\n"
        );
        return false;
    }
    panic!(
        "{CHROMEDRIVER} or {CHROMIUM} is missing: install Debian's chromium and chromium-driver \
         (.ci/run does), or set LECTERN_SKIP_BROWSER=1 to skip browser tests"
    );
}

impl Browser {
    /// A desktop-sized window (1280×900).
    pub async fn start() -> Browser {
        Self::launch(None).await
    }

    /// A phone-sized viewport `width` CSS pixels wide (Chrome's mobile emulation).
    pub async fn start_mobile(width: u32, height: u32) -> Browser {
        Self::launch(Some((width, height))).await
    }

    async fn launch(mobile: Option<(u32, u32)>) -> Browser {
        let port = super::bin::free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = tempfile::tempdir().expect("profile dir");
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        if mobile.is_none() {
            args.push("--window-size=1280,900".into());
        }
        let mut chrome = serde_json::json!({ "binary": CHROMIUM, "args": args });
        if let Some((w, h)) = mobile {
            chrome["mobileEmulation"] = serde_json::json!({
                "deviceMetrics": { "width": w, "height": h, "pixelRatio": 1.0, "touch": true }
            });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "chrome".into());
        caps.insert("goog:chromeOptions".into(), chrome);
        let url = format!("http://127.0.0.1:{port}");
        let mut last_err = String::new();
        for _ in 0..100 {
            match ClientBuilder::rustls()
                .expect("rustls connector")
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => {
                    return Browser {
                        c,
                        driver,
                        _profile: profile,
                    };
                }
                Err(e) => {
                    last_err = e.to_string();
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        panic!("cannot start a WebDriver session on chromedriver: {last_err}");
    }

    pub async fn goto(&self, url: &str) {
        self.c
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    /// Waits (up to 10 s) for an element that exists only on the page we expect.
    pub async fn wait_css(&self, css: &str) -> fantoccini::elements::Element {
        self.c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("waiting for {css}: {e}"))
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let el = self.wait_css(css).await;
        el.clear().await.ok();
        el.send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    pub async fn click(&self, css: &str) {
        self.wait_css(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub async fn eval(&self, js: &str) -> serde_json::Value {
        self.c
            .execute(js, vec![])
            .await
            .unwrap_or_else(|e| panic!("script {js}: {e}"))
    }

    /// Signs in through the app's form at `base` and waits for the signed-in page.
    pub async fn sign_in(&self, base: &str, email: &str, password: &str) {
        self.goto(&format!("{base}/signin")).await;
        self.fill("input[name=email]", email).await;
        self.fill("input[name=password]", password).await;
        self.click("#signin-submit").await;
        self.wait_css("#signout").await;
    }

    /// Fails when a JavaScript alert/confirm/prompt is open.
    pub async fn assert_no_dialog(&self) {
        if let Ok(text) = self.c.get_alert_text().await {
            panic!("a JavaScript dialog opened: {text:?}");
        }
    }

    pub async fn close(mut self) {
        let _ = self.c.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
