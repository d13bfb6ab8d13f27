//! End to end: the simulator delivers signed webhooks to a small HTTP receiver that uses
//! `WebhookVerifier::handle`; every event Lectern cares about must verify and parse.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use zoom::Clock;
use zoom::webhook::{EventKind, Handled, WebhookError, WebhookEvent, WebhookVerifier};
use zoom_sim::{AppSpec, Plan, UserType, ZoomSim};

const SECRET: &str = "lectern-webhook-secret";

/// The verifier's clock follows the simulator's clock (which tests may advance).
struct SimClock(ZoomSim);
impl Clock for SimClock {
    fn now(&self) -> jiff::Timestamp {
        self.0.now()
    }
}

#[derive(Default)]
struct Received {
    events: Vec<WebhookEvent>,
    rejected: Vec<WebhookError>,
    validations: usize,
}

/// Minimal HTTP/1.1 receiver: one request per connection, answers like Lectern would.
async fn start_receiver(verifier: WebhookVerifier) -> (String, Arc<Mutex<Received>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/zoom/webhook", listener.local_addr().unwrap());
    let state = Arc::new(Mutex::new(Received::default()));
    let st = state.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let verifier = verifier.clone();
            let st = st.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head_end, content_length) = loop {
                    let n = match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..pos]).to_ascii_lowercase();
                        let len = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (pos + 4, len);
                    }
                };
                while buf.len() < head_end + content_length {
                    let n = match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    buf.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
                let header = |name: &str| {
                    head.lines().find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.trim()
                            .eq_ignore_ascii_case(name)
                            .then(|| v.trim().to_owned())
                    })
                };
                let body = &buf[head_end..head_end + content_length];
                let ts = header(zoom::webhook::TIMESTAMP_HEADER);
                let sig = header(zoom::webhook::SIGNATURE_HEADER);
                let (status, reply) = match verifier.handle(ts.as_deref(), sig.as_deref(), body) {
                    Ok(Handled::Respond(r)) => {
                        st.lock().unwrap().validations += 1;
                        ("200 OK", serde_json::to_string(&r).unwrap())
                    }
                    Ok(Handled::Event(e)) => {
                        st.lock().unwrap().events.push(*e);
                        ("200 OK", "{}".to_owned())
                    }
                    Err(e) => {
                        st.lock().unwrap().rejected.push(e);
                        ("401 Unauthorized", "{}".to_owned())
                    }
                };
                let resp = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                    reply.len()
                );
                let _ = sock.write_all(resp.as_bytes()).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (url, state)
}

