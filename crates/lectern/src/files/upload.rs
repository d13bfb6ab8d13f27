//! Receiving an upload: the limit and the quota before a byte is read, the type from the
//! first bytes, then the body streamed to storage in parts (memory stays flat however
//! large the file), and the row made `ready` only when the object is whole. Whatever
//! goes wrong, nothing is left behind: the partial object is aborted and the row removed
//! (or, if storage cannot even be asked, left `uploading` for the sweep).

use axum::body::Body;
use futures_util::StreamExt;
use object_store::path::Path;
use object_store::{
    ObjectStore, ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload, WriteMultipart,
};

use super::images::{self, Encoded};
use super::sniff::{self, Kind, SNIFF_BYTES};
use super::store::{self, NewRow};
use super::{Files, Owner, Purpose, StoredFile, in_words_for};
use crate::db::{SchoolId, UserId};
use crate::i18n::Tr;

/// Parts of this size go to storage one by one; at most [`IN_FLIGHT`] at a time.
const PART: usize = 8 << 20;
const IN_FLIGHT: usize = 2;

/// What an upload says about itself, besides its bytes.
pub struct Incoming {
    pub school: SchoolId,
    pub owner: Owner,
    pub purpose: Purpose,
    /// The uploader's file name (display only; sanitised here).
    pub name: String,
    /// `Content-Length`, when the client sent one.
    pub declared: Option<u64>,
    pub user: UserId,
}

impl Incoming {
    /// An upload as the editor's widget sends it: the file as the body, its name in
    /// `X-File-Name` (percent-encoded: header values are ASCII), its length when known.
    pub fn from_headers(
        school: SchoolId,
        owner: Owner,
        purpose: Purpose,
        user: UserId,
        headers: &axum::http::HeaderMap,
    ) -> Incoming {
        let name = headers
            .get("x-file-name")
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                percent_encoding::percent_decode_str(v)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .unwrap_or_default();
        let declared = headers
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        Incoming {
            school,
            owner,
            purpose,
            name,
            declared,
            user,
        }
    }
}

/// Why an upload was not stored; each says what to do, in words: [`UploadError::message`]
/// in the uploader's language, `Display` in English (logs, the command line).
#[derive(Debug)]
pub enum UploadError {
    /// `size`: the announced length, or `None` when the body passed the limit while it
    /// streamed (its whole size is unknown).
    TooLarge {
        size: Option<u64>,
        purpose: Purpose,
        limit: u64,
    },
    QuotaFull {
        used: u64,
        quota: u64,
        need: u64,
    },
    Refused(sniff::Refused),
    Image(images::ImageError),
    Empty,
    Interrupted,
    Storage(object_store::Error),
    Db(sqlx::Error),
}

impl UploadError {
    /// What the uploader reads, in `tr`'s language (`uploads.ftl`).
    pub fn message(&self, tr: &Tr) -> String {
        let size = |bytes: u64| in_words_for(bytes, tr);
        match self {
            UploadError::TooLarge {
                size: sent,
                purpose,
                limit,
            } => tr.ta(
                "upload-error-too-large",
                &[
                    (
                        "size",
                        match sent {
                            Some(s) => size(*s),
                            None => tr.t1("upload-error-size-over", "limit", size(*limit)),
                        },
                    ),
                    ("purpose", what(*purpose).to_string()),
                    ("limit", size(*limit)),
                ],
            ),
            UploadError::QuotaFull { used, quota, need } => tr.ta(
                "upload-error-quota",
                &[
                    ("used", size(*used)),
                    ("quota", size(*quota)),
                    ("need", size(*need)),
                ],
            ),
            UploadError::Refused(r) => r.message(tr),
            UploadError::Image(e) => e.message(tr),
            UploadError::Empty => tr.t("upload-error-empty"),
            UploadError::Interrupted => tr.t("upload-error-interrupted"),
            UploadError::Storage(_) => tr.t("upload-error-storage"),
            UploadError::Db(e) => e.to_string(),
        }
    }
}

impl std::fmt::Display for UploadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(&Tr::default()))
    }
}

impl std::error::Error for UploadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            UploadError::Refused(e) => Some(e),
            UploadError::Image(e) => Some(e),
            UploadError::Storage(e) => Some(e),
            UploadError::Db(e) => Some(e),
            _ => None,
        }
    }
}

impl From<sniff::Refused> for UploadError {
    fn from(e: sniff::Refused) -> Self {
        UploadError::Refused(e)
    }
}

impl From<images::ImageError> for UploadError {
    fn from(e: images::ImageError) -> Self {
        UploadError::Image(e)
    }
}

