//! Admin pages left open while things change underneath them, in Chromium at 360 px and
//! 1280 px: Settings → Export follows its job from "Waiting" to the download link, and an
//! endpoint's webhook delivery log shows a failure and then the retry's success, each
//! without a reload (`static/refresh.js` asking the page's state endpoint), without a
//! script error and without sideways scrolling on a phone; its Disable and Enable say
//! what they did.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;

use crate::support::TestApp;
use crate::support::browser::{self, Browser};
use crate::support::courses::{enrolled_student, taught_course};

/// Records the page's script errors from before its first script (`window.__errors`).
const ERROR_LISTENER: &str = "window.__errors = []; \
    addEventListener('error', function (e) { __errors.push(String(e.message)); }); \
    addEventListener('unhandledrejection', function (e) { __errors.push(String(e.reason)); });";

const SIZES: [Option<(u32, u32)>; 2] = [Some((360, 740)), None];

async fn open(size: Option<(u32, u32)>) -> Browser {
    let b = match size {
        Some((w, h)) => Browser::start_mobile(w, h).await,
        None => Browser::start().await,
    };
    b.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        serde_json::json!({ "source": ERROR_LISTENER }),
    )
    .await;
    b
}

/// No reload (the marker set on the page is still there), no script error, no sideways
/// scrolling.
async fn still_the_same_page(b: &Browser, what: &str) {
    assert_eq!(
        b.eval("return window.__kept || null").await,
        serde_json::json!(42),
        "{what}: the page reloaded"
    );
    assert_eq!(
        b.eval("return window.__errors").await,
        serde_json::json!([]),
        "{what}: script errors"
    );
    assert_eq!(
        b.eval("return document.documentElement.scrollWidth - window.innerWidth <= 0")
            .await,
        serde_json::json!(true),
        "{what}: scrolls sideways"
    );
}

db_test!(an_open_export_page_shows_the_download_link_when_the_job_is_done);
async fn an_open_export_page_shows_the_download_link_when_the_job_is_done(app: TestApp) {
    if !browser::available("an_open_export_page_shows_the_download_link_when_the_job_is_done") {
        return;
    }
    let base = app.base_url.clone();
    for size in SIZES {
        sqlx::query("DELETE FROM exports")
            .execute(&app.db.pool)
            .await
            .unwrap();
        let b = open(size).await;
        b.sign_in(&base, &app.admin.email, &app.admin.password)
            .await;
        b.goto(&format!("{base}/admin/export")).await;
        b.wait_css("#export-passwords").await;
        b.click("#export-start").await;
        b.wait_css("#exports tr[data-state='queued']").await;
        assert!(
            b.eval("return document.getElementById('export-start').disabled")
                .await
                == serde_json::json!(true)
        );
        b.eval("window.__kept = 42; return true").await;
        // The page is left open; the worker runs the job meanwhile.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert!(app.drain_jobs().await >= 1);
        let href = crate::support::eventually(
            "the download link on the open page",
            Duration::from_secs(15),
            || async {
                b.eval(
                    "var a = document.querySelector('#exports a.export-download'); return a ? a.getAttribute('href') : null",
                )
                .await
                .as_str()
                .map(str::to_string)
            },
        )
        .await;
        assert!(href.ends_with("/download"), "{href}");
        assert!(
            b.text("#exports tr[data-state='done']")
                .await
                .contains("Ready")
        );
        // The button is back for the next export.
        assert_eq!(
            b.eval("return document.getElementById('export-start').disabled")
                .await,
            serde_json::json!(false)
        );
        still_the_same_page(&b, &format!("export at {size:?}")).await;
        b.close().await;
    }
}

/// A receiver on 127.0.0.1 that answers each POST with the next status of its script
/// (200 once it is empty).
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<usize>>,
    script: Arc<Mutex<Vec<u16>>>,
}

