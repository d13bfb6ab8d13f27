//! The JSON API, `/api/v1` (docs/api.md): personal access tokens with scopes
//! ([`tokens`]), acting with their user's role in their own school; consistent error
//! bodies ([`error`]); cursor pages ([`page`]); `Idempotency-Key` on creates
//! ([`idempotency`]); a token bucket per token ([`rate`]). Handlers are thin: they check
//! the scope and the role, then call the owning capability's functions (`courses`,
//! `live`, `certificates`, `accounts`) — writes through the same store functions as the
//! editor, so the same `CourseHooks` run. The OpenAPI 3.1 document is generated from the handlers ([`router`]: each is
//! registered with the router and the document by one `routes!` call) and served at
//! `/api/v1/openapi.json`, with a reference page at `/api/v1/docs/`.
//!
//! - [`pages`]: Profile → API tokens (create, shown once; revoke).

pub mod certificates;
pub mod courses;
pub mod enrolments;
pub mod error;
pub mod idempotency;
pub mod lessons;
pub mod live;
pub mod page;
pub mod pages;
pub mod progress;
pub mod rate;
pub mod tokens;
pub mod users;

use std::sync::Arc;

use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::accounts::User;
use crate::config::Config;
use crate::courses::CourseHooks;
use crate::db::Db;
use crate::schools::HostCache;

pub use error::{ApiError, ApiResult};

/// What the API's handlers work with.
#[derive(Clone)]
pub struct ApiState {
    pub db: Db,
    pub config: Arc<Config>,
    pub schools: Arc<HostCache>,
    pub hooks: Arc<dyn CourseHooks>,
    pub limiter: Arc<rate::Limiter>,
}

/// Who is calling: the token's user, with their current role, in the host's school.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: User,
    pub token: tokens::Token,
}

impl Caller {
    /// The token must carry `scope` (403 naming it otherwise).
    pub fn need(&self, scope: &str) -> ApiResult<()> {
        if self.token.has(scope) {
            Ok(())
        } else {
            Err(ApiError::scope(scope))
        }
    }
}

/// The route layer of every `/api/v1` operation: the school by `Host`, the bearer token
/// (401), the token's bucket (429), then the handler; the rate headers on every answer.
pub async fn authenticate(State(state): State<ApiState>, mut req: Request, next: Next) -> Response {
    let caller = match caller(&state, req.headers().clone()).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let quota = match state
        .limiter
        .take(caller.token.id, std::time::Instant::now())
    {
        Ok(q) => q,
        Err(wait) => {
            let mut resp = ApiError::rate_limited(wait).into_response();
            let h = resp.headers_mut();
            h.insert(
                "ratelimit-limit",
                HeaderValue::from(state.limiter.burst as u64),
            );
            h.insert("ratelimit-remaining", HeaderValue::from(0u64));
            h.insert("ratelimit-reset", HeaderValue::from(wait));
            return resp;
        }
    };
    req.extensions_mut().insert(caller);
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    h.insert("ratelimit-limit", HeaderValue::from(quota.limit));
    h.insert("ratelimit-remaining", HeaderValue::from(quota.remaining));
    h.insert("ratelimit-reset", HeaderValue::from(quota.reset));
    resp
}

async fn caller(state: &ApiState, headers: axum::http::HeaderMap) -> ApiResult<Caller> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let Some(school) = state.schools.school_for(&state.db, host).await? else {
        return Err(ApiError::not_found("school at this address"));
    };
    let Some(auth) = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
    else {
        return Err(ApiError::unauthorized(
            "send a personal access token: Authorization: Bearer lct_…",
        ));
    };
    let Some(secret) = auth
        .strip_prefix("Bearer ")
        .or_else(|| auth.strip_prefix("bearer "))
    else {
        return Err(ApiError::unauthorized(
            "the Authorization header must be: Bearer <token>",
        ));
    };
    match tokens::authenticate(
        &state.db,
        &state.config.secret_key,
        school.id,
        secret.trim(),
    )
    .await?
    {
        Ok((token, user)) => Ok(Caller { user, token }),
        Err(tokens::Refused::Unknown) => Err(ApiError::unauthorized(
            "this token is not valid for this school",
        )),
        Err(tokens::Refused::Revoked) => Err(ApiError::unauthorized("this token was revoked")),
        Err(tokens::Refused::Expired) => Err(ApiError::unauthorized("this token has expired")),
    }
}

/// A JSON body: 415 without `Content-Type: application/json`, 400 when it is not JSON,
/// 422 naming the problem when it has the wrong shape (unknown fields included).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            let mut e = ApiError::bad_request("send the body as Content-Type: application/json");
            e.status = axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE;
            e.code = "unsupported_media_type";
            return Err(e);
        }
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_BODY) {
            return Err(too_large());
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|r| {
                let mut e = ApiError::bad_request(r.body_text());
                e.status = r.status();
                if r.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    return too_large();
                }
                e
            })?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        let value = T::deserialize(&mut de).and_then(|v| de.end().map(|()| v));
        match value {
            Ok(v) => Ok(ApiJson(v)),
            Err(e) if e.is_data() => Err(ApiError::field("body", e.to_string())),
            Err(e) => Err(ApiError::bad_request(format!(
                "the body is not valid JSON: {e}"
            ))),
        }
    }
}

fn too_large() -> ApiError {
    let mut e = ApiError::bad_request(format!("the body is over {} KiB", MAX_BODY / 1024));
    e.status = axum::http::StatusCode::PAYLOAD_TOO_LARGE;
    e.code = "too_large";
    e
}

