//! Per-caller call limits (bot-api.md §5.4, custom-channel.md §7): at most N calls per second
//! per bot or channel; beyond that, `429 too-many-requests` with `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    per_second: u32,
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(per_second: u32) -> Self {
        Self { per_second, windows: Mutex::new(HashMap::new()) }
    }

    /// Counts a call of `caller`; `Err(wait)` when the caller is over its limit.
    pub fn check(&self, caller: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > 10_000 {
            windows.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(1));
        }
        let (start, count) = windows.entry(caller.to_owned()).or_insert((now, 0));
        if now.duration_since(*start) >= Duration::from_secs(1) {
            *start = now;
            *count = 0;
        }
        *count += 1;
        if *count > self.per_second {
            Err(Duration::from_secs(1).saturating_sub(now.duration_since(*start)))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn limits_each_caller_separately() {
        let r = super::RateLimiter::new(3);
        assert!((0..3).all(|_| r.check("a").is_ok()));
        assert!(r.check("a").is_err());
        assert!(r.check("b").is_ok());
    }
}
