//! Contact requests (visitor-api.md §11, §12.1 `chat.cont_resp`) and operators' action
//! requests, through HTTP: an operator asks (operator API), the visitor sees the request and
//! answers, the operator sees the answer — with every refusal of the visitor protocol and the
//! operator API, and the daily limit of e-mail changes across a restart.

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_core::time::{Clock, ManualClock};
use common::*;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const DEFAULT_REQUEST_RU: &str = "Пожалуйста, оставьте ваши контактные данные, чтобы мы могли с вами связаться.";
const DEFAULT_REQUEST_EN: &str = "Please leave your contact details so that we can get back to you.";

/// An operator online who takes the chat the visitor's first message starts.
async fn chat_with_operator(server: &TestServer, v: &Visitor) -> (Operator, i64) {
    let op = server.operator("anna@example.com", "Анна", OperatorRole::Operator).await;
    op.set_status("online").await;
    v.send("q1", "Перезвоните мне, пожалуйста").await;
    let chat = v.chat_id().await;
    let (code, body) = op.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await;
    assert_eq!(code, 200, "{body}");
    (op, chat)
}

/// The operator sends a message of `body` (a `clientSideId` is added); status and answer.
async fn send(op: &Operator, chat: i64, csid: &str, mut body: Value) -> (u16, Value) {
    body["clientSideId"] = json!(csid);
    op.post(&format!("/api/operator/v1/chats/{chat}/messages"), body).await
}

async fn ask_contacts(op: &Operator, chat: i64, csid: &str) {
    let (code, body) = send(op, chat, csid, json!({"kind": "cont_req", "text": ""})).await;
    assert_eq!(code, 200, "{body}");
}

/// `chat.cont_resp` with `fields` as JSON.
async fn answer(v: &Visitor, fields: &Value) -> (u16, Value) {
    v.action("chat.cont_resp", &[("visitor-fields", &fields.to_string())]).await
}

/// The chat's messages as the visitor sees them.
async fn visitor_messages(v: &Visitor) -> Vec<Value> {
    chat_of(v).await["messages"].as_array().cloned().unwrap_or_default()
}

fn of_kind<'a>(messages: &'a [Value], kind: &str) -> Vec<&'a Value> {
    messages.iter().filter(|m| m["kind"] == kind).collect()
}

