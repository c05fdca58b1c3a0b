//! Department sort order («Порядок сортировки») decides where a chat without a department goes,
//! following Metabot24's integration guide (seed 001) step by step through the admin API, the
//! visitor API, the bot API and the operator API.

use crate::common;

use beseda_core::state::OperatorRole;
use common::mock_http::MockHttp;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

/// The guide's setup: department «Бот» (the bot's, first by sort order) and «Операторы»
/// (`operatory`), the administrator and a second operator in «Операторы», a bot operator in
/// «Бот» registered as a bot (sort order 100, API 2) whose external API is `hook`.
struct Recipe {
    admin: Operator,
    anna: Operator,
    bot_op: Operator,
    token: String,
}

async fn department(admin: &Operator, key: &str, name: &str, order: i64) {
    let path = format!("/api/admin/v1/departments/{key}");
    let (code, body) = admin.call(Method::PUT, &path, Some(json!({"name": name, "order": order}))).await;
    assert_eq!(code, 200, "{body}");
}

async fn member(admin: &Operator, op: &Operator, department: &str) {
    let path = format!("/api/admin/v1/operators/{}/profile", op.id);
    let body = json!({"departmentKeys": [department], "languages": ["ru"], "maxChats": null});
    let (code, saved) = admin.call(Method::PUT, &path, Some(body)).await;
    assert_eq!((code, saved["operator"]["departmentKeys"].clone()), (200, json!([department])));
}

async fn recipe(server: &TestServer, hook: &MockHttp, bot_order: i64, people_order: i64) -> Recipe {
    let admin = server.operator("admin@x.io", "Администратор", OperatorRole::Admin).await;
    // «Операторы» first, and its key sorts first too: only the sort order puts «Бот» ahead.
    department(&admin, "operatory", "Операторы", people_order).await;
    department(&admin, "support_bot", "Бот", bot_order).await;
    let bot_op = server.operator("bot@x.io", "Бот", OperatorRole::Operator).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    member(&admin, &admin, "operatory").await;
    member(&admin, &bot_op, "support_bot").await;
    member(&admin, &anna, "operatory").await;
    let bot = json!({"operatorId": bot_op.id, "sortOrder": 100, "apiVersion": 2, "webhookUrl": hook.url("/metabot")});
    let (code, body) = admin.call(Method::PUT, "/api/admin/v1/bots", Some(bot)).await;
    assert_eq!(code, 200, "{body}");
    let token = body["token"].as_str().expect("token").to_owned();
    Recipe { admin, anna, bot_op, token }
}

