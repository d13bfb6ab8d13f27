//! Recurring series of live sessions or webinars: the rule an instructor gives (weekly on
//! chosen weekdays every N weeks, or daily every N days; a local wall time in an IANA zone;
//! N occurrences or until a date) expanded into occurrences, each a lesson of its own.
//!
//! The wall time holds across DST changes: every occurrence starts at the same local time
//! in the series' zone, so its UTC instant moves with the zone's offset. A change day can
//! make the wall time not exist (a gap) or happen twice (a fold); a series cannot ask for
//! each of them, so it follows one stated rule, RFC 5545's and jiff's "compatible"
//! disambiguation ([`resolve_wall`]): in a gap the occurrence moves forward by the gap's
//! length (02:30 in a 02:00 → 03:00 gap starts at 03:30), in a fold it takes the earlier
//! offset (the first time the clock shows it). The preview lists every such occurrence
//! with what happened before anything is created. See `docs/series.md`.

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{Timestamp, ToSpan};

/// The most occurrences one series may have (five years of a weekly session).
pub const MAX_OCCURRENCES: usize = 260;
/// The largest "every N weeks/days".
pub const MAX_INTERVAL: u32 = 52;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freq {
    Weekly,
    Daily,
}

impl Freq {
    pub fn as_str(self) -> &'static str {
        match self {
            Freq::Weekly => "weekly",
            Freq::Daily => "daily",
        }
    }
    pub fn parse(s: &str) -> Option<Freq> {
        match s {
            "weekly" => Some(Freq::Weekly),
            "daily" => Some(Freq::Daily),
            _ => None,
        }
    }
}

/// How a series ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// After this many occurrences.
    Count(usize),
    /// On this date (inclusive), in the series' zone.
    Until(Date),
}

/// A series' rule, validated.
#[derive(Debug, Clone)]
pub struct Rule {
    pub freq: Freq,
    /// Every `interval` weeks (weekly) or days (daily), 1..=[`MAX_INTERVAL`].
    pub interval: u32,
    /// Weekly: the weekdays (at least one); daily: ignored.
    pub weekdays: Vec<Weekday>,
    /// The first day the series may fall on.
    pub first_date: Date,
    /// The local wall time of every occurrence.
    pub time: Time,
    pub zone: TimeZone,
    pub end: End,
}

/// What the DST rule did to one occurrence's wall time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Adjusted {
    /// The wall time does not exist that day: moved forward by the gap's length to `to`.
    Gap { to: Time },
    /// The wall time happens twice that day: the earlier of the two (offset in seconds).
    Fold { offset_seconds: i32 },
}

/// One occurrence of a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// 1-based place in the series.
    pub index: usize,
    pub date: Date,
    /// The instant it starts.
    pub starts_at: Timestamp,
    /// The wall time it starts at in the zone (the rule's, unless a gap moved it).
    pub local: DateTime,
    pub adjusted: Option<Adjusted>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpandError {
    /// Weekly without any weekday.
    NoWeekday,
    /// The interval is not 1..=MAX_INTERVAL.
    BadInterval,
    /// A count of 0, or more than MAX_OCCURRENCES.
    BadCount,
    /// The until-date is before the first date.
    EndBeforeStart,
    /// The until-date allows more than MAX_OCCURRENCES.
    TooMany,
    /// The rule yields no occurrence at all (e.g. the only weekday never falls before
    /// the until-date).
    Empty,
    /// Dates beyond the calendar jiff knows (year 9999).
    OutOfRange,
}

/// The wall time `dt` in `tz` as the series' rule reads it: unambiguous times as they
/// are; a time in a gap moved forward by the gap's length (jiff's `compatible`, RFC 5545
/// §3.3.5); a time in a fold at the earlier offset.
pub fn resolve_wall(
    tz: &TimeZone,
    dt: DateTime,
) -> Result<(Timestamp, Option<Adjusted>), ExpandError> {
    let amb = tz.to_ambiguous_timestamp(dt);
    let adjusted = match amb.offset() {
        AmbiguousOffset::Unambiguous { .. } => None,
        AmbiguousOffset::Gap { .. } => None,
        AmbiguousOffset::Fold { before, .. } => Some(Adjusted::Fold {
            offset_seconds: before.seconds(),
        }),
    };
    let gap = matches!(amb.offset(), AmbiguousOffset::Gap { .. });
    let ts = amb.compatible().map_err(|_| ExpandError::OutOfRange)?;
    if gap {
        let to = ts.to_zoned(tz.clone()).time();
        return Ok((ts, Some(Adjusted::Gap { to })));
    }
    Ok((ts, adjusted))
}