#[tokio::test]
async fn operator_asks_for_contacts_and_sees_the_answer_live() {
    let server = TestServer::start().await;
    let v = server.visitor().await;
    let (op, chat) = chat_with_operator(&server, &v).await;
    let mut events = op.events(0).await;
    let since = v.delta(0, true).await["revision"].as_i64().expect("revision");

    // Without a text, the request is the default one in the chat's language (Russian here).
    let (code, sent) = send(&op, chat, "ask-1", json!({"kind": "cont_req"})).await;
    assert_eq!(code, 200, "{sent}");
    let request_id = sent["messageId"].as_str().expect("messageId").to_owned();
    let delta = v.delta(since, true).await;
    let added = messages_in(&items(&delta));
    let request = added.iter().find(|m| m["kind"] == "cont_req").expect("the visitor gets the request");
    assert_eq!(request["id"], request_id.as_str());
    assert_eq!(request["text"], DEFAULT_REQUEST_RU);
    assert_eq!(request["data"], Value::Null, "cont_req carries no data: the client shows its contact form");
    assert_eq!(request["authorId"], json!(op.id));
    let since = delta["revision"].as_i64().expect("revision");

    // The visitor answers; the answer is a `contacts` message with the fields as data.
    let fields = json!({"name": " Мария Петрова ", "email": "maria@example.com", "phone": "+7 (999) 123-45-67"});
    let (code, body) = answer(&v, &fields).await;
    assert_eq!((code, body["result"].as_str()), (200, Some("ok")), "{body}");
    let delta = v.delta(since, true).await;
    let list = items(&delta);
    let contacts = messages_in(&list).into_iter().find(|m| m["kind"] == "contacts").expect("contacts message");
    let submitted = json!({"name": "Мария Петрова", "email": "maria@example.com", "phone": "+7 (999) 123-45-67"});
    assert_eq!(contacts["data"], submitted, "trimmed fields as data");
    assert_eq!(contacts["text"], "Имя: Мария Петрова\nE-mail: maria@example.com\nТелефон: +7 (999) 123-45-67");
    assert_eq!(contacts["name"], "Мария Петрова", "signed with the name just given");
    // The visitor's clients get the visitor with the new fields (VISITOR_FULL).
    let visitor = list.iter().find(|i| i["objectType"] == "VISITOR_FULL").expect("VISITOR_FULL item");
    assert_eq!(visitor["event"], "upd");
    assert_eq!(visitor["data"]["fields"]["email"], "maria@example.com", "{visitor}");
    assert_eq!(visitor["data"]["fields"]["name"], "Мария Петрова");

    // Operators: the answer arrives as a message event, and the visitor card follows.
    let added = wait_event(&mut events, |e| e["type"] == "message_added" && e["message"]["kind"] == "contacts").await;
    assert_eq!(added["chatId"], json!(chat));
    assert_eq!(added["message"]["data"], submitted);
    let updated = wait_event(&mut events, |e| e["type"] == "visitor_updated").await;
    assert_eq!(updated["visitor"]["id"], v.visitor["id"]);
    assert_eq!(updated["visitor"]["name"], "Мария Петрова");
    let (code, view) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!(code, 200, "{view}");
    assert_eq!(view["visitor"]["fields"]["phone"], "+7 (999) 123-45-67");
    let kinds: Vec<&str> =
        view["messages"].as_array().expect("messages").iter().filter_map(|m| m["kind"].as_str()).collect();
    assert!(kinds.ends_with(&["cont_req", "contacts"]), "{kinds:?}");

    // An operator's own text is kept; an English chat gets the English default.
    let (code, _) = send(&op, chat, "ask-2", json!({"kind": "cont_req", "text": "Оставьте номер для курьера"})).await;
    assert_eq!(code, 200);
    let requests = of_kind(&visitor_messages(&v).await, "cont_req").into_iter().cloned().collect::<Vec<_>>();
    assert_eq!(requests.last().expect("second request")["text"], "Оставьте номер для курьера");
    // A retry of the same client-side id is the same message.
    let (code, again) =
        send(&op, chat, "ask-2", json!({"kind": "cont_req", "text": "Оставьте номер для курьера"})).await;
    assert_eq!(code, 200);
    assert_eq!(of_kind(&visitor_messages(&v).await, "cont_req").len(), 2, "{again}");
    server.stop().await;

    let server = TestServer::start().await;
    server.settings(|s| s.default_lang = "en".into()).await;
    let v = server.visitor().await;
    let (op, chat) = chat_with_operator(&server, &v).await;
    ask_contacts(&op, chat, "ask-en").await;
    let messages = visitor_messages(&v).await;
    assert_eq!(of_kind(&messages, "cont_req")[0]["text"], DEFAULT_REQUEST_EN);
    let (code, body) = answer(&v, &json!({"name": "Mary", "phone": "+44 20 7946 0958"})).await;
    assert_eq!((code, body["result"].as_str()), (200, Some("ok")), "{body}");
    let messages = visitor_messages(&v).await;
    assert_eq!(of_kind(&messages, "contacts")[0]["text"], "Name: Mary\nPhone: +44 20 7946 0958");
    server.stop().await;
}

