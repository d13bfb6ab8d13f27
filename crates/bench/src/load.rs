//! A closed-loop load generator: N workers, each with its own client (own cookies), issue
//! requests back to back for a fixed time; latencies go into an HDR histogram.
//!
//! Workers drive plain HTTP/1.1 connections (hyper, one keep-alive connection each, headers
//! such as `Cookie` set by the scenario), so that the generator, which shares the machine
//! with the app and the database, spends as little CPU as a tool like `wrk` would.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::sync::Mutex;

pub struct Options {
    pub connections: usize,
    pub duration: Duration,
}

pub struct Report {
    pub name: String,
    pub requests: u64,
    pub errors: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// The answers that failed the check, by their status code (a request that got no
    /// answer is only in `errors`).
    pub failed_statuses: BTreeMap<u16, u64>,
}

impl Report {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
    /// Failed answers whose status was not `status` (e.g. non-200s when 200 is expected).
    pub fn failed_not(&self, status: u16) -> u64 {
        self.failed_statuses
            .iter()
            .filter(|(s, _)| **s != status)
            .map(|(_, n)| n)
            .sum()
    }

    pub fn print(&self) {
        println!(
            "  {:<28} {:>9.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   errors {}",
            self.name,
            self.rps(),
            self.p50_ms,
            self.p99_ms,
            self.errors
        );
    }
}

/// Runs `opts.connections` workers; worker i sends `GET url` with `Cookie: cookies[i % n]`.
pub async fn run(name: &str, cookies: &[String], url: &str, opts: &Options) -> Report {
    let cookies = cookies.to_vec();
    let target = Target::parse(url);
    let path = target.path.clone();
    run_fn(
        name,
        &target,
        move |w, _| {
            hyper::Request::get(path.as_str())
                .header(hyper::header::COOKIE, cookies[w % cookies.len()].as_str())
        },
        None,
        opts,
    )
    .await
}

/// Where requests go: the `host:port` to connect to and the path of `url`.
pub struct Target {
    pub authority: String,
    pub path: String,
}

impl Target {
    pub fn parse(url: &str) -> Target {
        let uri: hyper::Uri = url.parse().expect("a valid URL");
        Target {
            authority: uri.authority().expect("an absolute URL").to_string(),
            path: uri
                .path_and_query()
                .map_or("/".to_string(), |p| p.as_str().to_string()),
        }
    }
}

/// A closed-loop run where worker `w` builds its `n`-th request with `make(w, n)` (without
/// a body; `Host` is added); a response counts as success when its status is 2xx and, if
/// `must_contain` is set, its body contains that text.
pub async fn run_fn<F>(
    name: &str,
    target: &Target,
    make: F,
    must_contain: Option<&'static str>,
    opts: &Options,
) -> Report
where
    F: Fn(usize, u64) -> hyper::http::request::Builder + Send + Sync + 'static,
{
    run_checked(name, target, make, Check::Success(must_contain), opts).await
}

