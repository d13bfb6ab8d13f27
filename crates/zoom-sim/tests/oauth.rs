mod common;

use std::time::Duration;

use base64::Engine as _;
use common::*;
use serde_json::json;
use sha2::Digest as _;

fn authorize_url(w: &World, extra: &str) -> String {
    format!(
        "{}/oauth/authorize?response_type=code&client_id={CLIENT_ID}&redirect_uri={}&state=xyz{extra}",
        w.sim.base_url(),
        urlencode(REDIRECT)
    )
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    let u = url::Url::parse(location).unwrap();
    u.query_pairs().into_owned().collect()
}

#[tokio::test]
async fn consent_page_allow_and_deny() {
    let w = world().await;
    w.sim.set_login_user(&w.user);
    let page = w.http.get(authorize_url(&w, "")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("id=\"allow\"") && html.contains("id=\"deny\""));

    // Allow → redirect with code and state.
    let action = format!(
        "{}/oauth/authorize?response_type=code&client_id={CLIENT_ID}&redirect_uri={}&state=xyz",
        w.sim.base_url(),
        urlencode(REDIRECT)
    );
    let r = w
        .http
        .post(&action)
        .form(&[("decision", "allow")])
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection());
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(loc.starts_with(REDIRECT));
    let q = query_of(&loc);
    assert_eq!(q["state"], "xyz");
    let (s, tok) = w.exchange(&q["code"], None).await;
    assert_eq!(s, 200);
    assert_eq!(tok["token_type"], "bearer");
    assert_eq!(tok["expires_in"], 3599);
    assert_eq!(tok["api_url"], w.sim.base_url());
    assert!(
        tok["scope"]
            .as_str()
            .unwrap()
            .contains("meeting:write:meeting")
    );
    assert!(tok["refresh_token"].is_string());

    // Deny → error=access_denied&state.
    let r = w
        .http
        .post(&action)
        .form(&[("decision", "deny")])
        .send()
        .await
        .unwrap();
    let q = query_of(r.headers()["location"].to_str().unwrap());
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "xyz");
}

#[tokio::test]
async fn auto_approve_and_authorize_errors() {
    let w = world().await;
    w.sim.set_login_user(&w.user);
    w.sim.set_auto_approve(true);
    let r = w.http.get(authorize_url(&w, "")).send().await.unwrap();
    assert!(r.status().is_redirection());
    let q = query_of(r.headers()["location"].to_str().unwrap());
    assert!(q.contains_key("code"));
    // Wrong redirect URI → error page, no redirect.
    let bad = format!(
        "{}/oauth/authorize?response_type=code&client_id={CLIENT_ID}&redirect_uri=http%3A%2F%2Fevil%2Fcb",
        w.sim.base_url()
    );
    assert_eq!(w.http.get(bad).send().await.unwrap().status(), 400);
    let bad = format!(
        "{}/oauth/authorize?response_type=code&client_id=nope",
        w.sim.base_url()
    );
    assert_eq!(w.http.get(bad).send().await.unwrap().status(), 400);
}

#[tokio::test]
async fn pkce_s256() {
    let w = world().await;
    w.sim.set_login_user(&w.user);
    w.sim.set_auto_approve(true);
    let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let challenge =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier));
    assert_eq!(challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    let extra = format!("&code_challenge={challenge}&code_challenge_method=S256");
    let r = w.http.get(authorize_url(&w, &extra)).send().await.unwrap();
    let code = query_of(r.headers()["location"].to_str().unwrap())["code"].clone();
    let (s, v) = w.exchange(&code, Some("wrong-verifier")).await;
    assert_eq!(s, 400);
    assert_eq!(v["error"], "invalid_grant");
    // Codes are single use, even after a failed attempt: get a fresh one.
    let code = w
        .sim
        .issue_code(CLIENT_ID, &w.user, REDIRECT, Some(&challenge));
    let (s, _) = w.exchange(&code, None).await;
    assert_eq!(s, 400, "missing verifier");
    let code = w
        .sim
        .issue_code(CLIENT_ID, &w.user, REDIRECT, Some(&challenge));
    let (s, v) = w.exchange(&code, Some(verifier)).await;
    assert_eq!(s, 200, "{v}");
}

