//! `overload`, `soak` and `memory`: the real `lectern serve` as its own process
//! ([`crate::spawn`]), driven from outside by the open-loop generator
//! ([`crate::open_loop`]) while its `VmRSS` is sampled.
//!
//! - `overload`: the course page's closed-loop capacity, then `factor ×` that rate offered
//!   open-loop, with `/healthz` probes and signed Zoom webhooks alongside; what it accepts,
//!   what it sheds (503 + `Retry-After`), their latencies, and memory before, during and
//!   after.
//! - `soak`: a steady open-loop mix for N minutes; RSS, req/s, p99 and errors every minute.
//! - `memory`: idle RSS of a fresh server, then a class of N students arriving within a
//!   window (each loads the course page and a lesson); RSS at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use lectern::db::now_ms;
use serde_json::json;

use crate::load::{self, Options};
use crate::open_loop::OpenLoop;
use crate::setup::{self, Target};
use crate::spawn::{RssSampler, Server, compact_series, mark, mib};

const PASSWORD: &str = "bench-password-123";
const WEBHOOK_SECRET: &str = "bench-overload-webhook-secret";
/// Students signed in for `overload` and `soak` (their cookies cycle).
const STUDENTS: usize = 200;
/// The class-start target the accepted requests' p99 must stay under.
const P99_TARGET_MS: f64 = 50.0;

/// Zoom configured only so that webhooks are verified and stored (no Zoom is called: the
/// events name an account no school connected, so the worker drops them).
fn zoom_env() -> Vec<(&'static str, String)> {
    vec![
        ("ZOOM_CLIENT_ID", "bench-overload".into()),
        ("ZOOM_CLIENT_SECRET", "bench-overload-secret".into()),
        ("ZOOM_WEBHOOK_SECRET_TOKEN", WEBHOOK_SECRET.into()),
    ]
}

/// What the seeded server offers the generator.
struct Seeded {
    /// `/courses/{slug}`.
    course: String,
    /// `/courses/{slug}/lessons/{id}` (a document lesson: the player page).
    player: String,
    /// One `Cookie` header per student (a session written as sign-in does).
    cookies: Arc<Vec<String>>,
}

/// foundation's course (five lessons) and `students` enrolled students, each with a
/// session row keyed with the server's secret key (no argon2 per student).
async fn seed(s: &Server, target: &Target, students: usize) -> anyhow::Result<Seeded> {
    let db = &s.db;
    let school = setup::bench_school(db).await?;
    let teacher = setup::bench_teacher(db, school, PASSWORD).await?;
    let slug = crate::foundation::seed_course(db, school, teacher).await?;
    let course: i64 =
        sqlx::query_scalar("SELECT id FROM courses WHERE school_id = $1 AND slug = $2")
            .bind(school)
            .bind(&slug)
            .fetch_one(&db.pool)
            .await?;
    setup::enrolled_students(db, target, school, course, teacher, students).await?;
    let lesson: i64 = sqlx::query_scalar(
        "SELECT id FROM lessons WHERE course_id = $1 AND kind = 'document' ORDER BY position LIMIT 1",
    )
    .bind(course)
    .fetch_one(&db.pool)
    .await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM users WHERE school_id = $1 AND role = 'student' ORDER BY id",
    )
    .bind(school)
    .fetch_all(&db.pool)
    .await?;
    let key = &s.config.secret_key;
    let secure = s.config.secure_cookies();
    let name = lectern::accounts::sessions::cookie_name(secure);
    let now = now_ms();
    let mut cookies = Vec::with_capacity(ids.len());
    let mut tx = db.pool.begin().await?;
    for id in ids {
        let token = lectern::crypto::random_token();
        sqlx::query("INSERT INTO sessions (id, school_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(key.token_hash(&token))
            .bind(school)
            .bind(id)
            .bind(now)
            .bind(now + 86_400_000)
            .execute(&mut *tx)
            .await?;
        cookies.push(format!("{name}={token}"));
    }
    tx.commit().await?;
    Ok(Seeded {
        course: format!("/courses/{slug}"),
        player: format!("/courses/{slug}/lessons/{lesson}"),
        cookies: Arc::new(cookies),
    })
}

