//! The `dashboard` benchmark: open room dashboards (`live/dashboard.rs`) while a whole
//! class joins (issue 18: "20 open dashboard connections and a 2,000-student class joining
//! within 10 s: every change shown within 2 s").
//!
//! 1. The class of `class-start` is seeded (zoom-sim, Zoom connected, N enrolled students),
//!    with the job worker running; the instructor presses Start and the host joins in
//!    zoom-sim; the bench waits until `meeting.started` was processed (the session is live,
//!    so the dashboard counts who is in the room).
//! 2. D dashboards, each the instructor signed in through the real form (its own session),
//!    do what `static/dashboard.js` does: hold `GET /live/{lesson}/dashboard/events` on
//!    one plain HTTP/1.1 connection and, on its `ready` and on every `change`, fetch
//!    `GET /live/{lesson}/dashboard/view` on a second keep-alive connection, one fetch at
//!    a time (changes heard during a fetch cost one more fetch, not one each).
//! 3. Student i's signed `meeting.participant_joined` (`customer_key` binding it to the
//!    student, as the player joins) is posted to `/webhooks/zoom` at i × window / N by a
//!    few sender connections; its acknowledgement (the app's 2xx) is the instant it counts
//!    from.
//! 4. Every view a dashboard receives is parsed: the rows with `data-status="in-room"` and
//!    the `data-in-room` count. Per (dashboard, student): the lag from the student's
//!    acknowledged join to the end of the first view on that dashboard showing the student
//!    in the room. Per fetch: from the `change` that asked for it to the view's arrival.
//!    Per dashboard: from the last join's acknowledgement until its view shows all N.
//! 5. `/healthz` closed loop with the dashboards still open, as the other scenarios.
//!
//! Fails (exit status 1) if a dashboard never opened, a join was not acknowledged, a view
//! fetch failed, or a dashboard never showed a student within `--timeout` after the last
//! join.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Empty};
use lectern::live::State as SessionState;

use crate::live::{self, World};
use crate::load::{self, Conn, Options};
use crate::setup::{self, Target};

/// The target of issue 18.
const TARGET: Duration = Duration::from_secs(2);

fn histogram() -> Histogram<u64> {
    Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).expect("valid bounds")
}

fn q(h: &Histogram<u64>, quantile: f64) -> f64 {
    h.value_at_quantile(quantile) as f64 / 1000.0
}

fn line(what: &str, h: &Histogram<u64>) -> String {
    format!(
        "{what:<44} p50 {:>8.1} ms   p99 {:>8.1} ms   max {:>8.1} ms   ({} samples)",
        q(h, 0.5),
        q(h, 0.99),
        h.max() as f64 / 1000.0,
        h.len()
    )
}

/// One open dashboard's side of the run.
struct Dash {
    cookie: String,
    /// Set when the stream's `ready` arrived.
    ready: Mutex<Option<tokio::sync::oneshot::Sender<Result<(), String>>>>,
    /// A change (or `ready`) heard and not yet covered by a fetch that started after it.
    pending: Mutex<Option<Instant>>,
    /// Wakes the fetcher; a wake-up during a fetch is kept (one permit), as `again` in
    /// dashboard.js.
    wake: tokio::sync::Notify,
    /// Per student (index): when a view first showed them in the room.
    first_seen: Mutex<Vec<Option<Instant>>>,
    /// When a view first counted every student in the room.
    all_in: Mutex<Option<Instant>>,
    changes: AtomicU64,
    fetches: AtomicU64,
    fetch_errors: AtomicU64,
    first_error: Mutex<Option<String>>,
    /// Request → view received.
    fetch_h: Mutex<Histogram<u64>>,
    /// `change` heard → the view fetched for it received.
    change_h: Mutex<Histogram<u64>>,
}

struct Shared {
    authority: String,
    lesson: i64,
    n: usize,
    /// User id → student index.
    index: HashMap<i64, usize>,
}

