//! Tenants are walls: which hosts a school may claim, when a
//! claim starts to route, and that every link a school sends opens that school.

use std::time::Duration;

use lectern::schools::domains;

use crate::support::zoom::ZoomFixture;
use crate::support::{TestApp, TestAppBuilder, TestClient, TestUser};

/// The school a host serves, as the header of its home page names it.
async fn school_name_at(c: &TestClient) -> String {
    c.get("/").await.texts("header .brand span").join("")
}

/// `user`'s right password is wrong here: this host is not their school's.
async fn refused_sign_in(c: &TestClient, user: &TestUser) {
    let r = c
        .post_form(
            "/signin",
            &[("email", &user.email), ("password", &user.password)],
        )
        .await;
    r.assert_status(422);
    assert_eq!(c.whoami().await, None);
}

/// The base URL's host as a browser on another school's domain would type it.
fn base_host(app: &TestApp) -> String {
    app.base_url.trim_start_matches("http://").to_string()
}

db_test!(a_second_schools_admin_claims_the_platforms_host_and_is_refused);
async fn a_second_schools_admin_claims_the_platforms_host_and_is_refused(app: TestApp) {
    let other = app.other_school().await;
    let admin = other.signed_in(&other.admin).await;
    let base = base_host(&app);
    let base_name = base.split(':').next().unwrap().to_string();
    for host in [
        base.as_str(),
        base_name.as_str(),
        "localhost",
        "LocalHost:8080",
        "app.localhost",
        "127.1",
        "2130706433",
        "0x7f.0.0.1",
        "10.1.2.3",
    ] {
        let r = admin
            .post_form("/admin/school/domains", &[("host", host)])
            .await;
        r.assert_status(422);
        assert!(
            r.text.contains("belongs to the platform itself"),
            "{host}: {}",
            r.text
        );
        assert_eq!(
            r.attr("#domain-host", "value").as_deref(),
            Some(host),
            "what was typed stays"
        );
    }
    // The platform's address still serves the default school, and its users sign in
    // there; the other school's student does not.
    let visitor = app.client();
    assert_eq!(school_name_at(&visitor).await, "Test School");
    let c = app.client();
    c.signin(&app.student.email, &app.student.password).await;
    assert_eq!(c.whoami().await.as_deref(), Some(app.student.name.as_str()));
    refused_sign_in(&app.client(), &other.student).await;
    let claimed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM school_domains WHERE school_id = $1 AND host <> 'other.test'",
    )
    .bind(other.school.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(claimed, 0, "nothing was stored");
}

db_test!(a_domain_an_admin_adds_routes_only_after_the_operator_approves_it);
async fn a_domain_an_admin_adds_routes_only_after_the_operator_approves_it(app: TestApp) {
    let other = app.other_school().await;
    let admin = other.signed_in(&other.admin).await;
    admin
        .post_form("/admin/school/domains", &[("host", "Learn.Other.Example")])
        .await
        .assert_redirect_to("/admin/school");
    let settings = admin.get("/admin/school").await;
    assert_eq!(
        settings.attr("li[data-domain='learn.other.example']", "data-verified"),
        Some("false".into())
    );
    assert!(settings.text.contains("waiting for approval"));
    // Claimed, not proven: the host is not the other school's yet.
    let there = TestClient::on_host(app.addr, "learn.other.example");
    assert_eq!(school_name_at(&there).await, "Test School");
    refused_sign_in(&there, &other.student).await;

    // A domain another school answers to can't be claimed by a second one.
    let default_admin = app.signed_in(&app.admin).await;
    for host in ["learn.other.example", "other.test"] {
        let r = default_admin
            .post_form("/admin/school/domains", &[("host", host)])
            .await;
        r.assert_status(422);
        assert!(r.text.contains("already in use"), "{}", r.text);
    }

    // The operator approves it for the school that claimed it: now it routes. Named
    // for the wrong school, nothing changes.
    use domains::Approval;
    let approve = |school_id| domains::approve(&app.db, "learn.other.example", school_id);
    assert_eq!(approve(app.school.id).await.unwrap(), Approval::OtherSchool);
    app.state.schools.clear();
    assert_eq!(school_name_at(&there).await, "Test School");
    assert_eq!(approve(other.school.id).await.unwrap(), Approval::Approved);
    assert_eq!(
        approve(other.school.id).await.unwrap(),
        Approval::AlreadyActive
    );
    app.state.schools.clear();
    assert_eq!(school_name_at(&there).await, "Other School");
    there
        .signin(&other.student.email, &other.student.password)
        .await;
    assert_eq!(
        there.whoami().await.as_deref(),
        Some(other.student.name.as_str())
    );
    assert_eq!(
        domains::approve(&app.db, "nobody.example", other.school.id)
            .await
            .unwrap(),
        Approval::NotClaimed
    );
}

