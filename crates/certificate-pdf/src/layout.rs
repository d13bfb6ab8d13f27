//! Page composition: where each text block, rule, the logo and the QR code go.
//!
//! Landscape page, double border in the accent colour. Top: logo, school name, title and a
//! short rule. Bottom: signer (left), date and serial (centre), QR code with the verification
//! label and URL (right). Between them, centred vertically: preamble, learner name with a rule
//! under it, body, course title, hours. When the middle does not fit, its sizes shrink together.

use krilla::geom::Rect;
use krilla::image::Image;
use qrcode::{Color, EcLevel, QrCode};

use crate::fonts::{Fonts, Uncovered};
use crate::text::{Block, Fit, Shaper, Weight, sanitize};
use crate::{Certificate, RenderError, logo_image};

pub(crate) const TEXT: (u8, u8, u8) = (0x1d, 0x21, 0x27);
pub(crate) const MUTED: (u8, u8, u8) = (0x55, 0x5c, 0x66);
/// Baseline position within the first line box, as a multiple of the font size.
pub(crate) const BASELINE: f32 = 1.05;

/// Horizontal margin of the content (the borders sit inside it).
const MARGIN: f32 = 72.0;
/// Outer border inset and stroke; inner border inset and stroke.
const BORDER: (f32, f32) = (20.0, 3.5);
const INNER: (f32, f32) = (28.0, 0.8);
/// Lowest text baseline area ends this far above the page bottom.
const BOTTOM: f32 = 46.0;
const TOP: f32 = 48.0;
const LOGO_BOX: (f32, f32) = (170.0, 54.0);
/// QR code size including its 4-module quiet zone on each side.
const QR_SIZE: f32 = 112.0;
const QR_QUIET: usize = 4;
const SIDE_COLUMN: f32 = 200.0;
const COLUMN_GAP: f32 = 18.0;

pub(crate) enum Item {
    Text {
        block: Block,
        /// Centre x of every line.
        cx: f32,
        top: f32,
        color: (u8, u8, u8),
    },
    Rect {
        rect: Rect,
        fill: Option<(u8, u8, u8)>,
        stroke: Option<((u8, u8, u8), f32)>,
    },
    Line {
        from: (f32, f32),
        to: (f32, f32),
        color: (u8, u8, u8),
        width: f32,
    },
    Diamond {
        cx: f32,
        cy: f32,
        r: f32,
        color: (u8, u8, u8),
    },
    Logo {
        image: Image,
        rect: Rect,
    },
    Qr {
        /// Per row, runs of dark modules as (first column, length), quiet zone included.
        modules: Vec<Vec<(usize, usize)>>,
        x: f32,
        y: f32,
        module: f32,
    },
}

pub(crate) struct Layout {
    pub(crate) page: (f32, f32),
    pub(crate) items: Vec<Item>,
    pub(crate) title: String,
    pub(crate) description: String,
    pub(crate) author: String,
    /// For tests: each text block's field, its box and the width it was given.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) boxes: Vec<TextBox>,
}

#[derive(Clone, Debug)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct TextBox {
    pub(crate) field: &'static str,
    pub(crate) left: f32,
    pub(crate) right: f32,
    pub(crate) top: f32,
    pub(crate) bottom: f32,
    pub(crate) max_width: f32,
    pub(crate) size: f32,
    pub(crate) lines: usize,
}

/// WCAG contrast ratio of a colour against white.
fn contrast_on_white((r, g, b): (u8, u8, u8)) -> f32 {
    let lin = |v: u8| {
        let v = v as f32 / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    1.05 / (l + 0.05)
}

struct Builder<'f> {
    shaper: Shaper<'f>,
    items: Vec<Item>,
    boxes: Vec<TextBox>,
}

