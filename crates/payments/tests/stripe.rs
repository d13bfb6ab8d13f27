//! The Stripe client against payments-sim: sessions paid, declined, expired, refunded;
//! credentials, idempotency, ids, and the signature of real deliveries.
mod common;

use common::*;
use payments::stripe::{self, CheckoutRequest, SignatureError, StripeClient};
use payments::{ErrorKind, Secret};
use payments_sim::{Card, PaymentsSim, Vendor};

fn client(sim: &PaymentsSim) -> StripeClient {
    StripeClient::new(
        http(),
        &sim.stripe_api_base(),
        Secret::new(sim.stripe_secret_key()),
    )
}

const META: &[(&str, &str)] = &[("order_id", "42"), ("school", "s-1")];

fn request(amount: i64) -> CheckoutRequest<'static> {
    CheckoutRequest {
        amount_minor: amount,
        currency: "EUR",
        product_name: "Rust for teachers",
        success_url: "https://lectern.test/pay/done?session_id={CHECKOUT_SESSION_ID}",
        cancel_url: "https://lectern.test/pay/cancelled",
        client_reference_id: "order-42",
        metadata: META,
        customer_email: Some("stu@example.com"),
        expires_at: None,
    }
}

#[tokio::test]
async fn session_paid_with_a_card() {
    let sim = PaymentsSim::start().await.unwrap();
    let c = client(&sim);
    c.check_credentials().await.unwrap();
    let s = c
        .create_checkout_session(&request(4900), "idem-paid")
        .await
        .unwrap();
    assert!(s.id.starts_with("cs_"), "{}", s.id);
    assert_eq!(s.status.as_deref(), Some("open"));
    assert_eq!(s.payment_status, "unpaid");
    assert!(s.url.is_some());
    assert_eq!(s.payment_intent, None);
    let held = sim.session(&s.id).unwrap();
    assert_eq!(held.currency, "eur");
    assert_eq!(held.customer_email.as_deref(), Some("stu@example.com"));
    assert_eq!(held.line_items[0].name, "Rust for teachers");

    let redirect = sim.pay(&s.id, Card::VISA).unwrap();
    assert!(redirect.contains(&s.id), "{redirect}");
    let paid = c.retrieve_checkout_session(&s.id).await.unwrap();
    assert_eq!(paid.payment_status, "paid");
    assert_eq!(paid.status.as_deref(), Some("complete"));
    assert_eq!(paid.amount_total, Some(4900));
    assert_eq!(paid.currency.as_deref(), Some("eur"));
    assert_eq!(paid.client_reference_id.as_deref(), Some("order-42"));
    assert_eq!(
        paid.metadata.get("order_id").map(String::as_str),
        Some("42")
    );
    assert_eq!(paid.metadata.get("school").map(String::as_str), Some("s-1"));
    assert!(paid.payment_intent.as_deref().unwrap().starts_with("pi_"));
    assert_eq!(paid.url, None);
}

#[tokio::test]
async fn expires_at_is_sent() {
    let sim = PaymentsSim::start().await.unwrap();
    let at = now_unix() + 3600;
    let s = client(&sim)
        .create_checkout_session(
            &CheckoutRequest {
                expires_at: Some(at),
                customer_email: None,
                ..request(4900)
            },
            "idem-exp-at",
        )
        .await
        .unwrap();
    let held = sim.session(&s.id).unwrap();
    assert_eq!(held.expires_at, at);
    assert_eq!(held.customer_email, None);
}

#[tokio::test]
async fn declined_card_leaves_the_session_unpaid() {
    let sim = PaymentsSim::start().await.unwrap();
    let c = client(&sim);
    let s = c
        .create_checkout_session(&request(4900), "idem-declined")
        .await
        .unwrap();
    let msg = sim.pay(&s.id, Card::DECLINED).unwrap_err();
    assert!(msg.contains("declined"), "{msg}");
    let after = c.retrieve_checkout_session(&s.id).await.unwrap();
    assert_eq!(after.payment_status, "unpaid");
    assert_eq!(after.status.as_deref(), Some("open"));
    assert_eq!(after.payment_intent, None);
}

#[tokio::test]
async fn expire_an_open_session_only() {
    let sim = PaymentsSim::start().await.unwrap();
    let c = client(&sim);
    let s = c
        .create_checkout_session(&request(4900), "idem-expire")
        .await
        .unwrap();
    let e = c.expire_checkout_session(&s.id).await.unwrap();
    assert_eq!(e.status.as_deref(), Some("expired"));
    assert_eq!(e.url, None);
    // A retried expiry replays the first answer rather than failing.
    let again = c.expire_checkout_session(&s.id).await.unwrap();
    assert_eq!(again.status.as_deref(), Some("expired"));
    assert_eq!(
        c.retrieve_checkout_session(&s.id)
            .await
            .unwrap()
            .status
            .as_deref(),
        Some("expired")
    );

    let paid = c
        .create_checkout_session(&request(4900), "idem-expire-paid")
        .await
        .unwrap();
    sim.pay(&paid.id, Card::VISA).unwrap();
    let err = c.expire_checkout_session(&paid.id).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert_eq!(err.status, Some(400));
    assert!(err.message.contains("complete"), "{}", err.message);
}

