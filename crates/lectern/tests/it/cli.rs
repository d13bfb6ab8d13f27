//! The `lectern` binary: configuration errors, migrate/serve, SIGTERM, and what it logs.

use std::time::Duration;

use crate::support::bin::{self, Proc, lectern};
use crate::support::{DbKind, TestAppBuilder, TestClient, TestDb};

fn key() -> String {
    lectern::config::generate_secret_key()
}

#[tokio::test]
async fn bad_configuration_is_one_line_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/x.db", dir.path().display());
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (
            vec![("LECTERN_SECRET_KEY", "not-base64!".into())],
            "LECTERN_SECRET_KEY",
        ),
        (
            vec![("LECTERN_SECRET_KEY", "c2hvcnQ=".into())],
            "LECTERN_SECRET_KEY",
        ),
        (vec![], "LECTERN_SECRET_KEY"),
        (
            vec![
                ("LECTERN_SECRET_KEY", key()),
                ("LECTERN_BIND", "nowhere".into()),
            ],
            "LECTERN_BIND",
        ),
        (
            vec![
                ("LECTERN_SECRET_KEY", key()),
                ("DATABASE_URL", "mysql://x".into()),
            ],
            "DATABASE_URL",
        ),
        (
            vec![
                ("LECTERN_SECRET_KEY", key()),
                ("SMTP_URL", "http://x".into()),
            ],
            "SMTP_URL",
        ),
        (
            vec![("LECTERN_SECRET_KEY", key()), ("LECTERN_LOG", "[[[".into())],
            "LECTERN_LOG",
        ),
    ];
    for (env, var) in cases {
        for sub in ["serve", "migrate", "worker"] {
            let mut cmd = lectern(&[sub]);
            cmd.env("DATABASE_URL", &db).env("RUST_BACKTRACE", "1");
            for (k, v) in &env {
                cmd.env(k, v);
            }
            let out = bin::run(cmd).await;
            assert_eq!(out.code, Some(2), "{sub} with bad {var}: {}", out.stderr);
            let lines: Vec<&str> = out
                .stderr
                .lines()
                .filter(|l| !l.trim().is_empty())
                .collect();
            assert_eq!(
                lines.len(),
                1,
                "{sub} with bad {var}: expected one line, got:\n{}",
                out.stderr
            );
            assert!(
                lines[0].contains(var),
                "{sub}: {:?} does not name {var}",
                lines[0]
            );
            assert!(
                !out.stderr.contains("panicked") && !out.stderr.contains("backtrace"),
                "{}",
                out.stderr
            );
        }
    }
}

#[tokio::test]
async fn help_is_useful() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["admin", "create-user", "--help"],
    ] {
        let out = bin::run(lectern(&args)).await;
        assert_eq!(out.code, Some(0), "{args:?}");
        assert!(out.stdout.len() > 100, "{args:?}: {}", out.stdout);
    }
}

