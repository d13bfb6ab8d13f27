//! Certificates of completion: enabled per course, issued once when a learner completes
//! the course (by the `CourseCompleted` job), a PDF made by the server, and a public page
//! anyone can check by the serial printed on it.
//!
//! - What a certificate says is copied when it is issued (the learner's name as it was,
//!   course, school, completion date, live minutes) so later renames don't change it.
//! - The serial is 80 random bits in Crockford base32 (16 characters): unguessable, and
//!   in upper case the verification URL is QR-encoded in alphanumeric mode (a smaller
//!   code). The route accepts any case.
//! - A PDF that can't be made (a name no installed font covers, a failing logo) leaves
//!   the certificate `pending` with the reason for the admin; the completion stays.
//! - [`routes`]: the verification page, the PDF, the course's settings, revoke and
//!   re-issue.

pub mod cache;
pub mod routes;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use certificate_pdf::{Certificate as Sheet, Date, Fonts, Paper, RenderError};
use rand::RngCore;

use crate::db::{CourseId, Db, SchoolId, UserId, now_ms};
use crate::email::{self, Email};
use crate::files::{Files, Owner, Purpose};
use crate::i18n::Tr;

/// What issuing and rendering need.
#[derive(Clone, axum::extract::FromRef)]
pub struct CertificatesState {
    pub db: Db,
    pub files: Files,
    pub config: Arc<crate::config::Config>,
    /// The verification page's clients known to be over its limit (per instance).
    pub gate: Arc<routes::VerifyGate>,
    /// What the verification page read, per instance (see [`cache`]).
    pub cache: Arc<cache::CertificateCache>,
}

impl CertificatesState {
    pub fn new(db: Db, files: Files, config: Arc<crate::config::Config>) -> CertificatesState {
        // SQLite: one process, whose writes all evict. PostgreSQL: off until subscribed.
        let cache = cache::CertificateCache::new(db.backend == crate::db::Backend::Sqlite);
        CertificatesState {
            db,
            files,
            config,
            gate: Arc::default(),
            cache: Arc::new(cache),
        }
    }
}

/// The fonts, parsed once per process on first use (the bundled Noto fonts and whatever
/// the system has: `LECTERN_FONTS_DIR`, else `/usr/share/fonts`).
pub fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let dir = std::env::var_os("LECTERN_FONTS_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/usr/share/fonts"));
        Fonts::load(&[dir])
    })
}

/// A course's certificate settings (a row means enabled).
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct Settings {
    pub title: String,
    pub body: String,
    pub signer_name: String,
    pub signer_title: String,
    pub validity_months: Option<i64>,
}

pub async fn settings(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
) -> sqlx::Result<Option<Settings>> {
    sqlx::query_as::<_, Settings>(
        "SELECT title, body, signer_name, signer_title, validity_months FROM certificate_settings
         WHERE school_id = $1 AND course_id = $2",
    )
    .bind(school_id)
    .bind(course_id)
    .fetch_optional(&db.pool)
    .await
}

/// Enables (with `Some`) or disables the course's certificate. Certificates already
/// issued stay.
pub(crate) async fn save_settings(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    s: Option<&Settings>,
) -> sqlx::Result<()> {
    match s {
        None => {
            sqlx::query("DELETE FROM certificate_settings WHERE school_id = $1 AND course_id = $2")
                .bind(school_id)
                .bind(course_id)
                .execute(&db.pool)
                .await?;
        }
        Some(s) => {
            sqlx::query(
                "INSERT INTO certificate_settings (course_id, school_id, title, body, signer_name, signer_title, validity_months, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (course_id) DO UPDATE SET title = excluded.title, body = excluded.body,
                   signer_name = excluded.signer_name, signer_title = excluded.signer_title,
                   validity_months = excluded.validity_months, updated_at = excluded.updated_at",
            )
            .bind(course_id)
            .bind(school_id)
            .bind(&s.title)
            .bind(&s.body)
            .bind(&s.signer_name)
            .bind(&s.signer_title)
            .bind(s.validity_months)
            .bind(now_ms())
            .execute(&db.pool)
            .await?;
        }
    }
    Ok(())
}