#[tokio::test]
async fn refunds_partial_then_the_rest() {
    let sim = PaymentsSim::start().await.unwrap();
    let c = client(&sim);
    let s = c
        .create_checkout_session(&request(4900), "idem-refund")
        .await
        .unwrap();
    sim.pay(&s.id, Card::VISA).unwrap();
    let pi = c
        .retrieve_checkout_session(&s.id)
        .await
        .unwrap()
        .payment_intent
        .unwrap();
    let part = c.refund(&pi, Some(900), "refund-1").await.unwrap();
    assert!(part.id.starts_with("re_"));
    assert_eq!(part.amount, 900);
    assert_eq!(part.currency, "eur");
    assert_eq!(part.status.as_deref(), Some("succeeded"));
    // The same key again is the same refund, not a second one.
    let replay = c.refund(&pi, Some(900), "refund-1").await.unwrap();
    assert_eq!(replay.id, part.id);
    let too_much = c.refund(&pi, Some(5000), "refund-2").await.unwrap_err();
    assert_eq!(too_much.kind, ErrorKind::Invalid);
    assert!(
        too_much.message.contains("amount_too_large"),
        "{}",
        too_much.message
    );
    let rest = c.refund(&pi, None, "refund-3").await.unwrap();
    assert_eq!(rest.amount, 4000);
    let none_left = c.refund(&pi, None, "refund-4").await.unwrap_err();
    assert_eq!(none_left.kind, ErrorKind::Invalid);
    let amounts: Vec<i64> = sim.refunds().iter().map(|r| r.amount_minor).collect();
    assert_eq!(amounts, [900, 4000]);
}

#[tokio::test]
async fn full_refund_and_an_unknown_payment_intent() {
    let sim = PaymentsSim::start().await.unwrap();
    let c = client(&sim);
    let s = c
        .create_checkout_session(&request(4900), "idem-full")
        .await
        .unwrap();
    sim.pay(&s.id, Card::VISA).unwrap();
    let pi = c
        .retrieve_checkout_session(&s.id)
        .await
        .unwrap()
        .payment_intent
        .unwrap();
    let full = c.refund(&pi, None, "refund-full").await.unwrap();
    assert_eq!(full.amount, 4900);
    let err = c
        .refund("pi_does_not_exist", None, "refund-x")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
}

#[tokio::test]
async fn wrong_key_is_an_auth_error_without_the_key() {
    let sim = PaymentsSim::start().await.unwrap();
    let key = "sk_test_not_the_right_key_1234567890";
    let c = StripeClient::new(http(), &sim.stripe_api_base(), Secret::new(key));
    for err in [
        c.check_credentials().await.unwrap_err(),
        c.create_checkout_session(&request(4900), "idem-wrong")
            .await
            .unwrap_err(),
        c.retrieve_checkout_session("cs_test_1").await.unwrap_err(),
    ] {
        assert_eq!(err.kind, ErrorKind::Auth, "{err:?}");
        assert_eq!(err.status, Some(401));
        assert!(!err.message.contains(key), "{}", err.message);
        assert!(!format!("{err:?}").contains(key));
    }
    assert!(!format!("{c:?}").contains(key));
    assert!(sim.sessions().is_empty());
}

#[tokio::test]
async fn idempotency_key_reuse_returns_the_same_session() {
    let sim = PaymentsSim::start().await.unwrap();
    let c = client(&sim);
    let a = c
        .create_checkout_session(&request(4900), "idem-same")
        .await
        .unwrap();
    let b = c
        .create_checkout_session(&request(4900), "idem-same")
        .await
        .unwrap();
    assert_eq!(a.id, b.id);
    assert_eq!(sim.sessions().len(), 1);
    // The key with other parameters is a bug of ours: refused, nothing created.
    let err = c
        .create_checkout_session(&request(5900), "idem-same")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(err.message.contains("idempotency_error"), "{}", err.message);
    let other = c
        .create_checkout_session(&request(4900), "idem-other")
        .await
        .unwrap();
    assert_ne!(other.id, a.id);
    assert_eq!(sim.sessions().len(), 2);
}

