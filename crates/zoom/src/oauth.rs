//! OAuth 2.0 authorization-code flow as Zoom implements it.
//!
//! Hand-written (no `oauth2` crate) because Zoom is small and quirky: Basic client auth on
//! every token call, a form body, `{"reason","error"}` error bodies, an `api_url` member
//! naming the user's data region, and refresh tokens that rotate on every use (the old one
//! then fails with `invalid_grant` "Invalid Token!"). Token calls are never retried here:
//! a retried refresh whose first response was lost would present an already-rotated token.

use crate::client::ZoomClient;
use crate::error::{Origin, ZoomError};
use crate::http::Retry;
use crate::secret::Secret;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// A PKCE pair (RFC 7636, method S256). Keep the verifier server-side with `state`.
#[derive(Debug, Clone)]
pub struct Pkce {
    /// The `code_verifier`, sent on the code exchange.
    pub verifier: Secret,
    /// `BASE64URL(SHA256(verifier))`, sent on the authorize URL.
    pub challenge: String,
}

impl Pkce {
    /// A fresh random verifier (32 random bytes → 43 base64url characters).
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::random();
        Self::from_verifier(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// Derive the challenge for a given verifier.
    pub fn from_verifier(verifier: impl Into<String>) -> Self {
        let verifier = verifier.into();
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Self {
            verifier: Secret::new(verifier),
            challenge,
        }
    }
}

/// Everything needed to send a user to Zoom and to check the callback.
#[derive(Debug, Clone)]
pub struct AuthorizeRequest {
    /// Where to redirect the browser.
    pub url: String,
    /// The `state` value; store it in the session and compare on callback (constant time).
    pub state: String,
    /// The PKCE verifier to present on [`ZoomClient::exchange_code`].
    pub pkce_verifier: Secret,
}

/// Tokens of one grant with ABSOLUTE expiry instants (a bare `expires_in` is meaningless
/// once stored).
#[derive(Debug, Clone)]
pub struct TokenSet {
    /// Bearer token for REST calls.
    pub access_token: Secret,
    /// Refresh token; rotates on every refresh — persist the new one before using the
    /// new access token.
    pub refresh_token: Secret,
    /// Granted scopes (Zoom sends them space-separated).
    pub scopes: Vec<String>,
    /// REST host of the user's data region (e.g. `https://api.zoom.us`), if Zoom sent one.
    pub api_url: Option<String>,
    /// When we asked for these tokens (lower bound of when Zoom issued them).
    pub obtained_at: Timestamp,
    /// When the access token stops working, computed from the request start so that
    /// network latency makes us early, never late.
    pub expires_at: Timestamp,
}

impl TokenSet {
    /// True if the access token expires within `margin` of `now` (Zoom's own library
    /// refreshes 60 s early).
    pub fn needs_refresh(&self, now: Timestamp, margin: SignedDuration) -> bool {
        now.checked_add(margin)
            .map_or(true, |t| t >= self.expires_at)
    }

