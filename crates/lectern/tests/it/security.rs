//! CSRF, roles, and isolation between schools.

use crate::support::{TestApp, TestAppBuilder};
use lectern::accounts::Role;

db_test!(post_without_or_with_wrong_csrf_token_is_403);
async fn post_without_or_with_wrong_csrf_token_is_403(app: TestApp) {
    let c = app.signed_in(&app.student).await;
    let profile = [
        ("display_name", "Hacked"),
        ("email", app.student.email.as_str()),
        ("timezone", "UTC"),
    ];
    // No token at all.
    c.post_form_raw("/profile", &profile)
        .await
        .assert_status(403);
    // A wrong token (right length).
    let mut wrong = vec![("_csrf", "A".repeat(43))];
    wrong.extend(profile.iter().map(|(k, v)| (*k, v.to_string())));
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    c.post_form_raw("/profile", &wrong).await.assert_status(403);
    // A wrong header token.
    let rb = c
        .request(reqwest::Method::POST, "/signout")
        .header("x-csrf-token", "B".repeat(43))
        .header("content-type", "application/x-www-form-urlencoded");
    c.send(rb).await.assert_status(403);
    // A right token in another client's cookie jar (a cross-site page cannot read ours).
    let other = app.client();
    let other_token = other.csrf_for("/signin").await;
    c.post_form_raw("/signout", &[("_csrf", &other_token)])
        .await
        .assert_status(403);
    // None of it changed anything; the right token works.
    assert_eq!(c.whoami().await.as_deref(), Some("Sam Student"));
    let ok = c
        .post_form(
            "/profile",
            &[
                ("display_name", "Sam Two"),
                ("email", &app.student.email),
                ("timezone", "UTC"),
            ],
        )
        .await;
    ok.assert_redirect_to("/profile");
    // The header form of the token works too.
    let token = c.cookie("lectern_csrf").unwrap();
    let rb = c
        .request(reqwest::Method::POST, "/signout")
        .header("x-csrf-token", token);
    c.send(rb).await.assert_redirect_to("/");
    assert_eq!(c.whoami().await, None);
}

db_test!(first_post_without_csrf_cookie_is_403);
async fn first_post_without_csrf_cookie_is_403(app: TestApp) {
    // A client that never loaded a page has no CSRF cookie: even a "matching" pair fails.
    let c = app.client();
    let r = c
        .post_form_raw(
            "/signin",
            &[
                ("_csrf", &"C".repeat(43)),
                ("email", &app.student.email),
                ("password", &app.student.password),
            ],
        )
        .await;
    r.assert_status(403);
    assert_eq!(c.cookie("lectern_session"), None);
}

db_test!(admin_pages_are_403_for_students_and_instructors);
async fn admin_pages_are_403_for_students_and_instructors(app: TestApp) {
    let student = app.signed_in(&app.student).await;
    let instructor = app.signed_in(&app.instructor).await;
    let admin = app.signed_in(&app.admin).await;
    for path in [
        "/admin/school",
        "/admin/users",
        "/admin/jobs",
        "/admin/outbox",
        "/settings/integrations",
    ] {
        student.get(path).await.assert_status(403);
        instructor.get(path).await.assert_status(403);
        admin.get(path).await.assert_status(200);
        app.client()
            .get(path)
            .await
            .assert_redirect_to("/signin?next=");
    }
    // State changes too.
    student
        .post_form(
            "/admin/school",
            &[
                ("display_name", "Pwned"),
                ("primary_color", "#000"),
                ("default_timezone", "UTC"),
            ],
        )
        .await
        .assert_status(403);
    let r = student
        .post_form(
            &format!("/admin/users/{}/role", app.student.id),
            &[("role", "admin")],
        )
        .await;
    r.assert_status(403);
    let u = lectern::accounts::by_id(&app.db, app.school.id, app.student.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.role, Role::Student);
    assert_eq!(
        app.client().get("/").await.texts(".brand span"),
        vec!["Test School".to_string()]
    );
}

