//! Form input. Form structs use `#[serde(default)]` string fields so that any body parses;
//! validation then fills [`FieldErrors`] and the form is shown again with what was typed.
//! Free text is checked in one place, [`check_text`]: no control characters, and at most
//! the field's [`limits`] in characters.

use std::collections::BTreeMap;

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use super::error::AppError;
use crate::i18n::Tr;

/// Like `axum::Form`, but a body that cannot be parsed is a 400 page, and the CSRF field
/// is ignored. A field with a control character is a 400 page naming the field.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Form<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let bytes = body(req).await?;
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
        parse(&bytes).map(Form)
    }
}

/// A form that people type into, whose handler checks every field itself (free text with
/// [`check_text`], choices against their options) and shows the form again with a field
/// error and what was typed: control characters are not refused up front as by [`Form`].
pub struct FieldCheckedForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for FieldCheckedForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        parse(&body(req).await?).map(FieldCheckedForm)
    }
}

async fn body(req: Request) -> Result<axum::body::Bytes, AppError> {
    axum::body::to_bytes(req.into_body(), super::context::MAX_BODY)
        .await
        .map_err(|e| AppError::from_body_error(&e))
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    serde_urlencoded::from_bytes(bytes)
        .map_err(|e| AppError::BadRequest(format!("malformed form: {e}")))
}

/// Longest free text per kind of field, in characters (what people count, not bytes).
pub mod limits {
    /// A person's display name.
    pub const NAME: usize = 100;
    /// Course and lesson titles.
    pub const TITLE: usize = 200;
    /// A link (cover image, video, external page).
    pub const URL: usize = 2_000;
    /// A course description.
    pub const DESCRIPTION: usize = 20_000;
    /// A lesson's Markdown body, a quiz's text.
    pub const BODY: usize = 100_000;
    /// Passwords are hashed, never stored; the limit keeps hashing cheap.
    pub const PASSWORD: usize = 1_000;
}

/// Checks one field of free text: no control character (tab and line breaks are fine) and
/// at most `max` characters. Adds the field's error and returns `false` when it fails.
pub fn check_text(
    errors: &mut FieldErrors,
    tr: &Tr,
    field: &'static str,
    value: &str,
    max: usize,
) -> bool {
    match text_problem(tr, value, max) {
        Some(message) => {
            errors.add(field, message);
            false
        }
        None => true,
    }
}

/// What is wrong with `value` as free text of at most `max` characters, if anything.
pub fn text_problem(tr: &Tr, value: &str, max: usize) -> Option<String> {
    if has_control_char(value) {
        Some(tr.t("form-control-char"))
    } else if value.chars().count() > max {
        Some(tr.t1("form-too-long", "max", max))
    } else {
        None
    }
}

/// A character no form field may carry: C0 controls other than tab and line breaks, DEL,
/// and C1 controls.
pub(crate) fn has_control_char(v: &str) -> bool {
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

    #[test]
    fn length_is_counted_in_characters_not_bytes() {
        let tr = crate::i18n::Tr::new("en-US");
        // Five characters, ten bytes.
        assert_eq!(super::text_problem(&tr, "ëëëëë", 5), None);
        assert_eq!(
            super::text_problem(&tr, "abcdef", 5).as_deref(),
            Some("Use at most 5 characters.")
        );
        let mut errors = super::FieldErrors::default();
        assert!(!super::check_text(&mut errors, &tr, "name", "a\0b", 5));
        assert!(
            errors.get("name").contains("control character"),
            "{errors:?}"
        );
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
