//! Per-address limits of the visitor protocol: new visit sessions, chat starts and messages a
//! minute. Far above what people behind one address do; they stop a script flooding the
//! queue. A refusal is `429 too-many-requests`, which the mobile SDKs retry a few times.

use super::limiter::{AppClock, Keyed};
use super::{subnet, Limits};
use crate::error::ApiError;
use axum::http::StatusCode;
use std::net::IpAddr;

/// What a visitor does that is limited.
#[derive(Clone, Copy, Debug)]
pub enum VisitorAct {
    Init,
    ChatStart,
    Message,
}

pub struct VisitorLimits {
    inits: Keyed<IpAddr>,
    chats: Keyed<IpAddr>,
    messages: Keyed<IpAddr>,
}

impl VisitorLimits {
    pub fn new(limits: &Limits, clock: AppClock) -> Self {
        Self {
            inits: Keyed::per_minute(limits.visitor_inits_per_minute, clock.clone()),
            chats: Keyed::per_minute(limits.visitor_chats_per_minute, clock.clone()),
            messages: Keyed::per_minute(limits.visitor_messages_per_minute, clock),
        }
    }

    /// Counts `act` from `ip`; refuses it over the limit.
    pub fn check(&self, ip: IpAddr, act: VisitorAct) -> Result<(), ApiError> {
        let limiter = match act {
            VisitorAct::Init => &self.inits,
            VisitorAct::ChatStart => &self.chats,
            VisitorAct::Message => &self.messages,
        };
        limiter.check(&subnet(ip)).map(|_| ()).map_err(|wait| {
            tracing::debug!(%ip, ?act, "visitor limit reached");
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "too many requests from this address")
                .retry_after(wait)
        })
    }
}
