//! Export and import of one school (issue 19, O5): every table classified, a round trip
//! across the two databases equal modulo ids, a damaged archive or a failing import that
//! changes nothing, the admins' export page and its download on their school only, and the
//! `lectern export` / `lectern import` commands.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Read, Write};
use std::path::Path;

use lectern::db::{Backend, Db, SchoolId};
use lectern::export::tables::{EXCLUDED, TABLES};
use lectern::files::storage::Storage;
use serde_json::{Map, Value};
use sqlx::Row;

use crate::support::bin::{self, lectern};
use crate::support::{DbKind, TestApp, TestDb, catalog};

// ---- classification ----

db_test!(every_table_is_exported_or_excluded_with_a_reason);
async fn every_table_is_exported_or_excluded_with_a_reason(app: TestApp) {
    let schema = catalog::columns(&app.db).await;
    let exported: BTreeSet<&str> = TABLES.iter().map(|t| t.name).collect();
    let excluded: BTreeSet<&str> = EXCLUDED.iter().map(|(t, _)| *t).collect();
    assert!(
        exported.is_disjoint(&excluded),
        "{:?}",
        exported.intersection(&excluded).collect::<Vec<_>>()
    );
    let unclassified: Vec<&String> = schema
        .keys()
        .filter(|t| !exported.contains(t.as_str()) && !excluded.contains(t.as_str()))
        .collect();
    assert!(
        unclassified.is_empty(),
        "tables neither exported nor excluded with a reason (export/tables.rs): {unclassified:?}"
    );
    for (t, why) in EXCLUDED {
        assert!(why.len() > 10, "{t}: give the reason");
    }
    for t in TABLES {
        assert!(schema.contains_key(t.name), "{} is not a table", t.name);
    }
    // Every column of an exported table that holds another row's id is rewritten or left
    // out: the declared foreign keys, and any column named like one.
    let fks = foreign_keys(&app.db).await;
    for t in TABLES {
        let cols = &schema[t.name];
        let handled = |c: &str| {
            t.refs.iter().any(|(r, _)| *r == c)
                || t.left_out.iter().any(|(l, _)| *l == c)
                || (c == "id" && t.has_id)
        };
        for (col, target) in fks.get(t.name).into_iter().flatten() {
            assert!(
                t.refs.iter().any(|(c, r)| c == col && r == target)
                    || t.left_out.iter().any(|(l, _)| l == col),
                "{}.{col} references {target}: add it to the table's refs",
                t.name
            );
        }
        for c in cols {
            let id_like = c == "id" || c.ends_with("_id") || c.ends_with("_by");
            let not_a_row = [("order_refunds", "provider_refund_id")];
            if id_like && !handled(c) && !not_a_row.contains(&(t.name, c.as_str())) {
                panic!(
                    "{}.{c} looks like a row id: add it to refs or left_out in export/tables.rs",
                    t.name
                );
            }
        }
        for (c, _) in t.refs.iter().chain(t.left_out.iter()) {
            assert!(
                cols.iter().any(|x| x == c),
                "{}.{c} is not a column",
                t.name
            );
        }
    }
}

/// Table → (column, referenced table) of its declared foreign keys.
async fn foreign_keys(db: &Db) -> BTreeMap<String, Vec<(String, String)>> {
    let sql = match db.backend {
        Backend::Sqlite => {
            "SELECT m.name, f.\"from\", f.\"table\" FROM sqlite_master m
             JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table'"
        }
        Backend::Postgres => {
            "SELECT CAST(tc.table_name AS TEXT), CAST(kcu.column_name AS TEXT), CAST(ccu.table_name AS TEXT)
             FROM information_schema.table_constraints tc
             JOIN information_schema.key_column_usage kcu
               ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
             JOIN information_schema.constraint_column_usage ccu
               ON ccu.constraint_name = tc.constraint_name AND ccu.table_schema = tc.table_schema
             WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_schema = current_schema()"
        }
    };
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for r in sqlx::query(sql).fetch_all(&db.pool).await.unwrap() {
        out.entry(r.get::<String, _>(0))
            .or_default()
            .push((r.get::<String, _>(1), r.get::<String, _>(2)));
    }
    assert!(out.contains_key("users"), "{out:?}");
    out
}

// ---- seeding ----

