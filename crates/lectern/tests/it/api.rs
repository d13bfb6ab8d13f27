//! The JSON API (`/api/v1`, docs/api.md): personal access tokens (shown once, stored as
//! a keyed hash, revoked and expired → 401), scopes (403 naming the scope), tenancy (a
//! token works on its own school's host only), cursor pages, `Idempotency-Key`, the error
//! body, the rate limit, and the OpenAPI document against the router.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::TestApp;
use crate::support::api::{
    ALL, call, error_code, json_of, make_token, post_keyed, stored_token, token_for,
};
use crate::support::courses::published_course;

db_test!(a_token_is_shown_once_stored_as_a_hash_and_dies_when_revoked_or_expired);
async fn a_token_is_shown_once_stored_as_a_hash_and_dies_when_revoked_or_expired(app: TestApp) {
    let c = app.signed_in(&app.admin).await;
    let secret = make_token(&c, &["courses:read"], "7").await;
    // Shown once: the list shows its prefix, never the token.
    let list = c.get("/profile/tokens").await;
    list.assert_status(200);
    assert!(!list.text.contains(&secret));
    assert!(
        list.text.contains(&secret[..10]),
        "the prefix identifies it"
    );
    // Stored: the keyed hash, and the token in no column.
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT token_hash, prefix, name, scopes FROM api_tokens")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, app.state.config.secret_key.token_hash(&secret));
    for col in [&rows[0].0, &rows[0].1, &rows[0].2, &rows[0].3] {
        assert!(!col.contains(&secret[4..]), "{col}");
    }
    let api = app.client();
    call(&api, Method::GET, "/api/v1/courses", &secret, None)
        .await
        .assert_status(200);
    let used = || async {
        sqlx::query_scalar::<_, Option<i64>>("SELECT last_used_at FROM api_tokens")
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
    };
    let first = used().await.expect("last use recorded");
    call(&api, Method::GET, "/api/v1/courses", &secret, None)
        .await
        .assert_status(200);
    assert_eq!(used().await, Some(first), "written at most once a minute");
    app.db.clock.advance(61_000);
    call(&api, Method::GET, "/api/v1/courses", &secret, None)
        .await
        .assert_status(200);
    assert!(used().await.unwrap() >= first + 61_000);

    // No token, a malformed header, an unknown token: 401 with the error body.
    let r = api.get("/api/v1/courses").await;
    assert_eq!(error_code(&r, 401).0, "unauthorized");
    assert!(
        r.header("www-authenticate")
            .is_some_and(|h| h.starts_with("Bearer"))
    );
    let r = call(&api, Method::GET, "/api/v1/courses", "lct_nope", None).await;
    assert_eq!(error_code(&r, 401).0, "unauthorized");

    // Expiry: 7 days.
    app.db.clock.advance(7 * 86_400_000);
    let r = call(&api, Method::GET, "/api/v1/courses", &secret, None).await;
    assert_eq!(error_code(&r, 401).0, "unauthorized");
    assert!(r.text.contains("expired"), "{}", r.text);
    assert!(c.get("/profile/tokens").await.text.contains("expired"));

    // Revocation.
    let other = make_token(&c, &["courses:read"], "30").await;
    call(&api, Method::GET, "/api/v1/courses", &other, None)
        .await
        .assert_status(200);
    // Each token's state is a label, as a person writes it: the expired one and the new one.
    let states = |page: &crate::support::Resp| {
        let mut s: Vec<(String, String)> = page
            .doc()
            .select(&scraper::Selector::parse("#token-list .token-state").unwrap())
            .map(|e| {
                (
                    e.value().attr("data-state").unwrap_or_default().to_string(),
                    e.text().collect::<String>(),
                )
            })
            .collect();
        s.sort();
        s
    };
    let pair = |state: &str, label: &str| (state.to_string(), label.to_string());
    assert_eq!(
        states(&c.get("/profile/tokens").await),
        [pair("active", "Active"), pair("expired", "Expired")]
    );
    let id: i64 = sqlx::query_scalar("SELECT MAX(id) FROM api_tokens")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    // Not someone else's to revoke.
    app.signed_in(&app.instructor)
        .await
        .post_form(&format!("/profile/tokens/{id}/revoke"), &[])
        .await
        .assert_status(404);
    call(&api, Method::GET, "/api/v1/courses", &other, None)
        .await
        .assert_status(200);
    c.post_form(&format!("/profile/tokens/{id}/revoke"), &[])
        .await
        .assert_redirect_to("/profile/tokens");
    // The notice once: a reload of the page does not say it again.
    let page = c.get("/profile/tokens").await;
    assert_eq!(page.texts("#token-revoked").len(), 1, "{}", page.text);
    assert_eq!(
        states(&page),
        [pair("expired", "Expired"), pair("revoked", "Revoked")]
    );
    assert!(
        c.get("/profile/tokens")
            .await
            .texts("#token-revoked")
            .is_empty()
    );
    let r = call(&api, Method::GET, "/api/v1/courses", &other, None).await;
    assert_eq!(error_code(&r, 401).0, "unauthorized");
    assert!(r.text.contains("revoked"), "{}", r.text);

    // A bad form is shown again with its error, and makes nothing.
    let r = c
        .post_form("/profile/tokens", &[("name", "x"), ("days", "30")])
        .await;
    r.assert_status(422);
    assert!(r.texts("#token-secret").is_empty());
    let r = c
        .post_form(
            "/profile/tokens",
            &[("name", "x"), ("days", "30"), ("scope", "root")],
        )
        .await;
    r.assert_status(422);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM api_tokens").await, 2);
}

