//! A course's lessons: the outline (`courses:read`), and adding, changing and deleting
//! lessons (`courses:write`, plus `live:write` for live sessions and webinars; the course's
//! managers only). A body is turned into the lesson editor's form and checked by the
//! editor's own parser (`courses::lessons::parse`), and written by the editor's store
//! functions, so the same `CourseHooks` run in the same transaction: a live lesson gets
//! its session row, its reminders and invitations, and its Q&A thread.

use axum::Extension;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::courses::{LessonOut, invalid, managed, visible};
use super::{ApiError, ApiJson, ApiResult, ApiState, Caller, idempotency, path_id};
use crate::courses::lessons::{self, LessonForm};
use crate::courses::{self, Lesson, LessonKind};
use crate::db::{LessonId, UserId};

#[derive(Debug, Serialize, ToSchema)]
pub struct LessonList {
    /// Every lesson the user may see, in course order.
    pub data: Vec<LessonOut>,
}

/// The course's lessons in order (another student's private 1-on-1 left out except for
/// the course's managers).
#[utoipa::path(
    get, path = "/api/v1/courses/{id}/lessons", tag = "lessons",
    params(("id" = i64, Path, description = "The course's id")),
    responses(
        (status = 200, description = "The lessons", body = LessonList),
        (status = 403, description = "The token lacks courses:read", body = super::error::ErrorBody),
        (status = 404, description = "No such course in this school (or not visible to the user)", body = super::error::ErrorBody),
        super::error::Common,
    )
)]
pub async fn list(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<LessonList>> {
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
    Ok(Json(LessonList {
        data: lessons.iter().map(|l| LessonOut::of(l, manager)).collect(),
    }))
}

/// A new lesson. Which fields a kind takes: `title`, `required` and `body` all; `url`
/// videos (optional) and external links (required); `quiz` and `pass_mark` quizzes; a
/// start, `timezone` and `duration_min` live sessions and webinars.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLesson {
    /// `document` (text to read), `video`, `external_link`, `quiz`, `live_session` or
    /// `webinar`. Required.
    pub kind: Option<String>,
    /// 1–200 characters. Required.
    pub title: Option<String>,
    /// Counts towards completing the course (default `true`).
    pub required: Option<bool>,
    /// Markdown.
    pub body: Option<String>,
    /// `http(s)` URL: the video (optional: one can be uploaded later), or the external
    /// page (required).
    pub url: Option<String>,
    /// A quiz in the editor's text format (`? question`, `* right`, `- wrong`).
    pub quiz: Option<String>,
    /// The quiz's pass mark in percent (default 70).
    pub pass_mark: Option<i64>,
    /// Live lessons: the start as an instant (RFC 3339), or `local_start`.
    pub starts_at: Option<String>,
    /// Live lessons: the start as a wall time in `timezone` (`2031-03-04T15:30`).
    pub local_start: Option<String>,
    /// Live lessons: an IANA time zone (`Europe/Berlin`), required.
    pub timezone: Option<String>,
    /// Live lessons: 1–1440 minutes (default 120).
    pub duration_min: Option<i64>,
}

impl NewLesson {
    fn fields(&self) -> LessonFields {
        LessonFields {
            title: Some(self.title.clone().unwrap_or_default()),
            required: self.required,
            body: self.body.clone(),
            url: self.url.clone(),
            quiz: self.quiz.clone(),
            pass_mark: self.pass_mark,
            starts_at: self.starts_at.clone(),
            local_start: self.local_start.clone(),
            timezone: self.timezone.clone(),
            duration_min: self.duration_min,
        }
    }
}

/// A lesson's fields (all optional in a change: what is not sent stays).
#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LessonFields {
    pub title: Option<String>,
    /// Counts towards completing the course (default `true`).
    pub required: Option<bool>,
    /// Markdown.
    pub body: Option<String>,
    /// `http(s)` URL: the video, or the external page.
    pub url: Option<String>,
    /// A quiz in the editor's text format (`? question`, `* right`, `- wrong`).
    pub quiz: Option<String>,
    /// The quiz's pass mark in percent (default 70).
    pub pass_mark: Option<i64>,
    /// The start as an instant (RFC 3339, e.g. `2031-03-04T14:30:00Z`), to the minute.
    /// Give this or `local_start`.
    pub starts_at: Option<String>,
    /// The start as a wall time in `timezone` (`2031-03-04T15:30`). A time the clocks skip
    /// is refused; a time they pass twice is refused with the two offsets to choose from:
    /// send `starts_at` instead.
    pub local_start: Option<String>,
    /// An IANA time zone (`Europe/Berlin`); required for a live lesson.
    pub timezone: Option<String>,
    /// 1–1440 minutes (default 120).
    pub duration_min: Option<i64>,
}

