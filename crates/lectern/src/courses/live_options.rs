//! Per-session Zoom options of live lessons (waiting room, mute on entry, join before host,
//! automatic recording, alternative hosts, breakout rooms pre-assigned from course groups;
//! a webinar's Q&A, practice session and panellists), a course's default for them (copied
//! into each session when it is created, never read after), the course's groups of students, and the external-link
//! switch (a live lesson held on any video tool's https URL instead of Zoom).
//!
//! What the host's plan or account does not allow is checked against Zoom when the lesson is
//! saved, if the school is connected (cloud recording for a Basic user, an alternative host
//! who is not a user of the account); Zoom's own refusal at Start still reaches the
//! instructor through `live::errors::LiveError`. Owns `course_groups`,
//! `course_group_members`, `course_live_options` and `lesson_live_options`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

use super::routes::parse_id;
use super::{Course, CoursesState};
use crate::db::{CourseId, Db, LessonId, SchoolId, now_ms};
use crate::i18n::Tr;
use crate::web::{
    AppError, AppResult, Ctx, FieldCheckedForm, FieldErrors, Page, check_text, render,
};
use crate::zoom_connection::{self, Owner, ZoomDeps, hosts::Host, tokens};

/// At most this many alternative hosts per session.
pub const MAX_ALTERNATIVE_HOSTS: usize = 10;
/// At most this many panellists per webinar (one request of Zoom's panelists call).
pub const MAX_PANELISTS: usize = 30;
/// At most this many groups per course (Zoom's breakout-room limit is 100).
pub const MAX_GROUPS: usize = 100;
/// A group's name, in characters.
const GROUP_NAME_MAX: usize = 100;

/// Automatic recording (`settings.auto_recording`).
pub const RECORDINGS: [&str; 3] = ["none", "local", "cloud"];

/// The options of one session (or a course's default), stored as JSON.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ZoomOptions {
    pub waiting_room: bool,
    pub mute_upon_entry: bool,
    pub join_before_host: bool,
    /// `none`, `local` or `cloud`.
    pub auto_recording: String,
    /// E-mail addresses of other instructors of the school.
    pub alternative_hosts: Vec<String>,
    /// Pre-assign breakout rooms from the course's groups (meetings only).
    pub breakout_rooms: bool,
    /// Webinars only.
    pub question_and_answer: bool,
    pub practice_session: bool,
    /// Panellists' e-mail addresses (webinars only).
    pub panelists: Vec<String>,
}

impl ZoomOptions {
    pub fn recording(&self) -> &str {
        if self.auto_recording.is_empty() {
            "none"
        } else {
            &self.auto_recording
        }
    }

    fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn from_json(s: &str) -> ZoomOptions {
        serde_json::from_str(s).unwrap_or_default()
    }
}

/// How a live lesson is held, as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LessonOptions {
    pub options: ZoomOptions,
    /// Held on this https URL instead of Zoom.
    pub external_url: Option<String>,
}

// ---- the form ----

/// The options' fields of the lesson editor and of the course's default form (strings, so
/// that any body parses; checkboxes post `on`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct LiveOptionsForm {
    pub waiting_room: String,
    pub mute_upon_entry: String,
    pub join_before_host: String,
    pub auto_recording: String,
    /// E-mails separated by commas, semicolons, spaces or lines.
    pub alternative_hosts: String,
    pub breakout_rooms: String,
    pub question_and_answer: String,
    pub practice_session: String,
    pub panelists: String,
    /// `zoom` (default) or `external`.
    pub venue: String,
    pub external_url: String,
}

fn on(b: bool) -> String {
    if b { "on".into() } else { String::new() }
}

impl LiveOptionsForm {
    pub fn from_options(o: &ZoomOptions, external_url: Option<&str>) -> LiveOptionsForm {
        LiveOptionsForm {
            waiting_room: on(o.waiting_room),
            mute_upon_entry: on(o.mute_upon_entry),
            join_before_host: on(o.join_before_host),
            auto_recording: o.recording().to_string(),
            alternative_hosts: o.alternative_hosts.join(", "),
            breakout_rooms: on(o.breakout_rooms),
            question_and_answer: on(o.question_and_answer),
            practice_session: on(o.practice_session),
            panelists: o.panelists.join(", "),
            venue: if external_url.is_some() {
                "external".into()
            } else {
                "zoom".into()
            },
            external_url: external_url.unwrap_or_default().to_string(),
        }
    }

