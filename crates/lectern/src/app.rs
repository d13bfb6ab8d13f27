//! Builds the application: its state, the job registry and the router. Nothing below
//! imports this module; each capability gets only what it names (its own state type,
//! built here from [`AppState`]), and the hooks through which lower capabilities reach
//! higher ones (`courses` → `live`, `zoom_connection` → `live`) are wired here.

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::{RequestBodyDeadlineLayer, RequestBodyTimeoutLayer};
use tower_http::trace::TraceLayer;

use crate::accounts::{AccountsState, session_cache::SessionCache};
use crate::config::Config;
use crate::courses::{CourseHooks, CoursesState, PlayerHooks};
use crate::db::Db;
use crate::email::{Delivery, Mailer, SendEmail};
use crate::files::Files;
use crate::jobs::Registry;
use crate::ops::OpsState;
use crate::ops::maintenance::Maintenance;
use crate::ops::metrics::Metrics;
use crate::schools::SchoolsState;
use crate::web::context::ContextState;
use crate::web::paths::loggable_path;
use crate::web::{self, AppError, CoreState};
use crate::webhooks::ProcessZoomEvent;
use crate::zoom_connection::{ZoomDeps, ZoomRuntime};

#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub mailer: Mailer,
    pub metrics: Arc<Metrics>,
    /// `None` when the server has no Zoom credentials.
    pub zoom: Option<ZoomRuntime>,
    pub schools: Arc<crate::schools::HostCache>,
    /// Live only while [`crate::accounts::session_cache::follow_changes`] runs.
    pub sessions: Arc<SessionCache>,
    /// `live`'s side of lessons and enrolments.
    pub course_hooks: Arc<dyn CourseHooks>,
    /// `live`'s part of the learner's pages.
    pub player_hooks: Arc<dyn PlayerHooks>,
    /// Every job kind, and the hourly ones.
    pub jobs: Arc<Registry>,
    /// What every viewer of a course reads alike (`courses::shared`).
    pub course_copies: Arc<crate::courses::shared::SharedCache>,
    /// Uploaded files: storage, limits.
    pub files: Files,
    /// Paid courses: providers' clients, PayPal's certificate cache.
    pub payments: crate::payments::PaymentsState,
    /// Certificates: issuing (the job) and the pages share it (the verification gate).
    pub certificates: crate::certificates::CertificatesState,
    /// Set when this instance starts shutting down (`/readyz` turns false).
    pub draining: crate::ops::Draining,
    /// Stores Zoom's deliveries, those arriving together in one transaction; its writer
    /// task lives as long as this state.
    pub zoom_ingest: crate::webhooks::Ingest,
}

impl AppState {
    pub fn new(config: Config, db: Db) -> anyhow::Result<AppState> {
        let mailer = Mailer::new(&config)?;
        let zoom = ZoomRuntime::new(&config)?;
        let metrics = Arc::new(Metrics::new()?);
        let (lookups, live) = metrics.session_cache_counters();
        let config = Arc::new(config);
        let zoom_deps = ZoomDeps {
            db: db.clone(),
            config: config.clone(),
            zoom: zoom.clone(),
            hooks: Arc::new(crate::live::hooks::ZoomDataSide),
        };
        let player_hooks: Arc<dyn PlayerHooks> = Arc::new(WithQaLink {
            live: crate::live::hooks::PlayerSide {
                deps: zoom_deps.clone(),
            },
            db: db.clone(),
        });
        let files = Files::new(&config, db.clone())?;
        let certificates =
            crate::certificates::CertificatesState::new(db.clone(), files.clone(), config.clone());
        // A lesson's write reaches `bookings` (a deleted booked lesson frees its slot and
        // cancels its session, so it goes first: its write opens the transaction), then
        // `live` (sessions, reminders) and `discussions` (the Q&A thread of a live lesson),
        // in the same transaction; a deleted course reaches the certificates' cache.
        let course_hooks: Arc<dyn CourseHooks> = Arc::new(Chained(
            Arc::new(crate::bookings::hooks::BookingSide),
            Arc::new(Chained(
                Arc::new(crate::live::hooks::LessonSide),
                Arc::new(Chained(
                    Arc::new(crate::discussions::hooks::DiscussionSide),
                    Arc::new(Chained(
                        Arc::new(crate::analytics::AnalyticsSide),
                        Arc::new(crate::certificates::cache::CertificateSide(
                            certificates.cache.clone(),
                        )),
                    )),
                )),
            )),
        ));
        let payments =
            crate::payments::PaymentsState::new(db.clone(), config.clone(), course_hooks.clone())?;
        let jobs = Arc::new(registry(
            &db,
            &config,
            &mailer,
            &zoom_deps,
            &files,
            &payments,
            &certificates,
        )?);
        let zoom_ingest = crate::webhooks::Ingest::start(db.clone());
        Ok(AppState {
            schools: Arc::default(),
            sessions: Arc::new(SessionCache::new(lookups, live)),
            zoom,
            config,
            db,
            mailer,
            metrics,
            course_hooks,
            player_hooks,
            jobs,
            course_copies: Arc::default(),
            files,
            payments,
            certificates,
            draining: crate::ops::Draining::default(),
            zoom_ingest,
        })
    }