db_test!(the_base_urls_host_is_the_default_schools_from_the_start_and_taken_back_from_a_squatter);
async fn the_base_urls_host_is_the_default_schools_from_the_start_and_taken_back_from_a_squatter(
    app: TestApp,
) {
    let listed = app.signed_in(&app.admin).await.get("/admin/school").await;
    assert_eq!(
        listed.attr("li[data-domain='127.0.0.1']", "data-verified"),
        Some("true".into()),
        "the default school's host is registered at start"
    );
    // A claim made under the old rules (the base host and localhost, approved) is
    // taken back when an instance starts, and the platform's address serves the
    // default school again.
    let other = app.other_school().await;
    sqlx::query("UPDATE school_domains SET school_id = $1 WHERE host = '127.0.0.1'")
        .bind(other.school.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO school_domains (school_id, host, created_at, verified_at) VALUES ($1, 'localhost', 0, 0)",
    )
    .bind(other.school.id)
    .execute(&app.db.pool)
    .await
    .unwrap();
    app.state.schools.clear();
    assert_eq!(school_name_at(&app.client()).await, "Other School");
    domains::secure_reserved_hosts(&app.db, &app.state.config.base_url)
        .await
        .unwrap();
    app.state.schools.clear();
    assert_eq!(school_name_at(&app.client()).await, "Test School");
    let left: Vec<String> =
        sqlx::query_scalar("SELECT host FROM school_domains WHERE school_id = $1")
            .bind(other.school.id)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(left, vec!["other.test".to_string()]);
}

db_test!(a_second_schools_reset_link_and_calendar_feed_open_that_school);
async fn a_second_schools_reset_link_and_calendar_feed_open_that_school(b: TestAppBuilder) {
    let app = b.with_smtp().start().await;
    let other = app.other_school().await;
    let c = other.client();
    c.post_form("/password/forgot", &[("email", &other.student.email)])
        .await
        .assert_status(200);
    assert!(app.drain_jobs().await >= 1);
    let sink = app.smtp.as_ref().unwrap();
    let mail = sink.wait_for(1, Duration::from_secs(10)).await[0].parse();
    let link = mail.link_containing("/password/reset/").expect("a link");
    assert!(
        link.starts_with(&format!("{}/password/reset/", other.base_url())),
        "the link opens the student's own school: {link}"
    );
    let page = c.get(&link).await;
    page.assert_status(200);
    assert!(
        page.attr("input[name='password']", "type").is_some(),
        "{}",
        page.text
    );

    let s = other.signed_in(&other.student).await;
    s.post_form("/my/calendar/reset", &[])
        .await
        .assert_redirect_to("/my/courses");
    let feed = s
        .get("/my/courses")
        .await
        .attr("#calendar-feed-url", "value")
        .expect("feed url");
    assert!(
        feed.starts_with(&format!("{}/calendar/", other.base_url())),
        "{feed}"
    );
    let r = other.client().get(&feed).await;
    r.assert_status(200);
    assert!(r.text.starts_with("BEGIN:VCALENDAR"));
}

