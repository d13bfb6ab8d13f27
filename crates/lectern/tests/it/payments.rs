//! Paid courses end to end through payments-sim (Stripe and PayPal on their wire
//! protocols): a payment verified by the provider enrols exactly once, whatever arrives
//! first, twice or forged; nothing else does.

use std::time::Duration;

use payments_sim::{Card, PaymentsSim};

use crate::support::courses::published_course;
use crate::support::{TestApp, TestAppBuilder, TestClient, eventually};

const WHSEC: &str = "whsec_lectern_test_secret";

pub(crate) struct Shop {
    pub(crate) app: TestApp,
    pub(crate) sim: PaymentsSim,
    pub(crate) slug: String,
    pub(crate) course_id: i64,
    pub(crate) lesson: i64,
}

/// An app pointed at the simulators, with both providers connected through Settings →
/// Payments, webhooks registered, and a published course sold for €49.00.
pub(crate) async fn shop(b: TestAppBuilder) -> Shop {
    let sim = PaymentsSim::start().await.expect("payments-sim");
    let app = b
        .env("STRIPE_API_BASE", sim.stripe_api_base())
        .env("PAYPAL_API_BASE", sim.paypal_api_base())
        .env("PAYPAL_CERT_URL_PREFIX", sim.base_url())
        .start()
        .await;
    let school = app.school.id;
    sim.register_stripe_webhook(&format!("{}/webhooks/stripe/{school}", app.base_url), WHSEC);
    let webhook_id =
        sim.register_paypal_webhook(&format!("{}/webhooks/paypal/{school}", app.base_url));
    let admin = app.signed_in(&app.admin).await;
    admin
        .post_form(
            "/admin/payments/stripe",
            &[
                ("secret_key", &sim.stripe_secret_key()),
                ("webhook_secret", WHSEC),
            ],
        )
        .await
        .assert_redirect_to("/admin/payments?saved=1");
    let (client_id, secret) = sim.paypal_credentials();
    admin
        .post_form(
            "/admin/payments/paypal",
            &[
                ("client_id", &client_id),
                ("secret", &secret),
                ("webhook_id", &webhook_id),
            ],
        )
        .await
        .assert_redirect_to("/admin/payments?saved=1");
    let made = published_course(
        &app,
        "Negotiation Masterclass",
        &[("document", vec![("title", "Welcome"), ("body", "Hello")])],
    )
    .await;
    made.instructor
        .post_form(
            &format!("/teach/courses/{}/price", made.id),
            &[("paid", "on"), ("amount", "49.00"), ("currency", "EUR")],
        )
        .await
        .assert_status(200);
    Shop {
        app,
        sim,
        slug: made.slug,
        course_id: made.id,
        lesson: made.lessons[0],
    }
}

impl Shop {
    pub(crate) async fn enrolled(&self, user_id: i64) -> i64 {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM enrollments WHERE course_id = $1 AND user_id = $2",
        )
        .bind(self.course_id)
        .bind(user_id)
        .fetch_one(&self.app.db.pool)
        .await
        .unwrap()
    }

    async fn receipts(&self) -> i64 {
        self.app
            .scalar("SELECT COUNT(*) FROM emails WHERE subject LIKE 'Your receipt for%'")
            .await
    }

    /// The buyer presses "Pay with …": returns the provider's page it was sent to.
    pub(crate) async fn buy(&self, c: &TestClient, provider: &str) -> String {
        let r = c
            .post_form(
                &format!("/courses/{}/buy", self.slug),
                &[("provider", provider)],
            )
            .await;
        r.assert_status(303);
        let to = r.location().unwrap().to_string();
        assert!(to.starts_with(&self.sim.base_url()), "{to}");
        to
    }

    pub(crate) fn last_session(&self) -> payments_sim::SimSession {
        self.sim
            .sessions()
            .into_iter()
            .max_by_key(|s| s.created)
            .expect("a session")
    }

    pub(crate) async fn order_number(&self, user_id: i64) -> String {
        sqlx::query_scalar::<_, String>(
            "SELECT number FROM orders WHERE user_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(user_id)
        .fetch_one(&self.app.db.pool)
        .await
        .unwrap()
    }

    pub(crate) async fn order_field(&self, number: &str, field: &'static str) -> Option<String> {
        let sql = format!("SELECT CAST({field} AS TEXT) FROM orders WHERE number = $1");
        sqlx::query_scalar::<_, Option<String>>(sqlx::AssertSqlSafe(sql))
            .bind(number)
            .fetch_one(&self.app.db.pool)
            .await
            .unwrap()
    }
}

/// The path and query of an absolute URL on the app.
pub(crate) fn path_of(url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    }
}

