//! Form input. Form structs use `#[serde(default)]` string fields so that any body parses;
//! validation then fills [`FieldErrors`] and the form is shown again with what was typed.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::error::AppError;

/// Like `axum::Form`, but a body that cannot be parsed is a 400 page, and the CSRF field
/// is ignored.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(req.into_body(), super::context::MAX_BODY)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|e| AppError::BadRequest(format!("malformed form: {e}")))
    }
}

/// Field name → translated message.
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(pub BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: String) {
        self.0.entry(field).or_insert(message);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The message for `field`, or "" (templates show it only when non-empty).
    pub fn get(&self, field: &str) -> String {
        self.0.get(field).cloned().unwrap_or_default()
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
}
