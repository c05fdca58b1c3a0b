//! Visitors on the site and blocked visitors, through the operator, admin and visitor APIs:
//! the live list (content, visibility by placement, arrival / page / departure events), an
//! operator's invitation delivered through the visitor protocol (delta and fullUpdate) and
//! answered, a blocked visitor refused with `visitor_banned`, expiry, lifting by an admin and
//! the audit entries. SQLite and PostgreSQL.

use crate::common;

use beseda_core::ids::OperatorId;
use beseda_core::model::{Department, Placement};
use beseda_core::state::OperatorRole;
use beseda_core::time::ManualClock;
use beseda_server::ServerConfig;
use common::{items, wait_event, TestServer, Visitor};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

async fn server(clock: Option<Arc<ManualClock>>) -> TestServer {
    let config = ServerConfig { longpoll_hold: Duration::from_secs(2), ..ServerConfig::default() };
    match clock {
        Some(c) => TestServer::start_full(config, c).await,
        None => TestServer::start_with(config).await,
    }
}

/// Departments `sales` and `support`, and a placement `shop` that offers only `support`.
async fn shop(server: &TestServer) {
    for (i, key) in ["sales", "support"].iter().enumerate() {
        let d = Department {
            id: 0,
            key: (*key).into(),
            name: (*key).into(),
            locale_names: Default::default(),
            order: i as i64,
            logo: None,
        };
        server.store.upsert_department(&d).await.expect("department");
    }
    let p = Placement {
        key: "shop".into(),
        title: "Shop".into(),
        lang: None,
        department_keys: vec!["support".into()],
        default_department: None,
        hello_message: String::new(),
        conversation_timeout_hours: 24,
    };
    server.store.upsert_placement(&p).await.expect("placement");
}

fn ids(list: &Value) -> Vec<String> {
    list["visitors"].as_array().expect("visitors").iter().map(|v| v["id"].as_str().expect("id").to_owned()).collect()
}

/// The row of visitor `id` in a list.
fn row_of(list: &Value, id: &str) -> Value {
    list["visitors"].as_array().expect("visitors").iter().find(|v| v["id"] == id).expect("the visitor's row").clone()
}

fn visitor_id(v: &Visitor) -> String {
    v.visitor["id"].as_str().expect("visitor id").to_owned()
}