db_test!(a_missing_scope_is_403_naming_it);
async fn a_missing_scope_is_403_naming_it(app: TestApp) {
    let made = published_course(&app, "Scoped", &[]).await;
    let token = token_for(&app, &app.admin, &["live:read"]).await;
    let api = app.client();
    for (method, path, scope) in [
        (Method::GET, "/api/v1/courses".to_string(), "courses:read"),
        (
            Method::GET,
            format!("/api/v1/courses/{}", made.id),
            "courses:read",
        ),
        (
            Method::GET,
            format!("/api/v1/courses/{}/enrolments", made.id),
            "enrolments:read",
        ),
        (
            Method::DELETE,
            format!("/api/v1/courses/{}/enrolments/1", made.id),
            "enrolments:write",
        ),
    ] {
        let r = call(&api, method, &path, &token, None).await;
        assert_eq!(error_code(&r, 403).0, "insufficient_scope", "{path}");
        assert!(r.text.contains(scope), "{path}: {}", r.text);
    }
    let r = call(
        &api,
        Method::POST,
        &format!("/api/v1/courses/{}/enrolments", made.id),
        &token,
        Some(json!({"user_id": app.student.id})),
    )
    .await;
    assert!(error_code(&r, 403).0 == "insufficient_scope" && r.text.contains("enrolments:write"));
    // live:read is what it has.
    call(
        &api,
        Method::GET,
        &format!("/api/v1/courses/{}/live-sessions", made.id),
        &token,
        None,
    )
    .await
    .assert_status(200);
    // A scope is not a role. The token page refuses a student the scopes a student can
    // never use, each with its field error, and keeps the form as it was sent.
    let c = app.signed_in(&app.student).await;
    let mut fields = vec![("name", "everything"), ("days", "7")];
    fields.extend(ALL.iter().map(|s| ("scope", *s)));
    let r = c.post_form("/profile/tokens", &fields).await;
    r.assert_status(422);
    assert!(r.texts("#token-secret").is_empty());
    let refused = [
        "courses:write",
        "enrolments:read",
        "enrolments:write",
        "live:write",
        "users:read",
    ];
    for s in ALL {
        let error = r.texts(&format!("[data-scope-error=\"{s}\"]"));
        if refused.contains(s) {
            assert!(
                error.len() == 1 && error[0].contains(s),
                "{s} has its field error: {}",
                r.text
            );
        } else {
            assert!(error.is_empty(), "{s} is a student's: {}", r.text);
        }
        // Kept: every scope sent is still ticked.
        assert_eq!(
            r.attr(&format!("input[name=scope][value=\"{s}\"]"), "checked"),
            Some(String::new()),
            "{s} stays ticked"
        );
    }
    assert_eq!(
        r.attr("input[name=name]", "value").as_deref(),
        Some("everything")
    );
    assert_eq!(
        r.attr("select[name=days] option[selected]", "value")
            .as_deref(),
        Some("7")
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM api_tokens").await, 1);
    // A token that has them anyway (its user's role changed after it was made) still
    // manages nothing.
    let student = stored_token(&app, app.school.id, &app.student, ALL).await;
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/courses/{}/enrolments", made.id),
        &student,
        None,
    )
    .await;
    assert_eq!(error_code(&r, 403).0, "forbidden");
    let r = call(
        &api,
        Method::POST,
        &format!("/api/v1/courses/{}/enrolments", made.id),
        &student,
        Some(json!({"user_id": app.student.id})),
    )
    .await;
    assert_eq!(error_code(&r, 403).0, "forbidden");
    assert_eq!(app.scalar("SELECT COUNT(*) FROM enrollments").await, 0);
}