    pub fn checked(&self, field: &str) -> bool {
        let v = match field {
            "waiting_room" => &self.waiting_room,
            "mute_upon_entry" => &self.mute_upon_entry,
            "join_before_host" => &self.join_before_host,
            "breakout_rooms" => &self.breakout_rooms,
            "question_and_answer" => &self.question_and_answer,
            "practice_session" => &self.practice_session,
            _ => return false,
        };
        !v.is_empty()
    }

    pub fn recording_is(&self, value: impl AsRef<str>) -> bool {
        let r = if self.auto_recording.is_empty() {
            "none"
        } else {
            self.auto_recording.as_str()
        };
        r == value.as_ref()
    }

    pub fn external(&self) -> bool {
        self.venue == "external"
    }
}

fn checkbox(errors: &mut FieldErrors, tr: &Tr, field: &'static str, v: &str) -> bool {
    match v {
        "" => false,
        "on" => true,
        _ => {
            errors.add(field, tr.t("form-invalid-choice"));
            false
        }
    }
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ';')
}

/// E-mails from a list typed with commas, semicolons, spaces or line breaks; each checked.
fn email_list(
    errors: &mut FieldErrors,
    tr: &Tr,
    field: &'static str,
    text: &str,
    max: usize,
) -> Vec<String> {
    if !check_text(errors, tr, field, text, crate::web::limits::DESCRIPTION) {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for e in text
        .split([',', ';', ' ', '\n', '\r', '\t'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
    {
        if !looks_like_email(e) {
            errors.add(field, tr.t1("live-options-bad-email", "email", e));
            return Vec::new();
        }
        if !out.iter().any(|x| x.eq_ignore_ascii_case(e)) {
            out.push(e.to_string());
        }
    }
    if out.len() > max {
        errors.add(field, tr.t1("live-options-too-many", "max", max as i64));
    }
    out
}

/// The options as typed, checked on their own (values, e-mails, the external URL); `webinar`
/// decides which of them apply. `None` when a field is wrong (its error is in `errors`).
pub fn parse(
    form: &LiveOptionsForm,
    webinar: bool,
    with_venue: bool,
    tr: &Tr,
    errors: &mut FieldErrors,
) -> Option<LessonOptions> {
    let before = errors.0.len();
    let mut o = ZoomOptions::default();
    if !webinar {
        // Zoom's webinars have no waiting room, mute on entry or join before host.
        o.waiting_room = checkbox(errors, tr, "waiting_room", &form.waiting_room);
        o.mute_upon_entry = checkbox(errors, tr, "mute_upon_entry", &form.mute_upon_entry);
        o.join_before_host = checkbox(errors, tr, "join_before_host", &form.join_before_host);
    }
    let rec = form.auto_recording.trim();
    if rec.is_empty() || RECORDINGS.contains(&rec) {
        o.auto_recording = if rec.is_empty() { "none" } else { rec }.to_string();
    } else {
        errors.add("auto_recording", tr.t("form-invalid-choice"));
    }
    o.alternative_hosts = email_list(
        errors,
        tr,
        "alternative_hosts",
        &form.alternative_hosts,
        MAX_ALTERNATIVE_HOSTS,
    );
    if webinar {
        o.question_and_answer =
            checkbox(errors, tr, "question_and_answer", &form.question_and_answer);
        o.practice_session = checkbox(errors, tr, "practice_session", &form.practice_session);
        o.panelists = email_list(errors, tr, "panelists", &form.panelists, MAX_PANELISTS);
    } else {
        o.breakout_rooms = checkbox(errors, tr, "breakout_rooms", &form.breakout_rooms);
    }
    let mut external_url = None;
    if with_venue {
        match form.venue.as_str() {
            "" | "zoom" => {}
            "external" => {
                let url = form.external_url.trim();
                if check_text(errors, tr, "external_url", url, crate::web::limits::URL) {
                    if url.is_empty() {
                        errors.add("external_url", tr.t("form-required"));
                    } else if !valid_https_url(url) {
                        errors.add("external_url", tr.t("live-options-https-only"));
                    } else {
                        external_url = Some(url.to_string());
                    }
                }
            }
            _ => errors.add("venue", tr.t("form-invalid-choice")),
        }
    }
    (errors.0.len() == before).then_some(LessonOptions {
        options: o,
        external_url,
    })
}

fn valid_https_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| u.scheme() == "https" && u.host_str().is_some())
}

/// Alternative hosts must be instructors (or admins) of this school.
pub async fn check_alternative_hosts(
    db: &Db,
    school_id: i64,
    o: &ZoomOptions,
    tr: &Tr,
    errors: &mut FieldErrors,
) -> sqlx::Result<()> {
    for e in &o.alternative_hosts {
        let user = crate::accounts::by_email(db, school_id, e).await?;
        if !user.is_some_and(|u| u.can_teach()) {
            errors.add(
                "alternative_hosts",
                tr.t1("live-options-not-instructor", "email", e.as_str()),
            );
            return Ok(());
        }
    }
    Ok(())
}

/// What Zoom would refuse, asked before the session while the school is connected: cloud
/// recording for a Basic host (Zoom user `type` 1), an alternative host who is not a user of
/// the account (with account-level scopes, from the account's user list). Without a
/// connection, or if Zoom can't be asked now, nothing is added: Zoom's refusal at Start is
/// shown with what to do.
pub async fn check_with_zoom(
    zoom: &ZoomDeps,
    school_id: i64,
    host: Option<&Host>,
    o: &ZoomOptions,
    tr: &Tr,
    errors: &mut FieldErrors,
) {
    let wants_cloud = o.recording() == "cloud" && host.is_some();
    if !wants_cloud && o.alternative_hosts.is_empty() {
        return;
    }
    let conn = match host {
        Some(h) => zoom_connection::by_id(&zoom.db, h.connection_id).await,
        None => zoom_connection::find(&zoom.db, school_id, Owner::School).await,
    };
    let Ok(Some(conn)) = conn else {
        return;
    };
    if !conn.is_connected() || conn.school_id != school_id {
        return;
    }
    let users = if conn.account_level() {
        tokens::with_api(zoom, &conn, |api| async move { api.list_all_users().await }).await
    } else {
        tokens::with_api(
            zoom,
            &conn,
            |api| async move { api.me().await.map(|u| vec![u]) },
        )
        .await
    };
    let users = match users {
        Ok(u) => u,
        Err(e) => {
            tracing::warn!(error = %e, "could not check the Zoom options now; Zoom decides at Start");
            return;
        }
    };
    if wants_cloud
        && let Some(h) = host
        && let Some(u) = users.iter().find(|u| u.id == h.zoom_user_id)
        && u.user_type == Some(1)
    {
        errors.add(
            "auto_recording",
            tr.t1("live-options-cloud-basic", "email", u.email.as_str()),
        );
    }
    if conn.account_level() {
        for e in &o.alternative_hosts {
            if !users.iter().any(|u| u.email.eq_ignore_ascii_case(e)) {
                errors.add(
                    "alternative_hosts",
                    tr.t1("live-options-alt-not-in-zoom", "email", e.as_str()),
                );
                break;
            }
        }
    }
}

// ---- storage ----

/// A lesson's options and external link, as stored (`None`: never saved).
pub async fn of_lesson(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<Option<LessonOptions>> {
    let row: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT options, external_url FROM lesson_live_options WHERE school_id = $1 AND lesson_id = $2",
    )
    .bind(school_id)
    .bind(lesson_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|(o, url)| LessonOptions {
        options: ZoomOptions::from_json(&o),
        external_url: url,
    }))
}

