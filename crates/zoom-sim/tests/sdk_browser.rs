//! The SDK stand-in in a real browser: it must be as strict as Zoom's real Web Meeting SDK
//! of the version asked for (what that SDK does: docs/zoom-web-sdk.md), so that a page which
//! works against zoom-sim works against Zoom.

#[path = "common/browser.rs"]
mod browser;
mod common;

use browser::Browser;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use zoom_sim::{Plan, UserType};

fn jwt(claims: Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(CLIENT_SECRET.as_bytes()),
    )
    .unwrap()
}

fn signature(w: &World, mn: i64, with_app_key: bool) -> String {
    let now = w.sim.now().as_second();
    let mut c = json!({"mn": mn.to_string(), "role": 0, "iat": now - 30, "exp": now + 7200, "tokenExp": now + 7200});
    if with_app_key {
        c["appKey"] = json!(CLIENT_ID);
    }
    jwt(c)
}

/// A blank page on its own origin (like the LMS embedding the SDK).
async fn blank_page() -> String {
    let app = axum::Router::new().route(
        "/",
        axum::routing::get(|| async {
            axum::response::Html("<!doctype html><html lang=en><head><meta charset=utf-8><title>t</title></head><body></body></html>")
        }),
    );
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/", l.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(l, app).await;
    });
    url
}

/// Loads `libs` (vendor names) and then the component bundle of `ver`; reports script
/// errors and whether ZoomMtgEmbedded exists.
const LOAD: &str = r#"
const [base, ver, libs, done] = arguments;
const errors = [];
window.addEventListener('error', e => errors.push(e.message));
const urls = libs.map(n => `${base}/${ver}/lib/vendor/${n}.min.js`);
urls.push(`${base}/zoom-meeting-embedded-${ver}.min.js`);
urls.reduce((p, src) => p.then(() => new Promise(ok => {
  // CORS mode, so that the page sees the script's own error message.
  const s = document.createElement('script'); s.crossOrigin = 'anonymous'; s.src = src; s.async = false; s.onload = ok; s.onerror = ok;
  document.head.appendChild(s);
})), Promise.resolve()).then(() => done({ errors, defined: typeof window.ZoomMtgEmbedded }));
"#;

const ALL_LIBS: [&str; 5] = ["react", "react-dom", "redux", "redux-thunk", "lodash"];

async fn load(br: &Browser, page: &str, base: &str, ver: &str, libs: &[&str]) -> Value {
    br.c.goto(page).await.unwrap();
    br.run(LOAD, vec![base.into(), ver.into(), json!(libs)])
        .await
}

/// One client: init with `init`, subscribe, join with `join`; reports how each step went,
/// the events, and what the root shows.
const JOIN: &str = r#"
const [init, join, done] = arguments;
const root = document.createElement('div'); document.body.appendChild(root);
const events = [];
const c = ZoomMtgEmbedded.createClient();
const show = () => { const m = root.querySelector('#zoom-sim-meeting'), f = root.querySelector('#zoom-sim-join-error');
  return { meeting: !!m, language: m && m.getAttribute('data-language'), webEndpoint: m && m.getAttribute('data-web-endpoint'),
           failure: f && f.getAttribute('data-error-code'), text: root.textContent, display: root.style.display }; };
let onBeforeInit = null;
try { c.on('connection-change', e => events.push(e)); } catch (e) { onBeforeInit = e.name + ': ' + e.message; }
c.init(Object.assign({ zoomAppRoot: root }, init)).then(() => {
  c.on('connection-change', e => events.push(e));
  return c.join(join).then(v => ({ resolved: v }), e => ({ rejected: e instanceof Error ? e.name + ': ' + e.message : e }));
}, e => ({ initRejected: e })).then(r => {
  window.__client = c; window.__root = root; window.__events = events;
  done(Object.assign(r, { onBeforeInit, events: events.slice(), shown: show() }));
});
"#;

/// After something happens to the joined client of JOIN: its events and root, once an
/// event beyond `seen` arrived.
const AFTER: &str = r#"
const [action, seen, done] = arguments;
if (action === 'leave') { window.__client.leaveMeeting(); }
const t = setInterval(() => {
  if (window.__events.length > seen) { clearInterval(t);
    done({ events: window.__events.slice(), text: window.__root.textContent, children: window.__root.children.length }); }
}, 50);
"#;

async fn started_meeting(w: &World) -> (i64, String) {
    let id = w.sim.create_meeting(&w.user, "Stand-in class", "");
    w.sim.host_joins(id);
    (id, w.sim.meeting(id).unwrap().password)
}

