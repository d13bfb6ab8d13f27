//! E-mail. Every message is written to the `emails` table and sent by a job: over SMTP
//! (lettre's protocol over our own pooled `TCP_NODELAY` sockets, [`smtp`]) when
//! `SMTP_URL` is set, otherwise it stays in the outbox that admins read at
//! `/admin/outbox`. Each message has a plain-text and an HTML part.
//!
//! A link that lets its holder in (a password reset) is never stored in a body: the body
//! holds [`SECRET_LINK`] and the link is sealed apart, bound to the row and its recipient
//! ([`queue_with_secret`]). Delivery puts it in and wipes the sealed copy; the outbox shows
//! it only to the user it is for, so no admin reads another user's link.

pub mod routes;
pub(crate) mod smtp;

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use crate::config::Config;
use crate::crypto::SecretKey;
use crate::db::{Db, now_ms};
use crate::jobs::{self, NewJob};

/// The job that delivers one stored message.
#[derive(Serialize, Deserialize)]
pub struct SendEmail {
    pub email_id: i64,
}

/// What delivery needs: the stored message, the key that opens its sealed link, SMTP.
#[derive(Clone)]
pub struct Delivery {
    pub db: Db,
    pub config: Arc<Config>,
    pub mailer: Mailer,
}

impl jobs::Job for SendEmail {
    const KIND: &'static str = "send_email";
    type Deps = Delivery;
    async fn run(self, deps: &Delivery) -> anyhow::Result<()> {
        deliver(deps, self.email_id).await
    }

    /// Every attempt failed (the relay kept refusing for now, or could not be reached):
    /// the message is `failed` with the last error, not `queued` for ever.
    async fn gave_up(self, deps: &Delivery, error: &str) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE emails SET status = 'failed', error = $1, sent_at = $2, secret_sealed = NULL
             WHERE id = $3 AND status = 'queued'",
        )
        .bind(error)
        .bind(now_ms())
        .bind(self.email_id)
        .execute(&deps.db.pool)
        .await?;
        Ok(())
    }
}

/// Where a sealed link goes in a stored body; see [`queue_with_secret`].
pub const SECRET_LINK: &str = "{{secret_link}}";

#[derive(Clone)]
pub struct Mailer {
    transport: Option<Arc<smtp::SmtpPool>>,
    from: Mailbox,
}

