//! Attendance: join/leave instants per participant, bound to the learner by the SDK
//! `customerKey` (our user id with a MAC, see `join::customer_key`), else by e-mail among the course's people, else kept as
//! "unmatched" for the instructor to assign. Segments are computed from the events in
//! event-time order: rejoins merge, a leave that arrived before its join is paired once the
//! join arrives, and the report's slightly different instants overlap rather than double.

use std::collections::BTreeMap;

use zoom::api::MeetingRef;

use super::Session;
use crate::courses;
use crate::crypto::SecretKey;
use crate::db::{CourseId, Db, SchoolId, UserId, now_ms};
use crate::zoom_connection::ZoomDeps;
use crate::zoom_connection::{self, tokens};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Join,
    Leave,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Join => "join",
            Kind::Leave => "leave",
        }
    }
}

/// What Zoom told us about a participant.
#[derive(Clone, Copy, Default)]
pub struct Seen<'a> {
    pub customer_key: Option<&'a str>,
    pub email: Option<&'a str>,
    pub name: Option<&'a str>,
    pub participant_uuid: Option<&'a str>,
    pub participant_id: Option<&'a str>,
    pub zoom_user_id: Option<&'a str>,
}

#[derive(Clone)]
pub struct Who {
    pub key: String,
    pub user_id: Option<i64>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub is_host: bool,
}

