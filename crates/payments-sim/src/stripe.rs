//! Stripe: `/stripe/v1/checkout/sessions` (create, retrieve, expire), `/stripe/v1/refunds`,
//! `/stripe/v1/events/{id}`, `/stripe/v1/balance`, and the hosted payment page `/pay/{session_id}`.
//!
//! Requests are form-encoded with a secret key (Bearer or Basic), answers are JSON, errors
//! are `{"error": {type, message, code?, param?, doc_url?}}`, like Stripe's.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use serde_json::{Value, json};

use crate::Shared;
use crate::hooks::{Outgoing, Vendor};
use crate::model::{self, LineItem, SimRefund, SimSession, Stored};

/// The API version the simulator's events claim (`api_version`).
pub const API_VERSION: &str = "2024-06-20";

/// Currencies the simulator accepts (a subset of Stripe's presentment currencies).
const CURRENCIES: &[&str] = &[
    "usd", "eur", "gbp", "cad", "aud", "chf", "jpy", "sek", "nok", "dkk", "pln", "czk", "huf",
    "nzd", "sgd", "hkd", "mxn", "brl", "inr", "ron", "bgn",
];

/// A Stripe API error, rendered as Stripe renders it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
    pub code: Option<&'static str>,
    pub param: Option<String>,
}

impl ApiError {
    fn invalid(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            kind: "invalid_request_error",
            message: message.into(),
            code: None,
            param: None,
        }
    }
    fn code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }
    fn param(mut self, p: impl Into<String>) -> Self {
        self.param = Some(p.into());
        self
    }
    fn status(mut self, s: StatusCode) -> Self {
        self.status = s;
        self
    }
    fn missing(param: &str) -> Self {
        Self::invalid(format!("Missing required param: {param}."))
            .code("parameter_missing")
            .param(param)
    }
    fn no_such(object: &str, id: &str, param: &str) -> Self {
        Self::invalid(format!("No such {object}: '{id}'"))
            .code("resource_missing")
            .param(param)
            .status(StatusCode::NOT_FOUND)
    }
    pub fn body(&self) -> Value {
        let mut e = json!({"type": self.kind, "message": self.message});
        if let Some(c) = self.code {
            e["code"] = json!(c);
            e["doc_url"] = json!(format!(
                "https://stripe.com/docs/error-codes/{}",
                c.replace('_', "-")
            ));
        }
        if let Some(p) = &self.param {
            e["param"] = json!(p);
        }
        json!({ "error": e })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body(), false)
    }
}

fn json_response(status: StatusCode, body: &Value, replayed: bool) -> Response {
    let mut r = (
        status,
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::HeaderName::from_static("request-id"),
                model::stripe_id("req_"),
            ),
        ],
        serde_json::to_string_pretty(body).unwrap_or_default(),
    )
        .into_response();
    if replayed {
        r.headers_mut().insert(
            "idempotent-replayed",
            header::HeaderValue::from_static("true"),
        );
    }
    r
}

pub fn api_routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/checkout/sessions", post(create_session))
        .route("/checkout/sessions/{id}", get(get_session))
        .route("/checkout/sessions/{id}/expire", post(expire_session))
        .route("/refunds", post(create_refund))
        .route("/refunds/{id}", get(get_refund))
        .route("/events/{id}", get(get_event))
        .route("/balance", get(get_balance))
        .fallback(unrecognized)
        .method_not_allowed_fallback(unrecognized)
}

pub fn page_routes() -> Router<Arc<Shared>> {
    Router::new().route("/pay/{id}", get(page).post(page_submit))
}

async fn unrecognized(method: Method, OriginalUri(uri): OriginalUri) -> ApiError {
    let path = uri.path().trim_start_matches("/stripe");
    ApiError::invalid(format!(
        "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/."
    ))
    .status(StatusCode::NOT_FOUND)
}

// ---- auth and form parsing ----

fn mask(key: &str) -> String {
    let n = key.len();
    if n <= 12 {
        return "*".repeat(n);
    }
    format!("{}{}{}", &key[..8], "*".repeat(n - 12), &key[n - 4..])
}

fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    let unauthorized = |m: String| ApiError::invalid(m).status(StatusCode::UNAUTHORIZED);
    let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Err(unauthorized("You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.".into()));
    };
    let key = if let Some(k) = auth.strip_prefix("Bearer ") {
        k.trim().to_string()
    } else if let Some(b) = auth.strip_prefix("Basic ") {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .ok()
            .and_then(|d| String::from_utf8(d).ok())
            .unwrap_or_default();
        raw.split(':').next().unwrap_or_default().to_string()
    } else {
        return Err(unauthorized(
            "Invalid API Key provided: the Authorization header must be 'Bearer <key>' or Basic auth with the key as the user name.".into(),
        ));
    };
    if key.starts_with("pk_") {
        return Err(unauthorized("This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.".into()));
    }
    if key != shared.world.lock().stripe_key {
        return Err(unauthorized(format!(
            "Invalid API Key provided: {}",
            mask(&key)
        )));
    }
    Ok(())
}

