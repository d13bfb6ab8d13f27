//! Lectern load benchmarks. Each scenario starts the real app in this (release) process on
//! SQLite and on PostgreSQL, measures a baseline endpoint and the endpoint under study in
//! the same run, and prints throughput, p50/p99 and the ratio to the baseline.
//!
//!     cargo run --release -p lectern-bench -- foundation
//!     LECTERN_BENCH_PG=postgres://postgres@127.0.0.1:5432/test cargo run --release -p lectern-bench -- foundation

mod analytics;
mod api;
mod campaign;
mod certificates;
mod dashboard;
mod discussions;
mod export;
mod files;
mod foundation;
mod hot_paths;
mod launch;
mod live;
mod load;
mod open_loop;
mod overload;
mod pages;
mod pg_restart;
mod push;
mod series;
mod setup;
mod smtp_sink;
mod spawn;
mod statements;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "Lectern load benchmarks")]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
    /// Concurrent connections.
    #[arg(long, default_value_t = 64, global = true)]
    connections: usize,
    /// Seconds to measure each endpoint (default 10; `overload`: seconds of overload,
    /// default 20, its capacity phases at most 10; `pg-restart`: the whole load, default 20).
    #[arg(long, global = true)]
    seconds: Option<u64>,
    /// Only this database: sqlite or postgres (default: both; postgres needs LECTERN_BENCH_PG).
    #[arg(long, global = true)]
    db: Option<String>,
}

