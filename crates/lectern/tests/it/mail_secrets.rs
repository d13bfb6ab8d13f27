//! Secret links in stored mail. A password-reset mail was stored with
//! its link in clear: every admin read it at `/admin/outbox` (one admin took over another
//! that way) and every backup kept it. Now the stored body holds a placeholder, the link is
//! sealed beside it (bound to the row and the recipient), put in when SMTP delivers the
//! mail and wiped then; in the outbox only the recipient sees it.

use std::time::Duration;

use lectern::accounts::Role;

use crate::support::catalog;
use crate::support::{TestApp, TestAppBuilder, TestClient};

/// The reset link in an outbox page, if the page shows one.
fn reset_link_in(page: &crate::support::Resp) -> Option<String> {
    page.texts(".email-body")
        .join("\n")
        .split_whitespace()
        .find(|w| w.contains("/password/reset/"))
        .map(str::to_string)
}

fn token_of(link: &str) -> String {
    let token = link.rsplit('/').next().unwrap().to_string();
    assert!(token.len() >= 32, "a reset token: {token}");
    token
}

/// Where the token is stored in clear, as `table.column`.
async fn places_holding(app: &TestApp, token: &str) -> Vec<String> {
    let values = catalog::values(&app.db).await;
    catalog::containing(&values, token)
        .into_iter()
        .map(|v| format!("{}.{}", v.table, v.column))
        .collect()
}

async fn ask_for_reset(app: &TestApp, email: &str) {
    app.client()
        .post_form("/password/forgot", &[("email", email)])
        .await
        .assert_status(200);
}

/// Sets a new password with `link` in a fresh browser and proves it by signing in.
async fn use_link(app: &TestApp, link: &str, email: &str) -> TestClient {
    let c = app.client();
    c.get(link).await.assert_status(200);
    c.post_form(link, &[("password", "a fresh password 42")])
        .await
        .assert_redirect_to("/");
    let again = app.client();
    again.signin(email, "a fresh password 42").await;
    assert!(again.whoami().await.is_some(), "the new password signs in");
    c
}

db_test!(an_admin_reads_the_outbox_and_finds_no_reset_link_of_another_admin);
async fn an_admin_reads_the_outbox_and_finds_no_reset_link_of_another_admin(app: TestApp) {
    // No SMTP: mail stays in the outbox. The attacker, an admin, asks for a reset of
    // the other admin's account (anyone may) and opens the outbox.
    let victim = app
        .create_user(
            app.school.id,
            "second-admin@test.example",
            "Second Admin",
            Role::Admin,
        )
        .await;
    ask_for_reset(&app, &victim.email).await;
    assert_eq!(app.drain_jobs().await, 1);
    let attacker = app.signed_in(&app.admin).await;
    let page = attacker.get("/admin/outbox").await;
    page.assert_status(200);
    let summary = page.texts(".outbox-entry summary").join("\n");
    assert!(
        summary.contains(&victim.email),
        "the mail is listed: {summary}"
    );
    assert!(
        !page.text.contains("/password/reset/"),
        "the outbox shows another admin's reset link:\n{}",
        page.texts(".email-body").join("\n")
    );
    let body = page.texts(".email-body").join("\n");
    assert!(
        body.contains("[link hidden: only its recipient sees it here]"),
        "{body}"
    );
    assert!(
        body.contains("Second Admin"),
        "the rest of the mail is shown: {body}"
    );

    // The recipient, signed in (the demo, without SMTP), finds their own link there.
    let own = app.signed_in(&victim).await.get("/admin/outbox").await;
    let link = reset_link_in(&own).expect("the recipient sees their own link");
    assert!(link.starts_with(&app.base_url), "{link}");
    use_link(&app, &link, &victim.email).await;
    // …which the attacker still doesn't.
    let page = attacker.get("/admin/outbox").await;
    assert!(!page.text.contains(&token_of(&link)));
}

db_test!(the_reset_mail_over_smtp_still_carries_a_working_link_and_the_database_keeps_none);
async fn the_reset_mail_over_smtp_still_carries_a_working_link_and_the_database_keeps_none(
    b: TestAppBuilder,
) {
    let app = b.with_smtp().start().await;
    ask_for_reset(&app, &app.student.email).await;
    // A backup taken while the mail waits for its delivery…
    let queued = catalog::values(&app.db).await;
    assert!(app.drain_jobs().await >= 1);
    let sink = app.smtp.as_ref().unwrap();
    let mail = sink.wait_for(1, Duration::from_secs(10)).await[0].parse();
    let link = mail
        .link_containing("/password/reset/")
        .expect("the delivered mail carries the link");
    assert!(link.starts_with(&app.base_url), "{link}");
    let html = mail.html.clone().expect("an HTML part");
    assert!(html.contains(&link), "and so does its HTML part: {html}");
    assert!(!html.contains("{{") && !mail.text.clone().unwrap().contains("{{"));
    let token = token_of(&link);
    let found: Vec<String> = catalog::containing(&queued, &token)
        .into_iter()
        .map(|v| format!("{}.{}", v.table, v.column))
        .collect();
    assert!(found.is_empty(), "queued: the token in clear in {found:?}");
    // …and one taken after: the sealed copy is gone too.
    let found = places_holding(&app, &token).await;
    assert!(found.is_empty(), "sent: the token in clear in {found:?}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM emails WHERE secret_sealed IS NOT NULL")
            .await,
        0,
        "a sent mail keeps no sealed link"
    );
    use_link(&app, &link, &app.student.email).await;
}

db_test!(a_database_dump_holds_no_reset_token_in_clear);
async fn a_database_dump_holds_no_reset_token_in_clear(app: TestApp) {
    // Without SMTP (the demo): the mail stays, its link sealed for its recipient.
    ask_for_reset(&app, &app.admin.email).await;
    assert_eq!(app.drain_jobs().await, 1);
    let own = app.signed_in(&app.admin).await.get("/admin/outbox").await;
    let link = reset_link_in(&own).expect("the recipient sees their own link");
    let token = token_of(&link);
    let found = places_holding(&app, &token).await;
    assert!(found.is_empty(), "the token in clear in {found:?}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM emails WHERE secret_sealed IS NOT NULL")
            .await,
        1,
        "sealed, for its recipient"
    );
    // A sealed link copied into another mail row does not open there.
    sqlx::query(
        "INSERT INTO emails (school_id, to_addr, subject, body_text, body_html, status, created_at, secret_sealed, secret_user_id)
             SELECT school_id, to_addr, 'copy', body_text, body_html, 'outbox', created_at, secret_sealed, secret_user_id FROM emails",
    )
    .execute(&app.db.pool)
    .await
    .unwrap();
    let page = app.signed_in(&app.admin).await.get("/admin/outbox").await;
    let links = page
        .texts(".email-body")
        .iter()
        .filter(|b| b.contains("/password/reset/"))
        .count();
    assert_eq!(links, 1, "only the original row opens");
}