db_test!(a_token_acts_in_its_own_school_only);
async fn a_token_acts_in_its_own_school_only(app: TestApp) {
    let ours = published_course(&app, "Ours", &[]).await;
    let other = app.other_school().await;
    let theirs =
        crate::support::courses::published_in(&app, other.school.id, other.instructor.id, "Theirs")
            .await;
    let a = token_for(&app, &app.admin, ALL).await;
    let b = make_token(&other.signed_in(&other.admin).await, ALL, "30").await;

    // School A's token on school B's host: not a token there.
    let on_b = other.client();
    let r = call(&on_b, Method::GET, "/api/v1/courses", &a, None).await;
    assert_eq!(error_code(&r, 401).0, "unauthorized");
    let r = call(&app.client(), Method::GET, "/api/v1/courses", &b, None).await;
    assert_eq!(error_code(&r, 401).0, "unauthorized");

    // Each sees its own school's courses only.
    let ids = |v: Value| -> Vec<i64> {
        v["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect()
    };
    let r = call(&app.client(), Method::GET, "/api/v1/courses", &a, None).await;
    assert_eq!(ids(json_of(&r)), vec![ours.id]);
    let r = call(&on_b, Method::GET, "/api/v1/courses", &b, None).await;
    assert_eq!(ids(json_of(&r)), vec![theirs.id.0]);
    for path in [
        format!("/api/v1/courses/{}", theirs.id.0),
        format!("/api/v1/courses/{}/enrolments", theirs.id.0),
        format!("/api/v1/courses/{}/live-sessions", theirs.id.0),
    ] {
        let r = call(&app.client(), Method::GET, &path, &a, None).await;
        assert_eq!(error_code(&r, 404).0, "not_found", "{path}");
    }
    // Nor can A enrol B's student, in its own course or theirs.
    let r = call(
        &app.client(),
        Method::POST,
        &format!("/api/v1/courses/{}/enrolments", ours.id),
        &a,
        Some(json!({"user_id": other.student.id})),
    )
    .await;
    let (code, fields) = error_code(&r, 422);
    assert_eq!(code, "invalid");
    assert!(fields["user_id"].is_string());
    assert_eq!(app.scalar("SELECT COUNT(*) FROM enrollments").await, 0);
}

db_test!(cursor_pages_list_every_row_once);
async fn cursor_pages_list_every_row_once(app: TestApp) {
    let mut made = Vec::new();
    for i in 0..5 {
        made.push(published_course(&app, &format!("Course {i}"), &[]).await.id);
    }
    // A draft: the instructor (and admins) see it, students don't.
    let draft = lectern::courses::create(
        &app.db,
        app.school.id,
        app.instructor.id,
        lectern::courses::CourseFields {
            title: "Draft",
            description: "",
            cover_url: None,
        },
    )
    .await
    .unwrap();
    let api = app.client();
    let walk = |token: String| {
        let api = api.clone();
        async move {
            let mut seen = Vec::new();
            let mut cursor: Option<String> = None;
            let mut pages = 0;
            loop {
                let path = match &cursor {
                    Some(c) => format!("/api/v1/courses?limit=2&cursor={c}"),
                    None => "/api/v1/courses?limit=2".to_string(),
                };
                let r = call(&api, Method::GET, &path, &token, None).await;
                r.assert_status(200);
                let v = json_of(&r);
                let data = v["data"].as_array().unwrap();
                assert!(data.len() <= 2);
                seen.extend(data.iter().map(|c| c["id"].as_i64().unwrap()));
                pages += 1;
                match v["next_cursor"].as_str() {
                    Some(c) => cursor = Some(c.to_string()),
                    None => break,
                }
            }
            (seen, pages)
        }
    };
    let student = token_for(&app, &app.student, &["courses:read"]).await;
    let (seen, pages) = walk(student.clone()).await;
    assert_eq!(seen, made, "by id, each once, no draft");
    assert_eq!(pages, 3);
    let admin = token_for(&app, &app.admin, &["courses:read"]).await;
    let (seen, _) = walk(admin.clone()).await;
    let mut all = made.clone();
    all.push(draft.id.0);
    assert_eq!(seen, all);
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/courses/{}", draft.id.0),
        &student,
        None,
    )
    .await;
    assert_eq!(error_code(&r, 404).0, "not_found");

    // Filtering by time.
    let r = call(
        &api,
        Method::GET,
        "/api/v1/courses?updated_since=2999-01-01T00:00:00Z",
        &admin,
        None,
    )
    .await;
    assert_eq!(json_of(&r)["data"].as_array().unwrap().len(), 0);
    let r = call(
        &api,
        Method::GET,
        "/api/v1/courses?updated_since=2000-01-01T00:00:00Z",
        &admin,
        None,
    )
    .await;
    assert_eq!(json_of(&r)["data"].as_array().unwrap().len(), 6);

    // Bad parameters: 422 naming them.
    for (path, field) in [
        ("/api/v1/courses?limit=101", "limit"),
        ("/api/v1/courses?limit=0", "limit"),
        ("/api/v1/courses?limit=abc", "limit"),
        ("/api/v1/courses?cursor=bogus", "cursor"),
        ("/api/v1/courses?updated_since=yesterday", "updated_since"),
        ("/api/v1/courses?colour=red", "colour"),
    ] {
        let r = call(&api, Method::GET, path, &admin, None).await;
        let (code, fields) = error_code(&r, 422);
        assert_eq!(code, "invalid");
        assert!(fields[field].is_string(), "{path}: {}", r.text);
    }
    // A cursor of another list is refused too.
    let token = token_for(&app, &app.admin, ALL).await;
    for user in [&app.student, &app.instructor, &app.admin] {
        let r = call(
            &api,
            Method::POST,
            &format!("/api/v1/courses/{}/enrolments", made[0]),
            &token,
            Some(json!({"user_id": user.id})),
        )
        .await;
        r.assert_status(201);
    }
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/courses/{}/enrolments?limit=2", made[0]),
        &token,
        None,
    )
    .await;
    let v = json_of(&r);
    assert_eq!(v["data"].as_array().unwrap().len(), 2);
    let c = v["next_cursor"].as_str().unwrap();
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/courses?cursor={c}"),
        &token,
        None,
    )
    .await;
    assert!(error_code(&r, 422).1["cursor"].is_string());
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/courses/{}/enrolments?cursor={c}", made[1]),
        &token,
        None,
    )
    .await;
    assert!(error_code(&r, 422).1["cursor"].is_string());
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/courses/{}/enrolments?limit=2&cursor={c}", made[0]),
        &token,
        None,
    )
    .await;
    let v = json_of(&r);
    assert_eq!(v["data"].as_array().unwrap().len(), 1);
    assert!(v["next_cursor"].is_null());
}