/// What makes an answer a success.
#[derive(Clone, Copy)]
pub enum Check<'a> {
    /// A 2xx whose body, read to the end, contains this text if given.
    Success(Option<&'a str>),
    /// Exactly `206 Partial Content` with a body of exactly this many bytes (counted as
    /// it arrives, not gathered, to keep the generator's work small).
    Partial(usize),
    /// Exactly `303 See Other` to a `Location` that starts with this text.
    SeeOther(&'a str),
}

/// Like [`run_fn`], with any [`Check`].
pub async fn run_checked<F>(
    name: &str,
    target: &Target,
    make: F,
    check: Check<'static>,
    opts: &Options,
) -> Report
where
    F: Fn(usize, u64) -> hyper::http::request::Builder + Send + Sync + 'static,
{
    run_with_body(
        name,
        target,
        move |w, n| (make(w, n), bytes::Bytes::new()),
        check,
        opts,
    )
    .await
}

/// Like [`run_checked`], where `make` also gives the request's body (a form, say).
pub async fn run_with_body<F>(
    name: &str,
    target: &Target,
    make: F,
    check: Check<'static>,
    opts: &Options,
) -> Report
where
    F: Fn(usize, u64) -> (hyper::http::request::Builder, bytes::Bytes) + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let hist = Arc::new(Mutex::new(
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds"),
    ));
    let errors = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let statuses = Arc::new(Mutex::new(BTreeMap::<u16, u64>::new()));
    let start = Instant::now();
    let deadline = start + opts.duration;
    let mut tasks = Vec::new();
    for w in 0..opts.connections {
        let make = make.clone();
        let authority = target.authority.clone();
        let hist = hist.clone();
        let errors = errors.clone();
        let statuses = statuses.clone();
        tasks.push(tokio::spawn(async move {
            let mut local =
                Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
            let mut failed = BTreeMap::<u16, u64>::new();
            let mut conn = Conn::new(&authority);
            let mut n = 0u64;
            while Instant::now() < deadline {
                let (req, body) = make(w, n);
                n += 1;
                let t = Instant::now();
                let outcome = conn.send_outcome(req, body, check).await;
                if outcome.ok {
                    let _ = local.record(t.elapsed().as_micros() as u64);
                } else {
                    errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if let Some(status) = outcome.status {
                        *failed.entry(status).or_default() += 1;
                    }
                }
            }
            let _ = hist.lock().await.add(&local);
            let mut all = statuses.lock().await;
            for (status, n) in failed {
                *all.entry(status).or_default() += n;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let seconds = start.elapsed().as_secs_f64();
    let h = hist.lock().await;
    let failed_statuses = std::mem::take(&mut *statuses.lock().await);
    Report {
        name: name.to_string(),
        requests: h.len(),
        errors: errors.load(std::sync::atomic::Ordering::Relaxed),
        seconds,
        p50_ms: h.value_at_quantile(0.50) as f64 / 1000.0,
        p99_ms: h.value_at_quantile(0.99) as f64 / 1000.0,
        failed_statuses,
    }
}

/// What became of one request.
#[derive(Clone, Copy, Debug)]
pub struct Outcome {
    /// The answer's status; `None` when no answer came (connection or protocol error).
    pub status: Option<u16>,
    /// Whether the answer passed the check.
    pub ok: bool,
}

type Sender = hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>;

/// One worker's keep-alive HTTP/1.1 connection, opened on first use and again after a
/// failure.
pub struct Conn {
    authority: String,
    sender: Option<Sender>,
}

impl Conn {
    pub fn new(authority: &str) -> Conn {
        Conn {
            authority: authority.to_string(),
            sender: None,
        }
    }

    /// Sends `req` (`Host` is added) with `body`; true for a 2xx whose body, read to the
    /// end, contains `must_contain` if given.
    pub async fn send(
        &mut self,
        req: hyper::http::request::Builder,
        body: bytes::Bytes,
        must_contain: Option<&str>,
    ) -> bool {
        self.send_checked(req, body, Check::Success(must_contain))
            .await
    }

    /// Sends `req` (`Host` is added) with `body`; true when the answer passes `check`.
    pub async fn send_checked(
        &mut self,
        req: hyper::http::request::Builder,
        body: bytes::Bytes,
        check: Check<'_>,
    ) -> bool {
        self.send_outcome(req, body, check).await.ok
    }

    /// Like [`Conn::send_checked`], also giving the answer's status.
    pub async fn send_outcome(
        &mut self,
        req: hyper::http::request::Builder,
        body: bytes::Bytes,
        check: Check<'_>,
    ) -> Outcome {
        let req = req.header(hyper::header::HOST, self.authority.as_str());
        let mut status = None;
        match self.try_send(req, body, check, &mut status).await {
            Ok(ok) => Outcome { status, ok },
            Err(_) => {
                self.sender = None;
                Outcome { status, ok: false }
            }
        }
    }

    /// Sends `req` (`Host` is added) without a body and reads the answer to the end: its
    /// status and body.
    pub async fn fetch(
        &mut self,
        req: hyper::http::request::Builder,
    ) -> anyhow::Result<(u16, bytes::Bytes)> {
        use http_body_util::BodyExt;
        let req = req.header(hyper::header::HOST, self.authority.as_str());
        let result = async {
            let sender = self.connected().await?;
            sender.ready().await?;
            let resp = sender
                .send_request(req.body(http_body_util::Full::new(bytes::Bytes::new()))?)
                .await?;
            let status = resp.status().as_u16();
            let body = resp.into_body().collect().await?.to_bytes();
            anyhow::Ok((status, body))
        }
        .await;
        if result.is_err() {
            self.sender = None;
        }
        result
    }

    /// The keep-alive connection, opened if there is none (or it closed).
    async fn connected(&mut self) -> anyhow::Result<&mut Sender> {
        if self.sender.as_ref().is_none_or(|c| c.is_closed()) {
            let stream = tokio::net::TcpStream::connect(&self.authority).await?;
            stream.set_nodelay(true)?;
            let (sender, connection) =
                hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
            tokio::spawn(connection);
            self.sender = Some(sender);
        }
        Ok(self.sender.as_mut().expect("connected"))
    }

    async fn try_send(
        &mut self,
        req: hyper::http::request::Builder,
        body: bytes::Bytes,
        check: Check<'_>,
        status: &mut Option<u16>,
    ) -> anyhow::Result<bool> {
        use http_body_util::BodyExt;
        let sender = self.connected().await?;
        sender.ready().await?;
        let resp = sender
            .send_request(req.body(http_body_util::Full::new(body))?)
            .await?;
        *status = Some(resp.status().as_u16());
        match check {
            Check::Success(must_contain) => {
                let ok = resp.status().is_success();
                let body = resp.into_body().collect().await?.to_bytes();
                Ok(ok
                    && must_contain
                        .is_none_or(|m| body.windows(m.len()).any(|w| w == m.as_bytes())))
            }
            Check::Partial(len) => {
                let ok = resp.status() == hyper::StatusCode::PARTIAL_CONTENT;
                let mut body = resp.into_body();
                let mut got = 0usize;
                while let Some(frame) = body.frame().await {
                    if let Some(data) = frame?.data_ref() {
                        got += data.len();
                    }
                }
                Ok(ok && got == len)
            }
            Check::SeeOther(prefix) => {
                let ok = resp.status() == hyper::StatusCode::SEE_OTHER
                    && resp
                        .headers()
                        .get(hyper::header::LOCATION)
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|l| l.starts_with(prefix));
                let _ = resp.into_body().collect().await?;
                Ok(ok)
            }
        }
    }
}
