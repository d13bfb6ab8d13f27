//! Headless-Chromium tests through WebDriver: the pages work with their JavaScript.
//! A missing chromedriver fails these tests unless LECTERN_SKIP_BROWSER=1.

use crate::support::TestApp;
use crate::support::browser::{self, Browser};

db_test!(student_signs_up_signs_out_and_signs_in);
async fn student_signs_up_signs_out_and_signs_in(app: TestApp) {
    if !browser::available("student_signs_up_signs_out_and_signs_in") {
        return;
    }
    let b = Browser::start().await;
    b.goto(&format!("{}/", app.base_url)).await;
    b.click("#nav-signup").await;
    b.wait_css("#signup-submit").await;
    // app.js fills the hidden time-zone field from the browser.
    let detected = b
        .eval("return Intl.DateTimeFormat().resolvedOptions().timeZone")
        .await;
    let field = b
        .eval("return document.querySelector('input[name=timezone]').value")
        .await;
    assert!(
        field.as_str().is_some_and(|s| !s.is_empty()),
        "timezone field empty: {field}"
    );
    assert_eq!(field, detected);
    b.fill("input[name=display_name]", "Browser Student").await;
    b.fill("input[name=email]", "browser@example.org").await;
    b.fill("input[name=password]", "browser password 1").await;
    b.click("#signup-submit").await;
    b.wait_css("#signout").await;
    let u = lectern::accounts::by_email(&app.db, app.school.id, "browser@example.org")
        .await
        .unwrap()
        .expect("user");
    assert_eq!(
        Some(u.timezone.as_str()),
        detected.as_str(),
        "the detected zone is stored"
    );

    b.click("#signout").await;
    b.wait_css("#nav-signin").await.click().await.unwrap();
    b.wait_css("#signin-submit").await;
    b.fill("input[name=email]", "browser@example.org").await;
    b.fill("input[name=password]", "browser password 1").await;
    b.click("#signin-submit").await;
    b.wait_css("#signout").await;
    let name = b
        .wait_css("nav a[href='/profile']")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(name, "Browser Student");
    b.assert_no_dialog().await;
    b.close().await;
}

db_test!(script_in_user_content_is_escaped_and_never_runs);
async fn script_in_user_content_is_escaped_and_never_runs(app: TestApp) {
    if !browser::available("script_in_user_content_is_escaped_and_never_runs") {
        return;
    }
    let evil = "<script>alert(1)</script>";
    // A display name and a school name under attacker control, shown on every page.
    sqlx::query("UPDATE schools SET display_name = $1 WHERE id = $2")
        .bind(format!("{evil}<img src=x onerror=alert(2)>"))
        .bind(app.school.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let b = Browser::start().await;
    b.goto(&format!("{}/signup", app.base_url)).await;
    b.fill("input[name=display_name]", evil).await;
    b.fill("input[name=email]", "evil@example.org").await;
    b.fill("input[name=password]", "browser password 1").await;
    b.click("#signup-submit").await;
    b.wait_css("#signout").await;
    b.assert_no_dialog().await;
    let shown = b
        .wait_css("nav a[href='/profile']")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(shown, evil, "rendered as text");
    let brand = b.wait_css(".brand span").await.text().await.unwrap();
    assert!(brand.starts_with(evil), "{brand}");
    let injected = b.eval("return document.querySelectorAll('main script, header script, header img:not(.logo)').length").await;
    assert_eq!(injected, serde_json::json!(0), "no element was injected");
    b.goto(&format!("{}/profile", app.base_url)).await;
    b.wait_css("#profile-save").await;
    b.assert_no_dialog().await;
    b.close().await;
}

db_test!(a_phishing_signin_link_with_a_tab_in_next_lands_on_the_school_in_chromium);
async fn a_phishing_signin_link_with_a_tab_in_next_lands_on_the_school_in_chromium(app: TestApp) {
    if !crate::support::browser::available("open redirect") {
        return;
    }
    let b = crate::support::browser::Browser::start().await;
    b.goto(&format!(
        "{}/signin?next=/%09/evil.example/phish",
        app.base_url
    ))
    .await;
    b.fill("input[name=email]", &app.student.email).await;
    b.fill("input[name=password]", &app.student.password).await;
    b.click("#signin-submit").await;
    b.wait_css("#signout").await;
    let here = b.eval("return location.origin + location.pathname").await;
    assert_eq!(here, serde_json::json!(format!("{}/", app.base_url)));
    b.close().await;
}
