//! Change notifications for pages that stay open: "something about lesson L of course C
//! changed; look again". The code paths that change a live session (Start, webhook
//! processing, cancel, expiry, moving the lesson, deleting Zoom data) call
//! [`crate::db::Db::lesson_changed`] after their commit; open pages hear it through
//! `GET /live/courses/{course}/events` (server-sent events) and fetch a fresh snapshot.
//!
//! Delivery: on PostgreSQL the change is `NOTIFY lectern_live, '<schema>:<school>:<course>:<lesson>'`,
//! heard by every `serve` instance through the one `LISTEN` connection it already keeps for
//! the session cache ([`crate::accounts::session_cache::follow_changes`]), so a webhook
//! processed by a worker anywhere reaches a page connected to any instance. On SQLite (one
//! process) it goes straight into this instance's channel. When an instance is not
//! subscribed (at start, after a lost connection), its own changes still reach its own
//! pages directly, and every page also polls slowly, so a missed notification costs a few
//! seconds, never a wrong state for good.
//!
//! The notification carries no state, only which lesson to look at again: what a viewer
//! may see is decided by the snapshot routes with the viewer's own rights.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use tokio::sync::broadcast;

use crate::db::{CourseId, LessonId, SchoolId};

/// The channel of the change notifications (see [`Hub::apply`] for the payload).
pub const CHANNEL: &str = "lectern_live";

/// How many changes an open page may fall behind before it is told to resynchronise.
const BACKLOG: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LessonChange {
    pub school_id: SchoolId,
    pub course_id: CourseId,
    pub lesson_id: LessonId,
}

pub struct Hub {
    tx: broadcast::Sender<LessonChange>,
    /// Who is in a session's room changed (a participant joined or left): heard only by
    /// the room dashboards (`live/dashboard.rs`), never by players, so a class joining
    /// does not make every student's page look again.
    room_tx: broadcast::Sender<LessonChange>,
    /// True while this instance hears the database's notifications, so its own changes
    /// come back through them and need no direct delivery.
    relayed: AtomicBool,
    /// Open event streams, for `/metrics` and the benchmark's memory per connection.
    open: AtomicI64,
    /// Turned true at shutdown: open streams end, so the graceful shutdown need not wait
    /// for every open page to go away (they reconnect to another instance).
    closing: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("relayed", &self.is_relayed())
            .field("open", &self.open_streams())
            .finish_non_exhaustive()
    }
}

impl Default for Hub {
    fn default() -> Self {
        Hub {
            tx: broadcast::channel(BACKLOG).0,
            room_tx: broadcast::channel(BACKLOG).0,
            relayed: AtomicBool::new(false),
            open: AtomicI64::new(0),
            closing: tokio::sync::watch::channel(false).0,
        }
    }
}

impl Hub {
    pub fn subscribe(&self) -> broadcast::Receiver<LessonChange> {
        self.tx.subscribe()
    }

    pub fn deliver(&self, c: LessonChange) {
        // No receiver is not an error: nobody has a page open.
        let _ = self.tx.send(c);
    }

    /// The room changes (see `room_tx`).
    pub fn subscribe_rooms(&self) -> broadcast::Receiver<LessonChange> {
        self.room_tx.subscribe()
    }

    pub fn deliver_room(&self, c: LessonChange) {
        let _ = self.room_tx.send(c);
    }

    pub fn set_relayed(&self, relayed: bool) {
        self.relayed.store(relayed, Ordering::Relaxed);
    }

    pub fn is_relayed(&self) -> bool {
        self.relayed.load(Ordering::Relaxed)
    }

