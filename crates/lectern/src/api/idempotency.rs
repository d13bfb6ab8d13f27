//! `Idempotency-Key` on creates: the key is claimed by an insert that is the first
//! statement of the creating transaction, and the response is stored in that same
//! transaction. A concurrent request with the key waits on the claim (PostgreSQL's unique
//! index, SQLite's write lock) and then finds the stored response: the create happens
//! exactly once and every replay gets the same status and body. Keys belong to the
//! token's user in its school; the same key with another request is refused (422).

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::Digest;

use super::{ApiError, ApiResult};
use crate::db::Db;

pub const HEADER: &str = "idempotency-key";

/// The key a request carries, checked: 1–255 visible ASCII characters.
pub fn key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get(HEADER) else {
        return Ok(None);
    };
    let bad = || ApiError::field("Idempotency-Key", "1 to 255 visible ASCII characters");
    let s = v.to_str().map_err(|_| bad())?;
    if s.is_empty() || s.len() > 255 || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad());
    }
    Ok(Some(s.to_string()))
}

/// What a key is bound to: the method, the path and the body.
pub fn fingerprint(method: &str, path: &str, body: &serde_json::Value) -> String {
    hex::encode(sha2::Sha256::digest(
        format!("{method} {path}\n{body}").as_bytes(),
    ))
}

/// Claims `key` in `tx`: `true` when this request is the first with it.
pub async fn claim(
    tx: &mut sqlx::AnyConnection,
    school_id: i64,
    user_id: i64,
    key: &str,
    fingerprint: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "INSERT INTO api_idempotency (school_id, user_id, idem_key, fingerprint, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (school_id, user_id, idem_key) DO NOTHING",
    )
    .bind(school_id)
    .bind(user_id)
    .bind(key)
    .bind(fingerprint)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Stores the response of the claimed key, in the creating transaction.
pub async fn store(
    tx: &mut sqlx::AnyConnection,
    school_id: i64,
    user_id: i64,
    key: &str,
    status: StatusCode,
    body: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE api_idempotency SET status = $4, body = $5
         WHERE school_id = $1 AND user_id = $2 AND idem_key = $3",
    )
    .bind(school_id)
    .bind(user_id)
    .bind(key)
    .bind(i64::from(status.as_u16()))
    .bind(body)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The stored answer for a key already used: the same response again (with
/// `Idempotent-Replayed: true`), 422 if the key came with another request, 409 while the
/// first is still running.
pub async fn replay(
    db: &Db,
    school_id: i64,
    user_id: i64,
    key: &str,
    fingerprint: &str,
) -> ApiResult<Response> {
    let row: Option<(String, Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT fingerprint, status, body FROM api_idempotency
         WHERE school_id = $1 AND user_id = $2 AND idem_key = $3",
    )
    .bind(school_id)
    .bind(user_id)
    .bind(key)
    .fetch_optional(&db.pool)
    .await?;
    let Some((stored, status, body)) = row else {
        return Err(ApiError::conflict(
            "a request with this Idempotency-Key is in progress; retry",
        ));
    };
    if stored != fingerprint {
        return Err(ApiError::field(
            "Idempotency-Key",
            "already used with another request",
        ));
    }
    let (Some(status), Some(body)) = (status, body) else {
        return Err(ApiError::conflict(
            "a request with this Idempotency-Key is in progress; retry",
        ));
    };
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut resp = (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response();
    resp.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(resp)
}

/// A request's key and the fingerprint it is bound to.
pub struct Keyed {
    pub key: String,
    pub fingerprint: String,
}

/// The key a create carries, bound to its method, path and body.
pub fn keyed(
    headers: &HeaderMap,
    method: &str,
    path: &str,
    body: &impl serde::Serialize,
) -> ApiResult<Option<Keyed>> {
    let Some(key) = key(headers)? else {
        return Ok(None);
    };
    let body = serde_json::to_value(body).map_err(ApiError::internal)?;
    Ok(Some(Keyed {
        key,
        fingerprint: fingerprint(method, path, &body),
    }))
}

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Begins a creating transaction; with a key, its claim is the first statement. A key
/// seen before gets the stored answer instead (`Err`), and nothing is created.
pub async fn begin(
    db: &Db,
    school_id: i64,
    user_id: i64,
    keyed: Option<&Keyed>,
) -> ApiResult<Result<Tx, Response>> {
    let mut tx = db.pool.begin().await?;
    if let Some(k) = keyed
        && !claim(
            &mut tx,
            school_id,
            user_id,
            &k.key,
            &k.fingerprint,
            db.now_ms(),
        )
        .await?
    {
        tx.rollback().await?;
        return Ok(Err(
            replay(db, school_id, user_id, &k.key, &k.fingerprint).await?
        ));
    }
    Ok(Ok(tx))
}

/// Stores the answer with the key (if any) in the creating transaction, commits, and
/// answers exactly what a replay will.
pub async fn finish(
    mut tx: Tx,
    school_id: i64,
    user_id: i64,
    keyed: Option<&Keyed>,
    status: StatusCode,
    body: &impl serde::Serialize,
) -> ApiResult<Response> {
    let text = serde_json::to_string(body).map_err(ApiError::internal)?;
    if let Some(k) = keyed {
        store(&mut tx, school_id, user_id, &k.key, status, &text).await?;
    }
    tx.commit().await?;
    Ok((
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        text,
    )
        .into_response())
}

/// Forgets keys created before `before` (the hourly maintenance asks, a day after
/// creation): a retry comes within minutes, not days.
pub async fn purge(db: &Db, before: i64) -> sqlx::Result<u64> {
    let r = sqlx::query("DELETE FROM api_idempotency WHERE created_at < $1")
        .bind(before)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected())
}