#[tokio::test]
async fn the_form_config_and_every_refusal_of_an_answer() {
    let server = TestServer::start().await;
    server
        .settings(|s| {
            s.contacts_request_email = "mandatory".into();
            s.contacts_request_phone = "hidden".into();
        })
        .await;
    // The placement's configuration describes the form.
    let config = get_json(&server.http, &server.url("/api/visitor/v1/configs/default")).await;
    let form = &config["locationSettings"]["chat"]["visitorFields"]["contactsRequest"];
    assert_eq!(
        *form,
        json!({
            "name": {"presence": "optional", "validation": {"maxLength": 100}},
            "email": {"presence": "mandatory", "validation": {"maxLength": 254, "type": "email"}},
            "phone": {"presence": "hidden", "validation": {"maxLength": 32, "type": "phone"}},
        })
    );
    assert_eq!(config["locationSettings"]["chat"]["visitorFieldLabels"]["phone"], "Телефон");

    let v = server.visitor().await;
    // No chat yet.
    let (code, body) = answer(&v, &json!({"email": "maria@example.com"})).await;
    assert_eq!((code, body["error"].as_str()), (200, Some("no-chat")), "{body}");
    let (op, chat) = chat_with_operator(&server, &v).await;
    // A chat without a request.
    let (code, body) = answer(&v, &json!({"email": "maria@example.com"})).await;
    assert_eq!((code, body["error"].as_str()), (200, Some("not_allowed")), "{body}");
    ask_contacts(&op, chat, "ask-1").await;

    let long_name = "я".repeat(101);
    let refusals: Vec<(Option<String>, u16, &str, &str)> = vec![
        (None, 400, "argument-missing", "visitor-fields"),
        (Some("{not json".into()), 400, "wrong-argument-value", "visitor-fields"),
        (Some("[]".into()), 400, "wrong-argument-value", "visitor-fields"),
        (
            Some(json!({"email": "maria@example.com", "age": "30"}).to_string()),
            400,
            "wrong-argument-value",
            "visitor-fields",
        ),
        (
            Some(json!({"email": "maria@example.com", "phone": "+79991234567"}).to_string()),
            400,
            "wrong-argument-value",
            "visitor-fields",
        ),
        (
            Some(json!({"email": "maria(at)example.com"}).to_string()),
            400,
            "wrong-argument-value",
            "visitor-fields.email",
        ),
        (Some(json!({"email": 42}).to_string()), 400, "wrong-argument-value", "visitor-fields.email"),
        (
            Some(json!({"email": "maria@example.com", "name": long_name}).to_string()),
            400,
            "wrong-argument-value",
            "visitor-fields.name",
        ),
        (Some(json!({"name": "Мария"}).to_string()), 400, "argument-missing", "visitor-fields.email"),
        (Some(json!({"email": "  "}).to_string()), 400, "argument-missing", "visitor-fields.email"),
    ];
    for (fields, status, code, field) in refusals {
        let (got, body) = match &fields {
            Some(f) => v.action("chat.cont_resp", &[("visitor-fields", f.as_str())]).await,
            None => v.action("chat.cont_resp", &[]).await,
        };
        assert_eq!((got, body["error"].as_str()), (status, Some(code)), "{fields:?}: {body}");
        let message = body["message"].as_str().unwrap_or_default();
        assert!(message.ends_with(field), "{fields:?}: the refusal names {field}: {message}");
    }
    // Nothing of a refused answer was written: no contacts message, no new fields.
    assert!(of_kind(&visitor_messages(&v).await, "contacts").is_empty());
    let (_, view) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert!(view["visitor"]["fields"].get("email").is_none(), "{}", view["visitor"]);

    // A phone with the phone field shown.
    server.settings(|s| s.contacts_request_phone = "optional".into()).await;
    let (code, body) = answer(&v, &json!({"email": "maria@example.com", "phone": "call me"})).await;
    assert_eq!((code, body["error"].as_str()), (400, Some("wrong-argument-value")), "{body}");
    assert!(body["message"].as_str().unwrap_or_default().ends_with("visitor-fields.phone"), "{body}");
    let (code, body) = answer(&v, &json!({"email": "maria@example.com", "phone": "8 800 555-35-35"})).await;
    assert_eq!((code, body["result"].as_str()), (200, Some("ok")), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn an_answer_needs_a_pending_request_and_a_retry_changes_nothing() {
    let server = TestServer::start().await;
    let v = server.visitor().await;
    let (op, chat) = chat_with_operator(&server, &v).await;
    ask_contacts(&op, chat, "ask-1").await;
    let fields = json!({"name": "Мария", "email": "maria@example.com"});
    let (code, body) = answer(&v, &fields).await;
    assert_eq!((code, body["result"].as_str()), (200, Some("ok")), "{body}");
    // The client retries after a network error: the same answer is a no-op.
    let (code, body) = answer(&v, &fields).await;
    assert_eq!((code, body["result"].as_str()), (200, Some("ok")), "{body}");
    assert_eq!(of_kind(&visitor_messages(&v).await, "contacts").len(), 1);
    // A different answer to a request already answered is refused.
    let (code, body) = answer(&v, &json!({"name": "Мария", "email": "other@example.com"})).await;
    assert_eq!((code, body["error"].as_str()), (200, Some("not_allowed")), "{body}");
    // A new request can be answered again.
    ask_contacts(&op, chat, "ask-2").await;
    let (code, body) = answer(&v, &json!({"phone": "+7 999 000-00-00"})).await;
    assert_eq!((code, body["result"].as_str()), (200, Some("ok")), "{body}");
    let (_, view) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    let fields = &view["visitor"]["fields"];
    assert_eq!(
        (fields["email"].as_str(), fields["phone"].as_str()),
        (Some("maria@example.com"), Some("+7 999 000-00-00"))
    );
    // The chat closed for good: no chat to answer in.
    let (code, _) = op.post(&format!("/api/operator/v1/chats/{chat}/close"), json!({})).await;
    assert_eq!(code, 200);
    v.ok("chat.close", &[]).await;
    let (code, body) = answer(&v, &json!({"phone": "+7 999 000-00-01"})).await;
    assert_eq!((code, body["error"].as_str()), (200, Some("no-chat")), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn three_email_changes_a_day_and_the_count_survives_a_restart() {
    let clock = Arc::new(ManualClock::new());
    // Noon in the organisation's time zone, so the test's day does not end halfway.
    let now = clock.now();
    let day = 86_400_000_000i64;
    let msk_offset = 3 * 3_600_000_000i64;
    let since_local_midnight = (now + msk_offset).rem_euclid(day);
    let to_noon = (day / 2 - since_local_midnight).rem_euclid(day);
    clock.advance(Duration::from_micros(u64::try_from(to_noon).expect("positive")));
    let server = TestServer::start_with_clock(clock.clone()).await;
    server.settings(|s| s.time_zone = "Europe/Moscow".into()).await;
    let v = server.visitor().await;
    let (op, chat) = chat_with_operator(&server, &v).await;
    for (i, email) in ["one@example.com", "two@example.com", "three@example.com"].iter().enumerate() {
        ask_contacts(&op, chat, &format!("ask-{i}")).await;
        let (code, body) = answer(&v, &json!({"email": email})).await;
        assert_eq!((code, body["result"].as_str()), (200, Some("ok")), "{email}: {body}");
    }
    ask_contacts(&op, chat, "ask-3").await;
    let (code, body) = answer(&v, &json!({"email": "four@example.com"})).await;
    assert_eq!((code, body["error"].as_str()), (200, Some("email-changed-too-many-times")), "{body}");
    // The same address (in any case) is no change; other fields still update.
    let (code, body) = answer(&v, &json!({"email": "THREE@example.com", "name": "Мария"})).await;
    assert_eq!((code, body["result"].as_str()), (200, Some("ok")), "{body}");

    // A restart forgets nothing.
    let session = v.session_id.clone();
    clock.advance(Duration::from_secs(60));
    let server = server.restart(clock.clone()).await;
    let v = Visitor::init(&server, "default", Some(&session)).await;
    let op = server.operator_token("anna@example.com", "password123", op.id).await;
    ask_contacts(&op, chat, "ask-4").await;
    let (code, body) = answer(&v, &json!({"email": "four@example.com"})).await;
    assert_eq!((code, body["error"].as_str()), (200, Some("email-changed-too-many-times")), "{body}");
    let (_, view) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!(view["visitor"]["fields"]["email"], "THREE@example.com", "the refused change wrote nothing");

    // The next local day allows changes again.
    clock.advance(Duration::from_secs(12 * 3600));
    let v = Visitor::init(&server, "default", Some(&session)).await;
    let (code, body) = answer(&v, &json!({"email": "four@example.com"})).await;
    assert_eq!((code, body["result"].as_str()), (200, Some("ok")), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn operator_api_refuses_malformed_requests() {
    let server = TestServer::start().await;
    let v = server.visitor().await;
    let (op, chat) = chat_with_operator(&server, &v).await;
    let keyboard = json!([[{"id": "a", "text": "A"}]]);
    let cases = [
        (json!({"kind": "survey", "text": "?"}), 400, "wrong-argument-value"),
        (json!({"kind": "action_request", "text": "Позвонить?"}), 400, "argument-missing"),
        (json!({"kind": "action_request", "text": "Позвонить?", "data": [1]}), 400, "wrong-argument-value"),
        (json!({"kind": "action_request", "text": "Позвонить?", "data": "call"}), 400, "wrong-argument-value"),
        (json!({"kind": "action_request", "text": "", "data": {"action": "call"}}), 422, "message_empty"),
        (
            json!({"kind": "action_request", "text": "?", "data": {"a": "x".repeat(17_000)}}),
            400,
            "wrong-argument-value",
        ),
        (json!({"kind": "action_request", "text": "?", "data": {}, "keyboard": keyboard}), 400, "wrong-argument-value"),
        (json!({"kind": "cont_req", "data": {"a": 1}}), 400, "wrong-argument-value"),
        (json!({"kind": "cont_req", "keyboard": keyboard}), 400, "wrong-argument-value"),
        (json!({"text": "Привет", "data": {"a": 1}}), 400, "wrong-argument-value"),
    ];
    for (i, (body, status, code)) in cases.into_iter().enumerate() {
        let (got, answer) = send(&op, chat, &format!("bad-{i}"), body.clone()).await;
        assert_eq!((got, answer["error"].as_str()), (status, Some(code)), "{body}: {answer}");
    }
    let kinds: Vec<String> =
        visitor_messages(&v).await.iter().filter_map(|m| m["kind"].as_str().map(str::to_owned)).collect();
    assert!(!kinds.iter().any(|k| k == "cont_req" || k == "action_request"), "nothing was written: {kinds:?}");
    // Another operator who does not hold the chat cannot ask.
    let other = server.operator("boris@example.com", "Борис", OperatorRole::Operator).await;
    let (code, body) = send(&other, chat, "theirs", json!({"kind": "cont_req"})).await;
    assert_ne!(code, 200, "{body}");
    server.stop().await;
}

#[tokio::test]
async fn operator_action_request_is_acknowledged_by_the_visitor() {
    let server = TestServer::start().await;
    let v = server.visitor().await;
    let (op, chat) = chat_with_operator(&server, &v).await;
    let mut events = op.events(0).await;
    let since = v.delta(0, true).await["revision"].as_i64().expect("revision");
    let data = json!({"action": "call", "phone": "+78005553535"});
    let (code, sent) =
        send(&op, chat, "ar-1", json!({"kind": "action_request", "text": "Позвонить специалисту?", "data": data}))
            .await;
    assert_eq!(code, 200, "{sent}");
    let id = sent["messageId"].as_str().expect("messageId").to_owned();

    // The visitor's app gets the request with its data.
    let delta = v.delta(since, true).await;
    let request = messages_in(&items(&delta)).into_iter().find(|m| m["kind"] == "action_request").expect("request");
    assert_eq!((request["id"].as_str(), request["text"].as_str()), (Some(id.as_str()), Some("Позвонить специалисту?")));
    assert_eq!(request["data"], data);
    let since = delta["revision"].as_i64().expect("revision");

    // It acknowledges by the message id; the visitor's clients see the updated message.
    v.ok("chat.action_request.call_sentry_action_request", &[("client-side-id", &id)]).await;
    let delta = v.delta(since, true).await;
    let upd = items(&delta)
        .into_iter()
        .find(|i| i["objectType"] == "CHAT_MESSAGE" && i["event"] == "upd")
        .expect("CHAT_MESSAGE upd");
    let acknowledged = upd["data"]["data"]["acknowledgedAt"].as_f64().expect("acknowledgedAt");
    assert_eq!(upd["data"]["data"]["action"], "call", "the data is kept");

    // The operator sees the acknowledgement live and in the chat.
    let e =
        wait_event(&mut events, |e| e["type"] == "message_updated" && e["message"]["kind"] == "action_request").await;
    assert_eq!(e["chatId"], json!(chat));
    assert_eq!(e["message"]["data"]["acknowledgedAt"].as_f64(), Some(acknowledged));
    let (_, view) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    let m = view["messages"].as_array().expect("messages").iter().find(|m| m["id"] == id.as_str()).cloned();
    assert_eq!(m.expect("the request")["data"]["acknowledgedAt"].as_f64(), Some(acknowledged));

    // A repeat changes nothing; a contact request is not an action request.
    v.ok("chat.action_request.call_sentry_action_request", &[("client-side-id", &id)]).await;
    let (code, asked) = send(&op, chat, "ask-1", json!({"kind": "cont_req"})).await;
    assert_eq!(code, 200);
    let other = asked["messageId"].as_str().expect("messageId");
    let (code, body) = v.action("chat.action_request.call_sentry_action_request", &[("client-side-id", other)]).await;
    assert_eq!((code, body["error"].as_str()), (200, Some("message_not_found")), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn administrators_shape_the_contact_form() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@example.com", "Админ", OperatorRole::Admin).await;
    let patch = |body: Value| admin.call(reqwest::Method::PATCH, "/api/admin/v1/settings", Some(body));
    let (code, body) = patch(json!({"contacts_request_phone": "required"})).await;
    assert_eq!((code, body["error"].as_str()), (422, Some("invalid-setting")), "{body}");
    assert!(body["message"].as_str().unwrap_or_default().starts_with("contacts_request_phone"), "{body}");
    let all_hidden = json!({"contacts_request_name": "hidden", "contacts_request_email": "hidden", "contacts_request_phone": "hidden"});
    let (code, body) = patch(all_hidden).await;
    assert_eq!((code, body["error"].as_str()), (422, Some("invalid-setting")), "{body}");
    let (code, body) = patch(json!({"contacts_request_name": "hidden", "contacts_request_phone": "mandatory"})).await;
    assert_eq!(code, 200, "{body}");
    let config = get_json(&server.http, &server.url("/api/visitor/v1/configs/default")).await;
    let form = &config["locationSettings"]["chat"]["visitorFields"]["contactsRequest"];
    let presences: Vec<&str> =
        ["name", "email", "phone"].iter().map(|k| form[k]["presence"].as_str().unwrap_or("")).collect();
    assert_eq!(presences, ["hidden", "optional", "mandatory"]);
    server.stop().await;
}
