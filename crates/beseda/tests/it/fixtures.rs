//! Beseda's visitor-protocol output has the shapes of the wire-format examples in
//! `tests/fixtures/protocol/`: every key that the examples' README marks as required or read by
//! clients is present in Beseda's corresponding output with the same JSON type, and the
//! `-rejected` examples (objects clients drop) fail the same checks.

use crate::common;

use beseda_core::model::Department;
use beseda_core::state::OperatorRole;
use beseda_core::wire::DeltaItem;
use common::*;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn fixtures_dir() -> PathBuf {
    PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo runs the tests")).join("tests/fixtures/protocol")
}

fn fixture(name: &str) -> Value {
    let path = fixtures_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum T {
    Str,
    Int,
    Num,
    Bool,
    Obj,
    Arr,
    /// String or integer (revisions).
    StrOrInt,
    Any,
}

fn has_type(v: &Value, t: T) -> bool {
    match t {
        T::Str => v.is_string(),
        T::Int => v.is_i64() || v.is_u64(),
        T::Num => v.is_number(),
        T::Bool => v.is_boolean(),
        T::Obj => v.is_object(),
        T::Arr => v.is_array(),
        T::StrOrInt => v.is_string() || v.is_i64(),
        T::Any => true,
    }
}

/// Keys a decoder reads: (key, type, required).
type Spec = &'static [(&'static str, T, bool)];

const DELTA_ITEM: Spec =
    &[("event", T::Str, true), ("id", T::Str, true), ("objectType", T::Str, false), ("data", T::Any, false)];
