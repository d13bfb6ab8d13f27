//! Operations endpoints and bad input: health, readiness, metrics, 404, 413, 400.

use crate::support::{TestApp, TestAppBuilder};

db_test!(healthz_and_readyz);
async fn healthz_and_readyz(app: TestApp) {
    let c = app.client();
    let r = c.get("/healthz").await;
    r.assert_status(200);
    assert_eq!(r.text, "ok");
    let r = c.get("/readyz").await;
    r.assert_status(200);
    assert_eq!(r.text, "ready");
    // readyz really asks the database: with the pool closed it reports 503.
    app.db.pool.close().await;
    c.get("/readyz").await.assert_status(503);
    c.get("/healthz").await.assert_status(200);
}

db_test!(metrics_count_requests_by_route);
async fn metrics_count_requests_by_route(app: TestApp) {
    let c = app.client();
    for _ in 0..3 {
        c.get("/signin").await.assert_status(200);
    }
    c.get("/healthz").await.assert_status(200);
    let m = c.get("/metrics").await;
    m.assert_status(200);
    assert!(
        m.header("content-type")
            .unwrap_or_default()
            .starts_with("text/plain")
    );
    assert!(
        m.text.contains(
            r#"lectern_http_requests_total{method="GET",route="/signin",status="200"} 3"#
        ),
        "{}",
        m.text
    );
    assert!(
        m.text.contains(
            r#"lectern_http_requests_total{method="GET",route="/healthz",status="200"} 1"#
        )
    );
    assert!(
        m.text.contains(
            "lectern_http_request_duration_seconds_bucket{method=\"GET\",route=\"/signin\""
        )
    );
    for state in ["queued", "running", "done", "failed"] {
        assert!(
            m.text
                .contains(&format!("lectern_jobs{{state=\"{state}\"}}")),
            "no job gauge for {state}"
        );
    }
}

db_test!(unknown_route_is_a_404_page);
async fn unknown_route_is_a_404_page(app: TestApp) {
    let r = app.client().get("/no/such/page").await;
    r.assert_status(404);
    assert!(
        r.header("content-type")
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert!(
        r.text.contains("Test School"),
        "the 404 page is the school's branded page"
    );
}

db_test!(oversized_body_is_413);
async fn oversized_body_is_413(app: TestApp) {
    let c = app.client();
    let token = c.csrf_for("/signin").await;
    let big = "x".repeat(2 * 1024 * 1024);
    let body = format!("_csrf={token}&email=a%40b.co&password={big}");
    let r = c
        .post_body("/signin", "application/x-www-form-urlencoded", body)
        .await;
    r.assert_status(413);
}

db_test!(malformed_form_is_400_not_500);
async fn malformed_form_is_400_not_500(app: TestApp) {
    let c = app.client();
    let token = c.csrf_for("/signin").await;
    // A duplicated field cannot be deserialised into the form struct.
    let body = format!("_csrf={token}&email=a%40b.co&email=c%40d.co&password=x");
    let r = c
        .post_body("/signin", "application/x-www-form-urlencoded", body)
        .await;
    r.assert_status(400);
    assert!(
        r.header("content-type")
            .unwrap_or_default()
            .starts_with("text/html")
    );
    assert!(r.text.contains("Test School"));
}

db_test!(metrics_are_not_shown_to_strangers_coming_through_the_proxy);
async fn metrics_are_not_shown_to_strangers_coming_through_the_proxy(b: TestAppBuilder) {
    // A reverse proxy on this machine connects from loopback like a local scraper;
    // what it forwards is a stranger's request.
    let app = b.start().await;
    let stranger = app.client().forwarded_for("203.0.113.66");
    stranger.get("/metrics").await.assert_status(404);
    let r = app
        .client()
        .send(
            app.client()
                .request(reqwest::Method::GET, "/metrics")
                .header("forwarded", "for=203.0.113.66"),
        )
        .await;
    r.assert_status(404);
    // A scraper on this machine, talking to Lectern directly, reads them.
    let local = app.client().get("/metrics").await;
    local.assert_status(200);
    assert!(local.text.contains("lectern_http_requests_total"));

    // With the proxy configured as trusted, even its own header-less requests are
    // someone else's.
    let app = crate::support::TestApp::builder(app.kind)
        .env("LECTERN_TRUSTED_PROXIES", "127.0.0.1")
        .start()
        .await;
    app.client().get("/metrics").await.assert_status(404);
}

db_test!(metrics_answer_the_bearer_token_and_nothing_else);
async fn metrics_answer_the_bearer_token_and_nothing_else(b: TestAppBuilder) {
    let token = "metrics-token-0123456789";
    let app = b.env("LECTERN_METRICS_TOKEN", token).start().await;
    let c = app.client();
    let with = |auth: &str| {
        c.request(reqwest::Method::GET, "/metrics")
            .header("authorization", auth.to_string())
    };
    // Not even a local request without the token.
    let r = c.get("/metrics").await;
    r.assert_status(401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer realm=\"metrics\"")
    );
    assert!(!r.text.contains("lectern_"), "{}", r.text);
    c.send(with("Bearer wrong-token-0123456789"))
        .await
        .assert_status(401);
    c.send(with(&format!("Basic {token}")))
        .await
        .assert_status(401);
    let r = c.send(with(&format!("Bearer {token}"))).await;
    r.assert_status(200);
    assert!(r.text.contains("lectern_http_requests_total"));
    // Through the proxy too, for a scraper elsewhere.
    let remote = c.forwarded_for("198.51.100.9");
    let r = remote
        .send(
            remote
                .request(reqwest::Method::GET, "/metrics")
                .header("authorization", format!("bearer {token}")),
        )
        .await;
    r.assert_status(200);
}
