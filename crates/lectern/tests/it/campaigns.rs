//! E-mail campaigns: who may write them, delivery through the job queue exactly once per
//! recipient (also across a worker stopped half-way), one-click unsubscribe (RFC 8058)
//! that stops campaigns but not transactional mail, preview, field errors, cancel.

use std::collections::HashMap;
use std::time::Duration;

use lectern::accounts::Role;
use lectern::courses::{self, CourseFields};
use lectern::db::{CourseId, SchoolId, UserId, now_ms};

use crate::support::client::TestClient;
use crate::support::mail::Mail;
use crate::support::{TestApp, TestAppBuilder, TestUser};

async fn course(app: &TestApp, title: &str) -> CourseId {
    let c = courses::create(
        &app.db,
        app.school.id,
        app.instructor.id,
        CourseFields {
            title,
            description: "",
            cover_url: None,
        },
    )
    .await
    .unwrap();
    courses::set_published(&app.db, c.school_id, c.id, true)
        .await
        .unwrap();
    c.id
}

async fn enroll(app: &TestApp, course_id: CourseId, user_id: i64) {
    courses::progress::enroll(
        &app.db,
        &*app.state.course_hooks,
        SchoolId(app.school.id),
        course_id,
        UserId(user_id),
    )
    .await
    .unwrap();
}

/// `n` students `bulk{i}@test.example` of the school, enrolled in `course_id`, written in
/// two statements (hashing 2,000 passwords would take minutes).
async fn bulk_students(app: &TestApp, course_id: CourseId, n: i64) {
    let now = now_ms();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO users (school_id, email, email_norm, display_name, password_hash, role, timezone, created_at)
         WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {n})
         SELECT {school}, 'bulk' || i || '@test.example', 'bulk' || i || '@test.example', 'Bulk ' || i, 'x', 'student', 'UTC', {now} FROM seq",
        school = app.school.id
    )))
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO enrollments (school_id, course_id, user_id, enrolled_at)
         SELECT school_id, {course}, id, {now} FROM users WHERE school_id = {school} AND email LIKE 'bulk%'",
        course = course_id.0,
        school = app.school.id
    )))
    .execute(&app.db.pool)
    .await
    .unwrap();
}

