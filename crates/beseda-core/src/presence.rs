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

/// How far each queue (online, offline) needs counting for [`with_limits`]: up to its limit,
/// and not at all without one.
pub fn queue_caps(settings: &crate::settings::OrgSettings) -> (i64, i64) {
    let cap = |limit: Option<u32>| limit.map_or(0, i64::from);
    (cap(settings.online_queue_limit), cap(settings.offline_queue_limit))
}

/// Applies the queue limits of seed 003 «Разное»: an online placement whose online queue is
/// full is `busy_online` (the online button hides); an offline one whose offline-request queue
/// is full is `busy_offline` (the visitor cannot write).
pub fn with_limits(
    status: OnlineStatus,
    waiting_online: i64,
    waiting_offline: i64,
    settings: &crate::settings::OrgSettings,
) -> OnlineStatus {
    let full = |limit: Option<u32>, n: i64| limit.is_some_and(|l| n >= i64::from(l));
    match status {
        OnlineStatus::Online if full(settings.online_queue_limit, waiting_online) => OnlineStatus::BusyOnline,
        OnlineStatus::Offline if full(settings.offline_queue_limit, waiting_offline) => OnlineStatus::BusyOffline,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::OrgSettings;

    #[test]
    fn queue_limits_hide_the_buttons() {
        let s = OrgSettings { online_queue_limit: Some(2), offline_queue_limit: Some(3), ..OrgSettings::default() };
        assert_eq!(with_limits(OnlineStatus::Online, 1, 0, &s), OnlineStatus::Online);
        assert_eq!(with_limits(OnlineStatus::Online, 2, 0, &s), OnlineStatus::BusyOnline);
        assert_eq!(with_limits(OnlineStatus::Offline, 0, 2, &s), OnlineStatus::Offline);
        assert_eq!(with_limits(OnlineStatus::Offline, 0, 3, &s), OnlineStatus::BusyOffline);
        let unlimited = OrgSettings::default();
        assert_eq!(with_limits(OnlineStatus::Online, 1000, 1000, &unlimited), OnlineStatus::Online);
    }
}
