//! The login throttle, shared by every way to authenticate (console login, bearer tokens,
//! Stored Data API Basic, bot tokens). Only failures count; a refusal comes before the
//! password hash (or token) is checked, so it also spares the CPU.
//!
//! - Per client address: failed attempts (any account, any door) at the rate of
//!   [`Limits::login_address_per_minute`] after a burst; beyond, the address waits.
//! - Per account *and* address: [`Limits::login_account_failures`] failures lock that pair
//!   out for [`Limits::login_lockout`], doubling for each further lockout up to
//!   [`Limits::login_lockout_max`]; the right password is refused too while it lasts.
//!
//! Keying the lockout by address too means a stranger cannot lock a real user out: only the
//! addresses that failed are refused.

use super::limiter::{AppClock, Keyed, MAX_KEYS};
use super::{subnet, Limits};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum Key {
    Address(IpAddr),
    Account(String, IpAddr),
}

/// A refusal in force, and how many lockouts in a row led to it.
struct Block {
    until: i64,
    strikes: u32,
}

pub struct Logins {
    limits: Limits,
    clock: AppClock,
    addresses: Keyed<IpAddr>,
    accounts: Keyed<(String, IpAddr)>,
    blocks: Mutex<HashMap<Key, Block>>,
}

/// The account key of an e-mail: trimmed, lower case.
fn account(email: &str) -> String {
    email.trim().to_lowercase()
}

impl Logins {
    pub fn new(limits: &Limits, clock: AppClock) -> Self {
        let address_period = Duration::from_secs(60).checked_div(limits.login_address_per_minute).unwrap_or_default();
        // Failures of an account are forgotten one per lockout / failures.
        let account_period = limits.login_lockout.checked_div(limits.login_account_failures).unwrap_or_default();
        Self {
            addresses: Keyed::new(address_period, limits.login_address_burst, clock.clone()),
            accounts: Keyed::new(account_period, limits.login_account_failures, clock.clone()),
            limits: limits.clone(),
            clock,
            blocks: Mutex::default(),
        }
    }

    fn now(&self) -> i64 {
        self.clock.0.now()
    }

