//! Reminders, reschedule updates, cancellations and calendar feeds of live lessons,
//! on SQLite and PostgreSQL, delivered over SMTP to the test sink.

use jiff::tz::TimeZone;
use lectern::accounts::Role;
use lectern::courses;
use lectern::db::{CourseId, SchoolId, UserId, now_ms};

use crate::support::mail::Mail;
use crate::support::reminders;
use crate::support::{TestApp, TestAppBuilder, TestUser};

const HOUR: i64 = 3_600_000;

struct Fx {
    app: TestApp,
    course_id: CourseId,
    slug: String,
    berlin: TestUser,
    ny: TestUser,
}

async fn set_tz(app: &TestApp, user: &TestUser, tz: &str) {
    sqlx::query("UPDATE users SET timezone = $1 WHERE id = $2")
        .bind(tz)
        .bind(user.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

/// A published course of the test instructor; two students (Berlin, New York) enrolled.
async fn setup(b: TestAppBuilder) -> Fx {
    let app = b.with_smtp().start().await;
    let course = reminders::live_course(&app).await;
    let berlin = app
        .create_user(
            app.school.id,
            "berta@test.example",
            "Berta Berlin",
            Role::Student,
        )
        .await;
    let ny = app
        .create_user(
            app.school.id,
            "nora@test.example",
            "Nora NewYork",
            Role::Student,
        )
        .await;
    set_tz(&app, &berlin, "Europe/Berlin").await;
    set_tz(&app, &ny, "America/New_York").await;
    for u in [&berlin, &ny] {
        reminders::enrol(&app, &course, u).await;
    }
    Fx {
        app,
        course_id: course.id,
        slug: course.slug,
        berlin,
        ny,
    }
}

impl Fx {
    async fn lesson(&self, title: &str, starts_at: i64) -> i64 {
        reminders::live_lesson(&self.app, self.course_id, title, starts_at).await
    }

    /// (run_at, state) of a reminder job.
    async fn job(&self, key: &str) -> Option<(i64, String)> {
        sqlx::query_as("SELECT run_at, state FROM jobs WHERE dedupe_key = $1")
            .bind(key)
            .fetch_optional(&self.app.db.pool)
            .await
            .unwrap()
    }

    /// Makes a job due now (queued again if it ran) and drains the queue.
    async fn fire(&self, key: &str) {
        reminders::fire(&self.app, key).await;
    }

    /// The reminders, updates and cancellations sent. The invitation that scheduling a
    /// session (or enrolling) sends first is left out: tests/it/invitations.rs covers it.
    fn mails(&self) -> Vec<(Vec<String>, Mail)> {
        self.app
            .smtp
            .as_ref()
            .expect("smtp")
            .messages()
            .into_iter()
            .map(|m| (m.to.clone(), m.parse()))
            .filter(|(_, m)| !m.header("subject").is_some_and(is_invitation))
            .collect()
    }

    fn mail_to(&self, skip: usize, who: &TestUser) -> Mail {
        self.mails()
            .into_iter()
            .skip(skip)
            .find(|(to, _)| to.iter().any(|t| t.contains(&who.email)))
            .unwrap_or_else(|| panic!("a mail to {}", who.email))
            .1
    }

    async fn emails(&self) -> i64 {
        self.app
            .scalar("SELECT COUNT(*) FROM emails WHERE subject NOT LIKE 'Invitation:%'")
            .await
    }
}

fn is_invitation(subject: &str) -> bool {
    subject.starts_with("Invitation:")
}

fn key(lesson: i64, starts_at: i64, kind: &str) -> String {
    format!("reminder:{lesson}:{starts_at}:{kind}")
}

fn local(ms: i64, tz: &str) -> String {
    lectern::web::time::format_in(
        ms,
        &TimeZone::get(tz).unwrap(),
        &lectern::i18n::Tr::default(),
    )
}

fn utc(ms: i64) -> String {
    lectern::live::ics::utc(ms)
}

/// The unfolded content lines of an iCalendar text.
fn ics_lines(ics: &str) -> Vec<String> {
    let ics = ics.replace("\r\n", "\n").replace("\n ", "");
    ics.lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

fn ics_value(ics: &str, name: &str) -> Option<String> {
    ics_lines(ics)
        .into_iter()
        .find_map(|l| l.strip_prefix(&format!("{name}:")).map(str::to_string))
}

/// A parseable single-event calendar with this method, start and sequence.
fn assert_invite(mail: &Mail, method: &str, lesson: i64, starts_at: i64, sequence: i64) {
    let ics = mail.calendar.as_deref().expect("an .ics attachment");
    let ctype = mail.calendar_type.clone().unwrap_or_default();
    assert!(
        ctype.contains(&format!("method={method}")),
        "content type {ctype}"
    );
    let lines = ics_lines(ics);
    assert_eq!(lines.first().map(String::as_str), Some("BEGIN:VCALENDAR"));
    assert_eq!(lines.last().map(String::as_str), Some("END:VCALENDAR"));
    assert_eq!(
        lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(),
        1,
        "{ics}"
    );
    assert_eq!(ics_value(ics, "METHOD").as_deref(), Some(method));
    assert!(
        ics_value(ics, "ORGANIZER").is_some_and(|o| o.starts_with("mailto:")),
        "{ics}"
    );
    assert!(
        ics_value(ics, "UID").is_some_and(|u| u.starts_with(&format!("lesson-{lesson}@"))),
        "{ics}"
    );
    assert_eq!(
        ics_value(ics, "SEQUENCE"),
        Some(sequence.to_string()),
        "{ics}"
    );
    assert_eq!(ics_value(ics, "DTSTART"), Some(utc(starts_at)));
    assert_eq!(ics_value(ics, "DTEND"), Some(utc(starts_at + HOUR)));
    assert!(ics_value(ics, "URL").is_some_and(|u| u.ends_with(&format!("/lessons/{lesson}"))));
    assert!(
        ics_value(ics, "DESCRIPTION").is_some_and(|d| d.contains(&format!("/lessons/{lesson}"))),
        "{ics}"
    );
    // Raw lines are folded at 75 octets.
    for l in ics.split('\n') {
        assert!(l.trim_end_matches('\r').len() <= 75, "long line {l:?}");
    }
}

/// Rounded to the minute, three days ahead.
fn in_three_days() -> i64 {
    (now_ms() + 72 * HOUR) / 60_000 * 60_000
}

db_test!(reminders_arrive_once_each_in_every_students_zone);
async fn reminders_arrive_once_each_in_every_students_zone(b: TestAppBuilder) {
    let fx = setup(b).await;
    let starts = in_three_days();
    let lesson = fx.lesson("Office hours, part 1; Q&A", starts).await;
    // Scheduled exactly 24 h and 1 h before the start.
    let (run24, _) = fx.job(&key(lesson, starts, "24h")).await.expect("24h job");
    let (run1, _) = fx.job(&key(lesson, starts, "1h")).await.expect("1h job");
    assert_eq!(run24, starts - 24 * HOUR);
    assert_eq!(run1, starts - HOUR);
    // Not due yet: nothing happens.
    fx.app.drain_jobs().await;
    assert!(fx.mails().is_empty());

    fx.fire(&key(lesson, starts, "24h")).await;
    let mails = fx.mails();
    assert_eq!(mails.len(), 2, "one each");
    for (who, tz) in [(&fx.berlin, "Europe/Berlin"), (&fx.ny, "America/New_York")] {
        let m = fx.mail_to(0, who);
        let text = m.text.clone().unwrap();
        assert!(text.contains(&local(starts, tz)), "{tz}: {text}");
        assert!(text.contains("starts in 24 hours"), "{text}");
        assert!(m.header("subject").unwrap().contains("Tomorrow"));
        assert!(
            m.html
                .clone()
                .unwrap()
                .contains(&format!("/lessons/{lesson}"))
        );
        assert_invite(&m, "REQUEST", lesson, starts, 0);
        assert!(
            ics_value(m.calendar.as_deref().unwrap(), "SUMMARY").as_deref()
                == Some("Office hours\\, part 1\\; Q&A")
        );
    }
    // Different wall times for the two zones.
    assert_ne!(
        local(starts, "Europe/Berlin"),
        local(starts, "America/New_York")
    );

    // Running everything again, and the same job again, sends nothing more.
    fx.app.drain_jobs().await;
    fx.fire(&key(lesson, starts, "24h")).await;
    assert_eq!(fx.mails().len(), 2);
    assert_eq!(fx.emails().await, 2);

    fx.fire(&key(lesson, starts, "1h")).await;
    let mails = fx.mails();
    assert_eq!(mails.len(), 4);
    let m = fx.mail_to(2, &fx.ny);
    assert!(m.text.unwrap().contains("starts in one hour"));
    fx.fire(&key(lesson, starts, "1h")).await;
    assert_eq!(fx.mails().len(), 4);
}

db_test!(crash_after_queueing_sends_no_second_email);
async fn crash_after_queueing_sends_no_second_email(b: TestAppBuilder) {
    let fx = setup(b).await;
    let starts = in_three_days();
    let lesson = fx.lesson("Crash", starts).await;
    // A run queued Berta's e-mail and its marker (one transaction), then the worker
    // died before completing the job and before reaching Nora.
    {
        let mut tx = fx.app.db.pool.begin().await.unwrap();
        let email_id = lectern::email::queue(
            &mut tx,
            fx.app.school.id,
            lectern::email::Email {
                tr: Default::default(),
                to: fx.berlin.email.clone(),
                subject: "first run".into(),
                text: "first run".into(),
                html: "first run".into(),
                calendar: None,
            },
        )
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO live_notifications_sent (school_id, lesson_id, user_id, kind, starts_at, sequence, email_id, created_at)
                     VALUES ($1, $2, $3, '24h', $4, 0, $5, $6)",
        )
        .bind(fx.app.school.id)
        .bind(lesson)
        .bind(fx.berlin.id)
        .bind(starts)
        .bind(email_id)
        .bind(now_ms())
        .execute(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    // The job runs again (its lease ran out): Berta's one e-mail goes out, Nora gets hers.
    sqlx::query(
        "UPDATE jobs SET state = 'running', locked_until = $1, attempts = 1 WHERE dedupe_key = $2",
    )
    .bind(now_ms() - 1)
    .bind(key(lesson, starts, "24h"))
    .execute(&fx.app.db.pool)
    .await
    .unwrap();
    fx.fire(&key(lesson, starts, "24h")).await;
    let mails = fx.mails();
    assert_eq!(mails.len(), 2, "one each, none twice");
    assert_eq!(
        fx.mail_to(0, &fx.berlin).header("subject"),
        Some("first run")
    );
    assert_invite(&fx.mail_to(0, &fx.ny), "REQUEST", lesson, starts, 0);
    // A crash after the whole run committed: the rerun queues nothing.
    fx.fire(&key(lesson, starts, "24h")).await;
    assert_eq!(fx.mails().len(), 2);
    assert_eq!(fx.emails().await, 2);
    assert_eq!(
        fx.app
            .scalar("SELECT COUNT(*) FROM live_notifications_sent WHERE kind <> 'invite'")
            .await,
        2
    );
}

db_test!(late_enrolment_gets_only_the_reminder_still_ahead);
async fn late_enrolment_gets_only_the_reminder_still_ahead(b: TestAppBuilder) {
    let fx = setup(b).await;
    // Starts in 3 hours: the 24 h moment has passed, the 1 h one is ahead.
    let starts = (now_ms() + 3 * HOUR) / 60_000 * 60_000;
    let lesson = fx.lesson("Soon", starts).await;
    assert!(fx.job(&key(lesson, starts, "24h")).await.is_none());
    assert!(fx.job(&key(lesson, starts, "1h")).await.is_some());
    // A lesson created earlier whose 24 h reminder already went out.
    let late = fx
        .app
        .create_user(
            fx.app.school.id,
            "late@test.example",
            "Lee Late",
            Role::Student,
        )
        .await;
    courses::progress::enroll(
        &fx.app.db,
        &*fx.app.state.course_hooks,
        SchoolId(fx.app.school.id),
        fx.course_id,
        UserId(late.id),
    )
    .await
    .unwrap();
    fx.fire(&key(lesson, starts, "1h")).await;
    assert_eq!(
        fx.mails().len(),
        3,
        "the late student gets the 1 h reminder"
    );
    let m = fx.mail_to(0, &late);
    assert!(m.text.unwrap().contains("starts in one hour"));
}

/// A lesson created through the editor at `local` Europe/Berlin wall time.
async fn create_via_editor(fx: &Fx, title: &str, local: &str) -> (i64, i64) {
    let t = fx.app.signed_in(&fx.app.instructor).await;
    let path = format!(
        "/teach/courses/{}/lessons/new?kind=live_session",
        fx.course_id
    );
    t.post_form(
        &path,
        &[
            ("title", title),
            ("local_start", local),
            ("timezone", "Europe/Berlin"),
            ("duration", "60"),
        ],
    )
    .await
    .assert_redirect_to(&format!("/teach/courses/{}", fx.course_id));
    sqlx::query_as("SELECT id, starts_at FROM lessons WHERE title = $1")
        .bind(title)
        .fetch_one(&fx.app.db.pool)
        .await
        .unwrap()
}

fn berlin_ms(local: &str) -> i64 {
    local
        .parse::<jiff::civil::DateTime>()
        .unwrap()
        .to_zoned(TimeZone::get("Europe/Berlin").unwrap())
        .unwrap()
        .timestamp()
        .as_millisecond()
}

db_test!(dst_keeps_local_wall_time_and_reminders_fire_24_real_hours_before);
async fn dst_keeps_local_wall_time_and_reminders_fire_24_real_hours_before(b: TestAppBuilder) {
    let fx = setup(b).await;
    let berlin = TimeZone::get("Europe/Berlin").unwrap();
    let now = jiff::Timestamp::now();
    // Summer, next year: created now (whatever the offset today) for 10:00 CEST.
    let year = now.to_zoned(berlin.clone()).year() + 1;
    let summer = format!("{year}-07-01T10:00");
    let (lesson, starts) = create_via_editor(&fx, "Summer", &summer).await;
    assert_eq!(starts, berlin_ms(&summer));
    assert_eq!(
        starts,
        format!("{year}-07-01T08:00:00Z")
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond(),
        "10:00 CEST is 08:00 UTC"
    );
    let (run24, _) = fx.job(&key(lesson, starts, "24h")).await.unwrap();
    assert_eq!(run24, starts - 24 * HOUR);

    // On the day of the next DST change (10:00 local, after the 02:00/03:00 switch):
    // the 24 h reminder is 24 real hours earlier, at a different wall time.
    let change = berlin
        .following(now + jiff::SignedDuration::from_hours(72))
        .next()
        .unwrap()
        .timestamp();
    let day = change.to_zoned(berlin.clone()).date();
    let wall = format!("{day}T10:00");
    let (dst_lesson, dst_starts) = create_via_editor(&fx, "DST day", &wall).await;
    assert_eq!(dst_starts, berlin_ms(&wall));
    let (run24, _) = fx.job(&key(dst_lesson, dst_starts, "24h")).await.unwrap();
    let (run1, _) = fx.job(&key(dst_lesson, dst_starts, "1h")).await.unwrap();
    assert_eq!(run24, dst_starts - 24 * HOUR);
    assert_eq!(run1, dst_starts - HOUR);
    let before = jiff::Timestamp::from_millisecond(run24)
        .unwrap()
        .to_zoned(berlin.clone());
    assert_ne!(
        before.hour(),
        10,
        "the wall clock moved by an hour across the change"
    );

    // The reminder shows 10:00 local to the Berlin student.
    fx.fire(&key(dst_lesson, dst_starts, "24h")).await;
    let m = fx.mail_to(0, &fx.berlin);
    let text = m.text.clone().unwrap();
    assert!(text.contains("10:00"), "{text}");
    assert!(text.contains(&local(dst_starts, "Europe/Berlin")));
    assert_invite(&m, "REQUEST", dst_lesson, dst_starts, 0);
    let m = fx.mail_to(0, &fx.ny);
    assert!(
        m.text
            .unwrap()
            .contains(&local(dst_starts, "America/New_York"))
    );
}

db_test!(reschedule_moves_reminders_and_sends_an_update);
async fn reschedule_moves_reminders_and_sends_an_update(b: TestAppBuilder) {
    let fx = setup(b).await;
    let year = jiff::Timestamp::now().to_zoned(TimeZone::UTC).year() + 1;
    let first = format!("{year}-06-10T18:30");
    let (lesson, starts) = create_via_editor(&fx, "Moving", &first).await;
    let moved_local = format!("{year}-06-12T09:15");
    let t = fx.app.signed_in(&fx.app.instructor).await;
    let edit = format!("/teach/courses/{}/lessons/{lesson}", fx.course_id);
    t.post_form(
        &edit,
        &[
            ("title", "Moving"),
            ("local_start", moved_local.as_str()),
            ("timezone", "Europe/Berlin"),
            ("duration", "60"),
        ],
    )
    .await
    .assert_redirect_to(&format!("/teach/courses/{}", fx.course_id));
    let moved = berlin_ms(&moved_local);
    // New reminder jobs at the new instant; the update goes out now.
    assert_eq!(
        fx.job(&key(lesson, moved, "24h")).await.unwrap().0,
        moved - 24 * HOUR
    );
    fx.app.drain_jobs().await;
    assert_eq!(fx.mails().len(), 2, "an update to each student");
    for (who, tz) in [(&fx.berlin, "Europe/Berlin"), (&fx.ny, "America/New_York")] {
        let m = fx.mail_to(0, who);
        let text = m.text.clone().unwrap();
        assert!(text.contains("was moved"), "{text}");
        assert!(text.contains(&local(moved, tz)), "{text}");
        assert!(m.header("subject").unwrap().contains("Rescheduled"));
        assert_invite(&m, "REQUEST", lesson, moved, 1);
    }
    // The old reminders do nothing; the new ones carry the higher SEQUENCE.
    fx.fire(&key(lesson, starts, "24h")).await;
    fx.fire(&key(lesson, starts, "1h")).await;
    assert_eq!(fx.mails().len(), 2);
    fx.fire(&key(lesson, moved, "24h")).await;
    assert_eq!(fx.mails().len(), 4);
    assert_invite(&fx.mail_to(2, &fx.ny), "REQUEST", lesson, moved, 1);
    // Saving without a time change sends nothing.
    t.post_form(
        &edit,
        &[
            ("title", "Moving (renamed)"),
            ("local_start", moved_local.as_str()),
            ("timezone", "Europe/Berlin"),
            ("duration", "60"),
        ],
    )
    .await
    .assert_redirect_to(&format!("/teach/courses/{}", fx.course_id));
    fx.app.drain_jobs().await;
    assert_eq!(fx.mails().len(), 4);
}

db_test!(cancel_notifies_students_and_stops_reminders);
async fn cancel_notifies_students_and_stops_reminders(b: TestAppBuilder) {
    let fx = setup(b).await;
    let starts = in_three_days();
    let lesson = fx.lesson("To cancel", starts).await;
    let page = format!("/courses/{}/lessons/{lesson}", fx.slug);
    let t = fx.app.signed_in(&fx.app.instructor).await;
    let p = t.get(&page).await;
    p.assert_status(200);
    assert!(p.attr("#live-cancel-form", "data-confirm").is_some());
    // A student can't cancel (the lesson is not theirs to manage).
    let s = fx.app.signed_in(&fx.berlin).await;
    assert_eq!(s.get(&page).await.attr("#live-cancel-form", "action"), None);
    s.post_form(&format!("/live/{lesson}/cancel"), &[])
        .await
        .assert_status(404);
    // Without the CSRF token: refused.
    t.post_form_raw(&format!("/live/{lesson}/cancel"), &[])
        .await
        .assert_status(403);
    t.post_form(&format!("/live/{lesson}/cancel"), &[])
        .await
        .assert_redirect_to(&page);
    let state: String = sqlx::query_scalar("SELECT state FROM live_sessions WHERE lesson_id = $1")
        .bind(lesson)
        .fetch_one(&fx.app.db.pool)
        .await
        .unwrap();
    assert_eq!(state, "cancelled");
    fx.app.drain_jobs().await;
    assert_eq!(fx.mails().len(), 2);
    for who in [&fx.berlin, &fx.ny] {
        let m = fx.mail_to(0, who);
        assert!(m.header("subject").unwrap().contains("Cancelled"));
        assert_invite(&m, "CANCEL", lesson, starts, 1);
        assert_eq!(
            ics_value(m.calendar.as_deref().unwrap(), "STATUS").as_deref(),
            Some("CANCELLED")
        );
    }
    // No reminders afterwards, and a second cancel is refused.
    fx.fire(&key(lesson, starts, "24h")).await;
    fx.fire(&key(lesson, starts, "1h")).await;
    assert_eq!(fx.mails().len(), 2);
    t.post_form(&format!("/live/{lesson}/cancel"), &[])
        .await
        .assert_status(400);
    // Enrolling now schedules nothing for it.
    let late = fx
        .app
        .create_user(
            fx.app.school.id,
            "late@test.example",
            "Lee Late",
            Role::Student,
        )
        .await;
    courses::progress::enroll(
        &fx.app.db,
        &*fx.app.state.course_hooks,
        SchoolId(fx.app.school.id),
        fx.course_id,
        UserId(late.id),
    )
    .await
    .unwrap();
    fx.app.drain_jobs().await;
    assert_eq!(fx.mails().len(), 2);
    // The lesson says so, to students and the instructor.
    let sp = s.get(&page).await;
    assert!(
        sp.text.contains("This session was cancelled"),
        "{}",
        sp.text
    );
    assert!(
        t.get(&page)
            .await
            .text
            .contains("This session was cancelled")
    );
}

db_test!(calendar_feeds_for_enrolled_students_instructors_and_secret_links);
async fn calendar_feeds_for_enrolled_students_instructors_and_secret_links(b: TestAppBuilder) {
    let fx = setup(b).await;
    let starts = in_three_days();
    let lesson = fx.lesson("Feed, with; escapes", starts).await;
    let feed = format!("/courses/{}/calendar.ics", fx.slug);

    let s = fx.app.signed_in(&fx.berlin).await;
    let r = s.get(&feed).await;
    r.assert_status(200);
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("text/calendar")
    );
    assert_eq!(r.text.matches("BEGIN:VEVENT").count(), 1);
    assert_eq!(ics_value(&r.text, "DTSTART"), Some(utc(starts)));
    assert_eq!(
        ics_value(&r.text, "SUMMARY").as_deref(),
        Some("Feed\\, with\\; escapes")
    );
    assert!(
        ics_value(&r.text, "UID")
            .unwrap()
            .starts_with(&format!("lesson-{lesson}@"))
    );
    fx.app
        .signed_in(&fx.app.instructor)
        .await
        .get(&feed)
        .await
        .assert_status(200);
    // Not enrolled: 403; anonymous: to sign-in; another school: 404.
    let other = fx
        .app
        .create_user(
            fx.app.school.id,
            "out@test.example",
            "Otto Outsider",
            Role::Student,
        )
        .await;
    fx.app
        .signed_in(&other)
        .await
        .get(&feed)
        .await
        .assert_status(403);
    fx.app
        .client()
        .get(&feed)
        .await
        .assert_redirect_to("/signin");
    let school2 = fx
        .app
        .create_school("other", "Other", "other.example")
        .await;
    let stranger = fx
        .app
        .create_user(school2.id, "x@other.example", "X", Role::Admin)
        .await;
    let c2 = fx.app.client().with_host("other.example");
    c2.signin(&stranger.email, &stranger.password).await;
    c2.get(&feed).await.assert_status(404);

    // The secret feed: created on My courses, works without a session.
    s.get("/my/courses").await.assert_status(200);
    assert_eq!(
        s.get("/my/courses")
            .await
            .attr("#calendar-feed-url", "value"),
        None
    );
    let r = s.post_form("/my/calendar/reset", &[]).await;
    r.assert_redirect_to("/my/courses");
    let url = s
        .get("/my/courses")
        .await
        .attr("#calendar-feed-url", "value")
        .expect("the feed URL is shown");
    let path = url.strip_prefix(&fx.app.base_url).unwrap().to_string();
    assert!(path.starts_with("/calendar/") && path.ends_with(".ics"));
    let anon = fx.app.client();
    let r = anon.get(&path).await;
    r.assert_status(200);
    assert_eq!(r.text.matches("BEGIN:VEVENT").count(), 1);
    assert_eq!(ics_value(&r.text, "DTSTART"), Some(utc(starts)));
    // Only the hash is stored.
    let token = path
        .trim_start_matches("/calendar/")
        .trim_end_matches(".ics")
        .to_string();
    let stored: String = sqlx::query_scalar("SELECT token_hash FROM calendar_feeds")
        .fetch_one(&fx.app.db.pool)
        .await
        .unwrap();
    assert_ne!(stored, token);
    // Another school's host doesn't know it.
    fx.app
        .client()
        .with_host("other.example")
        .get(&path)
        .await
        .assert_status(404);
    // Reset: the old link stops working, the new one works.
    s.post_form("/my/calendar/reset", &[])
        .await
        .assert_redirect_to("/my/courses");
    anon.get(&path).await.assert_status(404);
    let new_url = s
        .get("/my/courses")
        .await
        .attr("#calendar-feed-url", "value")
        .unwrap();
    assert_ne!(new_url, url);
    anon.get(new_url.strip_prefix(&fx.app.base_url).unwrap())
        .await
        .assert_status(200);
    anon.get("/calendar/garbage.ics").await.assert_status(404);
}
