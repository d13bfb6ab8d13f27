//! Zoom's webhooks: signature, replay and URL validation, bad bodies, duplicates, events out
//! of order or from another Zoom account, and stored bodies that keep no secret.

use lectern::db::{Backend, now_ms};

use crate::support::TestAppBuilder;
use crate::support::live::{Live, meeting_event, participant_event, setup, sign_with, unix_now};

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

db_test!(an_event_of_an_account_no_school_knows_is_not_kept);
/// Processing keeps (redacted) the events of an account a school has connected, and drops
/// those of any other account: they concern nothing here and their bodies name people.
async fn an_event_of_an_account_no_school_knows_is_not_kept(b: TestAppBuilder) {
    let t = setup(b).await;
    let (m, uuid) = t.started_meeting().await;
    t.app.drain_jobs().await;
    let joined = |account: &str, who: &str| {
        serde_json::json!({
            "event": "meeting.participant_joined", "event_ts": unix_now() * 1000,
            "payload": {"account_id": account, "object": {
                "id": m.to_string(), "uuid": uuid, "host_id": "h", "topic": "Lecture",
                "participant": {"user_name": who, "participant_uuid": format!("P-{who}"),
                    "join_time": "2026-01-01T00:00:00Z", "email": format!("{who}@example.com")},
            }},
        })
        .to_string()
    };
    assert_eq!(
        t.hook(&joined("acct-no-school-knows", "Stranger")).await,
        200
    );
    assert_eq!(t.hook(&joined(&t.zoom.account, "Known")).await, 200);
    t.app.drain_jobs().await;
    let kept: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT payload, processed_at FROM zoom_events WHERE event = 'meeting.participant_joined'",
    )
    .fetch_all(&t.app.db.pool)
    .await
    .unwrap();
    assert!(
        !kept.iter().any(|(p, _)| p.contains("Stranger")),
        "the unknown account's event was kept: {kept:?}"
    );
    assert!(
        kept.iter()
            .any(|(p, processed)| p.contains("Known") && processed.is_some()),
        "the known account's event was not kept as processed: {kept:?}"
    );
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

/// Posts each of `bodies` at once, signed now, while the write lock of `zoom_events` is
/// held for a moment, so that they queue up behind the webhook writer's first transaction
/// and are written together in the next (the batching is what is tested, not the lock);
/// their statuses, in order.
async fn deliver_together(t: &Live, bodies: &[&String]) -> Vec<u16> {
    let db = &t.app.db;
    let mut held = db.pool.begin().await.unwrap();
    let lock = match db.backend {
        // A write statement takes SQLite's one write lock, even one changing nothing.
        Backend::Sqlite => "UPDATE zoom_events SET processed_at = processed_at WHERE id < 0",
        Backend::Postgres => "LOCK TABLE zoom_events IN SHARE MODE",
    };
    sqlx::query(lock).execute(&mut *held).await.unwrap();
    let client = reqwest::Client::new();
    let url = format!("{}/webhooks/zoom", t.app.base_url);
    let posts: Vec<_> = bodies
        .iter()
        .map(|body| {
            let (ts, sig) = sign_with(&t.zoom.webhook_secret, unix_now(), body.as_bytes());
            let post = client
                .post(&url)
                .header("content-type", "application/json")
                .header("x-zm-request-timestamp", ts)
                .header("x-zm-signature", sig)
                .body(body.to_string());
            tokio::spawn(async move { post.send().await.expect("post webhook").status().as_u16() })
        })
        .collect();
    // Well within the writer's wait for the lock (SQLite's busy timeout: 10 s).
    tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
    held.rollback().await.unwrap();
    let mut statuses = Vec::with_capacity(posts.len());
    for post in posts {
        statuses.push(post.await.unwrap());
    }
    statuses
}

/// Exactly one processing job for each event stored since `before`, and no other.
fn assert_one_job_per_new_event(before: &[i64], events: &[i64], jobs: &[i64]) {
    let fresh: Vec<i64> = events
        .iter()
        .filter(|id| !before.contains(id))
        .copied()
        .collect();
    assert_eq!(
        jobs, fresh,
        "one processing job for each stored event, and no other"
    );
}

