//! Courses and their ordered lessons: the model and its queries. Every query is scoped by
//! the school, so a course of another school simply doesn't exist (404).
//!
//! - [`routes`]: the learner's pages (catalogue, course page, lesson player, my courses).
//! - [`editor`]: the instructor area (`/teach`).
//! - [`content`]: a lesson's content by kind ([`LessonContent`]), from and to its row.
//! - [`lessons`]: lesson input parsed into a [`LessonRecord`], and how lessons display.
//! - [`schedule`]: wall time + IANA zone → UTC instant, DST gaps and folds.
//! - [`markdown`], [`quiz`], [`progress`], [`slug`], [`seed`] (the demo course).
//! - [`hooks`]: what a capability above (`live`) adds to lessons, enrolments and the
//!   player, wired in `app.rs`; `courses` never names it.

pub mod completion;
pub mod content;
pub mod editor;
pub mod files;
pub mod hooks;
pub mod lessons;
pub mod listing;
pub mod live_options;
pub mod markdown;
pub mod price;
pub mod private;
pub mod progress;
pub mod queries;
pub mod quiz;
pub mod routes;
pub mod schedule;
pub mod seed;
pub mod series;
pub mod series_editor;
pub mod series_store;
pub mod shared;
pub mod slug;
pub mod students;
pub mod viewers;
pub mod watch;

use std::collections::HashSet;
use std::sync::Arc;

use crate::accounts::User;
use crate::db::{Backend, CourseId, Db, LessonId, SchoolId, UserId, flag, now_ms};

pub use content::{
    CONTENT_SQL, ContentColumns, LessonContent, LessonDecodeError, LessonRow, schedule_of,
};
pub use hooks::{AttendanceLine, CourseHooks, LessonPanel, PanelView, PlayerHooks};
pub use lessons::LessonRecord;
pub use schedule::Schedule;

/// What the course pages and the editor need.
#[derive(Clone)]
pub struct CoursesState {
    pub db: Db,
    /// Lessons' files and courses' covers.
    pub files: crate::files::Files,
    /// The editor checks a live lesson's Zoom host when it is saved.
    pub zoom: crate::zoom_connection::ZoomDeps,
    pub hooks: Arc<dyn CourseHooks>,
    pub player: Arc<dyn PlayerHooks>,
    /// What every viewer of a course reads alike, kept per instance.
    pub shared: Arc<shared::SharedCache>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LessonKind {
    Video,
    Document,
    Quiz,
    LiveSession,
    Webinar,
    ExternalLink,
}

impl LessonKind {
    pub const ALL: [LessonKind; 6] = [
        LessonKind::Video,
        LessonKind::Document,
        LessonKind::Quiz,
        LessonKind::LiveSession,
        LessonKind::Webinar,
        LessonKind::ExternalLink,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LessonKind::Video => "video",
            LessonKind::Document => "document",
            LessonKind::Quiz => "quiz",
            LessonKind::LiveSession => "live_session",
            LessonKind::Webinar => "webinar",
            LessonKind::ExternalLink => "external_link",
        }
    }

    pub fn parse(s: &str) -> Option<LessonKind> {
        LessonKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The catalogue key of the kind's name.
    pub(crate) fn label_key(self) -> &'static str {
        match self {
            LessonKind::Video => "lesson-kind-video",
            LessonKind::Document => "lesson-kind-document",
            LessonKind::Quiz => "lesson-kind-quiz",
            LessonKind::LiveSession => "lesson-kind-live-session",
            LessonKind::Webinar => "lesson-kind-webinar",
            LessonKind::ExternalLink => "lesson-kind-external-link",
        }
    }

    /// Live sessions and webinars have a start time, zone and duration.
    pub fn is_scheduled(self) -> bool {
        matches!(self, LessonKind::LiveSession | LessonKind::Webinar)
    }

    pub(crate) fn has_url(self) -> bool {
        matches!(self, LessonKind::Video | LessonKind::ExternalLink)
    }
}