db_test!(schools_are_isolated_by_host);
async fn schools_are_isolated_by_host(app: TestApp) {
    let other = app
        .create_school("other", "Other Academy", "learn.other.test")
        .await;
    let other_admin = app
        .create_user(other.id, "boss@other.test", "Other Boss", Role::Admin)
        .await;

    // The Host header picks the school (port ignored); unknown hosts get the default.
    let anon = app.client();
    let b = anon.with_host("learn.other.test:8080");
    assert_eq!(
        b.get("/").await.texts(".brand span"),
        vec!["Other Academy".to_string()]
    );
    assert_eq!(
        anon.with_host("unknown.test")
            .get("/")
            .await
            .texts(".brand span"),
        vec!["Test School".to_string()]
    );

    // Our admin's session means nothing on the other school's host.
    let admin = app.signed_in(&app.admin).await;
    let on_b = admin.with_host("learn.other.test");
    assert_eq!(on_b.whoami().await, None);
    on_b.get("/admin/outbox")
        .await
        .assert_redirect_to("/signin");
    on_b.get("/admin/users").await.assert_redirect_to("/signin");
    // Accounts are per school: our admin cannot sign in there, theirs cannot sign in here.
    let r = on_b
        .post_form(
            "/signin",
            &[
                ("email", &app.admin.email),
                ("password", &app.admin.password),
            ],
        )
        .await;
    r.assert_status(422);
    let r = app
        .client()
        .post_form(
            "/signin",
            &[
                ("email", &other_admin.email),
                ("password", &other_admin.password),
            ],
        )
        .await;
    r.assert_status(422);

    // Their admin sees their users only, and cannot change ours (404, not 403).
    let theirs = app.client().with_host("learn.other.test");
    theirs
        .signin(&other_admin.email, &other_admin.password)
        .await;
    let users = theirs.get("/admin/users").await;
    users.assert_status(200);
    assert!(users.text.contains("boss@other.test"));
    assert!(
        !users.text.contains(&app.student.email),
        "another school's users leak"
    );
    let r = theirs
        .post_form(
            &format!("/admin/users/{}/role", app.student.id),
            &[("role", "admin")],
        )
        .await;
    r.assert_status(404);
    let u = lectern::accounts::by_id(&app.db, app.school.id, app.student.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.role, Role::Student);
}

db_test!(cookies_are_httponly_and_samesite);
async fn cookies_are_httponly_and_samesite(app: TestApp) {
    let r = app.client().get("/signin").await;
    let csrf: Vec<_> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let c = csrf
        .iter()
        .find(|c| c.starts_with("lectern_csrf="))
        .expect("csrf cookie");
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax"), "{c}");
    assert!(!c.contains("Secure"), "plain http base URL");
}

db_test!(https_base_url_uses_secure_host_prefixed_cookies);
async fn https_base_url_uses_secure_host_prefixed_cookies(b: TestAppBuilder) {
    let app = b
        .env("LECTERN_BASE_URL", "https://lectern.example")
        .start()
        .await;
    let r = app.client().get("/signin").await;
    let all: Vec<_> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let c = all
        .iter()
        .find(|c| c.starts_with("__Host-lectern_csrf="))
        .expect("__Host- csrf cookie");
    assert!(
        c.contains("Secure") && c.contains("Path=/") && !c.contains("Domain"),
        "{c}"
    );
}

db_test!(a_csrf_token_planted_before_sign_in_is_worthless_after_it);
async fn a_csrf_token_planted_before_sign_in_is_worthless_after_it(app: TestApp) {
    // An attacker who can write the victim's cookies (a sibling subdomain, a plain-http
    // page) plants a CSRF token it knows, then waits for the victim to sign in.
    let victim = app.client();
    victim.get("/signin").await.assert_status(200);
    let planted = "P".repeat(43);
    victim.set_cookie("lectern_csrf", &planted);
    victim
        .signin(&app.student.email, &app.student.password)
        .await;

    // The attacker's page posts with the token it planted: refused, nothing changed.
    let forged = victim
        .post_form_raw(
            "/profile",
            &[
                ("_csrf", planted.as_str()),
                ("display_name", "Pwned"),
                ("email", app.student.email.as_str()),
                ("timezone", "UTC"),
            ],
        )
        .await;
    forged.assert_status(403);
    assert_eq!(victim.whoami().await.as_deref(), Some("Sam Student"));
    let fresh = victim.cookie("lectern_csrf").expect("a CSRF cookie");
    assert_ne!(fresh, planted, "sign-in issued a new token");
    // The victim's own pages carry the new token and work.
    victim
        .post_form(
            "/profile",
            &[
                ("display_name", "Sam Again"),
                ("email", app.student.email.as_str()),
                ("timezone", "UTC"),
            ],
        )
        .await
        .assert_redirect_to("/profile");
    assert_eq!(victim.whoami().await.as_deref(), Some("Sam Again"));
}

