//! The mobile SDK's extras: light-mode tokens and badge counts, cleared history, reported
//! locations, acknowledged action requests (visitor-api.md §12.1, §15.3).

use crate::capabilities::MobileSdk;
use crate::{Changes, LightInfo, LightToken, Result, VisitorCtx};
use async_trait::async_trait;
use beseda_core::ids::{hex_id, VisitorId};
use beseda_core::state::MessageKind;
use beseda_core::{texts, DomainError};
use serde_json::{json, Value};

use super::exec::{query, query_scalar};
use super::load::{load_current_chat, load_message, visitor_message_by_csid};
use super::messages::{insert_message, update_message, NewMessage};
use super::SqlStore;

#[async_trait]
impl MobileSdk for SqlStore {
    async fn save_light_token(
        &self,
        token_hash: &str,
        visitor: &VisitorId,
        location: &str,
        expires_at: i64,
    ) -> Result<()> {
        let (hash, visitor, location, now) =
            (token_hash.to_owned(), visitor.clone(), location.to_owned(), self.clock.now());
        self.write(move |conn| {
            Box::pin(async move {
                query("DELETE FROM light_tokens WHERE expires_at < $1").bind(now).execute(&mut *conn).await?;
                query(
                    "INSERT INTO light_tokens (token_hash, visitor_id, location, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&hash)
                .bind(visitor.as_str())
                .bind(&location)
                .bind(now)
                .bind(expires_at)
                .execute(&mut *conn)
                .await?;
                Ok(())
            })
        })
        .await
    }

    async fn light_token(&self, token_hash: &str) -> Result<Option<LightToken>> {
        let row = query("SELECT visitor_id, location FROM light_tokens WHERE token_hash = $1 AND expires_at > $2")
            .bind(token_hash)
            .bind(self.clock.now())
            .fetch_optional(&self.reader)
            .await?;
        row.map(|r| {
            Ok(LightToken {
                visitor_id: VisitorId::from_stored(r.try_get("visitor_id")?),
                location: r.try_get("location")?,
            })
        })
        .transpose()
    }

    async fn light_info(&self, token: &LightToken) -> Result<LightInfo> {
        let mut conn = self.read().await?;
        let history_revision: i64 = query_scalar("SELECT history_revision FROM visitors WHERE id = $1")
            .bind(token.visitor_id.as_str())
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or_default();
        let chat = load_current_chat(&mut conn, &token.visitor_id, &token.location, false, self.clock.now()).await?;
        Ok(LightInfo { unread_by_visitor: chat.map_or(0, |c| c.unread_by_visitor_count), history_revision })
    }

    async fn clear_history(&self, v: &VisitorCtx) -> Result<Changes> {
        let v2 = v.clone();
        self.visitor_change(v, move |conn, emit, _settings| {
            Box::pin(async move {
                // Everything before the current chat leaves the history; with no current chat,
                // every chat so far.
                let from = match load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now).await? {
                    Some(chat) => chat.id.0,
                    None => {
                        let last: Option<i64> = query_scalar("SELECT MAX(id) FROM chats WHERE visitor_id = $1")
                            .bind(v2.visitor_id.as_str())
                            .fetch_one(&mut *conn)
                            .await?;
                        last.map_or(0, |id| id + 1)
                    }
                };
                query("UPDATE visitors SET history_hidden_before = $1 WHERE id = $2 AND history_hidden_before < $1")
                    .bind(from)
                    .bind(v2.visitor_id.as_str())
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            })
        })
        .await
    }

    async fn visitor_location(&self, v: &VisitorCtx, latitude: f64, longitude: f64) -> Result<Changes> {
        let v2 = v.clone();
        self.visitor_change(v, move |conn, emit, settings| {
            Box::pin(async move {
                let geo = json!({"latitude": latitude, "longitude": longitude});
                let mut kept = geo.clone();
                kept["at"] = Value::from(emit.now);
                query("UPDATE visit_sessions SET geo = $1 WHERE id = $2")
                    .bind(kept.to_string())
                    .bind(v2.visit_session_id.as_str())
                    .execute(&mut *conn)
                    .await?;
                if let Some(chat) = load_current_chat(conn, &v2.visitor_id, &v2.location, true, emit.now).await? {
                    let note = NewMessage {
                        chat: &chat,
                        client_side_id: hex_id(),
                        kind: MessageKind::ForOperator,
                        text: texts::visitor_location(&settings.default_lang, latitude, longitude),
                        data: Some(json!({"geo": geo})),
                        author: None,
                        name: Some(String::new()),
                        quote: None,
                    };
                    insert_message(conn, emit, note).await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn acknowledge_action_request(&self, v: &VisitorCtx, message: &str) -> Result<Changes> {
        let (v2, id) = (v.clone(), message.to_owned());
        self.visitor_change(v, move |conn, emit, _settings| {
            Box::pin(async move {
                let found = match visitor_message_by_csid(conn, &v2.visitor_id, &id).await? {
                    Some(m) => Some(m),
                    None => load_message(conn, &id).await?,
                };
                let mut m =
                    found.filter(|m| m.kind == MessageKind::ActionRequest).ok_or(DomainError::MessageNotFound)?;
                let chat_visitor: Option<String> = query_scalar("SELECT visitor_id FROM chats WHERE id = $1")
                    .bind(m.chat_id.0)
                    .fetch_optional(&mut *conn)
                    .await?;
                if chat_visitor.as_deref() != Some(v2.visitor_id.as_str()) || m.deleted {
                    return Err(DomainError::MessageNotFound.into());
                }
                let mut data = match m.data.take() {
                    Some(Value::Object(d)) => d,
                    _ => serde_json::Map::new(),
                };
                // A retry changes nothing.
                if data.contains_key("acknowledgedAt") {
                    m.data = Some(Value::Object(data));
                    return Ok(());
                }
                data.insert("acknowledgedAt".into(), Value::from(beseda_core::time::micros_to_secs(emit.now)));
                m.data = Some(Value::Object(data));
                update_message(conn, emit, &mut m, &v2.visitor_id).await
            })
        })
        .await
    }
}
