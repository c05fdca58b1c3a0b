//! What the web widget needs from the server: placements with their embed code, the widget's
//! files, the demo page, and the offline form's action.

use crate::common;

use beseda_core::state::OperatorRole;
use common::*;
use serde_json::json;

#[tokio::test]
async fn placements_carry_their_embed_code() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let op = server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    let dep = json!({"name": "Продажи", "order": 1});
    assert_eq!(admin.call(reqwest::Method::PUT, "/api/admin/v1/departments/sales", Some(dep)).await.0, 200);
    let body = json!({"title": "Shop (English)", "lang": "en", "departmentKeys": ["sales"], "defaultDepartment": "sales",
                      "helloMessage": "Hi! **How** can we help?", "conversationTimeoutHours": 48});
    let (code, p) = admin.call(reqwest::Method::PUT, "/api/admin/v1/placements/shop-en", Some(body.clone())).await;
    assert_eq!(code, 200, "{p}");
    let origin = server.url("");
    assert_eq!(
        p["embedCode"],
        format!("<script src=\"{origin}/widget/loader.js\" data-location=\"shop-en\" async></script>")
    );
    assert_eq!((p["lang"].as_str(), p["conversationTimeoutHours"].as_i64()), (Some("en"), Some(48)));
    let (code, again) = admin.get("/api/admin/v1/placements/shop-en").await;
    assert_eq!((code, &again), (200, &p));
    // The widget's configuration follows the placement (its language in multilingual mode:
    // languages.rs).
    server.settings(|s| s.multilang = true).await;
    let config = get_json(&server.http, &server.url("/api/visitor/v1/configs/shop-en")).await;
    assert_eq!(
        (config["locationSettings"]["lang"].as_str(), config["locationSettings"]["title"].as_str()),
        (Some("en"), Some("Shop (English)"))
    );
    let v = Visitor::init(&server, "shop-en", None).await;
    assert_eq!(v.full["helloMessageMarkdown"], "Hi! **How** can we help?");

    for (key, body, field) in [
        ("Shop", body.clone(), "key"),
        ("-shop", body.clone(), "key"),
        ("shop", json!({"title": "", "lang": "en"}), "title"),
        ("shop", json!({"title": "x", "departmentKeys": ["nope"]}), "departmentKeys"),
        ("shop", json!({"title": "x", "conversationTimeoutHours": 0}), "conversationTimeoutHours"),
    ] {
        let (code, err) =
            admin.call(reqwest::Method::PUT, &format!("/api/admin/v1/placements/{key}"), Some(body)).await;
        assert_eq!((code, err["error"].as_str()), (422, Some("invalid-setting")), "{key} {err}");
        assert!(err["message"].as_str().unwrap_or_default().starts_with(field), "{err}");
    }
    let (code, err) = admin
        .call(reqwest::Method::PUT, "/api/admin/v1/placements/shop", Some(json!({"title": "x", "lang": "xx"})))
        .await;
    assert_eq!((code, err["error"].as_str()), (422, Some("unknown-language")), "{err}");
    assert_eq!(admin.get("/api/admin/v1/placements/nope").await.0, 404);
    assert_eq!(op.call(reqwest::Method::PUT, "/api/admin/v1/placements/shop", Some(body)).await.0, 403);
    assert_eq!(op.get("/api/admin/v1/placements/shop-en").await.0, 403);
    server.stop().await;
}

