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

async fn book(c: &TestClient, slug: &str, program: &str, start: &str) -> crate::support::Resp {
    c.post_form(
        &format!("/courses/{slug}/book"),
        &[("program", program), ("start", start)],
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
        ],
    )
    .await
    .assert_redirect_to(&format!("/courses/{slug}/book?done=booked"));
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
    s.post_form(&format!("/courses/{slug}/bookings/{id}/cancel"), &[])
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
        .post_form(&format!("/courses/{slug}/bookings/{id}/cancel"), &[])
        .await;
    assert_eq!(r.status.as_u16(), 409);
    assert!(r.text.contains("too late to cancel"), "{}", r.text);
    coach
        .post_form(
            &format!("/teach/courses/{course_id}/bookings/{id}/cancel"),
            &[],
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
