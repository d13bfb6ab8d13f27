//! The per-instance copy of what every viewer of a course reads alike (`courses::shared`):
//! each kind of change to what it holds reaches the next view, whether the app, another
//! instance or a shell made it (lessons, their files, rules and Q&A threads, instructors,
//! cover, description, 1-on-1 offers), and another student's private lesson stays theirs.
//! A student's view is served from the viewer cache (`viewer_cache.rs`), which has another
//! instance's or a shell's change once this instance heard it: those tests wait for that.

use crate::support::courses::{enrolled_student, published_course};
use crate::support::{TestApp, TestClient};

/// The outline's lesson titles as `c` sees them on the course page.
async fn outline(c: &TestClient, slug: &str) -> Vec<String> {
    let page = c.get(&format!("/courses/{slug}")).await;
    page.assert_status(200);
    page.texts("#outline li a")
}

/// A change by hand, as a shell would make it: in the class's views (served from the
/// viewer cache) once this instance heard it, which this waits for.
async fn sql(app: &TestApp, statement: &str, binds: &[i64]) {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(statement.to_string()));
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(&app.db.pool).await.expect(statement);
    app.heard_every_change().await;
}

async fn id_of(app: &TestApp, query: &'static str, bind: i64) -> i64 {
    sqlx::query_scalar(query)
        .bind(bind)
        .fetch_one(&app.db.pool)
        .await
        .expect(query)
}

db_test!(every_change_to_what_a_course_shares_reaches_the_next_view);
async fn every_change_to_what_a_course_shares_reaches_the_next_view(app: TestApp) {
    let made = published_course(
        &app,
        "Cached course",
        &[
            (
                "document",
                vec![("title", "First"), ("url", "https://example.org/a")],
            ),
            (
                "document",
                vec![("title", "Second"), ("url", "https://example.org/b")],
            ),
        ],
    )
    .await;
    let (t, slug) = (&made.instructor, made.slug.as_str());
    let student = enrolled_student(&app, made.id, "cache@example.org", "Cache Student").await;
    let s = app.signed_in(&student).await;
    assert_eq!(outline(&s, slug).await, ["First", "Second"]);

    // A lesson added through the editor.
    crate::support::courses::add_lesson(
        t,
        made.id,
        "document",
        &[("title", "Third"), ("url", "https://example.org/c")],
    )
    .await;
    assert_eq!(outline(&s, slug).await, ["First", "Second", "Third"]);

    // The rest as a shell or another program would: straight in the database.
    let (first, second) = (made.lessons[0], made.lessons[1]);
    sql(
        &app,
        "UPDATE lessons SET title = 'Renamed' WHERE id = $1",
        &[first],
    )
    .await;
    assert_eq!(outline(&s, slug).await, ["Renamed", "Second", "Third"]);
    sql(
        &app,
        "UPDATE lessons SET position = 10 WHERE id = $1",
        &[first],
    )
    .await;
    assert_eq!(outline(&s, slug).await, ["Second", "Third", "Renamed"]);
    sql(&app, "DELETE FROM lessons WHERE id = $1", &[second]).await;
    assert_eq!(outline(&s, slug).await, ["Third", "Renamed"]);
    // The player's outline reads the same copy.
    let player = s.get(&format!("/courses/{slug}/lessons/{first}")).await;
    player.assert_status(200);
    assert_eq!(player.texts("#outline li a"), ["Third", "Renamed"]);
    sql(
        &app,
        "UPDATE lessons SET title = 'Again' WHERE id = $1",
        &[first],
    )
    .await;
    let player = s.get(&format!("/courses/{slug}/lessons/{first}")).await;
    assert_eq!(player.texts("#outline li a"), ["Third", "Again"]);

    // Instructors: renamed, one added, one removed.
    let taught_by = |page: &crate::support::Resp| page.texts("#instructors").join(" ");
    let page = s.get(&format!("/courses/{slug}")).await;
    assert!(
        taught_by(&page).contains(&app.instructor.name),
        "{}",
        taught_by(&page)
    );
    sql(
        &app,
        "UPDATE users SET display_name = 'Dr. New Name' WHERE id = $1",
        &[app.instructor.id],
    )
    .await;
    let page = s.get(&format!("/courses/{slug}")).await;
    assert!(
        taught_by(&page).contains("Dr. New Name"),
        "{}",
        taught_by(&page)
    );
    let co = app
        .create_user(
            app.school.id,
            "co@example.org",
            "Co Teacher",
            lectern::accounts::Role::Instructor,
        )
        .await;
    sql(
        &app,
        "INSERT INTO course_instructors (school_id, course_id, user_id) VALUES ($1, $2, $3)",
        &[app.school.id, made.id, co.id],
    )
    .await;
    let page = s.get(&format!("/courses/{slug}")).await;
    assert!(
        taught_by(&page).contains("Co Teacher"),
        "{}",
        taught_by(&page)
    );
    sql(
        &app,
        "DELETE FROM course_instructors WHERE user_id = $1",
        &[co.id],
    )
    .await;
    let page = s.get(&format!("/courses/{slug}")).await;
    assert!(
        !taught_by(&page).contains("Co Teacher"),
        "{}",
        taught_by(&page)
    );

    // The description, edited through the editor.
    t.post_form(
        &format!("/teach/courses/{}", made.id),
        &[
            ("title", "Cached course"),
            ("description", "Now **bold**."),
            ("cover_url", ""),
        ],
    )
    .await;
    let page = s.get(&format!("/courses/{slug}")).await;
    assert!(
        page.text.contains("<strong>bold</strong>"),
        "the new description"
    );

    // A cover uploaded, then removed.
    assert!(page.attr("#course-cover", "src").is_none());
    crate::files::upload(
        t,
        &format!("/api/teach/courses/{}/cover", made.id),
        "cover.png",
        crate::files::png(800, 400),
    )
    .await
    .assert_status(200);
    let page = s.get(&format!("/courses/{slug}")).await;
    assert!(page.attr("#course-cover", "src").is_some(), "the new cover");
    t.post_form(&format!("/teach/courses/{}/cover/remove", made.id), &[])
        .await;
    let page = s.get(&format!("/courses/{slug}")).await;
    page.assert_status(200);
    assert!(
        page.attr("#course-cover", "src").is_none(),
        "the cover removed"
    );

    // 1-on-1 sessions offered, then no longer.
    assert!(page.attr("#course-book", "href").is_none());
    crate::bookings::save_hours(t, made.id, &[("windows", "Mon 09:00-12:00")]).await;
    let page = s.get(&format!("/courses/{slug}")).await;
    assert!(
        page.attr("#course-book", "href").is_some(),
        "the booking link"
    );
    sql(
        &app,
        "DELETE FROM booking_programs WHERE course_id = $1",
        &[made.id],
    )
    .await;
    let page = s.get(&format!("/courses/{slug}")).await;
    page.assert_status(200);
    assert!(
        page.attr("#course-book", "href").is_none(),
        "no booking link"
    );
}

