//! The `certificates` benchmark: a course with its certificate enabled and N learners who
//! completed it. Each certificate is issued (`certificates::issue`, what the
//! `course_completed` job runs), then rendered again (`certificates::render`), timed one by
//! one, with the process's CPU time per certificate; then the public verification page
//! `/C/{serial}` at `--connections` against `/healthz` from the same run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use lectern::accounts::{self, NewUser, Role};
use lectern::certificates::{self, CertificatesState};
use lectern::db::{CourseId, SchoolId, UserId, now_ms};
use lectern::files::{Owner, Purpose};

use crate::load::{self, Check, Options};
use crate::setup::{self, App, Target, TempDir};

const PASSWORD: &str = "bench-password-123";
/// The school's logo on every certificate (the demo school's, uploaded by the admin).
const LOGO: &[u8] = include_bytes!("../../lectern/demo/logo.png");
/// Learners' names, in turn: mostly Latin with diacritics, and one in ten each Greek,
/// Cyrillic, Arabic (right to left, joined) and Hebrew, all covered by the bundled fonts.
const NAMES: [&str; 10] = [
    "Zoë Łukasiewicz",
    "José Álvarez Núñez",
    "Siobhán Ní Bhriain",
    "Jürgen Weiß",
    "Nguyễn Thị Hương",
    "Ελένη Παπαδοπούλου",
    "Дмитрий Смирнов",
    "فاطمة الزهراء",
    "נועה לוי",
    "Margaret Hamilton",
];
/// What the verification page of a valid certificate says (`templates/certificates/verify.html`).
const VALID: &str = "data-status=\"valid\"";
/// The page's limit per client and minute (`VERIFY_PER_CLIENT` in the app).
pub const VERIFY_LIMIT: u64 = 60;
/// The load's visitors come from 198.18.0.0/15 (RFC 2544's benchmarking range).
const VISITOR_NET: u32 = u32::from_be_bytes([198, 18, 0, 0]);
const VISITOR_ADDRESSES: u64 = 1 << 17;

/// CPU time (user + system) of this whole process so far: the app, SQLite and the driver.
fn cpu_time() -> Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

fn histogram() -> Histogram<u64> {
    Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds")
}

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

/// The address of visitor `n` as a proxy in front of the app would forward it.
fn visitor(n: u64) -> String {
    std::net::Ipv4Addr::from(VISITOR_NET + (n % VISITOR_ADDRESSES) as u32).to_string()
}

/// The school (with its logo), the course (two required lessons, certificate enabled
/// through the instructor's settings form) and `learners` who completed it.
struct World {
    app: App,
    _storage: TempDir,
    school: i64,
    course: i64,
    learners: Vec<i64>,
}

