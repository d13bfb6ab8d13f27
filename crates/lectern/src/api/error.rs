//! The one error body of `/api/v1`: `{"error": {"code", "message", "fields"}}`, with the
//! status that goes with each code. Internal causes are logged, never sent.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, machine-readable: `unauthorized`, `forbidden`, `insufficient_scope`,
    /// `not_found`, `method_not_allowed`, `bad_request`, `invalid`, `conflict`,
    /// `rate_limited`, `unavailable`, `internal`.
    pub code: String,
    /// For people; may change.
    pub message: String,
    /// With `invalid`: the request field (body or query) and what is wrong with it.
    pub fields: BTreeMap<String, String>,
}

/// The answers any operation may give, documented once for all (`responses(Common, …)`
/// in each `#[utoipa::path]`): the token layer's 401 and 429. Only the document uses these
/// types; the answers themselves are [`ApiError`]s.
#[derive(utoipa::IntoResponses)]
pub enum Common {
    /// Missing, invalid, revoked or expired token
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// Rate limited
    #[response(status = 429)]
    RateLimited(ErrorBody),
}

/// The answers of an operation that reads a JSON body ([`super::ApiJson`]).
#[derive(utoipa::IntoResponses)]
pub enum JsonBody {
    /// Not JSON
    #[response(status = 400)]
    NotJson(ErrorBody),
    /// The body is over 64 KiB
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// Not sent as application/json
    #[response(status = 415)]
    NotJsonType(ErrorBody),
}

/// The answer of a create that takes an `Idempotency-Key` ([`super::idempotency`]).
#[derive(utoipa::IntoResponses)]
pub enum Idempotent {
    /// The same Idempotency-Key is being processed
    #[response(status = 409)]
    InProgress(ErrorBody),
}

/// The answer of a listing to a bad query parameter ([`super::ApiQuery`]).
#[derive(utoipa::IntoResponses)]
pub enum BadQuery {
    /// A bad parameter
    #[response(status = 422)]
    Invalid(ErrorBody),
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub fields: BTreeMap<String, String>,
    pub retry_after: Option<u64>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            fields: BTreeMap::new(),
            retry_after: None,
        }
    }
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    /// The token lacks `scope`; the message names it.
    pub fn scope(scope: &str) -> ApiError {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!("this token lacks the scope {scope}"),
        )
    }
    /// The token's user may not do this (their role in the school).
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn not_found(what: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no such {what}"),
        )
    }
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }
    /// 422 with one field's error.
    pub fn field(name: &str, message: impl Into<String>) -> ApiError {
        let message = message.into();
        let mut e = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("{name}: {message}"),
        );
        e.fields.insert(name.to_string(), message);
        e
    }
    /// 422 with every field's error (a form checked as a whole); `None` when there is none.
    pub fn fields(errors: BTreeMap<String, String>) -> Option<ApiError> {
        let message = errors
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("; ");
        if errors.is_empty() {
            return None;
        }
        let mut e = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message);
        e.fields = errors;
        Some(e)
    }
    pub fn rate_limited(retry_after: u64) -> ApiError {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many requests with this token; retry after the time in Retry-After",
        );
        e.retry_after = Some(retry_after.max(1));
        e
    }
    pub fn internal(cause: impl std::fmt::Display) -> ApiError {
        tracing::error!(error = %cause, "internal error in /api/v1");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }
    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
                fields: self.fields.clone(),
            },
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if crate::db::health::is_unstorable_text(&e) {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "the request contains a character that cannot be stored (such as a NUL byte)",
            );
        }
        if crate::db::health::is_unwritable(&e) {
            // The operator's to fix (space, permissions), and the client may retry later.
            tracing::error!(error = %e, "the database cannot be written: disk full or read-only");
            let mut err = ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the database cannot be written right now (disk full or read-only); nothing was changed",
            );
            err.retry_after = Some(30);
            return err;
        }
        ApiError::internal(e)
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        ApiError::internal(format!("{e:#}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = (self.status, axum::Json(self.body())).into_response();
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.code == "unavailable" {
            // The database guard records it: `/readyz` turns false until a write works.
            resp.extensions_mut()
                .insert(crate::web::error::DbUnwritable);
        }
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"lectern\""),
            );
        }
        resp
    }
}

/// Answers for routes that don't exist under `/api/v1` and methods a route doesn't take.
pub async fn no_route() -> ApiError {
    ApiError::not_found("route")
}

pub async fn no_method() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take this method",
    )
}
