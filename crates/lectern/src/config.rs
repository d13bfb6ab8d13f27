//! Typed configuration read from the environment. Every failure names the variable, so a
//! misconfigured start-up ends with one clear line instead of a backtrace.

use std::net::{IpAddr, SocketAddr};

use base64::Engine;
use ipnet::IpNet;
use url::Url;

use crate::crypto::SecretKey;

pub const DEFAULT_BIND: &str = "127.0.0.1:8080";
pub(crate) const DEFAULT_DATABASE_URL: &str = "sqlite://./lectern-data/lectern.db";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is missing: {hint}")]
    Missing {
        var: &'static str,
        hint: &'static str,
    },
    #[error("{var} is invalid: {reason}")]
    Invalid { var: &'static str, reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub bind: SocketAddr,
    pub base_url: Url,
    pub database_url: String,
    pub secret_key: SecretKey,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    /// Campaign e-mails handed to delivery per second (`LECTERN_CAMPAIGN_RATE`, default
    /// 10): most SMTP relays throttle or flag bulk senders that go faster.
    pub campaign_rate: u32,
    /// Requests handled at once before more are shed with 503 (`LECTERN_MAX_IN_FLIGHT`,
    /// default 4 per database connection; see `web::shed`).
    pub max_in_flight: usize,
    /// How long a request may wait for one of those places before it is shed
    /// (`LECTERN_QUEUE_WAIT_MS`, 0 to 60000, default 5000): a safety net; under a flood
    /// the queue's length (seven waiters a place in a burst, three once it has stood
    /// for 100 ms: `web::shed`) is what sheds.
    pub queue_wait: std::time::Duration,
    /// Requests each API token may make per minute, and at once (`LECTERN_API_RATE_PER_MINUTE`,
    /// 1 to 1000000, default 60; see `api::rate`).
    pub api_rate_per_minute: u32,
    /// After SIGTERM, how long `/readyz` says "shutting down" while requests are still
    /// served, so that a proxy's health check takes the instance out before it stops.
    pub shutdown_drain: std::time::Duration,
    /// How long a client has to send a request's headers, and a request's body (uploads:
    /// between two pieces of it) before the connection is closed or the request answered
    /// 408 (`LECTERN_READ_TIMEOUT_SECS`, 1 to 3600, default 30). Without it a client that
    /// trickles bytes (slowloris) holds a connection and a place of `max_in_flight` forever.
    pub read_timeout: std::time::Duration,
    /// How long a worker's claim on a job lasts without news from it
    /// (`LECTERN_JOB_LEASE_SECS`, 3 to 3600, default 30). A running worker renews its
    /// claims every third of it, so a killed worker's jobs wait at most this long.
    pub job_lease: std::time::Duration,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub db_max_connections: u32,
    /// `None` when the Zoom client id or secret is missing: the Zoom card then says
    /// "Zoom integration is not configured." and connecting is refused.
    pub zoom: Option<ZoomSettings>,
    /// Live sessions: start window, grace, clean-up delays.
    pub live: LiveSettings,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` headers name the client
    /// (`LECTERN_TRUSTED_PROXIES`); empty: the TCP peer is the client.
    pub trusted_proxies: Vec<IpNet>,
    /// Bearer token that `/metrics` asks for (`LECTERN_METRICS_TOKEN`); unset: `/metrics`
    /// answers only requests from this machine that came through no proxy.
    pub metrics_token: Option<String>,
    /// Where uploaded files live, and how large they may be.
    pub storage: StorageSettings,
    /// Where Stripe and PayPal are reached (their own APIs, or a simulator).
    pub payments: PaymentSettings,
    /// Where the anonymous usage statistics go once an operator opts in
    /// (`LECTERN_USAGE_STATS_URL`, http or https); unset: nothing is ever sent.
    pub usage_stats_url: Option<Url>,
}

/// The payment providers' addresses. Each school brings its own credentials (Settings →
/// Payments); these only say where the providers are, so tests and the demo can point
/// them at `payments-sim`.
#[derive(Clone, Debug)]
pub struct PaymentSettings {
    /// `STRIPE_API_BASE`, default `https://api.stripe.com/v1`.
    pub stripe_api_base: String,
    /// `PAYPAL_API_BASE`: both PayPal environments at once (a simulator); unset: PayPal's
    /// live and sandbox hosts.
    pub paypal_live_base: String,
    pub paypal_sandbox_base: String,
    /// Where PayPal's signing certificates may come from: PayPal's own hosts, plus
    /// `PAYPAL_CERT_URL_PREFIX` (a simulator's).
    pub paypal_cert_prefixes: Vec<String>,
}

