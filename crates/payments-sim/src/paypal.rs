//! PayPal: `/paypal/v1/oauth2/token`, Orders v2 (create, get, capture), captures (get,
//! refund), the approval page `/paypal/checkoutnow?token=`, the webhook signing
//! certificate and `POST /paypal/v1/notifications/verify-webhook-signature`.
//!
//! Errors are PayPal's `{name, message, debug_id, details[{issue, description, field?,
//! value?, location?}], links}`; OAuth errors are `{error, error_description}`.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{self, KeyPair as _};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::{Value, json};

use crate::Shared;
use crate::hooks::{Outgoing, Vendor};
use crate::model::{self, SimOrder, SimRefund, Stored};

pub const CERT_PEM: &str = include_str!("keys/paypal-sim.cert.pem");
const KEY_PEM: &str = include_str!("keys/paypal-sim.key.pem");
/// Access tokens live 9 hours, like PayPal's (`expires_in` 32400).
pub const TOKEN_TTL: Duration = Duration::from_secs(32_400);

fn pem_der(pem: &str) -> Vec<u8> {
    let b64: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .concat();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("committed PEM")
}

/// The RSA key PayPal would sign webhooks with (a committed test key; its certificate is
/// served at [`cert_url`]).
pub struct SigningKey {
    key: signature::RsaKeyPair,
}

impl SigningKey {
    pub fn load() -> Self {
        SigningKey {
            key: signature::RsaKeyPair::from_pkcs8(&pem_der(KEY_PEM)).expect("committed key"),
        }
    }

    /// The message PayPal signs: `transmission_id|transmission_time|webhook_id|crc32(body)`
    /// (CRC-32 as an unsigned decimal).
    pub fn message(transmission_id: &str, time: &str, webhook_id: &str, body: &[u8]) -> String {
        format!(
            "{transmission_id}|{time}|{webhook_id}|{}",
            crc32fast::hash(body)
        )
    }

    /// Base64 of the RSA PKCS#1 v1.5 SHA-256 signature of [`SigningKey::message`].
    pub fn sign_transmission(&self, id: &str, time: &str, webhook_id: &str, body: &str) -> String {
        let msg = Self::message(id, time, webhook_id, body.as_bytes());
        let mut sig = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                msg.as_bytes(),
                &mut sig,
            )
            .expect("rsa sign");
        base64::engine::general_purpose::STANDARD.encode(sig)
    }

    pub fn verify(&self, msg: &[u8], sig_b64: &str) -> bool {
        let Ok(sig) = base64::engine::general_purpose::STANDARD.decode(sig_b64) else {
            return false;
        };
        signature::UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            self.key.public_key().as_ref(),
        )
        .verify(msg, &sig)
        .is_ok()
    }
}

pub fn cert_url(shared: &Shared) -> String {
    format!(
        "{}/paypal/v1/notifications/certs/CERT-360caa42-fca2a594-payments-sim",
        shared.base_url
    )
}

pub fn transmission_id() -> String {
    let h = model::random_hex(32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

// ---- errors ----

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    name: &'static str,
    message: &'static str,
    details: Vec<Value>,
}

fn detail(issue: &str, description: &str, field: Option<&str>, value: Option<&str>) -> Value {
    let mut d = json!({"issue": issue, "description": description});
    if let Some(f) = field {
        d["field"] = json!(f);
        d["location"] = json!("body");
    }
    if let Some(v) = value {
        d["value"] = json!(v);
    }
    d
}

impl ApiError {
    fn bad_request(details: Vec<Value>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            name: "INVALID_REQUEST",
            message: "Request is not well-formed, syntactically incorrect, or violates schema.",
            details,
        }
    }
    fn unprocessable(details: Vec<Value>) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            name: "UNPROCESSABLE_ENTITY",
            message: "The requested action could not be performed, semantically incorrect, or failed business validation.",
            details,
        }
    }
    fn not_found(field: &str) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            name: "RESOURCE_NOT_FOUND",
            message: "The specified resource does not exist.",
            details: vec![
                json!({"issue": "INVALID_RESOURCE_ID", "description": "Specified resource ID does not exist. Please check the resource ID and try again.", "field": field, "location": "path"}),
            ],
        }
    }
    fn unauthorized() -> Self {
        ApiError {
            status: StatusCode::UNAUTHORIZED,
            name: "AUTHENTICATION_FAILURE",
            message: "Authentication failed due to missing authorization header, or invalid authentication credentials.",
            details: vec![],
        }
    }
    fn unsupported_media() -> Self {
        ApiError {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            name: "UNSUPPORTED_MEDIA_TYPE",
            message: "The server does not support the request payload's media type.",
            details: vec![],
        }
    }
    pub fn body(&self) -> Value {
        let mut b = json!({
            "name": self.name,
            "message": self.message,
            "debug_id": model::random_hex(13),
            "links": [{"href": format!("https://developer.paypal.com/api/rest/reference/orders/v2/errors/#{}", self.name), "rel": "information_link", "method": "GET"}],
        });
        if !self.details.is_empty() {
            b["details"] = json!(self.details);
        }
        b
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}