db_test!(a_paid_course_stays_closed_until_stripe_confirms_the_payment_then_enrols_once);
async fn a_paid_course_stays_closed_until_stripe_confirms_the_payment_then_enrols_once(
    b: TestAppBuilder,
) {
    let shop = shop(b).await;
    let app = &shop.app;
    let student = app.signed_in(&app.student).await;

    // The catalogue shows what each course costs.
    let home = student.get("/").await;
    assert_eq!(
        home.texts(&format!(
            ".course-card[data-slug='{}'] .course-price",
            shop.slug
        )),
        ["€49.00"]
    );
    // The course page sells; enrolling for free is refused, the lessons stay closed.
    let page = student.get(&format!("/courses/{}", shop.slug)).await;
    assert_eq!(page.texts("#course-price"), ["€49.00"]);
    assert!(page.attr("#buy", "href").is_some());
    assert!(page.attr("#enroll", "id").is_none());
    student
        .post_form(&format!("/courses/{}/enroll", shop.slug), &[])
        .await
        .assert_redirect_to(&format!("/courses/{}/buy", shop.slug));
    assert_eq!(shop.enrolled(app.student.id).await, 0);
    let lesson = format!("/courses/{}/lessons/{}", shop.slug, shop.lesson);
    student
        .get(&lesson)
        .await
        .assert_redirect_to(&format!("/courses/{}", shop.slug));
    // Nor does anyone signed out.
    app.client()
        .get(&lesson)
        .await
        .assert_redirect_to("/signin");

    // Buying: the order is written before the buyer leaves; the session carries it.
    shop.sim.pause_webhooks();
    shop.buy(&student, "stripe").await;
    let number = shop.order_number(app.student.id).await;
    let session = shop.last_session();
    assert_eq!(session.amount_total, 4900);
    assert_eq!(session.currency, "eur");
    assert_eq!(session.metadata.get("order"), Some(&number));
    assert_eq!(
        session.client_reference_id.as_deref(),
        Some(number.as_str())
    );
    assert_eq!(
        shop.order_field(&number, "status").await.as_deref(),
        Some("pending")
    );

    // A buyer who comes back to the return URL without paying is not enrolled.
    let early = student
        .get(&format!(
            "/orders/{number}/return?session_id={}",
            session.id
        ))
        .await;
    early.assert_redirect_to(&format!("/orders/{number}"));
    let waiting = student.get(&format!("/orders/{number}")).await;
    assert_eq!(waiting.texts("#order-confirming").len(), 1);
    assert_eq!(shop.enrolled(app.student.id).await, 0);

    // Pays; comes back before the webhook: the return page reads the session and enrols.
    let back = shop.sim.pay(&session.id, Card::VISA).expect("paid");
    student
        .get(&path_of(&back))
        .await
        .assert_redirect_to(&format!("/orders/{number}"));
    let done = student.get(&format!("/orders/{number}")).await;
    assert_eq!(done.texts("#order-enrolled").len(), 1, "{}", done.text);
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    assert_eq!(
        shop.order_field(&number, "status").await.as_deref(),
        Some("paid")
    );

    // The webhook arrives after, twice: nothing happens twice.
    shop.sim.duplicate_next();
    shop.sim.resume();
    shop.sim
        .wait_for_deliveries(Duration::from_secs(10), |d| {
            d.iter()
                .filter(|d| d.event_type == "checkout.session.completed" && d.ok())
                .count()
                >= 2
        })
        .await;
    app.drain_jobs().await;
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM payment_events WHERE event_type = 'checkout.session.completed'"
        )
        .await,
        1
    );
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    assert_eq!(shop.receipts().await, 1);
    let receipt: String =
        sqlx::query_scalar("SELECT body_text FROM emails WHERE subject LIKE 'Your receipt for%'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(receipt.contains(&number), "{receipt}");
    assert!(receipt.contains("Negotiation Masterclass"));
    assert!(receipt.contains("€49.00"));
    let pi = shop
        .sim
        .session(&session.id)
        .unwrap()
        .payment_intent
        .unwrap();
    assert!(receipt.contains(&pi), "the provider's reference: {receipt}");

    // The lessons open now.
    let course = student.get(&format!("/courses/{}", shop.slug)).await;
    assert!(course.attr("#continue", "href").is_some());
    student.get(&lesson).await.assert_status(200);
}

