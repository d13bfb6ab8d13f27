//! Settings → Export: an admin starts an export of their school, follows it, and downloads
//! the archive when the job has written it. Only that school's admins see any of it; for
//! everyone else the pages do not exist (404).

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use futures_util::StreamExt;
use object_store::ObjectStoreExt;

use super::jobs::{self, ExportRow};
use crate::db::SchoolId;
use crate::files::Files;
use crate::web::{AppError, AppResult, Ctx, Form, Page, render};

pub fn routes() -> Router<Files> {
    Router::new()
        .route("/admin/export", get(page).post(start))
        .route("/admin/export/{id}/download", get(download))
        .route("/admin/export/state", get(state))
}

/// The school's admin, or a 404 for anyone else.
fn admin(ctx: &Ctx) -> AppResult<i64> {
    let user = ctx.require_admin().map_err(|e| match e {
        AppError::Forbidden => AppError::NotFound,
        e => e,
    })?;
    if user.school_id != ctx.school.id {
        return Err(AppError::NotFound);
    }
    Ok(user.id)
}

#[derive(askama::Template)]
#[template(path = "admin/export.html")]
struct ExportPage {
    ctx: Ctx,
    exports: Vec<ExportRow>,
    /// An export is queued or running: the page follows it (`static/refresh.js`; without
    /// script, a refresh every few seconds).
    busy: bool,
}

impl ExportPage {
    fn size(&self, e: &ExportRow) -> String {
        e.bytes
            .map(|b| crate::files::in_words_for(b.max(0) as u64, &self.ctx.tr))
            .unwrap_or_default()
    }
    fn state(&self, e: &ExportRow) -> String {
        self.ctx.t(match e.state.as_str() {
            "queued" => "export-state-queued",
            "running" => "export-state-running",
            "done" => "export-state-done",
            _ => "export-state-failed",
        })
    }
    fn expired(&self, e: &ExportRow) -> bool {
        e.expires_at <= crate::db::now_ms()
    }
    fn version(&self) -> String {
        version(&self.exports)
    }
}

/// While an export is queued or running, the open page asks every this many ms.
const POLL_MS: u64 = 2_000;

/// What the list shows, in a few characters: changes when an export starts, moves or ends.
fn version(exports: &[ExportRow]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for e in exports {
        h.update(format!("{}:{}:{:?}:{};", e.id, e.state, e.bytes, e.expires_at).as_bytes());
    }
    hex::encode(&h.finalize()[..8])
}

fn is_busy(exports: &[ExportRow]) -> bool {
    exports
        .iter()
        .any(|e| e.state == "queued" || e.state == "running")
}

#[derive(serde::Serialize)]
struct ExportState {
    version: String,
    /// Ask again in this many ms; `null` once nothing is queued or running.
    poll_ms: Option<u64>,
}

/// `GET /admin/export/state`: the open page's question "has anything changed?"
/// (`static/refresh.js` fetches the page again and swaps the list in when it has).
async fn state(State(files): State<Files>, ctx: Ctx) -> AppResult<Response> {
    admin(&ctx)?;
    let exports = jobs::list(&files.db, SchoolId(ctx.school.id)).await?;
    Ok((
        [(header::CACHE_CONTROL, "private, no-store")],
        axum::Json(ExportState {
            version: version(&exports),
            poll_ms: is_busy(&exports).then_some(POLL_MS),
        }),
    )
        .into_response())
}

async fn page(State(files): State<Files>, ctx: Ctx) -> AppResult<Page> {
    admin(&ctx)?;
    let exports = jobs::list(&files.db, SchoolId(ctx.school.id)).await?;
    let busy = is_busy(&exports);
    render(&ExportPage { ctx, exports, busy })
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct StartForm {}

async fn start(
    State(files): State<Files>,
    ctx: Ctx,
    Form(_): Form<StartForm>,
) -> AppResult<Response> {
    let by = admin(&ctx)?;
    jobs::start(&files.db, SchoolId(ctx.school.id), by).await?;
    Ok(Redirect::to("/admin/export").into_response())
}

async fn download(
    State(files): State<Files>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    admin(&ctx)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let key = jobs::ready_key(&files.db, SchoolId(ctx.school.id), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let got = files
        .storage
        .store()
        .get(&object_store::path::Path::from(key))
        .await
        .map_err(|e| match e {
            object_store::Error::NotFound { .. } => AppError::NotFound,
            e => AppError::Internal(anyhow::anyhow!("export archive: {e}")),
        })?;
    let size = got.meta.size;
    let stream = got.into_stream().map(|c| c.map_err(std::io::Error::other));
    let name = format!("{}-export-{id}.zip", ctx.school.slug);
    let mut resp = Body::from_stream(stream).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
            .map_err(|e| AppError::Internal(e.into()))?,
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}
