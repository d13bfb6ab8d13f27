//! The verification page's per-instance cache (certificates/cache.rs): a repeated view
//! reads nothing from the database, and every change of what the page shows — issue,
//! revoke, re-issue, expiry, a deleted course or school, a learner or a row deleted straight
//! in the database — reaches the next view, on this instance at once and on another
//! (PostgreSQL) within a notification's delay.

use std::time::Duration;

use lectern::certificates::cache::CertificateCache;
use lectern::db::{CourseId, SchoolId, UserId};

use crate::certificates::completed_with_certificate;
use crate::support::courses::new_course;
use crate::support::{DbKind, TestApp, TestClient, eventually};

/// How long a notification may take to reach another instance before the test fails;
/// without one a stale entry would live for the cache's 30 s bound.
const PROPAGATION: Duration = Duration::from_secs(3);

/// Waits until `cache` is live (on PostgreSQL once its instance's subscription hears its
/// first notification; on SQLite from the start).
async fn live(cache: &CertificateCache) {
    eventually(
        "the certificate cache to go live",
        Duration::from_secs(10),
        || {
            let live = cache.is_live();
            async move { live.then_some(()) }
        },
    )
    .await;
}

fn is_cached(cache: &CertificateCache, school: i64, serial: &str) -> bool {
    cache.get(SchoolId(school), serial).is_ok()
}

/// Asserts that viewing `serial` on `c` leaves it in `cache`, viewing again while a
/// notification of an earlier write evicts the entry just stored: PostgreSQL delivers
/// them after the commit, to the writer's own instance too, so one may land after the
/// view that followed the write (an eviction is never stale, only a read more).
async fn cached_once_viewed(c: &TestClient, cache: &CertificateCache, school: i64, serial: &str) {
    eventually(
        &format!("{serial} to stay cached once viewed"),
        PROPAGATION,
        || async move {
            c.get(&format!("/C/{serial}")).await;
            is_cached(cache, school, serial).then_some(())
        },
    )
    .await;
}

/// What the page says of `serial`: its HTTP status and `data-status`.
async fn status(c: &TestClient, serial: &str) -> (u16, String) {
    let r = c.get(&format!("/C/{serial}")).await;
    let s = r.attr("#certificate", "data-status").unwrap_or_default();
    (r.status.as_u16(), s)
}

async fn serial_of(app: &TestApp, course: i64, user: i64) -> String {
    sqlx::query_scalar(
        "SELECT serial FROM certificates WHERE course_id = $1 AND user_id = $2 AND replaced_by IS NULL",
    )
    .bind(course)
    .bind(user)
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
}

