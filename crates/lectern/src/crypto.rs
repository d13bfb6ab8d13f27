//! Secrets: the server key, sealing of values at rest (XChaCha20-Poly1305, the row id bound
//! as associated data), password hashing (argon2id) and random tokens.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::Mac;
use sha2::Sha256;

/// The 32-byte server key from `LECTERN_SECRET_KEY`. Debug never prints it.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

impl SecretKey {
    /// Accepts 32 bytes as standard/url-safe base64 or as 64 hex digits.
    pub fn parse(raw: &str) -> Result<SecretKey, String> {
        let raw = raw.trim();
        let bytes = if raw.len() == 64 && raw.chars().all(|c| c.is_ascii_hexdigit()) {
            hex::decode(raw).map_err(|e| e.to_string())?
        } else {
            STANDARD
                .decode(raw)
                .or_else(|_| URL_SAFE_NO_PAD.decode(raw.trim_end_matches('=')))
                .map_err(|_| "expected 32 bytes as base64 or 64 hex digits".to_string())?
        };
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| format!("expected 32 bytes, got {}", b.len()))?;
        Ok(SecretKey(arr))
    }

    /// A subkey for one purpose, so that sealing, signing and hashing never share a key.
    fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <hmac::Hmac<Sha256>>::new_from_slice(&self.0).expect("any key length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// Identifies the key in sealed values, so that a rotated key can be told apart.
    pub fn key_id(&self) -> String {
        hex::encode(&self.derive("lectern/key-id")[..4])
    }

    /// Seals `plain`, binding `aad` (e.g. "zoom_tokens:42"); output is `key_id.base64(nonce||ct)`.
    pub fn seal(&self, plain: &[u8], aad: &str) -> String {
        let cipher = XChaCha20Poly1305::new(&self.derive("lectern/seal").into());
        let nonce_bytes: [u8; 24] = rand::random();
        let nonce = XNonce::from(nonce_bytes);
        let ct = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: aad.as_bytes(),
                },
            )
            .expect("encryption of in-memory data cannot fail");
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&ct);
        format!("{}.{}", self.key_id(), URL_SAFE_NO_PAD.encode(out))
    }

    pub fn open(&self, sealed: &str, aad: &str) -> Result<Vec<u8>, SealError> {
        let (kid, body) = sealed.split_once('.').ok_or(SealError::Malformed)?;
        if kid != self.key_id() {
            return Err(SealError::UnknownKey);
        }
        let raw = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SealError::Malformed)?;
        if raw.len() < 24 {
            return Err(SealError::Malformed);
        }
        let (nonce, ct) = raw.split_at(24);
        let cipher = XChaCha20Poly1305::new(&self.derive("lectern/seal").into());
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| SealError::Malformed)?;
        cipher
            .decrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| SealError::Tampered)
    }

    /// A MAC of `msg` under a key derived for `purpose` (url-safe base64): for links that
    /// name what they act on and must not be forged (a campaign's unsubscribe link).
    pub fn sign(&self, purpose: &str, msg: &str) -> String {
        let mut mac =
            <hmac::Hmac<Sha256>>::new_from_slice(&self.derive(purpose)).expect("any key length");
        mac.update(msg.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// A keyed hash for looking up bearer tokens (sessions, reset links) without storing them.
    pub fn token_hash(&self, token: &str) -> String {
        let mut mac = <hmac::Hmac<Sha256>>::new_from_slice(&self.derive("lectern/token-hash"))
            .expect("any key length");
        mac.update(token.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("sealed value is malformed")]
    Malformed,
    #[error("sealed with another key")]
    UnknownKey,
    #[error("sealed value failed authentication")]
    Tampered,
}

/// A random token for cookies and links: 32 bytes, url-safe base64.
pub fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Constant-time equality for secrets compared on the server.
pub fn ct_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

pub mod password {
    //! Argon2id with the crate's (OWASP) defaults, run off the async threads.
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};
    use argon2::{Argon2, PasswordHash};

    pub async fn hash(password: String) -> anyhow::Result<String> {
        tokio::task::spawn_blocking(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
        })
        .await?
    }

    pub async fn verify(password: String, hash: String) -> bool {
        tokio::task::spawn_blocking(move || {
            PasswordHash::new(&hash)
                .map(|parsed| {
                    Argon2::default()
                        .verify_password(password.as_bytes(), &parsed)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false)
    }

    /// Burns the time of one verification, for unknown accounts.
    pub async fn verify_dummy(password: String) {
        static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            Argon2::default()
                .hash_password(b"lectern-dummy-password")
                .map(|h| h.to_string())
                .unwrap_or_default()
        });
        let _ = tokio::task::spawn_blocking(move || {
            if let Ok(parsed) = PasswordHash::new(&DUMMY) {
                let _ = Argon2::default().verify_password(password.as_bytes(), &parsed);
            }
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::parse(&crate::config::generate_secret_key()).unwrap()
    }

    #[test]
    fn seal_round_trips_and_binds_aad() {
        let k = key();
        let sealed = k.seal(b"access-token", "zoom_tokens:1");
        assert!(!sealed.contains("access-token"));
        assert_eq!(k.open(&sealed, "zoom_tokens:1").unwrap(), b"access-token");
        assert_eq!(k.open(&sealed, "zoom_tokens:2"), Err(SealError::Tampered));
        assert_eq!(
            key().open(&sealed, "zoom_tokens:1"),
            Err(SealError::UnknownKey)
        );
    }

    #[test]
    fn key_parsing() {
        assert!(SecretKey::parse(&"ab".repeat(32)).is_ok());
        assert!(SecretKey::parse("too-short").is_err());
    }

    #[tokio::test]
    async fn password_hash_verifies() {
        let h = password::hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(password::verify("correct horse".into(), h.clone()).await);
        assert!(!password::verify("wrong".into(), h).await);
    }
}
