//! A 1-on-1 in Chromium: a student books a slot on the booking page, opens the private
//! session, and joins it inside the player once the coach has started it through
//! zoom-sim; another student of the course sees it nowhere.

use std::time::Duration;

use lectern::db::now_ms;

use crate::bookings::{date_in, enrolled_student, midday_zone, save_hours, slots};
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
    // It asks first.
    br.wait_css("#confirm-question").await;
    br.click("#confirm-button").await;
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

/// The story over time at `width` px: A has the booking page open; meanwhile B books slot
/// X; A picks X and confirms → "just taken" with the next free slots; A books another
/// and finds it in the outline; the coach cancels it from the live panel while A's page
/// is open; A's outline no longer offers it, and B never saw it.
async fn taken_slot_story(app: &crate::support::TestApp, width: u32) {
    let (coach, course_id, slug) = {
        let t = app.signed_in(&app.instructor).await;
        let (id, slug) = crate::support::courses::new_course(&t, "Coaching").await;
        crate::support::courses::publish(&t, id).await;
        (t, id, slug)
    };
    save_hours(
        &coach,
        course_id,
        &[("exceptions", &format!("{} 10:00-13:00", date_in(3)))],
    )
    .await;
    let a = enrolled_student(app, course_id, "ann@test.example", "Ann").await;
    let b = enrolled_student(app, course_id, "ben@test.example", "Ben").await;
    let ben = app.signed_in(&b).await;
    let (program, starts) = slots(&ben, &slug).await;
    assert_eq!(starts.len(), 3);
    let x = &starts[0];

    let br = if width < 800 {
        Browser::start_mobile(width, 780).await
    } else {
        Browser::start().await
    };
    br.sign_in(&app.base_url, &a.email, &a.password).await;
    let book_url = format!("{}/courses/{slug}/book", app.base_url);
    br.goto(&book_url).await;
    br.wait_css(&format!(".slot[data-start='{x}']")).await;
    // Nothing sticks out sideways on a phone.
    assert_eq!(
        br.eval("return document.documentElement.scrollWidth <= window.innerWidth")
            .await,
        serde_json::json!(true),
        "{width} px: the booking page fits"
    );

    // Meanwhile Ben takes X.
    ben.post_form(
        &format!("/courses/{slug}/book"),
        &[("program", &program), ("start", x), ("confirm", "1")],
    )
    .await
    .assert_status(303);

    // Ann taps X (her page still offers it) and confirms: just taken, the next slots.
    br.click(&format!(".slot[data-start='{x}']")).await;
    br.wait_css("#confirm-question").await;
    assert!(
        br.text("#confirm-question")
            .await
            .contains("(your time) with")
    );
    br.click("#confirm-button").await;
    br.wait_css("#booking-error").await;
    assert!(
        br.text("#booking-error").await.contains("just taken"),
        "{}",
        br.text("#booking-error").await
    );
    assert_eq!(
        br.eval(&format!(
            "return document.querySelectorAll(\".slot[data-start='{x}']\").length"
        ))
        .await,
        serde_json::json!(0),
        "X is no longer offered"
    );
    let y = &starts[1];
    br.click(&format!(".slot[data-start='{y}']")).await;
    br.wait_css("#confirm-button").await;
    br.click("#confirm-button").await;
    br.wait_css("#booking-notice").await;
    let lesson: i64 = sqlx::query_scalar(
        "SELECT lesson_id FROM bookings WHERE state = 'booked' AND student_id = $1",
    )
    .bind(a.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    let lesson_path = format!("/courses/{slug}/lessons/{lesson}");
    let link = format!("a[href='{lesson_path}']");
    let count_links = format!("return document.querySelectorAll(\"{link}\").length");
    // In her outline.
    br.goto(&format!("{}/courses/{slug}", app.base_url)).await;
    br.wait_css(&link).await;

    // The coach cancels it from the live panel while Ann's outline is open.
    let csrf = coach.csrf_for(&lesson_path).await;
    coach
        .post_form_raw(&format!("/live/{lesson}/cancel"), &[("_csrf", &csrf)])
        .await
        .assert_status(303);
    // The open page hears of it (its badge says Cancelled, nothing to join); after a
    // reload it is gone from the outline.
    br.wait_css(&format!(
        "li[data-lesson-id='{lesson}'] [data-live-badge][data-display='cancelled']"
    ))
    .await;
    assert!(
        br.text(&format!("li[data-lesson-id='{lesson}'] [data-live-badge]"))
            .await
            .contains("Cancelled")
    );
    br.goto(&format!("{}/courses/{slug}", app.base_url)).await;
    br.wait_css("main").await;
    assert_eq!(
        br.eval(&count_links).await,
        serde_json::json!(0),
        "gone after a reload"
    );
    // The slot is bookable again.
    br.goto(&book_url).await;
    br.wait_css(&format!(".slot[data-start='{y}']")).await;
    br.close().await;

    // Ben never saw Ann's session: not in his outline, badges or booking page.
    for path in [
        format!("/courses/{slug}"),
        format!("/courses/{slug}/live/states"),
        format!("/courses/{slug}/book"),
    ] {
        let r = ben.get(&path).await;
        assert!(!r.text.contains(&lesson_path), "{path}");
        assert!(!r.text.contains(&format!("\"lesson\":{lesson}")), "{path}");
    }
}

db_test!(a_slot_taken_meanwhile_then_a_coach_cancel_on_a_phone);
async fn a_slot_taken_meanwhile_then_a_coach_cancel_on_a_phone(app: crate::support::TestApp) {
    if !browser::available("1-on-1 taken slot story") {
        return;
    }
    taken_slot_story(&app, 360).await;
}

db_test!(a_slot_taken_meanwhile_then_a_coach_cancel_on_a_desktop);
async fn a_slot_taken_meanwhile_then_a_coach_cancel_on_a_desktop(app: crate::support::TestApp) {
    if !browser::available("1-on-1 taken slot story") {
        return;
    }
    taken_slot_story(&app, 1280).await;
}
