//! The signed unsubscribe link of campaign mail: `/u/{school}.{user}.{mac}`, the MAC keyed
//! with the app's secret key (derived for this purpose only), so that the link names its
//! school and user and nobody can make one for someone else. GET shows a page with a
//! button (link scanners fetch links; they must not unsubscribe anyone); POST unsubscribes
//! without cookies or CSRF token (RFC 8058 one-click: the mail client posts
//! `List-Unsubscribe=One-Click`), answering 200.

use crate::crypto::{SecretKey, ct_eq};
use crate::db::{Db, now_ms};

const PURPOSE: &str = "lectern/campaign-unsubscribe";

pub fn token(key: &SecretKey, school_id: i64, user_id: i64) -> String {
    let mac = key.sign(PURPOSE, &format!("{school_id}:{user_id}"));
    format!("{school_id}.{user_id}.{mac}")
}

/// The (school, user) a genuine token names.
pub fn verify(key: &SecretKey, token: &str) -> Option<(i64, i64)> {
    let mut parts = token.splitn(3, '.');
    let school: i64 = parts.next()?.parse().ok()?;
    let user: i64 = parts.next()?.parse().ok()?;
    let mac = parts.next()?;
    let want = key.sign(PURPOSE, &format!("{school}:{user}"));
    ct_eq(mac, &want).then_some((school, user))
}

/// The absolute link on the school's own host.
pub(crate) async fn url(
    deps: &super::CampaignDeps,
    school_id: i64,
    user_id: i64,
) -> sqlx::Result<String> {
    let t = token(&deps.config.secret_key, school_id, user_id);
    crate::schools::domains::school_url(
        &deps.db,
        &deps.config.base_url,
        school_id,
        &format!("/u/{t}"),
    )
    .await
}

/// Unsubscribes (idempotent); mail of campaigns already written but not yet sent stays
/// unsent.
pub async fn unsubscribe(db: &Db, school_id: i64, user_id: i64) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO mail_unsubscribes (school_id, user_id, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (school_id, user_id) DO NOTHING",
    )
    .bind(school_id)
    .bind(user_id)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?;
    let unsent: Vec<i64> = sqlx::query_scalar(
        "SELECT r.email_id FROM campaign_recipients r JOIN emails e ON e.id = r.email_id
         WHERE r.school_id = $1 AND r.user_id = $2 AND e.status = 'queued'",
    )
    .bind(school_id)
    .bind(user_id)
    .fetch_all(&mut *tx)
    .await?;
    crate::email::cancel_queued(&mut tx, &unsent).await?;
    tx.commit().await
}

pub async fn is_unsubscribed(db: &Db, school_id: i64, user_id: i64) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM mail_unsubscribes WHERE school_id = $1 AND user_id = $2",
    )
    .bind(school_id)
    .bind(user_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_school_and_user_and_cannot_be_altered() {
        let key = SecretKey::parse(&crate::config::generate_secret_key()).unwrap();
        let t = token(&key, 3, 42);
        assert_eq!(verify(&key, &t), Some((3, 42)));
        let mac = t.rsplit('.').next().unwrap();
        assert_eq!(verify(&key, &format!("3.43.{mac}")), None);
        assert_eq!(verify(&key, &format!("4.42.{mac}")), None);
        let other = SecretKey::parse(&crate::config::generate_secret_key()).unwrap();
        assert_eq!(verify(&other, &t), None);
        assert_eq!(verify(&key, "garbage"), None);
    }
}
