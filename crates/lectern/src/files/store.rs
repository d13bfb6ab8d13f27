//! The `files` and `storage_quotas` tables: every statement on them is here.
//!
//! A row is written (`uploading`) before the first byte reaches storage, so that a crash
//! mid-upload leaves a row the sweep finds; it becomes `ready` when the object is whole,
//! and `deleting` when its owner goes or it is replaced, until the delete job has removed
//! the objects and then the row.

use sqlx::{AnyConnection, Row};

use super::jobs::DeleteFile;
use super::{Owner, Purpose, StoredFile};
use crate::db::{CourseId, Db, LessonId, SchoolId, UserId};
use crate::jobs::{NewJob, enqueue};

const COLUMNS: &str = "id, school_id, course_id, lesson_id, purpose, name, content_type, size, widths, storage_key, created_by, created_at";

fn from_row(r: &sqlx::any::AnyRow) -> sqlx::Result<StoredFile> {
    let purpose: String = r.try_get("purpose")?;
    let purpose = Purpose::parse(&purpose).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: "purpose".into(),
        source: format!("unknown file purpose {purpose:?}").into(),
    })?;
    let widths: String = r.try_get("widths")?;
    Ok(StoredFile {
        id: r.try_get("id")?,
        school_id: SchoolId(r.try_get("school_id")?),
        course_id: r.try_get::<Option<i64>, _>("course_id")?.map(CourseId),
        lesson_id: r.try_get::<Option<i64>, _>("lesson_id")?.map(LessonId),
        purpose,
        name: r.try_get("name")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get::<i64, _>("size")?.max(0) as u64,
        widths: widths.split(',').filter_map(|w| w.parse().ok()).collect(),
        storage_key: r.try_get("storage_key")?,
        created_by: r.try_get::<Option<i64>, _>("created_by")?.map(UserId),
        created_at: r.try_get("created_at")?,
    })
}

fn owner_ids(owner: Owner) -> (Option<i64>, Option<i64>) {
    owner_columns(owner)
}

/// The owner as compared in SQL (`COALESCE(column, 0)`: ids start at 1).
fn owner_keys(owner: Owner) -> (i64, i64) {
    let (c, l) = owner_columns(owner);
    (c.unwrap_or(0), l.unwrap_or(0))
}

fn owner_columns(owner: Owner) -> (Option<i64>, Option<i64>) {
    match owner {
        Owner::Lesson { course, lesson } => (Some(course.0), Some(lesson.0)),
        Owner::Course(c) => (Some(c.0), None),
        Owner::School => (None, None),
    }
}

pub(crate) struct NewRow<'a> {
    pub school: SchoolId,
    pub owner: Owner,
    pub purpose: Purpose,
    pub name: &'a str,
    pub storage_key: &'a str,
    /// The size the client announced (counted against the quota while it uploads).
    pub declared: u64,
    pub created_by: UserId,
}

/// The `uploading` row, before any byte is stored.
pub(crate) async fn insert_uploading(db: &Db, n: NewRow<'_>) -> sqlx::Result<i64> {
    let (course, lesson) = owner_ids(n.owner);
    let now = db.now_ms();
    sqlx::query_scalar(
        "INSERT INTO files (school_id, course_id, lesson_id, purpose, name, content_type, size, widths, storage_key, state, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, '', $6, '', $7, 'uploading', $8, $9, $9) RETURNING id",
    )
    .bind(n.school.0)
    .bind(course)
    .bind(lesson)
    .bind(n.purpose.as_str())
    .bind(n.name)
    .bind(n.declared as i64)
    .bind(n.storage_key)
    .bind(n.created_by.0)
    .bind(now)
    .fetch_one(&db.pool)
    .await
}

/// The upload is whole: the row becomes `ready`; for a single-purpose file the one it
/// replaces is marked for deletion in the same transaction, so an owner never has two.
pub(crate) struct Ready<'a> {
    pub file_id: i64,
    /// The display name, its extension now matching the bytes.
    pub name: &'a str,
    pub school: SchoolId,
    pub owner: Owner,
    pub purpose: Purpose,
    pub content_type: &'a str,
    pub size: u64,
    pub widths: &'a [u32],
}

