//! Zoom client library for Lectern: OAuth (authorization code + PKCE, refresh, revoke),
//! the REST v2 calls Lectern needs, webhook verification and parsing, Meeting SDK
//! signatures and a rate-limit budget.
//!
//! The crate knows nothing of courses; it maps Zoom's wire protocol to typed Rust and
//! classifies Zoom's errors ([`ErrorKind`]) so the app can decide what to do. It never
//! logs a credential: every token and secret is a [`Secret`].
//!
//! The facts about Zoom it relies on (shapes, codes, limits) are written down, with their
//! public sources, in `docs/zoom.md`.

pub mod api;
pub mod circuit;
mod client;
pub mod clock;
mod de;
pub mod error;
mod http;
pub mod oauth;
pub mod path;
pub mod ratelimit;
pub mod sdk;
mod secret;
pub mod webhook;

pub use api::Api;
pub use circuit::{CircuitConfig, CircuitState};
pub use client::{RetryPolicy, ZoomClient, ZoomConfig};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{ErrorKind, FieldError, Origin, RateLimitScope, ZoomError};
pub use oauth::{AuthorizeRequest, Pkce, TokenSet};
pub use secret::Secret;
