//! Files in both directions through the HTTP API: operators read the files of chats they may
//! see (downloads on the console's origin; raster images as thumbnails), send files with the
//! visitors' limits and errors, and the visitor downloads them through the visitor protocol.

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_server::ServerConfig;
use common::canned;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    b.extend_from_slice(&w.to_be_bytes());
    b.extend_from_slice(&h.to_be_bytes());
    b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    b.extend_from_slice(&[7u8; 64]);
    b
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n";
const SVG: &[u8] = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>";

/// A visitor's upload through `/l/v/m/upload`; answers the file's guid.
async fn visitor_upload(server: &TestServer, v: &Visitor, name: &str, ctype: &str, bytes: &[u8]) -> String {
    let form = reqwest::multipart::Form::new()
        .text("page-id", v.page_id.clone())
        .text("auth-token", v.auth_token.clone())
        .text("chat-mode", "online")
        .text("client-side-id", format!("up-{name}"))
        .part(
            "webim_upload_file",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_owned()).mime_str(ctype).expect("mime"),
        );
    let resp = server.http.post(server.url("/l/v/m/upload")).multipart(form).send().await.expect("upload");
    assert_eq!(resp.status().as_u16(), 200, "{name}");
    let body: Value = resp.json().await.expect("json");
    body["data"]["guid"].as_str().expect("guid").to_owned()
}

async fn fetch(server: &TestServer, op: &Operator, path: &str) -> reqwest::Response {
    server.http.get(server.url(path)).bearer_auth(&op.token).send().await.expect("fetch")
}

