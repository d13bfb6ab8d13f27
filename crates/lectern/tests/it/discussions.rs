//! Discussions: who may read and write a board, the sanitiser against an XSS corpus,
//! full-text search giving the same posts on both databases, the Q&A thread of a live
//! lesson, moderation (lock, answer, hide, reports), subscriptions' e-mail and bad input,
//! posts' attachments (who may fetch them, refusals, deletion by job) and mentions.

use lectern::accounts::{self, Role};
use lectern::courses;
use lectern::db::{CourseId, SchoolId};
use lectern::discussions::{Board, posts, render, search};

use crate::support::courses::{Made, published_course};
use crate::support::{TestApp, TestClient};

/// A published course with a document and a live session (and so a Q&A thread), the
/// test student enrolled through the course page.
pub(crate) async fn forum(app: &TestApp) -> (Made, TestClient) {
    let made = published_course(
        app,
        "Forum course",
        &[
            ("document", vec![("title", "Intro"), ("body", "Hello")]),
            (
                "live_session",
                vec![
                    ("title", "Kick-off call"),
                    ("local_start", "2031-03-04T18:00"),
                    ("timezone", "Europe/Berlin"),
                    ("duration", "60"),
                ],
            ),
        ],
    )
    .await;
    let s = app.signed_in(&app.student).await;
    s.post_form(&format!("/courses/{}/enroll", made.slug), &[])
        .await
        .assert_status(303);
    (made, s)
}

/// The text of the textarea named `name` (as typed: not trimmed).
fn textarea(r: &crate::support::Resp, name: &str) -> Option<String> {
    let sel = scraper::Selector::parse(&format!("textarea[name=\"{name}\"]")).unwrap();
    r.doc().select(&sel).next().map(|t| t.text().collect())
}

pub(crate) fn board_url(made: &Made) -> String {
    format!("/courses/{}/discussions", made.slug)
}

