//! The Q&A thread of a live session in Chromium: a student on a phone asks from the
//! player, the instructor answers and marks the answer, and the student's page, left
//! open and reloaded, shows it at the top; the board fits a 360 px screen. A student
//! attaches an image to a new thread through the page's picker and sees it in the post.

use crate::browser_ui::assert_fits_the_screen;
use crate::discussions::{board_url, forum};
use crate::support::browser::{self, Browser};
use crate::support::{PASSWORD, TestApp};

db_test!(a_student_asks_in_the_sessions_qa_and_sees_the_instructors_marked_answer);
async fn a_student_asks_in_the_sessions_qa_and_sees_the_instructors_marked_answer(app: TestApp) {
    if !browser::available("browser_discussions") {
        return;
    }
    let (made, _student) = forum(&app).await;
    let live = made.lessons[1];

    // The student, on a phone, from the session's player to its Q&A thread.
    let s = Browser::start_mobile(360, 740).await;
    s.sign_in(&app.base_url, &app.student.email, PASSWORD).await;
    s.goto(&format!(
        "{}/courses/{}/lessons/{live}",
        app.base_url, made.slug
    ))
    .await;
    s.wait_css("#qa-thread-link").await;
    s.click("#qa-thread-link").await;
    s.wait_css("#reply-body").await;
    assert_eq!(s.text("#thread-heading").await, "Q&A: Kick-off call");
    s.fill("#reply-body", "Will the call be recorded?").await;
    s.click("#reply-submit").await;
    s.wait_css(".post-body").await;
    assert!(
        s.text("#posts")
            .await
            .contains("Will the call be recorded?")
    );
    let thread_url = s.c.current_url().await.unwrap().to_string();
    let thread_url = thread_url.split('#').next().unwrap().to_string();
    assert_fits_the_screen(&s, "the Q&A thread").await;

    // The instructor answers and marks the answer.
    let t = Browser::start().await;
    t.sign_in(&app.base_url, &app.instructor.email, PASSWORD)
        .await;
    t.goto(&thread_url).await;
    t.wait_css("#reply-body").await;
    t.fill(
        "#reply-body",
        "Yes: the recording appears in the player afterwards.",
    )
    .await;
    t.click("#reply-submit").await;
    // The reply is stored when its page comes back; wait for the row, not for a button
    // that may be there before it.
    let answer: i64 = crate::support::eventually(
        "the instructor's reply to be stored",
        std::time::Duration::from_secs(10),
        || async {
            sqlx::query_scalar::<_, Option<i64>>(
                "SELECT MAX(id) FROM discussion_posts WHERE author_id = $1",
            )
            .bind(app.instructor.id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap()
        },
    )
    .await;
    t.wait_css(&format!("[data-answer=\"{answer}\"]")).await;
    t.click(&format!("[data-answer=\"{answer}\"]")).await;
    t.wait_css("#answer").await;
    t.close().await;

    // The student's page, left open, reloaded: the answer is at the top and marked.
    s.eval("location.reload(); return true").await;
    s.wait_css("#answer").await;
    assert!(
        s.text("#answer")
            .await
            .contains("the recording appears in the player"),
        "{}",
        s.text("#answer").await
    );
    let marked = s
        .eval(&format!(
            "return document.querySelector('#post-{answer}').classList.contains('is-answer')"
        ))
        .await;
    assert_eq!(marked, serde_json::Value::Bool(true));
    assert_fits_the_screen(&s, "the answered Q&A thread").await;
    s.check_a11y().await;

    // The board at 360 px: no sideways scroll, the thread shown as answered.
    s.goto(&format!("{}{}", app.base_url, board_url(&made)))
        .await;
    s.wait_css("#threads").await;
    assert!(s.text("#threads").await.contains("Answered"));
    assert_fits_the_screen(&s, "the discussion board").await;
    s.check_a11y().await;
    s.assert_no_csp_violations().await;
    s.close().await;
}

/// Waits until `js` (an expression) is true in the page, for at most ten seconds.
async fn wait_true(b: &Browser, js: &str) {
    for _ in 0..100 {
        if b.eval(&format!("return !!({js})")).await == serde_json::Value::Bool(true) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("never true: {js}");
}

db_test!(a_student_attaches_an_image_to_a_new_thread_and_sees_it_in_the_post);
async fn a_student_attaches_an_image_to_a_new_thread_and_sees_it_in_the_post(app: TestApp) {
    if !browser::available("browser_discussions") {
        return;
    }
    let (made, _student) = forum(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("sketch.png");
    image::RgbaImage::from_pixel(60, 40, image::Rgba([10, 160, 90, 255]))
        .save(&png)
        .unwrap();

    let s = Browser::start().await;
    s.sign_in(&app.base_url, &app.student.email, PASSWORD).await;
    s.goto(&format!("{}{}", app.base_url, board_url(&made)))
        .await;
    s.fill("#thread-title", "My sketch").await;
    s.fill("#thread-body", "What do you think of it?").await;
    // The picker is shown (script runs) and uploads at once; the text is untouched.
    s.wait_css("#thread-form [data-attach-input]")
        .await
        .send_keys(png.to_str().unwrap())
        .await
        .unwrap();
    wait_true(
        &s,
        "document.querySelector('#thread-form [data-attach-id]').value !== ''",
    )
    .await;
    assert!(
        s.text("#thread-form [data-attach-status]")
            .await
            .contains("sketch.png")
    );
    s.click("#thread-submit").await;
    s.wait_css(".post-attachment img").await;
    // The image loaded under the page's policy.
    wait_true(
        &s,
        "document.querySelector('.post-attachment img').complete && document.querySelector('.post-attachment img').naturalWidth === 60",
    )
    .await;
    s.check_a11y().await;
    s.assert_no_csp_violations().await;
    s.close().await;
}
