//! The `live-push` benchmark: 2,000 open players follow their live lesson by
//! server-sent events (`GET /courses/{slug}/live/events`, see `lectern::push`).
//!
//! 1. The class is seeded as for `class-start` (zoom-sim, Zoom connected, a live lesson
//!    starting now, N enrolled students with sessions), with the job worker running.
//! 2. A child process (`pages.rs`) opens one event stream per student; the run fails unless
//!    every page got its `ready` and `lectern_push_streams_open` in `/metrics` equals N.
//!    The app's RSS (this process) before and after, divided by N, is the server's memory
//!    per open stream; the generator's sockets and buffers are in the child's RSS.
//! 3. The instructor presses Start: time from sending the request until each page heard
//!    its `change`; each page then does what live.js does (panel, states) and the student
//!    presses Join: that burst's latencies and throughput.
//! 4. The host joins in zoom-sim, which delivers the signed `meeting.started` webhook; the
//!    worker processes it: time from the host joining, and from the app acknowledging the
//!    delivery, until each page heard its `change` (pages refresh panel and states again).
//! 5. Every student gets a `join` attendance row (as the join burst would leave in Zoom),
//!    and the host ends the meeting: `meeting.ended` measured like 4, the refresh now with
//!    the attendance on every panel.
//! 6. `/healthz` closed-loop in the same run, with the streams still open; the Start
//!    burst's throughput as a ratio of it.
//!
//! A page that heard nothing within the timeout counts as missed and fails the run.

use std::io::{BufRead, Write};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::live;
use crate::load::{self, Options};
use crate::pages::wall_us;
use crate::setup::Target;

/// Raises this process's soft limit on open files to at least `needed` (up to the hard
/// limit); fails, saying what to do, when the hard limit is lower.
pub fn raise_nofile(needed: u64) -> anyhow::Result<()> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let lim = getrlimit(Resource::Nofile);
    let soft = lim.current.unwrap_or(u64::MAX);
    if soft >= needed {
        return Ok(());
    }
    let hard = lim.maximum.unwrap_or(u64::MAX);
    anyhow::ensure!(
        hard >= needed,
        "need {needed} open files, the hard limit is {hard}: raise it (ulimit -Hn) and run again"
    );
    setrlimit(
        Resource::Nofile,
        Rlimit {
            current: Some(needed),
            maximum: lim.maximum,
        },
    )?;
    Ok(())
}

/// Resident set size of a process in bytes (`VmRSS` of `/proc/<pid>/status`).
pub(crate) fn rss(pid: &str) -> u64 {
    status_bytes(pid, "VmRSS:")
}

