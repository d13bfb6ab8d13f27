//! Open pages follow their live lessons without reloading: the event stream
//! (`/courses/{slug}/live/events`), the outline's snapshot (`…/live/states`) and the
//! player's panel (`/live/{lesson}/panel`), on one instance and across two. The browser
//! half of the story is in `browser_live.rs`.

use std::time::{Duration, Instant};

use lectern::courses::{self, LessonRecord};
use lectern::db::{CourseId, SchoolId, now_ms};

use crate::support::live::{Live, setup};
use crate::support::{DbKind, TestAppBuilder, TestClient};

/// The events of one open stream, read as a browser's EventSource would.
pub(crate) struct Events {
    resp: reqwest::Response,
    buf: String,
}

impl Events {
    pub(crate) async fn open(http: &reqwest::Client, url: &str, cookie: Option<&str>) -> Events {
        let mut rb = http.get(url).header("accept", "text/event-stream");
        if let Some(c) = cookie {
            rb = rb.header("cookie", c);
        }
        let resp = rb.send().await.expect("event stream");
        assert_eq!(resp.status(), 200, "{url}");
        assert_eq!(
            resp.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("text/event-stream"),
        );
        let mut ev = Events {
            resp,
            buf: String::new(),
        };
        let (name, _) = ev.next(Duration::from_secs(5)).await.expect("ready event");
        assert_eq!(name, "ready");
        ev
    }

    /// The next event (name, data), skipping keep-alive comments; None after `within`.
    pub(crate) async fn next(&mut self, within: Duration) -> Option<(String, String)> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut name, mut data) = (String::from("message"), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if data.is_empty() && name == "message" {
                    continue; // a comment (keep-alive)
                }
                return Some((name, data));
            }
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk())
                .await
                .ok()?
                .expect("stream read")?;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Waits for a `change` of `lesson`; returns how long it took.
    pub(crate) async fn change_of(&mut self, lesson: i64, within: Duration) -> Duration {
        let since = Instant::now();
        let want = format!("{{\"lesson\":{lesson}}}");
        while let Some((name, data)) = self.next(within.saturating_sub(since.elapsed())).await {
            if name == "change" && data == want {
                return since.elapsed();
            }
        }
        panic!("no change of lesson {lesson} within {within:?}");
    }

    /// Nothing arrives within `within` (keep-alives aside).
    pub(crate) async fn quiet(&mut self, within: Duration) {
        if let Some(e) = self.next(within).await {
            panic!("unexpected event {e:?}");
        }
    }
}

fn cookie_of(c: &TestClient) -> String {
    format!(
        "lectern_session={}; lectern_csrf={}",
        c.cookie("lectern_session").unwrap(),
        c.cookie("lectern_csrf").unwrap()
    )
}

