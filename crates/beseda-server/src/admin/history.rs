//! History search (issue «Statistics and history»): chats started in a period, filtered by
//! operator, department, category and text (any message, case-insensitive), newest first, at most
//! 500; JSON or CSV. Supervisors and administrators.

use super::stats::period;
use crate::error::{ApiError, ApiResult};
use crate::extract::Query;
use crate::operator::session::OperatorAuth;
use crate::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beseda_core::ids::ChatId;
use beseda_core::state::MessageKind;
use beseda_core::time::iso_millis;
use serde::Deserialize;
use serde_json::json;

const LIMIT: usize = 500;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    from: Option<String>,
    to: Option<String>,
    operator: Option<i64>,
    department: Option<String>,
    category: Option<String>,
    q: Option<String>,
    format: Option<String>,
}

/// `GET /api/admin/v1/history`.
pub async fn search(
    State(state): State<AppState>,
    who: OperatorAuth,
    Query(q): Query<HistoryQuery>,
) -> ApiResult<Response> {
    super::supervisor_up(&who)?;
    let s = state.store.settings().await.map_err(ApiError::operator)?;
    let (start, end, _) = period(&state, &s.time_zone, q.from, q.to)?;
    super::csv::check_format(q.format.as_deref())?;
    let needle = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_lowercase);
    let category = q.category.as_deref().map(str::trim).filter(|c| !c.is_empty());
    let operators = state.store.operators().await.map_err(ApiError::operator)?;
    let departments = state.store.departments().await.map_err(ApiError::operator)?;
    let mut facts = state.store.chat_facts(start, end).await.map_err(ApiError::operator)?;
    facts.retain(|f| {
        q.operator.is_none_or(|o| f.operator_id == Some(o))
            && q.department.as_deref().is_none_or(|d| f.department_key.as_deref() == Some(d))
    });
    facts.sort_by_key(|f| std::cmp::Reverse(f.id));
    let mut rows = Vec::new();
    for f in facts {
        if rows.len() == LIMIT {
            break;
        }
        let Some(d) = state.store.chat(ChatId(f.id)).await.map_err(ApiError::operator)? else { continue };
        if category.is_some_and(|c| d.chat.category.as_deref() != Some(c) && d.chat.subcategory.as_deref() != Some(c)) {
            continue;
        }
        let visible = |k: MessageKind| k != MessageKind::ForOperator;
        if let Some(n) = &needle {
            if !d.messages.iter().any(|m| visible(m.kind) && m.text.to_lowercase().contains(n)) {
                continue;
            }
        }
        let operator = d.chat.operator_id.and_then(|id| operators.iter().find(|o| o.id == id)).map(|o| o.name.clone());
        let department = d
            .chat
            .department_key
            .as_ref()
            .map(|k| departments.iter().find(|x| &x.key == k).map_or_else(|| k.clone(), |x| x.name.clone()));
        let first = d.messages.iter().find(|m| m.kind == MessageKind::Visitor).map(|m| m.text.clone());
        rows.push(json!({
            "id": d.chat.id.0, "createdAt": iso_millis(d.chat.created_at), "state": d.chat.state.as_str(),
            "outcome": f.outcome, "operator": operator, "department": department, "category": d.chat.category,
            "subcategory": d.chat.subcategory, "visitor": d.visitor.display_name(), "firstQuestion": first,
            "messages": d.messages.iter().filter(|m| visible(m.kind)).count(),
        }));
    }
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
        return Ok(super::csv::attachment("beseda-history.csv", &cols, &rows));
    }
    Ok(Json(json!({"chats": rows, "truncated": rows.len() == LIMIT})).into_response())
}