/// Sends a campaign from the composer; returns its id.
async fn send_campaign(c: &TestClient, subject: &str, body: &str, course_id: CourseId) -> i64 {
    let r = c
        .post_form(
            "/teach/campaigns/new",
            &[
                ("subject", subject),
                ("body", body),
                ("audience", "enrolled"),
                ("course", course_id.0.to_string().as_str()),
                ("lesson", ""),
                ("send_at", ""),
                ("action", "send"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let loc = r.location().unwrap().to_string();
    loc.rsplit('/').next().unwrap().parse().unwrap()
}

fn mails(app: &TestApp) -> Vec<(Vec<String>, Mail)> {
    app.smtp
        .as_ref()
        .expect("smtp")
        .messages()
        .into_iter()
        .map(|m| (m.to.clone(), m.parse()))
        .collect()
}

fn with_subject(app: &TestApp, subject: &str) -> Vec<(Vec<String>, Mail)> {
    mails(app)
        .into_iter()
        .filter(|(_, m)| m.header("subject") == Some(subject))
        .collect()
}

db_test!(campaign_routes_are_walled);
async fn campaign_routes_are_walled(b: TestAppBuilder) {
    let app = b.with_smtp().start().await;
    let mine = course(&app, "Mine").await;
    enroll(&app, mine, app.student.id).await;
    let teacher = app.signed_in(&app.instructor).await;
    let id = send_campaign(&teacher, "News", "Hello", mine).await;
    let page = format!("/teach/campaigns/{id}");
    teacher.get(&page).await.assert_status(200);
    teacher.get("/teach/campaigns").await.assert_status(200);

    // A student: 403 everywhere.
    let student = app.signed_in(&app.student).await;
    for p in ["/teach/campaigns", "/teach/campaigns/new", page.as_str()] {
        student.get(p).await.assert_status(403);
    }
    // Another instructor of this school: not their course.
    let other = app
        .create_user(app.school.id, "olga@test.example", "Olga", Role::Instructor)
        .await;
    let other_c = app.signed_in(&other).await;
    other_c.get(&page).await.assert_status(403);
    other_c
        .post_form(&format!("{page}/cancel"), &[])
        .await
        .assert_status(403);
    // Writing to a course they don't teach is a field error; to the whole school too.
    let r = other_c
        .post_form(
            "/teach/campaigns/new",
            &[
                ("subject", "Hijack"),
                ("body", "x"),
                ("audience", "enrolled"),
                ("course", mine.0.to_string().as_str()),
                ("action", "send"),
            ],
        )
        .await;
    r.assert_status(422);
    assert!(r.text.contains("Choose one of your courses"), "{}", r.text);
    let r = other_c
        .post_form(
            "/teach/campaigns/new",
            &[
                ("subject", "Everyone"),
                ("body", "x"),
                ("audience", "school"),
                ("action", "send"),
            ],
        )
        .await;
    r.assert_status(422);
    assert!(r.text.contains("Only admins"), "{}", r.text);
    // The admin may.
    let admin = app.signed_in(&app.admin).await;
    admin.get(&page).await.assert_status(200);
    // Another school's admin: 404.
    let os = app.other_school().await;
    let far = os.signed_in(&os.admin).await;
    far.get(&page).await.assert_status(404);
    // Signed out: to the sign-in page, never the campaign.
    let anon = app.client();
    assert!(anon.get(&page).await.status.is_redirection());
}

db_test!(two_thousand_recipients_each_once_across_a_stopped_worker);
async fn two_thousand_recipients_each_once_across_a_stopped_worker(b: TestAppBuilder) {
    const N: i64 = 2000;
    let mut app = b
        .with_smtp()
        .with_worker()
        .env("LECTERN_CAMPAIGN_RATE", "200")
        .start()
        .await;
    let cid = course(&app, "Big").await;
    bulk_students(&app, cid, N).await;
    let teacher = app.signed_in(&app.instructor).await;
    let t = std::time::Instant::now();
    let id = send_campaign(&teacher, "Spring news", "Hello {name}", cid).await;
    let queue_time = t.elapsed();
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM campaign_recipients").await,
        N
    );
    assert!(queue_time < Duration::from_secs(10), "{queue_time:?}");
    // The page shows progress while it runs.
    let page = teacher.get(&format!("/teach/campaigns/{id}")).await;
    page.assert_status(200);
    assert!(page.text.contains("progress-sent"), "{}", page.text);

    // Stop the worker half-way.
    {
        let sink = app.smtp.as_ref().unwrap();
        crate::support::eventually(
            "a first part delivered",
            Duration::from_secs(60),
            || async { (sink.messages().len() >= 300).then_some(()) },
        )
        .await;
    }
    app.stop().await;
    let first = mails(&app).len();
    assert!(first < N as usize, "stopped before the end ({first})");

    // As if a worker had also died: one job after its recipient's mail was written (it
    // must not write it again), one before (it must still go out).
    let now = now_ms();
    sqlx::query(
        "UPDATE jobs SET state = 'running', locked_until = $1, attempts = 1
         WHERE id IN (SELECT j.id FROM jobs j JOIN campaign_recipients r
                        ON j.dedupe_key = 'campaign:' || r.campaign_id || ':' || r.user_id
                      WHERE r.state = 'sent' ORDER BY j.id LIMIT 1)",
    )
    .bind(now - 1)
    .execute(&app.db.pool)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE jobs SET state = 'running', locked_until = $1, attempts = 1
         WHERE id IN (SELECT j.id FROM jobs j JOIN campaign_recipients r
                        ON j.dedupe_key = 'campaign:' || r.campaign_id || ':' || r.user_id
                      WHERE r.state = 'queued' ORDER BY j.id LIMIT 1)",
    )
    .bind(now - 1)
    .execute(&app.db.pool)
    .await
    .unwrap();
    // Restarted (another process on the same database); time passes for the rest.
    let again = app.second_instance().await;
    sqlx::query("UPDATE jobs SET run_at = $1 WHERE state = 'queued'")
        .bind(now)
        .execute(&app.db.pool)
        .await
        .unwrap();
    lectern::jobs::worker::drain(&again.state.db, &again.state.jobs).await;

    let mut per: HashMap<String, usize> = HashMap::new();
    for (to, m) in mails(&app) {
        assert_eq!(m.header("subject"), Some("Spring news"));
        *per.entry(to.join(",")).or_default() += 1;
    }
    assert_eq!(per.len(), N as usize, "every student");
    assert!(per.values().all(|n| *n == 1), "each once");
    let state: String = sqlx::query_scalar("SELECT state FROM campaigns WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(state, "done");
    again.stop().await;
}

async fn two_students(app: &TestApp) -> (CourseId, TestUser, TestUser) {
    let cid = course(app, "Small").await;
    let ana = app
        .create_user(app.school.id, "ana@test.example", "Ana", Role::Student)
        .await;
    let ben = app
        .create_user(app.school.id, "ben@test.example", "Ben", Role::Student)
        .await;
    enroll(app, cid, ana.id).await;
    enroll(app, cid, ben.id).await;
    (cid, ana, ben)
}

fn to(list: &[(Vec<String>, Mail)], who: &TestUser) -> usize {
    list.iter()
        .filter(|(t, _)| t.iter().any(|a| a.contains(&who.email)))
        .count()
}

db_test!(one_click_unsubscribe_stops_campaigns_but_not_transactional_mail);
async fn one_click_unsubscribe_stops_campaigns_but_not_transactional_mail(b: TestAppBuilder) {
    let app = b
        .with_smtp()
        .env("LECTERN_CAMPAIGN_RATE", "10000")
        .start()
        .await;
    let (cid, ana, ben) = two_students(&app).await;
    let teacher = app.signed_in(&app.instructor).await;
    send_campaign(&teacher, "First", "Hi {name}", cid).await;
    app.drain_jobs().await;
    let first = with_subject(&app, "First");
    assert_eq!(first.len(), 2);
    let (_, m) = first
        .iter()
        .find(|(t, _)| t.iter().any(|a| a.contains(&ana.email)))
        .unwrap();
    assert!(m.text.as_deref().unwrap().contains("Hi Ana"));
    assert_eq!(
        m.header("list-unsubscribe-post"),
        Some("List-Unsubscribe=One-Click")
    );
    let header = m.header("list-unsubscribe").unwrap();
    let url = header
        .trim()
        .strip_prefix('<')
        .and_then(|u| u.strip_suffix('>'))
        .unwrap_or_else(|| panic!("{header}"));
    assert!(url.starts_with(&app.base_url), "{url}");
    // The footer carries the same link.
    assert!(m.text.as_deref().unwrap().contains(url));
    let path = url.strip_prefix(&app.base_url).unwrap().to_string();
    let token = path.strip_prefix("/u/").unwrap();

    // Forged tokens: another user's id with Ana's MAC, a bad MAC, garbage.
    let mut parts = token.splitn(3, '.');
    let (school, _user, mac) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let anon = app.client();
    for forged in [
        format!("/u/{school}.{}.{mac}", ben.id),
        format!("/u/{school}.{}.{}x", ana.id, &mac[..mac.len() - 1]),
        "/u/nothing".to_string(),
    ] {
        let r = anon
            .post_body(
                &forged,
                "application/x-www-form-urlencoded",
                "List-Unsubscribe=One-Click",
            )
            .await;
        r.assert_status(404);
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM mail_unsubscribes").await,
        0
    );
    // A GET (a link scanner) only shows the confirmation.
    let r = anon.get(&path).await;
    r.assert_status(200);
    assert!(r.text.contains("id=\"unsubscribe\""), "{}", r.text);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM mail_unsubscribes").await,
        0
    );
    // The mail client's one-click POST: no cookies, no CSRF token, 200.
    let r = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM mail_unsubscribes").await,
        1
    );

    // The next campaign reaches Ben only; the live invitation and a password reset
    // still reach Ana.
    send_campaign(&teacher, "Second", "Again", cid).await;
    courses::insert_lesson(
        &app.db,
        &*app.state.course_hooks,
        SchoolId(app.school.id),
        cid,
        &courses::LessonRecord {
            title: "Live Q&A".into(),
            required: false,
            body: String::new(),
            content: courses::LessonContent::Live {
                webinar: false,
                schedule: courses::Schedule::at(
                    (now_ms() + 72 * 3_600_000) / 60_000 * 60_000,
                    "UTC",
                    60,
                ),
            },
        },
    )
    .await
    .unwrap();
    app.client()
        .post_form("/password/forgot", &[("email", ana.email.as_str())])
        .await;
    app.drain_jobs().await;
    // The admin's outbox shows what Ana received: the list headers of the campaign,
    // the invitation's .ics.
    let outbox = app.signed_in(&app.admin).await.get("/admin/outbox").await;
    outbox.assert_status(200);
    assert!(
        outbox.text.contains("List-Unsubscribe-Post"),
        "{}",
        outbox.text
    );
    assert!(outbox.text.contains(&format!("&lt;{url}&gt;")) || outbox.text.contains(url));
    assert!(outbox.text.contains("invite.ics"), "{}", outbox.text);
    assert!(
        outbox
            .text
            .contains("text/calendar; charset=UTF-8; method=REQUEST")
    );
    let second = with_subject(&app, "Second");
    assert_eq!(to(&second, &ana), 0);
    assert_eq!(to(&second, &ben), 1);
    let all = mails(&app);
    let ana_other: Vec<String> = all
        .iter()
        .filter(|(t, _)| t.iter().any(|a| a.contains(&ana.email)))
        .filter_map(|(_, m)| m.header("subject").map(str::to_string))
        .filter(|s| s != "First")
        .collect();
    assert!(
        ana_other.iter().any(|s| s.starts_with("Invitation")),
        "{ana_other:?}"
    );
    assert!(
        ana_other
            .iter()
            .any(|s| s.to_lowercase().contains("password")),
        "{ana_other:?}"
    );
}

