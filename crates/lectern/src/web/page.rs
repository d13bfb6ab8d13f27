//! The one render point for HTML pages. [`render`] turns a template into a [`Page`]; what
//! a handler decides about its page beyond the body travels on the page (its status, a
//! secret in its URL, an embedded Zoom meeting, a request to wait), and
//! `Page::into_response` is the only place those become a response. The error pages of
//! the context layer are rendered here too. Answers that are not pages (redirects, JSON,
//! CSV, calendar files, streams) are built by their handlers.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::AppResult;
use super::headers::ZoomMeeting;

/// A rendered page and the decisions about its response.
#[derive(Debug)]
#[must_use = "a page is sent only when a handler returns it"]
pub struct Page {
    html: String,
    status: StatusCode,
    secret_in_url: bool,
    zoom_meeting: bool,
    retry_after: Option<u64>,
}

/// Renders an askama template (which extends `base.html`, the page shell, or is a
/// fragment of a page) into a page answered with 200 unless told otherwise.
pub fn render<T: askama::Template>(t: &T) -> AppResult<Page> {
    Ok(Page {
        html: t.render()?,
        status: StatusCode::OK,
        secret_in_url: false,
        zoom_meeting: false,
        retry_after: None,
    })
}

impl Page {
    /// Answers with `status`: 422 for a form shown again with its errors, 410 for a link
    /// that no longer works.
    pub fn status(mut self, status: StatusCode) -> Page {
        self.status = status;
        self
    }

    /// 429 with `Retry-After`: the page asks to wait `secs` seconds (at least one).
    pub fn retry_after(mut self, secs: u64) -> Page {
        self.status = StatusCode::TOO_MANY_REQUESTS;
        self.retry_after = Some(secs.max(1));
        self
    }

    /// The page's own URL holds a secret (a reset token, an OAuth code and state): the
    /// browser must send it to nobody as `Referer`, not even to our own origin, and no
    /// cache may keep the page.
    pub fn secret_in_url(mut self) -> Page {
        self.secret_in_url = true;
        self
    }

    /// The page embeds the Zoom meeting: the security-headers layer gives it the policy
    /// Zoom's Meeting SDK needs instead of the narrow one.
    pub fn zoom_meeting(mut self) -> Page {
        self.zoom_meeting = true;
        self
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut resp = (self.status, Html(self.html)).into_response();
        let h = resp.headers_mut();
        if let Some(secs) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.secret_in_url {
            // The security-headers layer keeps a policy the response already has.
            h.insert(
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            );
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        if self.zoom_meeting {
            resp.extensions_mut().insert(ZoomMeeting);
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(askama::Template)]
    #[template(source = "<p>{{ text }}</p>", ext = "html")]
    struct Fragment {
        text: &'static str,
    }

    fn page() -> Page {
        render(&Fragment { text: "a < b" }).unwrap()
    }

    #[test]
    fn a_plain_page_is_html_with_200_and_decides_nothing_else() {
        let r = page().into_response();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(
            r.headers().get(header::CONTENT_TYPE).unwrap(),
            "text/html; charset=utf-8"
        );
        for h in [
            header::REFERRER_POLICY,
            header::CACHE_CONTROL,
            header::RETRY_AFTER,
        ] {
            assert!(r.headers().get(&h).is_none(), "{h}");
        }
        assert!(r.extensions().get::<ZoomMeeting>().is_none());
    }

    #[test]
    fn each_decision_reaches_the_response() {
        let r = page().secret_in_url().into_response();
        assert_eq!(
            r.headers().get(header::REFERRER_POLICY).unwrap(),
            "no-referrer"
        );
        assert_eq!(r.headers().get(header::CACHE_CONTROL).unwrap(), "no-store");
        assert!(r.extensions().get::<ZoomMeeting>().is_none());

        let r = page().zoom_meeting().into_response();
        assert!(r.extensions().get::<ZoomMeeting>().is_some());
        assert!(r.headers().get(header::REFERRER_POLICY).is_none());

        let r = page()
            .status(StatusCode::GONE)
            .secret_in_url()
            .into_response();
        assert_eq!(r.status(), StatusCode::GONE);
        assert_eq!(
            r.headers().get(header::REFERRER_POLICY).unwrap(),
            "no-referrer"
        );

        let r = page().retry_after(0).into_response();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(r.headers().get(header::RETRY_AFTER).unwrap(), "1");
    }

    #[tokio::test]
    async fn the_body_is_the_escaped_template() {
        let r = page().into_response();
        let body = axum::body::to_bytes(r.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"<p>a &#60; b</p>");
    }
}

#[cfg(test)]
mod template_tests {
    //! Every form that posts carries the CSRF token through the `csrf` macro of
    //! `templates/macros.html`, so that no form can be written without it unnoticed.

    use std::path::{Path, PathBuf};

    const MACROS: &str = "macros.html";

    fn templates() -> Vec<(String, String)> {
        fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).expect("templates dir") {
                let path = entry.expect("dir entry").path();
                if path.is_dir() {
                    walk(&path, root, out);
                } else if path.extension().is_some_and(|e| e == "html") {
                    let name = path
                        .strip_prefix(root)
                        .expect("under templates")
                        .to_string_lossy()
                        .replace('\\', "/");
                    let text = std::fs::read_to_string(&path).expect("template text");
                    out.push((name, text));
                }
            }
        }
        let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/templates"));
        let mut out = Vec::new();
        walk(&root, &root, &mut out);
        out.sort();
        out
    }

