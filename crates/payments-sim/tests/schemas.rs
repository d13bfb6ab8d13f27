//! Faithfulness: responses and webhook payloads validate against fragments of Stripe's
//! published fixtures and PayPal's OpenAPI documents (schemas/*.json, from extract.py).
mod common;

use common::*;
use payments_sim::{Card, PaymentsSim};
use serde_json::{Value, json};

const STRIPE: &str = include_str!("../schemas/stripe.json");
const PAYPAL: &str = include_str!("../schemas/paypal.json");

/// Validator for the extracted subset: type, required, enum, properties (with
/// `additionalProperties: false`), items, oneOf/anyOf.
pub fn validate(v: &Value, s: &Value, path: &str, errs: &mut Vec<String>) {
    if let Some(alts) = s
        .get("oneOf")
        .or_else(|| s.get("anyOf"))
        .and_then(Value::as_array)
        && !alts.is_empty()
        && !alts.iter().any(|a| {
            let mut e = vec![];
            validate(v, a, path, &mut e);
            e.is_empty()
        })
    {
        errs.push(format!("{path}: matches no alternative"));
    }
    if let Some(t) = s.get("type") {
        let types: Vec<&str> = match t {
            Value::String(t) => vec![t.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "object" => v.is_object(),
            "array" => v.is_array(),
            "null" => v.is_null(),
            _ => true,
        });
        if !ok {
            errs.push(format!("{path}: expected {types:?}, got {v}"));
            return;
        }
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errs.push(format!("{path}: {v} not in {e:?}"));
    }
    if let Some(o) = v.as_object() {
        if let Some(req) = s.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                if !o.contains_key(r) {
                    errs.push(format!("{path}: missing required {r}"));
                }
            }
        }
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            for (k, x) in o {
                match props.get(k) {
                    Some(sub) => validate(x, sub, &format!("{path}.{k}"), errs),
                    None if s.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        errs.push(format!("{path}: unknown field {k}"))
                    }
                    None => {}
                }
            }
        }
    }
    if let (Some(a), Some(items)) = (v.as_array(), s.get("items")) {
        for (i, x) in a.iter().enumerate() {
            validate(x, items, &format!("{path}[{i}]"), errs);
        }
    }
}

pub fn check(schemas: &Value, name: &str, v: &Value) {
    let s = schemas
        .get(name)
        .unwrap_or_else(|| panic!("no schema {name}"));
    assert!(s.get("properties").is_some(), "empty fragment {name}");
    let mut errs = vec![];
    validate(v, s, name, &mut errs);
    assert!(errs.is_empty(), "{name}: {errs:#?}\n{v}");
}

#[test]
fn validator_rejects_wrong_shapes() {
    let s = json!({"type": "object", "required": ["id"], "additionalProperties": false,
                   "properties": {"id": {"type": "integer"}, "status": {"type": "string", "enum": ["a"]},
                                  "xs": {"type": "array", "items": {"type": "string"}}}});
    for bad in [
        json!({}),
        json!({"id": "1"}),
        json!({"id": 1, "status": "b"}),
        json!({"id": 1, "xs": [1]}),
        json!({"id": 1, "extra": 2}),
    ] {
        let mut e = vec![];
        validate(&bad, &s, "t", &mut e);
        assert!(!e.is_empty(), "{bad}");
    }
    // The Stripe fragments forbid unknown fields and require every top-level field.
    let stripe: Value = serde_json::from_str(STRIPE).unwrap();
    let mut e = vec![];
    validate(
        &json!({"id": "cs_1", "object": "checkout.session", "invented": 1}),
        &stripe["checkout.session"],
        "cs",
        &mut e,
    );
    assert!(
        e.iter().any(|x| x.contains("unknown field invented")),
        "{e:?}"
    );
    assert!(
        e.iter()
            .any(|x| x.contains("missing required payment_status")),
        "{e:?}"
    );
}