fn payment_settings(src: &dyn Source) -> Result<PaymentSettings, ConfigError> {
    let url_var = |var: &'static str| -> Result<Option<String>, ConfigError> {
        match src.get(var) {
            None => Ok(None),
            Some(v) => match Url::parse(&v) {
                Ok(u) if matches!(u.scheme(), "http" | "https") => {
                    Ok(Some(v.trim_end_matches('/').to_string()))
                }
                _ => Err(ConfigError::Invalid {
                    var,
                    reason: format!("{v:?} is not an absolute http(s) URL"),
                }),
            },
        }
    };
    let stripe_api_base =
        url_var("STRIPE_API_BASE")?.unwrap_or_else(|| payments::stripe::LIVE_API_BASE.to_string());
    let paypal = url_var("PAYPAL_API_BASE")?;
    let mut paypal_cert_prefixes: Vec<String> = payments::paypal::CERT_URL_PREFIXES
        .iter()
        .map(|s| s.to_string())
        .collect();
    if let Some(extra) = url_var("PAYPAL_CERT_URL_PREFIX")? {
        paypal_cert_prefixes.push(format!("{extra}/"));
    }
    Ok(PaymentSettings {
        stripe_api_base,
        paypal_live_base: paypal
            .clone()
            .unwrap_or_else(|| payments::paypal::LIVE_API_BASE.to_string()),
        paypal_sandbox_base: paypal
            .unwrap_or_else(|| payments::paypal::SANDBOX_API_BASE.to_string()),
        paypal_cert_prefixes,
    })
}

/// Where uploaded files are kept (`LECTERN_STORAGE_URL`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StorageLocation {
    /// A directory on this machine (`file://<path>`): one instance, or several sharing a
    /// network file system.
    Local(std::path::PathBuf),
    /// An S3-compatible bucket (`s3://<bucket>?endpoint=<url>&region=<region>`): AWS S3,
    /// MinIO, Garage, R2. Several instances share it; downloads are presigned redirects.
    S3 {
        bucket: String,
        /// `None`: AWS itself (`https://s3.<region>.amazonaws.com`).
        endpoint: Option<String>,
        region: String,
    },
}

impl StorageSettings {
    /// The origin downloads redirect to (S3's presigned URLs), for the player's policy.
    pub fn download_origin(&self) -> Option<String> {
        match &self.location {
            StorageLocation::Local(_) => None,
            StorageLocation::S3 {
                endpoint: Some(e), ..
            } => Url::parse(e).ok().map(|u| u.origin().ascii_serialization()),
            StorageLocation::S3 { bucket, region, .. } => {
                Some(format!("https://{bucket}.s3.{region}.amazonaws.com"))
            }
        }
    }
}

/// Upload limits in bytes (`LECTERN_UPLOAD_MAX_VIDEO`, `_FILE`, `_IMAGE`, `_LOGO`,
/// `_DISCUSSION`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadLimits {
    /// A lesson's video (default 2 GiB).
    pub video: u64,
    /// Documents and attachments (default 100 MiB).
    pub file: u64,
    /// A course's cover image, decoded in memory (default 20 MiB).
    pub image: u64,
    /// The school's logo and favicon (default 2 MiB).
    pub logo: u64,
    /// A file or image attached to a discussion post (default 20 MiB): members, not
    /// staff, upload these, so the bound is tighter than a lesson's.
    pub discussion: u64,
}

impl Default for UploadLimits {
    fn default() -> Self {
        const MIB: u64 = 1 << 20;
        UploadLimits {
            video: 2048 * MIB,
            file: 100 * MIB,
            image: 20 * MIB,
            logo: 2 * MIB,
            discussion: 20 * MIB,
        }
    }
}

#[derive(Clone)]
pub struct StorageSettings {
    pub location: StorageLocation,
    /// S3 access key id, secret and session token (the usual `AWS_ACCESS_KEY_ID`,
    /// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`); `None`: the S3 client's own chain.
    pub s3_credentials: Option<(String, String, Option<String>)>,
    pub limits: UploadLimits,
    /// How long a presigned download URL is valid (`LECTERN_STORAGE_PRESIGN_SECS`, 300).
    pub presign_ttl_secs: u64,
}

impl std::fmt::Debug for StorageSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorageSettings")
            .field("location", &self.location)
            .field("limits", &self.limits)
            .field("presign_ttl_secs", &self.presign_ttl_secs)
            .finish_non_exhaustive()
    }
}

