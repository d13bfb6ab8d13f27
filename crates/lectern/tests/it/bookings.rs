//! Private 1-on-1 bookings (issue 17, L15): a coach's hours, a race for one slot (across two
//! instances on PostgreSQL), who sees and joins the private session, the tenant wall,
//! cancelling within and after the cutoff, and bad input as field errors.

use lectern::accounts::{Role, sessions};
use lectern::db::{CourseId, SchoolId, UserId, now_ms};

use crate::support::live::setup;
use crate::support::{TestApp, TestAppBuilder, TestClient, TestUser};

/// A client signed in as `user` without the password round trip (argon2 fifty times is
/// slow): a session row and its cookie.
pub(crate) async fn session_client(app: &TestApp, base: &str, user: &TestUser) -> TestClient {
    let u = lectern::accounts::by_id(&app.db, user.school_id, user.id)
        .await
        .unwrap()
        .unwrap();
    let token = sessions::create(&app.db, &app.state.config.secret_key, &u)
        .await
        .unwrap();
    let c = TestClient::new(base);
    c.set_cookie(sessions::cookie_name(false), &token);
    c
}

pub(crate) async fn enrolled_student(
    app: &TestApp,
    course: i64,
    email: &str,
    name: &str,
) -> TestUser {
    crate::support::courses::enrolled_student(app, course, email, name).await
}

