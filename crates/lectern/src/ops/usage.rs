//! Anonymous usage statistics: counts only — this instance, its schools, courses and live
//! sessions held, and Lectern's version — never a name, an address, a host or an id.
//!
//! - `GET /admin/usage-stats` (admins of the instance's default school, i.e. its
//!   operator; anyone else 404): exactly the JSON that would be sent, the opt-in (off by
//!   default) and where it would go (`LECTERN_USAGE_STATS_URL`; unset: nowhere).
//! - `POST /admin/usage-stats`: opt in or out.
//! - The hourly [`UsageReport`] job: when opted in and a URL is set, POSTs the JSON once
//!   per period (a UTC day), claimed before sending so that however many workers and
//!   hours ask, one report per day goes; a failed POST gives the day back for a retry.

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};

use crate::db::{Db, now_ms};
use crate::web::{AppError, AppResult, CoreState, Ctx, Form, Page, render};

const HOUR_MS: i64 = 3_600_000;

pub fn routes() -> Router<CoreState> {
    Router::new().route("/admin/usage-stats", get(page).post(save))
}

/// What is sent: counts only.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The shape of this report.
    pub schema: i64,
    /// The UTC day it counts for (`YYYY-MM-DD`): one report per day.
    pub period: String,
    pub version: String,
    /// Always 1: this instance.
    pub instances: i64,
    pub schools: i64,
    pub courses: i64,
    /// Live sessions and webinars that took place (live now or ended).
    pub live_sessions: i64,
}

/// The UTC day of `ms`.
pub fn period_of(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(jiff::tz::TimeZone::UTC)
                .strftime("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_default()
}

/// The counts now, for the day of `at`.
pub async fn report(db: &Db, at: i64) -> sqlx::Result<Report> {
    let count = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql).fetch_one(&db.pool).await
    };
    Ok(Report {
        schema: 1,
        period: period_of(at),
        version: env!("CARGO_PKG_VERSION").to_string(),
        instances: 1,
        schools: count("SELECT COUNT(*) FROM schools").await?,
        courses: count("SELECT COUNT(*) FROM courses").await?,
        live_sessions: count("SELECT COUNT(*) FROM live_sessions WHERE state IN ('live', 'ended')")
            .await?,
    })
}

/// The body as sent (and shown).
pub fn body(r: &Report) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}

/// Whether the operator opted in.
pub async fn opted_in(db: &Db) -> sqlx::Result<bool> {
    let v: Option<i64> = sqlx::query_scalar("SELECT opted_in FROM usage_stats WHERE id = 1")
        .fetch_optional(&db.pool)
        .await?;
    Ok(v == Some(1))
}

/// The hour's job (hours since the epoch; its day is the period).
#[derive(Serialize, Deserialize)]
pub struct UsageReport {
    #[serde(default)]
    pub hour: i64,
}

impl crate::jobs::Job for UsageReport {
    const KIND: &'static str = "usage_report";
    type Deps = CoreState;
    async fn run(self, deps: &CoreState) -> anyhow::Result<()> {
        send(deps, self.hour * HOUR_MS).await?;
        Ok(())
    }
}

/// Sends the report of `at`'s day unless it went already, or nobody opted in, or no URL
/// is configured. Returns whether it was sent now.
pub async fn send(deps: &CoreState, at: i64) -> anyhow::Result<bool> {
    let Some(url) = deps.config.usage_stats_url.clone() else {
        return Ok(false);
    };
    let period = period_of(at);
    let previous: Option<Option<String>> =
        sqlx::query_scalar("SELECT last_period FROM usage_stats WHERE id = 1")
            .fetch_optional(&deps.db.pool)
            .await?;
    let Some(previous) = previous else {
        return Ok(false);
    };
    // The claim: only an opted-in instance, only a day later than the last one sent.
    let claimed = sqlx::query(
        "UPDATE usage_stats SET last_period = $1, last_sent_at = $2
         WHERE id = 1 AND opted_in = 1 AND (last_period IS NULL OR last_period < $1)",
    )
    .bind(&period)
    .bind(now_ms())
    .execute(&deps.db.pool)
    .await?
    .rows_affected();
    if claimed != 1 {
        return Ok(false);
    }
    let r = report(&deps.db, at).await?;
    let sent = reqwest::Client::new()
        .post(url)
        .timeout(std::time::Duration::from_secs(15))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body(&r))
        .send()
        .await
        .and_then(|resp| resp.error_for_status());
    if let Err(e) = sent {
        // The day is given back, so that the job's retry (or the next hour) sends it.
        sqlx::query("UPDATE usage_stats SET last_period = $1 WHERE id = 1 AND last_period = $2")
            .bind(previous)
            .bind(&period)
            .execute(&deps.db.pool)
            .await?;
        return Err(anyhow::anyhow!("usage report not delivered: {e}"));
    }
    tracing::info!(period, "usage report sent");
    Ok(true)
}

/// Only the instance's operator: an admin of its default school, on it.
async fn operator(state: &CoreState, ctx: &Ctx) -> AppResult<()> {
    let user = ctx.require_admin().map_err(|e| match e {
        AppError::Forbidden => AppError::NotFound,
        e => e,
    })?;
    let default = crate::schools::default_school(&state.db).await?;
    if default.is_none_or(|d| d.id != ctx.school.id || d.id != user.school_id) {
        return Err(AppError::NotFound);
    }
    Ok(())
}

#[derive(askama::Template)]
#[template(path = "admin/usage_stats.html")]
struct UsagePage {
    ctx: Ctx,
    json: String,
    opted_in: bool,
    url: Option<String>,
    last_period: Option<String>,
}

async fn page(State(state): State<CoreState>, ctx: Ctx) -> AppResult<Page> {
    operator(&state, &ctx).await?;
    let r = report(&state.db, state.db.now_ms()).await?;
    let last_period: Option<Option<String>> =
        sqlx::query_scalar("SELECT last_period FROM usage_stats WHERE id = 1")
            .fetch_optional(&state.db.pool)
            .await?;
    render(&UsagePage {
        json: body(&r),
        opted_in: opted_in(&state.db).await?,
        url: state.config.usage_stats_url.as_ref().map(|u| u.to_string()),
        last_period: last_period.flatten(),
        ctx,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct OptForm {
    opt_in: String,
}

async fn save(
    State(state): State<CoreState>,
    ctx: Ctx,
    Form(form): Form<OptForm>,
) -> AppResult<Response> {
    operator(&state, &ctx).await?;
    let on = match form.opt_in.as_str() {
        "on" | "1" => 1,
        "" | "0" => 0,
        _ => return Err(AppError::BadRequest(ctx.t("form-invalid-choice"))),
    };
    let by = ctx.require_user()?.id;
    sqlx::query(
        "INSERT INTO usage_stats (id, opted_in, changed_by, changed_at) VALUES (1, $1, $2, $3)
         ON CONFLICT (id) DO UPDATE SET opted_in = excluded.opted_in, changed_by = excluded.changed_by,
           changed_at = excluded.changed_at",
    )
    .bind(on)
    .bind(by)
    .bind(now_ms())
    .execute(&state.db.pool)
    .await?;
    Ok(Redirect::to("/admin/usage-stats").into_response())
}
