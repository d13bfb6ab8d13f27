//! The request context every page needs: the school (from the `Host` header), the
//! signed-in user (from the session cookie), the CSRF token, the language and the viewer's
//! time zone. One middleware builds it, checks CSRF on state-changing requests, and turns
//! error markers into branded error pages.

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;

use super::error::{AppError, ErrorPage};
use crate::accounts::session_cache::SessionCache;
use crate::accounts::{User, sessions};
use crate::config::Config;
use crate::crypto::{ct_eq, random_token};
use crate::db::Db;
use crate::i18n::Tr;
use crate::schools::{HostCache, School};

/// What the context layer reads: schools by host, users by session.
#[derive(Clone)]
pub struct ContextState {
    pub db: Db,
    pub config: std::sync::Arc<Config>,
    pub schools: std::sync::Arc<HostCache>,
    pub sessions: std::sync::Arc<SessionCache>,
}

impl ContextState {
    fn secure_cookies(&self) -> bool {
        self.config.secure_cookies()
    }
}

/// Largest request body we read (forms, JSON). Bigger bodies get 413.
pub const MAX_BODY: usize = 1024 * 1024;

#[derive(Clone, Debug)]
pub struct Ctx {
    pub school: School,
    pub user: Option<User>,
    pub csrf: String,
    pub tr: Tr,
    pub tz: jiff::tz::TimeZone,
    pub tz_name: String,
    pub path: String,
    /// Keyed hash of the session cookie (never the cookie itself); binds OAuth `state`.
    pub session_id: Option<String>,
}

impl Ctx {
    pub fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }
    pub fn t1(&self, key: &str, name: &'static str, value: impl Into<crate::i18n::Arg>) -> String {
        self.tr.t1(key, name, value)
    }
    /// How a countdown writes its days ("{d}d", "{d} Tg."), for `static/app.js`.
    pub fn countdown_days(&self) -> String {
        crate::web::time::countdown_days_pattern(&self.tr)
    }
    pub fn is_admin(&self) -> bool {
        self.user.as_ref().is_some_and(User::is_admin)
    }
    pub fn can_teach(&self) -> bool {
        self.user.as_ref().is_some_and(User::can_teach)
    }
    pub fn signed_in(&self) -> bool {
        self.user.is_some()
    }
    pub fn user_name(&self) -> String {
        self.user
            .as_ref()
            .map(|u| u.display_name.clone())
            .unwrap_or_default()
    }
    /// The signed-in user, or the sign-in page.
    pub fn require_user(&self) -> Result<&User, AppError> {
        self.user.as_ref().ok_or(AppError::SignInRequired)
    }
    pub fn require_admin(&self) -> Result<&User, AppError> {
        let u = self.require_user()?;
        if u.is_admin() {
            Ok(u)
        } else {
            Err(AppError::Forbidden)
        }
    }
    pub fn require_teacher(&self) -> Result<&User, AppError> {
        let u = self.require_user()?;
        if u.can_teach() {
            Ok(u)
        } else {
            Err(AppError::Forbidden)
        }
    }
    /// An instant (epoch ms) in the viewer's time zone, e.g. "Tue, 24 Nov 2026, 14:00 CET".
    pub fn local_time(&self, ms: &i64) -> String {
        crate::web::time::format_in(*ms, &self.tz, &self.tr)
    }
    /// A day (epoch ms) in the viewer's time zone and language, e.g. "3 December 2026".
    pub fn local_date(&self, ms: &i64) -> String {
        let Ok(t) = jiff::Timestamp::from_millisecond(*ms) else {
            return String::new();
        };
        let d = t.to_zoned(self.tz.clone());
        self.tr.ta(
            "date-long",
            &[
                ("day", d.day().to_string()),
                ("month", self.tr.t(&format!("month-{}", d.month()))),
                ("year", d.year().to_string()),
            ],
        )
    }
    /// A language's own name ("Español"), for the profile's choice.
    pub fn language_name(&self, tag: &str) -> String {
        Tr::language_name(tag)
    }
    /// The visitor's language switcher: one link per language, each back to this page.
    pub fn language_links(&self) -> Vec<LanguageLink> {
        let back: String = url::form_urlencoded::byte_serialize(self.path.as_bytes()).collect();
        let current = self.tr.lang();
        crate::i18n::supported()
            .into_iter()
            .map(|tag| LanguageLink {
                href: format!("/lang?to={tag}&back={back}"),
                name: Tr::language_name(&tag),
                current: tag == current,
                tag,
            })
            .collect()
    }
    pub(crate) fn brand_color(&self) -> &str {
        &self.school.primary_color
    }
}

