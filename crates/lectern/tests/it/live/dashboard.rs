//! The room dashboard (`live/dashboard.rs`): a session driven through zoom-sim and its
//! signed webhooks (joins, a rejoin, a late arrival, an early leave, someone who never
//! came) → exact counts and categories while it runs and in the report after it; the
//! late grace; "we started" to the absentees exactly once; who may open it; and the push
//! that brings a join to an open dashboard (and not to the students' pages).

use std::time::{Duration, Instant};

use lectern::accounts::Role;
use lectern::courses;
use lectern::db::{CourseId, SchoolId, UserId, now_ms};

use crate::live_push::Events;
use crate::support::live::{Live, meeting_event, participant_event, setup};
use crate::support::{DbKind, Resp, TestAppBuilder, TestClient, TestUser};

const MIN: i64 = 60;

/// The fixture's student plus four classmates, all enrolled: Sam, Bea, Cem, Dan, Eve.
pub(crate) async fn class(t: &Live) -> Vec<TestUser> {
    let mut all = vec![t.app.student.clone()];
    for (email, name) in [
        ("bea@test.example", "Bea Rejoin"),
        ("cem@test.example", "Cem Late"),
        ("dan@test.example", "Dan Early"),
        ("eve@test.example", "Eve Absent"),
    ] {
        let u = t
            .app
            .create_user(t.app.school.id, email, name, Role::Student)
            .await;
        courses::progress::enroll(
            &t.app.db,
            &*t.app.state.course_hooks,
            SchoolId(t.app.school.id),
            CourseId(t.course_id),
            UserId(u.id),
        )
        .await
        .unwrap();
        all.push(u);
    }
    all
}

/// Starts the meeting (zoom-sim creates it) and tells Lectern it started at `t0` (unix
/// seconds), as Zoom's `meeting.started` would.
pub(crate) async fn started_at(t: &Live, t0: i64) -> (i64, String) {
    let (m, uuid) = t.started_meeting().await;
    let ev = meeting_event("meeting.started", &t.zoom.account, m, &uuid, t0);
    assert_eq!(t.hook(&ev).await, 200);
    t.app.drain_jobs().await;
    (m, uuid)
}

pub(crate) async fn event(
    t: &Live,
    (m, uuid): &(i64, String),
    who: &TestUser,
    left: bool,
    at: i64,
) {
    let key = t.customer_key(who.id).await;
    let ev = participant_event(left, &t.zoom.account, *m, uuid, (who.id, &key), at);
    assert_eq!(t.hook(&ev).await, 200);
}

fn counts(r: &Resp) -> [String; 7] {
    [
        "data-state",
        "data-enrolled",
        "data-attended",
        "data-in-room",
        "data-late",
        "data-left-early",
        "data-never-came",
    ]
    .map(|a| r.attr("#dash-view", a).unwrap_or_default())
}

fn row(r: &Resp, who: &TestUser, attr: &str) -> String {
    r.attr(&format!("#dash-students tr[data-user='{}']", who.id), attr)
        .unwrap_or_else(|| panic!("no row for {} in {}", who.name, r.text))
}

fn minutes(r: &Resp, who: &TestUser) -> i64 {
    row(r, who, "data-minutes").parse().unwrap()
}

fn s(v: &[&str; 7]) -> [String; 7] {
    v.map(str::to_string)
}

async fn emails_to(t: &Live, to: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT subject, body_text FROM emails WHERE to_addr = $1 AND subject LIKE '%has started%'",
    )
    .bind(to)
    .fetch_all(&t.app.db.pool)
    .await
    .unwrap()
}

