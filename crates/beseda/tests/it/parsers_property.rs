//! Property tests through the real HTTP server: whole payloads from the internet (Bot API calls,
//! custom-channel calls, Telegram updates, VK callbacks, multipart uploads, visitor actions),
//! generated at random, never get a 5xx and never stop the server answering `/healthz`. Each
//! case is an HTTP round trip, so the case counts are kept small.

use crate::common;

use beseda_core::state::OperatorRole;
use beseda_server::ServerConfig;
use common::mock_http::MockHttp;
use common::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Map, Value};
use std::time::Duration;

const CASES: u32 = 96;
const TG_TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_";
const VK_GROUP: i64 = 210700286;

/// Words the parsers look for, so random payloads reach past the first check.
const WORDS: &[&str] = &[
    "operator",
    "keyboard",
    "for_operator",
    "visitor",
    "keyboard_response",
    "file_visitor",
    "file_operator",
    "message_new",
    "confirmation",
    "message_reply",
    "message",
    "text",
    "doc",
    "photo",
    "",
    " ",
    "1",
    "-1",
    "99999999999999999999999",
    "<b>x</b>",
    "**bold** [a](javascript:x)",
    "m1:b1",
];
/// Keys of the payloads (never `url`: a random URL would send the server fetching it).
const KEYS: &[&str] = &[
    "chat_id",
    "message",
    "kind",
    "text",
    "markdown",
    "data",
    "buttons",
    "id",
    "chat",
    "visitor",
    "fields",
    "operator_id",
    "department_key",
    "request",
    "button",
    "messageId",
    "update_id",
    "callback_query",
    "from",
    "type",
    "object",
    "payload",
    "peer_id",
    "from_id",
    "attachments",
    "conversation_message_id",
    "document",
    "photo",
    "caption",
    "file_id",
    "name",
    "media_type",
    "config",
    "title",
    "m",
    "b",
    "first_name",
    "username",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (0i64..4).prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "\\PC{0,16}".prop_map(Value::String),
        prop::sample::select(WORDS).prop_map(|w| Value::String(w.to_owned())),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![4 => prop::sample::select(KEYS).prop_map(str::to_owned), 1 => "\\PC{0,6}"]
}

/// Arbitrary JSON, biased to the keys and words above.
fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6).prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// An object with each of `fields` present three times in four.
fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
    let parts: Vec<_> = fields
        .into_iter()
        .map(|(k, s)| prop::option::weighted(0.75, s).prop_map(move |v| v.map(|v| (k.to_owned(), v))))
        .collect();
    parts.prop_map(|kv| Value::Object(kv.into_iter().flatten().collect::<Map<_, _>>())).boxed()
}

fn word() -> BoxedStrategy<Value> {
    prop_oneof![prop::sample::select(WORDS).prop_map(|w| Value::String(w.to_owned())), json_value()].boxed()
}

fn any_json() -> BoxedStrategy<Value> {
    json_value().boxed()
}

/// A request body, shown shortened when a case fails.
#[derive(Clone)]
struct Body(Vec<u8>);

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let head = String::from_utf8_lossy(&self.0[..self.0.len().min(300)]);
        write!(f, "{} bytes: {head:?}", self.0.len())
    }
}

/// A body: shaped JSON, arbitrary JSON, arbitrary bytes or JSON nested past any sane depth.
fn body(shaped: BoxedStrategy<Value>) -> impl Strategy<Value = Body> {
    let bytes = prop_oneof![
        6 => shaped.prop_map(|v| v.to_string().into_bytes()),
        2 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..256),
        1 => (100usize..50_000).prop_map(|d| format!("{}{}", "[{\"a\":".repeat(d), "}]".repeat(d)).into_bytes()),
    ];
    bytes.prop_map(Body)
}

fn message() -> BoxedStrategy<Value> {
    object(vec![
        ("kind", word()),
        ("text", word()),
        ("markdown", any_json()),
        ("id", word()),
        ("buttons", any_json()),
        ("data", any_json()),
    ])
}

