//! Invitations to live sessions: the first message of the calendar sequence that updates
//! and cancellations continue (same UID, rising SEQUENCE), on scheduling and on enrolment;
//! and the students' choice to receive none (per course or for all courses).

use lectern::accounts::Role;
use lectern::courses::{self, CourseFields, LessonContent, LessonRecord, Schedule};
use lectern::db::{CourseId, SchoolId, UserId, now_ms};

use crate::support::mail::Mail;
use crate::support::{TestApp, TestAppBuilder, TestUser};

const HOUR: i64 = 3_600_000;

struct Fx {
    app: TestApp,
    course_id: CourseId,
    ana: TestUser,
    ben: TestUser,
}

async fn course(app: &TestApp, title: &str) -> CourseId {
    let c = courses::create(
        &app.db,
        app.school.id,
        app.instructor.id,
        CourseFields {
            title,
            description: "",
            cover_url: None,
        },
    )
    .await
    .unwrap();
    courses::set_published(&app.db, c.school_id, c.id, true)
        .await
        .unwrap();
    c.id
}

async fn enroll(app: &TestApp, course_id: CourseId, u: &TestUser) {
    courses::progress::enroll(
        &app.db,
        &*app.state.course_hooks,
        SchoolId(app.school.id),
        course_id,
        UserId(u.id),
    )
    .await
    .unwrap();
}

async fn setup(b: TestAppBuilder) -> Fx {
    let app = b.with_smtp().start().await;
    let course_id = course(&app, "Coaching").await;
    let ana = app
        .create_user(app.school.id, "ana@test.example", "Ana", Role::Student)
        .await;
    let ben = app
        .create_user(app.school.id, "ben@test.example", "Ben", Role::Student)
        .await;
    enroll(&app, course_id, &ana).await;
    Fx {
        app,
        course_id,
        ana,
        ben,
    }
}

fn in_three_days() -> i64 {
    (now_ms() + 72 * HOUR) / 60_000 * 60_000
}

fn record(title: &str, starts_at: i64, webinar: bool) -> LessonRecord {
    LessonRecord {
        title: title.into(),
        required: true,
        body: String::new(),
        content: LessonContent::Live {
            webinar,
            schedule: Schedule::at(starts_at, "Europe/Berlin", 60),
        },
    }
}

impl Fx {
    async fn lesson_in(&self, course_id: CourseId, title: &str, starts_at: i64) -> i64 {
        courses::insert_lesson(
            &self.app.db,
            &*self.app.state.course_hooks,
            SchoolId(self.app.school.id),
            course_id,
            &record(title, starts_at, false),
        )
        .await
        .unwrap()
        .0
    }

    /// "Cancel session" by the course's instructor.
    async fn cancel(&self, lesson: i64) {
        let t = self.app.signed_in(&self.app.instructor).await;
        let r = t.post_form(&format!("/live/{lesson}/cancel"), &[]).await;
        assert!(r.status.is_redirection(), "{}", r.status);
    }

    /// Every mail `who` received so far, in order.
    fn mails_to(&self, who: &TestUser) -> Vec<Mail> {
        self.app
            .smtp
            .as_ref()
            .expect("smtp")
            .messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.contains(&who.email)))
            .map(|m| m.parse())
            .collect()
    }
}

pub(crate) fn ics_value(mail: &Mail, name: &str) -> String {
    let ics = mail.calendar.as_deref().expect("an .ics attachment");
    let ics = ics.replace("\r\n ", "");
    ics.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}:")))
        .unwrap_or_else(|| panic!("{name} in {ics}"))
        .trim_end()
        .to_string()
}

/// (METHOD, UID, SEQUENCE) of a mail's calendar.
pub(crate) fn seq(m: &Mail) -> (String, String, i64) {
    (
        ics_value(m, "METHOD"),
        ics_value(m, "UID"),
        ics_value(m, "SEQUENCE").parse().unwrap(),
    )
}

