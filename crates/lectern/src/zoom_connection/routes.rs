//! Settings → Integrations (the school's Zoom card and health panel), an instructor's own
//! Zoom card, and the connect / callback / disconnect / delete-data endpoints.

use axum::Router;
use axum::extract::{Query, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::ZoomDeps;
use super::flow::{self, CallbackQuery, Outcome, StartError};
use super::{ConnState, Connection, Owner, scopes};
use crate::db::now_ms;
use crate::web::{AppError, AppResult, Ctx, Form, Page, render};

pub fn routes() -> Router<ZoomDeps> {
    Router::new()
        .route("/settings/integrations", get(integrations))
        .route("/profile/zoom", get(personal))
        .route("/integrations/zoom/connect", axum::routing::post(connect))
        .route("/integrations/zoom/callback", get(callback))
        .route(
            "/integrations/zoom/disconnect",
            get(disconnect_confirm).post(disconnect),
        )
        .route(
            "/integrations/zoom/delete-data",
            get(delete_confirm).post(delete_data),
        )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ForForm {
    #[serde(rename = "for")]
    target: String,
}

/// Who the request acts for, with the permission that needs.
fn owner_for(ctx: &Ctx, target: &str) -> AppResult<Owner> {
    match target {
        "me" => Ok(Owner::User(ctx.require_teacher()?.id)),
        _ => {
            ctx.require_admin()?;
            Ok(Owner::School)
        }
    }
}

/// What the Zoom card shows; never a token.
pub(crate) struct Card {
    pub target: &'static str,
    pub configured: bool,
    pub state: &'static str,
    pub email: String,
    pub display_name: String,
    pub connected_at: Option<i64>,
    pub disconnected_at: Option<i64>,
    pub deauthorized_at: Option<i64>,
    pub granted: Vec<String>,
    pub needed: Vec<&'static str>,
    pub missing: Vec<&'static str>,
    pub access_expires_at: Option<i64>,
    pub last_refresh_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
    pub host_usage: Vec<(String, i64)>,
    pub account_level: bool,
    /// Seconds until this instance tries Zoom again, while the connection's circuit is
    /// open (0 when half-open).
    pub circuit_open_secs: Option<u64>,
}

impl Card {
    pub(crate) fn missing_list(&self) -> String {
        self.missing.join(", ")
    }

    /// The catalogue key of the state in words ("Connected", "Needs reconnecting", …).
    pub(crate) fn state_key(&self) -> &'static str {
        match self.state {
            "connected" => "zoom-state-connected",
            "needs_reconnect" => "zoom-state-needs-reconnect",
            "deauthorized" => "zoom-state-deauthorized",
            "disconnected" => "zoom-state-disconnected",
            _ => "zoom-state-none",
        }
    }

    /// Each needed scope once, with whether the grant covers it.
    pub(crate) fn needed_scopes(&self) -> Vec<(&'static str, bool)> {
        self.needed
            .iter()
            .map(|s| (*s, !self.missing.contains(s)))
            .collect()
    }

    /// Granted scopes that are not listed as needed, each once (Zoom may repeat them, and a
    /// needed one is already shown with its tick).
    pub(crate) fn other_granted(&self) -> Vec<&str> {
        let mut v: Vec<&str> = self
            .granted
            .iter()
            .map(String::as_str)
            .filter(|g| !self.needed.contains(g))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

async fn card(state: &ZoomDeps, school_id: i64, owner: Owner) -> AppResult<Card> {
    let conn: Option<Connection> = super::find(&state.db, school_id, owner).await?;
    let target = if owner == Owner::School {
        "school"
    } else {
        "me"
    };
    let mut c = Card {
        target,
        configured: state.zoom.is_some(),
        state: "none",
        email: String::new(),
        display_name: String::new(),
        connected_at: None,
        disconnected_at: None,
        deauthorized_at: None,
        granted: Vec::new(),
        needed: scopes::needed(),
        missing: Vec::new(),
        access_expires_at: None,
        last_refresh_at: None,
        last_error: None,
        last_error_at: None,
        host_usage: Vec::new(),
        account_level: false,
        circuit_open_secs: None,
    };
    let Some(conn) = conn else { return Ok(c) };
    c.state = conn.state().as_str();
    c.email = conn.zoom_email.clone().unwrap_or_default();
    c.display_name = conn.zoom_display_name.clone().unwrap_or_default();
    c.connected_at = conn.connected_at;
    c.disconnected_at = conn.disconnected_at;
    c.deauthorized_at = conn.deauthorized_at;
    c.granted = conn.granted().iter().map(|s| s.to_string()).collect();
    c.missing = if conn.is_connected() {
        conn.missing_scopes()
    } else {
        Vec::new()
    };
    c.last_refresh_at = conn.last_refresh_at;
    c.last_error = conn.last_error.clone();
    c.last_error_at = conn.last_error_at;
    c.account_level = conn.account_level();
    c.circuit_open_secs = state
        .zoom
        .as_ref()
        .and_then(|rt| match rt.circuit_state(conn.id) {
            zoom::CircuitState::Closed => None,
            zoom::CircuitState::Open { remaining } => Some(remaining.as_secs() + 1),
            zoom::CircuitState::HalfOpen => Some(0),
        });
    c.access_expires_at = super::tokens::access_expires_at(&state.db, conn.id).await?;
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string();
    let rows = super::usage::host_counters(&state.db).await?;
    c.host_usage = rows
        .into_iter()
        .filter_map(|(k, hits)| {
            let rest = k.strip_prefix("zoom:host:")?;
            let (host, day) = rest.split_once(":writes:")?;
            (day == today && Some(host) == conn.zoom_user_id.as_deref())
                .then(|| (host.to_string(), hits.min(100)))
        })
        .collect();
    Ok(c)
}

#[derive(askama::Template)]
#[template(path = "zoom/integrations.html")]
struct IntegrationsPage {
    ctx: Ctx,
    card: Card,
    redirect_uri: String,
}

async fn integrations(State(state): State<ZoomDeps>, ctx: Ctx) -> AppResult<Page> {
    ctx.require_admin()?;
    let card = card(&state, ctx.school.id, Owner::School).await?;
    render(&IntegrationsPage {
        ctx,
        card,
        redirect_uri: state.config.zoom_redirect_uri(),
    })
}

#[derive(askama::Template)]
#[template(path = "zoom/personal.html")]
struct PersonalPage {
    ctx: Ctx,
    card: Card,
}

async fn personal(State(state): State<ZoomDeps>, ctx: Ctx) -> AppResult<Page> {
    let me = ctx.require_teacher()?.id;
    let card = card(&state, ctx.school.id, Owner::User(me)).await?;
    render(&PersonalPage { ctx, card })
}

async fn connect(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Form(form): Form<ForForm>,
) -> AppResult<Response> {
    let owner = owner_for(&ctx, &form.target)?;
    match flow::start(&state, &ctx, owner).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(StartError::NotConfigured) => Err(AppError::BadRequest(ctx.t("zoom-not-configured"))),
        Err(StartError::NoSession) => Err(AppError::SignInRequired),
        Err(StartError::Db(e)) => Err(e.into()),
    }
}

#[derive(askama::Template)]
#[template(path = "zoom/callback.html")]
struct CallbackPage {
    ctx: Ctx,
    ok: bool,
    title: String,
    message: String,
    steps: Vec<String>,
    back: &'static str,
    reconnect_target: Option<&'static str>,
}

async fn callback(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    RawQuery(raw): RawQuery,
    Query(q): Query<CallbackQuery>,
) -> AppResult<Response> {
    if let Some(school_id) = match q.state.as_deref() {
        Some(s) if !s.is_empty() => flow::school_of_state(&state, s).await?,
        _ => None,
    } && school_id != ctx.school.id
    {
        let query = raw.unwrap_or_default();
        let to = state
            .school_url(school_id, &format!("/integrations/zoom/callback?{query}"))
            .await?;
        return Ok(Redirect::to(&to).into_response());
    }
    ctx.require_user()?;
    let outcome = flow::callback(&state, &ctx, q).await;
    let back = if ctx.is_admin() {
        "/settings/integrations"
    } else {
        "/profile/zoom"
    };
    let redirect_uri = state.config.zoom_redirect_uri();
    let (ok, title, message, steps, reconnect_target, back) = match outcome {
        Outcome::Connected {
            owner,
            missing_scopes,
            email,
        } => {
            let back = if owner == Owner::School {
                "/settings/integrations"
            } else {
                "/profile/zoom"
            };
            let target = if owner == Owner::School {
                "school"
            } else {
                "me"
            };
            if missing_scopes.is_empty() {
                (
                    true,
                    ctx.t("zoom-connected-title"),
                    ctx.t1("zoom-connected-message", "email", &email),
                    vec![],
                    None,
                    back,
                )
            } else {
                (
                    false,
                    ctx.t("zoom-degraded-title"),
                    ctx.t1("zoom-missing-scopes", "scopes", missing_scopes.join(", ")),
                    vec![ctx.t("zoom-step-approve-scopes")],
                    Some(target),
                    back,
                )
            }
        }
        Outcome::Denied => (
            false,
            ctx.t("zoom-denied-title"),
            ctx.t("zoom-denied-message"),
            vec![],
            None,
            back,
        ),
        Outcome::NoCode => (
            false,
            ctx.t("zoom-no-code"),
            ctx.t("zoom-no-code-message"),
            vec![
                ctx.t("zoom-step-no-blocking"),
                ctx.t1("zoom-step-redirect-uri", "uri", &redirect_uri),
                ctx.t("zoom-step-try-again"),
            ],
            None,
            back,
        ),
        Outcome::BadState => (
            false,
            ctx.t("zoom-bad-state-title"),
            ctx.t("zoom-bad-state-message"),
            vec![ctx.t("zoom-step-try-again")],
            None,
            back,
        ),
        Outcome::ExchangeFailed(reason) => (
            false,
            ctx.t("zoom-oauth-failed-title"),
            ctx.t1("zoom-oauth-failed", "reason", reason),
            vec![
                ctx.t("zoom-step-approve-scopes"),
                ctx.t("zoom-step-reconnect"),
                ctx.t1("zoom-step-redirect-uri", "uri", &redirect_uri),
            ],
            None,
            back,
        ),
        Outcome::SaveFailed => (
            false,
            ctx.t("zoom-save-failed"),
            ctx.t("zoom-save-failed-message"),
            vec![ctx.t("zoom-step-refresh"), ctx.t("zoom-step-support")],
            None,
            back,
        ),
        Outcome::NotConfigured => (
            false,
            ctx.t("zoom-not-configured"),
            ctx.t("zoom-not-configured-hint"),
            vec![],
            None,
            back,
        ),
    };
    let page = render(&CallbackPage {
        ctx,
        ok,
        title,
        message,
        steps,
        back,
        reconnect_target,
    })?;
    // The callback URL carried a code and state: never leak it through Referer.
    Ok(page.secret_in_url().into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ForQuery {
    #[serde(rename = "for")]
    target: String,
}

#[derive(askama::Template)]
#[template(path = "zoom/disconnect.html")]
struct DisconnectPage {
    ctx: Ctx,
    target: String,
}

async fn disconnect_confirm(ctx: Ctx, Query(q): Query<ForQuery>) -> AppResult<Page> {
    owner_for(&ctx, &q.target)?;
    let target = if q.target == "me" {
        "me".to_string()
    } else {
        "school".to_string()
    };
    render(&DisconnectPage { ctx, target })
}

async fn disconnect(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Form(form): Form<ForForm>,
) -> AppResult<Redirect> {
    let owner = owner_for(&ctx, &form.target)?;
    let back = if owner == Owner::School {
        "/settings/integrations"
    } else {
        "/profile/zoom"
    };
    let Some(conn) = super::find(&state.db, ctx.school.id, owner).await? else {
        return Ok(Redirect::to(back));
    };
    // Revoke at Zoom first (best effort); the outcome is logged, the token never is.
    if let (Some(rt), Ok(Some(tokens))) = (&state.zoom, super::tokens::load(&state, conn.id).await)
    {
        match rt.client.revoke(&tokens.access).await {
            Ok(()) => tracing::info!(connection = conn.id, "Zoom token revoked"),
            Err(e) => {
                tracing::warn!(connection = conn.id, error = %e, "Zoom token revoke failed; tokens deleted anyway")
            }
        }
    }
    super::end(&state.db, conn.id, ConnState::Disconnected, now_ms()).await?;
    let mut tx = state.db.pool.begin().await?;
    super::audit(
        &mut tx,
        ctx.school.id,
        ctx.user.as_ref().map(|u| u.id),
        "zoom.disconnect",
        &owner.scope_key(),
    )
    .await?;
    tx.commit().await?;
    Ok(Redirect::to(back))
}

#[derive(askama::Template)]
#[template(path = "zoom/delete_data.html")]
struct DeleteDataPage {
    ctx: Ctx,
}

async fn delete_confirm(ctx: Ctx) -> AppResult<Page> {
    ctx.require_admin()?;
    render(&DeleteDataPage { ctx })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfirmForm {
    confirm: String,
}

async fn delete_data(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Redirect> {
    let admin = ctx.require_admin()?.id;
    if form.confirm != "DELETE" {
        return Err(AppError::BadRequest(ctx.t("zoom-delete-confirm-required")));
    }
    // Revoke what we can before forgetting the tokens.
    for owner_conn in super::ids_of_school(&state.db, ctx.school.id).await? {
        if let (Some(rt), Ok(Some(tokens))) =
            (&state.zoom, super::tokens::load(&state, owner_conn).await)
        {
            let _ = rt.client.revoke(&tokens.access).await;
        }
    }
    super::delete_all_data(&state.db, &*state.hooks, ctx.school.id, admin).await?;
    Ok(Redirect::to("/settings/integrations"))
}