#[tokio::test]
async fn the_widget_files_and_the_demo_page_are_served() {
    let server = TestServer::start().await;
    let get = |path: &str| server.http.get(server.url(path)).send();
    let loader = get("/widget/loader.js").await.expect("loader");
    assert_eq!(loader.headers()["content-type"], "application/javascript; charset=utf-8");
    let loader = loader.text().await.expect("text");
    assert!(loader.contains("data-location"));
    // The loader imports the Markdown renderer for invitations from the app's current files,
    // across origins (sites' pages).
    let renderer = loader.split("'/assets/").nth(1).and_then(|r| r.split('\'').next()).expect("renderer path");
    assert!(renderer.ends_with("/common/markdown.js") && !renderer.contains('{'), "{renderer}");
    let md = get(&format!("/assets/{renderer}")).await.expect("markdown.js");
    assert_eq!(md.status().as_u16(), 200);
    assert_eq!(md.headers()["access-control-allow-origin"], "*");
    let frame = get("/widget/frame?location=default").await.expect("frame");
    let policy = frame.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    assert!(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"), "{policy}");
    let html = frame.text().await.expect("html");
    // The app's files live under a hash of their contents; other hashes and unknown paths are 404.
    let base = html.split("src=\"/assets/").nth(1).and_then(|r| r.split('"').next()).expect("hashed app");
    let (hash, path) = base.split_once('/').expect("hash/path");
    assert_eq!(hash.len(), 12);
    let app = get(&format!("/assets/{hash}/{path}")).await.expect("app");
    assert_eq!(app.status().as_u16(), 200);
    assert_eq!(app.headers()["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(app.headers()["x-content-type-options"], "nosniff");
    assert!(app.headers()["cache-control"].to_str().expect("ascii").contains("immutable"));
    let css = get(&format!("/assets/{hash}/widget/app.css")).await.expect("css");
    assert_eq!(css.headers()["content-type"], "text/css; charset=utf-8");
    for wrong in [
        format!("/assets/000000000000/{path}"),
        format!("/assets/{hash}/widget/nope.js"),
        format!("/assets/{hash}/widget/frame.html"),
        format!("/assets/{hash}/console/console.css"),
        format!("/assets/{hash}/../src/lib.rs"),
    ] {
        assert_eq!(get(&wrong).await.expect("get").status().as_u16(), 404, "{wrong}");
    }

    // The demo page is served in demo mode only, with the placement asked for (if it is a key).
    assert_eq!(get("/demo").await.expect("demo").status().as_u16(), 404);
    server.stop().await;
    let server =
        TestServer::start_with(beseda_server::ServerConfig { demo: true, ..beseda_server::ServerConfig::default() })
            .await;
    let page = |q: &'static str| server.http.get(server.url(&format!("/demo{q}"))).send();
    let html = page("?location=english").await.expect("demo").text().await.expect("html");
    assert!(html.contains(&format!(
        "<script src=\"{}/widget/loader.js\" data-location=\"english\" async></script>",
        server.url("")
    )));
    let html =
        page("?location=%22%3E%3Cscript%3Ealert(1)%3C/script%3E").await.expect("demo").text().await.expect("html");
    assert!(html.contains("data-location=\"default\"") && !html.contains("alert(1)"));
    server.stop().await;
}

#[tokio::test]
async fn the_offline_form_starts_an_offline_chat_with_the_visitors_contacts() {
    let server = TestServer::start().await;
    let op = server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    let v = server.visitor().await;
    let fields = json!({"name": "Ольга", "email": "olga@example.com"}).to_string();
    let (code, body) = v.action("chat.offline_message", &[("client-side-id", "o1"), ("visitor-fields", &fields)]).await;
    assert_eq!((code, body["error"].as_str()), (400, Some("argument-missing")), "{body}");
    v.ok("chat.offline_message", &[("client-side-id", "o1"), ("text", "Перезвоните"), ("visitor-fields", &fields)])
        .await;
    // A retry of the same form is not a second chat or message.
    v.ok("chat.offline_message", &[("client-side-id", "o1"), ("text", "Перезвоните"), ("visitor-fields", &fields)])
        .await;
    let (_, waiting) = op.get("/api/operator/v1/chats?list=waiting").await;
    let chats = waiting["chats"].as_array().expect("chats");
    assert_eq!(chats.len(), 1);
    let (_, detail) = op.get(&format!("/api/operator/v1/chats/{}", chats[0]["id"])).await;
    assert_eq!(detail["chat"]["offline"], json!(true));
    assert_eq!(detail["visitor"]["fields"]["email"], "olga@example.com");
    let texts: Vec<&str> = detail["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["kind"] == "visitor")
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert_eq!(texts, ["Перезвоните"]);
    server.stop().await;
}

/// A PNG or GIF header of the given size (enough for the type and size checks).
#[tokio::test]
async fn the_logo_and_the_invitation_photo_are_checked_and_served() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let (_, body) = admin.get("/api/admin/v1/settings").await;
    let base = body["settings"].clone();
    let put = |change: serde_json::Value| {
        let mut s = base.clone();
        for (k, v) in change.as_object().expect("object") {
            s[k] = v.clone();
        }
        admin.call(reqwest::Method::PUT, "/api/admin/v1/settings", Some(s))
    };
    for (change, field) in [
        (json!({"logo": image("png", 200, 80)}), "logo"),
        (json!({"logo": "https://example.com/logo.png"}), "logo"),
        (json!({"lead_photo": image("gif", 50, 50)}), "lead_photo"),
        (json!({"auto_invitation_delay_secs": 7200}), "auto_invitation_delay_secs"),
    ] {
        let (code, err) = put(change).await;
        assert_eq!((code, err["error"].as_str()), (422, Some("invalid-setting")), "{field}");
        assert!(err["message"].as_str().unwrap_or_default().starts_with(field), "{err}");
    }
    let (code, body) = put(json!({"logo": image("gif", 100, 40), "lead_photo": image("png", 64, 64),
        "auto_invitation_text": "Нужна помощь с выбором?", "auto_invitation_delay_secs": 5}))
    .await;
    assert_eq!(code, 200, "{body}");
    let config = get_json(&server.http, &server.url("/api/visitor/v1/configs/default")).await;
    let logo = config["accountConfig"]["logo"].as_str().expect("logo path");
    assert!(logo.starts_with("/widget/image/logo?v="), "{logo}");
    let invitation = &config["locationSettings"]["invitation"];
    assert_eq!(
        (invitation["text"].as_str(), invitation["delaySecs"].as_i64()),
        (Some("Нужна помощь с выбором?"), Some(5))
    );
    let photo = invitation["photo"].as_str().expect("photo path");
    let resp = server.http.get(server.url(photo)).send().await.expect("photo");
    assert_eq!((resp.status().as_u16(), resp.headers()["content-type"].to_str().expect("ascii")), (200, "image/png"));
    let resp = server.http.get(server.url(logo)).send().await.expect("logo");
    assert_eq!(resp.headers()["content-type"], "image/gif");
    assert_eq!(server.http.get(server.url("/widget/image/other")).send().await.expect("other").status().as_u16(), 404);
    server.stop().await;
}

#[tokio::test]
async fn a_returning_visitor_continues_the_conversation_until_the_placement_timeout() {
    let clock = std::sync::Arc::new(beseda_core::time::ManualClock::new());
    let server = TestServer::start_with_clock(clock.clone()).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let op = server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    op.set_status("online").await;
    let (code, body) = admin
        .call(
            reqwest::Method::PUT,
            "/api/admin/v1/placements/shop",
            Some(json!({"title": "Shop", "conversationTimeoutHours": 2})),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let v = Visitor::init(&server, "shop", None).await;
    v.send("q1", "Есть доставка?").await;
    let first = v.chat_id().await;
    assert_eq!(op.post(&format!("/api/operator/v1/chats/{first}/take"), json!({})).await.0, 200);
    assert_eq!(op.reply(first, "a1", "Есть").await.0, 200);
    // The widget marks the answer read (an unread one would keep the chat open, closing.rs).
    v.ok("chat.read_by_visitor", &[]).await;
    // 1 h 50 min later, from a new page of the same visit session: the same chat continues.
    clock.advance(std::time::Duration::from_secs(110 * 60));
    server.tick().await;
    let back = Visitor::init(&server, "shop", Some(&v.session_id)).await;
    assert_eq!(back.full["chat"]["id"].as_i64(), Some(first));
    back.send("q2", "А в выходные?").await;
    assert_eq!(back.chat_id().await, first);
    // Two hours after the last activity the conversation is over; the next message starts a new one.
    clock.advance(std::time::Duration::from_secs(2 * 3600 + 60));
    server.tick().await;
    let later = Visitor::init(&server, "shop", Some(&v.session_id)).await;
    assert!(later.full["chat"].is_null() || later.full["chat"]["state"] == "closed", "{}", later.full["chat"]);
    later.send("q3", "Снова здравствуйте").await;
    let second = later.chat_id().await;
    assert_ne!(second, first);
    server.stop().await;
}
