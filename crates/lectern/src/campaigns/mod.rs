//! E-mail campaigns: an admin (any course, or the whole school) or an instructor (their
//! courses) writes a subject and a Markdown body for an audience, previews it as a
//! recipient would see it, sends a test to themselves, and sends it now or at a time.
//!
//! Queueing is two statements, whatever the audience's size: one `INSERT … SELECT` writes
//! a `campaign_recipients` row per recipient, one more writes a job per recipient (keyed
//! `campaign:{id}:{user}`), their `run_at` spaced at the configured rate
//! (`LECTERN_CAMPAIGN_RATE` per second). A job moves its recipient out of `queued` and
//! writes the e-mail in one transaction, so a worker that dies mid-campaign leaves every
//! recipient either done or still queued: each gets the campaign once.
//!
//! Marketing mail carries `List-Unsubscribe` (a signed link, see [`unsubscribe`]) and
//! `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058). An unsubscribed student
//! is left out when the campaign is queued and again when their mail is written;
//! transactional mail (receipts, resets, live-session mail) does not look at it.

pub mod routes;
pub mod unsubscribe;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use crate::config::Config;
use crate::db::{Db, now_ms};
use crate::email::{self, Email};
use crate::jobs;

#[derive(Clone)]
pub struct CampaignsState {
    pub db: Db,
    pub config: Arc<Config>,
}

impl CampaignsState {
    pub async fn school_url(&self, school_id: i64, path: &str) -> sqlx::Result<String> {
        crate::schools::domains::school_url(&self.db, &self.config.base_url, school_id, path).await
    }
}

/// Who receives a campaign.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// A course's enrolled students.
    Enrolled { course: i64 },
    /// Those of them who have not completed it.
    Incomplete { course: i64 },
    /// Those enrolled who have no attendance of a live session (lesson).
    Missed { course: i64, lesson: i64 },
    /// Every student of the school (admins only).
    School,
}

impl Audience {
    pub fn kind(&self) -> &'static str {
        match self {
            Audience::Enrolled { .. } => "enrolled",
            Audience::Incomplete { .. } => "incomplete",
            Audience::Missed { .. } => "missed",
            Audience::School => "school",
        }
    }

    pub fn course(&self) -> Option<i64> {
        match *self {
            Audience::Enrolled { course }
            | Audience::Incomplete { course }
            | Audience::Missed { course, .. } => Some(course),
            Audience::School => None,
        }
    }

    pub fn lesson(&self) -> Option<i64> {
        match *self {
            Audience::Missed { lesson, .. } => Some(lesson),
            _ => None,
        }
    }

    pub fn from_parts(kind: &str, course: Option<i64>, lesson: Option<i64>) -> Option<Audience> {
        Some(match kind {
            "enrolled" => Audience::Enrolled { course: course? },
            "incomplete" => Audience::Incomplete { course: course? },
            "missed" => Audience::Missed {
                course: course?,
                lesson: lesson?,
            },
            "school" => Audience::School,
            _ => return None,
        })
    }

    /// `SELECT user_id` of the recipients of school `school`: students only, never one
    /// who unsubscribed from the school's campaigns. Only integers are formatted in.
    fn select(&self, school: i64) -> String {
        let base = match *self {
            Audience::Enrolled { course } => format!(
                "SELECT e.user_id FROM enrollments e JOIN users u ON u.id = e.user_id
                 WHERE e.school_id = {school} AND e.course_id = {course} AND u.role = 'student'"
            ),
            Audience::Incomplete { course } => format!(
                "SELECT e.user_id FROM enrollments e JOIN users u ON u.id = e.user_id
                 WHERE e.school_id = {school} AND e.course_id = {course} AND u.role = 'student'
                   AND e.completed_at IS NULL"
            ),
            Audience::Missed { course, lesson } => format!(
                "SELECT e.user_id FROM enrollments e JOIN users u ON u.id = e.user_id
                 WHERE e.school_id = {school} AND e.course_id = {course} AND u.role = 'student'
                   AND NOT EXISTS (SELECT 1 FROM live_attendance_events a JOIN live_sessions s ON s.id = a.session_id
                                   WHERE s.lesson_id = {lesson} AND a.user_id = e.user_id)"
            ),
            Audience::School => format!(
                "SELECT u.id AS user_id FROM users u WHERE u.school_id = {school} AND u.role = 'student'"
            ),
        };
        format!(
            "SELECT a.user_id FROM ({base}) a
             WHERE NOT EXISTS (SELECT 1 FROM mail_unsubscribes m WHERE m.school_id = {school} AND m.user_id = a.user_id)"
        )
    }
}

