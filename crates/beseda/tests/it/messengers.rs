//! Telegram and VK channels against local stand-ins for their APIs: connecting, updates in,
//! operator and bot messages out (keyboards as the messenger's buttons), files both ways, and
//! requests with a wrong secret refused.

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_server::ServerConfig;
use common::mock_http::{MockHttp, Recorded};
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";
const OK_TRUE: &str = r#"{"ok":true,"result":true}"#;

async fn server_with(tg: &MockHttp, vk: &MockHttp) -> TestServer {
    let config = ServerConfig {
        longpoll_hold: Duration::from_secs(5),
        api_urls: beseda_server::ApiUrls { telegram: tg.url(""), vk: vk.url(""), ..Default::default() },
        // The stand-ins serve files from 127.0.0.1.
        bot_files_allow_private_addresses: true,
        channel_retry_delays: vec![Duration::from_millis(50)],
        ..ServerConfig::default()
    };
    TestServer::start_with(config).await
}

async fn telegram_api() -> MockHttp {
    let tg = MockHttp::start().await;
    let m = |method: &str| format!("/bot{TOKEN}/{method}");
    tg.answer(
        &m("getMe"),
        200,
        r#"{"ok":true,"result":{"id":123456789,"is_bot":true,"first_name":"Сила","username":"sila_bot"}}"#,
    );
    tg.answer(&m("setWebhook"), 200, OK_TRUE);
    tg.answer(&m("sendMessage"), 200, r#"{"ok":true,"result":{"message_id":100}}"#);
    tg.answer(&m("sendDocument"), 200, r#"{"ok":true,"result":{"message_id":101}}"#);
    tg.answer(&m("answerCallbackQuery"), 200, OK_TRUE);
    tg.answer(&m("getFile"), 200, r#"{"ok":true,"result":{"file_id":"F1","file_path":"documents/file_7.pdf"}}"#);
    tg.answer(&format!("/file/bot{TOKEN}/documents/file_7.pdf"), 200, "%PDF-1.4 счёт");
    tg
}

/// Connects a Telegram channel through the admin API; returns (key, secret).
async fn connect_telegram(admin: &Operator, tg: &MockHttp) -> (String, String) {
    let (code, body) = admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/channels",
            Some(json!({"title": "Telegram", "kind": "telegram", "config": {"botToken": TOKEN}})),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let key = body["key"].as_str().expect("key").to_owned();
    let secret = body["secret"].as_str().expect("secret").to_owned();
    assert_eq!(body["botUsername"], "sila_bot");
    let set = tg.requests().into_iter().rev().find(|r| r.path().ends_with("/setWebhook")).expect("setWebhook");
    assert_eq!(set.method, "POST");
    assert_eq!(set.header("content-type"), Some("application/json"));
    assert_eq!(
        set.json(),
        json!({"url": body["webhookUrl"], "secret_token": secret, "allowed_updates": ["message", "callback_query"]})
    );
    assert!(body["webhookUrl"].as_str().expect("url").ends_with(&format!("/api/telegram/{key}/webhook")));
    (key, secret)
}

async fn update(server: &TestServer, key: &str, secret: &str, body: Value) -> u16 {
    let resp = server
        .http
        .post(server.url(&format!("/api/telegram/{key}/webhook")))
        .header("x-telegram-bot-api-secret-token", secret)
        .json(&body)
        .send()
        .await
        .expect("update");
    resp.status().as_u16()
}

fn from() -> Value {
    json!({"id": 555, "is_bot": false, "first_name": "Иван", "last_name": "Петров", "username": "ivanp"})
}

fn text_update(id: i64, text: &str) -> Value {
    json!({"update_id": 1000 + id, "message": {"message_id": id, "from": from(), "chat": {"id": 555, "type": "private"}, "date": 1_700_000_000, "text": text}})
}

fn sent(tg: &MockHttp, method: &str) -> Vec<Value> {
    tg.requests().iter().filter(|r| r.path() == format!("/bot{TOKEN}/{method}")).map(Recorded::json).collect()
}

#[tokio::test]
async fn a_telegram_conversation_goes_both_ways() {
    let (tg, vk) = (telegram_api().await, MockHttp::start().await);
    let server = server_with(&tg, &vk).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;

    // A malformed token, and one Telegram refuses: nothing is saved.
    let put = |token: &str| json!({"title": "Telegram", "kind": "telegram", "config": {"botToken": token}});
    let (code, body) = admin.call(reqwest::Method::PUT, "/api/admin/v1/channels", Some(put("nope"))).await;
    assert_eq!((code, body["error"].as_str()), (422, Some("invalid-setting")), "{body}");
    tg.answer(
        "/bot987:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_/getMe",
        401,
        r#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#,
    );
    let (code, body) = admin
        .call(reqwest::Method::PUT, "/api/admin/v1/channels", Some(put("987:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_")))
        .await;
    assert_eq!((code, body["error"].as_str()), (422, Some("telegram-token-rejected")), "{body}");
    assert!(server.store.channels().await.expect("channels").is_empty());

    let (key, secret) = connect_telegram(&admin, &tg).await;
    // A wrong secret token is refused and writes nothing.
    assert_eq!(update(&server, &key, "wrong", text_update(1, "Здравствуйте")).await, 401);
    assert_eq!(update(&server, "0000000000000000", &secret, text_update(1, "Здравствуйте")).await, 404);
    let (_, waiting) = anna.get("/api/operator/v1/chats?list=waiting").await;
    assert_eq!(waiting["chats"].as_array().map(Vec::len), Some(0));

    // /start opens the chat; text becomes the visitor's message (a repeat from Telegram is ignored).
    assert_eq!(update(&server, &key, &secret, text_update(1, "/start")).await, 200);
    assert_eq!(update(&server, &key, &secret, text_update(2, "Здравствуйте, где мой заказ?")).await, 200);
    assert_eq!(update(&server, &key, &secret, text_update(2, "Здравствуйте, где мой заказ?")).await, 200);
    let (_, waiting) = anna.get("/api/operator/v1/chats?list=waiting").await;
    let chat = waiting["chats"][0]["id"].as_i64().expect("a waiting chat");
    let (_, detail) = anna.get(&format!("/api/operator/v1/chats/{chat}")).await;
    let visitor_texts: Vec<&str> = detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["kind"] == "visitor")
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(visitor_texts, ["Здравствуйте, где мой заказ?"]);
    assert_eq!(detail["visitor"]["fields"]["name"], "Иван Петров");
    assert_eq!(detail["visitor"]["fields"]["telegram"], "@ivanp");

    // The operator's answer is sent with sendMessage to the same Telegram chat.
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    assert_eq!(anna.reply(chat, "a1", "Заказ в пути, будет завтра.").await.0, 200);
    tg.wait_until(10, |r| r.iter().any(|x| x.body.contains("Заказ в пути"))).await;
    let messages = sent(&tg, "sendMessage");
    assert!(messages.contains(&json!({"chat_id": 555, "text": "Заказ в пути, будет завтра."})), "{messages:?}");
    let r = tg.requests().into_iter().find(|r| r.body.contains("Заказ в пути")).expect("call");
    assert_eq!((r.method.as_str(), r.header("content-type")), ("POST", Some("application/json")));

    // A document from the user: fetched through getFile and stored with the chat.
    let doc = json!({"update_id": 2000, "message": {"message_id": 3, "from": from(), "chat": {"id": 555, "type": "private"},
        "date": 1_700_000_100, "document": {"file_id": "F1", "file_name": "счёт.pdf", "mime_type": "application/pdf"}}});
    assert_eq!(update(&server, &key, &secret, doc).await, 200);
    assert_eq!(sent(&tg, "getFile"), [json!({"file_id": "F1"})]);
    let (_, detail) = anna.get(&format!("/api/operator/v1/chats/{chat}")).await;
    let file = detail["messages"].as_array().expect("messages").iter().find(|m| m["kind"] == "file_visitor").cloned();
    let file = file.expect("a file message");
    assert!(file.to_string().contains("счёт.pdf"), "{file}");
    server.stop().await;
}

#[tokio::test]
async fn bot_keyboards_become_inline_keyboards_and_presses_come_back() {
    let (tg, vk) = (telegram_api().await, MockHttp::start().await);
    let server = server_with(&tg, &vk).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Помощник", OperatorRole::Operator).await;
    let bot = MockHttp::start().await;
    let (code, body) = admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/bots",
            Some(json!({"operatorId": bot_op.id, "sortOrder": 10, "apiVersion": 2, "webhookUrl": bot.url("/hook")})),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let bot_token = body["token"].as_str().expect("token").to_owned();
    bot_op.set_status("online").await;
    let (key, secret) = connect_telegram(&admin, &tg).await;
    assert_eq!(update(&server, &key, &secret, text_update(1, "Хочу оформить заказ")).await, 200);
    let events = bot.wait_until(10, |r| r.iter().any(|x| x.json()["event"] == "new_chat")).await;
    let chat_id =
        events.iter().find(|x| x.json()["event"] == "new_chat").expect("new_chat").json()["chat"]["id"].clone();

    let keyboard = json!({"chat_id": chat_id, "message": {"kind": "keyboard", "buttons": [
        [{"id": "yes", "text": "Да"}, {"id": "no", "text": "Нет"}],
        [{"id": "site", "text": "Каталог", "config": {"type": "url", "link": "https://sila.ru/catalog"}}]]}});
    let resp = server
        .http
        .post(server.url("/api/bot/v2/send_message"))
        .header("authorization", format!("Token {bot_token}"))
        .json(&keyboard)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    let calls = tg.wait_until(10, |r| r.iter().any(|x| x.body.contains("inline_keyboard"))).await;
    let kb = calls.iter().find(|x| x.body.contains("inline_keyboard")).expect("keyboard").json();
    let data = kb["reply_markup"]["inline_keyboard"][0][0]["callback_data"].as_str().expect("callback data").to_owned();
    let (message_id, button) = data.split_once(':').expect("message:button");
    assert_eq!((message_id.len(), button), (32, "yes"));
    assert_eq!(
        kb,
        json!({"chat_id": 555, "text": "Выберите вариант:", "reply_markup": {"inline_keyboard": [
            [{"text": "Да", "callback_data": data}, {"text": "Нет", "callback_data": format!("{message_id}:no")}],
            [{"text": "Каталог", "url": "https://sila.ru/catalog"}]]}})
    );

    // The user presses «Да»: the bot hears a keyboard_response; Telegram's spinner is answered.
    let press = json!({"update_id": 3000, "callback_query": {"id": "cb-77", "from": from(), "data": data,
        "message": {"message_id": 100, "chat": {"id": 555, "type": "private"}, "date": 1_700_000_200}}});
    assert_eq!(update(&server, &key, &secret, press).await, 200);
    assert_eq!(sent(&tg, "answerCallbackQuery"), [json!({"callback_query_id": "cb-77"})]);
    let events = bot
        .wait_until(10, |r| r.iter().any(|x| x.json().pointer("/message/kind") == Some(&json!("keyboard_response"))))
        .await;
    let response = events
        .iter()
        .map(Recorded::json)
        .find(|b| b.pointer("/message/kind") == Some(&json!("keyboard_response")))
        .expect("response");
    assert_eq!(response["message"]["data"]["button"]["id"], "yes");

    // A file from the bot goes out with sendDocument as a Beseda link.
    bot.answer("/files/price.pdf", 200, "%PDF-1.4 прайс");
    let file = json!({"chat_id": chat_id, "message": {"kind": "file_operator", "data": {"url": bot.url("/files/price.pdf"), "name": "price.pdf", "media_type": "application/pdf"}}});
    let resp = server
        .http
        .post(server.url("/api/bot/v2/send_message"))
        .header("authorization", format!("Token {bot_token}"))
        .json(&file)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    tg.wait_until(10, |r| r.iter().any(|x| x.path().ends_with("/sendDocument"))).await;
    let doc = sent(&tg, "sendDocument").remove(0);
    assert_eq!((doc["chat_id"].as_i64(), doc["caption"].as_str()), (Some(555), Some("price.pdf")));
    let link = doc["document"].as_str().expect("a link").to_owned();
    assert!(link.starts_with(&server.url("/api/bot/v2/file/")), "{link}");
    let bytes = server.http.get(&link).send().await.expect("download").bytes().await.expect("bytes");
    assert_eq!(&bytes[..], "%PDF-1.4 прайс".as_bytes(), "Telegram can fetch it");
    server.stop().await;
}

async fn vk_callback(server: &TestServer, key: &str, body: Value) -> (u16, String) {
    let resp =
        server.http.post(server.url(&format!("/api/vk/{key}/callback"))).json(&body).send().await.expect("callback");
    (resp.status().as_u16(), resp.text().await.expect("text"))
}

#[tokio::test]
async fn a_vk_community_confirms_takes_messages_and_gets_answers() {
    let (tg, vk) = (MockHttp::start().await, MockHttp::start().await);
    vk.answer("/method/messages.send", 200, r#"{"response": 41}"#);
    let server = server_with(&tg, &vk).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let (code, body) = admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/channels",
            Some(json!({"title": "ВКонтакте", "kind": "vk", "config": {"accessToken": "vk1.a.community-key", "confirmation": "d8v2ve07", "groupId": 210700286}})),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let key = body["key"].as_str().expect("key").to_owned();
    let secret = body["secretKey"].as_str().expect("secret key").to_owned();
    assert!(body["callbackUrl"].as_str().expect("callback").ends_with(&format!("/api/vk/{key}/callback")));
    let (code, body) = admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/channels",
            Some(json!({"title": "VK", "kind": "vk", "config": {"accessToken": "x"}})),
        )
        .await;
    assert_eq!((code, body["error"].as_str()), (422, Some("invalid-setting")), "a confirmation string is required");

    // Confirmation: the community's string, as plain text.
    let (code, text) =
        vk_callback(&server, &key, json!({"type": "confirmation", "group_id": 210700286, "secret": secret})).await;
    assert_eq!((code, text.as_str()), (200, "d8v2ve07"));
    // A bad secret key (or another community) is refused and writes nothing.
    let message = |id: i64, text: &str, secret: &str| {
        json!({"type": "message_new", "group_id": 210700286, "secret": secret, "event_id": format!("e{id}"), "v": "5.199",
               "object": {"message": {"id": id, "date": 1_700_000_000, "peer_id": 777, "from_id": 777, "text": text}, "client_info": {}}})
    };
    let (code, _) = vk_callback(&server, &key, message(1, "Привет", "wrong")).await;
    assert_eq!(code, 403);
    let mut other = message(1, "Привет", &secret);
    other["group_id"] = json!(1);
    assert_eq!(vk_callback(&server, &key, other).await.0, 403);
    let (_, waiting) = anna.get("/api/operator/v1/chats?list=waiting").await;
    assert_eq!(waiting["chats"].as_array().map(Vec::len), Some(0));

    let (code, text) = vk_callback(&server, &key, message(1, "Привет! Есть доставка в Казань?", &secret)).await;
    assert_eq!((code, text.as_str()), (200, "ok"));
    let (_, waiting) = anna.get("/api/operator/v1/chats?list=waiting").await;
    let chat = waiting["chats"][0]["id"].as_i64().expect("a waiting chat");
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    assert_eq!(anna.reply(chat, "a1", "Да, 2–3 дня.").await.0, 200);
    let calls = vk.wait_until(10, |r| r.iter().any(|x| x.body.contains("message=%D0%94%D0%B0"))).await;
    let call = calls.iter().find(|x| x.body.contains("message=%D0%94%D0%B0")).expect("messages.send");
    assert_eq!(call.method, "POST");
    assert_eq!(call.header("content-type"), Some("application/x-www-form-urlencoded"));
    let form: std::collections::HashMap<String, String> = url_pairs(&call.body).into_iter().collect();
    assert_eq!(form["peer_id"], "777");
    assert_eq!(form["message"], "Да, 2–3 дня.");
    assert_eq!(form["access_token"], "vk1.a.community-key");
    assert_eq!(form["v"], "5.199");
    assert!(form["random_id"].parse::<i64>().is_ok());
    server.stop().await;
}

/// `application/x-www-form-urlencoded` pairs.
fn url_pairs(body: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{body}")).expect("url").query_pairs().into_owned().collect()
}
