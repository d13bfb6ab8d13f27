//! A per-instance copy of what every viewer of a course reads alike: its lessons with their
//! completion rules, files and board threads, its instructors, its uploaded cover, whether
//! a coach offers 1-on-1 sessions in it, and its description as HTML. A whole class opens
//! the course page and the player at once; with the copy, a view reads from the database
//! only what is its viewer's own (enrolment, role, completions, whether they opened the
//! lesson) beside the course row, in one query.
//!
//! The copy is kept under the course's version (`course_versions`, migration 0032), which
//! triggers bump on every change to what the copy holds, whoever makes it (any instance,
//! a job, a shell), so no notification is needed and SQLite and PostgreSQL work alike. A
//! view reads the version in the same query as the course row and uses the copy only
//! when its version is equal; a miss reads the version before the copy, so a copy is
//! never older than the version it is kept under.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::completion::{RULE_COLUMNS, Rule, RuleColumns};
use super::files::Cover;
use super::{Course, CoursesState, Instructor, LESSON_COLUMNS, Lesson};
use crate::accounts::User;
use crate::db::{CourseId, LessonId};
use crate::files::StoredFile;

/// Bytes of text (lessons with their quizzes, links and files, instructors, descriptions)
/// kept at most over all courses; past it the cache starts over.
const BUDGET: usize = 32 << 20;

#[derive(Default)]
pub struct SharedCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<CourseId, Arc<Shared>>,
    bytes: usize,
}

/// One course's copy at one version.
pub struct Shared {
    version: i64,
    lessons: Vec<SharedLesson>,
    pub instructors: Vec<Instructor>,
    pub cover: Option<Cover>,
    /// A coach offers 1-on-1 sessions in the course (`bookings`).
    pub offers_booking: bool,
    description: String,
    pub description_html: String,
    bytes: usize,
}

struct SharedLesson {
    lesson: Lesson,
    /// None: a kind this version doesn't know (the player answers 404, as before).
    rule: Option<Rule>,
    /// Its ready files, oldest first.
    files: Vec<StoredFile>,
    /// Its thread on the course's board ([`super::PlayerHooks::lesson_threads`]).
    thread: Option<i64>,
    private_user_id: Option<i64>,
    host_user_id: Option<i64>,
    cancelled: bool,
}

/// What the player reads of one lesson besides the lesson.
pub(crate) struct LessonExtras<'a> {
    pub rule: Option<Rule>,
    pub files: &'a [StoredFile],
    pub thread: Option<i64>,
}

/// Who looks: what [`super::private::visible_sql`] asks of the viewer.
#[derive(Clone, Copy)]
pub struct Viewer<'a> {
    pub user: Option<&'a User>,
    /// They are one of the course's instructors.
    pub teaches: bool,
}

impl SharedLesson {
    /// [`super::private::visible_sql`], in memory: public, theirs, they host it, they
    /// teach the course or are an admin of its school.
    fn visible_to(&self, v: Viewer<'_>, course: &Course) -> bool {
        let Some(private_to) = self.private_user_id else {
            return true;
        };
        let Some(user) = v.user else { return false };
        private_to == user.id
            || self.host_user_id == Some(user.id)
            || v.teaches
            || (user.is_admin() && crate::db::SchoolId(user.school_id) == course.school_id)
    }
}

impl Shared {
    /// The lessons the viewer may see, in order (the player).
    pub fn visible_lessons(&self, v: Viewer<'_>, course: &Course) -> Vec<&Lesson> {
        self.lessons
            .iter()
            .filter(|l| l.visible_to(v, course))
            .map(|l| &l.lesson)
            .collect()
    }

    /// The player's rule, files and thread of one of the course's lessons.
    pub(crate) fn extras(&self, id: LessonId) -> Option<LessonExtras<'_>> {
        self.lessons
            .iter()
            .find(|l| l.lesson.id == id)
            .map(|l| LessonExtras {
                rule: l.rule,
                files: &l.files,
                thread: l.thread,
            })
    }

    /// The course outline: the visible lessons but a cancelled private session
    /// ([`super::private::listed_sql`]).
    pub fn listed_lessons(&self, v: Viewer<'_>, course: &Course) -> Vec<&Lesson> {
        self.lessons
            .iter()
            .filter(|l| !l.cancelled && l.visible_to(v, course))
            .map(|l| &l.lesson)
            .collect()
    }
}

