//! The `launch` benchmark: a paid course opens and N students buy it within a window,
//! through payments-sim (Stripe Checkout and PayPal Orders v2) started in this process,
//! with the app's job worker running as `lectern serve` runs it.
//!
//! Every 5th student pays with PayPal (approve, then the return URL captures); the others
//! pay by card on Stripe's page, and half of those come back to the return URL at once
//! while the other half never return, so that only the signed webhook enrols them. Then
//! the invariants of a sale: every paid student enrolled once, one paid order and one
//! receipt each, nothing flagged. Then, in the same run, the checkout start and the
//! verified Stripe webhook against `/healthz`.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use lectern::accounts::{self, NewUser, Role};
use lectern::courses;
use lectern::db::{CourseId, SchoolId, now_ms};
use payments_sim::{Card, PaymentsSim};

use crate::load::{self, Check, Options};
use crate::setup::{self, App, Target};

const PASSWORD: &str = "bench-password-123";
const WHSEC: &str = "whsec_lectern_bench_secret";
/// The buyers' sessions expire long after any run.
const SESSION_MS: i64 = 86_400_000;

fn histogram() -> Histogram<u64> {
    Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("valid bounds")
}

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1000.0
}

/// A student with a session: user id, `Cookie` header value, CSRF token.
#[derive(Clone)]
struct Student {
    cookie: String,
    csrf: String,
}

struct World {
    app: App,
    sim: PaymentsSim,
    school: i64,
    course: i64,
    slug: String,
    /// The class that buys within the window.
    buyers: Vec<Student>,
    /// Others who only start checkouts, for the saturation phase.
    pool: Vec<Student>,
}

/// How a buyer pays and whether they come back.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Path {
    /// PayPal: approve, then the return URL captures the payment.
    PayPal,
    /// Stripe, back on the return URL right after paying (usually before the webhook).
    StripeReturns,
    /// Stripe, never back: only the webhook can enrol them.
    StripeWebhookOnly,
}

fn path_of(i: usize) -> Path {
    if i % 5 == 4 {
        Path::PayPal
    } else if i.is_multiple_of(2) {
        Path::StripeReturns
    } else {
        Path::StripeWebhookOnly
    }
}

fn location(r: &reqwest::Response) -> anyhow::Result<String> {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("expected a redirect, got {}", r.status()))
}

/// The CSRF token in a signed-in client's cookies (double submit: the form sends it back).
fn csrf_of(app: &App, cookie: &str) -> anyhow::Result<String> {
    let name = accounts::sessions::csrf_cookie_name(app.state.secure_cookies());
    cookie
        .split("; ")
        .find_map(|c| c.strip_prefix(name)?.strip_prefix('='))
        .map(str::to_string)
        .ok_or_else(|| anyhow::anyhow!("no {name} cookie after signing in"))
}