/// `LECTERN_STORAGE_URL`, or by default a `files` folder beside the SQLite database (in
/// `./lectern-data` for PostgreSQL).
fn storage_settings(src: &dyn Source, database_url: &str) -> Result<StorageSettings, ConfigError> {
    const VAR: &str = "LECTERN_STORAGE_URL";
    let location = match src.get(VAR) {
        None => {
            let dir = database_url
                .strip_prefix("sqlite://")
                .map(|rest| rest.split('?').next().unwrap_or(rest))
                .and_then(|path| std::path::Path::new(path).parent().map(|p| p.to_path_buf()))
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or_else(|| std::path::PathBuf::from("./lectern-data"));
            StorageLocation::Local(dir.join("files"))
        }
        Some(raw) => {
            parse_storage_url(&raw).map_err(|reason| ConfigError::Invalid { var: VAR, reason })?
        }
    };
    let size = |var: &'static str, default: u64| -> Result<u64, ConfigError> {
        match src.get(var) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<bytesize::ByteSize>()
                .ok()
                .map(|b| b.as_u64())
                .filter(|b| *b > 0)
                .ok_or_else(|| ConfigError::Invalid {
                    var,
                    reason: format!("{v:?} is not a size such as 500MiB or 2GiB"),
                }),
        }
    };
    let d = UploadLimits::default();
    let limits = UploadLimits {
        video: size("LECTERN_UPLOAD_MAX_VIDEO", d.video)?,
        file: size("LECTERN_UPLOAD_MAX_FILE", d.file)?,
        image: size("LECTERN_UPLOAD_MAX_IMAGE", d.image)?,
        logo: size("LECTERN_UPLOAD_MAX_LOGO", d.logo)?,
        discussion: size("LECTERN_UPLOAD_MAX_DISCUSSION", d.discussion)?,
    };
    let presign_ttl_secs = match src.get("LECTERN_STORAGE_PRESIGN_SECS") {
        None => 300,
        Some(v) => v
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|n| (10..=7 * 24 * 3600).contains(n))
            .ok_or_else(|| ConfigError::Invalid {
                var: "LECTERN_STORAGE_PRESIGN_SECS",
                reason: format!("{v:?}: use seconds between 10 and 604800"),
            })?,
    };
    let s3_credentials = match (
        src.get("AWS_ACCESS_KEY_ID"),
        src.get("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Some(id), Some(secret)) => Some((id, secret, src.get("AWS_SESSION_TOKEN"))),
        _ => None,
    };
    Ok(StorageSettings {
        location,
        s3_credentials,
        limits,
        presign_ttl_secs,
    })
}

fn parse_storage_url(raw: &str) -> Result<StorageLocation, String> {
    if let Some(path) = raw.strip_prefix("file://") {
        if path.is_empty() {
            return Err("file:// needs a folder, e.g. file:///var/lib/lectern/files".into());
        }
        return Ok(StorageLocation::Local(path.into()));
    }
    let url = Url::parse(raw).map_err(|_| {
        format!("{raw:?} is not file://<folder> or s3://<bucket>?endpoint=…&region=…")
    })?;
    if url.scheme() != "s3" {
        return Err(format!(
            "{raw:?}: use file://<folder> or s3://<bucket>?endpoint=…&region=…"
        ));
    }
    let bucket = url
        .host_str()
        .filter(|b| !b.is_empty())
        .ok_or_else(|| format!("{raw:?} names no bucket (s3://<bucket>?…)"))?
        .to_string();
    let mut endpoint = None;
    let mut region = None;
    for (k, v) in url.query_pairs() {
        match &*k {
            "endpoint" => {
                let e = Url::parse(&v)
                    .ok()
                    .filter(|e| matches!(e.scheme(), "http" | "https") && e.host().is_some())
                    .ok_or_else(|| format!("endpoint {v:?} is not an http(s) URL"))?;
                endpoint = Some(e.as_str().trim_end_matches('/').to_string());
            }
            "region" => region = Some(v.into_owned()),
            other => return Err(format!("unknown parameter {other:?} (endpoint, region)")),
        }
    }
    Ok(StorageLocation::S3 {
        bucket,
        endpoint,
        region: region.unwrap_or_else(|| "us-east-1".into()),
    })
}

/// Timing of live sessions (all configurable; each field names its default).
#[derive(Clone, Debug)]
pub struct LiveSettings {
    /// The host sees "Start Meeting" this long before the start (default 15 min).
    pub start_lead_ms: i64,
    /// A session with no `meeting.ended` ends at scheduled end + this (default 30 min).
    pub end_grace_ms: i64,
    /// The Zoom meeting is deleted this long after the end when no recording arrived
    /// (default 24 h); right after the recording is collected otherwise.
    pub delete_delay_ms: i64,
    /// A session still `starting` after this long is reconciled (default 60 s).
    pub reconcile_after_ms: i64,
    /// Zoom account that owns our Marketplace app. Meetings of other accounts need an
    /// on-behalf-of token for embedded joins; unset means "always another account".
    pub app_account_id: Option<String>,
}

impl Default for LiveSettings {
    fn default() -> Self {
        LiveSettings {
            start_lead_ms: 15 * 60_000,
            end_grace_ms: 30 * 60_000,
            delete_delay_ms: 24 * 3_600_000,
            reconcile_after_ms: 60_000,
            app_account_id: None,
        }
    }
}

