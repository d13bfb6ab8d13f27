//! The JSON API's test set-up, shared by `api.rs`, `api_write.rs` and `schemathesis.rs`:
//! tokens (through Profile → API tokens, or made by the store for any scopes), calls with
//! a bearer token and an `Idempotency-Key`, and the documented error body.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::Value;

use super::client::Resp;
use super::{TestApp, TestClient, TestUser};

/// Every scope, in the order the token page lists them.
pub const ALL: &[&str] = &[
    "courses:read",
    "courses:write",
    "enrolments:read",
    "enrolments:write",
    "live:read",
    "live:write",
    "progress:read",
    "users:read",
];

/// Creates a token on Profile → API tokens as `user` (on `c`, signed in) and returns it.
pub async fn make_token(c: &TestClient, scopes: &[&str], days: &str) -> String {
    let mut fields = vec![("name", "integration"), ("days", days)];
    fields.extend(scopes.iter().map(|s| ("scope", *s)));
    let made = c.post_form("/profile/tokens", &fields).await;
    made.assert_redirect_to("/profile/tokens");
    assert!(!made.text.contains("lct_"), "{}", made.text);
    let r = c.get("/profile/tokens").await;
    r.assert_status(200);
    let secret = r.texts("#token-secret").join("");
    assert!(secret.starts_with("lct_"), "{}", r.text);
    secret
}

/// A token made on the profile page by `user`, for 30 days.
pub async fn token_for(app: &TestApp, user: &TestUser, scopes: &[&str]) -> String {
    make_token(&app.signed_in(user).await, scopes, "30").await
}

/// A token made by the store (the profile page is tested in `api.rs`), for any scopes —
/// also those the page refuses the user's role, as a token keeps its scopes when its
/// user's role changes later.
pub async fn stored_token(
    app: &TestApp,
    school_id: i64,
    user: &TestUser,
    scopes: &[&str],
) -> String {
    let u = lectern::accounts::by_id(&app.db, school_id, user.id)
        .await
        .unwrap()
        .unwrap();
    let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
    lectern::api::tokens::create(&app.db, &app.state.config.secret_key, &u, "t", &scopes, 30)
        .await
        .unwrap()
        .unwrap()
        .1
}

/// A request with the bearer `token` and, when given, a JSON body.
pub async fn call(
    c: &TestClient,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Resp {
    let mut rb = c.request(method, path).bearer_auth(token);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    c.send(rb).await
}

/// A POST with the bearer `token`, an `Idempotency-Key` and a JSON body.
pub async fn post_keyed(api: &TestClient, path: &str, token: &str, key: &str, body: Value) -> Resp {
    api.send(
        api.request(Method::POST, path)
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body),
    )
    .await
}

pub fn json_of(r: &Resp) -> Value {
    serde_json::from_str(&r.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.text))
}

/// The documented error body, and its code.
pub fn error_code(r: &Resp, status: u16) -> (String, Value) {
    r.assert_status(status);
    let v = json_of(r);
    let e = v["error"]
        .as_object()
        .unwrap_or_else(|| panic!("no error object: {}", r.text));
    let keys: BTreeSet<&str> = e.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        BTreeSet::from(["code", "message", "fields"]),
        "{}",
        r.text
    );
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(e["fields"].is_object());
    (e["code"].as_str().unwrap().to_string(), e["fields"].clone())
}
