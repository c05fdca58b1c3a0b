//! The Custom Channel API (custom-channel.md), visitor side: an external system posts its users'
//! messages (`/api/custom-channel/v1/{key}/message`, `start_chat`, `close_chat`).

pub mod answer;
pub mod inbound;
pub mod outbound;
pub mod signature;
