//! Attendance from Zoom's participant events: segments, rejoins, walk-ins, the attendance
//! page and CSV, and keys that can't mark someone else present.

use lectern::accounts::Role;
use lectern::courses;
use lectern::db::{CourseId, SchoolId, UserId};

use crate::support::TestAppBuilder;
use crate::support::live::{participant_event, setup, unix_now};

db_test!(webhooks_drive_the_lifecycle_and_attendance);
async fn webhooks_drive_the_lifecycle_and_attendance(b: TestAppBuilder) {
    let t = setup(b).await;
    let inst = t.app.signed_in(&t.app.instructor).await;
    t.start(&inst).await;
    let m = t.zoom.sim.meetings()[0].id;
    let drain_until = |what: &'static str, f: fn(&lectern::live::Session) -> bool| {
        let t = &t;
        async move {
            crate::support::eventually(what, std::time::Duration::from_secs(10), || async {
                t.app.drain_jobs().await;
                let s = t.session().await;
                f(&s).then_some(())
            })
            .await
        }
    };
    t.zoom.sim.host_joins(m);
    drain_until("started", |s| s.host_present()).await;
    let sid = t.customer_key(t.app.student.id).await;
    t.zoom
        .sim
        .participant_join(m, "Sam Student", "student@test.example", &sid);
    t.zoom.sim.participant_leave(m, &sid);
    t.zoom
        .sim
        .participant_join(m, "Sam Student", "student@test.example", &sid);
    t.zoom
        .sim
        .participant_join(m, "Walk In", "walkin@elsewhere.example", "");
    t.zoom.sim.end_meeting(m);
    // Every event delivered (and acknowledged) before we look.
    t.zoom
        .sim
        .wait_for_deliveries(std::time::Duration::from_secs(10), |d| {
            let acked = |event: &str| {
                d.iter()
                    .filter(|x| x.event == event && x.status == Some(200))
                    .count()
            };
            acked("meeting.ended") >= 1
                && acked("meeting.participant_joined") >= 3
                && acked("meeting.participant_left") >= 3
        })
        .await;
    drain_until("ended", |s| s.state == "ended").await;
    t.app.drain_jobs().await;

    let page = inst.get(&format!("/live/{}/attendance", t.lesson)).await;
    page.assert_status(200);
    let row = page.attr(
        &format!("#attendance tr[data-key='u:{}']", t.app.student.id),
        "data-attended",
    );
    assert_eq!(row.as_deref(), Some("true"), "{}", page.text);
    let segs: usize = page
        .attr(
            &format!("#attendance tr[data-key='u:{}']", t.app.student.id),
            "data-segments",
        )
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&segs), "rejoin: {segs}");
    assert!(page.text.contains("Walk In"), "unmatched shown");
    let csv = inst
        .get(&format!("/live/{}/attendance.csv", t.lesson))
        .await;
    assert!(csv.text.starts_with("name,email,"));
    assert!(csv.text.contains("Sam Student"));

    let student = t.app.signed_in(&t.app.student).await;
    let lp = student.get(&t.lesson_url()).await;
    assert!(lp.texts("#live-ended")[0].contains("This session has ended"));
    assert!(!lp.texts("#live-my-attendance").is_empty());

    // The delete job is scheduled; the meeting.ended duplicate changes nothing.
    let jobs: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'live_delete_meeting'")
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(jobs, 1);
}

db_test!(a_student_who_edits_the_customer_key_marks_nobody_else_present);
async fn a_student_who_edits_the_customer_key_marks_nobody_else_present(b: TestAppBuilder) {
    let t = setup(b).await;
    let classmate = t
        .app
        .create_user(
            t.app.school.id,
            "classmate@test.example",
            "Cara Classmate",
            Role::Student,
        )
        .await;
    courses::progress::enroll(
        &t.app.db,
        &*t.app.state.course_hooks,
        SchoolId(t.app.school.id),
        CourseId(t.course_id),
        UserId(classmate.id),
    )
    .await
    .unwrap();
    let (m, uuid) = t.started_meeting().await;
    t.app.drain_jobs().await;
    let at = unix_now() - 600;
    let me = t.app.student.id;
    // Today's key is not the plain id any more; the attacker tries the classmate's
    // id, the admin's, a made-up MAC, and their own key for another session.
    let other_session_key =
        lectern::live::join::customer_key(&t.app.state.config.secret_key, 999_999, classmate.id);
    for (i, forged) in [
        classmate.id.to_string(),
        t.app.admin.id.to_string(),
        format!("{}.0123456789abcdef0123", classmate.id),
        other_session_key,
    ]
    .iter()
    .enumerate()
    {
        let at = at + i as i64 * 10;
        for left in [false, true] {
            let ev = participant_event(
                left,
                &t.zoom.account,
                m,
                &uuid,
                (me, forged),
                at + i64::from(left) * 5,
            );
            assert_eq!(t.hook(&ev).await, 200);
        }
    }
    t.app.drain_jobs().await;
    let s = t.session().await;
    let attended: Vec<Option<i64>> = lectern::live::attendance::attendees(&t.app.db, &s)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| !a.segments.is_empty())
        .map(|a| a.user_id)
        .collect();
    for victim in [classmate.id, t.app.admin.id, me] {
        assert!(
            !attended.contains(&Some(victim)),
            "a forged key made user {victim} attend: {attended:?}"
        );
    }
    // The real key still counts, and only for a member of the course.
    let key = t.customer_key(me).await;
    for left in [false, true] {
        let ev = participant_event(
            left,
            &t.zoom.account,
            m,
            &uuid,
            (me, &key),
            at + 100 + i64::from(left) * 60,
        );
        assert_eq!(t.hook(&ev).await, 200);
    }
    let outsider = t
        .app
        .create_user(
            t.app.school.id,
            "out@test.example",
            "Out Sider",
            Role::Student,
        )
        .await;
    let outsider_key = t.customer_key(outsider.id).await;
    let ev = participant_event(
        false,
        &t.zoom.account,
        m,
        &uuid,
        (outsider.id, &outsider_key),
        at + 200,
    );
    assert_eq!(t.hook(&ev).await, 200);
    t.app.drain_jobs().await;
    let a = lectern::live::attendance::attendees(&t.app.db, &s)
        .await
        .unwrap();
    assert!(
        a.iter()
            .any(|x| x.user_id == Some(me) && !x.segments.is_empty())
    );
    assert!(
        !a.iter().any(|x| x.user_id == Some(outsider.id)),
        "not enrolled: not bound to the account"
    );
}