db_test!(a_private_lesson_in_the_shared_copy_shows_only_to_its_people);
async fn a_private_lesson_in_the_shared_copy_shows_only_to_its_people(app: TestApp) {
    let made = published_course(
        &app,
        "Private in cache",
        &[
            (
                "document",
                vec![("title", "Public"), ("url", "https://example.org/a")],
            ),
            (
                "document",
                vec![("title", "Theirs"), ("url", "https://example.org/b")],
            ),
        ],
    )
    .await;
    let a = enrolled_student(&app, made.id, "pa@example.org", "A").await;
    let b = enrolled_student(&app, made.id, "pb@example.org", "B").await;
    let (ca, cb) = (app.signed_in(&a).await, app.signed_in(&b).await);
    // Both have the copy before the lesson turns private.
    assert_eq!(outline(&ca, &made.slug).await, ["Public", "Theirs"]);
    assert_eq!(outline(&cb, &made.slug).await, ["Public", "Theirs"]);
    sql(
        &app,
        "UPDATE lessons SET private_user_id = $1 WHERE id = $2",
        &[a.id, made.lessons[1]],
    )
    .await;
    assert_eq!(outline(&ca, &made.slug).await, ["Public", "Theirs"]);
    assert_eq!(outline(&cb, &made.slug).await, ["Public"]);
    assert_eq!(
        outline(&made.instructor, &made.slug).await,
        ["Public", "Theirs"]
    );
    let admin = app.signed_in(&app.admin).await;
    assert_eq!(outline(&admin, &made.slug).await, ["Public", "Theirs"]);
    // B's player does not list it and does not open it.
    let player = cb
        .get(&format!(
            "/courses/{}/lessons/{}",
            made.slug, made.lessons[0]
        ))
        .await;
    assert_eq!(player.texts("#outline li a"), ["Public"]);
    cb.get(&format!(
        "/courses/{}/lessons/{}",
        made.slug, made.lessons[1]
    ))
    .await
    .assert_status(404);
    // Cancelled: it leaves A's outline, but A's player still opens it.
    sql(
        &app,
        "UPDATE lessons SET private_cancelled_at = 1 WHERE id = $1",
        &[made.lessons[1]],
    )
    .await;
    assert_eq!(outline(&ca, &made.slug).await, ["Public"]);
    ca.get(&format!(
        "/courses/{}/lessons/{}",
        made.slug, made.lessons[1]
    ))
    .await
    .assert_status(200);
}