pub async fn run(
    target: Target,
    students: usize,
    dashboards: usize,
    window: Duration,
    timeout: Duration,
    opts: &Options,
) -> anyhow::Result<()> {
    let w = live::prepare(&target, students, false, true, false).await?;
    let result = measure(&w, dashboards, window, timeout, opts).await;
    w.sim.shutdown();
    w.app.stop().await;
    let ok = result?;
    anyhow::ensure!(ok, "dashboard: the run is not complete (see above)");
    Ok(())
}

/// The measured part; true when every check passed.
async fn measure(
    w: &World,
    dashboards: usize,
    window: Duration,
    timeout: Duration,
    opts: &Options,
) -> anyhow::Result<bool> {
    let n = w.students.len();
    println!(
        "\n{} — dashboard, {dashboards} open room dashboards, {n} students joining over {window:?}",
        w.app.label()
    );
    // meeting.started processed: the session is live, so the dashboard counts the room.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s = lectern::live::by_lesson(w.app.db(), w.school, w.lesson)
            .await?
            .ok_or_else(|| anyhow::anyhow!("no live session"))?;
        if s.state() == SessionState::Live {
            break;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "meeting.started never processed (session {})",
            s.state().as_str()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The dashboards' viewers: the instructor (host and course manager), signed in once
    // per dashboard through the real form.
    let mut cookies = Vec::with_capacity(dashboards);
    for _ in 0..dashboards {
        let (_, cookie) =
            setup::sign_in_with_cookies(w.app.base(), "teacher@bench.test", live::PASSWORD).await?;
        cookies.push(cookie);
    }
    let shared = Arc::new(Shared {
        authority: w.app.base().trim_start_matches("http://").to_string(),
        lesson: w.lesson.0,
        n,
        index: w
            .students
            .iter()
            .enumerate()
            .map(|(i, (uid, _, _))| (*uid, i))
            .collect(),
    });
    // The view this bench parses is the one the page swaps in: check its shape once.
    {
        let mut conn = Conn::new(&shared.authority);
        let (status, body) = conn.fetch(view_request(&shared, &cookies[0])).await?;
        let body = String::from_utf8_lossy(&body);
        anyhow::ensure!(
            status == 200 && in_room_count(&body) == Some(0) && body.contains("data-user=\""),
            "the dashboard view answered {status} without the expected rows and count: {}",
            body.chars().take(300).collect::<String>()
        );
    }

    // Open the dashboards.
    let mut dashes = Vec::with_capacity(dashboards);
    let mut opened = Vec::with_capacity(dashboards);
    let mut tasks = Vec::new();
    for cookie in cookies {
        let (tx, rx) = tokio::sync::oneshot::channel();
        opened.push(rx);
        let d = Arc::new(Dash {
            cookie,
            ready: Mutex::new(Some(tx)),
            pending: Mutex::new(None),
            wake: tokio::sync::Notify::new(),
            first_seen: Mutex::new(vec![None; n]),
            all_in: Mutex::new(None),
            changes: AtomicU64::new(0),
            fetches: AtomicU64::new(0),
            fetch_errors: AtomicU64::new(0),
            first_error: Mutex::new(None),
            fetch_h: Mutex::new(histogram()),
            change_h: Mutex::new(histogram()),
        });
        dashes.push(d.clone());
        let (s1, d1) = (shared.clone(), d.clone());
        tasks.push(tokio::spawn(async move {
            if let Err(e) = follow(&s1, &d1).await {
                match d1.ready.lock().unwrap().take() {
                    Some(tx) => {
                        let _ = tx.send(Err(e.to_string()));
                    }
                    // A stream lost during the run fails it, as a failed fetch does.
                    None => {
                        d1.fetch_errors.fetch_add(1, Ordering::Relaxed);
                        d1.first_error
                            .lock()
                            .unwrap()
                            .get_or_insert(format!("stream: {e}"));
                    }
                }
            }
        }));
        let s2 = shared.clone();
        tasks.push(tokio::spawn(async move { fetcher(&s2, &d).await }));
    }
    let mut open_failed = 0usize;
    for rx in opened {
        match tokio::time::timeout(Duration::from_secs(20), rx).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(e))) => {
                open_failed += 1;
                println!("  a dashboard stream failed: {e}");
            }
            _ => open_failed += 1,
        }
    }
    println!(
        "  {} of {dashboards} dashboard streams open (each until its `ready`)",
        dashboards - open_failed
    );
    if open_failed > 0 {
        for t in &tasks {
            t.abort();
        }
        println!("  FAILED: not every dashboard opened");
        return Ok(false);
    }
    // Let the fetches that `ready` asked for pass, so the phase starts quiet.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for d in &dashes {
        *d.fetch_h.lock().unwrap() = histogram();
        *d.change_h.lock().unwrap() = histogram();
        d.fetches.store(0, Ordering::Relaxed);
        d.changes.store(0, Ordering::Relaxed);
    }

    // The class joins: signed participant_joined webhooks, student i at i × window / n.
    let uuid = w.sim.meeting(w.meeting).map(|m| m.uuid).unwrap_or_default();
    let session_id = live::session_of_meeting(w).await?;
    let start_secs = lectern::db::now_ms() / 1000;
    let bodies: Arc<Vec<String>> = Arc::new(
        w.students
            .iter()
            .enumerate()
            .map(|(i, (uid, _, _))| {
                let at = start_secs + (window.as_secs_f64() * i as f64 / n as f64) as i64;
                live::participant_event(w, &uuid, session_id, i, *uid, 0, false, at)
            })
            .collect(),
    );
    let hook = load::Target::parse(&format!("{}/webhooks/zoom", w.app.base()));
    let secret = live::webhook_secret();
    let senders = 16.min(n.max(1));
    let t0 = Instant::now();
    let mut posting = Vec::with_capacity(senders);
    for k in 0..senders {
        let (bodies, secret) = (bodies.clone(), secret.clone());
        let (authority, path) = (hook.authority.clone(), hook.path.clone());
        posting.push(tokio::spawn(async move {
            let mut conn = Conn::new(&authority);
            let mut acks = Vec::new();
            let mut h = histogram();
            let mut errors = 0u64;
            for i in (k..n).step_by(senders) {
                tokio::time::sleep_until((t0 + window.mul_f64(i as f64 / n as f64)).into()).await;
                let t = Instant::now();
                if live::post_webhook(&mut conn, &path, &secret, &bodies[i]).await {
                    let at = Instant::now();
                    let _ = h.record((at - t).as_micros().max(1) as u64);
                    acks.push((i, at));
                } else {
                    errors += 1;
                }
            }
            (acks, h, errors)
        }));
    }
    let mut acked: Vec<Option<Instant>> = vec![None; n];
    let mut post_h = histogram();
    let mut post_errors = 0u64;
    for p in posting {
        let (acks, h, errors) = p.await?;
        for (i, at) in acks {
            acked[i] = Some(at);
        }
        post_h.add(h)?;
        post_errors += errors;
    }
    let last_ack = acked.iter().flatten().max().copied().unwrap_or(t0);
    println!(
        "  joins: {} of {n} acknowledged, last {:.2}s after the first was due (window {:.0}s); errors {post_errors}",
        acked.iter().flatten().count(),
        (last_ack - t0).as_secs_f64(),
        window.as_secs_f64()
    );
    println!(
        "    {}",
        line("POST /webhooks/zoom (join) answered", &post_h)
    );

    // Until every dashboard shows the whole class in the room, or the timeout.
    let done = loop {
        let all = dashes.iter().all(|d| d.all_in.lock().unwrap().is_some());
        if all {
            break true;
        }
        if last_ack.elapsed() > timeout {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    // Whatever is in flight finishes (its view counts) before the numbers are read.
    tokio::time::sleep(Duration::from_millis(50)).await;

    // The figures.
    let mut shown = histogram();
    let (mut over, mut never, mut unacked) = (0u64, 0u64, 0u64);
    let mut fetch_h = histogram();
    let mut change_h = histogram();
    let mut all_in_h = histogram();
    let (mut changes, mut fetches, mut fetch_errors) = (0u64, 0u64, 0u64);
    let mut first_error = None;
    for d in &dashes {
        let seen = d.first_seen.lock().unwrap();
        for (i, ack) in acked.iter().enumerate() {
            let Some(ack) = ack else {
                unacked += 1;
                continue;
            };
            match seen[i] {
                Some(at) => {
                    let lag = at.saturating_duration_since(*ack);
                    if lag > TARGET {
                        over += 1;
                    }
                    let _ = shown.record(lag.as_micros().max(1) as u64);
                }
                None => never += 1,
            }
        }
        if let Some(at) = *d.all_in.lock().unwrap() {
            let _ =
                all_in_h.record(at.saturating_duration_since(last_ack).as_micros().max(1) as u64);
        }
        fetch_h.add(&*d.fetch_h.lock().unwrap())?;
        change_h.add(&*d.change_h.lock().unwrap())?;
        changes += d.changes.load(Ordering::Relaxed);
        fetches += d.fetches.load(Ordering::Relaxed);
        fetch_errors += d.fetch_errors.load(Ordering::Relaxed);
        if first_error.is_none() {
            first_error = d.first_error.lock().unwrap().clone();
        }
    }
    let phase = last_ack
        .saturating_duration_since(t0)
        .as_secs_f64()
        .max(0.001);
    println!(
        "  per dashboard: {:.1} changes heard, {:.1} views fetched ({:.1}/s over the joins); view fetch errors {fetch_errors}{}",
        changes as f64 / dashboards as f64,
        fetches as f64 / dashboards as f64,
        fetches as f64 / dashboards as f64 / phase,
        first_error
            .map(|e| format!(" (first: {e})"))
            .unwrap_or_default()
    );
    println!("    {}", line("GET /live/{id}/dashboard/view", &fetch_h));
    println!(
        "    {}",
        line("`change` heard → its view received", &change_h)
    );
    println!(
        "    {}",
        line("join acked → a view shows the student in", &shown)
    );
    println!(
        "      (dashboard, student) pairs: {} shown, {over} later than {:?}, {never} never shown within {timeout:?}",
        shown.len(),
        TARGET
    );
    println!(
        "    {}   ({} of {dashboards} dashboards)",
        line("last join acked → view shows all in", &all_in_h),
        all_in_h.len()
    );

    let health = load::run_fn(
        "GET /healthz",
        &load::Target::parse(&format!("{}/healthz", w.app.base())),
        |_, _| hyper::Request::get("/healthz"),
        None,
        opts,
    )
    .await;
    health.print();
    for t in &tasks {
        t.abort();
    }

    let complete = done && never == 0 && unacked == 0 && post_errors == 0 && fetch_errors == 0;
    if !complete {
        println!(
            "  FAILED: {} of {dashboards} dashboards showed all {n}; {never} (dashboard, student) pairs never shown, {post_errors} joins failed, {fetch_errors} view fetches failed",
            all_in_h.len()
        );
    }
    println!(
        "  target: every join shown on every dashboard within {:?} → {}",
        TARGET,
        if complete && over == 0 {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(complete)
}

fn view_request(s: &Shared, cookie: &str) -> hyper::http::request::Builder {
    hyper::Request::get(format!("/live/{}/dashboard/view", s.lesson))
        .header(hyper::header::COOKIE, cookie)
        .header(hyper::header::ACCEPT, "text/html")
}

/// `data-in-room="…"` of the view.
fn in_room_count(html: &str) -> Option<usize> {
    let marker = "data-in-room=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    html[start..start + end].parse().ok()
}

/// The user ids of the rows marked in the room.
fn in_room_users(html: &str) -> impl Iterator<Item = i64> + '_ {
    const USER: &str = "data-user=\"";
    const IN: &str = "\" data-status=\"in-room\"";
    html.match_indices(USER).filter_map(|(at, _)| {
        let rest = &html[at + USER.len()..];
        let end = rest.find('"')?;
        rest[end..]
            .starts_with(IN)
            .then(|| rest[..end].parse().ok())
            .flatten()
    })
}

/// Holds the dashboard's event stream: `ready` and every `change` ask the fetcher for a
/// view.
async fn follow(s: &Shared, d: &Dash) -> anyhow::Result<()> {
    let tcp = tokio::net::TcpStream::connect(&s.authority).await?;
    tcp.set_nodelay(true)?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(hyper_util::rt::TokioIo::new(tcp))
            .await?;
    tokio::spawn(conn);
    let req = hyper::Request::get(format!("/live/{}/dashboard/events", s.lesson))
        .header(hyper::header::HOST, s.authority.as_str())
        .header(hyper::header::COOKIE, d.cookie.as_str())
        .header(hyper::header::ACCEPT, "text/event-stream")
        .body(Empty::new())?;
    let resp = sender.send_request(req).await?;
    anyhow::ensure!(
        resp.status().is_success(),
        "dashboard events answered {}",
        resp.status()
    );
    let mut body = resp.into_body();
    let mut buf: Vec<u8> = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame?;
        let Some(data) = frame.data_ref() else {
            continue;
        };
        buf.extend_from_slice(data);
        while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
            let block: Vec<u8> = buf.drain(..end + 2).collect();
            let block = String::from_utf8_lossy(&block);
            let event = block
                .lines()
                .find_map(|l| l.strip_prefix("event:"))
                .map(str::trim);
            match event {
                Some("ready") => {
                    if let Some(tx) = d.ready.lock().unwrap().take() {
                        let _ = tx.send(Ok(()));
                    }
                    ask(d, false);
                }
                Some("change") => ask(d, true),
                _ => {}
            }
        }
    }
    anyhow::bail!("the dashboard stream ended")
}

