//! Per-session Zoom options (issue 17, L16) in Chromium, on a 360 px phone: the instructor
//! sets them in the live lesson's editor, a wrong alternative host is an error next to its
//! field with everything typed kept, the saved values come back on reload, and Start creates
//! zoom-sim's meeting with exactly those settings.

use std::time::Duration;

use serde_json::json;

use crate::browser_live::assert_fits;
use crate::browser_series::set_value;
use crate::live_options::{edit_url, the_meeting};
use crate::support::TestAppBuilder;
use crate::support::browser::{self, Browser};
use crate::support::eventually;
use crate::support::live::setup;

/// The form's options as the page shows them: waiting room, mute on entry, join before
/// host (checked), recording and alternative hosts (values).
async fn shown(b: &Browser) -> serde_json::Value {
    b.eval(
        "var q = s => document.querySelector(s); \
         return [q('#opt-waiting-room').checked, q('#opt-mute').checked, q('#opt-jbh').checked, \
                 q('#opt-recording').value, q('#opt-alt-hosts').value]",
    )
    .await
}

db_test!(an_instructor_sets_a_sessions_zoom_options_in_the_editor_and_start_applies_them);
async fn an_instructor_sets_a_sessions_zoom_options_in_the_editor_and_start_applies_them(
    b: TestAppBuilder,
) {
    if !browser::available("live options in the editor") {
        return;
    }
    let t = setup(b).await;
    let base = t.app.base_url.clone();
    let br = Browser::start_mobile(360, 740).await;
    br.sign_in(&base, &t.app.instructor.email, &t.app.instructor.password)
        .await;
    let editor = format!("{base}{}", edit_url(&t));
    br.goto(&editor).await;
    br.wait_css("#zoom-options").await;
    // Nothing saved yet: Zoom's defaults, nothing ticked.
    assert_eq!(shown(&br).await, json!([false, false, false, "none", ""]));
    assert_fits(&br, None, "the live lesson editor").await;

    // The student as an alternative host: refused next to the field, nothing lost.
    br.click("#opt-waiting-room").await;
    br.click("#opt-mute").await;
    set_value(&br, "#opt-recording", "cloud").await;
    let student = t.app.student.email.clone();
    br.fill("#opt-alt-hosts", &student).await;
    br.click("#save-lesson").await;
    let error = br.wait_css("#alt-hosts-error").await;
    let msg = error.text().await.unwrap();
    assert!(msg.contains(&student), "{msg}");
    assert_eq!(
        shown(&br).await,
        json!([true, true, false, "cloud", student])
    );
    // Next to it: right after the field's label (before its hint), just below the input.
    let gap = br
        .eval(
            "var f = document.querySelector('#opt-alt-hosts'), \
                 e = document.querySelector('#alt-hosts-error'); \
             return [e.previousElementSibling === f.closest('label'), \
                     e.getBoundingClientRect().top - f.getBoundingClientRect().bottom]",
        )
        .await;
    assert_eq!(gap[0], json!(true), "the error does not follow the field");
    let below = gap[1].as_f64().unwrap();
    assert!(
        (0.0..40.0).contains(&below),
        "error {below} px below the field"
    );
    assert_eq!(
        br.eval("return document.querySelectorAll('.field-error').length")
            .await,
        json!(1),
        "only the alternative host is wrong"
    );
    assert_fits(&br, None, "the editor with a field error").await;
    assert!(t.zoom.sim.meetings().is_empty());

    // Without the alternative host it saves, and a reload shows what was saved.
    br.fill("#opt-alt-hosts", "").await;
    br.click("#save-lesson").await;
    br.wait_css("#lesson-list").await;
    br.goto(&editor).await;
    br.wait_css("#zoom-options").await;
    assert_eq!(shown(&br).await, json!([true, true, false, "cloud", ""]));

    // Start (it opens zoom-sim's start page in a new tab) creates the meeting with them.
    br.goto(&format!("{base}{}", t.lesson_url())).await;
    br.click("#live-start").await;
    eventually(
        "the meeting in zoom-sim",
        Duration::from_secs(15),
        || async { (!t.zoom.sim.meetings().is_empty()).then_some(()) },
    )
    .await;
    let m = the_meeting(&t);
    assert!(!m.is_webinar);
    let s = &m.settings;
    assert_eq!(s["waiting_room"], json!(true), "{s}");
    assert_eq!(s["mute_upon_entry"], json!(true), "{s}");
    assert_eq!(s["join_before_host"], json!(false), "{s}");
    assert_eq!(s["auto_recording"], json!("cloud"), "{s}");
    assert_eq!(s["alternative_hosts"], json!(""), "{s}");
    assert!(
        s.get("breakout_room")
            .is_none_or(|r| r["enable"] != json!(true)),
        "{s}"
    );
    // The new tab took the host into the meeting (zoom-sim's web client), not an error.
    let tabs = br.c.windows().await.unwrap();
    assert_eq!(tabs.len(), 2);
    let home = br.c.window().await.unwrap();
    let other = tabs.into_iter().find(|w| *w != home).unwrap();
    br.c.switch_to_window(other).await.unwrap();
    let wc = format!("/wc/{}", m.id);
    eventually(
        "the host in zoom-sim's meeting",
        Duration::from_secs(10),
        || async {
            let url = br.c.current_url().await.ok()?.to_string();
            (url.ends_with(&wc) && br.text("body").await.contains("Status: started")).then_some(())
        },
    )
    .await;
    br.c.switch_to_window(home).await.unwrap();
    br.close().await;
}