#[derive(sqlx::FromRow)]
struct SharedLessonRow {
    #[sqlx(flatten)]
    lesson: Lesson,
    #[sqlx(flatten)]
    rule: RuleColumns,
    private_user_id: Option<i64>,
    host_user_id: Option<i64>,
    private_cancelled_at: Option<i64>,
}

impl SharedCache {
    /// The course's copy at `version` (read with the course row), loaded on a miss.
    pub async fn get(
        &self,
        state: &CoursesState,
        course: &Course,
        version: i64,
    ) -> sqlx::Result<Arc<Shared>> {
        let cached = self.lock().entries.get(&course.id).cloned();
        if let Some(entry) = cached
            && entry.version == version
            && entry.description == course.description
        {
            return Ok(entry);
        }
        let loaded = Arc::new(load(state, course, version).await?);
        let mut inner = self.lock();
        let newer = inner
            .entries
            .get(&course.id)
            .is_some_and(|e| e.version > version);
        if !newer {
            if inner.bytes + loaded.bytes > BUDGET {
                inner.entries.clear();
                inner.bytes = 0;
            }
            inner.bytes += loaded.bytes;
            if let Some(old) = inner.entries.insert(course.id, loaded.clone()) {
                inner.bytes -= old.bytes;
            }
        }
        Ok(loaded)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves nothing half-written that matters.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

async fn load(state: &CoursesState, course: &Course, version: i64) -> sqlx::Result<Shared> {
    let db = &state.db;
    let rows = sqlx::query_as::<_, SharedLessonRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {LESSON_COLUMNS}, {RULE_COLUMNS}, l.private_user_id, l.host_user_id, l.private_cancelled_at
         FROM lessons l WHERE l.school_id = $1 AND l.course_id = $2 ORDER BY l.position, l.id"
    )))
    .bind(course.school_id)
    .bind(course.id)
    .fetch_all(&db.pool)
    .await?;
    let instructors = sqlx::query_as::<_, Instructor>(
        "SELECT u.id, u.display_name, u.email FROM course_instructors ci JOIN users u ON u.id = ci.user_id
         WHERE ci.course_id = $1 AND ci.school_id = $2 ORDER BY u.display_name, u.id",
    )
    .bind(course.id)
    .bind(course.school_id)
    .fetch_all(&db.pool)
    .await?;
    let cover = super::files::covers(state, course.school_id.0, std::slice::from_ref(course))
        .await?
        .remove(&course.id);
    let offers_booking = state.player.offers_booking(course).await?;
    let mut files: HashMap<LessonId, Vec<StoredFile>> = HashMap::new();
    for f in state
        .files
        .of_course_lessons(course.school_id, course.id)
        .await?
    {
        if let Some(lesson) = f.lesson_id {
            files.entry(lesson).or_default().push(f);
        }
    }
    let threads = state.player.lesson_threads(course).await?;
    let description_html = super::markdown::render(&course.description);
    let lessons: Vec<SharedLesson> = rows
        .into_iter()
        .map(|r| SharedLesson {
            rule: r.rule.rule(),
            files: files.remove(&r.lesson.id).unwrap_or_default(),
            thread: threads.get(&r.lesson.id).copied(),
            lesson: r.lesson,
            private_user_id: r.private_user_id,
            host_user_id: r.host_user_id,
            cancelled: r.private_cancelled_at.is_some(),
        })
        .collect();
    let bytes = course.description.len()
        + description_html.len()
        + lessons
            .iter()
            .map(|l| {
                let c = l.lesson.content.columns();
                256 + l.lesson.title.len()
                    + l.lesson.body.len()
                    + c.url.map_or(0, |u| u.len())
                    + c.quiz_json.map_or(0, |q| q.len())
                    + l.files
                        .iter()
                        .map(|f| 128 + f.name.len() + f.storage_key.len())
                        .sum::<usize>()
            })
            .sum::<usize>()
        + instructors
            .iter()
            .map(|i| 64 + i.display_name.len() + i.email.len())
            .sum::<usize>();
    Ok(Shared {
        version,
        lessons,
        instructors,
        cover,
        offers_booking,
        description: course.description.clone(),
        description_html,
        bytes,
    })
}
