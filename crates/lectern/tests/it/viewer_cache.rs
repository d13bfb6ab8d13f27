//! The per-instance viewer cache (`db::viewers`, `courses::viewers`): a student's or a
//! visitor's course page and player are served without the database once read, every
//! write the app makes is in the very next view, and every change made outside this
//! instance (another instance, a shell) to what a view reads — the course row and its
//! version, an enrolment, a completion, an opened lesson, an instructor — reaches the next
//! view once heard, through PostgreSQL's notifications or SQLite's change log.

use crate::support::courses::{enrolled_student, published_course};
use crate::support::{DbKind, Resp, TestApp, TestClient};

/// Waits until the viewer cache is on (`true`: the change feed read or heard) or off.
async fn live(app: &TestApp, want: bool) {
    crate::support::eventually(
        "the viewer cache to turn",
        std::time::Duration::from_secs(15),
        || async { (app.db.viewers.is_live() == want).then_some(()) },
    )
    .await;
}

/// The page at `path` as `c` sees it, and whether this instance served the view from its
/// cache (no viewer lookup reached the database).
async fn view(app: &TestApp, c: &TestClient, path: &str) -> (Resp, bool) {
    let (hits, misses) = app.db.viewers.counts();
    let page = c.get(path).await;
    let (hits2, misses2) = app.db.viewers.counts();
    assert_eq!(
        hits2 + misses2,
        hits + misses + 1,
        "one viewer lookup for {path}"
    );
    (page, misses2 == misses)
}

/// A change by hand, as a shell would make it, then heard by this instance.
async fn by_hand(app: &TestApp, statement: &str, binds: &[i64]) {
    sql(app, statement, binds).await;
    app.heard_every_change().await;
}

/// Runs `statement` with integer `binds`, as a shell would (no eviction of its own).
pub(crate) async fn sql(app: &TestApp, statement: &str, binds: &[i64]) {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(statement.to_string()));
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(&app.db.pool).await.expect(statement);
}

fn progress(page: &Resp) -> String {
    page.assert_status(200);
    page.attr("#progress", "data-percent").unwrap_or_default()
}

async fn course_with_two_documents(app: &TestApp, title: &str) -> crate::support::courses::Made {
    published_course(
        app,
        title,
        &[
            (
                "document",
                vec![
                    ("title", "One"),
                    ("url", "https://example.org/a"),
                    ("required", "on"),
                ],
            ),
            (
                "document",
                vec![
                    ("title", "Two"),
                    ("url", "https://example.org/b"),
                    ("required", "on"),
                ],
            ),
        ],
    )
    .await
}