impl From<sqlx::Error> for UploadError {
    fn from(e: sqlx::Error) -> Self {
        UploadError::Db(e)
    }
}

/// The `$purpose` the size message chooses its noun by ("videos", "cover images").
fn what(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Video => "video",
        Purpose::Document | Purpose::Attachment | Purpose::Discussion => "file",
        Purpose::Cover => "cover",
        Purpose::Logo => "logo",
        Purpose::Favicon => "favicon",
    }
}

/// A display name: no path, no control or bidi-override characters, at most 120
/// characters; "file" when nothing is left.
pub fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let cleaned: String = base
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .map(|c| if matches!(c, '"' | '<' | '>' | ':' | '*' | '?' | '|') { '_' } else { c })
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    let name: String = trimmed.chars().take(120).collect();
    if name.is_empty() { "file".into() } else { name }
}

fn too_large(purpose: Purpose, size: Option<u64>, limit: u64) -> UploadError {
    UploadError::TooLarge {
        size,
        purpose,
        limit,
    }
}

impl Files {
    /// Stores `body` as a file of `inc.owner`. The caller has decided the uploader may.
    ///
    /// Runs as its own task: when the client goes away the request's future may be
    /// dropped, but the clean-up after the broken body must still happen.
    pub async fn receive(&self, inc: Incoming, body: Body) -> Result<StoredFile, UploadError> {
        let this = self.clone();
        match tokio::spawn(async move { this.receive_here(inc, body).await }).await {
            Ok(r) => r,
            Err(_) => Err(UploadError::Interrupted),
        }
    }

    async fn receive_here(&self, inc: Incoming, body: Body) -> Result<StoredFile, UploadError> {
        let limit = inc.purpose.limit(&self.limits);
        if let Some(n) = inc.declared {
            if n > limit {
                return Err(too_large(inc.purpose, Some(n), limit));
            }
            if n == 0 {
                return Err(UploadError::Empty);
            }
        }
        let room = self.room(inc.school, inc.declared.unwrap_or(0)).await?;
        let name = clean_name(&inc.name);
        let key = format!("{}/{}", inc.school.0, uuid::Uuid::new_v4().simple());
        let id = store::insert_uploading(
            &self.db,
            NewRow {
                school: inc.school,
                owner: inc.owner,
                purpose: inc.purpose,
                name: &name,
                storage_key: &key,
                declared: inc.declared.unwrap_or(0),
                created_by: inc.user,
            },
        )
        .await?;
        let cap = limit.min(room.unwrap_or(u64::MAX));
        // A discussion attachment is an image or not by its first bytes: peek at them
        // and hand the whole body on to the one path or the other.
        let (as_image, body) = if inc.purpose.reencodes_images() {
            match peek(body).await {
                Ok((head, body)) => (
                    matches!(sniff::sniff(inc.purpose, &head, false), Ok(Kind::Image(_))),
                    body,
                ),
                Err(e) => {
                    store::delete_row(&self.db, inc.school, id).await?;
                    return Err(e);
                }
            }
        } else {
            (inc.purpose.is_image(), body)
        };
        let stored = if as_image {
            self.store_image(&inc, &key, body, limit).await
        } else {
            self.stream(&inc, &key, body, limit, cap).await
        };
        let (kind_mime, size, widths) = match stored {
            Ok(v) => v,
            Err(e) => {
                // A streamed upload becomes an object only when it completes, so a
                // failed one left none: the row goes. Images are stored object by
                // object; if storage is down even for removing those, the row stays
                // `uploading` and the sweep finishes the job.
                let clean = match &e {
                    UploadError::Storage(_) if as_image => self
                        .remove_objects(&key, &images::COVER_WIDTHS)
                        .await
                        .is_ok(),
                    _ => true,
                };
                if clean {
                    store::delete_row(&self.db, inc.school, id).await?;
                }
                return Err(e);
            }
        };
        if let Some(quota_left) = room
            && size > quota_left
        {
            // No length was announced and the file outgrew what was left.
            let _ = self.remove_objects(&key, &widths).await;
            store::delete_row(&self.db, inc.school, id).await?;
            return Err(self.quota_full(inc.school, size).await?);
        }
        store::mark_ready(
            &self.db,
            store::Ready {
                file_id: id,
                name: &with_extension(&name, kind_mime),
                school: inc.school,
                owner: inc.owner,
                purpose: inc.purpose,
                content_type: kind_mime,
                size,
                widths: &widths,
            },
        )
        .await?;
        Ok(store::by_id(&self.db, inc.school, id)
            .await?
            .ok_or(sqlx::Error::RowNotFound)?)
    }

