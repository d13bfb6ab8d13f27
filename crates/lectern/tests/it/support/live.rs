//! The `Live` fixture: an app connected to zoom-sim with a live lesson, and what tests of
//! live sessions share (signed webhooks as Zoom sends them, the session row, Start, Join).

use lectern::courses::{self, CourseFields, LessonContent, LessonKind, LessonRecord, Schedule};
use lectern::db::{CourseId, LessonId, SchoolId, UserId, now_ms};

use crate::support::zoom::ZoomFixture;
use crate::support::{Resp, TestApp, TestAppBuilder, TestClient};

/// A school connected to zoom-sim with a published course and one live lesson (see
/// [`setup`]).
pub struct Live {
    pub app: TestApp,
    pub zoom: ZoomFixture,
    pub course_slug: String,
    pub course_id: i64,
    pub lesson: i64,
}

/// The app connected to a fresh zoom-sim; `env` is applied after the simulator's own
/// settings, so it can override them (e.g. the SDK's URL).
pub async fn connected(
    b: TestAppBuilder,
    scopes: Option<Vec<String>>,
    env: Vec<(&'static str, String)>,
) -> (TestApp, ZoomFixture) {
    let zoom = ZoomFixture::start().await;
    let mut b = zoom
        .configure(b)
        .env("LECTERN_LIVE_RECONCILE_AFTER_SECS", "0");
    for (k, v) in env {
        b = b.env(k, v);
    }
    let app = b.start().await;
    zoom.register(&app, scopes);
    let admin = app.signed_in(&app.admin).await;
    zoom.connect(&admin, "school").await.assert_status(200);
    (app, zoom)
}

/// A published course taught by `instructor` with one live lesson of `kind` starting in
/// five minutes; returns the course and the lesson id.
pub async fn seed_live_course(
    db: &lectern::db::Db,
    school: i64,
    instructor: i64,
    kind: LessonKind,
    title: &str,
) -> (courses::Course, i64) {
    let course = courses::create(
        db,
        school,
        instructor,
        CourseFields {
            title,
            description: "",
            cover_url: None,
        },
    )
    .await
    .unwrap();
    courses::set_published(db, course.school_id, course.id, true)
        .await
        .unwrap();
    let lesson = courses::insert_lesson(
        db,
        &lectern::live::hooks::LessonSide,
        course.school_id,
        course.id,
        &LessonRecord {
            title: "Office hours".into(),
            required: true,
            body: "Agenda: questions".into(),
            content: LessonContent::Live {
                webinar: kind == LessonKind::Webinar,
                schedule: Schedule::at(now_ms() + 5 * 60_000, "Europe/Berlin", 60),
            },
        },
    )
    .await
    .unwrap();
    (course, lesson.0)
}

/// A published course taught by the test instructor, the test student enrolled, and one
/// live lesson starting in five minutes.
pub async fn setup_with(b: TestAppBuilder, kind: LessonKind, scopes: Option<Vec<String>>) -> Live {
    setup_env(b, kind, scopes, Vec::new()).await
}

/// [`setup_with`], with configuration that overrides the simulator's.
pub async fn setup_env(
    b: TestAppBuilder,
    kind: LessonKind,
    scopes: Option<Vec<String>>,
    env: Vec<(&'static str, String)>,
) -> Live {
    let (app, zoom) = connected(b, scopes, env).await;
    let (course, lesson) = seed_live_course(
        &app.db,
        app.school.id,
        app.instructor.id,
        kind,
        "Live course",
    )
    .await;
    courses::progress::enroll(
        &app.db,
        &*app.state.course_hooks,
        course.school_id,
        course.id,
        UserId(app.student.id),
    )
    .await
    .unwrap();
    Live {
        app,
        zoom,
        course_slug: course.slug,
        course_id: course.id.0,
        lesson,
    }
}

/// [`setup_with`] a live-session lesson and every scope Lectern asks for.
pub async fn setup(b: TestAppBuilder) -> Live {
    setup_with(b, LessonKind::LiveSession, None).await
}

impl Live {
    /// Posts Start as `c` (303 to the start URL when it worked).
    pub async fn start(&self, c: &TestClient) -> Resp {
        let csrf = c.csrf_for(&self.lesson_url()).await;
        c.post_form_raw(&format!("/live/{}/start", self.lesson), &[("_csrf", &csrf)])
            .await
    }
    pub fn lesson_url(&self) -> String {
        format!("/courses/{}/lessons/{}", self.course_slug, self.lesson)
    }
    /// The lesson page as the enrolled student sees it (viewing it also creates the
    /// session row).
    pub async fn student_page(&self) -> Resp {
        self.app
            .signed_in(&self.app.student)
            .await
            .get(&self.lesson_url())
            .await
    }
    /// Meeting creates that reached Zoom.
    pub fn creates(&self) -> usize {
        self.zoom
            .sim
            .requests()
            .iter()
            .filter(|r| {
                r.method == "POST" && r.path.ends_with("/meetings") && r.path.contains("/users/")
            })
            .count()
    }
    /// The `customerKey` the player hands user `uid` for this session.
    pub async fn customer_key(&self, uid: i64) -> String {
        lectern::live::join::customer_key(
            &self.app.state.config.secret_key,
            self.session().await.id,
            uid,
        )
    }
    pub async fn session(&self) -> lectern::live::Session {
        lectern::live::by_lesson(
            &self.app.db,
            SchoolId(self.app.school.id),
            LessonId(self.lesson),
        )
        .await
        .unwrap()
        .expect("session row")
    }
    /// The host joins meeting `m` in Zoom; returns once `meeting.started` was processed.
    pub async fn host_in(&self, m: i64) {
        self.zoom.sim.host_joins(m);
        crate::support::eventually(
            "host present",
            std::time::Duration::from_secs(10),
            || async {
                self.app.drain_jobs().await;
                self.session().await.host_present().then_some(())
            },
        )
        .await;
    }
    /// Zoom ends meeting `m`; returns once `meeting.ended` was delivered and processed.
    pub async fn ended_in_zoom(&self, m: i64) {
        self.zoom.sim.end_meeting(m);
        self.zoom
            .sim
            .wait_for_deliveries(std::time::Duration::from_secs(10), |d| {
                d.iter()
                    .any(|x| x.event == "meeting.ended" && x.status == Some(200))
            })
            .await;
        crate::support::eventually("ended", std::time::Duration::from_secs(10), || async {
            self.app.drain_jobs().await;
            (self.session().await.state == "ended").then_some(())
        })
        .await;
    }
    /// Zoom finishes the cloud recording of `m`; returns once `recording.completed` was
    /// delivered and processed.
    pub async fn recording_collected(&self, m: i64) {
        self.zoom.sim.complete_recording(m);
        self.zoom
            .sim
            .wait_for_deliveries(std::time::Duration::from_secs(10), |d| {
                d.iter()
                    .any(|x| x.event == "recording.completed" && x.status == Some(200))
            })
            .await;
        crate::support::eventually(
            "recording stored",
            std::time::Duration::from_secs(10),
            || async {
                self.app.drain_jobs().await;
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM live_recordings")
                    .fetch_one(&self.app.db.pool)
                    .await
                    .unwrap();
                (n > 0).then_some(())
            },
        )
        .await;
    }
    /// Posts `/api/live/{lesson}/join` as `c`: the status and the JSON answer.
    pub async fn join(&self, c: &TestClient) -> (u16, serde_json::Value) {
        let csrf = c.csrf_for("/").await;
        let r = c
            .send(
                c.request(
                    reqwest::Method::POST,
                    &format!("/api/live/{}/join", self.lesson),
                )
                .header("x-csrf-token", csrf),
            )
            .await;
        let v = serde_json::from_str(&r.text).unwrap_or(serde_json::Value::Null);
        (r.status.as_u16(), v)
    }

    /// Posts `body` to the webhook with this timestamp and signature header.
    pub async fn post_hook(&self, body: &[u8], ts: &str, sig: &str) -> (u16, String) {
        let r = reqwest::Client::new()
            .post(format!("{}/webhooks/zoom", self.app.base_url))
            .header("content-type", "application/json")
            .header("x-zm-request-timestamp", ts)
            .header("x-zm-signature", sig)
            .body(body.to_vec())
            .send()
            .await
            .expect("post webhook");
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }
    /// Posts `body` signed with the configured secret, now.
    pub async fn hook(&self, body: &str) -> u16 {
        let (ts, sig) = sign_with(&self.zoom.webhook_secret, unix_now(), body.as_bytes());
        self.post_hook(body.as_bytes(), &ts, &sig).await.0
    }
    /// How many `event`s were stored.
    pub async fn stored(&self, event: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM zoom_events WHERE event = $1")
            .bind(event)
            .fetch_one(&self.app.db.pool)
            .await
            .unwrap()
    }
    /// The session as a process that died in Start leaves it: `starting` with `attempt`,
    /// the school's connection and host recorded, nothing linked.
    pub async fn died_while_starting(&self, attempt: i64) -> lectern::live::Session {
        let lesson = courses::lesson(
            &self.app.db,
            SchoolId(self.app.school.id),
            CourseId(self.course_id),
            LessonId(self.lesson),
        )
        .await
        .unwrap()
        .unwrap();
        let s = lectern::live::ensure(&self.app.db, SchoolId(self.app.school.id), &lesson)
            .await
            .unwrap();
        let conn = lectern::zoom_connection::find(
            &self.app.db,
            self.app.school.id,
            lectern::zoom_connection::Owner::School,
        )
        .await
        .unwrap()
        .unwrap();
        sqlx::query("UPDATE live_sessions SET state = 'starting', attempt = $1, starting_since = $2, connection_id = $3, zoom_host_id = $4 WHERE id = $5")
            .bind(attempt)
            .bind(now_ms())
            .bind(conn.id)
            .bind(&self.zoom.zoom_user)
            .bind(s.id)
            .execute(&self.app.db.pool)
            .await
            .unwrap();
        s
    }

    /// Starts the session and returns the meeting's id and uuid.
    pub async fn started_meeting(&self) -> (i64, String) {
        let inst = self.app.signed_in(&self.app.instructor).await;
        assert_eq!(self.start(&inst).await.status.as_u16(), 303);
        let m = self.zoom.sim.meetings()[0].clone();
        (m.id, m.uuid)
    }

    /// Moves the live lesson to start at `starts_at` (60 minutes), as the editor does.
    pub async fn reschedule(&self, starts_at: i64) -> courses::Lesson {
        let lesson = courses::lesson(
            &self.app.db,
            SchoolId(self.app.school.id),
            CourseId(self.course_id),
            LessonId(self.lesson),
        )
        .await
        .unwrap()
        .unwrap();
        courses::update_lesson(
            &self.app.db,
            &*self.app.state.course_hooks,
            SchoolId(self.app.school.id),
            CourseId(self.course_id),
            LessonId(self.lesson),
            &live_record(&lesson, starts_at),
        )
        .await
        .unwrap();
        lesson
    }
}

/// Now in unix seconds, as Zoom stamps its webhooks.
pub fn unix_now() -> i64 {
    now_ms() / 1000
}

/// `x-zm-request-timestamp` and `x-zm-signature` for `body` signed with `secret` at `ts`.
pub fn sign_with(secret: &str, ts: i64, body: &[u8]) -> (String, String) {
    let ts = ts.to_string();
    let sig = zoom::webhook::sign(&zoom::Secret::new(secret), &ts, body);
    (ts, sig)
}

/// Unix seconds as Zoom writes times in its payloads.
pub fn zoom_time(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A meeting event as zoom-sim sends it.
pub fn meeting_event(event: &str, account: &str, m: i64, uuid: &str, at: i64) -> String {
    let mut o = serde_json::json!({
        "id": m.to_string(), "uuid": uuid, "host_id": "host", "topic": "Office hours",
        "type": 2, "start_time": zoom_time(at), "timezone": "Europe/Berlin", "duration": 60,
    });
    if event.ends_with(".ended") {
        o["end_time"] = serde_json::json!(zoom_time(at));
    }
    serde_json::json!({
        "event": event, "event_ts": at * 1000,
        "payload": {"account_id": account, "object": o},
    })
    .to_string()
}

/// A participant_joined/left event for our user `uid`, who joined from the player with
/// the `customerKey` `key`, at `at` (unix seconds).
pub fn participant_event(
    left: bool,
    account: &str,
    m: i64,
    uuid: &str,
    (uid, key): (i64, &str),
    at: i64,
) -> String {
    let mut p = serde_json::json!({
        "user_id": "16778240", "user_name": "Sam Student", "id": "",
        "participant_uuid": format!("PU-{uid}"), "email": "student@test.example",
        "registrant_id": "", "participant_user_id": "", "customer_key": key,
        "phone_number": "",
    });
    let event = if left {
        p["leave_time"] = serde_json::json!(zoom_time(at));
        p["leave_reason"] = serde_json::json!("left the meeting");
        "meeting.participant_left"
    } else {
        p["join_time"] = serde_json::json!(zoom_time(at));
        "meeting.participant_joined"
    };
    serde_json::json!({
        "event": event, "event_ts": at * 1000,
        "payload": {"account_id": account, "object": {
            "id": m.to_string(), "uuid": uuid, "host_id": "host", "topic": "Office hours",
            "type": 2, "start_time": zoom_time(at), "timezone": "Europe/Berlin", "duration": 60,
            "participant": p,
        }},
    })
    .to_string()
}

/// The live lesson `lesson` as a record starting at `starts_at` for 60 minutes.
pub fn live_record(lesson: &courses::Lesson, starts_at: i64) -> LessonRecord {
    LessonRecord {
        title: lesson.title.clone(),
        required: true,
        body: lesson.body.clone(),
        content: LessonContent::Live {
            webinar: false,
            schedule: Schedule::at(starts_at, &lesson.schedule().unwrap().timezone, 60),
        },
    }
}
