//! Full-text search within one course's discussions, behind one function with a match on
//! the backend: SQLite's FTS5 table `discussion_search` (kept in step by triggers), or
//! PostgreSQL's generated `search_vector` column with `websearch_to_tsquery`. Both are
//! given the same words (the query split where the tokenizers split: at anything that is
//! not a letter or digit), each quoted, so no character a member types is an operator on
//! either side and both find the same posts. See docs/discussions.md.

use crate::db::{Backend, CourseId, Db, SchoolId};

/// Marks a match's start and end in a snippet: private-use characters no text we show
/// carries, swapped for `<mark>` after the snippet is escaped.
const START: char = '\u{E000}';
const END: char = '\u{E001}';

/// Longest query read, in characters; the rest is ignored.
pub const MAX_QUERY: usize = 200;
/// Most hits shown.
const LIMIT: i64 = 50;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Hit {
    pub post_id: i64,
    pub thread_id: i64,
    pub thread_title: String,
    /// Raw snippet with sentinels; see [`Hit::snippet_html`].
    pub snippet: String,
}

impl Hit {
    /// The snippet as HTML: escaped, with the matches in `<mark>`.
    pub fn snippet_html(&self) -> String {
        highlight(&self.snippet)
    }
}

/// The words of a query, as both tokenizers would split it (letters and digits).
pub fn words(query: &str) -> Vec<String> {
    query
        .chars()
        .take(MAX_QUERY)
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(20)
        .map(str::to_string)
        .collect()
}

/// An FTS5 query matching every word: each a string in double quotes (inner quotes
/// doubled), so `-`, `:`, `*`, `(`, `NEAR` and `OR` are only text.
pub fn fts5_query(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The same for `websearch_to_tsquery`: quoted words, so "or" and a leading "-" are text.
fn websearch_query(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{}\"", w.replace('"', "")))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Visible posts of the course matching every word of `query`, best first.
pub async fn search(
    db: &Db,
    school_id: SchoolId,
    course_id: CourseId,
    query: &str,
) -> sqlx::Result<Vec<Hit>> {
    let words = words(query);
    if words.is_empty() {
        return Ok(Vec::new());
    }
    let (start, end) = (START.to_string(), END.to_string());
    match db.backend {
        Backend::Sqlite => {
            sqlx::query_as::<_, Hit>(
                "SELECT p.id AS post_id, p.thread_id, t.title AS thread_title,
                        snippet(discussion_search, -1, $4, $5, '…', 16) AS snippet
                 FROM discussion_search s
                 JOIN discussion_posts p ON p.id = s.rowid
                 JOIN discussion_threads t ON t.id = p.thread_id
                 WHERE discussion_search MATCH $3 AND p.school_id = $1 AND p.course_id = $2
                   AND p.state = 'visible'
                 ORDER BY s.rank, p.id LIMIT $6",
            )
            .bind(school_id)
            .bind(course_id)
            .bind(fts5_query(&words))
            .bind(start)
            .bind(end)
            .bind(LIMIT)
            .fetch_all(&db.pool)
            .await
        }
        Backend::Postgres => {
            let options = format!(
                "StartSel={start}, StopSel={end}, MaxWords=24, MinWords=8, HighlightAll=false"
            );
            sqlx::query_as::<_, Hit>(
                "SELECT p.id AS post_id, p.thread_id, t.title AS thread_title,
                        ts_headline('simple', p.title || ' ' || p.body, q.q, $4) AS snippet
                 FROM discussion_posts p
                 JOIN discussion_threads t ON t.id = p.thread_id,
                      (SELECT websearch_to_tsquery('simple', $3) AS q) q
                 WHERE p.search_vector @@ q.q AND p.school_id = $1 AND p.course_id = $2
                   AND p.state = 'visible'
                 ORDER BY ts_rank(p.search_vector, q.q) DESC, p.id LIMIT $5",
            )
            .bind(school_id)
            .bind(course_id)
            .bind(websearch_query(&words))
            .bind(options)
            .bind(LIMIT)
            .fetch_all(&db.pool)
            .await
        }
    }
}

/// Escapes `snippet` for HTML, then turns the sentinels into `<mark>`: the order matters,
/// escaping after would escape our own tags, and marking first would let text through.
pub fn highlight(snippet: &str) -> String {
    let mut out = String::with_capacity(snippet.len() + 16);
    for c in snippet.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            START => out.push_str("<mark>"),
            END => out.push_str("</mark>"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_words_in_quotes() {
        let w = words(r#"-foo: "bar" (baz*) OR qu"x"#);
        assert_eq!(w, vec!["foo", "bar", "baz", "OR", "qu", "x"]);
        assert_eq!(fts5_query(&w), r#""foo" "bar" "baz" "OR" "qu" "x""#);
        assert_eq!(fts5_query(&["a\"b".to_string()]), r#""a""b""#);
        assert!(words(" - : * ").is_empty());
        assert_eq!(words("Grüße café"), vec!["Grüße", "café"]);
    }

    #[test]
    fn snippets_are_escaped_then_marked() {
        assert_eq!(
            highlight("a <b> \u{E000}x&y\u{E001} \"q\""),
            "a &lt;b&gt; <mark>x&amp;y</mark> &quot;q&quot;"
        );
    }
}
