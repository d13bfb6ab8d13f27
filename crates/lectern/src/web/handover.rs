//! A one-time hand-over across a redirect after a POST: what the POST did (a notice) or
//! made (a secret to be shown once) rides to the next GET of one page in a short-lived
//! cookie, sealed with the server's key and bound to the session and that page. The GET
//! that takes it clears it, so a reload shows nothing again and posts nothing again.
//! Nothing is kept on the server, so any instance can answer the GET.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use serde::{Deserialize, Serialize};

use crate::crypto::SecretKey;

/// How long a hand-over waits for its GET.
pub const MAX_AGE_SECS: i64 = 300;

pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-lectern_once"
    } else {
        "lectern_once"
    }
}

/// What the page shows once.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    /// The page (path) it is for.
    pub path: String,
    /// A Fluent key: what just happened.
    pub notice: Option<String>,
    /// A secret just made, shown this once.
    pub secret: Option<String>,
    /// Taken no later than this (ms).
    pub until: i64,
}

fn aad(session_id: &str) -> String {
    format!("handover:{session_id}")
}

fn cookie(secure: bool, value: String, max_age_secs: i64) -> HeaderValue {
    let mut c = Cookie::new(cookie_name(secure), value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(secure);
    c.set_max_age(time::Duration::seconds(max_age_secs));
    HeaderValue::from_str(&c.to_string()).expect("a cookie of url-safe characters")
}

/// A 303 to `path` that hands it `notice` and `secret` (for `session_id` only).
pub fn redirect(
    key: &SecretKey,
    secure: bool,
    session_id: &str,
    now_ms: i64,
    path: &str,
    notice: Option<&str>,
    secret: Option<String>,
) -> Response {
    let h = Handover {
        path: path.to_string(),
        notice: notice.map(str::to_string),
        secret,
        until: now_ms + MAX_AGE_SECS * 1000,
    };
    let plain = serde_json::to_vec(&h).expect("a hand-over serialises");
    let sealed = key.seal(&plain, &aad(session_id));
    // `Redirect::to` is a 303 See Other: the browser GETs the page.
    let mut resp = axum::response::Redirect::to(path).into_response();
    resp.headers_mut()
        .append(header::SET_COOKIE, cookie(secure, sealed, MAX_AGE_SECS));
    resp
}

/// The hand-over for `path` in the request's cookies, when it is this session's and in
/// time; with the `Set-Cookie` that clears it whenever the page takes it (or it is of no
/// use to anyone: unreadable, another session's, too old). One for another page is left.
pub fn take(
    key: &SecretKey,
    secure: bool,
    headers: &HeaderMap,
    session_id: Option<&str>,
    now_ms: i64,
    path: &str,
) -> (Option<Handover>, Option<HeaderValue>) {
    let jar = CookieJar::from_headers(headers);
    let Some(raw) = jar.get(cookie_name(secure)) else {
        return (None, None);
    };
    let clear = Some(cookie(secure, String::new(), 0));
    let Some(session_id) = session_id else {
        return (None, clear);
    };
    let opened = key
        .open(raw.value(), &aad(session_id))
        .ok()
        .and_then(|plain| serde_json::from_slice::<Handover>(&plain).ok());
    match opened {
        Some(h) if h.path != path && now_ms <= h.until => (None, None),
        Some(h) if now_ms <= h.until => (Some(h), clear),
        _ => (None, clear),
    }
}

/// [`redirect`] for the request's own session, as a handler answers a POST: a 303 to
/// `path` that hands it `notice` and `secret`. A signed-in request always has a session;
/// without one there is no one to hand to.
pub fn redirect_in_session(
    config: &crate::config::Config,
    ctx: &crate::web::context::Ctx,
    now_ms: i64,
    path: &str,
    notice: Option<&str>,
    secret: Option<String>,
) -> crate::web::AppResult<Response> {
    let session = ctx
        .session_id
        .as_deref()
        .ok_or(crate::web::AppError::SignInRequired)?;
    Ok(redirect(
        &config.secret_key,
        config.secure_cookies(),
        session,
        now_ms,
        path,
        notice,
        secret,
    ))
}

/// [`take`] for the request's own session, as the page at `path` does: what the POST
/// before handed it, and the `Set-Cookie` that clears it, to [`cleared`] on the page's
/// response.
pub fn take_in_session(
    config: &crate::config::Config,
    ctx: &crate::web::context::Ctx,
    headers: &HeaderMap,
    now_ms: i64,
    path: &str,
) -> (Option<Handover>, Option<HeaderValue>) {
    take(
        &config.secret_key,
        config.secure_cookies(),
        headers,
        ctx.session_id.as_deref(),
        now_ms,
        path,
    )
}

/// `resp` with the hand-over's cookie cleared, when [`take`] said to.
pub fn cleared(mut resp: Response, clear: Option<HeaderValue>) -> Response {
    if let Some(clear) = clear {
        resp.headers_mut().append(header::SET_COOKIE, clear);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers_with(resp: &Response) -> HeaderMap {
        let set = resp.headers().get(header::SET_COOKIE).unwrap();
        let pair = set.to_str().unwrap().split(';').next().unwrap().to_string();
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(&pair).unwrap());
        h
    }

    #[test]
    fn a_handover_reaches_its_page_in_its_session_once_in_time() {
        let key = SecretKey::parse(&crate::config::generate_secret_key()).unwrap();
        let resp = redirect(
            &key,
            false,
            "s1",
            1_000,
            "/p/1",
            Some("n"),
            Some("x".into()),
        );
        assert_eq!(resp.status(), axum::http::StatusCode::SEE_OTHER);
        assert_eq!(resp.headers()[header::LOCATION], "/p/1");
        let h = headers_with(&resp);
        let (got, clear) = take(&key, false, &h, Some("s1"), 2_000, "/p/1");
        let got = got.unwrap();
        assert_eq!(
            (got.notice.as_deref(), got.secret.as_deref()),
            (Some("n"), Some("x"))
        );
        assert!(clear.unwrap().to_str().unwrap().contains("Max-Age=0"));
        // Another page: left for its own.
        assert_eq!(
            take(&key, false, &h, Some("s1"), 2_000, "/p/2"),
            (None, None)
        );
        // Another session, too late, no session: nothing, and cleared.
        for (session, now) in [
            (Some("s2"), 2_000),
            (Some("s1"), 1_000 + MAX_AGE_SECS * 1000 + 1),
            (None, 2_000),
        ] {
            let (got, clear) = take(&key, false, &h, session, now, "/p/1");
            assert!(got.is_none() && clear.is_some());
        }
        // No cookie: nothing to clear.
        assert_eq!(
            take(&key, false, &HeaderMap::new(), Some("s1"), 2_000, "/p/1"),
            (None, None)
        );
    }
}
