//! The font set: bundled Noto fonts plus whatever the system has, the coverage of each face,
//! and the fallback order used by the layout.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustybuzz::ttf_parser;

use crate::text;

const NOTO_SANS_REGULAR: &[u8] = include_bytes!("../fonts/NotoSans-Regular.ttf");
const NOTO_SANS_BOLD: &[u8] = include_bytes!("../fonts/NotoSans-Bold.ttf");
const NOTO_SANS_ARABIC: &[u8] = include_bytes!("../fonts/NotoSansArabic-Regular.ttf");
const NOTO_SANS_ARABIC_BOLD: &[u8] = include_bytes!("../fonts/NotoSansArabic-Bold.ttf");
const NOTO_SANS_HEBREW: &[u8] = include_bytes!("../fonts/NotoSansHebrew-Regular.ttf");
const NOTO_SANS_HEBREW_BOLD: &[u8] = include_bytes!("../fonts/NotoSansHebrew-Bold.ttf");
/// Bundled faces: the regular ones, then the bold ones.
const BUNDLED: [(&[u8], &str); 6] = [
    (NOTO_SANS_REGULAR, "Noto Sans Regular (bundled)"),
    (NOTO_SANS_ARABIC, "Noto Sans Arabic Regular (bundled)"),
    (NOTO_SANS_HEBREW, "Noto Sans Hebrew Regular (bundled)"),
    (NOTO_SANS_BOLD, "Noto Sans Bold (bundled)"),
    (NOTO_SANS_ARABIC_BOLD, "Noto Sans Arabic Bold (bundled)"),
    (NOTO_SANS_HEBREW_BOLD, "Noto Sans Hebrew Bold (bundled)"),
];

/// Font files larger than this are not read (no real text font comes close; a bigger file
/// is more likely a mistake than a font).
const MAX_FONT_FILE: u64 = 128 * 1024 * 1024;
/// How deep `Fonts::load` descends below each directory it is given.
const MAX_DEPTH: usize = 12;

/// The character that no available font has a glyph for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no available font has a glyph for U+{:04X} ({ch:?})", u32::from(*ch))]
pub struct Uncovered {
    pub ch: char,
}

/// A set of fonts, loaded and parsed once. Cloning is cheap (the fonts are shared).
///
/// The order matters: for each piece of text the first font that has glyphs for all of its
/// characters draws it. The bundled fonts come first (Noto Sans, Noto Sans Arabic, Noto Sans
/// Hebrew), then system fonts, preferring upright proportional sans faces of the wanted
/// weight; bold text falls back to regular faces and the other way round. A system face is
/// kept only if it covers characters that the faces before it do not (so of a family of CJK
/// collections one regular and one bold face are kept, and memory stays bounded).
#[derive(Clone)]
pub struct Fonts(Arc<Inner>);

pub(crate) struct Inner {
    pub(crate) faces: Vec<Face>,
    /// Fallback order for regular text (indices into `faces`).
    pub(crate) regular: Vec<usize>,
    /// Fallback order for bold text.
    pub(crate) bold: Vec<usize>,
    union: Coverage,
}

pub(crate) struct Face {
    bytes: Bytes,
    pub(crate) index: u32,
    pub(crate) krilla: krilla::text::Font,
    pub(crate) coverage: Coverage,
    pub(crate) name: String,
}

#[derive(Clone)]
enum Bytes {
    Static(&'static [u8]),
    Shared(Arc<Vec<u8>>),
}

impl Bytes {
    fn as_slice(&self) -> &[u8] {
        match self {
            Bytes::Static(b) => b,
            Bytes::Shared(b) => b.as_slice(),
        }
    }

    fn to_krilla(&self) -> krilla::Data {
        match self {
            Bytes::Static(b) => krilla::Data::from(*b),
            Bytes::Shared(b) => krilla::Data::from(b.clone()),
        }
    }
}

impl Face {
    pub(crate) fn data(&self) -> &[u8] {
        self.bytes.as_slice()
    }

