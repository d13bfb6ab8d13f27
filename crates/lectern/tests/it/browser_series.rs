//! Browser tests of recurring series (issue 17, L12): the instructor creates a weekly series
//! from the course editor (dates previewed first), edits "this and all following", and
//! cancels one occurrence; a student's player left open on a phone while the instructor
//! cancels one occurrence and moves another shows both by itself, and the instructor's
//! series page says "Cancelled".

use crate::support::TestApp;
use crate::support::browser::{self, Browser};
use crate::support::courses::published_course;

/// Sets a form control's value through the DOM (date and time pickers, selects).
pub(crate) async fn set_value(b: &Browser, css: &str, value: &str) {
    b.wait_css(css).await;
    b.c.execute(
        "document.querySelector(arguments[0]).value = arguments[1];",
        vec![serde_json::json!(css), serde_json::json!(value)],
    )
    .await
    .unwrap_or_else(|e| panic!("set {css}: {e}"));
}

async fn texts(b: &Browser, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for e in b.c.find_all(fantoccini::Locator::Css(css)).await.unwrap() {
        out.push(e.text().await.unwrap());
    }
    out
}

db_test!(instructor_creates_a_weekly_series_edits_the_following_and_cancels_one);
async fn instructor_creates_a_weekly_series_edits_the_following_and_cancels_one(app: TestApp) {
    if !browser::available("instructor_creates_a_weekly_series_edits_the_following_and_cancels_one")
    {
        return;
    }
    let made = published_course(&app, "Cohort", &[]).await;
    let first = jiff::Zoned::now()
        .date()
        .checked_add(jiff::ToSpan::days(14))
        .unwrap()
        .to_string();
    let b = Browser::start().await;
    let base = app.base_url.clone();
    b.sign_in(&base, &app.instructor.email, &app.instructor.password)
        .await;
    b.goto(&format!("{base}/teach/courses/{}", made.id)).await;
    b.click("#add-series-live_session").await;
    b.wait_css("#series-form").await;
    assert!(b.text("#series-dst-rule").await.contains("daylight-saving"));
    b.fill("#series-title", "Weekly coaching").await;
    set_value(&b, "#series-first-date", &first).await;
    set_value(&b, "#series-time", "09:00").await;
    set_value(&b, "#series-timezone", "Europe/Berlin").await;
    b.fill("#series-count", "6").await;
    b.click("#series-wd2").await;
    b.click("#series-preview-button").await;
    b.wait_css("#series-preview").await;
    let dates = texts(&b, "#series-preview .series-local").await;
    assert_eq!(dates.len(), 6, "{dates:?}");
    assert!(
        dates
            .iter()
            .all(|d| d.contains("09:00") && d.starts_with("Tue")),
        "{dates:?}"
    );
    b.check_a11y().await;
    b.click("#series-create").await;
    b.wait_css("#series-occurrences").await;
    assert_eq!(texts(&b, ".series-occurrence .series-local").await.len(), 6);

    // "This and all following" from the third: 10:30 from there on.
    let edits =
        b.c.find_all(fantoccini::Locator::Css(".series-edit"))
            .await
            .unwrap();
    edits[2].click().await.unwrap();
    b.wait_css("#occurrence-form").await;
    set_value(&b, "#occurrence-time", "10:30").await;
    b.click("#scope-following").await;
    b.click("#occurrence-save").await;
    b.wait_css("#series-occurrences").await;
    let times = texts(&b, ".series-occurrence .series-local").await;
    assert_eq!(times.len(), 6);
    for (i, t) in times.iter().enumerate() {
        let want = if i < 2 { "09:00" } else { "10:30" };
        assert!(t.contains(want), "occurrence {i}: {t}");
    }

    // Cancel the second one only (the page asks first).
    let edits =
        b.c.find_all(fantoccini::Locator::Css(".series-edit"))
            .await
            .unwrap();
    edits[1].click().await.unwrap();
    b.wait_css("#cancel-this").await;
    b.click("#cancel-this").await;
    b.c.accept_alert().await.unwrap();
    b.wait_css("#series-occurrences").await;
    let closed =
        b.c.find_all(fantoccini::Locator::Css(
            ".series-occurrence .series-closed",
        ))
        .await
        .unwrap();
    assert_eq!(closed.len(), 1);
    let states: Vec<Option<String>> =
        sqlx::query_scalar("SELECT s.state FROM lesson_series_members m LEFT JOIN live_sessions s ON s.lesson_id = m.lesson_id ORDER BY m.idx")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(
        states,
        vec![None, Some("cancelled".to_string()), None, None, None, None]
    );
    b.close().await;
}

