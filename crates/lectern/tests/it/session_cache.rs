//! The per-instance session cache (accounts/session_cache.rs): live on PostgreSQL while
//! subscribed to change notifications, on SQLite while its change log can be read; a
//! sign-out, a role or profile change, on any instance or straight in the database,
//! reaches the next request.

use std::time::Duration;

use crate::support::{DbKind, TestApp, TestClient, eventually};

/// How long a notification may take to reach another instance before the test fails;
/// without notifications a stale entry would live for the cache's 30 s bound.
const PROPAGATION: Duration = Duration::from_secs(3);

async fn lookups(c: &TestClient, result: &str) -> u64 {
    let text = c.get("/metrics").await.text;
    let line = format!("lectern_session_lookups_total{{result=\"{result}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(line.as_str()))
        .map_or(0, |n| n.trim().parse().expect("a count"))
}

/// Waits until the cache of `state` is live.
async fn settled(_kind: DbKind, state: &lectern::app::AppState) {
    let want = true;
    eventually(
        "the session cache to settle",
        Duration::from_secs(10),
        || {
            let live = state.sessions.is_live();
            async move { (live == want).then_some(()) }
        },
    )
    .await;
}

/// Loads pages as `c` until one is served from the cache, each showing `name`: what a
/// change must then get past.
async fn cached(_kind: DbKind, c: &TestClient, name: Option<&str>) {
    let before = lookups(c, "hit").await;
    eventually(
        "a page served from the cache",
        Duration::from_secs(5),
        || async {
            assert_eq!(c.whoami().await.as_deref(), name);
            (lookups(c, "hit").await > before).then_some(())
        },
    )
    .await;
}

/// Renames the student as `psql`, a job or another program would: no application code
/// runs, only the database's triggers.
async fn rename_in_sql(app: &TestApp, name: &str) {
    sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2")
        .bind(name)
        .bind(app.student.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
}

async fn name_is(c: &TestClient, want: Option<&str>) -> Option<()> {
    (c.whoami().await.as_deref() == want).then_some(())
}

db_test!(sessions_are_cached_and_local_writes_evict_at_once);
async fn sessions_are_cached_and_local_writes_evict_at_once(app: TestApp) {
    settled(app.kind, &app.state).await;
    let c = app.signed_in(&app.student).await;
    let (hits, off) = (lookups(&c, "hit").await, lookups(&c, "off").await);
    for _ in 0..3 {
        assert_eq!(c.whoami().await.as_deref(), Some("Sam Student"));
    }
    // Hits rise at least twice: later pages come from the cache, on both databases.
    cached(app.kind, &c, Some("Sam Student")).await;
    cached(app.kind, &c, Some("Sam Student")).await;
    assert!(lookups(&c, "hit").await >= hits + 2);
    assert_eq!(lookups(&c, "off").await, off, "the cache stayed live");
    // This instance's own writes are seen by the very next request, without waiting.
    c.post_form(
        "/profile",
        &[
            ("display_name", "Sam Renamed"),
            ("email", &app.student.email),
            ("timezone", "Europe/Berlin"),
            ("language", ""),
        ],
    )
    .await
    .assert_status(303);
    assert_eq!(c.whoami().await.as_deref(), Some("Sam Renamed"));
    c.signout().await.assert_status(303);
    assert_eq!(c.whoami().await, None, "signed out at once");
}

db_test!(changes_on_one_instance_reach_the_other);
async fn changes_on_one_instance_reach_the_other(app: TestApp) {
    let second = app.second_instance().await;
    settled(app.kind, &app.state).await;
    settled(app.kind, &second.state).await;

    // Sign-out on A ends the session on B, which had it cached.
    let a = app.signed_in(&app.student).await;
    let b = a.copy_to(&second.base_url);
    cached(app.kind, &b, Some("Sam Student")).await;
    a.signout().await.assert_status(303);
    eventually("the sign-out to reach B", PROPAGATION, || name_is(&b, None)).await;

    // An admin on A demotes the instructor, whose session B has cached.
    let inst = app.signed_in(&app.instructor).await;
    let inst_b = inst.copy_to(&second.base_url);
    inst_b.get("/teach").await.assert_status(200);
    cached(app.kind, &inst_b, Some("Ines Instructor")).await;
    let admin = app.signed_in(&app.admin).await;
    admin
        .post_form(
            &format!("/admin/users/{}/role", app.instructor.id),
            &[("role", "student")],
        )
        .await
        .assert_status(303);
    eventually("the demotion to reach B", PROPAGATION, || {
        let inst_b = inst_b.clone();
        async move { (inst_b.get("/teach").await.status == 403).then_some(()) }
    })
    .await;
    second.stop().await;
}

db_test!(changes_made_straight_in_the_database_reach_the_cache);
async fn changes_made_straight_in_the_database_reach_the_cache(app: TestApp) {
    settled(app.kind, &app.state).await;
    let c = app.signed_in(&app.student).await;
    cached(app.kind, &c, Some("Sam Student")).await;
    // As `psql`, a job or another program would: no application code runs here.
    rename_in_sql(&app, "Sam From SQL").await;
    eventually("the rename", PROPAGATION, || {
        name_is(&c, Some("Sam From SQL"))
    })
    .await;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(app.student.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    eventually("the deleted session", PROPAGATION, || name_is(&c, None)).await;
    // A TRUNCATE has no rows to name: every cached session of the schema is forgotten.
    let c = app.signed_in(&app.student).await;
    cached(app.kind, &c, Some("Sam From SQL")).await;
    let truncate = match app.kind {
        DbKind::Postgres => "TRUNCATE sessions",
        DbKind::Sqlite => "DELETE FROM sessions", // SQLite has no TRUNCATE
    };
    sqlx::query(truncate).execute(&app.db.pool).await.unwrap();
    eventually("the truncated sessions", PROPAGATION, || name_is(&c, None)).await;
}

/// Ends the app's session-change subscription as a restart of PostgreSQL or a network
/// failure would.
async fn kill_subscription(app: &TestApp) -> i32 {
    let pid = app.state.sessions.subscription_pid().expect("subscribed");
    let killed: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(pid)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert!(killed, "backend {pid} ended");
    pid
}

db_test!(an_unreadable_change_log_turns_the_cache_off_until_it_reads_again);
/// SQLite's counterpart of a lost subscription: while the change log cannot be read, the
/// cache is off and every page asks the database; once it reads again it is live, and a
/// change made meanwhile or afterwards is seen.
async fn an_unreadable_change_log_turns_the_cache_off_until_it_reads_again(app: TestApp) {
    if app.kind == DbKind::Postgres {
        return; // PostgreSQL notifies: the test below
    }
    let sql = |q: &'static str| {
        let pool = app.db.pool.clone();
        async move { sqlx::query(q).execute(&pool).await.unwrap() }
    };
    settled(app.kind, &app.state).await;
    let c = app.signed_in(&app.student).await;
    cached(app.kind, &c, Some("Sam Student")).await;
    // Renamed away, the log is not there to read (the triggers follow the rename).
    sql("ALTER TABLE change_log RENAME TO change_log_away").await;
    eventually("the cache off", Duration::from_secs(10), || {
        let live = app.state.sessions.is_live();
        async move { (!live).then_some(()) }
    })
    .await;
    let off = lookups(&c, "off").await;
    rename_in_sql(&app, "Sam Offline").await;
    assert_eq!(
        c.whoami().await.as_deref(),
        Some("Sam Offline"),
        "read afresh"
    );
    assert!(
        lookups(&c, "off").await > off,
        "looked up without the cache"
    );
    sql("ALTER TABLE change_log_away RENAME TO change_log").await;
    settled(app.kind, &app.state).await;
    cached(app.kind, &c, Some("Sam Offline")).await;
    rename_in_sql(&app, "Sam Again").await;
    eventually("the rename", PROPAGATION, || name_is(&c, Some("Sam Again"))).await;
}

db_test!(a_lost_subscription_is_replaced_and_the_cache_stays_right);
async fn a_lost_subscription_is_replaced_and_the_cache_stays_right(app: TestApp) {
    if app.kind == DbKind::Sqlite {
        return; // no subscription to lose
    }
    settled(app.kind, &app.state).await;
    let c = app.signed_in(&app.student).await;
    cached(app.kind, &c, Some("Sam Student")).await;
    let killed = kill_subscription(&app).await;
    eventually("a new subscription", Duration::from_secs(10), || {
        let pid = app.state.sessions.subscription_pid();
        async move { pid.filter(|p| *p != killed).map(|_| ()) }
    })
    .await;
    rename_in_sql(&app, "Sam Again").await;
    eventually("the rename", PROPAGATION, || name_is(&c, Some("Sam Again"))).await;
    cached(app.kind, &c, Some("Sam Again")).await;
}

db_test!(this_instances_own_writes_evict_without_waiting_for_a_notification);
async fn this_instances_own_writes_evict_without_waiting_for_a_notification(app: TestApp) {
    use lectern::accounts::{self, Profile, Role, sessions};
    // A live cache that no subscription feeds (with metrics of its own, not the app's):
    // only the write paths can evict from it.
    let (lookups, live) = lectern::ops::metrics::Metrics::new()
        .unwrap()
        .session_cache_counters();
    let cache = lectern::accounts::session_cache::SessionCache::new(lookups, live);
    cache.set_live(true);
    let key = &app.state.config.secret_key;
    let school = app.school.id;
    let user = accounts::by_id(&app.db, school, app.student.id)
        .await
        .unwrap()
        .unwrap();
    let lookup = |token: String| {
        let cache = &cache;
        let db = &app.db;
        async move {
            sessions::user_for(db, cache, key, &token, school)
                .await
                .unwrap()
        }
    };
    let token = sessions::create(&app.db, key, &user).await.unwrap();
    assert_eq!(
        lookup(token.clone()).await.unwrap().display_name,
        "Sam Student"
    );

    let p = Profile {
        display_name: "Sam Profile",
        email: &user.email,
        timezone: "UTC",
        language: None,
    };
    accounts::update_profile(&app.db, &cache, &user, p)
        .await
        .unwrap();
    assert_eq!(
        lookup(token.clone()).await.unwrap().display_name,
        "Sam Profile"
    );

    assert!(
        accounts::set_role(&app.db, &cache, school, user.id, Role::Instructor)
            .await
            .unwrap()
    );
    assert_eq!(lookup(token.clone()).await.unwrap().role, Role::Instructor);

    sessions::delete(&app.db, &cache, key, &token)
        .await
        .unwrap();
    assert!(lookup(token.clone()).await.is_none(), "signed out");

    let token = sessions::create(&app.db, key, &user).await.unwrap();
    assert!(lookup(token.clone()).await.is_some());
    sessions::delete_all_for(&app.db, &cache, user.id)
        .await
        .unwrap();
    assert!(lookup(token).await.is_none(), "all sessions ended");
}