#[derive(Subcommand)]
enum Scenario {
    /// 200 signed-in students load an enrolled course page, against /healthz.
    Foundation {
        #[arg(long, default_value_t = 200)]
        students: usize,
    },
    /// The instructor starts; 2,000 students load the player and ask for a join
    /// signature within a window; then the signature endpoint against /healthz.
    ClassStart {
        #[arg(long, default_value_t = 2000)]
        students: usize,
        /// Seconds over which the class arrives.
        #[arg(long, default_value_t = 10)]
        window: u64,
        /// Run the on-behalf-of path (meeting outside the app owner's account) instead.
        #[arg(long)]
        obf: bool,
        /// Run the app as the real `lectern serve` child process (built beside the bench)
        /// and report its memory through the class.
        #[arg(long)]
        serve: bool,
    },
    /// 20,000 signed participant events posted to /webhooks/zoom, then drained and
    /// attendance checked.
    WebhookIngest {
        #[arg(long, default_value_t = 2000)]
        students: usize,
        #[arg(long, default_value_t = 20_000)]
        events: usize,
    },
    /// N open players follow the live lesson by server-sent events; Start and
    /// the meeting.started webhook must reach every one; the join burst that follows.
    LivePush {
        #[arg(long, default_value_t = 2000)]
        students: usize,
        /// Pages only listen (no panel/states/join fetches on a change): the fan-out alone.
        #[arg(long)]
        quiet_pages: bool,
        /// Seconds a page may take to hear a change before it counts as missed.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// D open room dashboards (SSE + view fetches) while N students join within a window
    /// by signed participant_joined webhooks: the lag from each join's acknowledgement
    /// until every dashboard shows the student in the room (target 2 s).
    Dashboard {
        #[arg(long, default_value_t = 2000)]
        students: usize,
        #[arg(long, default_value_t = 20)]
        dashboards: usize,
        /// Seconds over which the class joins.
        #[arg(long, default_value_t = 10)]
        window: u64,
        /// Seconds after the last join a dashboard may take to show everyone.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// An instructor uploads one video of this size: throughput against a plain copy on
    /// the same filesystem, and the server's memory growth while it streams.
    Upload {
        #[arg(long, default_value_t = 1024)]
        size_mib: u64,
    },
    /// Enrolled students fetch random 1 MiB ranges of a 64 MiB video, against /healthz.
    VideoRanges,
    /// Issues and renders a certificate for each of N learners who completed a course
    /// (time per PDF, CPU per certificate); the public verification page against /healthz.
    Certificates {
        #[arg(long, default_value_t = 1000)]
        learners: usize,
        /// Verification-page lookups per visitor address (1..=60: the page's limit per
        /// client and minute).
        #[arg(long, default_value_t = 1)]
        per_visitor: u64,
    },
    /// A course launch: N students buy a paid course within a window through the Stripe
    /// and PayPal simulators; every one enrolled once; checkout start and verified
    /// webhooks against /healthz.
    Launch {
        #[arg(long, default_value_t = 500)]
        students: usize,
        /// Seconds over which the buyers arrive.
        #[arg(long, default_value_t = 10)]
        window: u64,
        /// Signed webhook events posted in the ingestion phase.
        #[arg(long, default_value_t = 10_000)]
        events: usize,
        /// Seconds to wait for every buyer's enrolment (and for the events' jobs).
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
    /// A discussion thread page with many replies, read by enrolled students.
    Discussions {
        #[arg(long, default_value_t = 64)]
        students: usize,
        #[arg(long, default_value_t = 200)]
        replies: usize,
    },
    /// A campaign to N enrolled students sent through the real form: time to queue
    /// (target < 2 s), then delivery by the job worker into a local SMTP sink at the
    /// configured rate; every student gets it exactly once.
    Campaign {
        #[arg(long, default_value_t = 10_000)]
        students: usize,
        /// `LECTERN_CAMPAIGN_RATE`: campaign mails per second.
        #[arg(long, default_value_t = 200)]
        rate: u32,
    },
    /// A 52-week series of live sessions created through the real form in a course of N
    /// enrolled students: the preview, then one transaction writing every occurrence with
    /// its invitation, reminders and Q&A thread.
    Series {
        #[arg(long, default_value_t = 2_000)]
        students: usize,
    },
    /// A course's analytics page over N enrolled students and S ended live sessions (most
    /// of the class in each): one roll-up, then the page's latency (target p99 < 100 ms).
    Analytics {
        #[arg(long, default_value_t = 10_000)]
        students: usize,
        #[arg(long, default_value_t = 100)]
        sessions: usize,
    },
    /// One school of N enrolled students exported to an archive (time, size, peak RSS),
    /// then imported again under another slug (time).
    Export {
        #[arg(long, default_value_t = 10_000)]
        students: usize,
    },
    /// An integration pages through a course's N enrolments with the JSON API (cursor
    /// pages of 100, bearer token) at 64 connections, against /healthz.
    Api {
        #[arg(long, default_value_t = 10_000)]
        students: usize,
    },
    /// `lectern serve` as its own process: the course page's closed-loop capacity, then
    /// `factor ×` that rate open-loop with /healthz probes and Zoom webhooks alongside;
    /// accepted, shed (503), latencies, RSS before, during and after.
    Overload {
        #[arg(long, default_value_t = 4.0)]
        factor: f64,
    },
    /// `lectern serve` as its own process at a steady open-loop rate (default half the
    /// course page's capacity): RSS, req/s, p99 and errors every minute.
    Soak {
        #[arg(long, default_value_t = 30)]
        minutes: u64,
        /// Requests per second (default: 50 % of the measured capacity).
        #[arg(long)]
        rate: Option<f64>,
    },
    /// Idle RSS of a fresh `lectern serve`, then its RSS after N students arrived within a
    /// window, each loading the course page and a lesson page.
    Memory {
        #[arg(long, default_value_t = 2000)]
        students: usize,
        #[arg(long, default_value_t = 10)]
        window: u64,
    },
    /// PostgreSQL restarted (`pg_ctl restart -m fast`, a private server) under an open-loop
    /// load on two instances: failures before, during and after, /readyz, worker and LISTEN
    /// recovery, against the targets.
    PgRestart {
        /// Requests per second offered.
        #[arg(long, default_value_t = 200)]
        rate: u64,
    },
    /// The SQL statements one request runs on the class's hot paths (course page, live
    /// lesson player, join signature): cold, again, another student. Counts, not times.
    HotPaths {
        /// Also print every statement.
        #[arg(long)]
        list: bool,
    },
    /// The open pages of live-push, as a child process (protocol in pages.rs).
    #[command(hide = true)]
    Pages {
        #[arg(long)]
        authority: String,
        #[arg(long)]
        slug: String,
        #[arg(long)]
        lesson: i64,
        #[arg(long)]
        timeout: u64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Scenario::Pages {
        authority,
        slug,
        lesson,
        timeout,
    } = cli.scenario
    {
        return pages::run(pages::Args {
            authority,
            slug,
            lesson,
            timeout: std::time::Duration::from_secs(timeout),
        })
        .await;
    }
    if let Scenario::PgRestart { rate } = cli.scenario {
        return pg_restart::run(rate, cli.seconds.unwrap_or(20)).await;
    }
    let pg = std::env::var("LECTERN_BENCH_PG")
        .ok()
        .or_else(|| std::env::var("LECTERN_TEST_DATABASE_URL").ok());
    let mut targets: Vec<setup::Target> = Vec::new();
    if cli.db.as_deref() != Some("postgres") {
        targets.push(setup::Target::Sqlite);
    }
    if cli.db.as_deref() != Some("sqlite") {
        match &pg {
            Some(url) => targets.push(setup::Target::Postgres(url.clone())),
            None => eprintln!("(skipping PostgreSQL: set LECTERN_BENCH_PG=postgres://...)"),
        }
    }
    let opts = load::Options {
        connections: cli.connections,
        duration: std::time::Duration::from_secs(match cli.scenario {
            Scenario::Overload { .. } => cli.seconds.unwrap_or(20).min(10),
            _ => cli.seconds.unwrap_or(10),
        }),
    };
    match cli.scenario {
        Scenario::Foundation { students } => {
            for t in targets {
                foundation::run(t, students, &opts).await?;
            }
        }
        Scenario::ClassStart {
            students,
            window,
            obf,
            serve,
        } => {
            for t in targets {
                live::class_start(
                    t,
                    students,
                    std::time::Duration::from_secs(window),
                    obf,
                    serve,
                    &opts,
                )
                .await?;
            }
        }
        Scenario::WebhookIngest { students, events } => {
            for t in targets {
                live::webhook_ingest(t, students, events, &opts).await?;
            }
        }
        Scenario::LivePush {
            students,
            quiet_pages,
            timeout,
        } => {
            for t in targets {
                push::live_push(
                    t,
                    students,
                    quiet_pages,
                    std::time::Duration::from_secs(timeout),
                    &opts,
                )
                .await?;
            }
        }
        Scenario::Dashboard {
            students,
            dashboards,
            window,
            timeout,
        } => {
            for t in targets {
                dashboard::run(
                    t,
                    students,
                    dashboards,
                    std::time::Duration::from_secs(window),
                    std::time::Duration::from_secs(timeout),
                    &opts,
                )
                .await?;
            }
        }
        Scenario::Upload { size_mib } => {
            for t in targets {
                files::upload(t, size_mib).await?;
            }
        }
        Scenario::VideoRanges => {
            for t in targets {
                files::video_ranges(t, &opts).await?;
            }
        }
        Scenario::Certificates {
            learners,
            per_visitor,
        } => {
            for t in targets {
                certificates::run(t, learners, per_visitor, &opts).await?;
            }
        }
        Scenario::Launch {
            students,
            window,
            events,
            timeout,
        } => {
            for t in targets {
                launch::run(
                    t,
                    students,
                    std::time::Duration::from_secs(window),
                    events,
                    std::time::Duration::from_secs(timeout),
                    &opts,
                )
                .await?;
            }
        }
        Scenario::Discussions { students, replies } => {
            for t in targets {
                discussions::run(t, students, replies, &opts).await?;
            }
        }
        Scenario::Campaign { students, rate } => {
            for t in targets {
                campaign::run(t, students, rate).await?;
            }
        }
        Scenario::Series { students } => {
            for t in targets {
                series::run(t, students).await?;
            }
        }
        Scenario::Analytics { students, sessions } => {
            for t in targets {
                analytics::run(t, students, sessions, &opts).await?;
            }
        }
        Scenario::Export { students } => {
            for t in targets {
                export::run(t, students).await?;
            }
        }
        Scenario::Api { students } => {
            for t in targets {
                api::run(t, students, &opts).await?;
            }
        }
        Scenario::Overload { factor } => {
            for t in targets {
                overload::overload(t, cli.seconds.unwrap_or(20), factor, &opts).await?;
            }
        }
        Scenario::Soak { minutes, rate } => {
            for t in targets {
                overload::soak(t, minutes, rate, &opts).await?;
            }
        }
        Scenario::Memory { students, window } => {
            for t in targets {
                let window = std::time::Duration::from_secs(window);
                overload::memory(t, students, window, &opts).await?;
            }
        }
        Scenario::HotPaths { list } => {
            for t in targets {
                hot_paths::run(t, list).await?;
            }
        }
        Scenario::Pages { .. } | Scenario::PgRestart { .. } => unreachable!("handled above"),
    }
    Ok(())
}