impl Builder<'_> {
    fn block(
        &mut self,
        field: &'static str,
        text: &str,
        weight: Weight,
        width: f32,
        fit: Fit,
        hard_breaks: bool,
    ) -> Result<(Block, f32), RenderError> {
        let block = self
            .shaper
            .block(text, weight, width, fit, hard_breaks)
            .map_err(|Uncovered { ch }| RenderError::Uncovered { field, ch })?;
        Ok((block, width))
    }

    fn place(
        &mut self,
        field: &'static str,
        (block, max_width): (Block, f32),
        cx: f32,
        top: f32,
        color: (u8, u8, u8),
    ) -> f32 {
        let h = block.height();
        if block.lines.is_empty() {
            return 0.0;
        }
        let w = block.width();
        self.boxes.push(TextBox {
            field,
            left: cx - w / 2.0,
            right: cx + w / 2.0,
            top,
            bottom: top + h,
            max_width,
            size: block.size,
            lines: block.lines.len(),
        });
        self.items.push(Item::Text {
            block,
            cx,
            top,
            color,
        });
        h
    }
}

fn fit(max_size: f32, min_size: f32, max_lines: usize, shrink_first: bool) -> Fit {
    Fit {
        max_size,
        min_size,
        max_lines,
        shrink_first,
    }
}