async fn display_of(c: &TestClient, slug: &str, lesson: i64) -> (String, serde_json::Value) {
    let r = c.get(&format!("/courses/{slug}/live/states")).await;
    r.assert_status(200);
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    let l = v["lessons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["lesson"] == lesson)
        .unwrap_or_else(|| panic!("lesson {lesson} in {v}"))
        .clone();
    (l["display"].as_str().unwrap().to_string(), l)
}

async fn panel_display(c: &TestClient, lesson: i64) -> (String, crate::support::Resp) {
    let r = c.get(&format!("/live/{lesson}/panel")).await;
    r.assert_status(200);
    (r.attr("#live", "data-display").unwrap_or_default(), r)
}

async fn another_live_lesson(t: &Live, starts_at: i64) -> i64 {
    courses::insert_lesson(
        &t.app.db,
        &*t.app.state.course_hooks,
        SchoolId(t.app.school.id),
        CourseId(t.course_id),
        &LessonRecord {
            title: "Second session".into(),
            required: false,
            body: String::new(),
            content: lectern::courses::LessonContent::Live {
                webinar: false,
                schedule: lectern::courses::Schedule::at(starts_at, "Europe/Berlin", 45),
            },
        },
    )
    .await
    .unwrap()
    .0
}

const PUSH: Duration = Duration::from_secs(2);

db_test!(an_open_page_hears_start_end_cancel_and_move_within_two_seconds);
async fn an_open_page_hears_start_end_cancel_and_move_within_two_seconds(b: TestAppBuilder) {
    let t = setup(b).await;
    let later = another_live_lesson(&t, now_ms() + 3 * 3_600_000).await;
    let student = t.app.signed_in(&t.app.student).await;
    let http = reqwest::Client::new();
    let events_url = format!("{}/courses/{}/live/events", t.app.base_url, t.course_slug);
    let mut ev = Events::open(&http, &events_url, Some(&cookie_of(&student))).await;
    // Five minutes before the start, inside the 15-minute lead; the other in 3 h.
    assert_eq!(
        display_of(&student, &t.course_slug, t.lesson).await.0,
        "opening-soon"
    );
    let (d, l) = display_of(&student, &t.course_slug, later).await;
    assert_eq!(d, "upcoming");
    assert!(
        l["countdown_to"].is_string() && l["next_change"].is_string(),
        "{l}"
    );
    assert_eq!(panel_display(&student, t.lesson).await.0, "opening-soon");

    // The instructor starts: the page hears it and Join is there.
    let inst = t.app.signed_in(&t.app.instructor).await;
    assert!(t.start(&inst).await.location().unwrap().contains("/s/"));
    let took = ev.change_of(t.lesson, PUSH).await;
    eprintln!("start → change in {took:?}");
    assert_eq!(
        display_of(&student, &t.course_slug, t.lesson).await.0,
        "live"
    );
    let (d, panel) = panel_display(&student, t.lesson).await;
    assert_eq!(d, "live");
    assert!(panel.attr("#live-join", "id").is_some(), "{}", panel.text);
    assert!(panel.attr("#zoom-root", "data-sdk-scripts").is_some());

    // The host arrives (meeting.started), then Zoom ends the meeting.
    let m = t.session().await.meeting_id.unwrap();
    t.host_in(m).await;
    ev.change_of(t.lesson, PUSH).await;
    t.ended_in_zoom(m).await;
    ev.change_of(t.lesson, PUSH).await;
    let (d, panel) = panel_display(&student, t.lesson).await;
    assert_eq!(d, "ended");
    assert!(panel.attr("#live-join", "id").is_none(), "no dead Join");
    assert_eq!(
        panel.texts("#live-my-attendance"),
        ["You did not attend this session."]
    );

    // Moved: the new time reaches the outline.
    let new_start = now_ms() + 26 * 3_600_000;
    let lesson = courses::lesson(
        &t.app.db,
        lectern::db::SchoolId(t.app.school.id),
        lectern::db::CourseId(t.course_id),
        lectern::db::LessonId(later),
    )
    .await
    .unwrap()
    .unwrap();
    courses::update_lesson(
        &t.app.db,
        &*t.app.state.course_hooks,
        lectern::db::SchoolId(t.app.school.id),
        lectern::db::CourseId(t.course_id),
        lectern::db::LessonId(later),
        &LessonRecord {
            title: lesson.title.clone(),
            required: false,
            body: String::new(),
            content: lectern::courses::LessonContent::Live {
                webinar: lesson.kind() == lectern::courses::LessonKind::Webinar,
                schedule: lectern::courses::Schedule::at(
                    new_start,
                    &lesson.schedule().unwrap().timezone,
                    45,
                ),
            },
        },
    )
    .await
    .unwrap();
    ev.change_of(later, PUSH).await;
    let (_, l) = display_of(&student, &t.course_slug, later).await;
    assert_eq!(
        l["starts"].as_str(),
        Some(lectern::web::time::iso_utc(new_start).as_str())
    );

    // Cancelled by the instructor: heard, and the outline says so.
    let csrf = inst.csrf_for(&t.lesson_url()).await;
    inst.post_form_raw(&format!("/live/{later}/cancel"), &[("_csrf", &csrf)])
        .await
        .assert_status(303);
    ev.change_of(later, PUSH).await;
    let (d, l) = display_of(&student, &t.course_slug, later).await;
    assert_eq!(d, "cancelled");
    assert_eq!(l["label"], "Cancelled");
    assert!(l["next_change"].is_null() && l["countdown_to"].is_null());
    assert_eq!(t.app.state.db.changes.open_streams(), 1);
}

db_test!(a_webhook_processed_by_one_instance_reaches_a_page_on_the_other);
async fn a_webhook_processed_by_one_instance_reaches_a_page_on_the_other(b: TestAppBuilder) {
    let t = setup(b).await;
    let second = t.app.second_instance().await;
    let student = t.app.signed_in(&t.app.student).await;
    let inst = t.app.signed_in(&t.app.instructor).await;
    assert!(t.start(&inst).await.location().unwrap().contains("/s/"));
    let m = t.session().await.meeting_id.unwrap();
    t.host_in(m).await;
    // The student's page is connected to the second instance.
    let http = reqwest::Client::new();
    let url = format!("{}/courses/{}/live/events", second.base_url, t.course_slug);
    let mut ev = Events::open(&http, &url, Some(&cookie_of(&student))).await;
    // Zoom ends the meeting; the first instance processes the webhook.
    t.ended_in_zoom(m).await;
    assert_eq!(t.session().await.state, "ended");
    match t.app.kind {
        // Every instance hears every change through LISTEN/NOTIFY.
        DbKind::Postgres => {
            let took = ev.change_of(t.lesson, PUSH).await;
            eprintln!("webhook on instance 1 → page on instance 2 in {took:?}");
        }
        // SQLite is one process's database: the other instance's pages learn it
        // from their snapshot (the page's poll), which is already true.
        DbKind::Sqlite => ev.quiet(Duration::from_millis(500)).await,
    }
    let r = http
        .get(format!(
            "{}/courses/{}/live/states",
            second.base_url, t.course_slug
        ))
        .header("cookie", cookie_of(&student))
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["lessons"][0]["display"], "ended", "{v}");
    drop(ev);
    second.stop().await;
}

