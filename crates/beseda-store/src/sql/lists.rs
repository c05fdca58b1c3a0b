// What operators' chat lists show of each chat (the visitor's name and number, the preview, the
// unread count, the waiting time), for the lists, one chat and the `chat_updated` event alike.
// Included next to `common.rs` in each backend.

use beseda_core::operator_wire::RowFacts;

/// `'kind', …` of every message kind `pick` selects, for an SQL `IN` list; the one definition
/// stays `MessageKind`'s.
fn kinds_sql(pick: fn(MessageKind) -> bool) -> String {
    MessageKind::ALL.iter().filter(|k| pick(**k)).map(|k| format!("'{}'", k.as_str())).collect::<Vec<_>>().join(", ")
}

/// `$from, …` for `n` values.
fn marks(from: usize, n: usize) -> String {
    (from..from + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// List rows of `chats`, in their order: each chat with its visitor's name and number and its
/// conversation facts, in three queries per [`INSERT_CHUNK`] chats.
async fn chat_summaries(conn: &mut Conn, settings: &OrgSettings, chats: Vec<Chat>) -> Result<Vec<ChatSummary>> {
    let default_name = texts::visitor_default_name(&settings.default_lang);
    let mut out = Vec::with_capacity(chats.len());
    for chunk in chats.chunks(INSERT_CHUNK) {
        let mut visitors: Vec<&str> = chunk.iter().map(|c| c.visitor_id.as_str()).collect();
        visitors.sort_unstable();
        visitors.dedup();
        let sql = format!("SELECT id, fields, number FROM visitors WHERE id IN ({})", marks(1, visitors.len()));
        let mut query = sqlx::query(&sql);
        for v in &visitors {
            query = query.bind(*v);
        }
        let mut names: BTreeMap<String, (Option<String>, i64)> = BTreeMap::new();
        for row in query.fetch_all(&mut *conn).await? {
            let fields: BTreeMap<String, String> = json_col(&row, "fields")?;
            let given = fields.get("name").filter(|n| !n.trim().is_empty()).cloned();
            names.insert(row.try_get("id")?, (given, row.try_get("number")?));
        }

        let ids: Vec<i64> = chunk.iter().map(|c| c.id.0).collect();
        let in_chats = marks(1, ids.len());
        let (visitor_side, operator_side) =
            (kinds_sql(MessageKind::is_visitor_side), kinds_sql(MessageKind::is_operator_side));
        // Unread: visitor messages not read by the operator. Waiting: the oldest visitor
        // message after the newest answer.
        let sql = format!(
            "SELECT chat_id, CAST(SUM(CASE WHEN visitor_side = 1 AND is_read = FALSE THEN 1 ELSE 0 END) AS BIGINT) AS unread, \
             MIN(CASE WHEN visitor_side = 1 AND created_at > answered THEN created_at END) AS waiting \
             FROM (SELECT chat_id, is_read, created_at, CASE WHEN kind IN ({visitor_side}) THEN 1 ELSE 0 END AS visitor_side, \
             COALESCE(MAX(CASE WHEN kind IN ({operator_side}) THEN created_at END) OVER (PARTITION BY chat_id), -1) AS answered \
             FROM messages WHERE deleted = FALSE AND chat_id IN ({in_chats})) m GROUP BY chat_id"
        );
        let mut query = sqlx::query(&sql);
        for id in &ids {
            query = query.bind(*id);
        }
        let mut facts: BTreeMap<i64, (i64, Option<i64>)> = BTreeMap::new();
        for row in query.fetch_all(&mut *conn).await? {
            facts.insert(row.try_get("chat_id")?, (row.try_get("unread")?, row.try_get("waiting")?));
        }

        let conversation = kinds_sql(MessageKind::is_conversation);
        let sql = format!(
            "SELECT {MESSAGE_COLS} FROM (SELECT {MESSAGE_COLS}, ROW_NUMBER() OVER \
             (PARTITION BY chat_id ORDER BY created_at DESC) AS newest FROM messages WHERE deleted = FALSE \
             AND kind IN ({conversation}) AND chat_id IN ({in_chats})) last WHERE newest = 1"
        );
        let mut query = sqlx::query(&sql);
        for id in &ids {
            query = query.bind(*id);
        }
        let mut previews = BTreeMap::new();
        for row in query.fetch_all(&mut *conn).await? {
            let m = message_from(&row)?;
            previews.insert(m.chat_id.0, m);
        }

        for chat in chunk {
            let (given, number) = names.get(chat.visitor_id.as_str()).cloned().unwrap_or_default();
            let (unread_count, waiting_since) = facts.get(&chat.id.0).copied().unwrap_or_default();
            let visitor_name = given.clone().unwrap_or_else(|| default_name.to_owned());
            let row = RowFacts {
                visitor_given_name: given,
                visitor_number: number,
                preview: previews.remove(&chat.id.0),
                unread_count,
                waiting_since,
            };
            out.push(ChatSummary { chat: chat.clone(), visitor_name, row });
        }
    }
    Ok(out)
}

/// The `chat_updated` event of a chat: the chat as list rows show it, as of now in this
/// transaction.
async fn summary_event(conn: &mut Conn, settings: &OrgSettings, chat: &Chat) -> Result<Value> {
    let s = chat_summaries(conn, settings, vec![chat.clone()]).await?;
    let s = s.first().ok_or(StoreError::NotFound)?;
    Ok(operator_wire::chat_updated(&s.chat, &s.visitor_name, &s.row))
}

/// Chats whose conversation changed in this transaction with no `chat_updated` since: each
/// gets one at the end, so every list row stays true without a reload.
async fn summarize_touched(conn: &mut Conn, emit: &mut Emit) -> Result<()> {
    let mut touched = std::mem::take(&mut emit.touched);
    touched.dedup();
    let mut seen = std::collections::BTreeSet::new();
    for id in touched {
        if !seen.insert(id) {
            continue;
        }
        if let Some(chat) = load_chat(conn, ChatId(id), false).await? {
            let event = summary_event(conn, &emit.settings, &chat).await?;
            emit.operator_events.push(event);
        }
    }
    Ok(())
}
