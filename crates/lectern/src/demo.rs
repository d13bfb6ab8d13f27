//! `lectern demo`: a seeded school in ./lectern-demo/, offline, ready to click through.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use crate::accounts::{self, NewUser, Role};
use crate::app::AppState;
use crate::config::{Config, generate_secret_key};
use crate::db::{Db, SchoolId, UserId};
use crate::schools::{self, NewSchool};

pub(crate) const DEMO_PASSWORD: &str = "lectern-demo-pass";

pub(crate) struct DemoUser {
    pub email: &'static str,
    pub name: &'static str,
    pub role: Role,
}

pub(crate) const USERS: &[DemoUser] = &[
    DemoUser {
        email: "admin@lectern.test",
        name: "Ada Admin",
        role: Role::Admin,
    },
    DemoUser {
        email: "instructor@lectern.test",
        name: "Ines Instructor",
        role: Role::Instructor,
    },
    DemoUser {
        email: "student1@lectern.test",
        name: "Sam Student",
        role: Role::Student,
    },
    DemoUser {
        email: "student2@lectern.test",
        name: "Sky Student",
        role: Role::Student,
    },
];

pub async fn run(dir: &Path, bind: SocketAddr) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let key_path = dir.join("secret.key");
    let key = match std::fs::read_to_string(&key_path) {
        Ok(k) => k.trim().to_string(),
        Err(_) => {
            let k = generate_secret_key();
            std::fs::write(&key_path, &k)?;
            k
        }
    };
    let db_url = format!("sqlite://{}/lectern.db", dir.display());
    let mut env: std::collections::HashMap<&'static str, String> = std::collections::HashMap::new();
    env.insert("LECTERN_SECRET_KEY", key);
    env.insert("DATABASE_URL", db_url);
    env.insert("LECTERN_BIND", bind.to_string());
    for var in [
        "LECTERN_LOG",
        "LECTERN_LOG_FORMAT",
        "SMTP_URL",
        "LECTERN_BASE_URL",
    ] {
        if let Ok(v) = std::env::var(var) {
            env.insert(var, v);
        }
    }
    // The Zoom simulator runs in this process: the whole product works offline.
    let sim = zoom_sim::ZoomSim::start().await?;
    let zoom = DemoZoom::new();
    env.insert("ZOOM_CLIENT_ID", zoom.client_id.clone());
    env.insert("ZOOM_CLIENT_SECRET", zoom.client_secret.clone());
    env.insert("ZOOM_WEBHOOK_SECRET_TOKEN", zoom.webhook_secret.clone());
    env.insert("ZOOM_OAUTH_BASE", sim.base_url());
    env.insert("ZOOM_API_BASE", sim.api_base());
    env.insert("ZOOM_SDK_URL", sim.sdk_base_url());
    // So do Stripe and PayPal: the paid course is bought through their simulated checkouts.
    let pay = payments_sim::PaymentsSim::start().await?;
    env.insert("STRIPE_API_BASE", pay.stripe_api_base());
    env.insert("PAYPAL_API_BASE", pay.paypal_api_base());
    env.insert("PAYPAL_CERT_URL_PREFIX", pay.base_url());
    let config = Config::from_source(&env)?;
    crate::telemetry::init(&config.log_filter, config.log_format);
    let db = Db::connect(&config.database_url, 8).await?;
    db.migrate().await?;
    let state = AppState::new(config.clone(), db.clone())?;
    let fresh = seed(&db, &*state.course_hooks, &state.files).await?;
    crate::courses::seed::refresh_demo_schedule(&db, &*state.course_hooks).await?;
    forget_previous_zoom(&db).await?;
    let listener = tokio::net::TcpListener::bind(bind).await.map_err(|e| {
        anyhow::anyhow!("cannot listen on {bind}: {e} (try `lectern demo --bind 127.0.0.1:8081`)")
    })?;
    let base = config.base_url.clone();
    let redirect_uri = config.zoom_redirect_uri();
    let payments_state = state.payments.clone();
    let running = crate::server::start(state, listener, true, Duration::from_secs(1)).await?;
    connect_payments(&db, &payments_state, &pay, base.as_str()).await?;
    zoom.register(
        &sim,
        &redirect_uri,
        &format!("{}/webhooks/zoom", base.as_str().trim_end_matches('/')),
    );
    println!();
    println!(
        "Lectern demo is running{}.",
        if fresh { " (freshly seeded)" } else { "" }
    );
    println!("Open {base}");
    println!();
    println!("Sign in with any of these (password: {DEMO_PASSWORD}):");
    for u in USERS {
        println!("  {:<11} {}", u.role.as_str(), u.email);
    }
    println!();
    println!(
        "Zoom runs on a local simulator at {} (sign-in there is automatic as {}).",
        sim.base_url(),
        USERS[1].email
    );
    println!("Connect it at {}settings/integrations as the admin.", base);
    println!(
        "Stripe and PayPal run on a local simulator at {}: buy \"{}\" as a student (card 4242 4242 4242 4242).",
        pay.base_url(),
        crate::courses::seed::PAID_COURSE_TITLE
    );
    println!();
    println!("Press Ctrl-C to stop. Data lives in {}.", dir.display());
    crate::server::wait_for_signal().await;
    running.stop().await;
    Ok(())
}

