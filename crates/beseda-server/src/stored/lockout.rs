//! Password guessing protection of the Stored Data API (stored-data-api.md §2): 10 failed
//! attempts for one e-mail from one address within 10 minutes block that pair for 15 minutes.

use std::collections::HashMap;
use std::sync::Mutex;

const WINDOW_MICROS: i64 = 10 * 60 * 1_000_000;
const BLOCK_MICROS: i64 = 15 * 60 * 1_000_000;
const MAX_FAILURES: usize = 10;

#[derive(Default)]
struct Entry {
    failures: Vec<i64>,
    blocked_until: i64,
}

#[derive(Default)]
pub struct Lockout(Mutex<HashMap<String, Entry>>);

impl Lockout {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn is_blocked(&self, key: &str, now: i64) -> bool {
        self.entries().get(key).is_some_and(|e| e.blocked_until > now)
    }

    /// Records a failed attempt; blocks the key at the tenth within the window.
    pub fn failed(&self, key: &str, now: i64) {
        let mut entries = self.entries();
        if entries.len() > 100_000 {
            entries.retain(|_, e| e.blocked_until > now || e.failures.iter().any(|t| *t > now - WINDOW_MICROS));
        }
        let entry = entries.entry(key.to_owned()).or_default();
        entry.failures.retain(|t| *t > now - WINDOW_MICROS);
        entry.failures.push(now);
        if entry.failures.len() >= MAX_FAILURES {
            entry.failures.clear();
            entry.blocked_until = now + BLOCK_MICROS;
        }
    }

    pub fn succeeded(&self, key: &str) {
        self.entries().remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60 * 1_000_000;

    #[test]
    fn ten_failures_in_ten_minutes_block_for_fifteen() {
        let l = Lockout::default();
        for i in 0..9 {
            l.failed("a@x.io 10.0.0.1", i * MINUTE);
        }
        assert!(!l.is_blocked("a@x.io 10.0.0.1", 9 * MINUTE));
        l.failed("a@x.io 10.0.0.1", 9 * MINUTE);
        assert!(l.is_blocked("a@x.io 10.0.0.1", 9 * MINUTE));
        assert!(!l.is_blocked("a@x.io 10.0.0.2", 9 * MINUTE), "another address is not blocked");
        assert!(l.is_blocked("a@x.io 10.0.0.1", 23 * MINUTE));
        assert!(!l.is_blocked("a@x.io 10.0.0.1", 24 * MINUTE + 1));
    }

    #[test]
    fn failures_spread_wider_than_the_window_do_not_block() {
        let l = Lockout::default();
        for i in 0..20 {
            l.failed("k", i * 2 * MINUTE);
        }
        assert!(!l.is_blocked("k", 40 * MINUTE));
    }

    #[test]
    fn a_success_forgets_the_failures() {
        let l = Lockout::default();
        for i in 0..9 {
            l.failed("k", i);
        }
        l.succeeded("k");
        l.failed("k", 10);
        assert!(!l.is_blocked("k", 10));
    }
}
