//! What a person sees in Chromium: destructive actions look dangerous and ask first, tables
//! and the Zoom health panel fit a 360 px phone without splitting words, forms and rows of
//! buttons stack there without running into each other, and the axe-core check that runs
//! on every page really catches violations.

use lectern::courses::{self, LessonKind};
use lectern::db::{CourseId, LessonId, SchoolId, UserId, now_ms};

use crate::support::browser::{self, Browser};
use crate::support::zoom::ZoomFixture;
use crate::support::{TestApp, TestAppBuilder, TestClient};

/// The stylesheet's --danger red, as Chromium reports computed colours.
const DANGER_RED: &str = "rgb(180, 35, 24)";

/// Computed text, background and border colours of `css`, and the WCAG contrast ratio of
/// its text on its background.
async fn colours(b: &Browser, css: &str) -> serde_json::Value {
    b.wait_css(css).await;
    b.c.execute(
        r#"
        const cs = getComputedStyle(document.querySelector(arguments[0]));
        const rgb = s => s.match(/[\d.]+/g).slice(0, 3).map(Number);
        const lum = c => c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
                          .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
        const a = lum(rgb(cs.color)), b = lum(rgb(cs.backgroundColor));
        return { color: cs.color, background: cs.backgroundColor, border: cs.borderTopColor,
                 ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
        "#,
        vec![serde_json::json!(css)],
    )
    .await
    .unwrap_or_else(|e| panic!("colours of {css}: {e}"))
}

/// A destructive control is unmistakably red (filled, or red text and border) and its text
/// meets WCAG AA contrast (4.5:1) on its background.
async fn assert_danger_styled(b: &Browser, css: &str) {
    let c = colours(b, css).await;
    let filled = c["background"] == DANGER_RED;
    let outlined = c["color"] == DANGER_RED && c["border"] == DANGER_RED;
    assert!(filled || outlined, "{css} is not styled as dangerous: {c}");
    let ratio = c["ratio"].as_f64().unwrap();
    assert!(ratio >= 4.5, "{css}: contrast {ratio:.2} < 4.5 ({c})");
}

/// The text of the open confirm dialog; fails if none opened.
async fn confirm_text(b: &Browser) -> String {
    b.c.get_alert_text()
        .await
        .unwrap_or_else(|e| panic!("no confirmation was asked: {e}"))
}

async fn lesson_count(app: &TestApp, course: CourseId) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM lessons WHERE course_id = $1")
        .bind(course)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

db_test!(destructive_actions_are_red_and_ask_before_they_happen);
async fn destructive_actions_are_red_and_ask_before_they_happen(b: TestAppBuilder) {
    if !browser::available("destructive_actions_are_red_and_ask_before_they_happen") {
        return;
    }
    let zoom = ZoomFixture::start().await;
    let app = zoom.configure(b).start().await;
    zoom.register(&app, None);
    let admin_http = app.signed_in(&app.admin).await;
    zoom.connect(&admin_http, "school").await.assert_status(200);
    let base = app.base_url.clone();
    let (course, live_lesson) = crate::support::live::seed_live_course(
        &app.db,
        app.school.id,
        app.instructor.id,
        LessonKind::LiveSession,
        "Danger course",
    )
    .await;
    assert_eq!(lesson_count(&app, course.id).await, 1);

    let b = Browser::start().await;
    b.sign_in(&base, &app.admin.email, &app.admin.password)
        .await;

    // "Cancel session" under Start: red, readable, and it asks.
    b.goto(&format!(
        "{base}/courses/{}/lessons/{live_lesson}",
        course.slug
    ))
    .await;
    assert_danger_styled(&b, "#live-cancel").await;
    let primary = colours(&b, "#live-start").await;
    assert_ne!(primary["background"], DANGER_RED, "Start is not red");

    // Deleting a lesson: red, asks with the lesson's title, and Cancel keeps it.
    b.goto(&format!("{base}/teach/courses/{}", course.id)).await;
    assert_danger_styled(&b, ".delete-lesson").await;
    b.click(".delete-lesson").await;
    let text = confirm_text(&b).await;
    assert!(
        text.contains("Delete the lesson \"Office hours\"?"),
        "{text}"
    );
    b.c.dismiss_alert().await.unwrap();
    b.wait_css("#lesson-list li").await;
    assert_eq!(lesson_count(&app, course.id).await, 1, "dismissed: kept");
    b.click(".delete-lesson").await;
    confirm_text(&b).await;
    b.c.accept_alert().await.unwrap();
    crate::support::eventually(
        "lesson deleted",
        std::time::Duration::from_secs(10),
        || async { (lesson_count(&app, course.id).await == 0).then_some(()) },
    )
    .await;
    b.wait_css("#add-document").await;

    // Disconnecting Zoom: red on the card and on its confirmation page, and asks.
    b.goto(&format!("{base}/settings/integrations")).await;
    assert_danger_styled(&b, "#zoom-disconnect").await;
    assert_danger_styled(&b, "#zoom-delete-data").await;
    b.click("#zoom-disconnect").await;
    assert_danger_styled(&b, "#zoom-disconnect-confirm").await;
    b.click("#zoom-disconnect-confirm").await;
    let text = confirm_text(&b).await;
    assert!(text.starts_with("Disconnect Zoom now?"), "{text}");
    b.c.dismiss_alert().await.unwrap();
    b.wait_css("#zoom-disconnect-confirm").await;
    let state = || async {
        lectern::zoom_connection::find(
            &app.db,
            app.school.id,
            lectern::zoom_connection::Owner::School,
        )
        .await
        .unwrap()
        .expect("connection row")
        .state
    };
    assert_eq!(state().await, "connected", "dismissed: still connected");

    // "Delete all Zoom data": red, and asks on top of typing DELETE.
    b.goto(&format!("{base}/integrations/zoom/delete-data"))
        .await;
    assert_danger_styled(&b, "#zoom-delete-confirm").await;
    b.fill("#zoom-delete-type", "DELETE").await;
    b.click("#zoom-delete-confirm").await;
    let text = confirm_text(&b).await;
    assert!(text.starts_with("Delete all Zoom data"), "{text}");
    b.c.dismiss_alert().await.unwrap();
    b.wait_css("#zoom-delete-confirm").await;
    assert_eq!(state().await, "connected", "dismissed: nothing deleted");

    // Accepting does disconnect.
    b.goto(&format!("{base}/integrations/zoom/disconnect?for=school"))
        .await;
    b.click("#zoom-disconnect-confirm").await;
    confirm_text(&b).await;
    b.c.accept_alert().await.unwrap();
    b.wait_css("#zoom-connect").await;
    assert_eq!(state().await, "disconnected");
    b.close().await;
}

/// Words (split at spaces, hyphens and slashes, where a line may break) inside `css` that
/// the browser drew on more than one line.
async fn split_words(b: &Browser, css: &str) -> serde_json::Value {
    b.eval(&format!(
        r#"
        const broken = [];
        for (const el of document.querySelectorAll({css:?})) {{
          const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
          for (let n; (n = walk.nextNode()); ) {{
            const re = /[^\s\-\u2013\u2014\/]+/g;
            for (let m; (m = re.exec(n.data)); ) {{
              const r = document.createRange();
              r.setStart(n, m.index);
              r.setEnd(n, m.index + m[0].length);
              const lines = new Set(Array.from(r.getClientRects()).filter(x => x.width > 0).map(x => Math.round(x.top)));
              if (lines.size > 1) broken.push(m[0]);
            }}
          }}
        }}
        return broken;
        "#
    ))
    .await
}

/// Fails when the page scrolls sideways at phone width, naming what sticks out.
pub(crate) async fn assert_fits_the_screen(b: &Browser, what: &str) {
    let fits = b
        .eval("return [document.documentElement.scrollWidth, window.innerWidth]")
        .await;
    let (sw, iw) = (fits[0].as_i64().unwrap(), fits[1].as_i64().unwrap());
    let culprits = if sw > iw {
        b.eval(
            "const w = window.innerWidth; return Array.from(document.querySelectorAll('body *'))\
             .filter(e => e.getBoundingClientRect().right > w + 1)\
             .slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id)",
        )
        .await
    } else {
        serde_json::Value::Null
    };
    assert!(
        sw <= iw,
        "{what}: horizontal scroll at {iw} px (scrollWidth {sw}): {culprits}"
    );
}

/// For each element matching `container`, how far below its `first` element its `then`
/// element starts, in px: negative when they overlap or share a line, 0 when they touch.
async fn gaps_below(b: &Browser, container: &str, first: &str, then: &str) -> Vec<f64> {
    let v =
        b.c.execute(
            r#"
        const [container, first, then] = arguments;
        return Array.from(document.querySelectorAll(container)).map(function (el) {
          const a = el.querySelector(first).getBoundingClientRect();
          const b = el.querySelector(then).getBoundingClientRect();
          return b.top - a.bottom;
        });
        "#,
            vec![
                serde_json::json!(container),
                serde_json::json!(first),
                serde_json::json!(then),
            ],
        )
        .await
        .unwrap_or_else(|e| panic!("gaps in {container}: {e}"));
    serde_json::from_value(v).unwrap()
}

/// Fails unless every `container` on the page has its `then` at least `min` px below its
/// `first` (and there is at least one container).
async fn assert_stacked(b: &Browser, container: &str, first: &str, then: &str, min: f64) {
    let gaps = gaps_below(b, container, first, then).await;
    assert!(!gaps.is_empty(), "no {container} on the page");
    assert!(
        gaps.iter().all(|g| *g >= min),
        "{container}: {then} starts {gaps:?} px below {first}, not at least {min}"
    );
}

/// A finished live session with attendance: a learner with a long name, and a walk-in.
async fn finished_session_with_attendance(app: &TestApp, inst: &TestClient) -> i64 {
    let (course, lesson) = crate::support::live::seed_live_course(
        &app.db,
        app.school.id,
        app.instructor.id,
        LessonKind::LiveSession,
        "Phone course",
    )
    .await;
    let learner = app
        .create_user(
            app.school.id,
            "samantha.longname@example.org",
            "Samantha Longname Example",
            lectern::accounts::Role::Student,
        )
        .await;
    courses::progress::enroll(
        &app.db,
        &*app.state.course_hooks,
        course.school_id,
        course.id,
        UserId(learner.id),
    )
    .await
    .unwrap();
    // Viewing the lesson creates its session row.
    inst.get(&format!("/courses/{}/lessons/{lesson}", course.slug))
        .await
        .assert_status(200);
    let s = lectern::live::by_lesson(&app.db, SchoolId(app.school.id), LessonId(lesson))
        .await
        .unwrap()
        .unwrap();
    let t0 = now_ms() - 3 * 3_600_000;
    // (participant, matched user, name, e-mail, joined, left): the learner for 47 minutes,
    // and a walk-in nobody matched.
    let visits = [
        (
            "p:1",
            Some(learner.id),
            "Samantha Longname Example",
            "samantha.longname@example.org",
            t0,
            t0 + 47 * 60_000,
        ),
        (
            "p:2",
            None,
            "Walk-in Visitor From Elsewhere",
            "walk.in.visitor@faraway.example",
            t0 + 60_000,
            t0 + 20 * 60_000,
        ),
    ];
    let events = visits
        .iter()
        .flat_map(|&(key, user, name, email, from, to)| {
            [
                (key, user, name, email, "join", from),
                (key, user, name, email, "leave", to),
            ]
        });
    // Through the same function the webhook processing records with.
    for (key, user, name, email, kind, at) in events {
        let who = lectern::live::attendance::Who {
            key: key.into(),
            user_id: user,
            name: Some(name.into()),
            email: Some(email.into()),
            is_host: false,
        };
        let kind = if kind == "join" {
            lectern::live::attendance::Kind::Join
        } else {
            lectern::live::attendance::Kind::Leave
        };
        lectern::live::attendance::record(&app.db, &s, &who, kind, at, "webhook")
            .await
            .unwrap();
    }
    sqlx::query(
        "UPDATE live_sessions SET state = 'ended', started_at = $1, ended_at = $2 WHERE id = $3",
    )
    .bind(t0)
    .bind(t0 + 3_600_000)
    .bind(s.id)
    .execute(&app.db.pool)
    .await
    .unwrap();
    lesson
}

db_test!(tables_and_the_zoom_health_panel_fit_a_phone_without_splitting_words);
async fn tables_and_the_zoom_health_panel_fit_a_phone_without_splitting_words(b: TestAppBuilder) {
    if !browser::available("tables_and_the_zoom_health_panel_fit_a_phone_without_splitting_words") {
        return;
    }
    let zoom = ZoomFixture::start().await;
    let app = zoom.configure(b).start().await;
    // A certificate for the admin's list, and a webhook endpoint for its page.
    crate::certificates::completed_with_certificate(
        &app,
        "Phone certificates",
        "Bartholomew Featherstonehaugh",
        "bart@test.example",
        &[("title", "Certificate")],
    )
    .await;
    // Zoom repeats a scope and grants one that covers another: each is listed once.
    let mut granted: Vec<String> = lectern::zoom_connection::scopes::needed()
        .iter()
        .map(|s| s.to_string())
        .collect();
    granted.push("meeting:write:meeting".into());
    granted.push("meeting:write:admin".into());
    granted.push("meeting:write:admin".into());
    zoom.register(&app, Some(granted));
    let admin_http = app.signed_in(&app.admin).await;
    zoom.connect(&admin_http, "school").await.assert_status(200);
    let endpoint = admin_http
        .post_form(
            "/admin/webhooks",
            &[
                (
                    "url",
                    "https://127.0.0.1:9/hooks/a-rather-long-receiver-path",
                ),
                ("allow_private", "1"),
                ("event", "enrolment.created"),
            ],
        )
        .await
        .location()
        .map(str::to_string)
        .expect("the endpoint's page");
    let inst = app.signed_in(&app.instructor).await;
    let lesson = finished_session_with_attendance(&app, &inst).await;
    app.create_user(
        app.school.id,
        "maximiliane.schulze@example.org",
        "Maximiliane Schulze-Oberhausen",
        lectern::accounts::Role::Instructor,
    )
    .await;

    let b = Browser::start_mobile(360, 740).await;
    let base = app.base_url.clone();
    b.sign_in(&base, &app.admin.email, &app.admin.password)
        .await;

    // The Zoom health panel: words, not state names; every scope once.
    b.goto(&format!("{base}/settings/integrations")).await;
    let state = b.wait_css("#zoom-health-state").await;
    assert_eq!(state.text().await.unwrap(), "Connected");
    assert_eq!(
        state.attr("data-state").await.unwrap().as_deref(),
        Some("connected")
    );
    let listed = b
        .eval("return Array.from(document.querySelectorAll('#zoom-health code')).map(c => c.textContent)")
        .await;
    let listed: Vec<String> = serde_json::from_value(listed).unwrap();
    let mut unique = listed.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        listed.len(),
        unique.len(),
        "a scope listed twice: {listed:?}"
    );
    for s in lectern::zoom_connection::scopes::needed() {
        assert!(listed.iter().any(|l| l == s), "{s} not listed: {listed:?}");
    }
    assert!(listed.iter().any(|l| l == "meeting:write:admin"));
    assert_fits_the_screen(&b, "integrations").await;
    let split = split_words(&b, "#zoom-health").await;
    assert_eq!(split, serde_json::json!([]), "health panel splits words");

    // The users table and its role selects.
    b.goto(&format!("{base}/admin/users")).await;
    b.wait_css("#users select[name=role]").await;
    assert_fits_the_screen(&b, "users").await;
    let split = split_words(&b, "#users").await;
    assert_eq!(split, serde_json::json!([]), "users table splits words");

    // The certificates list: the revoke form's help text on a line of its own, above its
    // button (it ran into it).
    b.goto(&format!("{base}/admin/certificates")).await;
    b.wait_css("#certificates .revoke-form").await;
    assert_fits_the_screen(&b, "certificates").await;
    assert_stacked(&b, ".revoke-form", ".field-help", "button", 0.0).await;
    assert_stacked(&b, ".revoke-form", "input", ".field-help", 0.0).await;

    // A webhook endpoint's page: Disable, Rotate secret and Delete one under another,
    // apart from each other and from the edit card below them.
    b.goto(&format!("{base}{endpoint}")).await;
    b.wait_css("#endpoint-delete").await;
    assert_fits_the_screen(&b, "webhook endpoint").await;
    assert_stacked(&b, "main", "#endpoint-disable", "#endpoint-rotate", 4.0).await;
    assert_stacked(&b, "main", "#endpoint-rotate", "#endpoint-delete", 4.0).await;
    assert_stacked(&b, "main", "#endpoint-delete", ".actions + .card", 8.0).await;
    let widths = b
        .eval(
            "return Array.from(document.querySelectorAll('.actions button')).map(function (e) { \
             return Math.round(e.getBoundingClientRect().width); })",
        )
        .await;
    let widths: Vec<i64> = serde_json::from_value(widths).unwrap();
    assert!(
        widths.len() == 3 && widths.windows(2).all(|w| w[0] == w[1]),
        "the actions stack as one column of equal buttons: {widths:?}"
    );

    // Attendance, signed in as the instructor.
    b.click("#signout").await;
    b.wait_css("#nav-signin").await;
    b.sign_in(&base, &app.instructor.email, &app.instructor.password)
        .await;
    b.goto(&format!("{base}/live/{lesson}/attendance")).await;
    b.wait_css("#unmatched select").await;
    assert_fits_the_screen(&b, "attendance").await;
    let split = split_words(&b, "#attendance, #unmatched").await;
    assert_eq!(split, serde_json::json!([]), "attendance splits words");
    let shown = b.wait_css("#attendance tbody").await.text().await.unwrap();
    assert!(shown.contains("samantha.longname@example.org"), "{shown}");
    b.close().await;
}

