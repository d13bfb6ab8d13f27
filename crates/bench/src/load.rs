//! A closed-loop load generator: N workers, each with its own client (own cookies), issue
//! requests back to back for a fixed time; latencies go into an HDR histogram.

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
}

impl Report {
    pub fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
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

/// Runs `clients.len()` workers; worker i requests `url` with `clients[i]`.
pub async fn run(name: &str, clients: &[reqwest::Client], url: &str, opts: &Options) -> Report {
    let hist = Arc::new(Mutex::new(
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds"),
    ));
    let errors = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + opts.duration;
    let mut tasks = Vec::new();
    for i in 0..opts.connections {
        let client = clients[i % clients.len()].clone();
        let url = url.to_string();
        let hist = hist.clone();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut local =
                Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
            while Instant::now() < deadline {
                let t = Instant::now();
                let ok = match client.get(&url).send().await {
                    Ok(r) => {
                        let ok = r.status().is_success();
                        let _ = r.bytes().await;
                        ok
                    }
                    Err(_) => false,
                };
                if ok {
                    let _ = local.record(t.elapsed().as_micros() as u64);
                } else {
                    errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
            let _ = hist.lock().await.add(&local);
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let seconds = start.elapsed().as_secs_f64();
    let h = hist.lock().await;
    Report {
        name: name.to_string(),
        requests: h.len(),
        errors: errors.load(std::sync::atomic::Ordering::Relaxed),
        seconds,
        p50_ms: h.value_at_quantile(0.50) as f64 / 1000.0,
        p99_ms: h.value_at_quantile(0.99) as f64 / 1000.0,
    }
}

/// A closed-loop run where worker `w` builds its `n`-th request with `make(w, n)`; a
/// response counts as success when its status is 2xx and, if `must_contain` is set, its
/// body contains that text.
pub async fn run_fn<F>(
    name: &str,
    make: F,
    must_contain: Option<&'static str>,
    opts: &Options,
) -> Report
where
    F: Fn(usize, u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let hist = Arc::new(Mutex::new(
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds"),
    ));
    let errors = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + opts.duration;
    let mut tasks = Vec::new();
    for w in 0..opts.connections {
        let make = make.clone();
        let hist = hist.clone();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut local =
                Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds");
            let mut n = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                let ok = match make(w, n).send().await {
                    Ok(r) => {
                        let status_ok = r.status().is_success();
                        let body = r.text().await.unwrap_or_default();
                        status_ok && must_contain.is_none_or(|m| body.contains(m))
                    }
                    Err(_) => false,
                };
                n += 1;
                if ok {
                    let _ = local.record(t.elapsed().as_micros() as u64);
                } else {
                    errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
            let _ = hist.lock().await.add(&local);
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let seconds = start.elapsed().as_secs_f64();
    let h = hist.lock().await;
    Report {
        name: name.to_string(),
        requests: h.len(),
        errors: errors.load(std::sync::atomic::Ordering::Relaxed),
        seconds,
        p50_ms: h.value_at_quantile(0.50) as f64 / 1000.0,
        p99_ms: h.value_at_quantile(0.99) as f64 / 1000.0,
    }
}
