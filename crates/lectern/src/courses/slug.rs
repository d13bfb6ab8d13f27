//! Course slugs: readable URL names made from titles, unique within a school.

const MAX_LEN: usize = 60;

/// `"Intro to Rust: Part 1!"` → `"intro-to-rust-part-1"`. Accented Latin letters lose their
/// accents; other characters become separators. Never empty.
pub(crate) fn slugify(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    let mut dash = false;
    for c in title.chars().flat_map(fold_accent) {
        if c.is_ascii_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.push(c.to_ascii_lowercase());
        } else {
            dash = true;
        }
        if out.len() > MAX_LEN {
            break;
        }
    }
    if out.len() > MAX_LEN {
        // Cut at a word boundary when there is one.
        out.truncate(MAX_LEN);
        if let Some(i) = out.rfind('-') {
            out.truncate(i);
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "course".to_string()
    } else {
        out
    }
}

/// The `n`th candidate for a title whose slug is taken: `slug`, `slug-2`, `slug-3` …
pub(crate) fn candidate(base: &str, n: u32) -> String {
    if n <= 1 {
        base.to_string()
    } else {
        format!("{base}-{n}")
    }
}

fn fold_accent(c: char) -> impl Iterator<Item = char> {
    let s: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'À' | 'Á' | 'Â' | 'Ã' | 'Å' => "a",
        'ä' | 'Ä' | 'æ' | 'Æ' => "ae",
        'ç' | 'č' | 'ć' | 'Ç' | 'Č' | 'Ć' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'ń' | 'Ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ø' => "o",
        'ö' | 'Ö' | 'œ' | 'Œ' => "oe",
        'ù' | 'ú' | 'û' | 'Ù' | 'Ú' | 'Û' => "u",
        'ü' | 'Ü' => "ue",
        'ß' => "ss",
        'š' | 'ś' | 'Š' | 'Ś' => "s",
        'ž' | 'ź' | 'ż' | 'Ž' | 'Ź' | 'Ż' => "z",
        'ł' | 'Ł' => "l",
        'ý' | 'ÿ' | 'Ý' => "y",
        _ => "",
    };
    let single = if s.is_empty() { Some(c) } else { None };
    s.chars().chain(single)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_readable() {
        assert_eq!(slugify("Intro to Rust: Part 1!"), "intro-to-rust-part-1");
        assert_eq!(slugify("  --Hello,   World--  "), "hello-world");
        assert_eq!(slugify("Grüße aus Köln"), "gruesse-aus-koeln");
        assert_eq!(slugify("Café crème"), "cafe-creme");
        assert_eq!(
            slugify("<script>alert(1)</script>"),
            "script-alert-1-script"
        );
        assert_eq!(slugify("日本語"), "course");
        assert_eq!(slugify(""), "course");
        let long = slugify(&"word ".repeat(40));
        assert!(long.len() <= MAX_LEN && long.ends_with("word"), "{long}");
    }

    #[test]
    fn candidates_count_up() {
        assert_eq!(candidate("rust", 1), "rust");
        assert_eq!(candidate("rust", 2), "rust-2");
        assert_eq!(candidate("rust", 10), "rust-10");
    }
}
