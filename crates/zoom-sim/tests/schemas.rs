//! Faithfulness: requests the simulator accepts, responses it produces and webhook payloads
//! it emits validate against fragments of Zoom's OpenAPI (schemas/*.json, from extract.py).
mod common;

use common::*;
use reqwest::Method;
use serde_json::{Value, json};
use zoom_sim::Plan;

const REST: &str = include_str!("../schemas/rest.json");
const HOOKS: &str = include_str!("../schemas/webhooks.json");

/// A validator for the extracted subset: type, required, enum, properties, items, oneOf/anyOf.
fn validate(v: &Value, s: &Value, path: &str, errs: &mut Vec<String>) {
    if let Some(alts) = s
        .get("oneOf")
        .or_else(|| s.get("anyOf"))
        .and_then(Value::as_array)
        && !alts.is_empty()
        && !alts.iter().any(|a| {
            let mut e = vec![];
            validate(v, a, path, &mut e);
            e.is_empty()
        })
    {
        errs.push(format!("{path}: matches no alternative"));
    }
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "object" => v.is_object(),
            "array" => v.is_array(),
            "null" => v.is_null(),
            _ => true,
        });
        if !ok {
            errs.push(format!("{path}: expected {types:?}, got {v}"));
            return;
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array)
        && !v.is_null()
        && !e.contains(v)
        // Zoom's enums for ints are sometimes strings in the spec; compare loosely.
        && !e.iter().any(|x| x.as_str() == Some(&v.to_string()))
    {
        errs.push(format!("{path}: {v} not in {e:?}"));
    }
    if let Some(o) = v.as_object() {
        if let Some(req) = s.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                if !o.contains_key(r) {
                    errs.push(format!("{path}: missing required {r}"));
                }
            }
        }
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            for (k, sub) in props {
                if let Some(x) = o.get(k) {
                    validate(x, sub, &format!("{path}.{k}"), errs);
                }
            }
        }
    }
    if let (Some(a), Some(items)) = (v.as_array(), s.get("items")) {
        for (i, x) in a.iter().enumerate() {
            validate(x, items, &format!("{path}[{i}]"), errs);
        }
    }
}

fn check(schemas: &Value, name: &str, v: &Value) {
    let s = schemas
        .get(name)
        .unwrap_or_else(|| panic!("no schema {name}"));
    assert!(s.get("properties").is_some(), "empty fragment {name}");
    let mut errs = vec![];
    validate(v, s, name, &mut errs);
    assert!(errs.is_empty(), "{name}: {errs:#?}\n{v}");
}