pg_test!(a_change_made_through_one_instance_reaches_the_others_next_view);
async fn a_change_made_through_one_instance_reaches_the_others_next_view(app: TestApp) {
    let made = published_course(
        &app,
        "Two instances",
        &[(
            "document",
            vec![("title", "One"), ("url", "https://example.org/a")],
        )],
    )
    .await;
    let student = enrolled_student(&app, made.id, "two@example.org", "Two").await;
    let s = app.signed_in(&student).await;
    assert_eq!(outline(&s, &made.slug).await, ["One"]);
    let other = app.second_instance().await;
    let t = made.instructor.copy_to(&other.base_url);
    crate::support::courses::add_lesson(
        &t,
        made.id,
        "document",
        &[
            ("title", "Added elsewhere"),
            ("url", "https://example.org/b"),
        ],
    )
    .await;
    // Made through the other instance: in this one's views once heard.
    app.heard_every_change().await;
    assert_eq!(outline(&s, &made.slug).await, ["One", "Added elsewhere"]);
    other.stop().await;
}

pg_test!(a_truncate_by_hand_reaches_the_next_view);
async fn a_truncate_by_hand_reaches_the_next_view(app: TestApp) {
    let made = published_course(
        &app,
        "Truncated",
        &[(
            "document",
            vec![("title", "Gone soon"), ("url", "https://example.org/a")],
        )],
    )
    .await;
    let student = enrolled_student(&app, made.id, "trunc@example.org", "Trunc").await;
    let s = app.signed_in(&student).await;
    assert_eq!(outline(&s, &made.slug).await, ["Gone soon"]);
    // A TRUNCATE fires no row trigger; its own trigger moves every course's version.
    sql(&app, "TRUNCATE lessons CASCADE", &[]).await;
    assert!(outline(&s, &made.slug).await.is_empty());
    // Even the versions themselves truncated: none restarts at a number a copy is kept under.
    sql(&app, "TRUNCATE course_versions", &[]).await;
    sql(
        &app,
        "INSERT INTO lessons (school_id, course_id, position, kind, title, required, body, url, created_at, updated_at)
         VALUES ($1, $2, 1, 'document', 'Back', 1, '', 'https://example.org/b', 0, 0)",
        &[app.school.id, made.id],
    )
    .await;
    assert_eq!(outline(&s, &made.slug).await, ["Back"]);
}

