//! The JSON API's second slice (docs/api.md): courses and lessons written through the
//! editor's checks and store functions (the same hooks: Q&A thread, invitations,
//! reschedule notices), live sessions, progress, certificates and users; idempotent
//! creates; 422 naming the field; every route × scope × role (the access matrix, driven by
//! the OpenAPI document, so a new route without an entry fails); and another school's
//! token meeting this school's ids (404).

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::api::{ALL, call, error_code, json_of, post_keyed, stored_token, token_for};
use crate::support::courses::{add_lesson, lesson_ids, new_course, publish};
use crate::support::{TestApp, TestClient, TestUser};

async fn count(app: &TestApp, sql: String) -> i64 {
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

db_test!(courses_and_lessons_are_written_with_the_editors_checks_and_hooks);
async fn courses_and_lessons_are_written_with_the_editors_checks_and_hooks(app: TestApp) {
    let api = app.client();
    let t = token_for(
        &app,
        &app.instructor,
        &["courses:read", "courses:write", "live:read", "live:write"],
    )
    .await;

    // A draft course, created once under one key.
    let body = json!({"title": "Negotiation", "description": "Win-win."});
    let first = post_keyed(&api, "/api/v1/courses", &t, "c-1", body.clone()).await;
    first.assert_status(201);
    let again = post_keyed(&api, "/api/v1/courses", &t, "c-1", body).await;
    again.assert_status(201);
    assert_eq!(again.text, first.text);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM courses").await, 1);
    let course = json_of(&first);
    assert_eq!(course["status"], "draft");
    assert_eq!(course["slug"], "negotiation");
    let id = course["id"].as_i64().unwrap();
    // Taught by the token's user, as from the editor.
    assert_eq!(
        count(
            &app,
            format!(
                "SELECT COUNT(*) FROM course_instructors WHERE course_id = {id} AND user_id = {}",
                app.instructor.id
            )
        )
        .await,
        1
    );
    // Bad input: 422 naming the field, nothing made.
    for (body, field) in [
        (json!({"title": "  "}), "title"),
        (json!({}), "title"),
        (json!({"title": "x".repeat(1000)}), "title"),
        (json!({"title": "A\u{0}B"}), "title"),
        (json!({"title": "ok", "colour": "red"}), "body"),
        (json!({"title": 7}), "body"),
    ] {
        let r = call(
            &api,
            Method::POST,
            "/api/v1/courses",
            &t,
            Some(body.clone()),
        )
        .await;
        let (code, fields) = error_code(&r, 422);
        assert_eq!(code, "invalid");
        assert!(fields[field].is_string(), "{body}: {}", r.text);
    }
    assert_eq!(app.scalar("SELECT COUNT(*) FROM courses").await, 1);

    // Publish it (the editor's publish, with its hook), and change its title.
    let path = format!("/api/v1/courses/{id}");
    let r = call(
        &api,
        Method::PATCH,
        &path,
        &t,
        Some(json!({"title": "Negotiation 101", "published": true})),
    )
    .await;
    r.assert_status(200);
    let v = json_of(&r);
    assert_eq!(
        (v["title"].as_str(), v["status"].as_str()),
        (Some("Negotiation 101"), Some("published"))
    );
    let r = call(&api, Method::PATCH, &path, &t, Some(json!({"title": ""}))).await;
    assert!(error_code(&r, 422).1["title"].is_string());
    // A student enrolled before the live lesson exists is invited to it.
    crate::support::courses::enroll(&app, id, app.student.id).await;

    // Lessons of each kind, through the editor's parser.
    let lessons = format!("{path}/lessons");
    let live = json!({
        "kind": "live_session", "title": "Kick-off", "starts_at": "2031-03-04T14:30:00Z",
        "timezone": "Europe/Berlin", "duration_min": 90
    });
    let made = post_keyed(&api, &lessons, &t, "l-1", live.clone()).await;
    made.assert_status(201);
    let again = post_keyed(&api, &lessons, &t, "l-1", live).await;
    assert_eq!((again.status.as_u16(), &again.text), (201, &made.text));
    let l = json_of(&made);
    assert_eq!(l["starts_at"], "2031-03-04T14:30:00.000Z");
    assert_eq!(l["local_start"], "2031-03-04T15:30");
    assert_eq!(l["timezone"], "Europe/Berlin");
    assert_eq!(l["duration_min"], 90);
    let live_id = l["id"].as_i64().unwrap();
    assert_eq!(
        count(
            &app,
            format!("SELECT COUNT(*) FROM lessons WHERE course_id = {id}")
        )
        .await,
        1
    );
    // The hooks ran as for the editor: the Q&A thread, the students' invitation.
    assert_eq!(
        count(
            &app,
            format!("SELECT COUNT(*) FROM discussion_threads WHERE lesson_id = {live_id}")
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            format!("SELECT COUNT(*) FROM jobs WHERE dedupe_key LIKE 'invite:{live_id}:%'")
        )
        .await,
        1
    );
    for body in [
        json!({"kind": "document", "title": "Read me", "body": "# Hello", "required": false}),
        json!({"kind": "video", "title": "Watch", "url": "https://youtu.be/dQw4w9WgXcQ"}),
        json!({"kind": "external_link", "title": "Elsewhere", "url": "https://example.com/x"}),
        json!({"kind": "webinar", "title": "Town hall", "local_start": "2031-05-01T09:00", "timezone": "America/New_York"}),
    ] {
        call(&api, Method::POST, &lessons, &t, Some(body.clone()))
            .await
            .assert_status(201);
    }
    let r = call(&api, Method::GET, &lessons, &t, None).await;
    let listed = json_of(&r);
    let kinds: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "live_session",
            "document",
            "video",
            "external_link",
            "webinar"
        ]
    );
    assert_eq!(listed["data"][1]["required"], false);
    assert_eq!(listed["data"][4]["starts_at"], "2031-05-01T13:00:00.000Z");

    // Bad lessons: 422 naming the field, nothing made.
    let before = count(
        &app,
        format!("SELECT COUNT(*) FROM lessons WHERE course_id = {id}"),
    )
    .await;
    for (body, field) in [
        (json!({"kind": "podcast", "title": "x"}), "kind"),
        (json!({"title": "x"}), "kind"),
        (json!({"kind": "document"}), "title"),
        (
            json!({"kind": "document", "title": "x", "url": "https://a.example"}),
            "url",
        ),
        (json!({"kind": "external_link", "title": "x"}), "url"),
        (
            json!({"kind": "external_link", "title": "x", "url": "javascript:alert(1)"}),
            "url",
        ),
        (
            json!({"kind": "live_session", "title": "x", "starts_at": "2031-03-04T14:30:00Z"}),
            "timezone",
        ),
        (
            json!({"kind": "live_session", "title": "x", "starts_at": "soon", "timezone": "UTC"}),
            "starts_at",
        ),
        (
            json!({"kind": "live_session", "title": "x", "timezone": "UTC"}),
            "local_start",
        ),
        (
            json!({"kind": "live_session", "title": "x", "starts_at": "2031-03-04T14:30:00Z", "timezone": "Mars/Olympus"}),
            "timezone",
        ),
        (
            json!({"kind": "live_session", "title": "x", "starts_at": "2031-03-04T14:30:00Z", "timezone": "UTC", "duration_min": 0}),
            "duration_min",
        ),
        // 30 March 2031, 02:30 does not exist in Berlin.
        (
            json!({"kind": "live_session", "title": "x", "local_start": "2031-03-30T02:30", "timezone": "Europe/Berlin"}),
            "local_start",
        ),
        (
            json!({"kind": "live_session", "title": "x", "local_start": "2031-03-04T10:00", "starts_at": "2031-03-04T10:00:00Z", "timezone": "UTC"}),
            "starts_at",
        ),
        (
            json!({"kind": "quiz", "title": "x", "quiz": "no questions here"}),
            "quiz",
        ),
        (
            json!({"kind": "document", "title": "x", "extra": 1}),
            "body",
        ),
    ] {
        let r = call(&api, Method::POST, &lessons, &t, Some(body.clone())).await;
        let (code, fields) = error_code(&r, 422);
        assert_eq!(code, "invalid");
        assert!(fields[field].is_string(), "{body}: {}", r.text);
    }
    assert_eq!(
        count(
            &app,
            format!("SELECT COUNT(*) FROM lessons WHERE course_id = {id}")
        )
        .await,
        before
    );

    // Rescheduling moves the start and sends the editor's update notice.
    let one = format!("{lessons}/{live_id}");
    let r = call(
        &api,
        Method::PATCH,
        &one,
        &t,
        Some(json!({"starts_at": "2031-03-05T08:00:00Z"})),
    )
    .await;
    r.assert_status(200);
    let v = json_of(&r);
    assert_eq!(v["starts_at"], "2031-03-05T08:00:00.000Z");
    assert_eq!(v["local_start"], "2031-03-05T09:00");
    assert_eq!(v["title"], "Kick-off");
    assert_eq!(
        count(
            &app,
            format!(
                "SELECT COUNT(*) FROM jobs WHERE dedupe_key LIKE 'reminder:{live_id}:%:update:%'"
            )
        )
        .await,
        1
    );
    // A change of title alone leaves the start where it is.
    let r = call(
        &api,
        Method::PATCH,
        &one,
        &t,
        Some(json!({"title": "Kick-off!"})),
    )
    .await;
    assert_eq!(json_of(&r)["starts_at"], "2031-03-05T08:00:00.000Z");
    let r = call(
        &api,
        Method::PATCH,
        &one,
        &t,
        Some(json!({"url": "https://x.example"})),
    )
    .await;
    assert!(error_code(&r, 422).1["url"].is_string());
    let r = call(
        &api,
        Method::PATCH,
        &one,
        &t,
        Some(json!({"duration_min": 100000})),
    )
    .await;
    assert!(error_code(&r, 422).1["duration_min"].is_string());

    // The session as a student sees it: its state and where to join, no Zoom secrets.
    let student = stored_token(&app, app.school.id, &app.student, &["live:read"]).await;
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/live-sessions/{live_id}"),
        &student,
        None,
    )
    .await;
    r.assert_status(200);
    let s = json_of(&r);
    assert_eq!(s["state"], "scheduled");
    assert_eq!(s["venue"], "zoom");
    assert_eq!(s["ends_at"], "2031-03-05T09:30:00.000Z");
    assert!(
        s["join_page"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/courses/negotiation/lessons/{live_id}")),
        "{s}"
    );
    for secret in ["start_url", "join_url", "passcode", "zoom.us"] {
        assert!(!r.text.contains(secret), "{secret}: {}", r.text);
    }
    // Students don't see a manager's fields of a lesson.
    let r = call(
        &api,
        Method::GET,
        &lessons,
        &stored_token(&app, app.school.id, &app.student, &["courses:read"]).await,
        None,
    )
    .await;
    assert!(
        json_of(&r)["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["url"].is_null() && l["body"].is_null())
    );

    // Live lessons need live:write too.
    let no_live = stored_token(&app, app.school.id, &app.instructor, &["courses:write"]).await;
    let r = call(
        &api,
        Method::POST,
        &lessons,
        &no_live,
        Some(json!({"kind": "webinar", "title": "x", "starts_at": "2031-03-04T14:30:00Z", "timezone": "UTC"})),
    )
    .await;
    assert_eq!(error_code(&r, 403).0, "insufficient_scope");
    assert!(r.text.contains("live:write"));
    for method in [Method::PATCH, Method::DELETE] {
        let r = call(
            &api,
            method.clone(),
            &one,
            &no_live,
            Some(json!({"title": "y"})),
        )
        .await;
        assert_eq!(error_code(&r, 403).0, "insufficient_scope", "{method}");
    }
    // Delete: the lesson goes, the others move up; a second delete is 404.
    call(&api, Method::DELETE, &one, &t, None)
        .await
        .assert_status(204);
    let r = call(&api, Method::DELETE, &one, &t, None).await;
    assert_eq!(error_code(&r, 404).0, "not_found");
    let r = call(&api, Method::GET, &lessons, &t, None).await;
    let positions: Vec<i64> = json_of(&r)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, [1, 2, 3, 4]);
    // Withdrawn to a draft: students no longer see it.
    call(
        &api,
        Method::PATCH,
        &path,
        &t,
        Some(json!({"published": false})),
    )
    .await
    .assert_status(200);
    let r = call(
        &api,
        Method::GET,
        &path,
        &stored_token(&app, app.school.id, &app.student, &["courses:read"]).await,
        None,
    )
    .await;
    assert_eq!(error_code(&r, 404).0, "not_found");
}

