//! Sessions that end without a meeting running: nobody started them (ended after a grace),
//! a moved lesson schedules them again, one still starting waits for reconciliation, and a
//! cancelled one has its Zoom meeting deleted and can't be started.

use lectern::courses;
use lectern::db::{CourseId, LessonId, SchoolId, now_ms};

use crate::support::TestAppBuilder;
use crate::support::live::{Live, live_record, setup};

impl Live {
    /// Queued expiry jobs due after now and within `minutes`.
    async fn expiries_due_within(&self, minutes: i64) -> i64 {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs
             WHERE kind = 'live_expire_unstarted' AND state = 'queued' AND run_at > $1
               AND run_at <= $2",
        )
        .bind(now_ms())
        .bind(now_ms() + minutes * 60_000)
        .fetch_one(&self.app.db.pool)
        .await
        .unwrap()
    }
}

db_test!(a_session_nobody_started_ends_after_its_grace_and_a_new_time_schedules_it_again);
async fn a_session_nobody_started_ends_after_its_grace_and_a_new_time_schedules_it_again(
    b: TestAppBuilder,
) {
    let t = setup(b).await;
    // Viewed once (the session row exists), then moved three hours into the past:
    // its end (−2 h) and grace (30 min) are over.
    t.student_page().await;
    assert_eq!(t.session().await.state, "scheduled");
    let lesson = t.reschedule(now_ms() - 3 * 3_600_000).await;
    // A second one, created in the past and never viewed (no session row yet).
    let unseen = courses::insert_lesson(
        &t.app.db,
        &*t.app.state.course_hooks,
        SchoolId(t.app.school.id),
        CourseId(t.course_id),
        &live_record(&lesson, now_ms() - 3 * 3_600_000),
    )
    .await
    .unwrap();
    t.app.drain_jobs().await;
    let s = t.session().await;
    assert_eq!(s.state, "ended");
    assert!(s.meeting_id.is_none() && s.ended_at.is_some());
    let s2 = lectern::live::by_lesson(&t.app.db, SchoolId(t.app.school.id), unseen)
        .await
        .unwrap()
        .expect("row created ended");
    assert_eq!(s2.state, "ended");
    let page = t.student_page().await;
    assert_eq!(
        page.texts("#live-did-not-take-place"),
        ["This session did not take place."],
        "nobody started it: not 'ended'"
    );

    // Moved to five minutes from now: scheduled again, and Start creates the meeting.
    t.reschedule(now_ms() + 5 * 60_000).await;
    t.app.drain_jobs().await;
    assert_eq!(t.session().await.state, "scheduled");
    let inst = t.app.signed_in(&t.app.instructor).await;
    let r = t.start(&inst).await;
    assert!(r.location().unwrap().contains("/s/"), "{:?}", r.location());
    assert_eq!(t.creates(), 1);
    assert_eq!(t.session().await.state, "live");

    // A session that really took place and was ended by Zoom stays ended when its
    // lesson is moved: only expired ones come back.
    let m = t.session().await.meeting_id.unwrap();
    t.host_in(m).await;
    t.zoom.sim.end_meeting(m);
    crate::support::eventually("ended", std::time::Duration::from_secs(10), || async {
        t.app.drain_jobs().await;
        (t.session().await.state == "ended").then_some(())
    })
    .await;
    t.reschedule(now_ms() + 24 * 3_600_000).await;
    t.app.drain_jobs().await;
    assert_eq!(t.session().await.state, "ended");
}

db_test!(a_session_within_its_grace_is_not_ended_early);
async fn a_session_within_its_grace_is_not_ended_early(b: TestAppBuilder) {
    let t = setup(b).await;
    // Ended ten minutes ago; the grace runs another twenty.
    t.reschedule(now_ms() - 70 * 60_000).await;
    t.app.drain_jobs().await;
    let s = lectern::live::by_lesson(&t.app.db, SchoolId(t.app.school.id), LessonId(t.lesson))
        .await
        .unwrap();
    assert!(s.is_none_or(|s| s.state == "scheduled"));
    assert_eq!(
        t.expiries_due_within(20).await,
        1,
        "the expiry waits for the grace to pass"
    );
}

db_test!(a_session_still_starting_at_its_deadline_is_looked_at_again_after_reconciliation);
async fn a_session_still_starting_at_its_deadline_is_looked_at_again_after_reconciliation(
    b: TestAppBuilder,
) {
    let t = setup(b).await;
    t.student_page().await;
    // A Start whose answer never came is still open when the grace runs out.
    sqlx::query("UPDATE live_sessions SET state = 'starting', starting_since = $1")
        .bind(now_ms())
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    t.reschedule(now_ms() - 3 * 3_600_000).await;
    t.app.drain_jobs().await;
    assert_eq!(
        t.session().await.state,
        "starting",
        "reconciliation decides"
    );
    assert_eq!(
        t.expiries_due_within(10).await,
        1,
        "the expiry looks again after reconciliation"
    );
    // Reconciliation found nothing in Zoom: back to scheduled. The next look ends it.
    sqlx::query("UPDATE live_sessions SET state = 'scheduled', starting_since = NULL")
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE jobs SET run_at = 0 WHERE kind = 'live_expire_unstarted' AND state = 'queued'",
    )
    .execute(&t.app.db.pool)
    .await
    .unwrap();
    t.app.drain_jobs().await;
    assert_eq!(t.session().await.state, "ended");
}

db_test!(cancelling_a_session_with_a_zoom_meeting_enqueues_its_deletion);
async fn cancelling_a_session_with_a_zoom_meeting_enqueues_its_deletion(b: TestAppBuilder) {
    let t = setup(b).await;
    let teacher = t.app.signed_in(&t.app.instructor).await;
    // The session row exists once the player was shown; link a meeting to it.
    teacher.get(&t.lesson_url()).await.assert_status(200);
    let s = t.session().await;
    sqlx::query(
        "UPDATE live_sessions SET meeting_id = 987654321, connection_id = (SELECT MIN(id) FROM zoom_connections) WHERE id = $1",
    )
    .bind(s.id)
    .execute(&t.app.db.pool)
    .await
    .unwrap();
    teacher
        .post_form(&format!("/live/{}/cancel", t.lesson), &[])
        .await
        .assert_redirect_to(&t.lesson_url());
    assert_eq!(t.session().await.state, "cancelled");
    let payload: String =
        sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = 'live_delete_meeting'")
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    let p: serde_json::Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(p["meeting_id"], 987654321);
    assert_eq!(p["session_id"], s.id);
    // A cancelled session can't be started.
    let r = t.start(&teacher).await;
    assert!(r.status.is_redirection() || r.status.is_client_error());
    assert_eq!(t.session().await.state, "cancelled");
    assert_eq!(t.creates(), 0, "no meeting created for a cancelled session");
}
