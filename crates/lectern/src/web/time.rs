//! Showing instants to people: always in the viewer's time zone.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// An IANA time zone name this build knows.
pub fn valid_timezone(tz: &str) -> bool {
    !tz.is_empty() && TimeZone::get(tz).is_ok()
}

pub fn format_in(ms: i64, tz: &TimeZone) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts
            .to_zoned(tz.clone())
            .strftime("%a, %-d %b %Y, %H:%M %Z")
            .to_string(),
        Err(_) => String::new(),
    }
}

/// RFC 3339 in UTC, for `<time datetime>` and the countdown script.
pub fn iso_utc(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_in_viewer_zone() {
        let ms = 1_795_000_000_000; // 2026-11-18T11:06:40Z
        let berlin = TimeZone::get("Europe/Berlin").unwrap();
        assert_eq!(format_in(ms, &berlin), "Wed, 18 Nov 2026, 12:06 CET");
        assert_eq!(format_in(ms, &TimeZone::UTC), "Wed, 18 Nov 2026, 11:06 UTC");
        assert_eq!(iso_utc(ms), "2026-11-18T11:06:40Z");
    }
}
