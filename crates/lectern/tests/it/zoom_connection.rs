//! Connecting, keeping alive and disconnecting a school's Zoom account, against
//! zoom-sim. Every test runs on SQLite and PostgreSQL.

use std::sync::Arc;

use lectern::app::AppState;
use lectern::zoom_connection::{self, Owner, tokens};
use sqlx::Row;
use zoom_sim::{Fault, FaultKind};

use crate::support::zoom::ZoomFixture;
use crate::support::{TestApp, TestAppBuilder};

async fn connected_app(b: crate::support::TestAppBuilder) -> (TestApp, ZoomFixture) {
    let zoom = ZoomFixture::start().await;
    let app = zoom.configure(b).start().await;
    zoom.register(&app, None);
    let admin = app.signed_in(&app.admin).await;
    let page = zoom.connect(&admin, "school").await;
    page.assert_status(200);
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert!(page.text.contains("Zoom is connected"), "{}", page.text);
    (app, zoom)
}

async fn school_connection(app: &TestApp) -> zoom_connection::Connection {
    zoom_connection::find(&app.db, app.school.id, Owner::School)
        .await
        .unwrap()
        .expect("connection row")
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

db_test!(connect_flow_stores_the_account_and_shows_connected);
async fn connect_flow_stores_the_account_and_shows_connected(b: TestAppBuilder) {
    let zoom = ZoomFixture::start().await;
    let app = zoom.configure(b).start().await;
    zoom.register(&app, None);
    let admin = app.signed_in(&app.admin).await;
    let before = admin.get("/settings/integrations").await;
    assert_eq!(before.texts("#zoom-connect"), vec!["Connect Zoom Account"]);

    let page = zoom.connect(&admin, "school").await;
    assert!(page.text.contains("instructor@test.example"));

    let card = admin.get("/settings/integrations").await;
    assert!(card.texts("#zoom-status")[0].contains("Connected"));
    let account = card.texts("#zoom-account").join(" ");
    assert!(
        account.contains("Ines Instructor") && account.contains("instructor@test.example"),
        "{account}"
    );
    assert_eq!(card.texts("#zoom-health-state"), vec!["Connected"]);
    assert_eq!(
        card.attr("#zoom-health-state", "data-state").as_deref(),
        Some("connected")
    );

    let c = school_connection(&app).await;
    assert_eq!(c.zoom_user_id.as_deref(), Some(zoom.zoom_user.as_str()));
    assert_eq!(c.zoom_account_id.as_deref(), Some(zoom.account.as_str()));
    assert!(c.connected_at.is_some());
    assert!(c.missing_scopes().is_empty());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM zoom_tokens").await, 1);

    // Tokens: sealed in the database, never on a page.
    let t = tokens::load(&app.state.zoom_deps(), c.id)
        .await
        .unwrap()
        .unwrap();
    let (access, refresh) = (
        t.access.expose().to_string(),
        t.refresh.expose().to_string(),
    );
    let dump = dump_database(&app).await;
    assert!(
        !dump.contains(&access) && !dump.contains(&refresh),
        "a token is stored in plain text"
    );
    for page in [card.text, page.text] {
        assert!(!page.contains(&access) && !page.contains(&refresh));
    }
}

/// Every text value of every table, as one string.
async fn dump_database(app: &TestApp) -> String {
    let tables: Vec<String> = match app.backend() {
        lectern::db::Backend::Sqlite => sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
            .fetch_all(&app.db.pool)
            .await
            .unwrap(),
        lectern::db::Backend::Postgres => sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
        )
        .fetch_all(&app.db.pool)
        .await
        .unwrap(),
    };
    let mut out = String::new();
    for t in tables {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {t}")))
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
        for row in rows {
            for i in 0..row.len() {
                if let Ok(Some(s)) = row.try_get::<Option<String>, _>(i) {
                    out.push_str(&s);
                    out.push('\n');
                }
            }
        }
    }
    assert!(
        out.contains("instructor@test.example"),
        "the dump reads real rows"
    );
    out
}

