//! `GET /media/{id}/{name or wN}`: the public files (logo, favicon, course covers), on the
//! school's own host only. A lesson's files are served by `courses`, which knows who may
//! read them.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

use super::{Disposition, Files, serve::ServeError};
use crate::db::SchoolId;
use crate::i18n::Tr;
use crate::web::{AppError, AppResult, Ctx};

pub fn routes() -> Router<Files> {
    Router::new().route("/media/{id}/{variant}", get(media))
}

async fn media(
    State(files): State<Files>,
    ctx: Ctx,
    Path((id, variant)): Path<(String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let file = files
        .get(SchoolId(ctx.school.id), id)
        .await?
        .filter(|f| f.purpose.public())
        .ok_or(AppError::NotFound)?;
    // `w800` picks a kept width; anything else is the file's own name.
    let width = variant
        .strip_prefix('w')
        .and_then(|w| w.parse::<u32>().ok());
    files
        .respond(&file, width, &headers, Disposition::Inline, true)
        .await
        .map_err(|e| served(e, &ctx.tr))
}

/// A download that failed: missing is 404; storage trouble says to try again, in the
/// reader's language.
pub fn served(e: ServeError, tr: &Tr) -> AppError {
    match e {
        ServeError::NotFound => AppError::NotFound,
        other => {
            tracing::warn!(error = %other, "file storage failed");
            AppError::Unavailable(tr.t("download-error-storage"))
        }
    }
}

/// An upload that failed, as the edge answers it: the message in the uploader's
/// language (`tr`: the request's, from [`Ctx`]).
pub fn rejected(e: super::UploadError, tr: &Tr) -> AppError {
    use super::UploadError as E;
    let message = e.message(tr);
    match e {
        E::TooLarge { .. } | E::QuotaFull { .. } => AppError::TooLarge(message),
        E::Refused(_) | E::Image(_) => AppError::Unsupported(message),
        E::Empty | E::Interrupted => AppError::BadRequest(message),
        E::Storage(ref cause) => {
            tracing::warn!(error = %cause, "file storage failed during an upload");
            AppError::Unavailable(message)
        }
        E::Db(db) => AppError::from(db),
    }
}
