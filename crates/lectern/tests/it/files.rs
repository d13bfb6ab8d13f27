//! Uploaded files: lesson videos, documents and attachments, covers, the school's logo.
//! Uploads stream to storage (a folder, or a real S3-protocol server), downloads serve
//! ranges and conditional requests or redirect to presigned URLs, every file route holds
//! its access rules, bad input is refused with a clear message and leaves nothing behind,
//! and deletion and the sweep remove what is no longer anyone's.

use std::time::Duration;

use lectern::db::SchoolId;
use object_store::ObjectStoreExt;
use reqwest::Method;

use crate::support::courses::published_course;
use crate::support::{TestApp, TestAppBuilder, TestClient, eventually};

/// A course through the editor with one lesson of `kind`, published; the student is
/// enrolled. Returns (instructor's client, course id, slug, lesson id).
async fn course_with(app: &TestApp, kind: &str) -> (TestClient, i64, String, i64) {
    let mut fields = vec![("title", "The lesson"), ("body", "")];
    if kind == "external_link" {
        fields.push(("url", "https://example.com/"));
    }
    let made = published_course(app, "Files course", &[(kind, fields)]).await;
    let s = app.signed_in(&app.student).await;
    s.post_form(&format!("/courses/{}/enroll", made.slug), &[])
        .await;
    (made.instructor, made.id, made.slug, made.lessons[0])
}

