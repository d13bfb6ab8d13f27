//! `GET /api/v1/courses` and `GET /api/v1/courses/{id}` (scope `courses:read`): the
//! courses the token's user may see — published ones, and those they manage. `POST
//! /courses` and `PATCH /courses/{id}` (scope `courses:write`; instructors and admins):
//! a draft course created, its fields changed, published or withdrawn, with the editor's
//! checks (`courses::editor::check_course`) and store functions, so the same hooks run.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page::{self, Page};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::{
    ApiError, ApiJson, ApiQuery, ApiResult, ApiState, Caller, idempotency, instant, parse_instant,
    path_id,
};
use crate::accounts::User;
use crate::courses::{self, Course, CourseFields, Lesson};
use crate::db::{CourseId, SchoolId, UserId};

#[derive(Debug, Serialize, Deserialize, ToSchema)]
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

#[derive(Debug, Serialize, Deserialize, ToSchema)]
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
    /// Live sessions and webinars: the IANA time zone the start was given in, and the
    /// wall time there (`2031-03-04T15:30`).
    pub timezone: Option<String>,
    pub local_start: Option<String>,
    /// For the course's managers only (others: `null`): the lesson's text (Markdown) and,
    /// for videos and external links, its URL.
    pub body: Option<String>,
    pub url: Option<String>,
}

impl LessonOut {
    pub(super) fn of(l: &Lesson, manager: bool) -> LessonOut {
        let s = l.schedule();
        LessonOut {
            id: l.id.0,
            position: l.position,
            title: l.title.clone(),
            kind: l.kind().as_str().to_string(),
            required: l.required != 0,
            starts_at: s.map(|s| instant(s.starts_at)),
            duration_min: s.map(|s| s.duration_min),
            timezone: s.map(|s| s.timezone.clone()),
            local_start: s.map(|s| s.local_start.clone()),
            body: manager.then(|| l.body.clone()),
            url: l.content.url().filter(|_| manager).map(str::to_string),
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
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
        (status = 403, description = "The token lacks courses:read", body = super::error::ErrorBody),
        super::error::Common,
        super::error::BadQuery,
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
        (status = 403, description = "The token lacks courses:read", body = super::error::ErrorBody),
        (status = 404, description = "No such course in this school (or not visible to the user)", body = super::error::ErrorBody),
        super::error::Common,
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
        lessons: lessons.iter().map(|l| LessonOut::of(l, manager)).collect(),
        course: CourseOut::of(course, updated_at),
    }))
}

/// The detail of a course as its manager sees it, read on `conn` (inside a transaction).
async fn detail_in(
    conn: &mut sqlx::AnyConnection,
    school: SchoolId,
    id: CourseId,
) -> ApiResult<CourseDetail> {
    let course = courses::by_id_in(&mut *conn, school, id)
        .await?
        .ok_or_else(|| ApiError::internal("course vanished"))?;
    let updated_at: i64 =
        sqlx::query_scalar("SELECT updated_at FROM courses WHERE school_id = $1 AND id = $2")
            .bind(school)
            .bind(id)
            .fetch_one(&mut *conn)
            .await?;
    let lessons = courses::lessons_in(&mut *conn, school, id).await?;
    Ok(CourseDetail {
        lessons: lessons.iter().map(|l| LessonOut::of(l, true)).collect(),
        course: CourseOut::of(course, updated_at),
    })
}

/// A course the token's user manages, for writing (`courses:write` checked by the caller):
/// 404 when they can't see it, 403 when they see but don't manage it.
pub(super) async fn managed(state: &ApiState, caller: &Caller, raw_id: &str) -> ApiResult<Course> {
    let (course, manager) = visible(state, &caller.user, raw_id).await?;
    if !manager {
        return Err(ApiError::forbidden(
            "only the course's instructors and the school's admins change it",
        ));
    }
    Ok(course)
}

