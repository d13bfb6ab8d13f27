//! Zoom's OAuth server: `/oauth/authorize` (consent page), `/oauth/token`, `/oauth/revoke`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::json;
use sha2::Digest as _;

use crate::Shared;
use crate::model::{AccessToken, AuthCode, RefreshToken, random_token};

/// Access-token lifetime as Zoom reports it.
pub const ACCESS_TTL_SECS: i64 = 3599;
/// Authorization codes live 5 minutes.
pub const CODE_TTL_SECS: i64 = 300;

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/oauth/authorize", get(authorize).post(decide))
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn error_page(msg: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            "<!doctype html><html><head><title>Zoom - Error</title></head><body><h1>Sorry, this page is currently unavailable.</h1><p id=\"error\">{}</p></body></html>",
            esc(msg)
        )),
    )
        .into_response()
}

fn add_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    let q = ser.finish();
    if uri.contains('?') {
        format!("{uri}&{q}")
    } else {
        format!("{uri}?{q}")
    }
}

/// Create an authorization code (used by the consent page and by tests that skip the browser).
pub fn issue_code(
    shared: &Shared,
    client_id: &str,
    user_id: &str,
    redirect_uri: &str,
    challenge: Option<(String, String)>,
) -> String {
    let code = random_token("", 24);
    let exp = shared
        .clock
        .now()
        .checked_add(jiff::SignedDuration::from_secs(CODE_TTL_SECS))
        .unwrap_or(jiff::Timestamp::MAX);
    let (cc, ccm) = match challenge {
        Some((c, m)) => (Some(c), Some(m)),
        None => (None, None),
    };
    shared.world.lock().codes.insert(
        code.clone(),
        AuthCode {
            client_id: client_id.to_string(),
            user_id: user_id.to_string(),
            redirect_uri: redirect_uri.to_string(),
            code_challenge: cc,
            code_challenge_method: ccm,
            expires_at: exp,
        },
    );
    code
}

struct AuthzRequest {
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
    challenge: Option<(String, String)>,
}

fn check_authz(shared: &Shared, q: &HashMap<String, String>) -> Result<AuthzRequest, String> {
    let client_id = q.get("client_id").cloned().unwrap_or_default();
    let w = shared.world.lock();
    let Some(app) = w.apps.get(&client_id) else {
        return Err("Invalid client_id: the app does not exist (4700).".to_string());
    };
    let redirect_uri = match q.get("redirect_uri") {
        Some(r) if app.redirect_uris.iter().any(|u| u == r) => r.clone(),
        Some(_) => return Err("Invalid redirect: redirect_uri mismatch (4709).".to_string()),
        None => match app.redirect_uris.first() {
            Some(r) => r.clone(),
            None => return Err("Invalid redirect: redirect_uri missing (4709).".to_string()),
        },
    };
    if q.get("response_type").map(String::as_str) != Some("code") {
        return Err("Invalid response_type: must be code.".to_string());
    }
    let challenge = match q.get("code_challenge") {
        None => None,
        Some(c) => {
            let m = q
                .get("code_challenge_method")
                .cloned()
                .unwrap_or_else(|| "plain".to_string());
            if m != "S256" && m != "plain" {
                return Err("Invalid code_challenge_method.".to_string());
            }
            Some((c.clone(), m))
        }
    };
    Ok(AuthzRequest {
        client_id,
        redirect_uri,
        state: q.get("state").cloned(),
        challenge,
    })
}

fn approve_redirect(shared: &Shared, r: &AuthzRequest, user_id: &str) -> Response {
    let code = issue_code(
        shared,
        &r.client_id,
        user_id,
        &r.redirect_uri,
        r.challenge.clone(),
    );
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = &r.state {
        pairs.push(("state", s));
    }
    Redirect::to(&add_query(&r.redirect_uri, &pairs)).into_response()
}

