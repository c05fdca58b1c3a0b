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
const ZOHO_ACCESS: &str = "1000.2370ff002f7ec1e8d2d8bcbd4e9b1b59.1a7e48a8bb5b7c1cef0b9c1b0e5bb0a1";
const ZOHO_REFRESH: &str = "1000.86a03ca5dbfccb7445b1889b8215efb0.cad9e1ae4989a1196fe05aa729fcb4e1";
const AMO_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.long-lived";

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
    mock.answer("/api/v4/contacts", 200, r#"{"_embedded":{"contacts":[{"id":9001,"request_id":"0"}]}}"#);
    mock.answer(
        "/oauth/v2/token",
        200,
        &format!(r#"{{"access_token":"{ZOHO_ACCESS}","api_domain":"https://www.zohoapis.com","token_type":"Bearer","expires_in":3600}}"#),
    );
    mock.answer(
        "/crm/v6/Leads",
        201,
        r#"{"data":[{"code":"SUCCESS","details":{"id":"4150868000000624001"},"message":"record added","status":"success"}]}"#,
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
        ("amocrm_long_lived_token", AMO_TOKEN),
        ("zoho_data_center", "eu"),
        ("zoho_client_id", "1000.GMB0YULZHJK411248S8I5GZ4CHUEX0"),
        ("zoho_client_secret", "122c324d3496d5d777ceeebc129470715fbb856b7"),
        ("zoho_refresh_token", ZOHO_REFRESH),
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
            ["/api/v4/contacts", "/crm/v6/Leads", "/ru/api/subscribe", "/api/v2/tickets.json"]
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

    // amoCRM (API v4): the contact, with the long-lived token as a bearer token; the phone and
    // e-mail in the standard fields by their codes.
    let contact = one(&requests, "/api/v4/contacts");
    assert_eq!(contact.method, "POST");
    assert_eq!(contact.header("authorization"), Some(format!("Bearer {AMO_TOKEN}").as_str()));
    assert_eq!(
        contact.json(),
        json!([{"name": "Иван Петров", "request_id": format!("beseda-chat-{chat}"), "_embedded": {"tags": [{"name": "beseda"}]},
                "custom_fields_values": [
            {"field_code": "PHONE", "values": [{"value": "+79991234567", "enum_code": "WORK"}]},
            {"field_code": "EMAIL", "values": [{"value": "ivan@mail.ru", "enum_code": "WORK"}]}]}])
    );

    // Zoho: an access token for the refresh token (query parameters, as documented), then the
    // lead with the Lead Source.
    let auth = one(&requests, "/oauth/v2/token");
    assert_eq!(auth.method, "POST");
    let q = query(&auth);
    assert_eq!(
        (q["grant_type"].as_str(), q["refresh_token"].as_str(), q["client_id"].as_str()),
        ("refresh_token", ZOHO_REFRESH, "1000.GMB0YULZHJK411248S8I5GZ4CHUEX0")
    );
    assert_eq!(q["client_secret"], "122c324d3496d5d777ceeebc129470715fbb856b7");
    let lead = one(&requests, "/crm/v6/Leads");
    assert_eq!(lead.header("authorization"), Some(format!("Zoho-oauthtoken {ZOHO_ACCESS}").as_str()));
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
    mock.wait_until(10, |r| r.iter().filter(|x| x.path() == "/crm/v6/Leads").count() == 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The access token was kept and used again: one token call for both chats.
    assert_eq!(mock.requests().iter().filter(|x| x.path() == "/oauth/v2/token").count(), 1);
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
