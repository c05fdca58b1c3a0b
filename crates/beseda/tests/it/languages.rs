//! Languages beyond Russian and English: any ISO 639-1 code for the main language,
//! placements, templates, operators and chats (an unknown code is a 422 `unknown-language`);
//! interface texts in Russian and English, English for every other language; the main language
//! as the default of new operators, the console and, without multilingual mode, of every chat;
//! the operator's own interface language; and the language change on redirect. Driven through
//! the admin, operator and visitor APIs.

use crate::common;

use beseda_core::state::OperatorRole;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

fn error(answer: (u16, Value)) -> (u16, String) {
    (answer.0, answer.1["error"].as_str().unwrap_or_default().to_owned())
}

async fn patch_settings(admin: &Operator, change: Value) -> (u16, Value) {
    admin.call(Method::PATCH, "/api/admin/v1/settings", Some(change)).await
}

async fn placement(admin: &Operator, key: &str, lang: &str) -> (u16, Value) {
    let body = json!({"title": format!("Site {key}"), "lang": lang});
    admin.call(Method::PUT, &format!("/api/admin/v1/placements/{key}"), Some(body)).await
}

/// The chat's language as the operator API shows it.
async fn language_of(admin: &Operator, chat: i64) -> Value {
    let (code, detail) = admin.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!(code, 200, "{detail}");
    detail["chat"]["language"].clone()
}

/// A chat started on placement `location`.
async fn chat_on(server: &TestServer, location: &str) -> (Visitor, i64) {
    let v = Visitor::init(server, location, None).await;
    v.ok("chat.start", &[("first-question", "Guten Tag")]).await;
    let chat = v.chat_id().await;
    (v, chat)
}

async fn widget_lang(server: &TestServer, location: &str) -> String {
    let config = get_json(&server.http, &server.url(&format!("/api/visitor/v1/configs/{location}"))).await;
    config["locationSettings"]["lang"].as_str().expect("lang").to_owned()
}

async fn me(op: &Operator) -> Value {
    op.get("/api/operator/v1/me").await.1
}

async fn speaks(admin: &Operator, op: &Operator, languages: Value) {
    let path = format!("/api/admin/v1/operators/{}/profile", op.id);
    let body = json!({"departmentKeys": [], "languages": languages, "maxChats": null});
    assert_eq!(admin.call(Method::PUT, &path, Some(body)).await.0, 200);
}

async fn waiting(op: &Operator) -> Vec<i64> {
    let (_, body) = op.get("/api/operator/v1/chats?list=waiting").await;
    body["chats"].as_array().expect("chats").iter().filter_map(|c| c["id"].as_i64()).collect()
}

