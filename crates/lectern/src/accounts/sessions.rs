//! Sessions live in the database so that every app instance sees them. The cookie holds a
//! random token; the table holds only its keyed hash.

use axum_extra::extract::cookie::{Cookie, SameSite};

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

pub fn max_age_days() -> i64 {
    SESSION_DAYS
}

/// The signed-in user for a session token, only within `school_id`.
pub async fn user_for(
    db: &Db,
    key: &SecretKey,
    token: &str,
    school_id: i64,
) -> sqlx::Result<Option<User>> {
    sqlx::query_as::<_, User>(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.id = $1 AND s.school_id = $2 AND s.expires_at > $3"
    )))
    .bind(key.token_hash(token))
    .bind(school_id)
    .bind(now_ms())
    .fetch_optional(&db.pool)
    .await
}

pub async fn delete(db: &Db, key: &SecretKey, token: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(key.token_hash(token))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Ends every session of a user (after a password reset).
pub async fn delete_all_for(db: &Db, user_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}
