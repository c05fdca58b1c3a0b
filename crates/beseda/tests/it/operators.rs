//! The Operators page and profiles: administrators create accounts and set roles; supervisors
//! and administrators edit anyone's card (a supervisor not an administrator's); operators edit
//! their own unless `hidden_profiles` is on. Also the section saves of the admin panel
//! (`PATCH /settings`) with the required e-mail lists.

use crate::common;

use beseda_core::state::OperatorRole;
use common::*;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn accounts_roles_and_cards() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    let sup = server.operator("sup@x.io", "Супервизор", OperatorRole::Supervisor).await;
    let anna = server.operator("anna@x.io", "Анна", OperatorRole::Operator).await;

    // A new account logs in with its password.
    let new = json!({"email": "vera@x.io", "name": "Вера", "password": "correct horse", "role": "supervisor",
        "languages": ["ru", "en"], "maxChats": 3});
    let (code, created) = admin.post("/api/admin/v1/operators", new.clone()).await;
    assert_eq!(code, 200, "{created}");
    assert_eq!(
        (created["operator"]["role"].as_str(), created["operator"]["maxChats"].as_i64()),
        (Some("supervisor"), Some(3))
    );
    let (code, token) =
        admin.post("/api/operator/v1/tokens", json!({"email": "vera@x.io", "password": "correct horse"})).await;
    assert_eq!(code, 200, "{token}");
    // The same e-mail again, a short password, a bad role: refused, nothing written.
    let before = server.store.operators().await.expect("store").len();
    for (body, code, error) in [
        (new.clone(), 409, "email-taken"),
        (json!({"email": "x@x.io", "name": "X", "password": "short"}), 422, "invalid-setting"),
        (json!({"email": "x@x.io", "name": "X", "password": "long enough", "role": "root"}), 422, "invalid-setting"),
        (json!({"email": "not-mail", "name": "X", "password": "long enough"}), 422, "invalid-profile"),
    ] {
        let (got, answer) = admin.post("/api/admin/v1/operators", body).await;
        assert_eq!((got, answer["error"].as_str()), (code, Some(error)), "{answer}");
    }
    assert_eq!(server.store.operators().await.expect("store").len(), before);

    // Own card, while profiles are not hidden.
    let card = |name: &str, email: &str| json!({"name": name, "email": email, "avatar": "https://cdn.x.io/a.png"});
    let (code, me) = anna.call(Method::PUT, "/api/operator/v1/profile", Some(card("Анна К.", "anna@x.io"))).await;
    assert_eq!((code, me["operator"]["name"].as_str()), (200, Some("Анна К.")), "{me}");
    let (code, answer) = anna.call(Method::PUT, "/api/operator/v1/profile", Some(card("Анна", "sup@x.io"))).await;
    assert_eq!((code, answer["error"].as_str()), (409, Some("email-taken")));
    let (code, answer) = anna
        .call(
            Method::PUT,
            "/api/operator/v1/profile",
            Some(json!({"name": "А", "email": "anna@x.io", "avatar": "javascript:alert(1)"})),
        )
        .await;
    assert_eq!((code, answer["error"].as_str()), (422, Some("invalid-profile")));

    // Hidden profiles: the operator cannot, the supervisor and the admin can.
    server.settings(|s| s.hidden_profiles = true).await;
    let (code, answer) = anna.call(Method::PUT, "/api/operator/v1/profile", Some(card("Анна Б.", "anna@x.io"))).await;
    assert_eq!((code, answer["error"].as_str()), (403, Some("profile-editing-disabled")));
    assert_eq!(
        server.store.operator(beseda_core::ids::OperatorId(anna.id)).await.expect("store").expect("operator").name,
        "Анна К."
    );
    let path = format!("/api/admin/v1/operators/{}", anna.id);
    let (code, answer) = sup.call(Method::PUT, &path, Some(card("Анна Б.", "anna@x.io"))).await;
    assert_eq!((code, answer["operator"]["name"].as_str()), (200, Some("Анна Б.")), "{answer}");
    let (code, _) = sup.call(Method::PUT, "/api/operator/v1/profile", Some(card("Супер", "sup@x.io"))).await;
    assert_eq!(code, 200, "supervisors keep their own card");
    // A supervisor neither edits an administrator nor changes roles.
    let (code, answer) =
        sup.call(Method::PUT, &format!("/api/admin/v1/operators/{}", admin.id), Some(card("Я", "admin@x.io"))).await;
    assert_eq!((code, answer["error"].as_str()), (403, Some("forbidden")));
    let mut promote = card("Анна Б.", "anna@x.io");
    promote["role"] = json!("admin");
    let (code, _) = sup.call(Method::PUT, &path, Some(promote.clone())).await;
    assert_eq!(code, 403);
    assert_eq!(
        server.store.operator(beseda_core::ids::OperatorId(anna.id)).await.expect("store").expect("operator").role,
        OperatorRole::Operator
    );
    // The admin does.
    promote["role"] = json!("supervisor");
    let (code, answer) = admin.call(Method::PUT, &path, Some(promote)).await;
    assert_eq!((code, answer["operator"]["role"].as_str()), (200, Some("supervisor")), "{answer}");
    let mut own = card("Админ", "admin@x.io");
    own["role"] = json!("operator");
    let (code, _) = admin.call(Method::PUT, &format!("/api/admin/v1/operators/{}", admin.id), Some(own)).await;
    assert_eq!(code, 422, "nobody demotes themselves");
    // An uploaded photo is served from its own path; saving the card again keeps it.
    let mut with_photo = card("Анна Б.", "anna@x.io");
    with_photo["avatar"] = json!(image("png", 64, 64));
    let (code, answer) = sup.call(Method::PUT, &path, Some(with_photo.clone())).await;
    assert_eq!(code, 200, "{answer}");
    let avatar = answer["operator"]["avatar"].as_str().unwrap_or_default().to_owned();
    assert!(avatar.starts_with(&format!("/widget/image/operator-{}?v=", anna.id)), "{avatar}");
    let served = server.http.get(server.url(&avatar)).send().await.expect("photo");
    assert_eq!(served.headers()["content-type"], "image/png");
    let mut same = card("Анна В.", "anna@x.io");
    same["avatar"] = json!(avatar);
    let (code, answer) = sup.call(Method::PUT, &path, Some(same)).await;
    assert_eq!((code, answer["operator"]["avatar"].as_str()), (200, Some(avatar.as_str())));
    let (code, answer) = sup.call(Method::PUT, &path, Some(json!({"name": "Анна В.", "email": "anna@x.io"}))).await;
    assert_eq!(
        (code, answer["operator"]["avatar"].as_str()),
        (200, Some(avatar.as_str())),
        "no avatar keeps the photo"
    );
    with_photo["avatar"] = json!(image("png", 300, 300));
    let (code, answer) = sup.call(Method::PUT, &path, Some(with_photo)).await;
    assert_eq!((code, answer["error"].as_str()), (422, Some("invalid-profile")), "{answer}");
    let (code, list) = sup.get("/api/admin/v1/operators").await;
    assert_eq!((code, list["operators"].as_array().map(|a| a.len())), (200, Some(4)));
    server.stop().await;
}

