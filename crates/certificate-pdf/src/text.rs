//! Text layout: clean-up, bidi, per-cluster font fallback, shaping, line breaking and fitting.
//!
//! krilla draws glyphs; it does not choose fonts or reorder right-to-left text. Here each
//! paragraph is split by the Unicode bidi algorithm into runs of one direction, each run into
//! pieces that one font covers entirely, each piece is shaped with rustybuzz (which joins
//! Arabic and places marks), and the widths of the shaped pieces measure lines.

use std::ops::Range;

use krilla::text::{GlyphId, KrillaGlyph};
use rustybuzz::{Direction, UnicodeBuffer};
use unicode_bidi::{BidiClass, BidiInfo, Level, bidi_class};

use crate::fonts::{Inner, Uncovered};

/// Clean one paragraph: control characters (C0, C1, DEL) and explicit bidi embeddings,
/// overrides and isolates are dropped (the layout decides direction per character, so a name
/// cannot reorder the rest of its line), U+FEFF is dropped, white space other than the no-break
/// spaces becomes one ASCII space, runs of spaces collapse and the ends are trimmed. Markup
/// stays as it is: it is just text.
pub(crate) fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = match c {
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' => continue,
            '\u{A0}' | '\u{202F}' => c,
            c if c.is_whitespace() => ' ',
            c if c.is_control() => continue,
            c => c,
        };
        if c == ' ' {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// Split at hard line breaks (LF, CR, NEL, U+2028, U+2029), clean each paragraph, drop empty ones.
pub(crate) fn paragraphs(text: &str) -> Vec<String> {
    text.split(['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'])
        .map(sanitize)
        .filter(|p| !p.is_empty())
        .collect()
}

/// Invisible formatting characters that shaping hides: they need no glyph of their own.
pub(crate) fn is_ignorable(c: char) -> bool {
    matches!(c,
        '\u{AD}' | '\u{34F}' | '\u{61C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{206F}'
        | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}'
        | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

pub(crate) fn needs_glyph(c: char) -> bool {
    !is_ignorable(c)
}

/// Characters that continue the cluster before them (combining marks, joiners, selectors).
fn continues_cluster(c: char) -> bool {
    bidi_class(c) == BidiClass::NSM || is_ignorable(c)
}

fn is_strong(c: char) -> bool {
    matches!(bidi_class(c), BidiClass::L | BidiClass::R | BidiClass::AL)
}

/// Scripts written without spaces between words, where a line may break between characters.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{2FDF}' | '\u{3005}'..='\u{3007}' | '\u{3021}'..='\u{3029}'
        | '\u{3038}'..='\u{303C}' | '\u{3040}'..='\u{30FF}' | '\u{3100}'..='\u{312F}'
        | '\u{3190}'..='\u{31FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{FF66}'..='\u{FF9D}' | '\u{20000}'..='\u{3FFFF}')
}

/// Characters that should not start a line (closing punctuation, small kana, iteration marks).
fn no_line_start(c: char) -> bool {
    matches!(
        c,
        '、' | '。'
            | '，'
            | '．'
            | '：'
            | '；'
            | '？'
            | '！'
            | '）'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '〉'
            | '》'
            | '〙'
            | '〛'
            | 'ー'
            | '々'
            | '〻'
            | '・'
            | '゛'
            | '゜'
            | 'ゝ'
            | 'ゞ'
            | 'ヽ'
            | 'ヾ'
            | 'ぁ'
            | 'ぃ'
            | 'ぅ'
            | 'ぇ'
            | 'ぉ'
            | 'っ'
            | 'ゃ'
            | 'ゅ'
            | 'ょ'
            | 'ゎ'
            | 'ゕ'
            | 'ゖ'
            | 'ァ'
            | 'ィ'
            | 'ゥ'
            | 'ェ'
            | 'ォ'
            | 'ッ'
            | 'ャ'
            | 'ュ'
            | 'ョ'
            | 'ヮ'
            | 'ヵ'
            | 'ヶ'
            | ')'
            | ']'
            | '}'
            | ','
            | '.'
            | ':'
            | ';'
            | '!'
            | '?'
    )
}

/// Characters that should not end a line (opening punctuation).
fn no_line_end(c: char) -> bool {
    matches!(
        c,
        '（' | '「' | '『' | '【' | '〔' | '〈' | '《' | '〘' | '〚' | '(' | '[' | '{'
    )
}

