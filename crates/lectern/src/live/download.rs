//! Recording downloads: Zoom's `download_url` wants the school's OAuth token, which never
//! leaves the server, so the file is streamed from Zoom through us to the (enrolled)
//! student.

use crate::zoom_connection::ZoomDeps;
use crate::zoom_connection::{self, tokens};

/// A whole file may take long to stream; this bounds one download.
const DOWNLOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2 * 3600);

/// What a download streams, with what Zoom said of it.
pub struct Download {
    pub file_name: String,
    pub response: reqwest::Response,
}

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// No such file for this session, or it has no download link (e.g. wiped).
    #[error("no such recording file")]
    NotFound,
    /// Zoom refused or failed; its message says what happened and what to do
    /// (reconnect, grant scopes, try again later), as at Start.
    #[error("zoom: {}", .0.key())]
    Zoom(super::errors::LiveError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Opens `file_id` of `session_id`'s recordings in Zoom with the session's connection.
pub async fn open(
    state: &ZoomDeps,
    session: &super::Session,
    file_id: &str,
    lesson_slug: &str,
) -> Result<Download, DownloadError> {
    let row: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT file_type, download_url FROM live_recordings WHERE session_id = $1 AND file_id = $2",
    )
    .bind(session.id)
    .bind(file_id)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some((file_type, Some(url))) = row else {
        return Err(DownloadError::NotFound);
    };
    let conn = match session.connection_id {
        Some(id) => zoom_connection::by_id(&state.db, id).await?,
        None => None,
    };
    let Some(conn) = conn else {
        return Err(DownloadError::Zoom(super::errors::LiveError::NotConnected));
    };
    let response = tokens::with_api(state, &conn, |api| {
        let url = url.clone();
        async move { api.download_recording(&url, DOWNLOAD_TIMEOUT).await }
    })
    .await
    .map_err(|e| DownloadError::Zoom(super::errors::LiveError::from(&e)))?;
    let ext = match file_type.as_str() {
        "MP4" => "mp4",
        "M4A" => "m4a",
        "TRANSCRIPT" | "CC" => "vtt",
        "CHAT" => "txt",
        _ => "bin",
    };
    Ok(Download {
        file_name: format!("{lesson_slug}-{}.{ext}", file_type.to_lowercase()),
        response,
    })
}