    /// The value of `attr` in a start tag (`<form …>`), lower-cased.
    fn attribute(tag: &str, attr: &str) -> Option<String> {
        let lower = tag.to_ascii_lowercase();
        let mut from = 0;
        while let Some(at) = lower[from..].find(attr) {
            let start = from + at;
            from = start + attr.len();
            let before = lower[..start].chars().next_back();
            if !before.is_some_and(char::is_whitespace) {
                continue;
            }
            let rest = lower[from..].trim_start();
            let Some(rest) = rest.strip_prefix('=') else {
                continue;
            };
            let rest = rest.trim_start();
            let value = match rest.chars().next() {
                Some(q @ ('"' | '\'')) => rest[1..].split(q).next().unwrap_or(""),
                _ => rest
                    .split(|c: char| c.is_whitespace() || c == '>')
                    .next()
                    .unwrap_or(""),
            };
            return Some(value.to_string());
        }
        None
    }

    /// The alias `macros.html` is imported as in `text`, if it is.
    fn macros_alias(text: &str) -> Option<String> {
        let at = text.find(&format!("import \"{MACROS}\" as "))?;
        let rest = &text[at + "import \"\" as ".len() + MACROS.len()..];
        let alias: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        (!alias.is_empty()).then_some(alias)
    }

    /// Each `<form …>…</form>` in `text`: its start tag and its body.
    fn forms(text: &str) -> Vec<(&str, Option<&str>)> {
        let lower = text.to_ascii_lowercase();
        let mut out = Vec::new();
        let mut from = 0;
        while let Some(at) = lower[from..].find("<form") {
            let start = from + at;
            let tag_end = lower[start..]
                .find('>')
                .map_or(text.len(), |e| start + e + 1);
            let body_end = lower[tag_end..].find("</form").map(|e| tag_end + e);
            out.push((&text[start..tag_end], body_end.map(|e| &text[tag_end..e])));
            from = tag_end;
        }
        out
    }

    /// Whether `body` calls `alias::csrf(ctx)` in a `{% call %}` tag.
    fn calls_csrf(body: &str, alias: &str) -> bool {
        let call = format!("{alias}::csrf(ctx)");
        body.match_indices(&call).any(|(at, _)| {
            let Some(before) = body[..at].trim_end().strip_suffix("call") else {
                return false;
            };
            let before = before.trim_end();
            before.ends_with("{%") || before.ends_with("{%-")
        })
    }

    #[test]
    fn every_form_that_posts_calls_the_csrf_macro() {
        let templates = templates();
        assert!(
            templates.iter().any(|(n, _)| n == MACROS),
            "templates/{MACROS} holds the csrf macro"
        );
        let mut posting = 0;
        let mut problems = Vec::new();
        for (name, text) in &templates {
            if name == MACROS {
                continue;
            }
            if text.contains("name=\"_csrf\"") || text.contains("name='_csrf'") {
                problems.push(format!(
                    "{name}: a hand-written _csrf input; use the csrf macro of {MACROS}"
                ));
            }
            let alias = macros_alias(text);
            for (tag, body) in forms(text) {
                if attribute(tag, "method").as_deref() != Some("post") {
                    continue;
                }
                posting += 1;
                let Some(body) = body else {
                    problems.push(format!("{name}: {tag} is not closed in this file"));
                    continue;
                };
                let ok = alias.as_deref().is_some_and(|a| calls_csrf(body, a));
                if !ok {
                    problems.push(format!(
                        "{name}: {tag} posts without {{% call m::csrf(ctx) %}}{{% endcall %}} \
                         (and {{% import \"{MACROS}\" as m %}})"
                    ));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        // The scan found the forms it is meant to check.
        assert!(posting >= 30, "only {posting} posting forms found");
    }

    #[test]
    fn the_checks_see_what_they_are_meant_to_see() {
        assert_eq!(
            attribute(r#"<form method="POST" action="/x">"#, "method").as_deref(),
            Some("post")
        );
        assert_eq!(
            attribute("<form action=/x method=post>", "method").as_deref(),
            Some("post")
        );
        assert_eq!(attribute(r#"<form formmethod="post">"#, "method"), None);
        assert_eq!(
            macros_alias("{% extends \"base.html\" %}\n{% import \"macros.html\" as m %}")
                .as_deref(),
            Some("m")
        );
        assert!(calls_csrf(
            "<form>{% call m::csrf(ctx) %}{% endcall %}",
            "m"
        ));
        assert!(calls_csrf("{%- call m::csrf(ctx) -%}{%- endcall -%}", "m"));
        assert!(!calls_csrf("{# call m::csrf(ctx) #}", "m"));
        assert!(!calls_csrf("<input name=\"_csrf\">", "m"));
        let f = forms("<form method=\"post\"><b>x</b></form><FORM method=get>");
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].1, Some("<b>x</b>"));
        assert_eq!(f[1].1, None);
    }
}
