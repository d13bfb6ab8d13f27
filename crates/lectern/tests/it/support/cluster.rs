//! Several instances as operators run them: N `lectern serve --no-worker` processes and one
//! `lectern worker`, all the real binary, on the test's PostgreSQL database, behind a small
//! reverse proxy on 127.0.0.1.
//!
//! The proxy does what an operator's nginx or HAProxy does by default: round robin over the
//! instances its health check (`GET /readyz` every 100 ms) finds ready, the `Host` header
//! passed through, responses streamed (server-sent events included), and a request that
//! could not reach an instance (connection refused, or closed before an answer, for a
//! method safe to repeat) tried on the next one — nginx's `proxy_next_upstream error`.
//! It never retries an answer: a 5xx from an instance reaches the client. When no instance
//! is ready (the database restarting makes every `/readyz` false at once) it fails open and
//! tries them all, as an AWS load balancer ("fail open") or Envoy (its panic threshold)
//! does, rather than answering every request itself with an error.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;

use super::bin::{Proc, free_port, lectern};
use super::{DbKind, TestApp};

/// One `lectern serve` behind the proxy.
struct Backend {
    port: u16,
    proc: Option<Proc>,
}

pub struct Cluster {
    /// The proxy's address: `http://127.0.0.1:<port>`, also the instances' base URL.
    pub url: String,
    pub proxy_addr: SocketAddr,
    proxy: Arc<ProxyState>,
    backends: Vec<Backend>,
    worker: Option<Proc>,
    env: HashMap<&'static str, String>,
    proxy_task: tokio::task::JoinHandle<()>,
    health_task: tokio::task::JoinHandle<()>,
}

struct Upstream {
    addr: String,
    ready: AtomicBool,
    /// Requests this instance answered through the proxy.
    answered: AtomicU64,
}

struct ProxyState {
    upstreams: Vec<Upstream>,
    next: AtomicUsize,
    client: reqwest::Client,
}