async fn authorize(State(shared): State<Arc<Shared>>, RawQuery(q): RawQuery) -> Response {
    let raw = q.unwrap_or_default();
    let qm = crate::api::query_map(Some(&raw));
    let r = match check_authz(&shared, &qm) {
        Ok(r) => r,
        Err(msg) => return error_page(&msg),
    };
    let (auto, login, app_scopes) = {
        let w = shared.world.lock();
        let login = w.login_user.as_ref().and_then(|u| w.users.get(u)).cloned();
        let scopes = w
            .apps
            .get(&r.client_id)
            .map(|a| a.scopes.join(" "))
            .unwrap_or_default();
        (w.auto_approve, login, scopes)
    };
    if auto && let Some(u) = &login {
        return approve_redirect(&shared, &r, &u.id);
    }
    let email = login.map(|u| u.email).unwrap_or_default();
    Html(format!(
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>Zoom - Authorize App</title></head>
<body>
<h1 id="consent-title">An app would like to access your Zoom account</h1>
<p>App <b id="client-id">{client}</b> is requesting: <span id="scopes">{scopes}</span></p>
<form method="post" action="/oauth/authorize?{q}">
  <label>Signed in as <input name="email" id="email" value="{email}"></label>
  <input type="hidden" name="decision" value="allow">
  <button type="submit" id="allow">Allow</button>
</form>
<form method="post" action="/oauth/authorize?{q}">
  <input type="hidden" name="decision" value="deny">
  <button type="submit" id="deny">Decline</button>
</form>
</body></html>"#,
        client = esc(&r.client_id),
        scopes = esc(&app_scopes),
        q = esc(&raw),
        email = esc(&email),
    ))
    .into_response()
}

async fn decide(State(shared): State<Arc<Shared>>, RawQuery(q): RawQuery, body: Bytes) -> Response {
    let qm = crate::api::query_map(q.as_deref());
    let r = match check_authz(&shared, &qm) {
        Ok(r) => r,
        Err(msg) => return error_page(&msg),
    };
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    if form.get("decision").map(String::as_str) != Some("allow") {
        let mut pairs = vec![("error", "access_denied")];
        if let Some(s) = &r.state {
            pairs.push(("state", s));
        }
        return Redirect::to(&add_query(&r.redirect_uri, &pairs)).into_response();
    }
    let user = {
        let w = shared.world.lock();
        let email = form.get("email").cloned().unwrap_or_default();
        if email.is_empty() {
            w.login_user.clone().filter(|u| w.users.contains_key(u))
        } else {
            w.user_by_id_or_email(&email).map(|u| u.id.clone())
        }
    };
    match user {
        Some(u) => approve_redirect(&shared, &r, &u),
        None => error_page("Sign in failed: no such Zoom user."),
    }
}

fn oauth_error(reason: &str, error: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"reason": reason, "error": error})),
    )
        .into_response()
}

fn invalid_client() -> Response {
    oauth_error("Invalid client_id or client_secret", "invalid_client")
}

/// Parse `Authorization: Basic` and check the app's credentials.
fn client_auth(shared: &Shared, headers: &HeaderMap) -> Option<String> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let b64 = v
        .strip_prefix("Basic ")
        .or_else(|| v.strip_prefix("basic "))?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let s = String::from_utf8(raw).ok()?;
    let (id, secret) = s.split_once(':')?;
    let w = shared.world.lock();
    let app = w.apps.get(id)?;
    (app.client_secret == secret).then(|| id.to_string())
}

fn params(q: Option<&str>, body: &[u8]) -> HashMap<String, String> {
    let mut m = crate::api::query_map(q);
    for (k, v) in url::form_urlencoded::parse(body).into_owned() {
        m.insert(k, v);
    }
    m
}

fn pkce_ok(challenge: &str, method: &str, verifier: Option<&String>) -> bool {
    let Some(v) = verifier else { return false };
    if method == "plain" {
        return v == challenge;
    }
    let digest = sha2::Sha256::digest(v.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest) == challenge
}

/// Mint an access/refresh pair for a grant.
fn mint(
    shared: &Shared,
    client_id: &str,
    user_id: &str,
    scopes: Vec<String>,
    grant_id: u64,
) -> serde_json::Value {
    let access = random_token(
        "eyJzdiI6IjAwMDAwMiIsImFsZyI6IkhTNTEyIiwidiI6IjIuMCIsImtpZCI6InNpbSJ9.",
        96,
    );
    let refresh = random_token(
        "eyJzdiI6IjAwMDAwMiIsImFsZyI6IkhTNTEyIiwidiI6IjIuMCIsImtpZCI6InNpbXIifQ.",
        96,
    );
    let exp = shared
        .clock
        .now()
        .checked_add(jiff::SignedDuration::from_secs(ACCESS_TTL_SECS))
        .unwrap_or(jiff::Timestamp::MAX);
    let scope = scopes.join(" ");
    let mut w = shared.world.lock();
    w.access_tokens.insert(
        access.clone(),
        AccessToken {
            client_id: client_id.to_string(),
            user_id: user_id.to_string(),
            scopes: scopes.clone(),
            expires_at: exp,
            grant_id,
        },
    );
    w.refresh_tokens.insert(
        refresh.clone(),
        RefreshToken {
            client_id: client_id.to_string(),
            user_id: user_id.to_string(),
            scopes,
            grant_id,
        },
    );
    json!({
        "access_token": access,
        "token_type": "bearer",
        "refresh_token": refresh,
        "expires_in": ACCESS_TTL_SECS,
        "scope": scope,
        "api_url": shared.base_url,
    })
}

