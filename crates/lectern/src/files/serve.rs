//! Downloads. From S3 the answer is a redirect to a short-lived presigned URL (the bytes
//! don't pass through us); from a local directory we serve them ourselves, with single
//! byte ranges (a video's seeking), `ETag` / `Last-Modified` and conditional requests.
//! Every answer names its type and disposition; the security headers layer adds
//! `nosniff`, and the `ServedFile` marker gives files their own (script-less) policy.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStoreExt};

use super::upload::variant_key;
use super::{Files, StoredFile};
use crate::web::headers::ServedFile;

/// Whether the browser shows the file or saves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    Inline,
    Attachment,
}

/// Types a browser may show inline: they cannot run script in our origin.
fn inline_safe(content_type: &str) -> bool {
    content_type == "application/pdf"
        || content_type.starts_with("video/")
        || content_type.starts_with("audio/")
        || matches!(
            content_type,
            "image/png" | "image/jpeg" | "image/webp" | "image/gif"
        )
}

/// How a file of this type is offered when nothing else is asked for.
pub fn default_disposition(content_type: &str) -> Disposition {
    if inline_safe(content_type) {
        Disposition::Inline
    } else {
        Disposition::Attachment
    }
}

/// `Content-Disposition` with an ASCII fallback and the UTF-8 name (RFC 6266, RFC 8187).
pub fn content_disposition(d: Disposition, name: &str) -> String {
    let kind = match d {
        Disposition::Inline => "inline",
        Disposition::Attachment => "attachment",
    };
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC);
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("not found")]
    NotFound,
    #[error("storage: {0}")]
    Storage(#[from] object_store::Error),
    #[error("presign: {0}")]
    Presign(#[from] anyhow::Error),
    #[error("reading the file: {0}")]
    Io(std::io::Error),
}

impl Files {
    /// The answer to a GET of `file` (or one kept `width` of a cover).
    pub async fn respond(
        &self,
        file: &StoredFile,
        width: Option<u32>,
        req: &HeaderMap,
        wanted: Disposition,
        public: bool,
    ) -> Result<Response, ServeError> {
        let width = width.filter(|w| file.widths.last() != Some(w));
        if let Some(w) = width
            && !file.widths.contains(&w)
        {
            return Err(ServeError::NotFound);
        }
        let disposition = if inline_safe(&file.content_type) {
            wanted
        } else {
            Disposition::Attachment
        };
        let cd = content_disposition(disposition, &file.name);
        let key = variant_key(&file.storage_key, width);
        let cache = if public {
            // A new logo or cover is a new file with a new URL.
            "public, max-age=31536000, immutable"
        } else {
            "private, no-cache"
        };
        if let Some(url) = self
            .storage
            .presign_get(&key, self.presign_ttl, &file.content_type, &cd)
            .await?
        {
            let mut resp = (
                StatusCode::TEMPORARY_REDIRECT,
                [(header::LOCATION, url.to_string())],
            )
                .into_response();
            // The URL expires: neither we nor a cache may keep it.
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            resp.headers_mut().insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            return Ok(resp);
        }
        let store = self.storage.store();
        let path = Path::from(key);
        let meta = match store.head(&path).await {
            Ok(m) => m,
            Err(object_store::Error::NotFound { .. }) => return Err(ServeError::NotFound),
            Err(e) => return Err(e.into()),
        };
        let etag = format!(
            "\"{}\"",
            meta.e_tag
                .as_deref()
                .unwrap_or(&file.storage_key)
                .trim_matches('"')
        );
        // Whole seconds: what an HTTP date can say.
        let modified_secs = meta.last_modified.timestamp().max(0) as u64;
        let last_modified = httpdate::fmt_http_date(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(modified_secs),
        );
        let mut h = HeaderMap::new();
        h.insert(header::ETAG, hv(&etag));
        h.insert(header::LAST_MODIFIED, hv(&last_modified));
        h.insert(header::CACHE_CONTROL, hv(cache));
        h.insert(header::CONTENT_TYPE, hv(&file.content_type));
        h.insert(header::CONTENT_DISPOSITION, hv(&cd));
        h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        let marker = ServedFile {
            sandbox: file.content_type != "application/pdf",
        };
        if not_modified(req, &etag, modified_secs) {
            let mut resp = (StatusCode::NOT_MODIFIED, h).into_response();
            resp.extensions_mut().insert(marker);
            return Ok(resp);
        }
        let size = meta.size;
        let range = requested_range(req, &etag, &last_modified, size);
        let (status, get_range) = match range {
            Range::Whole => (StatusCode::OK, None),
            Range::Part(start, end) => {
                h.insert(
                    header::CONTENT_RANGE,
                    hv(&format!("bytes {start}-{end}/{size}")),
                );
                (StatusCode::PARTIAL_CONTENT, Some(start..end + 1))
            }
            Range::Unsatisfiable => {
                h.insert(header::CONTENT_RANGE, hv(&format!("bytes */{size}")));
                let mut resp = (StatusCode::RANGE_NOT_SATISFIABLE, h).into_response();
                resp.extensions_mut().insert(marker);
                return Ok(resp);
            }
        };
        let len = get_range.as_ref().map_or(size, |r| r.end - r.start);
        h.insert(header::CONTENT_LENGTH, hv(&len.to_string()));
        let body = match self.storage.local_file(path.as_ref()) {
            Some(file) => {
                let start = get_range.as_ref().map_or(0, |r| r.start);
                local_body(&file, start, len).await?
            }
            None => {
                let opts = GetOptions {
                    range: get_range.map(GetRange::Bounded),
                    ..Default::default()
                };
                let got = store.get_opts(&path, opts).await?;
                Body::from_stream(got.into_stream().map(|r| r.map_err(std::io::Error::other)))
            }
        };
        let mut resp = (status, h, body).into_response();
        resp.extensions_mut().insert(marker);
        Ok(resp)
    }
}

/// Reads a local file's `len` bytes from `start` in 256 KiB chunks.
async fn local_body(file: &std::path::Path, start: u64, len: u64) -> Result<Body, ServeError> {
    use tokio::io::{AsyncReadExt, AsyncSeekExt};
    const CHUNK: usize = 256 * 1024;
    let mut f = match tokio::fs::File::open(file).await {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(ServeError::NotFound),
        Err(e) => return Err(ServeError::Io(e)),
    };
    f.seek(std::io::SeekFrom::Start(start))
        .await
        .map_err(ServeError::Io)?;
    let reader = f.take(len);
    let stream = futures_util::stream::try_unfold(reader, |mut r| async move {
        let mut buf = vec![0u8; CHUNK];
        let n = r.read(&mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.truncate(n);
        Ok::<_, std::io::Error>(Some((axum::body::Bytes::from(buf), r)))
    });
    Ok(Body::from_stream(stream))
}

fn hv(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `If-None-Match` (which wins when present) or `If-Modified-Since` says the client's copy
/// is current.
fn not_modified(req: &HeaderMap, etag: &str, modified_secs: u64) -> bool {
    if let Some(inm) = req.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) {
        return inm
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == etag);
    }
    if let Some(ims) = req
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| httpdate::parse_http_date(v).ok())
    {
        let since_secs = ims
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        return modified_secs <= since_secs;
    }
    false
}

