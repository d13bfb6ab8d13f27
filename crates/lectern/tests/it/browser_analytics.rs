//! The analytics charts in Chromium: at 360 px and 1280 px every chart is drawn inside
//! its card, the page never scrolls sideways, the numbers open one click away, and the
//! page passes the accessibility check.

use crate::analytics::course_with_students;
use crate::support::TestApp;
use crate::support::browser::{self, Browser};

db_test!(analytics_charts_fit_a_phone_and_a_desktop);
async fn analytics_charts_fit_a_phone_and_a_desktop(app: TestApp) {
    if !browser::available("analytics_charts_fit_a_phone_and_a_desktop") {
        return;
    }
    let (course, _, _) = course_with_students(&app).await;
    for (width, height) in [(360u32, 740u32), (1280, 900)] {
        let b = Browser::start_mobile(width, height).await;
        b.sign_in(
            &app.base_url,
            &app.instructor.email,
            &app.instructor.password,
        )
        .await;
        b.goto(&format!(
            "{}/teach/courses/{course}/analytics",
            app.base_url
        ))
        .await;
        b.wait_css("#chart-funnel").await;
        // Every chart is drawn, as wide as its card and no wider than the window, and
        // tall enough to read (the viewBox keeps its 2:1 shape).
        let sizes = b
            .eval(
                "return [...document.querySelectorAll('svg.chart')].map(s => { \
                   const r = s.getBoundingClientRect(); \
                   return [s.id, r.width, r.height, r.right]; })",
            )
            .await;
        let sizes = sizes.as_array().unwrap();
        assert!(sizes.len() >= 6, "{width} px: {sizes:?}");
        for s in sizes {
            let (w, h, right) = (
                s[1].as_f64().unwrap(),
                s[2].as_f64().unwrap(),
                s[3].as_f64().unwrap(),
            );
            // At least 60 % of the window (of the page's column on a wide screen).
            assert!(
                w >= 0.6 * f64::from(width.min(800)),
                "{width} px: {s} too narrow"
            );
            assert!(right <= f64::from(width) + 0.5, "{width} px: {s} overflows");
            assert!((w / h - 2.0).abs() < 0.05, "{width} px: {s} lost its shape");
        }
        // Readable text (at least 10 px as drawn), inside its chart, and the labels under
        // the axis never overlap.
        let text = b
            .eval(
                "return [...document.querySelectorAll('svg.chart')].map(s => { \
                   const box = s.getBoundingClientRect(); \
                   const ts = [...s.querySelectorAll('text')].map(t => t.getBoundingClientRect()); \
                   const xs = [...s.querySelectorAll('text.x-label')].map(t => t.getBoundingClientRect()) \
                     .sort((a, b) => a.left - b.left); \
                   const scale = box.width / s.viewBox.baseVal.width; \
                   const px = Math.min(...[...s.querySelectorAll('text')] \
                     .map(t => parseFloat(getComputedStyle(t).fontSize) * scale)); \
                   const outside = ts.filter(r => r.left < box.left - 0.5 || r.right > box.right + 0.5).length; \
                   let overlaps = 0; \
                   for (let i = 1; i < xs.length; i++) if (xs[i].left < xs[i - 1].right) overlaps++; \
                   return [s.id, px, outside, overlaps]; })",
            )
            .await;
        for c in text.as_array().unwrap() {
            assert!(
                c[1].as_f64().unwrap() >= 10.0,
                "{width} px: text too small: {c}"
            );
            assert_eq!(c[2], 0, "{width} px: text outside its chart: {c}");
            assert_eq!(c[3], 0, "{width} px: labels overlap: {c}");
        }
        let overflow = b
            .eval("return document.documentElement.scrollWidth - window.innerWidth")
            .await;
        assert!(
            overflow.as_i64().unwrap_or(1) <= 0,
            "{width} px: the page scrolls sideways by {overflow} px"
        );
        // The funnel's numbers, one click away.
        let shown = "return [document.querySelector('#data-funnel').open, \
                     document.querySelector('#data-funnel table').checkVisibility()]";
        assert_eq!(b.eval(shown).await, serde_json::json!([false, false]));
        b.click("#data-funnel summary").await;
        assert_eq!(b.eval(shown).await, serde_json::json!([true, true]));
        let cells = b
            .eval(
                "return [...document.querySelectorAll('#data-funnel td')].map(td => td.textContent)",
            )
            .await;
        assert_eq!(
            cells,
            serde_json::json!(["1. =First", "2", "2. Second", "1"]),
            "{width} px"
        );
        b.check_a11y().await;
        b.close().await;
    }
}
