//! CRM integrations against a local stand-in for Zendesk, amoCRM, Zoho and Unisender: the exact
//! calls each new chat makes, a retried failure, and the Unisender bulk export with progress.

use crate::common;

use base64::Engine;
use beseda_core::state::OperatorRole;
use beseda_server::{ApiUrls, ServerConfig};
use common::mock_http::{MockHttp, Recorded};
use common::*;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;

const ZENDESK_TOKEN: &str = "6wiIBWbGkBMo1mRDMuVwkw1EPsNkeUj95PIz2akv";
const UNISENDER_KEY: &str = "oaea9ni6znjm97a3w4fy55jwakpgdz8qgfctznsu";
const ZOHO_TOKEN: &str = "bad18eba1ff45jk7858b8ae88a77fa30";

async fn server_at(mock: &MockHttp) -> TestServer {
    let config = ServerConfig {
        longpoll_hold: Duration::from_secs(5),
        api_urls: ApiUrls::all_at(&mock.url("")),
        crm_retry_delays: vec![Duration::from_millis(100), Duration::from_millis(100)],
        ..ServerConfig::default()
    };
    TestServer::start_with(config).await
}

fn crm_stand_in(mock: &MockHttp) {
    mock.answer("/api/v2/tickets.json", 201, r#"{"ticket":{"id":35436}}"#);
    mock.answer(
        "/api/v2/account",
        200,
        r#"{"id":1,"_embedded":{"custom_fields":{"contacts":{"101":{"id":101,"name":"Телефон","code":"PHONE"},"102":{"id":102,"name":"Email","code":"EMAIL"},"103":{"id":103,"name":"Должность","code":"POSITION"}}}}}"#,
    );
    mock.answer("/api/v2/contacts", 200, r#"{"_embedded":{"items":[{"id":9001}]}}"#);
    mock.answer("/apiauthtoken/nb/create", 200, &format!("#\n#Sat Nov 21 2026\nAUTHTOKEN={ZOHO_TOKEN}\nRESULT=TRUE\n"));
    mock.answer(
        "/crm/v2/Leads",
        201,
        r#"{"data":[{"code":"SUCCESS","details":{"id":"4150868000000624001"},"status":"success"}]}"#,
    );
    mock.answer("/ru/api/getLists", 200, r#"{"result":[{"id":7,"title":"Другой"}]}"#);
    mock.answer("/ru/api/createList", 200, r#"{"result":{"id":8}}"#);
    mock.answer("/ru/api/subscribe", 200, r#"{"result":{"person_id":555}}"#);
    mock.answer(
        "/ru/api/importContacts",
        200,
        r#"{"result":{"total":1,"inserted":1,"updated":0,"deleted":0,"new_emails":1,"invalid":0}}"#,
    );
}

fn form(r: &Recorded) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://x/?{}", r.body)).expect("form").query_pairs().into_owned().collect()
}

fn query(r: &Recorded) -> HashMap<String, String> {
    reqwest::Url::parse(&format!("http://x{}", r.uri)).expect("uri").query_pairs().into_owned().collect()
}

fn one(requests: &[Recorded], path: &str) -> Recorded {
    let found: Vec<&Recorded> = requests.iter().filter(|r| r.path() == path).collect();
    assert_eq!(found.len(), 1, "{path}: {found:#?}");
    found[0].clone()
}

#[tokio::test]
async fn a_new_chat_reaches_every_crm_with_the_documented_calls() {
    let mock = MockHttp::start().await;
    crm_stand_in(&mock);
    // Zendesk is down for the first call.
    mock.answer("/api/v2/tickets.json", 503, r#"{"error":"unavailable"}"#);
    let server = server_at(&mock).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let (_, body) = admin.get("/api/admin/v1/settings").await;
    let mut settings = body["settings"].clone();
    settings["zendesk_subdomain"] = json!("sila.ru/evil");
    let (code, body) = admin.call(reqwest::Method::PUT, "/api/admin/v1/settings", Some(settings.clone())).await;
    assert_eq!((code, body["error"].as_str()), (422, Some("invalid-setting")), "{body}");
    for (k, v) in [
        ("zendesk_subdomain", "sila"),
        ("zendesk_login", "agent@sila.ru"),
        ("zendesk_api_token", ZENDESK_TOKEN),
        ("amocrm_account", "sila"),
        ("amocrm_login", "admin@sila.ru"),
        ("amocrm_api_key", "4f8a7e1d2c3b"),
        ("zoho_email", "crm@sila.ru"),
        ("zoho_password", "p@ss w0rd"),
        ("zoho_lead_source", "Beseda"),
        ("unisender_api_key", UNISENDER_KEY),
        ("unisender_list_name", "Beseda"),
    ] {
        settings[k] = json!(v);
    }
    let (code, body) = admin.call(reqwest::Method::PUT, "/api/admin/v1/settings", Some(settings)).await;
    assert_eq!(code, 200, "{body}");

    let v = server.visitor().await;
    let fields = json!({"name": "Иван Петров", "email": "ivan@mail.ru", "phone": "+79991234567"}).to_string();
    v.ok("chat.start", &[("first-question", "Нужен счёт на оплату"), ("visitor-fields", &fields)]).await;
    let chat = v.chat_id().await;
    let requests = mock
        .wait_until(10, |r| {
            ["/api/v2/contacts", "/crm/v2/Leads", "/ru/api/subscribe", "/api/v2/tickets.json"]
                .iter()
                .all(|p| r.iter().any(|x| x.path() == *p))
        })
        .await;

    // Zendesk: a ticket, with the token form of Basic auth and an idempotency key.
    let ticket = one(&requests, "/api/v2/tickets.json");
    assert_eq!((ticket.method.as_str(), ticket.answered), ("POST", 503));
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("agent@sila.ru/token:{ZENDESK_TOKEN}"));
    assert_eq!(ticket.header("authorization"), Some(format!("Basic {basic}").as_str()));
    assert_eq!(ticket.header("idempotency-key"), Some(format!("beseda-chat-{chat}").as_str()));
    assert_eq!(ticket.header("content-type"), Some("application/json"));
    assert_eq!(
        ticket.json(),
        json!({"ticket": {
            "subject": format!("Чат № {chat}: Нужен счёт на оплату"),
            "comment": {"body": "Нужен счёт на оплату\n\nПосетитель: Иван Петров\nE-mail: ivan@mail.ru\nPhone: +79991234567"},
            "external_id": format!("beseda-chat-{chat}"),
            "tags": ["beseda", "chat"],
            "requester": {"name": "Иван Петров", "email": "ivan@mail.ru"}}})
    );
    // …retried once Zendesk is back: the same ticket, the same key.
    mock.answer("/api/v2/tickets.json", 201, r#"{"ticket":{"id":35436}}"#);
    let requests = mock.wait_until(10, |r| r.iter().filter(|x| x.path() == "/api/v2/tickets.json").count() == 2).await;
    let retried: Vec<&Recorded> = requests.iter().filter(|x| x.path() == "/api/v2/tickets.json").collect();
    assert_eq!((retried[1].answered, &retried[1].body), (201, &retried[0].body));
    assert_eq!(retried[1].header("idempotency-key"), retried[0].header("idempotency-key"));

    // amoCRM: the field ids from the account, then the contact; the key in USER_LOGIN/USER_HASH.
    let account = one(&requests, "/api/v2/account");
    assert_eq!(account.method, "GET");
    let q = query(&account);
    assert_eq!(
        (q["with"].as_str(), q["USER_LOGIN"].as_str(), q["USER_HASH"].as_str()),
        ("custom_fields", "admin@sila.ru", "4f8a7e1d2c3b")
    );
    let contact = one(&requests, "/api/v2/contacts");
    assert_eq!(contact.method, "POST");
    assert_eq!(query(&contact)["USER_HASH"], "4f8a7e1d2c3b");
    assert_eq!(
        contact.json(),
        json!({"add": [{"name": "Иван Петров", "tags": "beseda", "custom_fields": [
            {"id": 101, "values": [{"value": "+79991234567", "enum": "WORK"}]},
            {"id": 102, "values": [{"value": "ivan@mail.ru", "enum": "WORK"}]}]}]})
    );

    // Zoho: an auth token for the e-mail and password, then the lead with the Lead Source.
    let auth = one(&requests, "/apiauthtoken/nb/create");
    let f = form(&auth);
    assert_eq!(
        (f["SCOPE"].as_str(), f["EMAIL_ID"].as_str(), f["PASSWORD"].as_str()),
        ("ZohoCRM/crmapi", "crm@sila.ru", "p@ss w0rd")
    );
    let lead = one(&requests, "/crm/v2/Leads");
    assert_eq!(lead.header("authorization"), Some(format!("Zoho-authtoken {ZOHO_TOKEN}").as_str()));
    assert_eq!(
        lead.json(),
        json!({"data": [{"Last_Name": "Иван Петров", "Lead_Source": "Beseda", "Description": format!("Нужен счёт на оплату\n\n#{chat}"),
                         "Email": "ivan@mail.ru", "Phone": "+79991234567"}]})
    );

    // Unisender: the list by name (made, as it is missing), then the subscription.
    let lists = one(&requests, "/ru/api/getLists");
    assert_eq!((form(&lists)["format"].as_str(), form(&lists)["api_key"].as_str()), ("json", UNISENDER_KEY));
    assert_eq!(form(&one(&requests, "/ru/api/createList"))["title"], "Beseda");
    let sub = form(&one(&requests, "/ru/api/subscribe"));
    for (k, v) in [
        ("list_ids", "8"),
        ("double_optin", "3"),
        ("overwrite", "0"),
        ("fields[email]", "ivan@mail.ru"),
        ("fields[phone]", "+79991234567"),
        ("fields[Name]", "Иван Петров"),
        ("api_key", UNISENDER_KEY),
    ] {
        assert_eq!(sub.get(k).map(String::as_str), Some(v), "{k}");
    }

    // A visitor who left no contacts is not subscribed (the other CRMs still hear of the chat).
    let anon = server.visitor().await;
    anon.ok("chat.start", &[("first-question", "Просто вопрос")]).await;
    mock.wait_until(10, |r| r.iter().filter(|x| x.path() == "/crm/v2/Leads").count() == 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(mock.requests().iter().filter(|x| x.path() == "/ru/api/subscribe").count(), 1);
    server.stop().await;
}

#[tokio::test]
async fn every_contact_of_the_history_is_exported_to_unisender_with_progress() {
    let mock = MockHttp::start().await;
    crm_stand_in(&mock);
    mock.answer("/ru/api/getLists", 200, r#"{"result":[{"id":7,"title":"Beseda"}]}"#);
    let server = server_at(&mock).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let op = server.operator("op@x.io", "Оператор", OperatorRole::Operator).await;
    // Not set up yet: refused.
    let (code, body) = admin.post("/api/admin/v1/integrations/unisender/export", json!({})).await;
    assert_eq!((code, body["error"].as_str()), (422, Some("unisender-not-configured")));
    server
        .settings(|s| {
            s.unisender_api_key = UNISENDER_KEY.into();
            s.unisender_list_name = "Beseda".into();
        })
        .await;
    // 1,100 visitors with an e-mail or phone, and some without.
    let (code, ch) = admin.call(reqwest::Method::PUT, "/api/admin/v1/channels", Some(json!({"title": "Import"}))).await;
    assert_eq!(code, 200, "{ch}");
    let key = ch["key"].as_str().expect("key");
    for i in 0..1150 {
        let fields = match i % 23 {
            0 => json!({"name": format!("Без контактов {i}")}),
            1 => json!({"phone": format!("+7999{i:07}")}),
            _ => json!({"name": format!("Клиент {i}"), "email": format!("client{i}@mail.ru")}),
        };
        server.store.channel_visitor(key, &format!("u{i}"), Some(&fields)).await.expect("visitor");
    }
    assert_eq!(op.post("/api/admin/v1/integrations/unisender/export", json!({})).await.0, 403);
    let (code, body) = admin.post("/api/admin/v1/integrations/unisender/export", json!({})).await;
    assert_eq!(code, 200, "{body}");
    let total = body["export"]["total"].as_i64().expect("total");
    assert_eq!(total, 1100);
    let mut last = json!(null);
    for _ in 0..100 {
        let (_, p) = admin.get("/api/admin/v1/integrations/unisender/export").await;
        last = p.clone();
        if p["export"]["state"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!((last["export"]["state"].as_str(), last["percent"].as_i64()), (Some("done"), Some(100)), "{last}");
    assert_eq!(last["export"]["done"].as_i64(), Some(total));
    let imports: Vec<Recorded> = mock.requests().into_iter().filter(|r| r.path() == "/ru/api/importContacts").collect();
    let rows: Vec<usize> = imports.iter().map(|r| form(r).keys().filter(|k| k.ends_with("][0]")).count()).collect();
    assert_eq!(rows, [500, 500, 100], "500 a call");
    let first = form(&imports[0]);
    assert_eq!(
        (0..5).map(|i| first[&format!("field_names[{i}]")].clone()).collect::<Vec<_>>(),
        ["email", "phone", "Name", "email_list_ids", "phone_list_ids"]
    );
    let phone_row = (0..500).find(|r| !first[&format!("data[{r}][1]")].is_empty()).expect("a phone-only row");
    assert_eq!(first[&format!("data[{phone_row}][0]")], "");
    assert_eq!(first[&format!("data[{phone_row}][4]")], "7");
    let email_row = (0..500).find(|r| !first[&format!("data[{r}][0]")].is_empty()).expect("an e-mail row");
    assert!(first[&format!("data[{email_row}][2]")].starts_with("Клиент "));
    assert_eq!(first[&format!("data[{email_row}][3]")], "7");

    // A refused key ends the next export as failed, with the reason shown.
    mock.answer("/ru/api/getLists", 200, r#"{"error":"Invalid API key","code":"invalid_api_key"}"#);
    let (_, body) = admin.post("/api/admin/v1/integrations/unisender/export", json!({})).await;
    assert_ne!(body["export"]["id"], last["export"]["id"]);
    let mut p = Value::Null;
    for _ in 0..100 {
        p = admin.get("/api/admin/v1/integrations/unisender/export").await.1;
        if p["export"]["state"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(p["export"]["state"], "failed", "{p}");
    assert!(p["export"]["error"].as_str().expect("error").contains("Invalid API key"));
    server.stop().await;
}
