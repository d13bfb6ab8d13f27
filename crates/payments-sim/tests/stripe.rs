//! Stripe: Checkout Sessions, the hosted page, refunds, events, signed webhooks and their controls.
mod common;

use std::time::Duration;

use common::*;
use hmac::{KeyInit as _, Mac as _};
use payments_sim::{Card, PaymentsSim};
use serde_json::Value;

/// An independent check of a `Stripe-Signature` header, written from Stripe's published
/// description: any v1 entry must equal hex HMAC-SHA256(secret, "{t}.{body}"), and t must be
/// within `tolerance` seconds of now.
fn verify_stripe(
    header: &str,
    body: &str,
    secret: &str,
    tolerance: i64,
) -> Result<(), &'static str> {
    let mut t = None;
    let mut v1 = vec![];
    for part in header.split(',') {
        let (k, v) = part.split_once('=').ok_or("malformed")?;
        match k {
            "t" => t = Some(v.parse::<i64>().map_err(|_| "bad t")?),
            "v1" => v1.push(hex::decode(v).map_err(|_| "bad hex")?),
            _ => {}
        }
    }
    let t = t.ok_or("no t")?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if (now - t).abs() > tolerance {
        return Err("timestamp outside tolerance");
    }
    for sig in v1 {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(body.as_bytes());
        if mac.verify_slice(&sig).is_ok() {
            return Ok(());
        }
    }
    Err("no matching v1")
}

const SECRET: &str = "whsec_test_secret_1";

async fn setup() -> (PaymentsSim, Receiver) {
    let sim = PaymentsSim::start().await.unwrap();
    let rx = receiver().await;
    sim.register_stripe_webhook(&rx.url, SECRET);
    (sim, rx)
}

/// Submit the hosted page form like a browser without JS.
async fn submit(url: &str, action: &str, card: &str) -> reqwest::Response {
    client()
        .post(url)
        .form(&[
            ("action", action),
            ("cardnumber", card),
            ("email", "stu@example.com"),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn checkout_pay_with_test_card_end_to_end() {
    let (sim, rx) = setup().await;
    let s = new_session(&sim).await;
    let id = s["id"].as_str().unwrap();
    assert!(id.starts_with("cs_test_"));
    assert_eq!(s["status"], "open");
    assert_eq!(s["payment_status"], "unpaid");
    assert_eq!(s["amount_total"], 4900);
    assert_eq!(s["payment_intent"], Value::Null);
    assert_eq!(s["metadata"]["course_id"], "7");
    let url = s["url"].as_str().unwrap();
    assert_eq!(url, format!("{}/pay/{id}", sim.base_url()));

    let page = client()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("name=\"cardnumber\"")
            && page.contains("value=\"pay\"")
            && page.contains("value=\"cancel\"")
    );
    assert!(page.contains("Rust for teachers"));

    // Declined: the page stays open and says so.
    let r = submit(url, "pay", Card::DECLINED).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Your card was declined"));
    assert_eq!(sim.session(id).unwrap().status, "open");

    // Success: redirect to success_url with the id substituted.
    let r = submit(url, "pay", "4242 4242 4242 4242").await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("https://lectern.test/pay/done?session_id={id}")
    );
    let (st, got) = stripe_get(&sim, &format!("/checkout/sessions/{id}")).await;
    assert_eq!(st, 200);
    assert_eq!(got["status"], "complete");
    assert_eq!(got["payment_status"], "paid");
    assert_eq!(got["url"], Value::Null);
    assert!(got["payment_intent"].as_str().unwrap().starts_with("pi_"));

    let hooks = rx.wait(1).await;
    let ev = hooks[0].json();
    assert_eq!(ev["type"], "checkout.session.completed");
    assert_eq!(ev["data"]["object"]["id"], id);
    assert_eq!(ev["data"]["object"]["client_reference_id"], "enrol-42");
    verify_stripe(hooks[0].h("stripe-signature"), &hooks[0].body, SECRET, 300).unwrap();
    assert!(
        verify_stripe(
            hooks[0].h("stripe-signature"),
            &hooks[0].body,
            "whsec_other",
            300
        )
        .is_err()
    );
    // A body changed by one byte fails.
    let tampered = hooks[0].body.replacen("4900", "4901", 1);
    assert!(verify_stripe(hooks[0].h("stripe-signature"), &tampered, SECRET, 300).is_err());
    // The event is retrievable.
    let (st, e) = stripe_get(&sim, &format!("/events/{}", ev["id"].as_str().unwrap())).await;
    assert_eq!(st, 200);
    assert_eq!(e["type"], "checkout.session.completed");
    // Paying again is refused.
    let r = submit(url, "pay", Card::VISA).await;
    assert!(r.text().await.unwrap().contains("no longer active"));
}

#[tokio::test]
async fn cancel_redirects_and_leaves_the_session_open() {
    let (sim, _rx) = setup().await;
    let s = new_session(&sim).await;
    let r = submit(s["url"].as_str().unwrap(), "cancel", "").await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "https://lectern.test/pay/cancelled"
    );
    assert_eq!(
        sim.session(s["id"].as_str().unwrap()).unwrap().status,
        "open"
    );
}

