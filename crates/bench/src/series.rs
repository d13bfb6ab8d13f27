//! The `series` benchmark (issue 17, L12): an instructor creates a 52-week series of live
//! sessions in a course with N enrolled students (2,000 by default) through the real form —
//! the preview, then "Create", which writes the series, its 52 lessons, their sessions'
//! jobs (invitations, reminders, expiry) and Q&A threads in one transaction before it
//! answers. Prints both times and what the answer had written.
//!
//! The statements of the Create request are counted from sqlx's own per-statement events
//! (`statements.rs`); the app runs without its job worker, so nothing else runs meanwhile.

use std::time::Instant;

use crate::setup::{self, Target};

const PASSWORD: &str = "bench-password-123";
const WEEKS: usize = 52;

pub async fn run(target: Target, students: usize) -> anyhow::Result<()> {
    anyhow::ensure!(students > 0, "--students must be at least 1");
    crate::statements::install();
    let app = setup::start(&target).await?;
    let db = &app.state.db;
    let school = setup::bench_school(db).await?;
    let instructor = setup::bench_teacher(db, school, PASSWORD).await?;
    let course = setup::published_course(db, school, instructor, "cohort", "Weekly cohort").await?;
    let seeded = Instant::now();
    setup::enrolled_students(db, &target, school, course, instructor, students).await?;
    let seeded = seeded.elapsed();

    let client = setup::sign_in(&app.base, "teacher@bench.test", PASSWORD).await?;
    let url = format!(
        "{}/teach/courses/{course}/series/new?kind=live_session",
        app.base
    );
    let page = client.get(&url).send().await?;
    anyhow::ensure!(
        page.status().is_success(),
        "the new-series page answered {}",
        page.status()
    );
    let csrf = setup::hidden_value(&page.text().await?, "_csrf")
        .ok_or_else(|| anyhow::anyhow!("no CSRF field on the new-series page"))?;
    // Mondays and Thursdays would be 104; one weekday for 52 weeks, from next week.
    let first = jiff::Zoned::now()
        .date()
        .checked_add(jiff::ToSpan::days(7))?
        .to_string();
    let count = WEEKS.to_string();
    let mut fields = vec![
        ("_csrf", csrf.as_str()),
        ("title", "Weekly cohort call"),
        ("first_date", first.as_str()),
        ("time", "09:00"),
        ("timezone", "Europe/Berlin"),
        ("duration", "60"),
        ("freq", "weekly"),
        ("interval", "1"),
        ("wd1", "on"),
        ("end", "count"),
        ("count", count.as_str()),
        ("required", "on"),
    ];
    let previewed = Instant::now();
    let preview = client.post(&url).form(&fields).send().await?;
    let status = preview.status();
    let html = preview.text().await?;
    let preview_time = previewed.elapsed();
    anyhow::ensure!(status.is_success(), "the preview answered {status}");
    let confirm = html
        .split("id=\"series-create\"")
        .next()
        .and_then(|before| before.rsplit("value=\"").next())
        .and_then(|v| v.split('"').next())
        .map(|v| {
            // The attribute as askama escaped it (the zone's `/` included).
            v.replace("&#x2f;", "/")
                .replace("&#47;", "/")
                .replace("&#x27;", "'")
                .replace("&quot;", "\"")
                .replace("&amp;", "&")
        })
        .ok_or_else(|| anyhow::anyhow!("no Create button after the preview"))?;
    fields.push(("confirm", confirm.as_str()));
    let jobs_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs")
        .fetch_one(&db.pool)
        .await?;
    let created = Instant::now();
    let (resp, statements) = crate::statements::count(client.post(&url).form(&fields).send()).await;
    let resp = resp?;
    let create_time = created.elapsed();
    anyhow::ensure!(
        resp.status().is_redirection(),
        "Create answered {}, not the series' page",
        resp.status()
    );
    // Written in the answer's transaction: all there when the redirect came.
    let lessons: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM lessons WHERE course_id = $1")
        .bind(course)
        .fetch_one(&db.pool)
        .await?;
    let jobs: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs")
        .fetch_one(&db.pool)
        .await?;
    let invitations: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE dedupe_key LIKE 'invite:%'")
            .fetch_one(&db.pool)
            .await?;
    anyhow::ensure!(
        lessons == WEEKS as i64 && invitations == WEEKS as i64,
        "expected {WEEKS} lessons and invitations, found {lessons} and {invitations}"
    );
    println!(
        "\n{} — a {WEEKS}-week series in a course of {students} students (seeded in {:.2} s)",
        app.label,
        seeded.as_secs_f64()
    );
    println!(
        "  preview ({WEEKS} dates, nothing written): {:.3} s",
        preview_time.as_secs_f64()
    );
    println!(
        "  create (POST → redirect, one transaction): {:.3} s, {:.1} ms per occurrence",
        create_time.as_secs_f64(),
        create_time.as_secs_f64() * 1000.0 / WEEKS as f64
    );
    println!(
        "  SQL statements of the Create request: {}",
        crate::statements::describe(&statements)
    );
    println!(
        "  written with the answer: {lessons} lessons, {} jobs ({invitations} invitations, each fanned out to the {students} students by the worker)",
        jobs - jobs_before
    );
    app.stop().await;
    Ok(())
}
