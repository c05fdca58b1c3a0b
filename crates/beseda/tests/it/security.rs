//! Hardening: settings writes that cannot reset what they leave out, the public origin only
//! from configuration, forwarded client addresses that fail closed, safe file headers, console
//! headers, and length limits on what visitors and integrations store.

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_server::ServerConfig;
use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn settings_writes_refuse_unknown_and_missing_keys_and_change_nothing() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    server
        .settings(|s| {
            s.ip_allowlist = "127.0.0.1".into();
            s.hide_others_chats = true;
            s.chat_handlers_signing_secret = "webhook secret".into();
            s.amocrm_client_secret = "crm key".into();
        })
        .await;
    let before = server.store.settings().await.expect("settings");
    let (_, body) = admin.get("/api/admin/v1/settings").await;
    let full = body["settings"].clone();

    // An empty document, a partial one and one with a typo'd key are refused, naming the keys.
    let mut typo = full.clone();
    typo["hide_other_chats"] = json!(false);
    for (method, doc, code, needle) in [
        (Method::PUT, json!({}), "missing-setting", "ip_allowlist"),
        (Method::PUT, json!({"name": "Renamed"}), "missing-setting", "chat_handlers_signing_secret"),
        (Method::PUT, typo, "unknown-setting", "hide_other_chats"),
        (Method::PATCH, json!({"hide_other_chats": false}), "unknown-setting", "hide_other_chats"),
    ] {
        let (status, answer) = admin.call(method.clone(), "/api/admin/v1/settings", Some(doc.clone())).await;
        assert_eq!((status, answer["error"].as_str()), (422, Some(code)), "{method} {doc}: {answer}");
        assert!(answer["message"].as_str().unwrap_or_default().contains(needle), "{answer}");
        assert_eq!(server.store.settings().await.expect("settings"), before, "{method} {doc} changed nothing");
    }
    let (_, after) = admin.get("/api/admin/v1/settings").await;
    assert_eq!(after["settings"], full, "the settings read back unchanged");

    // The whole document, changed, is saved; a section PATCH keeps the secrets.
    let mut changed = full.clone();
    changed["name"] = json!("Renamed");
    assert_eq!(admin.call(Method::PUT, "/api/admin/v1/settings", Some(changed)).await.0, 200);
    assert_eq!(admin.call(Method::PATCH, "/api/admin/v1/settings", Some(json!({"teleport": true}))).await.0, 200);
    let s = server.store.settings().await.expect("settings");
    assert_eq!((s.name.as_str(), s.teleport, s.amocrm_client_secret.as_str()), ("Renamed", true, "crm key"));
    assert_eq!((s.ip_allowlist.as_str(), s.hide_others_chats), ("127.0.0.1", true));
    server.stop().await;
}

/// An anonymous request through a trusted proxy with a forged host changes nothing an admin
/// sees; an allowed host gets its own origin for that answer only.
#[tokio::test]
async fn the_public_origin_never_comes_from_an_anonymous_request() {
    let config = ServerConfig {
        trusted_proxies: vec!["127.0.0.1".parse().expect("ip")],
        allowed_hosts: vec!["chat.example.test".into()],
        ..ServerConfig::default()
    };
    let server = TestServer::start_with(config).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let fixed = server.url("");
    let embed = |host: Option<&'static str>| {
        let mut req = server.http.get(server.url("/api/admin/v1/placements/default")).bearer_auth(&admin.token);
        if let Some(h) = host {
            req = req.header("x-forwarded-proto", "https").header("x-forwarded-host", h);
        }
        async move { req.send().await.expect("get").json::<serde_json::Value>().await.expect("json") }
    };
    let anonymous = server
        .http
        .get(server.url("/healthz"))
        .header("host", "evil.example")
        .header("x-forwarded-proto", "https")
        .header("x-forwarded-host", "evil.example")
        .send()
        .await
        .expect("anonymous");
    assert!(anonymous.status().is_success());
    for (host, origin) in [
        (None, fixed.clone()),
        (Some("evil.example"), fixed.clone()),
        (Some("chat.example.test"), "https://chat.example.test".to_owned()),
        (None, fixed.clone()),
    ] {
        let code = embed(host).await["embedCode"].as_str().expect("embed code").to_owned();
        assert!(code.contains(&format!("{origin}/")), "{host:?}: {code}");
        assert!(!code.contains("evil.example"), "{code}");
    }
    server.stop().await;
}

/// Asserts the headers of a served file: never sniffed, sandboxed, inline only if `inline`.
pub fn assert_file_headers(resp: &reqwest::Response, inline: bool) {
    let h = resp.headers();
    let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(get("x-content-type-options"), "nosniff", "{h:?}");
    assert!(get("content-security-policy").starts_with("sandbox; default-src 'none'"), "{h:?}");
    let disposition = get("content-disposition");
    assert!(disposition.starts_with(if inline { "inline" } else { "attachment" }), "{h:?}");
}

