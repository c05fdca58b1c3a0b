//! Who sees which chat (and which visitor on the site): the one rule behind every operator read
//! path (one chat, the chat
//! lists, the event stream over HTTP and WebSocket with its typing previews) and behind the
//! operator's chat actions. Kept here, free of I/O, so the store, the routes and the sockets
//! cannot drift apart; docs/routing.md "Who sees what" says the same in prose.

use crate::ids::OperatorId;
use crate::model::{Chat, Operator};
use crate::settings::OrgSettings;
use crate::state::OperatorRole;
use serde::Deserialize;
use serde_json::{json, Value};

/// What the rule needs to know of a chat.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChatScope {
    pub holder: Option<OperatorId>,
    /// The holder is a bot's operator account.
    pub holder_is_bot: bool,
    pub department: Option<String>,
    pub language: Option<String>,
}

impl ChatScope {
    pub fn of(chat: &Chat, holder_is_bot: bool) -> Self {
        Self {
            holder: chat.operator_id,
            holder_is_bot: holder_is_bot && chat.operator_id.is_some(),
            department: chat.department_key.clone(),
            language: chat.language.clone(),
        }
    }
}

/// Why a chat is hidden from an operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hidden {
    /// Another human operator holds it and `hide_others_chats` is on.
    BySettings,
    /// Nobody (or a bot) holds it and it is of a department or language the operator does not
    /// serve.
    NotServed,
}

/// The rule. Supervisors and administrators see every chat. An operator sees the chats they
/// hold, and of the others:
/// - chats nobody holds only of their departments (an operator without departments serves
///   all, a chat without one is everybody's);
/// - chats of other human operators only while `hide_others_chats` is off, of any department
///   (a held chat is no longer on offer), as the "others" list always showed them;
/// - bots' chats (any operator may take one over) of any department, as the "bots" list
///   always showed them;
/// - and, in a multilingual organisation, of all these only those of their languages (a chat
///   without one is everybody's).
pub fn check(viewer: &Operator, settings: &OrgSettings, chat: &ChatScope) -> Result<(), Hidden> {
    if viewer.role != OperatorRole::Operator {
        return Ok(());
    }
    let served = match chat.holder {
        Some(holder) if holder == viewer.id => return Ok(()),
        Some(_) if !chat.holder_is_bot && settings.hide_others_chats => return Err(Hidden::BySettings),
        Some(_) => true,
        None => serves_department(viewer, chat),
    };
    if served && speaks(viewer, settings, chat) {
        Ok(())
    } else {
        Err(Hidden::NotServed)
    }
}

pub fn may_see(viewer: &Operator, settings: &OrgSettings, chat: &ChatScope) -> bool {
    check(viewer, settings, chat).is_ok()
}

fn serves_department(viewer: &Operator, chat: &ChatScope) -> bool {
    match &chat.department {
        None => true,
        Some(d) => viewer.department_keys.is_empty() || viewer.department_keys.iter().any(|k| k == d),
    }
}

fn speaks(viewer: &Operator, settings: &OrgSettings, chat: &ChatScope) -> bool {
    speaks_language(viewer, settings, chat.language.as_deref())
}

/// The language rule, for the lists and for every way a chat comes to an operator (a take, a
/// redirect to them, auto-assignment): languages matter only in a multilingual organisation,
/// and then only the operator's own languages count (a chat without one is everybody's).
pub fn speaks_language(operator: &Operator, settings: &OrgSettings, language: Option<&str>) -> bool {
    !settings.multilang || language.is_none_or(|l| operator.languages.iter().any(|k| k == l))
}

// ------------------------------------------------------------------ visitors on the site

/// What the rule needs to know of a visitor on the site: the departments offered at the
/// placement they are on (empty = all departments). Visitor events carry it under
/// [`VISITOR_SCOPE_KEY`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct VisitorScope {
    #[serde(rename = "departmentKeys")]
    pub departments: Vec<String>,
}