db_test!(a_class_is_served_from_the_cache_and_sees_every_write_of_the_app_at_once);
/// The app's own writes evict after their commit (`courses::viewers::person_changed`,
/// `course_changed`), so their next view has them without waiting for a notification: the
/// cache is made deaf to notifications, so a write that forgot to evict fails here.
async fn a_class_is_served_from_the_cache_and_sees_every_write_of_the_app_at_once(app: TestApp) {
    let made = course_with_two_documents(&app, "Served").await;
    let (t, slug) = (&made.instructor, made.slug.as_str());
    let page_url = format!("/courses/{slug}");
    let student = enrolled_student(&app, made.id, "served@example.org", "Served").await;
    let s = app.signed_in(&student).await;
    // Live once the change feed was read (SQLite) or heard (PostgreSQL).
    live(&app, true).await;

    // Deaf to notifications from here on: every write below must evict by itself.
    app.db.viewers.set_deaf(true);
    let (first, _) = view(&app, &s, &page_url).await;
    assert_eq!(progress(&first), "0");
    let (again, hit) = view(&app, &s, &page_url).await;
    assert!(
        hit,
        "the second view of the same student is served from the cache"
    );
    assert_eq!(progress(&again), "0");
    // A visitor shares the course's part.
    let visitor = app.client();
    view(&app, &visitor, &page_url).await.0.assert_status(200);
    let (anon, hit) = view(&app, &visitor, &page_url).await;
    assert!(hit && anon.text.contains("id=\"enroll-signin\""));

    // The player (a document: the student marks it done), then the lesson marked done:
    // the next view has it.
    let lesson_url = format!("{page_url}/lessons/{}", made.lessons[0]);
    let (player, hit) = view(&app, &s, &lesson_url).await;
    player.assert_status(200);
    assert!(hit, "the player reads the same entry as the course page");
    s.post_form(&format!("{lesson_url}/complete"), &[]).await;
    assert_eq!(progress(&view(&app, &s, &page_url).await.0), "50");

    // Enrolling through the form: the next view of the not-yet-enrolled student has it.
    let newcomer = app
        .create_user(
            app.school.id,
            "newcomer@example.org",
            "Newcomer",
            lectern::accounts::Role::Student,
        )
        .await;
    let n = app.signed_in(&newcomer).await;
    let (before, _) = view(&app, &n, &page_url).await;
    assert!(before.text.contains("id=\"enroll\""));
    assert!(view(&app, &n, &page_url).await.1, "cached as not enrolled");
    n.post_form(&format!("{page_url}/enroll"), &[]).await;
    assert_eq!(progress(&view(&app, &n, &page_url).await.0), "0");

    // A lesson added through the editor is in the outline at once.
    crate::support::courses::add_lesson(
        t,
        made.id,
        "document",
        &[("title", "Three"), ("url", "https://example.org/c")],
    )
    .await;
    let (page, _) = view(&app, &s, &page_url).await;
    assert_eq!(
        page.texts("#outline li a").last().map(String::as_str),
        Some("Three")
    );

    // The instructor renames the course, then unpublishes it: the class sees both at once.
    t.post_form(
        &format!("/teach/courses/{}", made.id),
        &[
            ("title", "Renamed by the editor"),
            ("description", ""),
            ("cover_url", ""),
        ],
    )
    .await;
    let (page, _) = view(&app, &s, &page_url).await;
    assert_eq!(page.texts("#course-title"), ["Renamed by the editor"]);
    t.post_form(&format!("/teach/courses/{}/unpublish", made.id), &[])
        .await;
    view(&app, &s, &page_url).await.0.assert_status(404);
    view(&app, &visitor, &page_url).await.0.assert_status(404);
}

