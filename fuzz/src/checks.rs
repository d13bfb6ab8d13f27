//! What each fuzz target checks: not only "does not panic" but the property that makes the
//! code safe. Shared, as this one file, by the fuzzers (`fuzz/fuzz_targets/*.rs`, through
//! `fuzz/src/lib.rs`) and by `cargo test`, which replays the corpus in `fuzz/corpus/`
//! (`crates/lectern/tests/it/fuzz_corpus.rs` includes this file by path).

use std::future::Future;
use std::task::{Context, Poll, Waker};

/// A target's check: panics when the input breaks the property.
pub type Check = fn(&[u8]);

/// Every target: its name (its folder under `fuzz/corpus/`) and its check.
pub const TARGETS: &[(&str, Check)] = &[
    ("zoom_webhook", zoom_webhook),
    ("markdown", markdown),
    ("discussion", discussion),
    ("form", form),
    ("ics", ics),
];

/// The Zoom webhook parser and verifier. Input: `timestamp \n signature \n body`.
/// Nothing unsigned is ever accepted, and a correctly signed body is accepted exactly when
/// it parses.
pub fn zoom_webhook(data: &[u8]) {
    if let Ok(event) = zoom::webhook::parse_event(data) {
        let _ = event.dedupe_key();
        let _ = event.event_ts();
    }
    let verifier = zoom::webhook::WebhookVerifier::new("fuzz-secret");
    let mut parts = data.splitn(3, |b| *b == b'\n');
    let ts = parts.next().map(String::from_utf8_lossy);
    let sig = parts.next().map(String::from_utf8_lossy);
    let body = parts.next().unwrap_or_default();
    // The input cannot know the secret: whatever its headers say, it is refused.
    assert!(
        verifier
            .handle(ts.as_deref(), sig.as_deref(), body)
            .is_err(),
        "accepted a webhook not signed with the secret"
    );
    // Signed now, with the secret: accepted exactly when the body parses.
    let secret = zoom::Secret::from("fuzz-secret");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
        .to_string();
    let signature = zoom::webhook::sign(&secret, &now, data);
    assert_eq!(
        verifier.handle(Some(&now), Some(&signature), data).is_ok(),
        zoom::webhook::parse_event(data).is_ok(),
        "a signed body's acceptance differs from whether it parses"
    );
}

/// A lesson's Markdown: the HTML never runs script (see [`assert_safe_html`]).
pub fn markdown(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let html = lectern::courses::markdown::render(&text);
    assert_safe_html(&html);
}

/// A discussion post: the lesson renderer, mentions, then ammonia; same property. The
/// first word of the input is a member's handle, so mentions are marked too.
pub fn discussion(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let member =
        lectern::discussions::render::handle(text.split_whitespace().next().unwrap_or("x"));
    let members = std::collections::HashSet::from([member]);
    let html = lectern::discussions::render::render_mentioning(&text, &members);
    assert_safe_html(&html);
    for m in lectern::discussions::render::mentions(&text) {
        assert!(!m.is_empty());
    }
    let _ = lectern::discussions::render::quote("Ada", &text);
}

#[derive(serde::Deserialize, Debug, Default)]
#[serde(default)]
struct SampleForm {
    title: String,
    body: String,
    email: String,
    count: Option<i64>,
    price: Option<f64>,
    choice: Option<String>,
}

/// Form bodies: either a value (with no control character, for `Form`) or a client error
/// (4xx) — never a panic, never a server error.
pub fn form(data: &[u8]) {
    use axum::extract::FromRequest;
    use lectern::web::form::{FieldCheckedForm, Form};
    let request = || {
        axum::http::Request::builder()
            .method("POST")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(data.to_vec()))
            .expect("request")
    };
    match ready(Form::<SampleForm>::from_request(request(), &())) {
        Ok(Form(f)) => {
            for v in [&f.title, &f.body, &f.email] {
                assert!(
                    !v.chars()
                        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')),
                    "Form let a control character through: {v:?}"
                );
            }
        }
        Err(e) => assert!(e.status().is_client_error(), "{e}: {}", e.status()),
    }
    if let Err(e) = ready(FieldCheckedForm::<SampleForm>::from_request(request(), &())) {
        assert!(e.status().is_client_error(), "{e}: {}", e.status());
    }
}

