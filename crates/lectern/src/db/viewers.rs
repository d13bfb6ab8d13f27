//! A per-instance cache of what the course page, the lesson player and the join ask the
//! database on every view: the course row with its shared copy's version (by school and
//! slug, alike for every viewer), and one viewer's facts about it (enrolment, teaching,
//! completed and opened lessons, by user and course). A whole class opens the same course
//! at once; with both parts cached a view asks the database nothing.
//!
//! It is trusted only while every change is heard, as the session cache is
//! (`accounts::session_cache`): the triggers of migration 0035 tell of every change to a
//! course row, its shared copy's version, an enrolment, a completion, an opened lesson or
//! an instructor, and migration 0036's of a live session, its external link, its
//! recordings or a Zoom connection's state — by any writer — on PostgreSQL by `NOTIFY lectern_viewer`, on SQLite by a
//! row in `change_log` read every 50 ms; while that channel is not heard the cache is off.
//! Writes made through this `Db` also evict at once, after their commit ([`ViewerCache::forget`]),
//! so that a request following a write on the same instance never waits for the
//! notification.
//!
//! The values are the caller's (`courses` keeps its own types here); this module only
//! keeps them, forgets them and guards against a read that raced an eviction.

use std::any::{Any, TypeId};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The channel of the triggers in migration 0035.
pub const CHANNEL: &str = "lectern_viewer";

/// A cached part, of the caller's type.
pub type Value = Arc<dyn Any + Send + Sync>;

/// How long an entry is trusted at most, even while every change is heard.
const MAX_AGE: Duration = Duration::from_secs(30);

/// Viewer entries kept at most (a class of 50,000 each holds one); past it the cache
/// starts over. An entry is the viewer's ids and a few numbers, the course row is shared.
const CAPACITY: usize = 60_000;

/// How often the server sweeps this cache and the session cache of what is past its age.
pub const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// Evictions remembered for the lookups that were reading the database meanwhile; a
/// lookup older than all of them stores nothing.
const RECENT: usize = 4096;

/// What an eviction covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// One person's facts about every course (an enrolment, a completion, an opened
    /// lesson, a teaching role changed).
    User(i64),
    /// A course's row or shared copy changed: its row, its lessons' parts and every
    /// viewer's facts about it.
    Course(i64),
    /// A lesson's live session, external link or recordings changed: that lesson's parts.
    Lesson(i64),
    All,
}

#[derive(Default)]
pub struct ViewerCache {
    inner: Mutex<Inner>,
    hits: AtomicU64,
    misses: AtomicU64,
    /// Lookups of a lesson's parts ([`ViewerCache::lesson`]) answered and not, while live.
    lesson_hits: AtomicU64,
    lesson_misses: AtomicU64,
    /// The highest fence heard (see [`ViewerCache::apply`]).
    fence: AtomicU64,
    /// Set by tests only: notifications are ignored, so that what a view shows after a
    /// write of this instance can only come from the writer's own eviction.
    deaf: std::sync::atomic::AtomicBool,
}

#[derive(Default)]
struct Inner {
    live: bool,
    /// Bumped by every eviction; `recent` holds the last ones with theirs.
    generation: u64,
    recent: VecDeque<(u64, Scope)>,
    /// (school, slug) → the course part.
    courses: HashMap<(i64, Box<str>), Stamped>,
    /// user → (course, the viewer part): evicting a person is one removal.
    viewers: HashMap<i64, Vec<Stamped>>,
    viewer_entries: usize,
    /// (school, lesson, the part's type) → a part about one lesson; a few per live lesson.
    lessons: HashMap<(i64, i64, TypeId), Stamped>,
}

struct Stamped {
    course_id: i64,
    value: Value,
    at: Instant,
}

impl Stamped {
    fn fresh(&self) -> bool {
        self.at.elapsed() < MAX_AGE
    }
}

impl std::fmt::Debug for ViewerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ViewerCache")
            .field("live", &self.is_live())
            .finish_non_exhaustive()
    }
}

/// What a miss hands back to the puts: the generation it started in, or nothing when the
/// cache is off.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(Option<u64>);

impl ViewerCache {
    /// The course part of `slug` in `school_id`, if kept.
    pub fn course(&self, school_id: i64, slug: &str) -> Option<Value> {
        let inner = self.lock();
        if !inner.live {
            return None;
        }
        inner
            .courses
            .get(&(school_id, Box::from(slug)))
            .filter(|e| e.fresh())
            .map(|e| e.value.clone())
    }