/// The form body of a POST (Stripe takes `application/x-www-form-urlencoded` only).
fn form(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct.split(';').next().unwrap_or("").trim();
    if body.is_empty() && (mime.is_empty() || mime == "application/x-www-form-urlencoded") {
        return Ok(vec![]);
    }
    if mime != "application/x-www-form-urlencoded" {
        return Err(ApiError::invalid(format!(
            "Invalid request: unsupported Content-Type {}. If error persists and you need assistance, please contact support@stripe.com.",
            if mime.is_empty() { "(none)" } else { mime }
        )));
    }
    Ok(form_urlencoded::parse(body).into_owned().collect())
}

fn get_param<'a>(p: &'a [(String, String)], k: &str) -> Option<&'a str> {
    p.iter()
        .find(|(a, _)| a == k)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn int_param(p: &[(String, String)], k: &str) -> Result<Option<i64>, ApiError> {
    match get_param(p, k) {
        None => Ok(None),
        Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
            ApiError::invalid(format!("Invalid integer: {v}"))
                .code("parameter_invalid_integer")
                .param(k)
        }),
    }
}

fn check_known(p: &[(String, String)], ok: impl Fn(&str) -> bool) -> Result<(), ApiError> {
    for (k, _) in p {
        if !ok(k) {
            return Err(
                ApiError::invalid(format!("Received unknown parameter: {k}"))
                    .code("parameter_unknown")
                    .param(k.clone()),
            );
        }
    }
    Ok(())
}

/// `metadata[key]=value` pairs, with Stripe's limits (50 keys, 40-character keys,
/// 500-character values).
fn metadata(p: &[(String, String)]) -> Result<BTreeMap<String, String>, ApiError> {
    let mut m = BTreeMap::new();
    for (k, v) in p {
        if let Some(key) = k
            .strip_prefix("metadata[")
            .and_then(|r| r.strip_suffix(']'))
        {
            if key.is_empty() || key.contains('[') || key.chars().count() > 40 {
                return Err(ApiError::invalid(
                    "Metadata keys must be between 1 and 40 characters.",
                )
                .param(k.clone()));
            }
            if v.chars().count() > 500 {
                return Err(ApiError::invalid(format!(
                    "Metadata values can have up to 500 characters, but you passed in a value that is {} characters.",
                    v.chars().count()
                ))
                .param(k.clone()));
            }
            if !v.is_empty() {
                m.insert(key.to_string(), v.clone());
            }
        }
    }
    if m.len() > 50 {
        return Err(
            ApiError::invalid("You can specify up to 50 keys in metadata.").param("metadata"),
        );
    }
    Ok(m)
}

fn valid_url(u: &str) -> bool {
    u.len() <= 5000
        && url::Url::parse(u).is_ok_and(|x| matches!(x.scheme(), "http" | "https") && x.has_host())
}

fn minimum_charge(currency: &str) -> i64 {
    match currency {
        "gbp" => 30,
        "jpy" => 50,
        "huf" => 17500,
        "czk" => 1500,
        "sek" | "nok" | "dkk" => 300,
        "pln" | "ron" => 200,
        "hkd" => 400,
        "mxn" => 1000,
        "inr" => 5000,
        "bgn" => 100,
        _ => 50,
    }
}

/// Run a POST with Stripe's idempotency rules: the same key with the same parameters
/// replays the first result; with other parameters or on another endpoint it is an
/// `idempotency_error`. Only successful results are saved (a request that failed
/// validation may be retried with the same key).
fn idempotent(
    shared: &Shared,
    headers: &HeaderMap,
    route: &str,
    params: &[(String, String)],
    run: impl FnOnce() -> Result<Value, ApiError>,
) -> Response {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut sorted: Vec<_> = params.to_vec();
    sorted.sort();
    let canon = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(sorted)
        .finish();
    if let Some(k) = &key {
        if k.len() > 255 {
            return ApiError::invalid("Idempotency keys can be no longer than 255 characters.")
                .into_response();
        }
        if let Some(s) = shared.world.lock().stripe_idempotency.get(k).cloned() {
            if s.route != route {
                return ApiError {
                    kind: "idempotency_error",
                    ..ApiError::invalid(format!(
                        "Keys for idempotent requests can only be used for the same endpoint they were first used for ('{}' vs '{route}'). Try using a key other than '{k}' if you meant to execute a different request.",
                        s.route
                    ))
                }
                .into_response();
            }
            if s.params != canon {
                return ApiError {
                    kind: "idempotency_error",
                    ..ApiError::invalid(format!(
                        "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{k}' if you meant to execute a different request."
                    ))
                }
                .into_response();
            }
            return json_response(
                StatusCode::from_u16(s.status).unwrap_or(StatusCode::OK),
                &s.body,
                true,
            );
        }
    }
    match run() {
        Ok(body) => {
            if let Some(k) = key {
                shared.world.lock().stripe_idempotency.insert(
                    k,
                    Stored {
                        route: route.to_string(),
                        params: canon,
                        status: 200,
                        body: body.clone(),
                    },
                );
            }
            json_response(StatusCode::OK, &body, false)
        }
        Err(e) => e.into_response(),
    }
}

