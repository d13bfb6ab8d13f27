//! Courses and lessons: the instructor editor, publishing, enrolment, progress, quizzes,
//! scheduling across DST changes, reordering, and access rules (403 within a school, 404
//! across schools and for drafts).

use lectern::accounts::Role;

use crate::support::courses::{add_lesson, lesson_ids, new_course, publish};
use crate::support::{TestApp, TestClient};

/// A published course with a required document, a required video, an optional external
/// link and a required quiz (pass mark 50).
async fn sample_course(app: &TestApp) -> (TestClient, i64, String, Vec<i64>) {
    let t = app.signed_in(&app.instructor).await;
    let (id, slug) = new_course(&t, "Sample course").await;
    add_lesson(
        &t,
        id,
        "document",
        &[
            ("title", "Read me"),
            ("body", "# Hello"),
            ("required", "on"),
        ],
    )
    .await;
    add_lesson(
        &t,
        id,
        "video",
        &[
            ("title", "Watch me"),
            ("url", "https://youtu.be/dQw4w9WgXcQ"),
            ("required", "on"),
        ],
    )
    .await;
    add_lesson(
        &t,
        id,
        "external_link",
        &[("title", "Optional"), ("url", "https://example.org/")],
    )
    .await;
    add_lesson(
        &t,
        id,
        "quiz",
        &[
            ("title", "Check"),
            ("quiz", "? 2 + 2?\n- 3\n* 4\n\n? Sky?\n* blue\n- green"),
            ("pass_mark", "50"),
            ("required", "on"),
        ],
    )
    .await;
    publish(&t, id).await;
    let ids = lesson_ids(&t, id).await;
    assert_eq!(ids.len(), 4);
    (t, id, slug, ids)
}

fn progress_text(page: &crate::support::Resp) -> String {
    page.texts("#progress")
        .into_iter()
        .next()
        .unwrap_or_default()
}

db_test!(enrol_complete_and_progress);
async fn enrol_complete_and_progress(app: TestApp) {
    let (_t, _id, slug, ids) = sample_course(&app).await;
    let s = app.signed_in(&app.student).await;
    let course_url = format!("/courses/{slug}");

    // Outline visible before enrolling, lessons are not.
    let page = s.get(&course_url).await;
    page.assert_status(200);
    assert!(page.text.contains("Read me"));
    assert!(page.attr("#enroll", "id").is_some());
    s.get(&format!("{course_url}/lessons/{}", ids[0]))
        .await
        .assert_redirect_to(&course_url);

    // Enrolling is idempotent.
    s.post_form(&format!("{course_url}/enroll"), &[])
        .await
        .assert_redirect_to(&course_url);
    s.post_form(&format!("{course_url}/enroll"), &[])
        .await
        .assert_redirect_to(&course_url);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM enrollments").await, 1);
    let page = s.get(&course_url).await;
    assert_eq!(progress_text(&page), "0% complete");

    // Mark the document complete: 1 of 3 required lessons.
    let lesson = s.get(&format!("{course_url}/lessons/{}", ids[0])).await;
    lesson.assert_status(200);
    assert!(lesson.attr("#mark-complete", "id").is_some());
    s.post_form(&format!("{course_url}/lessons/{}/complete", ids[0]), &[])
        .await
        .assert_redirect_to(&format!("{course_url}/lessons/{}", ids[0]));
    let lesson = s.get(&format!("{course_url}/lessons/{}", ids[0])).await;
    assert!(lesson.attr("#lesson-completed", "id").is_some());
    assert_eq!(progress_text(&lesson), "33% complete");
    // Completing twice changes nothing.
    s.post_form(&format!("{course_url}/lessons/{}/complete", ids[0]), &[])
        .await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM lesson_progress").await, 1);

    // The optional link doesn't move the percentage.
    s.post_form(&format!("{course_url}/lessons/{}/complete", ids[2]), &[])
        .await;
    assert_eq!(progress_text(&s.get(&course_url).await), "33% complete");

    // A quiz can't be marked complete by hand.
    s.post_form(&format!("{course_url}/lessons/{}/complete", ids[3]), &[])
        .await
        .assert_status(400);

    s.post_form(&format!("{course_url}/lessons/{}/complete", ids[1]), &[])
        .await;
    assert_eq!(progress_text(&s.get(&course_url).await), "66% complete");
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM enrollments WHERE completed_at IS NOT NULL")
            .await,
        0
    );

    // Passing the quiz completes the course.
    let r = s
        .post_form(
            &format!("{course_url}/lessons/{}/quiz", ids[3]),
            &[("q0", "1"), ("q1", "0")],
        )
        .await;
    r.assert_status(200);
    let page = s.get(&course_url).await;
    assert_eq!(progress_text(&page), "100% complete");
    assert!(page.attr("#course-completed", "id").is_some());
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM enrollments WHERE completed_at IS NOT NULL")
            .await,
        1
    );

    // My courses lists it with its progress.
    let mine = s.get("/my/courses").await;
    mine.assert_status(200);
    assert!(
        mine.texts(".course-link")
            .contains(&"Sample course".to_string())
    );
    assert!(mine.texts(".course-progress")[0].starts_with("100% complete"));
}

