//! The operator's visitor context and history search, through the HTTP API on SQLite and
//! PostgreSQL: a visitor comes with a browser, a referrer and pre-chat fields, walks pages and
//! writes twice; the chat detail shows all of it, the earlier chat and the placement's title (or
//! `null` when the placement is gone), operators search their history with the admin panel's
//! filters, and neither shows a chat the operator may not see (`beseda_core::visibility`).

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_server::ServerConfig;
use common::*;
use serde_json::{json, Value};
use std::time::Duration;

const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1";

/// An init as a browser sends it, with its `User-Agent` and a forwarded-for header the server
/// must not believe from an untrusted peer.
async fn browser_init(server: &TestServer, extra: &[(&str, String)]) -> Visitor {
    let mut q = vec![
        ("event", "init".to_owned()),
        ("since", "0".into()),
        ("respond-immediately", "1".into()),
        ("device-id", "iphone-1".into()),
        ("location", "default".into()),
        ("platform", "web".into()),
        ("title", "Каталог".into()),
    ];
    q.extend(extra.iter().cloned());
    let resp = server
        .http
        .get(server.url("/l/v/m/init"))
        .header("user-agent", IPHONE)
        .header("x-forwarded-for", "203.0.113.9")
        .query(&q)
        .send()
        .await
        .expect("init");
    assert_eq!(resp.status().as_u16(), 200);
    Visitor::from_init(server, resp.json().await.expect("init json"))
}

fn context(detail: &Value) -> &Value {
    &detail["visitorContext"]
}

/// The operator history with a query string.
async fn h(who: &Operator, q: &str) -> Value {
    let path = format!("/api/operator/v1/history?{q}");
    let (code, body) = who.get(&path).await;
    assert_eq!(code, 200, "{path}: {body}");
    body
}

fn ids(rows: &Value) -> Vec<i64> {
    rows["chats"].as_array().expect("chats").iter().map(|c| c["id"].as_i64().expect("id")).collect()
}