/// How many would receive it now.
pub async fn count(db: &Db, school_id: i64, audience: Audience) -> sqlx::Result<i64> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM ({}) r",
        audience.select(school_id)
    )))
    .fetch_one(&db.pool)
    .await
}

/// A sample recipient for the preview: the first of the audience, if any.
pub async fn sample(db: &Db, school_id: i64, audience: Audience) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT u.display_name FROM users u WHERE u.id IN ({}) ORDER BY u.id LIMIT 1",
        audience.select(school_id)
    )))
    .fetch_optional(&db.pool)
    .await
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Campaign {
    pub id: i64,
    pub school_id: i64,
    pub author_id: i64,
    pub subject: String,
    pub body_md: String,
    pub audience: String,
    pub course_id: Option<i64>,
    pub lesson_id: Option<i64>,
    pub send_at: Option<i64>,
    pub state: String,
    pub recipients: i64,
    pub created_at: i64,
    /// Recipients whose mail was given up (only [`list`] counts them).
    #[sqlx(default)]
    pub failed: i64,
}

const COLUMNS: &str = "id, school_id, author_id, subject, body_md, audience, course_id, lesson_id, send_at, state, recipients, created_at";

impl Campaign {
    pub fn audience(&self) -> Option<Audience> {
        Audience::from_parts(&self.audience, self.course_id, self.lesson_id)
    }
    pub fn is_draft(&self) -> bool {
        self.state == "draft"
    }
}

pub async fn get(db: &Db, school_id: i64, id: i64) -> sqlx::Result<Option<Campaign>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM campaigns WHERE school_id = $1 AND id = $2"
    )))
    .bind(school_id)
    .bind(id)
    .fetch_optional(&db.pool)
    .await
}

/// The school's campaigns (all of them), newest first, with how many recipients' mail
/// failed (see [`progress`]).
pub async fn list(db: &Db, school_id: i64) -> sqlx::Result<Vec<Campaign>> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}, CASE WHEN state IN ('sending', 'done') THEN
           (SELECT COUNT(*) FROM campaign_recipients r LEFT JOIN emails e ON e.id = r.email_id
            WHERE r.campaign_id = campaigns.id AND (r.state = 'failed' OR e.status = 'failed'))
           ELSE 0 END AS failed
         FROM campaigns WHERE school_id = $1 ORDER BY id DESC LIMIT 200"
    )))
    .bind(school_id)
    .fetch_all(&db.pool)
    .await
}

/// What a draft holds; `audience` as typed (it may not be complete yet).
pub struct Draft<'a> {
    pub subject: &'a str,
    pub body_md: &'a str,
    pub audience: &'a str,
    pub course_id: Option<i64>,
    pub lesson_id: Option<i64>,
    pub send_at: Option<i64>,
}

/// Saves a draft (new when `id` is `None`); only drafts change.
pub async fn save_draft(
    db: &Db,
    school_id: i64,
    author_id: i64,
    id: Option<i64>,
    d: &Draft<'_>,
) -> sqlx::Result<i64> {
    let now = now_ms();
    let audience = match d.audience {
        "enrolled" | "incomplete" | "missed" | "school" => d.audience,
        _ => "enrolled",
    };
    match id {
        None => {
            sqlx::query_scalar(
                "INSERT INTO campaigns (school_id, author_id, subject, body_md, audience, course_id, lesson_id, send_at, state, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', $9, $9) RETURNING id",
            )
            .bind(school_id)
            .bind(author_id)
            .bind(d.subject)
            .bind(d.body_md)
            .bind(audience)
            .bind(d.course_id)
            .bind(d.lesson_id)
            .bind(d.send_at)
            .bind(now)
            .fetch_one(&db.pool)
            .await
        }
        Some(id) => {
            sqlx::query(
                "UPDATE campaigns SET subject = $1, body_md = $2, audience = $3, course_id = $4, lesson_id = $5, send_at = $6, updated_at = $7
                 WHERE school_id = $8 AND id = $9 AND state = 'draft'",
            )
            .bind(d.subject)
            .bind(d.body_md)
            .bind(audience)
            .bind(d.course_id)
            .bind(d.lesson_id)
            .bind(d.send_at)
            .bind(now)
            .bind(school_id)
            .bind(id)
            .execute(&db.pool)
            .await?;
            Ok(id)
        }
    }
}

