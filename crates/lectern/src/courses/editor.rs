//! The instructor area: the courses I teach (all of them for an admin), creating and
//! editing a course, publishing, instructors, and adding, editing, moving and deleting
//! lessons. Instructors manage only their courses (403 otherwise); another school's
//! course doesn't exist (404).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::CoursesState;
use super::LessonHost;
use super::completion::{self, RuleForm};
use super::lessons::{self, LessonForm, Rejected};
use super::live_options;
use super::routes::parse_id;
use super::schedule::OffsetChoice;
use super::{Course, CourseFields, Instructor, Lesson, LessonKind, Move};
use crate::db::{LessonId, UserId};
use crate::schools::routes::valid_http_url;
use crate::web::{
    AppError, AppResult, Ctx, FieldCheckedForm, FieldErrors, Form, Page, check_text, limits, render,
};
use crate::zoom_connection::hosts::{self, HostError};

pub fn routes() -> Router<CoursesState> {
    Router::new()
        .route("/teach", get(teach_home))
        .route(
            "/teach/courses/new",
            get(new_course_page).post(create_course),
        )
        .route("/teach/courses/{id}", get(editor_page).post(save_course))
        .route("/teach/courses/{id}/publish", post(publish))
        .route("/teach/courses/{id}/delete", post(delete_course))
        .route("/teach/courses/{id}/unpublish", post(unpublish))
        .route("/teach/courses/{id}/instructors", post(add_instructor))
        .route(
            "/teach/courses/{id}/instructors/{user_id}/remove",
            post(remove_instructor),
        )
        .route(
            "/teach/courses/{id}/lessons/new",
            get(new_lesson_page).post(create_lesson),
        )
        .route(
            "/teach/courses/{id}/lessons/{lesson_id}",
            get(edit_lesson_page).post(save_lesson),
        )
        .route(
            "/teach/courses/{id}/lessons/{lesson_id}/completion",
            post(save_rule),
        )
        .route(
            "/teach/courses/{id}/lessons/{lesson_id}/move",
            post(move_lesson),
        )
        .route(
            "/teach/courses/{id}/lessons/{lesson_id}/delete",
            post(delete_lesson),
        )
        .merge(super::series_editor::routes())
}

/// The course behind `/teach/courses/{id}` if this user may manage it: signed in (else
/// the sign-in page), in this school (else 404), and admin or one of its instructors
/// (else 403).
pub(super) async fn managed_course(state: &CoursesState, ctx: &Ctx, id: &str) -> AppResult<Course> {
    super::routes::managed_course(&state.db, ctx, id).await
}

/// The course's live lessons whose session was cancelled (through `CourseHooks`).
pub(super) async fn cancelled_sessions(
    state: &CoursesState,
    course: &Course,
) -> AppResult<std::collections::HashSet<LessonId>> {
    let mut conn = state.db.pool.acquire().await?;
    Ok(state
        .hooks
        .cancelled_sessions(&mut conn, course.school_id, course.id)
        .await?
        .into_iter()
        .collect())
}

fn unprocessable(page: Page) -> Response {
    page.status(StatusCode::UNPROCESSABLE_ENTITY)
        .into_response()
}

// ---- the course list ----

#[derive(askama::Template)]
#[template(path = "teach/index.html")]
struct TeachPage {
    ctx: Ctx,
    courses: Vec<Course>,
}

async fn teach_home(State(state): State<CoursesState>, ctx: Ctx) -> AppResult<Page> {
    let user = ctx.require_teacher()?;
    let courses = super::managed_by(&state.db, user).await?;
    render(&TeachPage { ctx, courses })
}

// ---- course fields ----

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct CourseForm {
    title: String,
    description: String,
    cover_url: String,
}

impl CourseForm {
    fn from_course(c: &Course) -> CourseForm {
        CourseForm {
            title: c.title.clone(),
            description: c.description.clone(),
            cover_url: c.cover_url.clone().unwrap_or_default(),
        }
    }

    fn validate(&self, ctx: &Ctx) -> FieldErrors {
        check_course(&ctx.tr, &self.title, &self.description, &self.cover_url)
    }

    fn fields(&self) -> CourseFields<'_> {
        CourseFields {
            title: self.title.trim(),
            description: self.description.trim_end(),
            cover_url: Some(self.cover_url.trim()).filter(|c| !c.is_empty()),
        }
    }
}