impl LessonFields {
    /// The fields sent that `kind` does not take (422 rather than silently dropped).
    fn unused_by(&self, kind: LessonKind) -> Option<&'static str> {
        let sent = [
            ("url", self.url.is_some(), kind.has_url()),
            ("quiz", self.quiz.is_some(), kind == LessonKind::Quiz),
            (
                "pass_mark",
                self.pass_mark.is_some(),
                kind == LessonKind::Quiz,
            ),
            ("starts_at", self.starts_at.is_some(), kind.is_scheduled()),
            (
                "local_start",
                self.local_start.is_some(),
                kind.is_scheduled(),
            ),
            ("timezone", self.timezone.is_some(), kind.is_scheduled()),
            (
                "duration_min",
                self.duration_min.is_some(),
                kind.is_scheduled(),
            ),
        ];
        sent.into_iter()
            .find(|(_, given, taken)| *given && !*taken)
            .map(|(name, _, _)| name)
    }

    /// Writes the fields sent over the editor's form (a blank one, or the lesson's).
    fn apply(&self, form: &mut LessonForm) -> ApiResult<()> {
        if let Some(v) = &self.title {
            form.title = v.clone();
        }
        if let Some(v) = self.required {
            form.required = if v { "on".into() } else { String::new() };
        }
        if let Some(v) = &self.body {
            form.body = v.clone();
        }
        if let Some(v) = &self.url {
            form.url = v.clone();
        }
        if let Some(v) = &self.quiz {
            form.quiz = v.clone();
        }
        if let Some(v) = self.pass_mark {
            form.pass_mark = v.to_string();
        }
        if let Some(v) = &self.timezone {
            form.timezone = v.clone();
        }
        if let Some(v) = self.duration_min {
            form.duration = v.to_string();
        }
        if self.starts_at.is_some() && self.local_start.is_some() {
            return Err(ApiError::field(
                "starts_at",
                "give starts_at or local_start, not both",
            ));
        }
        if let Some(v) = &self.local_start {
            form.local_start = v.clone();
            form.offset = String::new();
        }
        if let Some(v) = &self.starts_at {
            let at = v.parse::<jiff::Timestamp>().map_err(|_| {
                ApiError::field(
                    "starts_at",
                    "an RFC 3339 instant, e.g. 2031-03-04T14:30:00Z",
                )
            })?;
            // The wall time in the lesson's zone, with the offset it has then: an instant
            // is never ambiguous. An unknown zone is left to the editor's check.
            if let Ok(tz) = jiff::tz::TimeZone::get(form.timezone.trim()) {
                form.local_start = at
                    .to_zoned(tz.clone())
                    .datetime()
                    .strftime("%Y-%m-%dT%H:%M")
                    .to_string();
                form.offset = tz.to_offset(at).seconds().to_string();
            } else {
                form.local_start = v.clone();
            }
        }
        Ok(())
    }

    /// The editor's field names as the API's.
    fn rename(&self) -> impl Fn(&str) -> String + '_ {
        move |field| match field {
            "duration" => "duration_min".to_string(),
            "local_start" if self.starts_at.is_some() => "starts_at".to_string(),
            other => other.to_string(),
        }
    }
}

/// The scopes a lesson of `kind` needs to be written: a live one also `live:write`.
fn need_write(caller: &Caller, kind: LessonKind) -> ApiResult<()> {
    caller.need("courses:write")?;
    if kind.is_scheduled() {
        caller.need("live:write")?;
    }
    Ok(())
}

/// The offset (seconds) a stored start has in its zone, so that a change that leaves the
/// start alone re-reads a wall time the clocks pass twice as the same instant.
fn stored_offset(lesson: &Lesson) -> String {
    lesson
        .schedule()
        .and_then(|s| {
            let tz = jiff::tz::TimeZone::get(&s.timezone).ok()?;
            let at = jiff::Timestamp::from_millisecond(s.starts_at).ok()?;
            Some(tz.to_offset(at).seconds().to_string())
        })
        .unwrap_or_default()
}

