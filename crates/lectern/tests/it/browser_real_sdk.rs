//! The course player against Zoom's REAL Web Meeting SDK (npm `@zoom/meetingsdk`, pinned in
//! tests/browser/package-lock.json), not zoom-sim's stand-in: a student clicks Join and the
//! SDK must get past its own checks (scripts, createClient, init, join) to its first
//! request to Zoom, which must carry the meeting, our signature and the student.
//!
//! Nothing leaves the machine. The package's files are served in the layout of Zoom's CDN
//! from a local server (`ZOOM_SDK_URL`); the SDK's requests to Zoom go to
//! `https://{ZOOM_SDK_WEB_ENDPOINT}` on port 443 whatever the endpoint says, so the endpoint
//! is zoom-sim's TLS listener under the name `zoom-sim.test`, which Chromium maps to it; the
//! browser trusts that one certificate only, and every other host name fails to resolve.
//! What the SDK does and why: docs/zoom-web-sdk.md.
//!
//! Two tests: the player itself, and a bare page that follows the player's contract with
//! the SDK (docs/zoom-web-sdk.md) using Lectern's join answer, which tells a player bug
//! from a Lectern or harness one.

use std::path::Path;
use std::time::Duration;

use lectern::courses::LessonKind;
use tower_http::services::{ServeDir, ServeFile};

use crate::support::browser::{self, Browser};
use crate::support::live::{Live, setup_env};
use crate::support::{TestAppBuilder, npm};

/// The package's files where Zoom's CDN has them: `{base}/{v}/lib/...` and
/// `{base}/zoom-meeting-embedded-{v}.min.js` (the package calls that file
/// `dist/zoom-meeting-embedded-ES5.min.js`; its licence banner names the CDN file).
async fn serve_cdn(package: &Path, version: &str) -> String {
    let dist = package.join("dist");
    let app = axum::Router::new()
        .nest_service(&format!("/{version}/lib"), ServeDir::new(dist.join("lib")))
        .route_service(
            &format!("/zoom-meeting-embedded-{version}.min.js"),
            ServeFile::new(dist.join("zoom-meeting-embedded-ES5.min.js")),
        )
        // The SDK fetch()es its media files (workers, worklets, WebAssembly) from the
        // page, across origins: a CDN that serves it answers CORS requests.
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
            axum::http::HeaderValue::from_static("*"),
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    base
}

/// Chromium that resolves only 127.0.0.1 and `zoom-sim.test:443` (→ zoom-sim's TLS port),
/// and accepts zoom-sim's certificate and no other bad one.
async fn real_sdk_browser(zoom_tls: std::net::SocketAddr) -> Browser {
    let br = Browser::start_with_args(real_sdk_args(zoom_tls)).await;
    // The SDK's own dialogs are Zoom's, not ours to make accessible.
    br.a11y_exclude("#zoom-root > *");
    br
}

/// The same at a phone's 360 px.
async fn real_sdk_phone(zoom_tls: std::net::SocketAddr) -> Browser {
    let br = Browser::start_mobile_with_args(360, 740, real_sdk_args(zoom_tls)).await;
    br.a11y_exclude("#zoom-root > *");
    br
}

fn real_sdk_args(zoom_tls: std::net::SocketAddr) -> Vec<String> {
    let host = zoom_sim::tls::WEB_HOST;
    vec![
        format!(
            "--host-resolver-rules=MAP {host}:443 {zoom_tls}, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
        ),
        format!(
            "--ignore-certificate-errors-spki-list={}",
            zoom_sim::tls::CERT_SPKI_SHA256
        ),
    ]
}

/// A live lesson whose player loads the real SDK from `cdn` and talks to zoom-sim as Zoom.
async fn setup_real(b: TestAppBuilder, cdn: &str, version: &str) -> Live {
    setup_env(
        b,
        LessonKind::LiveSession,
        None,
        vec![
            ("ZOOM_SDK_URL", cdn.to_string()),
            ("ZOOM_SDK_VERSION", version.to_string()),
            ("ZOOM_SDK_WEB_ENDPOINT", zoom_sim::tls::WEB_HOST.to_string()),
        ],
    )
    .await
}

/// Everything a real-SDK test needs: the package's version, the CDN, the lesson with the
/// host in the meeting, and zoom-sim's TLS address. `None` when skipped.
struct RealSdk {
    version: String,
    cdn: String,
    t: Live,
    meeting: i64,
    zoom_tls: std::net::SocketAddr,
}

