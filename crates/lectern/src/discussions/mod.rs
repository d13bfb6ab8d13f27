//! Discussions: every course's board of threads and replies (`posts.rs`), the Q&A thread
//! of each live session and webinar (`hooks.rs`, made in the lesson's transaction), the
//! Markdown renderer and sanitiser (`render.rs`), full-text search on both databases
//! (`search.rs`), e-mail to subscribers by job (`notify.rs`) and the pages (`routes.rs`).
//!
//! Only the course's enrolled students and its managers (its instructors, the school's
//! admins) read or write a board; a paid course's students are enrolled only on a
//! verified payment, so "enrolled" is the whole test. Removed posts stay in the database
//! for the audit.

pub mod hooks;
pub mod notify;
pub mod posts;
pub mod render;
pub mod routes;
pub mod search;
pub mod seed;

use std::sync::Arc;

use crate::accounts::User;
use crate::config::Config;
use crate::courses::Course;
use crate::db::Db;
use crate::web::{AppError, AppResult, Ctx};

pub use notify::{DiscussionDigest, NotifyPost};

/// What the discussion pages and jobs work with.
#[derive(Clone)]
pub struct DiscussionsState {
    pub db: Db,
    pub config: Arc<Config>,
    /// Where posts' attachments are stored (purpose `discussion`).
    pub files: crate::files::Files,
}

/// How long after posting its author may still edit a post.
pub const EDIT_WINDOW_MS: i64 = 30 * 60 * 1000;

/// Posts one member may write per window, across all boards: enough for a lively
/// conversation, too few to flood one.
pub const POSTS_PER_WINDOW: crate::accounts::rate_limit::Limit =
    crate::accounts::rate_limit::Limit {
        max: 10,
        window_secs: 300,
    };

/// Longest thread title and post, in characters.
pub const MAX_TITLE: usize = 200;
pub const MAX_BODY: usize = 20_000;
/// Longest report reason.
pub const MAX_REASON: usize = 1_000;

/// A board as one signed-in member sees it.
#[derive(Clone)]
pub struct Board {
    pub course: Course,
    pub viewer: User,
    /// An instructor of the course or an admin of its school: moderates.
    pub manager: bool,
}

impl Board {
    pub fn url(&self) -> String {
        format!("/courses/{}/discussions", self.course.slug)
    }
    /// Takes `i64` or `&i64` (templates pass references).
    pub fn thread_url(&self, id: impl std::borrow::Borrow<i64>) -> String {
        format!("/courses/{}/discussions/{}", self.course.slug, id.borrow())
    }
}

/// The board of course `slug` for the signed-in viewer: sign-in first; another school's
/// course (or none) is 404; a member of the school who is neither enrolled nor a
/// manager is 403.
pub async fn board(db: &Db, ctx: &Ctx, slug: &str) -> AppResult<Board> {
    let user = ctx.require_user()?;
    let v = crate::courses::for_viewer(
        db,
        ctx.school.id,
        slug,
        Some(user),
        crate::courses::ViewerExtras::None,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if !(v.manager || v.enrollment.is_some()) {
        return Err(AppError::Forbidden);
    }
    Ok(Board {
        course: v.course,
        viewer: user.clone(),
        manager: v.manager,
    })
}

/// The same as [`board`], for a moderator's action: 403 for everyone else.
pub async fn moderated_board(db: &Db, ctx: &Ctx, slug: &str) -> AppResult<Board> {
    let b = board(db, ctx, slug).await?;
    if !b.manager {
        return Err(AppError::Forbidden);
    }
    Ok(b)
}
