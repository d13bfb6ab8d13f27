//! iCalendar (RFC 5545) for live lessons: one VEVENT per lesson with a stable UID, a
//! SEQUENCE that grows on reschedule and cancellation, instants in UTC. Text values are
//! escaped and lines folded at 75 octets.

use jiff::Timestamp;

#[derive(Clone, Debug)]
pub struct Event {
    pub uid: String,
    pub sequence: i64,
    pub starts_at: i64,
    pub ends_at: i64,
    pub summary: String,
    pub description: String,
    pub url: String,
    pub cancelled: bool,
    /// The organizer's e-mail address (iTIP invitations want one).
    pub organizer: Option<String>,
}

/// The UID of a lesson's event: stable across reschedules.
pub fn uid(lesson_id: crate::db::LessonId, host: &str) -> String {
    format!("lesson-{lesson_id}@{host}")
}

/// `20260610T163000Z`
pub fn utc(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

/// Escapes a TEXT value: backslash, semicolon, comma and newlines.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (never inside a UTF-8 sequence), CRLF-terminated.
/// Control characters other than tab are dropped: a content line cannot carry them
/// (RFC 5545 §3.1), and a CR or LF in an unescaped value (a URL, an organizer's address)
/// would start a line of its own, a property nobody wrote.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut len = 0;
    for c in line.chars().filter(|c| !c.is_control() || *c == '\t') {
        let n = c.len_utf8();
        if len + n > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(c);
        len += n;
    }
    out.push_str("\r\n");
    out
}

/// A VCALENDAR with `method` (REQUEST, CANCEL) or none (a subscription feed).
pub fn calendar(method: Option<&str>, name: Option<&str>, events: &[Event], now: i64) -> String {
    let mut out = String::new();
    let mut line = |s: String| out.push_str(&fold(&s));
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Lectern//Live sessions//EN".into());
    line("CALSCALE:GREGORIAN".into());
    if let Some(m) = method {
        line(format!("METHOD:{m}"));
    }
    if let Some(n) = name {
        line(format!("X-WR-CALNAME:{}", escape(n)));
    }
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", e.uid));
        line(format!("SEQUENCE:{}", e.sequence));
        line(format!("DTSTAMP:{}", utc(now)));
        line(format!("DTSTART:{}", utc(e.starts_at)));
        line(format!("DTEND:{}", utc(e.ends_at)));
        if let Some(o) = &e.organizer {
            line(format!("ORGANIZER:mailto:{o}"));
        }
        line(format!("SUMMARY:{}", escape(&e.summary)));
        line(format!("DESCRIPTION:{}", escape(&e.description)));
        line(format!("URL:{}", e.url));
        line(format!(
            "STATUS:{}",
            if e.cancelled {
                "CANCELLED"
            } else {
                "CONFIRMED"
            }
        ));
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_folds() {
        assert_eq!(escape("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
        let long = format!("SUMMARY:{}", "ä".repeat(60));
        let folded = fold(&long);
        for l in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        let unfolded = folded.trim_end().replace("\r\n ", "");
        assert_eq!(unfolded, long);
    }

    proptest::proptest! {
        /// Folded lines are at most 75 octets and unfold to the line (less its control
        /// characters), whatever the text.
        #[test]
        fn folding_keeps_lines_short_and_unfolds_to_the_input(s in "\\PC{0,300}|[a-zé😀\\t\\r\\n]{0,200}") {
            let line = format!("SUMMARY:{s}");
            let folded = fold(&line);
            proptest::prop_assert!(folded.ends_with("\r\n"));
            for l in folded.split_terminator("\r\n") {
                proptest::prop_assert!(l.len() <= 75, "{} octets", l.len());
                proptest::prop_assert!(!l.contains(['\r', '\n']));
            }
            let kept: String = line.chars().filter(|c| !c.is_control() || *c == '\t').collect();
            proptest::prop_assert_eq!(folded.trim_end_matches("\r\n").replace("\r\n ", ""), kept);
        }
    }

    #[test]
    fn a_line_break_in_a_url_starts_no_property() {
        let cal = calendar(
            None,
            None,
            &[Event {
                uid: "u\r\nX-INJECTED:1".into(),
                sequence: 0,
                starts_at: 0,
                ends_at: 0,
                summary: "s".into(),
                description: "d".into(),
                url: "https://example.org/\r\nATTACH:https://evil.example/".into(),
                cancelled: false,
                organizer: Some("a@b.example\nATTENDEE:x".into()),
            }],
            0,
        );
        for l in cal.split_terminator("\r\n") {
            assert!(
                !l.starts_with("ATTACH")
                    && !l.starts_with("X-INJECTED")
                    && !l.starts_with("ATTENDEE"),
                "{cal}"
            );
        }
    }

    #[test]
    fn event_in_utc() {
        let cal = calendar(
            Some("REQUEST"),
            None,
            &[Event {
                uid: uid(crate::db::LessonId(7), "example.org"),
                sequence: 2,
                starts_at: 1_781_109_000_000,
                ends_at: 1_781_112_600_000,
                summary: "Q&A, part 1".into(),
                description: "x".into(),
                url: "https://example.org/x".into(),
                cancelled: false,
                organizer: Some("school@example.org".into()),
            }],
            0,
        );
        assert!(cal.contains("METHOD:REQUEST\r\n"));
        assert!(cal.contains("UID:lesson-7@example.org\r\n"));
        assert!(cal.contains("SEQUENCE:2\r\n"));
        assert!(cal.contains("DTSTART:20260610T163000Z\r\n"));
        assert!(cal.contains("SUMMARY:Q&A\\, part 1\r\n"));
        assert!(cal.contains("ORGANIZER:mailto:school@example.org\r\n"));
    }
}