#[tokio::test]
async fn async_payment_completes_unpaid_then_succeeds() {
    let (sim, rx) = setup().await;
    let s = new_session(&sim).await;
    let id = s["id"].as_str().unwrap();
    let r = submit(s["url"].as_str().unwrap(), "pay", Card::ASYNC).await;
    assert_eq!(r.status(), 303);
    let (_, got) = stripe_get(&sim, &format!("/checkout/sessions/{id}")).await;
    assert_eq!(
        (got["status"].as_str(), got["payment_status"].as_str()),
        (Some("complete"), Some("unpaid"))
    );
    // Not refundable while unpaid.
    let pi = got["payment_intent"].as_str().unwrap();
    let (st, _, e) = stripe_post(&sim, "/refunds", &[("payment_intent", pi)], None).await;
    assert_eq!(st, 400, "{e}");
    sim.complete_async_payment(id).unwrap();
    assert!(sim.complete_async_payment(id).is_err(), "settles once");
    let hooks = rx.wait(2).await;
    let types: Vec<String> = hooks
        .iter()
        .map(|h| h.json()["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        types,
        [
            "checkout.session.completed",
            "checkout.session.async_payment_succeeded"
        ]
    );
    assert_eq!(hooks[1].json()["data"]["object"]["payment_status"], "paid");
}

#[tokio::test]
async fn refunds_partial_then_full_then_refused() {
    let (sim, rx) = setup().await;
    let s = new_session(&sim).await;
    let id = s["id"].as_str().unwrap();
    sim.pay(id, Card::VISA).unwrap();
    let pi = sim.session(id).unwrap().payment_intent.unwrap();
    let (st, _, r1) = stripe_post(
        &sim,
        "/refunds",
        &[("payment_intent", &pi), ("amount", "900")],
        Some("r1"),
    )
    .await;
    assert_eq!(st, 200, "{r1}");
    assert_eq!(r1["amount"], 900);
    assert_eq!(r1["status"], "succeeded");
    let (st, _, e) = stripe_post(
        &sim,
        "/refunds",
        &[("payment_intent", &pi), ("amount", "4001")],
        None,
    )
    .await;
    assert_eq!(st, 400);
    assert_eq!(e["error"]["code"], "amount_too_large");
    let (st, _, r2) = stripe_post(&sim, "/refunds", &[("payment_intent", &pi)], None).await;
    assert_eq!(st, 200);
    assert_eq!(r2["amount"], 4000);
    let (st, _, e) = stripe_post(&sim, "/refunds", &[("payment_intent", &pi)], None).await;
    assert_eq!(st, 400);
    assert_eq!(e["error"]["code"], "charge_already_refunded");
    let (st, _, e) = stripe_post(&sim, "/refunds", &[("payment_intent", "pi_nope")], None).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (400, Some("resource_missing"))
    );
    assert_eq!(sim.refunds().len(), 2);
    let hooks = rx.wait(3).await;
    let last = hooks[2].json();
    assert_eq!(last["type"], "charge.refunded");
    assert_eq!(last["data"]["object"]["amount_refunded"], 4900);
    assert_eq!(last["data"]["object"]["refunded"], true);
}

