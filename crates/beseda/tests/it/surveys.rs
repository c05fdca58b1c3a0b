//! Post-chat surveys (visitor-api.md §9.8, §12.1): the admin API defines them, an operator's
//! close offers one to a visitor who is on the site (`SURVEY`, `fullUpdate.survey`), the visitor
//! answers or closes it with `survey.answer` / `survey.cancel` (every error code), the results
//! reach statistics and CSV; and `chat.resolution_survey_select`.

use crate::common;

use beseda_core::model::Department;
use beseda_core::state::OperatorRole;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// A survey of two forms: stars and radio, then a comment of at most 10 characters.
fn two_forms(title: &str) -> Value {
    json!({
        "title": title,
        "forms": [
            {"questions": [
                {"type": "stars", "text": "Оцените работу оператора"},
                {"type": "radio", "text": "Вопрос решён?", "options": ["Да", "Нет", "Частично"]}
            ]},
            {"questions": [{"type": "comment", "text": "Что улучшить?", "maxLength": 10}]}
        ]
    })
}

async fn create(admin: &Operator, body: Value) -> Value {
    let (code, saved) = admin.call(Method::PUT, "/api/admin/v1/surveys", Some(body)).await;
    assert_eq!(code, 200, "{saved}");
    saved["survey"].clone()
}

/// A chat the operator answered and then closed; returns the delta revision before the close.
async fn closed_chat(op: &Operator, v: &Visitor, csid: &str) -> i64 {
    v.send(csid, "Здравствуйте").await;
    let chat = v.chat_id().await;
    let (code, body) = op.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await;
    assert_eq!(code, 200, "{body}");
    op.reply(chat, &format!("{csid}-r"), "Чем помочь?").await;
    let at = v.delta(0, true).await["revision"].as_i64().expect("revision");
    let (code, body) = op.post(&format!("/api/operator/v1/chats/{chat}/close"), json!({})).await;
    assert_eq!(code, 200, "{body}");
    at
}

/// The `SURVEY` items after `since`, oldest first.
async fn survey_items(v: &Visitor, since: i64) -> Vec<Value> {
    let d = v.delta(since, true).await;
    items(&d).into_iter().filter(|i| i["objectType"] == "SURVEY").map(|i| i["data"].clone()).collect()
}

async fn revision(v: &Visitor) -> i64 {
    v.delta(0, true).await["revision"].as_i64().expect("revision")
}

/// `survey.answer` that must fail with `code`, answered 200 as §17 says.
async fn refused(v: &Visitor, action: &str, fields: &[(&str, &str)], code: &str) {
    let (status, body) = v.action(action, fields).await;
    assert_eq!((status, body["error"].as_str()), (200, Some(code)), "{action} {fields:?}: {body}");
}

async fn setup() -> (TestServer, Operator, Operator) {
    let server = TestServer::start().await;
    server.settings(|s| s.surveys = true).await;
    let admin = server.operator("admin@example.com", "Админ", OperatorRole::Admin).await;
    let op = server.operator("anna@example.com", "Анна", OperatorRole::Operator).await;
    op.set_status("online").await;
    (server, admin, op)
}

