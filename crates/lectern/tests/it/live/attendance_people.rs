//! The per-person attendance aggregates (`live_attendance_people`) the room dashboard
//! reads: after a randomized sequence of joins, leaves, rejoins, duplicates, leaves before
//! their joins and overlapping report instants — students, guests and the host — they give
//! exactly what pairing every event again gives; and a session whose events predate the
//! aggregates gets them built on its first read, equal too.

use lectern::db::now_ms;
use lectern::live::Session;
use lectern::live::attendance::{self, Attendee, Kind, Who};
use rand::{Rng, SeedableRng};

use super::dashboard::class;
use crate::support::TestAppBuilder;
use crate::support::live::setup;

type Seen = (
    String,
    Option<i64>,
    String,
    String,
    bool,
    Vec<(i64, i64)>,
    bool,
);

fn seen(people: Vec<Attendee>) -> Vec<Seen> {
    let mut v: Vec<Seen> = people
        .into_iter()
        .map(|a| {
            (
                a.key, a.user_id, a.name, a.email, a.is_host, a.segments, a.present,
            )
        })
        .collect();
    v.sort();
    v
}

/// Both readings at one fixed end, so that an open segment ends at the same instant.
async fn compare(t: &crate::support::live::Live, s: &Session, end: Option<i64>, what: &str) {
    let mut s = s.clone();
    s.ended_at = end.or(Some(s.started_at.unwrap_or(0) + 90 * 60_000));
    let incremental = seen(attendance::attendees(&t.app.db, &s).await.unwrap());
    let full = seen(
        attendance::attendees_recomputed(&t.app.db, &s)
            .await
            .unwrap(),
    );
    assert_eq!(incremental, full, "{what}");
}

/// A live session started 30 minutes ago, and who attends it: five students, four
/// guests (one of them named again later), the host.
async fn live_class(
    b: TestAppBuilder,
) -> (
    crate::support::live::Live,
    Session,
    i64,
    Vec<(String, Option<i64>, bool)>,
) {
    let t = setup(b).await;
    let students = class(&t).await;
    let t0 = now_ms() - 30 * 60_000;
    let school = lectern::db::SchoolId(t.app.school.id);
    let lesson = lectern::courses::lesson(
        &t.app.db,
        school,
        lectern::db::CourseId(t.course_id),
        lectern::db::LessonId(t.lesson),
    )
    .await
    .unwrap()
    .unwrap();
    lectern::live::ensure(&t.app.db, school, &lesson)
        .await
        .unwrap();
    sqlx::query("UPDATE live_sessions SET state = 'live', started_at = $1, linked_at = $1 WHERE lesson_id = $2")
        .bind(t0)
        .bind(t.lesson)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    let s = t.session().await;
    let mut who: Vec<(String, Option<i64>, bool)> = students
        .iter()
        .map(|u| (format!("u:{}", u.id), Some(u.id), false))
        .collect();
    for g in 0..4 {
        who.push((format!("e:guest{g}@x.example"), None, false));
    }
    who.push(("e:host@x.example".into(), None, true));
    (t, s, t0, who)
}

/// Drops the session's attendance, events and aggregates, for the next seed.
async fn forget_attendance(t: &crate::support::live::Live, s: &Session) {
    for table in ["live_attendance_events", "live_attendance_people"] {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE session_id = $1"
        )))
        .bind(s.id)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    }
}

/// A random event of one of `who`: minutes around the start (some before it), often on
/// the same instants so that duplicates, ties and touching segments happen.
fn random_event(
    rng: &mut rand::rngs::StdRng,
    who: &[(String, Option<i64>, bool)],
    t0: i64,
) -> (Who, Kind, i64) {
    let (key, user_id, is_host) = who[rng.random_range(0..who.len())].clone();
    let kind = if rng.random_bool(0.5) {
        Kind::Join
    } else {
        Kind::Leave
    };
    let at = t0 + rng.random_range(-5..60i64) * 60_000 + rng.random_range(0..3i64) * 1000;
    let w = Who {
        key: key.clone(),
        user_id,
        name: Some(format!("{key} #{}", rng.random_range(0..3))),
        email: (rng.random_bool(0.7)).then(|| format!("{}@mail.example", key.len())),
        is_host,
    };
    (w, kind, at)
}

