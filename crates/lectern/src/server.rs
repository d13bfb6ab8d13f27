//! Runs the HTTP server and/or the job worker until Ctrl-C / SIGTERM.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::accounts::session_cache;
use crate::app::{AppState, router};
use crate::db::Backend;

pub struct Running {
    pub addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    draining: crate::ops::Draining,
}

impl Running {
    /// A graceful stop behind a load balancer: `/readyz` answers 503 for `drain` while
    /// every request is still served, so that the balancer's health check takes this
    /// instance out of rotation first; then [`Running::stop`] closes the listener and
    /// waits for the requests in flight.
    pub async fn drain_and_stop(self, drain: Duration) {
        self.draining.start();
        if !drain.is_zero() {
            tracing::info!(seconds = drain.as_secs(), "draining: /readyz is false");
            tokio::time::sleep(drain).await;
        }
        self.stop().await;
    }

    /// Stops accepting requests, lets the worker finish its job, and waits for both.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// Binds `listener` and serves; spawns the worker too when `with_worker`, and on
/// PostgreSQL the subscription that keeps the session cache live.
pub async fn start(
    state: AppState,
    listener: TcpListener,
    with_worker: bool,
    poll: Duration,
) -> anyhow::Result<Running> {
    let addr = listener.local_addr()?;
    crate::schools::domains::secure_reserved_hosts(&state.db, &state.config.base_url).await?;
    let (tx, rx) = watch::channel(false);
    let mut tasks = Vec::new();
    let draining = state.draining.clone();
    let app = router(state.clone());
    let mut http_rx = rx.clone();
    let hub = state.db.changes.clone();
    tasks.push(tokio::spawn(async move {
        let serve = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = http_rx.wait_for(|stop| *stop).await;
            hub.close();
        });
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "HTTP server failed");
        }
    }));
    if state.db.backend == Backend::Postgres {
        tasks.push(tokio::spawn(session_cache::follow_changes(
            state.sessions.clone(),
            state.db.clone(),
            state.config.database_url.clone(),
            rx.clone(),
        )));
    }
    if with_worker {
        tasks.push(tokio::spawn(crate::jobs::worker::run(
            state.db.clone(),
            state.jobs.clone(),
            rx,
            poll,
            state.config.job_lease,
        )));
    }
    Ok(Running {
        addr,
        shutdown: tx,
        tasks,
        draining,
    })
}

/// What ended the wait: an operator at a terminal, or a service manager.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    /// Ctrl-C (SIGINT): someone at a terminal, who wants the prompt back now.
    Interrupt,
    /// SIGTERM: systemd, Docker, Kubernetes or a rolling restart; worth draining for.
    Terminate,
}

pub async fn wait_for_signal() -> Signal {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return Signal::Interrupt;
                }
            };
        tokio::select! {
            _ = ctrl_c => Signal::Interrupt,
            _ = term.recv() => Signal::Terminate,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
        Signal::Interrupt
    }
}