/// Adds a lesson at the end of the course. With an `Idempotency-Key`, a repeat of the
/// request gets the first answer again.
#[utoipa::path(
    post, path = "/api/v1/courses/{id}/lessons", tag = "lessons",
    params(
        ("id" = i64, Path, description = "The course's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "1–255 visible ASCII characters; a repeat gets the same answer and creates nothing"),
    ),
    request_body = NewLesson,
    responses(
        (status = 201, description = "Added", body = LessonOut),
        (status = 403, description = "The token lacks courses:write (live lessons: and live:write), or the user does not manage the course", body = super::error::ErrorBody),
        (status = 404, description = "No such course in this school (or not visible to the user)", body = super::error::ErrorBody),
        (status = 422, description = "A bad field (named in `fields`), or a reused Idempotency-Key", body = super::error::ErrorBody),
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
    ApiJson(body): ApiJson<NewLesson>,
) -> ApiResult<Response> {
    caller.need("courses:write")?;
    let course = managed(&state, &caller, &id).await?;
    let kind = LessonKind::parse(body.kind.as_deref().unwrap_or_default()).ok_or_else(|| {
        ApiError::field(
            "kind",
            "one of document, video, external_link, quiz, live_session, webinar",
        )
    })?;
    need_write(&caller, kind)?;
    let keyed = idempotency::keyed(
        &headers,
        "POST",
        &format!("/api/v1/courses/{}/lessons", course.id.0),
        &body,
    )?;
    let fields = body.fields();
    if let Some(field) = fields.unused_by(kind) {
        return Err(ApiError::field(
            field,
            format!("not used by a {} lesson", kind.as_str()),
        ));
    }
    // The editor's blank form: required, pass mark 70 %, 120 minutes; no zone assumed.
    let mut form = LessonForm::blank("");
    fields.apply(&mut form)?;
    let record = lessons::parse(kind, &form, &super::tr(&caller))
        .map_err(|r| invalid(r.errors, fields.rename()))?;
    let (school, user) = (caller.user.school_id, caller.user.id);
    let mut tx = match idempotency::begin(&state.db, school, user, keyed.as_ref()).await? {
        Ok(tx) => tx,
        Err(replayed) => return Ok(replayed),
    };
    // The editor's insert: position last, a live lesson's copy of the course's default
    // options, and the hooks, in this transaction. Its Zoom host is resolved at Start, as
    // for a lesson saved while the school had no Zoom connection.
    let lesson_id = courses::insert_lesson_in(
        &mut tx,
        state.hooks.as_ref(),
        course.school_id,
        course.id,
        &record,
    )
    .await?;
    let lesson = courses::lesson_in(&mut tx, course.school_id, course.id, lesson_id)
        .await?
        .ok_or_else(|| ApiError::internal("lesson vanished"))?;
    idempotency::finish(
        tx,
        school,
        user,
        keyed.as_ref(),
        StatusCode::CREATED,
        &LessonOut::of(&lesson, true),
    )
    .await
}

async fn managed_lesson(
    state: &ApiState,
    caller: &Caller,
    id: &str,
    lesson_id: &str,
) -> ApiResult<(courses::Course, Lesson)> {
    let course = managed(state, caller, id).await?;
    let lesson_id = LessonId(path_id(lesson_id, "lesson")?);
    let lesson = courses::lesson(&state.db, course.school_id, course.id, lesson_id)
        .await?
        .ok_or_else(|| ApiError::not_found("lesson"))?;
    Ok((course, lesson))
}

/// Changes a lesson (the fields sent; its kind stays). A live lesson moved to another
/// time moves its reminders and tells its students, as from the editor.
#[utoipa::path(
    patch, path = "/api/v1/courses/{id}/lessons/{lesson_id}", tag = "lessons",
    params(
        ("id" = i64, Path, description = "The course's id"),
        ("lesson_id" = i64, Path, description = "The lesson's id"),
    ),
    request_body = LessonFields,
    responses(
        (status = 200, description = "The lesson as changed", body = LessonOut),
        (status = 403, description = "The token lacks courses:write (live lessons: and live:write), or the user does not manage the course", body = super::error::ErrorBody),
        (status = 404, description = "No such course or lesson", body = super::error::ErrorBody),
        (status = 422, description = "A bad field (named in `fields`)", body = super::error::ErrorBody),
        super::error::Common,
        super::error::JsonBody,
    )
)]
pub async fn update(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path((id, lesson_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<LessonFields>,
) -> ApiResult<Json<LessonOut>> {
    caller.need("courses:write")?;
    let (course, lesson) = managed_lesson(&state, &caller, &id, &lesson_id).await?;
    let kind = lesson.kind();
    need_write(&caller, kind)?;
    if let Some(field) = body.unused_by(kind) {
        return Err(ApiError::field(
            field,
            format!("not used by a {} lesson", kind.as_str()),
        ));
    }
    let mut form = LessonForm::from_lesson(&lesson);
    form.offset = stored_offset(&lesson);
    body.apply(&mut form)?;
    let record = lessons::parse(kind, &form, &super::tr(&caller))
        .map_err(|r| invalid(r.errors, body.rename()))?;
    courses::update_lesson(
        &state.db,
        state.hooks.as_ref(),
        course.school_id,
        course.id,
        lesson.id,
        &record,
    )
    .await?;
    let lesson = courses::lesson(&state.db, course.school_id, course.id, lesson.id)
        .await?
        .ok_or_else(|| ApiError::not_found("lesson"))?;
    Ok(Json(LessonOut::of(&lesson, true)))
}

/// Deletes a lesson (a live one's session is cancelled and its meeting deleted later, as
/// from the editor); the others move up.
#[utoipa::path(
    delete, path = "/api/v1/courses/{id}/lessons/{lesson_id}", tag = "lessons",
    params(
        ("id" = i64, Path, description = "The course's id"),
        ("lesson_id" = i64, Path, description = "The lesson's id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "The token lacks courses:write (live lessons: and live:write), or the user does not manage the course", body = super::error::ErrorBody),
        (status = 404, description = "No such course or lesson", body = super::error::ErrorBody),
        super::error::Common,
    )
)]
pub async fn remove(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Path((id, lesson_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    caller.need("courses:write")?;
    let (course, lesson) = managed_lesson(&state, &caller, &id, &lesson_id).await?;
    need_write(&caller, lesson.kind())?;
    courses::delete_lesson(
        &state.db,
        state.hooks.as_ref(),
        course.school_id,
        course.id,
        lesson.id,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