fn nonempty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Resolves participants of session `s` to users of its school where possible, in
/// order: the course's members among the keys we issued are found with one query, and
/// an e-mail is looked up once however often it appears.
pub(crate) async fn identify_many(
    db: &Db,
    key: &SecretKey,
    s: &Session,
    seen: &[Seen<'_>],
) -> sqlx::Result<Vec<Who>> {
    // Only a key we issued for this session, to one of this course's people, counts: a
    // student who edits theirs in the browser is matched by e-mail or kept as a guest.
    let keyed: Vec<Option<i64>> = seen
        .iter()
        .map(|x| {
            nonempty(x.customer_key).and_then(|k| super::join::customer_key_user(key, s.id, k))
        })
        .collect();
    let mut ids: Vec<i64> = keyed.iter().flatten().copied().collect();
    ids.sort_unstable();
    ids.dedup();
    let members = courses::queries::members_among(db, s.school_id, s.course_id, &ids).await?;
    let mut by_email = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(seen.len());
    for (x, k) in seen.iter().zip(keyed) {
        let mut user_id = k.filter(|k| members.contains(k));
        // A key that is not ours came from a player page someone edited: their e-mail is
        // as self-declared as the key, so it matches nobody either (the instructor can
        // assign).
        let forged = nonempty(x.customer_key).is_some() && user_id.is_none();
        if user_id.is_none()
            && !forged
            && let Some(e) = nonempty(x.email)
        {
            let e = e.to_lowercase();
            user_id = match by_email.get(&e) {
                Some(found) => *found,
                None => {
                    // Only people of this course: its students and instructors.
                    let found =
                        courses::queries::member_by_email(db, s.school_id, s.course_id, &e).await?;
                    by_email.insert(e, found);
                    found
                }
            };
        }
        out.push(who(s, x, user_id));
    }
    Ok(out)
}

fn who(s: &Session, seen: &Seen<'_>, user_id: Option<i64>) -> Who {
    let is_host = nonempty(seen.zoom_user_id).is_some()
        && nonempty(seen.zoom_user_id) == s.zoom_host_id.as_deref();
    let key = match user_id {
        Some(id) => format!("u:{id}"),
        None => nonempty(seen.email)
            .map(|e| format!("e:{}", e.to_lowercase()))
            .or_else(|| nonempty(seen.participant_uuid).map(|p| format!("p:{p}")))
            .or_else(|| nonempty(seen.participant_id).map(|p| format!("i:{p}")))
            .or_else(|| nonempty(seen.name).map(|n| format!("n:{n}")))
            .unwrap_or_else(|| "unknown".into()),
    };
    Who {
        key,
        user_id,
        name: nonempty(seen.name).map(str::to_string),
        email: nonempty(seen.email).map(str::to_string),
        is_host,
    }
}

/// The person an event belongs to: the matched user, else the participant key.
fn person_key(user_id: Option<i64>, participant_key: &str) -> String {
    user_id.map_or_else(|| participant_key.to_string(), |u| format!("u:{u}"))
}

pub async fn record(
    db: &Db,
    s: &Session,
    who: &Who,
    kind: Kind,
    at: i64,
    source: &str,
) -> sqlx::Result<()> {
    let person = person_key(who.user_id, &who.key);
    let mut tx = db.pool.begin().await?;
    // The person's row first: a write (SQLite's lock at once), and on PostgreSQL the row
    // lock that makes two events of one person refresh it one after the other.
    claim_person(&mut tx, s.into(), &person, who.user_id).await?;
    let added = sqlx::query(
        "INSERT INTO live_attendance_events (school_id, session_id, participant_key, user_id, name, email, is_host, kind, at, source, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (session_id, participant_key, kind, at) DO NOTHING",
    )
    .bind(s.school_id)
    .bind(s.id)
    .bind(&who.key)
    .bind(who.user_id)
    .bind(who.name.as_deref())
    .bind(who.email.as_deref())
    .bind(i64::from(who.is_host))
    .bind(kind.as_str())
    .bind(at)
    .bind(source)
    .bind(now_ms())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if added > 0 {
        refresh_person(&mut tx, s.into(), &person, who.user_id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Rows of Zoom's participants report recorded per transaction ([`reconcile_report`]).
const REPORT_SLICE: usize = 500;

/// One participant event to record, with whom it was resolved to ([`record_many`]).
pub struct Sighting {
    pub who: Who,
    pub kind: Kind,
    pub at: i64,
}

const EVENT_ROW: &str = "($, $, $, $, $, $, $, $, $, $, $)";

/// [`record`] for many events of one session, in one transaction: each person's row is
/// taken once, in key order (two workers never wait on each other in a cycle), the
/// events go in with one statement per 500, and each person with a new event is
/// refreshed once, from one read of all their events. What a burst of webhooks costs
/// the database is then a few statements per person instead of six per event.
pub async fn record_many(
    db: &Db,
    s: &Session,
    seen: &[Sighting],
    source: &str,
) -> sqlx::Result<()> {
    if seen.is_empty() {
        return Ok(());
    }
    let ids = SessionIds::from(s);
    let people: BTreeMap<String, Option<i64>> = seen
        .iter()
        .map(|x| (person_key(x.who.user_id, &x.who.key), x.who.user_id))
        .collect();
    let now = now_ms();
    let mut tx = db.pool.begin().await?;
    claim_people(&mut tx, ids, &people).await?;
    let mut added = BTreeMap::new();
    for chunk in seen.chunks(500) {
        let sql = format!(
            "INSERT INTO live_attendance_events (school_id, session_id, participant_key, user_id, name, email, is_host, kind, at, source, created_at)
             VALUES {} ON CONFLICT (session_id, participant_key, kind, at) DO NOTHING
             RETURNING participant_key, user_id",
            crate::db::values(chunk.len(), EVENT_ROW)
        );
        let mut q = sqlx::query_as::<_, (String, Option<i64>)>(sqlx::AssertSqlSafe(sql));
        for x in chunk {
            q = q
                .bind(s.school_id)
                .bind(s.id)
                .bind(&x.who.key)
                .bind(x.who.user_id)
                .bind(x.who.name.as_deref())
                .bind(x.who.email.as_deref())
                .bind(i64::from(x.who.is_host))
                .bind(x.kind.as_str())
                .bind(x.at)
                .bind(source)
                .bind(now);
        }
        for (key, user_id) in q.fetch_all(&mut *tx).await? {
            added.insert(person_key(user_id, &key), user_id);
        }
    }
    refresh_people(&mut tx, ids, &added).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes (or creates) the aggregate rows of several people, in key order, one statement
/// per 500.
async fn claim_people(
    tx: &mut sqlx::AnyConnection,
    s: SessionIds,
    people: &BTreeMap<String, Option<i64>>,
) -> sqlx::Result<()> {
    let people: Vec<_> = people.iter().collect();
    let now = now_ms();
    for chunk in people.chunks(500) {
        let sql = format!(
            "INSERT INTO live_attendance_people (session_id, person_key, school_id, user_id, name, email, is_host, lead_orphan, closed, closed_ms, open_from, first_join, last_leave, updated_at)
             VALUES {}
             ON CONFLICT (session_id, person_key) DO UPDATE SET updated_at = excluded.updated_at",
            crate::db::values(
                chunk.len(),
                "($, $, $, $, '', '', 0, 0, '', 0, NULL, NULL, NULL, $)"
            )
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (person, user_id) in chunk {
            q = q
                .bind(s.id)
                .bind(person.as_str())
                .bind(s.school_id)
                .bind(**user_id)
                .bind(now);
        }
        q.execute(&mut *tx).await?;
    }
    Ok(())
}

/// [`refresh_person`] for several people, their events read with one statement per 200.
async fn refresh_people(
    tx: &mut sqlx::AnyConnection,
    s: SessionIds,
    people: &BTreeMap<String, Option<i64>>,
) -> sqlx::Result<()> {
    let people: Vec<_> = people.iter().collect();
    for chunk in people.chunks(200) {
        let users: Vec<i64> = chunk.iter().filter_map(|(_, u)| **u).collect();
        let keys: Vec<&str> = chunk
            .iter()
            .filter(|(_, u)| u.is_none())
            .map(|(k, _)| k.as_str())
            .collect();
        // The same partition as `refresh_person`'s: a matched person is all events of the
        // user, an unmatched one the events of the key that no user claims.
        let mut whose = Vec::new();
        if !users.is_empty() {
            whose.push(format!(
                "user_id IN ({})",
                crate::db::values_from(2, users.len(), "$")
            ));
        }
        if !keys.is_empty() {
            whose.push(format!(
                "(user_id IS NULL AND participant_key IN ({}))",
                crate::db::values_from(2 + users.len(), keys.len(), "$")
            ));
        }
        let sql = format!(
            "SELECT participant_key, user_id, name, email, is_host, kind, at FROM live_attendance_events
             WHERE session_id = $1 AND ({}) ORDER BY at, id",
            whose.join(" OR ")
        );
        let mut q = sqlx::query_as::<_, EventRow>(sqlx::AssertSqlSafe(sql)).bind(s.id);
        for u in &users {
            q = q.bind(*u);
        }
        for k in &keys {
            q = q.bind(*k);
        }
        let mut of: BTreeMap<String, Vec<EventRow>> = BTreeMap::new();
        for r in q.fetch_all(&mut *tx).await? {
            of.entry(person_key(r.user_id, &r.participant_key))
                .or_default()
                .push(r);
        }
        for (person, user_id) in chunk {
            let rows = of.remove(person.as_str()).unwrap_or_default();
            write_person(tx, s, person, **user_id, rows).await?;
        }
    }
    Ok(())
}

/// What a person's aggregate needs of their session.
#[derive(Clone, Copy)]
pub(crate) struct SessionIds {
    pub id: i64,
    pub school_id: i64,
}

impl From<&Session> for SessionIds {
    fn from(s: &Session) -> Self {
        SessionIds {
            id: s.id,
            school_id: s.school_id,
        }
    }
}

/// Every person's aggregate of every session of a school, rebuilt from the events, in
/// the caller's transaction ("Delete all Zoom data" anonymises the events, then this).
pub(crate) async fn rebuild_school(
    tx: &mut sqlx::AnyConnection,
    school_id: SchoolId,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM live_attendance_people WHERE school_id = $1")
        .bind(school_id)
        .execute(&mut *tx)
        .await?;
    let people: Vec<(i64, Option<i64>, String)> = sqlx::query_as(
        "SELECT DISTINCT session_id, user_id, participant_key FROM live_attendance_events WHERE school_id = $1",
    )
    .bind(school_id)
    .fetch_all(&mut *tx)
    .await?;
    let mut seen = std::collections::HashSet::new();
    for (session_id, user_id, key) in people {
        let person = person_key(user_id, &key);
        if !seen.insert((session_id, person.clone())) {
            continue;
        }
        let s = SessionIds {
            id: session_id,
            school_id: school_id.0,
        };
        claim_person(tx, s, &person, user_id).await?;
        refresh_person(tx, s, &person, user_id).await?;
    }
    Ok(())
}

/// Takes (or creates) a person's aggregate row; the first statement of every refresh.
async fn claim_person(
    tx: &mut sqlx::AnyConnection,
    s: SessionIds,
    person: &str,
    user_id: Option<i64>,
) -> sqlx::Result<()> {
    claim_people(tx, s, &BTreeMap::from([(person.to_string(), user_id)])).await
}

/// Recomputes one person's aggregate from their own events (after [`claim_person`], in
/// the same transaction); a person with no events any more loses the row.
async fn refresh_person(
    tx: &mut sqlx::AnyConnection,
    s: SessionIds,
    person: &str,
    user_id: Option<i64>,
) -> sqlx::Result<()> {
    let rows = match user_id {
        Some(u) => sqlx::query_as::<_, EventRow>(
            "SELECT participant_key, user_id, name, email, is_host, kind, at FROM live_attendance_events
             WHERE session_id = $1 AND user_id = $2 ORDER BY at, id",
        )
        .bind(s.id)
        .bind(u),
        None => sqlx::query_as::<_, EventRow>(
            "SELECT participant_key, user_id, name, email, is_host, kind, at FROM live_attendance_events
             WHERE session_id = $1 AND user_id IS NULL AND participant_key = $2 ORDER BY at, id",
        )
        .bind(s.id)
        .bind(person),
    }
    .fetch_all(&mut *tx)
    .await?;
    write_person(tx, s, person, user_id, rows).await
}

/// Writes a person's aggregate computed from `rows`, all their events in order of
/// `(at, id)`; no events, no row.
async fn write_person(
    tx: &mut sqlx::AnyConnection,
    s: SessionIds,
    person: &str,
    user_id: Option<i64>,
    rows: Vec<EventRow>,
) -> sqlx::Result<()> {
    if rows.is_empty() {
        sqlx::query("DELETE FROM live_attendance_people WHERE session_id = $1 AND person_key = $2")
            .bind(s.id)
            .bind(person)
            .execute(&mut *tx)
            .await?;
        return Ok(());
    }
    let (mut name, mut email, mut is_host) = (String::new(), String::new(), false);
    let mut events = Vec::with_capacity(rows.len());
    for r in rows {
        if let Some(n) = r.name {
            name = n;
        }
        if let Some(e) = r.email {
            email = e;
        }
        is_host |= r.is_host != 0;
        events.push((
            r.at,
            if r.kind == "join" {
                Kind::Join
            } else {
                Kind::Leave
            },
        ));
    }
    let p = Parts::of(events);
    let closed_ms: i64 = p.closed.iter().map(|(a, b)| b - a).sum();
    sqlx::query(
        "UPDATE live_attendance_people SET user_id = $1, name = $2, email = $3, is_host = $4, lead_orphan = $5,
           closed = $6, closed_ms = $7, open_from = $8, first_join = $9, last_leave = $10, updated_at = $11
         WHERE session_id = $12 AND person_key = $13",
    )
    .bind(user_id)
    .bind(name)
    .bind(email)
    .bind(i64::from(is_host))
    .bind(i64::from(p.lead_orphan))
    .bind(p.closed_text())
    .bind(closed_ms)
    .bind(p.open_from)
    .bind(p.closed.first().map(|x| x.0).or(p.open_from))
    .bind(p.closed.last().map(|x| x.1))
    .bind(now_ms())
    .bind(s.id)
    .bind(person)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Rebuilds every person's aggregate of a session from its events, once: sessions whose
/// events predate the aggregates, or whose aggregates "Delete all Zoom data" dropped.
async fn build_people(db: &Db, s: &Session) -> sqlx::Result<()> {
    let people: Vec<(Option<i64>, String)> = sqlx::query_as(
        "SELECT DISTINCT user_id, participant_key FROM live_attendance_events WHERE session_id = $1",
    )
    .bind(s.id)
    .fetch_all(&db.pool)
    .await?;
    let mut seen = std::collections::HashSet::new();
    for (user_id, key) in people {
        let person = person_key(user_id, &key);
        if !seen.insert(person.clone()) {
            continue;
        }
        let mut tx = db.pool.begin().await?;
        claim_person(&mut tx, s.into(), &person, user_id).await?;
        refresh_person(&mut tx, s.into(), &person, user_id).await?;
        tx.commit().await?;
    }
    sqlx::query("UPDATE live_sessions SET people_built = 1 WHERE id = $1")
        .bind(s.id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct PersonRow {
    person_key: String,
    user_id: Option<i64>,
    name: String,
    email: String,
    is_host: i64,
    lead_orphan: i64,
    closed: String,
    open_from: Option<i64>,
}

/// Everyone seen in the session from the per-person aggregates: one row each, no events
/// read, nothing paired; equal to [`attendees_recomputed`].
pub async fn attendees(db: &Db, s: &Session) -> sqlx::Result<Vec<Attendee>> {
    let built: Option<i64> =
        sqlx::query_scalar("SELECT people_built FROM live_sessions WHERE id = $1")
            .bind(s.id)
            .fetch_optional(&db.pool)
            .await?;
    if built == Some(0) {
        build_people(db, s).await?;
    }
    let rows = sqlx::query_as::<_, PersonRow>(
        "SELECT person_key, user_id, name, email, is_host, lead_orphan, closed, open_from
         FROM live_attendance_people WHERE session_id = $1",
    )
    .bind(s.id)
    .fetch_all(&db.pool)
    .await?;
    let start = s.started_at.or(s.linked_at).unwrap_or(0);
    let end = s.ended_at.unwrap_or_else(now_ms);
    let mut out: Vec<Attendee> = rows
        .into_iter()
        .map(|r| {
            let p = Parts {
                lead_orphan: r.lead_orphan != 0,
                closed: Parts::parse_closed(&r.closed),
                open_from: r.open_from,
            };
            Attendee {
                key: r.person_key,
                user_id: r.user_id,
                name: r.name,
                email: r.email,
                is_host: r.is_host != 0,
                segments: p.segments(start, end),
                present: p.open_from.is_some(),
            }
        })
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(out)
}

/// One person's time in the session.
#[derive(Clone, Debug)]
pub struct Attendee {
    pub key: String,
    pub user_id: Option<i64>,
    pub name: String,
    pub email: String,
    pub is_host: bool,
    pub segments: Vec<(i64, i64)>,
    /// In the room now: their latest event (in event time) is a join, so their last
    /// segment is still open (it ends at the session's end, or now while it runs).
    pub present: bool,
}

impl Attendee {
    pub fn total_ms(&self) -> i64 {
        self.segments.iter().map(|(a, b)| b - a).sum()
    }
    pub fn minutes(&self) -> i64 {
        (self.total_ms() + 30_000) / 60_000
    }
    pub(crate) fn first_join(&self) -> Option<i64> {
        self.segments.first().map(|s| s.0)
    }
    pub(crate) fn last_leave(&self) -> Option<i64> {
        self.segments.last().map(|s| s.1)
    }
}

/// Pairs joins and leaves (sorted by instant) into merged segments. A leave with no open
/// join extends the previous segment, or starts at `session_start`; an open join ends at
/// `session_end`.
pub fn segments(
    mut events: Vec<(i64, Kind)>,
    session_start: i64,
    session_end: i64,
) -> Vec<(i64, i64)> {
    events.sort_by_key(|(at, k)| (*at, *k == Kind::Leave));
    let mut out: Vec<(i64, i64)> = Vec::new();
    let mut open: Option<i64> = None;
    for (at, kind) in events {
        match (kind, open) {
            (Kind::Join, None) => open = Some(at),
            (Kind::Join, Some(_)) => {}
            (Kind::Leave, Some(from)) => {
                out.push((from, at));
                open = None;
            }
            (Kind::Leave, None) => match out.last_mut() {
                Some(last) => last.1 = last.1.max(at),
                None => out.push((session_start.min(at), at)),
            },
        }
    }
    if let Some(from) = open {
        out.push((from, session_end.max(from)));
    }
    // Merge overlaps (webhook and report instants of the same segment).
    out.sort();
    let mut merged: Vec<(i64, i64)> = Vec::new();
    for (a, b) in out {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// One person's segments as far as their events alone decide them, so that they can be
/// kept per person as the events arrive ([`refresh`]) and finished at read time with the
/// session's start and end ([`Parts::segments`]): equal to [`segments`] over the same
/// events, by construction of the pairing (a property test holds them to it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parts {
    /// The first event (in pairing order) is a leave: the first segment starts at the
    /// session's start if that is earlier.
    pub lead_orphan: bool,
    /// The closed segments, merged (the leading orphan's starting at its leave).
    pub closed: Vec<(i64, i64)>,
    /// The open segment's start, when the person is in the room.
    pub open_from: Option<i64>,
}

impl Parts {
    /// Pairs the events as [`segments`] does, without the session's start and end.
    pub fn of(mut events: Vec<(i64, Kind)>) -> Parts {
        events.sort_by_key(|(at, k)| (*at, *k == Kind::Leave));
        let lead_orphan = events.first().is_some_and(|e| e.1 == Kind::Leave);
        let mut out: Vec<(i64, i64)> = Vec::new();
        let mut open: Option<i64> = None;
        for (at, kind) in events {
            match (kind, open) {
                (Kind::Join, None) => open = Some(at),
                (Kind::Join, Some(_)) => {}
                (Kind::Leave, Some(from)) => {
                    out.push((from, at));
                    open = None;
                }
                (Kind::Leave, None) => match out.last_mut() {
                    Some(last) => last.1 = last.1.max(at),
                    None => out.push((at, at)),
                },
            }
        }
        // Each segment starts at or after the previous one's end: merging only joins
        // touching ones.
        let mut closed: Vec<(i64, i64)> = Vec::new();
        for (a, b) in out {
            match closed.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => closed.push((a, b)),
            }
        }
        Parts {
            lead_orphan,
            closed,
            open_from: open,
        }
    }

    /// The merged segments, given the session's start and end (now, while it runs).
    pub fn segments(&self, session_start: i64, session_end: i64) -> Vec<(i64, i64)> {
        let mut out = self.closed.clone();
        if self.lead_orphan
            && let Some(first) = out.first_mut()
        {
            first.0 = first.0.min(session_start);
        }
        if let Some(from) = self.open_from {
            let seg = (from, session_end.max(from));
            match out.last_mut() {
                Some(last) if seg.0 <= last.1 => last.1 = last.1.max(seg.1),
                _ => out.push(seg),
            }
        }
        out
    }

    /// Closed segments as stored: `a-b` separated by `;`.
    pub fn closed_text(&self) -> String {
        self.closed
            .iter()
            .map(|(a, b)| format!("{a}-{b}"))
            .collect::<Vec<_>>()
            .join(";")
    }

    pub fn parse_closed(text: &str) -> Vec<(i64, i64)> {
        text.split(';')
            .filter(|p| !p.is_empty())
            .filter_map(|p| {
                // A negative instant has its own '-': split at the separator after the first digit.
                let cut = p[1..].find('-')? + 1;
                Some((p[..cut].parse().ok()?, p[cut + 1..].parse().ok()?))
            })
            .collect()
    }
}

#[derive(sqlx::FromRow)]
struct EventRow {
    participant_key: String,
    user_id: Option<i64>,
    name: Option<String>,
    email: Option<String>,
    is_host: i64,
    kind: String,
    at: i64,
}

/// Everyone seen in the session, keyed by user (when matched) or participant key,
/// recomputed from every event (what the aggregates must equal; the tests compare).
pub async fn attendees_recomputed(db: &Db, s: &Session) -> sqlx::Result<Vec<Attendee>> {
    let rows = sqlx::query_as::<_, EventRow>(
        "SELECT participant_key, user_id, name, email, is_host, kind, at FROM live_attendance_events
         WHERE session_id = $1 ORDER BY at, id",
    )
    .bind(s.id)
    .fetch_all(&db.pool)
    .await?;
    Ok(fold(s, rows))
}

/// One user's attendance, read from their own rows only (the player asks on every
/// refresh, for each student of a class).
pub(crate) async fn attendance_of(
    db: &Db,
    s: &Session,
    user_id: i64,
) -> sqlx::Result<Option<Attendee>> {
    let rows = sqlx::query_as::<_, EventRow>(
        "SELECT participant_key, user_id, name, email, is_host, kind, at FROM live_attendance_events
         WHERE session_id = $1 AND user_id = $2 ORDER BY at, id",
    )
    .bind(s.id)
    .bind(user_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(fold(s, rows).into_iter().next())
}

/// Events (ordered by time) → one attendee per person with their time segments.
fn fold(s: &Session, rows: Vec<EventRow>) -> Vec<Attendee> {
    let start = s.started_at.or(s.linked_at).unwrap_or(0);
    let end = s.ended_at.unwrap_or_else(now_ms);
    let mut by: BTreeMap<String, (Attendee, Vec<(i64, Kind)>)> = BTreeMap::new();
    for r in rows {
        let key = r
            .user_id
            .map(|u| format!("u:{u}"))
            .unwrap_or_else(|| r.participant_key.clone());
        let entry = by.entry(key.clone()).or_insert_with(|| {
            (
                Attendee {
                    key,
                    user_id: r.user_id,
                    name: String::new(),
                    email: String::new(),
                    is_host: false,
                    segments: Vec::new(),
                    present: false,
                },
                Vec::new(),
            )
        });
        if let Some(n) = r.name {
            entry.0.name = n;
        }
        if let Some(e) = r.email {
            entry.0.email = e;
        }
        entry.0.is_host |= r.is_host != 0;
        let kind = if r.kind == "join" {
            Kind::Join
        } else {
            Kind::Leave
        };
        entry.1.push((r.at, kind));
    }
    by.into_values()
        .map(|(mut a, ev)| {
            a.present = is_open(&ev);
            a.segments = segments(ev, start, end);
            a
        })
        .collect()
}

/// Whether the events leave their person in the room: the last one in the order
/// [`segments`] pairs them (by instant, a join before a leave of the same instant) is a
/// join.
pub fn is_open(events: &[(i64, Kind)]) -> bool {
    events
        .iter()
        .max_by_key(|(at, k)| (*at, *k == Kind::Leave))
        .is_some_and(|(_, k)| *k == Kind::Join)
}

/// Time inside `[start, end]` covered by `segments` (merged, so nothing counts twice).
pub fn within(segments: &[(i64, i64)], start: i64, end: i64) -> i64 {
    segments
        .iter()
        .map(|&(a, b)| (b.min(end) - a.max(start)).max(0))
        .sum()
}

/// Credits an ended session's matched students with their time in it (segments merged,
/// capped to the session's window) for the lesson's completion rule.
pub(crate) async fn credit(db: &Db, s: &Session) -> sqlx::Result<()> {
    let (Some(end), super::State::Ended) = (s.ended_at, s.state()) else {
        return Ok(());
    };
    let start = s.started_at.or(s.linked_at).unwrap_or(end);
    let attended: Vec<(UserId, i64)> = attendees(db, s)
        .await?
        .iter()
        .filter_map(|a| {
            a.user_id
                .map(|u| (UserId(u), within(&a.segments, start, end)))
        })
        .collect();
    courses::completion::record_attendance(
        db,
        SchoolId(s.school_id),
        crate::db::LessonId(s.lesson_id),
        &attended,
    )
    .await?;
    Ok(())
}

/// The instructor assigns an unmatched participant to a learner of the course.
pub(crate) async fn assign(
    db: &Db,
    s: &Session,
    participant_key: &str,
    user_id: i64,
) -> sqlx::Result<bool> {
    let enrolled = courses::progress::enrollment(
        db,
        SchoolId(s.school_id),
        CourseId(s.course_id),
        UserId(user_id),
    )
    .await?;
    if enrolled.is_none() {
        return Ok(false);
    }
    let person = person_key(Some(user_id), "");
    let mut tx = db.pool.begin().await?;
    // Both rows, in key order, as `record_many` takes them: never the reverse of a burst.
    let both = BTreeMap::from([
        (person.clone(), Some(user_id)),
        (participant_key.to_string(), None),
    ]);
    claim_people(&mut tx, s.into(), &both).await?;
    let n = sqlx::query(
        "UPDATE live_attendance_events SET user_id = $1 WHERE session_id = $2 AND participant_key = $3 AND user_id IS NULL",
    )
    .bind(user_id)
    .bind(s.id)
    .bind(participant_key)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // The learner's aggregate now holds the participant's events; the participant's goes.
    refresh_person(&mut tx, s.into(), &person, Some(user_id)).await?;
    refresh_person(&mut tx, s.into(), participant_key, None).await?;
    tx.commit().await?;
    Ok(n > 0)
}

/// After the end: fill gaps from Zoom's participants report (paginated). The report with
/// `customer_key` needs admin scopes; without them the past-meeting list is used.
pub(crate) async fn reconcile_report(state: &ZoomDeps, session_id: i64) -> anyhow::Result<()> {
    let Some(s) = super::by_id(&state.db, session_id).await? else {
        return Ok(());
    };
    let (Some(meeting_id), Some(conn_id)) = (s.meeting_id, s.connection_id) else {
        return Ok(());
    };
    let Some(conn) = zoom_connection::by_id(&state.db, conn_id).await? else {
        return Ok(());
    };
    if !conn.is_connected() {
        return Ok(());
    }
    let mref = match s.meeting_uuid.as_deref().filter(|u| !u.is_empty()) {
        Some(u) => MeetingRef::Uuid(u.to_string()),
        None => MeetingRef::Id(meeting_id),
    };
    super::start::pace(
        state,
        conn.zoom_account_id.as_deref().unwrap_or_default(),
        zoom::ratelimit::Category::Heavy,
    )
    .await;
    let m2 = mref.clone();
    let rows = match tokens::with_api(state, &conn, |api| {
        let m = m2.clone();
        async move { api.all_report_meeting_participants(&m).await }
    })
    .await
    {
        Ok(r) => r,
        Err(tokens::AccessError::Zoom(e)) if e.kind() == zoom::ErrorKind::NotFound => return Ok(()),
        Err(tokens::AccessError::Zoom(e)) if !e.is_transient() => {
            let m3 = mref.clone();
            match tokens::with_api(state, &conn, |api| {
                let m = m3.clone();
                async move { api.all_past_meeting_participants(&m).await }
            })
            .await
            {
                Ok(r) => r,
                Err(tokens::AccessError::Zoom(e)) if !e.is_transient() => {
                    tracing::info!(session = s.id, error = %e, "no participants report available");
                    return Ok(());
                }
                Err(e) => anyhow::bail!("participants report failed: {e}"),
            }
        }
        Err(e) => anyhow::bail!("participants report failed: {e}"),
    };
    // In slices, each one transaction: a class of thousands is not one long lock.
    for rows in rows.chunks(REPORT_SLICE) {
        let seen: Vec<Seen<'_>> = rows
            .iter()
            .map(|p| Seen {
                customer_key: p.customer_key.as_deref(),
                email: p.user_email.as_deref(),
                name: Some(p.name.as_str()),
                participant_uuid: None,
                participant_id: p.user_id.as_deref(),
                zoom_user_id: p.participant_user_id.as_deref().or(p.id.as_deref()),
            })
            .collect();
        let people = identify_many(&state.db, &state.config.secret_key, &s, &seen).await?;
        let mut sightings = Vec::with_capacity(rows.len() * 2);
        for (p, who) in rows.iter().zip(people) {
            if let Some(j) = p.join_time {
                let (who, at) = (who.clone(), j.as_millisecond());
                sightings.push(Sighting {
                    who,
                    kind: Kind::Join,
                    at,
                });
            }
            if let Some(l) = p.leave_time {
                let at = l.as_millisecond();
                sightings.push(Sighting {
                    who,
                    kind: Kind::Leave,
                    at,
                });
            }
        }
        record_many(&state.db, &s, &sightings, "report").await?;
    }
    // The report may correct what the webhooks said: the completion follows, and so
    // does an open session report.
    credit(&state.db, &s).await?;
    state.db.room_changed(s.change()).await;
    Ok(())
}

/// CSV of the instructor's attendance table (RFC 4180 quoting).
pub fn csv(rows: &[(String, String, String, String, i64)]) -> String {
    fn q(s: &str) -> String {
        // Neutralise spreadsheet formulas, then quote.
        let s = if s.starts_with(['=', '+', '-', '@']) {
            format!("'{s}")
        } else {
            s.to_string()
        };
        format!("\"{}\"", s.replace('"', "\"\""))
    }
    let mut out = String::from("name,email,first_join_utc,last_leave_utc,minutes\r\n");
    for (name, email, from, to, minutes) in rows {
        out.push_str(&format!(
            "{},{},{},{},{}\r\n",
            q(name),
            q(email),
            q(from),
            q(to),
            minutes
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use Kind::*;

    #[test]
    fn rejoins_merge_and_out_of_order_is_harmless() {
        // join 0-10, rejoin 12-30, plus report instants one second later.
        let ev = vec![
            (30, Leave),
            (0, Join),
            (10, Leave),
            (12, Join),
            (1, Join),
            (11, Leave),
            (31, Leave),
            (13, Join),
        ];
        assert_eq!(segments(ev, 0, 100), vec![(0, 11), (12, 31)]);
    }

    #[test]
    fn leave_without_join_and_open_join() {
        assert_eq!(segments(vec![(50, Leave)], 5, 100), vec![(5, 50)]);
        assert_eq!(segments(vec![(20, Join)], 5, 100), vec![(20, 100)]);
        assert_eq!(segments(vec![], 5, 100), vec![]);
    }

    #[test]
    fn open_means_the_last_event_is_a_join() {
        assert!(!is_open(&[]));
        assert!(is_open(&[(30, Join), (10, Leave), (0, Join)]));
        assert!(!is_open(&[(0, Join), (10, Leave)]));
        // A leave and a join at the same instant pair as join-then-leave: out.
        assert!(!is_open(&[(10, Leave), (10, Join)]));
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let c = csv(&[("=cmd".into(), "a\"b".into(), "x".into(), "y".into(), 3)]);
        assert!(c.contains("\"'=cmd\",\"a\"\"b\""), "{c}");
    }
}

#[cfg(test)]
mod prop {
    use super::{Kind, Parts, is_open, segments, within};
    use proptest::prelude::*;

    /// The time covered by the union of intervals inside the window, counted unit by unit.
    fn covered(intervals: &[(i64, i64)], start: i64, end: i64) -> i64 {
        (start..end)
            .filter(|t| intervals.iter().any(|(a, b)| a <= t && t < b))
            .count() as i64
    }

    proptest! {
        /// The per-person parts, finished with any start and end, are exactly the pairing
        /// of all events, whatever the events (any order, duplicates, leaves first, ties),
        /// and the stored text reads back as it was.
        #[test]
        fn parts_equal_the_full_pairing(
            raw in proptest::collection::vec((-20i64..60, any::<bool>()), 0..14),
            start in -30i64..40,
            end in -10i64..100,
        ) {
            let events: Vec<(i64, Kind)> = raw
                .iter()
                .map(|&(at, j)| (at, if j { Kind::Join } else { Kind::Leave }))
                .collect();
            let p = Parts::of(events.clone());
            prop_assert_eq!(p.segments(start, end), segments(events.clone(), start, end));
            prop_assert_eq!(p.open_from.is_some(), is_open(&events));
            prop_assert_eq!(Parts::parse_closed(&p.closed_text()), p.closed.clone());
        }

        /// Rejoins (one person's segments one after another), delivered in any order and
        /// some twice, count exactly once each, and only inside the session's window.
        #[test]
        fn rejoins_count_exactly_inside_the_window(
            gaps in proptest::collection::vec((0i64..30, 0i64..40), 0..6),
            start in 0i64..100,
            len in 1i64..150,
            shuffle in any::<u64>(),
            twice in any::<u8>(),
        ) {
            let end = start + len;
            let mut intervals = Vec::new();
            let mut t = 0;
            for (gap, d) in &gaps {
                let a = t + gap + 1;
                intervals.push((a, a + d));
                t = a + d;
            }
            let mut events: Vec<(i64, Kind)> = Vec::new();
            for (i, (a, b)) in intervals.iter().enumerate() {
                events.push((*a, Kind::Join));
                events.push((*b, Kind::Leave));
                if twice & (1 << (i % 8)) != 0 {
                    events.push((*a, Kind::Join));
                }
            }
            let n = events.len().max(1);
            events.rotate_left((shuffle as usize) % n);
            let got = within(&segments(events, start, end), start, end);
            prop_assert_eq!(got, covered(&intervals, start, end));
        }

        /// Overlapping segments (two devices, the report's instants beside the webhook's)
        /// never count more than the time they cover together, nor outside the window.
        #[test]
        fn overlaps_never_count_twice(
            raw in proptest::collection::vec((0i64..200, 0i64..60), 0..8),
            start in 0i64..100,
            len in 1i64..150,
            shuffle in any::<u64>(),
        ) {
            let end = start + len;
            let intervals: Vec<(i64, i64)> = raw.iter().map(|(a, d)| (*a, a + d)).collect();
            let mut events: Vec<(i64, Kind)> = Vec::new();
            for (a, b) in &intervals {
                events.push((*a, Kind::Join));
                events.push((*b, Kind::Leave));
            }
            let n = events.len().max(1);
            events.rotate_left((shuffle as usize) % n);
            let got = within(&segments(events, start, end), start, end);
            prop_assert!(got <= covered(&intervals, start, end));
            prop_assert!(got >= 0);
        }

        /// One leave without its join (lost webhook) starts at the session's start; a join
        /// without a leave runs to the end; both capped to the window.
        #[test]
        fn missing_halves_run_to_the_window_edges(a in 0i64..100, start in 0i64..100, len in 1i64..100) {
            let end = start + len;
            let only_join = segments(vec![(a, Kind::Join)], start, end);
            prop_assert_eq!(within(&only_join, start, end), (end - a.max(start)).max(0));
            let only_leave = segments(vec![(a, Kind::Leave)], start, end);
            prop_assert_eq!(within(&only_leave, start, end), (a.min(end) - start).max(0));
        }
    }
}
