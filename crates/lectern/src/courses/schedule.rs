//! When a live session or webinar starts: a local wall time in an IANA zone, turned into a
//! UTC instant. Times that don't exist (a DST gap) are refused; times that happen twice
//! (a DST fold) need the user to pick one of the two offsets.

use jiff::civil::DateTime;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};

pub const DEFAULT_DURATION_MIN: i64 = 120;
pub(crate) const MAX_DURATION_MIN: i64 = 24 * 60;

/// A resolved start: what we store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// The UTC instant, epoch milliseconds.
    pub starts_at: i64,
    /// IANA zone name, e.g. `Europe/Berlin`.
    pub timezone: String,
    /// The wall time as typed, normalised to `YYYY-MM-DDTHH:MM`.
    pub local_start: String,
    pub duration_min: i64,
}

/// One of the two instants an ambiguous wall time can mean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetChoice {
    /// Offset from UTC in seconds; the form posts it back as `offset`.
    pub seconds: i32,
    /// e.g. `UTC+02:00`.
    pub label: String,
    /// The zone's abbreviation at that instant, e.g. `CEST`.
    pub abbreviation: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScheduleError {
    /// Not a date and time we can read.
    BadDateTime,
    /// Not an IANA zone.
    BadTimezone,
    /// The wall time is skipped by a DST change; `from`/`to` are the wall times around it.
    Gap {
        from: String,
        to: String,
    },
    /// The wall time happens twice; the user must choose.
    Fold {
        choices: [OffsetChoice; 2],
    },
    BadDuration,
}

/// Parses a `datetime-local` value such as `2026-03-29T02:30`.
fn parse_local(local: &str) -> Result<DateTime, ScheduleError> {
    let dt: DateTime = local
        .trim()
        .parse()
        .map_err(|_| ScheduleError::BadDateTime)?;
    dt.with()
        .second(0)
        .subsec_nanosecond(0)
        .build()
        .map_err(|_| ScheduleError::BadDateTime)
}

pub(crate) fn parse_duration(s: &str) -> Result<i64, ScheduleError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(DEFAULT_DURATION_MIN);
    }
    match s.parse::<i64>() {
        Ok(m) if (1..=MAX_DURATION_MIN).contains(&m) => Ok(m),
        _ => Err(ScheduleError::BadDuration),
    }
}

fn offset_label(o: Offset) -> String {
    let secs = o.seconds();
    let sign = if secs < 0 { '-' } else { '+' };
    let abs = secs.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60)
}

/// Resolves a wall time in a zone. `chosen_offset` is the user's pick (offset seconds)
/// after a fold was reported; it is ignored when it matches neither side of the fold.
pub fn resolve(
    local: &str,
    timezone: &str,
    duration: &str,
    chosen_offset: Option<i32>,
) -> Result<Schedule, ScheduleError> {
    let timezone = timezone.trim();
    if timezone.is_empty() {
        return Err(ScheduleError::BadTimezone);
    }
    let tz = TimeZone::get(timezone).map_err(|_| ScheduleError::BadTimezone)?;
    let dt = parse_local(local)?;
    let duration_min = parse_duration(duration)?;
    let offset = match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset,
        AmbiguousOffset::Gap { before, after } => {
            let (from, to) = gap_edges(&tz, dt, before, after);
            return Err(ScheduleError::Gap { from, to });
        }
        AmbiguousOffset::Fold { before, after } => match chosen_offset {
            Some(s) if s == before.seconds() => before,
            Some(s) if s == after.seconds() => after,
            _ => {
                let choice = |o: Offset| {
                    let abbreviation = o
                        .to_timestamp(dt)
                        .map(|ts| tz.to_offset_info(ts).abbreviation().to_string())
                        .unwrap_or_default();
                    OffsetChoice {
                        seconds: o.seconds(),
                        label: offset_label(o),
                        abbreviation,
                    }
                };
                return Err(ScheduleError::Fold {
                    choices: [choice(before), choice(after)],
                });
            }
        },
    };
    let ts = offset
        .to_timestamp(dt)
        .map_err(|_| ScheduleError::BadDateTime)?;
    Ok(Schedule {
        starts_at: ts.as_millisecond(),
        timezone: timezone.to_string(),
        local_start: dt.strftime("%Y-%m-%dT%H:%M").to_string(),
        duration_min,
    })
}

/// The wall times on either side of the gap containing `dt`: the clock jumps from the
/// first to the second (e.g. 02:00 → 03:00 in Berlin in March).
fn gap_edges(tz: &TimeZone, dt: DateTime, before: Offset, after: Offset) -> (String, String) {
    // Read with the earlier offset, `dt` lies just after the transition instant.
    let transition = before
        .to_timestamp(dt)
        .ok()
        .and_then(|ts| tz.preceding(ts).next())
        .map(|t| t.timestamp());
    let fmt = |d: DateTime| d.strftime("%H:%M").to_string();
    match transition {
        Some(t) => (fmt(before.to_datetime(t)), fmt(after.to_datetime(t))),
        None => (fmt(dt), fmt(dt)),
    }
}

