//! Clients for the few Stripe and PayPal endpoints a course shop needs, and the
//! verification of their webhooks. Knows nothing of courses or schools: the caller keeps
//! orders and decides what a verified payment grants.
//!
//! CONTRACT (the application codes against these signatures; bodies are filled in
//! behind them):

pub mod money;
pub mod paypal;
pub mod stripe;

/// A failed call to a provider, in terms a person can act on. `message` is the provider's
/// own explanation (never a secret) or ours.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct PaymentError {
    pub kind: ErrorKind,
    /// The HTTP status, when the provider answered.
    pub status: Option<u16>,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The credentials were refused (401/403): the admin must fix the settings.
    Auth,
    /// The request was refused as invalid (400/404/422): a bug or a stale id.
    Invalid,
    /// The provider asked us to slow down (429).
    RateLimited,
    /// The provider could not be reached, timed out or failed (5xx).
    Unavailable,
    /// The answer could not be understood.
    Unexpected,
}

/// A secret that keeps itself out of `Debug` output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

mod http;
mod validity;