/// Checks, through the running server, that a student's cookie gets the enrolled course
/// page and the player (a 200 each), so that the load measures signed-in pages.
async fn check_pages(s: &Server, seeded: &Seeded) -> anyhow::Result<()> {
    let mut conn = load::Conn::new(&s.authority);
    for path in [&seeded.course, &seeded.player] {
        let (status, body) = conn
            .fetch(
                hyper::Request::get(path.as_str())
                    .header(hyper::header::COOKIE, seeded.cookies[0].as_str()),
            )
            .await?;
        anyhow::ensure!(status == 200, "{path} answered {status}");
        anyhow::ensure!(
            String::from_utf8_lossy(&body).contains("Sign out"),
            "{path} is not a signed-in page"
        );
    }
    Ok(())
}

/// The open files the generator may use: the soft limit raised as far as the hard limit
/// allows (up to 65,536), less a margin; at most that many requests wait at once.
fn generator_cap() -> usize {
    use rustix::process::{Resource, getrlimit};
    let hard = getrlimit(Resource::Nofile)
        .maximum
        .unwrap_or(65_536)
        .min(65_536);
    let _ = crate::push::raise_nofile(hard);
    let soft = getrlimit(Resource::Nofile).current.unwrap_or(1024);
    (soft as usize).saturating_sub(512).max(256)
}

fn get(path: &str, cookie: &str) -> (hyper::http::request::Builder, bytes::Bytes) {
    (
        hyper::Request::get(path).header(hyper::header::COOKIE, cookie),
        bytes::Bytes::new(),
    )
}

/// A signed `meeting.participant_joined` for a meeting and account nobody here knows,
/// unique per `k` (so each is stored, queued and processed, not deduplicated).
fn webhook(k: u64) -> (hyper::http::request::Builder, bytes::Bytes) {
    let at_ms = now_ms();
    let body = json!({
        "event": "meeting.participant_joined",
        "event_ts": at_ms,
        "payload": {"account_id": "bench-overload-account", "object": {
            "id": "81234567890", "uuid": "overload-meeting", "host_id": "h", "topic": "Overload",
            "type": 2, "start_time": "2026-01-01T00:00:00Z", "timezone": "UTC", "duration": 60,
            "participant": {
                "user_id": format!("{}", 16_000_000 + k), "user_name": format!("Visitor {k}"),
                "id": "", "participant_uuid": format!("OVERLOAD-{k}"), "email": "",
                "registrant_id": "", "participant_user_id": "", "customer_key": "",
                "phone_number": "",
                "join_time": jiff::Timestamp::from_millisecond(at_ms).expect("valid").strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            },
        }},
    })
    .to_string();
    let ts = (at_ms / 1000).to_string();
    let sig = zoom::webhook::sign(&zoom::Secret::new(WEBHOOK_SECRET), &ts, body.as_bytes());
    (
        hyper::Request::post("/webhooks/zoom")
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .header("x-zm-request-timestamp", ts)
            .header("x-zm-signature", sig),
        bytes::Bytes::from(body),
    )
}

/// Waits until the sampler's clock reads `at` seconds.
async fn until(sampler: &RssSampler, at: f64) {
    let left = at - sampler.now();
    if left > 0.0 {
        tokio::time::sleep(Duration::from_secs_f64(left)).await;
    }
}

/// The closed-loop `/healthz` baseline and the course page's capacity, printed.
async fn capacity(s: &Server, seeded: &Seeded, opts: &Options) -> (load::Report, load::Report) {
    let health = load::run(
        "GET /healthz (closed loop)",
        &seeded.cookies,
        &format!("{}/healthz", s.base),
        opts,
    )
    .await;
    health.print();
    let course = load::run(
        "GET /courses/{slug} (closed loop)",
        &seeded.cookies,
        &format!("{}{}", s.base, seeded.course),
        opts,
    )
    .await;
    course.print();
    (health, course)
}