pub(crate) fn layout(fonts: &Fonts, c: &Certificate<'_>) -> Result<Layout, RenderError> {
    let (pw, ph) = c.paper.size();
    let mut b = Builder {
        shaper: Shaper::new(fonts.inner()),
        items: Vec::new(),
        boxes: Vec::new(),
    };
    let accent = c.accent;
    let strong = if contrast_on_white(accent) >= 4.5 {
        accent
    } else {
        TEXT
    };
    let cx = pw / 2.0;
    let cw = pw - 2.0 * MARGIN;

    // Frame.
    let (o, ow) = BORDER;
    let (i, iw) = INNER;
    for (inset, w) in [(o, ow), (i, iw)] {
        b.items.push(Item::Rect {
            rect: Rect::from_xywh(inset, inset, pw - 2.0 * inset, ph - 2.0 * inset).expect("frame"),
            fill: None,
            stroke: Some((accent, w)),
        });
    }
    for (x, y) in [(i, i), (pw - i, i), (i, ph - i), (pw - i, ph - i)] {
        b.items.push(Item::Diamond {
            cx: x,
            cy: y,
            r: 5.0,
            color: accent,
        });
    }

    // Top: logo, school, title, rule.
    let mut y = TOP;
    if let Some(bytes) = c.logo {
        let image = logo_image(bytes)?;
        let (iw, ih) = image.size();
        if iw > 0 && ih > 0 {
            let scale = (LOGO_BOX.0 / iw as f32).min(LOGO_BOX.1 / ih as f32);
            let (w, h) = (iw as f32 * scale, ih as f32 * scale);
            let rect = Rect::from_xywh(cx - w / 2.0, y, w, h)
                .ok_or_else(|| RenderError::Logo("empty image".to_string()))?;
            b.items.push(Item::Logo { image, rect });
            y += h + 10.0;
        }
    }
    let school = b.block(
        "school_name",
        c.school_name,
        Weight::Regular,
        cw * 0.8,
        fit(13.0, 8.0, 2, true),
        false,
    )?;
    y += b.place("school_name", school, cx, y, strong);
    y += 4.0;
    let title = b.block(
        "title",
        c.title,
        Weight::Bold,
        cw,
        fit(32.0, 18.0, 2, true),
        false,
    )?;
    y += b.place("title", title, cx, y, strong);
    // Room for deep descenders (Arabic marks below the line) above the rule.
    y += 10.0;
    b.items.push(Item::Line {
        from: (cx - 36.0, y),
        to: (cx + 36.0, y),
        color: accent,
        width: 1.6,
    });
    b.items.push(Item::Diamond {
        cx,
        cy: y,
        r: 3.5,
        color: accent,
    });
    let top_end = y + 10.0;

    // Bottom.
    let bottom = ph - BOTTOM;
    // Right column: QR code, label, URL.
    let right_cx = pw - MARGIN - SIDE_COLUMN / 2.0;
    let url = b.block(
        "verify_url",
        c.verify_url,
        Weight::Regular,
        SIDE_COLUMN,
        fit(7.5, 6.0, 3, false),
        false,
    )?;
    let label = b.block(
        "verify_label",
        c.verify_label,
        Weight::Regular,
        SIDE_COLUMN,
        fit(9.0, 7.0, 2, true),
        false,
    )?;
    let url_top = bottom - url.0.height();
    let label_top = url_top - label.0.height();
    b.place("verify_url", url, right_cx, url_top, MUTED);
    b.place("verify_label", label, right_cx, label_top, TEXT);
    let code = QrCode::with_error_correction_level(c.verify_url.as_bytes(), EcLevel::M)
        .map_err(|e| RenderError::Qr(e.to_string()))?;
    let n = code.width();
    let colors = code.to_colors();
    let total = n + 2 * QR_QUIET;
    let module = QR_SIZE / total as f32;
    let modules = (0..n)
        .map(|row| {
            let mut runs = Vec::new();
            let mut col = 0;
            while col < n {
                if colors[row * n + col] == Color::Dark {
                    let start = col;
                    while col < n && colors[row * n + col] == Color::Dark {
                        col += 1;
                    }
                    runs.push((start, col - start));
                } else {
                    col += 1;
                }
            }
            runs
        })
        .collect();
    // The quiet zone overlaps the label's line box by a module: its glyphs stay clear of it.
    let qr_top = label_top - QR_SIZE + module;
    b.items.push(Item::Qr {
        modules,
        x: right_cx - QR_SIZE / 2.0 + QR_QUIET as f32 * module,
        y: qr_top + QR_QUIET as f32 * module,
        module,
    });
    let mut bottom_top = qr_top + QR_QUIET as f32 * module;

    // Left column: signature rule, signer name and title.
    let left_cx = MARGIN + SIDE_COLUMN / 2.0;
    let has_signer = c.signer_name.is_some_and(|s| !sanitize(s).is_empty())
        || c.signer_title.is_some_and(|s| !sanitize(s).is_empty());
    if has_signer {
        let st = b.block(
            "signer_title",
            c.signer_title.unwrap_or(""),
            Weight::Regular,
            SIDE_COLUMN,
            fit(9.5, 7.0, 2, true),
            false,
        )?;
        let sn = b.block(
            "signer_name",
            c.signer_name.unwrap_or(""),
            Weight::Bold,
            SIDE_COLUMN,
            fit(12.0, 8.0, 2, true),
            false,
        )?;
        let st_top = bottom - st.0.height();
        let sn_top = st_top - sn.0.height();
        b.place("signer_title", st, left_cx, st_top, MUTED);
        b.place("signer_name", sn, left_cx, sn_top, TEXT);
        let rule_y = sn_top - 3.0;
        b.items.push(Item::Line {
            from: (left_cx - SIDE_COLUMN / 2.0 + 10.0, rule_y),
            to: (left_cx + SIDE_COLUMN / 2.0 - 10.0, rule_y),
            color: TEXT,
            width: 0.7,
        });
        bottom_top = bottom_top.min(rule_y - 28.0);
    }

    // Centre column: date and serial.
    let mid_w = cw - 2.0 * (SIDE_COLUMN + COLUMN_GAP);
    let serial = b.block(
        "serial",
        c.serial,
        Weight::Regular,
        mid_w,
        fit(8.0, 6.0, 2, true),
        false,
    )?;
    let date = b.block(
        "date_line",
        c.date_line,
        Weight::Regular,
        mid_w,
        fit(12.0, 8.0, 2, true),
        false,
    )?;
    let serial_top = bottom - serial.0.height();
    let date_top = serial_top - date.0.height() - 2.0;
    b.place("serial", serial, cx, serial_top, MUTED);
    b.place("date_line", date, cx, date_top, TEXT);
    let rule_y = date_top - 3.0;
    b.items.push(Item::Line {
        from: (cx - mid_w.min(160.0) / 2.0, rule_y),
        to: (cx + mid_w.min(160.0) / 2.0, rule_y),
        color: TEXT,
        width: 0.7,
    });
    bottom_top = bottom_top.min(rule_y - 28.0);

    // Middle, shrunk together until it fits between top and bottom.
    let avail = bottom_top - top_end;
    let mut f = 1.0;
    let mut middle = loop {
        let m = middle(&mut b, c, cw, f)?;
        if m.height <= avail || f <= 0.45 {
            break m;
        }
        f -= 0.08;
    };
    // Part of the spare room goes between the parts, the rest above and below them.
    middle
        .parts
        .retain(|Part::Text(_, (block, _), _, _)| !block.lines.is_empty());
    let gaps = middle.parts.len().saturating_sub(1);
    let spread = if gaps == 0 {
        0.0
    } else {
        ((avail - middle.height).max(0.0) * 0.4 / gaps as f32).min(14.0)
    };
    let total = middle.height + spread * gaps as f32;
    let mut y = top_end + ((avail - total) / 2.0).max(0.0);
    let last = middle.parts.len().saturating_sub(1);
    for (k, Part::Text(field, block, color, gap_after)) in middle.parts.drain(..).enumerate() {
        let max_w = block.1;
        let h = b.place(field, block, cx, y, color);
        y += h + gap_after;
        if field == "learner_name" {
            let w =
                (b.boxes.last().map_or(0.0, |bx| bx.right - bx.left) + 60.0).clamp(220.0, max_w);
            b.items.push(Item::Line {
                from: (cx - w / 2.0, y),
                to: (cx + w / 2.0, y),
                color: accent,
                width: 0.9,
            });
            y += middle.name_rule_gap;
        }
        if k < last {
            y += spread;
        }
    }

    let clean = sanitize;
    Ok(Layout {
        page: (pw, ph),
        items: b.items,
        title: format!("{} — {}", clean(c.title), clean(c.learner_name)),
        description: format!("{} — {}", clean(c.course_title), clean(c.school_name)),
        author: clean(c.school_name),
        boxes: b.boxes,
    })
}