/// Env for `serve` on `db` at a free port; returns (env, base URL).
fn serve_env(db: &TestDb) -> (Vec<(&'static str, String)>, String) {
    let port = bin::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = vec![
        ("LECTERN_SECRET_KEY", key()),
        ("DATABASE_URL", db.url.clone()),
        ("LECTERN_BIND", format!("127.0.0.1:{port}")),
        ("LECTERN_BASE_URL", base.clone()),
    ];
    (env, base)
}

fn cmd(args: &[&str], env: &[(&'static str, String)]) -> std::process::Command {
    let mut c = lectern(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

db_test!(serve_needs_migrate_on_postgres_and_migrates_sqlite_itself);
async fn serve_needs_migrate_on_postgres_and_migrates_sqlite_itself(b: TestAppBuilder) {
    let db = TestDb::new(b.kind()).await;
    let (env, base) = serve_env(&db);
    if b.kind() == DbKind::Postgres {
        let out = bin::run(cmd(&["serve"], &env)).await;
        assert_eq!(
            out.code,
            Some(2),
            "serve on an unmigrated PostgreSQL must refuse: {}",
            out.stderr
        );
        let last = out.stderr.lines().last().unwrap_or_default();
        assert!(last.contains("lectern migrate"), "{last}");
        let out = bin::run(cmd(&["migrate"], &env)).await;
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        let n = lectern::db::MIGRATIONS_POSTGRES.len();
        assert!(
            out.stdout.contains(&format!("applied {n} migration")),
            "{}",
            out.stdout
        );
        let again = bin::run(cmd(&["migrate"], &env)).await;
        assert!(
            again.stdout.contains("applied 0 migration"),
            "idempotent: {}",
            again.stdout
        );
    }
    // Create a school and a user from the shell, then serve and sign in.
    let out = bin::run(cmd(
        &[
            "admin",
            "create-school",
            "--name",
            "Shell School",
            "--slug",
            "shell",
            "--default",
        ],
        &env,
    ))
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let mut c = cmd(
        &[
            "admin",
            "create-user",
            "--school",
            "shell",
            "--email",
            "a@shell.test",
            "--name",
            "Shell Admin",
            "--role",
            "admin",
        ],
        &env,
    );
    c.env("LECTERN_NEW_PASSWORD", "shell password 1");
    let out = bin::run(c).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);

    let mut p = Proc::spawn(cmd(&["serve"], &env));
    p.wait_ready(&base).await;
    let client = TestClient::new(&base);
    client.get("/readyz").await.assert_status(200);
    client.signin("a@shell.test", "shell password 1").await;
    assert_eq!(client.get("/admin/users").await.status.as_u16(), 200);
    // The admin claims a domain; the operator approves it from the shell.
    client
        .post_form("/admin/school/domains", &[("host", "learn.shell.example")])
        .await
        .assert_redirect_to("/admin/school");
    let domain = "li[data-domain='learn.shell.example']";
    let verified = |page: crate::support::Resp| page.attr(domain, "data-verified");
    assert_eq!(
        verified(client.get("/admin/school").await).as_deref(),
        Some("false")
    );
    let out = bin::run(cmd(
        &[
            "admin",
            "approve-domain",
            "learn.shell.example",
            "--school",
            "shell",
        ],
        &env,
    ))
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("now routes"), "{}", out.stdout);
    assert_eq!(
        verified(client.get("/admin/school").await).as_deref(),
        Some("true")
    );
    let out = bin::run(cmd(
        &[
            "admin",
            "approve-domain",
            "nobody.example",
            "--school",
            "shell",
        ],
        &env,
    ))
    .await;
    assert_ne!(out.code, Some(0));
    assert!(
        out.stderr.contains("has not claimed nobody.example"),
        "{}",
        out.stderr
    );
    // Without a mail server nobody may read reset links in the outbox; the operator
    // hands one to the person who asked.
    let out = bin::run(cmd(
        &[
            "admin",
            "reset-link",
            "--school",
            "shell",
            "--email",
            "a@shell.test",
        ],
        &env,
    ))
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let link = out.stdout.trim().to_string();
    assert!(
        link.starts_with(&format!("{base}/password/reset/")),
        "{link}"
    );
    let page = TestClient::new(&base).get(&link).await;
    page.assert_status(200);
    assert!(page.attr("input[name='password']", "type").is_some());
    // The operator sets and lifts a school's storage quota.
    let quota = |q: &'static str| {
        bin::run(cmd(
            &["admin", "storage-quota", "--school", "shell", q],
            &env,
        ))
    };
    let out = quota("10GiB").await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert_eq!(out.stdout.trim(), "shell: quota 10 GiB, 0 B used");
    let out = quota("lots").await;
    assert_ne!(out.code, Some(0));
    assert!(out.stderr.contains("not a size"), "{}", out.stderr);
    let out = quota("none").await;
    assert_eq!(out.stdout.trim(), "shell: no quota, 0 B used");
    // Deleting a school asks for its slug twice.
    let out = bin::run(cmd(
        &[
            "admin",
            "delete-school",
            "--school",
            "shell",
            "--confirm",
            "shel",
        ],
        &env,
    ))
    .await;
    assert_ne!(out.code, Some(0));
    assert!(out.stderr.contains("nothing was deleted"), "{}", out.stderr);
    let (code, _, stderr) = p.terminate().await;
    assert_eq!(code, Some(0), "SIGTERM is a clean exit: {stderr}");
}

db_test!(logs_at_trace_level_hold_no_secrets);
async fn logs_at_trace_level_hold_no_secrets(b: TestAppBuilder) {
    let db = TestDb::new(b.kind()).await;
    let (mut env, base) = serve_env(&db);
    env.push(("LECTERN_LOG", "trace".into()));
    // The reset link reaches its recipient by mail (no admin may read it).
    let sink = crate::support::SmtpSink::start().await;
    env.push(("SMTP_URL", sink.url()));
    let boot = db.connect().await;
    boot.migrate().await.unwrap();
    let school = lectern::schools::create(
        &boot,
        lectern::schools::NewSchool {
            slug: "s",
            name: "S",
            is_default: true,
        },
    )
    .await
    .unwrap();
    let admin = crate::support::create_user(
        &boot,
        school,
        "admin@s.test",
        "Admin",
        lectern::accounts::Role::Admin,
    )
    .await;

    let mut p = Proc::spawn(cmd(&["serve", "--migrate"], &env));
    p.wait_ready(&base).await;
    let c = TestClient::new(&base);
    // Sign-up with a distinctive password, a failed sign-in, a reset request and its use.
    let secret_pw = "Sup3r-Secret-Passw0rd-xyzzy";
    c.post_form(
        "/signup",
        &[
            ("display_name", "Logger"),
            ("email", "log@s.test"),
            ("password", secret_pw),
            ("timezone", "UTC"),
        ],
    )
    .await
    .assert_redirect_to("/");
    let session = c.cookie("lectern_session").expect("session");
    let csrf = c.cookie("lectern_csrf").expect("csrf");
    c.get("/profile").await.assert_status(200);
    let other = TestClient::new(&base);
    other
        .post_form(
            "/signin",
            &[
                ("email", "log@s.test"),
                ("password", "Wrong-Passw0rd-plugh"),
            ],
        )
        .await
        .assert_status(422);
    other
        .post_form("/password/forgot", &[("email", "log@s.test")])
        .await
        .assert_status(200);
    // The worker sends it; an admin is signed in meanwhile (their session is a secret
    // too).
    let a = TestClient::new(&base);
    a.signin(&admin.email, &admin.password).await;
    let link = sink.wait_for(1, Duration::from_secs(10)).await[0]
        .parse()
        .link_containing("/password/reset/")
        .expect("the reset link in the mail");
    let token = link.rsplit('/').next().unwrap().to_string();
    let r = other.get(&link).await;
    r.assert_status(200);
    other
        .post_form(&link, &[("password", "Another-Passw0rd-frob")])
        .await
        .assert_redirect_to("/");
    let admin_session = a.cookie("lectern_session").unwrap();
    // The personal calendar feed (of the user the reset signed in): its URL is a
    // bearer token.
    other.post_form("/my/calendar/reset", &[]).await;
    let feed = other
        .get("/my/courses")
        .await
        .attr("#calendar-feed-url", "value")
        .expect("calendar feed URL on My courses");
    let feed_path = &feed[feed.find("/calendar/").expect("feed path")..];
    other.get(feed_path).await.assert_status(200);
    let feed_token = feed_path
        .trim_start_matches("/calendar/")
        .trim_end_matches(".ics")
        .to_string();
    assert!(feed_token.len() > 16, "{feed_token}");

    let (code, stdout, stderr) = p.terminate().await;
    assert_eq!(code, Some(0));
    let logs = format!("{stdout}\n{stderr}");
    assert!(
        logs.lines().count() > 20,
        "trace logging produced too little:\n{logs}"
    );
    assert!(logs.contains("/signup"), "request paths are logged");
    assert!(
        logs.contains("/calendar/<redacted>"),
        "the feed request is logged, masked"
    );
    for (what, secret) in [
        ("sign-up password", secret_pw),
        ("wrong password", "Wrong-Passw0rd-plugh"),
        ("new password", "Another-Passw0rd-frob"),
        ("session cookie", session.as_str()),
        ("admin session cookie", admin_session.as_str()),
        ("CSRF token", csrf.as_str()),
        ("reset token", token.as_str()),
        ("calendar feed token", feed_token.as_str()),
    ] {
        let hits: Vec<&str> = logs
            .lines()
            .filter(|l| l.contains(secret))
            .take(3)
            .collect();
        assert!(
            hits.is_empty(),
            "the {what} appears in the logs:\n{}",
            hits.join("\n")
        );
    }
}

/// `lectern demo` on a fresh folder: seeded, with the uploaded logo in the header, the
/// welcome video and the handbook playing from storage, offline.
#[tokio::test]
async fn the_demo_seeds_a_school_with_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let port = bin::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut p = Proc::spawn({
        let mut c = lectern(&[
            "demo",
            "--dir",
            &dir.path().display().to_string(),
            "--bind",
            &format!("127.0.0.1:{port}"),
        ]);
        c.env("LECTERN_LOG", "warn");
        c
    });
    p.wait_ready(&base).await;
    let c = TestClient::new(&base);
    let home = c.get("/").await;
    home.assert_status(200);
    let logo = home
        .attr("header .brand img", "src")
        .expect("the demo's logo");
    let img = c.get(&logo).await;
    img.assert_status(200);
    assert_eq!(img.header("content-type"), Some("image/png"));
    let slug = home
        .doc()
        .select(&scraper::Selector::parse(".course-card .course-link").unwrap())
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .find(|h| h.contains("teaching"))
        .expect("the demo course");
    c.signin("student1@lectern.test", "lectern-demo-pass").await;
    let course = c.get(&slug).await;
    let first = course.attr("#outline a", "href").expect("a lesson link");
    let video_page = c.get(&first).await;
    let src = video_page
        .attr("#lesson-video", "src")
        .expect("the uploaded welcome video");
    let video = c
        .send(
            c.request(reqwest::Method::GET, &src)
                .header("range", "bytes=0-3"),
        )
        .await;
    video.assert_status(206);
    assert_eq!(video.bytes.as_slice(), b"\x1a\x45\xdf\xa3");
    assert_eq!(video.header("content-type"), Some("video/webm"));
    // Issue 17 in the demo: the weekly office hours are lessons of the course, and the
    // instructor's 1-on-1 hours offer slots to book.
    let office_hours = course
        .texts("#outline a")
        .into_iter()
        .filter(|t| t.contains("Office hours"))
        .count();
    assert_eq!(office_hours, 8, "{:?}", course.texts("#outline a"));
    let book = c.get(&format!("{slug}/book")).await;
    book.assert_status(200);
    assert!(
        !book.texts("#bookings button.slot").is_empty(),
        "no bookable slot in the demo: {}",
        book.text
    );
    // The course's board: a pinned welcome, and the live session's Q&A with its answer.
    let board_url = course
        .attr("#course-discussions", "href")
        .expect("the board link");
    let board = c.get(&board_url).await;
    board.assert_status(200);
    let threads = board.texts("#threads .thread-title");
    assert!(
        threads.contains(&"Welcome: introduce yourself".to_string()),
        "{threads:?}"
    );
    let qa = board
        .doc()
        .select(&scraper::Selector::parse("#threads li").unwrap())
        .find(|li| li.text().collect::<String>().contains("Q&A: Live Q&A"))
        .map(|li| li.text().collect::<String>())
        .expect("the live session's Q&A thread");
    assert!(qa.contains("Answered"), "{qa}");
    // The second student holds the demo course's certificate, issued by the worker.
    let sky = TestClient::new(&base);
    sky.signin("student2@lectern.test", "lectern-demo-pass")
        .await;
    let serial = crate::support::eventually(
        "the demo certificate",
        std::time::Duration::from_secs(20),
        || async {
            sky.get("/my/certificates").await.attr(
                "#my-certificates article[data-state='issued']",
                "data-serial",
            )
        },
    )
    .await;
    let pdf = sky.get(&format!("/certificates/{serial}/pdf")).await;
    pdf.assert_status(200);
    assert!(pdf.bytes.starts_with(b"%PDF"));
    let public = TestClient::new(&base).get(&format!("/C/{serial}")).await;
    assert_eq!(
        public.attr("#certificate", "data-status").as_deref(),
        Some("valid"),
        "{}",
        public.text
    );
    // Hers is the demo's only certificate, as the README's demo section tells a newcomer:
    // the first student has none, and the admin's list holds hers alone.
    let none = c.get("/my/certificates").await;
    assert!(
        none.texts("#my-certificates article").is_empty(),
        "{}",
        none.text
    );
    let ada = TestClient::new(&base);
    ada.signin("admin@lectern.test", "lectern-demo-pass").await;
    let listed: Vec<String> = ada
        .get("/admin/certificates")
        .await
        .doc()
        .select(&scraper::Selector::parse("#certificates tr[data-serial]").unwrap())
        .filter_map(|tr| tr.value().attr("data-serial").map(str::to_string))
        .collect();
    assert_eq!(listed, std::slice::from_ref(&serial));
    let readme = include_str!("../../../../README.md")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        readme.contains("Only one demo account holds a certificate: `student2@lectern.test`"),
        "the README's demo section names the certificate's holder"
    );
    // The instructor's welcome campaign went out to the course's students.
    let ines = TestClient::new(&base);
    ines.signin("instructor@lectern.test", "lectern-demo-pass")
        .await;
    crate::support::eventually(
        "the demo campaign sent",
        std::time::Duration::from_secs(20),
        || async {
            let list = ines.get("/teach/campaigns").await;
            (list.text.contains("Welcome to the live cohort")
                && list.text.contains("<td>Sent</td>"))
            .then_some(())
        },
    )
    .await;
    // The paid course is bought through the simulated Stripe checkout: its hosted page,
    // card 4242…, back to the order page, enrolled.
    let paid = home
        .doc()
        .select(&scraper::Selector::parse(".course-card .course-link").unwrap())
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .find(|h| h.contains("facilitation"))
        .expect("the paid demo course");
    let page = c.get(&paid).await;
    assert_eq!(page.texts("#course-price"), ["€49.00"]);
    let to_stripe = c
        .post_form(&format!("{paid}/buy"), &[("provider", "stripe")])
        .await;
    to_stripe.assert_status(303);
    let hosted = to_stripe.location().unwrap().to_string();
    let sim = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let paid_page = sim
        .post(&hosted)
        .form(&[("action", "pay"), ("cardnumber", "4242424242424242")])
        .send()
        .await
        .unwrap();
    assert_eq!(paid_page.status(), 303);
    let back = paid_page.headers()["location"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(back.starts_with(&base), "{back}");
    let order = c.get(&back[base.len()..]).await;
    order.assert_redirect_to("/orders/");
    let done = c.get(order.location().unwrap()).await;
    assert_eq!(done.texts("#order-enrolled").len(), 1, "{}", done.text);
    p.terminate().await;
}

/// A tmpfs of `mib` MiB mounted on a fresh folder, unmounted on drop; `None` where this
/// process may not mount (not root, or no `CAP_SYS_ADMIN`).
struct Tmpfs(tempfile::TempDir);

impl Tmpfs {
    fn mount(mib: u32) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().expect("temp dir");
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir.path())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs(dir))
    }
    fn path(&self) -> &std::path::Path {
        self.0.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.0.path())
            .status();
    }
}

