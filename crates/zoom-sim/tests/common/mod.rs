//! Shared test helpers: a seeded simulator, tokens, and a webhook receiver.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use parking_lot::Mutex;
use serde_json::Value;
use zoom_sim::{AppSpec, Plan, UserType, ZoomSim};

pub const CLIENT_ID: &str = "test-client";
pub const CLIENT_SECRET: &str = "test-secret";
pub const REDIRECT: &str = "http://127.0.0.1:1/cb";
pub const WEBHOOK_SECRET: &str = "zoom-sim-secret";

pub fn granular_scopes() -> Vec<String> {
    [
        "user:read:user",
        "user:read:token",
        "user:read:zak",
        "meeting:read:meeting",
        "meeting:read:list_meetings",
        "meeting:write:meeting",
        "meeting:update:meeting",
        "meeting:delete:meeting",
        "meeting:read:list_past_participants",
        "webinar:read:webinar",
        "webinar:read:list_webinars",
        "webinar:write:webinar",
        "webinar:delete:webinar",
        "cloud_recording:read:list_recording_files",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

pub struct World {
    pub sim: ZoomSim,
    pub account: String,
    pub user: String,
    pub http: reqwest::Client,
}

pub async fn world_with(plan: Plan, scopes: Vec<String>, webhook_url: Option<String>) -> World {
    let sim = ZoomSim::start().await.unwrap();
    let account = sim.create_account(plan, true);
    let user = sim.create_user(
        &account,
        "host@example.com",
        "Hanna",
        "Host",
        UserType::Licensed,
    );
    sim.create_app(AppSpec {
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        redirect_uris: vec![REDIRECT.into()],
        scopes,
        owner_account_id: account.clone(),
        webhook_url,
        webhook_secret: WEBHOOK_SECRET.into(),
        sdk_key: None,
        sdk_secret: None,
    });
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    World {
        sim,
        account,
        user,
        http,
    }
}

pub async fn world() -> World {
    world_with(Plan::Business, granular_scopes(), None).await
}

impl World {
    /// Exchange a code for tokens; returns the JSON token response.
    pub async fn exchange(&self, code: &str, verifier: Option<&str>) -> (u16, Value) {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v));
        }
        let r = self
            .http
            .post(format!("{}/oauth/token", self.sim.base_url()))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&form)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    pub async fn refresh(&self, rt: &str) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/oauth/token", self.sim.base_url()))
            .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", rt)])
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    /// An access token for `user_id` (skipping the browser).
    pub async fn token_for(&self, user_id: &str) -> String {
        let code = self.sim.issue_code(CLIENT_ID, user_id, REDIRECT, None);
        let (s, v) = self.exchange(&code, None).await;
        assert_eq!(s, 200, "{v}");
        v["access_token"].as_str().unwrap().to_string()
    }

    pub async fn token(&self) -> String {
        self.token_for(&self.user.clone()).await
    }

    pub async fn get(&self, token: &str, path: &str) -> (u16, HeaderMap, Value) {
        let r = self
            .http
            .get(format!("{}{}", self.sim.api_base(), path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let s = r.status().as_u16();
        let h = r.headers().clone();
        let t = r.text().await.unwrap();
        (s, h, serde_json::from_str(&t).unwrap_or(Value::Null))
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, HeaderMap, Value) {
        let mut rb = self
            .http
            .request(method, format!("{}{}", self.sim.api_base(), path))
            .bearer_auth(token);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.unwrap();
        let s = r.status().as_u16();
        let h = r.headers().clone();
        let t = r.text().await.unwrap();
        (s, h, serde_json::from_str(&t).unwrap_or(Value::Null))
    }

    pub async fn create_meeting(&self, token: &str, body: Value) -> Value {
        let (s, _, v) = self
            .send(
                reqwest::Method::POST,
                token,
                "/users/me/meetings",
                Some(body),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        v
    }
}

/// A webhook receiver that records requests and answers with a programmable status.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub got: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    /// Statuses to answer, in order; when empty answer 200 (and the CRC when asked).
    pub script: Arc<Mutex<Vec<u16>>>,
    pub delay: Arc<Mutex<Duration>>,
}

async fn receive(
    State(r): State<Receiver>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let text = String::from_utf8_lossy(&body).to_string();
    r.got.lock().push((headers, text.clone()));
    let d = *r.delay.lock();
    if !d.is_zero() {
        tokio::time::sleep(d).await;
    }
    let next = {
        let mut s = r.script.lock();
        if s.is_empty() {
            None
        } else {
            Some(s.remove(0))
        }
    };
    if let Some(code) = next {
        return (StatusCode::from_u16(code).unwrap(), String::new());
    }
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if v["event"] == "endpoint.url_validation" {
        let plain = v["payload"]["plainToken"].as_str().unwrap_or("");
        let enc = hmac_hex(WEBHOOK_SECRET, plain);
        return (
            StatusCode::OK,
            serde_json::json!({"plainToken": plain, "encryptedToken": enc}).to_string(),
        );
    }
    (StatusCode::OK, "{}".into())
}

pub async fn receiver() -> Receiver {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/zoom/webhook", listener.local_addr().unwrap());
    let r = Receiver {
        url,
        got: Arc::default(),
        script: Arc::default(),
        delay: Arc::default(),
    };
    let app = axum::Router::new()
        .route("/zoom/webhook", post(receive))
        .with_state(r.clone());
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    r
}

impl Receiver {
    pub fn events(&self) -> Vec<Value> {
        self.got
            .lock()
            .iter()
            .map(|(_, b)| serde_json::from_str(b).unwrap())
            .collect()
    }

    pub async fn wait_for(&self, n: usize, event: &str) -> Vec<Value> {
        for _ in 0..500 {
            let evs: Vec<Value> = self
                .events()
                .into_iter()
                .filter(|e| e["event"] == event)
                .collect();
            if evs.len() >= n {
                return evs;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("timed out waiting for {n} {event}; got {:?}", self.events());
    }
}

pub fn hmac_hex(secret: &str, msg: &str) -> String {
    use hmac::{KeyInit as _, Mac as _};
    let mut m = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    m.update(msg.as_bytes());
    hex::encode(m.finalize().into_bytes())
}
