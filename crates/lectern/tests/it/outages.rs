//! Zoom or SMTP going away (issue 20, "Outages"): Zoom's repeated failures open the
//! connection's circuit, so a class pressing Join hears "try again" at once instead of
//! queueing doomed calls, a Start fails at once with the same advice, and both work again
//! once Zoom answers and the cool-down is over; mail waits in the queue while the relay
//! is down and goes out when it returns.

use std::time::{Duration, Instant};

use lectern::courses::LessonKind;
use lectern::email::{self, Email};
use zoom_sim::{Fault, FaultKind};

use crate::support::live::{Live, setup_env};
use crate::support::smtp::SmtpSink;
use crate::support::tcp_proxy::TcpProxy;
use crate::support::{TestApp, TestAppBuilder};

/// Short, so the tests see the circuit close; long enough that a loaded machine gets
/// through a test's calls while it is still open (after it, one trial call goes out).
const COOLDOWN_MS: u64 = 6000;

async fn live_with_short_cooldown(b: TestAppBuilder) -> Live {
    setup_env(
        b,
        LessonKind::LiveSession,
        None,
        vec![("LECTERN_ZOOM_CIRCUIT_COOLDOWN_MS", COOLDOWN_MS.to_string())],
    )
    .await
}

fn zoom_down() -> Fault {
    Fault {
        method: None,
        path_prefix: "/v2/".into(),
        kind: FaultKind::Status(500),
        times: None,
    }
}

fn zoom_calls(t: &Live) -> usize {
    t.zoom
        .sim
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/v2/") || r.path.starts_with("/oauth/"))
        .count()
}

