//! Profile → API tokens (`/profile/tokens`): a user's personal access tokens — create (a
//! 303 back to the page, which shows the token once through `web::handover`, so a reload
//! neither shows it again nor makes a second token; a scope the user's role can never use
//! is a field error on that scope, the form kept at 422), list, revoke (after the browser
//! asks, `data-confirm`; a 303 with a one-time notice). Each scope is described in a line.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::ApiState;
use super::tokens::{self, DAY_CHOICES, NewTokenError, Token};
use crate::web::context::Ctx;
use crate::web::form::Form;
use crate::web::page::render;
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

impl TokensPage {
    /// A token's state (`Token::state`) as the list shows it.
    fn state_label(&self, state: &str) -> String {
        self.ctx.t(match state {
            "revoked" => "api-token-state-revoked",
            "expired" => "api-token-state-expired",
            _ => "api-token-state-active",
        })
    }
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

const PAGE: &str = "/profile/tokens";
const REVOKED: &str = "api-token-revoked";

/// The page, with what the POST before handed over (a token just made, or the notice
/// that one was revoked), taken so that it is shown once.
async fn page(
    State(state): State<ApiState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    let (handover, clear) = crate::web::handover::take_in_session(
        &state.config,
        &ctx,
        &headers,
        state.db.now_ms(),
        PAGE,
    );
    let (notice, created) = handover.map(|h| (h.notice, h.secret)).unwrap_or_default();
    let tokens = tokens::of_user(&state.db, user.school_id, user.id).await?;
    let has_secret = created.is_some();
    let page = render(&TokensPage {
        now: state.db.now_ms(),
        scopes: choices(&ctx, user.role, &[], &[]),
        ctx,
        tokens,
        days: DAY_CHOICES,
        name: String::new(),
        days_chosen: DEFAULT_DAYS,
        created,
        error: None,
        revoked: notice.as_deref() == Some(REVOKED),
    })?;
    // The token is in the page: no cache keeps it.
    let resp = if has_secret {
        page.secret_in_url()
    } else {
        page
    }
    .into_response();
    Ok(crate::web::handover::cleared(resp, clear))
}

/// A 303 to the page, handing it a notice or a token to show once.
fn handed(
    state: &ApiState,
    ctx: &Ctx,
    notice: Option<&str>,
    secret: Option<String>,
) -> AppResult<Response> {
    crate::web::handover::redirect_in_session(
        &state.config,
        ctx,
        state.db.now_ms(),
        PAGE,
        notice,
        secret,
    )
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
    let error = match made {
        Ok((_, secret)) => return handed(&state, &ctx, None, Some(secret)),
        Err(e) => e.map(|e| match e {
            NewTokenError::Name => ctx.t("api-token-error-name"),
            NewTokenError::NoScope | NewTokenError::UnknownScope(_) => {
                ctx.t("api-token-error-scope")
            }
            NewTokenError::Days => ctx.t("api-token-error-days"),
        }),
    };
    // Refused: the page again at its own address (the POST's is the page's), 422, with
    // the form as sent and its errors; nothing made.
    let tokens = tokens::of_user(&state.db, user.school_id, user.id).await?;
    let page = render(&TokensPage {
        now: state.db.now_ms(),
        scopes: choices(&ctx, user.role, &scopes, &refused),
        ctx,
        tokens,
        days: DAY_CHOICES,
        name: field("name"),
        days_chosen: if DAY_CHOICES.contains(&days) {
            days
        } else {
            DEFAULT_DAYS
        },
        created: None,
        error,
        revoked: false,
    })?;
    Ok(page
        .status(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
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
    handed(&state, &ctx, Some(REVOKED), None)
}

#[cfg(test)]
mod tests {
    /// A token's state reads as a label in every language: a word of its own, capitalised
    /// (the list once showed a bare "revoked").
    #[test]
    fn each_token_state_is_a_capitalised_label_in_every_language() {
        for lang in crate::i18n::supported() {
            let tr = crate::i18n::Tr::new(&lang);
            let mut seen = Vec::new();
            for key in [
                "api-token-state",
                "api-token-state-active",
                "api-token-state-revoked",
                "api-token-state-expired",
                "api-token-never-used",
            ] {
                let label = tr.t(key);
                assert!(
                    label.chars().next().is_some_and(char::is_uppercase),
                    "{lang}: {key} = {label:?}"
                );
                assert!(!seen.contains(&label), "{lang}: {label:?} twice");
                seen.push(label);
            }
        }
    }
}
