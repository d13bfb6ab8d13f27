//! A per-instance cache of what the public verification page reads (`/C/{serial}`): the
//! certificate's row by (school, serial), so that a repeated view makes no database query.
//! The row, not the page: the page is in the reader's language and time zone, and
//! whether a certificate has expired is decided at each view from the cached `expires_at`.
//!
//! It is trusted only while every change reaches it, as the session cache is
//! (`accounts/session_cache.rs`):
//! - On PostgreSQL a trigger (migration 0031) sends
//!   `NOTIFY lectern_certificates, '<schema>:<school id>:<serial>'` for every certificate
//!   row updated or deleted — issued, revoked, replaced, its course or school or learner
//!   deleted (cascades fire it too) — by any instance, job or `psql`, and `'<schema>:*'` on
//!   TRUNCATE. The session cache's subscription hears it ([`ChangeFollower`]) and this
//!   cache is live exactly while that subscription is: off at start, after a lost or
//!   silent connection, until the first notification proves they arrive again.
//! - On SQLite (one process) it is always live, and every write of this process evicts:
//!   the certificates' own writes ([`super::issue`], [`super::revoke`],
//!   [`super::reissue`]) and a deleted course (through `CourseHooks::course_deleted`).
//!
//! Either way this instance's own writes evict before they return; an eviction bumps a
//! generation so that a lookup that read the database before it cannot store what it read
//! after it; and an entry is trusted for [`MAX_AGE`] at most, which bounds what a writer
//! no notification covers (another process on the same SQLite file: `lectern admin
//! delete-school`) can leave behind. Unknown serials are never stored: each one goes to
//! the database, where the verification page's rate limit counts it.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hashlink::LruCache;

use super::Issued;
use crate::accounts::session_cache::ChangeFollower;
use crate::courses::hooks::CourseHooks;
use crate::db::{CourseId, SchoolId};

/// The channel of the trigger in `migrations/postgres/0031_certificate_cache.sql`.
pub const CHANNEL: &str = "lectern_certificates";

/// How long an entry is trusted at most, even while every change is heard.
const MAX_AGE: Duration = Duration::from_secs(30);

/// Certificates kept at most, the least recently viewed dropped first: a row is about a
/// kilobyte (at most about 3 KB with a long body text), so a few megabytes.
const CAPACITY: usize = 4096;

pub struct CertificateCache {
    inner: Mutex<Inner>,
}

struct Inner {
    live: bool,
    /// Bumped by every eviction (see [`Ticket`]).
    generation: u64,
    entries: LruCache<(i64, String), Entry>,
}

struct Entry {
    cert: Arc<Issued>,
    cached_at: Instant,
}

/// What a miss hands back to [`CertificateCache::put`]: the generation it started in, or
/// nothing when the cache is off.
#[derive(Debug)]
pub struct Ticket(Option<u64>);

impl CertificateCache {
    /// Live from the start when `live` (SQLite: every write is this process's); otherwise
    /// off until the change subscription turns it on.
    pub fn new(live: bool) -> CertificateCache {
        CertificateCache {
            inner: Mutex::new(Inner {
                live,
                generation: 0,
                entries: LruCache::new(CAPACITY),
            }),
        }
    }

    /// The cached certificate `serial` (normalised) of `school_id`, or a ticket to store
    /// the database's answer with.
    pub fn get(&self, school_id: SchoolId, serial: &str) -> Result<Arc<Issued>, Ticket> {
        let mut inner = self.lock();
        if !inner.live {
            return Err(Ticket(None));
        }
        let key = (school_id.0, serial.to_string());
        match inner.entries.get(&key) {
            Some(e) if e.cached_at.elapsed() < MAX_AGE => return Ok(e.cert.clone()),
            Some(_) => {
                inner.entries.remove(&key);
            }
            None => {}
        }
        Err(Ticket(Some(inner.generation)))
    }

    /// Stores what the database said for a miss, unless something was evicted meanwhile.
    pub fn put(&self, ticket: Ticket, cert: Arc<Issued>) {
        let mut inner = self.lock();
        if !inner.live || ticket.0 != Some(inner.generation) {
            return;
        }
        inner.entries.insert(
            (cert.school_id, cert.serial.clone()),
            Entry {
                cert,
                cached_at: Instant::now(),
            },
        );
    }

