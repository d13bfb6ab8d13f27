//! `/admin/webhooks`: a school's admins register endpoints for events, change them,
//! disable, enable, delete them, rotate a secret, read each endpoint's delivery log and
//! resend a delivery. Registering, saving, disabling, enabling, rotating and resending
//! answer with a redirect to the endpoint's page, which shows the new secret (or the
//! notice) once, handed over by [`crate::web::handover`]: a reload posts nothing again. A form with field errors (add,
//! edit) is the page again with 422, what was typed and each field's error, as every form
//! of the app answers. A delivery of a disabled endpoint is not resent (the log offers no
//! Resend then, and says why). Another school's endpoint is a 404 on every route.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::{Delivery, Endpoint, InputErrors};
use crate::web::context::Ctx;
use crate::web::form::Form;
use crate::web::page::{Page, render};
use crate::web::{AppError, AppResult, CoreState};

pub fn routes() -> axum::Router<CoreState> {
    axum::Router::new()
        .route("/admin/webhooks", get(list_page).post(create))
        .route("/admin/webhooks/{id}", get(endpoint_page).post(update))
        .route("/admin/webhooks/{id}/disable", post(disable))
        .route("/admin/webhooks/{id}/enable", post(enable))
        .route("/admin/webhooks/{id}/rotate", post(rotate))
        .route("/admin/webhooks/{id}/delete", post(delete))
        .route("/admin/webhooks/{id}/state", get(super::live::state))
        .route(
            "/admin/webhooks/{id}/deliveries/{delivery}/resend",
            post(resend),
        )
}

/// How many log lines the endpoint's page shows.
pub(super) const LOG_LINES: i64 = 50;

/// What the form showed, to show again with its errors.
#[derive(Default)]
struct Values {
    url: String,
    events: Vec<String>,
    allow_private: bool,
}

impl Values {
    fn has(&self, event: &str) -> bool {
        self.events.iter().any(|e| e == event)
    }
    fn of(e: &Endpoint) -> Values {
        Values {
            url: e.url.clone(),
            events: e.event_list().into_iter().map(str::to_string).collect(),
            allow_private: e.allows_private(),
        }
    }
}

/// The form's errors in the viewer's language.
#[derive(Default)]
struct Shown {
    url: Option<String>,
    events: Option<String>,
}

