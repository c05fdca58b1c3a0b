//! Time as Beseda stores it: integer microseconds since the Unix epoch.

use std::time::{SystemTime, UNIX_EPOCH};

/// Current time in microseconds since the Unix epoch.
pub fn now_micros() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX)).unwrap_or(0)
}

/// Microseconds as the visitor protocol's float seconds (`ts`, `creationTs`).
pub fn micros_to_secs(micros: i64) -> f64 {
    micros as f64 / 1_000_000.0
}

/// Microseconds to whole seconds.
pub fn micros_to_whole_secs(micros: i64) -> i64 {
    micros.div_euclid(1_000_000)
}

/// Where "now" comes from. The server and the store read time only through a clock, so tests
/// can drive every timeout without sleeping.
pub trait Clock: Send + Sync + 'static {
    /// Microseconds since the Unix epoch.
    fn now(&self) -> i64;
}

/// The system's wall clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        now_micros()
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock(std::sync::atomic::AtomicI64);

impl ManualClock {
    /// Starts at the current wall-clock time.
    pub fn new() -> Self {
        Self(std::sync::atomic::AtomicI64::new(now_micros()))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: std::time::Duration) {
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        self.0.fetch_add(micros, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}