/// Remove every token of a grant.
pub fn drop_grant(w: &mut crate::model::World, grant_id: u64) {
    w.access_tokens.retain(|_, t| t.grant_id != grant_id);
    w.refresh_tokens.retain(|_, t| t.grant_id != grant_id);
}

async fn token(
    State(shared): State<Arc<Shared>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(client_id) = client_auth(&shared, &headers) else {
        return invalid_client();
    };
    let p = params(q.as_deref(), &body);
    match p.get("grant_type").map(String::as_str) {
        None | Some("") => oauth_error("Missing grant type", "invalid_request"),
        Some("authorization_code") => {
            let code = p.get("code").cloned().unwrap_or_default();
            let now = shared.clock.now();
            let c = {
                let mut w = shared.world.lock();
                match w.codes.get(&code) {
                    Some(c) if c.client_id == client_id => w.codes.remove(&code),
                    _ => None,
                }
            };
            let Some(c) = c else {
                return oauth_error("Invalid authorization code", "invalid_grant");
            };
            if c.expires_at <= now {
                return oauth_error("Authorization code is expired", "invalid_grant");
            }
            if p.get("redirect_uri") != Some(&c.redirect_uri) {
                return oauth_error("Redirect URI mismatch.", "invalid_request");
            }
            if let (Some(ch), Some(m)) = (&c.code_challenge, &c.code_challenge_method)
                && !pkce_ok(ch, m, p.get("code_verifier"))
            {
                return oauth_error("Invalid code_verifier", "invalid_grant");
            }
            let (scopes, grant) = {
                let mut w = shared.world.lock();
                let scopes = w
                    .apps
                    .get(&client_id)
                    .map(|a| a.scopes.clone())
                    .unwrap_or_default();
                w.next_grant += 1;
                let grant = w.next_grant;
                // The last authorization wins: earlier tokens of this user/app are revoked (4741).
                if let Some(old) = w
                    .grants
                    .insert((client_id.clone(), c.user_id.clone()), grant)
                {
                    drop_grant(&mut w, old);
                }
                (scopes, grant)
            };
            Json(mint(&shared, &client_id, &c.user_id, scopes, grant)).into_response()
        }
        Some("refresh_token") => {
            let rt = p.get("refresh_token").cloned().unwrap_or_default();
            let old = {
                let mut w = shared.world.lock();
                match w.refresh_tokens.get(&rt) {
                    Some(t) if t.client_id == client_id => w.refresh_tokens.remove(&rt),
                    _ => None,
                }
            };
            let Some(old) = old else {
                return oauth_error("Invalid Token!", "invalid_grant");
            };
            Json(mint(
                &shared,
                &client_id,
                &old.user_id,
                old.scopes,
                old.grant_id,
            ))
            .into_response()
        }
        Some(_) => oauth_error("Unsupported grant type", "unsupported_grant_type"),
    }
}

async fn revoke(
    State(shared): State<Arc<Shared>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(client_id) = client_auth(&shared, &headers) else {
        return invalid_client();
    };
    let p = params(q.as_deref(), &body);
    let Some(tok) = p.get("token").filter(|t| !t.is_empty()) else {
        return oauth_error("Token cannot be empty", "invalid_request");
    };
    let mut w = shared.world.lock();
    let grant = w
        .access_tokens
        .get(tok)
        .filter(|t| t.client_id == client_id)
        .map(|t| t.grant_id)
        .or_else(|| {
            w.refresh_tokens
                .get(tok)
                .filter(|t| t.client_id == client_id)
                .map(|t| t.grant_id)
        });
    match grant {
        Some(g) => {
            drop_grant(&mut w, g);
            w.grants.retain(|_, v| *v != g);
            Json(json!({"status": "success"})).into_response()
        }
        None => oauth_error("Invalid Token!", "invalid_request"),
    }
}
