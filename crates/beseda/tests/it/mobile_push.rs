//! Pushes to mobile SDK visitors (visitor-api.md §16), on SQLite and PostgreSQL, through local
//! stand-ins for APNs (HTTP/2) and for FCM with Google's token endpoint that verify the signed
//! tokens with another implementation (common/push_services.rs): the payloads (the fixture's,
//! with the event; P.OA, P.OM, P.OF, P.CR, P.RO, P.WM), withdrawals of deleted messages, the
//! unread count, nothing while the app has a long-poll or socket open,
//! retries (429, 5xx, Retry-After), renewed credentials (expired provider token, 401 access
//! token, provider tokens older than 50 minutes), and tokens the services no longer know
//! dropped.

use crate::common;

use beseda_core::model::Placement;
use beseda_core::state::OperatorRole;
use beseda_core::time::ManualClock;
use beseda_server::ServerConfig;
use common::push_services::{Apns, Fault, Fcm};
use common::*;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const IRINA: &str = "Ирина Смирнова";

async fn server(clock: Arc<ManualClock>, apns: Option<&Apns>, fcm: Option<&Fcm>) -> TestServer {
    let config = ServerConfig {
        longpoll_hold: Duration::from_secs(3),
        apns: apns.map(Apns::settings),
        fcm: fcm.map(Fcm::settings),
        mobile_push_retry_delays: vec![Duration::from_secs(5); 3],
        ..ServerConfig::default()
    };
    let server = TestServer::start_full(config, clock).await;
    let app = Placement {
        key: "app".into(),
        title: "App".into(),
        lang: None,
        department_keys: vec![],
        default_department: None,
        hello_message: String::new(),
        conversation_timeout_hours: 24,
    };
    server.store.upsert_placement(&app).await.expect("placement");
    server
}

/// An app's visitor at the placement `app` with a device token, and the chat it started; the
/// app then goes to the background (the clock passes its last poll's grace).
async fn app_visitor(server: &TestServer, clock: &ManualClock, service: &str, token: &str) -> (Visitor, i64) {
    let platform = if service == "apns" { "ios" } else { "android" };
    let extra = [
        ("push-token", token.to_owned()),
        ("push-service", service.to_owned()),
        ("platform", platform.to_owned()),
        ("device-id", format!("device-{token}")),
    ];
    let (status, resp) = Visitor::init_raw(server, "app", None, &extra).await;
    assert_eq!(status, 200, "{resp}");
    let v = Visitor::from_init(server, resp);
    v.send("q1", "Где мой заказ?").await;
    let chat = v.chat_id().await;
    clock.advance(beseda_server::mobile_push::GRACE + Duration::from_secs(1));
    (v, chat)
}

async fn reply(op: &Operator, chat: i64, csid: &str, text: &str) -> String {
    let (code, body) = op.reply(chat, csid, text).await;
    assert_eq!(code, 200, "{body}");
    body["messageId"].as_str().expect("messageId").to_owned()
}

async fn send_file(server: &TestServer, op: &Operator, chat: i64, name: &str) {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.4\n%test\n".to_vec())
            .file_name(name.to_owned())
            .mime_str("application/pdf")
            .expect("mime"),
    );
    let resp = server
        .http
        .post(server.url(&format!("/api/operator/v1/chats/{chat}/files")))
        .bearer_auth(&op.token)
        .multipart(form)
        .send()
        .await
        .expect("upload");
    let code = resp.status().as_u16();
    assert_eq!(code, 200, "{}", resp.text().await.unwrap_or_default());
}

/// The operator deletes her message `id`.
async fn delete(op: &Operator, chat: i64, id: &str) {
    let path = format!("/api/operator/v1/chats/{chat}/messages/{id}");
    let (code, body) = op.call(reqwest::Method::DELETE, &path, None).await;
    assert_eq!(code, 200, "{body}");
}

/// The fixture's payload, at `location` with `unread`, `loc-key` and `loc-args` as given, and
/// the event where the iOS SDK reads it (`aps.alert.event`).
fn apns_payload(key: &str, args: &[&str], unread: i64, event: &str) -> Value {
    let mut p: Value =
        serde_json::from_str(include_str!("../fixtures/protocol/push-notification.json")).expect("fixture");
    p["aps"]["alert"]["loc-key"] = json!(key);
    p["aps"]["alert"]["loc-args"] = json!(args);
    p["aps"]["alert"]["event"] = json!(event);
    p["unread_by_visitor_msg_cnt"] = json!(unread);
    p
}

