//! Sealed token storage and the access path every Zoom call goes through.
//!
//! Zoom rotates refresh tokens: the first refresh kills the old one. So exactly one caller
//! per expiry may refresh, across threads (an in-process mutex per connection) and across
//! instances (a lease on the token row, taken with a conditional UPDATE). The winner
//! persists the rotated pair with a compare-and-swap on `version` before anyone uses the
//! new access token; everybody else waits for `version` to move and reuses the result.

use std::future::Future;
use std::time::Duration;

use sqlx::{AnyConnection, Row};
use zoom::{Api, ErrorKind, Secret, TokenSet, ZoomError};

use super::ZoomDeps;
use super::{Connection, ZoomRuntime};
use crate::crypto::SecretKey;
use crate::db::now_ms;
use crate::email::{self, Email};

/// Refresh this long before the access token expires.
pub(crate) const REFRESH_MARGIN_MS: i64 = 5 * 60 * 1000;
/// How long a refresher may hold the lease before another instance may take over.
const LEASE_MS: i64 = 20_000;
/// How long a waiter waits for another refresher.
const WAIT_LIMIT: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    #[error("Zoom integration is not configured")]
    NotConfigured,
    #[error("Zoom is not connected")]
    NotConnected,
    #[error("the Zoom connection needs to be reconnected")]
    NeedsReconnect,
    #[error(transparent)]
    Zoom(#[from] ZoomError),
    #[error("timed out waiting for another instance to refresh the Zoom token")]
    RefreshTimeout,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("stored Zoom token cannot be opened: {0}")]
    Seal(#[from] crate::crypto::SealError),
}

#[derive(Clone)]
pub struct Stored {
    pub access: Secret,
    pub refresh: Secret,
    pub expires_at: i64,
    pub version: i64,
}

fn aad(connection_id: i64, which: &str) -> String {
    format!("zoom_tokens:{connection_id}:{which}")
}

