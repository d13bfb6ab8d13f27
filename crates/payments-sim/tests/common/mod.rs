//! Test helpers: a webhook receiver that records raw bodies and headers, and HTTP helpers.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use parking_lot::Mutex;
use payments_sim::PaymentsSim;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Received {
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
    pub fn h(&self, k: &str) -> &str {
        self.headers.get(k).map(String::as_str).unwrap_or("")
    }
}

#[derive(Clone, Default)]
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
    /// Status to answer with (200 by default); a list of statuses to answer first.
    status: Arc<AtomicU16>,
    script: Arc<Mutex<Vec<u16>>>,
}

async fn hook(State(r): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    r.got.lock().push(Received {
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let scripted = {
        let mut s = r.script.lock();
        if s.is_empty() {
            None
        } else {
            Some(s.remove(0))
        }
    };
    StatusCode::from_u16(scripted.unwrap_or(r.status.load(Ordering::Relaxed))).unwrap()
}

pub async fn receiver() -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut r = Receiver {
        url: format!("http://{}/hook", listener.local_addr().unwrap()),
        status: Arc::new(AtomicU16::new(200)),
        ..Default::default()
    };
    r.got = Arc::new(Mutex::new(vec![]));
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(r.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    r
}

impl Receiver {
    pub fn got(&self) -> Vec<Received> {
        self.got.lock().clone()
    }
    pub fn answer_first(&self, statuses: &[u16]) {
        *self.script.lock() = statuses.to_vec();
    }
    pub async fn wait(&self, n: usize) -> Vec<Received> {
        for _ in 0..500 {
            let g = self.got();
            if g.len() >= n {
                return g;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("receiver got {} deliveries, expected {n}", self.got().len());
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// POST a Stripe form; returns (status, headers, json).
pub async fn stripe_post(
    sim: &PaymentsSim,
    path: &str,
    form: &[(&str, &str)],
    idem: Option<&str>,
) -> (u16, HeaderMap, Value) {
    let mut rq = client()
        .post(format!("{}{path}", sim.stripe_api_base()))
        .bearer_auth(sim.stripe_secret_key())
        .form(form);
    if let Some(k) = idem {
        rq = rq.header("Idempotency-Key", k);
    }
    let r = rq.send().await.unwrap();
    let s = r.status().as_u16();
    let h = r.headers().clone();
    (s, h, r.json().await.unwrap())
}

pub async fn stripe_get(sim: &PaymentsSim, path: &str) -> (u16, Value) {
    let r = client()
        .get(format!("{}{path}", sim.stripe_api_base()))
        .bearer_auth(sim.stripe_secret_key())
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

pub fn session_form<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut f = vec![
        ("mode", "payment"),
        ("line_items[0][price_data][currency]", "eur"),
        ("line_items[0][price_data][unit_amount]", "4900"),
        (
            "line_items[0][price_data][product_data][name]",
            "Rust for teachers",
        ),
        ("line_items[0][quantity]", "1"),
        (
            "success_url",
            "https://lectern.test/pay/done?session_id={CHECKOUT_SESSION_ID}",
        ),
        ("cancel_url", "https://lectern.test/pay/cancelled"),
        ("client_reference_id", "enrol-42"),
        ("customer_email", "stu@example.com"),
        ("metadata[course_id]", "7"),
    ];
    f.extend_from_slice(extra);
    f
}

pub async fn new_session(sim: &PaymentsSim) -> Value {
    let (s, _, v) = stripe_post(sim, "/checkout/sessions", &session_form(&[]), None).await;
    assert_eq!(s, 200, "{v}");
    v
}
pub mod paypal;