const FULL_UPDATE: Spec = &[
    ("authToken", T::Str, true),
    ("pageId", T::Str, true),
    ("visitSessionId", T::Str, true),
    ("visitor", T::Obj, true),
    ("visitorFull", T::Obj, true),
    ("state", T::Str, true),
    ("onlineStatus", T::Str, true),
    ("chat", T::Obj, false),
    ("departments", T::Arr, true),
    ("historyRevision", T::Int, true),
    ("hintsEnabled", T::Bool, true),
    ("survey", T::Obj, false),
    ("showHelloMessage", T::Bool, true),
    ("chatStartAfterMessage", T::Bool, true),
    ("helloMessageDescr", T::Str, true),
];
const CHAT: Spec = &[
    ("id", T::Int, true),
    ("creationTs", T::Num, true),
    ("unreadByVisitorMsgCnt", T::Int, true),
    ("messages", T::Arr, true),
    ("operator", T::Obj, false),
    ("operatorIdToRate", T::Obj, true),
    ("operatorIdToResolutionSurvey", T::Obj, true),
    ("category", T::Str, false),
    ("clientSideId", T::Str, true),
    ("state", T::Str, true),
    ("subcategory", T::Str, false),
    ("subject", T::Str, false),
    ("modificationTs", T::Num, true),
    ("unreadByOperatorSinceTs", T::Num, false),
    ("unreadByVisitorSinceTs", T::Num, false),
    ("offline", T::Bool, true),
    ("operatorTyping", T::Bool, true),
    ("readByVisitor", T::Bool, true),
];
const MESSAGE: Spec = &[
    ("kind", T::Str, true),
    ("text", T::Str, true),
    ("name", T::Str, true),
    ("id", T::Str, true),
    ("clientSideId", T::Str, true),
    ("ts_m", T::Int, true),
    ("ts", T::Num, true),
    ("authorId", T::Int, false),
    ("avatar", T::Str, false),
    ("chatId", T::Str, true),
    ("data", T::Obj, false),
    ("deleted", T::Bool, true),
    ("edited", T::Bool, true),
    ("read", T::Bool, true),
    ("canBeEdited", T::Bool, true),
    ("canBeReplied", T::Bool, true),
    ("canVisitorReact", T::Bool, true),
    ("canVisitorChangeReaction", T::Bool, true),
    ("reaction", T::Str, false),
    ("quote", T::Obj, false),
];
const OPERATOR: Spec = &[
    ("id", T::Int, true),
    ("fullname", T::Str, true),
    ("avatar", T::Str, false),
    ("title", T::Str, false),
    ("additionalInfo", T::Str, false),
];
const RATING: Spec = &[("operatorId", T::Int, true), ("rating", T::Int, false), ("answer", T::Int, false)];
const UNREAD: Spec = &[("msgCnt", T::Int, true), ("sinceTs", T::Num, false)];
const FILE_DESC: Spec = &[
    ("filename", T::Str, true),
    ("guid", T::Str, true),
    ("content_type", T::Str, true),
    ("client_content_type", T::Str, false),
    ("visitor_id", T::Str, false),
    ("size", T::Int, false),
];
const FILE_STATE: Spec = &[("state", T::Str, true), ("desc", T::Obj, true), ("progress", T::Int, false)];
const QUOTE: Spec = &[("state", T::Str, true), ("message", T::Obj, true), ("ref", T::Obj, false)];
const QUOTE_MESSAGE: Spec = &[
    ("kind", T::Str, true),
    ("authorId", T::Int, false),
    ("id", T::Str, true),
    ("name", T::Str, true),
    ("text", T::Str, true),
    ("ts", T::Int, true),
];
const KEYBOARD: Spec = &[("buttons", T::Arr, true), ("state", T::Str, true), ("response", T::Obj, false)];
const KEYBOARD_RESPONSE: Spec = &[("buttonId", T::Str, true), ("messageId", T::Str, true)];
const BUTTON: Spec = &[("id", T::Str, true), ("text", T::Str, true), ("config", T::Obj, false)];
const BUTTON_CONFIG: Spec = &[
    ("active", T::Bool, false),
    ("state", T::Str, false),
    ("link", T::Str, false),
    ("text_to_insert", T::Str, false),
    ("hide_after_response", T::Bool, false),
];
const KEYBOARD_REQUEST: Spec = &[("button", T::Obj, true), ("request", T::Obj, true)];
const DEPARTMENT: Spec = &[
    ("key", T::Str, true),
    ("name", T::Str, true),
    ("online", T::Str, true),
    ("order", T::Int, true),
    ("localeToName", T::Obj, false),
    ("logo", T::Str, false),
];
const VISITOR: Spec = &[("id", T::Str, true), ("fields", T::Obj, true), ("icon", T::Obj, true)];
const HISTORY_REVISION: Spec = &[("revision", T::StrOrInt, true)];
const HISTORY_SINCE_DATA: Spec = &[("hasMore", T::Bool, true), ("messages", T::Arr, true), ("revision", T::Str, true)];
const HISTORY_BEFORE_DATA: Spec = &[("hasMore", T::Bool, true), ("messages", T::Arr, true)];
const ONLINE_STATUS: Spec = &[("onlineOperators", T::Bool, true), ("onlineStatus", T::Str, true)];
const DELTA_RESPONSE: Spec = &[("revision", T::StrOrInt, true), ("deltaList", T::Arr, true)];
const SURVEY: Spec = &[("id", T::Str, true), ("config", T::Obj, true), ("current_question", T::Obj, true)];
const SURVEY_CONFIG: Spec = &[("id", T::Int, true), ("version", T::Str, true), ("descriptor", T::Obj, true)];
const SURVEY_DESCRIPTOR: Spec = &[("forms", T::Arr, true)];
const SURVEY_FORM: Spec = &[("id", T::Int, true), ("questions", T::Arr, true)];
const SURVEY_QUESTION: Spec =
    &[("type", T::Str, true), ("text", T::Str, true), ("options", T::Arr, false), ("maxLength", T::Int, false)];
const SURVEY_CURRENT_QUESTION: Spec = &[("form_id", T::Int, true), ("question_id", T::Int, true)];

/// Checks one object against a spec. `strict`: required keys must be present and non-null.
fn check(what: &str, v: &Value, spec: Spec, strict: bool) -> Result<(), String> {
    let obj = v.as_object().ok_or_else(|| format!("{what}: not an object: {v}"))?;
    for (key, t, required) in spec {
        match obj.get(*key) {
            None | Some(Value::Null) if *required && strict => {
                return Err(format!("{what}: required `{key}` missing or null"))
            }
            None | Some(Value::Null) => {}
            Some(val) if !has_type(val, *t) => return Err(format!("{what}: `{key}` should be {t:?}, is {val}")),
            Some(_) => {}
        }
    }
    Ok(())
}

