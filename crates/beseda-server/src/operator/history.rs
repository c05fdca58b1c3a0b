//! `GET /api/operator/v1/history`: the history search of [`crate::chat_history`] (the admin
//! panel's filters, text search, paging) over the chats this operator may see — the one rule of
//! `beseda_core::visibility`, as for opening a chat.

use super::session::OperatorAuth;
use crate::chat_history::{self, HistoryPage, HistoryQuery};
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use beseda_core::visibility::{self, ChatScope};

/// Rows of a page unless `limit` says otherwise.
const PAGE: usize = 50;

pub async fn search(
    State(state): State<AppState>,
    who: OperatorAuth,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Json<HistoryPage>> {
    if q.format.as_deref().is_some_and(|f| f != "json") {
        return Err(ApiError::wrong_argument("format"));
    }
    let settings = state.store.settings().await.map_err(ApiError::operator)?;
    let page = chat_history::search(&state, &q, PAGE, |chat, bot| {
        visibility::may_see(&who.operator, &settings, &ChatScope::of(chat, bot))
    })
    .await?;
    Ok(Json(page))
}
