//! The open pages of `live-push`, run in a child process (`lectern-bench pages`, hidden
//! from `--help`): the app's process then holds only the server's side of the 2,000
//! connections, so its RSS before and after opening them is the server's memory per
//! connection, not the generator's as well.
//!
//! Each page is what `static/live.js` does in the player: one plain HTTP/1.1 connection
//! holding `GET /courses/{slug}/live/events`, and a second keep-alive connection for what
//! the page fetches when it hears a `change` (the panel and the states, then the student
//! presses Join).
//!
//! Protocol with the parent, one line at a time. The parent writes one `cookie\tcsrf` line
//! per student and an empty line; the child opens every stream, waits for each one's
//! `ready`, and answers `open <ok> <failed> <millis> <first error>`. Per phase, the parent
//! writes `phase <name> <none|refresh|join>`; the child answers `armed`, and once every
//! page heard a change since then and finished reacting to it (or the timeout passed), one
//! JSON line with the receipt instants (wall clock, µs since the epoch, shared by both
//! processes) and the reactions' latencies. `quit` or the end of input ends it.

use std::io::{BufRead, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use serde_json::json;

use crate::load::Conn;

pub struct Args {
    pub authority: String,
    pub slug: String,
    pub lesson: i64,
    pub timeout: Duration,
}

/// Microseconds since the Unix epoch: the one clock both processes read.
pub fn wall_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum React {
    None,
    Refresh,
    Join,
}

#[derive(Default)]
struct Phase {
    /// Which phase this is: a reaction that outlived its phase must not touch the next.
    generation: u64,
    active: bool,
    react: Option<React>,
    /// Per page: when it first heard a change (or a resync) in this phase.
    heard: Vec<Option<u64>>,
    reacting: usize,
    panel: Vec<u64>,
    states: Vec<u64>,
    join: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
    first_request: Option<u64>,
    last_response: Option<u64>,
}

struct Shared {
    args: Args,
    students: Vec<(String, String)>,
    phase: std::sync::Mutex<Phase>,
    /// A second connection per page for its fetches, kept alive between phases as a
    /// browser would.
    fetch: Vec<tokio::sync::Mutex<Conn>>,
    changes: AtomicU64,
    resyncs: AtomicU64,
    wrong_lesson: AtomicU64,
    ended: AtomicU64,
}

/// Lines from the parent, read on a plain thread (the workspace's tokio has no
/// `io-std`, and one blocking reader is all this needs).
fn stdin_lines() -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let mut lines = stdin_lines();
    let mut students = Vec::new();
    while let Some(line) = lines.recv().await {
        if line.is_empty() {
            break;
        }
        let (cookie, csrf) = line
            .split_once('\t')
            .ok_or_else(|| anyhow::anyhow!("expected cookie<TAB>csrf"))?;
        students.push((cookie.to_string(), csrf.to_string()));
    }
    let n = students.len();
    // Two sockets per page, plus a margin.
    crate::push::raise_nofile(2 * n as u64 + 256)?;
    let shared = Arc::new(Shared {
        fetch: (0..n)
            .map(|_| tokio::sync::Mutex::new(Conn::new(&args.authority)))
            .collect(),
        args,
        students,
        phase: Default::default(),
        changes: AtomicU64::new(0),
        resyncs: AtomicU64::new(0),
        wrong_lesson: AtomicU64::new(0),
        ended: AtomicU64::new(0),
    });

    // Open every stream, 64 handshakes at a time (the listen backlog is finite), each
    // counting as open once its `ready` arrived.
    let t = Instant::now();
    let gate = Arc::new(tokio::sync::Semaphore::new(64));
    let mut opened = Vec::with_capacity(n);
    for i in 0..n {
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<(), String>>();
        opened.push(rx);
        let (shared, gate) = (shared.clone(), gate.clone());
        tokio::spawn(async move {
            let permit = gate.acquire_owned().await.expect("never closed");
            follow(shared, i, tx, permit).await;
        });
    }
    let (mut ok, mut failed, mut first_error) = (0usize, 0usize, None::<String>);
    for rx in opened {
        match tokio::time::timeout(Duration::from_secs(60), rx).await {
            Ok(Ok(Ok(()))) => ok += 1,
            Ok(Ok(Err(e))) => {
                failed += 1;
                first_error.get_or_insert(e);
            }
            _ => {
                failed += 1;
                first_error.get_or_insert("no ready within 60 s".into());
            }
        }
    }
    say(&format!(
        "open {ok} {failed} {} {}",
        t.elapsed().as_millis(),
        first_error.unwrap_or_default().replace('\n', " ")
    ));

    while let Some(line) = lines.recv().await {
        let mut words = line.split_whitespace();
        match words.next() {
            Some("phase") => {
                let name = words.next().unwrap_or("phase").to_string();
                let react = match words.next() {
                    Some("join") => React::Join,
                    Some("refresh") => React::Refresh,
                    _ => React::None,
                };
                let report = phase(&shared, &name, react).await;
                say(&report.to_string());
            }
            Some("quit") | None => break,
            Some(other) => anyhow::bail!("unknown command {other}"),
        }
    }
    Ok(())
}

