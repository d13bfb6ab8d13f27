//! Reconciliation after Start lost Zoom's answer or the process died inside it: exactly
//! one meeting linked, duplicates deleted, or back to scheduled when Zoom holds nothing.

use lectern::accounts::Role;
use lectern::courses::{self, LessonKind};
use lectern::db::{LessonId, SchoolId};
use zoom_sim::{Fault, FaultKind};

use crate::support::live::{seed_live_course, setup};
use crate::support::zoom::ZoomFixture;
use crate::support::{TestAppBuilder, TestClient};

db_test!(lost_create_answer_is_reconciled_to_exactly_one_meeting);
async fn lost_create_answer_is_reconciled_to_exactly_one_meeting(b: TestAppBuilder) {
    let t = setup(b).await;
    t.zoom.sim.inject_fault(Fault {
        method: Some("POST".into()),
        path_prefix: "/v2/users/".into(),
        kind: FaultKind::CommitThenDrop,
        times: Some(1),
    });
    let inst = t.app.signed_in(&t.app.instructor).await;
    let r = t.start(&inst).await;
    assert_eq!(r.status.as_u16(), 303);
    assert!(r.location().unwrap().contains("/s/"), "{:?}", r.location());
    assert_eq!(t.zoom.sim.meetings().len(), 1);
    let s = t.session().await;
    assert_eq!(s.state, "live");
    assert_eq!(s.meeting_id, Some(t.zoom.sim.meetings()[0].id));
    t.app.drain_jobs().await;
    assert_eq!(
        t.zoom.sim.meetings().len(),
        1,
        "nothing orphaned, nothing deleted"
    );
}

