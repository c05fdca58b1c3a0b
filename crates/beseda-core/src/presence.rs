//! Who can take a chat now: online status of placements and departments.

use crate::model::Operator;
use crate::state::{OnlineStatus, OperatorStatus};

/// Online operators who serve `department` (any department when `None`).
pub fn serving<'a>(online: &'a [Operator], department: Option<&'a str>) -> impl Iterator<Item = &'a Operator> + 'a {
    online.iter().filter(move |o| {
        o.status == OperatorStatus::Online
            && department.is_none_or(|d| o.department_keys.is_empty() || o.department_keys.iter().any(|k| k == d))
    })
}

/// `online` when someone serves the department (or, with `departments` given, any of them).
pub fn status_for(online: &[Operator], department: Option<&str>) -> OnlineStatus {
    if serving(online, department).next().is_some() {
        OnlineStatus::Online
    } else {
        OnlineStatus::Offline
    }
}

/// Status of a placement offering `departments` (empty = every department).
pub fn placement_status(online: &[Operator], departments: &[String]) -> OnlineStatus {
    if departments.is_empty() {
        return status_for(online, None);
    }
    if departments.iter().any(|d| status_for(online, Some(d)) == OnlineStatus::Online) {
        OnlineStatus::Online
    } else {
        OnlineStatus::Offline
    }
}
