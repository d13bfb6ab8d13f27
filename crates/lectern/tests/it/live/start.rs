//! Start is exactly-once: one meeting however many clicks or instances race, made for the
//! lesson's recorded host; and every class of Zoom error at Start says what to do, never a
//! 500, leaving the session scheduled.

use lectern::accounts::Role;
use lectern::courses::{self, LessonKind};
use lectern::db::{LessonId, SchoolId, now_ms};
use zoom_sim::{Fault, FaultKind, Plan};

use crate::support::TestAppBuilder;
use crate::support::live::{Live, setup, setup_with};

db_test!(fifty_concurrent_starts_create_exactly_one_meeting);
async fn fifty_concurrent_starts_create_exactly_one_meeting(b: TestAppBuilder) {
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
    let raw: (Option<String>, Option<String>) =
        sqlx::query_as("SELECT join_url_sealed, passcode_sealed FROM live_sessions WHERE id = $1")
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

db_test!(start_racing_across_two_app_instances_creates_one_meeting);
async fn start_racing_across_two_app_instances_creates_one_meeting(b: TestAppBuilder) {
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

db_test!(missing_scopes_ask_to_reconnect_naming_them);
async fn missing_scopes_ask_to_reconnect_naming_them(b: TestAppBuilder) {
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

db_test!(webinar_plan_missing_advises_upgrade);
async fn webinar_plan_missing_advises_upgrade(b: TestAppBuilder) {
    let t = setup_with(b, LessonKind::Webinar, None).await;
    t.zoom.sim.set_plan(&t.zoom.account, Plan::Pro, false);
    let msg = start_error(&t).await;
    assert!(msg.contains("Webinar plan is missing"), "{msg}");
    assert!(msg.contains("upgrade"), "{msg}");
}

db_test!(host_not_allowed_to_host_says_enable_it_in_zoom_settings);
async fn host_not_allowed_to_host_says_enable_it_in_zoom_settings(b: TestAppBuilder) {
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

db_test!(zoom_5xx_says_zoom_had_a_problem_nothing_is_created_and_a_retry_works);
async fn zoom_5xx_says_zoom_had_a_problem_nothing_is_created_and_a_retry_works(b: TestAppBuilder) {
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
        lectern::live::errors::LiveError::from_json(s.last_error_args.as_deref().unwrap()).unwrap();
    let utc = jiff::tz::TimeZone::UTC;
    let en = err.with_heading(&lectern::i18n::Tr::new("en-US"), &utc, false);
    assert!(
        en.starts_with("Failed to create Zoom meeting: Zoom had a problem"),
        "{en}"
    );
    let de = err.with_heading(&lectern::i18n::Tr::new("de"), &utc, true);
    assert!(
        de.starts_with("Zoom-Webinar konnte nicht erstellt werden: Bei Zoom ist ein Fehler"),
        "{de}"
    );
    // And it works the second time.
    let inst = t.app.signed_in(&t.app.instructor).await;
    assert!(t.start(&inst).await.location().unwrap().contains("/s/"));
    assert_eq!(t.zoom.sim.meetings().len(), 1);
}

db_test!(zoom_time_out_says_it_did_not_answer_in_time);
async fn zoom_time_out_says_it_did_not_answer_in_time(b: TestAppBuilder) {
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

db_test!(daily_limit_says_when_it_resets_and_is_not_tried);
async fn daily_limit_says_when_it_resets_and_is_not_tried(b: TestAppBuilder) {
    let t = setup(b).await;
    let day = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    sqlx::query(
        "INSERT INTO zoom_rate_counters (counter_key, hits, expires_at) VALUES ($1, 100, $2)",
    )
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

db_test!(zoom_daily_429_is_not_retried);
async fn zoom_daily_429_is_not_retried(b: TestAppBuilder) {
    let t = setup(b).await;
    t.zoom.sim.inject_fault(Fault {
        method: Some("POST".into()),
        path_prefix: "/v2/users/".into(),
        kind: FaultKind::DailyLimited,
        times: None,
    });
    let msg = start_error(&t).await;
    assert!(!msg.is_empty());
    assert_eq!(t.creates(), 1, "one attempt only");
}

db_test!(zoom_per_second_429_is_retried_within_the_bound_then_says_busy);
async fn zoom_per_second_429_is_retried_within_the_bound_then_says_busy(b: TestAppBuilder) {
    let t = setup(b).await;
    t.zoom.sim.inject_fault(Fault {
        method: Some("POST".into()),
        path_prefix: "/v2/users/".into(),
        kind: FaultKind::RateLimited,
        times: None,
    });
    let t0 = std::time::Instant::now();
    let msg = start_error(&t).await;
    assert!(msg.contains("too many requests"), "{msg}");
    // Zoom refused without acting, so the create was tried again after Retry-After (1 s),
    // at most three times and within the interactive bound.
    assert_eq!(t.creates(), 3);
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        t0.elapsed()
    );
    assert!(t.zoom.sim.meetings().is_empty());
}

db_test!(start_uses_the_host_recorded_on_the_lesson);
async fn start_uses_the_host_recorded_on_the_lesson(b: TestAppBuilder) {
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
        SchoolId(t.app.school.id),
        LessonId(t.lesson),
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