/// What every route is checked against: its scope (`None`: any token of the school) and
/// the roles that may use it on a course taught by the instructor, with the student
/// enrolled. Every operation of the OpenAPI document must have exactly one entry.
const MATRIX: &[(&str, &str, Option<&str>, &[&str])] = &[
    (
        "get",
        "/api/v1/courses",
        Some("courses:read"),
        &["admin", "instructor", "student"],
    ),
    (
        "post",
        "/api/v1/courses",
        Some("courses:write"),
        &["admin", "instructor"],
    ),
    (
        "get",
        "/api/v1/courses/{id}",
        Some("courses:read"),
        &["admin", "instructor", "student"],
    ),
    (
        "patch",
        "/api/v1/courses/{id}",
        Some("courses:write"),
        &["admin", "instructor"],
    ),
    (
        "get",
        "/api/v1/courses/{id}/lessons",
        Some("courses:read"),
        &["admin", "instructor", "student"],
    ),
    (
        "post",
        "/api/v1/courses/{id}/lessons",
        Some("courses:write"),
        &["admin", "instructor"],
    ),
    (
        "patch",
        "/api/v1/courses/{id}/lessons/{lesson_id}",
        Some("courses:write"),
        &["admin", "instructor"],
    ),
    (
        "delete",
        "/api/v1/courses/{id}/lessons/{lesson_id}",
        Some("courses:write"),
        &["admin", "instructor"],
    ),
    (
        "get",
        "/api/v1/courses/{id}/enrolments",
        Some("enrolments:read"),
        &["admin", "instructor"],
    ),
    (
        "post",
        "/api/v1/courses/{id}/enrolments",
        Some("enrolments:write"),
        &["admin", "instructor"],
    ),
    (
        "delete",
        "/api/v1/courses/{id}/enrolments/{user_id}",
        Some("enrolments:write"),
        &["admin", "instructor"],
    ),
    (
        "get",
        "/api/v1/courses/{id}/live-sessions",
        Some("live:read"),
        &["admin", "instructor", "student"],
    ),
    (
        "get",
        "/api/v1/live-sessions/{id}",
        Some("live:read"),
        &["admin", "instructor", "student"],
    ),
    (
        "get",
        "/api/v1/live-sessions/{id}/attendance",
        Some("live:read"),
        &["admin", "instructor"],
    ),
    (
        "get",
        "/api/v1/courses/{id}/progress",
        Some("progress:read"),
        &["admin", "instructor"],
    ),
    (
        "get",
        "/api/v1/me/progress",
        Some("progress:read"),
        &["admin", "instructor", "student"],
    ),
    (
        "get",
        "/api/v1/certificates",
        Some("progress:read"),
        &["admin", "instructor", "student"],
    ),
    (
        "get",
        "/api/v1/certificates/{serial}/verify",
        None,
        &["admin", "instructor", "student"],
    ),
    ("get", "/api/v1/users", Some("users:read"), &["admin"]),
    ("get", "/api/v1/users/{id}", Some("users:read"), &["admin"]),
];