#[tokio::test]
async fn a_survey_offered_after_the_close_is_answered_question_by_question() {
    let (server, admin, op) = setup().await;
    let survey = create(&admin, two_forms("После диалога")).await;
    let survey_id = survey["id"].as_i64().expect("id");
    assert_eq!(survey["version"], 1);
    assert_eq!(survey["forms"][1]["id"], 2, "forms are numbered from 1");
    let v = server.visitor().await;
    assert!(v.full["survey"].is_null(), "no survey before a chat");
    let before_close = closed_chat(&op, &v, "s1").await;

    let offered = survey_items(&v, before_close).await;
    assert_eq!(offered.len(), 1, "{offered:?}");
    let s = &offered[0];
    let run_id = s["id"].as_str().expect("the survey id is a string").to_owned();
    assert_eq!(s["config"]["id"], survey_id);
    assert_eq!(s["config"]["version"], "1");
    let forms = s["config"]["descriptor"]["forms"].as_array().expect("forms");
    assert_eq!(forms.len(), 2);
    assert_eq!(
        forms[0]["questions"][0],
        json!({"type": "stars", "text": "Оцените работу оператора", "options": ["1", "2", "3", "4", "5"]})
    );
    assert_eq!(forms[0]["questions"][1]["options"], json!(["Да", "Нет", "Частично"]));
    // A comment question carries its limit (Beseda extension; the widget sets it as maxlength).
    assert_eq!(forms[1]["questions"][0], json!({"type": "comment", "text": "Что улучшить?", "maxLength": 10}));
    assert_eq!(s["current_question"], json!({"form_id": 1, "question_id": 0}));
    // A new page of the visitor sees the same survey in its fullUpdate.
    let again = Visitor::init(&server, "default", Some(&v.session_id)).await;
    assert_eq!(&again.full["survey"], s);

    // Errors, each with HTTP 200.
    for (id, form, question, answer, code) in [
        ("999999", "1", "0", "5", "incorrect-survey-id"),
        (run_id.as_str(), "3", "0", "5", "question-not-found"),
        (run_id.as_str(), "1", "7", "5", "question-not-found"),
        (run_id.as_str(), "x", "0", "5", "question-not-found"),
        (run_id.as_str(), "1", "0", "6", "incorrect-stars-value"),
        (run_id.as_str(), "1", "0", "отлично", "incorrect-stars-value"),
        // Radio options are numbered from 1 (as Webim's SDKs send them): 0 and n + 1 are refused.
        (run_id.as_str(), "1", "1", "0", "incorrect-radio-value"),
        (run_id.as_str(), "1", "1", "4", "incorrect-radio-value"),
        (run_id.as_str(), "1", "1", "Да", "incorrect-radio-value"),
        (run_id.as_str(), "2", "0", "слишком длинный ответ", "max-comment-length-exceeded"),
    ] {
        let fields = [("survey-id", id), ("form-id", form), ("question-id", question), ("answer", answer)];
        refused(&v, "survey.answer", &fields, code).await;
    }
    let (status, body) = v.action("survey.answer", &[("survey-id", &run_id), ("form-id", "1")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("argument-missing")), "{body}");

    // Stars, then radio, then the comment: each answer moves to the next question.
    let at = revision(&v).await;
    v.ok("survey.answer", &[("survey-id", &run_id), ("form-id", "1"), ("question-id", "0"), ("answer", "4")]).await;
    let next = survey_items(&v, at).await;
    assert_eq!(next.last().expect("SURVEY")["current_question"], json!({"form_id": 1, "question_id": 1}));
    assert_eq!(next.last().expect("SURVEY")["id"], run_id.as_str());
    let at = revision(&v).await;
    // The third option, «Частично», is number 3.
    v.ok("survey.answer", &[("survey-id", &run_id), ("form-id", "1"), ("question-id", "1"), ("answer", "3")]).await;
    assert_eq!(
        survey_items(&v, at).await.last().expect("SURVEY")["current_question"],
        json!({"form_id": 2, "question_id": 0})
    );
    let at = revision(&v).await;
    // Eleven characters with the spaces around them, seven without: within the limit of 10, kept
    // without the spaces.
    v.ok(
        "survey.answer",
        &[("survey-id", &run_id), ("form-id", "2"), ("question-id", "0"), ("answer", "  Всё =ок \n")],
    )
    .await;
    assert_eq!(survey_items(&v, at).await, vec![Value::Null], "after the last answer the survey closes");
    assert!(Visitor::init(&server, "default", Some(&v.session_id)).await.full["survey"].is_null());
    // Nothing runs now; the SDK's closing call for the finished survey is accepted.
    refused(
        &v,
        "survey.answer",
        &[("survey-id", &run_id), ("form-id", "1"), ("question-id", "0"), ("answer", "5")],
        "no-current-survey",
    )
    .await;
    v.ok("survey.answer", &[("survey-id", &run_id)]).await;
    refused(&v, "survey.cancel", &[("survey-id", "123456")], "no-current-survey").await;

    // The operator sees the answers with the chat; an operator who may not see the chat, not.
    let chat = v.chat_id().await;
    let (code, detail) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!(code, 200, "{detail}");
    let answers: Vec<(&str, &str)> = detail["surveyAnswers"]
        .as_array()
        .expect("surveyAnswers")
        .iter()
        .map(|a| (a["type"].as_str().unwrap_or_default(), a["answer"].as_str().unwrap_or_default()))
        .collect();
    assert_eq!(answers, [("stars", "4"), ("radio", "Частично"), ("comment", "Всё =ок")]);
    server.settings(|s| s.hide_others_chats = true).await;
    let boris = server.operator("boris@example.com", "Борис", OperatorRole::Operator).await;
    let (code, hidden) = boris.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!((code, hidden["error"].as_str()), (403, Some("hidden-by-settings")), "{hidden}");
    server.settings(|s| s.hide_others_chats = false).await;

    // Statistics: supervisors and administrators; operators are refused.
    let (code, _) = op.get("/api/admin/v1/surveys/results").await;
    assert_eq!(code, 403);
    let supervisor = server.operator("sup@example.com", "Супервизор", OperatorRole::Supervisor).await;
    let (code, results) = supervisor.get("/api/admin/v1/surveys/results").await;
    assert_eq!(code, 200, "{results}");
    let r = &results["surveys"][0];
    assert_eq!(
        (r["surveyId"].as_i64(), r["offered"].as_i64(), r["completed"].as_i64()),
        (Some(survey_id), Some(1), Some(1))
    );
    let questions = r["questions"].as_array().expect("questions");
    assert_eq!(questions.len(), 3);
    assert_eq!(questions[0]["avgStars"], 4.0);
    assert_eq!(questions[0]["counts"], json!({"4": 1}));
    assert_eq!(questions[1]["counts"], json!({"Частично": 1}), "a radio answer is counted by the option's text");
    assert_eq!((questions[2]["answers"].as_i64(), &questions[2]["counts"]), (Some(1), &json!({})));
    let csv = server
        .http
        .get(server.url("/api/admin/v1/surveys/results?format=csv"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.expect("text");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[0].starts_with("answeredAt,surveyId,survey,version,offerId,chatId,operator,department"));
    assert!(lines[1].contains("\"Анна\"") && lines[1].contains("\"4\""), "{}", lines[1]);
    assert!(lines[2].ends_with(",\"Частично\""), "the option's text: {}", lines[2]);
    assert!(lines[3].ends_with("\"'Всё =ок\"") || lines[3].ends_with("\"Всё =ок\""), "{}", lines[3]);
    server.stop().await;
}

#[tokio::test]
async fn an_app_may_send_an_empty_comment_which_is_kept_trimmed() {
    let (server, admin, op) = setup().await;
    create(&admin, json!({"title": "Отзыв", "forms": [{"questions": [{"type": "comment", "text": "Ваш отзыв"}]}]}))
        .await;
    let v = server.visitor().await;
    let at = closed_chat(&op, &v, "e1").await;
    let offered = survey_items(&v, at).await;
    assert_eq!(offered[0]["config"]["descriptor"]["forms"][0]["questions"][0]["maxLength"], 1000, "the default limit");
    let run = offered[0]["id"].as_str().expect("id").to_owned();
    // SDK apps may send an empty comment (or only spaces): accepted, kept empty.
    let at = revision(&v).await;
    v.ok("survey.answer", &[("survey-id", &run), ("form-id", "1"), ("question-id", "0"), ("answer", " \n ")]).await;
    assert_eq!(survey_items(&v, at).await, vec![Value::Null], "the only question answered");
    let chat = v.chat_id().await;
    let (_, detail) = op.get(&format!("/api/operator/v1/chats/{chat}")).await;
    assert_eq!(detail["surveyAnswers"][0]["answer"], "", "{detail}");
    server.stop().await;
}

#[tokio::test]
async fn the_visitor_closes_or_cancels_a_survey_and_a_newer_offer_replaces_an_open_one() {
    let (server, admin, op) = setup().await;
    create(&admin, two_forms("Опрос")).await;
    let v = server.visitor().await;
    let at = closed_chat(&op, &v, "c1").await;
    let first = survey_items(&v, at).await[0]["id"].as_str().expect("id").to_owned();
    // The SDK closes a survey with its id only.
    let at = revision(&v).await;
    v.ok("survey.answer", &[("survey-id", &first)]).await;
    assert_eq!(survey_items(&v, at).await, vec![Value::Null]);
    refused(&v, "survey.cancel", &[("survey-id", "0")], "no-current-survey").await;

    // A second chat, a second offer; a third replaces it while it is still open.
    v.ok("chat.close", &[]).await;
    let at = closed_chat(&op, &v, "c2").await;
    let second = survey_items(&v, at).await[0]["id"].as_str().expect("id").to_owned();
    assert_ne!(second, first, "each offer has its own id");
    v.ok("chat.close", &[]).await;
    let at = closed_chat(&op, &v, "c3").await;
    let third = survey_items(&v, at).await[0]["id"].as_str().expect("id").to_owned();
    refused(&v, "survey.cancel", &[("survey-id", &second)], "incorrect-survey-id").await;
    let at = revision(&v).await;
    v.ok("survey.cancel", &[("survey-id", &third)]).await;
    assert_eq!(survey_items(&v, at).await, vec![Value::Null]);
    // Cancelling again changes nothing.
    let at = revision(&v).await;
    v.ok("survey.cancel", &[("survey-id", &third)]).await;
    assert!(survey_items(&v, at).await.is_empty());
    let (status, body) = v.action("survey.cancel", &[]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("argument-missing")));

    let (_, results) = admin.get("/api/admin/v1/surveys/results").await;
    let r = &results["surveys"][0];
    assert_eq!((r["offered"].as_i64(), r["completed"].as_i64(), r["cancelled"].as_i64()), (Some(3), Some(0), Some(3)));
    server.stop().await;
}