fn header(resp: &reqwest::Response, name: &str) -> String {
    resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

fn assert_sandboxed(resp: &reqwest::Response) {
    assert_eq!(header(resp, "x-content-type-options"), "nosniff");
    assert!(header(resp, "content-security-policy").starts_with("sandbox; default-src 'none'"));
}

#[tokio::test]
async fn operators_read_and_send_files() {
    operators_read_and_send_files_on().await;
}

async fn operators_read_and_send_files_on() {
    let server = TestServer::start().await;
    server
        .settings(|s| {
            s.allowed_upload_file_types = ["png", "jpg", "gif", "pdf", "txt", "svg"].map(String::from).to_vec();
            s.max_visitor_upload_file_size = 1;
        })
        .await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let boris = server.operator("boris@x.io", "Борис", OperatorRole::Operator).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    anna.set_status("online").await;
    let v = server.visitor().await;
    v.send("q", "Вот фото").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    let image = png(40, 30);
    let png_guid = visitor_upload(&server, &v, "фото.png", "image/png", &image).await;
    let svg_guid = visitor_upload(&server, &v, "x.svg", "image/svg+xml", SVG).await;

    // The operator reads the visitor's files: downloads, never inline, sandboxed.
    let got = fetch(&server, &anna, &format!("/api/operator/v1/files/{png_guid}")).await;
    assert_eq!(got.status().as_u16(), 200);
    assert_sandboxed(&got);
    assert!(header(&got, "content-disposition").starts_with("attachment; filename*=UTF-8''%D1%84"), "{got:?}");
    assert_eq!(got.bytes().await.expect("bytes").to_vec(), image);
    let got = fetch(&server, &anna, &format!("/api/operator/v1/files/{svg_guid}")).await;
    assert_eq!(got.status().as_u16(), 200);
    assert_sandboxed(&got);
    assert!(header(&got, "content-disposition").starts_with("attachment"));
    // A raster image as a thumbnail; SVG never is.
    let thumb = fetch(&server, &anna, &format!("/api/operator/v1/files/{png_guid}/image")).await;
    assert_eq!((thumb.status().as_u16(), header(&thumb, "content-type")), (200, "image/png".to_owned()));
    assert_sandboxed(&thumb);
    assert_eq!(thumb.bytes().await.expect("bytes").to_vec(), image);
    let (code, body) = anna.get(&format!("/api/operator/v1/files/{svg_guid}/image")).await;
    assert_eq!((code, body["error"].as_str()), (404, Some("not-an-image")));
    let (code, body) = anna.get("/api/operator/v1/files/0123456789abcdef0123456789abcdef").await;
    assert_eq!((code, body["error"].as_str()), (404, Some("file-not-found")));
    let (code, body) = anna.get("/api/operator/v1/files/..%2Fetc").await;
    assert_eq!((code, body["error"].as_str()), (404, Some("file-not-found")));

    // A colleague's chat hidden by the settings: no file of it either (the admin still sees it).
    server.settings(|s| s.hide_others_chats = true).await;
    for path in [format!("/api/operator/v1/files/{png_guid}"), format!("/api/operator/v1/files/{png_guid}/image")] {
        let (code, body) = boris.get(&path).await;
        assert_eq!((code, body["error"].as_str()), (403, Some("hidden-by-settings")), "{path}");
        assert_eq!(fetch(&server, &admin, &path).await.status().as_u16(), 200, "{path}");
    }
    server.settings(|s| s.hide_others_chats = false).await;

    // The visitors' limits and errors, and nothing is written by a refused upload.
    let count = || async {
        server.store.chat(beseda_core::ids::ChatId(chat)).await.expect("chat").expect("chat").messages.len()
    };
    let before = count().await;
    let big = {
        let mut b = PDF.to_vec();
        b.resize(1024 * 1024 + 1, b' ');
        b
    };
    for (field, name, ctype, bytes, status, error) in [
        ("file", "big.pdf", "application/pdf", big, 413, "max_file_size_exceeded"),
        ("file", "empty.pdf", "application/pdf", Vec::new(), 400, "file_size_too_small"),
        ("file", "run.exe", "application/octet-stream", b"MZ\x90\0".to_vec(), 415, "not_allowed_file_type"),
        ("file", "fake.pdf", "application/pdf", b"<html>not a pdf</html>".to_vec(), 415, "not_matching_magic_numbers"),
        ("file", "pic.png", "image/gif", png(2, 2), 415, "not_allowed_mime_type"),
        ("other", "a.pdf", "application/pdf", PDF.to_vec(), 400, "argument-missing"),
    ] {
        let (code, body) = anna.upload(chat, field, name, ctype, bytes).await;
        assert_eq!((code, body["error"].as_str()), (status, Some(error)), "{name}: {body}");
    }
    assert_eq!(count().await, before, "refused uploads write nothing");
    // Only the chat's operator (or a supervisor) sends into a taken chat.
    let (code, body) = boris.upload(chat, "file", "a.pdf", "application/pdf", PDF.to_vec()).await;
    assert_eq!((code, body["error"].as_str()), (409, Some("chat-taken")), "{body}");
    assert_eq!(count().await, before);

    // The operator's PDF reaches the visitor as Webim sends operator files.
    let since = v.delta(0, true).await["revision"].as_i64().expect("revision");
    let (code, sent) = anna.upload(chat, "file", "счёт.pdf", "application/pdf", PDF.to_vec()).await;
    assert_eq!(code, 200, "{sent}");
    let guid = sent["file"]["guid"].as_str().expect("guid").to_owned();
    assert_eq!(
        (sent["file"]["filename"].as_str(), sent["file"]["size"].as_i64()),
        (Some("счёт.pdf"), Some(PDF.len() as i64))
    );
    let delta = v.delta(since, true).await;
    let messages = messages_in(&items(&delta));
    let m = messages.iter().find(|m| m["kind"] == "file_operator").expect("a file_operator message");
    assert_eq!(m["authorId"], json!(anna.id));
    assert_eq!(m["name"], "Анна");
    let file = &m["data"]["file"];
    assert_eq!((file["state"].as_str(), file["progress"].as_i64()), (Some("ready"), Some(100)));
    let desc = &file["desc"];
    let mut keys: Vec<&str> = desc.as_object().expect("desc").keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["client_content_type", "content_type", "filename", "guid", "size", "visitor_id"]);
    assert_eq!((desc["guid"].as_str(), desc["content_type"].as_str()), (Some(guid.as_str()), Some("application/pdf")));
    let text: Value = serde_json::from_str(m["text"].as_str().expect("text")).expect("descriptor JSON in text");
    assert_eq!(&text, desc);
    // The visitor downloads it through the signed link; another visitor cannot.
    let got = server.http.get(v.download_url(&guid, "счёт.pdf")).send().await.expect("download");
    assert_eq!(got.status().as_u16(), 200);
    assert_sandboxed(&got);
    assert!(header(&got, "content-disposition").starts_with("attachment"));
    assert_eq!(got.bytes().await.expect("bytes").as_ref(), PDF);
    let other = server.visitor().await;
    let got = server.http.get(other.download_url(&guid, "счёт.pdf")).send().await.expect("download");
    assert_eq!(got.status().as_u16(), 404);
    // The operator (and the workspace) read it back like any file of the chat.
    let (_, detail) = anna.get(&format!("/api/operator/v1/chats/{chat}")).await;
    let mine = detail["messages"].as_array().expect("messages").iter().find(|m| m["kind"] == "file_operator").cloned();
    assert_eq!(mine.expect("in the chat")["data"]["file"]["desc"]["guid"], json!(guid));
    let got = fetch(&server, &anna, &format!("/api/operator/v1/files/{guid}")).await;
    assert_eq!(got.bytes().await.expect("bytes").as_ref(), PDF);
    server.stop().await;
}

