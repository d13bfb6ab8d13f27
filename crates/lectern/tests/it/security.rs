//! CSRF, roles, and isolation between schools.

use lectern::accounts::Role;

db_test!(
    post_without_or_with_wrong_csrf_token_is_403,
    |app| async move {
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
);

db_test!(first_post_without_csrf_cookie_is_403, |app| async move {
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
});

db_test!(
    admin_pages_are_403_for_students_and_instructors,
    |app| async move {
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
);

db_test!(schools_are_isolated_by_host, |app| async move {
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
});

db_test!(cookies_are_httponly_and_samesite, |app| async move {
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
});

db_test!(
    https_base_url_uses_secure_host_prefixed_cookies,
    builder
        | b
        | async move {
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
);