/// A published course taught by the instructor with a required document lesson and a live
/// session, certificates on; the student enrolled and completed it (so holds one).
struct Fixture {
    course: i64,
    doc: i64,
    live: i64,
    serial: String,
    /// A student of the school for enrolment writes.
    spare: TestUser,
}

async fn fixture(app: &TestApp) -> Fixture {
    let inst = app.signed_in(&app.instructor).await;
    let (course, slug) = new_course(&inst, "Matrix").await;
    add_lesson(
        &inst,
        course,
        "document",
        &[("title", "Read"), ("required", "on"), ("body", "Text")],
    )
    .await;
    add_lesson(
        &inst,
        course,
        "live_session",
        &[
            ("title", "Live"),
            ("local_start", "2031-03-04T15:30"),
            ("timezone", "Europe/Berlin"),
            ("duration", "60"),
            ("body", ""),
        ],
    )
    .await;
    publish(&inst, course).await;
    let ids = lesson_ids(&inst, course).await;
    inst.post_form(
        &format!("/teach/courses/{course}/certificate"),
        &[("enabled", "on"), ("title", "Certificate")],
    )
    .await
    .assert_status(200);
    crate::support::courses::enroll(app, course, app.student.id).await;
    let student = app.signed_in(&app.student).await;
    student
        .post_form(&format!("/courses/{slug}/lessons/{}/complete", ids[0]), &[])
        .await
        .assert_status(303);
    app.drain_jobs().await;
    app.drain_jobs().await;
    let serial: String = sqlx::query_scalar("SELECT serial FROM certificates")
        .fetch_one(&app.db.pool)
        .await
        .expect("the student holds a certificate");
    let spare = app
        .create_user(
            app.school.id,
            "spare@test.example",
            "Spare",
            lectern::accounts::Role::Student,
        )
        .await;
    Fixture {
        course,
        doc: ids[0],
        live: ids[1],
        serial,
        spare,
    }
}

