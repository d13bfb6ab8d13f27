//! Throughput of the simulator: `GET /v2/users/me` at 64 concurrency, and webhook delivery.
//!
//! `cargo run --release -p zoom-sim --example bench [seconds] [events]`

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use zoom_sim::{AppSpec, Plan, UserType, ZoomSim};

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let events: usize = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);

    // Webhook receiver.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    let received = Arc::new(AtomicUsize::new(0));
    let r2 = received.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let r = r2.clone();
            async move {
                r.fetch_add(1, Ordering::Relaxed);
                "{}"
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let sim = ZoomSim::start().await.unwrap();
    sim.set_rate_limits(false);
    let acct = sim.create_account(Plan::Business, false);
    let user = sim.create_user(&acct, "b@example.com", "B", "Ench", UserType::Licensed);
    sim.create_app(AppSpec {
        client_id: "bench".into(),
        client_secret: "secret".into(),
        redirect_uris: vec!["http://x/cb".into()],
        scopes: vec!["user:read:user".into()],
        owner_account_id: acct.clone(),
        webhook_url: Some(hook_url),
        webhook_secret: "whsec".into(),
        ..Default::default()
    });
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(128)
        .build()
        .unwrap();
    let code = sim.issue_code("bench", &user, "http://x/cb", None);
    let tok: serde_json::Value = http
        .post(format!("{}/oauth/token", sim.base_url()))
        .basic_auth("bench", Some("secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://x/cb"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = tok["access_token"].as_str().unwrap().to_string();

    // 1) GET /v2/users/me at 64 concurrency.
    let done = Arc::new(AtomicUsize::new(0));
    let errors = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = vec![];
    for _ in 0..64 {
        let (http, url, token, done, errors) = (
            http.clone(),
            format!("{}/users/me", sim.api_base()),
            token.clone(),
            done.clone(),
            errors.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                match http.get(&url).bearer_auth(&token).send().await {
                    Ok(r) if r.status() == 200 => {
                        let _ = r.bytes().await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let el = start.elapsed().as_secs_f64();
    let n = done.load(Ordering::Relaxed);
    println!(
        "GET /v2/users/me: {n} ok, {} errors in {el:.2}s = {:.0} req/s (64 concurrent, client in the same process)",
        errors.load(Ordering::Relaxed),
        n as f64 / el
    );

    // 2) Webhook delivery: `events` participant_joined events (plus one meeting.started).
    let id = sim.create_meeting(&user, "bench", "");
    tokio::time::sleep(Duration::from_millis(200)).await; // url_validation
    let base = received.load(Ordering::Relaxed);
    let start = Instant::now();
    for i in 0..events {
        sim.participant_join(id, "P", "", &format!("k{i}"));
    }
    let want = base + events + 1;
    while received.load(Ordering::Relaxed) < want && start.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let el = start.elapsed().as_secs_f64();
    let got = received.load(Ordering::Relaxed) - base;
    println!(
        "webhooks: {got} signed deliveries in {el:.2}s = {:.0} events/s",
        got as f64 / el
    );
}
