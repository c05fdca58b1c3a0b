//! The visitor protocol's answers are what its served OpenAPI document (`/l/v/openapi.json`)
//! promises: a real visit session (init, start and send, the operator's answer by delta,
//! history, search, an upload, refusals) checked answer by answer.

use crate::common;

use beseda_core::state::OperatorRole;
use common::openapi::assert_conforms;
use common::*;
use serde_json::Value;

async fn document(server: &TestServer) -> Value {
    let resp = server.http.get(server.url("/l/v/openapi.json")).send().await.expect("openapi");
    assert_eq!(resp.status(), 200);
    let doc: Value = resp.json().await.expect("openapi json");
    assert_eq!(doc["openapi"], "3.1.0");
    doc
}

async fn get(server: &TestServer, path: &str, query: &[(&str, &str)]) -> (u16, Value) {
    let resp = server.http.get(server.url(path)).query(query).send().await.expect("request");
    (resp.status().as_u16(), resp.json().await.expect("json"))
}

async fn visit_session_conforms(server: TestServer) {
    let doc = document(&server).await;
    // The document names every action the server takes.
    let actions = doc["components"]["schemas"]["ActionRequest"]["properties"]["action"]["description"]
        .as_str()
        .expect("the action's description")
        .to_owned();
    for action in beseda_server::visitor::actions::KNOWN_ACTIONS {
        assert!(actions.contains(&format!("`{action}`")), "{action} is not named in the document: {actions}");
    }
    let op = server.operator("anna@example.com", "Анна", OperatorRole::Operator).await;
    op.set_status("online").await;
    let mut events = op.events(0).await;

    let (status, init) = Visitor::init_raw(&server, "default", None, &[]).await;
    assert_eq!(status, 200, "{init}");
    assert_conforms(&doc, "GET", "/l/v/m/init", 200, &init);
    let v = Visitor::from_init(&server, init);

    let (status, started) = v.action("chat.start", &[("client-side-id", "c1"), ("force-start", "1")]).await;
    assert_conforms(&doc, "POST", "/l/v/m/action", status, &started);
    let (status, sent) = v.action("chat.message", &[("client-side-id", "m1"), ("message", "Где мой заказ?")]).await;
    assert_eq!(status, 200, "{sent}");
    assert_conforms(&doc, "POST", "/l/v/m/action", status, &sent);

    let added = wait_event(&mut events, |e| e["type"] == "message_added" && e["message"]["kind"] == "visitor").await;
    let chat_id = added["chatId"].as_i64().expect("chat id");
    let (code, body) = op.reply(chat_id, "r1", "Уже в пути").await;
    assert_eq!(code, 200, "{body}");

    // The operator's answer arrives as delta items; every item is a typed one.
    let mut at = v.revision;
    let mut seen = Vec::new();
    for _ in 0..20 {
        let delta = v.delta(at, true).await;
        assert_conforms(&doc, "GET", "/l/v/m/delta", 200, &delta);
        at = delta["revision"].as_i64().unwrap_or(at);
        seen.extend(items(&delta));
        if messages_in(&seen).iter().any(|m| m["text"] == "Уже в пути") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(messages_in(&seen).iter().any(|m| m["text"] == "Уже в пути"), "{seen:?}");
    // A client too far behind gets the whole state.
    let full = v.delta(0, true).await;
    assert!(full["fullUpdate"]["chat"].is_object(), "{full}");
    assert_conforms(&doc, "GET", "/l/v/m/delta", 200, &full);

    let history = v.history(&[]).await;
    let texts: Vec<&str> =
        history["data"]["messages"].as_array().expect("messages").iter().filter_map(|m| m["text"].as_str()).collect();
    assert!(texts.contains(&"Где мой заказ?") && texts.contains(&"Уже в пути"), "{history}");
    assert_conforms(&doc, "GET", "/l/v/m/history", 200, &history);
    let before = v.history(&[("before-ts", "99999999999999999")]).await;
    assert_conforms(&doc, "GET", "/l/v/m/history", 200, &before);
    let creds = [("page-id", v.page_id.as_str()), ("auth-token", v.auth_token.as_str())];
    let (status, found) = get(&server, "/l/v/m/search-messages", &[creds[0], creds[1], ("query", "заказ")]).await;
    assert_eq!(found["data"]["count"], 1, "{found}");
    assert_conforms(&doc, "GET", "/l/v/m/search-messages", status, &found);

    // An upload answers the file's descriptor (with the image's size).
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend(3u32.to_be_bytes());
    png.extend(2u32.to_be_bytes());
    png.extend([8, 6, 0, 0, 0]);
    let form = reqwest::multipart::Form::new()
        .text("page-id", v.page_id.clone())
        .text("auth-token", v.auth_token.clone())
        .part(
            "webim_upload_file",
            reqwest::multipart::Part::bytes(png).file_name("dot.png").mime_str("image/png").expect("mime"),
        );
    let resp = server.http.post(server.url("/l/v/m/upload")).multipart(form).send().await.expect("upload");
    let status = resp.status().as_u16();
    let uploaded: Value = resp.json().await.expect("upload json");
    assert_eq!(uploaded["data"]["image"]["size"]["width"], 3, "{uploaded}");
    assert_conforms(&doc, "POST", "/l/v/m/upload", status, &uploaded);

    let (status, online) = get(&server, "/l/v/m/get-online-status", &[("location", "default")]).await;
    assert_conforms(&doc, "GET", "/l/v/m/get-online-status", status, &online);
    let (status, config) = get(&server, "/api/visitor/v1/configs/default", &[]).await;
    assert_conforms(&doc, "GET", "/api/visitor/v1/configs/{location}", status, &config);
    let (status, meta) = get(&server, "/api/visitor/meta", &[]).await;
    assert_conforms(&doc, "GET", "/api/visitor/meta", status, &meta);

    // Refusals: a wrong page (200, as Webim sends it), an unknown action (400), a missing
    // argument (400), an unknown placement (400), the FAQ (404).
    let (status, reinit) = get(&server, "/l/v/m/history", &[("page-id", "nope"), ("auth-token", "x")]).await;
    assert_eq!((status, reinit["error"].as_str()), (200, Some("reinit-required")), "{reinit}");
    assert_conforms(&doc, "GET", "/l/v/m/history", status, &reinit);
    let (status, unknown) = v.action("chat.dance", &[]).await;
    assert_eq!(status, 400, "{unknown}");
    assert_conforms(&doc, "POST", "/l/v/m/action", status, &unknown);
    let (status, missing) = get(&server, "/l/v/m/init", &[]).await;
    assert_eq!(status, 400, "{missing}");
    assert_conforms(&doc, "GET", "/l/v/m/init", status, &missing);
    let (status, placement) = get(&server, "/api/visitor/v1/configs/nowhere", &[]).await;
    assert_conforms(&doc, "GET", "/api/visitor/v1/configs/{location}", status, &placement);
    let (status, faq) = get(&server, "/webim/api/v1/faq/items", &[]).await;
    assert_eq!(status, 404);
    assert_conforms(&doc, "GET", "/webim/api/v1/faq/{rest}", status, &faq);
    server.stop().await;
}

#[tokio::test]
async fn visitor_answers_match_the_served_document() {
    visit_session_conforms(TestServer::start().await).await;
}
