//! Who may see what of a live session: the player (and the recordings in it), the join
//! signature, the attendance page and its CSV, for every kind of visitor.

use lectern::accounts::Role;
use lectern::courses::{self, LessonKind};
use lectern::db::{CourseId, SchoolId, UserId};

use crate::support::live::{seed_live_course, setup};
use crate::support::{TestAppBuilder, TestClient};

/// What one visitor gets from each live-session resource.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    player: u16,
    /// Where a redirected player sends the visitor (path, without the query).
    sent_to: Option<String>,
    recordings: usize,
    attendance: u16,
    csv: u16,
    download: u16,
}

async fn seen(c: &TestClient, lesson_url: &str, lesson: i64, download: &str) -> Seen {
    let player = c.get(lesson_url).await;
    Seen {
        player: player.status.as_u16(),
        sent_to: player
            .location()
            .map(|l| l.split('?').next().unwrap_or_default().to_string()),
        recordings: player.texts("#live-recordings li").len(),
        attendance: c
            .get(&format!("/live/{lesson}/attendance"))
            .await
            .status
            .as_u16(),
        csv: c
            .get(&format!("/live/{lesson}/attendance.csv"))
            .await
            .status
            .as_u16(),
        download: c.get(download).await.status.as_u16(),
    }
}

db_test!(access_matrix_for_player_signature_attendance_and_recordings);
async fn access_matrix_for_player_signature_attendance_and_recordings(b: TestAppBuilder) {
    let t = setup(b).await;
    let app = &t.app;
    // Everyone of the matrix, signed in where they have an account.
    let anonymous = app.client();
    let enrolled = app.signed_in(&app.student).await;
    let outsider = app
        .create_user(
            app.school.id,
            "outsider@test.example",
            "Out Sider",
            Role::Student,
        )
        .await;
    let not_enrolled = app.signed_in(&outsider).await;
    let other_teacher = app
        .create_user(
            app.school.id,
            "other-teacher@test.example",
            "Other Teacher",
            Role::Instructor,
        )
        .await;
    seed_live_course(
        &app.db,
        app.school.id,
        other_teacher.id,
        LessonKind::LiveSession,
        "Other course",
    )
    .await;
    let other_instructor = app.signed_in(&other_teacher).await;
    let host = app.signed_in(&app.instructor).await;
    let admin = app.signed_in(&app.admin).await;
    let school2 = app.create_school("two", "Two", "two.test.example").await;
    let stranger = app
        .create_user(school2.id, "s2@two.example", "S Two", Role::Student)
        .await;
    // Even enrolled in a course of their own school, they are strangers here.
    let (c2, _) = seed_live_course(
        &app.db,
        school2.id,
        stranger.id,
        LessonKind::LiveSession,
        "Theirs",
    )
    .await;
    courses::progress::enroll(
        &app.db,
        &*app.state.course_hooks,
        c2.school_id,
        c2.id,
        UserId(stranger.id),
    )
    .await
    .unwrap();
    let other_school = TestClient::new(&app.base_url).with_host("two.test.example");
    other_school
        .signin(&stranger.email, &stranger.password)
        .await;

    // Live, host in the meeting: only the enrolled student gets a signature.
    let r = t.start(&host).await;
    assert!(r.location().unwrap().contains("/s/"));
    let m = t.session().await.meeting_id.unwrap();
    t.host_in(m).await;
    let signature = [
        ("anonymous", &anonymous, 401),
        ("not enrolled", &not_enrolled, 403),
        ("enrolled", &enrolled, 200),
        ("other course's instructor", &other_instructor, 403),
        ("host", &host, 403),
        ("admin", &admin, 403),
        ("other school", &other_school, 404),
    ];
    for (who, c, want) in signature {
        let (status, v) = t.join(c).await;
        assert_eq!(status, want, "signature for {who}: {v}");
        if want == 200 {
            assert_eq!(v["status"], "ready", "{who}: {v}");
        } else {
            assert!(v.get("signature").is_none(), "{who} got a signature: {v}");
        }
    }

    // Ended, recording collected.
    t.zoom.sim.end_meeting(m);
    t.recording_collected(m).await;
    crate::support::eventually("ended", std::time::Duration::from_secs(10), || async {
        app.drain_jobs().await;
        (t.session().await.state == "ended").then_some(())
    })
    .await;
    let url = t.lesson_url();
    let course = format!("/courses/{}", t.course_slug);
    let see = |player, sent_to: Option<&str>, recordings, attendance, csv, download| Seen {
        player,
        sent_to: sent_to.map(str::to_string),
        recordings,
        attendance,
        csv,
        download,
    };
    let download = host
        .get(&url)
        .await
        .attr(".live-recording-download", "href")
        .expect("a download link");
    let files = 2; // the simulator records an MP4 and an M4A
    // Anonymous visitors are asked to sign in; non-enrolled ones of this school are
    // sent to the course page to enrol.
    let c = Some(course.as_str());
    let matrix = [
        (
            "anonymous",
            &anonymous,
            see(303, Some("/signin"), 0, 303, 303, 303),
        ),
        ("not enrolled", &not_enrolled, see(303, c, 0, 404, 404, 404)),
        ("enrolled", &enrolled, see(200, None, files, 404, 404, 200)),
        (
            "other course's instructor",
            &other_instructor,
            see(303, c, 0, 404, 404, 404),
        ),
        ("host", &host, see(200, None, files, 200, 200, 200)),
        ("admin", &admin, see(200, None, files, 200, 200, 200)),
        (
            "other school",
            &other_school,
            see(404, None, 0, 404, 404, 404),
        ),
    ];
    for (who, c, want) in matrix {
        assert_eq!(seen(c, &url, t.lesson, &download).await, want, "{who}");
    }
    // The enrolled student sees their own attendance in the player, nobody else's.
    let page = enrolled.get(&url).await;
    assert!(
        !page.texts("#live-my-attendance").is_empty(),
        "{}",
        page.text
    );
    assert!(
        page.texts("#attendance tr").is_empty(),
        "no class list for students"
    );

    // Unpublished: the course is gone for its students, recordings and joins too;
    // its managers keep everything.
    courses::set_published(
        &app.db,
        SchoolId(app.school.id),
        CourseId(t.course_id),
        false,
    )
    .await
    .unwrap();
    assert_eq!(enrolled.get(&url).await.status.as_u16(), 404);
    assert_eq!(enrolled.get(&download).await.status.as_u16(), 404);
    assert_eq!(t.join(&enrolled).await.0, 404);
    assert_eq!(host.get(&download).await.status.as_u16(), 200);
    assert_eq!(admin.get(&url).await.status.as_u16(), 200);
}
