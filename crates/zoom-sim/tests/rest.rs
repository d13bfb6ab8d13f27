mod common;

use std::time::Duration;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use zoom_sim::{AppSpec, Plan, UserType};

#[tokio::test]
async fn users_me_and_errors() {
    let w = world().await;
    let tok = w.token().await;
    let (s, h, me) = w.get(&tok, "/users/me").await;
    assert_eq!(s, 200);
    assert!(h.contains_key("x-zm-trackingid") || s == 200);
    assert_eq!(me["id"], w.user.as_str());
    assert_eq!(me["email"], "host@example.com");
    assert_eq!(me["type"], 2);
    assert_eq!(me["account_id"], w.account.as_str());
    // By id and email work for oneself.
    assert_eq!(w.get(&tok, &format!("/users/{}", w.user)).await.0, 200);
    // Unknown user in the account → needs admin scope first (user-level app): 4711.
    let (s, _, v) = w.get(&tok, "/users/nobody").await;
    assert_eq!(s, 400);
    assert_eq!(v["code"], 4711);
    assert_eq!(
        v["message"],
        "Invalid access token, does not contain scopes:[user:read:user:admin]."
    );
    // Invalid token.
    let (s, _, v) = w.get("garbage", "/users/me").await;
    assert_eq!(
        (s, v),
        (
            401,
            json!({"code": 124, "message": "Invalid access token."})
        )
    );
    let r = w
        .http
        .get(format!("{}/users/me", w.sim.api_base()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn admin_scopes_list_users_and_1001() {
    let w = world_with(
        Plan::Business,
        vec![
            "user:read:user:admin".into(),
            "user:read:list_users:admin".into(),
        ],
        None,
    )
    .await;
    let other = w
        .sim
        .create_user(&w.account, "b@example.com", "B", "Bee", UserType::Basic);
    let tok = w.token().await;
    let (s, _, v) = w.get(&tok, "/users/nobody").await;
    assert_eq!(
        (s, v),
        (
            404,
            json!({"code": 1001, "message": "User does not exist: nobody."})
        )
    );
    let (s, _, v) = w.get(&tok, &format!("/users/{other}")).await;
    assert_eq!(s, 200);
    assert_eq!(v["type"], 1);
    let (s, _, v) = w.get(&tok, "/users?page_size=1").await;
    assert_eq!(s, 200);
    assert_eq!(v["total_records"], 2);
    assert_eq!(v["users"].as_array().unwrap().len(), 1);
    assert_ne!(v["next_page_token"], "");
}

#[tokio::test]
async fn missing_scope_classic_names_classic_scope() {
    let w = world_with(Plan::Pro, vec!["user:read".into()], None).await;
    let tok = w.token().await;
    assert_eq!(w.get(&tok, "/users/me").await.0, 200);
    let (s, _, v) = w
        .send(
            Method::POST,
            &tok,
            "/users/me/meetings",
            Some(json!({"topic": "x"})),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(
        v,
        json!({"code": 4711, "message": "Invalid access token, does not contain scopes:[meeting:write]."})
    );
}

#[tokio::test]
async fn meeting_crud_and_list() {
    let w = world().await;
    let tok = w.token().await;
    let m = w
        .create_meeting(
            &tok,
            json!({"topic": "Lesson 1", "type": 2, "start_time": "2099-01-01T10:00:00Z",
                   "duration": 45, "timezone": "Europe/Berlin", "agenda": "lectern:abc123",
                   "settings": {"join_before_host": false, "waiting_room": true}}),
        )
        .await;
    let id = m["id"].as_i64().unwrap();
    assert!(id > 10_000_000_000);
    assert_eq!(m["start_time"], "2099-01-01T10:00:00Z");
    assert_eq!(m["host_id"], w.user.as_str());
    assert_eq!(m["status"], "waiting");
    assert!(m["join_url"].as_str().unwrap().contains(&id.to_string()));
    assert!(m["start_url"].as_str().unwrap().contains("zak="));
    assert!(!m["password"].as_str().unwrap().is_empty());
    assert_eq!(m["settings"]["waiting_room"], true);

    let (s, _, g) = w.get(&tok, &format!("/meetings/{id}")).await;
    assert_eq!(s, 200);
    assert_eq!(g["uuid"], m["uuid"]);

    // Find by marker in the list.
    let (s, _, l) = w.get(&tok, "/users/me/meetings?page_size=300").await;
    assert_eq!(s, 200);
    assert!(
        l["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["agenda"] == "lectern:abc123")
    );

    // PATCH → 204 with no body.
    let (s, _, v) = w
        .send(
            Method::PATCH,
            &tok,
            &format!("/meetings/{id}"),
            Some(json!({"topic": "Lesson 1b"})),
        )
        .await;
    assert_eq!((s, v), (204, serde_json::Value::Null));
    assert_eq!(
        w.get(&tok, &format!("/meetings/{id}")).await.2["topic"],
        "Lesson 1b"
    );

    let (s, _, _) = w
        .send(Method::DELETE, &tok, &format!("/meetings/{id}"), None)
        .await;
    assert_eq!(s, 204);
    let (s, _, v) = w
        .send(Method::DELETE, &tok, &format!("/meetings/{id}"), None)
        .await;
    assert_eq!(s, 404);
    assert_eq!(
        v,
        json!({"code": 3001, "message": format!("Meeting does not exist: {id}.")})
    );
    let (s, _, v) = w.get(&tok, &format!("/meetings/{id}")).await;
    assert_eq!((s, v["code"].clone()), (404, json!(3001)));
}

#[tokio::test]
async fn validation_errors_carry_field_list() {
    let w = world().await;
    let tok = w.token().await;
    let (s, _, v) = w
        .send(
            Method::POST,
            &tok,
            "/users/me/meetings",
            Some(
                json!({"topic": "x".repeat(201), "password": "waytoolongpass", "type": 7,
                        "settings": {"auto_recording": "tape"}}),
            ),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(v["code"], 300);
    assert_eq!(v["message"], "Validation Failed.");
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in ["topic", "password", "type", "settings.auto_recording"] {
        assert!(fields.contains(&f), "{fields:?}");
    }
    // Not JSON at all.
    let r = w
        .http
        .post(format!("{}/users/me/meetings", w.sim.api_base()))
        .bearer_auth(&tok)
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], 300);
}

#[tokio::test]
async fn unassigned_user_gets_3161() {
    let w = world().await;
    let u = w
        .sim
        .create_user(&w.account, "u@example.com", "U", "N", UserType::Unassigned);
    let tok = w.token_for(&u).await;
    let (s, _, v) = w
        .send(Method::POST, &tok, "/users/me/meetings", Some(json!({})))
        .await;
    assert_eq!((s, v["code"].clone()), (400, json!(3161)));
}

#[tokio::test]
async fn webinar_plan_rules() {
    let w = world().await;
    let tok = w.token().await;
    // Business + add-on + licensed host → created.
    let (s, _, web) = w
        .send(
            Method::POST,
            &tok,
            "/users/me/webinars",
            Some(json!({"topic": "Web", "type": 5})),
        )
        .await;
    assert_eq!(s, 201, "{web}");
    let wid = web["id"].as_i64().unwrap();
    assert_eq!(w.get(&tok, &format!("/webinars/{wid}")).await.0, 200);
    // A webinar is not a meeting.
    assert_eq!(
        w.get(&tok, &format!("/meetings/{wid}")).await.2["code"],
        3000
    );
    assert_eq!(
        w.send(Method::DELETE, &tok, &format!("/webinars/{wid}"), None)
            .await
            .0,
        204
    );
    let (s, _, v) = w
        .send(Method::DELETE, &tok, &format!("/webinars/{wid}"), None)
        .await;
    assert_eq!(
        v,
        json!({"code": 3001, "message": format!("Webinar does not exist: {wid}.")})
    );
    assert_eq!(s, 404);

    // No add-on → plan missing.
    w.sim.set_plan(&w.account, Plan::Pro, false);
    let (s, _, v) = w
        .send(Method::POST, &tok, "/users/me/webinars", Some(json!({})))
        .await;
    assert_eq!(s, 400);
    assert_eq!(
        v,
        json!({"code": 200, "message": "Webinar plan is missing. You must subscribe to the webinar plan and enable webinar for this user in order to perform this action."})
    );
    // Add-on but a Basic user → No permission.
    w.sim.set_plan(&w.account, Plan::Pro, true);
    let basic = w
        .sim
        .create_user(&w.account, "basic@example.com", "B", "U", UserType::Basic);
    let t2 = w.token_for(&basic).await;
    let (_, _, v) = w
        .send(Method::POST, &t2, "/users/me/webinars", Some(json!({})))
        .await;
    assert_eq!(v, json!({"code": 200, "message": "No permission."}));
}

#[tokio::test]
async fn webinar_list_pages_and_carries_only_what_zoom_lists() {
    let w = world().await;
    let tok = w.token().await;
    let long = format!("[mark]{}", "x".repeat(300));
    let mut ids = vec![];
    for agenda in ["a", long.as_str(), "c"] {
        let (s, _, web) = w
            .send(
                Method::POST,
                &tok,
                "/users/me/webinars",
                Some(json!({"topic": "Web", "type": 5, "agenda": agenda})),
            )
            .await;
        assert_eq!(s, 201, "{web}");
        ids.push(web["id"].as_i64().unwrap());
    }
    let meeting = w
        .create_meeting(&tok, json!({"topic": "M", "agenda": long}))
        .await;
    let (s, _, p1) = w.get(&tok, "/users/me/webinars?page_size=2").await;
    assert_eq!(s, 200, "{p1}");
    assert_eq!(p1["total_records"], 3);
    assert_eq!(p1["webinars"].as_array().unwrap().len(), 2);
    let next = p1["next_page_token"].as_str().unwrap();
    assert!(!next.is_empty());
    let (_, _, p2) = w
        .get(
            &tok,
            &format!("/users/me/webinars?page_size=2&next_page_token={next}"),
        )
        .await;
    assert_eq!(p2["next_page_token"], "");
    let items: Vec<Value> = [p1, p2]
        .iter()
        .flat_map(|p| p["webinars"].as_array().unwrap().clone())
        .collect();
    let listed: Vec<i64> = items.iter().map(|x| x["id"].as_i64().unwrap()).collect();
    assert_eq!(listed, ids, "webinars only, every one once");
    // Like Zoom: the agenda is cut to 250 characters and no passcode or start link is listed
    // (both are on GET /webinars/{id}).
    let cut = &items[1]["agenda"];
    assert_eq!(cut.as_str().unwrap().chars().count(), 250);
    assert!(cut.as_str().unwrap().starts_with("[mark]"));
    for x in &items {
        for absent in ["password", "passcode", "start_url", "settings"] {
            assert!(x.get(absent).is_none(), "{absent} listed: {x}");
        }
    }
    let full = w.get(&tok, &format!("/webinars/{}", ids[1])).await.2;
    assert_eq!(full["agenda"], long.as_str());
    assert!(full["password"].as_str().is_some_and(|p| !p.is_empty()));
    // The meeting list cuts agendas the same way and lists no webinar.
    let (_, _, ml) = w.get(&tok, "/users/me/meetings").await;
    let ms = ml["meetings"].as_array().unwrap();
    assert_eq!(ms.len(), 1);
    assert_eq!(ms[0]["id"], meeting["id"]);
    assert_eq!(ms[0]["agenda"].as_str().unwrap().chars().count(), 250);
    assert!(ms[0].get("password").is_none());

    let (s, _, v) = w.get(&tok, "/users/me/webinars?type=live").await;
    assert_eq!((s, v["code"].clone()), (400, json!(300)), "{v}");
    // Listing webinars needs the webinar plan and its own scope.
    w.sim.set_plan(&w.account, Plan::Pro, false);
    let (s, _, v) = w.get(&tok, "/users/me/webinars").await;
    assert_eq!((s, v["code"].clone()), (400, json!(200)), "{v}");
    let mut scopes = granular_scopes();
    scopes.retain(|s| s != "webinar:read:list_webinars");
    w.sim.set_app_scopes(CLIENT_ID, scopes);
    let t2 = w.token().await;
    let (s, _, v) = w.get(&t2, "/users/me/webinars").await;
    assert_eq!(
        (s, v),
        (
            400,
            json!({"code": 4711, "message": "Invalid access token, does not contain scopes:[webinar:read:list_webinars]."})
        )
    );
}

#[tokio::test]
async fn per_second_rate_limit_by_plan() {
    let w = world_with(Plan::Basic, granular_scopes(), None).await;
    let tok = w.token().await;
    let mut statuses = vec![];
    for _ in 0..12 {
        statuses.push(w.get(&tok, "/users/me").await);
    }
    let limited: Vec<_> = statuses.iter().filter(|r| r.0 == 429).collect();
    assert!(!limited.is_empty(), "Basic plan allows 4 light req/s");
    let (_, h, v) = limited[0];
    assert_eq!(v["code"], 429);
    assert_eq!(h["x-ratelimit-category"], "Light");
    assert_eq!(h["x-ratelimit-limit"], "4");
    assert!(h.contains_key("retry-after"));
    // Next simulated second → allowed again.
    w.sim.advance_time(Duration::from_secs(1));
    assert_eq!(w.get(&tok, "/users/me").await.0, 200);
    // Switch off for benchmarks.
    w.sim.set_rate_limits(false);
    for _ in 0..20 {
        assert_eq!(w.get(&tok, "/users/me").await.0, 200);
    }
}

#[tokio::test]
async fn daily_create_update_limit_per_host() {
    let w = world().await;
    w.sim.set_rate_limits(false);
    let tok = w.token().await;
    let m = w.create_meeting(&tok, json!({"topic": "t"})).await;
    let id = m["id"].as_i64().unwrap();
    for _ in 0..99 {
        let (s, _, _) = w
            .send(
                Method::PATCH,
                &tok,
                &format!("/meetings/{id}"),
                Some(json!({"agenda": "a"})),
            )
            .await;
        assert_eq!(s, 204);
    }
    let (s, h, v) = w
        .send(Method::POST, &tok, "/users/me/meetings", Some(json!({})))
        .await;
    assert_eq!(s, 429);
    assert_eq!(
        v["message"],
        "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."
    );
    assert_eq!(h["x-ratelimit-type"], "Daily-limit");
    let retry = h["retry-after"].to_str().unwrap();
    assert!(retry.ends_with("T00:00:00Z"), "{retry}");
    // GET and DELETE do not count.
    assert_eq!(w.get(&tok, &format!("/meetings/{id}")).await.0, 200);
    // Next UTC day: allowed again.
    let now = w.sim.now();
    let midnight = retry.parse::<jiff::Timestamp>().unwrap();
    w.sim.advance_time(Duration::from_secs(
        (midnight.as_second() - now.as_second()) as u64 + 1,
    ));
    let tok = w.token().await;
    assert_eq!(
        w.send(Method::POST, &tok, "/users/me/meetings", Some(json!({})))
            .await
            .0,
        201
    );
}

#[tokio::test]
async fn uuid_with_slash_needs_double_encoding() {
    let w = world().await;
    let tok = w.token().await;
    let mut ids = vec![];
    // Enough meetings that one of the random UUIDs surely has no '/' at all (each of the
    // 16 ordinary ones has one with p ≈ 0.28; six were too few: 0.6 % of runs failed).
    for i in 0..24 {
        let m = w
            .create_meeting(&tok, json!({"topic": format!("m{i}")}))
            .await;
        ids.push(m["id"].as_i64().unwrap());
    }
    for id in &ids {
        w.sim.host_joins(*id);
        w.sim
            .participant_join(*id, "Stu Dent", "s@example.com", "ck1");
        w.sim.end_meeting(*id);
    }
    let ms = w.sim.meetings();
    let slashy: Vec<String> = ms
        .iter()
        .map(|m| m.past_uuids[0].clone())
        .filter(|u| u.starts_with('/') || u.contains("//"))
        .collect();
    assert!(
        slashy.len() >= 2,
        "every third UUID needs double encoding: {ms:?}"
    );
    let enc = |s: &str| -> String {
        url::form_urlencoded::byte_serialize(s.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    let pct = |s: &str| -> String {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let _ = enc;
    for u in &slashy {
        let single = pct(u);
        let double = pct(&single);
        let (s, _, v) = w
            .get(&tok, &format!("/past_meetings/{single}/participants"))
            .await;
        assert_eq!(
            (s, v["code"].clone()),
            (404, json!(3001)),
            "single-encoded {u}"
        );
        let (s, _, v) = w
            .get(&tok, &format!("/past_meetings/{double}/participants"))
            .await;
        assert_eq!(s, 200, "double-encoded {u}: {v}");
        assert_eq!(v["participants"].as_array().unwrap().len(), 2);
    }
    // A normal UUID works single- or double-encoded.
    let plain = ms
        .iter()
        .map(|m| m.past_uuids[0].clone())
        .find(|u| !u.contains('/'))
        .unwrap();
    assert_eq!(
        w.get(
            &tok,
            &format!("/past_meetings/{}/participants", pct(&plain))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        w.get(
            &tok,
            &format!("/past_meetings/{}/participants", pct(&pct(&plain)))
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn participants_pagination_and_report() {
    let w = world_with(
        Plan::Business,
        {
            let mut s = granular_scopes();
            s.push("report:read:list_meeting_participants:admin".into());
            s
        },
        None,
    )
    .await;
    w.sim.set_rate_limits(false);
    let tok = w.token().await;
    let id = w.create_meeting(&tok, json!({"topic": "big"})).await["id"]
        .as_i64()
        .unwrap();
    w.sim.host_joins(id);
    for i in 0..7 {
        w.sim
            .participant_join(id, &format!("S{i}"), "", &format!("ck{i}"));
    }
    w.sim.advance_time(Duration::from_secs(600));
    w.sim.end_meeting(id);
    let mut seen = 0;
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let (s, _, v) = w
            .get(
                &tok,
                &format!("/past_meetings/{id}/participants?page_size=3&next_page_token={token}"),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        seen += v["participants"].as_array().unwrap().len();
        pages += 1;
        token = v["next_page_token"].as_str().unwrap().to_string();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!((seen, pages), (8, 3));
    let (s, _, v) = w
        .get(
            &tok,
            &format!("/report/meetings/{id}/participants?page_size=300"),
        )
        .await;
    assert_eq!(s, 200);
    let rows = v["participants"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["customer_key"] == "ck3"));
    assert!(rows.iter().all(|r| r["duration"].as_i64().unwrap() >= 600));
    // Bad page token.
    let (s, _, v) = w
        .get(
            &tok,
            &format!("/past_meetings/{id}/participants?next_page_token=zzz"),
        )
        .await;
    assert_eq!((s, v["code"].clone()), (400, json!(300)));
}

#[tokio::test]
async fn report_needs_admin_scope_and_paid_plan() {
    let w = world().await;
    let tok = w.token().await;
    let id = w.create_meeting(&tok, json!({})).await["id"]
        .as_i64()
        .unwrap();
    w.sim.host_joins(id);
    w.sim.end_meeting(id);
    let (s, _, v) = w
        .get(&tok, &format!("/report/meetings/{id}/participants"))
        .await;
    assert_eq!(s, 400);
    assert_eq!(v["code"], 4711);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("report:read:list_meeting_participants:admin")
    );
    w.sim.set_plan(&w.account, Plan::Basic, false);
    let (s, _, v) = w
        .get(&tok, &format!("/past_meetings/{id}/participants"))
        .await;
    assert_eq!((s, v["code"].clone()), (400, json!(200)));
}

#[tokio::test]
async fn recordings() {
    let w = world().await;
    let tok = w.token().await;
    let id = w.create_meeting(&tok, json!({"topic": "rec"})).await["id"]
        .as_i64()
        .unwrap();
    let (s, _, v) = w.get(&tok, &format!("/meetings/{id}/recordings")).await;
    assert_eq!((s, v["code"].clone()), (404, json!(3301)));
    w.sim.host_joins(id);
    w.sim.complete_recording(id);
    let (s, _, v) = w.get(&tok, &format!("/meetings/{id}/recordings")).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["id"], id);
    assert_eq!(v["recording_files"].as_array().unwrap().len(), 2);

    // The play link opens only with the recording's play passcode spliced in as `?pwd=`.
    let pwd = v["recording_play_passcode"].as_str().unwrap().to_string();
    assert!(pwd.len() >= 16, "{v}");
    let play = v["recording_files"][0]["play_url"]
        .as_str()
        .unwrap()
        .to_string();
    let status = |url: String| {
        let http = w.http.clone();
        async move { http.get(url).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status(play.clone()).await, 401);
    assert_eq!(status(format!("{play}?pwd=wrong")).await, 401);
    assert_eq!(status(format!("{play}?pwd={pwd}")).await, 200);
    assert_eq!(status(format!("{play}x?pwd={pwd}")).await, 404);

    // The download link needs the bearer token and redirects to a credential-free file link.
    let file = v["recording_files"][0]["id"].as_str().unwrap().to_string();
    let download = v["recording_files"][0]["download_url"]
        .as_str()
        .unwrap()
        .to_string();
    let r = w.http.get(&download).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = w
        .http
        .get(&download)
        .bearer_auth(&tok)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 302);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(!to.contains(&tok));
    let file_url = format!("{}{to}", w.sim.base_url());
    let r = w.http.get(&file_url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body = r.bytes().await.unwrap();
    assert_eq!(body.len(), 1_048_576);
    assert!(body.starts_with(format!("zoom-sim recording {file}").as_bytes()));
    let forged = format!("{}/rec/file/{file}?sig=forged", w.sim.base_url());
    assert_eq!(status(forged).await, 403);
}

#[tokio::test]
async fn zak_and_onbehalf_rule() {
    let w = world().await;
    let tok = w.token().await;
    let (s, _, v) = w.get(&tok, "/users/me/token?type=zak").await;
    assert_eq!(s, 200);
    assert!(v["token"].as_str().unwrap().len() > 20);
    assert_eq!(w.get(&tok, "/users/me/zak").await.0, 200);
    let id = w.create_meeting(&tok, json!({})).await["id"]
        .as_i64()
        .unwrap();
    // Host not in the meeting → no OBF token.
    let (s, _, v) = w
        .get(
            &tok,
            &format!("/users/me/token?type=onbehalf&meeting_id={id}"),
        )
        .await;
    assert_eq!(s, 400, "{v}");
    let (s, _, _) = w.get(&tok, "/users/me/token?type=onbehalf").await;
    assert_eq!(s, 400);
    w.sim.host_joins(id);
    let (s, _, v) = w
        .get(
            &tok,
            &format!("/users/me/token?type=onbehalf&meeting_id={id}"),
        )
        .await;
    assert_eq!(s, 200);
    assert!(v["token"].is_string());
    // Deprecated type=token.
    assert_eq!(w.get(&tok, "/users/me/token?type=token").await.0, 400);
}

#[tokio::test]
async fn other_account_meeting_is_invisible() {
    let w = world().await;
    let other_acct = w.sim.create_account(Plan::Pro, false);
    let other = w
        .sim
        .create_user(&other_acct, "o@example.com", "O", "T", UserType::Licensed);
    w.sim.create_app(AppSpec {
        client_id: "c2".into(),
        client_secret: "s2".into(),
        redirect_uris: vec![REDIRECT.into()],
        scopes: granular_scopes(),
        owner_account_id: other_acct,
        ..Default::default()
    });
    let id = w.sim.create_meeting(&other, "theirs", "");
    let tok = w.token().await;
    let (s, _, v) = w.get(&tok, &format!("/meetings/{id}")).await;
    assert_eq!((s, v["code"].clone()), (404, json!(3001)));
}

#[tokio::test]
async fn basic_plan_meetings_end_after_40_minutes() {
    let w = world_with(Plan::Basic, granular_scopes(), None).await;
    let id = w.sim.create_meeting(&w.user, "free", "");
    w.sim.host_joins(id);
    w.sim.participant_join(id, "S", "", "k");
    w.sim.advance_time(Duration::from_secs(39 * 60));
    assert_eq!(w.sim.meeting(id).unwrap().status, "started");
    w.sim.advance_time(Duration::from_secs(61));
    let m = w.sim.meeting(id).unwrap();
    assert_eq!(m.status, "waiting");
    assert!(m.participants.is_empty());
    assert_eq!(m.past_uuids.len(), 1);
}
