//! What the Stripe and PayPal clients share: timeouts, the status → kind mapping, id checks.

use crate::{ErrorKind, PaymentError};
use std::time::Duration;

/// Per call. Both providers answer in well under a second normally; a checkout page waiting
/// longer than this is better served by an error the buyer can retry.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(20);

pub(crate) fn kind_for_status(status: u16) -> ErrorKind {
    match status {
        401 | 403 => ErrorKind::Auth,
        429 => ErrorKind::RateLimited,
        // 402 is Stripe's "request failed" (card errors): the request, not the service.
        400..=499 => ErrorKind::Invalid,
        500..=599 => ErrorKind::Unavailable,
        _ => ErrorKind::Unexpected,
    }
}

/// A request that got no usable answer. reqwest's messages carry the URL (no secrets: keys
/// and tokens travel in headers) and the cause is in the source chain, so it is appended.
pub(crate) fn transport(vendor: &str, e: reqwest::Error) -> PaymentError {
    let kind = if e.is_decode() {
        ErrorKind::Unexpected
    } else {
        ErrorKind::Unavailable
    };
    let mut message = format!("{vendor} could not be reached: {e}");
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        message.push_str(": ");
        message.push_str(&s.to_string());
        src = s.source();
    }
    if e.is_timeout() {
        message.push_str(" (timed out)");
    }
    PaymentError {
        kind,
        status: e.status().map(|s| s.as_u16()),
        message,
    }
}

pub(crate) fn unexpected(vendor: &str, status: u16, what: impl std::fmt::Display) -> PaymentError {
    PaymentError {
        kind: ErrorKind::Unexpected,
        status: Some(status),
        message: format!("{vendor} answered {status} with something unreadable: {what}"),
    }
}

/// An id that goes into a URL path. Stripe and PayPal ids are ASCII letters, digits, `_`
/// and `-`; anything else (`/`, `..`, `?`, `%`) could address another resource, so it is
/// refused before any request is made.
pub(crate) fn path_id<'a>(what: &str, id: &'a str) -> Result<&'a str, PaymentError> {
    let ok = !id.is_empty()
        && id.len() <= 255
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(id)
    } else {
        Err(PaymentError {
            kind: ErrorKind::Invalid,
            status: None,
            message: format!(
                "not a valid {what} id: {:?}",
                id.chars().take(80).collect::<String>()
            ),
        })
    }
}

/// Providers mask keys in their messages; this makes sure of it whatever they send.
pub(crate) fn scrub(message: String, secret: &str) -> String {
    if secret.len() >= 8 && message.contains(secret) {
        message.replace(secret, "<redacted>")
    } else {
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        assert_eq!(kind_for_status(401), ErrorKind::Auth);
        assert_eq!(kind_for_status(403), ErrorKind::Auth);
        for s in [400, 402, 404, 409, 422] {
            assert_eq!(kind_for_status(s), ErrorKind::Invalid, "{s}");
        }
        assert_eq!(kind_for_status(429), ErrorKind::RateLimited);
        assert_eq!(kind_for_status(500), ErrorKind::Unavailable);
        assert_eq!(kind_for_status(503), ErrorKind::Unavailable);
        assert_eq!(kind_for_status(302), ErrorKind::Unexpected);
    }

    #[test]
    fn ids() {
        assert!(path_id("session", "cs_test_a1B2").is_ok());
        assert!(path_id("order", "5O190127TN364715T").is_ok());
        for bad in [
            "",
            "../balance",
            "cs_1/expire",
            "cs_1?x=1",
            "cs%2F1",
            "a b",
            "cs_1#",
            "é",
        ] {
            assert_eq!(
                path_id("session", bad).unwrap_err().kind,
                ErrorKind::Invalid,
                "{bad}"
            );
        }
    }

    #[test]
    fn scrubs() {
        assert_eq!(
            scrub("bad key sk_test_123456789".into(), "sk_test_123456789"),
            "bad key <redacted>"
        );
    }
}
