//! Server-rendered SVG charts (bar and line), their data table and their CSV. No script:
//! the SVG scales to its container (`viewBox`, `width="100%"`), is labelled for screen
//! readers (`role="img"`, `<title>`, `<desc>` with the figures' summary), and every mark
//! carries its own `<title>`. Text going into the SVG is escaped here; the CSV is RFC 4180
//! with cells that a spreadsheet would read as a formula prefixed by `'`.

use std::fmt::Write;

/// How the points are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Bar,
    Line,
}

/// One chart: its points in order, and how to name them.
#[derive(Clone, Debug)]
pub struct Chart {
    /// Unique on its page; names the CSV (`{id}.csv`) and the elements' ids.
    pub id: &'static str,
    pub title: String,
    /// One sentence on what is counted.
    pub desc: String,
    pub kind: Kind,
    /// The header of the labels' column (e.g. "Week").
    pub label_header: String,
    /// The header of the values' column (e.g. "Enrolments").
    pub value_header: String,
    pub points: Vec<(String, f64)>,
    /// Decimals shown in the table, the CSV and the marks' titles.
    pub decimals: usize,
    /// A limit drawn as a dashed line (Zoom's daily budget); the axis reaches it.
    pub limit: Option<f64>,
}

const W: f64 = 480.0;
const H: f64 = 240.0;
/// Room for the y axis' numbers at the phone size too (see below).
const LEFT: f64 = 60.0;
/// Width of a character of an axis label at the size phones draw them: app.css sets
/// 22 units below 480 px (13 above), so that the SVG, scaled down to a phone's width,
/// still shows ~12 px text. Labels are spaced for that size.
const CHAR_W: f64 = 12.5;
const RIGHT: f64 = 10.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 34.0;
/// At most this many labels under the x axis (readable on a 360 px phone).
const MAX_X_LABELS: usize = 5;

