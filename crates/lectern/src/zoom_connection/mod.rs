//! The school's (or an instructor's own) connection to a Zoom account: OAuth connect with
//! `state` + PKCE, sealed tokens with single-flight refresh across instances, health,
//! disconnect, deauthorization and deletion of all Zoom data. `live` asks this module for
//! an API handle; this module never calls `live`: what `live` keeps of a school's Zoom
//! data it wipes through [`ZoomDataHooks`], wired in `app.rs`.

pub mod flow;
pub mod hosts;
pub mod routes;
pub mod scopes;
pub mod tokens;
pub mod usage;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sqlx::AnyConnection;

use crate::config::{Config, ZoomSettings};
use crate::db::{Db, now_ms};

/// What this module (and `live`, which works through it) needs: the database, the
/// configuration, the Zoom runtime (`None` without Zoom credentials) and the hooks of the
/// capabilities above that keep Zoom data.
#[derive(Clone)]
pub struct ZoomDeps {
    pub db: Db,
    pub config: Arc<Config>,
    pub zoom: Option<ZoomRuntime>,
    pub hooks: Arc<dyn ZoomDataHooks>,
}

impl ZoomDeps {
    /// An absolute URL on the school's own origin (`schools::domains::school_url`).
    pub async fn school_url(&self, school_id: i64, path: &str) -> sqlx::Result<String> {
        crate::schools::domains::school_url(&self.db, &self.config.base_url, school_id, path).await
    }
}

/// Implemented by a capability above this one that keeps Zoom data of its own (`live`:
/// meetings, hosts, participants), so that "Delete all Zoom data" reaches it inside the
/// same transaction without this module naming it.
pub trait ZoomDataHooks: Send + Sync {
    fn wipe_zoom_data<'a>(
        &'a self,
        tx: &'a mut AnyConnection,
        school_id: crate::db::SchoolId,
    ) -> futures_util::future::BoxFuture<'a, sqlx::Result<()>>;
}

/// Zoom pieces shared by every request of this instance.
#[derive(Clone)]
pub struct ZoomRuntime {
    pub settings: ZoomSettings,
    pub client: zoom::ZoomClient,
    pub verifier: Option<zoom::webhook::WebhookVerifier>,
    /// In-process single flight for refreshes; the database lease does it across instances.
    refresh_locks: Arc<Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>>,
    /// On-behalf-of tokens per (meeting, host): the token is the host's, not the student's,
    /// so a class joining at once shares one Zoom call instead of one each.
    obf_tokens: Arc<Mutex<ObfCells>>,
}

/// The OBF cells by (meeting, host).
type ObfCells = HashMap<(i64, String), Arc<ObfCell>>;

/// One cached OBF token and when it was fetched. A class reads it without waiting for each
/// other (a plain lock held for a clone); `fetching` is the single flight when it is stale.
#[derive(Default)]
pub(crate) struct ObfCell {
    token: Mutex<Option<(std::time::Instant, zoom::Secret)>>,
    pub fetching: tokio::sync::Mutex<()>,
}

impl ObfCell {
    /// The token, if fetched less than `reuse` ago.
    pub fn fresh(&self, reuse: std::time::Duration) -> Option<zoom::Secret> {
        let token = self.token.lock().unwrap_or_else(|p| p.into_inner());
        token
            .as_ref()
            .filter(|(at, _)| at.elapsed() < reuse)
            .map(|(_, t)| t.clone())
    }

    pub fn store(&self, t: zoom::Secret) {
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((std::time::Instant::now(), t));
    }
}

impl ZoomRuntime {
    pub fn new(config: &Config) -> anyhow::Result<Option<ZoomRuntime>> {
        let Some(settings) = config.zoom.clone() else {
            return Ok(None);
        };
        let mut zc = zoom::ZoomConfig::new(
            settings.client_id.clone(),
            zoom::Secret::new(settings.client_secret.clone()),
            config.zoom_redirect_uri(),
        )
        .with_bases(settings.oauth_base.clone(), settings.api_base.clone());
        zc.circuit.cooldown = settings.circuit_cooldown;
        let client = zoom::ZoomClient::new(zc).map_err(|e| anyhow::anyhow!("Zoom client: {e}"))?;
        let verifier = settings
            .webhook_secret
            .clone()
            .map(|s| zoom::webhook::WebhookVerifier::new(zoom::Secret::new(s)));
        Ok(Some(ZoomRuntime {
            settings,
            client,
            verifier,
            refresh_locks: Arc::default(),
            obf_tokens: Arc::default(),
        }))
    }