/// A course's title, description and cover URL as the editor (and the JSON API) checks
/// them; errors by field (`title`, `description`, `cover_url`).
pub(crate) fn check_course(
    tr: &crate::i18n::Tr,
    title: &str,
    description: &str,
    cover_url: &str,
) -> FieldErrors {
    let mut errors = FieldErrors::default();
    let title = title.trim();
    if check_text(&mut errors, tr, "title", title, limits::TITLE) && title.is_empty() {
        errors.add("title", tr.t("form-required"));
    }
    check_text(
        &mut errors,
        tr,
        "description",
        description,
        limits::DESCRIPTION,
    );
    let cover = cover_url.trim();
    if check_text(&mut errors, tr, "cover_url", cover, limits::URL)
        && !cover.is_empty()
        && !valid_http_url(cover)
    {
        errors.add("cover_url", tr.t("form-url-invalid"));
    }
    errors
}

#[derive(askama::Template)]
#[template(path = "teach/new_course.html")]
struct NewCoursePage {
    ctx: Ctx,
    form: CourseForm,
    errors: FieldErrors,
}

async fn new_course_page(ctx: Ctx) -> AppResult<Page> {
    ctx.require_teacher()?;
    render(&NewCoursePage {
        ctx,
        form: CourseForm::default(),
        errors: FieldErrors::default(),
    })
}

async fn create_course(
    State(state): State<CoursesState>,
    ctx: Ctx,
    FieldCheckedForm(form): FieldCheckedForm<CourseForm>,
) -> AppResult<Response> {
    let user = ctx.require_teacher()?;
    let errors = form.validate(&ctx);
    if !errors.is_empty() {
        return Ok(unprocessable(render(&NewCoursePage { ctx, form, errors })?));
    }
    let course = super::create(&state.db, ctx.school.id, user.id, form.fields()).await?;
    Ok(Redirect::to(&format!("/teach/courses/{}", course.id)).into_response())
}

#[derive(askama::Template)]
#[template(path = "teach/course.html")]
struct EditorPage {
    ctx: Ctx,
    course: Course,
    form: CourseForm,
    errors: FieldErrors,
    lessons: Vec<Lesson>,
    instructors: Vec<Instructor>,
    instructor_email: String,
    instructor_error: String,
    kinds: [LessonKind; 6],
    /// The lessons that are occurrences of a series: its title, "3 of 12".
    series: std::collections::HashMap<LessonId, super::series_store::Badge>,
    /// Live lessons whose session was cancelled: marked "Cancelled".
    cancelled: std::collections::HashSet<LessonId>,
    /// The uploaded cover, if any, and the image upload limit.
    cover: Option<crate::files::StoredFile>,
    image_limit: u64,
}

impl EditorPage {
    async fn load(state: &CoursesState, ctx: Ctx, course: Course) -> AppResult<EditorPage> {
        let lessons = super::lessons(&state.db, course.school_id, course.id).await?;
        let instructors = super::instructors(&state.db, course.school_id, course.id).await?;
        let cover = state
            .files
            .current(
                course.school_id,
                crate::files::Owner::Course(course.id),
                crate::files::Purpose::Cover,
            )
            .await?;
        let series = super::series_store::badges(&state.db, course.school_id, course.id).await?;
        let cancelled = cancelled_sessions(state, &course).await?;
        Ok(EditorPage {
            series,
            cancelled,
            cover,
            image_limit: state.files.limits.image,
            form: CourseForm::from_course(&course),
            errors: FieldErrors::default(),
            lessons,
            instructors,
            instructor_email: String::new(),
            instructor_error: String::new(),
            kinds: LessonKind::ALL,
            course,
            ctx,
        })
    }

    fn image_limit_text(&self) -> String {
        crate::files::in_words_for(self.image_limit, &self.ctx.tr)
    }

    fn is_cancelled(&self, lesson: &LessonId) -> bool {
        self.cancelled.contains(lesson)
    }

    /// "Weekly coaching · 3 of 12", for a series' occurrence.
    fn series_badge(&self, lesson: &LessonId) -> Option<(i64, String)> {
        self.series.get(lesson).map(|b| {
            let n = self
                .ctx
                .tr
                .ta("series-n-of-total", &[("n", b.idx), ("total", b.total)]);
            (b.series_id, format!("{} · {n}", b.title))
        })
    }

