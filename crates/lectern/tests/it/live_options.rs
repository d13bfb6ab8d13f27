//! Per-session Zoom options (issue 17, L16) and the external-link switch (L14): what an
//! instructor sets in the editor reaches Zoom's meeting exactly at Start, what the host's
//! plan or account does not allow is a field error before the session (and Zoom's reason,
//! not a 500, at Start), a course's default is copied into a session when it is created
//! (and an older session without options keeps what it had, migration 0025) and changing
//! it later changes no existing session, a session at an external link has a completion
//! rule a student can meet,
//! groups and options stay behind the school's wall, and a session moves to an external
//! link and back.

use lectern::courses::LessonKind;
use serde_json::json;
use zoom_sim::UserType;

use crate::support::live::{Live, setup, setup_with};
use lectern::accounts::Role;

use crate::support::{TestAppBuilder, TestClient};

/// The lesson editor's fields as they are, with `extra` replacing or adding fields.
async fn lesson_form(t: &Live, c: &TestClient, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let page = c.get(&edit_url(t)).await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.text);
    let mut fields: Vec<(String, String)> = vec![
        ("title".into(), page.input("title").unwrap()),
        ("local_start".into(), page.input("local_start").unwrap()),
        ("timezone".into(), "Europe/Berlin".into()),
        ("duration".into(), page.input("duration").unwrap()),
        ("required".into(), "on".into()),
        ("venue".into(), "zoom".into()),
        ("auto_recording".into(), "none".into()),
    ];
    for (k, v) in extra {
        fields.retain(|(f, _)| f != k);
        fields.push((k.to_string(), v.to_string()));
    }
    fields
}

pub(crate) fn edit_url(t: &Live) -> String {
    format!("/teach/courses/{}/lessons/{}", t.course_id, t.lesson)
}

async fn save(t: &Live, c: &TestClient, extra: &[(&str, &str)]) -> crate::support::Resp {
    let fields = lesson_form(t, c, extra).await;
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    c.post_form(&edit_url(t), &refs).await
}

/// The one meeting (or webinar) zoom-sim holds.
pub(crate) fn the_meeting(t: &Live) -> zoom_sim::SimMeeting {
    let all = t.zoom.sim.meetings();
    assert_eq!(all.len(), 1, "{all:?}");
    all.into_iter().next().unwrap()
}

db_test!(options_set_in_the_editor_reach_zooms_meeting_exactly);
async fn options_set_in_the_editor_reach_zooms_meeting_exactly(b: TestAppBuilder) {
    let t = setup(b).await;
    // A colleague who is an instructor here and a user of the school's Zoom account.
    t.app
        .create_user(
            t.app.school.id,
            "alt@test.example",
            "Alma Alt",
            Role::Instructor,
        )
        .await;
    t.zoom.sim.create_user(
        &t.zoom.account,
        "alt@test.example",
        "Alma",
        "Alt",
        UserType::Licensed,
    );
    let inst = t.app.signed_in(&t.app.instructor).await;
    // A group with the enrolled student: it becomes a breakout room.
    let groups = format!("/teach/courses/{}/groups", t.course_id);
    inst.post_form(&groups, &[("name", "Team Blue")])
        .await
        .assert_status(303);
    let page = inst
        .get(&format!("/teach/courses/{}/live-options", t.course_id))
        .await;
    let group = page.attr("form.group", "data-group-id").unwrap();
    inst.post_form(
        &format!("{groups}/{group}"),
        &[
            ("name", "Team Blue"),
            ("member", &t.app.student.id.to_string()),
        ],
    )
    .await
    .assert_status(303);

    let r = save(
        &t,
        &inst,
        &[
            ("waiting_room", "on"),
            ("mute_upon_entry", "on"),
            ("auto_recording", "cloud"),
            ("alternative_hosts", "alt@test.example"),
            ("breakout_rooms", "on"),
        ],
    )
    .await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    let r = t.start(&inst).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    assert!(r.location().unwrap().contains("/s/"), "{:?}", r.location());

    let m = the_meeting(&t);
    let s = &m.settings;
    assert_eq!(s["waiting_room"], json!(true));
    assert_eq!(s["mute_upon_entry"], json!(true));
    assert_eq!(s["join_before_host"], json!(false));
    assert_eq!(s["auto_recording"], json!("cloud"));
    assert_eq!(s["alternative_hosts"], json!("alt@test.example"));
    assert_eq!(
        s["breakout_room"],
        json!({"enable": true, "rooms": [{"name": "Team Blue", "participants": [t.app.student.email]}]})
    );
    // The editor shows what was saved.
    let page = inst.get(&edit_url(&t)).await;
    assert_eq!(
        page.input("alternative_hosts").as_deref(),
        Some("alt@test.example")
    );
    assert!(page.attr("#opt-waiting-room", "checked").is_some());
    assert!(page.attr("#opt-jbh", "checked").is_none());
}