/// Fills the file system holding `dir` with one file until a write fails for want of space.
fn fill(dir: &std::path::Path) -> std::path::PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).expect("filler");
    let block = vec![0u8; 64 * 1024];
    while f.write_all(&block).and_then(|_| f.sync_data()).is_ok() {}
    // The last partial block, byte by byte: nothing at all is left.
    while f.write_all(&[0]).and_then(|_| f.sync_data()).is_ok() {}
    path
}

// SQLite on a disk that fills up while the server runs (issue 20): a change answers a clear
// 503 saying what happened and that nothing was lost, `/readyz` turns false, reading
// goes on, the process stays up (no crash loop under a supervisor), and once there is
// room again everything works without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_on_a_full_disk_answers_503_and_recovers() {
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    let Some(disk) = Tmpfs::mount(32) else {
        assert!(
            !is_root,
            "root could not mount a tmpfs for the full-disk test"
        );
        eprintln!(
            "SKIPPED sqlite_on_a_full_disk_answers_503_and_recovers: mounting a tmpfs needs root"
        );
        return;
    };
    let port = bin::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let files = tempfile::tempdir().unwrap();
    let env = vec![
        ("LECTERN_SECRET_KEY", key()),
        (
            "DATABASE_URL",
            format!("sqlite://{}/lectern.db", disk.path().display()),
        ),
        ("LECTERN_BIND", format!("127.0.0.1:{port}")),
        ("LECTERN_BASE_URL", base.clone()),
        (
            "LECTERN_STORAGE_URL",
            format!("file://{}", files.path().display()),
        ),
    ];
    let out = bin::run(cmd(&["migrate"], &env)).await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let out = bin::run(cmd(
        &[
            "admin",
            "create-school",
            "--name",
            "Full",
            "--slug",
            "full",
            "--default",
        ],
        &env,
    ))
    .await;
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let mut c = cmd(
        &[
            "admin",
            "create-user",
            "--school",
            "full",
            "--email",
            "a@full.test",
            "--name",
            "Full Admin",
            "--role",
            "admin",
        ],
        &env,
    );
    c.env("LECTERN_NEW_PASSWORD", "full password 1");
    assert_eq!(bin::run(c).await.code, Some(0));
    let mut p = Proc::spawn(cmd(&["serve", "--no-worker"], &env));
    p.wait_ready(&base).await;
    let reader = TestClient::new(&base);
    reader.get("/").await.assert_status(200);

    // The WAL emptied into the database first, so that no write finds room in it.
    let mut direct = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
        "sqlite://{}/lectern.db",
        disk.path().display()
    ))
    .await
    .unwrap();
    let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut direct)
        .await
        .unwrap();
    assert_eq!(busy, 0);
    sqlx::Connection::close(direct).await.unwrap();
    let filler = fill(disk.path());
    // Signing in writes a session: it cannot be saved.
    let visitor = TestClient::new(&base);
    let r = visitor
        .post_form(
            "/signin",
            &[("email", "a@full.test"), ("password", "full password 1")],
        )
        .await;
    assert_eq!(r.status.as_u16(), 503, "{}", r.text);
    assert!(r.text.contains("could not be saved"), "{}", r.text);
    assert!(
        r.text.contains("disk is full or it is read-only"),
        "{}",
        r.text
    );
    assert!(r.header("retry-after").is_some());
    let ready = reader.get("/readyz").await;
    assert_eq!(ready.status.as_u16(), 503, "{}", p.stderr());
    assert!(ready.text.contains("cannot be written"), "{}", ready.text);
    // Reading goes on, and the process is still there.
    reader.get("/").await.assert_status(200);
    reader.get("/healthz").await.assert_status(200);
    assert!(visitor.whoami().await.is_none(), "no half-made session");

    // Room again: ready, and the same sign-in works, without a restart.
    std::fs::remove_file(&filler).unwrap();
    reader.get("/readyz").await.assert_status(200);
    visitor.signin("a@full.test", "full password 1").await;
    assert_eq!(visitor.whoami().await.as_deref(), Some("Full Admin"));
    let (code, _, stderr) = p.terminate().await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("disk full or read-only"),
        "the operator is told: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `serve` starts itself again with glibc's malloc tuned (`lectern::cli::c_malloc`): the
