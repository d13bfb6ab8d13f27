//! A webhook endpoint that answers 200, so the simulator delivers each event once; tests
//! read what was sent from `PaymentsSim::deliveries()`.
#![allow(dead_code)]

use std::time::Duration;

use payments_sim::{Delivery, PaymentsSim, Vendor};

pub async fn receiver() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new().route("/hook", axum::routing::post(|| async { "ok" }));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

pub fn http() -> reqwest::Client {
    reqwest::Client::new()
}

pub async fn delivery(sim: &PaymentsSim, vendor: Vendor, event_type: &str) -> Delivery {
    let ds = sim
        .wait_for_deliveries(Duration::from_secs(10), |ds| {
            ds.iter()
                .any(|d| d.vendor == vendor && d.event_type == event_type)
        })
        .await;
    ds.into_iter()
        .find(|d| d.vendor == vendor && d.event_type == event_type)
        .unwrap_or_else(|| panic!("no {event_type} delivery"))
}

pub fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
