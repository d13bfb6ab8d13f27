//! Sign-up, sign-in, sign-out, password reset and the profile page.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::rate_limit::{self, Limit};
use super::{CreateUserError, NewUser, Profile, Role, sessions, valid_email, valid_timezone};
use crate::app::AppState;
use crate::crypto::random_token;
use crate::db::now_ms;
use crate::email::{self, Email};
use crate::web::{AppError, AppResult, ClientIp, Ctx, FieldErrors, Form, render};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_page).post(signup))
        .route("/signin", get(signin_page).post(signin))
        .route("/signout", post(signout))
        .route("/password/forgot", get(forgot_page).post(forgot))
        .route("/password/reset/{token}", get(reset_page).post(reset))
        .route("/profile", get(profile_page).post(profile))
}

const MIN_PASSWORD: usize = 10;
const RESET_TTL_MS: i64 = 60 * 60 * 1000;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct SignupForm {
    display_name: String,
    email: String,
    password: String,
    timezone: String,
}

#[derive(askama::Template)]
#[template(path = "accounts/signup.html")]
struct SignupPage {
    ctx: Ctx,
    form: SignupForm,
    errors: FieldErrors,
}

async fn signup_page(ctx: Ctx) -> AppResult<Html<String>> {
    if !ctx.school.signup_allowed() {
        return Err(AppError::Forbidden);
    }
    render(&SignupPage {
        ctx,
        form: SignupForm::default(),
        errors: FieldErrors::default(),
    })
}