pub async fn overload(
    target: Target,
    seconds: u64,
    factor: f64,
    opts: &Options,
) -> anyhow::Result<()> {
    let cap = generator_cap();
    let mut s = Server::prepare(&target, &zoom_env()).await?;
    let seeded = seed(&s, &target, STUDENTS).await?;
    s.spawn().await?;
    check_pages(&s, &seeded).await?;
    let sampler = RssSampler::start(s.pid(), Duration::from_secs(1));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let fresh = s.rss();
    println!(
        "\n{} — overload: lectern serve (pid {}), {} students signed in, capacity at {} connections for {:?}, then {factor}× open loop for {seconds}s (generator: at most {cap} requests waiting)",
        s.label,
        s.pid(),
        STUDENTS,
        opts.connections,
        opts.duration
    );
    let (health, course) = capacity(&s, &seeded, opts).await;
    anyhow::ensure!(course.rps() > 0.0, "the course page served nothing");
    // Idle again: what the warm server holds (caches, pools, its connections' buffers).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = s.rss();
    let rate = factor * course.rps();
    let dur = Duration::from_secs(seconds);
    let pages = OpenLoop::new(&s.authority, cap);
    let probes = OpenLoop::new(&s.authority, 1000);
    let hooks = OpenLoop::new(&s.authority, 1000);
    let (cookies, path) = (seeded.cookies.clone(), seeded.course.clone());
    let load_start = sampler.now();
    let (main, hz, wh) = tokio::join!(
        pages.run(rate, dur, move |k| get(
            &path,
            &cookies[k as usize % cookies.len()]
        )),
        probes.run(10.0, dur, |_| get("/healthz", "")),
        hooks.run(10.0, dur, webhook),
    );
    let load_end = sampler.now();
    let at_end = s.rss();
    // The crowd goes away.
    pages.close();
    probes.close();
    hooks.close();
    until(&sampler, load_end + 10.0).await;
    let after10 = s.rss();
    until(&sampler, load_end + 60.0).await;
    let after60 = s.rss();
    let series = sampler.stop();
    let peak = series
        .iter()
        .filter(|(t, _)| *t >= load_start)
        .map(|(_, b)| *b)
        .max()
        .unwrap_or(at_end)
        .max(at_end);

    println!(
        "  offered {:.0} req/s ({factor}× {:.0}) for {:.1}s: {} scheduled, {} not sent (generator cap), {} connections opened",
        rate,
        course.rps(),
        main.seconds,
        main.scheduled,
        main.not_sent,
        main.connects
    );
    println!(
        "  accepted 200: {:>7.0}/s ({:.2}× closed-loop capacity)   p50 {:>8.2} ms   p99 {:>8.2} ms   target p99 < {P99_TARGET_MS} ms {}",
        main.per_sec(main.ok_count),
        main.per_sec(main.ok_count) / course.rps(),
        main.ok_ms(0.5),
        main.ok_ms(0.99),
        mark(main.ok_count > 0 && main.ok_ms(0.99) < P99_TARGET_MS)
    );
    println!(
        "  shed 503 + Retry-After: {:>7.0}/s   p50 {:>8.2} ms   p99 {:>8.2} ms",
        main.per_sec(main.shed),
        main.shed_hist.value_at_quantile(0.5) as f64 / 1000.0,
        main.shed_hist.value_at_quantile(0.99) as f64 / 1000.0,
    );
    println!(
        "  other failures: {}   target none {}",
        main.failures_text(),
        mark(main.failures() == 0)
    );
    println!(
        "  /healthz under load: {} probes, p50 {:.2} ms, p99 {:.2} ms (baseline closed loop p99 {:.2} ms), failures {}   target p99 < 100 ms {}",
        hz.ok_count,
        hz.ok_ms(0.5),
        hz.ok_ms(0.99),
        health.p99_ms,
        hz.failures_text(),
        mark(hz.failures() == 0 && hz.shed == 0 && hz.ok_ms(0.99) < 100.0)
    );
    println!(
        "  webhook acks: {} of {}, p50 {:.2} ms, p99 {:.2} ms, failures {}   target p99 < 3 s, all acked {}",
        wh.ok_count,
        wh.scheduled,
        wh.ok_ms(0.5),
        wh.ok_ms(0.99),
        wh.failures_text(),
        mark(wh.ok_count == wh.scheduled && wh.ok_ms(0.99) < 3000.0)
    );
    report_memory(fresh, idle, peak, at_end, after10, after60);
    println!(
        "  RSS MiB every second (load from {load_start:.0}s to {load_end:.0}s): {}",
        compact_series(&series, 40)
    );
    println!("  server log: {}", s.log_summary());
    s.stop().await;
    Ok(())
}