db_test!(every_change_of_a_certificate_reaches_the_next_view);
async fn every_change_of_a_certificate_reaches_the_next_view(app: TestApp) {
    let cache = &app.state.certificates.cache;
    live(cache).await;
    let school = app.school.id;
    let anon = app.client();

    // Issue: a certificate left pending (no font covers the name) is viewed, then issued.
    let (course_a, _, pat, _, _) = completed_with_certificate(
        &app,
        "Cached A",
        "Pat \u{10FFFD}",
        "pat@test.example",
        &[("title", "Certificate"), ("validity_months", "12")],
    )
    .await;
    let pending = serial_of(&app, course_a, pat.id).await;
    assert_eq!(status(&anon, &pending).await, (200, "pending".into()));
    cached_once_viewed(&anon, cache, school, &pending).await;
    // The name is mended by hand (written behind the app's back: on SQLite nothing
    // evicts for it), then the issuing job runs again and issues it.
    sqlx::query("UPDATE certificates SET learner_name = 'Pat Mended' WHERE serial = $1")
        .bind(&pending)
        .execute(&app.db.pool)
        .await
        .unwrap();
    lectern::certificates::issue(
        &app.state.certificates,
        SchoolId(school),
        CourseId(course_a),
        UserId(pat.id),
    )
    .await
    .unwrap();
    let page = anon.get(&format!("/C/{pending}")).await;
    assert_eq!(
        page.attr("#certificate", "data-status").as_deref(),
        Some("valid")
    );
    assert_eq!(page.texts("#certificate-learner"), ["Pat Mended"]);

    // Re-issue: the old page says "replaced by" the new one, and, after a second
    // re-issue, by the newest (each step of the chain is cached on its own).
    let (course_b, inst, zoe, student, _) = completed_with_certificate(
        &app,
        "Cached B",
        "Zoë Cache",
        "zoe@test.example",
        &[("title", "Certificate")],
    )
    .await;
    let first = serial_of(&app, course_b, zoe.id).await;
    assert_eq!(status(&anon, &first).await, (200, "valid".into()));
    cached_once_viewed(&anon, cache, school, &first).await;
    // Another school's host never finds it, cached or not.
    let other = app.other_school().await;
    assert_eq!(status(&other.client(), &first).await.0, 404);
    student
        .post_form(
            "/profile",
            &[
                ("display_name", "Zoë Renamed"),
                ("email", &zoe.email),
                ("timezone", "UTC"),
                ("language", ""),
            ],
        )
        .await
        .assert_status(303);
    student
        .post_form(&format!("/certificates/{first}/reissue"), &[])
        .await
        .assert_status(303);
    let second = serial_of(&app, course_b, zoe.id).await;
    let page = anon.get(&format!("/C/{first}")).await;
    assert_eq!(
        page.attr("#certificate", "data-status").as_deref(),
        Some("replaced")
    );
    assert_eq!(page.texts("#replaced-by"), std::slice::from_ref(&second));
    assert_eq!(status(&anon, &second).await, (200, "valid".into()));
    cached_once_viewed(&anon, cache, school, &first).await;
    cached_once_viewed(&anon, cache, school, &second).await;
    let admin = app.signed_in(&app.admin).await;
    admin
        .post_form(&format!("/admin/certificates/{second}/reissue"), &[])
        .await
        .assert_status(303);
    let third = serial_of(&app, course_b, zoe.id).await;
    for old in [&first, &second] {
        let page = anon.get(&format!("/C/{old}")).await;
        assert_eq!(
            page.texts("#replaced-by"),
            std::slice::from_ref(&third),
            "{old}"
        );
    }

    // Revoke.
    assert_eq!(status(&anon, &third).await, (200, "valid".into()));
    cached_once_viewed(&anon, cache, school, &third).await;
    admin
        .post_form(
            &format!("/admin/certificates/{third}/revoke"),
            &[("reason", "Issued in error")],
        )
        .await
        .assert_status(303);
    let page = anon.get(&format!("/C/{third}")).await;
    assert_eq!(
        page.attr("#certificate", "data-status").as_deref(),
        Some("revoked")
    );
    assert_eq!(page.texts("#revoked-reason"), ["Issued in error"]);

    // The course is deleted, and its certificates with it.
    assert_eq!(status(&anon, &third).await.0, 200);
    cached_once_viewed(&anon, cache, school, &first).await;
    cached_once_viewed(&anon, cache, school, &third).await;
    inst.post_form(&format!("/teach/courses/{course_b}/delete"), &[])
        .await
        .assert_status(303);
    for gone in [&first, &second, &third] {
        assert_eq!(
            status(&anon, gone).await,
            (404, "not-found".into()),
            "{gone}"
        );
    }

    // Expiry is decided at each view: the certificate of course A (valid for 12 months)
    // expires while cached.
    assert_eq!(status(&anon, &pending).await, (200, "valid".into()));
    cached_once_viewed(&anon, cache, school, &pending).await;
    app.db.clock.advance(400 * 24 * 3600 * 1000);
    assert_eq!(status(&anon, &pending).await, (200, "expired".into()));
    assert!(is_cached(cache, school, &pending), "served from the cache");
}

/// A certificate of `course` for `user`, written as an import would (an insert needs no
/// eviction: an unknown serial is never cached).
async fn planted(app: &TestApp, school: i64, course: i64, user: i64, serial: &str) {
    sqlx::query(
        "INSERT INTO certificates (school_id, course_id, user_id, serial, state, learner_name,
           course_title, school_name, title, body, signer_name, signer_title, completed_at,
           live_minutes, locale, timezone, issued_at, created_at)
         VALUES ($1, $2, $3, $4, 'issued', 'Oskar Student', 'Planted', 'Other School',
           'Certificate', '', '', '', 0, 0, 'en', 'UTC', 0, 0)",
    )
    .bind(school)
    .bind(course)
    .bind(user)
    .bind(serial)
    .execute(&app.db.pool)
    .await
    .unwrap();
}

db_test!(a_deleted_school_takes_its_certificates_off_the_page);
async fn a_deleted_school_takes_its_certificates_off_the_page(app: TestApp) {
    let cache = &app.state.certificates.cache;
    live(cache).await;
    let other = app.other_school().await;
    let serial = "0THERSCH00100001";
    let inst = other.signed_in(&other.instructor).await;
    let (course, _) = new_course(&inst, "Planted").await;
    planted(&app, other.school.id, course, other.student.id, serial).await;
    let c = other.client();
    assert_eq!(status(&c, serial).await, (200, "valid".into()));
    assert!(is_cached(cache, other.school.id, serial));
    // `lectern admin delete-school` (another process on SQLite: nothing this one hears,
    // but the host now leads to the default school, a key the entry is not under, once
    // the host cache's 5 s are over; on PostgreSQL the rows' trigger evicts at once).
    lectern::schools::delete(&app.db, &other.school)
        .await
        .unwrap();
    eventually(
        "the deleted school's certificate",
        Duration::from_secs(10),
        || {
            let c = c.clone();
            async move { (status(&c, serial).await.0 == 404).then_some(()) }
        },
    )
    .await;
    if app.kind == DbKind::Postgres {
        assert!(!is_cached(cache, other.school.id, serial), "evicted");
    }
}

