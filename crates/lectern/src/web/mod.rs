//! The HTTP edge shared by every capability: context, errors, forms, rendering, assets.

pub mod assets;
pub mod context;
pub mod error;
pub mod form;
pub mod time;

pub use context::Ctx;
pub use error::{AppError, AppResult};
pub use form::{FieldErrors, Form};

use axum::response::Html;

/// Renders an askama template into an HTML response.
pub fn render<T: askama::Template>(t: &T) -> AppResult<Html<String>> {
    Ok(Html(t.render()?))
}

/// The client's IP address: the TCP peer. (Behind a reverse proxy, configure the proxy to
/// connect from a dedicated address; forwarded headers are not trusted by default.)
pub struct ClientIp(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let ip = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip().to_string())
            .unwrap_or_else(|| "unknown".into());
        Ok(ClientIp(ip))
    }
}