db_test!(a_webhook_that_arrives_before_the_buyer_enrols_them_and_the_return_page_agrees);
async fn a_webhook_that_arrives_before_the_buyer_enrols_them_and_the_return_page_agrees(
    b: TestAppBuilder,
) {
    let shop = shop(b.with_worker().with_smtp()).await;
    let app = &shop.app;
    let student = app.signed_in(&app.student).await;
    shop.buy(&student, "stripe").await;
    let number = shop.order_number(app.student.id).await;
    let session = shop.last_session();
    let back = shop.sim.pay(&session.id, Card::VISA).expect("paid");
    // The worker processes the delivery; the buyer has not come back yet.
    eventually(
        "the webhook's enrolment",
        Duration::from_secs(15),
        || async { (shop.enrolled(app.student.id).await == 1).then_some(()) },
    )
    .await;
    student
        .get(&path_of(&back))
        .await
        .assert_redirect_to(&format!("/orders/{number}"));
    let done = student.get(&format!("/orders/{number}")).await;
    assert_eq!(done.texts("#order-enrolled").len(), 1);
    // The page's script asks here until it sees the enrolment.
    let status = student.get(&format!("/api/orders/{number}")).await;
    status.assert_status(200);
    let v: serde_json::Value = serde_json::from_str(&status.text).unwrap();
    assert_eq!(v["status"], "paid");
    assert_eq!(v["enrolled"], true);
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    assert_eq!(shop.receipts().await, 1);
    // The receipt reaches the buyer over SMTP: order, course, amount, the provider's reference.
    let sink = app.smtp.as_ref().expect("smtp");
    let sent = sink.wait_for(1, Duration::from_secs(15)).await;
    let receipt = sent
        .iter()
        .find(|m| m.raw.contains("Your receipt for"))
        .unwrap_or_else(|| panic!("the receipt among {sent:?}"));
    assert_eq!(receipt.to, ["<student@test.example>"]);
    let text = receipt.parse().text.unwrap_or_default();
    let pi = shop
        .sim
        .session(&session.id)
        .unwrap()
        .payment_intent
        .unwrap();
    for want in [
        number.as_str(),
        "Negotiation Masterclass",
        "€49.00",
        pi.as_str(),
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
}

db_test!(forged_stale_replayed_and_malformed_stripe_webhooks_change_nothing);
async fn forged_stale_replayed_and_malformed_stripe_webhooks_change_nothing(b: TestAppBuilder) {
    let shop = shop(b).await;
    let app = &shop.app;
    let student = app.signed_in(&app.student).await;
    shop.sim.pause_webhooks();
    shop.buy(&student, "stripe").await;
    let session = shop.last_session();
    let body = serde_json::json!({
        "id": "evt_forged_1", "object": "event", "type": "checkout.session.completed",
        "created": jiff::Timestamp::now().as_second(), "livemode": false,
        "data": {"object": {"id": session.id, "object": "checkout.session", "status": "complete",
            "payment_status": "paid", "amount_total": 4900, "currency": "eur",
            "payment_intent": "pi_forged", "metadata": {}}}
    })
    .to_string();
    let url = format!("/webhooks/stripe/{}", app.school.id);
    let c = app.client();
    let post = |sig: String, body: String| {
        let c = &c;
        let url = &url;
        async move {
            c.send(
                c.request(reqwest::Method::POST, url)
                    .header("content-type", "application/json")
                    .header("stripe-signature", sig)
                    .body(body),
            )
            .await
        }
    };
    let now = jiff::Timestamp::now().as_second();
    let good = |t: i64, b: &str| {
        format!(
            "t={t},v1={}",
            payments_sim::hooks::stripe_signature(WHSEC, t, b)
        )
    };
    // Unsigned, signed with another secret, stale, a tampered body, junk.
    post(String::new(), body.clone()).await.assert_status(400);
    let forged = format!(
        "t={now},v1={}",
        payments_sim::hooks::stripe_signature("whsec_attacker", now, &body)
    );
    post(forged, body.clone()).await.assert_status(400);
    post(good(now - 600, &body), body.clone())
        .await
        .assert_status(400);
    post(good(now, &body), body.replace("4900", "4901"))
        .await
        .assert_status(400);
    post(good(now, "{not json"), "{not json".to_string())
        .await
        .assert_status(400);
    post("t=abc,v1=zz".into(), body.clone())
        .await
        .assert_status(400);
    // Another school's path: 404, nothing stored.
    let other = app.client();
    other
        .send(
            other
                .request(reqwest::Method::POST, "/webhooks/stripe/999999")
                .header("stripe-signature", good(now, &body))
                .body(body.clone()),
        )
        .await
        .assert_status(404);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM payment_events").await, 0);
    app.drain_jobs().await;
    assert_eq!(shop.enrolled(app.student.id).await, 0);

    // Signed with the school's secret but for an amount that isn't the order's: the order
    // is flagged for the admin, nobody is enrolled.
    let cheap = body
        .replace("4900", "100")
        .replace("evt_forged_1", "evt_cheap_1");
    post(good(now, &cheap), cheap.clone())
        .await
        .assert_status(200);
    // 20 deliveries of the same event at once: one row, one decision.
    let all =
        futures_util::future::join_all((0..20).map(|_| post(good(now, &cheap), cheap.clone())))
            .await;
    assert!(all.iter().all(|r| r.status == 200));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM payment_events").await, 1);
    app.drain_jobs().await;
    let number = shop.order_number(app.student.id).await;
    assert_eq!(
        shop.order_field(&number, "flag").await.as_deref(),
        Some("amount_mismatch")
    );
    assert_eq!(shop.enrolled(app.student.id).await, 0);
    assert_eq!(shop.receipts().await, 0);
    // The admins are told, with the order's link on the school's host.
    let told: Vec<String> = sqlx::query_scalar(
        "SELECT body_text FROM emails WHERE to_addr = 'admin@test.example' AND subject LIKE 'Order % needs a look'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(told.len(), 1);
    assert!(
        told[0].contains(&format!("{}/admin/orders/{number}", app.base_url)),
        "{}",
        told[0]
    );
    let admin = app.signed_in(&app.admin).await;
    let flagged = admin.get("/admin/orders?flagged=1").await;
    assert_eq!(flagged.texts("#orders .order-flag").len(), 1);
}

db_test!(twenty_concurrent_deliveries_of_a_real_payment_enrol_once);
async fn twenty_concurrent_deliveries_of_a_real_payment_enrol_once(b: TestAppBuilder) {
    let shop = shop(b).await;
    let app = &shop.app;
    let student = app.signed_in(&app.student).await;
    shop.buy(&student, "stripe").await;
    let session = shop.last_session();
    shop.sim.pay(&session.id, Card::VISA).expect("paid");
    let d = shop
        .sim
        .wait_for_deliveries(Duration::from_secs(10), |d| {
            d.iter()
                .any(|d| d.event_type == "checkout.session.completed")
        })
        .await
        .into_iter()
        .find(|d| d.event_type == "checkout.session.completed")
        .unwrap();
    let c = app.client();
    let url = format!("/webhooks/stripe/{}", app.school.id);
    let replays = futures_util::future::join_all((0..20).map(|_| {
        c.send(
            c.request(reqwest::Method::POST, &url)
                .header("content-type", "application/json")
                .header("stripe-signature", d.header("stripe-signature").unwrap())
                .body(d.body.clone()),
        )
    }))
    .await;
    assert!(replays.iter().all(|r| r.status == 200));
    // Processing races the return page of two tabs.
    let number = shop.order_number(app.student.id).await;
    let tab = |c: TestClient, n: String| async move { c.get(&format!("/api/orders/{n}")).await };
    let (_, a, b2) = tokio::join!(
        app.drain_jobs(),
        tab(student.clone(), number.clone()),
        tab(student.clone(), number.clone())
    );
    a.assert_status(200);
    b2.assert_status(200);
    app.drain_jobs().await;
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    assert_eq!(shop.receipts().await, 1);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM orders WHERE status = 'paid'")
            .await,
        1
    );
}

db_test!(two_tabs_paying_for_one_course_enrol_once_and_flag_the_second_for_refund);
async fn two_tabs_paying_for_one_course_enrol_once_and_flag_the_second_for_refund(
    b: TestAppBuilder,
) {
    let shop = shop(b).await;
    let app = &shop.app;
    let student = app.signed_in(&app.student).await;
    shop.sim.pause_webhooks();
    shop.buy(&student, "stripe").await;
    let first = shop.last_session();
    let first_no = shop.order_number(app.student.id).await;
    shop.buy(&student, "stripe").await;
    let second = shop
        .sim
        .sessions()
        .into_iter()
        .find(|s| s.id != first.id)
        .unwrap();
    let second_no = shop.order_number(app.student.id).await;
    assert_ne!(first_no, second_no);
    for (s, n) in [(&first, &first_no), (&second, &second_no)] {
        let back = shop.sim.pay(&s.id, Card::VISA).expect("paid");
        student
            .get(&path_of(&back))
            .await
            .assert_redirect_to(&format!("/orders/{n}"));
    }
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    assert_eq!(shop.order_field(&first_no, "flag").await, None);
    assert_eq!(
        shop.order_field(&second_no, "flag").await.as_deref(),
        Some("duplicate")
    );

    // The admin refunds the duplicate in full: the student keeps the course.
    let admin = app.signed_in(&app.admin).await;
    let page = admin.get(&format!("/admin/orders/{second_no}")).await;
    assert_eq!(page.texts("#order-flag").len(), 1);
    let r = admin
        .post_form(
            &format!("/admin/orders/{second_no}/refund"),
            &[("amount", "")],
        )
        .await;
    r.assert_status(200);
    assert_eq!(r.texts("#refund-notice").len(), 1, "{}", r.text);
    assert_eq!(
        shop.order_field(&second_no, "status").await.as_deref(),
        Some("refunded")
    );
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    let refunds = shop.sim.refunds();
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM emails WHERE subject LIKE 'Order % needs a look'")
            .await,
        1
    );
    let notice: String = sqlx::query_scalar(
        "SELECT body_text FROM emails WHERE to_addr = 'student@test.example' AND subject LIKE 'Refund for%'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(
        notice.contains("€49.00") && notice.contains(&second_no),
        "{notice}"
    );
    assert!(
        !notice.contains("enrolment in the course has ended"),
        "{notice}"
    );
}

