//! Renders Beseda's model into what bots and bot-side custom channels receive (bot-api.md
//! §3.2, §7, §8; custom-channel.md §5), and checks bot keyboards. The types are in
//! [`crate::protocol::bot`] and [`crate::protocol::channel`]; the outbox stores the rendered
//! JSON values.

use crate::ids::OperatorId;
use crate::model::{Chat, Message, Visitor};
use crate::protocol::bot::calls::{ButtonParams, LinkConfig, VisitorButton};
use crate::protocol::bot::events::{
    self, AnsweredRequest, BotEvent, ChatNumber, ChatUuid, EventChannel, EventMessage, EventOperator, EventVisitor,
    FileData, KeyboardResponseData, PressedButton, ReturnedMessage, V1Event, V1Message, V1Response, VisitorRef,
};
use crate::protocol::channel::{
    BotSideData, BotSideDelivery, BotSideLocation, BotSideMessage, ExternalChat, VisitorId,
};
use crate::state::MessageKind;
use crate::texts;
use serde_json::Value;

/// Most visitor messages carried by `new_chat`.
pub const NEW_CHAT_MESSAGES: usize = 50;

/// Whether a message is one a bot hears about.
pub fn is_for_bot(kind: MessageKind) -> bool {
    matches!(kind, MessageKind::Visitor | MessageKind::KeyboardResponse | MessageKind::FileVisitor)
}

/// Placeholder for a file link in a stored event; delivery turns it into the signed URL of
/// bot-api.md §3.4 (it needs the public origin and the bot's token).
pub const FILE_LINK_PREFIX: &str = "beseda-file:";

/// A rendered body as the outbox stores it. Serialising these types cannot fail (string keys,
/// no custom serialisers).
fn to_value<T: serde::Serialize>(body: &T) -> Value {
    serde_json::to_value(body).unwrap_or(Value::Null)
}

/// The last `NEW_CHAT_MESSAGES` of `items`.
fn last_messages<T>(mut items: Vec<T>) -> Vec<T> {
    let skip = items.len().saturating_sub(NEW_CHAT_MESSAGES);
    items.drain(..skip);
    items
}

/// The files of a `file_visitor` message: its `text` holds one descriptor or an array.
fn file_descriptors(m: &Message) -> Vec<Value> {
    match serde_json::from_str::<Value>(&m.text) {
        Ok(Value::Array(items)) => items,
        Ok(obj @ Value::Object(_)) => vec![obj],
        _ => Vec::new(),
    }
}

/// One event message per file (bot-api.md §3.2): the message id for a single file, else each
/// file's guid.
pub fn file_messages(m: &Message) -> Vec<EventMessage> {
    let files = file_descriptors(m);
    let single = files.len() == 1;
    files
        .iter()
        .filter_map(|f| {
            let guid = f.get("guid")?.as_str()?;
            Some(EventMessage::FileVisitor {
                id: if single { m.id.as_str() } else { guid }.to_owned(),
                data: FileData {
                    url: format!("{FILE_LINK_PREFIX}{guid}"),
                    name: f.get("filename").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    media_type: f
                        .get("content_type")
                        .and_then(Value::as_str)
                        .unwrap_or("application/octet-stream")
                        .to_owned(),
                    size: f.get("size").and_then(Value::as_i64).unwrap_or(0),
                },
            })
        })
        .collect()
}

/// The button and keyboard of a `keyboard_response` message's data.
fn keyboard_response_data(m: &Message) -> Option<KeyboardResponseData> {
    let data = m.data.as_ref()?;
    let text = |pointer: &str| data.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
    Some(KeyboardResponseData {
        button: PressedButton { id: text("/button/id")?, text: text("/button/text")? },
        request: AnsweredRequest { message_id: text("/request/messageId")? },
    })
}

/// A visitor-side message as bots see it; `None` for kinds bots do not get.
pub fn message(m: &Message) -> Option<EventMessage> {
    match m.kind {
        MessageKind::Visitor => Some(EventMessage::Visitor { id: m.id.as_str().to_owned(), text: m.text.clone() }),
        MessageKind::KeyboardResponse => {
            Some(EventMessage::KeyboardResponse { id: m.id.as_str().to_owned(), data: keyboard_response_data(m)? })
        }
        _ => None,
    }
}

