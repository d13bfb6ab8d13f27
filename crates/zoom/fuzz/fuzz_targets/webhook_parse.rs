//! Arbitrary bytes into the webhook parser and verifier: neither may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = zoom::webhook::parse_event(data);
    // Split the input into timestamp / signature / body to exercise the verifier too.
    let mut parts = data.splitn(3, |b| *b == b'\n');
    let ts = parts.next().map(String::from_utf8_lossy);
    let sig = parts.next().map(String::from_utf8_lossy);
    let body = parts.next().unwrap_or_default();
    let v = zoom::webhook::WebhookVerifier::new("fuzz-secret");
    let _ = v.handle(ts.as_deref(), sig.as_deref(), body);
});