db_test!(quiz_attempts_are_recorded_and_passing_completes);
async fn quiz_attempts_are_recorded_and_passing_completes(app: TestApp) {
    let (_t, _id, slug, ids) = sample_course(&app).await;
    let s = app.signed_in(&app.student).await;
    let course_url = format!("/courses/{slug}");
    let quiz_url = format!("{course_url}/lessons/{}/quiz", ids[3]);

    // Not enrolled: no attempt.
    s.post_form(&quiz_url, &[("q0", "1")])
        .await
        .assert_status(403);
    s.post_form(&format!("{course_url}/enroll"), &[]).await;

    let r = s.post_form(&quiz_url, &[("q0", "0"), ("q1", "1")]).await;
    r.assert_status(200);
    assert_eq!(
        r.attr("#quiz-result", "data-passed").as_deref(),
        Some("false")
    );
    assert_eq!(r.attr("#quiz-result", "data-score").as_deref(), Some("0"));
    assert_eq!(app.scalar("SELECT COUNT(*) FROM lesson_progress").await, 0);

    // 1 of 2 right = 50 % = the pass mark.
    let r = s.post_form(&quiz_url, &[("q0", "1"), ("q1", "1")]).await;
    assert_eq!(
        r.attr("#quiz-result", "data-passed").as_deref(),
        Some("true")
    );
    assert!(r.attr("#lesson-completed", "id").is_some());
    assert!(r.texts("#quiz-attempts")[0].contains("2 attempts"));

    assert_eq!(app.scalar("SELECT COUNT(*) FROM quiz_attempts").await, 2);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM quiz_attempts WHERE passed = 1")
            .await,
        1
    );
    assert_eq!(app.scalar("SELECT MAX(score) FROM quiz_attempts").await, 50);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM lesson_progress").await, 1);
    // The answers page never reveals the right answers.
    let page = s.get(&format!("{course_url}/lessons/{}", ids[3])).await;
    assert!(!page.text.contains("\"correct\""));
}