db_test!(deny_stores_nothing);
async fn deny_stores_nothing(b: TestAppBuilder) {
    let zoom = ZoomFixture::start().await;
    let app = zoom.configure(b).start().await;
    zoom.register(&app, None);
    zoom.sim.set_auto_approve(false);
    let admin = app.signed_in(&app.admin).await;
    let start = admin
        .post_form_raw(
            "/integrations/zoom/connect",
            &[
                ("_csrf", &admin.csrf_for("/settings/integrations").await),
                ("for", "school"),
            ],
        )
        .await;
    let to_zoom = start.location().unwrap().to_string();
    // The consent page's Deny button posts decision=deny.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let consent = http
        .get(&to_zoom)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(consent.contains("id=\"deny\""));
    let r = http
        .post(&to_zoom)
        .form(&[("decision", "deny")])
        .send()
        .await
        .unwrap();
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert!(back.contains("error=access_denied"), "{back}");
    let page = admin.get(&back).await;
    assert!(
        page.text.contains("Zoom connection cancelled"),
        "{}",
        page.text
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM zoom_connections").await,
        0
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM zoom_tokens").await, 0);
    assert_eq!(zoom.token_calls(), 0);
}

db_test!(state_attacks_never_reach_zoom);
async fn state_attacks_never_reach_zoom(b: TestAppBuilder) {
    let zoom = ZoomFixture::start().await;
    let app = zoom.configure(b).start().await;
    zoom.register(&app, None);
    let admin = app.signed_in(&app.admin).await;
    let back = zoom.authorize(&admin, "school").await;
    let url = reqwest::Url::parse(&back).unwrap();
    let code = url
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let state = url
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .to_string();
    let cb = |q: String| format!("/integrations/zoom/callback?{q}");

    let bad =
        |r: &crate::support::Resp| assert!(r.text.contains("can&#39;t be used"), "{}", r.text);
    // Missing and unknown state.
    bad(&admin.get(&cb(format!("code={code}"))).await);
    bad(&admin.get(&cb(format!("code={code}&state=not-ours"))).await);
    // From another session: a second admin session cannot use this admin's state.
    let other = app.signed_in(&app.admin).await;
    bad(&other.get(&cb(format!("code={code}&state={state}"))).await);
    assert_eq!(
        zoom.token_calls(),
        0,
        "no state attack may reach Zoom's token endpoint"
    );

    // Expired: ten minutes is the limit.
    sqlx::query("UPDATE zoom_oauth_states SET expires_at = 0")
        .execute(&app.db.pool)
        .await
        .unwrap();
    bad(&admin.get(&cb(format!("code={code}&state={state}"))).await);
    assert_eq!(zoom.token_calls(), 0);

    // A fresh, valid state works once; reusing it is refused without a token call.
    let back = zoom.authorize(&admin, "school").await;
    admin.get(&back).await.assert_status(200);
    assert_eq!(zoom.token_calls(), 1);
    bad(&admin.get(&back).await);
    assert_eq!(zoom.token_calls(), 1);
    assert!(school_connection(&app).await.is_connected());
}

db_test!(callback_errors_use_the_briefs_words);
async fn callback_errors_use_the_briefs_words(b: TestAppBuilder) {
    let zoom = ZoomFixture::start().await;
    let app = zoom.configure(b).start().await;
    zoom.register(&app, None);
    let admin = app.signed_in(&app.admin).await;

    // A valid state without a code.
    let back = zoom.authorize(&admin, "school").await;
    let no_code: String = back.split('?').next().unwrap().to_string()
        + "?state="
        + &reqwest::Url::parse(&back)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1;
    let r = admin.get(&no_code).await;
    assert!(
        r.text.contains("No authorization code received"),
        "{}",
        r.text
    );

    // Zoom refuses the code exchange.
    let back = zoom.authorize(&admin, "school").await;
    let tampered = back.replacen("code=", "code=x", 1);
    let r = admin.get(&tampered).await;
    assert!(r.text.contains("OAuth authorization failed"), "{}", r.text);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM zoom_connections").await,
        0
    );

    // Saving fails: nothing half-stored.
    let back = zoom.authorize(&admin, "school").await;
    sqlx::query("DROP TABLE zoom_tokens")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let r = admin.get(&back).await;
    assert!(r.text.contains("Error saving Zoom settings"), "{}", r.text);
    r.assert_status(200);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM zoom_connections").await,
        0
    );
}

