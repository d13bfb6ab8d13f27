//! Bookable slots, computed from a coach's rules (never stored one by one): weekly windows
//! and date exceptions in the coach's zone, the slot length and the buffer between slots,
//! how far ahead and how late one may book, minus what is already booked.
//!
//! Slots are laid out on the coach's wall clock: from each window's start, one slot every
//! `slot + buffer` minutes while the slot still ends inside the window. A wall time that
//! does not exist on a DST change day (clocks jump forward) has no slot; one that happens
//! twice (clocks go back) means its first occurrence. A slot is `slot` minutes of real time
//! from its start, so slots never overlap each other.

use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};

/// Minutes after local midnight; `end` may be 1440 (midnight at the end of the day).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub start: i64,
    pub end: i64,
}

impl Span {
    fn overlaps(&self, o: &Span) -> bool {
        self.start < o.end && o.start < self.end
    }
}

/// A weekly window: weekday 1 (Monday) … 7 (Sunday).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub weekday: i64,
    pub span: Span,
}

/// A date's exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exception {
    /// No slots from the weekly windows that day.
    Off(Date),
    /// Bookable hours on that date besides (or instead of, with `Off`) the weekly ones.
    Extra(Date, Span),
}

impl Exception {
    pub fn date(&self) -> Date {
        match self {
            Exception::Off(d) | Exception::Extra(d, _) => *d,
        }
    }
}

/// What slots are computed from.
#[derive(Clone, Debug)]
pub struct Rules {
    pub tz: TimeZone,
    pub windows: Vec<Window>,
    pub exceptions: Vec<Exception>,
    pub slot_min: i64,
    pub buffer_min: i64,
    pub horizon_days: i64,
    /// The least time between booking and the start.
    pub notice_min: i64,
}

/// Slot lengths a coach may choose, in minutes.
pub const SLOT_MIN: std::ops::RangeInclusive<i64> = 5..=480;
pub const BUFFER_MIN: std::ops::RangeInclusive<i64> = 0..=240;
pub const HORIZON_DAYS: std::ops::RangeInclusive<i64> = 1..=365;
/// Notice and cancellation cutoff, in hours.
pub const NOTICE_HOURS: std::ops::RangeInclusive<i64> = 0..=720;

/// A slot: instants in epoch milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Slot {
    pub start: i64,
    pub end: i64,
}

const MINUTE: i64 = 60_000;
const DAY: i64 = 24 * 60 * MINUTE;

fn weekday_number(w: Weekday) -> i64 {
    i64::from(w.to_monday_one_offset())
}

/// The instant of a wall time in `tz`: `None` in a gap, the first occurrence in a fold.
fn instant(tz: &TimeZone, date: Date, minute: i64) -> Option<i64> {
    let dt: DateTime = date.to_datetime(jiff::civil::Time::midnight());
    let dt = dt.checked_add(jiff::Span::new().minutes(minute)).ok()?;
    let offset = match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset,
        AmbiguousOffset::Gap { .. } => return None,
        AmbiguousOffset::Fold { before, .. } => before,
    };
    offset.to_timestamp(dt).ok().map(|t| t.as_millisecond())
}

/// The day's bookable spans: the weekly windows unless the date is off, plus its extras.
fn spans_of(rules: &Rules, date: Date) -> Vec<Span> {
    let off = rules
        .exceptions
        .iter()
        .any(|e| matches!(e, Exception::Off(d) if *d == date));
    let weekday = weekday_number(date.weekday());
    let mut spans: Vec<Span> = if off {
        Vec::new()
    } else {
        rules
            .windows
            .iter()
            .filter(|w| w.weekday == weekday)
            .map(|w| w.span)
            .collect()
    };
    spans.extend(rules.exceptions.iter().filter_map(|e| match e {
        Exception::Extra(d, s) if *d == date => Some(*s),
        _ => None,
    }));
    spans.sort_by_key(|s| s.start);
    spans
}