async fn run(server: TestServer) {
    server
        .settings(|s| {
            s.hide_others_chats = true;
            s.categories = vec!["Доставка".into(), "Оплата".into()];
        })
        .await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let boris = server.operator("boris@x.io", "Борис", OperatorRole::Operator).await;

    // A visit: from a search page, with pre-chat fields, over three pages (one reloaded).
    let v = browser_init(
        &server,
        &[
            ("referrer", "https://search.example/?q=дрель".into()),
            ("prechat-key-independent-fields", json!({"Город": "Казань", "Номер заказа": 17}).to_string()),
        ],
    )
    .await;
    v.ok(
        "page_visit",
        &[("url", "https://shop.example/catalog"), ("title", "Каталог"), ("referrer", "https://x.example/")],
    )
    .await;
    v.ok("page_visit", &[("url", "https://shop.example/drill"), ("title", "Дрель «Сила-500»")]).await;
    v.ok("page_visit", &[("url", "https://shop.example/drill"), ("title", "Дрель «Сила-500»")]).await;
    let (code, body) = v.action("chat.set_prechat_fields", &[("prechat-key-independent-fields", "[1, 2]")]).await;
    assert_eq!((code, body["error"].as_str()), (400, Some("wrong-argument-value")), "{body}");
    let long = format!("https://x.example/{}", "a".repeat(2048));
    let (code, body) = v.action("page_visit", &[("url", "https://shop.example/"), ("referrer", &long)]).await;
    assert_eq!((code, body["error"].as_str()), (400, Some("wrong-argument-value")), "{body}");
    let (code, body) =
        Visitor::init_raw(&server, "default", None, &[("prechat-key-independent-fields", "\"text\"".into())]).await;
    assert_eq!((code, body["error"].as_str()), (400, Some("wrong-argument-value")), "{body}");

    // The first chat: Anna answers and closes it; the visitor closes it too.
    anna.set_status("online").await;
    v.send("q1", "Сколько стоит дрель «Сила-500»?").await;
    let first = v.chat_id().await;
    assert_eq!(anna.reply(first, "a1", "4 990 ₽").await.0, 200);
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{first}/close"), json!({})).await.0, 200);
    v.ok("chat.close", &[]).await;
    anna.set_status("offline").await;

    // The second chat, Boris's, with the visitor's name from the start form.
    boris.set_status("online").await;
    v.ok(
        "chat.start",
        &[
            ("client-side-id", "start2"),
            ("force-online", "1"),
            ("first-question", "Какая доставка в Казань?"),
            ("visitor-fields", &json!({"name": "Ольга", "email": "olga@example.com"}).to_string()),
        ],
    )
    .await;
    let second = v.chat_id().await;
    assert_ne!(first, second, "a closed chat is not continued");
    assert_eq!(boris.reply(second, "b1", "Доставка бесплатная").await.0, 200);
    let (code, _) =
        boris.post(&format!("/api/operator/v1/chats/{second}/category"), json!({"category": "Доставка"})).await;
    assert_eq!(code, 200);

    // Boris's view of his chat.
    let (code, detail) = boris.get(&format!("/api/operator/v1/chats/{second}")).await;
    assert_eq!(code, 200, "{detail}");
    let c = context(&detail);
    assert_eq!(c["name"], "Ольга");
    assert!(c["number"].as_i64().is_some_and(|n| n > 0), "{c}");
    assert_eq!(c["fields"]["email"], "olga@example.com");
    assert_eq!(c["identified"], false);
    assert_eq!(c["prechat"], json!({"Город": "Казань", "Номер заказа": "17"}));
    assert_eq!((&c["browser"], &c["browserVersion"]), (&json!("Safari"), &json!("17")));
    assert_eq!((&c["os"], &c["osVersion"], &c["device"]), (&json!("iOS"), &json!("17.6.1"), &json!("mobile")));
    assert_eq!(c["userAgent"], IPHONE);
    assert_eq!(c["platform"], "web");
    assert_eq!(c["address"], "127.0.0.1", "an untrusted peer's X-Forwarded-For is not believed");
    assert_eq!(c["referrer"], "https://search.example/?q=дрель", "the first referrer of the visit stays");
    assert_eq!(c["currentPage"], "https://shop.example/drill");
    let pages: Vec<(&str, &str)> = c["pages"]
        .as_array()
        .expect("pages")
        .iter()
        .map(|p| (p["url"].as_str().expect("url"), p["title"].as_str().expect("title")))
        .collect();
    assert_eq!(
        pages,
        [("https://shop.example/catalog", "Каталог"), ("https://shop.example/drill", "Дрель «Сила-500»")]
    );
    assert!(c["pages"][0]["ts"].as_f64().expect("ts") <= c["pages"][1]["ts"].as_f64().expect("ts"));
    assert!(c["timeOnSiteSecs"].as_i64().expect("time on site") >= 0);
    assert!(c["visitStartedTs"].as_f64().is_some());
    assert_eq!(c["visits"], 1);
    assert_eq!(c["category"], "Доставка");
    assert_eq!(c["previousChats"], json!([]), "Anna's chat is hidden from Boris (hide_others_chats)");
    // ... and so is opening it, and finding it.
    let (code, body) = boris.get(&format!("/api/operator/v1/chats/{first}")).await;
    assert_eq!((code, body["error"].as_str()), (403, Some("hidden-by-settings")), "{body}");

    // The administrator sees the earlier chat in the context and opens it.
    let (_, detail) = admin.get(&format!("/api/operator/v1/chats/{second}")).await;
    let previous = &context(&detail)["previousChats"];
    assert_eq!(previous.as_array().map(Vec::len), Some(1), "{previous}");
    assert_eq!(previous[0]["id"], first);
    assert_eq!(previous[0]["state"], "closed");
    assert_eq!(previous[0]["operator"], "Анна");
    assert_eq!(previous[0]["firstMessage"], "Сколько стоит дрель «Сила-500»?");
    assert_eq!(previous[0]["messages"].as_i64().map(|n| n >= 2), Some(true));
    let (code, old) = admin.get(&format!("/api/operator/v1/chats/{first}")).await;
    assert_eq!(code, 200);
    assert_eq!(old["chat"]["state"], "closed");
    // Anna sees her own earlier chat, not Boris's.
    let (code, detail) = anna.get(&format!("/api/operator/v1/chats/{first}")).await;
    assert_eq!(code, 200, "{detail}");
    assert_eq!(context(&detail)["previousChats"], json!([]));
    assert_eq!(anna.get(&format!("/api/operator/v1/chats/{second}")).await.0, 403);

    // Operator history: text search over the chats each may see.
    assert_eq!(ids(&h(&boris, "q=ДОСТАВКА").await), [second], "case-insensitive substring");
    assert_eq!(ids(&h(&boris, "q=дрель").await), Vec::<i64>::new(), "Anna's chat stays hidden");
    assert_eq!(ids(&h(&anna, "q=дрель").await), [first]);
    assert_eq!(ids(&h(&anna, "q=4 990").await), [first], "operators' messages are searched too");
    assert_eq!(ids(&h(&anna, "").await), [first]);
    assert_eq!(ids(&h(&boris, "category=Доставка").await), [second]);
    assert_eq!(ids(&h(&boris, "category=Оплата").await), Vec::<i64>::new());
    assert_eq!(ids(&h(&admin, "").await), [second, first]);
    assert_eq!(ids(&h(&admin, &format!("operator={}", anna.id)).await), [first]);
    assert_eq!(ids(&h(&admin, "department=nowhere").await), Vec::<i64>::new());
    let tomorrow_and_on = h(&admin, "from=2000-01-01&to=2000-01-02").await;
    assert_eq!(ids(&tomorrow_and_on), Vec::<i64>::new(), "the period filters");
    let page1 = h(&admin, "limit=1").await;
    assert_eq!((ids(&page1), &page1["truncated"], &page1["nextOffset"]), (vec![second], &json!(true), &json!(1)));
    let page2 = h(&admin, "limit=1&offset=1").await;
    assert_eq!((ids(&page2), &page2["truncated"], &page2["nextOffset"]), (vec![first], &json!(false), &Value::Null));
    let row = &h(&boris, "q=доставка").await["chats"][0];
    assert_eq!(
        (&row["visitor"], &row["operator"], &row["category"]),
        (&json!("Ольга"), &json!("Борис"), &json!("Доставка"))
    );
    for bad in ["limit=0", "limit=501", "from=yesterday", "format=csv", "unknown=1"] {
        let (code, body) = boris.get(&format!("/api/operator/v1/history?{bad}")).await;
        assert_eq!(code, 400, "{bad}: {body}");
        assert!(body["error"].is_string(), "{bad}: {body}");
    }

    // The admin history shows the visitor (the column was empty for everyone).
    let (code, rows) = admin.get("/api/admin/v1/history").await;
    assert_eq!(code, 200);
    assert_eq!(ids(&rows), [second, first]);
    assert!(rows["chats"].as_array().expect("rows").iter().all(|r| r["visitor"] == "Ольга"), "{rows}");
    let csv = server
        .http
        .get(server.url("/api/admin/v1/history?format=csv"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("csv text");
    assert!(csv.lines().nth(1).is_some_and(|l| l.contains("\"Ольга\"")), "{csv}");

    // A later visit of the same visitor counts; its pages start again.
    tokio::time::sleep(Duration::from_millis(5)).await;
    let again =
        browser_init(&server, &[("visitor", v.visitor.to_string()), ("page-url", "https://shop.example/".into())])
            .await;
    assert_ne!(again.session_id, v.session_id);
    let (_, detail) = boris.get(&format!("/api/operator/v1/chats/{second}")).await;
    let c = context(&detail);
    assert_eq!(c["visits"], 2);
    assert_eq!(c["pages"].as_array().map(Vec::len), Some(1), "{c}");
    assert_eq!(c["currentPage"], "https://shop.example/");
    assert_eq!(c["referrer"], Value::Null);
    server.stop().await;
}

#[tokio::test]
async fn visitor_context_and_history() {
    run(TestServer::start().await).await;
}

/// Behind a trusted proxy the address is the one the proxy names.
#[tokio::test]
async fn address_behind_a_trusted_proxy() {
    let config = ServerConfig {
        longpoll_hold: Duration::from_secs(5),
        trusted_proxies: vec!["127.0.0.1".parse().expect("ip")],
        ..ServerConfig::default()
    };
    let server = TestServer::start_with(config).await;
    let op = server.operator("sup@x.io", "Супервизор", OperatorRole::Supervisor).await;
    let v = browser_init(&server, &[]).await;
    v.send("q", "Здравствуйте").await;
    let (_, detail) = op.get(&format!("/api/operator/v1/chats/{}", v.chat_id().await)).await;
    assert_eq!(context(&detail)["address"], "203.0.113.9");
    // An unnamed visitor is «Посетитель N» in the admin history, N their number.
    let number = context(&detail)["number"].as_i64().expect("number");
    let (_, rows) = op.get("/api/admin/v1/history").await;
    assert_eq!(rows["chats"][0]["visitor"], format!("Посетитель {number}"));
    server.stop().await;
}

/// The chat detail names the chat's placement by its title (`placementTitle`, `chat.location`
/// being its key), and gives `null` once the placement is gone (removed from the database: the
/// panel has no way to delete one).
#[tokio::test]
async fn the_chat_detail_names_its_placement() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@place.test", "Админ", OperatorRole::Admin).await;
    let body = json!({"title": "Сайт <b>«Весна»</b>", "lang": "ru"});
    let (code, made) = admin.call(reqwest::Method::PUT, "/api/admin/v1/placements/spring", Some(body)).await;
    assert_eq!(code, 200, "{made}");
    let v = Visitor::init(&server, "spring", None).await;
    v.send("q1", "Здравствуйте").await;
    let chat = v.chat_id().await;
    let (code, detail) = admin.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!(code, 200, "{detail}");
    assert_eq!(
        (&detail["chat"]["location"], &detail["placementTitle"]),
        (&json!("spring"), &json!("Сайт <b>«Весна»</b>"))
    );
    server.sql(&["DELETE FROM placements WHERE key = 'spring'"]).await;
    let (_, detail) = admin.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!((&detail["chat"]["location"], &detail["placementTitle"]), (&json!("spring"), &Value::Null), "{detail}");
    server.stop().await;
}
