//! Certificates (`progress:read`): the token's user's own, or a course's for its managers
//! (`?course_id=`); and any token of the school may verify a serial, getting the public
//! facts the verification page (`/C/{serial}`) shows.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page::{self, Page};
use super::{ApiError, ApiQuery, ApiResult, ApiState, Caller, instant};
use crate::certificates::{self, Issued};
use crate::db::{SchoolId, UserId};

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateOut {
    pub serial: String,
    pub course_id: i64,
    pub user_id: i64,
    pub learner_name: String,
    pub course_title: String,
    /// `valid`, `pending` (being made), `revoked`, `replaced` or `expired`.
    pub status: String,
    pub completed_at: String,
    pub issued_at: Option<String>,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    /// The public verification page.
    pub verify_path: String,
}

impl CertificateOut {
    fn of(c: Issued, now: i64) -> CertificateOut {
        CertificateOut {
            status: c.status(now).as_str().to_string(),
            verify_path: format!("/C/{}", c.serial),
            serial: c.serial,
            course_id: c.course_id,
            user_id: c.user_id,
            learner_name: c.learner_name,
            course_title: c.course_title,
            completed_at: instant(c.completed_at),
            issued_at: c.issued_at.map(instant),
            expires_at: c.expires_at.map(instant),
            revoked_at: c.revoked_at.map(instant),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCertificates {
    /// A course the user manages: its certificates (every learner's). Without it: the
    /// user's own.
    pub course_id: Option<i64>,
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1–100 (default 50).
    pub limit: Option<i64>,
}

/// Certificates, by id: the user's own, or a managed course's.
#[utoipa::path(
    get, path = "/api/v1/certificates", tag = "certificates",
    params(ListCertificates),
    responses(
        (status = 200, description = "A page of certificates", body = Page<CertificateOut>),
        (status = 403, description = "The token lacks progress:read, or the user does not manage the course", body = super::error::ErrorBody),
        (status = 404, description = "No such course", body = super::error::ErrorBody),
        super::error::Common,
        super::error::BadQuery,
    )
)]
pub async fn list(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(q): ApiQuery<ListCertificates>,
) -> ApiResult<Json<Page<CertificateOut>>> {
    caller.need("progress:read")?;
    let limit = page::limit(q.limit)?;
    let school = SchoolId(caller.user.school_id);
    let (list, user, course) = match q.course_id {
        Some(id) => {
            let (course, manager) =
                super::courses::visible(&state, &caller.user, &id.to_string()).await?;
            if !manager {
                return Err(ApiError::forbidden(
                    "only the course's instructors and the school's admins see its certificates",
                ));
            }
            (
                format!("certificates/course/{}", course.id.0),
                None,
                Some(course.id),
            )
        }
        None => (
            "certificates/mine".to_string(),
            Some(UserId(caller.user.id)),
            None,
        ),
    };
    let after = page::after(&list, q.cursor.as_deref())?;
    let rows = certificates::page(&state.db, school, user, course, after, limit + 1).await?;
    let now = state.db.now_ms();
    Ok(Json(page::page(
        &list,
        limit,
        rows,
        |c| c.id,
        |c| CertificateOut::of(c, now),
    )))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VerifiedOut {
    pub serial: String,
    /// `valid`, `pending`, `revoked`, `replaced` or `expired`.
    pub status: String,
    pub learner_name: String,
    pub course_title: String,
    pub school_name: String,
    pub completed_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub revoked_reason: Option<String>,
    /// Minutes spent in the course's live sessions (0: none counted).
    pub live_minutes: i64,
    /// For a replaced certificate: the serial in force now.
    pub replaced_by: Option<String>,
}

/// What the public verification page says of a certificate of this school.
#[utoipa::path(
    get, path = "/api/v1/certificates/{serial}/verify", tag = "certificates",
    params(("serial" = String, Path, description = "The certificate's serial (any case, dashes ignored)")),
    responses(
        (status = 200, description = "The certificate's public facts", body = VerifiedOut),
        (status = 404, description = "No certificate with this serial in this school", body = super::error::ErrorBody),
        super::error::Common,
    )
)]
pub async fn verify(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(serial): Path<String>,
) -> ApiResult<Json<VerifiedOut>> {
    // Public facts, as on /C/{serial}: any scope will do. Guessing serials is bounded by
    // the token's rate limit (and 80-bit serials).
    let school = SchoolId(caller.user.school_id);
    if serial.len() > 64 {
        return Err(ApiError::not_found("certificate"));
    }
    let c = certificates::by_serial(&state.db, school, &serial)
        .await?
        .ok_or_else(|| ApiError::not_found("certificate"))?;
    let replaced_by = match &c.replaced_by {
        Some(_) => Some(certificates::current_of(&state.db, school, &c.serial).await?),
        None => None,
    };
    Ok(Json(VerifiedOut {
        status: c.status(state.db.now_ms()).as_str().to_string(),
        serial: c.serial,
        learner_name: c.learner_name,
        course_title: c.course_title,
        school_name: c.school_name,
        completed_at: instant(c.completed_at),
        expires_at: c.expires_at.map(instant),
        revoked_at: c.revoked_at.map(instant),
        revoked_reason: c.revoked_reason,
        live_minutes: c.live_minutes,
        replaced_by,
    }))
}