    /// True once the access token has expired.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default, deserialize_with = "crate::de::opt_i64_lenient")]
    expires_in: Option<i64>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    api_url: Option<String>,
}

#[derive(Deserialize)]
struct RevokeResponse {
    #[serde(default)]
    status: Option<String>,
}

/// Characters allowed unencoded in a query component (RFC 3986 unreserved).
pub(crate) fn query_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl ZoomClient {
    /// Authorization URL with a fresh random `state` and PKCE pair.
    pub fn authorize_url(&self) -> AuthorizeRequest {
        let state_bytes: [u8; 24] = rand::random();
        let state = URL_SAFE_NO_PAD.encode(state_bytes);
        let pkce = Pkce::generate();
        let url = self.authorize_url_with(&state, &pkce);
        AuthorizeRequest {
            url,
            state,
            pkce_verifier: pkce.verifier,
        }
    }

    /// Authorization URL for a caller-chosen `state` (must be URL-safe; Zoom mangles raw
    /// JSON) and PKCE pair. No `scope` parameter: Zoom takes scopes from the app config.
    pub fn authorize_url_with(&self, state: &str, pkce: &Pkce) -> String {
        let c = &self.inner.config;
        format!(
            "{}/oauth/authorize?response_type=code&client_id={}&redirect_uri={}&state={}&code_challenge={}&code_challenge_method=S256",
            c.oauth_base.trim_end_matches('/'),
            query_escape(&c.client_id),
            query_escape(&c.redirect_uri),
            query_escape(state),
            query_escape(&pkce.challenge),
        )
    }

    /// Exchange an authorization code (single use, valid 5 minutes) for tokens.
    pub async fn exchange_code(
        &self,
        code: &str,
        pkce_verifier: Option<&Secret>,
    ) -> Result<TokenSet, ZoomError> {
        let c = &self.inner.config;
        let mut form: Vec<(&str, &str)> = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &c.redirect_uri),
        ];
        if let Some(v) = pkce_verifier {
            form.push(("code_verifier", v.expose()));
        }
        self.token_call("oauth.exchange_code", &form).await
    }

    /// Use a refresh token. On success the old refresh token is dead: persist the returned
    /// set atomically (compare-and-swap on the old value) before using it. On
    /// [`crate::ErrorKind::InvalidGrant`] the grant is gone; re-authorize.
    pub async fn refresh(&self, refresh_token: &Secret) -> Result<TokenSet, ZoomError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ];
        self.token_call("oauth.refresh", &form).await
    }

    /// Revoke an access token (Zoom then drops the whole grant).
    pub async fn revoke(&self, access_token: &Secret) -> Result<(), ZoomError> {
        let c = &self.inner.config;
        let url = format!("{}/oauth/revoke", c.oauth_base.trim_end_matches('/'));
        let form = [("token", access_token.expose())];
        let resp = self
            .execute(
                "oauth.revoke",
                Origin::TokenEndpoint,
                Retry::UnsentOnly,
                || {
                    self.inner
                        .http
                        .post(&url)
                        .basic_auth(&c.client_id, Some(c.client_secret.expose()))
                        .form(&form)
                },
            )
            .await?;
        if resp.body.is_empty() {
            return Ok(());
        }
        let r: RevokeResponse = self.decode(&resp)?;
        match r.status.as_deref() {
            None | Some("success") => Ok(()),
            Some(other) => Err(ZoomError::decode(
                resp.status,
                format!("revoke status {other:?}"),
                self.now(),
            )),
        }
    }

    async fn token_call(&self, label: &str, form: &[(&str, &str)]) -> Result<TokenSet, ZoomError> {
        let c = &self.inner.config;
        let url = format!("{}/oauth/token", c.oauth_base.trim_end_matches('/'));
        let started = self.now();
        let resp = self
            .execute(label, Origin::TokenEndpoint, Retry::UnsentOnly, || {
                self.inner
                    .http
                    .post(&url)
                    .basic_auth(&c.client_id, Some(c.client_secret.expose()))
                    .form(form)
            })
            .await?;
        let t: TokenResponse = self.decode(&resp)?;
        let refresh_token = t.refresh_token.ok_or_else(|| {
            ZoomError::decode(
                resp.status,
                "token response without refresh_token",
                self.now(),
            )
        })?;
        // Zoom says 3599 (docs show 3600); a missing value is treated as Zoom's fixed hour.
        let expires_in = t.expires_in.unwrap_or(3599).clamp(0, 86_400 * 366);
        let expires_at = started
            .checked_add(SignedDuration::from_secs(expires_in))
            .unwrap_or(started);
        Ok(TokenSet {
            access_token: Secret::new(t.access_token),
            refresh_token: Secret::new(refresh_token),
            scopes: t
                .scope
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            api_url: t.api_url.filter(|u| !u.trim().is_empty()),
            obtained_at: started,
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ZoomConfig;

    #[test]
    fn pkce_rfc7636_vector() {
        let p = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(p.challenge, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn generated_pkce_is_valid_length() {
        let p = Pkce::generate();
        assert_eq!(p.verifier.expose().len(), 43);
        assert_eq!(
            Pkce::from_verifier(p.verifier.expose()).challenge,
            p.challenge
        );
    }

    #[test]
    fn authorize_url_has_all_parameters() {
        let client = ZoomClient::new(ZoomConfig::new(
            "cid",
            "secret",
            "https://lectern.example/zoom/callback?x=1",
        ))
        .unwrap();
        let req = client.authorize_url();
        let url = url::Url::parse(&req.url).unwrap();
        assert_eq!(url.path(), "/oauth/authorize");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "cid");
        assert_eq!(
            q["redirect_uri"],
            "https://lectern.example/zoom/callback?x=1"
        );
        assert_eq!(q["state"], req.state);
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(
            q["code_challenge"],
            Pkce::from_verifier(req.pkce_verifier.expose()).challenge
        );
        assert!(!req.url.contains("secret"));
    }

    #[test]
    fn expiry_helpers() {
        let t0: Timestamp = "2025-01-01T00:00:00Z".parse().unwrap();
        let ts = TokenSet {
            access_token: "a".into(),
            refresh_token: "r".into(),
            scopes: vec![],
            api_url: None,
            obtained_at: t0,
            expires_at: t0 + SignedDuration::from_secs(3599),
        };
        assert!(!ts.needs_refresh(t0, SignedDuration::from_secs(60)));
        assert!(ts.needs_refresh(
            t0 + SignedDuration::from_secs(3540),
            SignedDuration::from_secs(60)
        ));
        assert!(ts.is_expired(t0 + SignedDuration::from_secs(3599)));
        let dbg = format!("{ts:?}");
        assert!(!dbg.contains("\"a\"") && dbg.contains("[redacted]"));
    }
}