impl Shown {
    fn of(ctx: &Ctx, e: &InputErrors) -> Shown {
        Shown {
            url: e.url.map(|k| ctx.t(k)),
            events: e.events.map(|k| ctx.t(k)),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "outbound/list.html")]
struct ListPage {
    ctx: Ctx,
    endpoints: Vec<Endpoint>,
    events: Vec<&'static str>,
    form: Values,
    errors: Shown,
}

#[derive(askama::Template)]
#[template(path = "outbound/endpoint.html")]
struct EndpointPage {
    ctx: Ctx,
    endpoint: Endpoint,
    events: Vec<&'static str>,
    form: Values,
    errors: Shown,
    deliveries: Vec<Delivery>,
    /// A secret just made (created or rotated): shown this once.
    secret: Option<String>,
    /// What just happened, as a Fluent key ("saved", "resent", …).
    notice: Option<String>,
}

fn values(fields: &[(String, String)]) -> Values {
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    Values {
        url: field("url"),
        events: fields
            .iter()
            .filter(|(k, _)| k == "event")
            .map(|(_, v)| v.clone())
            .collect(),
        allow_private: !field("allow_private").is_empty(),
    }
}

async fn list_page(State(state): State<CoreState>, ctx: Ctx) -> AppResult<Page> {
    let admin = ctx.require_admin()?.clone();
    render(&ListPage {
        endpoints: super::list(&state.db, admin.school_id).await?,
        ctx,
        events: super::event_names(),
        form: Values::default(),
        errors: Shown::default(),
    })
}

async fn create(
    State(state): State<CoreState>,
    ctx: Ctx,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let admin = ctx.require_admin()?.clone();
    let form = values(&fields);
    let input = match super::check_input(&form.url, &form.events, form.allow_private).await {
        Ok(input) => input,
        Err(e) => {
            let errors = Shown::of(&ctx, &e);
            let page = render(&ListPage {
                endpoints: super::list(&state.db, admin.school_id).await?,
                ctx,
                events: super::event_names(),
                form,
                errors,
            })?;
            return Ok(page
                .status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response());
        }
    };
    let (id, secret) =
        super::create(&state.db, &state.config.secret_key, admin.school_id, &input).await?;
    handed(&state, &ctx, id, Some("outbound-created"), Some(secret))
}

/// A 303 to the endpoint's page, handing it a notice and a secret to show once.
fn handed(
    state: &CoreState,
    ctx: &Ctx,
    id: i64,
    notice: Option<&str>,
    secret: Option<String>,
) -> AppResult<Response> {
    crate::web::handover::redirect_in_session(
        &state.config,
        ctx,
        state.db.now_ms(),
        &format!("/admin/webhooks/{id}"),
        notice,
        secret,
    )
}

/// The endpoint's page, with a secret (just made) or a notice.
async fn show(
    state: &CoreState,
    ctx: Ctx,
    id: i64,
    secret: Option<String>,
    notice: Option<&str>,
) -> AppResult<Response> {
    let school_id = ctx.require_admin()?.school_id;
    let endpoint = super::by_id(&state.db, school_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let deliveries = super::deliveries(&state.db, school_id, id, LOG_LINES).await?;
    let has_secret = secret.is_some();
    let page = render(&EndpointPage {
        form: Values::of(&endpoint),
        endpoint,
        events: super::event_names(),
        errors: Shown::default(),
        deliveries,
        secret,
        notice: notice.map(|k| ctx.t(k)),
        ctx,
    })?;
    // A page with a secret in it is kept by no cache.
    Ok(if has_secret {
        page.secret_in_url()
    } else {
        page
    }
    .into_response())
}

/// The endpoint's page, with what the POST before handed over (taken, so shown once).
async fn endpoint_page(
    State(state): State<CoreState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let (handover, clear) = crate::web::handover::take_in_session(
        &state.config,
        &ctx,
        &headers,
        state.db.now_ms(),
        &format!("/admin/webhooks/{id}"),
    );
    let (notice, secret) = handover.map(|h| (h.notice, h.secret)).unwrap_or_default();
    let resp = show(&state, ctx, id, secret, notice.as_deref()).await?;
    Ok(crate::web::handover::cleared(resp, clear))
}

async fn update(
    State(state): State<CoreState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let school_id = ctx.require_admin()?.school_id;
    let endpoint = super::by_id(&state.db, school_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = values(&fields);
    match super::check_input(&form.url, &form.events, form.allow_private).await {
        Ok(input) => {
            super::update(&state.db, school_id, id, &input).await?;
            handed(&state, &ctx, id, Some("outbound-saved"), None)
        }
        // As the add form: the page again at its own address (the POST's is the page's),
        // 422, with what was typed and each field's error; nothing saved, so a reload
        // can only post the same refused input again.
        Err(e) => {
            let deliveries = super::deliveries(&state.db, school_id, id, LOG_LINES).await?;
            let errors = Shown::of(&ctx, &e);
            let page = render(&EndpointPage {
                endpoint,
                events: super::event_names(),
                form,
                errors,
                deliveries,
                secret: None,
                notice: None,
                ctx,
            })?;
            Ok(page
                .status(StatusCode::UNPROCESSABLE_ENTITY)
                .into_response())
        }
    }
}

async fn disable(
    State(state): State<CoreState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let school_id = ctx.require_admin()?.school_id;
    if !super::set_enabled(&state.db, school_id, id, false).await? {
        return Err(AppError::NotFound);
    }
    handed(&state, &ctx, id, Some("outbound-disabled-notice"), None)
}

async fn enable(
    State(state): State<CoreState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let school_id = ctx.require_admin()?.school_id;
    if !super::set_enabled(&state.db, school_id, id, true).await? {
        return Err(AppError::NotFound);
    }
    handed(&state, &ctx, id, Some("outbound-enabled-notice"), None)
}

async fn rotate(
    State(state): State<CoreState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let school_id = ctx.require_admin()?.school_id;
    let secret = super::rotate_secret(&state.db, &state.config.secret_key, school_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    handed(&state, &ctx, id, Some("outbound-rotated"), Some(secret))
}

async fn delete(
    State(state): State<CoreState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let school_id = ctx.require_admin()?.school_id;
    if !super::delete(&state.db, school_id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/admin/webhooks").into_response())
}

async fn resend(
    State(state): State<CoreState>,
    ctx: Ctx,
    Path((id, delivery)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let school_id = ctx.require_admin()?.school_id;
    let notice = match super::resend(&state.db, school_id, id, delivery).await? {
        super::Resent::Queued => "outbound-resent",
        // The page offers no Resend then; a form left open from before lands here.
        super::Resent::EndpointDisabled => "outbound-resend-disabled",
        super::Resent::NotFound => return Err(AppError::NotFound),
    };
    handed(&state, &ctx, id, Some(notice), None)
}