impl TryFrom<String> for LessonKind {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        LessonKind::parse(&s).ok_or_else(|| format!("unknown lesson kind {s:?}"))
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Course {
    pub id: CourseId,
    pub school_id: SchoolId,
    pub slug: String,
    pub title: String,
    pub description: String,
    pub cover_url: Option<String>,
    pub status: String,
    /// The price in minor units of `currency`; `None`: free.
    pub price_minor: Option<i64>,
    pub currency: Option<String>,
}

impl Course {
    pub fn is_published(&self) -> bool {
        self.status == "published"
    }
    /// What the course costs, when it is for sale: enrolment then comes only from a
    /// verified payment.
    pub fn price(&self) -> Option<price::Price> {
        match (self.price_minor, &self.currency) {
            (Some(minor), Some(currency)) if minor > 0 => Some(price::Price {
                minor,
                currency: currency.clone(),
            }),
            _ => None,
        }
    }
    pub fn cover(&self) -> &str {
        self.cover_url.as_deref().unwrap_or_default()
    }
    pub fn url(&self) -> String {
        format!("/courses/{}", self.slug)
    }
}

const COURSE_COLUMNS: &str = "c.id, c.school_id, c.slug, c.title, c.description, c.cover_url, c.status, c.price_minor, c.currency";

/// A lesson; read from its row with [`LessonRow`] (`TryFrom`, or `FromRow` directly).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lesson {
    pub id: LessonId,
    pub course_id: CourseId,
    pub position: i64,
    pub title: String,
    pub required: i64,
    pub body: String,
    pub content: LessonContent,
}

impl Lesson {
    pub fn kind(&self) -> LessonKind {
        self.content.kind()
    }
    pub(crate) fn is_required(&self) -> bool {
        flag(self.required)
    }
    /// A live lesson's schedule.
    pub fn schedule(&self) -> Option<&Schedule> {
        self.content.schedule()
    }
}

const LESSON_COLUMNS: &str = "l.id, l.course_id, l.position, l.kind, l.title, l.required, l.body, l.url, \
     l.quiz_json, l.pass_mark, l.starts_at, l.timezone, l.local_start, l.duration_min";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Instructor {
    pub id: i64,
    pub display_name: String,
    pub email: String,
}

// ---- courses ----

pub async fn published(db: &Db, school_id: i64) -> sqlx::Result<Vec<Course>> {
    sqlx::query_as::<_, Course>(sqlx::AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS} FROM courses c WHERE c.school_id = $1 AND c.status = 'published' \
         ORDER BY c.created_at DESC, c.id DESC"
    )))
    .bind(school_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn by_slug(db: &Db, school_id: i64, slug: &str) -> sqlx::Result<Option<Course>> {
    sqlx::query_as::<_, Course>(sqlx::AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS} FROM courses c WHERE c.school_id = $1 AND c.slug = $2"
    )))
    .bind(school_id)
    .bind(slug)
    .fetch_optional(&db.pool)
    .await
}

/// A course as one viewer sees it: the row, their enrolment, whether they manage it and,
/// with [`ViewerExtras::Progress`], which of its lessons they completed. What every viewer
/// reads alike (lessons, instructors, cover) is in [`shared`], at `shared_version`.
pub struct CourseForViewer {
    pub course: Course,
    pub enrollment: Option<progress::Enrollment>,
    pub manager: bool,
    /// They are one of the course's instructors.
    pub teaches: bool,
    /// The version of the course's [`shared`] copy, read with the row.
    pub shared_version: i64,
    /// With [`ViewerExtras::Progress`] or [`ViewerExtras::Player`]: the lessons the viewer
    /// completed.
    pub done: HashSet<LessonId>,
    /// With [`ViewerExtras::Player`]: the viewer opened that lesson before.
    pub opened: bool,
}

/// What [`for_viewer`] reads besides the course, enrolment and role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViewerExtras {
    None,
    /// The viewer's completed lessons, in the same query: the course page and the player
    /// are then the session lookup and this one query (with a warm [`shared`] copy).
    Progress,
    /// The completed lessons and whether the viewer opened this one before (the player).
    Player(LessonId),
}

#[derive(sqlx::FromRow)]
struct CourseViewerRow {
    #[sqlx(flatten)]
    course: Course,
    enrolled_at: Option<i64>,
    completed_at: Option<i64>,
    teaches: i64,
    shared_version: i64,
    done_ids: Option<String>,
    opened_at: Option<i64>,
    opened_ids: Option<String>,
}

impl CourseViewerRow {
    fn enrollment(&self) -> Option<progress::Enrollment> {
        self.enrolled_at.map(|enrolled_at| progress::Enrollment {
            enrolled_at,
            completed_at: self.completed_at,
        })
    }
}

/// The ids of the course's lessons the viewer (`$3`) completed, or (`opened`) opened,
/// comma-separated.
fn lesson_ids_sql(backend: Backend, opened: bool) -> String {
    let agg = match backend {
        Backend::Postgres => "string_agg(CAST(x.lesson_id AS TEXT), ',')",
        Backend::Sqlite => "group_concat(x.lesson_id, ',')",
    };
    let (table, only) = if opened {
        ("lesson_evidence", " AND x.opened_at IS NOT NULL")
    } else {
        ("lesson_progress", "")
    };
    format!(
        "(SELECT {agg} FROM lessons l JOIN {table} x ON x.lesson_id = l.id AND x.user_id = $3
          WHERE l.course_id = c.id AND l.school_id = c.school_id{only})"
    )
}

