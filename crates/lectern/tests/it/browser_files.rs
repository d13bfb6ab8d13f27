//! Browser tests of uploaded files over one story: the instructor uploads a video and a
//! document in the lesson editor's real file inputs (with the progress bar, Cancel and the
//! size limit checked before anything is sent); the student reads the PDF in the player,
//! plays, seeks and pauses the video, and the watched time adds up report by report; a
//! video recorded in a browser (no duration in its header) is counted once its duration
//! is known; the player with both fits a phone's screen.

use crate::support::courses::published_course;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fantoccini::Locator;
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::browser::{self, Browser};
use crate::support::{TestApp, TestAppBuilder, TestClient, eventually};

/// The video limit the story runs under: large enough for a file whose upload can be
/// watched, small enough that a file over it is cheap to make.
const VIDEO_LIMIT: &str = "40MiB";
const VIDEO_LIMIT_TEXT: &str = "40 MiB";

/// Upload speed while the progress bar and Cancel are exercised: slow enough that a
/// 24 MiB upload takes seconds, not the few milliseconds loopback would.
const THROTTLED_BYTES_PER_S: u64 = 8 << 20;

fn demo(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("demo")
        .join(name)
}

/// A file of `len` bytes that starts like an MP4 (its `ftyp` box); the rest is a hole, so
/// that making a large one costs nothing.
fn mp4_file(dir: &Path, name: &str, len: u64) -> PathBuf {
    use std::io::Write;
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    f.write_all(b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom").unwrap();
    f.set_len(len).unwrap();
    path
}

/// Limits the tab's upload speed (`None`: unlimited again).
async fn throttle_uploads(b: &Browser, bytes_per_s: Option<u64>) {
    b.cdp("Network.enable", json!({})).await;
    b.cdp(
        "Network.emulateNetworkConditions",
        json!({
            "offline": false,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": bytes_per_s.map_or(-1, |b| b as i64),
        }),
    )
    .await;
}

/// Polls `js` (a function body returning a value) until it returns something truthy, which
/// is handed back.
async fn until(b: &Browser, what: &str, timeout: Duration, js: &str) -> Value {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let v = b.c.execute(js, vec![]).await.unwrap_or(Value::Null);
        if !matches!(v, Value::Null | Value::Bool(false)) {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what} (last: {v})"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Counts the requests the page's scripts send, so that a refusal "before sending" can be
/// told from one the server gave; and marks the page, so that its reload can be seen.
const COUNT_SENDS: &str = r#"
window.__sends = 0;
var send = XMLHttpRequest.prototype.send;
XMLHttpRequest.prototype.send = function () { window.__sends++; return send.apply(this, arguments); };
window.__notReloaded = true;
"#;

/// The state of the uploader `#id`: what the instructor sees of it.
async fn widget(b: &Browser, id: &str) -> Value {
    b.c.execute(
        "var box = document.getElementById(arguments[0]);
         var q = function (s) { return box.querySelector(s); };
         return { status_hidden: q('[data-upload-status]').hidden,
                  progress: q('[data-upload-progress]').value,
                  percent: q('[data-upload-percent]').textContent,
                  error: q('[data-upload-error]').hidden ? null : q('[data-upload-error]').textContent,
                  notice: q('[data-upload-notice]').hidden ? null : q('[data-upload-notice]').textContent,
                  input_disabled: q('[data-upload-input]').disabled,
                  input_value: q('[data-upload-input]').value,
                  too_large: box.getAttribute('data-too-large'),
                  cancelled: box.getAttribute('data-cancelled'),
                  sends: window.__sends };",
        vec![json!(id)],
    )
    .await
    .unwrap_or_else(|e| panic!("uploader #{id}: {e}"))
}

/// Chooses `path` in the uploader `#id`'s file input, as a person picking it would.
async fn choose(b: &Browser, id: &str, path: &Path) {
    b.wait_css(&format!("#{id} [data-upload-input]"))
        .await
        .send_keys(path.to_str().unwrap())
        .await
        .unwrap_or_else(|e| panic!("choosing {} in #{id}: {e}", path.display()));
}

/// Waits for the reload a finished upload causes, then for `css` on the new page.
async fn after_reload(b: &Browser, css: &str) {
    until(
        b,
        "the page to reload after the upload",
        Duration::from_secs(20),
        "return window.__notReloaded !== true && document.readyState === 'complete'",
    )
    .await;
    b.wait_css(css).await;
}

/// A published course, made over HTTP by the instructor, with a video lesson and a
/// document lesson; the student is enrolled. Returns (course id, slug, video lesson id,
/// document lesson id).
async fn course(app: &TestApp) -> (i64, String, i64, i64) {
    let lesson = |title| vec![("title", title), ("body", ""), ("required", "on")];
    let made = published_course(
        app,
        "Welcome to the school",
        &[
            ("video", lesson("Welcome video")),
            ("document", lesson("The handbook")),
        ],
    )
    .await;
    assert_eq!(made.lessons.len(), 2, "{:?}", made.lessons);
    app.signed_in(&app.student)
        .await
        .post_form(&format!("/courses/{}/enroll", made.slug), &[])
        .await;
    (made.id, made.slug, made.lessons[0], made.lessons[1])
}

/// POSTs a file the way the editor's widget does (CSRF header, percent-encoded name).
async fn upload(t: &TestClient, course: i64, lesson: i64, purpose: &str, path: &Path) {
    let name = path.file_name().unwrap().to_str().unwrap();
    let token = t.csrf_for("/").await;
    let rb = t
        .request(
            Method::POST,
            &format!("/api/teach/courses/{course}/lessons/{lesson}/files?purpose={purpose}"),
        )
        .header("x-csrf-token", token)
        .header("x-file-name", name)
        .header("content-type", "application/octet-stream")
        .body(std::fs::read(path).unwrap());
    t.send(rb).await.assert_status(200);
}

async fn file_rows(app: &TestApp) -> i64 {
    app.scalar("SELECT COUNT(*) FROM files").await
}

async fn objects(app: &TestApp) -> Vec<String> {
    app.stored_objects().await
}

/// (watched_ms, duration_ms) of the student's viewing of `lesson`, once there is a row.
async fn watched(app: &TestApp, lesson: i64) -> Option<(i64, i64)> {
    sqlx::query_as("SELECT watched_ms, duration_ms FROM video_watch WHERE lesson_id = $1")
        .bind(lesson)
        .fetch_optional(&app.db.pool)
        .await
        .unwrap()
}

/// Plays the lesson's video (muted, as autoplay rules allow) until it is past `until_s`,
/// then pauses it; returns where it stopped.
async fn play_until(b: &Browser, until_s: f64) -> f64 {
    let started = b
        .c
        .execute_async(
            "var v = document.getElementById('lesson-video'), done = arguments[arguments.length - 1];
             v.muted = true;
             v.play().then(function () { done('playing'); }, function (e) { done('refused: ' + e); });",
            vec![],
        )
        .await
        .expect("play()");
    assert_eq!(started, json!("playing"));
    until(
        b,
        &format!("the video to play past {until_s} s"),
        Duration::from_secs(10),
        &format!("return document.getElementById('lesson-video').currentTime > {until_s}"),
    )
    .await;
    b.eval("var v = document.getElementById('lesson-video'); v.pause(); return v.currentTime")
        .await
        .as_f64()
        .unwrap()
}

/// What was played for `played_s` seconds counts as that long, give or take a frame or
/// two; what was skipped counts nothing.
fn assert_counted(watched_ms: i64, played_s: f64, what: &str) {
    let played = (played_s * 1000.0) as i64;
    assert!(
        (played - 150..=played + 50).contains(&watched_ms),
        "{what}: {played} ms played, but {watched_ms} ms counted"
    );
}

db_test!(instructor_uploads_a_video_and_a_document_and_the_student_watches_and_reads);
async fn instructor_uploads_a_video_and_a_document_and_the_student_watches_and_reads(
    b: TestAppBuilder,
) {
    if !browser::available(
        "instructor_uploads_a_video_and_a_document_and_the_student_watches_and_reads",
    ) {
        return;
    }
    let app = b.env("LECTERN_UPLOAD_MAX_VIDEO", VIDEO_LIMIT).start().await;
    let (course, slug, video, document) = course(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let too_large = mp4_file(dir.path(), "whole-lecture.mp4", (40 << 20) + 1);
    let large = mp4_file(dir.path(), "draft-recording.mp4", 24 << 20);
    let base = app.base_url.clone();

    let b = Browser::start().await;
    b.sign_in(&base, &app.instructor.email, &app.instructor.password)
        .await;
    b.goto(&format!("{base}/teach/courses/{course}/lessons/{video}"))
        .await;
    b.wait_css("#files #upload-video").await;
    b.eval(COUNT_SENDS).await;

    // A file over the limit is refused at once, with the limit, and nothing is sent.
    choose(&b, "upload-video", &too_large).await;
    let w = widget(&b, "upload-video").await;
    let error = w["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error: {w}"));
    assert_eq!(error, w["too_large"].as_str().unwrap(), "{w}");
    assert!(error.contains(VIDEO_LIMIT_TEXT), "{error}");
    assert_eq!(w["sends"], 0, "{w}");
    assert_eq!(w["status_hidden"], true, "{w}");
    assert_eq!(w["input_value"], "", "the refused file is let go: {w}");
    assert_eq!(file_rows(&app).await, 0);

    // A large file, cancelled while it goes up: the notice says so and nothing is kept.
    throttle_uploads(&b, Some(THROTTLED_BYTES_PER_S)).await;
    choose(&b, "upload-video", &large).await;
    until(
        &b,
        "the progress bar to move",
        Duration::from_secs(10),
        "var box = document.getElementById('upload-video');
         return !box.querySelector('[data-upload-status]').hidden
             && box.querySelector('[data-upload-progress]').value > 0",
    )
    .await;
    let w = widget(&b, "upload-video").await;
    assert_eq!(w["error"], Value::Null, "the earlier error is gone: {w}");
    assert_eq!(w["input_disabled"], true, "{w}");
    // The widget while it uploads is accessible too.
    b.check_a11y().await;
    eventually(
        "the server to be receiving the upload",
        Duration::from_secs(10),
        || async { (file_rows(&app).await == 1).then_some(()) },
    )
    .await;
    b.click("#upload-video [data-upload-cancel]").await;
    let notice = until(
        &b,
        "the cancellation notice",
        Duration::from_secs(5),
        "var n = document.querySelector('#upload-video [data-upload-notice]');
         return n.hidden ? null : n.textContent",
    )
    .await;
    assert!(notice.as_str().unwrap().contains("cancelled"), "{notice}");
    let w = widget(&b, "upload-video").await;
    assert_eq!(w["notice"], w["cancelled"], "{w}");
    assert_eq!(w["status_hidden"], true, "{w}");
    assert_eq!(w["input_disabled"], false, "{w}");
    assert_eq!(w["sends"], 1, "{w}");
    eventually(
        "nothing left of the cancelled upload",
        Duration::from_secs(10),
        || async { (file_rows(&app).await == 0 && objects(&app).await.is_empty()).then_some(()) },
    )
    .await;

    // The same file again, to the end: the bar fills, and the reloaded page lists it.
    choose(&b, "upload-video", &large).await;
    until(
        &b,
        "progress between 0 and 100 %",
        Duration::from_secs(10),
        "var box = document.getElementById('upload-video');
         var p = box.querySelector('[data-upload-progress]').value;
         var text = box.querySelector('[data-upload-percent]').textContent;
         return !box.querySelector('[data-upload-status]').hidden && p > 0 && p < 100
             && text === p + ' %' ? p : null",
    )
    .await;
    after_reload(&b, "#files .file[data-file-id]").await;
    throttle_uploads(&b, None).await;
    assert_eq!(
        b.text("#files .file a").await,
        "draft-recording.mp4",
        "the uploaded video is listed"
    );
    b.check_a11y().await;

    // The real video replaces the draft.
    b.eval(COUNT_SENDS).await;
    choose(&b, "upload-video", &demo("welcome.webm")).await;
    after_reload(&b, "#files .file[data-file-id]").await;
    assert_eq!(b.text("#files .file a").await, "welcome.webm");
    assert_eq!(
        b.eval("return document.querySelectorAll('#files .file').length")
            .await,
        1
    );
    app.drain_jobs().await;
    assert_eq!(objects(&app).await.len(), 1, "the draft's object is gone");

    // The document lesson's handbook.
    b.goto(&format!("{base}/teach/courses/{course}/lessons/{document}"))
        .await;
    b.eval(COUNT_SENDS).await;
    choose(&b, "upload-document", &demo("handbook.pdf")).await;
    after_reload(&b, "#files .file[data-file-id]").await;
    assert_eq!(b.text("#files .file a").await, "handbook.pdf");
    assert_eq!(file_rows(&app).await, 2);
    b.click("#signout").await;
    b.wait_css("a[href='/signin']").await;

    // The student reads the handbook in the player: the frame holds our PDF.
    b.sign_in(&base, &app.student.email, &app.student.password)
        .await;
    b.goto(&format!("{base}/courses/{slug}/lessons/{document}"))
        .await;
    let frame = b.wait_css("#lesson-document").await;
    let src = frame.attr("src").await.unwrap().unwrap();
    let loaded = until(
        &b,
        "the PDF in the document frame",
        Duration::from_secs(10),
        "var d = document.getElementById('lesson-document').contentDocument;
         return d && d.readyState === 'complete' && d.contentType !== 'about:blank' ? d.contentType : null",
    )
    .await;
    assert_eq!(loaded, "application/pdf");
    let fetched =
        b.c.execute_async(
            "var done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(function (r) {
               done([r.status, r.headers.get('content-type'), r.headers.get('x-frame-options')]);
             }, function (e) { done(String(e)); });",
            vec![json!(src)],
        )
        .await
        .unwrap();
    assert_eq!(fetched, json!([200, "application/pdf", "SAMEORIGIN"]));
    let download = b
        .wait_css("#document-download")
        .await
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(download, format!("{src}?download=1"));
    b.assert_no_csp_violations().await;

    // The video: it plays, the student skips ahead, and the watched time adds up.
    b.goto(&format!("{base}/courses/{slug}/lessons/{video}"))
        .await;
    b.wait_css("#lesson-video[data-watch-url]").await;
    let duration = until(
        &b,
        "the video's metadata",
        Duration::from_secs(10),
        "var v = document.getElementById('lesson-video'); return v.readyState >= 1 ? v.duration : null",
    )
    .await
    .as_f64()
    .unwrap();
    assert!((duration - 8.0).abs() < 0.1, "duration {duration}");
    let stopped = play_until(&b, 1.5).await;
    let (first, duration_ms) = eventually(
        "the report the pause sends",
        Duration::from_secs(10),
        || async { watched(&app, video).await.filter(|(w, _)| *w > 0) },
    )
    .await;
    assert!((7_900..=8_100).contains(&duration_ms), "{duration_ms}");
    assert_counted(first, stopped, "from the start to the first pause");
    // Still on the page: skip to 5 s, watch on, pause; the second report adds to the first.
    b.eval("document.getElementById('lesson-video').currentTime = 5")
        .await;
    until(
        &b,
        "the seek",
        Duration::from_secs(5),
        "var v = document.getElementById('lesson-video'); return !v.seeking && v.currentTime >= 5",
    )
    .await;
    let stopped = play_until(&b, 6.5).await;
    let (total, _) = eventually("the second report", Duration::from_secs(10), || async {
        watched(&app, video).await.filter(|(w, _)| *w > first)
    })
    .await;
    assert_counted(
        total - first,
        stopped - 5.0,
        "from 5 s to the second pause, added to the first",
    );
    // Back to where the first pause was, and on to the end: the report that passes 90 %
    // completes the lesson, and the page says so without a reload.
    b.eval("window.__kept = 1").await;
    assert_eq!(
        b.eval("return !!document.getElementById('lesson-completed')")
            .await,
        json!(false)
    );
    let outline_item = format!("#outline li[data-lesson-id=\"{video}\"]");
    assert_eq!(
        b.eval(&format!(
            "return document.querySelector('{outline_item}').classList.contains('done')"
        ))
        .await,
        json!(false)
    );
    b.eval("document.getElementById('lesson-video').currentTime = 1.4")
        .await;
    until(
        &b,
        "the seek back",
        Duration::from_secs(5),
        "var v = document.getElementById('lesson-video'); return !v.seeking && v.currentTime < 2",
    )
    .await;
    play_until(&b, 7.8).await;
    let notice = b.wait_css("#lesson-completed").await;
    assert_eq!(
        notice.text().await.unwrap(),
        "✓ You've completed this lesson."
    );
    assert_eq!(
        b.eval("return !!document.getElementById('completion-rule')")
            .await,
        json!(false),
        "the notice replaced the rule"
    );
    let item = b
        .eval(&format!(
            "var li = document.querySelector('{outline_item}');
             return [li.classList.contains('done'), li.querySelector('.tick').textContent,
                     li.querySelector('a + .muted').textContent, window.__kept === 1]"
        ))
        .await;
    assert_eq!(item, json!([true, "✓", "(done)", true]));
    let progress: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM lesson_progress WHERE lesson_id = $1 AND user_id = $2",
    )
    .bind(video)
    .bind(app.student.id)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(progress, 1);
    b.check_a11y().await;
    b.close().await;
}