pub fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/v1/oauth2/token", post(token))
        .route("/v2/checkout/orders", post(create_order))
        .route("/v2/checkout/orders/{id}", get(get_order))
        .route("/v2/checkout/orders/{id}/capture", post(capture_order))
        .route("/v2/payments/captures/{id}", get(get_capture))
        .route("/v2/payments/captures/{id}/refund", post(refund_capture))
        .route("/v2/payments/refunds/{id}", get(get_refund))
        .route("/v1/notifications/certs/{name}", get(cert))
        .route(
            "/v1/notifications/verify-webhook-signature",
            post(verify_webhook_signature),
        )
        .route("/checkoutnow", get(approval_page))
        .route("/checkoutnow/approve", post(approval_approve))
        .route("/checkoutnow/cancel", post(approval_cancel))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found(uri: Uri) -> Response {
    let _ = uri;
    (
        StatusCode::NOT_FOUND,
        axum::Json(json!({"name": "RESOURCE_NOT_FOUND", "message": "The specified resource does not exist.", "debug_id": model::random_hex(13)})),
    )
        .into_response()
}

async fn method_not_allowed(method: Method) -> Response {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        axum::Json(json!({"name": "METHOD_NOT_SUPPORTED", "message": format!("The server does not implement the requested HTTP method {method}."), "debug_id": model::random_hex(13)})),
    )
        .into_response()
}

// ---- auth ----

async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let oauth_err = |status: StatusCode, e: &str, d: &str| {
        (
            status,
            axum::Json(json!({"error": e, "error_description": d})),
        )
            .into_response()
    };
    let creds = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|d| String::from_utf8(d).ok());
    let ok = {
        let w = shared.world.lock();
        creds.as_deref().and_then(|c| c.split_once(':'))
            == Some((w.paypal_client_id.as_str(), w.paypal_client_secret.as_str()))
    };
    if !ok {
        return oauth_err(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client Authentication failed",
        );
    }
    let form: BTreeMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    match form.get("grant_type").map(String::as_str) {
        Some("client_credentials") => {}
        None => {
            return oauth_err(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "Grant Type is NULL",
            );
        }
        Some(_) => {
            return oauth_err(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "unsupported grant_type",
            );
        }
    }
    let tok = format!("A21AA{}", model::random_hex(60));
    shared
        .world
        .lock()
        .paypal_tokens
        .insert(tok.clone(), Instant::now() + TOKEN_TTL);
    axum::Json(json!({
        "scope": "https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/payments/refund https://uri.paypal.com/services/notifications/webhooks",
        "access_token": tok,
        "token_type": "Bearer",
        "app_id": "APP-80W284485P519543T",
        "expires_in": TOKEN_TTL.as_secs(),
        "nonce": format!("{}{}", model::now_rfc3339(), model::random_hex(20)),
    }))
    .into_response()
}

/// The error answer when the request carries no valid access token.
fn auth_error(shared: &Shared, headers: &HeaderMap) -> Option<Response> {
    let Some(tok) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.strip_prefix("Bearer "))
    else {
        return Some(ApiError::unauthorized().into_response());
    };
    let valid = shared
        .world
        .lock()
        .paypal_tokens
        .get(tok.trim())
        .is_some_and(|exp| *exp > Instant::now());
    if !valid {
        return Some(
            (
                StatusCode::UNAUTHORIZED,
                axum::Json(json!({"error": "invalid_token", "error_description": "Token signature verification failed"})),
            )
                .into_response(),
        );
    }
    None
}

/// A JSON body (PayPal takes `application/json` only; an empty body is allowed where the
/// body is optional).
fn json_body(headers: &HeaderMap, body: &[u8], optional: bool) -> Result<Value, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim();
    if mime != "application/json" {
        return Err(ApiError::unsupported_media());
    }
    if body.iter().all(u8::is_ascii_whitespace) && optional {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|_| {
        ApiError::bad_request(vec![detail(
            "MALFORMED_REQUEST_JSON",
            "The request JSON is not well formed.",
            None,
            None,
        )])
    })
}

// ---- money ----