/// The iCalendar writer. Input: fields separated by 0x01 (summary, description, URL,
/// organizer, calendar name, UID), numbers from the first bytes. Every line ends in CRLF
/// and is at most 75 octets; unfolded, the lines are exactly the properties written, in
/// order (no value can start a line of its own); the TEXT values read back as given.
pub fn ics(data: &[u8]) {
    use lectern::live::ics::{Event, calendar};
    let text = String::from_utf8_lossy(data);
    let mut fields = text.split('\u{1}').map(str::to_string);
    let mut next = || fields.next().unwrap_or_default();
    let (summary, description, url, organizer, name, uid) =
        (next(), next(), next(), next(), next(), next());
    let num = |at: usize| {
        data.get(at..at + 8)
            .map(|b| i64::from_le_bytes(b.try_into().expect("8 bytes")))
            .unwrap_or_default()
    };
    let flags = data.first().copied().unwrap_or_default();
    let event = Event {
        uid,
        sequence: num(0),
        starts_at: num(8),
        ends_at: num(16),
        summary: summary.clone(),
        description: description.clone(),
        url,
        cancelled: flags & 1 == 1,
        organizer: (flags & 2 == 2).then_some(organizer),
    };
    let method = (flags & 4 == 4).then_some("REQUEST");
    let name = (flags & 8 == 8).then_some(name.as_str());
    let cal = calendar(method, name, &[event.clone(), event.clone()], num(24));

    assert!(cal.ends_with("\r\n"), "{cal:?}");
    for line in cal.split_terminator("\r\n") {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
        assert!(!line.contains(['\r', '\n']), "a bare CR or LF: {line:?}");
    }
    let unfolded = cal.replace("\r\n ", "");
    let lines: Vec<&str> = unfolded.split_terminator("\r\n").collect();
    let mut expected = vec!["BEGIN", "VERSION", "PRODID", "CALSCALE"];
    expected.extend(method.map(|_| "METHOD"));
    expected.extend(name.map(|_| "X-WR-CALNAME"));
    for _ in 0..2 {
        expected.extend(["BEGIN", "UID", "SEQUENCE", "DTSTAMP", "DTSTART", "DTEND"]);
        expected.extend(event.organizer.as_ref().map(|_| "ORGANIZER"));
        expected.extend(["SUMMARY", "DESCRIPTION", "URL", "STATUS", "END"]);
    }
    expected.push("END");
    let names: Vec<&str> = lines
        .iter()
        .map(|l| l.split([':', ';']).next().unwrap_or_default())
        .collect();
    assert_eq!(names, expected, "{cal:?}");
    // TEXT values come back as given, less what iCalendar cannot carry (control
    // characters other than tab and line feed).
    let kept = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_control() || matches!(c, '\t' | '\n'))
            .collect()
    };
    let value = |prop: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(prop))
            .map(unescape)
            .expect("property present")
    };
    assert_eq!(value("SUMMARY:"), kept(&summary));
    assert_eq!(value("DESCRIPTION:"), kept(&description));
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n' | 'N') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// HTML that cannot run script: no element that runs or loads active content, no event
/// handler attribute, no `style` beyond a table cell's alignment, and every `href` and
/// `src` http, https, mailto or relative (after the browser's own clean-up of entities,
/// whitespace and control characters).
pub fn assert_safe_html(html: &str) {
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        // The tag ends at the first '>' outside a quoted attribute value.
        let after = &rest[start + 1..];
        let mut quoted = false;
        let end = after
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    quoted = !quoted;
                }
                c == '>' && !quoted
            })
            .map(|(i, _)| i)
            .unwrap_or_else(|| panic!("a tag that does not end: {html:?}"));
        let tag = &after[..end];
        rest = &after[end + 1..];
        if tag.starts_with('/') || tag.starts_with('!') {
            continue;
        }
        let name_end = tag
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let name = tag[..name_end].to_ascii_lowercase();
        assert!(
            !matches!(
                name.as_str(),
                "script"
                    | "iframe"
                    | "object"
                    | "embed"
                    | "style"
                    | "svg"
                    | "math"
                    | "form"
                    | "base"
                    | "meta"
                    | "link"
                    | "frame"
                    | "frameset"
                    | "template"
                    | "textarea"
                    | "select"
                    | "button"
            ),
            "<{name}> in {html:?}"
        );
        for (attr, value) in attributes(&tag[name_end..]) {
            let attr = attr.to_ascii_lowercase();
            assert!(!attr.starts_with("on"), "event handler {attr} in {html:?}");
            assert!(
                !matches!(
                    attr.as_str(),
                    "srcdoc" | "formaction" | "action" | "xlink:href"
                ),
                "{attr} in {html:?}"
            );
            if attr == "style" {
                assert!(
                    matches!(
                        value.as_str(),
                        "text-align: left" | "text-align: center" | "text-align: right"
                    ),
                    "style={value:?} in {html:?}"
                );
            }
            if matches!(attr.as_str(), "href" | "src") {
                assert!(url_is_safe(&value), "{attr}={value:?} in {html:?}");
            }
            if name == "input" && attr == "type" {
                assert_eq!(value, "checkbox", "{html:?}");
            }
        }
    }
}