#[tokio::test]
async fn a_survey_is_offered_only_with_surveys_on_to_a_visitor_on_the_site_within_its_scope() {
    let (server, admin, op) = setup().await;
    // A chat without a department goes to the first one by order, `sales`.
    for (key, name, order) in [("sales", "Продажи", 1), ("support", "Поддержка", 2)] {
        let d =
            Department { id: 0, key: key.into(), name: name.into(), locale_names: BTreeMap::new(), order, logo: None };
        server.store.upsert_department(&d).await.expect("department");
    }
    let mut support = two_forms("Поддержка");
    support["departmentKey"] = json!("support");
    let support = create(&admin, support).await;
    let mut english = two_forms("English");
    english["lang"] = json!("en");
    create(&admin, english).await;
    // Neither fits a Russian chat of `sales`: nothing is offered.
    let v = server.visitor().await;
    let at = closed_chat(&op, &v, "p1").await;
    assert!(survey_items(&v, at).await.is_empty());
    // A survey for any chat fits; a disabled one never.
    let mut off = two_forms("Выключен");
    off["enabled"] = json!(false);
    create(&admin, off).await;
    let general = create(&admin, two_forms("Общий")).await;
    v.ok("chat.close", &[]).await;
    let at = closed_chat(&op, &v, "p2").await;
    let offered = survey_items(&v, at).await;
    assert_eq!(offered[0]["config"]["id"], general["id"]);
    // A chat of the department gets the department's survey, the closer scope.
    v.ok("chat.close", &[]).await;
    v.ok("chat.start", &[("department-key", "support"), ("force-start", "1")]).await;
    let at = closed_chat(&op, &v, "p2s").await;
    let for_support = survey_items(&v, at).await;
    assert_eq!(for_support[0]["config"]["id"], support["id"]);
    assert_ne!(for_support[0]["id"], offered[0]["id"]);

    // The visitor is not on the site: no offer.
    v.ok("survey.cancel", &[("survey-id", for_support[0]["id"].as_str().expect("id"))]).await;
    v.ok("chat.close", &[]).await;
    v.send("p3", "ещё вопрос").await;
    let chat = v.chat_id().await;
    op.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await;
    server.sql(&["UPDATE visit_sessions SET present = FALSE"]).await;
    let at = revision(&v).await;
    op.post(&format!("/api/operator/v1/chats/{chat}/close"), json!({})).await;
    assert!(survey_items(&v, at).await.is_empty());

    // Surveys off: nothing offered, and the actions say so.
    server.settings(|s| s.surveys = false).await;
    let w = server.visitor().await;
    let at = closed_chat(&op, &w, "p4").await;
    assert!(survey_items(&w, at).await.is_empty());
    refused(
        &w,
        "survey.answer",
        &[("survey-id", "1"), ("form-id", "1"), ("question-id", "0"), ("answer", "5")],
        "survey_disabled",
    )
    .await;
    refused(&w, "survey.cancel", &[("survey-id", "1")], "survey_disabled").await;
    let (_, config) = admin.get("/api/visitor/v1/configs/default?jsonp=false").await;
    assert_eq!(config["accountConfig"]["surveys"], false);
    server.settings(|s| s.surveys = true).await;
    let (_, config) = admin.get("/api/visitor/v1/configs/default?jsonp=false").await;
    assert_eq!(config["accountConfig"]["surveys"], true);
    server.stop().await;
}

