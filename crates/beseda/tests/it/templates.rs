//! Reply templates at three levels: global and department templates from the admin API,
//! personal ones from the operator's own API. Each operator sees the global ones, those of
//! their departments and their own; nobody changes another's personal template.

use crate::common;

use beseda_core::model::Department;
use beseda_core::state::OperatorRole;
use common::*;
use serde_json::{json, Value};

fn titles(list: &Value) -> Vec<String> {
    let mut t: Vec<String> = list["templates"]
        .as_array()
        .expect("templates")
        .iter()
        .map(|t| t["title"].as_str().expect("title").to_owned())
        .collect();
    t.sort();
    t
}

async fn department(server: &TestServer, key: &str) {
    let d =
        Department { id: 0, key: key.into(), name: key.into(), locale_names: Default::default(), order: 0, logo: None };
    server.store.upsert_department(&d).await.expect("department");
}

async fn put(who: &Operator, path: &str, body: Value) -> (u16, Value) {
    who.call(reqwest::Method::PUT, path, Some(body)).await
}

async fn three_levels(server: TestServer) {
    department(&server, "sales").await;
    department(&server, "support").await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;
    let boris = server.operator("boris@x.io", "Борис", OperatorRole::Operator).await;
    for (who, dep) in [(&anna, "sales"), (&boris, "support")] {
        let (code, _) = admin
            .call(
                reqwest::Method::PUT,
                &format!("/api/admin/v1/operators/{}/profile", who.id),
                Some(json!({"departmentKeys": [dep], "languages": ["ru"]})),
            )
            .await;
        assert_eq!(code, 200);
    }
    let (code, global) = put(
        &admin,
        "/api/admin/v1/templates",
        json!({"lang": "ru", "section": "Общие", "title": "Привет", "text": "Здравствуйте!"}),
    )
    .await;
    assert_eq!(code, 200, "{global}");
    assert_eq!(global["template"]["scope"], "global");
    let (code, sales) = put(
        &admin,
        "/api/admin/v1/templates",
        json!({"departmentKey": "sales", "lang": "ru", "title": "Скидка", "text": "Скидка 10% до пятницы."}),
    )
    .await;
    assert_eq!((code, sales["template"]["scope"].as_str()), (200, Some("department")), "{sales}");
    let (code, own) = put(
        &anna,
        "/api/operator/v1/templates",
        json!({"lang": "ru", "title": "Моё", "text": "Перезвоню через 5 минут."}),
    )
    .await;
    assert_eq!((code, own["template"]["scope"].as_str()), (200, Some("personal")), "{own}");

    assert_eq!(titles(&anna.get("/api/operator/v1/templates").await.1), ["Моё", "Привет", "Скидка"]);
    assert_eq!(titles(&boris.get("/api/operator/v1/templates").await.1), ["Привет"]);
    // The admin's list holds the shared templates, not anyone's personal ones.
    assert_eq!(titles(&admin.get("/api/admin/v1/templates").await.1), ["Привет", "Скидка"]);

    // Boris cannot change or delete Anna's template, nor a shared one through his own API.
    let own_id = own["template"]["id"].as_i64().expect("id");
    let global_id = global["template"]["id"].as_i64().expect("id");
    for id in [own_id, global_id] {
        let (code, answer) =
            put(&boris, "/api/operator/v1/templates", json!({"id": id, "lang": "ru", "text": "Чужое"})).await;
        assert_eq!((code, answer["error"].as_str()), (404, Some("template-not-found")), "{answer}");
        let (code, _) = boris.call(reqwest::Method::DELETE, &format!("/api/operator/v1/templates/{id}"), None).await;
        assert_eq!(code, 404);
    }
    assert_eq!(titles(&anna.get("/api/operator/v1/templates").await.1), ["Моё", "Привет", "Скидка"]);
    // Anna changes and deletes her own.
    let (code, changed) = put(
        &anna,
        "/api/operator/v1/templates",
        json!({"id": own_id, "lang": "ru", "title": "Моё 2", "text": "Позже."}),
    )
    .await;
    assert_eq!((code, changed["template"]["text"].as_str()), (200, Some("Позже.")));
    let (code, _) = anna.call(reqwest::Method::DELETE, &format!("/api/operator/v1/templates/{own_id}"), None).await;
    assert_eq!(code, 200);
    assert_eq!(titles(&anna.get("/api/operator/v1/templates").await.1), ["Привет", "Скидка"]);

    // Bad input: a clear code, nothing written.
    for body in [json!({"lang": "ru", "text": "  "}), json!({"lang": "ru", "text": "x", "title": "т".repeat(201)})] {
        let (code, answer) = put(&admin, "/api/admin/v1/templates", body).await;
        assert_eq!((code, answer["error"].as_str()), (422, Some("invalid-template")), "{answer}");
    }
    let (code, answer) = put(&admin, "/api/admin/v1/templates", json!({"lang": "xx", "text": "Hallo"})).await;
    assert_eq!((code, answer["error"].as_str()), (422, Some("unknown-language")), "{answer}");
    let (code, answer) =
        put(&admin, "/api/admin/v1/templates", json!({"departmentKey": "nope", "lang": "ru", "text": "x"})).await;
    assert_eq!((code, answer["error"].as_str()), (400, Some("wrong-argument-value")), "{answer}");
    let (code, answer) = put(&anna, "/api/operator/v1/templates", json!({"text": 5})).await;
    assert_eq!((code, answer["error"].as_str()), (400, Some("invalid-json")));
    assert_eq!(titles(&admin.get("/api/admin/v1/templates").await.1), ["Привет", "Скидка"]);

    // Hidden profiles leave personal templates editable.
    server.settings(|s| s.hidden_profiles = true).await;
    let (code, _) =
        put(&boris, "/api/operator/v1/templates", json!({"lang": "en", "text": "One moment, please."})).await;
    assert_eq!(code, 200);
    // A deleted department takes its templates along; the admin deletes a global one.
    let (code, _) = admin.call(reqwest::Method::DELETE, &format!("/api/admin/v1/templates/{global_id}"), None).await;
    assert_eq!(code, 200);
    assert_eq!(titles(&boris.get("/api/operator/v1/templates").await.1), [""]);
    server.stop().await;
}

#[tokio::test]
async fn templates_at_three_levels() {
    three_levels(TestServer::start().await).await;
}
