//! Live sessions against zoom-sim, on SQLite and PostgreSQL: exactly-once Start,
//! reconciliation after a lost answer or a crash, Zoom error classes, the join signature
//! and its access rules, webhook lifecycle and attendance.

use base64::Engine;
use lectern::accounts::Role;
use lectern::courses::{self, CourseFields, LessonContent, LessonKind, LessonRecord, Schedule};
use lectern::db::{CourseId, LessonId, SchoolId, now_ms};
use zoom_sim::{Fault, FaultKind, Plan};

use crate::support::zoom::ZoomFixture;
use crate::support::{TestApp, TestAppBuilder, TestClient};

pub(crate) struct Live {
    pub(crate) app: TestApp,
    pub(crate) zoom: ZoomFixture,
    pub(crate) course_slug: String,
    pub(crate) course_id: i64,
    pub(crate) lesson: i64,
}

/// The app connected to a fresh zoom-sim; `env` is applied after the simulator's own
/// settings, so it can override them (e.g. the SDK's URL).
async fn connected(
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
pub(crate) async fn seed_live_course(
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
    courses::set_published(db, school, course.id, true)
        .await
        .unwrap();
    let lesson = courses::insert_lesson(
        db,
        &lectern::live::hooks::LessonSide,
        school,
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
    (course, lesson)
}

/// A published course taught by the test instructor, the test student enrolled, and one
/// live lesson starting in five minutes.
async fn setup_with(b: TestAppBuilder, kind: LessonKind, scopes: Option<Vec<String>>) -> Live {
    setup_env(b, kind, scopes, Vec::new()).await
}

/// [`setup_with`], with configuration that overrides the simulator's.
pub(crate) async fn setup_env(
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
        app.school.id,
        course.id,
        app.student.id,
    )
    .await
    .unwrap();
    Live {
        app,
        zoom,
        course_slug: course.slug,
        course_id: course.id,
        lesson,
    }
}

pub(crate) async fn setup(b: TestAppBuilder) -> Live {
    setup_with(b, LessonKind::LiveSession, None).await
}

impl Live {
    pub(crate) async fn start(&self, c: &TestClient) -> crate::support::Resp {
        let csrf = c.csrf_for(&self.lesson_url()).await;
        c.post_form_raw(&format!("/live/{}/start", self.lesson), &[("_csrf", &csrf)])
            .await
    }
    pub(crate) fn lesson_url(&self) -> String {
        format!("/courses/{}/lessons/{}", self.course_slug, self.lesson)
    }
    /// The lesson page as the enrolled student sees it (viewing it also creates the
    /// session row).
    pub(crate) async fn student_page(&self) -> crate::support::Resp {
        self.app
            .signed_in(&self.app.student)
            .await
            .get(&self.lesson_url())
            .await
    }
    fn creates(&self) -> usize {
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
    pub(crate) async fn customer_key(&self, uid: i64) -> String {
        lectern::live::join::customer_key(
            &self.app.state.config.secret_key,
            self.session().await.id,
            uid,
        )
    }
    pub(crate) async fn session(&self) -> lectern::live::Session {
        lectern::live::by_lesson(&self.app.db, self.app.school.id, self.lesson)
            .await
            .unwrap()
            .expect("session row")
    }
    /// The host joins meeting `m` in Zoom; returns once `meeting.started` was processed.
    pub(crate) async fn host_in(&self, m: i64) {
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
    pub(crate) async fn ended_in_zoom(&self, m: i64) {
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
    pub(crate) async fn recording_collected(&self, m: i64) {
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
    pub(crate) async fn join(&self, c: &TestClient) -> (u16, serde_json::Value) {
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
}

db_test!(
    fifty_concurrent_starts_create_exactly_one_meeting,
    builder
        | b
        | async move {
            let t = setup(b).await;
            let inst = t.app.signed_in(&t.app.instructor).await;
            let csrf = inst.csrf_for(&t.lesson_url()).await;
            let path = format!("/live/{}/start", t.lesson);
            let tasks: Vec<_> = (0..50)
                .map(|_| {
                    let (c, path, csrf) = (inst.clone(), path.clone(), csrf.clone());
                    tokio::spawn(async move { c.post_form_raw(&path, &[("_csrf", &csrf)]).await })
                })
                .collect();
            let mut answers = Vec::new();
            for h in tasks {
                answers.push(h.await.unwrap());
            }
            let sim_base = t.zoom.sim.base_url();
            for a in &answers {
                assert_eq!(a.status.as_u16(), 303, "{}", a.text);
                let to = a.location().unwrap();
                assert!(to.starts_with(&sim_base) && to.contains("/s/"), "{to}");
                assert_eq!(a.header("cache-control"), Some("no-store"));
            }
            assert_eq!(t.creates(), 1, "exactly one create reached Zoom");
            let s = t.session().await;
            assert_eq!(s.state, "live");
            let meetings = t.zoom.sim.meetings();
            assert_eq!(meetings.len(), 1);
            assert_eq!(s.meeting_id, Some(meetings[0].id));
            assert!(
                meetings[0]
                    .agenda
                    .contains(&format!("[lectern:{}:{}:1]", t.app.school.id, t.lesson))
            );
            // Join URL and passcode sealed at rest; start URL nowhere.
            let raw: (Option<String>, Option<String>) = sqlx::query_as(
                "SELECT join_url_sealed, passcode_sealed FROM live_sessions WHERE id = $1",
            )
            .bind(s.id)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
            let join = s.join_url(&t.app.state.config.secret_key).unwrap();
            assert!(!raw.0.unwrap().contains(&join));
            assert!(raw.1.is_some());
            // A later click reuses the meeting with a fresh start URL.
            let again = t.start(&inst).await;
            assert_eq!(again.status.as_u16(), 303);
            assert_eq!(t.creates(), 1);
        }
);

db_test!(
    lost_create_answer_is_reconciled_to_exactly_one_meeting,
    builder
        | b
        | async move {
            let t = setup(b).await;
            t.zoom.sim.inject_fault(Fault {
                method: Some("POST".into()),
                path_prefix: "/v2/users/".into(),
                kind: FaultKind::CommitThenDrop,
                times: Some(1),
            });
            let inst = t.app.signed_in(&t.app.instructor).await;
            let r = t.start(&inst).await;
            assert_eq!(r.status.as_u16(), 303);
            assert!(r.location().unwrap().contains("/s/"), "{:?}", r.location());
            assert_eq!(t.zoom.sim.meetings().len(), 1);
            let s = t.session().await;
            assert_eq!(s.state, "live");
            assert_eq!(s.meeting_id, Some(t.zoom.sim.meetings()[0].id));
            t.app.drain_jobs().await;
            assert_eq!(
                t.zoom.sim.meetings().len(),
                1,
                "nothing orphaned, nothing deleted"
            );
        }
);

db_test!(
    crash_while_starting_is_repaired_and_duplicates_deleted,
    builder
        | b
        | async move {
            let t = setup(b).await;
            // The process died after Zoom created the meeting (twice, even: an old attempt's
            // duplicate exists too), before our commit.
            let s = t.died_while_starting(2).await;
            let marker = |a: i64| format!("[lectern:{}:{}:{a}]\n\nx", t.app.school.id, t.lesson);
            let old = t
                .zoom
                .sim
                .create_meeting(&t.zoom.zoom_user, "Office hours", &marker(1));
            let real = t
                .zoom
                .sim
                .create_meeting(&t.zoom.zoom_user, "Office hours", &marker(2));
            let mut tx = t.app.db.pool.begin().await.unwrap();
            lectern::jobs::enqueue(
                &mut tx,
                lectern::jobs::NewJob::raw(
                    "live_reconcile",
                    serde_json::json!({ "session_id": s.id, "attempt": 2 }),
                ),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            t.app.drain_jobs().await;
            let s = t.session().await;
            assert_eq!(s.state, "live");
            assert_eq!(s.meeting_id, Some(real));
            let left: Vec<i64> = t.zoom.sim.meetings().iter().map(|m| m.id).collect();
            assert_eq!(left, vec![real], "orphan {old} deleted");
            assert_eq!(t.creates(), 0);
            // Start now reuses it.
            let inst = t.app.signed_in(&t.app.instructor).await;
            assert_eq!(t.start(&inst).await.status.as_u16(), 303);
            assert_eq!(t.creates(), 0);
        }
);

db_test!(
    interrupted_start_with_nothing_in_zoom_returns_to_scheduled,
    builder
        | b
        | async move {
            let t = setup(b).await;
            let lesson = courses::lesson(
                &t.app.db,
                SchoolId(t.app.school.id),
                CourseId(t.course_id),
                LessonId(t.lesson),
            )
            .await
            .unwrap()
            .unwrap();
            let s = lectern::live::ensure(&t.app.db, t.app.school.id, &lesson)
                .await
                .unwrap();
            sqlx::query("UPDATE live_sessions SET state = 'starting', attempt = 1 WHERE id = $1")
                .bind(s.id)
                .execute(&t.app.db.pool)
                .await
                .unwrap();
            lectern::live::start::reconcile(&t.app.state.zoom_deps(), s.id, 1)
                .await
                .unwrap();
            let s = t.session().await;
            assert_eq!(s.state, "scheduled");
            let inst = t.app.signed_in(&t.app.instructor).await;
            let page = inst.get(&t.lesson_url()).await;
            assert!(
                page.texts("#live-error")[0].contains("interrupted"),
                "{:?}",
                page.texts("#live-error")
            );
            assert_eq!(t.start(&inst).await.status.as_u16(), 303);
            assert_eq!(t.creates(), 1);
        }
);

async fn start_error(t: &Live) -> String {
    let inst = t.app.signed_in(&t.app.instructor).await;
    let r = t.start(&inst).await;
    assert_eq!(r.status.as_u16(), 303, "never a 500: {}", r.text);
    let to = r.location().unwrap().to_string();
    assert!(to.starts_with(&t.lesson_url()), "{to}");
    let page = inst.get(&to).await;
    page.assert_status(200);
    assert_eq!(t.session().await.state, "scheduled");
    page.texts("#live-error").join(" ")
}

db_test!(
    missing_scopes_ask_to_reconnect_naming_them,
    builder
        | b
        | async move {
            let scopes = vec![
                "meeting:read:meeting".to_string(),
                "user:read:user".to_string(),
                "webinar:write:webinar".to_string(),
                "webinar:read:webinar".to_string(),
            ];
            let t = setup_with(b, LessonKind::LiveSession, Some(scopes)).await;
            let msg = start_error(&t).await;
            assert!(
                msg.contains("Reconnect Zoom integration with proper permissions"),
                "{msg}"
            );
            assert!(msg.contains("meeting:write"), "{msg}");
            assert!(t.zoom.sim.meetings().is_empty());
        }
);

db_test!(
    webinar_plan_missing_advises_upgrade,
    builder
        | b
        | async move {
            let t = setup_with(b, LessonKind::Webinar, None).await;
            t.zoom.sim.set_plan(&t.zoom.account, Plan::Pro, false);
            let msg = start_error(&t).await;
            assert!(msg.contains("Webinar plan is missing"), "{msg}");
            assert!(msg.contains("upgrade"), "{msg}");
        }
);

db_test!(
    host_not_allowed_to_host_says_enable_it_in_zoom_settings,
    builder
        | b
        | async move {
            let t = setup(b).await;
            // The host's license was removed in Zoom after the school connected:
            // code 3161, "not allowed meeting hosting and scheduling capabilities".
            t.zoom
                .sim
                .set_user_type(&t.zoom.zoom_user, zoom_sim::UserType::Unassigned);
            let msg = start_error(&t).await;
            assert!(msg.contains("Not enabled for your account"), "{msg}");
            assert!(msg.contains("Zoom account settings"), "{msg}");
            assert!(t.zoom.sim.meetings().is_empty());
            // Enabled again in Zoom: the next Start works.
            t.zoom
                .sim
                .set_user_type(&t.zoom.zoom_user, zoom_sim::UserType::Licensed);
            let inst = t.app.signed_in(&t.app.instructor).await;
            let r = t.start(&inst).await;
            assert!(r.location().unwrap().contains("/s/"), "{:?}", r.location());
            assert_eq!(t.creates(), 2, "one refused create, one real");
        }
);

db_test!(
    zoom_5xx_says_zoom_had_a_problem_nothing_is_created_and_a_retry_works,
    builder
        | b
        | async move {
            let t = setup(b).await;
            t.zoom.sim.inject_fault(Fault {
                method: Some("POST".into()),
                path_prefix: "/v2/users/".into(),
                kind: FaultKind::Status(502),
                times: Some(1),
            });
            let msg = start_error(&t).await;
            assert!(msg.contains("Zoom had a problem"), "{msg}");
            assert!(msg.contains("502"), "{msg}");
            assert!(msg.contains("try again"), "{msg}");
            assert!(!msg.contains("did not answer in time"), "{msg}");
            assert!(t.zoom.sim.meetings().is_empty());
            // The stored reason, under "Failed to create Zoom meeting", in both languages.
            let s = t.session().await;
            let err =
                lectern::live::errors::LiveError::from_json(s.last_error_args.as_deref().unwrap())
                    .unwrap();
            let utc = jiff::tz::TimeZone::UTC;
            let en = err.with_heading(&lectern::i18n::Tr::new("en-US"), &utc, false);
            assert!(
                en.starts_with("Failed to create Zoom meeting: Zoom had a problem"),
                "{en}"
            );
            let de = err.with_heading(&lectern::i18n::Tr::new("de"), &utc, true);
            assert!(
                de.starts_with(
                    "Zoom-Webinar konnte nicht erstellt werden: Bei Zoom ist ein Fehler"
                ),
                "{de}"
            );
            // And it works the second time.
            let inst = t.app.signed_in(&t.app.instructor).await;
            assert!(t.start(&inst).await.location().unwrap().contains("/s/"));
            assert_eq!(t.zoom.sim.meetings().len(), 1);
        }
);

db_test!(
    zoom_time_out_says_it_did_not_answer_in_time,
    builder
        | b
        | async move {
            let t = setup(b).await;
            t.zoom.sim.inject_fault(Fault {
                method: Some("POST".into()),
                path_prefix: "/v2/users/".into(),
                kind: FaultKind::Timeout,
                times: Some(1),
            });
            let msg = start_error(&t).await;
            assert!(msg.contains("did not answer in time"), "{msg}");
            assert!(!msg.contains("had a problem"), "{msg}");
            assert!(t.zoom.sim.meetings().is_empty());
        }
);

db_test!(
    daily_limit_says_when_it_resets_and_is_not_tried,
    builder
        | b
        | async move {
            let t = setup(b).await;
            let day = jiff::Timestamp::now()
                .to_zoned(jiff::tz::TimeZone::UTC)
                .date();
            sqlx::query("INSERT INTO zoom_rate_counters (counter_key, hits, expires_at) VALUES ($1, 100, $2)")
                .bind(format!("zoom:host:{}:writes:{day}", t.zoom.zoom_user))
                .bind(now_ms() + 86_400_000)
                .execute(&t.app.db.pool)
                .await
                .unwrap();
            let msg = start_error(&t).await;
            assert!(
                msg.contains("daily limit") && msg.contains("resets"),
                "{msg}"
            );
            assert_eq!(t.creates(), 0, "a daily limit is not retried");
        }
);

db_test!(
    zoom_daily_429_is_not_retried,
    builder
        | b
        | async move {
            let t = setup(b).await;
            t.zoom.sim.inject_fault(Fault {
                method: Some("POST".into()),
                path_prefix: "/v2/users/".into(),
                kind: FaultKind::RateLimited,
                times: None,
            });
            let msg = start_error(&t).await;
            assert!(!msg.is_empty());
            assert_eq!(t.creates(), 1, "one attempt only");
        }
);

fn jwt_claims(sig: &str) -> serde_json::Value {
    let payload = sig.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

db_test!(
    join_signature_only_for_enrolled_students_of_a_live_session,
    builder
        | b
        | async move {
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
                t.app.school.id,
                t.course_id,
                classmate.id,
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
);

db_test!(
    no_obf_when_the_meeting_is_in_the_apps_account,
    builder
        | b
        | async move {
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
);

db_test!(
    webhooks_drive_the_lifecycle_and_attendance,
    builder
        | b
        | async move {
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
);

db_test!(
    browser_two_students_join_embedded_and_attendance_shows,
    builder
        | b
        | async move {
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
                t.app.school.id,
                t.course_id,
                second.id,
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
);

db_test!(
    recording_shows_to_enrolled_students_only_and_deletion_in_zoom_allows_a_new_start,
    builder
        | b
        | async move {
            let t = setup(b).await;
            let inst = t.app.signed_in(&t.app.instructor).await;
            t.start(&inst).await;
            let m = t.session().await.meeting_id.unwrap();

            // Deleted in Zoom before it started: the lesson says so, Start creates a new one.
            let conn = lectern::zoom_connection::find(
                &t.app.db,
                t.app.school.id,
                lectern::zoom_connection::Owner::School,
            )
            .await
            .unwrap()
            .unwrap();
            lectern::zoom_connection::tokens::with_api(
                &t.app.state.zoom_deps(),
                &conn,
                |api| async move { api.delete_meeting(m, None).await },
            )
            .await
            .unwrap();
            let r = t.start(&inst).await;
            assert!(
                r.location()
                    .unwrap()
                    .contains("live_error=live-error-meeting-deleted"),
                "{:?}",
                r.location()
            );
            let page = inst.get(&t.lesson_url()).await;
            assert!(page.texts("#live-deleted-in-zoom")[0].contains("deleted in Zoom"));
            // Zoom's 404 was about that meeting, not the connection: its health stays clean.
            let conn_now = lectern::zoom_connection::by_id(&t.app.db, conn.id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(conn_now.last_error, None);
            let r = t.start(&inst).await;
            assert!(r.location().unwrap().contains("/s/"));
            assert_eq!(t.creates(), 2);
            let m = t.session().await.meeting_id.unwrap();

            t.zoom.sim.host_joins(m);
            t.zoom.sim.end_meeting(m);
            t.recording_collected(m).await;
            let student = t.app.signed_in(&t.app.student).await;
            let page = student.get(&t.lesson_url()).await;
            assert!(
                !page.texts("#live-recordings a").is_empty(),
                "{}",
                page.text
            );
            // The play link carries the recording's passcode and opens in Zoom; the
            // passcode is sealed at rest.
            let link = page.attr("#live-recordings a", "href").unwrap();
            assert!(
                link.contains("/rec/play/") && link.contains("?pwd="),
                "{link}"
            );
            let played = reqwest::get(&link).await.unwrap();
            assert_eq!(played.status().as_u16(), 200, "{link}");
            let pwd = link.split("pwd=").nth(1).unwrap().to_string();
            let sealed: Vec<Option<String>> =
                sqlx::query_scalar("SELECT play_passcode_sealed FROM live_recordings")
                    .fetch_all(&t.app.db.pool)
                    .await
                    .unwrap();
            assert!(
                sealed
                    .iter()
                    .all(|s| s.as_deref().is_some_and(|s| !s.contains(&pwd)))
            );
            let stored: Vec<String> = sqlx::query_scalar(
                "SELECT payload FROM zoom_events WHERE event = 'recording.completed'",
            )
            .fetch_all(&t.app.db.pool)
            .await
            .unwrap();
            assert!(!stored.is_empty());
            assert!(
                stored
                    .iter()
                    .all(|b| !b.contains(&pwd) && !b.contains("download_token")),
                "the stored webhook body keeps no passcode or download token"
            );
            // Download goes through us (Zoom's link needs the school's token): the file's
            // bytes arrive as an attachment, and the token appears nowhere in the page.
            let dl = page.attr(".live-recording-download", "href").unwrap();
            assert!(
                dl.starts_with(&format!("/live/{}/recordings/", t.lesson)),
                "{dl}"
            );
            let file_id: String =
                sqlx::query_scalar("SELECT file_id FROM live_recordings ORDER BY id LIMIT 1")
                    .fetch_one(&t.app.db.pool)
                    .await
                    .unwrap();
            let got = student.get(&dl).await;
            assert_eq!(got.status.as_u16(), 200, "{}", got.text);
            assert!(
                got.headers["content-disposition"]
                    .to_str()
                    .unwrap()
                    .starts_with("attachment;")
            );
            assert!(
                got.text
                    .starts_with(&format!("zoom-sim recording {file_id}"))
            );
            assert!(!page.text.contains("access_token") && !page.text.contains("Bearer"));
            // Zoom failing: "try again" on a branded page, never a 500.
            t.zoom.sim.inject_fault(Fault {
                method: Some("GET".into()),
                path_prefix: "/rec/download/".into(),
                kind: FaultKind::Status(503),
                times: Some(1),
            });
            let failed = student.get(&dl).await;
            assert_eq!(failed.status.as_u16(), 502);
            assert!(
                failed.text.contains("can’t be downloaded right now"),
                "{}",
                failed.text
            );
            assert!(
                failed.text.to_lowercase().contains("try again"),
                "{}",
                failed.text
            );
            assert_eq!(student.get(&dl).await.status.as_u16(), 200, "works again");
            // An unknown file is a 404, not a call to Zoom.
            let missing = student
                .get(&format!("/live/{}/recordings/no-such-file", t.lesson))
                .await;
            assert_eq!(missing.status.as_u16(), 404);
            // Not enrolled: no player, no recording.
            let other = t
                .app
                .create_user(t.app.school.id, "o@test.example", "O", Role::Student)
                .await;
            let other = t.app.signed_in(&other).await;
            let r = other.get(&t.lesson_url()).await;
            assert!(r.texts("#live-recordings a").is_empty());
            assert_ne!(r.status.as_u16(), 200);
        }
);

db_test!(
    start_uses_the_host_recorded_on_the_lesson,
    builder
        | b
        | async move {
            let mut scopes: Vec<String> = lectern::zoom_connection::scopes::needed()
                .iter()
                .map(|s| s.to_string())
                .collect();
            scopes.extend([
                "user:read:list_users:admin".to_string(),
                "meeting:write:meeting:admin".to_string(),
                "meeting:read:list_meetings:admin".to_string(),
            ]);
            let t = setup_with(b, LessonKind::LiveSession, Some(scopes)).await;
            // A second instructor, a user of the same Zoom account, scheduled the lesson.
            let second_zoom = t.zoom.sim.create_user(
                &t.zoom.account,
                "second@test.example",
                "Sid",
                "Second",
                zoom_sim::UserType::Licensed,
            );
            let second = t
                .app
                .create_user(
                    t.app.school.id,
                    "second@test.example",
                    "Sid Second",
                    Role::Instructor,
                )
                .await;
            let host = lectern::zoom_connection::hosts::resolve(
                &t.app.state.zoom_deps(),
                t.app.school.id,
                second.id,
                &second.email,
            )
            .await
            .expect("second instructor is in the Zoom account");
            assert_eq!(host.zoom_user_id, second_zoom);
            courses::set_lesson_host(
                &t.app.db,
                t.app.school.id,
                t.lesson,
                Some(&courses::LessonHost {
                    user_id: second.id,
                    host,
                }),
            )
            .await
            .unwrap();

            // The course's other instructor presses Start: the meeting belongs to the recorded host.
            let teacher = t.app.signed_in(&t.app.instructor).await;
            let r = t.start(&teacher).await;
            assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
            let meetings = t.zoom.sim.meetings();
            assert_eq!(meetings.len(), 1);
            assert_eq!(
                meetings[0].host_id, second_zoom,
                "created for the lesson's host"
            );
            assert_eq!(
                t.session().await.zoom_host_id.as_deref(),
                Some(second_zoom.as_str())
            );
        }
);

db_test!(
    cancelling_a_session_with_a_zoom_meeting_enqueues_its_deletion,
    builder
        | b
        | async move {
            let t = setup(b).await;
            let teacher = t.app.signed_in(&t.app.instructor).await;
            // The session row exists once the player was shown; link a meeting to it.
            teacher.get(&t.lesson_url()).await.assert_status(200);
            let s = t.session().await;
            sqlx::query(
                "UPDATE live_sessions SET meeting_id = 987654321, connection_id = (SELECT MIN(id) FROM zoom_connections) WHERE id = $1",
            )
            .bind(s.id)
            .execute(&t.app.db.pool)
            .await
            .unwrap();
            teacher
                .post_form(&format!("/live/{}/cancel", t.lesson), &[])
                .await
                .assert_redirect_to(&t.lesson_url());
            assert_eq!(t.session().await.state, "cancelled");
            let payload: String =
                sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = 'live_delete_meeting'")
                    .fetch_one(&t.app.db.pool)
                    .await
                    .unwrap();
            let p: serde_json::Value = serde_json::from_str(&payload).unwrap();
            assert_eq!(p["meeting_id"], 987654321);
            assert_eq!(p["session_id"], s.id);
            // A cancelled session can't be started.
            let r = t.start(&teacher).await;
            assert!(r.status.is_redirection() || r.status.is_client_error());
            assert_eq!(t.session().await.state, "cancelled");
            assert_eq!(t.creates(), 0, "no meeting created for a cancelled session");
        }
);

// ---- Robustness: webhooks (signature, replay, order, bad bodies) and Start races ----

fn unix_now() -> i64 {
    now_ms() / 1000
}

/// `x-zm-request-timestamp` and `x-zm-signature` for `body` signed with `secret` at `ts`.
fn sign_with(secret: &str, ts: i64, body: &[u8]) -> (String, String) {
    let ts = ts.to_string();
    let sig = zoom::webhook::sign(&zoom::Secret::new(secret), &ts, body);
    (ts, sig)
}

impl Live {
    async fn post_hook(&self, body: &[u8], ts: &str, sig: &str) -> (u16, String) {
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
    async fn hook(&self, body: &str) -> u16 {
        let (ts, sig) = sign_with(&self.zoom.webhook_secret, unix_now(), body.as_bytes());
        self.post_hook(body.as_bytes(), &ts, &sig).await.0
    }
    async fn stored(&self, event: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM zoom_events WHERE event = $1")
            .bind(event)
            .fetch_one(&self.app.db.pool)
            .await
            .unwrap()
    }
    /// The session as a process that died in Start leaves it: `starting` with `attempt`,
    /// the school's connection and host recorded, nothing linked.
    pub(crate) async fn died_while_starting(&self, attempt: i64) -> lectern::live::Session {
        let lesson = courses::lesson(
            &self.app.db,
            SchoolId(self.app.school.id),
            CourseId(self.course_id),
            LessonId(self.lesson),
        )
        .await
        .unwrap()
        .unwrap();
        let s = lectern::live::ensure(&self.app.db, self.app.school.id, &lesson)
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
    async fn started_meeting(&self) -> (i64, String) {
        let inst = self.app.signed_in(&self.app.instructor).await;
        assert_eq!(self.start(&inst).await.status.as_u16(), 303);
        let m = self.zoom.sim.meetings()[0].clone();
        (m.id, m.uuid)
    }
}

fn zoom_time(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .unwrap()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

/// A meeting event as zoom-sim sends it.
fn meeting_event(event: &str, account: &str, m: i64, uuid: &str, at: i64) -> String {
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
fn participant_event(
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

db_test!(
    webhook_valid_signature_is_accepted_and_stored,
    builder
        | b
        | async move {
            let t = setup(b).await;
            let body = meeting_event("meeting.started", &t.zoom.account, 4242, "U-1", unix_now());
            assert_eq!(t.hook(&body).await, 200);
            assert_eq!(t.stored("meeting.started").await, 1);
        }
);

db_test!(
    webhook_tampered_body_is_401_and_not_stored,
    builder
        | b
        | async move {
            let t = setup(b).await;
            let body = meeting_event("meeting.ended", &t.zoom.account, 4242, "U-1", unix_now());
            let (ts, sig) = sign_with(&t.zoom.webhook_secret, unix_now(), body.as_bytes());
            let tampered = body.replace("4242", "4243");
            assert_eq!(t.post_hook(tampered.as_bytes(), &ts, &sig).await.0, 401);
            assert_eq!(t.stored("meeting.ended").await, 0);
        }
);

db_test!(
    webhook_wrong_secret_is_401,
    builder
        | b
        | async move {
            let t = setup(b).await;
            let body = meeting_event("meeting.ended", &t.zoom.account, 4242, "U-1", unix_now());
            let (ts, sig) = sign_with("not-the-secret", unix_now(), body.as_bytes());
            assert_eq!(t.post_hook(body.as_bytes(), &ts, &sig).await.0, 401);
            // No signature at all is 401 too.
            let (ts, _) = sign_with(&t.zoom.webhook_secret, unix_now(), body.as_bytes());
            let r = reqwest::Client::new()
                .post(format!("{}/webhooks/zoom", t.app.base_url))
                .header("x-zm-request-timestamp", ts)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 401);
            assert_eq!(t.stored("meeting.ended").await, 0);
        }
);

db_test!(
    webhook_stale_timestamp_is_401,
    builder
        | b
        | async move {
            let t = setup(b).await;
            let body = meeting_event("meeting.ended", &t.zoom.account, 4242, "U-1", unix_now());
            // Correctly signed, but an hour old (a replay).
            let (ts, sig) = sign_with(&t.zoom.webhook_secret, unix_now() - 3600, body.as_bytes());
            assert_eq!(t.post_hook(body.as_bytes(), &ts, &sig).await.0, 401);
            assert_eq!(t.stored("meeting.ended").await, 0);
        }
);

db_test!(
    webhook_url_validation_is_answered,
    builder
        | b
        | async move {
            let t = setup(b).await;
            let body = serde_json::json!({
                "event": "endpoint.url_validation", "event_ts": now_ms(),
                "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
            })
            .to_string();
            let (ts, sig) = sign_with(&t.zoom.webhook_secret, unix_now(), body.as_bytes());
            let (status, text) = t.post_hook(body.as_bytes(), &ts, &sig).await;
            assert_eq!(status, 200, "{text}");
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            let want = zoom::webhook::url_validation_response(
                &zoom::Secret::new(t.zoom.webhook_secret.as_str()),
                "qgg8vlvZRS6UYooatFL8Aw",
            );
            assert_eq!(v["plainToken"], "qgg8vlvZRS6UYooatFL8Aw");
            assert_eq!(v["encryptedToken"], want.encrypted_token.as_str());
        }
);

db_test!(
    webhook_garbage_is_400_and_oversized_is_413,
    builder
        | b
        | async move {
            let t = setup(b).await;
            // Correctly signed bytes that are not an event.
            for garbage in [&b"\xff\xfe\x00garbage{{"[..], b"{\"event\":", b"[]", b""] {
                let (ts, sig) = sign_with(&t.zoom.webhook_secret, unix_now(), garbage);
                let (status, _) = t.post_hook(garbage, &ts, &sig).await;
                assert_eq!(status, 400, "{:?}", String::from_utf8_lossy(garbage));
            }
            let big = vec![b'a'; 2 * 1024 * 1024];
            let (ts, sig) = sign_with(&t.zoom.webhook_secret, unix_now(), &big);
            let (status, _) = t.post_hook(&big, &ts, &sig).await;
            assert_eq!(status, 413);
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM zoom_events")
                .fetch_one(&t.app.db.pool)
                .await
                .unwrap();
            let before_sim: i64 = n;
            // Still healthy afterwards, and nothing was stored from the bad bodies.
            let h = reqwest::get(format!("{}/healthz", t.app.base_url))
                .await
                .unwrap();
            assert!(h.status().is_success());
            let again: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM zoom_events")
                .fetch_one(&t.app.db.pool)
                .await
                .unwrap();
            assert_eq!(before_sim, again);
        }
);

db_test!(
    webhook_duplicate_delivery_changes_nothing_twice,
    builder
        | b
        | async move {
            let t = setup(b).await;
            let (m, uuid) = t.started_meeting().await;
            t.app.drain_jobs().await;
            let at = unix_now() - 120;
            let uid = t.app.student.id;
            let key = t.customer_key(uid).await;
            let join = participant_event(false, &t.zoom.account, m, &uuid, (uid, &key), at);
            let leave = participant_event(true, &t.zoom.account, m, &uuid, (uid, &key), at + 60);
            let ended = meeting_event("meeting.ended", &t.zoom.account, m, &uuid, at + 90);
            for body in [&join, &leave, &ended] {
                assert_eq!(t.hook(body).await, 200);
                assert_eq!(t.hook(body).await, 200, "a retry is acknowledged too");
            }
            t.app.drain_jobs().await;
            // Deliveries after processing are still no-ops.
            for body in [&join, &leave, &ended] {
                assert_eq!(t.hook(body).await, 200);
            }
            t.app.drain_jobs().await;
            assert_eq!(t.stored("meeting.participant_joined").await, 1);
            assert_eq!(t.stored("meeting.participant_left").await, 1);
            assert_eq!(t.stored("meeting.ended").await, 1);
            let s = t.session().await;
            assert_eq!(s.state, "ended");
            let rows: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM live_attendance_events WHERE session_id = $1 AND user_id = $2",
            )
            .bind(s.id)
            .bind(uid)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
            assert_eq!(rows, 2);
            let a = lectern::live::attendance::attendees(&t.app.db, &s)
                .await
                .unwrap();
            let me = a.iter().find(|a| a.user_id == Some(uid)).expect("attended");
            assert_eq!(me.segments, vec![(at * 1000, (at + 60) * 1000)]);
            let jobs: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'live_delete_meeting'")
                    .fetch_one(&t.app.db.pool)
                    .await
                    .unwrap();
            assert_eq!(jobs, 1, "one deletion scheduled");
        }
);

db_test!(
    a_student_who_edits_the_customer_key_marks_nobody_else_present,
    builder
        | b
        | async move {
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
                t.app.school.id,
                t.course_id,
                classmate.id,
            )
            .await
            .unwrap();
            let (m, uuid) = t.started_meeting().await;
            t.app.drain_jobs().await;
            let at = unix_now() - 600;
            let me = t.app.student.id;
            // Today's key is not the plain id any more; the attacker tries the classmate's
            // id, the admin's, a made-up MAC, and their own key for another session.
            let other_session_key = lectern::live::join::customer_key(
                &t.app.state.config.secret_key,
                999_999,
                classmate.id,
            );
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
);

db_test!(
    an_event_signed_right_but_from_another_zoom_account_changes_nothing,
    builder
        | b
        | async move {
            // Meeting ids are unique only within Zoom's accounts: another account's
            // "meeting.ended" (or a forged one) with our meeting's id must not end it,
            // nor mark anyone present.
            let t = setup(b).await;
            let (m, uuid) = t.started_meeting().await;
            t.app.drain_jobs().await;
            let at = unix_now() - 60;
            let key = t.customer_key(t.app.student.id).await;
            for body in [
                participant_event(
                    false,
                    "other-account",
                    m,
                    &uuid,
                    (t.app.student.id, &key),
                    at,
                ),
                meeting_event("meeting.started", "other-account", m, &uuid, at),
                meeting_event("meeting.ended", "other-account", m, &uuid, at + 5),
                meeting_event("meeting.deleted", "other-account", m, &uuid, at + 6),
            ] {
                assert_eq!(t.hook(&body).await, 200, "acknowledged, then ignored");
            }
            t.app.drain_jobs().await;
            let s = t.session().await;
            assert_eq!(s.state, "live");
            assert_eq!(s.meeting_id, Some(m), "not forgotten as deleted");
            assert!(!s.host_present());
            let rows: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM live_attendance_events WHERE session_id = $1",
            )
            .bind(s.id)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
            assert_eq!(rows, 0);
            // The same events from the session's own account do count.
            let ended = meeting_event("meeting.ended", &t.zoom.account, m, &uuid, at + 10);
            assert_eq!(t.hook(&ended).await, 200);
            t.app.drain_jobs().await;
            assert_eq!(t.session().await.state, "ended");
        }
);

db_test!(
    a_processed_meeting_created_body_keeps_no_passcode_or_link,
    builder
        | b
        | async move {
            let t = setup(b).await;
            let (m, uuid) = t.started_meeting().await;
            let body = serde_json::json!({
                "event": "meeting.created", "event_ts": unix_now() * 1000,
                "payload": {"account_id": t.zoom.account, "operator": "host@example.com", "object": {
                    "id": m, "uuid": uuid, "topic": "Office hours", "password": "PASS-123",
                    "encrypted_password": "ENC-456", "join_url": format!("https://zoom.us/j/{m}?pwd=ENC-456"),
                    "start_url": format!("https://zoom.us/s/{m}?zak=ZAK-789"),
                    "settings": {"pstn_password": "PSTN-1", "h323_password": "H323-2"},
                }},
            })
            .to_string();
            assert_eq!(t.hook(&body).await, 200);
            t.app.drain_jobs().await;
            // Ours and zoom-sim's own (sent when Start created the meeting), both processed.
            let rows: Vec<(String, Option<i64>)> = sqlx::query_as(
                "SELECT payload, processed_at FROM zoom_events WHERE event = 'meeting.created'",
            )
            .fetch_all(&t.app.db.pool)
            .await
            .unwrap();
            assert!(rows.iter().any(|(p, _)| p.contains("Office hours")));
            let sim_passcode = t.zoom.sim.meeting(m).unwrap().password;
            for (payload, processed) in &rows {
                assert!(processed.is_some());
                for secret in ["PASS-123", "ENC-456", "ZAK-789", "PSTN-1", "H323-2", "pwd="]
                    .into_iter()
                    .chain([sim_passcode.as_str()])
                {
                    assert!(!payload.contains(secret), "{secret} kept in {payload}");
                }
            }
        }
);

db_test!(
    webhook_out_of_order_events_end_in_the_right_state,
    builder
        | b
        | async move {
            let t = setup(b).await;
            let (m, uuid) = t.started_meeting().await;
            t.app.drain_jobs().await;
            let at = unix_now() - 600;
            let uid = t.app.student.id;
            let key = t.customer_key(uid).await;
            // Left before joined, each processed before the next arrives.
            let leave = participant_event(true, &t.zoom.account, m, &uuid, (uid, &key), at + 300);
            assert_eq!(t.hook(&leave).await, 200);
            t.app.drain_jobs().await;
            let join = participant_event(false, &t.zoom.account, m, &uuid, (uid, &key), at + 60);
            assert_eq!(t.hook(&join).await, 200);
            t.app.drain_jobs().await;
            // Ended before started.
            let ended = meeting_event("meeting.ended", &t.zoom.account, m, &uuid, at + 400);
            assert_eq!(t.hook(&ended).await, 200);
            t.app.drain_jobs().await;
            let started = meeting_event("meeting.started", &t.zoom.account, m, &uuid, at);
            assert_eq!(t.hook(&started).await, 200);
            t.app.drain_jobs().await;
            let s = t.session().await;
            assert_eq!(
                s.state, "ended",
                "a late started does not revive the session"
            );
            let a = lectern::live::attendance::attendees(&t.app.db, &s)
                .await
                .unwrap();
            let me = a.iter().find(|a| a.user_id == Some(uid)).expect("attended");
            assert_eq!(me.segments, vec![((at + 60) * 1000, (at + 300) * 1000)]);
            assert_eq!(me.minutes(), 4);
        }
);

db_test!(
    start_racing_across_two_app_instances_creates_one_meeting,
    builder
        | b
        | async move {
            let t = setup(b).await;
            // A second instance on the same database: its own pool, Zoom client and locks,
            // serving HTTP on its own port.
            let second = t.app.second_instance().await;
            let base2 = second.base_url.clone();
            let inst = t.app.signed_in(&t.app.instructor).await;
            let csrf = inst.csrf_for(&t.lesson_url()).await;
            // The same browser session, sent to either instance.
            let cookies = format!(
                "lectern_session={}; lectern_csrf={}",
                inst.cookie("lectern_session").unwrap(),
                inst.cookie("lectern_csrf").unwrap()
            );
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(30));
            let mut tasks = Vec::new();
            for i in 0..30 {
                let base = if i % 2 == 0 {
                    t.app.base_url.clone()
                } else {
                    base2.clone()
                };
                let (http, cookies, csrf, barrier) =
                    (http.clone(), cookies.clone(), csrf.clone(), barrier.clone());
                let path = format!("{base}/live/{}/start", t.lesson);
                tasks.push(tokio::spawn(async move {
                    barrier.wait().await;
                    let r = http
                        .post(path)
                        .header("cookie", cookies)
                        .form(&[("_csrf", csrf.as_str())])
                        .send()
                        .await
                        .unwrap();
                    (
                        r.status().as_u16(),
                        r.headers()
                            .get("location")
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default()
                            .to_string(),
                    )
                }));
            }
            let sim_base = t.zoom.sim.base_url();
            for h in tasks {
                let (status, to) = h.await.unwrap();
                assert_eq!(status, 303);
                assert!(to.starts_with(&sim_base) && to.contains("/s/"), "{to}");
            }
            assert_eq!(t.creates(), 1, "exactly one create across two instances");
            assert_eq!(t.zoom.sim.meetings().len(), 1);
            let s = t.session().await;
            assert_eq!(s.state, "live");
            assert_eq!(s.meeting_id, Some(t.zoom.sim.meetings()[0].id));
            second.stop().await;
        }
);

db_test!(
    killing_the_process_while_starting_ends_with_one_linked_meeting_after_restart,
    builder
        | b
        | async move {
            use crate::support::bin::{self, Proc};
            let db = crate::support::TestDb::new(b.kind()).await;
            let zoom = ZoomFixture::start().await;
            let port = bin::free_port();
            let base = format!("http://127.0.0.1:{port}");
            let env: Vec<(&str, String)> = vec![
                ("LECTERN_SECRET_KEY", lectern::config::generate_secret_key()),
                ("DATABASE_URL", db.url.clone()),
                ("LECTERN_BIND", format!("127.0.0.1:{port}")),
                ("LECTERN_BASE_URL", base.clone()),
                ("LECTERN_LOG", "warn".into()),
                ("LECTERN_LIVE_RECONCILE_AFTER_SECS", "5".into()),
                ("ZOOM_CLIENT_ID", zoom.client_id.clone()),
                ("ZOOM_CLIENT_SECRET", zoom.client_secret.clone()),
                ("ZOOM_WEBHOOK_SECRET_TOKEN", zoom.webhook_secret.clone()),
                ("ZOOM_OAUTH_BASE", zoom.sim.base_url()),
                ("ZOOM_API_BASE", zoom.sim.api_base()),
                ("ZOOM_SDK_URL", zoom.sim.sdk_base_url()),
            ];
            let serve = || {
                let mut c = bin::lectern(&["serve", "--migrate"]);
                for (k, v) in &env {
                    c.env(k, v);
                }
                Proc::spawn(c)
            };
            let mut first = serve();
            first.wait_ready(&base).await;

            // Seed through the library on the same database.
            let conn = db.connect().await;
            let school = lectern::schools::create(
                &conn,
                lectern::schools::NewSchool {
                    slug: "kill",
                    name: "Kill School",
                    is_default: true,
                },
            )
            .await
            .unwrap();
            let pw = "kill-test-password-1";
            let user = |email: &'static str, role| lectern::accounts::NewUser {
                school_id: school,
                email,
                display_name: email,
                password: pw,
                role,
                timezone: "Europe/Berlin",
                language: None,
            };
            lectern::accounts::create_user(&conn, user("admin@kill.test", Role::Admin))
                .await
                .unwrap();
            let instructor = lectern::accounts::create_user(
                &conn,
                user("instructor@test.example", Role::Instructor),
            )
            .await
            .unwrap();
            let (course, lesson) =
                seed_live_course(&conn, school, instructor, LessonKind::LiveSession, "Killed")
                    .await;
            zoom.register_at(&base, None);
            let admin = TestClient::new(&base);
            admin.signin("admin@kill.test", pw).await;
            zoom.connect(&admin, "school").await.assert_status(200);

            // Meeting create answers only after 3 s; the process dies while `starting`.
            zoom.sim.inject_fault(Fault {
                method: Some("POST".into()),
                path_prefix: "/v2/users/".into(),
                kind: FaultKind::Latency(std::time::Duration::from_secs(3)),
                times: Some(1),
            });
            let inst = TestClient::new(&base);
            inst.signin("instructor@test.example", pw).await;
            let lesson_path = format!("/courses/{}/lessons/{lesson}", course.slug);
            let csrf = inst.csrf_for(&lesson_path).await;
            let starting = {
                let inst = inst.clone();
                let path = format!("/live/{lesson}/start");
                tokio::spawn(async move { inst.post_form_raw(&path, &[("_csrf", &csrf)]).await })
            };
            crate::support::eventually("starting", std::time::Duration::from_secs(5), || async {
                let s = lectern::live::by_lesson(&conn, school, lesson)
                    .await
                    .unwrap();
                s.filter(|s| s.state == "starting").map(|_| ())
            })
            .await;
            let status = std::process::Command::new("kill")
                .args(["-KILL", &first.pid().to_string()])
                .status()
                .unwrap();
            assert!(status.success());
            starting.abort();
            let s = lectern::live::by_lesson(&conn, school, lesson)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(s.state, "starting", "the dead process never committed");
            assert_eq!(s.meeting_id, None);
            drop(first);
            // The create was in flight when the caller died; zoom-sim drops it with the
            // connection, so Zoom holds nothing for this lesson.
            tokio::time::sleep(std::time::Duration::from_secs(4)).await;
            assert!(zoom.sim.meetings().is_empty(), "{:?}", zoom.sim.meetings());

            // Restart: the reconcile job (scheduled in the Start transaction) finds no
            // meeting by its marker and returns the session to `scheduled`.
            let mut second = serve();
            second.wait_ready(&base).await;
            let back = crate::support::eventually(
                "reconciled after restart",
                std::time::Duration::from_secs(20),
                || async {
                    let s = lectern::live::by_lesson(&conn, school, lesson)
                        .await
                        .unwrap()?;
                    (s.state != "starting").then_some(s)
                },
            )
            .await;
            assert_eq!(back.state, "scheduled", "{back:?}");
            assert_eq!(back.meeting_id, None);
            // Start works again: exactly one meeting, linked, nothing orphaned.
            let again = inst.post_form(&format!("/live/{lesson}/start"), &[]).await;
            assert_eq!(again.status.as_u16(), 303, "{}", again.text);
            let meetings = zoom.sim.meetings();
            assert_eq!(meetings.len(), 1, "none orphaned: {meetings:?}");
            let linked = lectern::live::by_lesson(&conn, school, lesson)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(linked.state, "live", "{linked:?}");
            assert_eq!(
                linked.meeting_id,
                Some(meetings[0].id),
                "the one meeting is linked"
            );
            let creates = zoom
                .sim
                .requests()
                .iter()
                .filter(|r| r.method == "POST" && r.path.ends_with("/meetings"))
                .count();
            assert_eq!(creates, 1, "only the new attempt completed in Zoom");
            let (code, _, stderr) = second.terminate().await;
            assert_eq!(code, Some(0), "{stderr}");
        }
);

/// The live lesson `lesson` as a record starting at `starts_at` for 60 minutes.
fn live_record(lesson: &courses::Lesson, starts_at: i64) -> LessonRecord {
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

impl Live {
    /// Moves the live lesson to start at `starts_at` (60 minutes), as the editor does.
    pub(crate) async fn reschedule(&self, starts_at: i64) -> courses::Lesson {
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

    /// Queued expiry jobs due after now and within `minutes`.
    async fn expiries_due_within(&self, minutes: i64) -> i64 {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM jobs
             WHERE kind = 'live_expire_unstarted' AND state = 'queued' AND run_at > $1
               AND run_at <= $2",
        )
        .bind(now_ms())
        .bind(now_ms() + minutes * 60_000)
        .fetch_one(&self.app.db.pool)
        .await
        .unwrap()
    }
}

db_test!(
    a_session_nobody_started_ends_after_its_grace_and_a_new_time_schedules_it_again,
    builder
        | b
        | async move {
            let t = setup(b).await;
            // Viewed once (the session row exists), then moved three hours into the past:
            // its end (−2 h) and grace (30 min) are over.
            t.student_page().await;
            assert_eq!(t.session().await.state, "scheduled");
            let lesson = t.reschedule(now_ms() - 3 * 3_600_000).await;
            // A second one, created in the past and never viewed (no session row yet).
            let unseen = courses::insert_lesson(
                &t.app.db,
                &*t.app.state.course_hooks,
                t.app.school.id,
                t.course_id,
                &live_record(&lesson, now_ms() - 3 * 3_600_000),
            )
            .await
            .unwrap();
            t.app.drain_jobs().await;
            let s = t.session().await;
            assert_eq!(s.state, "ended");
            assert!(s.meeting_id.is_none() && s.ended_at.is_some());
            let s2 = lectern::live::by_lesson(&t.app.db, t.app.school.id, unseen)
                .await
                .unwrap()
                .expect("row created ended");
            assert_eq!(s2.state, "ended");
            let page = t.student_page().await;
            assert_eq!(
                page.texts("#live-did-not-take-place"),
                ["This session did not take place."],
                "nobody started it: not 'ended'"
            );

            // Moved to five minutes from now: scheduled again, and Start creates the meeting.
            t.reschedule(now_ms() + 5 * 60_000).await;
            t.app.drain_jobs().await;
            assert_eq!(t.session().await.state, "scheduled");
            let inst = t.app.signed_in(&t.app.instructor).await;
            let r = t.start(&inst).await;
            assert!(r.location().unwrap().contains("/s/"), "{:?}", r.location());
            assert_eq!(t.creates(), 1);
            assert_eq!(t.session().await.state, "live");

            // A session that really took place and was ended by Zoom stays ended when its
            // lesson is moved: only expired ones come back.
            let m = t.session().await.meeting_id.unwrap();
            t.host_in(m).await;
            t.zoom.sim.end_meeting(m);
            crate::support::eventually("ended", std::time::Duration::from_secs(10), || async {
                t.app.drain_jobs().await;
                (t.session().await.state == "ended").then_some(())
            })
            .await;
            t.reschedule(now_ms() + 24 * 3_600_000).await;
            t.app.drain_jobs().await;
            assert_eq!(t.session().await.state, "ended");
        }
);

db_test!(
    a_session_within_its_grace_is_not_ended_early,
    builder
        | b
        | async move {
            let t = setup(b).await;
            // Ended ten minutes ago; the grace runs another twenty.
            t.reschedule(now_ms() - 70 * 60_000).await;
            t.app.drain_jobs().await;
            let s = lectern::live::by_lesson(&t.app.db, t.app.school.id, t.lesson)
                .await
                .unwrap();
            assert!(s.is_none_or(|s| s.state == "scheduled"));
            assert_eq!(
                t.expiries_due_within(20).await,
                1,
                "the expiry waits for the grace to pass"
            );
        }
);

db_test!(
    a_session_still_starting_at_its_deadline_is_looked_at_again_after_reconciliation,
    builder
        | b
        | async move {
            let t = setup(b).await;
            t.student_page().await;
            // A Start whose answer never came is still open when the grace runs out.
            sqlx::query("UPDATE live_sessions SET state = 'starting', starting_since = $1")
                .bind(now_ms())
                .execute(&t.app.db.pool)
                .await
                .unwrap();
            t.reschedule(now_ms() - 3 * 3_600_000).await;
            t.app.drain_jobs().await;
            assert_eq!(
                t.session().await.state,
                "starting",
                "reconciliation decides"
            );
            assert_eq!(
                t.expiries_due_within(10).await,
                1,
                "the expiry looks again after reconciliation"
            );
            // Reconciliation found nothing in Zoom: back to scheduled. The next look ends it.
            sqlx::query("UPDATE live_sessions SET state = 'scheduled', starting_since = NULL")
                .execute(&t.app.db.pool)
                .await
                .unwrap();
            sqlx::query("UPDATE jobs SET run_at = 0 WHERE kind = 'live_expire_unstarted' AND state = 'queued'")
                .execute(&t.app.db.pool)
                .await
                .unwrap();
            t.app.drain_jobs().await;
            assert_eq!(t.session().await.state, "ended");
        }
);