/// Parse a PayPal amount: `{currency_code, value}` with PayPal's syntax and precision.
fn parse_amount(v: &Value, field: &str) -> Result<(String, String, i64), ApiError> {
    let cur = v.get("currency_code").and_then(Value::as_str);
    let val = v.get("value").and_then(Value::as_str);
    let (Some(cur), Some(val)) = (cur, val) else {
        let missing = if cur.is_none() {
            "currency_code"
        } else {
            "value"
        };
        return Err(ApiError::bad_request(vec![detail(
            "MISSING_REQUIRED_PARAMETER",
            "A required field / parameter is missing.",
            Some(&format!("{field}/{missing}")),
            None,
        )]));
    };
    let syntax_ok = cur.len() == 3
        && cur.chars().all(|c| c.is_ascii_uppercase())
        && !val.is_empty()
        && val.len() <= 32
        && val.chars().all(|c| c.is_ascii_digit() || c == '.')
        && val.matches('.').count() <= 1
        && !val.starts_with('.')
        && !val.ends_with('.');
    if !syntax_ok {
        return Err(ApiError::bad_request(vec![detail(
            "INVALID_PARAMETER_SYNTAX",
            "The value of a field does not conform to the expected format.",
            Some(&format!(
                "{field}/{}",
                if cur.len() == 3 {
                    "value"
                } else {
                    "currency_code"
                }
            )),
            Some(val),
        )]));
    }
    let decimals = val.split_once('.').map_or(0, |(_, d)| d.len());
    let allowed = if model::zero_decimal(cur) { 0 } else { 2 };
    if decimals > allowed {
        return Err(ApiError::unprocessable(vec![detail(
            "DECIMAL_PRECISION",
            "If the currency supports decimals, only two decimal place precision is supported.",
            Some(&format!("{field}/value")),
            Some(val),
        )]));
    }
    let (int, frac) = val.split_once('.').unwrap_or((val, ""));
    let mut minor: i64 = int.parse().unwrap_or(i64::MAX / 1000);
    if allowed == 2 {
        minor = minor.saturating_mul(100) + format!("{frac:0<2}").parse::<i64>().unwrap_or(0);
    }
    if minor <= 0 {
        return Err(ApiError::unprocessable(vec![detail(
            "CANNOT_BE_ZERO_OR_NEGATIVE",
            "Must be greater than zero. If the currency supports decimals, only two decimal place precision is supported.",
            Some(&format!("{field}/value")),
            Some(val),
        )]));
    }
    Ok((cur.to_string(), val.to_string(), minor))
}

// ---- orders ----

fn links(shared: &Shared, o: &SimOrder) -> Vec<Value> {
    let api = shared.paypal_api_base();
    let mut l = vec![
        json!({"href": format!("{api}/v2/checkout/orders/{}", o.id), "rel": "self", "method": "GET"}),
    ];
    match o.status.as_str() {
        "CREATED" | "PAYER_ACTION_REQUIRED" => {
            let rel = if o.experience_context {
                "payer-action"
            } else {
                "approve"
            };
            l.push(json!({"href": format!("{api}/checkoutnow?token={}", o.id), "rel": rel, "method": "GET"}));
            l.push(json!({"href": format!("{api}/v2/checkout/orders/{}", o.id), "rel": "update", "method": "PATCH"}));
            l.push(json!({"href": format!("{api}/v2/checkout/orders/{}/capture", o.id), "rel": "capture", "method": "POST"}));
        }
        "APPROVED" => {
            l.push(json!({"href": format!("{api}/v2/checkout/orders/{}", o.id), "rel": "update", "method": "PATCH"}));
            l.push(json!({"href": format!("{api}/v2/checkout/orders/{}/capture", o.id), "rel": "capture", "method": "POST"}));
        }
        _ => {}
    }
    l
}

fn money(cur: &str, minor: i64) -> Value {
    json!({"currency_code": cur, "value": model::minor_to_decimal(minor, cur)})
}

/// The capture resource (`GET /v2/payments/captures/{id}`, `PAYMENT.CAPTURE.*` events).
pub fn capture_json(shared: &Shared, o: &SimOrder) -> Value {
    let api = shared.paypal_api_base();
    let id = o.capture_id.clone().unwrap_or_default();
    // An illustrative fee (3.49 % + a fixed part); the simulator models no fee schedule.
    let fee = (o.minor * 349 / 10_000 + 49).min(o.minor);
    let mut c = json!({
        "id": id,
        "status": o.capture_status.clone().unwrap_or_else(|| "COMPLETED".into()),
        "amount": {"currency_code": o.currency_code, "value": o.value},
        "final_capture": true,
        "seller_protection": {"status": "ELIGIBLE", "dispute_categories": ["ITEM_NOT_RECEIVED", "UNAUTHORIZED_TRANSACTION"]},
        "seller_receivable_breakdown": {
            "gross_amount": {"currency_code": o.currency_code, "value": o.value},
            "paypal_fee": money(&o.currency_code, fee),
            "net_amount": money(&o.currency_code, o.minor - fee),
        },
        "links": [
            {"href": format!("{api}/v2/payments/captures/{id}"), "rel": "self", "method": "GET"},
            {"href": format!("{api}/v2/payments/captures/{id}/refund"), "rel": "refund", "method": "POST"},
            {"href": format!("{api}/v2/checkout/orders/{}", o.id), "rel": "up", "method": "GET"},
        ],
        "create_time": o.capture_time,
        "update_time": o.update_time,
        "supplementary_data": {"related_ids": {"order_id": o.id}},
    });
    if let Some(x) = &o.custom_id {
        c["custom_id"] = json!(x);
    }
    if let Some(x) = &o.invoice_id {
        c["invoice_id"] = json!(x);
    }
    c
}

