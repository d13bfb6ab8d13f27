//! Operations endpoints and bad input: health, readiness, metrics, 404, 413, 400.

use std::time::Duration;

use crate::support::{TestApp, TestAppBuilder, raw};

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
    // Written by hand and read while writing (support::raw): the server answers 413 from
    // the Content-Length alone and may close before it has read the 2 MiB; reqwest, still
    // writing, then reported the broken pipe instead of the answer (this test's flake).
    let headers = [
        format!("Cookie: {}", c.cookie_header()),
        "Content-Type: application/x-www-form-urlencoded".to_string(),
    ];
    for chunked in [false, true] {
        let request = if chunked {
            // No length up front: the limit is met while reading, by the form extractor.
            let mut h = headers.to_vec();
            h.push("Transfer-Encoding: chunked".into());
            let mut b = format!("{:x}\r\n", body.len()).into_bytes();
            b.extend_from_slice(body.as_bytes());
            b.extend_from_slice(b"\r\n0\r\n\r\n");
            raw::request("POST", b"/signin", &h, &b)
        } else {
            raw::request("POST", b"/signin", &headers, body.as_bytes())
        };
        let r = raw::send(app.addr, request, false, Duration::from_secs(10)).await;
        assert_eq!(
            r.status,
            Some(413),
            "chunked: {chunked}; answer:\n{}",
            r.head
        );
    }
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

/// A PostgreSQL app whose database is reached through a proxy the test cuts, with several
/// connections in its pool (all to be killed by a cut), or `None` without PostgreSQL.
async fn behind_a_db_proxy(test: &str) -> Option<TestApp> {
    if !crate::support::pg_available(test) {
        return None;
    }
    let app = TestApp::builder(crate::support::DbKind::Postgres)
        .with_db_proxy()
        .start()
        .await;
    let c = app.signed_in(&app.student).await;
    let warm = futures_util::future::join_all((0..6).map(|_| c.get("/my/courses"))).await;
    let s: Vec<u16> = warm.iter().map(|r| r.status.as_u16()).collect();
    assert!(s.iter().all(|s| *s == 200), "{s:?}");
    Some(app)
}

/// PostgreSQL behind a proxy the test cuts: an outage answers a clear 503 at once (not
/// after the pool's 10 s acquire timeout), `/readyz` within a second, and after the
/// database comes back — the pool's connections all dead, as after a restart — the next
/// pages are served again without a failed request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn database_outage_fails_fast_and_a_restart_costs_no_request() {
    let Some(app) =
        behind_a_db_proxy("ops::database_outage_fails_fast_and_a_restart_costs_no_request").await
    else {
        return;
    };
    let proxy = app.db_proxy.as_ref().expect("proxy");
    let c = app.signed_in(&app.student).await;

    // A fast restart: every pooled connection dies, the server is back at once.
    proxy.cut().await;
    proxy.restore().await;
    for round in 0..3 {
        let pages = futures_util::future::join_all((0..6).map(|_| c.get("/my/courses"))).await;
        let statuses: Vec<u16> = pages.iter().map(|r| r.status.as_u16()).collect();
        assert!(
            statuses.iter().all(|s| *s == 200),
            "round {round} after the restart: {statuses:?}"
        );
    }

    // Down for a while: fast, clear 503s.
    proxy.cut().await;
    let t = std::time::Instant::now();
    let r = c.get("/my/courses").await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "the first request waited {:?}",
        t.elapsed()
    );
    assert!(r.text.contains("not reachable"), "{}", r.text);
    assert_eq!(r.header("retry-after"), Some("2"));
    let t = std::time::Instant::now();
    let r = c.get("/readyz").await;
    assert_eq!(
        (r.status.as_u16(), r.text.as_str()),
        (503, "database unreachable")
    );
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    // Known down: answered without waiting for the database at all.
    let t = std::time::Instant::now();
    for path in ["/my/courses", "/", "/account"] {
        let r = c.get(path).await;
        assert_eq!(r.status, 503, "{path}");
    }
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    c.get("/healthz").await.assert_status(200);
    let api = c.get("/api/v1/courses").await;
    assert_eq!(api.status, 503);
    assert!(api.text.contains("\"unavailable\""), "{}", api.text);

    // Back: pages and readiness recover by themselves.
    proxy.restore().await;
    crate::support::eventually("pages served again", Duration::from_secs(10), || async {
        (c.get("/my/courses").await.status == 200).then_some(())
    })
    .await;
    c.get("/readyz").await.assert_status(200);
    let pages = futures_util::future::join_all((0..6).map(|_| c.get("/my/courses"))).await;
    assert!(pages.iter().all(|r| r.status == 200));
}

