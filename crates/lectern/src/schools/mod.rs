//! Schools (tenants): branding, sign-up policy, custom domains, and routing a request to
//! its school by the `Host` header.

pub mod branding;
pub mod domains;
pub mod routes;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::db::{Db, flag, now_ms};

/// What the school settings pages need.
#[derive(Clone)]
pub struct SchoolsState {
    pub db: Db,
    pub config: Arc<Config>,
    /// This instance's `Host` → school cache, cleared when a domain or branding changes.
    pub schools: Arc<HostCache>,
    /// The logo and favicon uploads.
    pub files: crate::files::Files,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct School {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub display_name: String,
    pub logo_url: Option<String>,
    /// The uploaded favicon's path, if any.
    pub favicon_url: Option<String>,
    pub primary_color: String,
    pub signup_open: i64,
    pub default_timezone: String,
    pub is_default: i64,
}

impl School {
    pub fn signup_allowed(&self) -> bool {
        flag(self.signup_open)
    }
}

const COLUMNS: &str = "s.id, s.slug, s.name, s.display_name, s.logo_url, s.favicon_url, s.primary_color, s.signup_open, s.default_timezone, s.is_default";

pub struct NewSchool<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub is_default: bool,
}

/// Every request needs its school; this short-lived per-instance cache saves two queries
/// per request. Changes made on this instance clear it at once; another instance sees a
/// branding or domain change within `TTL`.
#[derive(Default)]
pub struct HostCache {
    map: Mutex<HashMap<String, (Instant, School)>>,
}

impl HostCache {
    const TTL: Duration = Duration::from_secs(5);

    pub async fn school_for(&self, db: &Db, host: &str) -> sqlx::Result<Option<School>> {
        let key = normalize_host(host);
        if let Some((at, s)) = self.lock().get(&key)
            && at.elapsed() < Self::TTL
        {
            return Ok(Some(s.clone()));
        }
        let found = for_host(db, &key).await?;
        if let Some(s) = &found {
            let mut map = self.lock();
            if map.len() > 10_000 {
                map.clear(); // unbounded Host headers must not grow memory
            }
            map.insert(key, (Instant::now(), s.clone()));
        }
        Ok(found)
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, School)>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Finds the school for a request host (port stripped): the school whose approved domain
/// it is, else the default school (whose own host, the base URL's, no other school can
/// claim; see [`domains`]).
pub async fn for_host(db: &Db, host: &str) -> sqlx::Result<Option<School>> {
    let host = normalize_host(host);
    let by_domain = sqlx::query_as::<_, School>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM schools s JOIN school_domains d ON d.school_id = s.id WHERE d.host = $1 AND d.verified_at IS NOT NULL"
    )))
    .bind(&host)
    .fetch_optional(&db.pool)
    .await?;
    if by_domain.is_some() {
        return Ok(by_domain);
    }
    default_school(db).await
}

pub(crate) async fn default_school(db: &Db) -> sqlx::Result<Option<School>> {
    sqlx::query_as::<_, School>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM schools s ORDER BY s.is_default DESC, s.id LIMIT 1"
    )))
    .fetch_optional(&db.pool)
    .await
}

#[derive(Debug, thiserror::Error)]
pub enum DeleteSchoolError {
    #[error("the default school answers for unknown hosts; make another school the default first")]
    Default,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Deletes a school and everything in it (rows cascade from `schools`); its uploaded files
/// are deleted by jobs that outlive it. Zoom meetings already created stay in the
/// school's own Zoom account.
pub async fn delete(db: &Db, school: &School) -> Result<(), DeleteSchoolError> {
    if school.is_default != 0 {
        return Err(DeleteSchoolError::Default);
    }
    let mut tx = db.pool.begin().await?;
    crate::files::forget_school(&mut tx, crate::db::SchoolId(school.id)).await?;
    sqlx::query("DELETE FROM schools WHERE id = $1")
        .bind(school.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn by_id(db: &Db, id: i64) -> sqlx::Result<Option<School>> {
    sqlx::query_as::<_, School>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM schools s WHERE s.id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

pub async fn by_slug(db: &Db, slug: &str) -> sqlx::Result<Option<School>> {
    sqlx::query_as::<_, School>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM schools s WHERE s.slug = $1"
    )))
    .bind(slug)
    .fetch_optional(&db.pool)
    .await
}

pub async fn create(db: &Db, new: NewSchool<'_>) -> sqlx::Result<i64> {
    let mut tx = db.pool.begin().await?;
    if new.is_default {
        sqlx::query("UPDATE schools SET is_default = 0")
            .execute(&mut *tx)
            .await?;
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO schools (slug, name, display_name, is_default, created_at) VALUES ($1, $2, $2, $3, $4) RETURNING id",
    )
    .bind(new.slug)
    .bind(new.name)
    .bind(i64::from(new.is_default))
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub(crate) struct Branding<'a> {
    pub display_name: &'a str,
    pub logo_url: Option<&'a str>,
    pub primary_color: &'a str,
    pub signup_open: bool,
    pub default_timezone: &'a str,
}

pub(crate) async fn update_branding(db: &Db, school_id: i64, b: Branding<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE schools SET display_name = $1, logo_url = $2, primary_color = $3, signup_open = $4, default_timezone = $5 WHERE id = $6",
    )
    .bind(b.display_name)
    .bind(b.logo_url)
    .bind(b.primary_color)
    .bind(i64::from(b.signup_open))
    .bind(b.default_timezone)
    .bind(school_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Which image of the school's branding an upload sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrandImage {
    Logo,
    Favicon,
}

/// Points the school's logo or favicon at `url` (`None`: none).
pub(crate) async fn set_brand_image(
    db: &Db,
    school_id: i64,
    which: BrandImage,
    url: Option<&str>,
) -> sqlx::Result<()> {
    let sql = match which {
        BrandImage::Logo => "UPDATE schools SET logo_url = $1 WHERE id = $2",
        BrandImage::Favicon => "UPDATE schools SET favicon_url = $1 WHERE id = $2",
    };
    sqlx::query(sql)
        .bind(url)
        .bind(school_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub(crate) fn normalize_host(host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    // Strip a port, but keep IPv6 literals intact.
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default().to_string();
    }
    host.rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map(|(h, _)| h.to_string())
        .unwrap_or(host)
}

/// A colour safe to put in a style attribute: `#rgb` or `#rrggbb` only.
pub(crate) fn valid_color(c: &str) -> bool {
    let hex = c.strip_prefix('#').unwrap_or("");
    matches!(hex.len(), 3 | 6) && hex.chars().all(|c| c.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalized() {
        assert_eq!(
            normalize_host("Learn.Example.com:8080"),
            "learn.example.com"
        );
        assert_eq!(normalize_host("[::1]:80"), "::1");
        assert_eq!(normalize_host("localhost"), "localhost");
    }

    #[test]
    fn colours_are_checked() {
        assert!(valid_color("#3b5bdb"));
        assert!(valid_color("#fff"));
        assert!(!valid_color("red;background:url(x)"));
        assert!(!valid_color("#12345g"));
    }
}