db_test!(a_borrowed_session_cannot_move_the_account_to_another_email);
async fn a_borrowed_session_cannot_move_the_account_to_another_email(app: TestApp) {
    // Someone at a computer the student left signed in tries to take the account for
    // good: change its e-mail, then reset the password from their own inbox.
    let s = app.signed_in(&app.student).await;
    let take_over = |password: &'static str| {
        let s = s.clone();
        async move {
            s.post_form(
                "/profile",
                &[
                    ("display_name", "Sam Student"),
                    ("email", "thief@evil.example"),
                    ("timezone", "UTC"),
                    ("language", ""),
                    ("current_password", password),
                ],
            )
            .await
        }
    };
    let email_now = || async {
        sqlx::query_scalar::<_, String>("SELECT email FROM users WHERE id = $1")
            .bind(app.student.id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };
    for (password, message) in [
        (
            "",
            "Enter your current password to change your e-mail address.",
        ),
        ("a guess at it", "That is not your current password."),
    ] {
        let r = take_over(password).await;
        r.assert_status(422);
        assert_eq!(r.texts(".field-error"), [message]);
        assert_eq!(r.input("email").as_deref(), Some("thief@evil.example"));
        assert_eq!(r.input("current_password"), None, "never echoed");
        assert_eq!(email_now().await, app.student.email);
    }
    // Guesses here count like sign-in guesses: after five, the form says to wait.
    for _ in 0..4 {
        take_over("another guess").await.assert_status(422);
    }
    let r = take_over("yet another guess").await;
    assert!(
        r.texts(".field-error").join("").contains("Try again in"),
        "{}",
        r.text
    );
    assert_eq!(email_now().await, app.student.email);

    // The student, who knows the password, can change it (once the wait is over).
    app.db.clock.advance(60_000);
    let r = s
        .post_form(
            "/profile",
            &[
                ("display_name", "Sam Student"),
                ("email", "sam.new@test.example"),
                ("timezone", "UTC"),
                ("language", ""),
                ("current_password", app.student.password.as_str()),
            ],
        )
        .await;
    r.assert_redirect_to("/profile?saved=1");
    assert_eq!(email_now().await, "sam.new@test.example");
    app.client()
        .signin("sam.new@test.example", &app.student.password)
        .await;
}

// ---- security headers (web/headers.rs) ----

/// Every `lectern_csp_violations_total` the server counted, over all directives.
pub(crate) async fn csp_reports(app: &crate::support::TestApp) -> u64 {
    csp_reports_for(app, None).await
}

/// `lectern_csp_violations_total` for one directive (all of them with `None`).
pub(crate) async fn csp_reports_for(app: &crate::support::TestApp, directive: Option<&str>) -> u64 {
    let m = app.client().get("/metrics").await;
    m.assert_status(200);
    m.text
        .lines()
        .filter(|l| l.starts_with("lectern_csp_violations_total{"))
        .filter(|l| directive.is_none_or(|d| l.contains(&format!("directive=\"{d}\""))))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum()
}

/// The headers every answer must carry, whatever it is; `what` names it in failures.
#[track_caller]
fn assert_security_headers(what: &str, r: &crate::support::Resp) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{what} ({}): no Content-Security-Policy", r.status));
    let directive = |name: &str| {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{what}: no {name} in {csp}"))
            .to_string()
    };
    assert_eq!(
        directive("frame-ancestors"),
        "frame-ancestors 'none'",
        "{what}"
    );
    let script = directive("script-src");
    assert!(
        script.starts_with("script-src 'self'")
            && !script.contains("'unsafe-inline'")
            && !script.contains("'unsafe-eval'")
            && !script.contains(" https:")
            && !script.contains(" *"),
        "{what}: {script}"
    );
    assert_eq!(directive("object-src"), "object-src 'none'", "{what}");
    assert_eq!(directive("base-uri"), "base-uri 'none'", "{what}");
    assert_eq!(directive("report-uri"), "report-uri /csp-report", "{what}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"), "{what}");
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(
        r.header("referrer-policy"),
        Some("strict-origin-when-cross-origin"),
        "{what}"
    );
}

