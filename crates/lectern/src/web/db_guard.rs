//! The database guard, outside every page and API route: while the database is known to
//! be unreachable (`db::health`), a request waits for it only during the outage's first
//! [`RIDE_THROUGH`] (a fast restart is over by then) and is otherwise answered 503 with
//! `Retry-After` at once instead of waiting out the pool's acquire timeout; and a request
//! that met a lost connection makes the guard probe the database — if it answers (a
//! restart left dead connections behind, now discarded), or comes back within the
//! ride-through, a GET or HEAD, safe to repeat, is run once more. A GET or HEAD still in
//! its handler after [`SLOW`] makes the guard ask whether the database answers (one
//! shared probe, `Db::still_answers`): if nothing listens there, it is an outage like a
//! lost connection, and the request waits for the database's return no longer than the
//! ride-through in all. Without this, a request that must open a connection while the
//! server is gone waits out the pool's 10 s acquire timeout (the pool retries a refused
//! connect until then).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::{DB_UNAVAILABLE, DbConnectionLost, DbUnwritable};
use crate::db::Db;
use crate::db::health::{RIDE_THROUGH, SLOW};

/// Seconds a client is asked to wait while the database is down.
const RETRY_AFTER_SECS: u32 = 2;

/// The guard's state: the database, and whether slow requests are watched. Uploads are
/// not: their handlers run as long as the body streams in, and a database gone for a
/// moment while it does is met (and ridden through) when they write.
#[derive(Clone)]
pub struct Guard {
    pub db: Db,
    pub watch_slow: bool,
}

pub async fn layer(State(guard): State<Guard>, req: Request, next: Next) -> Response {
    let Guard { db, watch_slow } = guard;
    let path = req.uri().path();
    // Liveness, readiness (which reports the outage itself), metrics and assets need no
    // database.
    if matches!(path, "/healthz" | "/readyz" | "/metrics") || path.starts_with("/static/") {
        return next.run(req).await;
    }
    if db.health.is_down() && !db.health.ride_through().await {
        return unavailable(path.starts_with("/api/"));
    }
    let api = path.starts_with("/api/");
    let replay = matches!(*req.method(), Method::GET | Method::HEAD).then(|| copy_of(&req));
    // Only a GET or HEAD is given up on: another request's work may be committed by now,
    // and a 503 would have it sent again.
    let watch = watch_slow && replay.is_some() && db.watches_slow_requests();
    let started = tokio::time::Instant::now();
    let run = next.clone().run(req);
    let resp = if watch {
        tokio::pin!(run);
        tokio::select! {
            biased;
            resp = &mut run => resp,
            () = gone_while_slow(&db, started) => return unavailable(api),
        }
    } else {
        run.await
    };
    if resp.extensions().get::<DbUnwritable>().is_some() {
        db.health.unwritable();
    }
    if resp.extensions().get::<DbConnectionLost>().is_none() {
        return resp;
    }
    let back = db.connection_lost().await || (replay.is_some() && db.health.ride_through().await);
    match (back, replay) {
        (true, Some(again)) => {
            let resp = next.run(again).await;
            if resp.extensions().get::<DbConnectionLost>().is_some() {
                // Lost again at once: not a stale connection but an outage.
                db.connection_lost().await;
            }
            resp
        }
        (true, None) => resp,
        (false, _) => unavailable(api),
    }
}

/// Finishes only if the request should give up: it has run for [`SLOW`], nothing
/// listens where the database was, and it has not come back by the end of the
/// ride-through, counted from the request's start.
async fn gone_while_slow(db: &Db, started: tokio::time::Instant) {
    tokio::time::sleep_until(started + SLOW).await;
    if db.still_answers().await != Some(false) {
        return std::future::pending().await;
    }
    let back = tokio::time::timeout_at(started + RIDE_THROUGH, db.health.ride_through()).await;
    if matches!(back, Ok(true)) {
        // Back: the request's own connect succeeds now.
        std::future::pending::<()>().await;
    }
}

/// A bodiless request's copy (GET and HEAD carry no body here), extensions included: the
/// client's address and the connection's details travel in them.
fn copy_of(req: &Request) -> Request {
    let mut copy = Request::new(axum::body::Body::empty());
    *copy.method_mut() = req.method().clone();
    *copy.uri_mut() = req.uri().clone();
    *copy.version_mut() = req.version();
    *copy.headers_mut() = req.headers().clone();
    *copy.extensions_mut() = req.extensions().clone();
    copy
}

/// Rendered without the school's branding or language: both live in the database.
fn unavailable(api: bool) -> Response {
    plain_503(
        api,
        "unavailable",
        "Temporarily unavailable",
        DB_UNAVAILABLE,
        RETRY_AFTER_SECS,
    )
}

/// A bare 503 that needs nothing (no database, no templates): JSON in the API's error
/// shape under `/api/`, else a minimal page; `Retry-After` and `no-store` on both. The
/// database guard and the load shedder answer with it.
pub(crate) fn plain_503(
    api: bool,
    code: &str,
    title: &str,
    message: &str,
    retry_after_secs: u32,
) -> Response {
    let mut resp = if api {
        axum::Json(serde_json::json!({
            "error": {"code": code, "message": message, "fields": {}}
        }))
        .into_response()
    } else {
        axum::response::Html(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title></head>\
             <body style=\"font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem\">\
             <h1>{title}</h1><p>{message}</p>\
             <p><a href=\"\">Try again</a></p></body></html>"
        ))
        .into_response()
    };
    *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
