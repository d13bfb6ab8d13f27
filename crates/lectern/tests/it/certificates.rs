//! Certificates end to end: issued once on completion, mailed with the PDF, downloadable
//! by its learner only, verifiable by anyone on the school's host, revoked and re-issued.

use lectern::accounts::Role;

use crate::support::courses::{add_lesson, lesson_ids, new_course, publish};
use crate::support::{TestApp, TestClient, TestUser};

/// Runs one of poppler's tools (installed by `.ci/run`) on `pdf`; returns its stdout and
/// the folder it may have written to.
fn poppler(tool: &str, pdf: &[u8], args: &[&str]) -> (Vec<u8>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new(tool)
        .args(args)
        .arg(&path)
        .args(if tool == "pdftotext" {
            &["-"][..]
        } else if tool == "pdftoppm" {
            &["page"][..]
        } else {
            &[][..]
        })
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils) is installed: {e}"));
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (out.stdout, dir)
}

/// The QR code printed on the certificate, decoded.
fn qr_of(pdf: &[u8]) -> String {
    let (_, dir) = poppler("pdftoppm", pdf, &["-png", "-r", "150", "-singlefile"]);
    let img = image::open(dir.path().join("page.png")).unwrap().to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(img);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the page");
    grids[0].decode().expect("the QR code decodes").1
}

/// The text of a PDF, by poppler's `pdftotext` (installed by `.ci/run`).
fn pdf_text(pdf: &[u8]) -> String {
    String::from_utf8_lossy(&poppler("pdftotext", pdf, &[]).0).into_owned()
}

/// A published course of one required document lesson with its certificate enabled (as
/// the instructor saves it), and `name`, enrolled, who completed it; the jobs have run.
/// Returns (course id, the instructor's client, the learner, the learner's client, lesson).
pub(crate) async fn completed_with_certificate(
    app: &TestApp,
    title: &str,
    name: &str,
    email: &str,
    settings: &[(&str, &str)],
) -> (i64, TestClient, TestUser, TestClient, i64) {
    let inst = app.signed_in(&app.instructor).await;
    let (course, slug) = new_course(&inst, title).await;
    add_lesson(
        &inst,
        course,
        "document",
        &[("title", "Read"), ("required", "on"), ("body", "Text")],
    )
    .await;
    publish(&inst, course).await;
    let doc = lesson_ids(&inst, course).await[0];
    let mut fields = vec![("enabled", "on")];
    fields.extend_from_slice(settings);
    inst.post_form(&format!("/teach/courses/{course}/certificate"), &fields)
        .await
        .assert_status(200);
    let learner = app
        .create_user(app.school.id, email, name, Role::Student)
        .await;
    let student = app.signed_in(&learner).await;
    student
        .post_form(&format!("/courses/{slug}/enroll"), &[])
        .await;
    student
        .post_form(&format!("/courses/{slug}/lessons/{doc}/complete"), &[])
        .await
        .assert_status(303);
    app.drain_jobs().await;
    app.drain_jobs().await;
    (course, inst, learner, student, doc)
}