enum Part {
    /// field, (block, max width), colour, gap after
    Text(&'static str, (Block, f32), (u8, u8, u8), f32),
}

struct Middle {
    parts: Vec<Part>,
    height: f32,
    name_rule_gap: f32,
}

fn middle(
    b: &mut Builder<'_>,
    c: &Certificate<'_>,
    cw: f32,
    f: f32,
) -> Result<Middle, RenderError> {
    let mut parts = Vec::new();
    let gap = 8.0 * f;
    let name_rule_gap = 12.0 * f;
    let preamble = b.block(
        "preamble",
        c.preamble,
        Weight::Regular,
        cw * 0.85,
        fit(14.0, 9.0, 2, true).scaled(f),
        false,
    )?;
    parts.push(Part::Text("preamble", preamble, MUTED, gap * 0.5));
    let name = b.block(
        "learner_name",
        c.learner_name,
        Weight::Bold,
        cw,
        fit(40.0, 22.0, 3, true).scaled(f),
        false,
    )?;
    parts.push(Part::Text("learner_name", name, TEXT, 3.0 * f));
    let body = b.block(
        "body",
        c.body,
        Weight::Regular,
        cw * 0.85,
        fit(13.0, 9.0, 4, false).scaled(f),
        true,
    )?;
    parts.push(Part::Text("body", body, TEXT, gap * 0.5));
    let course = b.block(
        "course_title",
        c.course_title,
        Weight::Bold,
        cw * 0.9,
        fit(20.0, 12.0, 3, true).scaled(f),
        false,
    )?;
    parts.push(Part::Text("course_title", course, TEXT, gap));
    if let Some(h) = c.hours_line {
        let hours = b.block(
            "hours_line",
            h,
            Weight::Regular,
            cw * 0.85,
            fit(11.0, 8.0, 2, true).scaled(f),
            false,
        )?;
        parts.push(Part::Text("hours_line", hours, MUTED, 0.0));
    }
    let mut height = name_rule_gap;
    for Part::Text(_, (block, _), _, gap) in &parts {
        if !block.lines.is_empty() {
            height += block.height() + gap;
        }
    }
    Ok(Middle {
        parts,
        height,
        name_rule_gap,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Date, Paper};
    use std::sync::LazyLock;

    static FONTS: LazyLock<Fonts> = LazyLock::new(|| Fonts::load(&[]));

    fn cert<'a>(name: &'a str, paper: Paper) -> Certificate<'a> {
        Certificate {
            paper,
            title: "Certificate of Completion",
            preamble: "This certifies that",
            learner_name: name,
            body: "has completed the course",
            course_title: "Rust for Systems Programmers",
            school_name: "Northwind Academy",
            logo: None,
            accent: (0x1f, 0x4e, 0x8c),
            date_line: "3 December 2026",
            hours_line: Some("Live sessions attended: 6 h 20 min"),
            signer_name: Some("Grace Hopper"),
            signer_title: Some("Head of Curriculum"),
            serial: "LCT-2026-000123",
            verify_label: "Verify at",
            verify_url: "https://lectern.example/verify/LCT-2026-000123",
            issued: Date {
                year: 2026,
                month: 12,
                day: 3,
            },
        }
    }