db_test!(player_with_an_uploaded_video_and_pdf_fits_a_360px_screen);
async fn player_with_an_uploaded_video_and_pdf_fits_a_360px_screen(app: TestApp) {
    if !browser::available("player_with_an_uploaded_video_and_pdf_fits_a_360px_screen") {
        return;
    }
    let (course, slug, video, document) = course(&app).await;
    let t = app.signed_in(&app.instructor).await;
    upload(&t, course, video, "video", &demo("welcome.webm")).await;
    upload(&t, course, document, "document", &demo("handbook.pdf")).await;

    let b = Browser::start_mobile(360, 740).await;
    b.sign_in(&app.base_url, &app.student.email, &app.student.password)
        .await;
    assert_eq!(b.eval("return window.innerWidth").await, json!(360));
    for (lesson, css) in [(video, "#lesson-video"), (document, "#lesson-document")] {
        b.goto(&format!("{}/courses/{slug}/lessons/{lesson}", app.base_url))
            .await;
        b.wait_css(css).await;
        if css == "#lesson-video" {
            until(
                &b,
                "the video's metadata",
                Duration::from_secs(10),
                "return document.getElementById('lesson-video').readyState >= 1",
            )
            .await;
        }
        let m =
            b.c.execute(
                "var e = document.querySelector(arguments[0]).getBoundingClientRect();
                 return { scroll: document.documentElement.scrollWidth, inner: window.innerWidth,
                          left: e.left, right: e.right, width: e.width, height: e.height };",
                vec![json!(css)],
            )
            .await
            .unwrap();
        let n = |k: &str| m[k].as_f64().unwrap();
        assert!(n("scroll") <= n("inner"), "{css}: horizontal scroll: {m}");
        assert!(
            n("left") >= 0.0 && n("right") <= n("inner") && n("width") > 200.0,
            "{css} is not shown whole across the screen: {m}"
        );
        assert!(n("height") > 100.0, "{css} has no height: {m}");
        assert!(
            b.c.find(Locator::Css("#document-download")).await.is_ok() == (css != "#lesson-video"),
            "the download link goes with the document"
        );
    }
    b.close().await;
}