/// Every slot of the rules from `now` on (not too soon, not beyond the horizon), without
/// regard to bookings.
pub fn all_slots(rules: &Rules, now: i64) -> Vec<Slot> {
    let (earliest, latest) = (
        now + rules.notice_min * MINUTE,
        now + rules.horizon_days * DAY,
    );
    let Ok(now_ts) = jiff::Timestamp::from_millisecond(now) else {
        return Vec::new();
    };
    let today = now_ts.to_zoned(rules.tz.clone()).date();
    let step = rules.slot_min + rules.buffer_min;
    let mut out: Vec<Slot> = Vec::new();
    if rules.slot_min <= 0 || step <= 0 {
        return out;
    }
    // A day before today covers a zone behind the instant's; one after the horizon, a
    // zone ahead.
    for offset in -1..=rules.horizon_days + 1 {
        let Ok(date) = today.checked_add(jiff::Span::new().days(offset)) else {
            continue;
        };
        for span in spans_of(rules, date) {
            let mut m = span.start;
            while m + rules.slot_min <= span.end {
                if let Some(start) = instant(&rules.tz, date, m) {
                    let slot = Slot {
                        start,
                        end: start + rules.slot_min * MINUTE,
                    };
                    if start >= earliest && start <= latest {
                        out.push(slot);
                    }
                }
                m += step;
            }
        }
    }
    out.sort();
    // Windows may touch, and a fold maps two wall times near each other: the first of
    // two overlapping slots stays.
    let mut kept: Vec<Slot> = Vec::with_capacity(out.len());
    for s in out {
        if kept.last().is_none_or(|k| s.start >= k.end) {
            kept.push(s);
        }
    }
    kept
}

/// The free slots: [`all_slots`] minus those overlapping a booked span (`busy`).
pub fn free_slots(rules: &Rules, now: i64, busy: &[Slot]) -> Vec<Slot> {
    all_slots(rules, now)
        .into_iter()
        .filter(|s| !busy.iter().any(|b| s.start < b.end && b.start < s.end))
        .collect()
}

/// Why a weekly window or exception list is refused (a catalogue key and the line).
#[derive(Debug, PartialEq, Eq)]
pub struct LineError {
    pub key: &'static str,
    pub line: String,
}

fn parse_hm(s: &str) -> Option<i64> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    if (h, m) == (24, 0) {
        return Some(1440);
    }
    ((0..24).contains(&h) && (0..60).contains(&m)).then_some(h * 60 + m)
}

fn parse_span(s: &str) -> Option<Span> {
    let (a, b) = s.split_once('-')?;
    Some(Span {
        start: parse_hm(a)?,
        end: parse_hm(b)?,
    })
}

const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Weekly windows, one a line: `Mon 09:00-12:00` (English three-letter weekday; several
/// lines per day allowed). Windows of one day must not overlap; each must be at least one
/// slot long.
pub fn parse_windows(text: &str, slot_min: i64) -> Result<Vec<Window>, LineError> {
    let mut out: Vec<Window> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let err = |key| LineError {
            key,
            line: line.to_string(),
        };
        let (day, span) = line
            .split_once(char::is_whitespace)
            .ok_or(err("booking-window-bad"))?;
        let weekday = WEEKDAYS
            .iter()
            .position(|d| day.to_ascii_lowercase().starts_with(d))
            .ok_or(err("booking-window-bad"))? as i64
            + 1;
        let span = parse_span(span).ok_or(err("booking-window-bad"))?;
        if span.start >= span.end {
            return Err(err("booking-window-backwards"));
        }
        if span.end - span.start < slot_min {
            return Err(err("booking-window-short"));
        }
        if out
            .iter()
            .any(|w| w.weekday == weekday && w.span.overlaps(&span))
        {
            return Err(err("booking-window-overlap"));
        }
        out.push(Window { weekday, span });
    }
    Ok(out)
}