/// One of `/proc/{pid}/status`'s sizes (`VmRSS:`, `RssAnon:`, `RssFile:`), in bytes.
pub(crate) fn status_bytes(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Only the first run in a process starts from an allocator that never held what an
/// earlier run measured (streams, upload buffers).
pub(crate) static FIRST_RUN: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(true);

pub(crate) fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

async fn streams_open(base: &str) -> anyhow::Result<i64> {
    let text = reqwest::get(format!("{base}/metrics"))
        .await?
        .text()
        .await?;
    text.lines()
        .find_map(|l| l.strip_prefix("lectern_push_streams_open "))
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no lectern_push_streams_open in /metrics"))
}

/// The child process holding the pages; killed if the run ends early.
struct Pages {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    lines: tokio::sync::mpsc::UnboundedReceiver<String>,
}

impl Pages {
    fn spawn(w: &live::World, timeout: Duration) -> anyhow::Result<Pages> {
        let authority = w.app.base().trim_start_matches("http://").to_string();
        let mut child = std::process::Command::new(std::env::current_exe()?)
            .args(["pages", "--authority", &authority, "--slug", &w.course_slug])
            .args(["--lesson", &w.lesson.to_string()])
            .args(["--timeout", &timeout.as_secs().to_string()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().expect("piped");
        let (tx, lines) = tokio::sync::mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Pages {
            stdin: child.stdin.take(),
            child,
            lines,
        })
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }

    async fn send(&mut self, text: String) -> anyhow::Result<()> {
        let mut stdin = self.stdin.take().expect("stdin kept");
        // Up to a few hundred kilobytes at once: written off the runtime's threads.
        let stdin = tokio::task::spawn_blocking(move || -> std::io::Result<_> {
            stdin.write_all(text.as_bytes())?;
            stdin.flush()?;
            Ok(stdin)
        })
        .await??;
        self.stdin = Some(stdin);
        Ok(())
    }

    async fn line(&mut self, within: Duration) -> anyhow::Result<String> {
        match tokio::time::timeout(within, self.lines.recv()).await {
            Ok(Some(l)) => Ok(l),
            Ok(None) => anyhow::bail!("the pages process ended"),
            Err(_) => anyhow::bail!("no answer from the pages process within {within:?}"),
        }
    }

    /// Arms a phase in the child; returns once it listens for the change.
    async fn arm(&mut self, name: &str, react: &str) -> anyhow::Result<()> {
        self.send(format!("phase {name} {react}\n")).await?;
        let l = self.line(Duration::from_secs(10)).await?;
        anyhow::ensure!(l == "armed", "expected armed, got {l}");
        Ok(())
    }

    async fn report(&mut self, timeout: Duration) -> anyhow::Result<PhaseReport> {
        let l = self.line(timeout + Duration::from_secs(30)).await?;
        Ok(serde_json::from_str(&l)?)
    }

    fn quit(mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(b"quit\n");
        }
        let _ = self.child.wait();
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        if self.stdin.is_some() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[derive(serde::Deserialize)]
struct PhaseReport {
    heard: Vec<Option<u64>>,
    still_reacting: u64,
    panel: Vec<u64>,
    states: Vec<u64>,
    join: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
    first_request: Option<u64>,
    last_response: Option<u64>,
    changes: u64,
    resyncs: u64,
    wrong_lesson: u64,
    streams_ended: u64,
}

impl PhaseReport {
    fn missed(&self) -> usize {
        self.heard.iter().filter(|h| h.is_none()).count()
    }

    /// Per page, microseconds from `from` (wall clock) until it heard the change.
    fn delays(&self, from: u64) -> Histogram<u64> {
        let mut h = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).expect("valid bounds");
        for at in self.heard.iter().flatten() {
            let _ = h.record(at.saturating_sub(from).max(1));
        }
        h
    }

    fn print_heard(&self, what: &str, from: u64) {
        let h = self.delays(from);
        println!(
            "    {what:<36} first {:>7.1} ms   p50 {:>7.1} ms   p99 {:>7.1} ms   max {:>7.1} ms   heard {} of {}",
            h.min() as f64 / 1000.0,
            q(&h, 0.5),
            q(&h, 0.99),
            h.max() as f64 / 1000.0,
            h.len(),
            self.heard.len()
        );
    }

    /// The reactions: latencies per request, and the burst's requests per second from its
    /// first request to its last response.
    fn print_burst(&self) -> f64 {
        let span = match (self.first_request, self.last_response) {
            (Some(a), Some(b)) if b > a => (b - a) as f64 / 1e6,
            _ => return 0.0,
        };
        let total = self.panel.len() + self.states.len() + self.join.len();
        println!(
            "    reactions: {total} requests in {span:.2}s = {:.0} req/s; errors {}{}",
            total as f64 / span,
            self.errors,
            self.first_error
                .as_ref()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default()
        );
        for (name, v) in [
            ("GET  /live/{id}/panel", &self.panel),
            ("GET  /courses/{slug}/live/states", &self.states),
            ("POST /api/live/{id}/join", &self.join),
        ] {
            if v.is_empty() {
                continue;
            }
            let mut h = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3).expect("valid bounds");
            for us in v {
                let _ = h.record((*us).max(1));
            }
            println!(
                "      {name:<32} {:>5} ok   p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms",
                v.len(),
                q(&h, 0.5),
                q(&h, 0.99),
                h.max() as f64 / 1000.0
            );
        }
        total as f64 / span
    }

    fn print_counts(&self) {
        println!(
            "    change events {} (pages {}), resync {}, wrong lesson {}, streams ended {}, still reacting at the report {}",
            self.changes,
            self.heard.len(),
            self.resyncs,
            self.wrong_lesson,
            self.streams_ended,
            self.still_reacting
        );
    }
}

/// Arms a phase, runs `trigger` (something in zoom-sim that makes it deliver `event`), and
/// reports the time from the trigger and from the app's acknowledgement of the delivery
/// until each page heard the change the processing job announces.
async fn webhook_phase(
    pages: &mut Pages,
    w: &live::World,
    event: &'static str,
    quiet: bool,
    timeout: Duration,
    trigger: impl FnOnce(),
) -> anyhow::Result<PhaseReport> {
    pages
        .arm(event, if quiet { "none" } else { "refresh" })
        .await?;
    let sim = w.sim.clone();
    let before = sim
        .webhook_deliveries()
        .iter()
        .filter(|d| d.event == event)
        .count();
    // Polled every millisecond: the simulator logs a delivery once the app answered it.
    let acked = tokio::spawn(async move {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let n = sim
                .webhook_deliveries()
                .iter()
                .filter(|d| d.event == event && d.status == Some(200))
                .count();
            if n > before {
                return Some(wall_us());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        None
    });
    let t = wall_us();
    trigger();
    let r = pages.report(timeout).await?;
    match acked.await? {
        Some(a) => {
            println!(
                "  {event}: delivery acknowledged by the app {:.1} ms after the trigger",
                a.saturating_sub(t) as f64 / 1000.0
            );
            r.print_heard("trigger → page heard `change`", t);
            r.print_heard("delivery acked → page heard `change`", a);
        }
        None => {
            println!("  {event}: no acknowledged delivery seen");
            r.print_heard("trigger → page heard `change`", t);
        }
    }
    r.print_counts();
    if !quiet {
        r.print_burst();
    }
    Ok(r)
}

/// One `join` attendance event per student, as participant_joined webhooks would leave.
async fn seed_attendance(w: &live::World) -> anyhow::Result<()> {
    let db = w.app.db();
    let s = lectern::live::by_lesson(db, w.school, w.lesson)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no live session"))?;
    let now = lectern::db::now_ms();
    let mut tx = db.pool.begin().await?;
    for (i, (uid, _, _)) in w.students.iter().enumerate() {
        sqlx::query(
            "INSERT INTO live_attendance_events (school_id, session_id, participant_key, user_id, name, email, is_host, kind, at, source, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, 0, 'join', $7, 'webhook', $7)",
        )
        .bind(s.school_id)
        .bind(s.id)
        .bind(format!("bench-{uid}"))
        .bind(*uid)
        .bind(format!("Student {i}"))
        .bind(format!("student{i}@bench.test"))
        .bind(now - 1000)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    // What each enrolled student's panel pays for its own line of attendance: the whole
    // session's attendance (`attendance::attendees`), against a read of the viewer's rows.
    let (uid, _, _) = &w.students[0];
    let t = Instant::now();
    for _ in 0..20 {
        let _ = lectern::live::attendance::attendees(db, &s).await?;
    }
    let all = t.elapsed().as_secs_f64() * 1000.0 / 20.0;
    let t = Instant::now();
    for _ in 0..20 {
        let _: Vec<(i64, String)> = sqlx::query_as(
            "SELECT at, kind FROM live_attendance_events WHERE session_id = $1 AND user_id = $2 ORDER BY at, id",
        )
        .bind(s.id)
        .bind(*uid)
        .fetch_all(&db.pool)
        .await?;
    }
    let mine = t.elapsed().as_secs_f64() * 1000.0 / 20.0;
    println!(
        "  attendance seeded ({} students); one panel's attendance read: all rows {all:.2} ms, the viewer's rows only {mine:.2} ms",
        w.students.len()
    );
    Ok(())
}

fn q(h: &Histogram<u64>, quantile: f64) -> f64 {
    h.value_at_quantile(quantile) as f64 / 1000.0
}

pub async fn live_push(
    target: Target,
    students: usize,
    quiet: bool,
    timeout: Duration,
    opts: &Options,
) -> anyhow::Result<()> {
    // The app's side of every stream, the pool, the simulator and the /healthz generator.
    raise_nofile(students as u64 + 1024)?;
    let mut w = live::seed(&target, students, false, true, false).await?;
    let result = measure(&mut w, quiet, timeout, opts).await;
    w.sim.shutdown();
    w.app.stop().await;
    let ok = result?;
    anyhow::ensure!(ok, "live-push: the run is not complete (see above)");
    Ok(())
}

/// The measured part; true when every check passed.
async fn measure(
    w: &mut live::World,
    quiet: bool,
    timeout: Duration,
    opts: &Options,
) -> anyhow::Result<bool> {
    let n = w.students.len();
    println!(
        "\n{} — live-push, {n} open players following the lesson by server-sent events{}",
        w.app.label(),
        if quiet {
            " (quiet pages: no fetches on a change)"
        } else {
            ""
        }
    );
    let me = std::process::id().to_string();

    // Warm up what every stream touches once (route, course query, session lookup), so the
    // difference below is what the streams hold.
    let _ = streams_open(w.app.base()).await?;
    let mut pages = Pages::spawn(w, timeout)?;
    let mut cookies = String::with_capacity(n * 120);
    for (_, cookie, csrf) in &w.students {
        cookies.push_str(&format!("{cookie}\t{csrf}\n"));
    }
    cookies.push('\n');
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_before = rss(&me);
    pages.send(cookies).await?;
    let open = pages.line(Duration::from_secs(120)).await?;
    let mut words = open.splitn(5, ' ');
    anyhow::ensure!(words.next() == Some("open"), "expected open, got {open}");
    let ok: usize = words.next().unwrap_or("0").parse()?;
    let failed: usize = words.next().unwrap_or("0").parse()?;
    let open_ms: u64 = words.next().unwrap_or("0").parse()?;
    let first_error = words.next().unwrap_or("");
    // Let allocations settle (the last handshakes' buffers) before reading RSS.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_after = rss(&me);
    let server_open = streams_open(w.app.base()).await?;
    println!(
        "  opened {ok} of {n} streams in {:.2}s (each until its `ready`); failed {failed}{}; lectern_push_streams_open {server_open}",
        open_ms as f64 / 1000.0,
        if first_error.is_empty() {
            String::new()
        } else {
            format!(" (first: {first_error})")
        }
    );
    println!(
        "  app process RSS {:.1} → {:.1} MiB: {:.1} KiB per open stream (the pages' own sockets are in the child: {:.1} MiB){}",
        mib(rss_before),
        mib(rss_after),
        rss_after.saturating_sub(rss_before) as f64 / 1024.0 / n as f64,
        mib(rss(&pages.pid())),
        // The allocator keeps what an earlier run freed and hands it out again.
        if FIRST_RUN.swap(false, std::sync::atomic::Ordering::Relaxed) {
            ""
        } else {
            " — understated: not this process's first run, use --db for one database"
        }
    );
    if ok != n || server_open != n as i64 {
        println!("  FAILED: not every stream is open ({ok} ready, server counts {server_open})");
        return Ok(false);
    }

    // Start: from sending the request until every page heard the change.
    let react = if quiet { "none" } else { "join" };
    pages.arm("start", react).await?;
    let t0 = wall_us();
    let t = Instant::now();
    live::press_start(w).await?;
    let start_ms = t.elapsed().as_secs_f64() * 1000.0;
    let start = pages.report(timeout).await?;
    println!("  Start (create in Zoom + link + launch): {start_ms:.1} ms");
    start.print_heard("Start sent → page heard `change`", t0);
    start.print_counts();
    let burst_rps = if quiet { 0.0 } else { start.print_burst() };

    // Let the simulator's meeting.created delivery and its job pass, so that the next
    // change a page hears is the one meeting.started causes.
    let _ = w
        .sim
        .wait_for_deliveries(Duration::from_secs(5), |d| {
            d.iter().any(|d| d.event == "meeting.created")
        })
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    // The host joins; zoom-sim delivers meeting.started; the worker processes it.
    let sim = w.sim.clone();
    let meeting = w.meeting;
    let hook = webhook_phase(
        &mut pages,
        w,
        "meeting.started",
        quiet,
        timeout,
        move || sim.host_joins(meeting),
    )
    .await?;

    // The class ends with everyone in the attendance (as after the join burst, in Zoom):
    // every page's panel now reads the attendance.
    seed_attendance(w).await?;
    let sim = w.sim.clone();
    let end = webhook_phase(&mut pages, w, "meeting.ended", quiet, timeout, move || {
        sim.end_meeting(meeting)
    })
    .await?;

    // /healthz with every stream still open, as the other scenarios measure it.
    let health = load::run_fn(
        "GET /healthz",
        &load::Target::parse(&format!("{}/healthz", w.app.base())),
        |_, _| hyper::Request::get("/healthz"),
        None,
        opts,
    )
    .await;
    health.print();
    if !quiet {
        println!(
            "  Start's reaction burst = {:.3} × /healthz",
            burst_rps / health.rps()
        );
    }
    let still_open = streams_open(w.app.base()).await?;

    // Close the pages: the server must notice and count the streams down.
    pages.quit();
    let t = Instant::now();
    let mut after = still_open;
    while t.elapsed() < Duration::from_secs(20) {
        after = streams_open(w.app.base()).await?;
        if after == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "  streams open after the phases {still_open}; after the pages closed {after} ({:.1}s later)",
        t.elapsed().as_secs_f64()
    );

    let p99_start = q(&start.delays(t0), 0.99);
    let mut complete = true;
    for (name, r) in [
        ("Start", &start),
        ("meeting.started", &hook),
        ("meeting.ended", &end),
    ] {
        if r.missed() > 0 {
            println!(
                "  FAILED: {} of {n} pages never heard the {name} change within {timeout:?}",
                r.missed()
            );
            complete = false;
        }
        if r.errors > 0 || r.still_reacting > 0 {
            println!(
                "  FAILED: {name}: {} reactions failed, {} unfinished",
                r.errors, r.still_reacting
            );
            complete = false;
        }
    }
    if still_open != n as i64 {
        println!("  FAILED: {still_open} streams open after the phases, expected {n}");
        complete = false;
    }
    println!(
        "  target: every page hears Start's change, p99 < 2 s → {}",
        if start.missed() == 0 && p99_start < 2000.0 {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(complete)
}
