//! Course-completion certificates as PDF.
//!
//! [`Fonts::load`] once (it parses the bundled Noto fonts and scans system font directories),
//! then [`render`] each [`Certificate`]; rendering is CPU-bound and synchronous, so call it from
//! a blocking thread in async code. The output is PDF/A-2b when krilla's validation accepts the
//! document (it does for the fonts and images this crate uses), plain PDF 1.7 otherwise.
//!
//! Text in any script is laid out here, not by krilla: bidi reordering, per-run font fallback,
//! shaping with rustybuzz, shrinking and wrapping to the page. A character that no font covers
//! is an error ([`RenderError::Uncovered`]), never a missing-glyph box.

mod fonts;
mod layout;
mod text;

pub use fonts::{Fonts, Uncovered};

use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::error::KrillaError;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, LineCap, Stroke};
use krilla::{Document, SerializeSettings};

use crate::layout::{Item, Layout};

/// Paper size; the certificate is always landscape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paper {
    /// 297 × 210 mm.
    A4,
    /// 11 × 8.5 in.
    Letter,
}

impl Paper {
    /// Width and height of the landscape page, in points (1/72 in).
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (841.89, 595.28),
            Paper::Letter => (792.0, 612.0),
        }
    }
}

/// A calendar date (the PDF's creation date; PDF/A requires one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Date {
    pub year: u16,
    /// 1–12
    pub month: u8,
    /// 1–31
    pub day: u8,
}

/// What the certificate says. Every text is drawn as given (markup is just text); control
/// characters are dropped and white space collapsed. (No `Debug`: it holds personal data, which
/// should not end up in logs by accident.)
#[derive(Clone)]
pub struct Certificate<'a> {
    pub paper: Paper,
    /// "Certificate of Completion"
    pub title: &'a str,
    /// "This certifies that"
    pub preamble: &'a str,
    /// Any script; the big centred line. Shrinks, then wraps, when long.
    pub learner_name: &'a str,
    /// "has completed the course" and any free text; wraps. Line breaks in it are kept.
    pub body: &'a str,
    pub course_title: &'a str,
    pub school_name: &'a str,
    /// PNG or JPEG bytes, drawn top centre, scaled to fit a 170 × 54 pt box.
    pub logo: Option<&'a [u8]>,
    /// The school's colour, for the border and rules (and the title when dark enough to read).
    pub accent: (u8, u8, u8),
    /// "3 December 2026", already localized.
    pub date_line: &'a str,
    /// "Live sessions attended: 6 h 20 min"
    pub hours_line: Option<&'a str>,
    pub signer_name: Option<&'a str>,
    pub signer_title: Option<&'a str>,
    /// Printed as given under the date (include any label in it).
    pub serial: &'a str,
    /// "Verify at"
    pub verify_label: &'a str,
    /// Encoded in the QR code (byte for byte) and printed under it.
    pub verify_url: &'a str,
    /// The PDF's creation date.
    pub issued: Date,
}

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// No available font has a glyph for `ch`, found in the field named `field`
    /// (`"learner_name"`, `"course_title"`, ...: the names of [`Certificate`]'s fields).
    #[error("{field}: no available font has a glyph for U+{:04X} ({ch:?})", u32::from(*ch))]
    Uncovered { field: &'static str, ch: char },
    #[error("logo: {0}")]
    Logo(String),
    #[error("the verification URL does not fit in a QR code: {0}")]
    Qr(String),
    #[error("PDF: {0}")]
    Pdf(String),
}

// The app shares one `Fonts` between threads and renders on a blocking thread.
const _: () = {
    const fn shareable<T: Send + Sync + 'static>() {}
    shareable::<Fonts>();
    shareable::<RenderError>();
};

/// Render `c` as a one-page PDF.
pub fn render(fonts: &Fonts, c: &Certificate<'_>) -> Result<Vec<u8>, RenderError> {
    let layout = layout::layout(fonts, c)?;
    match draw(fonts, c, &layout, true) {
        Ok(pdf) => Ok(pdf),
        // PDF/A forbids a few things krilla cannot know before writing (say, a system font
        // whose licence flags restrict embedding): a plain PDF is better than none.
        Err(KrillaError::Validation(_)) => draw(fonts, c, &layout, false).map_err(pdf_error),
        Err(e) => Err(pdf_error(e)),
    }
}

fn pdf_error(e: KrillaError) -> RenderError {
    match e {
        // Images are decoded when the PDF is written; the logo is the only one.
        KrillaError::Image(_, _, message) => RenderError::Logo(message),
        e => RenderError::Pdf(e.to_string()),
    }
}

fn color((r, g, b): (u8, u8, u8)) -> rgb::Color {
    rgb::Color::new(r, g, b)
}

