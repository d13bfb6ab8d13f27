//! A course's students as its managers see them: the list with each one's progress, and
//! one student's page — every lesson's completion (by rule or by hand), the form to set it
//! by hand with a reason, and the audit trail of every change.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::completion::{self, AuditEntry};
use super::editor::managed_course;
use super::progress::Progress;
use super::routes::parse_id;
use super::{AttendanceLine, Course, CoursesState, Lesson};
use crate::db::{CourseId, LessonId, SchoolId, UserId, now_ms};
use crate::web::{AppError, AppResult, Ctx, FieldErrors, Form, Page, check_text, render};

pub fn routes() -> Router<CoursesState> {
    Router::new()
        .route("/teach/courses/{id}/students", get(students_page))
        .route("/teach/courses/{id}/students/{user_id}", get(student_page))
        .route(
            "/teach/courses/{id}/students/{user_id}/lessons/{lesson_id}",
            post(set_completion),
        )
}

/// One enrolled student and their progress.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct StudentRow {
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    pub enrolled_at: i64,
    pub completed_at: Option<i64>,
    pub done: i64,
}

/// A course's students (`$1` school, `$2` course) and their required lessons done.
pub(crate) const STUDENTS: &str =
    "SELECT u.id AS user_id, u.display_name, u.email, e.enrolled_at, e.completed_at,
   (SELECT COUNT(*) FROM lesson_progress p JOIN lessons l ON l.id = p.lesson_id
      WHERE l.course_id = e.course_id AND l.required = 1 AND p.user_id = e.user_id) AS done
 FROM enrollments e JOIN users u ON u.id = e.user_id
 WHERE e.school_id = $1 AND e.course_id = $2";

async fn students(state: &CoursesState, course: &Course) -> sqlx::Result<(Vec<StudentRow>, i64)> {
    let total = super::listing::required_total(&state.db, course.school_id, course.id).await?;
    let rows = sqlx::query_as::<_, StudentRow>(sqlx::AssertSqlSafe(format!(
        "{STUDENTS} ORDER BY u.display_name, u.id"
    )))
    .bind(course.school_id)
    .bind(course.id)
    .fetch_all(&state.db.pool)
    .await?;
    Ok((rows, total))
}

/// One enrolled student of the course (None: not enrolled).
async fn student(
    state: &CoursesState,
    course: &Course,
    user_id: UserId,
) -> sqlx::Result<Option<StudentRow>> {
    sqlx::query_as::<_, StudentRow>(sqlx::AssertSqlSafe(format!(
        "{STUDENTS} AND e.user_id = $3"
    )))
    .bind(course.school_id)
    .bind(course.id)
    .bind(user_id)
    .fetch_optional(&state.db.pool)
    .await
}

#[derive(askama::Template)]
#[template(path = "teach/students.html")]
struct StudentsPage {
    ctx: Ctx,
    course: Course,
    students: Vec<StudentRow>,
    total: i64,
}

impl StudentsPage {
    fn percent(&self, s: &StudentRow) -> i64 {
        Progress {
            done: s.done,
            total: self.total,
        }
        .percent()
    }
}

