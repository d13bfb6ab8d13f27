//! Cloud recordings: shown and downloadable only to enrolled students, passcodes sealed; a
//! meeting deleted in Zoom before it started lets Start create a new one.

use lectern::accounts::Role;
use zoom_sim::{Fault, FaultKind};

use crate::support::TestAppBuilder;
use crate::support::live::setup;

db_test!(recording_shows_to_enrolled_students_only_and_deletion_in_zoom_allows_a_new_start);
async fn recording_shows_to_enrolled_students_only_and_deletion_in_zoom_allows_a_new_start(
    b: TestAppBuilder,
) {
    let t = setup(b).await;
    let inst = t.app.signed_in(&t.app.instructor).await;
    t.start(&inst).await;
    let m = t.session().await.meeting_id.unwrap();

    // Deleted in Zoom before it started: the lesson says so, Start creates a new one.
    let conn = lectern::zoom_connection::find(
        &t.app.db,
        t.app.school.id,
        lectern::zoom_connection::Owner::School,
    )
    .await
    .unwrap()
    .unwrap();
    lectern::zoom_connection::tokens::with_api(&t.app.state.zoom_deps(), &conn, |api| async move {
        api.delete_meeting(m, None).await
    })
    .await
    .unwrap();
    let r = t.start(&inst).await;
    assert!(
        r.location()
            .unwrap()
            .contains("live_error=live-error-meeting-deleted"),
        "{:?}",
        r.location()
    );
    let page = inst.get(&t.lesson_url()).await;
    assert!(page.texts("#live-deleted-in-zoom")[0].contains("deleted in Zoom"));
    // Zoom's 404 was about that meeting, not the connection: its health stays clean.
    let conn_now = lectern::zoom_connection::by_id(&t.app.db, conn.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(conn_now.last_error, None);
    let r = t.start(&inst).await;
    assert!(r.location().unwrap().contains("/s/"));
    assert_eq!(t.creates(), 2);
    let m = t.session().await.meeting_id.unwrap();

    t.zoom.sim.host_joins(m);
    t.zoom.sim.end_meeting(m);
    t.recording_collected(m).await;
    let student = t.app.signed_in(&t.app.student).await;
    let page = student.get(&t.lesson_url()).await;
    assert!(
        !page.texts("#live-recordings a").is_empty(),
        "{}",
        page.text
    );
    // The play link carries the recording's passcode and opens in Zoom; the
    // passcode is sealed at rest.
    let link = page.attr("#live-recordings a", "href").unwrap();
    assert!(
        link.contains("/rec/play/") && link.contains("?pwd="),
        "{link}"
    );
    let played = reqwest::get(&link).await.unwrap();
    assert_eq!(played.status().as_u16(), 200, "{link}");
    let pwd = link.split("pwd=").nth(1).unwrap().to_string();
    let sealed: Vec<Option<String>> =
        sqlx::query_scalar("SELECT play_passcode_sealed FROM live_recordings")
            .fetch_all(&t.app.db.pool)
            .await
            .unwrap();
    assert!(
        sealed
            .iter()
            .all(|s| s.as_deref().is_some_and(|s| !s.contains(&pwd)))
    );
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM zoom_events WHERE event = 'recording.completed'")
            .fetch_all(&t.app.db.pool)
            .await
            .unwrap();
    assert!(!stored.is_empty());
    assert!(
        stored
            .iter()
            .all(|b| !b.contains(&pwd) && !b.contains("download_token")),
        "the stored webhook body keeps no passcode or download token"
    );
    // Download goes through us (Zoom's link needs the school's token): the file's
    // bytes arrive as an attachment, and the token appears nowhere in the page.
    let dl = page.attr(".live-recording-download", "href").unwrap();
    assert!(
        dl.starts_with(&format!("/live/{}/recordings/", t.lesson)),
        "{dl}"
    );
    let file_id: String =
        sqlx::query_scalar("SELECT file_id FROM live_recordings ORDER BY id LIMIT 1")
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    let got = student.get(&dl).await;
    assert_eq!(got.status.as_u16(), 200, "{}", got.text);
    assert!(
        got.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    assert!(
        got.text
            .starts_with(&format!("zoom-sim recording {file_id}"))
    );
    assert!(!page.text.contains("access_token") && !page.text.contains("Bearer"));
    // Zoom failing: "try again" on a branded page, never a 500.
    t.zoom.sim.inject_fault(Fault {
        method: Some("GET".into()),
        path_prefix: "/rec/download/".into(),
        kind: FaultKind::Status(503),
        times: Some(1),
    });
    let failed = student.get(&dl).await;
    assert_eq!(failed.status.as_u16(), 502);
    assert!(
        failed.text.contains("can’t be downloaded right now"),
        "{}",
        failed.text
    );
    assert!(
        failed.text.to_lowercase().contains("try again"),
        "{}",
        failed.text
    );
    assert_eq!(student.get(&dl).await.status.as_u16(), 200, "works again");
    // An unknown file is a 404, not a call to Zoom.
    let missing = student
        .get(&format!("/live/{}/recordings/no-such-file", t.lesson))
        .await;
    assert_eq!(missing.status.as_u16(), 404);
    // Not enrolled: no player, no recording.
    let other = t
        .app
        .create_user(t.app.school.id, "o@test.example", "O", Role::Student)
        .await;
    let other = t.app.signed_in(&other).await;
    let r = other.get(&t.lesson_url()).await;
    assert!(r.texts("#live-recordings a").is_empty());
    assert_ne!(r.status.as_u16(), 200);
}