    pub fn secure_cookies(&self) -> bool {
        self.config.secure_cookies()
    }

    /// An absolute URL on the school's own origin (`schools::domains::school_url`).
    pub async fn school_url(&self, school_id: i64, path: &str) -> sqlx::Result<String> {
        crate::schools::domains::school_url(&self.db, &self.config.base_url, school_id, path).await
    }

    /// What `zoom_connection`, `live` and `webhooks` work with.
    pub fn zoom_deps(&self) -> ZoomDeps {
        ZoomDeps {
            db: self.db.clone(),
            config: self.config.clone(),
            zoom: self.zoom.clone(),
            hooks: Arc::new(crate::live::hooks::ZoomDataSide),
        }
    }

    fn courses(&self) -> CoursesState {
        CoursesState {
            db: self.db.clone(),
            files: self.files.clone(),
            zoom: self.zoom_deps(),
            hooks: self.course_hooks.clone(),
            player: self.player_hooks.clone(),
            shared: self.course_copies.clone(),
        }
    }

    fn schools_state(&self) -> SchoolsState {
        SchoolsState {
            db: self.db.clone(),
            config: self.config.clone(),
            schools: self.schools.clone(),
            files: self.files.clone(),
        }
    }

    fn context(&self) -> ContextState {
        ContextState {
            db: self.db.clone(),
            config: self.config.clone(),
            schools: self.schools.clone(),
            sessions: self.sessions.clone(),
        }
    }

    fn core(&self) -> CoreState {
        CoreState {
            db: self.db.clone(),
            config: self.config.clone(),
        }
    }
}

/// Every job kind of every capability; a kind registered twice stops the start.
fn registry(
    db: &Db,
    config: &Arc<Config>,
    mailer: &Mailer,
    zoom: &ZoomDeps,
    files: &Files,
    payments: &crate::payments::PaymentsState,
    certificates: &crate::certificates::CertificatesState,
) -> Result<Registry, crate::jobs::DuplicateKind> {
    let mut r = Registry::default();
    r.register::<SendEmail>(Delivery {
        db: db.clone(),
        config: config.clone(),
        mailer: mailer.clone(),
    })?
    .register::<ProcessZoomEvent>(zoom.clone())?
    .register::<Maintenance>(db.clone())?
    .hourly(|hour| Maintenance { hour });
    r.register::<crate::courses::completion::Recompute>(db.clone())?
        .register::<crate::courses::completion::CourseRecheck>(db.clone())?
        .register::<crate::courses::completion::CourseCompleted>(Arc::new(Completed(
            certificates.clone(),
        )))?;
    r.register::<crate::payments::ProcessPaymentEvent>(payments.clone())?;
    r.register::<crate::outbound::Deliver>(web::CoreState {
        db: db.clone(),
        config: config.clone(),
    })?;
    r.register::<crate::analytics::Rollup>(db.clone())?
        .register::<crate::analytics::Sweep>(db.clone())?
        .hourly(|hour| crate::analytics::Sweep { hour });
    let discussions = crate::discussions::DiscussionsState {
        db: db.clone(),
        config: config.clone(),
        files: files.clone(),
    };
    r.register::<crate::discussions::NotifyPost>(discussions.clone())?
        .register::<crate::discussions::DiscussionDigest>(discussions)?
        .hourly(|hour| crate::discussions::DiscussionDigest { hour });
    let campaigns = crate::campaigns::CampaignDeps {
        db: db.clone(),
        config: config.clone(),
    };
    r.register::<crate::campaigns::CampaignMail>(campaigns.clone())?
        .register::<crate::campaigns::StartCampaign>(campaigns)?;
    r.register::<crate::ops::usage::UsageReport>(web::CoreState {
        db: db.clone(),
        config: config.clone(),
    })?
    .hourly(|hour| crate::ops::usage::UsageReport { hour });
    crate::live::jobs::register(&mut r, zoom)?;
    crate::files::jobs::register(&mut r, files)?;
    crate::export::jobs::register(&mut r, files)?;
    Ok(r)
}