db_test!(invitation_update_and_cancellation_are_one_calendar_sequence);
async fn invitation_update_and_cancellation_are_one_calendar_sequence(b: TestAppBuilder) {
    let fx = setup(b).await;
    let starts = in_three_days();
    let lesson = fx.lesson_in(fx.course_id, "Group coaching", starts).await;
    fx.app.drain_jobs().await;
    let mails = fx.mails_to(&fx.ana);
    assert_eq!(mails.len(), 1, "one invitation");
    let invite = &mails[0];
    assert!(
        invite.header("subject").unwrap().starts_with("Invitation"),
        "{:?}",
        invite.header("subject")
    );
    assert!(
        invite
            .calendar_type
            .as_deref()
            .unwrap()
            .contains("method=REQUEST")
    );
    let (m0, uid, s0) = seq(invite);
    assert_eq!(m0, "REQUEST");
    assert!(uid.starts_with(&format!("lesson-{lesson}@")), "{uid}");
    assert_eq!(
        ics_value(invite, "DTSTART"),
        lectern::live::ics::utc(starts)
    );
    // Draining again sends nothing more.
    fx.app.drain_jobs().await;
    assert_eq!(fx.mails_to(&fx.ana).len(), 1);

    // Moved by two hours: an update with the same UID and a higher SEQUENCE.
    let moved = starts + 2 * HOUR;
    courses::update_lesson(
        &fx.app.db,
        &*fx.app.state.course_hooks,
        SchoolId(fx.app.school.id),
        fx.course_id,
        lectern::db::LessonId(lesson),
        &record("Group coaching", moved, false),
    )
    .await
    .unwrap();
    fx.app.drain_jobs().await;
    let mails = fx.mails_to(&fx.ana);
    assert_eq!(mails.len(), 2, "invitation, update");
    let (m1, uid1, s1) = seq(&mails[1]);
    assert_eq!((m1.as_str(), uid1.as_str()), ("REQUEST", uid.as_str()));
    assert!(s1 > s0, "{s1} > {s0}");
    assert_eq!(
        ics_value(&mails[1], "DTSTART"),
        lectern::live::ics::utc(moved)
    );

    // Cancelled: METHOD:CANCEL, same UID, higher SEQUENCE still.
    fx.cancel(lesson).await;
    fx.app.drain_jobs().await;
    let mails = fx.mails_to(&fx.ana);
    assert_eq!(mails.len(), 3, "invitation, update, cancellation");
    let (m2, uid2, s2) = seq(&mails[2]);
    assert_eq!((m2.as_str(), uid2.as_str()), ("CANCEL", uid.as_str()));
    assert!(s2 > s1, "{s2} > {s1}");
    assert!(
        mails[2]
            .calendar_type
            .as_deref()
            .unwrap()
            .contains("method=CANCEL")
    );
    // Ben is not enrolled: nothing.
    assert!(fx.mails_to(&fx.ben).is_empty());
}

db_test!(enrolling_after_scheduling_invites_to_every_future_session);
async fn enrolling_after_scheduling_invites_to_every_future_session(b: TestAppBuilder) {
    let fx = setup(b).await;
    let starts = in_three_days();
    let first = fx.lesson_in(fx.course_id, "First", starts).await;
    let second = fx
        .lesson_in(fx.course_id, "Second", starts + 24 * HOUR)
        .await;
    fx.app.drain_jobs().await;
    assert_eq!(fx.mails_to(&fx.ana).len(), 2);
    assert!(fx.mails_to(&fx.ben).is_empty());

    enroll(&fx.app, fx.course_id, &fx.ben).await;
    // Enrolling twice changes nothing.
    enroll(&fx.app, fx.course_id, &fx.ben).await;
    fx.app.drain_jobs().await;
    let mails = fx.mails_to(&fx.ben);
    assert_eq!(mails.len(), 2, "one invitation per future session");
    let mut uids: Vec<String> = mails.iter().map(|m| seq(m).1).collect();
    uids.sort();
    let mut want = vec![format!("lesson-{first}@"), format!("lesson-{second}@")];
    want.sort();
    for (u, w) in uids.iter().zip(&want) {
        assert!(u.starts_with(w), "{u} / {w}");
    }
    for m in &mails {
        assert_eq!(seq(m).0, "REQUEST");
    }
    // Ana's count did not move.
    assert_eq!(fx.mails_to(&fx.ana).len(), 2);
    assert_eq!(
        fx.app
            .scalar("SELECT COUNT(*) FROM live_notifications_sent WHERE kind = 'invite'")
            .await,
        4
    );
}

async fn set_pref(app: &TestApp, who: &TestUser, course: i64, receive: bool) {
    let c = app.signed_in(who).await;
    c.get("/profile/notifications").await.assert_status(200);
    c.post_form(
        "/profile/notifications",
        &[
            ("course", course.to_string().as_str()),
            ("receive", if receive { "1" } else { "0" }),
        ],
    )
    .await
    .assert_redirect_to("/profile/notifications?saved=1");
}