async fn students_page(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Page> {
    let course = managed_course(&state, &ctx, &id).await?;
    let (students, total) = students(&state, &course).await?;
    render(&StudentsPage {
        ctx,
        course,
        students,
        total,
    })
}

/// One lesson of the student's page.
struct LessonLine {
    lesson: Lesson,
    completed: bool,
    /// When it was completed (by rule or by hand).
    completed_at: Option<i64>,
    /// The instructor's decision, if any.
    manual: Option<bool>,
    rule_text: String,
}

#[derive(askama::Template)]
#[template(path = "teach/student.html")]
struct StudentPage {
    ctx: Ctx,
    course: Course,
    student: StudentRow,
    progress: Progress,
    lessons: Vec<LessonLine>,
    quizzes: Vec<QuizLine>,
    attendance: Vec<AttendanceLine>,
    /// The student's latest trace in the course: a lesson opened or marked done, a quiz
    /// attempt, video watched, a recording opened, a live session attended.
    last_activity: Option<i64>,
    trail: Vec<AuditEntry>,
    /// The lesson whose form was refused, and why.
    error_lesson: Option<LessonId>,
    errors: FieldErrors,
}

impl StudentPage {
    fn entry_text(&self, e: &AuditEntry) -> String {
        let to_rule = e.detail().to_rule;
        let what = match (e.cause.as_str(), e.is_completed()) {
            ("course", _) => self.ctx.t("audit-course-completed"),
            ("manual", done) if to_rule => format!(
                "{} ({})",
                self.ctx.t("audit-back-to-rule"),
                self.ctx.t(if done {
                    "audit-completed"
                } else {
                    "audit-uncompleted"
                })
            ),
            (_, true) => self.ctx.t("audit-completed"),
            (_, false) => self.ctx.t("audit-uncompleted"),
        };
        let by = match (e.cause.as_str(), &e.actor_name) {
            ("manual", Some(name)) => self.ctx.tr.t1("audit-by", "name", name.as_str()),
            ("manual", None) => self.ctx.t("audit-by-instructor"),
            ("course", _) => String::new(),
            _ => self.ctx.t("audit-by-rule"),
        };
        [what, by]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ")
    }

    fn entry_detail(&self, e: &AuditEntry) -> String {
        e.detail().describe(&self.ctx.tr)
    }

    /// A session's marks in words: late, left early, in the room now.
    fn marks(&self, a: &AttendanceLine) -> String {
        [
            (a.late, "student-session-late"),
            (a.left_early, "student-session-left-early"),
            (a.live && a.came && !a.left_early, "student-session-in-room"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, k)| self.ctx.t(k))
        .collect::<Vec<_>>()
        .join(", ")
    }

    fn has_error(&self, lesson: &LessonId) -> bool {
        self.error_lesson == Some(*lesson)
    }
}

/// One quiz's results for the student.
struct QuizLine {
    lesson_id: LessonId,
    title: String,
    attempts: i64,
    best: i64,
    last: i64,
    passed: bool,
    last_at: i64,
}

#[derive(sqlx::FromRow)]
struct Attempt {
    lesson_id: i64,
    score: i64,
    passed: i64,
    created_at: i64,
}

/// The student's quiz attempts in the course, per quiz (in the lessons' order).
async fn quiz_lines(
    state: &CoursesState,
    course: &Course,
    user_id: UserId,
    lessons: &[Lesson],
) -> sqlx::Result<Vec<QuizLine>> {
    let attempts = sqlx::query_as::<_, Attempt>(
        "SELECT q.lesson_id, q.score, q.passed, q.created_at FROM quiz_attempts q
         JOIN lessons l ON l.id = q.lesson_id
         WHERE q.school_id = $1 AND l.course_id = $2 AND q.user_id = $3
         ORDER BY q.created_at, q.id",
    )
    .bind(course.school_id)
    .bind(course.id)
    .bind(user_id)
    .fetch_all(&state.db.pool)
    .await?;
    let mut out = Vec::new();
    for l in lessons {
        let mine: Vec<&Attempt> = attempts.iter().filter(|a| a.lesson_id == l.id.0).collect();
        let Some(last) = mine.last() else {
            continue;
        };
        out.push(QuizLine {
            lesson_id: l.id,
            title: l.title.clone(),
            attempts: mine.len() as i64,
            best: mine.iter().map(|a| a.score).max().unwrap_or(0),
            last: last.score,
            passed: mine.iter().any(|a| a.passed != 0),
            last_at: last.created_at,
        });
    }
    Ok(out)
}

/// When each lesson of the course was completed by the student.
async fn completed_at(
    state: &CoursesState,
    course: &Course,
    user_id: UserId,
) -> sqlx::Result<std::collections::HashMap<i64, i64>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT p.lesson_id, p.completed_at FROM lesson_progress p
         JOIN lessons l ON l.id = p.lesson_id
         WHERE p.school_id = $1 AND l.course_id = $2 AND p.user_id = $3",
    )
    .bind(course.school_id)
    .bind(course.id)
    .bind(user_id)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The student's latest trace in the course's own tables (lessons opened, marked, a
/// recording opened, video watched, a quiz attempted).
async fn last_trace(
    state: &CoursesState,
    course: &Course,
    user_id: UserId,
) -> sqlx::Result<Option<i64>> {
    let rows: Vec<(Option<i64>,)> = sqlx::query_as(
        "SELECT MAX(x) FROM (
           SELECT e.opened_at AS x FROM lesson_evidence e JOIN lessons l ON l.id = e.lesson_id
             WHERE e.school_id = $1 AND l.course_id = $2 AND e.user_id = $3
           UNION ALL SELECT e.marked_at FROM lesson_evidence e JOIN lessons l ON l.id = e.lesson_id
             WHERE e.school_id = $1 AND l.course_id = $2 AND e.user_id = $3
           UNION ALL SELECT e.recording_at FROM lesson_evidence e JOIN lessons l ON l.id = e.lesson_id
             WHERE e.school_id = $1 AND l.course_id = $2 AND e.user_id = $3
           UNION ALL SELECT w.updated_at FROM video_watch w JOIN lessons l ON l.id = w.lesson_id
             WHERE w.school_id = $1 AND l.course_id = $2 AND w.user_id = $3
           UNION ALL SELECT q.created_at FROM quiz_attempts q JOIN lessons l ON l.id = q.lesson_id
             WHERE q.school_id = $1 AND l.course_id = $2 AND q.user_id = $3
         ) t",
    )
    .bind(course.school_id)
    .bind(course.id)
    .bind(user_id)
    .fetch_all(&state.db.pool)
    .await?;
    Ok(rows.into_iter().next().and_then(|r| r.0))
}