async fn prepare(target: &Target, buyers: usize, pool: usize) -> anyhow::Result<World> {
    let sim = PaymentsSim::start().await?;
    let app = setup::start_with(
        target,
        &[
            ("STRIPE_API_BASE", sim.stripe_api_base()),
            ("PAYPAL_API_BASE", sim.paypal_api_base()),
            ("PAYPAL_CERT_URL_PREFIX", sim.base_url()),
        ],
        true,
    )
    .await?;
    let db = &app.state.db;
    let school = setup::bench_school(db).await?;
    for (email, name, role) in [
        ("admin@bench.test", "Admin", Role::Admin),
        ("teacher@bench.test", "Ada Lovelace", Role::Instructor),
    ] {
        accounts::create_user(
            db,
            NewUser {
                school_id: school,
                email,
                display_name: name,
                password: PASSWORD,
                role,
                timezone: "Europe/Berlin",
                language: None,
            },
        )
        .await?;
    }
    sim.register_stripe_webhook(&format!("{}/webhooks/stripe/{school}", app.base), WHSEC);
    let webhook_id = sim.register_paypal_webhook(&format!("{}/webhooks/paypal/{school}", app.base));

    // The admin connects both providers in Settings → Payments.
    let (admin, cookie) =
        setup::sign_in_with_cookies(&app.base, "admin@bench.test", PASSWORD).await?;
    let csrf = csrf_of(&app, &cookie)?;
    let (client_id, secret) = sim.paypal_credentials();
    for (path, form) in [
        (
            "/admin/payments/stripe",
            vec![
                ("_csrf", csrf.clone()),
                ("secret_key", sim.stripe_secret_key()),
                ("webhook_secret", WHSEC.to_string()),
            ],
        ),
        (
            "/admin/payments/paypal",
            vec![
                ("_csrf", csrf.clone()),
                ("client_id", client_id),
                ("secret", secret),
                ("webhook_id", webhook_id),
            ],
        ),
    ] {
        let r = admin
            .post(format!("{}{path}", app.base))
            .form(&form)
            .send()
            .await?;
        let to = location(&r)?;
        anyhow::ensure!(
            to == "/admin/payments?saved=1",
            "{path} answered {} → {to}",
            r.status()
        );
    }

    // The course, by SQL as in `certificates`: published, one lesson.
    let now = now_ms();
    let teacher: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'teacher@bench.test'")
            .fetch_one(&db.pool)
            .await?;
    let course = crate::setup::published_course(
        db,
        school,
        teacher,
        "negotiation-masterclass",
        "Negotiation Masterclass",
    )
    .await?;
    sqlx::query(
        "INSERT INTO lessons (school_id, course_id, position, kind, title, required, body, created_at, updated_at) VALUES ($1, $2, 1, 'document', 'Welcome', 1, '# Hello', $3, $3)",
    )
    .bind(school)
    .bind(course)
    .bind(now)
    .execute(&db.pool)
    .await?;

    // Its instructor puts a price on it with the course's price form.
    let (teacher_client, cookie) =
        setup::sign_in_with_cookies(&app.base, "teacher@bench.test", PASSWORD).await?;
    let r = teacher_client
        .post(format!("{}/teach/courses/{course}/price", app.base))
        .form(&[
            ("_csrf", csrf_of(&app, &cookie)?.as_str()),
            ("paid", "on"),
            ("amount", "49.00"),
            ("currency", "EUR"),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        r.status() == reqwest::StatusCode::OK,
        "the price form answered {}",
        r.status()
    );
    let sold = courses::by_id(db, SchoolId(school), CourseId(course))
        .await?
        .ok_or_else(|| anyhow::anyhow!("the course is gone"))?;
    anyhow::ensure!(
        sold.price().is_some(),
        "the course has no price after saving the price form"
    );

    // Students by SQL with the instructor's password hash (no argon2 per student), each
    // with a session row made as sign-in makes it (keyed hash of a random token), as in
    // `class-start`; not enrolled.
    let t = Instant::now();
    let key = &app.state.config.secret_key;
    let secure = app.state.secure_cookies();
    let (sc, cc) = (
        accounts::sessions::cookie_name(secure),
        accounts::sessions::csrf_cookie_name(secure),
    );
    let mut students = Vec::with_capacity(buyers + pool);
    let mut tx = db.pool.begin().await?;
    for i in 0..buyers + pool {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (school_id, email, email_norm, display_name, password_hash, role, timezone, language, created_at)
             SELECT school_id, $1, $1, $2, password_hash, 'student', 'America/New_York', NULL, $3 FROM users WHERE id = $4
             RETURNING id",
        )
        .bind(format!("student{i}@bench.test"))
        .bind(format!("Student {i}"))
        .bind(now)
        .bind(teacher)
        .fetch_one(&mut *tx)
        .await?;
        let token = lectern::crypto::random_token();
        sqlx::query("INSERT INTO sessions (id, school_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(key.token_hash(&token))
            .bind(school)
            .bind(id)
            .bind(now)
            .bind(now + SESSION_MS)
            .execute(&mut *tx)
            .await?;
        let csrf = lectern::crypto::random_token();
        students.push(Student {
            cookie: format!("{sc}={token}; {cc}={csrf}"),
            csrf,
        });
    }
    tx.commit().await?;
    eprintln!(
        "  seeded {} students with sessions in {:.1}s",
        buyers + pool,
        t.elapsed().as_secs_f64()
    );
    let pool = students.split_off(buyers);
    Ok(World {
        app,
        sim,
        school,
        course,
        slug: sold.slug,
        buyers: students,
        pool,
    })
}

/// What the database says about the sale.
struct Tally {
    enrolled: i64,
    enrolled_distinct: i64,
    paid_orders: i64,
    paid_buyers: i64,
    flagged: i64,
    receipts: i64,
}

async fn tally(w: &World) -> anyhow::Result<Tally> {
    let pool = &w.app.state.db.pool;
    let one = |sql: &'static str| {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(w.course)
            .fetch_one(pool)
    };
    Ok(Tally {
        enrolled: one("SELECT COUNT(*) FROM enrollments WHERE course_id = $1").await?,
        enrolled_distinct: one(
            "SELECT COUNT(DISTINCT user_id) FROM enrollments WHERE course_id = $1",
        )
        .await?,
        paid_orders: one("SELECT COUNT(*) FROM orders WHERE course_id = $1 AND status = 'paid'")
            .await?,
        paid_buyers: one(
            "SELECT COUNT(DISTINCT user_id) FROM orders WHERE course_id = $1 AND status = 'paid'",
        )
        .await?,
        flagged: one("SELECT COUNT(*) FROM orders WHERE course_id = $1 AND flag IS NOT NULL")
            .await?,
        receipts: sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM emails WHERE school_id = $1 AND subject LIKE 'Your receipt for%'",
        )
        .bind(w.school)
        .fetch_one(pool)
        .await?,
    })
}

