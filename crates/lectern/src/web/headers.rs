//! Security headers, set by one layer on every response the server sends (pages, static
//! assets, JSON, error pages, redirects, webhook answers, panics turned into 500s), and the
//! endpoint browsers report Content-Security-Policy violations to.
//!
//! - `Content-Security-Policy`: scripts only from our origin, no inline script, no `eval`;
//!   nothing may frame us (`frame-ancestors 'none'`); violations are reported to
//!   [`REPORT_PATH`]. Pages that embed the Zoom meeting (a live lesson's player, marked by
//!   [`ZoomMeeting`]) get the policy widened by exactly what Zoom's Meeting SDK needs
//!   (docs/zoom-web-sdk.md); every other page keeps the narrow one.
//! - `X-Frame-Options: DENY` for browsers that predate `frame-ancestors`.
//! - `X-Content-Type-Options: nosniff`.
//! - `Referrer-Policy: strict-origin-when-cross-origin`: other sites learn at most our
//!   origin, never a path; pages with a secret in their own URL keep their stricter
//!   `no-referrer`.
//! - `Strict-Transport-Security` when the base URL is https.
//! - `Cache-Control: no-store` on every response that does not choose its own caching (the
//!   static assets do): pages hold the viewer's data and CSRF token and must not be kept
//!   by a shared computer's browser or a proxy.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use url::Url;

use crate::config::Config;
use crate::ops::metrics::Metrics;

/// Where browsers send CSP violation reports (`report-uri`).
pub(crate) const REPORT_PATH: &str = "/csp-report";

/// Largest violation report we read; real ones are well under 4 KiB.
pub(crate) const REPORT_MAX_BODY: usize = 16 * 1024;

/// Marks a response whose page embeds the Zoom meeting (Zoom's Meeting SDK runs in it), so
/// that it gets the meeting's Content-Security-Policy instead of the narrow one. Set by
/// `Page::zoom_meeting`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ZoomMeeting;

/// Marks a response as an uploaded file (`files::serve`): it gets a policy under which
/// nothing in it runs, and only our own pages may frame it (the document viewer).
#[derive(Clone, Copy, Debug)]
pub struct ServedFile {
    /// PDFs are not sandboxed: Chromium refuses to show a PDF in a sandboxed document.
    pub sandbox: bool,
}

const FILE_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; media-src 'self'; frame-ancestors 'self'";
const FILE_CSP_SANDBOXED: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; media-src 'self'; frame-ancestors 'self'; sandbox";

/// The headers, built once at start-up from the configuration.
#[derive(Clone, Debug)]
pub struct SecurityHeaders {
    page_csp: HeaderValue,
    meeting_csp: HeaderValue,
    hsts: Option<HeaderValue>,
}

/// Video lessons embed these players (`courses::lessons::video_embed`).
const VIDEO_FRAMES: &str = "https://www.youtube-nocookie.com https://player.vimeo.com";

/// Where a buyer is sent to pay: Stripe's and PayPal's hosted pages, and the origins of
/// configured provider APIs that are not the providers' own (a simulator serves its pages
/// beside its API).
fn checkout_sources(config: &Config) -> Vec<String> {
    let mut v: Vec<String> = [
        "https://checkout.stripe.com",
        "https://www.paypal.com",
        "https://www.sandbox.paypal.com",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let p = &config.payments;
    for base in [
        &p.stripe_api_base,
        &p.paypal_live_base,
        &p.paypal_sandbox_base,
    ] {
        if let Some(o) = source(base, false)
            && !o.ends_with(".stripe.com")
            && !o.ends_with(".paypal.com")
            && !v.contains(&o)
        {
            v.push(o);
        }
    }
    v
}

fn frame_src(config: &Config) -> Vec<String> {
    let mut v = vec!["'self'".to_string(), VIDEO_FRAMES.to_string()];
    if let Some(o) = config.storage.download_origin() {
        v.push(o);
    }
    v
}

/// Zoom's web domain. The SDK also calls it whatever `webEndpoint` says (its whiteboard
/// and helper URLs are built on it), so it is allowed beside a configured endpoint.
const ZOOM_WEB_DOMAIN: &str = "zoom.us";

impl SecurityHeaders {
    pub fn new(config: &Config) -> SecurityHeaders {
        let page = Policy::page(config);
        let meeting = Policy::meeting(config);
        let hsts = (config.base_url.scheme() == "https")
            // No includeSubDomains: a school's custom domain is the school's, and its other
            // subdomains are not ours to force onto https.
            .then(|| HeaderValue::from_static("max-age=31536000"));
        SecurityHeaders {
            page_csp: page.header_value(),
            meeting_csp: meeting.header_value(),
            hsts,
        }
    }

    fn apply(&self, resp: &mut Response) {
        let meeting = resp.extensions().get::<ZoomMeeting>().is_some();
        let file = resp.extensions().get::<ServedFile>().copied();
        let h = resp.headers_mut();
        if let Some(f) = file {
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static(if f.sandbox {
                    FILE_CSP_SANDBOXED
                } else {
                    FILE_CSP
                }),
            );
            h.insert(
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("SAMEORIGIN"),
            );
        } else {
            let csp = if meeting {
                &self.meeting_csp
            } else {
                &self.page_csp
            };
            h.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
            h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        }
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        // A page with a secret in its URL (`Page::secret_in_url`: a reset link, the Zoom
        // callback) and an answer that carries one (Start's redirect, a calendar feed)
        // send no referrer at all; that choice stands.
        if !h.contains_key(header::REFERRER_POLICY) {
            h.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("strict-origin-when-cross-origin"),
            );
        }
        if let Some(hsts) = &self.hsts {
            h.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
        }
        if !h.contains_key(header::CACHE_CONTROL) {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
    }
}

