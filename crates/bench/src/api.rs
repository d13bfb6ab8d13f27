//! The `api` benchmark: an integration reading a course's enrolments through the JSON API.
//! One course of N enrolled students; the cursor pages of 100 are walked once to collect
//! every page's URL, then 64 connections fetch those pages round robin with a bearer
//! token, against `/healthz` in the same run. Each answer must be a page of the API's JSON
//! (`"data":[`): a 401 or 429 would be counted as a failure, not as a fast answer.

use lectern::accounts::{self, Role};

use crate::load::{self, Check, Options};
use crate::setup::{self, Target};

const PASSWORD: &str = "bench-password-123";
const PAGE: usize = 100;

pub async fn run(target: Target, students: usize, opts: &Options) -> anyhow::Result<()> {
    // The per-token limit would answer 429 within the first second: the run measures the
    // handler, and says so.
    let app = setup::start_with(
        &target,
        &[("LECTERN_API_RATE_PER_MINUTE", "1000000".into())],
        false,
    )
    .await?;
    let db = &app.state.db;
    let school = setup::bench_school(db).await?;
    let instructor = setup::bench_teacher(db, school, PASSWORD).await?;
    let course = setup::published_course(db, school, instructor, "api", "API course").await?;
    setup::enrolled_students(db, &target, school, course, instructor, students).await?;
    let user = accounts::by_id(db, school, instructor)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the instructor vanished"))?;
    anyhow::ensure!(
        user.role == Role::Instructor,
        "bench teacher is an instructor"
    );
    let (_, secret) = lectern::api::tokens::create(
        db,
        &app.state.config.secret_key,
        &user,
        "bench",
        &["enrolments:read".to_string()],
        30,
    )
    .await?
    .map_err(|e| anyhow::anyhow!("token refused: {e:?}"))?;
    let bearer = format!("Bearer {secret}");

    // Walk the cursor once: every page's path, and a check that the pages cover the class.
    let client = reqwest::Client::new();
    let first = format!("/api/v1/courses/{course}/enrolments?limit={PAGE}");
    let mut paths = vec![first.clone()];
    let mut seen = 0usize;
    let mut next = Some(first);
    while let Some(path) = next.take() {
        let page: serde_json::Value = client
            .get(format!("{}{path}", app.base))
            .header("authorization", &bearer)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        seen += page["data"].as_array().map_or(0, Vec::len);
        if let Some(cursor) = page["next_cursor"].as_str() {
            let p = format!("/api/v1/courses/{course}/enrolments?limit={PAGE}&cursor={cursor}");
            paths.push(p.clone());
            next = Some(p);
        }
    }
    anyhow::ensure!(
        seen == students,
        "the pages listed {seen} enrolments, expected {students}"
    );

    println!(
        "\n{} — {students} enrolments in {} pages of {PAGE}, {} connections, {:?} per endpoint",
        app.label,
        paths.len(),
        opts.connections,
        opts.duration
    );
    let t = load::Target::parse(&app.base);
    let health = load::run(
        "GET /healthz",
        &["bench=1".to_string()],
        &format!("{}/healthz", app.base),
        opts,
    )
    .await;
    health.print();
    let paths = std::sync::Arc::new(paths);
    let pages = load::run_checked(
        "GET /api/v1/courses/{id}/enrolments (pages of 100)",
        &t,
        {
            let paths = paths.clone();
            move |w, n| {
                let path = &paths[(w + n as usize * 7) % paths.len()];
                hyper::Request::get(path.as_str()).header("authorization", bearer.as_str())
            }
        },
        Check::Success(Some("\"data\":[")),
        opts,
    )
    .await;
    pages.print();
    let ratio = pages.rps() / health.rps();
    println!(
        "  API page throughput = {ratio:.3} × /healthz ({:.0} enrolments/s served)",
        pages.rps() * PAGE as f64
    );
    anyhow::ensure!(
        pages.errors == 0,
        "{} API pages failed: {:?}",
        pages.errors,
        pages.failed_statuses
    );
    app.stop().await;
    Ok(())
}