async fn bot_hook() -> MockHttp {
    let hook = MockHttp::start().await;
    hook.answer("/metabot", 200, r#"{"result": "ok"}"#);
    hook
}

async fn bot_call(server: &TestServer, token: &str, method: &str, body: Value) -> (u16, Value) {
    let resp = server
        .http
        .post(server.url(&format!("/api/bot/v2/{method}")))
        .header("authorization", format!("Token {token}"))
        .json(&body)
        .send()
        .await
        .expect("bot call");
    (resp.status().as_u16(), resp.json().await.expect("json"))
}

/// `new_chat` events the bot received, by chat id.
fn new_chats(hook: &MockHttp) -> Vec<i64> {
    hook.requests()
        .iter()
        .map(|r| r.json())
        .filter(|b| b["event"] == "new_chat")
        .filter_map(|b| b["chat"]["id"].as_i64())
        .collect()
}

/// The chat as the operator API shows it.
async fn operator_view(op: &Operator, chat: i64) -> Value {
    let (code, detail) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!(code, 200, "{detail}");
    detail["chat"].clone()
}

#[tokio::test]
async fn metabot24_recipe_starts_every_undepartmented_chat_with_the_bot_and_hands_it_to_operators() {
    let server = TestServer::start().await;
    let hook = bot_hook().await;
    let r = recipe(&server, &hook, 1, 2).await;
    let (code, _) = r.admin.call(Method::PATCH, "/api/admin/v1/settings", Some(json!({"auto_assignment": true}))).await;
    assert_eq!(code, 200);
    r.bot_op.set_status("online").await;
    r.anna.set_status("online").await;
    // The site's placement names no department.
    let (code, placement) = r.admin.get("/api/admin/v1/placements/default").await;
    assert_eq!(code, 200, "{placement}");
    assert_eq!(
        (&placement["departmentKeys"], &placement["defaultDepartment"]),
        (&json!([]), &Value::Null),
        "{placement}"
    );

    let v = server.visitor().await;
    v.send("m1", "Здравствуйте!").await;
    let events = hook.wait_until(10, |r| r.iter().any(|r| r.json()["event"] == "new_chat")).await;
    let event = events.iter().map(|r| r.json()).find(|b| b["event"] == "new_chat").expect("new_chat");
    let chat_id = event["chat"]["id"].as_i64().expect("chat id");
    assert_eq!(event["messages"][0]["text"], "Здравствуйте!");
    let chat = chat_of(&v).await;
    assert_eq!(
        (chat["state"].as_str(), chat["operator"]["id"].as_i64()),
        (Some("chatting_with_robot"), Some(r.bot_op.id))
    );
    assert_eq!(
        operator_view(&r.admin, chat_id).await["departmentKey"],
        "support_bot",
        "the first department by sort order"
    );

    // The bot answers, then hands the chat to «Операторы» (the guide's «Код отдела для перевода»).
    let answer = json!({"chat_id": chat_id, "message": {"kind": "operator", "text": "Соединяю с оператором"}});
    let (code, body) = bot_call(&server, &r.token, "send_message", answer).await;
    assert_eq!(code, 200, "{body}");
    let (code, body) =
        bot_call(&server, &r.token, "redirect_chat", json!({"chat_id": chat_id, "dep_key": "operatory"})).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(assigned_after_a_pass(&server, &v).await, json!(r.anna.id), "an operator of «Операторы» gets it");
    let seen = operator_view(&r.anna, chat_id).await;
    assert_eq!((seen["state"].as_str(), seen["departmentKey"].as_str()), (Some("chatting"), Some("operatory")));
    let (code, _) = r.anna.reply(chat_id, "a1", "Здравствуйте, меня зовут Анна").await;
    assert_eq!(code, 200);
    let texts: Vec<String> = chat_of(&v).await["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["text"].as_str().map(str::to_owned))
        .collect();
    assert!(
        texts.contains(&"Соединяю с оператором".to_owned())
            && texts.contains(&"Здравствуйте, меня зовут Анна".to_owned()),
        "{texts:?}"
    );
    assert_eq!(new_chats(&hook), vec![chat_id], "the bot heard of this chat once");
    server.stop().await;
}

#[tokio::test]
async fn the_first_department_by_sort_order_that_can_take_it_gets_an_undepartmented_chat() {
    let server = TestServer::start().await;
    let hook = bot_hook().await;
    let r = recipe(&server, &hook, 1, 2).await;
    r.anna.set_status("online").await;

    // The bot is off: «Бот» cannot take it, the next department by sort order does.
    let v1 = server.visitor().await;
    v1.send("m1", "бот спит").await;
    let c1 = v1.chat_id().await;
    let seen = operator_view(&r.anna, c1).await;
    assert_eq!((seen["state"].as_str(), seen["departmentKey"].as_str()), (Some("queue"), Some("operatory")));
    let (_, waiting) = r.anna.get("/api/operator/v1/chats?list=waiting").await;
    assert!(waiting["chats"].as_array().expect("list").iter().any(|c| c["id"] == json!(c1)), "{waiting}");

    // «Операторы» moved ahead of «Бот»: people first while someone there is online.
    department(&r.admin, "operatory", "Операторы", 1).await;
    department(&r.admin, "support_bot", "Бот", 50).await;
    r.bot_op.set_status("online").await;
    let v2 = server.visitor().await;
    v2.send("m2", "люди первыми").await;
    let c2 = v2.chat_id().await;
    let chat = chat_of(&v2).await;
    assert_eq!((chat["state"].as_str(), chat["operator"].is_null()), (Some("queue"), true), "no bot: {chat}");
    assert_eq!(operator_view(&r.anna, c2).await["departmentKey"], "operatory");
    // A visitor who names a department keeps it, whatever the order.
    let v4 = server.visitor().await;
    v4.ok("chat.start", &[("department-key", "support_bot"), ("first-question", "мне к боту")]).await;
    let c4 = v4.chat_id().await;
    assert_eq!(chat_of(&v4).await["operator"]["id"], json!(r.bot_op.id));
    assert_eq!(operator_view(&r.admin, c4).await["departmentKey"], "support_bot");

    // Nobody of «Операторы» online: «Бот» is the first that can take it.
    r.anna.set_status("offline").await;
    let v3 = server.visitor().await;
    v3.send("m3", "вечером").await;
    let c3 = v3.chat_id().await;
    assert_eq!(chat_of(&v3).await["operator"]["id"], json!(r.bot_op.id));
    assert_eq!(operator_view(&r.admin, c3).await["departmentKey"], "support_bot");
    hook.wait_until(10, |_| new_chats(&hook).contains(&c3) && new_chats(&hook).contains(&c4)).await;
    let mut heard = new_chats(&hook);
    heard.sort_unstable();
    assert_eq!(heard, vec![c4, c3], "the bot got the chat named for it and the one its department was first for");

    server.stop().await;
}