impl Schedule {
    /// The schedule starting at the instant `starts_at` (epoch ms), with the wall time it
    /// is in `timezone` (UTC when the zone is unknown).
    pub fn at(starts_at: i64, timezone: &str, duration_min: i64) -> Schedule {
        let tz = TimeZone::get(timezone).unwrap_or(TimeZone::UTC);
        let local_start = jiff::Timestamp::from_millisecond(starts_at)
            .map(|ts| {
                ts.to_zoned(tz)
                    .datetime()
                    .strftime("%Y-%m-%dT%H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        Schedule {
            starts_at,
            timezone: timezone.to_string(),
            local_start,
            duration_min,
        }
    }

    pub fn ends_at(&self) -> i64 {
        self.starts_at + self.duration_min * 60_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(s: &str) -> i64 {
        s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn plain_time_round_trips() {
        let s = resolve("2026-06-10T18:30", "Europe/Berlin", "", None).unwrap();
        assert_eq!(s.starts_at, ms("2026-06-10T16:30:00Z"));
        assert_eq!(s.local_start, "2026-06-10T18:30");
        assert_eq!(s.timezone, "Europe/Berlin");
        assert_eq!(s.duration_min, DEFAULT_DURATION_MIN);
        // And back: the stored instant shown in the stored zone is the typed wall time.
        let back = jiff::Timestamp::from_millisecond(s.starts_at)
            .unwrap()
            .to_zoned(TimeZone::get("Europe/Berlin").unwrap())
            .datetime();
        assert_eq!(back.strftime("%Y-%m-%dT%H:%M").to_string(), s.local_start);
        let ny = resolve("2026-01-15T09:00:00", "America/New_York", "45", None).unwrap();
        assert_eq!(ny.starts_at, ms("2026-01-15T14:00:00Z"));
        assert_eq!(ny.duration_min, 45);
        assert_eq!(ny.ends_at() - ny.starts_at, 45 * 60_000);
    }

    #[test]
    fn gap_is_rejected_berlin() {
        // 29 March 2026: Berlin jumps from 02:00 CET to 03:00 CEST.
        let e = resolve("2026-03-29T02:30", "Europe/Berlin", "120", None).unwrap_err();
        assert_eq!(
            e,
            ScheduleError::Gap {
                from: "02:00".into(),
                to: "03:00".into()
            }
        );
        assert!(resolve("2026-03-29T03:00", "Europe/Berlin", "120", None).is_ok());
        assert!(resolve("2026-03-29T01:59", "Europe/Berlin", "120", None).is_ok());
    }

    #[test]
    fn gap_is_rejected_new_york() {
        // 8 March 2026: New York jumps from 02:00 EST to 03:00 EDT.
        let e = resolve("2026-03-08T02:15", "America/New_York", "", None).unwrap_err();
        assert_eq!(
            e,
            ScheduleError::Gap {
                from: "02:00".into(),
                to: "03:00".into()
            }
        );
        // Even an offset choice cannot make a missing time exist.
        assert!(resolve("2026-03-08T02:15", "America/New_York", "", Some(-5 * 3600)).is_err());
    }

    #[test]
    fn fold_needs_a_choice_berlin() {
        // 25 October 2026: 02:00–03:00 happens twice in Berlin (CEST then CET).
        let e = resolve("2026-10-25T02:30", "Europe/Berlin", "", None).unwrap_err();
        let ScheduleError::Fold { choices } = e else {
            panic!("expected a fold, got {e:?}")
        };
        assert_eq!(choices[0].seconds, 2 * 3600);
        assert_eq!(choices[0].label, "UTC+02:00");
        assert_eq!(choices[0].abbreviation, "CEST");
        assert_eq!(choices[1].seconds, 3600);
        assert_eq!(choices[1].abbreviation, "CET");
        let first = resolve("2026-10-25T02:30", "Europe/Berlin", "", Some(7200)).unwrap();
        let second = resolve("2026-10-25T02:30", "Europe/Berlin", "", Some(3600)).unwrap();
        assert_eq!(first.starts_at, ms("2026-10-25T00:30:00Z"));
        assert_eq!(second.starts_at, ms("2026-10-25T01:30:00Z"));
        // A stale choice (an offset that is neither side) asks again.
        assert!(matches!(
            resolve("2026-10-25T02:30", "Europe/Berlin", "", Some(0)),
            Err(ScheduleError::Fold { .. })
        ));
    }

    #[test]
    fn fold_needs_a_choice_new_york() {
        // 1 November 2026: 01:00–02:00 happens twice in New York (EDT then EST).
        let e = resolve("2026-11-01T01:30", "America/New_York", "", None).unwrap_err();
        let ScheduleError::Fold { choices } = e else {
            panic!("expected a fold")
        };
        assert_eq!(
            (choices[0].seconds, choices[1].seconds),
            (-4 * 3600, -5 * 3600)
        );
        assert_eq!(choices[0].label, "UTC-04:00");
        let edt = resolve("2026-11-01T01:30", "America/New_York", "", Some(-4 * 3600)).unwrap();
        assert_eq!(edt.starts_at, ms("2026-11-01T05:30:00Z"));
        // A choice made for a fold is harmless on an unambiguous time.
        let plain = resolve("2026-11-02T01:30", "America/New_York", "", Some(-4 * 3600)).unwrap();
        assert_eq!(plain.starts_at, ms("2026-11-02T06:30:00Z"));
    }

    #[test]
    fn bad_input_is_reported() {
        assert_eq!(
            resolve("tomorrow", "Europe/Berlin", "", None),
            Err(ScheduleError::BadDateTime)
        );
        assert_eq!(
            resolve("", "Europe/Berlin", "", None),
            Err(ScheduleError::BadDateTime)
        );
        assert_eq!(
            resolve("2026-06-10T18:30", "Mars/Olympus", "", None),
            Err(ScheduleError::BadTimezone)
        );
        assert_eq!(
            resolve("2026-06-10T18:30", "", "", None),
            Err(ScheduleError::BadTimezone)
        );
        assert_eq!(
            resolve("2026-06-10T18:30", "UTC", "0", None),
            Err(ScheduleError::BadDuration)
        );
        assert_eq!(
            resolve("2026-06-10T18:30", "UTC", "abc", None),
            Err(ScheduleError::BadDuration)
        );
        assert_eq!(
            resolve("2026-06-10T18:30", "UTC", "5000", None),
            Err(ScheduleError::BadDuration)
        );
    }
}