/// POSTs `bytes` as an upload, like the editor's widget (CSRF header, percent-encoded name).
pub(crate) async fn upload(
    c: &TestClient,
    path: &str,
    name: &str,
    bytes: Vec<u8>,
) -> crate::support::Resp {
    let token = c.csrf_for("/").await;
    let rb = c
        .request(Method::POST, path)
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

/// [`upload`] from a browser that asks for `accept_language`.
async fn upload_asking(
    c: &TestClient,
    path: &str,
    bytes: Vec<u8>,
    accept_language: &str,
) -> crate::support::Resp {
    let token = c.csrf_for("/").await;
    let rb = c
        .request(Method::POST, path)
        .header("x-csrf-token", token)
        .header("x-file-name", "logo.png")
        .header("accept-language", accept_language)
        .header("content-type", "application/octet-stream")
        .body(bytes);
    c.send(rb).await
}

fn lesson_upload(course: i64, lesson: i64, purpose: &str) -> String {
    format!("/api/teach/courses/{course}/lessons/{lesson}/files?purpose={purpose}")
}

/// An MP4 (its `ftyp` box, then bytes whose every position is recognisable).
fn mp4(len: usize) -> Vec<u8> {
    let mut v = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom".to_vec();
    let mut i = 0u32;
    while v.len() < len {
        v.push((i % 251) as u8);
        i += 1;
    }
    v
}

pub(crate) fn pdf() -> Vec<u8> {
    let mut v = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n".to_vec();
    v.extend(std::iter::repeat_n(b'%', 2000));
    v.extend_from_slice(b"\n%%EOF\n");
    v
}

pub(crate) fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(w, h, image::Rgba([200, 30, 30, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn rows(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM files").await
}

async fn objects(app: &TestApp) -> Vec<String> {
    app.stored_objects().await
}

fn json(r: &crate::support::Resp) -> serde_json::Value {
    serde_json::from_str(&r.text).unwrap_or_else(|_| panic!("JSON body: {}", r.text))
}

db_test!(a_video_streams_up_and_plays_back_with_ranges);
async fn a_video_streams_up_and_plays_back_with_ranges(app: TestApp) {
    let (t, course, slug, lesson) = course_with(&app, "video").await;
    let bytes = mp4(300_000);
    let r = upload(
        &t,
        &lesson_upload(course, lesson, "video"),
        "Intro – Woche 1.mp4",
        bytes.clone(),
    )
    .await;
    r.assert_status(200);
    let file = json(&r);
    assert_eq!(file["content_type"], "video/mp4");
    assert_eq!(file["size"], 300_000);
    assert_eq!(file["name"], "Intro – Woche 1.mp4");
    let url = file["url"].as_str().unwrap().to_string();
    assert!(url.starts_with(&format!("/courses/{slug}/lessons/{lesson}/files/")));

    // The student's player plays it, with watch reports.
    let s = app.signed_in(&app.student).await;
    let page = s.get(&format!("/courses/{slug}/lessons/{lesson}")).await;
    page.assert_status(200);
    assert_eq!(
        page.attr("#lesson-video", "src").as_deref(),
        Some(url.as_str())
    );
    assert!(page.attr("#lesson-video", "data-watch-url").is_some());

    let whole = s.get(&url).await;
    whole.assert_status(200);
    assert_eq!(whole.bytes.as_slice(), bytes.as_slice());
    assert_eq!(whole.header("content-type"), Some("video/mp4"));
    assert_eq!(whole.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));
    assert!(
        whole
            .header("content-disposition")
            .unwrap()
            .starts_with("inline; ")
    );
    assert!(
        whole
            .header("content-disposition")
            .unwrap()
            .contains("filename*=UTF-8''Intro%20%E2%80%93%20Woche%201%2Emp4")
    );
    let etag = whole.header("etag").unwrap().to_string();
    let modified = whole.header("last-modified").unwrap().to_string();

    for (range, start, end) in [
        ("bytes=0-99", 0usize, 99usize),
        ("bytes=150000-150099", 150_000, 150_099),
        ("bytes=-100", 299_900, 299_999),
    ] {
        let r = s
            .send(s.request(Method::GET, &url).header("range", range))
            .await;
        r.assert_status(206);
        assert_eq!(r.bytes.as_slice(), &bytes[start..=end], "{range}");
        assert_eq!(
            r.header("content-range").unwrap(),
            format!("bytes {start}-{end}/300000")
        );
    }
    let r = s
        .send(
            s.request(Method::GET, &url)
                .header("range", "bytes=400000-"),
        )
        .await;
    r.assert_status(416);
    assert_eq!(r.header("content-range"), Some("bytes */300000"));
    // A range of a version the client no longer has: the whole (new) file.
    let r = s
        .send(
            s.request(Method::GET, &url)
                .header("range", "bytes=0-9")
                .header("if-range", "\"stale\""),
        )
        .await;
    r.assert_status(200);

    let r = s
        .send(
            s.request(Method::GET, &url)
                .header("if-none-match", etag.as_str()),
        )
        .await;
    r.assert_status(304);
    assert!(r.bytes.is_empty());
    let r = s
        .send(
            s.request(Method::GET, &url)
                .header("if-modified-since", modified.as_str()),
        )
        .await;
    r.assert_status(304);

    let r = s.get(&format!("{url}?download=1")).await;
    r.assert_status(200);
    assert!(
        r.header("content-disposition")
            .unwrap()
            .starts_with("attachment; ")
    );

    // Watched share: ranges merged, rewatching counted once.
    let watch = format!("/api/courses/{slug}/lessons/{lesson}/watch");
    let token = s.csrf_for("/").await;
    for body in [
        r#"{"duration": 100, "ranges": [[0, 40]]}"#,
        r#"{"duration": 100, "ranges": [[20, 60], [80, 90]]}"#,
    ] {
        let r = s
            .send(
                s.request(Method::POST, &watch)
                    .header("x-csrf-token", token.as_str())
                    .header("content-type", "application/json")
                    .body(body),
            )
            .await;
        r.assert_status(200);
    }
    let share: f64 = sqlx::query_scalar::<_, i64>("SELECT watched_ms FROM video_watch")
        .fetch_one(&app.db.pool)
        .await
        .unwrap() as f64
        / 100_000.0;
    assert!((share - 0.7).abs() < 0.001, "watched share {share}");
    let page = s.get(&format!("/courses/{slug}/lessons/{lesson}")).await;
    assert!(
        page.texts("#watched-share")[0].contains("70 %"),
        "{:?}",
        page.texts("#watched-share")
    );
    for bad in [
        r#"{"duration": -1, "ranges": []}"#,
        r#"{"duration": 100, "ranges": [[50, 10]]}"#,
        "nonsense",
    ] {
        let r = s
            .send(
                s.request(Method::POST, &watch)
                    .header("x-csrf-token", token.as_str())
                    .header("content-type", "application/json")
                    .body(bad),
            )
            .await;
        assert!(
            matches!(r.status.as_u16(), 400 | 422),
            "{bad}: {}",
            r.status
        );
    }
}

db_test!(watch_reports_on_a_completed_video_leave_its_completion_to_the_rule_job);
async fn watch_reports_on_a_completed_video_leave_its_completion_to_the_rule_job(app: TestApp) {
    let (t, course, slug, lesson) = course_with(&app, "video").await;
    upload(
        &t,
        &lesson_upload(course, lesson, "video"),
        "v.mp4",
        mp4(10_000),
    )
    .await
    .assert_status(200);
    let s = app.signed_in(&app.student).await;
    let watch = format!("/api/courses/{slug}/lessons/{lesson}/watch");
    let token = s.csrf_for("/").await;
    let report = |ranges: &'static str| {
        let (s, watch, token) = (&s, &watch, &token);
        async move {
            let r = s
                .send(
                    s.request(Method::POST, watch)
                        .header("x-csrf-token", token.as_str())
                        .header("content-type", "application/json")
                        .body(format!(r#"{{"duration": 100, "ranges": {ranges}}}"#)),
                )
                .await;
            r.assert_status(200);
            json(&r)["completed"].as_bool().unwrap()
        }
    };
    let progress = || async { app.scalar("SELECT COUNT(*) FROM lesson_progress").await };
    let audit = || async {
        app.scalar("SELECT COUNT(*) FROM completion_audit WHERE lesson_id IS NOT NULL")
            .await
    };
    // 95 % of the default 90 %: this report completes the lesson.
    assert!(report("[[0, 95]]").await);
    assert_eq!((progress().await, audit().await), (1, 1));

    // The rule becomes 100 %; its job has not run yet. Rewatching reports change nothing:
    // the job, not a report, applies the new rule.
    let editor = format!("/teach/courses/{course}/lessons/{lesson}");
    let rule_token = t.csrf_for(&editor).await;
    t.post_form_raw(
        &format!("{editor}/completion"),
        &[
            ("_csrf", rule_token.as_str()),
            ("rule", "watched"),
            ("percent", "100"),
            ("confirm", "1"),
            ("previewed", "watched:100:false:0"),
        ],
    )
    .await
    .assert_status(303);
    assert!(!report("[[95, 96]]").await);
    assert_eq!(
        (progress().await, audit().await),
        (1, 1),
        "a report on a completed lesson re-evaluates nothing"
    );
    app.drain_jobs().await;
    assert_eq!(
        (progress().await, audit().await),
        (0, 2),
        "the job un-completes"
    );
    // Not complete: reports are evaluated again, and the rest of the video completes it.
    assert!(report("[[96, 100]]").await);
    assert_eq!((progress().await, audit().await), (1, 3));
}

db_test!(s3_downloads_redirect_to_presigned_urls);
async fn s3_downloads_redirect_to_presigned_urls(b: TestAppBuilder) {
    let app = b.with_s3().start().await;
    let (t, course, slug, lesson) = course_with(&app, "document").await;
    let bytes = pdf();
    let r = upload(
        &t,
        &lesson_upload(course, lesson, "document"),
        "Skript.pdf",
        bytes.clone(),
    )
    .await;
    r.assert_status(200);
    let url = json(&r)["url"].as_str().unwrap().to_string();
    assert_eq!(objects(&app).await.len(), 1);

    let s = app.signed_in(&app.student).await;
    let page = s.get(&format!("/courses/{slug}/lessons/{lesson}")).await;
    assert_eq!(
        page.attr("#lesson-document", "src").as_deref(),
        Some(url.as_str())
    );
    let r = s.get(&url).await;
    r.assert_status(307);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let presigned = r.location().unwrap().to_string();
    let endpoint = &app.s3.as_ref().unwrap().endpoint;
    assert!(presigned.starts_with(endpoint.as_str()), "{presigned}");
    assert!(presigned.contains("X-Amz-Signature="), "{presigned}");
    assert!(presigned.contains("X-Amz-Expires=300"), "{presigned}");
    // The bytes come from the S3 server, with our type and name.
    let http = reqwest::Client::new();
    let got = http.get(&presigned).send().await.unwrap();
    assert_eq!(got.status(), 200);
    assert_eq!(got.headers()["content-type"], "application/pdf");
    assert!(
        got.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("Skript.pdf")
    );
    assert_eq!(got.bytes().await.unwrap().as_ref(), bytes.as_slice());
    let part = http
        .get(&presigned)
        .header("range", "bytes=0-7")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.bytes().await.unwrap().as_ref(), b"%PDF-1.4");

    // The S3 server goes away: uploads say "try again" and change nothing.
    let mut app = app;
    app.s3.as_mut().unwrap().kill();
    let r = upload(
        &t,
        &lesson_upload(course, lesson, "attachment"),
        "more.pdf",
        pdf(),
    )
    .await;
    r.assert_status(503);
    assert!(
        json(&r)["detail"].as_str().unwrap().contains("Try again"),
        "{}",
        r.text
    );
    let page = s.get(&format!("/courses/{slug}/lessons/{lesson}")).await;
    page.assert_status(200);
    assert_eq!(
        page.attr("#lesson-document", "src").as_deref(),
        Some(url.as_str())
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM files WHERE state = 'ready'")
            .await,
        1
    );
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM files WHERE purpose = 'attachment'")
            .await,
        0
    );
}

db_test!(s3_deleting_a_lesson_deletes_its_objects);
async fn s3_deleting_a_lesson_deletes_its_objects(b: TestAppBuilder) {
    let app = b.with_s3().start().await;
    let (t, course, _slug, lesson) = course_with(&app, "video").await;
    upload(
        &t,
        &lesson_upload(course, lesson, "video"),
        "v.mp4",
        mp4(50_000),
    )
    .await
    .assert_status(200);
    upload(
        &t,
        &lesson_upload(course, lesson, "attachment"),
        "a.pdf",
        pdf(),
    )
    .await
    .assert_status(200);
    assert_eq!(objects(&app).await.len(), 2);
    t.post_form(
        &format!("/teach/courses/{course}/lessons/{lesson}/delete"),
        &[],
    )
    .await
    .assert_redirect_to(&format!("/teach/courses/{course}"));
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM files WHERE state = 'deleting'")
            .await,
        2
    );
    app.drain_jobs().await;
    assert!(objects(&app).await.is_empty());
    assert_eq!(rows(&app).await, 0);
}

db_test!(every_file_route_holds_its_access_rules);
async fn every_file_route_holds_its_access_rules(app: TestApp) {
    let (t, course, slug, lesson) = course_with(&app, "document").await;
    let r = upload(
        &t,
        &lesson_upload(course, lesson, "document"),
        "doc.pdf",
        pdf(),
    )
    .await;
    r.assert_status(200);
    let url = json(&r)["url"].as_str().unwrap().to_string();
    let file_id = json(&r)["id"].as_i64().unwrap();

    // Enrolled student and the course's instructor read it.
    app.signed_in(&app.student)
        .await
        .get(&url)
        .await
        .assert_status(200);
    t.get(&url).await.assert_status(200);
    // Anonymous: sign in first.
    app.client().get(&url).await.assert_redirect_to("/signin");
    // A student of the school who is not enrolled.
    let other_student = app
        .create_user(
            app.school.id,
            "unenrolled@test.example",
            "Una Enrolled",
            lectern::accounts::Role::Student,
        )
        .await;
    let u = app.signed_in(&other_student).await;
    u.get(&url).await.assert_status(403);
    // Another course's instructor.
    let other_teacher = app
        .create_user(
            app.school.id,
            "teacher2@test.example",
            "Theo Other",
            lectern::accounts::Role::Instructor,
        )
        .await;
    let o = app.signed_in(&other_teacher).await;
    o.get(&url).await.assert_status(403);
    for c in [&u, &o] {
        let r = upload(
            c,
            &lesson_upload(course, lesson, "attachment"),
            "x.pdf",
            pdf(),
        )
        .await;
        r.assert_status(403);
        let r = upload(
            c,
            &format!("/api/teach/courses/{course}/cover"),
            "c.png",
            png(10, 10),
        )
        .await;
        r.assert_status(403);
        c.post_form(
            &format!("/teach/courses/{course}/lessons/{lesson}/files/{file_id}/delete"),
            &[],
        )
        .await
        .assert_status(403);
    }
    let anon = app.client();
    upload(
        &anon,
        &lesson_upload(course, lesson, "attachment"),
        "x.pdf",
        pdf(),
    )
    .await
    .assert_status(401);
    // Removing a cover or the logo, and reporting a video's progress, hold the same walls.
    for c in [&u, &o] {
        c.post_form(&format!("/teach/courses/{course}/cover/remove"), &[])
            .await
            .assert_status(403);
        c.post_form("/admin/school/logo/remove", &[])
            .await
            .assert_status(403);
        let token = c.csrf_for("/").await;
        let r = c
            .send(
                c.request(
                    Method::POST,
                    &format!("/api/courses/{slug}/lessons/{lesson}/watch"),
                )
                .header("x-csrf-token", token)
                .header("content-type", "application/json")
                .body(r#"{"duration": 10, "ranges": [[0, 5]]}"#),
            )
            .await;
        r.assert_status(403);
    }
    anon.post_form("/admin/school/logo/remove", &[])
        .await
        .assert_redirect_to("/signin");
    // The file's id under another lesson of the course is not there.
    let r = u
        .get(&url.replace(
            &format!("/lessons/{lesson}/"),
            &format!("/lessons/{}/", lesson + 1000),
        ))
        .await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.status);

    // Another school's admin, on its own host: the course, the file and the upload do
    // not exist there.
    let other = app.other_school().await;
    let oa = other.signed_in(&other.admin).await;
    oa.get(&url).await.assert_status(404);
    upload(
        &oa,
        &lesson_upload(course, lesson, "attachment"),
        "x.pdf",
        pdf(),
    )
    .await
    .assert_status(404);
    oa.post_form(
        &format!("/teach/courses/{course}/lessons/{lesson}/files/{file_id}/delete"),
        &[],
    )
    .await
    .assert_status(404);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM files WHERE state = 'ready'")
            .await,
        1
    );

    // Logos are public on their school's host only.
    let admin = app.signed_in(&app.admin).await;
    let r = upload(&admin, "/api/admin/school/logo", "logo.png", png(40, 20)).await;
    r.assert_status(200);
    let logo = json(&r)["url"].as_str().unwrap().to_string();
    app.client().get(&logo).await.assert_status(200);
    other.client().get(&logo).await.assert_status(404);
    // Students can't brand the school; another school's admin can't either.
    upload(
        &app.signed_in(&app.student).await,
        "/api/admin/school/logo",
        "l.png",
        png(4, 4),
    )
    .await
    .assert_status(403);
    // A lesson's file is not public media.
    app.client()
        .get(&format!("/media/{file_id}/doc.pdf"))
        .await
        .assert_status(404);
}