/// PostgreSQL gone while many requests arrive at once, the pool's connections all stale
/// from a restart a moment before: each request must open a connection, and the pool
/// retries a refused connect until its 10 s acquire timeout. The guard asks the database itself once they have run a second
/// (`db::health::SLOW`), and every one of them is answered 503 within the ride-through
/// instead of after 10 s; afterwards the pages are served again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_that_must_connect_during_an_outage_are_answered_in_seconds() {
    let Some(app) = behind_a_db_proxy(
        "ops::requests_that_must_connect_during_an_outage_are_answered_in_seconds",
    )
    .await
    else {
        return;
    };
    let proxy = app.db_proxy.as_ref().expect("proxy");
    let c = app.signed_in(&app.student).await;
    // A fast restart, met by one request: every pooled connection is now known stale and
    // is discarded when next taken, so the requests below must each open one.
    proxy.cut().await;
    proxy.restore().await;
    c.get("/my/courses").await.assert_status(200);

    proxy.cut().await;
    let t = std::time::Instant::now();
    let pages = futures_util::future::join_all((0..24).map(|_| c.get("/my/courses"))).await;
    let statuses: Vec<u16> = pages.iter().map(|r| r.status.as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 503), "{statuses:?}");
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "the slowest of them waited {:?}",
        t.elapsed()
    );
    assert!(pages.iter().all(|r| r.header("retry-after") == Some("2")));

    proxy.restore().await;
    crate::support::eventually("pages served again", Duration::from_secs(10), || async {
        (c.get("/my/courses").await.status == 200).then_some(())
    })
    .await;
    let pages = futures_util::future::join_all((0..24).map(|_| c.get("/my/courses"))).await;
    let statuses: Vec<u16> = pages.iter().map(|r| r.status.as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
}

/// A database that is there but does not answer for a while (a lock, an overloaded
/// server or pooler: connections open, no byte back, a probe's login hangs): a slow GET is
/// not given up — the guard's probe is unsure, not refused — and is served once the
/// database answers, however long past the ride-through that is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_request_on_a_database_that_is_there_is_not_given_up() {
    let Some(app) =
        behind_a_db_proxy("ops::a_slow_request_on_a_database_that_is_there_is_not_given_up").await
    else {
        return;
    };
    let proxy = app.db_proxy.as_ref().expect("proxy");
    let c = app.signed_in(&app.student).await;
    proxy.stall();
    let t = std::time::Instant::now();
    // Past the slow mark, the probe's timeout and the ride-through, all together.
    let held = Duration::from_secs(4);
    let (page, ()) = tokio::join!(c.get("/my/courses"), async {
        tokio::time::sleep(held).await;
        proxy.heal().await;
    });
    assert_eq!(page.status, 200, "given up: {}", page.text);
    assert!(
        t.elapsed() >= held,
        "answered before the database: {:?}",
        t.elapsed()
    );
    c.get("/readyz").await.assert_status(200);
    let pages = futures_util::future::join_all((0..6).map(|_| c.get("/my/courses"))).await;
    assert!(pages.iter().all(|r| r.status == 200));
}