// ---- checkout sessions ----

fn known_session_param(k: &str) -> bool {
    const TOP: &[&str] = &[
        "mode",
        "success_url",
        "cancel_url",
        "client_reference_id",
        "customer_email",
        "expires_at",
        "locale",
    ];
    if TOP.contains(&k) || k.starts_with("metadata[") {
        return true;
    }
    if let Some(rest) = k.strip_prefix("payment_method_types[") {
        return rest.trim_end_matches(']').parse::<usize>().is_ok() && rest.ends_with(']');
    }
    if let Some(rest) = k.strip_prefix("line_items[")
        && let Some((idx, tail)) = rest.split_once(']')
        && idx.parse::<usize>().is_ok()
    {
        return matches!(
            tail,
            "[quantity]"
                | "[price]"
                | "[price_data][currency]"
                | "[price_data][unit_amount]"
                | "[price_data][product_data][name]"
                | "[price_data][product_data][description]"
        );
    }
    false
}

fn parse_line_items(p: &[(String, String)]) -> Result<(Vec<LineItem>, String), ApiError> {
    let mut max: Option<usize> = None;
    let mut seen = std::collections::BTreeSet::new();
    for (k, _) in p {
        if let Some(i) = k
            .strip_prefix("line_items[")
            .and_then(|r| r.split_once(']'))
            .and_then(|(i, _)| i.parse::<usize>().ok())
        {
            seen.insert(i);
            max = Some(max.map_or(i, |m: usize| m.max(i)));
        }
    }
    let Some(max) = max else {
        return Err(ApiError::missing("line_items"));
    };
    if seen.len() != max + 1 {
        return Err(ApiError::invalid("Invalid array").param("line_items"));
    }
    if max >= 100 {
        return Err(
            ApiError::invalid("You may only specify up to 100 line items.").param("line_items"),
        );
    }
    let mut items = vec![];
    let mut currency: Option<String> = None;
    for i in 0..=max {
        let pre = format!("line_items[{i}]");
        if let Some(price) = get_param(p, &format!("{pre}[price]")) {
            return Err(ApiError::invalid(format!("No such price: '{price}'"))
                .code("resource_missing")
                .param(format!("{pre}[price]")));
        }
        let cur_k = format!("{pre}[price_data][currency]");
        let amt_k = format!("{pre}[price_data][unit_amount]");
        let name_k = format!("{pre}[price_data][product_data][name]");
        let qty_k = format!("{pre}[quantity]");
        if !p
            .iter()
            .any(|(k, _)| k.starts_with(&format!("{pre}[price_data]")))
        {
            return Err(ApiError::invalid(format!(
                "You must specify either `price` or `price_data` in {pre}."
            ))
            .param(pre));
        }
        let cur = get_param(p, &cur_k)
            .ok_or_else(|| ApiError::missing(&cur_k))?
            .to_ascii_lowercase();
        if !CURRENCIES.contains(&cur.as_str()) {
            return Err(ApiError::invalid(format!(
                "Invalid currency: {cur}. The simulator, like Stripe, supports only listed presentment currencies: {}.",
                CURRENCIES.join(", ")
            ))
            .param(cur_k));
        }
        if let Some(c) = &currency
            && *c != cur
        {
            return Err(
                ApiError::invalid("All line items must use the same currency.").param(cur_k),
            );
        }
        currency = Some(cur);
        let amount = int_param(p, &amt_k)?.ok_or_else(|| ApiError::missing(&amt_k))?;
        if amount < 0 {
            return Err(
                ApiError::invalid("This value must be greater than or equal to 0.").param(amt_k),
            );
        }
        let name = get_param(p, &name_k).ok_or_else(|| ApiError::missing(&name_k))?;
        let qty = int_param(p, &qty_k)?.ok_or_else(|| ApiError::missing(&qty_k))?;
        if !(1..=999_999).contains(&qty) {
            return Err(
                ApiError::invalid("This value must be greater than or equal to 1.").param(qty_k),
            );
        }
        items.push(LineItem {
            name: name.to_string(),
            unit_amount: amount,
            quantity: qty,
        });
    }
    Ok((items, currency.unwrap_or_default()))
}

