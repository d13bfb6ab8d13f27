//! PayPal: OAuth client credentials (token cached until near expiry), Orders v2 (create,
//! get, capture), refunds of captures, and the offline check of a webhook's signature.

use crate::http::{TIMEOUT, kind_for_status, path_id, scrub, transport, unexpected};
use crate::{PaymentError, Secret};
use base64::Engine as _;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const VENDOR: &str = "PayPal";

/// A token is dropped this long before PayPal says it expires, so a call started with it
/// does not arrive just after.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);

pub const LIVE_API_BASE: &str = "https://api-m.paypal.com";
pub const SANDBOX_API_BASE: &str = "https://api-m.sandbox.paypal.com";

/// Where PayPal's signing certificates may be fetched from. The `PAYPAL-CERT-URL` header
/// is the sender's to choose, so anything else is refused unfetched.
pub const CERT_URL_PREFIXES: &[&str] =
    &["https://api.paypal.com/", "https://api.sandbox.paypal.com/"];

#[derive(Debug, Clone)]
pub struct PayPalClient {
    http: reqwest::Client,
    api_base: String,
    client_id: String,
    secret: Secret,
    token: std::sync::Arc<tokio::sync::Mutex<Option<(Secret, std::time::Instant)>>>,
}

#[derive(Debug, Clone)]
pub struct OrderRequest<'a> {
    pub amount_minor: i64,
    pub currency: &'a str,
    /// Ours (the order id): `purchase_units[0].custom_id` and `reference_id`.
    pub custom_id: &'a str,
    pub description: &'a str,
    pub return_url: &'a str,
    pub cancel_url: &'a str,
}

#[derive(Debug, Clone)]
pub struct Order {
    pub id: String,
    /// `CREATED`, `PAYER_ACTION_REQUIRED`, `APPROVED`, `COMPLETED`, `VOIDED`
    pub status: String,
    /// Where the buyer approves (`payer-action` or `approve` link).
    pub approve_url: Option<String>,
    pub custom_id: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub captures: Vec<Capture>,
}

#[derive(Debug, Clone)]
pub struct Capture {
    pub id: String,
    /// `COMPLETED`, `PENDING`, `DECLINED`, `REFUNDED`, `PARTIALLY_REFUNDED`
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
}

#[derive(Debug, Clone)]
pub struct Refund {
    pub id: String,
    pub status: String,
}

impl PayPalClient {
    pub fn new(
        http: reqwest::Client,
        api_base: &str,
        client_id: &str,
        secret: Secret,
    ) -> PayPalClient {
        PayPalClient {
            http,
            api_base: api_base.trim_end_matches('/').to_string(),
            client_id: client_id.to_string(),
            secret,
            token: Default::default(),
        }
    }

    /// Fetches a token: proves the credentials work.
    pub async fn check_credentials(&self) -> Result<(), PaymentError> {
        self.fresh_token().await.map(|_| ())
    }

    /// `POST /v2/checkout/orders` (intent CAPTURE) with `PayPal-Request-Id`.
    pub async fn create_order(
        &self,
        req: &OrderRequest<'_>,
        request_id: &str,
    ) -> Result<Order, PaymentError> {
        let currency = req.currency.to_ascii_uppercase();
        let body = json!({
            "intent": "CAPTURE",
            "purchase_units": [{
                "reference_id": req.custom_id,
                "custom_id": req.custom_id,
                "description": req.description,
                "amount": {
                    "currency_code": currency,
                    "value": crate::money::to_decimal(req.amount_minor, &currency),
                },
            }],
            "payment_source": {"paypal": {"experience_context": {
                "return_url": req.return_url,
                "cancel_url": req.cancel_url,
                "user_action": "PAY_NOW",
            }}},
        });
        let (status, v) = self
            .call(
                Method::POST,
                "/v2/checkout/orders",
                Some(&body),
                Some(request_id),
            )
            .await?;
        parse_order(&v).ok_or_else(|| unexpected(VENDOR, status, "no order id or status"))
    }

