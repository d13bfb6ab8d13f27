//! E-mail. Every message is written to the `emails` table and sent by a job: over SMTP
//! (lettre) when `SMTP_URL` is set, otherwise it stays in the outbox that admins read at
//! `/admin/outbox`. Each message has a plain-text and an HTML part.

pub mod routes;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::AnyConnection;

use crate::app::AppState;
use crate::config::Config;
use crate::db::now_ms;
use crate::jobs::{self, NewJob};

pub const SEND_EMAIL: &str = "send_email";

#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(config: &Config) -> anyhow::Result<Mailer> {
        let transport = match &config.smtp_url {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL is invalid: {e}"))?
                    .timeout(Some(std::time::Duration::from_secs(15)))
                    .build(),
            ),
            None => None,
        };
        Ok(Mailer {
            transport,
            from: config.mail_from.parse()?,
        })
    }
}

pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// An iCalendar attachment (`text/calendar; method=...`), e.g. a session invitation.
    pub calendar: Option<Calendar>,
}

pub struct Calendar {
    /// `REQUEST` or `CANCEL`.
    pub method: String,
    pub ics: String,
}

/// Writes the message and its delivery job in the caller's transaction.
pub async fn queue(conn: &mut AnyConnection, school_id: i64, email: Email) -> sqlx::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO emails (school_id, to_addr, subject, body_text, body_html, status, created_at, ics, ics_method)
         VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8) RETURNING id",
    )
    .bind(school_id)
    .bind(&email.to)
    .bind(&email.subject)
    .bind(&email.text)
    .bind(&email.html)
    .bind(now_ms())
    .bind(email.calendar.as_ref().map(|c| c.ics.clone()))
    .bind(email.calendar.as_ref().map(|c| c.method.clone()))
    .fetch_one(&mut *conn)
    .await?;
    jobs::enqueue(
        conn,
        NewJob::now(SEND_EMAIL, serde_json::json!({ "email_id": id }))
            .school(school_id)
            .dedupe(format!("email:{id}")),
    )
    .await?;
    Ok(id)
}

#[derive(sqlx::FromRow)]
struct Row {
    to_addr: String,
    subject: String,
    body_text: String,
    body_html: String,
    status: String,
    ics: Option<String>,
    ics_method: Option<String>,
}

pub(crate) async fn deliver_job(
    state: &AppState,
    payload: &serde_json::Value,
) -> anyhow::Result<()> {
    let id = payload["email_id"]
        .as_i64()
        .ok_or_else(|| anyhow::anyhow!("payload lacks email_id"))?;
    let Some(row) = sqlx::query_as::<_, Row>(
        "SELECT to_addr, subject, body_text, body_html, status, ics, ics_method FROM emails WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&state.db.pool)
    .await?
    else {
        return Ok(());
    };
    if row.status != "queued" {
        return Ok(()); // already handled by an earlier attempt
    }
    let Some(transport) = &state.mailer.transport else {
        mark(state, id, "outbox", None).await?;
        return Ok(());
    };
    let body = MultiPart::alternative_plain_html(row.body_text, row.body_html);
    let body = match row.ics {
        Some(ics) => {
            let method = row.ics_method.as_deref().unwrap_or("REQUEST");
            let ctype =
                ContentType::parse(&format!("text/calendar; charset=UTF-8; method={method}"))?;
            MultiPart::mixed()
                .multipart(body)
                .singlepart(Attachment::new("invite.ics".to_string()).body(ics, ctype))
        }
        None => body,
    };
    let message = Message::builder()
        .from(state.mailer.from.clone())
        .to(row.to_addr.parse()?)
        .subject(row.subject)
        .multipart(body)?;
    match transport.send(message).await {
        Ok(_) => mark(state, id, "sent", None).await,
        Err(e) => {
            if e.is_permanent() {
                mark(state, id, "failed", Some(&e.to_string())).await?;
                Ok(())
            } else {
                Err(anyhow::anyhow!("SMTP delivery failed: {e}"))
            }
        }
    }
}

async fn mark(state: &AppState, id: i64, status: &str, error: Option<&str>) -> anyhow::Result<()> {
    sqlx::query("UPDATE emails SET status = $1, error = $2, sent_at = $3 WHERE id = $4")
        .bind(status)
        .bind(error)
        .bind(now_ms())
        .bind(id)
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxEntry {
    pub id: i64,
    pub to_addr: String,
    pub subject: String,
    pub body_text: String,
    pub status: String,
    pub created_at: i64,
}

pub async fn outbox(
    db: &crate::db::Db,
    school_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<OutboxEntry>> {
    sqlx::query_as::<_, OutboxEntry>(
        "SELECT id, to_addr, subject, body_text, status, created_at FROM emails WHERE school_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(school_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}
