//! Webim External Bot API 2.0 event bodies (bot-api.md §3.2). Strict validators sit on the other
//! side: inside `chat`, `visitor`, `message`, `data`, `button` and `request` exactly the keys
//! shown in the spec are sent.

use crate::ids::OperatorId;
use crate::model::{Chat, Message, Visitor};
use crate::state::MessageKind;
use crate::texts;
use serde_json::{json, Map, Value};

/// Most visitor messages carried by `new_chat`.
pub const NEW_CHAT_MESSAGES: usize = 50;

/// Whether a message is one a bot hears about.
pub fn is_for_bot(kind: MessageKind) -> bool {
    matches!(kind, MessageKind::Visitor | MessageKind::KeyboardResponse | MessageKind::FileVisitor)
}

/// Placeholder for a file link in a stored event; delivery turns it into the signed URL of
/// bot-api.md §3.4 (it needs the public origin and the bot's token).
pub const FILE_LINK_PREFIX: &str = "beseda-file:";

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
pub fn file_messages(m: &Message) -> Vec<Value> {
    let files = file_descriptors(m);
    let single = files.len() == 1;
    files
        .iter()
        .filter_map(|f| {
            let guid = f.get("guid")?.as_str()?;
            Some(json!({
                "id": if single { m.id.as_str() } else { guid },
                "kind": "file_visitor",
                "data": {
                    "url": format!("{FILE_LINK_PREFIX}{guid}"),
                    "name": f.get("filename").and_then(Value::as_str).unwrap_or_default(),
                    "media_type": f.get("content_type").and_then(Value::as_str).unwrap_or("application/octet-stream"),
                    "size": f.get("size").and_then(Value::as_i64).unwrap_or(0),
                },
            }))
        })
        .collect()
}

/// A visitor-side message as bots see it; `None` for kinds bots do not get.
pub fn message(m: &Message) -> Option<Value> {
    match m.kind {
        MessageKind::Visitor => Some(json!({"id": m.id.as_str(), "kind": "visitor", "text": m.text})),
        MessageKind::KeyboardResponse => {
            let data = m.data.as_ref()?;
            Some(json!({
                "id": m.id.as_str(),
                "kind": "keyboard_response",
                "data": {
                    "button": {"id": data.pointer("/button/id")?, "text": data.pointer("/button/text")?},
                    "request": {"messageId": data.pointer("/request/messageId")?},
                },
            }))
        }
        _ => None,
    }
}

/// The visitor's fields: every known field as a string, the display name under both `name`
/// and `display_name` (the default visitor name for anonymous visitors).
pub fn visitor(v: &Visitor, lang: &str) -> Value {
    let mut fields: Map<String, Value> = v.fields.iter().map(|(k, val)| (k.clone(), json!(val))).collect();
    let name = v
        .fields
        .get("name")
        .filter(|n| !n.is_empty())
        .cloned()
        .unwrap_or_else(|| texts::visitor_default_name(lang).to_owned());
    fields.insert("name".into(), json!(name));
    fields.insert("display_name".into(), json!(name));
    if let Some(id) = &v.provided_id {
        fields.insert("id".into(), json!(id));
    }
    json!({"id": v.id.as_str(), "fields": fields})
}

/// `new_chat` with the visitor messages written before the bot got the chat.
pub fn new_chat(chat: &Chat, visitor_json: Value, earlier: &[Message]) -> Value {
    let messages: Vec<Value> = earlier
        .iter()
        .flat_map(
            |m| if m.kind == MessageKind::FileVisitor { file_messages(m) } else { message(m).into_iter().collect() },
        )
        .collect();
    let skip = messages.len().saturating_sub(NEW_CHAT_MESSAGES);
    json!({
        "event": "new_chat",
        "chat": {"id": chat.id.0},
        "visitor": visitor_json,
        "messages": messages[skip..],
    })
}

/// A message in the Custom Channel API's bot-side shape (custom-channel.md §5).
fn channel_message(m: &Message) -> Option<Value> {
    match m.kind {
        MessageKind::Visitor | MessageKind::Info => {
            Some(json!({"text": m.text, "kind": m.kind.as_str(), "data": null}))
        }
        MessageKind::KeyboardResponse => {
            Some(json!({"text": m.text, "kind": "keyboard_response", "data": message(m)?.get("data")?.clone()}))
        }
        MessageKind::FileVisitor => {
            let f = file_messages(m).into_iter().next()?;
            Some(json!({"text": f["data"]["name"], "kind": "file_visitor", "data": f["data"]}))
        }
        _ => None,
    }
}

/// Custom channel, bot side: the chat reached the channel. Earlier visitor messages are merged
/// into one (texts joined with a newline); without any, the start carries the visitor's page.
pub fn channel_start(chat: &Chat, earlier: &[Message], page_url: Option<&str>) -> Value {
    let texts: Vec<&str> = earlier.iter().filter(|m| m.kind == MessageKind::Visitor).map(|m| m.text.as_str()).collect();
    let visitor = json!({"id": chat.visitor_id.as_str()});
    if texts.is_empty() {
        json!({"chat": {"id": chat.client_side_id}, "location": {"address": page_url}, "visitor": visitor})
    } else {
        json!({"chat": {"id": chat.client_side_id}, "message": {"text": texts.join("\n"), "kind": "visitor", "data": null},
            "visitor": visitor})
    }
}

