//! A student's choice to receive no invitations, reminders or reschedule notices of live
//! sessions: for one course or for every course of the school. Cancellations still go
//! out (a session already in their calendar must not silently stay there).
//!
//! One row per opt-out in `live_mail_optouts`; `course_id` 0 means every course (a row,
//! not a NULL, so that the primary key keeps one row per choice on both databases).

use std::collections::HashSet;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::db::{Db, now_ms};
use crate::web::{AppError, AppResult, Ctx, Form, Page, render};
use crate::zoom_connection::ZoomDeps;

/// The students of `course_id` who turned live-session mail off (there or everywhere).
pub(crate) async fn opted_out(
    db: &Db,
    school_id: i64,
    course_id: i64,
) -> sqlx::Result<HashSet<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT user_id FROM live_mail_optouts WHERE school_id = $1 AND (course_id = $2 OR course_id = 0)",
    )
    .bind(school_id)
    .bind(course_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}

/// Turns live-session mail for `course_id` (0: every course) off or back on.
pub async fn set(
    db: &Db,
    school_id: i64,
    user_id: i64,
    course_id: i64,
    receive: bool,
) -> sqlx::Result<()> {
    if receive {
        sqlx::query(
            "DELETE FROM live_mail_optouts WHERE school_id = $1 AND user_id = $2 AND course_id = $3",
        )
        .bind(school_id)
        .bind(user_id)
        .bind(course_id)
        .execute(&db.pool)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO live_mail_optouts (school_id, user_id, course_id, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (user_id, course_id) DO NOTHING",
        )
        .bind(school_id)
        .bind(user_id)
        .bind(course_id)
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
    }
    Ok(())
}

pub fn routes() -> Router<ZoomDeps> {
    Router::new().route("/profile/notifications", get(page).post(save))
}

pub struct CourseChoice {
    pub id: i64,
    pub title: String,
    pub receive: bool,
}

#[derive(askama::Template)]
#[template(path = "live/notifications.html")]
struct PrefsPage {
    ctx: Ctx,
    all: bool,
    courses: Vec<CourseChoice>,
    saved: bool,
}

#[derive(Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn page(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> AppResult<Page> {
    let user = ctx.require_user()?.id;
    let school = ctx.school.id;
    let off: Vec<(i64,)> = sqlx::query_as(
        "SELECT course_id FROM live_mail_optouts WHERE school_id = $1 AND user_id = $2",
    )
    .bind(school)
    .bind(user)
    .fetch_all(&state.db.pool)
    .await?;
    let off: HashSet<i64> = off.into_iter().map(|(c,)| c).collect();
    let enrolled: Vec<(i64, String)> = sqlx::query_as(
        "SELECT c.id, c.title FROM enrollments e JOIN courses c ON c.id = e.course_id
         WHERE e.school_id = $1 AND e.user_id = $2 ORDER BY c.title, c.id",
    )
    .bind(school)
    .bind(user)
    .fetch_all(&state.db.pool)
    .await?;
    let courses = enrolled
        .into_iter()
        .map(|(id, title)| CourseChoice {
            id,
            title,
            receive: !off.contains(&id),
        })
        .collect();
    render(&PrefsPage {
        ctx,
        all: !off.contains(&0),
        courses,
        saved: q.saved.is_some(),
    })
}

#[derive(Deserialize)]
struct Choice {
    /// 0: every course.
    course: i64,
    /// "1" to receive, anything else not to.
    receive: String,
}

async fn save(
    State(state): State<ZoomDeps>,
    ctx: Ctx,
    Form(f): Form<Choice>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.id;
    let school = ctx.school.id;
    if f.course != 0 {
        // Only a course of this school the student is enrolled in.
        let enrolled: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM enrollments WHERE school_id = $1 AND user_id = $2 AND course_id = $3",
        )
        .bind(school)
        .bind(user)
        .bind(f.course)
        .fetch_one(&state.db.pool)
        .await?;
        if enrolled == 0 {
            return Err(AppError::NotFound);
        }
    }
    set(&state.db, school, user, f.course, f.receive == "1").await?;
    Ok(Redirect::to("/profile/notifications?saved=1").into_response())
}
