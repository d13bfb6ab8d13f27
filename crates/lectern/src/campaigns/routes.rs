//! The campaign pages (`/teach/campaigns…`: admins and instructors) and the unsubscribe
//! link (`/u/{token}`: anyone holding it, no session).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Audience, Campaign, CampaignsState, Draft, Progress};
use crate::accounts::User;
use crate::db::{CourseId, SchoolId};
use crate::web::{AppError, AppResult, Ctx, FieldErrors, Form, Page, render};

/// Longest subject and body accepted.
const MAX_SUBJECT: usize = 200;
const MAX_BODY: usize = 100_000;

pub fn routes() -> Router<CampaignsState> {
    Router::new()
        .route("/teach/campaigns", get(list_page))
        .route("/teach/campaigns/new", get(new_page).post(create))
        .route("/teach/campaigns/{id}", get(campaign_page).post(submit))
        .route("/teach/campaigns/{id}/cancel", post(cancel))
        .route("/u/{token}", get(unsubscribe_page).post(unsubscribe_post))
}

fn teacher(ctx: &Ctx) -> AppResult<&User> {
    let u = ctx.require_user()?;
    if !u.can_teach() {
        return Err(AppError::Forbidden);
    }
    Ok(u)
}

/// Whether `user` may write to `course` (admins: any course of the school).
async fn manages(state: &CampaignsState, user: &User, course_id: i64) -> AppResult<bool> {
    let Some(course) =
        crate::courses::by_id(&state.db, SchoolId(user.school_id), CourseId(course_id)).await?
    else {
        return Ok(false);
    };
    Ok(crate::courses::can_manage(&state.db, user, &course).await?)
}

/// A campaign of this school the viewer may handle: another school's is 404, one of a
/// course (or the whole school) the viewer does not manage is 403.
async fn campaign(state: &CampaignsState, ctx: &Ctx, id: &str) -> AppResult<Campaign> {
    let user = teacher(ctx)?;
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let c = super::get(&state.db, ctx.school.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.is_admin() || c.author_id == user.id && c.course_id.is_none() {
        return Ok(c);
    }
    match c.course_id {
        Some(course) if manages(state, user, course).await? => Ok(c),
        _ => Err(AppError::Forbidden),
    }
}

/// The courses (and their live lessons) the viewer may address.
async fn choices(
    state: &CampaignsState,
    user: &User,
) -> AppResult<(Vec<(i64, String)>, Vec<(i64, i64, String)>)> {
    let courses: Vec<(i64, String)> = if user.is_admin() {
        sqlx::query_as("SELECT id, title FROM courses WHERE school_id = $1 ORDER BY title, id")
            .bind(user.school_id)
            .fetch_all(&state.db.pool)
            .await?
    } else {
        sqlx::query_as(
            "SELECT c.id, c.title FROM courses c JOIN course_instructors i ON i.course_id = c.id
             WHERE c.school_id = $1 AND i.user_id = $2 ORDER BY c.title, c.id",
        )
        .bind(user.school_id)
        .bind(user.id)
        .fetch_all(&state.db.pool)
        .await?
    };
    let lessons: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT l.id, l.course_id, l.title FROM lessons l
         WHERE l.school_id = $1 AND l.kind IN ('live_session', 'webinar') ORDER BY l.starts_at, l.id",
    )
    .bind(user.school_id)
    .fetch_all(&state.db.pool)
    .await?;
    let ids: std::collections::HashSet<i64> = courses.iter().map(|c| c.0).collect();
    let lessons = lessons.into_iter().filter(|l| ids.contains(&l.1)).collect();
    Ok((courses, lessons))
}

#[derive(Deserialize, Default, Clone)]
pub struct CampaignForm {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub audience: String,
    #[serde(default)]
    pub course: String,
    #[serde(default)]
    pub lesson: String,
    /// `YYYY-MM-DDTHH:MM` in the sender's time zone; empty: now.
    #[serde(default)]
    pub send_at: String,
    #[serde(default)]
    pub action: String,
}