db_test!(webinar_options_and_panellists_reach_zoom);
async fn webinar_options_and_panellists_reach_zoom(b: TestAppBuilder) {
    let t = setup_with(b, LessonKind::Webinar, None).await;
    let inst = t.app.signed_in(&t.app.instructor).await;
    let r = save(
        &t,
        &inst,
        &[
            ("question_and_answer", "on"),
            ("practice_session", "on"),
            (
                "panelists",
                "guest@speakers.example, second@speakers.example",
            ),
        ],
    )
    .await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    assert_eq!(t.start(&inst).await.status.as_u16(), 303);
    let m = the_meeting(&t);
    assert!(m.is_webinar);
    assert_eq!(m.settings["question_and_answer"]["enable"], json!(true));
    assert_eq!(m.settings["practice_session"], json!(true));
    let emails: Vec<&str> = m.panelists.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(
        emails,
        ["guest@speakers.example", "second@speakers.example"]
    );
}

db_test!(what_zoom_would_refuse_is_a_field_error_before_and_zooms_reason_at_start);
async fn what_zoom_would_refuse_is_a_field_error_before_and_zooms_reason_at_start(
    b: TestAppBuilder,
) {
    // Account-level scopes: the account's users can be listed, so an alternative host
    // outside it is known before the session.
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
    // An instructor of the school who is not a user of the Zoom account.
    t.app
        .create_user(
            t.app.school.id,
            "nozoom@test.example",
            "Nora",
            Role::Instructor,
        )
        .await;
    let inst = t.app.signed_in(&t.app.instructor).await;
    let r = save(&t, &inst, &[("alternative_hosts", "nozoom@test.example")]).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);
    let msg = r.texts("#alt-hosts-error").join(" ");
    assert!(
        msg.contains("nozoom@test.example") && msg.contains("Zoom account"),
        "{msg}"
    );
    // Nothing typed is lost.
    assert_eq!(
        r.input("alternative_hosts").as_deref(),
        Some("nozoom@test.example")
    );
    // Someone who is not an instructor here, and values that are not offered.
    let r = save(&t, &inst, &[("alternative_hosts", &t.app.student.email)]).await;
    assert_eq!(r.status.as_u16(), 422);
    assert!(!r.texts("#alt-hosts-error").is_empty());
    let r = save(
        &t,
        &inst,
        &[("auto_recording", "tape"), ("waiting_room", "maybe")],
    )
    .await;
    assert_eq!(r.status.as_u16(), 422);
    assert!(!r.texts("#recording-error").is_empty());
    assert!(!r.texts("#waiting-room-error").is_empty());

    // Cloud recording for a Basic host: refused when saved, with Zoom's reason.
    t.zoom.sim.set_user_type(&t.zoom.zoom_user, UserType::Basic);
    let r = save(&t, &inst, &[("auto_recording", "cloud")]).await;
    assert_eq!(r.status.as_u16(), 422, "{}", r.text);
    let msg = r.texts("#recording-error").join(" ");
    assert!(msg.contains("Basic"), "{msg}");
    assert_eq!(t.zoom.sim.meetings().len(), 0);

    // Saved while the host was licensed, then downgraded: Zoom refuses at Start, and the
    // instructor reads Zoom's reason on the lesson page, not a 500.
    t.zoom
        .sim
        .set_user_type(&t.zoom.zoom_user, UserType::Licensed);
    save(&t, &inst, &[("auto_recording", "cloud")])
        .await
        .assert_status(303);
    t.zoom.sim.set_user_type(&t.zoom.zoom_user, UserType::Basic);
    let r = t.start(&inst).await;
    assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    let page = inst.get(&t.lesson_url()).await;
    assert_eq!(page.status.as_u16(), 200);
    let err = page.texts("#live-error").join(" ");
    // Zoom's 400/200 "Only available for paid account." is the catalogue's "no permission"
    // message, which says to check the host's plan.
    assert!(
        err.starts_with("Failed to create Zoom meeting") && err.contains("plan"),
        "{err}"
    );
    assert_eq!(t.zoom.sim.meetings().len(), 0);
}

