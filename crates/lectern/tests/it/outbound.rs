//! Outgoing webhooks (`outbound/`): an admin registers an endpoint (its secret shown
//! once), an enrolment reaches a receiver on 127.0.0.1 once, signed — the signature
//! checked here with `hmac`/`sha2` directly, not the app's function —; a receiver that
//! answers 500 gets the event again later; a delivery can be resent from the log; an
//! endpoint that keeps failing is disabled with one mail to the admins; private and
//! loopback addresses are refused without the admin's explicit choice, at registration
//! and at delivery; bad input is a form error; other schools and non-admins see nothing.
//! Every event end to end: an issued certificate with its serial, an order paid through
//! payments-sim, and a live session that ended because nobody started it (`"expired"`).

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use lectern::db::{CourseId, SchoolId, now_ms};

use crate::support::courses::{
    document_course, enroll, enrolled_student, new_course, taught_course,
};
use crate::support::{TestApp, TestAppBuilder, TestClient, eventually};

const PAGE: &str = "/admin/webhooks";
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Got {
    headers: HeaderMap,
    body: String,
}

/// A receiver on 127.0.0.1: records every POST and answers with the next status of
/// `script` (200 once it is empty, or `fallback` when set).
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Got>>>,
    script: Arc<Mutex<Vec<u16>>>,
    fallback: Arc<Mutex<Option<u16>>>,
}