#[tokio::test]
async fn invalid_requests_and_ids() {
    let sim = PaymentsSim::start().await.unwrap();
    let c = client(&sim);
    let err = c
        .retrieve_checkout_session("cs_test_nope")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert_eq!(err.status, Some(404));
    assert!(
        err.message.contains("No such checkout.session"),
        "{}",
        err.message
    );
    // An id that would address another resource never leaves the process.
    for id in ["../balance", "cs_1/expire", "cs_1?expand=x", "cs%2f1", ""] {
        let err = c.retrieve_checkout_session(id).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Invalid, "{id}");
        assert_eq!(err.status, None, "{id}");
        let err = c.expire_checkout_session(id).await.unwrap_err();
        assert_eq!(err.status, None, "{id}");
    }
    let small = c
        .create_checkout_session(&request(10), "idem-small")
        .await
        .unwrap_err();
    assert_eq!(small.kind, ErrorKind::Invalid);
    assert!(
        small.message.contains("amount_too_small"),
        "{}",
        small.message
    );
}

#[tokio::test]
async fn unreachable_is_unavailable() {
    // A port that was just free: connection refused.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = StripeClient::new(
        http(),
        &format!("http://127.0.0.1:{port}/v1"),
        Secret::new("sk_test_x"),
    );
    let err = c.check_credentials().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Unavailable);
    assert_eq!(err.status, None);
}

#[tokio::test]
async fn signature_of_a_real_delivery() {
    let sim = PaymentsSim::start().await.unwrap();
    let url = receiver().await;
    let secret = "whsec_payments_test_secret";
    sim.register_stripe_webhook(&url, secret);
    let c = client(&sim);
    let s = c
        .create_checkout_session(&request(4900), "idem-hook")
        .await
        .unwrap();
    sim.pay(&s.id, Card::VISA).unwrap();
    let d = delivery(&sim, Vendor::Stripe, "checkout.session.completed").await;
    let header = d.header("Stripe-Signature").unwrap();
    let body = d.body.as_bytes();
    let now = now_unix();
    stripe::verify_signature(header, body, secret, now, stripe::TOLERANCE_SECS).unwrap();

    let ev: stripe::Event = serde_json::from_slice(body).unwrap();
    assert_eq!(ev.kind, "checkout.session.completed");
    let cs = ev.checkout_session().unwrap();
    assert_eq!(cs.id, s.id);
    assert_eq!(cs.payment_status, "paid");
    assert_eq!(cs.client_reference_id.as_deref(), Some("order-42"));

    let mut tampered = d.body.clone().into_bytes();
    let i = tampered.iter().position(|&b| b == b'4').unwrap();
    tampered[i] = b'5';
    assert_eq!(
        stripe::verify_signature(header, &tampered, secret, now, stripe::TOLERANCE_SECS),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        stripe::verify_signature(header, body, "whsec_other", now, stripe::TOLERANCE_SECS),
        Err(SignatureError::Mismatch)
    );
    assert_eq!(
        stripe::verify_signature(header, body, secret, now + 3600, stripe::TOLERANCE_SECS),
        Err(SignatureError::Stale)
    );
}

#[tokio::test]
async fn signature_while_the_secret_rolls_and_when_late() {
    let sim = PaymentsSim::start().await.unwrap();
    let url = receiver().await;
    sim.register_stripe_webhook(&url, "whsec_old_secret");
    sim.roll_stripe_webhook_secret("whsec_new_secret", true);
    let c = client(&sim);
    let s = c
        .create_checkout_session(&request(4900), "idem-roll")
        .await
        .unwrap();
    c.expire_checkout_session(&s.id).await.unwrap();
    let d = delivery(&sim, Vendor::Stripe, "checkout.session.expired").await;
    let header = d.header("stripe-signature").unwrap();
    assert_eq!(header.matches("v1=").count(), 2, "{header}");
    let now = now_unix();
    for secret in ["whsec_old_secret", "whsec_new_secret"] {
        stripe::verify_signature(
            header,
            d.body.as_bytes(),
            secret,
            now,
            stripe::TOLERANCE_SECS,
        )
        .unwrap_or_else(|e| panic!("{secret}: {e}"));
    }

    sim.deliver_late(std::time::Duration::from_secs(3600));
    let late = c
        .create_checkout_session(&request(4900), "idem-late")
        .await
        .unwrap();
    sim.pay(&late.id, Card::VISA).unwrap();
    let d = delivery(&sim, Vendor::Stripe, "checkout.session.completed").await;
    assert_eq!(
        stripe::verify_signature(
            d.header("stripe-signature").unwrap(),
            d.body.as_bytes(),
            "whsec_new_secret",
            now_unix(),
            stripe::TOLERANCE_SECS
        ),
        Err(SignatureError::Stale)
    );
}