/// The memory lines of `overload`; the target: 60 s after the load, RSS within 1.5× the
/// warm idle figure or 32 MiB above it, whichever is larger.
fn report_memory(fresh: u64, idle: u64, peak: u64, at_end: u64, after10: u64, after60: u64) {
    let limit = (idle as f64 * 1.5).max(idle as f64 + 32.0 * 1024.0 * 1024.0);
    println!(
        "  RSS: fresh {:.1} MiB, idle before the load {:.1} MiB, peak {:.1} MiB, at its end {:.1} MiB, 10 s after {:.1} MiB, 60 s after {:.1} MiB   target 60 s after ≤ max(1.5× idle, idle + 32 MiB) = {:.1} MiB {}",
        mib(fresh),
        mib(idle),
        mib(peak),
        mib(at_end),
        mib(after10),
        mib(after60),
        limit / (1024.0 * 1024.0),
        mark((after60 as f64) <= limit)
    );
}

pub async fn soak(
    target: Target,
    minutes: u64,
    rate: Option<f64>,
    opts: &Options,
) -> anyhow::Result<()> {
    let cap = generator_cap();
    let mut s = Server::prepare(&target, &zoom_env()).await?;
    let seeded = seed(&s, &target, STUDENTS).await?;
    s.spawn().await?;
    check_pages(&s, &seeded).await?;
    println!(
        "\n{} — soak: lectern serve (pid {}), {} students, {minutes} min of an open-loop mix (5/10 course page, 4/10 lesson player, 1/10 /healthz)",
        s.label,
        s.pid(),
        STUDENTS
    );
    let (health, course) = capacity(&s, &seeded, opts).await;
    let rate = rate.unwrap_or(0.5 * course.rps());
    println!(
        "  rate {rate:.0} req/s ({:.0} % of the course page's closed-loop capacity)",
        100.0 * rate / course.rps()
    );
    let crowd = OpenLoop::new(&s.authority, cap);
    let mut rss = Vec::new();
    let mut errors = 0u64;
    let mut worst_p99 = 0.0f64;
    for m in 1..=minutes {
        let (cookies, course, player) = (
            seeded.cookies.clone(),
            seeded.course.clone(),
            seeded.player.clone(),
        );
        let r = crowd
            .run(rate, Duration::from_secs(60), move |k| {
                let cookie = &cookies[(k / 10) as usize % cookies.len()];
                match k % 10 {
                    0..=4 => get(&course, cookie),
                    5..=8 => get(&player, cookie),
                    _ => get("/healthz", ""),
                }
            })
            .await;
        let now = s.rss();
        rss.push((m as f64 * 60.0, now));
        let failed = r.failures() + r.shed + r.not_sent;
        errors += failed;
        worst_p99 = worst_p99.max(r.ok_ms(0.99));
        println!(
            "  minute {m:>3}: RSS {:>7.1} MiB   {:>7.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   errors {failed}{}",
            mib(now),
            r.per_sec(r.ok_count),
            r.ok_ms(0.5),
            r.ok_ms(0.99),
            if failed > 0 {
                format!(
                    " (shed {}, not sent {}, {})",
                    r.shed,
                    r.not_sent,
                    r.failures_text()
                )
            } else {
                String::new()
            }
        );
    }
    let (first, last) = (
        rss.first().map_or(0, |r| r.1),
        rss.last().map_or(0, |r| r.1),
    );
    let growth = if first > 0 {
        100.0 * (last as f64 - first as f64) / first as f64
    } else {
        0.0
    };
    println!(
        "  RSS growth minute 1 → {minutes}: {:.1} → {:.1} MiB ({growth:+.1} %)   target < 10 % {}",
        mib(first),
        mib(last),
        mark(growth < 10.0)
    );
    println!(
        "  errors {errors}   target 0 {}   worst minute p99 {worst_p99:.2} ms (baseline /healthz closed loop p99 {:.2} ms)   target < {P99_TARGET_MS} ms {}",
        mark(errors == 0),
        health.p99_ms,
        mark(worst_p99 < P99_TARGET_MS)
    );
    println!("  server log: {}", s.log_summary());
    s.stop().await;
    Ok(())
}