db_test!(the_course_default_is_copied_when_a_session_is_created_and_never_read_after);
async fn the_course_default_is_copied_when_a_session_is_created_and_never_read_after(
    b: TestAppBuilder,
) {
    let t = setup(b).await;
    let inst = t.app.signed_in(&t.app.instructor).await;
    let url = format!("/teach/courses/{}/live-options", t.course_id);
    // The default's form says what it does and does not change.
    let page = inst.get(&url).await;
    assert!(
        page.text
            .contains("does not change sessions that already exist"),
        "{}",
        page.text
    );
    inst.post_form(
        &url,
        &[
            ("waiting_room", "on"),
            ("join_before_host", "on"),
            ("auto_recording", "local"),
        ],
    )
    .await
    .assert_status(303);
    // A new session's form starts from it.
    let page = inst
        .get(&format!(
            "/teach/courses/{}/lessons/new?kind=live_session",
            t.course_id
        ))
        .await;
    assert!(page.attr("#opt-waiting-room", "checked").is_some());
    assert!(page.attr("#opt-mute", "checked").is_none());
    // The seeded session was created before the course had a default: before migration
    // 0025 it was held with the course's default at Start. Running 0025 (as an upgrade
    // does) gives it a copy, so it keeps exactly what it had.
    let stored = |t: &Live| {
        let pool = t.app.db.pool.clone();
        let lesson = t.lesson;
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT options FROM lesson_live_options WHERE lesson_id = $1",
            )
            .bind(lesson)
            .fetch_optional(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(stored(&t).await, None);
    let migrations = match t.app.db.backend {
        lectern::db::Backend::Sqlite => lectern::db::MIGRATIONS_SQLITE,
        lectern::db::Backend::Postgres => lectern::db::MIGRATIONS_POSTGRES,
    };
    let m = migrations.iter().find(|m| m.version == 25).unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(m.sql))
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    assert!(stored(&t).await.is_some());
    // A later change of the default changes no existing session: not its editor...
    inst.post_form(
        &url,
        &[("mute_upon_entry", "on"), ("auto_recording", "none")],
    )
    .await
    .assert_status(303);
    let page = inst.get(&edit_url(&t)).await;
    assert!(page.attr("#opt-waiting-room", "checked").is_some());
    assert!(page.attr("#opt-jbh", "checked").is_some());
    assert!(page.attr("#opt-mute", "checked").is_none());
    // ...nor what Start sends to Zoom.
    assert_eq!(t.start(&inst).await.status.as_u16(), 303);
    let s = the_meeting(&t).settings;
    assert_eq!(s["waiting_room"], json!(true));
    assert_eq!(s["join_before_host"], json!(true));
    assert_eq!(s["mute_upon_entry"], json!(false));
    assert_eq!(s["auto_recording"], json!("local"));
    // Bad input keeps what was typed.
    let r = inst
        .post_form(
            &url,
            &[("auto_recording", "cloud"), ("panelists", "not an address")],
        )
        .await;
    assert_eq!(r.status.as_u16(), 422);
    assert!(!r.texts("#panelists-error").is_empty());
    assert_eq!(r.texts("#opt-panelists").join(""), "not an address");
}