/// The event messages of one visitor message (one per file for file messages).
fn event_messages(m: &Message) -> Vec<EventMessage> {
    if m.kind == MessageKind::FileVisitor {
        file_messages(m)
    } else {
        message(m).into_iter().collect()
    }
}

/// The visitor's fields: every known field as a string, the display name under both `name`
/// and `display_name` (the default visitor name for anonymous visitors).
pub fn visitor(v: &Visitor, lang: &str) -> EventVisitor {
    let mut fields = v.fields.clone();
    let name = v
        .fields
        .get("name")
        .filter(|n| !n.is_empty())
        .cloned()
        .unwrap_or_else(|| texts::visitor_default_name(lang).to_owned());
    fields.insert("name".into(), name.clone());
    fields.insert("display_name".into(), name);
    if let Some(id) = &v.provided_id {
        fields.insert("id".into(), id.clone());
    }
    EventVisitor { id: v.id.as_str().to_owned(), fields }
}

/// `new_chat` with the visitor messages written before the bot got the chat.
pub fn new_chat_event(chat: &Chat, visitor: EventVisitor, earlier: &[Message]) -> events::NewChat {
    let messages = earlier.iter().flat_map(event_messages).collect();
    events::NewChat { chat: ChatNumber { id: chat.id.0 }, visitor, messages: last_messages(messages), channel: None }
}

/// `new_chat` as the outbox stores it; with the chat's channel (§7.5) when the bot asked for it.
pub fn new_chat(chat: &Chat, visitor: EventVisitor, earlier: &[Message], with_channel: bool) -> Value {
    let event = events::NewChat {
        channel: with_channel.then(|| event_channel(chat)),
        ..new_chat_event(chat, visitor, earlier)
    };
    to_value(&BotEvent::NewChat(event))
}

/// A message in the Custom Channel API's bot-side shape (custom-channel.md §5).
fn channel_message(m: &Message) -> Option<BotSideMessage> {
    match m.kind {
        MessageKind::Visitor | MessageKind::Info => {
            Some(BotSideMessage { text: m.text.clone(), kind: m.kind.as_str().to_owned(), data: None })
        }
        MessageKind::KeyboardResponse => Some(BotSideMessage {
            text: m.text.clone(),
            kind: "keyboard_response".into(),
            data: Some(BotSideData::KeyboardResponse(keyboard_response_data(m)?)),
        }),
        MessageKind::FileVisitor => match file_messages(m).into_iter().next()? {
            EventMessage::FileVisitor { data, .. } => Some(BotSideMessage {
                text: data.name.clone(),
                kind: "file_visitor".into(),
                data: Some(BotSideData::File(data)),
            }),
            _ => None,
        },
        _ => None,
    }
}

/// Custom channel, bot side: the chat reached the channel. Earlier visitor messages are merged
/// into one (texts joined with a newline); without any, the start carries the visitor's page.
pub fn channel_start(chat: &Chat, earlier: &[Message], page_url: Option<&str>) -> Value {
    let texts: Vec<&str> = earlier.iter().filter(|m| m.kind == MessageKind::Visitor).map(|m| m.text.as_str()).collect();
    let mut body = BotSideDelivery {
        chat: ExternalChat { id: chat.client_side_id.clone() },
        location: None,
        message: None,
        visitor: VisitorId { id: chat.visitor_id.as_str().to_owned() },
    };
    if texts.is_empty() {
        body.location = Some(BotSideLocation { address: page_url.map(str::to_owned) });
    } else {
        body.message = Some(BotSideMessage { text: texts.join("\n"), kind: "visitor".into(), data: None });
    }
    to_value(&body)
}

/// Custom channel, bot side: one later message.
pub fn channel_next(chat: &Chat, m: &Message) -> Option<Value> {
    Some(to_value(&BotSideDelivery {
        chat: ExternalChat { id: chat.client_side_id.clone() },
        location: None,
        message: Some(channel_message(m)?),
        visitor: VisitorId { id: chat.visitor_id.as_str().to_owned() },
    }))
}

