//! A circuit breaker per Zoom connection, so that an outage costs a few doomed calls, not
//! one per click: a class of 2,000 pressing Join while Zoom answers 503 would otherwise
//! queue 2,000 calls that each wait for retries and time-outs.
//!
//! Closed: calls go through; `failure_threshold` consecutive failures (5xx, time-out,
//! refused or broken connection; never a 4xx or a 429, which are Zoom answering) within
//! `window` open it. Open: every call fails at once with [`ErrorKind::CircuitOpen`] without
//! touching the network, for `cooldown`. Then half-open: one trial call goes through (the
//! others still fail at once); its success closes the circuit, its failure opens it for
//! another cool-down.
//!
//! The state lives in this process (per instance): several instances each learn of the
//! outage on their own, after at most `failure_threshold` calls each. Monotonic time
//! ([`std::time::Instant`]), so a wall clock that jumps cannot open or close it.
//!
//! [`ErrorKind::CircuitOpen`]: crate::ErrorKind::CircuitOpen

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// When a circuit opens and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CircuitConfig {
    /// Consecutive failed attempts that open the circuit (0 disables the breaker).
    pub failure_threshold: u32,
    /// The failures must fall within this window (the first to the last).
    pub window: Duration,
    /// How long an open circuit refuses calls before one trial goes through.
    pub cooldown: Duration,
}

impl Default for CircuitConfig {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            window: Duration::from_secs(60),
            cooldown: Duration::from_secs(30),
        }
    }
}

/// What an attempt told us about Zoom's health.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Zoom answered (2xx, 4xx, 429): it is up.
    Answered,
    /// 5xx, time-out, refused or broken connection.
    Failed,
}

/// The circuit's state as shown to operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CircuitState {
    /// Calls go through.
    Closed,
    /// Calls fail at once for about this much longer.
    Open {
        /// Remaining cool-down.
        remaining: Duration,
    },
    /// The cool-down is over: the next call is a trial (or one is in flight).
    HalfOpen,
}

#[derive(Debug)]
enum State {
    Closed {
        failures: u32,
        first_failure: Option<Instant>,
    },
    Open {
        until: Instant,
    },
    HalfOpen {
        trial_in_flight: bool,
    },
}

/// One circuit (one Zoom connection).
#[derive(Debug)]
pub struct CircuitBreaker {
    config: CircuitConfig,
    state: Mutex<State>,
    stats: Arc<Stats>,
}

/// Counters shared by every circuit of a [`Circuits`] registry.
#[derive(Debug, Default)]
struct Stats {
    short_circuited: AtomicU64,
    opened: AtomicU64,
}

/// Permission to send one attempt; report how it went with [`Permit::record`]. Dropped
/// without a report (the caller gave up), a half-open trial lets the next call try.
#[derive(Debug)]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    trial: bool,
    done: bool,
}

/// The circuit refused the call; it may be tried again after `retry_in`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    /// Remaining cool-down (zero while a half-open trial is in flight).
    pub retry_in: Duration,
}

impl CircuitBreaker {
    /// A closed circuit.
    pub fn new(config: CircuitConfig) -> Self {
        Self::with_stats(config, Arc::default())
    }

    fn with_stats(config: CircuitConfig, stats: Arc<Stats>) -> Self {
        Self {
            config,
            state: Mutex::new(State::Closed {
                failures: 0,
                first_failure: None,
            }),
            stats,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ask to send one attempt now.
    pub fn try_acquire(&self) -> Result<Permit<'_>, Refused> {
        if self.config.failure_threshold == 0 {
            return Ok(self.permit(false));
        }
        let now = Instant::now();
        let mut st = self.lock();
        match &mut *st {
            State::Closed { .. } => Ok(self.permit(false)),
            State::Open { until } if now < *until => {
                let retry_in = *until - now;
                drop(st);
                self.stats.short_circuited.fetch_add(1, Ordering::Relaxed);
                Err(Refused { retry_in })
            }
            State::Open { .. } => {
                *st = State::HalfOpen {
                    trial_in_flight: true,
                };
                Ok(self.permit(true))
            }
            State::HalfOpen { trial_in_flight } if !*trial_in_flight => {
                *trial_in_flight = true;
                Ok(self.permit(true))
            }
            State::HalfOpen { .. } => {
                drop(st);
                self.stats.short_circuited.fetch_add(1, Ordering::Relaxed);
                Err(Refused {
                    retry_in: Duration::ZERO,
                })
            }
        }
    }

    fn permit(&self, trial: bool) -> Permit<'_> {
        Permit {
            breaker: self,
            trial,
            done: false,
        }
    }

