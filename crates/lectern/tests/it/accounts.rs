//! Sign-up, sign-in, sign-out, sessions, password reset, rate limits and the profile.

use std::time::Duration;

use crate::support::{Resp, TestApp, TestAppBuilder, TestClient};

db_test!(signup_creates_a_student_and_signs_in);
async fn signup_creates_a_student_and_signs_in(app: TestApp) {
    let c = app.client();
    let page = c.get("/signup").await;
    page.assert_status(200);
    assert_eq!(
        page.input("timezone").as_deref(),
        Some(""),
        "filled by the browser's JS"
    );
    let r = c
        .post_form(
            "/signup",
            &[
                ("display_name", "New Person"),
                ("email", "New.Person@Example.org"),
                ("password", "long enough password"),
                ("timezone", "America/New_York"),
            ],
        )
        .await;
    r.assert_redirect_to("/");
    assert_eq!(c.whoami().await.as_deref(), Some("New Person"));
    let u = lectern::accounts::by_email(&app.db, app.school.id, "new.person@example.org")
        .await
        .unwrap()
        .expect("user exists");
    assert_eq!(u.role, lectern::accounts::Role::Student);
    assert_eq!(u.timezone, "America/New_York");

    // The same address again (other case) is refused inline, keeping what was typed.
    let c2 = app.client();
    let r = c2
        .post_form(
            "/signup",
            &[
                ("display_name", "Dup"),
                ("email", "new.person@example.org"),
                ("password", "long enough password"),
            ],
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.input("display_name").as_deref(), Some("Dup"));
    assert!(!r.texts(".field-error").is_empty());
    assert_eq!(r.input("password"), None, "password inputs carry no value");
}

db_test!(signup_validation_keeps_input);
async fn signup_validation_keeps_input(app: TestApp) {
    let c = app.client();
    let r = c
        .post_form(
            "/signup",
            &[
                ("display_name", "Kim"),
                ("email", "not-an-email"),
                ("password", "short"),
            ],
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.input("display_name").as_deref(), Some("Kim"));
    assert_eq!(r.input("email").as_deref(), Some("not-an-email"));
    assert_eq!(r.texts(".field-error").len(), 2, "{}", r.text);
}

db_test!(signup_refused_when_school_disables_it);
async fn signup_refused_when_school_disables_it(app: TestApp) {
    let admin = app.signed_in(&app.admin).await;
    let r = admin
        .post_form(
            "/admin/school",
            &[
                ("display_name", "Test School"),
                ("primary_color", "#123456"),
                ("default_timezone", "UTC"),
                // no signup_open field: the checkbox is unticked
            ],
        )
        .await;
    r.assert_redirect_to("/admin/school");
    let c = app.client();
    c.get("/signup").await.assert_status(403);
    let home = c.get("/").await;
    assert!(
        home.attr("#nav-signup", "href").is_none(),
        "no sign-up link when closed"
    );
    let r = c
        .post_form(
            "/signup",
            &[
                ("display_name", "X"),
                ("email", "x@example.org"),
                ("password", "long enough password"),
            ],
        )
        .await;
    r.assert_status(403);
    assert!(
        lectern::accounts::by_email(&app.db, app.school.id, "x@example.org")
            .await
            .unwrap()
            .is_none()
    );
}

db_test!(signin_rotates_the_session_and_signout_ends_it);
async fn signin_rotates_the_session_and_signout_ends_it(app: TestApp) {
    let c = app.client();
    // Anonymous pages set no session cookie.
    c.get("/").await;
    assert_eq!(c.cookie("lectern_session"), None);

    let r = c.signin(&app.student.email, &app.student.password).await;
    let cookie = r.header("set-cookie").unwrap_or_default().to_string();
    let all: Vec<String> = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let session = all
        .iter()
        .find(|c| c.starts_with("lectern_session="))
        .expect("session cookie");
    assert!(session.contains("HttpOnly"), "{cookie}");
    assert!(session.contains("SameSite=Lax"));
    assert!(session.contains("Path=/"));
    let first = c.cookie("lectern_session").unwrap();
    assert_eq!(c.whoami().await.as_deref(), Some("Sam Student"));

    // Signing in again issues a new id and ends the old one.
    c.signin(&app.student.email, &app.student.password).await;
    let second = c.cookie("lectern_session").unwrap();
    assert_ne!(first, second, "session id rotated at sign-in");
    let stale = TestClient::new(&app.base_url);
    let r = stale
        .send(
            stale
                .request(reqwest::Method::GET, "/profile")
                .header("cookie", format!("lectern_session={first}")),
        )
        .await;
    r.assert_redirect_to("/signin");

    // Sign-out: the cookie is cleared and its value no longer works.
    let r = c.signout().await;
    r.assert_redirect_to("/");
    assert_eq!(c.whoami().await, None);
    let r = stale
        .send(
            stale
                .request(reqwest::Method::GET, "/profile")
                .header("cookie", format!("lectern_session={second}")),
        )
        .await;
    r.assert_redirect_to("/signin");
    let n = app.scalar("SELECT COUNT(*) FROM sessions").await;
    assert_eq!(n, 0, "no sessions left in the database");
}