/// The course's default options (`None`: never saved).
pub async fn course_default(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
) -> sqlx::Result<Option<ZoomOptions>> {
    let row: Option<String> = sqlx::query_scalar(
        "SELECT options FROM course_live_options WHERE school_id = $1 AND course_id = $2",
    )
    .bind(school_id)
    .bind(course_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|o| ZoomOptions::from_json(&o)))
}

/// What a session is held with: its own options (a copy of the course's default made when
/// it was created, or what its editor saved since). One rule: the course's default is never
/// read here, so changing it does not change existing sessions. Without a row of its own
/// (its course had no default when it was created) Zoom's and the account's defaults apply.
pub async fn effective(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
) -> sqlx::Result<LessonOptions> {
    Ok(of_lesson(db, school_id, lesson_id)
        .await?
        .unwrap_or_default())
}

/// Whether the session has options of its own (else no settings are sent at all).
pub async fn any_saved(db: &Db, school_id: SchoolId, lesson_id: LessonId) -> sqlx::Result<bool> {
    Ok(of_lesson(db, school_id, lesson_id).await?.is_some())
}

/// Gives a new live lesson a copy of its course's default options, in the transaction that
/// inserts it (`courses::insert_lesson_in`: a single session, each occurrence of a series,
/// a booked session); nothing when the course has no default. The lesson editor then saves
/// over it what its form (prefilled from the same default) posts.
pub(crate) async fn copy_default_in(
    tx: &mut sqlx::AnyConnection,
    school_id: SchoolId,
    course_id: CourseId,
    lesson_id: LessonId,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO lesson_live_options (lesson_id, school_id, course_id, options, external_url, updated_at)
         SELECT $1, c.school_id, c.course_id, c.options, NULL, $4 FROM course_live_options c
         WHERE c.school_id = $2 AND c.course_id = $3
         ON CONFLICT (lesson_id) DO NOTHING",
    )
    .bind(lesson_id)
    .bind(school_id)
    .bind(course_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Stores a session's options and venue; its completion rule follows the venue
/// (`completion::fit_venue_in`: no attendance rule at an external link), in one transaction.
pub async fn save_lesson(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    lesson_id: LessonId,
    o: &LessonOptions,
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    // The write first (SQLite takes its lock at once).
    sqlx::query(
        "INSERT INTO lesson_live_options (lesson_id, school_id, course_id, options, external_url, updated_at)
         SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS
           (SELECT 1 FROM lessons WHERE id = $1 AND school_id = $2 AND course_id = $3)
         ON CONFLICT (lesson_id) DO UPDATE SET options = excluded.options,
           external_url = excluded.external_url, updated_at = excluded.updated_at",
    )
    .bind(lesson_id)
    .bind(school_id)
    .bind(course_id)
    .bind(o.options.to_json())
    .bind(o.external_url.as_deref())
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    super::completion::fit_venue_in(&mut tx, school_id, lesson_id, o.external_url.is_some())
        .await?;
    tx.commit().await?;
    // The external link is in the live session's view a student's player and join read.
    super::viewers::course_changed(db, course_id);
    Ok(())
}

/// Gives lesson `to` the options (and venue) of lesson `from`, both of one school, in the
/// caller's transaction; `to` loses its own if `from` has none, so that both are held with
/// Zoom's defaults (a series' "this and following" edit).
pub async fn copy_lesson_in(
    tx: &mut sqlx::AnyConnection,
    school_id: SchoolId,
    from: LessonId,
    to: LessonId,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM lesson_live_options WHERE lesson_id = $1 AND school_id = $2")
        .bind(to)
        .bind(school_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO lesson_live_options (lesson_id, school_id, course_id, options, external_url, updated_at)
         SELECT l.id, l.school_id, l.course_id, o.options, o.external_url, $4
         FROM lesson_live_options o JOIN lessons l ON l.id = $2 AND l.school_id = $3 AND l.course_id = o.course_id
         WHERE o.lesson_id = $1 AND o.school_id = $3",
    )
    .bind(from)
    .bind(to)
    .bind(school_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    let external: Option<Option<String>> = sqlx::query_scalar(
        "SELECT external_url FROM lesson_live_options WHERE lesson_id = $1 AND school_id = $2",
    )
    .bind(to)
    .bind(school_id)
    .fetch_optional(&mut *tx)
    .await?;
    super::completion::fit_venue_in(tx, school_id, to, external.flatten().is_some()).await
}

pub async fn save_course_default(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    o: &ZoomOptions,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO course_live_options (course_id, school_id, options, updated_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (course_id) DO UPDATE SET options = excluded.options, updated_at = excluded.updated_at",
    )
    .bind(course_id)
    .bind(school_id)
    .bind(o.to_json())
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    Ok(())
}

// ---- groups ----

#[derive(Clone, Debug)]
pub struct Group {
    pub id: i64,
    pub name: String,
    /// Member user ids.
    pub members: Vec<i64>,
}

impl Group {
    pub fn has(&self, user_id: &i64) -> bool {
        self.members.contains(user_id)
    }
}

pub async fn groups(db: &Db, school_id: SchoolId, course_id: CourseId) -> sqlx::Result<Vec<Group>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM course_groups WHERE school_id = $1 AND course_id = $2 ORDER BY id",
    )
    .bind(school_id)
    .bind(course_id)
    .fetch_all(&db.pool)
    .await?;
    let members: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT m.group_id, m.user_id FROM course_group_members m JOIN course_groups g ON g.id = m.group_id
         WHERE g.school_id = $1 AND g.course_id = $2 ORDER BY m.user_id",
    )
    .bind(school_id)
    .bind(course_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| Group {
            id,
            name,
            members: members
                .iter()
                .filter(|(g, _)| *g == id)
                .map(|(_, u)| *u)
                .collect(),
        })
        .collect())
}

