//! Statistics match a seeded history exactly: chats, outcomes, busy messages, first-answer and
//! response times and ratings, by day, operator, department, category and subcategory, as JSON
//! and CSV.

use crate::common;

use beseda_core::local_time;
use beseda_core::state::OperatorRole;
use beseda_core::time::{Clock, ManualClock};
use common::*;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn the_figures_match_the_history() {
    let clock = Arc::new(ManualClock::new());
    let server = TestServer::start_with_clock(clock.clone()).await;
    server
        .settings(|s| {
            s.time_zone = "UTC".into();
            s.first_answer_timeout_secs = 60;
            s.refusal_timeout_secs = 30;
        })
        .await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let sup = server.operator("sup@x.io", "Супервизор", OperatorRole::Supervisor).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let sec = |n: u64| Duration::from_secs(n);
    let day1 = local_time::format(clock.now(), "UTC", "%Y-%m-%d");

    // Chat A: answered after 30 s; the next answer after 20 s; rated 5 of 5.
    let a = server.visitor().await;
    a.send("a1", "Вопрос А").await;
    let chat_a = a.chat_id().await;
    clock.advance(sec(30));
    assert_eq!(anna.reply(chat_a, "r1", "Ответ").await.0, 200);
    clock.advance(sec(10));
    a.send("a2", "Ещё вопрос").await;
    clock.advance(sec(20));
    assert_eq!(anna.reply(chat_a, "r2", "Ещё ответ").await.0, 200);
    let anna_id = anna.id.to_string();
    a.ok("chat.operator_rate_select", &[("operator_id", &anna_id), ("rate", "2")]).await;
    // Chat B: the visitor leaves after 10 s unanswered — a refusal.
    let b = server.visitor().await;
    b.send("b1", "Вопрос Б").await;
    clock.advance(sec(10));
    b.ok("chat.close", &[]).await;

    // Next day, chat C: waits past the first-answer timeout (a busy message), then leaves — missed.
    clock.advance(sec(24 * 3600));
    let day2 = local_time::format(clock.now(), "UTC", "%Y-%m-%d");
    let c = server.visitor().await;
    c.send("c1", "Вопрос В").await;
    clock.advance(sec(61));
    server.tick().await;
    clock.advance(sec(60));
    c.ok("chat.close", &[]).await;

    let (code, body) = sup.get(&format!("/api/admin/v1/stats?from={day1}&to={day2}&group=day")).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        body["rows"],
        json!([
            {"key": day1, "chats": 2, "answered": 1, "missed": 0, "refusals": 1, "busyMessages": 0, "offline": 0,
             "avgFirstAnswerSecs": 30.0, "avgResponseSecs": 25.0, "ratings": 1, "avgRating": 5.0},
            {"key": day2, "chats": 1, "answered": 0, "missed": 1, "refusals": 0, "busyMessages": 1, "offline": 0,
             "avgFirstAnswerSecs": null, "avgResponseSecs": null, "ratings": 0, "avgRating": null}
        ])
    );
    assert_eq!((body["total"]["chats"].as_i64(), body["total"]["busyMessages"].as_i64()), (Some(3), Some(1)));

    let (_, by_operator) = admin.get(&format!("/api/admin/v1/stats?from={day1}&to={day2}&group=operator")).await;
    let keys: Vec<&str> =
        by_operator["rows"].as_array().expect("rows").iter().filter_map(|r| r["key"].as_str()).collect();
    assert_eq!(keys, ["Анна", "—"]);
    assert_eq!(by_operator["rows"][0]["answered"], 1);
    assert_eq!(by_operator["rows"][1]["chats"], 2);
    // Only the first day.
    let (_, one) = admin.get(&format!("/api/admin/v1/stats?from={day1}&to={day1}")).await;
    assert_eq!(one["total"]["chats"], 2);

    // CSV with the same figures.
    let resp = server
        .http
        .get(server.url(&format!("/api/admin/v1/stats?from={day1}&to={day2}&format=csv")))
        .bearer_auth(&sup.token)
        .send()
        .await
        .expect("csv");
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let text = resp.text().await.expect("text");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "key,chats,answered,missed,refusals,busyMessages,offline,avgFirstAnswerSecs,avgResponseSecs,ratings,avgRating"
    );
    assert_eq!(lines[1], format!("\"{day1}\",2,1,0,1,0,0,30.0,25.0,1,5.0"));
    assert_eq!(lines[3], "\"total\",3,1,1,1,1,0,30.0,25.0,1,5.0");

    // Bad input and roles.
    for q in ["from=2026-13-01", "group=week", "from=2026-11-21&to=2026-11-01"] {
        let (code, err) = sup.get(&format!("/api/admin/v1/stats?{q}")).await;
        assert_eq!((code, err["error"].as_str()), (400, Some("wrong-argument-value")), "{q}");
    }
    assert_eq!(anna.get("/api/admin/v1/stats").await.0, 403);
    server.stop().await;
}