db_test!(a_browser_recorded_webm_without_a_duration_is_counted_once_it_has_one);
async fn a_browser_recorded_webm_without_a_duration_is_counted_once_it_has_one(app: TestApp) {
    if !browser::available("a_browser_recorded_webm_without_a_duration_is_counted_once_it_has_one")
    {
        return;
    }
    // What MediaRecorder writes: no Duration element in the segment's info (here blanked
    // into a Void element of the same length), so players read Infinity until the end.
    let mut bytes = std::fs::read(demo("welcome.webm")).unwrap();
    let at = bytes
        .windows(3)
        .position(|w| w == b"\x44\x89\x88")
        .expect("the demo video's Duration element");
    bytes[at] = 0xEC;
    bytes[at + 1] = 0x89;
    bytes[at + 2..at + 11].fill(0);
    let dir = tempfile::tempdir().unwrap();
    let recorded = dir.path().join("screencast.webm");
    std::fs::write(&recorded, bytes).unwrap();
    let (course, slug, video, _document) = course(&app).await;
    let t = app.signed_in(&app.instructor).await;
    upload(&t, course, video, "video", &recorded).await;

    let b = Browser::start().await;
    b.sign_in(&app.base_url, &app.student.email, &app.student.password)
        .await;
    b.goto(&format!("{}/courses/{slug}/lessons/{video}", app.base_url))
        .await;
    b.wait_css("#lesson-video[data-watch-url]").await;
    let duration = until(
        &b,
        "the video's metadata",
        Duration::from_secs(10),
        "var v = document.getElementById('lesson-video'); return v.readyState >= 1 ? String(v.duration) : null",
    )
    .await;
    assert_eq!(duration, "Infinity", "the header says no duration");
    let first = play_until(&b, 1.5).await;
    // Nothing can be reported without a duration; what was watched is kept, not dropped.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(watched(&app, video).await, None);
    b.eval("document.getElementById('lesson-video').currentTime = 6")
        .await;
    until(
        &b,
        "the seek",
        Duration::from_secs(5),
        "var v = document.getElementById('lesson-video'); return !v.seeking && v.currentTime >= 6",
    )
    .await;
    b.eval("document.getElementById('lesson-video').play()")
        .await;
    until(
        &b,
        "the end of the video",
        Duration::from_secs(10),
        "return document.getElementById('lesson-video').ended",
    )
    .await;
    let end = b
        .eval("return document.getElementById('lesson-video').duration")
        .await
        .as_f64()
        .unwrap();
    let (total, duration_ms) = eventually(
        "the report once the duration is known",
        Duration::from_secs(10),
        || async { watched(&app, video).await },
    )
    .await;
    assert_eq!(duration_ms, (end * 1000.0).round() as i64);
    assert_counted(
        total,
        first + (end - 6.0),
        "the stretch before the pause and the one from 6 s to the end",
    );
    b.close().await;
}