#[test]
fn validator_rejects_wrong_shapes() {
    let s = json!({"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}, "status": {"type": "string", "enum": ["a"]}, "xs": {"type": "array", "items": {"type": "string"}}}});
    for bad in [
        json!({}),
        json!({"id": "1"}),
        json!({"id": 1, "status": "b"}),
        json!({"id": 1, "xs": [1]}),
    ] {
        let mut e = vec![];
        validate(&bad, &s, "t", &mut e);
        assert!(!e.is_empty(), "{bad}");
    }
}

#[tokio::test]
async fn rest_requests_and_responses_match_zoom_schemas() {
    let rest: Value = serde_json::from_str(REST).unwrap();
    let w = world_with(
        Plan::Business,
        {
            let mut s = granular_scopes();
            s.push("report:read:list_meeting_participants:admin".into());
            s.push("user:read:list_users:admin".into());
            s
        },
        None,
    )
    .await;
    w.sim.set_rate_limits(false);
    let tok = w.token().await;
    let body = json!({"topic": "Schema", "type": 2, "start_time": "2099-03-01T09:00:00", "timezone": "Europe/Paris",
                      "duration": 90, "agenda": "marker", "password": "abc123",
                      "settings": {"join_before_host": false, "waiting_room": true, "approval_type": 2,
                                   "auto_recording": "cloud", "audio": "both", "mute_upon_entry": true}});
    check(&rest, "meetingCreate.request", &body);
    let (s, _, m) = w
        .send(Method::POST, &tok, "/users/me/meetings", Some(body))
        .await;
    assert_eq!(s, 201);
    check(&rest, "meetingCreate.201", &m);
    let id = m["id"].as_i64().unwrap();
    check(
        &rest,
        "meeting.200",
        &w.get(&tok, &format!("/meetings/{id}")).await.2,
    );
    check(
        &rest,
        "meetings.200",
        &w.get(&tok, "/users/me/meetings").await.2,
    );
    let patch = json!({"agenda": "new", "duration": 30});
    check(&rest, "meetingUpdate.request", &patch);
    assert_eq!(
        w.send(Method::PATCH, &tok, &format!("/meetings/{id}"), Some(patch))
            .await
            .0,
        204
    );
    check(&rest, "user.200", &w.get(&tok, "/users/me").await.2);
    check(&rest, "users.200", &w.get(&tok, "/users").await.2);
    check(
        &rest,
        "userToken.200",
        &w.get(&tok, "/users/me/token?type=zak").await.2,
    );

    let wb = json!({"topic": "Web", "type": 5, "duration": 60});
    check(&rest, "webinarCreate.request", &wb);
    let (s, _, web) = w
        .send(Method::POST, &tok, "/users/me/webinars", Some(wb))
        .await;
    assert_eq!(s, 201);
    check(&rest, "webinarCreate.201", &web);
    check(
        &rest,
        "webinar.200",
        &w.get(&tok, &format!("/webinars/{}", web["id"])).await.2,
    );
    check(
        &rest,
        "webinars.200",
        &w.get(&tok, "/users/me/webinars").await.2,
    );

    w.sim.host_joins(id);
    w.sim.participant_join(id, "Stu", "stu@example.com", "ck");
    w.sim.complete_recording(id);
    check(
        &rest,
        "pastMeetingParticipants.200",
        &w.get(&tok, &format!("/past_meetings/{id}/participants"))
            .await
            .2,
    );
    check(
        &rest,
        "reportMeetingParticipants.200",
        &w.get(&tok, &format!("/report/meetings/{id}/participants"))
            .await
            .2,
    );
    check(
        &rest,
        "recordingGet.200",
        &w.get(&tok, &format!("/meetings/{id}/recordings")).await.2,
    );
}

#[tokio::test]
async fn webhook_payloads_match_zoom_schemas() {
    let hooks: Value = serde_json::from_str(HOOKS).unwrap();
    let rx = receiver().await;
    let w = world_with(Plan::Business, granular_scopes(), Some(rx.url.clone())).await;
    let tok = w.token().await;
    let id = w.create_meeting(&tok, json!({"topic": "Hooks"})).await["id"]
        .as_i64()
        .unwrap();
    w.sim.host_joins(id);
    w.sim.participant_join(id, "Stu", "", "ck");
    w.sim.participant_leave(id, "ck");
    w.sim.end_meeting(id);
    w.sim.complete_recording(id);
    let (s, _, web) = w
        .send(
            Method::POST,
            &tok,
            "/users/me/webinars",
            Some(json!({"topic": "W"})),
        )
        .await;
    assert_eq!(s, 201);
    let wid = web["id"].as_i64().unwrap();
    w.sim.host_joins(wid);
    w.sim.end_meeting(wid);
    w.send(Method::DELETE, &tok, &format!("/meetings/{id}"), None)
        .await;
    w.sim.deauthorize(CLIENT_ID, &w.user);
    let expected = [
        "meeting.created",
        "meeting.started",
        "meeting.participant_joined",
        "meeting.participant_left",
        "meeting.ended",
        "recording.completed",
        "webinar.started",
        "webinar.ended",
        "meeting.deleted",
        "app_deauthorized",
    ];
    for e in expected {
        rx.wait_for(1, e).await;
    }
    for ev in rx.events() {
        let name = ev["event"].as_str().unwrap().to_string();
        if name == "endpoint.url_validation" || name.starts_with("webinar.participant") {
            continue;
        }
        check(&hooks, &name, &ev);
    }
}

/// The per-session options Lectern sends (waiting room, mute, join before host, recording,
/// alternative hosts, pre-assigned breakout rooms; a webinar's Q&A, practice session and
/// panellists) validate against Zoom's request schemas, are stored and come back on GET as
/// sent, and the answers validate against the response schemas.
#[tokio::test]
async fn session_options_match_zoom_schemas_and_are_kept() {
    let rest: Value = serde_json::from_str(REST).unwrap();
    let w = world().await;
    w.sim.set_rate_limits(false);
    w.sim.create_user(
        &w.account,
        "alt@example.com",
        "Alt",
        "Host",
        zoom_sim::UserType::Licensed,
    );
    let tok = w.token().await;
    let settings = json!({"waiting_room": true, "mute_upon_entry": true, "join_before_host": false,
        "auto_recording": "cloud", "alternative_hosts": "alt@example.com",
        "breakout_room": {"enable": true, "rooms": [
            {"name": "Group A", "participants": ["a1@example.com", "a2@example.com"]},
            {"name": "Group B", "participants": ["b1@example.com"]}]}});
    let body = json!({"topic": "Options", "type": 2, "duration": 60, "settings": settings});
    check(&rest, "meetingCreate.request", &body);
    let m = w.create_meeting(&tok, body).await;
    check(&rest, "meetingCreate.201", &m);
    let got = w.get(&tok, &format!("/meetings/{}", m["id"])).await.2;
    check(&rest, "meeting.200", &got);
    for (k, v) in settings.as_object().unwrap() {
        assert_eq!(&got["settings"][k], v, "settings.{k}");
    }

    let wb = json!({"topic": "Web", "type": 5, "duration": 60, "settings": {
        "question_and_answer": {"enable": true}, "practice_session": true,
        "auto_recording": "local", "alternative_hosts": "alt@example.com"}});
    check(&rest, "webinarCreate.request", &wb);
    let (s, _, web) = w
        .send(Method::POST, &tok, "/users/me/webinars", Some(wb))
        .await;
    assert_eq!(s, 201, "{web}");
    check(&rest, "webinarCreate.201", &web);
    let path = format!("/webinars/{}/panelists", web["id"]);
    let add = json!({"panelists": [{"email": "guest@example.org", "name": "Guest Speaker"}]});
    check(&rest, "webinarPanelistCreate.request", &add);
    let (s, _, created) = w.send(Method::POST, &tok, &path, Some(add)).await;
    assert_eq!(s, 201, "{created}");
    check(&rest, "webinarPanelistCreate.201", &created);
    let listed = w.get(&tok, &path).await.2;
    check(&rest, "webinarPanelists.200", &listed);
    assert_eq!(listed["panelists"][0]["email"], "guest@example.org");
    let got = w.get(&tok, &format!("/webinars/{}", web["id"])).await.2;
    check(&rest, "webinar.200", &got);
    assert_eq!(got["settings"]["question_and_answer"]["enable"], true);
    assert_eq!(got["settings"]["practice_session"], true);
    let snap = w.sim.meeting(web["id"].as_i64().unwrap()).unwrap();
    assert_eq!(
        snap.panelists,
        vec![("guest@example.org".to_string(), "Guest Speaker".to_string())]
    );
}

/// What the host's plan or account does not allow is refused as Zoom refuses it, and
/// nothing is created: cloud recording for a Basic user (400, code 200), an alternative
/// host who is not a user of the account (400, code 1010), a malformed breakout room (300).
#[tokio::test]
async fn options_the_account_does_not_allow_are_refused() {
    let w = world().await;
    w.sim.set_rate_limits(false);
    let other_account = w.sim.create_account(Plan::Pro, false);
    w.sim.create_user(
        &other_account,
        "elsewhere@example.com",
        "Else",
        "Where",
        zoom_sim::UserType::Licensed,
    );
    let tok = w.token().await;
    let post = |settings: Value| {
        let w = &w;
        let tok = tok.clone();
        async move {
            w.send(
                Method::POST,
                &tok,
                "/users/me/meetings",
                Some(json!({"topic": "x", "settings": settings})),
            )
            .await
        }
    };
    let (s, _, v) = post(json!({"alternative_hosts": "elsewhere@example.com"})).await;
    assert_eq!((s, v["code"].as_i64()), (400, Some(1010)), "{v}");
    assert_eq!(
        v["message"],
        "User does not belong to this account: elsewhere@example.com."
    );
    let (s, _, v) = post(json!({"breakout_room": {"enable": "yes"}})).await;
    assert_eq!((s, v["code"].as_i64()), (400, Some(300)), "{v}");
    w.sim.set_user_type(&w.user, zoom_sim::UserType::Basic);
    let (s, _, v) = post(json!({"auto_recording": "cloud"})).await;
    assert_eq!(
        (s, v),
        (
            400,
            json!({"code": 200, "message": "Only available for paid account."})
        )
    );
    // Local recording is fine for a Basic user.
    let (s, _, _) = post(json!({"auto_recording": "local"})).await;
    assert_eq!(s, 201);
    assert_eq!(w.sim.meetings().len(), 1);
}