fn validate_session(shared: &Shared, p: &[(String, String)]) -> Result<SimSession, ApiError> {
    check_known(p, known_session_param)?;
    match get_param(p, "mode") {
        None => return Err(ApiError::missing("mode")),
        Some("payment") => {}
        Some("setup" | "subscription") => {
            return Err(ApiError::invalid(
                "payments-sim models mode=payment only (setup and subscription are not simulated).",
            )
            .param("mode"));
        }
        Some(m) => {
            return Err(ApiError::invalid(format!(
                "Invalid mode: must be one of payment, setup, or subscription (got {m})"
            ))
            .param("mode"));
        }
    }
    for (k, v) in p {
        if k.starts_with("payment_method_types[") && v != "card" {
            return Err(ApiError::invalid(format!(
                "The payment method type provided: {v} is invalid or not modelled by payments-sim (card only)."
            ))
            .param(k.clone()));
        }
    }
    let success_url =
        get_param(p, "success_url").ok_or_else(|| ApiError::missing("success_url"))?;
    if !valid_url(success_url) {
        return Err(ApiError::invalid("Not a valid URL")
            .code("url_invalid")
            .param("success_url"));
    }
    let cancel_url = get_param(p, "cancel_url");
    if let Some(c) = cancel_url
        && !valid_url(c)
    {
        return Err(ApiError::invalid("Not a valid URL")
            .code("url_invalid")
            .param("cancel_url"));
    }
    let client_reference_id = get_param(p, "client_reference_id");
    if client_reference_id.is_some_and(|c| c.chars().count() > 200) {
        return Err(
            ApiError::invalid("Invalid string: must be at most 200 characters")
                .param("client_reference_id"),
        );
    }
    let email = get_param(p, "customer_email");
    if let Some(e) = email {
        let ok = e.split_once('@').is_some_and(|(a, b)| {
            !a.is_empty() && b.contains('.') && !b.starts_with('.') && !e.contains(' ')
        });
        if !ok {
            return Err(ApiError::invalid(format!("Invalid email address: {e}"))
                .code("email_invalid")
                .param("customer_email"));
        }
    }
    let md = metadata(p)?;
    let (items, currency) = parse_line_items(p)?;
    let total: i64 = items
        .iter()
        .map(|i| i.unit_amount.saturating_mul(i.quantity))
        .fold(0i64, i64::saturating_add);
    let min = minimum_charge(&currency);
    if total < min {
        return Err(ApiError::invalid(format!(
            "The Checkout Session's total amount due must add up to at least {} {currency}",
            model::minor_to_decimal(min, &currency)
        ))
        .code("amount_too_small"));
    }
    if total > 99_999_999 {
        return Err(ApiError::invalid(format!(
            "The Checkout Session's total amount due must be no more than {} {currency}",
            model::minor_to_decimal(99_999_999, &currency)
        ))
        .code("amount_too_large"));
    }
    let now = model::unix_now();
    let expires_at = match int_param(p, "expires_at")? {
        None => now + 24 * 3600,
        Some(t) if t < now + 30 * 60 => {
            return Err(ApiError::invalid(
                "The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.",
            )
            .param("expires_at"));
        }
        Some(t) if t > now + 24 * 3600 => {
            return Err(ApiError::invalid(
                "The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.",
            )
            .param("expires_at"));
        }
        Some(t) => t,
    };
    let id = model::stripe_id("cs_test_");
    Ok(SimSession {
        url: format!("{}/pay/{id}", shared.base_url),
        id,
        status: "open".into(),
        payment_status: "unpaid".into(),
        amount_total: total,
        currency,
        line_items: items,
        success_url: success_url.to_string(),
        cancel_url: cancel_url.map(str::to_string),
        client_reference_id: client_reference_id.map(str::to_string),
        customer_email: email.map(str::to_string),
        metadata: md,
        payment_intent: None,
        charge: None,
        created: now,
        expires_at,
        amount_refunded: 0,
        async_pending: false,
        card_last4: None,
    })
}

