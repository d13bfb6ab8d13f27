//! Path-segment encoding for meeting and webinar ids and UUIDs.
//!
//! Zoom UUIDs are base64 and may contain `/`, `+` and `=`. Zoom requires a UUID that
//! starts with `/` or contains `//` to be percent-encoded TWICE (its router decodes once
//! before splitting); other values are encoded once. Getting this wrong yields 404/3001.

/// Percent-encode every byte outside RFC 3986 "unreserved".
fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789ABCDEF"[usize::from(b & 0xF)]));
        }
    }
    out
}

fn decode_component(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let hi = char::from(hex[0]).to_digit(16)?;
            let lo = char::from(hex[1]).to_digit(16)?;
            out.push(u8::try_from(hi * 16 + lo).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// True if Zoom wants this id double-encoded.
pub fn needs_double_encoding(id: &str) -> bool {
    id.starts_with('/') || id.contains("//")
}

/// Encode a meeting/webinar id or UUID as one URL path segment, Zoom's way.
pub fn encode_meeting_id(id: &str) -> String {
    let once = encode_component(id);
    if needs_double_encoding(id) {
        encode_component(&once)
    } else {
        once
    }
}

/// Inverse of [`encode_meeting_id`] for ids without a literal `%` (all Zoom ids and
/// base64 UUIDs); the simulator and tests use it to read a path segment back.
pub fn decode_meeting_id(segment: &str) -> Option<String> {
    let once = decode_component(segment)?;
    if let Some(twice) = decode_component(&once)
        && needs_double_encoding(&twice)
        && encode_component(&twice) == once
    {
        return Some(twice);
    }
    Some(once)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples() {
        assert_eq!(encode_meeting_id("85746065432"), "85746065432");
        assert_eq!(
            encode_meeting_id("aDYlohsHRtCd4ii1uC2+hA=="),
            "aDYlohsHRtCd4ii1uC2%2BhA%3D%3D"
        );
        assert_eq!(
            encode_meeting_id("/ajXp112QmuoKj4854875=="),
            "%252FajXp112QmuoKj4854875%253D%253D"
        );
        assert_eq!(encode_meeting_id("ab//cd"), "ab%252F%252Fcd");
        // A single slash in the middle is encoded once.
        assert_eq!(encode_meeting_id("ab/cd"), "ab%2Fcd");
        for id in ["/ajXp112QmuoKj4854875==", "ab//cd", "ab/cd", "x+y="] {
            assert_eq!(
                decode_meeting_id(&encode_meeting_id(id)).as_deref(),
                Some(id)
            );
        }
    }
}