fn live_settings(src: &dyn Source) -> Result<LiveSettings, ConfigError> {
    let num = |var: &'static str, default: i64, unit_ms: i64| -> Result<i64, ConfigError> {
        match src.get(var) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .map(|n| n * unit_ms)
                .ok_or_else(|| ConfigError::Invalid {
                    var,
                    reason: format!("{v:?} is not a non-negative number"),
                }),
        }
    };
    let d = LiveSettings::default();
    Ok(LiveSettings {
        start_lead_ms: num("LECTERN_LIVE_START_LEAD_MIN", d.start_lead_ms, 60_000)?,
        end_grace_ms: num("LECTERN_LIVE_END_GRACE_MIN", d.end_grace_ms, 60_000)?,
        delete_delay_ms: num("LECTERN_LIVE_DELETE_DELAY_MIN", d.delete_delay_ms, 60_000)?,
        reconcile_after_ms: num(
            "LECTERN_LIVE_RECONCILE_AFTER_SECS",
            d.reconcile_after_ms,
            1000,
        )?,
        app_account_id: src.get("ZOOM_APP_ACCOUNT_ID"),
    })
}

#[derive(Clone)]
pub struct ZoomSettings {
    pub client_id: String,
    pub client_secret: String,
    /// Secret token of the app's event subscription (webhook signatures).
    pub webhook_secret: Option<String>,
    pub oauth_base: String,
    pub api_base: String,
    /// Base of the Web Meeting SDK's CDN layout (`{base}/{version}/lib/vendor/*.min.js`,
    /// `{base}/zoom-meeting-embedded-{version}.min.js`); Zoom's CDN or a local mirror.
    pub sdk_url: String,
    /// The SDK version the player loads (one value: the scripts' paths follow from it).
    pub sdk_version: String,
    /// Zoom's web domain for the SDK (`init({webEndpoint})`), e.g. `www.zoomgov.com`;
    /// unset means the SDK's own default (`zoom.us`).
    pub sdk_web_endpoint: Option<String>,
    /// How long a connection's circuit stays open after repeated Zoom failures
    /// (`LECTERN_ZOOM_CIRCUIT_COOLDOWN_MS`, default 30 s; `docs/zoom.md`, "Outages").
    pub circuit_cooldown: std::time::Duration,
}

impl ZoomSettings {
    /// The scripts the component view needs, in load order: Zoom's bundle expects React,
    /// ReactDOM, Redux, Redux-Thunk and lodash as globals (as Zoom's CDN sample loads them).
    pub fn sdk_scripts(&self) -> Vec<String> {
        let (base, v) = (&self.sdk_url, &self.sdk_version);
        let mut s: Vec<String> = ["react", "react-dom", "redux", "redux-thunk", "lodash"]
            .iter()
            .map(|lib| format!("{base}/{v}/lib/vendor/{lib}.min.js"))
            .collect();
        s.push(format!("{base}/zoom-meeting-embedded-{v}.min.js"));
        s
    }

    /// Where the SDK finds its media files (`init({assetPath})`): beside its scripts, so
    /// that a mirror serves them too (the SDK's default is always Zoom's CDN).
    pub fn sdk_asset_path(&self) -> String {
        format!("{}/{}/lib/av", self.sdk_url, self.sdk_version)
    }
}

impl std::fmt::Debug for ZoomSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZoomSettings")
            .field("client_id", &self.client_id)
            .field("oauth_base", &self.oauth_base)
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

pub(crate) const DEFAULT_ZOOM_OAUTH_BASE: &str = "https://zoom.us";
pub(crate) const DEFAULT_ZOOM_API_BASE: &str = "https://api.zoom.us/v2";
pub(crate) const DEFAULT_ZOOM_SDK_URL: &str = "https://source.zoom.us";
/// The current Web Meeting SDK (obfToken needs 5.x or later; Zoom recommends 5.1.4+ for
/// WebRTC video). See docs/zoom-web-sdk.md.
pub(crate) const DEFAULT_ZOOM_SDK_VERSION: &str = "6.2.0";

/// Where configuration values come from; the environment in production, a map in tests.
/// A whole number in `range` from `var`, or `default` where it is unset; `unit` (" of
/// seconds") completes the error's advice.
fn number<T>(
    src: &dyn Source,
    var: &'static str,
    range: std::ops::RangeInclusive<T>,
    default: T,
    unit: &str,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let Some(v) = src.get(var) else {
        return Ok(default);
    };
    v.trim()
        .parse::<T>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| ConfigError::Invalid {
            var,
            reason: format!(
                "{v:?}: use a number{unit} from {} to {}",
                range.start(),
                range.end()
            ),
        })
}

pub trait Source {
    fn get(&self, key: &str) -> Option<String>;
}

pub struct Env;
impl Source for Env {
    fn get(&self, key: &str) -> Option<String> {
        std::env::var(key).ok().filter(|v| !v.trim().is_empty())
    }
}

