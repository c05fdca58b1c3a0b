//! Visitor identification through `/l/v/m/init` (visitor-identification.md §2–§3): signed
//! fields configured from the admin API, checked on init, one visitor across devices.

use crate::common;

use beseda_core::provided_visitor::HashAlgorithm;
use beseda_core::state::OperatorRole;
use common::{Operator, TestServer, Visitor};
use serde_json::{json, Value};

const KEY: &str = "e64e35642555f3ecd64ae7dbb600dca8";

async fn configure(admin: &Operator, algorithm: &str) -> (u16, Value) {
    configure_with(
        admin,
        &[("provided_visitor_private_key", json!(KEY)), ("provided_visitor_hash_algorithm", json!(algorithm))],
    )
    .await
}

async fn configure_with(admin: &Operator, changes: &[(&str, Value)]) -> (u16, Value) {
    let (_, body) = admin.get("/api/admin/v1/settings").await;
    let mut settings = body["settings"].clone();
    for (k, v) in changes {
        settings[*k] = v.clone();
    }
    admin.call(reqwest::Method::PUT, "/api/admin/v1/settings", Some(settings)).await
}

/// Signed fields v2 for user 12345, valid until `expires`.
fn signed(algorithm: HashAlgorithm, expires: i64) -> Value {
    let fields = json!({"id": "12345", "display_name": "Евгений", "phone": "+78123855337", "email": "abc@webim.ru"});
    let input = format!("Евгенийabc@webim.ru12345+78123855337{expires}");
    json!({"fields": fields, "expires": expires, "hash": algorithm.sign(KEY, &input)})
}

async fn init_as(server: &TestServer, device: &str, ext: &Value) -> (u16, Value) {
    let ext = ("visitor-ext", ext.to_string());
    Visitor::init_raw(server, "default", None, &[ext, ("device-id", device.into())]).await
}

fn in_a_day() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("time").as_secs() as i64 + 86_400
}

#[tokio::test]
async fn an_identified_visitor_is_one_visitor_on_every_device() {
    one_visitor_on_every_device(TestServer::start().await).await;
}

async fn one_visitor_on_every_device(server: TestServer) {
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let (code, body) = configure(&admin, "sha-256").await;
    assert_eq!((code, body["error"].as_str()), (422, Some("invalid-setting")), "{body}");
    assert_eq!(configure(&admin, "sha256").await.0, 200);

    let ext = signed(HashAlgorithm::Sha256, in_a_day());
    let (code, resp) = init_as(&server, "phone", &ext).await;
    assert_eq!(code, 200, "{resp}");
    let phone = Visitor::from_init(&server, resp);
    assert_eq!(phone.visitor["hasProvidedFields"], json!(true));
    assert_eq!(phone.visitor["fields"]["name"], "Евгений");
    assert_eq!(phone.visitor["fields"]["email"], "abc@webim.ru");
    phone.send("p1", "Здравствуйте, я с телефона").await;

    let (code, resp) = init_as(&server, "laptop", &ext).await;
    assert_eq!(code, 200, "{resp}");
    let laptop = Visitor::from_init(&server, resp);
    assert_eq!(laptop.visitor["id"], phone.visitor["id"]);
    assert_ne!(laptop.session_id, phone.session_id);
    let texts: Vec<&str> = laptop.full["chat"]["messages"]
        .as_array()
        .expect("the same chat")
        .iter()
        .filter_map(|m| m["text"].as_str())
        .collect();
    assert!(texts.contains(&"Здравствуйте, я с телефона"), "{texts:?}");

    // Anonymous visitors stay separate.
    let anonymous = server.visitor().await;
    assert_ne!(anonymous.visitor["id"], phone.visitor["id"]);
    assert_eq!(anonymous.visitor["hasProvidedFields"], json!(false));
    server.stop().await;
}