/// Weight of a text: which fallback order to use.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// One cleaned paragraph with everything line layout needs.
pub(crate) struct Para {
    pub(crate) text: String,
    /// Bidi embedding level of each byte.
    levels: Vec<Level>,
    /// Face (index into `Inner::faces`) of each byte.
    faces: Vec<u16>,
    /// Byte offsets where a line may start (ordinary break opportunities).
    breaks: Vec<usize>,
    /// Byte offsets where a cluster starts (emergency breaks inside a too-long word).
    clusters: Vec<usize>,
}

/// A run of glyphs of one face and one direction, in visual order.
pub(crate) struct Run {
    pub(crate) face: usize,
    pub(crate) glyphs: Vec<KrillaGlyph>,
    /// Advance width, in ems.
    pub(crate) width: f32,
}

/// One laid-out line: its runs from left to right.
pub(crate) struct Line {
    pub(crate) runs: Vec<Run>,
    /// Width in ems (multiply by the font size for points).
    pub(crate) width: f32,
}

/// Lines of one or more paragraphs at one font size.
pub(crate) struct Block {
    pub(crate) paras: Vec<Para>,
    /// (paragraph index, line)
    pub(crate) lines: Vec<(usize, Line)>,
    pub(crate) size: f32,
}

impl Block {
    pub(crate) fn empty() -> Block {
        Block {
            paras: Vec::new(),
            lines: Vec::new(),
            size: 0.0,
        }
    }

    /// Widest line, in points.
    pub(crate) fn width(&self) -> f32 {
        self.lines
            .iter()
            .map(|(_, l)| l.width * self.size)
            .fold(0.0, f32::max)
    }

    pub(crate) fn line_height(&self) -> f32 {
        self.size * LINE_HEIGHT
    }

    /// Height in points.
    pub(crate) fn height(&self) -> f32 {
        self.lines.len() as f32 * self.line_height()
    }
}

/// Line height as a multiple of the font size.
pub(crate) const LINE_HEIGHT: f32 = 1.32;
/// Never go below this size, whatever the text.
const FLOOR_SIZE: f32 = 5.0;

/// How a text is fitted into its width.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fit {
    pub(crate) max_size: f32,
    pub(crate) min_size: f32,
    pub(crate) max_lines: usize,
    /// Shrink towards `min_size` before wrapping (names, titles); otherwise wrap first (prose).
    pub(crate) shrink_first: bool,
}

impl Fit {
    pub(crate) fn scaled(self, f: f32) -> Fit {
        Fit {
            max_size: self.max_size * f,
            min_size: (self.min_size * f).max(FLOOR_SIZE),
            ..self
        }
    }
}

/// Shapes text with the faces of a font set. Faces are parsed for shaping on first use.
pub(crate) struct Shaper<'f> {
    fonts: &'f Inner,
    faces: Vec<Option<rustybuzz::Face<'f>>>,
    buffer: Option<UnicodeBuffer>,
}