/// A date `days` ahead in UTC, as the exceptions field reads it.
pub(crate) fn date_in(days: i64) -> String {
    jiff::Timestamp::from_millisecond(now_ms() + days * 86_400_000)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

/// The coach (`c`) saves these hours for `course`; asserts it worked.
pub(crate) async fn save_hours(c: &TestClient, course: i64, fields: &[(&str, &str)]) {
    let path = format!("/teach/courses/{course}/bookings");
    let mut all: Vec<(&str, &str)> = vec![
        ("timezone", "UTC"),
        ("slot_min", "60"),
        ("buffer_min", "0"),
        ("horizon_days", "30"),
        ("notice_hours", "0"),
        ("cutoff_hours", "24"),
        ("one_per_student", "on"),
        ("windows", ""),
        ("exceptions", ""),
    ];
    for (k, v) in fields {
        all.retain(|(a, _)| a != k);
        all.push((k, v));
    }
    c.post_form(&path, &all)
        .await
        .assert_redirect_to(&format!("{path}?saved=1"));
}

/// The first coach's program id and free slot starts on the booking page.
pub(crate) async fn slots(c: &TestClient, slug: &str) -> (String, Vec<String>) {
    let page = c.get(&format!("/courses/{slug}/book")).await;
    page.assert_status(200);
    let program = page.attr(".coach", "data-program").expect("a coach");
    let doc = page.doc();
    let sel = scraper::Selector::parse(".slot").unwrap();
    let starts = doc
        .select(&sel)
        .map(|b| b.value().attr("data-start").unwrap().to_string())
        .collect();
    (program, starts)
}

/// Books as the confirmation page's button does (`confirm=1`).
async fn book(c: &TestClient, slug: &str, program: &str, start: &str) -> crate::support::Resp {
    c.post_form(
        &format!("/courses/{slug}/book"),
        &[("program", program), ("start", start), ("confirm", "1")],
    )
    .await
}

/// A published course taught by the test instructor; its id and slug.
async fn course(app: &TestApp) -> (TestClient, i64, String) {
    crate::support::courses::taught_course(app, "Coaching").await
}

/// Posts the join API of `lesson` as `c`: the status and the JSON answer.
async fn join(c: &TestClient, lesson: i64) -> (u16, serde_json::Value) {
    let csrf = c.csrf_for("/").await;
    let r = c
        .send(
            c.request(reqwest::Method::POST, &format!("/api/live/{lesson}/join"))
                .header("x-csrf-token", csrf),
        )
        .await;
    (
        r.status.as_u16(),
        serde_json::from_str(&r.text).unwrap_or_default(),
    )
}

const TAKEN: &str = "That slot was just taken";

/// The school's admin (`admin`) takes `user_id` off the course's instructors.
async fn remove_instructor(admin: &TestClient, course_id: i64, user_id: i64) {
    admin
        .post_form(
            &format!("/teach/courses/{course_id}/instructors/{user_id}/remove"),
            &[],
        )
        .await
        .assert_redirect_to(&format!("/teach/courses/{course_id}"));
}

/// Whether `c` finds the "book a 1-on-1 session" link on the course page at `path` (which
/// must answer 200: an error page has no link either).
async fn offers_booking(c: &TestClient, path: &str) -> bool {
    let page = c.get(path).await;
    page.assert_status(200);
    page.attr("#course-book", "href").is_some()
}

db_test!(a_coach_removed_from_the_course_is_no_longer_offered_until_added_again);
async fn a_coach_removed_from_the_course_is_no_longer_offered_until_added_again(app: TestApp) {
    let (coach, course_id, slug) = course(&app).await;
    save_hours(
        &coach,
        course_id,
        &[("exceptions", &format!("{} 10:00-11:00", date_in(3)))],
    )
    .await;
    let student = enrolled_student(&app, course_id, "kept@example.org", "Kept").await;
    let s = app.signed_in(&student).await;
    let course_page = format!("/courses/{slug}");
    assert!(offers_booking(&s, &course_page).await);
    let (program, starts) = slots(&s, &slug).await;
    assert!(!starts.is_empty());
    // The school's admin takes the coach off the course.
    let admin = app.signed_in(&app.admin).await;
    remove_instructor(&admin, course_id, app.instructor.id).await;
    // No link, no coach on the booking page, and a booking of their hours is refused.
    assert!(!offers_booking(&s, &course_page).await);
    let page = s.get(&format!("/courses/{slug}/book")).await;
    page.assert_status(200);
    assert!(
        page.attr(".coach", "data-program").is_none(),
        "a removed coach is listed"
    );
    book(&s, &slug, &program, &starts[0])
        .await
        .assert_status(404);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM bookings").await, 0);
    // Added again, their hours (kept) are offered again.
    admin
        .post_form(
            &format!("/teach/courses/{course_id}/instructors"),
            &[("email", app.instructor.email.as_str())],
        )
        .await
        .assert_redirect_to(&format!("/teach/courses/{course_id}"));
    assert!(offers_booking(&s, &course_page).await);
    assert_eq!(slots(&s, &slug).await.0, program);
    // An admin coaches any course of the school without teaching it, and offers nothing
    // there once no longer an admin.
    save_hours(
        &admin,
        course_id,
        &[("exceptions", &format!("{} 14:00-15:00", date_in(4)))],
    )
    .await;
    remove_instructor(&admin, course_id, app.instructor.id).await;
    assert!(offers_booking(&s, &course_page).await);
    let (admins, _) = slots(&s, &slug).await;
    assert_ne!(
        admins, program,
        "the admin's hours, not the removed coach's"
    );
    sqlx::query("UPDATE users SET role = 'instructor' WHERE id = $1")
        .bind(app.admin.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    // A change by hand is in the class's views once this instance heard it.
    app.heard_every_change().await;
    assert!(!offers_booking(&s, &course_page).await);
}

db_test!(fifty_students_race_for_one_slot_and_one_wins);
async fn fifty_students_race_for_one_slot_and_one_wins(app: TestApp) {
    let (coach, course_id, slug) = course(&app).await;
    let day = date_in(3);
    save_hours(
        &coach,
        course_id,
        &[("exceptions", &format!("{day} 10:00-11:00"))],
    )
    .await;
    // On PostgreSQL half of the students reach a second instance on the same database.
    let second = match app.backend() {
        lectern::db::Backend::Postgres => Some(app.second_instance().await),
        lectern::db::Backend::Sqlite => None,
    };
    let mut clients = Vec::new();
    for i in 0..50 {
        let u = enrolled_student(
            &app,
            course_id,
            &format!("racer{i}@test.example"),
            &format!("Racer {i}"),
        )
        .await;
        let base = match &second {
            Some(s) if i % 2 == 1 => s.base_url.clone(),
            _ => app.base_url.clone(),
        };
        clients.push(session_client(&app, &base, &u).await);
    }
    let (program, starts) = slots(&clients[0], &slug).await;
    assert_eq!(starts.len(), 1, "one slot offered");
    let start = starts[0].clone();
    let path = format!("/courses/{slug}/book");
    let mut tokens = Vec::new();
    for c in &clients {
        tokens.push(c.csrf_for(&path).await);
    }
    let answers = futures_util::future::join_all(clients.iter().zip(&tokens).map(|(c, t)| {
        let (path, program, start) = (&path, &program, &start);
        async move {
            c.post_form_raw(
                path,
                &[
                    ("_csrf", t.as_str()),
                    ("program", program),
                    ("start", start),
                    ("confirm", "1"),
                ],
            )
            .await
        }
    }))
    .await;
    let won = answers.iter().filter(|r| r.status.as_u16() == 303).count();
    let lost: Vec<_> = answers
        .iter()
        .filter(|r| r.status.as_u16() == 409)
        .collect();
    assert_eq!(won, 1, "exactly one booking");
    assert_eq!(lost.len(), 49, "every other student is told");
    assert!(lost.iter().all(|r| r.text.contains(TAKEN)));
    // The loser's page shows the next free slots: none left here.
    assert!(
        lost.iter()
            .all(|r| !r.text.contains(&format!("data-start=\"{start}\"")))
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bookings WHERE state = 'booked'")
            .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM lessons WHERE private_user_id IS NOT NULL")
            .await,
        1
    );
    if let Some(s) = second {
        s.stop().await;
    }
}

/// A fixed-offset zone in which now is around midday, so a slot starting in a few
/// minutes never crosses local midnight.
pub(crate) fn midday_zone() -> String {
    let h = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .hour() as i64;
    let offset = (12 - h).clamp(-12, 14);
    match offset {
        0 => "UTC".to_string(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

db_test!(private_session_is_seen_and_joined_only_by_its_student_and_coach);
async fn private_session_is_seen_and_joined_only_by_its_student_and_coach(b: TestAppBuilder) {
    let live = setup(b).await;
    let app = &live.app;
    let coach = app.signed_in(&app.instructor).await;
    // Extra hours starting two minutes from now, in the coach's zone.
    let tz_name = midday_zone();
    let tz = jiff::tz::TimeZone::get(&tz_name).unwrap();
    let at = jiff::Timestamp::from_millisecond(now_ms() + 120_000)
        .unwrap()
        .to_zoned(tz);
    let (day, minute) = (at.date(), at.hour() as i64 * 60 + at.minute() as i64);
    let extra = format!(
        "{day} {:02}:{:02}-{:02}:{:02}",
        minute / 60,
        minute % 60,
        (minute + 10) / 60,
        (minute + 10) % 60
    );
    save_hours(
        &coach,
        live.course_id,
        &[
            ("timezone", &tz_name),
            ("slot_min", "10"),
            ("exceptions", &extra),
        ],
    )
    .await;
    let other = enrolled_student(app, live.course_id, "other@test.example", "Other Student").await;
    let alice = app.signed_in(&app.student).await;
    let bob = app.signed_in(&other).await;
    let (program, starts) = slots(&alice, &live.course_slug).await;
    assert_eq!(starts.len(), 1);
    book(&alice, &live.course_slug, &program, &starts[0])
        .await
        .assert_redirect_to(&format!("/courses/{}/book?done=booked", live.course_slug));
    let lesson: i64 = app
        .scalar("SELECT id FROM lessons WHERE private_user_id IS NOT NULL")
        .await;
    let url = format!("/courses/{}/lessons/{lesson}", live.course_slug);
    let title = format!("1-on-1: {} and {}", app.instructor.name, app.student.name);

    // The outline, the lesson page and the calendar feed: Alice and the coach, not Bob.
    let course_url = format!("/courses/{}", live.course_slug);
    let feed = format!("/courses/{}/calendar.ics", live.course_slug);
    for (who, c, sees) in [
        ("alice", &alice, true),
        ("coach", &coach, true),
        ("bob", &bob, false),
    ] {
        let page = c.get(&course_url).await;
        assert_eq!(page.text.contains(&url), sees, "{who}: outline");
        let player = c.get(&url).await;
        assert_eq!(
            player.status.as_u16() == 200,
            sees,
            "{who}: lesson page {}",
            player.status
        );
        let ics = c.get(&feed).await;
        assert_eq!(ics.text.contains(&title), sees, "{who}: calendar feed");
    }
    // Bob's booking page doesn't list Alice's booking either.
    assert!(
        !bob.get(&format!("/courses/{}/book", live.course_slug))
            .await
            .text
            .contains(&url)
    );

    // The invitation goes to Alice and the coach only.
    app.drain_jobs().await;
    let invited: Vec<String> = sqlx::query_scalar(
        "SELECT e.to_addr FROM emails e JOIN live_notifications_sent n ON n.email_id = e.id
         WHERE n.lesson_id = $1 AND n.kind = 'invite' ORDER BY e.to_addr",
    )
    .bind(lesson)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let mut want = vec![app.instructor.email.clone(), app.student.email.clone()];
    want.sort();
    assert_eq!(invited, want);
    // No Q&A thread on the course's board names it.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM discussion_threads WHERE lesson_id IN (SELECT id FROM lessons WHERE private_user_id IS NOT NULL)")
            .await,
        0
    );

    // The coach starts it through zoom-sim; Alice joins, Bob is refused.
    assert_eq!(join(&bob, lesson).await.0, 403, "before the start too");
    let csrf = coach.csrf_for(&url).await;
    coach
        .post_form_raw(&format!("/live/{lesson}/start"), &[("_csrf", &csrf)])
        .await
        .assert_status(303);
    let session = lectern::live::by_lesson(
        &app.db,
        SchoolId(app.school.id),
        lectern::db::LessonId(lesson),
    )
    .await
    .unwrap()
    .unwrap();
    let m = session.meeting_id.expect("meeting created at Start");
    live.zoom.sim.host_joins(m);
    crate::support::eventually(
        "host present",
        std::time::Duration::from_secs(10),
        || async {
            app.drain_jobs().await;
            lectern::live::by_lesson(
                &app.db,
                SchoolId(app.school.id),
                lectern::db::LessonId(lesson),
            )
            .await
            .unwrap()
            .unwrap()
            .host_present()
            .then_some(())
        },
    )
    .await;
    let (status, answer) = join(&alice, lesson).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.get("signature").is_some(), "{answer}");
    let (status, answer) = join(&bob, lesson).await;
    assert_eq!(status, 403);
    assert!(answer.get("signature").is_none());
    // And not the live panel.
    assert_eq!(
        bob.get(&format!("/live/{lesson}/panel"))
            .await
            .status
            .as_u16(),
        404
    );
}

db_test!(another_school_cannot_see_or_book);
async fn another_school_cannot_see_or_book(app: TestApp) {
    let (coach, course_id, slug) = course(&app).await;
    save_hours(
        &coach,
        course_id,
        &[("exceptions", &format!("{} 10:00-12:00", date_in(3)))],
    )
    .await;
    let student = enrolled_student(&app, course_id, "s@test.example", "Sam").await;
    let s = app.signed_in(&student).await;
    let (program, starts) = slots(&s, &slug).await;
    let other = app.other_school().await;
    let os = other.signed_in(&other.student).await;
    let oi = other.signed_in(&other.instructor).await;
    let oa = other.signed_in(&other.admin).await;
    assert_eq!(
        os.get(&format!("/courses/{slug}/book"))
            .await
            .status
            .as_u16(),
        404
    );
    let r = os
        .post_form(
            &format!("/courses/{slug}/book"),
            &[("program", &program), ("start", &starts[0])],
        )
        .await;
    assert_eq!(r.status.as_u16(), 404);
    for c in [&oi, &oa] {
        assert_eq!(
            c.get(&format!("/teach/courses/{course_id}/bookings"))
                .await
                .status
                .as_u16(),
            404
        );
    }
    // Nor cancel a booking of this school's course.
    book(&s, &slug, &program, &starts[0])
        .await
        .assert_status(303);
    let id = app.scalar("SELECT id FROM bookings").await;
    let r = oa
        .post_form(
            &format!("/teach/courses/{course_id}/bookings/{id}/cancel"),
            &[],
        )
        .await;
    assert_eq!(r.status.as_u16(), 404);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bookings WHERE state = 'booked'")
            .await,
        1
    );
}

db_test!(cancel_within_the_cutoff_but_not_after_and_one_booking_per_student);
async fn cancel_within_the_cutoff_but_not_after_and_one_booking_per_student(app: TestApp) {
    let (coach, course_id, slug) = course(&app).await;
    save_hours(
        &coach,
        course_id,
        &[("exceptions", &format!("{} 10:00-12:00", date_in(3)))],
    )
    .await;
    let s = app.signed_in(&app.student).await;
    lectern::courses::progress::enroll(
        &app.db,
        &*app.state.course_hooks,
        SchoolId(app.school.id),
        CourseId(course_id),
        UserId(app.student.id),
    )
    .await
    .unwrap();
    let (program, starts) = slots(&s, &slug).await;
    assert_eq!(starts.len(), 2);
    book(&s, &slug, &program, &starts[0])
        .await
        .assert_status(303);
    // One upcoming booking per student with this coach.
    let r = book(&s, &slug, &program, &starts[1]).await;
    assert_eq!(r.status.as_u16(), 409);
    assert!(
        r.text.contains("You already have an upcoming booking"),
        "{}",
        r.text
    );
    // The coach's list shows it, per day.
    let list = coach
        .get(&format!("/teach/courses/{course_id}/bookings"))
        .await;
    assert!(list.text.contains(&app.student.name));

    // Rescheduling to the other slot: the new one is held, then the old one let go (its
    // cancellation .ics to both).
    let old = app.scalar("SELECT id FROM bookings").await;
    s.post_form(
        &format!("/courses/{slug}/book"),
        &[
            ("program", &program),
            ("start", &starts[1]),
            ("reschedule", &old.to_string()),
            ("confirm", "1"),
        ],
    )
    .await
    .assert_redirect_to(&format!(
        "/courses/{slug}/book?done=rescheduled&at={}",
        starts[1]
    ));
    let booked: Vec<(i64, String)> =
        sqlx::query_as("SELECT starts_at, state FROM bookings ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        booked,
        [
            (starts[0].parse().unwrap(), "cancelled".to_string()),
            (starts[1].parse().unwrap(), "booked".to_string()),
        ]
    );

    // Within the cutoff (24 h; the slot is ~3 days ahead): the student cancels, both get
    // the cancellation .ics (now of both sessions).
    let id = app
        .scalar("SELECT id FROM bookings WHERE state = 'booked'")
        .await;
    s.post_form(
        &format!("/courses/{slug}/bookings/{id}/cancel"),
        &[("confirm", "1")],
    )
    .await
    .assert_redirect_to(&format!("/courses/{slug}/book?done=cancelled"));
    app.drain_jobs().await;
    let cancels: Vec<String> = sqlx::query_scalar(
        "SELECT to_addr FROM emails WHERE ics_method = 'CANCEL' ORDER BY to_addr",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let mut want = vec![
        app.instructor.email.clone(),
        app.instructor.email.clone(),
        app.student.email.clone(),
        app.student.email.clone(),
    ];
    want.sort();
    assert_eq!(cancels, want);
    // The slots are free again.
    assert_eq!(slots(&s, &slug).await.1.len(), 2);

    // After the cutoff (now 100 h): the student is refused, the coach may.
    save_hours(
        &coach,
        course_id,
        &[
            ("exceptions", &format!("{} 10:00-12:00", date_in(3))),
            ("cutoff_hours", "100"),
        ],
    )
    .await;
    book(&s, &slug, &program, &starts[1])
        .await
        .assert_status(303);
    let id = app.scalar("SELECT MAX(id) FROM bookings").await;
    let r = s
        .post_form(
            &format!("/courses/{slug}/bookings/{id}/cancel"),
            &[("confirm", "1")],
        )
        .await;
    assert_eq!(r.status.as_u16(), 409);
    assert!(r.text.contains("too late to cancel"), "{}", r.text);
    // The coach is asked first too, naming the student.
    let ask = coach
        .post_form(
            &format!("/teach/courses/{course_id}/bookings/{id}/cancel"),
            &[],
        )
        .await;
    ask.assert_status(200);
    assert!(
        ask.texts("#confirm-question")
            .concat()
            .contains(&app.student.name)
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bookings WHERE state = 'booked'")
            .await,
        1
    );
    coach
        .post_form(
            &format!("/teach/courses/{course_id}/bookings/{id}/cancel"),
            &[("confirm", "1")],
        )
        .await
        .assert_redirect_to(&format!("/teach/courses/{course_id}/bookings"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bookings WHERE state = 'booked'")
            .await,
        0
    );
}

db_test!(bad_hours_and_bad_bookings_are_clear_errors);
async fn bad_hours_and_bad_bookings_are_clear_errors(app: TestApp) {
    let (coach, course_id, slug) = course(&app).await;
    let path = format!("/teach/courses/{course_id}/bookings");
    let windows = "Mon 09:00-12:00\nMon 11:00-13:00";
    let r = coach
        .post_form(
            &path,
            &[
                ("timezone", "Mars/Olympus"),
                ("slot_min", "0"),
                ("buffer_min", "0"),
                ("horizon_days", "30"),
                ("notice_hours", "12"),
                ("cutoff_hours", "24"),
                ("windows", windows),
                ("exceptions", "2026-02-30 off"),
            ],
        )
        .await;
    r.assert_status(422);
    for id in [
        "#timezone-error",
        "#slot_min-error",
        "#windows-error",
        "#exceptions-error",
    ] {
        assert_eq!(r.texts(id).len(), 1, "{id}");
    }
    assert!(r.texts("#windows-error")[0].contains("Mon 11:00-13:00"));
    assert_eq!(r.texts("#windows").concat(), windows, "the input is kept");
    let r = coach
        .post_form(
            &path,
            &[
                ("timezone", "UTC"),
                ("slot_min", "100000"),
                ("horizon_days", "30"),
                ("notice_hours", "0"),
                ("cutoff_hours", "0"),
                ("buffer_min", "0"),
                ("windows", "Tue 09:00-10:00"),
            ],
        )
        .await;
    r.assert_status(422);
    assert!(r.texts("#slot_min-error")[0].contains("5 to 480"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM booking_programs").await, 0);

    // Bookings outside the rules: past, not a slot, beyond the horizon.
    save_hours(
        &coach,
        course_id,
        &[
            ("exceptions", &format!("{} 10:00-12:00", date_in(3))),
            ("horizon_days", "5"),
        ],
    )
    .await;
    let s = app.signed_in(&app.student).await;
    lectern::courses::progress::enroll(
        &app.db,
        &*app.state.course_hooks,
        SchoolId(app.school.id),
        CourseId(course_id),
        UserId(app.student.id),
    )
    .await
    .unwrap();
    let (program, starts) = slots(&s, &slug).await;
    let first: i64 = starts[0].parse().unwrap();
    for (start, message) in [
        ((now_ms() - 3_600_000).to_string(), "in the past"),
        ((first + 60_000).to_string(), "not one of the coach"),
        ((first + 10 * 86_400_000).to_string(), "too far ahead"),
        ("soon".to_string(), "not one of the coach"),
    ] {
        let r = book(&s, &slug, &program, &start).await;
        assert_eq!(r.status.as_u16(), 409, "{start}");
        assert!(
            r.texts("#booking-error").concat().contains(message),
            "{start}: {message}: {:?}",
            r.texts("#booking-error")
        );
    }
    // A student not enrolled can't book.
    let outsider = app
        .create_user(app.school.id, "x@test.example", "X", Role::Student)
        .await;
    let x = app.signed_in(&outsider).await;
    assert_eq!(
        book(&x, &slug, &program, &starts[0]).await.status.as_u16(),
        403
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM bookings").await, 0);
}

db_test!(course_page_links_members_to_booking_when_a_coach_offers_hours);
async fn course_page_links_members_to_booking_when_a_coach_offers_hours(app: TestApp) {
    let (coach, course_id, slug) = course(&app).await;
    let page = format!("/courses/{slug}");
    let student = enrolled_student(&app, course_id, "m@test.example", "Member").await;
    let member = app.signed_in(&student).await;
    let outsider = app
        .create_user(app.school.id, "o@test.example", "Outsider", Role::Student)
        .await;
    let outsider = app.signed_in(&outsider).await;
    let visitor = TestClient::new(&app.base_url);
    // No programme yet: nobody gets the link.
    for (who, c) in [
        ("member", &member),
        ("coach", &coach),
        ("outsider", &outsider),
    ] {
        let r = c.get(&page).await;
        r.assert_status(200);
        assert_eq!(r.attr("#course-book", "href"), None, "{who}");
    }
    save_hours(
        &coach,
        course_id,
        &[("exceptions", &format!("{} 10:00-11:00", date_in(3)))],
    )
    .await;
    // With one: the enrolled student and the coach, not a student who isn't enrolled nor a
    // visitor.
    let want = format!("/courses/{slug}/book");
    for (who, c, sees) in [
        ("member", &member, true),
        ("coach", &coach, true),
        ("outsider", &outsider, false),
        ("visitor", &visitor, false),
    ] {
        let r = c.get(&page).await;
        r.assert_status(200);
        assert_eq!(
            r.attr("#course-book", "href").as_deref(),
            sees.then_some(want.as_str()),
            "{who}"
        );
    }
    assert!(
        member
            .get(&page)
            .await
            .texts("#course-book")
            .concat()
            .contains("Book a 1-on-1 session")
    );
}

db_test!(deleting_a_booked_lesson_frees_its_slot_and_tells_the_student);
async fn deleting_a_booked_lesson_frees_its_slot_and_tells_the_student(app: TestApp) {
    let (coach, course_id, slug) = course(&app).await;
    save_hours(
        &coach,
        course_id,
        &[("exceptions", &format!("{} 10:00-11:00", date_in(3)))],
    )
    .await;
    let first = enrolled_student(&app, course_id, "first@test.example", "First").await;
    let second = enrolled_student(&app, course_id, "second@test.example", "Second").await;
    let a = app.signed_in(&first).await;
    let b = app.signed_in(&second).await;
    let (program, starts) = slots(&a, &slug).await;
    assert_eq!(starts.len(), 1);
    book(&a, &slug, &program, &starts[0])
        .await
        .assert_status(303);
    app.drain_jobs().await;
    // Taken: the other student sees no free slot.
    assert!(slots(&b, &slug).await.1.is_empty());
    let lesson: i64 = app
        .scalar("SELECT id FROM lessons WHERE private_user_id IS NOT NULL")
        .await;

    // The coach deletes the private lesson in the course editor.
    coach
        .post_form(
            &format!("/teach/courses/{course_id}/lessons/{lesson}/delete"),
            &[],
        )
        .await
        .assert_status(303);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM lessons WHERE private_user_id IS NOT NULL")
            .await,
        0
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bookings WHERE state = 'booked'")
            .await,
        0
    );
    // The student and the coach get the cancellation, as with a coach's cancel.
    app.drain_jobs().await;
    let cancels: Vec<String> = sqlx::query_scalar(
        "SELECT to_addr FROM emails WHERE ics_method = 'CANCEL' ORDER BY to_addr",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let mut want = vec![app.instructor.email.clone(), first.email.clone()];
    want.sort();
    assert_eq!(cancels, want);
    // The slot is free again: the other student books it.
    let (program, starts_b) = slots(&b, &slug).await;
    assert_eq!(starts_b, starts);
    book(&b, &slug, &program, &starts_b[0])
        .await
        .assert_redirect_to(&format!("/courses/{slug}/book?done=booked"));
    assert_eq!(
        app.scalar("SELECT student_id FROM bookings WHERE state = 'booked'")
            .await,
        second.id
    );
}

/// The cookie header of a signed-in client, for a raw event stream.
fn cookie_header(c: &TestClient) -> String {
    format!(
        "lectern_session={}; lectern_csrf={}",
        c.cookie("lectern_session").unwrap(),
        c.cookie("lectern_csrf").unwrap()
    )
}

/// The lesson ids `/courses/{slug}/live/states` lists to `c`.
async fn state_ids(c: &TestClient, slug: &str) -> Vec<i64> {
    let r = c.get(&format!("/courses/{slug}/live/states")).await;
    r.assert_status(200);
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    v["lessons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["lesson"].as_i64().unwrap())
        .collect()
}

/// The CANCEL mails queued so far, by address.
async fn cancel_mails(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT to_addr FROM emails WHERE ics_method = 'CANCEL' ORDER BY to_addr")
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

db_test!(a_second_student_never_learns_of_a_private_session_and_a_panel_cancel_frees_it);
async fn a_second_student_never_learns_of_a_private_session_and_a_panel_cancel_frees_it(
    app: TestApp,
) {
    use std::time::Duration;
    let (coach, course_id, slug) = course(&app).await;
    save_hours(
        &coach,
        course_id,
        &[("exceptions", &format!("{} 10:00-12:00", date_in(3)))],
    )
    .await;
    // A public live lesson of the course, which everybody hears about.
    let public = lectern::courses::insert_lesson(
        &app.db,
        &*app.state.course_hooks,
        SchoolId(app.school.id),
        CourseId(course_id),
        &lectern::courses::LessonRecord {
            title: "Group session".into(),
            required: false,
            body: String::new(),
            content: lectern::courses::LessonContent::Live {
                webinar: false,
                schedule: lectern::courses::Schedule::at(now_ms() + 5 * 86_400_000, "UTC", 45),
            },
        },
    )
    .await
    .unwrap()
    .0;
    let alice_u = enrolled_student(&app, course_id, "alice@test.example", "Alice").await;
    let bob_u = enrolled_student(&app, course_id, "bob@test.example", "Bob").await;
    let alice = app.signed_in(&alice_u).await;
    let bob = app.signed_in(&bob_u).await;
    let (program, starts) = slots(&alice, &slug).await;
    assert_eq!(starts.len(), 2);
    book(&alice, &slug, &program, &starts[0])
        .await
        .assert_status(303);
    let lesson: i64 = app
        .scalar("SELECT id FROM lessons WHERE private_user_id IS NOT NULL")
        .await;
    app.drain_jobs().await;

    // The outline's states: Alice and the coach see the session, Bob only the public one.
    assert_eq!(state_ids(&bob, &slug).await, vec![public]);
    for (who, c) in [("alice", &alice), ("coach", &coach)] {
        let ids = state_ids(c, &slug).await;
        assert!(
            ids.contains(&lesson) && ids.contains(&public),
            "{who}: {ids:?}"
        );
    }
    // A visitor's states (the course page is public) don't list it either.
    let visitor = TestClient::new(&app.base_url);
    assert_eq!(state_ids(&visitor, &slug).await, vec![public]);

    // The event stream: a change of the private session reaches Alice and the coach;
    // Bob hears the public lesson's change and nothing of the private one.
    let http = reqwest::Client::new();
    let url = format!("{}/courses/{slug}/live/events", app.base_url);
    let mut bob_ev = crate::live_push::Events::open(&http, &url, Some(&cookie_header(&bob))).await;
    let mut alice_ev =
        crate::live_push::Events::open(&http, &url, Some(&cookie_header(&alice))).await;
    let mut coach_ev =
        crate::live_push::Events::open(&http, &url, Some(&cookie_header(&coach))).await;
    let change = |l: i64| lectern::push::LessonChange {
        school_id: SchoolId(app.school.id),
        course_id: CourseId(course_id),
        lesson_id: lectern::db::LessonId(l),
    };
    app.db.lesson_changed(change(lesson)).await;
    app.db.lesson_changed(change(public)).await;
    alice_ev.change_of(lesson, Duration::from_secs(5)).await;
    coach_ev.change_of(lesson, Duration::from_secs(5)).await;
    let (name, data) = bob_ev.next(Duration::from_secs(5)).await.expect("an event");
    assert_eq!(
        (name.as_str(), data.as_str()),
        ("change", format!("{{\"lesson\":{public}}}").as_str()),
        "Bob's first event is the public lesson's"
    );
    bob_ev.quiet(Duration::from_millis(500)).await;

    // The coach cancels the session from the live panel: the booking is cancelled in the
    // same transaction (the slot is bookable again), the session leaves Alice's outline,
    // and Alice and the coach each get one cancellation.
    let lesson_url = format!("/courses/{slug}/lessons/{lesson}");
    let csrf = coach.csrf_for(&lesson_url).await;
    coach
        .post_form_raw(&format!("/live/{lesson}/cancel"), &[("_csrf", &csrf)])
        .await
        .assert_status(303);
    // Bob still hears nothing of it.
    bob_ev.quiet(Duration::from_millis(500)).await;
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bookings WHERE state = 'booked'")
            .await,
        0
    );
    assert_eq!(slots(&bob, &slug).await.1, starts, "the slot is free again");
    let outline = alice.get(&format!("/courses/{slug}")).await;
    assert!(
        !outline.text.contains(&lesson_url),
        "gone from Alice's outline"
    );
    // Its page says Cancelled, with nothing to join.
    let page = alice.get(&lesson_url).await;
    page.assert_status(200);
    assert_eq!(
        page.attr("#live", "data-display").as_deref(),
        Some("cancelled")
    );
    app.drain_jobs().await;
    app.drain_jobs().await;
    let mut want = vec![app.instructor.email.clone(), alice_u.email.clone()];
    want.sort();
    assert_eq!(cancel_mails(&app).await, want, "exactly once each");
    // Alice may book again (her cancelled booking no longer counts), Bob never saw hers.
    book(&alice, &slug, &program, &starts[1])
        .await
        .assert_status(303);
    assert!(
        !bob.get(&format!("/courses/{slug}"))
            .await
            .text
            .contains(&format!("/courses/{slug}/lessons/{lesson}"))
    );
}

db_test!(booking_cancelling_and_moving_ask_first_and_held_slots_offer_reschedule);
async fn booking_cancelling_and_moving_ask_first_and_held_slots_offer_reschedule(app: TestApp) {
    let (coach, course_id, slug) = course(&app).await;
    save_hours(
        &coach,
        course_id,
        &[("exceptions", &format!("{} 10:00-12:00", date_in(3)))],
    )
    .await;
    let s = app.signed_in(&app.student).await;
    lectern::courses::progress::enroll(
        &app.db,
        &*app.state.course_hooks,
        SchoolId(app.school.id),
        CourseId(course_id),
        UserId(app.student.id),
    )
    .await
    .unwrap();
    let (program, starts) = slots(&s, &slug).await;
    assert_eq!(starts.len(), 2);
    // A tap on a slot asks first, and books nothing.
    let ask = s
        .post_form(
            &format!("/courses/{slug}/book"),
            &[("program", &program), ("start", &starts[0])],
        )
        .await;
    ask.assert_status(200);
    let q = ask.texts("#confirm-question").concat();
    assert!(q.starts_with("Book "), "{q}");
    // In the student's zone (Europe/Berlin), e.g. "Book Tue 8 Dec, 11:00–12:00 (your
    // time) with …?".
    let local = |ms: &str, fmt: &str| {
        jiff::Timestamp::from_millisecond(ms.parse::<i64>().unwrap())
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::get("Europe/Berlin").unwrap())
            .strftime(fmt)
            .to_string()
    };
    let want = format!(
        "Book {}\u{2013}{} (your time) with",
        local(&starts[0], "%a %-d %b, %H:%M"),
        local(&starts[1], "%H:%M")
    );
    assert!(q.contains(&want), "{q} / {want}");
    assert!(q.contains(&app.instructor.name), "{q}");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM bookings").await, 0);
    assert_eq!(ask.texts("#confirm-button").len(), 1);
    // Its button books.
    book(&s, &slug, &program, &starts[0])
        .await
        .assert_redirect_to(&format!("/courses/{slug}/book?done=booked"));
    let id = app.scalar("SELECT id FROM bookings").await;

    // Holding it (one per student): the other slot is listed, not offered, with why and
    // a Reschedule link.
    let page = s.get(&format!("/courses/{slug}/book")).await;
    assert_eq!(page.texts(".slot").len(), 0, "no slot button");
    assert_eq!(page.texts(".slot-unavailable").len(), 1);
    assert!(
        page.texts(&format!("#held-{program}"))
            .concat()
            .contains("You already have a 1-on-1 with this coach")
    );
    let move_url = format!("/courses/{slug}/book?reschedule={id}");
    assert_eq!(
        page.attr(".reschedule-held", "href").as_deref(),
        Some(move_url.as_str())
    );
    // Rescheduling offers the slots again, asks, and says where it went.
    let moving = s.get(&move_url).await;
    assert_eq!(moving.texts(".slot").len(), 1);
    let ask = s
        .post_form(
            &format!("/courses/{slug}/book"),
            &[
                ("program", &program),
                ("start", &starts[1]),
                ("reschedule", &id.to_string()),
            ],
        )
        .await;
    let q = ask.texts("#confirm-question").concat();
    assert!(q.starts_with("Move your 1-on-1"), "{q}");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bookings WHERE state = 'booked'")
            .await,
        1
    );
    let r = s
        .post_form(
            &format!("/courses/{slug}/book"),
            &[
                ("program", &program),
                ("start", &starts[1]),
                ("reschedule", &id.to_string()),
                ("confirm", "1"),
            ],
        )
        .await;
    let to = r.header("location").expect("redirect");
    let done = s.get(to).await;
    let notice = done.texts("#booking-notice").concat();
    assert!(notice.starts_with("Rescheduled to "), "{notice}");
    assert!(
        notice.contains(&local(&starts[1], "%a %-d %b, %H:%M")),
        "{notice}"
    );
    assert!(!notice.contains("Booked"), "{notice}");
    // The old session left the outline; the new one is in it.
    let new_lesson: i64 = app
        .scalar("SELECT lesson_id FROM bookings WHERE state = 'booked'")
        .await;
    let old_lesson: i64 = app
        .scalar("SELECT lesson_id FROM bookings WHERE state = 'cancelled'")
        .await;
    let outline = s.get(&format!("/courses/{slug}")).await;
    assert!(outline.text.contains(&format!("/lessons/{new_lesson}\"")));
    assert!(!outline.text.contains(&format!("/lessons/{old_lesson}\"")));

    // Cancelling asks too; Go back keeps it.
    let id = app
        .scalar("SELECT id FROM bookings WHERE state = 'booked'")
        .await;
    let ask = s
        .post_form(&format!("/courses/{slug}/bookings/{id}/cancel"), &[])
        .await;
    ask.assert_status(200);
    assert!(
        ask.texts("#confirm-question")
            .concat()
            .starts_with("Cancel your 1-on-1 with")
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM bookings WHERE state = 'booked'")
            .await,
        1
    );
    s.post_form(
        &format!("/courses/{slug}/bookings/{id}/cancel"),
        &[("confirm", "1")],
    )
    .await
    .assert_redirect_to(&format!("/courses/{slug}/book?done=cancelled"));
    let outline = s.get(&format!("/courses/{slug}")).await;
    assert!(!outline.text.contains(&format!("/lessons/{new_lesson}\"")));

    // Past the cutoff a held booking can't be moved: no Reschedule, the reason says so.
    save_hours(
        &coach,
        course_id,
        &[
            ("exceptions", &format!("{} 10:00-12:00", date_in(3))),
            ("cutoff_hours", "100"),
        ],
    )
    .await;
    book(&s, &slug, &program, &starts[0])
        .await
        .assert_status(303);
    let page = s.get(&format!("/courses/{slug}/book")).await;
    assert_eq!(page.texts(".slot").len(), 0);
    assert_eq!(page.attr(".reschedule-held", "href"), None);
    assert!(
        page.texts(&format!("#held-{program}"))
            .concat()
            .contains("too late to move it")
    );
}

db_test!(a_deleted_booked_lessons_cancellation_is_mailed_once_per_recipient);
async fn a_deleted_booked_lessons_cancellation_is_mailed_once_per_recipient(app: TestApp) {
    let (coach, course_id, slug) = course(&app).await;
    save_hours(
        &coach,
        course_id,
        &[("exceptions", &format!("{} 10:00-11:00", date_in(3)))],
    )
    .await;
    let u = enrolled_student(&app, course_id, "once@test.example", "Once").await;
    let c = app.signed_in(&u).await;
    let (program, starts) = slots(&c, &slug).await;
    book(&c, &slug, &program, &starts[0])
        .await
        .assert_status(303);
    app.drain_jobs().await;
    let lesson: i64 = app
        .scalar("SELECT id FROM lessons WHERE private_user_id IS NOT NULL")
        .await;
    coach
        .post_form(
            &format!("/teach/courses/{course_id}/lessons/{lesson}/delete"),
            &[],
        )
        .await
        .assert_status(303);
    // One job per recipient, each keyed by them.
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT dedupe_key FROM jobs WHERE kind = 'live_reminder' AND dedupe_key LIKE $1 ORDER BY dedupe_key",
    )
    .bind(format!("reminder:{lesson}:%:cancel:%"))
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys.iter().any(|k| k.ends_with(&format!(":{}", u.id))));
    assert!(
        keys.iter()
            .any(|k| k.ends_with(&format!(":{}", app.instructor.id)))
    );
    app.drain_jobs().await;
    let mut want = vec![app.instructor.email.clone(), u.email.clone()];
    want.sort();
    assert_eq!(cancel_mails(&app).await, want);
    // The jobs run again (as after a crash before they were marked done): nothing more.
    sqlx::query("UPDATE jobs SET state = 'queued', attempts = 0 WHERE dedupe_key LIKE $1")
        .bind(format!("reminder:{lesson}:%:cancel:%"))
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.drain_jobs().await;
    assert_eq!(cancel_mails(&app).await, want);
}

db_test!(zone_pickers_offer_canonical_zones_only);
async fn zone_pickers_offer_canonical_zones_only(app: TestApp) {
    let (coach, course_id, _slug) = course(&app).await;
    let options = |r: &crate::support::Resp, sel: &str| -> Vec<String> {
        let doc = r.doc();
        let sel = scraper::Selector::parse(sel).unwrap();
        doc.select(&sel)
            .map(|o| o.value().attr("value").unwrap_or_default().to_string())
            .collect()
    };
    let hours = coach
        .get(&format!("/teach/courses/{course_id}/bookings"))
        .await;
    let series = coach
        .get(&format!(
            "/teach/courses/{course_id}/series/new?kind=live_session"
        ))
        .await;
    series.assert_status(200);
    for (which, zones) in [
        ("hours", options(&hours, "select#timezone option")),
        ("series", options(&series, "select#series-timezone option")),
    ] {
        assert!(zones.len() > 300, "{which}: {}", zones.len());
        for want in ["Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata"] {
            assert!(zones.iter().any(|z| z == want), "{which} lacks {want}");
        }
        for not in [
            "Factory",
            "localtime",
            "Etc/UTC",
            "Etc/GMT+5",
            "US/Eastern",
            "Asia/Calcutta",
            "posix/Europe/Berlin",
            "right/UTC",
            "EST5EDT",
        ] {
            assert!(!zones.iter().any(|z| z == not), "{which} offers {not}");
        }
    }
    // The server still checks: a zone that isn't one is a field error, the form kept.
    let r = coach
        .post_form(
            &format!("/teach/courses/{course_id}/bookings"),
            &[
                ("timezone", "Factory/Nowhere"),
                ("slot_min", "30"),
                ("buffer_min", "0"),
                ("horizon_days", "30"),
                ("notice_hours", "0"),
                ("cutoff_hours", "0"),
                ("windows", "Mon 09:00-10:00"),
            ],
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.texts("#timezone-error").len(), 1);
    assert_eq!(
        r.attr("select#timezone option[selected]", "value")
            .as_deref(),
        Some("Factory/Nowhere")
    );
}
