//! The learner's pages: catalogue, course page, enrolment, lesson player, progress, quiz
//! attempts and "My courses". The instructor area lives in [`super::editor`].

use std::collections::{HashMap, HashSet};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use super::CoursesState;
use super::completion;
use super::lessons::LessonView;
use super::progress::{self, AttemptSummary, MyCourse, Progress};
use super::quiz::Grade;
use super::{Course, Lesson, LessonKind};
use crate::accounts::User;
use crate::db::{Db, LessonId, UserId};
use crate::i18n::Arg;
use crate::web::{AppError, AppResult, Ctx, Form, Page, render};

pub fn routes() -> Router<CoursesState> {
    Router::new()
        .route("/", get(catalogue))
        .route("/my/courses", get(my_courses))
        .route("/courses/{slug}", get(course_page))
        .route("/courses/{slug}/enroll", post(enroll))
        .route("/courses/{slug}/lessons/{id}", get(lesson_page))
        .route("/courses/{slug}/lessons/{id}/complete", post(complete))
        .route("/courses/{slug}/lessons/{id}/quiz", post(submit_quiz))
        .merge(super::editor::routes())
        .merge(super::live_options::routes())
        .merge(super::students::routes())
        .merge(super::files::routes())
}

/// A numeric id from the path; anything else is a page that doesn't exist.
pub fn parse_id(s: &str) -> AppResult<i64> {
    s.parse::<i64>().map_err(|_| AppError::NotFound)
}