impl<'f> Shaper<'f> {
    pub(crate) fn new(fonts: &'f Inner) -> Shaper<'f> {
        Shaper {
            fonts,
            faces: (0..fonts.faces.len()).map(|_| None).collect(),
            buffer: None,
        }
    }

    /// Clean `text`, split it into paragraphs at hard breaks and fit them into `width` points.
    pub(crate) fn block(
        &mut self,
        text: &str,
        weight: Weight,
        width: f32,
        fit: Fit,
        hard_breaks: bool,
    ) -> Result<Block, Uncovered> {
        let texts = if hard_breaks {
            paragraphs(text)
        } else {
            let t = sanitize(text);
            if t.is_empty() { vec![] } else { vec![t] }
        };
        let paras = texts
            .into_iter()
            .map(|t| self.para(t, weight))
            .collect::<Result<Vec<_>, _>>()?;
        self.fit(paras, width, fit)
    }

    /// Analyse one cleaned, non-empty paragraph.
    pub(crate) fn para(&mut self, text: String, weight: Weight) -> Result<Para, Uncovered> {
        let fonts = self.fonts;
        let chain = match weight {
            Weight::Regular => &fonts.regular,
            Weight::Bold => &fonts.bold,
        };
        let bidi = BidiInfo::new(&text, None);
        let levels = bidi.levels.clone();

        // Clusters: a base character with the marks and joiners that follow it.
        let mut clusters: Vec<Range<usize>> = Vec::new();
        for (i, c) in text.char_indices() {
            match clusters.last_mut() {
                Some(r) if continues_cluster(c) => r.end = i + c.len_utf8(),
                _ => clusters.push(i..i + c.len_utf8()),
            }
        }
        let covers = |face: usize, r: &Range<usize>| {
            let cov = &fonts.faces[face].coverage;
            text[r.clone()]
                .chars()
                .all(|c| !needs_glyph(c) || cov.contains(c))
        };
        // A cluster no single face covers is split into characters (a mark then stands
        // alone, which is better than a missing glyph); a character no face covers is an error.
        let mut split: Vec<Range<usize>> = Vec::with_capacity(clusters.len());
        for r in clusters {
            if chain.iter().any(|&f| covers(f, &r)) {
                split.push(r);
                continue;
            }
            for (i, c) in text[r.clone()].char_indices() {
                let one = r.start + i..r.start + i + c.len_utf8();
                if needs_glyph(c) && !chain.iter().any(|&f| covers(f, &one)) {
                    return Err(Uncovered { ch: c });
                }
                split.push(one);
            }
        }
        let clusters = split;

        // Strong characters take the first face that covers them; neutral ones (spaces,
        // punctuation, digits) stay with the face before them, else the face after them.
        let first: Vec<usize> = clusters
            .iter()
            .map(|r| {
                chain
                    .iter()
                    .copied()
                    .find(|&f| covers(f, r))
                    .unwrap_or(chain[0])
            })
            .collect();
        let strong: Vec<bool> = clusters
            .iter()
            .map(|r| text[r.clone()].chars().next().is_some_and(is_strong))
            .collect();
        // A neutral between two directions goes with the side whose direction it took.
        let level = |i: usize| levels[clusters[i].start];
        let mut chosen: Vec<Option<usize>> = vec![None; clusters.len()];
        let mut current: Option<(usize, Level)> = None;
        for i in 0..clusters.len() {
            if strong[i] {
                chosen[i] = Some(first[i]);
                current = Some((first[i], level(i)));
            } else if let Some((f, _)) =
                current.filter(|&(f, l)| l == level(i) && covers(f, &clusters[i]))
            {
                chosen[i] = Some(f);
            }
        }
        let mut next: Option<usize> = None;
        for i in (0..clusters.len()).rev() {
            match chosen[i] {
                Some(f) => next = Some(f),
                None => {
                    let f = next
                        .filter(|&f| covers(f, &clusters[i]))
                        .unwrap_or(first[i]);
                    chosen[i] = Some(f);
                    next = Some(f);
                }
            }
        }
        let mut faces = vec![0u16; text.len()];
        for (r, f) in clusters.iter().zip(&chosen) {
            let f = f.unwrap_or(first[0]) as u16;
            faces[r.clone()].fill(f);
        }

        // Break opportunities.
        let mut breaks = Vec::new();
        let mut prev: Option<char> = None;
        for (i, c) in text.char_indices() {
            if let Some(p) = prev {
                let ok = if p == ' ' {
                    c != ' '
                } else if c == ' ' || continues_cluster(c) {
                    false
                } else if is_cjk(p) || is_cjk(c) {
                    !no_line_start(c) && !no_line_end(p)
                } else {
                    matches!(p, '-' | '/' | '\u{2010}' | '\u{2013}' | '\u{2014}')
                        && c.is_alphanumeric()
                };
                if ok {
                    breaks.push(i);
                }
            }
            prev = Some(c);
        }
        let cluster_starts = clusters.iter().skip(1).map(|r| r.start).collect();

        Ok(Para {
            text,
            levels,
            faces,
            breaks,
            clusters: cluster_starts,
        })
    }

    fn face(&mut self, i: usize) -> &rustybuzz::Face<'f> {
        let fonts = self.fonts;
        self.faces[i].get_or_insert_with(|| {
            let f = &fonts.faces[i];
            rustybuzz::Face::from_slice(f.data(), f.index).expect("face parsed when loaded")
        })
    }

