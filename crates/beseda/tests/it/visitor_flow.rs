//! The visitor ↔ operator exchange end to end over the real protocols, on a real server.

use crate::common;

use beseda_core::state::OperatorRole;
use common::*;
use serde_json::{json, Value};

async fn exchange_over_long_poll(server: TestServer) {
    let op = server.operator("anna@example.com", "Анна", OperatorRole::Operator).await;
    op.set_status("online").await;
    let mut stream = op.events(0).await;

    let v = server.visitor().await;
    assert!(v.revision >= 1, "revision must never be 0");
    v.ok("chat.start", &[("client-side-id", "c1"), ("force-start", "1")]).await;
    v.send("m1", "Здравствуйте, вопрос по заказу").await;
    // The same client-side id again is a retry: one message.
    v.send("m1", "Здравствуйте, вопрос по заказу").await;

    let added = wait_event(&mut stream, |e| e["type"] == "message_added" && e["message"]["kind"] == "visitor").await;
    assert_eq!(added["message"]["text"], "Здравствуйте, вопрос по заказу");
    let chat_id = added["chatId"].as_i64().expect("chat id");
    assert!(added["seq"].as_i64().is_some(), "stored events carry a seq");

    // The visitor is up to date; a long-poll from here waits for the reply.
    let caught_up = v.delta(v.revision, true).await;
    let rev_before = caught_up["revision"].as_i64().expect("revision");
    let vis_msgs = messages_in(&items(&caught_up));
    assert_eq!(vis_msgs.iter().filter(|m| m["clientSideId"] == "m1").count(), 1, "one message for one client-side id");

    let poll = {
        let v2 = Visitor {
            http: v.http.clone(),
            base: v.base.clone(),
            ws_base: v.ws_base.clone(),
            page_id: v.page_id.clone(),
            auth_token: v.auth_token.clone(),
            session_id: v.session_id.clone(),
            visitor: v.visitor.clone(),
            revision: rev_before,
            full: Value::Null,
        };
        tokio::spawn(async move { v2.delta(rev_before, false).await })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (code, body) = op.reply(chat_id, "r1", "Добрый день! Чем помочь?").await;
    assert_eq!(code, 200, "{body}");
    let got = poll.await.expect("long-poll");
    let rev_after = got["revision"].as_i64().expect("revision");
    assert!(rev_after > rev_before, "{got}");
    let reply: Vec<Value> = messages_in(&items(&got)).into_iter().filter(|m| m["kind"] == "operator").collect();
    // The long-poll may return as soon as the first item lands; collect the rest.
    let mut all = items(&got);
    let mut at = rev_after;
    if reply.is_empty() {
        let more = v.delta(at, true).await;
        at = more["revision"].as_i64().unwrap_or(at);
        all.extend(items(&more));
    }
    let operator_msgs: Vec<Value> = messages_in(&all).into_iter().filter(|m| m["kind"] == "operator").collect();
    assert_eq!(operator_msgs.len(), 1, "{all:?}");
    assert_eq!(operator_msgs[0]["text"], "Добрый день! Чем помочь?");
    assert_eq!(operator_msgs[0]["authorId"], json!(op.id));

    // Reconnecting with the old revision gives exactly what was missed, in order.
    let replay = v.delta(rev_before, true).await;
    let replay_items = items(&replay);
    assert_eq!(replay["revision"].as_i64(), Some(at));
    assert_eq!(replay_items, all, "replay from an old revision equals what was delivered live");
    assert!(replay_items.iter().any(|i| i["objectType"] == "CHAT_OPERATOR"));
    assert!(replay_items.iter().any(|i| i["objectType"] == "CHAT_STATE" && i["data"] == "chatting"));

    // The operator reply retried with the same client-side id is one message.
    let (_, again) = op.reply(chat_id, "r1", "Добрый день! Чем помочь?").await;
    assert_eq!(again["result"], "ok");
    let history = v.history(&[]).await;
    let texts: Vec<&str> =
        history["data"]["messages"].as_array().expect("messages").iter().filter_map(|m| m["text"].as_str()).collect();
    assert_eq!(texts.iter().filter(|t| **t == "Добрый день! Чем помочь?").count(), 1);
    assert_eq!(texts.iter().filter(|t| **t == "Здравствуйте, вопрос по заказу").count(), 1);
    server.stop().await;
}

#[tokio::test]
async fn visitor_and_operator_exchange_over_long_poll() {
    exchange_over_long_poll(TestServer::start().await).await;
}

#[tokio::test]
async fn visitor_and_operator_exchange_over_websocket() {
    let server = TestServer::start().await;
    let op = server.operator("boris@example.com", "Борис", OperatorRole::Operator).await;
    op.set_status("online").await;
    let mut stream = op.events(0).await;
    let v = server.visitor().await;
    let mut ws = v.ws(v.revision).await;

    v.send("w1", "Hello over WS").await;
    // The visitor's socket pushes the chat with the first message.
    let first = next_json(&mut ws, 10).await;
    let first_items = items(&first);
    let chat = first_items.iter().find(|i| i["objectType"] == "CHAT").expect("CHAT item");
    assert_eq!(chat["data"]["messages"][0]["text"], "Hello over WS");
    let mut at = first["revision"].as_i64().expect("revision");

    let added = wait_event(&mut stream, |e| e["type"] == "message_added").await;
    let chat_id = added["chatId"].as_i64().expect("chat id");
    op.reply(chat_id, "wr1", "Reply over WS").await;

    let mut seen = Vec::new();
    while !messages_in(&seen).iter().any(|m| m["text"] == "Reply over WS") {
        let frame = next_json(&mut ws, 10).await;
        let r = frame["revision"].as_i64().expect("revision");
        assert!(r > at, "revisions grow");
        at = r;
        seen.extend(items(&frame));
    }
    drop(ws);

    // Missed while disconnected: the visitor sends nothing, the operator writes twice.
    op.reply(chat_id, "wr2", "While you were away 1").await;
    op.reply(chat_id, "wr3", "While you were away 2").await;
    let mut ws = v.ws(at).await;
    let catch_up = next_json(&mut ws, 10).await;
    let missed: Vec<String> =
        messages_in(&items(&catch_up)).iter().map(|m| m["text"].as_str().unwrap_or_default().to_owned()).collect();
    assert_eq!(missed, vec!["While you were away 1", "While you were away 2"]);
    // Exactly the same items as the long-poll transport gives for that revision.
    let via_poll = v.delta(at, true).await;
    assert_eq!(items(&via_poll), items(&catch_up));
    server.stop().await;
}

#[tokio::test]
async fn websocket_with_bad_credentials_asks_for_reinit() {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    let server = TestServer::start().await;
    let url = server.ws_url("/l/v/m/ws?page-id=00000000000000000000000000000000&auth-token=x&since=1");
    let (mut ws, _) = tokio_tungstenite::connect_async(url).await.expect("upgrade succeeds");
    let first = ws.next().await.expect("frame").expect("ok");
    assert_eq!(first, Message::Text(r#"{"error":"reinit-required"}"#.into()));
    match ws.next().await {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 4001),
        other => panic!("expected close 4001, got {other:?}"),
    }
    server.stop().await;
}

#[tokio::test]
async fn session_resumes_and_chat_continues() {
    let server = TestServer::start().await;
    let v = server.visitor().await;
    v.send("s1", "first").await;
    let again = Visitor::init(&server, "default", Some(&v.session_id)).await;
    assert_eq!(again.session_id, v.session_id, "the visit session is resumed");
    assert_ne!(again.page_id, v.page_id, "each init is a new page");
    assert_eq!(again.full["chat"]["messages"][0]["text"], "first");
    assert_eq!(again.full["state"], "chat");
    server.stop().await;
}

#[tokio::test]
async fn operator_read_close_and_visitor_read_produce_deltas() {
    let server = TestServer::start().await;
    let op = server.operator("c@example.com", "C", OperatorRole::Operator).await;
    op.set_status("online").await;
    let v = server.visitor().await;
    v.send("x1", "hi").await;
    let chat = v.chat_id().await;
    let (code, _) = op.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await;
    assert_eq!(code, 200);
    let at = v.delta(0, true).await["revision"].as_i64().expect("rev");
    op.post(&format!("/api/operator/v1/chats/{chat}/read"), json!({})).await;
    op.reply(chat, "o1", "answer").await;
    v.ok("chat.read_by_visitor", &[]).await;
    op.post(&format!("/api/operator/v1/chats/{chat}/close"), json!({})).await;
    let d = v.delta(at, true).await;
    let kinds: Vec<String> =
        items(&d).iter().map(|i| i["objectType"].as_str().unwrap_or_default().to_owned()).collect();
    for expected in [
        "MESSAGE_READ",
        "CHAT_UNREAD_BY_OPERATOR_SINCE_TS",
        "UNREAD_BY_VISITOR",
        "CHAT_READ_BY_VISITOR",
        "CHAT_STATE",
        "HISTORY_REVISION",
    ] {
        assert!(kinds.iter().any(|k| k == expected), "{expected} missing from {kinds:?}");
    }
    let last_state = items(&d).iter().rfind(|i| i["objectType"] == "CHAT_STATE").cloned().expect("state");
    assert_eq!(last_state["data"], "closed_by_operator");
    // The visitor closes too: now it is final.
    v.ok("chat.close", &[]).await;
    let d2 = v.delta(d["revision"].as_i64().expect("rev"), true).await;
    let items2 = items(&d2);
    assert!(items2.iter().any(|i| i["objectType"] == "CHAT_STATE" && i["data"] == "closed"));
    assert!(items2.iter().any(|i| i["objectType"] == "VISIT_SESSION_STATE" && i["data"] == "idle-after-chat"));
    assert!(items2.iter().any(|i| i["objectType"] == "CHAT_OPERATOR" && i["data"].is_null()));
    // Rating the operator of the finished chat.
    v.ok("chat.operator_rate_select", &[("rate", "2"), ("operator_id", &op.id.to_string())]).await;
    let (_, bad) = v.action("chat.operator_rate_select", &[("rate", "5")]).await;
    assert_eq!(bad["error"], "rate-value-incorrect");
    server.stop().await;
}

#[tokio::test]
async fn only_one_operator_wins_a_waiting_chat() {
    let server = TestServer::start().await;
    let a = server.operator("a@example.com", "A", OperatorRole::Operator).await;
    let b = server.operator("b@example.com", "B", OperatorRole::Operator).await;
    a.set_status("online").await;
    b.set_status("online").await;
    let v = server.visitor().await;
    v.send("q", "who answers?").await;
    let chat = v.chat_id().await;
    let path = format!("/api/operator/v1/chats/{chat}/take");
    let (ra, rb) = tokio::join!(a.post(&path, json!({})), b.post(&path, json!({})));
    let mut codes = [ra.0, rb.0];
    codes.sort();
    assert_eq!(codes, [200, 409], "{ra:?} {rb:?}");
    let loser = if ra.0 == 409 { &ra.1 } else { &rb.1 };
    assert_eq!(loser["error"], "chat-taken");
    server.stop().await;
}