/// The breakout rooms of a meeting of this course: one per group with enrolled members,
/// named as the group, with the members' e-mails.
pub async fn breakout_rooms(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
) -> sqlx::Result<Vec<(String, Vec<String>)>> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT g.id, g.name, u.email FROM course_groups g
         JOIN course_group_members m ON m.group_id = g.id
         JOIN users u ON u.id = m.user_id
         JOIN enrollments e ON e.user_id = m.user_id AND e.course_id = g.course_id
         WHERE g.school_id = $1 AND g.course_id = $2 ORDER BY g.id, u.email",
    )
    .bind(school_id)
    .bind(course_id)
    .fetch_all(&db.pool)
    .await?;
    let mut rooms: Vec<(i64, String, Vec<String>)> = Vec::new();
    for (id, name, email) in rows {
        match rooms.last_mut() {
            Some(r) if r.0 == id => r.2.push(email),
            _ => rooms.push((id, name, vec![email])),
        }
    }
    Ok(rooms.into_iter().map(|(_, n, e)| (n, e)).collect())
}

// ---- pages ----

pub fn routes() -> Router<CoursesState> {
    Router::new()
        .route(
            "/teach/courses/{id}/live-options",
            get(options_page).post(save_defaults),
        )
        .route("/teach/courses/{id}/groups", post(create_group))
        .route("/teach/courses/{id}/groups/{group_id}", post(save_group))
        .route(
            "/teach/courses/{id}/groups/{group_id}/delete",
            post(delete_group),
        )
}