    fn cover_upload_url(&self) -> String {
        format!("/api/teach/courses/{}/cover", self.course.id)
    }
}

async fn editor_page(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Page> {
    let course = managed_course(&state, &ctx, &id).await?;
    render(&EditorPage::load(&state, ctx, course).await?)
}

/// Deletes the course (asked for confirmation in the page; its people lose it at once).
async fn delete_course(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let course = managed_course(&state, &ctx, &id).await?;
    super::delete_course(&state.db, &*state.hooks, course.school_id, course.id).await?;
    Ok(Redirect::to("/teach").into_response())
}

async fn save_course(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FieldCheckedForm(form): FieldCheckedForm<CourseForm>,
) -> AppResult<Response> {
    let course = managed_course(&state, &ctx, &id).await?;
    let errors = form.validate(&ctx);
    if !errors.is_empty() {
        let mut page = EditorPage::load(&state, ctx, course).await?;
        page.form = form;
        page.errors = errors;
        return Ok(unprocessable(render(&page)?));
    }
    super::update(&state.db, course.school_id, course.id, form.fields()).await?;
    Ok(Redirect::to(&format!("/teach/courses/{}", course.id)).into_response())
}

async fn publish(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Redirect> {
    let course = managed_course(&state, &ctx, &id).await?;
    super::publish(&state.db, &*state.hooks, course.school_id, course.id).await?;
    Ok(Redirect::to(&format!("/teach/courses/{}", course.id)))
}

async fn unpublish(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Redirect> {
    let course = managed_course(&state, &ctx, &id).await?;
    super::set_published(&state.db, course.school_id, course.id, false).await?;
    Ok(Redirect::to(&format!("/teach/courses/{}", course.id)))
}

// ---- instructors (admins) ----

#[derive(Deserialize, Default)]
#[serde(default)]
struct InstructorForm {
    email: String,
}

async fn add_instructor(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<InstructorForm>,
) -> AppResult<Response> {
    let course = managed_course(&state, &ctx, &id).await?;
    ctx.require_admin()?;
    let found = crate::accounts::by_email(&state.db, ctx.school.id, &form.email).await?;
    match found.filter(|u| u.can_teach()) {
        Some(u) => {
            super::add_instructor(&state.db, course.school_id, course.id, UserId(u.id)).await?;
            Ok(Redirect::to(&format!("/teach/courses/{}", course.id)).into_response())
        }
        None => {
            let mut page = EditorPage::load(&state, ctx, course).await?;
            page.instructor_error = page.ctx.t("teach-instructor-not-found");
            page.instructor_email = form.email;
            Ok(unprocessable(render(&page)?))
        }
    }
}

async fn remove_instructor(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, user_id)): Path<(String, String)>,
) -> AppResult<Redirect> {
    let course = managed_course(&state, &ctx, &id).await?;
    ctx.require_admin()?;
    super::remove_instructor(
        &state.db,
        course.school_id,
        course.id,
        UserId(parse_id(&user_id)?),
    )
    .await?;
    Ok(Redirect::to(&format!("/teach/courses/{}", course.id)))
}

// ---- lessons ----

/// The zones the pickers offer (`web::time::selectable_timezones`).
pub(super) fn timezones() -> &'static [String] {
    crate::web::time::selectable_timezones()
}

#[derive(askama::Template)]
#[template(path = "teach/lesson.html")]
struct LessonEditorPage {
    ctx: Ctx,
    course: Course,
    kind: LessonKind,
    /// `None` for a new lesson.
    lesson_id: Option<LessonId>,
    action: String,
    form: LessonForm,
    errors: FieldErrors,
    fold: Vec<OffsetChoice>,
    timezones: &'static [String],
    /// The lesson's uploaded files (an existing lesson only).
    files: Vec<crate::files::StoredFile>,
    limits: crate::files::Limits,
    /// The completion rule's form (an existing lesson only), its errors, and the preview
    /// of a change waiting for "Apply".
    rule: Option<RuleForm>,
    rule_errors: FieldErrors,
    rule_preview: Option<String>,
    rule_saved: bool,
    /// A live lesson held at an external link, as stored: its completion offers only rules
    /// a student can meet there.
    external_venue: bool,
    /// An occurrence of a series: (series id, "Part of the series “X” (3 of 12) —").
    series: Option<(i64, String)>,
}

