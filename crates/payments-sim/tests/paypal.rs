//! PayPal: token, orders, approval page, capture, refunds, signed webhooks and verification.
mod common;

use base64::Engine as _;
use common::paypal::*;
use common::*;
use payments_sim::PaymentsSim;
use reqwest::Method;
use serde_json::{Value, json};

async fn create(sim: &PaymentsSim, tok: &str, value: &str) -> Value {
    let (s, o) = call(
        sim,
        tok,
        Method::POST,
        "/v2/checkout/orders",
        Some(order_body(value)),
        None,
    )
    .await;
    assert_eq!(s, 201, "{o}");
    o
}

fn approve_link(o: &Value) -> String {
    o["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "payer-action")
        .unwrap()["href"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Offline check, as PayPal's SDKs do: CRC-32 of the raw body, the message
/// `id|time|webhook_id|crc`, RSA-SHA256 with the certificate fetched from the cert URL.
async fn verify_offline(r: &Received, webhook_id: &str) -> bool {
    let pem = client()
        .get(r.h("paypal-cert-url"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let der = rustls_pki_types::CertificateDer::from(der);
    let cert = webpki::EndEntityCert::try_from(&der).unwrap();
    let crc = crc32fast::hash(r.body.as_bytes());
    let msg = format!(
        "{}|{}|{webhook_id}|{crc}",
        r.h("paypal-transmission-id"),
        r.h("paypal-transmission-time")
    );
    let sig = base64::engine::general_purpose::STANDARD
        .decode(r.h("paypal-transmission-sig"))
        .unwrap();
    assert_eq!(r.h("paypal-auth-algo"), "SHA256withRSA");
    cert.verify_signature(
        webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256,
        msg.as_bytes(),
        &sig,
    )
    .is_ok()
}

/// The postback, with the event spliced in byte for byte.
async fn postback(
    sim: &PaymentsSim,
    tok: &str,
    r: &Received,
    webhook_id: &str,
    event_raw: &str,
) -> String {
    let body = format!(
        "{{\"auth_algo\":{},\"cert_url\":{},\"transmission_id\":{},\"transmission_sig\":{},\"transmission_time\":{},\"webhook_id\":{},\"webhook_event\":{event_raw}}}",
        json!(r.h("paypal-auth-algo")),
        json!(r.h("paypal-cert-url")),
        json!(r.h("paypal-transmission-id")),
        json!(r.h("paypal-transmission-sig")),
        json!(r.h("paypal-transmission-time")),
        json!(webhook_id)
    );
    let resp = client()
        .post(format!(
            "{}/v1/notifications/verify-webhook-signature",
            sim.paypal_api_base()
        ))
        .bearer_auth(tok)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    v["verification_status"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn order_approve_capture_refund_with_signed_webhooks() {
    let sim = PaymentsSim::start().await.unwrap();
    let rx = receiver().await;
    let wh = sim.register_paypal_webhook(&rx.url);
    let tok = token(&sim).await;
    let o = create(&sim, &tok, "49.00").await;
    let id = o["id"].as_str().unwrap().to_string();
    assert_eq!(o["status"], "PAYER_ACTION_REQUIRED");
    // Capture before approval → 422 ORDER_NOT_APPROVED.
    let (s, e) = call(
        &sim,
        &tok,
        Method::POST,
        &format!("/v2/checkout/orders/{id}/capture"),
        Some(json!({})),
        None,
    )
    .await;
    assert_eq!(
        (s, e["details"][0]["issue"].as_str()),
        (422, Some("ORDER_NOT_APPROVED"))
    );

    // The approval page: a plain form; Approve redirects to return_url with token and PayerID.
    let link = approve_link(&o);
    let page = client()
        .get(&link)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"approve\"") && page.contains("49.00 EUR"));
    let r = client()
        .post(format!("{}/checkoutnow/approve", sim.paypal_api_base()))
        .form(&[("token", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let loc = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(loc.path(), "/paypal/return");
    let q: std::collections::BTreeMap<_, _> = loc.query_pairs().into_owned().collect();
    assert_eq!(q["token"], id);
    assert_eq!(q["PayerID"], sim.order(&id).unwrap().payer_id.unwrap());

    // Capture, idempotent by PayPal-Request-Id; a second capture without it → 422.
    let path = format!("/v2/checkout/orders/{id}/capture");
    let (s, c1) = call(
        &sim,
        &tok,
        Method::POST,
        &path,
        Some(json!({})),
        Some("cap-1"),
    )
    .await;
    assert_eq!(s, 201, "{c1}");
    assert_eq!(c1["status"], "COMPLETED");
    let cap = &c1["purchase_units"][0]["payments"]["captures"][0];
    assert_eq!(cap["status"], "COMPLETED");
    let (s, c2) = call(
        &sim,
        &tok,
        Method::POST,
        &path,
        Some(json!({})),
        Some("cap-1"),
    )
    .await;
    assert_eq!((s, &c2), (201, &c1));
    let (s, e) = call(&sim, &tok, Method::POST, &path, Some(json!({})), None).await;
    assert_eq!(
        (s, e["details"][0]["issue"].as_str()),
        (422, Some("ORDER_ALREADY_CAPTURED"))
    );

    // Refunds: partial, too much, the rest, then fully refunded.
    let cap_id = cap["id"].as_str().unwrap();
    let rpath = format!("/v2/payments/captures/{cap_id}/refund");
    let (s, r1) = call(
        &sim,
        &tok,
        Method::POST,
        &rpath,
        Some(json!({"amount": {"currency_code": "EUR", "value": "9.00"}})),
        None,
    )
    .await;
    assert_eq!(
        (s, r1["status"].as_str(), r1["amount"]["value"].as_str()),
        (201, Some("COMPLETED"), Some("9.00"))
    );
    let (s, e) = call(
        &sim,
        &tok,
        Method::POST,
        &rpath,
        Some(json!({"amount": {"currency_code": "EUR", "value": "40.01"}})),
        None,
    )
    .await;
    assert_eq!(
        (s, e["details"][0]["issue"].as_str()),
        (422, Some("REFUND_AMOUNT_EXCEEDED"))
    );
    let (s, r2) = call(&sim, &tok, Method::POST, &rpath, Some(json!({})), None).await;
    assert_eq!((s, r2["amount"]["value"].as_str()), (201, Some("40.00")));
    let (s, e) = call(&sim, &tok, Method::POST, &rpath, Some(json!({})), None).await;
    assert_eq!(
        (s, e["details"][0]["issue"].as_str()),
        (422, Some("CAPTURE_FULLY_REFUNDED"))
    );
    let (_, capg) = call(
        &sim,
        &tok,
        Method::GET,
        &format!("/v2/payments/captures/{cap_id}"),
        None,
        None,
    )
    .await;
    assert_eq!(capg["status"], "REFUNDED");

    // Webhooks: approved, capture completed, two refunds; each verifies offline and by postback.
    let got = rx.wait(4).await;
    let types: Vec<_> = got
        .iter()
        .map(|r| r.json()["event_type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        types,
        [
            "CHECKOUT.ORDER.APPROVED",
            "PAYMENT.CAPTURE.COMPLETED",
            "PAYMENT.CAPTURE.REFUNDED",
            "PAYMENT.CAPTURE.REFUNDED"
        ]
    );
    assert_eq!(
        got[1].json()["resource"]["supplementary_data"]["related_ids"]["order_id"],
        id
    );
    for r in &got {
        assert!(verify_offline(r, &wh).await, "offline verification");
        assert_eq!(postback(&sim, &tok, r, &wh, &r.body).await, "SUCCESS");
    }
    let r = &got[1];
    // Tampered body (amount changed), re-serialised JSON, wrong webhook id → FAILURE.
    let tampered = r.body.replacen("49.00", "0.01", 1);
    assert_ne!(tampered, r.body);
    assert_eq!(postback(&sim, &tok, r, &wh, &tampered).await, "FAILURE");
    let reserialised = serde_json::to_string_pretty(&r.json()).unwrap();
    assert_eq!(postback(&sim, &tok, r, &wh, &reserialised).await, "FAILURE");
    assert_eq!(
        postback(&sim, &tok, r, "WH-OTHER", &r.body).await,
        "FAILURE"
    );
    let mut t = r.clone();
    t.body = tampered;
    assert!(!verify_offline(&t, &wh).await);
}

#[tokio::test]
async fn strictness_auth_media_type_amounts_and_request_ids() {
    let sim = PaymentsSim::start().await.unwrap();
    let base = sim.paypal_api_base();
    let c = client();
    // Token: wrong credentials, missing grant type.
    let r = c
        .post(format!("{base}/v1/oauth2/token"))
        .basic_auth("x", Some("y"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_client");
    let (id, secret) = sim.paypal_credentials();
    let r = c
        .post(format!("{base}/v1/oauth2/token"))
        .basic_auth(&id, Some(&secret))
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // No bearer → 401 AUTHENTICATION_FAILURE; unknown token → 401 invalid_token.
    let r = c
        .post(format!("{base}/v2/checkout/orders"))
        .json(&order_body("1.00"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap()["name"],
        "AUTHENTICATION_FAILURE"
    );
    let (s, _) = call(
        &sim,
        "A21AAbogus",
        Method::GET,
        "/v2/checkout/orders/X",
        None,
        None,
    )
    .await;
    assert_eq!(s, 401);
    let tok = token(&sim).await;
    // Expired tokens stop working.
    sim.expire_paypal_tokens();
    let (s, _) = call(&sim, &tok, Method::GET, "/v2/checkout/orders/X", None, None).await;
    assert_eq!(s, 401);
    let tok = token(&sim).await;
    // Form body → 415.
    let r = c
        .post(format!("{base}/v2/checkout/orders"))
        .bearer_auth(&tok)
        .form(&[("intent", "CAPTURE")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    // Malformed JSON → 400 MALFORMED_REQUEST_JSON.
    let r = c
        .post(format!("{base}/v2/checkout/orders"))
        .bearer_auth(&tok)
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<Value>().await.unwrap()["details"][0]["issue"],
        "MALFORMED_REQUEST_JSON"
    );
    // Amounts.
    for (value, status, issue) in [
        ("10.001", 422, "DECIMAL_PRECISION"),
        ("0.00", 422, "CANNOT_BE_ZERO_OR_NEGATIVE"),
        ("ten", 400, "INVALID_PARAMETER_SYNTAX"),
        ("10,00", 400, "INVALID_PARAMETER_SYNTAX"),
    ] {
        let (s, e) = call(
            &sim,
            &tok,
            Method::POST,
            "/v2/checkout/orders",
            Some(order_body(value)),
            None,
        )
        .await;
        assert_eq!(
            (s, e["details"][0]["issue"].as_str()),
            (status, Some(issue)),
            "{value}: {e}"
        );
    }
    let mut b = order_body("10.00");
    b["purchase_units"][0]["amount"] = json!({"currency_code": "JPY", "value": "100.50"});
    let (s, e) = call(
        &sim,
        &tok,
        Method::POST,
        "/v2/checkout/orders",
        Some(b),
        None,
    )
    .await;
    assert_eq!(
        (s, e["details"][0]["issue"].as_str()),
        (422, Some("DECIMAL_PRECISION"))
    );
    let (s, e) = call(
        &sim,
        &tok,
        Method::POST,
        "/v2/checkout/orders",
        Some(json!({"purchase_units": []})),
        None,
    )
    .await;
    assert_eq!(
        (s, e["details"][0]["issue"].as_str()),
        (400, Some("MISSING_REQUIRED_PARAMETER"))
    );
    // PayPal-Request-Id: the same id returns the first order.
    let (s1, a) = call(
        &sim,
        &tok,
        Method::POST,
        "/v2/checkout/orders",
        Some(order_body("5.00")),
        Some("req-1"),
    )
    .await;
    let (s2, b) = call(
        &sim,
        &tok,
        Method::POST,
        "/v2/checkout/orders",
        Some(order_body("5.00")),
        Some("req-1"),
    )
    .await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(a["id"], b["id"]);
    assert_eq!(sim.orders().len(), 1);
    // Unknown order → 404 RESOURCE_NOT_FOUND; wrong method → 405.
    let (s, e) = call(
        &sim,
        &tok,
        Method::GET,
        "/v2/checkout/orders/NOPE",
        None,
        None,
    )
    .await;
    assert_eq!(
        (s, e["details"][0]["issue"].as_str()),
        (404, Some("INVALID_RESOURCE_ID"))
    );
    let (s, _) = call(
        &sim,
        &tok,
        Method::DELETE,
        &format!("/v2/checkout/orders/{}", a["id"].as_str().unwrap()),
        None,
        None,
    )
    .await;
    assert_eq!(s, 405);
    // Cancel on the approval page → cancel_url with the token; order stays unapproved.
    let oid = a["id"].as_str().unwrap();
    let r = c
        .post(format!("{base}/checkoutnow/cancel"))
        .form(&[("token", oid)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        format!("https://lectern.test/paypal/cancel?token={oid}")
    );
    assert_eq!(sim.order(oid).unwrap().status, "PAYER_ACTION_REQUIRED");
    // application_context → CREATED with an "approve" link; approve() skips the browser.
    let legacy = json!({"intent": "CAPTURE", "purchase_units": [{"amount": {"currency_code": "USD", "value": "3.00"}}],
                        "application_context": {"return_url": "https://lectern.test/r", "cancel_url": "https://lectern.test/c"}});
    let (s, o) = call(
        &sim,
        &tok,
        Method::POST,
        "/v2/checkout/orders",
        Some(legacy),
        None,
    )
    .await;
    assert_eq!((s, o["status"].as_str()), (201, Some("CREATED")));
    assert!(
        o["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "approve")
    );
    let back = sim.approve(o["id"].as_str().unwrap()).unwrap();
    assert!(back.starts_with("https://lectern.test/r?token="));
    assert!(sim.approve(o["id"].as_str().unwrap()).is_err());
}