pub fn router(state: AppState) -> Router {
    let zoom = state.zoom_deps();
    let api = crate::api::ApiState {
        db: state.db.clone(),
        config: state.config.clone(),
        schools: state.schools.clone(),
        hooks: state.course_hooks.clone(),
        limiter: Arc::new(crate::api::rate::Limiter::new(
            state.config.api_rate_per_minute,
            f64::from(state.config.api_rate_per_minute) / 60.0,
        )),
    };
    let pages = Router::new()
        .merge(crate::api::pages::routes().with_state(api.clone()))
        .merge(crate::accounts::routes::routes().with_state(AccountsState {
            db: state.db.clone(),
            config: state.config.clone(),
            sessions: state.sessions.clone(),
        }))
        .merge(crate::schools::routes::routes().with_state(state.schools_state()))
        .merge(crate::courses::routes::routes().with_state(state.courses()))
        .merge(crate::email::routes::routes().with_state(state.core()))
        .merge(crate::jobs::routes::routes().with_state(state.core()))
        .merge(crate::ops::usage::routes().with_state(state.core()))
        .merge(crate::analytics::routes::routes().with_state(state.core()))
        .merge(crate::outbound::routes::routes().with_state(state.core()))
        .merge(crate::zoom_connection::routes::routes().with_state(zoom.clone()))
        .merge(crate::live::routes::routes().with_state(zoom.clone()))
        .merge(
            crate::live::routes::cancel_routes().with_state(crate::live::routes::CancelState {
                zoom: zoom.clone(),
                hooks: state.course_hooks.clone(),
            }),
        )
        .merge(crate::files::routes::routes().with_state(state.files.clone()))
        .merge(crate::export::routes::routes().with_state(state.files.clone()))
        .merge(crate::certificates::routes::routes().with_state(state.certificates.clone()))
        .merge(crate::payments::routes::routes().with_state(state.payments.clone()))
        .merge(crate::discussions::routes::routes().with_state(
            crate::discussions::DiscussionsState {
                db: state.db.clone(),
                config: state.config.clone(),
                files: state.files.clone(),
            },
        ))
        .merge(
            crate::bookings::routes::routes().with_state(crate::bookings::BookingsState {
                db: state.db.clone(),
                hooks: state.course_hooks.clone(),
            }),
        )
        .merge(
            crate::campaigns::routes::routes().with_state(crate::campaigns::CampaignsState {
                db: state.db.clone(),
                config: state.config.clone(),
            }),
        )
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.context(),
            web::context::layer,
        ));
    // Uploads stream their bodies under their own limits (each purpose has one, checked
    // before and while reading), so they are mounted outside the 1 MiB body limit.
    let uploads = Router::new()
        .merge(crate::courses::files::upload_routes().with_state(state.courses()))
        .merge(crate::schools::branding::upload_routes().with_state(state.schools_state()))
        .merge(crate::discussions::routes::upload_routes().with_state(
            crate::discussions::DiscussionsState {
                db: state.db.clone(),
                config: state.config.clone(),
                files: state.files.clone(),
            },
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.context(),
            web::context::layer,
        ))
        .route_layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            crate::ops::metrics::track,
        ))
        // An upload may be large and the line slow: no deadline for the whole body, but
        // one for each wait on the next piece of it.
        .layer(RequestBodyTimeoutLayer::new(state.config.read_timeout));
    // Places of their own: an upload holds its place while its body streams in, for
    // minutes on a slow line, so a class handing in homework must not take the places of
    // the pages (nor the reverse).
    let uploads = guarded_and_shed(uploads, &state, false);
    let ops = OpsState {
        db: state.db.clone(),
        config: state.config.clone(),
        metrics: state.metrics.clone(),
        draining: state.draining.clone(),
        zoom: state.zoom.as_ref().map(|z| z.client.clone()),
    };

    let pages_and_api = Router::new()
        .route("/healthz", get(crate::ops::healthz))
        .route("/readyz", get(crate::ops::readyz).with_state(ops.clone()))
        .route("/metrics", get(crate::ops::metrics_page).with_state(ops))
        .route("/static/app.css", get(web::assets::css))
        .route("/static/app.js", get(web::assets::js))
        .route("/static/live.js", get(web::assets::live_js))
        .route("/static/dashboard.js", get(web::assets::dashboard_js))
        .route("/static/order.js", get(web::assets::order_js))
        .route("/static/refresh.js", get(web::assets::refresh_js))
        .merge(
            crate::webhooks::routes().with_state(crate::webhooks::WebhooksState {
                zoom,
                ingest: state.zoom_ingest.clone(),
            }),
        )
        .merge(crate::payments::events::routes().with_state(state.payments.clone()))
        .merge(web::headers::routes().with_state(state.metrics.clone()))
        .merge(pages)
        // A route layer runs after routing, so the metric can use the matched route.
        .route_layer(axum::middleware::from_fn_with_state(
            state.metrics.clone(),
            crate::ops::metrics::track,
        ))
        .layer(RequestBodyLimitLayer::new(web::context::MAX_BODY))
        // At most 1 MiB in `read_timeout` (30 s: 35 KB/s): a client trickling a body
        // (slowloris) would otherwise hold a place of the load shedder until it gives up.
        .layer(RequestBodyDeadlineLayer::new(state.config.read_timeout))
        // The JSON API authenticates by token, not cookie: no context layer, no CSRF. Its
        // own body limit answers with its JSON error body (413 `too_large`).
        .merge(
            crate::api::router(api)
                .route_layer(axum::middleware::from_fn_with_state(
                    state.metrics.clone(),
                    crate::ops::metrics::track,
                ))
                .layer(RequestBodyDeadlineLayer::new(state.config.read_timeout)),
        );
    guarded_and_shed(pages_and_api, &state, true)
        .merge(uploads)
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            // Only method and path (query strings may carry tokens), with secret path
            // segments such as reset tokens masked.
            tracing::info_span!("http", method = %req.method(), path = %loggable_path(req.uri().path()))
        })
        .on_failure(log_failure))
        .layer(CatchPanicLayer::new())
        // Outermost: every response, a panic's 500 and a too-large body's 413 included,
        // gets the security headers.
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(web::headers::SecurityHeaders::new(&state.config)),
            web::headers::layer,
        ))
}