/// One certificate row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Issued {
    pub id: i64,
    pub school_id: i64,
    pub course_id: i64,
    pub user_id: i64,
    pub serial: String,
    pub state: String,
    pub learner_name: String,
    pub course_title: String,
    pub school_name: String,
    pub title: String,
    pub body: String,
    pub signer_name: String,
    pub signer_title: String,
    pub completed_at: i64,
    pub live_minutes: i64,
    pub locale: String,
    pub timezone: String,
    pub expires_at: Option<i64>,
    pub issued_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
    pub replaced_by: Option<String>,
    pub last_error: Option<String>,
}

/// What the verification page says of a certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Valid,
    Pending,
    Revoked,
    Replaced,
    Expired,
}

impl Status {
    /// As the verification page and the JSON API name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Pending => "pending",
            Status::Revoked => "revoked",
            Status::Replaced => "replaced",
            Status::Expired => "expired",
        }
    }
}

impl Issued {
    pub fn status(&self, now: i64) -> Status {
        if self.replaced_by.is_some() {
            Status::Replaced
        } else if self.revoked_at.is_some() {
            Status::Revoked
        } else if self.state != "issued" {
            Status::Pending
        } else if self.expires_at.is_some_and(|e| e <= now) {
            Status::Expired
        } else {
            Status::Valid
        }
    }

    /// What a page's `data-state` says of it: `pending` or `issued` as stored while it
    /// stands, else what ended it (`revoked`, `replaced`, `expired`): the stored state
    /// stays `issued` after a revocation, a re-issue or its expiry.
    pub fn shown_state(&self, now: i64) -> &'static str {
        match self.status(now) {
            Status::Valid => "issued",
            other => other.as_str(),
        }
    }
}

const COLUMNS: &str = "id, school_id, course_id, user_id, serial, state, learner_name, course_title, school_name, \
    title, body, signer_name, signer_title, \
    completed_at, live_minutes, locale, timezone, expires_at, issued_at, revoked_at, revoked_reason, replaced_by, last_error";

/// A certificate of this school by serial, in any case.
pub async fn by_serial(db: &Db, school_id: SchoolId, serial: &str) -> sqlx::Result<Option<Issued>> {
    let serial = normalise_serial(serial);
    sqlx::query_as::<_, Issued>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM certificates WHERE school_id = $1 AND serial = $2"
    )))
    .bind(school_id)
    .bind(serial)
    .fetch_optional(&db.pool)
    .await
}

/// [`by_serial`] through this instance's verification cache (see [`cache`]): a repeated
/// view reads nothing. Only certificates that exist are stored.
pub async fn cached_by_serial(
    state: &CertificatesState,
    school_id: SchoolId,
    serial: &str,
) -> sqlx::Result<Option<Arc<Issued>>> {
    let serial = normalise_serial(serial);
    let ticket = match state.cache.get(school_id, &serial) {
        Ok(c) => return Ok(Some(c)),
        Err(t) => t,
    };
    let Some(c) = by_serial(&state.db, school_id, &serial).await? else {
        return Ok(None);
    };
    let c = Arc::new(c);
    state.cache.put(ticket, c.clone());
    Ok(Some(c))
}

/// [`current_of`] for the certificate `c`, each step through the verification cache.
pub async fn cached_current_of(
    state: &CertificatesState,
    school_id: SchoolId,
    c: &Issued,
) -> sqlx::Result<String> {
    let mut at = c.serial.clone();
    let mut next = c.replaced_by.clone();
    // Each re-issue replaces one certificate; a chain longer than this is not expected.
    for _ in 0..32 {
        let Some(n) = next else { break };
        next = cached_by_serial(state, school_id, &n)
            .await?
            .and_then(|c| c.replaced_by.clone());
        at = n;
    }
    Ok(at)
}