/// The Checkout Session object as the API returns it.
pub fn session_json(s: &SimSession) -> Value {
    let complete = s.status == "complete";
    json!({
        "id": s.id,
        "object": "checkout.session",
        "adaptive_pricing": {"enabled": false},
        "after_expiration": null,
        "allow_promotion_codes": null,
        "amount_subtotal": s.amount_total,
        "amount_total": s.amount_total,
        "automatic_tax": {"enabled": false, "liability": null, "provider": null, "status": null},
        "billing_address_collection": null,
        "cancel_url": s.cancel_url,
        "client_reference_id": s.client_reference_id,
        "client_secret": null,
        "collected_information": null,
        "consent": null,
        "consent_collection": null,
        "created": s.created,
        "currency": s.currency,
        "currency_conversion": null,
        "custom_fields": [],
        "custom_text": {"after_submit": null, "shipping_address": null, "submit": null, "terms_of_service_acceptance": null},
        "customer": null,
        "customer_account": null,
        "customer_creation": "if_required",
        "customer_details": if complete {
            json!({"address": null, "business_name": null, "email": s.customer_email.clone().unwrap_or_else(|| "buyer@example.com".into()),
                   "individual_name": null, "name": null, "phone": null, "tax_exempt": "none", "tax_ids": []})
        } else { Value::Null },
        "customer_email": s.customer_email,
        "discounts": [],
        "expires_at": s.expires_at,
        "integration_identifier": null,
        "invoice": null,
        "invoice_creation": {"enabled": false, "invoice_data": {"account_tax_ids": null, "custom_fields": null, "description": null,
                             "footer": null, "issuer": null, "metadata": {}, "rendering_options": null}},
        "livemode": false,
        "locale": null,
        "managed_payments": null,
        "metadata": s.metadata,
        "mode": "payment",
        "origin_context": null,
        "payment_intent": s.payment_intent,
        "payment_link": null,
        "payment_method_collection": "if_required",
        "payment_method_configuration_details": null,
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "payment_status": s.payment_status,
        "permissions": null,
        "phone_number_collection": {"enabled": false},
        "recovered_from": null,
        "saved_payment_method_options": null,
        "setup_intent": null,
        "shipping_address_collection": null,
        "shipping_cost": null,
        "shipping_options": [],
        "status": s.status,
        "submit_type": null,
        "subscription": null,
        "success_url": s.success_url,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": if s.status == "open" { json!(s.url) } else { Value::Null },
        "wallet_options": null,
    })
}

/// The charge of a paid session (what `charge.refunded` carries).
pub fn charge_json(s: &SimSession) -> Value {
    let paid = s.payment_status == "paid";
    json!({
        "id": s.charge,
        "object": "charge",
        "amount": s.amount_total,
        "amount_captured": if paid { s.amount_total } else { 0 },
        "amount_refunded": s.amount_refunded,
        "application": null,
        "application_fee": null,
        "application_fee_amount": null,
        "balance_transaction": format!("txn_{}", s.charge.as_deref().unwrap_or("").trim_start_matches("ch_")),
        "billing_details": {"address": null, "email": s.customer_email, "name": null, "phone": null, "tax_id": null},
        "calculated_statement_descriptor": "LECTERN",
        "captured": paid,
        "created": s.created,
        "currency": s.currency,
        "customer": null,
        "description": null,
        "disputed": false,
        "failure_balance_transaction": null,
        "failure_code": null,
        "failure_message": null,
        "fraud_details": {},
        "livemode": false,
        "metadata": {},
        "on_behalf_of": null,
        "outcome": {"advice_code": null, "network_advice_code": null, "network_decline_code": null, "network_status": "approved_by_network",
                    "reason": null, "seller_message": "Payment complete.", "type": "authorized"},
        "paid": paid,
        "payment_intent": s.payment_intent,
        "payment_method": format!("pm_{}", s.charge.as_deref().unwrap_or("").trim_start_matches("ch_")),
        "payment_method_details": {"card": {"brand": "visa", "checks": {"address_line1_check": null, "address_postal_code_check": null, "cvc_check": "pass"},
                                            "country": "US", "exp_month": 12, "exp_year": 2034, "fingerprint": "SimFingerprint01", "funding": "credit",
                                            "last4": s.card_last4, "network": "visa", "three_d_secure": null, "wallet": null},
                                   "type": "card"},
        "receipt_email": s.customer_email,
        "receipt_number": null,
        "receipt_url": null,
        "refunded": s.amount_refunded >= s.amount_total && s.amount_total > 0,
        "review": null,
        "shipping": null,
        "source_transfer": null,
        "statement_descriptor": null,
        "statement_descriptor_suffix": null,
        "status": if paid { "succeeded" } else { "pending" },
        "transfer_data": null,
        "transfer_group": null,
    })
}

fn refund_json(r: &SimRefund, charge: &str) -> Value {
    json!({
        "id": r.id,
        "object": "refund",
        "amount": r.amount_minor,
        "balance_transaction": format!("txn_{}", r.id.trim_start_matches("re_")),
        "charge": charge,
        "created": r.created,
        "currency": r.currency,
        "customer": null,
        "customer_account": null,
        "destination_details": {"card": {"type": "refund"}, "type": "card"},
        "metadata": {},
        "payment_intent": r.payment,
        "payment_method": null,
        "reason": null,
        "receipt_number": null,
        "source_transfer_reversal": null,
        "status": r.status,
        "transfer_reversal": null,
    })
}