/// Custom channel, bot side: one later message.
pub fn channel_next(chat: &Chat, m: &Message) -> Option<Value> {
    Some(
        json!({"chat": {"id": chat.client_side_id}, "message": channel_message(m)?, "visitor": {"id": chat.visitor_id.as_str()}}),
    )
}

/// Beseda extension §7.1: the chat was closed.
pub fn chat_closed(chat: &Chat, closed_by: &str, operator: Option<(OperatorId, &str)>, with_bot: bool) -> Value {
    let mut body = json!({"event": "chat_closed", "chat_id": chat.id.0, "closed_by": closed_by, "with_bot": with_bot});
    if let Some((id, name)) = operator {
        body["operator"] = json!({"id": id.0, "name": name});
    }
    body
}

/// Beseda extension §7.2: a chat the bot held earlier came back; `messages` are the visitor's and
/// operators' messages since the bot let go (at most the last 50).
pub fn returned_to_bot(chat: &Chat, by: OperatorId, by_name: &str, since: &[&Message]) -> Value {
    let messages: Vec<Value> = since
        .iter()
        .filter(|m| matches!(m.kind, MessageKind::Visitor | MessageKind::Operator))
        .map(|m| json!({"id": m.id.as_str(), "kind": m.kind.as_str(), "text": m.text}))
        .collect();
    let skip = messages.len().saturating_sub(NEW_CHAT_MESSAGES);
    json!({"event": "chat_returned_to_bot", "chat_id": chat.id.0, "operator": {"id": by.0, "name": by_name},
        "messages": messages[skip..]})
}

/// Beseda extension §7.5: where the visitor writes from.
pub fn channel(chat: &Chat) -> Value {
    let kind = if chat.location == "mobile" { "mobile" } else { "widget" };
    json!({"type": kind, "id": null, "location": chat.location, "user_id": null, "user_name": null})
}

/// `new_message` events for one visitor message (one per file for file messages).
pub fn new_messages(chat: &Chat, m: &Message) -> Vec<Value> {
    let items = if m.kind == MessageKind::FileVisitor { file_messages(m) } else { message(m).into_iter().collect() };
    items.into_iter().map(|item| json!({"event": "new_message", "chat_id": chat.id.0, "message": item})).collect()
}

/// API 1.0 chat id: a UUID with dashes whose 128-bit value is the numeric chat id.
pub fn v1_chat_id(id: i64) -> String {
    let hex = format!("{:032x}", id.max(0));
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// A visitor-side message in API 1.0's shape (no id; `kind`/`text`/`response` at the top).
fn v1_message(m: &Message) -> Option<Value> {
    match m.kind {
        MessageKind::Visitor => Some(json!({"kind": "visitor", "text": m.text})),
        // A visitor file reaches API 1.0 bots as a visitor message with the file name.
        MessageKind::FileVisitor => {
            let names: Vec<String> = file_descriptors(m)
                .iter()
                .filter_map(|f| f.get("filename").and_then(Value::as_str).map(str::to_owned))
                .collect();
            Some(json!({"kind": "visitor", "text": names.join(", ")}))
        }
        MessageKind::KeyboardResponse => {
            let data = m.data.as_ref()?;
            Some(json!({"kind": "keyboard_response",
                "response": {"button": {"id": data.pointer("/button/id")?, "text": data.pointer("/button/text")?}}}))
        }
        _ => None,
    }
}

/// API 1.0 `new_chat`.
pub fn v1_new_chat(chat: &Chat, visitor: &Visitor, earlier: &[Message]) -> Value {
    let messages: Vec<Value> = earlier.iter().filter_map(v1_message).collect();
    let skip = messages.len().saturating_sub(NEW_CHAT_MESSAGES);
    json!({"event": "new_chat", "chat": {"id": v1_chat_id(chat.id.0)}, "visitor": {"id": visitor.id.as_str()},
        "messages": messages[skip..]})
}

/// API 1.0 `new_message`.
pub fn v1_new_message(chat: &Chat, m: &Message) -> Option<Value> {
    let mut body = v1_message(m)?;
    body["event"] = json!("new_message");
    body["chat"] = json!({"id": v1_chat_id(chat.id.0)});
    Some(body)
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
    let Some(config) = config.filter(|c| !c.is_null()) else { return Ok(json!({"id": id, "text": text})) };
    match config.get("type").and_then(Value::as_str).unwrap_or("action") {
        "action" => Ok(json!({"id": id, "text": text})),
        "url" => {
            let link = config.get("link").and_then(Value::as_str).ok_or("a url button needs a link")?;
            let absolute = link.starts_with("http://") || link.starts_with("https://");
            if !absolute || link.len() > 2048 {
                return Err("a button link is an absolute http(s) URL of at most 2048 characters");
            }
            Ok(json!({"id": id, "text": text, "config": {"active": true, "state": "showing", "link": link},
                "params": {"type": "url"}}))
        }
        _ => Err("button config type is url or action"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
