//! A TCP proxy between the app and PostgreSQL that a test can break the ways a database
//! and its network break:
//! - [`TcpProxy::cut`]: a restart or an outage — every open connection dropped and new
//!   ones refused (the port stops listening, so a connect gets ECONNREFUSED as from a
//!   stopped server), until [`TcpProxy::restore`] listens on the same port again;
//! - [`TcpProxy::stall`]: a server that is there but does not answer (overloaded, a lock,
//!   a saturated pooler) — connections stay open and new ones are accepted, but no byte
//!   goes through either way;
//! - [`TcpProxy::partition`]: the way to the server gone such that open connections hang,
//!   as in a stall, and new ones are refused (a firewall that rejects, a server whose
//!   port closed under its old connections). A partition whose new connects hang instead
//!   is what a stall is to the probe: no answer in time;
//! - [`TcpProxy::heal`] ends a stall or a partition: the held bytes go through.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct TcpProxy {
    pub addr: SocketAddr,
    target: SocketAddr,
    /// The accept loop while it listens.
    accept: Mutex<Option<JoinHandle<()>>>,
    /// Every pipe of the current "up" period.
    pipes: Arc<Mutex<Vec<JoinHandle<()>>>>,
    /// Whether bytes go through (false while stalled or partitioned).
    flow: watch::Sender<bool>,
}

impl TcpProxy {
    pub async fn start(target: SocketAddr) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let proxy = TcpProxy {
            addr,
            target,
            accept: Mutex::default(),
            pipes: Arc::default(),
            flow: watch::Sender::new(true),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (target, pipes, flow) = (self.target, self.pipes.clone(), self.flow.clone());
        let accept = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let flow = flow.subscribe();
                let pipe = tokio::spawn(async move {
                    // Stalled: the server's side is not even reached (a login that hangs).
                    if flow.clone().wait_for(|f| *f).await.is_err() {
                        return;
                    }
                    let Ok(server) = TcpStream::connect(target).await else {
                        return;
                    };
                    let (cr, cw) = client.into_split();
                    let (sr, sw) = server.into_split();
                    tokio::join!(pump(cr, sw, flow.clone()), pump(sr, cw, flow),);
                });
                pipes.lock().unwrap().push(pipe);
            }
        });
        *self.accept.lock().unwrap() = Some(accept);
    }

    /// Drops every connection and stops listening (the port is free when it returns).
    pub async fn cut(&self) {
        self.stop_listening().await;
        let pipes: Vec<_> = self.pipes.lock().unwrap().drain(..).collect();
        for t in &pipes {
            t.abort();
        }
        for t in pipes {
            let _ = t.await;
        }
        self.flow.send_replace(true);
    }

    /// Listens again on the same port.
    pub async fn restore(&self) {
        let listener = TcpListener::bind(self.addr).await.expect("re-bind proxy");
        self.serve(listener);
    }

    /// Holds every byte either way; connections stay open and new ones are accepted.
    pub fn stall(&self) {
        self.flow.send_replace(false);
    }

    /// A stall in which new connections are refused too.
    pub async fn partition(&self) {
        self.stall();
        self.stop_listening().await;
    }

    /// Ends a stall or a partition: listening again if it had stopped, bytes flowing.
    pub async fn heal(&self) {
        if self.accept.lock().unwrap().is_none() {
            self.restore().await;
        }
        self.flow.send_replace(true);
    }

    async fn stop_listening(&self) {
        let accept = self.accept.lock().unwrap().take();
        if let Some(t) = accept {
            t.abort();
            let _ = t.await;
        }
    }
}

/// Copies one direction, holding what it read while the flow is stopped.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut flow: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if flow.wait_for(|f| *f).await.is_err() || to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