    pub async fn get_order(&self, id: &str) -> Result<Order, PaymentError> {
        let id = path_id("order", id)?;
        let (status, v) = self
            .call(
                Method::GET,
                &format!("/v2/checkout/orders/{id}"),
                None,
                None,
            )
            .await?;
        parse_order(&v).ok_or_else(|| unexpected(VENDOR, status, "no order id or status"))
    }

    /// Captures an approved order. An order captured already (422 `ORDER_ALREADY_CAPTURED`)
    /// is read back and returned as it is, so a second capture is not an error.
    pub async fn capture_order(&self, id: &str, request_id: &str) -> Result<Order, PaymentError> {
        let id = path_id("order", id)?;
        let path = format!("/v2/checkout/orders/{id}/capture");
        let (status, body) = self
            .call_raw(Method::POST, &path, Some(&json!({})), Some(request_id))
            .await?;
        if !(200..300).contains(&status) {
            let (err, issues) = api_error(status, &body, self.secret.expose());
            if status == 422 && issues.iter().any(|i| i == "ORDER_ALREADY_CAPTURED") {
                return self.get_order(id).await;
            }
            return Err(err);
        }
        let v: Value = serde_json::from_slice(&body).map_err(|e| unexpected(VENDOR, status, e))?;
        parse_order(&v).ok_or_else(|| unexpected(VENDOR, status, "no order id or status"))
    }

    /// Refunds `amount` (all of it when `None`) of a capture.
    pub async fn refund_capture(
        &self,
        capture_id: &str,
        amount: Option<(i64, &str)>,
        request_id: &str,
    ) -> Result<Refund, PaymentError> {
        let capture_id = path_id("capture", capture_id)?;
        let body = match amount {
            None => json!({}),
            Some((minor, currency)) => {
                let currency = currency.to_ascii_uppercase();
                json!({"amount": {
                    "value": crate::money::to_decimal(minor, &currency),
                    "currency_code": currency,
                }})
            }
        };
        let path = format!("/v2/payments/captures/{capture_id}/refund");
        let (status, v) = self
            .call(Method::POST, &path, Some(&body), Some(request_id))
            .await?;
        match (v["id"].as_str(), v["status"].as_str()) {
            (Some(id), Some(st)) => Ok(Refund {
                id: id.to_string(),
                status: st.to_string(),
            }),
            _ => Err(unexpected(VENDOR, status, "no refund id or status")),
        }
    }

    /// The cached token, or a new one. The lock is held while fetching so that concurrent
    /// callers wait for one token instead of each asking for their own.
    async fn token(&self) -> Result<Secret, PaymentError> {
        let mut slot = self.token.lock().await;
        if let Some((tok, until)) = slot.as_ref()
            && Instant::now() < *until
        {
            return Ok(tok.clone());
        }
        let (tok, until) = self.fetch_token().await?;
        *slot = Some((tok.clone(), until));
        Ok(tok)
    }

    async fn fresh_token(&self) -> Result<Secret, PaymentError> {
        let mut slot = self.token.lock().await;
        let (tok, until) = self.fetch_token().await?;
        *slot = Some((tok.clone(), until));
        Ok(tok)
    }

    /// Forgets `used` if it is still the cached token (another caller may have replaced it).
    async fn drop_token(&self, used: &Secret) {
        let mut slot = self.token.lock().await;
        if slot
            .as_ref()
            .is_some_and(|(t, _)| t.expose() == used.expose())
        {
            *slot = None;
        }
    }

