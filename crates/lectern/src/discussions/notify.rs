//! A new post is mailed to whoever follows its thread or board, and to the members it
//! mentions, never to its author, each in their own language, through the outbox. The
//! job is queued with the post (deduplicated by it) and does all its mail and the post's
//! `notified_at` in one transaction, so a retried or repeated run sends nothing twice.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::{DiscussionsState, render};
use crate::db::now_ms;
use crate::email::{self, Email};
use crate::i18n::Tr;
use crate::jobs;

#[derive(Serialize, Deserialize)]
pub struct NotifyPost {
    pub post_id: i64,
}

impl jobs::Job for NotifyPost {
    const KIND: &'static str = "discussion_notify_post";
    type Deps = DiscussionsState;
    async fn run(self, deps: &DiscussionsState) -> anyhow::Result<()> {
        notify(deps, self.post_id).await
    }
}

#[derive(sqlx::FromRow)]
struct PostInfo {
    school_id: i64,
    course_id: i64,
    thread_id: i64,
    author_id: Option<i64>,
    author_name: Option<String>,
    body: String,
    state: String,
    notified_at: Option<i64>,
    thread_title: String,
    course_title: String,
    slug: String,
}

#[derive(sqlx::FromRow)]
struct Member {
    id: i64,
    email: String,
    display_name: String,
    language: Option<String>,
    delivery: Option<String>,
    follows: i64,
}

/// Members of the course (enrolled, teaching it, or the school's admins), with whether
/// they follow the thread or the board.
const MEMBERS: &str = "SELECT u.id, u.email, u.display_name, u.language, pr.delivery,
        CASE WHEN EXISTS (SELECT 1 FROM discussion_thread_subscriptions s WHERE s.thread_id = $3 AND s.user_id = u.id)
               OR EXISTS (SELECT 1 FROM discussion_board_subscriptions b WHERE b.course_id = $2 AND b.user_id = u.id)
             THEN 1 ELSE 0 END AS follows
     FROM users u
     LEFT JOIN discussion_preferences pr ON pr.user_id = u.id
     WHERE u.school_id = $1
       AND (u.role = 'admin'
            OR EXISTS (SELECT 1 FROM enrollments e WHERE e.course_id = $2 AND e.user_id = u.id)
            OR EXISTS (SELECT 1 FROM course_instructors i WHERE i.course_id = $2 AND i.user_id = u.id))";

