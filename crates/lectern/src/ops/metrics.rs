//! Prometheus metrics: request counts and latencies by route, job counts by state, and
//! the session cache's lookups. Not public: a bearer token (`LECTERN_METRICS_TOKEN`) or,
//! without one, only requests from this machine that came through no proxy. A leaf: the
//! capabilities count into it, and `ops::metrics_page` fills in what it reads from them.

use std::time::Instant;

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::config::Config;

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    jobs: IntGaugeVec,
    session_lookups: IntCounterVec,
    session_cache_live: IntGauge,
    push_streams: IntGauge,
    csp_violations: IntCounterVec,
    shed: prometheus::IntCounter,
    in_flight: IntGauge,
    zoom_circuits_open: IntGauge,
    zoom_short_circuited: prometheus::IntCounter,
    /// Brings the counters kept elsewhere (`zoom_short_circuited`, `viewer_lookups`) up to
    /// their totals one scrape at a time.
    zoom_sync: std::sync::Mutex<()>,
    viewer_lookups: IntCounterVec,
    viewer_cache_live: IntGauge,
    viewer_cache_people: IntGauge,
}

/// What the viewer cache (`db::viewers`) says at scrape time: its totals since start.
#[derive(Clone, Copy, Debug, Default)]
pub struct ViewerCacheStats {
    pub live: bool,
    /// People with a part kept.
    pub people: usize,
    /// Course and player views served without the database, and those that read it.
    pub views: (u64, u64),
    /// Lookups of a lesson's parts (the join, the live player) answered and not.
    pub lessons: (u64, u64),
}

/// What the Zoom client's circuit breakers say at scrape time.
#[derive(Clone, Copy, Debug, Default)]
pub struct ZoomCircuits {
    /// Connections whose circuit is open or half-open now.
    pub open: usize,
    /// Calls refused without being sent since the process started.
    pub short_circuited: u64,
}