#[tokio::test]
async fn any_iso_639_1_language_is_accepted_and_unknown_codes_are_refused() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let olga = server.operator("olga@x.io", "Ольга", OperatorRole::Operator).await;

    // The main language.
    let (code, body) = patch_settings(&admin, json!({"default_lang": "de"})).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["settings"]["default_lang"], "de");
    assert_eq!(error(patch_settings(&admin, json!({"default_lang": "xx"})).await), (422, "unknown-language".into()));
    assert_eq!(error(patch_settings(&admin, json!({"default_lang": "DE"})).await), (422, "unknown-language".into()));

    // A placement's language.
    let (code, p) = placement(&admin, "shop-de", "de").await;
    assert_eq!((code, p["lang"].as_str()), (200, Some("de")), "{p}");
    assert_eq!(error(placement(&admin, "shop-xx", "xx").await), (422, "unknown-language".into()));
    assert_eq!(admin.get("/api/admin/v1/placements/shop-xx").await.0, 404, "nothing written");

    // A template's language.
    let template = |lang: &str| json!({"lang": lang, "title": "Hallo", "text": "Guten Tag!"});
    let (code, t) = admin.call(Method::PUT, "/api/admin/v1/templates", Some(template("de"))).await;
    assert_eq!(code, 200, "{t}");
    let saved = admin.call(Method::PUT, "/api/admin/v1/templates", Some(template("xx"))).await;
    assert_eq!(error(saved), (422, "unknown-language".into()));

    // An operator's spoken languages.
    let profile = |languages: Value| json!({"departmentKeys": [], "languages": languages, "maxChats": null});
    let path = format!("/api/admin/v1/operators/{}/profile", olga.id);
    let (code, saved) = admin.call(Method::PUT, &path, Some(profile(json!(["de", "uk"])))).await;
    assert_eq!(code, 200, "{saved}");
    assert_eq!(saved["operator"]["languages"], json!(["de", "uk"]));
    for bad in [json!(["de", "xx"]), json!(["zz"]), json!([])] {
        let (code, answer) = admin.call(Method::PUT, &path, Some(profile(bad.clone()))).await;
        assert_eq!(code, 422, "{bad}: {answer}");
    }
    let (code, answer) = admin.call(Method::PUT, &path, Some(profile(json!(["xx"])))).await;
    assert_eq!((code, answer["error"].as_str()), (422, Some("unknown-language")), "{answer}");
    let new = json!({"email": "hans@x.io", "name": "Hans", "password": "password123", "languages": ["xx"]});
    assert_eq!(error(admin.post("/api/admin/v1/operators", new).await), (422, "unknown-language".into()));

    // A chat's language: it is the main language here (multilingual mode is off), kept as it
    // is, while every text is English.
    let (v, chat) = chat_on(&server, "shop-de").await;
    assert_eq!(language_of(&admin, chat).await, "de");
    assert_eq!(widget_lang(&server, "shop-de").await, "en");
    let take = format!("/api/operator/v1/chats/{chat}/take");
    assert_eq!(admin.post(&take, json!({})).await.0, 200);
    let texts: Vec<String> = messages_in(&items(&v.delta(0, true).await))
        .iter()
        .chain(chat_of(&v).await["messages"].as_array().into_iter().flatten())
        .filter_map(|m| m["text"].as_str().map(str::to_owned))
        .collect();
    assert!(texts.iter().any(|t| t == "Admin has joined the chat"), "{texts:?}");
    server.stop().await;
}

#[tokio::test]
async fn the_main_language_sets_the_defaults_and_without_multilanguage_placements_cannot_change_it() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    assert_eq!(patch_settings(&admin, json!({"default_lang": "en"})).await.0, 200);
    assert_eq!(placement(&admin, "shop-ru", "ru").await.0, 200);
    assert_eq!(placement(&admin, "shop-de", "de").await.0, 200);

    // A new operator speaks the main language and sees the console in it.
    let new = json!({"email": "emma@x.io", "name": "Emma", "password": "password123"});
    let (code, emma) = admin.post("/api/admin/v1/operators", new).await;
    assert_eq!(code, 200, "{emma}");
    assert_eq!((&emma["operator"]["languages"], &emma["operator"]["interfaceLang"]), (&json!(["en"]), &Value::Null));
    let emma = server.operator_token("emma@x.io", "password123", emma["operator"]["id"].as_i64().expect("id")).await;
    let (_, me) = emma.get("/api/operator/v1/me").await;
    assert_eq!((me["interfaceLang"].as_str(), me["workspace"]["defaultLang"].as_str()), (Some("en"), Some("en")));
    // A main language without texts of its own: the console is English, operators speak it.
    assert_eq!(patch_settings(&admin, json!({"default_lang": "de"})).await.0, 200);
    assert_eq!(emma.get("/api/operator/v1/me").await.1["interfaceLang"], "en");
    let new = json!({"email": "hans@x.io", "name": "Hans", "password": "password123"});
    assert_eq!(admin.post("/api/admin/v1/operators", new).await.1["operator"]["languages"], json!(["de"]));
    assert_eq!(patch_settings(&admin, json!({"default_lang": "ru"})).await.0, 200);
    assert_eq!(emma.get("/api/operator/v1/me").await.1["interfaceLang"], "ru");
    assert_eq!(patch_settings(&admin, json!({"default_lang": "en"})).await.0, 200);

    // Multilingual mode off: the placement's language changes neither the window nor the chat.
    assert_eq!(widget_lang(&server, "shop-ru").await, "en");
    let (_v, chat) = chat_on(&server, "shop-ru").await;
    assert_eq!(language_of(&admin, chat).await, "en");

    // On: the placement's language is the chat's, and the window's when it has texts in it.
    assert_eq!(patch_settings(&admin, json!({"multilang": true})).await.0, 200);
    assert_eq!(widget_lang(&server, "shop-ru").await, "ru");
    assert_eq!(widget_lang(&server, "shop-de").await, "en");
    let (_w, chat) = chat_on(&server, "shop-ru").await;
    assert_eq!(language_of(&admin, chat).await, "ru");
    let (_x, chat) = chat_on(&server, "shop-de").await;
    assert_eq!(language_of(&admin, chat).await, "de");
    server.stop().await;
}