/// The learner's current certificates (My courses), by course.
pub async fn of_user(db: &Db, school_id: SchoolId, user_id: UserId) -> sqlx::Result<Vec<Issued>> {
    sqlx::query_as::<_, Issued>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM certificates WHERE school_id = $1 AND user_id = $2 AND replaced_by IS NULL
         ORDER BY created_at DESC"
    )))
    .bind(school_id)
    .bind(user_id)
    .fetch_all(&db.pool)
    .await
}

/// The school's certificates, newest first (the admin's list).
pub async fn of_school(db: &Db, school_id: SchoolId) -> sqlx::Result<Vec<Issued>> {
    sqlx::query_as::<_, Issued>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM certificates WHERE school_id = $1 ORDER BY created_at DESC, id DESC LIMIT 500"
    )))
    .bind(school_id)
    .fetch_all(&db.pool)
    .await
}

/// A keyset page of the school's certificates for the JSON API: a learner's (`user_id`),
/// a course's (`course_id`), or both; id above `after`, by id, at most `limit`. Replaced
/// ones included: their status says so.
pub async fn page(
    db: &Db,
    school_id: SchoolId,
    user_id: Option<UserId>,
    course_id: Option<CourseId>,
    after: i64,
    limit: i64,
) -> sqlx::Result<Vec<Issued>> {
    sqlx::query_as::<_, Issued>(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM certificates WHERE school_id = $1 AND ($2 = 0 OR user_id = $2)
         AND ($3 = 0 OR course_id = $3) AND id > $4 ORDER BY id LIMIT $5"
    )))
    .bind(school_id)
    .bind(user_id.map_or(0, |u| u.0))
    .bind(course_id.map_or(0, |c| c.0))
    .bind(after)
    .bind(limit)
    .fetch_all(&db.pool)
    .await
}

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// 80 random bits as 16 Crockford base32 characters.
fn new_serial() -> String {
    let mut bytes = [0u8; 10];
    rand::rng().fill_bytes(&mut bytes);
    let mut bits: u128 = 0;
    for b in bytes {
        bits = (bits << 8) | u128::from(b);
    }
    (0..16)
        .rev()
        .map(|i| CROCKFORD[((bits >> (i * 5)) & 31) as usize] as char)
        .collect()
}

/// A serial as typed: upper case, the letters Crockford reads as digits mapped back.
pub fn normalise_serial(s: &str) -> String {
    s.trim()
        .chars()
        .filter(|c| *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        })
        .collect()
}

/// The verification URL on the school's own host (upper case: a smaller QR code).
pub async fn verify_url(
    state: &CertificatesState,
    school_id: i64,
    serial: &str,
) -> sqlx::Result<String> {
    let origin =
        crate::schools::domains::origin(&state.db, &state.config.base_url, school_id).await?;
    Ok(format!("{origin}/C/{serial}"))
}

#[derive(sqlx::FromRow)]
struct Facts {
    display_name: String,
    language: Option<String>,
    timezone: String,
    course_title: String,
    school_name: String,
    completed_at: Option<i64>,
}