/// Inserts or replaces the token pair of a fresh grant (connect / reconnect).
pub(crate) async fn store_new(
    conn: &mut AnyConnection,
    key: &SecretKey,
    connection_id: i64,
    school_id: i64,
    t: &TokenSet,
) -> sqlx::Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO zoom_tokens (connection_id, school_id, key_id, access_sealed, refresh_sealed, access_expires_at, version, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 1, $7)
         ON CONFLICT (connection_id) DO UPDATE SET key_id = excluded.key_id, access_sealed = excluded.access_sealed,
           refresh_sealed = excluded.refresh_sealed, access_expires_at = excluded.access_expires_at,
           version = zoom_tokens.version + 1, refresh_lease_until = NULL, refresh_lease_by = NULL, updated_at = excluded.updated_at",
    )
    .bind(connection_id)
    .bind(school_id)
    .bind(key.key_id())
    .bind(key.seal(t.access_token.expose().as_bytes(), &aad(connection_id, "access")))
    .bind(key.seal(t.refresh_token.expose().as_bytes(), &aad(connection_id, "refresh")))
    .bind(t.expires_at.as_millisecond())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn load(state: &ZoomDeps, connection_id: i64) -> Result<Option<Stored>, AccessError> {
    let row = sqlx::query("SELECT access_sealed, refresh_sealed, access_expires_at, version FROM zoom_tokens WHERE connection_id = $1")
        .bind(connection_id)
        .fetch_optional(&state.db.pool)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let key = &state.config.secret_key;
    let open = |col: &str, which: &str| -> Result<Secret, AccessError> {
        let sealed: String = row.get(col);
        let bytes = key.open(&sealed, &aad(connection_id, which))?;
        Ok(Secret::new(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Ok(Some(Stored {
        access: open("access_sealed", "access")?,
        refresh: open("refresh_sealed", "refresh")?,
        expires_at: row.get("access_expires_at"),
        version: row.get("version"),
    }))
}

/// When the connection's stored access token expires (the health panel).
pub(crate) async fn access_expires_at(
    db: &crate::db::Db,
    connection_id: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT access_expires_at FROM zoom_tokens WHERE connection_id = $1")
        .bind(connection_id)
        .fetch_optional(&db.pool)
        .await
}

fn runtime(state: &ZoomDeps) -> Result<&ZoomRuntime, AccessError> {
    state.zoom.as_ref().ok_or(AccessError::NotConfigured)
}

/// A usable access token for `conn`, refreshed first when it is close to expiry.
pub async fn access_token(state: &ZoomDeps, conn: &Connection) -> Result<Stored, AccessError> {
    if !conn.is_connected() {
        return Err(match conn.state() {
            super::ConnState::NeedsReconnect => AccessError::NeedsReconnect,
            _ => AccessError::NotConnected,
        });
    }
    let current = load(state, conn.id)
        .await?
        .ok_or(AccessError::NotConnected)?;
    if current.expires_at - now_ms() > REFRESH_MARGIN_MS {
        return Ok(current);
    }
    refresh(state, conn, current.version).await
}

/// Runs `call` with an API handle for `conn`; after a 124 (token expired/invalid) it
/// refreshes once and tries again. Zoom errors are recorded on the connection for the
/// health panel.
pub async fn with_api<T, F, Fut>(
    state: &ZoomDeps,
    conn: &Connection,
    call: F,
) -> Result<T, AccessError>
where
    F: Fn(Api) -> Fut,
    Fut: Future<Output = Result<T, ZoomError>>,
{
    let rt = runtime(state)?;
    let client = rt.client_for(conn.id);
    let tokens = access_token(state, conn).await?;
    let api = client.api_with_token(tokens.access.clone(), conn.api_url.as_deref());
    let result = match call(api).await {
        Err(e) if e.kind() == ErrorKind::TokenInvalid => {
            let fresh = refresh(state, conn, tokens.version).await?;
            call(client.api_with_token(fresh.access.clone(), conn.api_url.as_deref())).await
        }
        other => other,
    };
    // A missing meeting or file is about that object, not the connection's health; a call
    // the open circuit refused tells nothing new (the failures that opened it were
    // recorded), and a class pressing Join must not turn into a write each.
    if let Err(e) = &result
        && e.kind() != ErrorKind::NotFound
        && !matches!(e.kind(), ErrorKind::CircuitOpen { .. })
    {
        let _ = super::record_error(&state.db, conn.id, &e.to_string()).await;
    }
    Ok(result?)
}

/// Refreshes the pair whose version is `seen_version`, or waits for whoever does.
pub async fn refresh(
    state: &ZoomDeps,
    conn: &Connection,
    seen_version: i64,
) -> Result<Stored, AccessError> {
    let rt = runtime(state)?;
    let lock = rt.refresh_lock(conn.id);
    let _guard = lock.lock().await;
    let me = uuid::Uuid::new_v4().simple().to_string();
    let deadline = tokio::time::Instant::now() + WAIT_LIMIT;
    loop {
        let current = load(state, conn.id)
            .await?
            .ok_or(AccessError::NotConnected)?;
        if current.version != seen_version {
            return Ok(current);
        }
        let still_connected: Option<String> =
            sqlx::query_scalar("SELECT state FROM zoom_connections WHERE id = $1")
                .bind(conn.id)
                .fetch_optional(&state.db.pool)
                .await?;
        match still_connected.as_deref() {
            Some("connected") => {}
            Some("needs_reconnect") => return Err(AccessError::NeedsReconnect),
            _ => return Err(AccessError::NotConnected),
        }
        let now = now_ms();
        let won = sqlx::query(
            "UPDATE zoom_tokens SET refresh_lease_until = $1, refresh_lease_by = $2
             WHERE connection_id = $3 AND version = $4 AND (refresh_lease_until IS NULL OR refresh_lease_until < $5)",
        )
        .bind(now + LEASE_MS)
        .bind(&me)
        .bind(conn.id)
        .bind(seen_version)
        .bind(now)
        .execute(&state.db.pool)
        .await?
        .rows_affected()
            == 1;
        if won {
            return refresh_as_leaseholder(state, rt, conn, current, &me).await;
        }
        if tokio::time::Instant::now() > deadline {
            return Err(AccessError::RefreshTimeout);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn refresh_as_leaseholder(
    state: &ZoomDeps,
    rt: &ZoomRuntime,
    conn: &Connection,
    current: Stored,
    me: &str,
) -> Result<Stored, AccessError> {
    // Through the connection's circuit: while Zoom is down a refresh fails at once too.
    // The client itself repeats a refresh only when Zoom surely did not act on it (a
    // refused connection, a per-second 429).
    let client = rt.client_for(conn.id);
    let first = client.refresh(&current.refresh).await;
    let outcome = match first {
        // The response may have been lost after Zoom rotated the token: one retry with the
        // same token either succeeds (nothing was rotated) or proves the grant is gone.
        Err(e) if e.is_transient() => {
            tracing::warn!(connection = conn.id, error = %e, "token refresh failed in transit; retrying once");
            client.refresh(&current.refresh).await
        }
        other => other,
    };
    match outcome {
        Ok(tokens) => persist_rotation(state, conn, &current, &tokens).await,
        Err(e) if e.kind() == ErrorKind::InvalidGrant => {
            mark_needs_reconnect(state, conn, current.version).await?;
            Err(AccessError::NeedsReconnect)
        }
        Err(e) => {
            release_lease(state, conn.id, me).await?;
            let _ = super::record_error(&state.db, conn.id, &e.to_string()).await;
            Err(AccessError::Zoom(e))
        }
    }
}

async fn persist_rotation(
    state: &ZoomDeps,
    conn: &Connection,
    current: &Stored,
    t: &TokenSet,
) -> Result<Stored, AccessError> {
    let key = &state.config.secret_key;
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    let swapped = sqlx::query(
        "UPDATE zoom_tokens SET key_id = $1, access_sealed = $2, refresh_sealed = $3, access_expires_at = $4,
           version = version + 1, refresh_lease_until = NULL, refresh_lease_by = NULL, updated_at = $5
         WHERE connection_id = $6 AND version = $7",
    )
    .bind(key.key_id())
    .bind(key.seal(t.access_token.expose().as_bytes(), &aad(conn.id, "access")))
    .bind(key.seal(t.refresh_token.expose().as_bytes(), &aad(conn.id, "refresh")))
    .bind(t.expires_at.as_millisecond())
    .bind(now)
    .bind(conn.id)
    .bind(current.version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if swapped != 1 {
        // Only possible if the lease expired under us; the other writer's pair wins.
        tx.rollback().await?;
        return load(state, conn.id).await?.ok_or(AccessError::NotConnected);
    }
    sqlx::query("UPDATE zoom_connections SET last_refresh_at = $1, scopes = $2, updated_at = $1 WHERE id = $3")
        .bind(now)
        .bind(t.scopes.join(" "))
        .bind(conn.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(connection = conn.id, "Zoom access token refreshed");
    Ok(Stored {
        access: t.access_token.clone(),
        refresh: t.refresh_token.clone(),
        expires_at: t.expires_at.as_millisecond(),
        version: current.version + 1,
    })
}

async fn release_lease(state: &ZoomDeps, connection_id: i64, me: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE zoom_tokens SET refresh_lease_until = NULL, refresh_lease_by = NULL WHERE connection_id = $1 AND refresh_lease_by = $2")
        .bind(connection_id)
        .bind(me)
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

/// Zoom refused our refresh token. If the stored pair is still the one we used, the grant
/// is gone: mark the connection and e-mail the school's admins once.
async fn mark_needs_reconnect(
    state: &ZoomDeps,
    conn: &Connection,
    used_version: i64,
) -> Result<(), AccessError> {
    let now = now_ms();
    let mut tx = state.db.pool.begin().await?;
    let changed = sqlx::query(
        "UPDATE zoom_connections SET state = 'needs_reconnect', reconnect_notified_at = $1, last_error = $2, last_error_at = $1, updated_at = $1
         WHERE id = $3 AND state = 'connected'
           AND EXISTS (SELECT 1 FROM zoom_tokens t WHERE t.connection_id = $3 AND t.version = $4)",
    )
    .bind(now)
    .bind("Zoom rejected the refresh token (invalid_grant)")
    .bind(conn.id)
    .bind(used_version)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    sqlx::query("UPDATE zoom_tokens SET refresh_lease_until = NULL, refresh_lease_by = NULL WHERE connection_id = $1")
        .bind(conn.id)
        .execute(&mut *tx)
        .await?;
    if changed == 1 {
        notify_admins(&mut tx, state, conn).await?;
        tracing::warn!(connection = conn.id, "Zoom connection needs reconnect");
    }
    tx.commit().await?;
    if changed == 1 {
        state
            .db
            .lesson_changed(crate::push::LessonChange::whole_school(
                crate::db::SchoolId(conn.school_id),
            ))
            .await;
    }
    Ok(())
}

async fn notify_admins(
    tx: &mut AnyConnection,
    state: &ZoomDeps,
    conn: &Connection,
) -> sqlx::Result<()> {
    let admins: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT email, display_name, language FROM users WHERE school_id = $1 AND role = 'admin' ORDER BY id",
    )
    .bind(conn.school_id)
    .fetch_all(&mut *tx)
    .await?;
    let link = state
        .school_url(conn.school_id, "/settings/integrations")
        .await?;
    for (to, name, lang) in admins {
        let tr = crate::i18n::Tr::choose(lang.as_deref(), None);
        let text = tr.ta(
            "zoom-reconnect-email-text",
            &[("name", name.clone()), ("link", link.clone())],
        );
        let html = format!(
            "<p>{}</p><p><a href=\"{}\">{}</a></p>",
            crate::email::html_escape(&tr.t1("zoom-reconnect-email-body", "name", &name)),
            crate::email::html_escape(&link),
            crate::email::html_escape(&tr.t("zoom-reconnect-button")),
        );
        email::queue(
            tx,
            conn.school_id,
            Email {
                to,
                subject: tr.t("zoom-reconnect-email-subject"),
                tr: tr.clone(),
                text,
                html,
                calendar: None,
            },
        )
        .await?;
    }
    Ok(())
}