async fn signup(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Form(form): Form<SignupForm>,
) -> AppResult<Response> {
    if !ctx.school.signup_allowed() {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    if form.display_name.trim().is_empty() {
        errors.add("display_name", ctx.t("form-required"));
    }
    if !valid_email(&form.email) {
        errors.add("email", ctx.t("form-email-invalid"));
    }
    if form.password.chars().count() < MIN_PASSWORD {
        errors.add(
            "password",
            ctx.t1("form-password-short", "min", MIN_PASSWORD),
        );
    }
    let timezone = if valid_timezone(&form.timezone) {
        form.timezone.clone()
    } else {
        ctx.school.default_timezone.clone()
    };
    if errors.is_empty() {
        let created = super::create_user(
            &state.db,
            NewUser {
                school_id: ctx.school.id,
                email: &form.email,
                display_name: &form.display_name,
                password: &form.password,
                role: Role::Student,
                timezone: &timezone,
                language: None,
            },
        )
        .await;
        match created {
            Ok(id) => {
                let user = super::by_id(&state.db, ctx.school.id, id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                return start_session(&state, jar, &user, "/").await;
            }
            Err(CreateUserError::EmailTaken) => errors.add("email", ctx.t("form-email-taken")),
            Err(CreateUserError::Other(e)) => return Err(e.into()),
        }
    }
    let mut form = form;
    form.password.clear();
    Ok(with_status(
        render(&SignupPage { ctx, form, errors })?,
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
    ))
}

fn with_status(html: Html<String>, status: axum::http::StatusCode) -> Response {
    (status, html).into_response()
}

/// Rotates the session: any old session cookie is ended and a new id issued.
async fn start_session(
    state: &AppState,
    jar: CookieJar,
    user: &super::User,
    next: &str,
) -> AppResult<Response> {
    let secure = state.secure_cookies();
    if let Some(old) = jar.get(sessions::cookie_name(secure)) {
        sessions::delete(
            &state.db,
            &state.sessions,
            &state.config.secret_key,
            old.value(),
        )
        .await?;
    }
    let token = sessions::create(&state.db, &state.config.secret_key, user).await?;
    let jar = jar.add(sessions::cookie(
        sessions::cookie_name(secure),
        token,
        secure,
        sessions::max_age_days(),
    ));
    Ok((jar, Redirect::to(&safe_next(next))).into_response())
}

/// Only same-origin paths are followed after sign-in (no open redirect). Browsers strip
/// tabs and newlines from URLs and read `\` as `/`, so `/%09/evil.example` or `/\evil`
/// would leave the site: anything with a control character or a backslash is refused,
/// and what remains must still be on our origin once parsed as a browser would.
fn safe_next(next: &str) -> String {
    const HOME: &str = "/";
    let decoded: String = url::form_urlencoded::parse(format!("n={next}").as_bytes())
        .map(|(_, v)| v.into_owned())
        .next()
        .unwrap_or_default();
    let suspicious = |t: &str| t.chars().any(|c| c.is_control() || c == '\\');
    if !next.starts_with('/') || next.starts_with("//") || suspicious(next) || suspicious(&decoded)
    {
        return HOME.into();
    }
    let base = url::Url::parse("http://lectern.invalid/").expect("static URL");
    match base.join(next) {
        Ok(u) if u.origin() == base.origin() && !u.path().starts_with("//") => {
            let mut out = u.path().to_string();
            if let Some(q) = u.query() {
                out.push('?');
                out.push_str(q);
            }
            if let Some(f) = u.fragment() {
                out.push('#');
                out.push_str(f);
            }
            out
        }
        _ => HOME.into(),
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct SigninForm {
    email: String,
    password: String,
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NextQuery {
    next: String,
}

#[derive(askama::Template)]
#[template(path = "accounts/signin.html")]
struct SigninPage {
    ctx: Ctx,
    form: SigninForm,
    error: String,
}

async fn signin_page(ctx: Ctx, Query(q): Query<NextQuery>) -> AppResult<Html<String>> {
    render(&SigninPage {
        ctx,
        form: SigninForm {
            next: q.next,
            ..Default::default()
        },
        error: String::new(),
    })
}

async fn throttle(state: &AppState, bucket: String, limit: &Limit) -> AppResult<()> {
    match rate_limit::hit(&state.db, &bucket, limit).await? {
        Ok(()) => Ok(()),
        Err(secs) => Err(AppError::RateLimited {
            retry_after_secs: secs,
        }),
    }
}

async fn signin(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    ClientIp(ip): ClientIp,
    Form(form): Form<SigninForm>,
) -> AppResult<Response> {
    throttle(
        &state,
        format!("signin:ip:{ip}"),
        &rate_limit::SIGN_IN_PER_IP,
    )
    .await?;
    throttle(
        &state,
        format!(
            "signin:acct:{}:{}",
            ctx.school.id,
            super::normalize_email(&form.email)
        ),
        &rate_limit::SIGN_IN_PER_ACCOUNT,
    )
    .await?;
    match super::check_password(&state.db, ctx.school.id, &form.email, &form.password).await? {
        Some(user) => start_session(&state, jar, &user, &form.next).await,
        None => {
            let error = ctx.t("signin-failed");
            let mut form = form;
            form.password.clear();
            Ok(with_status(
                render(&SigninPage { ctx, form, error })?,
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

async fn signout(State(state): State<AppState>, jar: CookieJar) -> AppResult<Response> {
    let secure = state.secure_cookies();
    let name = sessions::cookie_name(secure);
    if let Some(c) = jar.get(name) {
        sessions::delete(
            &state.db,
            &state.sessions,
            &state.config.secret_key,
            c.value(),
        )
        .await?;
    }
    let jar = jar.remove(sessions::cookie(name, String::new(), secure, 0));
    Ok((jar, Redirect::to("/")).into_response())
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ForgotForm {
    email: String,
}

#[derive(askama::Template)]
#[template(path = "accounts/forgot.html")]
struct ForgotPage {
    ctx: Ctx,
    form: ForgotForm,
    sent: bool,
    error: String,
}

async fn forgot_page(ctx: Ctx) -> AppResult<Html<String>> {
    render(&ForgotPage {
        ctx,
        form: ForgotForm::default(),
        sent: false,
        error: String::new(),
    })
}

async fn forgot(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(ip): ClientIp,
    Form(form): Form<ForgotForm>,
) -> AppResult<Response> {
    if !valid_email(&form.email) {
        let error = ctx.t("form-email-invalid");
        return Ok(with_status(
            render(&ForgotPage {
                ctx,
                form,
                sent: false,
                error,
            })?,
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    throttle(&state, format!("reset:ip:{ip}"), &rate_limit::RESET_PER_IP).await?;
    throttle(
        &state,
        format!(
            "reset:acct:{}:{}",
            ctx.school.id,
            super::normalize_email(&form.email)
        ),
        &rate_limit::RESET_PER_ACCOUNT,
    )
    .await?;
    // The page says the same whether or not the account exists.
    if let Some(user) = super::by_email(&state.db, ctx.school.id, &form.email).await? {
        let token = random_token();
        let link = state.url(&format!("/password/reset/{token}"));
        let tr = crate::i18n::Tr::choose(user.language.as_deref(), None);
        let school_name = ctx.school.display_name.clone();
        let text = tr.ta(
            "reset-email-text",
            &[
                ("name", user.display_name.clone()),
                ("link", link.clone()),
                ("school", school_name.clone()),
            ],
        );
        let html = ResetEmailHtml {
            greeting: tr.t1("reset-email-greeting", "name", &user.display_name),
            body: tr.t1("reset-email-body", "school", &school_name),
            button: tr.t("reset-email-button"),
            footer: tr.t("reset-email-footer"),
            link,
        };
        let now = now_ms();
        let mut tx = state.db.pool.begin().await?;
        sqlx::query(
            "INSERT INTO password_resets (school_id, user_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(ctx.school.id)
        .bind(user.id)
        .bind(state.config.secret_key.token_hash(&token))
        .bind(now + RESET_TTL_MS)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        email::queue(
            &mut tx,
            ctx.school.id,
            Email {
                to: user.email.clone(),
                subject: tr.t1("reset-email-subject", "school", &school_name),
                text,
                html: askama::Template::render(&html)?,
                calendar: None,
            },
        )
        .await?;
        tx.commit().await?;
    }
    render(&ForgotPage {
        ctx,
        form,
        sent: true,
        error: String::new(),
    })
    .map(IntoResponse::into_response)
}

#[derive(askama::Template)]
#[template(path = "email/reset.html")]
struct ResetEmailHtml {
    greeting: String,
    body: String,
    button: String,
    footer: String,
    link: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ResetForm {
    password: String,
}

#[derive(askama::Template)]
#[template(path = "accounts/reset.html")]
struct ResetPage {
    ctx: Ctx,
    token: String,
    valid: bool,
    error: String,
}

/// The user id of a reset token that is unused and unexpired.
async fn reset_target(
    state: &AppState,
    school_id: i64,
    token: &str,
) -> sqlx::Result<Option<(i64, i64)>> {
    sqlx::query_as(
        "SELECT id, user_id FROM password_resets WHERE school_id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(school_id)
    .bind(state.config.secret_key.token_hash(token))
    .bind(now_ms())
    .fetch_optional(&state.db.pool)
    .await
}

async fn reset_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let valid = reset_target(&state, ctx.school.id, &token).await?.is_some();
    let status = if valid {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::GONE
    };
    let page = render(&ResetPage {
        ctx,
        token,
        valid,
        error: String::new(),
    })?;
    Ok((
        status,
        [(axum::http::header::REFERRER_POLICY, "no-referrer")],
        page,
    )
        .into_response())
}

async fn reset(
    State(state): State<AppState>,
    ctx: Ctx,
    jar: CookieJar,
    Path(token): Path<String>,
    Form(form): Form<ResetForm>,
) -> AppResult<Response> {
    let Some((reset_id, user_id)) = reset_target(&state, ctx.school.id, &token).await? else {
        let page = render(&ResetPage {
            ctx,
            token,
            valid: false,
            error: String::new(),
        })?;
        return Ok((axum::http::StatusCode::GONE, page).into_response());
    };
    if form.password.chars().count() < MIN_PASSWORD {
        let error = ctx.t1("form-password-short", "min", MIN_PASSWORD);
        let page = render(&ResetPage {
            ctx,
            token,
            valid: true,
            error,
        })?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    // Single use: only the request that marks the token used may change the password.
    let claimed =
        sqlx::query("UPDATE password_resets SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
            .bind(now_ms())
            .bind(reset_id)
            .execute(&state.db.pool)
            .await?
            .rows_affected();
    if claimed != 1 {
        return Err(AppError::NotFound);
    }
    super::set_password(&state.db, ctx.school.id, user_id, &form.password).await?;
    sessions::delete_all_for(&state.db, &state.sessions, user_id).await?;
    let user = super::by_id(&state.db, ctx.school.id, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    start_session(&state, jar, &user, "/").await
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ProfileForm {
    display_name: String,
    email: String,
    timezone: String,
    language: String,
}

#[derive(askama::Template)]
#[template(path = "accounts/profile.html")]
struct ProfilePage {
    ctx: Ctx,
    form: ProfileForm,
    errors: FieldErrors,
    saved: bool,
    languages: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SavedQuery {
    saved: String,
}

async fn profile_page(ctx: Ctx, Query(q): Query<SavedQuery>) -> AppResult<Html<String>> {
    let u = ctx.require_user()?.clone();
    render(&ProfilePage {
        form: ProfileForm {
            display_name: u.display_name,
            email: u.email,
            timezone: u.timezone,
            language: u.language.unwrap_or_default(),
        },
        ctx,
        errors: FieldErrors::default(),
        saved: !q.saved.is_empty(),
        languages: crate::i18n::supported(),
    })
}

async fn profile(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(form): Form<ProfileForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    let mut errors = FieldErrors::default();
    if form.display_name.trim().is_empty() {
        errors.add("display_name", ctx.t("form-required"));
    }
    if !valid_email(&form.email) {
        errors.add("email", ctx.t("form-email-invalid"));
    }
    if !valid_timezone(&form.timezone) {
        errors.add("timezone", ctx.t("form-timezone-invalid"));
    }
    let languages = crate::i18n::supported();
    if !form.language.is_empty() && !languages.contains(&form.language) {
        errors.add("language", ctx.t("form-invalid-choice"));
    }
    if errors.is_empty() {
        let r = super::update_profile(
            &state.db,
            &state.sessions,
            &user,
            Profile {
                display_name: &form.display_name,
                email: &form.email,
                timezone: &form.timezone,
                language: Some(form.language.as_str()).filter(|l| !l.is_empty()),
            },
        )
        .await;
        match r {
            Ok(()) => return Ok(Redirect::to("/profile?saved=1").into_response()),
            Err(CreateUserError::EmailTaken) => errors.add("email", ctx.t("form-email-taken")),
            Err(CreateUserError::Other(e)) => return Err(e.into()),
        }
    }
    Ok(with_status(
        render(&ProfilePage {
            ctx,
            form,
            errors,
            saved: false,
            languages,
        })?,
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn next_is_never_offsite() {
        assert_eq!(super::safe_next("/courses/x"), "/courses/x");
        assert_eq!(
            super::safe_next("/courses/x?tab=2#live"),
            "/courses/x?tab=2#live"
        );
        for evil in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/%09/evil.example",
            "/\t/evil.example",
            "/%5C%5Cevil.example",
            "/x%0d%0aSet-Cookie:%20a=b",
            "/x\r\nLocation: https://evil.example",
            "/%2F/evil.example",
            "",
            "evil.example",
        ] {
            let to = super::safe_next(evil);
            assert!(
                to.starts_with('/') && !to.starts_with("//") && !to.contains(['\r', '\n', '\t']),
                "{evil:?} → {to:?}"
            );
        }
        assert_eq!(super::safe_next("/%09/evil.example"), "/");
        assert_eq!(super::safe_next("/x%0d%0aSet-Cookie:%20a=b"), "/");
    }
}