db_test!(turning_live_mail_off_stops_it_for_that_student_only);
async fn turning_live_mail_off_stops_it_for_that_student_only(b: TestAppBuilder) {
    let fx = setup(b).await;
    let other_course = course(&fx.app, "Second course").await;
    enroll(&fx.app, fx.course_id, &fx.ben).await;
    enroll(&fx.app, other_course, &fx.ana).await;
    enroll(&fx.app, other_course, &fx.ben).await;

    // Ana turns it off for the first course, Ben for all courses.
    set_pref(&fx.app, &fx.ana, fx.course_id.0, false).await;
    set_pref(&fx.app, &fx.ben, 0, false).await;
    // A course Ben is not enrolled in can't be chosen.
    let c = fx.app.signed_in(&fx.ana).await;
    let stranger = course(&fx.app, "Not enrolled").await;
    c.post_form(
        "/profile/notifications",
        &[
            ("course", stranger.0.to_string().as_str()),
            ("receive", "0"),
        ],
    )
    .await
    .assert_status(404);

    let starts = in_three_days();
    let l1 = fx.lesson_in(fx.course_id, "In the first", starts).await;
    let _l2 = fx.lesson_in(other_course, "In the second", starts).await;
    fx.app.drain_jobs().await;
    // Ana: only the second course's invitation; Ben: nothing.
    let ana = fx.mails_to(&fx.ana);
    assert_eq!(
        ana.len(),
        1,
        "{:?}",
        ana.iter().map(|m| m.header("subject")).collect::<Vec<_>>()
    );
    assert!(ana[0].header("subject").unwrap().contains("In the second"));
    assert!(fx.mails_to(&fx.ben).is_empty());

    // The 24 h reminder of the first course's session: nobody (both turned it off).
    sqlx::query("UPDATE jobs SET run_at = $1 WHERE dedupe_key = $2")
        .bind(now_ms())
        .bind(format!("reminder:{l1}:{starts}:24h"))
        .execute(&fx.app.db.pool)
        .await
        .unwrap();
    fx.app.drain_jobs().await;
    assert_eq!(fx.mails_to(&fx.ana).len(), 1);
    assert!(fx.mails_to(&fx.ben).is_empty());

    // Ben turns it back on: the next session of the first course reaches him (and not Ana).
    set_pref(&fx.app, &fx.ben, 0, true).await;
    let l3 = fx
        .lesson_in(fx.course_id, "Later", starts + 48 * HOUR)
        .await;
    fx.app.drain_jobs().await;
    let ben = fx.mails_to(&fx.ben);
    assert_eq!(ben.len(), 1);
    assert!(seq(&ben[0]).1.starts_with(&format!("lesson-{l3}@")));
    assert_eq!(fx.mails_to(&fx.ana).len(), 1);

    // A cancellation still reaches Ana, who turned the course's mail off.
    fx.cancel(l1).await;
    fx.app.drain_jobs().await;
    let ana = fx.mails_to(&fx.ana);
    assert_eq!(ana.len(), 2);
    assert_eq!(seq(&ana[1]).0, "CANCEL");
}

db_test!(publishing_a_course_invites_its_students_to_the_sessions_ahead);
async fn publishing_a_course_invites_its_students_to_the_sessions_ahead(b: TestAppBuilder) {
    // Reachable: students enrolled while it was published stay enrolled when it goes back
    // to draft, and sessions scheduled in a draft invite nobody.
    let fx = setup(b).await;
    let t = fx.app.signed_in(&fx.app.instructor).await;
    let r = t
        .post_form(&format!("/teach/courses/{}/unpublish", fx.course_id), &[])
        .await;
    assert!(r.status.is_redirection(), "{}", r.status);
    let starts = in_three_days();
    let lesson = fx.lesson_in(fx.course_id, "Kick-off", starts).await;
    // A session already past invites nobody when the course is published.
    let past = fx.lesson_in(fx.course_id, "Past", now_ms() - HOUR).await;
    fx.app.drain_jobs().await;
    assert!(fx.mails_to(&fx.ana).is_empty(), "a draft invites nobody");

    let r = t
        .post_form(&format!("/teach/courses/{}/publish", fx.course_id), &[])
        .await;
    assert!(r.status.is_redirection(), "{}", r.status);
    fx.app.drain_jobs().await;
    let mails = fx.mails_to(&fx.ana);
    assert_eq!(mails.len(), 1, "one invitation, to the session ahead");
    let (method, uid, sequence) = seq(&mails[0]);
    assert_eq!((method.as_str(), sequence), ("REQUEST", 0));
    assert!(uid.starts_with(&format!("lesson-{lesson}@")), "{uid}");
    assert!(!uid.starts_with(&format!("lesson-{past}@")));
    assert!(fx.mails_to(&fx.ben).is_empty(), "not enrolled");

    // Publishing again, or unpublishing and publishing, invites nobody twice.
    let r = t
        .post_form(&format!("/teach/courses/{}/publish", fx.course_id), &[])
        .await;
    assert!(r.status.is_redirection());
    t.post_form(&format!("/teach/courses/{}/unpublish", fx.course_id), &[])
        .await;
    t.post_form(&format!("/teach/courses/{}/publish", fx.course_id), &[])
        .await;
    fx.app.drain_jobs().await;
    assert_eq!(fx.mails_to(&fx.ana).len(), 1);
}
