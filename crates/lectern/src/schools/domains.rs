//! Which hosts a school answers to, and the links it sends out.
//!
//! A host routes to a school only once the claim is proven: an operator approves it on
//! the command line (`lectern admin approve-domain`), or the school was created with it by
//! the operator. Until then an admin's claim is pending and routes nowhere. Some hosts are
//! never a school's to claim: IP literals (in every spelling a browser reads as one),
//! `localhost` and its subdomains, and the base URL's host, which belongs to the default
//! school — otherwise a second school's admin could make the platform's own address serve
//! their school and sign in its users.
//!
//! Links (password resets, calendar feeds, reminders, Zoom's way back) are built from the
//! school's own origin: the base URL for the default school, the first approved domain
//! (same scheme and port as the base URL) for any other.

use url::Url;

use super::normalize_host;
use crate::db::{Db, now_ms};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Domain {
    pub host: String,
    pub verified: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    #[error("not a host name")]
    Invalid,
    #[error("reserved for the platform")]
    Reserved,
    #[error("another school has this host")]
    Taken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A DNS name of letters, digits and hyphens; what `Host` carries after normalising.
pub(crate) fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// Hosts no school may claim. `base_host` is the host of `LECTERN_BASE_URL`.
///
/// A browser parses a host whose last label is a number (decimal, octal or `0x` hex) as
/// IPv4 (WHATWG URL, "ends in a number"): `127.1`, `2130706433` and `0x7f.1` all mean
/// 127.0.0.1, so every such host is refused, not only dotted quads.
pub(crate) fn reserved(host: &str, base_host: &str) -> bool {
    let host = normalize_host(host);
    let last = host.rsplit('.').next().unwrap_or_default();
    let numeric = !last.is_empty()
        && (last.chars().all(|c| c.is_ascii_digit())
            || last
                .strip_prefix("0x")
                .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit())));
    numeric
        || host.contains(':')
        || host.parse::<std::net::IpAddr>().is_ok()
        || host == "localhost"
        || host.ends_with(".localhost")
        || host == normalize_host(base_host)
}

