//! Throttling of guessing and flooding (docs/deployment.md, "Rate limits"): one keyed
//! rate-limiter type ([`limiter::Keyed`], governor's GCRA on the app clock), used by the login
//! throttle of every way to authenticate ([`login::Logins`]) and by the per-address limits of
//! the visitor protocol ([`visitor::VisitorLimits`]).

pub mod limiter;
pub mod login;
pub mod visitor;

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The figures, deployment settings (`login_*`, `visitor_*` in the configuration file, whose
/// defaults are `Limits::default`).
#[derive(Clone, Debug)]
pub struct Limits {
    /// Failed authentications per client address: a burst of this many …
    pub login_address_burst: u32,
    /// … then this many per minute (0 = no limit).
    pub login_address_per_minute: u32,
    /// Failed logins for one account from one address before it is locked out there (0 = no
    /// lockout).
    pub login_account_failures: u32,
    /// The first lockout; each further one in a row doubles it …
    pub login_lockout: Duration,
    /// … up to this.
    pub login_lockout_max: Duration,
    /// New visit sessions (`init`) per client address and minute (0 = no limit).
    pub visitor_inits_per_minute: u32,
    /// Chat starts per client address and minute (0 = no limit).
    pub visitor_chats_per_minute: u32,
    /// Visitor messages per client address and minute (0 = no limit).
    pub visitor_messages_per_minute: u32,
}

/// The client's address (behind trusted proxies, the one they name; see
/// [`crate::origin::client_ip`]).
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
        Ok(Self(crate::origin::client_ip(&state.config.trusted_proxies, peer, &parts.headers)))
    }
}

/// What the limits count an address as: IPv4 as is, IPv6 by its /64 (one subscriber's
/// network, whose addresses cost an attacker nothing to change).
pub fn subnet(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        v4 => v4,
    }
}

/// Whole seconds to wait, at least 1 (for `Retry-After`).
pub fn retry_secs(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// `429 too-many-attempts` with `Retry-After`: authentication refused before the password or
/// token is even checked.
pub fn too_many_attempts(wait: Duration) -> ApiError {
    ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too-many-attempts",
        format!("too many failed attempts; try again in {} s", retry_secs(wait)),
    )
    .retry_after(wait)
}

#[cfg(test)]
mod tests {
    use super::subnet;
    use std::net::IpAddr;

    #[test]
    fn ipv6_addresses_count_by_their_64_bit_prefix() {
        let ip = |s: &str| s.parse::<IpAddr>().expect("ip");
        assert_eq!(subnet(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(subnet(ip("2001:db8:1:2:bbbb::9")), subnet(ip("2001:db8:1:2::1")));
        assert_ne!(subnet(ip("2001:db8:1:3::1")), subnet(ip("2001:db8:1:2::1")));
        assert_eq!(subnet(ip("203.0.113.7")), ip("203.0.113.7"));
        assert_eq!(subnet(ip("::ffff:203.0.113.7")), ip("203.0.113.7"));
    }
}