enum Range {
    Whole,
    /// Inclusive first and last byte.
    Part(u64, u64),
    Unsatisfiable,
}

/// One byte range, honoured when `If-Range` (if sent) still names this version. Several
/// ranges get the whole file (allowed, and no player asks for more than one).
fn requested_range(req: &HeaderMap, etag: &str, last_modified: &str, size: u64) -> Range {
    let Some(raw) = req.get(header::RANGE).and_then(|v| v.to_str().ok()) else {
        return Range::Whole;
    };
    if let Some(if_range) = req.get(header::IF_RANGE).and_then(|v| v.to_str().ok())
        && if_range != etag
        && if_range != last_modified
    {
        return Range::Whole;
    }
    match http_range_header::parse_range_header(raw).map(|r| r.validate(size)) {
        Ok(Ok(ranges)) if ranges.len() == 1 => {
            let r = &ranges[0];
            Range::Part(*r.start(), *r.end())
        }
        Ok(Ok(_)) => Range::Whole,
        Ok(Err(_)) => Range::Unsatisfiable,
        // A header we can't parse is ignored, as RFC 9110 allows.
        Err(_) => Range::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispositions_carry_an_ascii_fallback_and_the_utf8_name() {
        assert_eq!(
            content_disposition(Disposition::Attachment, "Übung 1.pdf"),
            "attachment; filename=\"_bung 1.pdf\"; filename*=UTF-8''%C3%9Cbung%201%2Epdf"
        );
        assert!(
            content_disposition(Disposition::Inline, "a\"b.pdf")
                .starts_with("inline; filename=\"a_b.pdf\"")
        );
    }

    #[test]
    fn only_types_that_cannot_script_are_shown_inline() {
        for t in ["application/pdf", "video/mp4", "image/png", "audio/mpeg"] {
            assert!(inline_safe(t), "{t}");
        }
        for t in [
            "text/plain; charset=utf-8",
            "application/zip",
            "image/svg+xml",
            "text/html",
            "application/msword",
        ] {
            assert!(!inline_safe(t), "{t}");
        }
    }

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn ranges_first_middle_last_and_beyond() {
        let r = |v: &str| requested_range(&headers(&[(header::RANGE, v)]), "\"e\"", "d", 1000);
        assert!(matches!(r("bytes=0-99"), Range::Part(0, 99)));
        assert!(matches!(r("bytes=500-599"), Range::Part(500, 599)));
        assert!(matches!(r("bytes=-100"), Range::Part(900, 999)));
        assert!(matches!(r("bytes=900-"), Range::Part(900, 999)));
        assert!(matches!(r("bytes=1000-1100"), Range::Unsatisfiable));
        assert!(matches!(r("bytes=0-1,5-6"), Range::Whole));
        let stale = headers(&[(header::RANGE, "bytes=0-1"), (header::IF_RANGE, "\"old\"")]);
        assert!(matches!(
            requested_range(&stale, "\"e\"", "d", 1000),
            Range::Whole
        ));
    }
}
