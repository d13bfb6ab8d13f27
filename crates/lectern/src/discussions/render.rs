//! A post's Markdown as HTML that cannot run script. Two layers: the lesson renderer's
//! event filter (`courses::markdown`: raw HTML dropped, link and image URLs limited to
//! http, https, mailto and relative ones), then ammonia's whitelist sanitiser over its
//! output, which also marks every link `rel="nofollow ugc noopener noreferrer"`: a
//! member's link earns no ranking and gets no handle on our page. See docs/discussions.md.

use std::collections::HashSet;
use std::sync::LazyLock;

static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::default();
    b.link_rel(Some("nofollow ugc noopener noreferrer"))
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        // Task lists render a disabled checkbox; nothing else of a form gets through.
        .add_tags(["input"])
        .add_tag_attribute_values("input", "type", ["checkbox"])
        .add_tag_attributes("input", ["disabled", "checked"]);
    b
});

/// Renders a post's Markdown to safe HTML.
pub fn render(markdown: &str) -> String {
    let filtered = crate::courses::markdown::render(markdown);
    CLEANER.clean(&filtered).to_string()
}

/// The reply form's text for quoting `body` by `author`: each line prefixed with "> ".
pub fn quote(author: &str, body: &str) -> String {
    let mut out = format!("> **{author}:**\n>\n");
    for line in body.lines() {
        if line.is_empty() {
            out.push_str(">\n");
        } else {
            out.push_str("> ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push('\n');
    out
}

/// A member's handle for mentions: their display name with everything but letters and
/// digits removed, lower-cased ("Sam Student" → "samstudent", written `@SamStudent`).
pub fn handle(display_name: &str) -> String {
    display_name
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The handles mentioned in `body` (`@Word` after a non-word character), lower-cased.
pub fn mentions(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '@' && !prev.is_some_and(|p| p.is_alphanumeric()) {
            let word: String = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_alphanumeric())
                .collect();
            if !word.is_empty() {
                i += word.chars().count();
                let h = handle(&word);
                if !out.contains(&h) {
                    out.push(h);
                }
            }
        }
        prev = Some(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_get_rel_and_markdown_survives() {
        let html = render("Hi *there*, see [docs](https://example.com/a).\n\n- [x] done");
        assert!(html.contains("<em>there</em>"), "{html}");
        assert!(
            html.contains(r#"rel="nofollow ugc noopener noreferrer""#),
            "{html}"
        );
        assert!(html.contains("checkbox"), "{html}");
    }

    #[test]
    fn mentions_are_found() {
        assert_eq!(
            mentions("Thanks @SamStudent and @ines! mail a@b.c @@x"),
            vec!["samstudent", "ines", "x"]
        );
        assert_eq!(handle("Zoë O'Neil"), "zoëoneil");
    }

    #[test]
    fn quotes_prefix_every_line() {
        assert_eq!(quote("Sam", "a\n\nb"), "> **Sam:**\n>\n> a\n>\n> b\n\n");
    }
}