/// The demo school (users, courses with lessons of every kind, enrolments, files, a board,
/// a certificate, a campaign, a series, bookings, live options) and what it lacks: quiz
/// answers, progress, an order with its coupon and refund, opt-outs, audit rows, a domain
/// claim, a logo. Returns the school's id.
async fn seed(app: &TestApp) -> i64 {
    let seeded = lectern::demo::seed(&app.db, app.state.course_hooks.as_ref(), &app.state.files)
        .await
        .expect("seed the demo school");
    assert!(seeded);
    // The pilot student's certificate is issued by the CourseCompleted job.
    app.drain_jobs().await;
    let school: i64 = sqlx::query_scalar("SELECT id FROM schools WHERE slug = 'demo'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let q = |sql: &'static str| sqlx::query(sql).bind(school);
    let pool = &app.db.pool;
    for sql in [
        "INSERT INTO quiz_attempts (school_id, lesson_id, user_id, answers_json, score, passed, created_at)
         SELECT $1, l.id, e.user_id, '[1,0]', 50, 0, 1000 FROM lessons l JOIN enrollments e ON e.course_id = l.course_id
         WHERE l.school_id = $1 AND l.kind = 'quiz'",
        "INSERT INTO lesson_progress (school_id, lesson_id, user_id, completed_at)
         SELECT $1, l.id, e.user_id, 2000 FROM lessons l JOIN enrollments e ON e.course_id = l.course_id
         WHERE l.school_id = $1 AND l.kind = 'text'
           AND NOT EXISTS (SELECT 1 FROM lesson_progress p WHERE p.lesson_id = l.id AND p.user_id = e.user_id)",
        "INSERT INTO coupons (school_id, code, course_id, percent_off, expires_at, max_uses, uses, active, created_at)
         SELECT $1, 'SPRING', MIN(id), 20, NULL, 10, 1, 1, 3000 FROM courses WHERE school_id = $1",
        "INSERT INTO orders (school_id, number, course_id, user_id, provider, status, amount_minor, currency,
           provider_ref, paid_minor, paid_currency, refunded_minor, coupon_id, discount_minor, created_at, paid_at, updated_at)
         SELECT $1, 'EXPORT-0001', c.id, u.id, 'stripe', 'paid', 3920, 'EUR', 'cs_export_1', 3920, 'EUR', 1000,
           (SELECT MIN(id) FROM coupons WHERE school_id = $1), 980, 4000, 4100, 4200
         FROM courses c, users u WHERE c.school_id = $1 AND u.school_id = $1 AND u.role = 'student'
         ORDER BY c.id, u.id LIMIT 1",
        "INSERT INTO order_refunds (school_id, order_id, provider_refund_id, amount_minor, removed_access, created_at)
         SELECT $1, id, 're_1', 1000, 0, 5000 FROM orders WHERE school_id = $1",
        "INSERT INTO live_mail_optouts (school_id, user_id, course_id, created_at)
         SELECT $1, id, 0, 6000 FROM users WHERE school_id = $1 AND role = 'student'",
        "INSERT INTO audit_log (school_id, actor_user_id, action, detail, created_at)
         SELECT $1, MIN(id), 'export.test', 'seeded', 7000 FROM users WHERE school_id = $1",
        "INSERT INTO school_domains (school_id, host, created_at) VALUES ($1, 'learn.demo.example', 8000)",
        "UPDATE schools SET logo_url = (SELECT '/media/' || CAST(MIN(id) AS TEXT) || '/logo.png' FROM files WHERE school_id = $1)
         WHERE id = $1",
    ] {
        q(sql).execute(pool).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    school
}

// ---- archives read back ----

struct Archive {
    manifest: lectern::export::Manifest,
    tables: BTreeMap<String, Vec<Map<String, Value>>>,
    /// Zip path → SHA-256 of the bytes.
    files: BTreeMap<String, String>,
}

fn read_archive(path: &Path) -> Archive {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    zip.by_name("manifest.json")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let manifest: lectern::export::Manifest = serde_json::from_str(&text).unwrap();
    let mut tables = BTreeMap::new();
    let mut files = BTreeMap::new();
    for e in &manifest.entries {
        let mut bytes = Vec::new();
        zip.by_name(&e.path)
            .unwrap()
            .read_to_end(&mut bytes)
            .unwrap();
        if let Some(t) = &e.table {
            let rows = String::from_utf8(bytes)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            tables.insert(t.clone(), rows);
        } else {
            use sha2::Digest;
            files.insert(e.path.clone(), hex::encode(sha2::Sha256::digest(&bytes)));
        }
    }
    Archive {
        manifest,
        tables,
        files,
    }
}

/// The archive's contents with every id replaced by a stable key: each table's rows ranked
/// by their content (references already canonical, parents first), ids by that rank.
fn canonical(a: &Archive) -> BTreeMap<String, Vec<String>> {
    let mut maps: HashMap<&str, HashMap<i64, usize>> = HashMap::new();
    let mut out = BTreeMap::new();
    let mut pending: Vec<(&str, Vec<Map<String, Value>>)> = Vec::new();
    for t in TABLES {
        let rows = a.tables.get(t.name).cloned().unwrap_or_default();
        let mut keyed: Vec<(String, Option<i64>, Map<String, Value>)> = Vec::new();
        for mut row in rows {
            let id = row.get("id").and_then(Value::as_i64);
            row.remove("id");
            let mut content = row.clone();
            for (c, target) in t.refs {
                if let Some(old) = row.get(*c).and_then(Value::as_i64).filter(|v| *v > 0) {
                    match maps.get(target).and_then(|m| m.get(&old)) {
                        Some(k) => {
                            row.insert((*c).into(), Value::from(format!("{target}#{k}")));
                            content.insert((*c).into(), Value::from(format!("{target}#{k}")));
                        }
                        // A reference to itself or a later table: resolved below.
                        None => {
                            content.remove(*c);
                        }
                    }
                }
            }
            for c in t.media {
                content.remove(*c);
            }
            if t.name == "schools" {
                // The target's default school stays its own; an import is never the default.
                content.remove("is_default");
                row.remove("is_default");
            }
            keyed.push((serde_json::to_string(&content).unwrap(), id, row));
        }
        keyed.sort_by(|x, y| x.0.cmp(&y.0));
        let map = maps.entry(t.name).or_default();
        for (rank, (_, id, _)) in keyed.iter().enumerate() {
            if let Some(id) = id {
                map.insert(*id, rank);
            }
        }
        pending.push((t.name, keyed.into_iter().map(|k| k.2).collect()));
    }
    for (name, rows) in pending {
        let t = lectern::export::tables::table(name).unwrap();
        let mut lines = Vec::new();
        for mut row in rows {
            for (c, target) in t.refs {
                if let Some(old) = row.get(*c).and_then(Value::as_i64).filter(|v| *v > 0) {
                    let k = maps.get(target).and_then(|m| m.get(&old));
                    row.insert((*c).into(), Value::from(format!("{target}#{k:?}")));
                }
            }
            for c in t.media {
                if let Some(url) = row.get(*c).and_then(Value::as_str) {
                    let id: Option<i64> = url
                        .strip_prefix("/media/")
                        .and_then(|r| r.split('/').next())
                        .and_then(|s| s.parse().ok());
                    let k = id.and_then(|id| maps["files"].get(&id));
                    row.insert((*c).into(), Value::from(format!("media#{k:?}")));
                }
            }
            lines.push(serde_json::to_string(&row).unwrap());
        }
        lines.sort();
        out.insert(name.to_string(), lines);
    }
    // The files' bytes under their file's stable key.
    let mut files = Vec::new();
    for (path, sha) in &a.files {
        let rest = path.strip_prefix("files/").unwrap();
        let (id, width) = rest.split_once('.').unwrap_or((rest, ""));
        let k = maps["files"][&id.parse::<i64>().unwrap()];
        files.push(format!("{k}{width} {sha}"));
    }
    files.sort();
    out.insert("(file bytes)".into(), files);
    out
}

async fn fresh_target(kind: DbKind) -> (TestDb, Db, Storage, tempfile::TempDir) {
    let test_db = TestDb::new(kind).await;
    let db = test_db.connect().await;
    db.migrate().await.unwrap();
    // Rows of another school first, so that the imported rows' ids differ from the
    // archive's: a reference left unrewritten cannot pass for a rewritten one.
    let pad = lectern::schools::create(
        &db,
        lectern::schools::NewSchool {
            slug: "pad",
            name: "Pad",
            is_default: false,
        },
    )
    .await
    .unwrap();
    for i in 0..7 {
        for sql in [
            "INSERT INTO users (school_id, email, email_norm, display_name, password_hash, role, created_at)
             VALUES ($1, 'p' || CAST($2 AS TEXT) || '@pad.test', 'p' || CAST($2 AS TEXT) || '@pad.test', 'Pad', 'x', 'student', 1)",
            "INSERT INTO courses (school_id, slug, title, created_at, updated_at)
             VALUES ($1, 'c' || CAST($2 AS TEXT), 'Pad', 1, 1)",
            "INSERT INTO files (school_id, purpose, name, content_type, size, widths, storage_key, state, created_at, updated_at)
             VALUES ($1, 'logo', 'pad.png', 'image/png', 1, '', 'pad/' || CAST($2 AS TEXT), 'ready', 1, 1)",
        ] {
            sqlx::query(sql)
                .bind(pad)
                .bind(i as i64)
                .execute(&db.pool)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let storage = local_storage(dir.path());
    (test_db, db, storage, dir)
}

fn local_storage(dir: &Path) -> Storage {
    let settings = lectern::config::StorageSettings {
        location: lectern::config::StorageLocation::Local(dir.to_path_buf()),
        s3_credentials: None,
        limits: lectern::config::UploadLimits::default(),
        presign_ttl_secs: 300,
    };
    Storage::open(&settings).unwrap()
}

// ---- round trip ----

db_test!(round_trip_across_databases_is_equal_modulo_ids);
async fn round_trip_across_databases_is_equal_modulo_ids(app: TestApp) {
    let school = seed(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.zip");
    let done = lectern::export::export(&app.db, &app.state.files.storage, SchoolId(school), &first)
        .await
        .unwrap();
    assert!(done.bytes > 0);
    let a = read_archive(&first);
    assert_eq!(a.manifest.schema_version, lectern::export::schema_version());
    assert_eq!(a.manifest.school.slug, "demo");
    for t in [
        "users",
        "courses",
        "lessons",
        "enrollments",
        "lesson_progress",
        "quiz_attempts",
        "discussion_threads",
        "discussion_posts",
        "files",
        "certificates",
        "orders",
        "order_refunds",
        "coupons",
        "lesson_series",
        "booking_programs",
        "campaigns",
    ] {
        assert!(!a.tables[t].is_empty(), "the seeded school has {t}");
    }
    let kinds: BTreeSet<&str> = a.tables["lessons"]
        .iter()
        .filter_map(|r| r["kind"].as_str())
        .collect();
    assert!(kinds.len() >= 4, "lessons of several kinds: {kinds:?}");
    assert!(!a.files.is_empty(), "the uploaded files' bytes are in");
    // No other school's row, no secret.
    for (t, rows) in &a.tables {
        for r in rows {
            if let Some(s) = r.get("school_id") {
                assert_eq!(s.as_i64(), Some(school), "{t}: {r:?}");
            }
        }
    }
    let text = std::fs::read(&first).unwrap();
    assert!(
        !a.tables.contains_key("zoom_tokens") && !a.tables.contains_key("payment_providers"),
        "sealed secrets stay behind"
    );
    assert!(!a.manifest.reconnect.is_empty());
    assert!(text.len() as u64 == done.bytes);

    // Into the other database (or a second one of the same kind without PostgreSQL).
    let other = match app.kind {
        DbKind::Sqlite if crate::support::pg_base_url().is_some() => DbKind::Postgres,
        _ => DbKind::Sqlite,
    };
    let (_target_db, target, storage, _store_dir) = fresh_target(other).await;
    let imported = lectern::export::import(&target, &storage, &first, None)
        .await
        .unwrap();
    assert_eq!(imported.slug, "demo");
    assert_eq!(imported.files as usize, a.tables["files"].len());
    let second = dir.path().join("second.zip");
    lectern::export::export(&target, &storage, SchoolId(imported.school_id), &second)
        .await
        .unwrap();
    let b = read_archive(&second);
    let (ca, cb) = (canonical(&a), canonical(&b));
    for (t, rows) in &ca {
        assert_eq!(rows, &cb[t], "{t} differs after the round trip");
    }
    assert_eq!(ca, cb);
    // New keys under the new school, the bytes there.
    let keys: Vec<String> =
        sqlx::query_scalar("SELECT storage_key FROM files WHERE school_id = $1")
            .bind(imported.school_id)
            .fetch_all(&target.pool)
            .await
            .unwrap();
    for k in keys {
        assert!(k.starts_with(&format!("{}/", imported.school_id)), "{k}");
    }
    // An imported user signs in with the password they had.
    let hash: String = sqlx::query_scalar(
        "SELECT password_hash FROM users WHERE school_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(imported.school_id)
    .fetch_one(&target.pool)
    .await
    .unwrap();
    assert!(hash.starts_with("$argon2"), "{hash}");
}

// ---- failures change nothing ----

/// Every table's row count.
async fn counts(db: &Db) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for t in catalog::columns(db).await.keys() {
        if t.starts_with("discussion_search") {
            continue;
        }
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {t}")))
            .fetch_one(&db.pool)
            .await
            .unwrap();
        out.insert(t.clone(), n);
    }
    out
}

/// A copy of the archive with one entry's bytes changed (the manifest untouched).
fn tamper(from: &Path, to: &Path, entry: &str, change: impl Fn(&mut Vec<u8>)) {
    let mut zin = zip::ZipArchive::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut zout = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut bytes = Vec::new();
        f.read_to_end(&mut bytes).unwrap();
        if name == entry {
            change(&mut bytes);
        }
        zout.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zout.write_all(&bytes).unwrap();
    }
    zout.finish().unwrap();
}

db_test!(a_damaged_archive_or_a_failed_import_changes_nothing);
async fn a_damaged_archive_or_a_failed_import_changes_nothing(app: TestApp) {
    let school = seed(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.zip");
    lectern::export::export(&app.db, &app.state.files.storage, SchoolId(school), &good)
        .await
        .unwrap();
    let before = counts(&app.db).await;
    let objects = app.stored_objects().await;
    let storage = &app.state.files.storage;

    // A changed row: refused before anything is written.
    let bad = dir.path().join("bad.zip");
    tamper(&good, &bad, "tables/users.jsonl", |b| {
        let s = String::from_utf8(b.clone())
            .unwrap()
            .replacen("student", "admin", 1);
        *b = s.into_bytes();
    });
    let e = lectern::export::import(&app.db, storage, &bad, Some("copy"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, lectern::export::ImportError::Tampered(_)),
        "{e}"
    );
    assert!(e.to_string().contains("tables/users.jsonl"), "{e}");
    // A changed file's bytes, too.
    let first_file = read_archive(&good).files.keys().next().unwrap().clone();
    tamper(&good, &bad, &first_file, |b| b.push(0));
    let e = lectern::export::import(&app.db, storage, &bad, Some("copy"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("checksum"), "{e}");
    // Not a zip at all.
    std::fs::write(&bad, b"not an archive").unwrap();
    let e = lectern::export::import(&app.db, storage, &bad, Some("copy"))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not a zip"), "{e}");
    // The slug taken.
    let e = lectern::export::import(&app.db, storage, &good, None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("exists"), "{e}");

    // A sound archive that fails half-way (its certificates' serials and orders' numbers
    // are this instance's already, found after the files were stored): rolled back, the
    // stored files removed.
    sqlx::query("DELETE FROM school_domains WHERE school_id = $1")
        .bind(school)
        .execute(&app.db.pool)
        .await
        .unwrap();
    let before = {
        let mut b = before;
        b.insert("school_domains".into(), b["school_domains"] - 1);
        b
    };
    let e = lectern::export::import(&app.db, storage, &good, Some("copy"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, lectern::export::ImportError::Db(_)),
        "a unique serial or number stops it: {e}"
    );
    assert_eq!(counts(&app.db).await, before, "no row was added");
    let mut after = app.stored_objects().await;
    let mut objects = objects;
    after.sort();
    objects.sort();
    assert_eq!(after, objects, "no stored object was left behind");
    assert!(
        lectern::schools::by_slug(&app.db, "copy")
            .await
            .unwrap()
            .is_none()
    );
}

// ---- the admins' page ----

db_test!(admins_export_from_settings_and_only_their_school_downloads);
async fn admins_export_from_settings_and_only_their_school_downloads(app: TestApp) {
    let admin = app.signed_in(&app.admin).await;
    admin.get("/admin/export").await.assert_status(200);
    let r = admin.post_form("/admin/export", &[]).await;
    r.assert_redirect_to("/admin/export");
    // A second click while it is queued makes no second export.
    admin.post_form("/admin/export", &[]).await;
    assert_eq!(app.scalar("SELECT COUNT(*) FROM exports").await, 1);
    let page = admin.get("/admin/export").await;
    assert_eq!(page.texts("#exports tbody tr").len(), 1);
    assert!(
        page.attr("#exports tr[data-state=queued]", "data-state")
            .is_some()
    );
    // The page says what travels: password hashes, so keep the archive safe.
    assert!(
        page.texts("#export-passwords")
            .concat()
            .contains("password hashes")
    );
    // The open page follows the job: it asks the state endpoint while the job is queued
    // (refresh.js), and the version it shows is the endpoint's until something changes.
    let shown = page
        .attr("#export-live", "data-refresh-version")
        .expect("a version on the live part");
    assert_eq!(
        page.attr("#export-live", "data-refresh-poll").as_deref(),
        Some("2000")
    );
    assert!(page.text.contains("/static/refresh.js"));
    let state = admin.get("/admin/export/state").await;
    state.assert_status(200);
    assert_eq!(state.header("cache-control"), Some("private, no-store"));
    let v: serde_json::Value = serde_json::from_str(&state.text).unwrap();
    assert_eq!(v["version"].as_str(), Some(shown.as_str()));
    assert_eq!(v["poll_ms"], 2000);
    app.drain_jobs().await;
    let v: serde_json::Value =
        serde_json::from_str(&admin.get("/admin/export/state").await.text).unwrap();
    assert_ne!(
        v["version"].as_str(),
        Some(shown.as_str()),
        "done is a change"
    );
    assert!(v["poll_ms"].is_null(), "nothing more to follow: {v}");
    let page = admin.get("/admin/export").await;
    assert_eq!(
        page.attr("#export-live", "data-refresh-version").as_deref(),
        v["version"].as_str()
    );
    assert_eq!(
        page.attr("#export-live", "data-refresh-poll").as_deref(),
        Some("0")
    );
    let href = page
        .attr("a.export-download", "href")
        .expect("a download link once the job has run");
    let dl = admin.get(&href).await;
    dl.assert_status(200);
    assert_eq!(dl.header("content-type"), Some("application/zip"));
    assert!(
        dl.header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment")),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dl.zip");
    std::fs::write(&path, &dl.bytes).unwrap();
    let a = read_archive(&path);
    assert_eq!(a.manifest.school.slug, app.school.slug);
    assert!(a.tables["users"].len() >= 3);
    // Entries are dated with the export's moment (UTC), not zip's 1980.
    let this_year = jiff::Timestamp::from_millisecond(app.db.now_ms())
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .year();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    for name in ["manifest.json", a.manifest.entries[0].path.as_str()] {
        let e = zip.by_name(name).unwrap();
        let when = e.last_modified().expect("a modification time");
        assert_eq!(i32::from(when.year()), i32::from(this_year), "{name}");
    }

    // Another school's admin, on their host, with the same link: 404; so is a student here.
    let other = app.other_school().await;
    let theirs = other.signed_in(&other.admin).await;
    theirs.get(&href).await.assert_status(404);
    let student = app.signed_in(&app.student).await;
    student.get(&href).await.assert_status(404);
    student.get("/admin/export").await.assert_status(404);
    student.get("/admin/export/state").await.assert_status(404);
    let anonymous = app.client().get("/admin/export/state").await;
    assert!(!anonymous.status.is_success(), "{}", anonymous.status);
    // Their state is their school's: nothing being written there.
    let v: serde_json::Value =
        serde_json::from_str(&theirs.get("/admin/export/state").await.text).unwrap();
    assert!(v["poll_ms"].is_null(), "{v}");
    // And no archive of theirs was made by posting on our host's page from theirs.
    theirs.get("/admin/export").await.assert_status(200);
    assert!(
        theirs
            .get("/admin/export")
            .await
            .attr("a.export-download", "href")
            .is_none()
    );
    admin
        .get("/admin/export/999999/download")
        .await
        .assert_status(404);
    admin
        .get("/admin/export/x/download")
        .await
        .assert_status(404);

    // Expired: no link, no download; the sweep removes the object and the row.
    sqlx::query("UPDATE exports SET expires_at = 1")
        .execute(&app.db.pool)
        .await
        .unwrap();
    admin.get(&href).await.assert_status(404);
    let removed = lectern::export::jobs::sweep(&app.state.files)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(app.scalar("SELECT COUNT(*) FROM exports").await, 0);
    assert!(
        !app.stored_objects()
            .await
            .iter()
            .any(|k| k.starts_with("exports/"))
    );
}

// ---- the commands ----

async fn count(db: &Db, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

db_test!(export_and_import_commands);
async fn export_and_import_commands(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("school.zip");
    let env = |c: &mut std::process::Command| {
        c.env("DATABASE_URL", &app.test_db.url)
            .env("LECTERN_SECRET_KEY", lectern::config::generate_secret_key())
            .env(
                "LECTERN_STORAGE_URL",
                format!("file://{}", app.storage_dir.path().display()),
            );
    };
    let mut cmd = lectern(&[
        "export",
        "--school",
        &app.school.slug,
        "--out",
        out.to_str().unwrap(),
    ]);
    env(&mut cmd);
    let r = bin::run(cmd).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains("Zoom"),
        "the reconnect note: {}",
        r.stdout
    );
    // By id, too.
    let by_id = dir.path().join("by-id.zip");
    let mut cmd = lectern(&[
        "export",
        "--school",
        &app.school.id.to_string(),
        "--out",
        by_id.to_str().unwrap(),
    ]);
    env(&mut cmd);
    assert_eq!(bin::run(cmd).await.code, Some(0));

    // Into another instance: its own database and storage.
    let target_db = TestDb::new(app.kind).await;
    let target = target_db.connect().await;
    target.migrate().await.unwrap();
    let target_store = tempfile::tempdir().unwrap();
    let key = lectern::config::generate_secret_key();
    let env = |c: &mut std::process::Command| {
        c.env("DATABASE_URL", &target_db.url)
            .env("LECTERN_SECRET_KEY", &key)
            .env(
                "LECTERN_STORAGE_URL",
                format!("file://{}", target_store.path().display()),
            );
    };
    let users = count(&target, "SELECT COUNT(*) FROM users").await;
    let mut cmd = lectern(&[
        "import",
        "--in",
        out.to_str().unwrap(),
        "--slug",
        "restored",
    ]);
    env(&mut cmd);
    let r = bin::run(cmd).await;
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains("imported school restored"),
        "{}",
        r.stdout
    );
    let restored = lectern::schools::by_slug(&target, "restored")
        .await
        .unwrap()
        .expect("the restored school");
    assert_eq!(restored.is_default, 0);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE school_id = $1")
        .bind(restored.id)
        .fetch_one(&target.pool)
        .await
        .unwrap();
    let m: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE school_id = $1")
        .bind(app.school.id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(n, m);
    assert!(n >= 3);
    assert_eq!(
        count(&target, "SELECT COUNT(*) FROM users").await,
        users + n
    );
    // Into the same instance, its domain is taken: refused, nothing written.
    let mut cmd = lectern(&["import", "--in", out.to_str().unwrap(), "--slug", "copy"]);
    cmd.env("DATABASE_URL", &app.test_db.url)
        .env("LECTERN_SECRET_KEY", &key)
        .env(
            "LECTERN_STORAGE_URL",
            format!("file://{}", app.storage_dir.path().display()),
        );
    let r = bin::run(cmd).await;
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("belongs to a school"), "{}", r.stderr);

    // The same slug again, a missing file, an unknown school: one clear line, exit 2.
    for (args, says) in [
        (
            vec![
                "import",
                "--in",
                out.to_str().unwrap(),
                "--slug",
                "restored",
            ],
            "exists",
        ),
        (vec!["import", "--in", "/nonexistent.zip"], "cannot read"),
        (
            vec!["export", "--school", "nope", "--out", "/tmp/x.zip"],
            "no school",
        ),
    ] {
        let mut cmd = lectern(&args);
        env(&mut cmd);
        let r = bin::run(cmd).await;
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
    }
}