db_test!(refunds_part_then_all_and_a_full_refund_ends_access_only_where_the_school_says);
async fn refunds_part_then_all_and_a_full_refund_ends_access_only_where_the_school_says(
    b: TestAppBuilder,
) {
    let shop = shop(b).await;
    let app = &shop.app;
    let student = app.signed_in(&app.student).await;
    shop.buy(&student, "stripe").await;
    let s = shop.last_session();
    let back = shop.sim.pay(&s.id, Card::VISA).expect("paid");
    student.get(&path_of(&back)).await;
    let number = shop.order_number(app.student.id).await;
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    let admin = app.signed_in(&app.admin).await;
    let url = format!("/admin/orders/{number}/refund");
    // More than was paid, junk: refused with a reason, nothing refunded.
    let r = admin.post_form(&url, &[("amount", "100")]).await;
    r.assert_status(422);
    assert_eq!(r.texts("#refund-error").len(), 1);
    admin
        .post_form(&url, &[("amount", "abc")])
        .await
        .assert_status(422);
    assert!(shop.sim.refunds().is_empty());
    // Part of it: still enrolled.
    let r = admin.post_form(&url, &[("amount", "10")]).await;
    r.assert_status(200);
    assert_eq!(
        shop.order_field(&number, "refunded_minor").await.as_deref(),
        Some("1000")
    );
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    // The rest: the school's default ends access.
    admin
        .post_form(&url, &[("amount", "")])
        .await
        .assert_status(200);
    assert_eq!(
        shop.order_field(&number, "status").await.as_deref(),
        Some("refunded")
    );
    assert_eq!(
        shop.order_field(&number, "refunded_minor").await.as_deref(),
        Some("4900")
    );
    assert_eq!(shop.enrolled(app.student.id).await, 0);
    let notices: Vec<String> = sqlx::query_scalar(
        "SELECT body_text FROM emails WHERE subject LIKE 'Refund for%' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(notices.len(), 2);
    assert!(notices[0].contains("€10.00") && !notices[0].contains("has ended"));
    assert!(notices[1].contains("€39.00") && notices[1].contains("has ended"));
    let amounts: Vec<i64> = shop.sim.refunds().iter().map(|r| r.amount_minor).collect();
    assert_eq!(amounts.iter().sum::<i64>(), 4900);
    let nothing_left = admin.get(&format!("/admin/orders/{number}")).await;
    assert!(nothing_left.attr("#refund-form", "id").is_none());

    // A school that keeps access after refunds: buy again, refund all, still enrolled.
    admin
        .post_form("/admin/payments/terms", &[("currency", "EUR")])
        .await
        .assert_redirect_to("/admin/payments?saved=1");
    shop.buy(&student, "stripe").await;
    let s2 = shop.last_session();
    let back = shop.sim.pay(&s2.id, Card::VISA).expect("paid");
    student.get(&path_of(&back)).await;
    let again = shop.order_number(app.student.id).await;
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    admin
        .post_form(&format!("/admin/orders/{again}/refund"), &[("amount", "")])
        .await
        .assert_status(200);
    assert_eq!(
        shop.order_field(&again, "status").await.as_deref(),
        Some("refunded")
    );
    assert_eq!(shop.enrolled(app.student.id).await, 1);
}

db_test!(a_paypal_purchase_is_captured_on_return_and_its_webhook_changes_nothing_more);
async fn a_paypal_purchase_is_captured_on_return_and_its_webhook_changes_nothing_more(
    b: TestAppBuilder,
) {
    let shop = shop(b).await;
    let app = &shop.app;
    let student = app.signed_in(&app.student).await;
    shop.buy(&student, "paypal").await;
    let number = shop.order_number(app.student.id).await;
    let order = shop
        .sim
        .orders()
        .into_iter()
        .last()
        .expect("a PayPal order");
    assert_eq!(order.value, "49.00");
    assert_eq!(order.currency_code, "EUR");
    assert_eq!(order.custom_id.as_deref(), Some(number.as_str()));
    // Coming back before approving: nothing captured, nobody enrolled.
    student.get(&format!("/orders/{number}/return")).await;
    assert_eq!(shop.enrolled(app.student.id).await, 0);
    let back = shop.sim.approve(&order.id).expect("approved");
    student
        .get(&path_of(&back))
        .await
        .assert_redirect_to(&format!("/orders/{number}"));
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    assert_eq!(shop.sim.order(&order.id).unwrap().status, "COMPLETED");
    // PayPal's webhooks follow: verified by their certificate, then the order is read back.
    shop.sim
        .wait_for_deliveries(Duration::from_secs(10), |d| {
            d.iter()
                .any(|d| d.event_type == "PAYMENT.CAPTURE.COMPLETED" && d.ok())
        })
        .await;
    app.drain_jobs().await;
    assert!(
        app.scalar("SELECT COUNT(*) FROM payment_events WHERE provider = 'paypal'")
            .await
            >= 1
    );
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    assert_eq!(shop.receipts().await, 1);

    // A delivery with its body changed is refused.
    let d = shop
        .sim
        .deliveries()
        .into_iter()
        .find(|d| d.event_type == "PAYMENT.CAPTURE.COMPLETED")
        .unwrap();
    let c = app.client();
    let mut rb = c.request(
        reqwest::Method::POST,
        &format!("/webhooks/paypal/{}", app.school.id),
    );
    for (k, v) in &d.headers {
        if k.starts_with("paypal-") {
            rb = rb.header(k, v);
        }
    }
    let tampered = d.body.replace("49.00", "0.01");
    c.send(rb.body(tampered)).await.assert_status(400);
    // One naming a certificate on another host is refused without fetching it.
    let mut rb = c.request(
        reqwest::Method::POST,
        &format!("/webhooks/paypal/{}", app.school.id),
    );
    for (k, v) in &d.headers {
        if k.starts_with("paypal-") && k != "paypal-cert-url" {
            rb = rb.header(k, v);
        }
    }
    rb = rb.header("paypal-cert-url", "http://169.254.169.254/latest/meta-data");
    c.send(rb.body(d.body.clone())).await.assert_status(400);
}

db_test!(a_cancelled_or_declined_checkout_charges_nothing_and_enrols_nobody);
async fn a_cancelled_or_declined_checkout_charges_nothing_and_enrols_nobody(b: TestAppBuilder) {
    let shop = shop(b).await;
    let app = &shop.app;
    let student = app.signed_in(&app.student).await;
    shop.buy(&student, "stripe").await;
    let s = shop.last_session();
    // A declined card: the hosted page says so; the order stays open, nobody enrolled.
    let declined = shop.sim.pay(&s.id, Card::DECLINED);
    assert!(declined.is_err());
    let number = shop.order_number(app.student.id).await;
    student.get(&format!("/orders/{number}/return")).await;
    assert_eq!(shop.enrolled(app.student.id).await, 0);
    // Cancel: back on the course page, told nothing was charged; the session is expired.
    let r = student.get(&format!("/orders/{number}/cancel")).await;
    r.assert_redirect_to(&format!("/courses/{}?payment=cancelled", shop.slug));
    let page = student
        .get(&path_of(&format!("http://x{}", r.location().unwrap())))
        .await;
    assert_eq!(page.texts("#payment-cancelled").len(), 1);
    assert_eq!(
        shop.order_field(&number, "status").await.as_deref(),
        Some("cancelled")
    );
    assert_eq!(shop.sim.session(&s.id).unwrap().status, "expired");
    assert!(shop.sim.pay(&s.id, Card::VISA).is_err());
    assert_eq!(shop.enrolled(app.student.id).await, 0);
    // The order page offers another try.
    let o = student.get(&format!("/orders/{number}")).await;
    assert_eq!(o.texts("#order-failed").len(), 1);
}

db_test!(orders_and_payment_settings_are_walled_per_school_and_secrets_never_shown);
async fn orders_and_payment_settings_are_walled_per_school_and_secrets_never_shown(
    b: TestAppBuilder,
) {
    let shop = shop(b).await;
    let app = &shop.app;
    let student = app.signed_in(&app.student).await;
    shop.buy(&student, "stripe").await;
    let number = shop.order_number(app.student.id).await;
    let other = app.other_school().await;
    // Another school's admin and student find nothing, nor does another student here.
    let oa = other.signed_in(&other.admin).await;
    oa.get(&format!("/admin/orders/{number}"))
        .await
        .assert_status(404);
    let listed = oa.get("/admin/orders").await;
    assert_eq!(listed.texts("#orders tbody tr").len(), 0);
    let os = other.signed_in(&other.student).await;
    os.get(&format!("/orders/{number}"))
        .await
        .assert_status(404);
    os.get(&format!("/api/orders/{number}"))
        .await
        .assert_status(404);
    // Students don't see settings or orders.
    student.get("/admin/payments").await.assert_status(403);
    student.get("/admin/orders").await.assert_status(403);
    student.get("/admin/coupons").await.assert_status(403);
    // A coupon of this school can't be switched off from another.
    let admin_here = app.signed_in(&app.admin).await;
    admin_here
        .post_form(
            "/admin/coupons",
            &[
                ("code", "MINE"),
                ("kind", "percent"),
                ("value", "10"),
                ("currency", "EUR"),
                ("course_id", ""),
                ("expires_on", ""),
                ("max_uses", ""),
            ],
        )
        .await
        .assert_redirect_to("/admin/coupons");
    let coupon_id = app
        .scalar("SELECT id FROM coupons WHERE code = 'MINE'")
        .await;
    oa.post_form(&format!("/admin/coupons/{coupon_id}/deactivate"), &[])
        .await
        .assert_status(404);
    assert_eq!(
        oa.get("/admin/coupons")
            .await
            .texts("#coupons tbody tr")
            .len(),
        0
    );
    assert_eq!(
        app.scalar("SELECT active FROM coupons WHERE code = 'MINE'")
            .await,
        1
    );
    // Another school's payment settings are its own: not configured there.
    let theirs = oa.get("/admin/payments").await;
    assert_eq!(theirs.texts("#stripe-status"), ["Not configured."]);
    // Secrets: never in the page, sealed in the database.
    let admin = app.signed_in(&app.admin).await;
    let page = admin.get("/admin/payments").await;
    assert!(!page.text.contains(&shop.sim.stripe_secret_key()));
    assert!(!page.text.contains(WHSEC));
    assert!(!page.text.contains(&shop.sim.paypal_credentials().1));
    let stored: Vec<String> = sqlx::query_scalar("SELECT secret_sealed FROM payment_providers")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|s| !s.contains("sk_test") && !s.contains("sim-paypal"))
    );
    // A wrong key: the test button says so plainly.
    admin
        .post_form(
            "/admin/payments/stripe",
            &[("secret_key", "sk_test_wrong"), ("webhook_secret", "")],
        )
        .await
        .assert_redirect_to("/admin/payments?saved=1");
    let t = admin.post_form("/admin/payments/stripe/test", &[]).await;
    let err = t.texts("#payments-error").join(" ");
    assert!(err.contains("refused the school's credentials"), "{err}");
    assert!(!t.text.contains("sk_test_wrong"));
    // Kept the webhook secret when left blank.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM payment_providers WHERE provider = 'stripe' AND webhook_secret_sealed IS NOT NULL").await,
        1
    );
    let ok = admin.post_form("/admin/payments/paypal/test", &[]).await;
    assert_eq!(
        ok.texts("#payments-notice"),
        ["PayPal accepted the credentials."]
    );
    // Bad input: a key that isn't one.
    let bad = admin
        .post_form(
            "/admin/payments/stripe",
            &[("secret_key", "not a key"), ("webhook_secret", "x")],
        )
        .await;
    bad.assert_status(422);
    assert_eq!(bad.texts("#secret_key-error").len(), 1);
    assert_eq!(bad.texts("#webhook_secret-error").len(), 1);
    // The CSV holds the order.
    let csv = admin.get("/admin/orders.csv").await;
    csv.assert_status(200);
    assert!(csv.text.contains(&number));
}