/// The new routes are in the OpenAPI document: a multipart body, a string path parameter.
#[tokio::test]
async fn the_file_and_note_routes_are_documented() {
    let server = TestServer::start().await;
    let spec = get_json(&server.http, &server.url("/api/operator/v1/openapi.json")).await;
    let upload = &spec["paths"]["/api/operator/v1/chats/{id}/files"]["post"];
    assert_eq!(
        upload["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"],
        "#/components/schemas/FileUpload"
    );
    assert_eq!(spec["components"]["schemas"]["FileUpload"]["properties"]["file"]["format"], "binary");
    let note = &spec["paths"]["/api/operator/v1/chats/{id}/notes"]["post"];
    assert_eq!(note["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Note");
    for path in ["/api/operator/v1/files/{guid}", "/api/operator/v1/files/{guid}/image"] {
        let params = &spec["paths"][path]["get"]["parameters"];
        assert_eq!(params[0]["name"], "guid", "{path}");
        assert_eq!(params[0]["in"], "path", "{path}");
    }
    server.stop().await;
}

/// A waiting chat is taken by the operator who sends a file into it.
#[tokio::test]
async fn a_file_into_a_waiting_chat_takes_it() {
    let server = TestServer::start().await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let v = server.visitor().await;
    v.send("q", "Пришлите договор").await;
    let chat = v.chat_id().await;
    let (code, body) = anna.upload(chat, "file", "договор.pdf", "application/pdf", PDF.to_vec()).await;
    assert_eq!(code, 200, "{body}");
    let (_, detail) = anna.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!(
        (detail["chat"]["state"].as_str(), detail["operator"]["id"].as_i64()),
        (Some("chatting"), Some(anna.id))
    );
    server.stop().await;
}

/// An operator's file in a Telegram chat goes out with sendDocument as a link Telegram can
/// fetch (the messenger side of "files both ways").
#[tokio::test]
async fn an_operators_file_reaches_telegram_as_a_document() {
    const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";
    let tg = canned::service().await;
    let m = |method: &str| format!("/bot{TOKEN}/{method}");
    let me = r#"{"ok":true,"result":{"id":123456789,"is_bot":true,"first_name":"Сила","username":"sila_bot"}}"#;
    canned::answer(&tg, &m("getMe"), 200, me).await;
    canned::answer(&tg, &m("setWebhook"), 200, r#"{"ok":true,"result":true}"#).await;
    canned::answer(&tg, &m("sendMessage"), 200, r#"{"ok":true,"result":{"message_id":100}}"#).await;
    canned::answer(&tg, &m("sendDocument"), 200, r#"{"ok":true,"result":{"message_id":101}}"#).await;
    let config = ServerConfig {
        longpoll_hold: Duration::from_secs(5),
        api_urls: beseda_server::ApiUrls { telegram: tg.uri(), vk: format!("{}/vk", tg.uri()), ..Default::default() },
        ..ServerConfig::default()
    };
    let server = TestServer::start_with(config).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let (_, c) = admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/channels",
            Some(json!({"title": "Telegram", "kind": "telegram", "config": {"botToken": TOKEN}})),
        )
        .await;
    let (key, secret) = (c["key"].as_str().expect("key"), c["secret"].as_str().expect("secret"));
    let update = json!({"update_id": 1001, "message": {"message_id": 1, "from": {"id": 555, "is_bot": false, "first_name": "Иван"},
        "chat": {"id": 555, "type": "private"}, "date": 1_700_000_000, "text": "Пришлите счёт"}});
    let resp = server
        .http
        .post(server.url(&format!("/api/telegram/{key}/webhook")))
        .header("x-telegram-bot-api-secret-token", secret)
        .json(&update)
        .send()
        .await
        .expect("update");
    assert_eq!(resp.status().as_u16(), 200);
    let (_, waiting) = anna.get("/api/operator/v1/chats?list=waiting").await;
    let chat = waiting["chats"][0]["id"].as_i64().expect("a waiting chat");
    let pdf = b"%PDF-1.4 invoice".to_vec();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(pdf.clone()).file_name("счёт.pdf").mime_str("application/pdf").expect("mime"),
    );
    let resp = server
        .http
        .post(server.url(&format!("/api/operator/v1/chats/{chat}/files")))
        .bearer_auth(&anna.token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(resp.status().as_u16(), 200);
    let calls = canned::wait_until(&tg, 10, |r| r.iter().any(|x| x.url.path().ends_with("/sendDocument"))).await;
    let doc = canned::json(calls.iter().find(|x| x.url.path().ends_with("/sendDocument")).expect("sendDocument"));
    assert_eq!((doc["chat_id"].as_i64(), doc["caption"].as_str()), (Some(555), Some("счёт.pdf")));
    let link = doc["document"].as_str().expect("a link");
    let bytes = server.http.get(link).send().await.expect("download").bytes().await.expect("bytes");
    assert_eq!(&bytes[..], &pdf[..], "Telegram can fetch it");
    server.stop().await;
}