async fn list_content_visibility_and_events_on() {
    let server = server(None).await;
    shop(&server).await;
    let sales = server.operator("sales@example.com", "Sales", OperatorRole::Operator).await;
    server
        .store
        .set_operator_profile(OperatorId(sales.id), &["sales".into()], &["ru".into()], None)
        .await
        .expect("profile");
    let sup = server.operator("sup@example.com", "Sup", OperatorRole::Supervisor).await;
    let mut sales_events = sales.events(0).await;
    let mut sup_events = sup.events(0).await;

    let home = Visitor::init(&server, "default", None).await;
    let arrived = wait_event(&mut sales_events, |e| e["type"] == "visitor_new").await;
    assert_eq!(arrived["visitor"]["id"], visitor_id(&home).as_str());
    assert_eq!(arrived["notify"], false, "the new-visitor notification setting is off");
    home.ok("page_visit", &[("url", "https://shop.example.com/catalog")]).await;
    let moved = wait_event(&mut sales_events, |e| e["type"] == "visitor_updated").await;
    assert_eq!(moved["visitor"]["page"], "https://shop.example.com/catalog");

    server.settings(|s| s.new_visitor_notification = true).await;
    let support_only = Visitor::init(&server, "shop", None).await;
    let arrived =
        wait_event(&mut sup_events, |e| e["type"] == "visitor_new" && e["visitor"]["location"] == "shop").await;
    assert_eq!(arrived["notify"], true);
    support_only.ok("page_visit", &[("url", "https://shop.example.com/returns")]).await;
    // The sales operator never hears of the visitor of a placement without their department:
    // the next event they get is the next one about a visitor they may see.
    let again = Visitor::init(&server, "default", None).await;
    let next = wait_event(&mut sales_events, |e| e["type"].as_str().is_some_and(|t| t.starts_with("visitor_"))).await;
    assert_eq!(next["visitor"]["id"], visitor_id(&again).as_str(), "{next}");

    let (status, list) = sales.get("/api/operator/v1/visitors").await;
    assert_eq!(status, 200, "{list}");
    let seen = ids(&list);
    assert!(seen.contains(&visitor_id(&home)) && seen.contains(&visitor_id(&again)), "{list}");
    assert!(!seen.contains(&visitor_id(&support_only)), "a placement the operator does not serve: {list}");
    let (_, all) = sup.get("/api/operator/v1/visitors").await;
    assert!(ids(&all).contains(&visitor_id(&support_only)), "supervisors see every visitor: {all}");
    let row = row_of(&all, &visitor_id(&home));
    assert_eq!(row["page"], "https://shop.example.com/catalog");
    assert_eq!(row["location"], "default");
    assert_eq!(row["visits"], 1);
    assert_eq!(row["chatting"], false);
    assert!(row["secondsOnSite"].as_i64().is_some_and(|s| s >= 0), "{row}");
    assert_eq!(row["address"], "127.0.0.1");
    assert!(row["number"].as_i64().is_some_and(|n| n > 0), "a stable number for unnamed visitors: {row}");

    // A second visit of the same visitor counts, and chatting shows.
    let home_again = Visitor::init_raw(&server, "default", None, &[("visitor", home.visitor.to_string())]).await;
    assert_eq!(home_again.0, 200);
    home.send("m1", "Hello").await;
    let (_, all) = sup.get("/api/operator/v1/visitors").await;
    let row = row_of(&all, &visitor_id(&home));
    assert_eq!((row["visits"].as_i64(), row["chatting"].as_bool()), (Some(2), Some(true)), "{row}");

    // Not the sales operator's to invite or block.
    let path = format!("/api/operator/v1/visitors/{}/invite", visitor_id(&support_only));
    let (status, body) = sales.post(&path, json!({})).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("visitor-not-served")), "{body}");
    let path = format!("/api/operator/v1/visitors/{}/block", visitor_id(&support_only));
    let (status, body) = sales.post(&path, json!({"reason": "spam"})).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("visitor-not-served")), "{body}");

    // Departure: sessions not seen for the presence window leave the list, with an event.
    let later = server.store.clock().now() + 10 * 60 * 1_000_000;
    // At most two per change here: a crowd leaving at once does not hold the writer.
    let mut parts = 0;
    loop {
        let changes = server.store.sweep_departed(later, 2).await.expect("sweep");
        if !changes.operator_logged {
            break;
        }
        parts += 1;
        server.state.publish(changes);
    }
    assert!(parts >= 2, "{parts} changes for three visits");
    let left = wait_event(&mut sup_events, |e| e["type"] == "visitor_left").await;
    assert!(left["visitor"]["id"].is_string(), "{left}");
    let (_, all) = sup.get("/api/operator/v1/visitors").await;
    assert!(ids(&all).is_empty(), "everyone left: {all}");
    server.stop().await;
}

#[tokio::test]
async fn visitors_list_content_visibility_and_events() {
    list_content_visibility_and_events_on().await;
}