db_test!(a_course_price_is_typed_checked_and_shown_in_the_viewers_language);
async fn a_course_price_is_typed_checked_and_shown_in_the_viewers_language(b: TestAppBuilder) {
    let shop = shop(b).await;
    let app = &shop.app;
    let t = app.signed_in(&app.instructor).await;
    let url = format!("/teach/courses/{}/price", shop.course_id);
    for (amount, currency, field) in [
        ("0", "EUR", "#amount-error"),
        ("abc", "EUR", "#amount-error"),
        ("1.234", "EUR", "#amount-error"),
        ("10", "XYZ", "#currency-error"),
    ] {
        let r = t
            .post_form(
                &url,
                &[("paid", "on"), ("amount", amount), ("currency", currency)],
            )
            .await;
        r.assert_status(422);
        assert_eq!(r.texts(field).len(), 1, "{amount} {currency}");
        assert_eq!(
            r.input("amount").as_deref(),
            Some(amount),
            "the typed value is kept"
        );
    }
    // Nothing was lost: still €49.00.
    let s = app.signed_in(&app.student).await;
    let page = s.get(&format!("/courses/{}", shop.slug)).await;
    assert_eq!(page.texts("#course-price"), ["€49.00"]);
    let de = s
        .send(
            s.request(reqwest::Method::GET, &format!("/courses/{}", shop.slug))
                .header("accept-language", "de"),
        )
        .await;
    assert_eq!(de.texts("#course-price"), ["49,00\u{a0}€"]);
    // Free again: the enrol button returns.
    t.post_form(&url, &[("amount", ""), ("currency", "EUR")])
        .await
        .assert_status(200);
    let page = s.get(&format!("/courses/{}", shop.slug)).await;
    assert!(page.attr("#enroll", "id").is_some());
    // A student can't set prices.
    s.post_form(
        &url,
        &[("paid", "on"), ("amount", "1"), ("currency", "EUR")],
    )
    .await
    .assert_status(403);
}