db_test!(every_kind_of_answer_carries_the_security_headers);
async fn every_kind_of_answer_carries_the_security_headers(app: TestApp) {
    let c = app.client();
    let page = c.get("/signin").await;
    page.assert_status(200);
    let asset = c.get("/static/app.js").await;
    asset.assert_status(200);
    let json_404 = c.get("/api/nothing-here").await;
    json_404.assert_status(404);
    assert!(
        json_404
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{:?}",
        json_404.headers
    );
    let page_404 = c.get("/no-such-page").await;
    page_404.assert_status(404);
    let redirect = c.get("/my/courses").await;
    redirect.assert_redirect_to("/signin");
    let csrf_refused = c.post_form_raw("/profile", &[("display_name", "x")]).await;
    csrf_refused.assert_status(403);
    let too_large = c
        .post_body(
            "/signin",
            "application/x-www-form-urlencoded",
            // Just over the limit: the server answers 413 from the length alone and
            // closes; a body much larger than the socket's buffers could still be in
            // flight then, and the client would see a broken pipe instead of the answer.
            "a".repeat(lectern::web::context::MAX_BODY + 1),
        )
        .await;
    too_large.assert_status(413);
    // The refused body is still on the connection: the client is told not to reuse it
    // (otherwise the next request below would meet a broken pipe now and then).
    assert_eq!(too_large.header("connection"), Some("close"));
    let webhook = c
        .post_body("/webhooks/zoom", "application/json", "{}")
        .await;
    assert!(webhook.status.is_client_error() || webhook.status.is_server_error());
    let health = c.get("/healthz").await;
    health.assert_status(200);
    let report = c.post_body("/csp-report", "text/plain", "junk").await;
    report.assert_status(400);
    for (what, r) in [
        ("an HTML page", &page),
        ("a static asset", &asset),
        ("a JSON 404", &json_404),
        ("a 404 page", &page_404),
        ("a redirect", &redirect),
        ("a CSRF error page", &csrf_refused),
        ("a 413", &too_large),
        ("a webhook answer", &webhook),
        ("a health check", &health),
        ("the CSP report endpoint", &report),
    ] {
        assert_security_headers(what, r);
        // Served over plain http: no HSTS (a browser would ignore it anyway).
        assert_eq!(r.header("strict-transport-security"), None, "{what}");
    }
}

db_test!(an_attackers_site_that_frames_the_player_is_refused);
async fn an_attackers_site_that_frames_the_player_is_refused(app: TestApp) {
    // An attacker's page loads the student's player in an invisible frame and lays its
    // own buttons over it ("click here to win"), so that the student's clicks land on
    // Mark complete, Join or Sign out. The browser must refuse to render the frame.
    let course =
        crate::support::courses::published_in(&app, app.school.id, app.instructor.id, "Framed")
            .await;
    let lesson = lectern::courses::insert_lesson(
        &app.db,
        &*app.state.course_hooks,
        course.school_id,
        course.id,
        &lectern::courses::LessonRecord {
            title: "Read me".into(),
            required: true,
            body: "Text".into(),
            content: lectern::courses::LessonContent::Document,
        },
    )
    .await
    .unwrap();
    lectern::courses::progress::enroll(
        &app.db,
        &*app.state.course_hooks,
        course.school_id,
        course.id,
        lectern::db::UserId(app.student.id),
    )
    .await
    .unwrap();
    let s = app.signed_in(&app.student).await;
    let player = s
        .get(&format!("/courses/{}/lessons/{lesson}", course.slug))
        .await;
    player.assert_status(200);
    assert!(player.text.contains("mark-complete"), "the player");
    assert_security_headers("the player", &player);
    for path in ["/signin", "/profile", "/my/courses"] {
        assert_security_headers(path, &s.get(path).await);
    }
}

