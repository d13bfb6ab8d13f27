//! Certificate pages: the public verification page (`/C/{serial}`, also
//! `/certificates/{serial}`, no sign-in, rate limited per client), the PDF for its learner
//! and the course's managers, the learner's list, a course's settings, and the admin's
//! list with revoke and re-issue.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{CertificatesState, Issued, Settings, Status};
use crate::accounts::rate_limit;
use crate::db::{CourseId, SchoolId, UserId};
use crate::web::{
    AppError, AppResult, ClientIp, Ctx, FieldCheckedForm, FieldErrors, Form, Page, check_text,
    limits, render,
};

pub fn routes() -> Router<CertificatesState> {
    Router::new()
        .route("/C/{serial}", get(verify))
        .route("/certificates/{serial}", get(verify))
        .route("/certificates/{serial}/pdf", get(pdf))
        .route("/certificates/{serial}/reissue", post(learner_reissue))
        .route("/my/certificates", get(mine))
        .route(
            "/teach/courses/{id}/certificate",
            get(settings_page).post(save_settings),
        )
        .route("/admin/certificates", get(admin_list))
        .route("/admin/certificates/paper", post(set_paper))
        .route("/admin/certificates/{serial}/revoke", post(revoke))
        .route("/admin/certificates/{serial}/reissue", post(admin_reissue))
}

/// Clients over the verification page's limit, until when, as this instance counted them.
#[derive(Default)]
pub struct VerifyGate {
    over: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
}

/// Clients remembered at most; past it, those whose time is up are forgotten first, and
/// all if none is (the database still counts every miss).
const GATE_MAX: usize = 10_000;

impl VerifyGate {
    /// Seconds left for a client known to be over, or `None`.
    pub fn refused(&self, key: &str) -> Option<u64> {
        let now = std::time::Instant::now();
        let mut over = self.over.lock().unwrap_or_else(|e| e.into_inner());
        match over.get(key) {
            Some(until) if *until > now => Some((*until - now).as_secs().max(1)),
            Some(_) => {
                over.remove(key);
                None
            }
            None => None,
        }
    }

    pub fn mark(&self, key: &str, secs: u64) {
        let now = std::time::Instant::now();
        let mut over = self.over.lock().unwrap_or_else(|e| e.into_inner());
        if over.len() >= GATE_MAX {
            over.retain(|_, until| *until > now);
            if over.len() >= GATE_MAX {
                over.clear();
            }
        }
        over.insert(
            key.to_string(),
            now + std::time::Duration::from_secs(secs.max(1)),
        );
    }
}

/// Unknown serials looked up per client and minute: enough for anyone mistyping one, far
/// too few to enumerate 80-bit serials.
const VERIFY_PER_CLIENT: rate_limit::Limit = rate_limit::Limit {
    max: 60,
    window_secs: 60,
};

#[derive(askama::Template)]
#[template(path = "certificates/verify.html")]
struct VerifyPage {
    ctx: Ctx,
    cert: Option<std::sync::Arc<Issued>>,
    status: &'static str,
    /// For a replaced certificate, the one in force now (the end of its re-issues).
    current: Option<String>,
}

impl VerifyPage {
    fn date(&self, ms: &i64) -> String {
        self.ctx.local_date(ms)
    }
    fn hours(&self, c: &Issued) -> String {
        self.ctx.tr.ta(
            "certificate-hours",
            &[
                ("hours", (c.live_minutes / 60).to_string()),
                ("minutes", (c.live_minutes % 60).to_string()),
            ],
        )
    }
}