db_test!(a_coupon_lowers_the_price_charged_and_runs_out_after_its_uses);
async fn a_coupon_lowers_the_price_charged_and_runs_out_after_its_uses(b: TestAppBuilder) {
    let shop = shop(b).await;
    let app = &shop.app;
    let admin = app.signed_in(&app.admin).await;
    // Bad input is refused with reasons and kept.
    let bad = admin
        .post_form(
            "/admin/coupons",
            &[
                ("code", "no spaces!"),
                ("kind", "percent"),
                ("value", "150"),
                ("currency", "EUR"),
                ("course_id", ""),
                ("expires_on", "soon"),
                ("max_uses", "0"),
            ],
        )
        .await;
    bad.assert_status(422);
    for id in [
        "#code-error",
        "#value-error",
        "#expires_on-error",
        "#max_uses-error",
    ] {
        assert_eq!(bad.texts(id).len(), 1, "{id}");
    }
    assert_eq!(bad.input("code").as_deref(), Some("no spaces!"));
    let course = shop.course_id.to_string();
    admin
        .post_form(
            "/admin/coupons",
            &[
                ("code", "launch20"),
                ("kind", "percent"),
                ("value", "20"),
                ("currency", "EUR"),
                ("course_id", &course),
                ("expires_on", ""),
                ("max_uses", "1"),
            ],
        )
        .await
        .assert_redirect_to("/admin/coupons");
    let again = admin
        .post_form(
            "/admin/coupons",
            &[
                ("code", "LAUNCH20"),
                ("kind", "amount"),
                ("value", "5"),
                ("currency", "EUR"),
                ("course_id", ""),
                ("expires_on", ""),
                ("max_uses", ""),
            ],
        )
        .await;
    again.assert_status(422);
    assert_eq!(again.texts("#code-error").len(), 1);
    let expired_day = jiff::Zoned::now().date().yesterday().unwrap().to_string();
    admin
        .post_form(
            "/admin/coupons",
            &[
                ("code", "OLD"),
                ("kind", "amount"),
                ("value", "5"),
                ("currency", "EUR"),
                ("course_id", ""),
                ("expires_on", &expired_day),
                ("max_uses", ""),
            ],
        )
        .await
        .assert_redirect_to("/admin/coupons");

    let student = app.signed_in(&app.student).await;
    let buy = format!("/courses/{}/buy", shop.slug);
    let unknown = student.get(&format!("{buy}?coupon=NOPE")).await;
    assert_eq!(unknown.texts("#coupon-error"), ["That code isn't valid."]);
    let old = student.get(&format!("{buy}?coupon=old")).await;
    assert_eq!(old.texts("#coupon-error"), ["That code has expired."]);
    let page = student.get(&format!("{buy}?coupon=launch20")).await;
    assert_eq!(page.texts("#buy-discounted"), ["€39.20"]);
    // Apply in the form shows the same, and makes no order.
    let applied = student
        .post_form(
            &buy,
            &[
                ("action", "apply"),
                ("coupon", "launch20"),
                ("provider", ""),
            ],
        )
        .await;
    applied.assert_status(200);
    assert_eq!(applied.texts("#buy-discounted"), ["€39.20"]);
    assert_eq!(applied.input("coupon").as_deref(), Some("launch20"));
    // A code typed into the form that doesn't exist: refused, nothing made.
    let r = student
        .post_form(&buy, &[("provider", "stripe"), ("coupon", "NOPE")])
        .await;
    r.assert_status(422);
    assert!(shop.sim.sessions().is_empty());
    assert_eq!(app.scalar("SELECT COUNT(*) FROM orders").await, 0);
    // With the code: the provider charges the discounted price.
    let r = student
        .post_form(&buy, &[("provider", "stripe"), ("coupon", "launch20")])
        .await;
    r.assert_status(303);
    let s = shop.last_session();
    assert_eq!(s.amount_total, 3920);
    let back = shop.sim.pay(&s.id, Card::VISA).expect("paid");
    student.get(&path_of(&back)).await;
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    assert_eq!(
        app.scalar("SELECT uses FROM coupons WHERE code = 'LAUNCH20'")
            .await,
        1
    );
    let number = shop.order_number(app.student.id).await;
    assert_eq!(
        shop.order_field(&number, "discount_minor").await.as_deref(),
        Some("980")
    );
    assert_eq!(shop.order_field(&number, "flag").await, None);
    // Used up for the next buyer.
    let other = crate::support::create_user(
        &app.db,
        app.school.id,
        "late@test.example",
        "Lou Late",
        lectern::accounts::Role::Student,
    )
    .await;
    let late = app.signed_in(&other).await;
    let r = late
        .post_form(&buy, &[("provider", "stripe"), ("coupon", "LAUNCH20")])
        .await;
    r.assert_status(422);
    assert_eq!(r.texts("#buy-error"), ["That code has been used up."]);
    // The admin sees it counted.
    let list = admin.get("/admin/coupons").await;
    assert_eq!(
        list.attr("#coupons tr[data-code='LAUNCH20']", "data-active")
            .as_deref(),
        Some("1")
    );
}