/// The way to the database gone with its open connections hanging and new ones refused
/// (`TcpProxy::partition`; one whose connects hang is the stall above): a slow GET is
/// answered 503 within the ride-through, but a POST, whose work may be committed by the
/// time an answer could be given, is never cut off — it finishes once the way is back,
/// and what it wrote is there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partition_gives_up_a_slow_get_but_never_a_post() {
    let Some(app) =
        behind_a_db_proxy("ops::a_partition_gives_up_a_slow_get_but_never_a_post").await
    else {
        return;
    };
    let proxy = app.db_proxy.as_ref().expect("proxy");
    let c = app.signed_in(&app.student).await;
    let token = c.csrf_for("/profile").await;
    let email = app.student.email.clone();
    let form = [
        ("_csrf", token.as_str()),
        ("display_name", "Sam Partitioned"),
        ("email", email.as_str()),
        ("timezone", "UTC"),
    ];
    proxy.partition().await;
    let t = std::time::Instant::now();
    let held = Duration::from_secs(5);
    let timed = |r: crate::support::client::Resp| (r, t.elapsed());
    let ((page, page_after), (post, post_after), ()) = tokio::join!(
        async { timed(c.get("/my/courses").await) },
        async { timed(c.post_form_raw("/profile", &form).await) },
        async {
            tokio::time::sleep(held).await;
            proxy.heal().await;
        },
    );
    assert_eq!(page.status, 503, "{}", page.text);
    assert!(
        page_after < Duration::from_secs(4),
        "the GET waited {page_after:?}"
    );
    post.assert_redirect_to("/profile");
    assert!(post_after >= held, "the POST answered at {post_after:?}");
    crate::support::eventually("pages served again", Duration::from_secs(10), || async {
        (c.get("/my/courses").await.status == 200).then_some(())
    })
    .await;
    assert_eq!(c.whoami().await.as_deref(), Some("Sam Partitioned"));
}

pg_test!(requests_riding_through_an_outage_hold_their_places_and_the_rest_are_shed);
/// The database guard sits inside the load shedder: a request waiting out an outage's
/// first seconds (`RIDE_THROUGH`) holds its place of `LECTERN_MAX_IN_FLIGHT`, so while
/// the places are taken by such waiters one more request is shed (503 "busy",
/// `Retry-After: 1`) instead of waiting too; the waiters themselves are served once the
/// database is back.
async fn requests_riding_through_an_outage_hold_their_places_and_the_rest_are_shed(
    b: TestAppBuilder,
) {
    let app = b
        .with_db_proxy()
        .env("LECTERN_MAX_IN_FLIGHT", "2")
        .env("LECTERN_QUEUE_WAIT_MS", "100")
        .start()
        .await;
    let proxy = app.db_proxy.as_ref().expect("proxy");
    let c = app.signed_in(&app.student).await;
    c.get("/my/courses").await.assert_status(200);

    proxy.cut().await;
    let riders: Vec<_> = (0..2)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get("/my/courses").await })
        })
        .collect();
    // The riders found the outage (whichever met it first marked the database down) and
    // now wait in the guard, each on its place. (Readiness alone does not say so: it asks
    // a connection of its own, and may report the outage before the riders arrive.)
    crate::support::eventually("the outage noticed", Duration::from_secs(5), || async {
        (c.get("/readyz").await.text == "database unreachable").then_some(())
    })
    .await;
    crate::support::eventually(
        "both riders on their places",
        Duration::from_secs(5),
        || async {
            let metrics = c.get("/metrics").await.text;
            metrics
                .contains("lectern_requests_in_flight 2")
                .then_some(())
        },
    )
    .await;
    let t = std::time::Instant::now();
    let r = c.get("/my/courses").await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert!(
        r.text.contains("busy"),
        "shed, not riding through: {}",
        r.text
    );
    assert_eq!(r.header("retry-after"), Some("1"));
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());

    // A fast restart: back within the ride-through, the riders are served.
    proxy.restore().await;
    for rider in riders {
        rider.await.unwrap().assert_status(200);
    }
    c.get("/my/courses").await.assert_status(200);
    let metrics = c.get("/metrics").await.text;
    assert!(
        metrics.contains("lectern_requests_shed_total 1"),
        "{metrics}"
    );
}