#[tokio::test]
async fn component_bundle_needs_react_and_react_dom_on_the_page_first() {
    if !browser::available("sdk_browser") {
        return;
    }
    let w = world().await;
    let base = w.sim.sdk_base_url();
    assert_eq!(base, format!("{}/_sim/sdk", w.sim.base_url()));
    let page = blank_page().await;
    let br = Browser::start().await;
    let r = load(&br, &page, &base, "6.2.0", &[]).await;
    assert_eq!(r["defined"], "undefined", "{r}");
    assert!(
        r["errors"][0]
            .as_str()
            .unwrap()
            .contains("React is not defined"),
        "{r}"
    );
    let r = load(&br, &page, &base, "6.2.0", &["react"]).await;
    assert_eq!(r["defined"], "undefined", "{r}");
    assert!(
        r["errors"][0]
            .as_str()
            .unwrap()
            .contains("ReactDOM is not defined"),
        "{r}"
    );
    for ver in ["6.2.0", "3.13.2"] {
        let r = load(&br, &page, &base, ver, &ALL_LIBS).await;
        assert_eq!(r["defined"], "object", "{ver}: {r}");
        assert_eq!(r["errors"], json!([]), "{ver}: {r}");
    }
    // Only version-shaped paths exist.
    for (path, status) in [
        ("/9.9.9/lib/vendor/react-dom.min.js", 200),
        ("/6.2/lib/vendor/react.min.js", 404),
        ("/6.2.0/lib/vendor/jquery.min.js", 404),
        ("/zoom-meeting-embedded-6.2.0.min.js", 200),
        ("/zoom-meeting-embedded-latest.min.js", 404),
    ] {
        let r = w.http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(r.status().as_u16(), status, "{path}");
    }
}

#[tokio::test]
async fn join_is_checked_like_the_real_sdk_of_that_version() {
    if !browser::available("sdk_browser") {
        return;
    }
    let w = world().await;
    let (id, pwd) = started_meeting(&w).await;
    let base = w.sim.sdk_base_url();
    let page = blank_page().await;
    let br = Browser::start().await;
    let good = json!({"signature": signature(&w, id, true), "meetingNumber": id.to_string(), "password": pwd,
                      "userName": "Stu Dent", "userEmail": "stu@example.com", "customerKey": "k-1"});
    let with = |k: &str, v: Value| {
        let mut j = good.clone();
        j[k] = v;
        j
    };
    let run = |ver: &'static str, init: Value, join: Value| {
        let (br, page, base) = (&br, &page, &base);
        async move {
            load(br, page, base, ver, &ALL_LIBS).await;
            br.run(JOIN, vec![init, join]).await
        }
    };
    let de = json!({"language": "de-DE"});

    // 6.2.0: the real bundle's checks before it contacts Zoom, in its words.
    let r = run("6.2.0", de.clone(), good.clone()).await;
    assert_eq!(
        r["onBeforeInit"],
        "TypeError: Cannot read properties of undefined (reading 'includes')"
    );
    let r = run("6.2.0", json!({"zoomAppRoot": null}), good.clone()).await;
    assert_eq!(r["initRejected"]["type"], "INIT_MEETING_FAILED", "{r}");
    let mut no_sig = good.clone();
    no_sig.as_object_mut().unwrap().remove("signature");
    let r = run("6.2.0", de.clone(), no_sig).await;
    assert!(
        r["rejected"]
            .as_str()
            .unwrap()
            .starts_with("TypeError: Cannot read properties of undefined"),
        "{r}"
    );
    for (join, says) in [
        (
            with("signature", json!(signature(&w, id, false))),
            "Error: appKey can not empty in the signature",
        ),
        (
            with("userName", json!("")),
            "Error: userName cannot be empty",
        ),
        (
            with("zak", json!("z")).tap_obf(),
            "Error: zak and obfToken are mutually exclusive. Please provide only one.",
        ),
    ] {
        let r = run("6.2.0", de.clone(), join).await;
        assert_eq!(r["rejected"], says, "{r}");
        assert_eq!(r["events"], json!([]), "nothing reached Zoom: {r}");
    }
    // Zoom refuses: Fail event with reason and code, rejection, the SDK's error dialog.
    let r = run("6.2.0", de.clone(), with("password", json!("wrong"))).await;
    assert_eq!(r["rejected"]["type"], "JOIN_MEETING_FAILED", "{r}");
    assert_eq!(r["rejected"]["errorCode"], 3004, "{r}");
    assert_eq!(r["events"][0]["state"], "Fail", "{r}");
    assert_eq!(r["events"][0]["errorCode"], 3004, "{r}");
    assert_eq!(r["shown"]["failure"], "3004", "{r}");
    // A good join: resolves with "", Connected (no Connecting), the meeting in the root.
    let r = run(
        "6.2.0",
        json!({"language": "de-DE", "webEndpoint": "zoom-sim.test:8443"}),
        with("sdkKey", json!(CLIENT_ID)),
    )
    .await;
    assert_eq!(r["resolved"], "", "{r}");
    assert_eq!(r["events"], json!([{"state": "Connected"}]), "{r}");
    assert_eq!(r["shown"]["language"], "de-DE", "{r}");
    assert_eq!(
        r["shown"]["webEndpoint"], "zoom-sim.test",
        "port dropped: {r}"
    );
    assert_eq!(r["shown"]["display"], "flex", "{r}");
    // Leaving: Closed without a reason, and the root is emptied (the page says what
    // happened, not the SDK).
    let r = br.run(AFTER, vec!["leave".into(), 1.into()]).await;
    assert_eq!(r["events"][1], json!({"state": "Closed"}), "{r}");
    assert_eq!(r["children"], 0, "{r}");

    // Languages: Zoom's codes only; anything else is English. ja-JP came with 4.0.0.
    for (ver, lang, shown) in [
        ("6.2.0", "de", "en-US"),
        ("6.2.0", "en-GB", "en-US"),
        ("6.2.0", "jp-JP", "ja-JP"),
        ("6.2.0", "ko-KR", "ko-KR"),
        ("3.13.2", "ja-JP", "en-US"),
        ("3.13.2", "jp-JP", "jp-JP"),
    ] {
        let join = if ver == "3.13.2" {
            with("sdkKey", json!(CLIENT_ID))
        } else {
            good.clone()
        };
        let r = run(ver, json!({ "language": lang }), join).await;
        assert_eq!(r["shown"]["language"], shown, "{ver} {lang}: {r}");
        br.run(AFTER, vec!["leave".into(), 1.into()]).await;
    }

    // 3.13.2 needs sdkKey in join.
    let r = run("3.13.2", de.clone(), good.clone()).await;
    assert_eq!(r["rejected"], "Error: sdkKey can not empty", "{r}");
}