#[derive(askama::Template)]
#[template(path = "teach/live_options.html")]
struct OptionsPage {
    ctx: Ctx,
    course: Course,
    form: LiveOptionsForm,
    errors: FieldErrors,
    saved: bool,
    groups: Vec<Group>,
    /// (user id, name, e-mail) of the enrolled students.
    students: Vec<(i64, String, String)>,
    group_name: String,
    group_errors: FieldErrors,
}

impl OptionsPage {
    async fn load(state: &CoursesState, ctx: Ctx, course: Course) -> AppResult<OptionsPage> {
        let sid = course.school_id;
        let cid = course.id;
        let defaults = course_default(&state.db, sid, cid)
            .await?
            .unwrap_or_default();
        Ok(OptionsPage {
            form: LiveOptionsForm::from_options(&defaults, None),
            errors: FieldErrors::default(),
            saved: false,
            groups: groups(&state.db, sid, cid).await?,
            students: super::queries::students(&state.db, sid, cid).await?,
            group_name: String::new(),
            group_errors: FieldErrors::default(),
            course,
            ctx,
        })
    }
}

fn unprocessable(page: Page) -> Response {
    page.status(StatusCode::UNPROCESSABLE_ENTITY)
        .into_response()
}

async fn options_page(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> AppResult<Page> {
    let course = super::editor::managed_course(&state, &ctx, &id).await?;
    let mut page = OptionsPage::load(&state, ctx, course).await?;
    page.saved = q.contains_key("saved");
    render(&page)
}

async fn save_defaults(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FieldCheckedForm(form): FieldCheckedForm<LiveOptionsForm>,
) -> AppResult<Response> {
    let course = super::editor::managed_course(&state, &ctx, &id).await?;
    let mut errors = FieldErrors::default();
    // A course's sessions may be meetings or webinars: the default keeps both kinds' options.
    let mut parsed = parse(&form, false, false, &ctx.tr, &mut errors);
    let webinar = parse(&form, true, false, &ctx.tr, &mut errors);
    if let (Some(p), Some(w)) = (parsed.as_mut(), webinar) {
        p.options.question_and_answer = w.options.question_and_answer;
        p.options.practice_session = w.options.practice_session;
        p.options.panelists = w.options.panelists;
        check_alternative_hosts(
            &state.db,
            course.school_id.0,
            &p.options,
            &ctx.tr,
            &mut errors,
        )
        .await?;
        check_with_zoom(
            &state.zoom,
            course.school_id.0,
            None,
            &p.options,
            &ctx.tr,
            &mut errors,
        )
        .await;
    }
    match parsed {
        Some(p) if errors.is_empty() => {
            save_course_default(&state.db, course.school_id, course.id, &p.options).await?;
            Ok(Redirect::to(&format!(
                "/teach/courses/{}/live-options?saved=1",
                course.id
            ))
            .into_response())
        }
        _ => {
            let mut page = OptionsPage::load(&state, ctx, course).await?;
            page.form = form;
            page.errors = errors;
            Ok(unprocessable(render(&page)?))
        }
    }
}

fn group_name(form: &[(String, String)], tr: &Tr, errors: &mut FieldErrors) -> Option<String> {
    let name = form
        .iter()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    if !check_text(errors, tr, "name", &name, GROUP_NAME_MAX) {
        return None;
    }
    if name.is_empty() {
        errors.add("name", tr.t("form-required"));
        return None;
    }
    Some(name)
}

async fn create_group(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FieldCheckedForm(form): FieldCheckedForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let course = super::editor::managed_course(&state, &ctx, &id).await?;
    let mut errors = FieldErrors::default();
    let name = group_name(&form, &ctx.tr, &mut errors);
    let sid = course.school_id;
    let cid = course.id;
    if name.is_some() && groups(&state.db, sid, cid).await?.len() >= MAX_GROUPS {
        errors.add(
            "name",
            ctx.tr.t1("live-options-too-many", "max", MAX_GROUPS as i64),
        );
    }
    match name {
        Some(name) if errors.is_empty() => {
            sqlx::query(
                "INSERT INTO course_groups (school_id, course_id, name, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(sid)
            .bind(cid)
            .bind(&name)
            .bind(now_ms())
            .execute(&state.db.pool)
            .await?;
            Ok(
                Redirect::to(&format!("/teach/courses/{}/live-options#groups", course.id))
                    .into_response(),
            )
        }
        _ => {
            let typed = form
                .iter()
                .find(|(k, _)| k == "name")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let mut page = OptionsPage::load(&state, ctx, course).await?;
            page.group_name = typed;
            page.group_errors = errors;
            Ok(unprocessable(render(&page)?))
        }
    }
}

/// Renames a group and sets its members (`member` fields: user ids of enrolled students;
/// anyone else is ignored).
async fn save_group(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, group_id)): Path<(String, String)>,
    FieldCheckedForm(form): FieldCheckedForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let course = super::editor::managed_course(&state, &ctx, &id).await?;
    let gid = parse_id(&group_id)?;
    let sid = course.school_id;
    let cid = course.id;
    let mut errors = FieldErrors::default();
    let name = group_name(&form, &ctx.tr, &mut errors);
    let Some(name) = name else {
        let mut page = OptionsPage::load(&state, ctx, course).await?;
        page.group_errors = errors;
        return Ok(unprocessable(render(&page)?));
    };
    let enrolled: Vec<i64> = super::queries::students(&state.db, sid, cid)
        .await?
        .into_iter()
        .map(|(u, _, _)| u)
        .collect();
    let wanted: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == "member")
        .filter_map(|(_, v)| v.parse::<i64>().ok())
        .filter(|u| enrolled.contains(u))
        .collect();
    let mut tx = state.db.pool.begin().await?;
    // The write first (SQLite), scoped to this school's course: another course's group is 404.
    let renamed = sqlx::query(
        "UPDATE course_groups SET name = $1 WHERE id = $2 AND school_id = $3 AND course_id = $4",
    )
    .bind(&name)
    .bind(gid)
    .bind(sid)
    .bind(cid)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if renamed != 1 {
        return Err(AppError::NotFound);
    }
    sqlx::query("DELETE FROM course_group_members WHERE group_id = $1 AND school_id = $2")
        .bind(gid)
        .bind(sid)
        .execute(&mut *tx)
        .await?;
    for u in wanted {
        sqlx::query(
            "INSERT INTO course_group_members (group_id, school_id, user_id) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(gid)
        .bind(sid)
        .bind(u)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/teach/courses/{}/live-options#groups", course.id)).into_response())
}

async fn delete_group(
    State(state): State<CoursesState>,
    ctx: Ctx,
    Path((id, group_id)): Path<(String, String)>,
) -> AppResult<Response> {
    let course = super::editor::managed_course(&state, &ctx, &id).await?;
    let gid = parse_id(&group_id)?;
    let n = sqlx::query(
        "DELETE FROM course_groups WHERE id = $1 AND school_id = $2 AND course_id = $3",
    )
    .bind(gid)
    .bind(course.school_id)
    .bind(course.id)
    .execute(&state.db.pool)
    .await?
    .rows_affected();
    if n != 1 {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/teach/courses/{}/live-options#groups", course.id)).into_response())
}
