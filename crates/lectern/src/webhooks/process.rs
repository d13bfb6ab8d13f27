//! Processing stored webhook events, in jobs. Each handler is idempotent: a duplicate or a
//! late event changes nothing twice.

use serde::{Deserialize, Serialize};
use zoom::webhook::EventKind;

use crate::db::now_ms;
use crate::zoom_connection::{self, ConnState, ZoomDeps};

/// The job that processes one stored event.
#[derive(Serialize, Deserialize)]
pub struct ProcessZoomEvent {
    pub event_id: i64,
}

impl crate::jobs::Job for ProcessZoomEvent {
    const KIND: &'static str = "process_zoom_event";
    type Deps = ZoomDeps;
    async fn run(self, deps: &ZoomDeps) -> anyhow::Result<()> {
        process(deps, self.event_id).await
    }

    const BATCHES: bool = true;

    /// Participants' joins and leaves, the bulk of a class's events, are processed
    /// together (`live::events::participants`); the rest run alone.
    async fn run_batch(jobs: Vec<(i64, Self)>, deps: &ZoomDeps) -> anyhow::Result<Vec<i64>> {
        process_batch(deps, jobs).await
    }
}

async fn process_batch(
    state: &ZoomDeps,
    jobs: Vec<(i64, ProcessZoomEvent)>,
) -> anyhow::Result<Vec<i64>> {
    let sql = format!(
        "SELECT id, payload, processed_at FROM zoom_events WHERE id IN ({})",
        crate::db::values_from(1, jobs.len(), "$")
    );
    let mut q = sqlx::query_as::<_, (i64, String, Option<i64>)>(sqlx::AssertSqlSafe(sql));
    for (_, j) in &jobs {
        q = q.bind(j.event_id);
    }
    let stored: std::collections::HashMap<i64, (String, Option<i64>)> = q
        .fetch_all(&state.db.pool)
        .await?
        .into_iter()
        .map(|(id, body, processed)| (id, (body, processed)))
        .collect();
    let mut done = Vec::new();
    let mut taken = Vec::new();
    for (job, j) in jobs {
        match stored.get(&j.event_id) {
            // Gone or done already: nothing to do, as `process` would find.
            None | Some((_, Some(_))) => done.push(job),
            Some((body, None)) => {
                // One that does not parse fails alone, with its error.
                if let Ok(event) = zoom::webhook::parse_event(body.as_bytes())
                    && crate::live::events::is_participant_event(&event)
                {
                    taken.push((job, j.event_id, body.as_str(), event));
                }
            }
        }
    }
    if taken.is_empty() {
        return Ok(done);
    }
    let events: Vec<_> = taken.iter().map(|(_, _, _, e)| e).collect();
    crate::live::events::participants(state, &events).await?;
    let bodies: Vec<(i64, &str)> = taken.iter().map(|(_, id, body, _)| (*id, *body)).collect();
    mark_processed(state, &bodies).await?;
    done.extend(taken.iter().map(|(job, ..)| *job));
    Ok(done)
}

async fn process(state: &ZoomDeps, id: i64) -> anyhow::Result<()> {
    let row: Option<(String, Option<i64>)> =
        sqlx::query_as("SELECT payload, processed_at FROM zoom_events WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.db.pool)
            .await?;
    let Some((body, processed)) = row else {
        return Ok(());
    };
    if processed.is_some() {
        return Ok(());
    }
    let event = zoom::webhook::parse_event(body.as_bytes())?;
    if let EventKind::AppDeauthorized {
        user_id,
        deauthorization_time,
        ..
    } = &event.kind
    {
        deauthorize(
            state,
            user_id.as_deref(),
            event.account_id.as_deref(),
            *deauthorization_time,
        )
        .await?;
    } else {
        crate::live::events::handle(state, &event).await?;
    }
    mark_processed(state, &[(id, &body)]).await
}

/// Marks events processed. What an event carried that opens something (passcodes, join
/// and start links, the download token) has been sealed where it is used; the stored
/// body keeps none of it, whatever the event.
///
/// An event of an account no school knows (any more: "Delete all Zoom data" forgets it,
/// while a meeting it could not end runs on in Zoom) concerned nothing here, and its body
/// names people: it is not kept. The usual case, an account a school knows, is one
/// statement; the other is a second, and a third only if a connection of the account
/// appeared between the two (then it is kept, redacted, as the first would have).
async fn mark_processed(state: &ZoomDeps, events: &[(i64, &str)]) -> anyhow::Result<()> {
    let at = now_ms();
    for chunk in events.chunks(500) {
        let redacted: Vec<(i64, String)> =
            chunk.iter().map(|(id, body)| (*id, redact(body))).collect();
        // `$1` the time, then each event's id and body in turn.
        let whens: String = (0..chunk.len())
            .map(|k| format!(" WHEN ${} THEN ${}", 2 + 2 * k, 3 + 2 * k))
            .collect();
        let ids = (0..chunk.len())
            .map(|k| format!("${}", 2 + 2 * k))
            .collect::<Vec<_>>()
            .join(", ");
        let bind = |sql: String| {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(at);
            for (id, body) in &redacted {
                q = q.bind(*id).bind(body.as_str());
            }
            q
        };
        let n = chunk.len() as u64;
        let kept = bind(format!(
            "UPDATE zoom_events SET processed_at = $1, payload = CASE id{whens} END
             WHERE id IN ({ids}) AND processed_at IS NULL AND EXISTS
               (SELECT 1 FROM zoom_connections c WHERE c.zoom_account_id = zoom_events.zoom_account_id)"
        ))
        .execute(&state.db.pool)
        .await?
        .rows_affected();
        if kept == n {
            continue;
        }
        let sql = format!(
            "DELETE FROM zoom_events WHERE id IN ({}) AND processed_at IS NULL AND NOT EXISTS
               (SELECT 1 FROM zoom_connections c WHERE c.zoom_account_id = zoom_events.zoom_account_id)",
            crate::db::values_from(1, chunk.len(), "$")
        );
        let mut delete = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, _) in chunk {
            delete = delete.bind(*id);
        }
        let dropped = delete.execute(&state.db.pool).await?.rows_affected();
        if kept + dropped < n {
            bind(format!(
                "UPDATE zoom_events SET processed_at = $1, payload = CASE id{whens} END
                 WHERE id IN ({ids}) AND processed_at IS NULL"
            ))
            .execute(&state.db.pool)
            .await?;
        }
    }
    Ok(())
}

