//! Sign-up, sign-in, sign-out, password reset and the profile page.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;

use super::AccountsState;
use super::rate_limit;
use super::{
    CreateUserError, NewUser, Profile, Role, normalize_email, sessions, valid_email, valid_timezone,
};
use crate::crypto::random_token;
use crate::email::{self, Email};
use crate::i18n::Tr;
use crate::web::form::text_problem;
use crate::web::{
    AppError, AppResult, ClientIp, Ctx, FieldCheckedForm, FieldErrors, Form, Page, check_text,
    limits, render,
};

pub fn routes() -> Router<AccountsState> {
    Router::new()
        .route("/signup", get(signup_page).post(signup))
        .route("/signin", get(signin_page).post(signin))
        .route("/signout", post(signout))
        .route("/password/forgot", get(forgot_page).post(forgot))
        .route("/password/reset/{token}", get(reset_page).post(reset))
        .route("/profile", get(profile_page).post(profile))
        .route("/lang", get(switch_language))
        .route("/admin/users", get(users_page))
        .route("/admin/users/{id}/role", post(set_role))
}

const MIN_PASSWORD: usize = 10;
use super::RESET_TTL_MS;
/// The longest address SMTP carries.
const MAX_EMAIL: usize = 254;

/// What is wrong with `email` as an e-mail address, if anything.
fn email_problem(tr: &Tr, email: &str) -> Option<String> {
    text_problem(tr, email, MAX_EMAIL)
        .or_else(|| (!valid_email(email)).then(|| tr.t("form-email-invalid")))
}

/// A free-text problem in a form with one message for all fields: the message names the
/// field by its label.
fn labelled_problem(ctx: &Ctx, fields: &[(&str, &str, usize)]) -> Option<String> {
    fields.iter().find_map(|(label, value, max)| {
        text_problem(&ctx.tr, value, *max).map(|p| format!("{}: {p}", ctx.t(label)))
    })
}

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

async fn signup_page(ctx: Ctx) -> AppResult<Page> {
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
    State(state): State<AccountsState>,
    ctx: Ctx,
    jar: CookieJar,
    FieldCheckedForm(form): FieldCheckedForm<SignupForm>,
) -> AppResult<Response> {
    if !ctx.school.signup_allowed() {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::default();
    let tr = &ctx.tr;
    if check_text(
        &mut errors,
        tr,
        "display_name",
        &form.display_name,
        limits::NAME,
    ) && form.display_name.trim().is_empty()
    {
        errors.add("display_name", ctx.t("form-required"));
    }
    if let Some(e) = email_problem(tr, &form.email) {
        errors.add("email", e);
    }
    if check_text(
        &mut errors,
        tr,
        "password",
        &form.password,
        limits::PASSWORD,
    ) && form.password.chars().count() < MIN_PASSWORD
    {
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
                // The catalogue they land on says welcome once (and what to do next).
                let jar = jar.add(sessions::welcome_cookie(state.secure_cookies()));
                return start_session(&state, jar, &user, "/").await;
            }
            Err(CreateUserError::EmailTaken) => errors.add("email", ctx.t("form-email-taken")),
            Err(CreateUserError::Other(e)) => return Err(e.into()),
        }
    }
    let mut form = form;
    form.password.clear();
    Ok(render(&SignupPage { ctx, form, errors })?
        .status(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
        .into_response())
}