/// The concrete request for an operation (a fresh object for a delete, so each allowed
/// call has something to delete).
async fn request_for(
    app: &TestApp,
    fx: &Fixture,
    method: &str,
    path: &str,
) -> (String, Option<Value>) {
    let c = fx.course;
    let fill = |p: &str| {
        p.replace("{id}", &c.to_string())
            .replace("{lesson_id}", &fx.doc.to_string())
            .replace("{serial}", &fx.serial)
            .replace("{user_id}", &fx.spare.id.to_string())
    };
    match (method, path) {
        ("post", "/api/v1/courses") => (fill(path), Some(json!({"title": "Made in the matrix"}))),
        ("patch", "/api/v1/courses/{id}") => (fill(path), Some(json!({"description": "Changed"}))),
        ("post", "/api/v1/courses/{id}/lessons") => (
            fill(path),
            Some(json!({"kind": "document", "title": "Added", "required": false})),
        ),
        ("patch", "/api/v1/courses/{id}/lessons/{lesson_id}") => {
            (fill(path), Some(json!({"body": "Changed"})))
        }
        ("delete", "/api/v1/courses/{id}/lessons/{lesson_id}") => {
            let record = lectern::courses::LessonRecord {
                title: "Doomed".into(),
                required: false,
                body: String::new(),
                content: lectern::courses::LessonContent::Document,
            };
            let id = lectern::courses::insert_lesson(
                &app.db,
                &*app.state.course_hooks,
                lectern::db::SchoolId(app.school.id),
                lectern::db::CourseId(c),
                &record,
            )
            .await
            .unwrap();
            (format!("/api/v1/courses/{c}/lessons/{}", id.0), None)
        }
        ("post", "/api/v1/courses/{id}/enrolments") => {
            (fill(path), Some(json!({"user_id": fx.spare.id})))
        }
        ("delete", "/api/v1/courses/{id}/enrolments/{user_id}") => {
            crate::support::courses::enroll(app, c, fx.spare.id).await;
            (fill(path), None)
        }
        ("get", "/api/v1/live-sessions/{id}")
        | ("get", "/api/v1/live-sessions/{id}/attendance") => {
            (path.replace("{id}", &fx.live.to_string()), None)
        }
        ("get", "/api/v1/users/{id}") => (path.replace("{id}", &fx.spare.id.to_string()), None),
        _ => (fill(path), None),
    }
}

