use axum::Router;
use axum::extract::State;
use axum::routing::get;

use crate::web::CoreState;
use crate::web::{AppResult, Ctx, Page, render};

pub fn routes() -> Router<CoreState> {
    Router::new().route("/admin/outbox", get(outbox))
}

#[derive(askama::Template)]
#[template(path = "admin/outbox.html")]
struct OutboxPage {
    ctx: Ctx,
    emails: Vec<super::OutboxEntry>,
}

async fn outbox(State(state): State<CoreState>, ctx: Ctx) -> AppResult<Page> {
    let viewer = ctx.require_admin()?.id;
    let hidden = ctx.t("outbox-link-hidden");
    let key = &state.config.secret_key;
    let emails = super::outbox(&state.db, key, ctx.school.id, viewer, &hidden, 200).await?;
    render(&OutboxPage { ctx, emails })
}