/// Beseda extension §7.1: the chat was closed.
pub fn chat_closed(chat: &Chat, closed_by: &str, operator: Option<(OperatorId, &str)>, with_bot: bool) -> Value {
    to_value(&BotEvent::ChatClosed(events::ChatClosed {
        chat_id: chat.id.0,
        closed_by: closed_by.to_owned(),
        with_bot,
        operator: operator.map(|(id, name)| EventOperator { id: id.0, name: name.to_owned() }),
    }))
}

/// Beseda extension §7.2: a chat the bot held earlier came back; `messages` are the visitor's and
/// operators' messages since the bot let go (at most the last 50).
pub fn returned_to_bot_event(
    chat: &Chat,
    by: OperatorId,
    by_name: &str,
    since: &[&Message],
) -> events::ChatReturnedToBot {
    let messages = since
        .iter()
        .filter(|m| matches!(m.kind, MessageKind::Visitor | MessageKind::Operator))
        .map(|m| ReturnedMessage {
            id: m.id.as_str().to_owned(),
            kind: m.kind.as_str().to_owned(),
            text: m.text.clone(),
        })
        .collect();
    events::ChatReturnedToBot {
        chat_id: chat.id.0,
        operator: EventOperator { id: by.0, name: by_name.to_owned() },
        messages: last_messages(messages),
        channel: None,
    }
}

/// `chat_returned_to_bot` as the outbox stores it; with the chat's channel (§7.5) when the bot
/// asked for it.
pub fn returned_to_bot(chat: &Chat, by: OperatorId, by_name: &str, since: &[&Message], with_channel: bool) -> Value {
    let event = events::ChatReturnedToBot {
        channel: with_channel.then(|| event_channel(chat)),
        ..returned_to_bot_event(chat, by, by_name, since)
    };
    to_value(&BotEvent::ChatReturnedToBot(event))
}

/// Beseda extension §7.5: where the visitor writes from.
pub fn event_channel(chat: &Chat) -> EventChannel {
    let kind = if chat.location == "mobile" { "mobile" } else { "widget" };
    EventChannel { kind: kind.into(), id: None, location: chat.location.clone(), user_id: None, user_name: None }
}

/// `new_message` events for one visitor message (one per file for file messages).
pub fn new_messages(chat: &Chat, m: &Message) -> Vec<Value> {
    event_messages(m)
        .into_iter()
        .map(|message| to_value(&BotEvent::NewMessage(events::NewMessage { chat_id: chat.id.0, message })))
        .collect()
}

/// API 1.0 chat id: a UUID with dashes whose 128-bit value is the numeric chat id.
pub fn v1_chat_id(id: i64) -> String {
    let hex = format!("{:032x}", id.max(0));
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// A visitor-side message in API 1.0's shape (no id; `kind`/`text`/`response` at the top).
fn v1_message(m: &Message) -> Option<V1Message> {
    match m.kind {
        MessageKind::Visitor => Some(V1Message::Visitor { text: m.text.clone() }),
        // A visitor file reaches API 1.0 bots as a visitor message with the file name.
        MessageKind::FileVisitor => {
            let names: Vec<String> = file_descriptors(m)
                .iter()
                .filter_map(|f| f.get("filename").and_then(Value::as_str).map(str::to_owned))
                .collect();
            Some(V1Message::Visitor { text: names.join(", ") })
        }
        MessageKind::KeyboardResponse => Some(V1Message::KeyboardResponse {
            response: V1Response { button: keyboard_response_data(m).map(|d| d.button)? },
        }),
        _ => None,
    }
}

/// API 1.0 `new_chat`.
pub fn v1_new_chat(chat: &Chat, visitor: &Visitor, earlier: &[Message]) -> Value {
    let messages = earlier.iter().filter_map(v1_message).collect();
    to_value(&V1Event::NewChat(events::V1NewChat {
        chat: ChatUuid { id: v1_chat_id(chat.id.0) },
        visitor: VisitorRef { id: visitor.id.as_str().to_owned() },
        messages: last_messages(messages),
    }))
}

/// API 1.0 `new_message`.
pub fn v1_new_message(chat: &Chat, m: &Message) -> Option<Value> {
    let message = v1_message(m)?;
    Some(to_value(&V1Event::NewMessage(events::V1NewMessage { chat: ChatUuid { id: v1_chat_id(chat.id.0) }, message })))
}

/// Checks a bot keyboard (bot-api.md §5.1): 1–20 rows of 1–8 buttons; ids 1–64 characters and
/// unique; texts 1–256 characters. Returns the rows in the visitor protocol's shape.
pub fn keyboard(buttons: &Value) -> Result<Value, &'static str> {
    let rows = buttons.as_array().ok_or("buttons must be an array of rows")?;
    if rows.is_empty() || rows.len() > 20 {
        return Err("a keyboard has 1 to 20 rows");
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let row = row.as_array().ok_or("each row must be an array of buttons")?;
        if row.is_empty() || row.len() > 8 {
            return Err("a row has 1 to 8 buttons");
        }
        let mut out_row = Vec::with_capacity(row.len());
        for b in row {
            let id = b.get("id").and_then(Value::as_str).ok_or("a button needs a string id")?;
            let text = b.get("text").and_then(Value::as_str).ok_or("a button needs a string text")?;
            if id.is_empty() || id.chars().count() > 64 || !seen.insert(id.to_owned()) {
                return Err("button ids are 1 to 64 characters and unique");
            }
            if text.trim().is_empty() || text.chars().count() > 256 {
                return Err("button texts are 1 to 256 characters");
            }
            out_row.push(button(id, text, b.get("config"))?);
        }
        out.push(Value::Array(out_row));
    }
    Ok(Value::Array(out))
}

