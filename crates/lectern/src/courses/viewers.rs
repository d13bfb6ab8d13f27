//! [`super::for_viewer`] for students and visitors, from the per-instance viewer cache
//! (`db::viewers`: what it keeps and how every change reaches it): the course part (the
//! row and its shared copy's version) is kept once per course, the viewer part (enrolment,
//! teaching role, completed and opened lessons) once per person and course. A view with
//! both cached asks the database nothing; a miss reads both in the one query staff views
//! make, with every opened lesson instead of one.
//!
//! The live routes and the join ask by lesson instead ([`lesson_for`]): the lesson with its
//! course is kept once per lesson, and the viewer's enrolment comes from the same viewer
//! part, so a student who opened the player joins without asking the database.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock};

use crate::accounts::User;
use crate::accounts::session_cache::ChangeFollower;
use crate::db::viewers::{CHANNEL, Scope};
use crate::db::{CourseId, Db, LessonId, SchoolId, UserId};

use super::{
    Course, CourseForViewer, Lesson, LessonForViewer, ViewerExtras, ViewerRead, parse_lesson_ids,
    progress,
};

struct CoursePart {
    course: Course,
    shared_version: i64,
}

/// Kept for every student of a class at once, so kept small: the ids as sorted slices
/// (16 bytes each, where an empty `HashSet` is 48).
#[derive(Default)]
struct ViewerPart {
    enrollment: Option<progress::Enrollment>,
    teaches: bool,
    done: Box<[LessonId]>,
    opened: Box<[LessonId]>,
}

fn sorted(ids: HashSet<LessonId>) -> Box<[LessonId]> {
    let mut v: Vec<LessonId> = ids.into_iter().collect();
    v.sort_unstable();
    v.into_boxed_slice()
}

/// A visitor's part: nothing of theirs.
static NOBODY: LazyLock<Arc<ViewerPart>> = LazyLock::new(Arc::default);

pub(super) async fn for_viewer(
    db: &Db,
    school_id: i64,
    slug: &str,
    viewer: Option<&User>,
    extras: ViewerExtras,
) -> sqlx::Result<Option<CourseForViewer>> {
    let cache = &db.viewers;
    let course = cache
        .course(school_id, slug)
        .and_then(|v| v.downcast::<CoursePart>().ok());
    let mine = match (&course, viewer) {
        (Some(c), Some(u)) => cache
            .viewer(u.id, c.course.id.0)
            .and_then(|v| v.downcast::<ViewerPart>().ok()),
        (Some(_), None) => Some(NOBODY.clone()),
        (None, _) => None,
    };
    if let (Some(c), Some(m)) = (course, mine) {
        cache.count(true);
        return Ok(Some(assemble(&c, &m, extras)));
    }
    cache.count(false);
    // Taken before the read: an eviction while it runs keeps its result out.
    let ticket = cache.ticket();
    let Some(r) = super::read_for_viewer(db, school_id, slug, viewer, ViewerRead::ForCache).await?
    else {
        return Ok(None);
    };
    let course_id = r.course.id.0;
    let m = match viewer {
        Some(_) => Arc::new(ViewerPart {
            enrollment: r.enrollment(),
            teaches: r.teaches > 0,
            done: sorted(parse_lesson_ids(r.done_ids.as_deref())?),
            opened: sorted(parse_lesson_ids(r.opened_ids.as_deref())?),
        }),
        None => NOBODY.clone(),
    };
    let c = Arc::new(CoursePart {
        shared_version: r.shared_version,
        course: r.course,
    });
    cache.put_course(ticket, school_id, slug, course_id, c.clone());
    if let Some(u) = viewer {
        cache.put_viewer(ticket, u.id, course_id, m.clone());
    }
    Ok(Some(assemble(&c, &m, extras)))
}

/// What every viewer of a lesson reads alike: the lesson, its course and to whom it is
/// private. Its course's eviction takes it too (lessons move the course's version).
struct LessonPart {
    course: Course,
    lesson: Lesson,
    private_to: Option<UserId>,
}

