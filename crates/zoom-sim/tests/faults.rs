mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use zoom_sim::{Fault, FaultKind};

#[tokio::test]
async fn status_latency_ratelimit_faults_and_request_log() {
    let w = world().await;
    let tok = w.token().await;
    w.sim.inject_fault(Fault {
        method: Some("GET".into()),
        path_prefix: "/v2/users/me".into(),
        kind: FaultKind::Status(503),
        times: Some(2),
    });
    assert_eq!(w.get(&tok, "/users/me").await.0, 503);
    assert_eq!(w.get(&tok, "/users/me").await.0, 503);
    assert_eq!(w.get(&tok, "/users/me").await.0, 200);
    w.sim.inject_fault(Fault {
        method: None,
        path_prefix: "/v2/users/me".into(),
        kind: FaultKind::RateLimited,
        times: Some(1),
    });
    let (s, h, v) = w.get(&tok, "/users/me").await;
    assert_eq!((s, v["code"].clone()), (429, json!(429)));
    assert!(h.contains_key("retry-after"));
    w.sim.inject_fault(Fault {
        method: None,
        path_prefix: "/v2/".into(),
        kind: FaultKind::Latency(Duration::from_millis(300)),
        times: None,
    });
    let t = Instant::now();
    assert_eq!(w.get(&tok, "/users/me").await.0, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    w.sim.clear_faults();
    assert_eq!(w.count_and_status("/v2/users/me"), (5, 2));
}

trait Count {
    fn count_and_status(&self, p: &str) -> (usize, usize);
}
impl Count for World {
    fn count_and_status(&self, p: &str) -> (usize, usize) {
        let n = self.sim.count_requests("GET", p);
        let e = self
            .sim
            .requests()
            .iter()
            .filter(|r| r.path.starts_with(p) && r.status == 503)
            .count();
        (n, e)
    }
}

#[tokio::test]
async fn commit_then_drop_creates_the_meeting_but_no_response() {
    let w = world().await;
    let tok = w.token().await;
    w.sim.inject_fault(Fault {
        method: Some("POST".into()),
        path_prefix: "/v2/users/me/meetings".into(),
        kind: FaultKind::CommitThenDrop,
        times: Some(1),
    });
    let r = w
        .http
        .post(format!("{}/users/me/meetings", w.sim.api_base()))
        .bearer_auth(&tok)
        .json(&json!({"topic": "ambiguous", "agenda": "marker-77"}))
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    let err = r.expect_err("connection dropped");
    assert!(!err.is_timeout(), "dropped, not timed out: {err}");
    // The meeting exists: the client must reconcile by listing.
    let (_, _, l) = w.get(&tok, "/users/me/meetings").await;
    assert!(
        l["meetings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["agenda"] == "marker-77")
    );
}

#[tokio::test]
async fn timeout_fault_never_answers_and_does_nothing() {
    let w = world().await;
    let tok = w.token().await;
    w.sim.inject_fault(Fault {
        method: Some("POST".into()),
        path_prefix: "/v2/users/me/meetings".into(),
        kind: FaultKind::Timeout,
        times: Some(1),
    });
    let r = w
        .http
        .post(format!("{}/users/me/meetings", w.sim.api_base()))
        .bearer_auth(&tok)
        .json(&json!({"topic": "never"}))
        .timeout(Duration::from_millis(300))
        .send()
        .await;
    assert!(r.unwrap_err().is_timeout());
    assert!(w.sim.meetings().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_creates_are_consistent() {
    let w = world().await;
    w.sim.set_rate_limits(false);
    let mut tokens = vec![];
    let mut users = vec![];
    for i in 0..4 {
        let u = w.sim.create_user(
            &w.account,
            &format!("h{i}@example.com"),
            "H",
            &i.to_string(),
            zoom_sim::UserType::Licensed,
        );
        tokens.push(w.token_for(&u).await);
        users.push(u);
    }
    let mut tasks = vec![];
    for i in 0..200 {
        let http = w.http.clone();
        let url = format!("{}/users/me/meetings", w.sim.api_base());
        let tok = tokens[i % 4].clone();
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(url)
                .bearer_auth(tok)
                .json(&json!({"topic": format!("c{i}")}))
                .send()
                .await
                .unwrap();
            (
                r.status().as_u16(),
                r.json::<serde_json::Value>().await.unwrap(),
            )
        }));
    }
    let mut ids = std::collections::HashSet::new();
    let mut uuids = std::collections::HashSet::new();
    let (mut created, mut limited) = (0, 0);
    for t in tasks {
        let (s, v) = t.await.unwrap();
        match s {
            201 => {
                created += 1;
                assert!(ids.insert(v["id"].as_i64().unwrap()));
                assert!(uuids.insert(v["uuid"].as_str().unwrap().to_string()));
            }
            429 => limited += 1,
            other => panic!("{other}: {v}"),
        }
    }
    // 50 per host, under the 100/day limit: all created, all distinct.
    assert_eq!((created, limited), (200, 0));
    assert_eq!(w.sim.meetings().len(), 200);
    assert_eq!(w.sim.count_requests("POST", "/v2/users/me/meetings"), 200);
    // Concurrent refreshes of one token: exactly one wins.
    let code = w.sim.issue_code(CLIENT_ID, &w.user, REDIRECT, None);
    let (_, t) = w.exchange(&code, None).await;
    let rt = t["refresh_token"].as_str().unwrap().to_string();
    let mut tasks = vec![];
    for _ in 0..20 {
        let http = w.http.clone();
        let url = format!("{}/oauth/token", w.sim.base_url());
        let rt = rt.clone();
        tasks.push(tokio::spawn(async move {
            http.post(url)
                .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rt.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap() == 200 {
            ok += 1;
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn control_api_over_http() {
    let sim = zoom_sim::ZoomSim::start().await.unwrap();
    let http = reqwest::Client::new();
    let b = sim.base_url();
    let post = |p: &str, v: serde_json::Value| http.post(format!("{b}{p}")).json(&v).send();
    let acct: serde_json::Value = post(
        "/_sim/accounts",
        json!({"plan": "pro", "webinar_addon": true}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let acct = acct["id"].as_str().unwrap().to_string();
    let user: serde_json::Value = post("/_sim/users", json!({"account_id": acct, "email": "a@b.c", "first_name": "A", "last_name": "B", "type": "licensed"}))
        .await.unwrap().json().await.unwrap();
    let user = user["id"].as_str().unwrap().to_string();
    assert_eq!(post("/_sim/apps", json!({"client_id": "c", "client_secret": "s", "redirect_uris": ["http://x/cb"], "scopes": ["user:read:user"], "owner_account_id": acct})).await.unwrap().status(), 200);
    let code: serde_json::Value = post(
        "/_sim/codes",
        json!({"client_id": "c", "user_id": user, "redirect_uri": "http://x/cb"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert!(code["code"].is_string());
    let m: serde_json::Value = post("/_sim/meetings", json!({"host_id": user, "topic": "ctl"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = m["id"].as_i64().unwrap();
    assert_eq!(
        post(&format!("/_sim/meetings/{id}/host_join"), json!({}))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        post(
            &format!("/_sim/meetings/{id}/participants"),
            json!({"name": "S", "customer_key": "k"})
        )
        .await
        .unwrap()
        .status(),
        200
    );
    assert_eq!(sim.meeting(id).unwrap().participants.len(), 2);
    assert_eq!(
        post(
            &format!("/_sim/meetings/{id}/participants/k/leave"),
            json!({})
        )
        .await
        .unwrap()
        .status(),
        200
    );
    assert_eq!(
        post(&format!("/_sim/meetings/{id}/end"), json!({}))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        post(
            &format!("/_sim/meetings/{id}/recording_completed"),
            json!({})
        )
        .await
        .unwrap()
        .status(),
        200
    );
    let before = sim.now();
    post("/_sim/time/advance", json!({"seconds": 3600}))
        .await
        .unwrap();
    assert!(sim.now().as_second() - before.as_second() >= 3600);
    post(
        "/_sim/faults",
        json!({"path_prefix": "/v2/", "kind": {"status": 500}, "times": 1}),
    )
    .await
    .unwrap();
    assert_eq!(
        http.get(format!("{b}/v2/users/me"))
            .send()
            .await
            .unwrap()
            .status(),
        500
    );
    let reqs: serde_json::Value = http
        .get(format!("{b}/_sim/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        reqs.as_array().unwrap().len(),
        1,
        "control calls are not logged"
    );
    let ms: serde_json::Value = http
        .get(format!("{b}/_sim/meetings"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ms[0]["past_uuids"].as_array().unwrap().len(), 1);
}