/// Ids of the stored events, and the `event_id`s of the processing jobs, both sorted.
async fn events_and_their_jobs(db: &lectern::db::Db) -> (Vec<i64>, Vec<i64>) {
    let mut events: Vec<i64> = sqlx::query_scalar("SELECT id FROM zoom_events")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    events.sort_unstable();
    let payloads: Vec<String> =
        sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = 'process_zoom_event'")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    let mut jobs: Vec<i64> = payloads
        .iter()
        .map(|p| {
            serde_json::from_str::<serde_json::Value>(p).unwrap()["event_id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    jobs.sort_unstable();
    (events, jobs)
}

db_test!(concurrent_deliveries_are_acknowledged_and_each_event_stored_once_with_one_job);
async fn concurrent_deliveries_are_acknowledged_and_each_event_stored_once_with_one_job(
    b: TestAppBuilder,
) {
    let t = setup(b).await;
    let (before, _) = events_and_their_jobs(&t.app.db).await;
    let at = unix_now();
    let unique: Vec<String> = (0..120)
        .map(|i| {
            meeting_event(
                "meeting.started",
                &t.zoom.account,
                900_000 + i,
                &format!("uuid-{i}"),
                at,
            )
        })
        .collect();
    // 200 at once: each event, and Zoom's retry (the same bytes) of the first 80.
    let deliveries: Vec<&String> = unique.iter().chain(&unique[..80]).collect();
    let statuses = deliver_together(&t, &deliveries).await;
    assert_eq!(statuses, vec![200; 200]);
    let (events, jobs) = events_and_their_jobs(&t.app.db).await;
    assert_eq!(events.len(), before.len() + 120, "each event stored once");
    assert_eq!(t.stored("meeting.started").await, 120);
    assert_one_job_per_new_event(&before, &events, &jobs);
    // Retried afterwards, one at a time: still acknowledged, nothing stored again.
    assert_eq!(t.hook(&unique[0]).await, 200);
    assert_eq!(t.hook(&unique[119]).await, 200);
    assert_eq!(events_and_their_jobs(&t.app.db).await, (events, jobs));
}

db_test!(a_delivery_that_cannot_be_stored_fails_alone_not_its_batch);
async fn a_delivery_that_cannot_be_stored_fails_alone_not_its_batch(b: TestAppBuilder) {
    let t = setup(b).await;
    // The database refuses one kind of event (as it would a value it cannot store).
    let refuse = match t.app.db.backend {
        Backend::Sqlite => {
            "CREATE TRIGGER refuse_poisoned BEFORE INSERT ON zoom_events
             WHEN NEW.event = 'meeting.poisoned'
             BEGIN SELECT RAISE(ABORT, 'poisoned'); END"
        }
        Backend::Postgres => {
            "CREATE FUNCTION refuse_poisoned() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF NEW.event = 'meeting.poisoned' THEN RAISE EXCEPTION 'poisoned'; END IF;
               RETURN NEW;
             END $$;
             CREATE TRIGGER refuse_poisoned BEFORE INSERT ON zoom_events
             FOR EACH ROW EXECUTE FUNCTION refuse_poisoned()"
        }
    };
    sqlx::raw_sql(refuse).execute(&t.app.db.pool).await.unwrap();
    let (before, _) = events_and_their_jobs(&t.app.db).await;
    let at = unix_now();
    let good: Vec<String> = (0..20)
        .map(|i| {
            meeting_event(
                "meeting.started",
                &t.zoom.account,
                800_000 + i,
                &format!("uuid-{i}"),
                at,
            )
        })
        .collect();
    let poisoned = meeting_event("meeting.poisoned", &t.zoom.account, 1, "uuid-p", at);
    // An event name with a NUL: PostgreSQL stores no NUL in text, SQLite does.
    let nul = meeting_event("meeting.started\0", &t.zoom.account, 2, "uuid-n", at);
    let mut deliveries: Vec<&String> = good.iter().collect();
    deliveries.insert(7, &poisoned);
    deliveries.insert(13, &nul);
    let statuses = deliver_together(&t, &deliveries).await;
    let pg = t.app.db.backend == Backend::Postgres;
    for (body, status) in deliveries.iter().zip(&statuses) {
        let want = if *body == &poisoned || (pg && *body == &nul) {
            503
        } else {
            200
        };
        assert_eq!(*status, want, "{body}");
    }
    assert_eq!(t.stored("meeting.started").await, 20);
    assert_eq!(t.stored("meeting.poisoned").await, 0);
    let (events, jobs) = events_and_their_jobs(&t.app.db).await;
    let stored_nul = if pg { 0 } else { 1 };
    assert_eq!(events.len(), before.len() + 20 + stored_nul);
    assert_one_job_per_new_event(&before, &events, &jobs);
}

db_test!(a_burst_of_participant_events_is_processed_together_and_exactly);
/// A class's burst, queued before the worker looks: joins, leaves and rejoins of five
/// students, Zoom's second sending of some of them (other bytes, the same instants), a
/// leave delivered before its join, and an event of an account no school knows. One
/// worker pass processes the participants' events together (`Job::run_batch`, one
/// transaction for the session): each student's segments are exactly what the events say
/// and equal the full recompute, every event is processed and every job done, the
/// stranger's event is not kept, and the attendance rows were written in one statement.
async fn a_burst_of_participant_events_is_processed_together_and_exactly(b: TestAppBuilder) {
    let t = setup(b).await;
    let students = super::dashboard::class(&t).await;
    let t0 = unix_now() - 3600;
    let (m, uuid) = super::dashboard::started_at(&t, t0).await;
    let acct = t.zoom.account.clone();
    let mut bodies = Vec::new();
    for (i, u) in students.iter().enumerate() {
        let key = t.customer_key(u.id).await;
        let i = i as i64;
        for (left, secs) in [(false, 60), (true, 300), (false, 400), (true, 700)] {
            bodies.push(participant_event(
                left,
                &acct,
                m,
                &uuid,
                (u.id, &key),
                t0 + secs + i,
            ));
        }
    }
    bodies.swap(0, 1);
    // Sent again with another `event_ts`: stored as events of their own, the same
    // attendance.
    let again = sent_again(bodies[..6].iter());
    bodies.extend(again);
    let (uid, key) = (students[0].id, t.customer_key(students[0].id).await);
    bodies.push(participant_event(
        false,
        "stranger-account",
        m,
        &uuid,
        (uid, &key),
        t0 + 30,
    ));
    let before = t
        .app
        .scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'process_zoom_event'")
        .await;
    for body in &bodies {
        assert_eq!(t.hook(body).await, 200);
    }
    let ran = t.app.drain_jobs().await;
    assert!(ran >= bodies.len(), "{ran} jobs ran");

    let s = t.session().await;
    exactly_and_all_done(&t, &s, &students, before + bodies.len() as i64, |i| {
        let ms = |secs: i64| (t0 + secs + i as i64) * 1000;
        vec![(ms(60), ms(300)), (ms(400), ms(700))]
    })
    .await;
    assert_eq!(
        t.app
            .scalar("SELECT COUNT(*) FROM zoom_events WHERE zoom_account_id = 'stranger-account'")
            .await,
        0,
        "an event of an account no school knows is not kept"
    );
    let written: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT created_at) FROM live_attendance_events WHERE session_id = $1",
    )
    .bind(s.id)
    .fetch_one(&t.app.db.pool)
    .await
    .unwrap();
    assert_eq!(written, 1, "the burst's attendance written together");
}

db_test!(a_burst_drained_in_the_workers_two_lanes_is_exact);
/// The worker's lanes (`jobs::worker::LANES`) process batches of one session side by side:
/// 160 joins and leaves of five students, interleaved so that every student's events are
/// in every batch of both lanes, and Zoom's second sending of some of them, come out
/// exact — every segment, the aggregates equal to the recompute, every job done once.
async fn a_burst_drained_in_the_workers_two_lanes_is_exact(b: TestAppBuilder) {
    let t = setup(b).await;
    let students = super::dashboard::class(&t).await;
    let t0 = unix_now() - 7200;
    let (m, uuid) = super::dashboard::started_at(&t, t0).await;
    let acct = t.zoom.account.clone();
    let mut keys = Vec::new();
    for u in &students {
        keys.push(t.customer_key(u.id).await);
    }
    let start = |k: i64, i: usize| t0 + k * 300 + i as i64;
    let mut bodies = Vec::new();
    for k in 0..16 {
        for (i, (u, key)) in students.iter().zip(&keys).enumerate() {
            for left in [false, true] {
                let at = start(k, i) + if left { 120 } else { 0 };
                bodies.push(participant_event(left, &acct, m, &uuid, (u.id, key), at));
            }
        }
    }
    let again = sent_again(bodies.iter().step_by(7));
    bodies.extend(again);
    let before = t
        .app
        .scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'process_zoom_event'")
        .await;
    for body in &bodies {
        assert_eq!(t.hook(body).await, 200);
    }
    let ran = lectern::jobs::worker::drain_in_lanes(
        &t.app.db,
        &t.app.state.jobs,
        lectern::jobs::worker::LANES,
    )
    .await;
    // At least: a scheduled job (the minute's analytics roll-up) may fall due meanwhile.
    assert!(ran >= bodies.len(), "{ran} jobs ran");

    let s = t.session().await;
    exactly_and_all_done(&t, &s, &students, before + bodies.len() as i64, |i| {
        (0..16)
            .map(|k| (start(k, i) * 1000, (start(k, i) + 120) * 1000))
            .collect()
    })
    .await;
}

/// Zoom's second sending of `bodies`: the same events with another `event_ts` (other
/// bytes, so stored as events of their own), the same attendance.
fn sent_again<'a>(bodies: impl Iterator<Item = &'a String>) -> Vec<String> {
    bodies
        .map(|b| {
            let mut v: serde_json::Value = serde_json::from_str(b).unwrap();
            v["event_ts"] = serde_json::json!(v["event_ts"].as_i64().unwrap() + 1);
            v.to_string()
        })
        .collect()
}

