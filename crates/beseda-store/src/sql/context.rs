//! The operator's visitor context: pages of a visit as the widget reports them, and what the
//! context panel reads of a visitor.

use crate::{PreviousChat, Result, VisitInfo, VisitedPage, VisitorContext};
use beseda_core::ids::{ChatId, VisitorId};
use sqlx::Row;

use super::common::{chat_from, prefixed, CHAT_COLS};
use super::{Conn, SqlStore};

/// Pages kept per visit session: the newest ones.
const PAGES_PER_VISIT: i64 = 200;

/// Records that the visitor of `session` came to `url` now; the same url as the last one (a
/// reload, or the widget and its loader reporting one page) is not a new page.
pub(super) async fn record_page(
    conn: &mut Conn,
    session: &str,
    url: &str,
    title: Option<&str>,
    now: i64,
) -> Result<()> {
    let last: Option<String> =
        sqlx::query_scalar("SELECT url FROM visit_pages WHERE visit_session_id = $1 ORDER BY visited_at DESC LIMIT 1")
            .bind(session)
            .fetch_optional(&mut *conn)
            .await?;
    if last.as_deref() == Some(url) {
        return Ok(());
    }
    sqlx::query("INSERT INTO visit_pages (visit_session_id, url, title, visited_at) VALUES ($1, $2, $3, $4)")
        .bind(session)
        .bind(url)
        .bind(title.filter(|t| !t.is_empty()))
        .bind(now)
        .execute(&mut *conn)
        .await?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM visit_pages WHERE visit_session_id = $1")
        .bind(session)
        .fetch_one(&mut *conn)
        .await?;
    if count > PAGES_PER_VISIT {
        sqlx::query(
            "DELETE FROM visit_pages WHERE visit_session_id = $1 AND visited_at < (SELECT MIN(visited_at) FROM \
             (SELECT visited_at FROM visit_pages WHERE visit_session_id = $1 ORDER BY visited_at DESC LIMIT $2) newest)",
        )
        .bind(session)
        .bind(PAGES_PER_VISIT)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl SqlStore {
    pub(super) async fn read_visitor_context(
        &self,
        visitor: &VisitorId,
        except: ChatId,
        limit: i64,
    ) -> Result<VisitorContext> {
        let mut conn = self.read().await?;
        let session = sqlx::query(
            "SELECT id, platform, user_agent, client_address, referrer, page_url, created_at, last_seen_at \
             FROM visit_sessions WHERE visitor_id = $1 ORDER BY last_seen_at DESC, created_at DESC LIMIT 1",
        )
        .bind(visitor.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        let mut context = VisitorContext::default();
        if let Some(row) = session {
            let id: String = row.try_get("id")?;
            let rows = sqlx::query(
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
            });
        }
        context.visits = sqlx::query_scalar("SELECT COUNT(*) FROM visit_sessions WHERE visitor_id = $1")
            .bind(visitor.as_str())
            .fetch_one(&mut *conn)
            .await?;
        let prechat: Option<String> = sqlx::query_scalar("SELECT prechat_fields FROM visitors WHERE id = $1")
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
        let rows = sqlx::query(&sql).bind(visitor.as_str()).bind(except.0).bind(limit).fetch_all(&mut *conn).await?;
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
}