    fn record(&self, trial: bool, outcome: Outcome) {
        let now = Instant::now();
        let mut st = self.lock();
        match (outcome, &mut *st) {
            (Outcome::Answered, _) => {
                // A late answer from before the circuit opened must not close it early;
                // only the trial (or a closed circuit) learns from an answer.
                if trial || matches!(*st, State::Closed { .. }) {
                    *st = State::Closed {
                        failures: 0,
                        first_failure: None,
                    };
                }
            }
            (
                Outcome::Failed,
                State::Closed {
                    failures,
                    first_failure,
                },
            ) => {
                let fresh =
                    first_failure.is_none_or(|t| now.duration_since(t) > self.config.window);
                if fresh {
                    *failures = 1;
                    *first_failure = Some(now);
                } else {
                    *failures += 1;
                }
                if *failures >= self.config.failure_threshold {
                    self.open(&mut st, now);
                }
            }
            (Outcome::Failed, State::HalfOpen { .. }) if trial => self.open(&mut st, now),
            // Failures of calls admitted before the circuit opened change nothing.
            (Outcome::Failed, _) => {}
        }
    }

    fn open(&self, st: &mut State, now: Instant) {
        *st = State::Open {
            until: now + self.config.cooldown,
        };
        self.stats.opened.fetch_add(1, Ordering::Relaxed);
        tracing::warn!(
            cooldown_ms = self.config.cooldown.as_millis() as u64,
            "Zoom circuit opened: calls fail at once until the cool-down ends"
        );
    }

    fn release_trial(&self) {
        let mut st = self.lock();
        if let State::HalfOpen { trial_in_flight } = &mut *st {
            *trial_in_flight = false;
        }
    }

    /// The state now.
    pub fn state(&self) -> CircuitState {
        let now = Instant::now();
        match &*self.lock() {
            State::Closed { .. } => CircuitState::Closed,
            State::Open { until } if now < *until => CircuitState::Open {
                remaining: *until - now,
            },
            State::Open { .. } | State::HalfOpen { .. } => CircuitState::HalfOpen,
        }
    }
}

impl Permit<'_> {
    /// Report how the attempt went.
    pub fn record(mut self, outcome: Outcome) {
        self.done = true;
        self.breaker.record(self.trial, outcome);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.done && self.trial {
            self.breaker.release_trial();
        }
    }
}

/// The circuits of one client, by key (Lectern: one per Zoom connection).
#[derive(Debug)]
pub struct Circuits {
    config: CircuitConfig,
    map: Mutex<HashMap<String, Arc<CircuitBreaker>>>,
    stats: Arc<Stats>,
}

impl Circuits {
    /// An empty registry whose circuits use `config`.
    pub fn new(config: CircuitConfig) -> Self {
        Self {
            config,
            map: Mutex::default(),
            stats: Arc::default(),
        }
    }

    /// The circuit for `key`, created closed on first use.
    pub fn get(&self, key: &str) -> Arc<CircuitBreaker> {
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = map.get(key) {
            return c.clone();
        }
        // Bounded: closed circuits carry no information worth keeping.
        if map.len() >= 10_000 {
            map.retain(|_, c| c.state() != CircuitState::Closed);
        }
        let c = Arc::new(CircuitBreaker::with_stats(self.config, self.stats.clone()));
        map.insert(key.to_owned(), c.clone());
        c
    }

