//! A webinar's Start is as crash-safe as a meeting's: a lost create
//! answer or a crash after Zoom created the webinar is repaired by listing the host's
//! webinars, linking the one marked for the attempt and deleting older duplicates, instead
//! of leaving an orphan and creating a second webinar at the next Start. The lost-answer
//! story runs for a meeting too, with a description longer than Zoom's lists show.

use lectern::courses::{self, LessonKind};
use zoom_sim::{Fault, FaultKind, SimMeeting};

use crate::support::TestAppBuilder;
use crate::support::live::{Live, setup_env};

/// A description longer than the 250 characters Zoom's meeting and webinar lists show.
const LONG_BODY_CHARS: usize = 400;

async fn lesson_with_long_description(b: TestAppBuilder, kind: LessonKind) -> Live {
    let t = setup_env(b, kind, None, Vec::new()).await;
    sqlx::query("UPDATE lessons SET body = $1 WHERE id = $2")
        .bind("We read chapter one together. ".repeat(LONG_BODY_CHARS / 30))
        .bind(t.lesson)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    t
}

/// What Zoom holds for the host: webinars for a webinar lesson, meetings otherwise.
fn in_zoom(t: &Live, kind: LessonKind) -> Vec<SimMeeting> {
    let webinar = kind == LessonKind::Webinar;
    t.zoom
        .sim
        .meetings()
        .into_iter()
        .filter(|m| m.is_webinar == webinar)
        .collect()
}

/// Create calls that reached Zoom (meetings and webinars).
fn creates(t: &Live) -> usize {
    t.zoom
        .sim
        .requests()
        .iter()
        .filter(|r| {
            r.method == "POST"
                && r.path.contains("/users/")
                && (r.path.ends_with("/meetings") || r.path.ends_with("/webinars"))
        })
        .count()
}

/// The passcode students are handed for the linked meeting or webinar.
async fn sealed_passcode(t: &Live) -> Option<String> {
    t.session().await.passcode(&t.app.state.config.secret_key)
}

/// Zoom creates the webinar (or meeting) but the answer never reaches us. The host is
/// still sent into the one Zoom made, students get its passcode, nothing is orphaned, and
/// the next Start creates nothing.
async fn lost_create_answer_story(b: TestAppBuilder, kind: LessonKind) {
    let t = lesson_with_long_description(b, kind).await;
    t.zoom.sim.inject_fault(Fault {
        method: Some("POST".into()),
        path_prefix: "/v2/users/".into(),
        kind: FaultKind::CommitThenDrop,
        times: Some(1),
    });
    let inst = t.app.signed_in(&t.app.instructor).await;
    let r = t.start(&inst).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    assert!(
        r.location().unwrap().contains("/s/"),
        "the host is sent into what Zoom made, not shown an error: {:?}",
        r.location()
    );
    let made = in_zoom(&t, kind);
    assert_eq!(made.len(), 1, "{made:?}");
    let s = t.session().await;
    assert_eq!(s.state, "live");
    assert_eq!(s.meeting_id, Some(made[0].id));
    assert_eq!(
        sealed_passcode(&t).await.as_deref(),
        Some(made[0].password.as_str()),
        "students join with its passcode (a list item carries none)"
    );
    t.app.drain_jobs().await;
    assert_eq!(
        in_zoom(&t, kind).len(),
        1,
        "nothing orphaned, nothing deleted"
    );
    let again = t.start(&inst).await;
    assert!(again.location().unwrap().contains("/s/"));
    assert_eq!(creates(&t), 1, "the next Start creates no second one");
}

db_test!(a_lost_webinar_create_answer_is_linked_and_the_next_start_creates_no_second_webinar);
async fn a_lost_webinar_create_answer_is_linked_and_the_next_start_creates_no_second_webinar(
    b: TestAppBuilder,
) {
    lost_create_answer_story(b, LessonKind::Webinar).await;
}

db_test!(a_lost_meeting_create_answer_with_a_long_description_is_linked_with_its_passcode);
async fn a_lost_meeting_create_answer_with_a_long_description_is_linked_with_its_passcode(
    b: TestAppBuilder,
) {
    lost_create_answer_story(b, LessonKind::LiveSession).await;
}