db_test!(instructor_of_another_course_gets_403);
async fn instructor_of_another_course_gets_403(app: TestApp) {
    let t = app.signed_in(&app.instructor).await;
    let (id, _slug) = new_course(&t, "Mine").await;
    add_lesson(&t, id, "document", &[("title", "Doc"), ("body", "x")]).await;
    let lesson = lesson_ids(&t, id).await[0];

    let other = app
        .create_user(
            app.school.id,
            "other@lectern.test",
            "Other Teacher",
            Role::Instructor,
        )
        .await;
    let o = app.signed_in(&other).await;
    o.get(&format!("/teach/courses/{id}"))
        .await
        .assert_status(403);
    o.post_form(&format!("/teach/courses/{id}"), &[("title", "Hijacked")])
        .await
        .assert_status(403);
    o.post_form(&format!("/teach/courses/{id}/publish"), &[])
        .await
        .assert_status(403);
    o.post_form(&format!("/teach/courses/{id}/lessons/{lesson}/delete"), &[])
        .await
        .assert_status(403);
    o.get(&format!("/teach/courses/{id}/lessons/new?kind=video"))
        .await
        .assert_status(403);
    assert!(!o.get("/teach").await.text.contains("Mine"));

    // A student can't edit either; the admin can, and may add the other instructor.
    let s = app.signed_in(&app.student).await;
    s.get(&format!("/teach/courses/{id}"))
        .await
        .assert_status(403);
    s.get("/teach").await.assert_status(403);
    let a = app.signed_in(&app.admin).await;
    a.get(&format!("/teach/courses/{id}"))
        .await
        .assert_status(200);
    let r = a
        .post_form(
            &format!("/teach/courses/{id}/instructors"),
            &[("email", "nobody@lectern.test")],
        )
        .await;
    r.assert_status(422);
    assert!(r.attr("#instructor-error", "id").is_some());
    a.post_form(
        &format!("/teach/courses/{id}/instructors"),
        &[("email", "OTHER@lectern.test")],
    )
    .await
    .assert_redirect_to(&format!("/teach/courses/{id}"));
    o.get(&format!("/teach/courses/{id}"))
        .await
        .assert_status(200);
    // Instructors can't manage the instructor list.
    t.post_form(
        &format!("/teach/courses/{id}/instructors/{}/remove", other.id),
        &[],
    )
    .await
    .assert_status(403);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM lessons").await, 1);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM courses WHERE title = 'Hijacked'")
            .await,
        0
    );
}

db_test!(another_schools_course_is_404);
async fn another_schools_course_is_404(app: TestApp) {
    let (_t, id, slug, ids) = sample_course(&app).await;
    let other = app
        .create_school("other", "Other School", "other.test")
        .await;
    let admin_b = app
        .create_user(other.id, "admin@other.test", "Admin B", Role::Admin)
        .await;
    let c = app.client().with_host("other.test");
    c.signin(&admin_b.email, &admin_b.password).await;
    c.get(&format!("/courses/{slug}")).await.assert_status(404);
    c.get(&format!("/courses/{slug}/lessons/{}", ids[0]))
        .await
        .assert_status(404);
    c.get(&format!("/teach/courses/{id}"))
        .await
        .assert_status(404);
    c.post_form(&format!("/teach/courses/{id}/publish"), &[])
        .await
        .assert_status(404);
    c.post_form(&format!("/courses/{slug}/enroll"), &[])
        .await
        .assert_status(404);
    assert!(!c.get("/").await.text.contains("Sample course"));
    assert!(!c.get("/teach").await.text.contains("Sample course"));
    // Nonsense ids are 404 too, not 400 or 500.
    c.get("/teach/courses/abc").await.assert_status(404);
}

db_test!(students_cannot_see_drafts);
async fn students_cannot_see_drafts(app: TestApp) {
    let t = app.signed_in(&app.instructor).await;
    let (id, slug) = new_course(&t, "Secret draft").await;
    add_lesson(&t, id, "document", &[("title", "Doc"), ("body", "x")]).await;
    let lesson = lesson_ids(&t, id).await[0];
    let s = app.signed_in(&app.student).await;
    s.get(&format!("/courses/{slug}")).await.assert_status(404);
    s.get(&format!("/courses/{slug}/lessons/{lesson}"))
        .await
        .assert_status(404);
    s.post_form(&format!("/courses/{slug}/enroll"), &[])
        .await
        .assert_status(404);
    assert!(!s.get("/").await.text.contains("Secret draft"));
    app.client()
        .get(&format!("/courses/{slug}"))
        .await
        .assert_status(404);
    // The instructor previews it.
    t.get(&format!("/courses/{slug}")).await.assert_status(200);
    t.get(&format!("/courses/{slug}/lessons/{lesson}"))
        .await
        .assert_status(200);
    // Published, it shows.
    publish(&t, id).await;
    s.get(&format!("/courses/{slug}")).await.assert_status(200);
    assert!(s.get("/").await.text.contains("Secret draft"));
    t.post_form(&format!("/teach/courses/{id}/unpublish"), &[])
        .await;
    s.get(&format!("/courses/{slug}")).await.assert_status(404);
}

