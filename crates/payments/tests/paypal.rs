//! The PayPal client against payments-sim: orders created, approved, captured (twice),
//! refunded; tokens cached and renewed; webhook signatures of real deliveries.
mod common;

use common::*;
use payments::paypal::{
    self, OrderRequest, PayPalClient, Transmission, VerifyError, WebhookVerifier,
};
use payments::{ErrorKind, Secret};
use payments_sim::{Delivery, PaymentsSim, Vendor};

fn client(sim: &PaymentsSim) -> PayPalClient {
    let (id, secret) = sim.paypal_credentials();
    PayPalClient::new(http(), &sim.paypal_api_base(), &id, Secret::new(secret))
}

fn request(amount: i64, currency: &'static str) -> OrderRequest<'static> {
    OrderRequest {
        amount_minor: amount,
        currency,
        custom_id: "order-42",
        description: "Rust for teachers",
        return_url: "https://lectern.test/pay/paypal/return",
        cancel_url: "https://lectern.test/pay/paypal/cancel",
    }
}

fn tokens(sim: &PaymentsSim) -> usize {
    sim.shared().world.lock().paypal_tokens.len()
}

/// An order approved by the buyer, ready to capture.
async fn approved(sim: &PaymentsSim, c: &PayPalClient, rid: &str) -> String {
    let o = c.create_order(&request(4900, "eur"), rid).await.unwrap();
    sim.approve(&o.id).unwrap();
    o.id
}

#[tokio::test]
async fn create_approve_capture() {
    let sim = PaymentsSim::start().await.unwrap();
    let c = client(&sim);
    c.check_credentials().await.unwrap();
    let o = c
        .create_order(&request(4900, "eur"), "rq-create")
        .await
        .unwrap();
    assert_eq!(o.status, "PAYER_ACTION_REQUIRED");
    assert!(
        o.approve_url
            .as_deref()
            .unwrap()
            .contains("/checkoutnow?token="),
        "{:?}",
        o.approve_url
    );
    assert_eq!(o.custom_id.as_deref(), Some("order-42"));
    assert_eq!(o.amount_minor, Some(4900));
    assert_eq!(o.currency.as_deref(), Some("EUR"));
    assert!(o.captures.is_empty());
    let held = sim.order(&o.id).unwrap();
    assert_eq!(held.value, "49.00");
    assert_eq!(held.reference_id, "order-42");
    assert_eq!(held.description.as_deref(), Some("Rust for teachers"));
    assert!(held.experience_context);

    // The same request id is the same order.
    let again = c
        .create_order(&request(4900, "eur"), "rq-create")
        .await
        .unwrap();
    assert_eq!(again.id, o.id);
    assert_eq!(sim.orders().len(), 1);

    let back = sim.approve(&o.id).unwrap();
    assert!(
        back.starts_with("https://lectern.test/pay/paypal/return?token="),
        "{back}"
    );
    assert_eq!(c.get_order(&o.id).await.unwrap().status, "APPROVED");

    let done = c.capture_order(&o.id, "rq-capture").await.unwrap();
    assert_eq!(done.id, o.id);
    assert_eq!(done.status, "COMPLETED");
    assert_eq!(done.captures.len(), 1);
    let cap = &done.captures[0];
    assert_eq!(cap.status, "COMPLETED");
    assert_eq!(cap.amount_minor, 4900);
    assert_eq!(cap.currency, "EUR");
    let read = c.get_order(&o.id).await.unwrap();
    assert_eq!(read.status, "COMPLETED");
    assert_eq!(read.captures[0].id, cap.id);
}

#[tokio::test]
async fn zero_and_three_decimal_currencies() {
    let sim = PaymentsSim::start().await.unwrap();
    let c = client(&sim);
    let o = c
        .create_order(&request(500, "JPY"), "rq-jpy")
        .await
        .unwrap();
    assert_eq!(sim.order(&o.id).unwrap().value, "500");
    assert_eq!(o.amount_minor, Some(500));
    sim.approve(&o.id).unwrap();
    let done = c.capture_order(&o.id, "rq-jpy-cap").await.unwrap();
    assert_eq!(done.captures[0].amount_minor, 500);
}

#[tokio::test]
async fn capture_twice_is_the_same_order() {
    let sim = PaymentsSim::start().await.unwrap();
    let c = client(&sim);
    let id = approved(&sim, &c, "rq-twice").await;
    let first = c.capture_order(&id, "rq-cap-1").await.unwrap();
    // Another request id: PayPal answers 422 ORDER_ALREADY_CAPTURED, read back as success.
    let second = c.capture_order(&id, "rq-cap-2").await.unwrap();
    assert_eq!(second.id, first.id);
    assert_eq!(second.status, "COMPLETED");
    assert_eq!(second.captures.len(), 1);
    assert_eq!(second.captures[0].id, first.captures[0].id);
    // The same request id: PayPal replays the first answer.
    let third = c.capture_order(&id, "rq-cap-1").await.unwrap();
    assert_eq!(third.captures[0].id, first.captures[0].id);
}

#[tokio::test]
async fn capture_before_approval_is_invalid() {
    let sim = PaymentsSim::start().await.unwrap();
    let c = client(&sim);
    let o = c
        .create_order(&request(4900, "EUR"), "rq-early")
        .await
        .unwrap();
    let err = c.capture_order(&o.id, "rq-early-cap").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert_eq!(err.status, Some(422));
    assert!(
        err.message.contains("ORDER_NOT_APPROVED"),
        "{}",
        err.message
    );
    assert_eq!(sim.order(&o.id).unwrap().status, "PAYER_ACTION_REQUIRED");

    let err = c.get_order("0NOSUCHORDER00000").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert_eq!(err.status, Some(404));
    for id in ["../../v1/oauth2/token", "5O1/capture", "5O1?x", ""] {
        let err = c.capture_order(id, "rq-bad-id").await.unwrap_err();
        assert_eq!((err.kind, err.status), (ErrorKind::Invalid, None), "{id}");
    }
}

#[tokio::test]
async fn refunds_of_a_capture() {
    let sim = PaymentsSim::start().await.unwrap();
    let c = client(&sim);
    let id = approved(&sim, &c, "rq-refund").await;
    let cap = c
        .capture_order(&id, "rq-refund-cap")
        .await
        .unwrap()
        .captures[0]
        .id
        .clone();
    let part = c
        .refund_capture(&cap, Some((900, "eur")), "rq-ref-1")
        .await
        .unwrap();
    assert_eq!(part.status, "COMPLETED");
    let too_much = c
        .refund_capture(&cap, Some((5000, "EUR")), "rq-ref-2")
        .await
        .unwrap_err();
    assert_eq!(too_much.kind, ErrorKind::Invalid);
    assert!(
        too_much.message.contains("REFUND_AMOUNT_EXCEEDED"),
        "{}",
        too_much.message
    );
    let rest = c.refund_capture(&cap, None, "rq-ref-3").await.unwrap();
    assert_ne!(rest.id, part.id);
    let none_left = c.refund_capture(&cap, None, "rq-ref-4").await.unwrap_err();
    assert!(
        none_left.message.contains("CAPTURE_FULLY_REFUNDED"),
        "{}",
        none_left.message
    );
    let amounts: Vec<i64> = sim.refunds().iter().map(|r| r.amount_minor).collect();
    assert_eq!(amounts, [900, 4000]);
    let o = c.get_order(&id).await.unwrap();
    assert_eq!(o.captures[0].status, "REFUNDED");
}

#[tokio::test]
async fn token_is_cached_and_renewed_after_a_401() {
    let sim = PaymentsSim::start().await.unwrap();
    let c = client(&sim);
    let o = c
        .create_order(&request(4900, "EUR"), "rq-tok")
        .await
        .unwrap();
    for _ in 0..3 {
        c.get_order(&o.id).await.unwrap();
    }
    assert_eq!(tokens(&sim), 1, "one token for four calls");
    // Clones share the cache.
    c.clone().get_order(&o.id).await.unwrap();
    assert_eq!(tokens(&sim), 1);

    sim.expire_paypal_tokens();
    assert_eq!(tokens(&sim), 0);
    let read = c.get_order(&o.id).await.unwrap();
    assert_eq!(read.id, o.id);
    assert_eq!(tokens(&sim), 1, "exactly one new token after the 401");
    c.get_order(&o.id).await.unwrap();
    assert_eq!(tokens(&sim), 1);
}

#[tokio::test]
async fn wrong_credentials_are_an_auth_error() {
    let sim = PaymentsSim::start().await.unwrap();
    let (id, _) = sim.paypal_credentials();
    let secret = "not-the-secret-0123456789";
    let c = PayPalClient::new(http(), &sim.paypal_api_base(), &id, Secret::new(secret));
    let err = c.check_credentials().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert_eq!(err.status, Some(401));
    assert!(!err.message.contains(secret));
    let err = c
        .create_order(&request(4900, "EUR"), "rq-x")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth);
    assert!(!format!("{c:?}").contains(secret));
    assert!(sim.orders().is_empty());
}

