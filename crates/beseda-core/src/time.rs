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
