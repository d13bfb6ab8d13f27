//! Accounts: users and their roles in a school, database-backed sessions, password reset,
//! profiles, and the throttles on password checks and reset requests.

pub mod rate_limit;
mod resets;
pub mod routes;
pub mod session_cache;
pub mod sessions;

use std::sync::Arc;

use crate::config::Config;
use crate::db::{Db, now_ms};
use session_cache::SessionCache;

pub use resets::{RESET_TTL_MS, purge_expired_resets, store_reset};

/// What the account pages need.
#[derive(Clone, axum::extract::FromRef)]
pub struct AccountsState {
    pub db: Db,
    pub config: Arc<Config>,
    /// Live only while [`session_cache::follow_changes`] runs.
    pub sessions: Arc<SessionCache>,
}

impl AccountsState {
    pub fn secure_cookies(&self) -> bool {
        self.config.secure_cookies()
    }

    /// An absolute URL on the school's own origin (`schools::domains::school_url`).
    pub async fn school_url(&self, school_id: i64, path: &str) -> sqlx::Result<String> {
        crate::schools::domains::school_url(&self.db, &self.config.base_url, school_id, path).await
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Instructor,
    Student,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Instructor => "instructor",
            Role::Student => "student",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "instructor" => Some(Role::Instructor),
            "student" => Some(Role::Student),
            _ => None,
        }
    }
}

impl TryFrom<String> for Role {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Role::parse(&s).ok_or_else(|| format!("unknown role {s:?}"))
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub school_id: i64,
    pub email: String,
    pub display_name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub timezone: String,
    pub language: Option<String>,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
    /// Admins can do everything an instructor can.
    pub fn can_teach(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Instructor)
    }
}

pub(crate) const USER_COLUMNS: &str =
    "u.id, u.school_id, u.email, u.display_name, u.role, u.timezone, u.language";

pub(crate) fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A plausible e-mail address: one `@`, something on both sides, a dot in the domain.
pub fn valid_email(email: &str) -> bool {
    let email = email.trim();
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.contains(char::is_whitespace)
                && !email.contains(char::is_control)
                && email.len() <= 254
                && !domain.contains('@')
        }
        None => false,
    }
}

pub use crate::web::time::valid_timezone;

pub struct NewUser<'a> {
    pub school_id: i64,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub role: Role,
    pub timezone: &'a str,
    pub language: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("an account with this e-mail already exists")]
    EmailTaken,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub async fn create_user(db: &Db, new: NewUser<'_>) -> Result<i64, CreateUserError> {
    let hash = crate::crypto::password::hash(new.password.to_string()).await?;
    let res = sqlx::query_scalar::<_, i64>(
        "INSERT INTO users (school_id, email, email_norm, display_name, password_hash, role, timezone, language, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
         ON CONFLICT (school_id, email_norm) DO NOTHING RETURNING id",
    )
    .bind(new.school_id)
    .bind(new.email.trim())
    .bind(normalize_email(new.email))
    .bind(new.display_name.trim())
    .bind(hash)
    .bind(new.role.as_str())
    .bind(new.timezone)
    .bind(new.language)
    .bind(now_ms())
    .fetch_optional(&db.pool)
    .await
    .map_err(anyhow::Error::from)?;
    res.ok_or(CreateUserError::EmailTaken)
}

/// The school's admins (those told when something needs a person).
pub async fn admins(db: &Db, school_id: i64) -> sqlx::Result<Vec<User>> {
    sqlx::query_as::<_, User>(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.school_id = $1 AND u.role = 'admin' ORDER BY u.id"
    )))
    .bind(school_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn by_id(db: &Db, school_id: i64, id: i64) -> sqlx::Result<Option<User>> {
    sqlx::query_as::<_, User>(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.school_id = $1 AND u.id = $2"
    )))
    .bind(school_id)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn by_email(db: &Db, school_id: i64, email: &str) -> sqlx::Result<Option<User>> {
    sqlx::query_as::<_, User>(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.school_id = $1 AND u.email_norm = $2"
    )))
    .bind(school_id)
    .bind(normalize_email(email))
    .fetch_optional(&db.pool)
    .await
}

pub async fn list(db: &Db, school_id: i64) -> sqlx::Result<Vec<User>> {
    sqlx::query_as::<_, User>(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.school_id = $1 ORDER BY u.display_name, u.id"
    )))
    .bind(school_id)
    .fetch_all(&db.pool)
    .await
}

/// A user as the JSON API lists them, with when they joined and last changed.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserListed {
    #[sqlx(flatten)]
    pub user: User,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A keyset page of the school's users (`api/`): id above `after`, of `role` if given,
/// changed at or after `updated_since`, by id, at most `limit`.
pub async fn page(
    db: &Db,
    school_id: i64,
    role: Option<Role>,
    updated_since: Option<i64>,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<UserListed>> {
    sqlx::query_as::<_, UserListed>(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS}, u.created_at, COALESCE(u.updated_at, u.created_at) AS updated_at
         FROM users u
         WHERE u.school_id = $1 AND u.id > $2 AND ($3 = '' OR u.role = $3)
           AND COALESCE(u.updated_at, u.created_at) >= $4
         ORDER BY u.id LIMIT $5"
    )))
    .bind(school_id)
    .bind(after)
    .bind(role.map_or("", Role::as_str))
    .bind(updated_since.unwrap_or(i64::MIN))
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

