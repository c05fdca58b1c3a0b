//! Webim's External Bot API 2.0 (bot-api.md): the calls bots make (`/api/bot/v2/*`) and the
//! delivery of events to bots through the outbox.

pub mod api;
pub mod delivery;
pub mod fetch;
pub mod files;