#[tokio::test]
async fn a_section_save_changes_only_its_keys_and_requires_the_email_lists() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Админ", OperatorRole::Admin).await;
    server.settings(|s| s.greeting_message = "Добрый день!".into()).await;
    let emails = json!({"email_left_messages": "a@x.io, b@x.io", "email_negative_feedback": "c@x.io",
        "email_daily_reports": "d@x.io"});
    let (code, saved) = admin.call(Method::PATCH, "/api/admin/v1/settings", Some(emails.clone())).await;
    assert_eq!(code, 200, "{saved}");
    let s = server.store.settings().await.expect("store");
    assert_eq!((s.email_left_messages.as_str(), s.greeting_message.as_str()), ("a@x.io, b@x.io", "Добрый день!"));
    for (patch, why) in [
        (json!({"email_daily_reports": ""}), "required"),
        (json!({"email_negative_feedback": "   "}), "required"),
        (json!({"email_left_messages": "a@x.io; b@x.io"}), "not an e-mail"),
        (json!({"button_probability": 101}), "percentage"),
    ] {
        let (code, answer) = admin.call(Method::PATCH, "/api/admin/v1/settings", Some(patch.clone())).await;
        assert_eq!((code, answer["error"].as_str()), (422, Some("invalid-setting")), "{patch}: {answer}");
        assert!(answer["message"].as_str().unwrap_or_default().contains(why), "{answer}");
    }
    let (code, answer) = admin.call(Method::PATCH, "/api/admin/v1/settings", Some(json!({"no_such_setting": 1}))).await;
    assert_eq!((code, answer["error"].as_str()), (422, Some("unknown-setting")), "{answer}");
    assert!(answer["message"].as_str().unwrap_or_default().contains("no_such_setting"), "{answer}");
    assert_eq!(server.store.settings().await.expect("store"), s, "refused sections change nothing");
    let (code, answer) = admin.call(Method::PATCH, "/api/admin/v1/settings", Some(json!([1]))).await;
    assert_eq!((code, answer["error"].as_str()), (400, Some("invalid-json")));
    server.stop().await;
}

/// An operator's reply ends their "typing" for the visitor with a CHAT_OPERATOR_TYPING item,
/// so a "stopped" that arrives after the reply (and finds nothing to stop) cannot leave the
/// visitor looking at "typing…".
#[tokio::test]
async fn a_reply_ends_the_operators_typing_for_the_visitor() {
    let server = TestServer::start().await;
    let anna = server.operator("typing@x.io", "Анна", OperatorRole::Operator).await;
    anna.set_status("online").await;
    let v = server.visitor().await;
    v.send("q", "Есть вопрос").await;
    let chat = v.chat_id().await;
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/take"), json!({})).await.0, 200);
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/typing"), json!({"typing": true})).await.0, 200);
    let since = v.delta(0, true).await["revision"].as_i64().expect("revision");
    let (code, body) = anna
        .post(&format!("/api/operator/v1/chats/{chat}/messages"), json!({"clientSideId": "r1", "text": "Отвечаю"}))
        .await;
    assert_eq!(code, 200, "{body}");
    // The late "stopped" changes nothing now.
    assert_eq!(anna.post(&format!("/api/operator/v1/chats/{chat}/typing"), json!({"typing": false})).await.0, 200);
    let delta = v.delta(since, true).await;
    let typing: Vec<&Value> = delta["deltaList"]
        .as_array()
        .expect("deltaList")
        .iter()
        .filter(|i| i["objectType"] == "CHAT_OPERATOR_TYPING")
        .collect();
    assert_eq!(typing.len(), 1, "{delta}");
    assert_eq!(typing[0]["data"], json!(false));
    assert_eq!(v.delta(0, true).await["fullUpdate"]["chat"]["operatorTyping"], json!(false));
}