db_test!(dst_gap_rejected_and_fold_asks);
async fn dst_gap_rejected_and_fold_asks(app: TestApp) {
    let t = app.signed_in(&app.instructor).await;
    let (id, slug) = new_course(&t, "Live course").await;
    let path = format!("/teach/courses/{id}/lessons/new?kind=live_session");

    // The picker defaults to the instructor's zone and 120 minutes.
    let form = t.get(&path).await;
    form.assert_status(200);
    assert_eq!(
        form.attr("#lesson-timezone option[selected]", "value")
            .as_deref(),
        Some("Europe/Berlin")
    );
    assert_eq!(form.input("duration").as_deref(), Some("120"));

    let r = t
        .post_form(
            &path,
            &[
                ("title", "Gap"),
                ("local_start", "2027-03-28T02:30"),
                ("timezone", "Europe/Berlin"),
                ("duration", "60"),
            ],
        )
        .await;
    r.assert_status(422);
    let msg = r.texts("#local-start-error").join(" ");
    assert!(msg.contains("doesn't exist in Europe/Berlin"), "{msg}");
    assert!(msg.contains("02:00") && msg.contains("03:00"), "{msg}");
    assert_eq!(
        r.input("title").as_deref(),
        Some("Gap"),
        "what was typed is kept"
    );
    assert_eq!(app.scalar("SELECT COUNT(*) FROM lessons").await, 0);

    // A fold: 01:30 happens twice in New York on 7 Nov 2027.
    let fields = [
        ("title", "Fold"),
        ("local_start", "2027-11-07T01:30"),
        ("timezone", "America/New_York"),
        ("duration", ""),
        ("body", "Agenda"),
    ];
    let r = t.post_form(&path, &fields).await;
    r.assert_status(422);
    assert!(r.attr("#fold-choice", "id").is_some());
    let choices: Vec<String> = {
        let doc = r.doc();
        let sel = scraper::Selector::parse("#fold-choice input[name=offset]").unwrap();
        doc.select(&sel)
            .map(|e| e.value().attr("value").unwrap().to_string())
            .collect()
    };
    assert_eq!(choices, vec!["-14400".to_string(), "-18000".to_string()]);
    let mut chosen = fields.to_vec();
    chosen.push(("offset", "-18000"));
    add_lesson(&t, id, "live_session", &chosen).await;
    let at = app.scalar("SELECT starts_at FROM lessons").await;
    // 01:30 EST = 06:30 UTC.
    assert_eq!(
        at,
        "2027-11-07T06:30:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond()
    );
    assert_eq!(app.scalar("SELECT duration_min FROM lessons").await, 120);

    // Viewers see it in their own zone (the test users are in Europe/Berlin).
    publish(&t, id).await;
    let s = app.signed_in(&app.student).await;
    s.post_form(&format!("/courses/{slug}/enroll"), &[]).await;
    let lesson = lesson_ids(&t, id).await[0];
    let page = s.get(&format!("/courses/{slug}/lessons/{lesson}")).await;
    page.assert_status(200);
    assert_eq!(
        page.texts("#starts-at"),
        vec!["Sun, 7 Nov 2027, 07:30 CET".to_string()]
    );
    assert_eq!(
        page.attr("#starts-at", "datetime").as_deref(),
        Some("2027-11-07T06:30:00Z")
    );
    assert!(page.attr("#live", "id").is_some());
}

db_test!(lessons_reorder_and_stay_dense);
async fn lessons_reorder_and_stay_dense(app: TestApp) {
    let t = app.signed_in(&app.instructor).await;
    let (id, _slug) = new_course(&t, "Order").await;
    for title in ["A", "B", "C"] {
        add_lesson(&t, id, "document", &[("title", title), ("body", "x")]).await;
    }
    let ids = lesson_ids(&t, id).await;
    let (a, b, c) = (ids[0], ids[1], ids[2]);
    t.post_form(
        &format!("/teach/courses/{id}/lessons/{c}/move"),
        &[("direction", "up")],
    )
    .await;
    assert_eq!(lesson_ids(&t, id).await, vec![a, c, b]);
    t.post_form(
        &format!("/teach/courses/{id}/lessons/{a}/move"),
        &[("direction", "down")],
    )
    .await;
    assert_eq!(lesson_ids(&t, id).await, vec![c, a, b]);
    // Moving past either end changes nothing.
    t.post_form(
        &format!("/teach/courses/{id}/lessons/{c}/move"),
        &[("direction", "up")],
    )
    .await;
    assert_eq!(lesson_ids(&t, id).await, vec![c, a, b]);
    t.post_form(&format!("/teach/courses/{id}/lessons/{a}/delete"), &[])
        .await;
    assert_eq!(lesson_ids(&t, id).await, vec![c, b]);
    assert_eq!(
        app.scalar("SELECT MAX(position) FROM lessons").await,
        2,
        "positions are 1 and 2"
    );
    t.post_form(
        &format!("/teach/courses/{id}/lessons/{b}/move"),
        &[("direction", "sideways")],
    )
    .await
    .assert_status(400);
}