fn fill(c: (u8, u8, u8)) -> Fill {
    Fill {
        paint: color(c).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn stroke(c: (u8, u8, u8), width: f32) -> Stroke {
    Stroke {
        paint: color(c).into(),
        width,
        line_cap: LineCap::Butt,
        ..Stroke::default()
    }
}

fn draw(
    fonts: &Fonts,
    c: &Certificate<'_>,
    layout: &Layout,
    pdfa: bool,
) -> Result<Vec<u8>, KrillaError> {
    let mut settings = SerializeSettings::default();
    if pdfa {
        settings.configuration = ConfigurationBuilder::new()
            .with_archival_validator(Archival::A2_B)
            .finish()
            .expect("PDF/A-2b is a valid configuration");
    }
    let mut doc = Document::new_with(settings);
    doc.set_metadata(
        Metadata::new()
            .title(layout.title.clone())
            .description(layout.description.clone())
            .authors(vec![layout.author.clone()])
            .creator("Lectern".to_string())
            .creation_date(
                DateTime::new(c.issued.year)
                    .month(c.issued.month)
                    .day(c.issued.day),
            ),
    );
    let (pw, ph) = layout.page;
    let mut page = doc.start_page_with(PageSettings::from_wh(pw, ph).expect("page size"));
    let mut s = page.surface();
    let faces = &fonts.inner().faces;

    for item in &layout.items {
        match item {
            Item::Text {
                block,
                cx,
                top,
                color,
            } => {
                s.set_stroke(None);
                s.set_fill(Some(fill(*color)));
                let lh = block.line_height();
                for (k, (pi, line)) in block.lines.iter().enumerate() {
                    let baseline = top + k as f32 * lh + block.size * layout::BASELINE;
                    let mut x = cx - line.width * block.size / 2.0;
                    for run in &line.runs {
                        s.draw_glyphs(
                            Point::from_xy(x, baseline),
                            &run.glyphs,
                            faces[run.face].krilla.clone(),
                            &block.paras[*pi].text,
                            block.size,
                            false,
                        );
                        x += run.width * block.size;
                    }
                }
            }
            Item::Rect {
                rect,
                fill: f,
                stroke: st,
            } => {
                let mut pb = PathBuilder::new();
                pb.push_rect(*rect);
                if let Some(path) = pb.finish() {
                    s.set_fill(f.map(fill));
                    s.set_stroke(st.map(|(c, w)| stroke(c, w)));
                    s.draw_path(&path);
                }
            }
            Item::Line {
                from,
                to,
                color,
                width,
            } => {
                let mut pb = PathBuilder::new();
                pb.move_to(from.0, from.1);
                pb.line_to(to.0, to.1);
                if let Some(path) = pb.finish() {
                    s.set_fill(None);
                    s.set_stroke(Some(stroke(*color, *width)));
                    s.draw_path(&path);
                }
            }
            Item::Diamond { cx, cy, r, color } => {
                let mut pb = PathBuilder::new();
                pb.move_to(*cx, cy - r);
                pb.line_to(cx + r, *cy);
                pb.line_to(*cx, cy + r);
                pb.line_to(cx - r, *cy);
                pb.close();
                if let Some(path) = pb.finish() {
                    s.set_stroke(None);
                    s.set_fill(Some(fill(*color)));
                    s.draw_path(&path);
                }
            }
            Item::Logo { image, rect } => {
                s.push_transform(&Transform::from_translate(rect.left(), rect.top()));
                s.draw_image(
                    image.clone(),
                    Size::from_wh(rect.width(), rect.height()).expect("logo size"),
                );
                s.pop();
            }
            Item::Qr {
                modules,
                x,
                y,
                module,
            } => {
                let mut pb = PathBuilder::new();
                for (row, runs) in modules.iter().enumerate() {
                    for &(start, len) in runs {
                        // A hair taller than a module so rows overlap: no seams when rasterized.
                        if let Some(r) = Rect::from_xywh(
                            x + start as f32 * module,
                            y + row as f32 * module,
                            len as f32 * module,
                            module + 0.05,
                        ) {
                            pb.push_rect(r);
                        }
                    }
                }
                if let Some(path) = pb.finish() {
                    s.set_stroke(None);
                    s.set_fill(Some(fill((0, 0, 0))));
                    s.draw_path(&path);
                }
            }
        }
    }
    s.finish();
    page.finish();
    doc.finish()
}

pub(crate) fn logo_image(bytes: &[u8]) -> Result<Image, RenderError> {
    let data: krilla::Data = bytes.to_vec().into();
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Image::from_png(data, false).map_err(RenderError::Logo)
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Image::from_jpeg(data, false).map_err(RenderError::Logo)
    } else {
        Err(RenderError::Logo("not a PNG or JPEG image".to_string()))
    }
}