/// Record an event and queue it for the registered endpoint.
pub fn emit(shared: &Shared, kind: &str, object: Value, request: Option<(&str, Option<&str>)>) {
    let id = model::stripe_id("evt_");
    let has_endpoint = shared.world.lock().stripe_webhook.is_some();
    let ev = json!({
        "id": id,
        "object": "event",
        "api_version": API_VERSION,
        "created": model::unix_now(),
        "data": {"object": object},
        "livemode": false,
        "pending_webhooks": i32::from(has_endpoint),
        "request": {"id": request.map(|r| r.0), "idempotency_key": request.and_then(|r| r.1)},
        "type": kind,
    });
    let body = serde_json::to_string_pretty(&ev).unwrap_or_default();
    shared.world.lock().stripe_events.push(ev);
    shared.hooks.enqueue(Outgoing {
        vendor: Vendor::Stripe,
        event_id: id,
        event_type: kind.to_string(),
        body,
    });
}

/// Expire open sessions whose `expires_at` has passed (`checkout.session.expired`).
fn expire_due(shared: &Shared) {
    let now = model::unix_now();
    let expired: Vec<SimSession> = {
        let mut w = shared.world.lock();
        w.sessions
            .iter_mut()
            .filter(|s| s.status == "open" && s.expires_at <= now)
            .map(|s| {
                s.status = "expired".into();
                s.clone()
            })
            .collect()
    };
    for s in expired {
        emit(shared, "checkout.session.expired", session_json(&s), None);
    }
}

async fn create_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = authenticate(&shared, &headers) {
        return e.into_response();
    }
    let p = match form(&headers, &body) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    idempotent(&shared, &headers, "/v1/checkout/sessions", &p, || {
        let s = validate_session(&shared, &p)?;
        let v = session_json(&s);
        shared.world.lock().sessions.push(s);
        Ok(v)
    })
}

fn find_session(shared: &Shared, id: &str) -> Result<SimSession, ApiError> {
    shared
        .world
        .lock()
        .sessions
        .iter()
        .find(|s| s.id == id)
        .cloned()
        .ok_or_else(|| ApiError::no_such("checkout.session", id, "session"))
}

async fn get_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(e) = authenticate(&shared, &headers) {
        return e.into_response();
    }
    expire_due(&shared);
    match find_session(&shared, &id) {
        Ok(s) => json_response(StatusCode::OK, &session_json(&s), false),
        Err(e) => e.into_response(),
    }
}

async fn expire_session(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(e) = authenticate(&shared, &headers) {
        return e.into_response();
    }
    let p = match form(&headers, &body) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    expire_due(&shared);
    let route = format!("/v1/checkout/sessions/{id}/expire");
    idempotent(&shared, &headers, &route.clone(), &p, || {
        check_known(&p, |_| false)?;
        let s = {
            let mut w = shared.world.lock();
            let s = w
                .sessions
                .iter_mut()
                .find(|s| s.id == id)
                .ok_or_else(|| ApiError::no_such("checkout.session", &id, "session"))?;
            if s.status != "open" {
                return Err(ApiError::invalid(format!(
                    "Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \"{}\".",
                    s.status
                )));
            }
            s.status = "expired".into();
            s.clone()
        };
        let v = session_json(&s);
        emit(&shared, "checkout.session.expired", v.clone(), None);
        Ok(v)
    })
}

async fn create_refund(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(e) = authenticate(&shared, &headers) {
        return e.into_response();
    }
    let p = match form(&headers, &body) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let idem = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    idempotent(&shared, &headers, "/v1/refunds", &p, || {
        check_known(&p, |k| {
            matches!(k, "payment_intent" | "charge" | "amount" | "reason")
                || k.starts_with("metadata[")
        })?;
        let _ = metadata(&p)?;
        if let Some(r) = get_param(&p, "reason")
            && !matches!(r, "duplicate" | "fraudulent" | "requested_by_customer")
        {
            return Err(ApiError::invalid(format!(
                "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer (got {r})"
            ))
            .param("reason"));
        }
        let amount = int_param(&p, "amount")?;
        let (param, id) = match (get_param(&p, "payment_intent"), get_param(&p, "charge")) {
            (Some(pi), None) => ("payment_intent", pi),
            (None, Some(ch)) => ("charge", ch),
            (None, None) => {
                return Err(ApiError::invalid(
                    "One of the following params should be provided for this request: payment_intent or charge.",
                ));
            }
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid(
                    "You cannot specify both `payment_intent` and `charge`.",
                ));
            }
        };
        let (refund, session) = {
            let mut w = shared.world.lock();
            let Some(s) = w.sessions.iter_mut().find(|s| {
                if param == "payment_intent" {
                    s.payment_intent.as_deref() == Some(id)
                } else {
                    s.charge.as_deref() == Some(id)
                }
            }) else {
                return Err(ApiError::invalid(format!("No such {param}: '{id}'"))
                    .code("resource_missing")
                    .param(param));
            };
            if s.payment_status != "paid" {
                return Err(ApiError::invalid(format!(
                    "This PaymentIntent ({}) does not have a successful charge to refund.",
                    s.payment_intent.as_deref().unwrap_or(id)
                ))
                .param(param));
            }
            let left = s.amount_total - s.amount_refunded;
            if left <= 0 {
                return Err(ApiError::invalid(format!(
                    "Charge {} has already been refunded.",
                    s.charge.as_deref().unwrap_or_default()
                ))
                .code("charge_already_refunded"));
            }
            let amount = amount.unwrap_or(left);
            if amount < 1 {
                return Err(
                    ApiError::invalid("This value must be greater than or equal to 1.")
                        .param("amount"),
                );
            }
            if amount > left {
                return Err(ApiError::invalid(format!(
                    "Refund amount ({}) is greater than unrefunded amount on charge ({})",
                    model::minor_to_decimal(amount, &s.currency),
                    model::minor_to_decimal(left, &s.currency)
                ))
                .code("amount_too_large")
                .param("amount"));
            }
            s.amount_refunded += amount;
            let r = SimRefund {
                vendor: Vendor::Stripe,
                id: model::stripe_id("re_"),
                payment: s.payment_intent.clone().unwrap_or_default(),
                parent: s.id.clone(),
                amount_minor: amount,
                currency: s.currency.clone(),
                status: "succeeded".into(),
                created: model::unix_now(),
            };
            let s = s.clone();
            w.refunds.push(r.clone());
            (r, s)
        };
        let charge = session.charge.clone().unwrap_or_default();
        let req_id = model::stripe_id("req_");
        emit(
            &shared,
            "charge.refunded",
            charge_json(&session),
            Some((&req_id, idem.as_deref())),
        );
        Ok(refund_json(&refund, &charge))
    })
}

