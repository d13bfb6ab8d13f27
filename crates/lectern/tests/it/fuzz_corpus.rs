//! The fuzz targets' checks (fuzz/src/checks.rs, included here by path) on every `cargo
//! test`, without the fuzz build: over the corpus kept in fuzz/corpus/<target>/ (the seeds
//! and whatever a fuzzing run found), and over generated input (proptest) — random bytes
//! for every target, and Markdown assembled from the pieces of known script injections,
//! which random bytes rarely hit. `fuzz/run` fuzzes for real (README.md, "Fuzzing").

use std::path::Path;

use proptest::prelude::*;

#[path = "../../../../fuzz/src/checks.rs"]
mod checks;

#[test]
fn the_fuzz_corpus_passes_every_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    for (name, check) in checks::TARGETS {
        let mut seeds = 0;
        for entry in std::fs::read_dir(root.join(name)).expect("fuzz/corpus/<target>") {
            let path = entry.expect("entry").path();
            let data = std::fs::read(&path).expect("seed");
            if std::panic::catch_unwind(|| check(&data)).is_err() {
                panic!("{} fails the {name} check", path.display());
            }
            seeds += 1;
        }
        assert!(seeds >= 3, "fuzz/corpus/{name} has only {seeds} inputs");
    }
}

/// Pieces of Markdown and HTML that script injections are made of.
const PIECES: &[&str] = &[
    "<script>",
    "</script>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"",
    "\">",
    "javascript:",
    "JaVaScRiPt:",
    "java\tscript:",
    "&#106;",
    "&#x6A;",
    "&colon;",
    "data:text/html,",
    "vbscript:",
    "[x](",
    "![i](",
    ")",
    "](",
    "[1]: ",
    "\n",
    "\n\n",
    "`",
    "```\n",
    "    ",
    "> ",
    "- [ ] ",
    "| a |",
    "|:-:|",
    "<",
    ">",
    "\"",
    "'",
    " onclick=",
    " onmouseover=\"",
    "style=",
    "<svg onload=x>",
    "<iframe srcdoc=",
    "\\",
    "//evil.example",
    "/\\evil",
    "mailto:",
    "https://ok.example/",
    "@SamStudent",
    "<span class=\"mention\">",
    "*",
    "_",
    "<!--",
    "-->",
    "&",
    "#",
    "?",
    "%0a",
];

fn markdown_like() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Lesson and post Markdown never yields `<script`, an `on…=` handler or a script URL.
    #[test]
    fn markdown_made_of_injection_pieces_renders_safe(md in markdown_like()) {
        checks::markdown(md.as_bytes());
        checks::discussion(md.as_bytes());
        let lower = lectern::courses::markdown::render(&md).to_ascii_lowercase();
        prop_assert!(!lower.contains("<script"));
    }

    /// Random bytes through every target's check.
    #[test]
    fn random_bytes_pass_every_check(data in prop::collection::vec(any::<u8>(), 0..600)) {
        for (_, check) in checks::TARGETS {
            check(&data);
        }
    }
}
