//! Zoom's webhooks: signature, replay and URL validation, bad bodies, duplicates, events out
//! of order or from another Zoom account, and stored bodies that keep no secret.

use lectern::db::now_ms;

use crate::support::TestAppBuilder;
use crate::support::live::{meeting_event, participant_event, setup, sign_with, unix_now};

db_test!(webhook_valid_signature_is_accepted_and_stored);
async fn webhook_valid_signature_is_accepted_and_stored(b: TestAppBuilder) {
    let t = setup(b).await;
    let body = meeting_event("meeting.started", &t.zoom.account, 4242, "U-1", unix_now());
    assert_eq!(t.hook(&body).await, 200);
    assert_eq!(t.stored("meeting.started").await, 1);
}

db_test!(webhook_tampered_body_is_401_and_not_stored);
async fn webhook_tampered_body_is_401_and_not_stored(b: TestAppBuilder) {
    let t = setup(b).await;
    let body = meeting_event("meeting.ended", &t.zoom.account, 4242, "U-1", unix_now());
    let (ts, sig) = sign_with(&t.zoom.webhook_secret, unix_now(), body.as_bytes());
    let tampered = body.replace("4242", "4243");
    assert_eq!(t.post_hook(tampered.as_bytes(), &ts, &sig).await.0, 401);
    assert_eq!(t.stored("meeting.ended").await, 0);
}

db_test!(webhook_wrong_secret_is_401);
async fn webhook_wrong_secret_is_401(b: TestAppBuilder) {
    let t = setup(b).await;
    let body = meeting_event("meeting.ended", &t.zoom.account, 4242, "U-1", unix_now());
    let (ts, sig) = sign_with("not-the-secret", unix_now(), body.as_bytes());
    assert_eq!(t.post_hook(body.as_bytes(), &ts, &sig).await.0, 401);
    // No signature at all is 401 too.
    let (ts, _) = sign_with(&t.zoom.webhook_secret, unix_now(), body.as_bytes());
    let r = reqwest::Client::new()
        .post(format!("{}/webhooks/zoom", t.app.base_url))
        .header("x-zm-request-timestamp", ts)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(t.stored("meeting.ended").await, 0);
}

db_test!(webhook_stale_timestamp_is_401);
async fn webhook_stale_timestamp_is_401(b: TestAppBuilder) {
    let t = setup(b).await;
    let body = meeting_event("meeting.ended", &t.zoom.account, 4242, "U-1", unix_now());
    // Correctly signed, but an hour old (a replay).
    let (ts, sig) = sign_with(&t.zoom.webhook_secret, unix_now() - 3600, body.as_bytes());
    assert_eq!(t.post_hook(body.as_bytes(), &ts, &sig).await.0, 401);
    assert_eq!(t.stored("meeting.ended").await, 0);
}

db_test!(webhook_url_validation_is_answered);
async fn webhook_url_validation_is_answered(b: TestAppBuilder) {
    let t = setup(b).await;
    let body = serde_json::json!({
        "event": "endpoint.url_validation", "event_ts": now_ms(),
        "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"},
    })
    .to_string();
    let (ts, sig) = sign_with(&t.zoom.webhook_secret, unix_now(), body.as_bytes());
    let (status, text) = t.post_hook(body.as_bytes(), &ts, &sig).await;
    assert_eq!(status, 200, "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let want = zoom::webhook::url_validation_response(
        &zoom::Secret::new(t.zoom.webhook_secret.as_str()),
        "qgg8vlvZRS6UYooatFL8Aw",
    );
    assert_eq!(v["plainToken"], "qgg8vlvZRS6UYooatFL8Aw");
    assert_eq!(v["encryptedToken"], want.encrypted_token.as_str());
}