db_test!(missing_scopes_connect_degraded_with_reconnect);
async fn missing_scopes_connect_degraded_with_reconnect(b: TestAppBuilder) {
    let zoom = ZoomFixture::start().await;
    let app = zoom.configure(b).start().await;
    zoom.register(
        &app,
        Some(vec![
            "meeting:write:meeting".into(),
            "meeting:read:meeting".into(),
            "user:read:user".into(),
        ]),
    );
    let admin = app.signed_in(&app.admin).await;
    let page = zoom.connect(&admin, "school").await;
    assert!(
        page.text
            .contains("webinar:write:webinar, webinar:read:webinar"),
        "{}",
        page.text
    );
    assert!(page.text.contains("id=\"zoom-reconnect\""));
    let card = admin.get("/settings/integrations").await;
    assert!(
        card.texts("#zoom-degraded")[0]
            .contains("Reconnect Zoom integration with proper permissions")
    );
}

db_test!(unconfigured_zoom_says_so_and_refuses);
async fn unconfigured_zoom_says_so_and_refuses(app: TestApp) {
    let admin = app.signed_in(&app.admin).await;
    let card = admin.get("/settings/integrations").await;
    assert_eq!(
        card.texts("#zoom-not-configured"),
        vec!["Zoom integration is not configured."]
    );
    let r = admin
        .post_form_raw(
            "/integrations/zoom/connect",
            &[
                ("_csrf", &admin.csrf_for("/settings/integrations").await),
                ("for", "school"),
            ],
        )
        .await;
    r.assert_status(400);
    assert!(r.text.contains("Zoom integration is not configured."));
    // Students never see the page.
    let student = app.signed_in(&app.student).await;
    student
        .get("/settings/integrations")
        .await
        .assert_status(403);
}

db_test!(fifty_concurrent_calls_with_an_expired_token_refresh_once);
async fn fifty_concurrent_calls_with_an_expired_token_refresh_once(b: TestAppBuilder) {
    let (app, zoom) = connected_app(b).await;
    // This test is about refresh single-flight; Zoom's per-second budget (which 50 calls
    // in one second exceed) is exercised elsewhere.
    zoom.sim.set_rate_limits(false);
    let conn = school_connection(&app).await;
    // Expired by our clock: the proactive path.
    sqlx::query("UPDATE zoom_tokens SET access_expires_at = 0")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let before = zoom.token_calls();
    let mut calls = Vec::new();
    for _ in 0..50 {
        let state = app.state.clone();
        let conn = conn.clone();
        calls.push(tokio::spawn(async move {
            tokens::with_api(
                &state.zoom_deps(),
                &conn,
                |api| async move { api.me().await },
            )
            .await
        }));
    }
    for c in calls {
        let me = c.await.unwrap().expect("every call succeeds");
        assert_eq!(me.email, "instructor@test.example");
    }
    assert_eq!(
        zoom.token_calls() - before,
        1,
        "exactly one refresh reached Zoom"
    );

    // Expired by Zoom's clock only: 124, then one refresh for all.
    zoom.sim.advance_time(std::time::Duration::from_secs(3700));
    let before = zoom.token_calls();
    let conn = school_connection(&app).await;
    let mut calls = Vec::new();
    for _ in 0..50 {
        let state = app.state.clone();
        let conn = conn.clone();
        calls.push(tokio::spawn(async move {
            tokens::with_api(
                &state.zoom_deps(),
                &conn,
                |api| async move { api.me().await },
            )
            .await
        }));
    }
    for c in calls {
        c.await.unwrap().expect("every call succeeds after a 124");
    }
    assert_eq!(zoom.token_calls() - before, 1);
}

db_test!(two_instances_racing_one_expiry_refresh_once);
async fn two_instances_racing_one_expiry_refresh_once(b: TestAppBuilder) {
    let (app, zoom) = connected_app(b).await;
    // A second instance: its own pool, its own Zoom client and in-process locks.
    let db2 = app.test_db.connect().await;
    let config2 = (*app.state.config).clone();
    let second = AppState::new(config2, db2).unwrap();
    let conn = school_connection(&app).await;
    sqlx::query("UPDATE zoom_tokens SET access_expires_at = 0")
        .execute(&app.db.pool)
        .await
        .unwrap();
    let before = zoom.token_calls();
    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    let mut calls = Vec::new();
    for i in 0..20 {
        let state = if i % 2 == 0 {
            app.state.clone()
        } else {
            second.clone()
        };
        let conn = conn.clone();
        let barrier = barrier.clone();
        calls.push(tokio::spawn(async move {
            barrier.wait().await;
            tokens::with_api(
                &state.zoom_deps(),
                &conn,
                |api| async move { api.me().await },
            )
            .await
        }));
    }
    for c in calls {
        c.await.unwrap().expect("both instances succeed");
    }
    assert_eq!(
        zoom.token_calls() - before,
        1,
        "one refresh across two instances"
    );
}

