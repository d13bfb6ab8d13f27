//! The live lesson's parts in the per-instance viewer cache (`db::viewers`): the lesson with
//! its course (`courses::viewers::lesson_for`) and the live session's view
//! (`live::ensure_view`). A class joining asks the database nothing once they are read;
//! every change the app makes is in the next join and player at once, and every change made
//! outside the instance (a shell, another instance) once heard.

use lectern::courses::live_options::{self, LessonOptions};
use lectern::db::{CourseId, LessonId, SchoolId};

use crate::support::live::{Live, setup};
use crate::support::{TestApp, TestAppBuilder, TestClient};
use crate::viewer_cache::sql;

async fn cache_live(app: &TestApp) {
    crate::support::eventually(
        "the viewer cache to be live",
        std::time::Duration::from_secs(15),
        || async { app.db.viewers.is_live().then_some(()) },
    )
    .await;
}

/// The join's status, and whether both of the lesson's parts came from the cache.
async fn join(t: &Live, c: &TestClient) -> (String, bool) {
    let (hits, misses) = t.app.db.viewers.lesson_counts();
    let (st, v) = t.join(c).await;
    assert_eq!(st, 200, "{v}");
    let (hits2, misses2) = t.app.db.viewers.lesson_counts();
    let status = v["status"].as_str().unwrap_or_default().to_string();
    (status, hits2 == hits + 2 && misses2 == misses)
}

async fn display(t: &Live, c: &TestClient) -> String {
    let page = c.get(&t.lesson_url()).await;
    page.assert_status(200);
    page.attr("#live", "data-display").unwrap_or_default()
}

async fn external_link(t: &Live, url: Option<&str>) {
    live_options::save_lesson(
        &t.app.db,
        SchoolId(t.app.school.id),
        CourseId(t.course_id),
        LessonId(t.lesson),
        &LessonOptions {
            external_url: url.map(str::to_string),
            ..LessonOptions::default()
        },
    )
    .await
    .unwrap();
}