async fn get_refund(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(e) = authenticate(&shared, &headers) {
        return e.into_response();
    }
    let w = shared.world.lock();
    let Some(r) = w
        .refunds
        .iter()
        .find(|r| r.vendor == Vendor::Stripe && r.id == id)
    else {
        return ApiError::no_such("refund", &id, "id").into_response();
    };
    let charge = w
        .sessions
        .iter()
        .find(|s| s.id == r.parent)
        .and_then(|s| s.charge.clone())
        .unwrap_or_default();
    json_response(StatusCode::OK, &refund_json(r, &charge), false)
}

async fn get_event(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(e) = authenticate(&shared, &headers) {
        return e.into_response();
    }
    let w = shared.world.lock();
    match w.stripe_events.iter().find(|e| e["id"] == id.as_str()) {
        Some(e) => json_response(StatusCode::OK, e, false),
        None => ApiError::no_such("event", &id, "id").into_response(),
    }
}

/// `GET /v1/balance`: what clients call to prove a key works. Paid sessions less refunds
/// count as pending (card funds are not available at once at Stripe), per currency; with
/// no payments the account shows zero in USD, as a fresh test account does.
async fn get_balance(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    if let Err(e) = authenticate(&shared, &headers) {
        return e.into_response();
    }
    let mut net: BTreeMap<String, i64> = BTreeMap::new();
    for s in shared.world.lock().sessions.iter() {
        if s.payment_status == "paid" {
            *net.entry(s.currency.clone()).or_default() += s.amount_total - s.amount_refunded;
        }
    }
    if net.is_empty() {
        net.insert("usd".into(), 0);
    }
    let funds = |amount: &dyn Fn(i64) -> i64| -> Vec<Value> {
        net.iter()
            .map(|(c, n)| {
                let a = amount(*n);
                json!({"amount": a, "currency": c, "source_types": {"card": a}})
            })
            .collect()
    };
    let body = json!({
        "object": "balance",
        "available": funds(&|_| 0),
        "connect_reserved": net.keys().map(|c| json!({"amount": 0, "currency": c})).collect::<Vec<_>>(),
        "livemode": false,
        "pending": funds(&|n| n),
    });
    json_response(StatusCode::OK, &body, false)
}

// ---- paying ----