async fn metrics(app: &TestApp) -> String {
    reqwest::get(format!("{}/metrics", app.base_url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn metric(text: &str, name: &str) -> i64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or_else(|| panic!("{name} missing"))
}

db_test!(zoom_down_opens_the_circuit_so_a_class_joining_hears_try_again_at_once);
async fn zoom_down_opens_the_circuit_so_a_class_joining_hears_try_again_at_once(b: TestAppBuilder) {
    let t = live_with_short_cooldown(b).await;
    let inst = t.app.signed_in(&t.app.instructor).await;
    assert!(t.start(&inst).await.location().unwrap().contains("/s/"));
    let m = t.zoom.sim.meetings()[0].id;
    t.host_in(m).await;
    let student = t.app.signed_in(&t.app.student).await;

    // Zoom answers 500 to everything. The join's one Zoom call (the host's on-behalf-of
    // token) is tried three times, then twice more: five failures open the circuit.
    let users_calls = t.zoom.sim.count_requests("GET", "/v2/users/");
    t.zoom.sim.inject_fault(zoom_down());
    for _ in 0..2 {
        let (st, v) = t.join(&student).await;
        assert_eq!((st, v["status"].as_str()), (200, Some("try_again")), "{v}");
    }
    assert_eq!(
        t.zoom.sim.count_requests("GET", "/v2/users/") - users_calls,
        5
    );

    // Open: the rest of the class is answered at once and Zoom hears nothing of it.
    let opened = Instant::now();
    let sent = zoom_calls(&t);
    for _ in 0..10 {
        let t0 = Instant::now();
        let (st, v) = t.join(&student).await;
        assert_eq!((st, v["status"].as_str()), (200, Some("try_again")), "{v}");
        assert!(
            t0.elapsed() < Duration::from_millis(500),
            "{:?}",
            t0.elapsed()
        );
    }
    assert_eq!(
        zoom_calls(&t),
        sent,
        "no call reached Zoom while the circuit was open"
    );
    let page = student.get(&t.lesson_url()).await;
    assert!(
        page.attr("#live-status", "data-try-again")
            .unwrap()
            .contains("try again in a minute"),
        "{}",
        page.text
    );
    let text = metrics(&t.app).await;
    assert_eq!(metric(&text, "lectern_zoom_circuit_open"), 1);
    assert!(metric(&text, "lectern_zoom_short_circuited_total") >= 10);
    // The admin's health panel says so.
    let admin = t.app.signed_in(&t.app.admin).await;
    let health = admin.get("/settings/integrations").await;
    assert!(
        health.texts("#zoom-health-circuit")[0].contains("Paused"),
        "{}",
        health.text
    );

    // The instructor pressing Start again (a fresh start link) is told at once too.
    let t0 = Instant::now();
    let r = t.start(&inst).await;
    assert_eq!(r.status.as_u16(), 303, "never a 500: {}", r.text);
    assert!(
        r.location()
            .unwrap()
            .contains("live_error=live-error-zoom-paused"),
        "{:?}",
        r.location()
    );
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
    assert_eq!(zoom_calls(&t), sent);
    assert!(
        opened.elapsed() < Duration::from_millis(COOLDOWN_MS),
        "the checks above ran inside the cool-down"
    );

    // Zoom answers again; after the cool-down the next join is the trial, and it works.
    t.zoom.sim.clear_faults();
    tokio::time::sleep(Duration::from_millis(COOLDOWN_MS + 200)).await;
    let (st, v) = t.join(&student).await;
    assert_eq!((st, v["status"].as_str()), (200, Some("ready")), "{v}");
    assert!(t.start(&inst).await.location().unwrap().contains("/s/"));
    assert_eq!(
        metric(&metrics(&t.app).await, "lectern_zoom_circuit_open"),
        0
    );
    let health = admin.get("/settings/integrations").await;
    assert!(health.texts("#zoom-health-circuit").is_empty());
}

db_test!(start_while_the_circuit_is_open_fails_at_once_then_creates_once_zoom_is_back);
async fn start_while_the_circuit_is_open_fails_at_once_then_creates_once_zoom_is_back(
    b: TestAppBuilder,
) {
    let t = live_with_short_cooldown(b).await;
    let conn = lectern::zoom_connection::find(
        &t.app.db,
        t.app.school.id,
        lectern::zoom_connection::Owner::School,
    )
    .await
    .unwrap()
    .unwrap();
    // Other calls of this connection met a Zoom answering 500 (3 + 2 tries).
    t.zoom.sim.inject_fault(zoom_down());
    let deps = t.app.state.zoom_deps();
    for _ in 0..2 {
        let r = lectern::zoom_connection::tokens::with_api(&deps, &conn, |api| async move {
            api.me().await
        })
        .await;
        assert!(r.is_err());
    }
    let before = zoom_calls(&t);

    let inst = t.app.signed_in(&t.app.instructor).await;
    let t0 = Instant::now();
    let r = t.start(&inst).await;
    assert_eq!(r.status.as_u16(), 303, "never a 500: {}", r.text);
    assert!(t0.elapsed() < Duration::from_secs(1), "{:?}", t0.elapsed());
    let page = inst.get(r.location().unwrap()).await;
    let msg = page.texts("#live-error").join(" ");
    assert!(msg.contains("Nothing was created"), "{msg}");
    assert!(msg.contains("try again in a minute"), "{msg}");
    assert_eq!(t.session().await.state, "scheduled");
    assert_eq!(zoom_calls(&t), before, "the create was never sent");
    assert_eq!(t.creates(), 0);

    t.zoom.sim.clear_faults();
    tokio::time::sleep(Duration::from_millis(COOLDOWN_MS + 200)).await;
    assert!(t.start(&inst).await.location().unwrap().contains("/s/"));
    assert_eq!(t.creates(), 1);
    assert_eq!(t.zoom.sim.meetings().len(), 1);
    assert_eq!(t.session().await.state, "live");
}

db_test!(mail_waits_in_the_queue_while_smtp_is_down_and_goes_out_when_it_returns);
async fn mail_waits_in_the_queue_while_smtp_is_down_and_goes_out_when_it_returns(
    b: TestAppBuilder,
) {
    let sink = SmtpSink::start().await;
    let sink_addr = sink
        .url()
        .trim_start_matches("smtp://")
        .parse()
        .expect("sink address");
    let relay = TcpProxy::start(sink_addr).await;
    let app = b
        .env("SMTP_URL", format!("smtp://{}", relay.addr))
        .start()
        .await;
    relay.cut().await;
    let mut tx = app.db.pool.begin().await.unwrap();
    email::queue(
        &mut tx,
        app.school.id,
        Email {
            tr: Default::default(),
            to: "waiting@example.org".into(),
            subject: "while down".into(),
            text: "t".into(),
            html: "<p>h</p>".into(),
            calendar: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let status = || async {
        sqlx::query_scalar::<_, String>("SELECT status FROM emails WHERE subject = 'while down'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };
    for _ in 0..3 {
        app.drain_jobs().await;
        assert_eq!(status().await, "queued", "kept for a later try");
        app.db.clock.advance(10 * 60_000);
    }
    assert!(sink.messages().is_empty());
    relay.restore().await;
    app.db.clock.advance(3_600_000);
    app.drain_jobs().await;
    assert_eq!(status().await, "sent");
    let got = sink.messages();
    assert_eq!(got.len(), 1);
}