impl Metrics {
    pub fn new() -> anyhow::Result<Metrics> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "lectern_http_requests_total",
                "HTTP requests by route and status",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "lectern_http_request_duration_seconds",
                "HTTP latency by route",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["method", "route"],
        )?;
        let jobs = IntGaugeVec::new(Opts::new("lectern_jobs", "Jobs by state"), &["state"])?;
        let session_lookups = IntCounterVec::new(
            Opts::new(
                "lectern_session_lookups_total",
                "Session lookups by result: hit, miss (read from the database) or off (cache not live)",
            ),
            &["result"],
        )?;
        let session_cache_live = IntGauge::new(
            "lectern_session_cache_live",
            "1 while the session cache hears every session change (PostgreSQL: subscribed; SQLite: reading its change log)",
        )?;
        let push_streams = IntGauge::new(
            "lectern_push_streams_open",
            "Open live-change event streams (pages following a course's live lessons)",
        )?;
        let csp_violations = IntCounterVec::new(
            Opts::new(
                "lectern_csp_violations_total",
                "Content-Security-Policy violations browsers reported, by directive",
            ),
            &["directive"],
        )?;
        let shed = prometheus::IntCounter::new(
            "lectern_requests_shed_total",
            "Requests answered 503 because LECTERN_MAX_IN_FLIGHT were being handled",
        )?;
        let in_flight = IntGauge::new(
            "lectern_requests_in_flight",
            "Requests holding a place of the load shedder now (pages, API and uploads; see LECTERN_MAX_IN_FLIGHT)",
        )?;
        registry.register(Box::new(in_flight.clone()))?;
        let zoom_circuits_open = IntGauge::new(
            "lectern_zoom_circuit_open",
            "Zoom connections whose circuit breaker is open (calls fail at once) or half-open, in this instance",
        )?;
        let zoom_short_circuited = prometheus::IntCounter::new(
            "lectern_zoom_short_circuited_total",
            "Zoom calls refused without being sent because their connection's circuit was open",
        )?;
        let viewer_lookups = IntCounterVec::new(
            Opts::new(
                "lectern_viewer_cache_lookups_total",
                "Viewer cache lookups by part (view: the course and the viewer's part of it, for a course page, a player or a join; lesson: a live lesson's parts, for a join or a live player) and result (hit, miss)",
            ),
            &["part", "result"],
        )?;
        let viewer_cache_live = IntGauge::new(
            "lectern_viewer_cache_live",
            "1 while the viewer cache hears every change to what it keeps (PostgreSQL: subscribed; SQLite: reading its change log)",
        )?;
        let viewer_cache_people = IntGauge::new(
            "lectern_viewer_cache_people",
            "People whose part of a course the viewer cache keeps now",
        )?;
        registry.register(Box::new(viewer_lookups.clone()))?;
        registry.register(Box::new(viewer_cache_live.clone()))?;
        registry.register(Box::new(viewer_cache_people.clone()))?;
        registry.register(Box::new(zoom_circuits_open.clone()))?;
        registry.register(Box::new(zoom_short_circuited.clone()))?;
        registry.register(Box::new(shed.clone()))?;
        registry.register(Box::new(csp_violations.clone()))?;
        registry.register(Box::new(push_streams.clone()))?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(jobs.clone()))?;
        registry.register(Box::new(session_lookups.clone()))?;
        registry.register(Box::new(session_cache_live.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            jobs,
            session_lookups,
            session_cache_live,
            push_streams,
            csp_violations,
            shed,
            in_flight,
            zoom_circuits_open,
            zoom_short_circuited,
            zoom_sync: std::sync::Mutex::new(()),
            viewer_lookups,
            viewer_cache_live,
            viewer_cache_people,
        })
    }

    /// The gauge of requests holding a shedder's place (`web::shed` raises and lowers it).
    pub fn in_flight(&self) -> IntGauge {
        self.in_flight.clone()
    }

    /// Counts one request shed by `web::shed`.
    pub fn shed(&self) {
        self.shed.inc();
    }

    /// Counts one reported CSP violation (`directive` from a bounded list).
    pub fn csp_violation(&self, directive: &str) {
        self.csp_violations.with_label_values(&[directive]).inc();
    }

    /// The session cache's lookups by result and whether it is live.
    pub fn session_cache_counters(&self) -> (IntCounterVec, IntGauge) {
        (
            self.session_lookups.clone(),
            self.session_cache_live.clone(),
        )
    }

    /// The text exposition of every metric, with the gauges read at scrape time.
    pub fn encode(
        &self,
        jobs_by_state: Option<&[(String, i64)]>,
        push_streams: i64,
        zoom: Option<ZoomCircuits>,
        viewers: ViewerCacheStats,
    ) -> Option<Vec<u8>> {
        // Counters brought up to the totals read now, one scrape at a time.
        let _one_at_a_time = self.zoom_sync.lock().unwrap_or_else(|p| p.into_inner());
        let catch_up = |c: prometheus::IntCounter, total: u64| {
            let seen = c.get();
            if total > seen {
                c.inc_by(total - seen);
            }
        };
        if let Some(z) = zoom {
            self.zoom_circuits_open
                .set(i64::try_from(z.open).unwrap_or(i64::MAX));
            catch_up(self.zoom_short_circuited.clone(), z.short_circuited);
        }
        for (part, (hits, misses)) in [("view", viewers.views), ("lesson", viewers.lessons)] {
            catch_up(self.viewer_lookups.with_label_values(&[part, "hit"]), hits);
            catch_up(
                self.viewer_lookups.with_label_values(&[part, "miss"]),
                misses,
            );
        }
        self.viewer_cache_live.set(i64::from(viewers.live));
        self.viewer_cache_people
            .set(i64::try_from(viewers.people).unwrap_or(i64::MAX));
        if let Some(counts) = jobs_by_state {
            for state_name in ["queued", "running", "done", "failed"] {
                let n = counts
                    .iter()
                    .find(|(s, _)| s == state_name)
                    .map(|(_, n)| *n)
                    .unwrap_or(0);
                self.jobs.with_label_values(&[state_name]).set(n);
            }
        }
        self.push_streams.set(push_streams);
        let mut buf = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut buf)
            .ok()?;
        Some(buf)
    }
}

pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    // The route template, never the concrete path (bounded label set, no tokens).
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let resp = next.run(req).await;
    let m = &metrics;
    m.requests
        .with_label_values(&[method.as_str(), route.as_str(), resp.status().as_str()])
        .inc();
    m.latency
        .with_label_values(&[method.as_str(), route.as_str()])
        .observe(start.elapsed().as_secs_f64());
    resp
}

/// Why `req` may not read the metrics, as the answer to give it; `None` when it may.
pub fn refusal(config: &Config, req: &Request) -> Option<Response> {
    match &config.metrics_token {
        Some(token) => {
            let given = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, t)| t.trim());
            if given.is_some_and(|t| crate::crypto::ct_eq(t, token)) {
                return None;
            }
            Some(
                (
                    StatusCode::UNAUTHORIZED,
                    [(header::WWW_AUTHENTICATE, "Bearer realm=\"metrics\"")],
                    "send LECTERN_METRICS_TOKEN as a bearer token\n",
                )
                    .into_response(),
            )
        }
        None => {
            // A proxy on this machine connects from loopback too: a forwarded request, or
            // one from a configured proxy, is someone else's.
            let peer = crate::web::client_ip::peer(req.extensions());
            let local = peer.is_loopback()
                && !crate::web::client_ip::is_forwarded(req.headers())
                && !config.trusted_proxies.iter().any(|n| n.contains(&peer));
            (!local).then(|| StatusCode::NOT_FOUND.into_response())
        }
    }
}