    /// What is left of the school's quota (`None`: no quota), refusing `need` bytes that
    /// do not fit.
    async fn room(&self, school: SchoolId, need: u64) -> Result<Option<u64>, UploadError> {
        let Some(quota) = store::quota(&self.db, school).await? else {
            return Ok(None);
        };
        let used = store::usage(&self.db, school).await?;
        let left = quota.saturating_sub(used);
        if need > left {
            return Err(self.quota_full(school, need).await?);
        }
        Ok(Some(left))
    }

    async fn quota_full(&self, school: SchoolId, need: u64) -> sqlx::Result<UploadError> {
        let quota = store::quota(&self.db, school).await?.unwrap_or(0);
        let used = store::usage(&self.db, school).await?;
        Ok(UploadError::QuotaFull { used, quota, need })
    }

    /// Streams a non-image body to storage in parts. `cap` = the limit or, when smaller,
    /// what is left of the quota.
    async fn stream(
        &self,
        inc: &Incoming,
        key: &str,
        body: Body,
        limit: u64,
        cap: u64,
    ) -> Result<(&'static str, u64, Vec<u32>), UploadError> {
        let mut chunks = body.into_data_stream();
        // The head decides the type before anything is stored.
        let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
        let mut ended = false;
        while head.len() < SNIFF_BYTES {
            match chunks.next().await {
                Some(Ok(c)) => head.extend_from_slice(&c),
                Some(Err(_)) => return Err(UploadError::Interrupted),
                None => {
                    ended = true;
                    break;
                }
            }
            if head.len() as u64 > cap {
                return Err(self.over(inc, head.len() as u64, limit, cap).await);
            }
        }
        if head.is_empty() {
            return Err(UploadError::Empty);
        }
        let kind: Kind = sniff::sniff(inc.purpose, &head, ended)?;
        let attributes = self.storage.attributes(
            kind.mime(),
            &super::serve::content_disposition(
                super::serve::default_disposition(kind.mime()),
                &clean_name(&inc.name),
            ),
        );
        let upload = self
            .storage
            .store()
            .put_multipart_opts(
                &Path::from(key),
                PutMultipartOptions {
                    attributes,
                    ..Default::default()
                },
            )
            .await
            .map_err(UploadError::Storage)?;
        let mut w = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut total = head.len() as u64;
        w.write(&head);
        drop(head);
        let outcome: Result<(), UploadError> = async {
            while let Some(chunk) = chunks.next().await {
                let chunk = chunk.map_err(|_| UploadError::Interrupted)?;
                total += chunk.len() as u64;
                if total > cap {
                    return Err(self.over(inc, total, limit, cap).await);
                }
                w.wait_for_capacity(IN_FLIGHT)
                    .await
                    .map_err(UploadError::Storage)?;
                w.put(chunk);
            }
            Ok(())
        }
        .await;
        match outcome {
            Ok(()) => {
                w.finish().await.map_err(UploadError::Storage)?;
                Ok((kind.mime(), total, Vec::new()))
            }
            Err(e) => {
                let _ = w.abort().await;
                Err(e)
            }
        }
    }

    /// The error for a body that passed `cap` while streaming.
    async fn over(&self, inc: &Incoming, seen: u64, limit: u64, cap: u64) -> UploadError {
        if cap < limit {
            self.quota_full(inc.school, seen)
                .await
                .unwrap_or_else(UploadError::Db)
        } else {
            too_large(inc.purpose, None, limit)
        }
    }

    /// Reads a (small) image whole, decodes and re-encodes it off the async threads, and
    /// stores each kept size.
    async fn store_image(
        &self,
        inc: &Incoming,
        key: &str,
        body: Body,
        limit: u64,
    ) -> Result<(&'static str, u64, Vec<u32>), UploadError> {
        let mut chunks = body.into_data_stream();
        let mut bytes = Vec::new();
        while let Some(c) = chunks.next().await {
            let c = c.map_err(|_| UploadError::Interrupted)?;
            bytes.extend_from_slice(&c);
            if bytes.len() as u64 > limit {
                return Err(too_large(inc.purpose, None, limit));
            }
        }
        if bytes.is_empty() {
            return Err(UploadError::Empty);
        }
        sniff::sniff(inc.purpose, &bytes[..bytes.len().min(SNIFF_BYTES)], true)?;
        let purpose = inc.purpose;
        let Encoded {
            objects,
            content_type,
            widths,
        } = tokio::task::spawn_blocking(move || images::reencode(purpose, &bytes))
            .await
            .map_err(|_| UploadError::Image(images::ImageError::Unreadable))??;
        let mut size = 0;
        let mut stored: Vec<u32> = Vec::new();
        for (width, data) in objects {
            size += data.len() as u64;
            let object = variant_key(key, width);
            let opts = PutOptions {
                attributes: self.storage.attributes(
                    content_type,
                    &super::serve::content_disposition(
                        super::serve::Disposition::Inline,
                        &clean_name(&inc.name),
                    ),
                ),
                ..Default::default()
            };
            if let Err(e) = self
                .storage
                .store()
                .put_opts(&Path::from(object), PutPayload::from(data), opts)
                .await
            {
                let _ = self.remove_objects(key, &stored).await;
                return Err(UploadError::Storage(e));
            }
            if let Some(w) = width {
                stored.push(w);
            }
        }
        Ok((content_type, size, widths))
    }