db_test!(a_lost_refresh_response_means_reconnect_and_one_email);
async fn a_lost_refresh_response_means_reconnect_and_one_email(b: TestAppBuilder) {
    let (app, zoom) = connected_app(b).await;
    let conn = school_connection(&app).await;
    sqlx::query("UPDATE zoom_tokens SET access_expires_at = 0")
        .execute(&app.db.pool)
        .await
        .unwrap();
    zoom.sim.inject_fault(Fault {
        method: Some("POST".into()),
        path_prefix: "/oauth/token".into(),
        kind: FaultKind::CommitThenDrop,
        times: Some(1),
    });
    let before = zoom.token_calls();
    let err = tokens::with_api(&app.state.zoom_deps(), &conn, |api| async move {
        api.me().await
    })
    .await
    .unwrap_err();
    assert!(
        matches!(err, tokens::AccessError::NeedsReconnect),
        "{err:?}"
    );
    assert_eq!(
        zoom.token_calls() - before,
        2,
        "the lost refresh is retried exactly once"
    );
    let c = school_connection(&app).await;
    assert_eq!(c.state, "needs_reconnect");

    // No further refresh is attempted; admins got exactly one e-mail.
    let again = tokens::with_api(
        &app.state.zoom_deps(),
        &c,
        |api| async move { api.me().await },
    )
    .await
    .unwrap_err();
    assert!(matches!(again, tokens::AccessError::NeedsReconnect));
    assert_eq!(zoom.token_calls() - before, 2);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM emails WHERE subject = 'Action needed: reconnect Zoom'"
        )
        .await,
        1
    );
    let admin = app.signed_in(&app.admin).await;
    let card = admin.get("/settings/integrations").await;
    assert_eq!(card.texts("#zoom-reconnect").len(), 1);
    assert!(!card.texts("#zoom-needs-reconnect").is_empty());

    // Reconnecting restores it.
    zoom.connect(&admin, "school").await.assert_status(200);
    let c = school_connection(&app).await;
    assert!(c.is_connected());
    tokens::with_api(
        &app.state.zoom_deps(),
        &c,
        |api| async move { api.me().await },
    )
    .await
    .unwrap();
}

db_test!(disconnect_revokes_deletes_tokens_and_keeps_courses);
async fn disconnect_revokes_deletes_tokens_and_keeps_courses(b: TestAppBuilder) {
    let (app, zoom) = connected_app(b).await;
    let now = lectern::db::now_ms();
    sqlx::query("INSERT INTO courses (school_id, slug, title, status, created_at, updated_at) VALUES ($1, 'kept', 'Kept course', 'published', $2, $2)")
.bind(app.school.id)
.bind(now)
.execute(&app.db.pool)
.await
.unwrap();
    let admin = app.signed_in(&app.admin).await;
    let confirm = admin.get("/integrations/zoom/disconnect?for=school").await;
    assert!(confirm.text.contains("students won&#39;t be able to join"));
    assert!(confirm.text.contains("No data loss"));
    let r = admin
        .post_form(
            "/integrations/zoom/disconnect?for=school",
            &[("for", "school")],
        )
        .await;
    r.assert_redirect_to("/settings/integrations");
    assert_eq!(zoom.sim.count_requests("POST", "/oauth/revoke"), 1);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM zoom_tokens").await,
        0,
        "tokens deleted, not flagged"
    );
    let c = school_connection(&app).await;
    assert_eq!(c.state, "disconnected");
    assert!(c.zoom_email.is_none() && c.zoom_display_name.is_none());
    assert!(c.disconnected_at.is_some());
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM courses WHERE slug = 'kept'").await,
        1
    );
    let card = admin.get("/settings/integrations").await;
    assert!(card.texts("#zoom-status")[0].contains("Not Connected"));
    assert!(!card.text.contains("instructor@test.example"));

    // Reconnect any time.
    zoom.connect(&admin, "school").await.assert_status(200);
    assert!(school_connection(&app).await.is_connected());
}

