use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;

use crate::app::AppState;
use crate::web::{AppResult, Ctx, render};

pub fn routes() -> Router<AppState> {
    Router::new().route("/admin/outbox", get(outbox))
}

#[derive(askama::Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    ctx: Ctx,
    emails: Vec<super::OutboxEntry>,
}

async fn outbox(State(state): State<AppState>, ctx: Ctx) -> AppResult<Html<String>> {
    ctx.require_admin()?;
    let emails = super::outbox(&state.db, ctx.school.id, 200).await?;
    render(&OutboxPage { ctx, emails })
}