fn bot_payload() -> BoxedStrategy<Value> {
    object(vec![("chat_id", word()), ("message", message()), ("operator_id", word()), ("department_key", word())])
}

fn channel_payload() -> BoxedStrategy<Value> {
    object(vec![("chat", any_json()), ("visitor", any_json()), ("message", message())])
}

fn telegram_update() -> BoxedStrategy<Value> {
    let inner = object(vec![
        ("message_id", word()),
        ("chat", object(vec![("id", word()), ("type", word())])),
        ("from", any_json()),
        ("text", word()),
        ("document", any_json()),
        ("photo", any_json()),
        ("caption", word()),
        ("message", any_json()),
        ("data", word()),
        ("id", word()),
    ]);
    object(vec![("update_id", word()), ("message", inner.clone()), ("callback_query", inner)])
}

fn vk_event(secret: String) -> BoxedStrategy<Value> {
    let msg = object(vec![
        ("id", word()),
        ("peer_id", word()),
        ("from_id", word()),
        ("text", word()),
        ("payload", word()),
        ("attachments", any_json()),
        ("conversation_message_id", word()),
    ]);
    object(vec![
        ("type", word()),
        ("group_id", prop_oneof![Just(json!(VK_GROUP)), word()].boxed()),
        ("secret", prop_oneof![3 => Just(json!(secret)), 1 => word()].boxed()),
        ("object", object(vec![("message", msg), ("client_info", any_json())])),
    ])
}

/// Everything the properties post to: a bot, a custom channel, Telegram and VK channels and a
/// visitor, on one server.
struct Targets {
    server: TestServer,
    _tg: MockHttp,
    bot_token: String,
    channel: (String, String),
    telegram: (String, String),
    vk: (String, String),
    visitor: Visitor,
}