/// Fields of Zoom's event bodies that admit someone to something, at any depth.
const SECRET_FIELDS: &[&str] = &[
    "download_token",
    "password",
    "encrypted_password",
    "h323_password",
    "pstn_password",
    "passcode",
    "recording_play_passcode",
    "join_url",
    "start_url",
    "registration_url",
    "share_url",
    "zak",
    "token",
    "plainToken",
];

/// The event body without its secrets ([`SECRET_FIELDS`], wherever they are); a body that
/// does not parse is not kept at all.
fn redact(body: &str) -> String {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(o) => {
                o.retain(|k, _| !SECRET_FIELDS.contains(&k.as_str()));
                o.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let Ok(mut v) = serde_json::from_str::<serde_json::Value>(body) else {
        return String::new();
    };
    strip(&mut v);
    v.to_string()
}

/// The app was removed in Zoom: the same as a disconnect, minus the revoke call.
async fn deauthorize(
    state: &ZoomDeps,
    user_id: Option<&str>,
    account_id: Option<&str>,
    at: Option<jiff::Timestamp>,
) -> anyhow::Result<()> {
    let Some(user_id) = user_id.filter(|u| !u.is_empty()) else {
        return Ok(());
    };
    let at = at.map(|t| t.as_millisecond()).unwrap_or_else(now_ms);
    for conn in zoom_connection::by_zoom_user(&state.db, user_id).await? {
        if let (Some(want), Some(have)) = (account_id, conn.zoom_account_id.as_deref())
            && !want.is_empty()
            && want != have
        {
            continue;
        }
        if zoom_connection::end(&state.db, conn.id, ConnState::Deauthorized, at).await? {
            let mut tx = state.db.pool.begin().await?;
            zoom_connection::audit(
                &mut tx,
                conn.school_id,
                None,
                "zoom.deauthorized",
                &conn.scope_key,
            )
            .await?;
            tx.commit().await?;
            tracing::info!(connection = conn.id, "Zoom app deauthorized");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn redact_removes_the_secrets_and_keeps_the_rest() {
        let body = r#"{"event":"recording.completed","download_token":"dl","payload":{"object":{"id":5,"password":"pw","recording_play_passcode":"pp","recording_files":[{"id":"f"}]}}}"#;
        let out = super::redact(body);
        for secret in [
            "\"dl\"",
            "\"pw\"",
            "\"pp\"",
            "download_token",
            "recording_play_passcode",
        ] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(out.contains("recording_files") && out.contains("\"id\":5"));
    }

    #[test]
    fn a_processed_meeting_created_keeps_no_passcode_or_link() {
        let body = r#"{"event":"meeting.created","payload":{"account_id":"a","object":{"id":7,"topic":"T","password":"pw1","encrypted_password":"ENC-SECRET","join_url":"https://zoom.us/j/7?pwd=enc","start_url":"https://zoom.us/s/7?zak=z","settings":{"pstn_password":"99","h323_password":"88"},"occurrences":[{"join_url":"https://zoom.us/j/7?pwd=x"}]}}}"#;
        let out = super::redact(body);
        for secret in ["pw1", "ENC-SECRET", "pwd=", "zak=", "\"99\"", "\"88\""] {
            assert!(!out.contains(secret), "{secret} in {out}");
        }
        assert!(out.contains("\"topic\":\"T\"") && out.contains("\"id\":7"));
        assert_eq!(super::redact("not json"), "");
    }
}