db_test!(a_signed_in_page_is_kept_by_no_browser_cache_or_proxy);
async fn a_signed_in_page_is_kept_by_no_browser_cache_or_proxy(app: TestApp) {
    // On a shared computer, the next person must not find the student's pages (their
    // courses, e-mail address, CSRF token) in the browser's cache or in a proxy's.
    let s = app.signed_in(&app.student).await;
    for path in ["/", "/my/courses", "/profile"] {
        let r = s.get(path).await;
        r.assert_status(200);
        assert_eq!(r.header("cache-control"), Some("no-store"), "{path}");
    }
    let admin = app.signed_in(&app.admin).await;
    let r = admin.get("/admin/school").await;
    r.assert_status(200);
    assert_eq!(r.header("cache-control"), Some("no-store"), "/admin/school");
    // Anonymous pages carry a CSRF token too: not stored either.
    let r = app.client().get("/signin").await;
    assert_eq!(r.header("cache-control"), Some("no-store"), "/signin");
    // The static assets are the same for everyone and keep their caching.
    for path in ["/static/app.css", "/static/app.js", "/static/live.js"] {
        let r = s.get(path).await;
        r.assert_status(200);
        assert_eq!(
            r.header("cache-control"),
            Some("public, max-age=3600"),
            "{path}"
        );
    }
}

db_test!(over_https_the_browser_is_told_never_to_use_plain_http);
async fn over_https_the_browser_is_told_never_to_use_plain_http(b: TestAppBuilder) {
    // A student on a café's network types the school's address without https: the
    // browser must remember to go straight to https, where nobody on that network can
    // read or change the page.
    let app = b
        .env("LECTERN_BASE_URL", "https://lectern.example")
        .start()
        .await;
    let c = app.client();
    for path in ["/signin", "/static/app.css", "/no-such-page"] {
        let r = c.get(path).await;
        assert_eq!(
            r.header("strict-transport-security"),
            Some("max-age=31536000"),
            "{path}"
        );
        assert_security_headers(path, &r);
    }
}

db_test!(only_the_meeting_page_lets_zooms_sdk_in);
async fn only_the_meeting_page_lets_zooms_sdk_in(b: TestAppBuilder) {
    // Zoom's Meeting SDK needs its CDN, blob workers and WebAssembly. A script tag an
    // attacker gets into any other page must find none of that allowed.
    let t = crate::support::live::setup(b).await;
    let sdk_base = t.app.state.config.zoom.as_ref().unwrap().sdk_url.clone();
    let student = t.app.signed_in(&t.app.student).await;
    let meeting = student.get(&t.lesson_url()).await;
    meeting.assert_status(200);
    assert!(
        meeting.text.contains("id=\"zoom-root\""),
        "the meeting's root"
    );
    assert_security_headers("the meeting page", &meeting);
    let csp = meeting.header("content-security-policy").unwrap();
    let script = csp
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .unwrap();
    assert!(
        script.contains(&format!("{sdk_base}/"))
            && script.contains("blob:")
            && script.contains("'wasm-unsafe-eval'"),
        "{script}"
    );
    assert!(csp.contains("worker-src 'self' blob:"), "{csp}");
    assert!(csp.contains("wss://*.zoom.us"), "{csp}");

    // The same lesson for its instructor (no embedded meeting), and other pages.
    let inst = t.app.signed_in(&t.app.instructor).await;
    let manager_view = inst.get(&t.lesson_url()).await;
    manager_view.assert_status(200);
    assert!(!manager_view.text.contains("id=\"zoom-root\""));
    for (what, r) in [
        ("the instructor's view", manager_view),
        ("the catalogue", student.get("/").await),
        (
            "the course page",
            student.get(&format!("/courses/{}", t.course_slug)).await,
        ),
    ] {
        assert_security_headers(what, &r);
        let csp = r.header("content-security-policy").unwrap();
        assert!(
            !csp.contains(&sdk_base) && !csp.contains("blob:") && !csp.contains("wasm"),
            "{what}: {csp}"
        );
    }
}