async fn verify(
    State(state): State<CertificatesState>,
    ctx: Ctx,
    client: ClientIp,
    Path(serial): Path<String>,
) -> AppResult<Response> {
    // Only misses count (enumerating serials is nearly all misses, checking a real one is
    // a single read), but a client over the limit is refused every lookup: otherwise its
    // 429s and 200s would still tell misses from hits.
    let bucket = format!("certificate-verify:{}", client.throttle_key());
    // Whether this client is over is known from the miss that put it over (counted below),
    // so a lookup of a real certificate reads at most the certificate (nothing once this
    // instance has it cached). Per instance: another instance learns it at the client's
    // next miss there.
    if let Some(secs) = state.gate.refused(&bucket) {
        return Err(AppError::RateLimited {
            retry_after_secs: secs,
        });
    }
    let school = SchoolId(ctx.school.id);
    let cert = super::cached_by_serial(&state, school, &serial).await?;
    if cert.is_none()
        && let Err(secs) = rate_limit::hit(&state.db, &bucket, &VERIFY_PER_CLIENT).await?
    {
        state.gate.mark(&bucket, secs);
        return Err(AppError::RateLimited {
            retry_after_secs: secs,
        });
    }
    // Now, not when it was cached: a certificate expires while cached.
    let status = cert
        .as_ref()
        .map_or("not-found", |c| c.status(state.db.now_ms()).as_str());
    let found = cert.is_some();
    let current = match &cert {
        Some(c) if c.replaced_by.is_some() => {
            Some(super::cached_current_of(&state, school, c).await?)
        }
        _ => None,
    };
    let mut resp = render(&VerifyPage {
        ctx,
        cert,
        status,
        current,
    })?
    .into_response();
    if !found {
        *resp.status_mut() = StatusCode::NOT_FOUND;
    }
    resp.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(resp)
}

/// The certificate for someone who may download it: its learner, or a manager of its
/// course. Anyone else: 404, as for a serial that doesn't exist.
async fn readable(state: &CertificatesState, ctx: &Ctx, serial: &str) -> AppResult<Issued> {
    let user = ctx.require_user()?;
    let cert = super::by_serial(&state.db, SchoolId(ctx.school.id), serial)
        .await?
        .ok_or(AppError::NotFound)?;
    if cert.user_id == user.id {
        return Ok(cert);
    }
    let course =
        crate::courses::by_id(&state.db, SchoolId(ctx.school.id), CourseId(cert.course_id))
            .await?
            .ok_or(AppError::NotFound)?;
    if crate::courses::can_manage(&state.db, user, &course).await? {
        Ok(cert)
    } else {
        Err(AppError::NotFound)
    }
}

async fn pdf(
    State(state): State<CertificatesState>,
    ctx: Ctx,
    Path(serial): Path<String>,
) -> AppResult<Response> {
    let cert = readable(&state, &ctx, &serial).await?;
    if cert.state != "issued" {
        return Err(AppError::Unavailable(ctx.t("certificate-pending")));
    }
    let bytes = super::render(&state, &cert).await.map_err(|e| {
        tracing::warn!(certificate = cert.id, error = %e, "certificate PDF failed");
        AppError::Unavailable(ctx.t("certificate-pending"))
    })?;
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"certificate-{}.pdf\"",
        cert.serial
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(resp)
}

#[derive(askama::Template)]
#[template(path = "certificates/mine.html")]
struct MinePage {
    ctx: Ctx,
    certs: Vec<Issued>,
    origin: String,
    now: i64,
}

impl MinePage {
    fn linkedin(&self, c: &Issued) -> String {
        let url = format!("{}/C/{}", self.origin, c.serial);
        let date = jiff::Timestamp::from_millisecond(c.completed_at)
            .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC))
            .ok();
        let mut u = url::Url::parse("https://www.linkedin.com/profile/add").expect("constant URL");
        u.query_pairs_mut()
            .append_pair("startTask", "CERTIFICATION_NAME")
            .append_pair("name", &c.course_title)
            .append_pair("organizationName", &c.school_name)
            .append_pair("certUrl", &url)
            .append_pair("certId", &c.serial);
        if let Some(d) = date {
            u.query_pairs_mut()
                .append_pair("issueYear", &d.year().to_string())
                .append_pair("issueMonth", &d.month().to_string());
        }
        u.to_string()
    }
    fn date(&self, ms: &i64) -> String {
        self.ctx.local_date(ms)
    }
    fn valid(&self, c: &Issued) -> bool {
        c.status(self.now) == Status::Valid
    }
}

async fn mine(State(state): State<CertificatesState>, ctx: Ctx) -> AppResult<Page> {
    let user = ctx.require_user()?;
    let certs = super::of_user(&state.db, SchoolId(ctx.school.id), UserId(user.id)).await?;
    let origin =
        crate::schools::domains::origin(&state.db, &state.config.base_url, ctx.school.id).await?;
    render(&MinePage {
        ctx,
        certs,
        origin,
        now: state.db.now_ms(),
    })
}

