//! TLS for the listener that stands in for Zoom's web domain.
//!
//! The real Web Meeting SDK builds `https://{webEndpoint}/...` itself (it keeps only the
//! host name, so the port is always 443), so a browser test needs an HTTPS Zoom. The
//! certificate is a fixed self-signed one for [`WEB_HOST`], committed with its key: it
//! protects nothing, and a fixed one lets a browser trust exactly it through
//! `--ignore-certificate-errors-spki-list` instead of ignoring every certificate error.
//! Regenerate (and update [`CERT_SPKI_SHA256`]) with:
//!
//! ```sh
//! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout key.pem \
//!   -out cert.pem -days 36500 -subj /CN=zoom-sim.test -addext subjectAltName=DNS:zoom-sim.test
//! openssl pkcs8 -topk8 -nocrypt -in key.pem -out key8.pem && mv key8.pem key.pem
//! openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform der \
//!   | openssl dgst -sha256 -binary | base64
//! ```

use std::sync::Arc;

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The host name the certificate is for (`.test` is reserved: it never resolves for real).
pub const WEB_HOST: &str = "zoom-sim.test";

/// Base64 SHA-256 of the certificate's SubjectPublicKeyInfo, the form Chromium's
/// `--ignore-certificate-errors-spki-list` takes.
pub const CERT_SPKI_SHA256: &str = "ko3tE+6tns6jAsTMXkDc45Ve+I6O4uz4I/2aDnEiQTQ=";

const CERT_PEM: &[u8] = include_bytes!("tls/cert.pem");
const KEY_PEM: &[u8] = include_bytes!("tls/key.pem");

pub fn acceptor() -> std::io::Result<tokio_rustls::TlsAcceptor> {
    let bad = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
    let cert = CertificateDer::from_pem_slice(CERT_PEM).map_err(|e| bad(e.to_string()))?;
    let key = PrivateKeyDer::from_pem_slice(KEY_PEM).map_err(|e| bad(e.to_string()))?;
    // An explicit provider: the process-wide default is ambiguous when another crate in the
    // binary enables ring as well.
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .map_err(|e| bad(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}