db_test!(wrong_password_shows_the_form_again);
async fn wrong_password_shows_the_form_again(app: TestApp) {
    let c = app.client();
    let r = c
        .post_form(
            "/signin",
            &[
                ("email", &app.student.email),
                ("password", "wrong password!"),
            ],
        )
        .await;
    r.assert_status(422);
    assert!(!r.texts("[role=alert]").is_empty());
    assert_eq!(
        r.input("email").as_deref(),
        Some(app.student.email.as_str())
    );
    assert_eq!(c.cookie("lectern_session"), None);
}

db_test!(signin_next_never_leaves_the_site);
async fn signin_next_never_leaves_the_site(app: TestApp) {
    let c = app.client();
    let r = c
        .post_form(
            "/signin",
            &[
                ("email", &app.student.email),
                ("password", &app.student.password),
                ("next", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/"));
    let r = c
        .post_form(
            "/signin",
            &[
                ("email", &app.student.email),
                ("password", &app.student.password),
                ("next", "/profile"),
            ],
        )
        .await;
    assert_eq!(r.location(), Some("/profile"));
}

db_test!(sixth_wrong_signin_is_rate_limited);
async fn sixth_wrong_signin_is_rate_limited(app: TestApp) {
    let c = app.client();
    for i in 1..=5 {
        let r = c
            .post_form(
                "/signin",
                &[
                    ("email", &app.student.email),
                    ("password", "wrong password!"),
                ],
            )
            .await;
        assert_eq!(r.status.as_u16(), 422, "attempt {i}");
    }
    let r = c
        .post_form(
            "/signin",
            &[
                ("email", &app.student.email),
                ("password", "wrong password!"),
            ],
        )
        .await;
    r.assert_status(429);
    let retry: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=300).contains(&retry), "Retry-After {retry}");
    // Even the right password is refused while limited...
    let r = c
        .post_form(
            "/signin",
            &[
                ("email", &app.student.email),
                ("password", &app.student.password),
            ],
        )
        .await;
    r.assert_status(429);
    // ...but another account from the same IP is not (per-account limit, IP limit is 20).
    app.signed_in(&app.instructor).await;
}

db_test!(profile_invalid_timezone_is_inline_and_keeps_input);
async fn profile_invalid_timezone_is_inline_and_keeps_input(app: TestApp) {
    let c = app.signed_in(&app.student).await;
    let r = c
        .post_form(
            "/profile",
            &[
                ("display_name", "Sam Renamed"),
                ("email", &app.student.email),
                ("timezone", "Mars/Olympus"),
                ("language", ""),
            ],
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.input("display_name").as_deref(), Some("Sam Renamed"));
    assert_eq!(r.input("timezone").as_deref(), Some("Mars/Olympus"));
    assert_eq!(r.texts(".field-error").len(), 1, "{}", r.text);
    // Nothing was saved.
    assert_eq!(c.whoami().await.as_deref(), Some("Sam Student"));

    let r = c
        .post_form(
            "/profile",
            &[
                ("display_name", "Sam Renamed"),
                ("email", &app.student.email),
                ("timezone", "Asia/Tokyo"),
                ("language", "en-US"),
            ],
        )
        .await;
    r.assert_redirect_to("/profile?saved=1");
    let p = c.get("/profile").await;
    assert_eq!(p.input("timezone").as_deref(), Some("Asia/Tokyo"));
    assert_eq!(c.whoami().await.as_deref(), Some("Sam Renamed"));
}

db_test!(language_comes_from_accept_language_then_profile);
async fn language_comes_from_accept_language_then_profile(app: TestApp) {
    async fn page(c: &TestClient, accept: &str) -> (String, String) {
        let r = c
            .send(
                c.request(reqwest::Method::GET, "/signin")
                    .header("accept-language", accept),
            )
            .await;
        (
            r.attr("html", "lang").unwrap_or_default(),
            r.texts("h1").join(""),
        )
    }
    let c = app.client();
    assert_eq!(
        page(&c, "de-DE,de;q=0.9,en;q=0.5").await,
        ("de".to_string(), "Anmelden".to_string())
    );
    assert_eq!(page(&c, "fr;q=0.5, de;q=0.9").await.0, "de");
    assert_eq!(
        page(&c, "en-GB,en;q=0.8").await,
        ("en-US".to_string(), "Sign in".to_string())
    );
    assert_eq!(page(&c, "xx").await.0, "en-US");

    // The profile's language wins over the browser's.
    let s = app.signed_in(&app.student).await;
    assert_eq!(page(&s, "de").await.0, "de");
    s.post_form(
        "/profile",
        &[
            ("display_name", "Sam Student"),
            ("email", &app.student.email),
            ("timezone", "UTC"),
            ("language", "en-US"),
        ],
    )
    .await
    .assert_redirect_to("/profile");
    assert_eq!(page(&s, "de").await.0, "en-US");
}

/// Requests a reset for `email` and returns the link from the delivered e-mail.
async fn request_reset_via_smtp(app: &crate::support::TestApp, email: &str, nth: usize) -> String {
    let c = app.client();
    let r = c.post_form("/password/forgot", &[("email", email)]).await;
    r.assert_status(200);
    assert!(app.drain_jobs().await >= 1);
    let sink = app.smtp.as_ref().expect("smtp");
    let msgs = sink.wait_for(nth, Duration::from_secs(10)).await;
    let mail = msgs[nth - 1].parse();
    assert!(
        msgs[nth - 1].to.iter().any(|t| t.contains(email)),
        "{:?}",
        msgs[nth - 1].to
    );
    let text = mail.text.clone().expect("a text/plain part");
    let html = mail.html.clone().expect("a text/html part");
    let link = mail
        .link_containing("/password/reset/")
        .expect("a reset link in the text part");
    assert!(link.starts_with(&app.base_url), "{link}");
    assert!(html.contains(&link), "the HTML part carries the same link");
    assert!(text.contains("Sam Student") || text.contains(email));
    link
}

db_test!(password_reset_by_email_link);
async fn password_reset_by_email_link(b: TestAppBuilder) {
    let app = b.with_smtp().start().await;
    let link = request_reset_via_smtp(&app, &app.student.email, 1).await;
    let c = app.client();
    let page = c.get(&link).await;
    page.assert_status(200);
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    // Too short: the form again, token still valid.
    let token = page.csrf().unwrap();
    c.post_form_raw(&link, &[("_csrf", &token), ("password", "short")])
        .await
        .assert_status(422);
    let r = c
        .post_form_raw(
            &link,
            &[("_csrf", &token), ("password", "a brand new password")],
        )
        .await;
    r.assert_redirect_to("/");
    assert_eq!(c.whoami().await.as_deref(), Some("Sam Student"));

    // Single use.
    let again = app.client();
    again.get(&link).await.assert_status(410);
    let r = again
        .post_form(&link, &[("password", "yet another password")])
        .await;
    r.assert_status(410);

    // The new password works, the old one does not.
    let fresh = app.client();
    let r = fresh
        .post_form(
            "/signin",
            &[
                ("email", &app.student.email),
                ("password", &app.student.password),
            ],
        )
        .await;
    r.assert_status(422);
    fresh
        .signin(&app.student.email, "a brand new password")
        .await;
}

db_test!(password_reset_link_expires_after_an_hour);
async fn password_reset_link_expires_after_an_hour(b: TestAppBuilder) {
    let app = b.with_smtp().start().await;
    let link = request_reset_via_smtp(&app, &app.student.email, 1).await;
    // Stored with a one-hour lifetime...
    let (created, expires): (i64, i64) =
        sqlx::query_as("SELECT created_at, expires_at FROM password_resets")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(expires - created, 3_600_000);
    // ...and refused once that hour is over.
    sqlx::query("UPDATE password_resets SET expires_at = $1")
        .bind(lectern::db::now_ms() - 1)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let c = app.client();
    c.get(&link).await.assert_status(410);
    c.post_form(&link, &[("password", "a brand new password")])
        .await
        .assert_status(410);
}

db_test!(password_reset_for_unknown_email_looks_the_same);
async fn password_reset_for_unknown_email_looks_the_same(b: TestAppBuilder) {
    let app = b.with_smtp().start().await;
    let c = app.client();
    let known = c
        .post_form("/password/forgot", &[("email", &app.student.email)])
        .await;
    let unknown = c
        .post_form("/password/forgot", &[("email", "nobody@example.org")])
        .await;
    known.assert_status(200);
    unknown.assert_status(200);
    assert_eq!(
        known.texts("main"),
        unknown
            .texts("main")
            .into_iter()
            .map(|t| t.replace("nobody@example.org", &app.student.email))
            .collect::<Vec<_>>()
    );
    app.drain_jobs().await;
    let msgs = app
        .smtp
        .as_ref()
        .unwrap()
        .wait_for(1, Duration::from_secs(5))
        .await;
    assert_eq!(msgs.len(), 1, "no e-mail for an unknown address");
}

db_test!(outbox_lists_the_reset_email_without_smtp);
async fn outbox_lists_the_reset_email_without_smtp(app: TestApp) {
    let c = app.client();
    c.post_form("/password/forgot", &[("email", &app.student.email)])
        .await
        .assert_status(200);
    assert_eq!(app.drain_jobs().await, 1);
    let admin = app.signed_in(&app.admin).await;
    let r = admin.get("/admin/outbox").await;
    r.assert_status(200);
    let summary = r.texts(".outbox-entry summary").join("\n");
    assert!(summary.contains(&app.student.email), "{summary}");
    assert!(summary.contains("outbox"), "status shown: {summary}");
    // The admin reads the mail, but not the student's link (see `mail_secrets`).
    let body = r.texts(".email-body").join("\n");
    assert!(body.contains("Sam Student"), "{body}");
    assert!(!body.contains("/password/reset/"), "{body}");
    assert!(body.contains("[link hidden"), "{body}");
    // Students may not read it.
    let s = app.signed_in(&app.student).await;
    s.get("/admin/outbox").await.assert_status(403);
}

db_test!(a_signin_link_with_a_tab_or_newline_in_next_keeps_the_victim_on_the_site);
async fn a_signin_link_with_a_tab_or_newline_in_next_keeps_the_victim_on_the_site(app: TestApp) {
    // Browsers strip tabs and newlines, so "/\t/evil.example" would become
    // "//evil.example", another origin; a CR/LF used to make a 500 after the session
    // cookie had been issued.
    for (i, next) in [
        "/\t/evil.example",
        "/%09/evil.example",
        "/x\r\nSet-Cookie: stolen=1",
        "/\\evil.example",
    ]
    .into_iter()
    .enumerate()
    {
        let c = app.client();
        let user = app
            .create_user(
                app.school.id,
                &format!("victim{i}@test.example"),
                "Vic Tim",
                lectern::accounts::Role::Student,
            )
            .await;
        let r = c
            .post_form(
                "/signin",
                &[
                    ("email", user.email.as_str()),
                    ("password", user.password.as_str()),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{next:?}: {}", r.text);
        assert_eq!(r.location(), Some("/"), "{next:?}");
        assert!(c.cookie("stolen").is_none());
        c.get("/profile").await.assert_status(200);
    }
}

db_test!(an_anonymous_sign_in_with_a_nul_byte_gets_a_clear_error_not_a_500);
async fn an_anonymous_sign_in_with_a_nul_byte_gets_a_clear_error_not_a_500(app: TestApp) {
    // PostgreSQL refuses NUL in text: the sign-in form used to answer 500 to anyone.
    // Now the form comes back, saying which field holds it, with the e-mail kept.
    let c = app.client();
    for (label, email, password) in [
        ("E-mail", "stu\0dent@test.example", "whatever-password"),
        ("Password", app.student.email.as_str(), "pass\0word"),
    ] {
        let r = c
            .post_form("/signin", &[("email", email), ("password", password)])
            .await;
        assert_eq!(r.status, 422, "{label}: {}", r.text);
        let alert = r.texts("[role=alert]").join(" ");
        assert!(
            alert.starts_with(&format!("{label}: ")) && alert.contains("control character"),
            "{alert}"
        );
        assert_eq!(r.input("password").unwrap_or_default(), "", "never echoed");
        if label == "Password" {
            assert_eq!(r.input("email").as_deref(), Some(email));
        }
        assert!(c.cookie("lectern_session").is_none());
    }
    // The same elsewhere: a profile name with an escape sequence changes nothing.
    let s = app.signed_in(&app.student).await;
    let r = s
        .post_form(
            "/profile",
            &[
                ("display_name", "Sam \u{1b}[31mRed"),
                ("email", app.student.email.as_str()),
                ("timezone", "Europe/Berlin"),
                ("language", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let errors = r.texts(".field-error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("control character"), "{errors:?}");
    assert_eq!(r.input("timezone").as_deref(), Some("Europe/Berlin"));
    let name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(app.student.id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(name, app.student.name);
    // Ordinary text with line breaks and tabs is still fine.
    s.get("/profile").await.assert_status(200);
}

/// Signs in with a wrong password; the status tells whether it was tried (422) or refused
/// as too many (429).
async fn wrong_password(c: &TestClient, email: &str) -> Resp {
    c.post_form(
        "/signin",
        &[("email", email), ("password", "not the password!")],
    )
    .await
}

db_test!(a_strangers_wrong_passwords_do_not_lock_the_student_out);
async fn a_strangers_wrong_passwords_do_not_lock_the_student_out(b: TestAppBuilder) {
    // The README's deployment: a reverse proxy on this machine in front of Lectern.
    let app = b.env("LECTERN_TRUSTED_PROXIES", "127.0.0.1").start().await;
    let stranger = app.client().forwarded_for("203.0.113.66");
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(
            wrong_password(&stranger, &app.student.email)
                .await
                .status
                .as_u16(),
        );
    }
    // The stranger is slowed down after five guesses…
    assert_eq!(statuses[..5], [422; 5], "{statuses:?}");
    assert_eq!(statuses[5..], [429; 3], "{statuses:?}");
    // …and the student, on their own device behind the same proxy, signs in at once.
    let student = app.client().forwarded_for("198.51.100.7");
    student
        .signin(&app.student.email, &app.student.password)
        .await;
}

db_test!(signing_in_again_and_again_never_counts_against_the_student);
async fn signing_in_again_and_again_never_counts_against_the_student(app: TestApp) {
    // Every success used to count like a failure: the sixth sign-in in five minutes
    // was refused.
    let c = app.client();
    for _ in 0..8 {
        c.signin(&app.student.email, &app.student.password).await;
        c.signout().await.assert_redirect_to("/");
    }
    // A mistyped password after all that is just a mistyped password.
    wrong_password(&c, &app.student.email)
        .await
        .assert_status(422);
}

db_test!(a_guesser_waits_longer_after_each_failure_but_is_never_locked_out);
async fn a_guesser_waits_longer_after_each_failure_but_is_never_locked_out(app: TestApp) {
    // Waits are counted from the last failure: on a busy machine a second may pass between
    // two requests, so time moves only when the test says.
    app.db.clock.freeze();
    let c = app.client();
    for _ in 0..5 {
        wrong_password(&c, &app.student.email)
            .await
            .assert_status(422);
    }
    let r = wrong_password(&c, &app.student.email).await;
    r.assert_status(429);
    assert_eq!(r.header("retry-after"), Some("15"));
    assert!(
        r.texts("[role=alert]")
            .join("")
            .contains("Try again in 15 seconds"),
        "{}",
        r.text
    );
    assert_eq!(
        r.input("email").as_deref(),
        Some(app.student.email.as_str()),
        "the form comes back as typed"
    );
    // Even the right password waits (a guesser must not learn it early)…
    let right = [
        ("email", app.student.email.as_str()),
        ("password", app.student.password.as_str()),
    ];
    c.post_form("/signin", &right).await.assert_status(429);
    // …and refused attempts are not counted: once the wait is over (moved into the
    // past here), one more try is allowed, and its failure doubles the wait.
    let pass = |ms: i64| {
        let app = &app;
        async move { app.db.clock.advance(ms) }
    };
    pass(15_000).await;
    wrong_password(&c, &app.student.email)
        .await
        .assert_status(422);
    let r = wrong_password(&c, &app.student.email).await;
    r.assert_status(429);
    assert_eq!(r.header("retry-after"), Some("30"));
    pass(30_000).await;
    c.signin(&app.student.email, &app.student.password).await;
    // The success cleared the account's count from this client.
    c.signout().await;
    wrong_password(&c, &app.student.email)
        .await
        .assert_status(422);
}

db_test!(a_burst_of_parallel_guesses_gets_no_more_tries_than_a_sequence);
async fn a_burst_of_parallel_guesses_gets_no_more_tries_than_a_sequence(app: TestApp) {
    let c = app.client();
    c.get("/signin").await;
    let email = app.student.email.clone();
    let tries = (0..20).map(|_| {
        let (c, email) = (c.clone(), email.clone());
        async move { wrong_password(&c, &email).await.status.as_u16() }
    });
    let mut statuses = futures_util::future::join_all(tries).await;
    statuses.sort();
    assert_eq!(statuses[..5], [422; 5], "{statuses:?}");
    assert_eq!(statuses[5..], [429; 15], "{statuses:?}");
}

db_test!(a_client_cannot_pick_a_fresh_address_with_x_forwarded_for);
async fn a_client_cannot_pick_a_fresh_address_with_x_forwarded_for(b: TestAppBuilder) {
    // No proxy configured: whatever a client writes in X-Forwarded-For is ignored.
    let app = b.start().await;
    for i in 0..5 {
        let c = app.client().forwarded_for(&format!("198.51.100.{i}"));
        wrong_password(&c, &app.student.email)
            .await
            .assert_status(422);
    }
    let c = app.client().forwarded_for("198.51.100.99");
    wrong_password(&c, &app.student.email)
        .await
        .assert_status(429);

    // Behind a trusted proxy, only the address the proxy appended counts; what the
    // client wrote in front of it is not believed.
    let app = TestApp::builder(app.kind)
        .env("LECTERN_TRUSTED_PROXIES", "127.0.0.1")
        .start()
        .await;
    for i in 0..5 {
        let c = app
            .client()
            .forwarded_for(&format!("10.9.9.{i}, 203.0.113.66"));
        wrong_password(&c, &app.student.email)
            .await
            .assert_status(422);
    }
    let c = app.client().forwarded_for("10.9.9.99, 203.0.113.66");
    wrong_password(&c, &app.student.email)
        .await
        .assert_status(429);
}

db_test!(behind_the_proxy_a_client_trying_every_account_is_slowed_and_its_neighbours_are_not);
async fn behind_the_proxy_a_client_trying_every_account_is_slowed_and_its_neighbours_are_not(
    b: TestAppBuilder,
) {
    let app = b.env("LECTERN_TRUSTED_PROXIES", "127.0.0.1").start().await;
    let sprayer = app.client().forwarded_for("203.0.113.66");
    sprayer.get("/signin").await;
    for i in 0..50 {
        let email = format!("guess{i}@test.example");
        wrong_password(&sprayer, &email).await.assert_status(422);
    }
    // One password per account, but fifty accounts: the address is slowed down…
    wrong_password(&sprayer, "guess50@test.example")
        .await
        .assert_status(429);
    // …and so are the accounts it never tried from there.
    wrong_password(&sprayer, &app.admin.email)
        .await
        .assert_status(429);
    // Another client behind the same proxy is not.
    let neighbour = app.client().forwarded_for("198.51.100.7");
    wrong_password(&neighbour, "guess0@test.example")
        .await
        .assert_status(422);
    neighbour
        .signin(&app.student.email, &app.student.password)
        .await;
}

db_test!(a_strangers_reset_requests_neither_block_nor_flood_the_students_own);
async fn a_strangers_reset_requests_neither_block_nor_flood_the_students_own(b: TestAppBuilder) {
    let app = b.env("LECTERN_TRUSTED_PROXIES", "127.0.0.1").start().await;
    let forgot = |c: TestClient, email: String| async move {
        c.post_form("/password/forgot", &[("email", &email)]).await
    };
    let email = app.student.email.clone();
    // One stranger asks three times, then must wait.
    let stranger = app.client().forwarded_for("203.0.113.66");
    for _ in 0..3 {
        forgot(stranger.clone(), email.clone())
            .await
            .assert_status(200);
    }
    let r = forgot(stranger.clone(), email.clone()).await;
    r.assert_status(429);
    assert!(r.header("retry-after").is_some());
    // Another stranger still gets the usual answer, but no more mail goes out.
    let other = app.client().forwarded_for("203.0.113.67");
    for _ in 0..3 {
        forgot(other.clone(), email.clone())
            .await
            .assert_status(200);
    }
    // The student asks from their own device and is not refused; the page is the
    // same as for an address with no account.
    let student = app.client().forwarded_for("198.51.100.7");
    let mine = forgot(student.clone(), email.clone()).await;
    mine.assert_status(200);
    let nobody = forgot(student.clone(), "nobody@test.example".into()).await;
    nobody.assert_status(200);
    assert_eq!(
        mine.texts("main"),
        nobody
            .texts("main")
            .into_iter()
            .map(|t| t.replace("nobody@test.example", &email))
            .collect::<Vec<_>>()
    );
    // Their inbox got three links, and those still work: enough to reset with.
    let mails: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM emails WHERE to_addr = $1")
        .bind(&email)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(mails, 3);
    let usable: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM password_resets WHERE user_id = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(app.student.id)
    .bind(lectern::db::now_ms())
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(usable, 3);
}

db_test!(free_text_has_a_length_limit_counted_in_characters);
async fn free_text_has_a_length_limit_counted_in_characters(app: TestApp) {
    let signup = |name: String, email: &'static str| {
        let c = app.client();
        async move {
            let r = c
                .post_form(
                    "/signup",
                    &[
                        ("display_name", name.as_str()),
                        ("email", email),
                        ("password", "a long enough password"),
                        ("timezone", "UTC"),
                    ],
                )
                .await;
            (c, r)
        }
    };
    // A name of a thousand characters made every page that shows it a wall of text.
    let (_, r) = signup("N".repeat(101), "long@test.example").await;
    r.assert_status(422);
    assert_eq!(r.texts(".field-error"), ["Use at most 100 characters."]);
    assert_eq!(r.input("email").as_deref(), Some("long@test.example"));
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE email_norm = $1")
        .bind("long@test.example")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
    // A hundred characters are fine, however many bytes they take.
    let (c, r) = signup("é".repeat(100), "accents@test.example").await;
    r.assert_redirect_to("/");
    assert_eq!(c.whoami().await, Some("é".repeat(100)));

    // The same on the profile…
    let s = app.signed_in(&app.student).await;
    let r = s
        .post_form(
            "/profile",
            &[
                ("display_name", &"N".repeat(101)),
                ("email", &app.student.email),
                ("timezone", "UTC"),
                ("language", ""),
            ],
        )
        .await;
    r.assert_status(422);
    assert_eq!(s.whoami().await.as_deref(), Some("Sam Student"));

    // …and on a course's description and a lesson's body, with what was typed kept.
    let t = app.signed_in(&app.instructor).await;
    let long_description = "d".repeat(20_001);
    let r = t
        .post_form(
            "/teach/courses/new",
            &[
                ("title", "Long"),
                ("description", &long_description),
                ("cover_url", ""),
            ],
        )
        .await;
    r.assert_status(422);
    assert_eq!(
        r.texts("#description-error"),
        ["Use at most 20000 characters."]
    );
    assert_eq!(r.input("title").as_deref(), Some("Long"));
    let r = t
        .post_form(
            "/teach/courses/new",
            &[
                ("title", "Long"),
                ("description", "Short."),
                ("cover_url", ""),
            ],
        )
        .await;
    r.assert_redirect_to("/teach/courses/");
    let course = r.location().unwrap().to_string();
    let r = t
        .post_form(
            &format!("{course}/lessons/new?kind=document"),
            &[("title", "Huge"), ("body", &"b".repeat(100_001))],
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.texts("#body-error"), ["Use at most 100000 characters."]);
    let lessons: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lessons")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(lessons, 0);
}

db_test!(a_control_character_in_a_typed_field_brings_the_form_back_with_the_field_marked);
async fn a_control_character_in_a_typed_field_brings_the_form_back_with_the_field_marked(
    app: TestApp,
) {
    let c = app.client();
    let r = c
        .post_form(
            "/signup",
            &[
                ("display_name", "Eve\0"),
                ("email", "eve@test.example"),
                ("password", "a long enough password"),
                ("timezone", "UTC"),
            ],
        )
        .await;
    r.assert_status(422);
    let errors = r.texts(".field-error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("control character"), "{errors:?}");
    assert_eq!(r.input("email").as_deref(), Some("eve@test.example"));

    let r = c
        .post_form("/password/forgot", &[("email", "eve\0@test.example")])
        .await;
    r.assert_status(422);
    assert!(
        r.texts(".field-error")
            .join("")
            .contains("control character")
    );

    let t = app.signed_in(&app.instructor).await;
    let r = t
        .post_form(
            "/teach/courses/new",
            &[
                ("title", "Colour \u{1b}[31mred"),
                ("description", "Kept."),
                ("cover_url", ""),
            ],
        )
        .await;
    r.assert_status(422);
    assert!(
        r.texts("#title-error")
            .join("")
            .contains("control character")
    );
    assert!(r.text.contains("Kept."));
}
/// The seconds a refused attempt was told to wait.
fn retry_after(r: &Resp) -> i64 {
    r.assert_status(429);
    r.header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("seconds")
}

/// `n` more students of the test school, named `pupil<i>@test.example`, with the test
/// student's password (its hash is copied: hashing dozens of passwords would take longer
/// than the test).
async fn classmates(app: &TestApp, n: usize) -> Vec<String> {
    let mut emails = Vec::with_capacity(n);
    for i in 0..n {
        let email = format!("pupil{i}@test.example");
        sqlx::query(
            "INSERT INTO users (school_id, email, email_norm, display_name, password_hash, role, timezone, created_at)
             SELECT school_id, $1, $1, $2, password_hash, role, timezone, created_at FROM users WHERE id = $3",
        )
        .bind(&email)
        .bind(format!("Pupil {i}"))
        .bind(app.student.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
        emails.push(email);
    }
    emails
}

/// Lets `ms` go by on the app's clock.
async fn time_passes(app: &TestApp, ms: i64) {
    app.db.clock.advance(ms);
}

/// Sorted statuses of `n` wrong passwords sent at once, the i-th for `email(i)` from
/// `client(i)`.
async fn parallel_wrong_passwords(
    n: usize,
    email: impl Fn(usize) -> String,
    client: impl Fn(usize) -> TestClient,
) -> Vec<u16> {
    let tries = (0..n).map(|i| {
        let (c, email) = (client(i), email(i));
        async move { wrong_password(&c, &email).await.status.as_u16() }
    });
    let mut statuses = futures_util::future::join_all(tries).await;
    statuses.sort();
    statuses
}

/// Every student in `class` signs in at once, each from their own browser, all behind
/// the school's one address; the statuses and where they were sent.
async fn class_signs_in(app: &TestApp, class: &[String]) -> Vec<(u16, Option<String>)> {
    let mut pupils = Vec::new();
    for email in class {
        let c = app.client().forwarded_for("198.51.100.7");
        let csrf = c.csrf_for("/signin").await;
        pupils.push((c, csrf, email.clone()));
    }
    let sign_ins = pupils.iter().map(|(c, csrf, email)| {
        let fields = [
            ("_csrf", csrf.as_str()),
            ("email", email.as_str()),
            ("password", app.student.password.as_str()),
        ];
        async move {
            let r = c.post_form_raw("/signin", &fields).await;
            (r.status.as_u16(), r.header("location").map(str::to_string))
        }
    });
    futures_util::future::join_all(sign_ins).await
}

db_test!(a_class_signing_in_at_once_behind_one_address_is_never_held_up);
async fn a_class_signing_in_at_once_behind_one_address_is_never_held_up(b: TestAppBuilder) {
    let app = b.env("LECTERN_TRUSTED_PROXIES", "127.0.0.1").start().await;
    let class = classmates(&app, 60).await;
    let all_in = |answers: &[(u16, Option<String>)]| {
        answers
            .iter()
            .all(|(status, to)| *status == 303 && to.as_deref() == Some("/"))
    };
    // Each sign-in in flight used to count against the school's address until its
    // password was checked: past fifty at once, right passwords were refused.
    let answers = class_signs_in(&app, &class).await;
    assert!(all_in(&answers), "{answers:?}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM sessions").await, 60);
    // The same after a morning of typos from the school's address, which leaves it
    // only a few free failures: the sign-ins in flight never use them up.
    let typist = app.client().forwarded_for("198.51.100.7");
    typist.get("/signin").await;
    let statuses = parallel_wrong_passwords(
        45,
        |i| format!("nobody{i}@test.example"),
        |_| typist.clone(),
    )
    .await;
    assert_eq!(statuses, [422; 45]);
    let answers = class_signs_in(&app, &class).await;
    assert!(all_in(&answers), "{answers:?}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM sessions").await, 120);
}

db_test!(parallel_guesses_get_no_more_tries_than_sequential_ones_from_one_address_or_many);
async fn parallel_guesses_get_no_more_tries_than_sequential_ones_from_one_address_or_many(
    b: TestAppBuilder,
) {
    let app = b.env("LECTERN_TRUSTED_PROXIES", "127.0.0.1").start().await;
    let email = app.student.email.clone();
    // One address, more guesses at once than its own fifty free failures: the
    // account's five from that address are all it gets.
    let statuses = parallel_wrong_passwords(
        60,
        |_| email.clone(),
        |_| app.client().forwarded_for("203.0.113.66"),
    )
    .await;
    assert_eq!(statuses[..5], [422; 5], "{statuses:?}");
    assert_eq!(statuses[5..], [429; 55], "{statuses:?}");
    // Thirty addresses at once, one guess each: the account's twenty free failures
    // (five already spent) are all they get together.
    let statuses = parallel_wrong_passwords(
        30,
        |_| email.clone(),
        |i| app.client().forwarded_for(&format!("198.51.100.{i}")),
    )
    .await;
    assert_eq!(statuses[..15], [422; 15], "{statuses:?}");
    assert_eq!(statuses[15..], [429; 15], "{statuses:?}");
}

db_test!(guesses_from_many_addresses_are_slowed_and_the_owner_waits_a_minute_at_most);
async fn guesses_from_many_addresses_are_slowed_and_the_owner_waits_a_minute_at_most(
    b: TestAppBuilder,
) {
    let app = b.env("LECTERN_TRUSTED_PROXIES", "127.0.0.1").start().await;
    // Waits count from the last failure: time moves only when the test says.
    app.db.clock.freeze();
    let email = app.student.email.clone();
    // The student has signed in from home before.
    let home = app.client().forwarded_for("192.0.2.10");
    home.signin(&email, &app.student.password).await;
    home.signout().await;
    // Strangers guess once each, each from a new address: twenty are tried…
    let mut address = 0;
    let mut stranger = || {
        address += 1;
        app.client().forwarded_for(&format!("203.0.113.{address}"))
    };
    for _ in 0..20 {
        wrong_password(&stranger(), &email).await.assert_status(422);
    }
    // …then every further one waits, though its address never guessed before: 5 s,
    // doubling up to a minute (counted from the last failure, so a slow machine may
    // see a second less).
    for wait in [5, 10, 20, 40, 60, 60, 60] {
        let r = wrong_password(&stranger(), &email).await;
        assert!((wait - 1..=wait).contains(&retry_after(&r)), "{wait}");
        time_passes(&app, wait * 1000).await;
        wrong_password(&stranger(), &email).await.assert_status(422);
    }
    // The student at home, where they signed in before, is not held at all.
    home.signin(&email, &app.student.password).await;
    // On a phone they never signed in from, they wait like anyone, a minute at most…
    let phone = app.client().forwarded_for("198.51.100.200");
    let right = [
        ("email", email.as_str()),
        ("password", app.student.password.as_str()),
    ];
    let r = phone.post_form("/signin", &right).await;
    assert!((59..=60).contains(&retry_after(&r)));
    // …and then sign in.
    time_passes(&app, 60_000).await;
    phone.signin(&email, &app.student.password).await;
    // Their success forgot none of the strangers' failures.
    wrong_password(&stranger(), &email).await.assert_status(422);
    let r = wrong_password(&stranger(), &email).await;
    assert!((59..=60).contains(&retry_after(&r)));
}

db_test!(a_troublemaker_holds_the_class_behind_their_address_up_for_a_minute_at_most);
async fn a_troublemaker_holds_the_class_behind_their_address_up_for_a_minute_at_most(
    b: TestAppBuilder,
) {
    let app = b.env("LECTERN_TRUSTED_PROXIES", "127.0.0.1").start().await;
    // Waits count from the last failure: time moves only when the test says.
    app.db.clock.freeze();
    let class = classmates(&app, 1).await;
    let troublemaker = app.client().forwarded_for("198.51.100.7");
    // One CSRF cookie for all the requests at once.
    troublemaker.get("/signin").await;
    // One wrong password each for fifty accounts: the address's free failures.
    let statuses = parallel_wrong_passwords(
        50,
        |i| format!("nobody{i}@test.example"),
        |_| troublemaker.clone(),
    )
    .await;
    assert_eq!(statuses, [422; 50]);
    let r = wrong_password(&troublemaker, "nobody50@test.example").await;
    assert!((14..=15).contains(&retry_after(&r)));
    // However many failures the address piled up (as in a long night of guessing,
    // made short here), a classmate behind it waits a minute at most…
    sqlx::query(
        "UPDATE throttles SET failures = failures + 1000 WHERE bucket LIKE 'signin-client:%'",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let pupil = app.client().forwarded_for("198.51.100.7");
    let right = [
        ("email", class[0].as_str()),
        ("password", app.student.password.as_str()),
    ];
    let r = pupil.post_form("/signin", &right).await;
    assert!((50..=60).contains(&retry_after(&r)));
    // …and then signs in.
    time_passes(&app, 60_000).await;
    pupil.signin(&class[0], &app.student.password).await;
    // The troublemaker's next failure counts on what the minute's quiet left (two
    // forgotten), the sign-in on nothing.
    wrong_password(&troublemaker, "nobody51@test.example")
        .await
        .assert_status(422);
    let failures = app
        .scalar("SELECT failures FROM throttles WHERE bucket = 'signin-client:198.51.100.7'")
        .await;
    assert_eq!(failures, 50 + 1000 - 2 + 1);
}

db_test!(attempts_taken_back_in_any_order_leave_only_the_failures);
async fn attempts_taken_back_in_any_order_leave_only_the_failures(app: TestApp) {
    use lectern::accounts::rate_limit;
    // Three attempts on one account in flight at once, from three addresses: the
    // account-wide key counts all three until each is settled.
    let mut attempts = Vec::new();
    for client in ["192.0.2.1", "192.0.2.2", "192.0.2.3"] {
        let a = rate_limit::sign_in(&app.db, app.school.id, "pupil@test.example", client)
            .await
            .unwrap()
            .expect("not held");
        attempts.push(a);
    }
    let account = "SELECT failures FROM throttles WHERE bucket LIKE 'signin-account:%'";
    assert_eq!(app.scalar(account).await, 3);
    // Settled out of order, after other claims changed the row.
    let (third, second, first) = (
        attempts.pop().unwrap(),
        attempts.pop().unwrap(),
        attempts.pop().unwrap(),
    );
    first.succeeded(&app.db).await.unwrap();
    third.failed(&app.db).await.unwrap();
    second.succeeded(&app.db).await.unwrap();
    assert_eq!(app.scalar(account).await, 1, "the one failure");
}

db_test!(a_new_user_is_welcomed_once_on_the_page_they_land_on);
async fn a_new_user_is_welcomed_once_on_the_page_they_land_on(app: TestApp) {
    let c = app.client();
    let r = c
        .post_form(
            "/signup",
            &[
                ("display_name", "Wendy Welcome"),
                ("email", "wendy@example.org"),
                ("password", "long enough password"),
            ],
        )
        .await;
    r.assert_redirect_to("/");
    let home = c.get("/").await;
    home.assert_status(200);
    let notice = home.texts("#welcome").concat();
    assert!(notice.contains("Welcome, Wendy Welcome!"), "{notice}");
    assert!(notice.contains("Pick a course"), "{notice}");
    assert_eq!(
        home.attr("#welcome-my-courses", "href").as_deref(),
        Some("/my/courses")
    );
    // Once: the next visit has no notice.
    let again = c.get("/").await;
    again.assert_status(200);
    assert!(again.texts("#welcome").is_empty(), "shown twice");
    // Signing in is no sign-up: no welcome.
    let s = app.signed_in(&app.student).await;
    assert!(s.get("/").await.texts("#welcome").is_empty());
}
