//! Long-lived connections (WebSockets and held long-polls) counted per client address, so one
//! address cannot take all of a node's sockets. A handler takes a [`Slot`] as an extractor and
//! keeps it as long as the connection lives; the slot is given back when dropped.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::StatusCode;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

/// Open long-lived connections per client address.
#[derive(Default)]
pub struct Connections {
    open: Mutex<HashMap<IpAddr, usize>>,
}

impl Connections {
    /// Takes a slot for `ip` unless it already holds `limit` (0 = no limit).
    pub fn acquire(self: &Arc<Self>, ip: IpAddr, limit: usize) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(ip).or_default();
        if limit > 0 && *n >= limit {
            return None;
        }
        *n += 1;
        Some(Slot { connections: self.clone(), ip })
    }

    /// Connections `ip` holds now.
    pub fn held(&self, ip: IpAddr) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).get(&ip).copied().unwrap_or(0)
    }
}

/// One long-lived connection of an address; dropping it gives the slot back.
pub struct Slot {
    connections: Arc<Connections>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.connections.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

impl FromRequestParts<AppState> for Slot {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
        let ip = crate::origin::client_ip(&state.config.trusted_proxies, peer, &parts.headers);
        state.connections.acquire(ip, state.config.max_connections_per_ip).ok_or_else(|| {
            tracing::debug!(%ip, "connection limit reached");
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too-many-connections",
                "too many open connections from this address",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_address_and_given_back() {
        let c = Arc::new(Connections::default());
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let first = c.acquire(a, 2).expect("first");
        let second = c.acquire(a, 2).expect("second");
        assert!(c.acquire(a, 2).is_none(), "a third is over the limit");
        assert!(c.acquire(b, 2).is_some(), "another address has its own count");
        drop(first);
        assert_eq!(c.held(a), 1);
        let _third = c.acquire(a, 2).expect("a slot was given back");
        drop(second);
        assert!(c.acquire(a, 0).is_some(), "0 means no limit");
    }
}