/// Nothing more reaches the stand-in for a while (the worker looks every 200 ms).
async fn quiet<T>(count: impl Fn() -> usize, expected: usize, what: T)
where
    T: std::fmt::Display,
{
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(count(), expected, "{what}");
}

async fn apns_flow() {
    let dir = temp_dir();
    let apns = Apns::start(dir.path()).await;
    let clock = Arc::new(ManualClock::new());
    let server = server(clock.clone(), Some(&apns), None).await;
    let irina = server.operator("irina@push.test", IRINA, OperatorRole::Operator).await;
    let device = "a1b2c3d4".repeat(8);
    let (v, chat) = app_visitor(&server, &clock, "apns", &device).await;

    // The operator answers: she joins (P.OA) and writes (P.OM), then writes again — the
    // fixture's own push, unread 2.
    let first = reply(&irina, chat, "r1", "Добрый день!").await;
    let got = apns.wait_until(10, |r| r.len() == 2).await;
    // The count is the one after the change: the join came with the first message.
    assert_eq!(got[0].body, apns_payload("P.OA", &[IRINA], 1, "add"));
    assert_eq!(got[1].body, apns_payload("P.OM", &[IRINA, "Добрый день!"], 1, "add"));
    reply(&irina, chat, "r2", "Ваш заказ отправлен").await;
    let got = apns.wait_until(10, |r| r.len() == 3).await;
    let mut fixture: Value =
        serde_json::from_str(include_str!("../fixtures/protocol/push-notification.json")).expect("fixture");
    fixture["aps"]["alert"]["event"] = json!("add");
    assert_eq!(got[2].body, fixture, "the fixture's payload, with the event");
    for r in &got {
        assert_eq!(r.version, axum::http::Version::HTTP_2);
        assert_eq!(r.device, device);
        assert_eq!(r.headers["apns-topic"], "com.example.shop");
        assert_eq!(r.headers["apns-push-type"], "alert");
        assert_eq!(r.headers["apns-priority"], "10");
        assert_eq!(r.claims["iss"], "DEF123GHIJ");
        assert_eq!(r.answered, 200);
    }
    assert!(!got[0].headers.contains_key("apns-collapse-id"), "a join is about no message");
    assert_eq!(got[1].headers["apns-collapse-id"], first, "a later withdrawal replaces it");
    assert!(got.iter().all(|r| r.jwt == got[0].jwt), "one provider token, reused");

    // A file: P.OF with its name; unread 3.
    send_file(&server, &irina, chat, "invoice.pdf").await;
    let got = apns.wait_until(10, |r| r.len() == 4).await;
    assert_eq!(got[3].body, apns_payload("P.OF", &[IRINA, "invoice.pdf"], 3, "add"));

    // The app polls: what comes is in its poll, no push — nor right after the poll answered.
    let revision = v.delta(0, true).await["revision"].as_i64().expect("revision");
    let poll = {
        let v = Visitor {
            base: v.base.clone(),
            ws_base: v.ws_base.clone(),
            http: v.http.clone(),
            page_id: v.page_id.clone(),
            auth_token: v.auth_token.clone(),
            session_id: v.session_id.clone(),
            visitor: v.visitor.clone(),
            revision,
            full: Value::Null,
        };
        tokio::spawn(async move { v.delta(revision, false).await })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    reply(&irina, chat, "r3", "Посылка у курьера").await;
    let answered = tokio::time::timeout(Duration::from_secs(10), poll).await.expect("poll answers").expect("poll");
    assert!(answered.to_string().contains("Посылка у курьера"), "{answered}");
    quiet(|| apns.requests().len(), 4, "no push while the app polls").await;
    // A socket open: nothing either; once it is closed the next message is pushed.
    let mut ws = v.ws(0).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    reply(&irina, chat, "r4", "Будет завтра").await;
    quiet(|| apns.requests().len(), 4, "no push while the socket is open").await;
    ws.close(None).await.expect("close");
    drop(ws);
    tokio::time::sleep(Duration::from_millis(500)).await;
    reply(&irina, chat, "r5", "Трек-номер в письме").await;
    let got = apns.wait_until(10, |r| r.len() == 5).await;
    assert_eq!(got[4].body, apns_payload("P.OM", &[IRINA, "Трек-номер в письме"], 6, "add"), "6 unread");

    // The visitor reads everything: the next push counts one.
    v.ok("chat.read_by_visitor", &[]).await;
    reply(&irina, chat, "r6", "Спасибо за заказ").await;
    let got = apns.wait_until(10, |r| r.len() == 6).await;
    assert_eq!(got[5].body["unread_by_visitor_msg_cnt"], 1);

    // 429 and 500: retried after the delay (the row waits for the server's clock).
    apns.fail_next(&[Fault::apns(429, "TooManyRequests"), Fault::apns(500, "InternalServerError")]);
    reply(&irina, chat, "r7", "Ещё вопрос?").await;
    apns.wait_until(10, |r| r.len() == 7).await;
    quiet(|| apns.requests().len(), 7, "not retried before its delay").await;
    clock.advance(Duration::from_secs(6));
    apns.wait_until(10, |r| r.len() == 8).await;
    clock.advance(Duration::from_secs(6));
    let got = apns.wait_until(10, |r| r.len() == 9).await;
    assert_eq!(got[6..].iter().map(|r| r.answered).collect::<Vec<_>>(), [429, 500, 200]);
    assert!(got[6..].iter().all(|r| r.body == got[8].body), "the same push each time");

    // APNs calls the provider token expired: a new one at once, the push delivered.
    apns.expire_tokens();
    reply(&irina, chat, "r8", "Хорошего дня").await;
    let got = apns.wait_until(10, |r| r.len() == 11).await;
    let (stale, fresh) = (&got[9], &got[10]);
    assert_eq!((stale.answered, fresh.answered), (403, 200));
    assert_ne!(stale.jwt, fresh.jwt);
    assert_eq!(fresh.body, stale.body);

    // Fifty-one minutes later the token is made anew (APNs refuses those over an hour old).
    clock.advance(Duration::from_secs(51 * 60));
    apns.advance(Duration::from_secs(51 * 60));
    reply(&irina, chat, "r9", "Мы на связи").await;
    let got = apns.wait_until(10, |r| r.len() == 12).await;
    assert_eq!(got[11].answered, 200);
    assert_ne!(got[11].jwt, fresh.jwt);
    assert!(got[11].claims["iat"].as_i64() >= Some(fresh.claims["iat"].as_i64().unwrap_or(0) + 51 * 60));

    // Devices APNs no longer knows: BadDeviceToken (400) and Unregistered (410) drop the token;
    // the visitors' next messages are not pushed.
    for (i, fault) in [Fault::apns(400, "BadDeviceToken"), Fault::apns(410, "Unregistered")].into_iter().enumerate() {
        let gone = format!("{:064x}", 0xdead_0000 + i);
        apns.device_answers(&gone, fault);
        let (_, chat) = app_visitor(&server, &clock, "apns", &gone).await;
        reply(&irina, chat, &format!("g{i}a"), "Здравствуйте").await;
        let to_gone = || apns.requests().iter().filter(|r| r.device == gone).count();
        // The join's push finds the token gone: the message's push, queued with it, ends too.
        apns.wait_until(10, |r| r.iter().filter(|r| r.device == gone).count() == 1).await;
        quiet(to_gone, 1, "the pushes queued for a dropped token end").await;
        reply(&irina, chat, &format!("g{i}b"), "Вы здесь?").await;
        quiet(to_gone, 1, "a dropped token gets nothing").await;
    }
    assert!(apns.refused().is_empty(), "{:?}", apns.refused());
    server.stop().await;
}

async fn fcm_flow() {
    let dir = temp_dir();
    let fcm = Fcm::start(dir.path()).await;
    let clock = Arc::new(ManualClock::new());
    let server = server(clock.clone(), None, Some(&fcm)).await;
    let irina = server.operator("irina@fcm.test", IRINA, OperatorRole::Operator).await;
    let device = "fcm-token-1:APA91bHexampleexampleexample";
    let (_v, chat) = app_visitor(&server, &clock, "fcm", device).await;

    reply(&irina, chat, "r1", "Ваш заказ отправлен").await;
    let got = fcm.wait_until(10, |r| r.len() == 2).await;
    let message = &got[1].body["message"];
    assert_eq!(message["token"], device);
    assert_eq!(
        message["data"],
        json!({"webim": "1", "type": "P.OM", "event": "add", "location": "app", "unread_by_visitor_msg_cnt": "1",
            "params": json!([IRINA, "Ваш заказ отправлен"]).to_string()})
    );
    assert_eq!(message["android"]["priority"], "HIGH");
    assert_eq!(message["apns"]["payload"], apns_payload("P.OM", &[IRINA, "Ваш заказ отправлен"], 1, "add"));
    assert_eq!(got[0].body["message"]["data"]["type"], "P.OA");
    assert_eq!(got[0].body["message"]["data"]["params"], json!([IRINA]).to_string());
    // One access token for both, from one verified assertion.
    let tokens = fcm.token_requests();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    assert_eq!(tokens[0]["iss"], fcm.client_email.as_str());
    assert!(got.iter().all(|r| r.answered == 200 && r.access_token == got[0].access_token));

    // The access token stops working (401): a new one, and the push goes at once.
    fcm.revoke_tokens();
    reply(&irina, chat, "r2", "Курьер выехал").await;
    let got = fcm.wait_until(10, |r| r.len() == 4).await;
    assert_eq!((got[2].answered, got[3].answered), (401, 200));
    assert_eq!(fcm.token_requests().len(), 2);
    assert_eq!(got[3].body["message"]["data"]["unread_by_visitor_msg_cnt"], "2");

    // 503 with Retry-After: 2 — retried when that has passed (not after the 5 s delay).
    fcm.fail_next(&[Fault::fcm(503, "UNAVAILABLE", "UNAVAILABLE", None).retry_after(2)]);
    reply(&irina, chat, "r3", "Будет к вечеру").await;
    fcm.wait_until(10, |r| r.len() == 5).await;
    quiet(|| fcm.sends().len(), 5, "not before Retry-After").await;
    clock.advance(Duration::from_secs(3));
    let got = fcm.wait_until(10, |r| r.len() == 6).await;
    assert_eq!((got[4].answered, got[5].answered), (503, 200));
    assert_eq!(got[4].body, got[5].body);

    // A contact request: P.CR with the operator's name.
    let (code, body) = irina
        .post(&format!("/api/operator/v1/chats/{chat}/messages"), json!({"clientSideId": "cr1", "kind": "cont_req"}))
        .await;
    assert_eq!(code, 200, "{body}");
    let got = fcm.wait_until(10, |r| r.len() == 7).await;
    let data = &got[6].body["message"]["data"];
    assert_eq!((data["type"].as_str(), data["event"].as_str()), (Some("P.CR"), Some("add")));
    assert_eq!(data["params"], json!([IRINA]).to_string());
    assert_eq!(got[6].body["message"]["apns"]["payload"]["aps"]["alert"]["loc-key"], "P.CR");

    // An action request: P.WM with no parameters.
    let (code, body) = irina
        .post(
            &format!("/api/operator/v1/chats/{chat}/messages"),
            json!({"clientSideId": "ar1", "kind": "action_request", "text": "Подтвердите адрес", "data": {"a": 1}}),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let got = fcm.wait_until(10, |r| r.len() == 8).await;
    let data = &got[7].body["message"]["data"];
    assert_eq!(
        (data["type"].as_str(), data["event"].as_str(), data["params"].as_str()),
        (Some("P.WM"), Some("add"), Some("[]"))
    );
    assert_eq!(got[7].body["message"]["apns"]["payload"]["aps"]["alert"]["loc-args"], json!([]));

    // The chat closes and a survey is offered: P.RO with the chat's operator.
    server.settings(|s| s.surveys = true).await;
    let admin = server.operator("admin@fcm.test", "Админ", OperatorRole::Admin).await;
    let survey =
        json!({"title": "Оценка", "forms": [{"questions": [{"type": "stars", "text": "Оцените работу оператора"}]}]});
    let (code, body) = admin.call(reqwest::Method::PUT, "/api/admin/v1/surveys", Some(survey)).await;
    assert_eq!(code, 200, "{body}");
    let (code, body) = irina.post(&format!("/api/operator/v1/chats/{chat}/close"), json!({})).await;
    assert_eq!(code, 200, "{body}");
    let got = fcm.wait_until(10, |r| r.len() == 9).await;
    let data = &got[8].body["message"]["data"];
    assert_eq!(
        (data["type"].as_str(), data["params"].as_str()),
        (Some("P.RO"), Some(json!([IRINA]).to_string().as_str()))
    );

    // UNREGISTERED (404) and INVALID_ARGUMENT about message.token (400): the token is dropped.
    let faults = [
        Fault::fcm(404, "NOT_FOUND", "UNREGISTERED", None),
        Fault::fcm(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", Some("message.token")),
    ];
    for (i, fault) in faults.into_iter().enumerate() {
        let gone = format!("fcm-gone-{i}");
        fcm.device_answers(&gone, fault);
        let (_, chat) = app_visitor(&server, &clock, "fcm", &gone).await;
        reply(&irina, chat, &format!("g{i}a"), "Здравствуйте").await;
        let to_gone = || fcm.sends().iter().filter(|r| r.body["message"]["token"] == gone.as_str()).count();
        fcm.wait_until(10, |r| r.iter().filter(|r| r.body["message"]["token"] == gone.as_str()).count() == 1).await;
        quiet(to_gone, 1, "the pushes queued for a dropped token end").await;
        reply(&irina, chat, &format!("g{i}b"), "Вы здесь?").await;
        quiet(to_gone, 1, "a dropped token gets nothing").await;
    }
    // A web visitor (no token) brings no push at all.
    let before = fcm.sends().len();
    let web = server.visitor().await;
    web.send("w1", "Здравствуйте").await;
    reply(&irina, web.chat_id().await, "w1r", "Добрый день").await;
    quiet(|| fcm.sends().len(), before, "no token, no push").await;
    assert!(fcm.refused().is_empty(), "{:?}", fcm.refused());
    server.stop().await;
}

/// An operator deletes her message: the push delivered about it is withdrawn (`"event":
/// "del"`, no arguments, the same `apns-collapse-id`, the count after the deletion); a push
/// still waiting to go out (behind one APNs asked to retry: one device's pushes go in order) is
/// never sent, nor a withdrawal of it. An action request is pushed as `P.WM`, no arguments.
async fn withdrawal_flow() {
    let dir = temp_dir();
    let apns = Apns::start(dir.path()).await;
    let clock = Arc::new(ManualClock::new());
    let server = server(clock.clone(), Some(&apns), None).await;
    let irina = server.operator("irina@del.test", IRINA, OperatorRole::Operator).await;
    let device = "d1e2f3a4".repeat(8);
    let (_v, chat) = app_visitor(&server, &clock, "apns", &device).await;

    let typo = reply(&irina, chat, "r1", "Ваш заказ отпарвлен").await;
    let got = apns.wait_until(10, |r| r.len() == 2).await;
    assert_eq!(got[1].body, apns_payload("P.OM", &[IRINA, "Ваш заказ отпарвлен"], 1, "add"));
    assert_eq!(got[1].headers["apns-collapse-id"], typo);
    delete(&irina, chat, &typo).await;
    let got = apns.wait_until(10, |r| r.len() == 3).await;
    assert_eq!(got[2].body, apns_payload("P.OM", &[], 0, "del"), "withdrawn; nothing is unread now");
    assert_eq!(got[2].headers["apns-collapse-id"], typo, "it replaces the notification");
    assert_eq!(got[2].headers["apns-priority"], "5");
    assert_eq!(got[2].device, device);

    // An action request: `P.WM`, empty `loc-args`, collapse id the message's.
    let (code, body) = irina
        .post(
            &format!("/api/operator/v1/chats/{chat}/messages"),
            json!({"clientSideId": "w1", "kind": "action_request", "text": "Подтвердите оплату",
                "data": {"action": "confirm_payment"}}),
        )
        .await;
    assert_eq!(code, 200, "{body}");
    let got = apns.wait_until(10, |r| r.len() == 4).await;
    assert_eq!(got[3].body, apns_payload("P.WM", &[], 1, "add"));
    assert_eq!(got[3].headers["apns-collapse-id"], body["messageId"]);

    // APNs asks to retry the next push; the one after waits behind it and is deleted meanwhile.
    apns.fail_next(&[Fault::apns(429, "TooManyRequests")]);
    reply(&irina, chat, "r2", "Курьер будет в 15:00").await;
    apns.wait_until(10, |r| r.len() == 5).await;
    let wrong = reply(&irina, chat, "r3", "Это не ваш заказ").await;
    quiet(|| apns.requests().len(), 5, "it waits behind the push being retried").await;
    delete(&irina, chat, &wrong).await;
    clock.advance(Duration::from_secs(6));
    let got = apns.wait_until(10, |r| r.len() == 6).await;
    assert_eq!(got[5].body, apns_payload("P.OM", &[IRINA, "Курьер будет в 15:00"], 2, "add"));
    quiet(|| apns.requests().len(), 6, "the deleted message is never pushed, nor withdrawn").await;
    assert!(apns.requests().iter().all(|r| r.headers.get("apns-collapse-id") != Some(&wrong)));
    assert!(apns.refused().is_empty(), "{:?}", apns.refused());
    server.stop().await;
}

#[tokio::test]
async fn mobile_push_withdrawn_when_the_operator_deletes_the_message() {
    withdrawal_flow().await;
}

#[tokio::test]
async fn mobile_push_through_apns() {
    apns_flow().await;
}

#[tokio::test]
async fn mobile_push_through_fcm() {
    fcm_flow().await;
}