    /// The viewer part of `user_id` for `course_id`, if kept.
    pub fn viewer(&self, user_id: i64, course_id: i64) -> Option<Value> {
        let inner = self.lock();
        if !inner.live {
            return None;
        }
        inner
            .viewers
            .get(&user_id)
            .and_then(|v| v.iter().find(|e| e.course_id == course_id && e.fresh()))
            .map(|e| e.value.clone())
    }

    /// The part of type `T` about lesson `lesson_id` of `school_id`, if kept.
    pub fn lesson<T: Any + Send + Sync>(&self, school_id: i64, lesson_id: i64) -> Option<Arc<T>> {
        let inner = self.lock();
        if !inner.live {
            return None;
        }
        let kept = inner
            .lessons
            .get(&(school_id, lesson_id, TypeId::of::<T>()))
            .filter(|e| e.fresh())
            .and_then(|e| e.value.clone().downcast::<T>().ok());
        let c = if kept.is_some() {
            &self.lesson_hits
        } else {
            &self.lesson_misses
        };
        c.fetch_add(1, Ordering::Relaxed);
        kept
    }

    /// People with a part kept now.
    pub fn people(&self) -> usize {
        self.lock().viewers.len()
    }

    /// Lookups of a lesson's parts answered from the cache and not, since start (while
    /// the cache was live).
    pub fn lesson_counts(&self) -> (u64, u64) {
        (
            self.lesson_hits.load(Ordering::Relaxed),
            self.lesson_misses.load(Ordering::Relaxed),
        )
    }

    /// What a lookup takes before it reads the database, to store what it read with.
    pub fn ticket(&self) -> Ticket {
        let inner = self.lock();
        Ticket(inner.live.then_some(inner.generation))
    }