fn ok(what: &str, v: &Value, spec: Spec) {
    if let Err(e) = check(what, v, spec, true) {
        panic!("{e}");
    }
}

/// The fixture parses under the spec (types of present values), so the spec reads it right.
fn fixture_ok(name: &str, pointer: &str, spec: Spec) {
    let f = fixture(name);
    let v = f.pointer(pointer).unwrap_or_else(|| panic!("{name}{pointer}"));
    if let Err(e) = check(name, v, spec, false) {
        panic!("fixture does not match its spec: {e}");
    }
}

fn fixture_rejected(name: &str, spec: Spec) {
    assert!(check(name, &fixture(name), spec, true).is_err(), "{name} must be rejected by the spec");
}

/// Message kinds a client shows (visitor-api.md §11); a message of any other kind, and
/// `for_operator`, is dropped.
const KNOWN_KINDS: &[&str] = &[
    "visitor",
    "operator",
    "info",
    "operator_busy",
    "keyboard",
    "keyboard_response",
    "file_visitor",
    "file_operator",
    "sticker_visitor",
    "cont_req",
    "contacts",
    "action_request",
];

/// Examples checked elsewhere (the push payload, byte for byte against what the APNs stand-in
/// receives, in `mobile_push.rs`) or that Beseda only reads (signed visitor fields). They are
/// still parsed here, so a broken file is noticed.
const NOT_PRODUCED_HERE: &[&str] =
    &["push-notification.json", "provided-visitor-v1.json", "provided-visitor-v2-minimal.json"];