fn transmission(d: &Delivery) -> Transmission<'_> {
    let h = |n: &str| d.header(n).unwrap_or_else(|| panic!("no {n}"));
    Transmission {
        id: h("paypal-transmission-id"),
        time: h("paypal-transmission-time"),
        sig: h("paypal-transmission-sig"),
        cert_url: h("paypal-cert-url"),
        auth_algo: h("paypal-auth-algo"),
    }
}

#[tokio::test]
async fn webhook_signatures_of_real_deliveries() {
    let sim = PaymentsSim::start().await.unwrap();
    let url = receiver().await;
    let webhook_id = sim.register_paypal_webhook(&url);
    let c = client(&sim);
    let id = approved(&sim, &c, "rq-hook").await;
    c.capture_order(&id, "rq-hook-cap").await.unwrap();
    let approved_d = delivery(&sim, Vendor::PayPal, "CHECKOUT.ORDER.APPROVED").await;
    let captured_d = delivery(&sim, Vendor::PayPal, "PAYMENT.CAPTURE.COMPLETED").await;

    let v = WebhookVerifier::new(http(), vec![sim.base_url() + "/"]);
    for d in [&approved_d, &captured_d] {
        let t = transmission(d);
        assert!(t.cert_url.starts_with(&sim.base_url()), "{}", t.cert_url);
        v.verify(&t, &webhook_id, d.body.as_bytes()).await.unwrap();
        let ev: paypal::Event = serde_json::from_str(&d.body).unwrap();
        assert_eq!(
            ev.order_id().as_deref(),
            Some(id.as_str()),
            "{}",
            ev.event_type
        );
    }

    let t = transmission(&captured_d);
    let mut tampered = captured_d.body.clone().into_bytes();
    let i = tampered.iter().position(|&b| b == b'9').unwrap();
    tampered[i] = b'8';
    assert!(matches!(
        v.verify(&t, &webhook_id, &tampered).await,
        Err(VerifyError::Mismatch)
    ));
    // The same JSON laid out otherwise is another body: receivers must verify raw bytes.
    let reserialised = serde_json::to_vec_pretty(
        &serde_json::from_str::<serde_json::Value>(&captured_d.body).unwrap(),
    )
    .unwrap();
    assert_ne!(reserialised, captured_d.body.as_bytes());
    assert!(matches!(
        v.verify(&t, &webhook_id, &reserialised).await,
        Err(VerifyError::Mismatch)
    ));
    assert!(matches!(
        v.verify(&t, "WH-OTHER", captured_d.body.as_bytes()).await,
        Err(VerifyError::Mismatch)
    ));
    let other_time = Transmission {
        time: "2020-01-01T00:00:00Z",
        ..t.clone()
    };
    assert!(matches!(
        v.verify(&other_time, &webhook_id, captured_d.body.as_bytes())
            .await,
        Err(VerifyError::Mismatch)
    ));
    let garbage_sig = Transmission {
        sig: "not base64!",
        ..t.clone()
    };
    assert!(matches!(
        v.verify(&garbage_sig, &webhook_id, captured_d.body.as_bytes())
            .await,
        Err(VerifyError::Mismatch)
    ));
    let algo = Transmission {
        auth_algo: "SHA1withRSA",
        ..t.clone()
    };
    assert!(matches!(
        v.verify(&algo, &webhook_id, captured_d.body.as_bytes()).await,
        Err(VerifyError::Algorithm(a)) if a == "SHA1withRSA"
    ));

    // The certificate is cached by URL: with the simulator gone it still verifies.
    sim.shutdown();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    v.verify(&t, &webhook_id, captured_d.body.as_bytes())
        .await
        .unwrap();
    // A fresh verifier has to fetch, and cannot.
    let fresh = WebhookVerifier::new(http(), vec![sim.base_url() + "/"]);
    assert!(matches!(
        fresh
            .verify(&t, &webhook_id, captured_d.body.as_bytes())
            .await,
        Err(VerifyError::Cert(_))
    ));
}