/// The full order representation.
pub fn order_json(shared: &Shared, o: &SimOrder) -> Value {
    let mut pu = json!({
        "reference_id": o.reference_id,
        "amount": {"currency_code": o.currency_code, "value": o.value},
        "payee": {"email_address": "merchant@lectern.test", "merchant_id": "SIMMERCHANT01"},
    });
    for (k, v) in [
        ("custom_id", &o.custom_id),
        ("invoice_id", &o.invoice_id),
        ("description", &o.description),
    ] {
        if let Some(v) = v {
            pu[k] = json!(v);
        }
    }
    if o.capture_id.is_some() {
        let mut c = capture_json(shared, o);
        c.as_object_mut().map(|m| m.remove("supplementary_data"));
        pu["payments"] = json!({"captures": [c]});
    }
    let mut v = json!({
        "id": o.id,
        "intent": o.intent,
        "status": o.status,
        "purchase_units": [pu],
        "create_time": o.create_time,
        "links": links(shared, o),
    });
    if o.status != "CREATED" && o.status != "PAYER_ACTION_REQUIRED" {
        v["update_time"] = json!(o.update_time);
    }
    if let Some(payer) = &o.payer_id {
        let p = json!({"name": {"given_name": "Sim", "surname": "Buyer"}, "email_address": "buyer@example.com",
                       "payer_id": payer, "address": {"country_code": "US"}});
        v["payer"] = p.clone();
        v["payment_source"] = json!({"paypal": {"email_address": "buyer@example.com", "account_id": payer,
                                                "account_status": "VERIFIED", "name": p["name"], "address": p["address"]}});
    }
    v
}

fn order_minimal(shared: &Shared, o: &SimOrder) -> Value {
    let mut v = json!({"id": o.id, "status": o.status, "links": links(shared, o)});
    if o.experience_context {
        v["payment_source"] = json!({"paypal": {}});
    }
    v
}

