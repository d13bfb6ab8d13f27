//! Joining: the signature and the answer the player gets, only for enrolled students of a
//! session that is live (and whose host is in, unless the meeting is in the app's account);
//! two students joining embedded in Chromium.

use base64::Engine;
use lectern::accounts::Role;
use lectern::courses;
use lectern::db::{CourseId, SchoolId, UserId};

use crate::support::TestAppBuilder;
use crate::support::live::setup;

fn jwt_claims(sig: &str) -> serde_json::Value {
    let payload = sig.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

db_test!(join_signature_only_for_enrolled_students_of_a_live_session);
async fn join_signature_only_for_enrolled_students_of_a_live_session(b: TestAppBuilder) {
    let t = setup(b).await;
    let student = t.app.signed_in(&t.app.student).await;
    // Before the start: waiting.
    let (st, v) = t.join(&student).await;
    assert_eq!((st, v["status"].as_str()), (200, Some("waiting")));
    let page = student.get(&t.lesson_url()).await;
    // Five minutes before the start (inside the 15-minute lead): "opening soon",
    // never "waiting for the instructor", which would read as if they were late.
    assert_eq!(
        page.attr("#live", "data-display").as_deref(),
        Some("opening-soon")
    );
    assert!(
        page.texts("#live-opening-soon")[0].contains("The instructor can open it now"),
        "{}",
        page.text
    );
    assert!(page.attr("#live-join", "id").is_none());
    assert!(page.attr("#live-start", "id").is_none());

    let inst = t.app.signed_in(&t.app.instructor).await;
    let started = t.start(&inst).await;
    let start_url = started.location().unwrap().to_string();
    let meeting = t.zoom.sim.meetings()[0].clone();

    // Same account as the app's owner is not configured: OBF → host must be in.
    let (_, v) = t.join(&student).await;
    assert_eq!(v["status"], "waiting");
    t.host_in(meeting.id).await;
    let (st, v) = t.join(&student).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["status"], "ready", "{v}");
    assert_eq!(v["meetingNumber"], meeting.id.to_string());
    assert_eq!(
        v["customerKey"].as_str(),
        Some(t.customer_key(t.app.student.id).await.as_str())
    );
    assert_eq!(v["userEmail"], t.app.student.email);
    assert_eq!(v["password"], meeting.password);
    assert!(v["obfToken"].is_string());
    let claims = jwt_claims(v["signature"].as_str().unwrap());
    assert_eq!(claims["role"], 0);
    assert_eq!(claims["mn"], meeting.id.to_string());
    let body = v.to_string();
    assert!(
        !body.contains(&start_url)
            && !body.contains("zak")
            && !body.contains("client-secret-for-tests")
    );

    // A second student (and the first again) reuse that OBF token: one Zoom call
    // serves the class.
    let obf_calls = || {
        t.zoom
            .sim
            .requests()
            .iter()
            .filter(|r| r.query.as_deref().is_some_and(|q| q.contains("onbehalf")))
            .count()
    };
    assert_eq!(obf_calls(), 1);
    // It reaches students' browsers, so it is asked to live minutes, not hours.
    assert!(t.zoom.sim.requests().iter().any(|r| {
        r.query
            .as_deref()
            .is_some_and(|q| q.contains("onbehalf") && q.contains("ttl=600"))
    }));
    let classmate = t
        .app
        .create_user(t.app.school.id, "mate@test.example", "Mate", Role::Student)
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
    let classmate = t.app.signed_in(&classmate).await;
    let (_, v2) = t.join(&classmate).await;
    assert_eq!(v2["status"], "ready");
    assert_eq!(v2["obfToken"], v["obfToken"]);
    t.join(&student).await;
    assert_eq!(
        obf_calls(),
        1,
        "the OBF token is fetched once per meeting and minute"
    );

    // The page offers Join and the "Open in Zoom app" fallback.
    let page = student.get(&t.lesson_url()).await;
    assert_eq!(page.texts("#live-join"), vec!["Join Meeting"]);
    assert!(
        page.attr("#live-open-app", "href")
            .unwrap()
            .contains(&meeting.id.to_string())
    );

    // Others: anonymous 401, non-enrolled 403, instructor (not a student) 403,
    // another school 404.
    let anon = t.app.client();
    assert_eq!(t.join(&anon).await.0, 401);
    let other = t
        .app
        .create_user(t.app.school.id, "other@test.example", "Otto", Role::Student)
        .await;
    let other = t.app.signed_in(&other).await;
    assert_eq!(t.join(&other).await.0, 403);
    assert_eq!(t.join(&inst).await.0, 403);
    let school2 = t.app.create_school("two", "Two", "two.test.example").await;
    let u2 = t
        .app
        .create_user(school2.id, "s2@two.example", "S Two", Role::Student)
        .await;
    let c2 = crate::support::TestClient::new(&t.app.base_url).with_host("two.test.example");
    c2.signin(&u2.email, &u2.password).await;
    assert_eq!(t.join(&c2).await.0, 404);
    // Non-managers can't start.
    let r = t.start(&student).await;
    assert_eq!(r.status.as_u16(), 404);
}

