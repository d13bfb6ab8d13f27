//! PayPal helpers.
#![allow(dead_code)]

use payments_sim::PaymentsSim;
use serde_json::{Value, json};

pub async fn token(sim: &PaymentsSim) -> String {
    let (id, secret) = sim.paypal_credentials();
    let r = super::client()
        .post(format!("{}/v1/oauth2/token", sim.paypal_api_base()))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["access_token"].as_str().unwrap().to_string()
}

pub async fn call(
    sim: &PaymentsSim,
    tok: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
    request_id: Option<&str>,
) -> (u16, Value) {
    let mut rq = super::client()
        .request(method, format!("{}{path}", sim.paypal_api_base()))
        .bearer_auth(tok);
    if let Some(b) = body {
        rq = rq.json(&b);
    }
    if let Some(r) = request_id {
        rq = rq.header("PayPal-Request-Id", r);
    }
    let r = rq.send().await.unwrap();
    let s = r.status().as_u16();
    let text = r.text().await.unwrap();
    (s, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub fn order_body(value: &str) -> Value {
    json!({
        "intent": "CAPTURE",
        "purchase_units": [{"reference_id": "course-7", "custom_id": "enrol-42", "invoice_id": "INV-42",
                            "amount": {"currency_code": "EUR", "value": value}}],
        "payment_source": {"paypal": {"experience_context": {
            "return_url": "https://lectern.test/paypal/return", "cancel_url": "https://lectern.test/paypal/cancel",
            "user_action": "PAY_NOW"}}}
    })
}
