//! The campaign composer in Chromium: an instructor writes Markdown, asks for the
//! preview, and sees it as the first recipient would (name filled in, Markdown rendered,
//! raw HTML dropped), with what they typed still in the form.

use crate::support::browser::{self, Browser};
use crate::support::{PASSWORD, TestAppBuilder};

db_test!(the_composer_previews_the_mail_as_a_recipient_sees_it);
async fn the_composer_previews_the_mail_as_a_recipient_sees_it(b: TestAppBuilder) {
    if !browser::available("browser_campaigns preview") {
        return;
    }
    let app = b.start().await;
    let course = lectern::courses::create(
        &app.db,
        app.school.id,
        app.instructor.id,
        lectern::courses::CourseFields {
            title: "Preview course",
            description: "",
            cover_url: None,
        },
    )
    .await
    .unwrap();
    lectern::courses::progress::enroll(
        &app.db,
        &*app.state.course_hooks,
        lectern::db::SchoolId(app.school.id),
        course.id,
        lectern::db::UserId(app.student.id),
    )
    .await
    .unwrap();
    let student_name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(app.student.id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();

    let b = Browser::start().await;
    b.sign_in(&app.base_url, &app.instructor.email, PASSWORD)
        .await;
    b.goto(&format!("{}/teach/campaigns/new", app.base_url))
        .await;
    b.wait_css("#campaign-form").await;
    b.fill("#campaign-subject", "Our next session").await;
    b.fill(
        "#campaign-body",
        "Dear {name},\n\nThe **live Q&A** moves to Friday. <script>window.__x = 1</script>",
    )
    .await;
    b.eval(&format!(
        "document.querySelector('#campaign-course').value = '{}'; return true",
        course.id.0
    ))
    .await;
    b.click("#campaign-preview").await;
    b.wait_css("#campaign-preview-body").await;
    let preview = b.text("#campaign-preview-body").await;
    assert!(
        preview.contains(&format!("Dear {student_name},")),
        "{preview}"
    );
    assert!(
        preview.contains("The live Q&A moves to Friday."),
        "{preview}"
    );
    assert_eq!(b.text("#campaign-preview-body strong").await, "live Q&A");
    assert_eq!(b.text("#preview-subject").await, "Our next session");
    // The script was dropped, never run.
    assert_eq!(
        b.eval("return window.__x === undefined").await,
        serde_json::Value::Bool(true)
    );
    // What was typed is still in the form (and saved as a draft).
    assert_eq!(
        b.eval("return document.querySelector('#campaign-subject').value")
            .await,
        serde_json::Value::String("Our next session".into())
    );
    b.assert_no_csp_violations().await;
    b.check_a11y().await;
    b.close().await;
}