#[tokio::test]
async fn uploads_are_served_as_attachments_unless_raster_images() {
    let server = TestServer::start().await;
    server.settings(|s| s.allowed_upload_file_types = vec!["svg".into(), "html".into(), "png".into()]).await;
    let v = server.visitor().await;
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    png.extend_from_slice(&[0, 0, 0, 8, 0, 0, 0, 8]);
    png.extend_from_slice(&[0u8; 32]);
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
    let html = b"<html><script>alert(document.cookie)</script></html>".to_vec();
    for (i, (name, ctype, bytes, inline)) in [
        ("a.svg", "image/svg+xml", svg, false),
        ("a.html", "text/html", html, false),
        ("a.png", "image/png", png, true),
    ]
    .into_iter()
    .enumerate()
    {
        let form = reqwest::multipart::Form::new()
            .text("page-id", v.page_id.clone())
            .text("auth-token", v.auth_token.clone())
            .text("chat-mode", "online")
            .text("client-side-id", format!("f{i}"))
            .part(
                "webim_upload_file",
                reqwest::multipart::Part::bytes(bytes).file_name(name).mime_str(ctype).expect("mime"),
            );
        let resp = server.http.post(server.url("/l/v/m/upload")).multipart(form).send().await.expect("upload");
        assert_eq!(resp.status().as_u16(), 200, "{name}");
        let guid =
            resp.json::<serde_json::Value>().await.expect("json")["data"]["guid"].as_str().expect("guid").to_owned();
        let got = server.http.get(v.download_url(&guid, name)).send().await.expect("download");
        assert_eq!(got.status().as_u16(), 200, "{name}");
        assert_file_headers(&got, inline);
    }
    server.stop().await;
}

#[tokio::test]
async fn console_pages_and_the_widget_frame_carry_the_security_headers() {
    let server = TestServer::start().await;
    let page = server.http.get(server.url("/workspace")).send().await.expect("page").text().await.expect("html");
    let module = page.split("<script type=\"module\" src=\"").nth(1).and_then(|r| r.split('"').next()).expect("module");
    let style = module.replace("workspace/main.js", "console.css");
    for path in ["/workspace", "/admin", module, &style, "/widget/frame?location=default"] {
        let resp = server.http.get(server.url(path)).send().await.expect("get");
        assert_eq!(resp.status().as_u16(), 200, "{path}");
        let h = resp.headers();
        let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(get("referrer-policy"), "same-origin", "{path}");
        let csp = get("content-security-policy");
        assert!(csp.contains("default-src 'none'"), "{path}: {csp}");
        if path.starts_with("/widget") {
            assert!(!csp.contains("frame-ancestors") && h.get("x-frame-options").is_none(), "embeddable: {csp}");
        } else {
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        }
    }
    server.stop().await;
}

/// Oversized visitor-protocol fields are refused with `wrong-argument-value`, and nothing of
/// the refused call is stored.
#[tokio::test]
async fn oversized_visitor_fields_are_refused_and_nothing_is_written() {
    let server = TestServer::start().await;
    for (name, value) in [("title", "t".repeat(1001)), ("device-id", "d".repeat(257)), ("push-token", "p".repeat(5000))]
    {
        let (status, body) = Visitor::init_raw(&server, "default", None, &[(name, value)]).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("wrong-argument-value")), "{name}: {body}");
        assert!(body.to_string().contains(name), "{name}: {body}");
    }
    let (status, _) = Visitor::init_raw(&server, "default", None, &[("title", "t".repeat(1000))]).await;
    assert_eq!(status, 200, "a 1000-character title is fine");

    let v = server.visitor().await;
    let long_id = "c".repeat(257);
    let fields = format!("{{\"name\": \"{}\"}}", "n".repeat(20_000));
    for (action, args) in [
        ("chat.message", vec![("client-side-id", long_id.as_str()), ("message", "привет")]),
        ("chat.start", vec![("client-side-id", "ok-id"), ("force-start", "1"), ("visitor-fields", fields.as_str())]),
        ("chat.message", vec![("client-side-id", "ok-id2"), ("message", "привет"), ("hint_question", &fields)]),
    ] {
        let (status, body) = v.action(action, &args).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("wrong-argument-value")), "{action}: {body}");
    }
    let full = v.delta(0, true).await;
    assert!(full["fullUpdate"]["chat"].is_null(), "no chat was started: {full}");
    v.send("ok-id3", "привет").await;
    server.stop().await;
}