async fn targets() -> Targets {
    let tg = MockHttp::start().await;
    let m = |method: &str| format!("/bot{TG_TOKEN}/{method}");
    tg.answer(&m("getMe"), 200, r#"{"ok":true,"result":{"id":123456789,"is_bot":true,"username":"sila_bot"}}"#);
    for method in ["setWebhook", "answerCallbackQuery"] {
        tg.answer(&m(method), 200, r#"{"ok":true,"result":true}"#);
    }
    tg.answer(&m("sendMessage"), 200, r#"{"ok":true,"result":{"message_id":100}}"#);
    tg.answer_all(200);
    let config = ServerConfig {
        longpoll_hold: Duration::from_secs(5),
        api_urls: beseda_server::ApiUrls { telegram: tg.url(""), vk: tg.url(""), ..Default::default() },
        channel_retry_delays: vec![Duration::from_millis(50)],
        ..ServerConfig::default()
    };
    let server = TestServer::start_with(config).await;
    let admin = server.operator("admin@x.io", "Admin", OperatorRole::Admin).await;
    let bot_op = server.operator("bot@x.io", "Bot", OperatorRole::Operator).await;
    let put = |body: Value| {
        let admin = &admin;
        async move {
            let (code, body) = admin
                .call(
                    reqwest::Method::PUT,
                    &format!("/api/admin/v1/{}", body["path"].as_str().expect("path")),
                    Some(body["body"].clone()),
                )
                .await;
            assert_eq!(code, 200, "{body}");
            body
        }
    };
    let bot = put(json!({"path": "bots", "body": {"operatorId": bot_op.id, "webhookUrl": tg.url("/bot")}})).await;
    let channel = put(json!({"path": "channels", "body": {"title": "Shop", "kind": "custom", "config": {"webhookUrl": tg.url("/channel")}}})).await;
    let telegram = put(json!({"path": "channels", "body": {"title": "Telegram", "kind": "telegram", "config": {"botToken": TG_TOKEN}}})).await;
    let vk = put(json!({"path": "channels", "body": {"title": "VK", "kind": "vk", "config": {"accessToken": "vk1.a.key", "confirmation": "d8v2ve07", "groupId": VK_GROUP}}})).await;
    let pair = |v: &Value, secret: &str| {
        (v["key"].as_str().expect("key").to_owned(), v[secret].as_str().expect("secret").to_owned())
    };
    let visitor = server.visitor().await;
    Targets {
        bot_token: bot["token"].as_str().expect("token").to_owned(),
        channel: pair(&channel, "secret"),
        telegram: pair(&telegram, "secret"),
        vk: pair(&vk, "secretKey"),
        server,
        _tg: tg,
        visitor,
    }
}

/// The answer is not a 5xx, and the server still answers `/healthz`.
async fn check(t: &Targets, req: reqwest::RequestBuilder, what: &str) -> Result<(), TestCaseError> {
    let status = req
        .timeout(Duration::from_secs(20))
        .send()
        .await
        .map_err(|e| TestCaseError::fail(format!("{what}: {e}")))?
        .status();
    prop_assert!(status.as_u16() < 500, "{what}: {status}");
    let health =
        t.server.http.get(t.server.url("/healthz")).send().await.map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(health.status().as_u16(), 200, "healthz after {}", what);
    Ok(())
}

/// `CASES` cases, or `PROPTEST_CASES` for a longer run.
/// A client that opens a connection per request: a refusal answered before a large body is
/// read closes its connection, which must not fail the next case.
fn fresh_connections() -> reqwest::Client {
    reqwest::Client::builder().pool_max_idle_per_host(0).build().expect("client")
}

fn runner() -> TestRunner {
    let cases = if std::env::var_os("PROPTEST_CASES").is_some() { Config::default().cases } else { CASES };
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

/// Runs one property against the shared targets.
fn run<S: Strategy>(
    rt: &tokio::runtime::Runtime,
    t: &Targets,
    strategy: S,
    request: impl Fn(&Targets, S::Value) -> (reqwest::RequestBuilder, String),
) where
    S::Value: std::fmt::Debug,
{
    runner()
        .run(&strategy, |value| {
            let (req, what) = request(t, value);
            rt.block_on(check(t, req, &what))
        })
        .expect("property holds");
}

fn method(names: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    prop::sample::select(names)
}

#[test]
fn payloads_never_get_a_5xx() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let t = rt.block_on(targets());
    let http = fresh_connections();

    run(
        &rt,
        &t,
        (method(&["send_message", "redirect_chat", "close_chat", "nope"]), body(bot_payload())),
        |t, (m, b)| {
            let req = http
                .post(t.server.url(&format!("/api/bot/v2/{m}")))
                .header("authorization", format!("Token {}", t.bot_token));
            (req.header("content-type", "application/json").body(b.0), format!("bot {m}"))
        },
    );
    run(
        &rt,
        &t,
        (method(&["message", "start_chat", "close_chat", "redirect_chat", "nope"]), body(channel_payload())),
        |t, (m, b)| {
            let (key, secret) = &t.channel;
            let req = http
                .post(t.server.url(&format!("/api/custom-channel/v1/{key}/{m}")))
                .header("authorization", format!("Token {secret}"));
            (req.header("content-type", "application/json").body(b.0), format!("channel {m}"))
        },
    );
    run(&rt, &t, body(telegram_update()), |t, b| {
        let (key, secret) = &t.telegram;
        let req = http
            .post(t.server.url(&format!("/api/telegram/{key}/webhook")))
            .header("x-telegram-bot-api-secret-token", secret);
        (req.header("content-type", "application/json").body(b.0), "telegram update".to_owned())
    });
    run(&rt, &t, body(vk_event(t.vk.1.clone())), |t, b| {
        let req = http.post(t.server.url(&format!("/api/vk/{}/callback", t.vk.0)));
        (req.header("content-type", "application/json").body(b.0), "vk callback".to_owned())
    });
    rt.block_on(t.server.http.get(t.server.url("/healthz")).send()).expect("still up");
}

/// Multipart bodies: well-formed forms with random parts and contents (image signatures
/// included), and raw bytes under a multipart content type.
fn multipart_body() -> impl Strategy<Value = Vec<u8>> {
    let signature = prop::sample::select(vec![
        &b""[..],
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        b"GIF89a",
        b"\xff\xd8\xff",
        b"%PDF-1.4",
        b"RIFF\0\0\0\0WEBP",
    ]);
    let part = (
        prop::sample::select(vec!["webim_upload_file", "client-side-id", "page-id", "x"]),
        prop::sample::select(vec!["a.png", "b.gif", "c.jpg", "d.pdf", "e.exe", "", "../../etc/passwd", "я.txt"]),
        prop::sample::select(vec!["image/png", "application/pdf", "text/html", "", "garbage"]),
        signature,
        prop::collection::vec(any::<u8>(), 0..256),
    );
    prop_oneof![
        3 => prop::collection::vec(part, 0..4).prop_map(|parts| {
            let mut out = Vec::new();
            for (name, file, ct, sig, bytes) in parts {
                out.extend(format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: {ct}\r\n\r\n").as_bytes());
                out.extend(sig);
                out.extend(bytes);
                out.extend(b"\r\n");
            }
            out.extend(b"--XyZ--\r\n");
            out
        }),
        1 => prop::collection::vec(any::<u8>(), 0..512),
    ]
}

#[test]
fn visitor_uploads_and_actions_never_get_a_5xx() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let t = rt.block_on(targets());
    let http = fresh_connections();
    let creds = format!("page-id={}&auth-token={}", t.visitor.page_id, t.visitor.auth_token);

    run(&rt, &t, multipart_body(), |t, b| {
        let url = t.server.url(&format!("/l/v/m/upload?{creds}&client-side-id=up"));
        (http.post(url).header("content-type", "multipart/form-data; boundary=XyZ").body(b), "upload".to_owned())
    });
    let action = prop::sample::select(vec![
        "chat.message",
        "chat.start",
        "chat.keyboard_response",
        "chat.visitor_typing",
        "chat.set_visitor_fields",
        "chat.react",
    ]);
    let fields = "([a-z\\-_]{1,12}=(%[0-9a-fA-F+]{0,2}|[\\PC&&[^&]]){0,24}&?){0,6}";
    run(&rt, &t, (action, fields, prop::collection::vec(any::<u8>(), 0..64)), |t, (a, f, raw)| {
        let url = t.server.url(&format!("/l/v/m/action?{creds}&action={a}"));
        let body = if raw.len() % 2 == 0 { f.into_bytes() } else { raw };
        (http.post(url).header("content-type", "application/x-www-form-urlencoded").body(body), format!("action {a}"))
    });
}

/// JSON nested past serde_json's recursion limit is a 400, not a crash, wherever JSON is read.
#[tokio::test]
async fn deep_json_is_a_4xx() {
    let t = targets().await;
    let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
    let bot = t
        .server
        .http
        .post(t.server.url("/api/bot/v2/send_message"))
        .header("authorization", format!("Token {}", t.bot_token));
    let channel = t
        .server
        .http
        .post(t.server.url(&format!("/api/custom-channel/v1/{}/message", t.channel.0)))
        .header("authorization", format!("Token {}", t.channel.1));
    let tg = t
        .server
        .http
        .post(t.server.url(&format!("/api/telegram/{}/webhook", t.telegram.0)))
        .header("x-telegram-bot-api-secret-token", &t.telegram.1);
    let vk = t.server.http.post(t.server.url(&format!("/api/vk/{}/callback", t.vk.0)));
    for (what, req) in [("bot", bot), ("channel", channel), ("telegram", tg), ("vk", vk)] {
        let status =
            req.header("content-type", "application/json").body(deep.clone()).send().await.expect("answer").status();
        assert!(status.is_client_error(), "{what}: {status}");
    }
    let data = format!("data={}", "%5B".repeat(10_000));
    let url = t.server.url(&format!(
        "/l/v/m/action?page-id={}&auth-token={}&action=chat.message&client-side-id=d&message=x",
        t.visitor.page_id, t.visitor.auth_token
    ));
    let status = t
        .server
        .http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(data)
        .send()
        .await
        .expect("answer")
        .status();
    assert!(status.is_client_error(), "action: {status}");
    assert_eq!(t.server.http.get(t.server.url("/healthz")).send().await.expect("healthz").status().as_u16(), 200);
}