/// `router` behind the database guard, and outside it a shedder with places of its own (a
/// shed request costs nothing, not even a look at the database's health).
/// `watch_slow`: see [`web::db_guard::Guard`].
fn guarded_and_shed(router: Router, state: &AppState, watch_slow: bool) -> Router {
    router
        .layer(axum::middleware::from_fn_with_state(
            web::db_guard::Guard {
                db: state.db.clone(),
                watch_slow,
            },
            web::db_guard::layer,
        ))
        .layer(axum::middleware::from_fn_with_state(
            web::shed::Shedder::new(
                state.config.max_in_flight,
                state.config.queue_wait,
                state.metrics.clone(),
            ),
            web::shed::layer,
        ))
}

/// A failed request's log line. A 503 is not logged: it is the shedder's or the database
/// guard's deliberate answer, counted by `/metrics` (`lectern_requests_shed_total`) and
/// reported by `/readyz`; one line each cost more than the answers themselves under a
/// flood (343,000 lines in 20 s of `lectern-bench overload`). Other server errors are.
fn log_failure(
    class: tower_http::classify::ServerErrorsFailureClass,
    latency: std::time::Duration,
    _span: &tracing::Span,
) {
    use tower_http::classify::ServerErrorsFailureClass;
    match class {
        ServerErrorsFailureClass::StatusCode(s)
            if s == axum::http::StatusCode::SERVICE_UNAVAILABLE => {}
        class => tracing::error!(classification = %class, latency = ?latency, "response failed"),
    }
}