impl Rule {
    /// The dates of the series, in order (before the wall time is applied).
    pub fn dates(&self) -> Result<Vec<Date>, ExpandError> {
        if !(1..=MAX_INTERVAL).contains(&self.interval) {
            return Err(ExpandError::BadInterval);
        }
        let limit = match self.end {
            End::Count(n) if n == 0 || n > MAX_OCCURRENCES => return Err(ExpandError::BadCount),
            End::Count(n) => n,
            End::Until(u) if u < self.first_date => return Err(ExpandError::EndBeforeStart),
            End::Until(_) => MAX_OCCURRENCES,
        };
        let until = match self.end {
            End::Until(u) => Some(u),
            End::Count(_) => None,
        };
        let mut out = Vec::new();
        // One more than allowed tells "too many" from "exactly the maximum".
        let push = |out: &mut Vec<Date>, d: Date| -> Result<bool, ExpandError> {
            if until.is_some_and(|u| d > u) {
                return Ok(false);
            }
            if out.len() == limit {
                return Err(ExpandError::TooMany);
            }
            out.push(d);
            Ok(until.is_some() || out.len() < limit)
        };
        match self.freq {
            Freq::Daily => {
                let mut d = self.first_date;
                while push(&mut out, d)? {
                    d = d
                        .checked_add((self.interval as i64).days())
                        .map_err(|_| ExpandError::OutOfRange)?;
                }
            }
            Freq::Weekly => {
                let mut days: Vec<i8> = self
                    .weekdays
                    .iter()
                    .map(|w| w.to_monday_zero_offset())
                    .collect();
                days.sort_unstable();
                days.dedup();
                if days.is_empty() {
                    return Err(ExpandError::NoWeekday);
                }
                let back = self.first_date.weekday().to_monday_zero_offset() as i64;
                let mut monday = self
                    .first_date
                    .checked_sub(back.days())
                    .map_err(|_| ExpandError::OutOfRange)?;
                'weeks: loop {
                    for &off in &days {
                        let d = monday
                            .checked_add((off as i64).days())
                            .map_err(|_| ExpandError::OutOfRange)?;
                        if d < self.first_date {
                            continue;
                        }
                        if !push(&mut out, d)? {
                            break 'weeks;
                        }
                    }
                    monday = monday
                        .checked_add((7 * self.interval as i64).days())
                        .map_err(|_| ExpandError::OutOfRange)?;
                }
            }
        }
        if out.is_empty() {
            return Err(ExpandError::Empty);
        }
        Ok(out)
    }

    /// Every occurrence with its instant, by the DST rule of [`resolve_wall`].
    pub fn expand(&self) -> Result<Vec<Occurrence>, ExpandError> {
        self.dates()?
            .into_iter()
            .enumerate()
            .map(|(i, date)| {
                let (starts_at, adjusted) = resolve_wall(&self.zone, date.to_datetime(self.time))?;
                Ok(Occurrence {
                    index: i + 1,
                    date,
                    starts_at,
                    local: starts_at.to_zoned(self.zone.clone()).datetime(),
                    adjusted,
                })
            })
            .collect()
    }
}

/// `1`…`7` (Monday … Sunday) as stored in `lesson_series.weekdays`.
pub fn weekday_number(w: Weekday) -> i8 {
    w.to_monday_one_offset()
}