#[tokio::test]
async fn an_operator_has_an_interface_language_of_their_own() {
    let server = TestServer::start().await;
    server.settings(|s| s.hidden_profiles = true).await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let olga = server.operator("olga@x.io", "Ольга", OperatorRole::Operator).await;
    assert_eq!(me(&olga).await["interfaceLang"], "ru", "the main language by default");

    // Her own choice, even with profiles only supervisors edit.
    let set = |lang: &str| json!({"interfaceLang": lang});
    let (code, saved) = olga.call(Method::PUT, "/api/operator/v1/interface-lang", Some(set("en"))).await;
    assert_eq!((code, saved["operator"]["interfaceLang"].as_str()), (200, Some("en")), "{saved}");
    assert_eq!(me(&olga).await["interfaceLang"], "en");
    assert_eq!(me(&olga).await["operator"]["interfaceLang"], "en");
    let refused = olga.call(Method::PUT, "/api/operator/v1/interface-lang", Some(set("de"))).await;
    assert_eq!(error(refused), (422, "unsupported-interface-language".into()));
    let refused = olga.call(Method::PUT, "/api/operator/v1/interface-lang", Some(set("xx"))).await;
    assert_eq!(error(refused), (422, "unknown-language".into()));
    assert_eq!(me(&olga).await["interfaceLang"], "en", "a refusal changes nothing");

    // The administrator sets it in her card; empty follows the main language again.
    let card = |lang: &str| json!({"name": "Ольга", "email": "olga@x.io", "interfaceLang": lang});
    let path = format!("/api/admin/v1/operators/{}", olga.id);
    let (code, saved) = admin.call(Method::PUT, &path, Some(card("ru"))).await;
    assert_eq!((code, saved["operator"]["interfaceLang"].as_str()), (200, Some("ru")), "{saved}");
    assert_eq!(me(&olga).await["interfaceLang"], "ru");
    let (_, list) = admin.get("/api/admin/v1/operators").await;
    let listed = list["operators"].as_array().expect("operators").iter().find(|o| o["id"] == olga.id).cloned();
    assert_eq!(listed.expect("olga")["interfaceLang"], "ru");
    assert_eq!(error(admin.call(Method::PUT, &path, Some(card("de"))).await).0, 422);
    let (code, _) = admin.call(Method::PUT, &path, Some(card(""))).await;
    assert_eq!(code, 200);
    server.settings(|s| s.default_lang = "en".into()).await;
    assert_eq!(me(&olga).await["interfaceLang"], "en");
    assert!(me(&olga).await["operator"]["interfaceLang"].is_null());
    // A card saved without the key keeps the choice.
    olga.call(Method::PUT, "/api/operator/v1/interface-lang", Some(set("ru"))).await;
    let (code, _) = admin.call(Method::PUT, &path, Some(json!({"name": "Ольга", "email": "olga@x.io"}))).await;
    assert_eq!(code, 200);
    assert_eq!(me(&olga).await["interfaceLang"], "ru");
    // A card refused (the e-mail is another operator's) changes nothing, the language neither.
    let taken = json!({"name": "Ольга", "email": "admin@x.io", "interfaceLang": "en"});
    assert_eq!(error(admin.call(Method::PUT, &path, Some(taken)).await), (409, "email-taken".into()));
    assert_eq!(me(&olga).await["interfaceLang"], "ru");
    server.stop().await;
}