pub(crate) async fn mark_ready(db: &Db, r: Ready<'_>) -> sqlx::Result<()> {
    let Ready {
        file_id,
        name,
        school,
        owner,
        purpose,
        content_type,
        size,
        widths,
    } = r;
    let mut tx = db.pool.begin().await?;
    if purpose.single() {
        let replaced = same_owner(&mut tx, school, owner, purpose, file_id).await?;
        mark_deleting(&mut tx, school, &replaced).await?;
    }
    let widths = widths
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    sqlx::query(
        "UPDATE files SET state = 'ready', content_type = $1, size = $2, widths = $3, updated_at = $4, name = $7
         WHERE id = $5 AND school_id = $6 AND state = 'uploading'",
    )
    .bind(content_type)
    .bind(size as i64)
    .bind(widths)
    .bind(db.now_ms())
    .bind(file_id)
    .bind(school.0)
    .bind(name)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    if let (Some(c), _) = owner_columns(owner) {
        // A cover or a lesson's file is on the course's pages at once.
        db.viewers.forget(crate::db::viewers::Scope::Course(c));
    }
    Ok(())
}

async fn same_owner(
    conn: &mut AnyConnection,
    school: SchoolId,
    owner: Owner,
    purpose: Purpose,
    except: i64,
) -> sqlx::Result<Vec<i64>> {
    let (course, lesson) = owner_keys(owner);
    sqlx::query_scalar(
        "SELECT id FROM files WHERE school_id = $1 AND purpose = $2 AND state = 'ready' AND id <> $3
         AND COALESCE(course_id, 0) = $4 AND COALESCE(lesson_id, 0) = $5",
    )
    .bind(school.0)
    .bind(purpose.as_str())
    .bind(except)
    .bind(course)
    .bind(lesson)
    .fetch_all(&mut *conn)
    .await
}