#[tokio::test]
async fn stripe_objects_and_events_match_the_fixtures() {
    let stripe: Value = serde_json::from_str(STRIPE).unwrap();
    let sim = PaymentsSim::start().await.unwrap();
    let rx = receiver().await;
    sim.register_stripe_webhook(&rx.url, "whsec_x");
    let s = new_session(&sim).await;
    check(&stripe, "checkout.session", &s);
    let id = s["id"].as_str().unwrap();
    sim.pay(id, Card::VISA).unwrap();
    let (_, paid) = stripe_get(&sim, &format!("/checkout/sessions/{id}")).await;
    check(&stripe, "checkout.session", &paid);
    let pi = paid["payment_intent"].as_str().unwrap();
    let (st, _, refund) = stripe_post(
        &sim,
        "/refunds",
        &[("payment_intent", pi), ("amount", "100")],
        None,
    )
    .await;
    assert_eq!(st, 200);
    check(&stripe, "refund", &refund);
    let (_, r2) = stripe_get(
        &sim,
        &format!("/refunds/{}", refund["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(r2, refund);
    let a = new_session(&sim).await;
    sim.pay(a["id"].as_str().unwrap(), Card::ASYNC).unwrap();
    sim.complete_async_payment(a["id"].as_str().unwrap())
        .unwrap();
    let x = new_session(&sim).await;
    stripe_post(
        &sim,
        &format!("/checkout/sessions/{}/expire", x["id"].as_str().unwrap()),
        &[],
        None,
    )
    .await;
    let got = rx.wait(5).await;
    let mut types = vec![];
    for h in got {
        let ev = h.json();
        check(&stripe, "event", &ev);
        let obj = &ev["data"]["object"];
        let kind = if ev["type"] == "charge.refunded" {
            "charge"
        } else {
            "checkout.session"
        };
        check(&stripe, kind, obj);
        types.push(ev["type"].as_str().unwrap().to_string());
    }
    types.sort();
    assert_eq!(
        types,
        [
            "charge.refunded",
            "checkout.session.async_payment_succeeded",
            "checkout.session.completed",
            "checkout.session.completed",
            "checkout.session.expired"
        ]
    );
}

#[tokio::test]
async fn stripe_balance_matches_the_fixture_and_needs_the_key() {
    let stripe: Value = serde_json::from_str(STRIPE).unwrap();
    let sim = PaymentsSim::start().await.unwrap();
    let (st, fresh) = stripe_get(&sim, "/balance").await;
    assert_eq!(st, 200, "{fresh}");
    check(&stripe, "balance", &fresh);
    assert_eq!(fresh["pending"][0]["amount"], 0);
    let s = new_session(&sim).await;
    let id = s["id"].as_str().unwrap();
    sim.pay(id, Card::VISA).unwrap();
    let (_, paid) = stripe_get(&sim, &format!("/checkout/sessions/{id}")).await;
    let pi = paid["payment_intent"].as_str().unwrap();
    let (st, _, _) = stripe_post(
        &sim,
        "/refunds",
        &[("payment_intent", pi), ("amount", "900")],
        None,
    )
    .await;
    assert_eq!(st, 200);
    let (_, b) = stripe_get(&sim, "/balance").await;
    check(&stripe, "balance", &b);
    assert_eq!(
        b["pending"],
        json!([{"amount": 4000, "currency": "eur", "source_types": {"card": 4000}}])
    );
    let r = client()
        .get(format!("{}/balance", sim.stripe_api_base()))
        .bearer_auth("sk_test_wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let r = client()
        .post(format!("{}/balance", sim.stripe_api_base()))
        .bearer_auth(sim.stripe_secret_key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404, "only GET is modelled");
}

#[tokio::test]
async fn paypal_bodies_and_events_match_the_openapi() {
    use common::paypal::*;
    use reqwest::Method;
    let pp: Value = serde_json::from_str(PAYPAL).unwrap();
    let sim = PaymentsSim::start().await.unwrap();
    let rx = receiver().await;
    let wh = sim.register_paypal_webhook(&rx.url);
    let tok = token(&sim).await;
    let body = order_body("49.00");
    check(&pp, "orders.create.request", &body);
    let (s, o) = call(
        &sim,
        &tok,
        Method::POST,
        "/v2/checkout/orders",
        Some(body),
        None,
    )
    .await;
    assert_eq!(s, 201);
    check(&pp, "orders.create.201", &o);
    let id = o["id"].as_str().unwrap();
    let (_, full) = call(
        &sim,
        &tok,
        Method::GET,
        &format!("/v2/checkout/orders/{id}"),
        None,
        None,
    )
    .await;
    check(&pp, "orders.get.200", &full);
    let (s, e) = call(
        &sim,
        &tok,
        Method::POST,
        &format!("/v2/checkout/orders/{id}/capture"),
        Some(json!({})),
        None,
    )
    .await;
    assert_eq!(s, 422);
    check(&pp, "orders.capture.422", &e);
    check(&pp, "error.422", &e);
    sim.approve(id).unwrap();
    let (s, c) = call(
        &sim,
        &tok,
        Method::POST,
        &format!("/v2/checkout/orders/{id}/capture"),
        Some(json!({})),
        None,
    )
    .await;
    assert_eq!(s, 201);
    check(&pp, "orders.capture.201", &c);
    let cap = c["purchase_units"][0]["payments"]["captures"][0]["id"]
        .as_str()
        .unwrap();
    let (_, cg) = call(
        &sim,
        &tok,
        Method::GET,
        &format!("/v2/payments/captures/{cap}"),
        None,
        None,
    )
    .await;
    check(&pp, "captures.get.200", &cg);
    let rb = json!({"amount": {"currency_code": "EUR", "value": "1.00"}});
    check(&pp, "captures.refund.request", &rb);
    let (s, r) = call(
        &sim,
        &tok,
        Method::POST,
        &format!("/v2/payments/captures/{cap}/refund"),
        Some(rb),
        None,
    )
    .await;
    assert_eq!(s, 201);
    check(&pp, "captures.refund.201", &r);
    let (s, e) = call(
        &sim,
        &tok,
        Method::POST,
        &format!("/v2/payments/captures/{cap}/refund"),
        Some(json!({"amount": {"currency_code": "EUR", "value": "99.00"}})),
        None,
    )
    .await;
    assert_eq!(s, 422);
    check(&pp, "captures.refund.422", &e);
    let (s, e) = call(
        &sim,
        &tok,
        Method::GET,
        "/v2/checkout/orders/NOPE",
        None,
        None,
    )
    .await;
    assert_eq!(s, 404);
    check(&pp, "error.404", &e);
    let (s, e) = call(
        &sim,
        &tok,
        Method::POST,
        "/v2/checkout/orders",
        Some(json!({"intent": "CAPTURE"})),
        None,
    )
    .await;
    assert_eq!(s, 400);
    check(&pp, "error.400", &e);
    let r401 = client()
        .get(format!("{}/v2/checkout/orders/{id}", sim.paypal_api_base()))
        .send()
        .await
        .unwrap();
    check(&pp, "error.401", &r401.json().await.unwrap());
    let r415 = client()
        .post(format!("{}/v2/checkout/orders", sim.paypal_api_base()))
        .bearer_auth(&tok)
        .form(&[("a", "b")])
        .send()
        .await
        .unwrap();
    check(&pp, "error.415", &r415.json().await.unwrap());
    let got = rx.wait(3).await;
    for h in &got {
        let ev = h.json();
        check(&pp, "event", &ev);
        let res = &ev["resource"];
        match ev["event_type"].as_str().unwrap() {
            "CHECKOUT.ORDER.APPROVED" => check(&pp, "orders.get.200", res),
            "PAYMENT.CAPTURE.COMPLETED" => check(&pp, "captures.get.200", res),
            "PAYMENT.CAPTURE.REFUNDED" => check(&pp, "captures.refund.201", res),
            other => panic!("unexpected {other}"),
        }
        let req = json!({"auth_algo": h.h("paypal-auth-algo"), "cert_url": h.h("paypal-cert-url"),
                         "transmission_id": h.h("paypal-transmission-id"), "transmission_sig": h.h("paypal-transmission-sig"),
                         "transmission_time": h.h("paypal-transmission-time"), "webhook_id": wh, "webhook_event": ev});
        check(&pp, "verify-webhook-signature.request", &req);
    }
    let (s, v) = call(&sim, &tok, Method::POST, "/v1/notifications/verify-webhook-signature", Some(json!({
        "auth_algo": "SHA256withRSA", "cert_url": sim.paypal_cert_url(), "transmission_id": "x", "transmission_sig": "eA==",
        "transmission_time": "2026-01-01T00:00:00Z", "webhook_id": wh, "webhook_event": {"id": "WH-1"}})), None).await;
    assert_eq!(s, 200);
    check(&pp, "verify-webhook-signature.200", &v);
    assert_eq!(v["verification_status"], "FAILURE");
}
