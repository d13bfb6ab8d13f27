//! A lesson's files and a course's cover: who may upload them (the course's managers),
//! who may read them (its enrolled students and managers; covers are public like the
//! catalogue), and how much of a video a student watched. `files` stores and serves the
//! bytes; this module decides and routes.

use std::collections::HashMap;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::post;
use serde::{Deserialize, Serialize};

use super::routes::parse_id;
use super::{Course, CoursesState, Lesson, LessonKind};
use crate::db::{CourseId, LessonId, SchoolId, UserId};
use crate::files::{Disposition, Incoming, Owner, Purpose, StoredFile};
use crate::web::{AppError, AppResult, Ctx};

/// Routes that take an upload's body: mounted without the app's 1 MiB body limit (each
/// purpose has its own, enforced while streaming).
pub fn upload_routes() -> Router<CoursesState> {
    Router::new()
        .route(
            "/api/teach/courses/{id}/lessons/{lesson_id}/files",
            post(upload_lesson_file),
        )
        .route("/api/teach/courses/{id}/cover", post(upload_cover))
}

pub fn routes() -> Router<CoursesState> {
    Router::new()
        .route(
            "/teach/courses/{id}/lessons/{lesson_id}/files/{file_id}/delete",
            post(delete_lesson_file),
        )
        .route("/teach/courses/{id}/cover/remove", post(remove_cover))
        .route(
            "/courses/{slug}/lessons/{id}/files/{file_id}/{name}",
            axum::routing::get(download),
        )
        .route("/api/courses/{slug}/lessons/{id}/watch", post(watch_report))
}

/// What the editor's upload widget gets back.
#[derive(Serialize)]
pub struct Uploaded {
    pub id: i64,
    pub name: String,
    pub size: u64,
    pub size_text: String,
    pub content_type: String,
    pub url: String,
}

impl Uploaded {
    fn of(file: StoredFile, url: String, tr: &crate::i18n::Tr) -> Uploaded {
        Uploaded {
            url,
            id: file.id,
            size_text: file.size_for(tr),
            size: file.size,
            content_type: file.content_type,
            name: file.name,
        }
    }
}

/// Receives the request's body as a file of `owner`, uploaded by the signed-in user.
async fn receive(
    state: &CoursesState,
    ctx: &Ctx,
    owner: Owner,
    purpose: Purpose,
    headers: &HeaderMap,
    body: Body,
) -> AppResult<StoredFile> {
    let user = ctx.require_user()?;
    state
        .files
        .receive(
            Incoming::from_headers(
                SchoolId(ctx.school.id),
                owner,
                purpose,
                UserId(user.id),
                headers,
            ),
            body,
        )
        .await
        .map_err(|e| crate::files::routes::rejected(e, &ctx.tr))
}

#[derive(Deserialize)]
struct UploadQuery {
    purpose: String,
}

/// The path a lesson's file is read at (for the course's enrolled students and managers).
pub fn lesson_file_url(course: &Course, lesson_id: LessonId, f: &StoredFile) -> String {
    let name: String =
        percent_encoding::utf8_percent_encode(&f.name, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    format!(
        "/courses/{}/lessons/{lesson_id}/files/{}/{name}",
        course.slug, f.id
    )
}

async fn upload_lesson_file(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, lesson_id)): Path<(String, String)>,
    Query(q): Query<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Json<Uploaded>> {
    let (course, lesson) = super::editor::managed_lesson(&state, &ctx, &id, &lesson_id).await?;
    let purpose = match (Purpose::parse(&q.purpose), lesson.kind()) {
        (Some(Purpose::Video), LessonKind::Video)
        | (Some(Purpose::Document), LessonKind::Document)
        | (Some(Purpose::Attachment), _) => {
            Purpose::parse(&q.purpose).unwrap_or(Purpose::Attachment)
        }
        _ => {
            return Err(AppError::BadRequest(format!(
                "A {} lesson takes no {:?} upload.",
                lesson.kind().as_str(),
                q.purpose
            )));
        }
    };
    let owner = Owner::Lesson {
        course: course.id,
        lesson: lesson.id,
    };
    let file = receive(&state, &ctx, owner, purpose, &headers, body).await?;
    let url = lesson_file_url(&course, lesson.id, &file);
    Ok(Json(Uploaded::of(file, url, &ctx.tr)))
}

async fn upload_cover(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Json<Uploaded>> {
    let course = super::editor::managed_course(&state, &ctx, &id).await?;
    let file = receive(
        &state,
        &ctx,
        Owner::Course(course.id),
        Purpose::Cover,
        &headers,
        body,
    )
    .await?;
    let url = file.media_path(None);
    Ok(Json(Uploaded::of(file, url, &ctx.tr)))
}

async fn delete_lesson_file(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, lesson_id, file_id)): Path<(String, String, String)>,
) -> AppResult<Response> {
    let (course, lesson) = super::editor::managed_lesson(&state, &ctx, &id, &lesson_id).await?;
    let file = state
        .files
        .get(SchoolId(ctx.school.id), parse_id(&file_id)?)
        .await?
        .filter(|f| f.lesson_id == Some(lesson.id))
        .ok_or(AppError::NotFound)?;
    state.files.delete(&file).await?;
    Ok(Redirect::to(&format!(
        "/teach/courses/{}/lessons/{}#files",
        course.id, lesson.id
    ))
    .into_response())
}