db_test!(the_accessibility_check_catches_a_violation);
async fn the_accessibility_check_catches_a_violation(app: TestApp) {
    if !browser::available("the_accessibility_check_catches_a_violation") {
        return;
    }
    let b = Browser::start().await;
    b.goto(&format!("{}/signin", app.base_url)).await;
    assert_eq!(b.a11y_violations().await.map(|v| v.len()), Some(0));
    // An unlabelled field and an image without text, as a template bug would add them.
    b.eval(
        "const m = document.querySelector('main'); \
             m.insertAdjacentHTML('beforeend', '<input id=bad-input><img id=bad-img src=/static/nothing.png>'); \
             return true",
    )
    .await;
    let found = b.a11y_violations().await.expect("axe ran on our page");
    let report = browser::describe("/signin", &found);
    let ids: Vec<&str> = found.iter().map(|v| v.id.as_str()).collect();
    assert!(ids.contains(&"label"), "{report}");
    assert!(ids.contains(&"image-alt"), "{report}");
    assert!(report.contains("#bad-input"), "{report}");
    // Content excluded as not ours is left out; the rest is still checked.
    b.a11y_exclude("#bad-input");
    let found = b.a11y_violations().await.expect("axe ran on our page");
    let ids: Vec<&str> = found.iter().map(|v| v.id.as_str()).collect();
    assert!(
        !ids.contains(&"label") && ids.contains(&"image-alt"),
        "{ids:?}"
    );
    // The automatic check after navigation fails the test on it.
    let failed = tokio::spawn(async move {
        b.check_a11y().await;
    })
    .await;
    assert!(failed.is_err(), "check_a11y let a violation pass");
}