/// A button in the visitor protocol's shape. Beseda extension (bot-api.md §7.4): a `config`
/// of `{"type": "url", "link": …}` makes a link button.
fn button(id: &str, text: &str, config: Option<&Value>) -> Result<Value, &'static str> {
    let plain = || VisitorButton { id: id.to_owned(), text: text.to_owned(), config: None, params: None };
    let Some(config) = config.filter(|c| !c.is_null()) else { return Ok(to_value(&plain())) };
    match config.get("type").and_then(Value::as_str).unwrap_or("action") {
        "action" => Ok(to_value(&plain())),
        "url" => {
            let link = config.get("link").and_then(Value::as_str).ok_or("a url button needs a link")?;
            let absolute = link.starts_with("http://") || link.starts_with("https://");
            if !absolute || link.len() > 2048 {
                return Err("a button link is an absolute http(s) URL of at most 2048 characters");
            }
            Ok(to_value(&VisitorButton {
                config: Some(LinkConfig { active: true, state: "showing".into(), link: link.to_owned() }),
                params: Some(ButtonParams { kind: "url".into() }),
                ..plain()
            }))
        }
        _ => Err("button config type is url or action"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn v1_chat_ids_are_uuids_of_the_number() {
        assert_eq!(v1_chat_id(2530), "00000000-0000-0000-0000-0000000009e2");
    }

    #[test]
    fn keyboards_are_checked() {
        assert!(keyboard(&json!([[{"id": "a", "text": "A"}, {"id": "b", "text": "B"}]])).is_ok());
        assert!(keyboard(&json!([])).is_err());
        assert!(keyboard(&json!([[{"id": "a", "text": "A"}, {"id": "a", "text": "B"}]])).is_err());
        assert!(keyboard(&json!([[{"id": "", "text": "A"}]])).is_err());
        assert!(keyboard(&json!([[{"id": "a"}]])).is_err());
        let nine: Vec<Value> = (0..9).map(|i| json!({"id": i.to_string(), "text": "x"})).collect();
        assert!(keyboard(&json!([nine])).is_err());
        let url = keyboard(&json!([[{"id": "site", "text": "Каталог", "config": {"type": "url", "link": "https://shop.example.com/c"}}]]))
            .expect("url button");
        assert_eq!(
            url[0][0],
            json!({"id": "site", "text": "Каталог", "config": {"active": true, "state": "showing", "link": "https://shop.example.com/c"}, "params": {"type": "url"}})
        );
        assert!(keyboard(
            &json!([[{"id": "s", "text": "x", "config": {"type": "url", "link": "javascript:alert(1)"}}]])
        )
        .is_err());
    }
}