db_test!(streams_and_snapshots_keep_to_the_courses_a_viewer_may_see);
async fn streams_and_snapshots_keep_to_the_courses_a_viewer_may_see(b: TestAppBuilder) {
    let t = setup(b).await;
    let slug = &t.course_slug;
    // Anonymous: a published course's outline states, like its public page; no
    // player panel.
    let anon = t.app.client();
    anon.get(&format!("/courses/{slug}/live/states"))
        .await
        .assert_status(200);
    let r = anon.get(&format!("/live/{}/panel", t.lesson)).await;
    assert!(r.status == 303 || r.status == 401, "{}", r.status);
    // A student of the school who is not enrolled: no panel.
    let outsider = t
        .app
        .create_user(
            t.app.school.id,
            "outsider@test.example",
            "Out Sider",
            lectern::accounts::Role::Student,
        )
        .await;
    let o = t.app.signed_in(&outsider).await;
    o.get(&format!("/live/{}/panel", t.lesson))
        .await
        .assert_status(404);
    // Unpublished: nothing for students, even enrolled ones.
    courses::set_published(
        &t.app.db,
        SchoolId(t.app.school.id),
        CourseId(t.course_id),
        false,
    )
    .await
    .unwrap();
    let student = t.app.signed_in(&t.app.student).await;
    for path in [
        format!("/courses/{slug}/live/states"),
        format!("/courses/{slug}/live/events"),
        format!("/live/{}/panel", t.lesson),
    ] {
        student.get(&path).await.assert_status(404);
    }
    // The instructor still sees them.
    let inst = t.app.signed_in(&t.app.instructor).await;
    inst.get(&format!("/courses/{slug}/live/states"))
        .await
        .assert_status(200);
    let (_, p) = panel_display(&inst, t.lesson).await;
    assert!(p.attr("#live-start", "id").is_some(), "{}", p.text);
    // Another school's admin, with a session of theirs, sees none of it.
    courses::set_published(
        &t.app.db,
        SchoolId(t.app.school.id),
        CourseId(t.course_id),
        true,
    )
    .await
    .unwrap();
    let other = t
        .app
        .create_school("other", "Other School", "other.test")
        .await;
    let admin2 = t
        .app
        .create_user(
            other.id,
            "admin@other.test",
            "Other Admin",
            lectern::accounts::Role::Admin,
        )
        .await;
    let c2 = t.app.client().with_host("other.test");
    c2.signin(&admin2.email, &admin2.password).await;
    for path in [
        format!("/courses/{slug}/live/states"),
        format!("/courses/{slug}/live/events"),
        format!("/live/{}/panel", t.lesson),
    ] {
        c2.get(&path).await.assert_status(404);
    }
}