db_test!(app_deauthorized_webhook_ends_the_connection);
async fn app_deauthorized_webhook_ends_the_connection(b: TestAppBuilder) {
    let (app, zoom) = connected_app(b).await;
    zoom.sim.deauthorize(&zoom.client_id, &zoom.zoom_user);
    let delivered = zoom
        .sim
        .wait_for_deliveries(std::time::Duration::from_secs(10), |d| {
            d.iter()
                .any(|x| x.event == "app_deauthorized" && x.status == Some(200))
        })
        .await;
    assert!(
        delivered
            .iter()
            .any(|x| x.event == "app_deauthorized" && x.status == Some(200)),
        "the signed app_deauthorized webhook was accepted: {delivered:?}"
    );
    app.drain_jobs().await;
    let c = school_connection(&app).await;
    assert_eq!(c.state, "deauthorized");
    assert!(c.deauthorized_at.is_some());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM zoom_tokens").await, 0);
    assert_eq!(
        zoom.sim.count_requests("POST", "/oauth/revoke"),
        0,
        "no revoke call for a deauthorization"
    );
    let admin = app.signed_in(&app.admin).await;
    let card = admin.get("/settings/integrations").await;
    assert!(card.texts("#zoom-deauthorized")[0].contains("removed from Zoom on"));
}

db_test!(delete_all_zoom_data_keeps_an_anonymous_record_and_audits);
async fn delete_all_zoom_data_keeps_an_anonymous_record_and_audits(b: TestAppBuilder) {
    let (app, _zoom) = connected_app(b).await;
    let admin = app.signed_in(&app.admin).await;
    let refused = admin
        .post_form("/integrations/zoom/delete-data", &[("confirm", "nope")])
        .await;
    refused.assert_status(400);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM zoom_tokens").await, 1);
    admin
        .post_form("/integrations/zoom/delete-data", &[("confirm", "DELETE")])
        .await
        .assert_redirect_to("/settings/integrations");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM zoom_tokens").await, 0);
    let c = school_connection(&app).await;
    assert!(c.zoom_account_id.is_none() && c.zoom_user_id.is_none() && c.zoom_email.is_none());
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'zoom.delete_all_data'"
        )
        .await,
        1
    );
}