db_test!(a_lost_webinar_answer_zoom_cannot_list_at_once_is_linked_by_reconciliation);
async fn a_lost_webinar_answer_zoom_cannot_list_at_once_is_linked_by_reconciliation(
    b: TestAppBuilder,
) {
    let t = lesson_with_long_description(b, LessonKind::Webinar).await;
    t.zoom.sim.inject_fault(Fault {
        method: Some("POST".into()),
        path_prefix: "/v2/users/".into(),
        kind: FaultKind::CommitThenDrop,
        times: Some(1),
    });
    // Right after the lost answer Zoom's list fails too (retries included): Start
    // can't tell.
    t.zoom.sim.inject_fault(Fault {
        method: Some("GET".into()),
        path_prefix: format!("/v2/users/{}/webinars", t.zoom.zoom_user),
        kind: FaultKind::Status(502),
        times: None,
    });
    let inst = t.app.signed_in(&t.app.instructor).await;
    let r = t.start(&inst).await;
    assert_eq!(r.status.as_u16(), 303, "never a 500: {}", r.text);
    assert_eq!(
        t.session().await.state,
        "starting",
        "undecided until reconciliation looked"
    );
    t.zoom.sim.clear_faults();
    t.app.drain_jobs().await;
    let made = in_zoom(&t, LessonKind::Webinar);
    assert_eq!(made.len(), 1, "{made:?}");
    let s = t.session().await;
    assert_eq!(s.state, "live");
    assert_eq!(s.meeting_id, Some(made[0].id));
    assert_eq!(
        sealed_passcode(&t).await.as_deref(),
        Some(made[0].password.as_str())
    );
    let again = t.start(&inst).await;
    assert!(again.location().unwrap().contains("/s/"));
    assert_eq!(creates(&t), 1, "no second webinar");
}

db_test!(a_crash_while_starting_a_webinar_is_repaired_and_duplicate_webinars_deleted);
async fn a_crash_while_starting_a_webinar_is_repaired_and_duplicate_webinars_deleted(
    b: TestAppBuilder,
) {
    let t = lesson_with_long_description(b, LessonKind::Webinar).await;
    let lesson = courses::lesson(
        &t.app.db,
        lectern::db::SchoolId(t.app.school.id),
        lectern::db::CourseId(t.course_id),
        lectern::db::LessonId(t.lesson),
    )
    .await
    .unwrap()
    .unwrap();
    // The process died after Zoom created the webinar (twice, even: an old
    // attempt's duplicate exists too), before our commit.
    let s = t.died_while_starting(2).await;
    let mark = |school, lesson, attempt| {
        lectern::live::marker(
            lectern::db::SchoolId(school),
            lectern::db::LessonId(lesson),
            attempt,
        )
    };
    let agenda = |a: i64| format!("{}\n\n{}", mark(t.app.school.id, t.lesson, a), lesson.body);
    let host = &t.zoom.zoom_user;
    let old = t.zoom.sim.create_webinar(host, "Office hours", &agenda(1));
    let real = t.zoom.sim.create_webinar(host, "Office hours", &agenda(2));
    // Another lesson's webinar whose description quotes this lesson's marker is
    // not ours: it is neither linked nor deleted.
    let other = t.zoom.sim.create_webinar(
        host,
        "Another lesson",
        &format!(
            "{}\n\nSee {}",
            mark(t.app.school.id, t.lesson + 1000, 1),
            mark(t.app.school.id, t.lesson, 2)
        ),
    );
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
    assert_eq!(
        sealed_passcode(&t).await,
        t.zoom.sim.meeting(real).map(|w| w.password)
    );
    let left: Vec<i64> = in_zoom(&t, LessonKind::Webinar)
        .iter()
        .map(|w| w.id)
        .collect();
    assert_eq!(left, vec![real, other], "orphan {old} deleted");
    assert_eq!(creates(&t), 0);
    // Start now reuses it.
    let inst = t.app.signed_in(&t.app.instructor).await;
    assert!(t.start(&inst).await.location().unwrap().contains("/s/"));
    assert_eq!(creates(&t), 0);
}

db_test!(an_interrupted_webinar_start_with_nothing_in_zoom_returns_to_scheduled_after_looking);
async fn an_interrupted_webinar_start_with_nothing_in_zoom_returns_to_scheduled_after_looking(
    b: TestAppBuilder,
) {
    let t = setup_env(b, LessonKind::Webinar, None, Vec::new()).await;
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
    let conn = lectern::zoom_connection::find(
        &t.app.db,
        t.app.school.id,
        lectern::zoom_connection::Owner::School,
    )
    .await
    .unwrap()
    .unwrap();
    // The process died after choosing the host, before Zoom created anything.
    sqlx::query("UPDATE live_sessions SET state = 'starting', attempt = 1, connection_id = $1, zoom_host_id = $2 WHERE id = $3")
        .bind(conn.id)
        .bind(&t.zoom.zoom_user)
        .bind(s.id)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    lectern::live::start::reconcile(&t.app.state.zoom_deps(), s.id, 1)
        .await
        .unwrap();
    let listed = t
        .zoom
        .sim
        .count_requests("GET", &format!("/v2/users/{}/webinars", t.zoom.zoom_user));
    assert_eq!(listed, 1, "it looked in Zoom's webinars before deciding");
    assert_eq!(t.session().await.state, "scheduled");
    let inst = t.app.signed_in(&t.app.instructor).await;
    let page = inst.get(&t.lesson_url()).await;
    assert!(
        page.texts("#live-error")[0].contains("interrupted"),
        "{:?}",
        page.texts("#live-error")
    );
    assert!(t.start(&inst).await.location().unwrap().contains("/s/"));
    t.app.drain_jobs().await;
    assert_eq!(creates(&t), 1);
    assert_eq!(in_zoom(&t, LessonKind::Webinar).len(), 1);
    assert_eq!(t.session().await.state, "live");
}
