//! The history search's reads (admin panel and workspace): the chats of a period and filters, and
//! the texts their messages are searched in.

use crate::capabilities::History;
use crate::{HistoryFilter, Result};
use async_trait::async_trait;
use beseda_core::ids::ChatId;
use beseda_core::model::Chat;

use super::exec::query;
use super::rows::{chat_from, marks, prefixed, CHAT_COLS};
use super::SqlStore;

/// Chat ids per query of message texts.
const TEXT_CHUNK: usize = 200;

#[async_trait]
impl History for SqlStore {
    async fn history_chats(&self, f: &HistoryFilter) -> Result<Vec<(Chat, bool)>> {
        let sql = format!(
            "SELECT {}, EXISTS (SELECT 1 FROM bots b WHERE b.operator_id = c.operator_id) AS holder_is_bot \
             FROM chats c WHERE c.created_at >= $1 AND c.created_at < $2 \
             AND ($3 IS NULL OR c.operator_id = $3) AND ($4 IS NULL OR c.department_key = $4) \
             AND ($5 IS NULL OR c.category = $5 OR c.subcategory = $5) ORDER BY c.id DESC",
            prefixed("c", CHAT_COLS)
        );
        let rows = query(&sql)
            .bind(f.from)
            .bind(f.to)
            .bind(f.operator)
            .bind(f.department.as_deref())
            .bind(f.category.as_deref())
            .fetch_all(&self.reader)
            .await?;
        rows.iter()
            .map(|row| {
                let chat = chat_from(row)?;
                let bot = chat.operator_id.is_some() && row.try_get::<bool, _>("holder_is_bot")?;
                Ok((chat, bot))
            })
            .collect()
    }

    async fn visible_texts(&self, chats: &[ChatId]) -> Result<Vec<(ChatId, String)>> {
        let mut out = Vec::new();
        let mut conn = self.read().await?;
        for chunk in chats.chunks(TEXT_CHUNK) {
            let sql = format!(
                "SELECT chat_id, text FROM messages WHERE chat_id IN ({}) AND kind <> 'for_operator' AND deleted = FALSE",
                marks(1, chunk.len())
            );
            let mut query = query(&sql);
            for id in chunk {
                query = query.bind(id.0);
            }
            for row in query.fetch_all(&mut *conn).await? {
                out.push((ChatId(row.try_get("chat_id")?), row.try_get("text")?));
            }
        }
        Ok(out)
    }
}