#[tokio::test]
async fn resolution_survey_answers_after_rating() {
    let (server, _admin, op) = setup().await;
    let other = server.operator("boris@example.com", "Борис", OperatorRole::Operator).await;
    let lonely = server.visitor().await;
    let anna = op.id.to_string();
    refused(&lonely, "chat.resolution_survey_select", &[("answer", "1"), ("operator_id", &anna)], "no-chat").await;
    let v = server.visitor().await;
    let at = closed_chat(&op, &v, "r1").await;
    v.ok("chat.operator_rate_select", &[("operator_id", &anna), ("rate", "2")]).await;
    v.ok("chat.resolution_survey_select", &[("answer", "1"), ("operator_id", &anna)]).await;
    let d = v.delta(at, true).await;
    let rates: Vec<Value> =
        items(&d).into_iter().filter(|i| i["objectType"] == "OPERATOR_RATE").map(|i| i["data"].clone()).collect();
    assert_eq!(rates, vec![json!({"operatorId": op.id, "rating": 2}), json!({"operatorId": op.id, "answer": 1})]);
    // The chat object keeps it: `operatorIdToResolutionSurvey`.
    let full = Visitor::init(&server, "default", Some(&v.session_id)).await.full;
    assert_eq!(full["chat"]["operatorIdToResolutionSurvey"], json!({anna.clone(): {"operatorId": op.id, "answer": 1}}));
    for bad in ["2", "-1", "да"] {
        refused(
            &v,
            "chat.resolution_survey_select",
            &[("answer", bad), ("operator_id", &anna)],
            "resolution-survey-value-incorrect",
        )
        .await;
    }
    let boris = other.id.to_string();
    refused(&v, "chat.resolution_survey_select", &[("answer", "0"), ("operator_id", &boris)], "operator-not-in-chat")
        .await;
    refused(&v, "chat.resolution_survey_select", &[("answer", "0"), ("operator_id", "987654")], "operator-not-in-chat")
        .await;
    let (status, body) = v.action("chat.resolution_survey_select", &[("answer", "0")]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("argument-missing")));
    server.settings(|s| s.rate_operator = false).await;
    refused(&v, "chat.resolution_survey_select", &[("answer", "0"), ("operator_id", &anna)], "rate-disabled").await;
    server.stop().await;
}