impl Tally {
    /// Every buyer enrolled once, one paid order and one receipt each, nothing flagged.
    fn exact(&self, n: usize) -> bool {
        let n = n as i64;
        self.enrolled == n
            && self.enrolled_distinct == n
            && self.paid_orders == n
            && self.paid_buyers == n
            && self.flagged == 0
            && self.receipts == n
    }

    fn print(&self, n: usize) {
        println!(
            "    enrolled {} of {n} (distinct {}), duplicate enrolments {}; paid orders {} (buyers {}), flagged {}; receipts queued {} → {}",
            self.enrolled,
            self.enrolled_distinct,
            self.enrolled - self.enrolled_distinct,
            self.paid_orders,
            self.paid_buyers,
            self.flagged,
            self.receipts,
            if self.exact(n) { "exact" } else { "WRONG" }
        );
    }
}

pub async fn run(
    target: Target,
    students: usize,
    window: Duration,
    events: usize,
    timeout: Duration,
    opts: &Options,
) -> anyhow::Result<()> {
    anyhow::ensure!(students > 0, "--students must be at least 1");
    // The saturation phase's buyers: a few per connection, none of them in the class.
    let w = prepare(&target, students, 4 * opts.connections).await?;
    let stripes = (0..students)
        .filter(|i| path_of(*i) != Path::PayPal)
        .count();
    let returners = (0..students)
        .filter(|i| path_of(*i) == Path::StripeReturns)
        .count();
    println!(
        "\n{} — launch, {students} students buy a €49 course within {:?}: {} by Stripe ({returners} back on the return URL at once, {} by the webhook alone), {} by PayPal",
        w.app.label,
        window,
        stripes,
        stripes - returners,
        students - stripes,
    );
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(256)
        .build()?;
    let base = w.app.base.clone();
    let buy_url = format!("{base}/courses/{}/buy", w.slug);
    let sim_base = w.sim.base_url();

    // Watches the enrolments from the start, so that "all enrolled" is seen when it
    // happens, not when the last buyer's task is collected. Its own connection: the app's
    // pool is what is being measured.
    let all_enrolled_at = Arc::new(Mutex::new(None::<Instant>));
    let watcher = {
        let db = lectern::db::Db::connect(&w.app.state.config.database_url, 1).await?;
        let (course, done) = (w.course, all_enrolled_at.clone());
        let n = students as i64;
        tokio::spawn(async move {
            loop {
                let got: i64 =
                    sqlx::query_scalar("SELECT COUNT(*) FROM enrollments WHERE course_id = $1")
                        .bind(course)
                        .fetch_one(&db.pool)
                        .await
                        .unwrap_or(0);
                if got >= n {
                    *done.lock().unwrap() = Some(Instant::now());
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };

    // 1. Arrivals: student i at i × window / n.
    let page_h = Arc::new(Mutex::new(histogram()));
    let buy_h = Arc::new(Mutex::new(histogram()));
    let return_h = Arc::new(Mutex::new(histogram()));
    let errors = Arc::new(AtomicU64::new(0));
    let first_error = Arc::new(Mutex::new(None::<String>));
    let last_payment = Arc::new(Mutex::new(None::<Instant>));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for (i, s) in w.buyers.iter().cloned().enumerate() {
        let (client, sim, page_h, buy_h, return_h, errors, first_error, last_payment) = (
            client.clone(),
            w.sim.clone(),
            page_h.clone(),
            buy_h.clone(),
            return_h.clone(),
            errors.clone(),
            first_error.clone(),
            last_payment.clone(),
        );
        let (base, buy_url, sim_base) = (base.clone(), buy_url.clone(), sim_base.clone());
        let at = t0 + window.mul_f64(i as f64 / students as f64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            let path = path_of(i);
            let outcome: anyhow::Result<()> = async {
                let t = Instant::now();
                let r = client
                    .get(&buy_url)
                    .header("cookie", &s.cookie)
                    .send()
                    .await?;
                anyhow::ensure!(r.status().is_success(), "buy page {}", r.status());
                let _ = r.bytes().await;
                let _ = page_h
                    .lock()
                    .unwrap()
                    .record(t.elapsed().as_micros() as u64);

                let provider = if path == Path::PayPal {
                    "paypal"
                } else {
                    "stripe"
                };
                let t = Instant::now();
                let r = client
                    .post(&buy_url)
                    .header("cookie", &s.cookie)
                    .form(&[("_csrf", s.csrf.as_str()), ("provider", provider)])
                    .send()
                    .await?;
                let status = r.status();
                let to = location(&r).map_err(|e| anyhow::anyhow!("buy ({provider}): {e}"))?;
                let _ = r.bytes().await;
                anyhow::ensure!(
                    status == reqwest::StatusCode::SEE_OTHER && to.starts_with(&sim_base),
                    "buy ({provider}) answered {status} → {to}"
                );
                let _ = buy_h.lock().unwrap().record(t.elapsed().as_micros() as u64);

                let back = match path {
                    Path::PayPal => {
                        let token = url_param(&to, "token")
                            .ok_or_else(|| anyhow::anyhow!("no token in {to}"))?;
                        sim.approve(&token)
                            .map_err(|e| anyhow::anyhow!("approve: {e}"))?
                    }
                    _ => {
                        let session = to
                            .rsplit('/')
                            .next()
                            .ok_or_else(|| anyhow::anyhow!("no session in {to}"))?;
                        sim.pay(session, Card::VISA)
                            .map_err(|e| anyhow::anyhow!("pay: {e}"))?
                    }
                };
                {
                    let now = Instant::now();
                    let mut last = last_payment.lock().unwrap();
                    if last.is_none_or(|l| l < now) {
                        *last = Some(now);
                    }
                }
                if path == Path::StripeWebhookOnly {
                    return Ok(());
                }
                anyhow::ensure!(back.starts_with(&base), "returns to {back}");
                let t = Instant::now();
                let r = client.get(&back).header("cookie", &s.cookie).send().await?;
                let status = r.status();
                let to = location(&r).map_err(|e| anyhow::anyhow!("return: {e}"))?;
                anyhow::ensure!(
                    status == reqwest::StatusCode::SEE_OTHER && to.starts_with("/orders/"),
                    "return answered {status} → {to}"
                );
                let _ = return_h
                    .lock()
                    .unwrap()
                    .record(t.elapsed().as_micros() as u64);
                Ok(())
            }
            .await;
            if let Err(e) = outcome {
                errors.fetch_add(1, Ordering::Relaxed);
                first_error
                    .lock()
                    .unwrap()
                    .get_or_insert(format!("student {i}: {e:#}"));
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let arrival_secs = t0.elapsed().as_secs_f64();
    let arrival_errors = errors.load(Ordering::Relaxed);
    {
        let (p, b, r) = (
            page_h.lock().unwrap(),
            buy_h.lock().unwrap(),
            return_h.lock().unwrap(),
        );
        println!(
            "  arrival: {} checkouts started in {arrival_secs:.2}s (window {:.0}s); errors {arrival_errors}",
            b.len(),
            window.as_secs_f64()
        );
        for (name, h) in [
            ("GET  /courses/{slug}/buy", &*p),
            ("POST /courses/{slug}/buy (start)", &*b),
            ("GET  /orders/{n}/return", &*r),
        ] {
            println!(
                "    {name:<34} p50 {:>7.2} ms   p99 {:>7.2} ms   max {:>7.2} ms   ({})",
                ms(h, 0.5),
                ms(h, 0.99),
                h.max() as f64 / 1000.0,
                h.len()
            );
        }
    }
    if let Some(e) = first_error.lock().unwrap().take() {
        println!("    first error: {e}");
    }

    // 2. Until every buyer is enrolled, or the timeout.
    let deadline = Instant::now() + timeout;
    while all_enrolled_at.lock().unwrap().is_none() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    watcher.abort();
    let done_at = *all_enrolled_at.lock().unwrap();
    let last = *last_payment.lock().unwrap();
    match (done_at, last) {
        (Some(d), Some(l)) => println!(
            "  all {students} enrolled {:.0} ms after the last payment",
            d.saturating_duration_since(l).as_secs_f64() * 1000.0
        ),
        (Some(_), None) => println!("  all {students} enrolled (no payment was recorded)"),
        (None, _) => println!("  NOT all enrolled within {timeout:?} of the arrivals' end"),
    }
    // The webhooks of buyers who returned first arrive after their enrolment: let them be
    // delivered and their jobs run too, so that a second settlement would show in the tally.
    w.sim
        .wait_for_deliveries(Duration::from_secs(10), |d| {
            d.iter()
                .filter(|d| d.event_type == "checkout.session.completed" && d.ok())
                .count()
                >= stripes
        })
        .await;
    let pending_events = wait_processed(&w, Duration::from_secs(10)).await?;
    let launch = tally(&w).await?;
    launch.print(students);
    let deliveries = w.sim.deliveries();
    let completed = deliveries
        .iter()
        .filter(|d| d.event_type == "checkout.session.completed" && d.ok())
        .count();
    let failed_deliveries = deliveries.iter().filter(|d| !d.ok()).count();
    println!(
        "    webhooks delivered by the sim: {completed} checkout.session.completed acknowledged, {failed_deliveries} attempts refused or failed{}",
        if pending_events > 0 {
            format!("; {pending_events} stored events still unprocessed")
        } else {
            String::new()
        }
    );

    // 3. Saturation: the checkout start (an order and a sim session each) closed-loop,
    //    against /healthz in the same run.
    let authority = load::Target::parse(&base).authority;
    let health = load::run_fn(
        "GET /healthz",
        &load::Target {
            authority: authority.clone(),
            path: "/healthz".into(),
        },
        |_, _| hyper::Request::get("/healthz"),
        None,
        opts,
    )
    .await;
    health.print();
    let pool = Arc::new(w.pool.clone());
    let conns = opts.connections;
    let buy_path = format!("/courses/{}/buy", w.slug);
    // A leak of one short string per run: the check borrows it for the whole load.
    let to_sim: &'static str = Box::leak(format!("{sim_base}/pay/").into_boxed_str());
    let start = load::run_with_body(
        "POST /courses/{slug}/buy",
        &load::Target {
            authority: authority.clone(),
            path: buy_path.clone(),
        },
        move |wk, k| {
            let s = &pool[(wk + k as usize * conns) % pool.len()];
            (
                hyper::Request::post(buy_path.as_str())
                    .header(hyper::header::COOKIE, s.cookie.as_str())
                    .header("x-csrf-token", s.csrf.as_str())
                    .header(
                        hyper::header::CONTENT_TYPE,
                        "application/x-www-form-urlencoded",
                    ),
                bytes::Bytes::from_static(b"provider=stripe"),
            )
        },
        Check::SeeOther(to_sim),
        opts,
    )
    .await;
    start.print();
    println!(
        "  checkout start = {:.3} × /healthz (each: an order, a Checkout Session created in the sim)",
        start.rps() / health.rps()
    );

    // 4. Verified webhook ingestion: unique, signed checkout.session.completed events for
    //    the class's paid Stripe sessions (as a re-sent event with a new id would be); the
    //    jobs find the orders settled already.
    let paid: Vec<payments_sim::SimSession> = w
        .sim
        .sessions()
        .into_iter()
        .filter(|s| s.payment_status == "paid")
        .collect();
    anyhow::ensure!(
        !paid.is_empty(),
        "no paid Stripe session to send events for"
    );
    let stored_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payment_events")
        .fetch_one(&w.app.state.db.pool)
        .await?;
    let t = now_ms() / 1000;
    let run_id = uuid::Uuid::new_v4().simple().to_string();
    let signed: Vec<(String, bytes::Bytes)> = (0..events)
        .map(|k| {
            let s = &paid[k % paid.len()];
            let body = serde_json::to_string_pretty(&serde_json::json!({
                "id": format!("evt_bench{}{k:08}", &run_id[..12]),
                "object": "event",
                "api_version": payments_sim::stripe::API_VERSION,
                "created": t,
                "data": {"object": payments_sim::stripe::session_json(s)},
                "livemode": false,
                "pending_webhooks": 1,
                "request": {"id": null, "idempotency_key": null},
                "type": "checkout.session.completed",
            }))
            .expect("JSON");
            let sig = payments_sim::hooks::stripe_signature(WHSEC, t, &body);
            (format!("t={t},v1={sig}"), bytes::Bytes::from(body))
        })
        .collect();
    let signed = Arc::new(signed);
    let hook_path = format!("/webhooks/stripe/{}", w.school);
    let next = Arc::new(AtomicUsize::new(0));
    let hook_errors = Arc::new(AtomicU64::new(0));
    let hook_h = Arc::new(Mutex::new(histogram()));
    let t1 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..opts.connections {
        let mut conn = load::Conn::new(&authority);
        let (signed, next, hook_errors, hook_h, path) = (
            signed.clone(),
            next.clone(),
            hook_errors.clone(),
            hook_h.clone(),
            hook_path.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((sig, body)) = signed.get(i) else {
                    break;
                };
                let req = hyper::Request::post(path.as_str())
                    .header(
                        hyper::header::CONTENT_TYPE,
                        "application/json; charset=utf-8",
                    )
                    .header("stripe-signature", sig.as_str());
                let t = Instant::now();
                if conn.send(req, body.clone(), None).await {
                    let _ = hook_h
                        .lock()
                        .unwrap()
                        .record(t.elapsed().as_micros() as u64);
                } else {
                    hook_errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let hook_secs = t1.elapsed().as_secs_f64();
    let hook_errors = hook_errors.load(Ordering::Relaxed);
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payment_events")
        .fetch_one(&w.app.state.db.pool)
        .await?;
    let stored = stored - stored_before;
    let hooks_rps = {
        let h = hook_h.lock().unwrap();
        let rps = h.len() as f64 / hook_secs;
        println!(
            "  {:<28} {:>9.0} events/s  p50 {:>7.2} ms   p99 {:>7.2} ms   errors {hook_errors}   ({} accepted in {hook_secs:.2}s, {stored} stored of {events})",
            "POST /webhooks/stripe/{id}",
            rps,
            ms(&h, 0.5),
            ms(&h, 0.99),
            h.len()
        );
        rps
    };
    println!(
        "  verified webhook ingestion = {:.3} × /healthz (signature check, store with its job; the worker runs meanwhile)",
        hooks_rps / health.rps()
    );
    let t2 = Instant::now();
    let unprocessed = wait_processed(&w, timeout).await?;
    println!(
        "  their jobs done {:.1}s after the last was accepted{}",
        t2.elapsed().as_secs_f64(),
        if unprocessed > 0 {
            format!(" — {unprocessed} NOT processed within {timeout:?}")
        } else {
            String::new()
        }
    );
    let after = tally(&w).await?;
    println!("  after the saturation and the re-sent events:");
    after.print(students);

    let ok = arrival_errors == 0
        && done_at.is_some()
        && launch.exact(students)
        && after.exact(students)
        && start.errors == 0
        && hook_errors == 0
        && stored == events as i64
        && unprocessed == 0;
    println!(
        "  target: 0 errors, 0 duplicates, every paid student enrolled once → {}",
        if ok { "met" } else { "NOT met" }
    );
    w.sim.shutdown();
    w.app.stop().await;
    anyhow::ensure!(
        ok,
        "launch: the sale is not exact or had errors (see above)"
    );
    Ok(())
}

/// Waits until every stored payment event has been processed (or `within` passed);
/// returns how many are left.
async fn wait_processed(w: &World, within: Duration) -> anyhow::Result<i64> {
    let deadline = Instant::now() + within;
    loop {
        let left: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM payment_events WHERE processed_at IS NULL")
                .fetch_one(&w.app.state.db.pool)
                .await?;
        if left == 0 || Instant::now() >= deadline {
            return Ok(left);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn url_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}