fn luhn(n: &str) -> bool {
    let digits: Vec<u32> = n.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() < 12 || digits.len() != n.len() {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Pay a session with a card number: Ok(where the browser goes) or Err(what the page says).
pub fn pay(shared: &Shared, session_id: &str, card: &str) -> Result<String, String> {
    expire_due(shared);
    let card: String = card.chars().filter(|c| !c.is_whitespace()).collect();
    let session = {
        let mut w = shared.world.lock();
        let Some(s) = w.sessions.iter_mut().find(|s| s.id == session_id) else {
            return Err("This Checkout Session does not exist.".into());
        };
        match s.status.as_str() {
            "open" => {}
            "expired" => return Err("This Checkout Session has expired.".into()),
            _ => return Err("This Checkout Session is no longer active.".into()),
        }
        if !luhn(&card) {
            return Err("Your card number is invalid.".into());
        }
        let delayed = match card.as_str() {
            crate::Card::VISA | crate::Card::MASTERCARD | "4000056655665556" => false,
            crate::Card::ASYNC => true,
            crate::Card::DECLINED => return Err("Your card was declined.".into()),
            crate::Card::INSUFFICIENT_FUNDS => {
                return Err("Your card has insufficient funds.".into());
            }
            _ => return Err("Your card was declined. Your request was in test mode, but used a non test card. For a list of valid test cards, visit: https://stripe.com/docs/testing.".into()),
        };
        s.status = "complete".into();
        s.payment_status = if delayed { "unpaid" } else { "paid" }.into();
        s.async_pending = delayed;
        let tail = model::stripe_id("");
        s.payment_intent = Some(format!("pi_{tail}"));
        s.charge = Some(format!("ch_{tail}"));
        s.card_last4 = Some(card[card.len() - 4..].to_string());
        s.clone()
    };
    emit(
        shared,
        "checkout.session.completed",
        session_json(&session),
        None,
    );
    Ok(session
        .success_url
        .replace("{CHECKOUT_SESSION_ID}", &session.id))
}

/// Settle a delayed payment (success or failure) and emit the event.
pub fn settle_async(shared: &Shared, session_id: &str, ok: bool) -> Result<(), String> {
    let s = {
        let mut w = shared.world.lock();
        let Some(s) = w.sessions.iter_mut().find(|s| s.id == session_id) else {
            return Err(format!("no session {session_id}"));
        };
        if !s.async_pending {
            return Err(format!(
                "session {session_id} has no pending delayed payment"
            ));
        }
        s.async_pending = false;
        if ok {
            s.payment_status = "paid".into();
        }
        s.clone()
    };
    let kind = if ok {
        "checkout.session.async_payment_succeeded"
    } else {
        "checkout.session.async_payment_failed"
    };
    emit(shared, kind, session_json(&s), None);
    Ok(())
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn render_page(s: &SimSession, error: Option<&str>) -> Html<String> {
    let items: String = s
        .line_items
        .iter()
        .map(|i| {
            format!(
                "<li>{} × {} — {} {}</li>",
                esc(&i.name),
                i.quantity,
                model::minor_to_decimal(i.unit_amount * i.quantity, &s.currency),
                s.currency.to_uppercase()
            )
        })
        .collect();
    let body = if s.status != "open" {
        format!(
            "<p id=\"closed\">This Checkout Session is {}.</p>",
            if s.status == "expired" {
                "expired"
            } else {
                "no longer active"
            }
        )
    } else {
        let err = error
            .map(|e| format!("<p id=\"error\" role=\"alert\">{}</p>", esc(e)))
            .unwrap_or_default();
        let cancel = if s.cancel_url.is_some() {
            "<button type=\"submit\" name=\"action\" value=\"cancel\" id=\"cancel\" formnovalidate>Cancel</button>"
        } else {
            ""
        };
        format!(
            "{err}<form method=\"post\" action=\"/pay/{id}\">\
             <label>Email <input name=\"email\" type=\"email\" value=\"{email}\"></label>\
             <label>Card number <input name=\"cardnumber\" id=\"cardnumber\" autocomplete=\"cc-number\" inputmode=\"numeric\"></label>\
             <button type=\"submit\" name=\"action\" value=\"pay\" id=\"pay\">Pay {amount} {cur}</button>{cancel}</form>",
            id = esc(&s.id),
            email = esc(s.customer_email.as_deref().unwrap_or("")),
            amount = model::minor_to_decimal(s.amount_total, &s.currency),
            cur = s.currency.to_uppercase(),
        )
    };
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Checkout (payments-sim)</title></head>\
         <body><h1>Test mode checkout</h1><ul id=\"items\">{items}</ul>{body}</body></html>"
    ))
}

async fn page(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    expire_due(&shared);
    match find_session(&shared, &id) {
        Ok(s) => render_page(&s, None).into_response(),
        Err(_) => (
            StatusCode::NOT_FOUND,
            Html("<p id=\"closed\">Something went wrong: this checkout page does not exist.</p>"),
        )
            .into_response(),
    }
}

async fn page_submit(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let f: BTreeMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    let Ok(s) = find_session(&shared, &id) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match f.get("action").map(String::as_str) {
        Some("cancel") => match &s.cancel_url {
            Some(u) if s.status == "open" => Redirect::to(u).into_response(),
            _ => render_page(&s, None).into_response(),
        },
        Some("pay") => {
            let card = f.get("cardnumber").map(String::as_str).unwrap_or("");
            match pay(&shared, &id, card) {
                Ok(url) => Redirect::to(&url).into_response(),
                Err(msg) => {
                    let s = find_session(&shared, &id).unwrap_or(s);
                    render_page(&s, Some(&msg)).into_response()
                }
            }
        }
        _ => (StatusCode::BAD_REQUEST, "action must be pay or cancel").into_response(),
    }
}