db_test!(titles_and_markdown_are_escaped);
async fn titles_and_markdown_are_escaped(app: TestApp) {
    let t = app.signed_in(&app.instructor).await;
    let evil = "<script>alert(1)</script>";
    let (id, slug) = new_course(&t, evil).await;
    add_lesson(
        &t,
        id,
        "document",
        &[
            ("title", "<img src=x onerror=alert(2)>"),
            (
                "body",
                "hi <script>alert(3)</script> [x](javascript:alert(4))",
            ),
        ],
    )
    .await;
    publish(&t, id).await;
    let s = app.signed_in(&app.student).await;
    s.post_form(&format!("/courses/{slug}/enroll"), &[]).await;
    let lesson = lesson_ids(&t, id).await[0];
    for page in [
        s.get("/").await,
        s.get(&format!("/courses/{slug}")).await,
        s.get(&format!("/courses/{slug}/lessons/{lesson}")).await,
        t.get(&format!("/teach/courses/{id}")).await,
        t.get("/teach").await,
        s.get("/my/courses").await,
    ] {
        page.assert_status(200);
        assert!(!page.text.contains("<script>alert"), "{}", page.text);
        assert!(!page.text.contains("<img src=x"), "{}", page.text);
        assert!(!page.text.contains("javascript:alert"), "{}", page.text);
    }
    let course = s.get(&format!("/courses/{slug}")).await;
    assert_eq!(course.texts("#course-title"), vec![evil.to_string()]);
}

db_test!(course_form_validates_inline);
async fn course_form_validates_inline(app: TestApp) {
    let t = app.signed_in(&app.instructor).await;
    let r = t
        .post_form(
            "/teach/courses/new",
            &[
                ("title", "  "),
                ("description", "kept"),
                ("cover_url", "ftp://x"),
            ],
        )
        .await;
    r.assert_status(422);
    assert!(r.attr("#title-error", "id").is_some());
    assert!(r.attr("#cover-url-error", "id").is_some());
    assert_eq!(
        r.texts("#course-description-input"),
        vec!["kept".to_string()]
    );
    // Slugs are unique per school.
    let (_, s1) = new_course(&t, "Same title").await;
    let (_, s2) = new_course(&t, "Same title").await;
    assert_eq!((s1.as_str(), s2.as_str()), ("same-title", "same-title-2"));
    // A quiz with no right answer is refused with a message.
    let (id, _) = new_course(&t, "Quiz").await;
    let r = t
        .post_form(
            &format!("/teach/courses/{id}/lessons/new?kind=quiz"),
            &[
                ("title", "Q"),
                ("quiz", "? a\n- b\n- c"),
                ("pass_mark", "50"),
            ],
        )
        .await;
    r.assert_status(422);
    assert!(r.texts("#quiz-error")[0].contains("question 1"));
    assert_eq!(r.texts("#lesson-quiz"), vec!["? a\n- b\n- c".to_string()]);
}

