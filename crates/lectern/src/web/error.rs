//! The one error type at the HTTP edge. Handlers return `Result<_, AppError>`; the
//! response carries a [`ErrorPage`] marker that the page layer turns into a branded,
//! translated page (HTML) or a JSON body (for `/api/` and JSON clients).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("sign-in required")]
    SignInRequired,
    #[error("CSRF check failed")]
    Csrf,
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Zoom (or another service we depend on) failed; the message says what to do.
    #[error("upstream failed: {0}")]
    Upstream(String),
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    #[error("payload too large")]
    PayloadTooLarge,
    /// The client did not send the body within `LECTERN_READ_TIMEOUT_SECS`.
    #[error("request body too slow")]
    RequestTimeout,
    /// An upload over its limit or the school's quota; the message says which, in words.
    #[error("too large: {0}")]
    TooLarge(String),
    /// An upload of a type not accepted there; the message says what is.
    #[error("unsupported type: {0}")]
    Unsupported(String),
    /// A service we depend on (file storage) is down; the message says to try again.
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(e.into())
    }
}

/// What the page layer needs to render an error: status and a catalogue key, never the
/// internal cause.
#[derive(Clone, Debug)]
pub(crate) struct ErrorPage {
    pub status: StatusCode,
    pub message_key: &'static str,
    pub detail: Option<String>,
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::SignInRequired => StatusCode::UNAUTHORIZED,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Upstream(_) => StatusCode::BAD_GATEWAY,
            AppError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge | AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            AppError::Unsupported(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn message_key(&self) -> &'static str {
        match self {
            AppError::NotFound => "error-not-found",
            AppError::Forbidden => "error-forbidden",
            AppError::SignInRequired => "error-sign-in-required",
            AppError::Csrf => "error-csrf",
            AppError::BadRequest(_) => "error-bad-request",
            AppError::Upstream(_) => "error-upstream",
            AppError::RateLimited { .. } => "error-rate-limited",
            AppError::PayloadTooLarge | AppError::TooLarge(_) => "error-too-large",
            AppError::RequestTimeout => "error-request-timeout",
            AppError::Unsupported(_) => "error-unsupported-type",
            AppError::Unavailable(_) => "error-unavailable",
            AppError::Internal(_) => "error-internal",
        }
    }
}

/// Marks a response whose request met a lost database connection (see
/// `db::health`): the database guard then probes, and retries a safe request once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DbConnectionLost;

/// Marks a response whose request could not write to the database at all (disk full,
/// read-only): the database guard records it, so `/readyz` turns false.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DbUnwritable;

/// What a visitor reads when their input holds what the database cannot store.
pub(crate) const UNSTORABLE_TEXT: &str =
    "The request contains a character that cannot be stored (such as a NUL byte).";

/// What a visitor reads when the database cannot take a write.
pub(crate) const DB_UNWRITABLE: &str = "This change could not be saved: the server's database cannot be written right now (its disk is full or it is read-only). Nothing was changed. The operator has been told; please try again later.";

/// What a visitor reads while the database is unreachable.
pub(crate) const DB_UNAVAILABLE: &str =
    "The database is not reachable right now. Please try again in a moment.";

fn lost_connection(cause: &anyhow::Error) -> bool {
    cause.chain().any(|e| {
        e.downcast_ref::<sqlx::Error>()
            .is_some_and(crate::db::health::is_connection_loss)
    })
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self
            && lost_connection(cause)
        {
            // Not a bug of ours: the database went away. A clear 503 the visitor can
            // retry, marked for the guard; logged as a warning, without the statement.
            tracing::warn!(error = %cause, "a request lost its database connection");
            let mut resp = AppError::Unavailable(DB_UNAVAILABLE.into()).into_response();
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(2));
            resp.extensions_mut().insert(DbConnectionLost);
            return resp;
        }
        if let AppError::Internal(cause) = &self
            && cause.chain().any(|e| {
                e.downcast_ref::<sqlx::Error>()
                    .is_some_and(crate::db::health::is_unwritable)
            })
        {
            // The operator's to fix (free space, permissions), not a bug: said once per
            // request in the log, and to the visitor in words.
            tracing::error!(error = %cause, "the database cannot be written: disk full or read-only");
            let mut resp = AppError::Unavailable(DB_UNWRITABLE.into()).into_response();
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(30));
            resp.extensions_mut().insert(DbUnwritable);
            return resp;
        }
        if let AppError::Internal(cause) = &self
            && cause.chain().any(|e| {
                e.downcast_ref::<sqlx::Error>()
                    .is_some_and(crate::db::health::is_unstorable_text)
            })
        {
            return AppError::BadRequest(UNSTORABLE_TEXT.into()).into_response();
        }
        if let AppError::Internal(cause) = &self {
            // Logged once, here; the page itself reveals nothing.
            tracing::error!(error = %format!("{cause:#}"), "internal error");
        }
        let status = self.status();
        let detail = match &self {
            AppError::BadRequest(m)
            | AppError::Upstream(m)
            | AppError::TooLarge(m)
            | AppError::Unsupported(m)
            | AppError::Unavailable(m) => Some(m.clone()),
            _ => None,
        };
        let mut resp = (status, "").into_response();
        if let AppError::RateLimited { retry_after_secs } = self {
            resp.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(retry_after_secs.max(1)),
            );
        }
        resp.extensions_mut().insert(ErrorPage {
            status,
            message_key: self.message_key(),
            detail,
        });
        resp
    }
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// What reading a request's body failed on, as the client's error: over the limit
    /// (413), too slow (408, the deadline of `app::router`), or anything else the client
    /// did, such as a connection closed mid-body or broken chunked encoding (400).
    pub fn from_body_error(e: &axum::Error) -> AppError {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
        while let Some(c) = cause {
            if c.is::<http_body_util::LengthLimitError>() {
                return AppError::PayloadTooLarge;
            }
            if c.is::<tower_http::timeout::TimeoutError>() {
                return AppError::RequestTimeout;
            }
            cause = c.source();
        }
        AppError::BadRequest("the request body could not be read".into())
    }
}