db_test!(a_second_schools_admin_connects_zoom_through_the_one_registered_callback);
async fn a_second_schools_admin_connects_zoom_through_the_one_registered_callback(
    b: TestAppBuilder,
) {
    let zoom = ZoomFixture::start().await;
    let app = zoom.configure(b).start().await;
    // Zoom knows one redirect URL: the base URL's.
    zoom.register(&app, None);
    let other = app.other_school().await;
    let admin = other.signed_in(&other.admin).await;
    let back = zoom.authorize(&admin, "school").await;
    assert!(back.starts_with(&app.base_url), "{back}");
    // The browser lands on the platform's host, where it has no session; it is
    // sent on to its own school's host with the same code and state.
    let hop = admin.get(&back).await;
    hop.assert_status(303);
    let to = hop.location().expect("forwarded").to_string();
    assert!(
        to.starts_with(&format!("{}/integrations/zoom/callback?", other.base_url())),
        "{to}"
    );
    let page = admin.get(&to).await;
    page.assert_status(200);
    assert!(page.text.contains("Zoom is connected"), "{}", page.text);
    let connected: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM zoom_connections WHERE school_id = $1")
            .bind(other.school.id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(connected, 1);
    let none: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM zoom_connections WHERE school_id = $1")
            .bind(app.school.id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(none, 0, "nothing landed on the default school");
    // A spent or forged state is not forwarded anywhere.
    let again = admin.get(&back).await;
    assert!(
        !again
            .location()
            .unwrap_or_default()
            .starts_with(&other.base_url()),
        "{:?}",
        again.location()
    );
}

db_test!(a_school_name_of_a_thousand_characters_is_a_field_error_and_changes_nothing);
async fn a_school_name_of_a_thousand_characters_is_a_field_error_and_changes_nothing(app: TestApp) {
    let admin = app.signed_in(&app.admin).await;
    let long = "Ä".repeat(201);
    let r = admin
        .post_form(
            "/admin/school",
            &[
                ("display_name", long.as_str()),
                ("primary_color", "#123456"),
                ("default_timezone", "UTC"),
                ("signup_open", "on"),
            ],
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.texts(".field-error").len(), 1, "{}", r.text);
    assert!(r.text.contains("200"), "the limit is named: {}", r.text);
    // A control character is a field error on the form, with the rest kept.
    let r = admin
        .post_form(
            "/admin/school",
            &[
                ("display_name", "Bell\u{7} School"),
                ("primary_color", "#123456"),
                ("default_timezone", "UTC"),
                ("signup_open", "on"),
            ],
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.texts(".field-error").len(), 1, "{}", r.text);
    assert_eq!(r.input("primary_color").as_deref(), Some("#123456"));
    // 200 characters (400 bytes) are fine: counted in characters, not bytes.
    let fits = "Ä".repeat(200);
    admin
        .post_form(
            "/admin/school",
            &[
                ("display_name", fits.as_str()),
                ("primary_color", "#123456"),
                ("default_timezone", "UTC"),
                ("signup_open", "on"),
            ],
        )
        .await
        .assert_redirect_to("/admin/school");
}

db_test!(a_schools_admin_cannot_cut_the_school_off_by_removing_its_last_domain);
async fn a_schools_admin_cannot_cut_the_school_off_by_removing_its_last_domain(app: TestApp) {
    let other = app.other_school().await;
    let admin = other.signed_in(&other.admin).await;
    let r = admin
        .post_form("/admin/school/domains/remove", &[("host", "other.test")])
        .await;
    r.assert_status(422);
    assert!(r.text.contains("only active domain"), "{}", r.text);
    assert_eq!(school_name_at(&other.client()).await, "Other School");
    // A pending claim goes without fuss.
    admin
        .post_form("/admin/school/domains", &[("host", "learn.other.example")])
        .await
        .assert_redirect_to("/admin/school");
    admin
        .post_form(
            "/admin/school/domains/remove",
            &[("host", "learn.other.example")],
        )
        .await
        .assert_redirect_to("/admin/school");
    // The platform's own host stays the default school's.
    let r = app
        .signed_in(&app.admin)
        .await
        .post_form("/admin/school/domains/remove", &[("host", "127.0.0.1")])
        .await;
    r.assert_status(422);
    assert!(
        r.text.contains("own address; it always serves this school"),
        "{}",
        r.text
    );
}
