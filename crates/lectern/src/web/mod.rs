//! The HTTP edge shared by every capability: context, errors, forms, rendering, assets.

pub mod assets;
pub mod client_ip;
pub mod context;
pub mod error;
pub mod form;
pub mod headers;
pub mod paths;
pub mod time;

pub use client_ip::ClientIp;
pub use context::Ctx;
pub use error::{AppError, AppResult};
pub use form::{FieldCheckedForm, FieldErrors, Form, check_text, limits};

use std::sync::Arc;

use axum::response::Html;

use crate::config::Config;
use crate::db::Db;

/// The state of routes that need only the database and the configuration.
#[derive(Clone)]
pub struct CoreState {
    pub db: Db,
    pub config: Arc<Config>,
}

/// Renders an askama template into an HTML response.
pub fn render<T: askama::Template>(t: &T) -> AppResult<Html<String>> {
    Ok(Html(t.render()?))
}