db_test!(webhook_garbage_is_400_and_oversized_is_413);
async fn webhook_garbage_is_400_and_oversized_is_413(b: TestAppBuilder) {
    let t = setup(b).await;
    // Correctly signed bytes that are not an event.
    for garbage in [&b"\xff\xfe\x00garbage{{"[..], b"{\"event\":", b"[]", b""] {
        let (ts, sig) = sign_with(&t.zoom.webhook_secret, unix_now(), garbage);
        let (status, _) = t.post_hook(garbage, &ts, &sig).await;
        assert_eq!(status, 400, "{:?}", String::from_utf8_lossy(garbage));
    }
    let big = vec![b'a'; 2 * 1024 * 1024];
    let (ts, sig) = sign_with(&t.zoom.webhook_secret, unix_now(), &big);
    let (status, _) = t.post_hook(&big, &ts, &sig).await;
    assert_eq!(status, 413);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM zoom_events")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    let before_sim: i64 = n;
    // Still healthy afterwards, and nothing was stored from the bad bodies.
    let h = reqwest::get(format!("{}/healthz", t.app.base_url))
        .await
        .unwrap();
    assert!(h.status().is_success());
    let again: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM zoom_events")
        .fetch_one(&t.app.db.pool)
        .await
        .unwrap();
    assert_eq!(before_sim, again);
}

db_test!(webhook_duplicate_delivery_changes_nothing_twice);
async fn webhook_duplicate_delivery_changes_nothing_twice(b: TestAppBuilder) {
    let t = setup(b).await;
    let (m, uuid) = t.started_meeting().await;
    t.app.drain_jobs().await;
    let at = unix_now() - 120;
    let uid = t.app.student.id;
    let key = t.customer_key(uid).await;
    let join = participant_event(false, &t.zoom.account, m, &uuid, (uid, &key), at);
    let leave = participant_event(true, &t.zoom.account, m, &uuid, (uid, &key), at + 60);
    let ended = meeting_event("meeting.ended", &t.zoom.account, m, &uuid, at + 90);
    for body in [&join, &leave, &ended] {
        assert_eq!(t.hook(body).await, 200);
        assert_eq!(t.hook(body).await, 200, "a retry is acknowledged too");
    }
    t.app.drain_jobs().await;
    // Deliveries after processing are still no-ops.
    for body in [&join, &leave, &ended] {
        assert_eq!(t.hook(body).await, 200);
    }
    t.app.drain_jobs().await;
    assert_eq!(t.stored("meeting.participant_joined").await, 1);
    assert_eq!(t.stored("meeting.participant_left").await, 1);
    assert_eq!(t.stored("meeting.ended").await, 1);
    let s = t.session().await;
    assert_eq!(s.state, "ended");
    let rows: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM live_attendance_events WHERE session_id = $1 AND user_id = $2",
    )
    .bind(s.id)
    .bind(uid)
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    assert_eq!(rows, 2);
    let a = lectern::live::attendance::attendees(&t.app.db, &s)
        .await
        .unwrap();
    let me = a.iter().find(|a| a.user_id == Some(uid)).expect("attended");
    assert_eq!(me.segments, vec![(at * 1000, (at + 60) * 1000)]);
    let jobs: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'live_delete_meeting'")
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(jobs, 1, "one deletion scheduled");
}

db_test!(an_event_signed_right_but_from_another_zoom_account_changes_nothing);
async fn an_event_signed_right_but_from_another_zoom_account_changes_nothing(b: TestAppBuilder) {
    // Meeting ids are unique only within Zoom's accounts: another account's
    // "meeting.ended" (or a forged one) with our meeting's id must not end it,
    // nor mark anyone present.
    let t = setup(b).await;
    let (m, uuid) = t.started_meeting().await;
    t.app.drain_jobs().await;
    let at = unix_now() - 60;
    let key = t.customer_key(t.app.student.id).await;
    for body in [
        participant_event(
            false,
            "other-account",
            m,
            &uuid,
            (t.app.student.id, &key),
            at,
        ),
        meeting_event("meeting.started", "other-account", m, &uuid, at),
        meeting_event("meeting.ended", "other-account", m, &uuid, at + 5),
        meeting_event("meeting.deleted", "other-account", m, &uuid, at + 6),
    ] {
        assert_eq!(t.hook(&body).await, 200, "acknowledged, then ignored");
    }
    t.app.drain_jobs().await;
    let s = t.session().await;
    assert_eq!(s.state, "live");
    assert_eq!(s.meeting_id, Some(m), "not forgotten as deleted");
    assert!(!s.host_present());
    let rows: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM live_attendance_events WHERE session_id = $1")
            .bind(s.id)
            .fetch_one(&t.app.db.pool)
            .await
            .unwrap();
    assert_eq!(rows, 0);
    // The same events from the session's own account do count.
    let ended = meeting_event("meeting.ended", &t.zoom.account, m, &uuid, at + 10);
    assert_eq!(t.hook(&ended).await, 200);
    t.app.drain_jobs().await;
    assert_eq!(t.session().await.state, "ended");
}