    /// Forgets one certificate (it was changed or deleted).
    pub fn forget(&self, school_id: SchoolId, serial: &str) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.remove(&(school_id.0, serial.to_string()));
    }

    /// Forgets the certificates of a course (it was deleted, and they with it).
    pub fn forget_course(&self, school_id: SchoolId, course_id: CourseId) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner
            .entries
            .retain(|_, e| e.cert.school_id != school_id.0 || e.cert.course_id != course_id.0);
    }

    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
    }

    pub fn is_live(&self) -> bool {
        self.lock().live
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl ChangeFollower for CertificateCache {
    fn channel(&self) -> &'static str {
        CHANNEL
    }

    /// Either way it starts empty: changes made while not subscribed were not heard.
    fn set_live(&self, live: bool) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
        inner.live = live;
    }

    /// `'<schema>:<school id>:<serial>'` forgets that certificate; another schema's is
    /// ignored; anything else (a TRUNCATE's `'<schema>:*'`) forgets everything.
    fn apply(&self, schema: &str, payload: &str) {
        let mut parts = payload.rsplitn(3, ':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(serial), Some(school), Some(of)) => {
                if of != schema {
                    return;
                }
                match school.parse::<i64>() {
                    Ok(id) => self.forget(SchoolId(id), serial),
                    Err(_) => self.clear(),
                }
            }
            (Some(_), Some(of), None) if of != schema => {}
            _ => self.clear(),
        }
    }
}

/// The certificates' side of the course hooks: a deleted course's certificates went with
/// it (on PostgreSQL the trigger says so too, for every instance).
pub struct CertificateSide(pub Arc<CertificateCache>);

impl CourseHooks for CertificateSide {
    fn course_deleted(&self, school_id: SchoolId, course_id: CourseId) {
        self.0.forget_course(school_id, course_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(school_id: i64, course_id: i64, serial: &str) -> Arc<Issued> {
        Arc::new(Issued {
            id: 1,
            school_id,
            course_id,
            user_id: 1,
            serial: serial.into(),
            state: "issued".into(),
            learner_name: "Lea".into(),
            course_title: "Course".into(),
            school_name: "School".into(),
            title: String::new(),
            body: String::new(),
            signer_name: String::new(),
            signer_title: String::new(),
            completed_at: 0,
            live_minutes: 0,
            locale: "en".into(),
            timezone: "UTC".into(),
            expires_at: None,
            issued_at: Some(0),
            revoked_at: None,
            revoked_reason: None,
            replaced_by: None,
            last_error: None,
        })
    }

    fn fill(c: &CertificateCache, school: i64, course: i64, serial: &str) {
        let t = c.get(SchoolId(school), serial).expect_err("a miss");
        c.put(t, cert(school, course, serial));
        assert!(c.get(SchoolId(school), serial).is_ok(), "{serial} cached");
    }

    #[test]
    fn off_until_live_and_keyed_by_school() {
        let c = CertificateCache::new(false);
        let t = c.get(SchoolId(1), "A").expect_err("off");
        assert!(t.0.is_none());
        c.put(t, cert(1, 1, "A"));
        assert!(c.get(SchoolId(1), "A").is_err(), "nothing stored while off");
        c.set_live(true);
        fill(&c, 1, 1, "A");
        assert!(c.get(SchoolId(2), "A").is_err(), "another school's serial");
        c.set_live(false);
        c.set_live(true);
        assert!(
            c.get(SchoolId(1), "A").is_err(),
            "going off forgets everything"
        );
    }

    #[test]
    fn an_eviction_during_a_lookup_wins_over_its_result() {
        let c = CertificateCache::new(true);
        let t = c.get(SchoolId(1), "A").expect_err("a miss");
        // Read from the database, then revoked elsewhere, then the read returns.
        c.forget(SchoolId(1), "A");
        c.put(t, cert(1, 1, "A"));
        assert!(c.get(SchoolId(1), "A").is_err());
    }

    #[test]
    fn notifications_forget_one_certificate_a_course_or_everything() {
        let c = CertificateCache::new(true);
        fill(&c, 1, 1, "A");
        fill(&c, 1, 2, "B");
        fill(&c, 2, 3, "C");
        c.apply("s", "other:1:A");
        assert!(
            c.get(SchoolId(1), "A").is_ok(),
            "other schemas change nothing"
        );
        c.apply("s", "s:1:A");
        assert!(c.get(SchoolId(1), "A").is_err());
        assert!(c.get(SchoolId(1), "B").is_ok() && c.get(SchoolId(2), "C").is_ok());
        c.forget_course(SchoolId(1), CourseId(2));
        assert!(c.get(SchoolId(1), "B").is_err());
        assert!(c.get(SchoolId(2), "C").is_ok());
        c.apply("s", "other:*");
        assert!(c.get(SchoolId(2), "C").is_ok(), "another schema's TRUNCATE");
        c.apply("s", "s:*");
        assert!(
            c.get(SchoolId(2), "C").is_err(),
            "a TRUNCATE forgets everything"
        );
    }

    #[test]
    fn bounded_dropping_the_least_recently_viewed() {
        let c = CertificateCache::new(true);
        for i in 0..CAPACITY {
            fill(&c, 1, 1, &format!("S{i}"));
        }
        assert!(c.get(SchoolId(1), "S0").is_ok(), "S0 viewed again");
        fill(&c, 1, 1, "NEW");
        assert!(c.get(SchoolId(1), "S0").is_ok());
        assert!(
            c.get(SchoolId(1), "S1").is_err(),
            "the least recently viewed went"
        );
        assert_eq!(c.lock().entries.len(), CAPACITY);
    }
}