async fn student_view(
    state: &CoursesState,
    ctx: Ctx,
    course: Course,
    user_id: UserId,
) -> AppResult<StudentPage> {
    let student = student(state, &course, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (lessons, done) =
        super::lessons_with_progress(&state.db, course.school_id, course.id, Some(user_id)).await?;
    let manual =
        completion::manual_decisions(&state.db, course.school_id, course.id, user_id).await?;
    let rules = completion::rules_of_course(&state.db, course.school_id, course.id).await?;
    let when = completed_at(state, &course, user_id).await?;
    let mut lines = Vec::with_capacity(lessons.len());
    for l in &lessons {
        let rule = rules.get(&l.id).ok_or(AppError::NotFound)?;
        lines.push(LessonLine {
            completed: done.contains(&l.id),
            completed_at: when.get(&l.id.0).copied(),
            manual: manual.get(&l.id).copied(),
            rule_text: rule.describe(&ctx.tr),
            lesson: l.clone(),
        });
    }
    let trail = completion::audit_trail(&state.db, course.school_id, course.id, user_id).await?;
    let quizzes = quiz_lines(state, &course, user_id, &lessons).await?;
    let attendance = state
        .player
        .student_attendance(&course, user_id)
        .await
        .map_err(AppError::Internal)?;
    let last_activity = [
        last_trace(state, &course, user_id).await?,
        attendance
            .iter()
            .filter(|a| a.came)
            .filter_map(|a| if a.live { Some(now_ms()) } else { a.last_leave })
            .max(),
    ]
    .into_iter()
    .flatten()
    .max();
    Ok(StudentPage {
        quizzes,
        attendance,
        last_activity,
        progress: super::progress::compute(&lessons, &done),
        ctx,
        course,
        student,
        lessons: lines,
        trail,
        error_lesson: None,
        errors: FieldErrors::default(),
    })
}

async fn student_page(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, user_id)): Path<(String, String)>,
) -> AppResult<Page> {
    let course = managed_course(&state, &ctx, &id).await?;
    let user_id = UserId(parse_id(&user_id)?);
    render(&student_view(&state, ctx, course, user_id).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ManualForm {
    /// `complete`, `incomplete` or `rule` (the rule decides again).
    decision: String,
    reason: String,
}

/// Longest reason kept in the audit trail.
const REASON_MAX: usize = 500;

async fn set_completion(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, user_id, lesson_id)): Path<(String, String, String)>,
    Form(form): Form<ManualForm>,
) -> AppResult<Response> {
    let course = managed_course(&state, &ctx, &id).await?;
    let actor = UserId(ctx.require_user()?.id);
    let user_id = UserId(parse_id(&user_id)?);
    let lesson_id = LessonId(parse_id(&lesson_id)?);
    super::lesson(&state.db, course.school_id, course.id, lesson_id)
        .await?
        .ok_or(AppError::NotFound)?;
    enrolled(&state, course.school_id, course.id, user_id).await?;
    let mut errors = FieldErrors::default();
    let decision = match form.decision.as_str() {
        "complete" => Some(Some(true)),
        "incomplete" => Some(Some(false)),
        "rule" => Some(None),
        _ => {
            errors.add("decision", ctx.t("form-invalid-choice"));
            None
        }
    };
    let reason = form.reason.trim();
    if check_text(&mut errors, &ctx.tr, "reason", reason, REASON_MAX) && reason.is_empty() {
        errors.add("reason", ctx.t("completion-reason-required"));
    }
    let Some(decision) = decision.filter(|_| errors.is_empty()) else {
        let mut page = student_view(&state, ctx, course, user_id).await?;
        page.error_lesson = Some(lesson_id);
        page.errors = errors;
        let mut resp = render(&page)?.into_response();
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    };
    completion::set_manual(
        &state.db,
        course.school_id,
        lesson_id,
        user_id,
        decision,
        actor,
        reason,
    )
    .await?;
    Ok(Redirect::to(&format!(
        "/teach/courses/{}/students/{}",
        course.id, user_id
    ))
    .into_response())
}

async fn enrolled(
    state: &CoursesState,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: UserId,
) -> AppResult<()> {
    super::progress::enrollment(&state.db, school_id, course_id, user_id)
        .await?
        .map(|_| ())
        .ok_or(AppError::NotFound)
}
