//! Completion and certificates in Chromium: the instructor sets a lesson's rule and the
//! course's certificate in the editor; a student on a phone completes the course by
//! opening the lesson and downloads the certificate, which anyone can verify; the admin
//! re-issues and revokes it, told each time what was done.

use serde_json::json;

use crate::support::TestApp;
use crate::support::browser::{self, Browser};
use crate::support::courses::published_course;

db_test!(the_rule_and_certificate_set_in_the_editor_carry_a_student_to_a_pdf);
async fn the_rule_and_certificate_set_in_the_editor_carry_a_student_to_a_pdf(app: TestApp) {
    if !browser::available("the_rule_and_certificate_set_in_the_editor_carry_a_student_to_a_pdf") {
        return;
    }
    let made = published_course(
        &app,
        "Onboarding",
        &[(
            "document",
            vec![
                ("title", "Read this"),
                ("required", "on"),
                ("body", "Welcome"),
            ],
        )],
    )
    .await;
    let lesson = made.lessons[0];
    let base = app.base_url.clone();

    // The instructor: "opened" completes the lesson; a certificate is given.
    let b = Browser::start().await;
    b.sign_in(&base, &app.instructor.email, &app.instructor.password)
        .await;
    b.goto(&format!(
        "{base}/teach/courses/{}/lessons/{lesson}",
        made.id
    ))
    .await;
    b.wait_css("#completion-form").await;
    assert!(
        b.eval("return document.getElementById('rule-marked').checked")
            .await
            .as_bool()
            .unwrap(),
        "a document's default: marked done"
    );
    b.click("#rule-opened").await;
    b.click("#save-rule").await;
    b.wait_css("#completion-saved").await;
    b.goto(&format!("{base}/teach/courses/{}", made.id)).await;
    b.click("#certificate-link").await;
    b.wait_css("#certificate-form").await;
    b.click("#certificate-enabled").await;
    b.fill("#certificate-signer", "Ines Instructor").await;
    b.click("#save-certificate").await;
    b.wait_css("#certificate-saved").await;
    b.close().await;

    // The student, on a phone: opening the lesson completes it, and the course.
    let s = Browser::start_mobile(360, 740).await;
    s.sign_in(&base, &app.student.email, &app.student.password)
        .await;
    s.goto(&format!("{base}/courses/{}", made.slug)).await;
    s.click("#enroll").await;
    // Enrolled: a lesson opened before the enrolment's answer would redirect to the course.
    s.wait_css("#continue").await;
    s.goto(&format!("{base}/courses/{}/lessons/{lesson}", made.slug))
        .await;
    s.wait_css("#lesson-completed").await;
    app.drain_jobs().await;
    s.goto(&format!("{base}/my/courses")).await;
    s.click("#my-certificates-link").await;
    let link = s.wait_css(".certificate-pdf").await;
    let href = link.attr("href").await.unwrap().unwrap();
    let fetched =
        s.c.execute_async(
            "var done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(function (r) {
               return r.arrayBuffer().then(function (b) {
                 var head = String.fromCharCode.apply(null, new Uint8Array(b.slice(0, 4)));
                 done([r.status, r.headers.get('content-type'), head]);
               });
             }, function (e) { done(String(e)); });",
            vec![json!(href)],
        )
        .await
        .unwrap();
    assert_eq!(fetched, json!([200, "application/pdf", "%PDF"]));
    let wide = s
        .eval("return document.documentElement.scrollWidth > window.innerWidth")
        .await;
    assert_eq!(wide, json!(false), "no sideways scrolling at 360 px");
    // The verification page, as a stranger would open it from the QR code.
    let serial = href
        .trim_start_matches("/certificates/")
        .trim_end_matches("/pdf")
        .to_string();
    s.close().await;
    let anon = Browser::start_mobile(360, 740).await;
    anon.goto(&format!("{base}/C/{serial}")).await;
    let status = anon.wait_css("#certificate").await;
    assert_eq!(
        status.attr("data-status").await.unwrap().as_deref(),
        Some("valid")
    );
    assert!(
        anon.text("#certificate-learner")
            .await
            .contains(&app.student.name),
    );
    anon.close().await;

    // The admin re-issues it, then revokes the new one: each time the list says what was
    // done (once: a reload says nothing) and each row's state is its own.
    let a = Browser::start().await;
    a.sign_in(&base, &app.admin.email, &app.admin.password)
        .await;
    a.goto(&format!("{base}/admin/certificates")).await;
    let row = |serial: &str| format!("#certificates tr[data-serial='{serial}']");
    let state = |serial: String| {
        let a = &a;
        async move {
            a.wait_css(&format!("#certificates tr[data-serial='{serial}']"))
                .await
                .attr("data-state")
                .await
                .unwrap()
        }
    };
    assert_eq!(state(serial.clone()).await.as_deref(), Some("issued"));
    assert_eq!(a.text("#certificates-notice").await, "");
    a.click(&format!("{} form[action$='/reissue'] button", row(&serial)))
        .await;
    a.c.accept_alert().await.unwrap();
    let notice = a
        .wait_css("#certificates-notice")
        .await
        .text()
        .await
        .unwrap();
    assert!(notice.starts_with("Certificate re-issued"), "{notice}");
    assert_eq!(state(serial.clone()).await.as_deref(), Some("replaced"));
    let new = a
        .eval(
            "return document.querySelector(\"#certificates tr[data-state='issued']\").getAttribute('data-serial')",
        )
        .await
        .as_str()
        .unwrap()
        .to_string();
    a.fill(
        &format!("{} input[name=reason]", row(&new)),
        "Issued in error",
    )
    .await;
    a.click(&format!("{} .revoke-form button", row(&new))).await;
    a.wait_css(&format!("{}[data-state='revoked']", row(&new)))
        .await;
    let notice = a.text("#certificates-notice").await;
    assert!(notice.starts_with("Certificate revoked."), "{notice}");
    assert_eq!(state(serial.clone()).await.as_deref(), Some("replaced"));
    a.goto(&format!("{base}/admin/certificates")).await;
    a.wait_css("#certificates").await;
    assert_eq!(a.text("#certificates-notice").await, "", "shown once");
    a.close().await;
}