/// Issues the course's certificate to a learner who completed it, once: a second call (a
/// retried job) finds the row and only finishes what is pending.
pub async fn issue(
    state: &CertificatesState,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: UserId,
) -> anyhow::Result<()> {
    let Some(settings) = settings(&state.db, school_id, course_id).await? else {
        return Ok(());
    };
    let existing = sqlx::query_scalar::<_, String>(
        "SELECT serial FROM certificates WHERE school_id = $1 AND course_id = $2 AND user_id = $3 AND replaced_by IS NULL",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(user_id)
    .fetch_optional(&state.db.pool)
    .await?;
    let serial = match existing {
        Some(s) => s,
        None => match create(state, school_id, course_id, user_id, &settings, None).await? {
            Some(s) => s,
            None => return Ok(()),
        },
    };
    finish(state, school_id, &serial).await
}

/// Writes a pending certificate with what it will say; `None` when the learner hasn't
/// completed the course (or is gone).
async fn create(
    state: &CertificatesState,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: UserId,
    settings: &Settings,
    replacing: Option<&str>,
) -> anyhow::Result<Option<String>> {
    let Some(f) = sqlx::query_as::<_, Facts>(
        "SELECT u.display_name, u.language, u.timezone, c.title AS course_title, s.display_name AS school_name,
           e.completed_at
         FROM enrollments e JOIN users u ON u.id = e.user_id JOIN courses c ON c.id = e.course_id
           JOIN schools s ON s.id = e.school_id
         WHERE e.school_id = $1 AND e.course_id = $2 AND e.user_id = $3",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(user_id)
    .fetch_optional(&state.db.pool)
    .await?
    else {
        return Ok(None);
    };
    let Some(completed_at) = f.completed_at else {
        return Ok(None);
    };
    let live_minutes: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(ev.attended_ms), 0) AS BIGINT) FROM lesson_evidence ev JOIN lessons l ON l.id = ev.lesson_id
         WHERE ev.school_id = $1 AND l.course_id = $2 AND ev.user_id = $3",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(user_id)
    .fetch_one(&state.db.pool)
    .await
    .map(|ms: i64| ms / 60_000)?;
    let expires_at = settings.validity_months.map(|m| {
        jiff::Timestamp::from_millisecond(completed_at)
            .ok()
            .and_then(|t| {
                t.to_zoned(jiff::tz::TimeZone::UTC)
                    .checked_add(jiff::Span::new().months(m))
                    .ok()
            })
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(i64::MAX)
    });
    let serial = new_serial();
    let locale = Tr::new(f.language.as_deref().unwrap_or("en-US")).lang();
    let mut tx = state.db.pool.begin().await?;
    if let Some(old) = replacing {
        sqlx::query(
            "UPDATE certificates SET replaced_by = $1 WHERE school_id = $2 AND serial = $3 AND replaced_by IS NULL",
        )
        .bind(&serial)
        .bind(school_id)
        .bind(old)
        .execute(&mut *tx)
        .await?;
    }
    let n = sqlx::query(
        "INSERT INTO certificates (school_id, course_id, user_id, serial, state, learner_name, course_title, school_name,
           completed_at, live_minutes, locale, timezone, expires_at, created_at, title, body, signer_name, signer_title)
         VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         ON CONFLICT (course_id, user_id) WHERE replaced_by IS NULL DO NOTHING",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(user_id)
    .bind(&serial)
    .bind(&f.display_name)
    .bind(&f.course_title)
    .bind(&f.school_name)
    .bind(completed_at)
    .bind(live_minutes)
    .bind(&locale)
    .bind(&f.timezone)
    .bind(expires_at)
    .bind(now_ms())
    .bind(&settings.title)
    .bind(&settings.body)
    .bind(&settings.signer_name)
    .bind(&settings.signer_title)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    if let Some(old) = replacing {
        state.cache.forget(school_id, old);
    }
    if n == 0 {
        // Another worker issued it first.
        return Ok(sqlx::query_scalar(
            "SELECT serial FROM certificates WHERE course_id = $1 AND user_id = $2 AND replaced_by IS NULL",
        )
        .bind(course_id)
        .bind(user_id)
        .fetch_optional(&state.db.pool)
        .await?);
    }
    Ok(Some(serial))
}

