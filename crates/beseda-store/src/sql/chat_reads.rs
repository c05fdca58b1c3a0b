//! Chats as operators and integrations read them: lists, one chat, the visitor's context,
//! look-ups by client-side id.

use crate::capabilities::ChatReads;
use crate::{ChatDetail, ChatList, ChatSummary, PreviousChat, Result, VisitInfo, VisitedPage, VisitorContext};
use async_trait::async_trait;
use beseda_core::ids::{ChatId, MessageId, VisitorId};
use beseda_core::model::{Chat, Operator};
use beseda_core::state::OperatorRole;
use beseda_core::visibility::ChatScope;
use beseda_core::DomainError;

use super::context::PAGES_PER_VISIT;
use super::exec::{query, query_scalar};
use super::export::load_chat_detail;
use super::lists::{chat_summary, summaries_from, summary_select};
use super::load::{load_chat, load_settings, visitor_message_by_csid};
use super::rows::{chat_from, prefixed, CHAT_COLS};
use super::visibility::bot_operator_ids;
use super::SqlStore;

/// The newest chat with a client-side id (a channel's bot side names chats so), by
/// `chats_client_side_id` rather than a scan of every chat.
pub(super) const CHAT_BY_CLIENT_SIDE_ID: &str =
    "SELECT id FROM chats WHERE client_side_id = $1 ORDER BY id DESC LIMIT 1";

#[async_trait]
impl ChatReads for SqlStore {
    async fn operator_chats(&self, viewer: &Operator, list: ChatList) -> Result<Vec<ChatSummary>> {
        let mut conn = self.read().await?;
        let settings = load_settings(&mut conn).await?;
        let privileged = viewer.role != OperatorRole::Operator;
        if list == ChatList::Others && settings.hide_others_chats && !privileged {
            return Err(DomainError::HiddenBySettings.into());
        }
        let filter = match list {
            ChatList::Waiting => "operator_id IS NULL AND state IN ('queue', 'offline_queue') AND $1 = $1",
            ChatList::Mine => {
                "operator_id = $1 AND state IN ('chatting', 'chatting_with_robot', 'closed_by_visitor', 'invitation')"
            }
            ChatList::Others => {
                "operator_id <> $1 AND state IN ('chatting', 'closed_by_visitor') \
                 AND NOT EXISTS (SELECT 1 FROM bots b WHERE b.operator_id = chats.operator_id)"
            }
            ChatList::Bots => "state = 'chatting_with_robot' AND $1 = $1",
        };
        let sql = format!("{} WHERE {filter} ORDER BY chats.priority DESC, chats.id LIMIT 5000", summary_select());
        let rows = query(&sql).bind(viewer.id.0).fetch_all(&mut *conn).await?;
        let bots = bot_operator_ids(&mut conn).await?;
        // The SQL picks the list's chats; who may see each is the one rule's call.
        let visible = |chat: &Chat| {
            let bot = chat.operator_id.is_some_and(|h| bots.contains(&h));
            beseda_core::visibility::may_see(viewer, &settings, &ChatScope::of(chat, bot))
        };
        summaries_from(&mut conn, &settings, &rows, visible, None).await
    }

    async fn chat(&self, id: ChatId) -> Result<Option<ChatDetail>> {
        let mut conn = self.read().await?;
        let Some(chat) = load_chat(&mut conn, id, false).await? else { return Ok(None) };
        Ok(Some(load_chat_detail(&mut conn, chat).await?))
    }

    async fn chat_summary(&self, id: ChatId) -> Result<Option<ChatSummary>> {
        let mut conn = self.read().await?;
        let settings = load_settings(&mut conn).await?;
        chat_summary(&mut conn, &settings, id, None).await
    }

