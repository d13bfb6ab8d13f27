//! Clock skew (T25): the real `lectern serve` binary with its clock two minutes behind or
//! ahead of Zoom's (libfaketime), against zoom-sim on the real clock. Zoom's webhooks carry
//! Zoom's time and its Meeting SDK checks signatures against Zoom's time, so a server whose
//! clock is off must still accept Zoom's webhooks and sign joins Zoom accepts.
//!
//! libfaketime, not an offset injected into the app: it moves every clock read in the
//! process (`SystemTime`, jiff, SQLite's `now`, the Zoom client's and the webhook
//! verifier's system clocks), so nothing that reads time another way escapes the test.
//! The monotonic clock is left alone (`FAKETIME_DONT_FAKE_MONOTONIC`): only the wall
//! clock is ever wrong on a real server, and tokio's timers stay as they are.

use base64::Engine as _;
use lectern::db::{LessonId, SchoolId, UserId};
use std::time::Duration;

use crate::support::bin::{self, Proc};
use crate::support::live::seed_live_course;
use crate::support::zoom::ZoomFixture;
use crate::support::{TestAppBuilder, TestClient, eventually};

/// Where Debian's `libfaketime` package puts the library (`.ci/run` installs it).
const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

db_test!(server_clock_two_minutes_behind_zoom);
async fn server_clock_two_minutes_behind_zoom(b: TestAppBuilder) {
    skewed(b, -120).await;
}

db_test!(server_clock_two_minutes_ahead_of_zoom);
async fn server_clock_two_minutes_ahead_of_zoom(b: TestAppBuilder) {
    skewed(b, 120).await;
}

fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}