db_test!(an_idempotency_key_creates_once_and_replays_the_same_answer);
async fn an_idempotency_key_creates_once_and_replays_the_same_answer(app: TestApp) {
    let made = published_course(&app, "Once", &[]).await;
    let token = token_for(
        &app,
        &app.instructor,
        &["enrolments:read", "enrolments:write"],
    )
    .await;
    let api = app.client();
    let path = format!("/api/v1/courses/{}/enrolments", made.id);
    let post = |key: &'static str, user: i64| {
        let (api, path, token) = (api.clone(), path.clone(), token.clone());
        async move { post_keyed(&api, &path, &token, key, json!({"user_id": user})).await }
    };
    let first = post("key-1", app.student.id).await;
    first.assert_status(201);
    assert_eq!(json_of(&first)["user_id"], app.student.id);
    let again = post("key-1", app.student.id).await;
    again.assert_status(201);
    assert_eq!(again.text, first.text, "the same body");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM enrollments").await, 1);
    // The key with another request: refused.
    let r = post("key-1", app.admin.id).await;
    assert!(error_code(&r, 422).1["Idempotency-Key"].is_string());
    assert_eq!(app.scalar("SELECT COUNT(*) FROM enrollments").await, 1);

    // Racing requests with one key: one enrolment, one answer.
    let racers: Vec<_> = (0..6)
        .map(|_| tokio::spawn(post("key-2", app.admin.id)))
        .collect();
    let mut bodies = HashSet::new();
    for r in racers {
        let r = r.await.unwrap();
        r.assert_status(201);
        bodies.insert(r.text);
    }
    assert_eq!(bodies.len(), 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM enrollments").await, 2);

    // Without a key, enrolling someone enrolled already is 200 and changes nothing.
    let r = call(
        &api,
        Method::POST,
        &path,
        &token,
        Some(json!({"user_id": app.student.id})),
    )
    .await;
    r.assert_status(200);
    assert_eq!(json_of(&r)["enrolled_at"], json_of(&first)["enrolled_at"]);
    let r = post_keyed(&api, &path, &token, "", json!({"user_id": app.student.id})).await;
    assert!(error_code(&r, 422).1["Idempotency-Key"].is_string());

    // Remove.
    let one = format!("{path}/{}", app.student.id);
    call(&api, Method::DELETE, &one, &token, None)
        .await
        .assert_status(204);
    let r = call(&api, Method::DELETE, &one, &token, None).await;
    assert_eq!(error_code(&r, 404).0, "not_found");
    let r = call(&api, Method::GET, &path, &token, None).await;
    let listed: Vec<i64> = json_of(&r)["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["user_id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, vec![app.admin.id]);
}