db_test!(completing_a_course_issues_one_certificate_anyone_can_verify);
async fn completing_a_course_issues_one_certificate_anyone_can_verify(app: TestApp) {
    // Enabled without a title: refused, nothing saved.
    let inst = app.signed_in(&app.instructor).await;
    let (probe, _) = new_course(&inst, "Probe").await;
    let r = inst
        .post_form(
            &format!("/teach/courses/{probe}/certificate"),
            &[("enabled", "on"), ("title", " ")],
        )
        .await;
    r.assert_status(422);
    assert!(!r.texts("#title-error").is_empty(), "{}", r.text);
    let settings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM certificate_settings")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(settings, 0);

    let (course, inst, learner, student, doc) = completed_with_certificate(
        &app,
        "Safety <Basics>",
        "Zoë Łukasiewicz",
        "zoe@test.example",
        &[
            ("title", "Certificate of Completion"),
            ("signer_name", "Ada Lovelace"),
            ("signer_title", "Head of Training"),
        ],
    )
    .await;

    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT serial, state FROM certificates WHERE course_id = $1 AND user_id = $2",
    )
    .bind(course)
    .bind(learner.id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (serial, state) = rows[0].clone();
    assert_eq!(state, "issued");
    assert_eq!(serial.len(), 16);

    // Mailed once, with the PDF attached.
    let mails: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT to_addr, attachment_name FROM emails WHERE subject LIKE '%certificate%'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        mails,
        [(
            "zoe@test.example".to_string(),
            Some(format!("certificate-{serial}.pdf"))
        )]
    );

    // The learner downloads it; the PDF says who, what and where to check.
    let mine = student.get("/my/certificates").await;
    mine.assert_status(200);
    assert!(mine.text.contains(&serial));
    let pdf = student.get(&format!("/certificates/{serial}/pdf")).await;
    pdf.assert_status(200);
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    let text = pdf_text(&pdf.bytes);
    for want in [
        "Zoë Łukasiewicz",
        "Safety <Basics>",
        "Ada Lovelace",
        &serial,
    ] {
        assert!(text.contains(want), "{want:?} in {text}");
    }
    // The QR code is the verification page on the school's own host.
    assert_eq!(qr_of(&pdf.bytes), format!("{}/C/{serial}", app.base_url));
    let (info, _) = poppler("pdfinfo", &pdf.bytes, &[]);
    assert!(
        String::from_utf8_lossy(&info).contains("841.89 x 595.28"),
        "A4 landscape"
    );
    // The school prints on US Letter from now on.
    let admin = app.signed_in(&app.admin).await;
    admin
        .post_form("/admin/certificates/paper", &[("paper", "letter")])
        .await
        .assert_status(303);
    let letter = student.get(&format!("/certificates/{serial}/pdf")).await;
    let (info, _) = poppler("pdfinfo", &letter.bytes, &[]);
    let info = String::from_utf8_lossy(&info);
    assert!(info.contains("792 x 612"), "{info}");

    // Another student and another school's admin get nothing.
    let other = app
        .create_user(app.school.id, "o@test.example", "Other", Role::Student)
        .await;
    app.signed_in(&other)
        .await
        .get(&format!("/certificates/{serial}/pdf"))
        .await
        .assert_status(404);
    let school2 = app.other_school().await;
    school2
        .client()
        .get(&format!("/C/{serial}"))
        .await
        .assert_status(404);

    // Anyone may verify, in any case; no e-mail is shown.
    let anon = app.client();
    let page = anon.get(&format!("/C/{}", serial.to_lowercase())).await;
    page.assert_status(200);
    assert_eq!(
        page.attr("#certificate", "data-status").as_deref(),
        Some("valid")
    );
    assert_eq!(page.texts("#certificate-learner"), ["Zoë Łukasiewicz"]);
    assert!(!page.text.contains("zoe@test.example"));
    let unknown = anon.get("/C/0000000000000000").await;
    unknown.assert_status(404);
    assert_eq!(
        unknown.attr("#certificate", "data-status").as_deref(),
        Some("not-found")
    );

    // Un-completing the lesson (by hand here) leaves the issued certificate valid.
    inst.post_form(
        &format!(
            "/teach/courses/{course}/students/{}/lessons/{doc}",
            learner.id
        ),
        &[("decision", "incomplete"), ("reason", "Re-read required")],
    )
    .await
    .assert_status(303);
    app.drain_jobs().await;
    let page = anon.get(&format!("/C/{serial}")).await;
    assert_eq!(
        page.attr("#certificate", "data-status").as_deref(),
        Some("valid")
    );

    // The instructor rewords the certificate: what was issued stays as it was.
    inst.post_form(
        &format!("/teach/courses/{course}/certificate"),
        &[("enabled", "on"), ("title", "Certificate of Achievement")],
    )
    .await
    .assert_status(200);
    let again = pdf_text(
        &student
            .get(&format!("/certificates/{serial}/pdf"))
            .await
            .bytes,
    );
    assert!(again.contains("Ada Lovelace"), "{again}");
    assert!(!again.contains("Achievement"), "{again}");

    // The learner asks for a re-issue without a new name: refused. With one: a new serial
    // with the new name; the old page points to it.
    let reissue = format!("/certificates/{serial}/reissue");
    let same = student.post_form(&reissue, &[]).await;
    assert_eq!(
        same.status.as_u16(),
        400,
        "{:?} {}",
        same.location(),
        same.text
    );
    // The learner changes their name as anyone does, in the profile (a change written
    // behind the app's back would race the session cache's notification on PostgreSQL).
    student
        .post_form(
            "/profile",
            &[
                ("display_name", "Zoë Nowak"),
                ("email", &learner.email),
                ("timezone", "Europe/Berlin"),
                ("language", ""),
            ],
        )
        .await
        .assert_status(303);
    student.post_form(&reissue, &[]).await.assert_status(303);
    let new: String = sqlx::query_scalar(
        "SELECT serial FROM certificates WHERE course_id = $1 AND user_id = $2 AND replaced_by IS NULL",
    )
    .bind(course)
    .bind(learner.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_ne!(new, serial);
    let old = anon.get(&format!("/C/{serial}")).await;
    assert_eq!(
        old.attr("#certificate", "data-status").as_deref(),
        Some("replaced")
    );
    assert_eq!(old.texts("#replaced-by"), std::slice::from_ref(&new));
    let fresh = anon.get(&format!("/C/{new}")).await;
    assert_eq!(
        fresh.attr("#certificate", "data-status").as_deref(),
        Some("valid")
    );
    assert_eq!(fresh.texts("#certificate-learner"), ["Zoë Nowak"]);
    let renewed = pdf_text(&student.get(&format!("/certificates/{new}/pdf")).await.bytes);
    assert!(
        renewed.contains("Zoë Nowak") && renewed.contains("Ada Lovelace"),
        "{renewed}"
    );

    // Revoke needs a reason; then the page says revoked, and why; the learner is told, and
    // a revoked certificate can't be re-issued (that would undo the revocation).
    let revoke = format!("/admin/certificates/{new}/revoke");
    admin
        .post_form(&revoke, &[("reason", "")])
        .await
        .assert_status(422);
    admin
        .post_form(&revoke, &[("reason", "Issued in error")])
        .await
        .assert_status(303);
    let page = anon.get(&format!("/C/{new}")).await;
    assert_eq!(
        page.attr("#certificate", "data-status").as_deref(),
        Some("revoked")
    );
    assert_eq!(page.texts("#revoked-reason"), ["Issued in error"]);
    let told: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM emails WHERE to_addr = 'zoe@test.example' AND subject LIKE '%revoked%'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(told, 1);
    admin
        .post_form(&format!("/admin/certificates/{new}/reissue"), &[])
        .await
        .assert_status(400);
    student
        .post_form(&format!("/certificates/{new}/reissue"), &[])
        .await
        .assert_status(400);
    let mine = student.get("/my/certificates").await;
    assert_eq!(mine.texts(".certificate-revoked").len(), 1, "{}", mine.text);
    assert!(
        !mine.text.contains("linkedin.com"),
        "no LinkedIn link for a revoked one"
    );
    let page = anon.get(&format!("/C/{new}")).await;
    assert_eq!(
        page.attr("#certificate", "data-status").as_deref(),
        Some("revoked")
    );
}

