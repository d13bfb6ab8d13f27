//! The JSON API in Chromium: a token made on Profile → API tokens is shown once and its
//! state (Active, Revoked) is a label of its own, and the reference page at /api/v1/docs/
//! renders every operation from the vendored Swagger UI (no network beyond our own
//! origin) under our Content-Security-Policy.

use crate::support::TestApp;
use crate::support::browser::{self, Browser};

db_test!(the_api_reference_renders_offline_and_a_token_is_made_in_the_profile);
async fn the_api_reference_renders_offline_and_a_token_is_made_in_the_profile(app: TestApp) {
    if !browser::available("the_api_reference_renders_offline_and_a_token_is_made_in_the_profile") {
        return;
    }
    let base = app.base_url.clone();
    let b = Browser::start().await;
    b.sign_in(&base, &app.admin.email, &app.admin.password)
        .await;
    b.goto(&format!("{base}/profile")).await;
    b.click("#profile-tokens").await;
    b.fill("input[name=name]", "CRM").await;
    b.click("input[value='courses:read']").await;
    b.click("input[value='enrolments:write']").await;
    b.click("#token-create").await;
    b.wait_css("#token-secret").await;
    let secret = b.text("#token-secret").await;
    assert!(secret.starts_with("lct_"), "{secret}");
    assert!(b.text("#token-list").await.contains("enrolments:write"));
    // "Copy" appears (the page is a secure context) and puts exactly the token on the
    // clipboard. The clipboard is observed through its API: a headless browser has no
    // system clipboard to read back.
    assert_eq!(
        b.eval("return document.querySelector('#token-copy').hidden")
            .await,
        serde_json::json!(false)
    );
    b.eval(
        "window.__copied = null; navigator.clipboard.writeText = function (t) { window.__copied = t; return Promise.resolve(); }; return true",
    )
    .await;
    b.click("#token-copy").await;
    let mut copied = serde_json::Value::Null;
    for _ in 0..50 {
        copied = b.eval("return window.__copied").await;
        if !copied.is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(copied.as_str(), Some(secret.as_str()));
    for _ in 0..50 {
        if !b.text("#token-copy-status").await.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(b.text("#token-copy-status").await, "Copied.");
    // Shown once: the list page never shows it again.
    b.goto(&format!("{base}/profile/tokens")).await;
    b.wait_css("#token-list").await;
    let page = b.eval("return document.body.innerText").await;
    assert!(!page.as_str().unwrap().contains(&secret));
    // Its state is a word of its own; revoked (after the browser asks), it says so.
    assert_eq!(b.text("#token-list .token-state").await, "Active");
    b.click("#token-list form[action$='/revoke'] button").await;
    b.c.accept_alert().await.unwrap();
    b.wait_css("#token-revoked").await;
    assert_eq!(b.text("#token-list .token-state").await, "Revoked");
    assert_eq!(
        b.eval("return document.querySelector('#token-list .token-state').dataset.state")
            .await,
        serde_json::json!("revoked")
    );

    // Swagger UI's DOM is not ours to fix; our CSP still holds it (checked on close).
    b.a11y_exclude(".swagger-ui");
    b.goto(&format!("{base}/api/v1/docs/")).await;
    b.wait_css(".opblock").await;
    let operations = b
        .eval("return document.querySelectorAll('.opblock').length")
        .await;
    let documented: usize = lectern::api::openapi()
        .paths
        .paths
        .values()
        .map(|item| {
            [&item.get, &item.post, &item.put, &item.patch, &item.delete]
                .iter()
                .filter(|o| o.is_some())
                .count()
        })
        .sum();
    assert_eq!(operations.as_u64(), Some(documented as u64));
    b.close().await;

    // A student is offered only the scopes a student can use.
    let b = Browser::start().await;
    b.sign_in(&base, &app.student.email, &app.student.password)
        .await;
    b.goto(&format!("{base}/profile/tokens")).await;
    b.wait_css("#token-new").await;
    let offered = b
        .eval("return Array.from(document.querySelectorAll('input[name=scope]')).map(function (i) { return i.value; })")
        .await;
    assert_eq!(
        offered,
        serde_json::json!(["courses:read", "live:read", "progress:read"])
    );
    b.close().await;
}
