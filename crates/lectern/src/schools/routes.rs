//! School settings (admins): branding, sign-up policy and custom domains.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::SchoolsState;
use super::{Branding, valid_color};
use crate::web::{
    AppResult, Ctx, FieldCheckedForm, FieldErrors, Form, Page, check_text, limits, render,
};

pub fn routes() -> Router<SchoolsState> {
    Router::new()
        .route("/admin/school", get(settings_page).post(save_settings))
        .route("/admin/school/domains", post(add_domain))
        .route("/admin/school/domains/remove", post(remove_domain))
        .merge(super::branding::routes())
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct SettingsForm {
    display_name: String,
    logo_url: String,
    primary_color: String,
    signup_open: String,
    default_timezone: String,
}

impl SettingsForm {
    /// The form as the school is now.
    fn of(s: &super::School) -> SettingsForm {
        SettingsForm {
            display_name: s.display_name.clone(),
            logo_url: s.logo_url.clone().unwrap_or_default(),
            primary_color: s.primary_color.clone(),
            signup_open: if s.signup_allowed() {
                "on".into()
            } else {
                String::new()
            },
            default_timezone: s.default_timezone.clone(),
        }
    }
}

#[derive(askama::Template)]
#[template(path = "schools/settings.html")]
struct SettingsPage {
    ctx: Ctx,
    form: SettingsForm,
    errors: FieldErrors,
    domains: Vec<super::domains::Domain>,
    domain_error: String,
    /// The host as typed, kept when it was refused.
    domain_input: String,
    /// The logo and favicon upload limit.
    logo_limit: u64,
}

impl SettingsPage {
    fn logo_limit_text(&self) -> String {
        crate::files::in_words_for(self.logo_limit, &self.ctx.tr)
    }
}

async fn settings_page(State(state): State<SchoolsState>, ctx: Ctx) -> AppResult<Page> {
    ctx.require_admin()?;
    let form = SettingsForm::of(&ctx.school);
    let domains = super::domains::list(&state.db, ctx.school.id).await?;
    render(&SettingsPage {
        logo_limit: state.files.limits.logo,
        ctx,
        form,
        errors: FieldErrors::default(),
        domains,
        domain_error: String::new(),
        domain_input: String::new(),
    })
}

pub fn valid_http_url(u: &str) -> bool {
    url::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

async fn save_settings(
    State(state): State<SchoolsState>,
    ctx: Ctx,
    FieldCheckedForm(form): FieldCheckedForm<SettingsForm>,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let mut errors = FieldErrors::default();
    if form.display_name.trim().is_empty() {
        errors.add("display_name", ctx.t("form-required"));
    } else {
        check_text(
            &mut errors,
            &ctx.tr,
            "display_name",
            &form.display_name,
            limits::TITLE,
        );
    }
    if !form.logo_url.trim().is_empty()
        && check_text(
            &mut errors,
            &ctx.tr,
            "logo_url",
            &form.logo_url,
            limits::URL,
        )
        && !valid_http_url(form.logo_url.trim())
        && !super::branding::is_own_media(form.logo_url.trim())
    {
        errors.add("logo_url", ctx.t("form-url-invalid"));
    }
    if !valid_color(form.primary_color.trim()) {
        errors.add("primary_color", ctx.t("form-color-invalid"));
    }
    if !crate::web::time::valid_timezone(form.default_timezone.trim()) {
        errors.add("default_timezone", ctx.t("form-timezone-invalid"));
    }
    if !errors.is_empty() {
        let domains = super::domains::list(&state.db, ctx.school.id).await?;
        let page = render(&SettingsPage {
            logo_limit: state.files.limits.logo,
            ctx,
            form,
            errors,
            domains,
            domain_error: String::new(),
            domain_input: String::new(),
        })?;
        return Ok(page
            .status(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
            .into_response());
    }
    super::update_branding(
        &state.db,
        ctx.school.id,
        Branding {
            display_name: form.display_name.trim(),
            logo_url: Some(form.logo_url.trim()).filter(|u| !u.is_empty()),
            primary_color: form.primary_color.trim(),
            signup_open: !form.signup_open.is_empty(),
            default_timezone: form.default_timezone.trim(),
        },
    )
    .await?;
    state.schools.clear();
    Ok(Redirect::to("/admin/school").into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DomainForm {
    host: String,
}

async fn add_domain(
    State(state): State<SchoolsState>,
    ctx: Ctx,
    Form(form): Form<DomainForm>,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let base_host = state.config.base_url.host_str().unwrap_or_default();
    use super::domains::ClaimError;
    let error = match super::domains::claim(&state.db, ctx.school.id, &form.host, base_host).await {
        Ok(()) => return Ok(Redirect::to("/admin/school").into_response()),
        Err(ClaimError::Invalid) => ctx.t("domain-invalid"),
        Err(ClaimError::Reserved) => ctx.t("domain-reserved"),
        Err(ClaimError::Taken) => ctx.t("domain-taken"),
        Err(ClaimError::Db(e)) => return Err(e.into()),
    };
    refused(&state, ctx, form.host, error).await
}

/// The settings page again with the domain section's message and what was typed.
async fn refused(
    state: &SchoolsState,
    ctx: Ctx,
    host: String,
    error: String,
) -> AppResult<Response> {
    let form = SettingsForm::of(&ctx.school);
    let domains = super::domains::list(&state.db, ctx.school.id).await?;
    let page = render(&SettingsPage {
        logo_limit: state.files.limits.logo,
        ctx,
        form,
        errors: FieldErrors::default(),
        domains,
        domain_error: error,
        domain_input: host,
    })?;
    Ok(page
        .status(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
        .into_response())
}

async fn remove_domain(
    State(state): State<SchoolsState>,
    ctx: Ctx,
    Form(form): Form<DomainForm>,
) -> AppResult<Response> {
    ctx.require_admin()?;
    let base_host = state.config.base_url.host_str().unwrap_or_default();
    use super::domains::RemoveError;
    let error =
        match super::domains::remove_claim(&state.db, ctx.school.id, &form.host, base_host).await {
            Ok(()) => {
                state.schools.clear();
                return Ok(Redirect::to("/admin/school").into_response());
            }
            Err(RemoveError::Platform) => ctx.t("domain-remove-platform"),
            Err(RemoveError::LastActive) => ctx.t("domain-remove-last"),
            Err(RemoveError::Db(e)) => return Err(e.into()),
        };
    refused(&state, ctx, String::new(), error).await
}