    /// The state of `key`'s circuit (closed if it was never used).
    pub fn state(&self, key: &str) -> CircuitState {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.get(key)
            .map(|c| c.state())
            .unwrap_or(CircuitState::Closed)
    }

    /// How many circuits are open or half-open now.
    pub fn open_count(&self) -> usize {
        let map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        map.values()
            .filter(|c| c.state() != CircuitState::Closed)
            .count()
    }

    /// Calls refused without being sent, since this registry was made.
    pub fn short_circuited_total(&self) -> u64 {
        self.stats.short_circuited.load(Ordering::Relaxed)
    }

    /// Times a circuit opened, since this registry was made.
    pub fn opened_total(&self) -> u64 {
        self.stats.opened.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick() -> CircuitConfig {
        CircuitConfig {
            failure_threshold: 3,
            window: Duration::from_secs(60),
            cooldown: Duration::from_millis(40),
        }
    }

    fn fail(c: &CircuitBreaker) {
        c.try_acquire().unwrap().record(Outcome::Failed);
    }

    #[test]
    fn opens_after_consecutive_failures_and_an_answer_resets_the_count() {
        let c = CircuitBreaker::new(quick());
        fail(&c);
        fail(&c);
        c.try_acquire().unwrap().record(Outcome::Answered);
        fail(&c);
        fail(&c);
        assert_eq!(c.state(), CircuitState::Closed);
        fail(&c);
        assert!(matches!(c.state(), CircuitState::Open { .. }));
        let refused = c.try_acquire().unwrap_err();
        assert!(refused.retry_in <= Duration::from_millis(40));
    }

    #[test]
    fn half_open_admits_one_trial_whose_outcome_decides() {
        let c = CircuitBreaker::new(quick());
        for _ in 0..3 {
            fail(&c);
        }
        std::thread::sleep(Duration::from_millis(50));
        let trial = c.try_acquire().expect("the trial goes through");
        assert!(c.try_acquire().is_err(), "only one trial at a time");
        trial.record(Outcome::Failed);
        assert!(matches!(c.state(), CircuitState::Open { .. }));
        std::thread::sleep(Duration::from_millis(50));
        // A trial whose caller gave up lets the next one try.
        drop(c.try_acquire().unwrap());
        c.try_acquire().unwrap().record(Outcome::Answered);
        assert_eq!(c.state(), CircuitState::Closed);
        c.try_acquire().unwrap().record(Outcome::Answered);
    }

    #[test]
    fn failures_spread_over_more_than_the_window_do_not_open_it() {
        let c = CircuitBreaker::new(CircuitConfig {
            window: Duration::from_millis(20),
            ..quick()
        });
        fail(&c);
        fail(&c);
        std::thread::sleep(Duration::from_millis(30));
        fail(&c);
        assert_eq!(c.state(), CircuitState::Closed);
    }

    #[test]
    fn a_late_answer_from_before_the_opening_does_not_close_it() {
        let c = CircuitBreaker::new(quick());
        let slow = c.try_acquire().unwrap();
        for _ in 0..3 {
            fail(&c);
        }
        slow.record(Outcome::Answered);
        assert!(matches!(c.state(), CircuitState::Open { .. }));
    }

    #[test]
    fn registry_counts_open_circuits_and_refusals() {
        let r = Circuits::new(quick());
        for _ in 0..3 {
            fail(&r.get("a"));
        }
        fail(&r.get("b"));
        assert_eq!(r.open_count(), 1);
        assert!(r.get("a").try_acquire().is_err());
        assert!(r.get("b").try_acquire().is_ok());
        assert_eq!(r.short_circuited_total(), 1);
        assert_eq!(r.opened_total(), 1);
        assert_eq!(r.state("never"), CircuitState::Closed);
    }
}