    /// Lay out `range` of `para` as one line, in visual order.
    pub(crate) fn line(&mut self, para: &Para, range: Range<usize>) -> Result<Line, Uncovered> {
        let chars: Vec<(usize, char)> = para.text[range.clone()]
            .char_indices()
            .map(|(i, c)| (range.start + i, c))
            .collect();
        let levels: Vec<Level> = chars.iter().map(|&(i, _)| para.levels[i]).collect();
        let order = BidiInfo::reorder_visual(&levels);

        // Group the visually ordered characters into pieces of one level, one face, and
        // logically contiguous (increasing for left-to-right, decreasing for right-to-left).
        let mut pieces: Vec<(usize, usize, Level, u16)> = Vec::new(); // (lo, hi) char indices
        for &li in &order {
            let (b, _) = chars[li];
            let (level, face) = (levels[li], para.faces[b]);
            if let Some((lo, hi, l, f)) = pieces.last_mut()
                && *l == level
                && *f == face
            {
                if !level.is_rtl() && li == *hi + 1 {
                    *hi = li;
                    continue;
                }
                if level.is_rtl() && li + 1 == *lo {
                    *lo = li;
                    continue;
                }
            }
            pieces.push((li, li, level, face));
        }

        let mut runs = Vec::with_capacity(pieces.len());
        let mut width = 0.0;
        for (lo, hi, level, face) in pieces {
            let start = chars[lo].0;
            let end = chars[hi].0 + chars[hi].1.len_utf8();
            let run = self.shape(&para.text, start..end, face as usize, level.is_rtl())?;
            width += run.width;
            runs.push(run);
        }
        Ok(Line { runs, width })
    }

