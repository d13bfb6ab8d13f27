//! Uploaded files: lesson videos, documents and attachments, course covers, the school's
//! logo and favicon. The bytes live in object storage (a local directory, or an
//! S3-compatible bucket that several instances share: [`storage`]); the `files` table
//! (owned here, SQL in [`store`]) says whose each object is, what it is and whether it is
//! ready. Capabilities above (`courses`, `schools`) decide who may upload and read; this
//! module receives a stream ([`upload`]), decides the type from the bytes ([`sniff`],
//! [`images`]), serves downloads with ranges and conditional requests or a presigned
//! redirect ([`serve`]), and deletes by retried jobs ([`jobs`]).
//!
//! Storage keys are ours (`<school>/<random>`); a file's name is only its display name.

pub mod images;
pub mod jobs;
pub mod routes;
pub mod serve;
pub mod sniff;
pub mod storage;
pub(crate) mod store;
pub mod upload;

use std::sync::Arc;

use crate::config::Config;
use crate::db::{CourseId, Db, LessonId, SchoolId, UserId};

pub use serve::Disposition;
pub use storage::Storage;
pub use store::{
    forget_course, forget_file, forget_lesson, forget_school, quota, set_quota, usage,
};
pub use upload::{Incoming, UploadError};

/// What a file is for; decides its size limit, the types it accepts and who reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// A video lesson's video (one per lesson).
    Video,
    /// A document lesson's document (one per lesson).
    Document,
    /// Any lesson's extra files (slides, worksheets).
    Attachment,
    /// A course's cover image (one per course), kept in several widths.
    Cover,
    /// The school's logo (one), public.
    Logo,
    /// The school's favicon (one), public.
    Favicon,
    /// A file or image attached to a discussion post (owned by the course; the post
    /// names it). Images among them are re-encoded; other files are stored as sent.
    Discussion,
}

impl Purpose {
    pub const ALL: [Purpose; 7] = [
        Purpose::Video,
        Purpose::Document,
        Purpose::Attachment,
        Purpose::Cover,
        Purpose::Logo,
        Purpose::Favicon,
        Purpose::Discussion,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Video => "video",
            Purpose::Document => "document",
            Purpose::Attachment => "attachment",
            Purpose::Cover => "cover",
            Purpose::Logo => "logo",
            Purpose::Favicon => "favicon",
            Purpose::Discussion => "discussion",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// At most one ready file of this purpose per owner: a new one replaces the old.
    pub fn single(self) -> bool {
        !matches!(self, Purpose::Attachment | Purpose::Discussion)
    }

    /// Readable by anyone on the school's host (the catalogue and the header show them).
    pub fn public(self) -> bool {
        matches!(self, Purpose::Cover | Purpose::Logo | Purpose::Favicon)
    }

    /// Decoded and re-encoded rather than stored as sent (a discussion attachment is
    /// too when its bytes are an image: [`Purpose::reencodes_images`]).
    pub fn is_image(self) -> bool {
        matches!(self, Purpose::Cover | Purpose::Logo | Purpose::Favicon)
    }

    /// Takes any accepted file, but one whose bytes are an image is re-encoded like a
    /// cover: what it shows inline on a page must carry nothing else.
    pub fn reencodes_images(self) -> bool {
        self == Purpose::Discussion
    }

    /// The largest upload accepted, in bytes.
    pub fn limit(self, limits: &Limits) -> u64 {
        match self {
            Purpose::Video => limits.video,
            Purpose::Document | Purpose::Attachment => limits.file,
            Purpose::Cover => limits.image,
            Purpose::Logo | Purpose::Favicon => limits.logo,
            Purpose::Discussion => limits.discussion,
        }
    }
}

/// Objects under this prefix are a school's export archives (`export`), named by its
/// `exports` table and swept by it: the orphan sweep here leaves them alone.
pub const EXPORTS_PREFIX: &str = "exports/";

/// Upload limits in bytes (configuration: `LECTERN_UPLOAD_MAX_*`).
pub type Limits = crate::config::UploadLimits;

/// Whose a file is: a lesson's, a course's or the school's own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    Lesson { course: CourseId, lesson: LessonId },
    Course(CourseId),
    School,
}

