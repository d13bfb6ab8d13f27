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
        .add_tag_attributes("input", ["disabled", "checked"])
        // A mention is a `<span class="mention">` (ammonia's defaults allow a bare span);
        // no other class, on no other tag.
        .add_allowed_classes("span", ["mention"]);
    b
});

/// Renders a post's Markdown to safe HTML (no mention marked).
pub fn render(markdown: &str) -> String {
    render_mentioning(markdown, &HashSet::new())
}

/// Renders a post's Markdown to safe HTML; `members` are the handles ([`handle`]) of the
/// course's members, whose `@mentions` are marked.
pub fn render_mentioning(markdown: &str, members: &HashSet<String>) -> String {
    let filtered = crate::courses::markdown::render(markdown);
    CLEANER
        .clean(&mark_mentions(&filtered, members))
        .to_string()
}

/// Wraps each `@Handle` of a member in the text of `html` (not inside a tag, a link, code
/// or preformatted text) in `<span class="mention">`. `html` is the Markdown renderer's
/// output, so text is already escaped and `@` plus letters and digits needs no escaping;
/// the sanitiser runs after this.
fn mark_mentions(html: &str, members: &HashSet<String>) -> String {
    if members.is_empty() || !html.contains('@') {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + 64);
    let chars: Vec<char> = html.chars().collect();
    // Depth inside <a>, <code> and <pre>, where nothing is marked.
    let mut skip = 0usize;
    let mut prev: Option<char> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '<' {
            let end = chars[i..]
                .iter()
                .position(|c| *c == '>')
                .map_or(chars.len(), |p| i + p + 1);
            let tag: String = chars[i..end].iter().collect();
            let name: String = tag
                .trim_start_matches(['<', '/'])
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if matches!(name.as_str(), "a" | "code" | "pre") && !tag.ends_with("/>") {
                if tag.starts_with("</") {
                    skip = skip.saturating_sub(1);
                } else {
                    skip += 1;
                }
            }
            out.push_str(&tag);
            prev = None;
            i = end;
            continue;
        }
        if c == '@' && skip == 0 && !prev.is_some_and(|p| p.is_alphanumeric()) {
            let word: String = chars[i + 1..]
                .iter()
                .take_while(|c| c.is_alphanumeric())
                .collect();
            if !word.is_empty() && members.contains(&handle(&word)) {
                out.push_str("<span class=\"mention\">@");
                out.push_str(&word);
                out.push_str("</span>");
                i += 1 + word.chars().count();
                prev = Some('x');
                continue;
            }
        }
        out.push(c);
        prev = Some(c);
        i += 1;
    }
    out
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
    fn members_mentions_are_marked_and_nothing_else() {
        let members = HashSet::from(["samstudent".to_string(), "ines".to_string()]);
        let html = render_mentioning(
            "Hi @SamStudent and @nobody, mail a@ines.org, `@ines` and [@ines](https://x.y)",
            &members,
        );
        assert!(
            html.contains(r#"Hi <span class="mention">@SamStudent</span> and @nobody"#),
            "{html}"
        );
        assert_eq!(html.matches("class=\"mention\"").count(), 1, "{html}");
        // No other span or class gets through the sanitiser.
        let html = render_mentioning(
            "<span class=\"x\" style=\"color:red\">@ines</span>",
            &members,
        );
        assert!(
            !html.contains("class=\"x\"") && !html.contains("style"),
            "{html}"
        );
        let cleaned = CLEANER
            .clean(r#"<span class="evil" onclick="x()">a</span><p class="mention">b</p>"#)
            .to_string();
        assert!(
            !cleaned.contains("evil")
                && !cleaned.contains("onclick")
                && !cleaned.contains("<p class"),
            "{cleaned}"
        );
        let kept = CLEANER
            .clean(r#"<span class="mention">b</span>"#)
            .to_string();
        assert_eq!(kept, r#"<span class="mention">b</span>"#);
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
