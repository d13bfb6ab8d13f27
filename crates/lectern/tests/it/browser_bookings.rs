//! A 1-on-1 in Chromium: a student books a slot on the booking page, opens the private
//! session, and joins it inside the player once the coach has started it through
//! zoom-sim; another student of the course sees it nowhere.

use std::time::Duration;

use lectern::db::now_ms;

use crate::bookings::{enrolled_student, midday_zone, save_hours};
use crate::support::browser::{self, Browser};
use crate::support::live::setup;
use crate::support::{TestAppBuilder, eventually};

db_test!(a_student_books_a_one_on_one_and_joins_it_another_cannot_see_it);
async fn a_student_books_a_one_on_one_and_joins_it_another_cannot_see_it(b: TestAppBuilder) {
    if !browser::available("1-on-1 booking") {
        return;
    }
    let t = setup(b).await;
    let app = &t.app;
    let coach = app.signed_in(&app.instructor).await;
    // Ten-minute slots from two minutes ahead, in a zone where it is about midday.
    let tz_name = midday_zone();
    let at = jiff::Timestamp::from_millisecond(now_ms() + 120_000)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get(&tz_name).unwrap());
    let minute = at.hour() as i64 * 60 + at.minute() as i64;
    let extra = format!(
        "{} {:02}:{:02}-{:02}:{:02}",
        at.date(),
        minute / 60,
        minute % 60,
        (minute + 10) / 60,
        (minute + 10) % 60
    );
    save_hours(
        &coach,
        t.course_id,
        &[
            ("timezone", &tz_name),
            ("slot_min", "10"),
            ("exceptions", &extra),
        ],
    )
    .await;
    let other = enrolled_student(app, t.course_id, "bob@test.example", "Bob Other").await;

    let br = Browser::start().await;
    br.sign_in(&app.base_url, &app.student.email, &app.student.password)
        .await;
    br.goto(&format!("{}/courses/{}/book", app.base_url, t.course_slug))
        .await;
    br.click(".coach .slot").await;
    br.wait_css("#booking-notice").await;
    br.check_a11y().await;
    br.click("#my-bookings .open-booking").await;
    br.wait_css("#live").await;
    let lesson: i64 = app
        .scalar("SELECT id FROM lessons WHERE private_user_id IS NOT NULL")
        .await;
    let lesson_path = format!("/courses/{}/lessons/{lesson}", t.course_slug);

    // The coach starts it through zoom-sim and is in the meeting.
    let csrf = coach.csrf_for(&lesson_path).await;
    coach
        .post_form_raw(&format!("/live/{lesson}/start"), &[("_csrf", &csrf)])
        .await
        .assert_status(303);
    let session = || async {
        lectern::live::by_lesson(
            &app.db,
            lectern::db::SchoolId(app.school.id),
            lectern::db::LessonId(lesson),
        )
        .await
        .unwrap()
        .unwrap()
    };
    let m = session()
        .await
        .meeting_id
        .expect("meeting created at Start");
    t.zoom.sim.host_joins(m);
    eventually("host present", Duration::from_secs(10), || async {
        app.drain_jobs().await;
        session().await.host_present().then_some(())
    })
    .await;
    // The open page shows Join by itself; the student joins inside the player.
    br.wait_css("#live[data-display='live'] #live-join").await;
    br.click("#live-join").await;
    br.wait_css("#zoom-root #zoom-sim-meeting").await;

    // Bob: not in the outline, the lesson page is not found, nothing on his booking page.
    let bob = Browser::start().await;
    bob.sign_in(&app.base_url, &other.email, &other.password)
        .await;
    bob.goto(&format!("{}/courses/{}", app.base_url, t.course_slug))
        .await;
    bob.wait_css("main").await;
    assert_eq!(
        bob.eval(&format!(
            "return document.querySelectorAll('a[href$=\"/lessons/{lesson}\"]').length"
        ))
        .await,
        serde_json::json!(0)
    );
    bob.goto(&format!("{}{lesson_path}", app.base_url)).await;
    bob.wait_css("main").await;
    assert_eq!(
        bob.eval("return document.querySelectorAll('#live').length")
            .await,
        serde_json::json!(0),
        "no live panel for Bob"
    );
    bob.goto(&format!("{}/courses/{}/book", app.base_url, t.course_slug))
        .await;
    bob.wait_css("#my-bookings-none").await;
    bob.close().await;
    br.close().await;
}
