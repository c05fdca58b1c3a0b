//! `/l/v/m/history` and `/l/v/m/search-messages` (visitor-api.md §13, §15.2).

use super::page;
use crate::error::{ApiError, ApiResult};
use crate::params::Params;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use beseda_core::wire::{self, MessagePolicy};
use beseda_store::HistoryQuery;
use serde_json::{json, Value};

pub async fn history(State(state): State<AppState>, p: Params) -> ApiResult<Json<Value>> {
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
    let messages: Vec<Value> = result
        .messages
        .iter()
        .map(|m| if m.deleted { wire::deleted_message(m) } else { wire::message(m, policy) })
        .collect();
    let data = match query {
        HistoryQuery::Before(_) => json!({"hasMore": result.has_more, "messages": messages}),
        _ => json!({"hasMore": result.has_more, "revision": result.revision.to_string(), "messages": messages}),
    };
    Ok(Json(json!({"result": "ok", "data": data})))
}

pub async fn search(State(state): State<AppState>, p: Params) -> ApiResult<Json<Value>> {
    let page = page::from_params(&state, &p).await?;
    let query = p.required("query")?;
    let settings = state.store.settings().await.map_err(ApiError::visitor)?;
    let policy = MessagePolicy::from_settings(&settings);
    let found = state.store.search_messages(&page.visitor_id, query, 50).await.map_err(ApiError::visitor)?;
    let items: Vec<Value> = found.iter().map(|m| wire::message(m, policy)).collect();
    Ok(Json(json!({"result": "ok", "data": {"count": items.len(), "items": items}})))
}