db_test!(a_webhook_reaches_open_pages_without_waiting_for_the_workers_poll);
async fn a_webhook_reaches_open_pages_without_waiting_for_the_workers_poll(b: TestAppBuilder) {
    // The worker polls every 30 s here: only being woken by the webhook's arrival
    // gets meeting.started to the page in time.
    let t = setup(b.with_worker().poll(Duration::from_secs(30))).await;
    let student = t.app.signed_in(&t.app.student).await;
    let inst = t.app.signed_in(&t.app.instructor).await;
    assert!(t.start(&inst).await.location().unwrap().contains("/s/"));
    let m = t.session().await.meeting_id.unwrap();
    let http = reqwest::Client::new();
    let url = format!("{}/courses/{}/live/events", t.app.base_url, t.course_slug);
    let mut ev = Events::open(&http, &url, Some(&cookie_of(&student))).await;
    // Let the worker go back to sleep after Start's jobs. A deliberate pause: nothing
    // observable says the worker is asleep, and a webhook that arrived while it was still
    // busy would be picked up without the wake-up this test is about.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let since = Instant::now();
    t.zoom.sim.host_joins(m);
    ev.change_of(t.lesson, Duration::from_secs(3)).await;
    eprintln!(
        "host joined in Zoom → page heard it in {:?}",
        since.elapsed()
    );
    assert!(t.session().await.host_present());
}

db_test!(open_pages_hear_when_the_schools_zoom_is_disconnected_and_reconnected);
async fn open_pages_hear_when_the_schools_zoom_is_disconnected_and_reconnected(b: TestAppBuilder) {
    let t = setup(b).await;
    let student = t.app.signed_in(&t.app.student).await;
    let http = reqwest::Client::new();
    let url = format!("{}/courses/{}/live/events", t.app.base_url, t.course_slug);
    let mut ev = Events::open(&http, &url, Some(&cookie_of(&student))).await;
    let admin = t.app.signed_in(&t.app.admin).await;
    t.zoom.disconnect_school(&admin).await;
    // Every lesson of the school may have changed: lesson 0.
    ev.change_of(0, PUSH).await;
    let (_, p) = panel_display(&student, t.lesson).await;
    assert!(p.attr("#live-unavailable", "id").is_some(), "{}", p.text);
    t.zoom.connect(&admin, "school").await.assert_status(200);
    ev.change_of(0, PUSH).await;
    let (_, p) = panel_display(&student, t.lesson).await;
    assert!(p.attr("#live-unavailable", "id").is_none(), "{}", p.text);
    // Another school's change is not this school's pages' business.
    t.app
        .state
        .db
        .lesson_changed(lectern::push::LessonChange::whole_school(SchoolId(
            t.app.school.id + 1,
        )))
        .await;
    ev.quiet(Duration::from_millis(300)).await;
}
