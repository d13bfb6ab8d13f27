//! Profile → API tokens (`/profile/tokens`): a user's personal access tokens — create (the
//! token is shown on the answer to that POST, once, and never again), list, revoke.

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
    /// The scopes the user's role can use.
    scopes: Vec<&'static str>,
    days: [i64; 4],
    /// The token just created: shown this once.
    created: Option<String>,
    error: Option<String>,
    revoked: bool,
}

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
        ctx,
        tokens,
        scopes: tokens::offered(user.role),
        days: DAY_CHOICES,
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
    let made = tokens::create(
        &state.db,
        &state.config.secret_key,
        &user,
        &field("name"),
        &scopes,
        days,
    )
    .await?;
    let (created, error) = match made {
        Ok((_, secret)) => (Some(secret), None),
        Err(e) => (
            None,
            Some(match e {
                NewTokenError::Name => ctx.t("api-token-error-name"),
                NewTokenError::NoScope | NewTokenError::UnknownScope(_) => {
                    ctx.t("api-token-error-scope")
                }
                NewTokenError::Days => ctx.t("api-token-error-days"),
            }),
        ),
    };
    let failed = error.is_some();
    let tokens = tokens::of_user(&state.db, user.school_id, user.id).await?;
    let page = render(&TokensPage {
        now: state.db.now_ms(),
        ctx,
        tokens,
        scopes: tokens::offered(user.role),
        days: DAY_CHOICES,
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