fn validate_order(v: &Value) -> Result<SimOrder, ApiError> {
    let missing = |f: &str| {
        ApiError::bad_request(vec![detail(
            "MISSING_REQUIRED_PARAMETER",
            "A required field / parameter is missing.",
            Some(f),
            None,
        )])
    };
    let invalid = |f: &str, val: &str| {
        ApiError::bad_request(vec![detail(
            "INVALID_PARAMETER_VALUE",
            "The value of a field is invalid.",
            Some(f),
            Some(val),
        )])
    };
    let intent = v
        .get("intent")
        .and_then(Value::as_str)
        .ok_or_else(|| missing("/intent"))?;
    if intent != "CAPTURE" {
        // AUTHORIZE exists at PayPal; the simulator models CAPTURE only.
        return Err(invalid("/intent", intent));
    }
    let units = v
        .get("purchase_units")
        .and_then(Value::as_array)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| missing("/purchase_units"))?;
    if units.len() > 1 {
        return Err(invalid("/purchase_units", "more than one (not simulated)"));
    }
    let pu = &units[0];
    let amount = pu
        .get("amount")
        .ok_or_else(|| missing("/purchase_units/@reference_id=='default'/amount"))?;
    let (cur, value, minor) =
        parse_amount(amount, "/purchase_units/@reference_id=='default'/amount")?;
    let s = |k: &str, max: usize| -> Result<Option<String>, ApiError> {
        match pu.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(x)) if x.chars().count() <= max => Ok(Some(x.clone())),
            Some(other) => Err(ApiError::bad_request(vec![detail(
                "INVALID_STRING_LENGTH",
                "The value of a field is either too short or too long.",
                Some(&format!("/purchase_units/@reference_id=='default'/{k}")),
                Some(&other.to_string()),
            )])),
        }
    };
    let custom_id = s("custom_id", 255)?;
    let invoice_id = s("invoice_id", 127)?;
    let description = s("description", 127)?;
    let reference_id = s("reference_id", 256)?.unwrap_or_else(|| "default".into());
    let ec = v.pointer("/payment_source/paypal/experience_context");
    let ac = v.get("application_context");
    let ctx = ec.or(ac);
    let url_of = |k: &str| -> Result<Option<String>, ApiError> {
        match ctx.and_then(|c| c.get(k)) {
            None => Ok(None),
            Some(Value::String(u))
                if url::Url::parse(u).is_ok_and(|x| matches!(x.scheme(), "http" | "https")) =>
            {
                Ok(Some(u.clone()))
            }
            Some(other) => Err(ApiError::bad_request(vec![detail(
                "INVALID_PARAMETER_SYNTAX",
                "The value of a field does not conform to the expected format.",
                Some(&format!(
                    "/{}/{k}",
                    if ec.is_some() {
                        "payment_source/paypal/experience_context"
                    } else {
                        "application_context"
                    }
                )),
                Some(&other.to_string()),
            )])),
        }
    };
    let now = model::now_rfc3339();
    Ok(SimOrder {
        id: model::paypal_id("", 17),
        status: if ec.is_some() {
            "PAYER_ACTION_REQUIRED"
        } else {
            "CREATED"
        }
        .into(),
        intent: intent.into(),
        currency_code: cur,
        value,
        minor,
        reference_id,
        custom_id,
        invoice_id,
        description,
        return_url: url_of("return_url")?,
        cancel_url: url_of("cancel_url")?,
        experience_context: ec.is_some(),
        payer_id: None,
        capture_id: None,
        capture_status: None,
        refunded_minor: 0,
        create_time: now.clone(),
        update_time: now,
        capture_time: None,
    })
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("paypal-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn stored(shared: &Shared, route: &str, rid: &Option<String>) -> Option<Response> {
    let rid = rid.as_ref()?;
    let w = shared.world.lock();
    let s = w.paypal_request_ids.get(&format!("{route} {rid}"))?;
    Some(
        (
            StatusCode::from_u16(s.status).unwrap_or(StatusCode::OK),
            axum::Json(s.body.clone()),
        )
            .into_response(),
    )
}

fn store(shared: &Shared, route: &str, rid: &Option<String>, status: u16, body: &Value) {
    if let Some(r) = rid {
        shared.world.lock().paypal_request_ids.insert(
            format!("{route} {r}"),
            Stored {
                route: route.to_string(),
                params: String::new(),
                status,
                body: body.clone(),
            },
        );
    }
}

fn prefer_representation(headers: &HeaderMap) -> bool {
    headers
        .get("prefer")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.contains("return=representation"))
}

async fn create_order(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = auth_error(&shared, &headers) {
        return r;
    }
    let rid = request_id(&headers);
    if let Some(r) = stored(&shared, "create", &rid) {
        return r;
    }
    let v = match json_body(&headers, &body, false) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let o = match validate_order(&v) {
        Ok(o) => o,
        Err(e) => return e.into_response(),
    };
    let out = if prefer_representation(&headers) {
        order_json(&shared, &o)
    } else {
        order_minimal(&shared, &o)
    };
    shared.world.lock().orders.push(o);
    store(&shared, "create", &rid, 201, &out);
    (StatusCode::CREATED, axum::Json(out)).into_response()
}

fn find_order(shared: &Shared, id: &str) -> Option<SimOrder> {
    shared
        .world
        .lock()
        .orders
        .iter()
        .find(|o| o.id == id)
        .cloned()
}

async fn get_order(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(r) = auth_error(&shared, &headers) {
        return r;
    }
    match find_order(&shared, &id) {
        Some(o) => axum::Json(order_json(&shared, &o)).into_response(),
        None => ApiError::not_found("order_id").into_response(),
    }
}