/// The course named by `id` (a path segment) if the viewer may manage it: 404 for none or
/// another school's, 403 for a viewer who doesn't teach it.
pub async fn managed_course(db: &Db, ctx: &Ctx, id: &str) -> AppResult<Course> {
    let user = ctx.require_user()?;
    let id = crate::db::CourseId(parse_id(id)?);
    let course = super::by_id(db, crate::db::SchoolId(ctx.school.id), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !super::can_manage(db, user, &course).await? {
        return Err(AppError::Forbidden);
    }
    Ok(course)
}

/// One line of a course outline.
pub(crate) struct OutlineItem {
    pub id: LessonId,
    pub title: String,
    pub kind: LessonKind,
    pub url: String,
    pub done: bool,
    pub current: bool,
    pub required: bool,
    pub starts_at: Option<i64>,
    pub starts_iso: String,
    /// The start in the viewer's time zone; empty for unscheduled lessons.
    pub when: String,
}

fn outline(
    ctx: &Ctx,
    course: &Course,
    lessons: &[&Lesson],
    done: &HashSet<LessonId>,
    current: Option<LessonId>,
) -> Vec<OutlineItem> {
    lessons
        .iter()
        .map(|l| {
            let starts_at = l.schedule().map(|s| s.starts_at);
            OutlineItem {
                id: l.id,
                title: l.title.clone(),
                kind: l.kind(),
                url: format!("/courses/{}/lessons/{}", course.slug, l.id),
                done: done.contains(&l.id),
                current: current == Some(l.id),
                required: l.is_required(),
                starts_at,
                starts_iso: starts_at.map(crate::web::time::iso_utc).unwrap_or_default(),
                when: starts_at.map(|s| ctx.local_time(&s)).unwrap_or_default(),
            }
        })
        .collect()
}

/// The course if this viewer may see it (published, or managed by them), with their
/// enrolment. Else 404.
async fn visible_course(
    db: &Db,
    ctx: &Ctx,
    slug: &str,
    extras: super::ViewerExtras,
) -> AppResult<super::CourseForViewer> {
    let view = super::for_viewer(db, ctx.school.id, slug, ctx.user.as_ref(), extras)
        .await?
        .ok_or(AppError::NotFound)?;
    if !view.course.is_published() && !view.manager {
        return Err(AppError::NotFound);
    }
    Ok(view)
}

#[derive(askama::Template)]
#[template(path = "courses/catalogue.html")]
struct CataloguePage {
    ctx: Ctx,
    courses: Vec<Course>,
    /// Uploaded covers by course id (they win over a cover URL).
    covers: HashMap<crate::db::CourseId, super::files::Cover>,
    /// Just signed up: a one-time welcome notice (what to do next).
    welcome: bool,
}

async fn catalogue(
    State(state): State<CoursesState>,
    ctx: Ctx,
    jar: axum_extra::extract::cookie::CookieJar,
) -> AppResult<Response> {
    use crate::accounts::sessions::{WELCOME_COOKIE, welcome_removal};
    let courses = super::published(&state.db, ctx.school.id).await?;
    let covers = super::files::covers(&state, ctx.school.id, &courses).await?;
    // Once: the cookie is removed by the answer that shows the notice.
    let welcome = ctx.user.is_some() && jar.get(WELCOME_COOKIE).is_some();
    let jar = if jar.get(WELCOME_COOKIE).is_some() {
        jar.remove(welcome_removal())
    } else {
        jar
    };
    let page = render(&CataloguePage {
        ctx,
        courses,
        covers,
        welcome,
    })?;
    Ok((jar, page).into_response())
}

#[derive(askama::Template)]
#[template(path = "courses/course.html")]
struct CoursePage {
    ctx: Ctx,
    course: Course,
    /// The course's cover, instructors and description as HTML, read from its shared
    /// copy as they are (a whole class loads this page: nothing is copied per view).
    shared: std::sync::Arc<super::shared::Shared>,
    outline: Vec<OutlineItem>,
    enrolled: bool,
    manager: bool,
    completed: bool,
    progress: Progress,
    continue_url: String,
    /// Some lesson is scheduled: the page follows live changes (static/live.js).
    live_outline: bool,
    /// Back from a checkout the buyer cancelled.
    cancelled: bool,
    /// A coach offers 1-on-1 sessions (`bookings`, through `PlayerHooks`).
    offers_booking: bool,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct CoursePageQuery {
    payment: String,
}

async fn course_page(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    axum::extract::Query(query): axum::extract::Query<CoursePageQuery>,
) -> AppResult<Page> {
    // A whole class opens this page at once: with the session and a warm copy of what
    // every viewer reads alike, one query.
    let view = visible_course(&state.db, &ctx, &slug, super::ViewerExtras::Progress).await?;
    let shared = state
        .shared
        .get(&state, &view.course, view.shared_version)
        .await?;
    let super::CourseForViewer {
        course,
        enrollment,
        manager,
        teaches,
        done,
        ..
    } = view;
    let viewer = super::shared::Viewer {
        user: ctx.user.as_ref(),
        teaches,
    };
    let lessons = shared.listed_lessons(viewer, &course);
    let progress = progress::compute(lessons.iter().copied(), &done);
    let continue_url = lessons
        .iter()
        .find(|l| !done.contains(&l.id))
        .or(lessons.first())
        .map(|l| format!("/courses/{}/lessons/{}", course.slug, l.id))
        .unwrap_or_default();
    let outline = outline(&ctx, &course, &lessons, &done, None);
    let offers_booking = (enrollment.is_some() || manager) && shared.offers_booking;
    let page = CoursePage {
        cancelled: query.payment == "cancelled",
        offers_booking,
        live_outline: outline.iter().any(|i| i.starts_at.is_some()),
        outline,
        shared,
        enrolled: enrollment.is_some(),
        completed: enrollment.is_some_and(|e| e.completed_at.is_some()),
        manager,
        progress,
        continue_url,
        course,
        ctx,
    };
    render(&page)
}

async fn enroll(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Redirect> {
    let user = ctx.require_user()?;
    let course = super::by_slug(&state.db, ctx.school.id, &slug)
        .await?
        .filter(Course::is_published)
        .ok_or(AppError::NotFound)?;
    if course.price().is_some() {
        // A paid course is entered only through a verified payment.
        return Ok(Redirect::to(&format!("{}/buy", course.url())));
    }
    progress::enroll(
        &state.db,
        &*state.hooks,
        course.school_id,
        course.id,
        UserId(user.id),
    )
    .await?;
    Ok(Redirect::to(&course.url()))
}

#[derive(askama::Template)]
#[template(path = "courses/lesson.html")]
struct LessonPage {
    ctx: Ctx,
    course: Course,
    outline: Vec<OutlineItem>,
    view: LessonView,
    progress: Progress,
    enrolled: bool,
    manager: bool,
    completed: bool,
    prev: Option<String>,
    next: Option<String>,
    grade: Option<Grade>,
    grade_text: String,
    attempts_text: String,
    live: Option<super::LessonPanel>,
    live_outline: bool,
    /// The lesson's uploaded files as the player shows them.
    files: PlayerFiles,
    /// How the lesson completes, in words.
    rule_text: String,
    /// The student's "Mark complete" completes it.
    can_mark: bool,
    /// A quiz whose allowed attempts are used up.
    no_attempts_left: bool,
    /// "You have 2 attempts." when the quiz limits them.
    attempts_allowed: String,
}

/// A lesson's files in the player: its own video or document, and the attachments.
#[derive(Default)]
struct PlayerFiles {
    video: Option<PlayerFile>,
    document: Option<PlayerFile>,
    attachments: Vec<PlayerFile>,
    /// Where the video's watched ranges are reported (enrolled students only).
    watch_url: String,
    /// How much of the video the student has watched, in percent, once they played it.
    watched_percent: Option<u32>,
}

struct PlayerFile {
    name: String,
    size_text: String,
    url: String,
    is_pdf: bool,
}

impl PlayerFiles {
    /// The lesson's files come from the course's shared copy; only what the student
    /// watched is read.
    async fn load(
        state: &CoursesState,
        ctx: &Ctx,
        course: &Course,
        lesson: &Lesson,
        files: &[crate::files::StoredFile],
        student: Option<i64>,
    ) -> sqlx::Result<PlayerFiles> {
        let mut out = PlayerFiles::default();
        for f in files {
            let pf = PlayerFile {
                url: super::files::lesson_file_url(course, lesson.id, f),
                name: f.name.clone(),
                size_text: f.size_for(&ctx.tr),
                is_pdf: f.is_pdf(),
            };
            match f.purpose {
                crate::files::Purpose::Video => out.video = Some(pf),
                crate::files::Purpose::Document => out.document = Some(pf),
                _ => out.attachments.push(pf),
            }
        }
        if let Some(user) = student
            && lesson.kind() == LessonKind::Video
        {
            out.watch_url = format!("/api/courses/{}/lessons/{}/watch", course.slug, lesson.id);
            out.watched_percent =
                super::watch::watched_share(&state.db, course.school_id, lesson.id, UserId(user))
                    .await?
                    .map(|s| (s * 100.0).round() as u32);
        }
        Ok(out)
    }
}

/// Everything the player needs, after the access check: signed in, and enrolled or
/// managing the course. A learner who isn't enrolled goes to the course page to enrol.
enum Player {
    Page(Box<LessonPage>),
    NotEnrolled(String),
}

async fn load_player(
    state: &CoursesState,
    ctx: Ctx,
    slug: &str,
    id: &str,
    live_error: Option<&str>,
) -> AppResult<Player> {
    let db = &state.db;
    let user: User = ctx.require_user()?.clone();
    let id = LessonId(parse_id(id)?);
    let super::CourseForViewer {
        course,
        enrollment,
        manager,
        teaches,
        shared_version,
        mut done,
        opened,
    } = visible_course(db, &ctx, slug, super::ViewerExtras::Player(id)).await?;
    let enrolled = enrollment.is_some();
    if !enrolled && !manager {
        return Ok(Player::NotEnrolled(course.url()));
    }
    let shared = state.shared.get(state, &course, shared_version).await?;
    let lessons = shared.visible_lessons(
        super::shared::Viewer {
            user: Some(&user),
            teaches,
        },
        &course,
    );
    let index = lessons
        .iter()
        .position(|l| l.id == id)
        .ok_or(AppError::NotFound)?;
    let extras = shared.extras(id).ok_or(AppError::NotFound)?;
    let rule = extras.rule.ok_or(AppError::NotFound)?;
    if enrolled
        && !opened
        && !done.contains(&id)
        && matches!(
            rule.kind,
            LessonKind::Video | LessonKind::Document | LessonKind::ExternalLink
        )
    {
        // Opening counts as evidence whatever the rule: a rule changed to "opened" later
        // completes those who opened it before.
        let changes = completion::note(
            db,
            course.school_id,
            id,
            UserId(user.id),
            completion::Fact::Opened,
        )
        .await?;
        if !changes.completed.is_empty() {
            done.insert(id);
        }
    }
    let (attempts_text, attempts_made) = if lessons[index].kind() == LessonKind::Quiz {
        let a = progress::attempts(db, course.school_id, id, UserId(user.id)).await?;
        (attempts_text(&ctx, &a), a.attempts)
    } else {
        (String::new(), 0)
    };
    let no_attempts_left = rule
        .max_attempts
        .is_some_and(|max| enrolled && attempts_made >= max);
    let attempts_allowed = rule
        .max_attempts
        .map(|max| ctx.tr.t1("quiz-attempts-allowed", "count", max))
        .unwrap_or_default();
    let url = |l: &Lesson| format!("/courses/{}/lessons/{}", course.slug, l.id);
    let prev = index.checked_sub(1).map(|i| url(lessons[i]));
    let next = lessons.get(index + 1).map(|l| url(l));
    let live = if lessons[index].kind().is_scheduled() {
        state
            .player
            .player_panel(super::PanelView {
                ctx: &ctx,
                course: &course,
                lesson: lessons[index],
                enrolled,
                manager,
                error: live_error,
                thread: extras.thread,
            })
            .await?
    } else {
        None
    };
    let outline = outline(&ctx, &course, &lessons, &done, Some(id));
    let files = PlayerFiles::load(
        state,
        &ctx,
        &course,
        lessons[index],
        extras.files,
        enrolled.then_some(user.id),
    )
    .await?;
    let can_mark = rule.markable(files.video.is_some());
    let page = LessonPage {
        rule_text: rule.describe(&ctx.tr),
        can_mark,
        no_attempts_left,
        attempts_allowed,
        files,
        live,
        live_outline: outline.iter().any(|i| i.starts_at.is_some()),
        outline,
        progress: progress::compute(lessons.iter().copied(), &done),
        completed: done.contains(&id),
        view: LessonView::new(lessons[index].clone()),
        enrolled,
        manager,
        prev,
        next,
        grade: None,
        grade_text: String::new(),
        attempts_text,
        course,
        ctx,
    };
    Ok(Player::Page(Box::new(page)))
}

async fn lesson_page(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let live_error = q.get("live_error").map(String::as_str);
    match load_player(&state, ctx, &slug, &id, live_error).await? {
        Player::Page(page) => player_response(&page),
        Player::NotEnrolled(to) => Ok(Redirect::to(&to).into_response()),
    }
}

/// The player; a page that holds the meeting's root (`live/panel.html`: an enrolled
/// student's live lesson) gets the Content-Security-Policy Zoom's Meeting SDK needs.
fn player_response(page: &LessonPage) -> AppResult<Response> {
    let mut html = render(page)?;
    if page.live.as_ref().is_some_and(|p| p.embeds_meeting) {
        html = html.zoom_meeting();
    }
    Ok(html.into_response())
}

fn attempts_text(ctx: &Ctx, a: &AttemptSummary) -> String {
    match a.best {
        Some(best) if a.attempts > 0 => ctx.tr.ta(
            "quiz-attempts",
            &[("count", Arg::from(a.attempts)), ("best", Arg::from(best))],
        ),
        _ => String::new(),
    }
}

/// The lesson for a learner's action (complete, quiz): they must be enrolled.
async fn enrolled_lesson(
    state: &CoursesState,
    ctx: &Ctx,
    slug: &str,
    id: &str,
) -> AppResult<(Course, Lesson, UserId)> {
    let user = ctx.require_user()?;
    let id = LessonId(parse_id(id)?);
    let view = visible_course(&state.db, ctx, slug, super::ViewerExtras::None).await?;
    let course = view.course;
    let lesson = super::lesson(&state.db, course.school_id, course.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if view.enrollment.is_none() {
        return Err(AppError::Forbidden);
    }
    Ok((course, lesson, UserId(user.id)))
}

async fn complete(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
) -> AppResult<Redirect> {
    let (course, lesson, user_id) = enrolled_lesson(&state, &ctx, &slug, &id).await?;
    let rule = completion::rule_of(&state.db, course.school_id, lesson.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let has_video = lesson.kind() == LessonKind::Video
        && crate::files::store::lesson_has(
            &state.db,
            course.school_id,
            lesson.id,
            crate::files::Purpose::Video,
        )
        .await?;
    if !rule.markable(has_video) {
        return Err(AppError::BadRequest(ctx.t("lesson-cannot-mark-complete")));
    }
    completion::note(
        &state.db,
        course.school_id,
        lesson.id,
        user_id,
        completion::Fact::Marked,
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/courses/{}/lessons/{}",
        course.slug, lesson.id
    )))
}

async fn submit_quiz(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> AppResult<Response> {
    let (course, lesson, user_id) = enrolled_lesson(&state, &ctx, &slug, &id).await?;
    let super::LessonContent::Quiz {
        quiz_json,
        pass_mark,
    } = &lesson.content
    else {
        return Err(AppError::NotFound);
    };
    let rule = completion::rule_of(&state.db, course.school_id, lesson.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(max) = rule.max_attempts
        && progress::attempts(&state.db, course.school_id, lesson.id, user_id)
            .await?
            .attempts
            >= max
    {
        return Err(AppError::BadRequest(ctx.t1(
            "quiz-no-attempts-left",
            "count",
            max,
        )));
    }
    let quiz = super::quiz::Quiz::from_json(Some(quiz_json));
    let answers = quiz.answers_from_form(&form);
    let grade = quiz.grade(&answers, *pass_mark);
    let answers_json = serde_json::to_string(&answers).map_err(anyhow::Error::from)?;
    progress::record_attempt(
        &state.db,
        course.school_id,
        progress::Attempt {
            lesson_id: lesson.id,
            user_id,
            answers_json: &answers_json,
            score: grade.score,
            passed: grade.passed,
        },
    )
    .await?;
    completion::reevaluate(
        &state.db,
        course.school_id,
        lesson.id,
        Some(user_id),
        completion::Cause::Rule,
    )
    .await?;
    match load_player(&state, ctx, &slug, &id, None).await? {
        Player::Page(mut page) => {
            page.grade_text = page.ctx.tr.ta(
                if grade.passed {
                    "quiz-passed"
                } else {
                    "quiz-failed"
                },
                &[
                    ("score", Arg::from(grade.score)),
                    ("correct", Arg::from(grade.correct)),
                    ("total", Arg::from(grade.total)),
                ],
            );
            page.grade = Some(grade);
            player_response(&page)
        }
        Player::NotEnrolled(to) => Ok(Redirect::to(&to).into_response()),
    }
}

#[derive(askama::Template)]
#[template(path = "courses/my.html")]
struct MyCoursesPage {
    ctx: Ctx,
    courses: Vec<MyCourse>,
    /// The secret calendar-feed URL ("" until created).
    calendar_url: String,
}

async fn my_courses(State(state): State<CoursesState>, ctx: Ctx) -> AppResult<Page> {
    let user = ctx.require_user()?;
    let courses = progress::my_courses(&state.db, ctx.school.id, user.id).await?;
    let calendar_url = state
        .player
        .calendar_feed_url(UserId(user.id))
        .await?
        .unwrap_or_default();
    render(&MyCoursesPage {
        ctx,
        courses,
        calendar_url,
    })
}