db_test!(instructor_connects_own_account_from_profile);
async fn instructor_connects_own_account_from_profile(b: TestAppBuilder) {
    let zoom = ZoomFixture::start().await;
    let app = zoom.configure(b).start().await;
    zoom.register(&app, None);
    let teacher = app.signed_in(&app.instructor).await;
    teacher.get("/profile/zoom").await.assert_status(200);
    let page = zoom.connect(&teacher, "me").await;
    assert!(page.text.contains("Zoom is connected"), "{}", page.text);
    let own = zoom_connection::find(&app.db, app.school.id, Owner::User(app.instructor.id))
        .await
        .unwrap()
        .unwrap();
    assert!(own.is_connected());
    let host = zoom_connection::for_host(&app.db, app.school.id, app.instructor.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(host.id, own.id);
    // Students can't connect anything.
    let student = app.signed_in(&app.student).await;
    student.get("/profile/zoom").await.assert_status(403);
}

db_test!(browser_connect_by_clicking_allow_then_deny);
async fn browser_connect_by_clicking_allow_then_deny(b: TestAppBuilder) {
    if !crate::support::browser::available("zoom browser connect") {
        return;
    }
    let zoom = ZoomFixture::start().await;
    zoom.sim.set_auto_approve(false);
    let app = zoom.configure(b).start().await;
    zoom.register(&app, None);
    let br = crate::support::browser::Browser::start().await;
    br.sign_in(&app.base_url, &app.admin.email, &app.admin.password)
        .await;
    br.goto(&format!("{}/settings/integrations", app.base_url))
        .await;
    br.click("#zoom-connect").await;
    // Zoom's consent page (the simulator's), then back to our success page.
    br.click("#allow").await;
    let msg = br
        .wait_css("#zoom-callback-message")
        .await
        .text()
        .await
        .unwrap();
    assert!(msg.contains("instructor@test.example"), "{msg}");
    br.click("#zoom-back").await;
    let status = br.wait_css("#zoom-status").await.text().await.unwrap();
    assert!(status.contains("Connected"), "{status}");

    // Disconnect through the confirmation, then connect again but press Deny.
    br.click("#zoom-disconnect").await;
    br.click("#zoom-disconnect-confirm").await;
    let asked = br.c.get_alert_text().await.expect("disconnect asks first");
    assert!(asked.starts_with("Disconnect Zoom now?"), "{asked}");
    br.c.accept_alert().await.unwrap();
    br.click("#zoom-connect").await;
    br.click("#deny").await;
    let msg = br
        .wait_css("#zoom-callback-message")
        .await
        .text()
        .await
        .unwrap();
    assert!(msg.contains("cancelled"), "{msg}");
    assert_eq!(school_connection(&app).await.state, "disconnected");
    br.close().await;
}

/// The real binary at the most verbose log level never prints a token, a session cookie,
/// a password or the client secret, through sign-in, a connect and a disconnect.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_logs_contain_no_tokens() {
    use crate::support::bin;
    let zoom = ZoomFixture::start().await;
    let dir = tempfile::tempdir().unwrap();
    let port = bin::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let key = lectern::config::generate_secret_key();
    let db_url = format!("sqlite://{}/lectern.db", dir.path().display());
    let env: Vec<(&str, String)> = vec![
        ("LECTERN_SECRET_KEY", key.clone()),
        ("DATABASE_URL", db_url.clone()),
        ("LECTERN_BIND", format!("127.0.0.1:{port}")),
        ("LECTERN_LOG", "trace".into()),
        ("ZOOM_CLIENT_ID", zoom.client_id.clone()),
        ("ZOOM_CLIENT_SECRET", zoom.client_secret.clone()),
        ("ZOOM_WEBHOOK_SECRET_TOKEN", zoom.webhook_secret.clone()),
        ("ZOOM_OAUTH_BASE", zoom.sim.base_url()),
        ("ZOOM_API_BASE", zoom.sim.api_base()),
    ];
    let mut cmd = bin::lectern(&["serve"]);
    for (k, v) in &env {
        cmd.env(k, v);
    }
    let mut proc = bin::Proc::spawn(cmd);
    proc.wait_ready(&base).await;

    // Seed a school and an admin in the same database, through the library.
    let db = lectern::db::Db::connect(&db_url, 2).await.unwrap();
    let school = lectern::schools::create(
        &db,
        lectern::schools::NewSchool {
            slug: "s",
            name: "S",
            is_default: true,
        },
    )
    .await
    .unwrap();
    let admin = crate::support::create_user(
        &db,
        school,
        "admin@test.example",
        "Ada",
        lectern::accounts::Role::Admin,
    )
    .await;
    zoom.register_at(&base, None);
    let client = crate::support::TestClient::new(&base);
    client.signin(&admin.email, &admin.password).await;
    let page = zoom.connect(&client, "school").await;
    assert!(page.text.contains("Zoom is connected"), "{}", page.text);
    let session_cookie = client.cookie("lectern_session").unwrap();

    // Read the tokens back with the same key (to know what must not appear).
    let mut cfg: std::collections::HashMap<&'static str, String> = std::collections::HashMap::new();
    for (k, v) in &env {
        cfg.insert(k, v.clone());
    }
    let state = AppState::new(
        lectern::config::Config::from_source(&cfg).unwrap(),
        db.clone(),
    )
    .unwrap();
    let conn = zoom_connection::find(&db, school, Owner::School)
        .await
        .unwrap()
        .unwrap();
    let stored = tokens::load(&state.zoom_deps(), conn.id)
        .await
        .unwrap()
        .unwrap();
    // Disconnect through the binary (revoke + delete) so it logs that path too.
    client
        .post_form(
            "/integrations/zoom/disconnect?for=school",
            &[("for", "school")],
        )
        .await;
    let (_, stdout, stderr) = proc.terminate().await;
    let logs = format!("{stdout}\n{stderr}");
    assert!(
        logs.contains("TRACE") || logs.contains("trace"),
        "trace logging was on"
    );
    assert!(
        logs.contains("Zoom token revoked"),
        "the revoke outcome is logged"
    );
    for secret in [
        stored.access.expose(),
        stored.refresh.expose(),
        session_cookie.as_str(),
        admin.password.as_str(),
        zoom.client_secret.as_str(),
    ] {
        assert!(!logs.contains(secret), "a secret appeared in the logs");
    }
}