db_test!(the_dashboard_counts_exactly_while_live_and_in_the_report);
async fn the_dashboard_counts_exactly_while_live_and_in_the_report(b: TestAppBuilder) {
    let t = setup(b).await;
    let people = class(&t).await;
    let [sam, bea, cem, dan, eve] = <[TestUser; 5]>::try_from(people.clone()).unwrap();
    // Scheduled (and started) half an hour ago, for an hour.
    let t0 = (now_ms() / 1000) - 30 * MIN;
    t.reschedule(t0 * 1000).await;
    // Opened before the start: nobody has missed it yet.
    let early = t.app.signed_in(&t.app.instructor).await;
    let before = early.get(&format!("/live/{}/dashboard", t.lesson)).await;
    before.assert_status(200);
    for who in [&sam, &eve] {
        assert_eq!(row(&before, who, "data-status"), "not-yet", "{}", who.name);
    }
    assert!(
        before.text.contains("5</strong> not here yet"),
        "{}",
        before.text
    );
    let meeting = started_at(&t, t0).await;
    // Sam on time and stays; Bea on time, out 10'–15', back; Cem at 12' (late after 5');
    // Dan on time, gone at 20'; Eve never.
    for (who, left, at) in [
        (&sam, false, t0 + MIN),
        (&bea, false, t0 + 2 * MIN),
        (&bea, true, t0 + 10 * MIN),
        (&cem, false, t0 + 12 * MIN),
        (&bea, false, t0 + 15 * MIN),
        (&dan, false, t0 + MIN),
        (&dan, true, t0 + 20 * MIN),
    ] {
        event(&t, &meeting, who, left, at).await;
    }
    t.app.drain_jobs().await;

    let inst = t.app.signed_in(&t.app.instructor).await;
    let url = format!("/live/{}/dashboard", t.lesson);
    let page = inst.get(&url).await;
    page.assert_status(200);
    assert_eq!(
        counts(&page),
        s(&["live", "5", "4", "3", "1", "1", "1"]),
        "state, enrolled, came, in the room, late, left early, never came"
    );
    for (who, status, late, early) in [
        (&sam, "in-room", "false", "false"),
        (&bea, "in-room", "false", "false"),
        (&cem, "in-room", "true", "false"),
        (&dan, "left", "false", "true"),
        (&eve, "never-came", "false", "false"),
    ] {
        assert_eq!(row(&page, who, "data-status"), status, "{}", who.name);
        assert_eq!(row(&page, who, "data-late"), late, "{}", who.name);
        assert_eq!(row(&page, who, "data-left-early"), early, "{}", who.name);
    }
    // Minutes so far: Dan's are over (19); Bea's 8 + the last 15 (give or take the
    // seconds this test took).
    assert_eq!(minutes(&page, &dan), 19);
    assert_eq!(minutes(&page, &eve), 0);
    assert!(
        (23..=24).contains(&minutes(&page, &bea)),
        "{}",
        minutes(&page, &bea)
    );
    assert!(
        page.text.contains("4 of 5 enrolled students came (80 %)"),
        "{}",
        page.text
    );
    // The part the page swaps says the same.
    let view = inst.get(&format!("{url}/view")).await;
    view.assert_status(200);
    assert_eq!(counts(&view), counts(&page));

    // The grace is the instructor's: at 15 minutes Cem is on time; bad input is a field
    // error that keeps what was typed and changes nothing.
    let grace = format!("{url}/grace");
    inst.post_form(&grace, &[("late_grace_min", "15")])
        .await
        .assert_redirect_to(&url);
    assert_eq!(
        inst.get(&url)
            .await
            .attr("#dash-view", "data-late")
            .as_deref(),
        Some("0")
    );
    for bad in ["abc", "121", "-1", ""] {
        let r = inst.post_form(&grace, &[("late_grace_min", bad)]).await;
        r.assert_status(422);
        assert!(
            r.texts("#grace-error")[0].contains("from 0 to 120"),
            "{bad}: {}",
            r.text
        );
        assert_eq!(r.input("late_grace_min").as_deref(), Some(bad));
        assert_eq!(r.attr("#dash-view", "data-late").as_deref(), Some("0"));
    }
    inst.post_form(&grace, &[("late_grace_min", "5")])
        .await
        .assert_redirect_to(&url);

    // "We started": only Eve, once, however often and from however many tabs.
    let absentees = format!("{url}/absentees");
    let (a, b) = tokio::join!(
        inst.post_form(&absentees, &[]),
        inst.post_form(&absentees, &[])
    );
    let mut sent = [
        a.location().unwrap().to_string(),
        b.location().unwrap().to_string(),
    ];
    sent.sort();
    assert_eq!(sent, [format!("{url}?sent=0"), format!("{url}?sent=1")]);
    inst.post_form(&absentees, &[])
        .await
        .assert_redirect_to(&format!("{url}?sent=0"));
    let mails = emails_to(&t, &eve.email).await;
    assert_eq!(mails.len(), 1, "exactly one mail to the absentee");
    assert!(
        mails[0]
            .1
            .contains(&format!("/courses/{}/lessons/{}", t.course_slug, t.lesson)),
        "the lesson's link: {}",
        mails[0].1
    );
    for who in [&sam, &bea, &cem, &dan] {
        assert!(
            emails_to(&t, &who.email).await.is_empty(),
            "{} came",
            who.name
        );
    }
    assert_eq!(
        inst.get(&url)
            .await
            .attr("#dash-view", "data-messaged")
            .as_deref(),
        Some("1")
    );

    // Zoom ends it at 29': the report. Sam, Bea and Cem stayed to the end; Dan left 9
    // minutes before it (more than the grace): early.
    let (m, uuid) = &meeting;
    let ev = meeting_event("meeting.ended", &t.zoom.account, *m, uuid, t0 + 29 * MIN);
    assert_eq!(t.hook(&ev).await, 200);
    crate::support::eventually("ended", Duration::from_secs(10), || async {
        t.app.drain_jobs().await;
        (t.session().await.state == "ended").then_some(())
    })
    .await;
    let report = inst.get(&url).await;
    report.assert_status(200);
    assert_eq!(counts(&report), s(&["ended", "5", "4", "0", "1", "1", "1"]));
    for (who, status, mins) in [
        (&sam, "came", 28),
        (&bea, "came", 8 + 14),
        (&cem, "came", 17),
        (&dan, "came", 19),
        (&eve, "never-came", 0),
    ] {
        assert_eq!(row(&report, who, "data-status"), status, "{}", who.name);
        assert_eq!(minutes(&report, who), mins, "{}", who.name);
    }
    assert_eq!(row(&report, &cem, "data-late"), "true");
    assert_eq!(row(&report, &dan, "data-left-early"), "true");
    assert_eq!(row(&report, &bea, "data-left-early"), "false");
    // The room's size: four at once at most (15'–20'); the chart's numbers, a click away,
    // say so too; each student who came has a bar with a segment per stay.
    assert_eq!(report.attr("#dash-view", "data-peak").as_deref(), Some("4"));
    let sizes: Vec<i64> = report
        .texts("#dash-samples tbody td:nth-child(2)")
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    assert!(sizes.len() >= 29, "a row a minute: {sizes:?}");
    assert_eq!(sizes.iter().max(), Some(&4), "{sizes:?}");
    let bea_bars = report
        .doc()
        .select(
            &scraper::Selector::parse(&format!("#dash-students tr[data-user='{}'] rect", bea.id))
                .unwrap(),
        )
        .count();
    assert_eq!(bea_bars, 2, "a rejoin is a second segment");
    assert!(report.attr("#dash-chart svg", "aria-labelledby").is_some());
    assert!(
        report
            .attr("#dash-csv", "href")
            .unwrap()
            .ends_with("/attendance.csv")
    );
    assert!(
        report.texts("#dash-absentees").is_empty(),
        "no mailing after the end"
    );
    let r = inst.post_form(&absentees, &[]).await;
    r.assert_status(400);
    assert_eq!(emails_to(&t, &eve.email).await.len(), 1);
}