/// A row of `files`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    pub id: i64,
    pub school_id: SchoolId,
    pub course_id: Option<CourseId>,
    pub lesson_id: Option<LessonId>,
    pub purpose: Purpose,
    /// The uploader's file name, sanitised: shown and offered as the download's name.
    pub name: String,
    pub content_type: String,
    pub size: u64,
    /// Widths kept besides the original (covers), in pixels, ascending.
    pub widths: Vec<u32>,
    pub storage_key: String,
    pub created_by: Option<UserId>,
    pub created_at: i64,
}

impl StoredFile {
    /// The path a browser fetches a public file (logo, favicon, cover) from, on the
    /// school's own host; `width` picks a kept width of a cover.
    pub fn media_path(&self, width: Option<u32>) -> String {
        match width {
            Some(w) => format!("/media/{}/w{w}", self.id),
            None => format!("/media/{}/{}", self.id, self.name),
        }
    }

    /// `srcset` for a cover: each kept width.
    pub fn srcset(&self) -> String {
        self.widths
            .iter()
            .map(|w| format!("{} {w}w", self.media_path(Some(*w))))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn size_in_words(&self) -> String {
        in_words(self.size)
    }

    /// The size as the reader's language writes it ("83,3 KiB"); see [`in_words_for`].
    pub fn size_for(&self, tr: &crate::i18n::Tr) -> String {
        in_words_for(self.size, tr)
    }

    pub fn is_pdf(&self) -> bool {
        self.content_type == "application/pdf"
    }

    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }

    pub fn is_video(&self) -> bool {
        self.content_type.starts_with("video/")
    }
}

/// A byte count as people read it ("2 GiB", "83.3 KiB"), the same in every language: for
/// logs, the command line and the API's error texts. Pages and mails use [`in_words_for`].
pub fn in_words(bytes: u64) -> String {
    // "64 KiB", not "64.0 KiB".
    bytesize::ByteSize::b(bytes)
        .display()
        .iec()
        .to_string()
        .replace(".0 ", " ")
}

/// A byte count in the reader's language: its decimal sign and its units
/// (`formats.ftl`: `file-size`, `file-size-unit-0` … `-6`): "83.3 KiB", "83,3 KiB",
/// "83,3 Kio" (French writes octets). Binary units with one decimal, "64 KiB" without a
/// useless ".0", as [`in_words`].
pub fn in_words_for(bytes: u64, tr: &crate::i18n::Tr) -> String {
    let mut unit = 0;
    let mut value = bytes as f64;
    while value >= 1024.0 && unit < 6 {
        value /= 1024.0;
        unit += 1;
    }
    let number = if unit == 0 {
        bytes.to_string()
    } else {
        let plain = format!("{value:.1}");
        match plain.split_once('.') {
            Some((int, "0")) | Some((int, "")) => int.to_string(),
            Some((int, frac)) => format!("{int}{}{frac}", tr.t("number-decimal-separator")),
            None => plain,
        }
    };
    tr.ta(
        "file-size",
        &[
            ("number", number),
            ("unit", tr.t(&format!("file-size-unit-{unit}"))),
        ],
    )
}

/// Files: the storage, the pool and the limits (cheap to clone).
#[derive(Clone)]
pub struct Files {
    pub db: Db,
    pub storage: Arc<Storage>,
    pub limits: Limits,
    /// How long a presigned download URL stays valid.
    pub presign_ttl: std::time::Duration,
}

impl Files {
    pub fn new(config: &Config, db: Db) -> anyhow::Result<Files> {
        let s = &config.storage;
        Ok(Files {
            db,
            storage: Arc::new(Storage::open(s)?),
            limits: s.limits,
            presign_ttl: std::time::Duration::from_secs(s.presign_ttl_secs),
        })
    }

