//! The organisation's local time (its IANA time zone, e.g. `Europe/Moscow`) for e-mails and
//! the daily report. The zone database is built in, so results do not depend on the host.

use jiff::tz::TimeZone;
use jiff::Timestamp;

fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

fn zoned(micros: i64, name: &str) -> jiff::Zoned {
    Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH).to_zoned(zone(name))
}

/// Whether `name` is a known time zone.
pub fn is_zone(name: &str) -> bool {
    TimeZone::get(name).is_ok()
}

/// `HH:MM` (00:00–23:59) as hours and minutes.
pub fn parse_hh_mm(s: &str) -> Option<(i8, i8)> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (i8, i8) = (h.parse().ok()?, m.parse().ok()?);
    ((0..24).contains(&h) && (0..60).contains(&m) && s.trim().len() == 5).then_some((h, m))
}

/// `micros` in zone `name` with a strftime pattern, e.g. `%d.%m.%Y %H:%M`.
pub fn format(micros: i64, name: &str, pattern: &str) -> String {
    zoned(micros, name).strftime(pattern).to_string()
}

/// The start (local midnight) of the date `YYYY-MM-DD` in zone `name`.
pub fn day_start(date: &str, name: &str) -> Option<i64> {
    let d: jiff::civil::Date = date.trim().parse().ok()?;
    let at = d.at(0, 0, 0, 0).to_zoned(zone(name)).ok()?;
    Some(at.timestamp().as_microsecond())
}

/// The latest moment at or before `now` when the local clock of zone `name` showed `hh:mm`.
pub fn last_daily(now: i64, name: &str, (hh, mm): (i8, i8)) -> i64 {
    let tz = zone(name);
    let here = zoned(now, name);
    let mut date = here.date();
    for _ in 0..3 {
        if let Ok(at) = date.at(hh, mm, 0, 0).to_zoned(tz.clone()) {
            let t = at.timestamp().as_microsecond();
            if t <= now {
                return t;
            }
        }
        match date.yesterday() {
            Ok(d) => date = d,
            Err(_) => break,
        }
    }
    now
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOV_21_2026_15_00_UTC: i64 = 1_795_273_200_000_000;

    #[test]
    fn local_times_follow_the_zone() {
        assert_eq!(format(NOV_21_2026_15_00_UTC, "UTC", "%Y-%m-%d %H:%M"), "2026-11-21 15:00");
        assert_eq!(format(NOV_21_2026_15_00_UTC, "Europe/Moscow", "%d.%m.%Y %H:%M"), "21.11.2026 18:00");
        assert_eq!(format(NOV_21_2026_15_00_UTC, "Asia/Vladivostok", "%d.%m.%Y %H:%M"), "22.11.2026 01:00");
        assert!(is_zone("Europe/Moscow") && !is_zone("Mars/Olympus"));
    }

    #[test]
    fn the_last_daily_moment_is_today_or_yesterday() {
        // 18:00 in Moscow is exactly now; 18:01 was yesterday; midnight in Vladivostok was an hour ago.
        assert_eq!(last_daily(NOV_21_2026_15_00_UTC, "Europe/Moscow", (18, 0)), NOV_21_2026_15_00_UTC);
        let yesterday = last_daily(NOV_21_2026_15_00_UTC, "Europe/Moscow", (18, 1));
        assert_eq!(NOV_21_2026_15_00_UTC - yesterday, (24 * 3600 - 60) * 1_000_000);
        let midnight = last_daily(NOV_21_2026_15_00_UTC, "Asia/Vladivostok", (0, 0));
        assert_eq!(NOV_21_2026_15_00_UTC - midnight, 3600 * 1_000_000);
    }

    #[test]
    fn days_start_at_local_midnight() {
        assert_eq!(day_start("2026-11-21", "UTC"), Some(1_795_219_200_000_000));
        assert_eq!(day_start("2026-11-21", "Europe/Moscow"), Some(1_795_219_200_000_000 - 3 * 3600 * 1_000_000));
        assert_eq!(day_start("2026-13-01", "UTC"), None);
    }

    #[test]
    fn hh_mm_is_checked() {
        assert_eq!(parse_hh_mm("18:30"), Some((18, 30)));
        assert_eq!(parse_hh_mm("00:00"), Some((0, 0)));
        for bad in ["24:00", "7:00", "18:60", "18-00", ""] {
            assert_eq!(parse_hh_mm(bad), None, "{bad}");
        }
    }
}
