//! Headless Chromium through chromedriver (Debian's `chromium` + `chromium-driver`).
//!
//! A missing chromedriver FAILS the test unless `LECTERN_SKIP_BROWSER=1`.
//!
//! Every Lectern page a test reaches is checked with axe-core against WCAG 2.2 A/AA
//! (see [`Browser::check_a11y`]): after `goto`, after a `wait_css` that finds the browser
//! on a new URL, and at `close`. Any violation fails the test with a readable list.
//!
//! Every page is also watched for Content-Security-Policy violations (see
//! [`Browser::csp_violations`]): a listener installed before any page script records them,
//! and the same checks (and `close`, always) fail the test on any.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

pub struct Browser {
    pub c: Client,
    driver: Child,
    _profile: tempfile::TempDir,
    /// The URL axe last checked, so that waiting on one page checks it once.
    a11y_checked: Mutex<Option<String>>,
    /// Selectors axe leaves out (see [`Browser::a11y_exclude`]).
    a11y_excluded: Mutex<Vec<String>>,
}

/// The WCAG levels every page must meet (axe-core rule tags).
pub const WCAG_TAGS: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// axe-core's source, from the npm packages in `tests/browser` (installed on first use);
/// `None` only when npm is unusable and `LECTERN_SKIP_BROWSER=1` allows going without.
fn axe_source() -> Option<&'static str> {
    static AXE: OnceLock<Option<String>> = OnceLock::new();
    AXE.get_or_init(|| {
        let file = super::npm::node_modules("axe-core WCAG checks")?.join("axe-core/axe.min.js");
        Some(
            std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e} (axe-core comes from npm)", file.display())),
        )
    })
    .as_deref()
}

/// Runs axe in the page and hands back its violations as JSON text. Iframes are not
/// entered: on our pages they hold other origins' content (the Zoom meeting, video
/// embeds), which we can neither inject into nor fix; the iframe elements themselves
/// (their titles) are still checked.
const RUN_AXE: &str = r#"
const tags = arguments[0], exclude = arguments[1], done = arguments[arguments.length - 1];
const context = exclude.length ? { include: [document], exclude: exclude.map(s => [s]) } : document;
window.axe.run(context, { runOnly: { type: 'tag', values: tags }, iframes: false, resultTypes: ['violations'] })
  .then(r => done(JSON.stringify(r.violations.map(v => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map(n => ({ target: n.target.join(' '), summary: n.failureSummary, html: n.html.slice(0, 240) }))
  })))))
  .catch(e => done('axe failed: ' + e));
"#;

/// Installed in every document before its own scripts (DevTools'
/// `Page.addScriptToEvaluateOnNewDocument`): records each CSP violation the page reports
/// in the tab's `sessionStorage`, so a violation on a page the test has already left still
/// fails it (in `window.__lecternCsp` where storage is unavailable).
const CSP_LISTENER: &str = r#"
document.addEventListener('securitypolicyviolation', function (e) {
  var v = { directive: e.effectiveDirective, blocked: e.blockedURI, page: location.href.split('?')[0],
            source: e.sourceFile, line: e.lineNumber, sample: e.sample };
  try {
    var l = JSON.parse(sessionStorage.getItem('__lecternCsp') || '[]');
    l.push(v);
    sessionStorage.setItem('__lecternCsp', JSON.stringify(l));
  } catch (x) { (window.__lecternCsp = window.__lecternCsp || []).push(v); }
}, true);
"#;

/// The violations recorded so far in this tab (for the current page's origin).
const READ_CSP: &str = r#"
var l = [];
try { l = JSON.parse(sessionStorage.getItem('__lecternCsp') || '[]'); } catch (x) { l = []; }
return JSON.stringify(l.concat(window.__lecternCsp || []));
"#;

/// A DevTools command through chromedriver (`POST /session/{id}/goog/cdp/execute`).
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.cmd, "params": self.params });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// One Content-Security-Policy violation a page reported.
#[derive(serde::Deserialize, Debug)]
pub struct CspViolation {
    pub directive: Option<String>,
    pub blocked: Option<String>,
    pub page: Option<String>,
    pub source: Option<String>,
    pub line: Option<u64>,
    pub sample: Option<String>,
}

/// One axe violation as the test reports it.
#[derive(serde::Deserialize, Debug)]
pub struct Violation {
    pub id: String,
    pub impact: Option<String>,
    pub help: String,
    #[serde(rename = "helpUrl")]
    pub help_url: String,
    pub nodes: Vec<ViolationNode>,
}