async fn not_found() -> AppError {
    AppError::NotFound
}

/// What follows a course's completion: its certificate.
struct Completed(crate::certificates::CertificatesState);

impl crate::courses::completion::CompletionListener for Completed {
    fn course_completed(
        &self,
        school_id: crate::db::SchoolId,
        course_id: crate::db::CourseId,
        user_id: crate::db::UserId,
    ) -> futures_util::future::BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(crate::certificates::issue(
            &self.0, school_id, course_id, user_id,
        ))
    }
}

/// Two capabilities' lesson hooks, one after the other in the same transaction.
struct Chained(Arc<dyn CourseHooks>, Arc<dyn CourseHooks>);

impl CourseHooks for Chained {
    fn lesson_written<'a>(
        &'a self,
        tx: &'a mut sqlx::AnyConnection,
        lesson_id: crate::db::LessonId,
        previous_start: Option<i64>,
    ) -> futures_util::future::BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(async move {
            self.0.lesson_written(tx, lesson_id, previous_start).await?;
            self.1.lesson_written(tx, lesson_id, previous_start).await
        })
    }

    fn lesson_deleted<'a>(
        &'a self,
        tx: &'a mut sqlx::AnyConnection,
        school_id: crate::db::SchoolId,
        lesson_id: crate::db::LessonId,
    ) -> futures_util::future::BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(async move {
            self.0.lesson_deleted(tx, school_id, lesson_id).await?;
            self.1.lesson_deleted(tx, school_id, lesson_id).await
        })
    }

    fn enrolled<'a>(
        &'a self,
        tx: &'a mut sqlx::AnyConnection,
        course_id: crate::db::CourseId,
        user_id: crate::db::UserId,
    ) -> futures_util::future::BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(async move {
            self.0.enrolled(tx, course_id, user_id).await?;
            self.1.enrolled(tx, course_id, user_id).await
        })
    }

    fn published<'a>(
        &'a self,
        tx: &'a mut sqlx::AnyConnection,
        course_id: crate::db::CourseId,
    ) -> futures_util::future::BoxFuture<'a, sqlx::Result<()>> {
        Box::pin(async move {
            self.0.published(tx, course_id).await?;
            self.1.published(tx, course_id).await
        })
    }

    fn cancel_session<'a>(
        &'a self,
        tx: &'a mut sqlx::AnyConnection,
        school_id: crate::db::SchoolId,
        lesson_id: crate::db::LessonId,
    ) -> futures_util::future::BoxFuture<'a, sqlx::Result<bool>> {
        Box::pin(async move {
            let first = self.0.cancel_session(tx, school_id, lesson_id).await?;
            let second = self.1.cancel_session(tx, school_id, lesson_id).await?;
            Ok(first || second)
        })
    }

    fn session_open<'a>(
        &'a self,
        tx: &'a mut sqlx::AnyConnection,
        lesson_id: crate::db::LessonId,
    ) -> futures_util::future::BoxFuture<'a, sqlx::Result<bool>> {
        Box::pin(async move {
            Ok(self.0.session_open(tx, lesson_id).await?
                && self.1.session_open(tx, lesson_id).await?)
        })
    }

    fn cancelled_sessions<'a>(
        &'a self,
        conn: &'a mut sqlx::AnyConnection,
        school_id: crate::db::SchoolId,
        course_id: crate::db::CourseId,
    ) -> futures_util::future::BoxFuture<'a, sqlx::Result<Vec<crate::db::LessonId>>> {
        Box::pin(async move {
            let mut all = self
                .0
                .cancelled_sessions(conn, school_id, course_id)
                .await?;
            all.extend(
                self.1
                    .cancelled_sessions(conn, school_id, course_id)
                    .await?,
            );
            Ok(all)
        })
    }

    fn course_deleted(&self, school_id: crate::db::SchoolId, course_id: crate::db::CourseId) {
        self.0.course_deleted(school_id, course_id);
        self.1.course_deleted(school_id, course_id);
    }
}

