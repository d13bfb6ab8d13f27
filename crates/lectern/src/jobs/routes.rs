use axum::Router;
use axum::extract::{Path, State};
use axum::response::Redirect;
use axum::routing::{get, post};

use crate::web::CoreState;
use crate::web::{AppError, AppResult, Ctx, Page, render};

pub fn routes() -> Router<CoreState> {
    Router::new()
        .route("/admin/jobs", get(failed_jobs))
        .route("/admin/jobs/{id}/retry", post(retry))
}

#[derive(askama::Template)]
#[template(path = "admin/jobs.html")]
struct JobsPage {
    ctx: Ctx,
    failed: Vec<super::JobRow>,
    queued: Vec<super::JobRow>,
}

async fn failed_jobs(State(state): State<CoreState>, ctx: Ctx) -> AppResult<Page> {
    ctx.require_admin()?;
    let failed = super::list(&state.db, ctx.school.id, "failed", 100).await?;
    let queued = super::list(&state.db, ctx.school.id, "queued", 100).await?;
    render(&JobsPage {
        ctx,
        failed,
        queued,
    })
}

async fn retry(
    State(state): State<CoreState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> AppResult<Redirect> {
    ctx.require_admin()?;
    if !super::retry(&state.db, ctx.school.id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/admin/jobs"))
}
