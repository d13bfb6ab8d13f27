//! Zoom's error bodies: `{"code": <int>, "message": "..."}` (+ `errors` for validation).

use axum::Json;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A REST error as Zoom sends it.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: i64,
    pub message: String,
    pub errors: Vec<(String, String)>,
    pub headers: Vec<(&'static str, String)>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: u16, code: i64, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            code,
            message: message.into(),
            errors: vec![],
            headers: vec![],
        }
    }

    pub fn invalid_token() -> Self {
        Self::new(401, 124, "Invalid access token.")
    }

    pub fn expired_token() -> Self {
        Self::new(401, 124, "Access token is expired.")
    }

    pub fn missing_scopes(scopes: &[&str]) -> Self {
        Self::new(
            400,
            4711,
            format!(
                "Invalid access token, does not contain scopes:[{}].",
                scopes.join(", ")
            ),
        )
    }

    pub fn user_not_found(id: &str) -> Self {
        Self::new(404, 1001, format!("User does not exist: {id}."))
    }

    pub fn meeting_not_found(id: &str) -> Self {
        Self::new(404, 3001, format!("Meeting does not exist: {id}."))
    }

    pub fn webinar_not_found(id: &str) -> Self {
        Self::new(404, 3001, format!("Webinar does not exist: {id}."))
    }

    pub fn no_permission() -> Self {
        Self::new(400, 200, "No permission.")
    }

    pub fn webinar_plan_missing() -> Self {
        Self::new(
            400,
            200,
            "Webinar plan is missing. You must subscribe to the webinar plan and enable webinar for this user in order to perform this action.",
        )
    }

    pub fn paid_only() -> Self {
        Self::new(400, 200, "Only available for paid account.")
    }

    /// An alternative host (or another user named in a request) outside the caller's account.
    pub fn not_in_account(who: &str) -> Self {
        Self::new(
            400,
            1010,
            format!("User does not belong to this account: {who}."),
        )
    }

    pub fn cannot_host() -> Self {
        Self::new(
            400,
            3161,
            "Your user account is not allowed meeting hosting and scheduling capabilities.",
        )
    }

    pub fn validation(errors: Vec<(String, String)>) -> Self {
        let mut e = Self::new(400, 300, "Validation Failed.");
        e.errors = errors;
        e
    }

    pub fn invalid_param(msg: impl Into<String>) -> Self {
        Self::new(400, 300, msg)
    }

    pub fn no_recording() -> Self {
        Self::new(404, 3301, "There is no recording for this meeting.")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"code": self.code, "message": self.message});
        if !self.errors.is_empty() {
            body["errors"] = self
                .errors
                .iter()
                .map(|(f, m)| json!({"field": f, "message": m}))
                .collect();
        }
        let mut resp = (self.status, Json(body)).into_response();
        let h = resp.headers_mut();
        h.insert(
            "x-zm-trackingid",
            HeaderValue::from_static("v=2.0;clid=sim;rid=WEB_sim"),
        );
        for (k, v) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&v) {
                h.insert(k, v);
            }
        }
        resp
    }
}

/// Per-second limit exceeded (account, category).
pub fn qps_error(category: &str, limit: u32) -> ApiError {
    let mut e = ApiError::new(
        429,
        429,
        "You have reached the maximum per-second rate limit for this API. Try again later.",
    );
    e.headers = vec![
        ("x-ratelimit-category", category.to_string()),
        ("x-ratelimit-type", "QPS".to_string()),
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", "0".to_string()),
        ("retry-after", "1".to_string()),
    ];
    e
}

pub fn qps_limited(category: &str, limit: u32) -> Response {
    qps_error(category, limit).into_response()
}

/// Per-host daily meeting/webinar create+update limit exceeded.
pub fn daily_error(limit: u32, retry_at: jiff::Timestamp) -> ApiError {
    let mut e = ApiError::new(
        429,
        429,
        format!(
            "You have exceeded the daily rate limit ({limit}) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."
        ),
    );
    e.headers = vec![
        ("x-ratelimit-category", "Light".to_string()),
        ("x-ratelimit-type", "Daily-limit".to_string()),
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", "0".to_string()),
        ("retry-after", crate::clock::zoom_time(retry_at)),
    ];
    e
}

/// Unknown route (e.g. a UUID with a raw `/`): Zoom answers 404 with a JSON body.
pub async fn not_found_fallback(uri: axum::http::Uri) -> Response {
    let mut h = HeaderMap::new();
    h.insert("content-type", HeaderValue::from_static("application/json"));
    (
        StatusCode::NOT_FOUND,
        h,
        json!({"code": 404, "message": format!("Not Found: {}", uri.path())}).to_string(),
    )
        .into_response()
}