/// Rotates the session: any old session cookie is ended and a new id issued.
async fn start_session(
    state: &AccountsState,
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
    let jar = jar
        .add(sessions::cookie(
            sessions::cookie_name(secure),
            token,
            secure,
            sessions::max_age_days(),
        ))
        // A new CSRF token as well: one planted in the browser before sign-in (by a sibling
        // subdomain or a plain-http page, which may set our cookies) is worthless after it.
        .add(sessions::cookie(
            sessions::csrf_cookie_name(secure),
            random_token(),
            secure,
            365,
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

#[derive(Deserialize, Default)]
#[serde(default)]
struct LangQuery {
    to: String,
    back: String,
}

/// The visitors' language switcher (plain links, no script): remembers the choice in a
/// cookie for a year and goes back to the page it came from. `back` is followed only as a
/// path of this site, like sign-in's `next` (no open redirect); a signed-in user's profile
/// language still wins over the cookie.
async fn switch_language(
    State(state): State<AccountsState>,
    Query(q): Query<LangQuery>,
) -> AppResult<Response> {
    if !crate::i18n::is_supported(&q.to) {
        return Err(AppError::BadRequest(format!("unknown language {:?}", q.to)));
    }
    let secure = state.config.secure_cookies();
    let jar = CookieJar::new().add(sessions::cookie(
        crate::i18n::LANG_COOKIE,
        q.to,
        secure,
        365,
    ));
    Ok((jar, Redirect::to(&safe_next(&q.back))).into_response())
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

async fn signin_page(ctx: Ctx, Query(q): Query<NextQuery>) -> AppResult<Page> {
    render(&SigninPage {
        ctx,
        form: SigninForm {
            next: q.next,
            ..Default::default()
        },
        error: String::new(),
    })
}

/// The sign-in form again, without the password.
fn signin_again(ctx: Ctx, mut form: SigninForm, error: String) -> AppResult<Page> {
    form.password.clear();
    render(&SigninPage { ctx, form, error })
}

async fn signin(
    State(state): State<AccountsState>,
    ctx: Ctx,
    jar: CookieJar,
    client: ClientIp,
    FieldCheckedForm(form): FieldCheckedForm<SigninForm>,
) -> AppResult<Response> {
    // `next` needs no check: anything odd in it leads home (`safe_next`).
    let problem = labelled_problem(
        &ctx,
        &[
            ("field-email", &form.email, MAX_EMAIL),
            ("field-password", &form.password, limits::PASSWORD),
        ],
    );
    if let Some(error) = problem {
        return Ok(signin_again(ctx, form, error)?
            .status(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
            .into_response());
    }
    let attempt = rate_limit::sign_in(
        &state.db,
        ctx.school.id,
        &normalize_email(&form.email),
        &client.throttle_key(),
    )
    .await?;
    let attempt = match attempt {
        Ok(attempt) => attempt,
        Err(secs) => {
            let error = ctx.t1("throttle-wait", "seconds", secs);
            return Ok(signin_again(ctx, form, error)?
                .retry_after(secs)
                .into_response());
        }
    };
    match super::check_password(&state.db, ctx.school.id, &form.email, &form.password).await? {
        Some(user) => {
            attempt.succeeded(&state.db).await?;
            start_session(&state, jar, &user, &form.next).await
        }
        None => {
            attempt.failed(&state.db).await?;
            let error = ctx.t("signin-failed");
            Ok(signin_again(ctx, form, error)?
                .status(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
                .into_response())
        }
    }
}

async fn signout(State(state): State<AccountsState>, jar: CookieJar) -> AppResult<Response> {
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

async fn forgot_page(ctx: Ctx) -> AppResult<Page> {
    render(&ForgotPage {
        ctx,
        form: ForgotForm::default(),
        sent: false,
        error: String::new(),
    })
}

async fn forgot(
    State(state): State<AccountsState>,
    ctx: Ctx,
    client: ClientIp,
    FieldCheckedForm(form): FieldCheckedForm<ForgotForm>,
) -> AppResult<Response> {
    if let Some(error) = email_problem(&ctx.tr, &form.email) {
        return Ok(render(&ForgotPage {
            ctx,
            form,
            sent: false,
            error,
        })?
        .status(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
        .into_response());
    }
    // Counted per account *from this client* and per client, never per account alone: a
    // stranger's requests must not use up the owner's own (see `reset_mail_allowed`).
    let client = client.throttle_key();
    let buckets = [
        (
            format!(
                "reset:{}:{}:{client}",
                ctx.school.id,
                normalize_email(&form.email)
            ),
            &rate_limit::RESET_PER_ACCOUNT_AND_CLIENT,
        ),
        (
            format!("reset-client:{client}"),
            &rate_limit::RESET_PER_CLIENT,
        ),
    ];
    for (bucket, limit) in buckets {
        if let Err(secs) = rate_limit::hit(&state.db, &bucket, limit).await? {
            let error = ctx.t1("throttle-wait", "seconds", secs);
            let page = render(&ForgotPage {
                ctx,
                form,
                sent: false,
                error,
            })?;
            return Ok(page.retry_after(secs).into_response());
        }
    }
    // The page says the same whether or not the account exists, and whether or not a
    // mail went out.
    let user = super::by_email(&state.db, ctx.school.id, &form.email).await?;
    if let Some(user) = reset_mail_allowed(&state, user).await? {
        let token = random_token();
        let link = state
            .school_url(ctx.school.id, &format!("/password/reset/{token}"))
            .await?;
        let tr = crate::i18n::Tr::choose(user.language.as_deref(), None);
        let school_name = ctx.school.display_name.clone();
        let text = tr.ta(
            "reset-email-text",
            &[
                ("name", user.display_name.clone()),
                // The link itself is sealed beside the stored mail, never written into it.
                ("link", email::SECRET_LINK.to_string()),
                ("school", school_name.clone()),
            ],
        );
        let html = ResetEmailHtml {
            logo: crate::schools::branding::logo_for_email(
                &state.db,
                &state.config.base_url,
                ctx.school.id,
            )
            .await?,
            greeting: tr.t1("reset-email-greeting", "name", &user.display_name),
            body: tr.t1("reset-email-body", "school", &school_name),
            button: tr.t("reset-email-button"),
            footer: tr.t("reset-email-footer"),
            link: email::SECRET_LINK.to_string(),
        };
        let mut tx = state.db.pool.begin().await?;
        super::store_reset(
            &mut tx,
            &state.config.secret_key,
            ctx.school.id,
            user.id,
            &token,
        )
        .await?;
        email::queue_with_secret(
            &mut tx,
            &state.config.secret_key,
            ctx.school.id,
            Email {
                to: user.email.clone(),
                subject: tr.t1("reset-email-subject", "school", &school_name),
                tr: tr.clone(),
                text,
                html: askama::Template::render(&html)?,
                calendar: None,
            },
            email::SecretLink {
                user_id: user.id,
                url: link,
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

/// `user`, unless their account was sent `RESET_LINKS_PER_ACCOUNT` links within this
/// hour. Those links live an hour from their sending, so while no more are sent, the
/// owner already holds one that works: strangers can neither flood their inbox nor keep
/// them from resetting.
async fn reset_mail_allowed(
    state: &AccountsState,
    user: Option<super::User>,
) -> sqlx::Result<Option<super::User>> {
    let Some(user) = user else {
        return Ok(None);
    };
    let cap = rate_limit::Limit {
        max: rate_limit::RESET_LINKS_PER_ACCOUNT,
        window_secs: RESET_TTL_MS / 1000,
    };
    let bucket = format!("reset-mail:{}:{}", user.school_id, user.id);
    Ok(rate_limit::hit(&state.db, &bucket, &cap)
        .await?
        .is_ok()
        .then_some(user))
}

#[derive(askama::Template)]
#[template(path = "email/reset.html")]
struct ResetEmailHtml {
    /// The school's logo, absolute, if it has one.
    logo: Option<String>,
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

/// The reset row and user id of a token that is unused and unexpired.
async fn reset_target(
    state: &AccountsState,
    school_id: i64,
    token: &str,
) -> sqlx::Result<Option<(i64, i64)>> {
    super::resets::target(&state.db, &state.config.secret_key, school_id, token).await
}

async fn reset_page(
    State(state): State<AccountsState>,
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
    Ok(page.status(status).secret_in_url().into_response())
}

async fn reset(
    State(state): State<AccountsState>,
    ctx: Ctx,
    jar: CookieJar,
    Path(token): Path<String>,
    FieldCheckedForm(form): FieldCheckedForm<ResetForm>,
) -> AppResult<Response> {
    let Some((reset_id, user_id)) = reset_target(&state, ctx.school.id, &token).await? else {
        let page = render(&ResetPage {
            ctx,
            token,
            valid: false,
            error: String::new(),
        })?;
        // The token is still in this page's URL: no referrer, as on the GET.
        return Ok(page
            .status(axum::http::StatusCode::GONE)
            .secret_in_url()
            .into_response());
    };
    let problem = text_problem(&ctx.tr, &form.password, limits::PASSWORD).or_else(|| {
        (form.password.chars().count() < MIN_PASSWORD)
            .then(|| ctx.t1("form-password-short", "min", MIN_PASSWORD))
    });
    if let Some(error) = problem {
        let page = render(&ResetPage {
            ctx,
            token,
            valid: true,
            error,
        })?;
        return Ok(page
            .status(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
            .secret_in_url()
            .into_response());
    }
    // Single use: only the request that marks the token used may change the password.
    if !super::resets::claim(&state.db, reset_id).await? {
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
    /// Asked for only when the e-mail changes; never shown again.
    current_password: String,
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

async fn profile_page(ctx: Ctx, Query(q): Query<SavedQuery>) -> AppResult<Page> {
    let u = ctx.require_user()?.clone();
    render(&ProfilePage {
        form: ProfileForm {
            display_name: u.display_name,
            email: u.email,
            timezone: u.timezone,
            language: u.language.unwrap_or_default(),
            current_password: String::new(),
        },
        ctx,
        errors: FieldErrors::default(),
        saved: !q.saved.is_empty(),
        languages: crate::i18n::supported(),
    })
}

async fn profile(
    State(state): State<AccountsState>,
    ctx: Ctx,
    client: ClientIp,
    FieldCheckedForm(mut form): FieldCheckedForm<ProfileForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    let mut errors = FieldErrors::default();
    if check_text(
        &mut errors,
        &ctx.tr,
        "display_name",
        &form.display_name,
        limits::NAME,
    ) && form.display_name.trim().is_empty()
    {
        errors.add("display_name", ctx.t("form-required"));
    }
    if let Some(e) = email_problem(&ctx.tr, &form.email) {
        errors.add("email", e);
    }
    // Time zones and languages are choices: a control character is simply not one of them.
    if !valid_timezone(&form.timezone) {
        errors.add("timezone", ctx.t("form-timezone-invalid"));
    }
    let languages = crate::i18n::supported();
    if !form.language.is_empty() && !languages.contains(&form.language) {
        errors.add("language", ctx.t("form-invalid-choice"));
    }
    // The e-mail is where password resets go: whoever holds a session (a computer left
    // signed in, a stolen cookie) must not take the account for good by changing it.
    if errors.is_empty()
        && normalize_email(&form.email) != normalize_email(&user.email)
        && let Some(e) = current_password_problem(&state, &ctx, &user, &client, &form).await?
    {
        errors.add("current_password", e);
    }
    form.current_password.clear();
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
    Ok(render(&ProfilePage {
        ctx,
        form,
        errors,
        saved: false,
        languages,
    })?
    .status(axum::http::StatusCode::UNPROCESSABLE_ENTITY)
    .into_response())
}

/// Why `form.current_password` does not prove `user`, if it does not. Guesses count on
/// the same throttles as sign-in.
async fn current_password_problem(
    state: &AccountsState,
    ctx: &Ctx,
    user: &super::User,
    client: &ClientIp,
    form: &ProfileForm,
) -> AppResult<Option<String>> {
    if form.current_password.is_empty() {
        return Ok(Some(ctx.t("profile-password-needed")));
    }
    if let Some(p) = text_problem(&ctx.tr, &form.current_password, limits::PASSWORD) {
        return Ok(Some(p));
    }
    let attempt = rate_limit::sign_in(
        &state.db,
        user.school_id,
        &normalize_email(&user.email),
        &client.throttle_key(),
    )
    .await?;
    let attempt = match attempt {
        Ok(attempt) => attempt,
        Err(secs) => return Ok(Some(ctx.t1("throttle-wait", "seconds", secs))),
    };
    if super::password_matches(&state.db, user, &form.current_password).await? {
        attempt.succeeded(&state.db).await?;
        Ok(None)
    } else {
        attempt.failed(&state.db).await?;
        Ok(Some(ctx.t("profile-password-wrong")))
    }
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

// Admin → Users: everyone in the school and their roles.

#[derive(askama::Template)]
#[template(path = "accounts/users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<super::User>,
}

async fn users_page(State(state): State<AccountsState>, ctx: Ctx) -> AppResult<Page> {
    ctx.require_admin()?;
    let users = super::list(&state.db, ctx.school.id).await?;
    render(&UsersPage { ctx, users })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RoleForm {
    role: String,
}

async fn set_role(
    State(state): State<AccountsState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<RoleForm>,
) -> AppResult<Redirect> {
    let me = ctx.require_admin()?;
    let role = Role::parse(&form.role)
        .ok_or_else(|| AppError::BadRequest(ctx.t("form-invalid-choice")))?;
    if me.id == id && role != Role::Admin {
        // An admin cannot demote themselves and lock the school out.
        return Err(AppError::BadRequest(ctx.t("role-self-demote")));
    }
    if !super::set_role(&state.db, &state.sessions, ctx.school.id, id, role).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to("/admin/users"))
}
