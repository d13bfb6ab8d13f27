//! zoom-sim: a faithful local Zoom (OAuth, REST v2, webhooks, Meeting SDK join checks).
//!
//! Start it in a test with [`ZoomSim::start`]; see `CONTRACT.md` and `README.md`.
//!
//! The modules are layered: each uses only modules of the groups before its own (and inside
//! `api`, the handlers use `api`'s helpers and one another's), so no chain of uses leads
//! back to where it started; `tests/module_graph.rs` checks it. From the bottom: `clock`,
//! `model`, `tls` (time, the world's data, the certificate); `events` (webhook payloads) and
//! `api::errors`; `meeting` (a meeting's record: creating and deleting it, its encrypted
//! passcode, its recording object); `ops` (the meeting lifecycle), `api` and its handlers,
//! `webhooks`, `faults`; `oauth`, `room`; `control`; `server`, which puts every router behind
//! the fault layer. The crate root stands outside the layers: it declares them, holds
//! [`Shared`] (the state every module is handed) and the [`ZoomSim`] handle.

pub mod api;
pub mod clock;
pub mod control;
pub mod events;
pub mod faults;
pub mod meeting;
pub mod model;
pub mod oauth;
pub mod ops;
pub mod room;
pub mod server;
pub mod tls;
pub mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

pub use faults::{Fault, FaultKind, RecordedRequest};
pub use model::{Plan, UserType, WebInfoRequest};
pub use webhooks::WebhookDelivery;

use model::{Account, App, User, World};

/// Registration of an OAuth app (Zoom "General app").
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct AppSpec {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
    pub owner_account_id: String,
    #[serde(default)]
    pub webhook_url: Option<String>,
    #[serde(default)]
    pub webhook_secret: String,
    /// Default: the client id (Zoom's General app uses the same credentials).
    #[serde(default)]
    pub sdk_key: Option<String>,
    /// Default: the client secret.
    #[serde(default)]
    pub sdk_secret: Option<String>,
}

/// A participant as the simulator sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimParticipant {
    pub participant_id: String,
    pub name: String,
    pub email: String,
    pub customer_key: String,
    pub user_id: Option<String>,
    pub is_host: bool,
    pub obf_user_id: Option<String>,
    pub join_time: jiff::Timestamp,
}

/// A meeting or webinar as the simulator sees it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimMeeting {
    pub id: i64,
    pub uuid: String,
    pub host_id: String,
    pub account_id: String,
    pub topic: String,
    pub agenda: String,
    pub kind: i64,
    pub is_webinar: bool,
    /// "waiting" or "started".
    pub status: String,
    pub password: String,
    pub start_time: jiff::Timestamp,
    pub duration: i64,
    /// People in the meeting now.
    pub participants: Vec<SimParticipant>,
    /// UUIDs of ended instances, oldest first.
    pub past_uuids: Vec<String>,
    /// The settings as stored (defaults merged with what create and update sent).
    #[serde(default)]
    pub settings: serde_json::Value,
    /// A webinar's panellists: (e-mail, name).
    #[serde(default)]
    pub panelists: Vec<(String, String)>,
}

/// Shared state of one simulator instance.
pub struct Shared {
    pub world: Mutex<World>,
    pub clock: clock::SimClock,
    pub faults: faults::FaultTable,
    pub log: faults::RequestLog,
    pub hooks: webhooks::Hub,
    pub base_url: String,
}

impl Shared {
    /// Deliver a batch of prepared webhook events (never call with the world lock held).
    pub fn send(&self, out: Vec<events::Outgoing>) {
        for o in out {
            self.hooks.enqueue(o, self.clock.now());
        }
    }
}

struct Handle {
    shared: Arc<Shared>,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// A running simulator. Cheap to clone; dropping the last handle (or [`ZoomSim::shutdown`]) stops it.
#[derive(Clone)]
pub struct ZoomSim {
    h: Arc<Handle>,
}

impl std::fmt::Debug for ZoomSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZoomSim")
            .field("base_url", &self.h.shared.base_url)
            .finish()
    }
}