/// `name="value"` pairs of a tag (after its name).
fn attributes(mut s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start_matches(|c: char| c.is_whitespace() || c == '/');
        if s.is_empty() {
            return out;
        }
        let name_end = s
            .find(|c: char| c.is_whitespace() || c == '=' || c == '/')
            .unwrap_or(s.len());
        let name = s[..name_end].to_string();
        s = s[name_end..].trim_start();
        let value = if let Some(v) = s.strip_prefix('=') {
            let v = v.trim_start();
            if let Some(q) = v.strip_prefix('"') {
                let close = q.find('"').unwrap_or(q.len());
                s = q.get(close + 1..).unwrap_or("");
                q[..close].to_string()
            } else {
                let close = v.find(char::is_whitespace).unwrap_or(v.len());
                s = &v[close..];
                v[..close].to_string()
            }
        } else {
            String::new()
        };
        out.push((name, value));
    }
}

/// What a browser would make of an attribute's URL: entities decoded, ASCII whitespace and
/// control characters dropped; then a scheme, if any, must be http, https or mailto.
fn url_is_safe(value: &str) -> bool {
    let decoded = decode_entities(value);
    let cleaned: String = decoded
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .collect::<String>()
        .to_ascii_lowercase();
    let colon = cleaned.find(':');
    let path = cleaned.find(['/', '?', '#']);
    match (colon, path) {
        (Some(c), None) => matches!(&cleaned[..c], "http" | "https" | "mailto"),
        (Some(c), Some(p)) if c < p => matches!(&cleaned[..c], "http" | "https" | "mailto"),
        _ => true,
    }
}

fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(semi) = tail.find(';').filter(|&n| n <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let entity = &tail[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "quot" => Some('"'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "apos" => Some('\''),
            "colon" => Some(':'),
            "Tab" | "NewLine" => Some(' '),
            e if e.starts_with("#x") || e.starts_with("#X") => u32::from_str_radix(&e[2..], 16)
                .ok()
                .and_then(char::from_u32),
            e if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &tail[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Polls `f` once: the extractors above read an in-memory body, so they never wait.
fn ready<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("an in-memory body made the extractor wait"),
    }
}