db_test!(a_processed_meeting_created_body_keeps_no_passcode_or_link);
async fn a_processed_meeting_created_body_keeps_no_passcode_or_link(b: TestAppBuilder) {
    let t = setup(b).await;
    let (m, uuid) = t.started_meeting().await;
    let body = serde_json::json!({
        "event": "meeting.created", "event_ts": unix_now() * 1000,
        "payload": {"account_id": t.zoom.account, "operator": "host@example.com", "object": {
            "id": m, "uuid": uuid, "topic": "Office hours", "password": "PASS-123",
            "encrypted_password": "ENC-456", "join_url": format!("https://zoom.us/j/{m}?pwd=ENC-456"),
            "start_url": format!("https://zoom.us/s/{m}?zak=ZAK-789"),
            "settings": {"pstn_password": "PSTN-1", "h323_password": "H323-2"},
        }},
    })
    .to_string();
    assert_eq!(t.hook(&body).await, 200);
    t.app.drain_jobs().await;
    // Ours and zoom-sim's own (sent when Start created the meeting), both processed.
    let rows: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT payload, processed_at FROM zoom_events WHERE event = 'meeting.created'",
    )
    .fetch_all(&t.app.db.pool)
    .await
    .unwrap();
    assert!(rows.iter().any(|(p, _)| p.contains("Office hours")));
    let sim_passcode = t.zoom.sim.meeting(m).unwrap().password;
    for (payload, processed) in &rows {
        assert!(processed.is_some());
        for secret in ["PASS-123", "ENC-456", "ZAK-789", "PSTN-1", "H323-2", "pwd="]
            .into_iter()
            .chain([sim_passcode.as_str()])
        {
            assert!(!payload.contains(secret), "{secret} kept in {payload}");
        }
    }
}

db_test!(webhook_out_of_order_events_end_in_the_right_state);
async fn webhook_out_of_order_events_end_in_the_right_state(b: TestAppBuilder) {
    let t = setup(b).await;
    let (m, uuid) = t.started_meeting().await;
    t.app.drain_jobs().await;
    let at = unix_now() - 600;
    let uid = t.app.student.id;
    let key = t.customer_key(uid).await;
    // Left before joined, each processed before the next arrives.
    let leave = participant_event(true, &t.zoom.account, m, &uuid, (uid, &key), at + 300);
    assert_eq!(t.hook(&leave).await, 200);
    t.app.drain_jobs().await;
    let join = participant_event(false, &t.zoom.account, m, &uuid, (uid, &key), at + 60);
    assert_eq!(t.hook(&join).await, 200);
    t.app.drain_jobs().await;
    // Ended before started.
    let ended = meeting_event("meeting.ended", &t.zoom.account, m, &uuid, at + 400);
    assert_eq!(t.hook(&ended).await, 200);
    t.app.drain_jobs().await;
    let started = meeting_event("meeting.started", &t.zoom.account, m, &uuid, at);
    assert_eq!(t.hook(&started).await, 200);
    t.app.drain_jobs().await;
    let s = t.session().await;
    assert_eq!(
        s.state, "ended",
        "a late started does not revive the session"
    );
    let a = lectern::live::attendance::attendees(&t.app.db, &s)
        .await
        .unwrap();
    let me = a.iter().find(|a| a.user_id == Some(uid)).expect("attended");
    assert_eq!(me.segments, vec![((at + 60) * 1000, (at + 300) * 1000)]);
    assert_eq!(me.minutes(), 4);
}