/// Arms a phase, says `armed`, and waits until every page heard a change and finished
/// reacting, or the timeout; returns the phase's report.
async fn phase(shared: &Arc<Shared>, name: &str, react: React) -> serde_json::Value {
    let n = shared.students.len();
    let generation = shared.phase.lock().unwrap().generation + 1;
    *shared.phase.lock().unwrap() = Phase {
        generation,
        active: true,
        react: Some(react),
        heard: vec![None; n],
        ..Default::default()
    };
    let (changes0, resyncs0) = (
        shared.changes.load(Ordering::Relaxed),
        shared.resyncs.load(Ordering::Relaxed),
    );
    say("armed");
    let deadline = Instant::now() + shared.args.timeout;
    loop {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let p = shared.phase.lock().unwrap();
        let all = p.heard.iter().all(Option::is_some) && p.reacting == 0;
        if all || Instant::now() >= deadline {
            break;
        }
    }
    // Stragglers heard after the deadline are not counted; the ones still reacting finish
    // on their own and are not in this report.
    let mut p = shared.phase.lock().unwrap();
    p.active = false;
    json!({
        "phase": name,
        "heard": p.heard,
        "still_reacting": p.reacting,
        "panel": p.panel,
        "states": p.states,
        "join": p.join,
        "errors": p.errors,
        "first_error": p.first_error,
        "first_request": p.first_request,
        "last_response": p.last_response,
        "changes": shared.changes.load(Ordering::Relaxed) - changes0,
        "resyncs": shared.resyncs.load(Ordering::Relaxed) - resyncs0,
        "wrong_lesson": shared.wrong_lesson.load(Ordering::Relaxed),
        "streams_ended": shared.ended.load(Ordering::Relaxed),
    })
}

/// Holds page `i`'s event stream for as long as the server keeps it.
async fn follow(
    shared: Arc<Shared>,
    i: usize,
    opened: tokio::sync::oneshot::Sender<Result<(), String>>,
    permit: tokio::sync::OwnedSemaphorePermit,
) {
    let mut opened = Some((opened, permit));
    let result = stream(&shared, i, &mut opened).await;
    if let Some((tx, _)) = opened.take() {
        let _ = tx.send(Err(match result {
            Ok(()) => "stream ended before ready".to_string(),
            Err(e) => e.to_string(),
        }));
    } else {
        shared.ended.fetch_add(1, Ordering::Relaxed);
    }
}

type Opened = Option<(
    tokio::sync::oneshot::Sender<Result<(), String>>,
    tokio::sync::OwnedSemaphorePermit,
)>;