db_test!(many_buyers_returning_at_once_settle_without_exhausting_the_pool);
async fn many_buyers_returning_at_once_settle_without_exhausting_the_pool(b: TestAppBuilder) {
    // Settling holds a transaction; a mail's reads inside it through the pool would hold a
    // second connection, and a pool's worth of buyers returning together would wait for
    // each other until the pool's timeout (found by `lectern-bench launch`).
    let shop = shop(b).await;
    let app = &shop.app;
    shop.sim.pause_webhooks();
    let n = (lectern::config::default_pool_size() * 3) as usize;
    let mut returns = Vec::new();
    for i in 0..n {
        let u = crate::support::create_user(
            &app.db,
            app.school.id,
            &format!("buyer{i}@test.example"),
            &format!("Buyer {i}"),
            lectern::accounts::Role::Student,
        )
        .await;
        let c = app.signed_in(&u).await;
        shop.buy(&c, "stripe").await;
        let s = shop.last_session();
        let back = shop.sim.pay(&s.id, Card::VISA).expect("paid");
        returns.push((c, path_of(&back)));
    }
    let started = std::time::Instant::now();
    let answers = futures_util::future::join_all(returns.iter().map(|(c, path)| c.get(path))).await;
    assert!(answers.iter().all(|r| r.status == 303));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM enrollments e JOIN orders o ON o.course_id = e.course_id AND o.user_id = e.user_id WHERE o.status = 'paid'").await,
        n as i64,
        "every buyer enrolled on return ({:?})",
        started.elapsed()
    );
    assert_eq!(shop.receipts().await, n as i64);
}