/// The operations of the served OpenAPI document, as (method, path).
async fn operations(api: &TestClient) -> BTreeSet<(String, String)> {
    let doc = json_of(&api.get("/api/v1/openapi.json").await);
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in ["get", "post", "put", "patch", "delete"] {
            if item.get(m).is_some() {
                ops.insert((m.to_string(), path.clone()));
            }
        }
    }
    ops
}

db_test!(every_route_is_checked_against_scopes_and_roles);
async fn every_route_is_checked_against_scopes_and_roles(app: TestApp) {
    let api = app.client();
    let fx = fixture(&app).await;
    let ops = operations(&api).await;
    let table: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|(m, p, _, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(table.len(), MATRIX.len(), "one entry per operation");
    assert_eq!(
        ops, table,
        "every operation of the document has an access-matrix entry, and no entry is stale"
    );
    let roles = [
        ("admin", &app.admin),
        ("instructor", &app.instructor),
        ("student", &app.student),
    ];
    for (method, path, scope, allowed) in MATRIX {
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        for (role, user) in roles {
            let what = format!("{method} {path} as {role}");
            // Every scope but the one needed: refused for the scope, whatever the role.
            if let Some(scope) = scope {
                let others: Vec<&str> = ALL.iter().copied().filter(|s| s != scope).collect();
                let t = stored_token(&app, app.school.id, user, &others).await;
                let (url, body) = request_for(&app, &fx, method, path).await;
                let r = call(&api, m.clone(), &url, &t, body).await;
                assert_eq!(error_code(&r, 403).0, "insufficient_scope", "{what}");
                assert!(r.text.contains(scope), "{what}: {}", r.text);
            }
            // Only the scope needed (any one for a route that needs none).
            let t = stored_token(&app, app.school.id, user, &[scope.unwrap_or("live:read")]).await;
            let (url, body) = request_for(&app, &fx, method, path).await;
            let r = call(&api, m.clone(), &url, &t, body).await;
            if allowed.contains(&role) {
                assert!(r.status.is_success(), "{what}: {} {}", r.status, r.text);
            } else {
                assert_eq!(error_code(&r, 403).0, "forbidden", "{what}");
            }
        }
    }
}

db_test!(another_schools_token_finds_none_of_this_schools_objects);
async fn another_schools_token_finds_none_of_this_schools_objects(app: TestApp) {
    let fx = fixture(&app).await;
    let other = app.other_school().await;
    let b = stored_token(&app, other.school.id, &other.admin, ALL).await;
    let on_b = other.client();
    let api = app.client();
    let before_lessons = app.scalar("SELECT COUNT(*) FROM lessons").await;
    let before_enrolments = app.scalar("SELECT COUNT(*) FROM enrollments").await;
    for (method, path, _, _) in MATRIX {
        let (url, body) = request_for(&app, &fx, method, path).await;
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let r = call(&on_b, m, &url, &b, body).await;
        if path.contains('{') {
            assert_eq!(error_code(&r, 404).0, "not_found", "{method} {path}");
        } else {
            // Lists answer with school B's own objects only.
            assert!(r.status.is_success(), "{method} {path}: {}", r.text);
            for id in [fx.course, fx.doc, fx.live] {
                assert!(
                    !r.text.contains(&format!("\"id\":{id},\"slug\":\"matrix\"")),
                    "{method} {path}: {}",
                    r.text
                );
            }
            assert!(!r.text.contains(&fx.serial) && !r.text.contains("spare@test.example"));
        }
    }
    // Nor does a query or body naming this school's objects reach them.
    let r = call(
        &on_b,
        Method::GET,
        &format!("/api/v1/certificates?course_id={}", fx.course),
        &b,
        None,
    )
    .await;
    assert_eq!(error_code(&r, 404).0, "not_found");
    // And school A's token is no token on B's host.
    let a = stored_token(&app, app.school.id, &app.admin, ALL).await;
    let r = call(&on_b, Method::GET, "/api/v1/users", &a, None).await;
    assert_eq!(error_code(&r, 401).0, "unauthorized");
    // The deletes prepared above (one lesson, one enrolment) are all that changed.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM lessons").await,
        before_lessons + 1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM enrollments").await,
        before_enrolments + 1
    );
    let _ = api;
}

