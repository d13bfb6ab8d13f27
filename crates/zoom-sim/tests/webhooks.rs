mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use zoom_sim::{Plan, webhooks::sign};

#[test]
fn cross_check_vectors_from_zoom_md() {
    let body = r#"{"event":"meeting.started","event_ts":1739923527000,"payload":{"account_id":"AAAAAABBBB","object":{"id":"1234567890","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"x1yCzABCDEfg23HiJKl4mN","topic":"My Meeting","type":2,"start_time":"2025-02-19T00:05:27Z","timezone":"UTC","duration":60}}}"#;
    assert_eq!(
        sign("zoom-sim-secret", "1739923528", body),
        "v0=25131d5df1bb726d62fb971f2af4408a6de7c5c362d6d81f13cba9b794317996"
    );
    assert_eq!(
        zoom_sim::webhooks::encrypt_token("zoom-sim-secret", "qgg8vlvZRS6UYooatFL8Aw"),
        "4e5793343d91f4ab6d389334aa3ab3850c4bd2a5c09315db1ce8a008dac9e2fa"
    );
}

#[tokio::test]
async fn url_validation_then_signed_events() {
    let rx = receiver().await;
    let w = world_with(Plan::Business, granular_scopes(), Some(rx.url.clone())).await;
    let v = rx.wait_for(1, "endpoint.url_validation").await;
    assert!(v[0]["payload"]["plainToken"].is_string());
    for _ in 0..200 {
        if w.sim.webhook_validated(CLIENT_ID).is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(w.sim.webhook_validated(CLIENT_ID), Some(true));

    let tok = w.token().await;
    let id = w.create_meeting(&tok, json!({"topic": "Hook"})).await["id"]
        .as_i64()
        .unwrap();
    w.sim.host_joins(id);
    w.sim
        .participant_join(id, "Stu Dent", "stu@example.com", "enroll-42");
    w.sim.participant_leave(id, "enroll-42");
    w.sim.end_meeting(id);
    w.sim.complete_recording(id);
    rx.wait_for(1, "meeting.started").await;
    let joined = rx.wait_for(2, "meeting.participant_joined").await;
    let left = rx.wait_for(2, "meeting.participant_left").await;
    rx.wait_for(1, "meeting.ended").await;
    rx.wait_for(1, "recording.completed").await;
    let stu = joined
        .iter()
        .find(|e| e["payload"]["object"]["participant"]["customer_key"] == "enroll-42")
        .unwrap();
    let p = &stu["payload"]["object"]["participant"];
    assert_eq!(p["user_name"], "Stu Dent");
    assert_eq!(p["email"], "stu@example.com");
    assert!(p["join_time"].as_str().unwrap().ends_with('Z'));
    assert!(
        stu["payload"]["object"]["id"].is_string(),
        "id is a string in participant events"
    );
    let l = left
        .iter()
        .find(|e| e["payload"]["object"]["participant"]["customer_key"] == "enroll-42")
        .unwrap();
    assert!(l["payload"]["object"]["participant"]["leave_time"].is_string());
    let host_left = left
        .iter()
        .find(|e| e["payload"]["object"]["participant"]["customer_key"] == "")
        .unwrap();
    assert!(
        host_left["payload"]["object"]["participant"]["leave_reason"]
            .as_str()
            .unwrap()
            .contains("Host ended the meeting.")
    );

    // Every request is signed exactly like Zoom: v0=HMAC(secret, "v0:{ts}:{body}") over compact JSON.
    for (h, body) in rx.got.lock().iter() {
        let ts = h["x-zm-request-timestamp"].to_str().unwrap();
        let sig = h["x-zm-signature"].to_str().unwrap();
        assert_eq!(
            sig,
            format!(
                "v0={}",
                hmac_hex(WEBHOOK_SECRET, &format!("v0:{ts}:{body}"))
            )
        );
        let reserialized =
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(body).unwrap())
                .unwrap();
        assert_eq!(&reserialized, body, "compact JSON");
        assert!(
            h["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        assert_eq!(h["user-agent"], "Zoom Marketplace/1.0a");
    }

    // meeting.deleted on DELETE; app_deauthorized on deauthorize.
    let (s, _, _) = w
        .send(
            reqwest::Method::DELETE,
            &tok,
            &format!("/meetings/{id}"),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let d = rx.wait_for(1, "meeting.deleted").await;
    assert_eq!(d[0]["payload"]["object"]["id"], id);
    w.sim.deauthorize(CLIENT_ID, &w.user);
    let d = rx.wait_for(1, "app_deauthorized").await;
    assert_eq!(d[0]["payload"]["user_id"], w.user.as_str());
    assert_eq!(d[0]["payload"]["client_id"], CLIENT_ID);
}

#[tokio::test]
async fn failed_validation_is_recorded() {
    let rx = receiver().await;
    rx.script.lock().push(200); // answers 200 without the CRC body
    let w = world_with(Plan::Pro, granular_scopes(), Some(rx.url.clone())).await;
    for _ in 0..200 {
        if w.sim.webhook_validated(CLIENT_ID).is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(w.sim.webhook_validated(CLIENT_ID), Some(false));
}

#[tokio::test]
async fn retry_schedule_5_20_60_minutes_of_simulated_time() {
    let rx = receiver().await;
    let w = world_with(Plan::Pro, granular_scopes(), Some(rx.url.clone())).await;
    rx.wait_for(1, "endpoint.url_validation").await;
    rx.script
        .lock()
        .extend([500, 503, 502, 500, 500, 500, 500, 500]);
    let id = w.sim.create_meeting(&w.user, "retry", "");
    let t0 = w.sim.now();
    w.sim.host_joins(id); // meeting.started + participant_joined: failing deliveries
    let d = w
        .sim
        .wait_for_deliveries(Duration::from_secs(2), |d| {
            d.iter()
                .filter(|x| x.event != "endpoint.url_validation")
                .count()
                >= 2
        })
        .await;
    assert!(
        d.iter()
            .filter(|x| x.attempt == 0 && x.event != "endpoint.url_validation")
            .count()
            >= 2
    );
    // Only after +5 min of simulated time does the first retry happen.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(w.sim.webhook_deliveries().iter().all(|x| x.attempt == 0));
    w.sim.advance_time(Duration::from_secs(5 * 60));
    let d = w
        .sim
        .wait_for_deliveries(Duration::from_secs(2), |d| {
            d.iter().filter(|x| x.attempt == 1).count() >= 2
        })
        .await;
    assert_eq!(d.iter().filter(|x| x.attempt == 1).count(), 2);
    w.sim.advance_time(Duration::from_secs(20 * 60));
    let d = w
        .sim
        .wait_for_deliveries(Duration::from_secs(2), |d| {
            d.iter().filter(|x| x.attempt == 2).count() >= 2
        })
        .await;
    assert_eq!(d.iter().filter(|x| x.attempt == 2).count(), 2);
    w.sim.advance_time(Duration::from_secs(60 * 60));
    let d = w
        .sim
        .wait_for_deliveries(Duration::from_secs(2), |d| {
            d.iter().filter(|x| x.attempt == 3).count() >= 2
        })
        .await;
    let third: Vec<_> = d.iter().filter(|x| x.attempt == 3).collect();
    assert_eq!(third.len(), 2);
    assert!(
        third
            .iter()
            .all(|x| x.at.as_second() - t0.as_second() >= 85 * 60)
    );
    // No fourth attempt, and the same body every time.
    w.sim.advance_time(Duration::from_secs(3 * 3600));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let d = w.sim.webhook_deliveries();
    assert!(d.iter().all(|x| x.attempt <= 3));
    let started: Vec<_> = d.iter().filter(|x| x.event == "meeting.started").collect();
    assert!(started.windows(2).all(|p| p[0].body == p[1].body));
}

#[tokio::test]
async fn four_xx_not_retried_and_timeouts_are_with_compression() {
    let rx = receiver().await;
    let w = world_with(Plan::Pro, granular_scopes(), Some(rx.url.clone())).await;
    rx.wait_for(1, "endpoint.url_validation").await;
    w.sim.set_webhook_time_compression(60 * 60); // 5 min → 83 ms
    w.sim.set_webhook_timeout(Duration::from_millis(200));
    rx.script.lock().push(404);
    let id = w.sim.create_meeting(&w.user, "x", "");
    w.sim.host_joins(id);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let d = w.sim.webhook_deliveries();
    let four = d.iter().filter(|x| x.status == Some(404)).count();
    assert_eq!(four, 1);
    // Timeout → retried.
    *rx.delay.lock() = Duration::from_millis(400);
    w.sim.participant_join(id, "S", "", "k-timeout");
    let d = w
        .sim
        .wait_for_deliveries(Duration::from_secs(5), |d| {
            d.iter()
                .filter(|x| x.body.contains("k-timeout") && x.error.is_some())
                .count()
                >= 2
        })
        .await;
    let n = d
        .iter()
        .filter(|x| x.body.contains("k-timeout") && x.error.as_deref() == Some("timeout"))
        .count();
    assert!(n >= 2, "{d:?}");
}