    fn blocks(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Block>> {
        self.blocks.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn keys(ip: IpAddr, email: Option<&str>) -> impl Iterator<Item = Key> {
        std::iter::once(Key::Address(ip)).chain(email.map(|e| Key::Account(account(e), ip)))
    }

    /// Before checking credentials from `ip` (for the account `email`, if any): `Err(wait)`
    /// while the address or the pair is refused.
    pub fn check(&self, ip: IpAddr, email: Option<&str>) -> Result<(), Duration> {
        let (now, ip) = (self.now(), subnet(ip));
        let blocks = self.blocks();
        let until = Self::keys(ip, email).filter_map(|k| blocks.get(&k)).map(|b| b.until).max().unwrap_or(now);
        match u64::try_from(until - now) {
            Ok(micros @ 1..) => Err(Duration::from_micros(micros)),
            _ => Ok(()),
        }
    }

    /// Counts a failed attempt; refuses the address or the pair when over the limits.
    pub fn failed(&self, ip: IpAddr, email: Option<&str>) {
        let (now, ip) = (self.now(), subnet(ip));
        if let Err(wait) = self.addresses.check(&ip) {
            self.block(Key::Address(ip), now, |_| wait);
        }
        if let Some(email) = email {
            let pair = (account(email), ip);
            if !matches!(self.accounts.check(&pair), Ok(1..)) {
                let (first, max) = (self.limits.login_lockout, self.limits.login_lockout_max);
                let lockout = |strikes: u32| first.saturating_mul(1 << strikes.min(16)).min(max);
                tracing::warn!(account = %pair.0, %ip, "login locked out after repeated failures");
                self.block(Key::Account(pair.0, pair.1), now, lockout);
            }
        }
    }

    /// A success forgets the lockouts of the pair.
    pub fn succeeded(&self, ip: IpAddr, email: &str) {
        self.blocks().remove(&Key::Account(account(email), subnet(ip)));
    }

    /// Refuses `key` for `length(strikes before)`; remembers the strike.
    fn block(&self, key: Key, now: i64, length: impl Fn(u32) -> Duration) {
        let mut blocks = self.blocks();
        if blocks.len() >= MAX_KEYS {
            self.forget(&mut blocks, now);
        }
        let quiet = i64::try_from(self.limits.login_lockout_max.as_micros()).unwrap_or(i64::MAX);
        let block = blocks.entry(key).or_insert(Block { until: now, strikes: 0 });
        if block.until.saturating_add(quiet) < now {
            block.strikes = 0;
        }
        let micros = i64::try_from(length(block.strikes).as_micros()).unwrap_or(i64::MAX);
        block.until = block.until.max(now.saturating_add(micros));
        block.strikes = block.strikes.saturating_add(1);
    }

    /// Drops blocks over and quiet for the longest lockout (their strikes are forgotten); if
    /// that is not enough, the half that ends soonest.
    fn forget(&self, blocks: &mut HashMap<Key, Block>, now: i64) {
        let quiet = i64::try_from(self.limits.login_lockout_max.as_micros()).unwrap_or(i64::MAX);
        blocks.retain(|_, b| b.until.saturating_add(quiet) > now);
        if blocks.len() >= MAX_KEYS / 2 {
            let mut ends: Vec<i64> = blocks.values().map(|b| b.until).collect();
            let (_, median, _) = ends.select_nth_unstable(blocks.len() / 2);
            let median = *median;
            blocks.retain(|_, b| b.until > median);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use beseda_core::time::ManualClock;
    use std::sync::Arc;

    const MINUTE: Duration = Duration::from_secs(60);

    fn logins() -> (Logins, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new());
        (Logins::new(&Limits::default(), AppClock(clock.clone())), clock)
    }

    fn ip(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    #[test]
    fn five_failures_lock_the_pair_out_then_doubling() {
        let (l, clock) = logins();
        for _ in 0..5 {
            assert!(l.check(ip(1), Some("a@x.io")).is_ok());
            l.failed(ip(1), Some("a@x.io"));
        }
        let wait = l.check(ip(1), Some(" A@X.io")).expect_err("locked out");
        assert!(wait > 14 * MINUTE && wait <= 15 * MINUTE, "{wait:?}");
        assert!(l.check(ip(2), Some("a@x.io")).is_ok(), "another address may still log in");
        assert!(l.check(ip(1), Some("b@x.io")).is_ok(), "another account from the same address");
        clock.advance(15 * MINUTE);
        assert!(l.check(ip(1), Some("a@x.io")).is_ok());
        // The failures are forgotten gradually: the next burst locks out for twice as long.
        for _ in 0..5 {
            l.failed(ip(1), Some("a@x.io"));
        }
        let wait = l.check(ip(1), Some("a@x.io")).expect_err("locked out again");
        assert!(wait > 29 * MINUTE && wait <= 30 * MINUTE, "{wait:?}");
    }

    #[test]
    fn lockouts_are_capped() {
        let (l, clock) = logins();
        let mut waits = Vec::new();
        for _ in 0..6 {
            for _ in 0..5 {
                l.failed(ip(1), Some("a@x.io"));
            }
            let wait = l.check(ip(1), Some("a@x.io")).expect_err("locked out");
            waits.push(wait.as_secs().div_ceil(60));
            clock.advance(wait);
        }
        assert_eq!(waits, [15, 30, 60, 120, 240, 240]);
    }

    #[test]
    fn an_address_failing_fast_waits() {
        let (l, clock) = logins();
        for i in 0..10 {
            l.failed(ip(1), Some(&format!("user{i}@x.io")));
        }
        assert!(l.check(ip(1), None).is_ok(), "a burst of 10 is allowed");
        l.failed(ip(1), None);
        let wait = l.check(ip(1), Some("new@x.io")).expect_err("the address waits");
        assert!(wait <= Duration::from_secs(6), "{wait:?}");
        assert!(l.check(ip(2), None).is_ok());
        clock.advance(Duration::from_secs(6));
        assert!(l.check(ip(1), None).is_ok());
    }

    #[test]
    fn success_forgets_the_lockout() {
        let (l, _) = logins();
        for _ in 0..5 {
            l.failed(ip(1), Some("a@x.io"));
        }
        l.succeeded(ip(1), "a@x.io");
        assert!(l.check(ip(1), Some("a@x.io")).is_ok());
    }
}