    /// Removes a file's objects (the main one and each width); a missing one is fine.
    pub(crate) async fn remove_objects(
        &self,
        key: &str,
        widths: &[u32],
    ) -> Result<(), object_store::Error> {
        let store = self.storage.store();
        for object in std::iter::once(key.to_string())
            .chain(widths.iter().map(|w| variant_key(key, Some(*w))))
        {
            match store.delete(&Path::from(object)).await {
                Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}

/// Reads the first [`SNIFF_BYTES`] (or the whole body, if shorter) and returns them with
/// a body that yields them again followed by the rest.
async fn peek(body: Body) -> Result<(Vec<u8>, Body), UploadError> {
    let mut chunks = body.into_data_stream();
    let mut head: Vec<u8> = Vec::with_capacity(SNIFF_BYTES);
    while head.len() < SNIFF_BYTES {
        match chunks.next().await {
            Some(Ok(c)) => head.extend_from_slice(&c),
            Some(Err(_)) => return Err(UploadError::Interrupted),
            None => break,
        }
    }
    let first = axum::body::Bytes::from(head.clone());
    let rest = futures_util::stream::once(async move { Ok::<_, axum::Error>(first) }).chain(chunks);
    Ok((head, Body::from_stream(rest)))
}

/// The name with an extension that says what the bytes are (a WebM named `clip.mp4`
/// downloads as `clip.webm`; a name without one gets one).
pub(crate) fn with_extension(name: &str, content_type: &str) -> String {
    let known: &[&str] = match content_type {
        "video/mp4" => &["mp4", "m4v"],
        "video/webm" => &["webm"],
        "audio/mpeg" => &["mp3"],
        "audio/mp4" => &["m4a"],
        "audio/ogg" => &["ogg", "oga", "opus"],
        "audio/wav" => &["wav"],
        "application/pdf" => &["pdf"],
        "image/png" => &["png"],
        "image/jpeg" => &["jpg", "jpeg"],
        "image/webp" => &["webp"],
        "image/gif" => &["gif"],
        "application/zip" => &["zip"],
        "application/msword" => &["doc"],
        "application/vnd.ms-excel" => &["xls"],
        "application/vnd.ms-powerpoint" => &["ppt"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => &["docx"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => &["xlsx"],
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => &["pptx"],
        "application/vnd.oasis.opendocument.text" => &["odt"],
        "application/vnd.oasis.opendocument.spreadsheet" => &["ods"],
        "application/vnd.oasis.opendocument.presentation" => &["odp"],
        "application/rtf" => &["rtf"],
        _ if content_type.starts_with("text/plain") => &["txt", "csv", "tsv", "md"],
        _ => return name.to_string(),
    };
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.len() <= 5 => (s, Some(e.to_ascii_lowercase())),
        _ => (name, None),
    };
    match ext {
        Some(e) if known.contains(&e.as_str()) => name.to_string(),
        _ => format!("{stem}.{}", known[0]),
    }
}

/// The object of one width of a cover (`None`: the main object).
pub(crate) fn variant_key(key: &str, width: Option<u32>) -> String {
    match width {
        Some(w) => format!("{key}.w{w}"),
        None => key.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::clean_name;

    /// The English messages read word for word as they did before they moved to
    /// `uploads.ftl` (the API's clients and the tests may match them); the other
    /// languages say the same in their own words and number formats.
    #[test]
    fn refusals_read_as_before_in_english_and_translated_elsewhere() {
        use super::{Purpose, UploadError as E};
        use crate::files::{images::ImageError, sniff::Refused};
        use crate::i18n::Tr;

        let cases: Vec<(E, &str)> = vec![
            (
                E::TooLarge {
                    size: Some(100_000),
                    purpose: Purpose::Document,
                    limit: 64 << 10,
                },
                "This file is 97.7 KiB; files can be at most 64 KiB.",
            ),
            (
                E::TooLarge {
                    size: None,
                    purpose: Purpose::Video,
                    limit: 2 << 30,
                },
                "This file is larger than 2 GiB; videos can be at most 2 GiB.",
            ),
            (
                E::TooLarge {
                    size: Some(3 << 20),
                    purpose: Purpose::Cover,
                    limit: 1 << 20,
                },
                "This file is 3 MiB; cover images can be at most 1 MiB.",
            ),
            (
                E::QuotaFull {
                    used: 2048,
                    quota: 3000,
                    need: 2100,
                },
                "Not enough storage left for this file: the school uses 2 KiB of its 2.9 KiB, and this file needs 2.1 KiB. Delete files that are no longer needed, or ask the platform's operator for more space.",
            ),
            (
                E::Refused(Refused::Executable(Purpose::Document)),
                "This file is a program, not a document; upload a PDF, a Word, Excel or PowerPoint file, an OpenDocument file or plain text.",
            ),
            (
                E::Refused(Refused::Executable(Purpose::Video)),
                "This file is a program, not a video; upload an MP4 or WebM video.",
            ),
            (
                E::Refused(Refused::Executable(Purpose::Attachment)),
                "This file is a program, and programs are not accepted here; upload a document, an image, a video, audio, a ZIP archive or plain text.",
            ),
            (
                E::Refused(Refused::Markup(Purpose::Logo)),
                "SVG and HTML files are not accepted here (they can carry scripts); upload a PNG, JPEG, WebP or GIF image.",
            ),
            (
                E::Refused(Refused::Other(Purpose::Attachment)),
                "This kind of file is not accepted here; upload a document, an image, a video, audio, a ZIP archive or plain text.",
            ),
            (
                E::Refused(Refused::Other(Purpose::Video)),
                "This kind of file is not accepted here; upload an MP4 or WebM video.",
            ),
            (
                E::Image(ImageError::Unreadable),
                "This image could not be read (it may be damaged, or larger than 12000 pixels on a side); upload a PNG, JPEG, WebP or GIF image.",
            ),
            (E::Empty, "The file is empty."),
            (
                E::Interrupted,
                "The upload was interrupted before the whole file arrived; nothing was stored. Try again.",
            ),
        ];
        for (e, english) in &cases {
            assert_eq!(e.to_string(), *english);
            assert_eq!(e.message(&Tr::new("en-US")), *english);
            for lang in ["de", "es", "fr"] {
                let theirs = e.message(&Tr::new(lang));
                assert_ne!(&theirs, english, "{lang}");
                assert!(!theirs.contains("upload-"), "{lang}: a key in {theirs}");
            }
        }
        assert_eq!(
            cases[0].0.message(&Tr::new("de")),
            "Diese Datei ist 97,7 KiB groß; Dateien dürfen höchstens 64 KiB groß sein."
        );
        assert_eq!(
            cases[1].0.message(&Tr::new("fr")),
            "Ce fichier fait plus de 2\u{a0}Gio\u{a0}; les vidéos peuvent faire au plus 2\u{a0}Gio."
        );
    }

    #[test]
    fn extensions_follow_the_bytes() {
        use super::with_extension as w;
        assert_eq!(w("clip.mp4", "video/webm"), "clip.webm");
        assert_eq!(w("passwd", "application/pdf"), "passwd.pdf");
        assert_eq!(
            w(
                "Slides.PPTX",
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            ),
            "Slides.PPTX"
        );
        assert_eq!(w("cover.png", "image/jpeg"), "cover.jpg");
        assert_eq!(w("scores.csv", "text/plain; charset=utf-8"), "scores.csv");
        assert_eq!(
            w("v1.2 notes", "text/plain; charset=utf-8"),
            "v1.2 notes.txt"
        );
    }

    #[test]
    fn names_are_display_only() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\Users\\ada\\Slides.pdf"), "Slides.pdf");
        assert_eq!(clean_name("evil\u{202E}fdp.exe"), "evilfdp.exe");
        assert_eq!(clean_name("a\"b<c>.pdf"), "a_b_c_.pdf");
        assert_eq!(clean_name("\n\t"), "file");
        assert_eq!(clean_name(".hidden"), "hidden");
        assert_eq!(clean_name(&"x".repeat(300)).chars().count(), 120);
    }
}