/// The demo school's Stripe and PayPal accounts are the simulator's, connected on every
/// start (the simulator's webhook registrations live only as long as it does).
async fn connect_payments(
    db: &Db,
    state: &crate::payments::PaymentsState,
    sim: &payments_sim::PaymentsSim,
    base: &str,
) -> anyhow::Result<()> {
    let Some(school) = schools::by_slug(db, "demo").await? else {
        return Ok(());
    };
    let school_id = SchoolId(school.id);
    let base = base.trim_end_matches('/');
    let whsec = format!("whsec_{}", crate::crypto::random_token());
    sim.register_stripe_webhook(&format!("{base}/webhooks/stripe/{}", school.id), &whsec);
    let webhook_id = sim.register_paypal_webhook(&format!("{base}/webhooks/paypal/{}", school.id));
    crate::payments::providers::save_stripe(
        state,
        school_id,
        crate::payments::providers::StripeInput {
            secret_key: Some(&sim.stripe_secret_key()),
            webhook_secret: Some(&whsec),
        },
    )
    .await?;
    let (client_id, secret) = sim.paypal_credentials();
    crate::payments::providers::save_paypal(
        state,
        school_id,
        crate::payments::providers::PayPalInput {
            client_id: &client_id,
            secret: Some(&secret),
            webhook_id: &webhook_id,
            sandbox: true,
        },
    )
    .await?;
    Ok(())
}

/// The demo's Zoom app and account inside the simulator.
struct DemoZoom {
    client_id: String,
    client_secret: String,
    webhook_secret: String,
}

impl DemoZoom {
    fn new() -> DemoZoom {
        DemoZoom {
            client_id: "lectern-demo-app".into(),
            client_secret: crate::crypto::random_token(),
            webhook_secret: crate::crypto::random_token(),
        }
    }

    /// A Pro account with the webinar add-on, a user for the demo instructor (who is also
    /// "signed in to Zoom" in the browser), and our app with every scope Lectern uses.
    fn register(&self, sim: &zoom_sim::ZoomSim, redirect_uri: &str, webhook_url: &str) {
        let account = sim.create_account(zoom_sim::Plan::Pro, true);
        let user = sim.create_user(
            &account,
            USERS[1].email,
            "Ines",
            "Instructor",
            zoom_sim::UserType::Licensed,
        );
        sim.set_user_timezone(&user, "Europe/Berlin");
        sim.set_login_user(&user);
        let mut scopes: Vec<String> = crate::zoom_connection::scopes::needed()
            .iter()
            .map(|s| s.to_string())
            .collect();
        scopes.extend(
            [
                "user:read:token",
                "user:read:zak",
                "meeting:read:list_past_participants",
                "cloud_recording:read:list_recording_files",
            ]
            .map(String::from),
        );
        sim.create_app(zoom_sim::AppSpec {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            redirect_uris: vec![redirect_uri.to_string()],
            scopes,
            owner_account_id: account,
            webhook_url: Some(webhook_url.to_string()),
            webhook_secret: self.webhook_secret.clone(),
            sdk_key: None,
            sdk_secret: None,
        });
    }
}

