//! `GET /api/v1/courses` and `GET /api/v1/courses/{id}` (scope `courses:read`): the
//! courses the token's user may see — published ones, and those they manage.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page::{self, Page};
use super::{ApiError, ApiQuery, ApiResult, ApiState, Caller, instant, parse_instant, path_id};
use crate::accounts::User;
use crate::courses::{self, Course, Lesson};
use crate::db::{CourseId, SchoolId, UserId};

#[derive(Debug, Serialize, ToSchema)]
pub struct CourseOut {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub description: String,
    /// `draft` or `published`.
    pub status: String,
    /// Minor units of `currency`; `null`: free.
    pub price_minor: Option<i64>,
    pub currency: Option<String>,
    pub updated_at: String,
}

impl CourseOut {
    fn of(c: Course, updated_at: i64) -> CourseOut {
        CourseOut {
            id: c.id.0,
            slug: c.slug,
            title: c.title,
            description: c.description,
            status: c.status,
            price_minor: c.price_minor.filter(|p| *p > 0),
            currency: c.currency,
            updated_at: instant(updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LessonOut {
    pub id: i64,
    pub position: i64,
    pub title: String,
    /// `video`, `document`, `quiz`, `live_session`, `webinar` or `external_link`.
    pub kind: String,
    pub required: bool,
    /// Live sessions and webinars: the start (RFC 3339, UTC) and length.
    pub starts_at: Option<String>,
    pub duration_min: Option<i64>,
}

impl LessonOut {
    fn of(l: &Lesson) -> LessonOut {
        let s = l.schedule();
        LessonOut {
            id: l.id.0,
            position: l.position,
            title: l.title.clone(),
            kind: l.kind().as_str().to_string(),
            required: l.required != 0,
            starts_at: s.map(|s| instant(s.starts_at)),
            duration_min: s.map(|s| s.duration_min),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CourseDetail {
    #[serde(flatten)]
    pub course: CourseOut,
    /// In order; managers see every lesson, others not another student's private one.
    pub lessons: Vec<LessonOut>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCourses {
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1–100 (default 50).
    pub limit: Option<i64>,
    /// Only courses changed at or after this instant (RFC 3339).
    pub updated_since: Option<String>,
}

/// The courses the token's user may see, by id.
#[utoipa::path(
    get, path = "/api/v1/courses", tag = "courses",
    params(ListCourses),
    responses(
        (status = 200, description = "A page of courses", body = Page<CourseOut>),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = super::error::ErrorBody),
        (status = 403, description = "The token lacks courses:read", body = super::error::ErrorBody),
        (status = 422, description = "A bad parameter", body = super::error::ErrorBody),
        (status = 429, description = "Rate limited", body = super::error::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(q): ApiQuery<ListCourses>,
) -> ApiResult<Json<Page<CourseOut>>> {
    caller.need("courses:read")?;
    let limit = page::limit(q.limit)?;
    let after = page::after("courses", q.cursor.as_deref())?;
    let since = parse_instant("updated_since", q.updated_since.as_deref())?;
    let rows =
        courses::listing::visible_page(&state.db, &caller.user, after, since, limit + 1).await?;
    Ok(Json(page::page(
        "courses",
        limit,
        rows,
        |r| r.course.id.0,
        |r| CourseOut::of(r.course, r.updated_at),
    )))
}

/// A course the user may see (published, or one they manage), and whether they manage it.
pub(super) async fn visible(
    state: &ApiState,
    user: &User,
    raw_id: &str,
) -> ApiResult<(Course, bool)> {
    let id = path_id(raw_id, "course")?;
    let course = courses::by_id(&state.db, SchoolId(user.school_id), CourseId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("course"))?;
    let manager = courses::can_manage(&state.db, user, &course).await?;
    if !manager && !course.is_published() {
        return Err(ApiError::not_found("course"));
    }
    Ok((course, manager))
}

/// One course with its lessons.
#[utoipa::path(
    get, path = "/api/v1/courses/{id}", tag = "courses",
    params(("id" = i64, Path, description = "The course's id")),
    responses(
        (status = 200, description = "The course", body = CourseDetail),
        (status = 401, description = "Missing, invalid, revoked or expired token", body = super::error::ErrorBody),
        (status = 403, description = "The token lacks courses:read", body = super::error::ErrorBody),
        (status = 404, description = "No such course in this school (or not visible to the user)", body = super::error::ErrorBody),
        (status = 429, description = "Rate limited", body = super::error::ErrorBody),
    )
)]
pub async fn get(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<CourseDetail>> {
    caller.need("courses:read")?;
    let (course, manager) = visible(&state, &caller.user, &id).await?;
    let lessons = if manager {
        courses::lessons(&state.db, course.school_id, course.id).await?
    } else {
        courses::lessons_with_progress(
            &state.db,
            course.school_id,
            course.id,
            Some(UserId(caller.user.id)),
        )
        .await?
        .0
    };
    let updated_at = courses::listing::updated_at(&state.db, course.school_id, course.id)
        .await?
        .unwrap_or_default();
    Ok(Json(CourseDetail {
        lessons: lessons.iter().map(LessonOut::of).collect(),
        course: CourseOut::of(course, updated_at),
    }))
}