/// An admin's claim: stored pending (routes nowhere until approved).
pub async fn claim(db: &Db, school_id: i64, host: &str, base_host: &str) -> Result<(), ClaimError> {
    let host = normalize_host(host);
    if !valid_host(&host) {
        return Err(ClaimError::Invalid);
    }
    if reserved(&host, base_host) {
        return Err(ClaimError::Reserved);
    }
    let r = sqlx::query(
        "INSERT INTO school_domains (school_id, host, created_at) VALUES ($1, $2, $3) ON CONFLICT (host) DO NOTHING",
    )
    .bind(school_id)
    .bind(&host)
    .bind(now_ms())
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 {
        Ok(())
    } else {
        Err(ClaimError::Taken)
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Approval {
    Approved,
    AlreadyActive,
    /// Another school claimed it: the operator named the wrong school, or a school
    /// claimed a name it does not control first. Nothing changes.
    OtherSchool,
    NotClaimed,
}

/// The operator's word, for the school they checked: its claim on `host` routes from now.
pub async fn approve(db: &Db, host: &str, school_id: i64) -> sqlx::Result<Approval> {
    let host = normalize_host(host);
    let claim: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT school_id, verified_at FROM school_domains WHERE host = $1")
            .bind(&host)
            .fetch_optional(&db.pool)
            .await?;
    Ok(match claim {
        None => Approval::NotClaimed,
        Some((owner, _)) if owner != school_id => Approval::OtherSchool,
        Some((_, Some(_))) => Approval::AlreadyActive,
        Some(_) => {
            sqlx::query(
                "UPDATE school_domains SET verified_at = $1 WHERE host = $2 AND school_id = $3 AND verified_at IS NULL",
            )
            .bind(now_ms())
            .bind(&host)
            .bind(school_id)
            .execute(&db.pool)
            .await?;
            Approval::Approved
        }
    })
}

/// An operator's domain, routing at once (`lectern admin create-school --domain`). Refused
/// only when another school has it.
pub async fn add_verified(db: &Db, school_id: i64, host: &str) -> Result<(), ClaimError> {
    let host = normalize_host(host);
    if !valid_host(&host) && host.parse::<std::net::IpAddr>().is_err() {
        return Err(ClaimError::Invalid);
    }
    let now = now_ms();
    let r = sqlx::query(
        "INSERT INTO school_domains (school_id, host, created_at, verified_at) VALUES ($1, $2, $3, $3)
         ON CONFLICT (host) DO UPDATE SET verified_at = $3 WHERE school_domains.school_id = $1",
    )
    .bind(school_id)
    .bind(&host)
    .bind(now)
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 {
        Ok(())
    } else {
        Err(ClaimError::Taken)
    }
}

pub async fn list(db: &Db, school_id: i64) -> sqlx::Result<Vec<Domain>> {
    let rows: Vec<(String, Option<i64>)> = sqlx::query_as(
        "SELECT host, verified_at FROM school_domains WHERE school_id = $1 ORDER BY host",
    )
    .bind(school_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(host, v)| Domain {
            host,
            verified: v.is_some(),
        })
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum RemoveError {
    /// The base URL's host stays the default school's.
    #[error("the platform's own address")]
    Platform,
    /// A school other than the default one is reachable only through its active domains;
    /// removing the last would leave its admins no page to add another on.
    #[error("the school's last active domain")]
    LastActive,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// An admin's removal of one of their school's domains.
pub(crate) async fn remove_claim(
    db: &Db,
    school_id: i64,
    host: &str,
    base_host: &str,
) -> Result<(), RemoveError> {
    let host = normalize_host(host);
    if host == normalize_host(base_host) {
        return Err(RemoveError::Platform);
    }
    let (is_default, active, this_active): (i64, i64, i64) = sqlx::query_as(
        "SELECT s.is_default,
                (SELECT COUNT(*) FROM school_domains d WHERE d.school_id = s.id AND d.verified_at IS NOT NULL),
                (SELECT COUNT(*) FROM school_domains d WHERE d.school_id = s.id AND d.host = $2 AND d.verified_at IS NOT NULL)
         FROM schools s WHERE s.id = $1",
    )
    .bind(school_id)
    .bind(&host)
    .fetch_one(&db.pool)
    .await?;
    if is_default == 0 && this_active == 1 && active == 1 {
        return Err(RemoveError::LastActive);
    }
    remove(db, school_id, &host).await?;
    Ok(())
}

pub async fn remove(db: &Db, school_id: i64, host: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM school_domains WHERE school_id = $1 AND host = $2")
        .bind(school_id)
        .bind(normalize_host(host))
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// At start: the base URL's host belongs to the default school, and reserved hosts belong
/// to no other school (claims made before the rules existed are taken back, loudly).
pub async fn secure_reserved_hosts(db: &Db, base: &Url) -> sqlx::Result<()> {
    let base_host = base.host_str().unwrap_or_default().to_string();
    let Some(default) = super::default_school(db).await? else {
        return Ok(());
    };
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT school_id, host FROM school_domains WHERE school_id <> $1")
            .bind(default.id)
            .fetch_all(&db.pool)
            .await?;
    for (school_id, host) in rows {
        if reserved(&host, &base_host) {
            tracing::warn!(
                school_id,
                host,
                "a reserved host was claimed by a school that is not the default; it is removed"
            );
            remove(db, school_id, &host).await?;
        }
    }
    if !base_host.is_empty() {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO school_domains (school_id, host, created_at, verified_at) VALUES ($1, $2, $3, $3)
             ON CONFLICT (host) DO NOTHING",
        )
        .bind(default.id)
        .bind(normalize_host(&base_host))
        .bind(now)
        .execute(&db.pool)
        .await?;
    }
    Ok(())
}

/// An absolute URL on the school's own origin: a link mailed to a student of a school with
/// its own domain must open that school.
pub async fn school_url(db: &Db, base: &Url, school_id: i64, path: &str) -> sqlx::Result<String> {
    Ok(format!("{}{path}", origin(db, base, school_id).await?))
}

/// The origin a school's links are built on (no trailing slash).
pub async fn origin(db: &Db, base: &Url, school_id: i64) -> sqlx::Result<String> {
    let host: Option<String> = sqlx::query_scalar(
        "SELECT d.host FROM school_domains d JOIN schools s ON s.id = d.school_id
         WHERE d.school_id = $1 AND s.is_default = 0 AND d.verified_at IS NOT NULL
         ORDER BY d.verified_at, d.id LIMIT 1",
    )
    .bind(school_id)
    .fetch_optional(&db.pool)
    .await?;
    let mut url = base.clone();
    if let Some(h) = host
        && url.set_host(Some(&h)).is_err()
    {
        tracing::warn!(school_id, host = h, "a school's domain does not make a URL");
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_a_browser_reads_as_an_address_are_reserved() {
        for h in [
            "127.0.0.1",
            "127.1",
            "2130706433",
            "0x7f.1",
            "10.0.0.1:8080",
            "[::1]",
            "localhost",
            "LOCALHOST:80",
            "app.localhost",
            "learn.example.com",
        ] {
            assert!(reserved(h, "learn.example.com"), "{h} must be reserved");
        }
        for h in ["school.example.org", "a1.example", "0x7f.example"] {
            assert!(!reserved(h, "learn.example.com"), "{h} is a name");
        }
    }

    #[test]
    fn host_names_are_checked() {
        assert!(valid_host("learn.example.com"));
        assert!(!valid_host("-x.example"));
        assert!(!valid_host("a..b"));
        assert!(!valid_host("a b"));
        assert!(!valid_host(""));
    }
}