impl ZoomSim {
    /// Bind 127.0.0.1:0 and serve in a tokio task.
    pub async fn start() -> std::io::Result<ZoomSim> {
        Self::start_on(SocketAddr::from(([127, 0, 0, 1], 0))).await
    }

    pub async fn start_on(addr: SocketAddr) -> std::io::Result<ZoomSim> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let base_url = format!("http://{local}");
        let shared = Arc::new(Shared {
            world: Mutex::new(World::default()),
            clock: clock::SimClock::default(),
            faults: faults::FaultTable::default(),
            log: faults::RequestLog::default(),
            hooks: webhooks::Hub::new(),
            base_url,
        });
        let (tx, rx) = tokio::sync::watch::channel(false);
        server::spawn(listener, shared.clone(), rx.clone());
        webhooks::spawn_worker(shared.clone(), rx.clone());
        ops::spawn_ticker(shared.clone(), rx);
        Ok(ZoomSim {
            h: Arc::new(Handle {
                shared,
                shutdown: tx,
            }),
        })
    }

    /// Access to the internals (for the binary and advanced tests).
    pub fn shared(&self) -> &Arc<Shared> {
        &self.h.shared
    }

    /// Stop serving (all clones stop working).
    pub fn shutdown(&self) {
        let _ = self.h.shutdown.send(true);
    }

    pub fn base_url(&self) -> String {
        self.h.shared.base_url.clone()
    }

    pub fn api_base(&self) -> String {
        format!("{}/v2", self.h.shared.base_url)
    }

    /// The original one-file, lenient stand-in (no React needed, draws its own "ended"
    /// text). Kept while callers move to [`ZoomSim::sdk_base_url`].
    pub fn sdk_script_url(&self) -> String {
        format!("{}/_sim/sdk/zoom-meeting-sdk.js", self.h.shared.base_url)
    }

    /// The stand-in SDK in the layout of Zoom's CDN (`https://source.zoom.us`), for any
    /// version: `{base}/{v}/lib/vendor/{react,react-dom,redux,redux-thunk,lodash}.min.js`,
    /// `{base}/zoom-meeting-embedded-{v}.min.js` (component view) and
    /// `{base}/zoom-meeting-{v}.min.js` (client view). No trailing slash.
    pub fn sdk_base_url(&self) -> String {
        format!("{}/_sim/sdk", self.h.shared.base_url)
    }

    /// Serves the simulator over HTTPS as well, on a new 127.0.0.1 port, with the fixed
    /// certificate for [`tls::WEB_HOST`]. For the real Web SDK, which sends its requests to
    /// `https://{webEndpoint host}:443`: give it `webEndpoint: "zoom-sim.test"` and map that
    /// host's port 443 to the returned address in the browser (Chromium:
    /// `--host-resolver-rules="MAP zoom-sim.test:443 127.0.0.1:PORT"`).
    pub async fn listen_https(&self) -> std::io::Result<SocketAddr> {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
        let addr = listener.local_addr()?;
        server::spawn_tls(
            listener,
            self.h.shared.clone(),
            self.h.shutdown.subscribe(),
            tls::acceptor()?,
        );
        Ok(addr)
    }

    /// What the real Web SDK sent to `POST /api/v1/wc/info` (its first request to Zoom on
    /// `join()`), oldest first.
    pub fn web_info_requests(&self) -> Vec<WebInfoRequest> {
        self.h.shared.world.lock().web_info_requests.clone()
    }

    /// URL of the simulator's meeting room page for a meeting.
    pub fn room_url(&self, meeting_id: i64) -> String {
        format!("{}/wc/{meeting_id}", self.h.shared.base_url)
    }

    // ---- model ----

    pub fn create_account(&self, plan: Plan, webinar_addon: bool) -> String {
        let mut w = self.h.shared.world.lock();
        let id = model::zoom_id();
        w.next_account_number += 1;
        let number = w.next_account_number;
        w.accounts.insert(
            id.clone(),
            Account {
                id: id.clone(),
                number,
                plan,
                webinar_addon,
            },
        );
        id
    }

    /// Create a user (panics if the account does not exist).
    pub fn create_user(
        &self,
        account_id: &str,
        email: &str,
        first: &str,
        last: &str,
        kind: UserType,
    ) -> String {
        let now = self.now();
        let mut w = self.h.shared.world.lock();
        assert!(
            w.accounts.contains_key(account_id),
            "zoom-sim: unknown account {account_id}"
        );
        let id = model::zoom_id();
        let pmi = 5_000_000_000 + (w.users.len() as i64 + 1) * 7_919;
        w.users.insert(
            id.clone(),
            User {
                id: id.clone(),
                account_id: account_id.to_string(),
                email: email.to_string(),
                first_name: first.to_string(),
                last_name: last.to_string(),
                kind,
                timezone: "UTC".to_string(),
                pmi,
                created_at: now,
            },
        );
        id
    }

    /// Set a user's timezone (IANA id).
    pub fn set_user_timezone(&self, user_id: &str, tz: &str) {
        if let Some(u) = self.h.shared.world.lock().users.get_mut(user_id) {
            u.timezone = tz.to_string();
        }
    }

    /// Change a user's license type, as an account admin does in Zoom's user management
    /// (e.g. to `Unassigned`, who may no longer host or schedule: error 3161).
    pub fn set_user_type(&self, user_id: &str, kind: UserType) {
        if let Some(u) = self.h.shared.world.lock().users.get_mut(user_id) {
            u.kind = kind;
        }
    }

    /// Register an OAuth app. When it has a webhook URL, an `endpoint.url_validation`
    /// request is sent to it (asynchronously); see [`ZoomSim::webhook_validated`].
    pub fn create_app(&self, app: AppSpec) {
        let app = App {
            sdk_key: app.sdk_key.unwrap_or_else(|| app.client_id.clone()),
            sdk_secret: app.sdk_secret.unwrap_or_else(|| app.client_secret.clone()),
            client_id: app.client_id,
            client_secret: app.client_secret,
            redirect_uris: app.redirect_uris,
            scopes: app.scopes,
            owner_account_id: app.owner_account_id,
            webhook_url: app.webhook_url,
            webhook_secret: app.webhook_secret,
            webhook_validated: None,
        };
        let validate = app
            .webhook_url
            .clone()
            .map(|u| (u, app.webhook_secret.clone(), app.client_id.clone()));
        self.h
            .shared
            .world
            .lock()
            .apps
            .insert(app.client_id.clone(), app);
        if let Some((url, secret, client_id)) = validate {
            webhooks::spawn_url_validation(self.h.shared.clone(), client_id, url, secret);
        }
    }

    /// Result of the app's webhook endpoint validation (None while pending or without URL).
    pub fn webhook_validated(&self, client_id: &str) -> Option<bool> {
        self.h
            .shared
            .world
            .lock()
            .apps
            .get(client_id)
            .and_then(|a| a.webhook_validated)
    }

    pub fn set_plan(&self, account_id: &str, plan: Plan, webinar_addon: bool) {
        if let Some(a) = self.h.shared.world.lock().accounts.get_mut(account_id) {
            a.plan = plan;
            a.webinar_addon = webinar_addon;
        }
    }

    /// Change the scopes configured on the app. Existing tokens keep the scopes they were
    /// granted with (Zoom requires re-authorization after adding scopes).
    pub fn set_app_scopes(&self, client_id: &str, scopes: Vec<String>) {
        if let Some(a) = self.h.shared.world.lock().apps.get_mut(client_id) {
            a.scopes = scopes;
        }
    }

    pub fn set_auto_approve(&self, on: bool) {
        self.h.shared.world.lock().auto_approve = on;
    }

    pub fn set_login_user(&self, user_id: &str) {
        self.h.shared.world.lock().login_user = Some(user_id.to_string());
    }

    /// Turn per-second rate limiting on (default) or off (for throughput benchmarks).
    /// The per-host daily create/update limit stays on.
    pub fn set_rate_limits(&self, on: bool) {
        self.h.shared.world.lock().rate_limits = on;
    }

    /// Webhook retry delays (+5, +20, +60 min of simulated time) are divided by `factor`.
    pub fn set_webhook_time_compression(&self, factor: u32) {
        self.h.shared.hooks.set_compression(factor.max(1));
    }

    /// Webhook delivery timeout (default 3 s, like Zoom).
    pub fn set_webhook_timeout(&self, timeout: Duration) {
        self.h.shared.hooks.set_timeout(timeout);
    }

    pub fn advance_time(&self, by: Duration) {
        self.h.shared.clock.advance(by);
        ops::tick(&self.h.shared);
    }

    pub fn now(&self) -> jiff::Timestamp {
        self.h.shared.clock.now()
    }

    pub fn issue_code(
        &self,
        client_id: &str,
        user_id: &str,
        redirect_uri: &str,
        code_challenge: Option<&str>,
    ) -> String {
        oauth::issue_code(
            &self.h.shared,
            client_id,
            user_id,
            redirect_uri,
            code_challenge.map(|c| (c.to_string(), "S256".to_string())),
        )
    }

    // ---- faults and observation ----

    pub fn inject_fault(&self, fault: Fault) {
        self.h.shared.faults.add(fault);
    }

    pub fn clear_faults(&self) {
        self.h.shared.faults.clear();
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.h.shared.log.all()
    }

    pub fn count_requests(&self, method: &str, path_prefix: &str) -> usize {
        self.h.shared.log.count(method, path_prefix)
    }

    /// Requests being handled now (e.g. held by a latency fault); one whose client went
    /// away is no longer counted once its connection is dropped.
    pub fn in_flight(&self, method: &str, path_prefix: &str) -> usize {
        self.h.shared.log.in_flight(method, path_prefix)
    }

    /// Every webhook delivery attempt so far (including url_validation).
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.h.shared.hooks.deliveries()
    }

    /// Wait (real time) until `pred` holds for the delivery log, or the timeout passes.
    pub async fn wait_for_deliveries(
        &self,
        timeout: Duration,
        pred: impl Fn(&[WebhookDelivery]) -> bool,
    ) -> Vec<WebhookDelivery> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let d = self.webhook_deliveries();
            if pred(&d) || tokio::time::Instant::now() >= deadline {
                return d;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    // ---- meetings and events ----

    pub fn meetings(&self) -> Vec<SimMeeting> {
        let w = self.h.shared.world.lock();
        w.meetings.values().map(ops::snapshot).collect()
    }

    pub fn meeting(&self, meeting_id: i64) -> Option<SimMeeting> {
        self.h
            .shared
            .world
            .lock()
            .meetings
            .get(&meeting_id)
            .map(ops::snapshot)
    }

    /// Create a meeting directly (no REST call, no rate limit); returns its id.
    pub fn create_meeting(&self, host_id: &str, topic: &str, agenda: &str) -> i64 {
        ops::create_meeting_direct(&self.h.shared, host_id, topic, agenda, false)
    }

    /// Create a webinar directly (no REST call, no rate limit, no plan check); returns its id.
    pub fn create_webinar(&self, host_id: &str, topic: &str, agenda: &str) -> i64 {
        ops::create_meeting_direct(&self.h.shared, host_id, topic, agenda, true)
    }

    pub fn host_joins(&self, meeting_id: i64) {
        let _ = ops::host_join(&self.h.shared, meeting_id);
    }

    pub fn end_meeting(&self, meeting_id: i64) {
        let _ = ops::end_meeting(&self.h.shared, meeting_id, "Host ended the meeting.");
    }

    pub fn complete_recording(&self, meeting_id: i64) {
        let _ = ops::complete_recording(&self.h.shared, meeting_id);
    }

    pub fn deauthorize(&self, client_id: &str, user_id: &str) {
        ops::deauthorize(&self.h.shared, client_id, user_id);
    }

    pub fn participant_join(&self, meeting_id: i64, name: &str, email: &str, customer_key: &str) {
        let _ = ops::participant_join(
            &self.h.shared,
            meeting_id,
            ops::JoinAs {
                name: name.to_string(),
                email: email.to_string(),
                customer_key: customer_key.to_string(),
                zoom_user_id: None,
                is_host: false,
                obf_user_id: None,
            },
        );
    }

    pub fn participant_leave(&self, meeting_id: i64, customer_key: &str) {
        let _ = ops::participant_leave_by_key(&self.h.shared, meeting_id, customer_key);
    }
}
