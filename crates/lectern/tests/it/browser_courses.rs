//! Browser tests of the course pages: the instructor's editor, a student's enrolment and
//! progress, escaping of course titles, the lesson player at phone width, and a phone left
//! on the player while the instructor edits the course (the course's shared copy).

use crate::support::TestApp;
use crate::support::browser::{self, Browser};
use crate::support::courses::published_course;

const EVIL: &str = "<script>alert(1)</script>";

/// Sets a form control's value through the DOM (date pickers and textareas with newlines).
async fn set_value(b: &Browser, css: &str, value: &str) {
    b.wait_css(css).await;
    b.c.execute(
        "document.querySelector(arguments[0]).value = arguments[1];",
        vec![serde_json::json!(css), serde_json::json!(value)],
    )
    .await
    .unwrap_or_else(|e| panic!("set {css}: {e}"));
}

/// A published course made over HTTP by the instructor: lessons given as (kind, fields).
/// Returns its id and its page's path.
async fn http_course(
    app: &TestApp,
    title: &str,
    lessons: &[(&str, Vec<(&str, &str)>)],
) -> (i64, String) {
    let made = published_course(app, title, lessons).await;
    (made.id, format!("/courses/{}", made.slug))
}

db_test!(instructor_creates_a_course_with_every_lesson_type_and_publishes_it);
async fn instructor_creates_a_course_with_every_lesson_type_and_publishes_it(app: TestApp) {
    if !browser::available("instructor_creates_a_course_with_every_lesson_type_and_publishes_it") {
        return;
    }
    let b = Browser::start().await;
    let base = app.base_url.clone();
    b.sign_in(&base, &app.instructor.email, &app.instructor.password)
        .await;
    b.goto(&format!("{base}/teach")).await;
    b.click("#new-course").await;
    b.wait_css("#create-course").await;
    b.fill("#course-title-input", EVIL).await;
    b.fill("#course-description-input", "Every *kind* of lesson.")
        .await;
    b.click("#create-course").await;
    b.wait_css("#add-document").await;
    b.assert_no_dialog().await;
    assert_eq!(
        b.wait_css("#editor-title").await.text().await.unwrap(),
        EVIL
    );

    let kinds = [
        "video",
        "document",
        "quiz",
        "live_session",
        "webinar",
        "external_link",
    ];
    for (n, kind) in kinds.iter().enumerate() {
        b.click(&format!("#add-{kind}")).await;
        b.wait_css("#save-lesson").await;
        b.fill("#lesson-title-input", &format!("Lesson {n}: {kind}"))
            .await;
        match *kind {
            "video" => {
                b.fill("#lesson-url", "https://www.youtube.com/watch?v=dQw4w9WgXcQ")
                    .await
            }
            "external_link" => b.fill("#lesson-url", "https://example.org/reading").await,
            "document" => {
                set_value(
                    &b,
                    "#lesson-body-input",
                    "# Read this\n\nSome **Markdown**.",
                )
                .await
            }
            "quiz" => {
                set_value(&b, "#lesson-quiz", "? 2 + 2?\n- 3\n* 4").await;
                b.fill("#lesson-pass-mark", "100").await;
            }
            _ => {
                set_value(&b, "#lesson-local-start", "2031-03-04T15:30").await;
                set_value(&b, "#lesson-body-input", "Agenda: questions.").await;
            }
        }
        b.click("#save-lesson").await;
        // Back on the editor, with one more lesson in the list.
        b.wait_css(&format!("#lesson-list li:nth-child({})", n + 1))
            .await;
        assert!(
            b.c.find(fantoccini::Locator::Css(".field-error"))
                .await
                .is_err(),
            "{kind}: form error"
        );
    }
    b.click("#publish").await;
    b.wait_css("#unpublish").await;

    // The database agrees.
    let rows: Vec<(String, String)> = sqlx::query_as(
    "SELECT l.kind, c.status FROM lessons l JOIN courses c ON c.id = l.course_id WHERE c.school_id = $1 ORDER BY l.position",
)
.bind(app.school.id)
.fetch_all(&app.db.pool)
.await
.unwrap();
    assert_eq!(rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), kinds);
    assert!(rows.iter().all(|r| r.1 == "published"));

    // The title is shown as text everywhere and never runs.
    b.goto(&format!("{base}/")).await;
    let link = b.wait_css(".course-link").await;
    assert_eq!(link.text().await.unwrap(), EVIL);
    link.click().await.unwrap();
    b.wait_css("#course-title").await;
    assert_eq!(
        b.wait_css("#course-title").await.text().await.unwrap(),
        EVIL
    );
    b.assert_no_dialog().await;
    let title = b.c.title().await.unwrap();
    assert!(title.starts_with(EVIL), "{title}");
    b.close().await;
}