/// Visitors on the site, by the same measure as waiting chats: supervisors and administrators
/// see every visitor; an operator sees the visitors of placements that offer one of their
/// departments (an operator without departments serves all; a placement that offers every
/// department is everybody's).
pub fn may_see_visitor(viewer: &Operator, visitor: &VisitorScope) -> bool {
    viewer.role != OperatorRole::Operator
        || viewer.department_keys.is_empty()
        || visitor.departments.is_empty()
        || visitor.departments.iter().any(|d| viewer.department_keys.contains(d))
}

// ------------------------------------------------------------------ operator events

/// Events about no chat in particular: every operator receives them.
pub const EVERYONE_EVENTS: &[&str] = &["operator_status", "operator_access", "workspace_changed"];

/// Events about a visitor on the site (arrival, page change, departure): delivered by
/// [`may_see_visitor`] on the scope stamped under [`VISITOR_SCOPE_KEY`].
pub const VISITOR_EVENTS: &[&str] = &["visitor_new", "visitor_updated", "visitor_left"];

/// The key under which the store stamps a visitor event with the visitor's scope.
pub const VISITOR_SCOPE_KEY: &str = "visitorScope";

/// The visitor scope stamped on an event, if any.
pub fn stamped_visitor(event: &Value) -> Option<VisitorScope> {
    VisitorScope::deserialize(event.get(VISITOR_SCOPE_KEY)?).ok()
}

/// Events about one chat: delivered by [`check`] on the chat's scope.
pub const CHAT_EVENTS: &[&str] = &[
    "chat_updated",
    "chat_assigned",
    "chat_rated",
    "chat_read_by_visitor",
    "message_added",
    "message_updated",
    "message_deleted",
    "message_not_delivered",
    // Unstored: the visitor's typing and draft, published by the visitor protocol.
    "visitor_typing",
];

/// Chat events that move a chat between lists: a viewer who may not see the chat (any more)
/// gets a bare [`hidden_notice`] instead, so a waiting chat a colleague took leaves their lists.
const LIST_EVENTS: &[&str] = &["chat_updated", "chat_assigned"];

/// The key under which the store stamps a chat event with the chat's scope at the time of the
/// change. Reading it costs the event stream nothing: no query per event and socket.
pub const SCOPE_KEY: &str = "chatScope";

/// The chat an event is about: `chatId`, or the `chat` object of `chat_updated`.
pub fn event_chat_id(event: &Value) -> Option<i64> {
    event.get("chatId").and_then(Value::as_i64).or_else(|| event.pointer("/chat/id").and_then(Value::as_i64))
}

/// Adds the chat's scope to a chat event.
pub fn stamp(event: &mut Value, scope: &ChatScope) {
    if let Value::Object(map) = event {
        map.insert(
            SCOPE_KEY.into(),
            json!({
                "operatorId": scope.holder.map(|o| o.0),
                "bot": scope.holder_is_bot,
                "departmentKey": scope.department,
                "language": scope.language,
            }),
        );
    }
}

/// The scope stamped on an event, if any.
pub fn stamped(event: &Value) -> Option<ChatScope> {
    let s = event.get(SCOPE_KEY)?.as_object()?;
    let text = |k: &str| s.get(k).and_then(Value::as_str).map(str::to_owned);
    Some(ChatScope {
        holder: s.get("operatorId").and_then(Value::as_i64).map(OperatorId),
        holder_is_bot: s.get("bot").and_then(Value::as_bool).unwrap_or(false),
        department: text("departmentKey"),
        language: text("language"),
    })
}

/// What one viewer gets of one event.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Send,
    /// Only [`hidden_notice`].
    Notice,
    Skip,
}

