//! Several instances behind a proxy, as operators run them (issue 20, O1): the real
//! `lectern` binary, twice, and its worker on one PostgreSQL database
//! ([`Cluster`]). What one instance does, the others see; a Start pressed on both makes
//! one meeting; an instance restarted under load loses no request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::support::cluster::Cluster;
use crate::support::live::{meeting_event, setup, sign_with, unix_now};
use crate::support::{TestApp, TestAppBuilder, TestClient, courses, eventually};

pg_test!(instances_share_sign_out_one_start_and_webhooks);
async fn instances_share_sign_out_one_start_and_webhooks(b: TestAppBuilder) {
    let t = setup(b).await;
    let cluster = Cluster::start(&t.app, 2, &[]).await;
    let (one, two) = (cluster.instance_url(0), cluster.instance_url(1));

    // Signed out on one instance, the same cookie is refused on the other.
    let on_one = TestClient::new(&one);
    on_one
        .signin(&t.app.instructor.email, &t.app.instructor.password)
        .await;
    let on_two = on_one.copy_to(&two);
    assert_eq!(
        on_two.whoami().await.as_deref(),
        Some(t.app.instructor.name.as_str())
    );
    on_two.signout().await;
    eventually("signed out everywhere", Duration::from_secs(2), || async {
        on_one.whoami().await.is_none().then_some(())
    })
    .await;

    // Twenty Starts spread over both instances make one meeting, and every click is taken
    // to it.
    let inst = TestClient::new(&cluster.url);
    inst.signin(&t.app.instructor.email, &t.app.instructor.password)
        .await;
    let csrf = inst.csrf_for(&t.lesson_url()).await;
    let before = cluster.answered();
    let path = format!("/live/{}/start", t.lesson);
    let clicks: Vec<_> = (0..20)
        .map(|_| {
            let (c, path, csrf) = (inst.clone(), path.clone(), csrf.clone());
            tokio::spawn(async move { c.post_form_raw(&path, &[("_csrf", &csrf)]).await })
        })
        .collect();
    for click in clicks {
        let r = click.await.unwrap();
        assert_eq!(r.status.as_u16(), 303, "{}", r.text);
    }
    assert_eq!(t.creates(), 1, "one meeting for twenty Starts");
    let after = cluster.answered();
    assert!(
        after[0] > before[0] && after[1] > before[1],
        "the Starts went to both instances: {before:?} → {after:?}"
    );

    // Zoom's webhook reaches instance one; the worker process handles it; a student
    // reading instance two sees the session over.
    let m = t.zoom.sim.meetings()[0].clone();
    let body = meeting_event("meeting.ended", &t.zoom.account, m.id, &m.uuid, unix_now());
    let (ts, sig) = sign_with(&t.zoom.webhook_secret, unix_now(), body.as_bytes());
    let ack = reqwest::Client::new()
        .post(format!("{one}/webhooks/zoom"))
        .header("content-type", "application/json")
        .header("x-zm-request-timestamp", ts)
        .header("x-zm-signature", sig)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(ack.status().as_u16(), 200);
    let student = TestClient::new(&two);
    student
        .signin(&t.app.student.email, &t.app.student.password)
        .await;
    let states = format!("/courses/{}/live/states", t.course_slug);
    eventually(
        "ended on the other instance",
        Duration::from_secs(10),
        || {
            let (student, states) = (&student, &states);
            async move {
                let r = student.get(states).await;
                let v: serde_json::Value = serde_json::from_str(&r.text).ok()?;
                (v["lessons"][0]["display"] == "ended").then_some(())
            }
        },
    )
    .await;
    assert_eq!(t.session().await.state, "ended");
    assert!(
        !cluster.worker_stderr().contains("ERROR"),
        "{}",
        cluster.worker_stderr()
    );
}

pg_test!(rolling_restart_under_load_fails_no_request);
async fn rolling_restart_under_load_fails_no_request(app: TestApp) {
    let (_, _, slug) = courses::taught_course(&app, "Rolling restarts").await;
    let cluster = Cluster::start(&app, 2, &[]).await;
    let course_page = format!("{}/courses/{slug}", cluster.url);
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Eight readers, each on its own kept-alive connection, as browsers would be.
    let readers: Vec<_> = (0..8)
        .map(|_| {
            let (url, ok, failed, stop) = (
                course_page.clone(),
                ok.clone(),
                failed.clone(),
                stop.clone(),
            );
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                while !stop.load(Ordering::Relaxed) {
                    match client.get(&url).send().await {
                        Ok(r) if r.status() == 200 => {
                            let _ = r.bytes().await;
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(r) => failed.lock().unwrap().push(format!("{}", r.status())),
                        Err(e) => failed.lock().unwrap().push(e.to_string()),
                    }
                }
            })
        })
        .collect();
    let mut cluster = cluster;
    tokio::time::sleep(Duration::from_millis(500)).await;
    for i in 0..2 {
        let served = cluster.answered()[i];
        let (code, stderr) = cluster.restart(i).await;
        assert_eq!(code, Some(0), "instance {i} stopped cleanly: {stderr}");
        assert!(
            stderr.contains("draining"),
            "instance {i} turned unready before it stopped: {stderr}"
        );
        assert!(
            cluster.answered()[i] > served,
            "instance {i} served under load before it stopped"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let restarted = cluster.answered();
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.await.unwrap();
    }
    let failed = failed.lock().unwrap().clone();
    assert!(
        failed.is_empty(),
        "{} of {} requests failed: {:?}",
        failed.len(),
        failed.len() as u64 + ok.load(Ordering::Relaxed),
        &failed[..failed.len().min(5)]
    );
    assert!(ok.load(Ordering::Relaxed) > 100, "the load ran");
    let end = cluster.answered();
    assert!(
        end[0] > restarted[0] && end[1] > restarted[1],
        "both restarted instances serve again: {restarted:?} → {end:?}"
    );
}

pg_test!(a_draining_instance_is_unready_but_still_serves);
async fn a_draining_instance_is_unready_but_still_serves(app: TestApp) {
    let cluster = Cluster::start(&app, 1, &[("LECTERN_SHUTDOWN_DRAIN_SECS", "3")]).await;
    let one = cluster.instance_url(0);
    let http = reqwest::Client::new();
    let ready = http.get(format!("{one}/readyz")).send().await.unwrap();
    assert_eq!(ready.status().as_u16(), 200);
    cluster.signal(0, "-TERM");
    eventually("unready after SIGTERM", Duration::from_secs(2), || async {
        let r = http.get(format!("{one}/readyz")).send().await.ok()?;
        (r.status().as_u16() == 503).then_some(r.text().await.ok()?)
    })
    .await
    .contains("shutting down")
    .then_some(())
    .expect("readyz says why");
    // Still serving pages while the balancer takes it out of rotation.
    let page = http.get(format!("{one}/")).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
}