async fn invitation_through_the_visitor_protocol_on() {
    let server = server(None).await;
    let anna = server.operator("anna@example.com", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let visitor = server.visitor().await;
    let id = visitor_id(&visitor);
    let path = format!("/api/operator/v1/visitors/{id}/invite");
    let (status, body) = anna.post(&path, json!({"text": "Подсказать с выбором?"})).await;
    assert_eq!(status, 200, "{body}");

    // Delta: the invitation arrives as a chat with the operator and their message.
    let delta = visitor.delta(visitor.revision, true).await;
    let list = items(&delta);
    let chat = list.iter().find(|i| i["objectType"] == "CHAT").expect("a CHAT item")["data"].clone();
    assert_eq!(chat["state"], "invitation", "{chat}");
    assert_eq!(chat["operator"]["id"], anna.id);
    assert_eq!(chat["operator"]["fullname"], "Анна");
    assert_eq!(chat["messages"][0]["kind"], "operator");
    assert_eq!(chat["messages"][0]["text"], "Подсказать с выбором?");
    assert_eq!(chat["messages"][0]["name"], "Анна");
    assert!(list.iter().any(|i| i["objectType"] == "VISIT_SESSION_STATE" && i["data"] == "chat"), "{delta}");
    // fullUpdate: the same.
    let full = visitor.delta(0, true).await;
    assert_eq!(full["fullUpdate"]["state"], "chat");
    assert_eq!(full["fullUpdate"]["chat"]["state"], "invitation");
    assert_eq!(full["fullUpdate"]["chat"]["operator"]["id"], anna.id);
    let (_, mine) = anna.get("/api/operator/v1/chats?list=mine").await;
    assert_eq!(mine["chats"][0]["state"], "invitation", "the invitation is the operator's: {mine}");

    // A second invitation while the first stands is refused.
    let (status, body) = anna.post(&path, json!({})).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("visitor-has-chat")), "{body}");

    // The visitor answers: the chat is with the inviting operator.
    let at = full["revision"].as_i64().expect("present");
    visitor.send("answer-1", "Да, помогите").await;
    let delta = visitor.delta(at, true).await;
    assert!(items(&delta).iter().any(|i| i["objectType"] == "CHAT_STATE" && i["data"] == "chatting"), "{delta}");
    let chat_id = visitor.chat_id().await;
    let (_, detail) = anna.get(&format!("/api/operator/v1/chats/{chat_id}")).await;
    assert_eq!(detail["chat"]["state"], "chatting");
    assert_eq!(detail["chat"]["operatorId"], anna.id);
    let texts: Vec<&str> =
        detail["messages"].as_array().expect("present").iter().filter_map(|m| m["text"].as_str()).collect();
    assert!(texts.contains(&"Подсказать с выбором?") && texts.contains(&"Да, помогите"), "{texts:?}");
    assert_eq!(anna.reply(chat_id, "r1", "Конечно").await.0, 200);

    // Without text: the default greeting; an unknown visitor is not on the site.
    let other = server.visitor().await;
    let (status, _) = anna.post(&format!("/api/operator/v1/visitors/{}/invite", visitor_id(&other)), json!({})).await;
    assert_eq!(status, 200);
    let chat = other.delta(0, true).await["fullUpdate"]["chat"].clone();
    assert_eq!(chat["messages"][0]["text"], "Здравствуйте! Чем могу помочь?");
    // The visitor declines (closes): the invitation ends for good.
    other.ok("chat.close", &[]).await;
    assert!(other.delta(0, true).await["fullUpdate"]["chat"].is_null());
    let (status, body) =
        anna.post("/api/operator/v1/visitors/0123456789abcdef0123456789abcdef/invite", json!({})).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("visitor-not-on-site")), "{body}");
    let long = "x".repeat(1001);
    let (status, body) = anna.post(&path, json!({"text": long})).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("wrong-argument-value")), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn invitation_through_the_visitor_protocol() {
    invitation_through_the_visitor_protocol_on().await;
}