/// Sends a saved draft: now (queues every recipient) or at `send_at` (a job queues them
/// then). `false` if it was no longer a draft.
pub async fn send(db: &Db, rate: u32, c: &Campaign) -> sqlx::Result<bool> {
    let now = now_ms();
    match c.send_at.filter(|t| *t > now) {
        Some(at) => {
            let mut tx = db.pool.begin().await?;
            let r = sqlx::query(
                "UPDATE campaigns SET state = 'queued', updated_at = $1 WHERE id = $2 AND state = 'draft'",
            )
            .bind(now)
            .bind(c.id)
            .execute(&mut *tx)
            .await?;
            if r.rows_affected() != 1 {
                return Ok(false);
            }
            jobs::enqueue(
                &mut tx,
                jobs::NewJob::of(&StartCampaign { campaign_id: c.id })
                    .school(c.school_id)
                    .at(at)
                    .dedupe(format!("campaign-start:{}", c.id)),
            )
            .await?;
            tx.commit().await?;
            Ok(true)
        }
        None => start(db, rate, c.id, &["draft"]).await,
    }
}

/// Moves the campaign to `sending` and queues a job per recipient, in one transaction of
/// two set-based statements (10,000 recipients in well under 2 s).
async fn start(db: &Db, rate: u32, id: i64, from: &[&str]) -> sqlx::Result<bool> {
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    let from = from
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let claimed: Option<(i64, String, Option<i64>, Option<i64>)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE campaigns SET state = 'sending', updated_at = $1 WHERE id = $2 AND state IN ({from})
             RETURNING school_id, audience, course_id, lesson_id"
        )))
        .bind(now)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((school, kind, course, lesson)) = claimed else {
        return Ok(false);
    };
    let Some(audience) = Audience::from_parts(&kind, course, lesson) else {
        return Ok(false);
    };
    let n = insert_recipients(&mut tx, id, school, audience, now, rate).await?;
    sqlx::query("UPDATE campaigns SET recipients = $1, state = CASE WHEN $1 = 0 THEN 'done' ELSE state END WHERE id = $2")
        .bind(n)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    db.jobs_due.notify_waiters();
    Ok(true)
}

/// The two statements of [`start`]: recipients, then their jobs spaced at `rate` per
/// second from `now`. Returns how many recipients.
async fn insert_recipients(
    tx: &mut AnyConnection,
    id: i64,
    school: i64,
    audience: Audience,
    now: i64,
    rate: u32,
) -> sqlx::Result<i64> {
    let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO campaign_recipients (campaign_id, school_id, user_id, state, updated_at)
         SELECT {id}, {school}, r.user_id, 'queued', {now} FROM ({}) r WHERE 1 = 1
         ON CONFLICT (campaign_id, user_id) DO NOTHING",
        audience.select(school)
    )))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let rate = i64::from(rate.max(1));
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO jobs (school_id, kind, dedupe_key, payload, state, run_at, attempts, max_attempts, created_at, updated_at)
         SELECT {school}, '{kind}', 'campaign:' || campaign_id || ':' || user_id,
                '{{\"campaign_id\":' || campaign_id || ',\"user_id\":' || user_id || '}}', 'queued',
                {now} + ((ROW_NUMBER() OVER (ORDER BY user_id)) - 1) * 1000 / {rate}, 0, 8, {now}, {now}
         FROM campaign_recipients WHERE campaign_id = {id} AND state = 'queued'
         ON CONFLICT (dedupe_key) DO NOTHING",
        kind = <CampaignMail as jobs::Job>::KIND,
    )))
    .execute(&mut *tx)
    .await?;
    Ok(inserted as i64)
}