#[tokio::test]
async fn beseda_output_matches_the_wire_format_examples() {
    let server = TestServer::start().await;
    server
        .store
        .upsert_department(&Department {
            id: 0,
            key: "sales".into(),
            name: "Продажи".into(),
            locale_names: BTreeMap::from([("ru".into(), "Продажи".into())]),
            order: 10,
            logo: Some("/logo.png".into()),
        })
        .await
        .expect("department");
    let op = server.operator("fx@example.com", "Фикс", OperatorRole::Operator).await;
    op.set_status("online").await;
    let v = server.visitor().await;
    let init_revision = v.revision;
    v.send("fx1", "Привет").await;
    let chat = v.chat_id().await;
    op.reply(chat, "fxr", "Здравствуйте").await;
    let (_, kb) = op
        .post(&format!("/api/operator/v1/chats/{chat}/messages"), json!({"clientSideId": "fxk", "keyboard": [[{"id": "1", "text": "Да", "config": {"active": true, "link": "https://example.com"}}, {"id": "2", "text": "Нет"}]]}))
        .await;
    v.ok(
        "chat.keyboard_response",
        &[("request-message-id", kb["messageId"].as_str().expect("id")), ("button-id", "2")],
    )
    .await;
    op.post(&format!("/api/operator/v1/chats/{chat}/read"), json!({})).await;
    v.ok("sticker", &[("sticker-id", "7"), ("client-side-id", "fxs")]).await;
    let (code, asked) = op
        .post(&format!("/api/operator/v1/chats/{chat}/messages"), json!({"clientSideId": "fxc", "kind": "cont_req"}))
        .await;
    assert_eq!(code, 200, "{asked}");
    let contacts = json!({"name": "Ольга", "email": "olga@example.com", "phone": "+7 912 345-67-89"}).to_string();
    v.ok("chat.cont_resp", &[("visitor-fields", &contacts)]).await;
    let request =
        json!({"clientSideId": "fxa", "kind": "action_request", "text": "Позвонить?", "data": {"action": "call"}});
    let (code, asked) = op.post(&format!("/api/operator/v1/chats/{chat}/messages"), request).await;
    assert_eq!(code, 200, "{asked}");
    let asked = asked["messageId"].as_str().expect("messageId").to_owned();
    v.ok("chat.action_request.call_sentry_action_request", &[("client-side-id", &asked)]).await;
    let full = v.delta(0, true).await;
    let msgs = full["fullUpdate"]["chat"]["messages"].as_array().expect("messages").clone();
    let operator_msg_id =
        msgs.iter().find(|m| m["kind"] == "operator").expect("operator msg")["id"].as_str().expect("id").to_owned();
    let quote = json!({"ref": {"msgId": operator_msg_id, "msgChannelSideId": null, "chatId": null}}).to_string();
    v.ok("chat.message", &[("client-side-id", "fxq"), ("message", "цитирую"), ("quote", &quote)]).await;
    v.ok("chat.operator_rate_select", &[("rate", "1")]).await;
    v.ok("chat.read_by_visitor", &[]).await;
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&[0, 0, 0, 10, 0, 0, 0, 10]);
    let form = reqwest::multipart::Form::new()
        .text("page-id", v.page_id.clone())
        .text("auth-token", v.auth_token.clone())
        .text("client-side-id", "fxf")
        .part(
            "webim_upload_file",
            reqwest::multipart::Part::bytes(png).file_name("a.png").mime_str("image/png").expect("mime"),
        );
    let upload: Value = server
        .http
        .post(server.url("/l/v/m/upload"))
        .multipart(form)
        .send()
        .await
        .expect("upload")
        .json()
        .await
        .expect("json");

    // Delta transport.
    fixture_ok("full-update.json", "", FULL_UPDATE);
    ok("fullUpdate", &full["fullUpdate"], FULL_UPDATE);
    assert!(full["revision"].as_i64().is_some_and(|r| r > 0), "revision is a positive integer");
    assert!(full.get("deltaList").is_none(), "init/full responses carry no deltaList");
    fixture_ok("delta-response-chat-message-add.json", "", DELTA_RESPONSE);
    let delta = v.delta(init_revision, true).await;
    ok("delta response", &delta, DELTA_RESPONSE);
    let all_items = items(&delta);
    for item in &all_items {
        ok("delta item", item, DELTA_ITEM);
        // Beseda's own item type decodes and re-encodes every item unchanged.
        let decoded: DeltaItem = serde_json::from_value(item.clone()).expect("decodes");
        assert_eq!(serde_json::to_value(&decoded).expect("encodes"), *item);
    }
    fixture_ok("delta-item-chat-message-add.json", "", DELTA_ITEM);
    let decoded: DeltaItem = serde_json::from_value(fixture("delta-item-chat-message-add.json")).expect("decodes");
    assert_eq!(decoded.object_type, "CHAT_MESSAGE");
    for name in ["delta-item-null-event-rejected.json", "delta-item-null-id-rejected.json"] {
        fixture_rejected(name, DELTA_ITEM);
        assert!(serde_json::from_value::<DeltaItem>(fixture(name)).is_err(), "{name} must not decode");
    }
    let by_type =
        |t: &str| all_items.iter().filter(|i| i["objectType"] == t).map(|i| i["data"].clone()).collect::<Vec<_>>();

    // Chat, messages, operators.
    fixture_ok("chat.json", "", CHAT);
    fixture_ok("chat-null-values.json", "", CHAT);
    let full = v.delta(0, true).await;
    let chat_obj = &full["fullUpdate"]["chat"];
    ok("chat", chat_obj, CHAT);
    for name in [
        "message-info.json",
        "message-operator.json",
        "message-visitor-editable.json",
        "message-sticker.json",
        "message-cont-req.json",
        "message-contacts.json",
        "message-action-request.json",
    ] {
        fixture_ok(name, "", MESSAGE);
        let kind = fixture(name)["kind"].as_str().map(str::to_owned).unwrap_or_default();
        assert!(KNOWN_KINDS.contains(&kind.as_str()), "{name}: a client knows kind {kind}");
    }
    assert_eq!(fixture("message-cont-req.json")["data"], Value::Null, "cont_req carries no data");
    assert!(fixture("message-contacts.json")["data"].is_object(), "contacts carries the fields");
    let msgs = chat_obj["messages"].as_array().expect("messages");
    let kinds: BTreeSet<&str> = msgs.iter().filter_map(|m| m["kind"].as_str()).collect();
    for kind in [
        "visitor",
        "operator",
        "info",
        "keyboard",
        "keyboard_response",
        "sticker_visitor",
        "file_visitor",
        "cont_req",
        "contacts",
        "action_request",
    ] {
        assert!(kinds.contains(kind), "a {kind} message is produced: {kinds:?}");
    }
    for m in msgs {
        ok(&format!("message {}", m["kind"]), m, MESSAGE);
        assert_ne!(m["kind"], "for_operator");
        assert!(KNOWN_KINDS.contains(&m["kind"].as_str().unwrap_or_default()), "a client knows {}", m["kind"]);
    }
    let request = msgs.iter().find(|m| m["kind"] == "cont_req").expect("cont_req");
    assert_eq!(request["data"], Value::Null);
    let answer = msgs.iter().find(|m| m["kind"] == "contacts").expect("contacts");
    assert_eq!(answer["data"]["email"], "olga@example.com");
    let acted = msgs.iter().find(|m| m["kind"] == "action_request").expect("action_request");
    assert!(acted["data"]["acknowledgedAt"].is_f64(), "{acted}");
    assert!(fixture("message-action-request.json")["data"]["acknowledgedAt"].is_f64());
    let visitor_msg = msgs.iter().find(|m| m["kind"] == "visitor").expect("visitor");
    assert_eq!(visitor_msg["canBeEdited"], json!(true));
    let sticker = msgs.iter().find(|m| m["kind"] == "sticker_visitor").expect("sticker");
    assert_eq!(sticker["data"]["stickerId"], json!(7));
    fixture_ok("operator.json", "", OPERATOR);
    fixture_ok("operator-delta-data.json", "", OPERATOR);
    fixture_rejected("operator-null-id-rejected.json", OPERATOR);
    fixture_rejected("operator-null-fullname-rejected.json", OPERATOR);
    ok("chat.operator", &chat_obj["operator"], OPERATOR);
    for data in by_type("CHAT_OPERATOR").iter().filter(|d| !d.is_null()) {
        ok("CHAT_OPERATOR", data, OPERATOR);
    }
    fixture_ok("rating.json", "", RATING);
    let rates = by_type("OPERATOR_RATE");
    let after = v.delta(init_revision, true).await;
    let rates: Vec<Value> = if rates.is_empty() {
        items(&after).into_iter().filter(|i| i["objectType"] == "OPERATOR_RATE").map(|i| i["data"].clone()).collect()
    } else {
        rates
    };
    assert!(!rates.is_empty(), "OPERATOR_RATE produced");
    rates.iter().for_each(|r| ok("OPERATOR_RATE", r, RATING));
    for r in chat_obj["operatorIdToRate"].as_object().expect("map").values() {
        ok("operatorIdToRate value", r, RATING);
    }
    fixture_ok("unread-by-visitor.json", "", UNREAD);
    let unread: Vec<Value> = items(&after)
        .into_iter()
        .filter(|i| i["objectType"] == "UNREAD_BY_VISITOR")
        .map(|i| i["data"].clone())
        .collect();
    assert!(!unread.is_empty());
    unread.iter().for_each(|u| ok("UNREAD_BY_VISITOR", u, UNREAD));

    // Files, quotes, keyboards.
    fixture_ok("file-parameters.json", "", FILE_DESC);
    fixture_ok("file-parameters-null-values.json", "", FILE_DESC);
    for i in 0..fixture("file-parameters-list.json").as_array().expect("list").len() {
        fixture_ok("file-parameters-list.json", &format!("/{i}"), FILE_DESC);
    }
    ok("upload data", &upload["data"], FILE_DESC);
    assert!(upload["data"]["image"]["size"]["width"].is_i64());
    fixture_ok("message-file-data.json", "/file", FILE_STATE);
    fixture_ok("file-state-ready.json", "", FILE_STATE);
    let full = v.delta(0, true).await;
    let msgs = full["fullUpdate"]["chat"]["messages"].as_array().expect("messages").clone();
    let file_msg = msgs.iter().find(|m| m["kind"] == "file_visitor").expect("file message");
    ok("file message data.file", &file_msg["data"]["file"], FILE_STATE);
    ok("file message data.file.desc", &file_msg["data"]["file"]["desc"], FILE_DESC);
    let text_desc: Value = serde_json::from_str(file_msg["text"].as_str().expect("text")).expect("descriptor in text");
    ok("file message text", &text_desc, FILE_DESC);
    fixture_ok("quote-filled.json", "", QUOTE);
    fixture_ok("quote-filled.json", "/message", QUOTE_MESSAGE);
    fixture_ok("quote-minimal.json", "", QUOTE);
    let quoted = msgs.iter().find(|m| m["clientSideId"] == "fxq").expect("reply");
    ok("quote", &quoted["quote"], QUOTE);
    ok("quote.message", &quoted["quote"]["message"], QUOTE_MESSAGE);
    for name in ["keyboard-completed.json", "keyboard-pending.json", "keyboard-canceled.json"] {
        fixture_ok(name, "", KEYBOARD);
    }
    fixture_ok("keyboard-completed.json", "/response", KEYBOARD_RESPONSE);
    fixture_ok("keyboard-response.json", "", KEYBOARD_RESPONSE);
    fixture_ok("keyboard-button.json", "", BUTTON);
    fixture_ok("keyboard-button-null-config.json", "", BUTTON);
    fixture_ok("keyboard-button-config-insert-text.json", "", BUTTON_CONFIG);
    fixture_ok("keyboard-button-config-showing-selected.json", "", BUTTON_CONFIG);
    fixture_ok("keyboard-request.json", "", KEYBOARD_REQUEST);
    fixture_ok("keyboard-null-response.json", "", KEYBOARD);
    let kb = msgs.iter().find(|m| m["kind"] == "keyboard").expect("keyboard");
    ok("keyboard data", &kb["data"], KEYBOARD);
    ok("keyboard response", &kb["data"]["response"], KEYBOARD_RESPONSE);
    for row in kb["data"]["buttons"].as_array().expect("rows") {
        for b in row.as_array().expect("row") {
            ok("button", b, BUTTON);
            ok("button config", &b["config"], BUTTON_CONFIG);
        }
    }
    let kr = msgs.iter().find(|m| m["kind"] == "keyboard_response").expect("keyboard response");
    ok("keyboard_response data", &kr["data"], KEYBOARD_REQUEST);
    ok("keyboard_response button", &kr["data"]["button"], BUTTON);
    assert!(kr["data"]["request"]["messageId"].is_string());

    // Departments, visitor, history.
    fixture_ok("department.json", "", DEPARTMENT);
    fixture_ok("department-unknown-online-status.json", "", DEPARTMENT);
    fixture_rejected("department-missing-key-rejected.json", DEPARTMENT);
    for i in 0..fixture("department-list.json").as_array().expect("list").len() {
        fixture_ok("department-list.json", &format!("/{i}"), DEPARTMENT);
    }
    let deps = full["fullUpdate"]["departments"].as_array().expect("departments");
    assert!(!deps.is_empty());
    deps.iter().for_each(|d| ok("department", d, DEPARTMENT));
    fixture_ok("visitor.json", "", VISITOR);
    fixture_rejected("visitor-missing-id-rejected.json", VISITOR);
    ok("visitor", &full["fullUpdate"]["visitor"], VISITOR);
    ok("visitorFull", &full["fullUpdate"]["visitorFull"], VISITOR);
    assert!(full["fullUpdate"]["visitor"]["fields"].as_object().expect("fields").values().all(Value::is_string));
    fixture_ok("history-revision.json", "", HISTORY_REVISION);
    let hr: Vec<Value> = items(&after)
        .into_iter()
        .filter(|i| i["objectType"] == "HISTORY_REVISION")
        .map(|i| i["data"].clone())
        .collect();
    assert!(!hr.is_empty());
    hr.iter().for_each(|h| ok("HISTORY_REVISION", h, HISTORY_REVISION));
    fixture_ok("history-since-response.json", "/data", HISTORY_SINCE_DATA);
    fixture_ok("history-since-response-null-data.json", "/data", &[]);
    fixture_ok("history-before-response.json", "/data", HISTORY_BEFORE_DATA);
    fixture_ok("history-before-response-null-data.json", "/data", &[]);
    let since = v.history(&[("since", "0")]).await;
    ok("history since data", &since["data"], HISTORY_SINCE_DATA);
    since["data"]["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["deleted"] != json!(true))
        .for_each(|m| ok("history message", m, MESSAGE));
    let before = v.history(&[("before-ts", &i64::MAX.to_string())]).await;
    ok("history before data", &before["data"], HISTORY_BEFORE_DATA);
    assert!(!before["data"]["messages"].as_array().expect("messages").is_empty());

    // Configuration.
    let config: Value = server
        .http
        .get(server.url("/api/visitor/v1/configs/default?jsonp=false"))
        .send()
        .await
        .expect("config")
        .json()
        .await
        .expect("json");
    let account = config["accountConfig"].as_object().expect("accountConfig");
    for (key, value) in fixture("configs-account-config.json")["accountConfig"].as_object().expect("fixture") {
        let Some(ours) = account.get(key) else { continue };
        if value.is_null() || ours.is_null() {
            continue;
        }
        let same = (value.is_boolean() && ours.is_boolean())
            || (value.is_i64() && ours.is_i64())
            || (value.is_string() && ours.is_string());
        assert!(same, "accountConfig.{key}: fixture {value}, Beseda {ours}");
    }
    assert_eq!(account["allowed_upload_file_types"].as_str().map(|s| s.split(", ").count()), Some(8));
    assert!(fixture("location-settings-response.json").is_object());
    assert!(config["locationSettings"]["chat"]["visitorFields"].is_object());
    assert!(config["routingRules"].is_array());
    let jsonp = server
        .http
        .get(server.url("/x/js/v/all-settings-default.js"))
        .send()
        .await
        .expect("jsonp")
        .text()
        .await
        .expect("text");
    let inner =
        jsonp.strip_prefix("webimApplyServerSideSettings(").and_then(|s| s.strip_suffix(");")).expect("JSONP wrapper");
    assert_eq!(serde_json::from_str::<Value>(inner).expect("json"), config);
    fixture_ok("location-status-response.json", "", ONLINE_STATUS);
    let status: Value = server
        .http
        .get(server.url("/l/v/m/get-online-status?location=default"))
        .send()
        .await
        .expect("status")
        .json()
        .await
        .expect("json");
    ok("online status", &status, ONLINE_STATUS);
    assert_eq!(status["onlineStatus"], "online");

    // Every fixture is covered above or listed as not produced yet, and its README describes it.
    for name in NOT_PRODUCED_HERE {
        assert!(fixture(name).is_object());
    }
    let source = include_str!("fixtures.rs");
    let readme = std::fs::read_to_string(fixtures_dir().join("README.md")).expect("fixtures README");
    for entry in std::fs::read_dir(fixtures_dir()).expect("fixtures dir") {
        let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            assert!(source.contains(&format!("\"{name}\"")), "fixture {name} is not checked");
            assert!(readme.contains(&format!("`{name}`")), "fixture {name} is not described in README.md");
        }
    }
    server.stop().await;
}