    async fn fetch_token(&self) -> Result<(Secret, Instant), PaymentError> {
        let resp = self
            .http
            .post(format!("{}/v1/oauth2/token", self.api_base))
            .basic_auth(&self.client_id, Some(self.secret.expose()))
            .form(&[("grant_type", "client_credentials")])
            .timeout(TIMEOUT)
            .send()
            .await
            .map_err(|e| transport(VENDOR, e))?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(|e| transport(VENDOR, e))?;
        if !(200..300).contains(&status) {
            return Err(api_error(status, &body, self.secret.expose()).0);
        }
        #[derive(serde::Deserialize)]
        struct Token {
            access_token: String,
            #[serde(default)]
            expires_in: u64,
        }
        let t: Token = serde_json::from_slice(&body).map_err(|e| unexpected(VENDOR, status, e))?;
        let until = Instant::now() + Duration::from_secs(t.expires_in).saturating_sub(TOKEN_MARGIN);
        Ok((Secret::new(t.access_token), until))
    }

    /// One API call with a bearer token; a 401 (token revoked or expired early) drops the
    /// token and tries once more with a new one. Returns the status and raw body.
    async fn call_raw(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        request_id: Option<&str>,
    ) -> Result<(u16, Vec<u8>), PaymentError> {
        let mut retried = false;
        loop {
            let tok = self.token().await?;
            let mut rb = self
                .http
                .request(method.clone(), format!("{}{path}", self.api_base))
                .bearer_auth(tok.expose())
                // The whole order back (amount, custom_id, captures), not just id and links.
                .header("Prefer", "return=representation")
                .timeout(TIMEOUT);
            if let Some(b) = body {
                rb = rb.json(b);
            }
            if let Some(r) = request_id {
                rb = rb.header("PayPal-Request-Id", r);
            }
            let resp = rb.send().await.map_err(|e| transport(VENDOR, e))?;
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await.map_err(|e| transport(VENDOR, e))?;
            if status == 401 && !retried {
                self.drop_token(&tok).await;
                retried = true;
                continue;
            }
            return Ok((status, bytes.to_vec()));
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        request_id: Option<&str>,
    ) -> Result<(u16, Value), PaymentError> {
        let (status, bytes) = self.call_raw(method, path, body, request_id).await?;
        if !(200..300).contains(&status) {
            return Err(api_error(status, &bytes, self.secret.expose()).0);
        }
        let v = serde_json::from_slice(&bytes).map_err(|e| unexpected(VENDOR, status, e))?;
        Ok((status, v))
    }
}

/// PayPal's error bodies: `{name, message, details: [{issue, description}]}` from the API,
/// `{error, error_description}` from the token endpoint. Returns the issues too, for the
/// callers that treat one of them as success.
fn api_error(status: u16, body: &[u8], secret: &str) -> (PaymentError, Vec<String>) {
    let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let s = |k: &str| v.get(k).and_then(Value::as_str);
    let mut issues = vec![];
    let mut message = match (s("name"), s("message"), s("error"), s("error_description")) {
        (Some(n), m, _, _) => format!("{n}: {}", m.unwrap_or("")),
        (None, Some(m), _, _) => m.to_string(),
        (_, _, Some(e), d) => format!("{e}: {}", d.unwrap_or("")),
        _ => format!("PayPal answered {status}"),
    };
    for d in v
        .get("details")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(i) = d.get("issue").and_then(Value::as_str) {
            message.push_str(&format!(
                " [{i}: {}]",
                d.get("description").and_then(Value::as_str).unwrap_or("")
            ));
            issues.push(i.to_string());
        }
    }
    let err = PaymentError {
        kind: kind_for_status(status),
        status: Some(status),
        message: scrub(message, secret),
    };
    (err, issues)
}

fn parse_order(v: &Value) -> Option<Order> {
    let pu = &v["purchase_units"][0];
    let currency = pu["amount"]["currency_code"].as_str().map(str::to_string);
    let amount_minor = match (pu["amount"]["value"].as_str(), currency.as_deref()) {
        (Some(val), Some(c)) => crate::money::from_decimal(val, c),
        _ => None,
    };
    let approve_url = v["links"].as_array().and_then(|links| {
        let find = |rel: &str| {
            links
                .iter()
                .find(|l| l["rel"] == rel)
                .and_then(|l| l["href"].as_str())
        };
        find("payer-action")
            .or_else(|| find("approve"))
            .map(str::to_string)
    });
    let captures = pu["payments"]["captures"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let currency = c["amount"]["currency_code"].as_str()?;
            Some(Capture {
                id: c["id"].as_str()?.to_string(),
                status: c["status"].as_str()?.to_string(),
                amount_minor: crate::money::from_decimal(c["amount"]["value"].as_str()?, currency)?,
                currency: currency.to_string(),
            })
        })
        .collect();
    Some(Order {
        id: v["id"].as_str()?.to_string(),
        status: v["status"].as_str()?.to_string(),
        approve_url,
        custom_id: pu["custom_id"].as_str().map(str::to_string),
        amount_minor,
        currency,
        captures,
    })
}