    fn new(bytes: Bytes, index: u32, name: String, coverage: Coverage) -> Option<Face> {
        let krilla = krilla::text::Font::new(bytes.to_krilla(), index)?;
        Some(Face {
            bytes,
            index,
            krilla,
            coverage,
            name,
        })
    }
}

/// The code points a face maps to a glyph: sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Default, Clone)]
pub(crate) struct Coverage(Vec<(u32, u32)>);

impl Coverage {
    fn of(face: &ttf_parser::Face<'_>) -> Coverage {
        // A format 12 subtable lists its ranges directly: read them (a CJK face maps some
        // 65,000 code points; walking them one by one is slow in debug builds).
        if let Some(ranges) = face
            .raw_face()
            .table(ttf_parser::Tag::from_bytes(b"cmap"))
            .and_then(format12_ranges)
        {
            return Coverage::from_sorted(ranges);
        }
        let mut cps = Vec::new();
        if let Some(cmap) = face.tables().cmap {
            for sub in cmap.subtables {
                if sub.is_unicode() {
                    sub.codepoints(|cp| cps.push(cp));
                }
            }
        }
        cps.sort_unstable();
        cps.dedup();
        Coverage::from_sorted(cps.into_iter().map(|cp| (cp, cp)).collect())
    }

    /// From ranges sorted by start: merge overlapping and adjacent ones.
    fn from_sorted(ranges: Vec<(u32, u32)>) -> Coverage {
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match out.last_mut() {
                Some((_, h)) if lo <= h.saturating_add(1) => *h = (*h).max(hi),
                _ => out.push((lo, hi)),
            }
        }
        Coverage(out)
    }

    pub(crate) fn contains(&self, c: char) -> bool {
        let c = u32::from(c);
        let i = self.0.partition_point(|&(lo, _)| lo <= c);
        i > 0 && self.0[i - 1].1 >= c
    }

    /// Whether every code point of `other` is in `self`.
    fn includes(&self, other: &Coverage) -> bool {
        other.0.iter().all(|&(lo, hi)| {
            let i = self.0.partition_point(|&(l, _)| l <= lo);
            i > 0 && self.0[i - 1].1 >= hi
        })
    }