db_test!(only_the_courses_managers_and_the_host_open_the_dashboard);
async fn only_the_courses_managers_and_the_host_open_the_dashboard(b: TestAppBuilder) {
    let t = setup(b).await;
    let t0 = (now_ms() / 1000) - 10 * MIN;
    t.reschedule(t0 * 1000).await;
    started_at(&t, t0).await;
    let url = format!("/live/{}/dashboard", t.lesson);
    let paths = [url.clone(), format!("{url}/view"), format!("{url}/events")];
    let stranger = t
        .app
        .create_user(
            t.app.school.id,
            "other-teacher@test.example",
            "Olaf Other",
            Role::Instructor,
        )
        .await;
    let other = t.app.other_school().await;
    let cases: Vec<(&str, TestClient, u16)> = vec![
        (
            "host instructor",
            t.app.signed_in(&t.app.instructor).await,
            200,
        ),
        ("admin", t.app.signed_in(&t.app.admin).await, 200),
        (
            "enrolled student",
            t.app.signed_in(&t.app.student).await,
            404,
        ),
        (
            "instructor of other courses",
            t.app.signed_in(&stranger).await,
            404,
        ),
        (
            "other school's admin",
            other.signed_in(&other.admin).await,
            404,
        ),
    ];
    for (who, c, want) in &cases {
        for p in &paths {
            if p.ends_with("/events") && *want == 200 {
                let http = reqwest::Client::new();
                let cookie = format!(
                    "lectern_session={}; lectern_csrf={}",
                    c.cookie("lectern_session").unwrap(),
                    c.cookie("lectern_csrf").unwrap()
                );
                Events::open(&http, &format!("{}{p}", t.app.base_url), Some(&cookie)).await;
                continue;
            }
            let r = c.get(p).await;
            assert_eq!(r.status.as_u16(), *want, "{who} GET {p}");
        }
        if *want != 200 {
            for p in [format!("{url}/absentees"), format!("{url}/grace")] {
                let r = c.post_form(&p, &[("late_grace_min", "1")]).await;
                assert_eq!(r.status.as_u16(), 404, "{who} POST {p}");
            }
        }
    }
    let anon = t.app.client().get(&url).await;
    assert!(
        anon.status.as_u16() == 303 || anon.status.as_u16() == 401,
        "anonymous: {}",
        anon.status
    );
    // Nothing was set or sent by those who may not.
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM live_dashboard_settings")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM live_notifications_sent WHERE kind = 'started'")
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(n, 0);
    // The player's live panel links managers (only) to it.
    let inst = t.app.signed_in(&t.app.instructor).await;
    assert_eq!(
        inst.get(&t.lesson_url())
            .await
            .attr("#live-dashboard-link", "href"),
        Some(url.clone())
    );
    assert!(
        t.student_page()
            .await
            .attr("#live-dashboard-link", "href")
            .is_none()
    );
}