db_test!(every_change_made_outside_the_instance_reaches_the_next_view_once_heard);
async fn every_change_made_outside_the_instance_reaches_the_next_view_once_heard(app: TestApp) {
    let made = course_with_two_documents(&app, "Outside").await;
    let slug = made.slug.as_str();
    let page_url = format!("/courses/{slug}");
    let (one, two) = (made.lessons[0], made.lessons[1]);
    let student = enrolled_student(&app, made.id, "outside@example.org", "Outside").await;
    let other = enrolled_student(&app, made.id, "other@example.org", "Other").await;
    let s = app.signed_in(&student).await;
    live(&app, true).await;
    // Warm, then change by hand, hear it, and see it in the next view (a miss).
    let warm = |expect: &'static str| {
        let (s, page_url) = (&s, &page_url);
        let app = &app;
        async move {
            let (page, _) = view(app, s, page_url).await;
            assert_eq!(progress(&page), expect);
            assert!(view(app, s, page_url).await.1, "warm");
        }
    };

    // lesson_progress: a completion written, then taken back.
    warm("0").await;
    by_hand(
        &app,
        "INSERT INTO lesson_progress (school_id, lesson_id, user_id, completed_at) VALUES ($1, $2, $3, 1)",
        &[app.school.id, one, student.id],
    )
    .await;
    assert_eq!(progress(&view(&app, &s, &page_url).await.0), "50");
    assert!(view(&app, &s, &page_url).await.1);
    by_hand(
        &app,
        "DELETE FROM lesson_progress WHERE lesson_id = $1 AND user_id = $2",
        &[one, student.id],
    )
    .await;
    assert_eq!(progress(&view(&app, &s, &page_url).await.0), "0");

    // Another person's change leaves this student's entry (and the course's) alone.
    assert!(view(&app, &s, &page_url).await.1);
    by_hand(
        &app,
        "INSERT INTO lesson_progress (school_id, lesson_id, user_id, completed_at) VALUES ($1, $2, $3, 1)",
        &[app.school.id, two, other.id],
    )
    .await;
    assert!(
        view(&app, &s, &page_url).await.1,
        "another student's completion evicted this one"
    );

    // enrollments: completed by hand, then the enrolment gone.
    by_hand(
        &app,
        "UPDATE enrollments SET completed_at = 5 WHERE course_id = $1 AND user_id = $2",
        &[made.id, student.id],
    )
    .await;
    let (page, hit) = view(&app, &s, &page_url).await;
    assert!(!hit && page.text.contains("id=\"course-completed\""));
    by_hand(
        &app,
        "DELETE FROM enrollments WHERE course_id = $1 AND user_id = $2",
        &[made.id, student.id],
    )
    .await;
    let (page, _) = view(&app, &s, &page_url).await;
    assert!(page.text.contains("id=\"enroll\""), "no longer enrolled");
    by_hand(
        &app,
        "INSERT INTO enrollments (school_id, course_id, user_id, enrolled_at) VALUES ($1, $2, $3, 1)",
        &[app.school.id, made.id, student.id],
    )
    .await;
    assert_eq!(progress(&view(&app, &s, &page_url).await.0), "0");

    // lesson_evidence: an opened lesson is read by the player; attendance is not.
    assert!(view(&app, &s, &page_url).await.1);
    by_hand(
        &app,
        "INSERT INTO lesson_evidence (school_id, lesson_id, user_id, attended_ms, updated_at) VALUES ($1, $2, $3, 60000, 1)",
        &[app.school.id, two, student.id],
    )
    .await;
    assert!(
        view(&app, &s, &page_url).await.1,
        "attended minutes evicted the viewer"
    );
    by_hand(
        &app,
        "UPDATE lesson_evidence SET opened_at = 1 WHERE lesson_id = $1 AND user_id = $2",
        &[two, student.id],
    )
    .await;
    assert!(
        !view(&app, &s, &page_url).await.1,
        "an opened lesson kept the viewer"
    );

    // course_instructors: the student made an instructor of the course by hand.
    assert!(view(&app, &s, &page_url).await.1);
    by_hand(
        &app,
        "INSERT INTO course_instructors (school_id, course_id, user_id) VALUES ($1, $2, $3)",
        &[app.school.id, made.id, student.id],
    )
    .await;
    let (page, hit) = view(&app, &s, &page_url).await;
    assert!(!hit && page.texts("#instructors").join(" ").contains("Outside"));
    by_hand(
        &app,
        "DELETE FROM course_instructors WHERE user_id = $1",
        &[student.id],
    )
    .await;
    let (page, _) = view(&app, &s, &page_url).await;
    assert!(!page.texts("#instructors").join(" ").contains("Outside"));

    // courses: the title, then the status.
    assert!(view(&app, &s, &page_url).await.1);
    by_hand(
        &app,
        "UPDATE courses SET title = 'By hand' WHERE id = $1",
        &[made.id],
    )
    .await;
    let (page, _) = view(&app, &s, &page_url).await;
    assert_eq!(page.texts("#course-title"), ["By hand"]);

    // course_versions: a lesson renamed by hand moves the version.
    assert!(view(&app, &s, &page_url).await.1);
    by_hand(
        &app,
        "UPDATE lessons SET title = 'Renamed by hand' WHERE id = $1",
        &[one],
    )
    .await;
    let (page, hit) = view(&app, &s, &page_url).await;
    assert!(
        !hit && page
            .texts("#outline li a")
            .contains(&"Renamed by hand".to_string())
    );

    by_hand(
        &app,
        "UPDATE courses SET status = 'draft' WHERE id = $1",
        &[made.id],
    )
    .await;
    view(&app, &s, &page_url).await.0.assert_status(404);
    // The slug changed by hand: the old one is gone for the class.
    by_hand(
        &app,
        "UPDATE courses SET status = 'published', slug = 'moved-by-hand' WHERE id = $1",
        &[made.id],
    )
    .await;
    view(&app, &s, &page_url).await.0.assert_status(404);
    view(&app, &s, "/courses/moved-by-hand")
        .await
        .0
        .assert_status(200);
    by_hand(&app, "DELETE FROM courses WHERE id = $1", &[made.id]).await;
    view(&app, &s, "/courses/moved-by-hand")
        .await
        .0
        .assert_status(404);
}

