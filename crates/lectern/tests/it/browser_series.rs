//! Browser test of recurring series (issue 17, L12): the instructor creates a weekly series
//! from the course editor (dates previewed first), edits "this and all following", and
//! cancels one occurrence.

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
