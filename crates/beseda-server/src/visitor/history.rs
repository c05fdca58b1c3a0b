//! `/l/v/m/history` and `/l/v/m/search-messages` (visitor-api.md §13, §15.2).

use super::page;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use beseda_core::protocol::visitor::{
    HistoryAnswer, HistoryMessage, HistoryPage, Message, MessagePolicy, SearchAnswer, SearchResults, OK,
};
use beseda_store::HistoryQuery;

pub async fn history(State(state): State<AppState>, p: Params) -> ApiResult<Json<HistoryAnswer>> {
    let page = page::from_params(&state, &p).await?;
    let since = p.int("since")?;
    let before = p.int("before-ts")?;
    let query = match (since, before) {
        (Some(s), _) => HistoryQuery::Since(s),
        (None, Some(b)) => HistoryQuery::Before(b),
        (None, None) => HistoryQuery::Latest,
    };
    let settings = state.store.settings().await.map_err(ApiError::visitor)?;
    let policy = MessagePolicy::from_settings(&settings);
    let result = state.store.history(&page.visitor_id, query).await.map_err(ApiError::visitor)?;
    let messages = result.messages.iter().map(|m| HistoryMessage::new(m, policy)).collect();
    // Pages before a time carry no revision.
    let revision = match query {
        HistoryQuery::Before(_) => None,
        _ => Some(result.revision.to_string()),
    };
    let data = HistoryPage { has_more: result.has_more, revision, messages };
    Ok(Json(HistoryAnswer { result: OK.to_owned(), data }))
}

pub async fn search(State(state): State<AppState>, p: Params) -> ApiResult<Json<SearchAnswer>> {
    let page = page::from_params(&state, &p).await?;
    let query = p.required("query")?;
    let settings = state.store.settings().await.map_err(ApiError::visitor)?;
    let policy = MessagePolicy::from_settings(&settings);
    let found = state.store.search_messages(&page.visitor_id, query, 50).await.map_err(ApiError::visitor)?;
    let items: Vec<Message> = found.iter().map(|m| Message::new(m, policy)).collect();
    Ok(Json(SearchAnswer { result: OK.to_owned(), data: SearchResults { count: items.len(), items } }))
}