#[tokio::test]
async fn idempotency_key_replays_or_conflicts() {
    let (sim, _rx) = setup().await;
    let f = session_form(&[]);
    let (s1, _, a) = stripe_post(&sim, "/checkout/sessions", &f, Some("k1")).await;
    let (s2, h2, b) = stripe_post(&sim, "/checkout/sessions", &f, Some("k1")).await;
    assert_eq!((s1, s2), (200, 200));
    assert_eq!(a["id"], b["id"]);
    assert_eq!(h2["idempotent-replayed"], "true");
    assert_eq!(sim.sessions().len(), 1);
    let f2 = session_form(&[("metadata[x]", "y")]);
    let (s3, _, e) = stripe_post(&sim, "/checkout/sessions", &f2, Some("k1")).await;
    assert_eq!(s3, 400);
    assert_eq!(e["error"]["type"], "idempotency_error");
    let (s4, _, e) = stripe_post(&sim, "/refunds", &[("payment_intent", "pi_x")], Some("k1")).await;
    assert_eq!(
        (s4, e["error"]["type"].as_str()),
        (400, Some("idempotency_error"))
    );
    // A failed validation is not saved: the key may be reused after fixing the request.
    let bad = session_form(&[("line_items[0][quantity]", "0")]);
    let bad: Vec<_> = bad
        .into_iter()
        .filter(|(k, v)| !(*k == "line_items[0][quantity]" && *v == "1"))
        .collect();
    let (s5, _, _) = stripe_post(&sim, "/checkout/sessions", &bad, Some("k2")).await;
    assert_eq!(s5, 400);
    let (s6, _, _) = stripe_post(&sim, "/checkout/sessions", &f, Some("k2")).await;
    assert_eq!(s6, 200);
}