#[tokio::test]
async fn bad_signed_fields_are_refused_with_the_spec_codes() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    // Before a key is configured nothing can be verified.
    let (code, body) = init_as(&server, "d", &signed(HashAlgorithm::HmacSha256, in_a_day())).await;
    assert_eq!((code, body["error"].as_str()), (403, Some("wrong-provided-visitor-hash-value")));
    assert_eq!(configure(&admin, "hmac-sha256").await.0, 200);

    // The documented vector: right hash, but it expired in 2016.
    let vector = json!({
        "fields": {"id": "12345", "display_name": "Евгений", "phone": "+78123855337", "email": "abc@webim.ru"},
        "expires": 1481195621,
        "hash": "07ef16b821f9552a8b3118416ed9ed6278d3a8ff93751d157c88edc1895cd86f"
    });
    let (code, body) = init_as(&server, "d", &vector).await;
    assert_eq!((code, body["error"].as_str()), (403, Some("provided-visitor-expired")));

    let mut wrong_hash = signed(HashAlgorithm::HmacSha256, in_a_day());
    wrong_hash["fields"]["display_name"] = json!("Мошенник");
    let (code, body) = init_as(&server, "d", &wrong_hash).await;
    assert_eq!((code, body["error"].as_str()), (403, Some("wrong-provided-visitor-hash-value")));
    // Signed with another algorithm than the configured one.
    let (code, body) = init_as(&server, "d", &signed(HashAlgorithm::Md5, in_a_day())).await;
    assert_eq!((code, body["error"].as_str()), (403, Some("wrong-provided-visitor-hash-value")));

    let mut bad_expires = signed(HashAlgorithm::HmacSha256, in_a_day());
    bad_expires["expires"] = json!("tomorrow");
    let (code, body) = init_as(&server, "d", &bad_expires).await;
    assert_eq!((code, body["error"].as_str()), (403, Some("wrong-provided-visitor-expires-value")));

    for malformed in [json!({"fields": {"display_name": "x"}, "expires": 1, "hash": "00"}), json!(["12345"])] {
        let (code, body) = init_as(&server, "d", &malformed).await;
        assert_eq!((code, body["error"].as_str()), (400, Some("wrong-argument-value")), "{malformed}");
    }
    let raw = Visitor::init_raw(&server, "default", None, &[("visitor-ext", "{not json".into())]).await;
    assert_eq!((raw.0, raw.1["error"].as_str()), (400, Some("wrong-argument-value")));

    // After all the refusals, valid fields are still accepted.
    let (code, resp) = init_as(&server, "d", &signed(HashAlgorithm::HmacSha256, in_a_day())).await;
    assert_eq!(code, 200, "{resp}");
    assert_eq!(resp["fullUpdate"]["visitor"]["fields"]["name"], "Евгений");
    server.stop().await;
}

#[tokio::test]
async fn operators_get_the_crm_link_of_identified_visitors() {
    let server = TestServer::start().await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    assert_eq!(configure(&admin, "hmac-sha256").await.0, 200);
    for bad in ["crm.example.com/?id={id}", "https://crm.example.com/profile"] {
        let (code, body) = configure_with(&admin, &[("crm_link_template", json!(bad))]).await;
        assert_eq!((code, body["error"].as_str()), (422, Some("invalid-setting")), "{bad}");
    }
    let (code, _) = configure_with(&admin, &[("crm_link_template", json!("https://crm.example.com/?id={id}"))]).await;
    assert_eq!(code, 200);

    let (_, resp) = init_as(&server, "d", &signed(HashAlgorithm::HmacSha256, in_a_day())).await;
    let known = Visitor::from_init(&server, resp);
    known.send("k1", "Это я, Евгений").await;
    let (code, detail) = admin.get(&format!("/api/operator/v1/chats/{}", known.chat_id().await)).await;
    assert_eq!(code, 200);
    assert_eq!(detail["crmLink"], "https://crm.example.com/?id=12345");

    let anonymous = server.visitor().await;
    anonymous.send("a1", "А я аноним").await;
    let (_, detail) = admin.get(&format!("/api/operator/v1/chats/{}", anonymous.chat_id().await)).await;
    assert!(detail["crmLink"].is_null(), "{detail}");
    server.stop().await;
}

