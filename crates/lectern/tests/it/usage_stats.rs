//! Anonymous usage statistics (`ops/usage.rs`): off by default, and then nothing is sent;
//! the operator's page shows exactly the JSON that would go — counts only, no e-mail, name
//! or host; opted in with a URL, exactly that JSON reaches a small HTTP server, once per
//! day however many hours ask; opted in without a URL, nothing; only the operator (an
//! admin of the default school) sees the page.

use std::sync::{Arc, Mutex};

use axum::routing::post;

use crate::support::{TestApp, TestAppBuilder};

const PAGE: &str = "/admin/usage-stats";
const HOUR: i64 = 3_600_000;

/// A tiny collector: every body POSTed to `/collect`.
async fn collector() -> (String, Arc<Mutex<Vec<String>>>) {
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = got.clone();
    let app = axum::Router::new().route(
        "/collect",
        post(move |body: String| {
            let sink = sink.clone();
            async move {
                sink.lock().unwrap().push(body);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}/collect"), got)
}

/// The hour's jobs of the app's clock now, run.
async fn an_hour_passes(app: &TestApp) {
    app.state
        .jobs
        .schedule_hourly(&app.db, app.db.now_ms())
        .await
        .unwrap();
    app.drain_jobs().await;
}

fn shown_json(page: &crate::support::Resp) -> String {
    page.texts("#usage-json")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no JSON on {}", page.text))
}

db_test!(usage_statistics_are_off_by_default_and_then_sent_once_a_day_exactly_as_shown);
async fn usage_statistics_are_off_by_default_and_then_sent_once_a_day_exactly_as_shown(
    b: TestAppBuilder,
) {
    let (url, got) = collector().await;
    let app = b.env("LECTERN_USAGE_STATS_URL", url.clone()).start().await;
    let admin = app.signed_in(&app.admin).await;

    // Off by default: hours go by, nothing is sent.
    let page = admin.get(PAGE).await;
    page.assert_status(200);
    assert_eq!(
        page.attr("#usage-state", "data-opted-in").as_deref(),
        Some("false")
    );
    assert!(page.attr("#usage-opt-in", "checked").is_none());
    an_hour_passes(&app).await;
    app.db.clock.advance(HOUR);
    an_hour_passes(&app).await;
    assert!(got.lock().unwrap().is_empty(), "sent while not opted in");

    // The JSON: counts only — no e-mail, no name, no host.
    let json = shown_json(&admin.get(PAGE).await);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "courses",
            "instances",
            "live_sessions",
            "period",
            "schema",
            "schools",
            "version"
        ]
    );
    assert_eq!(v["instances"], 1);
    assert!(v["schools"].as_i64().unwrap() >= 1);
    let host = app.addr.ip().to_string();
    for secret in [
        "@",
        "127.0.0.1",
        "localhost",
        host.as_str(),
        app.admin.name.as_str(),
        app.admin.email.as_str(),
        app.school.display_name.as_str(),
        app.school.slug.as_str(),
    ] {
        assert!(!json.contains(secret), "{secret:?} in {json}");
    }

    // Opted in: the next hour sends exactly what the page shows.
    admin
        .post_form(PAGE, &[("opt_in", "on")])
        .await
        .assert_redirect_to(PAGE);
    app.db.clock.advance(HOUR);
    let page = admin.get(PAGE).await;
    assert_eq!(
        page.attr("#usage-state", "data-opted-in").as_deref(),
        Some("true")
    );
    let shown = shown_json(&page);
    an_hour_passes(&app).await;
    {
        let got = got.lock().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0], shown, "exactly the JSON the page shows");
    }
    // The same day again (another hour, the same hour asked twice): nothing more.
    an_hour_passes(&app).await;
    let today = lectern::ops::usage::period_of(app.db.now_ms());
    let hour_of_day = app.db.now_ms().rem_euclid(24 * HOUR) / HOUR;
    if hour_of_day < 23 {
        app.db.clock.advance(HOUR);
        an_hour_passes(&app).await;
    }
    assert_eq!(got.lock().unwrap().len(), 1, "one report per day");
    // The next day: one more, for that day.
    app.db.clock.advance(24 * HOUR);
    an_hour_passes(&app).await;
    an_hour_passes(&app).await;
    {
        let got = got.lock().unwrap();
        assert_eq!(got.len(), 2);
        let next: serde_json::Value = serde_json::from_str(&got[1]).unwrap();
        assert_ne!(next["period"].as_str().unwrap(), today);
        assert_eq!(next["schools"], v["schools"]);
    }

    // Opted out: nothing more, ever.
    admin.post_form(PAGE, &[]).await.assert_redirect_to(PAGE);
    app.db.clock.advance(24 * HOUR);
    an_hour_passes(&app).await;
    assert_eq!(got.lock().unwrap().len(), 2);

    // Only the operator: not an instructor or student of the default school, not another
    // school's admin, not signed out.
    for who in [&app.instructor, &app.student] {
        let r = app.signed_in(who).await.get(PAGE).await;
        assert_eq!(r.status.as_u16(), 404, "{}", who.name);
        let r = app
            .signed_in(who)
            .await
            .post_form(PAGE, &[("opt_in", "on")])
            .await;
        assert_eq!(r.status.as_u16(), 404, "{}", who.name);
    }
    let other = app.other_school().await;
    other
        .signed_in(&other.admin)
        .await
        .get(PAGE)
        .await
        .assert_status(404);
    assert_ne!(app.client().get(PAGE).await.status.as_u16(), 200);
    // A choice that is neither on nor off is refused, and changes nothing.
    admin
        .post_form(PAGE, &[("opt_in", "maybe")])
        .await
        .assert_status(400);
    assert_eq!(
        app.scalar("SELECT opted_in FROM usage_stats WHERE id = 1")
            .await,
        0
    );
}

db_test!(opted_in_without_a_url_nothing_is_sent);
async fn opted_in_without_a_url_nothing_is_sent(b: TestAppBuilder) {
    let app = b.start().await;
    let admin = app.signed_in(&app.admin).await;
    let page = admin.get(PAGE).await;
    assert!(page.attr("#usage-no-url", "id").is_some(), "{}", page.text);
    admin
        .post_form(PAGE, &[("opt_in", "on")])
        .await
        .assert_redirect_to(PAGE);
    an_hour_passes(&app).await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM usage_stats WHERE last_period IS NOT NULL")
            .await,
        0,
        "no report claimed, none sent"
    );
}