/// What [`read_for_viewer`] reads besides the course, version, enrolment and role.
#[derive(Clone, Copy)]
enum ViewerRead {
    Only(ViewerExtras),
    /// Everything the [`viewers`] cache keeps: every completed and every opened lesson.
    ForCache,
}

/// The course page and the player are what a whole class opens at once, so the course,
/// its [`shared`] version and the viewer's enrolment, teaching role and (with
/// [`ViewerExtras::Progress`]) completions come back in one round trip. Students and
/// visitors (a whole class at once) are served from the [`viewers`] cache; staff, who edit
/// what they view, read the database.
pub async fn for_viewer(
    db: &Db,
    school_id: i64,
    slug: &str,
    viewer: Option<&User>,
    extras: ViewerExtras,
) -> sqlx::Result<Option<CourseForViewer>> {
    if viewer.is_none_or(|u| !u.can_teach()) {
        return viewers::for_viewer(db, school_id, slug, viewer, extras).await;
    }
    let Some(r) = read_for_viewer(db, school_id, slug, viewer, ViewerRead::Only(extras)).await?
    else {
        return Ok(None);
    };
    let done = parse_lesson_ids(r.done_ids.as_deref())?;
    let teaches = r.teaches > 0;
    let manager = viewer.is_some_and(|u| manages(u, &r.course, teaches));
    Ok(Some(CourseForViewer {
        enrollment: r.enrollment(),
        manager,
        teaches,
        shared_version: r.shared_version,
        done,
        opened: r.opened_at.is_some(),
        course: r.course,
    }))
}

async fn read_for_viewer(
    db: &Db,
    school_id: i64,
    slug: &str,
    viewer: Option<&User>,
    read: ViewerRead,
) -> sqlx::Result<Option<CourseViewerRow>> {
    // No user has id 0, so an anonymous viewer matches no enrolment and teaches nothing.
    let user_id = viewer.map_or(0, |u| u.id);
    let no_ids = || "CAST(NULL AS TEXT)".to_string();
    let (done, opened, opened_ids) = match read {
        ViewerRead::Only(ViewerExtras::None) => (no_ids(), "CAST(NULL AS BIGINT)", no_ids()),
        ViewerRead::Only(ViewerExtras::Progress) => (
            lesson_ids_sql(db.backend, false),
            "CAST(NULL AS BIGINT)",
            no_ids(),
        ),
        ViewerRead::Only(ViewerExtras::Player(_)) => (
            lesson_ids_sql(db.backend, false),
            "(SELECT ev.opened_at FROM lesson_evidence ev WHERE ev.lesson_id = $4 AND ev.user_id = $3)",
            no_ids(),
        ),
        ViewerRead::ForCache => (
            lesson_ids_sql(db.backend, false),
            "CAST(NULL AS BIGINT)",
            lesson_ids_sql(db.backend, true),
        ),
    };
    let query = sqlx::query_as::<_, CourseViewerRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS}, e.enrolled_at, e.completed_at,
                (SELECT COUNT(*) FROM course_instructors i
                  WHERE i.course_id = c.id AND i.user_id = $3) AS teaches,
                COALESCE((SELECT v.version FROM course_versions v WHERE v.course_id = c.id), 0)
                  AS shared_version,
                {done} AS done_ids, {opened} AS opened_at, {opened_ids} AS opened_ids
         FROM courses c
         LEFT JOIN enrollments e
           ON e.school_id = c.school_id AND e.course_id = c.id AND e.user_id = $3
         WHERE c.school_id = $1 AND c.slug = $2"
    )))
    .bind(school_id)
    .bind(slug)
    .bind(user_id);
    let query = match read {
        ViewerRead::Only(ViewerExtras::Player(lesson)) => query.bind(lesson),
        _ => query,
    };
    query.fetch_optional(&db.pool).await
}

/// Lesson ids as [`lesson_ids_sql`] lists them.
fn parse_lesson_ids(list: Option<&str>) -> sqlx::Result<HashSet<LessonId>> {
    list.unwrap_or_default()
        .split(',')
        .filter(|id| !id.is_empty())
        .map(|id| {
            id.parse()
                .map(LessonId)
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))
        })
        .collect()
}