pub fn weekday_of(n: i8) -> Option<Weekday> {
    Weekday::from_monday_one_offset(n).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn rule(zone: &str, first: Date, time: Time, weekdays: &[Weekday], end: End) -> Rule {
        Rule {
            freq: Freq::Weekly,
            interval: 1,
            weekdays: weekdays.to_vec(),
            first_date: first,
            time,
            zone: TimeZone::get(zone).unwrap(),
            end,
        }
    }

    fn utc(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn berlin_weekly_keeps_nine_oclock_across_both_changes() {
        // Mondays from 16 March 2026 to 2 November 2026: summer time from 29 March to 25 October.
        let r = rule(
            "Europe/Berlin",
            date(2026, 3, 16),
            Time::constant(9, 0, 0, 0),
            &[Weekday::Monday],
            End::Until(date(2026, 11, 2)),
        );
        let occ = r.expand().unwrap();
        assert_eq!(occ.first().unwrap().starts_at, utc("2026-03-16T08:00:00Z"));
        assert_eq!(
            occ[2].starts_at,
            utc("2026-03-30T07:00:00Z"),
            "summer time: UTC+2"
        );
        assert_eq!(occ.last().unwrap().starts_at, utc("2026-11-02T08:00:00Z"));
        assert!(
            occ.iter()
                .all(|o| o.local.time() == Time::constant(9, 0, 0, 0))
        );
        assert!(occ.iter().all(|o| o.adjusted.is_none()));
        assert_eq!(occ.len(), 34);
        assert_eq!(occ.last().unwrap().index, 34);
    }

    #[test]
    fn gap_moves_forward_and_fold_takes_the_earlier_offset() {
        // Sundays at 02:30 in Berlin: 29 March 2026 has no 02:30, 25 October 2026 has two.
        let r = rule(
            "Europe/Berlin",
            date(2026, 3, 22),
            Time::constant(2, 30, 0, 0),
            &[Weekday::Sunday],
            End::Until(date(2026, 11, 1)),
        );
        let occ = r.expand().unwrap();
        let gap = occ.iter().find(|o| o.date == date(2026, 3, 29)).unwrap();
        assert_eq!(
            gap.adjusted,
            Some(Adjusted::Gap {
                to: Time::constant(3, 30, 0, 0)
            })
        );
        assert_eq!(gap.starts_at, utc("2026-03-29T01:30:00Z"));
        let fold = occ.iter().find(|o| o.date == date(2026, 10, 25)).unwrap();
        assert_eq!(
            fold.adjusted,
            Some(Adjusted::Fold {
                offset_seconds: 7200
            })
        );
        assert_eq!(
            fold.starts_at,
            utc("2026-10-25T00:30:00Z"),
            "CEST, the first 02:30"
        );
        assert_eq!(occ.iter().filter(|o| o.adjusted.is_some()).count(), 2);
    }

    #[test]
    fn every_other_week_on_two_days_and_daily() {
        let mut r = rule(
            "America/New_York",
            date(2026, 1, 7), // a Wednesday
            Time::constant(18, 0, 0, 0),
            &[Weekday::Monday, Weekday::Wednesday],
            End::Count(5),
        );
        r.interval = 2;
        let dates = r.dates().unwrap();
        // The Monday of the first week is before the first date: skipped.
        assert_eq!(
            dates,
            vec![
                date(2026, 1, 7),
                date(2026, 1, 19),
                date(2026, 1, 21),
                date(2026, 2, 2),
                date(2026, 2, 4)
            ]
        );
        r.freq = Freq::Daily;
        r.interval = 3;
        r.weekdays.clear();
        assert_eq!(
            r.dates().unwrap(),
            vec![
                date(2026, 1, 7),
                date(2026, 1, 10),
                date(2026, 1, 13),
                date(2026, 1, 16),
                date(2026, 1, 19)
            ]
        );
    }

    #[test]
    fn bad_rules_are_refused() {
        let base = rule(
            "Europe/Berlin",
            date(2026, 1, 5),
            Time::constant(9, 0, 0, 0),
            &[Weekday::Monday],
            End::Count(3),
        );
        let mut r = base.clone();
        r.weekdays.clear();
        assert_eq!(r.dates(), Err(ExpandError::NoWeekday));
        let mut r = base.clone();
        r.end = End::Until(date(2026, 1, 4));
        assert_eq!(r.dates(), Err(ExpandError::EndBeforeStart));
        let mut r = base.clone();
        r.end = End::Count(MAX_OCCURRENCES + 1);
        assert_eq!(r.dates(), Err(ExpandError::BadCount));
        let mut r = base.clone();
        r.end = End::Count(MAX_OCCURRENCES);
        assert_eq!(r.dates().unwrap().len(), MAX_OCCURRENCES);
        let mut r = base.clone();
        r.freq = Freq::Daily;
        r.end = End::Until(date(2027, 1, 5));
        assert_eq!(r.dates(), Err(ExpandError::TooMany));
        let mut r = base.clone();
        r.interval = 0;
        assert_eq!(r.dates(), Err(ExpandError::BadInterval));
        // Mondays only, until the Sunday before the first Monday after the first date.
        let mut r = base.clone();
        r.first_date = date(2026, 1, 6);
        r.end = End::Until(date(2026, 1, 11));
        assert_eq!(r.dates(), Err(ExpandError::Empty));
    }

    const ZONES: [&str; 4] = [
        "Europe/Berlin",
        "America/New_York",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
    ];

    fn weekday_set() -> impl Strategy<Value = Vec<Weekday>> {
        proptest::collection::btree_set(1i8..=7, 1..=7)
            .prop_map(|s| s.into_iter().map(|n| weekday_of(n).unwrap()).collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Over two years of every zone's DST changes: each occurrence keeps the series'
        /// wall time, except in a gap, where it is moved forward by exactly the gap's
        /// length; a fold takes the earlier offset; the instants rise; the dates fall on
        /// the chosen weekdays, at the chosen interval, never before the first date.
        #[test]
        fn expansion_keeps_the_wall_time(
            zone in 0usize..4,
            year in 2025i16..2028,
            day_of_year in 0i64..365,
            hour in 0i8..24,
            minute in prop::sample::select(vec![0i8, 15, 30, 45]),
            weekdays in weekday_set(),
            interval in 1u32..4,
            daily in any::<bool>(),
            count in 1usize..120,
        ) {
            let tz = TimeZone::get(ZONES[zone]).unwrap();
            let first = date(year, 1, 1).checked_add(day_of_year.days()).unwrap();
            let time = Time::new(hour, minute, 0, 0).unwrap();
            let r = Rule {
                freq: if daily { Freq::Daily } else { Freq::Weekly },
                interval,
                weekdays: weekdays.clone(),
                first_date: first,
                time,
                zone: tz.clone(),
                end: End::Count(count),
            };
            let occ = r.expand().unwrap();
            prop_assert_eq!(occ.len(), count);
            for (i, o) in occ.iter().enumerate() {
                prop_assert_eq!(o.index, i + 1);
                prop_assert!(o.date >= first);
                let wanted = o.date.to_datetime(time);
                let shown = o.starts_at.to_zoned(tz.clone()).datetime();
                prop_assert_eq!(shown, o.local);
                match tz.to_ambiguous_timestamp(wanted).offset() {
                    AmbiguousOffset::Unambiguous { offset } => {
                        prop_assert_eq!(o.adjusted, None);
                        prop_assert_eq!(shown, wanted);
                        prop_assert_eq!(o.starts_at, offset.to_timestamp(wanted).unwrap());
                    }
                    AmbiguousOffset::Gap { before, after } => {
                        // Moved forward by the gap's length (30 min on Lord Howe, 1 h elsewhere).
                        let gap = (after.seconds() - before.seconds()) as i64;
                        prop_assert!(gap > 0);
                        let moved = wanted.checked_add(gap.seconds()).unwrap();
                        prop_assert_eq!(shown, moved);
                        prop_assert_eq!(o.adjusted, Some(Adjusted::Gap { to: moved.time() }));
                        prop_assert_eq!(o.starts_at, before.to_timestamp(wanted).unwrap());
                    }
                    AmbiguousOffset::Fold { before, after } => {
                        prop_assert_eq!(shown, wanted);
                        prop_assert_eq!(o.adjusted, Some(Adjusted::Fold { offset_seconds: before.seconds() }));
                        prop_assert_eq!(o.starts_at, before.to_timestamp(wanted).unwrap());
                        prop_assert!(o.starts_at < after.to_timestamp(wanted).unwrap());
                    }
                }
                if i > 0 {
                    let prev = &occ[i - 1];
                    prop_assert!(o.starts_at > prev.starts_at);
                    prop_assert!(o.date > prev.date);
                    let days = (o.date - prev.date).get_days() as i64;
                    if daily {
                        prop_assert_eq!(days, interval as i64);
                    } else {
                        prop_assert!(days <= 7 * interval as i64);
                        if weekdays.len() == 1 {
                            prop_assert_eq!(days, 7 * interval as i64);
                        }
                    }
                }
                if !daily {
                    prop_assert!(weekdays.contains(&o.date.weekday()));
                }
            }
        }

        /// The change days themselves, at every quarter hour of the day: the rule holds
        /// exactly where the zone's clock jumps (Lord Howe's half hour included).
        #[test]
        fn change_days_follow_the_rule(
            zone in 0usize..3,
            year in 2025i16..2029,
            minute_of_day in 0i32..96,
        ) {
            let tz = TimeZone::get(ZONES[zone]).unwrap();
            let time = Time::new((minute_of_day / 4) as i8, (minute_of_day % 4 * 15) as i8, 0, 0).unwrap();
            // Every transition of the year: the day before, of and after it.
            let start = date(year, 1, 1).to_zoned(tz.clone()).unwrap().timestamp();
            let end = date(year + 1, 1, 1).to_zoned(tz.clone()).unwrap().timestamp();
            for t in tz.following(start).take_while(|t| t.timestamp() < end) {
                let day = t.timestamp().to_zoned(tz.clone()).date();
                let r = Rule {
                    freq: Freq::Daily,
                    interval: 1,
                    weekdays: vec![],
                    first_date: day.yesterday().unwrap(),
                    time,
                    zone: tz.clone(),
                    end: End::Count(3),
                };
                let occ = r.expand().unwrap();
                prop_assert_eq!(occ.len(), 3);
                for o in &occ {
                    let wanted = o.date.to_datetime(time);
                    match o.adjusted {
                        None => prop_assert_eq!(o.local, wanted),
                        Some(Adjusted::Gap { to }) => {
                            prop_assert!(to > time);
                            let is_gap = matches!(tz.to_ambiguous_timestamp(wanted).offset(), AmbiguousOffset::Gap { .. });
                            prop_assert!(is_gap);
                        }
                        Some(Adjusted::Fold { offset_seconds }) => {
                            prop_assert_eq!(o.local, wanted);
                            let AmbiguousOffset::Fold { before, .. } = tz.to_ambiguous_timestamp(wanted).offset() else {
                                return Err(TestCaseError::fail("a fold"));
                            };
                            prop_assert_eq!(offset_seconds, before.seconds());
                        }
                    }
                }
                let gaps_or_folds = occ.iter().filter(|o| o.adjusted.is_some()).count();
                prop_assert!(gaps_or_folds <= 1);
            }
        }
    }

    #[test]
    fn kolkata_never_moves_and_lord_howe_gap_is_half_an_hour() {
        let r = Rule {
            freq: Freq::Daily,
            interval: 1,
            weekdays: vec![],
            first_date: date(2026, 1, 1),
            time: Time::constant(2, 15, 0, 0),
            zone: TimeZone::get("Asia/Kolkata").unwrap(),
            end: End::Count(MAX_OCCURRENCES),
        };
        let occ = r.expand().unwrap();
        assert!(occ.iter().all(|o| o.adjusted.is_none()));
        assert!(
            occ.windows(2)
                .all(|w| w[1].starts_at.as_second() - w[0].starts_at.as_second() == 86_400)
        );
        // Lord Howe springs forward from 02:00 to 02:30 on the first Sunday of October.
        let r = rule(
            "Australia/Lord_Howe",
            date(2026, 9, 27),
            Time::constant(2, 15, 0, 0),
            &[Weekday::Sunday],
            End::Count(3),
        );
        let occ = r.expand().unwrap();
        assert_eq!(occ[1].date, date(2026, 10, 4));
        assert_eq!(
            occ[1].adjusted,
            Some(Adjusted::Gap {
                to: Time::constant(2, 45, 0, 0)
            })
        );
        assert_eq!(occ[0].local.time(), Time::constant(2, 15, 0, 0));
        assert_eq!(occ[2].local.time(), Time::constant(2, 15, 0, 0));
    }
}
