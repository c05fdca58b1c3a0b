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

/// How far each queue (online, offline) needs counting for [`with_limits`]: one past its limit
/// (enough to see it exceeded), and not at all without one.
pub fn queue_caps(settings: &crate::settings::OrgSettings) -> (i64, i64) {
    let cap = |limit: Option<u32>| limit.map_or(0, |l| i64::from(l) + 1);
    (cap(settings.online_queue_limit), cap(settings.offline_queue_limit))
}

/// Applies the queue limits of seed 003 «Разное» («После превышения заданного количества…»):
/// an online placement with more chats waiting in the online queue than its limit is
/// `busy_online` (the online button hides); an offline one with more offline requests waiting
/// than its limit is `busy_offline` (the visitor cannot write). A queue holding exactly its
/// limit has not exceeded it: the button stays.
pub fn with_limits(
    status: OnlineStatus,
    waiting_online: i64,
    waiting_offline: i64,
    settings: &crate::settings::OrgSettings,
) -> OnlineStatus {
    let exceeded = |limit: Option<u32>, n: i64| limit.is_some_and(|l| n > i64::from(l));
    match status {
        OnlineStatus::Online if exceeded(settings.online_queue_limit, waiting_online) => OnlineStatus::BusyOnline,
        OnlineStatus::Offline if exceeded(settings.offline_queue_limit, waiting_offline) => OnlineStatus::BusyOffline,
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
        assert_eq!(with_limits(OnlineStatus::Online, 2, 0, &s), OnlineStatus::Online, "reached, not exceeded");
        assert_eq!(with_limits(OnlineStatus::Online, 3, 0, &s), OnlineStatus::BusyOnline);
        assert_eq!(with_limits(OnlineStatus::Offline, 0, 3, &s), OnlineStatus::Offline, "reached, not exceeded");
        assert_eq!(with_limits(OnlineStatus::Offline, 0, 4, &s), OnlineStatus::BusyOffline);
        assert_eq!(queue_caps(&s), (3, 4), "counted one past the limit");
        let zero = OrgSettings { online_queue_limit: Some(0), ..OrgSettings::default() };
        assert_eq!(with_limits(OnlineStatus::Online, 0, 0, &zero), OnlineStatus::Online);
        assert_eq!(with_limits(OnlineStatus::Online, 1, 0, &zero), OnlineStatus::BusyOnline);
        let unlimited = OrgSettings::default();
        assert_eq!(with_limits(OnlineStatus::Online, 1000, 1000, &unlimited), OnlineStatus::Online);
    }
}