/// A survey object as clients decode it (`SURVEY` data, `fullUpdate.survey`): every level of
/// the object against its spec, the question types clients know, and `options` strings.
fn survey_ok(what: &str, s: &Value, strict: bool) {
    let check_level = |name: &str, v: &Value, spec: Spec| {
        if let Err(e) = check(&format!("{what} {name}"), v, spec, strict) {
            panic!("{e}");
        }
    };
    check_level("survey", s, SURVEY);
    check_level("config", &s["config"], SURVEY_CONFIG);
    check_level("descriptor", &s["config"]["descriptor"], SURVEY_DESCRIPTOR);
    check_level("current_question", &s["current_question"], SURVEY_CURRENT_QUESTION);
    let forms = s["config"]["descriptor"]["forms"].as_array().expect("forms");
    assert!(!forms.is_empty());
    for f in forms {
        check_level("form", f, SURVEY_FORM);
        for q in f["questions"].as_array().expect("questions") {
            check_level("question", q, SURVEY_QUESTION);
            assert!(["stars", "radio", "comment"].contains(&q["type"].as_str().expect("type")), "{q}");
            if let Some(options) = q.get("options").and_then(Value::as_array) {
                assert!(options.iter().all(Value::is_string), "{q}");
            }
        }
    }
    // The current question is one of the forms' questions.
    let at = &s["current_question"];
    let form = forms.iter().find(|f| f["id"] == at["form_id"]).expect("current form");
    let index = at["question_id"].as_u64().expect("question id") as usize;
    assert!(index < form["questions"].as_array().expect("questions").len());
}

