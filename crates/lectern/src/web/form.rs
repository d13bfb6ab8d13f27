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
        // No text we keep may hold a control character: PostgreSQL refuses a NUL outright
        // (which made an anonymous sign-in a 500), and the others only hide text.
        let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
            .map_err(|e| AppError::BadRequest(format!("malformed form: {e}")))?;
        if let Some((name, _)) = fields.iter().find(|(_, v)| has_control_char(v)) {
            return Err(AppError::BadRequest(format!(
                "The field “{name}” contains a control character (such as a NUL byte). \
                 Remove it and send the form again."
            )));
        }
        serde_urlencoded::from_bytes(&bytes)
            .map(Form)
            .map_err(|e| AppError::BadRequest(format!("malformed form: {e}")))
    }
}

/// A character no form field may carry: C0 controls other than tab and line breaks, DEL,
/// and C1 controls.
fn has_control_char(v: &str) -> bool {
    v.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_found_and_ordinary_text_passes() {
        for bad in ["a\0b", "\u{1b}[31m", "x\u{7f}", "\u{85}"] {
            assert!(super::has_control_char(bad), "{bad:?}");
        }
        for ok in ["Zoë 👩‍🏫", "line\r\nnext\tcol", ""] {
            assert!(!super::has_control_char(ok), "{ok:?}");
        }
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
