//! A file's type from its first bytes (magic numbers, through the `infer` crate), never
//! from its name or the browser's claim: a renamed program stays a program.

use super::Purpose;

/// How many leading bytes are read before deciding (OOXML and ODF name their parts near
/// the start of the zip).
pub const SNIFF_BYTES: usize = 64 * 1024;

/// What the bytes are, as far as we accept them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Video(&'static str),
    Audio(&'static str),
    Pdf,
    Office(&'static str),
    Image(&'static str),
    Zip,
    /// UTF-8 text with no NUL bytes (CSV, notes): served as a download only.
    Text,
}

impl Kind {
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Video(m) | Kind::Audio(m) | Kind::Office(m) | Kind::Image(m) => m,
            Kind::Pdf => "application/pdf",
            Kind::Zip => "application/zip",
            Kind::Text => "text/plain; charset=utf-8",
        }
    }
}

/// Why bytes were refused, with the purpose whose accepted types the message names
/// ([`Refused::message`] in the uploader's language, `Display` in English).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    #[error("{}", self.message(&crate::i18n::Tr::default()))]
    Markup(Purpose),
    #[error("{}", self.message(&crate::i18n::Tr::default()))]
    Executable(Purpose),
    #[error("{}", self.message(&crate::i18n::Tr::default()))]
    Other(Purpose),
}

impl Refused {
    /// What the uploader reads, in `tr`'s language: why, then what to upload instead.
    pub fn message(&self, tr: &crate::i18n::Tr) -> String {
        let (key, purpose) = match self {
            Refused::Markup(p) => ("upload-refused-markup", p),
            Refused::Executable(p) => ("upload-refused-executable", p),
            Refused::Other(p) => ("upload-refused-other", p),
        };
        tr.ta(
            key,
            &[
                ("take", tr.t(accepted(*purpose))),
                ("expected", expected(*purpose).to_string()),
            ],
        )
    }
}

/// What `purpose` expected, as `upload-refused-executable` names it ("a program, not a
/// video"): a lesson's video, a document lesson's document, an image, or any file.
fn expected(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Video => "video",
        Purpose::Document => "document",
        Purpose::Cover | Purpose::Logo | Purpose::Favicon => "image",
        Purpose::Attachment | Purpose::Discussion => "file",
    }
}

/// The Fluent key of what `purpose` takes ("upload a PNG, JPEG, WebP or GIF image.").
fn accepted(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::Video => "upload-accepts-video",
        Purpose::Document => "upload-accepts-document",
        Purpose::Attachment | Purpose::Discussion => "upload-accepts-any",
        Purpose::Cover | Purpose::Logo | Purpose::Favicon => "upload-accepts-image",
    }
}

/// Decides what `head` (the first [`SNIFF_BYTES`] or the whole file) is, for `purpose`.
pub fn sniff(purpose: Purpose, head: &[u8], complete: bool) -> Result<Kind, Refused> {
    let kind = match classify(head, complete) {
        Classified::Known(k) => k,
        Classified::Markup => return Err(Refused::Markup(purpose)),
        Classified::Executable => return Err(Refused::Executable(purpose)),
        Classified::Unknown => return Err(Refused::Other(purpose)),
    };
    let ok = match purpose {
        Purpose::Video => matches!(kind, Kind::Video(_)),
        Purpose::Document => matches!(kind, Kind::Pdf | Kind::Office(_) | Kind::Text),
        Purpose::Attachment | Purpose::Discussion => true,
        Purpose::Cover | Purpose::Logo | Purpose::Favicon => matches!(kind, Kind::Image(_)),
    };
    if ok {
        Ok(kind)
    } else {
        Err(Refused::Other(purpose))
    }
}

enum Classified {
    Known(Kind),
    Markup,
    Executable,
    Unknown,
}

