//! Personal access tokens: created and revoked by their user (Profile → API tokens), shown
//! once, stored as a keyed hash (`crypto::SecretKey::token_hash`), with scopes, an expiry
//! and a last-used time written at most once a minute. A token acts with its user's
//! current role in its own school only: looked up by hash *and* the school of the host.

use crate::accounts::{self, User};
use crate::crypto::{SecretKey, random_token};
use crate::db::Db;

/// Every scope a token may carry, in the order the profile page lists them.
pub const SCOPES: [&str; 8] = [
    "courses:read",
    "courses:write",
    "enrolments:read",
    "enrolments:write",
    "live:read",
    "live:write",
    "progress:read",
    "users:read",
];

/// The scopes the profile page offers a role: those that let it do something. A student
/// manages no course and reads no user list; an instructor reads no user list. The page
/// refuses the others ([`beyond_role`]), as they would only mislead. (A token that has
/// more — its user's role changed since — is still accepted: a scope never widens a role,
/// the handlers check both.)
pub fn offered(role: crate::accounts::Role) -> Vec<&'static str> {
    use crate::accounts::Role;
    SCOPES
        .into_iter()
        .filter(|s| match role {
            Role::Admin => true,
            Role::Instructor => *s != "users:read",
            Role::Student => !matches!(
                *s,
                "users:read"
                    | "courses:write"
                    | "live:write"
                    | "enrolments:read"
                    | "enrolments:write"
            ),
        })
        .collect()
}

/// The known scopes in `scopes` that `role` can never use (not [`offered`] to it), in
/// canonical order: the profile page refuses each with a field error.
pub fn beyond_role(role: crate::accounts::Role, scopes: &[String]) -> Vec<&'static str> {
    let offered = offered(role);
    SCOPES
        .into_iter()
        .filter(|s| !offered.contains(s) && scopes.iter().any(|x| x == s))
        .collect()
}

/// Every token starts with this, so that secret scanners and people can recognise one.
pub const TOKEN_PREFIX: &str = "lct_";

/// How long a token may live at most, and the choices the profile page offers (days).
pub const MAX_DAYS: i64 = 366;
pub const DAY_CHOICES: [i64; 4] = [7, 30, 90, 366];

/// `last_used_at` is written only when the stored value is older than this.
pub const LAST_USED_GRANULARITY_MS: i64 = 60_000;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Token {
    pub id: i64,
    pub school_id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub scopes: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Token {
    pub fn has(&self, scope: &str) -> bool {
        self.scopes.split(' ').any(|s| s == scope)
    }
    pub fn scope_list(&self) -> Vec<&str> {
        self.scopes.split(' ').filter(|s| !s.is_empty()).collect()
    }
    pub fn is_active(&self, now: i64) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
    /// `active`, `revoked` or `expired` (a revoked token that has since expired too stays
    /// revoked): Profile → API tokens shows it as `api-token-state-{state}`.
    pub fn state(&self, now: i64) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if now < self.expires_at {
            "active"
        } else {
            "expired"
        }
    }
}

const COLUMNS: &str = "id, school_id, user_id, name, prefix, scopes, created_at, expires_at, last_used_at, revoked_at";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NewTokenError {
    #[error("give the token a name (at most 100 characters)")]
    Name,
    #[error("choose at least one scope")]
    NoScope,
    #[error("unknown scope {0}")]
    UnknownScope(String),
    #[error("a token lives between 1 and {MAX_DAYS} days")]
    Days,
}

/// Checks a new token's name, scopes and lifetime; the scopes come back in canonical order.
pub fn check_new(name: &str, scopes: &[String], days: i64) -> Result<String, NewTokenError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(NewTokenError::Name);
    }
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(NewTokenError::UnknownScope(bad.clone()));
    }
    let canonical: Vec<&str> = SCOPES
        .into_iter()
        .filter(|s| scopes.iter().any(|x| x == s))
        .collect();
    if canonical.is_empty() {
        return Err(NewTokenError::NoScope);
    }
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(NewTokenError::Days);
    }
    Ok(canonical.join(" "))
}

