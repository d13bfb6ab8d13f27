//! Hostile requests against every route (issue 20, "Bad input"): oversized headers and
//! bodies, bytes that are not UTF-8 in the path, the query and the form, deeply nested
//! JSON, wrong methods, absurd query strings, broken percent-encoding, a Content-Length the
//! body never reaches, and slowloris clients trickling headers and bodies. Every answer must
//! be a client error, a redirect or a page that ignores the junk: never a 5xx. The server
//! must stay responsive throughout: `/healthz` answers within a second after each route.
//!
//! The requests are written by hand (`support::raw`): no HTTP library sends most of them.
//! [`ROUTES`] lists every route of the router; `every_route_is_in_the_list` fails when a
//! route is added to the code and not here.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use crate::support::raw::{self, RawAnswer};
use crate::support::{TestApp, TestAppBuilder};

/// Every route: methods (space-separated; `ANY` for a catch-all) and path template.
const ROUTES: &[(&str, &str)] = &[
    ("GET POST", "/signup"),
    ("GET POST", "/signin"),
    ("POST", "/signout"),
    ("GET POST", "/password/forgot"),
    ("GET POST", "/password/reset/{token}"),
    ("GET POST", "/profile"),
    ("GET", "/admin/users"),
    ("POST", "/admin/users/{id}/role"),
    ("GET", "/teach/courses/{id}/analytics"),
    ("POST", "/teach/courses/{id}/analytics/refresh"),
    ("GET", "/teach/courses/{id}/analytics/{file}"),
    ("GET", "/admin/analytics"),
    ("GET", "/admin/analytics/{file}"),
    ("ANY", "/api/v1"),
    ("ANY", "/api/v1/{*rest}"),
    ("GET POST", "/profile/tokens"),
    ("POST", "/profile/tokens/{id}/revoke"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/static/app.css"),
    ("GET", "/static/app.js"),
    ("GET", "/static/live.js"),
    ("GET", "/static/dashboard.js"),
    ("GET", "/static/order.js"),
    ("GET", "/static/refresh.js"),
    ("GET POST", "/courses/{slug}/book"),
    ("POST", "/courses/{slug}/bookings/{id}/cancel"),
    ("GET POST", "/teach/courses/{id}/bookings"),
    ("POST", "/teach/courses/{id}/bookings/{bid}/cancel"),
    ("GET", "/teach/campaigns"),
    ("GET POST", "/teach/campaigns/new"),
    ("GET POST", "/teach/campaigns/{id}"),
    ("POST", "/teach/campaigns/{id}/cancel"),
    ("GET POST", "/u/{token}"),
    ("GET", "/C/{serial}"),
    ("GET", "/certificates/{serial}"),
    ("GET", "/certificates/{serial}/pdf"),
    ("POST", "/certificates/{serial}/reissue"),
    ("GET", "/my/certificates"),
    ("GET POST", "/teach/courses/{id}/certificate"),
    ("GET", "/admin/certificates"),
    ("POST", "/admin/certificates/paper"),
    ("POST", "/admin/certificates/{serial}/revoke"),
    ("POST", "/admin/certificates/{serial}/reissue"),
    ("GET", "/teach"),
    ("GET POST", "/teach/courses/new"),
    ("GET POST", "/teach/courses/{id}"),
    ("POST", "/teach/courses/{id}/publish"),
    ("POST", "/teach/courses/{id}/delete"),
    ("POST", "/teach/courses/{id}/unpublish"),
    ("POST", "/teach/courses/{id}/instructors"),
    ("POST", "/teach/courses/{id}/instructors/{user_id}/remove"),
    ("GET POST", "/teach/courses/{id}/lessons/new"),
    ("GET POST", "/teach/courses/{id}/lessons/{lesson_id}"),
    ("POST", "/teach/courses/{id}/lessons/{lesson_id}/completion"),
    ("POST", "/teach/courses/{id}/lessons/{lesson_id}/move"),
    ("POST", "/teach/courses/{id}/lessons/{lesson_id}/delete"),
    ("POST", "/api/teach/courses/{id}/lessons/{lesson_id}/files"),
    ("POST", "/api/teach/courses/{id}/cover"),
    (
        "POST",
        "/teach/courses/{id}/lessons/{lesson_id}/files/{file_id}/delete",
    ),
    ("POST", "/teach/courses/{id}/cover/remove"),
    ("GET", "/courses/{slug}/lessons/{id}/files/{file_id}/{name}"),
    ("POST", "/api/courses/{slug}/lessons/{id}/watch"),
    ("GET POST", "/teach/courses/{id}/live-options"),
    ("POST", "/teach/courses/{id}/groups"),
    ("POST", "/teach/courses/{id}/groups/{group_id}"),
    ("POST", "/teach/courses/{id}/groups/{group_id}/delete"),
    ("GET", "/"),
    ("GET", "/my/courses"),
    ("GET", "/courses/{slug}"),
    ("POST", "/courses/{slug}/enroll"),
    ("GET", "/courses/{slug}/lessons/{id}"),
    ("POST", "/courses/{slug}/lessons/{id}/complete"),
    ("POST", "/courses/{slug}/lessons/{id}/quiz"),
    ("GET POST", "/teach/courses/{id}/series/new"),
    ("GET", "/teach/courses/{id}/series/{series}"),
    ("GET POST", "/teach/courses/{id}/series/{series}/{lesson}"),
    (
        "POST",
        "/teach/courses/{id}/series/{series}/{lesson}/cancel",
    ),
    ("GET", "/teach/courses/{id}/students"),
    ("GET", "/teach/courses/{id}/students/{user_id}"),
    (
        "POST",
        "/teach/courses/{id}/students/{user_id}/lessons/{lesson_id}",
    ),
    ("POST", "/api/courses/{slug}/discussions/attachments"),
    ("GET", "/courses/{slug}/discussions/attachments/{id}/{name}"),
    ("GET POST", "/courses/{slug}/discussions"),
    ("POST", "/courses/{slug}/discussions/subscribe"),
    ("POST", "/courses/{slug}/discussions/delivery"),
    ("GET", "/courses/{slug}/discussions/reports"),
    ("POST", "/courses/{slug}/discussions/reports/{id}/resolve"),
    ("GET", "/courses/{slug}/discussions/{id}"),
    ("POST", "/courses/{slug}/discussions/{id}/reply"),
    ("POST", "/courses/{slug}/discussions/{id}/subscribe"),
    ("POST", "/courses/{slug}/discussions/{id}/pin"),
    ("POST", "/courses/{slug}/discussions/{id}/lock"),
    ("GET POST", "/courses/{slug}/discussions/posts/{id}/edit"),
    ("POST", "/courses/{slug}/discussions/posts/{id}/delete"),
    ("GET POST", "/courses/{slug}/discussions/posts/{id}/report"),
    ("POST", "/courses/{slug}/discussions/posts/{id}/hide"),
    ("POST", "/courses/{slug}/discussions/posts/{id}/show"),
    ("POST", "/courses/{slug}/discussions/posts/{id}/answer"),
    ("GET", "/admin/outbox"),
    ("GET", "/media/{id}/{variant}"),
    ("GET", "/admin/jobs"),
    ("POST", "/admin/jobs/{id}/retry"),
    ("GET", "/live/{lesson}/dashboard"),
    ("GET", "/live/{lesson}/dashboard/view"),
    ("GET", "/live/{lesson}/dashboard/events"),
    ("POST", "/live/{lesson}/dashboard/grace"),
    ("POST", "/live/{lesson}/dashboard/absentees"),
    ("GET", "/courses/{slug}/calendar.ics"),
    ("GET", "/calendar/{file}"),
    ("POST", "/my/calendar/reset"),
    ("GET POST", "/profile/notifications"),
    ("POST", "/live/{lesson}/start"),
    ("POST", "/api/live/{lesson}/join"),
    ("GET", "/live/{lesson}/attendance"),
    ("GET", "/live/{lesson}/attendance.csv"),
    ("POST", "/live/{lesson}/attendance/assign"),
    ("GET", "/live/{lesson}/recordings/{file}"),
    ("POST", "/live/{lesson}/cancel"),
    ("GET", "/courses/{slug}/live/events"),
    ("GET", "/courses/{slug}/live/states"),
    ("GET", "/live/{lesson}/panel"),
    ("GET POST", "/admin/usage-stats"),
    ("POST", "/webhooks/stripe/{school}"),
    ("POST", "/webhooks/paypal/{school}"),
    ("GET POST", "/courses/{slug}/buy"),
    ("GET", "/orders/{number}"),
    ("GET", "/orders/{number}/return"),
    ("GET", "/orders/{number}/cancel"),
    ("GET", "/api/orders/{number}"),
    ("GET POST", "/teach/courses/{id}/price"),
    ("GET", "/admin/payments"),
    ("POST", "/admin/payments/stripe"),
    ("POST", "/admin/payments/paypal"),
    ("POST", "/admin/payments/terms"),
    ("POST", "/admin/payments/{provider}/test"),
    ("POST", "/admin/payments/{provider}/remove"),
    ("GET POST", "/admin/coupons"),
    ("POST", "/admin/coupons/{id}/deactivate"),
    ("GET", "/admin/orders"),
    ("GET", "/admin/orders.csv"),
    ("GET", "/admin/orders/{number}"),
    ("POST", "/admin/orders/{number}/refund"),
    ("POST", "/api/admin/school/{which}"),
    ("POST", "/admin/school/{which}/remove"),
    ("GET POST", "/admin/school"),
    ("POST", "/admin/school/domains"),
    ("POST", "/admin/school/domains/remove"),
    ("POST", "/webhooks/zoom"),
    ("POST", "/zoom/end_meeting"),
    ("POST", "/zoom/end"),
    ("GET", "/settings/integrations"),
    ("GET", "/profile/zoom"),
    ("POST", "/integrations/zoom/connect"),
    ("GET", "/integrations/zoom/callback"),
    ("GET POST", "/integrations/zoom/disconnect"),
    ("GET POST", "/integrations/zoom/delete-data"),
    // Registered by constant or by the API's OpenAPI router (checked against
    // `lectern::api::openapi()` below).
    ("POST", "/csp-report"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/docs/"),
    ("GET POST", "/api/v1/courses"),
    ("GET PATCH", "/api/v1/courses/{id}"),
    ("GET POST", "/api/v1/courses/{id}/enrolments"),
    ("DELETE", "/api/v1/courses/{id}/enrolments/{user_id}"),
    ("GET", "/api/v1/courses/{id}/live-sessions"),
    ("GET", "/api/v1/live-sessions/{id}/attendance"),
    ("ANY", "/api/v1/"),
    ("GET POST", "/api/v1/courses/{id}/lessons"),
    ("PATCH DELETE", "/api/v1/courses/{id}/lessons/{lesson_id}"),
    ("GET", "/api/v1/courses/{id}/progress"),
    ("GET", "/api/v1/live-sessions/{id}"),
    ("GET", "/api/v1/me/progress"),
    ("GET", "/api/v1/certificates"),
    ("GET", "/api/v1/certificates/{serial}/verify"),
    ("GET", "/api/v1/users"),
    ("GET", "/api/v1/users/{id}"),
    ("GET POST", "/admin/export"),
    ("GET", "/admin/export/{id}/download"),
    ("GET", "/admin/export/state"),
    ("GET POST", "/admin/webhooks"),
    ("GET POST", "/admin/webhooks/{id}"),
    ("POST", "/admin/webhooks/{id}/disable"),
    ("POST", "/admin/webhooks/{id}/enable"),
    ("POST", "/admin/webhooks/{id}/rotate"),
    ("POST", "/admin/webhooks/{id}/delete"),
    ("GET", "/admin/webhooks/{id}/state"),
    ("POST", "/admin/webhooks/{id}/deliveries/{delivery}/resend"),
    ("GET", "/lang"),
];

/// The routes whose bodies stream under their own limits (multipart uploads), outside the
/// 1 MiB limit of the others.
fn is_upload(path: &str) -> bool {
    path.starts_with("/api/teach/")
        || path.starts_with("/api/admin/school/")
        || path == "/api/courses/{slug}/discussions/attachments"
}

/// Real values for a route's parameters: the test course, its lesson, the student.
struct Ids {
    course: i64,
    slug: String,
    lesson: i64,
    user: i64,
}

/// `template` with each `{param}` replaced: by `junk` when given, else by a real id.
fn fill(template: &str, ids: &Ids, junk: Option<&str>) -> String {
    let mut out = String::new();
    let mut prev = "";
    for seg in template.split('/').skip(1) {
        out.push('/');
        if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let value = match (junk, name) {
                (Some(j), _) => j.to_string(),
                (None, "slug") => ids.slug.clone(),
                (None, "lesson" | "lesson_id") => ids.lesson.to_string(),
                (None, "user_id") => ids.user.to_string(),
                (None, "id") if prev == "courses" => ids.course.to_string(),
                (None, "id") if prev == "lessons" => ids.lesson.to_string(),
                (None, "*rest") => "x/y".to_string(),
                (None, "school") => "test".to_string(),
                (None, "provider") => "stripe".to_string(),
                (None, "which") => "logo".to_string(),
                (None, "file" | "name") => "x.csv".to_string(),
                (None, "token" | "serial" | "number") => "AbC123".to_string(),
                (None, _) => "1".to_string(),
            };
            out.push_str(&value);
        } else {
            out.push_str(seg);
        }
        prev = seg;
    }
    if out.is_empty() { "/".to_string() } else { out }
}

struct Attacker {
    app_addr: std::net::SocketAddr,
    /// `Cookie:` and `X-CSRF-Token:` of a signed-in admin: hostile bodies get past the
    /// session and CSRF checks and reach the handlers' parsing.
    auth: Vec<String>,
    /// Answers seen, for the summary.
    seen: std::collections::BTreeMap<String, usize>,
}

impl Attacker {
    async fn send(&mut self, what: &str, request: Vec<u8>, then_close: bool) -> RawAnswer {
        let a = raw::send(self.app_addr, request, then_close, Duration::from_secs(20)).await;
        let key = a.status.map_or("closed".to_string(), |s| s.to_string());
        *self.seen.entry(key).or_default() += 1;
        assert!(
            a.status.is_none_or(|s| s < 500),
            "{what}: a server error\n{}",
            a.head
        );
        a
    }

    fn headers(&self, extra: &[&str]) -> Vec<String> {
        let mut h = self.auth.clone();
        h.extend(extra.iter().map(|s| s.to_string()));
        h
    }

    /// `/healthz` within a second, on a new connection.
    async fn still_responsive(&self, after: &str) {
        let started = Instant::now();
        let a = tokio::time::timeout(
            Duration::from_secs(1),
            raw::send(
                self.app_addr,
                raw::request("GET", b"/healthz", &[], b""),
                false,
                Duration::from_secs(1),
            ),
        )
        .await
        .unwrap_or_else(|_| panic!("/healthz took over 1 s after {after}"));
        assert_eq!(a.status, Some(200), "/healthz after {after}: {}", a.head);
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    /// Every attack on one route.
    async fn attack(&mut self, methods: &str, template: &str, ids: &Ids) {
        let path = fill(template, ids, None);
        let methods: Vec<&str> = if methods == "ANY" {
            vec!["GET", "POST"]
        } else {
            methods.split(' ').collect()
        };
        let form = "Content-Type: application/x-www-form-urlencoded";
        for &m in &methods {
            let what = |attack: &str| format!("{m} {template} ({attack})");
            // A 64 KiB header: under hyper's limit, so the app sees it. (1 MiB, over the
            // limit, is refused before routing: `oversized_heads_are_refused_before_routing`.)
            let big = format!("X-Filler: {}", "a".repeat(64 * 1024));
            let r = raw::request(m, path.as_bytes(), &self.headers(&[&big]), b"");
            self.send(&what("64 KiB header"), r, false).await;
            // Junk in each parameter: not UTF-8, broken percent-encoding, out of range.
            if template.contains('{') {
                for junk in ["%FF%FE", "%zz", "%", "99999999999999999999999", "-1", "%00"] {
                    let p = fill(template, ids, Some(junk));
                    let r = raw::request(m, p.as_bytes(), &self.headers(&[]), b"");
                    self.send(&what(&format!("parameter {junk}")), r, false)
                        .await;
                }
                // Raw bytes that are not UTF-8 (nor even allowed in a URL).
                let mut p = fill(template, ids, Some("X")).into_bytes();
                for b in p.iter_mut().filter(|b| **b == b'X') {
                    *b = 0xFF;
                }
                let r = raw::request(m, &p, &self.headers(&[]), b"");
                self.send(&what("raw 0xFF in path"), r, false).await;
            }
            // Queries: not UTF-8, broken escapes, absurd numbers, 10,000 parameters, 1 MB.
            for q in [
                "?%FF=%FE&tz=%C0%AF&page=%zz&from=99999999999999999999&to=-1&after=%",
                "?from=2026-13-45&to=0000-00-00&cursor=%FF&limit=-5&q=%00",
            ] {
                let r = raw::request(m, format!("{path}{q}").as_bytes(), &self.headers(&[]), b"");
                self.send(&what(q), r, false).await;
            }
            let many = format!("{path}?{}", "a=1&".repeat(10_000));
            let r = raw::request(m, many.as_bytes(), &self.headers(&[]), b"");
            self.send(&what("10,000 query parameters"), r, false).await;

            if m == "GET" {
                continue;
            }
            // Bodies. Over the limit: 413 (uploads have their own limits and may take
            // 2 MiB, to refuse it for what it is; the JSON API has its own 64 KiB, met only
            // once a token got a request as far as reading its body).
            let body = format!("title={}", "x".repeat(2 * 1024 * 1024));
            let r = raw::request(m, path.as_bytes(), &self.headers(&[form]), body.as_bytes());
            let a = self.send(&what("2 MiB body"), r, false).await;
            if !is_upload(template) && !template.starts_with("/api/v1") {
                assert_eq!(a.status, Some(413), "{}: {}", what("2 MiB body"), a.head);
            }
            // Form bodies that are not UTF-8, or badly escaped, or both.
            for body in [
                &b"title=%FF%FE&name=%C0%AF&body=%ED%A0%80&email=%F4%90%80%80&x=1"[..],
                &b"title=\xff\xfe&name=\xc0\xaf&body=ok&\xff=\xfe"[..],
                &b"title=%zz&name=%&body=%%%&=&&&==="[..],
                &b"title=a&title=b&id=99999999999999999999999&count=-1&days=1e9&at=%00"[..],
            ] {
                let r = raw::request(m, path.as_bytes(), &self.headers(&[form]), body);
                self.send(
                    &what(&format!("form {}", String::from_utf8_lossy(body))),
                    r,
                    false,
                )
                .await;
            }
            // Deeply nested JSON, and JSON that is not UTF-8.
            let deep = "[".repeat(100_000);
            let json = "Content-Type: application/json";
            let r = raw::request(m, path.as_bytes(), &self.headers(&[json]), deep.as_bytes());
            self.send(&what("100,000 nested arrays"), r, false).await;
            let r = raw::request(
                m,
                path.as_bytes(),
                &self.headers(&[json]),
                b"{\"a\":\"\xff\"}",
            );
            self.send(&what("JSON not UTF-8"), r, false).await;
            // A Content-Length the body never reaches (the client closes after 5 bytes),
            // and one beyond any limit.
            for length in ["1000", "99999999999999"] {
                let cl = format!("Content-Length: {length}");
                let r = raw::request(m, path.as_bytes(), &self.headers(&[form, &cl]), b"title");
                self.send(&what(&format!("Content-Length {length}, 5 bytes")), r, true)
                    .await;
            }
            // Broken chunked encoding.
            let r = raw::request(
                m,
                path.as_bytes(),
                &self.headers(&[form, "Transfer-Encoding: chunked"]),
                b"zz\r\ntitle\r\n0\r\n\r\n",
            );
            self.send(&what("bad chunk size"), r, true).await;
            // A multipart body without its boundary.
            let r = raw::request(
                m,
                path.as_bytes(),
                &self.headers(&["Content-Type: multipart/form-data"]),
                b"--x\r\n\r\nnothing\r\n--x--",
            );
            self.send(&what("multipart without boundary"), r, false)
                .await;
        }
        // Methods the route does not have: 405 (or the API's JSON 404/405), never 5xx.
        for m in ["PUT", "DELETE", "PATCH", "TRACE", "FROB"] {
            if methods.contains(&m) {
                continue;
            }
            let r = raw::request(m, path.as_bytes(), &self.headers(&[]), b"");
            self.send(&format!("{m} {template} (wrong method)"), r, false)
                .await;
        }
        self.still_responsive(template).await;
    }
}

/// Destructive routes last, so the ones before them meet the course still there.
fn order(routes: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let destructive = |p: &str| {
        [
            "delete",
            "remove",
            "cancel",
            "revoke",
            "signout",
            "unpublish",
            "disconnect",
        ]
        .iter()
        .any(|w| p.contains(w))
    };
    let mut v = routes.to_vec();
    v.sort_by_key(|(_, p)| destructive(p));
    v
}

db_test!(hostile_requests_to_every_route_are_never_a_server_error);
async fn hostile_requests_to_every_route_are_never_a_server_error(b: TestAppBuilder) {
    // With Zoom configured, so that junk sent to the webhook routes meets the verifier
    // (without a secret they answer 503 to everything: a configuration, not an input).
    let app = b
        .env("ZOOM_CLIENT_ID", "hostile")
        .env("ZOOM_CLIENT_SECRET", "hostile-secret")
        .env("ZOOM_WEBHOOK_SECRET_TOKEN", "hostile-webhook-secret")
        .start()
        .await;
    let made = crate::support::courses::published_course(
        &app,
        "Hostile input",
        &[("document", vec![("title", "Intro"), ("body", "Hello")])],
    )
    .await;
    crate::support::courses::enroll(&app, made.id, app.student.id).await;
    let ids = Ids {
        course: made.id,
        slug: made.slug.clone(),
        lesson: made.lessons[0],
        user: app.student.id,
    };
    let admin = app.signed_in(&app.admin).await;
    let token = admin.csrf_for("/").await;
    // An API token with every scope, so that junk sent to /api/v1 gets past its
    // authentication too (pages ignore the header).
    let mut fields = vec![("name", "hostile"), ("days", "30")];
    for scope in [
        "courses:read",
        "courses:write",
        "enrolments:read",
        "enrolments:write",
        "live:read",
        "live:write",
        "users:read",
    ] {
        fields.push(("scope", scope));
    }
    admin
        .post_form("/profile/tokens", &fields)
        .await
        .assert_redirect_to("/profile/tokens");
    let r = admin.get("/profile/tokens").await;
    let api_token = r.texts("#token-secret").join("");
    assert!(api_token.starts_with("lct_"), "{}", r.text);
    let mut attacker = Attacker {
        app_addr: app.addr,
        auth: vec![
            format!("Cookie: {}", admin.cookie_header()),
            format!("X-CSRF-Token: {token}"),
            format!("Authorization: Bearer {api_token}"),
        ],
        seen: Default::default(),
    };
    let started = Instant::now();
    for (methods, template) in order(ROUTES) {
        attacker.attack(methods, template, &ids).await;
    }
    // Anonymous, a few of them again: the sign-in gate meets the junk first.
    let mut anonymous = Attacker {
        app_addr: app.addr,
        auth: vec![],
        seen: Default::default(),
    };
    for (methods, template) in ROUTES.iter().filter(|(_, p)| p.contains("{")).take(40) {
        anonymous.attack(methods, template, &ids).await;
    }
    eprintln!(
        "hostile: {:?} (signed in), {:?} (anonymous) in {:?}",
        attacker.seen,
        anonymous.seen,
        started.elapsed()
    );
}

db_test!(oversized_heads_are_refused_before_routing);
async fn oversized_heads_are_refused_before_routing(app: TestApp) {
    let mut attacker = Attacker {
        app_addr: app.addr,
        auth: vec![],
        seen: Default::default(),
    };
    // hyper reads at most ~400 KB of request head: a 1 MiB header or a 1 MB query is
    // answered 431 (or the connection closed) before any route or middleware runs, so
    // once is enough for every route.
    for (what, target, headers) in [
        (
            "1 MiB header",
            "/signin".to_string(),
            vec![format!("X-Filler: {}", "a".repeat(1 << 20))],
        ),
        (
            "1 MB query",
            format!("/signin?q={}", "x".repeat(1_000_000)),
            vec![],
        ),
        (
            "10,000 headers",
            "/signin".to_string(),
            (0..10_000).map(|i| format!("X-H{i}: v")).collect(),
        ),
    ] {
        for m in ["GET", "POST"] {
            let a = attacker
                .send(
                    what,
                    raw::request(m, target.as_bytes(), &headers, b""),
                    false,
                )
                .await;
            assert!(
                matches!(a.status, Some(431 | 414 | 400) | None),
                "{m} {what}: {}",
                a.head
            );
        }
    }
    attacker.still_responsive("oversized heads").await;
}

db_test!(slow_clients_are_cut_off_and_the_server_stays_responsive);
async fn slow_clients_are_cut_off_and_the_server_stays_responsive(b: TestAppBuilder) {
    // Two seconds to send headers or a body; four places for requests in flight, so that
    // six slow bodies would shed everybody else if they held theirs.
    let app = b
        .env("LECTERN_READ_TIMEOUT_SECS", "2")
        .env("LECTERN_MAX_IN_FLIGHT", "4")
        .env("LECTERN_QUEUE_WAIT_MS", "100")
        .start()
        .await;
    let c = app.client();
    let token = c.csrf_for("/signin").await;
    let cookie = format!("Cookie: {}", c.cookie_header());
    let addr = app.addr;
    let mut slow = Vec::new();
    for i in 0..6 {
        let (head, body): (Vec<u8>, Vec<u8>) = if i % 2 == 0 {
            // Headers trickled, never finished.
            (
                b"GET /signin HTTP/1.1\r\nHost: 127.0.0.1\r\n".to_vec(),
                b"X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                    .to_vec(),
            )
        } else {
            // Complete headers, then a body trickled, never finished.
            let h = format!(
                "POST /signin HTTP/1.1\r\nHost: 127.0.0.1\r\n{cookie}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
            );
            (
                h.into_bytes(),
                format!("_csrf={token}&email=a%40b.co&password={}", "x".repeat(1000)).into_bytes(),
            )
        };
        slow.push(tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let started = Instant::now();
            let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
            s.write_all(&head).await.expect("head");
            let mut answer = Vec::new();
            let mut buf = [0u8; 4096];
            // One byte every 200 ms; the server must give up on us within its 2 s (plus
            // slack), by a 408 or by closing.
            for b in body {
                tokio::select! {
                    read = s.read(&mut buf) => {
                        if let Ok(n) = read { answer.extend_from_slice(&buf[..n]); }
                        break;
                    }
                    _ = tokio::time::sleep(Duration::from_millis(200)) => {
                        if s.write_all(&[b]).await.is_err() { break; }
                    }
                }
                assert!(
                    started.elapsed() < Duration::from_secs(8),
                    "still connected after 8 s"
                );
            }
            (
                started.elapsed(),
                String::from_utf8_lossy(&answer).into_owned(),
            )
        }));
    }
    // Meanwhile: health at once, and ordinary pages (which the shedder could refuse) too.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..5 {
        let started = Instant::now();
        let r = tokio::time::timeout(Duration::from_secs(1), c.get("/healthz"))
            .await
            .expect("/healthz within 1 s while slow clients hold connections");
        r.assert_status(200);
        assert!(started.elapsed() < Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    for s in slow {
        let (took, answer) = s.await.expect("slow client");
        assert!(took < Duration::from_secs(8), "cut off after {took:?}");
        assert!(
            answer.is_empty()
                || answer.starts_with("HTTP/1.1 408")
                || answer.starts_with("HTTP/1.1 4"),
            "a slow client got {answer:?}"
        );
    }
    // After them, the places are free again: a normal page, not a 503.
    c.get("/signin").await.assert_status(200);
}

/// Every route the code registers is in [`ROUTES`], and every entry still exists: the
/// `.route("…")` calls in `src/`, the API's OpenAPI paths and the CSP report endpoint.
#[test]
fn every_route_is_in_the_list() {
    let mut in_code = BTreeSet::new();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut dirs = vec![src];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("src dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("source");
                for (i, _) in text.match_indices(".route(") {
                    let rest = text[i + ".route(".len()..].trim_start();
                    if let Some(lit) = rest.strip_prefix('"') {
                        in_code.insert(lit[..lit.find('"').expect("closing quote")].to_string());
                    }
                }
            }
        }
    }
    for p in lectern::api::openapi().paths.paths.keys() {
        in_code.insert(p.clone());
    }
    in_code.insert("/csp-report".to_string());
    let listed: BTreeSet<String> = ROUTES.iter().map(|(_, p)| p.to_string()).collect();
    let missing: Vec<_> = in_code.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "routes not in tests/it/hostile.rs ROUTES (add them, with their methods): {missing:?}"
    );
    let gone: Vec<_> = listed
        .difference(&in_code)
        .filter(|p| !p.starts_with("/api/v1/docs") && *p != "/api/v1/openapi.json")
        .collect();
    assert!(
        gone.is_empty(),
        "ROUTES lists routes the code no longer has: {gone:?}"
    );
}
