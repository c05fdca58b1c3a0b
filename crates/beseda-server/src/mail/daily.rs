//! The daily report (seed 003 «Для ежедневных отчетов»): at `daily_report_time` in the
//! organisation's time zone, the statistics and the messages of the working day that just
//! ended go to the daily-report addresses. Queued once per day whatever the number of nodes; a
//! server that was down at that moment sends it if it comes back within the hour.

use super::compose::{transcript, Composed, Mail};
use crate::state::AppState;
use beseda_core::local_time;
use beseda_core::settings::{email_list, OrgSettings};
use beseda_store::StoreError;
use serde_json::Value;

/// A report is not sent more than this late.
const LATE_LIMIT_MICROS: i64 = 3600 * 1_000_000;

/// Queues the report of the day that ended last, if it is due and not queued yet.
pub async fn queue_due(state: &AppState) -> Result<bool, StoreError> {
    let s = state.store.settings().await?;
    let Some(at) = local_time::parse_hh_mm(&s.daily_report_time) else { return Ok(false) };
    if email_list(&s.email_daily_reports).is_empty() {
        return Ok(false);
    }
    let now = state.now();
    let end = local_time::last_daily(now, &s.time_zone, at);
    if now - end > LATE_LIMIT_MICROS {
        return Ok(false);
    }
    let start = local_time::last_daily(end - 1, &s.time_zone, at);
    let day = local_time::format(end - 1, &s.time_zone, "%Y-%m-%d");
    state.store.queue_daily_report(&day, start, end).await
}

/// The report mail of a queued day.
pub async fn compose(state: &AppState, s: &OrgSettings, payload: &Value) -> Result<Composed, StoreError> {
    let to = email_list(&s.email_daily_reports);
    if to.is_empty() {
        return Ok(Composed::Skip("no addresses are set for the daily report"));
    }
    let from = payload.get("from").and_then(Value::as_i64).unwrap_or(0);
    let until = payload.get("to").and_then(Value::as_i64).unwrap_or(0);
    let r = state.store.day_report(from, until).await?;
    let lang = beseda_core::languages::interface(&s.default_lang);
    let mut history = String::new();
    for d in &r.details {
        let visitor = d
            .visitor
            .fields
            .get("name")
            .cloned()
            .unwrap_or_else(|| beseda_core::texts::visitor_default_name(lang).into());
        let title = if lang == "en" { "Chat" } else { "Чат №" };
        history.push_str(&format!("{title} {} — {visitor}\n", d.chat.id.0));
        history.push_str(&transcript(&d.messages, s, lang, true, Some((from, until))));
        history.push_str("\n\n");
    }
    if history.is_empty() {
        history = if lang == "en" { "No messages." } else { "Сообщений не было." }.into();
    }
    let average =
        if r.ratings == 0 { "—".to_owned() } else { format!("{:.1}", r.rating_sum as f64 / r.ratings as f64 + 3.0) };
    let stamp = |t: i64| local_time::format(t, &s.time_zone, "%d.%m.%Y %H:%M");
    let mut vars = super::compose::base_vars(s);
    vars.extend([
        ("date", local_time::format(until - 1, &s.time_zone, "%d.%m.%Y")),
        ("from", stamp(from)),
        ("to", stamp(until)),
        ("history", history.trim_end().to_owned()),
        ("average_rating", average),
    ]);
    for (name, n) in [
        ("chats", r.chats),
        ("offline", r.offline),
        ("answered", r.answered),
        ("missed", r.missed),
        ("refusals", r.refusals),
        ("busy", r.busy_messages),
        ("ratings", r.ratings),
    ] {
        vars.insert(name, n.to_string());
    }
    let (subject, body) = super::compose::render(state, "daily_report", lang, vars);
    Ok(Composed::Send(Mail { sender: s.name.clone(), to, reply_to: None, subject, body, attachment: None }))
}