pg_test!(a_change_through_another_instance_reaches_this_ones_next_view_once_heard);
async fn a_change_through_another_instance_reaches_this_ones_next_view_once_heard(app: TestApp) {
    let made = course_with_two_documents(&app, "Elsewhere").await;
    let page_url = format!("/courses/{}", made.slug);
    let student = enrolled_student(&app, made.id, "elsewhere@example.org", "Elsewhere").await;
    let s = app.signed_in(&student).await;
    live(&app, true).await;
    assert_eq!(progress(&view(&app, &s, &page_url).await.0), "0");
    assert!(view(&app, &s, &page_url).await.1);
    let other = app.second_instance().await;
    // The student marks a lesson done through the other instance.
    let there = s.copy_to(&other.base_url);
    there
        .post_form(
            &format!("{page_url}/lessons/{}/complete", made.lessons[0]),
            &[],
        )
        .await;
    app.heard_every_change().await;
    assert_eq!(progress(&view(&app, &s, &page_url).await.0), "50");
    // The instructor unpublishes through the other instance.
    let t = made.instructor.copy_to(&other.base_url);
    t.post_form(&format!("/teach/courses/{}/unpublish", made.id), &[])
        .await;
    app.heard_every_change().await;
    view(&app, &s, &page_url).await.0.assert_status(404);
    other.stop().await;
}

db_test!(the_cache_is_off_while_the_change_log_cannot_be_read);
async fn the_cache_is_off_while_the_change_log_cannot_be_read(app: TestApp) {
    if app.kind == DbKind::Postgres {
        return; // a lost subscription: session_cache.rs turns every follower off with it
    }
    let made = course_with_two_documents(&app, "Unheard").await;
    let page_url = format!("/courses/{}", made.slug);
    let student = enrolled_student(&app, made.id, "unheard@example.org", "Unheard").await;
    let s = app.signed_in(&student).await;
    live(&app, true).await;
    view(&app, &s, &page_url).await;
    assert!(view(&app, &s, &page_url).await.1);
    sql(
        &app,
        "ALTER TABLE change_log RENAME TO change_log_away",
        &[],
    )
    .await;
    live(&app, false).await;
    // Off: every view reads the database, and sees what changed meanwhile.
    sql(
        &app,
        "UPDATE courses SET title = 'While unheard' WHERE id = $1",
        &[made.id],
    )
    .await;
    let (page, hit) = view(&app, &s, &page_url).await;
    assert!(!hit && page.texts("#course-title") == ["While unheard"]);
    sql(
        &app,
        "ALTER TABLE change_log_away RENAME TO change_log",
        &[],
    )
    .await;
    live(&app, true).await;
    view(&app, &s, &page_url).await;
    assert!(view(&app, &s, &page_url).await.1, "live again");
}

db_test!(two_schools_with_one_slug_each_see_their_own_course_from_the_cache);
async fn two_schools_with_one_slug_each_see_their_own_course_from_the_cache(app: TestApp) {
    use lectern::db::SchoolId;
    let mine = course_with_two_documents(&app, "Same Name").await;
    let other = app.other_school().await;
    let theirs = crate::support::courses::published_in(
        &app,
        other.school.id,
        other.instructor.id,
        "Same Name",
    )
    .await;
    assert_eq!(theirs.slug, mine.slug, "one slug in two schools");
    let path = format!("/courses/{}", mine.slug);
    let student = enrolled_student(&app, mine.id, "same@example.org", "Same").await;
    let (here, there) = (
        app.signed_in(&student).await,
        other.signed_in(&other.student).await,
    );
    live(&app, true).await;
    // Twice each, the second time from the cache: each school's own course and enrolment.
    for round in 0..2 {
        let (page, hit) = view(&app, &here, &path).await;
        assert_eq!(page.texts("#outline li a"), ["One", "Two"]);
        assert_eq!(progress(&page), "0");
        assert_eq!(hit, round == 1);
        let (page, hit) = view(&app, &there, &path).await;
        page.assert_status(200);
        assert!(
            page.texts("#outline li a").is_empty(),
            "the other school's course"
        );
        assert!(page.text.contains("id=\"enroll\""), "not enrolled there");
        assert_eq!(hit, round == 1);
        let (page, _) = view(&app, &other.client(), &path).await;
        assert!(page.texts("#outline li a").is_empty());
    }
    // The other school unpublishes its course: this school's class keeps its own.
    lectern::courses::set_published(&app.db, SchoolId(other.school.id), theirs.id, false)
        .await
        .unwrap();
    view(&app, &there, &path).await.0.assert_status(404);
    let (page, hit) = view(&app, &here, &path).await;
    assert!(hit && page.texts("#outline li a") == ["One", "Two"]);
}
