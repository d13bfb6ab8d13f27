//! The endpoint page's delivery log follows deliveries while it is open: the page carries
//! the log's version and `static/refresh.js`, and `/admin/webhooks/{id}/state` answers a
//! new version when a delivery is added or moves (asking every 2 s while one is pending).
//! Only the school's admins reach it. The Chromium story is `browser_admin_live.rs`.

use crate::support::TestApp;
use crate::support::courses::{enroll, taught_course};

async fn state(c: &crate::support::TestClient, id: i64) -> serde_json::Value {
    let r = c.get(&format!("/admin/webhooks/{id}/state")).await;
    r.assert_status(200);
    assert_eq!(r.header("cache-control"), Some("private, no-store"));
    serde_json::from_str(&r.text).unwrap()
}

db_test!(an_endpoints_log_state_changes_with_its_deliveries);
async fn an_endpoints_log_state_changes_with_its_deliveries(app: TestApp) {
    let admin = app.signed_in(&app.admin).await;
    // Nothing listens on port 9 of the loopback: every attempt fails.
    let page = admin
        .post_form(
            "/admin/webhooks",
            &[
                ("url", "http://127.0.0.1:9/hooks"),
                ("event", "enrolment.created"),
                ("allow_private", "1"),
            ],
        )
        .await;
    // Added: a redirect to the endpoint's own page (its secret handed over once there).
    assert_eq!(page.status, 303, "{}", page.text);
    let id: i64 = page
        .header("location")
        .expect("the endpoint's page")
        .strip_prefix("/admin/webhooks/")
        .expect("an endpoint's address")
        .parse()
        .unwrap();
    let page = admin.get(&format!("/admin/webhooks/{id}")).await;
    assert!(page.text.contains("/static/refresh.js"));
    assert_eq!(
        page.attr("#delivery-log-live", "data-refresh-state")
            .as_deref(),
        Some(format!("/admin/webhooks/{id}/state").as_str())
    );
    let empty = page
        .attr("#delivery-log-live", "data-refresh-version")
        .unwrap();
    let s = state(&admin, id).await;
    assert_eq!(s["version"].as_str(), Some(empty.as_str()));
    assert_eq!(s["poll_ms"], 5000, "idle: an event may come");

    // An event: a delivery, pending; then its first attempt fails.
    let (_, course, _) = taught_course(&app, "Live log").await;
    enroll(&app, course, app.student.id).await;
    let queued = state(&admin, id).await;
    assert_ne!(
        queued["version"], s["version"],
        "a new delivery is a change"
    );
    assert_eq!(queued["poll_ms"], 2000);
    app.drain_jobs().await;
    let failed = state(&admin, id).await;
    assert_ne!(
        failed["version"], queued["version"],
        "an attempt is a change"
    );
    assert_eq!(failed["poll_ms"], 2000, "still pending: a retry is coming");
    // The page renders what the endpoint describes.
    let page = admin.get(&format!("/admin/webhooks/{id}")).await;
    assert_eq!(
        page.attr("#delivery-log-live", "data-refresh-version")
            .as_deref(),
        failed["version"].as_str()
    );
    assert_eq!(
        page.attr("#delivery-log-live", "data-refresh-poll")
            .as_deref(),
        Some("2000")
    );
    assert_eq!(page.texts("#delivery-log tbody tr").len(), 1);
    // Nothing moved: the same version.
    assert_eq!(state(&admin, id).await["version"], failed["version"]);

    // Only this school's admins: another school's admin, a student, a stranger.
    let other = app.other_school().await;
    let theirs = other.signed_in(&other.admin).await;
    theirs
        .get(&format!("/admin/webhooks/{id}/state"))
        .await
        .assert_status(404);
    let student = app.signed_in(&app.student).await;
    let r = student.get(&format!("/admin/webhooks/{id}/state")).await;
    assert!(!r.status.is_success(), "{}", r.status);
    let r = app
        .client()
        .get(&format!("/admin/webhooks/{id}/state"))
        .await;
    assert!(!r.status.is_success(), "{}", r.status);
    admin
        .get("/admin/webhooks/999999/state")
        .await
        .assert_status(404);
    admin
        .get("/admin/webhooks/abc/state")
        .await
        .assert_status(400);
}