/// Makes a pending certificate's PDF and, when that works, marks it issued and mails it
/// to the learner (in one transaction: mailed once). A name no font covers stays pending
/// with the reason for the admin and is not retried; other failures are retried.
async fn finish(
    state: &CertificatesState,
    school_id: SchoolId,
    serial: &str,
) -> anyhow::Result<()> {
    let Some(c) = by_serial(&state.db, school_id, serial).await? else {
        return Ok(());
    };
    if c.state == "issued" {
        return Ok(());
    }
    let pdf = match render(state, &c).await {
        Ok(pdf) => pdf,
        Err(e) => {
            let uncovered = matches!(
                e.downcast_ref::<RenderError>(),
                Some(RenderError::Uncovered { .. })
            );
            sqlx::query("UPDATE certificates SET last_error = $1 WHERE id = $2")
                .bind(e.to_string())
                .bind(c.id)
                .execute(&state.db.pool)
                .await?;
            state.cache.forget(school_id, &c.serial);
            if uncovered {
                tracing::warn!(certificate = c.id, error = %e, "certificate not issued: no font covers the text");
                return Ok(());
            }
            return Err(e);
        }
    };
    let to: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(c.user_id)
        .fetch_optional(&state.db.pool)
        .await?;
    let tr = Tr::new(&c.locale);
    let url = verify_url(state, c.school_id, &c.serial).await?;
    let mut tx = state.db.pool.begin().await?;
    let n = sqlx::query(
        "UPDATE certificates SET state = 'issued', issued_at = $1, last_error = NULL WHERE id = $2 AND state = 'pending'",
    )
    .bind(now_ms())
    .bind(c.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n == 1 {
        crate::outbound::emit(
            &mut tx,
            c.school_id,
            crate::outbound::Event::CertificateIssued,
            &format!("certificate.issued:{}", c.serial),
            serde_json::json!({
                "serial": c.serial,
                "course_id": c.course_id,
                "user_id": c.user_id,
                "verify_url": url,
            }),
        )
        .await?;
    }
    if n == 1
        && let Some(to) = to
    {
        let args = [
            ("course", c.course_title.clone()),
            ("name", c.learner_name.clone()),
            ("url", url.clone()),
        ];
        let text = tr.ta("certificate-email-text", &args);
        let html = format!(
            "<p>{}</p><p><a href=\"{}\">{}</a></p>",
            email::html_escape(&tr.ta("certificate-email-intro", &args)),
            email::html_escape(&url),
            email::html_escape(&url)
        );
        let id = email::queue(
            &mut tx,
            c.school_id,
            Email {
                to,
                subject: tr.ta("certificate-email-subject", &args),
                tr: tr.clone(),
                text,
                html,
                calendar: None,
            },
        )
        .await?;
        email::attach(
            &mut tx,
            id,
            &format!("certificate-{}.pdf", c.serial),
            "application/pdf",
            &pdf,
        )
        .await?;
    }
    tx.commit().await?;
    // Pending until now.
    state.cache.forget(school_id, &c.serial);
    Ok(())
}

/// The certificate's PDF.
pub async fn render(state: &CertificatesState, c: &Issued) -> anyhow::Result<Vec<u8>> {
    let tr = Tr::new(&c.locale);
    let school = crate::schools::by_id(&state.db, c.school_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("school {} is gone", c.school_id))?;
    let logo = match state
        .files
        .current(SchoolId(c.school_id), Owner::School, Purpose::Logo)
        .await?
    {
        Some(f) => state.files.read_small(&f, 4 << 20).await?,
        None => None,
    };
    let paper = paper(&state.db, SchoolId(c.school_id)).await?;
    let url = verify_url(state, c.school_id, &c.serial).await?;
    let date_line = long_date(&tr, &tz_of(c), c.completed_at);
    let hours_line = (c.live_minutes > 0).then(|| {
        tr.ta(
            "certificate-hours",
            &[
                ("hours", (c.live_minutes / 60).to_string()),
                ("minutes", (c.live_minutes % 60).to_string()),
            ],
        )
    });
    let body = if c.body.trim().is_empty() {
        tr.t("certificate-default-body")
    } else {
        c.body.clone()
    };
    let date_line = match c.expires_at {
        Some(until) => format!(
            "{date_line} · {}",
            tr.t1(
                "certificate-valid-until",
                "date",
                long_date(&tr, &tz_of(c), until)
            )
        ),
        None => date_line,
    };
    let serial_line = tr.t1("certificate-serial", "serial", c.serial.as_str());
    let preamble = tr.t("certificate-preamble");
    let verify_label = tr.t("certificate-verify-at");
    let accent = parse_colour(&school.primary_color);
    let owned = Owned {
        body,
        date_line,
        hours_line,
        serial_line,
        preamble,
        verify_label,
        url,
        logo,
        letter: paper == "letter",
        accent,
        cert: c.clone(),
        now: jiff::Zoned::now(),
    };
    Ok(tokio::task::spawn_blocking(move || owned.render()).await??)
}

/// Everything a certificate prints, owned, for the blocking thread that lays it out.
struct Owned {
    body: String,
    date_line: String,
    hours_line: Option<String>,
    serial_line: String,
    preamble: String,
    verify_label: String,
    url: String,
    logo: Option<Vec<u8>>,
    letter: bool,
    accent: (u8, u8, u8),
    cert: Issued,
    now: jiff::Zoned,
}

impl Owned {
    fn render(&self) -> Result<Vec<u8>, RenderError> {
        let nonempty = |s: &str| Some(s.to_string()).filter(|s| !s.is_empty());
        let signer_name = nonempty(&self.cert.signer_name);
        let signer_title = nonempty(&self.cert.signer_title);
        let sheet = Sheet {
            paper: if self.letter {
                Paper::Letter
            } else {
                Paper::A4
            },
            title: &self.cert.title,
            preamble: &self.preamble,
            learner_name: &self.cert.learner_name,
            body: &self.body,
            course_title: &self.cert.course_title,
            school_name: &self.cert.school_name,
            logo: self.logo.as_deref(),
            accent: self.accent,
            date_line: &self.date_line,
            hours_line: self.hours_line.as_deref(),
            signer_name: signer_name.as_deref(),
            signer_title: signer_title.as_deref(),
            serial: &self.serial_line,
            verify_label: &self.verify_label,
            verify_url: &self.url,
            issued: Date {
                year: self.now.year() as u16,
                month: self.now.month() as u8,
                day: self.now.day() as u8,
            },
        };
        certificate_pdf::render(fonts(), &sheet)
    }
}

fn tz_of(c: &Issued) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(&c.timezone).unwrap_or(jiff::tz::TimeZone::UTC)
}