#[tokio::test]
async fn survey_output_matches_the_wire_format_example() {
    use beseda_core::protocol::visitor as proto;
    fixture_ok("survey.json", "", SURVEY);
    survey_ok("survey.json", &fixture("survey.json"), true);
    let typed: proto::Survey = serde_json::from_value(fixture("survey.json")).expect("the example decodes");
    assert_eq!(serde_json::to_value(&typed).expect("encodes"), fixture("survey.json"));

    let server = TestServer::start().await;
    server.settings(|s| s.surveys = true).await;
    let admin = server.operator("fxa@example.com", "Админ", OperatorRole::Admin).await;
    let body = json!({"title": "Опрос", "forms": [
        {"questions": [{"type": "stars", "text": "Оцените"}, {"type": "radio", "text": "Решён?", "options": ["Да", "Нет"]}]},
        {"questions": [{"type": "comment", "text": "Ваш отзыв"}]}
    ]});
    let (code, saved) = admin.call(reqwest::Method::PUT, "/api/admin/v1/surveys", Some(body)).await;
    assert_eq!(code, 200, "{saved}");
    let op = server.operator("fxs@example.com", "Фикс", OperatorRole::Operator).await;
    op.set_status("online").await;
    let v = server.visitor().await;
    v.send("fs1", "Привет").await;
    let chat = v.chat_id().await;
    op.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await;
    let at = v.delta(0, true).await["revision"].as_i64().expect("revision");
    op.post(&format!("/api/operator/v1/chats/{chat}/close"), json!({})).await;
    let delta = v.delta(at, true).await;
    let item = items(&delta).into_iter().find(|i| i["objectType"] == "SURVEY").expect("SURVEY item");
    ok("SURVEY item", &item, DELTA_ITEM);
    assert_eq!(item["event"], "upd");
    survey_ok("SURVEY", &item["data"], true);
    // Only a comment question has `maxLength` (Beseda extension).
    let wire_forms = &item["data"]["config"]["descriptor"]["forms"];
    assert_eq!(wire_forms[1]["questions"][0]["maxLength"], 1000);
    let first = &wire_forms[0]["questions"];
    assert!(first[0].get("maxLength").is_none() && first[1].get("maxLength").is_none());
    // Beseda's typed item decodes and re-encodes it unchanged; the survey object too.
    let decoded: proto::DeltaItem = serde_json::from_value(item.clone()).expect("decodes");
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), item);
    let survey: proto::Survey = serde_json::from_value(item["data"].clone()).expect("survey decodes");
    assert_eq!(survey.current_question.form_id, 1);
    let full = v.delta(0, true).await;
    ok("fullUpdate", &full["fullUpdate"], FULL_UPDATE);
    survey_ok("fullUpdate.survey", &full["fullUpdate"]["survey"], true);
    // Closing it: `SURVEY` with `null` data, which clients read as "cancelled".
    let at = v.delta(0, true).await["revision"].as_i64().expect("revision");
    v.ok("survey.cancel", &[("survey-id", survey.id.as_str())]).await;
    let closed = items(&v.delta(at, true).await).into_iter().find(|i| i["objectType"] == "SURVEY").expect("SURVEY");
    ok("SURVEY null item", &closed, DELTA_ITEM);
    assert!(closed["data"].is_null());
    let decoded: proto::DeltaItem = serde_json::from_value(closed.clone()).expect("decodes");
    assert_eq!(serde_json::to_value(&decoded).expect("encodes"), closed);
    server.stop().await;
}