/// Records the page's script errors from before its first script (`window.__errors`).
const ERROR_LISTENER: &str = "window.__errors = []; \
    addEventListener('error', function (e) { __errors.push(String(e.message)); }); \
    addEventListener('unhandledrejection', function (e) { __errors.push(String(e.reason)); });";

db_test!(a_students_open_outline_shows_a_cancelled_and_a_moved_occurrence);
/// Over time: the student's player (360 px) stays open on the first occurrence while the
/// instructor cancels the second ("this session") and moves the third ("this session", a
/// day later at 11:00). The open page follows both through its event stream, without a
/// reload or a script error: the second reads "Cancelled", the third shows its new time.
/// Then the instructor's series page at 1280 px marks the cancelled one in words and links
/// each occurrence to its lesson editor.
async fn a_students_open_outline_shows_a_cancelled_and_a_moved_occurrence(app: TestApp) {
    use std::time::Duration;
    if !browser::available("a_students_open_outline_shows_a_cancelled_and_a_moved_occurrence") {
        return;
    }
    let made = published_course(&app, "Cohort", &[]).await;
    crate::support::courses::enroll(&app, made.id, app.student.id).await;
    let berlin = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
    let mut first = jiff::Timestamp::now()
        .to_zoned(berlin)
        .date()
        .checked_add(jiff::ToSpan::days(14))
        .unwrap();
    while first.weekday() != jiff::civil::Weekday::Monday {
        first = first.tomorrow().unwrap();
    }
    // The series, as the editor's form creates it (preview, then Create).
    let t = &made.instructor;
    let new_url = format!("/teach/courses/{}/series/new?kind=live_session", made.id);
    let first_s = first.to_string();
    let mut fields: Vec<(&str, &str)> = vec![
        ("title", "Office hours"),
        ("first_date", &first_s),
        ("time", "09:00"),
        ("timezone", "Europe/Berlin"),
        ("duration", "60"),
        ("freq", "weekly"),
        ("interval", "1"),
        ("wd1", "on"),
        ("end", "count"),
        ("count", "3"),
    ];
    let preview = t.post_form(&new_url, &fields).await;
    preview.assert_status(200);
    let confirm = preview.attr("#series-create", "value").unwrap();
    fields.push(("confirm", &confirm));
    let r = t.post_form(&new_url, &fields).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let series = r.location().unwrap().to_string();
    let lessons: Vec<i64> =
        sqlx::query_scalar("SELECT lesson_id FROM lesson_series_members ORDER BY idx")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(lessons.len(), 3);

    // The student's player, on a phone, open on the first occurrence.
    let s = Browser::start_mobile(360, 740).await;
    s.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        serde_json::json!({ "source": ERROR_LISTENER }),
    )
    .await;
    let base = app.base_url.clone();
    s.sign_in(&base, &app.student.email, &app.student.password)
        .await;
    s.goto(&format!(
        "{base}/courses/{}/lessons/{}",
        made.slug, lessons[0]
    ))
    .await;
    let badge = |l: i64| format!("#outline li[data-lesson-id='{l}'] [data-live-badge]");
    s.wait_css(&format!("{}[data-display='upcoming']", badge(lessons[1])))
        .await;
    crate::support::eventually(
        "the event stream is open",
        Duration::from_secs(15),
        || async {
            (s.eval("return document.documentElement.getAttribute('data-live-updates')")
                .await
                == serde_json::json!("push"))
            .then_some(())
        },
    )
    .await;
    s.eval("window.__kept = 42; return true").await;
    let time_of = |l: i64| {
        let s = &s;
        async move {
            s.eval(&format!(
                "var t = document.querySelector(\"#outline li[data-lesson-id='{l}'] time\"); return t ? [t.getAttribute('datetime'), t.textContent] : null"
            ))
            .await
        }
    };
    let moved_before = time_of(lessons[2]).await;

    // The instructor cancels the second and moves the third, "this session" each.
    let occ = |l: i64| format!("{series}/{l}");
    let r = t
        .post_form(&format!("{}/cancel", occ(lessons[1])), &[("scope", "this")])
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);
    let new_day = first
        .checked_add(jiff::ToSpan::days(15))
        .unwrap()
        .to_string();
    let r = t
        .post_form(
            &occ(lessons[2]),
            &[
                ("date", new_day.as_str()),
                ("time", "11:00"),
                ("duration", "60"),
                ("host", ""),
                ("scope", "this"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text);

    // The open page follows by itself: "Cancelled" in words, the new time.
    s.wait_css(&format!("{}[data-display='cancelled']", badge(lessons[1])))
        .await;
    assert!(
        s.text(&badge(lessons[1])).await.contains("Cancelled"),
        "{}",
        s.text(&badge(lessons[1])).await
    );
    let moved = crate::support::eventually(
        "the moved occurrence's new time",
        Duration::from_secs(15),
        || async {
            let now = time_of(lessons[2]).await;
            (now != moved_before).then_some(now)
        },
    )
    .await;
    let starts_at: i64 = sqlx::query_scalar("SELECT starts_at FROM lessons WHERE id = $1")
        .bind(lessons[2])
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let iso = jiff::Timestamp::from_millisecond(starts_at).unwrap();
    let shown = moved[0].as_str().unwrap_or_default().to_string();
    assert_eq!(
        shown.parse::<jiff::Timestamp>().ok(),
        Some(iso),
        "{moved:?}"
    );
    assert_eq!(
        s.eval("return window.__kept || null").await,
        serde_json::json!(42),
        "the page reloaded"
    );
    assert_eq!(
        s.eval("return window.__errors").await,
        serde_json::json!([]),
        "script errors"
    );
    // Still fits a phone; a person reloading sees the same.
    assert_eq!(
        s.eval("return document.documentElement.scrollWidth - window.innerWidth <= 0")
            .await,
        serde_json::json!(true)
    );
    s.goto(&format!(
        "{base}/courses/{}/lessons/{}",
        made.slug, lessons[0]
    ))
    .await;
    s.wait_css(&format!("{}[data-display='cancelled']", badge(lessons[1])))
        .await;
    s.close().await;

    // The instructor's series page, on a desktop.
    let b = Browser::start().await;
    b.sign_in(&base, &app.instructor.email, &app.instructor.password)
        .await;
    b.goto(&format!("{base}{series}")).await;
    b.wait_css("#series-occurrences").await;
    let li = |l: i64| format!(".series-occurrence[data-lesson-id='{l}']");
    assert_eq!(
        texts(&b, &format!("{} .series-cancelled", li(lessons[1]))).await,
        vec!["Cancelled".to_string()]
    );
    assert!(
        texts(&b, &format!("{} .series-cancelled", li(lessons[0])))
            .await
            .is_empty()
    );
    assert!(
        texts(&b, &format!("{} .series-local", li(lessons[2])))
            .await
            .concat()
            .contains("11:00")
    );
    assert_eq!(
        b.eval("return document.documentElement.scrollWidth - window.innerWidth <= 0")
            .await,
        serde_json::json!(true)
    );
    // "Edit" opens the occurrence's lesson editor, which links back to the series.
    b.click(&format!("{} a.series-lesson-edit", li(lessons[2])))
        .await;
    b.wait_css("#lesson-series-link").await;
    assert!(b.text("#lesson-series").await.contains("Office hours"));
    b.click("#lesson-series-link").await;
    b.wait_css("#series-occurrences").await;
    b.close().await;
}