/// Date exceptions, one a line: `2026-05-01 off` or `2026-05-02 14:00-16:00`. Extra hours
/// of one date must not overlap each other.
pub fn parse_exceptions(text: &str, slot_min: i64) -> Result<Vec<Exception>, LineError> {
    let mut out: Vec<Exception> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let err = |key| LineError {
            key,
            line: line.to_string(),
        };
        let (day, rest) = line
            .split_once(char::is_whitespace)
            .ok_or(err("booking-exception-bad"))?;
        let date: Date = day.parse().map_err(|_| err("booking-exception-bad"))?;
        let rest = rest.trim();
        if rest.eq_ignore_ascii_case("off") {
            out.push(Exception::Off(date));
            continue;
        }
        let span = parse_span(rest).ok_or(err("booking-exception-bad"))?;
        if span.start >= span.end {
            return Err(err("booking-window-backwards"));
        }
        if span.end - span.start < slot_min {
            return Err(err("booking-window-short"));
        }
        if out
            .iter()
            .any(|e| matches!(e, Exception::Extra(d, s) if *d == date && s.overlaps(&span)))
        {
            return Err(err("booking-window-overlap"));
        }
        out.push(Exception::Extra(date, span));
    }
    Ok(out)
}

fn hm(m: i64) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

/// The windows as the form shows them (what [`parse_windows`] reads).
pub fn windows_text(windows: &[Window]) -> String {
    windows
        .iter()
        .map(|w| {
            let day = WEEKDAYS[(w.weekday - 1).clamp(0, 6) as usize];
            let mut d = day.to_string();
            d[..1].make_ascii_uppercase();
            format!("{d} {}-{}\n", hm(w.span.start), hm(w.span.end))
        })
        .collect()
}