/// [`super::lesson_for_viewer`] for a student from the cache: the lesson part kept per
/// lesson, the student's enrolment from their viewer part of its course (read with the
/// course page's query when missing, which keeps it for their next view too). Staff read
/// the database, as they do for the course page.
pub async fn lesson_for(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
    viewer: &User,
) -> sqlx::Result<Option<LessonForViewer>> {
    let viewer_id = Some(UserId(viewer.id));
    if viewer.can_teach() {
        return super::lesson_for_viewer(db, school_id, lesson_id, viewer_id).await;
    }
    let cache = &db.viewers;
    let Some(part) = cache.lesson::<LessonPart>(school_id.0, lesson_id.0) else {
        cache.count(false);
        let ticket = cache.ticket();
        let Some(r) = super::lesson_for_viewer(db, school_id, lesson_id, viewer_id).await? else {
            return Ok(None);
        };
        let part = Arc::new(LessonPart {
            course: r.course.clone(),
            lesson: r.lesson.clone(),
            private_to: r.private_to,
        });
        cache.put_lesson(ticket, school_id.0, lesson_id.0, r.course.id.0, part);
        return Ok(Some(r));
    };
    let Some(enrolled) = enrolled_in(db, &part.course, viewer).await? else {
        // The slug moved to another course meanwhile: ask by lesson.
        return super::lesson_for_viewer(db, school_id, lesson_id, viewer_id).await;
    };
    Ok(Some(LessonForViewer {
        course: part.course.clone(),
        lesson: part.lesson.clone(),
        enrolled,
        private_to: part.private_to,
    }))
}

/// Whether `viewer` is enrolled in `course`, from their viewer part (read and kept when
/// missing); `None` when the course's slug now names another course.
async fn enrolled_in(db: &Db, course: &Course, viewer: &User) -> sqlx::Result<Option<bool>> {
    let kept = db
        .viewers
        .viewer(viewer.id, course.id.0)
        .and_then(|v| v.downcast::<ViewerPart>().ok());
    if let Some(m) = kept {
        db.viewers.count(true);
        return Ok(Some(m.enrollment.is_some()));
    }
    let v = for_viewer(
        db,
        course.school_id.0,
        &course.slug,
        Some(viewer),
        ViewerExtras::None,
    )
    .await?;
    Ok(v.filter(|v| v.course.id == course.id)
        .map(|v| v.enrollment.is_some()))
}

/// The view of a student or visitor: neither manages the course (only staff can).
fn assemble(c: &CoursePart, m: &ViewerPart, extras: ViewerExtras) -> CourseForViewer {
    CourseForViewer {
        course: c.course.clone(),
        enrollment: m.enrollment.clone(),
        manager: false,
        teaches: m.teaches,
        shared_version: c.shared_version,
        done: match extras {
            ViewerExtras::None => HashSet::new(),
            ViewerExtras::Progress | ViewerExtras::Player(_) => m.done.iter().copied().collect(),
        },
        opened: matches!(extras, ViewerExtras::Player(id) if m.opened.binary_search(&id).is_ok()),
    }
}

/// What this instance's writers call after committing a change to one person's enrolment,
/// completion, opened lessons or teaching role.
pub(crate) fn person_changed(db: &Db, user: UserId) {
    db.viewers.forget(Scope::User(user.0));
}

/// What this instance's writers call after committing a change to a course's row or to
/// what its shared copy holds.
pub(crate) fn course_changed(db: &Db, course: CourseId) {
    db.viewers.forget(Scope::Course(course.0));
}

/// The viewer cache's place on the change subscription (PostgreSQL) or the change log's
/// reader (SQLite), both in `accounts::session_cache`.
pub fn follower(db: &Db) -> Arc<dyn ChangeFollower> {
    Arc::new(Follower(db.clone()))
}

struct Follower(Db);

impl ChangeFollower for Follower {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    fn set_live(&self, live: bool) {
        self.0.viewers.set_live(live);
    }

    fn apply(&self, schema: &str, payload: &str) {
        self.0.viewers.apply(schema, payload);
    }
}