db_test!(a_join_reaches_an_open_dashboard_within_two_seconds_and_no_player);
async fn a_join_reaches_an_open_dashboard_within_two_seconds_and_no_player(b: TestAppBuilder) {
    let t = setup(b).await;
    let people = class(&t).await;
    let t0 = (now_ms() / 1000) - 10 * MIN;
    t.reschedule(t0 * 1000).await;
    let meeting = started_at(&t, t0).await;
    let http = reqwest::Client::new();
    let cookie = |c: &TestClient| {
        format!(
            "lectern_session={}; lectern_csrf={}",
            c.cookie("lectern_session").unwrap(),
            c.cookie("lectern_csrf").unwrap()
        )
    };
    let inst = t.app.signed_in(&t.app.instructor).await;
    let student = t.app.signed_in(&t.app.student).await;
    let dash_url = format!("{}/live/{}/dashboard/events", t.app.base_url, t.lesson);
    let mut dash = Events::open(&http, &dash_url, Some(&cookie(&inst))).await;
    let player_url = format!("{}/courses/{}/live/events", t.app.base_url, t.course_slug);
    let mut player = Events::open(&http, &player_url, Some(&cookie(&student))).await;

    let sam = &people[0];
    event(&t, &meeting, sam, false, now_ms() / 1000).await;
    let since = Instant::now();
    t.app.drain_jobs().await;
    let took = dash.change_of(t.lesson, Duration::from_secs(2)).await;
    eprintln!("join → dashboard change in {:?}", since.elapsed().max(took));
    let view = inst
        .get(&format!("/live/{}/dashboard/view", t.lesson))
        .await;
    assert_eq!(
        view.attr("#dash-view", "data-in-room").as_deref(),
        Some("1")
    );
    player.quiet(Duration::from_millis(800)).await;

    // A burst (the four others come and go ten times each, 80 events processed as fast
    // as the worker goes) is coalesced: at most one event per half second, not 80.
    let base = now_ms() / 1000 - 200;
    for round in 0..10 {
        for who in &people[1..] {
            event(&t, &meeting, who, false, base + round * 10).await;
            event(&t, &meeting, who, true, base + round * 10 + 5).await;
        }
    }
    for who in &people[1..] {
        event(&t, &meeting, who, false, now_ms() / 1000).await;
    }
    let burst = Instant::now();
    t.app.drain_jobs().await;
    let mut n = 0;
    while dash.next(Duration::from_millis(1500)).await.is_some() {
        n += 1;
    }
    let allowed = 2 + (burst.elapsed().as_millis() / 500) as usize;
    assert!(
        (1..=allowed).contains(&n),
        "{n} events for 84 changes in {:?}",
        burst.elapsed()
    );
    let view = inst
        .get(&format!("/live/{}/dashboard/view", t.lesson))
        .await;
    assert_eq!(
        view.attr("#dash-view", "data-in-room").as_deref(),
        Some("5")
    );
    player.quiet(Duration::from_millis(200)).await;

    // A reconnect starts with `ready` (the page then fetches afresh).
    drop(dash);
    Events::open(&http, &dash_url, Some(&cookie(&inst))).await;
}