/// One entry of the language switcher.
pub struct LanguageLink {
    pub tag: String,
    pub name: String,
    pub href: String,
    pub current: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;
    /// Taken, not cloned: the handler is its only reader (the layer keeps its own for the
    /// error page), and a clone is a dozen strings copied on every page.
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .remove::<Ctx>()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("context layer missing")))
    }
}

/// Paths that receive server-to-server posts, authenticated by their own signatures; and
/// a campaign's one-click unsubscribe (RFC 8058: a mail client posts it without cookies,
/// and its signed token is what authenticates it).
fn csrf_exempt(path: &str) -> bool {
    path.starts_with("/webhooks/")
        || path.starts_with("/zoom/")
        || (path.starts_with("/u/") && path[3..].bytes().all(|b| b != b'/'))
}

pub async fn layer(State(state): State<ContextState>, req: Request, next: Next) -> Response {
    match build(&state, req).await {
        Ok((ctx, req, new_csrf)) => {
            let mut resp = next.run(req).await;
            if let Some(page) = resp.extensions().get::<ErrorPage>().cloned() {
                resp = render_error(&ctx, &page, resp);
            }
            // A response shared caches may keep (a public image) must not carry one
            // visitor's token to the next.
            let shared = resp
                .headers()
                .get(header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("public"));
            if new_csrf && !shared {
                let c = sessions::cookie(
                    sessions::csrf_cookie_name(state.secure_cookies()),
                    ctx.csrf.clone(),
                    state.secure_cookies(),
                    365,
                );
                if let Ok(v) = c.to_string().parse() {
                    resp.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            resp
        }
        Err((ctx, err)) => {
            let page = ErrorPage {
                status: err.status(),
                message_key: "",
                detail: None,
            };
            let resp = err.into_response();
            match ctx {
                Some(ctx) => {
                    let page = resp
                        .extensions()
                        .get::<ErrorPage>()
                        .cloned()
                        .unwrap_or(page);
                    render_error(&ctx, &page, resp)
                }
                None => resp,
            }
        }
    }
}

type BuildError = (Option<Ctx>, AppError);

async fn build(state: &ContextState, req: Request) -> Result<(Ctx, Request, bool), BuildError> {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let school = match state.schools.school_for(&state.db, &host).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Err((
                None,
                AppError::Internal(anyhow::anyhow!(
                    "no school exists yet; create one with `lectern admin create-school`"
                )),
            ));
        }
        Err(e) => return Err((None, e.into())),
    };
    let secure = state.secure_cookies();
    let jar = CookieJar::from_headers(req.headers());
    let session_cookie = jar
        .get(sessions::cookie_name(secure))
        .map(|c| c.value().to_string());
    let user = match &session_cookie {
        Some(token) => sessions::user_for(
            &state.db,
            &state.sessions,
            &state.config.secret_key,
            token,
            school.id,
        )
        .await
        .map_err(|e| (None, e.into()))?,
        None => None,
    };
    let session_id = session_cookie
        .filter(|_| user.is_some())
        .map(|t| state.config.secret_key.token_hash(&t));
    let existing_csrf = jar
        .get(sessions::csrf_cookie_name(secure))
        .map(|c| c.value().to_string())
        .filter(|v| v.len() >= 32);
    let new_csrf = existing_csrf.is_none();
    let csrf = existing_csrf.unwrap_or_else(random_token);

    // Profile (signed in) > the switcher's cookie > Accept-Language > English. A cookie
    // naming a language this build lacks is ignored rather than trusted.
    let tr = Tr::choose(
        user.as_ref()
            .and_then(|u| u.language.as_deref())
            .filter(|l| !l.is_empty())
            .or_else(|| {
                jar.get(crate::i18n::LANG_COOKIE)
                    .map(|c| c.value())
                    .filter(|l| crate::i18n::is_supported(l))
            }),
        header_str(req.headers(), header::ACCEPT_LANGUAGE),
    );
    let tz_name = user
        .as_ref()
        .map(|u| u.timezone.clone())
        .or_else(|| jar.get("lectern_tz").map(|c| c.value().to_string()))
        .filter(|tz| crate::web::time::valid_timezone(tz))
        .unwrap_or_else(|| school.default_timezone.clone());
    let tz = jiff::tz::TimeZone::get(&tz_name).unwrap_or(jiff::tz::TimeZone::UTC);
    let ctx = Ctx {
        school,
        user,
        csrf,
        tr,
        tz,
        tz_name,
        path: req.uri().path().to_string(),
        session_id,
    };

    if let Some(e) = control_char_in_target(req.uri()) {
        return Err((Some(ctx), e));
    }
    let mut req = req;
    if !is_safe(req.method()) && !csrf_exempt(req.uri().path()) {
        req = check_csrf(&ctx, req, new_csrf)
            .await
            .map_err(|e| (Some(ctx.clone()), e))?;
    }
    req.extensions_mut().insert(ctx.clone());
    Ok((ctx, req, new_csrf))
}