pub async fn memory(
    target: Target,
    students: usize,
    window: Duration,
    opts: &Options,
) -> anyhow::Result<()> {
    let cap = generator_cap();
    let mut s = Server::prepare(&target, &zoom_env()).await?;
    let t = Instant::now();
    let seeded = seed(&s, &target, students).await?;
    eprintln!(
        "  seeded {students} students with sessions in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    s.spawn().await?;
    // Fresh: started, migrated, answered /healthz, nothing else.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let idle = s.rss();
    println!(
        "\n{} — memory: lectern serve (pid {}), {students} enrolled students arriving over {window:?}, each loading the course page then a lesson page with its own session",
        s.label,
        s.pid()
    );
    println!(
        "  idle RSS of a fresh server: {:.1} MiB   target < 60 MiB {}",
        mib(idle),
        mark(mib(idle) < 60.0)
    );
    let sampler = RssSampler::start(s.pid(), Duration::from_millis(200));
    let crowd = OpenLoop::new(&s.authority, cap);
    let (cookies, course, player) = (
        seeded.cookies.clone(),
        seeded.course.clone(),
        seeded.player.clone(),
    );
    // Student i arrives at i × window / N (as in class-start) and loads the course page,
    // then the lesson page: 2N requests on a schedule.
    let rate = 2.0 * students as f64 / window.as_secs_f64();
    let r = crowd
        .run(rate, window, move |k| {
            let cookie = &cookies[(k / 2) as usize % cookies.len()];
            if k % 2 == 0 {
                get(&course, cookie)
            } else {
                get(&player, cookie)
            }
        })
        .await;
    let end = s.rss();
    let peak = sampler.peak(0.0, sampler.now()).max(end);
    crowd.close();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let after10 = s.rss();
    sampler.stop();
    println!(
        "  class arrival: {} pages in {:.1}s, p50 {:.2} ms, p99 {:.2} ms, shed {}, failures {}   target p99 < {P99_TARGET_MS} ms, no failures {}",
        r.ok_count,
        r.seconds,
        r.ok_ms(0.5),
        r.ok_ms(0.99),
        r.shed,
        r.failures_text(),
        mark(r.ok_ms(0.99) < P99_TARGET_MS && r.failures() + r.shed + r.not_sent == 0)
    );
    println!(
        "  RSS at the end of the arrival {:.1} MiB (peak {:.1} MiB, {:.1}× idle), 10 s later {:.1} MiB",
        mib(end),
        mib(peak),
        end as f64 / idle.max(1) as f64,
        mib(after10)
    );
    let health = load::run(
        "GET /healthz (closed loop, after)",
        &seeded.cookies,
        &format!("{}/healthz", s.base),
        opts,
    )
    .await;
    health.print();
    println!("  server log: {}", s.log_summary());
    s.stop().await;
    Ok(())
}