pub async fn by_id(db: &Db, school_id: SchoolId, id: CourseId) -> sqlx::Result<Option<Course>> {
    let mut conn = db.pool.acquire().await?;
    by_id_in(&mut conn, school_id, id).await
}

/// [`by_id`] on the caller's connection (inside its transaction).
pub async fn by_id_in(
    conn: &mut sqlx::AnyConnection,
    school_id: SchoolId,
    id: CourseId,
) -> sqlx::Result<Option<Course>> {
    sqlx::query_as::<_, Course>(sqlx::AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS} FROM courses c WHERE c.school_id = $1 AND c.id = $2"
    )))
    .bind(school_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The courses a user may manage: all of the school's for an admin, else those they teach.
pub(crate) async fn managed_by(db: &Db, user: &User) -> sqlx::Result<Vec<Course>> {
    if user.is_admin() {
        return sqlx::query_as::<_, Course>(sqlx::AssertSqlSafe(format!(
            "SELECT {COURSE_COLUMNS} FROM courses c WHERE c.school_id = $1 ORDER BY c.updated_at DESC, c.id DESC"
        )))
        .bind(user.school_id)
        .fetch_all(&db.pool)
        .await;
    }
    sqlx::query_as::<_, Course>(sqlx::AssertSqlSafe(format!(
        "SELECT {COURSE_COLUMNS} FROM courses c JOIN course_instructors i ON i.course_id = c.id \
         WHERE c.school_id = $1 AND i.user_id = $2 ORDER BY c.updated_at DESC, c.id DESC"
    )))
    .bind(user.school_id)
    .bind(user.id)
    .fetch_all(&db.pool)
    .await
}

pub struct CourseFields<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub cover_url: Option<&'a str>,
}

/// Creates a draft course taught by `instructor`, with a slug made unique in the school.
pub async fn create(
    db: &Db,
    school_id: i64,
    instructor: i64,
    f: CourseFields<'_>,
) -> anyhow::Result<Course> {
    let mut tx = db.pool.begin().await?;
    let id = create_in(&mut tx, school_id, instructor, f).await?;
    tx.commit().await?;
    by_id(db, SchoolId(school_id), id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("course {id} vanished"))
}

/// [`create`] in the caller's transaction (the API claims its `Idempotency-Key` in the
/// same one). A taken slug is skipped by `ON CONFLICT DO NOTHING`, which leaves the
/// transaction usable on both databases.
pub async fn create_in(
    tx: &mut sqlx::AnyConnection,
    school_id: i64,
    instructor: i64,
    f: CourseFields<'_>,
) -> anyhow::Result<CourseId> {
    let base = slug::slugify(f.title);
    let now = now_ms();
    for n in 1..=1000 {
        let candidate = slug::candidate(&base, n);
        let id = sqlx::query_scalar::<_, CourseId>(
            "INSERT INTO courses (school_id, slug, title, description, cover_url, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 'draft', $6, $6)
             ON CONFLICT (school_id, slug) DO NOTHING RETURNING id",
        )
        .bind(school_id)
        .bind(&candidate)
        .bind(f.title)
        .bind(f.description)
        .bind(f.cover_url)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else { continue };
        sqlx::query(
            "INSERT INTO course_instructors (school_id, course_id, user_id) VALUES ($1, $2, $3)",
        )
        .bind(school_id)
        .bind(id)
        .bind(instructor)
        .execute(&mut *tx)
        .await?;
        return Ok(id);
    }
    anyhow::bail!("no free slug for {base:?}")
}

pub async fn update(
    db: &Db,
    school_id: SchoolId,
    id: CourseId,
    f: CourseFields<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE courses SET title = $1, description = $2, cover_url = $3, updated_at = $4
         WHERE school_id = $5 AND id = $6",
    )
    .bind(f.title)
    .bind(f.description)
    .bind(f.cover_url)
    .bind(now_ms())
    .bind(school_id)
    .bind(id)
    .execute(&db.pool)
    .await?;
    viewers::course_changed(db, id);
    Ok(())
}