#[tokio::test]
async fn the_figures_by_category_and_subcategory_match_the_history() {
    let clock = Arc::new(ManualClock::new());
    let server = TestServer::start_with_clock(clock.clone()).await;
    server.settings(|s| s.time_zone = "UTC".into()).await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let sup = server.operator("sup@x.io", "Супервизор", OperatorRole::Supervisor).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    // The administrator's list, with a name a spreadsheet would read as a formula.
    let (_, body) = admin.get("/api/admin/v1/settings").await;
    let mut settings = body["settings"].clone();
    settings["categories"] = json!(["Доставка", " Курьер", " Самовывоз", "=Оплата"]);
    assert_eq!(admin.call(reqwest::Method::PUT, "/api/admin/v1/settings", Some(settings)).await.0, 200);
    let day = local_time::format(clock.now(), "UTC", "%Y-%m-%d");

    // Each chat: the visitor asks, Anna answers after `wait` seconds and sets the category as
    // operators do; the last one is left unanswered (a refusal) and has no category.
    let chats = [
        ("a", 10, Some(("Доставка", Some("Курьер")))),
        ("b", 30, Some(("Доставка", Some("Курьер")))),
        ("c", 20, Some(("Доставка", None))),
        ("d", 40, Some(("=Оплата", None))),
    ];
    for (name, wait, category) in chats {
        let v = server.visitor().await;
        v.send(name, "Вопрос").await;
        let chat = v.chat_id().await;
        clock.advance(Duration::from_secs(wait));
        assert_eq!(anna.reply(chat, &format!("r-{name}"), "Ответ").await.0, 200);
        if name == "a" {
            let anna_id = anna.id.to_string();
            v.ok("chat.operator_rate_select", &[("operator_id", &anna_id), ("rate", "2")]).await;
        }
        if name == "d" {
            // A category changed later: the chat counts under its last one.
            let first = json!({"category": "Доставка", "subcategory": "Самовывоз"});
            assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/category"), first).await.0, 200);
        }
        let (category, subcategory) = category.expect("a category");
        let body = json!({"category": category, "subcategory": subcategory});
        let (code, body) = anna.post(&format!("/api/operator/v1/chats/{chat}/category"), body).await;
        assert_eq!(code, 200, "{body}");
    }
    let e = server.visitor().await;
    e.send("e", "Вопрос").await;
    clock.advance(Duration::from_secs(5));
    e.ok("chat.close", &[]).await;

    let row = |key: &str, chats: i64, answered: i64, refusals: i64, first: Option<f64>, ratings: i64| {
        let rating = (ratings > 0).then_some(5.0);
        json!({"key": key, "chats": chats, "answered": answered, "missed": 0, "refusals": refusals,
               "busyMessages": 0, "offline": 0, "avgFirstAnswerSecs": first, "avgResponseSecs": first,
               "ratings": ratings, "avgRating": rating})
    };
    let (code, body) = sup.get(&format!("/api/admin/v1/stats?from={day}&to={day}&group=category")).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["group"], "category");
    assert_eq!(
        body["rows"],
        json!([
            row("=Оплата", 1, 1, 0, Some(40.0), 0),
            row("Доставка", 3, 3, 0, Some(20.0), 1),
            row("—", 1, 0, 1, None, 0),
        ])
    );
    assert_eq!(body["total"], row("total", 5, 4, 1, Some(25.0), 1));

    let (code, body) = admin.get(&format!("/api/admin/v1/stats?from={day}&to={day}&group=subcategory")).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        body["rows"],
        json!([
            row("=Оплата / —", 1, 1, 0, Some(40.0), 0),
            row("Доставка / Курьер", 2, 2, 0, Some(20.0), 1),
            row("Доставка / —", 1, 1, 0, Some(20.0), 0),
            row("—", 1, 0, 1, None, 0),
        ])
    );

    // CSV with the same figures; the category's name never becomes a formula.
    let csv = |group: &'static str| {
        let (server, sup, day) = (&server, &sup, &day);
        async move {
            let url = server.url(&format!("/api/admin/v1/stats?from={day}&to={day}&group={group}&format=csv"));
            let resp = server.http.get(url).bearer_auth(&sup.token).send().await.expect("csv");
            assert_eq!(resp.status(), 200);
            assert_eq!(
                resp.headers()["content-disposition"],
                format!("attachment; filename=\"beseda-stats-{group}.csv\"").as_str()
            );
            resp.text().await.expect("text")
        }
    };
    let text = csv("category").await;
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        [
            "key,chats,answered,missed,refusals,busyMessages,offline,avgFirstAnswerSecs,avgResponseSecs,ratings,avgRating",
            "\"'=Оплата\",1,1,0,0,0,0,40.0,40.0,0,",
            "\"Доставка\",3,3,0,0,0,0,20.0,20.0,1,5.0",
            "\"—\",1,0,0,1,0,0,,,0,",
            "\"total\",5,4,0,1,0,0,25.0,25.0,1,5.0",
        ]
    );
    let text = csv("subcategory").await;
    assert_eq!(text.lines().nth(1), Some("\"'=Оплата / —\",1,1,0,0,0,0,40.0,40.0,0,"));
    assert_eq!(text.lines().nth(2), Some("\"Доставка / Курьер\",2,2,0,0,0,0,20.0,20.0,1,5.0"));
    assert_eq!(anna.get("/api/admin/v1/stats?group=category").await.0, 403);
    server.stop().await;
}

