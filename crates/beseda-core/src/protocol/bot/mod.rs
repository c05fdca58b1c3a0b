//! Webim's External Bot API (bot-api.md): the events Beseda POSTs to bots (API 2.0 and 1.0)
//! and the calls bots make, with the answers to both.

pub mod calls;
pub mod events;