async fn wait_until(what: &str, mut pred: impl FnMut() -> bool) {
    for _ in 0..500 {
        if pred() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn simulator_webhooks_verify_and_parse() {
    let sim = ZoomSim::start().await.unwrap();
    let verifier = WebhookVerifier::new(SECRET).with_clock(Arc::new(SimClock(sim.clone())));
    let (url, got) = start_receiver(verifier.clone()).await;
    let account = sim.create_account(Plan::Business, true);
    let host = sim.create_user(
        &account,
        "host@lectern.test",
        "Hy",
        "Host",
        UserType::Licensed,
    );
    sim.create_app(AppSpec {
        client_id: "wh-client".into(),
        client_secret: "wh-secret".into(),
        redirect_uris: vec!["https://lectern.test/cb".into()],
        scopes: vec![
            "meeting:read:meeting".into(),
            "meeting:read:participant".into(),
            "cloud_recording:read:recording".into(),
        ],
        owner_account_id: account.clone(),
        webhook_url: Some(url),
        webhook_secret: SECRET.into(),
        sdk_key: None,
        sdk_secret: None,
    });
    wait_until("url validation", || {
        sim.webhook_validated("wh-client") == Some(true)
    })
    .await;
    assert_eq!(got.lock().unwrap().validations, 1);

    let id = sim.create_meeting(&host, "Webhook lecture", "agenda");
    sim.host_joins(id);
    sim.participant_join(id, "Stu Dent", "stu@lectern.test", "cust-7");
    sim.participant_leave(id, "cust-7");
    sim.end_meeting(id);
    sim.complete_recording(id);
    sim.deauthorize("wh-client", &host);

    let has =
        |f: &dyn Fn(&EventKind) -> bool| got.lock().unwrap().events.iter().any(|e| f(&e.kind));
    wait_until("all events", || {
        has(&|k| matches!(k, EventKind::AppDeauthorized { .. }))
            && has(&|k| matches!(k, EventKind::RecordingCompleted { .. }))
            && has(&|k| matches!(k, EventKind::MeetingEnded(_)))
    })
    .await;
    // The simulator logs a delivery once our answer is back, which can be just after we
    // handled it.
    let d = sim
        .wait_for_deliveries(Duration::from_secs(10), |d| {
            d.iter().any(|d| d.event == "meeting.ended")
        })
        .await
        .into_iter()
        .find(|d| d.event == "meeting.ended")
        .expect("meeting.ended delivered");

    let g = got.lock().unwrap();
    assert!(g.rejected.is_empty(), "rejected: {:?}", g.rejected);
    let started = g
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::MeetingStarted(m) => Some(m.clone()),
            _ => None,
        })
        .expect("meeting.started");
    assert_eq!(started.id, Some(id));
    assert_eq!(started.topic.as_deref(), Some("Webhook lecture"));
    let joined = g
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ParticipantJoined { participant, .. }
                if participant.customer_key.as_deref() == Some("cust-7") =>
            {
                Some(participant.clone())
            }
            _ => None,
        })
        .expect("participant_joined with customer_key");
    assert_eq!(joined.user_name.as_deref(), Some("Stu Dent"));
    assert!(joined.join_time.is_some());
    let left = g
        .events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ParticipantLeft { participant, .. }
                if participant.customer_key.as_deref() == Some("cust-7") =>
            {
                Some(participant.clone())
            }
            _ => None,
        })
        .expect("participant_left");
    assert!(left.leave_time.is_some());
    for e in &g.events {
        assert!(
            e.event_ts_ms.is_some() || e.event == "app_deauthorized",
            "{e:?}"
        );
        if let EventKind::RecordingCompleted {
            meeting,
            files,
            download_token,
            share_url,
            play_passcode,
        } = &e.kind
        {
            assert_eq!(meeting.id, Some(id));
            assert!(!files.is_empty());
            assert!(download_token.is_some());
            assert!(share_url.is_some());
            assert!(play_passcode.is_some());
        }
        if let EventKind::AppDeauthorized { user_id, .. } = &e.kind {
            assert_eq!(user_id.as_deref(), Some(host.as_str()));
        }
    }
    // Dedupe keys are distinct for distinct events.
    let mut keys: Vec<_> = g.events.iter().map(WebhookEvent::dedupe_key).collect();
    keys.sort();
    let n = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), n);
    drop(g);

    // A recorded delivery verifies as sent, and fails once tampered with.
    verifier
        .verify(Some(&d.timestamp), Some(&d.signature), d.body.as_bytes())
        .unwrap();
    let tampered = d.body.replace("Webhook lecture", "Webhook lecturf");
    assert_eq!(
        verifier.verify(Some(&d.timestamp), Some(&d.signature), tampered.as_bytes()),
        Err(WebhookError::BadSignature)
    );
    // Replayed an hour later: refused as stale.
    sim.advance_time(Duration::from_secs(3600));
    assert!(matches!(
        verifier.verify(Some(&d.timestamp), Some(&d.signature), d.body.as_bytes()),
        Err(WebhookError::Stale { .. })
    ));
}

/// The simulator's (Zoom's) clock, seen from a server whose clock is `1` seconds off.
struct SkewedSimClock(ZoomSim, i64);
impl Clock for SkewedSimClock {
    fn now(&self) -> jiff::Timestamp {
        self.0.now() + jiff::SignedDuration::from_secs(self.1)
    }
}

/// T25: our clock two minutes early or late still accepts Zoom's signed timestamps (the
/// window is ±5 minutes); six minutes off refuses them, so the check is real.
#[tokio::test]
async fn webhooks_verify_with_our_clock_two_minutes_early_or_late() {
    for (offset, accepted) in [(-120, true), (120, true), (360, false)] {
        let sim = ZoomSim::start().await.unwrap();
        let verifier =
            WebhookVerifier::new(SECRET).with_clock(Arc::new(SkewedSimClock(sim.clone(), offset)));
        let (url, got) = start_receiver(verifier).await;
        let account = sim.create_account(Plan::Business, false);
        let host = sim.create_user(&account, "h@lectern.test", "H", "Ost", UserType::Licensed);
        sim.create_app(AppSpec {
            client_id: format!("skew-{offset}"),
            client_secret: "s".into(),
            redirect_uris: vec!["https://lectern.test/cb".into()],
            scopes: vec!["meeting:read:meeting".into()],
            owner_account_id: account.clone(),
            webhook_url: Some(url),
            webhook_secret: SECRET.into(),
            sdk_key: None,
            sdk_secret: None,
        });
        let id = sim.create_meeting(&host, "Skewed", "agenda");
        sim.host_joins(id);
        wait_until("started delivered or refused", || {
            let g = got.lock().unwrap();
            !g.rejected.is_empty()
                || g.events
                    .iter()
                    .any(|e| matches!(e.kind, EventKind::MeetingStarted(_)))
        })
        .await;
        let g = got.lock().unwrap();
        if accepted {
            assert!(g.rejected.is_empty(), "offset {offset}: {:?}", g.rejected);
        } else {
            assert!(
                g.rejected
                    .iter()
                    .any(|r| matches!(r, WebhookError::Stale { .. })),
                "offset {offset}: {:?}",
                g.rejected
            );
        }
    }
}