trait TapObf {
    fn tap_obf(self) -> Self;
}
impl TapObf for Value {
    fn tap_obf(mut self) -> Self {
        self["obfToken"] = json!("o");
        self
    }
}

#[tokio::test]
async fn obf_token_reaches_zoom_from_5_x_on_and_is_dropped_by_3_x() {
    if !browser::available("sdk_browser") {
        return;
    }
    // The app belongs to the platform account; the meeting to another one (needs OBF).
    let w = world().await;
    let other = w.sim.create_account(Plan::Pro, false);
    let teacher = w.sim.create_user(
        &other,
        "teach@example.com",
        "Tea",
        "Cher",
        UserType::Licensed,
    );
    let tok = w.token_for(&teacher).await;
    let m = w.create_meeting(&tok, json!({"topic": "External"})).await;
    let id = m["id"].as_i64().unwrap();
    w.sim.host_joins(id);
    let obf = w
        .get(
            &tok,
            &format!("/users/me/token?type=onbehalf&meeting_id={id}"),
        )
        .await
        .2["token"]
        .as_str()
        .unwrap()
        .to_string();
    let join = json!({"signature": signature(&w, id, true), "meetingNumber": id.to_string(),
        "password": m["password"], "userName": "Stu", "sdkKey": CLIENT_ID, "obfToken": obf});
    let (base, page) = (w.sim.sdk_base_url(), blank_page().await);
    let br = Browser::start().await;
    load(&br, &page, &base, "3.13.2", &ALL_LIBS).await;
    let r = br.run(JOIN, vec![json!({}), join.clone()]).await;
    assert_eq!(r["rejected"]["errorCode"], 3000, "{r}");
    assert!(
        r["rejected"]["reason"].as_str().unwrap().contains("OBF"),
        "{r}"
    );
    load(&br, &page, &base, "6.2.0", &ALL_LIBS).await;
    let r = br.run(JOIN, vec![json!({}), join]).await;
    assert_eq!(r["resolved"], "", "{r}");
}

#[tokio::test]
async fn closed_events_carry_the_real_sdks_reasons_and_draw_nothing() {
    if !browser::available("sdk_browser") {
        return;
    }
    let w = world().await;
    let (id, pwd) = started_meeting(&w).await;
    let (base, page) = (w.sim.sdk_base_url(), blank_page().await);
    let br = Browser::start().await;
    let join = json!({"signature": signature(&w, id, true), "meetingNumber": id, "password": pwd,
                      "userName": "Stu", "customerKey": "k-9"});
    for (what, reason) in [("removed", "kicked by host"), ("ended", "ended by host")] {
        load(&br, &page, &base, "6.2.0", &ALL_LIBS).await;
        let r = br.run(JOIN, vec![json!({}), join.clone()]).await;
        assert_eq!(r["resolved"], "", "{r}");
        if what == "removed" {
            w.sim.participant_leave(id, "k-9");
        } else {
            w.sim.end_meeting(id);
        }
        let r = br.run(AFTER, vec!["".into(), 1.into()]).await;
        assert_eq!(
            r["events"][1],
            json!({"state": "Closed", "reason": reason}),
            "{what}: {r}"
        );
        assert_eq!(r["children"], 0, "{what}: nothing drawn: {r}");
        assert_eq!(r["text"], "", "{what}: {r}");
        if what == "removed" {
            // The host is still in; the meeting goes on.
            assert_eq!(w.sim.meeting(id).unwrap().status, "started");
        }
    }
}
