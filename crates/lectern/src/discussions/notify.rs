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
    let mut tx = deps.db.pool.begin().await?;
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
    .fetch_optional(&mut *tx)
    .await?;
    let Some(p) = info else { return Ok(()) };
    if p.notified_at.is_some() || p.state != "visible" {
        return Ok(());
    }
    let members: Vec<Member> = sqlx::query_as(MEMBERS)
        .bind(p.school_id)
        .bind(p.course_id)
        .bind(p.thread_id)
        .fetch_all(&mut *tx)
        .await?;
    let mentioned: BTreeSet<String> = render::mentions(&p.body).into_iter().collect();
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
                text,
                html,
                calendar: None,
            },
        )
        .await?;
    }
    sqlx::query("UPDATE discussion_posts SET notified_at = $1 WHERE id = $2")
        .bind(now_ms())
        .bind(post_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}