db_test!(bad_uploads_are_refused_and_leave_nothing);
async fn bad_uploads_are_refused_and_leave_nothing(b: TestAppBuilder) {
    let app = b.env("LECTERN_UPLOAD_MAX_FILE", "64KiB").start().await;
    let (t, course, _slug, lesson) = course_with(&app, "document").await;
    let doc = lesson_upload(course, lesson, "document");

    // A program renamed to .pdf.
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
    elf.resize(4096, 0);
    let r = upload(&t, &doc, "syllabus.pdf", elf).await;
    r.assert_status(415);
    assert!(
        json(&r)["detail"].as_str().unwrap().contains("program"),
        "{}",
        r.text
    );
    // A video where a document belongs.
    let r = upload(&t, &doc, "talk.pdf", mp4(10_000)).await;
    r.assert_status(415);
    assert!(
        json(&r)["detail"].as_str().unwrap().contains("PDF"),
        "{}",
        r.text
    );
    // HTML, whatever its name.
    let r = upload(
        &t,
        &lesson_upload(course, lesson, "attachment"),
        "notes.txt",
        b"<html><script>alert(1)</script></html>".to_vec(),
    )
    .await;
    r.assert_status(415);
    // Over the limit: refused by its announced length, in words.
    let r = upload(&t, &doc, "big.pdf", {
        let mut v = pdf();
        v.resize(100_000, b'%');
        v
    })
    .await;
    r.assert_status(413);
    let detail = json(&r)["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("64 KiB"), "{detail}");
    // Without a length (chunked), the limit stops it while it streams.
    let token = t.csrf_for("/").await;
    let chunks = futures_util::stream::iter((0..40).map(|i| {
        let mut c = if i == 0 { pdf() } else { Vec::new() };
        c.resize(4096, b'%');
        Ok::<_, std::io::Error>(c)
    }));
    let r = t
        .send(
            t.request(Method::POST, &doc)
                .header("x-csrf-token", token)
                .header("x-file-name", "stream.pdf")
                .body(reqwest::Body::wrap_stream(chunks)),
        )
        .await;
    r.assert_status(413);
    assert!(
        json(&r)["detail"]
            .as_str()
            .unwrap()
            .contains("at most 64 KiB"),
        "{}",
        r.text
    );
    // Empty, and a purpose the lesson does not take.
    upload(&t, &doc, "empty.pdf", Vec::new())
        .await
        .assert_status(400);
    upload(
        &t,
        &lesson_upload(course, lesson, "video"),
        "v.mp4",
        mp4(1000),
    )
    .await
    .assert_status(400);
    // An SVG logo.
    let admin = app.signed_in(&app.admin).await;
    let r = upload(
        &admin,
        "/api/admin/school/logo",
        "logo.png",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
    )
    .await;
    r.assert_status(415);
    assert!(
        json(&r)["detail"].as_str().unwrap().contains("SVG"),
        "{}",
        r.text
    );
    // A damaged image.
    let mut broken = png(50, 50);
    broken.truncate(60);
    upload(&admin, "/api/admin/school/logo", "logo.png", broken)
        .await
        .assert_status(415);
    assert_eq!(rows(&app).await, 0);
    assert!(objects(&app).await.is_empty());

    // The quota: what would exceed it is refused with the figures.
    lectern::files::set_quota(&app.db, SchoolId(app.school.id), Some(3_000))
        .await
        .unwrap();
    let r = upload(&t, &doc, "fits.pdf", pdf()).await;
    r.assert_status(200);
    let r = upload(
        &t,
        &lesson_upload(course, lesson, "attachment"),
        "more.pdf",
        pdf(),
    )
    .await;
    r.assert_status(413);
    let detail = json(&r)["detail"].as_str().unwrap().to_string();
    assert!(
        detail.contains("Not enough storage left") && detail.contains("uses 2 KiB of its 2.9 KiB"),
        "{detail}"
    );
    assert_eq!(rows(&app).await, 1);
    assert_eq!(objects(&app).await.len(), 1);
}

db_test!(a_refused_upload_says_why_in_the_uploaders_language);
async fn a_refused_upload_says_why_in_the_uploaders_language(b: TestAppBuilder) {
    let app = b.env("LECTERN_UPLOAD_MAX_FILE", "64KiB").start().await;
    // The instructor chose German in their profile; the admin chose nothing (their
    // browser's Accept-Language decides).
    sqlx::query("UPDATE users SET language = 'de' WHERE id = $1")
        .bind(app.instructor.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let (t, course, _slug, lesson) = course_with(&app, "document").await;
    let doc = lesson_upload(course, lesson, "document");
    let detail = |r: &crate::support::Resp| json(r)["detail"].as_str().unwrap().to_string();

    // Too large, by its announced length: the sizes as German writes them.
    let r = upload(&t, &doc, "big.pdf", {
        let mut v = pdf();
        v.resize(100_000, b'%');
        v
    })
    .await;
    r.assert_status(413);
    assert_eq!(
        detail(&r),
        "Diese Datei ist 97,7 KiB groß; Dateien dürfen höchstens 64 KiB groß sein."
    );
    // A program, and a video where a document belongs: why, and what to upload instead.
    let mut elf = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0".to_vec();
    elf.resize(4096, 0);
    let r = upload(&t, &doc, "syllabus.pdf", elf).await;
    r.assert_status(415);
    assert_eq!(
        detail(&r),
        "Diese Datei ist ein Programm, kein Dokument; laden Sie ein PDF, eine Word-, Excel- oder PowerPoint-Datei, eine OpenDocument-Datei oder reinen Text hoch."
    );
    // A program on the video uploader: refused as not a video, not as "not a document".
    let (tv, video_course, _, video_lesson) = course_with(&app, "video").await;
    let mut exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
    exe.resize(4096, 0);
    let r = upload(
        &tv,
        &lesson_upload(video_course, video_lesson, "video"),
        "welcome.mp4",
        exe,
    )
    .await;
    r.assert_status(415);
    assert_eq!(
        detail(&r),
        "Diese Datei ist ein Programm, kein Video; laden Sie ein MP4- oder WebM-Video hoch."
    );
    let r = upload(&t, &doc, "talk.pdf", mp4(10_000)).await;
    r.assert_status(415);
    assert!(
        detail(&r).starts_with("Diese Art von Datei wird hier nicht angenommen; laden Sie"),
        "{}",
        r.text
    );
    let r = upload(&t, &doc, "empty.pdf", Vec::new()).await;
    r.assert_status(400);
    assert_eq!(detail(&r), "Die Datei ist leer.");

    // A damaged image and an SVG logo, in the language the admin's browser asks for.
    let admin = app.signed_in(&app.admin).await;
    let mut broken = png(50, 50);
    broken.truncate(60);
    let r = upload_asking(&admin, "/api/admin/school/logo", broken, "fr-CA,fr;q=0.9").await;
    r.assert_status(415);
    assert_eq!(
        detail(&r),
        "Cette image n’a pas pu être lue (elle est peut-être endommagée, ou fait plus de 12000 pixels de côté)\u{a0}; téléversez une image PNG, JPEG, WebP ou GIF."
    );
    let r = upload_asking(
        &admin,
        "/api/admin/school/logo",
        b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>".to_vec(),
        "es",
    )
    .await;
    r.assert_status(415);
    assert_eq!(
        detail(&r),
        "Aquí no se aceptan archivos SVG ni HTML (pueden contener scripts); sube una imagen PNG, JPEG, WebP o GIF."
    );
    assert_eq!(rows(&app).await, 0);

    // The quota's figures, in German.
    lectern::files::set_quota(&app.db, SchoolId(app.school.id), Some(3_000))
        .await
        .unwrap();
    upload(&t, &doc, "fits.pdf", pdf()).await.assert_status(200);
    let r = upload(
        &t,
        &lesson_upload(course, lesson, "attachment"),
        "more.pdf",
        pdf(),
    )
    .await;
    r.assert_status(413);
    assert!(
        detail(&r).starts_with(
            "Für diese Datei ist nicht genug Speicherplatz übrig: Die Schule belegt 2 KiB von 2,9 KiB"
        ),
        "{}",
        r.text
    );
}

db_test!(an_interrupted_upload_leaves_no_file_and_no_row);
async fn an_interrupted_upload_leaves_no_file_and_no_row(app: TestApp) {
    use tokio::io::AsyncWriteExt;
    let (t, course, _slug, lesson) = course_with(&app, "video").await;
    let token = t.csrf_for("/").await;
    let cookies = format!(
        "{}={}; {}={}",
        lectern::accounts::sessions::csrf_cookie_name(false),
        t.cookie(lectern::accounts::sessions::csrf_cookie_name(false))
            .unwrap(),
        lectern::accounts::sessions::cookie_name(false),
        t.cookie(lectern::accounts::sessions::cookie_name(false))
            .unwrap(),
    );
    let mut sock = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nCookie: {cookies}\r\nx-csrf-token: {token}\r\nx-file-name: v.mp4\r\nContent-Type: application/octet-stream\r\nContent-Length: 20000000\r\n\r\n",
        lesson_upload(course, lesson, "video"),
        app.addr
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    // More than one part's worth, so that storage has begun receiving it.
    let body = mp4(9 << 20);
    sock.write_all(&body).await.unwrap();
    sock.flush().await.unwrap();
    eventually("the upload's row", Duration::from_secs(10), || async {
        (rows(&app).await == 1).then_some(())
    })
    .await;
    drop(sock);
    eventually(
        "nothing left of the upload",
        Duration::from_secs(10),
        || async { (rows(&app).await == 0 && objects(&app).await.is_empty()).then_some(()) },
    )
    .await;
}

db_test!(deletion_and_the_sweep_leave_no_orphans);
async fn deletion_and_the_sweep_leave_no_orphans(app: TestApp) {
    let (t, course, slug, lesson) = course_with(&app, "video").await;
    let r = upload(
        &t,
        &lesson_upload(course, lesson, "video"),
        "one.mp4",
        mp4(20_000),
    )
    .await;
    r.assert_status(200);
    let first = json(&r)["url"].as_str().unwrap().to_string();
    // A second video replaces the first: its object goes by job.
    upload(
        &t,
        &lesson_upload(course, lesson, "video"),
        "two.mp4",
        mp4(30_000),
    )
    .await
    .assert_status(200);
    app.drain_jobs().await;
    assert_eq!(objects(&app).await.len(), 1);
    app.signed_in(&app.student)
        .await
        .get(&first)
        .await
        .assert_status(404);
    // Deleting one attachment from the editor.
    let r = upload(
        &t,
        &lesson_upload(course, lesson, "attachment"),
        "sheet.pdf",
        pdf(),
    )
    .await;
    let att = json(&r)["id"].as_i64().unwrap();
    let editor = t
        .get(&format!("/teach/courses/{course}/lessons/{lesson}"))
        .await;
    assert_eq!(
        editor.texts("#attachments li a"),
        vec!["sheet.pdf".to_string()]
    );
    t.post_form(
        &format!("/teach/courses/{course}/lessons/{lesson}/files/{att}/delete"),
        &[],
    )
    .await
    .assert_redirect_to(&format!("/teach/courses/{course}/lessons/{lesson}"));
    app.drain_jobs().await;
    assert_eq!(objects(&app).await.len(), 1);
    assert_eq!(rows(&app).await, 1);

    // What a crash leaves: an object no row names, and an upload that never finished.
    let store = app.state.files.storage.store().clone();
    store
        .put(
            &object_store::path::Path::from(format!("{}/orphan", app.school.id)),
            b"left".to_vec().into(),
        )
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO files (school_id, course_id, lesson_id, purpose, name, content_type, size, widths, storage_key, state, created_by, created_at, updated_at)
         VALUES ($1, NULL, NULL, 'attachment', 'x', '', 10, '', 'stale-key', 'uploading', NULL, $2, $2)",
    )
    .bind(app.school.id)
    .bind(app.db.now_ms())
    .execute(&app.db.pool)
    .await
    .unwrap();
    // Too young to be swept: an upload may be under way.
    let swept = lectern::files::jobs::sweep(&app.state.files).await.unwrap();
    assert_eq!(swept, lectern::files::jobs::Swept::default());
    app.db.clock.advance(25 * 3_600_000);
    let swept = lectern::files::jobs::sweep(&app.state.files).await.unwrap();
    assert_eq!(swept.abandoned_uploads, 1);
    assert_eq!(swept.orphaned_objects, 1);
    app.drain_jobs().await;
    assert_eq!(rows(&app).await, 1);
    assert_eq!(objects(&app).await.len(), 1);
    // The lesson's video still plays; then the lesson goes, and its file with it.
    let s = app.signed_in(&app.student).await;
    let page = s.get(&format!("/courses/{slug}/lessons/{lesson}")).await;
    let src = page.attr("#lesson-video", "src").unwrap();
    s.get(&src).await.assert_status(200);
    t.post_form(
        &format!("/teach/courses/{course}/lessons/{lesson}/delete"),
        &[],
    )
    .await
    .assert_redirect_to(&format!("/teach/courses/{course}"));
    app.drain_jobs().await;
    assert_eq!(rows(&app).await, 0);
    assert!(objects(&app).await.is_empty());
}

db_test!(covers_and_logos_are_reencoded_and_shown);
async fn covers_and_logos_are_reencoded_and_shown(app: TestApp) {
    let (t, course, slug, _lesson) = course_with(&app, "document").await;
    // A PNG with a script riding after its end: re-encoding drops it.
    let mut cover = png(1000, 500);
    cover.extend_from_slice(b"<script>alert(1)</script>");
    let r = upload(
        &t,
        &format!("/api/teach/courses/{course}/cover"),
        "cover.png",
        cover,
    )
    .await;
    r.assert_status(200);
    assert_eq!(json(&r)["content_type"], "image/jpeg");
    let catalogue = app.client().get("/").await;
    let srcset = catalogue
        .attr(&format!("[data-slug=\"{slug}\"] img"), "srcset")
        .unwrap_or_default();
    assert!(
        srcset.contains(" 400w") && srcset.contains(" 800w") && srcset.contains(" 1000w"),
        "{srcset}"
    );
    let page = app.client().get(&format!("/courses/{slug}")).await;
    let src = page.attr("#course-cover", "src").unwrap();
    let img = app.client().get(&src).await;
    img.assert_status(200);
    assert_eq!(img.header("content-type"), Some("image/jpeg"));
    assert_eq!(
        img.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    // A shared cache may keep it: no visitor's cookie rides along.
    assert_eq!(img.header("set-cookie"), None);
    assert!(!String::from_utf8_lossy(&img.bytes).contains("<script>"));
    let small = srcset
        .split(", ")
        .find(|s| s.ends_with(" 400w"))
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    let small = app.client().get(&small).await;
    small.assert_status(200);
    assert_eq!(image::load_from_memory(&small.bytes).unwrap().width(), 400);

    let admin = app.signed_in(&app.admin).await;
    let r = upload(
        &admin,
        "/api/admin/school/logo",
        "whatever.gif",
        png(2000, 1000),
    )
    .await;
    r.assert_status(200);
    let logo = json(&r)["url"].as_str().unwrap().to_string();
    let home = app.client().get("/").await;
    assert_eq!(
        home.attr("header .brand img", "src").as_deref(),
        Some(logo.as_str())
    );
    let got = app.client().get(&logo).await;
    assert_eq!(got.header("content-type"), Some("image/png"));
    let decoded = image::load_from_memory(&got.bytes).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (512, 256));
    let r = upload(
        &admin,
        "/api/admin/school/favicon",
        "icon.png",
        png(300, 300),
    )
    .await;
    r.assert_status(200);
    let icon = json(&r)["url"].as_str().unwrap().to_string();
    assert_eq!(
        app.client()
            .get("/")
            .await
            .attr("link[rel=icon]", "href")
            .as_deref(),
        Some(icon.as_str())
    );
    // Settings still save with the uploaded logo in place.
    let settings = admin.get("/admin/school").await;
    assert_eq!(settings.input("logo_url").as_deref(), Some(logo.as_str()));
    admin
        .post_form(
            "/admin/school",
            &[
                ("display_name", "Test School"),
                ("logo_url", logo.as_str()),
                ("primary_color", "#3b5bdb"),
                ("default_timezone", "Europe/Berlin"),
            ],
        )
        .await
        .assert_redirect_to("/admin/school");
    // Removing the logo removes it from the header and, by job, from storage.
    admin
        .post_form("/admin/school/logo/remove", &[])
        .await
        .assert_redirect_to("/admin/school");
    app.drain_jobs().await;
    assert!(
        app.client()
            .get("/")
            .await
            .attr("header .brand img", "src")
            .is_none()
    );
    app.client().get(&logo).await.assert_status(404);
}

db_test!(the_uploaded_logo_heads_the_schools_mail);
async fn the_uploaded_logo_heads_the_schools_mail(b: TestAppBuilder) {
    let app = b.with_smtp().with_worker().start().await;
    let admin = app.signed_in(&app.admin).await;
    let r = upload(&admin, "/api/admin/school/logo", "logo.png", png(64, 64)).await;
    r.assert_status(200);
    let logo = json(&r)["url"].as_str().unwrap().to_string();
    app.client()
        .post_form("/password/forgot", &[("email", app.student.email.as_str())])
        .await;
    let smtp = app.smtp.as_ref().unwrap();
    let mail = smtp.wait_for(1, Duration::from_secs(10)).await[0].parse();
    let html = mail.html.expect("an HTML part");
    assert!(
        html.contains(&format!("<img src=\"{}{logo}\"", app.base_url)),
        "{html}"
    );
}

db_test!(deleting_a_course_or_a_school_deletes_their_files);
async fn deleting_a_course_or_a_school_deletes_their_files(app: TestApp) {
    let (t, course, slug, lesson) = course_with(&app, "video").await;
    upload(
        &t,
        &lesson_upload(course, lesson, "video"),
        "v.mp4",
        mp4(40_000),
    )
    .await
    .assert_status(200);
    upload(
        &t,
        &lesson_upload(course, lesson, "attachment"),
        "a.pdf",
        pdf(),
    )
    .await
    .assert_status(200);
    upload(
        &t,
        &format!("/api/teach/courses/{course}/cover"),
        "c.png",
        png(900, 300),
    )
    .await
    .assert_status(200);
    // The cover is kept in two widths besides the main image: four objects in all.
    assert_eq!(objects(&app).await.len(), 5);

    // Only the course's managers may delete it; another school doesn't see it.
    let other_teacher = app
        .create_user(
            app.school.id,
            "teacher3@test.example",
            "Tina Other",
            lectern::accounts::Role::Instructor,
        )
        .await;
    app.signed_in(&other_teacher)
        .await
        .post_form(&format!("/teach/courses/{course}/delete"), &[])
        .await
        .assert_status(403);
    let other = app.other_school().await;
    other
        .signed_in(&other.admin)
        .await
        .post_form(&format!("/teach/courses/{course}/delete"), &[])
        .await
        .assert_status(404);
    assert_eq!(rows(&app).await, 3);

    t.post_form(&format!("/teach/courses/{course}/delete"), &[])
        .await
        .assert_redirect_to("/teach");
    app.client()
        .get(&format!("/courses/{slug}"))
        .await
        .assert_status(404);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM lessons").await, 0);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM enrollments").await, 0);
    app.drain_jobs().await;
    assert_eq!(rows(&app).await, 0);
    assert!(objects(&app).await.is_empty());

    // A school's deletion takes its files too, by jobs that outlive its rows.
    let oa = other.signed_in(&other.admin).await;
    upload(&oa, "/api/admin/school/logo", "logo.png", png(100, 100))
        .await
        .assert_status(200);
    assert_eq!(objects(&app).await.len(), 1);
    assert!(matches!(
        lectern::schools::delete(&app.db, &app.school).await,
        Err(lectern::schools::DeleteSchoolError::Default)
    ));
    lectern::schools::delete(&app.db, &other.school)
        .await
        .unwrap();
    app.drain_jobs().await;
    assert_eq!(rows(&app).await, 0);
    assert!(objects(&app).await.is_empty());
}