async fn remove_cover(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let course = super::editor::managed_course(&state, &ctx, &id).await?;
    if let Some(f) = state
        .files
        .current(
            SchoolId(ctx.school.id),
            Owner::Course(course.id),
            Purpose::Cover,
        )
        .await?
    {
        state.files.delete(&f).await?;
    }
    Ok(Redirect::to(&format!("/teach/courses/{}", course.id)).into_response())
}

#[derive(Deserialize)]
struct DownloadQuery {
    download: Option<String>,
}

/// A lesson's file, for the course's enrolled students and managers. Another school's
/// file, or one of another lesson, does not exist here.
async fn download(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((slug, id, file_id, _name)): Path<(String, String, String, String)>,
    Query(q): Query<DownloadQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (_course, lesson) = readable_lesson(&state, &ctx, &slug, &id).await?;
    let file = state
        .files
        .get(SchoolId(ctx.school.id), parse_id(&file_id)?)
        .await?
        .filter(|f| f.lesson_id == Some(lesson.id))
        .ok_or(AppError::NotFound)?;
    let disposition = if q.download.is_some() {
        Disposition::Attachment
    } else {
        Disposition::Inline
    };
    state
        .files
        .respond(&file, None, &headers, disposition, false)
        .await
        .map_err(|e| crate::files::routes::served(e, &ctx.tr))
}

/// The lesson, when the viewer may read it: signed in, and enrolled or a manager.
async fn readable_lesson(
    state: &CoursesState,
    ctx: &Ctx,
    slug: &str,
    id: &str,
) -> AppResult<(Course, Lesson)> {
    let user = ctx.require_user()?;
    let id = parse_id(id)?;
    let view = super::for_viewer(
        &state.db,
        ctx.school.id,
        slug,
        Some(user),
        super::ViewerExtras::None,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if !view.course.is_published() && !view.manager {
        return Err(AppError::NotFound);
    }
    if view.enrollment.is_none() && !view.manager {
        return Err(AppError::Forbidden);
    }
    let lesson = super::lesson(
        &state.db,
        SchoolId(ctx.school.id),
        view.course.id,
        LessonId(id),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    Ok((view.course, lesson))
}

/// What the player sends while a video plays (every few seconds, and when it pauses or
/// the page goes away): the second ranges watched since the last report.
#[derive(Deserialize)]
struct WatchReport {
    duration: f64,
    ranges: Vec<(f64, f64)>,
}

#[derive(Serialize)]
struct WatchAnswer {
    watched_share: f64,
    /// This report completed the lesson.
    completed: bool,
}

async fn watch_report(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    Json(report): Json<WatchReport>,
) -> AppResult<Json<WatchAnswer>> {
    let user = ctx.require_user()?;
    let (_course, lesson) = readable_lesson(&state, &ctx, &slug, &id).await?;
    if lesson.kind() != LessonKind::Video {
        return Err(AppError::BadRequest(
            "Only a video lesson has a watched share.".into(),
        ));
    }
    let duration_ms = super::watch::seconds_to_ms(report.duration)
        .filter(|d| *d > 0)
        .ok_or_else(|| {
            AppError::BadRequest("duration must be a positive number of seconds".into())
        })?;
    let ranges = report
        .ranges
        .iter()
        .map(|(a, b)| {
            super::watch::seconds_to_ms(*a)
                .zip(super::watch::seconds_to_ms(*b))
                .filter(|(a, b)| a <= b)
                .ok_or_else(|| {
                    AppError::BadRequest("ranges must be [from, to] seconds, from ≤ to".into())
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if ranges.len() > 1000 {
        return Err(AppError::BadRequest("too many ranges in one report".into()));
    }
    let share = super::watch::record(
        &state.db,
        SchoolId(ctx.school.id),
        lesson.id,
        UserId(user.id),
        duration_ms,
        &ranges,
    )
    .await?;
    // Reports keep coming while a completed lesson is rewatched: they can't complete it
    // again, and a rule changed since is applied by its Recompute job, not here.
    let school = SchoolId(ctx.school.id);
    let completed =
        if super::completion::is_completed(&state.db, school, lesson.id, UserId(user.id)).await? {
            false
        } else {
            let changes = super::completion::reevaluate(
                &state.db,
                school,
                lesson.id,
                Some(UserId(user.id)),
                super::completion::Cause::Rule,
            )
            .await?;
            !changes.completed.is_empty()
        };
    Ok(Json(WatchAnswer {
        watched_share: share,
        completed,
    }))
}

/// A course's uploaded cover as the pages show it.
#[derive(Clone, Debug)]
pub struct Cover {
    pub src: String,
    pub srcset: String,
}

/// The uploaded covers of these courses, by course id (one query).
pub async fn covers(
    state: &CoursesState,
    school: i64,
    courses: &[Course],
) -> sqlx::Result<HashMap<CourseId, Cover>> {
    let ids: Vec<CourseId> = courses.iter().map(|c| c.id).collect();
    let found = state
        .files
        .current_for_courses(SchoolId(school), Purpose::Cover, &ids)
        .await?;
    Ok(found
        .into_iter()
        .map(|(course, f)| {
            (
                course,
                Cover {
                    src: f.media_path(f.widths.last().copied()),
                    srcset: f.srcset(),
                },
            )
        })
        .collect())
}