impl LessonEditorPage {
    fn new(
        ctx: Ctx,
        course: Course,
        kind: LessonKind,
        lesson_id: Option<LessonId>,
        form: LessonForm,
    ) -> LessonEditorPage {
        let action = match lesson_id {
            Some(l) => format!("/teach/courses/{}/lessons/{l}", course.id),
            None => format!(
                "/teach/courses/{}/lessons/new?kind={}",
                course.id,
                kind.as_str()
            ),
        };
        LessonEditorPage {
            ctx,
            course,
            kind,
            lesson_id,
            action,
            form,
            errors: FieldErrors::default(),
            fold: Vec::new(),
            timezones: timezones(),
            files: Vec::new(),
            limits: crate::files::Limits::default(),
            rule: None,
            rule_errors: FieldErrors::default(),
            rule_preview: None,
            rule_saved: false,
            external_venue: false,
            series: None,
        }
    }

    /// The lesson's completion rule, for its Completion section (and where the lesson is
    /// held and its series, which decide what that section and the header show).
    async fn with_rule(mut self, state: &CoursesState) -> AppResult<Self> {
        if let Some(id) = self.lesson_id
            && self.kind.is_scheduled()
        {
            self.external_venue = live_options::of_lesson(&state.db, self.course.school_id, id)
                .await?
                .is_some_and(|o| o.external_url.is_some());
            self.series =
                super::series_store::badges(&state.db, self.course.school_id, self.course.id)
                    .await?
                    .remove(&id)
                    .map(|b| {
                        let tr = &self.ctx.tr;
                        let place = tr.ta("series-n-of-total", &[("n", b.idx), ("total", b.total)]);
                        let part_of =
                            tr.ta("series-part-of", &[("title", b.title), ("place", place)]);
                        (b.series_id, part_of)
                    });
        }
        if let Some(id) = self.lesson_id
            && self.rule.is_none()
        {
            let rule = completion::rule_of(&state.db, self.course.school_id, id)
                .await?
                .ok_or(AppError::NotFound)?;
            self.rule = Some(RuleForm::from_rule(&rule));
        }
        Ok(self)
    }

    /// The rules this kind may use: (key, label).
    fn rule_options(&self) -> Vec<(&'static str, String)> {
        completion::Completion::offered(self.kind, self.external_venue)
            .iter()
            .map(|k| (*k, self.ctx.t(&format!("completion-option-{k}"))))
            .collect()
    }

    fn rule_is(&self, key: &str) -> bool {
        self.rule.as_ref().is_some_and(|r| r.rule == key)
    }

    /// The lesson's files and the upload limits, for its Files section.
    async fn with_files(mut self, state: &CoursesState) -> AppResult<Self> {
        if let Some(id) = self.lesson_id {
            self.files = state.files.of_lesson(self.course.school_id, id).await?;
        }
        self.limits = state.files.limits;
        Ok(self)
    }

    fn upload_url(&self, lesson: &LessonId, purpose: &str) -> String {
        format!(
            "/api/teach/courses/{}/lessons/{lesson}/files?purpose={purpose}",
            self.course.id
        )
    }

    fn limit_text(&self, purpose: &str) -> String {
        let p = crate::files::Purpose::parse(purpose).unwrap_or(crate::files::Purpose::Attachment);
        crate::files::in_words_for(p.limit(&self.limits), &self.ctx.tr)
    }

    fn limit(&self, purpose: &str) -> u64 {
        crate::files::Purpose::parse(purpose)
            .unwrap_or(crate::files::Purpose::Attachment)
            .limit(&self.limits)
    }

    fn file_url(&self, lesson: &LessonId, f: &crate::files::StoredFile) -> String {
        super::files::lesson_file_url(&self.course, *lesson, f)
    }

    /// The files of one purpose (`video`, `document`, `attachment`).
    fn files_of(&self, purpose: &str) -> Vec<&crate::files::StoredFile> {
        self.files
            .iter()
            .filter(|f| f.purpose.as_str() == purpose)
            .collect()
    }

