//! The `campaign` benchmark (issue 16): an instructor sends a campaign to a course's N
//! enrolled students through the real form; time to queue (target < 2 s), then the job
//! worker delivers into a local SMTP sink at `LECTERN_CAMPAIGN_RATE`, and the bench
//! compares the delivery rate achieved with the configured one and checks that every
//! student got exactly one message.

use std::time::{Duration, Instant};

use crate::setup::{self, Target};
use crate::smtp_sink::Sink;

const PASSWORD: &str = "bench-password-123";
const QUEUE_TARGET: Duration = Duration::from_secs(2);

pub async fn run(target: Target, students: usize, rate: u32) -> anyhow::Result<()> {
    anyhow::ensure!(students > 0, "--students must be at least 1");
    anyhow::ensure!(rate > 0, "--rate must be at least 1");
    let sink = Sink::start().await?;
    let app = setup::start_with(
        &target,
        &[
            ("SMTP_URL", sink.url()),
            ("LECTERN_CAMPAIGN_RATE", rate.to_string()),
        ],
        true,
    )
    .await?;
    let db = &app.state.db;
    let school = setup::bench_school(db).await?;
    let instructor = setup::bench_teacher(db, school, PASSWORD).await?;
    let course =
        setup::published_course(db, school, instructor, "news-course", "News course").await?;

    let seeded = Instant::now();
    setup::enrolled_students(db, &target, school, course, instructor, students).await?;
    let seeded = seeded.elapsed();

    // The instructor sends it through the real form: sign-in, the new-campaign page's CSRF
    // field, then `action=send`, which saves the draft and queues every recipient before
    // it answers with the redirect to the campaign's page.
    let client = setup::sign_in(&app.base, "teacher@bench.test", PASSWORD).await?;
    let page = client
        .get(format!("{}/teach/campaigns/new", app.base))
        .send()
        .await?;
    anyhow::ensure!(
        page.status().is_success(),
        "/teach/campaigns/new answered {}",
        page.status()
    );
    let csrf = setup::hidden_value(&page.text().await?, "_csrf")
        .ok_or_else(|| anyhow::anyhow!("no CSRF field on /teach/campaigns/new"))?;
    let course_field = course.to_string();
    let sent = Instant::now();
    let resp = client
        .post(format!("{}/teach/campaigns/new", app.base))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("subject", "News from your course"),
            (
                "body",
                "Hello {name},\n\nthe **next module** is open. See you there!",
            ),
            ("audience", "enrolled"),
            ("course", course_field.as_str()),
            ("lesson", ""),
            ("send_at", ""),
            ("action", "send"),
        ])
        .send()
        .await?;
    let queue_time = sent.elapsed();
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let campaign: i64 = match location
        .as_deref()
        .and_then(|l| l.strip_prefix("/teach/campaigns/"))
    {
        Some(id) if resp.status().is_redirection() => id.parse()?,
        _ => anyhow::bail!(
            "sending the campaign answered {} (location {location:?}), not the campaign's page",
            resp.status()
        ),
    };
    // Written in the send's transaction: already all there when the answer came.
    let recipients: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id = $1")
            .bind(campaign)
            .fetch_one(&db.pool)
            .await?;
    let jobs: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM jobs WHERE school_id = $1 AND dedupe_key LIKE 'campaign:{campaign}:%'"
    )))
    .bind(school)
    .fetch_one(&db.pool)
    .await?;

    println!(
        "\n{} — campaign to {} students at LECTERN_CAMPAIGN_RATE={} (seeded in {:.2} s)",
        app.label,
        students,
        rate,
        seeded.as_secs_f64()
    );
    println!(
        "  time to queue (POST send → answer): {:.3} s — target < {} s: {}",
        queue_time.as_secs_f64(),
        QUEUE_TARGET.as_secs(),
        if queue_time < QUEUE_TARGET {
            "met"
        } else {
            "NOT met"
        }
    );
    println!("  written with the answer: {recipients} recipients, {jobs} jobs");

    // Delivery: the worker (running since start) hands the mails to the sink.
    let timeout = Duration::from_secs_f64(students as f64 / f64::from(rate) * 1.5 + 30.0);
    let deadline = sent + timeout;
    while sink.with(|t| t.messages) < students && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A moment more, so a duplicate delivery right behind the last one is seen too.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (messages, distinct, once, span) = sink.with(|t| {
        (
            t.messages,
            t.recipients.len(),
            t.recipients.values().filter(|n| **n == 1).count(),
            t.first.zip(t.last).map(|(a, b)| b - a),
        )
    });
    let last_after_send = sink.with(|t| t.last.map(|l| l - sent));
    let progress = lectern::campaigns::progress(db, campaign).await?;
    match span {
        Some(span) if messages > 1 && span > Duration::ZERO => {
            let achieved = (messages - 1) as f64 / span.as_secs_f64();
            println!(
                "  delivered {messages} messages in {:.2} s (first to last): {achieved:.1}/s against the configured {rate}/s ({:.2} ×)",
                span.as_secs_f64(),
                achieved / f64::from(rate)
            );
        }
        _ => println!("  delivered {messages} messages: too few to give a rate"),
    }
    if let Some(l) = last_after_send {
        println!(
            "  last message {:.2} s after the send (timeout {:.0} s)",
            l.as_secs_f64(),
            timeout.as_secs_f64()
        );
    }
    println!(
        "  campaign progress: queued {}, sent {}, failed {}, skipped {}, cancelled {}",
        progress.queued, progress.sent, progress.failed, progress.skipped, progress.cancelled
    );
    // Where the mails are when it stops: a rate above what the worker delivers shows here
    // (its jobs due, or mails written but their `send_email` jobs not yet run).
    let states: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT kind, state, COUNT(*) FROM jobs WHERE school_id = $1 AND kind IN ('campaign_mail', 'send_email')
         GROUP BY kind, state ORDER BY kind, state",
    )
    .bind(school)
    .fetch_all(&db.pool)
    .await?;
    println!(
        "  jobs at the end: {}",
        states
            .iter()
            .map(|(k, s, n)| format!("{k} {s} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let n = students as i64;
    let checks = [
        (
            recipients == n,
            format!("{recipients} recipients written, expected {n}"),
        ),
        (jobs == n, format!("{jobs} jobs written, expected {n}")),
        (
            messages == students,
            format!("{messages} messages in the sink, expected {students}"),
        ),
        (
            distinct == students,
            format!("{distinct} distinct RCPT TO addresses, expected {students}"),
        ),
        (
            once == distinct,
            format!(
                "{} addresses received more than one message",
                distinct - once
            ),
        ),
    ];
    let mut ok = true;
    for (pass, what) in &checks {
        println!("  check: {} — {what}", if *pass { "ok" } else { "FAILED" });
        ok &= pass;
    }
    app.stop().await;
    drop(sink);
    if !ok {
        eprintln!("campaign: checks failed");
        std::process::exit(1);
    }
    Ok(())
}
