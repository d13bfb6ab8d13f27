//! PostgreSQL restarted under load (issue 20, "Outages"): `pg_ctl restart -m fast` while
//! two `lectern serve` instances behind the cluster's proxy answer a signed-in student's
//! course page and player at a steady rate. Few requests fail while the server is away,
//! none once it has been back for 5 s; `/readyz` reports the outage while it lasts; the
//! worker process and each instance's `LISTEN` connection (the session cache) come back
//! by themselves.
//!
//! The server is a private one ([`PrivatePg`]): restarting the machine's shared server
//! would break every other test running beside this one.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::cluster::Cluster;
use crate::support::private_pg::PrivatePg;
use crate::support::{DbKind, TestApp, TestClient, courses, eventually};

/// Requests per second offered (open loop: a request leaves on time whether or not the
/// previous ones were answered); `LECTERN_TEST_RESTART_RATE` overrides it. 50, not the
/// issue's 200: the suite runs this beside hundreds of other tests on a debug build, where
/// 200 requests a second are more than two loaded cores serve (the shedder answers 503
/// "Busy" before the restart begins); `lectern-bench pg-restart` measures 200 on a
/// release build.
const RATE: u64 = 50;

fn rate() -> u64 {
    std::env::var("LECTERN_TEST_RESTART_RATE")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(RATE)
}
/// How long the load runs, and when in it the restart begins.
const LOAD: Duration = Duration::from_secs(12);
const RESTART_AT: Duration = Duration::from_secs(4);
/// After the server has been back this long, no request may fail.
const SETTLED: Duration = Duration::from_secs(5);

/// One request of the load: when it left and what came back (a status, or why none).
struct Sample {
    issued: Duration,
    outcome: Result<u16, String>,
}

impl Sample {
    fn failed(&self) -> bool {
        self.outcome != Ok(200)
    }
}

async fn metric(base: &str, line: &str) -> Option<i64> {
    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(line)?.strip_prefix(' ')?.trim().parse().ok())
}