db_test!(an_open_order_page_asks_the_provider_at_most_every_ten_seconds);
async fn an_open_order_page_asks_the_provider_at_most_every_ten_seconds(b: TestAppBuilder) {
    // The page polls every two seconds; a launch's waiting buyers would be as many calls
    // to Stripe. The return URL and the webhook ask at once; the polls at most every 10 s.
    let shop = shop(b).await;
    let app = &shop.app;
    let student = app.signed_in(&app.student).await;
    shop.sim.pause_webhooks();
    shop.buy(&student, "stripe").await;
    let number = shop.order_number(app.student.id).await;
    let s = shop.last_session();
    shop.sim.pay(&s.id, Card::VISA).expect("paid");
    app.db.clock.freeze();
    let status = |c: TestClient, n: String| async move {
        let r = c.get(&format!("/api/orders/{n}")).await;
        r.assert_status(200);
        serde_json::from_str::<serde_json::Value>(&r.text).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Asked a moment ago (the checkout's start): the polls only read the order.
    for _ in 0..3 {
        assert_eq!(status(student.clone(), number.clone()).await, "pending");
    }
    assert_eq!(shop.enrolled(app.student.id).await, 0);
    // Ten seconds on, one poll asks Stripe and finds it paid.
    app.db.clock.advance(10_001);
    assert_eq!(status(student.clone(), number.clone()).await, "paid");
    assert_eq!(shop.enrolled(app.student.id).await, 1);
}