db_test!(course_page_names_its_instructors_in_order);
async fn course_page_names_its_instructors_in_order(app: TestApp) {
    let t = app.signed_in(&app.instructor).await;
    let (id, slug) = new_course(&t, "Taught by two").await;
    add_lesson(&t, id, "document", &[("title", "Doc"), ("body", "x")]).await;
    publish(&t, id).await;
    // A second instructor whose name needs escaping in JSON and in HTML.
    let other = app
        .create_user(
            app.school.id,
            "ann@lectern.test",
            r#"Ann "A" O'Brien \ Ö"#,
            Role::Instructor,
        )
        .await;
    lectern::courses::add_instructor(
        &app.db,
        lectern::db::SchoolId(app.school.id),
        lectern::db::CourseId(id),
        lectern::db::UserId(other.id),
    )
    .await
    .unwrap();
    let page = app.client().get(&format!("/courses/{slug}")).await;
    page.assert_status(200);
    let names = page.texts("#instructors").join(" ");
    let first = names.find("Ann \"A\" O'Brien \\ Ö").expect(&names);
    let second = names.find(&app.instructor.name).expect(&names);
    assert!(first < second, "ordered by name: {names}");

    // A course without instructors names none.
    sqlx::query("DELETE FROM course_instructors WHERE course_id = $1")
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    // A change by hand is in a visitor's views once this instance heard it.
    app.heard_every_change().await;
    let page = app.client().get(&format!("/courses/{slug}")).await;
    page.assert_status(200);
    assert!(page.texts("#instructors").is_empty());
}

db_test!(catalogue_excerpt_ends_at_a_word_with_an_ellipsis);
async fn catalogue_excerpt_ends_at_a_word_with_an_ellipsis(app: TestApp) {
    let t = app.signed_in(&app.instructor).await;
    // 150 characters of whole words, then one whose letters 151-165 span the limit.
    let description = "Wonderful ".repeat(15) + "Extraordinarily long words stay whole.";
    let r = t
        .post_form(
            "/teach/courses/new",
            &[
                ("title", "Long description"),
                ("description", description.as_str()),
                ("cover_url", ""),
            ],
        )
        .await;
    let id = r
        .location()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    t.post_form(&format!("/teach/courses/{id}/publish"), &[])
        .await
        .assert_redirect_to(&format!("/teach/courses/{id}"));
    let page = app.client().get("/").await;
    let shown = page.texts("#catalogue .course-card p.muted").join("");
    assert!(shown.ends_with('…'), "{shown:?}");
    assert!(shown.chars().count() <= 160, "{shown:?}");
    let words: Vec<&str> = shown.trim_end_matches('…').split(' ').collect();
    assert!(
        words.iter().all(|w| *w == "Wonderful"),
        "a word was cut: {shown:?}"
    );
}

db_test!(lesson_duration_uses_the_singular_for_one_minute);
async fn lesson_duration_uses_the_singular_for_one_minute(app: TestApp) {
    let t = app.signed_in(&app.instructor).await;
    let (id, slug) = new_course(&t, "Short sessions").await;
    for (title, duration) in [("One minute", "1"), ("Ninety minutes", "90")] {
        add_lesson(
            &t,
            id,
            "live_session",
            &[
                ("title", title),
                ("local_start", "2031-03-04T15:30"),
                ("timezone", "Europe/Berlin"),
                ("duration", duration),
                ("body", ""),
                ("required", "on"),
            ],
        )
        .await;
    }
    let course = t.get(&format!("/courses/{slug}")).await;
    let links: Vec<String> = {
        let sel = scraper::Selector::parse("#outline a[href*='/lessons/']").unwrap();
        let mut v: Vec<String> = course
            .doc()
            .select(&sel)
            .filter_map(|a| a.value().attr("href").map(str::to_string))
            .collect();
        v.dedup();
        v
    };
    assert_eq!(links.len(), 2, "{links:?}");
    let mut shown = Vec::new();
    for href in links.iter().take(2) {
        let p = t.get(href).await;
        shown.push(p.texts("#live-duration").join(" "));
    }
    assert_eq!(shown, ["1 minute", "90 minutes"]);
    // And in German.
    sqlx::query("UPDATE users SET language = 'de' WHERE id = $1")
        .bind(app.instructor.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    // A new session reads the profile afresh (PostgreSQL caches session lookups).
    let t = app.signed_in(&app.instructor).await;
    let p = t.get(&links[0]).await;
    assert_eq!(p.texts("#live-duration"), ["1 Minute"]);
}
