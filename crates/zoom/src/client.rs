//! Client configuration and the shared HTTP client.

use crate::circuit::{CircuitBreaker, CircuitConfig, Circuits};
use crate::clock::{SharedClock, SystemClock};
use crate::secret::Secret;
use std::sync::Arc;
use std::time::Duration;

/// How calls are tried again, within a bound (`docs/zoom.md`, "Outages"):
///
/// - a 5xx, a time-out or a broken connection: only idempotent calls (GET, DELETE). POSTs
///   (creating a meeting, token calls) are not: a lost answer may have committed, and a
///   blind retry would create a second meeting or burn a rotated refresh token;
/// - a refused connection (nothing was sent) and a per-second 429 (Zoom refused without
///   acting): every call, after `Retry-After` when Zoom gave one;
/// - never a daily 429, nor one whose `Retry-After` lies beyond `max_elapsed`: those fail
///   at once with [`crate::ErrorKind::RateLimited`].
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Total tries including the first; 1 disables retries.
    pub max_attempts: u32,
    /// Delay before the second try; doubled for each further try (±25 % jitter).
    pub initial_backoff: Duration,
    /// Upper bound for one delay.
    pub max_backoff: Duration,
    /// No retry starts later than this after the first try began, so a person waiting on
    /// a click hears back within about this (plus one request time-out).
    pub max_elapsed: Duration,
    /// Wait for a per-second 429's `Retry-After` and try again (within `max_elapsed`).
    pub retry_rate_limited: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
            max_elapsed: Duration::from_secs(5),
            retry_rate_limited: true,
        }
    }
}

/// Configuration of a [`ZoomClient`]: one OAuth app (client id/secret).
#[derive(Clone)]
pub struct ZoomConfig {
    /// OAuth client id (also the Meeting SDK key for General apps).
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: Secret,
    /// Redirect URI registered with the app; sent on authorize and on code exchange.
    pub redirect_uri: String,
    /// OAuth host, default `https://zoom.us` (`/oauth/authorize`, `/oauth/token`, `/oauth/revoke`).
    pub oauth_base: String,
    /// REST base, default `https://api.zoom.us/v2`; used when a token set has no `api_url`.
    pub api_base: String,
    /// Use the token response's `api_url` (the user's data region) as the REST base.
    /// Turn off only to pin every call to `api_base` (e.g. behind a proxy).
    pub use_token_api_url: bool,
    /// TCP/TLS connect timeout (default 3 s).
    pub connect_timeout: Duration,
    /// Whole-request timeout (default 10 s).
    pub request_timeout: Duration,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Circuit breaker of the clients made with [`ZoomClient::in_circuit`].
    pub circuit: CircuitConfig,
    /// Time source for token expiry instants and rate-limit retry instants.
    pub clock: SharedClock,
}

impl ZoomConfig {
    /// Configuration with Zoom's production hosts and the default timeouts.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            redirect_uri: redirect_uri.into(),
            oauth_base: "https://zoom.us".into(),
            api_base: "https://api.zoom.us/v2".into(),
            use_token_api_url: true,
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            circuit: CircuitConfig::default(),
            clock: Arc::new(SystemClock),
        }
    }

    /// Point OAuth and REST at other hosts (the simulator, a regional host).
    pub fn with_bases(
        mut self,
        oauth_base: impl Into<String>,
        api_base: impl Into<String>,
    ) -> Self {
        self.oauth_base = oauth_base.into();
        self.api_base = api_base.into();
        self
    }
}

impl std::fmt::Debug for ZoomConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZoomConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("redirect_uri", &self.redirect_uri)
            .field("oauth_base", &self.oauth_base)
            .field("api_base", &self.api_base)
            .field("use_token_api_url", &self.use_token_api_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .field("circuit", &self.circuit)
            .finish_non_exhaustive()
    }
}

/// Entry point: cheap to clone (an `Arc` inside), share one per OAuth app.
#[derive(Clone, Debug)]
pub struct ZoomClient {
    pub(crate) inner: Arc<Inner>,
    /// The circuit every call of this handle goes through (see [`ZoomClient::in_circuit`]).
    pub(crate) circuit: Option<Arc<CircuitBreaker>>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: ZoomConfig,
    pub(crate) http: reqwest::Client,
    pub(crate) circuits: Circuits,
}

impl ZoomClient {
    /// Build a client. Fails only if the TLS backend cannot be initialised.
    pub fn new(config: ZoomConfig) -> Result<Self, crate::ZoomError> {
        let http = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(concat!("lectern-zoom/", env!("CARGO_PKG_VERSION")))
            // Never follow redirects with a bearer token attached to a foreign host.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| crate::ZoomError::local(format!("building HTTP client: {e}")))?;
        let circuits = Circuits::new(config.circuit);
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                http,
                circuits,
            }),
            circuit: None,
        })
    }

    /// The same client with every call (REST and token calls) going through the circuit
    /// named `key`: Lectern uses one per Zoom connection, so that one account's outage
    /// neither hides nor causes another's.
    pub fn in_circuit(&self, key: &str) -> ZoomClient {
        ZoomClient {
            inner: self.inner.clone(),
            circuit: Some(self.inner.circuits.get(key)),
        }
    }

    /// Every circuit of this client (states and counts, for metrics and health pages).
    pub fn circuits(&self) -> &Circuits {
        &self.inner.circuits
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &ZoomConfig {
        &self.inner.config
    }

    pub(crate) fn now(&self) -> jiff::Timestamp {
        self.inner.config.clock.now()
    }
}