/// process the operator started is the one serving, with its arguments (`argv[0]`
/// included), and its environment now holds the tunables; an operator's own
/// `GLIBC_TUNABLES` is kept as it is, and a process already restarted is not restarted
/// again (glibc itself drops `GLIBC_TUNABLES` for a privileged program: without the mark,
/// such a server would restart itself forever).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[tokio::test]
async fn serve_restarts_itself_with_glibc_malloc_tuned() {
    use lectern::cli::c_malloc::{RESTARTED, TUNABLES};
    use std::os::unix::process::CommandExt as _;

    let db = TestDb::new(DbKind::Sqlite).await;
    // (the operator's GLIBC_TUNABLES, the mark, the GLIBC_TUNABLES it serves with)
    let cases = [
        (None, false, Some(TUNABLES)),
        (
            Some("glibc.malloc.arena_max=2"),
            false,
            Some("glibc.malloc.arena_max=2"),
        ),
        (None, true, None),
    ];
    for (own, marked, serves_with) in cases {
        let (env, base) = serve_env(&db);
        let mut c = cmd(&["serve"], &env);
        c.arg0("lectern-under-test");
        if let Some(v) = own {
            c.env("GLIBC_TUNABLES", v);
        }
        if marked {
            c.env(RESTARTED, "1");
        }
        let mut server = Proc::spawn(c);
        server.wait_ready(&base).await;
        let proc_file =
            |name: &str| std::fs::read(format!("/proc/{}/{name}", server.pid())).unwrap();
        // The environment as the process received it. glibc splits the variable's
        // settings in place where it parses them (a `:` becomes a NUL), so it is looked
        // for both ways.
        let environ = [b"\0".as_slice(), &proc_file("environ")].concat();
        let has = |var: &str, value: &str| {
            [':', '\0'].iter().any(|sep| {
                let wanted = format!("\0{var}={}\0", value.replace(':', &sep.to_string()));
                environ
                    .windows(wanted.len())
                    .any(|w| w == wanted.as_bytes())
            })
        };
        let shown = String::from_utf8_lossy(&environ).into_owned();
        match serves_with {
            Some(tunables) => assert!(
                has("GLIBC_TUNABLES", tunables),
                "GLIBC_TUNABLES={tunables} not in {shown:?}"
            ),
            None => assert!(!shown.contains("GLIBC_TUNABLES"), "{shown:?}"),
        }
        // Restarted exactly when nothing said otherwise.
        assert_eq!(has(RESTARTED, "1"), own.is_none(), "{shown:?}");
        let cmdline: Vec<String> = proc_file("cmdline")
            .split(|b| *b == 0)
            .filter(|v| !v.is_empty())
            .map(|v| String::from_utf8_lossy(v).into_owned())
            .collect();
        assert_eq!(cmdline, ["lectern-under-test", "serve"]);
        let (code, _, stderr) = server.terminate().await;
        assert_eq!(code, Some(0), "{stderr}");
        assert!(!stderr.contains("not tuning"), "{stderr}");
    }

    // The other long-running command without a page to wait for: `worker` restarts too.
    let (env, _) = serve_env(&db);
    let worker = Proc::spawn(cmd(&["worker"], &env));
    let environ = &format!("/proc/{}/environ", worker.pid());
    let marked = &format!("{RESTARTED}=1");
    crate::support::eventually(
        "the worker restarts tuned",
        Duration::from_secs(10),
        move || async move {
            let raw = std::fs::read(environ).unwrap_or_default();
            String::from_utf8_lossy(&raw)
                .split('\0')
                .any(|v| v == *marked)
                .then_some(())
        },
    )
    .await;
    assert!(
        !worker.stderr().contains("not tuning"),
        "{}",
        worker.stderr()
    );
}
