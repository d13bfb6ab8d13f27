//! Progress and completions (`progress:read`): a course's students with the lessons each
//! completed and whether they completed the course (the course's managers; the rows of
//! the managers' Students page), and the token's user's own courses.

use std::collections::HashMap;

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::page::{self, Page};
use super::{ApiError, ApiQuery, ApiResult, ApiState, Caller, instant};
use crate::courses::{listing, progress};

#[derive(Debug, Serialize, ToSchema)]
pub struct StudentProgressOut {
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    pub enrolled_at: String,
    /// When the student completed the course (its completion rules met), if they did.
    pub completed_at: Option<String>,
    /// Required lessons done, of `required_total`.
    pub required_done: i64,
    pub required_total: i64,
    /// Every lesson the student completed (required or not), in course order.
    pub completed_lessons: Vec<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListProgress {
    /// From the previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// 1–100 (default 50).
    pub limit: Option<i64>,
}

/// The course's students' progress, by user id.
#[utoipa::path(
    get, path = "/api/v1/courses/{id}/progress", tag = "progress",
    params(("id" = i64, Path, description = "The course's id"), ListProgress),
    responses(
        (status = 200, description = "A page of students' progress", body = Page<StudentProgressOut>),
        (status = 403, description = "The token lacks progress:read, or the user does not manage the course", body = super::error::ErrorBody),
        (status = 404, description = "No such course", body = super::error::ErrorBody),
        super::error::Common,
        super::error::BadQuery,
    )
)]
pub async fn course(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ListProgress>,
) -> ApiResult<Json<Page<StudentProgressOut>>> {
    caller.need("progress:read")?;
    let (course, manager) = super::courses::visible(&state, &caller.user, &id).await?;
    if !manager {
        return Err(ApiError::forbidden(
            "only the course's instructors and the school's admins see its students' progress",
        ));
    }
    let limit = page::limit(q.limit)?;
    let list = format!("progress/{}", course.id.0);
    let after = page::after(&list, q.cursor.as_deref())?;
    let total = listing::required_total(&state.db, course.school_id, course.id).await?;
    let rows =
        listing::progress_page(&state.db, course.school_id, course.id, after, limit + 1).await?;
    let shown = &rows[..rows.len().min(limit as usize)];
    let mut done: HashMap<i64, Vec<i64>> = HashMap::new();
    if let (Some(first), Some(last)) = (shown.first(), shown.last()) {
        for (user, lesson) in listing::completed_lessons(
            &state.db,
            course.school_id,
            course.id,
            first.user_id,
            last.user_id,
        )
        .await?
        {
            done.entry(user).or_default().push(lesson);
        }
    }
    Ok(Json(page::page(
        &list,
        limit,
        rows,
        |r| r.user_id,
        |r| StudentProgressOut {
            completed_lessons: done.get(&r.user_id).cloned().unwrap_or_default(),
            user_id: r.user_id,
            display_name: r.display_name,
            email: r.email,
            enrolled_at: instant(r.enrolled_at),
            completed_at: r.completed_at.map(instant),
            required_done: r.done,
            required_total: total,
        },
    )))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyCourseOut {
    pub course_id: i64,
    pub slug: String,
    pub title: String,
    pub completed_at: Option<String>,
    pub required_done: i64,
    pub required_total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MyProgress {
    /// The published courses the user is enrolled in, most recently enrolled first.
    pub data: Vec<MyCourseOut>,
}

/// The token's user's own progress in each course they take ("My courses").
#[utoipa::path(
    get, path = "/api/v1/me/progress", tag = "progress",
    responses(
        (status = 200, description = "The user's courses and progress", body = MyProgress),
        (status = 403, description = "The token lacks progress:read", body = super::error::ErrorBody),
        super::error::Common,
    )
)]
pub async fn mine(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<Json<MyProgress>> {
    caller.need("progress:read")?;
    let rows = progress::my_courses(&state.db, caller.user.school_id, caller.user.id).await?;
    Ok(Json(MyProgress {
        data: rows
            .into_iter()
            .map(|r| MyCourseOut {
                course_id: r.course_id,
                slug: r.slug,
                title: r.title,
                completed_at: r.completed_at.map(instant),
                required_done: r.done,
                required_total: r.total,
            })
            .collect(),
    }))
}