/// A learner who changed their name asks for a certificate with the new one.
async fn learner_reissue(
    State(state): State<CertificatesState>,
    ctx: Ctx,
    Path(serial): Path<String>,
) -> AppResult<Redirect> {
    let user = ctx.require_user()?;
    let cert = super::by_serial(&state.db, SchoolId(ctx.school.id), &serial)
        .await?
        .filter(|c| c.user_id == user.id)
        .ok_or(AppError::NotFound)?;
    if cert.revoked_at.is_some() {
        return Err(AppError::BadRequest(
            ctx.t("certificate-revoked-no-reissue"),
        ));
    }
    if cert.learner_name == user.display_name {
        return Err(AppError::BadRequest(ctx.t("certificate-same-name")));
    }
    super::reissue(&state, SchoolId(ctx.school.id), &cert.serial).await?;
    Ok(Redirect::to("/my/certificates"))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct SettingsForm {
    enabled: String,
    title: String,
    body: String,
    signer_name: String,
    signer_title: String,
    validity_months: String,
}

#[derive(askama::Template)]
#[template(path = "certificates/settings.html")]
struct SettingsPage {
    ctx: Ctx,
    course: crate::courses::Course,
    form: SettingsForm,
    errors: FieldErrors,
    saved: bool,
}

async fn managed(
    state: &CertificatesState,
    ctx: &Ctx,
    id: &str,
) -> AppResult<crate::courses::Course> {
    crate::courses::routes::managed_course(&state.db, ctx, id).await
}

async fn settings_page(
    State(state): State<CertificatesState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> AppResult<Page> {
    let course = managed(&state, &ctx, &id).await?;
    let form = match super::settings(&state.db, course.school_id, course.id).await? {
        Some(s) => SettingsForm {
            enabled: "on".into(),
            title: s.title,
            body: s.body,
            signer_name: s.signer_name,
            signer_title: s.signer_title,
            validity_months: s.validity_months.map(|m| m.to_string()).unwrap_or_default(),
        },
        None => SettingsForm {
            title: ctx.t("certificate-default-title"),
            ..Default::default()
        },
    };
    render(&SettingsPage {
        ctx,
        course,
        form,
        errors: FieldErrors::default(),
        saved: false,
    })
}

async fn save_settings(
    State(state): State<CertificatesState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FieldCheckedForm(form): FieldCheckedForm<SettingsForm>,
) -> AppResult<Response> {
    let course = managed(&state, &ctx, &id).await?;
    let mut errors = FieldErrors::default();
    let enabled = !form.enabled.is_empty();
    let title = form.title.trim().to_string();
    if check_text(&mut errors, &ctx.tr, "title", &title, limits::TITLE)
        && enabled
        && title.is_empty()
    {
        errors.add("title", ctx.t("certificate-title-required"));
    }
    check_text(&mut errors, &ctx.tr, "body", &form.body, 2000);
    check_text(
        &mut errors,
        &ctx.tr,
        "signer_name",
        form.signer_name.trim(),
        limits::TITLE,
    );
    check_text(
        &mut errors,
        &ctx.tr,
        "signer_title",
        form.signer_title.trim(),
        limits::TITLE,
    );
    let validity = match form.validity_months.trim() {
        "" => None,
        v => match v.parse::<i64>() {
            Ok(m) if (1..=600).contains(&m) => Some(m),
            _ => {
                errors.add("validity_months", ctx.t("certificate-validity-invalid"));
                None
            }
        },
    };
    if enabled && errors.is_empty() {
        // A text no font can draw would make every certificate of the course fail.
        for (field, text) in [
            ("title", title.as_str()),
            ("body", form.body.as_str()),
            ("signer_name", form.signer_name.as_str()),
            ("signer_title", form.signer_title.as_str()),
        ] {
            if let Err(u) = super::fonts().check(text) {
                errors.add(
                    field,
                    ctx.tr.t1("certificate-uncovered", "char", u.ch.to_string()),
                );
            }
        }
    }
    if !errors.is_empty() {
        let mut resp = render(&SettingsPage {
            ctx,
            course,
            form,
            errors,
            saved: false,
        })?
        .into_response();
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    let settings = Settings {
        title,
        body: form.body.trim().to_string(),
        signer_name: form.signer_name.trim().to_string(),
        signer_title: form.signer_title.trim().to_string(),
        validity_months: validity,
    };
    super::save_settings(
        &state.db,
        course.school_id,
        course.id,
        enabled.then_some(&settings),
    )
    .await?;
    Ok(render(&SettingsPage {
        ctx,
        course,
        form,
        errors: FieldErrors::default(),
        saved: true,
    })?
    .into_response())
}

#[derive(askama::Template)]
#[template(path = "certificates/admin.html")]
struct AdminPage {
    ctx: Ctx,
    certs: Vec<Issued>,
    error: String,
    paper: String,
    /// What the POST before did (revoked, re-issued, paper saved), shown once.
    notice: Option<String>,
    now: i64,
}

/// The admin's list, where revoke, re-issue and the paper form send the admin back.
const ADMIN_LIST: &str = "/admin/certificates";

impl AdminPage {
    fn status(&self, c: &Issued) -> String {
        let key = match c.status(self.now) {
            Status::Valid => "certificate-status-valid",
            Status::Pending => "certificate-status-pending",
            Status::Revoked => "certificate-status-revoked",
            Status::Replaced => "certificate-status-replaced-short",
            Status::Expired => "certificate-status-expired",
        };
        self.ctx.t(key)
    }
    fn date(&self, ms: &i64) -> String {
        self.ctx.local_date(ms)
    }
}

/// The list, with what the POST before handed over (taken, so shown once).
async fn admin_list(
    State(state): State<CertificatesState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let (handover, clear) = crate::web::handover::take_in_session(
        &state.config,
        &ctx,
        &headers,
        state.db.now_ms(),
        ADMIN_LIST,
    );
    let certs = super::of_school(&state.db, SchoolId(ctx.school.id)).await?;
    let paper = super::paper(&state.db, SchoolId(ctx.school.id)).await?;
    let resp = render(&AdminPage {
        notice: handover.and_then(|h| h.notice).map(|k| ctx.t(&k)),
        now: state.db.now_ms(),
        ctx,
        certs,
        error: String::new(),
        paper,
    })?
    .into_response();
    Ok(crate::web::handover::cleared(resp, clear))
}

/// A 303 to the list, handing it `notice` to show once.
fn handed(state: &CertificatesState, ctx: &Ctx, notice: &str) -> AppResult<Response> {
    crate::web::handover::redirect_in_session(
        &state.config,
        ctx,
        state.db.now_ms(),
        ADMIN_LIST,
        Some(notice),
        None,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PaperForm {
    paper: String,
}

/// The school's paper for certificates: A4 or US Letter.
async fn set_paper(
    State(state): State<CertificatesState>,
    ctx: Ctx,
    Form(form): Form<PaperForm>,
) -> AppResult<Response> {
    ctx.require_admin()?;
    if !matches!(form.paper.as_str(), "a4" | "letter") {
        return Err(AppError::BadRequest(ctx.t("form-invalid-choice")));
    }
    super::set_paper(&state.db, SchoolId(ctx.school.id), &form.paper).await?;
    handed(&state, &ctx, "certificate-paper-saved")
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RevokeForm {
    reason: String,
}

async fn revoke(
    State(state): State<CertificatesState>,
    ctx: Ctx,
    Path(serial): Path<String>,
    Form(form): Form<RevokeForm>,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let reason = form.reason.trim();
    let mut errors = FieldErrors::default();
    if check_text(&mut errors, &ctx.tr, "reason", reason, 500) && reason.is_empty() {
        errors.add("reason", ctx.t("certificate-reason-required"));
    }
    if !errors.is_empty() {
        let certs = super::of_school(&state.db, SchoolId(ctx.school.id)).await?;
        let paper = super::paper(&state.db, SchoolId(ctx.school.id)).await?;
        let error = errors.get("reason");
        let mut resp = render(&AdminPage {
            ctx,
            certs,
            error,
            paper,
            notice: None,
            now: state.db.now_ms(),
        })?
        .into_response();
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    if !super::revoke(&state, SchoolId(ctx.school.id), &serial, reason).await? {
        return Err(AppError::NotFound);
    }
    handed(&state, &ctx, "certificate-revoked-notice")
}

async fn admin_reissue(
    State(state): State<CertificatesState>,
    ctx: Ctx,
    Path(serial): Path<String>,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let cert = super::by_serial(&state.db, SchoolId(ctx.school.id), &serial)
        .await?
        .ok_or(AppError::NotFound)?;
    if cert.revoked_at.is_some() {
        return Err(AppError::BadRequest(
            ctx.t("certificate-revoked-no-reissue"),
        ));
    }
    super::reissue(&state, SchoolId(ctx.school.id), &serial)
        .await?
        .ok_or(AppError::NotFound)?;
    handed(&state, &ctx, "certificate-reissued-notice")
}