/// The layer: outermost, so that every response passes through it.
pub async fn layer(
    State(headers): State<std::sync::Arc<SecurityHeaders>>,
    req: Request,
    next: Next,
) -> Response {
    let http1 = req.version() <= axum::http::Version::HTTP_11;
    let mut resp = next.run(req).await;
    headers.apply(&mut resp);
    // A body refused as too large is left unread on the connection, so the server closes
    // it; saying so keeps a client from reusing it for its next request and meeting a
    // broken pipe there. HTTP/2 has no such header (and no such problem).
    if http1 && resp.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        resp.headers_mut().insert(
            axum::http::header::CONNECTION,
            axum::http::HeaderValue::from_static("close"),
        );
    }
    resp
}

/// A policy as directives in order, each with its sources.
struct Policy(Vec<(&'static str, Vec<String>)>);

impl Policy {
    fn page(config: &Config) -> Policy {
        let mut form_action = vec!["'self'".to_string()];
        // "Connect Zoom" posts to us and we redirect to Zoom's consent page; browsers hold
        // a form's redirects to form-action too.
        if let Some(z) = &config.zoom
            && let Some(o) = source(&z.oauth_base, false)
        {
            form_action.push(o);
        }
        // "Buy" posts to us and we redirect to the provider's hosted checkout.
        for o in checkout_sources(config) {
            if !form_action.contains(&o) {
                form_action.push(o);
            }
        }
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Policy(vec![
            ("default-src", s(&["'self'"])),
            ("script-src", s(&["'self'"])),
            // The school's brand colour is an inline <style>; templates use a few style
            // attributes. Styles cannot run script; the script policy is what guards.
            ("style-src", s(&["'self'", "'unsafe-inline'"])),
            // Logos, covers and images in lessons may be anywhere on the web (the school's
            // choice), as may video files.
            ("img-src", s(&["'self'", "data:", "https:", "http:"])),
            ("media-src", s(&["'self'", "https:", "http:"])),
            // The document viewer frames our own PDFs, or (S3) their presigned URLs.
            ("frame-src", frame_src(config)),
            ("object-src", s(&["'none'"])),
            ("base-uri", s(&["'none'"])),
            ("form-action", form_action),
            ("frame-ancestors", s(&["'none'"])),
            ("report-uri", s(&[REPORT_PATH])),
        ])
    }

    /// The page policy plus what Zoom's Meeting SDK needs (docs/zoom-web-sdk.md, "Content
    /// Security Policy"): its scripts and files from the SDK's base URL, workers and
    /// worklets it builds from blobs (which inherit this policy, so WebAssembly in them
    /// needs 'wasm-unsafe-eval'), and https/wss to Zoom's web domain.
    fn meeting(config: &Config) -> Policy {
        let mut p = Policy::page(config);
        let Some(z) = &config.zoom else {
            return p;
        };
        let sdk = source(&z.sdk_url, true);
        let zoom = zoom_domains(z.sdk_web_endpoint.as_deref());
        let mut add = |directive: &'static str, extra: &[&str]| {
            let sources = p.directive(directive);
            sources.extend(extra.iter().map(|s| s.to_string()));
            sources.extend(sdk.clone());
        };
        add("script-src", &["blob:", "'wasm-unsafe-eval'"]);
        add("worker-src", &["'self'", "blob:"]);
        add("img-src", &["blob:"]);
        add("media-src", &["blob:"]);
        add("font-src", &["'self'", "data:"]);
        let connect = p.directive("connect-src");
        connect.push("'self'".into());
        connect.extend(sdk);
        connect.extend(zoom.iter().cloned());
        connect.extend(zoom.iter().map(|s| s.replacen("https://", "wss://", 1)));
        p.directive("frame-src").extend(zoom);
        p
    }

    /// The sources of `name`, added (empty) before `object-src` if missing.
    fn directive(&mut self, name: &'static str) -> &mut Vec<String> {
        let i = match self.0.iter().position(|(n, _)| *n == name) {
            Some(i) => i,
            None => {
                let at = self
                    .0
                    .iter()
                    .position(|(n, _)| *n == "object-src")
                    .unwrap_or(self.0.len());
                self.0.insert(at, (name, Vec::new()));
                at
            }
        };
        &mut self.0[i].1
    }

    fn header_value(&self) -> HeaderValue {
        let text = self
            .0
            .iter()
            .map(|(name, sources)| {
                let mut seen: Vec<&str> = Vec::new();
                for s in sources {
                    if !seen.contains(&s.as_str()) {
                        seen.push(s);
                    }
                }
                format!("{name} {}", seen.join(" "))
            })
            .collect::<Vec<_>>()
            .join("; ");
        // Every source is checked by `source` or is a constant: always a valid value.
        HeaderValue::from_str(&text).expect("a CSP header value")
    }
}

/// `https://D` and `https://*.D` for Zoom's web domain and for the configured endpoint's
/// (`www.zoomgov.com` → `zoomgov.com`): the SDK talks to the endpoint and, once in a
/// meeting, to its servers under the same domain (Zoom's own CSP guidance lists
/// `https://*.zoom.us wss://*.zoom.us`).
fn zoom_domains(endpoint: Option<&str>) -> Vec<String> {
    let mut domains = vec![ZOOM_WEB_DOMAIN.to_string()];
    if let Some(e) = endpoint {
        let d = e.trim_start_matches("www.").to_ascii_lowercase();
        if !domains.contains(&d) {
            domains.push(d);
        }
    }
    domains
        .iter()
        .flat_map(|d| [format!("https://{d}"), format!("https://*.{d}")])
        .collect()
}

/// A CSP source for a configured URL: its origin, or (with `with_path`) the URL as a path
/// prefix (`https://cdn.example/zoom/`), which CSP matches by prefix. `None` for anything
/// that is not plain http(s).
fn source(url: &str, with_path: bool) -> Option<String> {
    let u = Url::parse(url).ok()?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return None;
    }
    let origin = u.origin().ascii_serialization();
    if !with_path {
        return Some(origin);
    }
    let path = u.path().trim_end_matches('/');
    // A path with characters that end a source (`;` `,` space, quotes) would break the
    // policy: the origin alone is allowed then.
    if path
        .bytes()
        .any(|b| matches!(b, b';' | b',' | b'\'' | b'"') || b.is_ascii_whitespace())
    {
        return Some(origin);
    }
    Some(format!("{origin}{path}/"))
}