db_test!(errors_have_one_shape_and_rate_limits_say_when_to_retry);
async fn errors_have_one_shape_and_rate_limits_say_when_to_retry(app: TestApp) {
    let made = published_course(
        &app,
        "Shapes",
        &[(
            "live_session",
            vec![
                ("title", "Kick-off"),
                ("local_start", "2031-03-04T15:30"),
                ("timezone", "Europe/Berlin"),
                ("duration", "90"),
                ("body", ""),
            ],
        )],
    )
    .await;
    let token = token_for(&app, &app.admin, ALL).await;
    let api = app.client();
    let path = format!("/api/v1/courses/{}/enrolments", made.id);
    assert_eq!(
        error_code(
            &call(&api, Method::GET, "/api/v1/nothing", &token, None).await,
            404
        )
        .0,
        "not_found"
    );
    assert_eq!(
        error_code(
            &call(&api, Method::PUT, "/api/v1/courses", &token, None).await,
            405
        )
        .0,
        "method_not_allowed"
    );
    assert_eq!(
        error_code(
            &call(&api, Method::GET, "/api/v1/courses/abc", &token, None).await,
            404
        )
        .0,
        "not_found"
    );
    assert_eq!(
        error_code(
            &call(&api, Method::GET, "/api/v1/courses/999999", &token, None).await,
            404
        )
        .0,
        "not_found"
    );
    let raw = |body: &'static str, ct: &'static str| {
        api.request(Method::POST, &path)
            .bearer_auth(&token)
            .header("content-type", ct)
            .body(body)
    };
    assert_eq!(
        error_code(&api.send(raw("{not json", "application/json")).await, 400).0,
        "bad_request"
    );
    assert_eq!(
        error_code(&api.send(raw("{\"user_id\": 1}", "text/plain")).await, 415).0,
        "unsupported_media_type"
    );
    let big = api
        .request(Method::POST, &path)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(format!(
            "{{\"user_id\": 1, \"pad\": \"{}\"}}",
            "x".repeat(100 * 1024)
        ));
    assert_eq!(error_code(&api.send(big).await, 413).0, "too_large");
    for body in [
        "{\"user_id\": \"x\"}",
        "{\"user_id\": 1, \"admin\": true}",
        "{}",
    ] {
        let (code, fields) = error_code(&api.send(raw(body, "application/json")).await, 422);
        assert_eq!(code, "invalid");
        assert!(fields["body"].is_string(), "{body}");
    }

    // Live sessions: state and start.
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/courses/{}/live-sessions", made.id),
        &token,
        None,
    )
    .await;
    let v = json_of(&r);
    let s = &v["data"][0];
    assert_eq!(s["id"], made.lessons[0]);
    assert_eq!(s["state"], "scheduled");
    assert_eq!(s["starts_at"], "2031-03-04T14:30:00.000Z");
    let r = call(
        &api,
        Method::GET,
        &format!(
            "/api/v1/courses/{}/live-sessions?starts_after=2031-03-05T00:00:00Z",
            made.id
        ),
        &token,
        None,
    )
    .await;
    assert_eq!(json_of(&r)["data"].as_array().unwrap().len(), 0);
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/live-sessions/{}/attendance", made.lessons[0]),
        &token,
        None,
    )
    .await;
    r.assert_status(200);
    assert_eq!(json_of(&r)["attendees"].as_array().unwrap().len(), 0);
    // A student not enrolled sees no sessions; nobody but managers sees attendance, even
    // with every scope (a token made when its user's role was wider).
    let student = stored_token(&app, app.school.id, &app.student, ALL).await;
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/courses/{}/live-sessions", made.id),
        &student,
        None,
    )
    .await;
    assert_eq!(error_code(&r, 403).0, "forbidden");
    let r = call(
        &api,
        Method::GET,
        &format!("/api/v1/live-sessions/{}/attendance", made.lessons[0]),
        &student,
        None,
    )
    .await;
    assert_eq!(error_code(&r, 403).0, "forbidden");

    // The rate limit: headers on every answer, then 429 with Retry-After.
    let ok = call(&api, Method::GET, "/api/v1/courses", &student, None).await;
    ok.assert_status(200);
    let limit: u64 = ok.header("ratelimit-limit").unwrap().parse().unwrap();
    let remaining: u64 = ok.header("ratelimit-remaining").unwrap().parse().unwrap();
    assert!(remaining < limit && ok.header("ratelimit-reset").is_some());
    let mut limited = None;
    for _ in 0..limit * 3 {
        let r = call(&api, Method::GET, "/api/v1/courses", &student, None).await;
        if r.status == 429 {
            limited = Some(r);
            break;
        }
        let now: u64 = r.header("ratelimit-remaining").unwrap().parse().unwrap();
        assert!(now < limit);
    }
    let r = limited.expect("the bucket empties");
    assert_eq!(error_code(&r, 429).0, "rate_limited");
    assert!(r.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(r.header("ratelimit-remaining"), Some("0"));
    // Per token: the admin's is untouched.
    call(&api, Method::GET, "/api/v1/courses", &token, None)
        .await
        .assert_status(200);
}

