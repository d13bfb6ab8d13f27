//! Builds the application state and the router; nothing else.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::trace::TraceLayer;

use crate::accounts::session_cache::SessionCache;
use crate::config::Config;
use crate::db::Db;
use crate::email::Mailer;
use crate::ops::metrics::Metrics;
use crate::web::{self, AppError};
use crate::zoom_connection::ZoomRuntime;

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub mailer: Mailer,
    pub metrics: Arc<Metrics>,
    /// `None` when the server has no Zoom credentials.
    pub zoom: Option<ZoomRuntime>,
    pub schools: Arc<crate::schools::HostCache>,
    /// Live only while [`crate::accounts::session_cache::follow_changes`] runs.
    pub sessions: Arc<SessionCache>,
}

impl AppState {
    pub fn new(config: Config, db: Db) -> anyhow::Result<AppState> {
        let mailer = Mailer::new(&config)?;
        let zoom = ZoomRuntime::new(&config)?;
        let metrics = Arc::new(Metrics::new()?);
        Ok(AppState {
            schools: Arc::default(),
            sessions: Arc::new(metrics.session_cache()),
            zoom,
            config: Arc::new(config),
            db,
            mailer,
            metrics,
        })
    }

    pub fn secure_cookies(&self) -> bool {
        self.config.secure_cookies()
    }

    /// An absolute URL on the school's own origin (see `schools::domains::origin`): a link
    /// mailed to a student of a school with its own domain must open that school.
    pub async fn school_url(&self, school_id: i64, path: &str) -> sqlx::Result<String> {
        let origin =
            crate::schools::domains::origin(&self.db, &self.config.base_url, school_id).await?;
        Ok(format!("{origin}{path}"))
    }
}

pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .merge(crate::accounts::routes::routes())
        .merge(crate::schools::routes::routes())
        .merge(crate::courses::routes::routes())
        .merge(crate::email::routes::routes())
        .merge(crate::jobs::routes::routes())
        .merge(crate::zoom_connection::routes::routes())
        .merge(crate::live::routes::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::context::layer,
        ));

    Router::new()
        .route("/healthz", get(crate::ops::healthz))
        .route("/readyz", get(crate::ops::readyz))
        .route("/metrics", get(crate::ops::metrics::render))
        .route("/static/app.css", get(web::assets::css))
        .route("/static/app.js", get(web::assets::js))
        .route("/static/live.js", get(web::assets::live_js))
        .merge(crate::webhooks::routes())
        .merge(web::headers::routes())
        .merge(pages)
        // A route layer runs after routing, so the metric can use the matched route.
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::ops::metrics::track,
        ))
        .layer(RequestBodyLimitLayer::new(web::context::MAX_BODY))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            // Only method and path (query strings may carry tokens), with secret path
            // segments such as reset tokens masked.
            tracing::info_span!("http", method = %req.method(), path = %loggable_path(req.uri().path()))
        }))
        .layer(CatchPanicLayer::new())
        // Outermost: every response, a panic's 500 and a too-large body's 413 included,
        // gets the security headers.
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(web::headers::SecurityHeaders::new(&state.config)),
            web::headers::layer,
        ))
        .with_state(state)
}

/// Path prefixes whose next segment is a secret (a bearer token in the URL): the one list
/// of routes that carry one, masked wherever a path is logged.
pub const SECRET_PATH_PREFIXES: &[&str] = &["/password/reset/", "/calendar/"];

/// The request path as it may appear in logs: the segment after a secret prefix is masked.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    for prefix in SECRET_PATH_PREFIXES {
        if let Some(rest) = path.strip_prefix(prefix) {
            let tail = rest.find('/').map(|i| &rest[i..]).unwrap_or("");
            return format!("{prefix}<redacted>{tail}").into();
        }
    }
    path.into()
}

async fn not_found() -> AppError {
    AppError::NotFound
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_path_segments_are_masked() {
        assert_eq!(
            super::loggable_path("/password/reset/abc123"),
            "/password/reset/<redacted>"
        );
        assert_eq!(
            super::loggable_path("/password/reset/abc/x"),
            "/password/reset/<redacted>/x"
        );
        assert_eq!(super::loggable_path("/signin"), "/signin");
        assert_eq!(
            super::loggable_path("/calendar/s3cr3t-token.ics"),
            "/calendar/<redacted>"
        );
    }
}