db_test!(no_obf_when_the_meeting_is_in_the_apps_account);
async fn no_obf_when_the_meeting_is_in_the_apps_account(b: TestAppBuilder) {
    let t = setup(b).await;
    // Configure after the fact: the app owner's account is the school's.
    let mut config = (*t.app.state.config).clone();
    config.live.app_account_id = Some(t.zoom.account.clone());
    let state = lectern::app::AppState {
        config: std::sync::Arc::new(config),
        ..t.app.state.clone()
    };
    let inst = t.app.signed_in(&t.app.instructor).await;
    t.start(&inst).await;
    let s = t.session().await;
    let student = lectern::accounts::by_id(&t.app.db, t.app.school.id, t.app.student.id)
        .await
        .unwrap()
        .unwrap();
    let a = lectern::live::join::answer(&state.zoom_deps(), &s, &student)
        .await
        .unwrap();
    let v = serde_json::to_value(&a).unwrap();
    assert_eq!(
        v["status"], "ready",
        "no host needed inside the app's account: {v}"
    );
    assert!(v.get("obfToken").is_none());
}

db_test!(browser_two_students_join_embedded_and_attendance_shows);
async fn browser_two_students_join_embedded_and_attendance_shows(b: TestAppBuilder) {
    if !crate::support::browser::available("live browser join") {
        return;
    }
    let t = setup(b).await;
    let second = t
        .app
        .create_user(
            t.app.school.id,
            "student2@test.example",
            "Sue Second",
            Role::Student,
        )
        .await;
    courses::progress::enroll(
        &t.app.db,
        &*t.app.state.course_hooks,
        SchoolId(t.app.school.id),
        CourseId(t.course_id),
        UserId(second.id),
    )
    .await
    .unwrap();
    // The instructor starts; the host is in the meeting (start URL opened in Zoom).
    let inst = t.app.signed_in(&t.app.instructor).await;
    let r = t.start(&inst).await;
    assert!(r.location().unwrap().contains("/s/"));
    let m = t.session().await.meeting_id.unwrap();
    t.host_in(m).await;

    let mut browsers = Vec::new();
    for user in [&t.app.student, &second] {
        let br = crate::support::browser::Browser::start().await;
        br.sign_in(&t.app.base_url, &user.email, &user.password)
            .await;
        br.goto(&format!("{}{}", t.app.base_url, t.lesson_url()))
            .await;
        br.click("#live-join").await;
        let who = br
            .wait_css("#zoom-sim-meeting .zoom-sim-user")
            .await
            .text()
            .await
            .unwrap();
        assert_eq!(who, user.name);
        browsers.push(br);
    }
    let keys: Vec<String> = t
        .zoom
        .sim
        .meeting(m)
        .unwrap()
        .participants
        .iter()
        .map(|p| p.customer_key.clone())
        .collect();
    for id in [t.app.student.id, second.id] {
        let key = t.customer_key(id).await;
        assert!(
            keys.contains(&key),
            "customerKey {key} of {id} reached Zoom: {keys:?}"
        );
    }

    // The host ends the meeting: the players show it, the session ends.
    t.zoom.sim.end_meeting(m);
    for br in &browsers {
        // The SDK closes the meeting view (Zoom's SDK draws no "ended" text of ours).
        crate::support::eventually(
            "meeting view closed",
            std::time::Duration::from_secs(10),
            || async {
                (br.eval("return document.querySelector('#zoom-root #zoom-sim-meeting') === null")
                    .await
                    == serde_json::json!(true))
                .then_some(())
            },
        )
        .await;
    }
    t.zoom
        .sim
        .wait_for_deliveries(std::time::Duration::from_secs(10), |d| {
            d.iter()
                .any(|x| x.event == "meeting.ended" && x.status == Some(200))
        })
        .await;
    crate::support::eventually("ended", std::time::Duration::from_secs(10), || async {
        t.app.drain_jobs().await;
        (t.session().await.state == "ended").then_some(())
    })
    .await;
    // The open players say so by themselves.
    for br in &browsers {
        br.wait_css("#live[data-display='ended'] #live-ended").await;
    }
    for br in browsers {
        br.close().await;
    }
    let page = inst.get(&format!("/live/{}/attendance", t.lesson)).await;
    for id in [t.app.student.id, second.id] {
        assert_eq!(
            page.attr(
                &format!("#attendance tr[data-key='u:{id}']"),
                "data-attended"
            )
            .as_deref(),
            Some("true"),
            "{}",
            page.text
        );
    }
    let sp = t.student_page().await;
    assert!(sp.texts("#live-ended")[0].contains("This session has ended"));

    // The recording arrives: an enrolled student's player links it (with the play
    // passcode); a student of the school who is not enrolled never sees it.
    t.recording_collected(m).await;
    let lesson_page = format!("{}{}", t.app.base_url, t.lesson_url());
    let br = crate::support::browser::Browser::start().await;
    br.sign_in(
        &t.app.base_url,
        &t.app.student.email,
        &t.app.student.password,
    )
    .await;
    br.goto(&lesson_page).await;
    br.wait_css("#live-recordings a").await;
    // Read in the page: the panel may be swapped for a fresh copy (after the
    // event stream's first `ready`) between finding the link and reading it.
    let href = br
        .eval("var a = document.querySelector('#live-recordings a'); return a ? a.getAttribute('href') : ''")
        .await
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        href.contains("/rec/play/") && href.contains("pwd="),
        "{href}"
    );
    br.close().await;
    let outsider = t
        .app
        .create_user(
            t.app.school.id,
            "outsider@test.example",
            "Out Sider",
            Role::Student,
        )
        .await;
    let br = crate::support::browser::Browser::start().await;
    br.sign_in(&t.app.base_url, &outsider.email, &outsider.password)
        .await;
    br.goto(&lesson_page).await;
    br.wait_css("body").await;
    let links = br
        .eval("return document.querySelectorAll('#live-recordings a').length")
        .await;
    assert_eq!(links, serde_json::json!(0));
    let here = br.eval("return location.pathname").await;
    assert_ne!(
        here,
        serde_json::json!(t.lesson_url()),
        "not enrolled: no player"
    );
    br.close().await;
}