db_test!(preview_renders_and_a_failed_send_keeps_the_draft);
async fn preview_renders_and_a_failed_send_keeps_the_draft(b: TestAppBuilder) {
    let app = b.with_smtp().start().await;
    let (cid, _ana, _ben) = two_students(&app).await;
    let empty = course(&app, "Nobody here").await;
    let teacher = app.signed_in(&app.instructor).await;
    let body = "Dear {name},\n\n**Big** news <script>alert(1)</script> [x](javascript:alert(1))";
    let r = teacher
        .post_form(
            "/teach/campaigns/new",
            &[
                ("subject", "Preview me"),
                ("body", body),
                ("audience", "enrolled"),
                ("course", cid.0.to_string().as_str()),
                ("action", "preview"),
            ],
        )
        .await;
    r.assert_status(200);
    assert!(r.text.contains("<strong>Big</strong>"), "{}", r.text);
    assert!(r.text.contains("Dear Ana"), "{}", r.text);
    assert!(!r.text.contains("<script>alert"), "{}", r.text);
    assert!(!r.text.contains("href=\"javascript:"), "{}", r.text);
    let id: i64 = app.scalar("SELECT MAX(id) FROM campaigns").await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM campaigns").await, 1);

    // Empty subject: a field error, the body kept (in the form and the draft).
    let r = teacher
        .post_form(
            &format!("/teach/campaigns/{id}"),
            &[
                ("subject", ""),
                ("body", "Keep me"),
                ("audience", "enrolled"),
                ("course", cid.0.to_string().as_str()),
                ("action", "send"),
            ],
        )
        .await;
    r.assert_status(422);
    assert!(r.text.contains("id=\"subject-error\""), "{}", r.text);
    assert!(r.text.contains("Keep me"), "{}", r.text);
    // An audience without recipients.
    let r = teacher
        .post_form(
            &format!("/teach/campaigns/{id}"),
            &[
                ("subject", "To nobody"),
                ("body", "Keep me too"),
                ("audience", "enrolled"),
                ("course", empty.0.to_string().as_str()),
                ("action", "send"),
            ],
        )
        .await;
    r.assert_status(422);
    assert!(
        r.text.contains("This audience has no recipients"),
        "{}",
        r.text
    );
    // Oversized body.
    let big = "x".repeat(100_001);
    let r = teacher
        .post_form(
            &format!("/teach/campaigns/{id}"),
            &[
                ("subject", "Big"),
                ("body", big.as_str()),
                ("audience", "enrolled"),
                ("course", cid.0.to_string().as_str()),
                ("action", "send"),
            ],
        )
        .await;
    r.assert_status(422);
    assert!(r.text.contains("id=\"body-error\""));
    let (subject, state): (String, String) =
        sqlx::query_as("SELECT subject, state FROM campaigns WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((subject.as_str(), state.as_str()), ("Big", "draft"));
    // Send a test to me: only the instructor receives it.
    let r = teacher
        .post_form(
            &format!("/teach/campaigns/{id}"),
            &[
                ("subject", "Tested"),
                ("body", "Hi {name}"),
                ("audience", "enrolled"),
                ("course", cid.0.to_string().as_str()),
                ("action", "test"),
            ],
        )
        .await;
    r.assert_status(200);
    app.drain_jobs().await;
    let all = mails(&app);
    assert_eq!(all.len(), 1);
    assert!(all[0].0.iter().any(|a| a.contains(&app.instructor.email)));
    assert_eq!(all[0].1.header("subject"), Some("[Test] Tested"));
}

db_test!(cancel_stops_what_is_not_yet_sent);
async fn cancel_stops_what_is_not_yet_sent(b: TestAppBuilder) {
    let app = b
        .with_smtp()
        .env("LECTERN_CAMPAIGN_RATE", "1")
        .start()
        .await;
    let cid = course(&app, "Five").await;
    bulk_students(&app, cid, 5).await;
    let teacher = app.signed_in(&app.instructor).await;
    let id = send_campaign(&teacher, "Slow", "One per second", cid).await;
    // At 1 per second, only the first is due now.
    app.drain_jobs().await;
    assert_eq!(with_subject(&app, "Slow").len(), 1);
    teacher
        .post_form(&format!("/teach/campaigns/{id}/cancel"), &[])
        .await
        .assert_redirect_to(&format!("/teach/campaigns/{id}"));
    sqlx::query("UPDATE jobs SET run_at = $1 WHERE state = 'queued'")
        .bind(now_ms())
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.drain_jobs().await;
    assert_eq!(with_subject(&app, "Slow").len(), 1, "the rest is not sent");
    let page = teacher.get(&format!("/teach/campaigns/{id}")).await;
    assert!(
        page.text.contains("Not sent (cancelled): 4"),
        "{}",
        page.text
    );
}

db_test!(queueing_ten_thousand_recipients_takes_two_statements_and_well_under_two_seconds);
async fn queueing_ten_thousand_recipients_takes_two_statements_and_well_under_two_seconds(
    b: TestAppBuilder,
) {
    const N: i64 = 10_000;
    let app = b.start().await;
    let cid = course(&app, "Huge").await;
    bulk_students(&app, cid, N).await;
    let id = lectern::campaigns::save_draft(
        &app.db,
        app.school.id,
        app.instructor.id,
        None,
        &lectern::campaigns::Draft {
            subject: "All of you",
            body_md: "Hi",
            audience: "enrolled",
            course_id: Some(cid.0),
            lesson_id: None,
            send_at: None,
        },
    )
    .await
    .unwrap();
    let c = lectern::campaigns::get(&app.db, app.school.id, id)
        .await
        .unwrap()
        .unwrap();
    let t = std::time::Instant::now();
    assert!(lectern::campaigns::send(&app.db, 10, &c).await.unwrap());
    let took = t.elapsed();
    eprintln!("queued {N} recipients on {:?} in {took:?}", app.backend());
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'campaign_mail'")
            .await,
        N
    );
    // Spaced at 10 per second: the last one is due 999.9 s after the first.
    let (first, last): (i64, i64) =
        sqlx::query_as("SELECT MIN(run_at), MAX(run_at) FROM jobs WHERE kind = 'campaign_mail'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(last - first, (N - 1) * 100);
    // Sending again changes nothing (no longer a draft).
    assert!(!lectern::campaigns::send(&app.db, 10, &c).await.unwrap());
    assert!(took < Duration::from_secs(2), "{took:?}");
}

db_test!(a_campaign_sent_at_a_time_in_the_senders_zone_goes_out_then);
async fn a_campaign_sent_at_a_time_in_the_senders_zone_goes_out_then(b: TestAppBuilder) {
    let app = b
        .with_smtp()
        .env("LECTERN_CAMPAIGN_RATE", "10000")
        .start()
        .await;
    let (cid, _ana, _ben) = two_students(&app).await;
    sqlx::query("UPDATE users SET timezone = 'America/New_York' WHERE id = $1")
        .bind(app.instructor.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let teacher = app.signed_in(&app.instructor).await;
    let year = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .year()
        + 1;
    let local = format!("{year}-03-02T09:30");
    let r = teacher
        .post_form(
            "/teach/campaigns/new",
            &[
                ("subject", "Later"),
                ("body", "Scheduled"),
                ("audience", "enrolled"),
                ("course", cid.0.to_string().as_str()),
                ("send_at", local.as_str()),
                ("action", "send"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let want = format!("{year}-03-02T14:30:00Z")
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_millisecond();
    let (state, send_at): (String, Option<i64>) =
        sqlx::query_as("SELECT state, send_at FROM campaigns ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        (state.as_str(), send_at),
        ("queued", Some(want)),
        "09:30 in New York is 14:30 UTC"
    );
    let (run_at,): (i64,) = sqlx::query_as("SELECT run_at FROM jobs WHERE kind = 'campaign_start'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(run_at, want);
    // Not yet.
    app.drain_jobs().await;
    assert!(with_subject(&app, "Later").is_empty());
    // Its time comes.
    sqlx::query("UPDATE jobs SET run_at = $1 WHERE kind = 'campaign_start'")
        .bind(now_ms())
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.drain_jobs().await;
    assert_eq!(with_subject(&app, "Later").len(), 2);
}

db_test!(the_outbox_lists_a_pdf_attachment_with_its_exact_size_and_keeps_reset_links_sealed);
async fn the_outbox_lists_a_pdf_attachment_with_its_exact_size_and_keeps_reset_links_sealed(
    b: TestAppBuilder,
) {
    let app = b.start().await;
    let mut tx = app.db.pool.begin().await.unwrap();
    let id = lectern::email::queue(
        &mut tx,
        app.school.id,
        lectern::email::Email {
            tr: Default::default(),
            to: app.student.email.clone(),
            subject: "Your certificate".into(),
            text: "attached".into(),
            html: "<p>attached</p>".into(),
            calendar: None,
        },
    )
    .await
    .unwrap();
    // 1,001 bytes: base64 with one padding character.
    let pdf = [b"%PDF-1.7\n".as_slice(), &[b'x'; 992]].concat();
    assert_eq!(pdf.len(), 1001);
    lectern::email::attach(&mut tx, id, "certificate.pdf", "application/pdf", &pdf)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.client()
        .post_form("/password/forgot", &[("email", app.student.email.as_str())])
        .await;
    app.drain_jobs().await;
    let admin = app.signed_in(&app.admin).await;
    let r = admin.get("/admin/outbox").await;
    r.assert_status(200);
    let entries = r.texts(".outbox-entry").join("\n");
    assert!(entries.contains("certificate.pdf"), "{entries}");
    assert!(entries.contains("application/pdf"), "{entries}");
    assert!(entries.contains("1001 bytes"), "{entries}");
    assert!(!entries.contains("/password/reset/"), "{entries}");
}

db_test!(delivery_keeps_to_the_configured_rate);
async fn delivery_keeps_to_the_configured_rate(b: TestAppBuilder) {
    const N: i64 = 100;
    const RATE: f64 = 40.0;
    let app = b
        .with_smtp()
        .with_worker()
        .poll(Duration::from_millis(20))
        .env("LECTERN_CAMPAIGN_RATE", "40")
        .start()
        .await;
    let cid = course(&app, "Paced").await;
    bulk_students(&app, cid, N).await;
    let teacher = app.signed_in(&app.instructor).await;
    let t = std::time::Instant::now();
    send_campaign(&teacher, "Paced", "One at a time", cid).await;
    let sink = app.smtp.as_ref().unwrap();
    crate::support::eventually("all delivered", Duration::from_secs(60), || async {
        (sink.messages().len() >= N as usize).then_some(())
    })
    .await;
    let took = t.elapsed().as_secs_f64();
    let rate = N as f64 / took;
    eprintln!("{N} campaign mails in {took:.2} s: {rate:.1}/s (configured {RATE}/s)");
    // The last is due (N - 1) / RATE seconds after the first: never faster than that.
    assert!(took >= (N - 1) as f64 / RATE, "{took:.2} s");
    assert!(rate <= RATE * 1.05, "{rate:.1}/s");
}

db_test!(a_recipient_whose_mail_is_given_up_counts_as_failed_and_the_campaign_ends);
async fn a_recipient_whose_mail_is_given_up_counts_as_failed_and_the_campaign_ends(
    b: TestAppBuilder,
) {
    let app = b.with_smtp().start().await;
    let cid = course(&app, "Three").await;
    bulk_students(&app, cid, 3).await;
    // bulk2's mail can never be written (every `campaign_mail` attempt fails), and the
    // relay turns bulk3 away "for now" on every try (every `send_email` attempt fails).
    let refuse = match app.backend() {
        lectern::db::Backend::Sqlite => {
            "CREATE TRIGGER refuse_bulk2 BEFORE INSERT ON emails WHEN NEW.to_addr = 'bulk2@test.example'
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        }
        lectern::db::Backend::Postgres => {
            "CREATE FUNCTION refuse_bulk2() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN IF NEW.to_addr = 'bulk2@test.example' THEN RAISE EXCEPTION 'refused by the test'; END IF;
             RETURN NEW; END $$;
             CREATE TRIGGER refuse_bulk2 BEFORE INSERT ON emails FOR EACH ROW EXECUTE FUNCTION refuse_bulk2()"
        }
    };
    sqlx::raw_sql(refuse).execute(&app.db.pool).await.unwrap();
    let sink = app.smtp.clone().unwrap();
    sink.refuse("bulk3@test.example", "451 4.3.0 try again later");
    let teacher = app.signed_in(&app.instructor).await;
    let id = send_campaign(&teacher, "Given up", "Hello {name}", cid).await;
    // Every attempt, an hour apart on the app's clock (backoff is at most an hour).
    for _ in 0..12 {
        app.drain_jobs().await;
        app.db.clock.advance(3_600_000);
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM jobs WHERE state IN ('queued', 'running')")
            .await,
        0,
        "every attempt made"
    );
    let to: Vec<Vec<String>> = mails(&app).into_iter().map(|(to, _)| to).collect();
    assert_eq!(to.len(), 1, "{to:?}");
    assert!(to[0][0].contains("bulk1@"), "{to:?}");
    let (state,): (String,) = sqlx::query_as("SELECT state FROM campaigns WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(state, "done", "the campaign reaches its end");
    let (status, error): (String, Option<String>) =
        sqlx::query_as("SELECT status, error FROM emails WHERE to_addr = 'bulk3@test.example'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(status, "failed", "not queued for ever");
    assert!(error.unwrap_or_default().contains("451"));
    let page = teacher.get(&format!("/teach/campaigns/{id}")).await;
    assert!(
        page.text.contains(r#"<span id="progress-failed">2</span>"#)
            && page.text.contains(r#"<span id="progress-queued">0</span>"#)
            && page.text.contains(r#"<span id="progress-sent">1</span>"#),
        "{}",
        page.text
    );
    let list = teacher.get("/teach/campaigns").await;
    assert!(list.text.contains("Sent · "), "{}", list.text);
    assert!(
        list.text
            .contains(r#"<span class="campaign-failed">Failed: 2</span>"#),
        "{}",
        list.text
    );
}
