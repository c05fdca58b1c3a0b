//! Inputs and outputs of the mobile SDK's extras (light mode).

use beseda_core::ids::VisitorId;

/// The visitor and placement a light-mode token stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LightToken {
    pub visitor_id: VisitorId,
    pub location: String,
}

/// What light mode's badge poll shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LightInfo {
    /// Operator messages of the current chat the visitor has not read.
    pub unread_by_visitor: i64,
    /// The visitor's history revision (the last change's time, µs); 0 = no messages yet.
    pub history_revision: i64,
}
