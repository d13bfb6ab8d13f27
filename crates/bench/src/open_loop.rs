//! An open-loop load generator: requests are issued on a fixed schedule (request *k* at
//! *k / rate* seconds) whether or not earlier ones were answered, as a crowd of independent
//! clients would, so an overloaded server meets the whole offered rate instead of slowing
//! its clients down (what a closed loop does). Each request in flight has its own HTTP/1.1
//! connection, taken from a pool of idle keep-alive connections or opened for it; a
//! latency counts from the request's scheduled time, so a generator that falls behind
//! shows up in the figures rather than hiding the wait.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

type Sender = hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>>;

/// What one run saw.
pub struct Report {
    /// Requests the schedule called for.
    pub scheduled: u64,
    /// Of those, not sent because `max_in_flight` were already waiting (the generator's
    /// own limit on open connections, not the server's doing).
    pub not_sent: u64,
    /// From the first scheduled request until the last answer.
    pub seconds: f64,
    /// `200` answers (latency in `ok`).
    pub ok_count: u64,
    /// `503` answers with `Retry-After` (latency in `shed`).
    pub shed: u64,
    /// `503` answers without `Retry-After`.
    pub shed_without_retry_after: u64,
    /// Other answers by status.
    pub other: BTreeMap<u16, u64>,
    /// Requests that got no answer (refused or broken connection).
    pub no_answer: u64,
    /// Connections opened.
    pub connects: u64,
    pub ok: Histogram<u64>,
    pub shed_hist: Histogram<u64>,
}

impl Report {
    pub fn failures(&self) -> u64 {
        self.other.values().sum::<u64>() + self.no_answer + self.shed_without_retry_after
    }
    pub fn per_sec(&self, n: u64) -> f64 {
        n as f64 / self.seconds.max(1e-9)
    }
    pub fn ok_ms(&self, q: f64) -> f64 {
        self.ok.value_at_quantile(q) as f64 / 1000.0
    }
    /// Non-200 answers as `status×n`, and the requests without an answer.
    pub fn failures_text(&self) -> String {
        let mut parts: Vec<String> = self.other.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        if self.shed_without_retry_after > 0 {
            parts.push(format!(
                "503 without Retry-After×{}",
                self.shed_without_retry_after
            ));
        }
        if self.no_answer > 0 {
            parts.push(format!("no answer×{}", self.no_answer));
        }
        if parts.is_empty() {
            "none".into()
        } else {
            parts.join(", ")
        }
    }
}

/// A pool of keep-alive connections to one server, reused across runs.
#[derive(Clone)]
pub struct OpenLoop {
    authority: String,
    idle: Arc<Mutex<Vec<Sender>>>,
    /// At most this many requests waiting for an answer at once.
    max_in_flight: usize,
}

impl OpenLoop {
    pub fn new(authority: &str, max_in_flight: usize) -> OpenLoop {
        OpenLoop {
            authority: authority.to_string(),
            idle: Arc::new(Mutex::new(Vec::new())),
            max_in_flight,
        }
    }

