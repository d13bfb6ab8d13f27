//! The `export` benchmark: one school of N enrolled students (with a course of ten lessons
//! each completed by most of the class) written by `lectern::export::export` (time, the
//! archive's size, this process's peak RSS: rows and files are streamed, so it should not
//! grow with N), then imported again under another slug (time: one transaction).

use lectern::db::{SchoolId, now_ms};

use crate::setup::{self, Target};

const PASSWORD: &str = "bench-password-123";

/// Peak resident set size of this process in bytes (`VmHWM`).
fn peak_rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

pub async fn run(target: Target, students: usize) -> anyhow::Result<()> {
    let app = setup::start(&target).await?;
    let db = &app.state.db;
    let school = setup::bench_school(db).await?;
    let instructor = setup::bench_teacher(db, school, PASSWORD).await?;
    let course = setup::published_course(db, school, instructor, "export", "Export course").await?;
    setup::enrolled_students(db, &target, school, course, instructor, students).await?;
    let now = now_ms();
    for p in 0..10i64 {
        let lesson: i64 = sqlx::query_scalar(
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
        sqlx::query(
            "INSERT INTO lesson_progress (school_id, lesson_id, user_id, completed_at)
             SELECT school_id, $1, user_id, $2 FROM enrollments WHERE course_id = $3 AND user_id % 10 >= $4",
        )
        .bind(lesson)
        .bind(now)
        .bind(course)
        .bind(p)
        .execute(&db.pool)
        .await?;
    }
    let dir = setup::TempDir::new("lectern-bench-export")?;
    let out = dir.path().join("school.zip");
    let rss_before = peak_rss();
    let started = std::time::Instant::now();
    let done =
        lectern::export::export(db, &app.state.files.storage, SchoolId(school), &out).await?;
    let export_ms = started.elapsed().as_secs_f64() * 1000.0;
    let rss_after = peak_rss();
    let rows: u64 = done.manifest.entries.iter().filter_map(|e| e.rows).sum();
    let started = std::time::Instant::now();
    let imported =
        lectern::export::import(db, &app.state.files.storage, &out, Some("bench-copy")).await?;
    let import_ms = started.elapsed().as_secs_f64() * 1000.0;
    println!(
        "\n{} — {students} students, {rows} rows: export {export_ms:.0} ms ({} archive), import {import_ms:.0} ms ({} rows); peak RSS {} before, {} after the export",
        app.label,
        lectern::files::in_words(done.bytes),
        imported.rows,
        lectern::files::in_words(rss_before),
        lectern::files::in_words(rss_after),
    );
    anyhow::ensure!(
        imported.rows == rows,
        "imported {} rows of {rows}",
        imported.rows
    );
    app.stop().await;
    Ok(())
}