/// The editor's field errors as the API's 422, under the API's field names.
pub(super) fn invalid(
    errors: crate::web::FieldErrors,
    rename: impl Fn(&str) -> String,
) -> ApiError {
    ApiError::fields(
        errors
            .0
            .into_iter()
            .map(|(k, v)| (rename(k), v.replace(['\u{2068}', '\u{2069}'], "")))
            .collect(),
    )
    .unwrap_or_else(|| ApiError::internal("refused without an error"))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCourse {
    /// Required.
    pub title: Option<String>,
    /// Markdown, shown on the course page.
    #[serde(default)]
    pub description: String,
}

/// Creates a draft course taught by the token's user (instructors and admins). With an
/// `Idempotency-Key`, a repeat of the request gets the first answer again.
#[utoipa::path(
    post, path = "/api/v1/courses", tag = "courses",
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "1–255 visible ASCII characters; a repeat gets the same answer and creates nothing"),
    ),
    request_body = NewCourse,
    responses(
        (status = 201, description = "Created (a draft)", body = CourseDetail),
        (status = 403, description = "The token lacks courses:write, or the user is a student", body = super::error::ErrorBody),
        (status = 422, description = "A bad field (`title`, `description`), or a reused Idempotency-Key", body = super::error::ErrorBody),
        super::error::Common,
        super::error::JsonBody,
        super::error::Idempotent,
    )
)]
pub async fn create(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<NewCourse>,
) -> ApiResult<Response> {
    caller.need("courses:write")?;
    if !caller.user.can_teach() {
        return Err(ApiError::forbidden(
            "only instructors and admins create courses",
        ));
    }
    let keyed = idempotency::keyed(&headers, "POST", "/api/v1/courses", &body)?;
    let title = body.title.as_deref().unwrap_or_default();
    let errors = courses::editor::check_course(&super::tr(&caller), title, &body.description, "");
    if !errors.is_empty() {
        return Err(invalid(errors, str::to_string));
    }
    let (school, user) = (caller.user.school_id, caller.user.id);
    let mut tx = match idempotency::begin(&state.db, school, user, keyed.as_ref()).await? {
        Ok(tx) => tx,
        Err(replayed) => return Ok(replayed),
    };
    let id = courses::create_in(
        &mut tx,
        school,
        user,
        CourseFields {
            title: title.trim(),
            description: body.description.trim_end(),
            cover_url: None,
        },
    )
    .await?;
    let out = detail_in(&mut tx, SchoolId(school), id).await?;
    idempotency::finish(tx, school, user, keyed.as_ref(), StatusCode::CREATED, &out).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CoursePatch {
    pub title: Option<String>,
    pub description: Option<String>,
    /// `true` publishes a draft (its enrolled students are then invited to its live
    /// sessions, as from the editor); `false` withdraws it to a draft.
    pub published: Option<bool>,
}

/// Changes a course's title, description or status (the fields sent; the others stay).
#[utoipa::path(
    patch, path = "/api/v1/courses/{id}", tag = "courses",
    params(("id" = i64, Path, description = "The course's id")),
    request_body = CoursePatch,
    responses(
        (status = 200, description = "The course as changed", body = CourseDetail),
        (status = 403, description = "The token lacks courses:write, or the user does not manage the course", body = super::error::ErrorBody),
        (status = 404, description = "No such course in this school (or not visible to the user)", body = super::error::ErrorBody),
        (status = 422, description = "A bad field (`title`, `description`, `published`)", body = super::error::ErrorBody),
        super::error::Common,
        super::error::JsonBody,
    )
)]
pub async fn update(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CoursePatch>,
) -> ApiResult<Json<CourseDetail>> {
    caller.need("courses:write")?;
    let course = managed(&state, &caller, &id).await?;
    let title = body.title.as_deref().unwrap_or(&course.title);
    let description = body.description.as_deref().unwrap_or(&course.description);
    let errors =
        courses::editor::check_course(&super::tr(&caller), title, description, course.cover());
    if !errors.is_empty() {
        return Err(invalid(errors, str::to_string));
    }
    if body.title.is_some() || body.description.is_some() {
        courses::update(
            &state.db,
            course.school_id,
            course.id,
            CourseFields {
                title: title.trim(),
                description: description.trim_end(),
                cover_url: course.cover_url.as_deref(),
            },
        )
        .await?;
    }
    match body.published {
        Some(true) => {
            courses::publish(&state.db, state.hooks.as_ref(), course.school_id, course.id).await?
        }
        Some(false) => {
            courses::set_published(&state.db, course.school_id, course.id, false).await?
        }
        None => {}
    }
    let mut conn = state.db.pool.acquire().await?;
    Ok(Json(
        detail_in(&mut conn, course.school_id, course.id).await?,
    ))
}