db_test!(the_aggregates_equal_the_full_recompute_after_random_events);
async fn the_aggregates_equal_the_full_recompute_after_random_events(b: TestAppBuilder) {
    let (t, s, t0, who) = live_class(b).await;
    for seed in [1u64, 2, 3] {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        for i in 0..150 {
            let (w, kind, at) = random_event(&mut rng, &who, t0);
            let source = if rng.random_bool(0.3) {
                "report"
            } else {
                "webhook"
            };
            attendance::record(&t.app.db, &s, &w, kind, at, source)
                .await
                .unwrap();
            if i % 25 == 24 {
                compare(&t, &s, None, &format!("seed {seed}, event {i}")).await;
                compare(&t, &s, Some(t0 + 20 * 60_000), "ending inside the events").await;
            }
        }
        // The session's start moving (a later `meeting.started`) changes where a leading
        // leave's segment begins, on both sides alike.
        let mut later = s.clone();
        later.started_at = Some(t0 + 7 * 60_000);
        compare(&t, &later, None, "a later start").await;
        forget_attendance(&t, &s).await;
    }

    // Events written before the aggregates existed (as the migration finds them): the
    // first read builds them, equal to the recompute; the session is marked built.
    for (i, (key, user_id, is_host)) in who.iter().enumerate() {
        for (kind, at) in [
            ("leave", 2),
            ("join", 3),
            ("leave", 9),
            ("join", 9 + i as i64),
        ] {
            sqlx::query(
                "INSERT INTO live_attendance_events (school_id, session_id, participant_key, user_id, name, email, is_host, kind, at, source, created_at)
                 VALUES ($1, $2, $3, $4, 'N', NULL, $5, $6, $7, 'webhook', $8)",
            )
            .bind(s.school_id)
            .bind(s.id)
            .bind(key)
            .bind(*user_id)
            .bind(i64::from(*is_host))
            .bind(kind)
            .bind(t0 + at * 60_000)
            .bind(now_ms())
            .execute(&t.app.db.pool)
            .await
            .unwrap();
        }
    }
    sqlx::query("UPDATE live_sessions SET people_built = 0 WHERE id = $1")
        .bind(s.id)
        .execute(&t.app.db.pool)
        .await
        .unwrap();
    compare(&t, &s, None, "built on first read").await;
    let rows = t
        .app
        .scalar("SELECT COUNT(*) FROM live_attendance_people")
        .await;
    assert_eq!(rows, who.len() as i64, "one row per person");
    assert_eq!(
        t.app
            .scalar("SELECT MIN(people_built) FROM live_sessions")
            .await,
        1
    );
}

db_test!(the_aggregates_of_bursts_equal_the_full_recompute);
/// The same random events recorded in bursts of 1 to 40 (`attendance::record_many`, what
/// the worker does with a class's webhook events claimed together): after every burst the
/// aggregates equal pairing every event again.
async fn the_aggregates_of_bursts_equal_the_full_recompute(b: TestAppBuilder) {
    let (t, s, t0, who) = live_class(b).await;
    for seed in [4u64, 5, 6] {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut recorded = 0;
        while recorded < 200 {
            let n = rng.random_range(1..=40);
            let burst: Vec<attendance::Sighting> = (0..n)
                .map(|_| {
                    let (who, kind, at) = random_event(&mut rng, &who, t0);
                    attendance::Sighting { who, kind, at }
                })
                .collect();
            attendance::record_many(&t.app.db, &s, &burst, "webhook")
                .await
                .unwrap();
            recorded += n;
            compare(
                &t,
                &s,
                None,
                &format!("seed {seed}, after {recorded} events"),
            )
            .await;
        }
        compare(&t, &s, Some(t0 + 20 * 60_000), "ending inside the events").await;
        forget_attendance(&t, &s).await;
    }
}
