//! A keyed GCRA rate limiter (governor) on the app clock, with a bounded number of keys.

use beseda_core::time::Clock;
use governor::clock::Clock as GovernorClock;
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::HashMapStateStore;
use governor::{Quota, RateLimiter};
use std::hash::Hash;
use std::num::NonZeroU32;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Most keys a limiter keeps. Beyond, keys back at a full burst are dropped, and if that is not
/// enough, every key (a flood of random keys must not grow memory without bound).
pub const MAX_KEYS: usize = 100_000;

/// The app clock (tests drive it), as governor wants it: time since the Unix epoch.
#[derive(Clone)]
pub struct AppClock(pub Arc<dyn Clock>);

impl GovernorClock for AppClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        Duration::from_micros(u64::try_from(self.0.now()).unwrap_or(0))
    }
}

type Inner<K> = RateLimiter<K, HashMapStateStore<K>, AppClock, StateInformationMiddleware>;

/// A keyed limiter: a burst of `burst`, then one more every `period`. No quota: no limit.
pub struct Keyed<K: Hash + Eq + Clone> {
    /// `None`: no limit.
    quota: Option<Quota>,
    clock: AppClock,
    inner: RwLock<Arc<Inner<K>>>,
}

impl<K: Hash + Eq + Clone> Keyed<K> {
    pub fn new(period: Duration, burst: u32, clock: AppClock) -> Self {
        let quota = NonZeroU32::new(burst).and_then(|b| Quota::with_period(period).map(|q| q.allow_burst(b)));
        let inner = Self::fresh(quota, &clock);
        Self { quota, clock, inner: RwLock::new(inner) }
    }

    fn fresh(quota: Option<Quota>, clock: &AppClock) -> Arc<Inner<K>> {
        let quota = quota.unwrap_or(Quota::per_second(NonZeroU32::MIN));
        Arc::new(RateLimiter::hashmap_with_clock(quota, clock.clone()).with_middleware::<StateInformationMiddleware>())
    }

    /// `per_minute` a minute, as a burst too (0 = no limit).
    pub fn per_minute(per_minute: u32, clock: AppClock) -> Self {
        let period = Duration::from_secs(60).checked_div(per_minute).unwrap_or_default();
        Self::new(period, per_minute, clock)
    }

    fn current(&self) -> Arc<Inner<K>> {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Counts one event of `key`: `Ok(how many more the burst allows now)`, or `Err(wait)`
    /// (and not counted) when it is over the limit.
    pub fn check(&self, key: &K) -> Result<u32, Duration> {
        if self.quota.is_none() {
            return Ok(u32::MAX);
        }
        let limiter = self.current();
        if limiter.len() >= MAX_KEYS {
            limiter.retain_recent();
            if limiter.len() >= MAX_KEYS {
                tracing::warn!(keys = MAX_KEYS, "rate limiter full: forgetting every key");
                *self.inner.write().unwrap_or_else(|e| e.into_inner()) = Self::fresh(self.quota, &self.clock);
            }
        }
        self.current()
            .check_key(key)
            .map(|state| state.remaining_burst_capacity())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Keys held now.
    pub fn len(&self) -> usize {
        self.current().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beseda_core::time::ManualClock;

    #[test]
    fn a_burst_then_one_per_period_on_the_app_clock() {
        let clock = Arc::new(ManualClock::new());
        let l = Keyed::new(Duration::from_secs(6), 3, AppClock(clock.clone()));
        assert_eq!((0..3).map(|_| l.check(&"a")).collect::<Vec<_>>(), [Ok(2), Ok(1), Ok(0)]);
        let wait = l.check(&"a").expect_err("over the burst");
        assert!(wait <= Duration::from_secs(6) && wait > Duration::from_secs(5), "{wait:?}");
        assert!(l.check(&"b").is_ok(), "another key has its own budget");
        clock.advance(Duration::from_secs(6));
        assert!(l.check(&"a").is_ok());
        assert!(l.check(&"a").is_err());
    }

    #[test]
    fn zero_means_no_limit() {
        let l = Keyed::per_minute(0, AppClock(Arc::new(ManualClock::new())));
        assert!((0..1000).all(|_| l.check(&1).is_ok()));
        assert!(l.is_empty());
    }

    #[test]
    fn keys_stay_bounded() {
        let clock = Arc::new(ManualClock::new());
        let l = Keyed::new(Duration::from_secs(3600), 1, AppClock(clock));
        for i in 0..MAX_KEYS + 10 {
            let _ = l.check(&i);
        }
        assert!(l.len() <= MAX_KEYS);
    }
}