/// Publishes a draft course and, in the same transaction, tells the hooks (`live` invites
/// the students already enrolled to the sessions ahead). Publishing a published course
/// changes nothing.
pub async fn publish(
    db: &Db,
    hooks: &dyn CourseHooks,
    school_id: SchoolId,
    id: CourseId,
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    // The write first (SQLite), and only a draft becomes published.
    let r = sqlx::query(
        "UPDATE courses SET status = 'published', updated_at = $1 WHERE school_id = $2 AND id = $3 AND status <> 'published'",
    )
    .bind(now_ms())
    .bind(school_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if r.rows_affected() == 1 {
        hooks.published(&mut tx, id).await?;
    }
    tx.commit().await?;
    viewers::course_changed(db, id);
    Ok(())
}

pub async fn set_published(
    db: &Db,
    school_id: SchoolId,
    id: CourseId,
    published: bool,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE courses SET status = $1, updated_at = $2 WHERE school_id = $3 AND id = $4")
        .bind(if published { "published" } else { "draft" })
        .bind(now_ms())
        .bind(school_id)
        .bind(id)
        .execute(&db.pool)
        .await?;
    viewers::course_changed(db, id);
    Ok(())
}

// ---- instructors ----

pub async fn instructors(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
) -> sqlx::Result<Vec<Instructor>> {
    sqlx::query_as::<_, Instructor>(
        "SELECT u.id, u.display_name, u.email FROM course_instructors i JOIN users u ON u.id = i.user_id
         WHERE i.school_id = $1 AND i.course_id = $2 ORDER BY u.display_name, u.id",
    )
    .bind(school_id)
    .bind(course_id)
    .fetch_all(&db.pool)
    .await
}

pub async fn teaches(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: UserId,
) -> sqlx::Result<bool> {
    let n: Option<i64> = sqlx::query_scalar(
        "SELECT user_id FROM course_instructors WHERE school_id = $1 AND course_id = $2 AND user_id = $3",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(user_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(n.is_some())
}

/// Admins manage every course of their school; instructors the ones they teach.
pub async fn can_manage(db: &Db, user: &User, course: &Course) -> sqlx::Result<bool> {
    if SchoolId(user.school_id) != course.school_id || !user.can_teach() {
        return Ok(false);
    }
    if user.is_admin() {
        return Ok(true);
    }
    teaches(db, course.school_id, course.id, UserId(user.id)).await
}

/// [`can_manage`] when whether `user` teaches `course` is already known.
fn manages(user: &User, course: &Course, teaches: bool) -> bool {
    SchoolId(user.school_id) == course.school_id && user.can_teach() && (user.is_admin() || teaches)
}

pub async fn add_instructor(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: UserId,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO course_instructors (school_id, course_id, user_id) VALUES ($1, $2, $3)
         ON CONFLICT (course_id, user_id) DO NOTHING",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    viewers::course_changed(db, course_id);
    viewers::person_changed(db, user_id);
    Ok(())
}

pub(crate) async fn remove_instructor(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: UserId,
) -> sqlx::Result<()> {
    sqlx::query(
        "DELETE FROM course_instructors WHERE school_id = $1 AND course_id = $2 AND user_id = $3",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    viewers::course_changed(db, course_id);
    viewers::person_changed(db, user_id);
    Ok(())
}

// ---- lessons ----

pub async fn lessons(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
) -> sqlx::Result<Vec<Lesson>> {
    let mut conn = db.pool.acquire().await?;
    lessons_in(&mut conn, school_id, course_id).await
}

/// [`lessons`] on the caller's connection (inside its transaction).
pub async fn lessons_in(
    conn: &mut sqlx::AnyConnection,
    school_id: SchoolId,
    course_id: CourseId,
) -> sqlx::Result<Vec<Lesson>> {
    sqlx::query_as::<_, Lesson>(sqlx::AssertSqlSafe(format!(
        "SELECT {LESSON_COLUMNS} FROM lessons l WHERE l.school_id = $1 AND l.course_id = $2 \
         ORDER BY l.position, l.id"
    )))
    .bind(school_id)
    .bind(course_id)
    .fetch_all(conn)
    .await
}

#[derive(sqlx::FromRow)]
struct LessonProgressRow {
    #[sqlx(flatten)]
    lesson: Lesson,
    done_by: Option<i64>,
}

/// The ordered lessons `user_id` may see (not another student's private one) and the ids
/// of those they completed, in one query.
pub(crate) async fn lessons_with_progress(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    user_id: Option<UserId>,
) -> sqlx::Result<(Vec<Lesson>, HashSet<LessonId>)> {
    let rows = sqlx::query_as::<_, LessonProgressRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {LESSON_COLUMNS}, p.user_id AS done_by FROM lessons l
         LEFT JOIN lesson_progress p ON p.lesson_id = l.id AND p.user_id = $3
         WHERE l.school_id = $1 AND l.course_id = $2 AND {visible} ORDER BY l.position, l.id",
        visible = private::visible_sql("$3")
    )))
    .bind(school_id)
    .bind(course_id)
    // No user has id 0: without a viewer, nothing is done.
    .bind(user_id.map_or(0, |u| u.0))
    .fetch_all(&db.pool)
    .await?;
    let done = rows
        .iter()
        .filter(|r| r.done_by.is_some())
        .map(|r| r.lesson.id)
        .collect();
    Ok((rows.into_iter().map(|r| r.lesson).collect(), done))
}

pub async fn lesson(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    id: LessonId,
) -> sqlx::Result<Option<Lesson>> {
    let mut conn = db.pool.acquire().await?;
    lesson_in(&mut conn, school_id, course_id, id).await
}

/// [`lesson`] on the caller's connection (inside its transaction).
pub async fn lesson_in(
    conn: &mut sqlx::AnyConnection,
    school_id: SchoolId,
    course_id: CourseId,
    id: LessonId,
) -> sqlx::Result<Option<Lesson>> {
    sqlx::query_as::<_, Lesson>(sqlx::AssertSqlSafe(format!(
        "SELECT {LESSON_COLUMNS} FROM lessons l WHERE l.school_id = $1 AND l.course_id = $2 AND l.id = $3"
    )))
    .bind(school_id)
    .bind(course_id)
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// A lesson of a school with its course, and what one viewer may do with it: whether they
/// are enrolled in the course and to whom the lesson is private (if it is).
pub struct LessonForViewer {
    pub course: Course,
    pub lesson: Lesson,
    pub enrolled: bool,
    pub private_to: Option<UserId>,
}

#[derive(sqlx::FromRow)]
struct LessonForViewerRow {
    #[sqlx(flatten)]
    lesson: Lesson,
    c_slug: String,
    c_title: String,
    c_description: String,
    c_cover_url: Option<String>,
    c_status: String,
    c_price_minor: Option<i64>,
    c_currency: Option<String>,
    private_user_id: Option<i64>,
    enrolled: i64,
}

/// [`LessonForViewer`] of lesson `lesson_id` of this school for `viewer` (`None`: nobody,
/// enrolled in nothing), in one statement: the live routes and the join signature (a
/// whole class asks at once) ask this on every request instead of the lesson's course,
/// the course, the lesson, the enrolment and the lesson's privacy one by one.
pub async fn lesson_for_viewer(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
    viewer: Option<UserId>,
) -> sqlx::Result<Option<LessonForViewer>> {
    let row = sqlx::query_as::<_, LessonForViewerRow>(sqlx::AssertSqlSafe(format!(
        "SELECT {LESSON_COLUMNS}, c.slug AS c_slug, c.title AS c_title,
                c.description AS c_description, c.cover_url AS c_cover_url, c.status AS c_status,
                c.price_minor AS c_price_minor, c.currency AS c_currency, l.private_user_id,
                (SELECT COUNT(*) FROM enrollments e
                  WHERE e.school_id = l.school_id AND e.course_id = l.course_id AND e.user_id = $3)
                  AS enrolled
         FROM lessons l JOIN courses c ON c.id = l.course_id AND c.school_id = l.school_id
         WHERE l.school_id = $1 AND l.id = $2"
    )))
    .bind(school_id)
    .bind(lesson_id)
    // No user has id 0: without a viewer, nobody is enrolled.
    .bind(viewer.map_or(0, |u| u.0))
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(|r| LessonForViewer {
        course: Course {
            id: r.lesson.course_id,
            school_id,
            slug: r.c_slug,
            title: r.c_title,
            description: r.c_description,
            cover_url: r.c_cover_url,
            status: r.c_status,
            price_minor: r.c_price_minor,
            currency: r.c_currency,
        },
        lesson: r.lesson,
        enrolled: r.enrolled > 0,
        private_to: r.private_user_id.map(UserId),
    }))
}

/// Appends a lesson at the end of the course.
pub async fn insert_lesson(
    db: &Db,
    hooks: &dyn CourseHooks,
    school_id: SchoolId,
    course_id: CourseId,
    r: &LessonRecord,
) -> sqlx::Result<LessonId> {
    let mut tx = db.pool.begin().await?;
    let id = insert_lesson_in(&mut tx, hooks, school_id, course_id, r).await?;
    tx.commit().await?;
    viewers::course_changed(db, course_id);
    Ok(id)
}

/// [`insert_lesson`] in the caller's transaction (a series writes all its lessons in one).
pub(crate) async fn insert_lesson_in(
    tx: &mut sqlx::AnyConnection,
    hooks: &dyn CourseHooks,
    school_id: SchoolId,
    course_id: CourseId,
    r: &LessonRecord,
) -> sqlx::Result<LessonId> {
    let now = now_ms();
    let c = r.content.columns();
    let id = sqlx::query_scalar::<_, LessonId>(
        "INSERT INTO lessons (school_id, course_id, position, kind, title, required, body, url, quiz_json,
             pass_mark, starts_at, timezone, local_start, duration_min, created_at, updated_at)
         VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM lessons WHERE course_id = $2),
             $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
         RETURNING id",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(r.kind().as_str())
    .bind(&r.title)
    .bind(i64::from(r.required))
    .bind(&r.body)
    .bind(c.url)
    .bind(c.quiz_json)
    .bind(c.pass_mark)
    .bind(c.starts_at)
    .bind(c.timezone)
    .bind(c.local_start)
    .bind(c.duration_min)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    if r.kind().is_scheduled() {
        // Its own copy of the course's default Zoom options, taken now (never read later).
        live_options::copy_default_in(tx, school_id, course_id, id).await?;
    }
    // A live lesson's reminders are scheduled with it.
    hooks.lesson_written(tx, id, None).await?;
    Ok(id)
}

