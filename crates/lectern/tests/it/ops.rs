//! Operations endpoints and bad input: health, readiness, metrics, 404, 413, 400.

db_test!(healthz_and_readyz, |app| async move {
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
});

db_test!(metrics_count_requests_by_route, |app| async move {
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
});

db_test!(unknown_route_is_a_404_page, |app| async move {
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
});

db_test!(oversized_body_is_413, |app| async move {
    let c = app.client();
    let token = c.csrf_for("/signin").await;
    let big = "x".repeat(2 * 1024 * 1024);
    let body = format!("_csrf={token}&email=a%40b.co&password={big}");
    let r = c
        .post_body("/signin", "application/x-www-form-urlencoded", body)
        .await;
    r.assert_status(413);
});

db_test!(malformed_form_is_400_not_500, |app| async move {
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
});