async fn real_sdk(test: &str, b: TestAppBuilder) -> Option<RealSdk> {
    if !browser::available(test) {
        return None;
    }
    let package = npm::node_modules(test)?.join("@zoom/meetingsdk");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(package.join("package.json")).unwrap())
            .unwrap();
    let version = manifest["version"].as_str().unwrap().to_string();
    let cdn = serve_cdn(&package, &version).await;
    let t = setup_real(b, &cdn, &version).await;
    let zoom_tls = t.zoom.sim.listen_https().await.unwrap();
    let inst = t.app.signed_in(&t.app.instructor).await;
    t.start(&inst).await;
    let meeting = t.session().await.meeting_id.unwrap();
    t.host_in(meeting).await;
    Some(RealSdk {
        version,
        cdn,
        t,
        meeting,
        zoom_tls,
    })
}

/// zoom-sim's answer to a join that passed its checks (it cannot host the media session).
const SIM_REFUSAL: &str = "hosts no real SDK sessions";

/// Waits for the SDK's first request to Zoom; on timeout, `why` says what the page shows.
async fn first_info_request<F, Fut>(s: &RealSdk, why: F) -> zoom_sim::WebInfoRequest
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = String>,
{
    let mut waited = Duration::ZERO;
    loop {
        if let Some(r) = s.t.zoom.sim.web_info_requests().into_iter().next() {
            return r;
        }
        if waited > Duration::from_secs(45) {
            panic!("the real SDK never reached Zoom: {}", why().await);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        waited += Duration::from_millis(200);
    }
}

/// The request carries our meeting, a signature Zoom accepts for it (role 0) and the
/// student as Lectern's join answer `a` names them, in the SDK's encoding.
fn assert_request_matches(
    s: &RealSdk,
    info: &zoom_sim::WebInfoRequest,
    a: &serde_json::Value,
    origin: &str,
    lang: &str,
) {
    let sim = &s.t.zoom.sim;
    assert_eq!(info.host.as_deref(), Some(zoom_sim::tls::WEB_HOST));
    assert_eq!(info.origin.as_deref(), Some(origin));
    assert_eq!(
        info.field("meetingNumber"),
        Some(s.meeting.to_string().as_str())
    );
    assert_eq!(
        info.field("passWord"),
        Some(sim.meeting(s.meeting).unwrap().password.as_str())
    );
    let signature = info.field("signature").expect("signature sent");
    let (client_id, role, mn) =
        zoom_sim::room::verify_signature(sim.shared(), signature, sim.now().as_second())
            .unwrap_or_else(|e| panic!("Zoom would refuse the signature: {}", e.reason));
    assert_eq!(
        (client_id.as_str(), role, mn),
        (s.t.zoom.client_id.as_str(), 0, s.meeting.to_string())
    );
    // The SDK sends the signature's appKey as apiKey, and customerKey base64-encoded.
    assert_eq!(info.field("apiKey"), Some(s.t.zoom.client_id.as_str()));
    let student = &s.t.app.student;
    assert_eq!(info.field("userName"), Some(student.name.as_str()));
    assert_eq!(info.field("userEmail"), Some(student.email.as_str()));
    assert_eq!(info.customer_key().as_deref(), a["customerKey"].as_str());
    assert_eq!(info.field("lang"), Some(lang));
    assert_eq!(info.field("cv"), Some(s.version.as_str()));
}

/// The player's contract with the SDK, run by a bare page on the CDN's origin: scripts in
/// order, createClient, init, on, join with Lectern's answer.
const CONTRACT_PAGE_JS: &str = r#"
const [base, ver, a, webEndpoint, done] = arguments;
const names = ['react', 'react-dom', 'redux', 'redux-thunk', 'lodash'].map(n => `${base}/${ver}/lib/vendor/${n}.min.js`);
names.push(`${base}/zoom-meeting-embedded-${ver}.min.js`);
const load = src => new Promise((ok, ko) => {
  const s = document.createElement('script'); s.src = src; s.async = false;
  s.onload = ok; s.onerror = () => ko(new Error('could not load ' + src)); document.head.appendChild(s);
});
const root = document.createElement('div'); root.id = 'zoom-root'; document.body.appendChild(root);
const events = [];
names.reduce((p, src) => p.then(() => load(src)), Promise.resolve()).then(() => {
  const client = ZoomMtgEmbedded.createClient();
  return client.init({ zoomAppRoot: root, language: 'de-DE', webEndpoint, patchJsMedia: true,
                       leaveOnPageUnload: true, assetPath: `${base}/${ver}/lib/av` })
    .then(() => {
      client.on('connection-change', e => events.push(e));
      const p = { sdkKey: a.sdkKey, signature: a.signature, meetingNumber: a.meetingNumber, password: a.password,
                  userName: a.userName, userEmail: a.userEmail, customerKey: a.customerKey };
      if (a.obfToken) { p.obfToken = a.obfToken; }
      return client.join(p);
    });
}).then(() => done({ joined: true, events }), e => done({ error: (e && (e.reason || e.message)) || String(e), events }));
"#;

db_test!(contract_page_join_reaches_zoom_through_the_real_sdk);
async fn contract_page_join_reaches_zoom_through_the_real_sdk(b: TestAppBuilder) {
    let Some(s) = real_sdk("browser_real_sdk contract page", b).await else {
        return;
    };
    let student = s.t.app.signed_in(&s.t.app.student).await;
    let (status, a) = s.t.join(&student).await;
    assert_eq!((status, a["status"].as_str()), (200, Some("ready")), "{a}");

    let br = real_sdk_browser(s.zoom_tls).await;
    // Any page of the CDN's origin will do as the embedding page.
    br.c.goto(&format!("{}/{}/lib/lang/en-US.json", s.cdn, s.version))
        .await
        .unwrap();
    let out =
        br.c.execute_async(
            CONTRACT_PAGE_JS,
            vec![
                s.cdn.clone().into(),
                s.version.clone().into(),
                a.clone(),
                zoom_sim::tls::WEB_HOST.into(),
            ],
        )
        .await
        .unwrap();
    let info = first_info_request(&s, || async { out.to_string() }).await;
    assert_request_matches(&s, &info, &a, &s.cdn, "de-DE");
    // The SDK reports zoom-sim's refusal as Fail (reason, code) and rejects join.
    assert!(
        out["error"].as_str().unwrap_or("").contains(SIM_REFUSAL),
        "{out}"
    );
    assert_eq!(out["events"][0]["state"], "Fail", "{out}");
    assert!(
        out["events"][0]["reason"]
            .as_str()
            .unwrap_or("")
            .contains(SIM_REFUSAL),
        "{out}"
    );
    br.close().await;
}

db_test!(player_join_reaches_zoom_through_the_real_sdk);
async fn player_join_reaches_zoom_through_the_real_sdk(b: TestAppBuilder) {
    let Some(s) = real_sdk("browser_real_sdk player", b).await else {
        return;
    };
    let student = s.t.app.signed_in(&s.t.app.student).await;
    let (_, a) = s.t.join(&student).await;

    let br = real_sdk_browser(s.zoom_tls).await;
    let student = &s.t.app.student;
    br.sign_in(&s.t.app.base_url, &student.email, &student.password)
        .await;
    br.goto(&format!("{}{}", s.t.app.base_url, s.t.lesson_url()))
        .await;
    let lang = br
        .wait_css("#zoom-root")
        .await
        .attr("data-sdk-language")
        .await
        .unwrap()
        .unwrap_or_default();
    br.click("#live-join").await;

    let info = first_info_request(&s, || async {
        format!("the player says {:?}", br.text("#live-status").await)
    })
    .await;
    assert_request_matches(&s, &info, &a, &s.t.app.base_url, &lang);
    // The SDK's Fail event reaches the player, which shows why.
    let mut waited = Duration::ZERO;
    loop {
        let said = br.text("#live-status").await;
        if said.contains(SIM_REFUSAL) {
            break;
        }
        assert!(
            waited < Duration::from_secs(20),
            "the player did not show the SDK's failure: {said:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        waited += Duration::from_millis(200);
    }
    // The page's Content-Security-Policy let the SDK do all of it: nothing was
    // refused in the page, nor in its workers (which only the server hears of).
    br.assert_no_csp_violations().await;
    assert_eq!(crate::security::csp_reports(&s.t.app).await, 0);
    br.close().await;
}

/// Starts what the SDK starts once in a meeting (read in 6.2.0's `lib/av/js_media.min.js`;
/// zoom-sim cannot take a real SDK that far): audio worklets from blobs of its own worklet
/// files (`audioWorklet.addModule(blob:)`), its WebAssembly compiled in the page
/// (`compileStreaming`) and in a worker built from a blob. Answers what each did.
const MEDIA_START_JS: &str = r#"
const done = arguments[arguments.length - 1];
const base = document.getElementById('zoom-root').getAttribute('data-asset-path');
const blobUrl = text => URL.createObjectURL(new Blob([text], { type: 'application/javascript' }));
(async () => {
  const out = {};
  for (const f of ['js_audio_worklet.min.js', 'js_audio_worklet_simd.min.js', 'js_audio_processor_worklet.min.js']) {
    try {
      const ctx = new AudioContext();
      await ctx.audioWorklet.addModule(blobUrl(await (await fetch(`${base}/${f}`)).text()));
      out[f] = 'ok';
    } catch (e) { out[f] = String(e); }
  }
  try {
    await WebAssembly.compileStreaming(fetch(`${base}/audio.simd.wasm`));
    out.wasm_in_page = 'ok';
  } catch (e) { out.wasm_in_page = String(e); }
  try {
    const w = new Worker(blobUrl("onmessage = e => WebAssembly.compile(e.data).then(() => postMessage('ok'), x => postMessage(String(x)));"));
    const bytes = await (await fetch(`${base}/video.decode.wasm`)).arrayBuffer();
    out.wasm_in_worker = await new Promise(r => {
      w.onmessage = e => r(e.data);
      w.onerror = e => r('worker error: ' + e.message);
      w.postMessage(bytes, [bytes]);
    });
  } catch (e) { out.wasm_in_worker = String(e); }
  done(out);
})();
"#;

db_test!(the_sdks_audio_worklets_and_webassembly_run_under_the_meeting_pages_policy);
async fn the_sdks_audio_worklets_and_webassembly_run_under_the_meeting_pages_policy(
    b: TestAppBuilder,
) {
    let Some(s) = real_sdk("browser_real_sdk media under CSP", b).await else {
        return;
    };
    let br = real_sdk_browser(s.zoom_tls).await;
    let student = &s.t.app.student;
    br.sign_in(&s.t.app.base_url, &student.email, &student.password)
        .await;
    br.goto(&format!("{}{}", s.t.app.base_url, s.t.lesson_url()))
        .await;
    br.wait_css("#zoom-root").await;
    let out = br.c.execute_async(MEDIA_START_JS, vec![]).await.unwrap();
    // A worklet refused by the policy fails without any violation event or report,
    // so each step's own outcome is what tells.
    for step in [
        "js_audio_worklet.min.js",
        "js_audio_worklet_simd.min.js",
        "js_audio_processor_worklet.min.js",
        "wasm_in_page",
        "wasm_in_worker",
    ] {
        assert_eq!(out[step], "ok", "{step}: {out}");
    }
    br.assert_no_csp_violations().await;
    assert_eq!(crate::security::csp_reports(&s.t.app).await, 0);
    br.close().await;
}

db_test!(on_a_phone_the_real_sdks_own_dialog_fits_the_screen);
async fn on_a_phone_the_real_sdks_own_dialog_fits_the_screen(b: TestAppBuilder) {
    let Some(s) = real_sdk("browser_real_sdk phone", b).await else {
        return;
    };
    let br = real_sdk_phone(s.zoom_tls).await;
    let student = &s.t.app.student;
    br.sign_in(&s.t.app.base_url, &student.email, &student.password)
        .await;
    br.goto(&format!("{}{}", s.t.app.base_url, s.t.lesson_url()))
        .await;
    // On a phone the Zoom app leads; joining in the browser is still offered.
    br.click("#live-join").await;
    let mut waited = Duration::ZERO;
    while !br.text("#live-status").await.contains(SIM_REFUSAL) {
        assert!(
            waited < Duration::from_secs(30),
            "no failure shown: {:?}",
            br.text("#live-status").await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        waited += Duration::from_millis(200);
    }
    // Whatever the SDK drew in its root (its error dialog), the page still fits.
    let overflow = br
        .eval("return document.documentElement.scrollWidth - window.innerWidth")
        .await;
    assert!(
        overflow.as_i64().unwrap_or(1) <= 0,
        "the SDK's dialog makes the page scroll sideways by {overflow} px"
    );
    let png = br.c.screenshot().await.unwrap();
    std::fs::write("/tmp/real-sdk-phone-360.png", png).unwrap();
    br.close().await;
}