fn ask(d: &Dash, change: bool) {
    let now = Instant::now();
    if change {
        d.changes.fetch_add(1, Ordering::Relaxed);
        d.pending.lock().unwrap().get_or_insert(now);
    }
    d.wake.notify_one();
}

/// Fetches the view whenever asked, one at a time, and notes what it shows.
async fn fetcher(s: &Shared, d: &Dash) {
    let mut conn = Conn::new(&s.authority);
    loop {
        d.wake.notified().await;
        let since = d.pending.lock().unwrap().take();
        let t = Instant::now();
        let result = conn.fetch(view_request(s, &d.cookie)).await;
        let at = Instant::now();
        d.fetches.fetch_add(1, Ordering::Relaxed);
        let body = match result {
            Ok((200, body)) => body,
            Ok((status, _)) => {
                d.fetch_errors.fetch_add(1, Ordering::Relaxed);
                d.first_error
                    .lock()
                    .unwrap()
                    .get_or_insert(format!("view answered {status}"));
                continue;
            }
            Err(e) => {
                d.fetch_errors.fetch_add(1, Ordering::Relaxed);
                d.first_error
                    .lock()
                    .unwrap()
                    .get_or_insert(format!("view: {e}"));
                continue;
            }
        };
        let _ = d
            .fetch_h
            .lock()
            .unwrap()
            .record((at - t).as_micros().max(1) as u64);
        if let Some(since) = since {
            let _ = d
                .change_h
                .lock()
                .unwrap()
                .record((at - since).as_micros().max(1) as u64);
        }
        let html = String::from_utf8_lossy(&body);
        {
            let mut seen = d.first_seen.lock().unwrap();
            for uid in in_room_users(&html) {
                if let Some(&i) = s.index.get(&uid) {
                    seen[i].get_or_insert(at);
                }
            }
        }
        if in_room_count(&html) == Some(s.n) {
            d.all_in.lock().unwrap().get_or_insert(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_rows_in_the_room_and_the_count() {
        let html = r#"<div id="dash-view" data-state="live" data-enrolled="3" data-in-room="2">
<tr data-user="11" data-status="in-room" data-late="false">
<tr data-user="12" data-status="never-came" data-late="false">
<tr data-user="13" data-status="in-room" data-late="true">"#;
        assert_eq!(in_room_users(html).collect::<Vec<_>>(), vec![11, 13]);
        assert_eq!(in_room_count(html), Some(2));
        assert_eq!(in_room_count("<div>"), None);
    }
}
