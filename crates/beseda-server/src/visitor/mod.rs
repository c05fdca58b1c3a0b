//! The visitor protocol of Webim's mobile SDKs (`/l/v/m/*`), byte-compatible, plus Beseda's
//! WebSocket transport for the same deltas. See `docs/protocol/visitor-api.md`.

pub mod actions;
pub mod config;
pub mod delta;
pub mod files;
pub mod full_update;
pub mod history;
pub mod init;
pub mod light;
pub mod page;
pub mod ws;