impl Cluster {
    /// `n` instances and a worker on `app`'s database and configuration (its secret key,
    /// storage, Zoom and SMTP settings), with `extra` on top. PostgreSQL only: several
    /// instances share PostgreSQL; SQLite is the one-instance database.
    pub async fn start(app: &TestApp, n: usize, extra: &[(&'static str, &str)]) -> Cluster {
        assert_eq!(app.kind, DbKind::Postgres, "a cluster shares PostgreSQL");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let proxy_addr = listener.local_addr().expect("proxy addr");
        let url = format!("http://{proxy_addr}");
        let mut env = app.env.clone();
        env.insert("LECTERN_BASE_URL", url.clone());
        // Short enough for a test, long enough for the proxy's 100 ms health check.
        env.insert("LECTERN_SHUTDOWN_DRAIN_SECS", "1".into());
        for (k, v) in extra {
            env.insert(k, v.to_string());
        }
        let ports: Vec<u16> = (0..n).map(|_| free_port()).collect();
        let proxy = Arc::new(ProxyState {
            upstreams: ports
                .iter()
                .map(|p| Upstream {
                    addr: format!("http://127.0.0.1:{p}"),
                    ready: AtomicBool::new(false),
                    answered: AtomicU64::new(0),
                })
                .collect(),
            next: AtomicUsize::new(0),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(Duration::from_secs(1))
                .build()
                .expect("proxy client"),
        });
        let mut cluster = Cluster {
            url,
            proxy_addr,
            proxy: proxy.clone(),
            backends: ports
                .into_iter()
                .map(|port| Backend { port, proc: None })
                .collect(),
            worker: None,
            env,
            proxy_task: tokio::spawn(serve_proxy(listener, proxy.clone())),
            health_task: tokio::spawn(health_checks(proxy)),
        };
        for i in 0..n {
            cluster.launch(i).await;
        }
        cluster.worker = Some(Proc::spawn(cluster.command(&["worker"], None)));
        cluster
    }

    fn command(&self, args: &[&str], port: Option<u16>) -> std::process::Command {
        let mut c = lectern(args);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        if let Some(p) = port {
            c.env("LECTERN_BIND", format!("127.0.0.1:{p}"));
        }
        c
    }

    /// Starts instance `i` and waits until the proxy sees it ready.
    async fn launch(&mut self, i: usize) {
        let port = self.backends[i].port;
        let p = Proc::spawn(self.command(&["serve", "--no-worker"], Some(port)));
        self.backends[i].proc = Some(p);
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while !self.proxy.upstreams[i].ready.load(Ordering::Relaxed) {
            if tokio::time::Instant::now() > deadline {
                let stderr = self.backends[i]
                    .proc
                    .as_ref()
                    .map(|p| p.stderr())
                    .unwrap_or_default();
                panic!("instance {i} did not become ready; stderr:\n{stderr}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGTERM to instance `i` (it drains, then stops), then starts it again on its port.
    /// Returns the stopped process's exit code and its stderr.
    pub async fn restart(&mut self, i: usize) -> (Option<i32>, String) {
        let p = self.backends[i].proc.take().expect("instance running");
        let (code, _, stderr) = p.terminate().await;
        self.launch(i).await;
        (code, stderr)
    }

    /// Sends `signal` (as `kill` spells it, e.g. `-TERM`) to instance `i`.
    pub fn signal(&self, i: usize, signal: &str) {
        let pid = self.backends[i]
            .proc
            .as_ref()
            .expect("instance running")
            .pid();
        let status = std::process::Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .expect("kill");
        assert!(status.success(), "kill {signal} {pid}");
    }

    /// How many requests each instance answered through the proxy.
    pub fn answered(&self) -> Vec<u64> {
        self.proxy
            .upstreams
            .iter()
            .map(|u| u.answered.load(Ordering::Relaxed))
            .collect()
    }

    /// The address of instance `i` itself (not through the proxy).
    pub fn instance_url(&self, i: usize) -> String {
        self.proxy.upstreams[i].addr.clone()
    }

    /// What the worker process has logged so far.
    pub fn worker_stderr(&self) -> String {
        self.worker.as_ref().map(|w| w.stderr()).unwrap_or_default()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.proxy_task.abort();
        self.health_task.abort();
        // The processes are killed by `Proc`'s own drop.
    }
}

async fn health_checks(state: Arc<ProxyState>) {
    let probe = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .expect("probe client");
    loop {
        for u in &state.upstreams {
            let ok = matches!(
                probe.get(format!("{}/readyz", u.addr)).send().await,
                Ok(r) if r.status().is_success()
            );
            u.ready.store(ok, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn serve_proxy(listener: tokio::net::TcpListener, state: Arc<ProxyState>) {
    let app = axum::Router::new().fallback(forward).with_state(state);
    let _ = axum::serve(listener, app).await;
}

/// Hop-by-hop headers (RFC 9110 §7.6.1) stay on their own connection.
fn hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "proxy-connection"
            | "transfer-encoding"
            | "te"
            | "trailer"
            | "upgrade"
            | "content-length"
    )
}

async fn forward(State(state): State<Arc<ProxyState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, 64 << 20).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "proxy: body too large").into_response();
    };
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let n = state.upstreams.len();
    let first = state.next.fetch_add(1, Ordering::Relaxed);
    let mut last_error = String::from("no instance is ready");
    let fail_open = !state
        .upstreams
        .iter()
        .any(|u| u.ready.load(Ordering::Relaxed));
    for k in 0..n {
        let u = &state.upstreams[(first + k) % n];
        if !fail_open && !u.ready.load(Ordering::Relaxed) {
            continue;
        }
        let mut rb = state
            .client
            .request(parts.method.clone(), format!("{}{path}", u.addr))
            .body(body.clone());
        for (name, value) in &parts.headers {
            if !hop_by_hop(name) {
                rb = rb.header(name, value);
            }
        }
        match rb.send().await {
            Ok(resp) => {
                u.answered.fetch_add(1, Ordering::Relaxed);
                let mut out = Response::builder().status(resp.status());
                for (name, value) in resp.headers() {
                    if !hop_by_hop(name) {
                        out = out.header(name, value);
                    }
                }
                let stream = resp.bytes_stream().map_err(std::io::Error::other);
                return out
                    .body(Body::from_stream(stream))
                    .expect("proxied response");
            }
            // Not sent at all: any method may go to the next instance.
            Err(e) if e.is_connect() => {
                u.ready.store(false, Ordering::Relaxed);
                last_error = e.to_string();
            }
            // Sent, no answer: only what is safe to repeat goes on.
            Err(e) if safe => last_error = e.to_string(),
            Err(e) => {
                return (StatusCode::BAD_GATEWAY, format!("proxy: {e}")).into_response();
            }
        }
    }
    (StatusCode::BAD_GATEWAY, format!("proxy: {last_error}")).into_response()
}
