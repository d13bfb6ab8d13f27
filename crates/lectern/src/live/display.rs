//! The one state a page shows for a live lesson, derived from the session row and the
//! clock. Every screen that speaks of a session (the player's panel, the outline's badge,
//! the course page) goes through [`display`], so they can never contradict each other,
//! and [`next_change`] tells an open page when the clock alone will change it — the page
//! asks again then, instead of reloading itself.
//!
//! The student's own "joined" and "left" exist only in their browser (they follow the
//! Meeting SDK's events), layered on [`Display::Live`].

use super::State;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Display {
    /// More than the start lead before the start: a countdown.
    Upcoming,
    /// Inside the start lead: the host can start; students wait for Join.
    OpeningSoon,
    /// The scheduled start has passed and the host has not started yet.
    StartingNow,
    /// The meeting exists (the host started it, possibly early): Join.
    Live,
    /// It took place and is over: attendance, then the recording.
    Ended,
    Cancelled,
    /// Nobody started it before its end plus the grace period.
    DidNotTakePlace,
}

impl Display {
    pub fn as_str(self) -> &'static str {
        match self {
            Display::Upcoming => "upcoming",
            Display::OpeningSoon => "opening-soon",
            Display::StartingNow => "starting-now",
            Display::Live => "live",
            Display::Ended => "ended",
            Display::Cancelled => "cancelled",
            Display::DidNotTakePlace => "did-not-take-place",
        }
    }

    /// Over for good: nothing will change it any more but a reschedule.
    pub(crate) fn is_final(self) -> bool {
        matches!(
            self,
            Display::Ended | Display::Cancelled | Display::DidNotTakePlace
        )
    }

    /// The outline's short label (a message id).
    pub(crate) fn badge_key(self) -> &'static str {
        match self {
            Display::Upcoming => "live-badge-upcoming",
            Display::OpeningSoon => "live-badge-opening-soon",
            Display::StartingNow => "live-badge-starting-now",
            Display::Live => "live-badge-live",
            Display::Ended => "live-badge-ended",
            Display::Cancelled => "live-badge-cancelled",
            Display::DidNotTakePlace => "live-badge-did-not-take-place",
        }
    }
}

/// What the display depends on, from the session row (or its absence) and the lesson.
#[derive(Clone, Copy, Debug)]
pub struct Facts {
    pub state: State,
    /// The session ended because nobody started it (`expired_at`).
    pub expired: bool,
    pub starts_at: i64,
    /// Scheduled end (start + duration).
    pub ends_at: i64,
}

/// The configured windows around the scheduled time.
#[derive(Clone, Copy, Debug)]
pub struct Windows {
    /// How early the host may start.
    pub start_lead_ms: i64,
    /// How long after the scheduled end an unstarted session still counts as pending.
    pub end_grace_ms: i64,
}

pub fn display(f: &Facts, w: &Windows, now: i64) -> Display {
    match f.state {
        State::Cancelled => Display::Cancelled,
        State::Ended if f.expired => Display::DidNotTakePlace,
        State::Ended => Display::Ended,
        State::Live => Display::Live,
        // `starting` is the host's click in flight: students see what they saw before.
        State::Scheduled | State::Starting => {
            if now < f.starts_at - w.start_lead_ms {
                Display::Upcoming
            } else if now < f.starts_at {
                Display::OpeningSoon
            } else if now <= f.ends_at + w.end_grace_ms {
                Display::StartingNow
            } else {
                Display::DidNotTakePlace
            }
        }
    }
}

/// The instant at which [`display`] would answer differently with the same facts, if the
/// clock alone can change it.
pub fn next_change(f: &Facts, w: &Windows, now: i64) -> Option<i64> {
    match display(f, w, now) {
        Display::Upcoming => Some(f.starts_at - w.start_lead_ms),
        Display::OpeningSoon => Some(f.starts_at),
        Display::StartingNow => Some(f.ends_at + w.end_grace_ms + 1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;
    const W: Windows = Windows {
        start_lead_ms: 15 * MIN,
        end_grace_ms: 30 * MIN,
    };
    const START: i64 = 1_000 * MIN;
    const END: i64 = START + 60 * MIN;

    fn facts(state: State, expired: bool) -> Facts {
        Facts {
            state,
            expired,
            starts_at: START,
            ends_at: END,
        }
    }

    /// Before, inside the start lead, after the start, after the end, after end + grace.
    const CLOCK: [(&str, i64); 5] = [
        ("before", START - 60 * MIN),
        ("in the lead", START - 5 * MIN),
        ("after the start", START + 5 * MIN),
        ("after the end", END + 5 * MIN),
        ("after end + grace", END + 31 * MIN),
    ];

    #[test]
    fn every_state_at_every_clock_position() {
        use Display::*;
        let table: [(State, bool, [Display; 5]); 7] = [
            (
                State::Scheduled,
                false,
                [
                    Upcoming,
                    OpeningSoon,
                    StartingNow,
                    StartingNow,
                    DidNotTakePlace,
                ],
            ),
            (
                State::Starting,
                false,
                [
                    Upcoming,
                    OpeningSoon,
                    StartingNow,
                    StartingNow,
                    DidNotTakePlace,
                ],
            ),
            // Started early, on time or late: live whatever the clock says, until Zoom
            // (or the end timer) ends it.
            (State::Live, false, [Live; 5]),
            (State::Ended, false, [Ended; 5]),
            (State::Ended, true, [DidNotTakePlace; 5]),
            (State::Cancelled, false, [Cancelled; 5]),
            (State::Cancelled, true, [Cancelled; 5]),
        ];
        for (state, expired, expected) in table {
            for ((at, now), want) in CLOCK.iter().zip(expected) {
                assert_eq!(
                    display(&facts(state, expired), &W, *now),
                    want,
                    "{state:?} (expired: {expired}) {at}"
                );
            }
        }
    }

    #[test]
    fn the_clock_changes_only_pending_sessions_and_exactly_at_the_boundaries() {
        let f = facts(State::Scheduled, false);
        let mut now = CLOCK[0].1;
        let mut seen = vec![display(&f, &W, now)];
        while let Some(at) = next_change(&f, &W, now) {
            assert!(at > now, "the next change is in the future");
            assert_eq!(display(&f, &W, at - 1), *seen.last().unwrap());
            now = at;
            seen.push(display(&f, &W, now));
        }
        assert_eq!(
            seen,
            [
                Display::Upcoming,
                Display::OpeningSoon,
                Display::StartingNow,
                Display::DidNotTakePlace
            ]
        );
        for state in [State::Live, State::Ended, State::Cancelled] {
            for (_, now) in CLOCK {
                assert_eq!(next_change(&facts(state, false), &W, now), None);
            }
        }
        assert!(Display::DidNotTakePlace.is_final() && !Display::Live.is_final());
    }
}