impl Source for std::collections::HashMap<&'static str, String> {
    fn get(&self, key: &str) -> Option<String> {
        self.get(key).cloned()
    }
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Self::from_source(&Env)
    }

    pub fn from_source(src: &dyn Source) -> Result<Config, ConfigError> {
        let bind_raw = src
            .get("LECTERN_BIND")
            .unwrap_or_else(|| DEFAULT_BIND.into());
        let bind: SocketAddr = bind_raw.parse().map_err(|_| ConfigError::Invalid {
            var: "LECTERN_BIND",
            reason: format!("{bind_raw:?} is not an address like 127.0.0.1:8080"),
        })?;
        let base_raw = src
            .get("LECTERN_BASE_URL")
            .unwrap_or_else(|| format!("http://{bind}"));
        let base_url = Url::parse(&base_raw)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| ConfigError::Invalid {
                var: "LECTERN_BASE_URL",
                reason: format!("{base_raw:?} is not an absolute http(s) URL"),
            })?;
        let database_url = src
            .get("DATABASE_URL")
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        database_url
            .parse::<crate::db::Backend>()
            .map_err(|e| ConfigError::Invalid {
                var: "DATABASE_URL",
                reason: e.to_string(),
            })?;
        let secret_key = match src.get("LECTERN_SECRET_KEY") {
            None => {
                return Err(ConfigError::Missing {
                    var: "LECTERN_SECRET_KEY",
                    hint: "set it to 32 random bytes, base64-encoded (e.g. `openssl rand -base64 32`)",
                });
            }
            Some(raw) => SecretKey::parse(&raw).map_err(|reason| ConfigError::Invalid {
                var: "LECTERN_SECRET_KEY",
                reason,
            })?,
        };
        let smtp_url = src.get("SMTP_URL");
        if let Some(s) = &smtp_url {
            let ok = Url::parse(s)
                .map(|u| matches!(u.scheme(), "smtp" | "smtps"))
                .unwrap_or(false);
            if !ok {
                return Err(ConfigError::Invalid {
                    var: "SMTP_URL",
                    reason: "expected smtp://host:port or smtps://user:pass@host:port".into(),
                });
            }
        }
        let mail_from = src
            .get("LECTERN_MAIL_FROM")
            .unwrap_or_else(|| "Lectern <no-reply@lectern.localhost>".into());
        mail_from
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| ConfigError::Invalid {
                var: "LECTERN_MAIL_FROM",
                reason: e.to_string(),
            })?;
        let log_filter = src.get("LECTERN_LOG").unwrap_or_else(|| "info".into());
        tracing_subscriber::EnvFilter::try_new(&log_filter).map_err(|e| ConfigError::Invalid {
            var: "LECTERN_LOG",
            reason: e.to_string(),
        })?;
        let log_format = match src.get("LECTERN_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    var: "LECTERN_LOG_FORMAT",
                    reason: format!("{other:?}: use text or json"),
                });
            }
        };
        use std::time::Duration;
        let db_max_connections = number(
            src,
            "LECTERN_DB_MAX_CONNECTIONS",
            1..=u32::MAX,
            default_pool_size(),
            "",
        )?;
        let job_lease = Duration::from_secs(number(
            src,
            "LECTERN_JOB_LEASE_SECS",
            3..=3600,
            30,
            " of seconds",
        )?);
        let shutdown_drain = Duration::from_secs(number(
            src,
            "LECTERN_SHUTDOWN_DRAIN_SECS",
            0..=300,
            5,
            " of seconds",
        )?);
        let api_rate_per_minute =
            number(src, "LECTERN_API_RATE_PER_MINUTE", 1..=1_000_000, 60, "")?;
        // Four per database connection: on the 2-core machine of `lectern-bench
        // overload` (4 connections), 16 places served the most course pages at the
        // lowest latency under 4× overload, on both databases; 32 and 64 served fewer,
        // slower (what does not run queues for a connection, and that queue costs more
        // than the shedder's). A burst waits in the shedder's queue (`web::shed`).
        let max_in_flight = number(
            src,
            "LECTERN_MAX_IN_FLIGHT",
            1..=100_000,
            4 * db_max_connections as usize,
            "",
        )?;
        // Long enough for a burst of the heaviest requests to drain through the places
        // (sixty sign-ins at once, each an Argon2 hash, on 2 cores of a loaded test
        // machine took longer than the 100 ms this once was, and were shed): the queue's
        // length, three waiters a place, is what sheds under a flood, not this wait.
        let queue_wait = Duration::from_millis(number(
            src,
            "LECTERN_QUEUE_WAIT_MS",
            0..=60_000,
            5_000,
            " of milliseconds",
        )?);
        let read_timeout = Duration::from_secs(number(
            src,
            "LECTERN_READ_TIMEOUT_SECS",
            1..=3600,
            30,
            " of seconds",
        )?);
        let campaign_rate = number(
            src,
            "LECTERN_CAMPAIGN_RATE",
            1..=10_000,
            10,
            " of messages per second",
        )?;
        let zoom = zoom_settings(src)?;
        let live = live_settings(src)?;
        let trusted_proxies = trusted_proxies(src)?;
        let metrics_token = metrics_token(src)?;
        let storage = storage_settings(src, &database_url)?;
        let payments = payment_settings(src)?;
        let usage_stats_url = match src.get("LECTERN_USAGE_STATS_URL") {
            None => None,
            Some(v) => match Url::parse(v.trim()) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(u),
                _ => {
                    return Err(ConfigError::Invalid {
                        var: "LECTERN_USAGE_STATS_URL",
                        reason: "expected an http:// or https:// URL".into(),
                    });
                }
            },
        };
        Ok(Config {
            usage_stats_url,
            payments,
            storage,
            zoom,
            live,
            trusted_proxies,
            metrics_token,
            bind,
            base_url,
            database_url,
            secret_key,
            smtp_url,
            mail_from,
            campaign_rate,
            max_in_flight,
            queue_wait,
            api_rate_per_minute,
            shutdown_drain,
            read_timeout,
            job_lease,
            log_filter,
            log_format,
            db_max_connections,
        })
    }

    /// The OAuth redirect URI Zoom must be configured with.
    pub fn zoom_redirect_uri(&self) -> String {
        format!(
            "{}/integrations/zoom/callback",
            self.base_url.as_str().trim_end_matches('/')
        )
    }

    /// Cookies get `Secure` and the `__Host-` prefix only when we are served over https.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.scheme() == "https"
    }
}