impl Receiver {
    async fn start() -> (String, Receiver) {
        let r = Receiver::default();
        let state = r.clone();
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: String| {
            let state = state.clone();
            async move {
                state.got.lock().unwrap().push(Got { headers, body });
                let mut script = state.script.lock().unwrap();
                let status = if script.is_empty() {
                    state.fallback.lock().unwrap().unwrap_or(200)
                } else {
                    script.remove(0)
                };
                (StatusCode::from_u16(status).unwrap(), "received, thanks")
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        (format!("http://{addr}/hooks/lectern"), r)
    }

    fn got(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }
}

/// The signature as a receiver would check it, written from docs/api.md alone.
fn verify(secret: &str, got: &Got) -> serde_json::Value {
    let ts = got.headers["lectern-webhook-timestamp"].to_str().unwrap();
    let sig = got.headers["lectern-webhook-signature"].to_str().unwrap();
    let hex_sig = sig.strip_prefix("v1=").expect("v1= scheme");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.{}", got.body).as_bytes());
    mac.verify_slice(&hex::decode(hex_sig).unwrap())
        .expect("the signature verifies with the endpoint's secret");
    let v: serde_json::Value = serde_json::from_str(&got.body).unwrap();
    assert_eq!(
        got.headers["lectern-webhook-id"].to_str().unwrap(),
        v["id"].as_str().unwrap()
    );
    assert_eq!(got.headers["content-type"], "application/json");
    v
}

/// Registers an endpoint for `events` through the form; returns its id and secret.
async fn register(admin: &TestClient, url: &str, events: &[&str], private: bool) -> (i64, String) {
    let mut fields: Vec<(&str, &str)> = vec![("url", url)];
    for e in events {
        fields.push(("event", e));
    }
    if private {
        fields.push(("allow_private", "1"));
    }
    // Redirected to the endpoint's page (a reload registers nothing twice), which shows
    // the secret.
    let made = admin.post_form(PAGE, &fields).await;
    made.assert_redirect_to(&format!("{PAGE}/"));
    assert!(!made.text.contains("whsec_"));
    let at = made.header("location").unwrap().to_string();
    let page = admin.get(&at).await;
    page.assert_status(200);
    let secret = page
        .texts("#endpoint-secret")
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no secret shown: {}", page.text));
    assert!(secret.starts_with("whsec_"), "{secret}");
    let id: i64 = page
        .attr("#outbound-edit", "action")
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(at, format!("{PAGE}/{id}"));
    (id, secret)
}

/// The endpoint's signing secret as stored (sealed).
async fn sealed(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT secret_sealed FROM outbound_endpoints WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn delivery_row(app: &TestApp, endpoint: i64) -> (i64, String, i64, Option<i64>) {
    sqlx::query_as(
        "SELECT id, state, attempts, last_status FROM outbound_deliveries WHERE endpoint_id = $1 ORDER BY id DESC",
    )
    .bind(endpoint)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

db_test!(an_enrolment_reaches_the_receiver_once_signed_with_the_secret_shown_once);
async fn an_enrolment_reaches_the_receiver_once_signed_with_the_secret_shown_once(app: TestApp) {
    let (url, rx) = Receiver::start().await;
    let admin = app.signed_in(&app.admin).await;
    let list = admin.get(PAGE).await;
    list.assert_status(200);
    assert!(!list.texts("#outbound-none").is_empty());
    assert!(
        admin
            .get("/admin/jobs")
            .await
            .text
            .contains("/admin/webhooks"),
        "the admin nav links the page"
    );
    let (id, secret) = register(&admin, &url, &["enrolment.created"], true).await;

    // Shown once: not on the page again, not in the list, not stored in the clear.
    let page = admin.get(&format!("{PAGE}/{id}")).await;
    page.assert_status(200);
    assert!(!page.text.contains(&secret));
    assert!(!admin.get(PAGE).await.text.contains(&secret));
    let stored: String =
        sqlx::query_scalar("SELECT secret_sealed FROM outbound_endpoints WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(!stored.contains(&secret) && !stored.contains(&secret["whsec_".len()..]));

    let (_, course, _) = taught_course(&app, "Hooks 101").await;
    enroll(&app, course, app.student.id).await;
    // Enrolled twice is one enrolment, one event.
    enroll(&app, course, app.student.id).await;
    app.drain_jobs().await;
    app.drain_jobs().await;
    let got = rx.got();
    assert_eq!(got.len(), 1, "{got:?}");
    let v = verify(&secret, &got[0]);
    assert_eq!(v["type"], "enrolment.created");
    assert_eq!(v["school_id"], app.school.id);
    assert_eq!(v["data"]["course_id"], course);
    assert_eq!(v["data"]["user_id"], app.student.id);
    assert!(v["created_at"].as_str().unwrap().ends_with('Z'));
    // A signature made with another secret does not verify.
    let forged = Got {
        body: got[0].body.replace("enrolment", "Enrolment"),
        ..got[0].clone()
    };
    assert!(
        std::panic::catch_unwind(|| verify(&secret, &forged)).is_err(),
        "a changed body must fail verification"
    );
    let (_, state, attempts, status) = delivery_row(&app, id).await;
    assert_eq!(
        (state.as_str(), attempts, status),
        ("delivered", 1, Some(200))
    );
    let page = admin.get(&format!("{PAGE}/{id}")).await;
    assert_eq!(page.texts(".delivery-status"), vec!["200".to_string()]);
    assert!(page.text.contains("received, thanks"));
}

db_test!(completing_a_course_sends_lesson_and_course_completed_to_subscribers_only);
async fn completing_a_course_sends_lesson_and_course_completed_to_subscribers_only(app: TestApp) {
    let (url, rx) = Receiver::start().await;
    let (url2, rx2) = Receiver::start().await;
    let admin = app.signed_in(&app.admin).await;
    let (_, secret) = register(
        &admin,
        &url,
        &["lesson.completed", "course.completed"],
        true,
    )
    .await;
    register(&admin, &url2, &["order.paid"], true).await;
    let reading = document_course(&app, "Reading", "Read me").await;
    let doc = reading.doc;
    let student = app.signed_in(&app.student).await;
    reading.enrol(&student).await;
    reading.complete(&student).await;
    app.drain_jobs().await;
    let mut types: Vec<String> = rx
        .got()
        .iter()
        .map(|g| verify(&secret, g)["type"].as_str().unwrap().to_string())
        .collect();
    types.sort();
    assert_eq!(types, vec!["course.completed", "lesson.completed"]);
    let lesson = rx
        .got()
        .into_iter()
        .map(|g| verify(&secret, &g))
        .find(|v| v["type"] == "lesson.completed")
        .unwrap();
    assert_eq!(lesson["data"]["lesson_id"], doc);
    assert_eq!(lesson["data"]["user_id"], app.student.id);
    assert!(rx2.got().is_empty(), "an endpoint gets only its events");
}

db_test!(a_failing_receiver_gets_the_event_again_later_and_a_delivery_can_be_resent);
async fn a_failing_receiver_gets_the_event_again_later_and_a_delivery_can_be_resent(app: TestApp) {
    let (url, rx) = Receiver::start().await;
    rx.script.lock().unwrap().extend([500, 503]);
    let admin = app.signed_in(&app.admin).await;
    let (id, secret) = register(&admin, &url, &["enrolment.created"], true).await;
    let (_, course, _) = taught_course(&app, "Retry").await;
    enroll(&app, course, app.student.id).await;

    app.drain_jobs().await;
    assert_eq!(rx.got().len(), 1);
    let (delivery, state, attempts, status) = delivery_row(&app, id).await;
    assert_eq!(
        (state.as_str(), attempts, status),
        ("pending", 1, Some(500))
    );
    // Not again at once: the next attempt waits.
    app.drain_jobs().await;
    assert_eq!(rx.got().len(), 1);
    app.db.clock.advance(MINUTE + 1000);
    app.drain_jobs().await;
    assert_eq!(rx.got().len(), 2);
    app.db.clock.advance(5 * MINUTE + 1000);
    app.drain_jobs().await;
    let got = rx.got();
    assert_eq!(got.len(), 3);
    let (_, state, attempts, status) = delivery_row(&app, id).await;
    assert_eq!(
        (state.as_str(), attempts, status),
        ("delivered", 3, Some(200))
    );
    // The same event every time, each attempt signed.
    let ids: Vec<String> = got
        .iter()
        .map(|g| verify(&secret, g)["id"].as_str().unwrap().to_string())
        .collect();
    assert!(ids.iter().all(|i| i == &ids[0]), "{ids:?}");
    app.db.clock.advance(HOUR * 48);
    app.drain_jobs().await;
    assert_eq!(rx.got().len(), 3, "nothing more once delivered");

    // Resend from the log: the same event once more. Answered with the endpoint's page
    // by a redirect, its notice shown once.
    admin
        .post_form(&format!("{PAGE}/{id}/deliveries/{delivery}/resend"), &[])
        .await
        .assert_redirect_to(&format!("{PAGE}/{id}"));
    let page = admin.get(&format!("{PAGE}/{id}")).await;
    page.assert_status(200);
    assert!(!page.texts("#outbound-notice").is_empty());
    let page = admin.get(&format!("{PAGE}/{id}")).await;
    assert!(page.texts("#outbound-notice").is_empty(), "once");
    app.drain_jobs().await;
    let got = rx.got();
    assert_eq!(got.len(), 4);
    assert_eq!(verify(&secret, &got[3])["id"].as_str().unwrap(), ids[0]);
    let (_, state, attempts, _) = delivery_row(&app, id).await;
    assert_eq!((state.as_str(), attempts), ("delivered", 1));
}

db_test!(an_endpoint_that_keeps_failing_is_disabled_and_the_admins_told_once);
async fn an_endpoint_that_keeps_failing_is_disabled_and_the_admins_told_once(app: TestApp) {
    let (url, rx) = Receiver::start().await;
    *rx.fallback.lock().unwrap() = Some(500);
    let admin = app.signed_in(&app.admin).await;
    let (id, _) = register(&admin, &url, &["enrolment.created"], true).await;
    let (_, course, _) = taught_course(&app, "Failing").await;
    for i in 0..6 {
        enrolled_student(&app, course, &format!("s{i}@test.example"), "Student").await;
    }
    // Eight attempts each, the longest wait 10 h.
    for _ in 0..9 {
        app.drain_jobs().await;
        app.db.clock.advance(11 * HOUR);
    }
    app.drain_jobs().await;
    let (reason, failures): (Option<String>, i64) = sqlx::query_as(
        "SELECT disabled_reason, consecutive_failures FROM outbound_endpoints WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(reason.as_deref(), Some("failures"));
    assert!(failures >= 5, "{failures}");
    let mails: Vec<(String, String)> = sqlx::query_as(
        "SELECT to_addr, subject FROM emails WHERE subject LIKE 'Webhook endpoint disabled%'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].0, app.admin.email);
    assert!(mails[0].1.contains(&url));
    let requests = rx.got().len();
    assert!(requests >= 5 * 8, "{requests}");
    let page = admin.get(&format!("{PAGE}/{id}")).await;
    assert_eq!(
        page.attr("#endpoint-state", "data-enabled").as_deref(),
        Some("false")
    );

    // Disabled: a new enrolment records nothing and sends nothing.
    enrolled_student(&app, course, "late@test.example", "Late").await;
    app.drain_jobs().await;
    assert_eq!(rx.got().len(), requests);
    // Enabled again by the admin: events flow, and the failure count starts over.
    admin
        .post_form(&format!("{PAGE}/{id}/enable"), &[])
        .await
        .assert_status(303);
    *rx.fallback.lock().unwrap() = Some(204);
    enrolled_student(&app, course, "later@test.example", "Later").await;
    app.drain_jobs().await;
    assert_eq!(rx.got().len(), requests + 1);
    let (_, state, _, status) = delivery_row(&app, id).await;
    assert_eq!((state.as_str(), status), ("delivered", Some(204)));
}

db_test!(private_and_loopback_addresses_are_refused_unless_the_admin_allows_them);
async fn private_and_loopback_addresses_are_refused_unless_the_admin_allows_them(app: TestApp) {
    let admin = app.signed_in(&app.admin).await;
    for url in [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.9/hook",
        "https://192.168.0.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://localhost/hook",
        "https://localhost:8443/hook",
    ] {
        let page = admin
            .post_form(PAGE, &[("url", url), ("event", "enrolment.created")])
            .await;
        page.assert_status(422);
        let err = page.texts("#url-error");
        assert!(
            err.first().is_some_and(|e| e.contains("private, loopback")),
            "{url}: {err:?}"
        );
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbound_endpoints").await,
        0
    );

    // Ticked, the local receiver is accepted (plain http too) and delivered to.
    let (url, rx) = Receiver::start().await;
    let (id, _) = register(&admin, &url, &["enrolment.created"], true).await;
    assert!(
        !admin
            .get(&format!("{PAGE}/{id}"))
            .await
            .texts("#endpoint-private")
            .is_empty()
    );
    // The delivery checks again: with the choice gone (as if the stored row said so),
    // nothing is sent to the loopback address and the log says why.
    sqlx::query("UPDATE outbound_endpoints SET allow_private = 0 WHERE id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (_, course, _) = taught_course(&app, "Guarded").await;
    enroll(&app, course, app.student.id).await;
    app.drain_jobs().await;
    assert!(rx.got().is_empty(), "sent to a loopback receiver");
    let error: Option<String> =
        sqlx::query_scalar("SELECT last_error FROM outbound_deliveries WHERE endpoint_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("only https") || e.contains("private")),
        "{error:?}"
    );
}

/// A form's fields, the element that shows the error, and a part of its text.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

db_test!(bad_input_is_a_clear_form_error);
async fn bad_input_is_a_clear_form_error(app: TestApp) {
    let admin = app.signed_in(&app.admin).await;
    let cases: &[Case<'_>] = &[
        (
            &[("url", "not a url"), ("event", "order.paid")],
            "#url-error",
            "absolute URL",
        ),
        (
            &[("url", ""), ("event", "order.paid")],
            "#url-error",
            "absolute URL",
        ),
        (
            &[("url", "ftp://example.com/x"), ("event", "order.paid")],
            "#url-error",
            "absolute URL",
        ),
        (
            &[("url", "http://example.com/x"), ("event", "order.paid")],
            "#url-error",
            "Use https",
        ),
        (
            &[
                ("url", "https://me:pw@example.com/x"),
                ("event", "order.paid"),
            ],
            "#url-error",
            "password",
        ),
        (
            &[("url", "https://127.0.0.1/x")],
            "#events-error",
            "at least one event",
        ),
        (
            &[
                ("url", "https://127.0.0.1/x"),
                ("event", "enrolment.deleted"),
            ],
            "#events-error",
            "not known",
        ),
    ];
    for (fields, id, text) in cases {
        let page = admin.post_form(PAGE, fields).await;
        page.assert_status(422);
        let err = page.texts(id);
        assert!(
            err.first().is_some_and(|e| e.contains(text)),
            "{fields:?}: {id} {err:?}"
        );
    }
    // What was typed stays in the form.
    let page = admin
        .post_form(PAGE, &[("url", "not a url"), ("event", "order.paid")])
        .await;
    assert_eq!(
        page.attr("#outbound-url", "value").as_deref(),
        Some("not a url")
    );
    assert!(page.attr("input[value='order.paid']", "checked").is_some());
    // Its message says the whole rule: plain http is accepted too, with the box ticked.
    assert_eq!(
        page.texts("#url-error"),
        [
            "Enter an absolute URL starting with https:// (http:// only with “Allow private and loopback addresses” ticked)."
        ]
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbound_endpoints").await,
        0
    );

    // The edit form answers the same way and changes nothing.
    let (url, _rx) = Receiver::start().await;
    let (id, _) = register(&admin, &url, &["order.paid"], true).await;
    let page = admin
        .post_form(
            &format!("{PAGE}/{id}"),
            &[("url", &url), ("allow_private", "1")],
        )
        .await;
    page.assert_status(422);
    assert!(!page.texts("#events-error").is_empty());
    let page = admin
        .post_form(
            &format!("{PAGE}/{id}"),
            &[
                ("url", &url),
                ("allow_private", "1"),
                ("event", "order.paid"),
                ("event", "certificate.issued"),
            ],
        )
        .await;
    // Saved: answered with a redirect to the page, as adding and rotating are.
    page.assert_redirect_to(&format!("{PAGE}/{id}"));
    let events: String = sqlx::query_scalar("SELECT events FROM outbound_endpoints WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(events, "order.paid certificate.issued");
    // Another page id is a 404, not a 500.
    admin
        .get(&format!("{PAGE}/999999"))
        .await
        .assert_status(404);
    admin.get(&format!("{PAGE}/abc")).await.assert_status(400);
}

db_test!(other_schools_and_non_admins_cannot_reach_a_schools_endpoints);
async fn other_schools_and_non_admins_cannot_reach_a_schools_endpoints(app: TestApp) {
    let (url, rx) = Receiver::start().await;
    let admin = app.signed_in(&app.admin).await;
    let (id, secret) = register(&admin, &url, &["enrolment.created"], true).await;
    let (_, course, _) = taught_course(&app, "Walls").await;
    enroll(&app, course, app.student.id).await;
    app.drain_jobs().await;
    assert_eq!(rx.got().len(), 1);
    let (delivery, ..) = delivery_row(&app, id).await;

    let other = app.other_school().await;
    let theirs = other.signed_in(&other.admin).await;
    let list = theirs.get(PAGE).await;
    list.assert_status(200);
    assert!(!list.text.contains(&url));
    theirs.get(&format!("{PAGE}/{id}")).await.assert_status(404);
    let token = theirs.csrf_for(PAGE).await;
    for path in [
        format!("{PAGE}/{id}"),
        format!("{PAGE}/{id}/disable"),
        format!("{PAGE}/{id}/enable"),
        format!("{PAGE}/{id}/rotate"),
        format!("{PAGE}/{id}/delete"),
        format!("{PAGE}/{id}/deliveries/{delivery}/resend"),
    ] {
        let r = theirs
            .post_form_raw(
                &path,
                &[
                    ("_csrf", &token),
                    ("url", "https://1.1.1.1/x"),
                    ("event", "order.paid"),
                ],
            )
            .await;
        r.assert_status(404);
        assert!(
            !r.text.contains(&secret) && !r.text.contains("whsec_"),
            "{path}"
        );
    }
    // Their enrolments don't reach our endpoint either.
    let (their_course, _) = new_course(&other.signed_in(&other.instructor).await, "Theirs").await;
    lectern::courses::progress::enroll(
        &app.db,
        &*app.state.course_hooks,
        lectern::db::SchoolId(other.school.id),
        lectern::db::CourseId(their_course),
        lectern::db::UserId(other.student.id),
    )
    .await
    .unwrap();
    app.drain_jobs().await;
    assert_eq!(rx.got().len(), 1);
    // Our endpoint is untouched.
    let (enabled, url_now): (Option<i64>, String) =
        sqlx::query_as("SELECT disabled_at, url FROM outbound_endpoints WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((enabled, url_now.as_str()), (None, url.as_str()));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbound_deliveries").await,
        1
    );

    // Students and instructors of the school itself: no admin pages.
    for user in [&app.student, &app.instructor] {
        let c = app.signed_in(user).await;
        c.get(PAGE).await.assert_status(403);
        c.get(&format!("{PAGE}/{id}")).await.assert_status(403);
        let token = c.csrf_for("/").await;
        c.post_form_raw(
            PAGE,
            &[
                ("_csrf", &token),
                ("url", &url),
                ("event", "order.paid"),
                ("allow_private", "1"),
            ],
        )
        .await
        .assert_status(403);
        c.post_form_raw(&format!("{PAGE}/{id}/rotate"), &[("_csrf", &token)])
            .await
            .assert_status(403);
    }
    // Signed out: sent to sign in.
    let anon = app.client().get(PAGE).await;
    assert!(
        anon.status.as_u16() == 303 || anon.status.as_u16() == 401,
        "{}",
        anon.status
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM outbound_endpoints").await,
        1
    );
}

db_test!(an_issued_certificate_reaches_its_subscriber_signed_with_its_serial);
async fn an_issued_certificate_reaches_its_subscriber_signed_with_its_serial(app: TestApp) {
    let (url, rx) = Receiver::start().await;
    let admin = app.signed_in(&app.admin).await;
    let (_, secret) = register(&admin, &url, &["certificate.issued"], true).await;
    let c = document_course(&app, "Certified", "Read").await;
    c.instructor
        .post_form(
            &format!("/teach/courses/{}/certificate", c.id),
            &[("enabled", "on"), ("title", "Certificate of Completion")],
        )
        .await
        .assert_status(200);
    let student = app.signed_in(&app.student).await;
    c.enrol(&student).await;
    c.complete(&student).await.assert_status(303);
    // Completion, then the certificate's job (the PDF, issued), then the delivery.
    app.drain_jobs().await;
    app.drain_jobs().await;
    let serial: String = sqlx::query_scalar(
        "SELECT serial FROM certificates WHERE course_id = $1 AND user_id = $2 AND state = 'issued'",
    )
    .bind(c.id)
    .bind(app.student.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let got = rx.got();
    assert_eq!(got.len(), 1, "one certificate, one event: {got:?}");
    let v = verify(&secret, &got[0]);
    assert_eq!(v["type"], "certificate.issued");
    assert_eq!(v["school_id"], app.school.id);
    assert_eq!(v["data"]["serial"], serial.as_str());
    assert_eq!(v["data"]["course_id"], c.id);
    assert_eq!(v["data"]["user_id"], app.student.id);
    let verify_url = v["data"]["verify_url"].as_str().unwrap();
    assert!(
        verify_url.ends_with(&format!("/C/{serial}")),
        "{verify_url}"
    );
    // The verification page the event links to is the certificate's.
    app.client()
        .get(&format!("/C/{serial}"))
        .await
        .assert_status(200);
    // Jobs running again send nothing twice.
    app.drain_jobs().await;
    assert_eq!(rx.got().len(), 1);
}

db_test!(an_order_paid_through_stripe_reaches_its_subscriber_once);
async fn an_order_paid_through_stripe_reaches_its_subscriber_once(b: TestAppBuilder) {
    let shop = crate::payments::shop(b).await;
    let app = &shop.app;
    let (url, rx) = Receiver::start().await;
    let admin = app.signed_in(&app.admin).await;
    let (_, secret) = register(&admin, &url, &["order.paid"], true).await;
    let student = app.signed_in(&app.student).await;
    shop.buy(&student, "stripe").await;
    let number = shop.order_number(app.student.id).await;
    let session = shop.last_session();
    let back = shop
        .sim
        .pay(&session.id, payments_sim::Card::VISA)
        .expect("paid");
    // The provider's webhook settles the order; its delivery job runs here.
    eventually(
        "the order.paid delivery",
        std::time::Duration::from_secs(15),
        || async {
            app.drain_jobs().await;
            (!rx.got().is_empty()).then_some(())
        },
    )
    .await;
    // The buyer coming back settles nothing again: still one event.
    student
        .get(&crate::payments::path_of(&back))
        .await
        .assert_redirect_to(&format!("/orders/{number}"));
    app.drain_jobs().await;
    let got = rx.got();
    assert_eq!(got.len(), 1, "{got:?}");
    let v = verify(&secret, &got[0]);
    assert_eq!(v["type"], "order.paid");
    assert_eq!(v["school_id"], app.school.id);
    let data = &v["data"];
    assert_eq!(data["order"], number.as_str());
    assert_eq!(data["course_id"], shop.course_id);
    assert_eq!(data["user_id"], app.student.id);
    assert_eq!(data["amount_minor"], 4900);
    assert_eq!(data["currency"], "EUR");
    assert!(data["flag"].is_null(), "{data}");
    assert!(data["paid_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        shop.order_field(&number, "status").await.as_deref(),
        Some("paid")
    );
}

db_test!(a_live_session_nobody_started_sends_live_session_ended_as_expired);
async fn a_live_session_nobody_started_sends_live_session_ended_as_expired(b: TestAppBuilder) {
    let t = crate::support::live::setup(b).await;
    let (url, rx) = Receiver::start().await;
    let admin = t.app.signed_in(&t.app.admin).await;
    let (_, secret) = register(&admin, &url, &["live_session.ended"], true).await;
    // One viewed (its session row exists, scheduled) and one never viewed (no row yet);
    // both ended three hours ago, past the grace, and nobody started them.
    t.student_page().await;
    let lesson = t.reschedule(now_ms() - 3 * HOUR).await;
    let unseen = lectern::courses::insert_lesson(
        &t.app.db,
        &*t.app.state.course_hooks,
        SchoolId(t.app.school.id),
        CourseId(t.course_id),
        &crate::support::live::live_record(&lesson, now_ms() - 3 * HOUR),
    )
    .await
    .unwrap();
    t.app.drain_jobs().await;
    t.app.drain_jobs().await;
    let viewed = t.session().await;
    assert_eq!(viewed.state, "ended");
    let never = lectern::live::by_lesson(&t.app.db, SchoolId(t.app.school.id), unseen)
        .await
        .unwrap()
        .expect("row created ended");
    let mut got: Vec<serde_json::Value> = rx.got().iter().map(|g| verify(&secret, g)).collect();
    assert_eq!(got.len(), 2, "{got:?}");
    got.sort_by_key(|v| v["data"]["session_id"].as_i64());
    let mut want = [(viewed.id, t.lesson), (never.id, unseen.0)];
    want.sort();
    for (v, (session, lesson)) in got.iter().zip(want) {
        assert_eq!(v["type"], "live_session.ended");
        let data = &v["data"];
        assert_eq!(data["session_id"], session);
        assert_eq!(data["lesson_id"], lesson);
        assert_eq!(data["course_id"], t.course_id);
        assert_eq!(data["state"], "expired", "{data}");
        assert!(data["started_at"].is_null(), "{data}");
        assert!(data["ended_at"].as_str().unwrap().ends_with('Z'));
    }
    // Expiry running again sends nothing more.
    sqlx::query(
        "UPDATE jobs SET run_at = 0 WHERE kind = 'live_expire_unstarted' AND state = 'queued'",
    )
    .execute(&t.app.db.pool)
    .await
    .unwrap();
    t.app.drain_jobs().await;
    assert_eq!(rx.got().len(), 2);
}

db_test!(rotating_a_secret_redirects_and_shows_the_new_secret_once);
async fn rotating_a_secret_redirects_and_shows_the_new_secret_once(app: TestApp) {
    let (url, rx) = Receiver::start().await;
    let admin = app.signed_in(&app.admin).await;
    let (id, old) = register(&admin, &url, &["enrolment.created"], true).await;
    let at = format!("{PAGE}/{id}");
    let before = sealed(&app, id).await;

    // The POST answers with a redirect to the endpoint's page, no secret in it.
    let r = admin.post_form(&format!("{at}/rotate"), &[]).await;
    r.assert_redirect_to(&at);
    assert_eq!(r.header("location"), Some(at.as_str()));
    assert!(!r.text.contains("whsec_"));
    let rotated = sealed(&app, id).await;
    assert_ne!(rotated, before);

    // The page shows the new secret once, kept by no cache, with the notice.
    let page = admin.get(&at).await;
    page.assert_status(200);
    let shown = page.texts("#endpoint-secret");
    assert_eq!(shown.len(), 1, "{}", page.text);
    let secret = shown[0].clone();
    assert!(secret.starts_with("whsec_") && secret != old, "{secret}");
    assert!(!page.texts("#outbound-notice").is_empty());
    assert!(
        page.header("cache-control")
            .is_some_and(|v| v.contains("no-store")),
        "{:?}",
        page.header("cache-control")
    );
    // A second look (a reload) shows neither, and rotates nothing.
    let again = admin.get(&at).await;
    again.assert_status(200);
    assert!(!again.text.contains(&secret) && !again.text.contains("whsec_"));
    assert!(again.texts("#outbound-notice").is_empty());
    assert_eq!(sealed(&app, id).await, rotated, "a reload rotates nothing");
    // Nor does the endpoint's list, nor another admin of the school.
    assert!(!admin.get(PAGE).await.text.contains(&secret));

    // The hand-over is the session's that rotated: another admin's session, even one
    // presented with this one's hand-over, sees no secret.
    let r = admin.post_form(&format!("{at}/rotate"), &[]).await;
    r.assert_redirect_to(&at);
    let other_admin = app
        .create_user(
            app.school.id,
            "admin2@test.example",
            "Second Admin",
            lectern::accounts::Role::Admin,
        )
        .await;
    let other = app.signed_in(&other_admin).await;
    let stolen = admin
        .cookie_header()
        .split("; ")
        .find(|c| c.starts_with("lectern_once="))
        .expect("the hand-over is a cookie")
        .to_string();
    let r = other
        .send(
            other
                .request(reqwest::Method::GET, &at)
                .header("cookie", format!("{}; {stolen}", other.cookie_header())),
        )
        .await;
    r.assert_status(200);
    assert!(!r.text.contains("whsec_"), "{}", r.text);
    // Its own session still gets it, once.
    let newest = admin.get(&at).await.texts("#endpoint-secret");
    assert_eq!(newest.len(), 1);
    assert!(admin.get(&at).await.texts("#endpoint-secret").is_empty());

    // Events are signed with the newest secret.
    let (_, course, _) = taught_course(&app, "Rotated").await;
    enroll(&app, course, app.student.id).await;
    app.drain_jobs().await;
    let got = rx.got();
    assert_eq!(got.len(), 1);
    verify(&newest[0], &got[0]);
}

db_test!(the_delivery_log_says_what_will_happen_after_a_resend_and_while_disabled);
async fn the_delivery_log_says_what_will_happen_after_a_resend_and_while_disabled(app: TestApp) {
    let (url, rx) = Receiver::start().await;
    rx.script.lock().unwrap().extend([500]);
    let admin = app.signed_in(&app.admin).await;
    let (id, _) = register(&admin, &url, &["enrolment.created"], true).await;
    let at = format!("{PAGE}/{id}");
    let (_, course, _) = taught_course(&app, "Log").await;
    enroll(&app, course, app.student.id).await;
    app.drain_jobs().await;
    let (delivery, state, attempts, status) = delivery_row(&app, id).await;
    assert_eq!(
        (state.as_str(), attempts, status),
        ("pending", 1, Some(500))
    );
    let row = format!("#delivery-{delivery}");
    let page = admin.get(&at).await;
    assert_eq!(page.texts(&format!("{row} .delivery-next")).len(), 1);
    assert!(page.texts(&format!("{row} .delivery-previous")).is_empty());
    assert_eq!(page.texts(&format!("{row} .delivery-status")), vec!["500"]);

    // Resent: no attempt of the new round yet, and the 500 beside it is the previous
    // round's, labelled so.
    admin
        .post_form(&format!("{at}/deliveries/{delivery}/resend"), &[])
        .await
        .assert_redirect_to(&at);
    let round = || async {
        sqlx::query_scalar::<_, i64>("SELECT round FROM outbound_deliveries WHERE id = $1")
            .bind(delivery)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };
    let resent = round().await;
    let page = admin.get(&at).await;
    assert_eq!(
        page.attr(&row, "data-attempts").as_deref(),
        Some("0"),
        "{}",
        page.text
    );
    let previous = page.texts(&format!("{row} .delivery-previous"));
    assert_eq!(previous.len(), 1, "{}", page.text);
    assert!(previous[0].contains("previous attempt"), "{previous:?}");
    assert_eq!(page.texts(&format!("{row} .delivery-status")), vec!["500"]);
    // A reload resends nothing.
    admin.get(&at).await.assert_status(200);
    assert_eq!(round().await, resent);

    // Disabled: the pending delivery shows no next attempt, but that it waits.
    admin
        .post_form(&format!("{at}/disable"), &[])
        .await
        .assert_redirect_to(&at);
    let page = admin.get(&at).await;
    assert!(
        page.texts(&format!("{row} .delivery-next")).is_empty(),
        "{}",
        page.text
    );
    assert_eq!(page.texts(&format!("{row} .delivery-held")).len(), 1);
    // The page says what the click did, once.
    assert_eq!(
        page.texts("#outbound-notice"),
        vec!["Endpoint disabled: nothing more is sent to it until it is enabled again."]
    );
    assert!(
        admin.get(&at).await.texts("#outbound-notice").is_empty(),
        "once"
    );
    // Enabled again: the next attempt is shown again.
    admin
        .post_form(&format!("{at}/enable"), &[])
        .await
        .assert_redirect_to(&at);
    let page = admin.get(&at).await;
    assert_eq!(page.texts(&format!("{row} .delivery-next")).len(), 1);
    assert!(page.texts(&format!("{row} .delivery-held")).is_empty());
    assert_eq!(
        page.texts("#outbound-notice"),
        vec!["Endpoint enabled: its events are sent to it again."]
    );
    assert!(
        admin.get(&at).await.texts("#outbound-notice").is_empty(),
        "once"
    );
}

db_test!(a_disabled_endpoints_deliveries_are_not_offered_for_resending_nor_resent);
async fn a_disabled_endpoints_deliveries_are_not_offered_for_resending_nor_resent(app: TestApp) {
    let (url, rx) = Receiver::start().await;
    rx.script.lock().unwrap().extend([500]);
    let admin = app.signed_in(&app.admin).await;
    let (id, _) = register(&admin, &url, &["enrolment.created"], true).await;
    let at = format!("{PAGE}/{id}");
    let (_, course, _) = taught_course(&app, "Held").await;
    enroll(&app, course, app.student.id).await;
    app.drain_jobs().await;
    let (delivery, ..) = delivery_row(&app, id).await;
    let row = format!("#delivery-{delivery}");
    let resend = format!("{at}/deliveries/{delivery}/resend");
    // Enabled: Resend is offered.
    let page = admin.get(&at).await;
    assert_eq!(page.texts(&format!("{row} .delivery-resend")).len(), 1);
    assert!(
        page.texts(&format!("{row} .delivery-resend-held"))
            .is_empty()
    );

    admin
        .post_form(&format!("{at}/disable"), &[])
        .await
        .assert_redirect_to(&at);
    // Disabled: no button, and the row says what to do instead.
    let page = admin.get(&at).await;
    assert!(
        page.texts(&format!("{row} .delivery-resend")).is_empty(),
        "{}",
        page.text
    );
    assert!(page.attr(&format!("{row} form"), "action").is_none());
    assert_eq!(
        page.texts(&format!("{row} .delivery-resend-held")),
        vec!["Enable the endpoint to resend"]
    );

    // A resend posted anyway (a page left open from before) is refused: redirected to
    // the page, which says why once, and the delivery is as it was, nothing queued.
    let snapshot = || async {
        sqlx::query_as::<_, (i64, String, i64, Option<i64>)>(
            "SELECT round, state, attempts, next_attempt_at FROM outbound_deliveries WHERE id = $1",
        )
        .bind(delivery)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    };
    let jobs = || app.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'outbound_deliver'");
    let (before, jobs_before) = (snapshot().await, jobs().await);
    admin.post_form(&resend, &[]).await.assert_redirect_to(&at);
    let page = admin.get(&at).await;
    assert_eq!(
        page.texts("#outbound-notice"),
        vec!["Not resent: the endpoint is disabled. Enable it to resend a delivery."]
    );
    assert!(
        admin.get(&at).await.texts("#outbound-notice").is_empty(),
        "once"
    );
    assert_eq!(snapshot().await, before);
    assert_eq!(jobs().await, jobs_before);
    app.drain_jobs().await;
    assert_eq!(rx.got().len(), 1, "nothing sent");

    // Enabled again: offered again, and resent.
    admin
        .post_form(&format!("{at}/enable"), &[])
        .await
        .assert_redirect_to(&at);
    let page = admin.get(&at).await;
    assert_eq!(page.texts(&format!("{row} .delivery-resend")).len(), 1);
    admin.post_form(&resend, &[]).await.assert_redirect_to(&at);
    assert_eq!(
        admin.get(&at).await.texts("#outbound-notice"),
        vec!["Delivery queued again."]
    );
    assert_eq!(snapshot().await.0, before.0 + 1);
    // Another endpoint's delivery is still a 404.
    admin
        .post_form(&format!("{at}/deliveries/{}/resend", delivery + 1000), &[])
        .await
        .assert_status(404);
}

db_test!(editing_an_endpoint_saves_by_redirect_and_keeps_a_refused_form_in_place);
async fn editing_an_endpoint_saves_by_redirect_and_keeps_a_refused_form_in_place(app: TestApp) {
    let (url, _rx) = Receiver::start().await;
    let admin = app.signed_in(&app.admin).await;
    let (id, _) = register(&admin, &url, &["order.paid"], true).await;
    let at = format!("{PAGE}/{id}");
    let stored = || async {
        sqlx::query_as::<_, (String, String)>(
            "SELECT url, events FROM outbound_endpoints WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    };
    let before = stored().await;

    // The edit form posts to the page's own address: a refusal is that page again, 422,
    // with what was typed and each field's error (as the add form answers), nothing saved.
    let page = admin.get(&at).await;
    assert_eq!(
        page.attr("#outbound-edit", "action").as_deref(),
        Some(at.as_str())
    );
    let page = admin
        .post_form(
            &at,
            &[("url", "not a url"), ("event", "certificate.issued")],
        )
        .await;
    page.assert_status(422);
    assert_eq!(
        page.attr("#outbound-url", "value").as_deref(),
        Some("not a url")
    );
    assert!(
        page.attr("input[value='certificate.issued']", "checked")
            .is_some(),
        "{}",
        page.text
    );
    assert!(page.attr("input[value='order.paid']", "checked").is_none());
    assert!(page.texts("#url-error")[0].contains("absolute URL"));
    assert!(page.texts("#outbound-notice").is_empty());
    assert_eq!(
        page.attr("#outbound-edit", "action").as_deref(),
        Some(at.as_str())
    );
    assert_eq!(stored().await, before);

    // Saved: a 303 to the page, which says so once; a reload posts nothing again.
    let r = admin
        .post_form(
            &at,
            &[
                ("url", &url),
                ("allow_private", "1"),
                ("event", "course.completed"),
            ],
        )
        .await;
    r.assert_redirect_to(&at);
    assert_eq!(r.header("location"), Some(at.as_str()));
    assert_eq!(
        stored().await,
        (url.clone(), "course.completed".to_string())
    );
    let page = admin.get(&at).await;
    page.assert_status(200);
    assert_eq!(page.texts("#outbound-notice"), vec!["Endpoint saved."]);
    assert!(
        page.attr("input[value='course.completed']", "checked")
            .is_some()
    );
    assert!(
        admin.get(&at).await.texts("#outbound-notice").is_empty(),
        "once"
    );
}
