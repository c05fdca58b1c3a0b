//! Statistics match a seeded history exactly: chats, outcomes, busy messages, first-answer and
//! response times and ratings, by day, operator and department, as JSON and CSV.

mod common;

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