/// A control character (a NUL, say), percent-encoded in the path: no slug, token or file
/// has one in its name (PostgreSQL refuses a NUL outright, which made `/courses/%00/book`
/// a 500): a 404. A query's values are each handler's to check, so that a form's page can
/// say which field is wrong; one that reaches PostgreSQL unchecked is a 400
/// (`web::error`, `is_unstorable_text`), never a 500.
pub(crate) fn control_char_in_target(uri: &axum::http::Uri) -> Option<AppError> {
    let path = percent_encoding::percent_decode_str(uri.path()).decode_utf8_lossy();
    if super::form::has_control_char(&path) {
        return Some(AppError::NotFound);
    }
    None
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn header_str(h: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    h.get(name).and_then(|v| v.to_str().ok())
}

/// Double-submit check: the token in the form field `_csrf` (or the `x-csrf-token` header)
/// must equal the token in our HttpOnly cookie, which only our own pages can echo.
async fn check_csrf(ctx: &Ctx, req: Request, new_cookie: bool) -> Result<Request, AppError> {
    if new_cookie {
        return Err(AppError::Csrf);
    }
    if let Some(h) = header_str(
        req.headers(),
        header::HeaderName::from_static("x-csrf-token"),
    ) {
        return if ct_eq(h, &ctx.csrf) {
            Ok(req)
        } else {
            Err(AppError::Csrf)
        };
    }
    let is_form = header_str(req.headers(), header::CONTENT_TYPE)
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(AppError::Csrf);
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY)
        .await
        .map_err(|e| AppError::from_body_error(&e))?;
    let token = url::form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if !ct_eq(&token, &ctx.csrf) {
        return Err(AppError::Csrf);
    }
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    ctx: &'a Ctx,
    status: u16,
    message: String,
    detail: Option<String>,
}

fn render_error(ctx: &Ctx, page: &ErrorPage, original: Response) -> Response {
    if page.status == StatusCode::UNAUTHORIZED && !ctx.path.starts_with("/api/") {
        let next = url::form_urlencoded::byte_serialize(ctx.path.as_bytes()).collect::<String>();
        return Redirect::to(&format!("/signin?next={next}")).into_response();
    }
    let message = if page.message_key.is_empty() {
        ctx.t("error-internal")
    } else {
        ctx.t(page.message_key)
    };
    let mut resp = if ctx.path.starts_with("/api/") {
        axum::Json(serde_json::json!({
            "error": page.message_key,
            "message": message,
            "detail": page.detail,
        }))
        .into_response()
    } else {
        let tpl = ErrorTemplate {
            ctx,
            status: page.status.as_u16(),
            message,
            detail: page.detail.clone(),
        };
        match super::render(&tpl) {
            Ok(html) => html.status(page.status).into_response(),
            Err(_) => "error".into_response(),
        }
    };
    *resp.status_mut() = page.status;
    if let Some(lost) = original
        .extensions()
        .get::<super::error::DbConnectionLost>()
    {
        resp.extensions_mut().insert(*lost);
    }
    if let Some(unwritable) = original.extensions().get::<super::error::DbUnwritable>() {
        resp.extensions_mut().insert(*unwritable);
    }
    for name in [header::RETRY_AFTER, header::SET_COOKIE] {
        for v in original.headers().get_all(&name) {
            resp.headers_mut().append(&name, v.clone());
        }
    }
    resp
}