/// Who hosts a live lesson: the Lectern user who scheduled it and their Zoom host.
pub struct LessonHost {
    pub user_id: i64,
    pub host: crate::zoom_connection::hosts::Host,
}

pub async fn set_lesson_host(
    db: &Db,
    school_id: SchoolId,
    lesson_id: LessonId,
    host: Option<&LessonHost>,
) -> sqlx::Result<()> {
    let mut conn = db.pool.acquire().await?;
    set_lesson_host_in(&mut conn, school_id, lesson_id, host).await
}

/// [`set_lesson_host`] in the caller's transaction.
pub(crate) async fn set_lesson_host_in(
    conn: &mut sqlx::AnyConnection,
    school_id: SchoolId,
    lesson_id: LessonId,
    host: Option<&LessonHost>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE lessons SET host_user_id = $1, zoom_connection_id = $2, zoom_host_id = $3, zoom_host_email = $4
         WHERE school_id = $5 AND id = $6",
    )
    .bind(host.map(|h| h.user_id))
    .bind(host.map(|h| h.host.connection_id))
    .bind(host.map(|h| h.host.zoom_user_id.clone()))
    .bind(host.map(|h| h.host.zoom_email.clone()))
    .bind(school_id)
    .bind(lesson_id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_lesson(
    db: &Db,
    hooks: &dyn CourseHooks,
    school_id: SchoolId,
    course_id: CourseId,
    id: LessonId,
    r: &LessonRecord,
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    update_lesson_in(&mut tx, hooks, school_id, course_id, id, r).await?;
    tx.commit().await?;
    viewers::course_changed(db, course_id);
    if r.kind().is_scheduled() {
        // Open players and outlines show the new time (and a reopened session) at once.
        db.lesson_changed(crate::push::LessonChange {
            school_id,
            course_id,
            lesson_id: id,
        })
        .await;
    }
    Ok(())
}

/// [`update_lesson`] in the caller's transaction (a series' "this and following" edit
/// writes all its lessons in one); the caller tells open pages after its commit.
pub(crate) async fn update_lesson_in(
    tx: &mut sqlx::AnyConnection,
    hooks: &dyn CourseHooks,
    school_id: SchoolId,
    course_id: CourseId,
    id: LessonId,
    r: &LessonRecord,
) -> sqlx::Result<()> {
    let previous: Option<(Option<i64>, i64)> = sqlx::query_as(
        "SELECT starts_at, required FROM lessons WHERE school_id = $1 AND course_id = $2 AND id = $3",
    )
    .bind(school_id)
    .bind(course_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((previous, was_required)) = previous else {
        return Ok(());
    };
    let c = r.content.columns();
    sqlx::query(
        "UPDATE lessons SET title = $1, required = $2, body = $3, url = $4, quiz_json = $5, pass_mark = $6,
             starts_at = $7, timezone = $8, local_start = $9, duration_min = $10, updated_at = $11
         WHERE school_id = $12 AND course_id = $13 AND id = $14",
    )
    .bind(&r.title)
    .bind(i64::from(r.required))
    .bind(&r.body)
    .bind(c.url)
    .bind(c.quiz_json)
    .bind(c.pass_mark)
    .bind(c.starts_at)
    .bind(c.timezone)
    .bind(c.local_start)
    .bind(c.duration_min)
    .bind(now_ms())
    .bind(school_id)
    .bind(course_id)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    // A changed time moves the reminders and notifies the enrolled students.
    hooks.lesson_written(tx, id, previous).await?;
    if flag(was_required) && !r.required {
        // Made optional: those who did every other required lesson complete the course.
        completion::recheck_course(tx, school_id, course_id).await?;
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Move {
    Up,
    Down,
}

/// The order after moving `id` one place; `None` when it can't move that way.
pub(crate) fn reordered<T: Copy + PartialEq>(ids: &[T], id: T, dir: Move) -> Option<Vec<T>> {
    let i = ids.iter().position(|x| *x == id)?;
    let j = match dir {
        Move::Up => i.checked_sub(1)?,
        Move::Down => Some(i + 1).filter(|j| *j < ids.len())?,
    };
    let mut out = ids.to_vec();
    out.swap(i, j);
    Some(out)
}

/// Moves a lesson one place up or down; positions stay 1..n.
pub(crate) async fn move_lesson(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    id: LessonId,
    dir: Move,
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    let ids = lesson_ids(&mut tx, school_id, course_id).await?;
    if let Some(order) = reordered(&ids, id, dir) {
        renumber(&mut tx, school_id, course_id, &order).await?;
    }
    tx.commit().await?;
    viewers::course_changed(db, course_id);
    Ok(())
}

pub(crate) async fn delete_lesson(
    db: &Db,
    hooks: &dyn CourseHooks,
    school_id: SchoolId,
    course_id: CourseId,
    id: LessonId,
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    // A live lesson's Zoom meeting is deleted later by a job: deleting never fails because of Zoom.
    hooks.lesson_deleted(&mut tx, school_id, id).await?;
    crate::files::forget_lesson(&mut tx, school_id, id).await?;
    sqlx::query("DELETE FROM lessons WHERE school_id = $1 AND course_id = $2 AND id = $3")
        .bind(school_id)
        .bind(course_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let ids = lesson_ids(&mut tx, school_id, course_id).await?;
    renumber(&mut tx, school_id, course_id, &ids).await?;
    // Its students may now have done every required lesson left.
    completion::recheck_course(&mut tx, school_id, course_id).await?;
    tx.commit().await?;
    viewers::course_changed(db, course_id);
    Ok(())
}

/// Deletes a course with everything in it: its lessons (each told to the hooks first, as
/// a single deleted lesson is: a live one's meeting goes by job), enrolments, progress,
/// and its files (by job), in one transaction.
pub(crate) async fn delete_course(
    db: &Db,
    hooks: &dyn CourseHooks,
    school_id: SchoolId,
    course_id: CourseId,
) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    for id in lesson_ids(&mut tx, school_id, course_id).await? {
        hooks.lesson_deleted(&mut tx, school_id, id).await?;
    }
    crate::files::forget_course(&mut tx, school_id, course_id).await?;
    // Lessons, enrolments, progress and the rest follow by ON DELETE CASCADE.
    sqlx::query("DELETE FROM courses WHERE school_id = $1 AND id = $2")
        .bind(school_id)
        .bind(course_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    viewers::course_changed(db, course_id);
    hooks.course_deleted(school_id, course_id);
    Ok(())
}

type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

async fn lesson_ids(
    tx: &mut Tx<'_>,
    school_id: SchoolId,
    course_id: CourseId,
) -> sqlx::Result<Vec<LessonId>> {
    sqlx::query_scalar::<_, LessonId>(
        "SELECT id FROM lessons WHERE school_id = $1 AND course_id = $2 ORDER BY position, id",
    )
    .bind(school_id)
    .bind(course_id)
    .fetch_all(&mut **tx)
    .await
}

async fn renumber(
    tx: &mut Tx<'_>,
    school_id: SchoolId,
    course_id: CourseId,
    order: &[LessonId],
) -> sqlx::Result<()> {
    for (i, id) in order.iter().enumerate() {
        sqlx::query(
            "UPDATE lessons SET position = $1 WHERE school_id = $2 AND course_id = $3 AND id = $4",
        )
        .bind(i as i64 + 1)
        .bind(school_id)
        .bind(course_id)
        .bind(*id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in LessonKind::ALL {
            assert_eq!(LessonKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(LessonKind::parse("podcast"), None);
    }

    #[test]
    fn reorder_swaps_neighbours() {
        assert_eq!(reordered(&[1, 2, 3], 2, Move::Up), Some(vec![2, 1, 3]));
        assert_eq!(reordered(&[1, 2, 3], 2, Move::Down), Some(vec![1, 3, 2]));
        assert_eq!(reordered(&[1, 2, 3], 1, Move::Up), None);
        assert_eq!(reordered(&[1, 2, 3], 3, Move::Down), None);
        assert_eq!(reordered(&[1, 2, 3], 9, Move::Up), None);
    }
}
