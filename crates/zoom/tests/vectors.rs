//! The cross-check vectors of `docs/zoom.md` ("Cross-check vectors"), through the public
//! API only.

use zoom::webhook::{self, WebhookVerifier};
use zoom::{ManualClock, Pkce, Secret};

#[test]
fn webhook_signature_vector() {
    let body = r#"{"event":"meeting.started","event_ts":1739923527000,"payload":{"account_id":"AAAAAABBBB","object":{"id":"1234567890","uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"x1yCzABCDEfg23HiJKl4mN","topic":"My Meeting","type":2,"start_time":"2025-02-19T00:05:27Z","timezone":"UTC","duration":60}}}"#;
    let expected = "v0=25131d5df1bb726d62fb971f2af4408a6de7c5c362d6d81f13cba9b794317996";
    assert_eq!(
        webhook::sign(
            &Secret::new("zoom-sim-secret"),
            "1739923528",
            body.as_bytes()
        ),
        expected
    );
    let clock = ManualClock::new(jiff::Timestamp::from_second(1739923528).unwrap());
    WebhookVerifier::new("zoom-sim-secret")
        .with_clock(std::sync::Arc::new(clock))
        .verify(Some("1739923528"), Some(expected), body.as_bytes())
        .unwrap();
}

#[test]
fn url_validation_vector() {
    let r =
        webhook::url_validation_response(&Secret::new("zoom-sim-secret"), "qgg8vlvZRS6UYooatFL8Aw");
    assert_eq!(r.plain_token, "qgg8vlvZRS6UYooatFL8Aw");
    assert_eq!(
        r.encrypted_token,
        "4e5793343d91f4ab6d389334aa3ab3850c4bd2a5c09315db1ce8a008dac9e2fa"
    );
}

#[test]
fn sdk_jwt_vector() {
    let claims = zoom::sdk::SdkClaims {
        meeting_number: "123456789".into(),
        role: zoom::sdk::Role::Attendee,
        iat: 1_700_000_000,
        exp: 1_700_007_200,
        video_webrtc_mode: None,
    };
    assert_eq!(
        zoom::sdk::sign("abc123", &Secret::new("sdk-secret"), &claims).unwrap(),
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBLZXkiOiJhYmMxMjMiLCJzZGtLZXkiOiJhYmMxMjMiLCJtbiI6IjEyMzQ1Njc4OSIsInJvbGUiOjAsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDA3MjAwLCJ0b2tlbkV4cCI6MTcwMDAwNzIwMH0.SdrAp8MkgME9uHAXDhiWG7Q41Hd8NsLKVGMvueEoKs8"
    );
}

#[test]
fn pkce_vector() {
    assert_eq!(
        Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").challenge,
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
}
