//! Renders certificates and reads them back with poppler's command-line tools (pdftotext,
//! pdftoppm, pdfinfo; Debian package poppler-utils) and a QR decoder.

use std::path::PathBuf;
use std::process::Command;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use certificate_pdf::{Certificate, Date, Fonts, Paper, RenderError, render};

/// The fonts the app would load: LECTERN_FONTS_DIR if set, else /usr/share/fonts.
static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let dir = std::env::var_os("LECTERN_FONTS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/fonts"));
    let t = Instant::now();
    let fonts = Fonts::load(&[dir]);
    eprintln!("fonts loaded in {:?}: {:#?}", t.elapsed(), fonts.describe());
    fonts
});

fn sample(name: &str) -> Certificate<'_> {
    Certificate {
        paper: Paper::A4,
        title: "Certificate of Completion",
        preamble: "This certifies that",
        learner_name: name,
        body: "has successfully completed all modules, assignments and the final project of the course",
        course_title: "Rust for Systems Programmers",
        school_name: "Northwind Academy of Software",
        logo: None,
        accent: (0x1f, 0x4e, 0x8c),
        date_line: "3 December 2026",
        hours_line: Some("Live sessions attended: 6 h 20 min"),
        signer_name: Some("Dr. Grace Hopper"),
        signer_title: Some("Head of Curriculum"),
        serial: "Certificate no. LCT-2026-000123",
        verify_label: "Verify at",
        verify_url: "https://lectern.example/verify/LCT-2026-000123",
        issued: Date {
            year: 2026,
            month: 12,
            day: 3,
        },
    }
}

/// A unique path in the system temporary directory (the tests run in parallel).
fn temp_path(ext: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "certificate-pdf-test-{}-{}.{ext}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ))
}

struct TempFile(PathBuf);

impl TempFile {
    fn with(bytes: &[u8], ext: &str) -> TempFile {
        let p = temp_path(ext);
        std::fs::write(&p, bytes).unwrap();
        TempFile(p)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (install poppler-utils)"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn pdftotext(pdf: &[u8]) -> String {
    let f = TempFile::with(pdf, "pdf");
    run(Command::new("pdftotext").arg(&f.0).arg("-"))
}

fn pdfinfo(pdf: &[u8], meta: bool) -> String {
    let f = TempFile::with(pdf, "pdf");
    let mut cmd = Command::new("pdfinfo");
    if meta {
        cmd.arg("-meta");
    }
    run(cmd.arg(&f.0))
}

/// Rasterize page 1 at `dpi`; PNG bytes.
fn pdftoppm(pdf: &[u8], dpi: u32) -> Vec<u8> {
    let f = TempFile::with(pdf, "pdf");
    let out = temp_path("out");
    run(Command::new("pdftoppm")
        .args(["-png", "-singlefile", "-r", &dpi.to_string()])
        .arg(&f.0)
        .arg(&out));
    let png = out.with_extension("out.png");
    let bytes = std::fs::read(&png).unwrap();
    let _ = std::fs::remove_file(&png);
    bytes
}

/// Without white space and bidi formatting characters: pdftotext puts line breaks and spaces
/// where the layout has gaps, and wraps right-to-left text in embedding marks.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            !c.is_whitespace()
                && !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        })
        .collect()
}

/// Whether the extracted text contains `name`. pdftotext gives right-to-left text in logical
/// order (krilla writes the characters of each glyph cluster in the ToUnicode map and marks
/// right-to-left runs as reversed), but where directions mix it arranges the runs of a line by
/// its own bidi analysis. So: the whole name in logical order (spaces and bidi marks ignored),
/// or, for names that mix directions, every word of the name (without surrounding ASCII
/// punctuation, which bidi may move to the other side of a word) in logical order.
fn contains_name(extracted: &str, name: &str, mixed: bool) -> bool {
    let text = squash(extracted);
    if text.contains(&squash(name)) {
        return true;
    }
    mixed
        && name
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| c.is_ascii_punctuation()))
            .all(|w| text.contains(&squash(w)))
}

fn render_ok(c: &Certificate<'_>) -> Vec<u8> {
    match render(&FONTS, c) {
        Ok(pdf) => pdf,
        Err(e) => panic!("render failed: {e}"),
    }
}

fn check_name(name: &str, mixed: bool) {
    let pdf = render_ok(&sample(name));
    let text = pdftotext(&pdf);
    assert!(
        contains_name(&text, name, mixed),
        "{name:?} not found in the extracted text:\n{text}"
    );
    // Still PDF/A (render falls back to plain PDF when validation fails).
    assert!(is_pdfa_2b(&pdf), "{name:?}: not PDF/A-2b");
}

fn is_pdfa_2b(pdf: &[u8]) -> bool {
    let meta = pdfinfo(pdf, true);
    meta.contains("<pdfaid:part>2</pdfaid:part>")
        && meta.contains("<pdfaid:conformance>B</pdfaid:conformance>")
}

