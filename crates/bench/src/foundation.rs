//! The `foundation` benchmark: 200 students signed in; an enrolled student's course page
//! at 64 connections, against `/healthz` measured in the same run.

use lectern::accounts::{self, NewUser, Role};
use lectern::db::now_ms;

use crate::load::{self, Options};
use crate::setup::{self, Target};

const PASSWORD: &str = "bench-password-123";

pub async fn run(target: Target, students: usize, opts: &Options) -> anyhow::Result<()> {
    let app = setup::start(&target).await?;
    let db = &app.state.db;
    let school = setup::bench_school(db).await?;
    let instructor = setup::bench_teacher(db, school, PASSWORD).await?;
    let course_slug = seed_course(db, school, instructor).await?;
    let mut emails = Vec::new();
    for i in 0..students {
        let email = format!("student{i}@bench.test");
        let id = accounts::create_user(
            db,
            NewUser {
                school_id: school,
                email: &email,
                display_name: &format!("Student {i}"),
                password: PASSWORD,
                role: Role::Student,
                timezone: "America/New_York",
                language: None,
            },
        )
        .await?;
        sqlx::query("INSERT INTO enrollments (school_id, course_id, user_id, enrolled_at) SELECT $1, id, $2, $3 FROM courses WHERE slug = $4")
            .bind(school)
            .bind(id)
            .bind(now_ms())
            .bind(&course_slug)
            .execute(&db.pool)
            .await?;
        emails.push(email);
    }
    // The generator needs only the cookies; one client is kept for the checks around it.
    let mut cookies = Vec::new();
    let mut probe_client = None;
    for e in &emails {
        let (client, cookie) = setup::sign_in_with_cookies(&app.base, e, PASSWORD).await?;
        probe_client.get_or_insert(client);
        cookies.push(cookie);
    }
    let probe_client = probe_client.ok_or_else(|| anyhow::anyhow!("no students to sign in"))?;
    let course_url = format!("{}/courses/{course_slug}", app.base);
    let reading: i64 = sqlx::query_scalar("SELECT id FROM lessons WHERE title = 'Reading'")
        .fetch_one(&db.pool)
        .await?;
    let player_url = format!("{}/courses/{course_slug}/lessons/{reading}", app.base);
    // Warm-up, and a check that the page really is the enrolled view.
    let probe = probe_client.get(&course_url).send().await?;
    anyhow::ensure!(
        probe.status().is_success(),
        "course page answered {}",
        probe.status()
    );
    let probe = probe_client.get(&player_url).send().await?;
    anyhow::ensure!(
        probe.status().is_success() && probe.text().await?.contains("Reading"),
        "the lesson player is not the enrolled student's"
    );

    println!(
        "\n{} — {} students signed in, {} connections, {:?} per endpoint",
        app.label, students, opts.connections, opts.duration
    );
    let health = load::run(
        "GET /healthz",
        &cookies,
        &format!("{}/healthz", app.base),
        opts,
    )
    .await;
    health.print();
    let course = load::run(
        "GET /courses/{slug} (enrolled)",
        &cookies,
        &course_url,
        opts,
    )
    .await;
    course.print();
    println!(
        "  course page throughput = {:.3} × /healthz",
        course.rps() / health.rps()
    );
    let player = load::run(
        "GET /courses/{slug}/lessons/{id} (document, enrolled)",
        &cookies,
        &player_url,
        opts,
    )
    .await;
    player.print();
    println!(
        "  lesson player throughput = {:.3} × /healthz",
        player.rps() / health.rps()
    );
    let metrics = probe_client
        .get(format!("{}/metrics", app.base))
        .send()
        .await?
        .text()
        .await?;
    let count = |result: &str| -> u64 {
        let prefix = format!("lectern_session_lookups_total{{result=\"{result}\"}} ");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(prefix.as_str()))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0)
    };
    let (hit, miss, off) = (count("hit"), count("miss"), count("off"));
    println!("  session lookups: hit {hit}, miss {miss}, off (no cache) {off}");
    // Every signed-in page looks its session up once: fewer lookups than course pages
    // would mean the load generator's cookies were not accepted (an anonymous page).
    anyhow::ensure!(
        hit + miss + off >= course.requests + player.requests,
        "{} course pages and {} players but only {} session lookups: not the enrolled view",
        course.requests,
        player.requests,
        hit + miss + off
    );
    let verdict = |r: &load::Report| {
        let ratio = r.rps() / health.rps();
        if r.p99_ms < 15.0 && ratio >= 0.2 {
            "met"
        } else {
            "NOT met"
        }
    };
    println!(
        "  target (issue 21): p99 < 15 ms and ≥ 0.2 × /healthz → course page {}, lesson player {}",
        verdict(&course),
        verdict(&player)
    );
    app.stop().await;
    Ok(())
}

/// A published course with a handful of lessons, written with plain SQL so the benchmark
/// depends only on the schema.
pub(crate) async fn seed_course(
    db: &lectern::db::Db,
    school: i64,
    instructor: i64,
) -> anyhow::Result<String> {
    let now = now_ms();
    let slug = "benchmark-course".to_string();
    let course =
        crate::setup::published_course(db, school, instructor, &slug, "Benchmark course").await?;
    for (pos, (kind, title)) in [
        ("video", "Welcome video"),
        ("document", "Reading"),
        ("external_link", "Further reading"),
        ("document", "Summary"),
    ]
    .iter()
    .enumerate()
    {
        sqlx::query(
            "INSERT INTO lessons (school_id, course_id, position, kind, title, required, body, url, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 1, '# Hello', 'https://example.com/x', $6, $6)",
        )
        .bind(school)
        .bind(course)
        .bind(pos as i64 + 1)
        .bind(*kind)
        .bind(*title)
        .bind(now)
        .execute(&db.pool)
        .await?;
    }
    sqlx::query(
        "INSERT INTO lessons (school_id, course_id, position, kind, title, required, body, starts_at, timezone, local_start, duration_min, created_at, updated_at) VALUES ($1, $2, 5, 'live_session', 'Live Q&A', 1, 'Agenda', $3, 'Europe/Berlin', '2026-12-01T18:00', 120, $4, $4)",
    )
    .bind(school)
    .bind(course)
    .bind(now + 86_400_000)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(slug)
}