#[tokio::test]
async fn a_redirect_changes_the_language_only_to_one_an_operator_online_speaks() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let olga = server.operator("olga@x.io", "Ольга", OperatorRole::Operator).await;
    let hans = server.operator("hans@x.io", "Hans", OperatorRole::Operator).await;
    speaks(&admin, &admin, json!(["ru", "en"])).await;
    speaks(&admin, &olga, json!(["ru"])).await;
    speaks(&admin, &hans, json!(["de"])).await;
    admin.set_status("online").await;
    olga.set_status("online").await;

    let (_v, chat) = chat_on(&server, "default").await;
    let redirect = format!("/api/operator/v1/chats/{chat}/redirect");
    assert_eq!(admin.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    // Without multilingual mode a chat keeps the main language.
    let refused = admin.post(&redirect, json!({"queue": true, "language": "de"})).await;
    assert_eq!(error(refused), (409, "multilang-off".into()));

    patch_settings(&admin, json!({"multilang": true})).await;
    assert_eq!(
        error(admin.post(&redirect, json!({"queue": true, "language": "xx"})).await),
        (422, "unknown-language".into())
    );
    // Hans, the only German speaker, is offline: nobody online can take a German chat.
    let refused = admin.post(&redirect, json!({"queue": true, "language": "de"})).await;
    assert_eq!(error(refused), (409, "language-not-spoken-online".into()));
    // A department that does not exist is that, whatever the language.
    let refused = admin.post(&redirect, json!({"departmentKey": "nope", "language": "de"})).await;
    assert_eq!(error(refused), (400, "wrong-argument-value".into()));
    let refused = admin.post(&redirect, json!({"operatorId": olga.id, "language": "de"})).await;
    assert_eq!(error(refused), (409, "operator-language-not-spoken".into()));
    assert_eq!(language_of(&admin, chat).await, "ru", "refusals change nothing");

    // Online, he is offered it: to the queue in German, the lists show it him and not Olga.
    hans.set_status("online").await;
    let (code, body) = admin.post(&redirect, json!({"queue": true, "language": "de"})).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(language_of(&admin, chat).await, "de");
    assert!(waiting(&hans).await.contains(&chat));
    assert!(!waiting(&olga).await.contains(&chat));
    // And to an operator directly, in a language they speak.
    let (code, body) = admin.post(&redirect, json!({"operatorId": olga.id, "language": "ru"})).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(language_of(&admin, chat).await, "ru");
    server.stop().await;
}

/// The texts the visitor was sent in their chat.
async fn system_texts(v: &Visitor) -> Vec<String> {
    chat_of(v).await["messages"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["kind"] == "info")
        .filter_map(|m| m["text"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn system_messages_follow_the_chat_language() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    speaks(&admin, &admin, json!(["ru", "en", "de"])).await;
    patch_settings(&admin, json!({"multilang": true})).await;
    assert_eq!(placement(&admin, "shop-en", "en").await.0, 200);
    assert_eq!(placement(&admin, "shop-de", "de").await.0, 200);
    // A Russian organisation: the English and the German chat are told in English, the
    // Russian one in Russian.
    for (location, joined) in [
        ("shop-en", "Admin has joined the chat"),
        ("shop-de", "Admin has joined the chat"),
        ("default", "Вам отвечает оператор Admin"),
    ] {
        let (v, chat) = chat_on(&server, location).await;
        assert_eq!(admin.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
        let texts = system_texts(&v).await;
        assert!(texts.iter().any(|t| t == joined), "{location}: {texts:?}");
        assert_eq!(admin.post(&format!("/api/operator/v1/chats/{chat}/close"), json!({})).await.0, 200);
        let closed = if location == "default" {
            "Оператор закрыл диалог"
        } else {
            "The operator has closed the chat"
        };
        let texts = system_texts(&v).await;
        assert!(texts.iter().any(|t| t == closed), "{location}: {texts:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn the_visitor_cannot_change_the_chat_language_once_it_started() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    patch_settings(&admin, json!({"multilang": true})).await;
    assert_eq!(placement(&admin, "shop-en", "en").await.0, 200);
    let (v, chat) = chat_on(&server, "shop-en").await;
    assert_eq!(language_of(&admin, chat).await, "en");
    // The visitor comes back to the same visit on the Russian page: the chat stays English.
    let again = Visitor::init(&server, "default", Some(&v.session_id)).await;
    assert_eq!(again.chat_id().await, chat);
    again.send("m2", "Ещё вопрос").await;
    assert_eq!(language_of(&admin, chat).await, "en");
    server.stop().await;
}
