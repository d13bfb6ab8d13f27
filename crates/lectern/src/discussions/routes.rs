//! The discussion pages under `/courses/{slug}/discussions`: the board (threads, search,
//! new thread), a thread (replies, quote, edit, delete, report, subscribe) and the
//! moderators' actions and report queue. Every handler starts from [`super::board`],
//! which decides who may see the board at all.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::posts::{self, Flag, PostRow, ReportRow, ThreadRow};
use super::search::{self, Hit};
use super::{Board, DiscussionsState, board, moderated_board, render};
use crate::accounts::rate_limit;
use crate::db::{SchoolId, UserId, now_ms};
use crate::files::{Disposition, Incoming, Owner, Purpose, StoredFile};
use crate::web::{AppError, AppResult, Ctx, FieldCheckedForm, FieldErrors, Form, Page, check_text};

/// The attachment upload takes a file as its body: mounted outside the app's 1 MiB body
/// limit (the purpose's own limit is enforced while streaming).
pub fn upload_routes() -> Router<DiscussionsState> {
    Router::new().route(
        "/api/courses/{slug}/discussions/attachments",
        post(upload_attachment),
    )
}

pub fn routes() -> Router<DiscussionsState> {
    Router::new()
        .route(
            "/courses/{slug}/discussions/attachments/{id}/{name}",
            get(attachment),
        )
        .route(
            "/courses/{slug}/discussions",
            get(board_page).post(create_thread),
        )
        .route(
            "/courses/{slug}/discussions/subscribe",
            post(subscribe_board),
        )
        .route("/courses/{slug}/discussions/delivery", post(set_delivery))
        .route("/courses/{slug}/discussions/reports", get(reports_page))
        .route(
            "/courses/{slug}/discussions/reports/{id}/resolve",
            post(resolve_report),
        )
        .route("/courses/{slug}/discussions/{id}", get(thread_page))
        .route("/courses/{slug}/discussions/{id}/reply", post(reply))
        .route(
            "/courses/{slug}/discussions/{id}/subscribe",
            post(subscribe_thread),
        )
        .route("/courses/{slug}/discussions/{id}/pin", post(pin))
        .route("/courses/{slug}/discussions/{id}/lock", post(lock))
        .route(
            "/courses/{slug}/discussions/posts/{id}/edit",
            get(edit_page).post(edit),
        )
        .route(
            "/courses/{slug}/discussions/posts/{id}/delete",
            post(delete),
        )
        .route(
            "/courses/{slug}/discussions/posts/{id}/report",
            get(report_page).post(report),
        )
        .route("/courses/{slug}/discussions/posts/{id}/hide", post(hide))
        .route("/courses/{slug}/discussions/posts/{id}/show", post(show))
        .route(
            "/courses/{slug}/discussions/posts/{id}/answer",
            post(answer),
        )
}

