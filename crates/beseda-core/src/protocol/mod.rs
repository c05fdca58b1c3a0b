//! Typed wire formats of the protocols Beseda speaks. Each type serialises to exactly the JSON
//! its clients read and carries its OpenAPI schema (`utoipa::ToSchema`).

pub mod bot;
pub mod channel;
pub mod handlers;
pub mod stored;
pub mod visitor;