fn jwt_claims(sig: &str) -> serde_json::Value {
    let payload = sig.split('.').nth(1).expect("JWT payload");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// Connect Zoom, Start, the host joins (Zoom's `meeting.started` webhook), a student joins
/// with the signature the server issued, all through a server `offset_secs` off Zoom.
async fn skewed(b: TestAppBuilder, offset_secs: i64) {
    assert!(
        std::path::Path::new(LIBFAKETIME).exists(),
        "{LIBFAKETIME} is missing: install Debian's `faketime` package (.ci/run does)"
    );
    let zoom = ZoomFixture::start().await;
    // The in-process app only provides the database, its seeded users and the
    // configuration; every request below goes to the skewed binary.
    let app = zoom
        .configure(b)
        .env("LECTERN_LIVE_RECONCILE_AFTER_SECS", "0")
        .start()
        .await;
    let port = bin::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut cmd = bin::lectern(&["serve"]);
    for (k, v) in &app.env {
        cmd.env(k, v);
    }
    cmd.env("LECTERN_BIND", format!("127.0.0.1:{port}"))
        .env("LECTERN_BASE_URL", &base)
        .env("LD_PRELOAD", LIBFAKETIME)
        .env("FAKETIME", format!("{offset_secs:+}s"))
        .env("FAKETIME_DONT_FAKE_MONOTONIC", "1");
    let mut server = Proc::spawn(cmd);
    server.wait_ready(&base).await;
    zoom.register_at(&base, None);

    // OAuth through the skewed server: Zoom's consent and token endpoints run on Zoom's
    // clock, the state's expiry and the token's on the server's.
    let admin = TestClient::new(&base);
    admin.signin(&app.admin.email, &app.admin.password).await;
    let connected_at = unix_now();
    let page = zoom.connect(&admin, "school").await;
    assert!(page.text.contains("Zoom is connected"), "{}", page.text);
    // (c) The access token's expiry is stored on the server's own clock (its "now" when
    // it asked, plus Zoom's `expires_in`), and the refresh compares it with that same
    // clock, so a constant skew cancels out: the refresh still comes five minutes before
    // Zoom's expiry. Were it stored on Zoom's clock, a server behind would refresh late.
    let expires_ms: i64 = sqlx::query_scalar("SELECT access_expires_at FROM zoom_tokens")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let left_on_server_clock = expires_ms / 1000 - (connected_at + offset_secs);
    assert!(
        (zoom_sim::oauth::ACCESS_TTL_SECS - 5..=zoom_sim::oauth::ACCESS_TTL_SECS + 1)
            .contains(&left_on_server_clock),
        "token expiry {left_on_server_clock} s from the server's now (offset {offset_secs})"
    );

    let (course, lesson) = seed_live_course(
        &app.db,
        app.school.id,
        app.instructor.id,
        lectern::courses::LessonKind::LiveSession,
        "Skewed course",
    )
    .await;
    lectern::courses::progress::enroll(
        &app.db,
        &*app.state.course_hooks,
        course.school_id,
        course.id,
        UserId(app.student.id),
    )
    .await
    .unwrap();
    let lesson_url = format!("/courses/{}/lessons/{lesson}", course.slug);

    let inst = TestClient::new(&base);
    inst.signin(&app.instructor.email, &app.instructor.password)
        .await;
    let csrf = inst.csrf_for(&lesson_url).await;
    let started = inst
        .post_form_raw(&format!("/live/{lesson}/start"), &[("_csrf", &csrf)])
        .await;
    assert_eq!(started.status.as_u16(), 303, "{}", started.text);
    let meeting = zoom.sim.meetings()[0].clone();

    // (a) Zoom's `meeting.started`, signed with Zoom's (real) time, is accepted at once:
    // a refused first attempt would be retried by Zoom minutes later, too late for a class.
    zoom.sim.host_joins(meeting.id);
    let deliveries = zoom
        .sim
        .wait_for_deliveries(Duration::from_secs(10), |d| {
            d.iter().any(|x| x.event == "meeting.started")
        })
        .await;
    let first = deliveries
        .iter()
        .find(|x| x.event == "meeting.started")
        .expect("meeting.started delivered");
    assert_eq!(first.attempt, 0);
    assert_eq!(
        first.status,
        Some(200),
        "meeting.started refused with the server {offset_secs} s off: {first:?}"
    );
    let sent: i64 = first.timestamp.parse().expect("x-zm-request-timestamp");
    assert!(
        (sent - unix_now()).abs() <= 15,
        "Zoom signs with its own (real) time"
    );
    eventually("the host is in", Duration::from_secs(15), || async {
        lectern::live::by_lesson(&app.db, SchoolId(app.school.id), LessonId(lesson))
            .await
            .unwrap()
            .filter(|s| s.host_present())
    })
    .await;

    // (b) The signature the skewed server issues for a student's join.
    let student = TestClient::new(&base);
    student
        .signin(&app.student.email, &app.student.password)
        .await;
    let csrf = student.csrf_for("/").await;
    let r = student
        .send(
            student
                .request(reqwest::Method::POST, &format!("/api/live/{lesson}/join"))
                .header("x-csrf-token", csrf),
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap_or_default();
    assert_eq!(r.status.as_u16(), 200, "{}", r.text);
    assert_eq!(v["status"], "ready", "{v}");
    let sig = v["signature"].as_str().expect("signature");
    let claims = jwt_claims(sig);
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    let now = unix_now();
    // The signature comes from the skewed clock (so libfaketime is in effect) ...
    let issued_on_server_clock = iat + zoom::sdk::IAT_BACKDATE_SECS;
    assert!(
        (issued_on_server_clock - (now + offset_secs)).abs() <= 5,
        "iat {iat}: not the server's skewed clock (now {now}, offset {offset_secs})"
    );
    // ... and still within Zoom's rules on Zoom's clock: `iat` not in Zoom's future,
    // `exp − iat` within [30 min, 48 h], and time left to join long after it was issued.
    assert!(iat <= now, "iat {iat} is in Zoom's future (now {now})");
    assert!((1800..=172_800).contains(&(exp - iat)), "exp - iat");
    assert!(exp - now >= 3600, "the signature lives on for the class");
    let join = reqwest::Client::new()
        .post(format!("{}/_sim/sdk/join", zoom.sim.base_url()))
        .json(&serde_json::json!({
            "signature": sig,
            "sdkKey": v["sdkKey"],
            "meetingNumber": v["meetingNumber"],
            "password": v["password"],
            "userName": v["userName"],
            "userEmail": v["userEmail"],
            "customerKey": v["customerKey"],
            "obfToken": v["obfToken"],
        }))
        .send()
        .await
        .expect("sdk join");
    let status = join.status().as_u16();
    let body = join.text().await.unwrap_or_default();
    assert_eq!(
        status, 200,
        "Zoom refused the join with the server {offset_secs} s off: {body}"
    );

    let (code, _, stderr) = server.terminate().await;
    assert_eq!(code, Some(0), "{stderr}");
}
