//! Buying a course in Chromium, as a buyer lives it: the course page's price and Buy, the
//! buy page, the provider's hosted page on another origin (payments-sim's Stripe Checkout
//! and PayPal approval pages), a declined card, a payment confirmed while the order page
//! is open, Cancel, a coupon an admin made in the browser, and both pages on a phone.

use std::time::Duration;

use payments_sim::Card;

use crate::browser_ui::assert_fits_the_screen;
use crate::payments::{Shop, shop};
use crate::support::browser::{self, Browser};
use crate::support::{PASSWORD, TestAppBuilder, eventually};

/// The order page asks every 2 s and opens the course 1.5 s after saying "enrolled": well
/// within this, even on a loaded machine.
const SETTLES: Duration = Duration::from_secs(20);

async fn current_url(b: &Browser) -> String {
    b.c.current_url()
        .await
        .map(|u| u.to_string())
        .unwrap_or_default()
}

/// Waits for the browser to be on the simulator's origin showing `css`. A redirect the
/// page's form-action policy refuses leaves it on our page: the CSP check names it.
async fn on_provider_page(b: &Browser, shop: &Shop, css: &str) {
    let sim = shop.sim.base_url();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let url = current_url(b).await;
        if url.starts_with(&sim) {
            break;
        }
        if tokio::time::Instant::now() > deadline {
            b.assert_no_csp_violations().await;
            panic!("the buyer never reached the provider's page ({sim}): still on {url}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    b.wait_css(css).await;
}

/// Signs the student in and opens the course's page, which sells it.
async fn student_on_course_page(b: &Browser, shop: &Shop) {
    let app = &shop.app;
    b.sign_in(&app.base_url, &app.student.email, PASSWORD).await;
    b.goto(&format!("{}/courses/{}", app.base_url, shop.slug))
        .await;
    b.wait_css("#course-price").await;
    assert_eq!(b.text("#course-price").await, "€49.00");
    assert_eq!(
        b.text("#enroll").await,
        "",
        "a paid course has no free enrol"
    );
}

/// From the course page, Buy, then the buy page's "Pay with …".
async fn buy_with(b: &Browser, provider: &str) {
    b.click("#buy").await;
    b.wait_css("#buy-form").await;
    assert_eq!(b.text("#buy-course").await, "Negotiation Masterclass");
    assert_eq!(b.text("#buy-price").await, "€49.00");
    b.click(&format!("#pay-{provider}")).await;
}

/// Whether the element is displayed with a size, inside the viewport's width.
async fn shown_within_width(b: &Browser, css: &str) -> serde_json::Value {
    b.eval(&format!(
        "const e = document.querySelector({css:?}); if (!e) return 'missing';\
         const r = e.getBoundingClientRect(), s = getComputedStyle(e);\
         return s.visibility !== 'hidden' && s.display !== 'none' && r.width > 0 && r.height > 0\
           && r.left >= 0 && r.right <= window.innerWidth"
    ))
    .await
}

db_test!(a_declined_card_then_a_delayed_payment_turns_the_open_order_page_into_the_course);
async fn a_declined_card_then_a_delayed_payment_turns_the_open_order_page_into_the_course(
    b: TestAppBuilder,
) {
    if !browser::available("browser_payments stripe") {
        return;
    }
    let shop = shop(b).await;
    let app = &shop.app;
    let b = Browser::start().await;
    student_on_course_page(&b, &shop).await;
    buy_with(&b, "stripe").await;

    on_provider_page(&b, &shop, "#cardnumber").await;
    let session = shop.last_session();
    assert_eq!(session.amount_total, 4900);
    assert_eq!(b.text("#pay").await, "Pay 49.00 EUR");
    assert!(
        b.text("#items").await.contains("Negotiation Masterclass"),
        "{}",
        b.text("#items").await
    );

    // Declined: the provider says so on its own page; nothing is paid, nobody enrolled.
    b.fill("#cardnumber", Card::DECLINED).await;
    b.click("#pay").await;
    b.wait_css("#error").await;
    assert_eq!(b.text("#error").await, "Your card was declined.");
    assert!(current_url(&b).await.starts_with(&shop.sim.base_url()));
    assert_eq!(shop.enrolled(app.student.id).await, 0);

    // A card whose payment settles later: back on the order page, still confirming.
    b.fill("#cardnumber", Card::ASYNC).await;
    b.click("#pay").await;
    b.wait_css("#order-confirming").await;
    let number = shop.order_number(app.student.id).await;
    assert_eq!(
        current_url(&b).await,
        format!("{}/orders/{number}", app.base_url)
    );
    assert_eq!(
        b.text("#order-confirming").await,
        "Confirming your payment…"
    );
    assert_eq!(b.text("#order-number").await, number);
    assert_eq!(shop.enrolled(app.student.id).await, 0);
    // Survives only if the page is never reloaded.
    b.eval("window.__kept = 42; return true").await;

    // The bank settles while the page is open: it says so, then opens the course itself.
    shop.sim
        .complete_async_payment(&session.id)
        .expect("settle the delayed payment");
    let said = eventually("the open page to say enrolled", SETTLES, || async {
        let text = b.text("#order-enrolled").await;
        (!text.is_empty()).then_some(text)
    })
    .await;
    assert_eq!(said, "You're enrolled.");
    assert_eq!(b.eval("return window.__kept || null").await, 42);
    assert_eq!(b.text("#order-confirming").await, "");
    let course = format!("{}/courses/{}", app.base_url, shop.slug);
    eventually("the page to open the course", SETTLES, || async {
        (current_url(&b).await == course).then_some(())
    })
    .await;
    b.wait_css("#continue").await;
    assert_eq!(b.text("#course-price").await, "", "no price once bought");
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    assert_eq!(
        shop.order_field(&number, "status").await.as_deref(),
        Some("paid")
    );
    b.close().await;
}

db_test!(paypal_approval_brings_the_buyer_back_enrolled_and_the_course_opens);
async fn paypal_approval_brings_the_buyer_back_enrolled_and_the_course_opens(b: TestAppBuilder) {
    if !browser::available("browser_payments paypal") {
        return;
    }
    let shop = shop(b).await;
    let app = &shop.app;
    let b = Browser::start().await;
    student_on_course_page(&b, &shop).await;
    buy_with(&b, "paypal").await;

    on_provider_page(&b, &shop, "#approve").await;
    assert_eq!(b.text("#amount").await, "49.00 EUR");
    assert_eq!(shop.enrolled(app.student.id).await, 0);
    b.click("#approve").await;

    b.wait_css("#order-enrolled").await;
    let number = shop.order_number(app.student.id).await;
    assert_eq!(
        current_url(&b).await,
        format!("{}/orders/{number}", app.base_url)
    );
    assert_eq!(b.text("#order-enrolled").await, "You're enrolled.");
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    let captured = shop.sim.orders();
    assert_eq!(captured.len(), 1);
    assert_eq!(captured[0].status, "COMPLETED");
    b.click("#open-course").await;
    b.wait_css("#continue").await;
    assert_eq!(
        current_url(&b).await,
        format!("{}/courses/{}", app.base_url, shop.slug)
    );
    b.close().await;
}

db_test!(cancel_on_the_stripe_page_comes_back_to_the_course_with_nothing_charged);
async fn cancel_on_the_stripe_page_comes_back_to_the_course_with_nothing_charged(
    b: TestAppBuilder,
) {
    if !browser::available("browser_payments cancel") {
        return;
    }
    let shop = shop(b).await;
    let app = &shop.app;
    let b = Browser::start().await;
    student_on_course_page(&b, &shop).await;
    buy_with(&b, "stripe").await;
    on_provider_page(&b, &shop, "#cancel").await;
    let session = shop.last_session();
    b.click("#cancel").await;

    b.wait_css("#payment-cancelled").await;
    assert_eq!(
        current_url(&b).await,
        format!("{}/courses/{}?payment=cancelled", app.base_url, shop.slug)
    );
    assert_eq!(
        b.text("#payment-cancelled").await,
        "Payment cancelled: nothing was charged."
    );
    assert_eq!(b.text("#course-price").await, "€49.00");
    assert_eq!(b.text("#continue").await, "");
    assert_eq!(shop.enrolled(app.student.id).await, 0);
    let number = shop.order_number(app.student.id).await;
    assert_eq!(
        shop.order_field(&number, "status").await.as_deref(),
        Some("cancelled")
    );
    let s = shop.sim.session(&session.id).unwrap();
    assert_eq!(s.status, "expired", "the abandoned checkout is closed");
    assert_eq!(s.payment_status, "unpaid");

    // Buying again starts afresh: no "still being confirmed" about the cancelled one.
    b.click("#buy").await;
    b.wait_css("#buy-form").await;
    assert_eq!(b.text("#buy-pending").await, "");
    b.close().await;
}

db_test!(a_coupon_made_in_the_admin_form_lowers_what_the_provider_charges);
async fn a_coupon_made_in_the_admin_form_lowers_what_the_provider_charges(b: TestAppBuilder) {
    if !browser::available("browser_payments coupon") {
        return;
    }
    let shop = shop(b).await;
    let app = &shop.app;
    let b = Browser::start().await;

    // The admin makes a 20 % code for this course in the form.
    b.sign_in(&app.base_url, &app.admin.email, PASSWORD).await;
    b.goto(&format!("{}/admin/coupons", app.base_url)).await;
    b.fill("#coupon-code", "launch20").await;
    b.wait_css("#coupon-kind")
        .await
        .select_by_value("percent")
        .await
        .unwrap();
    b.fill("#coupon-value", "20").await;
    b.wait_css("#coupon-course")
        .await
        .select_by_value(&shop.course_id.to_string())
        .await
        .unwrap();
    b.fill("#coupon-max-uses", "5").await;
    b.click("#create-coupon").await;
    b.wait_css("#coupons tr[data-code='LAUNCH20']").await;
    let row = b.text("#coupons tr[data-code='LAUNCH20']").await;
    assert!(row.contains("Negotiation Masterclass"), "{row}");
    assert!(row.contains("0 / 5"), "{row}");
    b.click("#signout").await;
    b.wait_css("#nav-signin").await;

    // The student applies it on the buy page and pays the lower price.
    student_on_course_page(&b, &shop).await;
    b.click("#buy").await;
    b.wait_css("#coupon").await;
    b.fill("#coupon", "launch20").await;
    b.click("#apply-coupon").await;
    b.wait_css("#buy-discounted").await;
    assert_eq!(b.text("#buy-discounted").await, "€39.20");
    assert_eq!(b.text("#buy-price s").await, "€49.00");
    assert_eq!(b.text("#coupon-error").await, "");
    b.click("#pay-stripe").await;

    on_provider_page(&b, &shop, "#cardnumber").await;
    let session = shop.last_session();
    assert_eq!(session.amount_total, 3920);
    assert_eq!(b.text("#pay").await, "Pay 39.20 EUR");
    b.fill("#cardnumber", Card::VISA).await;
    b.click("#pay").await;

    b.wait_css("#order-enrolled").await;
    let number = shop.order_number(app.student.id).await;
    assert!(
        b.text("#order .muted").await.contains("€39.20"),
        "{}",
        b.text("#order .muted").await
    );
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    assert_eq!(
        shop.order_field(&number, "amount_minor").await.as_deref(),
        Some("3920")
    );
    assert_eq!(
        app.scalar("SELECT uses FROM coupons WHERE code = 'LAUNCH20'")
            .await,
        1
    );
    b.close().await;
}

db_test!(the_buy_and_order_pages_fit_a_phone);
async fn the_buy_and_order_pages_fit_a_phone(b: TestAppBuilder) {
    if !browser::available("browser_payments phone") {
        return;
    }
    let shop = shop(b).await;
    let app = &shop.app;
    let b = Browser::start_mobile(360, 740).await;
    student_on_course_page(&b, &shop).await;
    assert_fits_the_screen(&b, "course page with a price").await;
    b.click("#buy").await;
    b.wait_css("#buy-form").await;
    assert_fits_the_screen(&b, "buy page").await;
    // The price stands out from the text around it.
    let weight = b
        .eval("return getComputedStyle(document.getElementById('buy-price')).fontWeight")
        .await;
    assert_eq!(weight, "700");
    for pay in ["#pay-stripe", "#pay-paypal"] {
        assert_eq!(shown_within_width(&b, pay).await, true, "{pay}");
    }
    if let Ok(png) = b.c.screenshot().await {
        let _ = std::fs::write("/tmp/buy-360.png", png);
    }
    // A refused code, then an accepted one: messages and the struck price still fit.
    b.fill("#coupon", "NO-SUCH-CODE").await;
    b.click("#apply-coupon").await;
    b.wait_css("#coupon-error").await;
    assert_fits_the_screen(&b, "buy page with a refused code").await;
    // The field says it was refused, and why, to whoever reads it with a screen reader.
    let field = b
        .eval(
            "const i = document.getElementById('coupon');\
             return [i.getAttribute('aria-invalid'), i.getAttribute('aria-describedby')]",
        )
        .await;
    assert_eq!(field, serde_json::json!(["true", "coupon-error"]));
    for pay in ["#pay-stripe", "#pay-paypal"] {
        assert_eq!(shown_within_width(&b, pay).await, true, "{pay}");
    }
    // Paying with the refused code still typed is refused too (it is never dropped
    // silently): the buyer stays, told why, and nothing was started.
    b.click("#pay-stripe").await;
    b.wait_css("#buy-error").await;
    assert_eq!(b.text("#buy-error").await, "That code isn't valid.");
    assert!(shop.sim.sessions().is_empty());
    b.fill("#coupon", "").await;

    b.click("#pay-stripe").await;
    on_provider_page(&b, &shop, "#cardnumber").await;
    let session = shop.last_session();
    b.fill("#cardnumber", Card::ASYNC).await;
    b.click("#pay").await;
    b.wait_css("#order-confirming").await;
    assert_fits_the_screen(&b, "order page, confirming").await;
    if let Ok(png) = b.c.screenshot().await {
        let _ = std::fs::write("/tmp/order-360.png", png);
    }
    shop.sim.complete_async_payment(&session.id).unwrap();
    eventually(
        "the phone's order page to say enrolled",
        SETTLES,
        || async { (!b.text("#order-enrolled").await.is_empty()).then_some(()) },
    )
    .await;
    assert_fits_the_screen(&b, "order page, enrolled").await;
    b.wait_css("#continue").await;
    assert_eq!(shop.enrolled(app.student.id).await, 1);
    b.close().await;
}