    /// Applies one notification of [`CHANNEL`] heard on a connection whose schema is
    /// `schema`; other schemas' (other databases sharing the server) and malformed ones are
    /// ignored.
    /// A payload ending in [`ROOM_SUFFIX`] is a room change.
    pub fn apply(&self, schema: &str, payload: &str) {
        let (payload, room) = match payload.strip_suffix(ROOM_SUFFIX) {
            Some(p) => (p, true),
            None => (payload, false),
        };
        let mut parts = payload.rsplitn(4, ':');
        let (Some(lesson), Some(course), Some(school), Some(of)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return;
        };
        if of != schema {
            return;
        }
        if let (Ok(lesson_id), Ok(course_id), Ok(school_id)) =
            (lesson.parse(), course.parse(), school.parse())
        {
            let c = LessonChange {
                school_id: SchoolId(school_id),
                course_id: CourseId(course_id),
                lesson_id: LessonId(lesson_id),
            };
            if room {
                self.deliver_room(c);
            } else {
                self.deliver(c);
            }
        }
    }

    /// Counts an open event stream for as long as the returned guard lives.
    pub fn open_stream(self: &std::sync::Arc<Self>) -> StreamGuard {
        self.open.fetch_add(1, Ordering::Relaxed);
        StreamGuard(self.clone())
    }

    /// Ends every open stream (at shutdown).
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    /// Resolves once [`Hub::close`] was called.
    pub fn closed(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.closing.subscribe();
        async move {
            let _ = rx.wait_for(|c| *c).await;
        }
    }

    pub fn open_streams(&self) -> i64 {
        self.open.load(Ordering::Relaxed)
    }
}

pub struct StreamGuard(std::sync::Arc<Hub>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}

impl LessonChange {
    /// Every live lesson of a school (its Zoom connection changed): course and lesson 0.
    pub fn whole_school(school_id: SchoolId) -> LessonChange {
        LessonChange {
            school_id,
            course_id: CourseId(0),
            lesson_id: LessonId(0),
        }
    }
    /// Whether a page following `course_id` of `school_id` should look again.
    pub fn concerns(&self, school_id: SchoolId, course_id: CourseId) -> bool {
        self.school_id == school_id
            && (self.course_id == course_id || self.course_id == CourseId(0))
    }
}

/// Appended to [`payload`] for a room change (`Db::room_changed`); an older instance
/// reads it as a malformed payload and ignores it.
pub const ROOM_SUFFIX: &str = ":room";

/// The payload a PostgreSQL notification carries, minus the schema prefix the database
/// adds (`current_schema()`, so that test schemas sharing one database stay apart).
pub fn payload(c: LessonChange) -> String {
    format!("{}:{}:{}", c.school_id, c.course_id, c.lesson_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_only_its_own_schema_and_well_formed_payloads() {
        let hub = Hub::default();
        let mut rx = hub.subscribe();
        let c = LessonChange {
            school_id: SchoolId(1),
            course_id: CourseId(2),
            lesson_id: LessonId(3),
        };
        hub.apply("public", &format!("other:{}", payload(c)));
        hub.apply("public", "public:1:2");
        hub.apply("public", "public:a:2:3");
        hub.apply("public", "hb");
        assert!(rx.try_recv().is_err(), "nothing delivered");
        hub.apply("public", &format!("public:{}", payload(c)));
        assert_eq!(rx.try_recv().unwrap(), c);
        // A schema name with a colon still parses from the right.
        hub.apply("t:x", &format!("t:x:{}", payload(c)));
        assert_eq!(rx.try_recv().unwrap(), c);
        // A room change goes to the dashboards only.
        let mut rooms = hub.subscribe_rooms();
        hub.apply("public", &format!("public:{}{ROOM_SUFFIX}", payload(c)));
        assert_eq!(rooms.try_recv().unwrap(), c);
        assert!(rx.try_recv().is_err(), "players hear no room change");
        hub.apply("public", &format!("public:{}", payload(c)));
        assert!(
            rooms.try_recv().is_err(),
            "dashboards hear lesson changes elsewhere"
        );
    }

    #[test]
    fn counts_open_streams() {
        let hub = std::sync::Arc::new(Hub::default());
        let a = hub.open_stream();
        let b = hub.open_stream();
        assert_eq!(hub.open_streams(), 2);
        drop(a);
        drop(b);
        assert_eq!(hub.open_streams(), 0);
    }
}