/// A fresh simulator knows none of the tokens a previous demo run stored.
async fn forget_previous_zoom(db: &Db) -> anyhow::Result<()> {
    crate::zoom_connection::forget_all_tokens(db).await?;
    Ok(())
}

/// Seeds the demo school once; returns whether it did.
pub async fn seed(
    db: &Db,
    hooks: &dyn crate::courses::CourseHooks,
    files: &crate::files::Files,
) -> anyhow::Result<bool> {
    if schools::by_slug(db, "demo").await?.is_some() {
        return Ok(false);
    }
    let school_id = schools::create(
        db,
        NewSchool {
            slug: "demo",
            name: "Lectern Academy",
            is_default: true,
        },
    )
    .await?;
    let mut ids = Vec::new();
    for u in USERS {
        let id = accounts::create_user(
            db,
            NewUser {
                school_id,
                email: u.email,
                display_name: u.name,
                password: DEMO_PASSWORD,
                role: u.role,
                timezone: "Europe/Berlin",
                language: None,
            },
        )
        .await?;
        ids.push(id);
    }
    let course = crate::courses::seed::demo_course(db, hooks, school_id, ids[1], &ids[2..]).await?;
    crate::courses::seed::paid_demo_course(db, hooks, school_id, ids[1]).await?;
    upload_demo_files(db, files, SchoolId(school_id), UserId(ids[1]), &course).await?;
    crate::discussions::seed::demo_board(db, SchoolId(school_id), course.course, ids[1], &ids[2..])
        .await?;
    certify_pilot_student(
        db,
        SchoolId(school_id),
        &course,
        UserId(ids[1]),
        UserId(ids[3]),
    )
    .await?;
    send_demo_campaign(db, school_id, ids[1], course.course.0).await?;
    seed_live_depth(
        db,
        hooks,
        SchoolId(school_id),
        course.course,
        UserId(ids[1]),
    )
    .await?;
    Ok(true)
}

/// Issue 17's live depth, visible in the demo: a weekly series of office hours (Tuesdays
/// and Thursdays, 17:00 Berlin, eight sessions from next week), the instructor's bookable
/// 1-on-1 hours (weekdays 10:00–12:00, 30-minute slots) and a course default for Zoom's
/// options (participants muted on entry).
async fn seed_live_depth(
    db: &Db,
    hooks: &dyn crate::courses::CourseHooks,
    school_id: SchoolId,
    course_id: crate::db::CourseId,
    instructor: UserId,
) -> anyhow::Result<()> {
    use crate::courses::series::{End, Freq, Rule};
    use jiff::civil::{Time, Weekday};
    let zone = jiff::tz::TimeZone::get("Europe/Berlin")?;
    let today = jiff::Timestamp::now().to_zoned(zone.clone()).date();
    let rule = Rule {
        freq: Freq::Weekly,
        interval: 1,
        weekdays: vec![Weekday::Tuesday, Weekday::Thursday],
        first_date: today.checked_add(jiff::Span::new().days(7))?,
        time: Time::constant(17, 0, 0, 0),
        zone,
        end: End::Count(8),
    };
    let occurrences = rule
        .expand()
        .map_err(|e| anyhow::anyhow!("demo series: {e:?}"))?;
    // The default first: each session copies it when it is created.
    crate::courses::live_options::save_course_default(
        db,
        school_id,
        course_id,
        &crate::courses::live_options::ZoomOptions {
            mute_upon_entry: true,
            ..Default::default()
        },
    )
    .await?;
    crate::courses::series_store::create(
        db,
        hooks,
        school_id,
        course_id,
        Some(instructor),
        &crate::courses::series_store::NewSeries {
            title: "Office hours",
            body: "Bring your questions about the week's material.",
            required: false,
            webinar: false,
            rule: &rule,
            timezone: "Europe/Berlin",
            duration_min: 60,
        },
        &occurrences,
        None,
    )
    .await?;
    use crate::bookings::slots::{Span, Window};
    crate::bookings::save(
        db,
        school_id,
        course_id,
        instructor,
        &crate::bookings::Settings {
            timezone: "Europe/Berlin".into(),
            slot_min: 30,
            buffer_min: 10,
            horizon_days: 30,
            notice_min: 12 * 60,
            cutoff_min: 24 * 60,
            one_per_student: true,
            windows: (1..=5)
                .map(|weekday| Window {
                    weekday,
                    span: Span {
                        start: 10 * 60,
                        end: 12 * 60,
                    },
                })
                .collect(),
            exceptions: Vec::new(),
        },
    )
    .await?;
    Ok(())
}