// ---- violation reports ----

/// The report a browser posts (`application/csp-report`, CSP level 2/3).
#[derive(serde::Deserialize)]
struct ReportEnvelope {
    #[serde(rename = "csp-report")]
    report: Report,
}

#[derive(serde::Deserialize, Default)]
#[serde(default, rename_all = "kebab-case")]
struct Report {
    document_uri: String,
    violated_directive: String,
    effective_directive: String,
    blocked_uri: String,
    source_file: String,
    line_number: Option<u64>,
    disposition: String,
}

/// Directives a report may name; anything else is counted as `other` (the label set stays
/// bounded whatever a client posts).
const DIRECTIVES: &[&str] = &[
    "default-src",
    "script-src",
    "script-src-elem",
    "script-src-attr",
    "style-src",
    "style-src-elem",
    "style-src-attr",
    "img-src",
    "font-src",
    "connect-src",
    "media-src",
    "object-src",
    "frame-src",
    "child-src",
    "worker-src",
    "manifest-src",
    "form-action",
    "frame-ancestors",
    "base-uri",
];

/// At most this many reports are logged per minute; the counter counts them all.
const LOGGED_PER_MINUTE: u32 = 30;

static LOG_WINDOW: Mutex<Option<(Instant, u32)>> = Mutex::new(None);