db_test!(progress_certificates_and_users_read_what_the_pages_show);
async fn progress_certificates_and_users_read_what_the_pages_show(app: TestApp) {
    let fx = fixture(&app).await;
    let api = app.client();
    let inst = stored_token(&app, app.school.id, &app.instructor, &["progress:read"]).await;
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/courses/{}/progress", fx.course),
        &inst,
        None,
    )
    .await;
    let v = json_of(&r);
    let rows = v["data"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{v}");
    assert_eq!(rows[0]["user_id"], app.student.id);
    assert_eq!(rows[0]["completed_lessons"], json!([fx.doc]));
    assert_eq!(
        (
            rows[0]["required_done"].as_i64(),
            rows[0]["required_total"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert!(rows[0]["completed_at"].is_string());
    // Paged by user id: a second student who did nothing.
    crate::support::courses::enroll(&app, fx.course, fx.spare.id).await;
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/courses/{}/progress?limit=1", fx.course),
        &inst,
        None,
    )
    .await;
    let v = json_of(&r);
    assert_eq!(v["data"][0]["user_id"], app.student.id);
    let c = v["next_cursor"].as_str().unwrap().to_string();
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/courses/{}/progress?limit=1&cursor={c}", fx.course),
        &inst,
        None,
    )
    .await;
    let v = json_of(&r);
    assert_eq!(v["data"][0]["user_id"], fx.spare.id);
    assert_eq!(v["data"][0]["completed_lessons"], json!([]));
    assert!(v["data"][0]["completed_at"].is_null());
    assert!(v["next_cursor"].is_null());
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/courses/{}/progress?cursor={c}x", fx.course),
        &inst,
        None,
    )
    .await;
    assert!(error_code(&r, 422).1["cursor"].is_string());

    // The student's own.
    let st = stored_token(&app, app.school.id, &app.student, &["progress:read"]).await;
    let r = call(&api, Method::GET, "/api/v1/me/progress", &st, None).await;
    let v = json_of(&r);
    assert_eq!(v["data"][0]["course_id"], fx.course);
    assert!(v["data"][0]["completed_at"].is_string());
    let r = call(&api, Method::GET, "/api/v1/certificates", &st, None).await;
    let v = json_of(&r);
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert_eq!(v["data"][0]["serial"], fx.serial.as_str());
    assert_eq!(v["data"][0]["user_id"], app.student.id);
    // The instructor holds none, but sees the course's.
    let r = call(&api, Method::GET, "/api/v1/certificates", &inst, None).await;
    assert_eq!(json_of(&r)["data"].as_array().unwrap().len(), 0);
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/certificates?course_id={}", fx.course),
        &inst,
        None,
    )
    .await;
    assert_eq!(json_of(&r)["data"][0]["serial"], fx.serial.as_str());
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/certificates?course_id={}", fx.course),
        &st,
        None,
    )
    .await;
    assert_eq!(error_code(&r, 403).0, "forbidden");
    let r = call(
        &api,
        Method::GET,
        "/api/v1/certificates?course_id=abc",
        &st,
        None,
    )
    .await;
    assert!(error_code(&r, 422).1["course_id"].is_string());
    // Verification: the facts of /C/{serial}, in any case and with dashes.
    let typed = format!("{}-{}", &fx.serial[..8], fx.serial[8..].to_lowercase());
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/certificates/{typed}/verify"),
        &st,
        None,
    )
    .await;
    let v = json_of(&r);
    assert_eq!(v["serial"], fx.serial.as_str());
    assert!(
        ["valid", "pending"].contains(&v["status"].as_str().unwrap()),
        "{v}"
    );
    assert_eq!(v["course_title"], "Matrix");
    let page = app.client().get(&format!("/C/{}", fx.serial)).await;
    assert_eq!(
        page.texts("#certificate-learner"),
        vec![v["learner_name"].as_str().unwrap().to_string()]
    );
    let r = call(
        &api,
        Method::GET,
        "/api/v1/certificates/NOSUCHSERIAL0000/verify",
        &st,
        None,
    )
    .await;
    assert_eq!(error_code(&r, 404).0, "not_found");

    // Users: admins only, filtered by role and time.
    let admin = stored_token(&app, app.school.id, &app.admin, &["users:read"]).await;
    let r = call(
        &api,
        Method::GET,
        "/api/v1/users?role=student",
        &admin,
        None,
    )
    .await;
    let ids: Vec<i64> = json_of(&r)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![app.student.id, fx.spare.id]);
    assert!(!r.text.contains("password"));
    let r = call(&api, Method::GET, "/api/v1/users?limit=2", &admin, None).await;
    let v = json_of(&r);
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    assert!(v["next_cursor"].is_string());
    let r = call(
        &api,
        Method::GET,
        "/api/v1/users?updated_since=2999-01-01T00:00:00Z",
        &admin,
        None,
    )
    .await;
    assert_eq!(json_of(&r)["data"].as_array().unwrap().len(), 0);
    // A role change counts as a change.
    let before = lectern::db::now_ms();
    lectern::accounts::set_role(
        &app.db,
        &app.state.sessions,
        app.school.id,
        fx.spare.id,
        lectern::accounts::Role::Instructor,
    )
    .await
    .unwrap();
    let since = jiff::Timestamp::from_millisecond(before)
        .unwrap()
        .to_string();
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/users?updated_since={since}"),
        &admin,
        None,
    )
    .await;
    let v = json_of(&r);
    assert_eq!(v["data"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["data"][0]["role"], "instructor");
    for (q, field) in [
        ("role=root", "role"),
        ("updated_since=now", "updated_since"),
        ("limit=0", "limit"),
    ] {
        let r = call(
            &api,
            Method::GET,
            &format!("/api/v1/users?{q}"),
            &admin,
            None,
        )
        .await;
        assert!(error_code(&r, 422).1[field].is_string(), "{q}");
    }
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/users/{}", app.student.id),
        &admin,
        None,
    )
    .await;
    assert_eq!(json_of(&r)["email"], app.student.email.as_str());
    let r = call(&api, Method::GET, "/api/v1/users/999999", &admin, None).await;
    assert_eq!(error_code(&r, 404).0, "not_found");

    // The token page offers each role the scopes it can use.
    for (user, offered, withheld) in [
        (
            &app.student,
            &["courses:read", "live:read", "progress:read"][..],
            &[
                "users:read",
                "courses:write",
                "live:write",
                "enrolments:read",
                "enrolments:write",
            ][..],
        ),
        (
            &app.instructor,
            &[
                "courses:write",
                "live:write",
                "enrolments:write",
                "progress:read",
            ][..],
            &["users:read"][..],
        ),
        (&app.admin, ALL, &[][..]),
    ] {
        let page = app.signed_in(user).await.get("/profile/tokens").await;
        page.assert_status(200);
        for s in offered {
            assert!(
                page.text.contains(&format!("value=\"{s}\"")),
                "{} is offered {s}",
                user.email
            );
        }
        for s in withheld {
            assert!(
                !page.text.contains(&format!("value=\"{s}\"")),
                "{} is not offered {s}",
                user.email
            );
        }
    }
}