#[tokio::test]
async fn cert_url_outside_the_allow_list_is_never_fetched() {
    let sim = PaymentsSim::start().await.unwrap();
    let url = receiver().await;
    let webhook_id = sim.register_paypal_webhook(&url);
    let c = client(&sim);
    approved(&sim, &c, "rq-allow").await;
    let d = delivery(&sim, Vendor::PayPal, "CHECKOUT.ORDER.APPROVED").await;
    let t = transmission(&d);

    // Only PayPal's own prefixes: the simulator's certificate is refused.
    let live = WebhookVerifier::new(
        http(),
        paypal::CERT_URL_PREFIXES
            .iter()
            .map(|p| p.to_string())
            .collect(),
    );
    assert!(matches!(
        live.verify(&t, &webhook_id, d.body.as_bytes()).await,
        Err(VerifyError::CertUrlNotAllowed)
    ));

    // A sender's URL elsewhere, served by a listener that records any connection.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere = format!("http://{}/cert.pem", listener.local_addr().unwrap());
    let v = WebhookVerifier::new(http(), vec![sim.base_url() + "/"]);
    let lookalike = format!("{}.evil.test/cert.pem", sim.base_url());
    let with_user = sim.base_url().replace("http://", "http://paypal@") + "/cert.pem";
    let dotdot = format!("{}/paypal/../../cert.pem", sim.base_url());
    for cert_url in [elsewhere.as_str(), &lookalike, &with_user, &dotdot] {
        let forged = Transmission {
            cert_url,
            ..t.clone()
        };
        assert!(
            matches!(
                v.verify(&forged, &webhook_id, d.body.as_bytes()).await,
                Err(VerifyError::CertUrlNotAllowed)
            ),
            "{cert_url}"
        );
    }
    let accepted =
        tokio::time::timeout(std::time::Duration::from_millis(200), listener.accept()).await;
    assert!(
        accepted.is_err(),
        "the verifier connected to the sender's URL"
    );
    // The genuine delivery still verifies with the same verifier.
    v.verify(&t, &webhook_id, d.body.as_bytes()).await.unwrap();
}