db_test!(a_join_processed_by_one_instance_reaches_a_dashboard_on_the_other);
async fn a_join_processed_by_one_instance_reaches_a_dashboard_on_the_other(b: TestAppBuilder) {
    let t = setup(b).await;
    let t0 = (now_ms() / 1000) - 10 * MIN;
    t.reschedule(t0 * 1000).await;
    let meeting = started_at(&t, t0).await;
    let second = t.app.second_instance().await;
    let inst = t.app.signed_in(&t.app.instructor).await;
    let cookie = format!(
        "lectern_session={}; lectern_csrf={}",
        inst.cookie("lectern_session").unwrap(),
        inst.cookie("lectern_csrf").unwrap()
    );
    // The dashboard is connected to the second instance; the first processes the join.
    let http = reqwest::Client::new();
    let url = format!("{}/live/{}/dashboard/events", second.base_url, t.lesson);
    let mut dash = Events::open(&http, &url, Some(&cookie)).await;
    event(&t, &meeting, &t.app.student, false, now_ms() / 1000).await;
    t.app.drain_jobs().await;
    match t.app.kind {
        DbKind::Postgres => {
            let took = dash.change_of(t.lesson, Duration::from_secs(2)).await;
            eprintln!("join on instance 1 → dashboard on instance 2 in {took:?}");
        }
        // SQLite is one process's database: the other instance's page learns it from
        // its refresh.
        DbKind::Sqlite => dash.quiet(Duration::from_millis(500)).await,
    }
    let r = http
        .get(format!(
            "{}/live/{}/dashboard/view",
            second.base_url, t.lesson
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let body = r.text().await.unwrap();
    assert!(body.contains("data-in-room=\"1\""), "{body}");
    drop(dash);
    second.stop().await;
}
