//! A failure that repeats (the database is down, every probe and every poll fails) is logged
//! once, then again after 1 s, 2 s, 4 s … at most every 5 minutes, each line with the number
//! of repeats left out since the last one; the first success after it logs one line.

use std::fmt::Display;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const FIRST_INTERVAL: Duration = Duration::from_secs(1);
const MAX_INTERVAL: Duration = Duration::from_secs(300);

/// One source of repeating failures (a loop, a probe); shared by reference where needed.
#[derive(Default)]
pub struct LogBackoff {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Failures since the last success; 0 while all is well.
    failures: u64,
    /// Failures not logged since the last line.
    suppressed: u64,
    /// When the next failure may be logged, and the gap after that one.
    next_log: Option<Instant>,
    interval: Duration,
}

/// What to log for one event.
#[derive(Debug, PartialEq)]
enum Line {
    /// Log the failure, saying how many repeats were left out before it.
    Failure {
        suppressed: u64,
    },
    /// Log that it works again after `failures` failures.
    Recovered {
        failures: u64,
    },
    Nothing,
}

impl State {
    fn failed(&mut self, now: Instant) -> Line {
        self.failures += 1;
        if self.next_log.is_some_and(|at| now < at) {
            self.suppressed += 1;
            return Line::Nothing;
        }
        self.interval = if self.next_log.is_none() { FIRST_INTERVAL } else { (self.interval * 2).min(MAX_INTERVAL) };
        self.next_log = Some(now + self.interval);
        Line::Failure { suppressed: std::mem::take(&mut self.suppressed) }
    }

    fn succeeded(&mut self) -> Line {
        let failures = std::mem::take(&mut self.failures);
        *self = State::default();
        if failures == 0 {
            Line::Nothing
        } else {
            Line::Recovered { failures }
        }
    }
}

impl LogBackoff {
    /// Records a failure of `what`; logs it at WARN unless it is a repeat within the interval.
    pub fn failed(&self, what: &str, error: &dyn Display) {
        let line = self.lock().failed(Instant::now());
        if let Line::Failure { suppressed } = line {
            tracing::warn!(what, error = %error, suppressed, "{what} failed");
        }
    }

    /// Records a success of `what`; logs one line if it had been failing.
    pub fn succeeded(&self, what: &str) {
        if let Line::Recovered { failures } = self.lock().succeeded() {
            tracing::info!(what, failures, "{what} works again");
        }
    }

    /// Logs `result`'s failure or success as [`Self::failed`] and [`Self::succeeded`] do.
    pub fn record<T, E: Display>(&self, what: &str, result: &Result<T, E>) {
        match result {
            Ok(_) => self.succeeded(what),
            Err(e) => self.failed(what, e),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_logged_at_growing_intervals_with_a_count_and_recovery_once() {
        let mut s = State::default();
        let t0 = Instant::now();
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        assert_eq!(s.failed(at(0)), Line::Failure { suppressed: 0 }, "the first failure is logged");
        assert_eq!(s.failed(at(500)), Line::Nothing);
        assert_eq!(s.failed(at(900)), Line::Nothing);
        assert_eq!(s.failed(at(1000)), Line::Failure { suppressed: 2 }, "after 1 s, with the repeats counted");
        assert_eq!(s.failed(at(2500)), Line::Nothing, "now the gap is 2 s");
        assert_eq!(s.failed(at(3000)), Line::Failure { suppressed: 1 });
        assert_eq!(s.failed(at(6999)), Line::Nothing, "then 4 s");
        assert_eq!(s.failed(at(7000)), Line::Failure { suppressed: 1 });
        assert_eq!(s.succeeded(), Line::Recovered { failures: 8 });
        assert_eq!(s.succeeded(), Line::Nothing, "recovery is logged once");
        assert_eq!(s.failed(at(7100)), Line::Failure { suppressed: 0 }, "a new outage is logged at once");
        assert_eq!(s.interval, FIRST_INTERVAL, "and starts again from 1 s");
    }

    #[test]
    fn the_interval_stops_growing_at_five_minutes() {
        let mut s = State::default();
        let mut now = Instant::now();
        for _ in 0..20 {
            assert!(matches!(s.failed(now), Line::Failure { .. }));
            now += s.interval;
        }
        assert_eq!(s.interval, MAX_INTERVAL);
    }
}
