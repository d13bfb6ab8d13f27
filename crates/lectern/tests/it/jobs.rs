//! The job queue and worker: claims, retries with backoff, failed jobs for admins, safe
//! concurrent claiming, and graceful shutdown.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::support::{TestApp, TestAppBuilder};
use lectern::db::now_ms;
use lectern::jobs::{self, NewJob};

async fn enqueue(app: &crate::support::TestApp, job: NewJob) -> i64 {
    let mut conn = app.db.pool.acquire().await.unwrap();
    jobs::enqueue(&mut conn, job)
        .await
        .unwrap()
        .expect("not deduplicated")
}

async fn job(app: &crate::support::TestApp, id: i64) -> (String, i64, i64, Option<String>) {
    sqlx::query_as("SELECT state, attempts, run_at, last_error FROM jobs WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

db_test!(failing_job_retries_with_backoff_then_shows_as_failed);
async fn failing_job_retries_with_backoff_then_shows_as_failed(app: TestApp) {
    let mut j = NewJob::raw("no_such_kind", serde_json::json!({"n": 1})).school(app.school.id);
    j.max_attempts = 3;
    let id = enqueue(&app, j).await;

    // Attempt 1 fails: back in the queue, 2 s later.
    let before = app.db.now_ms();
    assert_eq!(app.drain_jobs().await, 1);
    let (state, attempts, run_at, err) = job(&app, id).await;
    assert_eq!((state.as_str(), attempts), ("queued", 1));
    assert!(err.unwrap_or_default().contains("unknown job kind"));
    let delay = run_at - before;
    assert!((2000..3000).contains(&delay), "first backoff {delay} ms");
    // Not due yet: nothing runs.
    assert_eq!(app.drain_jobs().await, 0);

    // Attempt 2: the delay doubles.
    // Time passes until it is due.
    let (_, _, due, _) = job(&app, id).await;
    app.db.clock.advance(due - app.db.now_ms());
    let before = app.db.now_ms();
    assert_eq!(app.drain_jobs().await, 1);
    let (state, attempts, run_at, _) = job(&app, id).await;
    assert_eq!((state.as_str(), attempts), ("queued", 2));
    let delay = run_at - before;
    assert!((4000..5000).contains(&delay), "second backoff {delay} ms");

    // Attempt 3 exhausts it: failed, kept, visible to admins, retryable.
    // Time passes until it is due.
    let (_, _, due, _) = job(&app, id).await;
    app.db.clock.advance(due - app.db.now_ms());
    assert_eq!(app.drain_jobs().await, 1);
    assert_eq!(job(&app, id).await.0, "failed");
    assert_eq!(app.drain_jobs().await, 0);

    let admin = app.signed_in(&app.admin).await;
    let page = admin.get("/admin/jobs").await;
    page.assert_status(200);
    assert!(page.text.contains(&format!("#{id}")), "{}", page.text);
    assert!(page.text.contains("no_such_kind"));
    assert!(page.text.contains("3/3"));
    let m = admin.get("/metrics").await;
    assert!(
        m.text.contains("lectern_jobs{state=\"failed\"} 1"),
        "{}",
        m.text
    );

    let token = admin.csrf_for("/admin/jobs").await;
    admin
        .post_form_raw(&format!("/admin/jobs/{id}/retry"), &[("_csrf", &token)])
        .await
        .assert_redirect_to("/admin/jobs");
    let (state, attempts, _, _) = job(&app, id).await;
    assert_eq!((state.as_str(), attempts), ("queued", 0));
    // Students cannot retry.
    let s = app.signed_in(&app.student).await;
    s.post_form(&format!("/admin/jobs/{id}/retry"), &[])
        .await
        .assert_status(403);
}

db_test!(scheduled_and_deduplicated_jobs);
async fn scheduled_and_deduplicated_jobs(app: TestApp) {
    let later = enqueue(
        &app,
        NewJob::raw("maintenance", serde_json::json!({}))
            .at(now_ms() + 60_000)
            .dedupe("maintenance:test"),
    )
    .await;
    let mut conn = app.db.pool.acquire().await.unwrap();
    let dup = jobs::enqueue(
        &mut conn,
        NewJob::raw("maintenance", serde_json::json!({})).dedupe("maintenance:test"),
    )
    .await
    .unwrap();
    drop(conn);
    assert_eq!(dup, None, "same dedupe key, no second job");
    assert_eq!(app.drain_jobs().await, 0, "scheduled in the future");
    // A minute later it is due.
    app.db.clock.advance(60_000);
    assert_eq!(app.drain_jobs().await, 1);
    assert_eq!(job(&app, later).await.0, "done");
}

db_test!(concurrent_claimers_never_share_a_job);
async fn concurrent_claimers_never_share_a_job(app: TestApp) {
    const N: i64 = 120;
    let mut conn = app.db.pool.acquire().await.unwrap();
    for i in 0..N {
        jobs::enqueue(
            &mut conn,
            NewJob::raw("noop", serde_json::json!({ "i": i })),
        )
        .await
        .unwrap();
    }
    drop(conn);
    let mut tasks = Vec::new();
    for w in 0..4 {
        // Each claimer has its own pool, as separate worker processes would.
        let db = app.test_db.connect().await;
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let got = jobs::claim(&db, &format!("w{w}"), 5, 60_000).await.unwrap();
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|j| j.id));
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut all = Vec::new();
    let mut per_worker = Vec::new();
    for t in tasks {
        let mine = t.await.unwrap();
        per_worker.push(mine.len());
        all.extend(mine);
    }
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(
        unique.len(),
        all.len(),
        "a job was claimed twice; per worker {per_worker:?}"
    );
    assert_eq!(
        all.len() as i64,
        N,
        "every job claimed once; per worker {per_worker:?}"
    );
    let running = app
        .scalar("SELECT COUNT(*) FROM jobs WHERE state = 'running'")
        .await;
    assert_eq!(running, N);
}

db_test!(expired_lease_is_claimed_again);
async fn expired_lease_is_claimed_again(app: TestApp) {
    let id = enqueue(&app, NewJob::raw("noop", serde_json::json!({}))).await;
    // A live lease is respected...
    let held = jobs::claim(&app.db, "alive", 10, 60_000).await.unwrap();
    assert_eq!(held.len(), 1);
    assert!(
        jobs::claim(&app.db, "other", 10, 60_000)
            .await
            .unwrap()
            .is_empty()
    );
    sqlx::query("UPDATE jobs SET state = 'queued', locked_until = NULL, attempts = 0")
        .execute(&app.db.pool)
        .await
        .unwrap();
    // ...an expired one is not (its worker died).
    let first = jobs::claim(&app.db, "dead-worker", 10, 1).await.unwrap();
    assert_eq!(first.len(), 1);
    // Time must pass, not an event: the 1 ms lease ends only by the clock.
    tokio::time::sleep(Duration::from_millis(10)).await;
    let again = jobs::claim(&app.db, "rescuer", 10, 60_000).await.unwrap();
    assert_eq!(again.iter().map(|j| j.id).collect::<Vec<_>>(), vec![id]);
    assert_eq!(again[0].attempts, 2);
    // Its last allowed attempt never reported back either: failed for good, not run again.
    sqlx::query("UPDATE jobs SET locked_until = 1, attempts = max_attempts")
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert!(
        jobs::claim(&app.db, "third", 10, 60_000)
            .await
            .unwrap()
            .is_empty()
    );
    let (state, error): (String, Option<String>) =
        sqlx::query_as("SELECT state, last_error FROM jobs WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(state, "failed");
    assert!(error.unwrap().contains("no outcome reported"));
}

db_test!(worker_delivers_email_in_the_background);
async fn worker_delivers_email_in_the_background(b: TestAppBuilder) {
    let app = b.with_smtp().with_worker().start().await;
    let c = app.client();
    c.post_form("/password/forgot", &[("email", &app.student.email)])
        .await
        .assert_status(200);
    let msgs = app
        .smtp
        .as_ref()
        .unwrap()
        .wait_for(1, Duration::from_secs(10))
        .await;
    assert_eq!(msgs.len(), 1);
    let status: String =
        crate::support::eventually("email marked sent", Duration::from_secs(5), || async {
            let s: String = sqlx::query_scalar("SELECT status FROM emails")
                .fetch_one(&app.db.pool)
                .await
                .unwrap();
            (s == "sent").then_some(s)
        })
        .await;
    assert_eq!(status, "sent");
}

db_test!(graceful_shutdown_finishes_the_job_in_hand_and_releases_the_rest);
async fn graceful_shutdown_finishes_the_job_in_hand_and_releases_the_rest(b: TestAppBuilder) {
    let mut app = b.with_smtp().with_worker().start().await;
    let sink = app.smtp.clone().unwrap();
    sink.set_delay(Duration::from_millis(1500));
    // More e-mails than a worker runs at once, in one transaction, so one worker
    // batch claims them all.
    let in_hand = lectern::jobs::worker::CONCURRENCY;
    queue_emails_at_once(&app, 0..in_hand + 2).await;
    // Every job in hand has started (on a busy machine the worker may still be handing
    // them out when the first one reaches the sink).
    crate::support::eventually(
        "the deliveries in hand to start",
        Duration::from_secs(10),
        || async { (sink.data_started() >= in_hand).then_some(()) },
    )
    .await;
    let t = Instant::now();
    app.stop().await;
    assert!(
        t.elapsed() >= Duration::from_millis(800),
        "stop waited for the job in hand ({:?})",
        t.elapsed()
    );
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
"SELECT j.state, e.status, j.attempts FROM jobs j JOIN emails e ON j.dedupe_key = 'email:' || CAST(e.id AS TEXT) ORDER BY e.id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let count = |want: (&str, &str, i64)| {
        rows.iter()
            .filter(|r| (r.0.as_str(), r.1.as_str(), r.2) == want)
            .count()
    };
    assert_eq!(
        count(("done", "sent", 1)),
        in_hand,
        "in hand, finished: {rows:?}"
    );
    assert_eq!(
        count(("queued", "queued", 0)),
        2,
        "released, not lost: {rows:?}"
    );
    assert_eq!(sink.messages().len(), in_hand);
    // The HTTP side stopped too.
    assert!(
        reqwest::get(format!("{}/healthz", app.base_url))
            .await
            .is_err()
    );
}

/// Queues e-mails `r{n}@example.org` in one transaction, due since long before any
/// claim's clock reading, so the first claim that sees them takes them all.
async fn queue_emails_at_once(app: &TestApp, numbers: std::ops::Range<usize>) {
    let mut tx = app.db.pool.begin().await.unwrap();
    for n in numbers {
        lectern::email::queue(
            &mut tx,
            app.school.id,
            lectern::email::Email {
                tr: Default::default(),
                to: format!("r{n}@example.org"),
                subject: format!("m{n}"),
                text: "t".into(),
                html: "<p>h</p>".into(),
                calendar: None,
            },
        )
        .await
        .unwrap();
    }
    sqlx::query("UPDATE jobs SET run_at = 0 WHERE state = 'queued'")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

db_test!(a_slot_the_other_lane_frees_is_taken_while_a_lanes_own_jobs_still_run);
async fn a_slot_the_other_lane_frees_is_taken_while_a_lanes_own_jobs_still_run(b: TestAppBuilder) {
    let app = b.with_smtp().with_worker().start().await;
    let sink = app.smtp.clone().unwrap();
    sink.set_delay(Duration::from_millis(3000));
    let slots = lectern::jobs::worker::CONCURRENCY;
    // One lane takes the first e-mail and is busy with it for 3 s ...
    queue_emails_at_once(&app, 0..1).await;
    crate::support::eventually(
        "the first delivery to start",
        Duration::from_secs(10),
        || async { (sink.data_started() >= 1).then_some(()) },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // ... so the other lane claims this batch and starts as many as the slots left allow.
    queue_emails_at_once(&app, 1..slots + 3).await;
    crate::support::eventually(
        "one more delivery than there are slots to start",
        Duration::from_secs(15),
        || async { (sink.data_started() > slots).then_some(()) },
    )
    .await;
    // The slot of the first e-mail went to the batch as soon as it was delivered, 1.5 s
    // before the batch's own first deliveries end.
    assert_eq!(
        sink.messages().len(),
        1,
        "the batch waited for its own deliveries rather than the slot freed before them"
    );
    sink.wait_for(slots + 3, Duration::from_secs(30)).await;
}

db_test!(two_lanes_waiting_for_slots_keep_every_slot_busy);
async fn two_lanes_waiting_for_slots_keep_every_slot_busy(b: TestAppBuilder) {
    let app = b.with_smtp().with_worker().start().await;
    let sink = app.smtp.clone().unwrap();
    sink.set_delay(Duration::from_millis(3000));
    let slots = lectern::jobs::worker::CONCURRENCY;
    // One lane claims a batch larger than the slots and starts what they allow ...
    queue_emails_at_once(&app, 0..slots + 2).await;
    crate::support::eventually(
        "the first deliveries to start",
        Duration::from_secs(10),
        || async { (sink.data_started() >= slots).then_some(()) },
    )
    .await;
    // ... the other lane claims a second batch and waits for slots too.
    queue_emails_at_once(&app, slots + 2..2 * slots + 4).await;
    crate::support::eventually("the second batch to be claimed", Duration::from_secs(10), || async {
        let queued = app
            .scalar("SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND dedupe_key LIKE 'email:%'")
            .await;
        (queued == 0).then_some(())
    })
    .await;
    // (On a busy machine the claim may come after the first deliveries ended; the lanes
    // then wait less, and what follows must hold all the same.)
    // When the first deliveries end, every slot they free is taken again at once (two
    // waiting lanes once passed a freed slot back and forth and left it unused).
    crate::support::eventually(
        "as many deliveries again to start",
        Duration::from_secs(15),
        || async { (sink.data_started() >= 2 * slots).then_some(()) },
    )
    .await;
    assert_eq!(
        sink.messages().len(),
        slots,
        "a freed slot stayed unused until a delivery of the second round ended"
    );
    sink.wait_for(2 * slots + 4, Duration::from_secs(30)).await;
}

db_test!(a_running_worker_renews_its_short_lease_and_a_dead_ones_jobs_fall_free_within_it);
async fn a_running_worker_renews_its_short_lease_and_a_dead_ones_jobs_fall_free_within_it(
    b: TestAppBuilder,
) {
    // A 3 s lease, renewed every second; a delivery that takes 8 s outlives it.
    let app = b
        .with_smtp()
        .with_worker()
        .env("LECTERN_JOB_LEASE_SECS", "3")
        .start()
        .await;
    let sink = app.smtp.clone().unwrap();
    sink.set_delay(Duration::from_millis(8000));
    let mut tx = app.db.pool.begin().await.unwrap();
    lectern::email::queue(
        &mut tx,
        app.school.id,
        lectern::email::Email {
            tr: Default::default(),
            to: "slow@example.org".into(),
            subject: "slow".into(),
            text: "t".into(),
            html: "<p>h</p>".into(),
            calendar: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    crate::support::eventually("the delivery to start", Duration::from_secs(10), || async {
        (sink.data_started() >= 1).then_some(())
    })
    .await;
    let started = Instant::now();
    // Past the first lease's end, the job is still held: its worker is alive and renews.
    tokio::time::sleep(Duration::from_millis(4500)).await;
    assert!(
        started.elapsed() < Duration::from_millis(7500),
        "the machine was too slow to check before the delivery ends"
    );
    let stolen = jobs::claim(&app.db, "thief", 10, 60_000).await.unwrap();
    assert!(
        stolen.is_empty(),
        "a live worker's job was taken: {stolen:?}"
    );
    let (state, attempts): (String, i64) =
        sqlx::query_as("SELECT state, attempts FROM jobs WHERE kind = 'send_email'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((state.as_str(), attempts), ("running", 1));
    crate::support::eventually("the mail sent", Duration::from_secs(15), || async {
        let s: String = sqlx::query_scalar("SELECT status FROM emails")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        (s == "sent").then_some(())
    })
    .await;
    assert_eq!(sink.messages().len(), 1, "delivered once");

    // A worker that died holding a claim (it stopped renewing): the live worker takes the
    // job over once that short lease ends, not minutes later.
    sink.set_delay(Duration::ZERO);
    let mut tx = app.db.pool.begin().await.unwrap();
    lectern::email::queue(
        &mut tx,
        app.school.id,
        lectern::email::Email {
            tr: Default::default(),
            to: "orphan@example.org".into(),
            subject: "orphan".into(),
            text: "t".into(),
            html: "<p>h</p>".into(),
            calendar: None,
        },
    )
    .await
    .unwrap();
    // Claimed by the "dead" worker in the same transaction, so the live one never sees it
    // queued.
    sqlx::query(
        "UPDATE jobs SET state = 'running', locked_by = 'dead', locked_until = $1, attempts = 1 WHERE state = 'queued'",
    )
    .bind(now_ms() + 3000)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let t = Instant::now();
    let msgs = sink.wait_for(2, Duration::from_secs(20)).await;
    assert_eq!(msgs.len(), 2);
    assert!(
        t.elapsed() >= Duration::from_millis(2500),
        "taken over before the dead worker's lease ended ({:?})",
        t.elapsed()
    );
}

db_test!(hourly_maintenance_is_scheduled_once_and_prunes_only_what_expired_a_day_ago);
async fn hourly_maintenance_is_scheduled_once_and_prunes_only_what_expired_a_day_ago(
    b: TestAppBuilder,
) {
    let app = b.with_worker().start().await;
    // The running worker schedules the current hour's job by itself.
    let hour = now_ms().div_euclid(3_600_000);
    let key = format!("maintenance:{hour}");
    crate::support::eventually(
        "the worker to run maintenance",
        Duration::from_secs(10),
        || {
            let (app, key) = (&app, key.clone());
            async move {
                let state: Option<String> =
                    sqlx::query_scalar("SELECT state FROM jobs WHERE dedupe_key = $1")
                        .bind(key)
                        .fetch_optional(&app.db.pool)
                        .await
                        .unwrap();
                (state.as_deref() == Some("done")).then_some(())
            }
        },
    )
    .await;
    // Asking again (another worker, a restart) adds nothing.
    app.state
        .jobs
        .schedule_hourly(&app.db, hour * 3_600_000 + 1)
        .await
        .unwrap();
    let same_hour: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE dedupe_key = $1")
        .bind(&key)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(same_hour, 1);

    let now = now_ms();
    let (day, uid, sid) = (86_400_000, app.student.id, app.school.id);
    for (bucket, start) in [("old", now - day - 1), ("recent", now - day + 60_000)] {
        sqlx::query("INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, 1)")
            .bind(bucket)
            .bind(start)
            .execute(&app.db.pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO throttles (bucket, failures, last_at) VALUES ($1, 9, $2)")
            .bind(bucket)
            .bind(start)
            .execute(&app.db.pool)
            .await
            .unwrap();
    }
    for (id, expires) in [
        ("gone", now - day - 1),
        ("kept", now - 1),
        ("valid", now + day),
    ] {
        // Every table binds (school, user, key, expiry).
        for sql in [
            "INSERT INTO sessions (school_id, user_id, id, expires_at, created_at) VALUES ($1, $2, $3, $4, 0)",
            "INSERT INTO password_resets (school_id, user_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, 0)",
            "INSERT INTO zoom_oauth_states (school_id, user_id, state_hash, expires_at, session_hash, scope_key, verifier_sealed, created_at) VALUES ($1, $2, $3, $4, 's', 'k', 'v', 0)",
        ] {
            sqlx::query(sql)
                .bind(sid)
                .bind(uid)
                .bind(id)
                .bind(expires)
                .execute(&app.db.pool)
                .await
                .unwrap();
        }
    }
    // A mail's sealed link (a reset link lives an hour) is wiped a day later.
    for (subject, created) in [("old", now - day - 1), ("recent", now - 1)] {
        sqlx::query(
            "INSERT INTO emails (school_id, to_addr, subject, body_text, body_html, status, created_at, secret_sealed, secret_user_id)
                     VALUES ($1, 'a@b.test', $2, '', '', 'outbox', $3, 'sealed', $4)",
        )
        .bind(sid)
        .bind(subject)
        .bind(created)
        .bind(uid)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    // An API idempotency key is forgotten a day after it was used.
    for (key, created) in [("old", now - day - 1), ("recent", now - 1)] {
        sqlx::query(
            "INSERT INTO api_idempotency (school_id, user_id, idem_key, fingerprint, status, body, created_at)
             VALUES ($1, $2, $3, 'f', 201, '{}', $4)",
        )
        .bind(sid)
        .bind(uid)
        .bind(key)
        .bind(created)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    let pruned = lectern::ops::maintenance::run(&app.db, now).await.unwrap();
    assert_eq!(
        pruned,
        lectern::ops::maintenance::Pruned {
            rate_limits: 1,
            throttles: 1,
            sessions: 1,
            password_resets: 1,
            oauth_states: 1,
            email_secrets: 1,
            idempotency_keys: 1,
        }
    );
    assert_eq!(
        sqlx::query_scalar::<_, String>("SELECT idem_key FROM api_idempotency")
            .fetch_all(&app.db.pool)
            .await
            .unwrap(),
        ["recent"]
    );
    let left = |sql: &'static str| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, String>(sql)
                .fetch_all(&app.db.pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(
        left("SELECT bucket FROM rate_limits ORDER BY bucket").await,
        ["recent"]
    );
    assert_eq!(
        left("SELECT bucket FROM throttles ORDER BY bucket").await,
        ["recent"]
    );
    assert_eq!(
        left("SELECT id FROM sessions WHERE id IN ('gone', 'kept', 'valid') ORDER BY id").await,
        ["kept", "valid"]
    );
    assert_eq!(
        left("SELECT token_hash FROM password_resets ORDER BY token_hash").await,
        ["kept", "valid"]
    );
    assert_eq!(
        left("SELECT state_hash FROM zoom_oauth_states ORDER BY state_hash").await,
        ["kept", "valid"]
    );
    assert_eq!(
        left("SELECT subject FROM emails WHERE secret_sealed IS NOT NULL").await,
        ["recent"]
    );
}

db_test!(a_schools_admin_neither_sees_nor_retries_other_schools_or_school_less_jobs);
async fn a_schools_admin_neither_sees_nor_retries_other_schools_or_school_less_jobs(app: TestApp) {
    // A failed job of another school, and one of no school (webhook processing), each
    // with an error that names what it was about.
    let other = app
        .create_school("other", "Other School", "other.test")
        .await;
    let mut ids = Vec::new();
    for job in [
        NewJob::raw(
            "no_such_kind",
            serde_json::json!({"secret": "OTHER-SCHOOL-JOB"}),
        )
        .school(other.id),
        NewJob::raw("no_such_kind", serde_json::json!({"secret": "GLOBAL-JOB"})),
    ] {
        let mut j = job;
        j.max_attempts = 1;
        ids.push(enqueue(&app, j).await);
    }
    app.drain_jobs().await;
    for id in &ids {
        assert_eq!(job(&app, *id).await.0, "failed");
    }
    let admin = app.signed_in(&app.admin).await;
    let page = admin.get("/admin/jobs").await;
    page.assert_status(200);
    for id in &ids {
        assert!(
            !page.text.contains(&format!("#{id}")),
            "job {id} listed: {}",
            page.text
        );
    }
    assert!(!page.text.contains("no_such_kind"), "{}", page.text);
    let token = admin.csrf_for("/admin/jobs").await;
    for id in &ids {
        admin
            .post_form_raw(&format!("/admin/jobs/{id}/retry"), &[("_csrf", &token)])
            .await
            .assert_status(404);
        assert_eq!(job(&app, *id).await.0, "failed", "not retried");
    }
}
