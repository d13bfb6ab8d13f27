//! Markdown for document lessons, rendered safely: raw HTML is dropped and link and image
//! URLs are limited to http, https, mailto and relative ones. The output is the only HTML
//! a template prints with `|safe`.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

/// Renders untrusted Markdown to HTML that cannot run script.
pub fn render(source: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let events = Parser::new_ext(source, options).filter_map(|event| match event {
        // Raw HTML, block or inline, never reaches the page.
        Event::Html(_) | Event::InlineHtml(_) => None,
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Some(Event::Start(Tag::Link {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        })),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Some(Event::Start(Tag::Image {
            link_type,
            dest_url: safe_url(dest_url),
            title,
            id,
        })),
        other => Some(other),
    });
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    if allowed_url(&url) {
        url
    } else {
        CowStr::Borrowed("#")
    }
}

/// http, https and mailto URLs, and relative ones (no scheme). Whatever stands before a
/// colon that comes before any slash, query or fragment must be exactly one of those
/// schemes: nothing is stripped first. Browsers drop tabs and newlines anywhere and
/// controls at the ends (`java\tscript:` is `javascript:` to them), and the HTML writer
/// percent-encodes other characters (`https\u{7f}:` became `https%7F:`): a scheme with
/// any such character in it is refused rather than guessed at.
pub(crate) fn allowed_url(url: &str) -> bool {
    let cleaned = url.to_ascii_lowercase();
    let scheme_end = cleaned.find(':');
    let path_start = cleaned.find(['/', '?', '#']);
    match (scheme_end, path_start) {
        // A colon before any slash, query or fragment: that's a scheme.
        (Some(c), None) => scheme_ok(&cleaned[..c]),
        (Some(c), Some(p)) if c < p => scheme_ok(&cleaned[..c]),
        // Relative, unless a browser would read it as another host (`\\host`, `/\\host`),
        // as it reads it: controls and spaces dropped at the start, tabs and newlines
        // anywhere.
        _ => {
            let read: String = cleaned
                .trim_start_matches(|c: char| c <= ' ')
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .collect();
            !read.starts_with('\\') && !read.starts_with("/\\")
        }
    }
}

fn scheme_ok(scheme: &str) -> bool {
    matches!(scheme, "http" | "https" | "mailto")
}