/// One user of the school as [`page`] lists them.
pub async fn listed(db: &Db, school_id: i64, id: i64) -> sqlx::Result<Option<UserListed>> {
    sqlx::query_as::<_, UserListed>(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS}, u.created_at, COALESCE(u.updated_at, u.created_at) AS updated_at
         FROM users u WHERE u.school_id = $1 AND u.id = $2"
    )))
    .bind(school_id)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Changes a user's role; `cache` forgets their sessions, which carry the old role.
pub async fn set_role(
    db: &Db,
    cache: &SessionCache,
    school_id: i64,
    user_id: i64,
    role: Role,
) -> sqlx::Result<bool> {
    let r =
        sqlx::query("UPDATE users SET role = $1, updated_at = $4 WHERE school_id = $2 AND id = $3")
            .bind(role.as_str())
            .bind(school_id)
            .bind(user_id)
            .bind(now_ms())
            .execute(&db.pool)
            .await?;
    cache.forget_user(user_id);
    // Who coaches a course's 1-on-1 sessions follows roles (the courses' versions moved).
    db.viewers.forget(crate::db::viewers::Scope::All);
    Ok(r.rows_affected() == 1)
}

/// Checks a password; the hash is fetched here so it never leaves this module.
pub(crate) async fn check_password(
    db: &Db,
    school_id: i64,
    email: &str,
    password: &str,
) -> sqlx::Result<Option<User>> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, password_hash FROM users WHERE school_id = $1 AND email_norm = $2",
    )
    .bind(school_id)
    .bind(normalize_email(email))
    .fetch_optional(&db.pool)
    .await?;
    let Some((id, hash)) = row else {
        // Spend the same time as a real check so response times don't reveal accounts.
        crate::crypto::password::verify_dummy(password.to_string()).await;
        return Ok(None);
    };
    if crate::crypto::password::verify(password.to_string(), hash).await {
        by_id(db, school_id, id).await
    } else {
        Ok(None)
    }
}

/// Whether `password` is `user`'s (the signed-in user, already looked up).
pub(crate) async fn password_matches(db: &Db, user: &User, password: &str) -> sqlx::Result<bool> {
    let hash: Option<String> =
        sqlx::query_scalar("SELECT password_hash FROM users WHERE school_id = $1 AND id = $2")
            .bind(user.school_id)
            .bind(user.id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(match hash {
        Some(hash) => crate::crypto::password::verify(password.to_string(), hash).await,
        None => false,
    })
}

pub(crate) async fn set_password(
    db: &Db,
    school_id: i64,
    user_id: i64,
    password: &str,
) -> anyhow::Result<()> {
    let hash = crate::crypto::password::hash(password.to_string()).await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE school_id = $2 AND id = $3")
        .bind(hash)
        .bind(school_id)
        .bind(user_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub struct Profile<'a> {
    pub display_name: &'a str,
    pub email: &'a str,
    pub timezone: &'a str,
    pub language: Option<&'a str>,
}

pub async fn update_profile(
    db: &Db,
    cache: &SessionCache,
    user: &User,
    p: Profile<'_>,
) -> Result<(), CreateUserError> {
    let r = sqlx::query(
        "UPDATE users SET display_name = $1, email = $2, email_norm = $3, timezone = $4, language = $5, updated_at = $8
         WHERE school_id = $6 AND id = $7
           AND NOT EXISTS (SELECT 1 FROM users o WHERE o.school_id = $6 AND o.email_norm = $3 AND o.id <> $7)",
    )
    .bind(p.display_name.trim())
    .bind(p.email.trim())
    .bind(normalize_email(p.email))
    .bind(p.timezone)
    .bind(p.language)
    .bind(user.school_id)
    .bind(user.id)
    .bind(now_ms())
    .execute(&db.pool)
    .await
    .map_err(anyhow::Error::from)?;
    cache.forget_user(user.id);
    if user.can_teach() {
        // Their name is on the pages of the courses they teach (the courses' versions
        // moved with it); which those are is not worth a query for a rare change.
        db.viewers.forget(crate::db::viewers::Scope::All);
    }
    if r.rows_affected() == 0 {
        return Err(CreateUserError::EmailTaken);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked() {
        assert!(valid_email("a@b.co"));
        assert!(!valid_email("a@b"));
        assert!(!valid_email("@b.co"));
        assert!(!valid_email("a b@c.de"));
        assert!(!valid_email("a\0b@c.de"));
        assert_eq!(normalize_email(" Ann@X.org "), "ann@x.org");
    }

    #[test]
    fn timezones_are_iana() {
        assert!(valid_timezone("Europe/Berlin"));
        assert!(!valid_timezone("Mars/Olympus"));
    }
}