fn classify(head: &[u8], complete: bool) -> Classified {
    if let Some(t) = infer::get(head) {
        use infer::MatcherType as M;
        let mime = t.mime_type();
        if let Some(m) = office(mime) {
            return Classified::Known(Kind::Office(m));
        }
        // Office Open XML is a zip whose parts say what it is; `infer` looks only at the
        // first entry's name, which many writers make `[Content_Types].xml`.
        if mime == "application/zip"
            && let Some(m) = ooxml(head)
        {
            return Classified::Known(Kind::Office(m));
        }
        return match (t.matcher_type(), mime) {
            (M::Video, "video/mp4" | "video/x-m4v") => Classified::Known(Kind::Video("video/mp4")),
            (M::Video, "video/webm") => Classified::Known(Kind::Video("video/webm")),
            (M::Audio, "audio/mpeg") => Classified::Known(Kind::Audio("audio/mpeg")),
            (M::Audio, "audio/m4a" | "audio/x-m4a") => Classified::Known(Kind::Audio("audio/mp4")),
            (M::Audio, "audio/ogg") => Classified::Known(Kind::Audio("audio/ogg")),
            (M::Audio, "audio/x-wav") => Classified::Known(Kind::Audio("audio/wav")),
            (_, "application/pdf") => Classified::Known(Kind::Pdf),
            (M::Image, "image/png") => Classified::Known(Kind::Image("image/png")),
            (M::Image, "image/jpeg") => Classified::Known(Kind::Image("image/jpeg")),
            (M::Image, "image/webp") => Classified::Known(Kind::Image("image/webp")),
            (M::Image, "image/gif") => Classified::Known(Kind::Image("image/gif")),
            (M::Archive, "application/zip") => Classified::Known(Kind::Zip),
            (M::App, _) | (M::Text, "text/x-shellscript") => Classified::Executable,
            (M::Text, _) => Classified::Markup,
            _ => Classified::Unknown,
        };
    }
    if looks_like_markup(head) {
        return Classified::Markup;
    }
    if head.starts_with(b"#!") {
        return Classified::Executable;
    }
    if is_text(head, complete) {
        return Classified::Known(Kind::Text);
    }
    Classified::Unknown
}

/// The Office Open XML type of a zip, from the names of the entries in its first bytes
/// (each local entry header: `PK\x03\x04`, the name's length at byte 26, the name at 30).
fn ooxml(head: &[u8]) -> Option<&'static str> {
    let mut i = 0;
    while i + 30 <= head.len() {
        if &head[i..i + 4] == b"PK\x03\x04" {
            let len = u16::from_le_bytes([head[i + 26], head[i + 27]]) as usize;
            if let Some(name) = head.get(i + 30..i + 30 + len) {
                let found = if name.starts_with(b"word/") {
                    Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
                } else if name.starts_with(b"ppt/") {
                    Some(
                        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                    )
                } else if name.starts_with(b"xl/") {
                    Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
                } else {
                    None
                };
                if found.is_some() {
                    return found;
                }
            }
            i += 30;
        } else {
            i += 1;
        }
    }
    None
}

/// The Office and OpenDocument types we accept, by the type `infer` reports.
fn office(mime: &str) -> Option<&'static str> {
    const OFFICE: &[&str] = &[
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "application/rtf",
    ];
    OFFICE.iter().find(|m| **m == mime).copied()
}

fn looks_like_markup(head: &[u8]) -> bool {
    let text = head
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(head)
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(256)
        .map(|b| b.to_ascii_lowercase())
        .collect::<Vec<u8>>();
    text.starts_with(b"<")
}

