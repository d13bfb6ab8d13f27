//! Accept loop: one hyper connection per socket, with a kill switch so a fault can drop
//! the connection without answering ("commit then drop").

use std::sync::Arc;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::watch;
use tower::ServiceExt as _;

use crate::Shared;
use crate::faults::KillSwitch;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .merge(crate::oauth::routes())
        .nest("/v2", crate::api::routes(shared.clone()))
        .merge(crate::room::routes())
        .merge(crate::control::routes())
        .fallback(crate::api::errors::not_found_fallback)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            crate::faults::layer,
        ))
        .with_state(shared)
}

pub fn spawn(listener: tokio::net::TcpListener, shared: Arc<Shared>, stop: watch::Receiver<bool>) {
    spawn_with(listener, shared, stop, None);
}

/// The same service over TLS (see [`crate::tls`]).
pub fn spawn_tls(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
    acceptor: tokio_rustls::TlsAcceptor,
) {
    spawn_with(listener, shared, stop, Some(acceptor));
}

fn spawn_with(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let app = router(shared);
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                r = listener.accept() => r,
                _ = stop.changed() => return,
            };
            let Ok((stream, _)) = accepted else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let app = app.clone();
            let stop = stop.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                match tls {
                    None => serve_connection(stream, app, stop).await,
                    Some(acceptor) => {
                        if let Ok(s) = acceptor.accept(stream).await {
                            serve_connection(s, app, stop).await;
                        }
                    }
                }
            });
        }
    });
}

async fn serve_connection<S>(stream: S, app: Router, mut stop: watch::Receiver<bool>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let kill = KillSwitch::default();
    let k = kill.clone();
    let svc = tower::service_fn(move |mut req: axum::http::Request<Incoming>| {
        req.extensions_mut().insert(k.clone());
        app.clone().oneshot(req.map(axum::body::Body::new))
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(svc));
    tokio::select! {
        _ = conn => {}
        _ = kill.fired() => {}
        _ = stop.changed() => {}
    }
}