db_test!(a_session_at_an_external_link_gets_a_completion_rule_a_student_can_meet);
async fn a_session_at_an_external_link_gets_a_completion_rule_a_student_can_meet(
    b: TestAppBuilder,
) {
    let t = setup(b).await;
    let inst = t.app.signed_in(&t.app.instructor).await;
    let rule = |t: &Live| {
        let pool = t.app.db.pool.clone();
        let lesson = t.lesson;
        async move {
            sqlx::query_as::<_, (Option<String>, Option<i64>)>(
                "SELECT completion_rule, completion_value FROM lessons WHERE id = $1",
            )
            .bind(lesson)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let rule_url = format!("{}/completion", edit_url(&t));
    // On Zoom: attendance, and the editor offers only attendance.
    inst.post_form(
        &rule_url,
        &[("rule", "attended_minutes"), ("minutes", "30")],
    )
    .await
    .assert_status(303);
    assert_eq!(rule(&t).await, (Some("attended_minutes".into()), Some(30)));
    let page = inst.get(&edit_url(&t)).await;
    assert!(page.attr("#rule-attended_minutes", "checked").is_some());
    assert!(page.attr("#rule-marked", "id").is_none());
    assert!(page.attr("#completion-external", "id").is_none());
    // Switched to an external link: the attendance rule, which could never be met, is
    // replaced by "marked done by the student".
    save(
        &t,
        &inst,
        &[
            ("venue", "external"),
            ("external_url", "https://meet.example.org/room-7"),
        ],
    )
    .await
    .assert_status(303);
    assert_eq!(rule(&t).await.0.as_deref(), Some("marked"));
    let page = inst.get(&edit_url(&t)).await;
    assert!(page.attr("#rule-marked", "checked").is_some());
    assert!(page.attr("#rule-opened", "id").is_some());
    assert!(page.attr("#rule-attended_percent", "id").is_none());
    assert!(page.attr("#rule-attended_minutes", "id").is_none());
    assert!(page.attr("#completion-external", "id").is_some());
    // The student can meet it: "Mark complete" is there and completes the lesson.
    let stu = t.app.signed_in(&t.app.student).await;
    let page = stu.get(&t.lesson_url()).await;
    assert!(page.attr("#mark-complete", "id").is_some(), "{}", page.text);
    // The server refuses an attendance rule there, with a field error.
    for (k, v) in [("attended_percent", "75"), ("attended_minutes", "30")] {
        let field = if k == "attended_percent" {
            "percent"
        } else {
            "minutes"
        };
        let r = inst.post_form(&rule_url, &[("rule", k), (field, v)]).await;
        assert_eq!(r.status.as_u16(), 422, "{k}");
        assert!(
            r.texts("#rule-error").join("").contains("external link"),
            "{k}: {:?}",
            r.texts("#rule-error")
        );
        assert!(r.attr("#rule-attended_percent", "id").is_none());
    }
    assert_eq!(rule(&t).await.0.as_deref(), Some("marked"));
    inst.post_form(&rule_url, &[("rule", "opened")])
        .await
        .assert_status(303);
    assert_eq!(rule(&t).await.0.as_deref(), Some("opened"));
    // Back on Zoom: an attendance rule again (the kind's default), and "opened" is refused.
    save(&t, &inst, &[("venue", "zoom")])
        .await
        .assert_status(303);
    assert_eq!(rule(&t).await, (Some("attended_percent".into()), Some(75)));
    let r = inst.post_form(&rule_url, &[("rule", "opened")]).await;
    assert_eq!(r.status.as_u16(), 422);
    assert!(!r.texts("#rule-error").is_empty());
}

db_test!(another_schools_instructor_cannot_read_or_set_a_courses_groups_or_options);
async fn another_schools_instructor_cannot_read_or_set_a_courses_groups_or_options(
    b: TestAppBuilder,
) {
    let t = setup(b).await;
    let inst = t.app.signed_in(&t.app.instructor).await;
    let groups = format!("/teach/courses/{}/groups", t.course_id);
    inst.post_form(&groups, &[("name", "Ours")])
        .await
        .assert_status(303);
    let options = format!("/teach/courses/{}/live-options", t.course_id);
    let group = inst
        .get(&options)
        .await
        .attr("form.group", "data-group-id")
        .unwrap();

    let other = t.app.other_school().await;
    let o = other.signed_in(&other.instructor).await;
    assert_eq!(o.get(&options).await.status.as_u16(), 404);
    let csrf = o.csrf_for("/teach").await;
    for (path, fields) in [
        (
            options.clone(),
            vec![("_csrf", csrf.as_str()), ("waiting_room", "on")],
        ),
        (
            groups.clone(),
            vec![("_csrf", csrf.as_str()), ("name", "Theirs")],
        ),
        (
            format!("{groups}/{group}"),
            vec![("_csrf", csrf.as_str()), ("name", "Renamed")],
        ),
        (
            format!("{groups}/{group}/delete"),
            vec![("_csrf", csrf.as_str())],
        ),
    ] {
        let r = o.post_form_raw(&path, &fields).await;
        assert_eq!(r.status.as_u16(), 404, "{path}: {}", r.text);
    }
    // An instructor of this school who does not teach the course: 403.
    let colleague = t
        .app
        .create_user(
            t.app.school.id,
            "colleague@test.example",
            "Col",
            Role::Instructor,
        )
        .await;
    let c = t.app.signed_in(&colleague).await;
    assert_eq!(c.get(&options).await.status.as_u16(), 403);
    let page = inst.get(&options).await;
    assert_eq!(page.texts("form.group input[name=name]").len(), 1);
    assert_eq!(page.input("name").as_deref(), Some("Ours"));
    let stored: Option<String> =
        sqlx::query_scalar("SELECT options FROM course_live_options WHERE course_id = $1")
            .bind(t.course_id)
            .fetch_optional(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(stored, None);
}

db_test!(a_session_switches_to_an_external_link_and_back_to_zoom);
async fn a_session_switches_to_an_external_link_and_back_to_zoom(b: TestAppBuilder) {
    let t = setup(b).await;
    let inst = t.app.signed_in(&t.app.instructor).await;
    // The lesson page's "switch to an external link" lands on the form with the switch on.
    let page = inst.get(&format!("{}?venue=external", edit_url(&t))).await;
    assert!(page.attr("#venue-external", "checked").is_some());
    // Not https: a field error, the URL kept.
    let r = save(
        &t,
        &inst,
        &[
            ("venue", "external"),
            ("external_url", "http://meet.example.org/room"),
        ],
    )
    .await;
    assert_eq!(r.status.as_u16(), 422);
    assert!(!r.texts("#external-url-error").is_empty());
    assert_eq!(
        r.input("external_url").as_deref(),
        Some("http://meet.example.org/room")
    );
    let link = "https://meet.example.org/room-42";
    save(&t, &inst, &[("venue", "external"), ("external_url", link)])
        .await
        .assert_status(303);
    // Students get a Join that opens the link; the host no Start; nothing is created in Zoom.
    let stu = t.app.signed_in(&t.app.student).await;
    let page = stu.get(&t.lesson_url()).await;
    assert_eq!(
        page.attr("#live-external-join", "href").as_deref(),
        Some(link)
    );
    assert!(page.attr("#zoom-root", "id").is_none());
    let page = inst.get(&t.lesson_url()).await;
    assert!(page.attr("#live-start", "id").is_none());
    t.start(&inst).await;
    assert_eq!(t.zoom.sim.meetings().len(), 0);
    assert_eq!(t.creates(), 0);
    // The time is kept.
    assert_eq!(
        inst.get(&edit_url(&t)).await.input("local_start"),
        lesson_form(&t, &inst, &[])
            .await
            .iter()
            .find(|(k, _)| k == "local_start")
            .map(|(_, v)| v.clone())
    );
    // Back to Zoom: Start creates the meeting.
    save(&t, &inst, &[("venue", "zoom")])
        .await
        .assert_status(303);
    let page = stu.get(&t.lesson_url()).await;
    assert!(page.attr("#live-external-join", "href").is_none());
    let r = t.start(&inst).await;
    assert!(
        r.location().unwrap_or_default().contains("/s/"),
        "{:?}",
        r.location()
    );
    assert_eq!(t.zoom.sim.meetings().len(), 1);
}