    /// The cache cell for the OBF token of `host` in `meeting_id`.
    pub(crate) fn obf_cell(&self, meeting_id: i64, host: &str) -> Arc<ObfCell> {
        let mut map = self.obf_tokens.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 10_000 {
            map.clear();
        }
        map.entry((meeting_id, host.to_string()))
            .or_default()
            .clone()
    }

    /// The client whose calls go through `connection_id`'s circuit breaker: one Zoom
    /// account failing pauses its own calls only (`docs/zoom.md`, "Outages").
    pub fn client_for(&self, connection_id: i64) -> zoom::ZoomClient {
        self.client.in_circuit(&circuit_key(connection_id))
    }

    /// The state of `connection_id`'s circuit (the health panel).
    pub fn circuit_state(&self, connection_id: i64) -> zoom::CircuitState {
        self.client.circuits().state(&circuit_key(connection_id))
    }

    pub(crate) fn refresh_lock(&self, connection_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.refresh_locks.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(connection_id).or_default().clone()
    }
}

fn circuit_key(connection_id: i64) -> String {
    format!("connection:{connection_id}")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnState {
    Connected,
    NeedsReconnect,
    Disconnected,
    Deauthorized,
}

impl ConnState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnState::Connected => "connected",
            ConnState::NeedsReconnect => "needs_reconnect",
            ConnState::Disconnected => "disconnected",
            ConnState::Deauthorized => "deauthorized",
        }
    }
    /// Strict: an unknown state is an error, not a quiet "disconnected".
    fn parse(s: &str) -> Result<ConnState, UnknownConnState> {
        Ok(match s {
            "connected" => ConnState::Connected,
            "needs_reconnect" => ConnState::NeedsReconnect,
            "disconnected" => ConnState::Disconnected,
            "deauthorized" => ConnState::Deauthorized,
            other => return Err(UnknownConnState(other.to_string())),
        })
    }
}

#[derive(Debug, thiserror::Error)]
#[error("unknown Zoom connection state {0:?}")]
pub struct UnknownConnState(String);

impl TryFrom<String> for ConnState {
    type Error = UnknownConnState;
    fn try_from(s: String) -> Result<ConnState, UnknownConnState> {
        ConnState::parse(&s)
    }
}

impl PartialEq<&str> for ConnState {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Whose connection: the school's, or one instructor's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    School,
    User(i64),
}

impl Owner {
    pub fn scope_key(self) -> String {
        match self {
            Owner::School => "school".into(),
            Owner::User(id) => format!("user:{id}"),
        }
    }
    pub(crate) fn from_scope_key(k: &str) -> Option<Owner> {
        if k == "school" {
            return Some(Owner::School);
        }
        k.strip_prefix("user:")?.parse().ok().map(Owner::User)
    }
    fn user_id(self) -> Option<i64> {
        match self {
            Owner::School => None,
            Owner::User(id) => Some(id),
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Connection {
    pub id: i64,
    pub school_id: i64,
    pub scope_key: String,
    #[sqlx(try_from = "String")]
    pub state: ConnState,
    pub zoom_account_id: Option<String>,
    pub zoom_user_id: Option<String>,
    pub zoom_email: Option<String>,
    pub zoom_display_name: Option<String>,
    pub scopes: String,
    pub api_url: Option<String>,
    pub connected_at: Option<i64>,
    pub disconnected_at: Option<i64>,
    pub deauthorized_at: Option<i64>,
    pub last_refresh_at: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_at: Option<i64>,
}

const COLUMNS: &str = "id, school_id, scope_key, state, zoom_account_id, zoom_user_id, zoom_email, zoom_display_name, scopes, api_url, connected_at, disconnected_at, deauthorized_at, last_refresh_at, last_error, last_error_at";

impl Connection {
    pub fn state(&self) -> ConnState {
        self.state
    }
    pub fn is_connected(&self) -> bool {
        self.state() == ConnState::Connected
    }
    pub fn granted(&self) -> Vec<&str> {
        self.scopes.split_whitespace().collect()
    }
    pub fn missing_scopes(&self) -> Vec<&'static str> {
        scopes::missing(&self.granted())
    }
    pub fn account_level(&self) -> bool {
        scopes::account_level(&self.granted())
    }
    pub fn owner(&self) -> Option<Owner> {
        Owner::from_scope_key(&self.scope_key)
    }
}

pub async fn find(db: &Db, school_id: i64, owner: Owner) -> sqlx::Result<Option<Connection>> {
    sqlx::query_as::<_, Connection>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM zoom_connections WHERE school_id = $1 AND scope_key = $2"
    )))
    .bind(school_id)
    .bind(owner.scope_key())
    .fetch_optional(&db.pool)
    .await
}