    /// Issues `rate` requests per second for `duration`; request *k* is `make(k)` (`Host` is
    /// added) with its body. Waits for every answer before returning.
    pub async fn run<F>(&self, rate: f64, duration: Duration, make: F) -> Report
    where
        F: Fn(u64) -> (hyper::http::request::Builder, bytes::Bytes) + Send + Sync + 'static,
    {
        let make = Arc::new(make);
        let total = (rate * duration.as_secs_f64()).round() as u64;
        let in_flight = Arc::new(AtomicUsize::new(0));
        let shared = Arc::new(Tally::default());
        let not_sent = AtomicU64::new(0);
        let start = Instant::now();
        let mut tasks = tokio::task::JoinSet::new();
        let mut k = 0u64;
        while k < total {
            // Everything due by now goes out; then sleep a millisecond (the timer's grain).
            let due = ((start.elapsed().as_secs_f64() * rate) as u64 + 1).min(total);
            while k < due {
                let at = start + Duration::from_secs_f64(k as f64 / rate);
                if in_flight.load(Ordering::Relaxed) >= self.max_in_flight {
                    not_sent.fetch_add(1, Ordering::Relaxed);
                } else {
                    in_flight.fetch_add(1, Ordering::Relaxed);
                    let (req, body) = make(k);
                    let (pool, tally, in_flight) =
                        (self.clone(), shared.clone(), in_flight.clone());
                    tasks.spawn(async move {
                        pool.one(req, body, at, &tally).await;
                        in_flight.fetch_sub(1, Ordering::Relaxed);
                    });
                }
                k += 1;
            }
            // Reap what finished, so the set does not grow with the run.
            while tasks.try_join_next().is_some() {}
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        while tasks.join_next().await.is_some() {}
        let seconds = start.elapsed().as_secs_f64();
        let t = Arc::try_unwrap(shared).unwrap_or_else(|_| unreachable!("all tasks joined"));
        let inner = t.inner.into_inner().unwrap();
        Report {
            scheduled: total,
            not_sent: not_sent.into_inner(),
            seconds,
            ok_count: inner.ok.len(),
            shed: inner.shed.len(),
            shed_without_retry_after: inner.shed_without_retry_after,
            other: inner.other,
            no_answer: inner.no_answer,
            connects: t.connects.into_inner(),
            ok: inner.ok,
            shed_hist: inner.shed,
        }
    }

    async fn one(
        &self,
        req: hyper::http::request::Builder,
        body: bytes::Bytes,
        at: Instant,
        tally: &Tally,
    ) {
        use http_body_util::BodyExt;
        let req = req.header(hyper::header::HOST, self.authority.as_str());
        let result = async {
            let mut sender = self.take(tally).await?;
            sender.ready().await?;
            let resp = sender
                .send_request(req.body(http_body_util::Full::new(body))?)
                .await?;
            let status = resp.status().as_u16();
            let retry_after = resp.headers().contains_key(hyper::header::RETRY_AFTER);
            let _ = resp.into_body().collect().await?;
            if !sender.is_closed() {
                self.idle.lock().unwrap().push(sender);
            }
            anyhow::Ok((status, retry_after))
        }
        .await;
        let us = at.elapsed().as_micros() as u64;
        let mut t = tally.inner.lock().unwrap();
        match result {
            Ok((200, _)) => {
                let _ = t.ok.record(us);
            }
            Ok((503, true)) => {
                let _ = t.shed.record(us);
            }
            Ok((503, false)) => t.shed_without_retry_after += 1,
            Ok((status, _)) => *t.other.entry(status).or_default() += 1,
            Err(_) => t.no_answer += 1,
        }
    }

    /// An idle connection, or a new one.
    async fn take(&self, tally: &Tally) -> anyhow::Result<Sender> {
        loop {
            let Some(s) = self.idle.lock().unwrap().pop() else {
                break;
            };
            if !s.is_closed() {
                return Ok(s);
            }
        }
        tally.connects.fetch_add(1, Ordering::Relaxed);
        let stream = tokio::net::TcpStream::connect(&self.authority).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        tokio::spawn(connection);
        Ok(sender)
    }

    /// Closes the idle connections.
    pub fn close(&self) {
        self.idle.lock().unwrap().clear();
    }
}

struct Inner {
    ok: Histogram<u64>,
    shed: Histogram<u64>,
    shed_without_retry_after: u64,
    other: BTreeMap<u16, u64>,
    no_answer: u64,
}

struct Tally {
    inner: Mutex<Inner>,
    connects: AtomicU64,
}

impl Default for Tally {
    fn default() -> Tally {
        let h = || Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).expect("valid bounds");
        Tally {
            inner: Mutex::new(Inner {
                ok: h(),
                shed: h(),
                shed_without_retry_after: 0,
                other: BTreeMap::new(),
                no_answer: 0,
            }),
            connects: AtomicU64::new(0),
        }
    }
}
