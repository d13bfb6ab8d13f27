//! The `analytics` benchmark: a course's analytics page (issue 18: "a course page of
//! analytics over 10,000 students and 100 sessions answers in < 100 ms p99").
//!
//! N students enrolled over the last year, S ended live sessions with most of the class
//! joining each (one `INSERT … SELECT` per session), every student completing some of the
//! course's lessons; one roll-up (`analytics::rollup`, timed), then the instructor's
//! `GET /teach/courses/{id}/analytics` at 16 connections against `/healthz`. The page reads
//! the course's aggregates only, so its time does not grow with the raw rows.

use lectern::analytics;
use lectern::db::{CourseId, SchoolId, now_ms};

use crate::load::{self, Options};
use crate::setup::{self, Target};

const PASSWORD: &str = "bench-password-123";
const DAY_MS: i64 = 86_400_000;
/// The target for the page's p99.
const TARGET_P99_MS: f64 = 100.0;

pub async fn run(
    target: Target,
    students: usize,
    sessions: usize,
    opts: &Options,
) -> anyhow::Result<()> {
    let app = setup::start(&target).await?;
    let db = &app.state.db;
    let school = setup::bench_school(db).await?;
    let instructor = setup::bench_teacher(db, school, PASSWORD).await?;
    let course =
        setup::published_course(db, school, instructor, "analytics", "Analytics course").await?;
    setup::enrolled_students(db, &target, school, course, instructor, students).await?;
    let now = now_ms();
    // Enrolments spread over the last year (the user id decides the day).
    sqlx::query(
        "UPDATE enrollments SET enrolled_at = $1 - (user_id % 365) * 86400000 WHERE course_id = $2",
    )
    .bind(now)
    .bind(course)
    .execute(&db.pool)
    .await?;
    let mut lessons = Vec::new();
    for p in 0..10i64 {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO lessons (school_id, course_id, position, kind, title, created_at, updated_at)
             VALUES ($1, $2, $3, 'document', $4, $5, $5) RETURNING id",
        )
        .bind(school)
        .bind(course)
        .bind(p)
        .bind(format!("Lesson {}", p + 1))
        .bind(now)
        .fetch_one(&db.pool)
        .await?;
        lessons.push(id);
    }
    for (p, lesson) in lessons.iter().enumerate() {
        // Fewer students complete each later lesson: a funnel.
        sqlx::query(
            "INSERT INTO lesson_progress (school_id, lesson_id, user_id, completed_at)
             SELECT school_id, $1, user_id, enrolled_at + 86400000 FROM enrollments
             WHERE course_id = $2 AND user_id % 10 >= $3",
        )
        .bind(lesson)
        .bind(course)
        .bind(p as i64)
        .execute(&db.pool)
        .await?;
    }
    for s in 0..sessions as i64 {
        let start = now - (sessions as i64 - s) * 3 * DAY_MS;
        let lesson: i64 = sqlx::query_scalar(
            "INSERT INTO lessons (school_id, course_id, position, kind, title, starts_at, duration_min, created_at, updated_at)
             VALUES ($1, $2, $3, 'live_session', $4, $5, 60, $6, $6) RETURNING id",
        )
        .bind(school)
        .bind(course)
        .bind(100 + s)
        .bind(format!("Session {}", s + 1))
        .bind(start)
        .bind(now)
        .fetch_one(&db.pool)
        .await?;
        let session: i64 = sqlx::query_scalar(
            "INSERT INTO live_sessions (school_id, course_id, lesson_id, state, started_at, ended_at, linked_at, host_user_id, created_at, updated_at)
             VALUES ($1, $2, $3, 'ended', $4, $5, $4, $6, $7, $7) RETURNING id",
        )
        .bind(school)
        .bind(course)
        .bind(lesson)
        .bind(start)
        .bind(start + 3_600_000)
        .bind(instructor)
        .bind(now)
        .fetch_one(&db.pool)
        .await?;
        sqlx::query(
            "INSERT INTO live_attendance_events (school_id, session_id, participant_key, user_id, kind, at, source, created_at)
             SELECT school_id, $1, 'u' || CAST(user_id AS TEXT), user_id, 'join', $2, 'bench', $2
             FROM enrollments WHERE course_id = $3 AND (user_id + $4) % 5 <> 0",
        )
        .bind(session)
        .bind(start + 60_000)
        .bind(course)
        .bind(s)
        .execute(&db.pool)
        .await?;
    }
    if let Target::Postgres(_) = target {
        sqlx::query("ANALYZE lessons, lesson_progress, live_sessions, live_attendance_events")
            .execute(&db.pool)
            .await?;
    }
    let rolled = std::time::Instant::now();
    analytics::rollup(db, SchoolId(school), CourseId(course)).await?;
    let rollup_ms = rolled.elapsed().as_secs_f64() * 1000.0;

    let (probe, cookie) =
        setup::sign_in_with_cookies(&app.base, "teacher@bench.test", PASSWORD).await?;
    let url = format!("{}/teach/courses/{course}/analytics", app.base);
    let page = probe.get(&url).send().await?;
    anyhow::ensure!(
        page.status().is_success(),
        "analytics page answered {}",
        page.status()
    );
    let html = page.text().await?;
    anyhow::ensure!(
        html.contains(&format!(">{students}</dd>")),
        "the analytics page does not count the {students} students"
    );
    anyhow::ensure!(
        html.matches("<svg class=\"chart\"").count() >= 6,
        "the analytics page lacks its charts"
    );

    println!(
        "\n{} — {} students, {} live sessions; one roll-up took {:.0} ms; {} connections, {:?} per endpoint",
        app.label, students, sessions, rollup_ms, opts.connections, opts.duration
    );
    let cookies = vec![cookie];
    let health = load::run(
        "GET /healthz",
        &cookies,
        &format!("{}/healthz", app.base),
        opts,
    )
    .await;
    health.print();
    let report = load::run("GET course analytics", &cookies, &url, opts).await;
    report.print();
    println!(
        "  analytics page p99 {:.1} ms (target < {TARGET_P99_MS} ms in a release build: {})",
        report.p99_ms,
        if report.p99_ms < TARGET_P99_MS {
            "met"
        } else {
            "not met"
        }
    );
    app.stop().await;
    anyhow::ensure!(
        report.errors == 0,
        "{} analytics requests failed",
        report.errors
    );
    Ok(())
}
