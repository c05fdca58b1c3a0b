//! Survey results (statistics): per survey, how many offers were made and how they ended, and
//! per question the answers — the average of the stars, how often each option was chosen, how
//! many comments; as CSV, one line per answer. Supervisors and administrators, as the other
//! statistics.

use super::stats::period;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beseda_core::local_time;
use beseda_store::SurveyAnswerFact;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsQuery {
    /// First day, `YYYY-MM-DD` in the organisation's time zone (default: six days before `to`).
    from: Option<String>,
    /// Last day, inclusive (default: today).
    to: Option<String>,
    /// `json` (default) or `csv`.
    format: Option<String>,
}

/// The answers to one question.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionResult {
    pub form_id: i64,
    /// The question's position in its form, from 0.
    pub question_id: i64,
    /// `stars`, `radio` or `comment`.
    #[serde(rename = "type")]
    pub kind: String,
    pub text: String,
    pub answers: i64,
    /// `stars`: the average mark, 1 to 5 (two decimals).
    pub avg_stars: Option<f64>,
    /// `stars` and `radio`: how often each mark or option was chosen.
    pub counts: BTreeMap<String, i64>,
}

/// One survey's offers and answers in the period.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SurveyResult {
    pub survey_id: i64,
    pub title: String,
    /// Offers made in the period, answered to the end (or closed after answering), cancelled.
    pub offered: i64,
    pub completed: i64,
    pub cancelled: i64,
    pub questions: Vec<QuestionResult>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SurveyResults {
    pub from: String,
    pub to: String,
    pub time_zone: String,
    pub surveys: Vec<SurveyResult>,
}

/// One answer, a line of the CSV.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AnswerLine {
    answered_at: String,
    survey_id: i64,
    survey: String,
    version: i64,
    offer_id: i64,
    chat_id: i64,
    operator: String,
    department: String,
    form_id: i64,
    question_id: i64,
    #[serde(rename = "type")]
    kind: String,
    question: String,
    answer: String,
}

const CSV_COLUMNS: [&str; 13] = [
    "answeredAt",
    "surveyId",
    "survey",
    "version",
    "offerId",
    "chatId",
    "operator",
    "department",
    "formId",
    "questionId",
    "type",
    "question",
    "answer",
];

fn question_results(answers: &[&SurveyAnswerFact]) -> Vec<QuestionResult> {
    let mut by_question: BTreeMap<(i64, i64, String, String), Vec<&SurveyAnswerFact>> = BTreeMap::new();
    for a in answers {
        by_question.entry((a.form_id, a.question_id, a.kind.clone(), a.question.clone())).or_default().push(a);
    }
    by_question
        .into_iter()
        .map(|((form_id, question_id, kind, text), list)| {
            let marks: Vec<f64> = list.iter().filter_map(|a| a.answer.parse::<f64>().ok()).collect();
            let avg_stars = (kind == "stars" && !marks.is_empty())
                .then(|| (marks.iter().sum::<f64>() / marks.len() as f64 * 100.0).round() / 100.0);
            let mut counts = BTreeMap::new();
            if kind != "comment" {
                for a in &list {
                    *counts.entry(a.answer.clone()).or_insert(0) += 1;
                }
            }
            QuestionResult { form_id, question_id, kind, text, answers: list.len() as i64, avg_stars, counts }
        })
        .collect()
}

/// `GET /api/admin/v1/surveys/results?from=&to=&format=`.
pub async fn results(
    State(state): State<AppState>,
    who: OperatorAuth,
    Query(q): Query<ResultsQuery>,
) -> ApiResult<Response> {
    super::supervisor_up(&who)?;
    super::csv::check_format(q.format.as_deref())?;
    let s = state.store.settings().await.map_err(ApiError::operator)?;
    let tz = s.time_zone.as_str();
    let (start, end, last) = period(&state, tz, q.from, q.to)?;
    let answers = state.store.survey_answers(start, end).await.map_err(ApiError::operator)?;
    if q.format.as_deref() == Some("csv") {
        let operators = state.store.operators().await.map_err(ApiError::operator)?;
        let departments = state.store.departments().await.map_err(ApiError::operator)?;
        let lines: Vec<AnswerLine> = answers
            .iter()
            .map(|a| AnswerLine {
                answered_at: local_time::format(a.answered_at, tz, "%Y-%m-%d %H:%M:%S"),
                survey_id: a.survey_id,
                survey: a.title.clone(),
                version: a.version,
                offer_id: a.run_id,
                chat_id: a.chat_id,
                operator: a
                    .operator_id
                    .and_then(|id| operators.iter().find(|o| o.id.0 == id))
                    .map(|o| o.name.clone())
                    .unwrap_or_default(),
                department: a
                    .department_key
                    .as_ref()
                    .map(|k| departments.iter().find(|d| &d.key == k).map_or_else(|| k.clone(), |d| d.name.clone()))
                    .unwrap_or_default(),
                form_id: a.form_id,
                question_id: a.question_id,
                kind: a.kind.clone(),
                question: a.question.clone(),
                answer: a.answer.clone(),
            })
            .collect();
        return Ok(super::csv::attachment("beseda-surveys.csv", &CSV_COLUMNS, &lines));
    }
    let offers = state.store.survey_offers(start, end).await.map_err(ApiError::operator)?;
    let mut ids: Vec<(i64, String)> = offers.iter().map(|o| (o.survey_id, o.title.clone())).collect();
    for a in &answers {
        if !ids.iter().any(|(id, _)| *id == a.survey_id) {
            ids.push((a.survey_id, a.title.clone()));
        }
    }
    ids.sort();
    let surveys = ids
        .into_iter()
        .map(|(id, title)| {
            let o = offers.iter().find(|o| o.survey_id == id);
            let mine: Vec<&SurveyAnswerFact> = answers.iter().filter(|a| a.survey_id == id).collect();
            SurveyResult {
                survey_id: id,
                title,
                offered: o.map_or(0, |o| o.offered),
                completed: o.map_or(0, |o| o.completed),
                cancelled: o.map_or(0, |o| o.cancelled),
                questions: question_results(&mine),
            }
        })
        .collect();
    let from = local_time::format(start, tz, "%Y-%m-%d");
    Ok(Json(SurveyResults { from, to: last, time_zone: tz.to_owned(), surveys }).into_response())
}
