//! Beseda's domain core: identifiers, states, message kinds, organisation settings, the
//! visitor-protocol objects and the rules that decide what a change does. No I/O lives here.

pub mod bot_wire;
pub mod chat_access;
pub mod contacts;
pub mod error;
pub mod ids;
pub mod ip_allowlist;
pub mod languages;
pub mod local_time;
pub mod markdown;
pub mod mobile_push;
pub mod model;
pub mod operator_wire;
pub mod presence;
pub mod protocol;
pub mod provided_visitor;
pub mod push;
pub mod routing;
pub mod rules;
pub mod settings;
pub mod state;
pub mod survey;
pub mod teleport;
pub mod texts;
pub mod time;
pub mod timers;
pub mod user_agent;
pub mod visibility;
pub mod wire;

pub use error::DomainError;