/// Waits until the session cache of the instance at `base` is subscribed and live.
async fn cache_live(base: &str, timeout: Duration) {
    eventually("the session cache live", timeout, || async {
        (metric(base, "lectern_session_cache_live").await == Some(1)).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fast_restart_under_load_fails_few_requests_and_everything_recovers() {
    let Some(pg) = PrivatePg::start("pg_restart::fast_restart_under_load_fails_few_requests").await
    else {
        return;
    };
    let app = TestApp::builder(DbKind::Postgres)
        .pg_server(pg.url())
        .with_smtp()
        .start()
        .await;
    let made = courses::published_course(
        &app,
        "Restarts",
        &[("document", vec![("title", "Read"), ("body", "Text")])],
    )
    .await;
    courses::enroll(&app, made.id, app.student.id).await;
    let cluster = Cluster::start(&app, 2, &[]).await;
    let (one, two) = (cluster.instance_url(0), cluster.instance_url(1));
    cache_live(&one, Duration::from_secs(10)).await;
    cache_live(&two, Duration::from_secs(10)).await;

    let student = TestClient::new(&cluster.url);
    student
        .signin(&app.student.email, &app.student.password)
        .await;
    let paths = [
        format!("/courses/{}", made.slug),
        format!("/courses/{}/lessons/{}", made.slug, made.lessons[0]),
    ];
    for p in &paths {
        student.get(p).await.assert_status(200);
    }
    let cookie = student.cookie_header();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();

    let rate = rate();
    let t0 = Instant::now();
    let samples = Arc::new(Mutex::new(Vec::<Sample>::new()));
    let readyz = Arc::new(Mutex::new(Vec::<(Duration, Option<u16>)>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));

    // /readyz of instance one, every 50 ms.
    let poller = {
        let (readyz, stop, one) = (readyz.clone(), stop.clone(), one.clone());
        let probe = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let at = t0.elapsed();
                let status = probe
                    .get(format!("{one}/readyz"))
                    .send()
                    .await
                    .ok()
                    .map(|r| r.status().as_u16());
                readyz.lock().unwrap().push((at, status));
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    };

    // The restart, in the middle of the load.
    let restart = {
        let pg_restart = async {
            tokio::time::sleep(RESTART_AT).await;
            let begun = t0.elapsed();
            pg.restart_fast().await;
            (begun, t0.elapsed())
        };
        // The load: the course page and the player, alternately, through the proxy.
        let load = async {
            let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
            let mut inflight = Vec::new();
            for i in 0..rate * LOAD.as_secs() {
                tick.tick().await;
                let url = format!("{}{}", cluster.url, paths[i as usize % 2]);
                let (http, cookie, samples) = (http.clone(), cookie.clone(), samples.clone());
                inflight.push(tokio::spawn(async move {
                    let issued = t0.elapsed();
                    let outcome = match http.get(url).header("cookie", cookie).send().await {
                        Ok(r) => {
                            let status = r.status().as_u16();
                            match r.text().await {
                                Ok(_) if status == 200 => Ok(200),
                                // A failed answer is told by its status and title.
                                Ok(body) => Err(format!(
                                    "{status} {}",
                                    body.split("<title>")
                                        .nth(1)
                                        .and_then(|t| t.split('<').next())
                                        .unwrap_or(&body[..body.len().min(40)])
                                )),
                                Err(e) => Err(e.to_string()),
                            }
                        }
                        Err(e) => Err(e.to_string()),
                    };
                    samples.lock().unwrap().push(Sample { issued, outcome });
                }));
            }
            for t in inflight {
                t.await.unwrap();
            }
        };
        let (restart, ()) = tokio::join!(pg_restart, load);
        restart
    };
    let (begun, back) = restart;
    // Readiness is polled a little longer, to see it return.
    eventually("instance one ready again", Duration::from_secs(10), || {
        let readyz = readyz.clone();
        async move {
            let r = readyz.lock().unwrap();
            r.last()
                .is_some_and(|(at, s)| *at > back && *s == Some(200))
                .then_some(())
        }
    })
    .await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    poller.await.unwrap();

    // The figures.
    let samples = std::mem::take(&mut *samples.lock().unwrap());
    let settled = back + SETTLED;
    let during: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.issued >= begun && s.issued < settled)
        .collect();
    let after: Vec<&Sample> = samples.iter().filter(|s| s.issued >= settled).collect();
    let before: Vec<&Sample> = samples.iter().filter(|s| s.issued < begun).collect();
    let failed = |v: &[&Sample]| v.iter().filter(|s| s.failed()).count();
    let mut why = std::collections::BTreeMap::<String, usize>::new();
    for s in samples.iter().filter(|s| s.failed()) {
        let key = match &s.outcome {
            Ok(status) => status.to_string(),
            Err(e) => e.chars().take(60).collect(),
        };
        *why.entry(key).or_default() += 1;
    }
    let first_ok_after = samples
        .iter()
        .filter(|s| s.issued >= back && !s.failed())
        .map(|s| s.issued)
        .min();
    let readyz = std::mem::take(&mut *readyz.lock().unwrap());
    let unready: Vec<Duration> = readyz
        .iter()
        .filter(|(at, s)| *at >= begun && *s != Some(200))
        .map(|(at, _)| *at)
        .collect();
    let pct = |f: usize, n: usize| 100.0 * f as f64 / n.max(1) as f64;
    eprintln!(
        "pg restart under load: {} requests in {:.1} s ({:.0}/s offered); restart took {} ms \
         (from {:.2} s)",
        samples.len(),
        LOAD.as_secs_f64(),
        rate,
        (back - begun).as_millis(),
        begun.as_secs_f64(),
    );
    eprintln!(
        "  failed before the restart {} of {}; overall {} ({:.2} %); from the restart until 5 s after it {} of {} ({:.2} %); \
         later {} of {}; by cause {why:?}",
        failed(&before),
        before.len(),
        failed(&samples.iter().collect::<Vec<_>>()),
        pct(failed(&samples.iter().collect::<Vec<_>>()), samples.len()),
        failed(&during),
        during.len(),
        pct(failed(&during), during.len()),
        failed(&after),
        after.len(),
    );
    eprintln!(
        "  first success issued {} ms after the server was back; /readyz unready {} times \
         (from {:?} to {:?})",
        first_ok_after.map_or(-1, |t| t.as_millis() as i64 - back.as_millis() as i64),
        unready.len(),
        unready.first(),
        unready.last(),
    );
    assert!(
        samples.len() as u64 >= rate * LOAD.as_secs() * 95 / 100,
        "the load ran"
    );
    assert!(
        pct(failed(&during), during.len()) <= 1.0,
        "at most 1 % of the requests fail during the restart: {} of {}, {why:?}",
        failed(&during),
        during.len()
    );
    assert_eq!(
        failed(&after),
        0,
        "none fails 5 s after the restart: {why:?}"
    );
    assert!(after.len() > 100, "the load went on after the restart");
    assert!(
        unready.iter().any(|at| *at < back + Duration::from_secs(2)),
        "/readyz reported the outage: {readyz:?}"
    );

    // The worker process recovered: a mail queued now (a password reset) is delivered.
    let sink = app.smtp.as_ref().expect("smtp");
    let sent_before = sink.messages().len();
    let t = Instant::now();
    TestClient::new(&cluster.url)
        .post_form("/password/forgot", &[("email", &app.student.email)])
        .await
        .assert_status(200);
    let got = sink
        .wait_for(sent_before + 1, Duration::from_secs(10))
        .await;
    assert!(
        got.last()
            .unwrap()
            .to
            .iter()
            .any(|to| to.contains(&app.student.email)),
        "{:?}",
        got.last().unwrap().to
    );
    eprintln!(
        "  worker: a reset mail queued after the restart was delivered in {} ms",
        t.elapsed().as_millis()
    );

    // Each instance's LISTEN connection is back: its session cache is live again, serves a
    // session from memory, and a sign-out on the other instance reaches it at once.
    let t = Instant::now();
    cache_live(&one, Duration::from_secs(10)).await;
    cache_live(&two, Duration::from_secs(10)).await;
    eprintln!(
        "  session caches live again {} ms after the load",
        t.elapsed().as_millis()
    );
    let on_one = TestClient::new(&one);
    on_one
        .signin(&app.student.email, &app.student.password)
        .await;
    let on_two = on_one.copy_to(&two);
    let hits = "lectern_session_lookups_total{result=\"hit\"}";
    let before = metric(&two, hits).await.unwrap_or(0);
    eventually(
        "a page served from instance two's cache",
        Duration::from_secs(5),
        || async {
            assert_eq!(
                on_two.whoami().await.as_deref(),
                Some(app.student.name.as_str())
            );
            (metric(&two, hits).await.unwrap_or(0) > before).then_some(())
        },
    )
    .await;
    on_one.signout().await;
    let t = Instant::now();
    eventually(
        "signed out on instance two",
        Duration::from_secs(1),
        || async { on_two.whoami().await.is_none().then_some(()) },
    )
    .await;
    eprintln!(
        "  sign-out on instance one refused on instance two after {} ms",
        t.elapsed().as_millis()
    );
    let worker = cluster.worker_stderr();
    assert!(!worker.contains("panicked"), "{worker}");
    drop(cluster);
    drop(app);
}
