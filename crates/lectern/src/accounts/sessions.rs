//! Sessions live in the database so that every app instance sees them. The cookie holds a
//! random token; the table holds only its keyed hash. Lookups go through the instance's
//! [`SessionCache`] (live on PostgreSQL while subscribed to changes).

use axum_extra::extract::cookie::{Cookie, SameSite};

use super::session_cache::SessionCache;
use super::{USER_COLUMNS, User};
use crate::crypto::{SecretKey, random_token};
use crate::db::{Db, now_ms};

const SESSION_DAYS: i64 = 30;

pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-lectern_session"
    } else {
        "lectern_session"
    }
}

pub fn csrf_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-lectern_csrf"
    } else {
        "lectern_csrf"
    }
}

/// Builds a cookie with our attributes: HttpOnly, SameSite=Lax, Path=/, Secure on https.
pub fn cookie(
    name: &'static str,
    value: String,
    secure: bool,
    max_age_days: i64,
) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(secure);
    c.set_max_age(time_duration_days(max_age_days));
    c
}

/// Set at sign-up and read once by the page the new user lands on (the catalogue), which
/// shows a welcome notice and removes it. Carries nothing but "just signed up".
pub const WELCOME_COOKIE: &str = "lectern_welcome";

/// The welcome cookie: gone by itself after ten minutes if no page read it.
pub fn welcome_cookie(secure: bool) -> Cookie<'static> {
    let mut c = cookie(WELCOME_COOKIE, "1".to_string(), secure, 0);
    c.set_max_age(time::Duration::minutes(10));
    c
}

/// What removes the welcome cookie (same name and path).
pub fn welcome_removal() -> Cookie<'static> {
    let mut c = Cookie::new(WELCOME_COOKIE, "");
    c.set_path("/");
    c
}

fn time_duration_days(days: i64) -> time::Duration {
    time::Duration::days(days)
}

/// Starts a session for `user` and returns the cookie value. Callers delete any previous
/// session first, which is what rotates the id at sign-in.
pub async fn create(db: &Db, key: &SecretKey, user: &User) -> sqlx::Result<String> {
    let token = random_token();
    let now = now_ms();
    sqlx::query("INSERT INTO sessions (id, school_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(key.token_hash(&token))
        .bind(user.school_id)
        .bind(user.id)
        .bind(now)
        .bind(now + SESSION_DAYS * 86_400_000)
        .execute(&db.pool)
        .await?;
    Ok(token)
}

pub(crate) fn max_age_days() -> i64 {
    SESSION_DAYS
}

#[derive(sqlx::FromRow)]
struct SessionUser {
    #[sqlx(flatten)]
    user: User,
    expires_at: i64,
}

/// The signed-in user for a session token, only within `school_id`; from `cache` while it
/// is live, else from the database.
pub async fn user_for(
    db: &Db,
    cache: &SessionCache,
    key: &SecretKey,
    token: &str,
    school_id: i64,
) -> sqlx::Result<Option<User>> {
    let hash = key.token_hash(token);
    let now = now_ms();
    let ticket = match cache.get(&hash, school_id, now) {
        Ok(user) => return Ok(Some(user)),
        Err(ticket) => ticket,
    };
    let row = sqlx::query_as::<_, SessionUser>(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS}, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id = $1 AND s.school_id = $2 AND s.expires_at > $3"
    )))
    .bind(&hash)
    .bind(school_id)
    .bind(now)
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| {
        cache.put(ticket, hash, r.user.clone(), r.expires_at);
        r.user
    }))
}

pub async fn delete(
    db: &Db,
    cache: &SessionCache,
    key: &SecretKey,
    token: &str,
) -> sqlx::Result<()> {
    let hash = key.token_hash(token);
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(&hash)
        .execute(&db.pool)
        .await?;
    cache.forget_session(&hash);
    Ok(())
}

/// Ends every session of a user (after a password reset).
pub async fn delete_all_for(db: &Db, cache: &SessionCache, user_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    cache.forget_user(user_id);
    Ok(())
}

/// Deletes sessions that expired before `before` (the hourly maintenance).
pub async fn purge_expired(db: &Db, before: i64) -> sqlx::Result<u64> {
    let r = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(before)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected())
}
