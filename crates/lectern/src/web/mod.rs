//! The HTTP edge shared by every capability: context, errors, forms, the render point for
//! pages (`page`), security headers, assets.

pub mod assets;
pub mod client_ip;
pub mod context;
pub mod error;
pub mod form;
pub mod headers;
pub mod page;
pub mod time;

pub use client_ip::ClientIp;
pub use context::Ctx;
pub use error::{AppError, AppResult};
pub use form::{FieldCheckedForm, FieldErrors, Form, check_text, limits};
pub use page::{Page, render};