async fn capture_order(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(r) = auth_error(&shared, &headers) {
        return r;
    }
    let rid = request_id(&headers);
    let route = format!("capture {id}");
    if let Some(r) = stored(&shared, &route, &rid) {
        return r;
    }
    if let Err(e) = json_body(&headers, &body, true) {
        return e.into_response();
    }
    let o = {
        let mut w = shared.world.lock();
        let Some(o) = w.orders.iter_mut().find(|o| o.id == id) else {
            return ApiError::not_found("order_id").into_response();
        };
        match o.status.as_str() {
            "APPROVED" => {}
            "COMPLETED" => {
                return ApiError::unprocessable(vec![detail(
                    "ORDER_ALREADY_CAPTURED",
                    "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed.",
                    None,
                    None,
                )])
                .into_response();
            }
            _ => {
                return ApiError::unprocessable(vec![detail(
                    "ORDER_NOT_APPROVED",
                    "Payer has not yet approved the Order for payment. Please redirect the payer to the 'rel':'approve' url returned as part of the HATEOAS links within the Create Order call or provide a valid `payment_source` in the request.",
                    None,
                    None,
                )])
                .into_response();
            }
        }
        let now = model::now_rfc3339();
        o.status = "COMPLETED".into();
        o.capture_id = Some(model::paypal_id("", 17));
        o.capture_status = Some("COMPLETED".into());
        o.capture_time = Some(now.clone());
        o.update_time = now;
        o.clone()
    };
    let out = order_json(&shared, &o);
    store(&shared, &route, &rid, 201, &out);
    emit(
        &shared,
        "PAYMENT.CAPTURE.COMPLETED",
        "capture",
        "2.0",
        format!("Payment completed for {} {}", o.value, o.currency_code),
        capture_json(&shared, &o),
    );
    (StatusCode::CREATED, axum::Json(out)).into_response()
}

fn find_by_capture(shared: &Shared, id: &str) -> Option<SimOrder> {
    shared
        .world
        .lock()
        .orders
        .iter()
        .find(|o| o.capture_id.as_deref() == Some(id))
        .cloned()
}

async fn get_capture(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(r) = auth_error(&shared, &headers) {
        return r;
    }
    match find_by_capture(&shared, &id) {
        Some(o) => axum::Json(capture_json(&shared, &o)).into_response(),
        None => ApiError::not_found("capture_id").into_response(),
    }
}

fn refund_json(shared: &Shared, r: &SimRefund, o: &SimOrder) -> Value {
    let api = shared.paypal_api_base();
    let mut v = json!({
        "id": r.id,
        "status": r.status,
        "amount": money(&r.currency, r.amount_minor),
        "seller_payable_breakdown": {
            "gross_amount": money(&r.currency, r.amount_minor),
            "paypal_fee": money(&r.currency, 0),
            "net_amount": money(&r.currency, r.amount_minor),
            "total_refunded_amount": money(&r.currency, o.refunded_minor),
        },
        "create_time": jiff::Timestamp::from_second(r.created).map(model::rfc3339).unwrap_or_default(),
        "update_time": jiff::Timestamp::from_second(r.created).map(model::rfc3339).unwrap_or_default(),
        "links": [
            {"href": format!("{api}/v2/payments/refunds/{}", r.id), "rel": "self", "method": "GET"},
            {"href": format!("{api}/v2/payments/captures/{}", r.payment), "rel": "up", "method": "GET"},
        ],
    });
    if let Some(x) = &o.invoice_id {
        v["invoice_id"] = json!(x);
    }
    if let Some(x) = &o.custom_id {
        v["custom_id"] = json!(x);
    }
    v
}

async fn refund_capture(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(r) = auth_error(&shared, &headers) {
        return r;
    }
    let rid = request_id(&headers);
    let route = format!("refund {id}");
    if let Some(r) = stored(&shared, &route, &rid) {
        return r;
    }
    let v = match json_body(&headers, &body, true) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let asked = match v.get("amount") {
        None => None,
        Some(a) => match parse_amount(a, "/amount") {
            Ok(x) => Some(x),
            Err(e) => return e.into_response(),
        },
    };
    let (refund, order) = {
        let mut w = shared.world.lock();
        let Some(o) = w
            .orders
            .iter_mut()
            .find(|o| o.capture_id.as_deref() == Some(id.as_str()))
        else {
            return ApiError::not_found("capture_id").into_response();
        };
        let left = o.minor - o.refunded_minor;
        if left <= 0 {
            return ApiError::unprocessable(vec![detail(
                "CAPTURE_FULLY_REFUNDED",
                "The capture has already been fully refunded",
                None,
                None,
            )])
            .into_response();
        }
        let amount = match &asked {
            None => left,
            Some((cur, _, _)) if *cur != o.currency_code => {
                return ApiError::unprocessable(vec![detail(
                    "REFUND_CAPTURE_CURRENCY_MISMATCH",
                    "Refund must be in the same currency as the capture",
                    Some("/amount/currency_code"),
                    Some(cur),
                )])
                .into_response();
            }
            Some((_, _, m)) => *m,
        };
        if amount > left {
            return ApiError::unprocessable(vec![detail(
                "REFUND_AMOUNT_EXCEEDED",
                "The refund amount must be less than or equal to the capture amount that has not yet been refunded.",
                None,
                None,
            )])
            .into_response();
        }
        o.refunded_minor += amount;
        o.capture_status = Some(
            if o.refunded_minor >= o.minor {
                "REFUNDED"
            } else {
                "PARTIALLY_REFUNDED"
            }
            .into(),
        );
        o.update_time = model::now_rfc3339();
        let r = SimRefund {
            vendor: Vendor::PayPal,
            id: model::paypal_id("", 17),
            payment: id.clone(),
            parent: o.id.clone(),
            amount_minor: amount,
            currency: o.currency_code.clone(),
            status: "COMPLETED".into(),
            created: model::unix_now(),
        };
        let o = o.clone();
        w.refunds.push(r.clone());
        (r, o)
    };
    let out = refund_json(&shared, &refund, &order);
    store(&shared, &route, &rid, 201, &out);
    emit(
        &shared,
        "PAYMENT.CAPTURE.REFUNDED",
        "refund",
        "2.0",
        format!(
            "A {} {} capture payment was refunded",
            model::minor_to_decimal(refund.amount_minor, &refund.currency),
            refund.currency
        ),
        out.clone(),
    );
    (StatusCode::CREATED, axum::Json(out)).into_response()
}

