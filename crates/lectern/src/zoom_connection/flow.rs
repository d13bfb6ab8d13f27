//! The OAuth dance. `start` binds a fresh `state` to the admin's browser session (single
//! use, ten minutes) with a PKCE verifier; `callback` checks that binding before any call
//! to Zoom, exchanges the code, reads `GET /users/me` and stores everything in one
//! transaction — or nothing at all.

use sqlx::Row;

use super::ZoomDeps;
use super::{Owner, ZoomAccount, tokens};
use crate::crypto::random_token;
use crate::db::now_ms;
use crate::web::Ctx;

const STATE_TTL_MS: i64 = 10 * 60 * 1000;

#[derive(Debug)]
pub enum StartError {
    NotConfigured,
    NoSession,
    Db(sqlx::Error),
}

/// Returns the Zoom authorization URL to redirect the browser to.
pub async fn start(state: &ZoomDeps, ctx: &Ctx, owner: Owner) -> Result<String, StartError> {
    let rt = state.zoom.as_ref().ok_or(StartError::NotConfigured)?;
    let (Some(user), Some(session_id)) = (&ctx.user, &ctx.session_id) else {
        return Err(StartError::NoSession);
    };
    let state_value = random_token();
    let pkce = zoom::Pkce::generate();
    let key = &state.config.secret_key;
    let now = now_ms();
    let state_hash = key.token_hash(&state_value);
    sqlx::query(
        "INSERT INTO zoom_oauth_states (school_id, user_id, session_hash, state_hash, scope_key, verifier_sealed, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(ctx.school.id)
    .bind(user.id)
    .bind(session_id)
    .bind(&state_hash)
    .bind(owner.scope_key())
    .bind(key.seal(pkce.verifier.expose().as_bytes(), &format!("zoom_oauth_states:{state_hash}")))
    .bind(now)
    .bind(now + STATE_TTL_MS)
    .execute(&state.db.pool)
    .await
    .map_err(StartError::Db)?;
    Ok(rt.client.authorize_url_with(&state_value, &pkce))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct CallbackQuery {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// What happened, for the callback page. Nothing is stored unless `Connected`.
#[derive(Debug)]
pub enum Outcome {
    Connected {
        owner: Owner,
        missing_scopes: Vec<&'static str>,
        email: String,
    },
    Denied,
    NoCode,
    BadState,
    ExchangeFailed(String),
    SaveFailed,
    NotConfigured,
}

struct Pending {
    scope_key: String,
    verifier: zoom::Secret,
}

/// Consumes the `state` if it is ours, unexpired, unused and bound to this session.
async fn take_state(
    state: &ZoomDeps,
    ctx: &Ctx,
    raw: Option<&str>,
) -> Result<Option<Pending>, sqlx::Error> {
    let (Some(raw), Some(session_id), Some(user)) =
        (raw.filter(|s| !s.is_empty()), &ctx.session_id, &ctx.user)
    else {
        return Ok(None);
    };
    let key = &state.config.secret_key;
    let state_hash = key.token_hash(raw);
    let now = now_ms();
    let row = sqlx::query(
        "UPDATE zoom_oauth_states SET used_at = $1
         WHERE state_hash = $2 AND school_id = $3 AND user_id = $4 AND session_hash = $5 AND used_at IS NULL AND expires_at > $1
         RETURNING scope_key, verifier_sealed",
    )
    .bind(now)
    .bind(&state_hash)
    .bind(ctx.school.id)
    .bind(user.id)
    .bind(session_id)
    .fetch_optional(&state.db.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let sealed: String = row.get("verifier_sealed");
    let Ok(verifier) = key.open(&sealed, &format!("zoom_oauth_states:{state_hash}")) else {
        return Ok(None);
    };
    Ok(Some(Pending {
        scope_key: row.get("scope_key"),
        verifier: zoom::Secret::new(String::from_utf8_lossy(&verifier).into_owned()),
    }))
}

/// The school an unspent, unexpired `state` was issued for. Zoom sends every school's
/// browser back to the one registered redirect URL (on the base URL's host, where another
/// school's session cookie is not sent), so the callback first forwards the browser to its
/// own school's host. Only reads: the school's own callback spends the state.
pub(crate) async fn school_of_state(state: &ZoomDeps, raw: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT school_id FROM zoom_oauth_states WHERE state_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(state.config.secret_key.token_hash(raw))
    .bind(now_ms())
    .fetch_optional(&state.db.pool)
    .await
}

pub async fn callback(state: &ZoomDeps, ctx: &Ctx, q: CallbackQuery) -> Outcome {
    let Some(rt) = state.zoom.as_ref() else {
        return Outcome::NotConfigured;
    };
    // The state is checked (and spent) first, whatever else the redirect carries.
    let pending = match take_state(state, ctx, q.state.as_deref()).await {
        Ok(Some(p)) => p,
        Ok(None) => return Outcome::BadState,
        Err(e) => {
            tracing::error!(error = %e, "reading OAuth state failed");
            return Outcome::SaveFailed;
        }
    };
    if q.error.as_deref() == Some("access_denied") {
        return Outcome::Denied;
    }
    if let Some(err) = q.error {
        return Outcome::ExchangeFailed(q.error_description.unwrap_or(err));
    }
    let Some(code) = q.code.filter(|c| !c.is_empty()) else {
        return Outcome::NoCode;
    };
    let Some(owner) = Owner::from_scope_key(&pending.scope_key) else {
        return Outcome::BadState;
    };
    let tokens = match rt
        .client
        .exchange_code(&code, Some(&pending.verifier))
        .await
    {
        Ok(t) => t,
        Err(e) => return Outcome::ExchangeFailed(e.message().to_string()),
    };
    let api = rt.client.api(&tokens);
    let me = match api.me().await {
        Ok(me) => me,
        Err(e) => return Outcome::ExchangeFailed(e.message().to_string()),
    };
    let scopes = tokens.scopes.join(" ");
    let display_name = me
        .display_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| {
            format!("{} {}", me.first_name, me.last_name)
                .trim()
                .to_string()
        });
    let account = ZoomAccount {
        account_id: &me.account_id,
        user_id: &me.id,
        email: &me.email,
        display_name: &display_name,
        scopes: &scopes,
        api_url: tokens.api_url.as_deref(),
    };
    let actor = ctx.user.as_ref().map(|u| u.id).unwrap_or_default();
    match save(state, ctx.school.id, owner, actor, &account, &tokens).await {
        Ok(()) => Outcome::Connected {
            owner,
            missing_scopes: super::scopes::missing(
                &tokens.scopes.iter().map(String::as_str).collect::<Vec<_>>(),
            ),
            email: account.email.to_string(),
        },
        Err(e) => {
            tracing::error!(error = %e, "saving the Zoom connection failed");
            Outcome::SaveFailed
        }
    }
}

async fn save(
    state: &ZoomDeps,
    school_id: i64,
    owner: Owner,
    actor: i64,
    acct: &ZoomAccount<'_>,
    t: &zoom::TokenSet,
) -> sqlx::Result<()> {
    let mut tx = state.db.pool.begin().await?;
    let id = super::upsert_connected(&mut tx, school_id, owner, actor, acct).await?;
    tokens::store_new(&mut tx, &state.config.secret_key, id, school_id, t).await?;
    super::audit(
        &mut tx,
        school_id,
        Some(actor),
        "zoom.connect",
        &format!("{} connected", owner.scope_key()),
    )
    .await?;
    tx.commit().await?;
    // Players that said "unavailable" can offer the session again.
    state
        .db
        .lesson_changed(crate::push::LessonChange::whole_school(
            crate::db::SchoolId(school_id),
        ))
        .await;
    Ok(())
}

/// Deletes OAuth states that expired before `before` (the hourly maintenance).
pub async fn purge_expired_states(db: &crate::db::Db, before: i64) -> sqlx::Result<u64> {
    let r = sqlx::query("DELETE FROM zoom_oauth_states WHERE expires_at < $1")
        .bind(before)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected())
}