/// Comma-separated addresses or networks (`10.0.0.7, 10.1.0.0/16, ::1`).
fn trusted_proxies(src: &dyn Source) -> Result<Vec<IpNet>, ConfigError> {
    const VAR: &str = "LECTERN_TRUSTED_PROXIES";
    let Some(raw) = src.get(VAR) else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<IpNet>()
                .map(|net| net.trunc())
                .or_else(|_| item.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| ConfigError::Invalid {
                    var: VAR,
                    reason: format!(
                        "{item:?} is not an IP address or network (e.g. 10.0.0.7 or 10.0.0.0/8)"
                    ),
                })
        })
        .collect()
}

fn metrics_token(src: &dyn Source) -> Result<Option<String>, ConfigError> {
    let Some(token) = src.get("LECTERN_METRICS_TOKEN") else {
        return Ok(None);
    };
    // It travels in an `Authorization` header, and a short one could be guessed.
    if token.len() < 16 || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ConfigError::Invalid {
            var: "LECTERN_METRICS_TOKEN",
            reason:
                "use at least 16 printable characters without spaces (e.g. `openssl rand -hex 32`)"
                    .into(),
        });
    }
    Ok(Some(token))
}

fn zoom_settings(src: &dyn Source) -> Result<Option<ZoomSettings>, ConfigError> {
    let url_var = |var: &'static str, default: &str| -> Result<String, ConfigError> {
        let v = src.get(var).unwrap_or_else(|| default.to_string());
        match Url::parse(&v) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {
                Ok(v.trim_end_matches('/').to_string())
            }
            _ => Err(ConfigError::Invalid {
                var,
                reason: format!("{v:?} is not an absolute http(s) URL"),
            }),
        }
    };
    let oauth_base = url_var("ZOOM_OAUTH_BASE", DEFAULT_ZOOM_OAUTH_BASE)?;
    let api_base = url_var("ZOOM_API_BASE", DEFAULT_ZOOM_API_BASE)?;
    let sdk_url = url_var("ZOOM_SDK_URL", DEFAULT_ZOOM_SDK_URL)?;
    if sdk_url.ends_with(".js") {
        return Err(ConfigError::Invalid {
            var: "ZOOM_SDK_URL",
            reason: format!(
                "{sdk_url:?} names a script; give the CDN base (e.g. https://source.zoom.us) and the version in ZOOM_SDK_VERSION"
            ),
        });
    }
    let sdk_version = src
        .get("ZOOM_SDK_VERSION")
        .unwrap_or_else(|| DEFAULT_ZOOM_SDK_VERSION.to_string());
    if !valid_sdk_version(&sdk_version) {
        return Err(ConfigError::Invalid {
            var: "ZOOM_SDK_VERSION",
            reason: format!("{sdk_version:?} is not a version like 6.2.0"),
        });
    }
    let sdk_web_endpoint = match src.get("ZOOM_SDK_WEB_ENDPOINT") {
        None => None,
        Some(h) if valid_web_endpoint(&h) => Some(h),
        Some(h) => {
            return Err(ConfigError::Invalid {
                var: "ZOOM_SDK_WEB_ENDPOINT",
                reason: format!("{h:?} is not a host name (the SDK always uses https on port 443)"),
            });
        }
    };
    let circuit_cooldown = match src.get("LECTERN_ZOOM_CIRCUIT_COOLDOWN_MS") {
        None => zoom::CircuitConfig::default().cooldown,
        Some(v) => v
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=3_600_000).contains(n))
            .map(std::time::Duration::from_millis)
            .ok_or_else(|| ConfigError::Invalid {
                var: "LECTERN_ZOOM_CIRCUIT_COOLDOWN_MS",
                reason: format!("{v:?}: use a number of milliseconds from 1 to 3600000"),
            })?,
    };
    let (Some(client_id), Some(client_secret)) =
        (src.get("ZOOM_CLIENT_ID"), src.get("ZOOM_CLIENT_SECRET"))
    else {
        return Ok(None);
    };
    Ok(Some(ZoomSettings {
        client_id,
        client_secret,
        webhook_secret: src.get("ZOOM_WEBHOOK_SECRET_TOKEN"),
        oauth_base,
        api_base,
        sdk_url,
        sdk_version,
        sdk_web_endpoint,
        circuit_cooldown,
    }))
}