/// "3 December 2026" in `tr`'s language.
pub(crate) fn long_date(tr: &Tr, tz: &jiff::tz::TimeZone, ms: i64) -> String {
    let Ok(t) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let d = t.to_zoned(tz.clone());
    tr.ta(
        "date-long",
        &[
            ("day", d.day().to_string()),
            ("month", tr.t(&format!("month-{}", d.month()))),
            ("year", d.year().to_string()),
        ],
    )
}

fn parse_colour(hex: &str) -> (u8, u8, u8) {
    let h = hex.trim_start_matches('#');
    let p = |i: usize| h.get(i..i + 2).and_then(|s| u8::from_str_radix(s, 16).ok());
    match (p(0), p(2), p(4)) {
        (Some(r), Some(g), Some(b)) if h.len() == 6 => (r, g, b),
        _ => (0x3b, 0x5b, 0xdb),
    }
}

/// The school's paper for certificates (`a4` or `letter`).
pub async fn paper(db: &Db, school_id: SchoolId) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT certificate_paper FROM schools WHERE id = $1")
        .bind(school_id)
        .fetch_one(&db.pool)
        .await
}

pub(crate) async fn set_paper(db: &Db, school_id: SchoolId, paper: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE schools SET certificate_paper = $1 WHERE id = $2")
        .bind(paper)
        .bind(school_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Revokes a certificate (the reason is shown on its page) and tells its learner.
pub async fn revoke(
    state: &CertificatesState,
    school_id: SchoolId,
    serial: &str,
    reason: &str,
) -> anyhow::Result<bool> {
    let Some(c) = by_serial(&state.db, school_id, serial).await? else {
        return Ok(false);
    };
    let mut tx = state.db.pool.begin().await?;
    let n = sqlx::query(
        "UPDATE certificates SET revoked_at = $1, revoked_reason = $2
         WHERE id = $3 AND revoked_at IS NULL AND replaced_by IS NULL",
    )
    .bind(now_ms())
    .bind(reason)
    .bind(c.id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let to: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(c.user_id)
        .fetch_optional(&mut *tx)
        .await?;
    if n == 1
        && let Some(to) = to
    {
        let tr = Tr::new(&c.locale);
        let url = verify_url(state, c.school_id, &c.serial).await?;
        let args = [
            ("course", c.course_title.clone()),
            ("reason", reason.to_string()),
            ("url", url),
        ];
        let text = tr.ta("certificate-revoked-email", &args);
        email::queue(
            &mut tx,
            c.school_id,
            Email {
                to,
                subject: tr.ta("certificate-revoked-subject", &args),
                tr: tr.clone(),
                html: format!("<p>{}</p>", email::html_escape(&text)),
                text,
                calendar: None,
            },
        )
        .await?;
    }
    tx.commit().await?;
    state.cache.forget(school_id, &c.serial);
    Ok(n == 1)
}

/// The serial a replaced certificate's chain of re-issues ends at.
pub async fn current_of(db: &Db, school_id: SchoolId, serial: &str) -> sqlx::Result<String> {
    let mut at = normalise_serial(serial);
    // Each re-issue replaces one certificate; a chain longer than this is not expected.
    for _ in 0..32 {
        let next: Option<Option<String>> = sqlx::query_scalar(
            "SELECT replaced_by FROM certificates WHERE school_id = $1 AND serial = $2",
        )
        .bind(school_id)
        .bind(&at)
        .fetch_optional(&db.pool)
        .await?;
        match next.flatten() {
            Some(n) => at = n,
            None => break,
        }
    }
    Ok(at)
}

/// Re-issues a certificate with a new serial and the learner's current name; the old one's
/// page says "replaced by". Returns the new serial.
pub async fn reissue(
    state: &CertificatesState,
    school_id: SchoolId,
    serial: &str,
) -> anyhow::Result<Option<String>> {
    let Some(old) = by_serial(&state.db, school_id, serial).await? else {
        return Ok(None);
    };
    // A revoked certificate stays revoked: a re-issue would quietly undo it.
    if old.replaced_by.is_some() || old.revoked_at.is_some() {
        return Ok(None);
    }
    // The same wording and signer as the certificate it replaces; the learner's name now.
    let settings = Settings {
        title: old.title.clone(),
        body: old.body.clone(),
        signer_name: old.signer_name.clone(),
        signer_title: old.signer_title.clone(),
        validity_months: None,
    };
    let Some(new) = create(
        state,
        school_id,
        CourseId(old.course_id),
        UserId(old.user_id),
        &settings,
        Some(&old.serial),
    )
    .await?
    else {
        return Ok(None);
    };
    // It expires when the one it replaces would have.
    sqlx::query("UPDATE certificates SET expires_at = $1 WHERE school_id = $2 AND serial = $3")
        .bind(old.expires_at)
        .bind(school_id)
        .bind(&new)
        .execute(&state.db.pool)
        .await?;
    state.cache.forget(school_id, &new);
    finish(state, school_id, &new).await?;
    Ok(Some(new))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_are_16_crockford_characters_and_read_in_any_case() {
        let s = new_serial();
        assert_eq!(s.len(), 16);
        assert!(s.bytes().all(|b| CROCKFORD.contains(&b)), "{s}");
        assert_ne!(s, new_serial());
        assert_eq!(normalise_serial(&s.to_lowercase()), s);
        assert_eq!(normalise_serial("o1il-ab"), "0111AB");
    }

    #[test]
    fn colours_fall_back_to_the_default() {
        assert_eq!(parse_colour("#ff0080"), (255, 0, 128));
        assert_eq!(parse_colour("nonsense"), (0x3b, 0x5b, 0xdb));
    }
}