async fn register_token(server: &TestServer, user: (&str, &str), body: Value) -> (u16, Value) {
    let resp = server
        .http
        .post(server.url("/api/v2/rt/provide_visitor_fields"))
        .basic_auth(user.0, Some(user.1))
        .json(&body)
        .send()
        .await
        .expect("send");
    (resp.status().as_u16(), resp.json().await.expect("json"))
}

async fn init_with_token(server: &TestServer, token: &str) -> (u16, Value) {
    Visitor::init_raw(server, "default", None, &[("provided_auth_token", token.to_owned())]).await
}

#[tokio::test]
async fn visitor_tokens_registered_by_the_site_identify_visitors_for_thirty_days() {
    let clock = std::sync::Arc::new(beseda_core::time::ManualClock::new());
    let server = TestServer::start_with_clock(clock.clone()).await;
    server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    server.operator("op@x.io", "Op", OperatorRole::Operator).await;
    let admin = ("admin@x.io", "password123");
    let fields = json!({"id": "12345", "display_name": "Евгений", "email": "abc@webim.ru"});

    let (code, body) =
        register_token(&server, ("op@x.io", "password123"), json!({"token": "3f9a1c7e5b2d4e6f", "fields": fields}))
            .await;
    assert_eq!((code, body["error"].as_str()), (403, Some("forbidden")));
    for bad in [
        json!({"token": "short", "fields": fields}),
        json!({"token": "has spaces in it", "fields": fields}),
        json!({"token": "3f9a1c7e5b2d4e6f", "fields": {"display_name": "no id"}}),
        json!({"token": "3f9a1c7e5b2d4e6f"}),
    ] {
        assert_eq!(
            register_token(&server, admin, bad.clone()).await,
            (200, json!({"error": "wrong-argument-value"})),
            "{bad}"
        );
    }
    let (code, body) = init_with_token(&server, "3f9a1c7e5b2d4e6f").await;
    assert_eq!(
        (code, body["error"].as_str()),
        (200, Some("provided-auth-token-not-found")),
        "refused bodies registered nothing"
    );

    let registered = register_token(&server, admin, json!({"token": "3f9a1c7e5b2d4e6f", "fields": fields})).await;
    assert_eq!(registered, (200, json!({"result": "ok"})));
    let (code, resp) = init_with_token(&server, "3f9a1c7e5b2d4e6f").await;
    assert_eq!(code, 200, "{resp}");
    let first = Visitor::from_init(&server, resp);
    assert_eq!(first.visitor["hasProvidedFields"], json!(true));
    assert_eq!(first.visitor["fields"]["name"], "Евгений");
    // Registering again replaces the fields; the visitor stays the same.
    let renamed = json!({"id": "12345", "display_name": "Евгений Петрович"});
    assert_eq!(register_token(&server, admin, json!({"token": "3f9a1c7e5b2d4e6f", "fields": renamed})).await.0, 200);
    let (_, resp) = init_with_token(&server, "3f9a1c7e5b2d4e6f").await;
    let again = Visitor::from_init(&server, resp);
    assert_eq!(again.visitor["id"], first.visitor["id"]);
    assert_eq!(again.visitor["fields"]["name"], "Евгений Петрович");

    clock.advance(std::time::Duration::from_secs(31 * 24 * 3600));
    let (code, body) = init_with_token(&server, "3f9a1c7e5b2d4e6f").await;
    assert_eq!((code, body["error"].as_str()), (200, Some("provided-auth-token-not-found")), "expired");
    let (code, body) = init_with_token(&server, "never-registered").await;
    assert_eq!((code, body["error"].as_str()), (200, Some("provided-auth-token-not-found")));
    server.stop().await;
}
