//! A Zoom simulator wired to a test app: an account, a user matching the test instructor
//! (who is "signed in to Zoom"), and our OAuth app registered with the app's redirect URI
//! and webhook URL.

use lectern::zoom_connection::scopes;
use zoom_sim::{AppSpec, Plan, UserType, ZoomSim};

use super::{Resp, TestApp, TestAppBuilder, TestClient};

pub struct ZoomFixture {
    pub sim: ZoomSim,
    pub client_id: String,
    pub client_secret: String,
    pub webhook_secret: String,
    pub account: String,
    pub zoom_user: String,
}

impl ZoomFixture {
    pub async fn start() -> ZoomFixture {
        let sim = ZoomSim::start().await.expect("zoom-sim");
        let account = sim.create_account(Plan::Pro, true);
        let zoom_user = sim.create_user(
            &account,
            "instructor@test.example",
            "Ines",
            "Instructor",
            UserType::Licensed,
        );
        sim.set_login_user(&zoom_user);
        sim.set_auto_approve(true);
        ZoomFixture {
            sim,
            client_id: format!("client-{}", uuid::Uuid::new_v4().simple()),
            client_secret: "client-secret-for-tests".into(),
            webhook_secret: "webhook-secret-for-tests".into(),
            account,
            zoom_user,
        }
    }

    /// Points the app's Zoom configuration at the simulator.
    pub fn configure(&self, b: TestAppBuilder) -> TestAppBuilder {
        b.env("ZOOM_CLIENT_ID", self.client_id.clone())
            .env("ZOOM_CLIENT_SECRET", self.client_secret.clone())
            .env("ZOOM_WEBHOOK_SECRET_TOKEN", self.webhook_secret.clone())
            .env("ZOOM_OAUTH_BASE", self.sim.base_url())
            .env("ZOOM_API_BASE", self.sim.api_base())
            .env("ZOOM_SDK_URL", self.sim.sdk_base_url())
    }

    /// Registers our app in the simulator; `scopes` defaults to everything Lectern needs.
    pub fn register(&self, app: &TestApp, scopes: Option<Vec<String>>) {
        self.register_at(&app.base_url, scopes);
    }

    /// The same for an app at `base` (a `lectern` binary started by a test).
    pub fn register_at(&self, base: &str, scopes: Option<Vec<String>>) {
        let scopes =
            scopes.unwrap_or_else(|| scopes::needed().iter().map(|s| s.to_string()).collect());
        self.sim.create_app(AppSpec {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            redirect_uris: vec![format!("{base}/integrations/zoom/callback")],
            scopes,
            owner_account_id: self.account.clone(),
            webhook_url: Some(format!("{base}/webhooks/zoom")),
            webhook_secret: self.webhook_secret.clone(),
            sdk_key: None,
            sdk_secret: None,
        });
    }

    /// Clicks "Connect Zoom Account" as `client` and returns Zoom's redirect (the callback
    /// URL with `code` and `state`), without following it.
    pub async fn authorize(&self, client: &TestClient, target: &str) -> String {
        let start = client
            .post_form_raw(
                "/integrations/zoom/connect",
                &[
                    ("_csrf", &client.csrf_for("/settings/integrations").await),
                    ("for", target),
                ],
            )
            .await;
        let to_zoom = start.location().expect("redirect to Zoom").to_string();
        assert!(to_zoom.starts_with(&self.sim.base_url()), "{to_zoom}");
        let zoom = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = zoom.get(&to_zoom).send().await.expect("zoom authorize");
        r.headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("zoom redirects back")
            .to_string()
    }

    /// The whole connect flow; returns the callback page.
    pub async fn connect(&self, client: &TestClient, target: &str) -> Resp {
        let back = self.authorize(client, target).await;
        client.get(&back).await
    }

    /// The admin `client` disconnects the school's Zoom in Settings → Integrations.
    pub async fn disconnect_school(&self, client: &TestClient) {
        client
            .post_form(
                "/integrations/zoom/disconnect?for=school",
                &[("for", "school")],
            )
            .await
            .assert_redirect_to("/settings/integrations");
    }

    pub fn token_calls(&self) -> usize {
        self.sim.count_requests("POST", "/oauth/token")
    }
}