db_test!(crash_while_starting_is_repaired_and_duplicates_deleted);
async fn crash_while_starting_is_repaired_and_duplicates_deleted(b: TestAppBuilder) {
    let t = setup(b).await;
    // The process died after Zoom created the meeting (twice, even: an old attempt's
    // duplicate exists too), before our commit.
    let s = t.died_while_starting(2).await;
    let marker = |a: i64| format!("[lectern:{}:{}:{a}]\n\nx", t.app.school.id, t.lesson);
    let old = t
        .zoom
        .sim
        .create_meeting(&t.zoom.zoom_user, "Office hours", &marker(1));
    let real = t
        .zoom
        .sim
        .create_meeting(&t.zoom.zoom_user, "Office hours", &marker(2));
    let mut tx = t.app.db.pool.begin().await.unwrap();
    lectern::jobs::enqueue(
        &mut tx,
        lectern::jobs::NewJob::raw(
            "live_reconcile",
            serde_json::json!({ "session_id": s.id, "attempt": 2 }),
        ),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    t.app.drain_jobs().await;
    let s = t.session().await;
    assert_eq!(s.state, "live");
    assert_eq!(s.meeting_id, Some(real));
    let left: Vec<i64> = t.zoom.sim.meetings().iter().map(|m| m.id).collect();
    assert_eq!(left, vec![real], "orphan {old} deleted");
    assert_eq!(t.creates(), 0);
    // Start now reuses it.
    let inst = t.app.signed_in(&t.app.instructor).await;
    assert_eq!(t.start(&inst).await.status.as_u16(), 303);
    assert_eq!(t.creates(), 0);
}

db_test!(interrupted_start_with_nothing_in_zoom_returns_to_scheduled);
async fn interrupted_start_with_nothing_in_zoom_returns_to_scheduled(b: TestAppBuilder) {
    let t = setup(b).await;
    let lesson = courses::lesson(
        &t.app.db,
        lectern::db::SchoolId(t.app.school.id),
        lectern::db::CourseId(t.course_id),
        lectern::db::LessonId(t.lesson),
    )
    .await
    .unwrap()
    .unwrap();
    let s = lectern::live::ensure(&t.app.db, lectern::db::SchoolId(t.app.school.id), &lesson)
        .await
        .unwrap();
    sqlx::query("UPDATE live_sessions SET state = 'starting', attempt = 1 WHERE id = $1")
        .bind(s.id)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    lectern::live::start::reconcile(&t.app.state.zoom_deps(), s.id, 1)
        .await
        .unwrap();
    let s = t.session().await;
    assert_eq!(s.state, "scheduled");
    let inst = t.app.signed_in(&t.app.instructor).await;
    let page = inst.get(&t.lesson_url()).await;
    assert!(
        page.texts("#live-error")[0].contains("interrupted"),
        "{:?}",
        page.texts("#live-error")
    );
    assert_eq!(t.start(&inst).await.status.as_u16(), 303);
    assert_eq!(t.creates(), 1);
}

db_test!(killing_the_process_while_starting_ends_with_one_linked_meeting_after_restart);
async fn killing_the_process_while_starting_ends_with_one_linked_meeting_after_restart(
    b: TestAppBuilder,
) {
    use crate::support::bin::{self, Proc};
    let db = crate::support::TestDb::new(b.kind()).await;
    let zoom = ZoomFixture::start().await;
    let port = bin::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env: Vec<(&str, String)> = vec![
        ("LECTERN_SECRET_KEY", lectern::config::generate_secret_key()),
        ("DATABASE_URL", db.url.clone()),
        ("LECTERN_BIND", format!("127.0.0.1:{port}")),
        ("LECTERN_BASE_URL", base.clone()),
        ("LECTERN_LOG", "warn".into()),
        ("LECTERN_LIVE_RECONCILE_AFTER_SECS", "5".into()),
        ("ZOOM_CLIENT_ID", zoom.client_id.clone()),
        ("ZOOM_CLIENT_SECRET", zoom.client_secret.clone()),
        ("ZOOM_WEBHOOK_SECRET_TOKEN", zoom.webhook_secret.clone()),
        ("ZOOM_OAUTH_BASE", zoom.sim.base_url()),
        ("ZOOM_API_BASE", zoom.sim.api_base()),
        ("ZOOM_SDK_URL", zoom.sim.sdk_base_url()),
    ];
    let serve = || {
        let mut c = bin::lectern(&["serve", "--migrate"]);
        for (k, v) in &env {
            c.env(k, v);
        }
        Proc::spawn(c)
    };
    let mut first = serve();
    first.wait_ready(&base).await;

    // Seed through the library on the same database.
    let conn = db.connect().await;
    let school = lectern::schools::create(
        &conn,
        lectern::schools::NewSchool {
            slug: "kill",
            name: "Kill School",
            is_default: true,
        },
    )
    .await
    .unwrap();
    let pw = "kill-test-password-1";
    let user = |email: &'static str, role| lectern::accounts::NewUser {
        school_id: school,
        email,
        display_name: email,
        password: pw,
        role,
        timezone: "Europe/Berlin",
        language: None,
    };
    lectern::accounts::create_user(&conn, user("admin@kill.test", Role::Admin))
        .await
        .unwrap();
    let instructor =
        lectern::accounts::create_user(&conn, user("instructor@test.example", Role::Instructor))
            .await
            .unwrap();
    let (course, lesson) =
        seed_live_course(&conn, school, instructor, LessonKind::LiveSession, "Killed").await;
    zoom.register_at(&base, None);
    let admin = TestClient::new(&base);
    admin.signin("admin@kill.test", pw).await;
    zoom.connect(&admin, "school").await.assert_status(200);

    // Meeting create answers only after 3 s; the process dies while `starting`.
    zoom.sim.inject_fault(Fault {
        method: Some("POST".into()),
        path_prefix: "/v2/users/".into(),
        kind: FaultKind::Latency(std::time::Duration::from_secs(3)),
        times: Some(1),
    });
    let inst = TestClient::new(&base);
    inst.signin("instructor@test.example", pw).await;
    let lesson_path = format!("/courses/{}/lessons/{lesson}", course.slug);
    let csrf = inst.csrf_for(&lesson_path).await;
    let starting = {
        let inst = inst.clone();
        let path = format!("/live/{lesson}/start");
        tokio::spawn(async move { inst.post_form_raw(&path, &[("_csrf", &csrf)]).await })
    };
    crate::support::eventually("starting", std::time::Duration::from_secs(5), || async {
        let s = lectern::live::by_lesson(&conn, SchoolId(school), LessonId(lesson))
            .await
            .unwrap();
        s.filter(|s| s.state == "starting").map(|_| ())
    })
    .await;
    // Zoom holds the create (for the fault's 3 s) when the process dies.
    crate::support::eventually(
        "the create held by Zoom",
        std::time::Duration::from_secs(5),
        || async { (zoom.sim.in_flight("POST", "/v2/users/") == 1).then_some(()) },
    )
    .await;
    let status = std::process::Command::new("kill")
        .args(["-KILL", &first.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    starting.abort();
    let s = lectern::live::by_lesson(&conn, SchoolId(school), LessonId(lesson))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.state, "starting", "the dead process never committed");
    assert_eq!(s.meeting_id, None);
    drop(first);
    // The create was in flight when the caller died; zoom-sim drops it with the
    // connection, so Zoom holds nothing for this lesson. Once Zoom no longer handles it,
    // it has either been dropped or created a meeting, which the assertion would see.
    crate::support::eventually(
        "the create dropped with its connection",
        std::time::Duration::from_secs(10),
        || async { (zoom.sim.in_flight("POST", "/v2/users/") == 0).then_some(()) },
    )
    .await;
    assert!(zoom.sim.meetings().is_empty(), "{:?}", zoom.sim.meetings());

    // Restart: the reconcile job (scheduled in the Start transaction) finds no
    // meeting by its marker and returns the session to `scheduled`.
    let mut second = serve();
    second.wait_ready(&base).await;
    let back = crate::support::eventually(
        "reconciled after restart",
        std::time::Duration::from_secs(20),
        || async {
            let s = lectern::live::by_lesson(&conn, SchoolId(school), LessonId(lesson))
                .await
                .unwrap()?;
            (s.state != "starting").then_some(s)
        },
    )
    .await;
    assert_eq!(back.state, "scheduled", "{back:?}");
    assert_eq!(back.meeting_id, None);
    // Start works again: exactly one meeting, linked, nothing orphaned.
    let again = inst.post_form(&format!("/live/{lesson}/start"), &[]).await;
    assert_eq!(again.status.as_u16(), 303, "{}", again.text);
    let meetings = zoom.sim.meetings();
    assert_eq!(meetings.len(), 1, "none orphaned: {meetings:?}");
    let linked = lectern::live::by_lesson(&conn, SchoolId(school), LessonId(lesson))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(linked.state, "live", "{linked:?}");
    assert_eq!(
        linked.meeting_id,
        Some(meetings[0].id),
        "the one meeting is linked"
    );
    let creates = zoom
        .sim
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/meetings"))
        .count();
    assert_eq!(creates, 1, "only the new attempt completed in Zoom");
    let (code, _, stderr) = second.terminate().await;
    assert_eq!(code, Some(0), "{stderr}");
}