// ---- input ----

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ThreadForm {
    pub title: String,
    pub body: String,
    /// The id of a file uploaded for this post (the page's script fills it in).
    pub attachment: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct BodyForm {
    pub body: String,
    pub attachment: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct OnForm {
    pub on: String,
}

impl OnForm {
    fn on(&self) -> bool {
        self.on == "1"
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ReasonForm {
    pub reason: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DeliveryForm {
    pub delivery: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResolveForm {
    pub action: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BoardQuery {
    pub q: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ThreadQuery {
    pub quote: Option<i64>,
}

/// A required text field: trimmed not empty, no control characters, at most `max`.
fn check_required(
    errors: &mut FieldErrors,
    ctx: &Ctx,
    field: &'static str,
    value: &str,
    max: usize,
) {
    if value.trim().is_empty() {
        errors.add(field, ctx.t("discussion-field-required"));
    } else {
        check_text(errors, &ctx.tr, field, value, max);
    }
}

/// One post more for the viewer's budget; the wait in seconds when over it.
async fn rate_limited(state: &DiscussionsState, b: &Board) -> AppResult<Option<u64>> {
    let bucket = format!("discussion-post:{}", b.viewer.id);
    Ok(
        rate_limit::hit(&state.db, &bucket, &super::POSTS_PER_WINDOW)
            .await?
            .err(),
    )
}

/// The attachment a post form names: empty is none; otherwise a ready discussion file of
/// this course that the viewer uploaded and no post names yet, or a field error.
async fn check_attachment(
    state: &DiscussionsState,
    ctx: &Ctx,
    b: &Board,
    raw: &str,
    errors: &mut FieldErrors,
) -> AppResult<Option<StoredFile>> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let file = match raw.parse::<i64>() {
        Ok(id) => state.files.get(b.course.school_id, id).await?,
        Err(_) => None,
    }
    .filter(|f| {
        f.purpose == Purpose::Discussion
            && f.course_id == Some(b.course.id)
            && f.created_by == Some(UserId(b.viewer.id))
    });
    match file {
        Some(f) if !posts::attachment_taken(&state.db, b, f.id).await? => Ok(Some(f)),
        _ => {
            errors.add("attachment", ctx.t("discussion-attachment-gone"));
            Ok(None)
        }
    }
}

/// Where a post's attachment is read, on the board's own path (its checks apply).
pub fn attachment_url(b: &Board, f: &StoredFile) -> String {
    let name: String =
        percent_encoding::utf8_percent_encode(&f.name, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    format!("{}/attachments/{}/{name}", b.url(), f.id)
}

/// What the page's script gets back from an upload.
#[derive(serde::Serialize)]
struct Uploaded {
    id: i64,
    name: String,
    size_text: String,
    content_type: String,
}

/// `POST /api/courses/{slug}/discussions/attachments`: the file as the body (its name in
/// `X-File-Name`), stored for a post the member is writing. It is not shown anywhere
/// until a post names it; one never posted is removed by the hourly sweep after a day.
async fn upload_attachment(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Json<Uploaded>> {
    let b = board(&state.db, &ctx, &slug).await?;
    let file = state
        .files
        .receive(
            Incoming::from_headers(
                SchoolId(ctx.school.id),
                Owner::Course(b.course.id),
                Purpose::Discussion,
                UserId(b.viewer.id),
                &headers,
            ),
            body,
        )
        .await
        .map_err(|e| crate::files::routes::rejected(e, &ctx.tr))?;
    Ok(Json(Uploaded {
        id: file.id,
        size_text: file.size_for(&ctx.tr),
        content_type: file.content_type,
        name: file.name,
    }))
}

/// A post's attachment, for those who read the board, while the post is shown (a hidden
/// post's for its moderators). Anyone else, and a file no post of this board names,
/// gets 404: a member of another course learns nothing of this board's files.
async fn attachment(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path((slug, id, _name)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let b = match board(&state.db, &ctx, &slug).await {
        Err(AppError::Forbidden) => return Err(AppError::NotFound),
        other => other?,
    };
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let file = state
        .files
        .get(b.course.school_id, id)
        .await?
        .filter(|f| f.purpose == Purpose::Discussion && f.course_id == Some(b.course.id))
        .ok_or(AppError::NotFound)?;
    match posts::attachment_post_state(&state.db, &b, id)
        .await?
        .as_deref()
    {
        Some("visible") => {}
        Some("hidden") if b.manager => {}
        _ => return Err(AppError::NotFound),
    }
    // Images were re-encoded on upload and show inline; anything else is a download.
    let disposition = if file.is_image() {
        Disposition::Inline
    } else {
        Disposition::Attachment
    };
    state
        .files
        .respond(&file, None, &headers, disposition, false)
        .await
        .map_err(|e| crate::files::routes::served(e, &ctx.tr))
}

fn redirect(to: String) -> Response {
    Redirect::to(&to).into_response()
}

// ---- the board ----

#[derive(askama::Template)]
#[template(path = "discussions/board.html")]
struct BoardPage {
    ctx: Ctx,
    board: Board,
    threads: Vec<ThreadRow>,
    q: String,
    hits: Option<Vec<Hit>>,
    subscribed: bool,
    delivery: String,
    open_reports: i64,
    form: ThreadForm,
    errors: FieldErrors,
    attachment_max: u64,
    attachment_max_text: String,
}

impl BoardPage {
    fn when(&self, ms: &i64) -> String {
        self.ctx.local_time(ms)
    }
}

async fn board_view(
    state: &DiscussionsState,
    ctx: Ctx,
    b: Board,
    q: String,
    form: ThreadForm,
    errors: FieldErrors,
) -> AppResult<Page> {
    let threads = posts::threads(&state.db, &b).await?;
    let hits = if q.trim().is_empty() {
        None
    } else {
        Some(search::search(&state.db, b.course.school_id, b.course.id, &q).await?)
    };
    let subscribed = posts::subscribed(&state.db, &b, None).await?;
    let delivery = posts::delivery(&state.db, b.course.school_id.0, b.viewer.id).await?;
    let open_reports = if b.manager {
        posts::open_report_count(&state.db, &b).await?
    } else {
        0
    };
    let attachment_max_text =
        crate::files::in_words_for(Purpose::Discussion.limit(&state.files.limits), &ctx.tr);
    crate::web::render(&BoardPage {
        ctx,
        board: b,
        threads,
        q,
        hits,
        subscribed,
        delivery,
        open_reports,
        form,
        errors,
        attachment_max: Purpose::Discussion.limit(&state.files.limits),
        attachment_max_text,
    })
}

async fn board_page(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(query): Query<BoardQuery>,
) -> AppResult<Page> {
    let b = board(&state.db, &ctx, &slug).await?;
    let q: String = query.q.chars().take(search::MAX_QUERY).collect();
    board_view(
        &state,
        ctx,
        b,
        q,
        ThreadForm::default(),
        FieldErrors::default(),
    )
    .await
}

async fn create_thread(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    FieldCheckedForm(form): FieldCheckedForm<ThreadForm>,
) -> AppResult<Response> {
    let b = board(&state.db, &ctx, &slug).await?;
    let mut errors = FieldErrors::default();
    check_required(&mut errors, &ctx, "title", &form.title, super::MAX_TITLE);
    check_required(&mut errors, &ctx, "body", &form.body, super::MAX_BODY);
    let file = check_attachment(&state, &ctx, &b, &form.attachment, &mut errors).await?;
    if !errors.is_empty() {
        let page = board_view(&state, ctx, b, String::new(), form, errors).await?;
        return Ok(page
            .status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response());
    }
    if let Some(secs) = rate_limited(&state, &b).await? {
        errors.add(
            "body",
            ctx.t1("discussion-rate-limited", "seconds", secs as i64),
        );
        let page = board_view(&state, ctx, b, String::new(), form, errors).await?;
        return Ok(page.retry_after(secs).into_response());
    }
    let id = posts::create_thread(
        &state.db,
        &b,
        form.title.trim(),
        &form.body,
        file.map(|f| f.id),
    )
    .await?;
    Ok(redirect(b.thread_url(id)))
}

async fn subscribe_board(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<OnForm>,
) -> AppResult<Response> {
    let b = board(&state.db, &ctx, &slug).await?;
    posts::set_subscribed(&state.db, &b, None, form.on()).await?;
    Ok(redirect(b.url()))
}

async fn set_delivery(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(form): Form<DeliveryForm>,
) -> AppResult<Response> {
    let b = board(&state.db, &ctx, &slug).await?;
    let delivery = match form.delivery.as_str() {
        "post" => "post",
        "digest" => "digest",
        _ => return Err(AppError::BadRequest("delivery: post or digest".into())),
    };
    posts::set_delivery(&state.db, b.course.school_id.0, b.viewer.id, delivery).await?;
    Ok(redirect(b.url()))
}

// ---- a thread ----

#[derive(askama::Template)]
#[template(path = "discussions/thread.html")]
struct ThreadPage {
    ctx: Ctx,
    board: Board,
    thread: ThreadRow,
    posts: Vec<PostRow>,
    answer: Option<PostRow>,
    subscribed: bool,
    now: i64,
    form: BodyForm,
    errors: FieldErrors,
    /// The posts' attachments, by post id.
    attachments: Vec<(i64, StoredFile)>,
    /// The largest attachment accepted, in bytes and in words.
    attachment_max: u64,
    attachment_max_text: String,
}

impl ThreadPage {
    fn attachment(&self, p: &PostRow) -> Option<&StoredFile> {
        self.attachments
            .iter()
            .find(|(id, _)| *id == p.id)
            .map(|(_, f)| f)
    }
    fn attachment_url(&self, f: &StoredFile) -> String {
        attachment_url(&self.board, f)
    }
    fn when(&self, ms: &i64) -> String {
        self.ctx.local_time(ms)
    }
    fn can_edit(&self, p: &PostRow) -> bool {
        p.editable_by(self.board.viewer.id, self.now)
    }
    fn can_delete(&self, p: &PostRow) -> bool {
        p.visible() && p.by(self.board.viewer.id)
    }
    /// A moderator may delete another's post (visible, or hidden with its attachment).
    fn can_remove(&self, p: &PostRow) -> bool {
        self.board.manager
            && !p.by(self.board.viewer.id)
            && (p.visible() || (p.hidden() && self.attachment(p).is_some()))
    }
    fn can_reply(&self) -> bool {
        !self.thread.is_locked() || self.board.manager
    }
    fn is_answer(&self, p: &PostRow) -> bool {
        self.thread.answer_post_id == Some(p.id)
    }
    fn post_url(&self, p: &PostRow, action: &str) -> String {
        format!("{}/posts/{}/{action}", self.board.url(), p.id)
    }
}

async fn thread_of(state: &DiscussionsState, b: &Board, id: i64) -> AppResult<ThreadRow> {
    posts::thread(&state.db, b, id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn thread_view(
    state: &DiscussionsState,
    ctx: Ctx,
    b: Board,
    thread: ThreadRow,
    form: BodyForm,
    errors: FieldErrors,
) -> AppResult<Page> {
    let list = posts::posts(&state.db, &b, thread.id).await?;
    let answer = thread
        .answer_post_id
        .and_then(|a| list.iter().find(|p| p.id == a && p.visible()).cloned());
    let subscribed = thread.follows();
    // A visit writes only when there is something new to mark read: a class rereading a
    // busy thread costs no writes.
    if thread.unread() {
        let mut conn = state.db.pool.acquire().await?;
        posts::mark_read(
            &mut conn,
            b.course.school_id.0,
            thread.id,
            b.viewer.id,
            thread.last_post_at,
        )
        .await?;
    }
    let mut attachments = Vec::new();
    for p in &list {
        // A hidden post's file is for its moderators only, like its text.
        if let Some(id) = p.attachment_file_id
            && (p.visible() || (p.hidden() && b.manager))
            && let Some(f) = state.files.get(b.course.school_id, id).await?
        {
            attachments.push((p.id, f));
        }
    }
    let attachment_max = Purpose::Discussion.limit(&state.files.limits);
    let attachment_max_text = crate::files::in_words_for(attachment_max, &ctx.tr);
    crate::web::render(&ThreadPage {
        ctx,
        board: b,
        thread,
        posts: list,
        answer,
        subscribed,
        now: now_ms(),
        form,
        errors,
        attachments,
        attachment_max,
        attachment_max_text,
    })
}

async fn thread_page(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Query(query): Query<ThreadQuery>,
) -> AppResult<Page> {
    let b = board(&state.db, &ctx, &slug).await?;
    let thread = thread_of(&state, &b, id).await?;
    let mut form = BodyForm::default();
    if let Some(q) = query.quote
        && let Some(p) = posts::post(&state.db, &b, q).await?
        && p.thread_id == thread.id
        && p.visible()
    {
        form.body = render::quote(p.author(), &p.body);
    }
    thread_view(&state, ctx, b, thread, form, FieldErrors::default()).await
}

async fn reply(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    FieldCheckedForm(form): FieldCheckedForm<BodyForm>,
) -> AppResult<Response> {
    let b = board(&state.db, &ctx, &slug).await?;
    let thread = thread_of(&state, &b, id).await?;
    let mut errors = FieldErrors::default();
    if thread.is_locked() && !b.manager {
        errors.add("body", ctx.t("discussion-locked"));
    } else {
        check_required(&mut errors, &ctx, "body", &form.body, super::MAX_BODY);
    }
    let file = check_attachment(&state, &ctx, &b, &form.attachment, &mut errors).await?;
    if !errors.is_empty() {
        let status = if thread.is_locked() {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        let page = thread_view(&state, ctx, b, thread, form, errors).await?;
        return Ok(page.status(status).into_response());
    }
    if let Some(secs) = rate_limited(&state, &b).await? {
        errors.add(
            "body",
            ctx.t1("discussion-rate-limited", "seconds", secs as i64),
        );
        let page = thread_view(&state, ctx, b, thread, form, errors).await?;
        return Ok(page.retry_after(secs).into_response());
    }
    let post_id = posts::reply(&state.db, &b, thread.id, &form.body, file.map(|f| f.id)).await?;
    Ok(redirect(format!(
        "{}#post-{post_id}",
        b.thread_url(thread.id)
    )))
}

async fn subscribe_thread(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<OnForm>,
) -> AppResult<Response> {
    let b = board(&state.db, &ctx, &slug).await?;
    let thread = thread_of(&state, &b, id).await?;
    posts::set_subscribed(&state.db, &b, Some(thread.id), form.on()).await?;
    Ok(redirect(b.thread_url(thread.id)))
}

async fn pin(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<OnForm>,
) -> AppResult<Response> {
    let b = moderated_board(&state.db, &ctx, &slug).await?;
    let thread = thread_of(&state, &b, id).await?;
    posts::set_flag(&state.db, &b, thread.id, Flag::Pinned, form.on()).await?;
    Ok(redirect(b.thread_url(thread.id)))
}

async fn lock(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<OnForm>,
) -> AppResult<Response> {
    let b = moderated_board(&state.db, &ctx, &slug).await?;
    let thread = thread_of(&state, &b, id).await?;
    posts::set_flag(&state.db, &b, thread.id, Flag::Locked, form.on()).await?;
    Ok(redirect(b.thread_url(thread.id)))
}

// ---- a post ----

async fn post_of(state: &DiscussionsState, b: &Board, id: i64) -> AppResult<PostRow> {
    posts::post(&state.db, b, id)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(askama::Template)]
#[template(path = "discussions/edit.html")]
struct EditPage {
    ctx: Ctx,
    board: Board,
    post: PostRow,
    form: BodyForm,
    errors: FieldErrors,
}

/// The viewer's own post while it may still be edited; 403 otherwise.
async fn own_editable(state: &DiscussionsState, b: &Board, id: i64) -> AppResult<PostRow> {
    let p = post_of(state, b, id).await?;
    if !p.editable_by(b.viewer.id, now_ms()) {
        return Err(AppError::Forbidden);
    }
    Ok(p)
}

async fn edit_page(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Page> {
    let b = board(&state.db, &ctx, &slug).await?;
    let post = own_editable(&state, &b, id).await?;
    let form = BodyForm {
        body: post.body.clone(),
        ..Default::default()
    };
    crate::web::render(&EditPage {
        ctx,
        board: b,
        post,
        form,
        errors: FieldErrors::default(),
    })
}

async fn edit(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    FieldCheckedForm(form): FieldCheckedForm<BodyForm>,
) -> AppResult<Response> {
    let b = board(&state.db, &ctx, &slug).await?;
    let post = own_editable(&state, &b, id).await?;
    let mut errors = FieldErrors::default();
    check_required(&mut errors, &ctx, "body", &form.body, super::MAX_BODY);
    if !errors.is_empty() {
        let page = crate::web::render(&EditPage {
            ctx,
            board: b,
            post,
            form,
            errors,
        })?;
        return Ok(page
            .status(StatusCode::UNPROCESSABLE_ENTITY)
            .into_response());
    }
    posts::edit(&state.db, &b, post.id, &form.body).await?;
    Ok(redirect(format!(
        "{}#post-{}",
        b.thread_url(post.thread_id),
        post.id
    )))
}

async fn delete(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let b = board(&state.db, &ctx, &slug).await?;
    let post = post_of(&state, &b, id).await?;
    // Authors delete their own; a moderator's delete of another's post hides it (kept for
    // the audit, "removed by a moderator") and deletes its attachment.
    if post.by(b.viewer.id) {
        posts::set_state(&state.db, &b, post.id, "deleted").await?;
    } else if b.manager {
        posts::remove_by_moderator(&state.db, &b, post.id).await?;
    } else {
        return Err(AppError::Forbidden);
    }
    Ok(redirect(b.thread_url(post.thread_id)))
}

async fn hide(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let b = moderated_board(&state.db, &ctx, &slug).await?;
    let post = post_of(&state, &b, id).await?;
    posts::set_state(&state.db, &b, post.id, "hidden").await?;
    Ok(redirect(b.thread_url(post.thread_id)))
}

async fn show(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let b = moderated_board(&state.db, &ctx, &slug).await?;
    let post = post_of(&state, &b, id).await?;
    if post.hidden() {
        posts::set_state(&state.db, &b, post.id, "visible").await?;
    }
    Ok(redirect(b.thread_url(post.thread_id)))
}

async fn answer(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<OnForm>,
) -> AppResult<Response> {
    let b = moderated_board(&state.db, &ctx, &slug).await?;
    let post = post_of(&state, &b, id).await?;
    let chosen = (form.on() && post.visible()).then_some(post.id);
    posts::set_answer(&state.db, &b, post.thread_id, chosen).await?;
    Ok(redirect(format!(
        "{}#post-{}",
        b.thread_url(post.thread_id),
        post.id
    )))
}

// ---- reports ----

#[derive(askama::Template)]
#[template(path = "discussions/report.html")]
struct ReportPage {
    ctx: Ctx,
    board: Board,
    post: PostRow,
    reason: String,
    errors: FieldErrors,
    sent: bool,
}

async fn report_page(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Page> {
    let b = board(&state.db, &ctx, &slug).await?;
    let post = post_of(&state, &b, id).await?;
    crate::web::render(&ReportPage {
        ctx,
        board: b,
        post,
        reason: String::new(),
        errors: FieldErrors::default(),
        sent: false,
    })
}

async fn report(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    FieldCheckedForm(form): FieldCheckedForm<ReasonForm>,
) -> AppResult<Response> {
    let b = board(&state.db, &ctx, &slug).await?;
    let post = post_of(&state, &b, id).await?;
    let mut errors = FieldErrors::default();
    check_required(&mut errors, &ctx, "reason", &form.reason, super::MAX_REASON);
    let sent = errors.is_empty();
    if sent {
        posts::report(&state.db, &b, post.id, form.reason.trim()).await?;
    }
    let page = crate::web::render(&ReportPage {
        ctx,
        board: b,
        post,
        reason: form.reason,
        errors,
        sent,
    })?;
    let status = if sent {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(page.status(status).into_response())
}

#[derive(askama::Template)]
#[template(path = "discussions/reports.html")]
struct ReportsPage {
    ctx: Ctx,
    board: Board,
    reports: Vec<ReportRow>,
}

impl ReportsPage {
    fn when(&self, ms: &i64) -> String {
        self.ctx.local_time(ms)
    }
}

async fn reports_page(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Page> {
    let b = moderated_board(&state.db, &ctx, &slug).await?;
    let reports = posts::open_reports(&state.db, &b).await?;
    crate::web::render(&ReportsPage {
        ctx,
        board: b,
        reports,
    })
}

async fn resolve_report(
    State(state): State<DiscussionsState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<ResolveForm>,
) -> AppResult<Response> {
    let b = moderated_board(&state.db, &ctx, &slug).await?;
    if let Some(post_id) = posts::resolve_report(&state.db, &b, id).await?
        && form.action == "hide"
    {
        posts::set_state(&state.db, &b, post_id, "hidden").await?;
    }
    Ok(redirect(format!("{}/reports", b.url())))
}