/// The query string as `T`: 422 naming the problem (unknown parameters included).
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or_default();
        let pairs = url::form_urlencoded::parse(q.as_bytes());
        // The path names the parameter that was wrong (`limit=abc` → `limit`, an unknown
        // `colour=red` → `colour`); an error with no path is the query's.
        serde_path_to_error::deserialize(serde_urlencoded::Deserializer::new(pairs))
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let field = if path.is_empty() || path == "." {
                    "query".to_string()
                } else {
                    path
                };
                ApiError::field(&field, e.into_inner().to_string())
            })
    }
}

/// Messages of the editor's checks, in the token's user's language.
pub fn tr(caller: &Caller) -> crate::i18n::Tr {
    crate::i18n::Tr::choose(caller.user.language.as_deref(), None)
}

/// A path id: 404 unless it is a positive number.
pub fn path_id(raw: &str, what: &str) -> ApiResult<i64> {
    raw.parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| ApiError::not_found(what))
}

/// An instant as the API writes it: RFC 3339 in UTC, milliseconds.
pub fn instant(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| format!("{t:.3}"))
        .unwrap_or_default()
}

/// An instant given in a query parameter (RFC 3339): 422 naming `field` otherwise.
pub fn parse_instant(field: &str, raw: Option<&str>) -> ApiResult<Option<i64>> {
    raw.map(|r| {
        r.parse::<jiff::Timestamp>()
            .map(|t| t.as_millisecond())
            .map_err(|_| ApiError::field(field, "an RFC 3339 instant, e.g. 2026-12-01T09:00:00Z"))
    })
    .transpose()
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A personal access token (Profile → API tokens), valid on its school's host only.",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lectern API",
        version = "1",
        description = "Courses and lessons, enrolments, live sessions, progress, certificates and users of one school, for integrations.

**Authentication.** Send a personal access token, made under Profile → API tokens on this school's site: `Authorization: Bearer lct_…`. It acts with its user's current role, in this school only, and within its scopes (a scope missing is 403 `insufficient_scope`; a role that may not is 403 `forbidden`). Each token has a rate limit: every answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`; over it, 429 with `Retry-After` (seconds).

**Errors.** Every error answer is `{\"error\": {\"code\", \"message\", \"fields\"}}`: `code` is stable (`unauthorized`, `forbidden`, `insufficient_scope`, `not_found`, `invalid`, `rate_limited`, …), `message` is for people, and with `invalid` (422) `fields` names each bad field of the body or query.

**Pages.** A list answers `{\"data\": […], \"next_cursor\"}`: pass `next_cursor` as `cursor` for the next page, until it is `null`; `limit` is 1–100 (default 50).

**Creates** take an `Idempotency-Key` header: a repeat of the request gets the first answer again and creates nothing."
    ),
    security(("token" = [])),
    modifiers(&BearerAuth),
    components(schemas(error::ErrorBody))
)]
struct ApiDoc;

/// Every `/api/v1` operation, each registered with the router and the document at once.
pub fn operations() -> OpenApiRouter<ApiState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(courses::list, courses::create))
        .routes(routes!(courses::get, courses::update))
        .routes(routes!(lessons::list, lessons::create))
        .routes(routes!(lessons::update, lessons::remove))
        .routes(routes!(enrolments::list, enrolments::create))
        .routes(routes!(enrolments::remove))
        .routes(routes!(live::list))
        .routes(routes!(live::get))
        .routes(routes!(live::attendance))
        .routes(routes!(progress::course))
        .routes(routes!(progress::mine))
        .routes(routes!(certificates::list))
        .routes(routes!(certificates::verify))
        .routes(routes!(users::list))
        .routes(routes!(users::get))
}

/// The OpenAPI document, as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    operations().split_for_parts().1
}

/// `/api/v1`: the operations behind the token layer, the document and its reference
/// page, and JSON answers for unknown routes and methods.
pub fn router(state: ApiState) -> axum::Router {
    let (ops, doc) = operations().split_for_parts();
    let ops = ops
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authenticate,
        ))
        .with_state(state);
    // The document is served as the bytes it serializes to, made once: kept as utoipa's
    // structure (what `SwaggerUi::url` does) it holds 1.1 MB for a process's lifetime to
    // answer a request that seldom comes (the memory target after a class, `crates/bench`).
    let json =
        axum::body::Bytes::from(serde_json::to_vec(&doc).expect("the OpenAPI document serializes"));
    drop(doc);
    let docs: axum::Router = utoipa_swagger_ui::SwaggerUi::new("/api/v1/docs")
        .config(utoipa_swagger_ui::Config::new([OPENAPI_JSON]))
        .into();
    axum::Router::new()
        .merge(ops)
        .route(
            OPENAPI_JSON,
            axum::routing::get(move || async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    json.clone(),
                )
            }),
        )
        .merge(docs)
        // `{*rest}` matches one character or more: `/api/v1/` needs its own route, or it
        // would fall through to the web app's HTML 404.
        .route("/api/v1", axum::routing::any(error::no_route))
        .route("/api/v1/", axum::routing::any(error::no_route))
        .route("/api/v1/{*rest}", axum::routing::any(error::no_route))
        .method_not_allowed_fallback(error::no_method)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
}

/// Where the OpenAPI document is served (the reference page at `/api/v1/docs/` reads it).
const OPENAPI_JSON: &str = "/api/v1/openapi.json";

/// The largest JSON body an operation reads (413 `too_large` above it).
pub const MAX_BODY: usize = 64 * 1024;