db_test!(a_name_no_font_covers_leaves_the_certificate_pending_for_the_admin);
async fn a_name_no_font_covers_leaves_the_certificate_pending_for_the_admin(app: TestApp) {
    // A private-use character: no font has a glyph for it.
    let (course, inst, learner, student, _) = completed_with_certificate(
        &app,
        "Fonts",
        "Pat \u{10FFFD}",
        "pua@test.example",
        &[("title", "Certificate")],
    )
    .await;
    let (serial, state, error): (String, String, Option<String>) =
        sqlx::query_as("SELECT serial, state, last_error FROM certificates WHERE user_id = $1")
            .bind(learner.id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(state, "pending");
    assert!(
        error.as_deref().unwrap_or_default().contains("U+10FFFD"),
        "{error:?}"
    );
    // The completion stands; nothing was mailed; the admin sees why.
    let done: Option<i64> = sqlx::query_scalar(
        "SELECT completed_at FROM enrollments WHERE course_id = $1 AND user_id = $2",
    )
    .bind(course)
    .bind(learner.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(done.is_some());
    let mails: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM emails WHERE to_addr = $1")
        .bind("pua@test.example")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(mails, 0);
    let admin = app.signed_in(&app.admin).await;
    let list = admin.get("/admin/certificates").await;
    assert_eq!(
        list.attr(&format!("tr[data-serial='{serial}']"), "data-state")
            .as_deref(),
        Some("pending")
    );
    assert!(!list.texts(".certificate-error").is_empty());
    let page = app.client().get(&format!("/C/{serial}")).await;
    assert_eq!(
        page.attr("#certificate", "data-status").as_deref(),
        Some("pending")
    );
    student
        .get(&format!("/certificates/{serial}/pdf"))
        .await
        .assert_status(503);
    // A course text no font covers is refused when the instructor saves it.
    let r = inst
        .post_form(
            &format!("/teach/courses/{course}/certificate"),
            &[("enabled", "on"), ("title", "Certificate \u{10FFFD}")],
        )
        .await;
    r.assert_status(422);
    assert!(!r.texts("#title-error").is_empty());
}

db_test!(the_verification_page_is_rate_limited_per_client);
async fn the_verification_page_is_rate_limited_per_client(app: TestApp) {
    let (_, _, _, _, _) = completed_with_certificate(
        &app,
        "Limits",
        "Val Id",
        "val@test.example",
        &[("title", "Certificate")],
    )
    .await;
    let serial: String = sqlx::query_scalar("SELECT serial FROM certificates")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let c = app.client();
    // Checking a real certificate again and again costs nothing.
    for _ in 0..70 {
        c.get(&format!("/C/{serial}")).await.assert_status(200);
    }
    // Unknown serials: 60 a minute, then refused...
    for i in 0..60 {
        let r = c.get(&format!("/C/{i:016}")).await;
        assert_eq!(r.status.as_u16(), 404, "lookup {i}");
    }
    let r = c.get("/C/ZZZZZZZZZZZZZZZZ").await;
    r.assert_status(429);
    assert!(r.header("retry-after").is_some());
    // ...and then a real one is refused too: a 200 would tell a hit from a miss.
    c.get(&format!("/C/{serial}")).await.assert_status(429);
}

/// `page` just after a redirect to it: the page and its one-time notices; asked again it
/// shows none.
async fn notices_once(
    c: &crate::support::TestClient,
    page: &str,
) -> (crate::support::Resp, Vec<String>) {
    let first = c.get(page).await;
    let notices = first.texts("#certificates-notice");
    let again = c.get(page).await.texts("#certificates-notice");
    assert!(again.is_empty(), "shown again: {again:?}");
    (first, notices)
}

db_test!(the_admin_list_says_once_what_was_done_and_each_rows_state);
async fn the_admin_list_says_once_what_was_done_and_each_rows_state(app: TestApp) {
    const LIST: &str = "/admin/certificates";
    let (_, _, learner, student, _) = completed_with_certificate(
        &app,
        "Notices",
        "Ada Lovelace",
        "ada@test.example",
        &[("title", "Certificate")],
    )
    .await;
    let current = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT serial FROM certificates WHERE user_id = $1 AND replaced_by IS NULL",
        )
        .bind(learner.id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
    };
    let first = current().await;
    let admin = app.signed_in(&app.admin).await;
    let state = |page: &crate::support::Resp, serial: &str| {
        page.attr(
            &format!("#certificates tr[data-serial='{serial}']"),
            "data-state",
        )
    };
    let list = admin.get(LIST).await;
    assert_eq!(state(&list, &first).as_deref(), Some("issued"));
    assert!(list.texts("#certificates-notice").is_empty());

    // Re-issued: the list says so once; the old row is replaced, the new one issued.
    admin
        .post_form(&format!("{LIST}/{first}/reissue"), &[])
        .await
        .assert_redirect_to(LIST);
    app.drain_jobs().await;
    let second = current().await;
    assert_ne!(second, first);
    let (list, notices) = notices_once(&admin, LIST).await;
    assert_eq!(
        notices,
        [
            "Certificate re-issued with the learner's current name; the old number now shows “replaced”."
        ]
    );
    assert_eq!(state(&list, &first).as_deref(), Some("replaced"));
    assert_eq!(state(&list, &second).as_deref(), Some("issued"));

    // Revoked: said once, and the row says revoked (its stored state is still "issued").
    admin
        .post_form(
            &format!("{LIST}/{second}/revoke"),
            &[("reason", "Issued in error")],
        )
        .await
        .assert_redirect_to(LIST);
    let (list, notice) = notices_once(&admin, LIST).await;
    assert_eq!(notice.len(), 1, "{}", list.text);
    assert!(notice[0].starts_with("Certificate revoked."), "{notice:?}");
    assert_eq!(state(&list, &second).as_deref(), Some("revoked"));
    assert_eq!(state(&list, &first).as_deref(), Some("replaced"));
    // The learner's own list (the replaced one is not on it) tells the same state.
    let mine = student.get("/my/certificates").await;
    assert_eq!(
        mine.attr(&format!("article[data-serial='{second}']"), "data-state")
            .as_deref(),
        Some("revoked"),
        "{}",
        mine.text
    );

    // A certificate whose validity ran out: expired.
    let (_, _, other, _, _) = completed_with_certificate(
        &app,
        "Expiring",
        "Bo Brown",
        "bo@test.example",
        &[("title", "Certificate"), ("validity_months", "1")],
    )
    .await;
    let (serial, expires): (String, Option<i64>) =
        sqlx::query_as("SELECT serial, expires_at FROM certificates WHERE user_id = $1")
            .bind(other.id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(expires.is_some());
    assert_eq!(
        state(&admin.get(LIST).await, &serial).as_deref(),
        Some("issued")
    );
    sqlx::query("UPDATE certificates SET expires_at = $1 WHERE serial = $2")
        .bind(app.db.now_ms() - 1_000)
        .bind(&serial)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(
        state(&admin.get(LIST).await, &serial).as_deref(),
        Some("expired")
    );

    // The paper form says it saved, once.
    admin
        .post_form(&format!("{LIST}/paper"), &[("paper", "letter")])
        .await
        .assert_redirect_to(LIST);
    assert_eq!(
        notices_once(&admin, LIST).await.1,
        ["Paper saved; certificates are printed on it from now on."]
    );
}
