//! Statistics (seed 003, issue «Statistics and history»): chats started in a period, grouped by
//! local day, operator or department, with outcomes (answered, missed, refusals), busy
//! messages, offline chats, first-answer and response times and ratings; JSON or CSV.
//! Supervisors and administrators.

use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beseda_core::local_time;
use beseda_store::ChatFact;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

const DAY_MICROS: i64 = 24 * 3600 * 1_000_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// First day, `YYYY-MM-DD` in the organisation's time zone (default: six days before `to`).
    from: Option<String>,
    /// Last day, inclusive (default: today).
    to: Option<String>,
    /// `day` (default), `operator` or `department`.
    group: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

/// Figures of one group.
#[derive(Default)]
struct Figures {
    chats: i64,
    answered: i64,
    missed: i64,
    refusals: i64,
    busy_messages: i64,
    offline: i64,
    first_answer: Vec<i64>,
    response: Vec<i64>,
    ratings: Vec<i64>,
}

impl Figures {
    fn add(&mut self, f: &ChatFact) {
        self.chats += 1;
        match f.outcome.as_deref() {
            Some("answered") => self.answered += 1,
            Some("missed") => self.missed += 1,
            Some("refusal") => self.refusals += 1,
            _ => {}
        }
        self.busy_messages += f.busy_messages;
        self.offline += i64::from(f.offline);
        if let (Some(q), Some(a)) = (f.first_visitor_message_at, f.first_answer_at) {
            self.first_answer.push(a - q);
        }
        self.response.extend(&f.response_micros);
        self.ratings.extend(&f.ratings);
    }

    /// Average seconds (one decimal), or `None`.
    fn avg_secs(v: &[i64]) -> Option<f64> {
        (!v.is_empty()).then(|| (v.iter().sum::<i64>() as f64 / v.len() as f64 / 1e5).round() / 10.0)
    }

    fn avg_rating(&self) -> Option<f64> {
        (!self.ratings.is_empty()).then(|| {
            ((self.ratings.iter().sum::<i64>() as f64 / self.ratings.len() as f64 + 3.0) * 100.0).round() / 100.0
        })
    }

    fn json(&self, key: &str) -> Value {
        json!({"key": key, "chats": self.chats, "answered": self.answered, "missed": self.missed,
            "refusals": self.refusals, "busyMessages": self.busy_messages, "offline": self.offline,
            "avgFirstAnswerSecs": Self::avg_secs(&self.first_answer), "avgResponseSecs": Self::avg_secs(&self.response),
            "ratings": self.ratings.len(), "avgRating": self.avg_rating()})
    }
}

fn bad(why: &str) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "wrong-argument-value", why)
}

const CSV_COLUMNS: [&str; 11] = [
    "key",
    "chats",
    "answered",
    "missed",
    "refusals",
    "busyMessages",
    "offline",
    "avgFirstAnswerSecs",
    "avgResponseSecs",
    "ratings",
    "avgRating",
];

/// The period `[start, end)` of days `from`..=`to` (`YYYY-MM-DD` in zone `tz`; by default the
/// last seven days), with the last day as given.
pub(crate) fn period(
    state: &AppState,
    tz: &str,
    from: Option<String>,
    to: Option<String>,
) -> ApiResult<(i64, i64, String)> {
    let last = to.unwrap_or_else(|| local_time::format(state.now(), tz, "%Y-%m-%d"));
    let end = local_time::day_start(&last, tz).ok_or_else(|| bad("to: a date YYYY-MM-DD"))? + DAY_MICROS;
    let start = match from {
        Some(d) => local_time::day_start(&d, tz).ok_or_else(|| bad("from: a date YYYY-MM-DD"))?,
        None => end - 7 * DAY_MICROS,
    };
    if start >= end {
        return Err(bad("from: must not be after to"));
    }
    if end - start > 367 * DAY_MICROS {
        return Err(bad("from: the period is at most a year"));
    }
    Ok((start, end, last))
}

/// `GET /api/admin/v1/stats?from=&to=&group=&format=`.
pub async fn stats(
    State(state): State<AppState>,
    who: OperatorAuth,
    Query(q): Query<StatsQuery>,
) -> ApiResult<Response> {
    super::supervisor_up(&who)?;
    let s = state.store.settings().await.map_err(ApiError::operator)?;
    let tz = s.time_zone.as_str();
    let (start, end, last) = period(&state, tz, q.from, q.to)?;
    let group = q.group.as_deref().unwrap_or("day");
    if !["day", "operator", "department"].contains(&group) {
        return Err(bad("group: day, operator or department"));
    }
    super::csv::check_format(q.format.as_deref())?;
    let facts = state.store.chat_facts(start, end).await.map_err(ApiError::operator)?;
    let operators = state.store.operators().await.map_err(ApiError::operator)?;
    let departments = state.store.departments().await.map_err(ApiError::operator)?;
    let mut groups: BTreeMap<String, Figures> = BTreeMap::new();
    let mut total = Figures::default();
    for f in &facts {
        let key = match group {
            "day" => local_time::format(f.created_at, tz, "%Y-%m-%d"),
            "operator" => f
                .operator_id
                .and_then(|id| operators.iter().find(|o| o.id.0 == id))
                .map_or_else(|| "—".to_owned(), |o| o.name.clone()),
            "department" => f
                .department_key
                .as_ref()
                .map(|k| departments.iter().find(|d| &d.key == k).map_or_else(|| k.clone(), |d| d.name.clone()))
                .unwrap_or_else(|| "—".to_owned()),
            _ => return Err(bad("group: day, operator or department")),
        };
        groups.entry(key).or_default().add(f);
        total.add(f);
    }
    let rows: Vec<Value> = groups.iter().map(|(k, g)| g.json(k)).collect();
    if q.format.as_deref() == Some("csv") {
        let mut lines = rows.clone();
        lines.push(total.json("total"));
        return Ok(super::csv::attachment(&format!("beseda-stats-{group}.csv"), &CSV_COLUMNS, &lines));
    }
    let from_day = local_time::format(start, tz, "%Y-%m-%d");
    Ok(Json(json!({"from": from_day, "to": last, "timeZone": tz, "group": group, "rows": rows, "total": total.json("total")}))
        .into_response())
}