db_test!(a_repeated_view_reads_nothing_from_the_database);
async fn a_repeated_view_reads_nothing_from_the_database(app: TestApp) {
    let cache = &app.state.certificates.cache;
    live(cache).await;
    let (course, _, learner, _, _) = completed_with_certificate(
        &app,
        "Hot",
        "Val Hot",
        "hot@test.example",
        &[("title", "Certificate")],
    )
    .await;
    let old = serial_of(&app, course, learner.id).await;
    let admin = app.signed_in(&app.admin).await;
    admin
        .post_form(&format!("/admin/certificates/{old}/reissue"), &[])
        .await
        .assert_status(303);
    let new = serial_of(&app, course, learner.id).await;
    let anon = app.client();
    // The school of the host is cached for 5 s from its lookup: looked up afresh here.
    app.state.schools.clear();
    assert_eq!(status(&anon, &old).await, (200, "replaced".into()));
    assert_eq!(status(&anon, &new).await, (200, "valid".into()));
    // With the pool closed any query fails: these views must come from the cache alone,
    // the replaced one's chain included.
    app.db.pool.close().await;
    let page = anon.get(&format!("/C/{old}")).await;
    page.assert_status(200);
    assert_eq!(
        page.attr("#certificate", "data-status").as_deref(),
        Some("replaced")
    );
    assert_eq!(page.texts("#replaced-by"), std::slice::from_ref(&new));
    let page = anon.get(&format!("/C/{new}")).await;
    page.assert_status(200);
    assert_eq!(page.texts("#certificate-learner"), ["Val Hot"]);
    // An unknown serial is never cached: it needs the database (and its rate limit).
    let unknown = anon.get("/C/0000000000000000").await;
    assert!(unknown.status.is_server_error(), "{}", unknown.status);
}

pg_test!(a_change_on_one_instance_reaches_the_other);
async fn a_change_on_one_instance_reaches_the_other(app: TestApp) {
    let second = app.second_instance().await;
    let (a, b) = (
        &app.state.certificates.cache,
        &second.state.certificates.cache,
    );
    live(a).await;
    live(b).await;
    let school = app.school.id;
    let (course, _, learner, _, _) = completed_with_certificate(
        &app,
        "Shared",
        "Ann Shared",
        "ann@test.example",
        &[("title", "Certificate")],
    )
    .await;
    let serial = serial_of(&app, course, learner.id).await;
    let on_b = app.client().copy_to(&second.base_url);
    let seen_on_b = |want: &'static str| {
        let on_b = on_b.clone();
        let serial = serial.clone();
        move || {
            let on_b = on_b.clone();
            let serial = serial.clone();
            async move { (status(&on_b, &serial).await.1 == want).then_some(()) }
        }
    };
    assert_eq!(status(&on_b, &serial).await, (200, "valid".into()));
    cached_once_viewed(&on_b, b, school, &serial).await;

    // Revoked on A.
    let admin = app.signed_in(&app.admin).await;
    admin
        .post_form(
            &format!("/admin/certificates/{serial}/revoke"),
            &[("reason", "Fraud")],
        )
        .await
        .assert_status(303);
    eventually(
        "the revocation to reach B",
        PROPAGATION,
        seen_on_b("revoked"),
    )
    .await;
    let page = on_b.get(&format!("/C/{serial}")).await;
    assert_eq!(page.texts("#revoked-reason"), ["Fraud"]);
    cached_once_viewed(&on_b, b, school, &serial).await;

    // Changed straight in the database, as `psql` or another program would.
    sqlx::query("UPDATE certificates SET revoked_reason = 'Fraud (by SQL)' WHERE serial = $1")
        .bind(&serial)
        .execute(&app.db.pool)
        .await
        .unwrap();
    eventually("the SQL change to reach B", PROPAGATION, || {
        let on_b = on_b.clone();
        let serial = serial.clone();
        async move {
            let page = on_b.get(&format!("/C/{serial}")).await;
            (page.texts("#revoked-reason") == ["Fraud (by SQL)"]).then_some(())
        }
    })
    .await;

    // The learner's account is erased: the certificate goes with it (by cascade).
    cached_once_viewed(&on_b, b, school, &serial).await;
    sqlx::query("DELETE FROM users WHERE id = $1")
        .bind(learner.id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    eventually(
        "the erasure to reach B",
        PROPAGATION,
        seen_on_b("not-found"),
    )
    .await;

    // A TRUNCATE names no row: everything cached is forgotten.
    let (course, _, learner, _, _) = completed_with_certificate(
        &app,
        "Shared 2",
        "Bo Shared",
        "bo@test.example",
        &[("title", "Certificate")],
    )
    .await;
    let serial = serial_of(&app, course, learner.id).await;
    assert_eq!(status(&on_b, &serial).await, (200, "valid".into()));
    cached_once_viewed(&on_b, b, school, &serial).await;
    sqlx::query("TRUNCATE certificates")
        .execute(&app.db.pool)
        .await
        .unwrap();
    eventually("the TRUNCATE to reach B", PROPAGATION, || {
        let on_b = on_b.clone();
        let serial = serial.clone();
        async move { (status(&on_b, &serial).await.0 == 404).then_some(()) }
    })
    .await;
    second.stop().await;
}
