//! A course's enrolments: list (`enrolments:read`), create with an optional
//! `Idempotency-Key` and remove (`enrolments:write`). Only the course's managers (its
//! instructors, the school's admins) may; a course they can't see is 404.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page::{self, Page};
use super::{
    ApiError, ApiJson, ApiQuery, ApiResult, ApiState, Caller, idempotency, instant, parse_instant,
    path_id,
};
use crate::courses::{self, Course, progress};
use crate::db::UserId;

#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolmentOut {
    pub course_id: i64,
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    pub enrolled_at: String,
    /// When the student completed the course, if they did.
    pub completed_at: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListEnrolments {
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1–100 (default 50).
    pub limit: Option<i64>,
    /// Only enrolments made at or after this instant (RFC 3339).
    pub enrolled_since: Option<String>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEnrolment {
    /// A user of this school.
    pub user_id: i64,
}

async fn managed(state: &ApiState, caller: &Caller, raw_id: &str) -> ApiResult<Course> {
    let (course, manager) = super::courses::visible(state, &caller.user, raw_id).await?;
    if !manager {
        return Err(ApiError::forbidden(
            "only the course's instructors and the school's admins manage its enrolments",
        ));
    }
    Ok(course)
}

/// The course's enrolments, by user id.
#[utoipa::path(
    get, path = "/api/v1/courses/{id}/enrolments", tag = "enrolments",
    params(("id" = i64, Path, description = "The course's id"), ListEnrolments),
    responses(
        (status = 200, description = "A page of enrolments", body = Page<EnrolmentOut>),
        (status = 403, description = "The token lacks enrolments:read, or the user does not manage the course", body = super::error::ErrorBody),
        (status = 404, description = "No such course", body = super::error::ErrorBody),
        super::error::Common,
        super::error::BadQuery,
    )
)]
pub async fn list(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListEnrolments>,
) -> ApiResult<Json<Page<EnrolmentOut>>> {
    caller.need("enrolments:read")?;
    let course = managed(&state, &caller, &id).await?;
    let limit = page::limit(q.limit)?;
    let list = format!("enrolments/{}", course.id.0);
    let after = page::after(&list, q.cursor.as_deref())?;
    let since = parse_instant("enrolled_since", q.enrolled_since.as_deref())?;
    let rows = courses::listing::enrolments_page(
        &state.db,
        course.school_id,
        course.id,
        after,
        since,
        limit + 1,
    )
    .await?;
    Ok(Json(page::page(
        &list,
        limit,
        rows,
        |r| r.user_id,
        |r| EnrolmentOut {
            course_id: course.id.0,
            user_id: r.user_id,
            display_name: r.display_name,
            email: r.email,
            enrolled_at: instant(r.enrolled_at),
            completed_at: r.completed_at.map(instant),
        },
    )))
}

/// Enrols a user of the school (201; 200 if they were enrolled already). With an
/// `Idempotency-Key`, a repeat of the request gets the first answer again.
#[utoipa::path(
    post, path = "/api/v1/courses/{id}/enrolments", tag = "enrolments",
    params(
        ("id" = i64, Path, description = "The course's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "1–255 visible ASCII characters; a repeat gets the same answer and creates nothing"),
    ),
    request_body = NewEnrolment,
    responses(
        (status = 201, description = "Enrolled", body = EnrolmentOut),
        (status = 200, description = "Was enrolled already", body = EnrolmentOut),
        (status = 403, description = "The token lacks enrolments:write, or the user does not manage the course", body = super::error::ErrorBody),
        (status = 404, description = "No such course", body = super::error::ErrorBody),
        (status = 422, description = "A bad field, or a reused Idempotency-Key", body = super::error::ErrorBody),
        super::error::Common,
        super::error::JsonBody,
        super::error::Idempotent,
    )
)]
pub async fn create(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewEnrolment>,
) -> ApiResult<Response> {
    caller.need("enrolments:write")?;
    let course = managed(&state, &caller, &id).await?;
    let key = idempotency::key(&headers)?;
    let school = course.school_id;
    let user = crate::accounts::by_id(&state.db, school.0, body.user_id)
        .await?
        .ok_or_else(|| ApiError::field("user_id", "no such user in this school"))?;
    let user_id = UserId(user.id);
    let out = |e: progress::Enrollment| EnrolmentOut {
        course_id: course.id.0,
        user_id: user.id,
        display_name: user.display_name.clone(),
        email: user.email.clone(),
        enrolled_at: instant(e.enrolled_at),
        completed_at: e.completed_at.map(instant),
    };
    let Some(key) = key else {
        let mut tx = state.db.pool.begin().await?;
        let new =
            progress::enroll_in(&mut tx, state.hooks.as_ref(), school, course.id, user_id).await?;
        let e = progress::enrollment_in(&mut tx, school, course.id, user_id)
            .await?
            .ok_or_else(|| ApiError::internal("enrolment vanished"))?;
        tx.commit().await?;
        crate::courses::viewers::person_changed(&state.db, user_id);
        let status = if new {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        return Ok((status, Json(out(e))).into_response());
    };
    let print = idempotency::fingerprint(
        "POST",
        &format!("/api/v1/courses/{}/enrolments", course.id.0),
        &serde_json::to_value(&body).map_err(ApiError::internal)?,
    );
    let mut tx = state.db.pool.begin().await?;
    // First statement of the transaction: the claim (SQLite's write lock, PostgreSQL's
    // unique index make a concurrent request with the key wait here).
    let first = idempotency::claim(
        &mut tx,
        school.0,
        caller.user.id,
        &key,
        &print,
        state.db.now_ms(),
    )
    .await?;
    if !first {
        tx.rollback().await?;
        return idempotency::replay(&state.db, school.0, caller.user.id, &key, &print).await;
    }
    let new =
        progress::enroll_in(&mut tx, state.hooks.as_ref(), school, course.id, user_id).await?;
    let e = progress::enrollment_in(&mut tx, school, course.id, user_id)
        .await?
        .ok_or_else(|| ApiError::internal("enrolment vanished"))?;
    let status = if new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let text = serde_json::to_string(&out(e)).map_err(ApiError::internal)?;
    idempotency::store(&mut tx, school.0, caller.user.id, &key, status, &text).await?;
    tx.commit().await?;
    crate::courses::viewers::person_changed(&state.db, user_id);
    Ok((
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        text,
    )
        .into_response())
}

/// Ends a user's enrolment (their progress and certificates stay).
#[utoipa::path(
    delete, path = "/api/v1/courses/{id}/enrolments/{user_id}", tag = "enrolments",
    params(
        ("id" = i64, Path, description = "The course's id"),
        ("user_id" = i64, Path, description = "The enrolled user's id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "The token lacks enrolments:write, or the user does not manage the course", body = super::error::ErrorBody),
        (status = 404, description = "No such course, or the user is not enrolled", body = super::error::ErrorBody),
        super::error::Common,
    )
)]
pub async fn remove(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path((id, user_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    caller.need("enrolments:write")?;
    let course = managed(&state, &caller, &id).await?;
    let user_id = path_id(&user_id, "enrolment")?;
    let mut tx = state.db.pool.begin().await?;
    let removed =
        progress::unenroll_in(&mut tx, course.school_id, course.id, UserId(user_id)).await?;
    tx.commit().await?;
    crate::courses::viewers::person_changed(&state.db, UserId(user_id));
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found("enrolment"))
    }
}