    /// One file of the school by id, in any state.
    pub async fn get(&self, school: SchoolId, id: i64) -> sqlx::Result<Option<StoredFile>> {
        store::by_id(&self.db, school, id).await
    }

    /// A lesson's ready files, oldest first.
    pub async fn of_lesson(
        &self,
        school: SchoolId,
        lesson: LessonId,
    ) -> sqlx::Result<Vec<StoredFile>> {
        store::of_lesson(&self.db, school, lesson).await
    }

    /// The ready files of every lesson of a course, oldest first (the course's shared copy).
    pub async fn of_course_lessons(
        &self,
        school: SchoolId,
        course: CourseId,
    ) -> sqlx::Result<Vec<StoredFile>> {
        store::of_course_lessons(&self.db, school, course).await
    }

    /// The ready file of a single purpose (a course's cover, the school's logo).
    pub async fn current(
        &self,
        school: SchoolId,
        owner: Owner,
        purpose: Purpose,
    ) -> sqlx::Result<Option<StoredFile>> {
        store::current(&self.db, school, owner, purpose).await
    }

    /// The ready file of a single purpose for each of these courses (covers), one query.
    pub async fn current_for_courses(
        &self,
        school: SchoolId,
        purpose: Purpose,
        courses: &[CourseId],
    ) -> sqlx::Result<Vec<(CourseId, StoredFile)>> {
        store::current_for_courses(&self.db, school, purpose, courses).await
    }

    /// A small file's bytes (a logo for a certificate); `None` when larger than `max`.
    pub async fn read_small(&self, file: &StoredFile, max: u64) -> anyhow::Result<Option<Vec<u8>>> {
        if file.size > max {
            return Ok(None);
        }
        let path = object_store::path::Path::from(file.storage_key.as_str());
        let bytes = object_store::ObjectStoreExt::get(self.storage.store().as_ref(), &path)
            .await?
            .bytes()
            .await?;
        Ok(Some(bytes.to_vec()))
    }

    /// Deletes one file now: its row is marked and a job removes the objects.
    pub async fn delete(&self, file: &StoredFile) -> sqlx::Result<()> {
        let mut tx = self.db.pool.begin().await?;
        store::mark_deleting(&mut tx, file.school_id, &[file.id]).await?;
        tx.commit().await?;
        if let Some(c) = file.course_id {
            // A cover or a lesson's file leaves the course's pages at once.
            self.db
                .viewers
                .forget(crate::db::viewers::Scope::Course(c.0));
        }
        Ok(())
    }
}

#[cfg(test)]
mod size_tests {
    use super::{in_words, in_words_for};
    use crate::i18n::Tr;

    #[test]
    fn sizes_use_the_readers_decimal_sign_and_units() {
        let size = 85_300; // 83.3 KiB
        assert_eq!(in_words_for(size, &Tr::new("en-US")), "83.3 KiB");
        assert_eq!(in_words_for(size, &Tr::new("de")), "83,3 KiB");
        assert_eq!(in_words_for(size, &Tr::new("es")), "83,3 KiB");
        assert_eq!(in_words_for(size, &Tr::new("fr")), "83,3\u{a0}Kio");
        assert_eq!(in_words_for(64 * 1024, &Tr::new("de")), "64 KiB");
        assert_eq!(in_words_for(500, &Tr::new("fr")), "500\u{a0}o");
        assert_eq!(in_words_for(5 << 30, &Tr::new("es")), "5 GiB");
        assert_eq!(in_words_for(1_500_000, &Tr::new("de")), "1,4 MiB");
        // The language-neutral form for logs and the API stays as it was.
        assert_eq!(in_words(size), "83.3 KiB");
    }

    #[test]
    fn english_sizes_read_as_the_neutral_form() {
        let en = Tr::new("en-US");
        for bytes in [
            0,
            1,
            999,
            1023,
            1024,
            1536,
            85_300,
            1 << 20,
            10_000_000,
            3 << 30,
            u64::MAX / 3,
        ] {
            assert_eq!(in_words_for(bytes, &en), in_words(bytes), "{bytes} bytes");
        }
    }
}