db_test!(more_requests_than_allowed_in_flight_are_shed_at_once_and_webhooks_are_not);
async fn more_requests_than_allowed_in_flight_are_shed_at_once_and_webhooks_are_not(
    b: TestAppBuilder,
) {
    let zoom = crate::support::zoom::ZoomFixture::start().await;
    let app = zoom
        .configure(b)
        .env("LECTERN_MAX_IN_FLIGHT", "1")
        .env("LECTERN_QUEUE_WAIT_MS", "100")
        .start()
        .await;
    zoom.register(&app, None);
    let admin = app.signed_in(&app.admin).await;
    let student = app.signed_in(&app.student).await;
    // The one place is taken by a request that waits 2 s on Zoom (the OAuth callback
    // exchanging its code).
    let back = zoom.authorize(&admin, "school").await;
    zoom.sim.inject_fault(zoom_sim::Fault {
        method: Some("POST".into()),
        path_prefix: "/oauth/token".into(),
        kind: zoom_sim::FaultKind::Latency(Duration::from_secs(2)),
        times: Some(1),
    });
    let slow = tokio::spawn(async move { admin.get(&back).await });
    crate::support::eventually(
        "the callback to wait on Zoom",
        Duration::from_secs(10),
        || async { (zoom.sim.in_flight("POST", "/oauth/token") >= 1).then_some(()) },
    )
    .await;
    let t = std::time::Instant::now();
    let r = student.get("/my/courses").await;
    assert_eq!(r.status, 503, "{}", r.text);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert!(r.text.contains("busy"), "{}", r.text);
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "shed while the slow request still ran ({:?})",
        t.elapsed()
    );
    // Liveness and webhook acknowledgements are never shed (an unsigned delivery is
    // refused by its own check, not by the shedder).
    student.get("/healthz").await.assert_status(200);
    let hook = reqwest::Client::new()
        .post(format!("{}/webhooks/zoom", app.base_url))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_ne!(hook.status().as_u16(), 503);
    // The slow request itself finishes normally, and its place is free again.
    slow.await.unwrap().assert_status(200);
    student.get("/my/courses").await.assert_status(200);
    let metrics = reqwest::get(format!("{}/metrics", app.base_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("lectern_requests_shed_total 1"),
        "{metrics}"
    );
}

db_test!(an_upload_streaming_in_takes_no_place_of_the_pages);
async fn an_upload_streaming_in_takes_no_place_of_the_pages(b: TestAppBuilder) {
    // One place for pages, one for uploads. An upload holds its place while its body
    // streams in (minutes on a slow line); were the two one pool, a single upload would
    // shed every page.
    let app = b
        .env("LECTERN_MAX_IN_FLIGHT", "1")
        .env("LECTERN_QUEUE_WAIT_MS", "100")
        .start()
        .await;
    let made = crate::support::courses::published_course(&app, "Uploads apart", &[]).await;
    let t = &made.instructor;
    let token = t.csrf_for("/").await;
    let path = format!("/api/teach/courses/{}/cover", made.id);
    // Complete headers, then 10 bytes of the 100,000 promised, and the line kept open.
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {}\r\nX-CSRF-Token: {token}\r\n\
         X-File-Name: c.png\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: 100000\r\n\r\n0123456789",
        t.cookie_header()
    );
    use tokio::io::AsyncWriteExt;
    let mut held = tokio::net::TcpStream::connect(app.addr)
        .await
        .expect("connect");
    held.write_all(head.as_bytes()).await.expect("write");
    // The held upload has its place once another upload is shed.
    let another = || async {
        let rb = t
            .request(reqwest::Method::POST, &path)
            .header("x-csrf-token", &token)
            .header("x-file-name", "d.png")
            .header("content-type", "application/octet-stream")
            .body(b"not an image".to_vec());
        t.send(rb).await
    };
    let shed = crate::support::eventually(
        "the held upload to take the uploads' place",
        Duration::from_secs(10),
        || async {
            let r = another().await;
            (r.status == 503).then_some(r)
        },
    )
    .await;
    assert_eq!(shed.header("retry-after"), Some("1"));
    // Pages are served all the while.
    for p in ["/my/courses", &format!("/teach/courses/{}", made.id)] {
        t.get(p).await.assert_status(200);
    }
    // The held upload gone, uploads are taken again (this one refused for what it is,
    // not for want of a place).
    drop(held);
    crate::support::eventually(
        "the uploads' place free again",
        Duration::from_secs(10),
        || async {
            let r = another().await;
            (r.status != 503).then_some(r)
        },
    )
    .await
    .assert_status(415);
}