/// Creates a token for `user` and returns it with the secret, which is never stored and
/// so can be shown this once only.
pub async fn create(
    db: &Db,
    key: &SecretKey,
    user: &User,
    name: &str,
    scopes: &[String],
    days: i64,
) -> Result<Result<(Token, String), NewTokenError>, sqlx::Error> {
    let scopes = match check_new(name, scopes, days) {
        Ok(s) => s,
        Err(e) => return Ok(Err(e)),
    };
    let secret = format!("{TOKEN_PREFIX}{}", random_token());
    let prefix: String = secret.chars().take(TOKEN_PREFIX.len() + 6).collect();
    let now = db.now_ms();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO api_tokens (school_id, user_id, name, token_hash, prefix, scopes, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(user.school_id)
    .bind(user.id)
    .bind(name.trim())
    .bind(key.token_hash(&secret))
    .bind(&prefix)
    .bind(&scopes)
    .bind(now)
    .bind(now + days * 86_400_000)
    .fetch_one(&db.pool)
    .await?;
    let token = by_id(db, user.school_id, user.id, id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    Ok(Ok((token, secret)))
}

pub async fn by_id(db: &Db, school_id: i64, user_id: i64, id: i64) -> sqlx::Result<Option<Token>> {
    sqlx::query_as::<_, Token>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE school_id = $1 AND user_id = $2 AND id = $3"
    )))
    .bind(school_id)
    .bind(user_id)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// A user's tokens, newest first (revoked ones included, for the record).
pub async fn of_user(db: &Db, school_id: i64, user_id: i64) -> sqlx::Result<Vec<Token>> {
    sqlx::query_as::<_, Token>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE school_id = $1 AND user_id = $2 ORDER BY id DESC"
    )))
    .bind(school_id)
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// Revokes one of the user's own tokens; `false` if there is no such active token.
pub async fn revoke(db: &Db, school_id: i64, user_id: i64, id: i64) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $4
         WHERE school_id = $1 AND user_id = $2 AND id = $3 AND revoked_at IS NULL",
    )
    .bind(school_id)
    .bind(user_id)
    .bind(id)
    .bind(db.now_ms())
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Why a presented token is refused (all are 401; the message says which).
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    Unknown,
    Revoked,
    Expired,
}

/// The token and its user for a bearer secret presented on `school_id`'s host. A token of
/// another school is unknown here. Touches `last_used_at` at most once a minute.
pub async fn authenticate(
    db: &Db,
    key: &SecretKey,
    school_id: i64,
    secret: &str,
) -> sqlx::Result<Result<(Token, User), Refused>> {
    if !secret.starts_with(TOKEN_PREFIX) || secret.len() > 200 {
        return Ok(Err(Refused::Unknown));
    }
    let token = sqlx::query_as::<_, Token>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM api_tokens WHERE token_hash = $1 AND school_id = $2"
    )))
    .bind(key.token_hash(secret))
    .bind(school_id)
    .fetch_optional(&db.pool)
    .await?;
    let Some(token) = token else {
        return Ok(Err(Refused::Unknown));
    };
    let now = db.now_ms();
    if token.revoked_at.is_some() {
        return Ok(Err(Refused::Revoked));
    }
    if now >= token.expires_at {
        return Ok(Err(Refused::Expired));
    }
    let Some(user) = accounts::by_id(db, school_id, token.user_id).await? else {
        return Ok(Err(Refused::Unknown));
    };
    if token
        .last_used_at
        .is_none_or(|at| now - at >= LAST_USED_GRANULARITY_MS)
    {
        // Conditional, so concurrent requests write it once.
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1
             WHERE id = $2 AND (last_used_at IS NULL OR last_used_at <= $3)",
        )
        .bind(now)
        .bind(token.id)
        .bind(now - LAST_USED_GRANULARITY_MS)
        .execute(&db.pool)
        .await?;
    }
    Ok(Ok((token, user)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn new_tokens_are_checked_and_scopes_made_canonical() {
        assert_eq!(
            check_new("CRM", &s(&["live:read", "courses:read", "live:read"]), 30),
            Ok("courses:read live:read".to_string())
        );
        assert_eq!(
            check_new(" ", &s(&["courses:read"]), 30),
            Err(NewTokenError::Name)
        );
        assert_eq!(check_new("x", &[], 30), Err(NewTokenError::NoScope));
        assert_eq!(
            check_new("x", &s(&["admin"]), 30),
            Err(NewTokenError::UnknownScope("admin".into()))
        );
        assert_eq!(
            check_new("x", &s(&["users:read"]), 0),
            Err(NewTokenError::Days)
        );
        assert_eq!(
            check_new("x", &s(&["users:read"]), 367),
            Err(NewTokenError::Days)
        );
    }

    #[test]
    fn a_role_is_refused_the_scopes_it_can_never_use() {
        use crate::accounts::Role;
        let all = s(&SCOPES);
        assert!(beyond_role(Role::Admin, &all).is_empty());
        assert_eq!(beyond_role(Role::Instructor, &all), vec!["users:read"]);
        assert_eq!(
            beyond_role(
                Role::Student,
                &s(&["users:read", "live:read", "courses:write", "x"])
            ),
            vec!["courses:write", "users:read"]
        );
        assert!(beyond_role(Role::Student, &s(&["courses:read", "progress:read"])).is_empty());
    }
}