    fn rejected(mut self, r: Rejected) -> AppResult<Response> {
        self.errors = r.errors;
        self.fold = r.fold;
        Ok(unprocessable(render(&self)?))
    }

    fn is_zone(&self, tz: &str) -> bool {
        self.form.timezone == tz
    }
    /// The form's zone is one the list doesn't offer (saved before, or typed): shown
    /// first so that saving doesn't quietly change it.
    fn unlisted_zone(&self) -> bool {
        !self.form.timezone.is_empty() && !self.timezones.contains(&self.form.timezone)
    }

    fn is_offset(&self, seconds: &i32) -> bool {
        self.form.offset.trim() == seconds.to_string()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct KindQuery {
    kind: String,
}

fn parse_kind(q: &KindQuery) -> AppResult<LessonKind> {
    LessonKind::parse(&q.kind).ok_or(AppError::NotFound)
}

async fn new_lesson_page(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<KindQuery>,
) -> AppResult<Page> {
    let course = managed_course(&state, &ctx, &id).await?;
    let kind = parse_kind(&q)?;
    let tz = ctx
        .user
        .as_ref()
        .map(|u| u.timezone.clone())
        .unwrap_or_else(|| ctx.tz_name.clone());
    let mut form = LessonForm::blank(&tz);
    if kind.is_scheduled() {
        // A new session starts from the course's default options.
        let defaults = live_options::course_default(&state.db, course.school_id, course.id)
            .await?
            .unwrap_or_default();
        form.live = live_options::LiveOptionsForm::from_options(&defaults, None);
    }
    render(&LessonEditorPage::new(ctx, course, kind, None, form))
}

async fn create_lesson(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<KindQuery>,
    FieldCheckedForm(form): FieldCheckedForm<LessonForm>,
) -> AppResult<Response> {
    let course = managed_course(&state, &ctx, &id).await?;
    let kind = parse_kind(&q)?;
    match check_lesson(&state, &ctx, kind, &form).await? {
        Ok(c) => {
            let id = super::insert_lesson(
                &state.db,
                &*state.hooks,
                course.school_id,
                course.id,
                &c.record,
            )
            .await?;
            super::set_lesson_host(&state.db, course.school_id, id, c.host.as_ref()).await?;
            if let Some(o) = &c.options {
                live_options::save_lesson(&state.db, course.school_id, course.id, id, o).await?;
            }
            Ok(Redirect::to(&format!("/teach/courses/{}", course.id)).into_response())
        }
        Err(r) => LessonEditorPage::new(ctx, course, kind, None, form).rejected(r),
    }
}

/// A lesson form checked as a whole: the lesson's fields, a live lesson's options (with
/// what Zoom would refuse, asked now when the school is connected) and its Zoom host (not
/// needed when the session is held at an external link).
struct CheckedLesson {
    record: lessons::LessonRecord,
    host: Option<LessonHost>,
    options: Option<live_options::LessonOptions>,
}

async fn check_lesson(
    state: &CoursesState,
    ctx: &Ctx,
    kind: LessonKind,
    form: &LessonForm,
) -> AppResult<Result<CheckedLesson, Rejected>> {
    let parsed = lessons::parse(kind, form, &ctx.tr);
    let mut opt_errors = FieldErrors::default();
    let options = if kind.is_scheduled() {
        live_options::parse(
            &form.live,
            kind == LessonKind::Webinar,
            true,
            &ctx.tr,
            &mut opt_errors,
        )
    } else {
        None
    };
    let external = options.as_ref().is_some_and(|o| o.external_url.is_some());
    let host = match &parsed {
        Ok(_) if !external => live_host(state, ctx, kind).await,
        _ => Ok(None),
    };
    if let (Some(o), Ok(_), Ok(h)) = (&options, &parsed, &host)
        && !external
    {
        live_options::check_alternative_hosts(
            &state.db,
            ctx.school.id,
            &o.options,
            &ctx.tr,
            &mut opt_errors,
        )
        .await?;
        if opt_errors.is_empty() {
            live_options::check_with_zoom(
                &state.zoom,
                ctx.school.id,
                h.as_ref().map(|h| &h.host),
                &o.options,
                &ctx.tr,
                &mut opt_errors,
            )
            .await;
        }
    }
    Ok(match (parsed, host) {
        (Ok(record), Ok(host)) if opt_errors.is_empty() => Ok(CheckedLesson {
            record,
            host,
            options,
        }),
        (parsed, host) => {
            let mut r = match (parsed, host) {
                (Err(r), _) | (_, Err(r)) => r,
                _ => Rejected::default(),
            };
            for (field, message) in opt_errors.0 {
                r.errors.add(field, message);
            }
            Err(r)
        }
    })
}

pub(super) async fn managed_lesson(
    state: &CoursesState,
    ctx: &Ctx,
    id: &str,
    lesson_id: &str,
) -> AppResult<(Course, Lesson)> {
    let course = managed_course(state, ctx, id).await?;
    let lesson = super::lesson(
        &state.db,
        course.school_id,
        course.id,
        LessonId(parse_id(lesson_id)?),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    Ok((course, lesson))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SavedQuery {
    saved: String,
    /// `external`: open the editor with the external-link switch on.
    venue: String,
}

async fn edit_lesson_page(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, lesson_id)): Path<(String, String)>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Page> {
    let (course, lesson) = managed_lesson(&state, &ctx, &id, &lesson_id).await?;
    let mut form = LessonForm::from_lesson(&lesson);
    if lesson.kind().is_scheduled() {
        let o = live_options::effective(&state.db, course.school_id, lesson.id).await?;
        form.live =
            live_options::LiveOptionsForm::from_options(&o.options, o.external_url.as_deref());
    }
    if q.venue == "external" {
        // "Edit the lesson (switch to an external link)" after a disconnect lands here.
        form.live.venue = "external".into();
    }
    let mut page = LessonEditorPage::new(ctx, course, lesson.kind(), Some(lesson.id), form)
        .with_files(&state)
        .await?
        .with_rule(&state)
        .await?;
    page.rule_saved = q.saved == "completion";
    render(&page)
}

/// The completion rule of a lesson: a change that would complete or un-complete students
/// is shown first ("this would complete 12 students and un-complete 3") and applied with
/// "Apply"; one that changes nobody's completion is saved at once.
async fn save_rule(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, lesson_id)): Path<(String, String)>,
    FieldCheckedForm(rule_form): FieldCheckedForm<RuleForm>,
) -> AppResult<Response> {
    let (course, lesson) = managed_lesson(&state, &ctx, &id, &lesson_id).await?;
    let page = |ctx: Ctx, course: Course| {
        let form = LessonForm::from_lesson(&lesson);
        LessonEditorPage::new(ctx, course, lesson.kind(), Some(lesson.id), form)
    };
    // Where the session is held decides which rules it may have.
    let external = lesson.kind().is_scheduled()
        && live_options::of_lesson(&state.db, course.school_id, lesson.id)
            .await?
            .is_some_and(|o| o.external_url.is_some());
    let rule = match rule_form.parse(lesson.kind(), external, &ctx.tr) {
        Ok(rule) => rule,
        Err(errors) => {
            let mut p = page(ctx, course)
                .with_files(&state)
                .await?
                .with_rule(&state)
                .await?;
            p.rule = Some(rule_form);
            p.rule_errors = errors;
            return Ok(unprocessable(render(&p)?));
        }
    };
    if !rule_form.confirmed(&rule) {
        let (complete, uncomplete) =
            completion::preview(&state.db, course.school_id, lesson.id, &rule).await?;
        if complete + uncomplete > 0 {
            let mut p = page(ctx, course)
                .with_files(&state)
                .await?
                .with_rule(&state)
                .await?;
            p.rule_preview = Some(format!(
                "{} {}",
                p.ctx
                    .tr
                    .t1("completion-preview-complete", "complete", complete as i64),
                p.ctx.tr.t1(
                    "completion-preview-uncomplete",
                    "uncomplete",
                    uncomplete as i64
                )
            ));
            p.rule = Some(RuleForm {
                previewed: rule.signature(),
                ..rule_form
            });
            return Ok(render(&p)?.into_response());
        }
    }
    completion::save_rule(&state.db, course.school_id, lesson.id, &rule).await?;
    Ok(Redirect::to(&format!(
        "/teach/courses/{}/lessons/{}?saved=completion",
        course.id, lesson.id
    ))
    .into_response())
}

async fn save_lesson(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, lesson_id)): Path<(String, String)>,
    FieldCheckedForm(form): FieldCheckedForm<LessonForm>,
) -> AppResult<Response> {
    let (course, lesson) = managed_lesson(&state, &ctx, &id, &lesson_id).await?;
    match check_lesson(&state, &ctx, lesson.kind(), &form).await? {
        Ok(c) => {
            super::update_lesson(
                &state.db,
                &*state.hooks,
                course.school_id,
                course.id,
                lesson.id,
                &c.record,
            )
            .await?;
            super::set_lesson_host(&state.db, course.school_id, lesson.id, c.host.as_ref()).await?;
            if let Some(o) = &c.options {
                live_options::save_lesson(&state.db, course.school_id, course.id, lesson.id, o)
                    .await?;
                // The lesson page's Join and Start follow the switch at once.
                state
                    .db
                    .lesson_changed(crate::push::LessonChange {
                        school_id: course.school_id,
                        course_id: course.id,
                        lesson_id: lesson.id,
                    })
                    .await;
            }
            Ok(Redirect::to(&format!("/teach/courses/{}", course.id)).into_response())
        }
        Err(r) => LessonEditorPage::new(ctx, course, lesson.kind(), Some(lesson.id), form)
            .with_files(&state)
            .await?
            .with_rule(&state)
            .await?
            .rejected(r),
    }
}