async fn stream(shared: &Arc<Shared>, i: usize, opened: &mut Opened) -> anyhow::Result<()> {
    let a = &shared.args;
    let tcp = tokio::net::TcpStream::connect(&a.authority).await?;
    tcp.set_nodelay(true)?;
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake::<_, Empty<Bytes>>(hyper_util::rt::TokioIo::new(tcp))
            .await?;
    tokio::spawn(conn);
    let req = hyper::Request::get(format!("/courses/{}/live/events", a.slug))
        .header(hyper::header::HOST, a.authority.as_str())
        .header(hyper::header::COOKIE, shared.students[i].0.as_str())
        .header(hyper::header::ACCEPT, "text/event-stream")
        .body(Empty::new())?;
    let resp = sender.send_request(req).await?;
    anyhow::ensure!(
        resp.status().is_success(),
        "events answered {}",
        resp.status()
    );
    let mut body = resp.into_body();
    let mut buf: Vec<u8> = Vec::new();
    let lesson = format!("\"lesson\":{}", a.lesson);
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
                    if let Some((tx, _permit)) = opened.take() {
                        let _ = tx.send(Ok(()));
                    }
                }
                Some("change") => {
                    shared.changes.fetch_add(1, Ordering::Relaxed);
                    if !block.contains(&lesson) {
                        shared.wrong_lesson.fetch_add(1, Ordering::Relaxed);
                    }
                    heard(shared, i);
                }
                // The page reads everything again: it learnt of the change all the same.
                Some("resync") => {
                    shared.resyncs.fetch_add(1, Ordering::Relaxed);
                    heard(shared, i);
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Page `i` heard a change: note when (first time in this phase) and react as the page
/// does.
fn heard(shared: &Arc<Shared>, i: usize) {
    let at = wall_us();
    let (react, generation) = {
        let mut p = shared.phase.lock().unwrap();
        if !p.active || p.heard[i].is_some() {
            return;
        }
        p.heard[i] = Some(at);
        let react = p.react.unwrap_or(React::None);
        if react != React::None {
            p.reacting += 1;
        }
        (react, p.generation)
    };
    if react == React::None {
        return;
    }
    let shared = shared.clone();
    tokio::spawn(async move {
        let a = &shared.args;
        let (cookie, csrf) = &shared.students[i];
        let mut conn = shared.fetch[i].lock().await;
        let first = wall_us();
        let mut lat = Vec::new();
        let mut fail = None;
        let t = Instant::now();
        let panel = hyper::Request::get(format!("/live/{}/panel", a.lesson))
            .header(hyper::header::COOKIE, cookie.as_str())
            .header(hyper::header::ACCEPT, "text/html");
        if conn.send(panel, Bytes::new(), Some("id=\"live")).await {
            lat.push(("panel", t.elapsed().as_micros() as u64));
        } else {
            fail = Some("GET panel");
        }
        let t = Instant::now();
        let states = hyper::Request::get(format!("/courses/{}/live/states", a.slug))
            .header(hyper::header::COOKIE, cookie.as_str())
            .header(hyper::header::ACCEPT, "application/json");
        if conn
            .send(states, Bytes::new(), Some("\"lessons\":[{"))
            .await
        {
            lat.push(("states", t.elapsed().as_micros() as u64));
        } else {
            fail = fail.or(Some("GET states"));
        }
        if react == React::Join {
            let t = Instant::now();
            let join = hyper::Request::post(format!("/api/live/{}/join", a.lesson))
                .header(hyper::header::COOKIE, cookie.as_str())
                .header("x-csrf-token", csrf.as_str());
            if conn
                .send(join, Bytes::new(), Some("\"status\":\"ready\""))
                .await
            {
                lat.push(("join", t.elapsed().as_micros() as u64));
            } else {
                fail = fail.or(Some("POST join"));
            }
        }
        let last = wall_us();
        let mut p = shared.phase.lock().unwrap();
        if p.generation != generation {
            return;
        }
        p.reacting -= 1;
        if !p.active {
            return;
        }
        for (what, us) in lat {
            match what {
                "panel" => p.panel.push(us),
                "states" => p.states.push(us),
                _ => p.join.push(us),
            }
        }
        if let Some(f) = fail {
            p.errors += 1;
            p.first_error.get_or_insert(f.to_string());
        }
        p.first_request = Some(p.first_request.map_or(first, |f| f.min(first)));
        p.last_response = Some(p.last_response.map_or(last, |l| l.max(last)));
    });
}
