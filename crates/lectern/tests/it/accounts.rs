//! Sign-up, sign-in, sign-out, sessions, password reset, rate limits and the profile.

use std::time::Duration;

use crate::support::TestClient;

db_test!(signup_creates_a_student_and_signs_in, |app| async move {
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
});

db_test!(signup_validation_keeps_input, |app| async move {
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
});

db_test!(signup_refused_when_school_disables_it, |app| async move {
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
});

db_test!(
    signin_rotates_the_session_and_signout_ends_it,
    |app| async move {
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
);

db_test!(wrong_password_shows_the_form_again, |app| async move {
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
});

db_test!(signin_next_never_leaves_the_site, |app| async move {
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
});

db_test!(sixth_wrong_signin_is_rate_limited, |app| async move {
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
});

db_test!(
    profile_invalid_timezone_is_inline_and_keeps_input,
    |app| async move {
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
);

db_test!(
    language_comes_from_accept_language_then_profile,
    |app| async move {
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
);

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

db_test!(
    password_reset_by_email_link,
    builder
        | b
        | async move {
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
);

db_test!(
    password_reset_link_expires_after_an_hour,
    builder
        | b
        | async move {
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
);

db_test!(
    password_reset_for_unknown_email_looks_the_same,
    builder
        | b
        | async move {
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
);

db_test!(
    outbox_lists_the_reset_email_without_smtp,
    |app| async move {
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
        let body = r.texts(".email-body").join("\n");
        assert!(body.contains("/password/reset/"), "{body}");
        // Students may not read it.
        let s = app.signed_in(&app.student).await;
        s.get("/admin/outbox").await.assert_status(403);
    }
);

db_test!(
    a_signin_link_with_a_tab_or_newline_in_next_keeps_the_victim_on_the_site,
    |app| async move {
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
);

db_test!(
    an_anonymous_sign_in_with_a_nul_byte_gets_a_clear_error_not_a_500,
    |app| async move {
        // PostgreSQL refuses NUL in text: the sign-in form used to answer 500 to anyone.
        let c = app.client();
        for (field, email, password) in [
            ("email", "stu\0dent@test.example", "whatever-password"),
            ("password", app.student.email.as_str(), "pass\0word"),
        ] {
            let r = c
                .post_form("/signin", &[("email", email), ("password", password)])
                .await;
            assert_eq!(r.status, 400, "{field}: {}", r.text);
            assert!(
                r.text
                    .contains(&format!("The field “{field}” contains a control character")),
                "{}",
                r.text
            );
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
        assert_eq!(r.status, 400, "{}", r.text);
        let name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
            .bind(app.student.id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(name, app.student.name);
        // Ordinary text with line breaks and tabs is still fine.
        s.get("/profile").await.assert_status(200);
    }
);