/// The transmission headers of a webhook delivery.
#[derive(Debug, Clone)]
pub struct Transmission<'a> {
    pub id: &'a str,
    pub time: &'a str,
    pub sig: &'a str,
    pub cert_url: &'a str,
    pub auth_algo: &'a str,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("the certificate URL is not one of PayPal's")]
    CertUrlNotAllowed,
    #[error("the certificate could not be fetched or read: {0}")]
    Cert(String),
    #[error("the signature does not match")]
    Mismatch,
    #[error("unsupported algorithm {0}")]
    Algorithm(String),
}

/// Verifies webhook signatures offline: RSA PKCS#1 v1.5 SHA-256 over
/// `"{transmission id}|{time}|{webhook id}|{crc32(body)}"`, with the certificate fetched
/// (once per URL, cached) only from an allowed prefix.
#[derive(Debug, Clone)]
pub struct WebhookVerifier {
    http: reqwest::Client,
    allowed_prefixes: Vec<String>,
    certs: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>>,
}

impl WebhookVerifier {
    /// `allowed_prefixes`: `CERT_URL_PREFIXES`, plus a simulator's base in tests.
    pub fn new(http: reqwest::Client, allowed_prefixes: Vec<String>) -> WebhookVerifier {
        WebhookVerifier {
            http,
            allowed_prefixes,
            certs: Default::default(),
        }
    }

    pub async fn verify(
        &self,
        t: &Transmission<'_>,
        webhook_id: &str,
        body: &[u8],
    ) -> Result<(), VerifyError> {
        if !self.allowed(t.cert_url) {
            return Err(VerifyError::CertUrlNotAllowed);
        }
        if t.auth_algo != "SHA256withRSA" {
            return Err(VerifyError::Algorithm(
                t.auth_algo.chars().take(40).collect(),
            ));
        }
        let der = self.cert_der(t.cert_url).await?;
        let der = rustls_pki_types::CertificateDer::from(der);
        let cert =
            webpki::EndEntityCert::try_from(&der).map_err(|e| VerifyError::Cert(e.to_string()))?;
        // Not chained to a root: what vouches for the key is the HTTPS origin it was fetched
        // from (the allow-list). The validity period still holds it to its dates.
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        valid_at(&der, now)?;
        let sig = base64::engine::general_purpose::STANDARD
            .decode(t.sig.trim())
            .map_err(|_| VerifyError::Mismatch)?;
        let msg = format!("{}|{}|{webhook_id}|{}", t.id, t.time, crc32fast::hash(body));
        cert.verify_signature(
            webpki::aws_lc_rs::RSA_PKCS1_2048_8192_SHA256,
            msg.as_bytes(),
            &sig,
        )
        .map_err(|e| match e {
            webpki::Error::InvalidSignatureForPublicKey => VerifyError::Mismatch,
            other => VerifyError::Cert(format!("{other:?}")),
        })
    }

    /// The URL must be exactly as a URL parser writes it (no `..`, no odd case or escapes
    /// that a server might read differently), without user info, and start with one of the
    /// prefixes, each taken to end with `/` so that a host name cannot be extended
    /// (`https://api.paypal.com.evil.example/`).
    fn allowed(&self, cert_url: &str) -> bool {
        let Ok(u) = url::Url::parse(cert_url) else {
            return false;
        };
        if u.as_str() != cert_url || !u.username().is_empty() || u.password().is_some() {
            return false;
        }
        self.allowed_prefixes.iter().any(|p| {
            if p.ends_with('/') {
                cert_url.starts_with(p.as_str())
            } else {
                cert_url.starts_with(&format!("{p}/"))
            }
        })
    }