#[tokio::test]
async fn history_is_searched_by_operator_department_category_and_text() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let boris = server.operator("boris@x.io", "Борис", OperatorRole::Operator).await;
    for (key, name) in [("sales", "Продажи"), ("support", "Поддержка")] {
        let dep = json!({"name": name, "order": 1});
        assert_eq!(
            admin.call(reqwest::Method::PUT, &format!("/api/admin/v1/departments/{key}"), Some(dep)).await.0,
            200
        );
    }
    server.settings(|s| s.categories = vec!["Доставка".into(), "Оплата".into()]).await;
    let start = |dep: &'static str, text: &'static str| {
        let server = &server;
        async move {
            let v = server.visitor().await;
            v.ok("chat.start", &[("department-key", dep), ("first-question", text)]).await;
            v.chat_id().await
        }
    };
    let c1 = start("sales", "Где мой заказ?").await;
    let c2 = start("support", "Не проходит ОПЛАТА картой").await;
    let c3 = start("support", "=HYPERLINK(\"http://evil\")").await;
    for (op, chat, category) in [(&anna, c1, "Доставка"), (&boris, c2, "Оплата")] {
        assert_eq!(op.reply(chat, "r", "Сейчас посмотрю").await.0, 200);
        let (code, body) =
            op.post(&format!("/api/operator/v1/chats/{chat}/category"), json!({"category": category})).await;
        assert_eq!(code, 200, "{body}");
    }
    let ids = |body: &serde_json::Value| -> Vec<i64> {
        body["chats"].as_array().expect("chats").iter().filter_map(|c| c["id"].as_i64()).collect()
    };
    let search = |q: String| {
        let admin = &admin;
        async move {
            let (code, body) = admin.get(&format!("/api/admin/v1/history?{q}")).await;
            assert_eq!(code, 200, "{q}: {body}");
            body
        }
    };
    assert_eq!(ids(&search(String::new()).await), [c3, c2, c1], "newest first");
    assert_eq!(ids(&search("q=%D0%BE%D0%BF%D0%BB%D0%B0%D1%82%D0%B0".into()).await), [c2], "«оплата», any case");
    assert_eq!(ids(&search(format!("operator={}", anna.id)).await), [c1]);
    assert_eq!(ids(&search("department=support".into()).await), [c3, c2]);
    assert_eq!(ids(&search("category=%D0%94%D0%BE%D1%81%D1%82%D0%B0%D0%B2%D0%BA%D0%B0".into()).await), [c1]);
    assert_eq!(ids(&search(format!("department=support&operator={}", boris.id)).await), [c2]);
    let row = &search(format!("operator={}", boris.id)).await["chats"][0];
    assert_eq!(
        (row["operator"].as_str(), row["department"].as_str(), row["category"].as_str(), row["firstQuestion"].as_str()),
        (Some("Борис"), Some("Поддержка"), Some("Оплата"), Some("Не проходит ОПЛАТА картой"))
    );
    // CSV: a visitor's text never becomes a spreadsheet formula.
    let csv = server
        .http
        .get(server.url("/api/admin/v1/history?format=csv&department=support"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("csv")
        .text()
        .await
        .expect("text");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "id,createdAt,state,outcome,operator,department,category,subcategory,visitor,firstQuestion,messages"
    );
    assert!(
        lines[1].starts_with(&format!("{c3},")) && lines[1].contains("\"'=HYPERLINK(\"\"http://evil\"\")\""),
        "{}",
        lines[1]
    );
    assert_eq!(lines.len(), 3);
    assert_eq!(anna.get("/api/admin/v1/history").await.0, 403);
    server.stop().await;
}

#[tokio::test]
async fn the_workspace_knows_today_in_the_organisations_time_zone() {
    let clock = Arc::new(ManualClock::new());
    // Move to 22:30 UTC, when it is already the next day in Moscow (UTC+3).
    let day = 86_400_000_000i64;
    let into_day = clock.now().rem_euclid(day);
    let target = (22 * 3600 + 1800) * 1_000_000i64;
    clock.advance(Duration::from_micros((target - into_day).rem_euclid(day) as u64));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let utc = local_time::format(clock.now(), "UTC", "%Y-%m-%d");
    let moscow = local_time::format(clock.now(), "Europe/Moscow", "%Y-%m-%d");
    assert_ne!(utc, moscow);

    let (code, me) = anna.get("/api/operator/v1/me").await;
    assert_eq!(code, 200);
    assert_eq!(me["workspace"]["timeZone"], "Europe/Moscow");
    assert_eq!(me["workspace"]["today"], moscow.as_str());

    server.settings(|s| s.time_zone = "UTC".into()).await;
    let (_, me) = anna.get("/api/operator/v1/me").await;
    assert_eq!(me["workspace"]["today"], utc.as_str());
}