db_test!(student_signs_up_enrols_completes_a_document_and_sees_progress);
async fn student_signs_up_enrols_completes_a_document_and_sees_progress(app: TestApp) {
    if !browser::available("student_signs_up_enrols_completes_a_document_and_sees_progress") {
        return;
    }
    let (_id, url) = http_course(
        &app,
        "Intro to Testing",
        &[
            (
                "document",
                vec![
                    ("title", "Read first"),
                    ("body", "Hello **reader**."),
                    ("required", "on"),
                ],
            ),
            (
                "document",
                vec![
                    ("title", "Read second"),
                    ("body", "More."),
                    ("required", "on"),
                ],
            ),
        ],
    )
    .await;
    let base = app.base_url.clone();
    let b = Browser::start().await;
    b.goto(&format!("{base}/signup")).await;
    b.fill("input[name=display_name]", "Eve Learner").await;
    b.fill("input[name=email]", "eve@example.org").await;
    b.fill("input[name=password]", "learner password 1").await;
    b.click("#signup-submit").await;
    b.wait_css("#signout").await;

    b.goto(&format!("{base}/")).await;
    b.wait_css(&format!(".course-link[href='{url}']"))
        .await
        .click()
        .await
        .unwrap();
    b.click("#enroll").await;
    b.wait_css("#progress").await;
    let pct = b
        .wait_css("#progress")
        .await
        .attr("data-percent")
        .await
        .unwrap();
    assert_eq!(pct.as_deref(), Some("0"));
    b.click("#continue").await;
    b.wait_css("#mark-complete").await;
    assert_eq!(
        b.wait_css("#lesson-title").await.text().await.unwrap(),
        "Read first"
    );
    assert_eq!(
        b.wait_css("#lesson-body strong")
            .await
            .text()
            .await
            .unwrap(),
        "reader"
    );
    b.click("#mark-complete").await;
    b.wait_css("#lesson-completed").await;
    let pct = b
        .wait_css("#progress")
        .await
        .attr("data-percent")
        .await
        .unwrap();
    assert_eq!(
        pct.as_deref(),
        Some("50"),
        "one of two required lessons done"
    );

    b.goto(&format!("{base}{url}")).await;
    let pct = b
        .wait_css("#progress")
        .await
        .attr("data-percent")
        .await
        .unwrap();
    assert_eq!(pct.as_deref(), Some("50"));
    b.goto(&format!("{base}/my/courses")).await;
    b.wait_css(&format!("a[href='{url}']")).await;
    b.assert_no_dialog().await;
    b.close().await;
}

