//! Live sessions (issue 5) against zoom-sim, on SQLite and PostgreSQL: exactly-once Start,
//! reconciliation after a lost answer or a crash, Zoom error classes, the join signature
//! and its access rules, webhook lifecycle and attendance.

use base64::Engine;
use lectern::accounts::Role;
use lectern::courses::{self, CourseFields, LessonKind, LessonRecord};
use lectern::db::now_ms;
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

async fn connected(b: TestAppBuilder, scopes: Option<Vec<String>>) -> (TestApp, ZoomFixture) {
    let zoom = ZoomFixture::start().await;
    let app = zoom
        .configure(b)
        .env("LECTERN_LIVE_RECONCILE_AFTER_SECS", "0")
        .start()
        .await;
    zoom.register(&app, scopes);
    let admin = app.signed_in(&app.admin).await;
    zoom.connect(&admin, "school").await.assert_status(200);
    (app, zoom)
}

/// A published course taught by the test instructor, the test student enrolled, and one
/// live lesson starting in five minutes.
async fn setup_with(b: TestAppBuilder, kind: LessonKind, scopes: Option<Vec<String>>) -> Live {
    let (app, zoom) = connected(b, scopes).await;
    let course = courses::create(
        &app.db,
        app.school.id,
        app.instructor.id,
        CourseFields {
            title: "Live course",
            description: "",
            cover_url: None,
        },
    )
    .await
    .unwrap();
    courses::set_published(&app.db, app.school.id, course.id, true)
        .await
        .unwrap();
    let lesson = courses::insert_lesson(
        &app.db,
        app.school.id,
        course.id,
        &LessonRecord {
            kind,
            title: "Office hours".into(),
            required: true,
            body: "Agenda: questions".into(),
            url: None,
            quiz_json: None,
            pass_mark: None,
            starts_at: Some(now_ms() + 5 * 60_000),
            timezone: Some("Europe/Berlin".into()),
            local_start: None,
            duration_min: Some(60),
        },
    )
    .await
    .unwrap();
    courses::progress::enroll(&app.db, app.school.id, course.id, app.student.id)
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
    pub(crate) async fn session(&self) -> lectern::live::Session {
        lectern::live::by_lesson(&self.app.db, self.app.school.id, self.lesson)
            .await
            .unwrap()
            .expect("session row")
    }
    async fn join(&self, c: &TestClient) -> (u16, serde_json::Value) {
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
            let s = lectern::live::ensure(
                &t.app.db,
                t.app.school.id,
                &courses::lesson(&t.app.db, t.app.school.id, t.course_id, t.lesson)
                    .await
                    .unwrap()
                    .unwrap(),
            )
            .await
            .unwrap();
            let conn = lectern::zoom_connection::find(
                &t.app.db,
                t.app.school.id,
                lectern::zoom_connection::Owner::School,
            )
            .await
            .unwrap()
            .unwrap();
            // The process died after Zoom created the meeting (twice, even: an old attempt's
            // duplicate exists too), before our commit.
            sqlx::query("UPDATE live_sessions SET state = 'starting', attempt = 2, starting_since = $1, connection_id = $2, zoom_host_id = $3 WHERE id = $4")
                .bind(now_ms())
                .bind(conn.id)
                .bind(&t.zoom.zoom_user)
                .bind(s.id)
                .execute(&t.app.db.pool)
                .await
                .unwrap();
            let marker = |a: i64| format!("x [lectern:{}:{}:{a}]", t.app.school.id, t.lesson);
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
                lectern::jobs::NewJob::now(
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
            let lesson = courses::lesson(&t.app.db, t.app.school.id, t.course_id, t.lesson)
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
            lectern::live::start::reconcile(&t.app.state, s.id, 1)
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
    zoom_5xx_means_try_again_and_nothing_created,
    builder
        | b
        | async move {
            let t = setup(b).await;
            t.zoom.sim.inject_fault(Fault {
                method: Some("POST".into()),
                path_prefix: "/v2/users/".into(),
                kind: FaultKind::Status(503),
                times: Some(1),
            });
            let msg = start_error(&t).await;
            assert!(msg.contains("try again"), "{msg}");
            assert!(t.zoom.sim.meetings().is_empty());
            // And it works the second time.
            let inst = t.app.signed_in(&t.app.instructor).await;
            assert!(t.start(&inst).await.location().unwrap().contains("/s/"));
            assert_eq!(t.zoom.sim.meetings().len(), 1);
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
            assert!(page.texts("#live-waiting")[0].contains("Waiting for the instructor"));
            assert!(page.attr("#live-start", "id").is_none());

            let inst = t.app.signed_in(&t.app.instructor).await;
            let started = t.start(&inst).await;
            let start_url = started.location().unwrap().to_string();
            let meeting = t.zoom.sim.meetings()[0].clone();

            // Same account as the app's owner is not configured: OBF → host must be in.
            let (_, v) = t.join(&student).await;
            assert_eq!(v["status"], "waiting");
            t.zoom.sim.host_joins(meeting.id);
            crate::support::eventually(
                "meeting.started processed",
                std::time::Duration::from_secs(10),
                || async {
                    t.app.drain_jobs().await;
                    t.session().await.host_present().then_some(())
                },
            )
            .await;
            let (st, v) = t.join(&student).await;
            assert_eq!(st, 200, "{v}");
            assert_eq!(v["status"], "ready", "{v}");
            assert_eq!(v["meetingNumber"], meeting.id.to_string());
            assert_eq!(v["customerKey"], t.app.student.id.to_string());
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
            let a = lectern::live::join::answer(&state, &s, &student)
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
            let sid = t.app.student.id.to_string();
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
                    d.iter()
                        .any(|x| x.event == "meeting.ended" && x.status == Some(200))
                        && d.iter()
                            .filter(|x| {
                                x.event == "meeting.participant_left" && x.status == Some(200)
                            })
                            .count()
                            >= 3
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
            courses::progress::enroll(&t.app.db, t.app.school.id, t.course_id, second.id)
                .await
                .unwrap();
            // The instructor starts; the host is in the meeting (start URL opened in Zoom).
            let inst = t.app.signed_in(&t.app.instructor).await;
            let r = t.start(&inst).await;
            assert!(r.location().unwrap().contains("/s/"));
            let m = t.session().await.meeting_id.unwrap();
            t.zoom.sim.host_joins(m);
            crate::support::eventually(
                "host present",
                std::time::Duration::from_secs(10),
                || async {
                    t.app.drain_jobs().await;
                    t.session().await.host_present().then_some(())
                },
            )
            .await;

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
                assert!(
                    keys.contains(&id.to_string()),
                    "customerKey {id} reached Zoom: {keys:?}"
                );
            }

            // The host ends the meeting: the players show it, the session ends.
            t.zoom.sim.end_meeting(m);
            for br in &browsers {
                br.wait_css("#zoom-sim-ended").await;
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
            let sp = t
                .app
                .signed_in(&t.app.student)
                .await
                .get(&t.lesson_url())
                .await;
            assert!(sp.texts("#live-ended")[0].contains("This session has ended"));
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
            lectern::zoom_connection::tokens::with_api(&t.app.state, &conn, |api| async move {
                api.delete_meeting(m, None).await
            })
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
            let r = t.start(&inst).await;
            assert!(r.location().unwrap().contains("/s/"));
            assert_eq!(t.creates(), 2);
            let m = t.session().await.meeting_id.unwrap();

            t.zoom.sim.host_joins(m);
            t.zoom.sim.end_meeting(m);
            t.zoom.sim.complete_recording(m);
            t.zoom
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
                    t.app.drain_jobs().await;
                    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM live_recordings")
                        .fetch_one(&t.app.db.pool)
                        .await
                        .unwrap();
                    (n > 0).then_some(())
                },
            )
            .await;
            let student = t.app.signed_in(&t.app.student).await;
            let page = student.get(&t.lesson_url()).await;
            assert!(
                !page.texts("#live-recordings a").is_empty(),
                "{}",
                page.text
            );
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
                &t.app.state,
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
