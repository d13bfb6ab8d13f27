//! Settings → Branding: the school's uploaded logo and favicon (admins). The images are
//! re-encoded by `files` and served publicly from the school's own host (`/media/…`);
//! the header, e-mails and certificates use the path stored in `schools`.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::post;
use serde::Serialize;

use super::{BrandImage, SchoolsState, set_brand_image};
use crate::db::{SchoolId, UserId};
use crate::files::{Incoming, Owner, Purpose};
use crate::web::{AppError, AppResult, Ctx};

/// Mounted without the app's 1 MiB body limit (the logo limit applies while reading).
pub fn upload_routes() -> Router<SchoolsState> {
    Router::new().route("/api/admin/school/{which}", post(upload))
}

pub fn routes() -> Router<SchoolsState> {
    Router::new().route("/admin/school/{which}/remove", post(remove))
}

fn which(raw: &str) -> AppResult<(BrandImage, Purpose)> {
    match raw {
        "logo" => Ok((BrandImage::Logo, Purpose::Logo)),
        "favicon" => Ok((BrandImage::Favicon, Purpose::Favicon)),
        _ => Err(AppError::NotFound),
    }
}

#[derive(Serialize)]
struct Uploaded {
    id: i64,
    url: String,
    size_text: String,
}

async fn upload(
    State(state): State<SchoolsState>,
    ctx: Ctx,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Json<Uploaded>> {
    let (image, purpose) = which(&raw)?;
    let admin = ctx.require_admin()?;
    let name = match image {
        BrandImage::Logo => "logo.png",
        BrandImage::Favicon => "favicon.png",
    };
    let mut incoming = Incoming::from_headers(
        SchoolId(ctx.school.id),
        Owner::School,
        purpose,
        UserId(admin.id),
        &headers,
    );
    // Re-encoded as PNG whatever came: the name says so.
    incoming.name = name.into();
    let file = state
        .files
        .receive(incoming, body)
        .await
        .map_err(|e| crate::files::routes::rejected(e, &ctx.tr))?;
    let url = file.media_path(None);
    set_brand_image(&state.db, ctx.school.id, image, Some(&url)).await?;
    state.schools.clear();
    Ok(Json(Uploaded {
        id: file.id,
        size_text: file.size_for(&ctx.tr),
        url,
    }))
}

async fn remove(
    State(state): State<SchoolsState>,
    ctx: Ctx,
    Path(raw): Path<String>,
) -> AppResult<Response> {
    let (image, purpose) = which(&raw)?;
    ctx.require_admin()?;
    let school = SchoolId(ctx.school.id);
    if let Some(f) = state.files.current(school, Owner::School, purpose).await? {
        state.files.delete(&f).await?;
    }
    // An external logo URL set in the form goes too: "remove" means no logo.
    set_brand_image(&state.db, ctx.school.id, image, None).await?;
    state.schools.clear();
    Ok(Redirect::to("/admin/school#branding").into_response())
}

/// The school's logo as an absolute URL for e-mails (an uploaded one on the school's own
/// origin), if it has one.
pub async fn logo_for_email(
    db: &crate::db::Db,
    base: &url::Url,
    school_id: i64,
) -> sqlx::Result<Option<String>> {
    let Some(school) = super::by_id(db, school_id).await? else {
        return Ok(None);
    };
    Ok(match school.logo_url {
        Some(u) if is_own_media(&u) => {
            Some(super::domains::school_url(db, base, school_id, &u).await?)
        }
        Some(u) if crate::schools::routes::valid_http_url(&u) => Some(u),
        _ => None,
    })
}

/// Whether `url` is one of the school's own uploaded images (`/media/<id>/<name>`).
pub fn is_own_media(url: &str) -> bool {
    url.strip_prefix("/media/")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(id, name)| {
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) && !name.contains('/')
        })
}