#[test]
fn latin_with_diacritics_and_all_fields_extractable() {
    let c = sample("Zoë Łukasiewicz-Ångström");
    let pdf = render_ok(&c);
    let text = pdftotext(&pdf);
    for s in [
        c.learner_name,
        c.course_title,
        c.school_name,
        c.serial,
        c.verify_url,
        c.title,
        c.date_line,
        c.signer_name.unwrap(),
    ] {
        assert!(squash(&text).contains(&squash(s)), "{s:?} not in:\n{text}");
    }
}

#[test]
fn greek_name() {
    check_name("Αλέξανδρος Παπαδόπουλος", false);
}

#[test]
fn cyrillic_name() {
    check_name("Анна Каренина", false);
}

#[test]
fn arabic_name() {
    check_name("محمد عبد الله", false);
}

#[test]
fn hebrew_name() {
    check_name("דוד בן־גוריון", false);
}

#[test]
fn mixed_scripts_in_one_line() {
    check_name("Leïla بن علي Ира", true);
    check_name("Λέων (ليون) לאון", true);
}

#[test]
fn cjk_name_with_system_font() {
    let name = "山田 花子";
    if let Err(e) = FONTS.check(name) {
        if std::env::var_os("CI").is_some() {
            panic!("CI is set but no CJK font was found ({e}): install fonts-noto-cjk");
        }
        eprintln!("skipped: no CJK font found ({e}); install fonts-noto-cjk");
        return;
    }
    check_name(name, false);
}

#[test]
fn qr_code_decodes_to_the_verify_url() {
    let long = format!(
        "https://lectern.example/verify/{}",
        "0123456789abcdef".repeat(6)
    );
    for url in [
        "https://lectern.example/verify/LCT-2026-000123",
        long.as_str(),
    ] {
        let mut c = sample("Zoë Łukasiewicz-Ångström");
        c.verify_url = url;
        let pdf = render_ok(&c);
        let png = pdftoppm(&pdf, 150);
        let img = image::load_from_memory(&png).unwrap().to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code on the page");
        let (_, content) = grids[0].decode().unwrap();
        assert_eq!(content, url);
        // The URL is printed too (possibly over several lines).
        assert!(squash(&pdftotext(&pdf)).contains(url));
    }
}

#[test]
fn very_long_name_renders() {
    let long: String = "Maximiliana Wilhelmina von Hohenzollern-Sigmaringen "
        .repeat(4)
        .chars()
        .take(200)
        .collect();
    assert_eq!(long.chars().count(), 200);
    let pdf = render_ok(&sample(&long));
    let text = pdftotext(&pdf);
    assert!(squash(&text).contains(&squash(&long)), "{text}");
    // No spaces at all: broken between letters.
    let unbroken = "x".repeat(200);
    render_ok(&sample(&unbroken));
}

#[test]
fn uncovered_character_is_an_error() {
    let name = "Anna \u{10FFFD}";
    assert!(FONTS.check(name).is_err());
    match render(&FONTS, &sample(name)) {
        Err(RenderError::Uncovered { field, ch }) => {
            assert_eq!(field, "learner_name");
            assert_eq!(ch, '\u{10FFFD}');
        }
        other => panic!("expected Uncovered, got {:?}", other.map(|p| p.len())),
    }
    let mut c = sample("Anna");
    c.body = "done \u{10FFFD}";
    assert!(matches!(
        render(&FONTS, &c),
        Err(RenderError::Uncovered { field: "body", .. })
    ));
}

#[test]
fn markup_is_drawn_literally_and_controls_are_dropped() {
    let name = "<script>alert(1)</script>";
    check_name(name, false);
    let pdf = render_ok(&sample("Ann\u{0}a\u{202E} Lee\u{1b}"));
    let text = pdftotext(&pdf);
    assert!(text.contains("Anna Lee"), "{text}");
}

#[test]
fn paper_sizes_and_metadata() {
    for (paper, size) in [(Paper::A4, "841.89 x 595.28"), (Paper::Letter, "792 x 612")] {
        let mut c = sample("Zoë Łukasiewicz-Ångström");
        c.paper = paper;
        let pdf = render_ok(&c);
        let info = pdfinfo(&pdf, false);
        let line = info
            .lines()
            .find(|l| l.starts_with("Page size:"))
            .unwrap_or_else(|| panic!("{info}"));
        assert!(line.contains(size), "{paper:?}: {line}");
        let title = info.lines().find(|l| l.starts_with("Title:")).unwrap();
        assert!(
            title.contains("Certificate of Completion") && title.contains("Zoë"),
            "{title}"
        );
        assert!(is_pdfa_2b(&pdf), "{paper:?}: not PDF/A-2b");
    }
}