db_test!(a_class_joins_from_the_cache_and_every_live_change_of_the_app_is_in_its_next_join);
/// Deaf to notifications, so that what the next join and player show after each step can
/// only come from the writer's own eviction: the external link saved, Start, the host in
/// (a webhook processed by a job), Zoom disconnected and reconnected by the admin, the
/// meeting ended, the recording collected.
async fn a_class_joins_from_the_cache_and_every_live_change_of_the_app_is_in_its_next_join(
    b: TestAppBuilder,
) {
    let t = setup(b).await;
    let app = &t.app;
    let s = app.signed_in(&app.student).await;
    cache_live(app).await;
    app.db.viewers.set_deaf(true);

    assert_eq!(display(&t, &s).await, "opening-soon");
    assert_eq!(join(&t, &s).await.0, "waiting");
    assert_eq!(
        join(&t, &s).await,
        ("waiting".to_string(), true),
        "the second join reads the lesson and its session from the cache"
    );
    // Another school's student asks for the same lesson id: the cached lesson is not theirs.
    let other = app.other_school().await;
    let c2 = other.signed_in(&other.student).await;
    assert_eq!(t.join(&c2).await.0, 404);

    // The lesson moves to an external link and back: the player says so at once.
    external_link(&t, Some("https://meet.example.org/room")).await;
    let page = s.get(&t.lesson_url()).await;
    assert_eq!(
        page.attr("#live-external-join", "href").as_deref(),
        Some("https://meet.example.org/room")
    );
    external_link(&t, None).await;
    let page = s.get(&t.lesson_url()).await;
    assert!(page.attr("#live-external-join", "href").is_none());

    let inst = app.signed_in(&app.instructor).await;
    t.start(&inst).await.assert_status(303);
    assert_ne!(
        display(&t, &s).await,
        "opening-soon",
        "the player after Start"
    );
    let meeting = t.zoom.sim.meetings()[0].clone();
    t.host_in(meeting.id).await;
    assert_eq!(join(&t, &s).await.0, "ready", "the host is in");
    assert_eq!(join(&t, &s).await, ("ready".to_string(), true));

    let admin = app.signed_in(&app.admin).await;
    t.zoom.disconnect_school(&admin).await;
    assert_eq!(join(&t, &s).await.0, "unavailable", "Zoom disconnected");
    t.zoom.connect(&admin, "school").await.assert_status(200);
    assert_eq!(join(&t, &s).await.0, "ready", "Zoom reconnected");

    t.ended_in_zoom(meeting.id).await;
    assert_eq!(join(&t, &s).await.0, "ended");
    assert_eq!(display(&t, &s).await, "ended");
    t.recording_collected(meeting.id).await;
    let page = s.get(&t.lesson_url()).await;
    assert!(
        !page.texts("#live-recordings a").is_empty(),
        "{}",
        page.text
    );

    // /metrics shows the lookups counted here.
    let (hits, _) = app.db.viewers.lesson_counts();
    let m = app.client().get("/metrics").await;
    m.assert_status(200);
    let shown = |series: &str| -> u64 {
        m.text
            .lines()
            .find_map(|l| l.strip_prefix(series))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {series} in {}", m.text))
    };
    assert!(shown(r#"lectern_viewer_cache_lookups_total{part="lesson",result="hit"}"#) >= hits);
    assert!(hits >= 4);
    assert_eq!(shown("lectern_viewer_cache_live"), 1);
}

db_test!(every_change_to_a_live_session_made_outside_the_instance_reaches_the_next_join_once_heard);
/// Each change is made by hand, as a shell or another instance would, while the join is
/// cached; once heard (PostgreSQL's notifications, SQLite's change log: migration 0036),
/// the next join has it.
async fn every_change_to_a_live_session_made_outside_the_instance_reaches_the_next_join_once_heard(
    b: TestAppBuilder,
) {
    let t = setup(b).await;
    let app = &t.app;
    let s = app.signed_in(&app.student).await;
    cache_live(app).await;
    let inst = app.signed_in(&app.instructor).await;
    t.start(&inst).await.assert_status(303);
    let meeting = t.zoom.sim.meetings()[0].clone();
    t.host_in(meeting.id).await;
    // The start's own notifications are heard first: arriving after the first join, they
    // would (rightly) take what it kept.
    app.heard_every_change().await;
    join(&t, &s).await;
    assert_eq!(join(&t, &s).await, ("ready".to_string(), true));
    let session = t.session().await.id;
    let connection = t.session().await.connection_id.unwrap();

    let by_hand = |statement: &'static str, binds: Vec<i64>| async move {
        sql(app, statement, &binds).await;
        app.heard_every_change().await;
    };
    // The session row: the host leaves, comes back.
    by_hand(
        "UPDATE live_sessions SET host_present = 0 WHERE id = $1",
        vec![session],
    )
    .await;
    assert_eq!(join(&t, &s).await.0, "waiting", "the host left");
    by_hand(
        "UPDATE live_sessions SET host_present = 1 WHERE id = $1",
        vec![session],
    )
    .await;
    assert_eq!(join(&t, &s).await.0, "ready");
    // The Zoom connection's state.
    by_hand(
        "UPDATE zoom_connections SET state = 'needs_reconnect' WHERE id = $1",
        vec![connection],
    )
    .await;
    assert_eq!(join(&t, &s).await.0, "unavailable");
    by_hand(
        "UPDATE zoom_connections SET state = 'connected' WHERE id = $1",
        vec![connection],
    )
    .await;
    assert_eq!(join(&t, &s).await.0, "ready");
    // The lesson's external link (the panel reads it with the session).
    join(&t, &s).await;
    by_hand(
        "INSERT INTO lesson_live_options (lesson_id, school_id, course_id, options, external_url, updated_at)
         VALUES ($1, $2, $3, '{}', 'https://meet.example.org/by-hand', 0)",
        vec![t.lesson, app.school.id, t.course_id],
    )
    .await;
    let page = s.get(&t.lesson_url()).await;
    assert_eq!(
        page.attr("#live-external-join", "href").as_deref(),
        Some("https://meet.example.org/by-hand"),
        "{}",
        page.text
    );
    by_hand(
        "DELETE FROM lesson_live_options WHERE lesson_id = $1",
        vec![t.lesson],
    )
    .await;
    assert_eq!(join(&t, &s).await.0, "ready");
    // Ended by hand, then a recording stored by hand.
    by_hand(
        "UPDATE live_sessions SET state = 'ended', ended_at = 1 WHERE id = $1",
        vec![session],
    )
    .await;
    assert_eq!(join(&t, &s).await.0, "ended");
    s.get(&t.lesson_url()).await.assert_status(200);
    by_hand(
        "INSERT INTO live_recordings (school_id, session_id, file_id, file_type, play_url, created_at)
         VALUES ($1, $2, 'by-hand', 'MP4', 'https://zoom.example/rec/play/1', 0)",
        vec![app.school.id, session],
    )
    .await;
    let page = s.get(&t.lesson_url()).await;
    assert_eq!(page.texts("#live-recordings li").len(), 1, "{}", page.text);
    // The lesson made private to someone else: the student's next join is refused.
    by_hand(
        "UPDATE lessons SET private_user_id = $1 WHERE id = $2",
        vec![app.instructor.id, t.lesson],
    )
    .await;
    assert_eq!(t.join(&s).await.0, 403);
}
