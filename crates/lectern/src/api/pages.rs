//! Profile → API tokens (`/profile/tokens`): a user's personal access tokens — create (the
//! token is shown on the answer to that POST, once, and never again; a scope the user's
//! role can never use is a field error on that scope, the form kept), list, revoke (after
//! the browser asks, `data-confirm`). Each scope is described in a line.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::ApiState;
use super::tokens::{self, DAY_CHOICES, NewTokenError, Token};
use crate::web::context::Ctx;
use crate::web::form::Form;
use crate::web::page::{Page, render};
use crate::web::{AppError, AppResult};

pub fn routes() -> axum::Router<ApiState> {
    axum::Router::new()
        .route("/profile/tokens", get(page).post(create))
        .route("/profile/tokens/{id}/revoke", post(revoke))
}

#[derive(askama::Template)]
#[template(path = "api/tokens.html")]
struct TokensPage {
    ctx: Ctx,
    tokens: Vec<Token>,
    now: i64,
    /// The scopes the user's role can use (and any refused, sent anyway).
    scopes: Vec<ScopeChoice>,
    days: [i64; 4],
    /// The form as sent (kept when refused): name and lifetime.
    name: String,
    days_chosen: i64,
    /// The token just created: shown this once.
    created: Option<String>,
    error: Option<String>,
    revoked: bool,
}

/// One scope of the form: its line of description, whether it is ticked, and its error.
struct ScopeChoice {
    name: &'static str,
    description: String,
    checked: bool,
    error: Option<String>,
}

/// The form's scopes: those `role` can use, and those refused it (with their errors).
fn choices(
    ctx: &Ctx,
    role: crate::accounts::Role,
    sent: &[String],
    refused: &[&'static str],
) -> Vec<ScopeChoice> {
    let offered = tokens::offered(role);
    tokens::SCOPES
        .into_iter()
        .filter(|s| offered.contains(s) || refused.contains(s))
        .map(|s| ScopeChoice {
            name: s,
            description: ctx.t(&format!("api-scope-{}", s.replace(':', "-"))),
            checked: sent.iter().any(|x| x == s),
            error: refused
                .contains(&s)
                .then(|| ctx.t1("api-token-error-role", "scope", s)),
        })
        .collect()
}

/// The lifetime the form starts with.
const DEFAULT_DAYS: i64 = 90;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Shown {
    revoked: String,
}

async fn page(State(state): State<ApiState>, ctx: Ctx, Query(q): Query<Shown>) -> AppResult<Page> {
    let user = ctx.require_user()?.clone();
    let tokens = tokens::of_user(&state.db, user.school_id, user.id).await?;
    render(&TokensPage {
        now: state.db.now_ms(),
        scopes: choices(&ctx, user.role, &[], &[]),
        ctx,
        tokens,
        days: DAY_CHOICES,
        name: String::new(),
        days_chosen: DEFAULT_DAYS,
        created: None,
        error: None,
        revoked: !q.revoked.is_empty(),
    })
}

async fn create(
    State(state): State<ApiState>,
    ctx: Ctx,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let scopes: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v.clone())
        .collect();
    let days = field("days").parse::<i64>().unwrap_or(0);
    // A scope the role can never use: refused with a field error on that scope, nothing
    // made; the other checks still run, so every problem is named at once.
    let refused = tokens::beyond_role(user.role, &scopes);
    let made = match tokens::check_new(&field("name"), &scopes, days) {
        Err(e) => Err(Some(e)),
        // Its field errors say it all.
        Ok(_) if !refused.is_empty() => Err(None),
        Ok(_) => tokens::create(
            &state.db,
            &state.config.secret_key,
            &user,
            &field("name"),
            &scopes,
            days,
        )
        .await?
        .map_err(Some),
    };
    let (created, error) = match made {
        Ok((_, secret)) => (Some(secret), None),
        Err(e) => (
            None,
            e.map(|e| match e {
                NewTokenError::Name => ctx.t("api-token-error-name"),
                NewTokenError::NoScope | NewTokenError::UnknownScope(_) => {
                    ctx.t("api-token-error-scope")
                }
                NewTokenError::Days => ctx.t("api-token-error-days"),
            }),
        ),
    };
    let failed = created.is_none();
    let tokens = tokens::of_user(&state.db, user.school_id, user.id).await?;
    let (scopes, name, days_chosen) = if failed {
        (
            choices(&ctx, user.role, &scopes, &refused),
            field("name"),
            if DAY_CHOICES.contains(&days) {
                days
            } else {
                DEFAULT_DAYS
            },
        )
    } else {
        (
            choices(&ctx, user.role, &[], &[]),
            String::new(),
            DEFAULT_DAYS,
        )
    };
    let page = render(&TokensPage {
        now: state.db.now_ms(),
        ctx,
        tokens,
        scopes,
        days: DAY_CHOICES,
        name,
        days_chosen,
        created,
        error,
        revoked: false,
    })?;
    Ok(if failed {
        page.status(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
    } else {
        // The token is in the page: no cache keeps it.
        page.secret_in_url()
    }
    .into_response())
}

async fn revoke(
    State(state): State<ApiState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let user = ctx.require_user()?;
    if !tokens::revoke(&state.db, user.school_id, user.id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/profile/tokens?revoked=1").into_response())
}