    fn merge(&mut self, other: &Coverage) {
        let mut all: Vec<(u32, u32)> = self.0.iter().chain(other.0.iter()).copied().collect();
        all.sort_unstable();
        *self = Coverage::from_sorted(all);
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The code point ranges of the cmap's Unicode format 12 subtable (platform 0, or platform 3
/// encoding 10), sorted by start; `None` without one or if it is malformed.
fn format12_ranges(cmap: &[u8]) -> Option<Vec<(u32, u32)>> {
    let u16_at = |o: usize| Some(u16::from_be_bytes(cmap.get(o..o + 2)?.try_into().ok()?));
    let u32_at = |o: usize| Some(u32::from_be_bytes(cmap.get(o..o + 4)?.try_into().ok()?));
    let tables = u16_at(2)? as usize;
    for t in 0..tables {
        let rec = 4 + t * 8;
        let (platform, encoding) = (u16_at(rec)?, u16_at(rec + 2)?);
        let offset = u32_at(rec + 4)? as usize;
        if !(platform == 0 || (platform == 3 && encoding == 10)) || u16_at(offset)? != 12 {
            continue;
        }
        let groups = u32_at(offset + 12)? as usize;
        if cmap.len() < offset + 16 + groups.checked_mul(12)? {
            return None;
        }
        let mut ranges = Vec::with_capacity(groups);
        for g in 0..groups {
            let at = offset + 16 + g * 12;
            let (lo, hi) = (u32_at(at)?, u32_at(at + 4)?);
            if lo <= hi && hi <= 0x10FFFF {
                ranges.push((lo, hi));
            }
        }
        ranges.sort_unstable();
        return Some(ranges);
    }
    None
}

/// A face found on disk, before deciding whether to keep it.
struct Candidate {
    path: PathBuf,
    index: u32,
    italic: bool,
    weight: u16,
    monospaced: bool,
    sans: bool,
    name: String,
    coverage: Coverage,
}

impl Candidate {
    /// Sort key when looking for faces of weight `target`: lower is preferred.
    fn rank(&self, target: u16) -> (bool, u16, bool, bool) {
        (
            self.italic,
            self.weight.abs_diff(target),
            self.monospaced,
            !self.sans,
        )
    }

    /// Read the file (again: scanning keeps no font data) and make the face.
    fn load(&self, cache: &mut Option<(PathBuf, Arc<Vec<u8>>)>) -> Option<Face> {
        let data = match cache {
            Some((p, d)) if *p == self.path => d.clone(),
            _ => {
                let d = Arc::new(std::fs::read(&self.path).ok()?);
                *cache = Some((self.path.clone(), d.clone()));
                d
            }
        };
        // The file may have changed since it was scanned: take the coverage again.
        let coverage = Coverage::of(&ttf_parser::Face::parse(&data, self.index).ok()?);
        let name = format!("{} ({}#{})", self.name, self.path.display(), self.index);
        Face::new(Bytes::Shared(data), self.index, name, coverage)
    }
}

impl Fonts {
    /// The bundled fonts (compiled in) plus every `.ttf`/`.otf`/`.ttc`/`.otc` file found,
    /// recursively, in `dirs`. Files or faces that fail to parse, faces whose licence flags
    /// forbid embedding, and faces that add no character the earlier ones lack are skipped.
    ///
    /// This reads every font file under `dirs` once (kept faces twice): call it once at start-up
    /// and share the result.
    pub fn load(dirs: &[PathBuf]) -> Fonts {
        let mut faces = Vec::new();
        let mut union = Coverage::default();
        for (bytes, name) in BUNDLED {
            let parsed = ttf_parser::Face::parse(bytes, 0).expect("bundled font parses");
            let coverage = Coverage::of(&parsed);
            union.merge(&coverage);
            faces.push(
                Face::new(Bytes::Static(bytes), 0, name.to_string(), coverage)
                    .expect("bundled font loads"),
            );
        }

        let mut files = Vec::new();
        for dir in dirs {
            walk(dir, 0, &mut files);
        }
        files.sort();
        files.dedup();
        let mut candidates = Vec::new();
        for path in files {
            let Ok(data) = std::fs::read(&path) else {
                continue;
            };
            candidates.extend(scan(&path, &data));
        }

        // Regular faces, then bold ones, each kept when it adds characters to the bundled
        // faces and the system faces of its pass kept before it.
        let bundled = union.clone();
        let mut cache: Option<(PathBuf, Arc<Vec<u8>>)> = None;
        let mut system = [Vec::new(), Vec::new()];
        for (pass, target) in [(0, 400), (1, 700)] {
            let mut pool: Vec<&Candidate> = candidates
                .iter()
                .filter(|c| pass == 0 || c.weight >= 600)
                .collect();
            pool.sort_by_key(|c| (c.rank(target), &c.path, c.index));
            let mut seen = bundled.clone();
            for c in pool {
                if c.coverage.is_empty() || seen.includes(&c.coverage) {
                    continue;
                }
                if let Some(face) = c.load(&mut cache) {
                    seen.merge(&face.coverage);
                    system[pass].push(faces.len());
                    faces.push(face);
                }
            }
            union.merge(&seen);
        }

        let [sys_regular, sys_bold] = system;
        let regular = [0, 1, 2]
            .iter()
            .chain(&sys_regular)
            .chain(&[3, 4, 5])
            .chain(&sys_bold);
        let bold = [3, 4, 5]
            .iter()
            .chain(&sys_bold)
            .chain(&[0, 1, 2])
            .chain(&sys_regular);
        Fonts(Arc::new(Inner {
            regular: regular.copied().collect(),
            bold: bold.copied().collect(),
            faces,
            union,
        }))
    }

    /// `Ok` if every character of `text` that needs a glyph has one in some font, after the same
    /// clean-up `render` applies (control characters dropped, white space collapsed, invisible
    /// formatting characters such as ZWJ or bidi marks need no glyph). Otherwise the first
    /// character without one.
    pub fn check(&self, text: &str) -> Result<(), Uncovered> {
        for c in text::sanitize(text).chars() {
            if text::needs_glyph(c) && !self.0.union.contains(c) {
                return Err(Uncovered { ch: c });
            }
        }
        Ok(())
    }

    /// The loaded faces (regular text's fallback order), for logs and diagnostics.
    pub fn describe(&self) -> Vec<String> {
        self.0
            .regular
            .iter()
            .map(|&i| self.0.faces[i].name.clone())
            .collect()
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.0
    }
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts")
            .field("faces", &self.describe())
            .finish()
    }
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            walk(&path, depth + 1, out);
        } else if is_font_file(&path) {
            // Files and symlinks to files; symlinked directories are not followed (no loops).
            if std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() <= MAX_FONT_FILE) {
                out.push(path);
            }
        }
    }
}