/// A campaign the instructor sent to the demo course's students: the worker delivers it
/// (into the outbox without SMTP), and its page shows it sent.
async fn send_demo_campaign(
    db: &Db,
    school_id: i64,
    author: i64,
    course_id: i64,
) -> anyhow::Result<()> {
    let id = crate::campaigns::save_draft(
        db,
        school_id,
        author,
        None,
        &crate::campaigns::Draft {
            subject: "Welcome to the live cohort",
            body_md: "Hello {name},\n\nOur next **live Q&A** is in your calendar: the invitation \
                      came with its own e-mail. Bring your questions!\n\n- Ines",
            audience: "enrolled",
            course_id: Some(course_id),
            lesson_id: None,
            send_at: None,
        },
    )
    .await?;
    if let Some(c) = crate::campaigns::get(db, school_id, id).await? {
        crate::campaigns::send(db, 10, &c).await?;
    }
    Ok(())
}

/// The demo course gives a certificate, and its second student finished it in an earlier
/// cohort: the instructor set each lesson complete by hand (with the reason, in the audit
/// trail), which completes the course; the worker then issues the certificate as for
/// anyone (My certificates, the PDF, the public page).
async fn certify_pilot_student(
    db: &Db,
    school: SchoolId,
    course: &crate::courses::seed::DemoCourse,
    instructor: UserId,
    student: UserId,
) -> anyhow::Result<()> {
    crate::certificates::save_settings(
        db,
        school,
        course.course,
        Some(&crate::certificates::Settings {
            title: "Certificate of Completion".into(),
            body: String::new(),
            signer_name: USERS[1].name.into(),
            signer_title: "Lead instructor".into(),
            validity_months: None,
        }),
    )
    .await?;
    for lesson in crate::courses::lessons(db, school, course.course).await? {
        crate::courses::completion::set_manual(
            db,
            school,
            lesson.id,
            student,
            Some(true),
            instructor,
            "Completed in the pilot cohort (demo data)",
        )
        .await?;
    }
    Ok(())
}

/// The demo's files, uploaded through the same path as the editor's: the welcome video,
/// the handbook (on the reading lesson) and the school's logo.
async fn upload_demo_files(
    db: &Db,
    files: &crate::files::Files,
    school: SchoolId,
    instructor: UserId,
    course: &crate::courses::seed::DemoCourse,
) -> anyhow::Result<()> {
    use crate::files::{Incoming, Owner, Purpose};
    let uploads: [(Owner, Purpose, &str, &'static [u8]); 3] = [
        (
            Owner::Lesson {
                course: course.course,
                lesson: course.video_lesson,
            },
            Purpose::Video,
            "welcome.webm",
            include_bytes!("../demo/welcome.webm"),
        ),
        (
            Owner::Lesson {
                course: course.course,
                lesson: course.document_lesson,
            },
            Purpose::Document,
            "Course handbook.pdf",
            include_bytes!("../demo/handbook.pdf"),
        ),
        (
            Owner::School,
            Purpose::Logo,
            "logo.png",
            include_bytes!("../demo/logo.png"),
        ),
    ];
    for (owner, purpose, name, bytes) in uploads {
        let file = files
            .receive(
                Incoming {
                    school,
                    owner,
                    purpose,
                    name: name.into(),
                    declared: Some(bytes.len() as u64),
                    user: instructor,
                },
                axum::body::Body::from(bytes),
            )
            .await?;
        if purpose == Purpose::Logo {
            schools::set_brand_image(
                db,
                school.0,
                schools::BrandImage::Logo,
                Some(&file.media_path(None)),
            )
            .await?;
        }
    }
    Ok(())
}