/// UTF-8 without NUL bytes; a head cut mid-character (not the whole file) still counts.
fn is_text(head: &[u8], complete: bool) -> bool {
    if head.is_empty() || head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => !complete && e.error_len().is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";
    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";
    const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";
    const WEBM: &[u8] = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08\x42\x82\x84webm";

    /// Real files are longer than their signature; matchers look a few hundred bytes in.
    fn padded(head: &[u8]) -> Vec<u8> {
        let mut v = head.to_vec();
        v.resize(512, 0);
        v
    }

    #[test]
    fn types_come_from_bytes() {
        assert_eq!(sniff(Purpose::Document, PDF, false), Ok(Kind::Pdf));
        assert_eq!(
            sniff(Purpose::Logo, PNG, false),
            Ok(Kind::Image("image/png"))
        );
        assert_eq!(
            sniff(Purpose::Video, &padded(WEBM), false),
            Ok(Kind::Video("video/webm"))
        );
        assert_eq!(
            sniff(Purpose::Document, b"name,score\nada,9\n", true),
            Ok(Kind::Text)
        );
    }

    #[test]
    fn programs_and_markup_are_refused_whatever_the_purpose() {
        for p in Purpose::ALL {
            assert!(
                matches!(sniff(p, &padded(ELF), false), Err(Refused::Executable(_))),
                "{p:?}"
            );
            assert!(
                matches!(sniff(p, &padded(EXE), false), Err(Refused::Executable(_))),
                "{p:?}"
            );
            assert!(
                matches!(
                    sniff(p, b"#!/bin/sh\nrm -rf /\n", true),
                    Err(Refused::Executable(_))
                ),
                "{p:?}"
            );
            let svg = b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
            assert!(
                matches!(sniff(p, svg, true), Err(Refused::Markup(_))),
                "{p:?}"
            );
            assert!(
                matches!(
                    sniff(p, b"  <!doctype html><script>x</script>", true),
                    Err(Refused::Markup(_))
                ),
                "{p:?}"
            );
        }
    }

    /// A program is refused as not what its uploader expected (on the video uploader:
    /// not a video, never "not a document"), in every language.
    #[test]
    fn a_refused_program_is_named_against_what_was_expected() {
        for (lang, video, image, document) in [
            ("en-US", "not a video", "not an image", "not a document"),
            ("de", "kein Video", "kein Bild", "kein Dokument"),
            ("es", "no un vídeo", "no una imagen", "no un documento"),
            ("fr", "pas une vidéo", "pas une image", "pas un document"),
        ] {
            let tr = crate::i18n::Tr::new(lang);
            let said = |p: Purpose| Refused::Executable(p).message(&tr);
            assert!(
                said(Purpose::Video).contains(video),
                "{lang}: {}",
                said(Purpose::Video)
            );
            assert!(said(Purpose::Document).contains(document), "{lang}");
            for p in [Purpose::Cover, Purpose::Logo, Purpose::Favicon] {
                assert!(said(p).contains(image), "{lang} {p:?}: {}", said(p));
            }
            for p in [
                Purpose::Video,
                Purpose::Cover,
                Purpose::Logo,
                Purpose::Favicon,
                Purpose::Attachment,
                Purpose::Discussion,
            ] {
                assert!(!said(p).contains(document), "{lang} {p:?}: {}", said(p));
            }
        }
    }

    #[test]
    fn a_purpose_takes_only_its_types() {
        assert!(sniff(Purpose::Video, PDF, false).is_err());
        assert!(sniff(Purpose::Logo, PDF, false).is_err());
        assert!(sniff(Purpose::Document, PNG, false).is_err());
        assert_eq!(
            sniff(Purpose::Attachment, PNG, false),
            Ok(Kind::Image("image/png"))
        );
        assert!(sniff(Purpose::Document, b"\0\x01\x02binary", true).is_err());
    }

    /// A zip with these entries, stored (not compressed), as Office writers make them.
    fn zip(names: &[&str]) -> Vec<u8> {
        let mut v = Vec::new();
        for n in names {
            v.extend_from_slice(b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\x02\0\0\0\x02\0\0\0");
            v.extend_from_slice(&(n.len() as u16).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes());
            v.extend_from_slice(n.as_bytes());
            v.extend_from_slice(b"{}");
        }
        v
    }

    #[test]
    fn office_files_whose_first_entry_is_the_content_types_are_office_files() {
        let docx = zip(&[
            "[Content_Types].xml",
            "_rels/.rels",
            "docProps/core.xml",
            "word/document.xml",
        ]);
        assert_eq!(
            sniff(Purpose::Document, &docx, true),
            Ok(Kind::Office(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            ))
        );
        let pptx = zip(&["[Content_Types].xml", "_rels/.rels", "ppt/presentation.xml"]);
        assert!(
            matches!(sniff(Purpose::Document, &pptx, true), Ok(Kind::Office(m)) if m.contains("presentationml"))
        );
        // A zip that is not an Office file is an attachment, not a document.
        let other = zip(&["notes.txt", "data/a.csv"]);
        assert!(sniff(Purpose::Document, &other, true).is_err());
        assert_eq!(sniff(Purpose::Attachment, &other, true), Ok(Kind::Zip));
    }

    #[test]
    fn a_head_cut_inside_a_character_is_still_text() {
        let mut s = "Grüße, ".repeat(3).into_bytes();
        s.push(0xC3);
        assert_eq!(sniff(Purpose::Document, &s, false), Ok(Kind::Text));
        assert!(sniff(Purpose::Document, &s, true).is_err());
    }
}