pub async fn by_id(db: &Db, id: i64) -> sqlx::Result<Option<Connection>> {
    sqlx::query_as::<_, Connection>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM zoom_connections WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// Connections of a Zoom user (for `app_deauthorized`), in any school.
pub async fn by_zoom_user(db: &Db, zoom_user_id: &str) -> sqlx::Result<Vec<Connection>> {
    sqlx::query_as::<_, Connection>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM zoom_connections WHERE zoom_user_id = $1"
    )))
    .bind(zoom_user_id)
    .fetch_all(&db.pool)
    .await
}

/// The connection that hosts an instructor's meetings: their own if they connected one,
/// else the school's.
pub async fn for_host(
    db: &Db,
    school_id: i64,
    instructor_id: i64,
) -> sqlx::Result<Option<Connection>> {
    if let Some(c) = find(db, school_id, Owner::User(instructor_id)).await?
        && c.is_connected()
    {
        return Ok(Some(c));
    }
    find(db, school_id, Owner::School).await
}

pub(crate) struct ZoomAccount<'a> {
    pub account_id: &'a str,
    pub user_id: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub scopes: &'a str,
    pub api_url: Option<&'a str>,
}

/// Creates or revives the connection row as connected; returns its id.
pub(crate) async fn upsert_connected(
    conn: &mut AnyConnection,
    school_id: i64,
    owner: Owner,
    by_user: i64,
    acct: &ZoomAccount<'_>,
) -> sqlx::Result<i64> {
    let now = now_ms();
    sqlx::query_scalar(
        "INSERT INTO zoom_connections (school_id, scope_key, owner_user_id, state, zoom_account_id, zoom_user_id, zoom_email, zoom_display_name, scopes, api_url, connected_at, connected_by, updated_at)
         VALUES ($1, $2, $3, 'connected', $4, $5, $6, $7, $8, $9, $10, $11, $10)
         ON CONFLICT (school_id, scope_key) DO UPDATE SET
           state = 'connected', zoom_account_id = excluded.zoom_account_id, zoom_user_id = excluded.zoom_user_id,
           zoom_email = excluded.zoom_email, zoom_display_name = excluded.zoom_display_name, scopes = excluded.scopes,
           api_url = excluded.api_url, connected_at = excluded.connected_at, connected_by = excluded.connected_by,
           disconnected_at = NULL, deauthorized_at = NULL, last_error = NULL, last_error_at = NULL,
           reconnect_notified_at = NULL, updated_at = excluded.updated_at
         RETURNING id",
    )
    .bind(school_id)
    .bind(owner.scope_key())
    .bind(owner.user_id())
    .bind(acct.account_id)
    .bind(acct.user_id)
    .bind(acct.email)
    .bind(acct.display_name)
    .bind(acct.scopes)
    .bind(acct.api_url)
    .bind(now)
    .bind(by_user)
    .fetch_one(conn)
    .await
}

/// Ends a connection: tokens deleted (not flagged), Zoom e-mail and name removed from
/// display, the moment recorded. Course content is untouched.
pub async fn end(db: &Db, connection_id: i64, new_state: ConnState, at: i64) -> sqlx::Result<bool> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM zoom_tokens WHERE connection_id = $1")
        .bind(connection_id)
        .execute(&mut *tx)
        .await?;
    let (col, other) = match new_state {
        ConnState::Deauthorized => ("deauthorized_at", "disconnected_at"),
        _ => ("disconnected_at", "deauthorized_at"),
    };
    let changed = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE zoom_connections SET state = $1, zoom_email = NULL, zoom_display_name = NULL, {col} = $2, {other} = NULL, updated_at = $2
         WHERE id = $3 AND state IN ('connected', 'needs_reconnect')"
    )))
    .bind(new_state.as_str())
    .bind(at)
    .bind(connection_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    if changed == 1 {
        schools_pages_look_again(db, connection_id).await?;
    }
    Ok(changed == 1)
}

/// Open players of the connection's school show whether live sessions are available.
async fn schools_pages_look_again(db: &Db, connection_id: i64) -> sqlx::Result<()> {
    let school: Option<i64> =
        sqlx::query_scalar("SELECT school_id FROM zoom_connections WHERE id = $1")
            .bind(connection_id)
            .fetch_optional(&db.pool)
            .await?;
    if let Some(school_id) = school {
        db.lesson_changed(crate::push::LessonChange::whole_school(
            crate::db::SchoolId(school_id),
        ))
        .await;
    }
    Ok(())
}