/// Whether `viewer` receives `event`. Chat events without a scope (an event type this module
/// does not know, or written before scopes were stamped) go to supervisors and administrators
/// only: a forgotten event type stays hidden rather than leaking.
pub fn delivery(viewer: &Operator, settings: &OrgSettings, event: &Value) -> Delivery {
    let kind = event.get("type").and_then(Value::as_str).unwrap_or_default();
    if EVERYONE_EVENTS.contains(&kind) || viewer.role != OperatorRole::Operator {
        return Delivery::Send;
    }
    if VISITOR_EVENTS.contains(&kind) {
        // An unstamped visitor event stays hidden rather than leaking.
        return match stamped_visitor(event) {
            Some(scope) if may_see_visitor(viewer, &scope) => Delivery::Send,
            _ => Delivery::Skip,
        };
    }
    if stamped(event).is_some_and(|scope| may_see(viewer, settings, &scope)) {
        Delivery::Send
    } else if LIST_EVENTS.contains(&kind) && event_chat_id(event).is_some() {
        Delivery::Notice
    } else {
        Delivery::Skip
    }
}

/// `{"type": "chat_hidden", "chatId", "seq"}`: the chat is not (or no longer) the viewer's to
/// see; the `seq` keeps the client's cursor moving.
pub fn hidden_notice(event: &Value) -> Value {
    let mut notice = json!({"type": "chat_hidden", "chatId": event_chat_id(event)});
    if let Some(seq) = event.get("seq") {
        notice["seq"] = seq.clone();
    }
    notice
}