db_test!(a_lessons_files_rule_and_qa_thread_in_the_copy_reach_the_next_player_view);
async fn a_lessons_files_rule_and_qa_thread_in_the_copy_reach_the_next_player_view(app: TestApp) {
    // A document and a live session (with its Q&A thread); the student enrolled.
    let (made, s) = crate::discussions::forum(&app).await;
    let (t, slug) = (&made.instructor, made.slug.as_str());
    let (doc, live) = (made.lessons[0], made.lessons[1]);
    let doc_url = format!("/courses/{slug}/lessons/{doc}");
    let live_url = format!("/courses/{slug}/lessons/{live}");
    let attachments = |page: &crate::support::Resp| {
        page.assert_status(200);
        page.texts("#lesson-attachments li a")
    };
    assert!(attachments(&s.get(&doc_url).await).is_empty());

    // An attachment uploaded through the editor's widget, then deleted there.
    crate::files::upload(
        t,
        &format!(
            "/api/teach/courses/{}/lessons/{doc}/files?purpose=attachment",
            made.id
        ),
        "notes.pdf",
        crate::files::pdf(),
    )
    .await
    .assert_status(200);
    assert_eq!(attachments(&s.get(&doc_url).await), ["notes.pdf"]);
    let file = id_of(&app, "SELECT id FROM files WHERE lesson_id = $1", doc).await;
    t.post_form(
        &format!(
            "/teach/courses/{}/lessons/{doc}/files/{file}/delete",
            made.id
        ),
        &[],
    )
    .await;
    assert!(attachments(&s.get(&doc_url).await).is_empty());
    // As a shell would: the row made ready again, then deleted.
    sql(
        &app,
        "UPDATE files SET state = 'ready' WHERE id = $1",
        &[file],
    )
    .await;
    assert_eq!(attachments(&s.get(&doc_url).await), ["notes.pdf"]);
    sql(&app, "DELETE FROM files WHERE id = $1", &[file]).await;
    assert!(attachments(&s.get(&doc_url).await).is_empty());
    sql(
        &app,
        "INSERT INTO files (school_id, course_id, lesson_id, purpose, name, content_type, size, widths,
           storage_key, state, created_at, updated_at)
         VALUES ($1, $2, $3, 'attachment', 'inserted.pdf', 'application/pdf', 10, '', 'by-hand', 'ready', 0, 0)",
        &[app.school.id, made.id, doc],
    )
    .await;
    assert_eq!(attachments(&s.get(&doc_url).await), ["inserted.pdf"]);

    // What the board does leaves the copy alone: a post's attachment is a file of the
    // course but of no lesson.
    let version = || {
        id_of(
            &app,
            "SELECT version FROM course_versions WHERE course_id = $1",
            made.id,
        )
    };
    let before = version().await;
    let r = crate::discussions::attach(&s, &made, "shot.pdf", crate::files::pdf()).await;
    r.assert_status(200);
    assert_eq!(
        version().await,
        before,
        "a post's attachment moved the version"
    );

    // The completion rule, changed in the database: "marked by the student" offers the
    // button; "opened" (the student opened it already) states the rule instead.
    let page = s.get(&doc_url).await;
    page.assert_status(200);
    assert!(!page.texts("#mark-complete").is_empty() && page.texts("#completion-rule").is_empty());
    sql(
        &app,
        "UPDATE lessons SET completion_rule = 'opened' WHERE id = $1",
        &[doc],
    )
    .await;
    let page = s.get(&doc_url).await;
    page.assert_status(200);
    assert!(
        page.texts("#mark-complete").is_empty(),
        "the rule is no longer 'marked'"
    );
    assert_eq!(
        page.texts("#completion-rule"),
        ["Complete once the lesson is opened."]
    );

    // The live lesson's link to its Q&A thread: taken off the lesson, put back, deleted.
    let qa = |page: &crate::support::Resp| {
        page.assert_status(200);
        page.attr("#qa-thread-link", "href")
    };
    let thread = id_of(
        &app,
        "SELECT id FROM discussion_threads WHERE lesson_id = $1",
        live,
    )
    .await;
    let href = format!("/courses/{slug}/discussions/{thread}");
    assert_eq!(qa(&s.get(&live_url).await).as_deref(), Some(href.as_str()));
    sql(
        &app,
        "UPDATE discussion_threads SET lesson_id = NULL WHERE id = $1",
        &[thread],
    )
    .await;
    assert_eq!(qa(&s.get(&live_url).await), None);
    sql(
        &app,
        "UPDATE discussion_threads SET lesson_id = $1 WHERE id = $2",
        &[live, thread],
    )
    .await;
    assert_eq!(qa(&s.get(&live_url).await).as_deref(), Some(href.as_str()));
    sql(
        &app,
        "DELETE FROM discussion_threads WHERE id = $1",
        &[thread],
    )
    .await;
    assert_eq!(qa(&s.get(&live_url).await), None);
    sql(
        &app,
        "INSERT INTO discussion_threads (school_id, course_id, lesson_id, title, created_at, last_post_at)
         VALUES ($1, $2, $3, 'Q&A again', 0, 0)",
        &[app.school.id, made.id, live],
    )
    .await;
    let again = id_of(
        &app,
        "SELECT id FROM discussion_threads WHERE lesson_id = $1",
        live,
    )
    .await;
    assert_eq!(
        qa(&s.get(&live_url).await),
        Some(format!("/courses/{slug}/discussions/{again}"))
    );
}