async fn blocked_visitor_refused_lifted_and_audited_on() {
    let clock = Arc::new(ManualClock::new());
    let server = server(Some(clock.clone())).await;
    let admin = server.operator("admin@example.com", "Admin", OperatorRole::Admin).await;
    let anna = server.operator("anna@example.com", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let visitor = server.visitor().await;
    let id = visitor_id(&visitor);
    visitor.send("m1", "Hello").await;
    let chat_id = visitor.chat_id().await;
    assert_eq!(anna.reply(chat_id, "r1", "Hi").await.0, 200);

    // Bad input changes nothing.
    let path = format!("/api/operator/v1/visitors/{id}/block");
    for bad in
        [json!({"reason": " "}), json!({"reason": "spam", "durationSecs": 10}), json!({"reason": "x".repeat(501)})]
    {
        let (status, body) = anna.post(&path, bad).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("wrong-argument-value")), "{body}");
    }
    // From the chat, for an hour.
    let (status, body) = anna.post(&path, json!({"reason": "Spam", "durationSecs": 3600, "chatId": chat_id})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["block"]["active"], true);
    let block_id = body["block"]["id"].as_i64().expect("block id");
    let (_, detail) = anna.get(&format!("/api/operator/v1/chats/{chat_id}")).await;
    assert_eq!(detail["chat"]["state"], "closed", "the open chat ends: {detail}");

    // Refused everywhere with Webim's code.
    let (status, body) = visitor.action("chat.message", &[("client-side-id", "m2"), ("message", "again")]).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("visitor_banned")), "{body}");
    let (status, body) = visitor.action("chat.start", &[("force-start", "1"), ("first-question", "hi")]).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("visitor_banned")), "{body}");
    let delta = visitor.delta(0, true).await;
    assert_eq!(delta["error"], "visitor_banned", "{delta}");
    let again = [("visitor", visitor.visitor.to_string())];
    let (status, body) = Visitor::init_raw(&server, "default", None, &again).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("visitor_banned")), "{body}");
    let (status, _) = Visitor::init_raw(&server, "default", Some(&visitor.session_id), &[]).await;
    assert_eq!(status, 403, "resuming the session is refused too");
    // Someone else from the same address is not blocked (only the visitor id was).
    server.visitor().await;

    // Audited, listed for admins only.
    let (_, audit) = admin.get("/api/admin/v1/audit?action=visitor.block").await;
    let entry = &audit["entries"][0];
    assert_eq!(entry["actor"], "anna@example.com", "{audit}");
    assert_eq!(entry["targetType"], "visitor_block");
    assert_eq!(entry["targetId"], block_id.to_string());
    assert_eq!(entry["changes"]["reason"]["after"], "Spam");
    let (status, _) = anna.get("/api/admin/v1/visitor-blocks").await;
    assert_eq!(status, 403);
    let (_, active) = admin.get("/api/admin/v1/visitor-blocks?active=1").await;
    assert_eq!(active["blocks"][0]["visitorId"], id.as_str(), "{active}");
    assert_eq!(active["blocks"][0]["reason"], "Spam");
    assert_eq!(active["blocks"][0]["createdByName"], "Анна");
    // The console names the visitor as its lists do: «Посетитель N» by their stable number.
    assert!(active["blocks"][0]["visitorNumber"].as_i64().is_some_and(|n| n > 0), "{active}");
    assert_eq!(active["blocks"][0]["visitorGivenName"], Value::Null, "{active}");

    // Expiry: an hour later the block no longer applies, by itself.
    clock.advance(Duration::from_secs(3601));
    let (status, body) = Visitor::init_raw(&server, "default", None, &again).await;
    assert_eq!(status, 200, "expired: {body}");
    let (_, active) = admin.get("/api/admin/v1/visitor-blocks?active=1").await;
    assert!(active["blocks"].as_array().expect("present").is_empty(), "{active}");
    let (_, all) = admin.get("/api/admin/v1/visitor-blocks").await;
    assert_eq!(all["blocks"][0]["active"], false);
    let (status, body) = admin.post(&format!("/api/admin/v1/visitor-blocks/{block_id}/lift"), json!({})).await;
    assert_eq!((status, body["error"].as_str()), (404, Some("block-not-found")), "an expired block: {body}");

    // Permanent, with the address, from the visitors list; lifted by an admin.
    let returning = Visitor::from_init(&server, body_of(Visitor::init_raw(&server, "default", None, &again).await));
    let (status, body) = anna.post(&path, json!({"reason": "Abuse", "blockAddress": true})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["block"]["expiresTs"], Value::Null);
    assert_eq!(body["block"]["address"], "127.0.0.1");
    let block_id = body["block"]["id"].as_i64().expect("present");
    clock.advance(Duration::from_secs(20 * 60));
    let (status, body) = Visitor::init_raw(&server, "default", None, &[]).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("visitor_banned")), "the address is blocked: {body}");
    let (status, body) = returning.action("chat.message", &[("client-side-id", "m3"), ("message", "hi")]).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("visitor_banned")), "{body}");
    let (status, body) = admin.post(&format!("/api/admin/v1/visitor-blocks/{block_id}/lift"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["block"]["active"], false);
    let (status, _) = Visitor::init_raw(&server, "default", None, &again).await;
    assert_eq!(status, 200, "lifted");
    let (_, audit) = admin.get("/api/admin/v1/audit?action=visitor.unblock").await;
    assert_eq!(audit["entries"][0]["actor"], "admin@example.com", "{audit}");
    assert_eq!(audit["entries"][0]["targetId"], block_id.to_string());
    let _ = admin.call(Method::GET, "/api/admin/v1/visitor-blocks", None).await;
    server.stop().await;
}

fn body_of((status, body): (u16, Value)) -> Value {
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn blocked_visitor_refused_lifted_and_audited() {
    blocked_visitor_refused_lifted_and_audited_on().await;
}