fn is_font_file(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["ttf", "otf", "ttc", "otc"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

fn scan(path: &Path, data: &[u8]) -> Vec<Candidate> {
    let count = ttf_parser::fonts_in_collection(data).unwrap_or(1);
    let mut out = Vec::new();
    for index in 0..count.min(64) {
        let Ok(face) = ttf_parser::Face::parse(data, index) else {
            continue;
        };
        if matches!(
            face.permissions(),
            Some(ttf_parser::Permissions::Restricted)
        ) {
            continue;
        }
        let name = family_name(&face).unwrap_or_else(|| "unnamed".to_string());
        if name == "LastResort" {
            continue;
        }
        out.push(Candidate {
            path: path.to_path_buf(),
            index,
            italic: face.is_italic() || face.is_oblique(),
            weight: face.weight().to_number(),
            monospaced: face.is_monospaced() || name.contains("Mono"),
            sans: name.contains("Sans"),
            coverage: Coverage::of(&face),
            name,
        });
    }
    out
}

fn family_name(face: &ttf_parser::Face<'_>) -> Option<String> {
    let names = face.names();
    for id in [
        ttf_parser::name_id::TYPOGRAPHIC_FAMILY,
        ttf_parser::name_id::FAMILY,
    ] {
        if let Some(n) = names
            .into_iter()
            .filter(|n| n.name_id == id && n.is_unicode())
            .find_map(|n| n.to_string())
        {
            return Some(n);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_ranges() {
        let mut a = Coverage(vec![(10, 20), (30, 30)]);
        assert!(a.contains('\u{a}'));
        assert!(a.contains('\u{14}'));
        assert!(!a.contains('\u{15}'));
        assert!(a.contains('\u{1e}'));
        assert!(!a.contains('\u{9}'));
        assert!(a.includes(&Coverage(vec![(12, 15), (30, 30)])));
        assert!(!a.includes(&Coverage(vec![(12, 21)])));
        assert!(a.includes(&Coverage(vec![])));
        a.merge(&Coverage(vec![(21, 29), (40, 41)]));
        assert_eq!(a.0, vec![(10, 30), (40, 41)]);
    }

    #[test]
    fn bundled_fonts_cover_latin_greek_cyrillic_arabic_hebrew() {
        let fonts = Fonts::load(&[]);
        for s in [
            "Zoë Łukasiewicz-Ångström",
            "Αλέξανδρος Παπαδόπουλος",
            "Анна Каренина",
            "محمد عبد الله",
            "דוד בן גוריון",
        ] {
            assert_eq!(fonts.check(s), Ok(()), "{s}");
        }
        // A format 12 subtable (3, 10) with two groups, read directly.
        let mut cmap: Vec<u8> = vec![0, 0, 0, 1, 0, 3, 0, 10, 0, 0, 0, 12];
        cmap.extend([0, 12, 0, 0, 0, 0, 0, 40, 0, 0, 0, 0, 0, 0, 0, 2]);
        for (lo, hi, gid) in [(0x4E00u32, 0x4E05u32, 30u32), (0x41, 0x5A, 1)] {
            for v in [lo, hi, gid] {
                cmap.extend(v.to_be_bytes());
            }
        }
        assert_eq!(
            format12_ranges(&cmap),
            Some(vec![(0x41, 0x5A), (0x4E00, 0x4E05)])
        );
        assert_eq!(format12_ranges(&cmap[..cmap.len() - 1]), None);
        // Noto Sans has no format 12 subtable: its format 4 one is walked.
        let face = ttf_parser::Face::parse(NOTO_SANS_REGULAR, 0).unwrap();
        let cmap = face
            .raw_face()
            .table(ttf_parser::Tag::from_bytes(b"cmap"))
            .unwrap();
        assert_eq!(format12_ranges(cmap), None);
        assert!(Coverage::of(&face).contains('Ж'));
        assert_eq!(
            fonts.check("a\u{10FFFD}"),
            Err(Uncovered { ch: '\u{10FFFD}' })
        );
        // Control and bidi formatting characters are dropped or need no glyph.
        assert_eq!(fonts.check("a\u{0}\u{1b}\u{202e}b\u{200d}\u{200f}"), Ok(()));
    }
}