/// The exceptions as the form shows them (what [`parse_exceptions`] reads).
pub fn exceptions_text(exceptions: &[Exception]) -> String {
    exceptions
        .iter()
        .map(|e| match e {
            Exception::Off(d) => format!("{d} off\n"),
            Exception::Extra(d, s) => format!("{d} {}-{}\n", hm(s.start), hm(s.end)),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    fn rules(tz: &str, windows: &str, exceptions: &str, slot: i64, buffer: i64) -> Rules {
        Rules {
            tz: TimeZone::get(tz).unwrap(),
            windows: parse_windows(windows, slot).unwrap(),
            exceptions: parse_exceptions(exceptions, slot).unwrap(),
            slot_min: slot,
            buffer_min: buffer,
            horizon_days: 30,
            notice_min: 0,
        }
    }

    fn starts(slots: &[Slot]) -> Vec<String> {
        slots
            .iter()
            .map(|s| {
                jiff::Timestamp::from_millisecond(s.start)
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn slots_follow_window_length_and_buffer() {
        // Monday 2026-06-01 in Berlin (UTC+2): 09:00-11:00, 45 min + 15 min buffer.
        let r = rules("Europe/Berlin", "Mon 09:00-11:00", "", 45, 15);
        let now = ms("2026-06-01T00:00:00Z");
        let s: Vec<_> = all_slots(&r, now)
            .into_iter()
            .filter(|s| s.start < ms("2026-06-02T00:00:00Z"))
            .collect();
        assert_eq!(
            starts(&s),
            ["2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z"],
            "09:00 and 10:00 local; a third would end after 11:00"
        );
        assert_eq!(s[0].end - s[0].start, 45 * MINUTE);
    }

    #[test]
    fn dst_spring_forward_skips_the_missing_hour_and_keeps_wall_time() {
        // Berlin, Sunday 2026-03-29: 02:00 CET jumps to 03:00 CEST.
        let r = rules(
            "Europe/Berlin",
            "Sun 01:00-04:00\nSat 09:00-10:00",
            "",
            60,
            0,
        );
        let now = ms("2026-03-27T00:00:00Z");
        let s: Vec<_> = all_slots(&r, now)
            .into_iter()
            .filter(|s| s.start < ms("2026-03-30T00:00:00Z"))
            .collect();
        assert_eq!(
            starts(&s),
            [
                "2026-03-28T08:00:00Z", // Sat 09:00 CET
                "2026-03-29T00:00:00Z", // Sun 01:00 CET
                // 02:00 does not exist that day: no slot
                "2026-03-29T01:00:00Z", // Sun 03:00 CEST
            ]
        );
        // The next Saturday's 09:00 is 09:00 CEST: the wall time holds.
        assert!(starts(&all_slots(&r, now)).contains(&"2026-04-04T07:00:00Z".to_string()));
    }

    #[test]
    fn dst_fall_back_uses_the_first_occurrence_and_never_overlaps() {
        // Berlin, Sunday 2026-10-25: 03:00 CEST goes back to 02:00 CET.
        let r = rules("Europe/Berlin", "Sun 01:30-03:30", "", 30, 0);
        let now = ms("2026-10-24T00:00:00Z");
        let s = all_slots(&r, now);
        assert_eq!(
            starts(&s[..4]),
            [
                "2026-10-24T23:30:00Z", // 01:30 CEST
                "2026-10-25T00:00:00Z", // 02:00, first occurrence (CEST)
                "2026-10-25T00:30:00Z", // 02:30, first occurrence (CEST)
                "2026-10-25T02:00:00Z", // 03:00 CET
            ]
        );
        assert!(s.windows(2).all(|w| w[0].end <= w[1].start));
    }

    #[test]
    fn notice_horizon_exceptions_and_bookings_limit_the_slots() {
        let mut r = rules(
            "America/New_York",
            "Mon 09:00-10:00\nTue 09:00-10:00",
            "2026-06-02 off\n2026-06-03 15:00-16:00",
            60,
            0,
        );
        let now = ms("2026-06-01T12:00:00Z"); // Mon 08:00 EDT
        r.horizon_days = 3;
        assert_eq!(
            starts(&all_slots(&r, now)),
            ["2026-06-01T13:00:00Z", "2026-06-03T19:00:00Z"],
            "Tuesday is off, Wednesday has extra hours, the next Monday is beyond the horizon"
        );
        r.notice_min = 12 * 60;
        assert_eq!(starts(&all_slots(&r, now)), ["2026-06-03T19:00:00Z"]);
        let busy = [Slot {
            start: ms("2026-06-03T19:00:00Z"),
            end: ms("2026-06-03T20:00:00Z"),
        }];
        assert!(free_slots(&r, now, &busy).is_empty());
    }

    #[test]
    fn bad_windows_are_refused_with_their_line() {
        let e = parse_windows("Mon 09:00-12:00\nMon 11:00-13:00", 30).unwrap_err();
        assert_eq!(e.key, "booking-window-overlap");
        assert_eq!(e.line, "Mon 11:00-13:00");
        assert_eq!(
            parse_windows("Mon 12:00-09:00", 30).unwrap_err().key,
            "booking-window-backwards"
        );
        assert_eq!(
            parse_windows("Mon 09:00-09:20", 30).unwrap_err().key,
            "booking-window-short"
        );
        assert_eq!(
            parse_windows("Funday 09:00-10:00", 30).unwrap_err().key,
            "booking-window-bad"
        );
        assert_eq!(
            parse_exceptions("2026-02-30 off", 30).unwrap_err().key,
            "booking-exception-bad"
        );
        // Touching windows are fine, and the text round-trips.
        let w = parse_windows("Mon 09:00-12:00\nMon 12:00-13:00\nSun 22:00-24:00", 30).unwrap();
        assert_eq!(parse_windows(&windows_text(&w), 30).unwrap(), w);
        let x = parse_exceptions("2026-05-01 off\n2026-05-02 14:00-16:00", 30).unwrap();
        assert_eq!(parse_exceptions(&exceptions_text(&x), 30).unwrap(), x);
    }
}