async fn get_refund(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Some(r) = auth_error(&shared, &headers) {
        return r;
    }
    let found = {
        let w = shared.world.lock();
        w.refunds
            .iter()
            .find(|r| r.vendor == Vendor::PayPal && r.id == id)
            .cloned()
            .and_then(|r| {
                w.orders
                    .iter()
                    .find(|o| o.id == r.parent)
                    .cloned()
                    .map(|o| (r, o))
            })
    };
    match found {
        Some((r, o)) => axum::Json(refund_json(&shared, &r, &o)).into_response(),
        None => ApiError::not_found("refund_id").into_response(),
    }
}

// ---- events ----

fn emit(
    shared: &Shared,
    kind: &str,
    resource_type: &str,
    version: &str,
    summary: String,
    resource: Value,
) {
    let id = model::paypal_id("WH-", 25);
    let api = shared.paypal_api_base();
    let ev = json!({
        "id": id,
        "event_version": "1.0",
        "create_time": model::now_rfc3339(),
        "resource_type": resource_type,
        "resource_version": version,
        "event_type": kind,
        "summary": summary,
        "resource": resource,
        "links": [
            {"href": format!("{api}/v1/notifications/webhooks-events/{id}"), "rel": "self", "method": "GET"},
            {"href": format!("{api}/v1/notifications/webhooks-events/{id}/resend"), "rel": "resend", "method": "POST"},
        ],
    });
    let body = ev.to_string();
    shared.world.lock().paypal_events.push(ev);
    shared.hooks.enqueue(Outgoing {
        vendor: Vendor::PayPal,
        event_id: id,
        event_type: kind.to_string(),
        body,
    });
}

async fn cert(Path(name): Path<String>) -> Response {
    if name != "CERT-360caa42-fca2a594-payments-sim" {
        return not_found(Uri::from_static("/")).await;
    }
    ([(header::CONTENT_TYPE, "application/x-pem-file")], CERT_PEM).into_response()
}

#[derive(serde::Deserialize)]
struct VerifyRequest<'a> {
    auth_algo: Option<String>,
    cert_url: Option<String>,
    transmission_id: Option<String>,
    transmission_sig: Option<String>,
    transmission_time: Option<String>,
    webhook_id: Option<String>,
    #[serde(borrow)]
    webhook_event: Option<&'a serde_json::value::RawValue>,
}

/// `POST /v1/notifications/verify-webhook-signature`: SUCCESS when the signature over the
/// event *as sent in this request, byte for byte* checks out with the simulator's key, the
/// certificate URL is the simulator's and the webhook id is the registered one.
async fn verify_webhook_signature(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = auth_error(&shared, &headers) {
        return r;
    }
    if let Err(e) = json_body(&headers, &body, false) {
        return e.into_response();
    }
    let Ok(req) = serde_json::from_slice::<VerifyRequest<'_>>(&body) else {
        return ApiError::bad_request(vec![detail(
            "MALFORMED_REQUEST_JSON",
            "The request JSON is not well formed.",
            None,
            None,
        )])
        .into_response();
    };
    let fields = [
        ("auth_algo", req.auth_algo.is_some()),
        ("cert_url", req.cert_url.is_some()),
        ("transmission_id", req.transmission_id.is_some()),
        ("transmission_sig", req.transmission_sig.is_some()),
        ("transmission_time", req.transmission_time.is_some()),
        ("webhook_id", req.webhook_id.is_some()),
        ("webhook_event", req.webhook_event.is_some()),
    ];
    let missing: Vec<Value> = fields
        .iter()
        .filter(|(_, present)| !present)
        .map(|(f, _)| json!({"field": f, "issue": "MISSING_REQUIRED_PARAMETER", "description": "A required field is missing."}))
        .collect();
    if !missing.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"name": "VALIDATION_ERROR", "message": "Invalid request - see details", "debug_id": model::random_hex(13), "details": missing})),
        )
            .into_response();
    }
    let registered = shared.world.lock().paypal_webhook.clone().map(|(id, _)| id);
    let event = req.webhook_event.map(|r| r.get()).unwrap_or_default();
    let msg = SigningKey::message(
        req.transmission_id.as_deref().unwrap_or_default(),
        req.transmission_time.as_deref().unwrap_or_default(),
        req.webhook_id.as_deref().unwrap_or_default(),
        event.as_bytes(),
    );
    let ok = req.auth_algo.as_deref() == Some("SHA256withRSA")
        && req.cert_url.as_deref() == Some(cert_url(&shared).as_str())
        && registered.as_deref() == req.webhook_id.as_deref()
        && shared.paypal_key.verify(
            msg.as_bytes(),
            req.transmission_sig.as_deref().unwrap_or_default(),
        );
    axum::Json(json!({"verification_status": if ok { "SUCCESS" } else { "FAILURE" }}))
        .into_response()
}

