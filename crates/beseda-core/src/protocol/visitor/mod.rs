//! Webim's visitor protocol (visitor-api.md): the objects of §9, the delta items of §7, the
//! answers of every `/l/v/…` endpoint and the requests' fields. The JSON is byte-for-byte what
//! Webim's widget and mobile SDKs read: keys that Webim sends as `null` are `Option`s that
//! serialise as `null`; keys Webim leaves out are skipped when empty.
//!
//! Timestamps: `…Ts` fields are Unix seconds with a fraction, `ts_m` is microseconds.

mod answers;
mod config;
mod delta;
mod light;
mod message;
mod objects;
mod requests;
mod survey;

pub use answers::*;
pub use config::*;
pub use delta::*;
pub use light::*;
pub use message::*;
pub use objects::*;
pub use requests::*;
pub use survey::*;

/// Every visitor-protocol answer that succeeded says so.
pub const OK: &str = "ok";

#[cfg(test)]
mod tests;
