//! Beseda's operator API (JSON; described at `/api/operator/v1/openapi.json`) and the
//! operator event stream.

pub mod chats;
pub mod context;
pub mod events;
pub mod files;
pub mod history;
pub mod notes;
pub mod profile;
pub mod push;
pub mod session;
pub mod templates;
pub mod two_factor;
pub mod visitors;