// ---- approval page ----

/// Approve an order as the buyer: Ok(redirect to return_url?token=&PayerID=, or "").
pub fn approve(shared: &Shared, order_id: &str) -> Result<String, String> {
    let o = {
        let mut w = shared.world.lock();
        let Some(o) = w.orders.iter_mut().find(|o| o.id == order_id) else {
            return Err(format!("no order {order_id}"));
        };
        if o.status != "CREATED" && o.status != "PAYER_ACTION_REQUIRED" {
            return Err(format!("order {order_id} is {}", o.status));
        }
        o.status = "APPROVED".into();
        o.payer_id = Some(model::paypal_id("", 13));
        o.update_time = model::now_rfc3339();
        o.clone()
    };
    emit(
        shared,
        "CHECKOUT.ORDER.APPROVED",
        "checkout-order",
        "2.0",
        "An order has been approved by buyer".to_string(),
        order_json(shared, &o),
    );
    Ok(match &o.return_url {
        Some(u) => with_query(
            u,
            &[
                ("token", o.id.as_str()),
                ("PayerID", o.payer_id.as_deref().unwrap_or("")),
            ],
        ),
        None => String::new(),
    })
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    match url::Url::parse(base) {
        Ok(mut u) => {
            u.query_pairs_mut().extend_pairs(pairs);
            u.to_string()
        }
        Err(_) => base.to_string(),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn approval_page(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let Some(o) = q.get("token").and_then(|t| find_order(&shared, t)) else {
        return (
            StatusCode::NOT_FOUND,
            Html("<p id=\"closed\">Things don't appear to be working at the moment.</p>"),
        )
            .into_response();
    };
    let open = o.status == "CREATED" || o.status == "PAYER_ACTION_REQUIRED";
    let body = if open {
        format!(
            "<form method=\"post\" action=\"/paypal/checkoutnow/approve\"><input type=\"hidden\" name=\"token\" value=\"{id}\">\
             <button type=\"submit\" id=\"approve\">Approve — Pay {v} {c}</button></form>\
             <form method=\"post\" action=\"/paypal/checkoutnow/cancel\"><input type=\"hidden\" name=\"token\" value=\"{id}\">\
             <button type=\"submit\" id=\"cancel\">Cancel and return to merchant</button></form>",
            id = esc(&o.id),
            v = esc(&o.value),
            c = esc(&o.currency_code)
        )
    } else {
        format!("<p id=\"closed\">This order is {}.</p>", esc(&o.status))
    };
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>PayPal Checkout (payments-sim)</title></head>\
         <body><h1>Pay with PayPal (sandbox simulator)</h1><p id=\"amount\">{} {}</p>{body}</body></html>",
        esc(&o.value),
        esc(&o.currency_code)
    ))
    .into_response()
}

async fn approval_approve(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let f: BTreeMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let token = f.get("token").cloned().unwrap_or_default();
    match approve(&shared, &token) {
        Ok(u) if !u.is_empty() => Redirect::to(&u).into_response(),
        Ok(_) => {
            Html("<p id=\"approved\">Approved. You may close this window.</p>").into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Html(format!("<p id=\"error\">{}</p>", esc(&e))),
        )
            .into_response(),
    }
}

async fn approval_cancel(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let f: BTreeMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let token = f.get("token").cloned().unwrap_or_default();
    match find_order(&shared, &token).and_then(|o| o.cancel_url) {
        Some(u) => Redirect::to(&with_query(&u, &[("token", token.as_str())])).into_response(),
        None => Html("<p id=\"cancelled\">Cancelled.</p>").into_response(),
    }
}