impl Receiver {
    async fn start(script: &[u16]) -> (String, Receiver) {
        let r = Receiver::default();
        r.script.lock().unwrap().extend(script);
        let state = r.clone();
        let app = axum::Router::new().fallback(move || {
            let state = state.clone();
            async move {
                *state.got.lock().unwrap() += 1;
                let mut script = state.script.lock().unwrap();
                let status = if script.is_empty() {
                    200
                } else {
                    script.remove(0)
                };
                (StatusCode::from_u16(status).unwrap(), "ok")
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        (format!("http://{addr}/hooks/lectern"), r)
    }
}

db_test!(an_open_delivery_log_shows_a_failure_then_the_retrys_success);
async fn an_open_delivery_log_shows_a_failure_then_the_retrys_success(app: TestApp) {
    if !browser::available("an_open_delivery_log_shows_a_failure_then_the_retrys_success") {
        return;
    }
    let base = app.base_url.clone();
    let (_, course, _) = taught_course(&app, "Hooks live").await;
    for (i, size) in SIZES.into_iter().enumerate() {
        let (url, rx) = Receiver::start(&[500]).await;
        let b = open(size).await;
        b.sign_in(&base, &app.admin.email, &app.admin.password)
            .await;
        // Registered through the form, private addresses allowed (the receiver is local).
        b.goto(&format!("{base}/admin/webhooks")).await;
        b.fill("#outbound-url", &url).await;
        b.click("#outbound-events input[value='enrolment.created']")
            .await;
        b.click("#outbound-allow-private").await;
        b.click("#outbound-create").await;
        b.wait_css("#endpoint-secret").await;
        let action = b
            .eval("return document.getElementById('outbound-edit').getAttribute('action')")
            .await;
        let page = action.as_str().unwrap().to_string();
        // The endpoint's page, left open with an empty log.
        b.goto(&format!("{base}{page}")).await;
        b.wait_css("#log-empty").await;
        b.eval("window.__kept = 42; return true").await;

        // An event: a student enrols; the receiver answers 500.
        enrolled_student(
            &app,
            course,
            &format!("live{i}@test.example"),
            "Live Student",
        )
        .await;
        assert!(app.drain_jobs().await >= 1);
        assert_eq!(*rx.got.lock().unwrap(), 1);
        crate::support::eventually(
            "the failure on the open log",
            Duration::from_secs(20),
            || async {
                (b.eval(
                    "var r = document.querySelector(\"#delivery-log tr[data-state='pending']\"); \
                     return !!r && r.querySelector('.delivery-status').textContent.trim() === '500'",
                )
                .await
                    == serde_json::json!(true))
                .then_some(())
            },
        )
        .await;
        still_the_same_page(&b, &format!("failure at {size:?}")).await;

        // The retry, when it is due, succeeds.
        app.db.clock.advance(61_000);
        assert!(app.drain_jobs().await >= 1);
        assert_eq!(*rx.got.lock().unwrap(), 2);
        crate::support::eventually(
            "the success on the open log",
            Duration::from_secs(20),
            || async {
                (b.eval(
                    "var r = document.querySelector(\"#delivery-log tr[data-state='delivered']\"); \
                     return !!r && r.querySelector('.delivery-status').textContent.trim() === '200'",
                )
                .await
                    == serde_json::json!(true))
                .then_some(())
            },
        )
        .await;
        assert!(b.text("#delivery-log").await.contains("Delivered"));
        still_the_same_page(&b, &format!("success at {size:?}")).await;

        // Disable, then Enable: the page says each time what was done, once.
        b.click("#endpoint-disable").await;
        b.wait_css("#endpoint-enable").await;
        let notice = b.text("#outbound-notice").await;
        assert!(notice.starts_with("Endpoint disabled"), "{notice}");
        b.click("#endpoint-enable").await;
        b.wait_css("#endpoint-disable").await;
        let notice = b.text("#outbound-notice").await;
        assert!(notice.starts_with("Endpoint enabled"), "{notice}");
        b.goto(&format!("{base}{page}")).await;
        b.wait_css("#endpoint-disable").await;
        assert_eq!(b.text("#outbound-notice").await, "", "shown once");
        b.close().await;
    }
}