db_test!(the_openapi_document_and_the_router_cannot_drift);
/// Every operation of the document is routed with its method (a request without a token
/// reaches the token layer: 401), every other method on its path is 405, and nothing is
/// routed under /api/v1 that the document lacks: the handlers are registered only through
/// `routes!` in `operations()` (checked in the source), each `#[utoipa::path]` is in the
/// document once, and an unlisted path is 404.
async fn the_openapi_document_and_the_router_cannot_drift(app: TestApp) {
    let api = app.client();
    let r = api.get("/api/v1/openapi.json").await;
    r.assert_status(200);
    let doc = json_of(&r);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    assert_eq!(doc, serde_json::to_value(lectern::api::openapi()).unwrap());
    let methods = ["get", "post", "put", "patch", "delete"];
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        assert!(path.starts_with("/api/v1/"), "{path}");
        let concrete = path
            .split('/')
            .map(|s| if s.starts_with('{') { "7" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for m in methods {
            let method = Method::from_bytes(m.to_uppercase().as_bytes()).unwrap();
            let r = api.send(api.request(method, &concrete)).await;
            if item.get(m).is_some() {
                operations += 1;
                assert_eq!(
                    error_code(&r, 401).0,
                    "unauthorized",
                    "{m} {path} is routed"
                );
                assert!(
                    item[m]["responses"].get("401").is_some(),
                    "{m} {path} documents 401"
                );
            } else {
                assert_eq!(
                    error_code(&r, 405).0,
                    "method_not_allowed",
                    "{m} {path} is not routed"
                );
            }
        }
    }
    assert!(operations >= 7);
    let src = |f: &str| {
        std::fs::read_to_string(format!("{}/src/api/{f}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    };
    let mut annotated = 0;
    for f in std::fs::read_dir(format!("{}/src/api", env!("CARGO_MANIFEST_DIR"))).unwrap() {
        let name = f.unwrap().file_name().into_string().unwrap();
        annotated += src(&name).matches("#[utoipa::path(").count();
    }
    assert_eq!(
        annotated, operations,
        "every #[utoipa::path] handler is in the document"
    );
    let module = src("mod.rs");
    let routes: Vec<&str> = module
        .match_indices(".route(\"")
        .map(|(i, _)| module[i + 8..].split('"').next().unwrap())
        .collect();
    assert_eq!(
        routes,
        vec!["/api/v1", "/api/v1/", "/api/v1/{*rest}"],
        "outside `routes!`, only the JSON 404 for unknown paths is routed"
    );
    assert!(!module.contains(".route_service(") && !module.contains(".nest("));
    assert_eq!(
        error_code(&api.get("/api/v1/courses/7/unknown").await, 404).0,
        "not_found"
    );
    assert_eq!(error_code(&api.get("/api/v1").await, 404).0, "not_found");
    // With a trailing slash, and any unknown path below it, the answer is the API's JSON
    // error too, never the web app's HTML page.
    for path in [
        "/api/v1/",
        "/api/v1/nothing/",
        "/api/v1/courses/",
        "/api/v1/x/y/z",
    ] {
        let r = api.get(path).await;
        assert_eq!(error_code(&r, 404).0, "not_found", "{path}");
        assert!(
            r.header("content-type")
                .is_some_and(|c| c.starts_with("application/json")),
            "{path}"
        );
    }
    // The reference page, served from vendored assets.
    let page = api.get("/api/v1/docs/").await;
    page.assert_status(200);
    assert!(page.text.contains("swagger"), "{}", page.text);
}

db_test!(the_token_page_describes_each_scope_and_asks_before_revoking);
async fn the_token_page_describes_each_scope_and_asks_before_revoking(app: TestApp) {
    let c = app.signed_in(&app.admin).await;
    make_token(&c, &["courses:read"], "30").await;
    let page = c.get("/profile/tokens").await;
    page.assert_status(200);
    // Each scope has its own line.
    let mut lines = HashSet::new();
    for s in ALL {
        let d = page.texts(&format!("[data-scope-description=\"{s}\"]"));
        assert_eq!(d.len(), 1, "{s}: {}", page.text);
        assert!(
            !d[0].trim().is_empty() && lines.insert(d[0].clone()),
            "{s}: {d:?}"
        );
    }
    // Revoke asks first, through the app's data-confirm.
    let confirm = page.attr("form[action$=\"/revoke\"]", "data-confirm");
    assert!(confirm.is_some_and(|c| c.contains('?')), "{}", page.text);
}