impl CampaignForm {
    fn of(c: &Campaign, tz: &jiff::tz::TimeZone) -> CampaignForm {
        CampaignForm {
            subject: c.subject.clone(),
            body: c.body_md.clone(),
            audience: c.audience.clone(),
            course: c.course_id.map(|i| i.to_string()).unwrap_or_default(),
            lesson: c.lesson_id.map(|i| i.to_string()).unwrap_or_default(),
            send_at: c
                .send_at
                .and_then(|t| jiff::Timestamp::from_millisecond(t).ok())
                .map(|t| {
                    t.to_zoned(tz.clone())
                        .strftime("%Y-%m-%dT%H:%M")
                        .to_string()
                })
                .unwrap_or_default(),
            action: String::new(),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "campaigns/list.html")]
struct ListPage {
    ctx: Ctx,
    campaigns: Vec<Campaign>,
}

async fn list_page(State(state): State<CampaignsState>, ctx: Ctx) -> AppResult<Page> {
    let user = teacher(&ctx)?.clone();
    let all = super::list(&state.db, ctx.school.id).await?;
    let mut campaigns = Vec::new();
    for c in all {
        let ok = user.is_admin()
            || match c.course_id {
                Some(course) => manages(&state, &user, course).await?,
                None => false,
            };
        if ok {
            campaigns.push(c);
        }
    }
    render(&ListPage { ctx, campaigns })
}

#[derive(askama::Template)]
#[template(path = "campaigns/edit.html")]
struct EditPage {
    ctx: Ctx,
    id: Option<i64>,
    state: String,
    form: CampaignForm,
    errors: FieldErrors,
    courses: Vec<(i64, String)>,
    lessons: Vec<(i64, i64, String)>,
    /// The rendered preview (HTML from the Markdown renderer) and its sample name.
    preview: Option<String>,
    sample: String,
    notice: Option<String>,
    progress: Option<Progress>,
    recipients: i64,
}

impl EditPage {
    fn selected_course(&self, id: &i64) -> bool {
        self.form.course == id.to_string()
    }
    fn selected_lesson(&self, id: &i64) -> bool {
        self.form.lesson == id.to_string()
    }
}

/// What the composer shows beside the campaign's own state.
#[derive(Default)]
struct Shown {
    form: CampaignForm,
    errors: FieldErrors,
    /// The rendered preview and the sample recipient's name.
    preview: Option<(String, String)>,
    notice: Option<String>,
}

async fn page(
    state: &CampaignsState,
    ctx: Ctx,
    id: Option<i64>,
    cstate: &str,
    shown: Shown,
) -> AppResult<Page> {
    let Shown {
        form,
        errors,
        preview,
        notice,
    } = shown;
    let user = teacher(&ctx)?.clone();
    let (courses, lessons) = choices(state, &user).await?;
    let (progress, recipients) = match id {
        Some(id) if cstate != "draft" => {
            let n: i64 = sqlx::query_scalar("SELECT recipients FROM campaigns WHERE id = $1")
                .bind(id)
                .fetch_one(&state.db.pool)
                .await?;
            (Some(super::progress(&state.db, id).await?), n)
        }
        _ => (None, 0),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let (preview, sample) = match preview {
        Some((html, name)) => (Some(html), name),
        None => (None, String::new()),
    };
    Ok(render(&EditPage {
        ctx,
        id,
        state: cstate.to_string(),
        form,
        errors,
        courses,
        lessons,
        preview,
        sample,
        notice,
        progress,
        recipients,
    })?
    .status(status))
}

async fn new_page(State(state): State<CampaignsState>, ctx: Ctx) -> AppResult<Page> {
    teacher(&ctx)?;
    let form = CampaignForm {
        audience: "enrolled".into(),
        ..Default::default()
    };
    let shown = Shown {
        form,
        ..Default::default()
    };
    page(&state, ctx, None, "draft", shown).await
}

async fn campaign_page(
    State(state): State<CampaignsState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Page> {
    let c = campaign(&state, &ctx, &id).await?;
    let form = CampaignForm::of(&c, &ctx.tz);
    let shown = Shown {
        form,
        ..Default::default()
    };
    page(&state, ctx, Some(c.id), &c.state, shown).await
}

/// What a submitted form means, checked: the parts that are valid are kept in the draft
/// either way.
struct Checked {
    audience: Option<Audience>,
    course: Option<i64>,
    lesson: Option<i64>,
    send_at: Option<i64>,
}

async fn check(
    state: &CampaignsState,
    ctx: &Ctx,
    user: &User,
    f: &CampaignForm,
    errors: &mut FieldErrors,
) -> AppResult<Checked> {
    let subject = f.subject.trim();
    if subject.is_empty() {
        errors.add("subject", ctx.t("campaign-subject-empty"));
    } else {
        crate::web::check_text(errors, &ctx.tr, "subject", subject, MAX_SUBJECT);
    }
    if f.body.trim().is_empty() {
        errors.add("body", ctx.t("campaign-body-empty"));
    } else if f.body.chars().count() > MAX_BODY {
        errors.add(
            "body",
            ctx.t1("campaign-body-too-long", "max", MAX_BODY as i64),
        );
    }
    let course = f.course.trim().parse::<i64>().ok();
    let course = match course {
        Some(c) if manages(state, user, c).await? => Some(c),
        Some(_) => {
            errors.add("course", ctx.t("campaign-course-not-yours"));
            None
        }
        None => None,
    };
    let lesson = f.lesson.trim().parse::<i64>().ok();
    let lesson = match (lesson, course) {
        (Some(l), Some(c)) => {
            let ok: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM lessons WHERE school_id = $1 AND course_id = $2 AND id = $3",
            )
            .bind(ctx.school.id)
            .bind(c)
            .bind(l)
            .fetch_one(&state.db.pool)
            .await?;
            (ok > 0).then_some(l)
        }
        _ => None,
    };
    let audience = match f.audience.as_str() {
        "school" if !user.is_admin() => {
            errors.add("audience", ctx.t("campaign-school-admins-only"));
            None
        }
        "enrolled" | "incomplete" | "school" => {
            let a = Audience::from_parts(&f.audience, course, None);
            if a.is_none() {
                errors.add("course", ctx.t("campaign-course-needed"));
            }
            a
        }
        "missed" => {
            let a = Audience::from_parts("missed", course, lesson);
            if a.is_none() {
                errors.add("lesson", ctx.t("campaign-lesson-needed"));
            }
            a
        }
        _ => {
            errors.add("audience", ctx.t("campaign-audience-unknown"));
            None
        }
    };
    let send_at = match f.send_at.trim() {
        "" => None,
        s => match s
            .parse::<jiff::civil::DateTime>()
            .ok()
            .and_then(|d| d.to_zoned(ctx.tz.clone()).ok())
        {
            Some(z) => Some(z.timestamp().as_millisecond()),
            None => {
                errors.add("send_at", ctx.t("campaign-send-at-invalid"));
                None
            }
        },
    };
    Ok(Checked {
        audience,
        course,
        lesson,
        send_at,
    })
}

async fn create(
    State(state): State<CampaignsState>,
    ctx: Ctx,
    Form(f): Form<CampaignForm>,
) -> AppResult<Response> {
    teacher(&ctx)?;
    handle(&state, ctx, None, f).await
}

async fn submit(
    State(state): State<CampaignsState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(f): Form<CampaignForm>,
) -> AppResult<Response> {
    let c = campaign(&state, &ctx, &id).await?;
    if !c.is_draft() {
        return Err(AppError::BadRequest(ctx.t("campaign-not-draft")));
    }
    handle(&state, ctx, Some(c.id), f).await
}

/// Save, preview, test or send. The draft is saved first whatever else fails, so a
/// failed send loses nothing typed.
async fn handle(
    state: &CampaignsState,
    ctx: Ctx,
    id: Option<i64>,
    f: CampaignForm,
) -> AppResult<Response> {
    let user = teacher(&ctx)?.clone();
    let mut errors = FieldErrors::default();
    let checked = check(state, &ctx, &user, &f, &mut errors).await?;
    let subject_ok = !errors.has("subject");
    let body_ok = !errors.has("body");
    let draft = Draft {
        subject: if subject_ok { f.subject.trim() } else { "" },
        body_md: if body_ok { &f.body } else { "" },
        audience: checked.audience.map_or(f.audience.as_str(), |a| a.kind()),
        course_id: checked.course,
        lesson_id: checked.lesson,
        send_at: checked.send_at,
    };
    let id = super::save_draft(&state.db, ctx.school.id, user.id, id, &draft).await?;
    let mut preview = None;
    let mut notice = None;
    if errors.is_empty() {
        let audience = checked.audience.expect("checked");
        match f.action.as_str() {
            "preview" => {
                let name = super::sample(&state.db, ctx.school.id, audience)
                    .await?
                    .unwrap_or_else(|| ctx.t("campaign-sample-name"));
                let html = crate::courses::markdown::render(&super::personalise_md(&f.body, &name));
                preview = Some((html, name));
            }
            "test" => {
                let c = super::get(&state.db, ctx.school.id, id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let link = state
                    .school_url(
                        ctx.school.id,
                        &format!(
                            "/u/{}",
                            super::unsubscribe::token(
                                &state.config.secret_key,
                                ctx.school.id,
                                user.id
                            )
                        ),
                    )
                    .await?;
                let (mut email, headers) = super::compose(
                    &ctx.tr,
                    &c,
                    &ctx.school.name,
                    &user.email,
                    &user.display_name,
                    &link,
                )?;
                email.subject = format!("[{}] {}", ctx.t("campaign-test-prefix"), email.subject);
                let mut tx = state.db.pool.begin().await?;
                crate::email::queue_with_headers(&mut tx, ctx.school.id, email, &headers).await?;
                tx.commit().await?;
                notice = Some(ctx.t("campaign-test-sent"));
            }
            "send" => {
                if super::count(&state.db, ctx.school.id, audience).await? == 0 {
                    errors.add("audience", ctx.t("campaign-audience-empty"));
                } else {
                    let c = super::get(&state.db, ctx.school.id, id)
                        .await?
                        .ok_or(AppError::NotFound)?;
                    super::send(&state.db, state.config.campaign_rate, &c).await?;
                    return Ok(Redirect::to(&format!("/teach/campaigns/{id}")).into_response());
                }
            }
            _ => notice = Some(ctx.t("campaign-saved")),
        }
    }
    Ok(page(
        state,
        ctx,
        Some(id),
        "draft",
        Shown {
            form: f,
            errors,
            preview,
            notice,
        },
    )
    .await?
    .into_response())
}

async fn cancel(
    State(state): State<CampaignsState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let c = campaign(&state, &ctx, &id).await?;
    super::cancel(&state.db, ctx.school.id, c.id).await?;
    Ok(Redirect::to(&format!("/teach/campaigns/{}", c.id)).into_response())
}

#[derive(askama::Template)]
#[template(path = "campaigns/unsubscribe.html")]
struct UnsubscribePage {
    ctx: Ctx,
    token: String,
    done: bool,
}

/// The token's user, if it is genuine and of this school (the host's).
fn token_user(state: &CampaignsState, ctx: &Ctx, token: &str) -> AppResult<i64> {
    match super::unsubscribe::verify(&state.config.secret_key, token) {
        Some((school, user)) if school == ctx.school.id => Ok(user),
        _ => Err(AppError::NotFound),
    }
}

async fn unsubscribe_page(
    State(state): State<CampaignsState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Page> {
    let user = token_user(&state, &ctx, &token)?;
    let done = super::unsubscribe::is_unsubscribed(&state.db, ctx.school.id, user).await?;
    Ok(render(&UnsubscribePage { ctx, token, done })?.secret_in_url())
}

/// One-click (RFC 8058): the body is `List-Unsubscribe=One-Click` from a mail client, or
/// the confirmation page's button; either way no session and no CSRF token are needed,
/// the signed token is the authority. Answers 200 with the page, never a redirect.
async fn unsubscribe_post(
    State(state): State<CampaignsState>,
    ctx: Ctx,
    Path(token): Path<String>,
    _body: Bytes,
) -> AppResult<Page> {
    let user = token_user(&state, &ctx, &token)?;
    super::unsubscribe::unsubscribe(&state.db, ctx.school.id, user).await?;
    Ok(render(&UnsubscribePage {
        ctx,
        token,
        done: true,
    })?
    .secret_in_url())
}