/// Starts a thread as `c`; returns its id.
async fn start_thread(c: &TestClient, made: &Made, title: &str, body: &str) -> i64 {
    let r = c
        .post_form(&board_url(made), &[("title", title), ("body", body)])
        .await;
    r.assert_redirect_to(&format!("{}/", board_url(made)));
    r.location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

async fn reply(c: &TestClient, made: &Made, thread: i64, body: &str) -> crate::support::Resp {
    c.post_form(
        &format!("{}/{thread}/reply", board_url(made)),
        &[("body", body)],
    )
    .await
}

/// The board as `user` sees it, for calling the capability directly.
async fn board_for(app: &TestApp, made: &Made, user_id: i64, manager: bool) -> Board {
    Board {
        course: courses::by_id(&app.db, SchoolId(app.school.id), CourseId(made.id))
            .await
            .unwrap()
            .unwrap(),
        viewer: accounts::by_id(&app.db, app.school.id, user_id)
            .await
            .unwrap()
            .unwrap(),
        manager,
    }
}

async fn post_ids(app: &TestApp, thread: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM discussion_posts WHERE thread_id = $1 ORDER BY id")
        .bind(thread)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

db_test!(only_members_reach_a_board_and_only_managers_moderate);
async fn only_members_reach_a_board_and_only_managers_moderate(app: TestApp) {
    let (made, student) = forum(&app).await;
    let thread = start_thread(&student, &made, "First question", "How does it work?").await;
    let post = post_ids(&app, thread).await[0];

    // A student of another course of the same school.
    let outsider_user = app
        .create_user(
            app.school.id,
            "out@test.example",
            "Olli Outsider",
            Role::Student,
        )
        .await;
    let other = published_course(&app, "Another course", &[]).await;
    let outsider = app.signed_in(&outsider_user).await;
    outsider
        .post_form(&format!("/courses/{}/enroll", other.slug), &[])
        .await
        .assert_status(303);

    let instructor = app.signed_in(&app.instructor).await;
    let admin = app.signed_in(&app.admin).await;
    let anonymous = app.client();

    let base = board_url(&made);
    let reads = [
        base.clone(),
        format!("{base}/{thread}"),
        format!("{base}/posts/{post}/report"),
    ];
    let moderation_read = format!("{base}/reports");
    let moderation_posts = [
        format!("{base}/{thread}/pin"),
        format!("{base}/{thread}/lock"),
        format!("{base}/posts/{post}/answer"),
        format!("{base}/posts/{post}/hide"),
    ];

    for path in &reads {
        let r = anonymous.get(path).await;
        r.assert_redirect_to("/signin");
        outsider.get(path).await.assert_status(403);
        student.get(path).await.assert_status(200);
        instructor.get(path).await.assert_status(200);
        admin.get(path).await.assert_status(200);
    }
    anonymous
        .get(&moderation_read)
        .await
        .assert_redirect_to("/signin");
    outsider.get(&moderation_read).await.assert_status(403);
    student.get(&moderation_read).await.assert_status(403);
    instructor.get(&moderation_read).await.assert_status(200);
    admin.get(&moderation_read).await.assert_status(200);

    // Writing: a reply and a new thread.
    outsider
        .post_form(&format!("{base}/{thread}/reply"), &[("body", "let me in")])
        .await
        .assert_status(403);
    outsider
        .post_form(&base, &[("title", "x"), ("body", "y")])
        .await
        .assert_status(403);
    reply(&student, &made, thread, "A student's reply")
        .await
        .assert_status(303);
    reply(&instructor, &made, thread, "An instructor's reply")
        .await
        .assert_status(303);
    reply(&admin, &made, thread, "An admin's reply")
        .await
        .assert_status(303);

    for path in &moderation_posts {
        outsider
            .post_form(path, &[("on", "1")])
            .await
            .assert_status(403);
        student
            .post_form(path, &[("on", "1")])
            .await
            .assert_status(403);
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM discussion_threads WHERE pinned = 1 OR locked = 1 OR answer_post_id IS NOT NULL")
            .await,
        0
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM discussion_posts WHERE state <> 'visible'")
            .await,
        0
    );
    for (c, path) in [
        (&instructor, &moderation_posts[0]),
        (&admin, &moderation_posts[1]),
    ] {
        c.post_form(path, &[("on", "1")]).await.assert_status(303);
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM discussion_threads WHERE pinned = 1 AND locked = 1")
            .await,
        1
    );

    // Another school's admin, on their own domain: the course does not exist there.
    let o = app.other_school().await;
    let oa = o.signed_in(&o.admin).await;
    for path in reads.iter().chain([&moderation_read]) {
        oa.get(path).await.assert_status(404);
    }
    oa.post_form(&format!("{base}/{thread}/reply"), &[("body", "hi")])
        .await
        .assert_status(404);
    oa.post_form(&moderation_posts[3], &[])
        .await
        .assert_status(404);

    // Another's post: a student neither edits nor deletes it.
    let theirs = *post_ids(&app, thread).await.last().unwrap();
    student
        .get(&format!("{base}/posts/{theirs}/edit"))
        .await
        .assert_status(403);
    student
        .post_form(&format!("{base}/posts/{theirs}/delete"), &[])
        .await
        .assert_status(403);
    outsider
        .post_form(&format!("{base}/posts/{theirs}/delete"), &[])
        .await
        .assert_status(403);
    oa.post_form(&format!("{base}/posts/{theirs}/delete"), &[])
        .await
        .assert_status(404);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM discussion_posts WHERE state <> 'visible'")
            .await,
        0
    );
}

db_test!(a_paid_courses_board_opens_with_the_enrolment);
async fn a_paid_courses_board_opens_with_the_enrolment(app: TestApp) {
    let made = published_course(&app, "Paid forum", &[]).await;
    sqlx::query("UPDATE courses SET price_minor = 4900, currency = 'EUR' WHERE id = $1")
        .bind(made.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let s = app.signed_in(&app.student).await;
    // Not paid: no free enrolment, and the board stays closed.
    s.post_form(&format!("/courses/{}/enroll", made.slug), &[])
        .await;
    s.get(&board_url(&made)).await.assert_status(403);
    s.post_form(&board_url(&made), &[("title", "Free ride"), ("body", "?")])
        .await
        .assert_status(403);
    // A verified payment enrols (payments::orders::settle calls this): the board opens.
    courses::progress::enroll(
        &app.db,
        &*app.state.course_hooks,
        SchoolId(app.school.id),
        CourseId(made.id),
        lectern::db::UserId(app.student.id),
    )
    .await
    .unwrap();
    s.get(&board_url(&made)).await.assert_status(200);
}

/// Each payload of the corpus, rendered, has no element, attribute or URL that runs.
#[test]
fn the_renderer_outputs_nothing_executable() {
    let corpus = [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<IMG SRC=\"javascript:alert('XSS');\">",
        "<body onload=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java\tscript:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;avascript&#x3A;alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "![x](javascript:alert(1))",
        "<svg onload=alert(1)><circle r=10 /></svg>",
        "<svg><script>alert(1)</script></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<object data=\"x.swf\"></object><embed src=x>",
        "<style>body{background:url(javascript:alert(1))}</style>",
        "<a href=\"&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112&#0000116&#0000058alert(1)\">x</a>",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "<form action=javascript:alert(1)><button>x</button></form>",
        "`<script>` and ```\n<script>alert(1)</script>\n```",
        "[a\" onmouseover=\"alert(1)](https://x.example/\"onmouseover=\"alert(1))",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
        "<base href=\"javascript:/\">",
    ];
    // Each payload also with members whose handles it names: the mention marking runs
    // before the sanitiser and must not open a way past it.
    let members: std::collections::HashSet<String> = ["x", "alert", "script", "img", "a"]
        .into_iter()
        .map(String::from)
        .collect();
    let mentioning: Vec<String> = corpus
        .iter()
        .map(|p| format!("@x @alert {p} @img"))
        .collect();
    let runs = corpus
        .iter()
        .map(|p| (*p, render::render(p)))
        .chain(
            mentioning
                .iter()
                .map(|p| (p.as_str(), render::render_mentioning(p, &members))),
        )
        .collect::<Vec<_>>();
    for (payload, html) in runs {
        let doc = scraper::Html::parse_fragment(&html);
        for el in doc
            .root_element()
            .descendants()
            .filter_map(scraper::ElementRef::wrap)
        {
            let name = el.value().name();
            assert!(
                !matches!(
                    name,
                    "script"
                        | "svg"
                        | "math"
                        | "iframe"
                        | "object"
                        | "embed"
                        | "style"
                        | "form"
                        | "meta"
                        | "base"
                        | "body"
                ),
                "{payload:?} produced <{name}>: {html}"
            );
            for (attr, value) in el.value().attrs() {
                assert!(
                    !attr.to_ascii_lowercase().starts_with("on") && attr != "style",
                    "{payload:?} produced {attr}= : {html}"
                );
                if attr == "class" {
                    assert!(
                        name == "span" && value == "mention",
                        "{payload:?} produced <{name} class={value}>: {html}"
                    );
                }
                if matches!(attr, "href" | "src" | "action" | "formaction") {
                    let v: String = value
                        .chars()
                        .filter(|c| !c.is_whitespace() && !c.is_control())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    for bad in ["javascript:", "data:", "vbscript:"] {
                        assert!(
                            !v.starts_with(bad),
                            "{payload:?} produced {attr}={value}: {html}"
                        );
                    }
                }
                if attr == "href" {
                    assert_eq!(
                        el.value().attr("rel"),
                        Some("nofollow ugc noopener noreferrer"),
                        "{payload:?}: {html}"
                    );
                }
            }
        }
    }
    // Entities stay text: the escaped script shows as text, never as a tag.
    let html = render::render("&lt;script&gt;alert(1)&lt;/script&gt;");
    assert!(html.contains("&lt;script&gt;"), "{html}");
    // Ordinary Markdown survives.
    let html =
        render::render("**bold** [site](https://example.com) ![pic](https://example.com/a.png)");
    assert!(html.contains("<strong>bold</strong>"), "{html}");
    assert!(
        html.contains(r#"src="https://example.com/a.png""#),
        "{html}"
    );
}

db_test!(a_hostile_post_is_shown_inert_on_the_thread_page);
async fn a_hostile_post_is_shown_inert_on_the_thread_page(app: TestApp) {
    let (made, student) = forum(&app).await;
    let thread = start_thread(
        &student,
        &made,
        "<script>alert('title')</script>",
        "<img src=x onerror=alert(1)> [x](javascript:alert(1)) <svg onload=alert(1)>",
    )
    .await;
    let page = student.get(&format!("{}/{thread}", board_url(&made))).await;
    page.assert_status(200);
    assert!(!page.text.contains("<script>alert"), "{}", page.text);
    assert!(!page.text.contains("onerror"), "{}", page.text);
    assert!(!page.text.contains("<svg"), "{}", page.text);
    assert!(!page.text.contains("href=\"javascript"), "{}", page.text);
    assert_eq!(
        page.texts("#thread-heading"),
        vec!["<script>alert('title')</script>".to_string()]
    );
}

db_test!(search_finds_the_same_posts_on_both_databases);
async fn search_finds_the_same_posts_on_both_databases(app: TestApp) {
    let (made, _student) = forum(&app).await;
    let b = board_for(&app, &made, app.student.id, false).await;
    let db = &app.db;
    let a = posts::create_thread(
        db,
        &b,
        "Borrow checker",
        "The rust borrow checker rejects my code.",
        None,
    )
    .await
    .unwrap();
    let pa = post_ids(&app, a).await[0];
    let pb = posts::reply(db, &b, a, "Ask Herr Müller about the café schedule.", None)
        .await
        .unwrap();
    let pc = posts::reply(db, &b, a, "Rust macros: use (baz) and foo bar.", None)
        .await
        .unwrap();
    let d = posts::create_thread(db, &b, "Schedule", "When is the next live session?", None)
        .await
        .unwrap();
    let pd = post_ids(&app, d).await[0];
    let pe = posts::reply(db, &b, d, "A rust secret that a moderator hid.", None)
        .await
        .unwrap();
    let m = board_for(&app, &made, app.instructor.id, true).await;
    posts::set_state(db, &m, pe, "hidden").await.unwrap();

    let find = |q: &'static str| {
        let b = &b;
        async move {
            let mut ids: Vec<i64> = search::search(db, b.course.school_id, b.course.id, q)
                .await
                .unwrap_or_else(|e| panic!("{q:?}: {e}"))
                .into_iter()
                .map(|h| h.post_id)
                .collect();
            ids.sort();
            ids
        }
    };
    let cases: Vec<(&str, Vec<i64>)> = vec![
        ("rust", vec![pa, pc]),
        ("RUST borrow", vec![pa]),
        ("rust -borrow", vec![pa]),
        (r#"foo: "bar" (baz*)"#, vec![pc]),
        ("Müller", vec![pb]),
        ("café", vec![pb]),
        ("schedule", vec![pb, pd]),
        ("rust OR macros", vec![]),
        ("NEAR(rust borrow)", vec![]),
        ("\"unterminated", vec![]),
        (" - : * ( ) \" ", vec![]),
        ("", vec![]),
        ("secret", vec![]),
    ];
    for (q, want) in cases {
        assert_eq!(find(q).await, want, "query {q:?}");
    }
    // The page shows the hits with the matches marked, the rest escaped.
    let s = app.signed_in(&app.student).await;
    let page = s.get(&format!("{}?q=M%C3%BCller", board_url(&made))).await;
    page.assert_status(200);
    let snippet = page.doc();
    let sel = scraper::Selector::parse("#search-results .snippet mark").unwrap();
    let marks: Vec<String> = snippet.select(&sel).map(|m| m.text().collect()).collect();
    assert_eq!(marks, vec!["Müller".to_string()], "{}", page.text);
    // Another course's posts are not found from this board.
    let other = published_course(&app, "Other", &[]).await;
    let ob = board_for(&app, &other, app.instructor.id, true).await;
    posts::create_thread(db, &ob, "Elsewhere", "rust elsewhere", None)
        .await
        .unwrap();
    assert_eq!(find("rust").await, vec![pa, pc]);
}

db_test!(a_live_lesson_has_its_qa_thread_linked_from_the_player);
async fn a_live_lesson_has_its_qa_thread_linked_from_the_player(app: TestApp) {
    let (made, student) = forum(&app).await;
    let live = made.lessons[1];
    let (thread, title): (i64, String) =
        sqlx::query_as("SELECT id, title FROM discussion_threads WHERE lesson_id = $1")
            .bind(live)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(title, "Q&A: Kick-off call");
    // Documents get none.
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM discussion_threads WHERE lesson_id IS NOT NULL")
            .await,
        1
    );
    let player = student
        .get(&format!("/courses/{}/lessons/{live}", made.slug))
        .await;
    player.assert_status(200);
    assert_eq!(
        player.attr("#qa-thread-link", "href").as_deref(),
        Some(format!("{}/{thread}", board_url(&made)).as_str())
    );
    assert_eq!(
        player.attr("#player-discussions", "href").as_deref(),
        Some(board_url(&made).as_str())
    );
    let course_page = student.get(&format!("/courses/{}", made.slug)).await;
    assert_eq!(
        course_page.attr("#course-discussions", "href").as_deref(),
        Some(board_url(&made).as_str())
    );
    let board = student.get(&board_url(&made)).await;
    assert!(
        board
            .texts("#threads .thread-title")
            .contains(&"Q&A: Kick-off call".to_string())
    );
}

db_test!(moderators_lock_mark_answers_hide_and_work_the_report_queue);
async fn moderators_lock_mark_answers_hide_and_work_the_report_queue(app: TestApp) {
    let (made, student) = forum(&app).await;
    let instructor = app.signed_in(&app.instructor).await;
    let thread = start_thread(&student, &made, "Setup help", "My install fails.").await;
    reply(&instructor, &made, thread, "Run `lectern doctor` first.")
        .await
        .assert_status(303);
    reply(&student, &made, thread, "Spam spam spam")
        .await
        .assert_status(303);
    let ids = post_ids(&app, thread).await;
    let (answer, spam) = (ids[1], ids[2]);
    let url = format!("{}/{thread}", board_url(&made));

    // The answer: marked, shown first for the student.
    instructor
        .post_form(
            &format!("{}/posts/{answer}/answer", board_url(&made)),
            &[("on", "1")],
        )
        .await
        .assert_status(303);
    let page = student.get(&url).await;
    assert!(
        page.texts("#answer .markdown")
            .join(" ")
            .contains("lectern doctor"),
        "{}",
        page.text
    );
    assert!(
        page.attr(&format!("#post-{answer}"), "class")
            .unwrap()
            .contains("is-answer")
    );
    let board = student.get(&board_url(&made)).await;
    assert!(!board.texts(".answered-badge").is_empty());

    // A report: a reason is required (and kept), then it is queued.
    let report = format!("{}/posts/{spam}/report", board_url(&made));
    let r = instructor.post_form(&report, &[("reason", "  ")]).await;
    r.assert_status(422);
    assert!(!r.texts("#reason-error").is_empty());
    instructor
        .post_form(&report, &[("reason", "Advertising")])
        .await
        .assert_status(200);
    let queue = instructor
        .get(&format!("{}/reports", board_url(&made)))
        .await;
    assert_eq!(queue.texts("#reports li").len(), 1, "{}", queue.text);
    assert!(queue.text.contains("Advertising"));
    let report_id: i64 = app.scalar("SELECT id FROM discussion_reports").await;
    instructor
        .post_form(
            &format!("{}/reports/{report_id}/resolve", board_url(&made)),
            &[("action", "hide")],
        )
        .await
        .assert_status(303);
    let queue = instructor
        .get(&format!("{}/reports", board_url(&made)))
        .await;
    assert!(queue.texts("#reports li").is_empty());

    // Hidden: the row stays for the audit, the page says who removed it.
    let (state, body, by): (String, String, Option<i64>) =
        sqlx::query_as("SELECT state, body, moderated_by FROM discussion_posts WHERE id = $1")
            .bind(spam)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        (state.as_str(), body.as_str(), by),
        ("hidden", "Spam spam spam", Some(app.instructor.id))
    );
    let page = student.get(&url).await;
    let sel = format!("#post-{spam} .removed");
    assert_eq!(
        page.texts(&sel),
        vec!["This post was removed by a moderator.".to_string()]
    );
    assert!(!page.text.contains("Spam spam spam"));
    // An author deletes their own post: kept too, shown as deleted by its author.
    let own = post_ids(&app, thread).await[0];
    student
        .post_form(&format!("{}/posts/{own}/delete", board_url(&made)), &[])
        .await
        .assert_status(303);
    let page = student.get(&url).await;
    assert_eq!(
        page.texts(&format!("#post-{own} .removed")),
        vec!["This post was deleted by its author.".to_string()]
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM discussion_posts").await, 3);

    // Locked: the student's reply is refused with the text kept; the moderator may reply.
    instructor
        .post_form(&format!("{url}/lock"), &[("on", "1")])
        .await
        .assert_status(303);
    let r = reply(&student, &made, thread, "One more thing").await;
    r.assert_status(403);
    assert!(
        r.texts("#body-error").join(" ").contains("locked"),
        "{}",
        r.text
    );
    assert!(student.get(&url).await.texts("#reply-form").is_empty());
    reply(&instructor, &made, thread, "Closing this.")
        .await
        .assert_status(303);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM discussion_posts").await, 4);
}

db_test!(followers_get_one_mail_per_post_and_authors_none);
async fn followers_get_one_mail_per_post_and_authors_none(app: TestApp) {
    let (made, student) = forum(&app).await;
    let instructor = app.signed_in(&app.instructor).await;
    // The instructor follows the whole board; the student follows what they start.
    instructor
        .post_form(&format!("{}/subscribe", board_url(&made)), &[("on", "1")])
        .await
        .assert_status(303);
    let thread = start_thread(&student, &made, "Homework 2", "Is the deadline Friday?").await;
    app.drain_jobs().await;
    let to = |addr: &'static str| {
        let app = &app;
        async move {
            sqlx::query_scalar::<_, String>(
                // The live lesson's invitation (tests/it/invitations.rs) is not a post's.
                "SELECT subject FROM emails WHERE to_addr = $1 AND subject NOT LIKE 'Invitation:%' ORDER BY id",
            )
            .bind(addr)
            .fetch_all(&app.db.pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        to("instructor@test.example").await,
        vec!["New post in “Homework 2” (Forum course)".to_string()]
    );
    assert!(
        to("student@test.example").await.is_empty(),
        "no mail to the author"
    );

    reply(&instructor, &made, thread, "Yes, Friday @SamStudent.")
        .await
        .assert_status(303);
    app.drain_jobs().await;
    app.drain_jobs().await;
    let mails = to("student@test.example").await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let body: String =
        sqlx::query_scalar("SELECT body_text FROM emails WHERE to_addr = 'student@test.example' AND subject NOT LIKE 'Invitation:%'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(body.contains("Yes, Friday"), "{body}");
    assert!(
        body.contains(&format!("/courses/{}/discussions/{thread}", made.slug)),
        "{body}"
    );
    assert_eq!(
        to("instructor@test.example").await.len(),
        1,
        "no mail for their own reply"
    );

    // Running a post's job again sends nothing more.
    let post = *post_ids(&app, thread).await.last().unwrap();
    let mut conn = app.db.pool.acquire().await.unwrap();
    lectern::jobs::enqueue(
        &mut conn,
        lectern::jobs::NewJob::of(&lectern::discussions::NotifyPost { post_id: post }),
    )
    .await
    .unwrap();
    drop(conn);
    app.drain_jobs().await;
    assert_eq!(to("student@test.example").await.len(), 1);

    // Unfollowing stops the mail.
    student
        .post_form(
            &format!("{}/{thread}/subscribe", board_url(&made)),
            &[("on", "0")],
        )
        .await
        .assert_status(303);
    reply(&instructor, &made, thread, "Reminder: Friday.")
        .await
        .assert_status(303);
    app.drain_jobs().await;
    assert_eq!(to("student@test.example").await.len(), 1);
}

db_test!(bad_input_gets_field_errors_and_keeps_the_text);
async fn bad_input_gets_field_errors_and_keeps_the_text(app: TestApp) {
    let (made, student) = forum(&app).await;
    let base = board_url(&made);
    let r = student
        .post_form(&base, &[("title", "  "), ("body", "Kept body")])
        .await;
    r.assert_status(422);
    assert!(!r.texts("#title-error").is_empty());
    assert_eq!(textarea(&r, "body").as_deref(), Some("Kept body"));

    let long = "x".repeat(lectern::discussions::MAX_BODY + 1);
    let r = student
        .post_form(&base, &[("title", "Long"), ("body", &long)])
        .await;
    r.assert_status(422);
    assert!(!r.texts("#body-error").is_empty());
    assert_eq!(r.input("title").as_deref(), Some("Long"));

    let r = student
        .post_form(&base, &[("title", "Nul\0"), ("body", "b")])
        .await;
    r.assert_status(422);
    assert!(
        r.texts("#title-error")
            .join(" ")
            .contains("control character")
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM discussion_posts").await, 0);

    // Replies to a thread that is not this course's: 404, never a 500.
    let r = reply(&student, &made, 999_999, "x").await;
    r.assert_status(404);
    student
        .get(&format!("{base}/not-a-number"))
        .await
        .assert_status(400);

    // Too many posts: a clear message, the text kept, nothing stored.
    let thread = start_thread(&student, &made, "Chatty", "one").await;
    let mut last = None;
    for i in 0..lectern::discussions::POSTS_PER_WINDOW.max {
        let r = reply(&student, &made, thread, &format!("reply {i}")).await;
        if r.status == 429 {
            last = Some(r);
            break;
        }
        r.assert_status(303);
    }
    let r = last.expect("the limit was reached");
    assert!(r.header("retry-after").is_some());
    assert!(
        r.texts("#body-error").join(" ").contains("Wait"),
        "{}",
        r.text
    );
    assert!(textarea(&r, "body").unwrap().starts_with("reply "));

    // Editing another's post, or one's own after the window: refused.
    let instructor = app.signed_in(&app.instructor).await;
    let first = post_ids(&app, thread).await[0];
    instructor
        .get(&format!("{base}/posts/{first}/edit"))
        .await
        .assert_status(403);
    let r = student
        .post_form(&format!("{base}/posts/{first}/edit"), &[("body", "")])
        .await;
    r.assert_status(422);
    student
        .post_form(
            &format!("{base}/posts/{first}/edit"),
            &[("body", "one, edited")],
        )
        .await
        .assert_status(303);
    sqlx::query("UPDATE discussion_posts SET created_at = created_at - $1 WHERE id = $2")
        .bind(lectern::discussions::EDIT_WINDOW_MS + 1)
        .bind(first)
        .execute(&app.db.pool)
        .await
        .unwrap();
    student
        .get(&format!("{base}/posts/{first}/edit"))
        .await
        .assert_status(403);
}

db_test!(quoting_prefills_the_reply_and_unread_marks_follow_visits);
async fn quoting_prefills_the_reply_and_unread_marks_follow_visits(app: TestApp) {
    let (made, student) = forum(&app).await;
    let instructor = app.signed_in(&app.instructor).await;
    let thread = start_thread(&instructor, &made, "Welcome", "Say hello\nin one line").await;
    let post = post_ids(&app, thread).await[0];
    let board = student.get(&board_url(&made)).await;
    let sel = format!("#threads li[data-thread-id=\"{thread}\"]");
    assert!(
        board.attr(&sel, "class").unwrap().contains("unread"),
        "{}",
        board.text
    );
    let page = student
        .get(&format!("{}/{thread}?quote={post}", board_url(&made)))
        .await;
    assert_eq!(
        textarea(&page, "body").as_deref(),
        Some("> **Ines Instructor:**\n>\n> Say hello\n> in one line\n\n")
    );
    let board = student.get(&board_url(&made)).await;
    assert!(!board.attr(&sel, "class").unwrap().contains("unread"));
}

db_test!(a_member_who_chose_the_digest_gets_one_mail_a_day_instead);
async fn a_member_who_chose_the_digest_gets_one_mail_a_day_instead(app: TestApp) {
    let (made, student) = forum(&app).await;
    let instructor = app.signed_in(&app.instructor).await;
    let thread = start_thread(&student, &made, "Digest me", "First").await;
    student
        .post_form(
            &format!("{}/delivery", board_url(&made)),
            &[("delivery", "digest")],
        )
        .await
        .assert_status(303);
    reply(&instructor, &made, thread, "Reply one")
        .await
        .assert_status(303);
    reply(&instructor, &made, thread, "Reply two")
        .await
        .assert_status(303);
    app.drain_jobs().await;
    let mails = || async {
        sqlx::query_as::<_, (String, String)>(
            // The live lesson's invitation (tests/it/invitations.rs) is not a post's.
            "SELECT subject, body_text FROM emails WHERE to_addr = 'student@test.example' AND subject NOT LIKE 'Invitation:%' ORDER BY id",
        )
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
    };
    assert!(
        mails().await.is_empty(),
        "no mail per post for a digest reader"
    );

    let deps = lectern::discussions::DiscussionsState {
        db: app.db.clone(),
        config: app.state.config.clone(),
        files: app.state.files.clone(),
    };
    let now = lectern::db::now_ms();
    // Not a day yet: nothing.
    lectern::discussions::notify::send_digests(&deps, now)
        .await
        .unwrap();
    assert!(mails().await.is_empty());
    // A day later (the digest began when it was chosen), once, however often it runs.
    sqlx::query("UPDATE discussion_preferences SET digest_through = digest_through - 86400001")
        .execute(&app.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE discussion_posts SET created_at = created_at - 86400000")
        .execute(&app.db.pool)
        .await
        .unwrap();
    lectern::discussions::notify::send_digests(&deps, now)
        .await
        .unwrap();
    lectern::discussions::notify::send_digests(&deps, now)
        .await
        .unwrap();
    let m = mails().await;
    assert_eq!(m.len(), 1, "{m:?}");
    assert_eq!(m[0].0, "2 new posts in your discussions");
    assert!(
        m[0].1.contains("Reply one") && m[0].1.contains("Reply two"),
        "{}",
        m[0].1
    );
    assert!(!m[0].1.contains("First"), "not their own post: {}", m[0].1);
    app.drain_jobs().await;
}

// ---- attachments and mentions ----

/// Uploads `bytes` as a post's attachment, as the page's script does.
pub(crate) async fn attach(
    c: &TestClient,
    made: &Made,
    name: &str,
    bytes: Vec<u8>,
) -> crate::support::Resp {
    let token = c.csrf_for("/").await;
    let rb = c
        .request(
            reqwest::Method::POST,
            &format!("/api/courses/{}/discussions/attachments", made.slug),
        )
        .header("x-csrf-token", token)
        .header(
            "x-file-name",
            percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC)
                .to_string(),
        )
        .header("content-type", "application/octet-stream")
        .body(bytes);
    c.send(rb).await
}

fn uploaded_id(r: &crate::support::Resp) -> i64 {
    r.assert_status(200);
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    v["id"].as_i64().unwrap()
}

fn png_bytes(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(w, h, image::Rgba([20, 120, 200, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn pdf_bytes(pad: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    v.extend(std::iter::repeat_n(b'%', pad));
    v.extend_from_slice(b"\n%%EOF\n");
    v
}

async fn file_state(app: &TestApp, id: i64) -> Option<String> {
    sqlx::query_scalar("SELECT state FROM files WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.db.pool)
        .await
        .unwrap()
}

async fn storage_key(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT storage_key FROM files WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

db_test!(attachments_show_on_the_post_and_only_the_boards_readers_fetch_them);
async fn attachments_show_on_the_post_and_only_the_boards_readers_fetch_them(app: TestApp) {
    let (made, student) = forum(&app).await;
    // An image with something riding along after its end: re-encoded, it is gone.
    let mut polyglot = png_bytes(40, 30);
    polyglot.extend_from_slice(b"<script>alert(1)</script>");
    let img = uploaded_id(&attach(&student, &made, "diagram.png", polyglot).await);
    let pdf = uploaded_id(&attach(&student, &made, "notes.pdf", pdf_bytes(3000)).await);
    let r = student
        .post_form(
            &board_url(&made),
            &[
                ("title", "See my diagram"),
                ("body", "Is this right?"),
                ("attachment", &img.to_string()),
            ],
        )
        .await;
    r.assert_redirect_to(&format!("{}/", board_url(&made)));
    let thread: i64 = r
        .location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let r = student
        .post_form(
            &format!("{}/{thread}/reply", board_url(&made)),
            &[("body", "And my notes."), ("attachment", &pdf.to_string())],
        )
        .await;
    r.assert_status(303);
    let ids = post_ids(&app, thread).await;

    // Shown on the posts: the image inline, the PDF as a download with name and size.
    let page = student.get(&format!("{}/{thread}", board_url(&made))).await;
    page.assert_status(200);
    let img_url = page
        .attr(&format!("#post-{} .post-attachment img", ids[0]), "src")
        .expect("the image is shown");
    let pdf_url = page
        .attr(&format!("#post-{} .post-attachment a", ids[1]), "href")
        .expect("the file is linked");
    let link = page
        .texts(&format!("#post-{} .post-attachment", ids[1]))
        .join(" ");
    assert!(link.contains("notes.pdf") && link.contains("KiB"), "{link}");

    let r = student.get(&img_url).await;
    r.assert_status(200);
    assert_eq!(r.header("content-type"), Some("image/png"));
    assert!(!r.text.contains("script"), "the image was re-encoded");
    assert!(image::load_from_memory(&r.bytes).is_ok());
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert!(
        r.header("content-security-policy")
            .is_some_and(|c| c.contains("default-src 'none'")),
        "{:?}",
        r.header("content-security-policy")
    );
    let r = student.get(&pdf_url).await;
    r.assert_status(200);
    assert!(
        r.header("content-disposition")
            .unwrap()
            .starts_with("attachment"),
        "{:?}",
        r.header("content-disposition")
    );
    made.instructor.get(&pdf_url).await.assert_status(200);

    // A student of another course, an anonymous visitor, another school's admin: no.
    let other_course = published_course(
        &app,
        "Other course",
        &[("document", vec![("title", "Elsewhere"), ("body", "x")])],
    )
    .await;
    let stranger = app
        .create_user(
            app.school.id,
            "stranger@test.example",
            "Stan Stranger",
            Role::Student,
        )
        .await;
    let stranger = app.signed_in(&stranger).await;
    stranger
        .post_form(&format!("/courses/{}/enroll", other_course.slug), &[])
        .await
        .assert_status(303);
    for url in [&img_url, &pdf_url] {
        stranger.get(url).await.assert_status(404);
        app.client().get(url).await.assert_redirect_to("/signin");
    }
    let other = app.other_school().await;
    let oa = other.signed_in(&other.admin).await;
    for url in [&img_url, &pdf_url] {
        oa.get(url).await.assert_status(404);
    }
    // Nor can a stranger upload to this board.
    attach(&stranger, &made, "x.pdf", pdf_bytes(10))
        .await
        .assert_status(403);

    // A file goes with one post only, and only its uploader posts it; the text stays.
    let r = made
        .instructor
        .post_form(
            &format!("{}/{thread}/reply", board_url(&made)),
            &[("body", "Reusing it"), ("attachment", &pdf.to_string())],
        )
        .await;
    r.assert_status(422);
    assert_eq!(textarea(&r, "body").as_deref(), Some("Reusing it"));
    assert!(!r.texts("#attachment-error").join("").is_empty());

    // A hidden post's file is for the moderators only.
    made.instructor
        .post_form(&format!("{}/posts/{}/hide", board_url(&made), ids[1]), &[])
        .await
        .assert_status(303);
    student.get(&pdf_url).await.assert_status(404);
    made.instructor.get(&pdf_url).await.assert_status(200);
    let page = student.get(&format!("{}/{thread}", board_url(&made))).await;
    assert!(
        page.attr(&format!("#post-{} .post-attachment a", ids[1]), "href")
            .is_none()
    );

    // Deleting the post schedules its file's deletion; the job removes the object.
    let key = storage_key(&app, img).await;
    assert!(app.stored_objects().await.contains(&key));
    student
        .post_form(
            &format!("{}/posts/{}/delete", board_url(&made), ids[0]),
            &[],
        )
        .await
        .assert_status(303);
    assert_eq!(file_state(&app, img).await.as_deref(), Some("deleting"));
    student.get(&img_url).await.assert_status(404);
    app.drain_jobs().await;
    assert_eq!(file_state(&app, img).await, None);
    assert!(!app.stored_objects().await.contains(&key));
    // The hidden post's file is still there (it may be shown again).
    assert_eq!(file_state(&app, pdf).await.as_deref(), Some("ready"));
}

db_test!(too_large_disguised_or_over_quota_attachments_are_refused_and_text_is_kept);
async fn too_large_disguised_or_over_quota_attachments_are_refused_and_text_is_kept(
    b: crate::support::TestAppBuilder,
) {
    let app = b
        .env("LECTERN_UPLOAD_MAX_DISCUSSION", "64KiB")
        .start()
        .await;
    let (made, student) = forum(&app).await;
    let r = attach(&student, &made, "big.pdf", pdf_bytes(100_000)).await;
    r.assert_status(413);
    assert!(r.text.contains("64 KiB"), "{}", r.text);
    // The board's form names the limit for the page's script to check first.
    let page = student.get(&board_url(&made)).await;
    assert_eq!(
        page.attr(".discussion-attach", "data-max").as_deref(),
        Some("65536")
    );
    assert!(page.text.contains("needs JavaScript"));
    // An SVG or an HTML page named like an image is refused, saying why.
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>"#;
    let r = attach(&student, &made, "cat.png", svg.to_vec()).await;
    r.assert_status(415);
    assert!(r.text.contains("SVG and HTML"), "{}", r.text);
    let r = attach(
        &student,
        &made,
        "cat.jpg",
        b"<!DOCTYPE html><html><script>alert(1)</script></html>".to_vec(),
    )
    .await;
    r.assert_status(415);
    // Over the school's quota: the quota's message.
    lectern::files::set_quota(&app.db, SchoolId(app.school.id), Some(1000))
        .await
        .unwrap();
    let r = attach(&student, &made, "notes.pdf", pdf_bytes(5000)).await;
    r.assert_status(413);
    assert!(r.text.contains("Not enough storage"), "{}", r.text);
    lectern::files::set_quota(&app.db, SchoolId(app.school.id), None)
        .await
        .unwrap();
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM files").await,
        0,
        "nothing refused is kept"
    );
    // A post naming a file that is not there keeps everything typed.
    let r = student
        .post_form(
            &board_url(&made),
            &[
                ("title", "My question"),
                ("body", "All this text I typed"),
                ("attachment", "987654"),
            ],
        )
        .await;
    r.assert_status(422);
    assert_eq!(
        textarea(&r, "body").as_deref(),
        Some("All this text I typed")
    );
    assert_eq!(
        r.attr("#thread-title", "value").as_deref(),
        Some("My question")
    );
    assert!(!r.texts("#attachment-error").join("").is_empty());

    // An upload never posted is swept after a day.
    let id = uploaded_id(&attach(&student, &made, "draft.pdf", pdf_bytes(100)).await);
    app.db.clock.advance(25 * 3_600_000);
    let swept = lectern::files::jobs::sweep(&app.state.files).await.unwrap();
    assert_eq!(swept.unattached, 1);
    app.drain_jobs().await;
    assert_eq!(file_state(&app, id).await, None);
    assert!(app.stored_objects().await.is_empty());
}

db_test!(a_members_mention_is_marked_in_the_post);
async fn a_members_mention_is_marked_in_the_post(app: TestApp) {
    let (made, student) = forum(&app).await;
    let thread = start_thread(
        &student,
        &made,
        "Thanks",
        "Thanks @InesInstructor! And hello @nobody, `@InesInstructor` in code.",
    )
    .await;
    let page = student.get(&format!("{}/{thread}", board_url(&made))).await;
    assert_eq!(
        page.texts(".post-body span.mention"),
        vec!["@InesInstructor".to_string()]
    );
    assert!(page.text.contains("@nobody"));
    // An edit marks mentions too.
    let post = post_ids(&app, thread).await[0];
    student
        .post_form(
            &format!("{}/posts/{post}/edit", board_url(&made)),
            &[("body", "Thanks @SamStudent and @InesInstructor")],
        )
        .await
        .assert_status(303);
    let page = student.get(&format!("{}/{thread}", board_url(&made))).await;
    assert_eq!(page.texts(".post-body span.mention").len(), 2);
}

db_test!(deleting_the_course_deletes_its_posts_attachments);
async fn deleting_the_course_deletes_its_posts_attachments(app: TestApp) {
    let (made, student) = forum(&app).await;
    let id = uploaded_id(&attach(&student, &made, "notes.pdf", pdf_bytes(500)).await);
    student
        .post_form(
            &board_url(&made),
            &[
                ("title", "Notes"),
                ("body", "Mine"),
                ("attachment", &id.to_string()),
            ],
        )
        .await
        .assert_status(303);
    let key = storage_key(&app, id).await;
    assert!(app.stored_objects().await.contains(&key));
    made.instructor
        .post_form(&format!("/teach/courses/{}/delete", made.id), &[])
        .await
        .assert_redirect_to("/teach");
    app.drain_jobs().await;
    assert_eq!(file_state(&app, id).await, None);
    assert!(!app.stored_objects().await.contains(&key));
}

db_test!(a_moderators_delete_keeps_the_post_for_the_audit_and_deletes_its_attachment);
async fn a_moderators_delete_keeps_the_post_for_the_audit_and_deletes_its_attachment(app: TestApp) {
    let (made, student) = forum(&app).await;
    let pdf = uploaded_id(&attach(&student, &made, "leak.pdf", pdf_bytes(800)).await);
    let r = student
        .post_form(
            &board_url(&made),
            &[
                ("title", "Answers"),
                ("body", "Here are the quiz answers."),
                ("attachment", &pdf.to_string()),
            ],
        )
        .await;
    r.assert_status(303);
    let thread: i64 = r
        .location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let post = post_ids(&app, thread).await[0];
    let key = storage_key(&app, pdf).await;
    let page = made
        .instructor
        .get(&format!("{}/{thread}", board_url(&made)))
        .await;
    let pdf_url = page
        .attr(&format!("#post-{post} .post-attachment a"), "href")
        .expect("the file is linked");
    // The moderator sees a delete button on another's post; the student does not.
    assert!(
        page.attr(&format!("[data-remove=\"{post}\"]"), "type")
            .is_some()
    );
    let spage = student.get(&format!("{}/{thread}", board_url(&made))).await;
    assert!(
        spage
            .attr(&format!("[data-remove=\"{post}\"]"), "type")
            .is_none()
    );

    made.instructor
        .post_form(&format!("{}/posts/{post}/delete", board_url(&made)), &[])
        .await
        .assert_status(303);
    // Kept for the audit: the row, its text, who removed it; shown as removed.
    let (state, body, by): (String, String, Option<i64>) =
        sqlx::query_as("SELECT state, body, moderated_by FROM discussion_posts WHERE id = $1")
            .bind(post)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(state, "hidden");
    assert_eq!(body, "Here are the quiz answers.");
    assert_eq!(by, Some(app.instructor.id));
    let spage = student.get(&format!("{}/{thread}", board_url(&made))).await;
    assert!(
        spage
            .attr(&format!("#post-{post} [data-removed]"), "data-removed")
            .as_deref()
            == Some("moderator")
    );
    // Its file is gone: nobody fetches it, the job removes the object.
    assert_eq!(file_state(&app, pdf).await.as_deref(), Some("deleting"));
    made.instructor.get(&pdf_url).await.assert_status(404);
    app.drain_jobs().await;
    assert_eq!(file_state(&app, pdf).await, None);
    assert!(!app.stored_objects().await.contains(&key));
    // Shown again, it comes back without the file.
    made.instructor
        .post_form(&format!("{}/posts/{post}/show", board_url(&made)), &[])
        .await
        .assert_status(303);
    let page = student.get(&format!("{}/{thread}", board_url(&made))).await;
    assert!(
        page.attr(&format!("#post-{post} .post-attachment a"), "href")
            .is_none()
    );
}
