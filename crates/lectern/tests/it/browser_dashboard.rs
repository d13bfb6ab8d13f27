//! The room dashboard in Chromium on a 360 px phone: it follows joins and leaves by
//! itself (pushed, no reload), becomes the report when Zoom ends the session, and never
//! scrolls sideways.

use std::time::Duration;

use lectern::db::now_ms;
use serde_json::json;

use crate::live::dashboard::{class, event, started_at};
use crate::support::browser::{self, Browser};
use crate::support::live::{meeting_event, setup};
use crate::support::{TestAppBuilder, eventually};

/// Far above what push takes, far below the 30 s refresh of a page whose stream is open:
/// whatever arrives within this came by push.
const PUSHED: Duration = Duration::from_secs(15);

async fn attr(b: &Browser, name: &str) -> String {
    b.eval(&format!(
        "var v = document.getElementById('dash-view'); return v ? v.getAttribute({name:?}) : null"
    ))
    .await
    .as_str()
    .unwrap_or_default()
    .to_string()
}

async fn wait_attr(b: &Browser, name: &str, want: &str) {
    eventually(&format!("{name} = {want}"), PUSHED, || async {
        (attr(b, name).await == want).then_some(())
    })
    .await;
}

async fn assert_fits(b: &Browser, when: &str) {
    let overflow = b
        .eval("return document.documentElement.scrollWidth - window.innerWidth")
        .await;
    assert!(
        overflow.as_i64().unwrap_or(1) <= 0,
        "{when}: the page scrolls sideways by {overflow} px"
    );
    b.check_a11y().await;
}

async fn assert_kept(b: &Browser, when: &str) {
    assert_eq!(
        b.eval("return window.__kept || null").await,
        json!(42),
        "the page reloaded ({when})"
    );
}

db_test!(the_dashboard_follows_the_room_live_on_a_phone);
async fn the_dashboard_follows_the_room_live_on_a_phone(b: TestAppBuilder) {
    if !browser::available("room dashboard") {
        return;
    }
    let t = setup(b).await;
    let people = class(&t).await;
    let t0 = (now_ms() / 1000) - 10 * 60;
    t.reschedule(t0 * 1000).await;
    let meeting = started_at(&t, t0).await;

    let br = Browser::start_mobile(360, 740).await;
    br.sign_in(
        &t.app.base_url,
        &t.app.instructor.email,
        &t.app.instructor.password,
    )
    .await;
    br.goto(&format!("{}/live/{}/dashboard", t.app.base_url, t.lesson))
        .await;
    br.wait_css("#dash-view").await;
    br.eval("window.__kept = 42; return true").await;
    eventually("the event stream is open", PUSHED, || async {
        (br.eval("return document.getElementById('dash').getAttribute('data-dash-updates')")
            .await
            == json!("push"))
        .then_some(())
    })
    .await;
    assert_eq!(attr(&br, "data-never-came").await, "5");
    assert_fits(&br, "nobody yet").await;

    // Two join, one of them leaves: the open page follows by itself.
    let now = now_ms() / 1000;
    event(&t, &meeting, &people[0], false, now - 30).await;
    event(&t, &meeting, &people[1], false, now - 20).await;
    t.app.drain_jobs().await;
    wait_attr(&br, "data-in-room", "2").await;
    assert_kept(&br, "joins").await;
    event(&t, &meeting, &people[1], true, now - 5).await;
    t.app.drain_jobs().await;
    wait_attr(&br, "data-left-early", "1").await;
    assert_eq!(attr(&br, "data-in-room").await, "1");
    assert_eq!(attr(&br, "data-never-came").await, "3");
    assert_kept(&br, "a leave").await;
    assert_fits(&br, "live").await;

    // Zoom ends it: the same page is now the report.
    let (m, uuid) = &meeting;
    let ev = meeting_event("meeting.ended", &t.zoom.account, *m, uuid, now);
    assert_eq!(t.hook(&ev).await, 200);
    t.app.drain_jobs().await;
    wait_attr(&br, "data-state", "ended").await;
    assert_kept(&br, "the end").await;
    br.click("#dash-numbers summary").await;
    assert_eq!(
        br.eval("return document.querySelectorAll('#dash-samples tbody tr').length > 0")
            .await,
        json!(true)
    );
    assert_fits(&br, "report, numbers open").await;
}
