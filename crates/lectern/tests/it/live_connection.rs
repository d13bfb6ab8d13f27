//! Where live sessions meet the Zoom connection (issues 4 and 5): what lessons show when
//! Zoom is disconnected or needs a reconnect, what "Delete all Zoom data" wipes from live
//! sessions and attendance, and that deleting a lesson never fails because of Zoom.

use std::time::Duration;

use lectern::zoom_connection::{self, ConnState, Owner};

use crate::support::TestAppBuilder;
use crate::support::live::setup;

async fn scalar(app: &crate::support::TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

db_test!(disconnected_zoom_makes_live_lessons_say_so_until_reconnected);
async fn disconnected_zoom_makes_live_lessons_say_so_until_reconnected(b: TestAppBuilder) {
    let t = setup(b).await;
    let student = t.app.signed_in(&t.app.student).await;
    let teacher = t.app.signed_in(&t.app.instructor).await;
    assert!(
        student
            .get(&t.lesson_url())
            .await
            .texts("#live-unavailable")
            .is_empty()
    );

    let admin = t.app.signed_in(&t.app.admin).await;
    t.zoom.disconnect_school(&admin).await;
    let page = student.get(&t.lesson_url()).await;
    assert_eq!(
        page.texts("#live-unavailable"),
        vec!["Live sessions are unavailable right now."]
    );
    // The instructor (not an admin) is not sent to the admins' settings page they
    // cannot open: they can ask, connect their own Zoom, or switch the lesson.
    let page = teacher.get(&t.lesson_url()).await;
    let help = page.texts("#live-unavailable-help").join(" ");
    assert!(
        help.contains("Ask your school's admin to reconnect Zoom")
            && help.contains("external link"),
        "{help}"
    );
    assert!(page.attr("#live-reconnect", "href").is_none());
    assert_eq!(
        page.attr("#live-connect-own", "href").as_deref(),
        Some("/profile/zoom")
    );
    teacher.get("/profile/zoom").await.assert_status(200);
    // The admin, who can, gets the link to Settings → Integrations.
    let page = admin.get(&t.lesson_url()).await;
    let help = page.texts("#live-unavailable-help").join(" ");
    assert!(
        help.contains("Reconnect Zoom") && help.contains("external link"),
        "{help}"
    );
    assert_eq!(
        page.attr("#live-reconnect", "href").as_deref(),
        Some("/settings/integrations")
    );
    admin.get("/settings/integrations").await.assert_status(200);

    // Course content and enrolment are untouched, and reconnecting restores the session.
    student.get(&t.lesson_url()).await.assert_status(200);
    t.zoom.connect(&admin, "school").await.assert_status(200);
    assert!(
        student
            .get(&t.lesson_url())
            .await
            .texts("#live-unavailable")
            .is_empty()
    );
}

db_test!(a_connection_that_needs_reconnect_shows_the_banner_on_live_lessons);
async fn a_connection_that_needs_reconnect_shows_the_banner_on_live_lessons(b: TestAppBuilder) {
    let t = setup(b).await;
    let conn = zoom_connection::find(&t.app.db, t.app.school.id, Owner::School)
        .await
        .unwrap()
        .unwrap();
    sqlx::query("UPDATE zoom_connections SET state = 'needs_reconnect' WHERE id = $1")
        .bind(conn.id)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let student = t.app.signed_in(&t.app.student).await;
    let page = student.get(&t.lesson_url()).await;
    assert_eq!(
        page.texts("#live-unavailable"),
        vec!["Live sessions are unavailable right now."]
    );
    let admin = t.app.signed_in(&t.app.admin).await;
    assert!(
        !admin
            .get("/settings/integrations")
            .await
            .texts("#zoom-needs-reconnect")
            .is_empty()
    );
}

db_test!(delete_all_zoom_data_wipes_meetings_and_names_but_keeps_counts);
async fn delete_all_zoom_data_wipes_meetings_and_names_but_keeps_counts(b: TestAppBuilder) {
    let t = setup(b).await;
    let teacher = t.app.signed_in(&t.app.instructor).await;
    t.start(&teacher).await;
    let m = t.zoom.sim.meetings()[0].id;
    t.zoom.sim.host_joins(m);
    let sid = t.customer_key(t.app.student.id).await;
    t.zoom
        .sim
        .participant_join(m, "Sam Student", "student@test.example", &sid);
    t.zoom.sim.participant_leave(m, &sid);
    t.zoom
        .sim
        .wait_for_deliveries(Duration::from_secs(10), |d| {
            d.iter()
                .filter(|x| x.event == "meeting.participant_left" && x.status == Some(200))
                .count()
                >= 1
        })
        .await;
    t.app.drain_jobs().await;
    let events_before = scalar(&t.app, "SELECT COUNT(*) FROM live_attendance_events").await;
    assert!(events_before >= 2, "attendance was recorded");
    assert!(
        scalar(&t.app, "SELECT COUNT(*) FROM live_attendance_events WHERE email IS NOT NULL OR name IS NOT NULL").await > 0,
        "names and e-mails were recorded"
    );

    assert!(
        scalar(
            &t.app,
            "SELECT COUNT(*) FROM zoom_events WHERE processed_at IS NOT NULL"
        )
        .await
            > 0,
        "the webhook bodies (with participants' names) were stored"
    );

    let admin = t.app.signed_in(&t.app.admin).await;
    admin
        .post_form("/integrations/zoom/delete-data", &[("confirm", "DELETE")])
        .await
        .assert_redirect_to("/settings/integrations");
    assert_eq!(
        scalar(&t.app, "SELECT COUNT(*) FROM live_sessions WHERE meeting_id IS NOT NULL OR meeting_uuid IS NOT NULL OR join_url_sealed IS NOT NULL OR passcode_sealed IS NOT NULL").await,
        0,
        "meeting ids, URLs and passcodes are gone"
    );
    assert_eq!(
        scalar(&t.app, "SELECT COUNT(*) FROM live_attendance_events WHERE email IS NOT NULL OR name IS NOT NULL").await,
        0,
        "participants' names and e-mails are gone"
    );
    assert_eq!(
        scalar(&t.app, "SELECT COUNT(*) FROM live_attendance_events").await,
        events_before,
        "anonymous counts stay"
    );
    assert_eq!(scalar(&t.app, "SELECT COUNT(*) FROM zoom_tokens").await, 0);
    assert_eq!(
        scalar(
            &t.app,
            "SELECT COUNT(*) FROM zoom_events WHERE processed_at IS NOT NULL"
        )
        .await,
        0,
        "processed webhook bodies are gone"
    );
    let c = zoom_connection::find(&t.app.db, t.app.school.id, Owner::School)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.state(), ConnState::Disconnected);
}

