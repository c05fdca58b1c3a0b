//! Statistics (seed 003, issue «Statistics and history»): chats started in a period, grouped by
//! local day, operator, department, category or subcategory, with outcomes (answered, missed,
//! refusals), busy messages, offline chats, first-answer and response times and ratings; JSON or CSV.
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
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

const DAY_MICROS: i64 = 24 * 3600 * 1_000_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// First day, `YYYY-MM-DD` in the organisation's time zone (default: six days before `to`).
    from: Option<String>,
    /// Last day, inclusive (default: today).
    to: Option<String>,
    /// `day` (default), `operator`, `department`, `category` or `subcategory`.
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

    fn row(&self, key: &str) -> StatsRow {
        StatsRow {
            key: key.to_owned(),
            chats: self.chats,
            answered: self.answered,
            missed: self.missed,
            refusals: self.refusals,
            busy_messages: self.busy_messages,
            offline: self.offline,
            avg_first_answer_secs: Self::avg_secs(&self.first_answer),
            avg_response_secs: Self::avg_secs(&self.response),
            ratings: self.ratings.len(),
            avg_rating: self.avg_rating(),
        }
    }
}

/// The figures of one group (a day, an operator, a department, a category or a subcategory), or
/// of the whole period.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatsRow {
    /// The day (`YYYY-MM-DD`), the operator's, department's or category's name, or
    /// `category / subcategory` (`—`: none, so `category / —` is a chat with a category only),
    /// or `total`.
    pub key: String,
    /// Chats started in the period.
    pub chats: i64,
    pub answered: i64,
    pub missed: i64,
    pub refusals: i64,
    pub busy_messages: i64,
    /// Started while nobody was online.
    pub offline: i64,
    /// Seconds from the visitor's first message to the first answer (null: no answered chat).
    pub avg_first_answer_secs: Option<f64>,
    pub avg_response_secs: Option<f64>,
    /// How many ratings were given, and their average on the 1 to 5 scale.
    pub ratings: usize,
    pub avg_rating: Option<f64>,
}

/// Statistics of a period, grouped.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    /// First and last day, in the organisation's time zone.
    pub from: String,
    pub to: String,
    pub time_zone: String,
    /// `day`, `operator`, `department`, `category` or `subcategory`.
    pub group: String,
    pub rows: Vec<StatsRow>,
    pub total: StatsRow,
}

/// Counters of chat outcomes and busy messages since the start.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Outcomes {
    pub answered: i64,
    pub missed: i64,
    pub refusals: i64,
    pub busy_messages: i64,
}

/// `GET /api/admin/v1/stats/outcomes`.
pub async fn outcomes(State(state): State<AppState>, who: OperatorAuth) -> ApiResult<Json<Outcomes>> {
    super::supervisor_up(&who)?;
    let c = state.store.outcome_counts().await.map_err(ApiError::operator)?;
    Ok(Json(Outcomes { answered: c.answered, missed: c.missed, refusals: c.refusals, busy_messages: c.busy_messages }))
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

/// The groupings, and the key of a row without an operator, department or category.
const GROUPS: [&str; 5] = ["day", "operator", "department", "category", "subcategory"];
const GROUPS_HINT: &str = "group: day, operator, department, category or subcategory";
const NONE: &str = "—";

/// The key of a chat by subcategory: `category / subcategory`, `category / —` when the chat has
/// only a category, `—` when it has none.
fn category_key(f: &ChatFact) -> String {
    let present = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    match (present(&f.category), present(&f.subcategory)) {
        (None, _) => NONE.to_owned(),
        (Some(c), Some(s)) => format!("{c} / {s}"),
        (Some(c), None) => format!("{c} / {NONE}"),
    }
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
    if !GROUPS.contains(&group) {
        return Err(bad(GROUPS_HINT));
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
                .map_or_else(|| NONE.to_owned(), |o| o.name.clone()),
            "department" => f
                .department_key
                .as_ref()
                .map(|k| departments.iter().find(|d| &d.key == k).map_or_else(|| k.clone(), |d| d.name.clone()))
                .unwrap_or_else(|| NONE.to_owned()),
            "category" => f.category.clone().filter(|c| !c.is_empty()).unwrap_or_else(|| NONE.to_owned()),
            _ => category_key(f),
        };
        groups.entry(key).or_default().add(f);
        total.add(f);
    }
    let mut rows: Vec<StatsRow> = groups.iter().map(|(k, g)| g.row(k)).collect();
    let total = total.row("total");
    if q.format.as_deref() == Some("csv") {
        rows.push(total);
        return Ok(super::csv::attachment(&format!("beseda-stats-{group}.csv"), &CSV_COLUMNS, &rows));
    }
    let from = local_time::format(start, tz, "%Y-%m-%d");
    let stats = Stats { from, to: last, time_zone: tz.to_owned(), group: group.to_owned(), rows, total };
    Ok(Json(stats).into_response())
}