impl Mailer {
    pub fn new(config: &Config) -> anyhow::Result<Mailer> {
        let transport = match &config.smtp_url {
            Some(url) => Some(Arc::new(smtp::SmtpPool::new(
                smtp::SmtpTarget::from_url(url)
                    .map_err(|e| anyhow::anyhow!("SMTP_URL is invalid: {e}"))?,
            ))),
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
    /// The HTML part: a whole document or a fragment; [`html_document`] gives it the
    /// recipient's `lang` and `dir` when it is stored.
    pub html: String,
    /// The recipient's language: `<html lang dir>` of the HTML part.
    pub tr: crate::i18n::Tr,
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
    let id = insert(conn, school_id, &email).await?;
    enqueue_delivery(conn, school_id, id).await?;
    Ok(id)
}

/// [`queue`] for a message with extra headers (a campaign's `List-Unsubscribe`), stored
/// with it: sent as stored, shown in the outbox.
pub async fn queue_with_headers(
    conn: &mut AnyConnection,
    school_id: i64,
    email: Email,
    headers: &[(&str, String)],
) -> sqlx::Result<i64> {
    let id = insert(conn, school_id, &email).await?;
    let json = serde_json::to_string(headers).expect("strings serialize");
    sqlx::query("UPDATE emails SET headers = $1 WHERE id = $2")
        .bind(json)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    enqueue_delivery(conn, school_id, id).await?;
    Ok(id)
}

/// Keeps these messages unsent if they are still queued (a cancelled campaign, an
/// unsubscribed recipient): their delivery jobs find them `cancelled`.
pub async fn cancel_queued(conn: &mut AnyConnection, ids: &[i64]) -> sqlx::Result<()> {
    for id in ids {
        sqlx::query("UPDATE emails SET status = 'cancelled' WHERE id = $1 AND status = 'queued'")
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// A link that admits its holder, for one user (e.g. a password reset).
pub struct SecretLink {
    pub user_id: i64,
    pub url: String,
}

/// [`queue`] for a message whose bodies hold [`SECRET_LINK`] where `secret`'s URL belongs:
/// the URL is sealed beside the message, never written into it.
pub async fn queue_with_secret(
    conn: &mut AnyConnection,
    key: &SecretKey,
    school_id: i64,
    email: Email,
    secret: SecretLink,
) -> sqlx::Result<i64> {
    debug_assert!(email.text.contains(SECRET_LINK) && email.html.contains(SECRET_LINK));
    let id = insert(conn, school_id, &email).await?;
    sqlx::query("UPDATE emails SET secret_sealed = $1, secret_user_id = $2 WHERE id = $3")
        .bind(key.seal(secret.url.as_bytes(), &secret_aad(id, secret.user_id)))
        .bind(secret.user_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    enqueue_delivery(conn, school_id, id).await?;
    Ok(id)
}

/// Attaches a file to a queued message (a certificate's PDF), in the caller's transaction.
pub async fn attach(
    conn: &mut AnyConnection,
    email_id: i64,
    name: &str,
    content_type: &str,
    data: &[u8],
) -> sqlx::Result<()> {
    use base64::Engine as _;
    sqlx::query(
        "UPDATE emails SET attachment_name = $1, attachment_type = $2, attachment_data = $3 WHERE id = $4",
    )
    .bind(name)
    .bind(content_type)
    .bind(base64::engine::general_purpose::STANDARD.encode(data))
    .bind(email_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The sealed link opens only in its own row and for its own recipient.
fn secret_aad(email_id: i64, user_id: i64) -> String {
    format!("emails:{email_id}:secret_link:{user_id}")
}

async fn insert(conn: &mut AnyConnection, school_id: i64, email: &Email) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO emails (school_id, to_addr, subject, body_text, body_html, status, created_at, ics, ics_method)
         VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $8) RETURNING id",
    )
    .bind(school_id)
    .bind(&email.to)
    .bind(&email.subject)
    .bind(&email.text)
    .bind(html_document(&email.tr, &email.html))
    .bind(now_ms())
    .bind(email.calendar.as_ref().map(|c| c.ics.clone()))
    .bind(email.calendar.as_ref().map(|c| c.method.clone()))
    .fetch_one(&mut *conn)
    .await
}

async fn enqueue_delivery(conn: &mut AnyConnection, school_id: i64, id: i64) -> sqlx::Result<()> {
    jobs::enqueue(
        conn,
        NewJob::of(&SendEmail { email_id: id })
            .school(school_id)
            .dedupe(format!("email:{id}")),
    )
    .await?;
    Ok(())
}

/// The HTML part as a document whose `<html>` carries the recipient's language and writing
/// direction (`<html lang="de" dir="ltr">`), which mail clients and screen readers use for
/// hyphenation, quotes and pronunciation: a template's bare `<html>` gets the attributes, a
/// fragment (`<p>…</p>`) is wrapped in a document, one that has them already is kept.
pub fn html_document(tr: &crate::i18n::Tr, html: &str) -> String {
    let open = format!(
        "<html lang=\"{}\" dir=\"{}\">",
        html_escape(&tr.lang()),
        tr.dir()
    );
    if html.contains("<html ") {
        html.to_string()
    } else if html.contains("<html>") {
        html.replacen("<html>", &open, 1)
    } else {
        format!(
            "<!doctype html>\n{open}<head><meta charset=\"utf-8\"></head><body>\n{html}\n</body></html>"
        )
    }
}

/// Text for an HTML mail body (templates escape by themselves; hand-built bodies use this).
pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
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
    secret_sealed: Option<String>,
    secret_user_id: Option<i64>,
    attachment_name: Option<String>,
    attachment_type: Option<String>,
    attachment_data: Option<String>,
    headers: Option<String>,
}

async fn deliver(state: &Delivery, id: i64) -> anyhow::Result<()> {
    let Some(row) = sqlx::query_as::<_, Row>(
        "SELECT to_addr, subject, body_text, body_html, status, ics, ics_method, secret_sealed, secret_user_id,
           attachment_name, attachment_type, attachment_data, headers
         FROM emails WHERE id = $1",
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
        // The sealed link stays for its recipient to read in the outbox (maintenance
        // wipes it a day later).
        mark(state, id, "outbox", None).await?;
        return Ok(());
    };
    let (text, html) = match (row.secret_user_id, row.secret_sealed.as_deref()) {
        (None, _) => (row.body_text, row.body_html),
        (Some(user_id), Some(sealed)) => {
            match state
                .config
                .secret_key
                .open(sealed, &secret_aad(id, user_id))
            {
                Ok(url) => {
                    let url = String::from_utf8_lossy(&url).into_owned();
                    (
                        row.body_text.replace(SECRET_LINK, &url),
                        row.body_html.replace(SECRET_LINK, &html_escape(&url)),
                    )
                }
                Err(e) => {
                    let error = format!("its link cannot be opened ({e}); ask for a new one");
                    mark(state, id, "failed", Some(&error)).await?;
                    return Ok(());
                }
            }
        }
        // Kept unsent past its life: the link is gone, and a mail without it helps nobody.
        (Some(_), None) => {
            let error = "its link expired before it could be sent; ask for a new one";
            mark(state, id, "failed", Some(error)).await?;
            return Ok(());
        }
    };
    let body = MultiPart::alternative_plain_html(text, html);
    let body = match row.ics {
        Some(ics) => {
            let method = row.ics_method.as_deref().unwrap_or("REQUEST");
            let ctype =
                ContentType::parse(&format!("text/calendar; charset=UTF-8; method={method}"))?;
            MultiPart::mixed()
                .multipart(body)
                .singlepart(Attachment::new(ICS_NAME.to_string()).body(ics, ctype))
        }
        None => body,
    };
    let body = match (
        row.attachment_name,
        row.attachment_type,
        row.attachment_data,
    ) {
        (Some(name), Some(ctype), Some(data)) => {
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD.decode(data)?;
            MultiPart::mixed()
                .multipart(body)
                .singlepart(Attachment::new(name).body(bytes, ContentType::parse(&ctype)?))
        }
        _ => body,
    };
    let mut message = Message::builder()
        .from(state.mailer.from.clone())
        .to(row.to_addr.parse()?)
        .subject(row.subject);
    for (name, value) in stored_headers(row.headers.as_deref()) {
        let name = lettre::message::header::HeaderName::new_from_ascii(name)
            .map_err(|e| anyhow::anyhow!("stored header name: {e}"))?;
        message = message.raw_header(lettre::message::header::HeaderValue::new(name, value));
    }
    let message = message.multipart(body)?;
    match transport
        .send(message.envelope(), &message.formatted())
        .await
    {
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

/// The extra headers stored with a message (see [`queue_with_headers`]).
pub(crate) fn stored_headers(json: Option<&str>) -> Vec<(String, String)> {
    json.and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default()
}

/// Records the outcome. A mail that was sent or failed for good keeps no sealed link.
async fn mark(state: &Delivery, id: i64, status: &str, error: Option<&str>) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE emails SET status = $1, error = $2, sent_at = $3,
           secret_sealed = CASE WHEN $1 = 'outbox' THEN secret_sealed ELSE NULL END
         WHERE id = $4",
    )
    .bind(status)
    .bind(error)
    .bind(now_ms())
    .bind(id)
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub id: i64,
    pub to_addr: String,
    pub subject: String,
    /// As the viewer may read it: a sealed link only when the viewer is its recipient,
    /// otherwise the `hidden` label given to [`outbox`].
    pub body_text: String,
    pub status: String,
    pub created_at: i64,
    /// The headers it was (or will be) sent with: To, Subject, and the stored extra ones
    /// (List-Unsubscribe, …). From and Date are the server's at sending.
    pub headers: Vec<(String, String)>,
    /// Its attachments as sent: the `.ics` of an invitation or reminder, a certificate's
    /// PDF.
    pub attachments: Vec<OutboxAttachment>,
}

#[derive(Debug, Clone)]
pub struct OutboxAttachment {
    pub name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
}

#[derive(sqlx::FromRow)]
struct OutboxRow {
    id: i64,
    to_addr: String,
    subject: String,
    body_text: String,
    status: String,
    created_at: i64,
    secret_sealed: Option<String>,
    secret_user_id: Option<i64>,
    headers: Option<String>,
    ics: Option<String>,
    ics_method: Option<String>,
    attachment_name: Option<String>,
    attachment_type: Option<String>,
    /// Base64 length and padding of the attachment: its size without reading it.
    attachment_b64: Option<i64>,
    attachment_pad: i64,
}

/// The name the `.ics` part is sent under (see [`deliver`]).
const ICS_NAME: &str = "invite.ics";

/// The school's latest mail as `viewer` (an admin) may read it.
pub async fn outbox(
    db: &crate::db::Db,
    key: &SecretKey,
    school_id: i64,
    viewer: i64,
    hidden: &str,
    limit: i64,
) -> sqlx::Result<Vec<OutboxEntry>> {
    let rows = sqlx::query_as::<_, OutboxRow>(
        "SELECT id, to_addr, subject, body_text, status, created_at, secret_sealed, secret_user_id,
           headers, ics, ics_method, attachment_name, attachment_type, LENGTH(attachment_data) AS attachment_b64,
           CASE WHEN attachment_data LIKE '%==' THEN 2 WHEN attachment_data LIKE '%=' THEN 1 ELSE 0 END AS attachment_pad
         FROM emails WHERE school_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(school_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let own_link = match (r.secret_user_id, r.secret_sealed.as_deref()) {
                (Some(user), Some(sealed)) if user == viewer => key
                    .open(sealed, &secret_aad(r.id, user))
                    .ok()
                    .map(|u| String::from_utf8_lossy(&u).into_owned()),
                _ => None,
            };
            let mut headers = vec![
                ("To".to_string(), r.to_addr.clone()),
                ("Subject".to_string(), r.subject.clone()),
            ];
            headers.extend(stored_headers(r.headers.as_deref()));
            let mut attachments = Vec::new();
            if let Some(ics) = &r.ics {
                attachments.push(OutboxAttachment {
                    name: ICS_NAME.to_string(),
                    content_type: format!(
                        "text/calendar; charset=UTF-8; method={}",
                        r.ics_method.as_deref().unwrap_or("REQUEST")
                    ),
                    size: ics.len() as i64,
                });
            }
            if let (Some(name), Some(ctype), Some(b64)) =
                (&r.attachment_name, &r.attachment_type, r.attachment_b64)
            {
                attachments.push(OutboxAttachment {
                    name: name.clone(),
                    content_type: ctype.clone(),
                    size: b64 / 4 * 3 - r.attachment_pad,
                });
            }
            OutboxEntry {
                headers,
                attachments,
                id: r.id,
                to_addr: r.to_addr,
                subject: r.subject,
                body_text: r
                    .body_text
                    .replace(SECRET_LINK, own_link.as_deref().unwrap_or(hidden)),
                status: r.status,
                created_at: r.created_at,
            }
        })
        .collect())
}

/// Sealed links of mails older than `before` (epoch ms) are wiped: reset links live an
/// hour, so by then they only wait for a backup to copy them. Returns how many.
pub async fn wipe_old_secrets(db: &crate::db::Db, before: i64) -> sqlx::Result<u64> {
    sqlx::query(
        "UPDATE emails SET secret_sealed = NULL WHERE secret_sealed IS NOT NULL AND created_at < $1",
    )
    .bind(before)
    .execute(&db.pool)
    .await
    .map(|r| r.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::html_document;
    use crate::i18n::Tr;

    #[test]
    fn every_html_part_carries_the_recipients_language_and_direction() {
        // A template's bare <html> gets the attributes.
        let t = "<!doctype html>\n<html><body style=\"x\"><p>Hallo</p></body></html>";
        assert_eq!(
            html_document(&Tr::new("de"), t),
            "<!doctype html>\n<html lang=\"de\" dir=\"ltr\"><body style=\"x\"><p>Hallo</p></body></html>"
        );
        // A fragment is wrapped in a whole document.
        let f = html_document(&Tr::new("fr"), "<p>Bonjour</p>");
        assert!(
            f.starts_with("<!doctype html>\n<html lang=\"fr\" dir=\"ltr\"><head><meta charset=\"utf-8\"></head><body>"),
            "{f}"
        );
        assert!(
            f.contains("<p>Bonjour</p>") && f.ends_with("</body></html>"),
            "{f}"
        );
        // A document that says its language already is kept as it is.
        let own = "<!doctype html><html lang=\"es\"><body>x</body></html>";
        assert_eq!(html_document(&Tr::new("de"), own), own);
    }
}
