//! The HTTP edge shared by every capability: context, errors, forms, the render point for
//! pages (`page`), security headers, assets.

pub mod assets;
pub mod client_ip;
pub mod context;
pub mod db_guard;
pub mod error;
pub mod form;
pub mod handover;
pub mod headers;
pub mod page;
pub mod paths;
pub mod shed;
pub mod time;

use std::sync::Arc;

pub use client_ip::ClientIp;
pub use context::Ctx;
pub use error::{AppError, AppResult};
pub use form::{FieldCheckedForm, FieldErrors, Form, check_text, limits};
pub use page::{Page, render};

use crate::config::Config;
use crate::db::Db;

/// The state of routes that need only the database and the configuration.
#[derive(Clone)]
pub struct CoreState {
    pub db: Db,
    pub config: Arc<Config>,
}