/// The Zoom host of a live lesson saved by the current user: checked now, so that a
/// host who is not in the school's Zoom account is refused with a clear message. Without a
/// connection the lesson saves hostless; the host is resolved when the session starts.
pub(super) async fn live_host(
    state: &CoursesState,
    ctx: &Ctx,
    kind: LessonKind,
) -> Result<Option<LessonHost>, Rejected> {
    if !kind.is_scheduled() {
        return Ok(None);
    }
    let Some(user) = ctx.user.as_ref() else {
        return Ok(None);
    };
    let mut errors = FieldErrors::default();
    match check_host(state, ctx, user.id, &user.email, &mut errors).await {
        Some(host) => Ok(host),
        None => Err(Rejected {
            errors,
            fold: Vec::new(),
        }),
    }
}

/// The one check of a session's Zoom host (a single lesson's, a series', one occurrence's):
/// `user_id` (`email`) must be a user of the school's Zoom account. `None` with a `host`
/// field error when Zoom says they are not; `Some(None)` (resolved at Start) when the school
/// is not connected or Zoom could not be asked.
pub(super) async fn check_host(
    state: &CoursesState,
    ctx: &Ctx,
    user_id: i64,
    email: &str,
    errors: &mut FieldErrors,
) -> Option<Option<LessonHost>> {
    match hosts::resolve(&state.zoom, ctx.school.id, user_id, email).await {
        Ok(host) => Some(Some(LessonHost { user_id, host })),
        Err(HostError::NotInAccount { email }) => {
            errors.add("host", ctx.t1("lesson-host-not-in-zoom", "email", email));
            None
        }
        Err(HostError::NotConnected) => Some(None),
        Err(e) => {
            tracing::warn!(error = %e, "could not check the Zoom host; it will be resolved at Start");
            Some(None)
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MoveForm {
    direction: String,
}

async fn move_lesson(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, lesson_id)): Path<(String, String)>,
    Form(form): Form<MoveForm>,
) -> AppResult<Redirect> {
    let (course, lesson) = managed_lesson(&state, &ctx, &id, &lesson_id).await?;
    let dir = match form.direction.as_str() {
        "up" => Move::Up,
        "down" => Move::Down,
        _ => return Err(AppError::BadRequest(ctx.t("form-invalid-choice"))),
    };
    super::move_lesson(&state.db, course.school_id, course.id, lesson.id, dir).await?;
    Ok(Redirect::to(&format!(
        "/teach/courses/{}#lessons",
        course.id
    )))
}

async fn delete_lesson(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, lesson_id)): Path<(String, String)>,
) -> AppResult<Redirect> {
    let (course, lesson) = managed_lesson(&state, &ctx, &id, &lesson_id).await?;
    super::delete_lesson(
        &state.db,
        &*state.hooks,
        course.school_id,
        course.id,
        lesson.id,
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/teach/courses/{}#lessons",
        course.id
    )))
}