/// Creates a course as `c` (an instructor) and returns its id.
async fn course_of(c: &crate::support::TestClient, title: &str) -> i64 {
    let r = c
        .post_form(
            "/teach/courses/new",
            &[("title", title), ("description", ""), ("cover_url", "")],
        )
        .await;
    r.assert_redirect_to("/teach/courses/");
    r.location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn live_fields(title: &str) -> Vec<(&str, &str)> {
    vec![
        ("title", title),
        ("local_start", "2030-05-06T18:00"),
        ("timezone", "Europe/Berlin"),
        ("duration", "90"),
    ]
}

db_test!(account_level_connection_checks_hosts_when_lessons_are_saved);
async fn account_level_connection_checks_hosts_when_lessons_are_saved(b: TestAppBuilder) {
    let zoom = ZoomFixture::start().await;
    let app = zoom.configure(b).start().await;
    let mut scopes: Vec<String> = lectern::zoom_connection::scopes::needed()
        .iter()
        .map(|s| s.to_string())
        .collect();
    scopes.extend([
        "user:read:list_users:admin".to_string(),
        "meeting:write:meeting:admin".to_string(),
    ]);
    zoom.register(&app, Some(scopes));
    let admin = app.signed_in(&app.admin).await;
    zoom.connect(&admin, "school").await.assert_status(200);
    assert!(school_connection(&app).await.account_level());

    // An instructor who is a user of the Zoom account hosts their own lesson.
    let teacher = app.signed_in(&app.instructor).await;
    let course = course_of(&teacher, "Hosted").await;
    let path = format!("/teach/courses/{course}/lessons/new?kind=live_session");
    teacher
        .post_form(&path, &live_fields("Kick-off"))
        .await
        .assert_redirect_to(&format!("/teach/courses/{course}"));
    let (host_user, zoom_host): (Option<i64>, Option<String>) =
        sqlx::query_as("SELECT host_user_id, zoom_host_id FROM lessons WHERE title = 'Kick-off'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        host_user,
        Some(app.instructor.id),
        "last Zoom error: {:?}",
        school_connection(&app).await.last_error
    );
    assert_eq!(zoom_host.as_deref(), Some(zoom.zoom_user.as_str()));

    // One who is not gets a clear message, and nothing is saved.
    let outsider = app
        .create_user(
            app.school.id,
            "outsider@test.example",
            "Otto Outsider",
            lectern::accounts::Role::Instructor,
        )
        .await;
    let other = app.signed_in(&outsider).await;
    let course = course_of(&other, "Not hosted").await;
    let path = format!("/teach/courses/{course}/lessons/new?kind=webinar");
    let r = other.post_form(&path, &live_fields("Refused")).await;
    r.assert_status(422);
    let msg = r.texts("#host-error").join(" ");
    assert!(
        msg.contains("outsider@test.example is not a user of the school's Zoom account"),
        "{msg}"
    );
    assert_eq!(r.input("title").as_deref(), Some("Refused"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM lessons WHERE title = 'Refused'").await,
        0
    );
}

db_test!(user_level_connection_hosts_every_meeting_with_the_connected_user);
async fn user_level_connection_hosts_every_meeting_with_the_connected_user(b: TestAppBuilder) {
    let (app, zoom) = connected_app(b).await;
    assert!(!school_connection(&app).await.account_level());
    let outsider = app
        .create_user(
            app.school.id,
            "outsider@test.example",
            "Otto Outsider",
            lectern::accounts::Role::Instructor,
        )
        .await;
    let other = app.signed_in(&outsider).await;
    let course = course_of(&other, "Shared host").await;
    let path = format!("/teach/courses/{course}/lessons/new?kind=live_session");
    other
        .post_form(&path, &live_fields("Shared"))
        .await
        .assert_redirect_to(&format!("/teach/courses/{course}"));
    let zoom_host: Option<String> =
        sqlx::query_scalar("SELECT zoom_host_id FROM lessons WHERE title = 'Shared'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        zoom_host.as_deref(),
        Some(zoom.zoom_user.as_str()),
        "the connected Zoom user hosts"
    );
}
