//! Who hosts a live lesson: one Zoom account per school with many hosts.
//! With account-level (`:admin`) scopes, any instructor whose e-mail is a user of the
//! connected Zoom account hosts their own meetings; otherwise the connected Zoom user hosts
//! every meeting. An instructor's own connection, when they made one, wins.

use super::ZoomDeps;
use super::tokens::{self, AccessError};
use super::{Connection, Owner};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub connection_id: i64,
    pub zoom_user_id: String,
    pub zoom_email: String,
}

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("Zoom is not connected")]
    NotConnected,
    #[error("{email} is not a user of the connected Zoom account")]
    NotInAccount { email: String },
    #[error(transparent)]
    Access(#[from] AccessError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Resolves the Zoom host for lessons taught by `instructor_email` (user id `instructor_id`).
pub async fn resolve(
    state: &ZoomDeps,
    school_id: i64,
    instructor_id: i64,
    instructor_email: &str,
) -> Result<Host, HostError> {
    if let Some(own) = super::find(&state.db, school_id, Owner::User(instructor_id)).await?
        && own.is_connected()
    {
        return connected_user(&own);
    }
    let school = super::find(&state.db, school_id, Owner::School)
        .await?
        .filter(Connection::is_connected)
        .ok_or(HostError::NotConnected)?;
    if !school.account_level() {
        return connected_user(&school);
    }
    let wanted = instructor_email.trim().to_lowercase();
    let users = tokens::with_api(
        state,
        &school,
        |api| async move { api.list_all_users().await },
    )
    .await?;
    users
        .into_iter()
        .find(|u| u.email.to_lowercase() == wanted)
        .map(|u| Host {
            connection_id: school.id,
            zoom_user_id: u.id,
            zoom_email: u.email,
        })
        .ok_or(HostError::NotInAccount {
            email: instructor_email.to_string(),
        })
}

fn connected_user(c: &Connection) -> Result<Host, HostError> {
    Ok(Host {
        connection_id: c.id,
        zoom_user_id: c.zoom_user_id.clone().ok_or(HostError::NotConnected)?,
        zoom_email: c.zoom_email.clone().unwrap_or_default(),
    })
}
