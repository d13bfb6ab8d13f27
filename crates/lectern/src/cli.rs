//! The `lectern` command line: serve, worker, migrate, demo and admin commands.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::accounts::{self, NewUser, Role};
use crate::app::AppState;
use crate::config::Config;
use crate::db::{Backend, Db};
use crate::schools::{self, NewSchool};

#[derive(Parser)]
#[command(
    name = "lectern",
    version,
    about = "Lectern: online courses with first-class Zoom live sessions"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (and the job worker, unless --no-worker).
    ///
    /// On SQLite the schema is migrated automatically; on PostgreSQL run `lectern migrate`
    /// first or pass --migrate.
    Serve {
        /// Do not run the job worker in this process (run `lectern worker` elsewhere).
        #[arg(long)]
        no_worker: bool,
        /// Apply pending database migrations before serving.
        #[arg(long)]
        migrate: bool,
    },
    /// Run only the job worker (e-mail, reminders, Zoom clean-up).
    Worker,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Run a seeded, offline demo in ./lectern-demo/ and print where to open it.
    Demo {
        /// Folder for the demo's database and key.
        #[arg(long, default_value = "./lectern-demo")]
        dir: std::path::PathBuf,
        /// Address to listen on.
        #[arg(long, default_value = crate::config::DEFAULT_BIND)]
        bind: std::net::SocketAddr,
    },
    /// Administrative tasks from the shell.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Write one school's portable archive (zip): its rows as JSON Lines, its uploaded
    /// files, a manifest with checksums. Secrets stay behind (see docs/export.md).
    Export {
        /// The school's slug or id.
        #[arg(long)]
        school: String,
        /// The archive to write, e.g. northwind.zip.
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Restore a school from an archive written by `lectern export`, with new ids, in one
    /// transaction: a failed import changes nothing.
    Import {
        /// The archive to read.
        #[arg(long = "in")]
        input: std::path::PathBuf,
        /// The slug of the restored school (default: the archive's).
        #[arg(long)]
        slug: Option<String>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a school (tenant).
    CreateSchool {
        /// Display name, e.g. "Northwind Academy".
        #[arg(long)]
        name: String,
        /// URL-safe identifier, e.g. "northwind".
        #[arg(long)]
        slug: String,
        /// Make it the school served for unknown hosts.
        #[arg(long)]
        default: bool,
        /// A custom domain routed to this school (repeatable).
        #[arg(long)]
        domain: Vec<String>,
    },
    /// Approve a school admin's claim on a custom domain, after checking that the school
    /// controls it (its DNS points here, the school asked for it); it routes at once.
    ApproveDomain {
        /// The host, e.g. learn.example.org.
        host: String,
        /// The slug of the school you checked controls it; the claim must be this school's.
        #[arg(long)]
        school: String,
    },
    /// Print a one-hour password-reset link for a user (for schools without a mail server,
    /// where no one else may read reset links). Hand it to that person only.
    ResetLink {
        /// The school's slug.
        #[arg(long)]
        school: String,
        #[arg(long)]
        email: String,
    },
    /// Delete a school with all its users, courses, enrolments and uploaded files. Pass its
    /// slug twice (`--school S --confirm S`): this cannot be undone.
    DeleteSchool {
        #[arg(long)]
        school: String,
        /// The slug again.
        #[arg(long)]
        confirm: String,
    },
    /// Set a school's storage quota for uploaded files (e.g. 10GiB), or lift it (none);
    /// prints what the school uses now.
    StorageQuota {
        /// The school's slug.
        #[arg(long)]
        school: String,
        /// A size such as 500MiB or 10GiB, or "none".
        quota: String,
    },
    /// Create a user in a school. The password is read from LECTERN_NEW_PASSWORD.
    CreateUser {
        /// The school's slug.
        #[arg(long)]
        school: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, instructor or student.
        #[arg(long, default_value = "student")]
        role: String,
        /// IANA time zone.
        #[arg(long, default_value = "UTC")]
        timezone: String,
        #[arg(long, env = "LECTERN_NEW_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

pub fn main() -> ExitCode {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let cli = Cli::parse();
    if matches!(
        cli.command,
        Command::Serve { .. } | Command::Worker | Command::Demo { .. }
    ) {
        c_malloc::restart_tuned();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// glibc's `malloc`, which the C code in the process uses (SQLite, aws-lc; Rust's own
/// allocations are jemalloc's, `src/main.rs`), keeps what that code frees: freed small
/// blocks wait in per-thread and per-size caches instead of merging back into free space,
/// and free space is handed back to the system only past a threshold glibc raises as it
/// goes. After a class of 50,000 the SQLite connections are closed
/// (`db::SQLITE_CONNECTION_LIFETIME`) but about 5 MiB of their arenas stayed resident. Its
/// tunables make glibc keep no such caches, so freed blocks merge back at once, and give
/// back any free top of an arena over 128 KiB (measured in `crates/bench`: 43.7 → 37.7
/// MiB 60 s after that class on SQLite; `mxfast` or `trim_threshold` alone left 41 MiB).
///
/// glibc reads `GLIBC_TUNABLES` only when a program starts, so a long-running command
/// started without it starts itself again, before doing anything else: the same process
/// (pid), arguments and environment, plus the variable. An operator's own
/// `GLIBC_TUNABLES` is left as it is (set it empty to keep glibc's defaults). At most one
/// restart: `RESTARTED` says it happened, since glibc drops `GLIBC_TUNABLES` itself when
/// it starts a program with raised privileges (setuid, or file capabilities such as
/// `cap_net_bind_service`), and the variable alone would then restart it forever.
/// (`mallopt` would do it in place, but it is `unsafe` FFI, which this workspace forbids.)
pub mod c_malloc {
    /// The settings; also what `tests/it/cli.rs` looks for in the server's environment.
    pub const TUNABLES: &str =
        "glibc.malloc.mxfast=0:glibc.malloc.tcache_count=0:glibc.malloc.trim_threshold=131072";

    /// Set in the restarted process's environment.
    pub const RESTARTED: &str = "LECTERN_MALLOC_TUNED";

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    pub fn restart_tuned() {
        use std::os::unix::process::CommandExt as _;
        if std::env::var_os("GLIBC_TUNABLES").is_some() || std::env::var_os(RESTARTED).is_some() {
            return;
        }
        let exe = match std::env::current_exe() {
            Ok(exe) => exe,
            Err(e) => return eprintln!("warning: not tuning glibc's malloc: {e}"),
        };
        let mut args = std::env::args_os();
        let mut cmd = std::process::Command::new(exe);
        if let Some(arg0) = args.next() {
            cmd.arg0(arg0);
        }
        // `exec` returns only if it failed; the process then goes on untuned.
        let e = cmd
            .args(args)
            .env("GLIBC_TUNABLES", TUNABLES)
            .env(RESTARTED, "1")
            .exec();
        eprintln!("warning: not tuning glibc's malloc: {e}");
    }

    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    pub fn restart_tuned() {}
}

async fn run(command: Command) -> anyhow::Result<()> {
    if let Command::Demo { dir, bind } = command {
        #[cfg(feature = "demo")]
        return crate::demo::run(&dir, bind).await;
        #[cfg(not(feature = "demo"))]
        {
            let _ = (dir, bind);
            anyhow::bail!(
                "this lectern was built without the demo (it carries no simulators); \
                 run `cargo run --release -p lectern --features demo -- demo`"
            );
        }
    }
    let config = Config::from_env()?;
    crate::telemetry::init(&config.log_filter, config.log_format);
    let db = Db::connect(&config.database_url, config.db_max_connections).await?;
    match command {
        Command::Migrate => {
            let n = db.migrate().await?;
            println!("applied {n} migration(s)");
            Ok(())
        }
        Command::Serve { no_worker, migrate } => {
            prepare_schema(&db, migrate).await?;
            let listener = tokio::net::TcpListener::bind(config.bind)
                .await
                .map_err(|e| {
                    anyhow::anyhow!("cannot listen on {} (LECTERN_BIND): {e}", config.bind)
                })?;
            let base = config.base_url.clone();
            let drain = config.shutdown_drain;
            let state = AppState::new(config, db)?;
            let running =
                crate::server::start(state, listener, !no_worker, Duration::from_secs(2)).await?;
            tracing::info!(addr = %running.addr, %base, "lectern is serving");
            let drain = match crate::server::wait_for_signal().await {
                crate::server::Signal::Terminate => drain,
                crate::server::Signal::Interrupt => Duration::ZERO,
            };
            running.drain_and_stop(drain).await;
            Ok(())
        }
        Command::Worker => {
            prepare_schema(&db, false).await?;
            let state = AppState::new(config, db)?;
            let (tx, rx) = tokio::sync::watch::channel(false);
            let worker = tokio::spawn(crate::jobs::worker::run(
                state.db.clone(),
                state.jobs.clone(),
                rx,
                Duration::from_secs(2),
                state.config.job_lease,
            ));
            crate::server::wait_for_signal().await;
            let _ = tx.send(true);
            let _ = worker.await;
            Ok(())
        }
        Command::Admin(cmd) => admin(&db, &config, cmd).await,
        Command::Export { school, out } => {
            prepare_schema(&db, false).await?;
            let found = match schools::by_slug(&db, &school).await? {
                Some(s) => Some(s.id),
                None => match school.parse::<i64>() {
                    Ok(id) => {
                        sqlx::query_scalar::<_, i64>("SELECT id FROM schools WHERE id = $1")
                            .bind(id)
                            .fetch_optional(&db.pool)
                            .await?
                    }
                    Err(_) => None,
                },
            };
            let id =
                found.ok_or_else(|| anyhow::anyhow!("no school with slug or id {school:?}"))?;
            let storage = crate::files::storage::Storage::open(&config.storage)?;
            let done = crate::export::export(&db, &storage, crate::db::SchoolId(id), &out).await?;
            let rows: u64 = done.manifest.entries.iter().filter_map(|e| e.rows).sum();
            let files = done
                .manifest
                .entries
                .iter()
                .filter(|e| e.table.is_none())
                .count();
            println!(
                "{}: {rows} rows and {files} stored objects written to {} ({})",
                done.manifest.school.slug,
                out.display(),
                crate::files::in_words(done.bytes)
            );
            println!("to reconnect after an import:");
            for r in &done.manifest.reconnect {
                println!("  - {r}");
            }
            Ok(())
        }
        Command::Import { input, slug } => {
            prepare_schema(&db, false).await?;
            let storage = crate::files::storage::Storage::open(&config.storage)?;
            let done = crate::export::import(&db, &storage, &input, slug.as_deref()).await?;
            println!(
                "imported school {} (id {}): {} rows, {} files",
                done.slug, done.school_id, done.rows, done.files
            );
            Ok(())
        }
        Command::Demo { .. } => unreachable!("handled above"),
    }
}

/// SQLite migrates itself; PostgreSQL only when asked, and refuses to run on an old schema.
async fn prepare_schema(db: &Db, migrate: bool) -> anyhow::Result<()> {
    if migrate || db.backend == Backend::Sqlite {
        db.migrate().await?;
        return Ok(());
    }
    let latest = crate::db::MIGRATIONS_POSTGRES
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0);
    let current = db
        .schema_version()
        .await
        .map_err(|e| anyhow::anyhow!("cannot read the database schema version: {e}"))?;
    if current.unwrap_or(0) < latest {
        anyhow::bail!(
            "the database schema is not up to date: run `lectern migrate` (or `lectern serve --migrate`)"
        );
    }
    db.verify_migrations().await
}

async fn admin(db: &Db, config: &Config, cmd: AdminCommand) -> anyhow::Result<()> {
    // Same rule as `serve`: SQLite migrates itself, PostgreSQL must be migrated first.
    prepare_schema(db, false).await?;
    match cmd {
        AdminCommand::CreateSchool {
            name,
            slug,
            default,
            domain,
        } => {
            let id = schools::create(
                db,
                NewSchool {
                    slug: &slug,
                    name: &name,
                    is_default: default,
                },
            )
            .await?;
            for d in domain {
                schools::domains::add_verified(db, id, &d)
                    .await
                    .map_err(|e| anyhow::anyhow!("--domain {d}: {e}"))?;
            }
            println!("created school {slug} (id {id})");
            Ok(())
        }
        AdminCommand::ApproveDomain { host, school } => {
            let school = schools::by_slug(db, &school)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no school with slug {school:?}"))?;
            use schools::domains::Approval;
            match schools::domains::approve(db, &host, school.id).await? {
                Approval::Approved => println!(
                    "{host} now routes to {} ({})",
                    school.display_name, school.slug
                ),
                Approval::AlreadyActive => println!(
                    "{host} already routes to {} ({})",
                    school.display_name, school.slug
                ),
                Approval::OtherSchool => anyhow::bail!(
                    "{host} was claimed by another school, not {:?}; nothing changed",
                    school.slug
                ),
                Approval::NotClaimed => anyhow::bail!(
                    "{:?} has not claimed {host} in this database (its admin adds it under School settings first)",
                    school.slug
                ),
            }
            Ok(())
        }
        AdminCommand::ResetLink { school, email } => {
            let school = schools::by_slug(db, &school)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no school with slug {school:?}"))?;
            let user = accounts::by_email(db, school.id, &email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("{:?} has no user {email}", school.slug))?;
            let token = crate::crypto::random_token();
            let mut conn = db.pool.acquire().await?;
            accounts::store_reset(&mut conn, &config.secret_key, school.id, user.id, &token)
                .await?;
            let origin = schools::domains::origin(db, &config.base_url, school.id).await?;
            println!("{origin}/password/reset/{token}");
            Ok(())
        }
        AdminCommand::DeleteSchool { school, confirm } => {
            anyhow::ensure!(
                school == confirm,
                "--confirm must repeat the slug ({school:?}); nothing was deleted"
            );
            let found = schools::by_slug(db, &school)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no school with slug {school:?}"))?;
            schools::delete(db, &found).await?;
            println!("{school}: deleted; its files are removed from storage by the worker's jobs");
            Ok(())
        }
        AdminCommand::StorageQuota { school, quota } => {
            let school = schools::by_slug(db, &school)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no school with slug {school:?}"))?;
            let bytes = match quota.trim() {
                "none" => None,
                q => Some(
                    q.parse::<bytesize::ByteSize>()
                        .map_err(|_| anyhow::anyhow!("{q:?} is not a size such as 10GiB, or none"))?
                        .as_u64(),
                ),
            };
            let id = crate::db::SchoolId(school.id);
            crate::files::set_quota(db, id, bytes).await?;
            let used = crate::files::in_words(crate::files::usage(db, id).await?);
            match bytes {
                Some(b) => println!(
                    "{}: quota {}, {used} used",
                    school.slug,
                    crate::files::in_words(b)
                ),
                None => println!("{}: no quota, {used} used", school.slug),
            }
            Ok(())
        }
        AdminCommand::CreateUser {
            school,
            email,
            name,
            role,
            timezone,
            password,
        } => {
            let school = schools::by_slug(db, &school)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no school with slug {school:?}"))?;
            let role = Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("--role must be admin, instructor or student"))?;
            anyhow::ensure!(
                accounts::valid_email(&email),
                "--email is not a valid address"
            );
            anyhow::ensure!(
                accounts::valid_timezone(&timezone),
                "--timezone is not an IANA zone"
            );
            anyhow::ensure!(
                password.chars().count() >= 10,
                "the password needs at least 10 characters"
            );
            let id = accounts::create_user(
                db,
                NewUser {
                    school_id: school.id,
                    email: &email,
                    display_name: &name,
                    password: &password,
                    role,
                    timezone: &timezone,
                    language: None,
                },
            )
            .await?;
            println!("created {} {email} (id {id})", role.as_str());
            Ok(())
        }
    }
}