async fn notify(deps: &DiscussionsState, post_id: i64) -> anyhow::Result<()> {
    // Read before the transaction, through the pool: a read inside it on SQLite would
    // take a snapshot that cannot become a write once another writer has committed
    // ("database is locked" at once, no busy wait), and the link's read through the pool
    // inside it would hold a second connection.
    let info: Option<PostInfo> = sqlx::query_as(
        "SELECT p.school_id, p.course_id, p.thread_id, p.author_id, u.display_name AS author_name, p.body,
                p.state, p.notified_at, t.title AS thread_title, c.title AS course_title, c.slug
         FROM discussion_posts p
         JOIN discussion_threads t ON t.id = p.thread_id
         JOIN courses c ON c.id = p.course_id
         LEFT JOIN users u ON u.id = p.author_id
         WHERE p.id = $1",
    )
    .bind(post_id)
    .fetch_optional(&deps.db.pool)
    .await?;
    let Some(p) = info else { return Ok(()) };
    if p.notified_at.is_some() || p.state != "visible" {
        return Ok(());
    }
    let url = crate::schools::domains::school_url(
        &deps.db,
        &deps.config.base_url,
        p.school_id,
        &format!(
            "/courses/{}/discussions/{}#post-{post_id}",
            p.slug, p.thread_id
        ),
    )
    .await?;
    let mut tx = deps.db.pool.begin().await?;
    // The claim is the transaction's first statement, so it waits for the write lock
    // like any writer; a retry or a second worker that finds it taken sends nothing.
    let claimed = sqlx::query(
        "UPDATE discussion_posts SET notified_at = $1
         WHERE id = $2 AND notified_at IS NULL AND state = 'visible'",
    )
    .bind(now_ms())
    .bind(post_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(());
    }
    let members: Vec<Member> = sqlx::query_as(MEMBERS)
        .bind(p.school_id)
        .bind(p.course_id)
        .bind(p.thread_id)
        .fetch_all(&mut *tx)
        .await?;
    let mentioned: BTreeSet<String> = render::mentions(&p.body).into_iter().collect();
    for m in members {
        if Some(m.id) == p.author_id {
            continue;
        }
        let is_mentioned = mentioned.contains(&render::handle(&m.display_name));
        let per_post = m.delivery.as_deref() != Some("digest");
        if !(is_mentioned || (m.follows == 1 && per_post)) {
            continue;
        }
        let tr = Tr::new(m.language.as_deref().unwrap_or("en-US"));
        let args = [
            ("author", p.author_name.clone().unwrap_or_default()),
            ("thread", p.thread_title.clone()),
            ("course", p.course_title.clone()),
            ("body", p.body.clone()),
            ("url", url.clone()),
        ];
        let (subject_key, text_key) = if is_mentioned {
            ("discussion-mail-mention-subject", "discussion-mail-text")
        } else {
            ("discussion-mail-subject", "discussion-mail-text")
        };
        let text = tr.ta(text_key, &args);
        let html = text
            .lines()
            .map(|l| format!("<p>{}</p>", email::html_escape(l)))
            .collect::<String>();
        email::queue(
            &mut tx,
            p.school_id,
            Email {
                to: m.email,
                subject: tr.ta(subject_key, &args),
                tr: tr.clone(),
                text,
                html,
                calendar: None,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The daily digest: checked every hour, sent to each member who chose it a day after
/// their last one, listing the posts since in what they follow. Each member's digest is
/// claimed by a conditional UPDATE of `digest_through` in the transaction that queues it,
/// so two workers, or a retry, send it once.
#[derive(Serialize, Deserialize)]
pub struct DiscussionDigest {
    #[serde(default)]
    pub hour: i64,
}

impl jobs::Job for DiscussionDigest {
    const KIND: &'static str = "discussion_digest";
    type Deps = DiscussionsState;
    async fn run(self, deps: &DiscussionsState) -> anyhow::Result<()> {
        send_digests(deps, deps.db.now_ms()).await
    }
}

const DAY_MS: i64 = 24 * 3_600_000;
/// Most posts listed in one digest; the rest are on the boards.
const DIGEST_MAX: i64 = 100;

#[derive(sqlx::FromRow)]
struct DigestMember {
    id: i64,
    school_id: i64,
    email: String,
    language: Option<String>,
    digest_through: i64,
}

#[derive(sqlx::FromRow)]
struct DigestPost {
    id: i64,
    thread_id: i64,
    thread_title: String,
    course_title: String,
    slug: String,
    author_name: Option<String>,
    body: String,
}

/// Sends every digest due at `now`; returns nothing but errors.
pub async fn send_digests(deps: &DiscussionsState, now: i64) -> anyhow::Result<()> {
    let due: Vec<DigestMember> = sqlx::query_as(
        "SELECT u.id, u.school_id, u.email, u.language, pr.digest_through
         FROM discussion_preferences pr JOIN users u ON u.id = pr.user_id
         WHERE pr.delivery = 'digest' AND pr.digest_through <= $1
         ORDER BY u.id",
    )
    .bind(now - DAY_MS)
    .fetch_all(&deps.db.pool)
    .await?;
    for m in due {
        digest_one(deps, &m, now).await?;
    }
    Ok(())
}

async fn digest_one(deps: &DiscussionsState, m: &DigestMember, now: i64) -> anyhow::Result<()> {
    // Through the pool before the transaction, which must not hold a second connection.
    let origin =
        crate::schools::domains::school_url(&deps.db, &deps.config.base_url, m.school_id, "")
            .await?;
    let mut tx = deps.db.pool.begin().await?;
    let claimed = sqlx::query(
        "UPDATE discussion_preferences SET digest_through = $1
         WHERE user_id = $2 AND delivery = 'digest' AND digest_through = $3",
    )
    .bind(now)
    .bind(m.id)
    .bind(m.digest_through)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(());
    }
    let posts: Vec<DigestPost> = sqlx::query_as(
        "SELECT p.id, p.thread_id, t.title AS thread_title, c.title AS course_title, c.slug,
                u.display_name AS author_name, p.body
         FROM discussion_posts p
         JOIN discussion_threads t ON t.id = p.thread_id
         JOIN courses c ON c.id = p.course_id
         LEFT JOIN users u ON u.id = p.author_id
         WHERE p.school_id = $1 AND p.state = 'visible' AND p.created_at > $2 AND p.created_at <= $3
           AND (p.author_id IS NULL OR p.author_id <> $4)
           AND (EXISTS (SELECT 1 FROM discussion_thread_subscriptions s WHERE s.thread_id = p.thread_id AND s.user_id = $4)
                OR EXISTS (SELECT 1 FROM discussion_board_subscriptions b WHERE b.course_id = p.course_id AND b.user_id = $4))
           AND (EXISTS (SELECT 1 FROM users a WHERE a.id = $4 AND a.role = 'admin')
                OR EXISTS (SELECT 1 FROM enrollments e WHERE e.course_id = p.course_id AND e.user_id = $4)
                OR EXISTS (SELECT 1 FROM course_instructors i WHERE i.course_id = p.course_id AND i.user_id = $4))
         ORDER BY c.title, p.thread_id, p.created_at, p.id
         LIMIT $5",
    )
    .bind(m.school_id)
    .bind(m.digest_through)
    .bind(now)
    .bind(m.id)
    .bind(DIGEST_MAX)
    .fetch_all(&mut *tx)
    .await?;
    if !posts.is_empty() {
        let tr = Tr::new(m.language.as_deref().unwrap_or("en-US"));
        let mut text = tr.t1("discussion-digest-intro", "count", posts.len() as i64);
        let mut thread = None;
        for p in &posts {
            if thread != Some(p.thread_id) {
                thread = Some(p.thread_id);
                text.push_str(&format!(
                    "\n\n{} — {}\n{origin}/courses/{}/discussions/{}\n",
                    p.course_title, p.thread_title, p.slug, p.thread_id
                ));
            }
            let excerpt: String = p.body.split_whitespace().collect::<Vec<_>>().join(" ");
            let excerpt: String = excerpt.chars().take(300).collect();
            text.push_str(&format!(
                "\n{}: {excerpt} (#post-{})\n",
                p.author_name.as_deref().unwrap_or_default(),
                p.id
            ));
        }
        text.push_str("\n\n");
        text.push_str(&tr.t("discussion-digest-footer"));
        let html = text
            .lines()
            .map(|l| format!("<p>{}</p>", email::html_escape(l)))
            .collect::<String>();
        email::queue(
            &mut tx,
            m.school_id,
            Email {
                to: m.email.clone(),
                subject: tr.t1("discussion-digest-subject", "count", posts.len() as i64),
                tr: tr.clone(),
                text,
                html,
                calendar: None,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
