//! The `hot-paths` count (issue 21): how many SQL statements one request of the class's hot
//! paths runs — an enrolled student's course page, the lesson player of a live lesson, and
//! `POST /api/live/{lesson}/join` once the meeting is live. Counted from sqlx's own
//! per-statement events (`statements.rs`) with the app running without its job worker and
//! one request at a time, so nothing else runs meanwhile. Counts, not times: a debug build
//! gives the same numbers.
//!
//! Each path is asked three times: by student A for the first time (nothing cached for
//! anyone yet), by A again, and by student B, who never asked before (what is cached per
//! course is warm, what is cached per student is not). `--list` prints the statements.
//!
//! Each path has a budget per round (the counts on either database: the session lookup is
//! cached on both, so only a student's first request pays it; the course page and the
//! player read the course and the student's part of it from the viewer cache once read,
//! so the course page again costs nothing, and the player and the join read the live lesson
//! and its session's view from the same cache); a request over it fails the run, so that a
//! change adding a round trip to a hot path, or losing a cache, is seen. The course's shared copy (`courses::shared`: its lessons with their completion
//! rules, files and Q&A threads, instructors, cover and booking offer) is warm by then (the
//! preparation opened the player), so none of the three reads it: a cold copy costs six
//! statements more, once per course and instance.

use crate::live;
use crate::setup::Target;

pub async fn run(target: Target, list: bool) -> anyhow::Result<()> {
    crate::statements::install();
    // Three students; the meeting started (one create), the host in it; no worker.
    let w = live::prepare(&target, 3, false, false, false).await?;
    // The simulator's webhooks of the start (meeting.started, the host joining) are posted
    // in the background: counted during the first request, they would be taken for its
    // statements. Let them all be answered first.
    let settled = |d: &[zoom_sim::WebhookDelivery]| {
        d.iter().any(|x| x.event == "meeting.started") && d.iter().all(|x| x.status.is_some())
    };
    w.sim
        .wait_for_deliveries(std::time::Duration::from_secs(10), settled)
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let course = format!("{}/courses/{}", w.app.base(), w.course_slug);
    let player = format!("{course}/lessons/{}", w.lesson);
    let join = format!("{}/api/live/{}/join", w.app.base(), w.lesson);
    println!(
        "\n{} — SQL statements per request (one at a time, no job worker)",
        w.app.label()
    );
    let rounds = [
        ("student A, first", 0),
        ("student A, again", 0),
        ("student B, first", 1),
    ];
    let mut table: Vec<(String, Vec<String>)> = Vec::new();
    let mut over = Vec::new();
    // Per round of `rounds`: A first, A again, B first.
    for (path, what, budgets) in [
        ("GET  course page", "course", [2u64, 0, 2]),
        // The course page warmed both students' parts; the first player reads the live
        // session's view, then kept for everyone (`live::ensure_view`).
        ("GET  lesson player (live lesson)", "player", [1, 0, 0]),
        // The first join reads the lesson with its course (`courses::viewers::lesson_for`),
        // then kept for everyone; B's enrolment is in the part their course page kept.
        ("POST /api/live/{id}/join (live)", "join", [1, 0, 0]),
    ] {
        let mut cells = Vec::new();
        for ((who, i), budget) in rounds.iter().zip(budgets) {
            let (_, cookie, csrf) = &w.students[*i];
            let request = match what {
                "course" => client.get(&course).header("cookie", cookie),
                "player" => client.get(&player).header("cookie", cookie),
                _ => client
                    .post(&join)
                    .header("cookie", cookie)
                    .header("x-csrf-token", csrf),
            };
            let (resp, counts, listed) = crate::statements::count_listed(async {
                let resp = request.send().await?;
                let status = resp.status();
                let body = resp.text().await?;
                anyhow::Ok((status, body))
            })
            .await;
            let (status, body) = resp?;
            anyhow::ensure!(
                status.is_success(),
                "{path} for {who} answered {status}: {}",
                body.chars().take(200).collect::<String>()
            );
            if what == "join" {
                anyhow::ensure!(
                    body.contains("\"status\":\"ready\""),
                    "the join of {who} gave no signature: {body}"
                );
            }
            if list {
                println!("  {path} — {who}:");
                for s in &listed {
                    println!("      {}", s.chars().take(240).collect::<String>());
                }
            }
            let total: u64 = counts.values().sum();
            if total > budget {
                over.push(format!("{path} for {who}: {total} > {budget}"));
            }
            cells.push(crate::statements::describe(&counts));
        }
        table.push((path.to_string(), cells));
    }
    for (path, cells) in &table {
        println!("  {path}");
        for ((who, _), cell) in rounds.iter().zip(cells) {
            println!("      {who:<18} {cell}");
        }
    }
    w.app.stop().await;
    anyhow::ensure!(
        over.is_empty(),
        "over the statement budget: {}",
        over.join("; ")
    );
    Ok(())
}
