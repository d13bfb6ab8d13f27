//! Password-reset links: stored by their token's keyed hash, valid for an hour, used once.

use crate::crypto::SecretKey;
use crate::db::{Db, now_ms};

/// How long a password-reset link works.
pub const RESET_TTL_MS: i64 = 60 * 60 * 1000;

/// Stores a reset link's token (by its keyed hash) for `user_id`, valid for
/// [`RESET_TTL_MS`]. The token itself goes only to the user (by mail, or to the operator's
/// terminal with `lectern admin reset-link`).
pub async fn store_reset(
    conn: &mut sqlx::AnyConnection,
    key: &SecretKey,
    school_id: i64,
    user_id: i64,
    token: &str,
) -> sqlx::Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO password_resets (school_id, user_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(school_id)
    .bind(user_id)
    .bind(key.token_hash(token))
    .bind(now + RESET_TTL_MS)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes password-reset links that expired before `before` (the hourly maintenance).
pub async fn purge_expired_resets(db: &Db, before: i64) -> sqlx::Result<u64> {
    let r = sqlx::query("DELETE FROM password_resets WHERE expires_at < $1")
        .bind(before)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected())
}

/// The reset row and user id of a token that is unused and unexpired.
pub(super) async fn target(
    db: &Db,
    key: &SecretKey,
    school_id: i64,
    token: &str,
) -> sqlx::Result<Option<(i64, i64)>> {
    sqlx::query_as(
        "SELECT id, user_id FROM password_resets WHERE school_id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(school_id)
    .bind(key.token_hash(token))
    .bind(now_ms())
    .fetch_optional(&db.pool)
    .await
}

/// Marks the reset used; true only for the one request that did, so that a link changes
/// the password once.
pub(super) async fn claim(db: &Db, reset_id: i64) -> sqlx::Result<bool> {
    let claimed =
        sqlx::query("UPDATE password_resets SET used_at = $1 WHERE id = $2 AND used_at IS NULL")
            .bind(now_ms())
            .bind(reset_id)
            .execute(&db.pool)
            .await?
            .rows_affected();
    Ok(claimed == 1)
}