/// `live`'s player panel followed by the link to the lesson's Q&A thread; the course
/// page's link to `bookings`.
struct WithQaLink {
    live: crate::live::hooks::PlayerSide,
    db: Db,
}

impl PlayerHooks for WithQaLink {
    fn player_panel<'a>(
        &'a self,
        view: crate::courses::PanelView<'a>,
    ) -> futures_util::future::BoxFuture<'a, anyhow::Result<Option<crate::courses::LessonPanel>>>
    {
        Box::pin(async move {
            let link = crate::discussions::hooks::player_link(&view)?;
            let panel = self.live.player_panel(view).await?;
            Ok(match (panel, link) {
                (Some(mut p), Some(l)) => {
                    p.html.push_str(&l);
                    Some(p)
                }
                (None, Some(l)) => Some(crate::courses::LessonPanel {
                    html: l,
                    embeds_meeting: false,
                }),
                (p, None) => p,
            })
        })
    }

    fn calendar_feed_url(
        &self,
        user_id: crate::db::UserId,
    ) -> futures_util::future::BoxFuture<'_, sqlx::Result<Option<String>>> {
        self.live.calendar_feed_url(user_id)
    }

    fn lesson_threads<'a>(
        &'a self,
        course: &'a crate::courses::Course,
    ) -> futures_util::future::BoxFuture<
        'a,
        sqlx::Result<std::collections::HashMap<crate::db::LessonId, i64>>,
    > {
        Box::pin(crate::discussions::posts::threads_of_lessons(
            &self.db,
            course.school_id.0,
            course.id.0,
        ))
    }

    fn offers_booking<'a>(
        &'a self,
        course: &'a crate::courses::Course,
    ) -> futures_util::future::BoxFuture<'a, sqlx::Result<bool>> {
        Box::pin(crate::bookings::offered(
            &self.db,
            course.school_id,
            course.id,
        ))
    }
    fn student_attendance<'a>(
        &'a self,
        course: &'a crate::courses::Course,
        user_id: crate::db::UserId,
    ) -> futures_util::future::BoxFuture<'a, anyhow::Result<Vec<crate::courses::AttendanceLine>>>
    {
        self.live.student_attendance(course, user_id)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tower_http::classify::ServerErrorsFailureClass;
    use tracing_subscriber::layer::SubscriberExt;

    /// Counts the ERROR events that reach it.
    struct Errors(Arc<AtomicUsize>);
    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Errors {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            if *event.metadata().level() == tracing::Level::ERROR {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
    }

    fn errors_logged_for(class: ServerErrorsFailureClass) -> usize {
        let n = Arc::new(AtomicUsize::new(0));
        let subscriber = tracing_subscriber::registry().with(Errors(n.clone()));
        tracing::subscriber::with_default(subscriber, || {
            super::log_failure(
                class,
                std::time::Duration::from_millis(3),
                &tracing::Span::none(),
            )
        });
        n.load(Ordering::SeqCst)
    }

    /// A shed or guarded 503 is counted by /metrics, not logged (a flood of them cost
    /// more in log lines than in answers); every other server error is logged.
    #[test]
    fn a_503_is_not_logged_other_server_errors_are() {
        use axum::http::StatusCode;
        assert_eq!(
            errors_logged_for(ServerErrorsFailureClass::StatusCode(
                StatusCode::SERVICE_UNAVAILABLE
            )),
            0
        );
        for s in [
            StatusCode::INTERNAL_SERVER_ERROR,
            StatusCode::BAD_GATEWAY,
            StatusCode::GATEWAY_TIMEOUT,
        ] {
            assert_eq!(
                errors_logged_for(ServerErrorsFailureClass::StatusCode(s)),
                1,
                "{s}"
            );
        }
        assert_eq!(
            errors_logged_for(ServerErrorsFailureClass::Error("reset".into())),
            1
        );
    }
}