    async fn visitor_context(&self, visitor: &VisitorId, except: ChatId, limit: i64) -> Result<VisitorContext> {
        let mut conn = self.read().await?;
        let session = query(
            "SELECT id, platform, user_agent, client_address, referrer, page_url, created_at, last_seen_at, geo \
             FROM visit_sessions WHERE visitor_id = $1 ORDER BY last_seen_at DESC, created_at DESC LIMIT 1",
        )
        .bind(visitor.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        let mut context = VisitorContext::default();
        if let Some(row) = session {
            let id: String = row.try_get("id")?;
            let rows = query(
                "SELECT url, title, visited_at FROM visit_pages WHERE visit_session_id = $1 \
                 ORDER BY visited_at DESC LIMIT $2",
            )
            .bind(&id)
            .bind(PAGES_PER_VISIT)
            .fetch_all(&mut *conn)
            .await?;
            context.pages = rows
                .iter()
                .rev()
                .map(|r| {
                    Ok(VisitedPage { url: r.try_get("url")?, title: r.try_get("title")?, at: r.try_get("visited_at")? })
                })
                .collect::<Result<_>>()?;
            context.visit = Some(VisitInfo {
                platform: row.try_get("platform")?,
                user_agent: row.try_get("user_agent")?,
                client_address: row.try_get("client_address")?,
                referrer: row.try_get("referrer")?,
                page_url: row.try_get("page_url")?,
                started_at: row.try_get("created_at")?,
                last_seen_at: row.try_get("last_seen_at")?,
                geo: super::rows::opt_json_col(&row, "geo")?,
            });
        }
        context.visits = query_scalar("SELECT COUNT(*) FROM visit_sessions WHERE visitor_id = $1")
            .bind(visitor.as_str())
            .fetch_one(&mut *conn)
            .await?;
        let prechat: Option<String> = query_scalar("SELECT prechat_fields FROM visitors WHERE id = $1")
            .bind(visitor.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
        context.prechat_fields = prechat.and_then(|p| serde_json::from_str(&p).ok());
        // The other chats with their holder's name, whether the holder is a bot, the first
        // visitor message and the count of messages the visitor could see: one query.
        let sql = format!(
            "SELECT {}, o.name AS holder_name, \
             EXISTS (SELECT 1 FROM bots b WHERE b.operator_id = c.operator_id) AS holder_is_bot, \
             (SELECT m.text FROM messages m WHERE m.chat_id = c.id AND m.kind = 'visitor' AND m.deleted = FALSE \
              ORDER BY m.created_at LIMIT 1) AS first_message, \
             (SELECT COUNT(*) FROM messages m WHERE m.chat_id = c.id AND m.kind <> 'for_operator' \
              AND m.deleted = FALSE) AS message_count \
             FROM chats c LEFT JOIN operators o ON o.id = c.operator_id \
             WHERE c.visitor_id = $1 AND c.id <> $2 ORDER BY c.id DESC LIMIT $3",
            prefixed("c", CHAT_COLS)
        );
        let rows = query(&sql).bind(visitor.as_str()).bind(except.0).bind(limit).fetch_all(&mut *conn).await?;
        for row in &rows {
            let chat = chat_from(row)?;
            let holder_is_bot = chat.operator_id.is_some() && row.try_get::<bool, _>("holder_is_bot")?;
            context.previous_chats.push(PreviousChat {
                chat,
                holder_is_bot,
                operator_name: row.try_get("holder_name")?,
                first_message: row.try_get("first_message")?,
                messages: row.try_get("message_count")?,
            });
        }
        Ok(context)
    }

    async fn chat_by_client_side_id(&self, client_side_id: &str) -> Result<Option<ChatId>> {
        let id: Option<i64> =
            query_scalar(CHAT_BY_CLIENT_SIDE_ID).bind(client_side_id).fetch_optional(&self.reader).await?;
        Ok(id.map(ChatId))
    }

    async fn message_id_by_client_side_id(
        &self,
        visitor: &VisitorId,
        client_side_id: &str,
    ) -> Result<Option<MessageId>> {
        Ok(visitor_message_by_csid(&mut *self.read().await?, visitor, client_side_id).await?.map(|m| m.id))
    }
}
