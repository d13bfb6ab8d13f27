//! SMTP delivery through the app's own connection pool (`email/smtp.rs`): messages ride a
//! few reused connections, a connection that failed is never used again, and a message
//! the relay keeps turning away is `failed` once its job gives up.

use std::time::Duration;

use lectern::email::{self, Email};

use crate::support::{TestApp, TestAppBuilder};

async fn queue(app: &TestApp, to: &str, subject: &str) {
    let mut tx = app.db.pool.begin().await.unwrap();
    email::queue(
        &mut tx,
        app.school.id,
        Email {
            tr: Default::default(),
            to: to.to_string(),
            subject: subject.to_string(),
            text: "t".into(),
            html: "<p>h</p>".into(),
            calendar: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn status_of(app: &TestApp, subject: &str) -> String {
    sqlx::query_scalar("SELECT status FROM emails WHERE subject = $1")
        .bind(subject)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

db_test!(many_messages_ride_a_handful_of_reused_connections);
async fn many_messages_ride_a_handful_of_reused_connections(b: TestAppBuilder) {
    let app = b.with_smtp().with_worker().start().await;
    let sink = app.smtp.clone().unwrap();
    let n = 40;
    let mut tx = app.db.pool.begin().await.unwrap();
    for i in 0..n {
        email::queue(
            &mut tx,
            app.school.id,
            Email {
                tr: Default::default(),
                to: format!("r{i}@example.org"),
                subject: format!("m{i}"),
                text: "t".into(),
                html: "<p>h</p>".into(),
                calendar: None,
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    app.db.jobs_due.notify_one();
    let got = sink.wait_for(n, Duration::from_secs(30)).await;
    let mut subjects: Vec<String> = got
        .iter()
        .map(|m| m.parse().header("subject").unwrap_or_default().to_string())
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), n, "each message once");
    // One connection per job running at once, at most, whatever the number of messages.
    let connections = sink.connections();
    assert!(
        (1..=lectern::jobs::worker::CONCURRENCY).contains(&connections),
        "{n} messages over {connections} connections"
    );
}

db_test!(a_connection_that_failed_is_not_used_again);
async fn a_connection_that_failed_is_not_used_again(b: TestAppBuilder) {
    let app = b.with_smtp().start().await;
    let sink = app.smtp.clone().unwrap();
    sink.refuse("nobody@example.org", "550 5.1.1 no such user");
    queue(&app, "a@example.org", "first").await;
    app.drain_jobs().await;
    queue(&app, "b@example.org", "second").await;
    app.drain_jobs().await;
    assert_eq!(
        sink.connections(),
        1,
        "the second message reused the first's"
    );
    queue(&app, "nobody@example.org", "refused").await;
    app.drain_jobs().await;
    assert_eq!(
        status_of(&app, "refused").await,
        "failed",
        "550 is for good"
    );
    queue(&app, "c@example.org", "third").await;
    app.drain_jobs().await;
    assert_eq!(status_of(&app, "third").await, "sent");
    assert_eq!(
        sink.connections(),
        2,
        "a fresh connection after the refusal"
    );
    assert_eq!(sink.messages().len(), 3);
}

db_test!(a_message_the_relay_keeps_deferring_is_failed_when_its_job_gives_up);
async fn a_message_the_relay_keeps_deferring_is_failed_when_its_job_gives_up(b: TestAppBuilder) {
    let app = b.with_smtp().start().await;
    let sink = app.smtp.clone().unwrap();
    sink.refuse("later@example.org", "451 4.3.0 try again later");
    queue(&app, "later@example.org", "deferred").await;
    app.drain_jobs().await;
    assert_eq!(
        status_of(&app, "deferred").await,
        "queued",
        "451 is tried again"
    );
    for _ in 0..10 {
        app.db.clock.advance(3_600_000);
        app.drain_jobs().await;
    }
    let (status, error): (String, Option<String>) =
        sqlx::query_as("SELECT status, error FROM emails WHERE subject = 'deferred'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(status, "failed");
    assert!(error.unwrap_or_default().contains("451"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'send_email' AND state = 'failed'")
            .await,
        1
    );
    assert!(sink.messages().is_empty());
}
