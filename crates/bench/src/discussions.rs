//! The `discussions` benchmark: a thread page with 200 replies (Markdown already rendered
//! and sanitised when written), read by signed-in enrolled students at 64 connections,
//! against `/healthz` in the same run.

use lectern::accounts::{self, NewUser, Role};
use lectern::db::{CourseId, SchoolId, now_ms};
use lectern::discussions::{Board, posts};

use crate::load::{self, Options};
use crate::setup::{self, Target};

const PASSWORD: &str = "bench-password-123";

pub async fn run(
    target: Target,
    students: usize,
    replies: usize,
    opts: &Options,
) -> anyhow::Result<()> {
    let app = setup::start(&target).await?;
    let db = &app.state.db;
    let school = setup::bench_school(db).await?;
    let user = |email: String, role: Role| {
        let db = db.clone();
        async move {
            accounts::create_user(
                &db,
                NewUser {
                    school_id: school,
                    email: &email,
                    display_name: &email.replace("@bench.test", ""),
                    password: PASSWORD,
                    role,
                    timezone: "Europe/Berlin",
                    language: None,
                },
            )
            .await
        }
    };
    let instructor = user("teacher@bench.test".into(), Role::Instructor).await?;
    let course =
        setup::published_course(db, school, instructor, "forum-course", "Forum course").await?;
    let mut emails = Vec::new();
    for i in 0..students.max(1) {
        let email = format!("student{i}@bench.test");
        let id = user(email.clone(), Role::Student).await?;
        sqlx::query(
            "INSERT INTO enrollments (school_id, course_id, user_id, enrolled_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(school)
        .bind(course)
        .bind(id)
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
        emails.push(email);
    }
    let board = Board {
        course: lectern::courses::by_id(db, SchoolId(school), CourseId(course))
            .await?
            .ok_or_else(|| anyhow::anyhow!("course missing"))?,
        viewer: accounts::by_id(db, school, instructor)
            .await?
            .ok_or_else(|| anyhow::anyhow!("instructor missing"))?,
        manager: true,
    };
    let thread = posts::create_thread(
        db,
        &board,
        "A long thread",
        "Ask **anything** about the course here.",
        None,
    )
    .await?;
    for i in 0..replies {
        posts::reply(
            db,
            &board,
            thread,
            &format!(
                "Reply {i}: a paragraph with *emphasis*, a [link](https://example.com/{i}) and\n\n\
                 > a quote of an earlier reply\n\n- a list\n- of two items"
            ),
            None,
        )
        .await?;
    }
    let mut cookies = Vec::new();
    let mut probe = None;
    for e in &emails {
        let (client, cookie) = setup::sign_in_with_cookies(&app.base, e, PASSWORD).await?;
        probe.get_or_insert(client);
        cookies.push(cookie);
    }
    let probe = probe.ok_or_else(|| anyhow::anyhow!("no students"))?;
    let url = format!("{}/courses/forum-course/discussions/{thread}", app.base);
    let page = probe.get(&url).send().await?;
    anyhow::ensure!(
        page.status().is_success(),
        "thread page answered {}",
        page.status()
    );
    let html = page.text().await?;
    anyhow::ensure!(
        html.matches("data-post-id=").count() > replies,
        "the thread page does not show its {replies} replies"
    );

    println!(
        "\n{} — a thread of {} replies, {} students signed in, {} connections, {:?} per endpoint",
        app.label,
        replies,
        emails.len(),
        opts.connections,
        opts.duration
    );
    let health = load::run(
        "GET /healthz",
        &cookies,
        &format!("{}/healthz", app.base),
        opts,
    )
    .await;
    health.print();
    let thread_page = load::run("GET thread page (200 replies)", &cookies, &url, opts).await;
    thread_page.print();
    println!(
        "  thread page throughput = {:.3} × /healthz",
        thread_page.rps() / health.rps()
    );
    app.stop().await;
    Ok(())
}