/// After a drained burst: student `i`'s segments are `want(i)`, nobody else attended, the
/// aggregates equal the full recompute, every event is processed, and every event's job
/// (`jobs` of them, the burst's and the set-up's) is done, each run once.
async fn exactly_and_all_done(
    t: &Live,
    s: &lectern::live::Session,
    students: &[crate::support::TestUser],
    jobs: i64,
    want: impl Fn(usize) -> Vec<(i64, i64)>,
) {
    let people = lectern::live::attendance::attendees(&t.app.db, s)
        .await
        .unwrap();
    for (i, u) in students.iter().enumerate() {
        let p = people
            .iter()
            .find(|p| p.user_id == Some(u.id))
            .unwrap_or_else(|| panic!("student {i} attended"));
        assert_eq!(p.segments, want(i), "student {i}");
    }
    assert_eq!(people.len(), students.len(), "nobody else: {people:?}");
    let mut full = lectern::live::attendance::attendees_recomputed(&t.app.db, s)
        .await
        .unwrap();
    let mut incremental = people;
    full.sort_by(|a, b| a.key.cmp(&b.key));
    incremental.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(
        format!("{incremental:?}"),
        format!("{full:?}"),
        "the aggregates equal the recompute"
    );
    assert_eq!(
        t.app
            .scalar("SELECT COUNT(*) FROM zoom_events WHERE processed_at IS NULL")
            .await,
        0
    );
    assert_eq!(
        t.app
            .scalar(
                "SELECT COUNT(*) FROM jobs WHERE kind = 'process_zoom_event' AND state <> 'done'"
            )
            .await,
        0
    );
    assert_eq!(
        t.app
            .scalar(
                "SELECT COUNT(*) FROM jobs WHERE kind = 'process_zoom_event' AND state = 'done' AND attempts = 1"
            )
            .await,
        jobs,
        "each event's job ran once"
    );
}