    /// Counts a view served without the database (`true`) or not, for the metrics.
    pub fn count(&self, hit: bool) {
        let c = if hit { &self.hits } else { &self.misses };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Views served from the cache and views that asked the database, since start.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// Stores a course part read after `ticket` was handed out, unless the course was
    /// evicted meanwhile.
    pub fn put_course(
        &self,
        ticket: Ticket,
        school_id: i64,
        slug: &str,
        course_id: i64,
        value: Value,
    ) {
        let mut inner = self.lock();
        if !inner.admits(ticket, |s| matches!(s, Scope::Course(c) if c == course_id)) {
            return;
        }
        inner.courses.insert(
            (school_id, Box::from(slug)),
            Stamped {
                course_id,
                value,
                at: Instant::now(),
            },
        );
    }

    /// Stores a viewer part read after `ticket` was handed out, unless the person or the
    /// course was evicted meanwhile.
    pub fn put_viewer(&self, ticket: Ticket, user_id: i64, course_id: i64, value: Value) {
        let mut inner = self.lock();
        let admitted = inner.admits(ticket, |s| match s {
            Scope::User(u) => u == user_id,
            Scope::Course(c) => c == course_id,
            Scope::Lesson(_) => false,
            Scope::All => true,
        });
        if !admitted {
            return;
        }
        if inner.viewer_entries >= CAPACITY {
            inner.viewers.clear();
            inner.viewer_entries = 0;
        }
        let entry = Stamped {
            course_id,
            value,
            at: Instant::now(),
        };
        // Most people view one course: room for one, not the four a first push makes.
        let mine = inner
            .viewers
            .entry(user_id)
            .or_insert_with(|| Vec::with_capacity(1));
        match mine.iter_mut().find(|e| e.course_id == course_id) {
            Some(e) => *e = entry,
            None => {
                mine.push(entry);
                inner.viewer_entries += 1;
            }
        }
    }

    /// Stores a part about lesson `lesson_id` (of course `course_id`) read after `ticket`
    /// was handed out, unless the lesson or its course was evicted meanwhile.
    pub fn put_lesson<T: Any + Send + Sync>(
        &self,
        ticket: Ticket,
        school_id: i64,
        lesson_id: i64,
        course_id: i64,
        value: Arc<T>,
    ) {
        let mut inner = self.lock();
        let admitted = inner.admits(ticket, |s| match s {
            Scope::Lesson(l) => l == lesson_id,
            Scope::Course(c) => c == course_id,
            Scope::User(_) => false,
            Scope::All => true,
        });
        if !admitted {
            return;
        }
        inner.lessons.insert(
            (school_id, lesson_id, TypeId::of::<T>()),
            Stamped {
                course_id,
                value,
                at: Instant::now(),
            },
        );
    }

    /// Forgets what `scope` covers. Writers call it after their commit; the notifications
    /// call it for every writer.
    pub fn forget(&self, scope: Scope) {
        self.lock().forget(scope);
    }

    /// Drops what is past its age, so that a class gone home leaves nothing behind (a
    /// lookup would not serve it anyway), and gives back the maps' room once they are
    /// mostly empty. The server calls it every few seconds ([`SWEEP_EVERY`]).
    pub fn sweep(&self) {
        self.lock().sweep(MAX_AGE);
    }

    /// Turns the cache on or off; either way it starts empty, because changes made while
    /// not listening were not heard.
    pub fn set_live(&self, live: bool) {
        let mut inner = self.lock();
        inner.forget(Scope::All);
        inner.live = live;
    }

    pub fn is_live(&self) -> bool {
        self.lock().live
    }

    /// Applies one notification of [`CHANNEL`] heard on a connection whose schema is
    /// `schema`: `<schema>:u<user id>`, `<schema>:c<course id>`, a fence `<schema>:f<n>`,
    /// `<schema>:l<lesson id>`, `<schema>:z<connection id>` (a Zoom connection's state:
    /// every live view may show it, so everything is forgotten; it changes rarely),
    /// another schema's (ignored), or anything else (which forgets everything: a TRUNCATE).
    ///
    /// Notifications arrive in commit order, so once a fence sent after a commit is heard
    /// ([`ViewerCache::fence_heard`]), so is everything that commit changed: what a caller
    /// waits for when a change was made outside this instance (another instance, a shell)
    /// and it must be in this instance's next view (the tests).
    pub fn apply(&self, schema: &str, payload: &str) {
        if self.deaf.load(Ordering::Relaxed) {
            return;
        }
        let Some((of, what)) = payload.rsplit_once(':') else {
            return self.forget(Scope::All);
        };
        if of != schema {
            return;
        }
        let id = |s: &str| s.parse::<i64>().ok();
        let scope = match what.split_at_checked(1) {
            Some(("u", rest)) => id(rest).map(Scope::User),
            Some(("c", rest)) => id(rest).map(Scope::Course),
            Some(("l", rest)) => id(rest).map(Scope::Lesson),
            Some(("z", _)) => Some(Scope::All),
            Some(("f", rest)) => {
                if let Ok(n) = rest.parse::<u64>() {
                    self.fence.fetch_max(n, Ordering::SeqCst);
                    return;
                }
                None
            }
            _ => None,
        };
        self.forget(scope.unwrap_or(Scope::All));
    }

    /// Tests only: ignore (`true`) or hear again every notification (see `deaf`).
    #[doc(hidden)]
    pub fn set_deaf(&self, deaf: bool) {
        self.deaf.store(deaf, Ordering::Relaxed);
    }

    /// The highest fence `<schema>:f<n>` heard since start.
    pub fn fence_heard(&self) -> u64 {
        self.fence.load(Ordering::SeqCst)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Inner {
    /// Whether a read that started at `ticket` may be stored: the cache is live and no
    /// eviction since then covers it (`covers` is asked of each; `All` always covers).
    fn admits(&self, ticket: Ticket, covers: impl Fn(Scope) -> bool) -> bool {
        let Some(since) = ticket.0 else { return false };
        if !self.live {
            return false;
        }
        if since == self.generation {
            return true;
        }
        // Every eviction after `since` must still be remembered to tell.
        match self.recent.front() {
            Some(&(oldest, _)) if oldest <= since + 1 => {}
            _ => return false,
        }
        !self
            .recent
            .iter()
            .filter(|(g, _)| *g > since)
            .any(|&(_, s)| s == Scope::All || covers(s))
    }

    fn sweep(&mut self, max_age: Duration) {
        let fresh = |e: &Stamped| e.at.elapsed() < max_age;
        self.courses.retain(|_, e| fresh(e));
        self.lessons.retain(|_, e| fresh(e));
        let mut removed = 0;
        self.viewers.retain(|_, v| {
            let before = v.len();
            v.retain(fresh);
            removed += before - v.len();
            !v.is_empty()
        });
        self.viewer_entries -= removed;
        shrink(&mut self.courses);
        shrink(&mut self.lessons);
        shrink(&mut self.viewers);
    }

    fn forget(&mut self, scope: Scope) {
        self.generation += 1;
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back((self.generation, scope));
        match scope {
            Scope::User(u) => {
                if let Some(gone) = self.viewers.remove(&u) {
                    self.viewer_entries -= gone.len();
                }
            }
            Scope::Course(c) => {
                self.courses.retain(|_, e| e.course_id != c);
                self.lessons.retain(|_, e| e.course_id != c);
                let mut removed = 0;
                self.viewers.retain(|_, v| {
                    let before = v.len();
                    v.retain(|e| e.course_id != c);
                    removed += before - v.len();
                    !v.is_empty()
                });
                self.viewer_entries -= removed;
            }
            Scope::Lesson(l) => self.lessons.retain(|k, _| k.1 != l),
            Scope::All => {
                self.courses.clear();
                self.lessons.clear();
                self.viewers.clear();
                self.viewer_entries = 0;
            }
        }
    }
}

/// Gives back a map's room when it holds less than a quarter of it (a class's worth of
/// entries is megabytes).
pub(crate) fn shrink<K: Eq + std::hash::Hash, V>(m: &mut HashMap<K, V>) {
    if m.capacity() > 64 && m.len() < m.capacity() / 4 {
        m.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(n: i64) -> Value {
        Arc::new(n)
    }

    fn n(v: Value) -> i64 {
        *v.downcast_ref::<i64>().unwrap()
    }

    fn live() -> ViewerCache {
        let c = ViewerCache::default();
        c.set_live(true);
        c
    }

    #[test]
    fn off_until_live_and_stores_nothing_while_off() {
        let c = ViewerCache::default();
        let t = c.ticket();
        c.put_course(t, 1, "a", 7, v(1));
        c.set_live(true);
        assert!(c.course(1, "a").is_none(), "a put from before going live");
        let t = c.ticket();
        c.put_course(t, 1, "a", 7, v(1));
        assert_eq!(n(c.course(1, "a").unwrap()), 1);
        assert!(c.course(2, "a").is_none(), "another school's slug");
        c.set_live(false);
        assert!(c.course(1, "a").is_none(), "going off forgets everything");
    }

    #[test]
    fn a_person_is_forgotten_alone_and_a_course_with_its_viewers() {
        let c = live();
        for (user, course) in [(1, 7), (1, 8), (2, 7)] {
            let t = c.ticket();
            c.put_viewer(t, user, course, v(user * 100 + course));
        }
        let t = c.ticket();
        c.put_course(t, 1, "a", 7, v(7));
        c.apply("s", "s:u1");
        assert!(c.viewer(1, 7).is_none() && c.viewer(1, 8).is_none());
        assert_eq!(n(c.viewer(2, 7).unwrap()), 207);
        assert!(
            c.course(1, "a").is_some(),
            "a person's change leaves the course"
        );
        let t = c.ticket();
        c.put_viewer(t, 1, 8, v(108));
        c.apply("s", "s:c7");
        assert!(c.course(1, "a").is_none() && c.viewer(2, 7).is_none());
        assert_eq!(n(c.viewer(1, 8).unwrap()), 108, "another course stays");
        assert_eq!(c.lock().viewer_entries, 1);
    }

    #[test]
    fn an_eviction_during_a_lookup_wins_over_its_result_and_others_do_not() {
        let c = live();
        let t = c.ticket();
        // Another person's and another course's changes do not concern this read.
        c.forget(Scope::User(2));
        c.forget(Scope::Course(8));
        c.put_viewer(t, 1, 7, v(1));
        assert!(c.viewer(1, 7).is_some());
        let t = c.ticket();
        c.forget(Scope::User(1));
        c.put_viewer(t, 1, 7, v(2));
        assert!(
            c.viewer(1, 7).is_none(),
            "the person changed while it was read"
        );
        let t = c.ticket();
        c.forget(Scope::Course(7));
        c.put_course(t, 1, "a", 7, v(3));
        assert!(
            c.course(1, "a").is_none(),
            "the course changed while it was read"
        );
        let t = c.ticket();
        c.apply("s", "s:*");
        c.put_course(t, 1, "a", 7, v(3));
        assert!(c.course(1, "a").is_none(), "a TRUNCATE covers everything");
    }

    #[test]
    fn a_lessons_parts_are_kept_by_type_and_school_and_go_with_their_lesson_or_course() {
        let c = live();
        let t = c.ticket();
        c.put_lesson(t, 1, 30, 7, Arc::new(1_i64));
        c.put_lesson(t, 1, 30, 7, Arc::new("view"));
        c.put_lesson(t, 1, 31, 7, Arc::new(2_i64));
        c.put_lesson(t, 1, 40, 8, Arc::new(3_i64));
        assert_eq!(c.lesson::<i64>(1, 30).as_deref(), Some(&1));
        assert_eq!(c.lesson::<&str>(1, 30).as_deref(), Some(&"view"));
        assert!(
            c.lesson::<i64>(2, 30).is_none(),
            "another school's lesson id"
        );
        assert!(c.lesson::<u8>(1, 30).is_none(), "a part of another type");
        c.apply("s", "s:u30");
        assert!(
            c.lesson::<i64>(1, 30).is_some(),
            "a person's change leaves lessons"
        );
        c.apply("s", "s:l30");
        assert!(c.lesson::<i64>(1, 30).is_none() && c.lesson::<&str>(1, 30).is_none());
        assert!(c.lesson::<i64>(1, 31).is_some(), "another lesson stays");
        c.apply("s", "s:c7");
        assert!(
            c.lesson::<i64>(1, 31).is_none(),
            "the course's lessons go with it"
        );
        assert!(c.lesson::<i64>(1, 40).is_some(), "another course's stay");
        let t = c.ticket();
        c.forget(Scope::Lesson(41));
        c.forget(Scope::User(1));
        c.put_lesson(t, 1, 40, 8, Arc::new(4_i64));
        assert_eq!(
            c.lesson::<i64>(1, 40).as_deref(),
            Some(&4),
            "others' evictions"
        );
        let t = c.ticket();
        c.forget(Scope::Lesson(40));
        c.put_lesson(t, 1, 40, 8, Arc::new(5_i64));
        assert!(
            c.lesson::<i64>(1, 40).is_none(),
            "evicted while it was read"
        );
        let t = c.ticket();
        c.put_lesson(t, 1, 40, 8, Arc::new(5_i64));
        c.apply("s", "s:z3");
        assert!(
            c.lesson::<i64>(1, 40).is_none(),
            "a connection's change forgets all"
        );
        assert!(c.is_live());
    }

    #[test]
    fn a_sweep_drops_what_is_past_its_age_and_gives_back_the_room() {
        let c = live();
        for user in 0..1000 {
            let t = c.ticket();
            c.put_viewer(t, user, 7, v(user));
        }
        let t = c.ticket();
        c.put_course(t, 1, "a", 7, v(7));
        c.put_lesson(t, 1, 30, 7, Arc::new(1_i64));
        c.sweep();
        assert_eq!(c.people(), 1000, "fresh entries stay");
        assert!(c.course(1, "a").is_some() && c.lesson::<i64>(1, 30).is_some());
        let room = c.lock().viewers.capacity();
        c.lock().sweep(Duration::ZERO);
        let inner = c.lock();
        assert!(inner.viewers.is_empty() && inner.courses.is_empty() && inner.lessons.is_empty());
        assert_eq!(inner.viewer_entries, 0);
        assert!(
            inner.viewers.capacity() < room / 4,
            "the room is given back"
        );
    }

    #[test]
    fn a_lookup_older_than_every_remembered_eviction_stores_nothing() {
        let c = live();
        let t = c.ticket();
        for u in 0..(RECENT as i64 + 1) {
            c.forget(Scope::User(1000 + u));
        }
        c.put_viewer(t, 1, 7, v(1));
        assert!(c.viewer(1, 7).is_none());
    }

    #[test]
    fn other_schemas_and_fences_forget_nothing_and_nonsense_forgets_everything() {
        let c = live();
        let t = c.ticket();
        c.put_course(t, 1, "a", 7, v(7));
        c.apply("s", "other:c7");
        c.apply("s", "s:f12");
        c.apply("s", "s:f3");
        assert_eq!(c.fence_heard(), 12, "the highest fence");
        assert!(c.course(1, "a").is_some(), "a fence forgets nothing");
        c.apply("s", "s:x");
        assert!(c.course(1, "a").is_none());
        assert!(c.is_live());
    }
}