    /// Every text box is no wider than the width it was given, inside the inner border, and
    /// no two boxes overlap.
    fn assert_sane(c: &Certificate<'_>) -> Layout {
        let l = layout(&FONTS, c).unwrap();
        let (pw, ph) = l.page;
        let inner = INNER.0;
        for b in &l.boxes {
            assert!(
                b.right - b.left <= b.max_width + 0.01,
                "{}: {} > {}",
                b.field,
                b.right - b.left,
                b.max_width
            );
            assert!(
                b.left >= inner
                    && b.right <= pw - inner
                    && b.top >= inner
                    && b.bottom <= ph - inner,
                "{} outside the border: {b:?}",
                b.field
            );
            assert!(b.size >= 5.0, "{b:?}");
        }
        for (i, a) in l.boxes.iter().enumerate() {
            for b in &l.boxes[i + 1..] {
                let apart = a.right <= b.left
                    || b.right <= a.left
                    || a.bottom <= b.top + 0.01
                    || b.bottom <= a.top + 0.01;
                assert!(apart, "{} overlaps {}: {a:?} {b:?}", a.field, b.field);
            }
        }
        l
    }

    fn name_box(l: &Layout) -> &TextBox {
        l.boxes.iter().find(|b| b.field == "learner_name").unwrap()
    }

    #[test]
    fn short_name_is_big_and_on_one_line() {
        for paper in [Paper::A4, Paper::Letter] {
            let l = assert_sane(&cert("Zoë Łukasiewicz-Ångström", paper));
            let b = name_box(&l);
            assert_eq!((b.size, b.lines), (40.0, 1));
        }
    }

    #[test]
    fn very_long_name_shrinks_and_wraps_within_the_page() {
        let long: String = "Maximiliana Wilhelmina von Hohenzollern-Sigmaringen "
            .repeat(4)
            .chars()
            .take(200)
            .collect();
        let unbroken = "W".repeat(200);
        for name in [long.as_str(), unbroken.as_str()] {
            for paper in [Paper::A4, Paper::Letter] {
                let l = assert_sane(&cert(name, paper));
                let b = name_box(&l);
                assert!(b.lines >= 2, "{b:?}");
                assert!(b.right - b.left <= b.max_width);
                assert!(b.right - b.left <= l.page.0 - 2.0 * MARGIN);
            }
        }
    }

    #[test]
    fn everything_long_at_once_still_fits() {
        let name = "Anna Karenina ".repeat(14);
        let body = "has completed every module of the course with distinction. ".repeat(12);
        let course = "Advanced Topics in Distributed Systems Engineering ".repeat(4);
        let school = "The International Academy of Software Craftsmanship ".repeat(3);
        let url = format!("https://lectern.example/verify/{}", "A".repeat(120));
        let mut c = cert(&name, Paper::Letter);
        c.body = &body;
        c.course_title = &course;
        c.school_name = &school;
        c.verify_url = &url;
        c.title = "Certificate of Completion of a Very Long Programme of Study";
        c.signer_title = Some("Head of Curriculum and Academic Quality, Faculty of Engineering");
        assert_sane(&c);
    }

    #[test]
    fn optional_fields_may_be_missing() {
        let mut c = cert("Anna", Paper::A4);
        c.hours_line = None;
        c.signer_name = None;
        c.signer_title = None;
        c.body = "";
        let l = assert_sane(&c);
        assert!(l.boxes.iter().all(|b| !b.field.starts_with("signer")));
    }

    #[test]
    fn title_uses_the_accent_only_when_readable() {
        assert!(contrast_on_white((0x1f, 0x4e, 0x8c)) >= 4.5);
        assert!(contrast_on_white((0xff, 0xd7, 0x00)) < 4.5);
    }
}