/// A 120 × 40 checkerboard PNG with transparent corners.
fn test_logo() -> Vec<u8> {
    let img = image::RgbaImage::from_fn(120, 40, |x, y| {
        if !(6..=113).contains(&x) && !(6..=33).contains(&y) {
            image::Rgba([0, 0, 0, 0])
        } else if (x / 10 + y / 10) % 2 == 0 {
            image::Rgba([0x1f, 0x4e, 0x8c, 0xff])
        } else {
            image::Rgba([0xf0, 0xc0, 0x40, 0xff])
        }
    });
    let mut png = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    png
}

/// Whether the top fifth of page 1 has pixels of the logo's yellow.
fn logo_drawn(pdf: &[u8]) -> bool {
    let img = image::load_from_memory(&pdftoppm(pdf, 50))
        .unwrap()
        .to_rgb8();
    let top = img.height() / 5;
    img.enumerate_pixels()
        .any(|(_, y, p)| y < top && p[0] > 200 && p[1] > 150 && p[1] < 220 && p[2] < 120)
}

#[test]
fn logo_png_and_jpeg() {
    let png = test_logo();
    let mut jpeg = Vec::new();
    image::load_from_memory(&png)
        .unwrap()
        .to_rgb8()
        .write_to(
            &mut std::io::Cursor::new(&mut jpeg),
            image::ImageFormat::Jpeg,
        )
        .unwrap();
    let mut c = sample("Zoë Łukasiewicz-Ångström");
    assert!(!logo_drawn(&render_ok(&c)));
    for logo in [&png, &jpeg] {
        c.logo = Some(logo);
        let pdf = render_ok(&c);
        assert!(logo_drawn(&pdf));
        assert!(pdftotext(&pdf).contains("Rust for Systems Programmers"));
    }
    c.logo = Some(b"GIF89a not an image");
    assert!(matches!(render(&FONTS, &c), Err(RenderError::Logo(_))));
    c.logo = Some(&png[..png.len() / 2]);
    assert!(matches!(render(&FONTS, &c), Err(RenderError::Logo(_))));
}

#[test]
fn render_time() {
    let fonts = &*FONTS;
    let names = [
        "Zoë Łukasiewicz-Ångström",
        "محمد عبد الله",
        "Анна Каренина",
        "山田 花子",
    ];
    for name in names {
        if fonts.check(name).is_err() {
            continue;
        }
        let c = sample(name);
        render(fonts, &c).unwrap();
        let mut times = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            let pdf = render(fonts, &c).unwrap();
            times.push(t.elapsed());
            assert!(pdf.len() > 1000);
        }
        times.sort();
        eprintln!(
            "render {name:?}: median {:?}, max {:?} (fonts already loaded; {} build)",
            times[times.len() / 2],
            times[times.len() - 1],
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
        );
    }
}

/// Writes sample PDFs and PNGs to CERTIFICATE_PDF_SAMPLES (a directory) when it is set, for
/// looking at the design.
#[test]
fn samples_for_review() {
    let Some(dir) = std::env::var_os("CERTIFICATE_PDF_SAMPLES") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let logo = test_logo();
    let long: String = "Maximiliana Wilhelmina von Hohenzollern-Sigmaringen ".repeat(4);
    let long = &long[..200];
    for (file, name, paper) in [
        ("latin", "Zoë Łukasiewicz-Ångström", Paper::A4),
        ("arabic", "محمد عبد الله", Paper::A4),
        ("hebrew", "דוד בן־גוריון", Paper::Letter),
        ("cjk", "山田 花子", Paper::A4),
        ("long", long, Paper::Letter),
        ("mixed", "Leïla بن علي (Λ) Ира", Paper::A4),
        ("everything-long", long, Paper::A4),
    ] {
        let mut c = sample(name);
        c.paper = paper;
        if file == "latin" {
            c.logo = Some(&logo);
        }
        if file == "arabic" {
            c.title = "شهادة إتمام";
            c.preamble = "نشهد بأن";
            c.body = "أتمّ بنجاح جميع وحدات الدورة والمشروع النهائي";
            c.course_title = "البرمجة بلغة Rust";
            c.date_line = "٣ ديسمبر ٢٠٢٦";
            c.verify_label = "تحقق على";
            c.accent = (0x0b, 0x6e, 0x4f);
        }
        let body = "has completed every module of the course with distinction. ".repeat(8);
        let course = "Advanced Topics in Distributed Systems Engineering ".repeat(3);
        let url = format!("https://lectern.example/verify/{}", "A".repeat(100));
        if file == "everything-long" {
            c.body = &body;
            c.course_title = &course;
            c.verify_url = &url;
            c.accent = (0xff, 0xd7, 0x00);
        }
        let Ok(pdf) = render(&FONTS, &c) else {
            continue;
        };
        std::fs::write(dir.join(format!("{file}.pdf")), &pdf).unwrap();
        std::fs::write(dir.join(format!("{file}.png")), pdftoppm(&pdf, 100)).unwrap();
    }
}