db_test!(a_script_smuggled_into_a_page_is_refused_and_the_csp_check_catches_it);
async fn a_script_smuggled_into_a_page_is_refused_and_the_csp_check_catches_it(app: TestApp) {
    if !browser::available("a_script_smuggled_into_a_page_is_refused_and_the_csp_check_catches_it")
    {
        return;
    }
    let b = Browser::start().await;
    b.goto(&format!("{}/signin", app.base_url)).await;
    assert_eq!(b.csp_violations().await.map(|v| v.len()), Some(0));
    // What an attacker's markup would bring if a template ever let it through: an inline
    // script, an inline handler, and a script from another site.
    let ran = b
        .eval(
            "const m = document.querySelector('main'); \
                 const s = document.createElement('script'); s.textContent = 'window.__owned = 1'; \
                 document.head.appendChild(s); \
                 m.insertAdjacentHTML('beforeend', '<img id=evil src=/static/app.css onerror=\"window.__owned = 2\">'); \
                 return new Promise(r => setTimeout(() => r(window.__owned === undefined), 500))",
        )
        .await;
    assert_eq!(ran, serde_json::json!(true), "the injected script ran");
    let found = b.csp_violations().await.expect("script runs on our page");
    let directives: Vec<&str> = found
        .iter()
        .filter_map(|v| v.directive.as_deref())
        .collect();
    assert!(directives.contains(&"script-src-elem"), "{found:?}");
    assert!(directives.contains(&"script-src-attr"), "{found:?}");
    // The browser reported them to the server too.
    crate::support::eventually(
        "CSP reports counted",
        std::time::Duration::from_secs(10),
        || async { (crate::security::csp_reports(&app).await >= 2).then_some(()) },
    )
    .await;
    // The check every page gets fails the test on them.
    let failed = tokio::spawn(async move {
        b.check_a11y().await;
    })
    .await;
    assert!(failed.is_err(), "check_a11y let a CSP violation pass");
}