#[tokio::test]
async fn strictness_auth_content_type_params_amounts_state() {
    let (sim, _rx) = setup().await;
    let base = sim.stripe_api_base();
    let c = client();
    // No key, wrong key, publishable key → 401 with Stripe's error shape.
    let r = c
        .post(format!("{base}/checkout/sessions"))
        .form(&session_form(&[]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["type"], "invalid_request_error");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("You did not provide an API key")
    );
    for key in ["sk_test_wrongwrongwrong", "pk_test_123456789012"] {
        let r = c
            .get(format!("{base}/checkout/sessions/cs_x"))
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{key}");
    }
    // Basic auth with the key as user works.
    let r = c
        .get(format!("{base}/checkout/sessions/cs_x"))
        .basic_auth(sim.stripe_secret_key(), Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "resource_missing");
    // JSON body → 400.
    let r = c
        .post(format!("{base}/checkout/sessions"))
        .bearer_auth(sim.stripe_secret_key())
        .json(&serde_json::json!({"mode": "payment"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: Value = r.json().await.unwrap();
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unsupported Content-Type application/json")
    );
    // Unknown, missing and invalid parameters.
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, Option<&'a str>);
    let cases: Vec<Case<'_>> = vec![
        (
            session_form(&[("foo", "1")]),
            "parameter_unknown",
            Some("foo"),
        ),
        (
            session_form(&[("line_items[0][price_data][bogus]", "1")]),
            "parameter_unknown",
            Some("line_items[0][price_data][bogus]"),
        ),
        (
            session_form(&[])
                .into_iter()
                .filter(|(k, _)| *k != "mode")
                .collect(),
            "parameter_missing",
            Some("mode"),
        ),
        (
            session_form(&[])
                .into_iter()
                .filter(|(k, _)| *k != "line_items[0][quantity]")
                .collect(),
            "parameter_missing",
            Some("line_items[0][quantity]"),
        ),
        (
            session_form(&[])
                .into_iter()
                .map(|(k, v)| {
                    if k.ends_with("[unit_amount]") {
                        (k, "12.5")
                    } else {
                        (k, v)
                    }
                })
                .collect(),
            "parameter_invalid_integer",
            None,
        ),
        (
            session_form(&[])
                .into_iter()
                .map(|(k, v)| {
                    if k.ends_with("[unit_amount]") {
                        (k, "10")
                    } else {
                        (k, v)
                    }
                })
                .collect(),
            "amount_too_small",
            None,
        ),
        (
            session_form(&[])
                .into_iter()
                .map(|(k, v)| {
                    if k == "success_url" {
                        (k, "not a url")
                    } else {
                        (k, v)
                    }
                })
                .collect(),
            "url_invalid",
            Some("success_url"),
        ),
        (
            session_form(&[])
                .into_iter()
                .map(|(k, v)| {
                    if k == "customer_email" {
                        (k, "nope")
                    } else {
                        (k, v)
                    }
                })
                .collect(),
            "email_invalid",
            None,
        ),
    ];
    for (form, code, param) in cases {
        let (s, _, e) = stripe_post(&sim, "/checkout/sessions", &form, None).await;
        assert_eq!(s, 400, "{code}: {e}");
        assert_eq!(e["error"]["code"], code, "{e}");
        if let Some(p) = param {
            assert_eq!(e["error"]["param"], p, "{e}");
        }
    }
    let bad_cur: Vec<_> = session_form(&[])
        .into_iter()
        .map(|(k, v)| {
            if k.ends_with("[currency]") {
                (k, "xyz")
            } else {
                (k, v)
            }
        })
        .collect();
    let (s, _, e) = stripe_post(&sim, "/checkout/sessions", &bad_cur, None).await;
    assert_eq!(
        (s, e["error"]["param"].as_str()),
        (400, Some("line_items[0][price_data][currency]"))
    );
    // Wrong method / unknown URL → 404 "Unrecognized request URL".
    let r = c
        .delete(format!("{base}/checkout/sessions"))
        .bearer_auth(sim.stripe_secret_key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let e: Value = r.json().await.unwrap();
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Unrecognized request URL (DELETE: /v1/checkout/sessions)")
    );
    // Expire: open → expired (+ event); again → 400; paying an expired session fails.
    let s = new_session(&sim).await;
    let id = s["id"].as_str().unwrap();
    let (st, _, x) = stripe_post(&sim, &format!("/checkout/sessions/{id}/expire"), &[], None).await;
    assert_eq!((st, x["status"].as_str()), (200, Some("expired")));
    let (st, _, e) = stripe_post(&sim, &format!("/checkout/sessions/{id}/expire"), &[], None).await;
    assert_eq!(st, 400);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("status of \"expired\"")
    );
    assert!(sim.pay(id, Card::VISA).unwrap_err().contains("expired"));
    // Refund of a session that was never paid.
    let (st, _, _) = stripe_post(&sim, "/refunds", &[("amount", "100")], None).await;
    assert_eq!(st, 400);
}

