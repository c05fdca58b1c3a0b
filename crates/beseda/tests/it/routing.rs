//! Routing over the real interfaces: bots first, manual and automatic assignment, redirects,
//! closing paths, auto-messages and every timeout — driven by a clock the test moves (no
//! sleeping), with the scheduler pass the server runs in the background.

use crate::common;

use beseda_core::ids::OperatorId;
use beseda_core::model::Department;
use beseda_core::state::OperatorRole;
use beseda_core::time::ManualClock;
use common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

async fn server() -> (TestServer, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new());
    let server = TestServer::start_with_clock(clock.clone()).await;
    (server, clock)
}

async fn department(server: &TestServer, key: &str, order: i64) {
    let d = Department { id: 0, key: key.into(), name: key.into(), locale_names: BTreeMap::new(), order, logo: None };
    server.store.upsert_department(&d).await.expect("department");
}

async fn profile(server: &TestServer, op: &Operator, departments: &[&str], languages: &[&str], max: Option<i64>) {
    let deps: Vec<String> = departments.iter().map(|d| d.to_string()).collect();
    let langs: Vec<String> = languages.iter().map(|l| l.to_string()).collect();
    server.store.set_operator_profile(OperatorId(op.id), &deps, &langs, max).await.expect("profile");
}

fn texts_of(chat: &Value, kind: &str) -> Vec<String> {
    chat["messages"]
        .as_array()
        .map(|m| m.iter().filter(|m| m["kind"] == kind).filter_map(|m| m["text"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

async fn chat_state(server: &TestServer, op: &Operator, chat: i64) -> (String, Option<i64>) {
    let (_, detail) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    let _ = server;
    (detail["chat"]["state"].as_str().unwrap_or_default().to_owned(), detail["chat"]["operatorId"].as_i64())
}

/// Makes an operator account a bot's (no webhook: routing only).
async fn make_bot(server: &TestServer, op: &Operator, sort_order: i64) {
    let config = beseda_store::BotConfig {
        operator_id: OperatorId(op.id),
        sort_order,
        api_version: 2,
        webhook_url: String::new(),
        rotate_token: false,
        reply_timeout_secs: 0,
        send_channel: false,
        send_chat_closed: false,
        send_chat_returned_to_bot: false,
    };
    server.store.save_bot(&config).await.expect("bot");
}

async fn waiting(op: &Operator) -> usize {
    op.get("/api/operator/v1/chats?list=waiting").await.1["chats"].as_array().map(Vec::len).unwrap_or(0)
}

async fn close(op: &Operator, chat: i64) -> (u16, Value) {
    op.post(&format!("/api/operator/v1/chats/{chat}/close"), json!({})).await
}

async fn redirect(op: &Operator, chat: i64, body: Value) -> (u16, Value) {
    op.post(&format!("/api/operator/v1/chats/{chat}/redirect"), body).await
}

async fn config(server: &TestServer) -> Value {
    get_json(&server.http, &server.url("/api/visitor/v1/configs/default")).await
}

#[tokio::test]
async fn bots_take_new_chats_first_by_sort_order_and_status() {
    let (server, _clock) = server().await;
    let human = server.operator("human@x.io", "Human", OperatorRole::Operator).await;
    let bot_a = server.operator("bot-a@x.io", "Bot A", OperatorRole::Operator).await;
    let bot_b = server.operator("bot-b@x.io", "Bot B", OperatorRole::Operator).await;
    make_bot(&server, &bot_a, 10).await;
    make_bot(&server, &bot_b, 5).await;
    bot_a.set_status("online").await;
    bot_b.set_status("online").await;
    // An online bot makes the site online even with no human.
    let status: Value = get_json(&server.http, &server.url("/l/v/m/get-online-status?location=default")).await;
    assert_eq!(status["onlineStatus"], "online");

    let v1 = server.visitor().await;
    v1.send("b1", "hello bot").await;
    let chat = chat_of(&v1).await;
    assert_eq!(chat["state"], "chatting_with_robot");
    assert_eq!(chat["operator"]["id"], json!(bot_b.id), "the lower sort order wins");
    assert!(!chat["offline"].as_bool().expect("offline flag"));

    bot_b.set_status("offline").await;
    let v2 = server.visitor().await;
    v2.send("b2", "hello again").await;
    assert_eq!(chat_of(&v2).await["operator"]["id"], json!(bot_a.id), "an offline bot takes nothing");

    // Invisible bots yield to online humans and do not count for the online status.
    bot_a.set_status("invisible").await;
    let status: Value = get_json(&server.http, &server.url("/l/v/m/get-online-status?location=default")).await;
    assert_eq!(status["onlineStatus"], "offline");
    let v3 = server.visitor().await;
    v3.send("b3", "nobody human online").await;
    assert_eq!(chat_of(&v3).await["operator"]["id"], json!(bot_a.id), "invisible bot takes it when no human is online");
    human.set_status("online").await;
    let v4 = server.visitor().await;
    v4.send("b4", "a human is online").await;
    let c4 = chat_of(&v4).await;
    assert_eq!(c4["state"], "queue");
    assert!(c4["operator"].is_null());

    // A human takes over a bot's chat; the bot's chats are listed for humans.
    let (_, bots) = human.get("/api/operator/v1/chats?list=bots").await;
    assert_eq!(bots["chats"].as_array().expect("list").len(), 3);
    let v1_chat = chat["id"].as_i64().expect("id");
    let (code, _) = human.post(&format!("/api/operator/v1/chats/{v1_chat}/take"), json!({})).await;
    assert_eq!(code, 200);
    assert_eq!(chat_of(&v1).await["state"], "chatting");
    server.stop().await;
}

#[tokio::test]
async fn manual_mode_lists_follow_departments_languages_and_hiding() {
    let (server, _clock) = server().await;
    department(&server, "sales", 1).await;
    department(&server, "support", 2).await;
    let sales = server.operator("s@x.io", "Sales", OperatorRole::Operator).await;
    let support = server.operator("p@x.io", "Support", OperatorRole::Operator).await;
    let admin = server.operator("a@x.io", "Admin", OperatorRole::Admin).await;
    profile(&server, &sales, &["sales"], &["ru"], None).await;
    profile(&server, &support, &["support"], &["en"], None).await;
    for op in [&sales, &support, &admin] {
        op.set_status("online").await;
    }
    let v = server.visitor().await;
    v.ok("chat.start", &[("department-key", "sales"), ("first-question", "цена?")]).await;
    assert_eq!(waiting(&sales).await, 1);
    assert_eq!(waiting(&support).await, 0, "another department's chat is not offered");
    // Multilingual: the chat is Russian (the organisation's language); only Russian speakers see it.
    server.settings(|s| s.multilang = true).await;
    profile(&server, &sales, &["sales"], &["en"], None).await;
    assert_eq!(waiting(&sales).await, 0);
    profile(&server, &sales, &["sales"], &["ru", "en"], None).await;
    assert_eq!(waiting(&sales).await, 1);

    // The first to answer owns it; others see it under "others" unless hidden.
    let chat = v.chat_id().await;
    sales.reply(chat, "s1", "Здравствуйте").await;
    let (code, others) = support.get("/api/operator/v1/chats?list=others").await;
    assert_eq!(code, 200);
    assert_eq!(others["chats"].as_array().expect("list").len(), 0, "languages filter the others list too");
    server.settings(|s| s.multilang = false).await;
    let (_, others) = support.get("/api/operator/v1/chats?list=others").await;
    assert_eq!(others["chats"].as_array().expect("list").len(), 1);
    server.settings(|s| s.hide_others_chats = true).await;
    let (code, body) = support.get("/api/operator/v1/chats?list=others").await;
    assert_eq!((code, body["error"].as_str()), (403, Some("hidden-by-settings")));
    let (code, body) = admin.get("/api/operator/v1/chats?list=others").await;
    assert_eq!((code, body["chats"].as_array().map(Vec::len)), (200, Some(1)), "admins see all");
    let (_, mine) = sales.get("/api/operator/v1/chats?list=mine").await;
    assert_eq!(mine["chats"][0]["id"], json!(chat));
    server.stop().await;
}

#[tokio::test]
async fn auto_assignment_respects_capacity_and_serves_the_general_queue() {
    let (server, _clock) = server().await;
    server
        .settings(|s| {
            s.auto_assignment = true;
            s.max_chats_per_operator = 1;
        })
        .await;
    let a = server.operator("a@x.io", "A", OperatorRole::Operator).await;
    let b = server.operator("b@x.io", "B", OperatorRole::Operator).await;
    profile(&server, &b, &[], &["ru"], Some(2)).await;
    a.set_status("online").await;
    b.set_status("online").await;
    let mut visitors = Vec::new();
    for i in 0..4 {
        let v = server.visitor().await;
        v.send(&format!("q{i}"), "нужна помощь").await;
        visitors.push(v);
    }
    let owners: Vec<Option<i64>> = {
        let mut o = Vec::new();
        for v in &visitors {
            o.push(chat_of(v).await["operator"]["id"].as_i64());
        }
        o
    };
    let count = |id: i64| owners.iter().filter(|o| **o == Some(id)).count();
    assert_eq!(count(a.id), 1, "A's limit is the organisation's 1: {owners:?}");
    assert_eq!(count(b.id), 2, "B's own limit is 2: {owners:?}");
    assert_eq!(owners[3], None, "the fourth waits in the general queue");
    let waiting_chat = chat_of(&visitors[3]).await;
    assert!(texts_of(&waiting_chat, "info").iter().any(|t| t.contains("очереди")), "the visitor is told they wait");
    // Least loaded first: the first chat went to A (0 of 1) or B (0 of 2) by last assignment.
    // A frees a place: the waiting chat goes to A at the next pass.
    let a_chat = visitors[owners.iter().position(|o| *o == Some(a.id)).expect("A's chat")].chat_id().await;
    server.settings(|s| s.category_required = false).await;
    let (code, _) = a.post(&format!("/api/operator/v1/chats/{a_chat}/close"), json!({})).await;
    assert_eq!(code, 200);
    assert_eq!(assigned_after_a_pass(&server, &visitors[3]).await, json!(a.id));
    // Operators may still take chats beyond the limit by hand.
    let v5 = server.visitor().await;
    v5.send("q5", "ещё вопрос").await;
    let c5 = v5.chat_id().await;
    assert!(chat_of(&v5).await["operator"].is_null());
    let (code, _) = a.post(&format!("/api/operator/v1/chats/{c5}/take"), json!({})).await;
    assert_eq!(code, 200);
    server.stop().await;
}

#[tokio::test]
async fn busy_messages_after_first_answer_and_response_timeouts() {
    let (server, clock) = server().await;
    server
        .settings(|s| {
            s.first_answer_timeout_secs = 60;
            s.operator_response_timeout_secs = 120;
            s.busy_message = "Все заняты".into();
            s.greeting_message = "Добро пожаловать!".into();
        })
        .await;
    let op = server.operator("o@x.io", "O", OperatorRole::Operator).await;
    op.set_status("online").await;
    let v = server.visitor().await;
    v.send("m1", "есть кто?").await;
    assert_eq!(texts_of(&chat_of(&v).await, "info"), ["Добро пожаловать!"], "greeting at chat start");
    clock.advance(Duration::from_secs(59));
    server.tick().await;
    assert!(texts_of(&chat_of(&v).await, "operator_busy").is_empty(), "not before the timeout");
    clock.advance(Duration::from_secs(2));
    server.tick().await;
    assert_eq!(texts_of(&chat_of(&v).await, "operator_busy"), ["Все заняты"]);
    // The admin was notified once (through the outbox).
    let notices = server.store.outbox("mail.long_wait", "first_answer").await.expect("outbox");
    assert_eq!(notices.len(), 1);

    let chat = v.chat_id().await;
    op.reply(chat, "r1", "Здравствуйте").await;
    v.send("m2", "а дальше?").await;
    clock.advance(Duration::from_secs(121));
    server.tick().await;
    v.send("m3", "алло?").await;
    clock.advance(Duration::from_secs(121));
    server.tick().await;
    let busy = texts_of(&chat_of(&v).await, "operator_busy");
    assert_eq!(busy.len(), 2, "one for the first answer, one — only once — for the response: {busy:?}");
    // Within 30 minutes no second admin notice.
    assert!(server.store.outbox("mail.long_wait", "operator_response").await.expect("outbox").is_empty());
    let counts = server.store.outcome_counts().await.expect("counts");
    assert_eq!(counts.busy_messages, 2);
    // An answer in time cancels the pending busy message.
    let v2 = server.visitor().await;
    v2.send("n1", "hi").await;
    op.reply(v2.chat_id().await, "n-r1", "hello").await;
    clock.advance(Duration::from_secs(3600));
    server.tick().await;
    assert!(texts_of(&chat_of(&v2).await, "operator_busy").is_empty());
    server.stop().await;
}

#[tokio::test]
async fn closing_paths_and_timeouts() {
    let (server, clock) = server().await;
    let op = server.operator("c@x.io", "C", OperatorRole::Operator).await;
    op.set_status("online").await;

    // Both sides close: final.
    let v = server.visitor().await;
    v.send("a", "1").await;
    let c = v.chat_id().await;
    op.reply(c, "ar", "ok").await;
    close(&op, c).await;
    assert_eq!(chat_state(&server, &op, c).await.0, "closed_by_operator");
    v.ok("chat.close", &[]).await;
    assert_eq!(chat_state(&server, &op, c).await.0, "closed");

    // Closed by the operator, then the closed-by-operator timeout closes it finally.
    server.settings(|s| s.closed_by_operator_timeout_secs = 600).await;
    let v = server.visitor().await;
    v.send("b", "2").await;
    let c = v.chat_id().await;
    op.reply(c, "br", "ok").await;
    // Read: a close by timeout waits for an unread answer (closing.rs tests that).
    v.ok("chat.read_by_visitor", &[]).await;
    close(&op, c).await;
    clock.advance(Duration::from_secs(601));
    server.tick().await;
    assert_eq!(chat_state(&server, &op, c).await.0, "closed");
    let d = v.delta(0, true).await;
    assert_eq!(d["fullUpdate"]["state"], "idle-after-chat");

    // Inactivity auto-close.
    server.settings(|s| s.auto_close_timeout_secs = 900).await;
    let v = server.visitor().await;
    v.send("c", "3").await;
    let c = v.chat_id().await;
    op.reply(c, "cr", "ok").await;
    v.ok("chat.read_by_visitor", &[]).await;
    clock.advance(Duration::from_secs(899));
    server.tick().await;
    assert_eq!(chat_state(&server, &op, c).await.0, "chatting");
    v.send("c2", "still here").await;
    clock.advance(Duration::from_secs(899));
    server.tick().await;
    assert_eq!(chat_state(&server, &op, c).await.0, "chatting", "activity moves the deadline");
    clock.advance(Duration::from_secs(2));
    server.tick().await;
    assert_eq!(chat_state(&server, &op, c).await.0, "closed");

    // "Operator closes chat finally" and the mandatory category.
    server
        .settings(|s| {
            s.operator_closes_finally = true;
            s.category_required = true;
            s.categories = vec!["Доставка".into(), " Курьер".into(), "Оплата".into()];
        })
        .await;
    let v = server.visitor().await;
    v.send("d", "4").await;
    let c = v.chat_id().await;
    op.reply(c, "dr", "ok").await;
    let (code, body) = close(&op, c).await;
    assert_eq!((code, body["error"].as_str()), (422, Some("category-required")));
    let (code, body) = op
        .post(&format!("/api/operator/v1/chats/{c}/category"), json!({"category": "Оплата", "subcategory": "Курьер"}))
        .await;
    assert_eq!((code, body["error"].as_str()), (422, Some("wrong-category")));
    let (code, _) = op
        .post(&format!("/api/operator/v1/chats/{c}/category"), json!({"category": "Доставка", "subcategory": "Курьер"}))
        .await;
    assert_eq!(code, 200);
    let (code, _) = close(&op, c).await;
    assert_eq!(code, 200);
    assert_eq!(chat_state(&server, &op, c).await.0, "closed", "final at once");
    server.stop().await;
}

#[tokio::test]
async fn unanswered_visitors_are_refusals_or_missed() {
    let (server, clock) = server().await;
    server
        .settings(|s| {
            s.refusal_timeout_secs = 30;
            s.first_answer_timeout_secs = 0;
        })
        .await;
    let quick = server.visitor().await;
    quick.send("q", "?").await;
    clock.advance(Duration::from_secs(10));
    quick.ok("chat.close", &[]).await;
    let patient = server.visitor().await;
    patient.send("p", "?").await;
    clock.advance(Duration::from_secs(45));
    patient.ok("chat.close", &[]).await;
    let counts = server.store.outcome_counts().await.expect("counts");
    assert_eq!((counts.refusals, counts.missed), (1, 1));
    assert_eq!(chat_of(&quick).await["state"], "closed_by_visitor", "a visitor close is not final");
    server.stop().await;
}

#[tokio::test]
async fn reassignment_when_the_operator_stays_silent() {
    let (server, clock) = server().await;
    server
        .settings(|s| {
            s.auto_assignment = true;
            s.reassign_timeout_secs = 60;
        })
        .await;
    let a = server.operator("a@x.io", "A", OperatorRole::Operator).await;
    a.set_status("online").await;
    let v = server.visitor().await;
    v.send("r", "hello").await;
    assert_eq!(chat_of(&v).await["operator"]["id"], json!(a.id));
    let b = server.operator("b@x.io", "B", OperatorRole::Operator).await;
    b.set_status("online").await;
    clock.advance(Duration::from_secs(61));
    server.tick().await;
    assert_eq!(chat_of(&v).await["operator"]["id"], json!(b.id), "silent A loses the chat to B");
    // B answers in time: no further reassignment.
    b.reply(v.chat_id().await, "br", "here").await;
    clock.advance(Duration::from_secs(600));
    server.tick().await;
    assert_eq!(chat_of(&v).await["operator"]["id"], json!(b.id));
    server.stop().await;
}

#[tokio::test]
async fn redirects_to_operators_departments_the_queue_and_bots() {
    let (server, _clock) = server().await;
    department(&server, "sales", 1).await;
    department(&server, "legal", 2).await;
    let a = server.operator("a@x.io", "Анна", OperatorRole::Operator).await;
    let b = server.operator("b@x.io", "Борис", OperatorRole::Operator).await;
    let bot = server.operator("bot@x.io", "Робот", OperatorRole::Operator).await;
    make_bot(&server, &bot, 1).await;
    profile(&server, &a, &["sales"], &["ru"], None).await;
    profile(&server, &b, &["sales"], &["ru", "en"], None).await;
    a.set_status("online").await;
    b.set_status("online").await;
    let v = server.visitor().await;
    v.send("x", "вопрос").await;
    let c = v.chat_id().await;
    a.reply(c, "ar", "минуту").await;

    // To an operator: the visitor is told who. (A new language needs multilanguage on.)
    server.settings(|s| s.multilang = true).await;
    let (code, _) = redirect(&a, c, json!({"operatorId": b.id, "language": "en"})).await;
    assert_eq!(code, 200);
    server.settings(|s| s.multilang = false).await;
    let chat = chat_of(&v).await;
    assert_eq!(chat["operator"]["id"], json!(b.id));
    assert!(texts_of(&chat, "info").iter().any(|t| t.contains("Борис")));
    // Someone else's chat cannot be redirected by an operator.
    let (code, _) = redirect(&a, c, json!({"queue": true})).await;
    assert_eq!(code, 409);
    // To a department with nobody online: refused unless allowed.
    let (code, body) = redirect(&b, c, json!({"departmentKey": "legal"})).await;
    assert_eq!((code, body["error"].as_str()), (409, Some("department-offline")));
    let (code, _) = redirect(&b, c, json!({"departmentKey": "legal", "allowOffline": true})).await;
    assert_eq!(code, 200);
    let chat = chat_of(&v).await;
    assert_eq!(chat["state"], "queue");
    assert!(chat["operator"].is_null());
    // Waiting in legal, the chat is no longer the sales operators' to read or take.
    let (code, body) = a.get(&format!("/api/operator/v1/chats/{c}")).await;
    assert_eq!((code, body["error"].as_str()), (403, Some("chat-not-served")));
    profile(&server, &a, &["sales", "legal"], &["ru"], None).await;
    let (_, detail) = a.get(&format!("/api/operator/v1/chats/{c}")).await;
    assert_eq!(detail["chat"]["departmentKey"], "legal");
    // Taken again, then back to the queue.
    a.post(&format!("/api/operator/v1/chats/{c}/take"), json!({})).await;
    let (code, _) = redirect(&a, c, json!({"queue": true})).await;
    assert_eq!(code, 200);
    assert_eq!(chat_of(&v).await["state"], "queue");
    // To the bot's operator: the chat returns to the bot.
    a.post(&format!("/api/operator/v1/chats/{c}/take"), json!({})).await;
    let (code, _) = redirect(&a, c, json!({"operatorId": bot.id})).await;
    assert_eq!(code, 200);
    let chat = chat_of(&v).await;
    assert_eq!((chat["state"].as_str(), chat["operator"]["id"].as_i64()), (Some("chatting_with_robot"), Some(bot.id)));
    // Bad targets.
    let (code, _) = redirect(&a, c, json!({"operatorId": 1, "queue": true})).await;
    assert_eq!(code, 400);
    let (code, body) = redirect(&a, c, json!({"departmentKey": "nope"})).await;
    assert_eq!((code, body["error"].as_str()), (400, Some("wrong-argument-value")));
    // Every assignment left a domain event for integrations.
    let events = server.store.outbox("event.chat_assigned", &c.to_string()).await.expect("outbox");
    assert!(events.len() >= 4, "{events:?}");
    server.stop().await;
}

#[tokio::test]
async fn admin_api_changes_routing_settings_with_validation_and_roles() {
    let (server, _clock) = server().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let op = server.operator("op@x.io", "Op", OperatorRole::Operator).await;
    let (code, body) = op.get("/api/admin/v1/settings").await;
    assert_eq!((code, body["error"].as_str()), (403, Some("forbidden")));
    let (code, body) = admin.get("/api/admin/v1/settings").await;
    assert_eq!(code, 200);
    let mut settings = body["settings"].clone();
    settings["button_probability"] = json!(150);
    let (code, body) = admin.call(reqwest::Method::PUT, "/api/admin/v1/settings", Some(settings.clone())).await;
    assert_eq!((code, body["error"].as_str()), (422, Some("invalid-setting")));
    settings["button_probability"] = json!(70);
    settings["auto_assignment"] = json!(true);
    let (code, _) = admin.call(reqwest::Method::PUT, "/api/admin/v1/settings", Some(settings)).await;
    assert_eq!(code, 200);
    assert!(server.store.settings().await.expect("settings").auto_assignment);
    assert_eq!(config(&server).await["accountConfig"]["visitor_enabling_probability"], json!(70));
    // Departments, profiles and bots through the API.
    let (code, _) = admin
        .call(reqwest::Method::PUT, "/api/admin/v1/departments/sales", Some(json!({"name": "Продажи", "order": 1})))
        .await;
    assert_eq!(code, 200);
    let (code, _) =
        admin.call(reqwest::Method::PUT, "/api/admin/v1/departments/Bad Key", Some(json!({"name": "x"}))).await;
    assert_eq!(code, 400);
    let (code, body) = admin
        .call(
            reqwest::Method::PUT,
            &format!("/api/admin/v1/operators/{}/profile", op.id),
            Some(json!({"departmentKeys": ["sales"], "languages": ["ru"], "maxChats": 3})),
        )
        .await;
    assert_eq!((code, body["operator"]["departmentKeys"].clone()), (200, json!(["sales"])));
    let (code, _) = admin
        .call(reqwest::Method::PUT, "/api/admin/v1/bots", Some(json!({"operatorId": op.id, "sortOrder": 5})))
        .await;
    assert_eq!(code, 200);
    let (code, _) = op.call(reqwest::Method::PUT, "/api/admin/v1/bots", Some(json!({"operatorId": op.id}))).await;
    assert_eq!(code, 403);
    let (code, counts) = admin.get("/api/admin/v1/stats/outcomes").await;
    assert_eq!((code, counts["missed"].as_i64()), (200, Some(0)));
    server.stop().await;
}

#[tokio::test]
async fn priority_pages_move_chats_ahead_and_highlight_them() {
    let (server, _clock) = server().await;
    server
        .settings(|s| {
            s.priority_pages = vec!["https://shop.example.com/checkout".into()];
            s.max_chats_per_operator = 1;
        })
        .await;
    let op = server.operator("p@x.io", "P", OperatorRole::Operator).await;
    op.set_status("online").await;
    let ordinary = server.visitor().await;
    ordinary.send("o", "просто вопрос").await;
    let vip = server.visitor().await;
    vip.ok("page_visit", &[("url", "https://shop.example.com/checkout/?step=2")]).await;
    vip.send("v", "не могу оплатить").await;
    let (_, waiting) = op.get("/api/operator/v1/chats?list=waiting").await;
    let list = waiting["chats"].as_array().expect("list");
    assert_eq!(list[0]["id"], json!(vip.chat_id().await), "the priority chat is listed first");
    assert_eq!(list[0]["priority"], json!(true));
    assert_eq!(list[1]["priority"], json!(false));
    // Auto-assignment serves it first even though it is younger.
    server.settings(|s| s.auto_assignment = true).await;
    server.tick().await;
    assert_eq!(chat_of(&vip).await["operator"]["id"], json!(op.id));
    assert!(chat_of(&ordinary).await["operator"].is_null());
    // Leaving the page removes the highlight of a waiting chat.
    ordinary.ok("page_visit", &[("url", "https://shop.example.com/checkout")]).await;
    let (_, waiting) = op.get("/api/operator/v1/chats?list=waiting").await;
    assert_eq!(waiting["chats"][0]["priority"], json!(true));
    ordinary.ok("page_visit", &[("url", "https://shop.example.com/catalog")]).await;
    let (_, waiting) = op.get("/api/operator/v1/chats?list=waiting").await;
    assert_eq!(waiting["chats"][0]["priority"], json!(false));
    let (status, body) = ordinary.action("page_visit", &[]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("argument-missing")));
    server.stop().await;
}
