//! Counts the SQL statements the app runs in a window, by listening to the `sqlx::query`
//! events sqlx emits for every statement it executes (at DEBUG, sqlx's default
//! `log_statements` level). A process-wide subscriber is installed once, before the app
//! starts (the app's own `telemetry::init` then finds one and leaves it), with the app's
//! usual warnings printed as before.
//!
//! The counter sees every statement of the process, whatever task or thread ran it (SQLite
//! runs them on its connection threads, outside any request span), so a scenario counts
//! while nothing else runs: the app started without its job worker, one request at a time.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

static COUNTING: AtomicBool = AtomicBool::new(false);
static COUNTS: Mutex<BTreeMap<String, u64>> = Mutex::new(BTreeMap::new());
static INSTALLED: OnceLock<()> = OnceLock::new();

struct StatementCounter;

/// The statements themselves, in order, while [`count_listed`] runs.
static LISTED: Mutex<Vec<String>> = Mutex::new(Vec::new());
static LISTING: AtomicBool = AtomicBool::new(false);

/// sqlx's `summary` field (the statement's first four words) and, when listing, its
/// `db.statement` (the whole text, empty when the summary is all of it).
#[derive(Default)]
struct Fields {
    first_word: Option<String>,
    summary: Option<String>,
    statement: Option<String>,
}

impl Fields {
    fn summary(&mut self, value: &str) {
        self.first_word = value
            .split_whitespace()
            .next()
            .map(|w| w.to_ascii_uppercase());
        self.summary = Some(value.to_string());
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let text = format!("{value:?}");
        self.record_str(field, text.trim_matches('"'));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary(value),
            "db.statement" if !value.trim().is_empty() => {
                self.statement = Some(value.split_whitespace().collect::<Vec<_>>().join(" "))
            }
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for StatementCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if !COUNTING.load(Ordering::Relaxed) {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        // The instance's own background reads, on their own clock, not any request's: the
        // session cache's change log (SQLite) and its heartbeat (PostgreSQL).
        let text = fields.statement.as_deref().or(fields.summary.as_deref());
        if text.is_some_and(|t| t.contains("change_log") || t.contains("pg_notify")) {
            return;
        }
        if LISTING.load(Ordering::Relaxed) {
            let text = fields
                .statement
                .clone()
                .or_else(|| fields.summary.clone())
                .unwrap_or_default();
            LISTED.lock().unwrap().push(text);
        }
        let key = fields.first_word.unwrap_or_else(|| "?".into());
        *COUNTS.lock().unwrap().entry(key).or_default() += 1;
    }
}

/// Installs the counting subscriber (once per process; later calls do nothing).
pub fn install() {
    INSTALLED.get_or_init(|| {
        let log = std::env::var("LECTERN_BENCH_LOG").unwrap_or_else(|_| "warn".into());
        let fmt = tracing_subscriber::fmt::layer()
            .with_target(false)
            .with_writer(std::io::stderr)
            .with_filter(EnvFilter::try_new(log).unwrap_or_else(|_| EnvFilter::new("warn")));
        let counter = StatementCounter.with_filter(tracing_subscriber::filter::filter_fn(|m| {
            m.target() == "sqlx::query"
        }));
        let _ = tracing_subscriber::registry()
            .with(fmt)
            .with(counter)
            .try_init();
    });
}

/// The statements run while `f` ran, by first keyword (`SELECT`, `INSERT`, …).
pub async fn count<F: std::future::Future>(f: F) -> (F::Output, BTreeMap<String, u64>) {
    COUNTS.lock().unwrap().clear();
    COUNTING.store(true, Ordering::SeqCst);
    let out = f.await;
    COUNTING.store(false, Ordering::SeqCst);
    let counts = std::mem::take(&mut *COUNTS.lock().unwrap());
    (out, counts)
}

/// Like [`count`], also returning the statements' texts in the order they ran.
pub async fn count_listed<F: std::future::Future>(
    f: F,
) -> (F::Output, BTreeMap<String, u64>, Vec<String>) {
    LISTED.lock().unwrap().clear();
    LISTING.store(true, Ordering::SeqCst);
    let (out, counts) = count(f).await;
    LISTING.store(false, Ordering::SeqCst);
    let listed = std::mem::take(&mut *LISTED.lock().unwrap());
    (out, counts, listed)
}

/// `1,234 (SELECT 10, INSERT 1,200, …)`.
pub fn describe(counts: &BTreeMap<String, u64>) -> String {
    let total: u64 = counts.values().sum();
    let parts: Vec<String> = counts.iter().map(|(k, v)| format!("{k} {v}")).collect();
    format!("{total} ({})", parts.join(", "))
}