pub async fn record_error(db: &Db, connection_id: i64, message: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE zoom_connections SET last_error = $1, last_error_at = $2 WHERE id = $3")
        .bind(message)
        .bind(now_ms())
        .bind(connection_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn audit(
    conn: &mut AnyConnection,
    school_id: i64,
    actor: Option<i64>,
    action: &str,
    detail: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO audit_log (school_id, actor_user_id, action, detail, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(school_id)
        .bind(actor)
        .bind(action)
        .bind(detail)
        .bind(now_ms())
        .execute(conn)
        .await?;
    Ok(())
}

/// The ids of the school's connections (its own and its instructors').
pub(crate) async fn ids_of_school(db: &Db, school_id: i64) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM zoom_connections WHERE school_id = $1")
        .bind(school_id)
        .fetch_all(&db.pool)
        .await
}

/// Forgets every stored token and shows every connection disconnected: the demo's fresh
/// Zoom simulator knows none of the tokens a previous run stored.
#[cfg(feature = "demo")]
pub(crate) async fn forget_all_tokens(db: &Db) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM zoom_tokens")
        .execute(&db.pool)
        .await?;
    sqlx::query(
        "UPDATE zoom_connections SET state = 'disconnected', zoom_email = NULL, zoom_display_name = NULL WHERE state <> 'disconnected'",
    )
    .execute(&db.pool)
    .await?;
    db.viewers.forget(crate::db::viewers::Scope::All);
    Ok(())
}

/// "Delete all Zoom data": tokens, account details, OAuth states, and the rate counters and
/// webhook events that name this school's Zoom accounts and users go, and `hooks` (`live`)
/// wipe meetings, hosts and participants; the connection row stays as an anonymous
/// "disconnected" record.
pub async fn delete_all_data(
    db: &Db,
    hooks: &dyn ZoomDataHooks,
    school_id: i64,
    actor: i64,
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    // Read before the rows that name them are wiped below.
    let (accounts, users) = usage::zoom_ids_of_school(&mut tx, school_id).await?;
    usage::forget(&mut tx, &accounts, &users).await?;
    // Events of an account that only this school knows go even unprocessed: processing
    // them would find nothing left to change, and their bodies name people and meetings.
    for account in &accounts {
        sqlx::query("DELETE FROM zoom_events WHERE zoom_account_id = $1")
            .bind(account)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM zoom_tokens WHERE school_id = $1")
        .bind(school_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM zoom_oauth_states WHERE school_id = $1")
        .bind(school_id)
        .execute(&mut *tx)
        .await?;
    // Processed webhook bodies of an account another school shares name participants too
    // (an unprocessed one may be the other school's to process).
    sqlx::query(
        "DELETE FROM zoom_events WHERE processed_at IS NOT NULL AND zoom_account_id IN
           (SELECT zoom_account_id FROM zoom_connections WHERE school_id = $1 AND zoom_account_id IS NOT NULL)",
    )
    .bind(school_id)
    .execute(&mut *tx)
    .await?;
    let now = now_ms();
    sqlx::query(
        "UPDATE zoom_connections SET state = 'disconnected', zoom_account_id = NULL, zoom_user_id = NULL, zoom_email = NULL,
           zoom_display_name = NULL, scopes = '', api_url = NULL, last_error = NULL, last_error_at = NULL,
           disconnected_at = COALESCE(disconnected_at, $1), updated_at = $1
         WHERE school_id = $2",
    )
    .bind(now)
    .bind(school_id)
    .execute(&mut *tx)
    .await?;
    hooks
        .wipe_zoom_data(&mut tx, crate::db::SchoolId(school_id))
        .await?;
    audit(
        &mut tx,
        school_id,
        Some(actor),
        "zoom.delete_all_data",
        "Zoom tokens and account details deleted",
    )
    .await?;
    tx.commit().await?;
    db.lesson_changed(crate::push::LessonChange::whole_school(
        crate::db::SchoolId(school_id),
    ))
    .await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_states_round_trip_and_an_unknown_one_is_an_error() {
        for st in [
            ConnState::Connected,
            ConnState::NeedsReconnect,
            ConnState::Disconnected,
            ConnState::Deauthorized,
        ] {
            assert_eq!(ConnState::parse(st.as_str()).unwrap(), st);
        }
        assert!(ConnState::parse("revoked").is_err());
        assert!(ConnState::parse("").is_err());
    }
}
