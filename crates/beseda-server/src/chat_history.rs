//! History search, one query for the admin panel (`GET /api/admin/v1/history`, supervisors and
//! administrators, every chat) and the workspace (`GET /api/operator/v1/history`, the chats the
//! operator may see by `beseda_core::visibility`): chats started in a period, filtered by
//! operator, department, category (or subcategory) and text (a case-insensitive substring of
//! any message the visitor could see and that is not deleted), newest first, a page at a time.
//! The store narrows the chats by period and filters in one query; texts are read only until the
//! page is full.

use crate::admin::stats::period;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use beseda_core::ids::ChatId;
use beseda_core::model::{Chat, Message, Visitor};
use beseda_core::state::MessageKind;
use beseda_core::time::iso_millis;
use beseda_store::HistoryFilter;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Most rows of one page.
pub const MAX_LIMIT: usize = 500;
/// Longest search text, in characters.
const MAX_TEXT: usize = 200;

/// The filters and the page, as both endpoints take them.
#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// First day (`YYYY-MM-DD`, the organisation's time zone); a week before `to` by default.
    pub from: Option<String>,
    /// Last day, today by default.
    pub to: Option<String>,
    pub operator: Option<i64>,
    pub department: Option<String>,
    pub category: Option<String>,
    pub q: Option<String>,
    /// `json` or `csv` (the admin panel's download).
    pub format: Option<String>,
    pub offset: Option<usize>,
    pub limit: Option<usize>,
}

/// One chat of the result.
#[derive(Serialize, Debug, Clone, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistoryRow {
    pub id: i64,
    pub created_at: String,
    pub state: &'static str,
    pub outcome: Option<String>,
    pub operator: Option<String>,
    pub department: Option<String>,
    pub category: Option<String>,
    pub subcategory: Option<String>,
    pub visitor: String,
    /// What the visitor told of themselves (name, else e-mail or phone), if anything; without
    /// it the console shows «Посетитель N» / «Visitor N» by `visitor_number` in its own language.
    pub visitor_given_name: Option<String>,
    pub visitor_number: i64,
    pub first_question: Option<String>,
    pub messages: usize,
}

/// A page of the result: `truncated` when more chats match after it (at `next_offset`).
#[derive(Serialize, Debug, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistoryPage {
    pub chats: Vec<HistoryRow>,
    pub truncated: bool,
    pub offset: usize,
    pub next_offset: Option<usize>,
}

/// What history shows as the visitor: the given name, else an e-mail or phone they left, else
/// the default visitor name with the visitor's number («Посетитель 1234», as the workspace's
/// lists show it).
pub fn visitor_label(v: &Visitor, lang: &str) -> String {
    let default = beseda_core::texts::visitor_default_name(lang);
    given_label(v).map_or_else(
        || if v.number > 0 { format!("{default} {}", v.number) } else { default.to_owned() },
        str::to_owned,
    )
}

/// The given name, else an e-mail or phone the visitor left.
fn given_label(v: &Visitor) -> Option<&str> {
    ["name", "email", "phone"].iter().filter_map(|k| v.fields.get(*k)).map(|s| s.trim()).find(|s| !s.is_empty())
}

/// Messages history searches, counts and shows as the first question: everything the visitor
/// could see that is not deleted (a deleted message's text is not shown to staff).
fn visible(m: &Message) -> bool {
    m.kind != MessageKind::ForOperator && !m.deleted
}

/// Chats whose messages are searched per store call.
const TEXT_CHUNK: usize = 200;

/// Runs the query: chats of the period and filters that `may_see` lets through (given the chat
/// and whether its holder is a bot), newest first, the page `offset`/`limit` (`default_limit`
/// when the query names none). Only the chats of the page are read whole.
pub async fn search(
    state: &AppState,
    q: &HistoryQuery,
    default_limit: usize,
    may_see: impl Fn(&Chat, bool) -> bool,
) -> ApiResult<HistoryPage> {
    let s = state.store.settings().await.map_err(ApiError::operator)?;
    let (start, end, _) = period(state, &s.time_zone, q.from.clone(), q.to.clone())?;
    let limit = q.limit.unwrap_or(default_limit);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::wrong_argument("limit"));
    }
    let offset = q.offset.unwrap_or(0);
    let needle = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_lowercase);
    if needle.as_ref().is_some_and(|n| n.chars().count() > MAX_TEXT) {
        return Err(ApiError::wrong_argument("q"));
    }
    let filter = HistoryFilter {
        from: start,
        to: end,
        operator: q.operator,
        department: q.department.clone(),
        category: q.category.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned),
    };
    let mut chats: Vec<Chat> = state
        .store
        .history_chats(&filter)
        .await
        .map_err(ApiError::operator)?
        .into_iter()
        .filter(|(chat, bot)| may_see(chat, *bot))
        .map(|(chat, _)| chat)
        .collect();
    let wanted = offset.saturating_add(limit).saturating_add(1);
    if let Some(n) = &needle {
        // Newest first, a chunk at a time, until the page (and one more) is found.
        let mut found = Vec::new();
        for chunk in chats.chunks(TEXT_CHUNK) {
            let ids: Vec<ChatId> = chunk.iter().map(|c| c.id).collect();
            let texts = state.store.visible_texts(&ids).await.map_err(ApiError::operator)?;
            let hits: HashSet<i64> =
                texts.iter().filter(|(_, text)| text.to_lowercase().contains(n)).map(|(id, _)| id.0).collect();
            found.extend(chunk.iter().filter(|c| hits.contains(&c.id.0)).cloned());
            if found.len() >= wanted {
                break;
            }
        }
        chats = found;
    }
    let truncated = chats.len() > offset.saturating_add(limit);
    let operators = state.store.operators().await.map_err(ApiError::operator)?;
    let departments = state.store.departments().await.map_err(ApiError::operator)?;
    let mut rows = Vec::new();
    for chat in chats.into_iter().skip(offset).take(limit) {
        let Some(d) = state.store.chat(chat.id).await.map_err(ApiError::operator)? else { continue };
        let operator = d.chat.operator_id.and_then(|id| operators.iter().find(|o| o.id == id)).map(|o| o.name.clone());
        let department = d
            .chat
            .department_key
            .as_ref()
            .map(|k| departments.iter().find(|x| &x.key == k).map_or_else(|| k.clone(), |x| x.name.clone()));
        rows.push(HistoryRow {
            id: d.chat.id.0,
            created_at: iso_millis(d.chat.created_at),
            state: d.chat.state.as_str(),
            outcome: d.chat.outcome.clone(),
            operator,
            department,
            category: d.chat.category.clone(),
            subcategory: d.chat.subcategory.clone(),
            visitor: visitor_label(&d.visitor, &s.default_lang),
            visitor_given_name: given_label(&d.visitor).map(str::to_owned),
            visitor_number: d.visitor.number,
            first_question: d
                .messages
                .iter()
                .find(|m| m.kind == MessageKind::Visitor && visible(m))
                .map(|m| m.text.clone()),
            messages: d.messages.iter().filter(|m| visible(m)).count(),
        });
    }
    let next_offset = truncated.then_some(offset + rows.len());
    Ok(HistoryPage { chats: rows, truncated, offset, next_offset })
}