#[tokio::test]
async fn token_endpoint_errors() {
    let w = world().await;
    let base = w.sim.base_url();
    // Bad client credentials.
    let r = w
        .http
        .post(format!("{base}/oauth/token"))
        .basic_auth(CLIENT_ID, Some("wrong"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("redirect_uri", REDIRECT),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        json!({"reason": "Invalid client_id or client_secret", "error": "invalid_client"})
    );
    // Unknown code.
    let (s, v) = w.exchange("nope", None).await;
    assert_eq!(
        (s, v),
        (
            400,
            json!({"reason": "Invalid authorization code", "error": "invalid_grant"})
        )
    );
    // Single use.
    let code = w.sim.issue_code(CLIENT_ID, &w.user, REDIRECT, None);
    assert_eq!(w.exchange(&code, None).await.0, 200);
    assert_eq!(w.exchange(&code, None).await.0, 400);
    // Expired after 5 minutes of simulated time.
    let code = w.sim.issue_code(CLIENT_ID, &w.user, REDIRECT, None);
    w.sim.advance_time(Duration::from_secs(301));
    let (s, v) = w.exchange(&code, None).await;
    assert_eq!(s, 400);
    assert_eq!(v["error"], "invalid_grant");
    // Redirect URI must match exactly.
    let code = w.sim.issue_code(CLIENT_ID, &w.user, REDIRECT, None);
    let r = w
        .http
        .post(format!("{base}/oauth/token"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:1/cb/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "invalid_request"
    );
    // Unsupported grant type.
    let r = w
        .http
        .post(format!("{base}/oauth/token"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
}

#[tokio::test]
async fn refresh_rotates_and_old_token_fails() {
    let w = world().await;
    let code = w.sim.issue_code(CLIENT_ID, &w.user, REDIRECT, None);
    let (_, t1) = w.exchange(&code, None).await;
    let rt1 = t1["refresh_token"].as_str().unwrap();
    let (s, t2) = w.refresh(rt1).await;
    assert_eq!(s, 200);
    assert_ne!(t2["refresh_token"], t1["refresh_token"]);
    assert_ne!(t2["access_token"], t1["access_token"]);
    let (s, v) = w.refresh(rt1).await;
    assert_eq!(s, 400);
    assert_eq!(
        v,
        json!({"reason": "Invalid Token!", "error": "invalid_grant"})
    );
    // The new one works.
    assert_eq!(
        w.refresh(t2["refresh_token"].as_str().unwrap()).await.0,
        200
    );
}

#[tokio::test]
async fn access_token_expires_after_3599_simulated_seconds() {
    let w = world().await;
    let tok = w.token().await;
    w.sim.advance_time(Duration::from_secs(3598));
    assert_eq!(w.get(&tok, "/users/me").await.0, 200);
    w.sim.advance_time(Duration::from_secs(2));
    let (s, _, v) = w.get(&tok, "/users/me").await;
    assert_eq!(s, 401);
    assert_eq!(
        v,
        json!({"code": 124, "message": "Access token is expired."})
    );
}

#[tokio::test]
async fn revoke_and_deauthorize_kill_tokens() {
    let w = world().await;
    let tok = w.token().await;
    let r = w
        .http
        .post(format!("{}/oauth/revoke", w.sim.base_url()))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[("token", tok.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        json!({"status": "success"})
    );
    let (s, _, v) = w.get(&tok, "/users/me").await;
    assert_eq!((s, v["code"].clone()), (401, json!(124)));

    let tok = w.token().await;
    w.sim.deauthorize(CLIENT_ID, &w.user);
    assert_eq!(w.get(&tok, "/users/me").await.0, 401);
}

#[tokio::test]
async fn reauthorization_revokes_earlier_tokens() {
    let w = world().await;
    let code = w.sim.issue_code(CLIENT_ID, &w.user, REDIRECT, None);
    let (_, t1) = w.exchange(&code, None).await;
    let _t2 = w.token().await;
    let (s, v) = w.refresh(t1["refresh_token"].as_str().unwrap()).await;
    assert_eq!((s, v["error"].clone()), (400, json!("invalid_grant")));
}