db_test!(a_sibling_sites_page_that_frames_lectern_shows_nothing_of_it);
async fn a_sibling_sites_page_that_frames_lectern_shows_nothing_of_it(app: TestApp) {
    if !browser::available("a_sibling_sites_page_that_frames_lectern_shows_nothing_of_it") {
        return;
    }
    // A page on a sibling site (another school's subdomain of the same platform, here
    // another port of 127.0.0.1: same site, so the student's SameSite=Lax session cookie
    // goes along) puts the student's signed-in pages in a frame under its own buttons,
    // so that the student's clicks land on Lectern's (Sign out, Join, Mark complete).
    let target = format!("{}/my/courses", app.base_url);
    let evil = axum::Router::new().route(
        "/",
        axum::routing::get(move || {
            let target = target.clone();
            async move {
                axum::response::Html(format!(
                    "<!doctype html><title>Win a prize</title>\
                         <iframe id=victim src=\"{target}\" width=800 height=600></iframe>"
                ))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let evil_url = format!("http://{}/", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, evil).await;
    });
    let b = Browser::start().await;
    b.sign_in(&app.base_url, &app.student.email, &app.student.password)
        .await;
    b.goto(&evil_url).await;
    // Chromium refuses to show the frame and tells Lectern why.
    crate::support::eventually(
        "the refused frame reported",
        std::time::Duration::from_secs(10),
        || async {
            (crate::security::csp_reports_for(&app, Some("frame-ancestors")).await >= 1)
                .then_some(())
        },
    )
    .await;
    // What is in the frame is Chromium's error page, not the student's courses.
    b.c.enter_frame(0).await.unwrap();
    let inside =
        b.c.execute(
            "return document.body ? document.body.innerHTML : ''",
            vec![],
        )
        .await
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .unwrap_or_default();
    assert!(
        !inside.contains("id=\"signout\""),
        "the framed page rendered: {inside}"
    );
    b.c.enter_parent_frame().await.unwrap();
    b.close().await;
}

db_test!(an_admin_connects_zoom_in_the_browser_past_the_form_policy);
async fn an_admin_connects_zoom_in_the_browser_past_the_form_policy(b: TestAppBuilder) {
    if !browser::available("an_admin_connects_zoom_in_the_browser_past_the_form_policy") {
        return;
    }
    // "Connect Zoom" posts to Lectern, which redirects to Zoom's consent page and
    // Zoom back: the policy's form-action must let that form's redirects through.
    let zoom = ZoomFixture::start().await;
    let app = zoom.configure(b).start().await;
    zoom.register(&app, None);
    let b = Browser::start().await;
    b.sign_in(&app.base_url, &app.admin.email, &app.admin.password)
        .await;
    b.goto(&format!("{}/settings/integrations", app.base_url))
        .await;
    b.click("#zoom-connect").await;
    let done = b.wait_css("#zoom-callback").await;
    assert_eq!(
        done.attr("data-ok").await.unwrap().as_deref(),
        Some("true"),
        "{}",
        b.text("#zoom-callback").await
    );
    b.close().await;
}