fn valid_sdk_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `webEndpoint` is a bare host name: the SDK always speaks https on port 443 to it and
/// drops any scheme or port it is given.
fn valid_web_endpoint(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 253
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
}

/// Generates a fresh key in the format `LECTERN_SECRET_KEY` expects.
pub fn generate_secret_key() -> String {
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Two connections per core, between 4 and 32. Measured with `lectern-bench foundation`
/// on 2 cores with PostgreSQL on the same machine, the course page being one query:
/// 4 connections beat 8 in three interleaved pairs (p99 18.2/20.7/20.9 ms against
/// 25.6/27.1/22.6 ms), and 2 or 3 were slower again; beyond what the cores can run, more
/// connections only queue inside the database. A database on another machine may want
/// more (`LECTERN_DB_MAX_CONNECTIONS`).
pub fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
    (cores * 2).clamp(4, 32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(pairs: &[(&'static str, &str)]) -> HashMap<&'static str, String> {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn missing_secret_names_the_variable() {
        let err = Config::from_source(&with(&[])).unwrap_err().to_string();
        assert!(err.starts_with("LECTERN_SECRET_KEY is missing"), "{err}");
    }

    #[test]
    fn malformed_values_name_their_variable() {
        let key = generate_secret_key();
        for (var, bad) in [
            ("LECTERN_SECRET_KEY", "short"),
            ("LECTERN_BIND", "nowhere"),
            ("LECTERN_BASE_URL", "ftp://x"),
            ("DATABASE_URL", "mysql://x"),
            ("SMTP_URL", "http://x"),
            ("LECTERN_LOG_FORMAT", "xml"),
        ] {
            let mut m = with(&[("LECTERN_SECRET_KEY", &key)]);
            m.insert(var, bad.to_string());
            let err = Config::from_source(&m).unwrap_err().to_string();
            assert!(err.starts_with(var), "{var}: {err}");
        }
    }

    #[test]
    fn defaults_apply() {
        let key = generate_secret_key();
        let c = Config::from_source(&with(&[("LECTERN_SECRET_KEY", &key)])).unwrap();
        assert_eq!(c.bind.to_string(), DEFAULT_BIND);
        assert_eq!(c.base_url.as_str(), "http://127.0.0.1:8080/");
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert!(!c.secure_cookies());
        assert!(
            c.zoom.is_none(),
            "Zoom stays unconfigured without credentials"
        );
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
        assert_eq!(c.db_max_connections, (cores * 2).clamp(4, 32));
        let mut m = with(&[("LECTERN_SECRET_KEY", &key)]);
        assert_eq!(
            c.max_in_flight,
            4 * c.db_max_connections as usize,
            "places for requests follow the pool"
        );
        m.insert("LECTERN_DB_MAX_CONNECTIONS", "3".into());
        let small = Config::from_source(&m).unwrap();
        assert_eq!(small.db_max_connections, 3);
        assert_eq!(small.max_in_flight, 12);
        m.insert("LECTERN_MAX_IN_FLIGHT", "5".into());
        assert_eq!(Config::from_source(&m).unwrap().max_in_flight, 5);
        for bad in ["0", "100001", "lots"] {
            m.insert("LECTERN_MAX_IN_FLIGHT", bad.into());
            let err = Config::from_source(&m).unwrap_err().to_string();
            assert!(err.starts_with("LECTERN_MAX_IN_FLIGHT"), "{bad}: {err}");
        }
        m.remove("LECTERN_MAX_IN_FLIGHT");
        assert_eq!(c.queue_wait, std::time::Duration::from_millis(5_000));
        m.insert("LECTERN_QUEUE_WAIT_MS", "0".into());
        assert_eq!(
            Config::from_source(&m).unwrap().queue_wait,
            std::time::Duration::ZERO
        );
        for bad in ["60001", "-1", "soon"] {
            m.insert("LECTERN_QUEUE_WAIT_MS", bad.into());
            let err = Config::from_source(&m).unwrap_err().to_string();
            assert!(err.starts_with("LECTERN_QUEUE_WAIT_MS"), "{bad}: {err}");
        }
        m.remove("LECTERN_QUEUE_WAIT_MS");
        m.insert("LECTERN_DB_MAX_CONNECTIONS", "0".into());
        let err = Config::from_source(&m).unwrap_err().to_string();
        assert!(err.starts_with("LECTERN_DB_MAX_CONNECTIONS"), "{err}");
    }

    #[test]
    fn trusted_proxies_and_metrics_token_are_parsed() {
        let key = generate_secret_key();
        let base = [("LECTERN_SECRET_KEY", key.as_str())];
        let c = Config::from_source(&with(&base)).unwrap();
        assert!(
            c.trusted_proxies.is_empty(),
            "no proxy is trusted by default"
        );
        assert_eq!(c.metrics_token, None);

        let mut m = with(&base);
        m.insert(
            "LECTERN_TRUSTED_PROXIES",
            " 10.0.0.7, 192.168.1.9/16 ,::1,, fd00::/8".into(),
        );
        m.insert("LECTERN_METRICS_TOKEN", "0123456789abcdef".into());
        let c = Config::from_source(&m).unwrap();
        let nets: Vec<String> = c.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(
            nets,
            ["10.0.0.7/32", "192.168.0.0/16", "::1/128", "fd00::/8"]
        );
        assert_eq!(c.metrics_token.as_deref(), Some("0123456789abcdef"));

        for (var, bad) in [
            ("LECTERN_TRUSTED_PROXIES", "10.0.0.7, proxy.internal"),
            ("LECTERN_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("LECTERN_METRICS_TOKEN", "short"),
            ("LECTERN_METRICS_TOKEN", "sixteen chars but spaces"),
        ] {
            let mut m = with(&base);
            m.insert(var, bad.to_string());
            let err = Config::from_source(&m).unwrap_err().to_string();
            assert!(err.starts_with(var), "{var}={bad}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
        let mut m = with(&base);
        m.insert("LECTERN_TRUSTED_PROXIES", "10.0.0.7, proxy.internal".into());
        let err = Config::from_source(&m).unwrap_err().to_string();
        assert!(
            err.contains("\"proxy.internal\""),
            "names the bad item: {err}"
        );
    }

    #[test]
    fn zoom_needs_id_and_secret() {
        let key = generate_secret_key();
        let c = Config::from_source(&with(&[
            ("LECTERN_SECRET_KEY", &key),
            ("ZOOM_CLIENT_ID", "abc"),
            ("ZOOM_CLIENT_SECRET", "shh"),
            ("ZOOM_API_BASE", "http://127.0.0.1:9/v2/"),
        ]))
        .unwrap();
        let z = c.zoom.clone().unwrap();
        assert_eq!(z.api_base, "http://127.0.0.1:9/v2");
        assert_eq!(z.oauth_base, DEFAULT_ZOOM_OAUTH_BASE);
        assert!(!format!("{z:?}").contains("shh"));
        assert_eq!(
            c.zoom_redirect_uri(),
            "http://127.0.0.1:8080/integrations/zoom/callback"
        );
        let err = Config::from_source(&with(&[
            ("LECTERN_SECRET_KEY", &key),
            ("ZOOM_OAUTH_BASE", "nope"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("ZOOM_OAUTH_BASE"), "{err}");
    }

    #[test]
    fn sdk_is_a_cdn_base_and_one_version() {
        let key = generate_secret_key();
        let base = [
            ("LECTERN_SECRET_KEY", key.as_str()),
            ("ZOOM_CLIENT_ID", "abc"),
            ("ZOOM_CLIENT_SECRET", "shh"),
        ];
        let z = Config::from_source(&with(&base)).unwrap().zoom.unwrap();
        assert_eq!(z.sdk_version, DEFAULT_ZOOM_SDK_VERSION);
        assert_eq!(z.sdk_web_endpoint, None);
        let scripts = z.sdk_scripts();
        assert_eq!(
            scripts.first().unwrap(),
            "https://source.zoom.us/6.2.0/lib/vendor/react.min.js"
        );
        assert_eq!(
            scripts.last().unwrap(),
            "https://source.zoom.us/zoom-meeting-embedded-6.2.0.min.js"
        );
        assert!(scripts.iter().any(|s| s.ends_with("/react-dom.min.js")));
        for (var, bad) in [
            (
                "ZOOM_SDK_URL",
                "https://source.zoom.us/3.13.2/zoom-meeting-embedded-3.13.2.min.js",
            ),
            ("ZOOM_SDK_VERSION", "latest"),
            ("ZOOM_SDK_VERSION", "6.2"),
            ("ZOOM_SDK_WEB_ENDPOINT", "https://zoom.us/"),
            ("ZOOM_SDK_WEB_ENDPOINT", "zoom-sim.test:8443"),
        ] {
            let mut m = with(&base);
            m.insert(var, bad.to_string());
            let err = Config::from_source(&m).unwrap_err().to_string();
            assert!(err.starts_with(var), "{var}={bad}: {err}");
        }
        let mut m = with(&base);
        m.insert("ZOOM_SDK_WEB_ENDPOINT", "www.zoomgov.com".into());
        m.insert("ZOOM_SDK_VERSION", "5.1.4".into());
        let z = Config::from_source(&m).unwrap().zoom.unwrap();
        assert_eq!(z.sdk_web_endpoint.as_deref(), Some("www.zoomgov.com"));
        assert!(
            z.sdk_scripts()
                .last()
                .unwrap()
                .ends_with("/zoom-meeting-embedded-5.1.4.min.js")
        );
    }
}