db_test!(deleting_a_live_lesson_never_fails_because_of_zoom);
async fn deleting_a_live_lesson_never_fails_because_of_zoom(b: TestAppBuilder) {
    let t = setup(b).await;
    let teacher = t.app.signed_in(&t.app.instructor).await;
    t.start(&teacher).await;
    let m = t.zoom.sim.meetings()[0].id;
    // Zoom is down when the lesson is deleted: the deletion still succeeds at once.
    t.zoom.sim.inject_fault(zoom_sim::Fault {
        method: Some("DELETE".into()),
        path_prefix: "/v2/meetings".into(),
        kind: zoom_sim::FaultKind::Status(503),
        times: Some(3),
    });
    teacher
        .post_form(
            &format!("/teach/courses/{}/lessons/{}/delete", t.course_id, t.lesson),
            &[],
        )
        .await
        .assert_redirect_to(&format!("/teach/courses/{}", t.course_id));
    assert_eq!(scalar(&t.app, "SELECT COUNT(*) FROM lessons").await, 0);
    assert!(t.zoom.sim.meeting(m).is_some(), "not deleted in Zoom yet");
    // The clean-up job retries until Zoom answers; the meeting is then gone.
    crate::support::eventually(
        "meeting deleted in Zoom",
        Duration::from_secs(60),
        || async {
            sqlx::query("UPDATE jobs SET run_at = 0 WHERE state = 'queued'")
                .execute(&t.app.db.pool)
                .await
                .unwrap();
            t.app.drain_jobs().await;
            t.zoom
                .sim
                .meeting(m)
                .filter(|mt| mt.status != "deleted")
                .is_none()
                .then_some(())
        },
    )
    .await;
}