    async fn cert_der(&self, cert_url: &str) -> Result<Vec<u8>, VerifyError> {
        if let Some(der) = self.cache().get(cert_url) {
            return Ok(der.clone());
        }
        let mut resp = self
            .http
            .get(cert_url)
            .timeout(CERT_TIMEOUT)
            .send()
            .await
            .map_err(|e| VerifyError::Cert(e.without_url().to_string()))?;
        // The caller's client may follow redirects: a certificate from off the allow-list is
        // not used, though the request has been made by then.
        if !self.allowed(resp.url().as_str()) {
            return Err(VerifyError::CertUrlNotAllowed);
        }
        if !resp.status().is_success() {
            return Err(VerifyError::Cert(format!("status {}", resp.status())));
        }
        let mut pem = Vec::new();
        while let Some(chunk) = resp
            .chunk()
            .await
            .map_err(|e| VerifyError::Cert(e.without_url().to_string()))?
        {
            if pem.len() + chunk.len() > MAX_CERT_BYTES {
                return Err(VerifyError::Cert("the certificate is too large".into()));
            }
            pem.extend_from_slice(&chunk);
        }
        use rustls_pki_types::pem::PemObject as _;
        let der = rustls_pki_types::CertificateDer::from_pem_slice(&pem)
            .map_err(|e| VerifyError::Cert(format!("not a PEM certificate: {e}")))?;
        let der = der.to_vec();
        let mut cache = self.cache();
        // Only fetched (allow-listed, well-formed) certificates get here, but a bound costs
        // nothing; PayPal rotates its certificate rarely.
        if cache.len() >= MAX_CACHED_CERTS {
            cache.clear();
        }
        cache.insert(cert_url.to_string(), der.clone());
        Ok(der)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, std::collections::HashMap<String, Vec<u8>>> {
        // A panic elsewhere while holding the lock leaves a usable map; keep using it.
        self.certs.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn valid_at(der: &[u8], now: i64) -> Result<(), VerifyError> {
    let (not_before, not_after) = crate::validity::validity(der)
        .ok_or_else(|| VerifyError::Cert("no readable validity period".into()))?;
    if now < not_before || now > not_after {
        return Err(VerifyError::Cert(format!(
            "the certificate is valid from {not_before} to {not_after} (Unix time), not at {now}"
        )));
    }
    Ok(())
}

const CERT_TIMEOUT: Duration = Duration::from_secs(10);
/// PayPal's PEM is about 2 KiB (certificate and chain under 8 KiB).
const MAX_CERT_BYTES: usize = 64 * 1024;
const MAX_CACHED_CERTS: usize = 16;

/// The envelope of a PayPal event.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Event {
    pub id: String,
    pub event_type: String,
    pub resource: serde_json::Value,
}

impl Event {
    /// The order an event is about: the resource's `id` for `CHECKOUT.ORDER.*`,
    /// `supplementary_data.related_ids.order_id` for `PAYMENT.CAPTURE.*`.
    pub fn order_id(&self) -> Option<String> {
        let id = if self.event_type.starts_with("CHECKOUT.ORDER.") {
            &self.resource["id"]
        } else if self.event_type.starts_with("PAYMENT.CAPTURE.") {
            &self.resource["supplementary_data"]["related_ids"]["order_id"]
        } else {
            return None;
        };
        id.as_str().map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier(prefixes: &[&str]) -> WebhookVerifier {
        WebhookVerifier::new(
            reqwest::Client::new(),
            prefixes.iter().map(|p| p.to_string()).collect(),
        )
    }

    #[test]
    fn cert_url_allow_list() {
        let v = verifier(CERT_URL_PREFIXES);
        for ok in [
            "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270",
            "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1",
        ] {
            assert!(v.allowed(ok), "{ok}");
        }
        for bad in [
            "https://api.paypal.com.evil.com/v1/notifications/certs/CERT-1",
            "https://api.paypal.com@evil.com/cert",
            "https://user@api.paypal.com/cert",
            "https://user:pw@api.paypal.com/cert",
            "http://api.paypal.com/cert",
            "https://API.PAYPAL.COM/cert",
            "https://api.paypal.com:443/cert",
            "https://api.paypal.com:8443/cert",
            "https://api.paypal.com/../evil",
            "https://api.paypal.com/a/%2e%2e/b",
            "https://api.paypal.com\\@evil.com/",
            " https://api.paypal.com/cert",
            "https://api.paypal.com",
            "https://evil.com/https://api.paypal.com/",
            "",
            "not a url",
        ] {
            assert!(!v.allowed(bad), "{bad}");
        }
        // A prefix given without its slash cannot be extended into another host name.
        let v = verifier(&["https://api.paypal.com"]);
        assert!(v.allowed("https://api.paypal.com/cert"));
        assert!(!v.allowed("https://api.paypal.com.evil.com/cert"));
    }

    #[test]
    fn certificate_dates() {
        use rustls_pki_types::pem::PemObject as _;
        let pem = include_bytes!("../../payments-sim/src/keys/paypal-sim.cert.pem");
        let der = rustls_pki_types::CertificateDer::from_pem_slice(pem).unwrap();
        let (nb, na) = (1_796_308_056, 4_949_908_056);
        assert!(valid_at(&der, nb).is_ok());
        assert!(valid_at(&der, na).is_ok());
        assert!(matches!(valid_at(&der, nb - 1), Err(VerifyError::Cert(_))));
        assert!(matches!(valid_at(&der, na + 1), Err(VerifyError::Cert(_))));
        assert!(matches!(valid_at(b"junk", nb), Err(VerifyError::Cert(_))));
    }

    #[test]
    fn order_id_of_events() {
        let ev = |t: &str, r: Value| Event {
            id: "WH-1".into(),
            event_type: t.into(),
            resource: r,
        };
        assert_eq!(
            ev("CHECKOUT.ORDER.APPROVED", json!({"id": "5O1"}))
                .order_id()
                .as_deref(),
            Some("5O1")
        );
        assert_eq!(
            ev(
                "PAYMENT.CAPTURE.COMPLETED",
                json!({"id": "CAP1", "supplementary_data": {"related_ids": {"order_id": "5O2"}}})
            )
            .order_id()
            .as_deref(),
            Some("5O2")
        );
        assert_eq!(
            ev("PAYMENT.CAPTURE.REFUNDED", json!({"id": "R1"})).order_id(),
            None
        );
        assert_eq!(
            ev("BILLING.SUBSCRIPTION.CREATED", json!({"id": "S1"})).order_id(),
            None
        );
    }

    #[test]
    fn error_bodies() {
        let (e, issues) = api_error(
            422,
            br#"{"name":"UNPROCESSABLE_ENTITY","message":"The requested action could not be performed.","details":[{"issue":"ORDER_NOT_APPROVED","description":"Payer has not yet approved the Order for payment."}]}"#,
            "s3cret-value",
        );
        assert_eq!(e.kind, crate::ErrorKind::Invalid);
        assert!(e.message.contains("ORDER_NOT_APPROVED"), "{}", e.message);
        assert_eq!(issues, ["ORDER_NOT_APPROVED"]);
        let (e, _) = api_error(
            401,
            br#"{"error":"invalid_client","error_description":"Client Authentication failed"}"#,
            "s3cret-value",
        );
        assert_eq!(e.kind, crate::ErrorKind::Auth);
        assert!(e.message.contains("invalid_client"));
        let (e, _) = api_error(503, b"<html>", "s3cret-value");
        assert_eq!(e.kind, crate::ErrorKind::Unavailable);
        assert_eq!(e.status, Some(503));
    }
}