db_test!(a_browsers_csp_report_is_counted_and_forged_ones_cannot_grow_the_metric);
async fn a_browsers_csp_report_is_counted_and_forged_ones_cannot_grow_the_metric(app: TestApp) {
    // Browsers post reports without cookies or CSRF tokens.
    let c = app.client();
    let report = |directive: &str| {
        serde_json::json!({ "csp-report": {
            "document-uri": "http://school.example/password/reset/s3cret?x=1",
            "violated-directive": directive,
            "effective-directive": directive,
            "blocked-uri": "https://evil.example/x.js",
            "disposition": "enforce",
        }})
        .to_string()
    };
    assert_eq!(csp_reports(&app).await, 0);
    c.post_body(
        "/csp-report",
        "application/csp-report",
        report("script-src-elem"),
    )
    .await
    .assert_status(204);
    assert_eq!(csp_reports_for(&app, Some("script-src-elem")).await, 1);
    // Someone posting made-up directives adds to "other", not to new labels.
    for i in 0..3 {
        c.post_body(
            "/csp-report",
            "application/csp-report",
            report(&format!("made-up-{i}")),
        )
        .await
        .assert_status(204);
    }
    assert_eq!(csp_reports_for(&app, Some("other")).await, 3);
    let m = app.client().get("/metrics").await;
    assert!(
        !m.text.contains("made-up"),
        "a forged label reached /metrics"
    );
    // Anything else is refused without counting, and a huge body is not read.
    c.post_body("/csp-report", "application/csp-report", "{not json")
        .await
        .assert_status(400);
    c.post_body(
        "/csp-report",
        "application/csp-report",
        format!(
            "{{\"csp-report\":{{\"blocked-uri\":\"{}\"}}}}",
            "a".repeat(20_000)
        ),
    )
    .await
    .assert_status(413);
    assert_eq!(csp_reports(&app).await, 4);
}

db_test!(pages_with_a_secret_in_their_url_send_no_referrer);
async fn pages_with_a_secret_in_their_url_send_no_referrer(app: TestApp) {
    // A reset token or Zoom's OAuth code and state in the address bar must reach nobody
    // as `Referer` (not even our own pages, whose logs and scripts could keep it),
    // whether the link still works or not; and no cache may keep such a page.
    let token = "a-reset-token-only-this-test-knows-0123456789";
    let mut conn = app.db.pool.acquire().await.unwrap();
    lectern::accounts::store_reset(
        &mut conn,
        &app.state.config.secret_key,
        app.school.id,
        app.student.id,
        token,
    )
    .await
    .unwrap();
    drop(conn);
    let c = app.client();
    let reset = c.get(&format!("/password/reset/{token}")).await;
    reset.assert_status(200);
    assert!(reset.text.contains("name=\"password\""), "the reset form");
    let spent = c.get("/password/reset/no-such-token").await;
    spent.assert_status(410);
    // The form posted back to its own URL: refused, the token is still in the bar.
    let too_short = c
        .post_form(
            &format!("/password/reset/{token}"),
            &[("password", "short")],
        )
        .await;
    too_short.assert_status(422);
    let spent_post = c
        .post_form(
            "/password/reset/no-such-token",
            &[("password", "long enough 123")],
        )
        .await;
    spent_post.assert_status(410);
    let admin = app.signed_in(&app.admin).await;
    let callback = admin
        .get("/integrations/zoom/callback?code=c0de&state=st4te")
        .await;
    callback.assert_status(200);
    for (what, r) in [
        ("a reset link", &reset),
        ("a spent reset link", &spent),
        ("a reset refused for a short password", &too_short),
        ("a reset posted to a spent link", &spent_post),
        ("the Zoom callback", &callback),
    ] {
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"), "{what}");
        assert_eq!(r.header("cache-control"), Some("no-store"), "{what}");
        assert!(
            r.header("content-type")
                .is_some_and(|t| t.starts_with("text/html")),
            "{what}"
        );
    }
    // The pages they lead to keep the default policy.
    for path in ["/signin", "/password/forgot", "/settings/integrations"] {
        let r = admin.get(path).await;
        r.assert_status(200);
        assert_security_headers(path, &r);
    }
}
