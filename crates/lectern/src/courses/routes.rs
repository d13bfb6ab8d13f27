use axum::Router;
use axum::response::Html;
use axum::routing::get;

use crate::app::AppState;
use crate::web::{AppResult, Ctx, render};

pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(catalogue))
}

#[derive(askama::Template)]
#[template(path = "courses/catalogue.html")]
struct Catalogue {
    ctx: Ctx,
}

async fn catalogue(ctx: Ctx) -> AppResult<Html<String>> {
    render(&Catalogue { ctx })
}