#[tokio::test]
async fn the_admin_api_checks_surveys_and_keeps_versions() {
    let (server, admin, op) = setup().await;
    let (code, _) = op.call(Method::PUT, "/api/admin/v1/surveys", Some(two_forms("x"))).await;
    assert_eq!(code, 403, "operators may not define surveys");
    let (code, _) = op.get("/api/admin/v1/surveys").await;
    assert_eq!(code, 403);
    let bad = |change: &dyn Fn(&mut Value)| {
        let mut b = two_forms("Опрос");
        change(&mut b);
        b
    };
    // Every refusal: 422, a code of its own, and where the problem is for the panel to mark it.
    for (body, code, place) in [
        (bad(&|b| b["title"] = json!(" ")), "survey-title-invalid", "title"),
        (bad(&|b| b["forms"] = json!([])), "survey-forms-count", "forms"),
        (bad(&|b| b["forms"][0]["questions"] = json!([])), "survey-questions-count", "forms[0].questions"),
        (
            bad(&|b| b["forms"][0]["questions"][1]["options"] = json!(["Да"])),
            "survey-options-count",
            "forms[0].questions[1].options",
        ),
        (
            bad(&|b| b["forms"][0]["questions"][1]["options"] = json!(["Да", " "])),
            "survey-option-text-invalid",
            "forms[0].questions[1].options",
        ),
        // Two options alike (the results count answers by the option's text).
        (
            bad(&|b| b["forms"][0]["questions"][1]["options"] = json!(["Да", "Нет", "Да"])),
            "survey-option-duplicate",
            "forms[0].questions[1].options",
        ),
        (
            bad(&|b| b["forms"][0]["questions"][1]["options"] = json!(["Да", "Нет", " нет "])),
            "survey-option-duplicate",
            "forms[0].questions[1].options",
        ),
        (
            bad(&|b| b["forms"][0]["questions"][0]["options"] = json!(["1"])),
            "survey-options-not-radio",
            "forms[0].questions[0].options",
        ),
        (
            bad(&|b| b["forms"][1]["questions"][0]["maxLength"] = json!(0)),
            "survey-max-length-invalid",
            "forms[1].questions[0].maxLength",
        ),
        (
            bad(&|b| b["forms"][0]["questions"][0]["maxLength"] = json!(10)),
            "survey-max-length-not-comment",
            "forms[0].questions[0].maxLength",
        ),
        // A question's text: empty, spaces only, or characters that show nothing.
        (
            bad(&|b| b["forms"][0]["questions"][0]["text"] = json!("")),
            "survey-question-text-invalid",
            "forms[0].questions[0].text",
        ),
        (
            bad(&|b| b["forms"][0]["questions"][1]["text"] = json!(" \t\n ")),
            "survey-question-text-invalid",
            "forms[0].questions[1].text",
        ),
        (
            bad(&|b| b["forms"][1]["questions"][0]["text"] = json!("\u{00a0}\u{200b}\u{3000}")),
            "survey-question-text-invalid",
            "forms[1].questions[0].text",
        ),
        (bad(&|b| b["departmentKey"] = json!("nowhere")), "department-not-found", "departmentKey"),
    ] {
        let (status, answer) = admin.call(Method::PUT, "/api/admin/v1/surveys", Some(body)).await;
        assert_eq!((status, answer["error"].as_str()), (422, Some(code)), "{answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(message.starts_with(&format!("{place}: ")), "{place}: {answer}");
    }
    let (_, list) = admin.get("/api/admin/v1/surveys").await;
    assert_eq!(list["surveys"], json!([]), "nothing refused is written");
    let (code, answer) =
        admin.call(Method::PUT, "/api/admin/v1/surveys", Some(bad(&|b| b["lang"] = json!("xx")))).await;
    assert_eq!((code, answer["error"].as_str()), (422, Some("unknown-language")));
    let (code, _) = admin
        .call(
            Method::PUT,
            "/api/admin/v1/surveys",
            Some(bad(&|b| b["forms"][0]["questions"][0]["type"] = json!("scale"))),
        )
        .await;
    assert_eq!(code, 400);
    let (code, _) = admin.call(Method::PUT, "/api/admin/v1/surveys", Some(bad(&|b| b["id"] = json!(4242)))).await;
    assert_eq!(code, 404);

    let saved = create(&admin, two_forms("Опрос")).await;
    let id = saved["id"].as_i64().expect("id");
    let mut changed = saved.clone();
    changed["title"] = json!("Опрос 2");
    changed["forms"][0]["questions"][0]["text"] = json!("Как мы справились?");
    let again = create(&admin, changed).await;
    assert_eq!((again["id"].as_i64(), again["version"].as_i64()), (Some(id), Some(2)));
    // A refused change leaves the survey as it was.
    let mut twice = again.clone();
    twice["forms"][0]["questions"][1]["options"] = json!(["Да", "Да"]);
    let (status, _) = admin.call(Method::PUT, "/api/admin/v1/surveys", Some(twice)).await;
    assert_eq!(status, 422);
    let (_, list) = admin.get("/api/admin/v1/surveys").await;
    assert_eq!(list["surveys"][0], again, "the refused change is not kept");
    // Texts are kept without the spaces around them.
    let mut spaced = two_forms("  Пробелы  ");
    spaced["forms"][0]["questions"][1]["options"] = json!([" Да ", "Нет"]);
    spaced["forms"][0]["questions"][0]["text"] = json!("  Оцените  ");
    let spaced = create(&admin, spaced).await;
    assert_eq!(
        (&spaced["title"], &spaced["forms"][0]["questions"][0]["text"], &spaced["forms"][0]["questions"][1]["options"]),
        (&json!("Пробелы"), &json!("Оцените"), &json!(["Да", "Нет"]))
    );
    let (code, _) = admin.call(Method::DELETE, &format!("/api/admin/v1/surveys/{}", spaced["id"]), None).await;
    assert_eq!(code, 200);
    // A running survey keeps the version it was offered in.
    let v = server.visitor().await;
    let at = closed_chat(&op, &v, "a1").await;
    let offered = survey_items(&v, at).await;
    assert_eq!(offered[0]["config"]["version"], "2");
    let mut third = again.clone();
    third["forms"][0]["questions"][0]["text"] = json!("Оцените нас");
    create(&admin, third).await;
    let full = Visitor::init(&server, "default", Some(&v.session_id)).await.full;
    assert_eq!(full["survey"]["config"]["version"], "2");
    assert_eq!(full["survey"]["config"]["descriptor"]["forms"][0]["questions"][0]["text"], "Как мы справились?");

    let (_, list) = admin.get("/api/admin/v1/surveys").await;
    assert_eq!(list["surveys"].as_array().map(Vec::len), Some(1));
    let (code, _) = admin.call(Method::DELETE, &format!("/api/admin/v1/surveys/{id}"), None).await;
    assert_eq!(code, 200);
    let (code, _) = admin.call(Method::DELETE, &format!("/api/admin/v1/surveys/{id}"), None).await;
    assert_eq!(code, 404);
    // The offer made before the delete can still be answered.
    let run = offered[0]["id"].as_str().expect("id");
    v.ok("survey.answer", &[("survey-id", run), ("form-id", "1"), ("question-id", "0"), ("answer", "5")]).await;
    let (_, audit) = admin.get("/api/admin/v1/audit").await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["action"].as_str()).collect())
        .unwrap_or_default();
    for a in ["survey.create", "survey.update", "survey.delete"] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    server.stop().await;
}