#[tokio::test]
async fn webhook_controls_duplicate_reorder_pause_sign_late_retry() {
    let (sim, rx) = setup().await;
    sim.set_retry_delays(vec![Duration::from_millis(50), Duration::from_millis(100)]);
    // Duplicate: the same event twice.
    sim.duplicate_next();
    let a = new_session(&sim).await;
    sim.pay(a["id"].as_str().unwrap(), Card::VISA).unwrap();
    let got = rx.wait(2).await;
    assert_eq!(got[0].body, got[1].body);
    assert_eq!(got[0].json()["id"], got[1].json()["id"]);

    // Pause + reorder: held events come out newest first on resume.
    sim.pause_webhooks();
    let b = new_session(&sim).await;
    let c = new_session(&sim).await;
    sim.pay(b["id"].as_str().unwrap(), Card::VISA).unwrap();
    sim.pay(c["id"].as_str().unwrap(), Card::VISA).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(rx.got().len(), 2, "paused");
    sim.reorder();
    sim.resume();
    let got = rx.wait(4).await;
    assert_eq!(got[2].json()["data"]["object"]["id"], c["id"]);
    assert_eq!(got[3].json()["data"]["object"]["id"], b["id"]);

    // Reorder without pause: the next two are swapped.
    sim.reorder();
    let d = new_session(&sim).await;
    let e = new_session(&sim).await;
    sim.pay(d["id"].as_str().unwrap(), Card::VISA).unwrap();
    sim.pay(e["id"].as_str().unwrap(), Card::VISA).unwrap();
    let got = rx.wait(6).await;
    assert_eq!(got[4].json()["data"]["object"]["id"], e["id"]);
    assert_eq!(got[5].json()["data"]["object"]["id"], d["id"]);

    // Wrong secret: fails verification with the registered one.
    sim.sign_with("whsec_wrong");
    let f = new_session(&sim).await;
    sim.pay(f["id"].as_str().unwrap(), Card::VISA).unwrap();
    let got = rx.wait(7).await;
    assert!(verify_stripe(got[6].h("stripe-signature"), &got[6].body, SECRET, 300).is_err());
    verify_stripe(
        got[6].h("stripe-signature"),
        &got[6].body,
        "whsec_wrong",
        300,
    )
    .unwrap();
    sim.sign_with_registered();

    // Rolled secret: both old and new verify while the old one is kept, only new after.
    sim.roll_stripe_webhook_secret("whsec_new", true);
    let g = new_session(&sim).await;
    sim.pay(g["id"].as_str().unwrap(), Card::VISA).unwrap();
    let got = rx.wait(8).await;
    let h = got[7].h("stripe-signature");
    assert_eq!(h.matches("v1=").count(), 2);
    verify_stripe(h, &got[7].body, SECRET, 300).unwrap();
    verify_stripe(h, &got[7].body, "whsec_new", 300).unwrap();
    sim.roll_stripe_webhook_secret("whsec_newer", false);
    let i = new_session(&sim).await;
    sim.pay(i["id"].as_str().unwrap(), Card::VISA).unwrap();
    let got = rx.wait(9).await;
    assert!(verify_stripe(got[8].h("stripe-signature"), &got[8].body, "whsec_new", 300).is_err());
    verify_stripe(
        got[8].h("stripe-signature"),
        &got[8].body,
        "whsec_newer",
        300,
    )
    .unwrap();

    // Late: timestamp 10 minutes old → outside the 300 s tolerance, still a valid HMAC.
    sim.deliver_late(Duration::from_secs(600));
    let j = new_session(&sim).await;
    sim.pay(j["id"].as_str().unwrap(), Card::VISA).unwrap();
    let got = rx.wait(10).await;
    assert_eq!(
        verify_stripe(
            got[9].h("stripe-signature"),
            &got[9].body,
            "whsec_newer",
            300
        ),
        Err("timestamp outside tolerance")
    );
    verify_stripe(
        got[9].h("stripe-signature"),
        &got[9].body,
        "whsec_newer",
        100_000,
    )
    .unwrap();
    sim.deliver_late(Duration::ZERO);

    // Non-2xx answers are retried with backoff; the log records each status.
    rx.answer_first(&[500, 503]);
    let k = new_session(&sim).await;
    sim.pay(k["id"].as_str().unwrap(), Card::VISA).unwrap();
    let got = rx.wait(13).await;
    assert_eq!(got[10].body, got[12].body);
    let log = sim
        .wait_for_deliveries(Duration::from_secs(5), |d| d.len() >= 13)
        .await;
    let statuses: Vec<_> = log[10..13].iter().map(|d| (d.attempt, d.status)).collect();
    assert_eq!(statuses, [(0, Some(500)), (1, Some(503)), (2, Some(200))]);
    // Timestamps of retries are fresh (each attempt is signed anew).
    verify_stripe(
        got[12].h("stripe-signature"),
        &got[12].body,
        "whsec_newer",
        300,
    )
    .unwrap();
}