#[derive(serde::Deserialize, Debug)]
pub struct ViolationNode {
    pub target: String,
    pub summary: Option<String>,
    pub html: String,
}

/// The violations as a list a person can act on: rule, what it asks, and where.
pub fn describe(url: &str, violations: &[Violation]) -> String {
    let mut out = format!(
        "axe-core found {} WCAG 2.2 A/AA violation(s) on {url}:",
        violations.len()
    );
    for v in violations {
        out.push_str(&format!(
            "\n- {} ({}): {} [{}]",
            v.id,
            v.impact.as_deref().unwrap_or("?"),
            v.help,
            v.help_url
        ));
        for n in &v.nodes {
            out.push_str(&format!("\n    at {}  {}", n.target, n.html));
            if let Some(s) = &n.summary {
                for line in s.lines() {
                    out.push_str(&format!("\n      {line}"));
                }
            }
        }
    }
    out
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
        Self::launch(None, Vec::new()).await
    }

    /// A phone-sized viewport `width` CSS pixels wide (Chrome's mobile emulation).
    pub async fn start_mobile(width: u32, height: u32) -> Browser {
        Self::launch(Some((width, height)), Vec::new()).await
    }

    /// A desktop-sized window with extra Chromium switches (e.g. host-resolver rules).
    pub async fn start_with_args(extra: Vec<String>) -> Browser {
        Self::launch(None, extra).await
    }

    /// A phone-sized viewport with extra Chromium switches.
    pub async fn start_mobile_with_args(width: u32, height: u32, extra: Vec<String>) -> Browser {
        Self::launch(Some((width, height)), extra).await
    }

    async fn launch(mobile: Option<(u32, u32)>, extra: Vec<String>) -> Browser {
        let port = super::bin::free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // A group of its own, which the Chromium it starts joins: killed together
            // (`stop_driver`), none is left running after the test, even one that panicked.
            .process_group(0)
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
        args.extend(extra);
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
                    c.issue_cmd(Cdp {
                        cmd: "Page.addScriptToEvaluateOnNewDocument",
                        params: serde_json::json!({ "source": CSP_LISTENER }),
                    })
                    .await
                    .expect("install the CSP violation listener");
                    return Browser {
                        c,
                        driver,
                        _profile: profile,
                        a11y_checked: Mutex::new(None),
                        a11y_excluded: Mutex::new(Vec::new()),
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

    /// Sends a DevTools command to the tab (`Network.emulateNetworkConditions`, …).
    pub async fn cdp(&self, cmd: &'static str, params: serde_json::Value) {
        self.c
            .issue_cmd(Cdp { cmd, params })
            .await
            .unwrap_or_else(|e| panic!("DevTools {cmd}: {e}"));
    }

    pub async fn goto(&self, url: &str) {
        self.c
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
        self.check_a11y_if_new().await;
    }

    /// Waits (up to 10 s) for an element that exists only on the page we expect; a page
    /// reached since the last check (the navigation a test waits for) is checked with axe.
    pub async fn wait_css(&self, css: &str) -> fantoccini::elements::Element {
        let el = self
            .c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("waiting for {css}: {e}"));
        if !self.check_a11y_if_new().await {
            return el;
        }
        // The check took a moment, in which the page may have replaced the element.
        self.c.find(Locator::Css(css)).await.unwrap_or(el)
    }

    /// Checks the current page unless it was the last one checked; true if axe ran.
    async fn check_a11y_if_new(&self) -> bool {
        let Ok(url) = self.c.current_url().await else {
            return false;
        };
        let url = url.to_string();
        if self.a11y_checked.lock().unwrap().as_deref() == Some(url.as_str()) {
            return false;
        }
        self.assert_no_csp_violations().await;
        let Some(violations) = self.a11y_violations().await else {
            return false;
        };
        *self.a11y_checked.lock().unwrap() = Some(url.clone());
        assert!(violations.is_empty(), "{}", describe(&url, &violations));
        true
    }

    /// Leaves the elements matching `css` out of the accessibility check from now on. Only
    /// for content that is not ours to fix, such as DOM a third-party SDK renders into
    /// `#zoom-root`; never for our own templates.
    pub fn a11y_exclude(&self, css: &str) {
        self.a11y_excluded.lock().unwrap().push(css.to_string());
    }

    /// Fails the test if axe-core finds a WCAG 2.2 A/AA violation on the current page.
    pub async fn check_a11y(&self) {
        let url = self
            .c
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        self.assert_no_csp_violations().await;
        if let Some(violations) = self.a11y_violations().await {
            *self.a11y_checked.lock().unwrap() = Some(url.clone());
            assert!(violations.is_empty(), "{}", describe(&url, &violations));
        }
    }

    /// axe-core's violations on the current page; `None` when there is nothing of ours to
    /// check: another site's page (the Zoom simulator's consent screen), a page still
    /// unloading, or a JavaScript dialog the test is about to handle (any script call
    /// would dismiss it).
    pub async fn a11y_violations(&self) -> Option<Vec<Violation>> {
        if self.c.get_alert_text().await.is_ok() {
            return None;
        }
        // Lectern's pages all load its stylesheet; nothing else does.
        let ours = self
            .c
            .execute(
                "return document.readyState !== 'loading' && !!document.querySelector('link[href=\"/static/app.css\"]')",
                vec![],
            )
            .await
            .ok()?;
        if ours != serde_json::json!(true) {
            return None;
        }
        let loaded = self
            .c
            .execute("return typeof window.axe === 'object'", vec![])
            .await
            .ok()?;
        if loaded != serde_json::json!(true) {
            self.c.execute(axe_source()?, vec![]).await.ok()?;
        }
        let before = self.c.current_url().await.ok()?;
        let excluded = self.a11y_excluded.lock().unwrap().clone();
        let out = match self
            .c
            .execute_async(
                RUN_AXE,
                vec![serde_json::json!(WCAG_TAGS), serde_json::json!(excluded)],
            )
            .await
        {
            Ok(out) => out,
            // The page went away under axe (a redirect, a reload): the next wait checks
            // the new one. Any other failure is a broken check and must not pass quietly.
            Err(_) if self.c.current_url().await.ok().as_ref() != Some(&before) => return None,
            Err(e) => panic!("running axe-core on {before}: {e}"),
        };
        let text = out.as_str().unwrap_or_default();
        Some(
            serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("axe-core on this page: {text} ({e})")),
        )
    }

    /// The Content-Security-Policy violations pages of the current origin reported in
    /// this tab so far; `None` while a JavaScript dialog is open (a script call would
    /// dismiss it) or the page cannot run one.
    pub async fn csp_violations(&self) -> Option<Vec<CspViolation>> {
        if self.c.get_alert_text().await.is_ok() {
            return None;
        }
        let out = self.c.execute(READ_CSP, vec![]).await.ok()?;
        let text = out.as_str().unwrap_or("[]");
        Some(
            serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("CSP violations in this page: {text} ({e})")),
        )
    }

    /// Fails the test if any page of the current origin reported a CSP violation.
    pub async fn assert_no_csp_violations(&self) {
        let Some(found) = self.csp_violations().await else {
            return;
        };
        assert!(
            found.is_empty(),
            "the Content-Security-Policy refused something a page did:\n{}",
            found
                .iter()
                .map(|v| format!(
                    "- {} blocked {:?} on {} (at {}:{}) {}",
                    v.directive.as_deref().unwrap_or("?"),
                    v.blocked.as_deref().unwrap_or(""),
                    v.page.as_deref().unwrap_or("?"),
                    v.source.as_deref().unwrap_or("?"),
                    v.line.unwrap_or(0),
                    v.sample.as_deref().unwrap_or("")
                ))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }

    pub async fn fill(&self, css: &str, value: &str) {
        let el = self.wait_css(css).await;
        el.clear().await.ok();
        el.send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
    }

    /// Clicks `css`. Live pages swap parts of themselves when the server pushes a change, so
    /// an element found a moment ago can be gone: it is found again then.
    pub async fn click(&self, css: &str) {
        for _ in 0..20 {
            match self.wait_css(css).await.click().await {
                Ok(()) => return,
                Err(fantoccini::error::CmdError::Standard(e))
                    if e.error == fantoccini::error::ErrorStatus::StaleElementReference =>
                {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("click {css}: {e}"),
            }
        }
        panic!("{css} kept being replaced");
    }

    /// The trimmed text of the first element matching `css` ("" when there is none).
    pub async fn text(&self, css: &str) -> String {
        self.eval(&format!(
            "var e = document.querySelector({css:?}); return e ? e.textContent.trim() : ''"
        ))
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
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

    /// Ends the session after checking the page it is on (if not yet checked).
    pub async fn close(mut self) {
        self.check_a11y_if_new().await;
        self.assert_no_csp_violations().await;
        let _ = self.c.clone().close().await;
        stop_driver(&mut self.driver);
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
