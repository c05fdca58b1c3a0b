//! `GET /api/admin/v1/history` (issue «Statistics and history»): the history search of
//! [`crate::chat_history`] over every chat, JSON or CSV. Supervisors and administrators.

use crate::chat_history::{self, HistoryQuery, MAX_LIMIT};
use crate::error::ApiResult;
use crate::extract::Query;
use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// `GET /api/admin/v1/history`.
pub async fn search(
    State(state): State<AppState>,
    who: OperatorAuth,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Response> {
    super::supervisor_up(&who)?;
    super::csv::check_format(q.format.as_deref())?;
    let page = chat_history::search(&state, &q, MAX_LIMIT, |_, _| true).await?;
    if q.format.as_deref() == Some("csv") {
        let cols = [
            "id",
            "createdAt",
            "state",
            "outcome",
            "operator",
            "department",
            "category",
            "subcategory",
            "visitor",
            "firstQuestion",
            "messages",
        ];
        return Ok(super::csv::attachment("beseda-history.csv", &cols, &page.chats));
    }
    Ok(Json(page).into_response())
}