db_test!(the_join_follows_the_enrolment_the_course_and_the_lesson_at_once);
/// The join asks for the lesson, its course, the enrolment and the lesson's privacy in one
/// statement (issue 21): each of them still decides, on the very next request.
async fn the_join_follows_the_enrolment_the_course_and_the_lesson_at_once(b: TestAppBuilder) {
    let t = setup(b).await;
    let (db, school, course) = (&t.app.db, SchoolId(t.app.school.id), CourseId(t.course_id));
    let student = t.app.signed_in(&t.app.student).await;
    let inst = t.app.signed_in(&t.app.instructor).await;
    t.start(&inst).await;
    let meeting = t.zoom.sim.meetings()[0].clone();
    t.host_in(meeting.id).await;
    let (st, v) = t.join(&student).await;
    assert_eq!((st, v["status"].as_str()), (200, Some("ready")), "{v}");

    // The course unpublished: no player, so no join (404); published again: ready.
    courses::set_published(db, school, course, false)
        .await
        .unwrap();
    assert_eq!(t.join(&student).await.0, 404);
    courses::set_published(db, school, course, true)
        .await
        .unwrap();
    assert_eq!(t.join(&student).await.1["status"], "ready");

    // Another lesson of the same course that is not live: 404, even for the enrolled.
    let text = courses::insert_lesson(
        db,
        &lectern::live::hooks::LessonSide,
        school,
        course,
        &courses::LessonRecord {
            title: "Notes".into(),
            required: false,
            body: "Read this".into(),
            content: courses::LessonContent::Document,
        },
    )
    .await
    .unwrap();
    let csrf = student.csrf_for("/").await;
    let r = student
        .send(
            student
                .request(reqwest::Method::POST, &format!("/api/live/{}/join", text.0))
                .header("x-csrf-token", csrf),
        )
        .await;
    assert_eq!(r.status.as_u16(), 404);

    // The enrolment removed: refused at once (403), and again once re-enrolled: ready.
    let mut tx = db.pool.begin().await.unwrap();
    assert!(
        courses::progress::unenroll_in(&mut tx, school, course, UserId(t.app.student.id))
            .await
            .unwrap()
    );
    tx.commit().await.unwrap();
    assert_eq!(t.join(&student).await.0, 403);
    courses::progress::enroll(
        db,
        &*t.app.state.course_hooks,
        school,
        course,
        UserId(t.app.student.id),
    )
    .await
    .unwrap();
    assert_eq!(t.join(&student).await.1["status"], "ready");
}