/// The event as `viewer` receives it, or nothing.
pub fn for_viewer(viewer: &Operator, settings: &OrgSettings, event: &Value) -> Option<Value> {
    match delivery(viewer, settings, event) {
        Delivery::Send => Some(event.clone()),
        Delivery::Notice => Some(hidden_notice(event)),
        Delivery::Skip => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(id: i64, role: OperatorRole, departments: &[&str], languages: &[&str]) -> Operator {
        Operator {
            id: OperatorId(id),
            email: String::new(),
            name: String::new(),
            role,
            status: crate::state::OperatorStatus::Online,
            languages: languages.iter().map(|l| (*l).to_owned()).collect(),
            max_chats: None,
            avatar: None,
            title: None,
            department_keys: departments.iter().map(|d| (*d).to_owned()).collect(),
            locale_names: Default::default(),
            created_at: 0,
            must_change_password: false,
            active: true,
            interface_lang: None,
        }
    }

    fn scope(holder: Option<i64>, bot: bool, department: Option<&str>, language: Option<&str>) -> ChatScope {
        ChatScope {
            holder: holder.map(OperatorId),
            holder_is_bot: bot,
            department: department.map(str::to_owned),
            language: language.map(str::to_owned),
        }
    }

    #[test]
    fn the_rule() {
        let mut s = OrgSettings::default();
        let sales = op(1, OperatorRole::Operator, &["sales"], &["ru"]);
        let everywhere = op(2, OperatorRole::Operator, &[], &[]);
        let sup = op(3, OperatorRole::Supervisor, &["sales"], &[]);
        let waiting_support = scope(None, false, Some("support"), Some("en"));
        assert_eq!(check(&sales, &s, &waiting_support), Err(Hidden::NotServed));
        assert!(may_see(&everywhere, &s, &waiting_support));
        assert!(may_see(&sup, &s, &waiting_support));
        assert!(may_see(&sales, &s, &scope(None, false, None, Some("en"))));
        assert!(may_see(&sales, &s, &scope(None, false, Some("sales"), Some("en"))));
        s.multilang = true;
        assert_eq!(check(&sales, &s, &scope(None, false, Some("sales"), Some("en"))), Err(Hidden::NotServed));
        assert!(may_see(&sales, &s, &scope(None, false, Some("sales"), Some("ru"))));
        assert!(may_see(&sales, &s, &scope(None, false, Some("sales"), None)));
        // Bots' chats: by language only.
        assert!(may_see(&sales, &s, &scope(Some(9), true, Some("support"), Some("ru"))));
        assert!(!may_see(&sales, &s, &scope(Some(9), true, None, Some("en"))));
        // Colleagues' chats: by language and the setting; one's own always.
        let colleagues = scope(Some(2), false, Some("support"), Some("en"));
        assert_eq!(check(&sales, &s, &colleagues), Err(Hidden::NotServed));
        assert!(may_see(&sales, &s, &scope(Some(2), false, Some("support"), Some("ru"))));
        assert!(may_see(&everywhere, &s, &scope(Some(1), false, Some("support"), None)));
        s.hide_others_chats = true;
        assert_eq!(check(&sales, &s, &colleagues), Err(Hidden::BySettings));
        assert!(may_see(&everywhere, &s, &scope(Some(2), false, None, None)));
        assert!(may_see(&sales, &s, &scope(Some(9), true, None, Some("ru"))), "bots' chats stay visible");
        assert!(may_see(&sup, &s, &colleagues));
    }

    #[test]
    fn events() {
        let mut s = OrgSettings { hide_others_chats: true, ..OrgSettings::default() };
        let anna = op(1, OperatorRole::Operator, &[], &[]);
        let boris = op(2, OperatorRole::Operator, &[], &[]);
        let sup = op(3, OperatorRole::Supervisor, &[], &[]);
        let mut message = json!({"type": "message_added", "chatId": 7, "message": {"text": "secret"}, "seq": 4});
        // Unstamped: privileged only.
        assert_eq!(delivery(&anna, &s, &message), Delivery::Skip);
        assert_eq!(delivery(&sup, &s, &message), Delivery::Send);
        stamp(&mut message, &scope(Some(1), false, None, None));
        assert_eq!(stamped(&message), Some(scope(Some(1), false, None, None)));
        assert_eq!(delivery(&anna, &s, &message), Delivery::Send);
        assert_eq!(delivery(&boris, &s, &message), Delivery::Skip);
        let mut updated = json!({"type": "chat_updated", "chat": {"id": 7, "lastMessage": "secret"}, "seq": 5});
        stamp(&mut updated, &scope(Some(1), false, None, None));
        assert_eq!(for_viewer(&boris, &s, &updated), Some(json!({"type": "chat_hidden", "chatId": 7, "seq": 5})));
        let status = json!({"type": "operator_status", "operatorId": 1, "status": "online"});
        assert_eq!(delivery(&boris, &s, &status), Delivery::Send);
        s.hide_others_chats = false;
        assert_eq!(delivery(&boris, &s, &message), Delivery::Send);
    }

    #[test]
    fn visitors_on_the_site() {
        let s = OrgSettings::default();
        let sales = op(1, OperatorRole::Operator, &["sales"], &[]);
        let everywhere = op(2, OperatorRole::Operator, &[], &[]);
        let sup = op(3, OperatorRole::Supervisor, &["support"], &[]);
        let support_site = VisitorScope { departments: vec!["support".into()] };
        let all_site = VisitorScope::default();
        assert!(!may_see_visitor(&sales, &support_site));
        assert!(may_see_visitor(&sales, &all_site));
        assert!(may_see_visitor(&everywhere, &support_site));
        assert!(may_see_visitor(&sup, &VisitorScope { departments: vec!["sales".into()] }));
        let mut arrived = json!({"type": "visitor_new", "visitor": {"id": "v"}, "seq": 9});
        assert_eq!(delivery(&sales, &s, &arrived), Delivery::Skip, "unstamped: privileged only");
        assert_eq!(delivery(&sup, &s, &arrived), Delivery::Send);
        // As the typed visitor events write it.
        arrived[VISITOR_SCOPE_KEY] = serde_json::to_value(&support_site).expect("json");
        assert_eq!(stamped_visitor(&arrived), Some(support_site));
        assert_eq!(delivery(&sales, &s, &arrived), Delivery::Skip);
        assert_eq!(delivery(&everywhere, &s, &arrived), Delivery::Send);
    }
}
