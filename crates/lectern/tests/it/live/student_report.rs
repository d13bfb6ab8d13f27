//! The managers' page of one student (`/teach/courses/{id}/students/{user_id}`): each
//! lesson's completion and when, live attendance per session with the dashboard's marks
//! (late, left early, never came), quiz results, enrolment and last activity — and who
//! may open it.

use lectern::accounts::Role;
use lectern::db::now_ms;

use super::dashboard::{class, event, started_at};
use crate::support::courses::{add_lesson, lesson_ids};
use crate::support::live::setup;
use crate::support::{Resp, TestAppBuilder, TestUser};

const MIN: i64 = 60;

fn session(r: &Resp, attr: &str) -> String {
    r.attr("tr.student-session", attr)
        .unwrap_or_else(|| panic!("no session row in {}", r.text))
}

db_test!(a_students_page_shows_attendance_quizzes_and_activity_to_managers_only);
async fn a_students_page_shows_attendance_quizzes_and_activity_to_managers_only(b: TestAppBuilder) {
    let t = setup(b).await;
    let people = class(&t).await;
    let [sam, bea, cem, dan, eve] = <[TestUser; 5]>::try_from(people.clone()).unwrap();
    let inst = t.app.signed_in(&t.app.instructor).await;

    // A quiz in the course: Sam fails it once, then passes.
    add_lesson(
        &inst,
        t.course_id,
        "quiz",
        &[
            ("title", "Check"),
            ("required", "on"),
            ("quiz", "? 2 + 2?\n- 3\n* 4"),
            ("pass_mark", "100"),
        ],
    )
    .await;
    let quiz = *lesson_ids(&inst, t.course_id).await.last().unwrap();
    let student = t.app.signed_in(&sam).await;
    let answer = format!("/courses/{}/lessons/{quiz}/quiz", t.course_slug);
    student
        .post_form(&answer, &[("q0", "0")])
        .await
        .assert_status(200);
    student
        .post_form(&answer, &[("q0", "1")])
        .await
        .assert_status(200);

    // The session: scheduled and started half an hour ago. Sam on time and stays, Cem late,
    // Dan on time but gone at 20', Bea left and came back, Eve never.
    let t0 = (now_ms() / 1000) - 30 * MIN;
    t.reschedule(t0 * 1000).await;
    let meeting = started_at(&t, t0).await;
    for (who, left, at) in [
        (&sam, false, t0 + MIN),
        (&cem, false, t0 + 12 * MIN),
        (&dan, false, t0 + MIN),
        (&dan, true, t0 + 20 * MIN),
        (&bea, false, t0 + 2 * MIN),
        (&bea, true, t0 + 10 * MIN),
        (&bea, false, t0 + 15 * MIN),
    ] {
        event(&t, &meeting, who, left, at).await;
    }
    t.app.drain_jobs().await;

    let page_of = |u: &TestUser| format!("/teach/courses/{}/students/{}", t.course_id, u.id);
    let sam_page = inst.get(&page_of(&sam)).await;
    sam_page.assert_status(200);
    assert_eq!(session(&sam_page, "data-lesson-id"), t.lesson.to_string());
    assert_eq!(
        [
            session(&sam_page, "data-came"),
            session(&sam_page, "data-late"),
            session(&sam_page, "data-left-early"),
        ],
        ["true", "false", "false"]
    );
    let m: i64 = session(&sam_page, "data-minutes").parse().unwrap();
    assert!((28..=30).contains(&m), "Sam's minutes so far: {m}");
    assert_eq!(
        [
            "data-lesson-id",
            "data-attempts",
            "data-best",
            "data-last",
            "data-passed"
        ]
        .map(|a| sam_page.attr("tr.student-quiz", a).unwrap_or_default()),
        [
            quiz.to_string(),
            "2".into(),
            "100".into(),
            "100".into(),
            "true".into()
        ],
        "{}",
        sam_page.text
    );
    // The quiz counts as completed, with when; so do the enrolment and the last activity
    // (the session he is in now).
    let done_at = sam_page
        .attr(
            &format!(".student-lesson[data-lesson-id='{quiz}'] .completed-at"),
            "data-at",
        )
        .expect("the quiz's completion time");
    assert!(done_at.parse::<i64>().unwrap() > now_ms() - 600_000);
    assert!(sam_page.attr("#student-enrolled", "data-at").is_some());
    let last: i64 = sam_page
        .attr("#student-last-activity", "data-at")
        .unwrap()
        .parse()
        .unwrap();
    assert!(last > now_ms() - 60_000, "in the room now: {last}");

    for (who, came, late, early, minutes) in [
        (&cem, "true", "true", "false", 18),
        (&dan, "true", "false", "true", 19),
        (&bea, "true", "false", "false", 23),
        (&eve, "false", "false", "false", 0),
    ] {
        let p = inst.get(&page_of(who)).await;
        p.assert_status(200);
        assert_eq!(
            [
                session(&p, "data-came"),
                session(&p, "data-late"),
                session(&p, "data-left-early"),
            ],
            [came, late, early],
            "{}",
            who.name
        );
        let m: i64 = session(&p, "data-minutes").parse().unwrap();
        assert!(
            (minutes - 1..=minutes + 1).contains(&m),
            "{}: {m} minutes",
            who.name
        );
        // Nobody else took the quiz; Eve did nothing at all.
        assert!(p.attr("tr.student-quiz", "data-attempts").is_none());
    }
    let eve_page = inst.get(&page_of(&eve)).await;
    assert_eq!(
        eve_page
            .attr("#student-last-activity", "data-at")
            .as_deref(),
        Some("")
    );

    // Who may open it: the course's instructor and the school's admin.
    t.app
        .signed_in(&t.app.admin)
        .await
        .get(&page_of(&sam))
        .await
        .assert_status(200);
    // Not the student himself, another student, or an instructor of the school who does
    // not manage this course.
    let other_inst = t
        .app
        .create_user(
            t.app.school.id,
            "ian@test.example",
            "Ian Other",
            Role::Instructor,
        )
        .await;
    for who in [&sam, &cem, &other_inst] {
        let r = t.app.signed_in(who).await.get(&page_of(&sam)).await;
        assert!(
            [403, 404].contains(&r.status.as_u16()),
            "{} got {}",
            who.name,
            r.status
        );
    }
    // Someone not in the course, no one, and no number: 404 to the instructor.
    let outsider = t
        .app
        .create_user(
            t.app.school.id,
            "out@test.example",
            "Out Sider",
            Role::Student,
        )
        .await;
    for path in [
        page_of(&outsider),
        page_of(&t.app.instructor),
        format!("/teach/courses/{}/students/999999", t.course_id),
        format!("/teach/courses/{}/students/abc", t.course_id),
        format!("/teach/courses/999999/students/{}", sam.id),
    ] {
        inst.get(&path).await.assert_status(404);
    }
    // Another school's admin and instructor, on their own host: the course is not theirs.
    let other = t.app.other_school().await;
    for who in [&other.admin, &other.instructor] {
        other
            .signed_in(who)
            .await
            .get(&page_of(&sam))
            .await
            .assert_status(404);
    }
    // Signed out: not the page.
    let anon = t.app.client().get(&page_of(&sam)).await;
    assert_ne!(anon.status.as_u16(), 200);
}