    fn shape(
        &mut self,
        text: &str,
        range: Range<usize>,
        face_index: usize,
        rtl: bool,
    ) -> Result<Run, Uncovered> {
        let piece = &text[range.clone()];
        let mut buffer = self.buffer.take().unwrap_or_default();
        buffer.push_str(piece);
        buffer.set_direction(if rtl {
            Direction::RightToLeft
        } else {
            Direction::LeftToRight
        });
        buffer.guess_segment_properties();
        let face = self.face(face_index);
        let upem = face.units_per_em() as f32;
        let out = rustybuzz::shape(face, &[], buffer);

        // Each glyph maps back to its cluster's text: from its cluster start to the next
        // cluster start (clusters are byte offsets into `piece`).
        let mut starts: Vec<u32> = out.glyph_infos().iter().map(|g| g.cluster).collect();
        starts.sort_unstable();
        starts.dedup();
        let mut glyphs: Vec<KrillaGlyph> = Vec::with_capacity(out.len());
        let mut width = 0.0;
        let mut result = Ok(());
        for (info, pos) in out.glyph_infos().iter().zip(out.glyph_positions()) {
            let s = info.cluster as usize;
            let e = starts
                .get(starts.partition_point(|&x| x <= info.cluster))
                .map_or(piece.len(), |&x| x as usize);
            let advance = pos.x_advance as f32 / upem;
            width += advance;
            if info.glyph_id == 0 {
                // Never draw the missing-glyph box. Coverage was checked, so this only happens
                // for invisible characters the face lacks: drop the glyph, keep its advance.
                if let Some(c) = piece[s..e].chars().find(|&c| needs_glyph(c)) {
                    result = Err(Uncovered { ch: c });
                    break;
                }
                if let Some(g) = glyphs.last_mut() {
                    g.x_advance += advance;
                }
                continue;
            }
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                advance,
                pos.x_offset as f32 / upem,
                pos.y_offset as f32 / upem,
                pos.y_advance as f32 / upem,
                range.start + s..range.start + e,
                None,
            ));
        }
        self.buffer = Some(out.clear());
        result?;
        Ok(Run {
            face: face_index,
            glyphs,
            width,
        })
    }

    /// Break `para` into lines no wider than `max` ems where possible (a single cluster wider
    /// than `max` gets a line of its own).
    pub(crate) fn wrap(&mut self, para: &Para, max: f32) -> Result<Vec<Line>, Uncovered> {
        let text = para.text.as_str();
        let trim = |r: Range<usize>| r.start..r.start + text[r].trim_end_matches(' ').len();
        let mut lines = Vec::new();
        let mut start = 0;
        while start < text.len() {
            let rest = self.line(para, trim(start..text.len()))?;
            if rest.width <= max {
                lines.push(rest);
                break;
            }
            // The furthest break opportunity whose line fits (widths grow with the end).
            let cands: Vec<usize> = para.breaks.iter().copied().filter(|&b| b > start).collect();
            let mut best = None;
            let (mut lo, mut hi) = (0, cands.len());
            while lo < hi {
                let mid = (lo + hi) / 2;
                let l = self.line(para, trim(start..cands[mid]))?;
                if l.width <= max {
                    best = Some((cands[mid], l));
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            let (end, line) = match best {
                Some(b) => b,
                None => {
                    // The first word alone is too wide: break it between clusters.
                    let limit = cands.first().copied().unwrap_or(text.len());
                    let inner: Vec<usize> = para
                        .clusters
                        .iter()
                        .copied()
                        .filter(|&b| b > start && b < limit)
                        .collect();
                    let mut best = None;
                    let (mut lo, mut hi) = (0, inner.len());
                    while lo < hi {
                        let mid = (lo + hi) / 2;
                        let l = self.line(para, trim(start..inner[mid]))?;
                        if l.width <= max {
                            best = Some((inner[mid], l));
                            lo = mid + 1;
                        } else {
                            hi = mid;
                        }
                    }
                    match best {
                        Some(b) => b,
                        None => {
                            let end = inner.first().copied().unwrap_or(limit);
                            (end, self.line(para, trim(start..end))?)
                        }
                    }
                }
            };
            lines.push(line);
            start = end + text[end..].len() - text[end..].trim_start_matches(' ').len();
        }
        Ok(lines)
    }

    /// Choose a size and line breaks for `paras` in `width` points (see [`Fit`]). The result
    /// is never wider than `width`.
    pub(crate) fn fit(
        &mut self,
        paras: Vec<Para>,
        width: f32,
        fit: Fit,
    ) -> Result<Block, Uncovered> {
        if paras.is_empty() {
            return Ok(Block::empty());
        }
        if fit.shrink_first && paras.len() == 1 {
            let p = &paras[0];
            let line = self.line(p, 0..p.text.len())?;
            if line.width > 0.0 && line.width * fit.min_size <= width {
                let size = fit.max_size.min(width / line.width);
                return Ok(Block {
                    paras,
                    lines: vec![(0, line)],
                    size,
                });
            }
        }
        let mut size = if fit.shrink_first {
            fit.min_size
        } else {
            fit.max_size
        };
        loop {
            let mut lines = Vec::new();
            for (i, p) in paras.iter().enumerate() {
                for l in self.wrap(p, width / size)? {
                    lines.push((i, l));
                }
            }
            if lines.len() <= fit.max_lines || size <= FLOOR_SIZE {
                let widest = lines.iter().map(|(_, l)| l.width).fold(0.0, f32::max);
                if widest * size > width {
                    size = width / widest;
                }
                return Ok(Block { paras, lines, size });
            }
            size = (size * 0.9).max(FLOOR_SIZE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fonts::Fonts;
    use std::sync::LazyLock;

    /// Bundled fonts only: the same on every machine.
    static FONTS: LazyLock<Fonts> = LazyLock::new(|| Fonts::load(&[]));

    fn line_of(text: &str) -> (Para, Line) {
        let mut sh = Shaper::new(FONTS.inner());
        let p = sh.para(sanitize(text), Weight::Regular).unwrap();
        let l = sh.line(&p, 0..p.text.len()).unwrap();
        (p, l)
    }

    /// The text of each run, in visual (left to right) order, each run's characters in logical
    /// order.
    fn run_texts(p: &Para, l: &Line) -> Vec<String> {
        l.runs
            .iter()
            .map(|r| {
                let lo = r.glyphs.iter().map(|g| g.text_range.start).min().unwrap();
                let hi = r.glyphs.iter().map(|g| g.text_range.end).max().unwrap();
                p.text[lo..hi].to_string()
            })
            .collect()
    }

    #[test]
    fn sanitize_drops_controls_and_overrides() {
        assert_eq!(sanitize("  a\tb\n\nc  "), "a b c");
        assert_eq!(sanitize("a\u{0}b\u{7f}c\u{9b}d"), "abcd");
        assert_eq!(sanitize("\u{202e}abc\u{202c}"), "abc");
        assert_eq!(sanitize("\u{2067}x\u{2069} y"), "x y");
        assert_eq!(sanitize("<b>x</b>"), "<b>x</b>");
        assert_eq!(sanitize("3\u{a0}h"), "3\u{a0}h");
        assert_eq!(
            paragraphs("one\r\ntwo\n\n three "),
            vec!["one", "two", "three"]
        );
    }

    #[test]
    fn right_to_left_runs_are_reordered() {
        // Left-to-right paragraph: the Hebrew word is one run, after the Latin one.
        let (p, l) = line_of("abc אבג");
        assert_eq!(run_texts(&p, &l), vec!["abc ", "אבג"]);
        // Right-to-left paragraph (first strong character is Hebrew): the Latin word is
        // drawn to the left of the Hebrew one.
        let (p, l) = line_of("אבג abc");
        assert_eq!(run_texts(&p, &l), vec!["abc", "אבג "]);
        // Glyphs of a right-to-left run go right to left: the first glyph drawn is the last
        // letter.
        let (p, l) = line_of("שלום");
        let first = &l.runs[0].glyphs[0];
        assert_eq!(&p.text[first.text_range.clone()], "ם");
    }

    #[test]
    fn each_script_gets_a_face_that_covers_it() {
        let (p, l) = line_of("Leïla بن علي Ира");
        let names: Vec<&str> = l
            .runs
            .iter()
            .map(|r| FONTS.inner().faces[r.face].name.as_str())
            .collect();
        assert_eq!(run_texts(&p, &l), vec!["Leïla ", "بن علي", " Ира"]);
        assert!(names[0].starts_with("Noto Sans Regular"), "{names:?}");
        assert!(
            names[1].starts_with("Noto Sans Arabic Regular"),
            "{names:?}"
        );
        assert!(names[2].starts_with("Noto Sans Regular"), "{names:?}");
    }

    #[test]
    fn arabic_letters_are_joined() {
        // Shaping replaces the nominal (isolated) glyph of each letter by its joining form.
        let (p, l) = line_of("محمد");
        let face = &FONTS.inner().faces[l.runs[0].face];
        let rb = rustybuzz::Face::from_slice(face.data(), face.index).unwrap();
        let nominal: Vec<u32> = p
            .text
            .chars()
            .rev()
            .map(|c| u32::from(rb.glyph_index(c).unwrap().0))
            .collect();
        let shaped: Vec<u32> = l.runs[0]
            .glyphs
            .iter()
            .map(|g| g.glyph_id.to_u32())
            .collect();
        assert_eq!(nominal.len(), 4);
        assert_ne!(shaped, nominal);
    }

    #[test]
    fn wrapping_keeps_lines_within_the_width() {
        let mut sh = Shaper::new(FONTS.inner());
        for text in [
            "Maximiliana Wilhelmina von Hohenzollern-Sigmaringen und Veringen",
            &"x".repeat(120),
            "محمد بن عبد الله بن عبد المطلب بن هاشم بن عبد مناف",
        ] {
            let p = sh.para(sanitize(text), Weight::Bold).unwrap();
            let max = 8.0;
            let lines = sh.wrap(&p, max).unwrap();
            assert!(lines.len() > 1, "{text}");
            for l in &lines {
                assert!(l.width <= max, "{text}: {} > {max}", l.width);
            }
            // Every character is on some line: no text lost.
            let glyphs: usize = lines
                .iter()
                .flat_map(|l| &l.runs)
                .map(|r| r.glyphs.len())
                .sum();
            assert!(glyphs >= p.text.chars().filter(|&c| c != ' ').count() / 2);
        }
    }

    #[test]
    fn fit_shrinks_then_wraps() {
        let mut sh = Shaper::new(FONTS.inner());
        let fit = Fit {
            max_size: 40.0,
            min_size: 20.0,
            max_lines: 3,
            shrink_first: true,
        };
        let short = sh
            .block("Anna Karenina", Weight::Bold, 600.0, fit, false)
            .unwrap();
        assert_eq!((short.size, short.lines.len()), (40.0, 1));
        let medium = sh
            .block(&"Anna Karenina ".repeat(3), Weight::Bold, 600.0, fit, false)
            .unwrap();
        assert_eq!(medium.lines.len(), 1);
        assert!(medium.size < 40.0 && medium.size >= 20.0, "{}", medium.size);
        assert!(medium.width() <= 600.0);
        let long = sh
            .block(
                &"Anna Karenina ".repeat(30),
                Weight::Bold,
                600.0,
                fit,
                false,
            )
            .unwrap();
        assert!(long.lines.len() > 1 && long.lines.len() <= 3);
        assert!(long.width() <= 600.0);
    }
}
