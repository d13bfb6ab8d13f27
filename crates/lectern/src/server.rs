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

/// Binds `listener` and serves; spawns the worker too when `with_worker`, and what keeps
/// the session cache live: on PostgreSQL its subscription, on SQLite the change log's
/// reader.
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
    let hub = state.db.changes.clone();
    tasks.push(tokio::spawn(serve(
        listener,
        app,
        state.config.read_timeout,
        rx.clone(),
        hub,
    )));
    if state.db.backend == Backend::Postgres {
        tasks.push(tokio::spawn(session_cache::follow_changes(
            state.sessions.clone(),
            vec![
                state.certificates.cache.clone(),
                crate::courses::viewers::follower(&state.db),
            ],
            state.db.clone(),
            state.config.database_url.clone(),
            rx.clone(),
        )));
    } else {
        tasks.push(tokio::spawn(session_cache::poll_changes(
            state.sessions.clone(),
            vec![crate::courses::viewers::follower(&state.db)],
            state.db.clone(),
            rx.clone(),
        )));
    }
    tasks.push(tokio::spawn(sweep_caches(state.clone(), rx.clone())));
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

/// Every [`crate::db::viewers::SWEEP_EVERY`], drops what the per-instance caches keep past
/// its age: after a class of thousands their entries would otherwise stay until replaced.
async fn sweep_caches(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut every = tokio::time::interval(crate::db::viewers::SWEEP_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => {
                state.db.viewers.sweep();
                state.sessions.sweep(crate::db::now_ms());
            }
            _ = stop.changed() => return,
        }
    }
}

/// Accepts connections until `stop`, then lets in-flight requests finish. Our own loop
/// rather than `axum::serve` for one setting axum does not expose: a client has
/// `read_timeout` to send a request's headers, after which the connection is closed (a
/// slowloris client, trickling header bytes, would otherwise hold its connection and a task
/// forever). Bodies have their deadline in the router (`app::router`).
async fn serve(
    listener: TcpListener,
    app: axum::Router,
    read_timeout: Duration,
    mut stop: watch::Receiver<bool>,
    hub: std::sync::Arc<crate::push::Hub>,
) {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use tower::ServiceExt;

    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout);
    // HTTP/2 (cleartext, prior knowledge: what a proxy in front may speak) has no header
    // phase to time out, but the same timer closes connections whose pings go unanswered.
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(read_timeout))
        .keep_alive_timeout(read_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|stop| *stop) => break,
        };
        let (stream, remote) = match accepted {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors and the like: pause rather than spin.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                // What `into_make_service_with_connect_info` would add: `web::client_ip`
                // reads the peer's address from it.
                req.extensions_mut()
                    .insert(axum::extract::ConnectInfo(remote));
                app.clone().oneshot(req.map(axum::body::Body::new))
            });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    hub.close();
    drop(listener);
    graceful.shutdown().await;
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