/// True if this report may be logged now (a flood of reports does not flood the log).
fn may_log() -> bool {
    let mut w = LOG_WINDOW.lock().unwrap_or_else(|e| e.into_inner());
    let now = Instant::now();
    match &mut *w {
        Some((start, n)) if now.duration_since(*start) < Duration::from_secs(60) => {
            *n += 1;
            *n <= LOGGED_PER_MINUTE
        }
        _ => {
            *w = Some((now, 1));
            true
        }
    }
}

/// `POST /csp-report`: counted in `lectern_csp_violations_total{directive}` and logged
/// (rate-limited). Browsers send no CSRF token, so this route is outside the page layer;
/// it changes nothing but a counter.
pub async fn report(
    State(metrics): State<std::sync::Arc<Metrics>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let is_json = content_type.starts_with("application/csp-report")
        || content_type.starts_with("application/json");
    let parsed = is_json
        .then(|| serde_json::from_slice::<ReportEnvelope>(&body).ok())
        .flatten();
    let Some(ReportEnvelope { report: r }) = parsed else {
        return (
            StatusCode::BAD_REQUEST,
            "expected a CSP violation report (application/csp-report)",
        )
            .into_response();
    };
    let directive = if r.effective_directive.is_empty() {
        r.violated_directive.split_whitespace().next().unwrap_or("")
    } else {
        r.effective_directive.as_str()
    };
    let directive = DIRECTIVES
        .iter()
        .find(|d| **d == directive)
        .copied()
        .unwrap_or("other");
    metrics.csp_violation(directive);
    if may_log() {
        tracing::warn!(
            directive,
            blocked = ?loggable_url(&r.blocked_uri),
            page = ?loggable_url(&r.document_uri),
            source = ?loggable_url(&r.source_file),
            line = r.line_number,
            disposition = ?short(&r.disposition),
            "the browser reported a Content-Security-Policy violation"
        );
    }
    StatusCode::NO_CONTENT.into_response()
}

/// A URL as it may be logged: no query or fragment, secret path segments masked, short.
/// Keywords (`inline`, `eval`) and schemes (`blob`, `data`) stay as they are.
fn loggable_url(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(u) if u.host_str().is_some() => short(&format!(
            "{}{}",
            u.origin().ascii_serialization(),
            super::paths::loggable_path(u.path())
        )),
        Ok(u) => u.scheme().to_string(),
        Err(_) => short(raw),
    }
}

fn short(s: &str) -> String {
    s.chars().take(200).collect()
}

/// The route, with a body limit of its own.
pub fn routes() -> axum::Router<std::sync::Arc<Metrics>> {
    axum::Router::new().route(
        REPORT_PATH,
        axum::routing::post(report).layer(axum::extract::DefaultBodyLimit::max(REPORT_MAX_BODY)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_keep_a_path_prefix_and_refuse_what_would_break_the_policy() {
        assert_eq!(
            source("https://source.zoom.us", true).as_deref(),
            Some("https://source.zoom.us/")
        );
        assert_eq!(
            source("http://127.0.0.1:9/_sim/sdk", true).as_deref(),
            Some("http://127.0.0.1:9/_sim/sdk/")
        );
        assert_eq!(
            source("https://cdn.example/a;b", true).as_deref(),
            Some("https://cdn.example")
        );
        assert_eq!(
            source("https://zoom.us/oauth", false).as_deref(),
            Some("https://zoom.us")
        );
        assert_eq!(source("javascript:alert(1)", false), None);
    }

    #[test]
    fn zoom_domains_cover_the_endpoint_and_its_subdomains() {
        assert_eq!(
            zoom_domains(None),
            vec!["https://zoom.us", "https://*.zoom.us"]
        );
        assert_eq!(
            zoom_domains(Some("www.zoomgov.com")),
            vec![
                "https://zoom.us",
                "https://*.zoom.us",
                "https://zoomgov.com",
                "https://*.zoomgov.com"
            ]
        );
    }

    #[test]
    fn logged_urls_lose_queries_and_secrets() {
        assert_eq!(
            loggable_url("https://school.example/password/reset/s3cret?x=1#y"),
            "https://school.example/password/reset/<redacted>"
        );
        assert_eq!(loggable_url("inline"), "inline");
        assert_eq!(loggable_url("blob:https://a.example/uuid"), "blob");
    }
}