/// `s` safe inside XML/HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// One CSV cell: a text a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab,
/// carriage return first) gets a leading `'`; a cell with a comma, quote or line break is
/// quoted with its quotes doubled.
pub fn csv_cell(s: &str) -> String {
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// Rows of text cells as CSV (CRLF line ends).
pub fn csv(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// A number with `decimals` places (no thousands separator: the table and the CSV agree).
pub fn number(v: f64, decimals: usize) -> String {
    format!("{v:.decimals$}")
}

/// The smallest of 1, 2, 5 × 10ⁿ at or above `max` (1 for nothing to show).
pub fn nice_max(max: f64) -> f64 {
    if max.is_nan() || max <= 0.0 {
        return 1.0;
    }
    let mag = 10f64.powf(max.log10().floor());
    for step in [1.0, 2.0, 5.0, 10.0] {
        if step * mag >= max {
            return step * mag;
        }
    }
    10.0 * mag
}

/// A label that is or starts with an ISO date ("2026-12-07", "2026-12-07 Q&A") or a month
/// ("2026-12") as the reader's language writes it ("7 Dec 2026", "7. Dez. 2026 Q&A",
/// "déc. 2026"); any other label as it is.
pub fn reader_label(label: &str, tr: &crate::i18n::Tr) -> String {
    if let Some(date) = label
        .get(..10)
        .and_then(|d| d.parse::<jiff::civil::Date>().ok())
        && (label.len() == 10 || label[10..].starts_with(' '))
    {
        return format!("{}{}", tr.date_short(date), &label[10..]);
    }
    if label.len() == 7
        && label.as_bytes()[4] == b'-'
        && let (Ok(year), Ok(month)) = (label[..4].parse::<i16>(), label[5..].parse::<i8>())
        && label[..4].bytes().all(|b| b.is_ascii_digit())
        && label[5..].bytes().all(|b| b.is_ascii_digit())
        && (1..=12).contains(&month)
    {
        return tr.month_year(year, month);
    }
    label.to_string()
}

impl Chart {
    /// The chart as its page shows it: dates and months under the axis, in the marks'
    /// titles and in the table in the reader's language ([`reader_label`]). The CSV is made
    /// from the chart itself and keeps ISO 8601, which every spreadsheet reads.
    pub fn for_reader(&self, tr: &crate::i18n::Tr) -> Chart {
        Chart {
            points: self
                .points
                .iter()
                .map(|(l, v)| (reader_label(l, tr), *v))
                .collect(),
            ..self.clone()
        }
    }

    /// The points as table rows: (label, formatted value).
    pub fn rows(&self) -> Vec<(String, String)> {
        self.points
            .iter()
            .map(|(l, v)| (l.clone(), number(*v, self.decimals)))
            .collect()
    }

    /// The chart's CSV: a header row, then one row per point.
    pub fn csv(&self) -> String {
        let mut rows = vec![vec![self.label_header.clone(), self.value_header.clone()]];
        rows.extend(self.rows().into_iter().map(|(l, v)| vec![l, v]));
        csv(&rows)
    }

    /// The chart as an SVG element.
    pub fn svg(&self) -> String {
        let id = self.id;
        let mut s = String::new();
        let _ = write!(
            s,
            r#"<svg class="chart" id="chart-{id}" viewBox="0 0 {W} {H}" width="100%" preserveAspectRatio="xMidYMid meet" role="img" aria-labelledby="chart-{id}-title chart-{id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="chart-{id}-title">{}</title><desc id="chart-{id}-desc">{}</desc>"#,
            escape(&self.title),
            escape(&self.desc)
        );
        let plot_w = W - LEFT - RIGHT;
        let plot_h = H - TOP - BOTTOM;
        let max = nice_max(
            self.points
                .iter()
                .map(|p| p.1)
                .chain(self.limit)
                .fold(0.0, f64::max),
        );
        // Counts get whole-number grid lines: a top divisible by the four steps.
        let max = if self.decimals == 0 {
            (max / 4.0).ceil() * 4.0
        } else {
            max
        };
        // Grid lines and the y axis' numbers: 0, ¼, ½, ¾ and the top.
        for i in 0..=4 {
            let v = max * f64::from(i) / 4.0;
            let y = TOP + plot_h - plot_h * f64::from(i) / 4.0;
            let _ = write!(
                s,
                r##"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#ccc" stroke-width="1"/><text x="{:.1}" y="{:.1}" font-size="13" text-anchor="end" fill="currentColor">{}</text>"##,
                W - RIGHT,
                LEFT - 4.0,
                y + 4.0,
                escape(&short_number(v))
            );
        }
        let n = self.points.len();
        if n == 0 {
            let _ = write!(
                s,
                r#"<text x="{:.1}" y="{:.1}" font-size="15" text-anchor="middle" fill="currentColor">–</text></svg>"#,
                LEFT + plot_w / 2.0,
                TOP + plot_h / 2.0
            );
            return s;
        }
        let slot = plot_w / n as f64;
        let x_of = |i: usize| LEFT + slot * (i as f64 + 0.5);
        let y_of = |v: f64| TOP + plot_h - plot_h * (v.max(0.0) / max);
        match self.kind {
            Kind::Bar => {
                let bw = (slot * 0.8).max(1.0);
                for (i, (label, v)) in self.points.iter().enumerate() {
                    let y = y_of(*v);
                    let _ = write!(
                        s,
                        r##"<rect class="bar" x="{:.2}" y="{y:.2}" width="{bw:.2}" height="{:.2}" fill="#2a6fdb"><title>{}: {}</title></rect>"##,
                        x_of(i) - bw / 2.0,
                        (TOP + plot_h - y).max(0.0),
                        escape(label),
                        number(*v, self.decimals)
                    );
                }
            }
            Kind::Line => {
                let pts: Vec<String> = self
                    .points
                    .iter()
                    .enumerate()
                    .map(|(i, (_, v))| format!("{:.2},{:.2}", x_of(i), y_of(*v)))
                    .collect();
                let _ = write!(
                    s,
                    r##"<polyline class="line" points="{}" fill="none" stroke="#2a6fdb" stroke-width="2.5"/>"##,
                    pts.join(" ")
                );
                for (i, (label, v)) in self.points.iter().enumerate() {
                    let _ = write!(
                        s,
                        r##"<circle class="point" cx="{:.2}" cy="{:.2}" r="3.5" fill="#2a6fdb"><title>{}: {}</title></circle>"##,
                        x_of(i),
                        y_of(*v),
                        escape(label),
                        number(*v, self.decimals)
                    );
                }
            }
        }
        if let Some(limit) = self.limit {
            let y = y_of(limit);
            let _ = write!(
                s,
                r##"<line class="limit" x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#c0392b" stroke-width="2" stroke-dasharray="6 4"><title>{}</title></line>"##,
                W - RIGHT,
                number(limit, self.decimals)
            );
        }
        // A few labels under the axis, first and last always, as many as fit side by side
        // at the phone's text size.
        let longest = self
            .points
            .iter()
            .map(|p| p.0.chars().count())
            .max()
            .unwrap_or(1);
        let fit = (plot_w / (longest as f64 * CHAR_W + 16.0)).floor() as usize;
        for i in label_indices_upto(n, fit.clamp(2, MAX_X_LABELS)) {
            let anchor = if n == 1 {
                "middle"
            } else if i == 0 {
                "start"
            } else if i == n - 1 {
                "end"
            } else {
                "middle"
            };
            let x = match anchor {
                "start" => LEFT,
                "end" => W - RIGHT,
                _ => x_of(i),
            };
            let _ = write!(
                s,
                r#"<text class="x-label" x="{x:.1}" y="{:.1}" font-size="13" text-anchor="{anchor}" fill="currentColor">{}</text>"#,
                H - 12.0,
                escape(&self.points[i].0)
            );
        }
        s.push_str("</svg>");
        s
    }
}

/// Which of `n` points get a label under the axis: at most [`MAX_X_LABELS`], evenly
/// spread, first and last included.
pub fn label_indices(n: usize) -> Vec<usize> {
    label_indices_upto(n, MAX_X_LABELS)
}

/// The same with at most `most` (≥ 2) labels.
fn label_indices_upto(n: usize, most: usize) -> Vec<usize> {
    if n <= most {
        return (0..n).collect();
    }
    let mut out: Vec<usize> = (0..most).map(|k| k * (n - 1) / (most - 1)).collect();
    out.dedup();
    out
}

/// An axis number: 1200 → "1.2k", 3 → "3", 2.5 → "2.5".
fn short_number(v: f64) -> String {
    if v >= 1_000_000.0 {
        format!("{}M", trim(v / 1_000_000.0))
    } else if v >= 10_000.0 {
        format!("{}k", trim(v / 1000.0))
    } else {
        trim(v)
    }
}

fn trim(v: f64) -> String {
    // Two decimals, so a quarter step (0.25) is not rounded off its grid line.
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(kind: Kind, points: &[(&str, f64)]) -> Chart {
        Chart {
            id: "test",
            title: "Enrolments <per> week".into(),
            desc: "How many & when".into(),
            kind,
            label_header: "Week".into(),
            value_header: "Enrolments".into(),
            points: points.iter().map(|(l, v)| (l.to_string(), *v)).collect(),
            decimals: 0,
            limit: None,
        }
    }

    #[test]
    fn svg_is_labelled_scalable_and_escaped() {
        let svg = chart(Kind::Bar, &[("a<b", 3.0), ("c", 5.0)]).svg();
        assert!(svg.starts_with("<svg"));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains(r#"viewBox="0 0 480 240""#));
        assert!(svg.contains(r#"width="100%""#));
        assert!(svg.contains("<title id=\"chart-test-title\">Enrolments &lt;per&gt; week</title>"));
        assert!(svg.contains("<desc id=\"chart-test-desc\">How many &amp; when</desc>"));
        assert!(svg.contains("<title>a&lt;b: 3</title>"));
        assert!(!svg.contains("a<b"));
        // The document parses as XML-ish: every opened rect is closed.
        assert_eq!(svg.matches("<rect").count(), svg.matches("</rect>").count());
    }

    #[test]
    fn bars_are_proportional_to_values() {
        let svg = chart(Kind::Bar, &[("a", 5.0), ("b", 10.0), ("c", 0.0)]).svg();
        let heights: Vec<f64> = svg
            .split("<rect")
            .skip(1)
            .map(|r| {
                let h = r.split("height=\"").nth(1).unwrap();
                h[..h.find('"').unwrap()].parse().unwrap()
            })
            .collect();
        assert_eq!(heights.len(), 3);
        let plot_h = H - TOP - BOTTOM;
        // Counts: the axis tops at 12 (nice_max(10) = 10, up to four whole steps of 3):
        // 10 fills 10/12 of the plot, 5 half of that, 0 nothing.
        assert!(
            (heights[1] - plot_h * 10.0 / 12.0).abs() < 0.01,
            "{heights:?}"
        );
        assert!(
            (heights[0] - plot_h * 5.0 / 12.0).abs() < 0.01,
            "{heights:?}"
        );
        assert!(heights[2].abs() < 0.01, "{heights:?}");
    }

    #[test]
    fn a_line_has_one_point_per_value() {
        let svg = chart(Kind::Line, &[("a", 1.0), ("b", 2.0), ("c", 4.0)]).svg();
        assert_eq!(svg.matches("<polyline").count(), 1);
        assert_eq!(svg.matches("<circle").count(), 3);
        let points = svg.split("points=\"").nth(1).unwrap();
        let points = &points[..points.find('"').unwrap()];
        assert_eq!(points.split(' ').count(), 3);
    }

    #[test]
    fn an_empty_chart_still_renders() {
        let svg = chart(Kind::Line, &[]).svg();
        assert!(svg.contains(r#"role="img""#));
        assert!(!svg.contains("<polyline"));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn few_labels_under_the_axis() {
        assert_eq!(label_indices(3), vec![0, 1, 2]);
        let many = label_indices(52);
        assert_eq!(many.len(), MAX_X_LABELS);
        assert_eq!(many.first(), Some(&0));
        assert_eq!(many.last(), Some(&51));
        let svg = chart(Kind::Bar, &(0..52).map(|_| ("w", 1.0)).collect::<Vec<_>>()).svg();
        assert_eq!(svg.matches("class=\"x-label\"").count(), MAX_X_LABELS);
    }

    #[test]
    fn a_limit_is_drawn_and_fits_the_axis() {
        let mut c = chart(Kind::Bar, &[("a", 3.0)]);
        c.limit = Some(100.0);
        let svg = c.svg();
        assert_eq!(svg.matches("class=\"limit\"").count(), 1);
        // The axis tops at the limit, so the limit's line is the top grid line.
        assert!(svg.contains(&format!(
            "y1=\"{TOP:.1}\" y2=\"{TOP:.1}\" stroke=\"#c0392b\""
        )));
    }

    /// The y axis' numbers of a chart's SVG, bottom to top.
    fn y_ticks(svg: &str) -> Vec<String> {
        svg.split(r#"text-anchor="end" fill="currentColor">"#)
            .skip(1)
            .map(|t| t.split('<').next().unwrap().to_string())
            .filter(|t| !t.is_empty())
            .take(5)
            .collect()
    }

    #[test]
    fn counts_get_whole_number_grid_lines_and_fractions_are_not_rounded_off() {
        let svg = chart(Kind::Bar, &[("a", 2.0), ("b", 1.0)]).svg();
        assert_eq!(y_ticks(&svg), ["0", "1", "2", "3", "4"]);
        let svg = chart(Kind::Bar, &[("a", 5.0)]).svg();
        assert_eq!(y_ticks(&svg), ["0", "2", "4", "6", "8"]);
        let mut shares = chart(Kind::Line, &[("a", 0.9)]);
        shares.decimals = 1;
        assert_eq!(y_ticks(&shares.svg()), ["0", "0.25", "0.5", "0.75", "1"]);
    }

    #[test]
    fn long_labels_are_thinned_so_they_do_not_overlap() {
        let dates: Vec<(String, f64)> =
            (1..=52).map(|w| (format!("2026-01-{w:02}"), 1.0)).collect();
        let mut c = chart(Kind::Bar, &[]);
        c.points = dates;
        let svg = c.svg();
        let shown = svg.matches("class=\"x-label\"").count();
        // 10 characters ≈ 141 units each in a 410-unit plot: two fit, not five.
        assert!((2..MAX_X_LABELS).contains(&shown), "{shown} labels");
    }

    #[test]
    fn dates_are_shown_in_the_readers_language_and_the_csv_keeps_iso() {
        use crate::i18n::Tr;
        let c = chart(
            Kind::Bar,
            &[
                ("2026-12-07", 1.0),
                ("2026-12", 2.0),
                ("2026-12-09 Q&A", 3.0),
                ("Intro", 4.0),
            ],
        );
        let de = c.for_reader(&Tr::new("de"));
        let labels: Vec<&str> = de.points.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(
            labels,
            ["7. Dez. 2026", "Dez. 2026", "9. Dez. 2026 Q&A", "Intro"]
        );
        assert!(de.svg().contains(">7. Dez. 2026</text>"), "{}", de.svg());
        assert!(!de.svg().contains("2026-12-07"));
        let en = c.for_reader(&Tr::new("en-US"));
        assert_eq!(en.points[0].0, "7 Dec 2026");
        assert_eq!(c.for_reader(&Tr::new("fr")).points[1].0, "déc. 2026");
        // The CSV stays machine-readable.
        assert!(
            c.csv().contains("\r\n2026-12-07,1\r\n2026-12,2\r\n"),
            "{}",
            c.csv()
        );
        // Not dates: kept.
        for l in ["2026-13", "2026-1x", "2026-12-07x", "12345678901"] {
            assert_eq!(reader_label(l, &Tr::new("de")), l);
        }
    }

    #[test]
    fn nice_axis_tops() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(10.0), 10.0);
        assert_eq!(nice_max(11.0), 20.0);
        assert_eq!(nice_max(420.0), 500.0);
        assert_eq!(nice_max(0.3), 0.5);
    }

    #[test]
    fn csv_is_escaped_and_formula_safe() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM"), "'@SUM");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
        let c = chart(Kind::Bar, &[("=cmd", 2.0), ("ok", 3.0)]);
        assert_eq!(c.csv(), "Week,Enrolments\r\n'=cmd,2\r\nok,3\r\n");
    }

    #[test]
    fn control_characters_never_reach_the_svg() {
        assert_eq!(escape("a\u{0}b\u{1b}c"), "abc");
    }
}