/// At most `max` characters of `text` for a preview (the catalogue): whitespace runs become
/// one space, and a longer text is cut at the last word boundary before the limit, with an
/// ellipsis, so no word is shown half.
pub(crate) fn excerpt(text: &str, max: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = String::new();
    for (i, word) in words.iter().enumerate() {
        let sep = usize::from(!out.is_empty());
        // Room for the word, and for "…" unless it is the last one.
        let reserve = usize::from(i + 1 < words.len());
        if out.chars().count() + sep + word.chars().count() + reserve > max {
            if out.is_empty() {
                // A single word longer than the limit: nothing better than cutting it.
                out.extend(word.chars().take(max.saturating_sub(1)));
            }
            let kept = out.trim_end_matches([',', ';', ':', '-', '–', '—']).len();
            out.truncate(kept);
            out.push('…');
            return out;
        }
        if sep == 1 {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_end_at_a_word_boundary_with_an_ellipsis() {
        assert_eq!(excerpt("Short and sweet.", 160), "Short and sweet.");
        assert_eq!(
            excerpt("  Spaces\n\n and\tlines  ", 160),
            "Spaces and lines"
        );
        assert_eq!(
            excerpt("Learn Rust from the ground up, with exercises", 24),
            "Learn Rust from the…"
        );
        assert_eq!(excerpt("Alpha beta, gamma", 13), "Alpha beta…");
        // Exactly at the limit: no ellipsis.
        assert_eq!(excerpt("Alpha beta", 10), "Alpha beta");
        assert_eq!(excerpt("Übermäßig lange Wörter", 12), "Übermäßig…");
        assert_eq!(excerpt("Donaudampfschifffahrt", 8), "Donauda…");
        for max in 2..60 {
            let e = excerpt("The quick brown fox jumps over the lazy dog again", max);
            assert!(e.chars().count() <= max, "{max}: {e}");
            let body = e.trim_end_matches('…');
            assert!(
                "The quick brown fox jumps over the lazy dog again"
                    .split(' ')
                    .collect::<Vec<_>>()
                    .starts_with(&body.split(' ').collect::<Vec<_>>())
                    || max < 4,
                "{max}: {e}"
            );
        }
    }

    #[test]
    fn renders_ordinary_markdown() {
        let html = render(
            "# Title\n\nSome *text* and [a link](https://example.com/x?a=1&b=2).\n\n- one\n- two\n",
        );
        assert!(html.contains("<h1>Title</h1>"));
        assert!(html.contains("<em>text</em>"));
        assert!(html.contains(r#"<a href="https://example.com/x?a=1&amp;b=2">a link</a>"#));
        assert!(html.contains("<li>one</li>"));
        let rel = render("[next](/courses/x) ![pic](img/a.png) [mail](mailto:a@b.co) [top](#top)");
        assert!(rel.contains(r#"href="/courses/x""#));
        assert!(rel.contains(r#"src="img/a.png""#));
        assert!(rel.contains(r#"href="mailto:a@b.co""#));
        assert!(rel.contains(r##"href="#top""##));
    }

    #[test]
    fn raw_html_is_dropped() {
        for payload in [
            "<script>alert(1)</script>",
            "Hello <img src=x onerror=alert(1)> world",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<div onclick=\"alert(1)\">click</div>",
            "<svg><script>alert(1)</script></svg>",
            "text <a href=\"javascript:alert(1)\">x</a>",
            "<style>body{display:none}</style>",
        ] {
            let html = render(payload);
            for bad in [
                "<script",
                "<img",
                "<iframe",
                "onclick",
                "onerror",
                "<svg",
                "javascript:",
                "<style",
                "<div",
            ] {
                assert!(
                    !html.to_lowercase().contains(bad),
                    "{payload:?} produced {html:?}"
                );
            }
        }
    }

    #[test]
    fn dangerous_urls_are_neutralised() {
        for payload in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "[x](java\tscript:alert(1))",
            "[x](<java script:alert(1)>)",
            "[x](&#106;avascript:alert(1))",
            "[x](vbscript:msgbox(1))",
            "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "![x](javascript:alert(1))",
            "![x](data:image/svg+xml,<svg onload=alert(1)>)",
            "<javascript:alert(1)>",
            "[x][r]\n\n[r]: javascript:alert(1)",
            "[x](\\\\evil.example/share)",
        ] {
            let html = render(payload).to_lowercase();
            for attr in ["href=\"", "src=\""] {
                for bad in ["javascript", "vbscript", "data", "\\", "java script"] {
                    assert!(
                        !html.contains(&format!("{attr}{bad}")),
                        "{payload:?} produced {html:?}"
                    );
                }
            }
            assert!(!html.contains("<svg"), "{payload:?} produced {html:?}");
        }
    }

    #[test]
    fn text_and_attributes_are_escaped() {
        let html = render(
            "[a\" onmouseover=\"alert(1)](https://x.example/\"onmouseover=\"alert(1) \"t\\\"itle\")",
        );
        // Quotes can't close an attribute: they're percent-encoded in URLs and escaped in titles.
        assert!(
            html.contains(r#"href="https://x.example/%22onmouseover=%22alert(1)""#),
            "{html}"
        );
        assert!(html.contains(r#"title="t&quot;itle""#), "{html}");
        let code = render("`<b>bold</b>`\n\n    <script>x</script>\n");
        assert!(code.contains("&lt;b&gt;"));
        assert!(code.contains("&lt;script&gt;"));
    }

    #[test]
    fn url_rules() {
        assert!(allowed_url("https://example.com"));
        assert!(allowed_url("HTTP://example.com"));
        assert!(allowed_url("mailto:x@y.z"));
        assert!(allowed_url("/a/b:c"));
        assert!(allowed_url("a/b?c=d:e"));
        assert!(allowed_url("#frag"));
        assert!(!allowed_url("javascript:alert(1)"));
        assert!(!allowed_url(" javascript:alert(1)"));
        assert!(!allowed_url("ftp://x"));
        assert!(!allowed_url("\\\\server\\share"));
        // A scheme with anything else in it is refused, whether a browser would drop
        // the character or keep it (a fuzzer's `https\u{7f}://` came out of the HTML
        // writer as the unlisted `https%7F:`).
        for url in [
            "java\tscript:alert(1)",
            "java\nscript:alert(1)",
            "\u{1}javascript:alert(1)",
            "java\u{1}script:alert(1)",
            "https\u{7f}://example.org",
            "\u{1}https://example.org",
            "ht\ttps://example.org",
        ] {
            assert!(!allowed_url(url), "{url:?}");
        }
        assert!(allowed_url("/a\u{7f}b"), "no scheme: relative");
        for url in [
            "\u{1}\\\\server\\share",
            " /\\evil.example",
            "/\t\\evil.example",
        ] {
            assert!(!allowed_url(url), "{url:?} is another host");
        }
    }
}
