//! The HTTP edge shared by every capability: context, errors, forms, rendering, assets.

pub mod assets;
pub mod client_ip;
pub mod context;
pub mod error;
pub mod form;
pub mod headers;
pub mod time;

pub use client_ip::ClientIp;
pub use context::Ctx;
pub use error::{AppError, AppResult};
pub use form::{FieldCheckedForm, FieldErrors, Form, check_text, limits};

use axum::response::Html;

/// Renders an askama template into an HTML response.
pub fn render<T: askama::Template>(t: &T) -> AppResult<Html<String>> {
    Ok(Html(t.render()?))
}