db_test!(lesson_player_fits_a_360px_screen);
async fn lesson_player_fits_a_360px_screen(app: TestApp) {
    if !browser::available("lesson_player_fits_a_360px_screen") {
        return;
    }
    let long = "A_very_long_unbroken_word_".repeat(8);
    let body = format!(
        "# Notes\n\n{long}\n\nSee https://example.org/{long}\n\n```\nfn main() {{ println!(\"{long}\"); }}\n```\n\n| a | b | c | d |\n|---|---|---|---|\n| {long} | 2 | 3 | 4 |\n"
    );
    let (_id, url) = http_course(
        &app,
        "Phone course with a fairly long title to wrap",
        &[
            ("document", vec![("title", "A document with long content"), ("body", body.as_str()), ("required", "on")]),
            ("video", vec![("title", "Video"), ("url", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"), ("required", "on")]),
            ("quiz", vec![("title", "Quiz"), ("quiz", "? A question that is rather long to see how it wraps on a phone?\n- no\n* yes"), ("pass_mark", "50"), ("required", "on")]),
            ("live_session", vec![("title", "Live"), ("local_start", "2031-03-04T15:30"), ("timezone", "Europe/Berlin"), ("duration", "90"), ("body", "Agenda"), ("required", "on")]),
        ],
    )
    .await;
    let s = app.signed_in(&app.student).await;
    s.post_form(&format!("{url}/enroll"), &[]).await;
    let course = s.get(&url).await;
    let lesson_links: Vec<String> = {
        let doc = course.doc();
        let sel = scraper::Selector::parse("a[href*='/lessons/']").unwrap();
        let mut v: Vec<String> = doc
            .select(&sel)
            .filter_map(|a| a.value().attr("href").map(str::to_string))
            .collect();
        v.dedup();
        v
    };
    assert!(lesson_links.len() >= 4, "{lesson_links:?}");

    let b = Browser::start_mobile(360, 740).await;
    b.sign_in(&app.base_url, &app.student.email, &app.student.password)
        .await;
    let width = b.eval("return window.innerWidth").await;
    assert_eq!(width, serde_json::json!(360), "phone viewport");
    for (i, href) in lesson_links.iter().enumerate() {
        b.goto(&format!("{}{href}", app.base_url)).await;
        b.wait_css("#lesson-title").await;
        let fits = b
            .eval("return [document.documentElement.scrollWidth, window.innerWidth]")
            .await;
        let (sw, iw) = (fits[0].as_i64().unwrap(), fits[1].as_i64().unwrap());
        if i == 0 {
            let png = b.c.screenshot().await.unwrap();
            std::fs::write("/tmp/player-360.png", png).unwrap();
        }
        let culprits = if sw > iw {
            b.eval(
                "const w = window.innerWidth; return Array.from(document.querySelectorAll('body *'))\
                 .filter(e => e.getBoundingClientRect().right > w + 1)\
                 .slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right))",
            )
            .await
        } else {
            serde_json::Value::Null
        };
        assert!(
            sw <= iw,
            "{href}: elements past the right edge: {culprits}; horizontal scroll at 360 px (scrollWidth {sw} > {iw})"
        );
    }
    b.assert_no_dialog().await;
    b.close().await;
}

/// Waits (up to 10 s) until the player shows the lesson titled `title`.
async fn wait_lesson(b: &Browser, title: &str) {
    for _ in 0..100 {
        if b.text("#lesson-title").await == title {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "the player shows {:?}, not {title:?}",
        b.text("#lesson-title").await
    );
}

db_test!(a_phone_left_on_the_player_while_the_instructor_edits_sees_the_edits_as_it_goes_on);
async fn a_phone_left_on_the_player_while_the_instructor_edits_sees_the_edits_as_it_goes_on(
    app: TestApp,
) {
    if !browser::available(
        "a_phone_left_on_the_player_while_the_instructor_edits_sees_the_edits_as_it_goes_on",
    ) {
        return;
    }
    let made = published_course(
        &app,
        "Edited while open",
        &[
            ("document", vec![("title", "First"), ("body", "One")]),
            ("document", vec![("title", "Second"), ("body", "Two")]),
        ],
    )
    .await;
    let s = app.signed_in(&app.student).await;
    s.post_form(&format!("/courses/{}/enroll", made.slug), &[])
        .await
        .assert_status(303);
    let b = Browser::start_mobile(360, 740).await;
    b.sign_in(&app.base_url, &app.student.email, &app.student.password)
        .await;
    let outline = || async {
        b.eval("return Array.from(document.querySelectorAll('#outline li a')).map(a => a.textContent.trim())")
            .await
    };
    // The student reads the first lesson (the course's copy is warm from here on).
    b.goto(&format!(
        "{}/courses/{}/lessons/{}",
        app.base_url, made.slug, made.lessons[0]
    ))
    .await;
    wait_lesson(&b, "First").await;
    assert_eq!(outline().await, serde_json::json!(["First", "Second"]));
    assert_eq!(b.text("#lesson-attachments").await, "");

    // Meanwhile the instructor attaches notes to the first lesson and adds a third.
    crate::files::upload(
        &made.instructor,
        &format!(
            "/api/teach/courses/{}/lessons/{}/files?purpose=attachment",
            made.id, made.lessons[0]
        ),
        "notes.pdf",
        crate::files::pdf(),
    )
    .await
    .assert_status(200);
    crate::support::courses::add_lesson(
        &made.instructor,
        made.id,
        "document",
        &[("title", "Third"), ("body", "Three")],
    )
    .await;

    // The student goes on with the player's own buttons, without reloading anything.
    b.click("#next-lesson").await;
    wait_lesson(&b, "Second").await;
    assert_eq!(
        outline().await,
        serde_json::json!(["First", "Second", "Third"])
    );
    b.click("#next-lesson").await;
    wait_lesson(&b, "Third").await;
    b.click("#prev-lesson").await;
    wait_lesson(&b, "Second").await;
    b.click("#prev-lesson").await;
    wait_lesson(&b, "First").await;
    assert_eq!(b.text("#lesson-attachments li a").await, "notes.pdf");
    let fits = b
        .eval("return document.documentElement.scrollWidth <= window.innerWidth")
        .await;
    assert_eq!(
        fits,
        serde_json::json!(true),
        "no sideways scroll at 360 px"
    );
    b.assert_no_dialog().await;
    b.close().await;
}