async fn prepare(target: &Target, learners: usize) -> anyhow::Result<World> {
    let storage = TempDir::new("lectern-bench-certificates")?;
    // The app sits behind a reverse proxy on this machine, as in production: the proxy
    // (127.0.0.1) names each visitor in `X-Forwarded-For`, and the page's per-client limit
    // counts per visitor.
    let app = setup::start_with(
        target,
        &[
            (
                "LECTERN_STORAGE_URL",
                format!("file://{}", storage.path().join("objects").display()),
            ),
            ("LECTERN_TRUSTED_PROXIES", "127.0.0.1".into()),
        ],
        false,
    )
    .await?;
    let db = &app.state.db;
    let school = setup::bench_school(db).await?;
    for (email, role) in [
        ("admin@bench.test", Role::Admin),
        ("teacher@bench.test", Role::Instructor),
    ] {
        accounts::create_user(
            db,
            NewUser {
                school_id: school,
                email,
                display_name: if role == Role::Admin {
                    "Admin"
                } else {
                    "Ada Lovelace"
                },
                password: PASSWORD,
                role,
                timezone: "Europe/Berlin",
                language: None,
            },
        )
        .await?;
    }
    let csrf_name = accounts::sessions::csrf_cookie_name(app.state.secure_cookies());
    let csrf_of = |cookie: &str| {
        cookie
            .split("; ")
            .find_map(|c| c.strip_prefix(csrf_name)?.strip_prefix('='))
            .map(str::to_string)
            .ok_or_else(|| anyhow::anyhow!("no {csrf_name} cookie after signing in"))
    };

    // The admin uploads the logo (Settings → Branding).
    let (admin, cookie) =
        setup::sign_in_with_cookies(&app.base, "admin@bench.test", PASSWORD).await?;
    let r = admin
        .post(format!("{}/api/admin/school/logo", app.base))
        .header("x-csrf-token", csrf_of(&cookie)?)
        .header("x-file-name", "logo.png")
        .header(reqwest::header::CONTENT_TYPE, "image/png")
        .body(LOGO)
        .send()
        .await?;
    anyhow::ensure!(
        r.status() == reqwest::StatusCode::OK,
        "the logo upload answered {}: {}",
        r.status(),
        r.text().await.unwrap_or_default()
    );
    anyhow::ensure!(
        app.state
            .files
            .current(SchoolId(school), Owner::School, Purpose::Logo)
            .await?
            .is_some(),
        "no current logo after the upload"
    );

    // The course, by SQL as in `foundation`: published, two required lessons.
    let now = now_ms();
    let teacher: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'teacher@bench.test'")
            .fetch_one(&db.pool)
            .await?;
    let course = crate::setup::published_course(
        db,
        school,
        teacher,
        "workplace-safety",
        "Workplace Safety Basics",
    )
    .await?;
    let mut lessons = Vec::new();
    for (pos, title) in ["Reading", "Summary"].iter().enumerate() {
        lessons.push(sqlx::query_scalar::<_, i64>(
            "INSERT INTO lessons (school_id, course_id, position, kind, title, required, body, created_at, updated_at) VALUES ($1, $2, $3, 'document', $4, 1, '# Hello', $5, $5) RETURNING id",
        )
        .bind(school)
        .bind(course)
        .bind(pos as i64 + 1)
        .bind(*title)
        .bind(now)
        .fetch_one(&db.pool)
        .await?);
    }

    // The instructor enables the certificate with the course's settings form.
    let (teacher_client, cookie) =
        setup::sign_in_with_cookies(&app.base, "teacher@bench.test", PASSWORD).await?;
    let r = teacher_client
        .post(format!("{}/teach/courses/{course}/certificate", app.base))
        .form(&[
            ("_csrf", csrf_of(&cookie)?.as_str()),
            ("enabled", "on"),
            ("title", "Certificate of Completion"),
            ("body", ""),
            ("signer_name", "Ada Lovelace"),
            ("signer_title", "Head of Training"),
            ("validity_months", "24"),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        r.status() == reqwest::StatusCode::OK,
        "the certificate settings answered {}",
        r.status()
    );
    anyhow::ensure!(
        certificates::settings(db, SchoolId(school), CourseId(course))
            .await?
            .is_some(),
        "the course's certificate is not enabled after saving its settings"
    );

    // Learners by SQL (the instructor's password hash), each enrolled with every required
    // lesson done and the course completed, as the completion rules leave it.
    let mut ids = Vec::with_capacity(learners);
    let mut tx = db.pool.begin().await?;
    for i in 0..learners {
        let email = format!("learner{i}@bench.test");
        let done = now - 86_400_000 + i as i64 * 1_000;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (school_id, email, email_norm, display_name, password_hash, role, timezone, language, created_at)
             SELECT school_id, $1, $1, $2, password_hash, 'student', 'America/New_York', NULL, $3 FROM users WHERE email = 'teacher@bench.test'
             RETURNING id",
        )
        .bind(&email)
        .bind(NAMES[i % NAMES.len()])
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO enrollments (school_id, course_id, user_id, enrolled_at, completed_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(school)
            .bind(course)
            .bind(id)
            .bind(now - 7 * 86_400_000)
            .bind(done)
            .execute(&mut *tx)
            .await?;
        for lesson in &lessons {
            sqlx::query("INSERT INTO lesson_progress (school_id, lesson_id, user_id, completed_at) VALUES ($1, $2, $3, $4)")
                .bind(school)
                .bind(lesson)
                .bind(id)
                .bind(done)
                .execute(&mut *tx)
                .await?;
        }
        ids.push(id);
    }
    tx.commit().await?;
    Ok(World {
        app,
        _storage: storage,
        school,
        course,
        learners: ids,
    })
}

pub async fn run(
    target: Target,
    learners: usize,
    per_visitor: u64,
    opts: &Options,
) -> anyhow::Result<()> {
    anyhow::ensure!(learners > 0, "--learners must be at least 1");
    anyhow::ensure!(
        (1..=VERIFY_LIMIT).contains(&per_visitor),
        "--per-visitor must be 1..={VERIFY_LIMIT} (the page's limit per client and minute)"
    );
    let w = prepare(&target, learners).await?;
    let db = &w.app.state.db;
    let state = CertificatesState::new(
        db.clone(),
        w.app.state.files.clone(),
        w.app.state.config.clone(),
    );
    let (school, course) = (SchoolId(w.school), CourseId(w.course));
    println!(
        "\n{} — {learners} learners completed a course with its certificate enabled (logo, signer, 24-month validity)",
        w.app.label
    );
    // The fonts are parsed once per process on first use: here already by the settings
    // form's check, so no certificate below pays for it.
    certificates::fonts();

    // 1. Issue, one after the other, as the job worker would (one job per learner).
    let mut issue_h = histogram();
    let (cpu0, t0) = (cpu_time(), Instant::now());
    for &user in &w.learners {
        let t = Instant::now();
        certificates::issue(&state, school, course, UserId(user)).await?;
        let _ = issue_h.record(t.elapsed().as_micros() as u64);
    }
    let (issue_cpu, issue_wall) = (cpu_time() - cpu0, t0.elapsed());
    let serials: Vec<String> = sqlx::query_scalar(
        "SELECT serial FROM certificates WHERE course_id = $1 AND state = 'issued' AND replaced_by IS NULL ORDER BY id",
    )
    .bind(w.course)
    .fetch_all(&db.pool)
    .await?;
    anyhow::ensure!(
        serials.len() == learners,
        "{} certificates issued for {learners} learners",
        serials.len()
    );
    let mailed: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM emails WHERE school_id = $1 AND attachment_name LIKE 'certificate-%.pdf'",
    )
    .bind(w.school)
    .fetch_one(&db.pool)
    .await?;
    anyhow::ensure!(
        mailed == learners as i64,
        "{mailed} certificate e-mails queued for {learners} learners"
    );
    let n = learners as f64;
    println!(
        "  issue (end to end)   {learners} in {:.2} s   p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms   {:.1} certificates per core-second (CPU {:.2} ms each)",
        issue_wall.as_secs_f64(),
        ms(&issue_h, 0.5),
        ms(&issue_h, 0.99),
        issue_h.max() as f64 / 1000.0,
        n / issue_cpu.as_secs_f64(),
        issue_cpu.as_secs_f64() * 1000.0 / n,
    );

    // PostgreSQL: statistics for the tables just filled, as autovacuum gathers them within
    // a minute of such a burst. Without them, the pool's connections keep the generic plan
    // they cached while `certificates` was nearly empty, and on this schema that plan finds
    // a serial through the `(school_id, user_id)` index: every lookup reads the whole
    // school's certificates (measured: ~900 rows per verification page, half the rate).
    if matches!(target, Target::Postgres(_)) {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema()",
        )
        .fetch_all(&db.pool)
        .await?;
        for t in &tables {
            sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE \"{t}\"")))
                .execute(&db.pool)
                .await?;
        }
        println!(
            "  ANALYZE of the schema's {} tables (autovacuum's statistics)",
            tables.len()
        );
    }

    // 2. Render each issued certificate again (what its PDF download does).
    let mut issued = Vec::with_capacity(serials.len());
    for s in &serials {
        issued.push(
            certificates::by_serial(db, school, s)
                .await?
                .ok_or_else(|| anyhow::anyhow!("certificate {s} is gone"))?,
        );
    }
    let mut render_h = histogram();
    let mut bytes = 0usize;
    let (cpu0, t0) = (cpu_time(), Instant::now());
    for c in &issued {
        let t = Instant::now();
        let pdf = certificates::render(&state, c).await?;
        let _ = render_h.record(t.elapsed().as_micros() as u64);
        anyhow::ensure!(
            pdf.starts_with(b"%PDF-"),
            "certificate {} is not a PDF",
            c.serial
        );
        bytes += pdf.len();
    }
    let (render_cpu, render_wall) = (cpu_time() - cpu0, t0.elapsed());
    let render_p99 = ms(&render_h, 0.99);
    println!(
        "  render (PDF)         {learners} in {:.2} s   p50 {:>6.2} ms   p99 {:>6.2} ms   max {:>6.2} ms   {:.1} PDFs per core-second (CPU {:.2} ms each), {:.0} KiB each",
        render_wall.as_secs_f64(),
        ms(&render_h, 0.5),
        render_p99,
        render_h.max() as f64 / 1000.0,
        n / render_cpu.as_secs_f64(),
        render_cpu.as_secs_f64() * 1000.0 / n,
        bytes as f64 / n / 1024.0,
    );
    println!(
        "  target: p99 < 50 ms per PDF → {}   (CPU is this process's: the app{}; one certificate at a time)",
        if render_p99 < 50.0 { "met" } else { "NOT met" },
        if matches!(target, Target::Sqlite) {
            " and SQLite"
        } else {
            ", not PostgreSQL's server"
        }
    );

    // 3. The verification page. First, the limit is really on: one visitor's lookups of
    // unknown serials (only misses count) are refused within two windows' worth (61 in one
    // fixed minute window), and then so is a real one.
    let authority = load::Target::parse(&w.app.base).authority;
    let mut probe = load::Conn::new(&authority);
    let lone = "198.51.100.7"; // outside the load's visitor range
    let mut refused_after = None;
    for i in 1..=2 * VERIFY_LIMIT + 1 {
        let out = probe
            .send_outcome(
                hyper::Request::get(format!("/C/{i:016}")).header("x-forwarded-for", lone),
                bytes::Bytes::new(),
                Check::Success(None),
            )
            .await;
        match out.status {
            Some(404) => {}
            Some(429) => {
                refused_after = Some(i);
                break;
            }
            other => anyhow::bail!("lookup {i} of one visitor answered {other:?}"),
        }
    }
    let refused_after = refused_after.ok_or_else(|| {
        anyhow::anyhow!(
            "{} lookups from one visitor and none refused: the per-client limit is off",
            2 * VERIFY_LIMIT + 1
        )
    })?;
    let out = probe
        .send_outcome(
            hyper::Request::get(format!("/C/{}", serials[0])).header("x-forwarded-for", lone),
            bytes::Bytes::new(),
            Check::Success(None),
        )
        .await;
    anyhow::ensure!(
        out.status == Some(429),
        "a refused visitor's lookup of a real serial answered {:?}, not 429",
        out.status
    );
    // An unknown serial is a 404 (the load below must see 200s, not this page).
    let out = probe
        .send_outcome(
            hyper::Request::get("/C/0000000000000000").header("x-forwarded-for", "198.51.100.8"),
            bytes::Bytes::new(),
            Check::Success(None),
        )
        .await;
    anyhow::ensure!(
        out.status == Some(404),
        "an unknown serial answered {:?}",
        out.status
    );

    println!(
        "  verification page: {} connections, {:?} per endpoint; one visitor per {per_visitor} lookup(s) (X-Forwarded-For from 198.18.0.0/15 through the trusted proxy 127.0.0.1); one visitor alone was refused (429) at lookup {refused_after}",
        opts.connections, opts.duration
    );
    let health_target = load::Target {
        authority: authority.clone(),
        path: "/healthz".into(),
    };
    let conns = opts.connections as u64;
    let visitor_of = move |wk: usize, n: u64| visitor((n / per_visitor) * conns + wk as u64);
    let health = load::run_fn(
        "GET /healthz",
        &health_target,
        move |wk, n| hyper::Request::get("/healthz").header("x-forwarded-for", visitor_of(wk, n)),
        None,
        opts,
    )
    .await;
    health.print();
    let serials = Arc::new(serials);
    let page_serials = serials.clone();
    let verify = load::run_fn(
        "GET /C/{serial} (valid)",
        &load::Target {
            authority,
            path: String::new(),
        },
        move |wk, n| {
            let serial =
                &page_serials[((n * conns + wk as u64) % page_serials.len() as u64) as usize];
            hyper::Request::get(format!("/C/{serial}")).header("x-forwarded-for", visitor_of(wk, n))
        },
        Some(VALID),
        opts,
    )
    .await;
    verify.print();
    let ratio = verify.rps() / health.rps();
    let statuses: Vec<String> = verify
        .failed_statuses
        .iter()
        .filter(|(s, _)| **s != 200)
        .map(|(s, n)| format!("{s}: {n}"))
        .collect();
    println!(
        "  verification = {ratio:.3} × /healthz → target ≥ 0.2 {}; errors {} (non-200 {}{}; 200 without a valid certificate {}; no answer {})",
        if ratio >= 0.2 { "met" } else { "NOT met" },
        verify.errors,
        verify.failed_not(200),
        if statuses.is_empty() {
            String::new()
        } else {
            format!(" — {}", statuses.join(", "))
        },
        verify.failed_statuses.get(&200).copied().unwrap_or(0),
        verify.errors - verify.failed_statuses.values().sum::<u64>(),
    );
    w.app.stop().await;
    Ok(())
}