/// What cancelling did.
pub async fn cancel(db: &Db, school_id: i64, id: i64) -> sqlx::Result<bool> {
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    let r = sqlx::query(
        "UPDATE campaigns SET state = 'cancelled', updated_at = $1
         WHERE school_id = $2 AND id = $3 AND state IN ('draft', 'queued', 'sending')",
    )
    .bind(now)
    .bind(school_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE campaign_recipients SET state = 'cancelled', updated_at = $1 WHERE campaign_id = $2 AND state = 'queued'",
    )
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    // Mail already written but not yet handed to SMTP stays unsent.
    let unsent: Vec<i64> = sqlx::query_scalar(
        "SELECT r.email_id FROM campaign_recipients r JOIN emails e ON e.id = r.email_id
         WHERE r.campaign_id = $1 AND e.status = 'queued'",
    )
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    email::cancel_queued(&mut tx, &unsent).await?;
    // The jobs would find nothing to do; they go now rather than run for nothing.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM jobs WHERE school_id = $1 AND state = 'queued' AND dedupe_key LIKE 'campaign:{id}:%'"
    )))
    .bind(school_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Progress of a campaign: recipients still to write, mails delivered (or kept in the
/// outbox without SMTP), failed, and left out (unsubscribed since, or cancelled).
#[derive(Debug, Default, Clone, Serialize)]
pub struct Progress {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub skipped: i64,
    pub cancelled: i64,
}

pub async fn progress(db: &Db, id: i64) -> sqlx::Result<Progress> {
    let rows: Vec<(String, Option<String>, i64)> = sqlx::query_as(
        "SELECT r.state, e.status, COUNT(*) FROM campaign_recipients r LEFT JOIN emails e ON e.id = r.email_id
         WHERE r.campaign_id = $1 GROUP BY r.state, e.status",
    )
    .bind(id)
    .fetch_all(&db.pool)
    .await?;
    let mut p = Progress::default();
    for (state, status, n) in rows {
        match (state.as_str(), status.as_deref()) {
            ("queued", _) | ("sent", Some("queued")) => p.queued += n,
            ("sent", Some("sent" | "outbox")) => p.sent += n,
            ("sent", Some("cancelled")) | ("cancelled", _) => p.cancelled += n,
            ("skipped", _) => p.skipped += n,
            _ => p.failed += n,
        }
    }
    Ok(p)
}

/// Queues a scheduled campaign's recipients at its time.
#[derive(Serialize, Deserialize)]
pub struct StartCampaign {
    pub campaign_id: i64,
}

/// What the campaign jobs need.
#[derive(Clone)]
pub struct CampaignDeps {
    pub db: Db,
    pub config: Arc<Config>,
}

impl jobs::Job for StartCampaign {
    const KIND: &'static str = "campaign_start";
    type Deps = CampaignDeps;
    async fn run(self, deps: &CampaignDeps) -> anyhow::Result<()> {
        start(
            &deps.db,
            deps.config.campaign_rate,
            self.campaign_id,
            &["queued"],
        )
        .await?;
        Ok(())
    }
}

/// Writes one recipient's mail.
#[derive(Serialize, Deserialize)]
pub struct CampaignMail {
    pub campaign_id: i64,
    pub user_id: i64,
}

impl jobs::Job for CampaignMail {
    const KIND: &'static str = "campaign_mail";
    type Deps = CampaignDeps;
    async fn run(self, deps: &CampaignDeps) -> anyhow::Result<()> {
        deliver_one(deps, self.campaign_id, self.user_id).await
    }

    /// Every attempt to write this recipient's mail failed: they count as failed, and the
    /// campaign can end.
    async fn gave_up(self, deps: &CampaignDeps, _error: &str) -> anyhow::Result<()> {
        let now = now_ms();
        sqlx::query(
            "UPDATE campaign_recipients SET state = 'failed', updated_at = $1 WHERE campaign_id = $2 AND user_id = $3 AND state = 'queued'",
        )
        .bind(now)
        .bind(self.campaign_id)
        .bind(self.user_id)
        .execute(&deps.db.pool)
        .await?;
        close_if_done(&deps.db, self.campaign_id, now).await
    }
}

/// A campaign none of whose recipients is still queued is done.
async fn close_if_done(db: &Db, campaign_id: i64, now: i64) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE campaigns SET state = 'done', updated_at = $1 WHERE id = $2 AND state = 'sending'
           AND NOT EXISTS (SELECT 1 FROM campaign_recipients WHERE campaign_id = $2 AND state = 'queued')",
    )
    .bind(now)
    .bind(campaign_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct RecipientRow {
    email: String,
    display_name: String,
    language: Option<String>,
    unsubscribed: i64,
}

async fn deliver_one(deps: &CampaignDeps, campaign_id: i64, user_id: i64) -> anyhow::Result<()> {
    let db = &deps.db;
    let Some((school_id, state)): Option<(i64, String)> =
        sqlx::query_as("SELECT school_id, state FROM campaigns WHERE id = $1")
            .bind(campaign_id)
            .fetch_optional(&db.pool)
            .await?
    else {
        return Ok(());
    };
    if state != "sending" {
        return Ok(()); // cancelled: its recipients were marked then
    }
    let Some(c) = get(db, school_id, campaign_id).await? else {
        return Ok(());
    };
    let Some(r) = sqlx::query_as::<_, RecipientRow>(
        "SELECT u.email, u.display_name, u.language,
           (SELECT COUNT(*) FROM mail_unsubscribes m WHERE m.school_id = u.school_id AND m.user_id = u.id) AS unsubscribed
         FROM users u WHERE u.id = $1 AND u.school_id = $2",
    )
    .bind(user_id)
    .bind(school_id)
    .fetch_optional(&db.pool)
    .await?
    else {
        return Ok(());
    };
    // Read before the transaction: a job holding a connection while asking the pool for
    // another deadlocks once every connection is held by such a job.
    let school_name: String = sqlx::query_scalar("SELECT name FROM schools WHERE id = $1")
        .bind(school_id)
        .fetch_one(&db.pool)
        .await?;
    let link = unsubscribe::url(deps, school_id, user_id).await?;
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    // The one move out of `queued`: a job run again after a crash finds it done.
    let next = if r.unsubscribed > 0 {
        "skipped"
    } else {
        "sent"
    };
    let moved = sqlx::query(
        "UPDATE campaign_recipients SET state = $1, updated_at = $2 WHERE campaign_id = $3 AND user_id = $4 AND state = 'queued'",
    )
    .bind(next)
    .bind(now)
    .bind(campaign_id)
    .bind(user_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved == 1 && next == "sent" {
        let tr = crate::i18n::Tr::choose(r.language.as_deref(), None);
        let (email, headers) = compose(&tr, &c, &school_name, &r.email, &r.display_name, &link)?;
        let email_id = email::queue_with_headers(&mut tx, school_id, email, &headers).await?;
        sqlx::query(
            "UPDATE campaign_recipients SET email_id = $1 WHERE campaign_id = $2 AND user_id = $3",
        )
        .bind(email_id)
        .bind(campaign_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    // The last one closes the campaign.
    close_if_done(db, campaign_id, now).await
}

#[derive(askama::Template)]
#[template(path = "email/campaign.html")]
pub struct CampaignHtml {
    pub body: String,
    pub footer: String,
    pub unsubscribe_label: String,
    pub unsubscribe: String,
}

/// `{name}` in a body becomes the recipient's name.
pub fn personalise_md(body_md: &str, name: &str) -> String {
    body_md.replace("{name}", name)
}

/// The e-mail a recipient receives and its list headers.
pub fn compose(
    tr: &crate::i18n::Tr,
    c: &Campaign,
    school_name: &str,
    to: &str,
    name: &str,
    unsubscribe: &str,
) -> anyhow::Result<(Email, Vec<(&'static str, String)>)> {
    let md = personalise_md(&c.body_md, name);
    let body_html = crate::courses::markdown::render(&md);
    let footer = tr.t1("campaign-mail-footer", "school", school_name.to_string());
    let unsubscribe_label = tr.t("campaign-mail-unsubscribe");
    let text = format!("{md}\n\n-- \n{footer}\n{unsubscribe_label}: {unsubscribe}\n");
    let html = askama::Template::render(&CampaignHtml {
        body: body_html,
        footer,
        unsubscribe_label,
        unsubscribe: unsubscribe.to_string(),
    })?;
    Ok((
        Email {
            to: to.to_string(),
            subject: c.subject.clone(),
            text,
            html,
            tr: tr.clone(),
            calendar: None,
        },
        vec![
            ("List-Unsubscribe", format!("<{unsubscribe}>")),
            (
                "List-Unsubscribe-Post",
                "List-Unsubscribe=One-Click".to_string(),
            ),
        ],
    ))
}
