//! The router: Stripe under `/stripe/v1` (and its hosted page `/pay/{id}`), PayPal under
//! `/paypal` (and its approval page `/paypal/checkoutnow`).

use std::sync::Arc;

use axum::Router;
use tokio::sync::watch;

use crate::Shared;

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .nest("/stripe/v1", crate::stripe::api_routes())
        .merge(crate::stripe::page_routes())
        .nest("/paypal", crate::paypal::routes())
        .with_state(shared)
}

pub fn spawn(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let app = router(shared);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|s| *s).await;
            })
            .await;
    });
}