/// Removes an upload's row that never stored an object (refused or interrupted early).
pub(crate) async fn delete_row(db: &Db, school: SchoolId, file_id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM files WHERE id = $1 AND school_id = $2")
        .bind(file_id)
        .bind(school.0)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

/// Marks rows `deleting` and queues one delete job per row, on the caller's connection
/// (inside its transaction: the owner and its files go together or not at all).
pub(crate) async fn mark_deleting(
    conn: &mut AnyConnection,
    school: SchoolId,
    ids: &[i64],
) -> sqlx::Result<()> {
    for id in ids {
        let changed = sqlx::query(
            "UPDATE files SET state = 'deleting', updated_at = $1 WHERE id = $2 AND school_id = $3 AND state <> 'deleting'",
        )
        .bind(crate::db::now_ms())
        .bind(id)
        .bind(school.0)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed > 0 {
            enqueue(
                conn,
                NewJob::of(&DeleteFile {
                    file_id: *id,
                    storage_key: None,
                    widths: Vec::new(),
                })
                .school(school.0)
                .dedupe(format!("files.delete:{id}")),
            )
            .await?;
        }
    }
    Ok(())
}

/// One file is going with its owner (a deleted discussion post), in the owner's
/// transaction.
pub async fn forget_file(conn: &mut AnyConnection, school: SchoolId, id: i64) -> sqlx::Result<()> {
    mark_deleting(conn, school, &[id]).await
}

async fn ids_where(
    conn: &mut AnyConnection,
    school: SchoolId,
    clause: &str,
    id: Option<i64>,
) -> sqlx::Result<Vec<i64>> {
    let sql = format!("SELECT id FROM files WHERE school_id = $1 AND state <> 'deleting' {clause}");
    let q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(school.0);
    match id {
        Some(id) => q.bind(id).fetch_all(&mut *conn).await,
        None => q.fetch_all(&mut *conn).await,
    }
}

/// A lesson is being deleted: its files go too (in the lesson's transaction).
pub async fn forget_lesson(
    conn: &mut AnyConnection,
    school: SchoolId,
    lesson: LessonId,
) -> sqlx::Result<()> {
    let ids = ids_where(conn, school, "AND lesson_id = $2", Some(lesson.0)).await?;
    mark_deleting(conn, school, &ids).await
}

/// A course is being deleted: its cover and every lesson's files go too.
pub async fn forget_course(
    conn: &mut AnyConnection,
    school: SchoolId,
    course: CourseId,
) -> sqlx::Result<()> {
    let ids = ids_where(conn, school, "AND course_id = $2", Some(course.0)).await?;
    mark_deleting(conn, school, &ids).await
}

/// A school is being deleted: every file of it goes. Its rows go with the school (and so
/// would jobs that name it), so each job carries its objects' key and is the platform's.
pub async fn forget_school(conn: &mut AnyConnection, school: SchoolId) -> sqlx::Result<()> {
    let rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, storage_key, widths FROM files WHERE school_id = $1")
            .bind(school.0)
            .fetch_all(&mut *conn)
            .await?;
    for (id, key, widths) in rows {
        enqueue(
            conn,
            NewJob::of(&DeleteFile {
                file_id: id,
                storage_key: Some(key),
                widths: widths.split(',').filter_map(|w| w.parse().ok()).collect(),
            })
            .dedupe(format!("files.delete:{id}:school")),
        )
        .await?;
    }
    sqlx::query("UPDATE files SET state = 'deleting' WHERE school_id = $1")
        .bind(school.0)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn by_id(db: &Db, school: SchoolId, id: i64) -> sqlx::Result<Option<StoredFile>> {
    let sql =
        format!("SELECT {COLUMNS} FROM files WHERE id = $1 AND school_id = $2 AND state = 'ready'");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(school.0)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

/// A row in any state, by id alone: for the delete job, which runs for any school.
pub(crate) async fn any_state(db: &Db, id: i64) -> sqlx::Result<Option<(StoredFile, String)>> {
    let sql = format!("SELECT {COLUMNS}, state FROM files WHERE id = $1");
    let Some(r) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some((from_row(&r)?, r.try_get("state")?)))
}

pub(crate) async fn remove_deleted(db: &Db, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM files WHERE id = $1 AND state = 'deleting'")
        .bind(id)
        .execute(&db.pool)
        .await
        .map(|_| ())
}

pub(crate) async fn of_lesson(
    db: &Db,
    school: SchoolId,
    lesson: LessonId,
) -> sqlx::Result<Vec<StoredFile>> {
    ready_lesson_files(db, school, "lesson_id", lesson.0).await
}

/// The ready files of all of a course's lessons, oldest first.
pub(crate) async fn of_course_lessons(
    db: &Db,
    school: SchoolId,
    course: CourseId,
) -> sqlx::Result<Vec<StoredFile>> {
    ready_lesson_files(db, school, "course_id", course.0).await
}

/// Ready lesson files whose `column` (`lesson_id` or `course_id`) is `id`, oldest first.
async fn ready_lesson_files(
    db: &Db,
    school: SchoolId,
    column: &'static str,
    id: i64,
) -> sqlx::Result<Vec<StoredFile>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM files
         WHERE school_id = $1 AND {column} = $2 AND lesson_id IS NOT NULL AND state = 'ready' ORDER BY id"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(school.0)
        .bind(id)
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

pub(crate) async fn current(
    db: &Db,
    school: SchoolId,
    owner: Owner,
    purpose: Purpose,
) -> sqlx::Result<Option<StoredFile>> {
    let (course, lesson) = owner_keys(owner);
    let sql = format!(
        "SELECT {COLUMNS} FROM files WHERE school_id = $1 AND purpose = $2 AND state = 'ready'
         AND COALESCE(course_id, 0) = $3 AND COALESCE(lesson_id, 0) = $4
         ORDER BY id DESC LIMIT 1"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(school.0)
        .bind(purpose.as_str())
        .bind(course)
        .bind(lesson)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| from_row(&r))
        .transpose()
}

pub(crate) async fn current_for_courses(
    db: &Db,
    school: SchoolId,
    purpose: Purpose,
    courses: &[CourseId],
) -> sqlx::Result<Vec<(CourseId, StoredFile)>> {
    if courses.is_empty() {
        return Ok(Vec::new());
    }
    // Ids are numbers we hold, not input: safe to list in the statement.
    let list = courses
        .iter()
        .map(|c| c.0.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let sql = format!(
        "SELECT {COLUMNS} FROM files WHERE school_id = $1 AND purpose = $2 AND state = 'ready'
         AND lesson_id IS NULL AND course_id IN ({list}) ORDER BY id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(school.0)
        .bind(purpose.as_str())
        .fetch_all(&db.pool)
        .await?;
    let mut out: Vec<(CourseId, StoredFile)> = Vec::new();
    for r in &rows {
        let f = from_row(r)?;
        if let Some(c) = f.course_id {
            // Later ids win: the newest ready one.
            out.retain(|(k, _)| *k != c);
            out.push((c, f));
        }
    }
    Ok(out)
}

/// Bytes the school holds or is uploading (what counts against its quota).
pub async fn usage(db: &Db, school: SchoolId) -> sqlx::Result<u64> {
    let used: Option<i64> = sqlx::query_scalar(
        "SELECT CAST(SUM(size) AS BIGINT) FROM files WHERE school_id = $1 AND state <> 'deleting'",
    )
    .bind(school.0)
    .fetch_one(&db.pool)
    .await?;
    Ok(used.unwrap_or(0).max(0) as u64)
}

/// The school's storage quota in bytes; `None`: no limit.
pub async fn quota(db: &Db, school: SchoolId) -> sqlx::Result<Option<u64>> {
    let q: Option<i64> =
        sqlx::query_scalar("SELECT max_bytes FROM storage_quotas WHERE school_id = $1")
            .bind(school.0)
            .fetch_optional(&db.pool)
            .await?;
    Ok(q.map(|b| b.max(0) as u64))
}

/// Sets (or, with `None`, lifts) the school's storage quota.
pub async fn set_quota(db: &Db, school: SchoolId, max_bytes: Option<u64>) -> sqlx::Result<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query("DELETE FROM storage_quotas WHERE school_id = $1")
        .bind(school.0)
        .execute(&mut *tx)
        .await?;
    if let Some(b) = max_bytes {
        sqlx::query("INSERT INTO storage_quotas (school_id, max_bytes) VALUES ($1, $2)")
            .bind(school.0)
            .bind(b as i64)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// Uploads that stopped before this instant without finishing (a crash, a killed
/// process): the sweep deletes them.
pub(crate) async fn stale_uploads(db: &Db, before: i64) -> sqlx::Result<Vec<(SchoolId, i64)>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT school_id, id FROM files WHERE state = 'uploading' AND updated_at < $1",
    )
    .bind(before)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|(s, id)| (SchoolId(s), id)).collect())
}

/// Discussion attachments uploaded before this instant that no post names (the member
/// uploaded and never posted): the sweep deletes them. The one statement here that
/// reads a table of `discussions`, whose posts name their attachment.
pub(crate) async fn unattached_discussion_files(
    db: &Db,
    before: i64,
) -> sqlx::Result<Vec<(SchoolId, i64)>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT f.school_id, f.id FROM files f
         WHERE f.purpose = 'discussion' AND f.state = 'ready' AND f.created_at < $1
           AND NOT EXISTS (SELECT 1 FROM discussion_posts p WHERE p.attachment_file_id = f.id)",
    )
    .bind(before)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(|(s, id)| (SchoolId(s), id)).collect())
}

/// Whether any row (in any state) names this storage key.
pub(crate) async fn key_known(db: &Db, key: &str) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM files WHERE storage_key = $1")
        .bind(key)
        .fetch_one(&db.pool)
        .await?;
    Ok(n > 0)
}

/// Whether the lesson has a ready file of `purpose` (a video lesson's upload decides how
/// it completes).
pub(crate) async fn lesson_has(
    db: &Db,
    school: SchoolId,
    lesson: LessonId,
    purpose: Purpose,
) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM files WHERE school_id = $1 AND lesson_id = $2 AND purpose = $3 AND state = 'ready'",
    )
    .bind(school.0)
    .bind(lesson.0)
    .bind(purpose.as_str())
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}
